//! The registry of stored content blobs, so `dossier check` and the garbage collector never
//! have to list the content store to know what should be there.
//!
//! The collector's marks (migration 0026): `doomed_at`, set when no document version
//! referenced the blob; `collected_at`, set when its bytes were removed. A row is never
//! deleted, so an upload of content that was collected knows it must make sure the bytes
//! are there again (`Standing::Marked`).

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::sql::Sql;
use crate::{DbResult, Result};

/// What the registry knew of a blob an upload is about to reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Never registered: new content, which nothing can have removed.
    New,
    /// Registered and not marked by the collector.
    Live,
    /// Doomed or collected: the collector may have removed the bytes since the upload
    /// stored (or found) them.
    Marked,
}

/// Registers a blob for a reference about to be written in the same transaction. A blob
/// the collector had marked stays marked: the caller makes sure of its bytes, then
/// `revive`s it.
pub async fn reference(
    conn: &mut AnyConnection,
    hash: &str,
    size: i64,
    now: DateTime<Utc>,
) -> Result<Standing> {
    let row = Sql::new("SELECT doomed_at, collected_at FROM blobs WHERE hash = ")
        .bind(hash)
        .fetch_optional(conn)
        .await?;
    let Some(row) = row else {
        Sql::new("INSERT INTO blobs (hash, size, created_at) VALUES (")
            .bind(hash)
            .push(", ")
            .bind(size)
            .push(", ")
            .bind(now)
            .push(")")
            .execute(conn)
            .await?;
        return Ok(Standing::New);
    };
    let doomed: Option<i64> = row.try_get("doomed_at").db()?;
    let collected: Option<i64> = row.try_get("collected_at").db()?;
    Ok(if doomed.is_none() && collected.is_none() {
        Standing::Live
    } else {
        Standing::Marked
    })
}

/// Clears the collector's marks: the blob's bytes are there and a version references it.
pub async fn revive(conn: &mut AnyConnection, hash: &str) -> Result<()> {
    Sql::new("UPDATE blobs SET doomed_at = NULL, collected_at = NULL WHERE hash = ")
        .bind(hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// The live blobs (not marked by the collector), which versions reference.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>> {
    let rows = Sql::new(
        "SELECT hash, size FROM blobs WHERE doomed_at IS NULL AND collected_at IS NULL ORDER BY hash",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("hash").db()?, r.try_get("size").db()?)))
        .collect()
}

/// The blobs the collector marked: doomed (bytes still there, awaiting collection) and
/// collected (bytes removed).
pub async fn marked(conn: &mut AnyConnection) -> Result<Vec<(String, bool)>> {
    let rows = Sql::new(
        "SELECT hash, collected_at FROM blobs WHERE doomed_at IS NOT NULL OR collected_at IS NOT NULL ORDER BY hash",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let collected: Option<i64> = r.try_get("collected_at").db()?;
            Ok((r.try_get("hash").db()?, collected.is_some()))
        })
        .collect()
}

const UNREFERENCED: &str =
    "NOT EXISTS (SELECT 1 FROM documents d WHERE d.content_hash = blobs.hash)";

/// Dooms every live blob no document version references; how many.
pub async fn doom_unreferenced(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<u64> {
    Sql::new("UPDATE blobs SET doomed_at = ")
        .bind(now)
        .push(&format!(
            " WHERE doomed_at IS NULL AND collected_at IS NULL AND {UNREFERENCED}"
        ))
        .execute(conn)
        .await
}

/// Blobs doomed at or before `doomed_before` that still nothing references: the
/// collector's to remove, at most `limit`.
pub async fn collectable(
    conn: &mut AnyConnection,
    doomed_before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(String, i64)>> {
    let rows =
        Sql::new("SELECT hash, size FROM blobs WHERE collected_at IS NULL AND doomed_at <= ")
            .bind(doomed_before)
            .push(&format!(" AND {UNREFERENCED} ORDER BY hash LIMIT "))
            .bind(limit)
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("hash").db()?, r.try_get("size").db()?)))
        .collect()
}

/// Records that a blob's bytes were removed.
pub async fn collected(conn: &mut AnyConnection, hash: &str, now: DateTime<Utc>) -> Result<()> {
    Sql::new("UPDATE blobs SET collected_at = ")
        .bind(now)
        .push(" WHERE hash = ")
        .bind(hash)
        .execute(conn)
        .await?;
    Ok(())
}
