//! Filing documents from the browser. Each file dropped on a folder (or chosen with the
//! file input) is one multipart POST to `/folders/{id}/documents`, sent by `static/app.js`
//! with its own progress bar and the CSRF header. It runs the Work API's own upload
//! (`dossier_api::work::content::upload`: the upload is planned, the content streams into
//! the content store, the document is committed), so the folder's profile defaults, an
//! `.eml` or `.msg` becoming an email, and every check are the service's.
//!
//! When the library, class or subclass requires custom fields the upload did not give,
//! the answer is the profile dialog (422) naming them with the library's captions; the
//! script shows it and sends the file again with the values as the `profile` part.

use askama::Template;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::StatusCode;
use axum::routing::{MethodRouter, post};
use dossier_api::AppState;
use dossier_api::error::ApiError;
use dossier_core::DomainError;
use dossier_core::fields::field_number;
use dossier_service::upload::UploadTarget;

use crate::browse::{container_id, member_of};
use crate::page::{self, PageResult};
use crate::session::Signed;
use crate::view::DocumentRow;

/// `POST /folders/{id}/documents`, with the server's upload size limit (pages' bodies are
/// otherwise small).
pub fn route(state: &AppState) -> MethodRouter<AppState> {
    post(upload).layer(DefaultBodyLimit::max(
        usize::try_from(state.max_upload_bytes).unwrap_or(usize::MAX),
    ))
}

/// What the script shows next to a file once it is filed.
#[derive(Template)]
#[template(path = "_uploaded.html")]
struct Uploaded {
    row: DocumentRow,
    /// An email the matter already held: filed here as a reference, not a new document.
    duplicate: bool,
}

/// A custom field the upload still needs, labelled with the library's caption.
pub struct NeededField {
    /// `custom3`: the profile key the script sends back.
    pub name: String,
    pub label: String,
    /// Why it is asked for ("custom3 is required by class LETTER").
    pub reason: String,
}

#[derive(Template)]
#[template(path = "_profile_dialog.html")]
struct ProfileDialog {
    fields: Vec<NeededField>,
}

pub async fn upload(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    req: Request,
) -> PageResult {
    let caller = signed.caller();
    let folder = container_id(&id)?;
    member_of(&state, caller, &folder.library).await?;
    let multipart = Multipart::from_request(req, &state).await.map_err(|e| {
        page::error(
            StatusCode::BAD_REQUEST,
            &format!("Send the file as a multipart form: {}", e.body_text()),
        )
    })?;
    let target = UploadTarget::NewDocument(folder.clone());
    match dossier_api::work::content::upload(&state, caller, target, multipart).await {
        Ok(filed) => Ok(page::render(
            StatusCode::CREATED,
            &Uploaded {
                row: DocumentRow::of(&filed.view),
                duplicate: filed.duplicate,
            },
        )),
        Err(ApiError(e)) => {
            let Some(needed) = needed_fields(&e) else {
                return Err(e.into());
            };
            let defs = state.dossier.custom_fields(caller, &folder.library).await?;
            let fields = needed
                .into_iter()
                .map(|(n, reason)| NeededField {
                    name: format!("custom{n}"),
                    label: defs
                        .get(n)
                        .map(|d| d.caption.clone())
                        .filter(|c| !c.is_empty())
                        .unwrap_or_else(|| format!("Custom {n}")),
                    reason,
                })
                .collect();
            Ok(page::render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ProfileDialog { fields },
            ))
        }
    }
}

/// The custom fields a refusal asks for, when every field it names is one the user can
/// fill in the dialog (a missing or refused custom value); anything else is a plain error.
fn needed_fields(e: &DomainError) -> Option<Vec<(usize, String)>> {
    let DomainError::Invalid { fields, .. } = e else {
        return None;
    };
    let needed: Option<Vec<_>> = fields
        .iter()
        .map(|f| field_number(&f.field).map(|n| (n, f.message.clone())))
        .collect();
    needed.filter(|n| !n.is_empty())
}
