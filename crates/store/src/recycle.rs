//! The recycle bin: a deleted document's rows stay where they are, with no latest version
//! (`is_latest = 0` on every version, so every list, count and search passes it over), its
//! filings set aside in `recycled_filings`, and a `recycle_bin` row until it is restored or
//! purged (migration 0026).

use chrono::{DateTime, Utc};
use dossier_core::disposal::RecycledDocument;
use dossier_core::model::Filing;
use dossier_core::query::Page;
use dossier_core::{ContainerId, LibraryId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::documents::{columns, document, filing};
use crate::sql::{Sql, get_ts};
use crate::{DbResult, Result};

/// Puts a document in the recycle bin: records who and when, sets its filings aside and
/// takes away its latest version.
pub async fn put(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
    latest_version: i64,
    deleted_by: &str,
    deleted_at: DateTime<Utc>,
    purge_after: DateTime<Utc>,
) -> Result<()> {
    Sql::new("INSERT INTO recycle_bin (library, document, latest_version, deleted_by, deleted_at, purge_after) VALUES (")
        .bind(library.as_str())
        .push(", ")
        .bind(number)
        .push(", ")
        .bind(latest_version)
        .push(", ")
        .bind(deleted_by)
        .push(", ")
        .bind(deleted_at)
        .push(", ")
        .bind(purge_after)
        .push(")")
        .execute(conn)
        .await?;
    Sql::new("INSERT INTO recycled_filings (library, folder, document, is_reference, filed_at) SELECT library, folder, document, is_reference, filed_at FROM filings WHERE library = ")
        .bind(library.as_str())
        .push(" AND document = ")
        .bind(number)
        .execute(conn)
        .await?;
    crate::documents::unfile_everywhere(conn, library, number).await?;
    Sql::new("UPDATE documents SET is_latest = 0 WHERE library = ")
        .bind(library.as_str())
        .push(" AND number = ")
        .bind(number)
        .execute(conn)
        .await?;
    Ok(())
}

fn recycled_columns() -> String {
    columns()
        .split(", ")
        .map(|c| format!("d.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn recycled(row: &AnyRow) -> Result<RecycledDocument> {
    let document = document(row)?;
    let home: Option<i64> = row.try_get("home_folder").db()?;
    Ok(RecycledDocument {
        home_folder: home.map(|n| ContainerId::new(document.id.library.clone(), n)),
        document,
        deleted_by: row.try_get("deleted_by").db()?,
        deleted_at: get_ts(row, "deleted_at")?,
        purge_after: get_ts(row, "purge_after")?,
    })
}

fn select_recycled() -> Sql {
    Sql::new(&format!(
        "SELECT {}, b.deleted_by, b.deleted_at, b.purge_after, (SELECT f.folder FROM recycled_filings f WHERE f.library = b.library AND f.document = b.document AND f.is_reference = 0) AS home_folder FROM recycle_bin b JOIN documents d ON d.library = b.library AND d.number = b.document AND d.version = b.latest_version WHERE b.library = ",
        recycled_columns()
    ))
}

/// A document in the recycle bin.
pub async fn entry(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
) -> Result<Option<RecycledDocument>> {
    select_recycled()
        .bind(library.as_str())
        .push(" AND b.document = ")
        .bind(number)
        .fetch_optional(conn)
        .await?
        .map(|r| recycled(&r))
        .transpose()
}

/// Whether a document is in the recycle bin.
pub async fn contains(conn: &mut AnyConnection, library: &LibraryId, number: i64) -> Result<bool> {
    Ok(Sql::new("SELECT 1 AS x FROM recycle_bin WHERE library = ")
        .bind(library.as_str())
        .push(" AND document = ")
        .bind(number)
        .fetch_optional(conn)
        .await?
        .is_some())
}

/// A library's recycle bin in document-number order; with `user`, only the entries that
/// user deleted or authored.
pub async fn list(
    conn: &mut AnyConnection,
    library: &LibraryId,
    user: Option<&str>,
    page: &Page,
) -> Result<Vec<RecycledDocument>> {
    let mut sql = select_recycled();
    sql.bind(library.as_str());
    if let Some(u) = user {
        sql.push(" AND (upper(b.deleted_by) = ")
            .bind(u.to_uppercase())
            .push(" OR upper(d.author) = ")
            .bind(u.to_uppercase())
            .push(")");
    }
    if let Some(after) = page.after {
        sql.push(" AND b.document > ").bind(after);
    }
    sql.push(" ORDER BY b.document");
    sql.push_page(page);
    sql.fetch_all(conn).await?.iter().map(recycled).collect()
}

/// Takes a document out of the recycle bin: its latest version back, its bin row gone.
/// Returns the filings it had, for the caller to put back where their folders remain.
pub async fn take_out(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
    latest_version: i64,
) -> Result<Vec<Filing>> {
    let rows = Sql::new(
        "SELECT folder, document, is_reference, filed_at FROM recycled_filings WHERE library = ",
    )
    .bind(library.as_str())
    .push(" AND document = ")
    .bind(number)
    .push(" ORDER BY is_reference, filed_at, folder")
    .fetch_all(conn)
    .await?;
    let filings = rows.iter().map(filing).collect::<Result<Vec<_>>>()?;
    forget(conn, library, number).await?;
    Sql::new("UPDATE documents SET is_latest = 1 WHERE library = ")
        .bind(library.as_str())
        .push(" AND number = ")
        .bind(number)
        .push(" AND version = ")
        .bind(latest_version)
        .execute(conn)
        .await?;
    Ok(filings)
}

/// Removes a document's recycle-bin row and set-aside filings (a restore or a purge).
pub async fn forget(conn: &mut AnyConnection, library: &LibraryId, number: i64) -> Result<()> {
    Sql::new("DELETE FROM recycled_filings WHERE library = ")
        .bind(library.as_str())
        .push(" AND document = ")
        .bind(number)
        .execute(conn)
        .await?;
    Sql::new("DELETE FROM recycle_bin WHERE library = ")
        .bind(library.as_str())
        .push(" AND document = ")
        .bind(number)
        .execute(conn)
        .await?;
    Ok(())
}

/// Documents whose time in the recycle bin is over at `now`, oldest first: `limit` of
/// them after the first `skip` (those a caller kept, a legal hold on them).
pub async fn due(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    skip: i64,
    limit: i64,
) -> Result<Vec<(LibraryId, i64)>> {
    let rows = Sql::new("SELECT library, document FROM recycle_bin WHERE purge_after <= ")
        .bind(now)
        .push(" ORDER BY purge_after, library, document LIMIT ")
        .bind(limit)
        .push(" OFFSET ")
        .bind(skip)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                LibraryId::parse(&r.try_get::<String, _>("library").db()?)?,
                r.try_get("document").db()?,
            ))
        })
        .collect()
}
