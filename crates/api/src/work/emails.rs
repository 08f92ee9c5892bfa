//! Filed emails, Dossier's extension of the Work API (docs/email.md):
//! `GET L/conversations/{conversation_id}` lists the emails of a conversation the caller may
//! read, in the order they were sent; `GET L/documents/{id}/email-copies` the other
//! documents of the same message (filed into other workspaces);
//! `GET L/documents/{id}/attachments/{number}/download` one attachment of an email, whole;
//! `GET`/`PUT L/email-settings` (administrators) reads and sets `{deduplicate}`.

use axum::extract::State;
use axum::response::Response;
use dossier_core::email::EmailSettings;

use dossier_core::DomainError;

use crate::error::{ApiError, ApiResult};
use crate::extract::{InDocument, InLibrary, JsonObject, Params};
use crate::fields::flag;
use crate::{AppState, dto, reply};

pub async fn conversation(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    let id = p.get("conversation")?;
    let views = state.dossier.conversation(&caller, &library, id).await?;
    let total = views.len() as i64;
    Ok(reply::list(
        views
            .iter()
            .map(|v| dto::document(v, &caller, None))
            .collect(),
        Some(total),
        None,
    ))
}

pub async fn copies(
    State(state): State<AppState>,
    InDocument {
        caller, document, ..
    }: InDocument,
) -> ApiResult<Response> {
    let v = state.dossier.document(&caller, &document).await?;
    let copies = state.dossier.email_copies(&caller, &v.doc).await?;
    Ok(reply::list(
        copies.iter().map(dto::email_copy).collect(),
        None,
        None,
    ))
}

pub async fn attachment(
    State(state): State<AppState>,
    InDocument {
        caller, document, ..
    }: InDocument,
    p: Params,
) -> ApiResult<Response> {
    let raw = p.get("attachment")?;
    let number: u32 = raw
        .parse()
        .map_err(|_| ApiError(DomainError::not_found(format!("attachment {raw}"))))?;
    let a = state
        .dossier
        .open_attachment(&caller, &document, number)
        .await?;
    Ok(crate::work::content::serve_attachment(a))
}

pub async fn get_settings(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
) -> ApiResult<Response> {
    let s = state.dossier.email_settings(&caller, &library).await?;
    Ok(reply::data(dto::email_settings(&s)))
}

/// A PUT replaces the settings: an absent field takes its default.
pub async fn put_settings(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let input = EmailSettings {
        deduplicate: flag(&body, "deduplicate")?.unwrap_or(EmailSettings::default().deduplicate),
    };
    let s = state
        .dossier
        .set_email_settings(&caller, &library, input)
        .await?;
    Ok(reply::data(dto::email_settings(&s)))
}
