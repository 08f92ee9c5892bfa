//! Filing and annotations: document references in folders, history entries and activity names, name-value pairs.

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
