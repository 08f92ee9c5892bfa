//! Workspace templates (`L/templates`) and how a library opens matters from them
//! (`L/matter-settings`). A template's tree is built with the ordinary folder, tab and
//! search-folder calls under it (`L/workspaces/{id}/folders`, …), with `required` on the
//! folders a workspace made "with only required folders" gets.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use dossier_core::model::ContainerKind;
use dossier_core::templates::MatterSettings;
use dossier_core::{ContainerId, LibraryId};
use serde_json::{Value, json};

use super::filters::container_filter;
use super::wire::{self, NestedProfile};
use crate::error::ApiResult;
use crate::extract::{InContainer, InLibrary, JsonObject, Q};
use crate::{AppState, dto, reply};

/// GET L/templates: `name`, the custom-field filters and paging of a workspace list, in the
/// GET-search envelope (`data.results`).
pub async fn list(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    q: Q,
) -> ApiResult<Response> {
    let paging = q.paging(500)?;
    let query = container_filter(&q, vec![ContainerKind::Workspace])?;
    let (mut found, total) = state
        .dossier
        .templates(&caller, &library, query, paging.probe())
        .await?;
    let (_, cursor) = paging.finish(&mut found, |c| c.id.number);
    let items = found.iter().map(|t| dto::container(t, None)).collect();
    Ok(reply::results(items, total, cursor))
}

/// POST L/templates: a template's profile, as a workspace's.
pub async fn create(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let new = wire::new_container(&body, NestedProfile::Own)?;
    let t = state
        .dossier
        .create_template(&caller, &library, new)
        .await?;
    Ok(reply::created(dto::container(&t, Some((false, false)))))
}

/// GET L/templates/{id}
pub async fn get(
    State(state): State<AppState>,
    InContainer {
        caller, container, ..
    }: InContainer,
) -> ApiResult<Response> {
    let t = state.dossier.template(&caller, &container).await?;
    let contents = state.dossier.container_contents(&caller, &t.id).await?;
    Ok(reply::data(dto::container(&t, Some(contents))))
}

/// PATCH L/templates/{id}: its profile, as a workspace's. Workspaces made from it keep
/// theirs.
pub async fn update(
    State(state): State<AppState>,
    InContainer {
        caller, container, ..
    }: InContainer,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    state.dossier.template(&caller, &container).await?;
    let changes = wire::container_changes(&body, NestedProfile::Own)?;
    let t = state
        .dossier
        .update_container(&caller, &container, &[ContainerKind::Workspace], &changes)
        .await?;
    Ok(reply::data(dto::container(&t, None)))
}

/// DELETE L/templates/{id}: the template and its tree.
pub async fn delete(
    State(state): State<AppState>,
    InContainer {
        caller, container, ..
    }: InContainer,
) -> ApiResult<Response> {
    state.dossier.delete_template(&caller, &container).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// GET L/matter-settings
pub async fn settings(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
) -> ApiResult<Response> {
    let s = state.dossier.matter_settings(&caller, &library).await?;
    Ok(reply::data(settings_json(&library, &s)))
}

/// PUT L/matter-settings: the whole settings, replaced.
pub async fn save_settings(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let s = wire::matter_settings(&body, &library)?;
    let s = state
        .dossier
        .save_matter_settings(&caller, &library, s)
        .await?;
    Ok(reply::data(settings_json(&library, &s)))
}

fn settings_json(library: &LibraryId, s: &MatterSettings) -> Value {
    let id = |n: i64| ContainerId::new(library.clone(), n).to_string();
    json!({
        "matter_type_field": s.matter_type_field.map(|n| format!("custom{n}")),
        "templates": s.templates.iter().map(|(k, v)| (k.clone(), Value::String(id(*v)))).collect::<serde_json::Map<_, _>>(),
        "default_template": s.default_template.map(id),
        "unique_matters": s.unique_matters,
    })
}
