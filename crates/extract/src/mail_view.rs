//! An email as a reader sees it: its headers, its body (HTML sanitised to a safe subset, or
//! plain text) and its attachments' names and sizes, for the web client's preview.
//!
//! Like extraction it runs in a worker process (`Extractor::email_view`), never in the
//! server: the input is bounded by [`MAX_EMAIL_BYTES`], the body by [`MAX_BODY_BYTES`], a
//! panic is caught, and the worker's time and memory limits hold. What comes out is safe to put in
//! a page of our origin: no script, no style, no event handler, no image that loads from
//! anywhere (a remote image is how a sender learns the email was opened), no relative link
//! into our own server.

use std::collections::HashSet;

use ammonia::{Builder, UrlRelative};
use mail_parser::{Message, MessageParser};

use crate::EmailHeaders;
use crate::mail::{attachment_name, headers};
use crate::text::push_capped;

/// Larger emails are not parsed for a preview (they are still downloadable).
pub const MAX_EMAIL_BYTES: u64 = 25 << 20;
/// The body shown is cut here, at a char boundary.
pub const MAX_BODY_BYTES: usize = 2 << 20;

/// HTML that went through [`sanitise`]: the only kind a page may include unescaped. (It
/// crosses from the worker as JSON, the one other way to make one: from our own worker.)
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SanitisedHtml(String);

impl SanitisedHtml {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email's body as shown.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum EmailBody {
    Html(SanitisedHtml),
    Text(String),
    Empty,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EmailAttachment {
    pub name: String,
    pub size: u64,
}

/// What the preview of an email shows.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EmailView {
    pub headers: EmailHeaders,
    pub body: EmailBody,
    pub attachments: Vec<EmailAttachment>,
    /// The body was cut at [`MAX_BODY_BYTES`].
    pub truncated: bool,
}

/// Parses an RFC 5322 message for display; `None` when it is too large or is not an email.
pub fn email_view(content: &[u8]) -> Option<EmailView> {
    if content.len() as u64 > MAX_EMAIL_BYTES {
        return None;
    }
    std::panic::catch_unwind(|| {
        let message = MessageParser::default().parse(content)?;
        Some(view(&message))
    })
    .ok()
    .flatten()
}

fn view(message: &Message) -> EmailView {
    let mut truncated = false;
    // `body_html` would turn a plain-text body into HTML: only a real HTML part is HTML.
    let html = message
        .html_bodies()
        .find(|p| p.is_text_html())
        .and_then(|p| p.text_contents());
    let body = if let Some(html) = html {
        let mut cut = String::new();
        truncated = !push_capped(&mut cut, html, MAX_BODY_BYTES);
        EmailBody::Html(sanitise(&cut))
    } else if let Some(text) = message.body_text(0) {
        let mut cut = String::new();
        truncated = !push_capped(&mut cut, &text, MAX_BODY_BYTES);
        EmailBody::Text(cut)
    } else {
        EmailBody::Empty
    };
    EmailView {
        headers: headers(message),
        body,
        attachments: message
            .attachments()
            .enumerate()
            .map(|(i, part)| EmailAttachment {
                name: attachment_name(part, i),
                size: part.contents().len() as u64,
            })
            .collect(),
        truncated,
    }
}

/// An email's HTML reduced to what cannot act: ammonia's safe subset (no script, style,
/// form, frame or event attribute; script and style contents dropped), minus every image
/// source, with links only to absolute http(s)/mailto addresses that open without telling
/// the target where they came from.
pub fn sanitise(html: &str) -> SanitisedHtml {
    SanitisedHtml(
        Builder::default()
            .rm_tag_attributes("img", &["src"])
            .rm_tags(&["map", "area"])
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .url_relative(UrlRelative::Deny)
            .link_rel(Some("noopener noreferrer nofollow"))
            .clean(html)
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eml(html: &str) -> Vec<u8> {
        format!(
            "From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nCc: cy@example.com\r\nSubject: Terms\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"terms.pdf\"\r\n\r\n%PDF-1.4 tiny\r\n--b--\r\n"
        )
        .into_bytes()
    }

    #[test]
    fn an_html_email_loses_its_scripts_styles_and_remote_images() {
        let v = email_view(&eml(
            "<p onclick=\"x()\">Agreed.</p><script>alert(1)</script><style>p{}</style><img src=\"https://tracker.example/p.gif\" alt=\"logo\"><a href=\"/sign-out\">rel</a><a href=\"javascript:alert(1)\">js</a><a href=\"https://example.com/t\">terms</a>",
        ))
        .unwrap();
        let EmailBody::Html(h) = &v.body else {
            panic!("an html body: {:?}", v.body)
        };
        let h = h.as_str();
        assert!(h.contains("Agreed."), "{h}");
        for gone in [
            "script",
            "alert",
            "style",
            "onclick",
            "tracker",
            "/sign-out",
            "javascript",
        ] {
            assert!(!h.contains(gone), "{gone} in {h}");
        }
        assert!(h.contains("alt=\"logo\""), "{h}");
        assert!(h.contains("href=\"https://example.com/t\""), "{h}");
        assert!(h.contains("noopener"), "{h}");
        assert_eq!(v.headers.subject, "Terms");
        assert_eq!(v.headers.from, "Ann <ann@example.com>");
        assert_eq!(v.headers.cc, vec!["cy@example.com".to_string()]);
        assert_eq!(v.attachments.len(), 1);
        assert_eq!(v.attachments[0].name, "terms.pdf");
        assert!(v.attachments[0].size > 0);
        assert!(!v.truncated);
    }

    #[test]
    fn a_plain_email_keeps_its_text_and_a_non_email_is_none() {
        let v =
            email_view(b"From: a@example.com\r\nSubject: Hi\r\n\r\n<b>not markup</b>\r\n").unwrap();
        assert_eq!(v.body, EmailBody::Text("<b>not markup</b>\r\n".into()));
        assert!(email_view(&vec![b'x'; (MAX_EMAIL_BYTES + 1) as usize]).is_none());
    }
}
