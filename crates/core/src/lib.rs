//! Pure domain types and rules of Dossier: identifiers, profile fields and their kinds,
//! document types, default security, history activities and the domain error.
//! Nothing in this crate performs I/O, so every rule here is testable in isolation.

pub mod access;
pub mod activity;
pub mod changes;
pub mod classes;
pub mod custom;
pub mod disposal;
pub mod doc_type;
pub mod email;
pub mod error;
pub mod events;
pub mod fields;
pub mod idempotency;
pub mod identity;
pub mod ids;
pub mod limits;
pub mod matters;
pub mod metadata;
pub mod model;
pub mod query;
pub mod security;
pub mod templates;
pub mod walls;
pub mod webhooks;
pub mod workflows;

pub use activity::Activity;
pub use custom::{CustomKind, CustomValue, CustomValues, Scalar};
pub use error::{DomainError, FieldError};
pub use ids::{ContainerId, DocumentId, DocumentRef, LibraryId};
pub use security::{AccessLevel, DefaultSecurity};
