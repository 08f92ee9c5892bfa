//! What the search indexer keeps in the database: the extracted-text cache (by content
//! hash), each document's index status, and the document rows it indexes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use dossier_core::LibraryId;
use dossier_core::model::Document;
use sqlx::{AnyConnection, Row};

use crate::sql::Sql;
use crate::{DbResult, Result};

/// How a file's text was obtained, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extracted {
    /// `indexed`, `metadata_only` or `failed`.
    pub outcome: String,
    pub reason: Option<String>,
    pub format: String,
    /// The text itself; `None` when there is none, or when it is a blob (`text_hash`).
    pub text: Option<String>,
    /// The text as a blob of the content store, as written before migration 0008.
    pub text_hash: Option<String>,
    pub text_bytes: i64,
    pub truncated: bool,
    /// An email's headers (JSON), for the email fields of the index.
    pub email: Option<String>,
}

/// The cached extractions of these contents, with their texts.
pub async fn extracted(
    conn: &mut AnyConnection,
    hashes: &[&str],
) -> Result<HashMap<String, Extracted>> {
    let mut out = HashMap::new();
    if hashes.is_empty() {
        return Ok(out);
    }
    // In chunks: bound parameters stay well below every backend's limit.
    let mut rows = Vec::new();
    for chunk in hashes.chunks(500) {
        rows.extend(Sql::new("SELECT content_hash, outcome, reason, format, text, text_hash, text_bytes, truncated, email FROM extracted_text WHERE content_hash IN (")
            .bind_list(chunk.iter().copied())
            .push(")")
            .fetch_all(&mut *conn)
            .await?);
    }
    for r in rows {
        out.insert(
            r.try_get("content_hash").db()?,
            Extracted {
                outcome: r.try_get("outcome").db()?,
                reason: r.try_get("reason").db()?,
                format: r.try_get("format").db()?,
                text: r.try_get("text").db()?,
                text_hash: r.try_get("text_hash").db()?,
                text_bytes: r.try_get("text_bytes").db()?,
                truncated: r.try_get::<i64, _>("truncated").db()? != 0,
                email: r.try_get("email").db()?,
            },
        );
    }
    Ok(out)
}

/// Where a cached text is, for a highlight: its beginning read from the row, or the blob
/// that holds it (rows written before migration 0008).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextBeginning {
    Inline(String),
    Blob(String),
}

/// The first `chars` characters of the cached texts of these contents (those that have a
/// text): a highlight only looks at a text's beginning, and a text may be megabytes long.
pub async fn text_beginnings(
    conn: &mut AnyConnection,
    hashes: &[&str],
    chars: usize,
) -> Result<HashMap<String, TextBeginning>> {
    let mut out = HashMap::new();
    if hashes.is_empty() {
        return Ok(out);
    }
    // `chars` is a number of ours, written into the statement: PostgreSQL's substr takes an
    // integer, which a bound 64-bit parameter is not.
    let rows = Sql::new(&format!(
        "SELECT content_hash, substr(text, 1, {chars}) AS beginning, text_hash FROM extracted_text WHERE content_hash IN ("
    ))
    .bind_list(hashes.iter().copied())
    .push(")")
    .fetch_all(conn)
    .await?;
    for r in rows {
        let beginning: Option<String> = r.try_get("beginning").db()?;
        let blob: Option<String> = r.try_get("text_hash").db()?;
        let text = match (beginning, blob) {
            (Some(t), _) => TextBeginning::Inline(t),
            (None, Some(h)) => TextBeginning::Blob(h),
            (None, None) => continue,
        };
        out.insert(r.try_get("content_hash").db()?, text);
    }
    Ok(out)
}

/// Records the extraction of a content (the latest one wins: a later, better extractor
/// may redo it).
pub async fn put_extracted(
    conn: &mut AnyConnection,
    content_hash: &str,
    e: &Extracted,
    at: DateTime<Utc>,
) -> Result<()> {
    Sql::new("INSERT INTO extracted_text (content_hash, outcome, reason, format, text, text_hash, text_bytes, truncated, email, extracted_at) VALUES (")
        .bind(content_hash)
        .push(", ")
        .bind(e.outcome.as_str())
        .push(", ")
        .bind(e.reason.clone())
        .push(", ")
        .bind(e.format.as_str())
        .push(", ")
        .bind(e.text.clone())
        .push(", ")
        .bind(e.text_hash.clone())
        .push(", ")
        .bind(e.text_bytes)
        .push(", ")
        .bind(e.truncated)
        .push(", ")
        .bind(e.email.clone())
        .push(", ")
        .bind(at.timestamp())
        .push(") ON CONFLICT (content_hash) DO UPDATE SET outcome = excluded.outcome, reason = excluded.reason, format = excluded.format, text = excluded.text, text_hash = excluded.text_hash, text_bytes = excluded.text_bytes, truncated = excluded.truncated, email = excluded.email, extracted_at = excluded.extracted_at")
        .execute(conn)
        .await?;
    Ok(())
}

/// A document's entry in the index, as the indexer last wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub library: String,
    pub number: i64,
    pub version: i64,
    pub acl: i64,
    pub workspace: i64,
    pub outcome: String,
    pub reason: Option<String>,
    pub seq: i64,
    pub indexed_at: DateTime<Utc>,
}

/// Records what the index now holds for these documents.
pub async fn put_status(conn: &mut AnyConnection, rows: &[Status]) -> Result<()> {
    // One statement per chunk: bound parameters stay well below every backend's limit.
    for chunk in rows.chunks(100) {
        let mut sql = Sql::new(
            "INSERT INTO search_status (library, number, version, acl, workspace, outcome, reason, seq, indexed_at) VALUES ",
        );
        for (i, s) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .bind(s.library.as_str())
                .push(", ")
                .bind(s.number)
                .push(", ")
                .bind(s.version)
                .push(", ")
                .bind(s.acl)
                .push(", ")
                .bind(s.workspace)
                .push(", ")
                .bind(s.outcome.as_str())
                .push(", ")
                .bind(s.reason.clone())
                .push(", ")
                .bind(s.seq)
                .push(", ")
                .bind(s.indexed_at.timestamp())
                .push(")");
        }
        sql.push(" ON CONFLICT (library, number) DO UPDATE SET version = excluded.version, acl = excluded.acl, workspace = excluded.workspace, outcome = excluded.outcome, reason = excluded.reason, seq = excluded.seq, indexed_at = excluded.indexed_at");
        sql.execute(conn).await?;
    }
    Ok(())
}

/// Forgets documents that left the index.
pub async fn remove_status(conn: &mut AnyConnection, library: &str, numbers: &[i64]) -> Result<()> {
    for chunk in numbers.chunks(500) {
        Sql::new("DELETE FROM search_status WHERE library = ")
            .bind(library)
            .push(" AND number IN (")
            .bind_list(chunk.iter().copied())
            .push(")")
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn status(
    conn: &mut AnyConnection,
    library: &str,
    number: i64,
) -> Result<Option<Status>> {
    let Some(r) = Sql::new("SELECT library, number, version, acl, workspace, outcome, reason, seq, indexed_at FROM search_status WHERE library = ")
        .bind(library)
        .push(" AND number = ")
        .bind(number)
        .fetch_optional(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Status {
        library: r.try_get("library").db()?,
        number: r.try_get("number").db()?,
        version: r.try_get("version").db()?,
        acl: r.try_get("acl").db()?,
        workspace: r.try_get("workspace").db()?,
        outcome: r.try_get("outcome").db()?,
        reason: r.try_get("reason").db()?,
        seq: r.try_get("seq").db()?,
        indexed_at: DateTime::from_timestamp(r.try_get("indexed_at").db()?, 0).unwrap_or_default(),
    }))
}

/// Documents in these workspaces whose indexed ACL key or workspace no longer matches the
/// database (after a container's security changed or a folder moved). Scoped to the
/// workspaces the changed containers are in: a library-wide comparison costs a scan of
/// every document for each new workspace.
pub async fn drifted(
    conn: &mut AnyConnection,
    library: &str,
    workspaces: &[i64],
) -> Result<Vec<i64>> {
    if workspaces.is_empty() {
        return Ok(Vec::new());
    }
    let rows = Sql::new("SELECT d.number AS number FROM documents d JOIN search_status s ON s.library = d.library AND s.number = d.number WHERE d.library = ")
        .bind(library)
        .push(" AND d.workspace IN (")
        .bind_list(workspaces.iter().copied())
        .push(") AND d.is_latest = 1 AND (d.acl <> s.acl OR d.workspace <> s.workspace)")
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| r.try_get("number").db()).collect()
}

/// The latest documents and the containers whose custom field `field` holds one of these
/// lookup aliases (case-insensitive, as lookups match): their indexed words hold the
/// entries' descriptions. For a dependent field (custom2, custom30) every parent's entry of
/// that alias is taken: re-reading a few more items is harmless. A scan of the library per
/// field, done once per indexer round for all the entries changed in it.
pub async fn naming(
    conn: &mut AnyConnection,
    library: &str,
    field: usize,
    aliases: &[String],
) -> Result<(Vec<i64>, Vec<i64>)> {
    let mut documents = Vec::new();
    let mut containers = Vec::new();
    for chunk in aliases.chunks(500) {
        for (table, latest, out) in [
            ("documents", " AND is_latest = 1", &mut documents),
            ("containers", "", &mut containers),
        ] {
            // `field` is a number of ours (1–30), not input text.
            let rows = Sql::new(&format!("SELECT number FROM {table} WHERE library = "))
                .bind(library)
                .push(latest)
                .push(&format!(" AND upper(c{field}) IN ("))
                .bind_list(chunk.iter().map(|a| a.to_uppercase()))
                .push(")")
                .fetch_all(&mut *conn)
                .await?;
            for r in rows {
                out.push(r.try_get("number").db()?);
            }
        }
    }
    Ok((documents, containers))
}

/// The workspaces these containers are in now (a workspace is in itself); containers that
/// no longer exist are left out.
pub async fn workspaces_of(
    conn: &mut AnyConnection,
    library: &str,
    containers: &[i64],
) -> Result<Vec<i64>> {
    if containers.is_empty() {
        return Ok(Vec::new());
    }
    let rows = Sql::new("SELECT DISTINCT workspace FROM containers WHERE library = ")
        .bind(library)
        .push(" AND number IN (")
        .bind_list(containers.iter().copied())
        .push(")")
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| r.try_get("workspace").db()).collect()
}

/// Index statuses of a library by outcome.
pub async fn counts(conn: &mut AnyConnection, library: &str) -> Result<Vec<(String, i64)>> {
    let rows = Sql::new("SELECT outcome, COUNT(*) AS n FROM search_status WHERE library = ")
        .bind(library)
        .push(" GROUP BY outcome ORDER BY outcome")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("outcome").db()?, r.try_get("n").db()?)))
        .collect()
}

/// A document as the indexer needs it: the latest version, its home workspace and the
/// folders it is filed in.
pub struct ToIndex {
    pub doc: Document,
    pub workspace: i64,
    pub folders: Vec<i64>,
    /// Extended metadata: (property, value's match key) per value.
    pub metadata: Vec<(String, String)>,
}

/// The latest versions of these documents (those that still exist).
pub async fn to_index(
    conn: &mut AnyConnection,
    library: &LibraryId,
    numbers: &[i64],
) -> Result<Vec<ToIndex>> {
    let mut out = Vec::new();
    for chunk in numbers.chunks(500) {
        let rows = crate::documents::latest_with_workspace(conn, library, chunk).await?;
        let mut folders: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in Sql::new("SELECT document, folder FROM filings WHERE library = ")
            .bind(library.as_str())
            .push(" AND document IN (")
            .bind_list(chunk.iter().copied())
            .push(")")
            .fetch_all(conn)
            .await?
        {
            folders
                .entry(r.try_get("document").db()?)
                .or_default()
                .push(r.try_get("folder").db()?);
        }
        let mut metadata = crate::metadata::match_keys_of(conn, library, chunk).await?;
        for (doc, workspace) in rows {
            let folders = folders.remove(&doc.id.number).unwrap_or_default();
            let metadata = metadata.remove(&doc.id.number).unwrap_or_default();
            out.push(ToIndex {
                doc,
                workspace,
                folders,
                metadata,
            });
        }
    }
    Ok(out)
}

/// The next `limit` latest documents after `(library, number)` in (library, number) order:
/// the walk of an index rebuild.
pub async fn walk(
    conn: &mut AnyConnection,
    after: &(String, i64),
    limit: i64,
) -> Result<Vec<(String, i64)>> {
    walk_keys(conn, "documents WHERE is_latest = 1 AND", after, limit).await
}

/// The next `limit` (library, number) keys of `from` (a table and the start of a WHERE
/// clause) after `after`, in key order.
pub(crate) async fn walk_keys(
    conn: &mut AnyConnection,
    from: &str,
    after: &(String, i64),
    limit: i64,
) -> Result<Vec<(String, i64)>> {
    let rows = Sql::new(&format!("SELECT library, number FROM {from} (library > "))
        .bind(after.0.as_str())
        .push(" OR (library = ")
        .bind(after.0.as_str())
        .push(" AND number > ")
        .bind(after.1)
        .push(")) ORDER BY library, number LIMIT ")
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("library").db()?, r.try_get("number").db()?)))
        .collect()
}

/// Latest documents in all libraries (a rebuild's progress bar).
pub async fn count_latest(conn: &mut AnyConnection) -> Result<i64> {
    Sql::new("SELECT COUNT(*) AS n FROM documents WHERE is_latest = 1")
        .fetch_one(conn)
        .await?
        .try_get("n")
        .db()
}
