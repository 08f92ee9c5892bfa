//! The façade's `workspaces` operations (`api::automate::workspaces`): scenarios and bad input.
