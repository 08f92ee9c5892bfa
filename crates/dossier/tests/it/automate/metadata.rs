//! The façade's `metadata` operations (`api::automate::metadata`): scenarios and bad input.
