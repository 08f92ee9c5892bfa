//! Custom field captions and definitions: `GET L/captions`, `GET L/captions/{customN}`
//! (what a metadata-mapping screen lists) and `PATCH L/captions/{customN}` for
//! administrators.

use axum::extract::State;
use axum::response::Response;
use dossier_core::DomainError;
use dossier_core::fields::field_number;

use super::wire;
use crate::error::ApiResult;
use crate::extract::{InLibrary, JsonObject, Params, Q};
use crate::{AppState, dto, reply};

/// The Windows locale id of `language` (`en-gb` → 2057), which iManage answers captions
/// with. A library keeps one caption per field, whatever the language asked for.
fn locale(q: &Q) -> i64 {
    const LOCALES: &[(&str, i64)] = &[
        ("en-us", 1033),
        ("en-gb", 2057),
        ("de-de", 1031),
        ("fr-fr", 1036),
        ("nl-nl", 1043),
        ("es-es", 3082),
    ];
    q.text("language")
        .and_then(|l| {
            LOCALES
                .iter()
                .find(|(tag, _)| tag.eq_ignore_ascii_case(l))
                .map(|(_, id)| *id)
        })
        .unwrap_or(1033)
}

fn field(p: &Params) -> ApiResult<usize> {
    let name = p.get("field")?;
    field_number(name).ok_or_else(|| DomainError::not_found(format!("custom field {name}")).into())
}

pub async fn list(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    q: Q,
) -> ApiResult<Response> {
    let defs = state.dossier.custom_fields(&caller, &lib).await?;
    let locale = locale(&q);
    Ok(reply::list(
        defs.all()
            .iter()
            .map(|d| dto::caption(d, locale, lib.as_str()))
            .collect(),
        None,
        None,
    ))
}

/// One field's caption, as a list of one: the clients that read it expect a list.
pub async fn get_one(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    let d = state
        .dossier
        .custom_field(&caller, &lib, field(&p)?)
        .await?;
    Ok(reply::list(
        vec![dto::caption(&d, locale(&q), lib.as_str())],
        None,
        None,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    p: Params,
    q: Q,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let d = state
        .dossier
        .update_custom_field(
            &caller,
            &lib,
            field(&p)?,
            wire::custom_field_changes(&body)?,
        )
        .await?;
    Ok(reply::data(dto::caption(&d, locale(&q), lib.as_str())))
}
