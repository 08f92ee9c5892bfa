//! Who is signed in, and forgery protection.
//!
//! `resolve` runs in front of every page: it finds the session the `dossier_session` cookie
//! names and puts it in the request's extensions, and refuses any state-changing request
//! (every method but GET and HEAD) that does not carry the session's CSRF token — in the
//! `X-CSRF-Token` header (htmx and scripts send it from the page's `hx-headers`) or in a
//! form's `csrf` field — or that another site's page sent (its `Origin`). That is the one
//! place the rule lives: a handler cannot forget it.
//!
//! `Signed` is the extractor of a page that needs a session: without one, the browser is
//! sent to sign in and brought back.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use dossier_api::AppState;
use dossier_service::Caller;
use dossier_service::web_sessions::{CsrfToken, WebSession};

use crate::page;

pub const SESSION_COOKIE: &str = "dossier_session";
/// The largest form a page posts (profiles, security); uploads are multipart and send the
/// token in the header.
const MAX_FORM_BYTES: usize = 1 << 20;

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty() && v.len() <= 4096)
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Lax always, Secure when the server is
/// reached over HTTPS. `max_age` 0 deletes the cookie; `None` makes it end with the browser.
pub fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    secure: bool,
    max_age: Option<i64>,
) -> HeaderValue {
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// Whether the server is reached over HTTPS (its public address says so).
pub fn is_secure(state: &AppState, headers: &HeaderMap) -> bool {
    dossier_api::origin::public_base(state, headers).starts_with("https:")
}

/// The layer in front of every page (see the module's documentation).
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let session = match cookie(req.headers(), SESSION_COOKIE) {
        Some(token) => match state.dossier.web_session(&token).await {
            Ok(s) => s,
            Err(e) => return page::failure(&e),
        },
        None => None,
    };
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        if !same_origin(&state, req.headers()) {
            return page::forbidden("This request came from another site.");
        }
        let Some(s) = &session else {
            return page::forbidden(
                "Your session has ended. Sign in again and repeat what you did.",
            );
        };
        req = match checked(req, &s.csrf).await {
            Ok(req) => req,
            Err(r) => return r,
        };
    }
    if let Some(s) = session {
        req.extensions_mut().insert(s);
    }
    next.run(req).await
}

/// A browser sends `Origin` with every cross-origin request and with same-origin posts; when
/// present it must be this server's public address.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        None => true,
        Some(origin) => origin == dossier_api::origin::public_base(state, headers),
    }
}

/// The request, once its CSRF token is found to match; a form body is read to find it and
/// handed on unchanged.
async fn checked(req: Request, csrf: &CsrfToken) -> Result<Request, Response> {
    let refused = || page::forbidden("This form has expired. Reload the page and try again.");
    if let Some(v) = req.headers().get("x-csrf-token") {
        return if v.to_str().is_ok_and(|v| csrf.matches(v)) {
            Ok(req)
        } else {
            Err(refused())
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refused());
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| page::error(StatusCode::PAYLOAD_TOO_LARGE, "This form is too large."))?;
    let presented = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned());
    if !presented.is_some_and(|v| csrf.matches(&v)) {
        return Err(refused());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// A page's signed-in user: the session `resolve` found.
pub struct Signed(pub WebSession);

impl Signed {
    pub fn caller(&self) -> &Caller {
        &self.0.caller
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        match parts.extensions.get::<WebSession>() {
            Some(s) => Ok(Signed(s.clone())),
            None => Err(to_sign_in(parts)),
        }
    }
}

/// Sends the browser to sign in, then back to where it was going. An htmx request gets
/// `HX-Redirect`, so the whole page goes rather than a fragment being swapped.
fn to_sign_in(parts: &Parts) -> Response {
    let back = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .filter(|_| parts.method == Method::GET)
        .unwrap_or("/");
    let target = format!(
        "/sign-in?next={}",
        url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>()
    );
    if parts.headers.contains_key("hx-request") {
        let mut r = StatusCode::OK.into_response();
        if let Ok(v) = HeaderValue::from_str(&target) {
            r.headers_mut().insert("hx-redirect", v);
        }
        return r;
    }
    Redirect::to(&target).into_response()
}
