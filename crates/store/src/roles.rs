//! Library roles and library membership (which users belong to a library, their
//! per-library user number and their role).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use dossier_core::DomainError;
use dossier_core::identity::{Right, Role};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_ts};
use crate::{DbResult, Result};

fn role(row: &AnyRow) -> Result<Role> {
    let raw: String = row.try_get("rights").db()?;
    let names: Vec<String> = serde_json::from_str(&raw)
        .map_err(|e| DomainError::internal(format!("role rights are not a JSON list: {e}")))?;
    Ok(Role {
        library: row.try_get("library").db()?,
        id: row.try_get("id").db()?,
        description: row.try_get("description").db()?,
        // A right this build does not know is dropped rather than failing every read.
        rights: names.iter().filter_map(|n| Right::parse(n)).collect(),
    })
}

fn rights_json(rights: &BTreeSet<Right>) -> String {
    serde_json::Value::from(rights.iter().map(|r| r.as_str()).collect::<Vec<_>>()).to_string()
}

pub async fn insert(conn: &mut AnyConnection, r: &Role, now: DateTime<Utc>) -> Result<()> {
    Sql::new(
        "INSERT INTO roles (library, id, description, rights, created_at, edited_at) VALUES (",
    )
    .bind(r.library.as_str())
    .push(", ")
    .bind(r.id.as_str())
    .push(", ")
    .bind(r.description.as_str())
    .push(", ")
    .bind(rights_json(&r.rights))
    .push(", ")
    .bind(now)
    .push(", ")
    .bind(now)
    .push(")")
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update(conn: &mut AnyConnection, r: &Role, now: DateTime<Utc>) -> Result<bool> {
    Ok(Sql::new("UPDATE roles SET description = ")
        .bind(r.description.as_str())
        .push(", rights = ")
        .bind(rights_json(&r.rights))
        .push(", edited_at = ")
        .bind(now)
        .push(" WHERE library = ")
        .bind(r.library.as_str())
        .push(" AND id = ")
        .bind(r.id.as_str())
        .execute(conn)
        .await?
        > 0)
}

pub async fn get(conn: &mut AnyConnection, library: &str, id: &str) -> Result<Option<Role>> {
    Sql::new("SELECT library, id, description, rights FROM roles WHERE library = ")
        .bind(library)
        .push(" AND id = ")
        .bind(id.to_uppercase())
        .fetch_optional(conn)
        .await?
        .map(|r| role(&r))
        .transpose()
}

pub async fn list(conn: &mut AnyConnection, library: &str) -> Result<Vec<Role>> {
    Sql::new("SELECT library, id, description, rights FROM roles WHERE library = ")
        .bind(library)
        .push(" ORDER BY id")
        .fetch_all(conn)
        .await?
        .iter()
        .map(role)
        .collect()
}

/// One user's membership of one library.
#[derive(Clone, Debug, PartialEq)]
pub struct Membership {
    pub library: String,
    pub user_id: String,
    /// The per-library user number (the v1 API's user id).
    pub user_num: i64,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

fn membership(row: &AnyRow) -> Result<Membership> {
    Ok(Membership {
        library: row.try_get("library").db()?,
        user_id: row.try_get("user_id").db()?,
        user_num: row.try_get("user_num").db()?,
        role: row.try_get("role").db()?,
        created_at: get_ts(row, "created_at")?,
    })
}

const MEMBERSHIP: &str = "SELECT library, user_id, user_num, role, created_at FROM library_users";

/// Adds a user to a library with the next user number; an existing member keeps its
/// number and gets the new role.
pub async fn join(
    conn: &mut AnyConnection,
    library: &str,
    user: &str,
    role: &str,
    now: DateTime<Utc>,
) -> Result<Membership> {
    if let Some(m) = membership_of(conn, library, user).await? {
        Sql::new("UPDATE library_users SET role = ")
            .bind(role)
            .push(" WHERE library = ")
            .bind(library)
            .push(" AND user_id = ")
            .bind(m.user_id.as_str())
            .execute(conn)
            .await?;
        return Ok(Membership {
            role: role.to_string(),
            ..m
        });
    }
    let row = Sql::new("UPDATE libraries SET next_user = next_user + 1 WHERE id = ")
        .bind(library)
        .push(" RETURNING next_user - 1 AS n")
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| DomainError::not_found(format!("library {library}")))?;
    let user_num: i64 = row.try_get("n").db()?;
    Sql::new("INSERT INTO library_users (library, user_id, user_num, role, created_at) VALUES (")
        .bind(library)
        .push(", ")
        .bind(user.to_uppercase())
        .push(", ")
        .bind(user_num)
        .push(", ")
        .bind(role)
        .push(", ")
        .bind(now)
        .push(")")
        .execute(conn)
        .await?;
    Ok(Membership {
        library: library.to_string(),
        user_id: user.to_uppercase(),
        user_num,
        role: role.to_string(),
        created_at: now,
    })
}

pub async fn leave(conn: &mut AnyConnection, library: &str, user: &str) -> Result<bool> {
    Ok(Sql::new("DELETE FROM library_users WHERE library = ")
        .bind(library)
        .push(" AND user_id = ")
        .bind(user.to_uppercase())
        .execute(conn)
        .await?
        > 0)
}

pub async fn membership_of(
    conn: &mut AnyConnection,
    library: &str,
    user: &str,
) -> Result<Option<Membership>> {
    Sql::new(&format!("{MEMBERSHIP} WHERE library = "))
        .bind(library)
        .push(" AND user_id = ")
        .bind(user.to_uppercase())
        .fetch_optional(conn)
        .await?
        .map(|r| membership(&r))
        .transpose()
}

pub async fn by_user_num(
    conn: &mut AnyConnection,
    library: &str,
    user_num: i64,
) -> Result<Option<Membership>> {
    Sql::new(&format!("{MEMBERSHIP} WHERE library = "))
        .bind(library)
        .push(" AND user_num = ")
        .bind(user_num)
        .fetch_optional(conn)
        .await?
        .map(|r| membership(&r))
        .transpose()
}

/// Every library a user belongs to, by library id.
pub async fn memberships(conn: &mut AnyConnection, user: &str) -> Result<Vec<Membership>> {
    Sql::new(&format!("{MEMBERSHIP} WHERE user_id = "))
        .bind(user.to_uppercase())
        .push(" ORDER BY library")
        .fetch_all(conn)
        .await?
        .iter()
        .map(membership)
        .collect()
}

/// The memberships of many users in one library (for listing pages).
pub async fn memberships_in(
    conn: &mut AnyConnection,
    library: &str,
    users: &[String],
) -> Result<Vec<Membership>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    Sql::new(&format!("{MEMBERSHIP} WHERE library = "))
        .bind(library)
        .push(" AND user_id IN (")
        .bind_list(users.iter().map(|u| u.as_str()))
        .push(")")
        .fetch_all(conn)
        .await?
        .iter()
        .map(membership)
        .collect()
}

/// The roles a user holds, one per library it belongs to, in one query.
pub async fn roles_of(conn: &mut AnyConnection, user: &str) -> Result<Vec<Role>> {
    Sql::new("SELECT r.library, r.id, r.description, r.rights FROM library_users lu JOIN roles r ON r.library = lu.library AND r.id = lu.role WHERE lu.user_id = ")
        .bind(user.to_uppercase())
        .fetch_all(conn)
        .await?
        .iter()
        .map(role)
        .collect()
}
