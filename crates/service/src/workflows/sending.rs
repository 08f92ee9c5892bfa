//! The background loop that sends started runs to their flows' callbacks.
//!
//! A run is written `pending` in the transaction that starts it; this loop, one per node,
//! takes due runs (pending, their next attempt's time come), claims each with a lease
//! (`claimed_until`: one conditional UPDATE, so of two nodes on one database only one gets
//! a run), sends them side by side through `delivery::Sender` (signed, 10 s limit), and
//! records the attempt: delivered (with Power Automate's run id from the answer's
//! `x-ms-workflow-run-id`), retried later per `delivery::Retry`, or dead-lettered after a
//! day of failures. A node that dies holding a claim leaves the run to another node (or
//! itself, restarted) once the lease is over. A run whose workflow was unregistered before
//! it was sent is dead-lettered unsent.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dossier_core::workflows::{Delivery, RunEntry};
use tokio::sync::watch;

use crate::delivery::{Attempt, Message, Next, Retry, Secret};
use crate::{Dossier, Result};

/// Runs taken per round, sent side by side: a slow callback holds one place, not the loop.
const BATCH: i64 = 16;
/// How long a claim holds a run: longer than one attempt (`delivery::TIMEOUT`) can last.
const LEASE: Duration = Duration::from_secs(60);
/// How often the loop looks for due runs when nothing wakes it (retries, other nodes' runs).
const POLL: Duration = Duration::from_millis(500);
/// The answer header that carries Power Automate's id of the run the callback started.
pub const FLOW_RUN_HEADER: &str = "x-ms-workflow-run-id";

/// Sends due runs until `stop` turns true.
pub async fn run(dossier: Arc<Dossier>, mut stop: watch::Receiver<bool>) {
    let mut failing =
        crate::repeated::RepeatedWarning::new("cannot send workflow runs", Duration::from_secs(60));
    loop {
        if *stop.borrow() {
            return;
        }
        let sent = match dossier.send_due_workflow_runs().await {
            Ok(n) => n,
            Err(e) => {
                failing.note(e);
                0
            }
        };
        if sent > 0 {
            continue;
        }
        tokio::select! {
            _ = dossier.workflow_wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
            _ = stop.changed() => return,
        }
    }
}

impl Dossier {
    /// One round: claims up to `BATCH` due runs, sends them, records each attempt. Returns
    /// how many were attempted.
    pub async fn send_due_workflow_runs(&self) -> Result<usize> {
        let now = self.now();
        let due = {
            let mut conn = self.store.read().await?;
            dossier_store::workflows::due_runs(&mut conn, now, BATCH).await?
        };
        if due.is_empty() {
            return Ok(0);
        }
        let until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let mut claimed = Vec::new();
        {
            let mut tx = self.store.begin().await?;
            for id in &due {
                if dossier_store::workflows::claim(tx.conn(), id, now, until).await? {
                    claimed.push(id.clone());
                }
            }
            tx.commit().await?;
        }
        let mut jobs = Vec::new();
        {
            let mut conn = self.store.read().await?;
            for id in &claimed {
                jobs.push((
                    id.clone(),
                    dossier_store::workflows::job(&mut conn, id).await?,
                ));
            }
        }
        let sends = jobs.iter().map(|(id, job)| async move {
            let attempt = match job {
                Some(job) => self.send_job(job).await,
                None => Attempt {
                    at: self.now(),
                    status: None,
                    latency_ms: 0,
                    error: Some("the workflow was unregistered before the run was sent".into()),
                    headers: Vec::new(),
                },
            };
            (id, job, attempt)
        });
        let done = futures::future::join_all(sends).await;
        let count = done.len();
        for (id, job, attempt) in done {
            if let Err(e) = self.record_attempt(id, job.as_ref(), &attempt).await {
                // The claim runs out and the run is sent again: at least once, never lost.
                tracing::warn!(run = %id, error = %e, "cannot record a workflow delivery");
            }
        }
        Ok(count)
    }

    async fn send_job(&self, job: &dossier_store::workflows::Job) -> Attempt {
        let now = self.now();
        let failed = |why: String| Attempt {
            at: now,
            status: None,
            latency_ms: 0,
            error: Some(why),
            headers: Vec::new(),
        };
        let target = match self.sender.target(&job.callback_url) {
            Ok(t) => t,
            Err(e) => return failed(e.to_string()),
        };
        let secret = match Secret::parse("secret", &job.secret) {
            Ok(s) => s,
            Err(e) => return failed(e.to_string()),
        };
        let headers: Vec<(String, String)> = job
            .flow_name
            .iter()
            .map(|n| ("x-ms-workflow-name".to_string(), n.clone()))
            .collect();
        let message = Message {
            target: &target,
            secret: &secret,
            id: &job.run,
            body: job.payload.as_bytes(),
            headers: &headers,
        };
        self.sender.send(&message, now).await
    }

    async fn record_attempt(
        &self,
        run: &str,
        job: Option<&dossier_store::workflows::Job>,
        attempt: &Attempt,
    ) -> Result<()> {
        let now = self.now();
        let first_failure: Option<DateTime<Utc>> = job.and_then(|j| j.first_failure);
        let (delivery, first_failure, next) = if attempt.delivered() {
            (Delivery::Delivered, first_failure, None)
        } else if job.is_none() {
            (Delivery::DeadLettered, first_failure.or(Some(now)), None)
        } else {
            let first = first_failure.unwrap_or(now);
            let failures = job.map_or(1, |j| j.attempts + 1);
            match Retry::default().after(u32::try_from(failures).unwrap_or(u32::MAX), first, now) {
                Next::RetryAt(at) => (Delivery::Pending, Some(first), Some(at)),
                Next::GiveUp => (Delivery::DeadLettered, Some(first), None),
            }
        };
        let flow_run_id = attempt
            .header(FLOW_RUN_HEADER)
            .filter(|_| attempt.delivered())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty() && v.len() <= 256);
        let mut tx = self.store.begin().await?;
        dossier_store::workflows::log(
            tx.conn(),
            run,
            &RunEntry::Attempt {
                at: attempt.at,
                http_status: attempt.status,
                latency_ms: attempt.latency_ms,
                error: attempt.error.clone(),
            },
        )
        .await?;
        dossier_store::workflows::finish_attempt(
            tx.conn(),
            run,
            delivery,
            flow_run_id.as_deref(),
            first_failure,
            next,
            now,
        )
        .await?;
        tx.commit().await?;
        if delivery == Delivery::DeadLettered {
            tracing::warn!(run, error = ?attempt.error, "workflow run dead-lettered");
        }
        Ok(())
    }
}
