//! Each user's My Matters, My Favorites and categories, and the shortcuts in them.

use dossier_core::matters::{Category, CategoryKind, Shortcut, TargetKind};
use dossier_core::{ContainerId, DomainError, LibraryId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_ts};
use crate::{DbResult, Result};

const CATEGORY: &str = "SELECT number, kind, parent, owner, name, created_at FROM categories";

fn category(library: &LibraryId, row: &AnyRow) -> Result<Category> {
    let kind: String = row.try_get("kind").db()?;
    Ok(Category {
        id: ContainerId::new(library.clone(), row.try_get("number").db()?),
        kind: CategoryKind::parse(&kind)
            .ok_or_else(|| DomainError::Internal(format!("unknown category kind {kind}")))?,
        parent: row.try_get("parent").db()?,
        owner: row.try_get("owner").db()?,
        name: row.try_get("name").db()?,
        created: get_ts(row, "created_at")?,
    })
}

/// A user's My Matters or My Favorites (`kind` a root kind), if made yet.
pub async fn root(
    conn: &mut AnyConnection,
    library: &LibraryId,
    owner: &str,
    kind: CategoryKind,
) -> Result<Option<Category>> {
    Sql::new(&format!("{CATEGORY} WHERE library = "))
        .bind(library.as_str())
        .push(" AND owner = ")
        .bind(owner)
        .push(" AND kind = ")
        .bind(kind.as_str())
        .push(" AND parent IS NULL")
        .fetch_optional(conn)
        .await?
        .map(|r| category(library, &r))
        .transpose()
}

pub async fn get_category(conn: &mut AnyConnection, id: &ContainerId) -> Result<Option<Category>> {
    Sql::new(&format!("{CATEGORY} WHERE library = "))
        .bind(id.library.as_str())
        .push(" AND number = ")
        .bind(id.number)
        .fetch_optional(conn)
        .await?
        .map(|r| category(&id.library, &r))
        .transpose()
}

/// The categories inside a root, by name.
pub async fn categories_in(
    conn: &mut AnyConnection,
    library: &LibraryId,
    parent: i64,
) -> Result<Vec<Category>> {
    Sql::new(&format!("{CATEGORY} WHERE library = "))
        .bind(library.as_str())
        .push(" AND parent = ")
        .bind(parent)
        .push(" ORDER BY name, number")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| category(library, r))
        .collect()
}

pub async fn insert_category(conn: &mut AnyConnection, c: &Category) -> Result<()> {
    Sql::new(
        "INSERT INTO categories (library, number, kind, parent, owner, name, created_at) VALUES (",
    )
    .bind(c.id.library.as_str())
    .push(", ")
    .bind(c.id.number)
    .push(", ")
    .bind(c.kind.as_str())
    .push(", ")
    .bind(c.parent)
    .push(", ")
    .bind(c.owner.as_str())
    .push(", ")
    .bind(c.name.as_str())
    .push(", ")
    .bind(c.created)
    .push(")")
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a category and the shortcuts in it.
pub async fn delete_category(conn: &mut AnyConnection, id: &ContainerId) -> Result<()> {
    Sql::new("DELETE FROM shortcuts WHERE library = ")
        .bind(id.library.as_str())
        .push(" AND category = ")
        .bind(id.number)
        .execute(conn)
        .await?;
    Sql::new("DELETE FROM categories WHERE library = ")
        .bind(id.library.as_str())
        .push(" AND number = ")
        .bind(id.number)
        .execute(conn)
        .await?;
    Ok(())
}

const SHORTCUT: &str =
    "SELECT number, category, owner, target_kind, target, created_at FROM shortcuts";

fn shortcut(library: &LibraryId, row: &AnyRow) -> Result<Shortcut> {
    let kind: String = row.try_get("target_kind").db()?;
    Ok(Shortcut {
        id: ContainerId::new(library.clone(), row.try_get("number").db()?),
        category: row.try_get("category").db()?,
        owner: row.try_get("owner").db()?,
        kind: TargetKind::parse(&kind)
            .ok_or_else(|| DomainError::Internal(format!("unknown shortcut target {kind}")))?,
        target: row.try_get("target").db()?,
        created: get_ts(row, "created_at")?,
    })
}

/// The shortcut to `target` in a category, if there is one.
pub async fn find(
    conn: &mut AnyConnection,
    library: &LibraryId,
    category: i64,
    kind: TargetKind,
    target: i64,
) -> Result<Option<Shortcut>> {
    Sql::new(&format!("{SHORTCUT} WHERE library = "))
        .bind(library.as_str())
        .push(" AND category = ")
        .bind(category)
        .push(" AND target_kind = ")
        .bind(kind.as_str())
        .push(" AND target = ")
        .bind(target)
        .fetch_optional(conn)
        .await?
        .map(|r| shortcut(library, &r))
        .transpose()
}

pub async fn get(conn: &mut AnyConnection, id: &ContainerId) -> Result<Option<Shortcut>> {
    Sql::new(&format!("{SHORTCUT} WHERE library = "))
        .bind(id.library.as_str())
        .push(" AND number = ")
        .bind(id.number)
        .fetch_optional(conn)
        .await?
        .map(|r| shortcut(&id.library, &r))
        .transpose()
}

/// The shortcuts in a category, oldest first.
pub async fn in_category(
    conn: &mut AnyConnection,
    library: &LibraryId,
    category: i64,
) -> Result<Vec<Shortcut>> {
    Sql::new(&format!("{SHORTCUT} WHERE library = "))
        .bind(library.as_str())
        .push(" AND category = ")
        .bind(category)
        .push(" ORDER BY number")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| shortcut(library, r))
        .collect()
}

pub async fn insert(conn: &mut AnyConnection, s: &Shortcut) -> Result<()> {
    Sql::new(
        "INSERT INTO shortcuts (library, number, category, owner, target_kind, target, created_at) VALUES (",
    )
    .bind(s.id.library.as_str())
    .push(", ")
    .bind(s.id.number)
    .push(", ")
    .bind(s.category)
    .push(", ")
    .bind(s.owner.as_str())
    .push(", ")
    .bind(s.kind.as_str())
    .push(", ")
    .bind(s.target)
    .push(", ")
    .bind(s.created)
    .push(")")
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, id: &ContainerId) -> Result<()> {
    Sql::new("DELETE FROM shortcuts WHERE library = ")
        .bind(id.library.as_str())
        .push(" AND number = ")
        .bind(id.number)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes every shortcut to an object that is gone.
pub async fn delete_to(
    conn: &mut AnyConnection,
    library: &LibraryId,
    kind: TargetKind,
    target: i64,
) -> Result<()> {
    Sql::new("DELETE FROM shortcuts WHERE library = ")
        .bind(library.as_str())
        .push(" AND target_kind = ")
        .bind(kind.as_str())
        .push(" AND target = ")
        .bind(target)
        .execute(conn)
        .await?;
    Ok(())
}
