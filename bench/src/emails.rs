//! `emails`: `.eml` messages filed through the HTTP API by concurrent clients, each read by
//! the server (headers, attachments, threading, de-duplication check) before it commits,
//! against the same bytes filed as `.txt` documents, which are not read at upload.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::api::Api;
use crate::payload::run_nonce;
use crate::server::Server;
use crate::stats::{Latencies, fig, ms, ratio, table};
use crate::{Env, R, err};

#[derive(clap::Args, Default, Clone, Debug)]
pub struct Args {
    /// Number of messages [default: 3000; quick: 1000].
    #[arg(long)]
    pub count: Option<u64>,
    /// Concurrent clients [default: 16].
    #[arg(long)]
    pub clients: Option<usize>,
}

/// The target of issue 21: emails filed per second with the parse on, on 2 cores.
const TARGET_PER_S: f64 = 300.0;

/// Message `i` of a run: about 3 KB, a reply in a thread of ten, with one small attachment;
/// every message has its own Message-ID, so none is a duplicate.
fn message(nonce: u64, i: u64) -> Vec<u8> {
    let thread = i / 10;
    let reply = if i.is_multiple_of(10) {
        String::new()
    } else {
        format!(
            "In-Reply-To: <m{nonce}-{}@bench.example>\r\nReferences: <m{nonce}-{}@bench.example>\r\n",
            i - 1,
            thread * 10
        )
    };
    let body = "The parties agree to the terms set out in the attached schedule. ".repeat(20);
    let attachment = "U2NoZWR1bGUgb2YgdGVybXMsIGNsYXVzZSBieSBjbGF1c2Uu\r\n".repeat(20);
    format!(
        "From: Alice Partner <alice@firm.example>\r\nTo: Bob Client <bob@client.example>\r\nCc: desk@firm.example\r\nSubject: Re: Matter {thread} schedule\r\nDate: Tue, 1 Dec 2026 10:{:02}:00 +0000\r\nMessage-ID: <m{nonce}-{i}@bench.example>\r\n{reply}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n--B\r\nContent-Type: application/pdf; name=\"schedule {i}.pdf\"\r\nContent-Disposition: attachment; filename=\"schedule {i}.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{attachment}--B--\r\n",
        i % 60
    )
    .into_bytes()
}

struct Measured {
    elapsed: Duration,
    latencies: Latencies,
    count: u64,
}

async fn file_all(
    api: &Api,
    folder: i64,
    nonce: u64,
    count: u64,
    clients: usize,
    extension: &'static str,
) -> R<Measured> {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let api = api.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Latencies::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let bytes = message(nonce, i);
                let len = bytes.len() as u64;
                let t = Instant::now();
                api.upload(
                    folder,
                    &format!("message {i}.{extension}"),
                    bytes.into(),
                    len,
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
    })
}

pub async fn run(env: &Env, args: Args) -> R<()> {
    let count = args.count.unwrap_or(if env.quick { 1000 } else { 3000 });
    let clients = args.clients.unwrap_or(16);
    let tmp = env.tempdir("dossier-bench-emails-")?;
    let data = tmp.path().join("data");
    println!(
        "emails: server {}, scratch {} ({})",
        env.server.display(),
        tmp.path().display(),
        if env.quick { "quick" } else { "full" }
    );
    let server = Server::start(&env.server, &data).await?;
    let api = Api::login(&server.base).await?;
    let workspace = api.create_workspace("bench emails").await?;
    let nonce = run_nonce();
    // Warm the connection pool and start the extraction workers; not measured.
    let warm = api.create_folder(workspace, "warm-up").await?;
    file_all(&api, warm, nonce ^ 0xAAAA, 64, clients, "eml").await?;

    let texts = api.create_folder(workspace, "as text").await?;
    let base = file_all(&api, texts, nonce ^ 0x5555, count, clients, "txt").await?;
    let emails = api.create_folder(workspace, "emails").await?;
    let got = file_all(&api, emails, nonce, count, clients, "eml").await?;
    let per_s = |m: &Measured| m.count as f64 / m.elapsed.as_secs_f64();
    let rows = vec![vec![
        format!("{count} messages, {clients} clients"),
        fig(per_s(&got)),
        ms(got.latencies.percentile_ms(50.0)),
        ms(got.latencies.percentile_ms(99.0)),
        fig(per_s(&base)),
        ratio(per_s(&got), per_s(&base)),
        format!("≥ {TARGET_PER_S}/s"),
        if per_s(&got) >= TARGET_PER_S {
            "met".into()
        } else {
            "NOT MET".into()
        },
    ]];
    table(
        "emails filed over HTTP with the parse on (vs the same bytes filed as .txt, not read at upload)",
        &[
            "run",
            "emails/s",
            "p50 ms",
            "p99 ms",
            ".txt docs/s",
            "eml/txt",
            "target",
            "status",
        ],
        &rows,
    );
    server.stop().await?;
    Ok(())
}
