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
//! - `home`, `browse` (libraries, workspaces, folders), `document`, `search`, `security`
//!   (the security dialog), `workflows` (start a workflow on selected documents, a run's
//!   state): the pages;
//!   `links`: the `/work/link/{d|w|f|t}/{id}` addresses the APIs hand out.
//! - `view`: what the templates show, computed from domain records.

mod assets;
mod browse;
mod document;
mod home;
mod links;
mod page;
mod search;
mod security;
mod session;
mod signin;
mod view;
mod workflows;

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
        .route("/workspaces/{id}", get(browse::workspace))
        .route("/folders/{id}", get(browse::folder))
        .route("/documents/{id}", get(document::document))
        .route("/documents/{id}/content", get(document::content))
        .route("/search", get(search::search))
        .route(
            "/documents/{id}/security",
            get(security::show).post(security::change),
        )
        .route(
            "/workspaces/{id}/security",
            get(security::show).post(security::change),
        )
        .route(
            "/folders/{id}/security",
            get(security::show).post(security::change),
        )
        .route("/workflows", get(workflows::choose))
        .route("/workflows/{id}/runs", post(workflows::start))
        .route("/workflow-runs/{library}/{id}", get(workflows::run))
        .route("/work/link/{kind}/{id}", get(links::follow))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::resolve,
        ))
}
