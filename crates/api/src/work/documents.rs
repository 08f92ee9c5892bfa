//! Documents: upload, profile, versions, content, check-out, copy, move, references,
//! history, paths, name-value pairs and operations.

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use dossier_core::{Activity, ContainerId, DocumentRef, DomainError, LibraryId};
use dossier_service::Caller;
use dossier_service::documents::MoveOptions;
use dossier_service::filters::HistoryFilter;
use dossier_service::search::query::FoundDocuments;
use dossier_service::upload::UploadTarget;
use serde_json::{Value, json};

use super::content::{serve, upload};
use super::filters::{document_filter, flatten_post, today};
use super::wire;
use crate::error::{ApiError, ApiResult};
use crate::extract::{InContainer, InDocument, InLibrary, JsonObject, Params, Q, parse_object};
use crate::fields::text;
use crate::{AppState, dto, reply};

fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/"))
}

async fn multipart(req: Request, state: &AppState) -> ApiResult<Multipart> {
    Multipart::from_request(req, state).await.map_err(|e| {
        ApiError::invalid(
            "body",
            format!(
                "expected a multipart/form-data body with profile and file parts: {}",
                e.body_text()
            ),
        )
    })
}

/// `POST L/folders/{id}/documents`: a multipart body uploads a new document; a JSON body
/// `{"document_id": "LIB!n"}` files an existing document here as a reference.
pub async fn upload_or_reference(
    State(state): State<AppState>,
    InLibrary { caller, .. }: InLibrary,
    p: Params,
    req: Request,
) -> ApiResult<Response> {
    let folder = p.container("id")?;
    if !is_multipart(&req) {
        let bytes = axum::body::Bytes::from_request(req, &state)
            .await
            .map_err(|e| ApiError::invalid("body", e.body_text()))?;
        let body = parse_object(&bytes, "body")?;
        let doc: DocumentRef = body
            .get("document_id")
            .or_else(|| body.get("id"))
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError(DomainError::required("document_id")))?
            .parse()?;
        let v = state.dossier.add_reference(&caller, &folder, &doc).await?;
        return Ok(reply::created(dto::document(&v, &caller, None)));
    }
    let u = upload(
        &state,
        &caller,
        UploadTarget::NewDocument(folder),
        multipart(req, &state).await?,
    )
    .await?;
    // A duplicate email created nothing: the answer is the email already filed.
    let body = dto::uploaded(&u, &caller);
    Ok(if u.duplicate {
        reply::data(body)
    } else {
        reply::created(body)
    })
}

pub async fn new_version(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    req: Request,
) -> ApiResult<Response> {
    let v = upload(
        &state,
        &caller,
        UploadTarget::NewVersion(doc),
        multipart(req, &state).await?,
    )
    .await?
    .view;
    Ok(reply::created(dto::document(&v, &caller, None)))
}

/// `POST L/documents/{id}/promote` with `{"version": N}`: version N's content and
/// profile become a new latest version.
pub async fn promote(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let request = wire::promote_request(&body, doc.version)?;
    let v = state
        .dossier
        .promote_version(&caller, &doc, request)
        .await?;
    Ok(reply::created(dto::document(&v, &caller, None)))
}

pub async fn replace_file(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    req: Request,
) -> ApiResult<Response> {
    let v = upload(
        &state,
        &caller,
        UploadTarget::Replacement(doc),
        multipart(req, &state).await?,
    )
    .await?
    .view;
    Ok(reply::data(dto::document(&v, &caller, None)))
}

pub async fn get(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    q: Q,
) -> ApiResult<Response> {
    if q.flag("include_operations")?.unwrap_or(false) {
        let (v, ops) = state.dossier.document_operations(&caller, &doc).await?;
        return Ok(reply::data(dto::document(&v, &caller, Some(&ops))));
    }
    let v = state.dossier.document(&caller, &doc).await?;
    Ok(reply::data(dto::document(&v, &caller, None)))
}

pub async fn update(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let changes = wire::document_changes(&body)?;
    let comment = wire::audit_comment(&body)?;
    let v = state
        .dossier
        .update_document(&caller, &doc, &changes, &comment)
        .await?;
    Ok(reply::data(dto::document(&v, &caller, None)))
}

pub async fn delete(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
) -> ApiResult<Response> {
    state.dossier.delete_version(&caller, &doc).await?;
    Ok(reply::data(json!({})))
}

pub async fn download(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    q: Q,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let export = q
        .text("activity")
        .is_some_and(|a| a.eq_ignore_ascii_case("export"));
    let d = state
        .dossier
        .open_content(&caller, &doc, q.flag("latest")?.unwrap_or(false), export)
        .await?;
    serve(&state, &d, &headers).await
}

pub async fn versions(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    q: Q,
) -> ApiResult<Response> {
    let paging = q.paging(500)?;
    let (mut items, total) = state
        .dossier
        .versions(&caller, &doc, paging.probe())
        .await?;
    let (_, cursor) = paging.finish(&mut items, |v| v.doc.id.version);
    Ok(reply::list(
        items
            .iter()
            .map(|v| dto::document(v, &caller, None))
            .collect(),
        total,
        cursor,
    ))
}

pub async fn lock(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    state
        .dossier
        .lock(
            &caller,
            &doc,
            wire::checkout_request(&body)?,
            Activity::Lock,
        )
        .await?;
    let v = state.dossier.document(&caller, &doc).await?;
    Ok(reply::data(dto::document(&v, &caller, None)))
}

pub async fn unlock(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
) -> ApiResult<Response> {
    state.dossier.unlock(&caller, &doc).await?;
    let v = state.dossier.document(&caller, &doc).await?;
    Ok(reply::data(dto::document(&v, &caller, None)))
}

/// `POST …/checkout`: locks the document and returns its content.
pub async fn checkout(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let d = state
        .dossier
        .lock(
            &caller,
            &doc,
            wire::checkout_request(&body)?,
            Activity::Checkout,
        )
        .await?;
    serve(&state, &d, &headers).await
}

pub async fn checkout_info(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
) -> ApiResult<Response> {
    Ok(reply::data(dto::checkout(
        &state.dossier.checkout_info(&caller, &doc).await?,
    )))
}

pub async fn copy(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    // A folder id of the wrong type must not mean "no folder" (the home folder).
    let folder = match text(&body, "folder_id")? {
        Some(f) => Some(f),
        None => text(&body, "destination_id")?,
    }
    .map(|f| f.parse::<ContainerId>())
    .transpose()
    .map_err(|_| {
        ApiError::invalid(
            "folder_id",
            "folder_id must be a folder id such as ACTIVE!427",
        )
    })?;
    let v = state
        .dossier
        .copy_document(&caller, &doc, folder.as_ref())
        .await?;
    Ok(reply::created(dto::document(&v, &caller, None)))
}

pub async fn move_document(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let from = p.container("folder")?;
    let to: ContainerId = body
        .get("destination_folder_id")
        .or_else(|| body.get("destination_id"))
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError(DomainError::required("destination_folder_id")))?
        .parse()
        .map_err(|_| {
            ApiError::invalid(
                "destination_folder_id",
                "destination_folder_id must be a folder id such as ACTIVE!427",
            )
        })?;
    let v = state
        .dossier
        .move_document(&caller, &from, &doc, &to, &MoveOptions::default())
        .await?;
    Ok(reply::data(dto::document(&v, &caller, None)))
}

pub async fn remove_reference(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    p: Params,
) -> ApiResult<Response> {
    let folder = p.container("folder")?;
    state
        .dossier
        .remove_reference(&caller, &folder, &doc)
        .await?;
    Ok(reply::data(json!({})))
}

/// `GET …/history?activity=&activity_date_start=&activity_date_end=&all_versions=&user=`
pub async fn history(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    q: Q,
) -> ApiResult<Response> {
    let paging = q.paging(500)?;
    let mut activities = Vec::new();
    if let Some(raw) = q.text("activity") {
        for word in raw.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match (Activity::filter(word), Activity::from_name(word)) {
                (Some(list), _) => activities.extend(list.iter().map(|a| a.name().to_string())),
                (None, Some(a)) => activities.push(a.name().to_string()),
                (None, None) => {
                    return Err(ApiError::invalid(
                        "activity",
                        format!("'{word}' is not a history activity"),
                    ));
                }
            }
        }
        if raw.eq_ignore_ascii_case("all") {
            activities.clear();
        }
    }
    let date = |name: &str| {
        q.text(name)
            .map(|v| {
                dossier_core::custom::parse_timestamp(v).ok_or_else(|| {
                    ApiError::invalid(name, format!("{name} must be an ISO-8601 date"))
                })
            })
            .transpose()
    };
    let all_versions = q.flag("all_versions")?.unwrap_or(doc.version.is_none());
    let filter = HistoryFilter {
        version: if all_versions {
            None
        } else {
            doc.version.or(Some(1))
        },
        activities,
        user: q.text("user").map(str::to_string),
        from: date("activity_date_start")?,
        to: date("activity_date_end")?,
    };
    let (mut entries, total) = state
        .dossier
        .history(&caller, &doc, &filter, paging.probe())
        .await?;
    let (_, cursor) = paging.finish(&mut entries, |e| e.id);
    Ok(reply::list(
        entries.iter().map(dto::history).collect(),
        total,
        cursor,
    ))
}

pub async fn add_history(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let entry = state
        .dossier
        .add_history(&caller, &doc, wire::new_history_entry(&body)?)
        .await?;
    Ok(reply::created(dto::history(&entry)))
}

pub async fn path(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
) -> ApiResult<Response> {
    let paths = state.dossier.document_paths(&caller, &doc).await?;
    Ok(reply::list(
        paths
            .iter()
            .map(|chain| Value::Array(chain.iter().map(|c| dto::container(c, None)).collect()))
            .collect(),
        None,
        None,
    ))
}

pub async fn nvps(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
) -> ApiResult<Response> {
    Ok(reply::data(dto::nvps(
        &state.dossier.document_nvps(&caller, &doc).await?,
    )))
}

pub async fn update_nvps(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    Ok(reply::data(dto::nvps(
        &state
            .dossier
            .update_document_nvps(&caller, &doc, &wire::nvp_changes(&body)?)
            .await?,
    )))
}

pub async fn operations(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: doc,
        ..
    }: InDocument,
) -> ApiResult<Response> {
    let (_, ops) = state.dossier.document_operations(&caller, &doc).await?;
    Ok(reply::data(dto::operations(&ops, &caller)))
}

/// A library's document search, on the database or in the index as the service decides:
/// GET answers `{data:{results}}`, POST `{data:[…], overflow}`.
async fn search(
    state: &AppState,
    caller: &Caller,
    lib: &LibraryId,
    q: &Q,
    post: bool,
) -> ApiResult<Response> {
    let paging = q.paging(500)?;
    let search = crate::work::search::document_search(state, caller, lib, q, &paging).await?;
    let results = search.results;
    match state.dossier.find_documents(caller, lib, search).await? {
        FoundDocuments::Index(page) => Ok(crate::work::search::answer(
            &page, caller, &paging, results, post,
        )),
        FoundDocuments::Database { views, total, more } => {
            let cursor = paging.cursor(more, views.last().map(|d| d.doc.id.number));
            let items = views
                .iter()
                .map(|v| dto::document(v, caller, None))
                .collect();
            Ok(if post {
                reply::search(items, more)
            } else {
                reply::results(items, total, cursor)
            })
        }
    }
}

pub async fn search_get(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    q: Q,
) -> ApiResult<Response> {
    search(&state, &caller, &lib, &q, false).await
}

pub async fn search_post(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let q = flatten_post(&body)?;
    search(&state, &caller, &lib, &q, true).await
}

/// `GET L/folders/{id}/documents`: the documents filed in a folder.
pub async fn folder_documents(
    State(state): State<AppState>,
    InContainer {
        caller,
        library: lib,
        container: folder,
    }: InContainer,
    q: Q,
) -> ApiResult<Response> {
    state.dossier.document_folder(&caller, &folder).await?;
    let paging = q.paging(500)?;
    let today = today(&state.dossier, &q)?;
    let mut filter = document_filter(&state.dossier, &caller, &lib, &q, today).await?;
    filter.folders = Some(vec![folder.number]);
    let (mut found, total) = state
        .dossier
        .documents_in(&caller, &lib, &filter, paging.probe())
        .await?;
    let (_, cursor) = paging.finish(&mut found, |d| d.doc.id.number);
    Ok(reply::list(
        found
            .iter()
            .map(|v| dto::document(v, &caller, None))
            .collect(),
        total,
        cursor,
    ))
}
