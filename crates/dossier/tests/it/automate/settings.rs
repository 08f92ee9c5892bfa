//! The façade's `settings` operations (`api::automate::settings`): scenarios and bad input.
