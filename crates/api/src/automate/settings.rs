//! The admin connector's lookups: lookup field names, aliases listed, created and updated, and the dynamic schemas of those forms.

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
