//! Checking a user name and password, for every surface that takes one (the password
//! grant, the sign-in page, the legacy session login).
//!
//! Every attempt is counted before its password is checked, so guesses sent together are
//! counted one by one: first a place in the per-node throttle (per account and per client
//! address), then a count on the account in the database. Only attempts within the
//! account's lockout threshold are checked at all, and a right password counts only if no
//! lock landed and no more than the threshold of attempts were counted while it was being
//! checked. A burst of guesses therefore never yields a token, however it is timed.
//!
//! Reaching the threshold locks password sign-in for `lockout_seconds`, doubling with each
//! further lockout up to `lockout_max_seconds`; the lock always ends by itself, so nobody can
//! shut an administrator out for good by guessing, and it leaves sessions already open
//! alone. A locked account, an unknown user and a wrong password get the same answer after
//! the same work; the audit records say which it was.

use chrono::{DateTime, Duration, Utc};
use dossier_core::DomainError;
use dossier_core::identity::{AuditAction, AuditOutcome, User};
use dossier_store::AnyConnection;
use dossier_store::users::SignInAttempt;
use serde_json::json;

use crate::audit::Audit;
use crate::oauth::{OAuthCode, OAuthError};
use crate::passwords::{hash_password, verify_password};
use crate::{Dossier, Result};

/// The one message for an unknown user, a wrong password and a locked account, so none is
/// revealed. It names the way out of a lock without saying whether there is one.
pub const BAD_CREDENTIALS: &str = "the user name or password is incorrect (after repeated failures an account's sign-in is paused for a while; an administrator can end the pause with `dossier user unlock USER`)";

/// Why a sign-in attempt failed, as the audit record says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    /// An unknown user, or a wrong password.
    BadCredentials,
    /// Locked by an administrator, or for a while after failed sign-ins.
    Locked,
    /// Counted beyond the lockout threshold (attempts sent together): not checked.
    TooManyAttempts,
}

impl Failure {
    fn reason(self) -> &'static str {
        match self {
            Failure::BadCredentials => "bad_credentials",
            Failure::Locked => "locked",
            Failure::TooManyAttempts => "too_many_attempts",
        }
    }
}

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
        if let Err(retry_after_secs) = self.oauth.throttle.reserve(username, address, now) {
            return Err(DomainError::RateLimited { retry_after_secs }.into());
        }
        let checked = self.check_password(username, password, address, now).await;
        if checked.is_ok() {
            self.oauth.throttle.release(username, address, now);
        }
        checked
    }

    async fn check_password(
        &self,
        username: &str,
        password: &str,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> std::result::Result<User, OAuthError> {
        let id = username.to_uppercase();
        let threshold = self.settings.lockout_threshold;
        let attempt = {
            let mut tx = self.store.begin().await?;
            let attempt = dossier_store::users::count_sign_in_attempt(tx.conn(), &id, now).await?;
            tx.commit().await?;
            attempt
        };
        let (user, unchecked) = match attempt {
            SignInAttempt::Counted { failures, .. } if threshold > 0 && failures > threshold => {
                (None, Some(Failure::TooManyAttempts))
            }
            SignInAttempt::Counted { .. } => {
                let mut conn = self.store.read().await?;
                (dossier_store::users::get(&mut conn, &id).await?, None)
            }
            SignInAttempt::Locked { .. } => (None, Some(Failure::Locked)),
            SignInAttempt::Unknown => (None, Some(Failure::BadCredentials)),
        };
        let verified = match user.as_ref().and_then(|u| u.password_hash.clone()) {
            Some(hash) => verify_password(password.to_string(), hash).await,
            None => {
                // Spend the time of a real check, so timing does not reveal which user
                // names exist or which accounts are locked.
                let _ = hash_password(password.to_string()).await;
                false
            }
        };
        let user = match user {
            Some(user) if verified && !user.is_locked => user,
            Some(user) if verified => {
                return Err(self
                    .sign_in_failed(&user.id, address, attempt, Failure::Locked)
                    .await);
            }
            _ => {
                let failure = unchecked.unwrap_or(Failure::BadCredentials);
                return Err(self.sign_in_failed(&id, address, attempt, failure).await);
            }
        };
        // The password is right; it counts only if the guesses counted beside it did not
        // reach the threshold or lock the account meanwhile.
        let mut tx = self.store.begin().await?;
        let counts =
            dossier_store::users::sign_in_succeeded(tx.conn(), &user.id, threshold, now).await?;
        tx.commit().await?;
        if !counts {
            return Err(self
                .sign_in_failed(&user.id, address, attempt, Failure::TooManyAttempts)
                .await);
        }
        // Now the account's own state decides; these answers follow a right password only.
        let refusal = if !user.active || !user.allow_logon {
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
                    action: AuditAction::Signin,
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

    /// Audits a failed sign-in and locks the account once its counted attempts reach the
    /// threshold. Returns the answer for the client: the same whatever the reason.
    async fn sign_in_failed(
        &self,
        id: &str,
        address: Option<&str>,
        attempt: SignInAttempt,
        failure: Failure,
    ) -> OAuthError {
        match self.record_failure(id, address, attempt, failure).await {
            Ok(()) => OAuthError::new(OAuthCode::InvalidGrant, BAD_CREDENTIALS),
            Err(e) => e.into(),
        }
    }

    async fn record_failure(
        &self,
        id: &str,
        address: Option<&str>,
        attempt: SignInAttempt,
        failure: Failure,
    ) -> Result<()> {
        let now = self.now();
        let threshold = self.settings.lockout_threshold;
        let mut tx = self.store.begin().await?;
        let mut detail = json!({"reason": failure.reason()});
        let mut locked_until = None;
        match attempt {
            SignInAttempt::Counted { failures, lockouts } => {
                detail["failed_logins"] = json!(failures);
                if threshold > 0 && failures >= threshold {
                    let until = now + self.lockout_duration(lockouts);
                    if dossier_store::users::lock_sign_in(tx.conn(), id, threshold, until, now)
                        .await?
                    {
                        locked_until = Some((until, lockouts + 1));
                    }
                }
            }
            SignInAttempt::Locked { until } => detail["locked_until"] = json!(until),
            SignInAttempt::Unknown => {}
        }
        self.audit_subject(
            tx.conn(),
            None,
            address,
            Audit {
                action: AuditAction::Signin,
                target: Some(id.to_string()),
                outcome: AuditOutcome::Failure,
                detail,
            },
        )
        .await?;
        if let Some((until, lockouts)) = locked_until {
            self.audit_subject(
                tx.conn(),
                None,
                address,
                Audit {
                    action: AuditAction::UserLock,
                    target: Some(id.to_string()),
                    outcome: AuditOutcome::Success,
                    detail: json!({
                        "reason": "too many failed sign-ins",
                        "until": until,
                        "lockouts": lockouts,
                    }),
                },
            )
            .await?;
        }
        tx.commit().await
    }

    /// How long the lock after `lockouts` earlier ones lasts: the configured time, doubled
    /// for each earlier lockout since the last successful sign-in, up to the cap.
    fn lockout_duration(&self, lockouts: i64) -> Duration {
        Duration::seconds(lockout_seconds(&self.settings, lockouts))
    }

    /// Audits a successful sign-in, in the caller's transaction (`sign_in` has already
    /// taken its count back).
    pub(crate) async fn record_sign_in(
        &self,
        conn: &mut AnyConnection,
        user: &User,
        via: &str,
        client_id: Option<&str>,
        address: Option<&str>,
    ) -> Result<()> {
        self.audit_subject(
            conn,
            Some(&user.id),
            address,
            Audit {
                action: AuditAction::Signin,
                target: Some(user.id.clone()),
                outcome: AuditOutcome::Success,
                detail: json!({"via": via, "client_id": client_id}),
            },
        )
        .await
    }
}

fn lockout_seconds(settings: &crate::Settings, lockouts: i64) -> i64 {
    let base = settings.lockout_seconds.max(1);
    let cap = settings.lockout_max_seconds.max(base);
    let factor = 1i64 << lockouts.clamp(0, 62);
    base.saturating_mul(factor).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_lockout_lasts_twice_as_long_as_the_last_up_to_the_cap() {
        let settings = crate::Settings {
            lockout_seconds: 300,
            lockout_max_seconds: 3600,
            ..Default::default()
        };
        let seconds = |n| lockout_seconds(&settings, n);
        assert_eq!(
            [seconds(0), seconds(1), seconds(2), seconds(3), seconds(4)],
            [300, 600, 1200, 2400, 3600]
        );
        assert_eq!(seconds(1_000), 3600);
        assert_eq!(seconds(-1), 300);
    }
}
