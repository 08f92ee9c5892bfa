//! SCIM's own error response (RFC 7644 §3.12):
//! `{"schemas": [Error URN], "status": "400", "scimType": "invalidFilter", "detail": "…"}`.
//! Every failure under /scim/v2 answers in this shape, never in the iManage envelope.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dossier_core::DomainError;
use serde_json::json;

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

#[derive(Debug)]
pub struct ScimError {
    pub status: StatusCode,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

pub type ScimResult<T> = Result<T, ScimError>;

impl ScimError {
    pub fn new(
        status: StatusCode,
        scim_type: Option<&'static str>,
        detail: impl Into<String>,
    ) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    /// A 400 with one of RFC 7644's `scimType` keywords.
    pub fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, detail)
    }

    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, Some("uniqueness"), detail)
    }

    pub fn precondition(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, None, detail)
    }

    /// A conflict raised while creating a resource is a clash with an existing one.
    pub fn on_create(e: DomainError) -> Self {
        match e {
            DomainError::Conflict(m) | DomainError::Exists { message: m, .. } => {
                Self::uniqueness(m)
            }
            other => other.into(),
        }
    }
}

impl From<DomainError> for ScimError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { message, .. } | DomainError::NoRecord { message, .. } => {
                Self::bad("invalidValue", message)
            }
            DomainError::NotFound(what) => Self::not_found(format!("{what} not found")),
            DomainError::Conflict(m) | DomainError::Exists { message: m, .. } => {
                Self::new(StatusCode::CONFLICT, None, m)
            }
            DomainError::Forbidden(m) => Self::new(StatusCode::FORBIDDEN, None, m),
            DomainError::Unauthenticated(m) => Self::new(StatusCode::UNAUTHORIZED, None, m),
            DomainError::RateLimited { .. } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, None, "too many requests")
            }
            DomainError::Unavailable(m) => {
                tracing::warn!(detail = %m, "storage unavailable");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, None, m)
            }
            DomainError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    None,
                    "an internal error occurred",
                )
            }
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type {
            body["scimType"] = json!(t);
        }
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(super::http::SCIM_JSON),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
