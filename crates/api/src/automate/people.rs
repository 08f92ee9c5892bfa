//! Users, groups and roles: user details, group members, user search; the admin connector's user creation (with an emailed invitation), library assignment, roles and My Matters shortcuts.

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
