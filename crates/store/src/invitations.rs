//! Invitations to set a first password, kept only as SHA-256 hashes of their tokens.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_ts};
use crate::{DbResult, Result};

/// A stored invitation: whose it is and until when it may be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub user_id: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &mut AnyConnection,
    hash: &str,
    invitation: &Invitation,
    now: DateTime<Utc>,
) -> Result<()> {
    Sql::new("INSERT INTO invitations (token_hash, user_id, expires_at, created_at) VALUES (")
        .bind(hash)
        .push(", ")
        .bind(invitation.user_id.to_uppercase())
        .push(", ")
        .bind(invitation.expires_at)
        .push(", ")
        .bind(now)
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, hash: &str) -> Result<Option<Invitation>> {
    let Some(row) = Sql::new("SELECT user_id, expires_at FROM invitations WHERE token_hash = ")
        .bind(hash)
        .fetch_optional(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Invitation {
        user_id: row.try_get("user_id").db()?,
        expires_at: get_ts(&row, "expires_at")?,
    }))
}

/// Whether the user holds an invitation still usable at `now`.
pub async fn live_for_user(
    conn: &mut AnyConnection,
    user: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(
        Sql::new("SELECT token_hash FROM invitations WHERE user_id = ")
            .bind(user.to_uppercase())
            .push(" AND expires_at > ")
            .bind(now)
            .fetch_optional(conn)
            .await?
            .is_some(),
    )
}

pub async fn delete(conn: &mut AnyConnection, hash: &str) -> Result<u64> {
    Sql::new("DELETE FROM invitations WHERE token_hash = ")
        .bind(hash)
        .execute(conn)
        .await
}

/// Every invitation of a user: once a password is set (or the user deleted), none of their
/// links may work any more.
pub async fn delete_for_user(conn: &mut AnyConnection, user: &str) -> Result<u64> {
    Sql::new("DELETE FROM invitations WHERE user_id = ")
        .bind(user.to_uppercase())
        .execute(conn)
        .await
}

/// Drops invitations whose links can no longer be used.
pub async fn delete_expired(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<u64> {
    Sql::new("DELETE FROM invitations WHERE expires_at <= ")
        .bind(now)
        .execute(conn)
        .await
}
