//! The web client's sessions, kept only as SHA-256 hashes of their cookies.

use chrono::{DateTime, Utc};
use dossier_core::identity::Scopes;
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_ts};
use crate::{DbResult, Result};

#[derive(Clone, Debug)]
pub struct StoredSession {
    pub user_id: String,
    /// The token family the session's code exchange issued: the session lives while a token
    /// of it does, so whatever revokes a user's tokens ends their sessions too.
    pub family: String,
    pub scope: Scopes,
    pub created_at: DateTime<Utc>,
    pub seen_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AnyConnection, hash: &str, s: &StoredSession) -> Result<()> {
    Sql::new(
        "INSERT INTO web_sessions (session_hash, user_id, family, scope, created_at, seen_at) VALUES (",
    )
    .bind(hash)
    .push(", ")
    .bind(s.user_id.as_str())
    .push(", ")
    .bind(s.family.as_str())
    .push(", ")
    .bind(s.scope.to_string())
    .push(", ")
    .bind(s.created_at)
    .push(", ")
    .bind(s.seen_at)
    .push(")")
    .execute(conn)
    .await?;
    Ok(())
}

/// A session whose token family is still live (some token of it is stored).
pub async fn live(conn: &mut AnyConnection, hash: &str) -> Result<Option<StoredSession>> {
    let Some(row) = Sql::new(
        "SELECT s.user_id, s.family, s.scope, s.created_at, s.seen_at FROM web_sessions s WHERE s.session_hash = ",
    )
    .bind(hash)
    .push(" AND EXISTS (SELECT 1 FROM tokens t WHERE t.family = s.family)")
    .fetch_optional(conn)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(StoredSession {
        user_id: row.try_get("user_id").db()?,
        family: row.try_get("family").db()?,
        scope: Scopes::parse(&row.try_get::<String, _>("scope").db()?),
        created_at: get_ts(&row, "created_at")?,
        seen_at: get_ts(&row, "seen_at")?,
    }))
}

pub async fn touch(conn: &mut AnyConnection, hash: &str, now: DateTime<Utc>) -> Result<()> {
    Sql::new("UPDATE web_sessions SET seen_at = ")
        .bind(now)
        .push(" WHERE session_hash = ")
        .bind(hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a session; returns its token family when it existed.
pub async fn delete(conn: &mut AnyConnection, hash: &str) -> Result<Option<String>> {
    let family = Sql::new("SELECT family FROM web_sessions WHERE session_hash = ")
        .bind(hash)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get::<String, _>("family"))
        .transpose()
        .db()?;
    Sql::new("DELETE FROM web_sessions WHERE session_hash = ")
        .bind(hash)
        .execute(conn)
        .await?;
    Ok(family)
}

/// Deletes the sessions opened before `opened_before` or idle since `seen_before`, and those
/// whose tokens are gone.
pub async fn delete_stale(
    conn: &mut AnyConnection,
    opened_before: DateTime<Utc>,
    seen_before: DateTime<Utc>,
) -> Result<u64> {
    Sql::new("DELETE FROM web_sessions WHERE created_at < ")
        .bind(opened_before)
        .push(" OR seen_at < ")
        .bind(seen_before)
        .push(" OR NOT EXISTS (SELECT 1 FROM tokens t WHERE t.family = web_sessions.family)")
        .execute(conn)
        .await
}
