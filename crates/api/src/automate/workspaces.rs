//! Workspaces, folders, tabs and classes: create from a template, update, profile, search; folder search; the admin connector's folders and tabs; classes and subclasses.

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
