//! Dossier's webhook subscriptions under the Work API (docs/webhooks.md). Routes, below
//! `/customers/{customer}`:
//!
//! - `webhooks` GET (the caller's; an administrator's: all), POST (subscribe; the answer
//!   shows the secret, once)
//! - `webhooks/{id}` GET, PATCH (`url`, `events`, `filters`, `description`, `active`,
//!   `secret` or `rotate_secret: true`), DELETE
//! - `webhooks/{id}/deliveries` GET (the delivery log, newest first), `webhooks/{id}/dead-letters` GET
//! - `webhooks/{id}/replay` POST `{"since": "2026-01-01T00:00:00Z"}`
//! - `webhook-event-types` GET (the catalogue)
//!
//! A subscription body: `{"url", "events": ["document.created", "workspace.*", …],
//! "filters": {"library", "workspace_id", "class"}, "secret": "whsec_…", "description"}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use dossier_core::custom::parse_timestamp;
use dossier_core::webhooks::{
    DeliveryRecord, EventSelection, EventType, Webhook, WebhookFilters, event_id,
};
use dossier_core::{ContainerId, DomainError, LibraryId};
use dossier_service::Caller;
use dossier_service::webhooks::{NewWebhook, SavedWebhook, WebhookChanges};
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonObject, Params, Q};
use crate::fields;
use crate::reply;

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn webhook_json(w: &Webhook) -> Value {
    json!({
        "id": w.id,
        "url": w.url,
        "events": w.events.names().collect::<Vec<_>>(),
        "filters": {
            "library": w.filters.library.as_ref().map(|l| l.as_str()),
            "workspace_id": w.filters.workspace.as_ref().map(|c| c.to_string()),
            "class": w.filters.class,
        },
        "description": w.description,
        "active": w.active,
        "owner": {"user": w.owner_user, "app": w.owner_app},
        "last_event_id": (w.last_seq > 0).then(|| event_id(w.last_seq)),
        "failing_attempts": w.attempts,
        "next_attempt": (w.attempts > 0).then(|| time(w.next_attempt)),
        "create_date": time(w.created_at),
        "edit_date": time(w.updated_at),
    })
}

fn saved_json(s: &SavedWebhook) -> Value {
    let mut v = webhook_json(&s.webhook);
    if let (Some(secret), Some(o)) = (&s.secret, v.as_object_mut()) {
        o.insert("secret".into(), json!(secret));
    }
    v
}

fn delivery_json(d: &DeliveryRecord) -> Value {
    json!({
        "id": d.id,
        "event_id": event_id(d.seq),
        "event_type": d.event_type,
        "attempt": d.attempt,
        "date": d.at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "status_code": d.status,
        "latency_ms": d.latency_ms,
        "error": d.error,
        "outcome": d.outcome.as_str(),
    })
}

fn events(body: &Map<String, Value>) -> ApiResult<Option<EventSelection>> {
    match body.get("events") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => {
            let mut names = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => names.push(s.as_str()),
                    _ => {
                        return Err(ApiError::invalid(
                            "events",
                            "events must be a list of event type names",
                        ));
                    }
                }
            }
            Ok(Some(EventSelection::parse("events", names)?))
        }
        Some(_) => Err(ApiError::invalid(
            "events",
            "events must be a list of event type names",
        )),
    }
}

fn filters(body: &Map<String, Value>) -> ApiResult<Option<WebhookFilters>> {
    let f = match body.get("filters") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(f)) => f,
        Some(_) => {
            return Err(ApiError::invalid(
                "filters",
                "filters must be an object: {library, workspace_id, class}",
            ));
        }
    };
    let nonempty = |key: &str| -> ApiResult<Option<String>> {
        Ok(fields::text(f, key)?
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()))
    };
    let library = nonempty("library")?
        .map(|l| LibraryId::parse(&l.to_uppercase()))
        .transpose()
        .map_err(|_| ApiError::invalid("library", "library names no library"))?;
    let workspace = nonempty("workspace_id")?
        .map(|w| w.parse::<ContainerId>())
        .transpose()
        .map_err(|_| ApiError::invalid("workspace_id", "workspace_id is not a workspace id"))?;
    let class = nonempty("class")?.map(|c| c.to_uppercase());
    Ok(Some(WebhookFilters {
        library,
        workspace,
        class,
    }))
}

fn webhook_id(p: &Params) -> ApiResult<i64> {
    let raw = p.get("webhook")?;
    raw.parse()
        .map_err(|_| ApiError::not_found(format!("webhook {raw}")))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    let paging = q.paging(100)?;
    let page = paging.probe();
    let mut rows = state
        .dossier
        .webhooks(&caller, p.customer()?, page.after.unwrap_or(0), page.limit)
        .await?;
    let (_, cursor) = paging.finish(&mut rows, |w| w.id);
    Ok(reply::list(
        rows.iter().map(webhook_json).collect(),
        None,
        cursor,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let url = fields::text(&body, "url")?.ok_or_else(|| ApiError(DomainError::required("url")))?;
    let events = events(&body)?.ok_or_else(|| ApiError(DomainError::required("events")))?;
    let new = NewWebhook {
        url,
        events,
        filters: filters(&body)?.unwrap_or_default(),
        secret: fields::text(&body, "secret")?,
        description: fields::text(&body, "description")?.unwrap_or_default(),
    };
    let saved = state
        .dossier
        .create_webhook(&caller, p.customer()?, new)
        .await?;
    Ok(reply::created(saved_json(&saved)))
}

pub async fn get(State(state): State<AppState>, caller: Caller, p: Params) -> ApiResult<Response> {
    let w = state
        .dossier
        .webhook(&caller, p.customer()?, webhook_id(&p)?)
        .await?;
    Ok(reply::data(webhook_json(&w)))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let secret = match (
        fields::text(&body, "secret")?,
        fields::flag(&body, "rotate_secret")?.unwrap_or(false),
    ) {
        (Some(s), _) => Some(Some(s)),
        (None, true) => Some(None),
        (None, false) => None,
    };
    let changes = WebhookChanges {
        url: fields::text(&body, "url")?,
        events: events(&body)?,
        filters: filters(&body)?,
        description: fields::text(&body, "description")?,
        active: fields::flag(&body, "active")?,
        secret,
    };
    let saved = state
        .dossier
        .update_webhook(&caller, p.customer()?, webhook_id(&p)?, changes)
        .await?;
    Ok(reply::data(saved_json(&saved)))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    state
        .dossier
        .delete_webhook(&caller, p.customer()?, webhook_id(&p)?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn log(
    state: &AppState,
    caller: &Caller,
    p: &Params,
    q: &Q,
    dead: bool,
) -> ApiResult<Response> {
    let paging = q.paging(100)?;
    let page = paging.probe();
    let mut rows = state
        .dossier
        .webhook_deliveries(
            caller,
            p.customer()?,
            webhook_id(p)?,
            page.after.unwrap_or(0),
            dead,
            page.limit,
        )
        .await?;
    let (_, cursor) = paging.finish(&mut rows, |d| d.id);
    Ok(reply::list(
        rows.iter().map(delivery_json).collect(),
        None,
        cursor,
    ))
}

pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    log(&state, &caller, &p, &q, false).await
}

pub async fn dead_letters(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    log(&state, &caller, &p, &q, true).await
}

pub async fn replay(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let since =
        fields::text(&body, "since")?.ok_or_else(|| ApiError(DomainError::required("since")))?;
    let since = parse_timestamp(&since)
        .ok_or_else(|| ApiError::invalid("since", "since must be an ISO-8601 date-time"))?;
    let w = state
        .dossier
        .replay_webhook(&caller, p.customer()?, webhook_id(&p)?, since)
        .await?;
    Ok(reply::data(webhook_json(&w)))
}

/// The event catalogue: every type a subscription may name.
pub async fn event_types(_caller: Caller, p: Params) -> ApiResult<Response> {
    p.customer()?;
    Ok(reply::list(
        EventType::ALL
            .iter()
            .map(|t| json!({"id": t.as_str(), "object": t.family()}))
            .collect(),
        None,
        None,
    ))
}
