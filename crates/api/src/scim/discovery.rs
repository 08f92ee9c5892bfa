//! The discovery endpoints (RFC 7644 §4): what this server supports, its resource types
//! and their schemas. Open to any client: they describe the server, not its data.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::error::{ScimError, ScimResult};
use super::http::{Id, base_url, respond};
use super::query::{MAX_COUNT, list_response};
use super::schema::{self, ResourceKind};
use crate::AppState;

pub async fn service_provider_config(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let base = base_url(&st, &headers);
    respond(
        StatusCode::OK,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": MAX_COUNT},
            "changePassword": {"supported": true},
            "sort": {"supported": true},
            "etag": {"supported": true},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "An access token with the scim scope, from /auth/oauth2/token",
                "primary": true,
            }],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": format!("{base}/ServiceProviderConfig"),
            },
        }),
    )
}

fn resource_type(kind: ResourceKind, base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": kind.name(),
        "name": kind.name(),
        "endpoint": kind.endpoint(),
        "description": match kind {
            ResourceKind::User => "User Account",
            ResourceKind::Group => "Group",
        },
        "schema": kind.core().id,
        "schemaExtensions": kind.extensions().iter()
            .map(|s| json!({"schema": s.id, "required": false}))
            .collect::<Vec<_>>(),
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{}", kind.name())},
    })
}

const KINDS: [ResourceKind; 2] = [ResourceKind::User, ResourceKind::Group];

pub async fn resource_types(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let base = base_url(&st, &headers);
    let all: Vec<Value> = KINDS.iter().map(|k| resource_type(*k, &base)).collect();
    let n = all.len();
    respond(StatusCode::OK, &list_response(all, n, 1))
}

pub async fn one_resource_type(
    State(st): State<AppState>,
    headers: HeaderMap,
    Id(id): Id,
) -> ScimResult<Response> {
    let kind = KINDS
        .iter()
        .find(|k| k.name().eq_ignore_ascii_case(&id))
        .ok_or_else(|| ScimError::not_found(format!("resource type {id} not found")))?;
    Ok(respond(
        StatusCode::OK,
        &resource_type(*kind, &base_url(&st, &headers)),
    ))
}

pub async fn schemas(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let base = base_url(&st, &headers);
    let all: Vec<Value> = schema::ALL
        .iter()
        .map(|s| schema::schema_json(s, &base))
        .collect();
    let n = all.len();
    respond(StatusCode::OK, &list_response(all, n, 1))
}

pub async fn one_schema(
    State(st): State<AppState>,
    headers: HeaderMap,
    Id(id): Id,
) -> ScimResult<Response> {
    let s = schema::ALL
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(&id))
        .ok_or_else(|| ScimError::not_found(format!("schema {id} not found")))?;
    Ok(respond(
        StatusCode::OK,
        &schema::schema_json(s, &base_url(&st, &headers)),
    ))
}
