//! `Idempotency-Key` on creating calls, as one layer any surface puts in front of its
//! creating routes (`.layer(idempotent(&state))`): a POST carrying the header is
//! authenticated, its key claimed through `Dossier::claim_idempotency_key`, and then
//! - a new key: the request runs while its body is hashed on the way through (an upload is
//!   never held in memory to be hashed); a 2xx answer is remembered with the request's
//!   fingerprint, any other answer releases the key so the attempt can be retried;
//! - a key whose first request succeeded: the retry's body is hashed (and dropped) and,
//!   when it is the same request, the first answer is replayed with `Idempotent-Replayed:
//!   true` and nothing runs; another request is a 409;
//! - a key whose first request is still running: a 409, nothing runs.
//!
//! The first request runs in a task of its own, so a client that hangs up does not cancel
//! it half-way: it completes (and is remembered) or fails (and frees its key) either way.
//!
//! Errors are rendered by the surface's own function (`Idempotent::new`).

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use dossier_core::DomainError;
use dossier_core::idempotency::{Claim, IdempotencyKey, RequestFingerprint, StoredAnswer};
use dossier_service::Caller;
use dossier_service::idempotency::RequestHasher;
use futures::{FutureExt, StreamExt};
use tower::{Layer, Service, ServiceExt};

use crate::AppState;
use crate::error::ApiError;

pub const KEY_HEADER: &str = "idempotency-key";
/// Marks a replayed answer.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
/// The answer headers a creating call's client reads, and so a replay repeats.
const REMEMBERED_HEADERS: [&str; 4] = ["content-type", "location", "etag", "last-modified"];
/// The largest answer remembered: creations answer with one object, far below this.
const MAX_ANSWER_BYTES: usize = 4 << 20;

/// Renders a refusal in the surface's error format.
pub type Render = fn(DomainError) -> Response;

/// The layer: the application state and the surface's error format.
#[derive(Clone)]
pub struct Idempotent {
    state: AppState,
    render: Render,
}

impl Idempotent {
    pub fn new(state: &AppState, render: Render) -> Self {
        Idempotent {
            state: state.clone(),
            render,
        }
    }
}

/// The layer for surfaces answering errors in the iManage envelope (Work API v2, v1 users).
pub fn idempotent(state: &AppState) -> Idempotent {
    Idempotent::new(state, |e| ApiError(e).into_response())
}

impl<S> Layer<S> for Idempotent {
    type Service = IdempotentService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        IdempotentService {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct IdempotentService<S> {
    inner: S,
    layer: Idempotent,
}

impl<S> Service<Request> for IdempotentService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The readied service runs this request; the clone stays for the next one.
        let fresh = self.inner.clone();
        let ready = std::mem::replace(&mut self.inner, fresh);
        let layer = self.layer.clone();
        Box::pin(async move { Ok(layer.handle(ready, req).await) })
    }
}

impl Idempotent {
    async fn handle<S>(&self, inner: S, req: Request) -> Response
    where
        S: Service<Request, Response = Response, Error = Infallible> + Send + 'static,
        S::Future: Send,
    {
        let raw = match req.headers().get(KEY_HEADER) {
            Some(raw) if req.method() == Method::POST => raw.clone(),
            _ => return run(inner, req).await,
        };
        let key = match raw
            .to_str()
            .map_err(|_| DomainError::invalid("Idempotency-Key", "not visible ASCII"))
            .and_then(IdempotencyKey::parse)
        {
            Ok(k) => k,
            Err(e) => return (self.render)(e),
        };
        let (mut parts, body) = req.into_parts();
        let caller = match Caller::from_request_parts(&mut parts, &self.state).await {
            Ok(c) => c,
            Err(ApiError(e)) => return (self.render)(e),
        };
        // The handler finds the caller here instead of authenticating again.
        parts.extensions.insert(caller.clone());
        // The path as this router sees it: the same request under any alias prefix.
        let target = parts
            .uri
            .path_and_query()
            .map_or(parts.uri.path(), |pq| pq.as_str());
        let hasher = RequestHasher::new(parts.method.as_str(), target);
        let dossier = &self.state.dossier;
        match dossier.claim_idempotency_key(&caller, &key).await {
            Err(e) => (self.render)(e),
            Ok(Claim::Completed(first)) => {
                let cap = self.state.max_upload_bytes.saturating_add(1 << 20);
                match hash_all(hasher, body, cap).await {
                    Ok(fingerprint) => match first.replay_for(&fingerprint) {
                        Ok(answer) => replay(answer),
                        Err(e) => (self.render)(e),
                    },
                    Err(e) => (self.render)(e),
                }
            }
            Ok(Claim::Reserved) => {
                // Detached from the connection: a client that gives up (a timeout, a dropped
                // connection) does not cancel the creation half-way or leave the key
                // reserved; its retry finds the answer remembered.
                let this = self.clone();
                let request = Request::from_parts(parts, body);
                let task = tokio::spawn(async move {
                    this.first_attempt(inner, request, hasher, &caller, &key)
                        .await
                });
                match task.await {
                    Ok(response) => response,
                    Err(e) => {
                        tracing::error!(error = %e, "an idempotent request's task failed");
                        (self.render)(DomainError::internal("the request failed"))
                    }
                }
            }
        }
    }

    /// Runs the request that reserved `key`: remembers a 2xx answer, releases the key
    /// after anything else (a panic included).
    async fn first_attempt<S>(
        &self,
        inner: S,
        request: Request,
        hasher: RequestHasher,
        caller: &Caller,
        key: &IdempotencyKey,
    ) -> Response
    where
        S: Service<Request, Response = Response, Error = Infallible> + Send,
        S::Future: Send,
    {
        let (parts, body) = request.into_parts();
        let (body, hashing) = tee(hasher, body);
        let ran = AssertUnwindSafe(run(inner, Request::from_parts(parts, body)))
            .catch_unwind()
            .await;
        let response = match ran {
            Ok(r) if r.status().is_success() => r,
            other => {
                hashing.abort();
                self.release(caller, key).await;
                return other.unwrap_or_else(|_| {
                    tracing::error!("a request handler panicked");
                    (self.render)(DomainError::internal("a request handler panicked"))
                });
            }
        };
        let Ok(Some(fingerprint)) = hashing.await else {
            self.release(caller, key).await;
            return response;
        };
        self.remember(caller, key, &fingerprint, response).await
    }

    /// Keeps a successful answer for replays and sends it on.
    async fn remember(
        &self,
        caller: &Caller,
        key: &IdempotencyKey,
        fingerprint: &RequestFingerprint,
        response: Response,
    ) -> Response {
        let (parts, body) = response.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_ANSWER_BYTES).await {
            Ok(b) => b,
            Err(e) => {
                // The object was made, but its answer cannot be kept: the key stays reserved
                // (a retry is told it is in progress) rather than let a retry create again.
                tracing::error!(error = %e, "cannot read a creating call's answer to remember it");
                return (self.render)(DomainError::internal("the answer could not be read"));
            }
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            // Creations answer JSON. Were one ever to answer otherwise, its key stays
            // reserved as above: a retry is told it is in progress, never creates twice.
            tracing::warn!("a creating call answered with a body that is not text; not remembered");
            return Response::from_parts(parts, Body::from(bytes));
        };
        let answer = StoredAnswer {
            status: parts.status.as_u16(),
            headers: REMEMBERED_HEADERS
                .iter()
                .filter_map(|name| {
                    let v = parts.headers.get(*name)?.to_str().ok()?;
                    Some(((*name).to_string(), v.to_string()))
                })
                .collect(),
            body: text.to_string(),
        };
        if let Err(e) = self
            .state
            .dossier
            .remember_answer(caller, key, fingerprint, &answer)
            .await
        {
            tracing::error!(error = %e, "cannot remember the answer to an idempotent request");
        }
        Response::from_parts(parts, Body::from(bytes))
    }

    async fn release(&self, caller: &Caller, key: &IdempotencyKey) {
        if let Err(e) = self
            .state
            .dossier
            .release_idempotency_key(caller, key)
            .await
        {
            tracing::warn!(error = %e, "cannot release an idempotency key");
        }
    }
}

async fn run<S>(inner: S, req: Request) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    match inner.oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

/// Passes `body` on to the handler through a small channel while hashing it. When the
/// handler stops reading early the rest is still read and hashed (not kept), so the
/// fingerprint is always of the whole body; `None` when the body could not be read.
fn tee(
    mut hasher: RequestHasher,
    body: Body,
) -> (Body, tokio::task::JoinHandle<Option<RequestFingerprint>>) {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, axum::Error>>(8);
    let hashing = tokio::spawn(async move {
        let mut stream = body.into_data_stream();
        let mut forwarding = true;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(bytes) => {
                    hasher.update(&bytes);
                    if forwarding && tx.send(Ok(bytes)).await.is_err() {
                        forwarding = false;
                    }
                }
                Err(e) => {
                    if forwarding {
                        let _ = tx.send(Err(e)).await;
                    }
                    return None;
                }
            }
        }
        Some(hasher.finish())
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    (Body::from_stream(stream), hashing)
}

/// Hashes a retry's body without keeping it; a body larger than any request this
/// surface accepts cannot be a retry.
async fn hash_all(
    mut hasher: RequestHasher,
    body: Body,
    cap: u64,
) -> Result<RequestFingerprint, DomainError> {
    let mut stream = body.into_data_stream();
    let mut seen: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let bytes = chunk
            .map_err(|_| DomainError::invalid("body", "the request body could not be read"))?;
        seen = seen.saturating_add(bytes.len() as u64);
        if seen > cap {
            return Err(DomainError::invalid(
                "body",
                "the request body is larger than any request this server accepts",
            ));
        }
        hasher.update(&bytes);
    }
    Ok(hasher.finish())
}

/// The remembered answer again, marked as a replay.
fn replay(answer: StoredAnswer) -> Response {
    let mut r = Response::new(Body::from(answer.body));
    *r.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    for (name, value) in answer.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            r.headers_mut().insert(n, v);
        }
    }
    r.headers_mut()
        .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    r
}
