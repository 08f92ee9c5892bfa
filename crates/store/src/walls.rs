//! Ethical walls and their members.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use dossier_core::DomainError;
use dossier_core::walls::{Wall, WallKind, WallScope};
use sqlx::{AnyConnection, Row};

use crate::sql::Sql;
use crate::{DbResult, Result};

fn scope_columns(s: &WallScope) -> (Option<String>, Option<String>, Option<i64>) {
    match s {
        WallScope::Client(c) => (Some(c.clone()), None, None),
        WallScope::Matter(c, m) => (Some(c.clone()), Some(m.clone()), None),
        WallScope::Workspace(w) => (None, None, Some(*w)),
    }
}

/// Inserts a wall and its members; returns its id.
pub async fn insert(
    conn: &mut AnyConnection,
    w: &Wall,
    by: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let (client, matter, workspace) = scope_columns(&w.scope);
    let row = Sql::new("INSERT INTO walls (library, name, kind, client, matter, workspace, description, created_by, created_at, edited_at) VALUES (")
        .bind(w.library.as_str())
        .push(", ")
        .bind(w.name.as_str())
        .push(", ")
        .bind(w.kind.as_str())
        .push(", ")
        .bind(client)
        .push(", ")
        .bind(matter)
        .push(", ")
        .bind(workspace)
        .push(", ")
        .bind(w.description.as_str())
        .push(", ")
        .bind(by)
        .push(", ")
        .bind(now)
        .push(", ")
        .bind(now)
        .push(") RETURNING id")
        .fetch_one(conn)
        .await?;
    let id: i64 = row.try_get("id").db()?;
    set_members(conn, id, &w.users, &w.groups).await?;
    Ok(id)
}

/// Rewrites a wall's name, kind, scope, description and members.
pub async fn update(conn: &mut AnyConnection, w: &Wall, now: DateTime<Utc>) -> Result<()> {
    let (client, matter, workspace) = scope_columns(&w.scope);
    Sql::new("UPDATE walls SET name = ")
        .bind(w.name.as_str())
        .push(", kind = ")
        .bind(w.kind.as_str())
        .push(", client = ")
        .bind(client)
        .push(", matter = ")
        .bind(matter)
        .push(", workspace = ")
        .bind(workspace)
        .push(", description = ")
        .bind(w.description.as_str())
        .push(", edited_at = ")
        .bind(now)
        .push(" WHERE id = ")
        .bind(w.id)
        .execute(conn)
        .await?;
    set_members(conn, w.id, &w.users, &w.groups).await
}

async fn set_members(
    conn: &mut AnyConnection,
    wall: i64,
    users: &BTreeSet<String>,
    groups: &BTreeSet<String>,
) -> Result<()> {
    Sql::new("DELETE FROM wall_members WHERE wall = ")
        .bind(wall)
        .execute(conn)
        .await?;
    for (kind, ids) in [("user", users), ("group", groups)] {
        for id in ids {
            Sql::new("INSERT INTO wall_members (wall, member_type, member_id) VALUES (")
                .bind(wall)
                .push(", ")
                .bind(kind)
                .push(", ")
                .bind(id.as_str())
                .push(")")
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, library: &str, id: i64) -> Result<bool> {
    Sql::new("DELETE FROM wall_members WHERE wall IN (SELECT id FROM walls WHERE library = ")
        .bind(library)
        .push(" AND id = ")
        .bind(id)
        .push(")")
        .execute(conn)
        .await?;
    Ok(Sql::new("DELETE FROM walls WHERE library = ")
        .bind(library)
        .push(" AND id = ")
        .bind(id)
        .execute(conn)
        .await?
        > 0)
}

/// Every wall of a library with its members, by id.
pub async fn list(conn: &mut AnyConnection, library: &str) -> Result<Vec<Wall>> {
    let rows = Sql::new("SELECT id, library, name, kind, client, matter, workspace, description FROM walls WHERE library = ")
        .bind(library)
        .push(" ORDER BY id")
        .fetch_all(conn)
        .await?;
    let mut walls = Vec::with_capacity(rows.len());
    for r in &rows {
        let kind: String = r.try_get("kind").db()?;
        let client: Option<String> = r.try_get("client").db()?;
        let matter: Option<String> = r.try_get("matter").db()?;
        let workspace: Option<i64> = r.try_get("workspace").db()?;
        let scope = match (client, matter, workspace) {
            (_, _, Some(w)) => WallScope::Workspace(w),
            (Some(c), Some(m), None) => WallScope::Matter(c, m),
            (Some(c), None, None) => WallScope::Client(c),
            _ => return Err(DomainError::internal("a wall without a scope")),
        };
        walls.push(Wall {
            id: r.try_get("id").db()?,
            library: r.try_get("library").db()?,
            name: r.try_get("name").db()?,
            kind: WallKind::parse(&kind)?,
            scope,
            description: r.try_get("description").db()?,
            users: BTreeSet::new(),
            groups: BTreeSet::new(),
        });
    }
    let members = Sql::new("SELECT m.wall, m.member_type, m.member_id FROM wall_members m JOIN walls w ON w.id = m.wall WHERE w.library = ")
        .bind(library)
        .fetch_all(conn)
        .await?;
    for r in &members {
        let wall: i64 = r.try_get("wall").db()?;
        let kind: String = r.try_get("member_type").db()?;
        let id: String = r.try_get("member_id").db()?;
        if let Some(w) = walls.iter_mut().find(|w| w.id == wall) {
            if kind == "group" {
                w.groups.insert(id);
            } else {
                w.users.insert(id);
            }
        }
    }
    Ok(walls)
}
