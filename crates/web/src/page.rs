//! Rendering: a template into a page with the web client's security headers, and the pages
//! for failures. An object that does not exist and one the user may not read get the same
//! page, so the web client never tells the two apart.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use dossier_core::DomainError;
use dossier_service::web_sessions::WebSession;

use crate::assets::{ASSETS, Assets};

/// What every signed-in page shows around its content: the user, the search box, the
/// CSRF token htmx sends back, the asset URLs.
pub struct Chrome {
    pub user_name: String,
    pub user_id: String,
    pub csrf: String,
    pub search: String,
    pub assets: &'static Assets,
}

impl Chrome {
    pub fn of(session: &WebSession) -> Self {
        Chrome {
            user_name: session.caller.full_name.clone(),
            user_id: session.caller.user_id.clone(),
            csrf: session.csrf.as_str().to_string(),
            search: String::new(),
            assets: &ASSETS,
        }
    }

    pub fn searching(mut self, q: &str) -> Self {
        self.search = q.to_string();
        self
    }
}

/// The headers of every HTML answer: not cached (pages show what one user may read), no
/// scripts but our own files, framed only by our own pages (the preview).
fn secured(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    r
}

/// Renders a page (or an htmx fragment).
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => secured((status, Html(html)).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "This page could not be shown.",
            )
        }
    }
}

pub fn ok<T: Template>(t: &T) -> Response {
    render(StatusCode::OK, t)
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    title: &'a str,
    text: &'a str,
    link: Option<(&'a str, &'a str)>,
    assets: &'static Assets,
}

/// A page that only says something (an error, "signed out"), with an optional link on.
pub fn message(
    status: StatusCode,
    title: &str,
    text: &str,
    link: Option<(&str, &str)>,
) -> Response {
    let page = Message {
        title,
        text,
        link,
        assets: &ASSETS,
    };
    match page.render() {
        Ok(html) => secured((status, Html(html)).into_response()),
        Err(_) => secured((status, text.to_string()).into_response()),
    }
}

pub fn error(status: StatusCode, text: &str) -> Response {
    let title = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::BAD_REQUEST => "That did not work",
        StatusCode::CONFLICT => "That did not work",
        _ => "Something went wrong",
    };
    message(status, title, text, Some(("/", "Go to the home page")))
}

pub fn forbidden(text: &str) -> Response {
    error(StatusCode::FORBIDDEN, text)
}

pub fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "This page does not exist, or you do not have access to it.",
    )
}

/// The page for a use case's refusal.
pub fn failure(e: &DomainError) -> Response {
    match e {
        DomainError::NotFound(_) => not_found(),
        DomainError::Forbidden(m) => forbidden(&capitalised(m)),
        DomainError::Invalid { message, .. } | DomainError::NoRecord { message, .. } => {
            error(StatusCode::BAD_REQUEST, &capitalised(message))
        }
        DomainError::Conflict(m) => error(StatusCode::CONFLICT, &capitalised(m)),
        DomainError::Exists { message, .. } => error(StatusCode::CONFLICT, &capitalised(message)),
        DomainError::Unauthenticated(_) => message(
            StatusCode::UNAUTHORIZED,
            "Signed out",
            "Your session has ended.",
            Some(("/sign-in", "Sign in again")),
        ),
        DomainError::RateLimited { .. } => error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests. Wait a moment and try again.",
        ),
        DomainError::Unavailable(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Dossier cannot store anything at the moment. Try again shortly.",
        ),
        DomainError::Internal(_) => {
            tracing::error!(error = %e, "a page failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "This page could not be shown.",
            )
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A handler's failure: a use case's refusal, shown as its page, so handlers can use `?`.
pub struct Failure(Box<Response>);

impl From<DomainError> for Failure {
    fn from(e: DomainError) -> Self {
        Failure(Box::new(failure(&e)))
    }
}

impl From<Response> for Failure {
    fn from(r: Response) -> Self {
        Failure(Box::new(r))
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        *self.0
    }
}

pub type PageResult = Result<Response, Failure>;
