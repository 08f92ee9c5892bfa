//! Tokens: issuing access, refresh and ID tokens, resolving a presented token to its caller,
//! revoking a token's family. Tokens are random 256-bit values; only their SHA-256 is
//! stored. The grants that decide *whether* to issue live in `oauth`, the password check
//! with lockout and throttling in `signin`, hashing in `passwords`.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use dossier_core::DomainError;
use dossier_core::identity::{AuditAction, AuditOutcome, Scopes, User};
use dossier_store::AnyConnection;
use dossier_store::tokens::StoredToken;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::audit::Audit;
use crate::passwords::{check_password_rules, hash_password};
use crate::{Caller, Dossier, Result};

pub use dossier_core::identity::ADMIN_GROUP;

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The tokens a grant issues. `refresh_token` is absent for client_credentials;
/// `id_token` is present when `openid` was granted.
#[derive(Clone, Debug)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub expires_in: i64,
    pub scope: Scopes,
}

/// What an issued token is for: whom it acts as, with which scopes, for which app.
pub(crate) struct Issue<'a> {
    pub user: &'a User,
    pub scope: &'a Scopes,
    /// The sign-in this token descends from; refresh tokens keep it.
    pub family: &'a str,
    pub client_id: Option<&'a str>,
    pub with_refresh: bool,
    /// For the ID token: the issuer URL, the client's nonce, and when the user signed in.
    pub issuer: &'a str,
    pub nonce: Option<&'a str>,
    pub auth_time: Option<DateTime<Utc>>,
}

/// A token as introspection reports it (RFC 7662).
#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub kind: String,
    pub user: User,
    pub scope: Scopes,
    pub client_id: Option<String>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Dossier {
    /// Whether a user is an NRTADMIN member, and whether they manage identity through a
    /// library role with an administration right.
    pub(crate) async fn identity_rights(
        &self,
        conn: &mut AnyConnection,
        user_id: &str,
    ) -> Result<(bool, bool)> {
        let is_admin = dossier_store::groups::is_member(conn, ADMIN_GROUP, user_id).await?;
        let identity_admin = dossier_store::roles::roles_of(conn, user_id)
            .await?
            .iter()
            .any(|r| r.is_admin());
        Ok((is_admin, identity_admin))
    }

    /// Stores a new access token (and refresh token) and signs the ID token, in the
    /// caller's transaction.
    pub(crate) async fn issue(
        &self,
        conn: &mut AnyConnection,
        i: Issue<'_>,
    ) -> Result<IssuedTokens> {
        let now = self.now();
        let access = random_token();
        let base = StoredToken {
            kind: "access".into(),
            user_id: i.user.id.clone(),
            scope: i.scope.clone(),
            family: i.family.to_string(),
            expires_at: now + Duration::seconds(self.settings.access_token_seconds),
            client_id: i.client_id.map(str::to_string),
        };
        dossier_store::tokens::insert(conn, &token_hash(&access), &base, now).await?;
        let refresh = if i.with_refresh {
            let refresh = random_token();
            dossier_store::tokens::insert(
                conn,
                &token_hash(&refresh),
                &StoredToken {
                    kind: "refresh".into(),
                    expires_at: now + Duration::seconds(self.settings.refresh_token_seconds),
                    ..base
                },
                now,
            )
            .await?;
            Some(refresh)
        } else {
            None
        };
        let id_token = if i.scope.contains("openid") {
            Some(self.sign_jwt(&self.id_token_claims(&i, now)).await?)
        } else {
            None
        };
        Ok(IssuedTokens {
            access_token: access,
            refresh_token: refresh,
            id_token,
            expires_in: self.settings.access_token_seconds,
            scope: i.scope.clone(),
        })
    }

    /// OpenID Connect Core §2: the ID token's claims. Without an app (a clientless password
    /// grant) the audience is the issuer itself.
    fn id_token_claims(&self, i: &Issue<'_>, now: DateTime<Utc>) -> serde_json::Value {
        let mut claims = serde_json::json!({
            "iss": i.issuer,
            "sub": i.user.ssid,
            "aud": i.client_id.unwrap_or(i.issuer),
            "iat": now.timestamp(),
            "exp": now.timestamp() + self.settings.access_token_seconds,
            "name": i.user.full_name,
            "preferred_username": i.user.id,
        });
        if let Some(email) = &i.user.email {
            claims["email"] = email.clone().into();
        }
        if let Some(nonce) = i.nonce {
            claims["nonce"] = nonce.into();
        }
        if let Some(t) = i.auth_time {
            claims["auth_time"] = t.timestamp().into();
        }
        claims
    }

    /// Resolves an access token to its caller.
    pub async fn authenticate(&self, token: &str) -> Result<Caller> {
        let invalid = || DomainError::Unauthenticated("X-Auth-Token is invalid or missing".into());
        if token.is_empty() || token.len() > 512 {
            return Err(invalid());
        }
        let mut conn = self.store.read().await?;
        let stored = dossier_store::tokens::get(&mut conn, &token_hash(token))
            .await?
            .ok_or_else(invalid)?;
        if stored.kind != "access" || stored.expires_at < self.now() {
            return Err(invalid());
        }
        self.caller_of(&mut conn, &stored.user_id, stored.scope, stored.client_id)
            .await?
            .ok_or_else(invalid)
    }

    /// Who `user_id` is now, acting with `scope` through `client_id`: `None` when the user
    /// is gone, inactive or locked. A token resolves to this, and so does the owner of a
    /// webhook subscription at each delivery (its rights as they are then).
    pub(crate) async fn caller_of(
        &self,
        conn: &mut AnyConnection,
        user_id: &str,
        scope: Scopes,
        client_id: Option<String>,
    ) -> Result<Option<Caller>> {
        let Some(user) = dossier_store::users::get(conn, user_id).await? else {
            return Ok(None);
        };
        if !user.active || user.is_locked {
            return Ok(None);
        }
        let (is_admin, identity_admin) = self.identity_rights(conn, &user.id).await?;
        Ok(Some(Caller {
            user_id: user.id,
            full_name: user.full_name,
            customer_id: user.customer_id,
            is_admin,
            identity_admin,
            scope,
            client_id,
            address: None,
        }))
    }

    /// A stored token, live or not, for introspection and revocation.
    pub(crate) async fn token_info(&self, token: &str) -> Result<Option<TokenInfo>> {
        if token.is_empty() || token.len() > 512 {
            return Ok(None);
        }
        let mut conn = self.store.read().await?;
        let Some(rec) = dossier_store::tokens::record(&mut conn, &token_hash(token)).await? else {
            return Ok(None);
        };
        let Some(user) = dossier_store::users::get(&mut conn, &rec.token.user_id).await? else {
            return Ok(None);
        };
        Ok(Some(TokenInfo {
            kind: rec.token.kind,
            user,
            scope: rec.token.scope,
            client_id: rec.token.client_id,
            issued_at: rec.created_at,
            expires_at: rec.token.expires_at,
        }))
    }

    /// Deletes expired tokens, long-expired authorization codes, expired invitations and
    /// stale web sessions,
    /// which nothing reads any more (run on a schedule by the server). Returns how many
    /// tokens and codes went.
    pub async fn purge_expired_credentials(&self) -> Result<(u64, u64)> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let tokens = dossier_store::tokens::delete_expired(tx.conn(), now).await?;
        let codes = dossier_store::apps::delete_expired_codes(tx.conn(), now).await?;
        dossier_store::invitations::delete_expired(tx.conn(), now).await?;
        self.purge_stale_web_sessions(tx.conn()).await?;
        tx.commit().await?;
        Ok((tokens, codes))
    }

    /// Revokes an access or refresh token and everything issued with it (its family).
    /// Returns whether a token was found.
    pub(crate) async fn revoke_family(&self, token: &str, address: Option<&str>) -> Result<bool> {
        let mut tx = self.store.begin().await?;
        let Some(stored) = dossier_store::tokens::get(tx.conn(), &token_hash(token)).await? else {
            return Ok(false);
        };
        let revoked = dossier_store::tokens::delete_family(tx.conn(), &stored.family).await?;
        self.audit_subject(
            tx.conn(),
            Some(&stored.user_id),
            address,
            Audit {
                action: AuditAction::TokenRevoke,
                target: Some(stored.user_id.clone()),
                outcome: AuditOutcome::Success,
                detail: serde_json::json!({"kind": stored.kind, "client_id": stored.client_id, "tokens": revoked}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Sets a user's password from the command line (`admin set-password`, `user passwd`):
    /// unlocks the account, ends its sessions and leaves an audit record.
    pub async fn set_password(&self, user_id: &str, password: &str) -> Result<()> {
        check_password_rules(password)?;
        let hash = hash_password(password.to_string()).await?;
        let mut tx = self.store.begin().await?;
        self.set_password_in(tx.conn(), user_id, hash, "cli")
            .await?;
        tx.commit().await
    }

    /// Stores a checked password's hash (`via` names the surface in the audit record):
    /// unlocks the account, ends its sessions and voids its invitations, whose links set a
    /// first password only.
    pub(crate) async fn set_password_in(
        &self,
        conn: &mut AnyConnection,
        user_id: &str,
        hash: String,
        via: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut user = dossier_store::users::get(conn, user_id)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("user {user_id}")))?;
        user.password_hash = Some(hash);
        user.pwd_changed_at = Some(now);
        user.is_locked = false;
        user.clear_sign_in_lock();
        user.version += 1;
        user.edited_at = now;
        dossier_store::users::update(conn, &user).await?;
        dossier_store::tokens::delete_for_user(conn, &user.id).await?;
        dossier_store::invitations::delete_for_user(conn, &user.id).await?;
        self.audit(
            conn,
            None,
            Audit {
                action: AuditAction::UserPasswordSet,
                target: Some(user.id.clone()),
                outcome: dossier_core::identity::AuditOutcome::Success,
                detail: serde_json::json!({"via": via}),
            },
        )
        .await
    }
}
