//! The two multipart operations: UploadDocument (a new document in a folder) and
//! UpdateOrCreateNewDocVersion (new content for a version, or a new version). Their profile
//! arrives as form fields, one per profile field in the swagger's types (booleans and
//! numbers as text); the fields become the JSON profile the Work API's upload reads
//! (`work::wire::upload_input`), so both surfaces apply one set of rules. The file streams
//! into the content store as it arrives, and the upload is checked and committed once
//! every part is read (the swagger puts profile fields after the file); what the upload
//! goes into is checked before the file is stored, when the form named it first.

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::response::Response;
use axum::routing::post;
use bytes::BytesMut;
use dossier_core::DomainError;
use dossier_service::Caller;
use dossier_service::upload::{ReceivedContent, UploadTarget};
use futures::StreamExt;
use serde_json::Value;

use super::profiles::Profile;
use super::{profile, refuse_unkept};
use crate::AppState;
use crate::automate::error::{AutomateError, AutomateResult};
use crate::automate::links::Links;
use crate::automate::{data, wire};
use crate::error::ApiError;
use crate::fields::Obj;
use crate::work::wire as work_wire;

/// A profile field is short text (a comment is at most 8000 characters); a larger one is
/// not a profile field.
const FIELD_MAX: usize = 64 * 1024;

/// Form fields the swagger types as booleans.
const BOOLEANS: &[&str] = &["inherit_profile_from_folder", "keep_locked", "is_hipaa"];

/// Form fields the swagger types as whole numbers.
const INTEGERS: &[&str] = &["retain_days"];

pub fn routes() -> Router<AppState> {
    // The body limit is the server's upload limit, applied in `limited` (the state it
    // comes from is not at hand when routes are built).
    Router::new()
        .route(
            "/uploadDocument",
            post(upload_document).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/updateOrCreateNewDocVersion",
            post(update_or_create_new_doc_version).layer(DefaultBodyLimit::disable()),
        )
}

/// The request's body, cut off with an error past the server's upload limit.
fn limited(state: &AppState, req: Request) -> Request {
    let max = state.max_upload_bytes;
    req.map(|body| {
        let mut seen: u64 = 0;
        let stream = body.into_data_stream().map(move |chunk| {
            let chunk = chunk?;
            seen = seen.saturating_add(chunk.len() as u64);
            if seen > max {
                return Err(axum::Error::new(format!(
                    "the upload is larger than this server's limit of {max} bytes"
                )));
            }
            Ok(chunk)
        });
        Body::from_stream(stream)
    })
}

fn bad_multipart(e: axum::extract::multipart::MultipartError) -> AutomateError {
    AutomateError::invalid(
        "file",
        format!(
            "the multipart body is malformed or incomplete: {}",
            e.body_text()
        ),
    )
}

/// A form field's text in the swagger's type: booleans and whole numbers become JSON
/// values (a value of another type is a 400 naming the field); the clear sentinel and the
/// rest stay text, which `wire::work_body` and the Work API's readers take from there.
fn typed(name: &str, text: String) -> AutomateResult<Value> {
    let t = text.trim();
    if wire::is_clear(t) || t.is_empty() {
        return Ok(Value::String(text));
    }
    if BOOLEANS.contains(&name) {
        return match t.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(AutomateError::invalid(
                name,
                format!("{name} must be true or false"),
            )),
        };
    }
    if INTEGERS.contains(&name) {
        return t
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| AutomateError::invalid(name, format!("{name} must be a whole number")));
    }
    Ok(Value::String(text))
}

/// What an upload goes into, by the form field that names it.
#[derive(Clone, Copy)]
enum Destination {
    /// `folderId`: a new document.
    Folder,
    /// `documentId`: new content for a document.
    Document,
}

impl Destination {
    /// Before the file's bytes are stored: when the form has named what the upload goes
    /// into by then (the swagger's order names it first), a caller who may not read it is
    /// refused (404) without storing anything. The full check (edit rights, the profile,
    /// which the swagger sends after the file) is the plan's, once every field is read.
    async fn check(self, state: &AppState, caller: &Caller, fields: &Obj) -> AutomateResult<()> {
        match self {
            Destination::Folder => {
                if let Ok(folder) = wire::container_id(fields, "folderId") {
                    state.dossier.document_folder(caller, &folder).await?;
                }
            }
            Destination::Document => {
                if let Ok(document) = wire::document_ref(fields, "documentId") {
                    state.dossier.document(caller, &document).await?;
                }
            }
        }
        Ok(())
    }
}

/// Reads the form: every text field into a profile object, the file into the content
/// store. Exactly one file is taken.
async fn read_form(
    state: &AppState,
    caller: &Caller,
    into: Destination,
    mut form: Multipart,
) -> AutomateResult<(Obj, Option<ReceivedContent>)> {
    let mut fields = Obj::new();
    let mut received: Option<ReceivedContent> = None;
    while let Some(mut field) = form.next_field().await.map_err(bad_multipart)? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        if file_name.is_some() || name == "file" {
            if received.is_some() {
                return Err(AutomateError::invalid("file", "send exactly one file"));
            }
            into.check(state, caller, &fields).await?;
            received = Some(
                state
                    .dossier
                    .receive_content(file_name, Box::pin(field))
                    .await?,
            );
            continue;
        }
        let mut buf = BytesMut::new();
        while let Some(chunk) = field.chunk().await.map_err(bad_multipart)? {
            if buf.len() + chunk.len() > FIELD_MAX {
                return Err(AutomateError::invalid(
                    &name,
                    format!("{name} is longer than a profile field can be"),
                ));
            }
            buf.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(buf.to_vec())
            .map_err(|_| AutomateError::invalid(&name, format!("{name} must be UTF-8 text")))?;
        fields.insert(name.clone(), typed(&name, text)?);
    }
    Ok((fields, received))
}

/// Plans the upload from the form's profile (the Work API's upload input) and files the
/// content.
async fn run(
    state: &AppState,
    caller: &Caller,
    target: UploadTarget,
    fields: &Obj,
    content: Option<ReceivedContent>,
) -> AutomateResult<dossier_core::model::DocumentView> {
    let profile = wire::work_body(fields);
    refuse_unkept(&profile)?;
    let input = work_wire::upload_input(&profile)?;
    let content = content.ok_or_else(|| AutomateError(DomainError::required("file")))?;
    let plan = state
        .dossier
        .plan_upload(caller, target, input, content.file_name())
        .await?;
    Ok(state.dossier.commit_upload(plan, content).await?.view)
}

async fn form(state: &AppState, req: Request) -> AutomateResult<Multipart> {
    Multipart::from_request(limited(state, req), state)
        .await
        .map_err(|e| {
            AutomateError::invalid(
                "file",
                format!("expected a multipart/form-data body: {}", e.body_text()),
            )
        })
}

/// POST /uploadDocument: a new document in `folderId` of `libraryId`, with the form's
/// profile over the folder's (`inherit_profile_from_folder`). Answers ShortDocumentProfile.
async fn upload_document(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    req: Request,
) -> AutomateResult<Response> {
    let caller = c?;
    let (fields, content) = read_form(
        &state,
        &caller,
        Destination::Folder,
        form(&state, req).await?,
    )
    .await?;
    let library = wire::required_text(&fields, "libraryId")?;
    let folder = wire::container_id(&fields, "folderId")?;
    // Required by the swagger, though it has a default: Power Automate always sends it,
    // so a request without it did not come from the connector's form.
    if fields.get("inherit_profile_from_folder").is_none() {
        return Err(AutomateError(DomainError::required(
            "inherit_profile_from_folder",
        )));
    }
    // A library the caller may not use is a 404, as for every operation naming one.
    state
        .dossier
        .library(&caller, caller.customer_id, &library)
        .await?;
    // The folder id names its library too; one that contradicts libraryId is a mistake
    // in the flow, not a choice between them.
    if !folder.library.as_str().eq_ignore_ascii_case(&library) {
        return Err(AutomateError::invalid(
            "folderId",
            format!("folderId {folder} is not in library {library}"),
        ));
    }
    let view = run(
        &state,
        &caller,
        UploadTarget::NewDocument(folder),
        &fields,
        content,
    )
    .await?;
    Ok(data(
        profile(&state, &caller, &links, Profile::Short, &view).await?,
    ))
}

/// POST /updateOrCreateNewDocVersion: "Update Current Version" replaces the content of the
/// version `documentId` names (its profile kept, the form's fields applied); "Create New
/// Version" (the default) adds a version over the latest. Answers ShortDocumentProfile.
async fn update_or_create_new_doc_version(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    links: Links,
    req: Request,
) -> AutomateResult<Response> {
    let caller = c?;
    let (fields, content) = read_form(
        &state,
        &caller,
        Destination::Document,
        form(&state, req).await?,
    )
    .await?;
    let document = wire::document_ref(&fields, "documentId")?;
    // Required by the swagger, though it has a default (Power Automate always sends it).
    let target = match wire::required_text(&fields, "updateOrCreate")?.as_str() {
        "Create New Version" => UploadTarget::NewVersion(document),
        "Update Current Version" => UploadTarget::Replacement(document),
        other => {
            return Err(AutomateError::invalid(
                "updateOrCreate",
                format!("'{other}' is not one of Update Current Version, Create New Version"),
            ));
        }
    };
    let view = run(&state, &caller, target, &fields, content).await?;
    Ok(data(
        profile(&state, &caller, &links, Profile::Short, &view).await?,
    ))
}
