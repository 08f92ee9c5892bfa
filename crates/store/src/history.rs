//! Document history entries.

use chrono::{DateTime, Utc};
use dossier_core::model::HistoryEntry;
use dossier_core::{DocumentId, LibraryId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Page, Sql, get_ts};
use crate::{DbResult, Result};

const COLUMNS: &str = "library, document, version, activity, activity_code, activity_date, user_id, application_name, location, comments, duration, pages_printed, data1, data2, num1, num2, num3";

fn entry(row: &AnyRow) -> Result<HistoryEntry> {
    Ok(HistoryEntry {
        id: row.try_get("id").db()?,
        document: DocumentId::new(
            LibraryId::parse(&row.try_get::<String, _>("library").db()?)?,
            row.try_get("document").db()?,
            row.try_get("version").db()?,
        ),
        activity: row.try_get("activity").db()?,
        activity_code: row.try_get("activity_code").db()?,
        activity_date: get_ts(row, "activity_date")?,
        user_id: row.try_get("user_id").db()?,
        application_name: row.try_get("application_name").db()?,
        location: row.try_get("location").db()?,
        comments: row.try_get("comments").db()?,
        duration: row.try_get("duration").db()?,
        pages_printed: row.try_get("pages_printed").db()?,
        data1: row.try_get("data1").db()?,
        data2: row.try_get("data2").db()?,
        num1: row.try_get("num1").db()?,
        num2: row.try_get("num2").db()?,
        num3: row.try_get("num3").db()?,
    })
}

pub async fn insert(conn: &mut AnyConnection, e: &HistoryEntry) -> Result<()> {
    Sql::new(&format!("INSERT INTO history ({COLUMNS}) VALUES ("))
        .bind(e.document.library.as_str())
        .push(", ")
        .bind(e.document.number)
        .push(", ")
        .bind(e.document.version)
        .push(", ")
        .bind(e.activity.as_str())
        .push(", ")
        .bind(e.activity_code)
        .push(", ")
        .bind(e.activity_date)
        .push(", ")
        .bind(e.user_id.as_str())
        .push(", ")
        .bind(e.application_name.as_str())
        .push(", ")
        .bind(e.location.as_str())
        .push(", ")
        .bind(e.comments.as_str())
        .push(", ")
        .bind(e.duration)
        .push(", ")
        .bind(e.pages_printed)
        .push(", ")
        .bind(e.data1.as_str())
        .push(", ")
        .bind(e.data2.as_str())
        .push(", ")
        .bind(e.num1)
        .push(", ")
        .bind(e.num2)
        .push(", ")
        .bind(e.num3)
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct HistoryFilter {
    /// None: every version.
    pub version: Option<i64>,
    pub activities: Vec<String>,
    pub user: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn push_where(sql: &mut Sql, library: &LibraryId, document: i64, f: &HistoryFilter) {
    sql.push(" WHERE library = ")
        .bind(library.as_str())
        .push(" AND document = ")
        .bind(document);
    if let Some(v) = f.version {
        sql.push(" AND version = ").bind(v);
    }
    if !f.activities.is_empty() {
        sql.push(" AND activity IN (")
            .bind_list(f.activities.iter().map(String::as_str))
            .push(")");
    }
    if let Some(u) = &f.user {
        sql.push(" AND user_id = ").bind(u.to_uppercase());
    }
    if let Some(t) = f.from {
        sql.push(" AND activity_date >= ").bind(t);
    }
    if let Some(t) = f.to {
        sql.push(" AND activity_date <= ").bind(t);
    }
}

/// Newest first, as iManage lists history.
pub async fn list(
    conn: &mut AnyConnection,
    library: &LibraryId,
    document: i64,
    f: &HistoryFilter,
    page: Page,
) -> Result<(Vec<HistoryEntry>, Option<i64>)> {
    let total = if page.want_total {
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM history");
        push_where(&mut sql, library, document, f);
        Some(sql.fetch_one(conn).await?.try_get::<i64, _>("n").db()?)
    } else {
        None
    };
    let mut sql = Sql::new(&format!("SELECT id, {COLUMNS} FROM history"));
    push_where(&mut sql, library, document, f);
    if let Some(after) = page.after {
        sql.push(" AND id < ").bind(after);
    }
    sql.push(" ORDER BY id DESC");
    sql.push_page(&page);
    Ok((
        sql.fetch_all(conn)
            .await?
            .iter()
            .map(entry)
            .collect::<Result<_>>()?,
        total,
    ))
}
