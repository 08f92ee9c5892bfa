//! Webhook subscriptions, their outbox cursors and leases, and their delivery log.

use chrono::{DateTime, Utc};
use dossier_core::webhooks::{
    DeliveryOutcome, DeliveryRecord, EventSelection, Webhook, WebhookFilters,
};
use dossier_core::{ContainerId, LibraryId};
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_bool, get_opt_ts, get_ts};
use crate::{DbResult, Result};

const COLUMNS: &str = "id, customer_id, owner_user, owner_app, owner_scope, url, event_types, library, workspace, class, description, active, last_seq, attempts, first_failure, next_attempt, created_at, updated_at";

/// Event selectors are stored space-separated (a name never holds a space).
fn types_text(events: &EventSelection) -> String {
    events.names().collect::<Vec<_>>().join(" ")
}

fn webhook(r: &sqlx::any::AnyRow) -> Result<Webhook> {
    let library: Option<String> = r.try_get("library").db()?;
    let library = library.map(|l| LibraryId::parse(&l)).transpose()?;
    let workspace: Option<i64> = r.try_get("workspace").db()?;
    let workspace = match (&library, workspace) {
        (Some(l), Some(n)) => Some(ContainerId::new(l.clone(), n)),
        _ => None,
    };
    let types: String = r.try_get("event_types").db()?;
    Ok(Webhook {
        id: r.try_get("id").db()?,
        customer_id: r.try_get("customer_id").db()?,
        owner_user: r.try_get("owner_user").db()?,
        owner_app: r.try_get("owner_app").db()?,
        owner_scope: r.try_get("owner_scope").db()?,
        url: r.try_get("url").db()?,
        events: EventSelection::stored(types.split_whitespace().map(str::to_string)),
        filters: WebhookFilters {
            library,
            workspace,
            class: r.try_get("class").db()?,
        },
        description: r.try_get("description").db()?,
        active: get_bool(r, "active")?,
        last_seq: r.try_get("last_seq").db()?,
        attempts: r.try_get("attempts").db()?,
        first_failure: get_opt_ts(r, "first_failure")?,
        next_attempt: get_ts(r, "next_attempt")?,
        created_at: get_ts(r, "created_at")?,
        updated_at: get_ts(r, "updated_at")?,
    })
}

/// Stores a new subscription (its `id` is assigned) with its secret; returns the id.
pub async fn insert(conn: &mut AnyConnection, w: &Webhook, secret: &str) -> Result<i64> {
    let row = Sql::new("INSERT INTO webhooks (customer_id, owner_user, owner_app, owner_scope, url, secret, event_types, library, workspace, class, description, active, last_seq, attempts, first_failure, next_attempt, lease_owner, lease_until, created_at, updated_at) VALUES (")
        .bind(w.customer_id)
        .push(", ")
        .bind(w.owner_user.as_str())
        .push(", ")
        .bind(w.owner_app.clone())
        .push(", ")
        .bind(w.owner_scope.as_str())
        .push(", ")
        .bind(w.url.as_str())
        .push(", ")
        .bind(secret)
        .push(", ")
        .bind(types_text(&w.events))
        .push(", ")
        .bind(w.filters.library.as_ref().map(|l| l.as_str().to_string()))
        .push(", ")
        .bind(w.filters.workspace.as_ref().map(|c| c.number))
        .push(", ")
        .bind(w.filters.class.clone())
        .push(", ")
        .bind(w.description.as_str())
        .push(", ")
        .bind(w.active)
        .push(", ")
        .bind(w.last_seq)
        .push(", 0, NULL, ")
        .bind(w.next_attempt)
        .push(", NULL, 0, ")
        .bind(w.created_at)
        .push(", ")
        .bind(w.updated_at)
        .push(") RETURNING id")
        .fetch_one(conn)
        .await?;
    row.try_get("id").db()
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Webhook>> {
    Sql::new(&format!("SELECT {COLUMNS} FROM webhooks WHERE id = "))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(|r| webhook(&r))
        .transpose()
}

/// A subscription with its secret, for sending.
pub async fn with_secret(conn: &mut AnyConnection, id: i64) -> Result<Option<(Webhook, String)>> {
    let Some(r) = Sql::new(&format!(
        "SELECT {COLUMNS}, secret FROM webhooks WHERE id = "
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some((webhook(&r)?, r.try_get("secret").db()?)))
}

/// Subscriptions of a customer, of one owner when `owner` is given, in id order after
/// `after`, at most `limit`.
pub async fn list(
    conn: &mut AnyConnection,
    customer: i64,
    owner: Option<&str>,
    after: i64,
    limit: i64,
) -> Result<Vec<Webhook>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE customer_id = "
    ));
    sql.bind(customer).push(" AND id > ").bind(after);
    if let Some(o) = owner {
        sql.push(" AND owner_user = ").bind(o);
    }
    sql.push(" ORDER BY id LIMIT ").bind(limit);
    sql.fetch_all(conn).await?.iter().map(webhook).collect()
}

/// Saves what a PATCH may change (url, types, filters, description, active).
pub async fn update(conn: &mut AnyConnection, w: &Webhook) -> Result<()> {
    Sql::new("UPDATE webhooks SET url = ")
        .bind(w.url.as_str())
        .push(", event_types = ")
        .bind(types_text(&w.events))
        .push(", library = ")
        .bind(w.filters.library.as_ref().map(|l| l.as_str().to_string()))
        .push(", workspace = ")
        .bind(w.filters.workspace.as_ref().map(|c| c.number))
        .push(", class = ")
        .bind(w.filters.class.clone())
        .push(", description = ")
        .bind(w.description.as_str())
        .push(", active = ")
        .bind(w.active)
        .push(", updated_at = ")
        .bind(w.updated_at)
        .push(" WHERE id = ")
        .bind(w.id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_secret(conn: &mut AnyConnection, id: i64, secret: &str) -> Result<()> {
    Sql::new("UPDATE webhooks SET secret = ")
        .bind(secret)
        .push(" WHERE id = ")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<()> {
    Sql::new("DELETE FROM webhook_deliveries WHERE webhook_id = ")
        .bind(id)
        .execute(conn)
        .await?;
    Sql::new("DELETE FROM webhooks WHERE id = ")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves a subscription's cursor to `last_seq` and clears its retry state (a replay, or a
/// subscription switched on again). The lease is left alone: a node delivering it sees the
/// cursor moved under it (`advance` fails) and stops.
pub async fn rewind(conn: &mut AnyConnection, id: i64, last_seq: i64) -> Result<()> {
    Sql::new("UPDATE webhooks SET last_seq = ")
        .bind(last_seq)
        .push(", attempts = 0, first_failure = NULL, next_attempt = 0 WHERE id = ")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Active subscriptions with something to do at `now`: events after their cursor, no retry
/// pending later, and no live lease of another node.
pub async fn due(
    conn: &mut AnyConnection,
    newest_seq: i64,
    node: &str,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<i64>> {
    let rows = Sql::new("SELECT id FROM webhooks WHERE active = 1 AND last_seq < ")
        .bind(newest_seq)
        .push(" AND next_attempt <= ")
        .bind(now)
        .push(" AND (lease_owner IS NULL OR lease_until < ")
        .bind(now)
        .push(" OR lease_owner = ")
        .bind(node)
        .push(") ORDER BY next_attempt, id LIMIT ")
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| r.try_get("id").db()).collect()
}

/// Claims a subscription for `node` until `until`, unless another node holds a live claim.
/// A conditional UPDATE: of several nodes racing for one row, exactly one sees a row
/// changed. Returns whether `node` holds it now.
pub async fn claim(
    conn: &mut AnyConnection,
    id: i64,
    node: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool> {
    let n = Sql::new("UPDATE webhooks SET lease_owner = ")
        .bind(node)
        .push(", lease_until = ")
        .bind(until)
        .push(" WHERE id = ")
        .bind(id)
        .push(" AND (lease_owner IS NULL OR lease_until < ")
        .bind(now)
        .push(" OR lease_owner = ")
        .bind(node)
        .push(")")
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Gives a claim up (nothing more to do for now).
pub async fn release(conn: &mut AnyConnection, id: i64, node: &str) -> Result<()> {
    Sql::new("UPDATE webhooks SET lease_owner = NULL, lease_until = 0 WHERE id = ")
        .bind(id)
        .push(" AND lease_owner = ")
        .bind(node)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves the cursor from `from` to `to` (done with the events between) and clears the
/// retry state, only while `node` holds the claim (extended to `until`) and the cursor is
/// still at `from` (a replay may have moved it). Returns whether it moved: when not, the
/// caller stops delivering this subscription.
pub async fn advance(
    conn: &mut AnyConnection,
    id: i64,
    node: &str,
    from: i64,
    to: i64,
    until: DateTime<Utc>,
) -> Result<bool> {
    let n = Sql::new("UPDATE webhooks SET last_seq = ")
        .bind(to)
        .push(", attempts = 0, first_failure = NULL, next_attempt = 0, lease_until = ")
        .bind(until)
        .push(" WHERE id = ")
        .bind(id)
        .push(" AND lease_owner = ")
        .bind(node)
        .push(" AND last_seq = ")
        .bind(from)
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Records a failed attempt of the event after the cursor `at_seq` and when to try again;
/// releases the claim, so whichever node is free then picks the subscription up.
pub async fn postpone(
    conn: &mut AnyConnection,
    id: i64,
    node: &str,
    at_seq: i64,
    attempts: i64,
    first_failure: DateTime<Utc>,
    next_attempt: DateTime<Utc>,
) -> Result<bool> {
    let n = Sql::new("UPDATE webhooks SET attempts = ")
        .bind(attempts)
        .push(", first_failure = ")
        .bind(first_failure)
        .push(", next_attempt = ")
        .bind(next_attempt)
        .push(", lease_owner = NULL, lease_until = 0 WHERE id = ")
        .bind(id)
        .push(" AND lease_owner = ")
        .bind(node)
        .push(" AND last_seq = ")
        .bind(at_seq)
        .execute(conn)
        .await?;
    Ok(n == 1)
}

pub async fn log(conn: &mut AnyConnection, d: &DeliveryRecord) -> Result<()> {
    Sql::new("INSERT INTO webhook_deliveries (webhook_id, seq, event_type, attempt, attempted_at, status, latency_ms, error, outcome) VALUES (")
        .bind(d.webhook_id)
        .push(", ")
        .bind(d.seq)
        .push(", ")
        .bind(d.event_type.as_str())
        .push(", ")
        .bind(d.attempt)
        .push(", ")
        .bind(d.at)
        .push(", ")
        .bind(d.status)
        .push(", ")
        .bind(d.latency_ms)
        .push(", ")
        .bind(d.error.clone())
        .push(", ")
        .bind(d.outcome.as_str())
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

/// A subscription's delivery log, newest first, before `before` (a log id; 0 for the
/// newest), only the dead letters when `dead_only`, at most `limit`.
pub async fn deliveries(
    conn: &mut AnyConnection,
    webhook: i64,
    before: i64,
    dead_only: bool,
    limit: i64,
) -> Result<Vec<DeliveryRecord>> {
    let mut sql = Sql::new(
        "SELECT id, webhook_id, seq, event_type, attempt, attempted_at, status, latency_ms, error, outcome FROM webhook_deliveries WHERE webhook_id = ",
    );
    sql.bind(webhook);
    if before > 0 {
        sql.push(" AND id < ").bind(before);
    }
    if dead_only {
        sql.push(" AND outcome = ")
            .bind(DeliveryOutcome::Dead.as_str());
    }
    sql.push(" ORDER BY id DESC LIMIT ").bind(limit);
    sql.fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            let outcome: String = r.try_get("outcome").db()?;
            Ok(DeliveryRecord {
                id: r.try_get("id").db()?,
                webhook_id: r.try_get("webhook_id").db()?,
                seq: r.try_get("seq").db()?,
                event_type: r.try_get("event_type").db()?,
                attempt: r.try_get("attempt").db()?,
                at: get_ts(r, "attempted_at")?,
                status: r.try_get("status").db()?,
                latency_ms: r.try_get("latency_ms").db()?,
                error: r.try_get("error").db()?,
                outcome: DeliveryOutcome::parse(&outcome).unwrap_or(DeliveryOutcome::Failed),
            })
        })
        .collect()
}

/// Forgets delivery-log lines from before `before`, except dead letters (kept until their
/// subscription goes). Returns how many went.
pub async fn forget_deliveries(conn: &mut AnyConnection, before: DateTime<Utc>) -> Result<u64> {
    Sql::new("DELETE FROM webhook_deliveries WHERE attempted_at < ")
        .bind(before)
        .push(" AND outcome <> ")
        .bind(DeliveryOutcome::Dead.as_str())
        .execute(conn)
        .await
}

/// The sequence number just before the first event at or after `at` (the newest event's
/// when none is that recent): where a replay from `at` puts the cursor.
pub async fn seq_before(conn: &mut AnyConnection, at: DateTime<Utc>) -> Result<i64> {
    let row = Sql::new("SELECT MIN(seq) AS s FROM events WHERE event_date >= ")
        .bind(at)
        .fetch_one(conn)
        .await?;
    match row.try_get::<Option<i64>, _>("s").db()? {
        Some(s) => Ok(s - 1),
        None => crate::events::newest_seq(conn).await,
    }
}
