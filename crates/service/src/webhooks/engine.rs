//! The delivery engine: follows the outbox for every active subscription and sends each
//! matching event to its target, in outbox order, one at a time per subscription, several
//! subscriptions side by side.
//!
//! Per subscription the cursor (`last_seq`) is the last event it is done with. An event is
//! done when it was delivered (2xx), skipped (not selected, filtered out, or not visible to
//! the owner at delivery time: `Dossier::visible_changes`) or dead-lettered after the retry
//! period. The cursor moves only after that, in the same transaction as the delivery-log
//! lines, written every `FLUSH_AFTER` or `FLUSH_EVENTS` events (and before any wait), so a
//! crash at any point re-sends at most the events delivered since the last write
//! (at-least-once; the event id, `evt_<seq>`, lets receivers drop the repeat).
//!
//! A failing event holds its subscription (the next one waits, so order holds) until its
//! retry is due (`delivery::Retry`); the subscription's task ends meanwhile and nothing
//! else waits on it. A slow receiver takes at most `delivery::TIMEOUT` per attempt of one
//! task among `PARALLEL`; requests never wait on deliveries (they only append to the
//! outbox).
//!
//! Several nodes on one database: a node claims a subscription with a lease (a conditional
//! UPDATE of `lease_owner`/`lease_until`, `store::webhooks::claim`) before it sends, and
//! moves the cursor only while it still holds it and the cursor is where it read it
//! (`store::webhooks::advance`), so no two nodes deliver one subscription's events, and a
//! node whose lease ran out (paused too long) stops rather than sending twice. The node id
//! is stable across restarts of one server (host and search index directory, which one
//! process at a time may open), so a server killed while holding a lease takes its work
//! back at once when it starts again; another node takes it after `LEASE`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dossier_core::events::Change;
use dossier_core::identity::Scopes;
use dossier_core::model::Event;
use dossier_core::webhooks::{
    DeliveryOutcome, DeliveryRecord, EventType, Webhook, event_id, library_of,
};
use dossier_store::AnyConnection;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::payload;
use crate::delivery::{Message, Next, Retry, Secret};
use crate::repeated::RepeatedWarning;
use crate::{Caller, Dossier, Result};

/// Subscriptions delivered at the same time by one node.
const PARALLEL: usize = 16;
/// Events read per round of one subscription.
const EVENTS_PER_ROUND: i64 = 200;
/// How often an idle engine looks for new events and due retries.
const POLL: Duration = Duration::from_millis(100);
/// Delivered events are recorded (cursor and log) at least this often, and after this many:
/// one write per event would make the database's commit rate the delivery rate. A crash
/// re-sends at most what was delivered since the last write, with the same event ids.
const FLUSH_AFTER: Duration = Duration::from_millis(100);
const FLUSH_EVENTS: usize = 50;
/// How long a claim holds without being renewed: longer than one attempt
/// (`delivery::TIMEOUT`) with room to write its outcome. Each step renews it.
const LEASE: chrono::Duration = chrono::Duration::seconds(30);

/// Runs the engine until `stop` says so. `node` names this server among the nodes sharing
/// the database (see the module documentation).
pub async fn run(d: Arc<Dossier>, node: String, mut stop: watch::Receiver<bool>) {
    let node: Arc<str> = Arc::from(node);
    let running: Arc<Mutex<HashSet<i64>>> = Arc::default();
    let permits = Arc::new(Semaphore::new(PARALLEL));
    let mut tasks = JoinSet::new();
    let mut failing = RepeatedWarning::new(
        "cannot look for webhook deliveries; retrying",
        Duration::from_secs(60),
    );
    loop {
        if *stop.borrow() {
            break;
        }
        while tasks.try_join_next().is_some() {}
        match due(&d, &node).await {
            Ok(ids) => {
                for id in ids {
                    let Ok(permit) = permits.clone().try_acquire_owned() else {
                        break;
                    };
                    if !lock(&running).insert(id) {
                        continue;
                    }
                    let (d, node, running, stop) =
                        (d.clone(), node.clone(), running.clone(), stop.clone());
                    tasks.spawn(async move {
                        if let Err(e) = drive(&d, id, &node, &stop).await {
                            tracing::warn!(webhook = id, error = %e, "webhook delivery failed; retrying");
                        }
                        lock(&running).remove(&id);
                        drop(permit);
                    });
                }
            }
            Err(e) => failing.note(format_args!("{e:?}")),
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = stop.changed() => {}
        }
    }
    // Each task stops before its next attempt; one in flight ends within the timeout. A
    // task cut short sends its event again later (its cursor did not move).
    while tasks.join_next().await.is_some() {}
}

fn lock(m: &Mutex<HashSet<i64>>) -> std::sync::MutexGuard<'_, HashSet<i64>> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn due(d: &Dossier, node: &str) -> Result<Vec<i64>> {
    let mut conn = d.store.read().await?;
    let newest = dossier_store::events::newest_seq(&mut conn).await?;
    dossier_store::webhooks::due(&mut conn, newest, node, d.now(), PARALLEL as i64 * 4).await
}

/// Whether an event passes a subscription's selection and filters (not yet its owner's
/// access, asked for a round's events at once).
async fn selected(conn: &mut AnyConnection, w: &Webhook, change: &Change) -> Result<bool> {
    if !w.events.matches(EventType::of(change)) {
        return Ok(false);
    }
    let f = &w.filters;
    if let Some(library) = &f.library
        && library_of(change).as_ref() != Some(library)
    {
        return Ok(false);
    }
    if f.workspace.is_none() && f.class.is_none() {
        return Ok(true);
    }
    let (workspace, class) = placement(conn, change).await?;
    if let Some(w) = &f.workspace
        && (library_of(change).as_ref() != Some(&w.library) || workspace != Some(w.number))
    {
        return Ok(false);
    }
    if let Some(c) = &f.class
        && class.as_deref().map(str::to_uppercase).as_deref() != Some(c.as_str())
    {
        return Ok(false);
    }
    Ok(true)
}

/// The workspace and class of the object a change is about, as they are now (a deleted
/// object has neither, so it passes no such filter).
async fn placement(
    conn: &mut AnyConnection,
    change: &Change,
) -> Result<(Option<i64>, Option<String>)> {
    use Change::*;
    let document = match change {
        DocumentCreated { document, .. }
        | DocumentVersionAdded {
            version: document, ..
        }
        | DocumentCopied { document, .. }
        | DocumentUpdated { document }
        | DocumentProfileUpdated { document }
        | DocumentVersionDeleted { version: document }
        | DocumentRestored { version: document }
        | DocumentPurged { version: document }
        | DocumentFiled { document, .. }
        | DocumentUnfiled { document, .. }
        | DocumentSecurityChanged { document } => Some(document),
        _ => None,
    };
    if let Some(doc) = document {
        let found =
            dossier_store::documents::latest_with_workspace(conn, &doc.library, &[doc.number])
                .await?;
        return Ok(match found.into_iter().next() {
            Some((d, ws)) => ((ws >= 0).then_some(ws), Some(d.class)),
            None => (None, None),
        });
    }
    let container = match change {
        WorkspaceCreated { workspace: c }
        | WorkspaceProfileUpdated { workspace: c }
        | WorkspaceUpdated { workspace: c }
        | WorkspaceDeleted { workspace: c }
        | ContainerCreated { container: c, .. }
        | ContainerProfileUpdated { container: c, .. }
        | ContainerUpdated { container: c, .. }
        | ContainerDeleted { container: c, .. }
        | ContainerMoved { container: c, .. }
        | ContainerSecurityChanged { container: c } => Some(c),
        _ => None,
    };
    if let Some(c) = container {
        return Ok(match dossier_store::containers::get(conn, c).await? {
            Some(found) => (Some(found.workspace), found.class),
            None => (None, None),
        });
    }
    Ok((None, None))
}

/// What to do with one event of a round.
enum Step {
    /// Done with it without sending (unknown to this version, not selected, not visible).
    Skip,
    Send(Change),
}

/// Delivers one subscription's due events until it is caught up, must wait for a retry,
/// or loses its claim.
async fn drive(d: &Dossier, id: i64, node: &str, stop: &watch::Receiver<bool>) -> Result<()> {
    {
        let now = d.now();
        let mut tx = d.store.begin().await?;
        let claimed = dossier_store::webhooks::claim(tx.conn(), id, node, now, now + LEASE).await?;
        tx.commit().await?;
        if !claimed {
            return Ok(());
        }
    }
    let retry = Retry {
        give_up_after: chrono::Duration::seconds(d.settings.webhook_retry_seconds),
    };
    loop {
        let (w, secret, events, steps) = {
            let mut conn = d.store.read().await?;
            let Some((w, secret)) = dossier_store::webhooks::with_secret(&mut conn, id).await?
            else {
                return Ok(());
            };
            if *stop.borrow() || !w.active || w.next_attempt > d.now() {
                drop(conn);
                return release(d, id, node).await;
            }
            let events =
                dossier_store::events::all_after(&mut conn, w.last_seq, EVENTS_PER_ROUND).await?;
            if events.is_empty() {
                drop(conn);
                return release(d, id, node).await;
            }
            let steps = plan(d, &mut conn, &w, &events).await?;
            (w, secret, events, steps)
        };
        let secret = Secret::parse("secret", &secret)?;
        let target = d.sender.target(&w.url);
        let mut cursor = w.last_seq;
        // The last event of this round the subscription is done with, not yet written.
        let mut done = cursor;
        let mut first_send = true;
        // Outcomes not yet written, and when they last were.
        let mut pending: Vec<DeliveryRecord> = Vec::new();
        let mut flushed = Instant::now();
        for (event, step) in events.iter().zip(steps) {
            let Step::Send(change) = step else {
                done = event.seq;
                continue;
            };
            if *stop.borrow() {
                break;
            }
            // A retry continues the count of the event the cursor is at.
            let (failures, first_failure) = if first_send && done == w.last_seq {
                (w.attempts, w.first_failure)
            } else {
                (0, None)
            };
            first_send = false;
            let now = d.now();
            let body = payload::body(event, &change);
            let id_text = event_id(event.seq);
            let attempt_no = failures + 1;
            let mut record = DeliveryRecord {
                id: 0,
                webhook_id: id,
                seq: event.seq,
                event_type: EventType::of(&change).as_str().to_string(),
                attempt: attempt_no,
                at: now,
                status: None,
                latency_ms: 0,
                error: None,
                outcome: DeliveryOutcome::Delivered,
            };
            let delivered = match &target {
                Ok(target) => {
                    let attempt = d
                        .sender
                        .send(
                            &Message {
                                target,
                                secret: &secret,
                                id: &id_text,
                                body: &body,
                                headers: &[],
                            },
                            now,
                        )
                        .await;
                    record.at = attempt.at;
                    record.status = attempt.status.map(i64::from);
                    record.latency_ms = attempt.latency_ms;
                    record.error = attempt.error.clone();
                    attempt.delivered()
                }
                // The setting changed since the URL was accepted: a failure like any other.
                Err(e) => {
                    record.error = Some(e.to_string());
                    false
                }
            };
            if delivered {
                pending.push(record);
                done = event.seq;
                if pending.len() >= FLUSH_EVENTS || flushed.elapsed() >= FLUSH_AFTER {
                    if !flush(d, id, node, &mut cursor, done, &mut pending).await? {
                        return Ok(());
                    }
                    flushed = Instant::now();
                }
                continue;
            }
            let first_failure = first_failure.unwrap_or(now);
            match retry.after(
                attempt_no.clamp(1, u32::MAX as i64) as u32,
                first_failure,
                d.now(),
            ) {
                Next::RetryAt(at) => {
                    record.outcome = DeliveryOutcome::Failed;
                    pending.push(record);
                    let mut tx = d.store.begin().await?;
                    if done != cursor
                        && !dossier_store::webhooks::advance(
                            tx.conn(),
                            id,
                            node,
                            cursor,
                            done,
                            d.now() + LEASE,
                        )
                        .await?
                    {
                        return Ok(());
                    }
                    for r in &pending {
                        dossier_store::webhooks::log(tx.conn(), r).await?;
                    }
                    dossier_store::webhooks::postpone(
                        tx.conn(),
                        id,
                        node,
                        done,
                        attempt_no,
                        first_failure,
                        at,
                    )
                    .await?;
                    tx.commit().await?;
                    return Ok(());
                }
                Next::GiveUp => {
                    record.outcome = DeliveryOutcome::Dead;
                    tracing::warn!(
                        webhook = id,
                        event = %id_text,
                        "webhook event dead-lettered after the retry period"
                    );
                    pending.push(record);
                    done = event.seq;
                    if !flush(d, id, node, &mut cursor, done, &mut pending).await? {
                        return Ok(());
                    }
                    flushed = Instant::now();
                }
            }
        }
        if (done != cursor || !pending.is_empty())
            && !flush(d, id, node, &mut cursor, done, &mut pending).await?
        {
            return Ok(());
        }
    }
}

/// Decides each event of a round: decoded, selected, filtered, then visible to the owner
/// as the owner is now (one question for the round's selected events).
async fn plan(
    d: &Dossier,
    conn: &mut AnyConnection,
    w: &Webhook,
    events: &[Event],
) -> Result<Vec<Step>> {
    let mut steps = Vec::with_capacity(events.len());
    let mut candidates = Vec::new();
    for e in events {
        match e.change() {
            Ok(change) if selected(conn, w, &change).await? => {
                candidates.push(change.clone());
                steps.push(Step::Send(change));
            }
            Ok(_) => steps.push(Step::Skip),
            Err(unknown) => {
                tracing::warn!(seq = e.seq, "webhooks skip an event: {unknown}");
                steps.push(Step::Skip);
            }
        }
    }
    if candidates.is_empty() {
        return Ok(steps);
    }
    let owner = owner(d, conn, w).await?;
    let visible = match &owner {
        Some(caller) => d.visible_changes(caller, &candidates).await?,
        // The owner is gone, inactive or locked: told of nothing.
        None => vec![false; candidates.len()],
    };
    let mut visible = visible.into_iter();
    for step in steps.iter_mut() {
        if matches!(step, Step::Send(_)) && !visible.next().unwrap_or(false) {
            *step = Step::Skip;
        }
    }
    Ok(steps)
}

/// The subscription's owner as a caller, with their rights as they are now.
async fn owner(d: &Dossier, conn: &mut AnyConnection, w: &Webhook) -> Result<Option<Caller>> {
    let caller = d
        .caller_of(
            conn,
            &w.owner_user,
            Scopes::parse(&w.owner_scope),
            w.owner_app.clone(),
        )
        .await?;
    Ok(caller.filter(|c| c.customer_id == w.customer_id))
}

/// Writes the outcomes noted since the last write and moves the cursor to `done`, in one
/// transaction. False when the claim or the cursor moved under us (nothing is written:
/// another node or a replay owns the subscription now).
async fn flush(
    d: &Dossier,
    id: i64,
    node: &str,
    cursor: &mut i64,
    done: i64,
    pending: &mut Vec<DeliveryRecord>,
) -> Result<bool> {
    let mut tx = d.store.begin().await?;
    let moved =
        dossier_store::webhooks::advance(tx.conn(), id, node, *cursor, done, d.now() + LEASE)
            .await?;
    if !moved {
        return Ok(false);
    }
    for r in pending.iter() {
        dossier_store::webhooks::log(tx.conn(), r).await?;
    }
    tx.commit().await?;
    *cursor = done;
    pending.clear();
    Ok(true)
}

async fn release(d: &Dossier, id: i64, node: &str) -> Result<()> {
    let mut tx = d.store.begin().await?;
    dossier_store::webhooks::release(tx.conn(), id, node).await?;
    tx.commit().await
}

/// This server's node id: the host and the search index directory (one process at a time
/// holds an index), so a restarted server is the same node and resumes its own claims.
pub fn node_id(index_dir: &std::path::Path) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    let dir = std::fs::canonicalize(index_dir).unwrap_or_else(|_| index_dir.to_path_buf());
    format!("{host}:{}", dir.display())
}
