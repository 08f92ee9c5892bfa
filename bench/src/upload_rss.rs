//! `upload-rss`: one large upload streamed from a generator, with the server's peak RSS
//! (VmHWM) read before and after, and its RSS sampled while the bytes flow.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::api::Api;
use crate::payload::{generated, run_nonce};
use crate::server::{Server, own_peak_rss, proc_status_kb};
use crate::stats::{fig, mb, table};
use crate::{Env, R};

#[derive(clap::Args, Default, Clone, Debug)]
pub struct Args {
    /// Size of the upload in MiB [default: 2048, also in quick mode].
    #[arg(long)]
    pub mib: Option<u64>,
}

pub async fn run(env: &Env, args: Args) -> R<()> {
    let total = args.mib.unwrap_or(2048) * 1024 * 1024;
    let tmp = env.tempdir("dossier-bench-rss-")?;
    let data = tmp.path().join("data");
    println!(
        "upload-rss: one {} MiB upload, server {}, scratch {}",
        total / (1024 * 1024),
        env.server.display(),
        tmp.path().display()
    );
    let server = Server::start(&env.server, &data).await?;
    let api = Api::login(&server.base).await?;
    let workspace = api.create_workspace("bench upload rss").await?;
    let folder = api.create_folder(workspace, "large").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = server.rss()?;
    let hwm_before = server.peak_rss()?;

    // Sample VmRSS every 20 ms while the upload runs.
    let pid = server.pid();
    let done = Arc::new(AtomicBool::new(false));
    let max_rss_kb = Arc::new(AtomicU64::new(0));
    let sampler = {
        let done = done.clone();
        let max_rss_kb = max_rss_kb.clone();
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Ok(kb) = proc_status_kb(pid, "VmRSS:") {
                    max_rss_kb.fetch_max(kb, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let started = Instant::now();
    let body = reqwest::Body::wrap_stream(generated(total, run_nonce()));
    let outcome = api.upload(folder, "large.bin", body, total).await;
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.await;
    let id = outcome?;
    let hwm_after = server.peak_rss()?;
    let rss_after = server.rss()?;
    let client_peak = own_peak_rss()?;
    server.stop().await?;

    let mb_s = total as f64 / 1e6 / elapsed.as_secs_f64();
    println!(
        "  uploaded {id}: {} bytes in {:.1} s ({} MB/s)",
        total,
        elapsed.as_secs_f64(),
        fig(mb_s)
    );
    let peak = hwm_after;
    table(
        "upload-rss summary",
        &["figure", "value", "target"],
        &[
            vec![
                "upload size".into(),
                format!("{} MiB", total / (1024 * 1024)),
                String::new(),
            ],
            vec![
                "upload time / throughput".into(),
                format!("{:.1} s / {} MB/s", elapsed.as_secs_f64(), fig(mb_s)),
                String::new(),
            ],
            vec!["server RSS before".into(), mb(rss_before), String::new()],
            vec![
                "server peak RSS (VmHWM) before".into(),
                mb(hwm_before),
                String::new(),
            ],
            vec![
                "server max sampled RSS during".into(),
                mb(max_rss_kb.load(Ordering::Relaxed) * 1024),
                String::new(),
            ],
            vec![
                "server peak RSS (VmHWM) after".into(),
                mb(peak),
                format!(
                    "< 200 MB: {}",
                    if peak < 200_000_000 { "met" } else { "above" }
                ),
            ],
            vec!["server RSS after".into(), mb(rss_after), String::new()],
            vec![
                "bench client peak RSS (VmHWM)".into(),
                mb(client_peak),
                "(the client streams too)".into(),
            ],
        ],
    );
    Ok(())
}
