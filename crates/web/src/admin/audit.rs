//! The audit log: who did what to which object, newest first, filtered by user, action
//! (or an action prefix such as `user.`) and object; exported as CSV with the same filter.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use dossier_api::AppState;
use dossier_core::query::Page;
use dossier_service::filters::AuditFilter;
use serde::Deserialize;

use super::Administrator;
use crate::page::{self, Chrome, PageResult};

const PAGE_ROWS: i64 = 100;
/// The most rows one CSV export holds.
const EXPORT_ROWS: i64 = 100_000;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    page: u32,
}

impl AuditQuery {
    fn filter(&self) -> AuditFilter {
        let some = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        AuditFilter {
            actor: some(&self.actor).map(|a| a.to_uppercase()),
            action: some(&self.action),
            target: some(&self.target),
        }
    }

    fn query_string(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("actor", &self.actor)
            .append_pair("action", &self.action)
            .append_pair("target", &self.target)
            .finish()
    }
}

pub struct Line {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: &'static str,
    pub address: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    actor: String,
    action: String,
    target: String,
    lines: Vec<Line>,
    page: u32,
    more: bool,
    query: String,
}

async fn records(
    state: &AppState,
    admin: &Administrator,
    q: &AuditQuery,
    page: Page,
) -> Result<Vec<Line>, page::Failure> {
    Ok(state
        .dossier
        .audit_log(admin.caller(), &q.filter(), page)
        .await?
        .iter()
        .map(|r| Line {
            at: r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            actor: r.actor.clone().unwrap_or_default(),
            action: r.action.clone(),
            target: r.target.clone().unwrap_or_default(),
            outcome: r.outcome.as_str(),
            address: r.address.clone().unwrap_or_default(),
            detail: r.detail.clone(),
        })
        .collect())
}

pub async fn list(
    State(state): State<AppState>,
    admin: Administrator,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let mut lines = records(
        &state,
        &admin,
        &q,
        Page {
            limit: PAGE_ROWS + 1,
            offset: i64::from(q.page) * PAGE_ROWS,
            after: None,
            want_total: false,
        },
    )
    .await?;
    let more = lines.len() as i64 > PAGE_ROWS;
    lines.truncate(PAGE_ROWS as usize);
    Ok(page::ok(&AuditPage {
        chrome: admin.chrome(),
        query: q.query_string(),
        actor: q.actor,
        action: q.action,
        target: q.target,
        lines,
        page: q.page,
        more,
    }))
}

/// A CSV field: quoted when it holds a separator, quote or line break; a leading `=`, `+`,
/// `-` or `@` is prefixed with `'` so a spreadsheet does not run it as a formula.
pub fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// A CSV answer to download under `name`.
pub fn csv_response(name: &str, rows: Vec<Vec<String>>) -> Response {
    let mut body = String::new();
    for row in rows {
        let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        body.push_str(&line.join(","));
        body.push_str("\r\n");
    }
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub async fn export(
    State(state): State<AppState>,
    admin: Administrator,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let lines = records(
        &state,
        &admin,
        &q,
        Page {
            limit: EXPORT_ROWS,
            offset: 0,
            after: None,
            want_total: false,
        },
    )
    .await?;
    let mut rows = vec![
        [
            "time", "user", "action", "object", "outcome", "address", "detail",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    rows.extend(lines.into_iter().map(|l| {
        vec![
            l.at,
            l.actor,
            l.action,
            l.target,
            l.outcome.to_string(),
            l.address,
            l.detail,
        ]
    }));
    Ok(csv_response("audit-log.csv", rows))
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-1,2"), "\"'-1,2\"");
    }
}
