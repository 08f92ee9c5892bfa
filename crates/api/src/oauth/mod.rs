//! The OAuth 2.0 / OpenID Connect surface: the token endpoint (`token`), the sign-in and
//! consent pages of the authorization endpoint (`authorize`, `pages`), revocation and
//! introspection (`tokens`), discovery, JWKS and userinfo (`oidc`), iManage's legacy
//! session login (`legacy`), and the page where an invited user chooses a password
//! (`invitation`). The Power Automate connectors' paths are aliases of the same
//! handlers. Errors follow RFC 6749 (JSON here, HTML on the pages), not the Work API
//! envelope, except for failures of the server itself.

mod authorize;
mod form;
mod invitation;
mod legacy;
mod oidc;
pub(crate) mod pages;
mod token;
mod tokens;

use axum::Json;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine;
use dossier_core::DomainError;
use dossier_service::oauth::{ClientAuth, OAuthCode, OAuthError};
use serde_json::json;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/oauth2/token", post(token::token))
        .route(
            "/auth/oauth2/authorize",
            get(authorize::show).post(authorize::submit),
        )
        .route(
            dossier_service::invitations::INVITATION_PATH,
            get(invitation::show).post(invitation::submit),
        )
        .route("/auth/oauth2/revoke-token", post(tokens::revoke_token))
        .route("/auth/oauth2/revoke", post(tokens::revoke))
        .route("/auth/oauth2/introspect", post(tokens::introspect))
        .route("/auth/oauth2/jwks", get(oidc::jwks))
        .route(
            "/auth/oauth2/userinfo",
            get(oidc::userinfo).post(oidc::userinfo),
        )
        .route(
            "/.well-known/openid-configuration",
            get(oidc::configuration),
        )
        .route(
            "/automate/work/auth/login",
            get(authorize::show).post(authorize::submit),
        )
        .route("/automate/work/auth/token", post(token::token))
        .route("/api/v1/session/login", put(legacy::login))
        .route("/imanage/api/v1/session/login", put(legacy::login))
}

/// The issuer: the server's public base URL (`crate::origin`), so discovery documents and
/// ID tokens name the address the client actually uses.
pub(crate) fn issuer(state: &AppState, headers: &HeaderMap) -> String {
    crate::origin::public_base(state, headers)
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

/// An RFC 6749 §5.2 error body.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut r = no_store(
        (
            status,
            Json(json!({"error": error, "error_description": description})),
        )
            .into_response(),
    );
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"dossier\""),
        );
    }
    r
}

pub(crate) fn invalid_request(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

/// Puts a refused or failed OAuth request on the wire: 401 for a client that failed to
/// authenticate, 429 with Retry-After when throttled, 400 for the rest; failures of the
/// server itself keep the envelope (and its logging).
pub(crate) fn oauth_failure(e: OAuthError) -> Response {
    match e {
        OAuthError::Refused { code, description } => {
            let status = if code == OAuthCode::InvalidClient {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
            oauth_error(status, code.as_str(), &description)
        }
        OAuthError::Failed(DomainError::RateLimited { retry_after_secs }) => {
            let mut r = oauth_error(
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                &format!("too many failed sign-ins; try again in {retry_after_secs} seconds"),
            );
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        OAuthError::Failed(DomainError::Unauthenticated(m)) => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", &m)
        }
        OAuthError::Failed(DomainError::Invalid { message, .. }) => invalid_request(&message),
        OAuthError::Failed(other) => crate::error::ApiError(other).into_response(),
    }
}

/// RFC 6749 §2.3.1: client credentials from `Authorization: Basic` (form-urlencoded id
/// and secret) or from the `client_id`/`client_secret` fields; never both.
pub(crate) fn client_auth(
    headers: &HeaderMap,
    field: impl Fn(&str) -> Option<String>,
) -> Result<Option<ClientAuth>, Box<Response>> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, creds)| creds.trim().to_string());
    let posted_id = field("client_id");
    let posted_secret = field("client_secret");
    let Some(creds) = basic else {
        return Ok(posted_id.map(|client_id| ClientAuth {
            client_id,
            secret: posted_secret,
        }));
    };
    if posted_secret.is_some() {
        return Err(Box::new(invalid_request(
            "send client credentials either in the Authorization header or in the body, not both",
        )));
    }
    let bad = || {
        Box::new(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "the Authorization header does not hold Basic client credentials",
        ))
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(creds)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(bad)?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (id, secret) = (decode(id), decode(secret));
    if posted_id.as_deref().is_some_and(|p| p != id) {
        return Err(Box::new(invalid_request(
            "client_id in the body differs from the Authorization header",
        )));
    }
    Ok(Some(ClientAuth {
        client_id: id,
        secret: Some(secret).filter(|s| !s.is_empty()),
    }))
}
