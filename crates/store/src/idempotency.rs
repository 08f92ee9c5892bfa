//! `idempotency_keys`: reservations and remembered answers of creating calls (the rule
//! lives in `dossier_service::idempotency`).

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::sql::Sql;
use crate::{DbResult, Result};

/// Whose key it is: keys of different callers never meet.
#[derive(Clone, Copy, Debug)]
pub struct Owner<'a> {
    pub customer_id: i64,
    pub caller: &'a str,
    pub key: &'a str,
}

/// A stored key: `status` is `None` while the first request still runs.
#[derive(Clone, Debug)]
pub struct KeyRecord {
    pub request_hash: Option<String>,
    pub status: Option<i64>,
    pub headers: Option<String>,
    pub body: Option<String>,
}

fn key_where(sql: &mut Sql, o: Owner<'_>) {
    sql.push(" WHERE customer_id = ")
        .bind(o.customer_id)
        .push(" AND caller = ")
        .bind(o.caller)
        .push(" AND idem_key = ")
        .bind(o.key);
}

/// Reserves a key; false when it is already taken (reserved or completed).
pub async fn reserve(conn: &mut AnyConnection, o: Owner<'_>, now: DateTime<Utc>) -> Result<bool> {
    Ok(Sql::new(
        "INSERT INTO idempotency_keys (customer_id, caller, idem_key, created_at) VALUES (",
    )
    .bind(o.customer_id)
    .push(", ")
    .bind(o.caller)
    .push(", ")
    .bind(o.key)
    .push(", ")
    .bind(now)
    .push(") ON CONFLICT (customer_id, caller, idem_key) DO NOTHING")
    .execute(conn)
    .await?
        > 0)
}

pub async fn get(conn: &mut AnyConnection, o: Owner<'_>) -> Result<Option<KeyRecord>> {
    let mut sql = Sql::new("SELECT request_hash, status, headers, body FROM idempotency_keys");
    key_where(&mut sql, o);
    sql.fetch_optional(conn)
        .await?
        .map(|r| {
            Ok(KeyRecord {
                request_hash: r.try_get("request_hash").db()?,
                status: r.try_get("status").db()?,
                headers: r.try_get("headers").db()?,
                body: r.try_get("body").db()?,
            })
        })
        .transpose()
}

/// Completes a reservation with the request's hash and its answer.
pub async fn complete(
    conn: &mut AnyConnection,
    o: Owner<'_>,
    request_hash: &str,
    status: i64,
    headers: &str,
    body: &str,
) -> Result<bool> {
    let mut sql = Sql::new("UPDATE idempotency_keys SET request_hash = ");
    sql.bind(request_hash)
        .push(", status = ")
        .bind(status)
        .push(", headers = ")
        .bind(headers)
        .push(", body = ")
        .bind(body);
    key_where(&mut sql, o);
    sql.push(" AND status IS NULL");
    Ok(sql.execute(conn).await? > 0)
}

/// Gives up a reservation (the request failed), so the key can be used again.
pub async fn release(conn: &mut AnyConnection, o: Owner<'_>) -> Result<bool> {
    let mut sql = Sql::new("DELETE FROM idempotency_keys");
    key_where(&mut sql, o);
    sql.push(" AND status IS NULL");
    Ok(sql.execute(conn).await? > 0)
}

/// Deletes keys made before `cutoff`.
pub async fn delete_older_than(conn: &mut AnyConnection, cutoff: DateTime<Utc>) -> Result<u64> {
    Sql::new("DELETE FROM idempotency_keys WHERE created_at < ")
        .bind(cutoff)
        .execute(conn)
        .await
}
