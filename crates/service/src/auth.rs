//! Sign-in and tokens, minimal until the identity issue: the OAuth password and
//! refresh_token grants, and resolving a presented token to its caller. Tokens are random
//! 256-bit values; only their SHA-256 is stored. Refresh tokens rotate at each use, and
//! presenting a used one revokes its whole family.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use chrono::Duration;
use dossier_core::DomainError;
use dossier_store::tokens::StoredToken;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{Caller, Dossier, Result};

pub use dossier_core::identity::ADMIN_GROUP;

/// What the token endpoint returns.
#[derive(Clone, Debug)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub scope: String,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Argon2id in a blocking thread, so sign-ins cannot starve the async runtime.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| DomainError::internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(DomainError::internal)?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// Checks the password rules: long enough to resist guessing, short enough to hash cheaply.
pub fn check_password_rules(password: &str) -> Result<()> {
    let n = password.chars().count();
    if !(8..=256).contains(&n) {
        return Err(DomainError::invalid(
            "password",
            "a password must be 8 to 256 characters long",
        ));
    }
    Ok(())
}

fn bad_credentials() -> DomainError {
    DomainError::Unauthenticated("the user name or password is incorrect".into())
}

impl Dossier {
    /// The OAuth password grant.
    pub async fn password_grant(
        &self,
        username: &str,
        password: &str,
        scope: Option<&str>,
    ) -> Result<IssuedTokens> {
        let user = {
            let mut conn = self.store.read().await?;
            dossier_store::users::get(&mut conn, username).await?
        };
        let Some(user) = user else {
            // Spend the same time as a real check, so response timing does not reveal
            // which user names exist.
            let _ = hash_password(password.to_string()).await;
            return Err(bad_credentials());
        };
        let Some(hash) = user.password_hash.clone() else {
            return Err(bad_credentials());
        };
        if !verify_password(password.to_string(), hash).await || !user.may_sign_in_with_password() {
            return Err(bad_credentials());
        }
        let scope = scope
            .filter(|s| !s.is_empty())
            .unwrap_or("user")
            .to_string();
        let mut tx = self.store.begin().await?;
        let issued = self
            .issue(tx.conn(), &user.id, &scope, &random_token())
            .await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// The OAuth refresh_token grant, rotating the refresh token.
    pub async fn refresh_grant(&self, refresh_token: &str) -> Result<IssuedTokens> {
        let hash = token_hash(refresh_token);
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let Some(stored) = dossier_store::tokens::get(tx.conn(), &hash).await? else {
            return Err(DomainError::Unauthenticated(
                "the refresh token is invalid".into(),
            ));
        };
        if stored.kind == "refresh_used" {
            // A replayed refresh token means it leaked: revoke everything issued from it.
            dossier_store::tokens::delete_family(tx.conn(), &stored.family).await?;
            tx.commit().await?;
            return Err(DomainError::Unauthenticated(
                "the refresh token was already used; its session has been revoked".into(),
            ));
        }
        if stored.kind != "refresh" || stored.expires_at < now {
            return Err(DomainError::Unauthenticated(
                "the refresh token is invalid or expired".into(),
            ));
        }
        dossier_store::tokens::delete(tx.conn(), &hash).await?;
        dossier_store::tokens::insert(
            tx.conn(),
            &hash,
            &StoredToken {
                kind: "refresh_used".into(),
                ..stored.clone()
            },
            now,
        )
        .await?;
        let issued = self
            .issue(tx.conn(), &stored.user_id, &stored.scope, &stored.family)
            .await?;
        tx.commit().await?;
        Ok(issued)
    }

    async fn issue(
        &self,
        conn: &mut dossier_store::AnyConnection,
        user_id: &str,
        scope: &str,
        family: &str,
    ) -> Result<IssuedTokens> {
        let now = self.now();
        let access = random_token();
        let refresh = random_token();
        let base = StoredToken {
            kind: "access".into(),
            user_id: user_id.to_string(),
            scope: scope.to_string(),
            family: family.to_string(),
            expires_at: now + Duration::seconds(self.settings.access_token_seconds),
        };
        dossier_store::tokens::insert(conn, &token_hash(&access), &base, now).await?;
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
        Ok(IssuedTokens {
            access_token: access,
            refresh_token: refresh,
            expires_in: self.settings.access_token_seconds,
            scope: scope.to_string(),
        })
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
        let user = dossier_store::users::get(&mut conn, &stored.user_id)
            .await?
            .ok_or_else(invalid)?;
        if !user.active || user.is_locked {
            return Err(invalid());
        }
        let is_admin = dossier_store::groups::is_member(&mut conn, ADMIN_GROUP, &user.id).await?;
        let mut identity_admin = false;
        for m in dossier_store::roles::memberships(&mut conn, &user.id).await? {
            if let Some(role) = dossier_store::roles::get(&mut conn, &m.library, &m.role).await? {
                identity_admin |= role.is_admin();
            }
        }
        Ok(Caller {
            user_id: user.id,
            full_name: user.full_name,
            customer_id: user.customer_id,
            is_admin,
            identity_admin,
            scope: stored.scope,
            client_id: None,
            address: None,
        })
    }

    /// Revokes an access or refresh token and everything issued with it.
    pub async fn revoke(&self, token: &str) -> Result<()> {
        let mut tx = self.store.begin().await?;
        if let Some(stored) = dossier_store::tokens::get(tx.conn(), &token_hash(token)).await? {
            dossier_store::tokens::delete_family(tx.conn(), &stored.family).await?;
        }
        tx.commit().await
    }

    /// Sets a user's password from the command line (`admin set-password`, `user passwd`):
    /// unlocks the account, ends its sessions and leaves an audit record.
    pub async fn set_password(&self, user_id: &str, password: &str) -> Result<()> {
        check_password_rules(password)?;
        let hash = hash_password(password.to_string()).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut user = dossier_store::users::get(tx.conn(), user_id)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("user {user_id}")))?;
        user.password_hash = Some(hash);
        user.pwd_changed_at = Some(now);
        user.is_locked = false;
        user.failed_logins = 0;
        user.version += 1;
        user.edited_at = now;
        dossier_store::users::update(tx.conn(), &user).await?;
        dossier_store::tokens::delete_for_user(tx.conn(), &user.id).await?;
        self.audit(
            tx.conn(),
            None,
            crate::identity::Audit {
                action: "user.password.set",
                target: Some(user.id.clone()),
                outcome: dossier_core::identity::AuditOutcome::Success,
                detail: serde_json::json!({"via": "cli"}),
            },
        )
        .await?;
        tx.commit().await
    }
}
