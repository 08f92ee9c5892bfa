//! Applications: the OAuth clients integrations sign in with ("add Actionstep access under
//! Applications > Add Application"). Adding one shows its client id and, for a confidential
//! app, its secret — once: only a hash is kept. Revoking one ends its sessions.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use dossier_api::AppState;
use dossier_service::apps::AppRegistration;
use dossier_service::web_sessions::WEB_CLIENT_ID;
use serde::Deserialize;

use super::Administrator;
use crate::page::{self, Chrome, PageResult};

pub struct AppRow {
    pub client_id: String,
    pub name: String,
    pub kind: &'static str,
    pub redirect_uris: String,
    pub grants: String,
    pub scopes: String,
    pub enabled: bool,
    /// The web client's own app: shown, never revoked from here.
    pub built_in: bool,
}

#[derive(Template)]
#[template(path = "admin/apps.html")]
struct AppsPage {
    chrome: Chrome,
    apps: Vec<AppRow>,
}

pub async fn list(State(state): State<AppState>, admin: Administrator) -> PageResult {
    let apps = state.dossier.apps(admin.caller()).await?;
    Ok(page::ok(&AppsPage {
        chrome: admin.chrome(),
        apps: apps
            .iter()
            .map(|a| AppRow {
                client_id: a.client_id.clone(),
                name: a.name.clone(),
                kind: if a.is_public() {
                    "Public (PKCE)"
                } else {
                    "Confidential"
                },
                redirect_uris: a.redirect_uris.join(" "),
                grants: a
                    .grants
                    .iter()
                    .map(|g| g.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                scopes: a.scopes.iter().collect::<Vec<_>>().join(" "),
                enabled: a.enabled,
                built_in: a.client_id == WEB_CLIENT_ID,
            })
            .collect(),
    }))
}

#[derive(Deserialize)]
pub struct NewAppForm {
    name: String,
    /// One per line.
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    public: Option<String>,
    #[serde(default)]
    first_party: Option<String>,
    #[serde(default)]
    scope_admin: Option<String>,
    #[serde(default)]
    scope_openid: Option<String>,
    #[serde(default)]
    grant_client_credentials: Option<String>,
    #[serde(default)]
    service_account: String,
}

#[derive(Template)]
#[template(path = "admin/app_added.html")]
struct Added {
    chrome: Chrome,
    name: String,
    client_id: String,
    client_secret: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    admin: Administrator,
    Form(f): Form<NewAppForm>,
) -> PageResult {
    let mut scopes = vec!["user".to_string()];
    if f.scope_openid.is_some() {
        scopes.push("openid".into());
    }
    if f.scope_admin.is_some() {
        scopes.push("admin".into());
    }
    let mut grants = vec![
        "authorization_code".to_string(),
        "refresh_token".to_string(),
    ];
    if f.grant_client_credentials.is_some() {
        grants.push("client_credentials".into());
    }
    let registered = state
        .dossier
        .register_app(
            admin.caller(),
            AppRegistration {
                name: f.name,
                redirect_uris: f
                    .redirect_uris
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
                grants,
                scopes,
                public: f.public.is_some(),
                service_account: Some(f.service_account).filter(|s| !s.trim().is_empty()),
                first_party: f.first_party.is_some(),
            },
        )
        .await?;
    Ok(page::ok(&Added {
        chrome: admin.chrome(),
        name: registered.app.name.clone(),
        client_id: registered.app.client_id.clone(),
        client_secret: registered.client_secret,
    }))
}

pub async fn revoke(
    State(state): State<AppState>,
    admin: Administrator,
    Path(client_id): Path<String>,
) -> Result<Response, page::Failure> {
    state.dossier.revoke_app(admin.caller(), &client_id).await?;
    Ok(Redirect::to("/admin/applications").into_response())
}
