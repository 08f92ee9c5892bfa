//! The security history: the state of each workspace's security, group, user and wall after
//! every change, appended and never rewritten, so the access report can answer for a past
//! date. States are JSON written and read by `service::reports`.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_ts};
use crate::{DbResult, Result};

/// One recorded state; `state` is `None` once the object was deleted.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub library: String,
    pub kind: String,
    pub object_id: String,
    pub state: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub async fn append(
    conn: &mut AnyConnection,
    customer_id: i64,
    library: &str,
    kind: &str,
    object_id: &str,
    at: DateTime<Utc>,
    state: Option<String>,
) -> Result<()> {
    Sql::new(
        "INSERT INTO security_history (customer_id, library, kind, object_id, at, state) VALUES (",
    )
    .bind(customer_id)
    .push(", ")
    .bind(library)
    .push(", ")
    .bind(kind)
    .push(", ")
    .bind(object_id)
    .push(", ")
    .bind(at)
    .push(", ")
    .bind(state)
    .push(")")
    .execute(conn)
    .await?;
    Ok(())
}

/// The latest state of every object at `at` (deleted ones included, with no state).
pub async fn as_of(
    conn: &mut AnyConnection,
    customer_id: i64,
    at: DateTime<Utc>,
) -> Result<Vec<Snapshot>> {
    Sql::new("SELECT h.library, h.kind, h.object_id, h.state FROM security_history h WHERE h.customer_id = ")
        .bind(customer_id)
        .push(" AND h.seq = (SELECT MAX(o.seq) FROM security_history o WHERE o.customer_id = h.customer_id AND o.kind = h.kind AND o.library = h.library AND o.object_id = h.object_id AND o.at <= ")
        .bind(at)
        .push(")")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Snapshot {
                library: r.try_get("library").db()?,
                kind: r.try_get("kind").db()?,
                object_id: r.try_get("object_id").db()?,
                state: r.try_get("state").db()?,
            })
        })
        .collect()
}

/// When the history begins, if it does.
pub async fn first(conn: &mut AnyConnection, customer_id: i64) -> Result<Option<DateTime<Utc>>> {
    let row = Sql::new("SELECT MIN(at) AS at FROM security_history WHERE customer_id = ")
        .bind(customer_id)
        .fetch_one(conn)
        .await?;
    match row.try_get::<Option<i64>, _>("at").db()? {
        Some(_) => Ok(Some(get_ts(&row, "at")?)),
        None => Ok(None),
    }
}
