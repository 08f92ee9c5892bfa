//! Documents: upload, new version, download, profile read and update, versions, promote, copy and move (`document.controllers`).

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
