//! The HTTP edges of the SCIM surface: the provisioning caller, request bodies, path and
//! query extractors that fail in SCIM's error format, entity tags and responses typed
//! `application/scim+json`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dossier_service::Caller;
use serde_json::Value;

use super::error::{ScimError, ScimResult};
use crate::AppState;
use crate::extract::token_of;

pub const SCIM_JSON: &str = "application/scim+json";

/// A caller allowed to provision: a bearer token of an identity administrator granted the
/// `scim` or `admin` scope. Reads need it too: a directory dump is not for every user.
pub struct Provisioner(pub Caller);

impl FromRequestParts<AppState> for Provisioner {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ScimResult<Self> {
        let token = token_of(parts).ok_or_else(|| {
            ScimError::new(StatusCode::UNAUTHORIZED, None, "a bearer token is required")
        })?;
        let caller = state
            .dossier
            .authenticate(&token)
            .await
            .map_err(|e| match e {
                // The service words this for the Work API's X-Auth-Token header.
                dossier_core::DomainError::Unauthenticated(_) => ScimError::new(
                    StatusCode::UNAUTHORIZED,
                    None,
                    "the bearer token is invalid or expired",
                ),
                other => other.into(),
            })?;
        caller.require_identity_admin()?;
        Ok(Provisioner(caller))
    }
}

/// The resource id from the URL.
pub struct Id(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ScimResult<Self> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Id(id))
            .map_err(|e| ScimError::bad("invalidValue", e.body_text()))
    }
}

/// Query parameters, the last value winning.
pub struct ScimQuery(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for ScimQuery {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ScimResult<Self> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ScimQuery(q))
            .map_err(|e| ScimError::bad("invalidSyntax", e.body_text()))
    }
}

/// A JSON body sent as `application/scim+json` or `application/json` (or untyped, as some
/// clients do).
pub struct ScimBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for ScimBody {
    type Rejection = ScimError;

    async fn from_request(req: Request, state: &S) -> ScimResult<Self> {
        if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
            let ct = ct.to_str().unwrap_or_default().to_ascii_lowercase();
            let essence = ct.split(';').next().unwrap_or_default().trim();
            if essence != SCIM_JSON && essence != "application/json" {
                return Err(ScimError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    None,
                    format!("send {SCIM_JSON} or application/json, not {essence}"),
                ));
            }
        }
        // A body over the size limit keeps its own status (413), not a syntax error.
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            let status = e.status();
            if status == StatusCode::BAD_REQUEST {
                ScimError::bad("invalidSyntax", e.body_text())
            } else {
                ScimError::new(status, None, e.body_text())
            }
        })?;
        serde_json::from_slice::<Value>(&bytes)
            .ok()
            .filter(Value::is_object)
            .map(ScimBody)
            .ok_or_else(|| ScimError::bad("invalidSyntax", "the body is not a JSON object"))
    }
}

/// The absolute URL of /scim/v2 as the client reached it (for `meta.location`).
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    format!("{}/scim/v2", crate::origin::public_base(state, headers))
}

/// `W/"<version>"`: weak, since the representation depends on `attributes`.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// Whether an `If-Match` / `If-None-Match` list names this version (weak comparison).
fn names_version(list: &str, version: i64) -> bool {
    let want = format!("\"{version}\"");
    list.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == want)
}

/// RFC 7644 §3.14 / RFC 7232: a write with an `If-Match` that names another version fails.
pub fn check_if_match(headers: &HeaderMap, version: i64) -> ScimResult<()> {
    match headers.get(header::IF_MATCH).map(|v| v.to_str()) {
        None => Ok(()),
        Some(Ok(list)) if names_version(list, version) => Ok(()),
        Some(_) => Err(ScimError::precondition(format!(
            "the resource has changed; its version is now {}",
            etag(version)
        ))),
    }
}

/// Whether a read's `If-None-Match` names the current version (answer 304).
pub fn not_modified(headers: &HeaderMap, version: i64) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|list| names_version(list, version))
}

pub fn respond(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    r
}

/// A resource response with its ETag and, for creations, its Location.
pub fn respond_resource(status: StatusCode, body: &Value, version: i64) -> Response {
    let mut r = respond(status, body);
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag(version)) {
        h.insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED
        && let Some(loc) = body["meta"]["location"].as_str()
        && let Ok(v) = HeaderValue::from_str(loc)
    {
        h.insert(header::LOCATION, v);
    }
    r
}

pub fn not_modified_response(version: i64) -> Response {
    let mut r = StatusCode::NOT_MODIFIED.into_response();
    if let Ok(v) = HeaderValue::from_str(&etag(version)) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_tags_compare_weakly() {
        assert!(names_version("W/\"3\"", 3));
        assert!(names_version("\"3\"", 3));
        assert!(names_version("W/\"1\", W/\"3\"", 3));
        assert!(names_version("*", 9));
        assert!(!names_version("W/\"31\"", 3));
        assert!(!names_version("3", 3));
    }
}
