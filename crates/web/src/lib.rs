//! The web client: the pages lawyers and assistants use, served at `/` by the same binary.
//! A surface like the Work API (ARCHITECTURE.md, "Adding a surface"): each handler reads
//! the request, calls the service's use cases as the signed-in user, and renders a
//! template. No rule lives here or in a template; what a page offers comes from what the
//! service says the user may do.
//!
//! - `session`: the session cookie, CSRF protection, the `Signed` extractor;
//!   `signin`: signing in through Dossier's own authorization endpoint, and out.
//! - `page`: rendering with the security headers, failure pages; `assets`: the embedded
//!   static files (htmx vendored from npm, our CSS and script).
//! - `home`, `browse` (libraries, workspaces, folders), `document`, `search`: the pages;
//!   `links`: the `/work/link/{d|w|f|t}/{id}` addresses the APIs hand out.
//! - `create`: new workspaces (from the template the matter type maps to), folders and
//!   tabs, from the pages' forms.
//! - `upload`: filing dropped files in a folder through the Work API's upload, and the
//!   profile dialog when fields are missing.
//! - `view`: what the templates show, computed from domain records.

mod assets;
mod browse;
mod create;
mod document;
mod home;
mod links;
mod page;
mod search;
mod session;
mod signin;
mod upload;
mod view;

use axum::Router;
use axum::routing::{get, post};
use dossier_api::AppState;

/// The web client's routes, merged into the server's router by `dossier_api::router`.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/sign-in", get(signin::start))
        .route(
            dossier_service::web_sessions::WEB_REDIRECT_PATH,
            get(signin::finish),
        )
        .route("/sign-out", post(signin::sign_out))
        .route("/assets/{name}", get(assets::serve))
        .route("/libraries/{library}", get(browse::library))
        .route("/libraries/{library}/workspaces", post(create::workspace))
        .route("/workspaces/{id}", get(browse::workspace))
        .route("/workspaces/{id}/folders", post(create::folder))
        .route("/workspaces/{id}/tabs", post(create::tab))
        .route("/folders/{id}", get(browse::folder))
        .route("/folders/{id}/folders", post(create::folder))
        .route("/folders/{id}/documents", upload::route(state))
        .route("/documents/{id}", get(document::document))
        .route("/documents/{id}/content", get(document::content))
        .route("/search", get(search::search))
        .route("/work/link/{kind}/{id}", get(links::follow))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::resolve,
        ))
}
