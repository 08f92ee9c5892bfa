//! The façade's `people` operations (`api::automate::people`): scenarios and bad input.
