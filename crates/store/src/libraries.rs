//! Customers and libraries, and the per-library numbering of documents and containers.

use chrono::{DateTime, Utc};
use dossier_core::model::Library;
use dossier_core::{DomainError, LibraryId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_bool};
use crate::{DbResult, Result};

pub async fn ensure_customer(conn: &mut AnyConnection, id: i64, name: &str) -> Result<()> {
    Sql::new("INSERT INTO customers (id, name) VALUES (")
        .bind(id)
        .push(", ")
        .bind(name)
        .push(") ON CONFLICT (id) DO NOTHING")
        .execute(conn)
        .await?;
    Ok(())
}

fn library(row: &AnyRow) -> Result<Library> {
    Ok(Library {
        id: LibraryId::parse(&row.try_get::<String, _>("id").db()?)?,
        customer_id: row.try_get("customer_id").db()?,
        description: row.try_get("description").db()?,
        is_hidden: get_bool(row, "is_hidden")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, lib: &Library, now: DateTime<Utc>) -> Result<()> {
    Sql::new(
        "INSERT INTO libraries (id, customer_id, description, is_hidden, created_at) VALUES (",
    )
    .bind(lib.id.as_str())
    .push(", ")
    .bind(lib.customer_id)
    .push(", ")
    .bind(lib.description.as_str())
    .push(", ")
    .bind(lib.is_hidden)
    .push(", ")
    .bind(now)
    .push(")")
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    customer_id: i64,
    id: &LibraryId,
) -> Result<Option<Library>> {
    Sql::new("SELECT id, customer_id, description, is_hidden FROM libraries WHERE id = ")
        .bind(id.as_str())
        .push(" AND customer_id = ")
        .bind(customer_id)
        .fetch_optional(conn)
        .await?
        .map(|r| library(&r))
        .transpose()
}

pub async fn list(conn: &mut AnyConnection, customer_id: i64) -> Result<Vec<Library>> {
    Sql::new("SELECT id, customer_id, description, is_hidden FROM libraries WHERE customer_id = ")
        .bind(customer_id)
        .push(" ORDER BY id")
        .fetch_all(conn)
        .await?
        .iter()
        .map(library)
        .collect()
}

#[derive(Clone, Copy)]
pub enum Numbering {
    Document,
    Container,
}

/// Takes the next number of a library's document or container sequence. Runs inside the
/// caller's transaction, so a rolled-back create gives its number back.
pub async fn next_number(
    conn: &mut AnyConnection,
    id: &LibraryId,
    which: Numbering,
) -> Result<i64> {
    let col = match which {
        Numbering::Document => "next_document",
        Numbering::Container => "next_container",
    };
    let row = Sql::new(&format!(
        "UPDATE libraries SET {col} = {col} + 1 WHERE id = "
    ))
    .bind(id.as_str())
    .push(&format!(" RETURNING {col} - 1 AS n"))
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| DomainError::not_found(format!("library {id}")))?;
    row.try_get::<i64, _>("n").db()
}
