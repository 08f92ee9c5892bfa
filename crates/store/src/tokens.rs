//! Access and refresh tokens, kept only as SHA-256 hashes.

use chrono::{DateTime, Utc};
use dossier_core::identity::Scopes;
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_ts};
use crate::{DbResult, Result};

#[derive(Clone, Debug)]
pub struct StoredToken {
    pub kind: String,
    pub user_id: String,
    pub scope: Scopes,
    pub family: String,
    pub expires_at: DateTime<Utc>,
    /// The app the token was issued to; `None` for a password grant without a client.
    pub client_id: Option<String>,
}

/// A stored token as read back, with when it was issued.
#[derive(Clone, Debug)]
pub struct TokenRecord {
    pub token: StoredToken,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &mut AnyConnection,
    hash: &str,
    t: &StoredToken,
    now: DateTime<Utc>,
) -> Result<()> {
    Sql::new("INSERT INTO tokens (token_hash, kind, user_id, scope, family, expires_at, client_id, created_at) VALUES (")
        .bind(hash)
        .push(", ")
        .bind(t.kind.as_str())
        .push(", ")
        .bind(t.user_id.as_str())
        .push(", ")
        .bind(t.scope.to_string())
        .push(", ")
        .bind(t.family.as_str())
        .push(", ")
        .bind(t.expires_at)
        .push(", ")
        .bind(t.client_id.clone())
        .push(", ")
        .bind(now)
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, hash: &str) -> Result<Option<StoredToken>> {
    Ok(record(conn, hash).await?.map(|r| r.token))
}

pub async fn record(conn: &mut AnyConnection, hash: &str) -> Result<Option<TokenRecord>> {
    let Some(row) = Sql::new(
        "SELECT kind, user_id, scope, family, expires_at, client_id, created_at FROM tokens WHERE token_hash = ",
    )
    .bind(hash)
    .fetch_optional(conn)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(TokenRecord {
        token: StoredToken {
            kind: row.try_get("kind").db()?,
            user_id: row.try_get("user_id").db()?,
            scope: Scopes::parse(&row.try_get::<String, _>("scope").db()?),
            family: row.try_get("family").db()?,
            expires_at: get_ts(&row, "expires_at")?,
            client_id: row.try_get("client_id").db()?,
        },
        created_at: get_ts(&row, "created_at")?,
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

/// The user a token family acts as, while any of its tokens is stored.
pub async fn user_of_family(conn: &mut AnyConnection, family: &str) -> Result<Option<String>> {
    Sql::new("SELECT user_id FROM tokens WHERE family = ")
        .bind(family)
        .push(" LIMIT 1")
        .fetch_optional(conn)
        .await?
        .map(|r| r.try_get("user_id"))
        .transpose()
        .db()
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

/// Revokes every token issued to an app (when the app is revoked or disabled).
pub async fn delete_for_client(conn: &mut AnyConnection, client_id: &str) -> Result<u64> {
    Sql::new("DELETE FROM tokens WHERE client_id = ")
        .bind(client_id)
        .execute(conn)
        .await
}
