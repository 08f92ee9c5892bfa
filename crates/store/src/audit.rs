//! The audit log: append-only records of sign-ins, tokens and identity changes.

use dossier_core::identity::{AuditOutcome, AuditRecord};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Page, Sql, get_ts};
use crate::{DbResult, Result};

const COLUMNS: &str =
    "customer_id, at, actor, action, target, outcome, address, detail, request_id";

fn record(row: &AnyRow) -> Result<AuditRecord> {
    let outcome: String = row.try_get("outcome").db()?;
    Ok(AuditRecord {
        seq: row.try_get("seq").db()?,
        customer_id: row.try_get("customer_id").db()?,
        at: get_ts(row, "at")?,
        actor: row.try_get("actor").db()?,
        action: row.try_get("action").db()?,
        target: row.try_get("target").db()?,
        outcome: AuditOutcome::parse(&outcome),
        address: row.try_get("address").db()?,
        detail: row.try_get("detail").db()?,
        request_id: row.try_get("request_id").db()?,
    })
}

pub async fn append(conn: &mut AnyConnection, r: &AuditRecord) -> Result<()> {
    Sql::new(&format!("INSERT INTO audit_log ({COLUMNS}) VALUES ("))
        .bind(r.customer_id)
        .push(", ")
        .bind(r.at)
        .push(", ")
        .bind(r.actor.clone())
        .push(", ")
        .bind(r.action.as_str())
        .push(", ")
        .bind(r.target.clone())
        .push(", ")
        .bind(r.outcome.as_str())
        .push(", ")
        .bind(r.address.clone())
        .push(", ")
        .bind(r.detail.as_str())
        .push(", ")
        .bind(r.request_id.clone())
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub target: Option<String>,
    /// An action, or an action prefix ending in `.` (`user.` for every user change).
    pub action: Option<String>,
}

/// Newest first; in cursor mode `page.after` is the last `seq` seen.
pub async fn list(
    conn: &mut AnyConnection,
    customer_id: i64,
    f: &AuditFilter,
    page: Page,
) -> Result<Vec<AuditRecord>> {
    let mut sql = Sql::new(&format!(
        "SELECT seq, {COLUMNS} FROM audit_log WHERE customer_id = "
    ));
    sql.bind(customer_id);
    if let Some(v) = &f.actor {
        sql.push(" AND actor = ").bind(v.to_uppercase());
    }
    if let Some(v) = &f.target {
        sql.push(" AND target = ").bind(v.as_str());
    }
    if let Some(v) = &f.action {
        if v.ends_with('.') {
            sql.push(" AND action LIKE ")
                .bind(format!("{}%", crate::sql::like_pattern(v)))
                .push(" ESCAPE '\\'");
        } else {
            sql.push(" AND action = ").bind(v.as_str());
        }
    }
    if let Some(after) = page.after {
        sql.push(" AND seq < ").bind(after);
    }
    sql.push(" ORDER BY seq DESC");
    sql.push_page(&page);
    sql.fetch_all(conn).await?.iter().map(record).collect()
}
