//! Documents: upload, new version, download, profile read and update, versions, promote,
//! copy and move (`document.controllers`). Each operation reads its body in the façade's
//! dialect, hands the Work API's readers (`work::wire`) the same fields after the clear
//! sentinel is applied (`wire::work_body`), calls the service's use case and renders one of
//! the profile family (`profiles`).

mod profiles;
mod upload;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use axum::routing::post;
use dossier_core::model::DocumentView;
use dossier_core::{AccessLevel, DocumentRef, DomainError};
use dossier_service::Caller;
use dossier_service::documents::MoveOptions;
use serde_json::Value;

use self::profiles::{Extras, Profile};
use super::descriptions::{Descriptions, unseen_as_none};
use super::error::{AutomateError, AutomateResult};
use super::links::Links;
use super::{data, wire};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::JsonObject;
use crate::fields::{Obj, flag, integer, text};
use crate::work::wire as work_wire;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(upload::routes())
        .route("/downloadDocument", post(download_document))
        .route("/getDocumentProfile", post(get_document_profile))
        .route("/updateDocumentProfile", post(update_document_profile))
        .route("/promoteDocumentVersion", post(promote_document_version))
        .route("/getDocumentVersions", post(get_document_versions))
        .route("/copyDocument", post(copy_document))
        .route("/moveDocument", post(move_document))
}

/// What a profile shows beside the version: the descriptions of its class, subclass and
/// lookup values as the library's tables hold them (a value no table describes has none:
/// a custom field not validated against its table, a class since removed), and `access`
/// when the variant lists it.
async fn extras(
    state: &AppState,
    caller: &Caller,
    view: &DocumentView,
    access: Option<AccessLevel>,
) -> AutomateResult<Extras> {
    let d = &view.doc;
    let library = &d.id.library;
    let dossier = &state.dossier;
    let class = unseen_as_none(dossier.class(caller, library, &d.class).await)?;
    let subclass = match &d.subclass {
        Some(sub) => unseen_as_none(dossier.subclass(caller, library, &d.class, sub).await)?,
        None => None,
    };
    let customs = Descriptions::default()
        .of(state, caller, library, &d.customs)
        .await?;
    Ok(Extras {
        access,
        class: class.map(|c| c.description),
        subclass: subclass.map(|s| s.description),
        descriptions: customs,
    })
}

/// A profile without the caller's access (the variants that do not list it).
async fn profile(
    state: &AppState,
    caller: &Caller,
    links: &Links,
    variant: Profile,
    view: &DocumentView,
) -> AutomateResult<Value> {
    let extras = extras(state, caller, view, None).await?;
    Ok(profiles::render(variant, view, &extras, links))
}

/// A profile with `access`: the caller's effective level on the document, read as the
/// service reads it for the Work API's operations.
async fn profile_with_access(
    state: &AppState,
    caller: &Caller,
    links: &Links,
    variant: Profile,
    r: &DocumentRef,
) -> AutomateResult<Value> {
    let (view, ops) = state.dossier.document_operations(caller, r).await?;
    let extras = extras(state, caller, &view, Some(ops.level)).await?;
    Ok(profiles::render(variant, &view, &extras, links))
}

/// The version a view shows, as a reference to read it again.
fn version_ref(view: &DocumentView) -> DocumentRef {
    let id = &view.doc.id;
    DocumentRef {
        library: id.library.clone(),
        number: id.number,
        version: Some(id.version),
    }
}

/// `latest`: a JSON boolean, or the text `"true"`/`"false"` (the swagger's default for
/// DownloadDocument is the string `"false"`, which some flows send as it is).
fn latest(body: &Obj) -> AutomateResult<bool> {
    match body.get("latest") {
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("false") || s.trim().is_empty() => {
            Ok(false)
        }
        _ => Ok(flag(body, "latest")?.unwrap_or(false)),
    }
}

/// The version `documentId` names, or the document's latest version with `latest`.
fn target(body: &Obj) -> AutomateResult<DocumentRef> {
    let r = wire::document_ref(body, "documentId")?;
    Ok(if latest(body)? {
        DocumentRef { version: None, ..r }
    } else {
        r
    })
}

/// Profile fields of the swagger that Dossier does not keep. A value that asks for one
/// (a HIPAA or declared mark, a retention period, an alias) is refused by name rather than
/// dropped, so a flow never believes it was applied; `false`, a blank or the clear
/// sentinel ask for nothing and pass.
pub(crate) fn refuse_unkept(body: &Obj) -> AutomateResult<()> {
    for key in ["is_hipaa", "is_declared"] {
        if flag(body, key)? == Some(true) {
            return Err(AutomateError::invalid(
                key,
                format!("{key}: Dossier does not keep this mark on documents"),
            ));
        }
    }
    if integer(body, "retain_days")?.is_some() {
        return Err(AutomateError::invalid(
            "retain_days",
            "retain_days: Dossier keeps no retention period on documents",
        ));
    }
    if text(body, "alias")?.is_some_and(|a| !a.trim().is_empty()) {
        return Err(AutomateError::invalid(
            "alias",
            "alias: Dossier keeps no alias on documents",
        ));
    }
    Ok(())
}

/// The service names the Work API's fields; the façade's request calls some of them
/// otherwise (`folder_id` is the connector's `folderId`). Only the field's name changes: the
/// messages name the objects, not the fields.
fn renamed(e: DomainError, names: &[(&str, &str)]) -> AutomateError {
    match e {
        DomainError::Invalid {
            message,
            mut fields,
        } => {
            for f in &mut fields {
                if let Some((_, to)) = names.iter().find(|(from, _)| f.field == *from) {
                    f.field = to.to_string();
                }
            }
            AutomateError(DomainError::Invalid { message, fields })
        }
        other => AutomateError(other),
    }
}

/// POST /downloadDocument: the version's bytes, with its file name in `x-im-file-name`
/// beside the headers every download carries (`work::content::serve`).
async fn download_document(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    headers: HeaderMap,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let JsonObject(body) = b?;
    let r = wire::document_ref(&body, "documentId")?;
    let opened = state
        .dossier
        .open_content(&caller, &r, latest(&body)?, false)
        .await?;
    let mut response = crate::work::content::serve(&state, &opened, &headers).await?;
    let name = profiles::file_name(opened.document());
    // The name as the user gave it, UTF-8; a name no header can carry (a control
    // character) is left to Content-Disposition's encoded form.
    if let Ok(v) = HeaderValue::from_bytes(name.as_bytes()) {
        response.headers_mut().insert("x-im-file-name", v);
    }
    Ok(response)
}

/// POST /getDocumentProfile: FullDocumentProfile of the version (or the latest).
async fn get_document_profile(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let JsonObject(body) = b?;
    let r = target(&body)?;
    Ok(data(
        profile_with_access(&state, &caller, &links, Profile::Full, &r).await?,
    ))
}

/// POST /updateDocumentProfile: the Work API's profile change (`work_wire::document_changes`)
/// of the fields sent; `''` clears one. Answers ShortDocumentProfile.
async fn update_document_profile(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let JsonObject(body) = b?;
    let r = wire::document_ref(&body, "documentId")?;
    let changes = wire::work_body(&body);
    refuse_unkept(&changes)?;
    let changes = work_wire::document_changes(&changes)?;
    let view = state
        .dossier
        .update_document(&caller, &r, &changes, "")
        .await?;
    Ok(data(
        profile(&state, &caller, &links, Profile::Short, &view).await?,
    ))
}

/// POST /promoteDocumentVersion: `version` (a whole number) becomes a new latest version
/// with the profile fields sent. The swagger asks for exactly one of `version` and
/// `journalId`; Dossier keeps no journal, so the Work API's reader refuses `journalId` by
/// name (`work_wire::promote_request`). Answers MinimalDocumentProfile.
async fn promote_document_version(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let JsonObject(body) = b?;
    let r = wire::document_ref(&body, "documentId")?;
    let fields = wire::work_body(&body);
    if fields.get("version").is_some() && fields.get("journalId").is_some() {
        return Err(AutomateError::invalid(
            "journalId",
            "send either version or journalId, not both",
        ));
    }
    refuse_unkept(&fields)?;
    let request = work_wire::promote_request(&fields, None)?;
    let view = state.dossier.promote_version(&caller, &r, request).await?;
    Ok(data(
        profile(&state, &caller, &links, Profile::Minimal, &view).await?,
    ))
}

/// POST /getDocumentVersions: every version of the document, oldest first, as
/// MinimalDocumentProfileInArray. Versions share the document's security, so a caller who
/// may read one may read them all; one who may not gets a 404.
async fn get_document_versions(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let JsonObject(body) = b?;
    let r = wire::document_ref(&body, "documentId")?;
    // The swagger has no paging: the whole list, in pages of the service's largest size.
    let mut page = dossier_core::query::Page::default();
    let mut listed = Vec::new();
    loop {
        let (views, _) = state.dossier.versions(&caller, &r, page).await?;
        let full = i64::try_from(views.len()).unwrap_or(i64::MAX) >= page.limit;
        for v in &views {
            listed.push(profile(&state, &caller, &links, Profile::Minimal, v).await?);
        }
        match views.last() {
            Some(last) if full => page.after = Some(last.doc.id.version),
            _ => break,
        }
    }
    Ok(data(Value::Array(listed)))
}

/// POST /copyDocument: a new document with the version's content and profile, filed in
/// `folderId`. Answers the swagger's inline profile (with `access`).
async fn copy_document(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let JsonObject(body) = b?;
    let r = wire::document_ref(&body, "documentId")?;
    let folder = wire::container_id(&body, "folderId")?;
    // Every id of the façade is in the body, and one the caller cannot read (or that is
    // no folder) is a 404, as the document's is; the service would name it a bad field.
    state.dossier.document_folder(&caller, &folder).await?;
    let copy = state
        .dossier
        .copy_document(&caller, &r, Some(&folder))
        .await
        .map_err(|e| renamed(e, &[("folder_id", "folderId"), ("folder", "folderId")]))?;
    Ok(data(
        profile_with_access(&state, &caller, &links, Profile::Copy, &version_ref(&copy)).await?,
    ))
}

/// POST /moveDocument: refiles the document from `folderId` in `destination_folder_id`.
/// `update_profile` (default true) gives the moved version the destination's profile;
/// `update_security` (default true, and only with `update_profile`, as the swagger says)
/// lets inherited security follow the new folder, else the document keeps the security it
/// had; `comments` go into the document's history with the move. Answers
/// MoveDocumentProfile.
async fn move_document(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?;
    let JsonObject(body) = b?;
    let from = wire::container_id(&body, "folderId")?;
    let r = wire::document_ref(&body, "documentId")?;
    let to = wire::container_id(&body, "destination_folder_id")?;
    // As for CopyDocument: a destination the caller cannot read is a 404.
    state.dossier.document_folder(&caller, &to).await?;
    let update_profile = flag(&body, "update_profile")?.unwrap_or(true);
    let update_security = flag(&body, "update_security")?.unwrap_or(true);
    let options = MoveOptions {
        profile_from_destination: update_profile,
        security_from_destination: update_profile && update_security,
        comment: crate::fields::free_text(&body, "comments", dossier_core::limits::FREE_TEXT_MAX)?,
    };
    let view = state
        .dossier
        .move_document(&caller, &from, &r, &to, &options)
        .await
        .map_err(|e| renamed(e, &[("folder", "destination_folder_id")]))?;
    Ok(data(
        profile_with_access(&state, &caller, &links, Profile::Move, &version_ref(&view)).await?,
    ))
}
