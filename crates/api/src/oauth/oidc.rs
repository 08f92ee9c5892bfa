//! OpenID Connect discovery (`/.well-known/openid-configuration`), the JWKS and userinfo.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use dossier_core::DomainError;
use dossier_core::identity::SCOPES;
use dossier_service::Caller;
use serde_json::{Value, json};

use super::issuer;
use crate::AppState;
use crate::error::{ApiError, ApiResult};

pub async fn configuration(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let iss = issuer(&state, &headers);
    Json(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/auth/oauth2/authorize"),
        "token_endpoint": format!("{iss}/auth/oauth2/token"),
        "userinfo_endpoint": format!("{iss}/auth/oauth2/userinfo"),
        "jwks_uri": format!("{iss}/auth/oauth2/jwks"),
        "revocation_endpoint": format!("{iss}/auth/oauth2/revoke"),
        "introspection_endpoint": format!("{iss}/auth/oauth2/introspect"),
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "password", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "name", "preferred_username", "email"],
    }))
    .into_response()
}

pub async fn jwks(State(state): State<AppState>) -> ApiResult<Response> {
    let keys = state
        .dossier
        .published_keys()
        .await?
        .iter()
        .map(|jwk| serde_json::from_str::<Value>(jwk))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError(DomainError::internal(format!("a published JWK: {e}"))))?;
    Ok(Json(json!({"keys": keys})).into_response())
}

/// OpenID Connect Core §5.3, for tokens granted `openid`.
pub async fn userinfo(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    let user = state.dossier.userinfo(&caller).await.map_err(ApiError)?;
    let mut body = json!({
        "sub": user.ssid,
        "name": user.full_name,
        "preferred_username": user.id,
    });
    if let Some(e) = user.email {
        body["email"] = e.into();
    }
    if let Some(f) = user.first_name {
        body["given_name"] = f.into();
    }
    if let Some(l) = user.last_name {
        body["family_name"] = l.into();
    }
    Ok(Json(body).into_response())
}
