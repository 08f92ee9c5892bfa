//! `POST /auth/oauth2/token` (and `/automate/work/auth/token`): the four grants,
//! form-encoded, answered as RFC 6749 §5.1 JSON.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use dossier_service::oauth::GrantContext;
use serde_json::json;

use super::form::{Form, ParamsError};
use super::{client_auth, invalid_request, issuer, no_store, oauth_error, oauth_failure};
use crate::AppState;
use crate::extract::ClientAddress;

pub async fn token(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    form: Result<Form, ParamsError>,
) -> Response {
    let form = match form {
        Ok(Form(form)) => form,
        Err(e) => return invalid_request(&e.describe()),
    };
    let field = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let client = match client_auth(&headers, field) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let ctx = GrantContext {
        issuer: issuer(&state, &headers),
        address,
    };
    let d = &state.dossier;
    let scope = field("scope");
    let issued = match field("grant_type").as_deref() {
        Some("password") => {
            let (Some(user), Some(password)) = (field("username"), form.get("password")) else {
                return invalid_request("username and password are required");
            };
            d.password_grant(client.as_ref(), &user, password, scope.as_deref(), &ctx)
                .await
        }
        Some("refresh_token") => {
            let Some(refresh) = field("refresh_token") else {
                return invalid_request("refresh_token is required");
            };
            d.refresh_grant(client.as_ref(), &refresh, scope.as_deref(), &ctx)
                .await
        }
        Some("authorization_code") => {
            let Some(client) = client else {
                return invalid_request("client_id is required");
            };
            let Some(code) = field("code") else {
                return invalid_request("code is required");
            };
            d.authorization_code_grant(
                &client,
                &code,
                field("redirect_uri").as_deref(),
                field("code_verifier").as_deref(),
                &ctx,
            )
            .await
        }
        Some("client_credentials") => {
            let Some(client) = client else {
                return oauth_error(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "client_credentials needs the app's client_id and client_secret",
                );
            };
            d.client_credentials_grant(&client, scope.as_deref(), &ctx)
                .await
        }
        Some(other) => {
            return oauth_error(
                axum::http::StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant type '{other}' is not supported"),
            );
        }
        None => return invalid_request("grant_type is required"),
    };
    match issued {
        Ok(t) => {
            let mut body = json!({
                "access_token": t.access_token,
                "token_type": "Bearer",
                "expires_in": t.expires_in,
                "scope": t.scope.to_string(),
            });
            if let Some(r) = t.refresh_token {
                body["refresh_token"] = r.into();
            }
            if let Some(id) = t.id_token {
                body["id_token"] = id.into();
            }
            no_store(Json(body).into_response())
        }
        Err(e) => oauth_failure(e),
    }
}
