//! Access and refresh tokens, kept only as SHA-256 hashes.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_ts};
use crate::{DbResult, Result};

#[derive(Clone, Debug)]
pub struct StoredToken {
    pub kind: String,
    pub user_id: String,
    pub scope: String,
    pub family: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &mut AnyConnection,
    hash: &str,
    t: &StoredToken,
    now: DateTime<Utc>,
) -> Result<()> {
    Sql::new("INSERT INTO tokens (token_hash, kind, user_id, scope, family, expires_at, created_at) VALUES (")
        .bind(hash)
        .push(", ")
        .bind(t.kind.as_str())
        .push(", ")
        .bind(t.user_id.as_str())
        .push(", ")
        .bind(t.scope.as_str())
        .push(", ")
        .bind(t.family.as_str())
        .push(", ")
        .bind(t.expires_at)
        .push(", ")
        .bind(now)
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, hash: &str) -> Result<Option<StoredToken>> {
    let Some(row) =
        Sql::new("SELECT kind, user_id, scope, family, expires_at FROM tokens WHERE token_hash = ")
            .bind(hash)
            .fetch_optional(conn)
            .await?
    else {
        return Ok(None);
    };
    Ok(Some(StoredToken {
        kind: row.try_get("kind").db()?,
        user_id: row.try_get("user_id").db()?,
        scope: row.try_get("scope").db()?,
        family: row.try_get("family").db()?,
        expires_at: get_ts(&row, "expires_at")?,
    }))
}

/// Deletes one token; returns whether it existed (so a refresh token is used only once).
pub async fn delete(conn: &mut AnyConnection, hash: &str) -> Result<bool> {
    Ok(Sql::new("DELETE FROM tokens WHERE token_hash = ")
        .bind(hash)
        .execute(conn)
        .await?
        > 0)
}

pub async fn delete_family(conn: &mut AnyConnection, family: &str) -> Result<u64> {
    Sql::new("DELETE FROM tokens WHERE family = ")
        .bind(family)
        .execute(conn)
        .await
}

pub async fn delete_expired(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<u64> {
    Sql::new("DELETE FROM tokens WHERE expires_at < ")
        .bind(now)
        .execute(conn)
        .await
}

/// Revokes every token of a user (deactivation, lock, password change).
pub async fn delete_for_user(conn: &mut AnyConnection, user: &str) -> Result<u64> {
    Sql::new("DELETE FROM tokens WHERE user_id = ")
        .bind(user.to_uppercase())
        .execute(conn)
        .await
}
