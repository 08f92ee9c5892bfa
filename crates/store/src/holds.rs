//! Legal holds on documents and workspaces (migration 0026).

use dossier_core::LibraryId;
use dossier_core::disposal::{HoldTarget, LegalHold};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_ts};
use crate::{DbResult, Result};

fn hold(row: &AnyRow) -> Result<LegalHold> {
    let library = LibraryId::parse(&row.try_get::<String, _>("library").db()?)?;
    let number: i64 = row.try_get("object_number").db()?;
    let kind: String = row.try_get("object_kind").db()?;
    let target = if kind == "workspace" {
        HoldTarget::Workspace(dossier_core::ContainerId::new(library, number))
    } else {
        HoldTarget::Document { library, number }
    };
    Ok(LegalHold {
        target,
        reason: row.try_get("reason").db()?,
        held_by: row.try_get("held_by").db()?,
        held_at: get_ts(row, "held_at")?,
    })
}

const COLUMNS: &str = "library, object_kind, object_number, reason, held_by, held_at";

/// Places a hold, or replaces the reason of the one already there.
pub async fn place(conn: &mut AnyConnection, h: &LegalHold) -> Result<()> {
    let t = &h.target;
    Sql::new(&format!("INSERT INTO legal_holds ({COLUMNS}) VALUES ("))
        .bind(t.library().as_str())
        .push(", ")
        .bind(t.kind())
        .push(", ")
        .bind(t.number())
        .push(", ")
        .bind(h.reason.as_str())
        .push(", ")
        .bind(h.held_by.as_str())
        .push(", ")
        .bind(h.held_at)
        .push(") ON CONFLICT (library, object_kind, object_number) DO UPDATE SET reason = excluded.reason, held_by = excluded.held_by, held_at = excluded.held_at")
        .execute(conn)
        .await?;
    Ok(())
}

/// Releases a hold; whether there was one.
pub async fn release(conn: &mut AnyConnection, t: &HoldTarget) -> Result<bool> {
    Ok(Sql::new("DELETE FROM legal_holds WHERE library = ")
        .bind(t.library().as_str())
        .push(" AND object_kind = ")
        .bind(t.kind())
        .push(" AND object_number = ")
        .bind(t.number())
        .execute(conn)
        .await?
        > 0)
}

pub async fn get(conn: &mut AnyConnection, t: &HoldTarget) -> Result<Option<LegalHold>> {
    Sql::new(&format!(
        "SELECT {COLUMNS} FROM legal_holds WHERE library = "
    ))
    .bind(t.library().as_str())
    .push(" AND object_kind = ")
    .bind(t.kind())
    .push(" AND object_number = ")
    .bind(t.number())
    .fetch_optional(conn)
    .await?
    .map(|r| hold(&r))
    .transpose()
}

/// A library's holds.
pub async fn list(conn: &mut AnyConnection, library: &LibraryId) -> Result<Vec<LegalHold>> {
    let rows = Sql::new(&format!(
        "SELECT {COLUMNS} FROM legal_holds WHERE library = "
    ))
    .bind(library.as_str())
    .push(" ORDER BY object_kind, object_number")
    .fetch_all(conn)
    .await?;
    rows.iter().map(hold).collect()
}

/// The hold that keeps a document, in the bin or not: its own, or its home workspace's
/// (`documents.workspace`, which stays while the document is in the recycle bin).
pub async fn covering_document(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
) -> Result<Option<LegalHold>> {
    Sql::new(&format!("SELECT {COLUMNS} FROM legal_holds WHERE library = "))
        .bind(library.as_str())
        .push(" AND ((object_kind = 'document' AND object_number = ")
        .bind(number)
        .push(") OR (object_kind = 'workspace' AND object_number IN (SELECT workspace FROM documents WHERE library = ")
        .bind(library.as_str())
        .push(" AND number = ")
        .bind(number)
        .push("))) ORDER BY object_kind LIMIT 1")
        .fetch_optional(conn)
        .await?
        .map(|r| hold(&r))
        .transpose()
}
