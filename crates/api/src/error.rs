//! The iManage error envelope: every failure of the Work API answers
//! `{"error": {"code", "code_message", "messages": [{field, code, code_message}]}}` with the
//! fitting status. Internal details are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dossier_core::DomainError;
use serde_json::{Value, json};

#[derive(Debug)]
pub struct ApiError(pub DomainError);

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError(DomainError::invalid(field, message))
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError(DomainError::not_found(what))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = match &self.0 {
            DomainError::Invalid { .. } => (StatusCode::BAD_REQUEST, "NRC_INVALID_INPUT"),
            DomainError::NoRecord { .. } => (StatusCode::BAD_REQUEST, "NRC_NO_RECORD"),
            DomainError::NotFound(_) => (StatusCode::NOT_FOUND, "NRC_NOT_FOUND"),
            DomainError::Conflict(_) | DomainError::Exists { .. } => {
                (StatusCode::CONFLICT, "NRC_CONFLICT")
            }
            DomainError::Forbidden(_) => (StatusCode::FORBIDDEN, "NRC_ACCESS_DENIED"),
            DomainError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "NRC_UNAUTHORIZED"),
            DomainError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "NRC_RATE_LIMITED"),
            DomainError::Unavailable(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "NRC_SERVICE_UNAVAILABLE")
            }
            DomainError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "NRC_INTERNAL_ERROR"),
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
        let messages: Vec<_> = match &self.0 {
            DomainError::Invalid { fields, .. } | DomainError::NoRecord { fields, .. } => fields
                .iter()
                .map(|f| field_message(&f.field, f.code, &f.message))
                .collect(),
            _ => vec![],
        };
        let mut body = envelope(code, &message, messages);
        if let DomainError::Exists { existing, .. } = &self.0 {
            body["error"]["existing_id"] = Value::String(existing.clone());
        }
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let DomainError::RateLimited { retry_after_secs } = self.0
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// `{"error": {"code", "code_message", "messages"}}`, also for answers written outside a
/// handler (`crate::limits::raw_refusal`).
pub fn envelope(code: &str, message: &str, messages: Vec<Value>) -> Value {
    json!({"error": {"code": code, "code_message": message, "messages": messages}})
}

/// One entry of the envelope's `messages`.
pub fn field_message(field: &str, code: &str, message: &str) -> Value {
    json!({"field": field, "code": code, "code_message": message})
}
