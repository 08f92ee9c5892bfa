//! Checking a document out (with a due date and a comment) and cancelling a check-out,
//! through the use cases the Work API's `…/lock` calls. Checking in is uploading a new
//! version (`versions::upload`), which releases the check-out as it does in the Work API.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use dossier_api::AppState;
use dossier_api::work::wire;
use dossier_core::Activity;

use crate::document::{document_ref, page_of};
use crate::form;
use crate::page::{self, PageResult};
use crate::session::Signed;

/// POST /documents/{id}/checkout: `due_date` (YYYY-MM-DD, optional) and `comments`.
pub async fn check_out(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<HashMap<String, String>>,
) -> PageResult {
    let r = document_ref(&id)?;
    let request = wire::checkout_request(&form::object(fields))?;
    state
        .dossier
        .lock(signed.caller(), &r, request, Activity::Checkout)
        .await?;
    Ok(page::done(&headers, &page_of(&r)))
}

/// POST /documents/{id}/checkout/cancel: the check-out ends, no new version.
pub async fn cancel(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> PageResult {
    let r = document_ref(&id)?;
    state.dossier.unlock(signed.caller(), &r).await?;
    Ok(page::done(&headers, &page_of(&r)))
}
