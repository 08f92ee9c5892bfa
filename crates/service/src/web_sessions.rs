//! The web client's sessions. A browser signs in on the authorization endpoint's own page
//! as the built-in first-party app `dossier-web` (PKCE, no consent) and brings the code back
//! to `/signed-in`, where `open_web_session` exchanges it — the same authorization-code
//! grant every app uses — and opens a session whose random token becomes the browser's
//! cookie. Only the token's SHA-256 is stored.
//!
//! A session lives while three things hold: it was opened less than the absolute timeout
//! ago, used less than the idle timeout ago, and a token of the family its code exchange
//! issued is still stored. The last makes every revocation a sign-out too: signing out,
//! a password change, deactivation, an administrator revoking the user's tokens or the app.
//!
//! Forgery protection: every state-changing request carries the session's CSRF token, a
//! one-way digest of the session token (so it is unique per session, needs no storage, and
//! reveals nothing that would let a page's reader act as the session).

use chrono::{DateTime, Duration, Utc};
use dossier_core::identity::{App, AuditAction, AuditOutcome, Grant, Scopes};
use dossier_store::web_sessions::StoredSession;
use sha2::{Digest, Sha256};

use crate::audit::Audit;
use crate::auth::{random_token, token_hash};
use crate::oauth::{ClientAuth, GrantContext, OAuthError, OAuthResult};
use crate::{Caller, Dossier, Result};

/// The built-in app the web client signs in as.
pub const WEB_CLIENT_ID: &str = "dossier-web";
/// Where the sign-in page sends the browser back, on this server (a registered redirect URI
/// that is a path means "this path on the server's own public address").
pub const WEB_REDIRECT_PATH: &str = "/signed-in";
/// What a web session may do: everything its user may, through the user API; the Control
/// Center asks for more by its own sign-in.
pub const WEB_SCOPE: &str = "user openid";
/// The idle clock is written at most this often, so reading a page is not a write each time.
const TOUCH_SECONDS: i64 = 60;

/// The token a form or an htmx request must send back with every state-changing request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsrfToken(String);

impl CsrfToken {
    fn of(session_token: &str) -> Self {
        let digest = Sha256::new()
            .chain_update(b"dossier web csrf\0")
            .chain_update(session_token.as_bytes())
            .finalize();
        CsrfToken(hex::encode(digest))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares in constant time.
    pub fn matches(&self, presented: &str) -> bool {
        aws_lc_rs::constant_time::verify_slices_are_equal(self.0.as_bytes(), presented.as_bytes())
            .is_ok()
    }
}

/// A live session: who is signed in, and the token their forms carry.
#[derive(Clone, Debug)]
pub struct WebSession {
    pub caller: Caller,
    pub csrf: CsrfToken,
    pub opened_at: DateTime<Utc>,
}

/// How long sessions last (`web_session_idle_seconds`, `web_session_absolute_seconds`).
#[derive(Clone, Copy, Debug)]
pub struct SessionTimeouts {
    pub idle: Duration,
    pub absolute: Duration,
}

/// The built-in app as bootstrap registers it: public (PKCE), first-party (no consent), with
/// a refresh token so that the session's token family outlives its access token.
pub(crate) fn built_in_app(customer_id: i64, now: DateTime<Utc>) -> App {
    App {
        client_id: WEB_CLIENT_ID.into(),
        customer_id,
        name: "Dossier web client".into(),
        secret_hash: None,
        redirect_uris: vec![WEB_REDIRECT_PATH.into()],
        grants: [Grant::AuthorizationCode, Grant::RefreshToken]
            .into_iter()
            .collect(),
        scopes: Scopes::parse("user openid admin"),
        service_account: None,
        first_party: true,
        enabled: true,
        created_at: now,
        edited_at: now,
    }
}

/// Whether `presented` is the registered redirect URI `registered`: equal, or, for a
/// registered path, that path on the server's own public address `issuer`.
pub(crate) fn redirect_matches(registered: &str, presented: &str, issuer: &str) -> bool {
    if registered.starts_with('/') {
        presented
            .strip_prefix(issuer.trim_end_matches('/'))
            .is_some_and(|path| path == registered)
    } else {
        registered == presented
    }
}

/// The absolute form of a registered redirect URI.
pub(crate) fn registered_redirect(registered: &str, issuer: &str) -> String {
    if registered.starts_with('/') {
        format!("{}{registered}", issuer.trim_end_matches('/'))
    } else {
        registered.to_string()
    }
}

impl Dossier {
    fn session_timeouts(&self) -> SessionTimeouts {
        SessionTimeouts {
            idle: Duration::seconds(self.settings.web_session_idle_seconds),
            absolute: Duration::seconds(self.settings.web_session_absolute_seconds),
        }
    }

    /// Exchanges the code the sign-in page sent back for a session; returns the session
    /// token for the cookie. `redirect_uri` is the address the code was sent to.
    pub async fn open_web_session(
        &self,
        code: &str,
        code_verifier: &str,
        redirect_uri: &str,
        ctx: &GrantContext,
    ) -> OAuthResult<String> {
        let client = ClientAuth {
            client_id: WEB_CLIENT_ID.into(),
            secret: None,
        };
        let issued = self
            .authorization_code_grant(&client, code, Some(redirect_uri), Some(code_verifier), ctx)
            .await?;
        let now = self.now();
        let session = random_token();
        let mut tx = self.store.begin().await?;
        let stored = dossier_store::tokens::get(tx.conn(), &token_hash(&issued.access_token))
            .await?
            .ok_or_else(|| {
                OAuthError::from(dossier_core::DomainError::internal(
                    "the tokens just issued are missing",
                ))
            })?;
        dossier_store::web_sessions::insert(
            tx.conn(),
            &token_hash(&session),
            &StoredSession {
                user_id: stored.user_id,
                family: stored.family,
                scope: issued.scope,
                created_at: now,
                seen_at: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(session)
    }

    /// The live session a cookie names, if any; keeps its idle clock running.
    pub async fn web_session(&self, token: &str) -> Result<Option<WebSession>> {
        if token.is_empty() || token.len() > 100 {
            return Ok(None);
        }
        let hash = token_hash(token);
        let now = self.now();
        let timeouts = self.session_timeouts();
        let mut conn = self.store.read().await?;
        let Some(s) = dossier_store::web_sessions::live(&mut conn, &hash).await? else {
            return Ok(None);
        };
        if now - s.created_at >= timeouts.absolute || now - s.seen_at >= timeouts.idle {
            return Ok(None);
        }
        let Some(caller) = self
            .caller_of(&mut conn, &s.user_id, s.scope, Some(WEB_CLIENT_ID.into()))
            .await?
        else {
            return Ok(None);
        };
        drop(conn);
        if now - s.seen_at >= Duration::seconds(TOUCH_SECONDS) {
            let mut tx = self.store.begin().await?;
            dossier_store::web_sessions::touch(tx.conn(), &hash, now).await?;
            tx.commit().await?;
        }
        Ok(Some(WebSession {
            caller,
            csrf: CsrfToken::of(token),
            opened_at: s.created_at,
        }))
    }

    /// Signs a session out: the session and every token its sign-in issued are gone.
    pub async fn close_web_session(&self, token: &str, address: Option<&str>) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let Some(family) =
            dossier_store::web_sessions::delete(tx.conn(), &token_hash(token)).await?
        else {
            return Ok(());
        };
        let user = dossier_store::tokens::user_of_family(tx.conn(), &family).await?;
        let revoked = dossier_store::tokens::delete_family(tx.conn(), &family).await?;
        if let Some(user) = user {
            self.audit_subject(
                tx.conn(),
                Some(&user),
                address,
                Audit {
                    action: AuditAction::TokenRevoke,
                    target: Some(user.clone()),
                    outcome: AuditOutcome::Success,
                    detail: serde_json::json!({"kind": "web_session", "client_id": WEB_CLIENT_ID, "tokens": revoked}),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes sessions past their timeouts or without tokens (run with the credential purge).
    pub(crate) async fn purge_stale_web_sessions(
        &self,
        conn: &mut dossier_store::AnyConnection,
    ) -> Result<u64> {
        let now = self.now();
        let t = self.session_timeouts();
        dossier_store::web_sessions::delete_stale(conn, now - t.absolute, now - t.idle).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_path_means_this_server() {
        let iss = "https://dms.example.com";
        assert!(redirect_matches(
            "/signed-in",
            "https://dms.example.com/signed-in",
            iss
        ));
        assert!(redirect_matches(
            "/signed-in",
            "https://dms.example.com/signed-in",
            "https://dms.example.com/"
        ));
        assert!(!redirect_matches(
            "/signed-in",
            "https://evil.example/signed-in",
            iss
        ));
        assert!(!redirect_matches(
            "/signed-in",
            "https://dms.example.com.evil/signed-in",
            iss
        ));
        assert!(!redirect_matches(
            "/signed-in",
            "https://dms.example.com/signed-in?x",
            iss
        ));
        assert!(redirect_matches(
            "https://a.example/cb",
            "https://a.example/cb",
            iss
        ));
        assert!(!redirect_matches(
            "https://a.example/cb",
            "https://a.example/cb2",
            iss
        ));
    }

    #[test]
    fn csrf_tokens_differ_per_session_and_compare_exactly() {
        let a = CsrfToken::of("one");
        assert_eq!(a, CsrfToken::of("one"));
        assert_ne!(a, CsrfToken::of("two"));
        assert!(a.matches(a.as_str()));
        assert!(!a.matches(""));
        assert!(!a.matches(&a.as_str()[1..]));
    }
}
