//! The façade's `filing` operations (`api::automate::filing`): scenarios and bad input.
