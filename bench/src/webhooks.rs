//! Webhook delivery: how fast the engine drains a backlog to one local receiver, and how
//! long an event takes from its commit to its delivery while 10 KB uploads run.
//!
//! A receiver in the bench process (axum on 127.0.0.1, allowed by
//! `allowed_webhook_hosts`) answers 204 and notes each event's arrival time. Figures:
//!
//! 1. Baseline: the receiver's raw rate for one plain client POSTing a body of the same
//!    size, one request at a time (a subscription delivers one event at a time).
//! 2. Lag under load: a subscription to `document.created` while `clients` upload 10 KB
//!    documents; per event, arrival time minus the event's `timestamp` (the time of the
//!    commit's transaction, on the same machine's clock). Target p99 < 1 s.
//! 3. Drain: the subscription switched off, `backlog` documents uploaded, switched on;
//!    events per second from the switch until the last arrives, against the baseline.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::api::Api;
use crate::ingest::http_ingest;
use crate::payload::{Payload, run_nonce};
use crate::server::{CpuMeter, Server};
use crate::stats::{Latencies, fig, ms, ratio, table, thousands};
use crate::{Env, R, err};

#[derive(clap::Args, Default, Clone, Debug)]
pub struct Args {
    /// Documents uploaded during the lag measurement.
    #[arg(long)]
    pub docs: Option<u64>,
    /// Concurrent uploading clients (default 16, as the ingest benchmark's 10 KB class).
    #[arg(long)]
    pub clients: Option<usize>,
    /// Events queued while the subscription is off, then drained.
    #[arg(long)]
    pub backlog: Option<u64>,
}

/// Arrivals: event id → (arrival as seconds since the epoch, the event's own timestamp).
type Arrivals = Arc<Mutex<HashMap<String, (f64, f64)>>>;

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `2026-12-07T09:01:01.123456Z` as seconds since the epoch.
fn rfc3339_secs(text: &str) -> Option<f64> {
    let t = text.trim_end_matches('Z');
    let (date, time) = t.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut hms = time.split(':');
    let (h, mi) = (
        hms.next()?.parse::<i64>().ok()?,
        hms.next()?.parse::<i64>().ok()?,
    );
    let s: f64 = hms.next()?.parse().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60) as f64 + s)
}

async fn start_receiver(arrivals: Arrivals) -> R<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let arrivals = arrivals.clone();
            async move {
                let at = now_secs();
                if let Ok(v) = serde_json::from_slice::<Value>(&body)
                    && let (Some(id), Some(ts)) = (v["id"].as_str(), v["timestamp"].as_str())
                {
                    let committed = rfc3339_secs(ts).unwrap_or(at);
                    if let Ok(mut a) = arrivals.lock() {
                        a.insert(id.to_string(), (at, committed));
                    }
                }
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://{addr}/hook"))
}

fn count(a: &Arrivals) -> usize {
    a.lock().map(|a| a.len()).unwrap_or(0)
}

async fn wait_for(a: &Arrivals, n: usize, limit: Duration) -> R<Duration> {
    let started = Instant::now();
    while count(a) < n {
        if started.elapsed() > limit {
            return Err(err(format!(
                "only {} of {n} events arrived within {limit:?}",
                count(a)
            )));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(started.elapsed())
}

async fn set_active(api: &Api, id: i64, active: bool) -> R<()> {
    let r = api
        .customer(reqwest::Method::PATCH, &format!("/webhooks/{id}"))
        .json(&json!({"active": active}))
        .send()
        .await?;
    if !r.status().is_success() {
        return Err(err(format!("PATCH webhook: {}", r.text().await?)));
    }
    Ok(())
}

pub async fn run(env: &Env, args: Args) -> R<()> {
    let clients = args.clients.unwrap_or(16).max(1);
    let docs = args.docs.unwrap_or(if env.quick { 1000 } else { 5000 });
    let backlog = args.backlog.unwrap_or(if env.quick { 1000 } else { 5000 });
    let tmp = env.tempdir("dossier-bench-webhooks-")?;
    println!(
        "webhooks: server {}, scratch {} ({})",
        env.server.display(),
        tmp.path().display(),
        if env.quick { "quick" } else { "full" }
    );
    let server = Server::start_with(
        &env.server,
        &tmp.path().join("data"),
        &[("DOSSIER_ALLOWED_WEBHOOK_HOSTS", "127.0.0.1")],
    )
    .await?;
    let api = Api::login(&server.base).await?;
    let arrivals: Arrivals = Arc::default();
    let url = start_receiver(arrivals.clone()).await?;

    // 1. Baseline: one plain client, one POST at a time, a body of an event's size.
    let sample = json!({"id": "evt_1", "type": "document.created",
        "timestamp": "2026-01-01T00:00:00.000000Z", "library": "ACTIVE", "actor": "ADMIN",
        "data": {"document_id": "ACTIVE!1234.1", "folder_id": "ACTIVE!12", "workspace_id": "ACTIVE!11"}})
    .to_string();
    let plain = reqwest::Client::new();
    let base_count = backlog.min(5000) as usize;
    let started = Instant::now();
    for i in 0..base_count {
        let body = sample.replace("evt_1", &format!("base_{i}"));
        plain
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
    }
    let baseline = base_count as f64 / started.elapsed().as_secs_f64();
    arrivals.lock().map_err(|e| err(e.to_string()))?.clear();

    // 2. Lag under the 10 KB upload load.
    let r = api
        .customer(reqwest::Method::POST, "/webhooks")
        .json(&json!({"url": url, "events": ["document.created"]}))
        .send()
        .await?;
    let created: Value = r.json().await?;
    let id = created["data"]["id"]
        .as_i64()
        .ok_or_else(|| err(format!("no subscription: {created}")))?;
    let workspace = api.create_workspace("bench webhooks").await?;
    let folder = api.create_folder(workspace, "load").await?;
    let payload = Payload::new(10_000, run_nonce());
    let cpu = CpuMeter::start(&server)?;
    let load = http_ingest(&api, folder, &payload, docs, clients).await?;
    wait_for(&arrivals, docs as usize, Duration::from_secs(300)).await?;
    let cpu = cpu.summary();
    let mut lag = Latencies::default();
    for (at, committed) in arrivals.lock().map_err(|e| err(e.to_string()))?.values() {
        lag.push(Duration::from_secs_f64((at - committed).max(0.0)));
    }
    arrivals.lock().map_err(|e| err(e.to_string()))?.clear();

    // 3. Drain a backlog.
    set_active(&api, id, false).await?;
    let backlog_folder = api.create_folder(workspace, "backlog").await?;
    http_ingest(&api, backlog_folder, &payload, backlog, clients).await?;
    let switched = Instant::now();
    set_active(&api, id, true).await?;
    wait_for(&arrivals, backlog as usize, Duration::from_secs(600)).await?;
    let drained = backlog as f64 / switched.elapsed().as_secs_f64();
    server.stop().await?;

    let p99 = lag.percentile_ms(99.0);
    table(
        "webhooks: delivery to one local receiver",
        &["measure", "figure", "baseline", "ratio", "target"],
        &[
            vec![
                format!("drain a backlog of {}", thousands(backlog as f64)),
                format!("{} events/s", fig(drained)),
                format!("{} POST/s raw", fig(baseline)),
                ratio(drained, baseline),
                "—".into(),
            ],
            vec![
                format!(
                    "commit → delivery under {} clients uploading 10 KB ({} docs/s)",
                    clients,
                    fig(load.docs_per_s())
                ),
                format!(
                    "p50 {} ms, p99 {} ms, max {} ms",
                    ms(lag.percentile_ms(50.0)),
                    ms(p99),
                    ms(lag.max_ms())
                ),
                format!(
                    "upload p50 {} ms, p99 {} ms",
                    ms(load.latencies.percentile_ms(50.0)),
                    ms(load.latencies.percentile_ms(99.0))
                ),
                "—".into(),
                format!(
                    "p99 < 1 s: {}",
                    if p99 < 1000.0 { "met" } else { "not met" }
                ),
            ],
        ],
    );
    println!("  {cpu}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc3339_timestamps() {
        assert_eq!(rfc3339_secs("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(rfc3339_secs("2000-03-01T00:00:01.5Z"), Some(951_868_801.5));
    }
}
