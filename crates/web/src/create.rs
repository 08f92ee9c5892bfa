//! Creating workspaces, folders and tabs from forms on the library, workspace and folder
//! pages. A form's fields are the Work API's body fields (`name`, `description`,
//! `custom1`, …), read by its own parsers (`api::work::wire::new_container`,
//! `template_choice`), and the same use cases create: `Dossier::create_workspace` (which
//! takes the template the library maps the matter type to, as configured) and
//! `Dossier::create_child`. On success the browser goes to the new workspace or folder.
//! The pages offer the forms only where the service says the user may create
//! (`Dossier::may_create_in`; any member may open a workspace in a library).

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dossier_api::AppState;
use dossier_api::work::wire::{self, NestedProfile};
use dossier_core::ContainerId;
use dossier_core::model::{Container, ContainerKind};
use serde_json::{Map, Value};

use crate::browse::{container_id, member_of};
use crate::home::current_library;
use crate::page::{self, Failure, PageResult};
use crate::session::Signed;
use crate::view::container_href;

/// A form's fields as the Work API's body: blank fields are left out (not cleared), and
/// the CSRF token is the session layer's, not a field.
fn body(form: HashMap<String, String>) -> Map<String, Value> {
    form.into_iter()
        .filter(|(k, v)| k != "csrf" && !v.trim().is_empty())
        .map(|(k, v)| (k, Value::String(v.trim().to_string())))
        .collect()
}

/// A form the browser posted, or the 400 page.
fn posted(
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<HashMap<String, String>, Failure> {
    form.map(|Form(f)| f).map_err(|e| {
        Failure::from(page::error(
            StatusCode::BAD_REQUEST,
            &format!("The form could not be read: {}", e.body_text()),
        ))
    })
}

/// After a POST, the new object's page (303: the browser GETs it).
fn go_to(c: &Container) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, container_href(c))],
    )
        .into_response()
}

/// `POST /libraries/{library}/workspaces`.
pub async fn workspace(
    State(state): State<AppState>,
    signed: Signed,
    Path(library): Path<String>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> PageResult {
    let caller = signed.caller();
    let (library, _) = current_library(&state, caller, Some(&library)).await?;
    let body = body(posted(form)?);
    let new = wire::new_container(&body, NestedProfile::Own)?;
    let from = wire::template_choice(&body)?;
    let w = state
        .dossier
        .create_workspace(caller, &library, new, from)
        .await?;
    Ok(go_to(&w))
}

async fn child(
    state: AppState,
    signed: Signed,
    parent: String,
    kind: ContainerKind,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> PageResult {
    let caller = signed.caller();
    let form = posted(form)?;
    let parent: ContainerId = container_id(&parent)?;
    member_of(&state, caller, &parent.library).await?;
    let new = wire::new_container(&body(form), NestedProfile::DocumentDefaults)?;
    let c = state
        .dossier
        .create_child(caller, &parent, kind, new)
        .await?;
    Ok(go_to(&c))
}

/// `POST /workspaces/{id}/folders` and `/folders/{id}/folders`.
pub async fn folder(
    State(state): State<AppState>,
    signed: Signed,
    Path(parent): Path<String>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> PageResult {
    child(state, signed, parent, ContainerKind::Folder, form).await
}

/// `POST /workspaces/{id}/tabs`.
pub async fn tab(
    State(state): State<AppState>,
    signed: Signed,
    Path(parent): Path<String>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> PageResult {
    child(state, signed, parent, ContainerKind::Tab, form).await
}
