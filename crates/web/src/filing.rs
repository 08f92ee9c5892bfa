//! Copying a document into a folder and moving it from one folder to another, with the use
//! cases the Work API's `…/copy` and `…/move` call; the destination is picked by name from
//! the folders the user may see (`Dossier::search_containers`, as the library page finds
//! workspaces).

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use dossier_api::AppState;
use dossier_core::model::ContainerKind;
use dossier_core::query::{ContainerQuery, Page};
use dossier_core::{ContainerId, DomainError};
use dossier_service::documents::MoveOptions;

use crate::document::{document_ref, page_of};
use crate::form;
use crate::page::{self, PageResult};
use crate::session::Signed;

/// Folders a picker suggests at a time.
const SUGGESTED: i64 = 20;

/// A folder named in a form, such as `ACTIVE!427`.
fn folder(fields: &HashMap<String, String>, key: &str) -> Result<ContainerId, DomainError> {
    let raw = fields.get(key).map(|s| s.trim()).unwrap_or_default();
    if raw.is_empty() {
        return Err(DomainError::required(key));
    }
    raw.parse::<ContainerId>().map_err(|_| {
        DomainError::invalid(
            key,
            "choose a folder from the list (an id such as ACTIVE!427)",
        )
    })
}

/// POST /documents/{id}/copy with `folder`: a new document, whose page the browser opens.
pub async fn copy(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<HashMap<String, String>>,
) -> PageResult {
    let r = document_ref(&id)?;
    let to = folder(&fields, "folder")?;
    let v = state
        .dossier
        .copy_document(signed.caller(), &r, Some(&to))
        .await?;
    Ok(page::done(&headers, &crate::view::document_href(&v.doc)))
}

/// POST /documents/{id}/move with `from` (one of its folders) and `folder`.
pub async fn move_to(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<HashMap<String, String>>,
) -> PageResult {
    let r = document_ref(&id)?;
    let from = folder(&fields, "from")?;
    let to = folder(&fields, "folder")?;
    state
        .dossier
        .move_document(signed.caller(), &from, &r, &to, &MoveOptions::default())
        .await?;
    Ok(page::done(&headers, &page_of(&r)))
}

/// GET /libraries/{library}/folders?folder=…: the folder picker's suggestions.
pub async fn suggest(
    State(state): State<AppState>,
    signed: Signed,
    Path(library): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let caller = signed.caller();
    let lib = state
        .dossier
        .library(caller, caller.customer_id, &library)
        .await?;
    // A folder id (picked already) is not a name to look for.
    let typed = form::typed(&q, "folder").filter(|s| !s.contains('!'));
    let query = ContainerQuery {
        kinds: vec![ContainerKind::Folder, ContainerKind::Tab],
        name_or_description: typed.map(|t| format!("*{t}*")),
        ..ContainerQuery::default()
    };
    let (found, _) = state
        .dossier
        .search_containers(
            caller,
            &lib,
            &query,
            Page {
                limit: SUGGESTED,
                want_total: false,
                ..Page::default()
            },
        )
        .await?;
    Ok(page::ok(&form::Suggestions {
        options: found
            .iter()
            .map(|c| (c.id.to_string(), c.name.clone()))
            .collect(),
    }))
}
