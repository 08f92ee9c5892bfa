//! Revocation (iManage's `revoke-token`, RFC 7009 `revoke`) and RFC 7662 introspection.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dossier_service::oauth::{Introspector, OAuthCode, OAuthError};
use serde_json::json;

use super::form::{Form, Params, ParamsError};
use super::{client_auth, invalid_request, issuer, no_store, oauth_failure};
use crate::AppState;
use crate::extract::ClientAddress;

type FormResult = Result<Form, ParamsError>;

fn text(form: &Params, k: &str) -> Option<String> {
    form.get(k)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// iManage's form: `access_token=…`, no client authentication. Unknown tokens are not an
/// error, as RFC 7009 §2.2 requires.
pub async fn revoke_token(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    form: FormResult,
) -> Response {
    let form = match form {
        Ok(Form(form)) => form,
        Err(e) => return invalid_request(&e.describe()),
    };
    let Some(token) = text(&form, "access_token").or_else(|| text(&form, "token")) else {
        return invalid_request("access_token is required");
    };
    match state.dossier.revoke(None, &token, address.as_deref()).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => oauth_failure(e),
    }
}

/// RFC 7009: `token=…` with an optional `token_type_hint` (either kind is found without
/// it), client credentials optional.
pub async fn revoke(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    form: FormResult,
) -> Response {
    let form = match form {
        Ok(Form(form)) => form,
        Err(e) => return invalid_request(&e.describe()),
    };
    let client = match client_auth(&headers, |k| text(&form, k)) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let Some(token) = text(&form, "token") else {
        return invalid_request("token is required");
    };
    match state
        .dossier
        .revoke(client.as_ref(), &token, address.as_deref())
        .await
    {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => oauth_failure(e),
    }
}

/// RFC 7662, for an app (client credentials) or an administrator (`Authorization: Bearer`
/// with an admin-scoped token).
pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: FormResult,
) -> Response {
    let form = match form {
        Ok(Form(form)) => form,
        Err(e) => return invalid_request(&e.describe()),
    };
    let client = match client_auth(&headers, |k| text(&form, k)) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(s, _)| s.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    let Some(token) = text(&form, "token") else {
        return invalid_request("token is required");
    };
    let d = &state.dossier;
    let result = match (&client, bearer) {
        (Some(c), _) => d.introspect(Introspector::Client(c), &token).await,
        (None, Some(b)) => match d.authenticate(&b).await {
            Ok(caller) => d.introspect(Introspector::Admin(&caller), &token).await,
            Err(_) => Err(OAuthError::new(
                OAuthCode::InvalidClient,
                "the bearer token is invalid or expired",
            )),
        },
        (None, None) => Err(OAuthError::new(
            OAuthCode::InvalidClient,
            "introspection needs client credentials or an administrator's bearer token",
        )),
    };
    match result {
        Ok(None) => no_store(Json(json!({"active": false})).into_response()),
        Ok(Some(info)) => no_store(
            Json(json!({
                "active": true,
                "scope": info.scope.to_string(),
                "client_id": info.client_id,
                "username": info.user.id,
                "sub": info.user.ssid,
                "token_type": if info.kind == "access" { "Bearer" } else { "refresh_token" },
                "exp": info.expires_at.timestamp(),
                "iat": info.issued_at.timestamp(),
                "iss": issuer(&state, &headers),
            }))
            .into_response(),
        ),
        Err(e) => oauth_failure(e),
    }
}
