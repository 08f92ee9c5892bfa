//! The page an invitation e-mail links to (`/auth/invitation?token=…`): an invited user
//! chooses their first password there (`service::invitations`). The link works once; one
//! that is unknown, used or expired shows a page that says so.
//!
//! Forgery protection as on the sign-in page (`authorize`): the GET sets the browser cookie,
//! and the form holds a value sealed by the server that names a hash of that cookie and of
//! the invitation's token, so only the browser the form was shown to can post it, for that
//! invitation only.

use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Duration;
use dossier_core::DomainError;
use dossier_service::auth::{random_token, token_hash};
use dossier_service::passwords::PASSWORD_MIN_CHARS;
use serde_json::{Value, json};

use super::authorize::{browser_cookie, set_cookie};
use super::form::{Form, ParamsError};
use super::pages::{self, escape};
use crate::AppState;

/// The purpose of this page's sealed form values.
const PURPOSE: &str = "invitation";
/// How long the form stays usable once shown.
const FORM_MINUTES: i64 = 15;

fn unusable_link() -> Response {
    pages::page(
        StatusCode::GONE,
        "Invitation link not valid",
        "<p class=\"error\">This invitation link has expired or has already been used. Ask your administrator to send a new invitation.</p>",
    )
}

fn expired_form() -> Response {
    pages::error_page(
        StatusCode::BAD_REQUEST,
        "This form has expired or was not opened in this browser (cookies must be enabled). Open the link in your invitation e-mail again.",
    )
}

fn server_failure(e: &DomainError) -> Response {
    tracing::error!(error = %e, "invitation page failed");
    let status = match e {
        DomainError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    pages::error_page(
        status,
        "Your password could not be set because of a problem on the server. Try again later.",
    )
}

/// The binding of a form to this browser and this invitation.
fn binding(cookie: &str, token: &str) -> Value {
    json!({"b": token_hash(cookie), "t": token_hash(token)})
}

/// The form to choose a password, for the user the invitation is for.
async fn password_form(
    state: &AppState,
    status: StatusCode,
    cookie: &str,
    token: &str,
    user: (&str, &str),
    error: Option<&str>,
) -> Response {
    let sealed = match state
        .dossier
        .seal(
            PURPOSE,
            &binding(cookie, token),
            Duration::minutes(FORM_MINUTES),
        )
        .await
    {
        Ok(s) => s,
        Err(e) => return server_failure(&e),
    };
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    let (full_name, id) = user;
    pages::page(
        status,
        "Choose your password",
        &format!(
            "<p>for <strong>{name}</strong> (user name <strong>{id}</strong>)</p>{error}<form method=\"post\" action=\"{action}\">{hidden}<label for=\"password\">New password (at least {PASSWORD_MIN_CHARS} characters)</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"new-password\" minlength=\"{PASSWORD_MIN_CHARS}\" required autofocus><label for=\"confirm\">Type it again</label><input type=\"password\" id=\"confirm\" name=\"confirm\" autocomplete=\"new-password\" required><button type=\"submit\">Set password</button></form>",
            name = escape(full_name),
            id = escape(id),
            action = dossier_service::invitations::INVITATION_PATH,
            hidden = pages::hidden(&[("token", token), ("form_token", &sealed)]),
        ),
    )
}

/// GET: the form, when the link can still be used.
pub async fn show(State(state): State<AppState>, headers: HeaderMap, uri: OriginalUri) -> Response {
    let query = super::form::parse(uri.query().unwrap_or("").as_bytes()).unwrap_or_default();
    let Some(token) = query
        .get("token")
        .filter(|t| !t.is_empty() && t.len() <= 100)
    else {
        return unusable_link();
    };
    let user = match state.dossier.invitation(token).await {
        Ok(Some(u)) => u,
        Ok(None) => return unusable_link(),
        Err(e) => return server_failure(&e),
    };
    let cookie = browser_cookie(&headers).unwrap_or_else(random_token);
    let secure = super::issuer(&state, &headers).starts_with("https:");
    let page = password_form(
        &state,
        StatusCode::OK,
        &cookie,
        token,
        (&user.full_name, &user.id),
        None,
    )
    .await;
    set_cookie(page, &cookie, secure)
}

/// POST: sets the password and burns the link.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form, ParamsError>,
) -> Response {
    let Ok(Form(form)) = form else {
        return pages::error_page(StatusCode::BAD_REQUEST, "The form could not be read.");
    };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let token = field("token");
    let Some(cookie) = browser_cookie(&headers) else {
        return expired_form();
    };
    match state
        .dossier
        .unseal::<Value>(PURPOSE, field("form_token"))
        .await
    {
        Ok(Some(bound)) if bound == binding(&cookie, token) => {}
        Ok(_) => return expired_form(),
        Err(e) => return server_failure(&e),
    }
    let user = match state.dossier.invitation(token).await {
        Ok(Some(u)) => u,
        Ok(None) => return unusable_link(),
        Err(e) => return server_failure(&e),
    };
    let again = |error: String| {
        let state = state.clone();
        let user = user.clone();
        let cookie = cookie.clone();
        async move {
            password_form(
                &state,
                StatusCode::BAD_REQUEST,
                &cookie,
                token,
                (&user.full_name, &user.id),
                Some(&error),
            )
            .await
        }
    };
    let password = field("password");
    if password != field("confirm") {
        return again("The two passwords differ.".into()).await;
    }
    match state.dossier.accept_invitation(token, password).await {
        Ok(user) => pages::page(
            StatusCode::OK,
            "Password set",
            &format!(
                "<p>Your password is set. You can now sign in as <strong>{}</strong>.</p>",
                escape(&user.id)
            ),
        ),
        Err(DomainError::NotFound(_)) => unusable_link(),
        Err(DomainError::Invalid { message, .. }) => again(message).await,
        Err(e) => server_failure(&e),
    }
}
