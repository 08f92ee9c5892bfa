//! Signing in and out. The web client is an OAuth client of its own server: `/sign-in`
//! sends the browser to the authorization endpoint's sign-in page as the built-in app
//! `dossier-web` (authorization code with PKCE; first-party, so no consent page), and
//! `/signed-in` exchanges the code for a session (`Dossier::open_web_session`).
//!
//! Between the two, a short-lived cookie holds the request's `state`, the PKCE verifier and
//! the page to return to; it is readable only by `/signed-in`.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use dossier_api::AppState;
use dossier_api::extract::ClientAddress;
use dossier_service::auth::random_token;
use dossier_service::oauth::GrantContext;
use dossier_service::web_sessions::{WEB_CLIENT_ID, WEB_REDIRECT_PATH, WEB_SCOPE};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::page;
use crate::session::{SESSION_COOKIE, cookie, is_secure, set_cookie};

const SIGNIN_COOKIE: &str = "dossier_web_signin";
/// How long the sign-in page may take.
const SIGNIN_SECONDS: i64 = 15 * 60;

#[derive(Deserialize)]
pub struct Start {
    next: Option<String>,
}

/// Only a path on this server may be returned to (`/x`, not `//evil.example`).
fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.len() <= 2000 =>
        {
            n
        }
        _ => "/",
    }
}

pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Start>,
) -> Response {
    let base = dossier_api::origin::public_base(&state, &headers);
    let flow_state = random_token();
    let verifier = random_token();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    let next = local_path(q.next.as_deref());
    // The authorization endpoint is ours: the browser goes to its path, whatever the host.
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", WEB_CLIENT_ID)
        .append_pair("redirect_uri", &format!("{base}{WEB_REDIRECT_PATH}"))
        .append_pair("scope", WEB_SCOPE)
        .append_pair("state", &flow_state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let location = format!("/auth/oauth2/authorize?{query}");
    let value = format!(
        "{flow_state}.{verifier}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(next)
    );
    let mut r = Redirect::to(&location).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            SIGNIN_COOKIE,
            &value,
            WEB_REDIRECT_PATH,
            is_secure(&state, &headers),
            Some(SIGNIN_SECONDS),
        ),
    );
    r
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn finish(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Query(q): Query<Callback>,
) -> Response {
    let secure = is_secure(&state, &headers);
    let flow = cookie(&headers, SIGNIN_COOKIE).and_then(|v| {
        let mut parts = v.splitn(3, '.');
        let s = parts.next()?.to_string();
        let verifier = parts.next()?.to_string();
        let next = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts.next()?)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())?;
        Some((s, verifier, next))
    });
    let retry = || {
        page::message(
            StatusCode::BAD_REQUEST,
            "Sign-in did not complete",
            "The sign-in took too long or was started in another window.",
            Some(("/sign-in", "Sign in again")),
        )
    };
    if q.error.is_some() {
        return retry();
    }
    let (Some((expected, verifier, next)), Some(code), Some(got)) = (flow, q.code, q.state) else {
        return retry();
    };
    if expected != got {
        return retry();
    }
    let base = dossier_api::origin::public_base(&state, &headers);
    let ctx = GrantContext {
        issuer: base.clone(),
        address,
    };
    let token = match state
        .dossier
        .open_web_session(
            &code,
            &verifier,
            &format!("{base}{WEB_REDIRECT_PATH}"),
            &ctx,
        )
        .await
    {
        Ok(t) => t,
        Err(_) => return retry(),
    };
    let mut r = Redirect::to(local_path(Some(&next))).into_response();
    let h = r.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, "/", secure, None),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(SIGNIN_COOKIE, "", WEB_REDIRECT_PATH, secure, Some(0)),
    );
    r
}

/// Signs out (a POST, so the layer has checked its CSRF token): the session and its tokens
/// are revoked and the cookie deleted.
pub async fn sign_out(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = state
            .dossier
            .close_web_session(&token, address.as_deref())
            .await
    {
        return page::failure(&e);
    }
    let mut r = page::message(
        StatusCode::OK,
        "Signed out",
        "You have signed out of Dossier.",
        Some(("/", "Sign in again")),
    );
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            "",
            "/",
            is_secure(&state, &headers),
            Some(0),
        ),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_path(Some("/folders/ACTIVE!3")), "/folders/ACTIVE!3");
        assert_eq!(local_path(Some("//evil.example/x")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
