//! The façade's `permissions` operations (`api::automate::permissions`): scenarios and bad input.
