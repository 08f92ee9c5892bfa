//! Ethical walls: a library's walls, a new wall (read by the Work API's own wall parser),
//! a wall's report (who is inside, who it shuts out, its conflicts), and the point-in-time
//! access report of what a wall covers ("who could read it on date D, and why"), on the page
//! and as CSV.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use chrono::{NaiveDate, TimeZone, Utc};
use dossier_api::AppState;
use dossier_core::walls::{Wall, WallScope};
use dossier_core::{DomainError, LibraryId};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::Administrator;
use super::audit::csv_response;
use crate::page::{self, Chrome, Failure, PageResult};

fn library_of(raw: &str) -> Result<LibraryId, Failure> {
    LibraryId::parse(raw).map_err(|_| Failure::from(page::not_found()))
}

pub fn scope_text(s: &WallScope) -> String {
    match s {
        WallScope::Client(c) => format!("client {c}"),
        WallScope::Matter(c, m) => format!("matter {c}/{m}"),
        WallScope::Workspace(n) => format!("workspace {n}"),
    }
}

pub struct WallRow {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub scope: String,
    pub members: String,
}

impl WallRow {
    fn of(w: &Wall) -> Self {
        WallRow {
            id: w.id,
            name: w.name.clone(),
            kind: w.kind.as_str(),
            scope: scope_text(&w.scope),
            members: w
                .users
                .iter()
                .chain(w.groups.iter())
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/walls.html")]
struct WallsPage {
    chrome: Chrome,
    library: String,
    libraries: Vec<String>,
    walls: Vec<WallRow>,
}

#[derive(Deserialize)]
pub struct LibraryQuery {
    library: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    admin: Administrator,
    Query(q): Query<LibraryQuery>,
) -> PageResult {
    let caller = admin.caller();
    let (library, libraries) =
        crate::home::current_library(&state, caller, q.library.as_deref()).await?;
    let walls = state.dossier.walls(caller, &library).await?;
    Ok(page::ok(&WallsPage {
        chrome: admin.chrome(),
        library: library.as_str().to_string(),
        libraries,
        walls: walls.iter().map(WallRow::of).collect(),
    }))
}

#[derive(Deserialize)]
pub struct NewWallForm {
    name: String,
    kind: String,
    #[serde(default)]
    client: String,
    #[serde(default)]
    matter: String,
    #[serde(default)]
    workspace_id: String,
    #[serde(default)]
    description: String,
    /// Login ids and group ids, separated by commas or spaces.
    #[serde(default)]
    users: String,
    #[serde(default)]
    groups: String,
}

/// The form as the Work API's wall body, so one parser reads both.
fn body_of(f: &NewWallForm) -> Map<String, Value> {
    let list = |raw: &str| {
        Value::Array(
            raw.split([',', ' ', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        )
    };
    let mut body = Map::new();
    for (k, v) in [
        ("name", &f.name),
        ("kind", &f.kind),
        ("client", &f.client),
        ("matter", &f.matter),
        ("workspace_id", &f.workspace_id),
        ("description", &f.description),
    ] {
        if !v.trim().is_empty() {
            body.insert(k.into(), Value::String(v.trim().to_string()));
        }
    }
    body.insert("users".into(), list(&f.users));
    body.insert("groups".into(), list(&f.groups));
    body
}

pub async fn create(
    State(state): State<AppState>,
    admin: Administrator,
    Path(library): Path<String>,
    Form(f): Form<NewWallForm>,
) -> PageResult {
    let caller = admin.caller();
    let library = library_of(&library)?;
    state
        .dossier
        .library(caller, caller.customer_id, library.as_str())
        .await?;
    let input =
        dossier_api::work::walls::input(&library, &body_of(&f)).map_err(|e| Failure::from(e.0))?;
    let wall = state.dossier.create_wall(caller, &library, input).await?;
    Ok(Redirect::to(&format!("/admin/walls/{library}/{}", wall.id)).into_response())
}

pub struct AccessRow {
    pub user: String,
    pub workspace: i64,
    pub level: &'static str,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "admin/wall.html")]
struct WallPage {
    chrome: Chrome,
    library: String,
    wall: WallRow,
    inside: Vec<String>,
    shut_out: Vec<String>,
    conflicts: Vec<(String, String)>,
    date: String,
    access: Vec<AccessRow>,
}

#[derive(Deserialize)]
pub struct ReportQuery {
    /// `YYYY-MM-DD`: the access report as of the end of that day; today when absent.
    #[serde(default)]
    date: String,
}

/// The end of the day `raw` names, or now when it is empty.
fn as_of(raw: &str) -> Result<Option<chrono::DateTime<Utc>>, DomainError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| DomainError::invalid("date", "a date is written YYYY-MM-DD"))?;
    let end = day
        .and_hms_opt(23, 59, 59)
        .ok_or_else(|| DomainError::invalid("date", "not a date"))?;
    Ok(Some(Utc.from_utc_datetime(&end)))
}

async fn access_rows(
    state: &AppState,
    admin: &Administrator,
    library: &LibraryId,
    wall: &Wall,
    date: &str,
) -> Result<Vec<AccessRow>, Failure> {
    let lines = state
        .dossier
        .access_report(admin.caller(), library, &wall.scope, as_of(date)?)
        .await?;
    Ok(lines
        .into_iter()
        .map(|l| AccessRow {
            user: l.user,
            workspace: l.workspace,
            level: l.level.display_name(),
            reason: l.reason,
        })
        .collect())
}

pub async fn report(
    State(state): State<AppState>,
    admin: Administrator,
    Path((library, id)): Path<(String, i64)>,
    Query(q): Query<ReportQuery>,
) -> PageResult {
    let library = library_of(&library)?;
    let r = state
        .dossier
        .wall_report(admin.caller(), &library, id)
        .await?;
    let access = access_rows(&state, &admin, &library, &r.wall, &q.date).await?;
    Ok(page::ok(&WallPage {
        chrome: admin.chrome(),
        library: library.as_str().to_string(),
        wall: WallRow::of(&r.wall),
        inside: r.inside,
        shut_out: r.shut_out,
        conflicts: r.conflicts,
        date: q.date,
        access,
    }))
}

pub async fn report_csv(
    State(state): State<AppState>,
    admin: Administrator,
    Path((library, id)): Path<(String, i64)>,
    Query(q): Query<ReportQuery>,
) -> PageResult {
    let library = library_of(&library)?;
    let wall = state.dossier.wall(admin.caller(), &library, id).await?;
    let access = access_rows(&state, &admin, &library, &wall, &q.date).await?;
    let mut rows = vec![vec![
        "user".to_string(),
        "workspace".to_string(),
        "access".to_string(),
        "why".to_string(),
    ]];
    rows.extend(access.into_iter().map(|a| {
        vec![
            a.user,
            format!("{library}!{}", a.workspace),
            a.level.to_string(),
            a.reason,
        ]
    }));
    Ok(csv_response(
        &format!("access-{library}-wall-{id}.csv"),
        rows,
    ))
}
