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
//! - `preview`: a document's content shown in its page (viewer, image, email, text);
//!   `checkout` (check out, cancel) and `versions` (upload/check in, promote, delete):
//!   the document's actions; `filing`: copy and move, with a folder picker; `profile`:
//!   editing the profile, with lookup pickers; `form`: posted fields read by the Work
//!   API's wire parsers.
//! - `create`: new workspaces (from the template the matter type maps to), folders and
//!   tabs, from the pages' forms.
//! - `upload`: filing dropped files in a folder through the Work API's upload, and the
//!   profile dialog when fields are missing.
//! - `view`: what the templates show, computed from domain records.
//! - `admin`: the Control Center at `/admin` (users, applications, ethical walls and the
//!   access report, the audit log), for administrators.

mod admin;
mod assets;
mod browse;
mod checkout;
mod create;
mod document;
mod filing;
mod form;
mod home;
mod links;
mod page;
mod preview;
mod profile;
mod search;
mod security;
mod session;
mod signin;
mod upload;
mod versions;
mod view;
mod workflows;

use axum::Router;
use axum::routing::{get, post};
use dossier_api::AppState;

/// The web client's routes, merged into the server's router by `dossier_api::router`.
pub fn router(state: &AppState) -> Router<AppState> {
    // Every page behind the session layer (`session::resolve`).
    Router::new()
        .route("/", get(home::home))
        .route("/sign-in", get(signin::start))
        .route(
            dossier_service::web_sessions::WEB_REDIRECT_PATH,
            get(signin::finish),
        )
        .route("/sign-out", post(signin::sign_out))
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
        .route("/documents/{id}/checkout", post(checkout::check_out))
        .route("/documents/{id}/checkout/cancel", post(checkout::cancel))
        .route(
            "/documents/{id}/versions",
            // The server's upload limit, as for the Work API's uploads.
            post(versions::upload).layer(axum::extract::DefaultBodyLimit::max(
                usize::try_from(state.max_upload_bytes).unwrap_or(usize::MAX),
            )),
        )
        .route("/documents/{id}/promote", post(versions::promote))
        .route(
            "/documents/{id}/profile",
            get(profile::edit).post(profile::save),
        )
        .route(
            "/libraries/{library}/lookups/{field}",
            get(profile::suggest),
        )
        .route("/documents/{id}/copy", post(filing::copy))
        .route("/documents/{id}/move", post(filing::move_to))
        .route("/libraries/{library}/folders", get(filing::suggest))
        .route(
            "/documents/{id}/versions/{version}/delete",
            post(versions::delete),
        )
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
        .route("/admin", get(admin::home))
        .route(
            "/admin/users",
            get(admin::users::list).post(admin::users::create),
        )
        .route("/admin/users/{id}", post(admin::users::change))
        .route(
            "/admin/applications",
            get(admin::apps::list).post(admin::apps::create),
        )
        .route("/admin/applications/{id}/revoke", post(admin::apps::revoke))
        .route("/admin/audit", get(admin::audit::list))
        .route("/admin/audit.csv", get(admin::audit::export))
        .route("/admin/walls", get(admin::walls::list))
        .route("/admin/walls/{library}", post(admin::walls::create))
        .route("/admin/walls/{library}/{id}", get(admin::walls::report))
        .route(
            "/admin/walls/{library}/{id}/access.csv",
            get(admin::walls::report_csv),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::resolve,
        ))
        // Static files need no session: they are served without looking one up.
        .route("/assets/{name}", get(assets::serve))
}
