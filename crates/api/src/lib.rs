//! The HTTP surfaces. Only this crate knows wire formats: it turns requests into service
//! calls and domain records into the shapes each client expects.
//!
//! - `work`: the iManage Work API v2 under `/work/api/v2`, `/api/v2` and with no prefix
//!   at all (`/customers/…`), discovery at `/api` and `/work/api`.
//! - `automate`: the Power Automate connectors' RPC façade under `/automate/work`.
//! - `idempotency`: the `Idempotency-Key` layer in front of creating calls.
//! - `oauth`: the token endpoint (password and refresh_token grants) and revocation.
//! - `users_v1`: the v1 user-management API under `/api/v1/customers/{database}`.
//! - `scim`: SCIM 2.0 provisioning of users and groups under `/scim/v2`.
//! - `limits`: what one request may send, enforced in front of every handler;
//!   `origin`: the public base URL absolute URLs are built from; `proxies`: the client's
//!   address behind trusted reverse proxies; `rate_limit`: requests per user and per
//!   address.
//! - `ops`: what operators' tools read: `/healthz`, `/readyz`, `/metrics`;
//!   `access_log`: a line per request with a request id, returned as `X-Request-Id`.

pub mod access_log;
pub mod automate;
pub mod dto;
pub mod error;
pub mod extract;
pub mod fields;
pub mod idempotency;
pub mod identity_wire;
pub mod limits;
pub mod oauth;
pub mod ops;
pub mod origin;
pub mod proxies;
pub mod rate_limit;
pub mod reply;
pub mod scim;
pub mod users_v1;
pub mod work;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use dossier_service::Dossier;

use crate::error::ApiError;

#[derive(Clone)]
pub struct AppState {
    pub dossier: Arc<Dossier>,
    /// The largest upload accepted, in bytes.
    pub max_upload_bytes: u64,
    /// What one request may send (URI, headers, a stalling body).
    pub limits: limits::RequestLimits,
    /// The reverse proxies that may name the client (`X-Forwarded-For`, `Forwarded`).
    pub trusted_proxies: Arc<proxies::TrustedProxies>,
    /// The bearer token a metrics scraper sends for `/metrics` (administrators' tokens
    /// work too); `None`: administrators only.
    pub metrics_token: Option<Arc<str>>,
    /// How fast one user, or one address without a token, may call (`rate_limit`).
    pub rate_limits: Arc<rate_limit::RateLimits>,
}

/// The whole HTTP application: the API surfaces of this crate, plus `pages` (the web
/// client, which lives in its own crate over this one), all behind the same layers.
pub fn router(state: AppState, pages: Router<AppState>) -> Router {
    let v2 = work::router(&state);
    Router::new()
        .merge(pages)
        .route("/api", get(work::discovery::discovery))
        .route("/work/api", get(work::discovery::discovery))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .nest("/work/api/v2", v2.clone())
        .nest("/api/v2", v2.clone())
        // Integration platforms (Paragon) send Work API paths without the prefix; its
        // routes all start `/customers/`, which no other surface uses.
        .merge(v2)
        .merge(oauth::router())
        .merge(users_v1::router(&state))
        .nest("/scim/v2", scim::router())
        .nest("/automate/work", automate::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.limits,
            limits::enforce,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            ApiError(dossier_core::DomainError::internal(
                "a request handler panicked",
            ))
            .into_response()
        }))
        .layer(axum::middleware::from_fn(access_log::log_requests))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("this resource")
}

async fn method_not_allowed() -> impl IntoResponse {
    let body = error::envelope(
        "NRC_METHOD_NOT_ALLOWED",
        "this method is not allowed on this resource",
        vec![],
    );
    (StatusCode::METHOD_NOT_ALLOWED, axum::Json(body))
}
