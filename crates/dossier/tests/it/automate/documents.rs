//! The façade's `documents` operations (`api::automate::documents`): scenarios and bad input.
