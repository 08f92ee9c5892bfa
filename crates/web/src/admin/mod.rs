//! The Control Center: the administrators' pages at `/admin`, on the web client's stack
//! (the same session, CSRF layer, rendering and failure pages).
//!
//! `Administrator` is every page's extractor. Someone who does not manage identity
//! (NRTADMIN, or a role with an administration right) gets the "not found" page for every
//! `/admin` URL, so the console does not even show that it exists. An administrator whose
//! session was not granted the `admin` scope signs in again for it (a step-up: the web
//! client's everyday session is `user openid`); the service's identity use cases require
//! that scope themselves.

pub mod apps;
pub mod audit;
pub mod users;
pub mod walls;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use dossier_api::AppState;
use dossier_service::Caller;

use crate::page::{self, Chrome};
use crate::session::Signed;

/// A signed-in administrator with an `admin`-scoped session.
pub struct Administrator(pub Signed);

impl Administrator {
    pub fn caller(&self) -> &Caller {
        self.0.caller()
    }

    pub fn chrome(&self) -> Chrome {
        Chrome::of(&self.0.0)
    }
}

impl FromRequestParts<AppState> for Administrator {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let signed = Signed::from_request_parts(parts, state).await?;
        let caller = signed.caller();
        if !caller.manages_identity() {
            return Err(page::not_found());
        }
        if !caller.scope.administers() {
            let back = parts.uri.path_and_query().map_or("/admin", |p| p.as_str());
            let back = if parts.method == axum::http::Method::GET {
                back
            } else {
                "/admin"
            };
            return Err(Redirect::to(&format!(
                "/sign-in?admin=true&next={}",
                url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>()
            ))
            .into_response());
        }
        Ok(Administrator(signed))
    }
}

#[derive(Template)]
#[template(path = "admin/home.html")]
struct Home {
    chrome: Chrome,
}

pub async fn home(admin: Administrator) -> Response {
    page::ok(&Home {
        chrome: admin.chrome(),
    })
}
