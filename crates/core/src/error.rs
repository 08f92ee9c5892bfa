//! The one domain error. Each surface maps it to its own wire format (the iManage envelope,
//! SCIM errors, OAuth errors, HTML pages); the user-facing message is separate from any
//! internal detail, which is only logged.

use std::fmt;

/// A problem with one named input field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The input is malformed or violates a rule; lists the offending fields.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: Vec<FieldError>,
    },
    /// The object does not exist, or the caller may not know that it does.
    #[error("{0} not found")]
    NotFound(String),
    /// A lookup alias that does not exist in the library's table.
    #[error("{message}")]
    NoRecord {
        message: String,
        fields: Vec<FieldError>,
    },
    /// The request conflicts with the object's state (non-empty folder, checked out, ...).
    #[error("{0}")]
    Conflict(String),
    /// What the request would create exists already, as `existing` (an id the caller may
    /// read): a second workspace for a client and matter the library keeps unique.
    #[error("{message}")]
    Exists { message: String, existing: String },
    /// The caller can see the object but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// No valid credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many attempts; retry after the given number of seconds.
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    /// The content store or the database could not take the write (full disk, unwritable
    /// directory, unreachable server). Not the client's fault, but not a bug either.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; the detail is logged, never shown.
    #[error("internal error")]
    Internal(String),
}

impl DomainError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        DomainError::Invalid {
            fields: vec![FieldError {
                field: field.to_string(),
                code: "invalid",
                message: message.clone(),
            }],
            message,
        }
    }

    pub fn required(field: &str) -> Self {
        let message = format!("{field} is required");
        DomainError::Invalid {
            fields: vec![FieldError {
                field: field.to_string(),
                code: "required",
                message: message.clone(),
            }],
            message,
        }
    }

    pub fn not_found(what: impl fmt::Display) -> Self {
        DomainError::NotFound(what.to_string())
    }

    pub fn internal(detail: impl fmt::Display) -> Self {
        DomainError::Internal(detail.to_string())
    }
}

pub type DomainResult<T> = Result<T, DomainError>;
