//! The outbox: events appended in the transaction of the mutation they describe.

use dossier_core::events::{self, ItemType};
use dossier_core::model::Event;
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_ts};
use crate::{DbResult, Result};

/// Appends an event; `seq` of the argument is ignored and assigned by the database.
pub async fn append(conn: &mut AnyConnection, e: &Event) -> Result<()> {
    let r = &e.row;
    Sql::new("INSERT INTO events (library, item_type, action, object_id, related_object_id, root_id, user_id, event_date) VALUES (")
        .bind(r.library.as_str())
        .push(", ")
        .bind(r.item_type.as_str())
        .push(", ")
        .bind(r.action.as_str())
        .push(", ")
        .bind(r.object_id.as_str())
        .push(", ")
        .bind(r.related_object_id.clone())
        .push(", ")
        .bind(r.root_id.clone())
        .push(", ")
        .bind(e.user_id.as_str())
        .push(", ")
        .bind(e.event_date)
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

/// Events of every library after `seq`, oldest first, at most `limit`: the outbox as its
/// consumers (the search indexer) read it.
pub async fn all_after(conn: &mut AnyConnection, seq: i64, limit: i64) -> Result<Vec<Event>> {
    Sql::new(
        "SELECT seq, library, item_type, action, object_id, related_object_id, root_id, user_id, event_date FROM events WHERE seq > ",
    )
    .bind(seq)
    .push(" ORDER BY seq LIMIT ")
    .bind(limit)
    .fetch_all(conn)
    .await?
    .iter()
    .map(event)
    .collect()
}

fn event(r: &sqlx::any::AnyRow) -> Result<Event> {
    Ok(Event {
        seq: r.try_get("seq").db()?,
        row: events::Row {
            library: r.try_get("library").db()?,
            item_type: r.try_get("item_type").db()?,
            action: r.try_get("action").db()?,
            object_id: r.try_get("object_id").db()?,
            related_object_id: r.try_get("related_object_id").db()?,
            root_id: r.try_get("root_id").db()?,
        },
        user_id: r.try_get("user_id").db()?,
        event_date: get_ts(r, "event_date")?,
    })
}

/// The newest event of all libraries (what the index lags behind).
pub async fn newest_seq(conn: &mut AnyConnection) -> Result<i64> {
    let row = Sql::new("SELECT COALESCE(MAX(seq), 0) AS n FROM events")
        .fetch_one(conn)
        .await?;
    row.try_get("n").db()
}

/// Events of a library after `cursor`, oldest first, at most `limit`.
pub async fn after(
    conn: &mut AnyConnection,
    library: &str,
    cursor: i64,
    limit: i64,
    item_type: Option<&str>,
    action: Option<&str>,
) -> Result<Vec<Event>> {
    let mut sql = Sql::new(
        "SELECT seq, library, item_type, action, object_id, related_object_id, root_id, user_id, event_date FROM events WHERE library = ",
    );
    sql.bind(library).push(" AND seq > ").bind(cursor);
    if let Some(t) = item_type {
        sql.push(" AND item_type = ").bind(t);
    }
    if let Some(a) = action {
        sql.push(" AND action = ").bind(a);
    }
    sql.push(" ORDER BY seq LIMIT ").bind(limit);
    sql.fetch_all(conn).await?.iter().map(event).collect()
}

/// The sequence of the newest event that can change who may read what (a re-secured
/// object, a new object with its own security, a group or user change): readable-set
/// caches are valid while it stays the same. Which item types those are is
/// `ItemType::affects_access`; one `MAX` per type, so each is answered from the
/// `(item_type, seq)` index.
pub async fn security_stamp(conn: &mut AnyConnection) -> Result<i64> {
    let mut sql = Sql::new("SELECT MAX(m) AS m FROM (");
    for (i, t) in ItemType::affecting_access().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT MAX(seq) AS m FROM events WHERE item_type = ")
            .bind(t.as_str());
    }
    let row = sql.push(") s").fetch_one(conn).await?;
    Ok(row.try_get::<Option<i64>, _>("m").db()?.unwrap_or(0))
}
