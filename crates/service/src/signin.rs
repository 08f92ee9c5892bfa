//! Checking a user name and password, for every surface that takes one (the password
//! grant, the sign-in page, the legacy session login). Failures are throttled per account
//! and per address, counted on the account (which locks at the configured threshold) and
//! audited in their own transaction, since no token transaction follows them.

use dossier_core::DomainError;
use dossier_core::identity::{AuditOutcome, User};
use dossier_store::AnyConnection;
use serde_json::json;

use crate::auth::{hash_password, verify_password};
use crate::identity::Audit;
use crate::oauth::{OAuthCode, OAuthError};
use crate::{Dossier, Result};

/// The one message for an unknown user and a wrong password, so neither is revealed.
pub const BAD_CREDENTIALS: &str = "the user name or password is incorrect";

impl Dossier {
    /// Checks a password sign-in. On success the caller must call `record_sign_in` in the
    /// transaction that issues the token or code.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        address: Option<&str>,
    ) -> std::result::Result<User, OAuthError> {
        let now = self.now();
        let username = username.trim();
        if username.is_empty() || username.len() > 256 || password.len() > 1024 {
            return Err(OAuthError::new(OAuthCode::InvalidGrant, BAD_CREDENTIALS));
        }
        if let Err(retry_after_secs) = self.oauth.throttle.check(username, address, now) {
            return Err(DomainError::RateLimited { retry_after_secs }.into());
        }
        let user = {
            let mut conn = self.store.read().await?;
            dossier_store::users::get(&mut conn, username).await?
        };
        let verified = match user.as_ref().and_then(|u| u.password_hash.clone()) {
            Some(hash) => verify_password(password.to_string(), hash).await,
            None => {
                // Spend the time of a real check, so timing does not reveal which user
                // names exist.
                let _ = hash_password(password.to_string()).await;
                false
            }
        };
        let Some(user) = user.filter(|_| verified) else {
            self.sign_in_failed(username, address, "bad_credentials")
                .await?;
            return Err(OAuthError::new(OAuthCode::InvalidGrant, BAD_CREDENTIALS));
        };
        // The password is right; now the account's own state decides.
        let refusal = if user.is_locked {
            Some((
                "locked",
                "this account is locked after too many failed sign-ins; an administrator must unlock it",
            ))
        } else if !user.active || !user.allow_logon {
            Some(("logon_not_allowed", "this account may not sign in"))
        } else if user.force_password_change {
            Some((
                "password_change_required",
                "the password of this account must be changed before it can be used to sign in; ask an administrator to set a new one",
            ))
        } else {
            None
        };
        if let Some((reason, message)) = refusal {
            let mut tx = self.store.begin().await?;
            self.audit_subject(
                tx.conn(),
                Some(&user.id),
                address,
                Audit {
                    action: "signin",
                    target: Some(user.id.clone()),
                    outcome: AuditOutcome::Failure,
                    detail: json!({"reason": reason}),
                },
            )
            .await?;
            tx.commit().await?;
            return Err(OAuthError::new(OAuthCode::InvalidGrant, message));
        }
        Ok(user)
    }

    /// Counts and audits a failed sign-in, locking the account at the threshold.
    async fn sign_in_failed(
        &self,
        username: &str,
        address: Option<&str>,
        reason: &str,
    ) -> Result<()> {
        let now = self.now();
        self.oauth.throttle.record_failure(username, address, now);
        let id = username.to_uppercase();
        let mut tx = self.store.begin().await?;
        let (failures, locked) = dossier_store::users::record_failed_login(
            tx.conn(),
            &id,
            self.settings.lockout_threshold,
            now,
        )
        .await?;
        self.audit_subject(
            tx.conn(),
            None,
            address,
            Audit {
                action: "signin",
                target: Some(id.clone()),
                outcome: AuditOutcome::Failure,
                detail: json!({"reason": reason, "failed_logins": failures}),
            },
        )
        .await?;
        if locked && failures == self.settings.lockout_threshold {
            self.audit_subject(
                tx.conn(),
                None,
                address,
                Audit {
                    action: "user.lock",
                    target: Some(id),
                    outcome: AuditOutcome::Success,
                    detail: json!({"reason": "too many failed sign-ins", "failed_logins": failures}),
                },
            )
            .await?;
        }
        tx.commit().await
    }

    /// Clears the failure count and audits a successful sign-in, in the caller's
    /// transaction.
    pub(crate) async fn record_sign_in(
        &self,
        conn: &mut AnyConnection,
        user: &User,
        via: &str,
        client_id: Option<&str>,
        address: Option<&str>,
    ) -> Result<()> {
        if user.failed_logins > 0 {
            dossier_store::users::clear_failed_logins(conn, &user.id).await?;
        }
        self.audit_subject(
            conn,
            Some(&user.id),
            address,
            Audit {
                action: "signin",
                target: Some(user.id.clone()),
                outcome: AuditOutcome::Success,
                detail: json!({"via": via, "client_id": client_id}),
            },
        )
        .await
    }
}
