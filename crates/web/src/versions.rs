//! A document's versions: a new one uploaded (which also checks the document in), an old
//! one promoted to be the latest, one deleted. The same use cases as the Work API's
//! `…/versions`, `…/promote` and `DELETE …/documents/{id}`.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::HeaderMap;
use dossier_api::AppState;
use dossier_core::{DocumentRef, DomainError};
use dossier_service::documents::PromoteRequest;
use dossier_service::upload::{UploadInput, UploadTarget};

use crate::document::{document_ref, page_of};
use crate::page::{self, Failure, PageResult};
use crate::session::Signed;

/// The comment field of an upload form is short text.
const COMMENT_MAX: usize = 64 * 1024;

fn bad(message: impl Into<String>) -> Failure {
    DomainError::invalid("file", message).into()
}

/// POST /documents/{id}/versions, multipart: a `comment` field, then a `file`. Sent by the
/// page's script with the CSRF header (the session layer does not read multipart bodies).
/// The upload is checked (rights, check-out) when the file part begins, before any byte
/// of it is stored.
pub async fn upload(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    headers: HeaderMap,
    req: Request,
) -> PageResult {
    let caller = signed.caller();
    let r = document_ref(&id)?;
    let mut multipart = Multipart::from_request(req, &state)
        .await
        .map_err(|_| bad("send the new version as a file in a multipart form"))?;
    let mut input = UploadInput::default();
    let mut filed = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| bad("the upload is malformed or incomplete"))?
    {
        match (field.name().unwrap_or_default(), field.file_name()) {
            ("comment", None) if filed.is_none() => {
                let text = field
                    .text()
                    .await
                    .map_err(|_| bad("the upload is malformed or incomplete"))?;
                if text.len() > COMMENT_MAX {
                    return Err(DomainError::invalid("comment", "the comment is too long").into());
                }
                input.comment = text;
            }
            ("file", Some(name)) if filed.is_none() && !name.is_empty() => {
                let name = name.to_string();
                let plan = state
                    .dossier
                    .plan_upload(
                        caller,
                        UploadTarget::NewVersion(r.clone()),
                        std::mem::take(&mut input),
                        Some(&name),
                    )
                    .await?;
                let content = state
                    .dossier
                    .receive_content(Some(name), Box::pin(field))
                    .await?;
                filed = Some(state.dossier.commit_upload(plan, content).await?);
            }
            _ => {}
        }
    }
    if filed.is_none() {
        return Err(bad("choose a file to upload as the new version"));
    }
    Ok(page::done(&headers, &page_of(&r)))
}

/// POST /documents/{id}/promote with `version`: that version becomes the latest again.
pub async fn promote(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<HashMap<String, String>>,
) -> PageResult {
    let r = document_ref(&id)?;
    let version = fields
        .get("version")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or_else(|| DomainError::invalid("version", "choose a version to promote"))?;
    let request = PromoteRequest {
        version,
        ..PromoteRequest::default()
    };
    state
        .dossier
        .promote_version(signed.caller(), &r, request)
        .await?;
    Ok(page::done(&headers, &page_of(&r)))
}

/// POST /documents/{id}/versions/{version}/delete. Deleting the only version deletes the
/// document, and the browser goes home.
pub async fn delete(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, version)): Path<(String, i64)>,
    headers: HeaderMap,
) -> PageResult {
    let caller = signed.caller();
    let r = document_ref(&id)?;
    let one = DocumentRef {
        version: Some(version),
        ..r.clone()
    };
    state.dossier.delete_version(caller, &one).await?;
    let latest = DocumentRef { version: None, ..r };
    let to = match state.dossier.document(caller, &latest).await {
        Ok(_) => page_of(&latest),
        Err(DomainError::NotFound(_)) => "/".to_string(),
        Err(e) => return Err(e.into()),
    };
    Ok(page::done(&headers, &to))
}
