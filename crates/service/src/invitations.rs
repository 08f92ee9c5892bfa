//! Invitations: a user an administrator creates without a password receives an e-mail
//! with a one-time link to a page where they choose it. The link's token is random; only
//! its SHA-256 is stored, with an expiry; setting the password deletes every invitation of
//! the user, so a link works once. A link that is unknown, used or expired sets nothing.
//!
//! The user and the invitation are written in one transaction, and the e-mail is sent after
//! the commit (an SMTP relay can take seconds; no write lock is held that long). When the
//! relay fails the user stays, the unsent invitation is withdrawn and the answer is
//! `Unavailable`; `invite_again` then sends a new one, which is what an administrator's
//! repeated request does (the connector's CreateUser called again).

use chrono::Duration;
use dossier_core::DomainError;
use dossier_core::identity::{AuditAction, AuditOutcome, User};
use dossier_store::AnyConnection;
use dossier_store::invitations::Invitation;
use serde_json::json;

use crate::audit::Audit;
use crate::auth::{random_token, token_hash};
use crate::identity::NewUser;
use crate::mail::Mail;
use crate::passwords::{check_password_rules, hash_password};
use crate::{Caller, Dossier, Result};

/// How long an invitation link can be used.
pub const INVITATION_DAYS: i64 = 7;

/// The page an invitation link opens, under the server's base URL.
pub const INVITATION_PATH: &str = "/auth/invitation";

/// The link an invitation e-mail carries.
pub fn invitation_link(base_url: &str, token: &str) -> String {
    format!(
        "{}{INVITATION_PATH}?token={token}",
        base_url.trim_end_matches('/')
    )
}

/// What an invited user needs before anything is written: an address to send to, and a
/// server that sends e-mail.
fn check_invitable(d: &Dossier, email: Option<&str>) -> Result<()> {
    if !d.sends_mail() {
        return Err(DomainError::invalid(
            "invitation",
            "this server sends no e-mail (no smtp_url is configured), so it cannot send an invitation; set a password instead",
        ));
    }
    if email.is_none_or(|e| e.trim().is_empty()) {
        return Err(DomainError::invalid(
            "email",
            "an invitation needs the user's e-mail address",
        ));
    }
    Ok(())
}

impl Dossier {
    /// Stores an invitation for `user` in the caller's transaction, with its audit record.
    pub(crate) async fn store_invitation(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        user: &str,
        hash: &str,
    ) -> Result<()> {
        let now = self.now();
        let expires_at = now + Duration::days(INVITATION_DAYS);
        dossier_store::invitations::insert(
            conn,
            hash,
            &Invitation {
                user_id: user.to_string(),
                expires_at,
            },
            now,
        )
        .await?;
        self.audit(
            conn,
            Some(caller),
            Audit {
                action: AuditAction::UserInvite,
                target: Some(user.to_uppercase()),
                outcome: AuditOutcome::Success,
                detail: json!({"expires_at": expires_at.timestamp()}),
            },
        )
        .await
    }

    /// Creates a user who chooses their own password from an e-mailed link (`base_url`: the
    /// server's public address, which the link starts with). Refused before anything is
    /// written when the server sends no e-mail or the user has no address; a relay failure
    /// after the commit is `Unavailable` with the user created (see the module's notes).
    pub async fn create_invited_user(
        &self,
        caller: &Caller,
        new: NewUser,
        base_url: &str,
    ) -> Result<User> {
        caller.require_identity_admin()?;
        check_invitable(self, new.fields.email.clone().flatten().as_deref())?;
        if new.fields.password.is_some() {
            return Err(DomainError::invalid(
                "password",
                "an invited user chooses their own password",
            ));
        }
        let token = random_token();
        let user = self
            .create_user_with(caller, new, Some(&token_hash(&token)))
            .await?;
        self.send_invitation(caller, &user, &token, base_url)
            .await?;
        Ok(user)
    }

    /// Sends a new invitation to a user who still has no password and no usable invitation
    /// (the last one could not be sent, or expired). Returns whether one was sent: a user
    /// with a password or with a live link gets no second e-mail.
    pub async fn invite_again(&self, caller: &Caller, user: &str, base_url: &str) -> Result<bool> {
        caller.require_identity_admin()?;
        let user = self.user(caller, user).await?;
        if user.has_password() {
            return Ok(false);
        }
        check_invitable(self, user.email.as_deref())?;
        let token = random_token();
        let mut tx = self.store.begin().await?;
        if dossier_store::invitations::live_for_user(tx.conn(), &user.id, self.now()).await? {
            return Ok(false);
        }
        self.store_invitation(tx.conn(), caller, &user.id, &token_hash(&token))
            .await?;
        tx.commit().await?;
        self.send_invitation(caller, &user, &token, base_url)
            .await?;
        Ok(true)
    }

    /// Sends the e-mail of a stored invitation; when the relay fails, withdraws it, so that
    /// `invite_again` sends a new one, and answers why.
    async fn send_invitation(
        &self,
        caller: &Caller,
        user: &User,
        token: &str,
        base_url: &str,
    ) -> Result<()> {
        let mail = Mail {
            to: user.email.clone().unwrap_or_default(),
            to_name: user.full_name.clone(),
            subject: "Your Dossier account".into(),
            text: format!(
                "Hello {name},\n\n{inviter} has created a Dossier account for you. Your user name is {id}.\n\nTo choose your password, open this link within {INVITATION_DAYS} days. It works once:\n\n{link}\n\nIf you did not expect this message, you can ignore it.\n",
                name = user.full_name,
                inviter = caller.full_name,
                id = user.id,
                link = invitation_link(base_url, token),
            ),
        };
        let Err(e) = self.send_mail(&mail).await else {
            return Ok(());
        };
        let mut tx = self.store.begin().await?;
        dossier_store::invitations::delete(tx.conn(), &token_hash(token)).await?;
        tx.commit().await?;
        Err(match e {
            DomainError::Unavailable(why) => DomainError::Unavailable(format!(
                "user {} was created, but the invitation e-mail could not be sent ({why}); send the request again to send a new invitation",
                user.id
            )),
            other => other,
        })
    }

    /// The user an invitation link is for, while it can be used; `None` for a link that is
    /// unknown, used or expired.
    pub async fn invitation(&self, token: &str) -> Result<Option<User>> {
        let mut conn = self.store.read().await?;
        let Some(inv) = dossier_store::invitations::get(&mut conn, &token_hash(token)).await?
        else {
            return Ok(None);
        };
        if inv.expires_at <= self.now() {
            return Ok(None);
        }
        dossier_store::users::get(&mut conn, &inv.user_id).await
    }

    /// Sets the invited user's password (the server's password rules apply) and burns the
    /// link, in one transaction. A link that is unknown, used or expired is `NotFound` and
    /// changes nothing.
    pub async fn accept_invitation(&self, token: &str, password: &str) -> Result<User> {
        check_password_rules(password)?;
        let hash = hash_password(password.to_string()).await?;
        let unusable = || DomainError::not_found("invitation");
        let mut tx = self.store.begin().await?;
        let inv = dossier_store::invitations::get(tx.conn(), &token_hash(token))
            .await?
            .filter(|inv| inv.expires_at > self.now())
            .ok_or_else(unusable)?;
        self.set_password_in(tx.conn(), &inv.user_id, hash, "invitation")
            .await?;
        let user = dossier_store::users::get(tx.conn(), &inv.user_id)
            .await?
            .ok_or_else(unusable)?;
        tx.commit().await?;
        Ok(user)
    }
}
