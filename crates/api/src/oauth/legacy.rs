//! iManage Work 10's session login: `PUT /api/v1/session/login` with JSON
//! `{user_id, password, persona?}` → `{"X-Auth-Token": …, "customer_id": …}`; failures are
//! `{"error": {"message": …}}`, the shape those clients read.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dossier_core::DomainError;
use dossier_service::oauth::{GrantContext, OAuthError};
use serde_json::{Value, json};

use super::issuer;
use crate::AppState;
use crate::extract::ClientAddress;

fn failure(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": {"message": message}}))).into_response()
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return failure(
            StatusCode::BAD_REQUEST,
            "the body must be a JSON object with user_id and password",
        );
    };
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let (Some(user), Some(password)) = (text("user_id"), text("password")) else {
        return failure(StatusCode::BAD_REQUEST, "user_id and password are required");
    };
    // The admin persona asks for administration, which only administrators get.
    let scope = (text("persona") == Some("admin")).then_some("admin");
    let ctx = GrantContext {
        issuer: issuer(&state, &headers),
        address,
    };
    match state
        .dossier
        .password_grant(None, user, password, scope, &ctx)
        .await
    {
        Ok(t) => Json(json!({
            "X-Auth-Token": t.access_token,
            "customer_id": state.dossier.settings.customer_id,
        }))
        .into_response(),
        Err(OAuthError::Refused { description, .. }) => {
            failure(StatusCode::UNAUTHORIZED, &description)
        }
        Err(OAuthError::Failed(DomainError::RateLimited { retry_after_secs })) => {
            let mut r = failure(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("too many failed sign-ins; try again in {retry_after_secs} seconds"),
            );
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Err(OAuthError::Failed(e)) => {
            let status = match e {
                DomainError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            tracing::error!(error = %e, "session login failed");
            failure(
                status,
                "the sign-in could not be completed; try again later",
            )
        }
    }
}
