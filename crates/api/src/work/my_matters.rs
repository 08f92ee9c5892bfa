//! My Matters and My Favorites as iManage clients call them (docs/imanage-api.md §2.4):
//! `L/users/{uid}/my-matters` (the root), `…/children` (GET the categories and shortcuts
//! in it, POST shortcuts, DELETE `…/children/{shortcut}`), `…/categories` (GET, POST a new
//! one; DELETE and `/children` of one), and `L/my-favorites`, `…/children` alike for the
//! caller's own favorites. `{uid}` is `me` or a user id; only administrators name another
//! user. Shortcuts are added with the admin connector's body:
//! `{workspace_id: "ACTIVE!1;ACTIVE!2", folder_id?, document_id?, category_id?}` (each a
//! `;`-separated string or a list) and answered as it reads them:
//! `{data: {shortcuts: [{id, wstype, target: {id}}], all_workspace_shortcut_ids}}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dossier_core::matters::{CategoryKind, TargetKind};
use dossier_core::{ContainerId, DocumentRef, DomainError};
use dossier_service::my_matters::{CategoryContents, CategoryOwner};
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::extract::{InLibrary, JsonObject, Params};
use crate::fields::{Obj, text};
use crate::{AppState, dto, reply};

fn owner(p: &Params) -> Result<CategoryOwner, ApiError> {
    let uid = p.get("uid")?;
    Ok(if uid.eq_ignore_ascii_case("me") {
        CategoryOwner::Me
    } else {
        CategoryOwner::User(uid.to_string())
    })
}

fn contents_json(c: &CategoryContents) -> Response {
    let items: Vec<Value> = c
        .categories
        .iter()
        .map(|(k, has)| dto::category(k, *has))
        .chain(c.shortcuts.iter().map(dto::shortcut))
        .collect();
    reply::list(items, None, None)
}

/// The ids of one kind in an add body: a `;`-separated string or a list of strings.
fn ids(body: &Obj, key: &str) -> Result<Vec<String>, DomainError> {
    let bad = || {
        DomainError::invalid(
            key,
            format!("{key} must be ids separated by ';' or a list of ids"),
        )
    };
    let raw: Vec<String> = match body.get(key) {
        None | Some(Value::Null) => vec![],
        Some(Value::String(s)) => s.split(';').map(str::to_string).collect(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad()),
    };
    Ok(raw
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect())
}

/// The targets an add body names, each checked to be in the URL's library.
fn targets(body: &Obj, p: &Params) -> Result<Vec<(TargetKind, i64)>, ApiError> {
    let mut out = Vec::new();
    for (key, kind) in [
        ("workspace_id", TargetKind::Workspace),
        ("folder_id", TargetKind::Folder),
    ] {
        for raw in ids(body, key)? {
            let id: ContainerId = raw.parse().map_err(|_| {
                DomainError::invalid(key, format!("'{raw}' is not a {} id", kind.as_str()))
            })?;
            p.same_library(&id.library)?;
            out.push((kind, id.number));
        }
    }
    for raw in ids(body, "document_id")? {
        let id: DocumentRef = raw.parse().map_err(|_| {
            DomainError::invalid("document_id", format!("'{raw}' is not a document id"))
        })?;
        p.same_library(&id.library)?;
        out.push((TargetKind::Document, id.number));
    }
    Ok(out)
}

fn category_param(body: &Obj, p: &Params) -> Result<Option<ContainerId>, ApiError> {
    let from_path = p.0.get("category").cloned();
    let raw = match from_path {
        Some(c) => Some(c),
        None => text(body, "category_id")?.filter(|s| !s.trim().is_empty()),
    };
    raw.map(|r| {
        let id: ContainerId = r.trim().parse()?;
        p.same_library(&id.library)?;
        Ok(id)
    })
    .transpose()
}

async fn list(
    state: &AppState,
    InLibrary { caller, library }: InLibrary,
    owner: CategoryOwner,
    kind: CategoryKind,
    category: Option<ContainerId>,
) -> ApiResult<Response> {
    let c = state
        .dossier
        .category_contents(&caller, &library, &owner, kind, category.as_ref())
        .await?;
    Ok(contents_json(&c))
}

async fn root(
    state: &AppState,
    InLibrary { caller, library }: InLibrary,
    owner: CategoryOwner,
    kind: CategoryKind,
) -> ApiResult<Response> {
    let c = state
        .dossier
        .category_contents(&caller, &library, &owner, kind, None)
        .await?;
    let has = !c.categories.is_empty() || !c.shortcuts.is_empty();
    Ok(reply::data(dto::category(&c.category, has)))
}

async fn add(
    state: &AppState,
    InLibrary { caller, library }: InLibrary,
    p: &Params,
    owner: CategoryOwner,
    kind: CategoryKind,
    body: &Obj,
) -> ApiResult<Response> {
    let targets = targets(body, p)?;
    let category = category_param(body, p)?;
    let added = state
        .dossier
        .add_shortcuts(&caller, &library, &owner, kind, category.as_ref(), &targets)
        .await?;
    Ok(reply::data(dto::shortcuts_added(&added)))
}

async fn remove(
    state: &AppState,
    InLibrary { caller, library }: InLibrary,
    p: &Params,
    owner: CategoryOwner,
    kind: CategoryKind,
) -> ApiResult<Response> {
    let id = p.container("shortcut")?;
    state
        .dossier
        .remove_shortcut(&caller, &library, &owner, kind, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn my_matters(State(s): State<AppState>, l: InLibrary, p: Params) -> ApiResult<Response> {
    root(&s, l, owner(&p)?, CategoryKind::MyMatters).await
}

pub async fn my_matters_children(
    State(s): State<AppState>,
    l: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    let category =
        p.0.contains_key("category")
            .then(|| p.container("category"))
            .transpose()?;
    list(&s, l, owner(&p)?, CategoryKind::MyMatters, category).await
}

pub async fn add_to_my_matters(
    State(s): State<AppState>,
    l: InLibrary,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    add(&s, l, &p, owner(&p)?, CategoryKind::MyMatters, &body).await
}

pub async fn remove_from_my_matters(
    State(s): State<AppState>,
    l: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    remove(&s, l, &p, owner(&p)?, CategoryKind::MyMatters).await
}

pub async fn categories(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    let list = state
        .dossier
        .my_matters_categories(&caller, &library, &owner(&p)?)
        .await?;
    Ok(reply::list(
        list.iter()
            .map(|(c, has)| dto::category_summary(c, *has))
            .collect(),
        None,
        None,
    ))
}

pub async fn create_category(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let name = text(&body, "name")?.unwrap_or_default();
    let c = state
        .dossier
        .create_category(&caller, &library, &owner(&p)?, &name)
        .await?;
    Ok(reply::created(dto::category_summary(&c, false)))
}

pub async fn delete_category(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    let id = p.container("category")?;
    state
        .dossier
        .delete_category(&caller, &library, &owner(&p)?, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn my_favorites(State(s): State<AppState>, l: InLibrary) -> ApiResult<Response> {
    root(&s, l, CategoryOwner::Me, CategoryKind::MyFavorites).await
}

pub async fn my_favorites_children(State(s): State<AppState>, l: InLibrary) -> ApiResult<Response> {
    list(&s, l, CategoryOwner::Me, CategoryKind::MyFavorites, None).await
}

pub async fn add_to_my_favorites(
    State(s): State<AppState>,
    l: InLibrary,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    add(
        &s,
        l,
        &p,
        CategoryOwner::Me,
        CategoryKind::MyFavorites,
        &body,
    )
    .await
}

pub async fn remove_from_my_favorites(
    State(s): State<AppState>,
    l: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    remove(&s, l, &p, CategoryOwner::Me, CategoryKind::MyFavorites).await
}
