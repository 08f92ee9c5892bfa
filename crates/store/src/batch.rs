//! Group commit for SQLite. SQLite has one writer at a time and every COMMIT costs an fsync,
//! so committing each request on its own caps ingest at the disk's fsync rate. Here all
//! writes go through one connection; each request's work runs inside a SAVEPOINT of a shared
//! transaction, and the transaction commits when no other request is queued for the writer
//! (or the batch is full or old). Every request in a batch is answered only after that
//! COMMIT returns, so an acknowledged write is durable; if the COMMIT fails, every request
//! in the batch gets the error and nothing of the batch remains.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dossier_core::DomainError;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use crate::{DbResult, Result, db_error};

/// A batch commits once it holds this many requests, or is this old, even under load.
const MAX_BATCH: usize = 128;
const MAX_BATCH_AGE: Duration = Duration::from_millis(25);

#[derive(Debug)]
pub(crate) struct Writer {
    pool: AnyPool,
    state: Arc<Mutex<Batch>>,
    queued: AtomicUsize,
}

#[derive(Debug, Default)]
struct Batch {
    conn: Option<PoolConnection<Any>>,
    open_since: Option<Instant>,
    waiters: Vec<oneshot::Sender<std::result::Result<(), String>>>,
}

/// Counts a request waiting for the writer for as long as it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Waiting<'a> {
        count.fetch_add(1, Ordering::SeqCst);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One request's share of the batch: its own savepoint.
pub(crate) struct BatchTx {
    writer: Arc<Writer>,
    guard: Option<OwnedMutexGuard<Batch>>,
}

impl Writer {
    pub(crate) fn new(pool: AnyPool) -> Arc<Writer> {
        Arc::new(Writer {
            pool,
            state: Arc::new(Mutex::new(Batch::default())),
            queued: AtomicUsize::new(0),
        })
    }

    pub(crate) async fn begin(self: &Arc<Self>) -> Result<BatchTx> {
        let guard = {
            // Counted while waiting, so a committer knows someone will come after it and
            // leaves the COMMIT to them. The count drops even if this future is cancelled.
            let _waiting = Waiting::new(&self.queued);
            self.state.clone().lock_owned().await
        };
        // From here on, a failure or a cancellation drops the BatchTx, whose Drop undoes
        // this request's part and still commits the batch-mates waiting before it.
        let mut tx = BatchTx {
            writer: self.clone(),
            guard: Some(guard),
        };
        let batch = tx.batch();
        if batch.conn.is_none() {
            batch.conn = Some(self.pool.acquire().await.db()?);
        }
        if batch.open_since.is_none() {
            conn(batch).execute("BEGIN IMMEDIATE").await.db()?;
            batch.open_since = Some(Instant::now());
        }
        conn(batch).execute("SAVEPOINT request").await.db()?;
        Ok(tx)
    }

    /// Commits whatever batch is open (at shutdown).
    pub(crate) async fn flush(&self) {
        let mut guard = self.state.lock().await;
        flush(&mut guard).await;
        guard.conn = None;
    }
}

#[allow(clippy::expect_used)]
fn conn(batch: &mut Batch) -> &mut AnyConnection {
    // `begin` acquires the connection before any BatchTx exists.
    batch
        .conn
        .as_deref_mut()
        .expect("the writer connection is acquired in begin")
}

/// COMMITs the open batch and answers everyone waiting on it.
async fn flush(batch: &mut Batch) {
    if batch.open_since.take().is_none() || batch.conn.is_none() {
        return;
    }
    let outcome = match conn(batch).execute("COMMIT").await {
        Ok(_) => Ok(()),
        Err(e) => {
            let _ = conn(batch).execute("ROLLBACK").await;
            Err(e.to_string())
        }
    };
    for w in batch.waiters.drain(..) {
        let _ = w.send(outcome.clone());
    }
}

impl BatchTx {
    #[allow(clippy::expect_used)]
    fn batch(&mut self) -> &mut Batch {
        self.guard
            .as_mut()
            .expect("a BatchTx holds the writer until commit or drop")
    }

    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        conn(self.batch())
    }

    pub(crate) async fn commit(mut self) -> Result<()> {
        let Some(mut guard) = self.guard.take() else {
            return Ok(());
        };
        if let Err(e) = conn(&mut guard).execute("RELEASE SAVEPOINT request").await {
            // The request's work cannot join the batch: undo it alone.
            let _ = conn(&mut guard)
                .execute("ROLLBACK TO SAVEPOINT request; RELEASE SAVEPOINT request")
                .await;
            return Err(db_error(e));
        }
        let (tx, rx) = oneshot::channel();
        guard.waiters.push(tx);
        let old = guard
            .open_since
            .is_some_and(|t| t.elapsed() >= MAX_BATCH_AGE);
        if self.writer.queued.load(Ordering::SeqCst) == 0 || guard.waiters.len() >= MAX_BATCH || old
        {
            flush(&mut guard).await;
        }
        drop(guard);
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(DomainError::Unavailable(format!(
                "the metadata store could not commit: {e}"
            ))),
            Err(_) => Err(DomainError::internal(
                "the batch was dropped before it committed",
            )),
        }
    }
}

impl Drop for BatchTx {
    /// A request that ends without committing (an error, a panic, a cancelled request)
    /// undoes its savepoint. Its batch-mates may be waiting for a COMMIT that this request
    /// was expected to trigger, so the cleanup also flushes when nobody else is queued.
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else {
            return;
        };
        let writer = self.writer.clone();
        let cleanup = async move {
            if let Some(c) = guard.conn.as_deref_mut() {
                let _ = c
                    .execute("ROLLBACK TO SAVEPOINT request; RELEASE SAVEPOINT request")
                    .await;
            }
            if writer.queued.load(Ordering::SeqCst) == 0 {
                flush(&mut guard).await;
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(cleanup);
            }
            Err(_) => tracing::error!(
                "a write transaction was dropped outside the runtime; its batch is abandoned"
            ),
        }
    }
}
