//! Registered OAuth apps (the Control Center's Applications): registering a client with
//! its redirect URIs, grants and scopes, listing, changing and revoking it. Only identity
//! administrators with an `admin` token may do any of it. A confidential app's secret is
//! made here, shown once and kept only as an Argon2id hash.

use std::collections::BTreeSet;

use dossier_core::DomainError;
use dossier_core::identity::{App, AuditAction, AuditOutcome, Grant, Scopes, parse_scopes};
use serde_json::{Value, json};

use crate::audit::Audit;
use crate::auth::random_token;
use crate::passwords::hash_password;
use crate::{Caller, Dossier, Result};

/// A new app as an administrator describes it.
#[derive(Clone, Debug, Default)]
pub struct AppRegistration {
    pub name: String,
    pub redirect_uris: Vec<String>,
    /// Grant names; empty means authorization_code and refresh_token.
    pub grants: Vec<String>,
    /// Scope names; empty means `user`.
    pub scopes: Vec<String>,
    /// A public client (a browser or native app) has no secret and must use PKCE.
    pub public: bool,
    pub service_account: Option<String>,
    pub first_party: bool,
}

/// A partial change to an app; `None` leaves a field alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppChanges {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub grants: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub service_account: Option<Option<String>>,
    pub first_party: Option<bool>,
    pub enabled: Option<bool>,
    /// Replace the client secret with a new one (returned once).
    pub new_secret: bool,
}

/// An app and, right after registration or a secret reset, its secret in clear.
#[derive(Clone, Debug)]
pub struct RegisteredApp {
    pub app: App,
    pub client_secret: Option<String>,
}

/// RFC 6749 §3.1.2 and RFC 8252 §7.3: an absolute URI without a fragment, over https, or
/// over http only to the loopback interface (native apps listening locally).
pub fn check_redirect_uri(raw: &str) -> Result<()> {
    let bad = |why: &str| DomainError::invalid("redirect_uris", format!("'{raw}' {why}"));
    let url = url::Url::parse(raw).map_err(|_| bad("is not an absolute URI"))?;
    if url.fragment().is_some() {
        return Err(bad("must not have a fragment"));
    }
    if raw.len() > 2000 {
        return Err(bad("is too long"));
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" => match url.host() {
            Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Domain("localhost")) => Ok(()),
            _ => Err(bad(
                "uses http; only https, or http to a loopback address, is allowed",
            )),
        },
        _ => Err(bad("must use https (or http to a loopback address)")),
    }
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(DomainError::required("name"));
    }
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "name",
            "name must be at most 200 characters, without control characters",
        ));
    }
    Ok(name.to_string())
}

fn parse_grants(names: &[String]) -> Result<BTreeSet<Grant>> {
    if names.is_empty() {
        return Ok([Grant::AuthorizationCode, Grant::RefreshToken].into());
    }
    names
        .iter()
        .map(|n| {
            Grant::parse(n.trim()).ok_or_else(|| {
                DomainError::invalid(
                    "grants",
                    format!(
                        "unknown grant '{n}' (authorization_code, refresh_token, password, client_credentials)"
                    ),
                )
            })
        })
        .collect()
}

fn app_scopes(names: &[String]) -> Result<Scopes> {
    if names.is_empty() {
        return Ok(Scopes::parse("user"));
    }
    parse_scopes(&names.join(" ")).map_err(|e| DomainError::invalid("scopes", e.to_string()))
}

/// What an audit record keeps of an app: everything but the secret hash.
fn snapshot(a: &App) -> Value {
    json!({
        "client_id": a.client_id, "name": a.name, "public": a.is_public(),
        "redirect_uris": a.redirect_uris, "grants": a.grants.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        "scopes": a.scopes.iter().collect::<Vec<_>>(), "service_account": a.service_account, "first_party": a.first_party,
        "enabled": a.enabled,
    })
}

impl Dossier {
    /// Checks the rules that tie an app's fields together.
    async fn check_app(&self, caller: &Caller, app: &App) -> Result<()> {
        for uri in &app.redirect_uris {
            check_redirect_uri(uri)?;
        }
        if app.grants.contains(&Grant::AuthorizationCode) && app.redirect_uris.is_empty() {
            return Err(DomainError::invalid(
                "redirect_uris",
                "an app that uses authorization_code needs at least one redirect URI",
            ));
        }
        if app.grants.contains(&Grant::ClientCredentials) {
            if app.is_public() {
                return Err(DomainError::invalid(
                    "grants",
                    "a public client cannot use client_credentials",
                ));
            }
            if app.service_account.is_none() {
                return Err(DomainError::invalid(
                    "service_account",
                    "client_credentials needs a service account for the app to act as",
                ));
            }
        }
        if let Some(account) = &app.service_account {
            let mut conn = self.store.read().await?;
            let found = dossier_store::users::get(&mut conn, account)
                .await?
                .filter(|u| u.customer_id == caller.customer_id);
            if found.is_none() {
                return Err(DomainError::invalid(
                    "service_account",
                    format!("there is no user {account}"),
                ));
            }
        }
        Ok(())
    }

    pub async fn register_app(
        &self,
        caller: &Caller,
        reg: AppRegistration,
    ) -> Result<RegisteredApp> {
        caller.require_identity_admin()?;
        let now = self.now();
        let secret = (!reg.public).then(random_token);
        let mut app = App {
            client_id: uuid::Uuid::new_v4().to_string(),
            customer_id: caller.customer_id,
            name: check_name(&reg.name)?,
            secret_hash: None,
            redirect_uris: reg
                .redirect_uris
                .iter()
                .map(|u| u.trim().to_string())
                .collect(),
            grants: parse_grants(&reg.grants)?,
            scopes: app_scopes(&reg.scopes)?,
            service_account: reg
                .service_account
                .map(|s| s.trim().to_uppercase())
                .filter(|s| !s.is_empty()),
            first_party: reg.first_party,
            enabled: true,
            created_at: now,
            edited_at: now,
        };
        if let Some(s) = &secret {
            app.secret_hash = Some(hash_password(s.clone()).await?);
        }
        self.check_app(caller, &app).await?;
        let mut tx = self.store.begin().await?;
        dossier_store::apps::insert(tx.conn(), &app).await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::AppCreate,
                target: Some(app.client_id.clone()),
                outcome: AuditOutcome::Success,
                detail: json!({"after": snapshot(&app)}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(RegisteredApp {
            app,
            client_secret: secret,
        })
    }

    pub async fn apps(&self, caller: &Caller) -> Result<Vec<App>> {
        caller.require_identity_admin()?;
        let mut conn = self.store.read().await?;
        dossier_store::apps::list(&mut conn, caller.customer_id).await
    }

    pub async fn app(&self, caller: &Caller, client_id: &str) -> Result<App> {
        caller.require_identity_admin()?;
        let mut conn = self.store.read().await?;
        dossier_store::apps::get(&mut conn, client_id)
            .await?
            .filter(|a| a.customer_id == caller.customer_id)
            .ok_or_else(|| DomainError::not_found(format!("app {client_id}")))
    }

    /// Changes an app. Disabling it revokes its tokens; changing its grants, scopes or
    /// redirect URIs applies to new requests only.
    pub async fn update_app(
        &self,
        caller: &Caller,
        client_id: &str,
        changes: AppChanges,
    ) -> Result<RegisteredApp> {
        let before = self.app(caller, client_id).await?;
        let only_enabling = AppChanges {
            enabled: changes.enabled,
            ..AppChanges::default()
        };
        if before.client_id == crate::web_sessions::WEB_CLIENT_ID && changes != only_enabling {
            return Err(DomainError::Forbidden(
                "the web client's application is built in: it can be disabled, not changed".into(),
            ));
        }
        let mut app = before.clone();
        if let Some(n) = &changes.name {
            app.name = check_name(n)?;
        }
        if let Some(u) = &changes.redirect_uris {
            app.redirect_uris = u.iter().map(|u| u.trim().to_string()).collect();
        }
        if let Some(g) = &changes.grants {
            app.grants = parse_grants(g)?;
        }
        if let Some(s) = &changes.scopes {
            app.scopes = app_scopes(s)?;
        }
        if let Some(s) = &changes.service_account {
            app.service_account = s
                .as_ref()
                .map(|s| s.trim().to_uppercase())
                .filter(|s| !s.is_empty());
        }
        if let Some(f) = changes.first_party {
            app.first_party = f;
        }
        if let Some(e) = changes.enabled {
            app.enabled = e;
        }
        let secret = if changes.new_secret {
            if app.is_public() {
                return Err(DomainError::invalid(
                    "new_secret",
                    "a public client has no secret",
                ));
            }
            let s = random_token();
            app.secret_hash = Some(hash_password(s.clone()).await?);
            Some(s)
        } else {
            None
        };
        self.check_app(caller, &app).await?;
        app.edited_at = self.now();
        let mut tx = self.store.begin().await?;
        dossier_store::apps::update(tx.conn(), &app).await?;
        if !app.enabled && before.enabled {
            self.end_app_sessions(tx.conn(), &app.client_id).await?;
        }
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::AppUpdate,
                target: Some(app.client_id.clone()),
                outcome: AuditOutcome::Success,
                detail: json!({"before": snapshot(&before), "after": snapshot(&app), "new_secret": secret.is_some()}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(RegisteredApp {
            app,
            client_secret: secret,
        })
    }

    /// Revokes an app: disabled (kept, so its audit trail still names it), its tokens,
    /// codes and consents gone.
    pub async fn revoke_app(&self, caller: &Caller, client_id: &str) -> Result<App> {
        let mut app = self.app(caller, client_id).await?;
        app.enabled = false;
        app.edited_at = self.now();
        let mut tx = self.store.begin().await?;
        dossier_store::apps::update(tx.conn(), &app).await?;
        let tokens = self.end_app_sessions(tx.conn(), &app.client_id).await?;
        dossier_store::apps::delete_consents(tx.conn(), &app.client_id).await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::AppRevoke,
                target: Some(app.client_id.clone()),
                outcome: AuditOutcome::Success,
                detail: json!({"tokens_revoked": tokens}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(app)
    }

    async fn end_app_sessions(
        &self,
        conn: &mut dossier_store::AnyConnection,
        client_id: &str,
    ) -> Result<u64> {
        dossier_store::apps::delete_codes(conn, client_id, self.now()).await?;
        dossier_store::tokens::delete_for_client(conn, client_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_must_be_https_or_loopback() {
        assert!(check_redirect_uri("https://app.example.com/cb").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:8765/cb").is_ok());
        assert!(check_redirect_uri("http://[::1]/cb").is_ok());
        assert!(check_redirect_uri("http://localhost/cb").is_ok());
        assert!(check_redirect_uri("http://app.example.com/cb").is_err());
        assert!(check_redirect_uri("https://app.example.com/cb#x").is_err());
        assert!(check_redirect_uri("/relative").is_err());
        assert!(check_redirect_uri("javascript:alert(1)").is_err());
    }
}
