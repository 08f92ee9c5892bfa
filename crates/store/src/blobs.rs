//! The registry of stored content blobs, so `dossier check` and a future garbage collector
//! never have to list the content store to know what should be there.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::sql::Sql;
use crate::{DbResult, Result};

pub async fn register(
    conn: &mut AnyConnection,
    hash: &str,
    size: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    Sql::new("INSERT INTO blobs (hash, size, created_at) VALUES (")
        .bind(hash)
        .push(", ")
        .bind(size)
        .push(", ")
        .bind(now)
        .push(") ON CONFLICT (hash) DO NOTHING")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn all(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>> {
    let rows = Sql::new("SELECT hash, size FROM blobs ORDER BY hash")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("hash").db()?, r.try_get("size").db()?)))
        .collect()
}
