//! Search freshness under load: while the ingest benchmark's clients upload, a probe uploads
//! a document carrying a word no other document has, and polls the search API until it is
//! found; then deletes it and polls until it is gone. The figures are the times from the
//! upload's (or delete's) response to the first search that shows the change.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::api::{Api, LIBRARY};
use crate::stats::Latencies;
use crate::{R, err};

/// Pause between two searches of one probe.
const POLL: Duration = Duration::from_millis(5);
/// A change not visible after this long is reported as a failure, not waited for.
const GIVE_UP: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct Freshness {
    /// Upload response → first search that finds the document.
    pub findable: Latencies,
    /// Delete response → first search that no longer finds it.
    pub gone: Latencies,
}

async fn hits(api: &Api, word: &str) -> R<u64> {
    let resp = api
        .get_with(
            "/documents",
            &[("anywhere", word), ("total", "true"), ("limit", "1")],
        )?
        .send()
        .await?;
    let body: Value = resp.json().await?;
    body["total_count"]
        .as_u64()
        .ok_or_else(|| err(format!("search answered without a total: {body}")))
}

async fn wait_until(api: &Api, word: &str, want: u64) -> R<Duration> {
    let started = Instant::now();
    loop {
        if hits(api, word).await? == want {
            return Ok(started.elapsed());
        }
        if started.elapsed() > GIVE_UP {
            return Err(err(format!(
                "'{word}' still had not {} after {GIVE_UP:?}",
                if want == 0 {
                    "left the results"
                } else {
                    "appeared"
                }
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Probes until `stop` is set; one probe at a time.
pub async fn probe(api: Api, folder: i64, nonce: u64, stop: Arc<AtomicBool>) -> R<Freshness> {
    let mut out = Freshness::default();
    let mut i = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let word = format!("probe{nonce:x}q{i}");
        let text = format!("freshness probe {word} filed under load");
        let len = text.len() as u64;
        let id = api
            .upload(folder, &format!("{word}.txt"), text.into(), len)
            .await?;
        out.findable.push(wait_until(&api, &word, 1).await?);
        let resp = api
            .customer(
                reqwest::Method::DELETE,
                &format!("/libraries/{LIBRARY}/documents/{id}"),
            )
            .send()
            .await?;
        if !resp.status().is_success() {
            return Err(err(format!("deleting probe {id}: {}", resp.status())));
        }
        out.gone.push(wait_until(&api, &word, 0).await?);
        i += 1;
    }
    Ok(out)
}
