//! Classes and subclasses: `L/classes[/{class}]` and `L/classes/{class}/subclasses[/{subclass}]`,
//! listed with iManage's GetClasses filters, maintained by administrators.

use axum::extract::State;
use axum::response::Response;
use dossier_core::DefaultSecurity;
use dossier_core::classes::ClassFilter;
use serde_json::json;

use super::wire;
use crate::error::ApiResult;
use crate::extract::{InLibrary, JsonObject, Params, Q};
use crate::{AppState, dto, reply};

/// The list filters: `alias` (a comma list), `description`, `query`, `default_security` and
/// the switches. The Automate façade's GetClasses and GetSubclasses read them with this too.
pub(crate) fn filter(q: &Q) -> ApiResult<ClassFilter> {
    Ok(ClassFilter {
        aliases: q
            .text("alias")
            .map(|a| {
                a.split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        description: q.text("description").map(str::to_string),
        query: q.text("query").map(str::to_string),
        hipaa: q.flag("hipaa")?,
        indexable: q.flag("indexable")?,
        echo: q.flag("echo")?,
        shadow: q.flag("shadow")?,
        subclass_required: q.flag("subclass_required")?,
        default_security: q
            .text("default_security")
            .map(|d| DefaultSecurity::parse("default_security", d))
            .transpose()?,
    })
}

pub async fn list(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    q: Q,
) -> ApiResult<Response> {
    let classes = state.dossier.classes(&caller, &lib, &filter(&q)?).await?;
    Ok(reply::list(
        classes
            .iter()
            .map(|c| dto::class(c, lib.as_str()))
            .collect(),
        None,
        None,
    ))
}

pub async fn get_one(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    let c = state.dossier.class(&caller, &lib, p.get("class")?).await?;
    Ok(reply::data(dto::class(&c, lib.as_str())))
}

pub async fn create(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let c = state
        .dossier
        .save_class(&caller, &lib, None, wire::class_input(&body)?)
        .await?;
    Ok(reply::created(dto::class(&c, lib.as_str())))
}

pub async fn update(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let c = state
        .dossier
        .save_class(
            &caller,
            &lib,
            Some(p.get("class")?),
            wire::class_input(&body)?,
        )
        .await?;
    Ok(reply::data(dto::class(&c, lib.as_str())))
}

pub async fn delete(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    state
        .dossier
        .delete_class(&caller, &lib, p.get("class")?)
        .await?;
    Ok(reply::data(json!({})))
}

pub async fn subclasses(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    let subs = state
        .dossier
        .subclasses(&caller, &lib, p.get("class")?, &filter(&q)?)
        .await?;
    Ok(reply::list(
        subs.iter()
            .map(|s| dto::subclass(s, lib.as_str()))
            .collect(),
        None,
        None,
    ))
}

pub async fn get_subclass(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    let s = state
        .dossier
        .subclass(&caller, &lib, p.get("class")?, p.get("subclass")?)
        .await?;
    Ok(reply::data(dto::subclass(&s, lib.as_str())))
}

pub async fn create_subclass(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let s = state
        .dossier
        .save_subclass(
            &caller,
            &lib,
            p.get("class")?,
            None,
            wire::class_input(&body)?,
        )
        .await?;
    Ok(reply::created(dto::subclass(&s, lib.as_str())))
}

pub async fn update_subclass(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let s = state
        .dossier
        .save_subclass(
            &caller,
            &lib,
            p.get("class")?,
            Some(p.get("subclass")?),
            wire::class_input(&body)?,
        )
        .await?;
    Ok(reply::data(dto::subclass(&s, lib.as_str())))
}

pub async fn delete_subclass(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    state
        .dossier
        .delete_subclass(&caller, &lib, p.get("class")?, p.get("subclass")?)
        .await?;
    Ok(reply::data(json!({})))
}
