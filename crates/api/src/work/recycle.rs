//! The recycle bin (iManage's `trash-bin`) and legal holds (Dossier's extension):
//! `L/trash-bin/documents` lists it, `…/{id}/restore` restores, `DELETE …/{id}` purges;
//! `L/documents/{id}/legal-hold` and `L/workspaces/{id}/legal-hold` place and release holds,
//! `L/legal-holds` lists them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dossier_core::disposal::HoldTarget;
use dossier_core::limits::FREE_TEXT_MAX;
use dossier_core::{ContainerId, DomainError};
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::extract::{InContainer, InDocument, InLibrary, JsonObject, Q};
use crate::fields::free_text;
use crate::{AppState, dto, reply};

/// GET L/trash-bin/documents (`document_number` picks one entry).
pub async fn list(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    q: Q,
) -> ApiResult<Response> {
    let paging = q.paging(500)?;
    let mut page = paging.probe();
    let wanted = match q.text("document_number") {
        Some(n) => {
            let n: i64 = n.parse().map_err(|_| {
                ApiError::invalid("document_number", "document_number must be a whole number")
            })?;
            // The bin is listed in number order and `after` is exclusive.
            page.after = Some(n - 1);
            Some(n)
        }
        None => None,
    };
    let mut items = state.dossier.recycle_bin(&caller, &library, page).await?;
    if let Some(n) = wanted {
        items.retain(|r| r.document.id.number == n);
    }
    let (_, cursor) = paging.finish(&mut items, |r| r.document.id.number);
    Ok(reply::list(
        items.iter().map(|r| dto::recycled(r, &caller)).collect(),
        None,
        cursor,
    ))
}

/// POST L/trash-bin/documents/{id}/restore `{comments, folder_ids}`: the first of
/// `folder_ids` becomes the document's folder; without it, the folder it was deleted from.
pub async fn restore(
    State(state): State<AppState>,
    InDocument {
        caller, document, ..
    }: InDocument,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let comments = free_text(&body, "comments", FREE_TEXT_MAX)?;
    let into: Option<ContainerId> = match body.get("folder_ids") {
        None | Some(Value::Null) => None,
        Some(Value::Array(ids)) => match ids.first() {
            None => None,
            Some(Value::String(id)) => Some(id.parse().map_err(|_| {
                ApiError::invalid(
                    "folder_ids",
                    "folder_ids must hold folder ids such as ACTIVE!427",
                )
            })?),
            Some(_) => {
                return Err(ApiError::invalid(
                    "folder_ids",
                    "folder_ids must hold folder ids such as ACTIVE!427",
                ));
            }
        },
        Some(_) => {
            return Err(ApiError::invalid(
                "folder_ids",
                "folder_ids must be a list of folder ids",
            ));
        }
    };
    if into.as_ref().is_some_and(|f| f.library != document.library) {
        return Err(ApiError(DomainError::not_found(format!(
            "container {}",
            into.as_ref().map(ToString::to_string).unwrap_or_default()
        ))));
    }
    let v = state
        .dossier
        .restore_document(
            &caller,
            &document.library,
            document.number,
            into.as_ref(),
            &comments,
        )
        .await?;
    Ok(reply::data(dto::document(&v, &caller, None)))
}

/// DELETE L/trash-bin/documents/{id}: purges it now (administrators).
pub async fn purge(
    State(state): State<AppState>,
    InDocument {
        caller, document, ..
    }: InDocument,
) -> ApiResult<Response> {
    state
        .dossier
        .purge_document(&caller, &document.library, document.number)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// GET L/legal-holds
pub async fn holds(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
) -> ApiResult<Response> {
    let holds = state.dossier.legal_holds(&caller, &library).await?;
    Ok(reply::data(Value::Array(
        holds.iter().map(dto::legal_hold).collect(),
    )))
}

async fn place(
    state: &AppState,
    caller: &dossier_service::Caller,
    target: HoldTarget,
    body: &crate::fields::Obj,
) -> ApiResult<Response> {
    let reason = free_text(body, "reason", FREE_TEXT_MAX)?;
    if reason.trim().is_empty() {
        return Err(ApiError(DomainError::required("reason")));
    }
    let hold = state
        .dossier
        .place_legal_hold(caller, target, &reason)
        .await?;
    Ok(reply::data(dto::legal_hold(&hold)))
}

/// PUT L/documents/{id}/legal-hold `{reason}`
pub async fn hold_document(
    State(state): State<AppState>,
    InDocument {
        caller, document, ..
    }: InDocument,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let target = HoldTarget::Document {
        library: document.library.clone(),
        number: document.number,
    };
    place(&state, &caller, target, &body).await
}

/// DELETE L/documents/{id}/legal-hold
pub async fn release_document(
    State(state): State<AppState>,
    InDocument {
        caller, document, ..
    }: InDocument,
) -> ApiResult<Response> {
    let target = HoldTarget::Document {
        library: document.library.clone(),
        number: document.number,
    };
    state.dossier.release_legal_hold(&caller, target).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// PUT L/workspaces/{id}/legal-hold `{reason}`
pub async fn hold_workspace(
    State(state): State<AppState>,
    InContainer {
        caller, container, ..
    }: InContainer,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    place(&state, &caller, HoldTarget::Workspace(container), &body).await
}

/// DELETE L/workspaces/{id}/legal-hold
pub async fn release_workspace(
    State(state): State<AppState>,
    InContainer {
        caller, container, ..
    }: InContainer,
) -> ApiResult<Response> {
    state
        .dossier
        .release_legal_hold(&caller, HoldTarget::Workspace(container))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
