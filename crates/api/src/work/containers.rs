//! Workspaces, folders, tabs and search folders.

use axum::extract::State;
use axum::response::Response;
use dossier_core::model::{Container, ContainerKind};
use dossier_core::{ContainerId, LibraryId};
use dossier_service::Caller;
use dossier_service::containers::Child;
use serde_json::Value;

use super::container_search;
use super::filters::{container_filter, flatten_post};
use super::search::Shape;
use super::wire::{self, NestedProfile};
use crate::error::{ApiError, ApiResult};
use crate::extract::{InContainer, InLibrary, JsonObject, Params, Q};
use crate::{AppState, dto, reply};
use dossier_service::search::containers::ContainerSearchKind;

const WORKSPACE: &[ContainerKind] = &[ContainerKind::Workspace];
const FOLDERS: &[ContainerKind] = &[
    ContainerKind::Folder,
    ContainerKind::Tab,
    ContainerKind::SearchFolder,
];
const ANY: &[ContainerKind] = &[
    ContainerKind::Workspace,
    ContainerKind::Folder,
    ContainerKind::Tab,
    ContainerKind::SearchFolder,
];

async fn one(state: &AppState, caller: &Caller, c: &Container) -> ApiResult<Response> {
    let contents = state.dossier.container_contents(caller, &c.id).await?;
    Ok(reply::data(dto::container(c, Some(contents))))
}

pub async fn create_workspace(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let new = wire::new_container(&body, NestedProfile::Own)?;
    let template = wire::template_choice(&body)?;
    let w = state
        .dossier
        .create_workspace(&caller, &lib, new, template)
        .await?;
    Ok(reply::created(dto::container(&w, Some((false, false)))))
}

async fn create_child(
    state: AppState,
    InContainer {
        caller,
        container: parent,
        ..
    }: InContainer,
    body: serde_json::Map<String, Value>,
    kind: ContainerKind,
) -> ApiResult<Response> {
    let new = wire::new_container(&body, NestedProfile::DocumentDefaults)?;
    let c = state
        .dossier
        .create_child(&caller, &parent, kind, new)
        .await?;
    Ok(reply::created(dto::container(&c, Some((false, false)))))
}

pub async fn create_folder(
    State(state): State<AppState>,
    parent: InContainer,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    create_child(state, parent, body, ContainerKind::Folder).await
}

pub async fn create_tab(
    State(state): State<AppState>,
    parent: InContainer,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    create_child(state, parent, body, ContainerKind::Tab).await
}

pub async fn create_search_folder(
    State(state): State<AppState>,
    parent: InContainer,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    create_child(state, parent, body, ContainerKind::SearchFolder).await
}

pub async fn get_workspace(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
) -> ApiResult<Response> {
    let c = state.dossier.container(&caller, &id, WORKSPACE).await?;
    one(&state, &caller, &c).await
}

pub async fn get_folder(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
) -> ApiResult<Response> {
    let c = state.dossier.container(&caller, &id, FOLDERS).await?;
    one(&state, &caller, &c).await
}

pub async fn get_container(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
) -> ApiResult<Response> {
    let c = state.dossier.container(&caller, &id, ANY).await?;
    one(&state, &caller, &c).await
}

pub async fn update_workspace(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let c = state
        .dossier
        .update_container(
            &caller,
            &id,
            WORKSPACE,
            &wire::container_changes(&body, NestedProfile::Own)?,
        )
        .await?;
    one(&state, &caller, &c).await
}

pub async fn update_folder(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let c = state
        .dossier
        .update_container(
            &caller,
            &id,
            FOLDERS,
            &wire::container_changes(&body, NestedProfile::DocumentDefaults)?,
        )
        .await?;
    one(&state, &caller, &c).await
}

pub async fn delete_workspace(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
) -> ApiResult<Response> {
    state
        .dossier
        .delete_container(&caller, &id, WORKSPACE)
        .await?;
    Ok(reply::data(serde_json::json!({})))
}

pub async fn delete_folder(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
) -> ApiResult<Response> {
    state
        .dossier
        .delete_container(&caller, &id, FOLDERS)
        .await?;
    Ok(reply::data(serde_json::json!({})))
}

pub async fn children(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
    q: Q,
) -> ApiResult<Response> {
    let paging = q.paging(500)?;
    if paging.cursor_mode {
        return Err(ApiError::invalid(
            "paging_mode",
            "children lists page with limit and offset",
        ));
    }
    let (items, total) = state.dossier.children(&caller, &id, paging.page).await?;
    let json = items
        .iter()
        .map(|c| match c {
            Child::Container(c) => dto::container(c, None),
            Child::Document(d) => dto::document(d, &caller, None),
        })
        .collect();
    Ok(reply::list(json, total, None))
}

pub async fn move_folder(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let dest = body
        .get("destination_id")
        .or_else(|| body.get("destination_folder_id"))
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError(dossier_core::DomainError::required("destination_id")))?
        .parse::<ContainerId>()
        .map_err(|_| {
            ApiError::invalid(
                "destination_id",
                "destination_id must be a container id such as ACTIVE!427",
            )
        })?;
    let c = state.dossier.move_container(&caller, &id, &dest).await?;
    one(&state, &caller, &c).await
}

pub async fn path(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
) -> ApiResult<Response> {
    let chain = state.dossier.container_path(&caller, &id).await?;
    Ok(reply::list(
        chain.iter().map(|c| dto::container(c, None)).collect(),
        None,
        None,
    ))
}

pub async fn nvps(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
) -> ApiResult<Response> {
    Ok(reply::data(dto::nvps(
        &state.dossier.container_nvps(&caller, &id).await?,
    )))
}

pub async fn update_nvps(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    Ok(reply::data(dto::nvps(
        &state
            .dossier
            .update_container_nvps(&caller, &id, &wire::nvp_changes(&body)?)
            .await?,
    )))
}

async fn search(
    state: &AppState,
    caller: &Caller,
    lib: &LibraryId,
    q: &Q,
    kinds: Vec<ContainerKind>,
) -> ApiResult<(Vec<Value>, Option<i64>, Option<String>, bool)> {
    let paging = q.paging(500)?;
    let filter = container_filter(q, kinds)?;
    let (mut found, total) = state
        .dossier
        .search_containers(caller, lib, &filter, paging.probe())
        .await?;
    let (overflow, cursor) = paging.finish(&mut found, |c| c.id.number);
    Ok((
        found.iter().map(|c| dto::container(c, None)).collect(),
        total,
        cursor,
        overflow,
    ))
}

/// Runs a library-level workspace or folder search in the index when the service's rule
/// says only the index can answer it (`ContainerSearch::needs_index`), else on the
/// database path.
async fn routed(
    state: &AppState,
    caller: &Caller,
    p: &Params,
    q: &Q,
    kind: ContainerSearchKind,
    shape: Shape,
) -> ApiResult<Response> {
    let lib = state
        .dossier
        .library(caller, p.customer()?, p.library()?)
        .await?;
    let libraries = [lib];
    let indexed = container_search::read(state, caller, &libraries, q, kind).await?;
    if indexed.query.needs_index(indexed.order, &indexed.options) {
        return container_search::answer(state, caller, &libraries, indexed, shape).await;
    }
    let [lib] = libraries;
    let (items, total, cursor, overflow) = search(state, caller, &lib, q, kind.kinds()).await?;
    Ok(match shape {
        Shape::Results => reply::results(items, total, cursor),
        Shape::List => reply::list(items, total, cursor),
        Shape::Search => reply::search(items, overflow),
    })
}

/// `GET L/workspaces`, `GET L/workspaces/search`: `{data:{results}}`.
pub async fn search_workspaces_get(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    routed(
        &state,
        &caller,
        &p,
        &q,
        ContainerSearchKind::Workspaces,
        Shape::Results,
    )
    .await
}

/// `POST L/workspaces/search`: `{data:[…], overflow}`.
pub async fn search_workspaces_post(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let q = flatten_post(&body)?;
    routed(
        &state,
        &caller,
        &p,
        &q,
        ContainerSearchKind::Workspaces,
        Shape::Search,
    )
    .await
}

/// `GET L/folders`: a bare `data` list.
pub async fn search_folders_get(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    routed(
        &state,
        &caller,
        &p,
        &q,
        ContainerSearchKind::Folders,
        Shape::List,
    )
    .await
}

/// `GET L/folders/search`: the search form, `{data:{results}}` like the other GET searches.
pub async fn search_folders_search_get(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    routed(
        &state,
        &caller,
        &p,
        &q,
        ContainerSearchKind::Folders,
        Shape::Results,
    )
    .await
}

/// `POST L/folders/search`: `{data:[…], overflow}`.
pub async fn search_folders_post(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let q = flatten_post(&body)?;
    routed(
        &state,
        &caller,
        &p,
        &q,
        ContainerSearchKind::Folders,
        Shape::Search,
    )
    .await
}
