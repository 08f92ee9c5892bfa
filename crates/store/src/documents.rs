//! Document versions and their profiles, where they are filed, and check-outs.

use std::ops::Bound;

use chrono::{DateTime, Utc};
use dossier_core::custom::CUSTOM_COUNT;
use dossier_core::email::{EmailAttachment, MessageKey};
use dossier_core::model::{Checkout, Document, EmailFields, Filing, WsType};
use dossier_core::query::{CustomMatch, DocumentQuery};
use dossier_core::{CustomValue, DefaultSecurity, DocumentId, LibraryId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::acl::Visible;
use crate::sql::{
    Page, Sql, bind_customs, custom_columns, custom_param, get_bool, get_opt_ts, get_ts,
    like_pattern, read_customs,
};
use crate::{DbResult, Result};

pub(crate) fn columns() -> String {
    format!(
        "library, number, version, name, extension, doc_type, class, subclass, author, operator, last_user, comment, size, content_hash, content_type, default_security, wstype, is_latest, create_date, edit_date, edit_profile_date, file_create_date, file_edit_date, email_from, email_to, email_cc, email_bcc, sent_date, received_date, conversation_id, email_subject, message_id, in_reply_to, email_key, attachments, acl, {}",
        custom_columns()
    )
}

pub(crate) fn document(row: &AnyRow) -> Result<Document> {
    let security: String = row.try_get("default_security").db()?;
    let wstype: String = row.try_get("wstype").db()?;
    Ok(Document {
        id: DocumentId::new(
            LibraryId::parse(&row.try_get::<String, _>("library").db()?)?,
            row.try_get("number").db()?,
            row.try_get("version").db()?,
        ),
        name: row.try_get("name").db()?,
        extension: row.try_get("extension").db()?,
        doc_type: row.try_get("doc_type").db()?,
        class: row.try_get("class").db()?,
        subclass: row.try_get("subclass").db()?,
        author: row.try_get("author").db()?,
        operator: row.try_get("operator").db()?,
        last_user: row.try_get("last_user").db()?,
        comment: row.try_get("comment").db()?,
        size: row.try_get("size").db()?,
        content_hash: row.try_get("content_hash").db()?,
        content_type: row.try_get("content_type").db()?,
        default_security: DefaultSecurity::parse("default_security", &security)?,
        wstype: if wstype == "email" {
            WsType::Email
        } else {
            WsType::Document
        },
        create_date: get_ts(row, "create_date")?,
        edit_date: get_ts(row, "edit_date")?,
        edit_profile_date: get_ts(row, "edit_profile_date")?,
        file_create_date: get_opt_ts(row, "file_create_date")?,
        file_edit_date: get_opt_ts(row, "file_edit_date")?,
        email: EmailFields {
            from: row.try_get("email_from").db()?,
            to: row.try_get("email_to").db()?,
            cc: row.try_get("email_cc").db()?,
            bcc: row.try_get("email_bcc").db()?,
            sent_date: get_opt_ts(row, "sent_date")?,
            received_date: get_opt_ts(row, "received_date")?,
            conversation_id: row.try_get("conversation_id").db()?,
            subject: row.try_get("email_subject").db()?,
            message_id: row.try_get("message_id").db()?,
            in_reply_to: row.try_get("in_reply_to").db()?,
            attachments: decode_attachments(row.try_get("attachments").db()?),
        },
        acl: row.try_get("acl").db()?,
        customs: read_customs(row)?,
    })
}

/// The stored form of an email's attachment list (JSON; `None` when there are none).
fn encode_attachments(list: &[EmailAttachment]) -> Option<String> {
    if list.is_empty() {
        return None;
    }
    let rows: Vec<serde_json::Value> = list
        .iter()
        .map(|a| {
            serde_json::json!({
                "number": a.number, "name": a.name, "size": a.size, "content_type": a.content_type,
            })
        })
        .collect();
    Some(serde_json::Value::Array(rows).to_string())
}

/// The attachment list as stored; a row this version cannot read lists nothing.
fn decode_attachments(stored: Option<String>) -> Vec<EmailAttachment> {
    let Some(text) = stored else {
        return Vec::new();
    };
    let Ok(serde_json::Value::Array(rows)) = serde_json::from_str(&text) else {
        return Vec::new();
    };
    rows.iter()
        .filter_map(|r| {
            Some(EmailAttachment {
                number: u32::try_from(r.get("number")?.as_u64()?).ok()?,
                name: r.get("name")?.as_str()?.to_string(),
                size: r.get("size")?.as_u64()?,
                content_type: r
                    .get("content_type")
                    .and_then(|c| c.as_str())
                    .unwrap_or_default()
                    .to_string(),
            })
        })
        .collect()
}

/// Inserts a version as the latest one, demoting the previous latest version; the new
/// version keeps the document's workspace.
pub async fn insert_version(conn: &mut AnyConnection, d: &Document) -> Result<()> {
    Sql::new("UPDATE documents SET is_latest = 0 WHERE library = ")
        .bind(d.id.library.as_str())
        .push(" AND number = ")
        .bind(d.id.number)
        .push(" AND is_latest = 1")
        .execute(conn)
        .await?;
    insert_first(conn, d).await?;
    // The workspace is read from the newest other version through the primary key.
    // (`MAX(o.workspace)` made SQLite walk the whole library in `documents_by_workspace`.)
    Sql::new("UPDATE documents SET workspace = COALESCE((SELECT o.workspace FROM documents o WHERE o.library = documents.library AND o.number = documents.number AND o.version <> documents.version ORDER BY o.version DESC LIMIT 1), -1) WHERE library = ")
        .bind(d.id.library.as_str())
        .push(" AND number = ")
        .bind(d.id.number)
        .push(" AND version = ")
        .bind(d.id.version)
        .execute(conn)
        .await?;
    Ok(())
}

/// Inserts the first version of a new document (a number no row has yet); its home filing
/// (`file`) then sets its workspace. Uploads are the hot path: no statement here is wasted
/// on versions that cannot exist.
pub async fn insert_first(conn: &mut AnyConnection, d: &Document) -> Result<()> {
    let mut sql = Sql::new(&format!("INSERT INTO documents ({}) VALUES (", columns()));
    sql.bind(d.id.library.as_str())
        .push(", ")
        .bind(d.id.number)
        .push(", ")
        .bind(d.id.version)
        .push(", ")
        .bind(d.name.as_str())
        .push(", ")
        .bind(d.extension.as_str())
        .push(", ")
        .bind(d.doc_type.as_str())
        .push(", ")
        .bind(d.class.as_str())
        .push(", ")
        .bind(d.subclass.clone())
        .push(", ")
        .bind(d.author.as_str())
        .push(", ")
        .bind(d.operator.as_str())
        .push(", ")
        .bind(d.last_user.as_str())
        .push(", ")
        .bind(d.comment.as_str())
        .push(", ")
        .bind(d.size)
        .push(", ")
        .bind(d.content_hash.as_str())
        .push(", ")
        .bind(d.content_type.as_str())
        .push(", ")
        .bind(d.default_security.as_str())
        .push(", ")
        .bind(d.wstype.as_str())
        .push(", 1, ")
        .bind(d.create_date)
        .push(", ")
        .bind(d.edit_date)
        .push(", ")
        .bind(d.edit_profile_date)
        .push(", ")
        .bind(d.file_create_date)
        .push(", ")
        .bind(d.file_edit_date)
        .push(", ")
        .bind(d.email.from.clone())
        .push(", ")
        .bind(d.email.to.clone())
        .push(", ")
        .bind(d.email.cc.clone())
        .push(", ")
        .bind(d.email.bcc.clone())
        .push(", ")
        .bind(d.email.sent_date)
        .push(", ")
        .bind(d.email.received_date)
        .push(", ")
        .bind(d.email.conversation_id.clone())
        .push(", ")
        .bind(d.email.subject.clone())
        .push(", ")
        .bind(d.email.message_id.clone())
        .push(", ")
        .bind(d.email.in_reply_to.clone())
        .push(", ")
        .bind(MessageKey::of(&d.email).map(|k| k.stored()))
        .push(", ")
        .bind(encode_attachments(&d.email.attachments))
        .push(", ")
        .bind(d.acl)
        .push(", ");
    bind_customs(&mut sql, &d.customs);
    sql.push(")");
    sql.execute(conn).await?;
    Ok(())
}

/// Writes the profile and content columns of one version back.
pub async fn update(conn: &mut AnyConnection, d: &Document) -> Result<()> {
    let mut sql = Sql::new("UPDATE documents SET name = ");
    sql.bind(d.name.as_str())
        .push(", extension = ")
        .bind(d.extension.as_str())
        .push(", doc_type = ")
        .bind(d.doc_type.as_str())
        .push(", class = ")
        .bind(d.class.as_str())
        .push(", subclass = ")
        .bind(d.subclass.clone())
        .push(", author = ")
        .bind(d.author.as_str())
        .push(", operator = ")
        .bind(d.operator.as_str())
        .push(", last_user = ")
        .bind(d.last_user.as_str())
        .push(", comment = ")
        .bind(d.comment.as_str())
        .push(", size = ")
        .bind(d.size)
        .push(", content_hash = ")
        .bind(d.content_hash.as_str())
        .push(", content_type = ")
        .bind(d.content_type.as_str())
        .push(", default_security = ")
        .bind(d.default_security.as_str())
        .push(", edit_date = ")
        .bind(d.edit_date)
        .push(", edit_profile_date = ")
        .bind(d.edit_profile_date)
        .push(", file_create_date = ")
        .bind(d.file_create_date)
        .push(", file_edit_date = ")
        .bind(d.file_edit_date)
        .push(", email_from = ")
        .bind(d.email.from.clone())
        .push(", email_to = ")
        .bind(d.email.to.clone())
        .push(", email_cc = ")
        .bind(d.email.cc.clone())
        .push(", email_bcc = ")
        .bind(d.email.bcc.clone())
        .push(", email_subject = ")
        .bind(d.email.subject.clone())
        .push(", sent_date = ")
        .bind(d.email.sent_date)
        .push(", received_date = ")
        .bind(d.email.received_date)
        .push(", conversation_id = ")
        .bind(d.email.conversation_id.clone())
        .push(", message_id = ")
        .bind(d.email.message_id.clone())
        .push(", in_reply_to = ")
        .bind(d.email.in_reply_to.clone())
        .push(", email_key = ")
        .bind(MessageKey::of(&d.email).map(|k| k.stored()));
    for n in 1..=CUSTOM_COUNT {
        sql.push(&format!(", c{n} = "))
            .bind(custom_param(n, d.customs.get(n)));
    }
    sql.push(" WHERE library = ")
        .bind(d.id.library.as_str())
        .push(" AND number = ")
        .bind(d.id.number)
        .push(" AND version = ")
        .bind(d.id.version);
    sql.execute(conn).await?;
    Ok(())
}

pub async fn get_version(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
    version: i64,
) -> Result<Option<Document>> {
    Sql::new(&format!(
        "SELECT {} FROM documents WHERE library = ",
        columns()
    ))
    .bind(library.as_str())
    .push(" AND number = ")
    .bind(number)
    .push(" AND version = ")
    .bind(version)
    // A document in the recycle bin has no version to read (see `recycle`).
    .push(" AND NOT EXISTS (SELECT 1 FROM recycle_bin b WHERE b.library = documents.library AND b.document = documents.number)")
    .fetch_optional(conn)
    .await?
    .map(|r| document(&r))
    .transpose()
}

pub async fn get_latest(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
) -> Result<Option<Document>> {
    Sql::new(&format!(
        "SELECT {} FROM documents WHERE library = ",
        columns()
    ))
    .bind(library.as_str())
    .push(" AND number = ")
    .bind(number)
    .push(" AND is_latest = 1")
    .fetch_optional(conn)
    .await?
    .map(|r| document(&r))
    .transpose()
}

pub async fn versions(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
    page: Page,
) -> Result<(Vec<Document>, Option<i64>)> {
    let total = if page.want_total {
        let row = Sql::new("SELECT COUNT(*) AS n FROM documents WHERE library = ")
            .bind(library.as_str())
            .push(" AND number = ")
            .bind(number)
            .fetch_one(conn)
            .await?;
        Some(row.try_get::<i64, _>("n").db()?)
    } else {
        None
    };
    let mut sql = Sql::new(&format!(
        "SELECT {} FROM documents WHERE library = ",
        columns()
    ));
    sql.bind(library.as_str())
        .push(" AND number = ")
        .bind(number);
    if let Some(after) = page.after {
        sql.push(" AND version > ").bind(after);
    }
    sql.push(" ORDER BY version");
    sql.push_page(&page);
    Ok((
        sql.fetch_all(conn)
            .await?
            .iter()
            .map(document)
            .collect::<Result<_>>()?,
        total,
    ))
}

/// How many versions a document has.
pub async fn version_count(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
) -> Result<i64> {
    let row = Sql::new("SELECT COUNT(*) AS n FROM documents WHERE library = ")
        .bind(library.as_str())
        .push(" AND number = ")
        .bind(number)
        .fetch_one(conn)
        .await?;
    row.try_get("n").db()
}

/// Removes every version of a document (a purge).
pub async fn delete_all_versions(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
) -> Result<()> {
    Sql::new("DELETE FROM documents WHERE library = ")
        .bind(library.as_str())
        .push(" AND number = ")
        .bind(number)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes one version. If it was the latest, the highest remaining version becomes latest.
/// Returns how many versions remain.
pub async fn delete_version(conn: &mut AnyConnection, id: &DocumentId) -> Result<i64> {
    Sql::new("DELETE FROM documents WHERE library = ")
        .bind(id.library.as_str())
        .push(" AND number = ")
        .bind(id.number)
        .push(" AND version = ")
        .bind(id.version)
        .execute(conn)
        .await?;
    let row = Sql::new("SELECT COUNT(*) AS n, MAX(version) AS v FROM documents WHERE library = ")
        .bind(id.library.as_str())
        .push(" AND number = ")
        .bind(id.number)
        .fetch_one(conn)
        .await?;
    let remaining: i64 = row.try_get("n").db()?;
    if let Some(v) = row.try_get::<Option<i64>, _>("v").db()? {
        Sql::new("UPDATE documents SET is_latest = 1 WHERE library = ")
            .bind(id.library.as_str())
            .push(" AND number = ")
            .bind(id.number)
            .push(" AND version = ")
            .bind(v)
            .execute(conn)
            .await?;
    }
    Ok(remaining)
}

fn push_pattern(sql: &mut Sql, col: &str, pattern: &Option<String>) {
    if let Some(p) = pattern {
        sql.push(&format!(" AND lower({col}) LIKE "))
            .bind(like_pattern(p))
            .push(" ESCAPE '\\'");
    }
}

fn push_where(sql: &mut Sql, library: &LibraryId, f: &DocumentQuery, visible: Option<&Visible>) {
    push_where_part(sql, library, f, visible, crate::acl::Part::Both);
}

fn push_where_part(
    sql: &mut Sql,
    library: &LibraryId,
    f: &DocumentQuery,
    visible: Option<&Visible>,
    part: crate::acl::Part,
) {
    sql.push(" WHERE d.library = ")
        .bind(library.as_str())
        .push(" AND d.is_latest = 1");
    if let Some(v) = visible {
        v.push_part(sql, crate::acl::Listed::Documents, "d", part);
    }
    if let Some(folders) = &f.folders {
        if folders.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            // Driven from the folder's filings (an IN list the planner looks up by key), not
            // a per-document EXISTS probe, which scans every latest version of the library.
            sql.push(" AND d.number IN (SELECT f.document FROM filings f WHERE f.library = ")
                .bind(library.as_str())
                .push(" AND f.folder IN (")
                .bind_list(folders.iter().copied())
                .push("))");
        }
    }
    if !f.names.is_empty() {
        sql.push(" AND lower(d.name) IN (")
            .bind_list(f.names.iter().map(|n| n.to_lowercase()))
            .push(")");
    }
    if let Some(p) = &f.name_or_description {
        let pat = like_pattern(p);
        sql.push(" AND (lower(d.name) LIKE ")
            .bind(pat.clone())
            .push(" ESCAPE '\\' OR lower(d.comment) LIKE ")
            .bind(pat)
            .push(" ESCAPE '\\')");
    }
    push_pattern(sql, "d.comment", &f.comments);
    push_pattern(sql, "d.author", &f.author);
    push_pattern(sql, "d.operator", &f.operator);
    push_pattern(sql, "d.last_user", &f.last_user);
    if let Some(c) = &f.class {
        sql.push(" AND d.class = ").bind(c.to_uppercase());
    }
    if let Some(c) = &f.subclass {
        sql.push(" AND d.subclass = ").bind(c.to_uppercase());
    }
    if !f.types.is_empty() {
        sql.push(" AND d.doc_type IN (")
            .bind_list(f.types.iter().map(|t| t.to_uppercase()))
            .push(")");
    }
    if !f.numbers.is_empty() {
        sql.push(" AND d.number IN (")
            .bind_list(f.numbers.iter().copied())
            .push(")");
    }
    for (n, m) in &f.customs {
        match m {
            CustomMatch::Equals(CustomValue::Text(t)) => {
                sql.push(&format!(" AND upper(d.c{n}) = "))
                    .bind(t.to_uppercase());
            }
            CustomMatch::Equals(v) => {
                sql.push(&format!(" AND d.c{n} = "))
                    .bind(custom_param(*n, Some(v)));
            }
            CustomMatch::NumberRange(lo, hi) => {
                for (bound, included, excluded) in [(lo, ">=", ">"), (hi, "<=", "<")] {
                    let (op, v) = match bound {
                        Bound::Included(v) => (included, v),
                        Bound::Excluded(v) => (excluded, v),
                        Bound::Unbounded => continue,
                    };
                    sql.push(&format!(" AND d.c{n} {op} "))
                        .bind(crate::sql::Param::Float(Some(*v)));
                }
            }
            CustomMatch::TimeRange(lo, hi) => {
                if let Some(lo) = lo {
                    sql.push(&format!(" AND d.c{n} >= ")).bind(*lo);
                }
                if let Some(hi) = hi {
                    sql.push(&format!(" AND d.c{n} <= ")).bind(*hi);
                }
            }
        }
    }
    crate::metadata::push_matches(sql, &f.metadata);
    if let Some(c) = f.checked_out {
        sql.push(if c { " AND EXISTS" } else { " AND NOT EXISTS" }).push(" (SELECT 1 FROM checkouts k WHERE k.library = d.library AND k.document = d.number)");
    }
    if let Some(w) = f.wstype {
        sql.push(" AND d.wstype = ").bind(w.as_str());
    }
    if let Some(c) = &f.conversation_id {
        sql.push(" AND d.conversation_id = ").bind(c.as_str());
    }
    if let Some(h) = f.has_attachment {
        sql.push(if h {
            " AND d.attachments IS NOT NULL"
        } else {
            " AND d.attachments IS NULL"
        });
    }
    for (col, op, v) in [
        ("create_date", ">=", f.create_from),
        ("create_date", "<=", f.create_to),
        ("edit_date", ">=", f.edit_from),
        ("edit_date", "<=", f.edit_to),
    ] {
        if let Some(v) = v {
            sql.push(&format!(" AND d.{col} {op} ")).bind(v);
        }
    }
}

/// A page of a trimmed library-wide search and its total, in two steps: the numbers of
/// the page from each half of the readable set, each with its half's count in the same
/// scan (`COUNT(*) OVER ()`; index-only through `documents_by_acl`, where one OR query
/// would walk the library in number order past every unreadable document), then the rows
/// of just those numbers. The total is meaningless in cursor mode, where it is not asked.
async fn trimmed_page(
    conn: &mut AnyConnection,
    library: &LibraryId,
    f: &DocumentQuery,
    visible: &Visible,
    page: Page,
    cols: &str,
) -> Result<(Vec<Document>, i64)> {
    use crate::acl::Part;
    let wanted = page.limit + if page.after.is_none() { page.offset } else { 0 };
    let mut numbers: Vec<i64> = Vec::new();
    let mut total = 0;
    for part in [Part::Granted, Part::OwnedOnly] {
        let mut sql = Sql::new("SELECT d.number, COUNT(*) OVER () AS n FROM documents d");
        push_where_part(&mut sql, library, f, Some(visible), part);
        if let Some(after) = page.after {
            sql.push(" AND d.number > ").bind(after);
        }
        sql.push(" ORDER BY d.number LIMIT ").bind(wanted);
        let rows = sql.fetch_all(conn).await?;
        if let Some(first) = rows.first() {
            total += first.try_get::<i64, _>("n").db()?;
        }
        for r in rows {
            numbers.push(r.try_get("number").db()?);
        }
    }
    numbers.sort_unstable();
    let skip = if page.after.is_none() {
        page.offset.max(0) as usize
    } else {
        0
    };
    let numbers: Vec<i64> = numbers
        .into_iter()
        .skip(skip)
        .take(page.limit.max(0) as usize)
        .collect();
    if numbers.is_empty() {
        return Ok((Vec::new(), total));
    }
    let docs = Sql::new(&format!(
        "SELECT {cols} FROM documents d WHERE d.library = "
    ))
    .bind(library.as_str())
    .push(" AND d.is_latest = 1 AND d.number IN (")
    .bind_list(numbers.iter().copied())
    .push(") ORDER BY d.number")
    .fetch_all(conn)
    .await?
    .iter()
    .map(document)
    .collect::<Result<_>>()?;
    Ok((docs, total))
}

/// Counts the documents matching `f`. A trimmed count is the sum of its two disjoint
/// halves (readable by ACL; the caller's own beyond that), each driven by its own index.
async fn count(
    conn: &mut AnyConnection,
    library: &LibraryId,
    f: &DocumentQuery,
    visible: Option<&Visible>,
) -> Result<i64> {
    use crate::acl::Part;
    let parts: &[Part] = match visible {
        Some(v) if v.keys.is_some() => &[Part::Granted, Part::OwnedOnly],
        _ => &[Part::Both],
    };
    let mut total = 0;
    for part in parts {
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM documents d");
        push_where_part(&mut sql, library, f, visible, *part);
        total += sql.fetch_one(conn).await?.try_get::<i64, _>("n").db()?;
    }
    Ok(total)
}

/// Latest versions matching `f` that `visible` admits (`None`: every one), in
/// document-number order, with the total when asked.
pub async fn search(
    conn: &mut AnyConnection,
    library: &LibraryId,
    f: &DocumentQuery,
    visible: Option<&Visible>,
    page: Page,
) -> Result<(Vec<Document>, Option<i64>)> {
    let cols = columns()
        .split(", ")
        .map(|c| format!("d.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(v) = visible.filter(|v| f.folders.is_none() && v.keys.is_some()) {
        let (docs, total) = trimmed_page(conn, library, f, v, page, &cols).await?;
        return Ok((docs, page.want_total.then_some(total)));
    }
    let total = if page.want_total {
        Some(count(conn, library, f, visible).await?)
    } else {
        None
    };
    let mut sql = Sql::new(&format!("SELECT {cols} FROM documents d"));
    push_where(&mut sql, library, f, visible);
    if let Some(after) = page.after {
        sql.push(" AND d.number > ").bind(after);
    }
    // A folder's documents are found through its filings; `+d.number` keeps SQLite from
    // walking the whole library in number order instead (to avoid sorting a short list).
    sql.push(if f.folders.is_some() {
        " ORDER BY +d.number"
    } else {
        " ORDER BY d.number"
    });
    sql.push_page(&page);
    Ok((
        sql.fetch_all(conn)
            .await?
            .iter()
            .map(document)
            .collect::<Result<_>>()?,
        total,
    ))
}

// ---- filings ----

pub async fn file(
    conn: &mut AnyConnection,
    library: &LibraryId,
    folder: i64,
    document: i64,
    is_reference: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    Sql::new("INSERT INTO filings (library, folder, document, is_reference, filed_at) VALUES (")
        .bind(library.as_str())
        .push(", ")
        .bind(folder)
        .push(", ")
        .bind(document)
        .push(", ")
        .bind(is_reference)
        .push(", ")
        .bind(now)
        .push(")")
        .execute(conn)
        .await?;
    if !is_reference {
        // The home filing decides the document's workspace (what workspace walls look at).
        Sql::new("UPDATE documents SET workspace = (SELECT c.workspace FROM containers c WHERE c.library = documents.library AND c.number = ")
            .bind(folder)
            .push(") WHERE library = ")
            .bind(library.as_str())
            .push(" AND number = ")
            .bind(document)
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn unfile(
    conn: &mut AnyConnection,
    library: &LibraryId,
    folder: i64,
    document: i64,
) -> Result<bool> {
    Ok(Sql::new("DELETE FROM filings WHERE library = ")
        .bind(library.as_str())
        .push(" AND folder = ")
        .bind(folder)
        .push(" AND document = ")
        .bind(document)
        .execute(conn)
        .await?
        > 0)
}

pub async fn unfile_everywhere(
    conn: &mut AnyConnection,
    library: &LibraryId,
    document: i64,
) -> Result<()> {
    Sql::new("DELETE FROM filings WHERE library = ")
        .bind(library.as_str())
        .push(" AND document = ")
        .bind(document)
        .execute(conn)
        .await?;
    Ok(())
}

/// Where a document is filed: its home folder first, then references.
pub async fn filings_of(
    conn: &mut AnyConnection,
    library: &LibraryId,
    document: i64,
) -> Result<Vec<Filing>> {
    let rows =
        Sql::new("SELECT folder, document, is_reference, filed_at FROM filings WHERE library = ")
            .bind(library.as_str())
            .push(" AND document = ")
            .bind(document)
            .push(" ORDER BY is_reference, filed_at, folder")
            .fetch_all(conn)
            .await?;
    rows.iter().map(filing).collect()
}

/// A filing as `filings` and `recycled_filings` store it.
pub(crate) fn filing(r: &AnyRow) -> Result<Filing> {
    Ok(Filing {
        folder: r.try_get("folder").db()?,
        document: r.try_get("document").db()?,
        is_reference: get_bool(r, "is_reference")?,
        filed_at: get_ts(r, "filed_at")?,
    })
}

pub async fn count_in_folder(
    conn: &mut AnyConnection,
    library: &LibraryId,
    folder: i64,
) -> Result<i64> {
    let row = Sql::new("SELECT COUNT(*) AS n FROM filings WHERE library = ")
        .bind(library.as_str())
        .push(" AND folder = ")
        .bind(folder)
        .fetch_one(conn)
        .await?;
    row.try_get("n").db()
}

// ---- check-outs ----

pub async fn checkout(
    conn: &mut AnyConnection,
    library: &LibraryId,
    document: i64,
) -> Result<Option<Checkout>> {
    let Some(r) = Sql::new("SELECT user_id, comments, location, path, due_date, checkout_date FROM checkouts WHERE library = ")
        .bind(library.as_str())
        .push(" AND document = ")
        .bind(document)
        .fetch_optional(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Checkout {
        user_id: r.try_get("user_id").db()?,
        comments: r.try_get("comments").db()?,
        location: r.try_get("location").db()?,
        path: r.try_get("path").db()?,
        due_date: get_opt_ts(&r, "due_date")?,
        checkout_date: get_ts(&r, "checkout_date")?,
    }))
}

pub async fn set_checkout(
    conn: &mut AnyConnection,
    library: &LibraryId,
    document: i64,
    c: &Checkout,
) -> Result<()> {
    Sql::new("INSERT INTO checkouts (library, document, user_id, comments, location, path, due_date, checkout_date) VALUES (")
        .bind(library.as_str())
        .push(", ")
        .bind(document)
        .push(", ")
        .bind(c.user_id.as_str())
        .push(", ")
        .bind(c.comments.as_str())
        .push(", ")
        .bind(c.location.as_str())
        .push(", ")
        .bind(c.path.as_str())
        .push(", ")
        .bind(c.due_date)
        .push(", ")
        .bind(c.checkout_date)
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn clear_checkout(
    conn: &mut AnyConnection,
    library: &LibraryId,
    document: i64,
) -> Result<bool> {
    Ok(Sql::new("DELETE FROM checkouts WHERE library = ")
        .bind(library.as_str())
        .push(" AND document = ")
        .bind(document)
        .execute(conn)
        .await?
        > 0)
}

/// Every (library, number, version, hash, size) row, for `dossier check`.
pub async fn all_content(conn: &mut AnyConnection) -> Result<Vec<(String, i64, i64, String, i64)>> {
    let rows = Sql::new("SELECT library, number, version, content_hash, size FROM documents ORDER BY library, number, version").fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("library").db()?,
                r.try_get("number").db()?,
                r.try_get("version").db()?,
                r.try_get("content_hash").db()?,
                r.try_get("size").db()?,
            ))
        })
        .collect()
}

/// Check-outs of several documents at once (list responses show them without N+1 queries).
pub async fn checkouts_for(
    conn: &mut AnyConnection,
    library: &LibraryId,
    documents: &[i64],
) -> Result<std::collections::HashMap<i64, Checkout>> {
    let mut out = std::collections::HashMap::new();
    if documents.is_empty() {
        return Ok(out);
    }
    let rows = Sql::new("SELECT document, user_id, comments, location, path, due_date, checkout_date FROM checkouts WHERE library = ")
        .bind(library.as_str())
        .push(" AND document IN (")
        .bind_list(documents.iter().copied())
        .push(")")
        .fetch_all(conn)
        .await?;
    for r in rows {
        out.insert(
            r.try_get::<i64, _>("document").db()?,
            Checkout {
                user_id: r.try_get("user_id").db()?,
                comments: r.try_get("comments").db()?,
                location: r.try_get("location").db()?,
                path: r.try_get("path").db()?,
                due_date: get_opt_ts(&r, "due_date")?,
                checkout_date: get_ts(&r, "checkout_date")?,
            },
        );
    }
    Ok(out)
}

/// The workspace (number, name) of each document's home folder.
pub async fn home_workspaces(
    conn: &mut AnyConnection,
    library: &LibraryId,
    documents: &[i64],
) -> Result<std::collections::HashMap<i64, (i64, String)>> {
    let mut out = std::collections::HashMap::new();
    if documents.is_empty() {
        return Ok(out);
    }
    let rows = Sql::new("SELECT f.document AS document, w.number AS workspace, w.name AS name FROM filings f JOIN containers c ON c.library = f.library AND c.number = f.folder JOIN containers w ON w.library = c.library AND w.number = c.workspace WHERE f.library = ")
        .bind(library.as_str())
        .push(" AND f.is_reference = 0 AND f.document IN (")
        .bind_list(documents.iter().copied())
        .push(")")
        .fetch_all(conn)
        .await?;
    for r in rows {
        out.insert(
            r.try_get::<i64, _>("document").db()?,
            (
                r.try_get::<i64, _>("workspace").db()?,
                r.try_get::<String, _>("name").db()?,
            ),
        );
    }
    Ok(out)
}

/// The latest version number of each document.
pub async fn latest_versions(
    conn: &mut AnyConnection,
    library: &LibraryId,
    documents: &[i64],
) -> Result<std::collections::HashMap<i64, i64>> {
    let mut out = std::collections::HashMap::new();
    if documents.is_empty() {
        return Ok(out);
    }
    let rows = Sql::new("SELECT number, version FROM documents WHERE library = ")
        .bind(library.as_str())
        .push(" AND is_latest = 1 AND number IN (")
        .bind_list(documents.iter().copied())
        .push(")")
        .fetch_all(conn)
        .await?;
    for r in rows {
        out.insert(
            r.try_get::<i64, _>("number").db()?,
            r.try_get::<i64, _>("version").db()?,
        );
    }
    Ok(out)
}

/// The latest versions of these documents with their home workspace (-1 when unfiled).
pub async fn latest_with_workspace(
    conn: &mut AnyConnection,
    library: &LibraryId,
    numbers: &[i64],
) -> Result<Vec<(Document, i64)>> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let rows = Sql::new(&format!(
        "SELECT {}, workspace FROM documents WHERE library = ",
        columns()
    ))
    .bind(library.as_str())
    .push(" AND is_latest = 1 AND number IN (")
    .bind_list(numbers.iter().copied())
    .push(")")
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((document(r)?, r.try_get("workspace").db()?)))
        .collect()
}

/// The numbers of a library's checked-out documents (few: check-outs are short-lived).
pub async fn checked_out(conn: &mut AnyConnection, library: &LibraryId) -> Result<Vec<i64>> {
    let rows = Sql::new("SELECT document FROM checkouts WHERE library = ")
        .bind(library.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| r.try_get("document").db()).collect()
}
