//! Filed emails: documents by message key and by message id (de-duplication, threading),
//! the workspaces a document is filed in, and each library's email settings.

use dossier_core::LibraryId;
use dossier_core::email::EmailSettings;
use dossier_core::model::Document;
use sqlx::{AnyConnection, Row};

use crate::documents::{columns, document};
use crate::sql::Sql;
use crate::{DbResult, Result};

fn prefixed_columns() -> String {
    columns()
        .split(", ")
        .map(|c| format!("d.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The latest versions of the library's documents stored with this message key
/// (`documents.email_key`), oldest first.
pub async fn with_key(
    conn: &mut AnyConnection,
    library: &LibraryId,
    key: &str,
) -> Result<Vec<Document>> {
    Sql::new(&format!(
        "SELECT {} FROM documents d WHERE d.library = ",
        prefixed_columns()
    ))
    .bind(library.as_str())
    .push(" AND d.email_key = ")
    .bind(key)
    .push(" AND d.is_latest = 1 ORDER BY d.number")
    .fetch_all(conn)
    .await?
    .iter()
    .map(document)
    .collect()
}

/// The workspaces a document is filed in, home or by reference.
pub async fn workspaces_of(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
) -> Result<Vec<i64>> {
    let rows = Sql::new("SELECT DISTINCT c.workspace AS workspace FROM filings f JOIN containers c ON c.library = f.library AND c.number = f.folder WHERE f.library = ")
        .bind(library.as_str())
        .push(" AND f.document = ")
        .bind(number)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| r.try_get::<i64, _>("workspace").db())
        .collect()
}

/// The conversation of a filed message with one of these ids, or of one answering
/// `answered_by` (a reply filed before the message it answers): the first found in the
/// order of `ids`, then the replies.
pub async fn conversation_near(
    conn: &mut AnyConnection,
    library: &LibraryId,
    ids: &[String],
    answered_by: Option<&str>,
) -> Result<Option<String>> {
    if !ids.is_empty() {
        let rows = Sql::new("SELECT message_id, conversation_id FROM documents WHERE library = ")
            .bind(library.as_str())
            .push(" AND is_latest = 1 AND conversation_id IS NOT NULL AND message_id IN (")
            .bind_list(ids.iter().cloned())
            .push(")")
            .fetch_all(&mut *conn)
            .await?;
        let mut found: Vec<(String, String)> = Vec::with_capacity(rows.len());
        for r in &rows {
            found.push((
                r.try_get("message_id").db()?,
                r.try_get("conversation_id").db()?,
            ));
        }
        for id in ids {
            if let Some((_, c)) = found.iter().find(|(m, _)| m == id) {
                return Ok(Some(c.clone()));
            }
        }
    }
    let Some(own) = answered_by else {
        return Ok(None);
    };
    let row = Sql::new("SELECT conversation_id FROM documents WHERE library = ")
        .bind(library.as_str())
        .push(" AND is_latest = 1 AND conversation_id IS NOT NULL AND in_reply_to = ")
        .bind(own)
        .push(" ORDER BY number LIMIT 1")
        .fetch_optional(conn)
        .await?;
    row.map(|r| r.try_get("conversation_id").db()).transpose()
}

/// A library's email settings (the defaults when it has none stored).
pub async fn settings(conn: &mut AnyConnection, library: &LibraryId) -> Result<EmailSettings> {
    let row = Sql::new("SELECT deduplicate FROM email_settings WHERE library = ")
        .bind(library.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(r) => EmailSettings {
            deduplicate: crate::sql::get_bool(&r, "deduplicate")?,
        },
        None => EmailSettings::default(),
    })
}

pub async fn put_settings(
    conn: &mut AnyConnection,
    library: &LibraryId,
    s: &EmailSettings,
) -> Result<()> {
    Sql::new("INSERT INTO email_settings (library, deduplicate) VALUES (")
        .bind(library.as_str())
        .push(", ")
        .bind(s.deduplicate)
        .push(") ON CONFLICT (library) DO UPDATE SET deduplicate = excluded.deduplicate")
        .execute(conn)
        .await?;
    Ok(())
}
