//! Closing and re-opening a matter, Dossier's extension of the Work API (iManage has no
//! such call; Actionstep renames the workspace itself):
//! `POST L/workspaces/{id}/close` `{prefix?, read_only?, comments?}` and
//! `POST L/workspaces/{id}/reopen` `{comments?}` answer the workspace profile;
//! `GET L/workspaces/{id}/history` lists the closes and re-opens;
//! `GET`/`PUT L/closing-settings` (administrators) reads and sets how the library closes
//! its matters: `{prefix, status_field: "custom13"|null, closed_value, open_value, read_only}`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use dossier_core::DomainError;
use dossier_core::limits::COMMENT_MAX;
use dossier_core::matters::{CloseOptions, ClosingSettings, DEFAULT_CLOSED_PREFIX, StatusField};
use dossier_core::model::Container;

use crate::error::ApiResult;
use crate::extract::{InContainer, InLibrary, JsonObject};
use crate::fields::{Obj, flag, free_text, text};
use crate::{AppState, dto, reply};

async fn answer(
    state: &AppState,
    caller: &dossier_service::Caller,
    c: &Container,
) -> ApiResult<Response> {
    let contents = state.dossier.container_contents(caller, &c.id).await?;
    Ok(reply::data(dto::container(c, Some(contents))))
}

fn close_options(body: &Obj) -> Result<CloseOptions, DomainError> {
    Ok(CloseOptions {
        prefix: text(body, "prefix")?,
        read_only: flag(body, "read_only")?,
        comments: free_text(body, "comments", COMMENT_MAX)?,
    })
}

pub async fn close(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let options = close_options(&body)?;
    let c = state.dossier.close_matter(&caller, &id, &options).await?;
    answer(&state, &caller, &c).await
}

pub async fn reopen(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let comments = free_text(&body, "comments", COMMENT_MAX)?;
    let c = state.dossier.reopen_matter(&caller, &id, &comments).await?;
    answer(&state, &caller, &c).await
}

/// `{"data": [entries, newest first], "closed": {…}|null}`.
pub async fn history(
    State(state): State<AppState>,
    InContainer {
        caller,
        container: id,
        ..
    }: InContainer,
) -> ApiResult<Response> {
    let (events, closure) = state.dossier.matter_history(&caller, &id).await?;
    Ok(axum::Json(dto::matter_history(&events, closure.as_ref())).into_response())
}

/// A closing-settings body; absent fields take the defaults (a PUT replaces the settings).
fn settings_input(body: &Obj) -> Result<ClosingSettings, DomainError> {
    let prefix = text(body, "prefix")?.unwrap_or_else(|| DEFAULT_CLOSED_PREFIX.to_string());
    let status = match text(body, "status_field")? {
        None => None,
        Some(raw) => {
            let field = raw
                .strip_prefix("custom")
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| {
                    DomainError::invalid(
                        "status_field",
                        format!("status_field must name a custom field (custom13), not '{raw}'"),
                    )
                })?;
            let closed = text(body, "closed_value")?.ok_or_else(|| {
                DomainError::invalid("closed_value", "a status field needs its closed_value")
            })?;
            let open = text(body, "open_value")?;
            Some(StatusField::new(field, &closed, open.as_deref())?)
        }
    };
    ClosingSettings::new(prefix, status, flag(body, "read_only")?.unwrap_or(false))
}

pub async fn get_settings(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
) -> ApiResult<Response> {
    let s = state.dossier.closing_settings(&caller, &library).await?;
    Ok(reply::data(dto::closing_settings(&s)))
}

pub async fn put_settings(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let input = settings_input(&body)?;
    let s = state
        .dossier
        .set_closing_settings(&caller, &library, &input)
        .await?;
    Ok(reply::data(dto::closing_settings(&s)))
}
