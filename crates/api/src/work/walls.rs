//! Dossier's ethical walls under the Work API: `L/walls` (GET list, POST create),
//! `L/walls/{id}` (GET, PUT/PATCH replace, DELETE) and `L/walls/{id}/report`.
//! Administrators only (the service checks). A wall body:
//! `{name, kind: "inclusive"|"exclusive", client, matter?, workspace_id?, description,
//!   users: [...], groups: [...]}` — `client` alone covers a client, `client` + `matter` a
//! matter, `workspace_id` a workspace.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dossier_core::walls::{Wall, WallKind, WallScope};
use dossier_core::{ContainerId, DomainError, LibraryId};
use dossier_service::Caller;
use dossier_service::walls::{WallInput, WallReport};
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonObject, Params};
use crate::identity_wire::{id_list, opt_string};
use crate::reply;

use crate::AppState;

fn wall_json(w: &Wall) -> Value {
    let mut o = json!({"id": w.id, "database": w.library, "name": w.name, "kind": w.kind.as_str(),
                       "description": w.description, "users": w.users, "groups": w.groups});
    if let Some(m) = o.as_object_mut() {
        match &w.scope {
            WallScope::Client(c) => {
                m.insert("client".into(), json!(c));
            }
            WallScope::Matter(c, mt) => {
                m.insert("client".into(), json!(c));
                m.insert("matter".into(), json!(mt));
            }
            WallScope::Workspace(n) => {
                // The library was checked when the wall was made; it always parses.
                if let Ok(library) = LibraryId::parse(&w.library) {
                    let id = ContainerId::new(library, *n);
                    m.insert("workspace_id".into(), json!(id.to_string()));
                }
            }
        }
    }
    o
}

fn report_json(r: &WallReport) -> Value {
    json!({"wall": wall_json(&r.wall), "inside": r.inside, "shut_out": r.shut_out,
           "conflicts": r.conflicts.iter().map(|(u, why)| json!({"user": u, "reason": why})).collect::<Vec<_>>()})
}

/// A wall as a body describes it (the web Control Center's form is read through this too).
pub fn input(library: &LibraryId, body: &Map<String, Value>) -> ApiResult<WallInput> {
    let kind = WallKind::parse(
        &opt_string(body, "kind")?.ok_or_else(|| ApiError(DomainError::required("kind")))?,
    )?;
    let client = opt_string(body, "client")?
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty());
    let matter = opt_string(body, "matter")?
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty());
    let workspace = opt_string(body, "workspace_id")?;
    let scope = match (client, matter, workspace) {
        (None, None, Some(w)) => {
            let id: ContainerId = w.parse()?;
            if id.library != *library {
                return Err(ApiError::invalid(
                    "workspace_id",
                    "workspace_id names another library",
                ));
            }
            WallScope::Workspace(id.number)
        }
        (Some(c), None, None) => WallScope::Client(c),
        (Some(c), Some(m), None) => WallScope::Matter(c, m),
        (None, Some(_), _) => {
            return Err(ApiError::invalid(
                "matter",
                "a matter wall names its client too",
            ));
        }
        _ => {
            return Err(ApiError::invalid(
                "client",
                "a wall covers a client, a client and matter, or a workspace_id",
            ));
        }
    };
    let upper = |v: Vec<String>| v.into_iter().map(|s| s.to_uppercase()).collect();
    Ok(WallInput {
        name: opt_string(body, "name")?.unwrap_or_default(),
        kind,
        scope,
        description: opt_string(body, "description")?.unwrap_or_default(),
        users: upper(id_list(body, "users")?),
        groups: upper(id_list(body, "groups")?),
    })
}

async fn library(state: &AppState, caller: &Caller, p: &Params) -> ApiResult<LibraryId> {
    Ok(state
        .dossier
        .library(caller, p.customer()?, p.library()?)
        .await?)
}

fn wall_id(p: &Params) -> ApiResult<i64> {
    let raw = p.get("wall")?;
    raw.parse()
        .map_err(|_| ApiError::not_found(format!("wall {raw}")))
}

pub async fn list(State(state): State<AppState>, caller: Caller, p: Params) -> ApiResult<Response> {
    let lib = library(&state, &caller, &p).await?;
    let walls = state.dossier.walls(&caller, &lib).await?;
    Ok(reply::list(
        walls.iter().map(wall_json).collect(),
        None,
        None,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let lib = library(&state, &caller, &p).await?;
    let w = state
        .dossier
        .create_wall(&caller, &lib, input(&lib, &body)?)
        .await?;
    Ok(reply::created(wall_json(&w)))
}

pub async fn get(State(state): State<AppState>, caller: Caller, p: Params) -> ApiResult<Response> {
    let lib = library(&state, &caller, &p).await?;
    let w = state.dossier.wall(&caller, &lib, wall_id(&p)?).await?;
    Ok(reply::data(wall_json(&w)))
}

pub async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let lib = library(&state, &caller, &p).await?;
    let w = state
        .dossier
        .update_wall(&caller, &lib, wall_id(&p)?, input(&lib, &body)?)
        .await?;
    Ok(reply::data(wall_json(&w)))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    let lib = library(&state, &caller, &p).await?;
    state
        .dossier
        .delete_wall(&caller, &lib, wall_id(&p)?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    let lib = library(&state, &caller, &p).await?;
    let r = state
        .dossier
        .wall_report(&caller, &lib, wall_id(&p)?)
        .await?;
    Ok(reply::data(report_json(&r)))
}

/// `GET L/access-report?client=…[&matter=…]` or `?workspace_id=…`, optionally `&date=`:
/// every member's access to the workspaces covered, and the rule that decided it, now or on
/// that date.
pub async fn access_report(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: crate::extract::Q,
) -> ApiResult<Response> {
    let lib = library(&state, &caller, &p).await?;
    // A bare date means the end of that day; a timestamp that moment.
    let at = match q.text("date") {
        None => None,
        Some(raw) => {
            let t = dossier_core::custom::parse_timestamp(raw).ok_or_else(|| {
                ApiError::invalid(
                    "date",
                    format!("'{raw}' is not a date (YYYY-MM-DD) or an ISO-8601 timestamp"),
                )
            })?;
            Some(if raw.trim().len() == 10 {
                t + chrono::Duration::days(1) - chrono::Duration::microseconds(1)
            } else {
                t
            })
        }
    };
    let mut body = Map::new();
    for key in ["client", "matter", "workspace_id"] {
        if let Some(v) = q.text(key) {
            body.insert(key.into(), json!(v));
        }
    }
    body.insert("kind".into(), json!("exclusive"));
    let scope = input(&lib, &body)?.scope;
    let lines = state
        .dossier
        .access_report(&caller, &lib, &scope, at)
        .await?;
    Ok(reply::list(
        lines
            .iter()
            .map(|l| json!({"user": l.user, "workspace_id": ContainerId::new(lib.clone(), l.workspace).to_string(), "access": l.level.number(), "access_level": l.level.as_str(), "can_read": l.level >= dossier_core::AccessLevel::Read, "reason": l.reason}))
            .collect(),
        None,
        None,
    ))
}
