//! `POST /auth/oauth2/token` (password and refresh_token grants, form-encoded) and
//! `POST /auth/oauth2/revoke-token`. Errors follow RFC 6749 §5.2 here, not the envelope.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use dossier_core::DomainError;
use serde_json::json;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/oauth2/token", post(token))
        .route("/auth/oauth2/revoke-token", post(revoke))
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut r = (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    r
}

fn from_domain(e: DomainError) -> Response {
    match e {
        DomainError::Unauthenticated(m) => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", &m)
        }
        DomainError::Invalid { message, .. } => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &message)
        }
        other => crate::error::ApiError(other).into_response(),
    }
}

async fn token(
    State(state): State<AppState>,
    form: Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the token request must be application/x-www-form-urlencoded",
        );
    };
    let field = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let issued = match field("grant_type") {
        Some("password") => {
            let (Some(user), Some(password)) = (field("username"), field("password")) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "username and password are required",
                );
            };
            state
                .dossier
                .password_grant(user, password, field("scope"))
                .await
        }
        Some("refresh_token") => {
            let Some(refresh) = field("refresh_token") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required",
                );
            };
            state.dossier.refresh_grant(refresh).await
        }
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant type '{other}' is not supported"),
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
    };
    match issued {
        Ok(t) => {
            let mut r = Json(json!({"access_token": t.access_token, "refresh_token": t.refresh_token, "token_type": "Bearer", "expires_in": t.expires_in, "scope": t.scope})).into_response();
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            r
        }
        Err(e) => from_domain(e),
    }
}

/// Revokes the token in `access_token` (iManage's form) or `token` (RFC 7009). Unknown
/// tokens are not an error, as RFC 7009 §2.2 requires.
async fn revoke(
    State(state): State<AppState>,
    form: Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the revocation request must be application/x-www-form-urlencoded",
        );
    };
    let Some(token) = form
        .get("access_token")
        .or_else(|| form.get("token"))
        .filter(|t| !t.is_empty())
    else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "access_token is required",
        );
    };
    match state.dossier.revoke(token).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => from_domain(e),
    }
}
