//! `read`: a library of N documents in folders of 50, filled straight into the server's
//! SQLite database while it is stopped; then profile GETs of random documents and child
//! listings of random folders by 32 concurrent clients over HTTP, against the same lookups
//! made in the bench process (the server's own store calls, and plain SELECTs).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dossier_core::query::{ContainerQuery, DocumentQuery};
use dossier_core::{ContainerId, LibraryId};
use dossier_store::sql::Page;
use futures::future::BoxFuture;
use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Connection};

use crate::api::{Api, LIBRARY, document_number};
use crate::payload::{Payload, Rng, run_nonce};
use crate::seed;
use crate::server::{CpuMeter, Server};
use crate::stats::{Latencies, fig, mb, ms, ratio, table, thousands};
use crate::{Env, R, err};

/// Documents per folder.
const PER_FOLDER: u64 = 50;
/// Documents written per seeding transaction.
const SEED_BATCH: u64 = 100_000;
/// Connections of the in-process baselines: as many as the server's reader pool.
const BASELINE_CONNECTIONS: u32 = 8;

#[derive(clap::Args, Default, Clone, Debug)]
pub struct Args {
    /// Documents in the library [default: 1,000,000; quick: 100,000].
    #[arg(long)]
    pub docs: Option<u64>,
    /// Seconds of each measurement [default: 15; quick: 5].
    #[arg(long)]
    pub seconds: Option<u64>,
    /// Concurrent clients [default: 32].
    #[arg(long)]
    pub clients: Option<usize>,
}

/// Where the seeded documents and folders are.
#[derive(Clone, Copy, Debug)]
struct Layout {
    first_doc: i64,
    docs: u64,
    first_folder: i64,
    folders: u64,
}

impl Layout {
    fn doc(&self, r: u64) -> i64 {
        self.first_doc + (r % self.docs) as i64
    }

    fn folder(&self, r: u64) -> i64 {
        self.first_folder + (r % self.folders) as i64
    }
}

/// How long after the end of a measurement requests still in flight may take to finish;
/// later ones are abandoned and counted as unfinished.
const GRACE: Duration = Duration::from_secs(120);

/// One fixed-duration run of one kind of lookup.
pub(crate) struct Run {
    pub(crate) latencies: Latencies,
    pub(crate) errors: usize,
    first_error: Option<String>,
    /// Requests abandoned at the end of the grace period (their time so far is counted in
    /// the latencies as a lower bound).
    unfinished: usize,
    elapsed: Duration,
}

impl Run {
    /// Completed requests per second.
    pub(crate) fn per_s(&self) -> f64 {
        (self.latencies.count() - self.unfinished) as f64 / self.elapsed.as_secs_f64()
    }
}

/// A lookup: given a random number, make one request.
pub(crate) type Op = Arc<dyn Fn(u64) -> BoxFuture<'static, R<()>> + Send + Sync>;

pub async fn run(env: &Env, args: Args) -> R<()> {
    let docs = args
        .docs
        .unwrap_or(if env.quick { 100_000 } else { 1_000_000 })
        .max(1);
    let seconds = args
        .seconds
        .unwrap_or(if env.quick { 5 } else { 15 })
        .max(1);
    let clients = args.clients.unwrap_or(32).max(1);
    let duration = Duration::from_secs(seconds);
    let tmp = env.tempdir("dossier-bench-read-")?;
    let data = tmp.path().join("data");
    let db = data.join("dossier.db");
    println!(
        "read: {} documents in folders of {PER_FOLDER}, {clients} clients, {seconds} s per measurement, server {}, scratch {}",
        thousands(docs as f64),
        env.server.display(),
        tmp.path().display()
    );

    // 1. A template document uploaded through HTTP, so the seeded rows name a real blob.
    let server = Server::start(&env.server, &data).await?;
    let api = Api::login(&server.base).await?;
    let workspace = api.create_workspace("bench read").await?;
    let template_folder = api.create_folder(workspace, "template").await?;
    let template_payload = Payload::new(4_000, run_nonce());
    let template_doc = document_number(
        &api.upload(
            template_folder,
            "template.txt",
            template_payload.body(0),
            template_payload.len(),
        )
        .await?,
    )?;
    drop(api);
    server.stop().await?;

    // 2. The library filled directly in SQLite.
    let started = Instant::now();
    let layout = seed(&db, docs, template_folder, template_doc).await?;
    let seed_time = started.elapsed();
    let db_size = file_size(&db);
    println!(
        "  seeded {} documents and {} folders in {:.1} s ({} rows/s); database {}",
        thousands(docs as f64),
        thousands(layout.folders as f64),
        seed_time.as_secs_f64(),
        thousands(2.0 * docs as f64 / seed_time.as_secs_f64()),
        mb(db_size)
    );

    // 3. Baselines in this process, with the server stopped.
    let pool = SqlitePoolOptions::new()
        .max_connections(BASELINE_CONNECTIONS)
        .connect_with(SqliteConnectOptions::new().filename(&db))
        .await?;
    let store_url = format!("sqlite://{}", db.display());
    let store = dossier_store::Store::open(&store_url)
        .await
        .map_err(|e| err(e.to_string()))?;
    let library = LibraryId::parse(LIBRARY).map_err(|e| err(e.to_string()))?;

    let mut results: Vec<(&str, &str, Run)> = Vec::new();
    let sql_profile = measure_here(
        "profile GET",
        "SQLite SELECT in bench",
        clients,
        duration,
        sql_profile_op(&pool, layout),
    )
    .await?;
    let store_profile = measure_here(
        "profile GET",
        "dossier-store in bench",
        clients,
        duration,
        store_profile_op(&store, &library, layout),
    )
    .await?;
    let sql_children = measure_here(
        "folder children",
        "SQLite SELECT in bench",
        clients,
        duration,
        sql_children_op(&pool, layout),
    )
    .await?;
    let store_children = measure_here(
        "folder children",
        "dossier-store in bench",
        clients,
        duration,
        store_children_op(&store, &library, layout),
    )
    .await?;
    pool.close().await;
    store.close().await;

    // 4. The server over HTTP.
    let server = Server::start(&env.server, &data).await?;
    let api = Api::login(&server.base).await?;
    sanity_check(&api, layout, template_payload.len()).await?;
    let cpu = CpuMeter::start(&server)?;
    let http_profile = measure(clients, duration, http_op(&api, layout, false)).await?;
    report("profile GET", "HTTP", &http_profile);
    println!("    {} (warm-up included)", cpu.summary());
    let cpu = CpuMeter::start(&server)?;
    let http_children = measure(clients, duration, http_op(&api, layout, true)).await?;
    report("folder children", "HTTP", &http_children);
    println!("    {} (warm-up included)", cpu.summary());
    let rss = server.rss()?;
    let peak = server.peak_rss()?;
    drop(api);
    server.stop().await?;

    let profile_http_rate = http_profile.per_s();
    let children_http_rate = http_children.per_s();
    results.push(("profile GET", "HTTP (server)", http_profile));
    results.push(("profile GET", "dossier-store in bench", store_profile));
    results.push(("profile GET", "SQLite SELECT in bench", sql_profile));
    results.push(("folder children", "HTTP (server)", http_children));
    results.push(("folder children", "dossier-store in bench", store_children));
    results.push(("folder children", "SQLite SELECT in bench", sql_children));

    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|(what, via, r)| {
            let http_rate = if *what == "profile GET" {
                profile_http_rate
            } else {
                children_http_rate
            };
            let is_http = via.starts_with("HTTP");
            let p99 = r.latencies.percentile_ms(99.0);
            let p99_target = if *what == "profile GET" { 10.0 } else { 25.0 };
            let target = if is_http {
                format!(
                    "p99 < {p99_target} ms: {}; ≥ 3,000/s: {}",
                    if p99 < p99_target { "met" } else { "above" },
                    if r.per_s() >= 3000.0 { "met" } else { "below" }
                )
            } else {
                String::new()
            };
            vec![
                what.to_string(),
                via.to_string(),
                thousands(r.latencies.count() as f64),
                fig(r.per_s()),
                ms(r.latencies.percentile_ms(50.0)),
                ms(p99),
                ms(r.latencies.max_ms()),
                if r.unfinished > 0 {
                    format!("{} (+{} unfinished)", r.errors, r.unfinished)
                } else {
                    r.errors.to_string()
                },
                if is_http {
                    "100%".into()
                } else {
                    ratio(http_rate, r.per_s())
                },
                target,
            ]
        })
        .collect();
    table(
        &format!(
            "read summary: {} documents, {} folders of {PER_FOLDER}, {clients} concurrent clients, {seconds} s each",
            thousands(docs as f64),
            thousands(layout.folders as f64)
        ),
        &[
            "lookup",
            "path",
            "completed",
            "req/s",
            "p50 ms",
            "p99 ms",
            "max ms",
            "errors",
            "HTTP req/s vs this",
            "target (DESIGN §6)",
        ],
        &rows,
    );
    println!(
        "in-process baselines use {BASELINE_CONNECTIONS} SQLite connections, like the server's reader pool; the server and the clients share the machine's cores"
    );
    println!(
        "server RSS after the HTTP runs: {} (peak {}); seeding took {:.1} s; database {}",
        mb(rss),
        mb(peak),
        seed_time.as_secs_f64(),
        mb(db_size)
    );
    Ok(())
}

pub(crate) fn file_size(db: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
        .map(|m| m.len())
        .sum()
}

pub(crate) fn report(what: &str, via: &str, r: &Run) {
    println!(
        "  {what:<16} {via:<24} {:>9} req/s  p50 {:>7} ms  p99 {:>7} ms  ({} requests in {:.1} s, {} errors{})",
        fig(r.per_s()),
        ms(r.latencies.percentile_ms(50.0)),
        ms(r.latencies.percentile_ms(99.0)),
        thousands(r.latencies.count() as f64),
        r.elapsed.as_secs_f64(),
        r.errors,
        if r.unfinished > 0 {
            format!(
                ", {} unfinished after the {} s grace period",
                r.unfinished,
                GRACE.as_secs()
            )
        } else {
            String::new()
        }
    );
    if let Some(e) = &r.first_error {
        println!("    first error: {e}");
    }
}

/// Writes `docs` documents (copies of the template's row, version 1, latest), their home
/// filings in new folders of 50 (copies of the template folder, in the same workspace),
/// and advances the library's numbering past them. Large transactions, no HTTP.
async fn seed(db: &Path, docs: u64, template_folder: i64, template_doc: i64) -> R<Layout> {
    let mut conn = seed::open(db).await?;
    let (first_doc, first_folder) = seed::next_numbers(&mut conn).await?;
    let folders = docs.div_ceil(PER_FOLDER);
    let layout = Layout {
        first_doc,
        docs,
        first_folder,
        folders,
    };
    let doc_cols = seed::columns(&mut conn, "documents").await?;
    let container_cols = seed::columns(&mut conn, "containers").await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);

    let mut tx = conn.begin().await?;
    let folder_select = seed::select_list(
        &container_cols,
        &[
            ("number", format!("{first_folder} + seq.i")),
            (
                "name",
                format!("'bench folder ' || ({first_folder} + seq.i)"),
            ),
        ],
    );
    let folder_sql = format!(
        "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < {folders}) \
         INSERT INTO containers ({}) SELECT {folder_select} FROM seq, containers t \
         WHERE t.library = '{LIBRARY}' AND t.number = {template_folder}",
        container_cols.join(", ")
    );
    let n = sqlx::query(AssertSqlSafe(folder_sql))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n != folders {
        return Err(err(format!(
            "seeding wrote {n} folders instead of {folders}"
        )));
    }
    tx.commit().await?;

    let doc_select = seed::select_list(
        &doc_cols,
        &[
            ("number", format!("{first_doc} + seq.i")),
            ("version", "1".into()),
            ("is_latest", "1".into()),
            (
                "name",
                format!("'bench document ' || ({first_doc} + seq.i)"),
            ),
        ],
    );
    let mut done = 0u64;
    let started = Instant::now();
    while done < docs {
        let end = (done + SEED_BATCH).min(docs);
        let seq = format!(
            "WITH RECURSIVE seq(i) AS (SELECT {done} UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < {end}) "
        );
        let mut tx = conn.begin().await?;
        let n = sqlx::query(AssertSqlSafe(format!(
            "{seq}INSERT INTO documents ({}) SELECT {doc_select} FROM seq, documents t \
             WHERE t.library = '{LIBRARY}' AND t.number = {template_doc} AND t.version = 1",
            doc_cols.join(", ")
        )))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != end - done {
            return Err(err(format!(
                "seeding wrote {n} documents instead of {}",
                end - done
            )));
        }
        sqlx::query(AssertSqlSafe(format!(
            "{seq}INSERT INTO filings (library, folder, document, is_reference, filed_at) \
             SELECT '{LIBRARY}', {first_folder} + i / {PER_FOLDER}, {first_doc} + i, 0, {now} FROM seq"
        )))
        .execute(&mut *tx)
        .await?;
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE libraries SET next_document = {first_doc} + {end}, next_container = {} WHERE id = '{LIBRARY}'",
            first_folder + folders as i64
        )))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        done = end;
        if docs > SEED_BATCH {
            println!(
                "    {} / {} documents ({:.1} s)",
                thousands(done as f64),
                thousands(docs as f64),
                started.elapsed().as_secs_f64()
            );
        }
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(layout)
}

/// Runs `op` from `clients` concurrent workers for `duration`, after a one-second warm-up.
pub(crate) async fn measure(clients: usize, duration: Duration, op: Op) -> R<Run> {
    drive(clients, Duration::from_secs(1), op.clone()).await?;
    drive(clients, duration, op).await
}

/// `measure` of an in-process baseline; reports it with the bench process's CPU use.
pub(crate) async fn measure_here(
    what: &str,
    via: &str,
    clients: usize,
    duration: Duration,
    op: Op,
) -> R<Run> {
    drive(clients, Duration::from_secs(1), op.clone()).await?;
    let cpu = CpuMeter::own()?;
    let run = drive(clients, duration, op).await?;
    let cpu = cpu.summary();
    report(what, via, &run);
    println!("    {cpu}");
    Ok(run)
}

async fn drive(clients: usize, duration: Duration, op: Op) -> R<Run> {
    let started = Instant::now();
    let deadline = started + duration;
    let hard_stop = tokio::time::Instant::from_std(deadline + GRACE);
    let seed = run_nonce();
    let mut tasks = Vec::new();
    for w in 0..clients {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(seed ^ ((w as u64 + 1) << 40));
            let mut lat = Latencies::default();
            let mut errors = 0usize;
            let mut unfinished = 0usize;
            let mut first_error = None;
            while Instant::now() < deadline {
                let r = rng.next_u64();
                let t = Instant::now();
                match tokio::time::timeout_at(hard_stop, op(r)).await {
                    Ok(Ok(())) => lat.push(t.elapsed()),
                    Ok(Err(e)) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| e.to_string());
                    }
                    Err(_) => {
                        unfinished += 1;
                        lat.push(t.elapsed());
                        break;
                    }
                }
            }
            (lat, errors, unfinished, first_error)
        }));
    }
    let mut run = Run {
        latencies: Latencies::default(),
        errors: 0,
        first_error: None,
        unfinished: 0,
        elapsed: Duration::ZERO,
    };
    for t in tasks {
        let (lat, errors, unfinished, first) = t.await.map_err(|e| err(e.to_string()))?;
        run.latencies.extend(lat);
        run.errors += errors;
        run.unfinished += unfinished;
        if run.first_error.is_none() {
            run.first_error = first;
        }
    }
    run.elapsed = started.elapsed();
    Ok(run)
}

fn http_op(api: &Api, layout: Layout, children: bool) -> Op {
    let api = api.clone();
    Arc::new(move |r| {
        let api = api.clone();
        let path = if children {
            format!("/folders/{LIBRARY}!{}/children", layout.folder(r))
        } else {
            format!("/documents/{LIBRARY}!{}", layout.doc(r))
        };
        Box::pin(async move {
            let resp = api.get(&path).send().await?;
            let status = resp.status();
            let body = resp.bytes().await?;
            if !status.is_success() {
                return Err(err(format!(
                    "GET {path}: HTTP {status}: {}",
                    String::from_utf8_lossy(&body)
                )));
            }
            Ok(())
        })
    })
}

/// The latest version's row, as the profile GET needs it.
fn sql_profile_op(pool: &SqlitePool, layout: Layout) -> Op {
    let pool = pool.clone();
    Arc::new(move |r| {
        let pool = pool.clone();
        let n = layout.doc(r);
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT * FROM documents WHERE library = ?1 AND number = ?2 AND is_latest = 1",
            )
            .bind(LIBRARY)
            .bind(n)
            .fetch_all(&pool)
            .await?;
            if rows.len() != 1 {
                return Err(err(format!("document {n}: {} rows", rows.len())));
            }
            Ok(())
        })
    })
}

/// The 50 latest-version rows filed in a folder, through the filings index: the plain
/// indexed lookup, whatever plan the server's own query gets.
fn sql_children_op(pool: &SqlitePool, layout: Layout) -> Op {
    let pool = pool.clone();
    Arc::new(move |r| {
        let pool = pool.clone();
        let f = layout.folder(r);
        Box::pin(async move {
            // CROSS JOIN keeps filings as the outer loop: the folder's index range, then one
            // primary-key probe per document.
            let rows = sqlx::query(
                "SELECT d.* FROM filings f CROSS JOIN documents d \
                 ON d.library = f.library AND d.number = f.document AND d.is_latest = 1 \
                 WHERE f.library = ?1 AND f.folder = ?2 ORDER BY f.document LIMIT 500",
            )
            .bind(LIBRARY)
            .bind(f)
            .fetch_all(&pool)
            .await?;
            if rows.is_empty() {
                return Err(err(format!("folder {f}: no rows")));
            }
            Ok(())
        })
    })
}

/// The store calls the server makes for a profile GET (load, then the view's decorations).
fn store_profile_op(store: &dossier_store::Store, library: &LibraryId, layout: Layout) -> Op {
    let store = store.clone();
    let library = library.clone();
    Arc::new(move |r| {
        let store = store.clone();
        let library = library.clone();
        let n = layout.doc(r);
        Box::pin(async move {
            let mut conn = store.read().await.map_err(|e| err(e.to_string()))?;
            let doc = dossier_store::documents::get_latest(&mut conn, &library, n)
                .await
                .map_err(|e| err(e.to_string()))?
                .ok_or_else(|| err(format!("document {n} not found")))?;
            let numbers = [doc.id.number];
            dossier_store::documents::checkouts_for(&mut conn, &library, &numbers)
                .await
                .map_err(|e| err(e.to_string()))?;
            dossier_store::documents::home_workspaces(&mut conn, &library, &numbers)
                .await
                .map_err(|e| err(e.to_string()))?;
            dossier_store::documents::latest_versions(&mut conn, &library, &numbers)
                .await
                .map_err(|e| err(e.to_string()))?;
            Ok(())
        })
    })
}

/// The store calls the server makes for a folder's children: the folder, its subfolders,
/// the page of documents filed in it with their total, and the view's decorations.
fn store_children_op(store: &dossier_store::Store, library: &LibraryId, layout: Layout) -> Op {
    let store = store.clone();
    let library = library.clone();
    Arc::new(move |r| {
        let store = store.clone();
        let library = library.clone();
        let f = layout.folder(r);
        Box::pin(async move {
            let e = |e: dossier_core::DomainError| err(e.to_string());
            let id = ContainerId::new(library.clone(), f);
            let mut conn = store.read().await.map_err(e)?;
            dossier_store::containers::get(&mut conn, &id)
                .await
                .map_err(e)?
                .ok_or_else(|| err(format!("folder {f} not found")))?;
            dossier_store::containers::search(
                &mut conn,
                &library,
                &ContainerQuery {
                    parent: Some(f),
                    ..Default::default()
                },
                None,
                Page {
                    limit: 10_000,
                    offset: 0,
                    after: None,
                    want_total: true,
                },
            )
            .await
            .map_err(e)?;
            let (docs, _) = dossier_store::documents::search(
                &mut conn,
                &library,
                &DocumentQuery {
                    folders: Some(vec![f]),
                    ..Default::default()
                },
                None,
                Page {
                    limit: 500,
                    offset: 0,
                    after: None,
                    want_total: true,
                },
            )
            .await
            .map_err(e)?;
            if docs.is_empty() {
                return Err(err(format!("folder {f}: no documents")));
            }
            let numbers: Vec<i64> = docs.iter().map(|d| d.id.number).collect();
            dossier_store::documents::checkouts_for(&mut conn, &library, &numbers)
                .await
                .map_err(e)?;
            dossier_store::documents::home_workspaces(&mut conn, &library, &numbers)
                .await
                .map_err(e)?;
            dossier_store::documents::latest_versions(&mut conn, &library, &numbers)
                .await
                .map_err(e)?;
            Ok(())
        })
    })
}

/// One profile, one listing and one download of seeded documents, checked for shape.
async fn sanity_check(api: &Api, layout: Layout, content_len: u64) -> R<()> {
    let last = layout.first_doc + layout.docs as i64 - 1;
    let v: Value = serde_json::from_str(
        &api.get(&format!("/documents/{LIBRARY}!{last}"))
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?,
    )?;
    let id = v
        .pointer("/data/id")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    let folder = layout.first_folder;
    let list: Value = serde_json::from_str(
        &api.get(&format!("/folders/{LIBRARY}!{folder}/children"))
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?,
    )?;
    let items = list
        .get("data")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let bytes = api
        .get(&format!("/documents/{LIBRARY}!{last}/download"))
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    println!(
        "  check: GET document {id} ok; folder {LIBRARY}!{folder} lists {items} items; download of a seeded document: {} bytes (template {content_len})",
        bytes.len()
    );
    if items as u64 != PER_FOLDER.min(layout.docs) || bytes.len() as u64 != content_len {
        println!("  warning: the seeded library does not look as expected");
    }
    Ok(())
}
