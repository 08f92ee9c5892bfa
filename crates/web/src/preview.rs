//! A document's preview in its page, by what its content is: the browser's own viewer for a
//! PDF and plain text (framed from `…/content?inline=true`), an image, an email rendered by
//! the service (sanitised there), or the text the indexer extracted (Office files).

use dossier_api::AppState;
use dossier_core::DocumentRef;
use dossier_core::model::Document;
use dossier_service::Caller;
use dossier_service::documents::DocumentText;
use dossier_service::documents::{EmailBody, EmailView};

use crate::page::Failure;
use crate::view;

pub enum Preview {
    /// Framed from this address (PDF, plain text).
    Frame(String),
    Image(String),
    Email(Box<EmailPreview>),
    Text(DocumentText),
    /// Nothing to show, and why.
    Nothing(&'static str),
}

pub struct EmailPreview {
    pub subject: String,
    /// (label, value) of the headers present.
    pub headers: Vec<(&'static str, String)>,
    /// Sanitised in an extraction worker (`dossier_extract::mail_view`); the template
    /// includes it unescaped for that reason only.
    pub html: Option<String>,
    pub text: Option<String>,
    pub attachments: Vec<(String, String)>,
    pub truncated: bool,
}

impl EmailPreview {
    fn of(v: EmailView) -> Self {
        let h = v.headers;
        let sent = h
            .sent
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
            .map(|d| view::date(&d))
            .unwrap_or_default();
        let mut headers = vec![
            ("From", h.from),
            ("To", h.to.join(", ")),
            ("Cc", h.cc.join(", ")),
            ("Date", sent),
        ];
        headers.retain(|(_, v)| !v.is_empty());
        let (html, text) = match v.body {
            EmailBody::Html(s) => (Some(s.as_str().to_string()), None),
            EmailBody::Text(t) => (None, Some(t)),
            EmailBody::Empty => (None, None),
        };
        EmailPreview {
            subject: h.subject,
            headers,
            html,
            text,
            attachments: v
                .attachments
                .into_iter()
                .map(|a| (a.name, view::size(a.size as i64)))
                .collect(),
            truncated: v.truncated,
        }
    }
}

fn is_email(doc: &Document) -> bool {
    doc.extension.eq_ignore_ascii_case("eml")
        || doc
            .content_type
            .to_ascii_lowercase()
            .starts_with("message/rfc822")
}

/// The preview of `doc` (the version `r` names), served from `content`.
pub async fn of(
    state: &AppState,
    caller: &Caller,
    r: &DocumentRef,
    doc: &Document,
    content: &str,
) -> Result<Preview, Failure> {
    let t = doc.content_type.to_ascii_lowercase();
    let inline = format!("{content}?inline=true");
    if crate::document::shows_safely(&t) {
        return Ok(if t.starts_with("image/") {
            Preview::Image(inline)
        } else {
            Preview::Frame(inline)
        });
    }
    if is_email(doc) {
        return Ok(match state.dossier.email_view(caller, r).await? {
            Some(v) => Preview::Email(Box::new(EmailPreview::of(v))),
            None => Preview::Nothing("This email cannot be shown here: download it to read it."),
        });
    }
    Ok(match state.dossier.document_text(caller, r).await? {
        Some(t) => Preview::Text(t),
        None => Preview::Nothing(
            "There is no text to show: the file has none, or it has not been indexed yet.",
        ),
    })
}
