//! The Power Automate façade at `/automate/work`: the RPC operations the "iManage Work"
//! and "iManage Work for Admins" connectors call (`/getLibraries`, …), with the paths,
//! parameters and `{"data": …}` answers of their swaggers (`crates/dossier/tests/contract/`). Each handler
//! parses the request in the façade's dialect (`wire`), calls one use case and renders its
//! result; a failure answers the façade's envelope (`error`). The sign-in aliases
//! (`/automate/work/auth/*`) belong to `oauth`.
//!
//! The handlers live in one module per controller group of the swaggers; this module keeps
//! the three that serve both connectors' pickers (GetLibraries, GetWorkspaceTemplates,
//! GetAllowedDefaultSecurity). docs/compatibility.md lists the status of every operation;
//! `crates/dossier/tests/it/automate/` checks them against the swaggers.

pub mod admin;
pub mod descriptions;
pub mod error;
pub mod links;
pub mod wire;

// One module per controller group of the swaggers (`x-im-controller`), each with its routes.
mod accounts;
mod documents;
mod filing;
mod metadata;
mod people;
mod permissions;
mod settings;
mod workflows;
mod workspaces;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dossier_core::query::Page;
use dossier_core::{DefaultSecurity, DomainError, LibraryId};
use dossier_service::Caller;
use serde_json::{Value, json};

use self::error::{AutomateError, AutomateResult};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Q;

/// The façade's routes, nested at `/automate/work` by `api::router`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/getLibraries", get(get_libraries))
        .route("/getWorkspaceTemplates", get(get_workspace_templates))
        .route(
            "/getAllowedDefaultSecurity",
            get(get_allowed_default_security),
        )
        .merge(accounts::routes())
        .merge(documents::routes())
        .merge(filing::routes())
        .merge(metadata::routes())
        .merge(people::routes())
        .merge(permissions::routes())
        .merge(settings::routes())
        .merge(workflows::routes())
        .merge(workspaces::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// Every answer: `{"data": …}`.
pub(crate) fn data(value: Value) -> Response {
    axum::Json(json!({ "data": value })).into_response()
}

/// GET /getLibraries: the libraries the caller may use. `showAllLibraries` (default false)
/// adds the hidden ones; `hidePreferredLibrary` (default false) leaves out the caller's
/// preferred library.
async fn get_libraries(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let q = q?;
    let show_all = wire::flag(&q, "showAllLibraries", false)?;
    let hide_preferred = wire::flag(&q, "hidePreferredLibrary", false)?;
    let preferred = if hide_preferred {
        state
            .dossier
            .user(&caller, &caller.user_id)
            .await?
            .preferred_library
    } else {
        None
    };
    let libraries = state.dossier.libraries(&caller, caller.customer_id).await?;
    let listed = libraries
        .iter()
        .filter(|l| show_all || !l.is_hidden)
        .filter(|l| {
            preferred
                .as_deref()
                .is_none_or(|p| !p.eq_ignore_ascii_case(l.id.as_str()))
        })
        .map(wire::library)
        .collect::<Vec<_>>();
    Ok(data(Value::Array(listed)))
}

/// GET /getWorkspaceTemplates: the library's templates whose custom values match the
/// request's, and `topMatchingId`/`topMatchingName`: the template the library's matter
/// settings map those values to when it is listed, else the first listed.
async fn get_workspace_templates(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let q = q?;
    let library = wire::required(&q, "libraryId")?;
    let library = state
        .dossier
        .library(&caller, caller.customer_id, library)
        .await?;
    let customs = wire::custom_filters(&q)?;
    let mapped = state
        .dossier
        .matter_settings(&caller, &library)
        .await?
        .template_for(&wire::custom_values(&customs));
    let query = dossier_core::query::ContainerQuery {
        customs,
        ..Default::default()
    };
    let page = Page {
        limit: 9999,
        ..Page::default()
    };
    let (found, _) = state
        .dossier
        .templates(&caller, &library, query, page)
        .await?;
    let top = mapped
        .and_then(|n| found.iter().find(|t| t.id.number == n))
        .or_else(|| found.first());
    let mut out = json!({"results": found.iter().map(wire::template).collect::<Vec<_>>()});
    if let Some(t) = top {
        out["topMatchingId"] = json!(t.id.to_string());
        out["topMatchingName"] = json!(t.name);
    }
    Ok(data(out))
}

/// GET /getAllowedDefaultSecurity: the default securities an object type may take, as a
/// picker lists them.
async fn get_allowed_default_security(
    c: Result<Caller, ApiError>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    c?; // a missing or bad token: 401 in the façade's envelope
    let kind = wire::object_type(&q?)?;
    let listed = DefaultSecurity::allowed_on(kind)
        .iter()
        .map(|d| json!({"id": d.as_str(), "display_name": d.display_name()}))
        .collect();
    Ok(data(Value::Array(listed)))
}

/// The library an operation without a `libraryId` reads: the caller's preferred one when
/// it may use it, else the first it may (the connectors' dropdowns are per user, not per
/// library).
pub(crate) async fn home_library(state: &AppState, caller: &Caller) -> AutomateResult<LibraryId> {
    let preferred = state
        .dossier
        .user(caller, &caller.user_id)
        .await?
        .preferred_library;
    let libraries = state.dossier.libraries(caller, caller.customer_id).await?;
    libraries
        .iter()
        .find(|l| {
            preferred
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(l.id.as_str()))
        })
        .or_else(|| libraries.first())
        .map(|l| l.id.clone())
        .ok_or_else(|| AutomateError(DomainError::not_found("a library")))
}

async fn not_found() -> AutomateError {
    AutomateError(DomainError::not_found("this operation"))
}

async fn method_not_allowed() -> Response {
    let body = json!({"error": {"code": "METHOD_NOT_ALLOWED",
        "message": "this method is not allowed on this operation"}});
    (axum::http::StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response()
}
