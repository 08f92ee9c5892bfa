//! `ingest`: documents uploaded through the HTTP API by concurrent clients, against the
//! same bytes written as new fsync'd files with the same concurrency on the same disk.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::api::Api;
use crate::payload::{Payload, run_nonce};
use crate::server::{CpuMeter, Server};
use crate::stats::{Latencies, fig, mb, ms, ratio, table, thousands};
use crate::{Env, R, err};

#[derive(clap::Args, Default, Clone, Debug)]
pub struct Args {
    /// Number of 10 KB documents [default: 5000; quick: 1000].
    #[arg(long)]
    pub count_10k: Option<u64>,
    /// Number of 1 MB documents [default: 200; quick: 50].
    #[arg(long)]
    pub count_1m: Option<u64>,
    /// Number of 100 MB documents [default: 5; quick: 2].
    #[arg(long)]
    pub count_100m: Option<u64>,
    /// Concurrent clients for 10 KB documents [default: 16].
    #[arg(long)]
    pub clients_10k: Option<usize>,
    /// Concurrent clients for 1 MB documents [default: 8].
    #[arg(long)]
    pub clients_1m: Option<usize>,
    /// Concurrent clients for 100 MB documents [default: 2].
    #[arg(long)]
    pub clients_100m: Option<usize>,
}

struct Class {
    label: &'static str,
    size: usize,
    count: u64,
    clients: usize,
}

/// Throughput and latencies of one run of `count` documents.
pub(crate) struct Measured {
    elapsed: Duration,
    pub(crate) latencies: Latencies,
    count: u64,
    bytes: u64,
}

impl Measured {
    pub(crate) fn docs_per_s(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64()
    }

    fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.elapsed.as_secs_f64()
    }
}

fn classes(env: &Env, a: &Args) -> Vec<Class> {
    let q = env.quick;
    vec![
        Class {
            label: "10 KB",
            size: 10_000,
            count: a.count_10k.unwrap_or(if q { 1000 } else { 5000 }),
            clients: a.clients_10k.unwrap_or(16),
        },
        Class {
            label: "1 MB",
            size: 1_000_000,
            count: a.count_1m.unwrap_or(if q { 50 } else { 200 }),
            clients: a.clients_1m.unwrap_or(8),
        },
        Class {
            label: "100 MB",
            size: 100_000_000,
            count: a.count_100m.unwrap_or(if q { 2 } else { 5 }),
            clients: a.clients_100m.unwrap_or(2),
        },
    ]
}

pub async fn run(env: &Env, args: Args) -> R<()> {
    let classes = classes(env, &args);
    let tmp = env.tempdir("dossier-bench-ingest-")?;
    let data = tmp.path().join("data");
    let baseline_dir = tmp.path().join("baseline");
    println!(
        "ingest: server {}, scratch {} ({})",
        env.server.display(),
        tmp.path().display(),
        if env.quick { "quick" } else { "full" }
    );
    let server = Server::start(&env.server, &data).await?;
    let api = Api::login(&server.base).await?;
    let workspace = api.create_workspace("bench ingest").await?;
    let nonce = run_nonce();

    // Warm the connection pool and the server's caches; not measured.
    let warm = api.create_folder(workspace, "warm-up").await?;
    let warm_payload = Payload::new(10_000, nonce ^ 0xAAAA);
    http_ingest(&api, warm, &warm_payload, 64, 16).await?;

    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for (k, c) in classes.iter().enumerate() {
        if c.count == 0 {
            continue;
        }
        let payload = Payload::new(c.size, nonce.wrapping_add(k as u64 + 1));
        let base = fsync_baseline(&baseline_dir, &payload, c.count, c.clients).await?;
        if c.size <= 100_000 && c.clients > 1 {
            // For reference: the fsync rate of one writer, which DESIGN §6 quotes.
            let one = fsync_baseline(&baseline_dir, &payload, c.count.min(1000), 1).await?;
            notes.push(format!(
                "for reference, {} fsync'd {} files written by 1 writer: {} files/s",
                thousands(one.count as f64),
                c.label,
                fig(one.docs_per_s())
            ));
        }
        let folder = api
            .create_folder(workspace, &format!("ingest {}", c.label))
            .await?;
        let cpu = CpuMeter::start(&server)?;
        // Small documents: a freshness probe runs beside the load (DESIGN §6: findable
        // within 1 s of the upload's response, gone within 1 s of the delete's).
        let probe = (c.size <= 100_000).then(|| {
            let stop = Arc::new(AtomicBool::new(false));
            let task = tokio::spawn(crate::freshness::probe(
                api.clone(),
                folder,
                nonce,
                stop.clone(),
            ));
            (stop, task)
        });
        let http = http_ingest(&api, folder, &payload, c.count, c.clients).await?;
        if let Some((stop, task)) = probe {
            stop.store(true, Ordering::Relaxed);
            let f = task.await.map_err(|e| err(e.to_string()))??;
            let verdict = |l: &crate::stats::Latencies| {
                if l.percentile_ms(99.0) < 1000.0 {
                    "met"
                } else {
                    "not met"
                }
            };
            notes.push(format!(
                "search freshness under the {} load ({} probes): findable after upload p50 {} ms, p99 {} ms, max {} ms; gone after delete p50 {} ms, p99 {} ms, max {} ms (target p99 < 1 s: {}, {})",
                c.label,
                f.findable.count(),
                ms(f.findable.percentile_ms(50.0)),
                ms(f.findable.percentile_ms(99.0)),
                ms(f.findable.max_ms()),
                ms(f.gone.percentile_ms(50.0)),
                ms(f.gone.percentile_ms(99.0)),
                ms(f.gone.max_ms()),
                verdict(&f.findable),
                verdict(&f.gone),
            ));
        }
        let cpu = cpu.summary();
        println!(
            "  {:>6} x {:>5}, {:>2} clients: HTTP {} docs/s {} MB/s (p50 {} ms, p99 {} ms) | fsync'd files {} docs/s {} MB/s | ratio {}",
            c.label,
            c.count,
            c.clients,
            fig(http.docs_per_s()),
            fig(http.mb_per_s()),
            ms(http.latencies.percentile_ms(50.0)),
            ms(http.latencies.percentile_ms(99.0)),
            fig(base.docs_per_s()),
            fig(base.mb_per_s()),
            ratio(http.mb_per_s(), base.mb_per_s()),
        );
        println!("    {cpu}");
        let (target, status) = if c.size <= 100_000 {
            let r = http.docs_per_s();
            (
                "≥ 1,000 docs/s".to_string(),
                if r >= 1000.0 {
                    "met".to_string()
                } else {
                    format!("below ({} docs/s)", thousands(r))
                },
            )
        } else {
            let r = http.mb_per_s() / base.mb_per_s();
            (
                "≥ 70% of fsync MB/s".to_string(),
                if r >= 0.7 { "met" } else { "below" }.to_string(),
            )
        };
        rows.push(vec![
            c.label.to_string(),
            thousands(c.count as f64),
            c.clients.to_string(),
            fig(http.docs_per_s()),
            fig(http.mb_per_s()),
            ms(http.latencies.percentile_ms(50.0)),
            ms(http.latencies.percentile_ms(99.0)),
            fig(base.docs_per_s()),
            fig(base.mb_per_s()),
            ratio(http.mb_per_s(), base.mb_per_s()),
            target,
            status,
        ]);
    }
    let peak = server.peak_rss()?;
    server.stop().await?;
    table(
        "ingest summary (HTTP upload vs the same bytes as new fsync'd files, same concurrency, same disk)",
        &[
            "size",
            "docs",
            "clients",
            "HTTP docs/s",
            "HTTP MB/s",
            "p50 ms",
            "p99 ms",
            "fsync docs/s",
            "fsync MB/s",
            "HTTP/fsync",
            "target",
            "status",
        ],
        &rows,
    );
    for n in notes {
        println!("{n}");
    }
    println!("server peak RSS during ingest: {}", mb(peak));
    Ok(())
}

/// Uploads documents `0..count` of `payload` with `clients` concurrent clients.
pub(crate) async fn http_ingest(
    api: &Api,
    folder: i64,
    payload: &Payload,
    count: u64,
    clients: usize,
) -> R<Measured> {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let api = api.clone();
        let payload = payload.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Latencies::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let t = Instant::now();
                api.upload(
                    folder,
                    &format!("bench {i}.txt"),
                    payload.body(i),
                    payload.len(),
                )
                .await?;
                lat.push(t.elapsed());
            }
            Ok::<_, crate::Error>(lat)
        }));
    }
    let mut latencies = Latencies::default();
    for t in tasks {
        latencies.extend(t.await.map_err(|e| err(e.to_string()))??);
    }
    Ok(Measured {
        elapsed: started.elapsed(),
        latencies,
        count,
        bytes: count * payload.len(),
    })
}

/// Writes documents `0..count` of `payload` as new files with `clients` threads, each file
/// fsync'd before the next; removes them afterwards.
async fn fsync_baseline(dir: &Path, payload: &Payload, count: u64, clients: usize) -> R<Measured> {
    let dir: PathBuf = dir.to_path_buf();
    let payload = payload.clone();
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)?;
        let next = AtomicU64::new(0);
        let started = Instant::now();
        let results: Vec<R<Latencies>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..clients)
                .map(|_| {
                    s.spawn(|| {
                        let mut lat = Latencies::default();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= count {
                                break;
                            }
                            let t = Instant::now();
                            let mut f = std::fs::File::create(dir.join(format!("b-{i}")))?;
                            for c in payload.chunks(i) {
                                f.write_all(&c)?;
                            }
                            f.sync_all()?;
                            lat.push(t.elapsed());
                        }
                        Ok(lat)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(err("a writer thread panicked")))
                })
                .collect()
        });
        let elapsed = started.elapsed();
        let mut latencies = Latencies::default();
        for r in results {
            latencies.extend(r?);
        }
        std::fs::remove_dir_all(&dir)?;
        Ok(Measured {
            elapsed,
            latencies,
            count,
            bytes: count * payload.len(),
        })
    })
    .await
    .map_err(|e| err(e.to_string()))?
}
