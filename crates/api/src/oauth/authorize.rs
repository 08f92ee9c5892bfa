//! The authorization endpoint (`/auth/oauth2/authorize`, and `/automate/work/auth/login`
//! for the Power Automate connectors): GET shows the sign-in page, POST checks the
//! password, then asks for consent for third-party apps, then sends the browser back to
//! the app with a code.
//!
//! Forgery protection: the GET sets a random browser cookie (`SameSite=Lax`, so another
//! site's form post does not carry it), and every form holds a value sealed by the server
//! that names a hash of that cookie and a fingerprint of the authorization request. A post
//! without the cookie, with another browser's form, or with altered hidden fields fails.

use std::collections::HashMap;

use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use dossier_core::DomainError;
use dossier_service::auth::{random_token, token_hash};
use dossier_service::oauth::{
    Authorization, AuthorizationRequest, AuthorizeError, OAuthCode, OAuthError,
};
use serde_json::{Value, json};

use super::form::{Form, ParamsError};
use super::pages::{self, SignInForm};
use crate::AppState;
use crate::extract::ClientAddress;

const COOKIE: &str = "dossier_signin";
/// How long a sign-in or consent form stays usable.
const FORM_MINUTES: i64 = 15;

fn request_of(p: &HashMap<String, String>) -> AuthorizationRequest {
    let f = |k: &str| p.get(k).cloned().filter(|v| !v.is_empty());
    AuthorizationRequest {
        response_type: f("response_type"),
        client_id: f("client_id"),
        redirect_uri: f("redirect_uri"),
        scope: f("scope"),
        state: f("state"),
        code_challenge: f("code_challenge"),
        code_challenge_method: f("code_challenge_method"),
        nonce: f("nonce"),
    }
}

fn request_fields(r: &AuthorizationRequest) -> Vec<(&'static str, &str)> {
    [
        ("response_type", &r.response_type),
        ("client_id", &r.client_id),
        ("redirect_uri", &r.redirect_uri),
        ("scope", &r.scope),
        ("state", &r.state),
        ("code_challenge", &r.code_challenge),
        ("code_challenge_method", &r.code_challenge_method),
        ("nonce", &r.nonce),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
    .collect()
}

/// Forms post back to the path they were shown on, which is one of the two routes.
fn action_of(uri: &OriginalUri) -> &'static str {
    if uri.path().starts_with("/automate/") {
        "/automate/work/auth/login"
    } else {
        "/auth/oauth2/authorize"
    }
}

pub(super) fn browser_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty() && v.len() <= 100)
}

/// Sends the browser back to the app with these parameters added to its redirect URI.
fn back_to_app(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return pages::error_page(
            StatusCode::BAD_REQUEST,
            "The application's return address is not valid.",
        );
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(url.as_str()) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn with_error(
    redirect_uri: &str,
    state: Option<&str>,
    code: OAuthCode,
    description: &str,
) -> Response {
    let mut params = vec![("error", code.as_str()), ("error_description", description)];
    if let Some(s) = state {
        params.push(("state", s));
    }
    back_to_app(redirect_uri, &params)
}

fn server_failure(e: &DomainError) -> Response {
    tracing::error!(error = %e, "authorization request failed");
    let status = match e {
        DomainError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    pages::error_page(
        status,
        "The sign-in could not be completed because of a problem on the server. Try again later.",
    )
}

fn authorize_failure(e: AuthorizeError) -> Response {
    match e {
        AuthorizeError::NotRedirectable(m) => pages::error_page(StatusCode::BAD_REQUEST, &m),
        AuthorizeError::Redirect {
            redirect_uri,
            state,
            code,
            description,
        } => with_error(&redirect_uri, state.as_deref(), code, &description),
        AuthorizeError::Failed(e) => server_failure(&e),
    }
}

fn expired_form() -> Response {
    pages::error_page(
        StatusCode::BAD_REQUEST,
        "This sign-in form has expired or was not opened in this browser (cookies must be enabled). Go back to the application and sign in again.",
    )
}

/// Seals the binding of a form to this browser and this request, with extra data.
async fn seal(
    state: &AppState,
    purpose: &str,
    cookie: &str,
    req: &AuthorizationRequest,
    extra: Value,
) -> Result<String, Response> {
    state
        .dossier
        .seal(
            purpose,
            &json!({"b": token_hash(cookie), "r": req.fingerprint(), "x": extra}),
            Duration::minutes(FORM_MINUTES),
        )
        .await
        .map_err(|e| server_failure(&e))
}

/// Opens a sealed form value and checks it belongs to this browser and request.
async fn unseal(
    state: &AppState,
    purpose: &str,
    sealed: Option<&String>,
    cookie: Option<&str>,
    req: &AuthorizationRequest,
) -> Result<Value, Response> {
    let (Some(sealed), Some(cookie)) = (sealed, cookie) else {
        return Err(expired_form());
    };
    let data: Value = state
        .dossier
        .unseal(purpose, sealed)
        .await
        .map_err(|e| server_failure(&e))?
        .ok_or_else(expired_form)?;
    if data["b"] != token_hash(cookie) || data["r"] != req.fingerprint() {
        return Err(expired_form());
    }
    Ok(data["x"].clone())
}

/// One authorization request being shown to one browser.
#[derive(Clone, Copy)]
struct Flow<'a> {
    state: &'a AppState,
    action: &'a str,
    auth: &'a Authorization,
    req: &'a AuthorizationRequest,
    cookie: &'a str,
}

async fn sign_in_page(
    flow: &Flow<'_>,
    status: StatusCode,
    username: &str,
    error: Option<&str>,
) -> Response {
    let Flow {
        state,
        action,
        auth,
        req,
        cookie,
    } = *flow;
    let token = match seal(state, "signin", cookie, req, Value::Null).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut fields = request_fields(req);
    fields.push(("form_token", &token));
    pages::sign_in(
        status,
        SignInForm {
            action,
            app_name: &auth.app.name,
            hidden: pages::hidden(&fields),
            username,
            error,
        },
    )
}

pub(super) fn set_cookie(mut r: Response, cookie: &str, secure: bool) -> Response {
    let value = format!(
        "{COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        FORM_MINUTES * 60 * 4,
        if secure { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

pub async fn show(State(state): State<AppState>, headers: HeaderMap, uri: OriginalUri) -> Response {
    let Ok(query) = super::form::parse(uri.query().unwrap_or("").as_bytes()) else {
        return pages::error_page(
            StatusCode::BAD_REQUEST,
            "The authorization request is malformed.",
        );
    };
    let req = request_of(&query);
    let auth = match state
        .dossier
        .check_authorization(&req, &super::issuer(&state, &headers))
        .await
    {
        Ok(a) => a,
        Err(e) => return authorize_failure(e),
    };
    let cookie = browser_cookie(&headers).unwrap_or_else(random_token);
    let secure = super::issuer(&state, &headers).starts_with("https:");
    let flow = Flow {
        state: &state,
        action: action_of(&uri),
        auth: &auth,
        req: &req,
        cookie: &cookie,
    };
    let page = sign_in_page(&flow, StatusCode::OK, "", None).await;
    set_cookie(page, &cookie, secure)
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    uri: OriginalUri,
    form: Result<Form, ParamsError>,
) -> Response {
    let Ok(Form(form)) = form else {
        return pages::error_page(StatusCode::BAD_REQUEST, "The form could not be read.");
    };
    let action = action_of(&uri);
    let req = request_of(&form);
    let auth = match state
        .dossier
        .check_authorization(&req, &super::issuer(&state, &headers))
        .await
    {
        Ok(a) => a,
        Err(e) => return authorize_failure(e),
    };
    let cookie = browser_cookie(&headers);
    let address = address.as_deref();
    let d = &state.dossier;
    match form.get("step").map(String::as_str) {
        Some("signin") => {
            if let Err(r) = unseal(
                &state,
                "signin",
                form.get("form_token"),
                cookie.as_deref(),
                &req,
            )
            .await
            {
                return r;
            }
            let cookie = cookie.unwrap_or_default();
            let username = form.get("username").map(|u| u.trim()).unwrap_or("");
            let password = form.get("password").map(String::as_str).unwrap_or("");
            let user = match d.sign_in(username, password, address).await {
                Ok(u) => u,
                Err(OAuthError::Refused { description, .. }) => {
                    let flow = Flow {
                        state: &state,
                        action,
                        auth: &auth,
                        req: &req,
                        cookie: &cookie,
                    };
                    return sign_in_page(
                        &flow,
                        StatusCode::UNAUTHORIZED,
                        username,
                        Some(&description),
                    )
                    .await;
                }
                Err(OAuthError::Failed(DomainError::RateLimited { retry_after_secs })) => {
                    return pages::too_many_attempts(retry_after_secs);
                }
                Err(OAuthError::Failed(e)) => return server_failure(&e),
            };
            let now = d.now();
            match d.needs_consent(&user, &auth).await {
                Ok(false) => {}
                Ok(true) => {
                    if let Err(e) = d
                        .record_page_sign_in(&user, &auth.app.client_id, address)
                        .await
                    {
                        return server_failure(&e);
                    }
                    let ticket = match seal(
                        &state,
                        "consent",
                        &cookie,
                        &req,
                        json!({"u": user.id, "t": now.timestamp()}),
                    )
                    .await
                    {
                        Ok(t) => t,
                        Err(r) => return r,
                    };
                    let mut fields = request_fields(&req);
                    fields.push(("ticket", &ticket));
                    return pages::consent(
                        action,
                        &auth.app.name,
                        &user.full_name,
                        &auth.scope,
                        pages::hidden(&fields),
                    );
                }
                Err(e) => return server_failure(&e),
            }
            match d.issue_code(&user, &auth, now, false, true, address).await {
                Ok(code) => redirect_with_code(&auth, &code),
                Err(e) => authorize_failure(e),
            }
        }
        Some("consent") => {
            let ticket = match unseal(
                &state,
                "consent",
                form.get("ticket"),
                cookie.as_deref(),
                &req,
            )
            .await
            {
                Ok(t) => t,
                Err(r) => return r,
            };
            let user = match ticket["u"].as_str() {
                Some(u) => match d.signed_in_user(u).await {
                    Ok(Some(user)) => user,
                    Ok(None) => return expired_form(),
                    Err(e) => return server_failure(&e),
                },
                None => return expired_form(),
            };
            let auth_time = ticket["t"]
                .as_i64()
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                .unwrap_or_else(|| d.now());
            if form.get("decision").map(String::as_str) != Some("allow") {
                if let Err(e) = d.deny_consent(&user, &auth, address).await {
                    return server_failure(&e);
                }
                return with_error(
                    &auth.redirect_uri,
                    auth.state.as_deref(),
                    OAuthCode::AccessDenied,
                    "the user did not allow access",
                );
            }
            match d
                .issue_code(&user, &auth, auth_time, true, false, address)
                .await
            {
                Ok(code) => redirect_with_code(&auth, &code),
                Err(e) => authorize_failure(e),
            }
        }
        _ => pages::error_page(
            StatusCode::BAD_REQUEST,
            "The form is missing its step; go back to the application and start again.",
        ),
    }
}

fn redirect_with_code(auth: &Authorization, code: &str) -> Response {
    let mut params = vec![("code", code)];
    if let Some(s) = &auth.state {
        params.push(("state", s));
    }
    back_to_app(&auth.redirect_uri, &params)
}
