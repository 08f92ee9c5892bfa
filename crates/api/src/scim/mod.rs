//! SCIM 2.0 provisioning (RFC 7643, RFC 7644) at `/scim/v2`, for Entra ID, Okta and other
//! identity providers to create, update, deactivate and delete users and groups.
//!
//! - `schema`: the attribute table behind filtering, projection, PATCH and `/Schemas`.
//! - `filter`: the filter language (and PATCH paths); `patch`: PATCH over SCIM JSON.
//! - `resources`: domain records ↔ SCIM JSON; `query`: listing, paging and projection.
//! - `users`, `groups`: the resource endpoints; `discovery`: ServiceProviderConfig,
//!   ResourceTypes and Schemas; `search`: POST /.search over both types.
//! - `http`: the provisioning caller, bodies, ETags; `error`: SCIM's error format.

pub mod discovery;
pub mod error;
pub mod filter;
pub mod groups;
pub mod http;
pub mod patch;
pub mod query;
pub mod resources;
pub mod schema;
pub mod search;
pub mod users;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

use crate::AppState;
use error::ScimError;

/// The /scim/v2 routes, to be nested under that prefix.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.search", post(search::search_all))
        .route("/Users", get(users::list).post(users::create))
        .route("/Users/.search", post(users::search))
        .route(
            "/Users/{id}",
            get(users::get_one)
                .put(users::replace)
                .patch(users::modify)
                .delete(users::delete),
        )
        .route("/Groups", get(groups::list).post(groups::create))
        .route("/Groups/.search", post(groups::search))
        .route(
            "/Groups/{id}",
            get(groups::get_one)
                .put(groups::replace)
                .patch(groups::modify)
                .delete(groups::delete),
        )
        .route(
            "/ServiceProviderConfig",
            get(discovery::service_provider_config),
        )
        .route("/ResourceTypes", get(discovery::resource_types))
        .route("/ResourceTypes/{id}", get(discovery::one_resource_type))
        .route("/Schemas", get(discovery::schemas))
        .route("/Schemas/{id}", get(discovery::one_schema))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ScimError {
    ScimError::not_found("no such SCIM endpoint")
}

async fn method_not_allowed() -> ScimError {
    ScimError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        "this method is not allowed on this endpoint",
    )
}
