//! Libraries, types, lookup tables and the change-events feed (classes are `classes`,
//! field captions `captions`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use dossier_service::Caller;
use dossier_service::catalog::lookup_field;
use serde_json::json;

use super::wire;
use crate::error::{ApiError, ApiResult};
use crate::extract::{InLibrary, JsonObject, Params, Q};
use crate::{AppState, dto, reply};

pub async fn libraries(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    let libs = state.dossier.libraries(&caller, p.customer()?).await?;
    Ok(reply::list(
        libs.iter().map(dto::library).collect(),
        None,
        None,
    ))
}

pub async fn types(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
) -> ApiResult<Response> {
    let types = state.dossier.doc_types(&caller, &lib).await?;
    Ok(reply::list(
        types
            .iter()
            .map(|t| dto::doc_type(t, lib.as_str()))
            .collect(),
        None,
        None,
    ))
}

pub async fn search_lookups(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    let field = lookup_field(p.get("field")?)?;
    let paging = q.paging(500)?;
    let query = q.text("query").or(q.text("alias"));
    let items = state
        .dossier
        .lookups(
            &caller,
            &lib,
            field,
            q.text("parent_alias"),
            query,
            paging.page,
        )
        .await?;
    Ok(reply::list(
        items.iter().map(|l| dto::lookup(l, lib.as_str())).collect(),
        None,
        None,
    ))
}

pub async fn get_lookup(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    let field = lookup_field(p.get("field")?)?;
    let l = state
        .dossier
        .lookup(
            &caller,
            &lib,
            field,
            q.text("parent_alias"),
            p.get("alias")?,
        )
        .await?;
    Ok(reply::data(dto::lookup(&l, lib.as_str())))
}

pub async fn create_lookup(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let field = lookup_field(p.get("field")?)?;
    let l = state
        .dossier
        .save_lookup(&caller, &lib, field, None, wire::lookup_input(&body)?)
        .await?;
    Ok(reply::created(dto::lookup(&l, lib.as_str())))
}

pub async fn update_lookup(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
    q: Q,
    JsonObject(mut body): JsonObject,
) -> ApiResult<Response> {
    let field = lookup_field(p.get("field")?)?;
    if let Some(parent) = q.text("parent_alias") {
        body.entry("parent_alias").or_insert_with(|| json!(parent));
    }
    let l = state
        .dossier
        .save_lookup(
            &caller,
            &lib,
            field,
            Some(p.get("alias")?),
            wire::lookup_input(&body)?,
        )
        .await?;
    Ok(reply::data(dto::lookup(&l, lib.as_str())))
}

pub async fn delete_lookup(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    let field = lookup_field(p.get("field")?)?;
    state
        .dossier
        .delete_lookup(
            &caller,
            &lib,
            field,
            q.text("parent_alias"),
            p.get("alias")?,
        )
        .await?;
    Ok(reply::data(json!({})))
}

/// `GET L/change-events?cursor=…&limit=…&item_type=…&action_type=…`
pub async fn change_events(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    q: Q,
) -> ApiResult<Response> {
    let cursor = match q.text("cursor") {
        None => 0,
        Some(c) => c
            .parse::<i64>()
            .map_err(|_| ApiError::invalid("cursor", "cursor must be an event id"))?,
    };
    let limit = q.int("limit")?.unwrap_or(500);
    let feed = state
        .dossier
        .change_events(
            &caller,
            &lib,
            cursor,
            limit,
            q.text("item_type"),
            q.text("action_type"),
        )
        .await?;
    Ok(axum::Json(json!({"data": feed.events.iter().map(dto::event).collect::<Vec<_>>(), "cursor": feed.cursor.to_string(), "overflow": feed.overflow})).into_response())
}
