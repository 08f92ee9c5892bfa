//! Core extended metadata: property ids, a document's values read and set, taxonomy node search (`document.em.controllers`, `library.em.controllers`).

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
