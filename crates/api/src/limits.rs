//! Limits on what one request may send, enforced in front of every handler, and the answers
//! that refuse a request in the format of the surface it was sent to (the OAuth endpoints'
//! RFC 6749 errors, SCIM's error messages, the Work API envelope for everything else):
//!
//! - a URI longer than `max_uri_bytes` is a 414; more than `max_header_count` header fields,
//!   or more than `max_header_bytes` of header names and values, a 431;
//! - a body that sends nothing for `body_read_timeout` while its handler waits for it is a
//!   408. The clock restarts with every chunk that arrives, so a slow upload that keeps
//!   sending is never cut off: no request has a limit on its total time.
//!
//! Each of these answers closes the connection, since the rest of the request is not read.
//! The transport (the `dossier` crate's accept loop) refuses some requests itself, before any
//! route sees them; `raw_refusal` writes those answers.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::error::{ApiError, envelope, field_message};
use crate::scim::error::ScimError;

/// What one request may send (the `max_uri_bytes`, `max_header_count`, `max_header_bytes`
/// and `body_read_timeout_seconds` settings).
#[derive(Clone, Copy, Debug)]
pub struct RequestLimits {
    pub max_uri_bytes: usize,
    pub max_header_count: usize,
    pub max_header_bytes: usize,
    pub body_read_timeout: Duration,
}

/// The middleware: refuses a request over the limits, and answers 408 for one whose body
/// stalled, whatever its handler made of the failed read.
pub async fn enforce(
    State(limits): State<RequestLimits>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(refused) = limits.refuse_head(&request) {
        return refused;
    }
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let stalled = Arc::new(AtomicBool::new(false));
    let path = request.uri().path().to_string();
    let request = request.map(|body| {
        Body::new(Stalling {
            inner: body,
            patience: limits.body_read_timeout,
            timer: None,
            armed: false,
            stalled: stalled.clone(),
        })
    });
    let response = next.run(request).await;
    if stalled.load(Ordering::Acquire) {
        return refusal(
            &path,
            StatusCode::REQUEST_TIMEOUT,
            "body",
            BodyStalled(limits.body_read_timeout).to_string(),
        );
    }
    response
}

impl RequestLimits {
    fn refuse_head(&self, request: &Request) -> Option<Response> {
        let uri = request.uri();
        let path = uri.path();
        let uri_bytes = uri.path_and_query().map_or(0, |p| p.as_str().len())
            + uri.authority().map_or(0, |a| a.as_str().len());
        if uri_bytes > self.max_uri_bytes {
            return Some(refusal(
                path,
                StatusCode::URI_TOO_LONG,
                "uri",
                format!(
                    "the request URI is longer than {} bytes",
                    self.max_uri_bytes
                ),
            ));
        }
        let headers = request.headers();
        if headers.len() > self.max_header_count {
            return Some(refusal(
                path,
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers",
                format!(
                    "the request has more than {} header fields",
                    self.max_header_count
                ),
            ));
        }
        let header_bytes: usize = headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        if header_bytes > self.max_header_bytes {
            return Some(refusal(
                path,
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers",
                format!(
                    "the request's header names and values are longer than {} bytes",
                    self.max_header_bytes
                ),
            ));
        }
        None
    }
}

/// The surface a path belongs to, for answers written before any handler runs: each
/// surface's clients read only their own error format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    /// The authorization server: RFC 6749 errors.
    OAuth,
    Scim,
    /// The Power Automate façade.
    Automate,
    /// The Work API's envelope, for everything else.
    Work,
}

impl Surface {
    pub fn of(path: &str) -> Surface {
        if ["/auth/", "/automate/work/auth/", "/.well-known/"]
            .iter()
            .any(|p| path.starts_with(p))
        {
            Surface::OAuth
        } else if path.starts_with("/scim/") {
            Surface::Scim
        } else if path.starts_with("/automate/work/") {
            Surface::Automate
        } else {
            Surface::Work
        }
    }
}

/// A refusal in the format of the surface `path` belongs to, closing the connection.
fn refusal(path: &str, status: StatusCode, field: &str, message: String) -> Response {
    let mut response = match Surface::of(path) {
        Surface::OAuth => crate::oauth::oauth_error(status, "invalid_request", &message),
        Surface::Scim => ScimError::new(status, None, message).into_response(),
        Surface::Automate => {
            let mut r =
                crate::automate::error::AutomateError::invalid(field, message).into_response();
            *r.status_mut() = status;
            r
        }
        Surface::Work => {
            let mut r = ApiError::invalid(field, message).into_response();
            *r.status_mut() = status;
            r
        }
    };
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The refusals the transport writes itself, before a request reaches any route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportRefusal {
    /// Not HTTP/1.1 the parser can read: the request line, a header or the framing.
    Malformed,
    /// A URI beyond what the parser reads at all.
    UriTooLong,
    /// A request head beyond what the parser reads at all.
    HeadTooLarge,
    /// Every connection the server accepts is taken.
    Busy { retry_after_secs: u64 },
}

/// A whole HTTP/1.1 answer in the Work API envelope that closes the connection: the
/// transport writes it to the socket as it is.
pub fn raw_refusal(refusal: TransportRefusal) -> Vec<u8> {
    let (status, field, message) = match refusal {
        TransportRefusal::Malformed => (
            StatusCode::BAD_REQUEST,
            "request",
            "the request is not valid HTTP/1.1: its request line, a header or its framing is malformed".to_string(),
        ),
        TransportRefusal::UriTooLong => (
            StatusCode::URI_TOO_LONG,
            "uri",
            "the request URI is too long".to_string(),
        ),
        TransportRefusal::HeadTooLarge => (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers",
            "the request's header fields are too large or too many".to_string(),
        ),
        TransportRefusal::Busy { retry_after_secs } => (
            StatusCode::SERVICE_UNAVAILABLE,
            "",
            format!(
                "the server has too many open connections; try again in {retry_after_secs} seconds"
            ),
        ),
    };
    let body = match refusal {
        TransportRefusal::Busy { .. } => envelope("NRC_SERVICE_UNAVAILABLE", &message, vec![]),
        _ => envelope(
            "NRC_INVALID_INPUT",
            &message,
            vec![field_message(field, "invalid", &message)],
        ),
    }
    .to_string();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        status.as_str(),
        status.canonical_reason().unwrap_or_default(),
        body.len()
    );
    if let TransportRefusal::Busy { retry_after_secs } = refusal {
        head.push_str(&format!("retry-after: {retry_after_secs}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(&body);
    head.into_bytes()
}

/// Why a stalled body's read failed.
#[derive(Debug)]
struct BodyStalled(Duration);

impl std::fmt::Display for BodyStalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body sent no bytes for {} seconds",
            self.0.as_secs()
        )
    }
}

impl std::error::Error for BodyStalled {}

/// A request body that fails once it has been waited on for `patience` without a chunk
/// arriving. The timer runs only while the handler waits: a handler busy with what it has
/// already read does not use up the client's patience.
struct Stalling {
    inner: Body,
    patience: Duration,
    timer: Option<Pin<Box<Sleep>>>,
    /// Whether `timer` counts down the current wait (it is kept between waits, reset).
    armed: bool,
    stalled: Arc<AtomicBool>,
}

impl HttpBody for Stalling {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        if this.stalled.load(Ordering::Acquire) {
            return Poll::Ready(Some(Err(axum::Error::new(BodyStalled(this.patience)))));
        }
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            this.armed = false;
            return Poll::Ready(frame);
        }
        let deadline = Instant::now() + this.patience;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if !this.armed {
            timer.as_mut().reset(deadline);
        }
        this.armed = true;
        ready!(timer.as_mut().poll(cx));
        this.stalled.store(true, Ordering::Release);
        Poll::Ready(Some(Err(axum::Error::new(BodyStalled(this.patience)))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    fn stalling(inner: Body, patience: Duration) -> (Body, Arc<AtomicBool>) {
        let stalled = Arc::new(AtomicBool::new(false));
        let body = Body::new(Stalling {
            inner,
            patience,
            timer: None,
            armed: false,
            stalled: stalled.clone(),
        });
        (body, stalled)
    }

    #[tokio::test]
    async fn a_body_that_sends_passes_whole() {
        let chunks = futures::stream::iter(0..40)
            .map(|i| Ok::<_, std::io::Error>(Bytes::from(vec![i as u8; 10])));
        let (body, stalled) = stalling(Body::from_stream(chunks), Duration::from_secs(60));
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        assert_eq!(bytes.len(), 400);
        assert!(!stalled.load(Ordering::Acquire));
    }

    #[tokio::test]
    async fn a_body_that_stops_sending_fails_and_says_why() {
        // One chunk, then nothing ever again.
        let chunks = futures::stream::once(async { Ok::<_, std::io::Error>(Bytes::from("part")) })
            .chain(futures::stream::pending());
        let (body, stalled) = stalling(Body::from_stream(chunks), Duration::from_millis(200));
        let e = axum::body::to_bytes(body, usize::MAX).await.unwrap_err();
        assert!(stalled.load(Ordering::Acquire));
        assert!(
            e.to_string().contains("the request body sent no bytes for"),
            "{e}"
        );
    }

    #[test]
    fn raw_refusals_are_whole_answers_with_an_envelope() {
        let raw = String::from_utf8(raw_refusal(TransportRefusal::Busy {
            retry_after_secs: 2,
        }))
        .unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        assert!(
            head.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
            "{head}"
        );
        assert!(head.contains("\r\nretry-after: 2"), "{head}");
        assert!(head.contains("\r\nconnection: close"), "{head}");
        assert!(
            head.contains(&format!("\r\ncontent-length: {}", body.len())),
            "{head}"
        );
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["error"]["code"], "NRC_SERVICE_UNAVAILABLE");

        let raw = String::from_utf8(raw_refusal(TransportRefusal::HeadTooLarge)).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["error"]["code"], "NRC_INVALID_INPUT");
        assert_eq!(json["error"]["messages"][0]["field"], "headers");
    }
}
