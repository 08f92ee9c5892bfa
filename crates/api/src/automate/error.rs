//! The façade's error dialect. The swaggers declare only a 200, so a failure answers
//! `{"error": {"code", "message", "field"?}}` with the fitting status: 400 naming the bad
//! field, 401, 403, 404 for what the caller may not read (missing or unreadable alike), 409,
//! 429, 503; a 500 only for the server's own faults, whose details are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dossier_core::DomainError;
use serde_json::json;

use crate::error::ApiError;

#[derive(Debug)]
pub struct AutomateError(pub DomainError);

pub type AutomateResult<T> = Result<T, AutomateError>;

impl From<DomainError> for AutomateError {
    fn from(e: DomainError) -> Self {
        AutomateError(e)
    }
}

/// The shared extractors (`Caller`, `Q`) and parsers refuse in the Work API's type; the
/// façade answers the same refusal in its own envelope.
impl From<ApiError> for AutomateError {
    fn from(e: ApiError) -> Self {
        AutomateError(e.0)
    }
}

impl AutomateError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AutomateError(DomainError::invalid(field, message))
    }
}

impl IntoResponse for AutomateError {
    fn into_response(self) -> Response {
        let (status, code) = match &self.0 {
            DomainError::Invalid { .. } => (StatusCode::BAD_REQUEST, "INVALID_INPUT"),
            DomainError::NoRecord { .. } => (StatusCode::BAD_REQUEST, "NO_RECORD"),
            DomainError::NotFound(_) => (StatusCode::NOT_FOUND, "NOT_FOUND"),
            DomainError::Conflict(_) | DomainError::Exists { .. } => {
                (StatusCode::CONFLICT, "CONFLICT")
            }
            DomainError::Forbidden(_) => (StatusCode::FORBIDDEN, "ACCESS_DENIED"),
            DomainError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"),
            DomainError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED"),
            DomainError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE"),
            DomainError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR"),
        };
        let message = match &self.0 {
            DomainError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "an internal error occurred".to_string()
            }
            DomainError::Unavailable(detail) => {
                tracing::warn!(%detail, "storage unavailable");
                detail.clone()
            }
            other => other.to_string(),
        };
        let mut error = json!({"code": code, "message": message});
        if let DomainError::Invalid { fields, .. } | DomainError::NoRecord { fields, .. } = &self.0
            && let Some(first) = fields.first()
        {
            error["field"] = json!(first.field);
            error["message"] = json!(first.message);
        }
        let mut response = (status, axum::Json(json!({ "error": error }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
