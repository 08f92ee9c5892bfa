//! What operators' tools read: `/healthz` (liveness: the process answers and its database
//! does), `/readyz` (readiness: the database, the content store and the search index can
//! serve) and `/metrics` (Prometheus text). `/metrics` names libraries and counts documents,
//! so it needs the scraper's token (`metrics_token`, sent as `Authorization: Bearer …`) or
//! an administrator's token.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dossier_core::DomainError;
use dossier_service::Caller;
use dossier_service::auth::token_hash;
use serde_json::json;

use crate::AppState;
use crate::error::ApiError;

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.dossier.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

/// 200 when every part a request may need answers; 503 naming the parts that do not, so a
/// load balancer sends no traffic to a node that would fail it.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let d = &state.dossier;
    let mut failing = Vec::new();
    if let Err(e) = d.ping().await {
        failing.push(json!({"part": "database", "error": e.to_string()}));
    }
    if let Err(e) = d.ping_content().await {
        failing.push(json!({"part": "content store", "error": e.to_string()}));
    }
    if let Err(e) = d.search() {
        failing.push(json!({"part": "search index", "error": e.to_string()}));
    }
    if failing.is_empty() {
        (StatusCode::OK, axum::Json(json!({"status": "ready"}))).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"status": "not ready", "failing": failing})),
        )
            .into_response()
    }
}

/// The scraper's own token, compared by hash so the comparison's time says nothing of it.
fn is_scraper(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(expected) = &state.metrics_token else {
        return false;
    };
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .is_some_and(|(_, sent)| token_hash(sent.trim()) == token_hash(expected))
}

/// Prometheus text exposition of the search index's lag (the figures an operator alerts on:
/// a stuck indexer shows as a growing lag).
pub async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Result<Caller, ApiError>,
) -> Response {
    if !is_scraper(&state, &headers) {
        match caller {
            Err(e) => return e.into_response(),
            Ok(c) if !c.is_admin => {
                return ApiError(DomainError::Forbidden(
                    "/metrics is for administrators and the metrics scraper (metrics_token)".into(),
                ))
                .into_response();
            }
            Ok(_) => {}
        }
    }
    use std::fmt::Write;
    let lag = match state.dossier.lag().await {
        Ok(l) => l,
        Err(e) => return ApiError(e).into_response(),
    };
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, samples: &[(String, String)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let plain = |v: String| vec![(String::new(), v)];
    gauge(
        "dossier_search_applied_sequence",
        "Outbox sequence the search index reflects.",
        &plain(lag.applied_seq.to_string()),
    );
    gauge(
        "dossier_search_lag_events",
        "Outbox events not yet applied to the search index.",
        &plain((lag.newest_seq - lag.applied_seq).max(0).to_string()),
    );
    gauge(
        "dossier_search_lag_seconds",
        "Age of the oldest outbox event not yet applied to the search index.",
        &plain(lag.lag_seconds.to_string()),
    );
    gauge(
        "dossier_search_index_entries",
        "Documents in the search index.",
        &plain(lag.entries.to_string()),
    );
    let by_outcome: Vec<(String, String)> = lag
        .outcomes
        .iter()
        .map(|(lib, outcome, n)| {
            (
                format!("{{library=\"{lib}\",status=\"{outcome}\"}}"),
                n.to_string(),
            )
        })
        .collect();
    gauge(
        "dossier_search_documents",
        "Documents by index status (indexed, metadata_only, failed).",
        &by_outcome,
    );
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
        .into_response()
}
