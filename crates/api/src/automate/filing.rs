//! Filing and annotations: document references in folders, history entries and activity
//! names, name-value pairs. Each reads the connector's body into the Work API's typed input
//! (`work::wire`) and calls the use case the Work API's endpoint calls.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use dossier_core::{Activity, ContainerId, DocumentRef};
use dossier_service::Caller;
use serde_json::{Value, json};

use super::data;
use super::error::{AutomateError, AutomateResult};
use super::permissions::{Addressed, renamed};
use super::wire::{container_id, document_ref, required, work_body};
use crate::error::ApiError;
use crate::extract::{JsonObject, Q};
use crate::fields::Obj;
use crate::work::wire::{new_history_entry, nvp_changes};
use crate::{AppState, dto};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/editNVP", post(edit_nvp))
        .route("/addDocumentReference", post(add_document_reference))
        .route(
            "/deleteDocumentReference",
            delete(delete_document_reference),
        )
        .route(
            "/getDocumentActivityNames",
            get(get_document_activity_names),
        )
        .route("/addDocumentHistoryEntry", post(add_document_history_entry))
}

/// POST /editNVP: sets the pairs of `nameValuePairs` on a document, folder or workspace; a
/// value of `''` or `""` deletes its key, a blank one leaves it alone. The swagger declares
/// no answer; this one is `{"data": {…}}` with the object's pairs after the change, which
/// the caller may read anyway (changing them needs more than reading).
async fn edit_nvp(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let JsonObject(body) = b?;
    let object = Addressed::read(&body, "objectType", "objectId")?;
    let pairs = match body.get("nameValuePairs") {
        None | Some(Value::Null) => Obj::new(),
        Some(Value::Object(o)) => work_body(o),
        Some(_) => {
            return Err(AutomateError::invalid(
                "nameValuePairs",
                "nameValuePairs must be an object of names and values",
            ));
        }
    };
    let changes = nvp_changes(&pairs)?;
    object.check_type(&state, &caller).await?;
    let done = match &object {
        Addressed::Document(r) => {
            state
                .dossier
                .update_document_nvps(&caller, r, &changes)
                .await
        }
        Addressed::Container(_, id) => {
            state
                .dossier
                .update_container_nvps(&caller, id, &changes)
                .await
        }
    };
    // The service names the whole request `body` and a pair's name `name`.
    let after =
        done.map_err(|e| renamed(e, &[("body", "nameValuePairs"), ("name", "nameValuePairs")]))?;
    Ok(data(dto::nvps(&after)))
}

/// The Work API's names for the fields of a reference, and the connector's.
const REFERENCE_FIELDS: [(&str, &str); 2] = [("document_id", "documentId"), ("folder", "folderId")];

/// POST /addDocumentReference: files the document in another folder as well. Dossier's
/// reference is the document itself filed twice, not a shortcut object, so the answer is
/// the document's id and type, as the folder's contents list it.
async fn add_document_reference(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let JsonObject(body) = b?;
    let document = document_ref(&body, "documentId")?;
    let folder = container_id(&body, "folderId")?;
    // The Work API refuses an unknown document in its body as a bad field; every id of the
    // façade is in a body, and an unknown or unreadable one is a 404 here.
    state.dossier.document(&caller, &document).await?;
    let v = state
        .dossier
        .add_reference(&caller, &folder, &document)
        .await
        .map_err(|e| renamed(e, &REFERENCE_FIELDS))?;
    Ok(data(json!({
        "id": v.doc.id.to_string(),
        "wstype": v.doc.wstype.as_str(),
    })))
}

/// DELETE /deleteDocumentReference?documentId=&folderId=: takes the document out of a folder
/// it is filed in as a reference (its home folder stays: a 409). Answers `{}`, as the
/// swagger's empty schema says.
async fn delete_document_reference(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let q = q?;
    let document: DocumentRef = required(&q, "documentId")?.parse().map_err(|_| {
        AutomateError::invalid(
            "documentId",
            "documentId must be a library!number.version id",
        )
    })?;
    let folder: ContainerId = required(&q, "folderId")?
        .parse()
        .map_err(|_| AutomateError::invalid("folderId", "folderId must be a library!number id"))?;
    state
        .dossier
        .remove_reference(&caller, &folder, &document)
        .await
        .map_err(|e| renamed(e, &REFERENCE_FIELDS))?;
    Ok(axum::Json(json!({})).into_response())
}

/// GET /getDocumentActivityNames: the activities a history entry may record, with the
/// codes AddDocumentHistoryEntry takes.
async fn get_document_activity_names(c: Result<Caller, ApiError>) -> AutomateResult<Response> {
    c?; // a missing or bad token: 401 in the façade's envelope
    let listed = Activity::ALL
        .iter()
        .map(|a| json!({"activity_code": a.code(), "display_name": a.description()}))
        .collect();
    Ok(data(Value::Array(listed)))
}

/// POST /addDocumentHistoryEntry: `activity_code` (from GetDocumentActivityNames),
/// `comments`, `duration` in seconds. Answers `{"data": {}}`.
async fn add_document_history_entry(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    b: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let JsonObject(body) = b?;
    let document = document_ref(&body, "documentId")?;
    let entry = new_history_entry(&work_body(&body))?;
    state.dossier.add_history(&caller, &document, entry).await?;
    Ok(data(json!({})))
}
