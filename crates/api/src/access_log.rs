//! One log line per request at `info` (the access log), and a request id that ties the line,
//! everything logged while the request was answered and the client's view together: it is
//! returned in `X-Request-Id`, and a well-formed id the client (or its proxy) sent is kept,
//! so one id can follow a request through several systems; audit records written while
//! the request is answered carry it too.

use std::time::Instant;

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, header::HeaderName};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id a client sent, if it is short and plain enough to log and echo safely.
fn sent_id(request: &Request) -> Option<String> {
    let id = request.headers().get(&REQUEST_ID)?.to_str().ok()?;
    let plain = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    plain.then(|| id.to_string())
}

pub async fn log_requests(request: Request, next: Next) -> Response {
    let id = sent_id(&request).unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let peer = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let span = tracing::info_span!("request", request_id = %id);
    let started = Instant::now();
    // The id reaches the audit records the handler writes (`dossier_service::request`).
    let mut response = dossier_service::request::serving(id.as_str().into(), next.run(request))
        .instrument(span.clone())
        .await;
    span.in_scope(|| {
        tracing::info!(
            target: "dossier::access",
            %method,
            path,
            status = response.status().as_u16(),
            millis = started.elapsed().as_millis() as u64,
            peer,
            "answered"
        )
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}
