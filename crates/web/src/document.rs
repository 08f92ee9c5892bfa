//! A document's page: its profile, versions, where it is filed and its history, with what
//! the user may do offered from the service's own answer (`Operations`); and its content,
//! downloaded or shown in the page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::IntoResponse;
use dossier_api::AppState;
use dossier_core::DocumentRef;
use dossier_core::query::Page;
use dossier_service::filters::HistoryFilter;
use serde::Deserialize;

use crate::page::{self, Chrome, Failure, PageResult};
use crate::session::Signed;
use crate::view::{self, ContainerRow, DocumentRow};

/// Versions and history entries a document page shows.
const LISTED: i64 = 50;

pub fn document_ref(raw: &str) -> Result<DocumentRef, Failure> {
    raw.parse::<DocumentRef>()
        .map_err(|_| Failure::from(page::not_found()))
}

pub struct VersionRow {
    pub version: i64,
    pub author: String,
    pub modified: String,
    pub size: String,
    pub comment: String,
    pub download: String,
}

pub struct HistoryRow {
    pub when: String,
    pub user: String,
    pub activity: String,
    pub version: i64,
    pub comments: String,
}

/// One field of the profile, as label and value.
pub struct Field {
    pub label: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "document.html")]
struct DocumentPage {
    chrome: Chrome,
    row: DocumentRow,
    fields: Vec<Field>,
    versions: Vec<VersionRow>,
    history: Vec<HistoryRow>,
    filed_in: Vec<Vec<ContainerRow>>,
    download: String,
    security: String,
    checkout: Option<String>,
}

pub async fn document(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> PageResult {
    let caller = signed.caller();
    let d = &state.dossier;
    let r = document_ref(&id)?;
    d.library(caller, caller.customer_id, r.library.as_str())
        .await?;
    let v = d.document(caller, &r).await?;
    let doc = &v.doc;
    let (versions, _) = d
        .versions(
            caller,
            &r,
            Page {
                limit: LISTED,
                ..Page::default()
            },
        )
        .await?;
    let (history, _) = d
        .history(
            caller,
            &r,
            &HistoryFilter::default(),
            Page {
                limit: LISTED,
                ..Page::default()
            },
        )
        .await?;
    let paths = d.document_paths(caller, &r).await?;
    let e = &doc.email;
    let mut fields = vec![
        Field {
            label: "Number",
            value: format!("{}.{}", doc.id.number, v.latest_version),
        },
        Field {
            label: "Author",
            value: doc.author.clone(),
        },
        Field {
            label: "Operator",
            value: doc.operator.clone(),
        },
        Field {
            label: "Class",
            value: doc.class.clone(),
        },
        Field {
            label: "Subclass",
            value: doc.subclass.clone().unwrap_or_default(),
        },
        Field {
            label: "Type",
            value: doc.doc_type.clone(),
        },
        Field {
            label: "Created",
            value: view::date(&doc.create_date),
        },
        Field {
            label: "Modified",
            value: view::date(&doc.edit_date),
        },
        Field {
            label: "Size",
            value: view::size(doc.size),
        },
        Field {
            label: "Comment",
            value: doc.comment.clone(),
        },
    ];
    for (label, value) in [
        ("From", e.from.clone()),
        ("To", e.to.clone()),
        ("Cc", e.cc.clone()),
        ("Sent", e.sent_date.as_ref().map(view::date)),
        ("Received", e.received_date.as_ref().map(view::date)),
    ] {
        if let Some(value) = value {
            fields.push(Field { label, value });
        }
    }
    fields.retain(|f| !f.value.is_empty());
    let base = format!("/documents/{}!{}", doc.id.library, doc.id.number);
    Ok(page::ok(&DocumentPage {
        chrome: Chrome::of(&signed.0),
        row: DocumentRow::of(&v),
        fields,
        versions: versions
            .iter()
            .rev()
            .map(|x| VersionRow {
                version: x.doc.id.version,
                author: x.doc.author.clone(),
                modified: view::date(&x.doc.edit_date),
                size: view::size(x.doc.size),
                comment: x.doc.comment.clone(),
                download: format!("/documents/{}/content", x.doc.id),
            })
            .collect(),
        history: history
            .iter()
            .map(|h| HistoryRow {
                when: view::date(&h.activity_date),
                user: h.user_id.clone(),
                activity: h.activity.clone(),
                version: h.document.version,
                comments: h.comments.clone(),
            })
            .collect(),
        filed_in: paths
            .iter()
            .map(|p| p.iter().map(ContainerRow::of).collect())
            .collect(),
        download: format!("{base}/content"),
        security: format!("{base}/security"),
        checkout: v.checkout.as_ref().map(|c| c.user_id.clone()),
    }))
}

#[derive(Deserialize)]
pub struct ContentQuery {
    /// Shown in the page rather than saved: only for types a browser shows safely.
    #[serde(default)]
    inline: bool,
}

/// Types a browser may show in the page: they run no script in our origin.
fn shows_safely(content_type: &str) -> bool {
    let t = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    t == "application/pdf"
        || t == "text/plain"
        || matches!(
            t.as_str(),
            "image/png" | "image/jpeg" | "image/gif" | "image/webp"
        )
}

/// A version's content, for a download or the page's preview (`?inline=true`).
pub async fn content(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(q): Query<ContentQuery>,
    headers: HeaderMap,
) -> PageResult {
    let caller = signed.caller();
    let r = document_ref(&id)?;
    state
        .dossier
        .library(caller, caller.customer_id, r.library.as_str())
        .await?;
    let opened = state.dossier.open_content(caller, &r, false, false).await?;
    let inline = q.inline && shows_safely(&opened.document().content_type);
    let mut response = match dossier_api::work::content::serve(&state, &opened, &headers).await {
        Ok(r) => r,
        Err(e) => return Err(Failure::from(e.0)),
    };
    let h = response.headers_mut();
    if inline
        && let Some(v) = h
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| HeaderValue::from_str(&v.replacen("attachment", "inline", 1)).ok())
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    // Whatever the file holds, it runs nothing in our origin. (A PDF is left to the
    // browser's viewer, which a sandboxed response would block; it runs in its own origin.)
    let is_pdf = opened
        .document()
        .content_type
        .eq_ignore_ascii_case("application/pdf");
    if !is_pdf {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'",
            ),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response.into_response())
}
