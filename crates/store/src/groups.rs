//! Groups and their members.

use dossier_core::identity::Group;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Page, Param, Sql, get_bool, get_ts};
use crate::{DbResult, Result};

const COLUMNS: &str = "id, customer_id, ssid, full_name, enabled, is_external, group_nos, group_id_ex, version, created_at, edited_at";

fn group(row: &AnyRow) -> Result<Group> {
    Ok(Group {
        id: row.try_get("id").db()?,
        customer_id: row.try_get("customer_id").db()?,
        ssid: row.try_get("ssid").db()?,
        full_name: row.try_get("full_name").db()?,
        enabled: get_bool(row, "enabled")?,
        is_external: get_bool(row, "is_external")?,
        group_nos: row.try_get("group_nos").db()?,
        group_id_ex: row.try_get("group_id_ex").db()?,
        version: row.try_get("version").db()?,
        created_at: get_ts(row, "created_at")?,
        edited_at: get_ts(row, "edited_at")?,
    })
}

fn values(g: &Group) -> Vec<(&'static str, Param)> {
    vec![
        ("id", g.id.clone().into()),
        ("customer_id", g.customer_id.into()),
        ("ssid", g.ssid.clone().into()),
        ("full_name", g.full_name.clone().into()),
        ("enabled", g.enabled.into()),
        ("is_external", g.is_external.into()),
        ("group_nos", g.group_nos.into()),
        ("group_id_ex", g.group_id_ex.clone().into()),
        ("version", g.version.into()),
        ("created_at", g.created_at.into()),
        ("edited_at", g.edited_at.into()),
    ]
}

pub async fn insert(conn: &mut AnyConnection, g: &Group) -> Result<()> {
    let mut sql = Sql::new(&format!("INSERT INTO user_groups ({COLUMNS}) VALUES ("));
    sql.bind_list(values(g).into_iter().map(|(_, v)| v));
    sql.push(")").execute(conn).await?;
    Ok(())
}

/// Creates the group unless it exists (bootstrap).
pub async fn ensure(conn: &mut AnyConnection, g: &Group) -> Result<()> {
    if get(conn, &g.id).await?.is_none() {
        insert(conn, g).await?;
    }
    Ok(())
}

pub async fn update(conn: &mut AnyConnection, g: &Group) -> Result<bool> {
    let mut sql = Sql::new("UPDATE user_groups SET ");
    for (i, (col, v)) in values(g).into_iter().skip(1).enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push(col).push(" = ").bind(v);
    }
    sql.push(" WHERE id = ").bind(g.id.as_str());
    Ok(sql.execute(conn).await? > 0)
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Group>> {
    Sql::new(&format!("SELECT {COLUMNS} FROM user_groups WHERE id = "))
        .bind(id.to_uppercase())
        .fetch_optional(conn)
        .await?
        .map(|r| group(&r))
        .transpose()
}

pub async fn get_by_ssid(conn: &mut AnyConnection, ssid: &str) -> Result<Option<Group>> {
    Sql::new(&format!("SELECT {COLUMNS} FROM user_groups WHERE ssid = "))
        .bind(ssid)
        .fetch_optional(conn)
        .await?
        .map(|r| group(&r))
        .transpose()
}

pub async fn exists(conn: &mut AnyConnection, id: &str) -> Result<bool> {
    Ok(Sql::new("SELECT id FROM user_groups WHERE id = ")
        .bind(id.to_uppercase())
        .fetch_optional(conn)
        .await?
        .is_some())
}

#[derive(Clone, Debug, Default)]
pub struct GroupFilter {
    /// Group id or full name containing this text (case-insensitive).
    pub query: Option<String>,
    /// Exact group id.
    pub id: Option<String>,
    /// Groups this user belongs to.
    pub member: Option<String>,
    pub enabled: Option<bool>,
    pub external_id: Option<String>,
}

fn push_where(sql: &mut Sql, customer_id: i64, f: &GroupFilter) {
    sql.push(" WHERE g.customer_id = ").bind(customer_id);
    if let Some(v) = &f.id {
        sql.push(" AND g.id = ").bind(v.to_uppercase());
    }
    if let Some(v) = &f.query {
        let p = format!("%{}%", crate::sql::like_pattern(v));
        sql.push(" AND (LOWER(g.id) LIKE ")
            .bind(p.clone())
            .push(" ESCAPE '\\' OR LOWER(g.full_name) LIKE ")
            .bind(p)
            .push(" ESCAPE '\\')");
    }
    if let Some(v) = &f.member {
        sql.push(" AND EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = g.id AND gm.user_id = ")
            .bind(v.to_uppercase())
            .push(")");
    }
    if let Some(v) = f.enabled {
        sql.push(" AND g.enabled = ").bind(v);
    }
    if let Some(v) = &f.external_id {
        sql.push(" AND g.group_id_ex = ").bind(v.as_str());
    }
}

pub async fn list(
    conn: &mut AnyConnection,
    customer_id: i64,
    f: &GroupFilter,
    page: Page,
) -> Result<(Vec<Group>, Option<i64>)> {
    let total = if page.want_total {
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM user_groups g");
        push_where(&mut sql, customer_id, f);
        Some(sql.fetch_one(conn).await?.try_get::<i64, _>("n").db()?)
    } else {
        None
    };
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("g.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = Sql::new(&format!("SELECT {cols} FROM user_groups g"));
    push_where(&mut sql, customer_id, f);
    sql.push(" ORDER BY g.id");
    sql.push_page(&page);
    let groups = sql
        .fetch_all(conn)
        .await?
        .iter()
        .map(group)
        .collect::<Result<_>>()?;
    Ok((groups, total))
}

/// Deletes a group and its memberships.
pub async fn delete(conn: &mut AnyConnection, id: &str) -> Result<bool> {
    let id = id.to_uppercase();
    Sql::new("DELETE FROM group_members WHERE group_id = ")
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(Sql::new("DELETE FROM user_groups WHERE id = ")
        .bind(id)
        .execute(conn)
        .await?
        > 0)
}

/// The login ids of a group's members, sorted.
pub async fn members(conn: &mut AnyConnection, group: &str) -> Result<Vec<String>> {
    Sql::new("SELECT user_id FROM group_members WHERE group_id = ")
        .bind(group.to_uppercase())
        .push(" ORDER BY user_id")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| r.try_get("user_id").db())
        .collect()
}

/// How many members each of these groups has (groups without members are left out).
pub async fn member_counts(
    conn: &mut AnyConnection,
    groups: &[String],
) -> Result<Vec<(String, i64)>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT group_id, COUNT(*) AS n FROM group_members WHERE group_id IN (");
    sql.bind_list(groups.iter().map(|g| g.to_uppercase()))
        .push(") GROUP BY group_id");
    sql.fetch_all(conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("group_id").db()?, r.try_get("n").db()?)))
        .collect()
}

/// Adds a member; returns false if the user already was one.
pub async fn add_member(conn: &mut AnyConnection, group: &str, user: &str) -> Result<bool> {
    Ok(
        Sql::new("INSERT INTO group_members (group_id, user_id) VALUES (")
            .bind(group.to_uppercase())
            .push(", ")
            .bind(user.to_uppercase())
            .push(") ON CONFLICT (group_id, user_id) DO NOTHING")
            .execute(conn)
            .await?
            > 0,
    )
}

/// Removes a member; returns false if the user was not one.
pub async fn remove_member(conn: &mut AnyConnection, group: &str, user: &str) -> Result<bool> {
    Ok(Sql::new("DELETE FROM group_members WHERE group_id = ")
        .bind(group.to_uppercase())
        .push(" AND user_id = ")
        .bind(user.to_uppercase())
        .execute(conn)
        .await?
        > 0)
}

pub async fn is_member(conn: &mut AnyConnection, group: &str, user: &str) -> Result<bool> {
    Ok(
        Sql::new("SELECT 1 AS one FROM group_members WHERE group_id = ")
            .bind(group.to_uppercase())
            .push(" AND user_id = ")
            .bind(user.to_uppercase())
            .fetch_optional(conn)
            .await?
            .is_some(),
    )
}
