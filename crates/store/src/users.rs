//! Users and groups, as far as the foundation needs them: sign-in, display names and
//! NRTADMIN membership. The identity issue extends this.

use chrono::{DateTime, Utc};
use dossier_core::model::User;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_bool, get_ts};
use crate::{DbResult, Result};

const COLUMNS: &str = "id, customer_id, full_name, email, password_hash, allow_logon, preferred_library, created_at, edited_at";

fn user(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id").db()?,
        customer_id: row.try_get("customer_id").db()?,
        full_name: row.try_get("full_name").db()?,
        email: row.try_get("email").db()?,
        password_hash: row.try_get("password_hash").db()?,
        allow_logon: get_bool(row, "allow_logon")?,
        preferred_library: row.try_get("preferred_library").db()?,
        created_at: get_ts(row, "created_at")?,
        edited_at: get_ts(row, "edited_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, u: &User) -> Result<()> {
    Sql::new(&format!("INSERT INTO users ({COLUMNS}) VALUES ("))
        .bind(u.id.as_str())
        .push(", ")
        .bind(u.customer_id)
        .push(", ")
        .bind(u.full_name.as_str())
        .push(", ")
        .bind(u.email.clone())
        .push(", ")
        .bind(u.password_hash.clone())
        .push(", ")
        .bind(u.allow_logon)
        .push(", ")
        .bind(u.preferred_library.clone())
        .push(", ")
        .bind(u.created_at)
        .push(", ")
        .bind(u.edited_at)
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<User>> {
    Sql::new(&format!("SELECT {COLUMNS} FROM users WHERE id = "))
        .bind(id.to_uppercase())
        .fetch_optional(conn)
        .await?
        .map(|r| user(&r))
        .transpose()
}

pub async fn set_password(
    conn: &mut AnyConnection,
    id: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(Sql::new("UPDATE users SET password_hash = ")
        .bind(hash)
        .push(", edited_at = ")
        .bind(now)
        .push(" WHERE id = ")
        .bind(id.to_uppercase())
        .execute(conn)
        .await?
        > 0)
}

pub async fn ensure_group(
    conn: &mut AnyConnection,
    id: &str,
    customer_id: i64,
    full_name: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    Sql::new("INSERT INTO user_groups (id, customer_id, full_name, created_at) VALUES (")
        .bind(id)
        .push(", ")
        .bind(customer_id)
        .push(", ")
        .bind(full_name)
        .push(", ")
        .bind(now)
        .push(") ON CONFLICT (id) DO NOTHING")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn add_member(conn: &mut AnyConnection, group: &str, user: &str) -> Result<()> {
    Sql::new("INSERT INTO group_members (group_id, user_id) VALUES (")
        .bind(group)
        .push(", ")
        .bind(user.to_uppercase())
        .push(") ON CONFLICT (group_id, user_id) DO NOTHING")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn is_member(conn: &mut AnyConnection, group: &str, user: &str) -> Result<bool> {
    Ok(
        Sql::new("SELECT 1 AS one FROM group_members WHERE group_id = ")
            .bind(group)
            .push(" AND user_id = ")
            .bind(user.to_uppercase())
            .fetch_optional(conn)
            .await?
            .is_some(),
    )
}

pub async fn group_exists(conn: &mut AnyConnection, id: &str) -> Result<bool> {
    Ok(Sql::new("SELECT id FROM user_groups WHERE id = ")
        .bind(id.to_uppercase())
        .fetch_optional(conn)
        .await?
        .is_some())
}
