//! Keys that sign ID tokens (and the secret that seals sign-in forms). Private keys are
//! kept as base64 PKCS#8; the public half is stored ready to publish as a JWK.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_opt_ts, get_ts};
use crate::{DbResult, Result};

#[derive(Clone, Debug, PartialEq)]
pub struct SigningKey {
    pub kid: String,
    /// `ES256` for token-signing keys; other values are secrets for other uses.
    pub algorithm: String,
    pub private_key: String,
    pub public_jwk: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "kid, algorithm, private_key, public_jwk, created_at, retired_at";

fn key(row: &AnyRow) -> Result<SigningKey> {
    Ok(SigningKey {
        kid: row.try_get("kid").db()?,
        algorithm: row.try_get("algorithm").db()?,
        private_key: row.try_get("private_key").db()?,
        public_jwk: row.try_get("public_jwk").db()?,
        created_at: get_ts(row, "created_at")?,
        retired_at: get_opt_ts(row, "retired_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, k: &SigningKey) -> Result<()> {
    Sql::new(&format!("INSERT INTO signing_keys ({COLUMNS}) VALUES ("))
        .bind(k.kid.as_str())
        .push(", ")
        .bind(k.algorithm.as_str())
        .push(", ")
        .bind(k.private_key.as_str())
        .push(", ")
        .bind(k.public_jwk.as_str())
        .push(", ")
        .bind(k.created_at)
        .push(", ")
        .bind(k.retired_at)
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, kid: &str) -> Result<Option<SigningKey>> {
    Sql::new(&format!("SELECT {COLUMNS} FROM signing_keys WHERE kid = "))
        .bind(kid)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(key)
        .transpose()
}

/// The newest key of this algorithm that is not retired: the one that signs.
pub async fn current(conn: &mut AnyConnection, algorithm: &str) -> Result<Option<SigningKey>> {
    Sql::new(&format!(
        "SELECT {COLUMNS} FROM signing_keys WHERE retired_at IS NULL AND algorithm = "
    ))
    .bind(algorithm)
    .push(" ORDER BY created_at DESC, kid LIMIT 1")
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(key)
    .transpose()
}

/// Keys to publish: the active ones and those retired after `retired_after` (tokens they
/// signed may still be in use).
pub async fn published(
    conn: &mut AnyConnection,
    algorithm: &str,
    retired_after: DateTime<Utc>,
) -> Result<Vec<SigningKey>> {
    Sql::new(&format!(
        "SELECT {COLUMNS} FROM signing_keys WHERE algorithm = "
    ))
    .bind(algorithm)
    .push(" AND (retired_at IS NULL OR retired_at > ")
    .bind(retired_after)
    .push(") ORDER BY created_at DESC, kid")
    .fetch_all(conn)
    .await?
    .iter()
    .map(key)
    .collect()
}

/// Retires every active key of this algorithm.
pub async fn retire_all(
    conn: &mut AnyConnection,
    algorithm: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    Sql::new("UPDATE signing_keys SET retired_at = ")
        .bind(now)
        .push(" WHERE retired_at IS NULL AND algorithm = ")
        .bind(algorithm)
        .execute(conn)
        .await
}
