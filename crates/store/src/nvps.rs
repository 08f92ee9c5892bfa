//! Name-value pairs on documents, folders and workspaces.

use dossier_core::LibraryId;
use sqlx::{AnyConnection, Row};

use crate::sql::Sql;
use crate::{DbResult, Result};

/// Which kind of object a pair hangs on. Containers share one numbering per library.
#[derive(Clone, Copy, Debug)]
pub enum NvpOwner {
    Document(i64),
    Container(i64),
}

impl NvpOwner {
    fn parts(self) -> (&'static str, i64) {
        match self {
            NvpOwner::Document(n) => ("document", n),
            NvpOwner::Container(n) => ("container", n),
        }
    }
}

pub async fn list(
    conn: &mut AnyConnection,
    library: &LibraryId,
    owner: NvpOwner,
) -> Result<Vec<(String, String)>> {
    let (kind, n) = owner.parts();
    let rows = Sql::new("SELECT name, value FROM name_value_pairs WHERE library = ")
        .bind(library.as_str())
        .push(" AND object_kind = ")
        .bind(kind)
        .push(" AND object_number = ")
        .bind(n)
        .push(" ORDER BY name")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("name").db()?, r.try_get("value").db()?)))
        .collect()
}

pub async fn set(
    conn: &mut AnyConnection,
    library: &LibraryId,
    owner: NvpOwner,
    name: &str,
    value: &str,
) -> Result<()> {
    let (kind, n) = owner.parts();
    Sql::new("INSERT INTO name_value_pairs (library, object_kind, object_number, name, value) VALUES (")
        .bind(library.as_str())
        .push(", ")
        .bind(kind)
        .push(", ")
        .bind(n)
        .push(", ")
        .bind(name)
        .push(", ")
        .bind(value)
        .push(") ON CONFLICT (library, object_kind, object_number, name) DO UPDATE SET value = excluded.value")
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn remove(
    conn: &mut AnyConnection,
    library: &LibraryId,
    owner: NvpOwner,
    name: &str,
) -> Result<()> {
    let (kind, n) = owner.parts();
    Sql::new("DELETE FROM name_value_pairs WHERE library = ")
        .bind(library.as_str())
        .push(" AND object_kind = ")
        .bind(kind)
        .push(" AND object_number = ")
        .bind(n)
        .push(" AND name = ")
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn remove_all(
    conn: &mut AnyConnection,
    library: &LibraryId,
    owner: NvpOwner,
) -> Result<()> {
    let (kind, n) = owner.parts();
    Sql::new("DELETE FROM name_value_pairs WHERE library = ")
        .bind(library.as_str())
        .push(" AND object_kind = ")
        .bind(kind)
        .push(" AND object_number = ")
        .bind(n)
        .execute(conn)
        .await?;
    Ok(())
}

/// Copies every pair of one owner to another (document copy).
pub async fn copy(
    conn: &mut AnyConnection,
    library: &LibraryId,
    from: NvpOwner,
    to: NvpOwner,
) -> Result<()> {
    for (name, value) in list(conn, library, from).await? {
        set(conn, library, to, &name, &value).await?;
    }
    Ok(())
}
