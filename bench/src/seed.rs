//! Writing a library straight into the server's SQLite database while the server is
//! stopped: the connection settings and row-copying helpers the seeding benchmarks share.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, Connection, Row};

use crate::R;
use crate::api::LIBRARY;

/// A connection for bulk seeding: relaxed syncing (a crash only loses the benchmark's own
/// scratch data) and a large page cache.
pub async fn open(db: &Path) -> R<SqliteConnection> {
    let mut conn = SqliteConnection::connect_with(
        &SqliteConnectOptions::new()
            .filename(db)
            .busy_timeout(Duration::from_secs(30)),
    )
    .await?;
    for pragma in ["PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -524288"] {
        sqlx::query(pragma).execute(&mut conn).await?;
    }
    Ok(conn)
}

/// The library's next document and container numbers: where seeded rows start.
pub async fn next_numbers(conn: &mut SqliteConnection) -> R<(i64, i64)> {
    let row = sqlx::query("SELECT next_document, next_container FROM libraries WHERE id = ?1")
        .bind(LIBRARY)
        .fetch_one(&mut *conn)
        .await?;
    Ok((
        row.try_get("next_document")?,
        row.try_get("next_container")?,
    ))
}

/// Column names of a table, in order.
pub async fn columns(conn: &mut SqliteConnection, table: &str) -> R<Vec<String>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
    )))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get::<String, _>("name"))
        .collect::<Result<_, _>>()?)
}

/// `t.col` for every column, with some replaced by expressions: a template row (`t`)
/// copied with the seeded values, so columns added by later migrations keep their values.
pub fn select_list(cols: &[String], replace: &[(&str, String)]) -> String {
    cols.iter()
        .map(|c| {
            replace
                .iter()
                .find(|(name, _)| name == c)
                .map_or_else(|| format!("t.{c}"), |(_, e)| e.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs one statement built here; returns the rows it changed.
pub async fn exec(conn: &mut SqliteConnection, sql: String) -> R<u64> {
    Ok(sqlx::query(AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await?
        .rows_affected())
}
