//! Security: trustees, default security, permissions read, changed and copied.

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
