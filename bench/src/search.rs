//! `search`: full-text search at scale as a non-admin who reads about 5% of the library,
//! against SQLite FTS5 over the same corpus and visibility (issue "Search", docs/targets.md).
//!
//! 1. Through HTTP: a template workspace, folder and document, groups `G0`…`G19`, and
//!    `BENCHUSER`, a member of `G0`.
//! 2. Straight into SQLite and the content store (server stopped): the matters of a
//!    synthetic legal corpus (`corpus.rs`) as private workspaces, each with one folder and
//!    one trustee entry for the group `G{hash(matter) % 20}`, so BENCHUSER reads one matter
//!    in twenty; client and matter lookups; N documents and emails. Each item's text is
//!    both its content blob (`text/plain`) and its cached extraction (`extracted_text`,
//!    pointing at the same hash), so `dossier reindex` finds every document's text without
//!    an extractor.
//! 3. The baseline: a separate SQLite file with an FTS5 table over the same names and texts,
//!    read back from the same database and content store, and a table of the metadata the
//!    queries filter on. BENCHUSER's readable ACL keys, computed from the seed's rules, are
//!    a table the queries join.
//! 4. `dossier reindex`: wall time, documents per second and peak RSS.
//! 5. The server as BENCHUSER: rare-term, common-term, phrase, field-filtered and faceted
//!    queries, each as a top-50 page with an exact count (facets: counts only), by 1 and by
//!    `--clients` concurrent clients, next to the same queries over FTS5 in this process.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Connection, QueryBuilder, Row, Sqlite};

use crate::api::{Api, LIBRARY, document_number};
use crate::corpus::{Corpus, Item, RARE, RARE_EVERY, mix};
use crate::read::{Op, Run, file_size, measure, measure_here, report};
use crate::seed::{self, exec};
use crate::server::{ADMIN_PASSWORD, CpuMeter, Server, run_command};
use crate::stats::{fig, mb, ms, table, thousands};
use crate::{Env, R, err};

const USER: &str = "BENCHUSER";
const PASSWORD: &str = "bench-user-password-1";
/// Each matter is shared with one of this many groups; BENCHUSER is in one of them.
const GROUPS: u64 = 20;
/// Matters per client.
const MATTERS_PER_CLIENT: u64 = 20;
/// Items generated and written per seeding transaction.
const SEED_BATCH: u64 = 20_000;
/// Rows per multi-row INSERT into the staging table (16 parameters each, under SQLite's
/// limit of 32,766).
const STAGE_CHUNK: usize = 1_000;
/// Connections of the FTS5 baseline: as many as the server's reader pool.
const BASELINE_CONNECTIONS: u32 = 8;
/// Results per page, as a client would ask.
const PAGE: &str = "50";

/// Query terms of each kind; a request picks one at random, so no single posting list
/// stays hot in a cache.
const COMMON: &[&str] = &[
    "agreement",
    "party",
    "court",
    "notice",
    "claim",
    "payment",
    "contract",
    "section",
    "breach",
    "liability",
];
const PHRASES: &[&str] = &[
    "\"force majeure\"",
    "\"time is of the essence\"",
    "\"without prejudice\"",
    "\"exclusive jurisdiction\"",
    "\"conditions precedent\"",
    "\"hold harmless\"",
    "\"fraudulent misrepresentation\"",
    "\"successors in title\"",
];

#[derive(clap::Args, Default, Clone, Debug)]
pub struct Args {
    /// Documents and emails [default: 1,000,000; quick: 100,000].
    #[arg(long)]
    pub docs: Option<u64>,
    /// Matters (workspaces), 20 per client [default: 10,000; quick: 2,000].
    #[arg(long)]
    pub matters: Option<u64>,
    /// Seconds of each measurement [default: 15; quick: 5].
    #[arg(long)]
    pub seconds: Option<u64>,
    /// Concurrent clients of the second round (the first has one) [default: 8].
    #[arg(long)]
    pub clients: Option<usize>,
    /// A scratch directory an earlier run kept (`--keep`): skip the seeding and the FTS5
    /// build and use what it left (its `seeded.json` gives the seed and the FTS5 build time).
    #[arg(long)]
    pub reuse: Option<PathBuf>,
    /// Skip `dossier reindex` and query the index already in the data directory (with
    /// `--reuse`: to measure queries again after a change to the query path only).
    #[arg(long, requires = "reuse")]
    pub skip_reindex: bool,
}

/// What a kept scratch directory records of its seeding, for `--reuse`.
#[derive(Clone, Copy, Debug)]
struct Seeded {
    library: Library,
    docs: u64,
    matters: u64,
    text_bytes: u64,
    seed_seconds: f64,
    fts_build_seconds: f64,
}

impl Seeded {
    const FILE: &str = "seeded.json";

    fn save(&self, dir: &Path) -> R<()> {
        let l = self.library;
        let v = json!({
            "docs": self.docs, "matters": self.matters, "text_bytes": self.text_bytes,
            "seed_seconds": self.seed_seconds, "fts_build_seconds": self.fts_build_seconds,
            "first_doc": l.first_doc, "first_ws": l.first_ws, "first_folder": l.first_folder,
        });
        std::fs::write(dir.join(Self::FILE), v.to_string())?;
        Ok(())
    }

    fn load(dir: &Path) -> R<Seeded> {
        let path = dir.join(Self::FILE);
        let v: Value = serde_json::from_slice(&std::fs::read(&path)?)?;
        let int = |k: &str| {
            v[k].as_i64()
                .ok_or_else(|| err(format!("{}: no '{k}'", path.display())))
        };
        let float = |k: &str| {
            v[k].as_f64()
                .ok_or_else(|| err(format!("{}: no '{k}'", path.display())))
        };
        let docs = int("docs")? as u64;
        Ok(Seeded {
            library: Library {
                first_doc: int("first_doc")?,
                docs,
                first_ws: int("first_ws")?,
                first_folder: int("first_folder")?,
            },
            docs,
            matters: int("matters")? as u64,
            text_bytes: int("text_bytes")? as u64,
            seed_seconds: float("seed_seconds")?,
            fts_build_seconds: float("fts_build_seconds")?,
        })
    }
}

/// Where the seeded rows are, and who may read them.
#[derive(Clone, Copy, Debug)]
struct Library {
    first_doc: i64,
    docs: u64,
    first_ws: i64,
    first_folder: i64,
}

impl Library {
    fn number(&self, index: u64) -> i64 {
        self.first_doc + index as i64
    }

    fn workspace(&self, matter: usize) -> i64 {
        self.first_ws + matter as i64
    }

    fn folder(&self, matter: usize) -> i64 {
        self.first_folder + matter as i64
    }

    /// The ACL key governing a matter's workspace and all it holds (container n → 2n).
    fn acl(&self, matter: usize) -> i64 {
        self.workspace(matter) * 2
    }
}

/// The group a matter is shared with.
fn group_of(matter: usize) -> u64 {
    mix(matter as u64 ^ 0x5eed_9a0c) % GROUPS
}

/// Whether BENCHUSER (a member of G0 only) may read a matter, by the seed's own rule.
fn readable(matter: usize) -> bool {
    group_of(matter) == 0
}

pub async fn run(env: &Env, args: Args) -> R<()> {
    let q = env.quick;
    let seconds = args.seconds.unwrap_or(if q { 5 } else { 15 }).max(1);
    let clients = args.clients.unwrap_or(8).max(1);
    let duration = Duration::from_secs(seconds);
    let (_scratch, dir) = match &args.reuse {
        Some(dir) => (None, dir.clone()),
        None => {
            let t = env.tempdir("dossier-bench-search-")?;
            let dir = t.path().to_path_buf();
            (Some(t), dir)
        }
    };
    let data = dir.join("data");
    let fts_path = dir.join("fts5.db");
    let seeded = match &args.reuse {
        Some(_) => {
            let s = Seeded::load(&dir)?;
            println!(
                "search: reusing {} (seeded with {} items in {:.1} s; FTS5 built in {:.1} s in that run)",
                dir.display(),
                thousands(s.docs as f64),
                s.seed_seconds,
                s.fts_build_seconds
            );
            s
        }
        None => {
            let docs = args
                .docs
                .unwrap_or(if q { 100_000 } else { 1_000_000 })
                .max(1);
            let matters = args
                .matters
                .unwrap_or(if q { 2_000 } else { 10_000 })
                .max(1);
            seed_and_baseline(env, &dir, docs, matters).await?
        }
    };
    let docs = seeded.docs;
    let fts_build = seeded.fts_build_seconds;
    let corpus = Arc::new(Corpus::new(
        seeded.matters.div_ceil(MATTERS_PER_CLIENT) as usize,
        seeded.matters as usize,
    ));
    println!(
        "search: {} documents and emails in {} matters of {} clients, {clients} clients, {seconds} s per measurement, scratch {}",
        thousands(docs as f64),
        thousands(corpus.matters.len() as f64),
        thousands(corpus.clients.len() as f64),
        dir.display()
    );
    let expected_rare = (0..docs)
        .filter(|i| readable(corpus.matter_of(*i)) && Corpus::carries_rare(*i, 0))
        .count() as i64;
    let visible = (0..docs).filter(|i| readable(corpus.matter_of(*i))).count();
    println!(
        "  BENCHUSER may read {} of {} matters and {} of {} items ({:.1}%) by the seed's rules",
        (0..corpus.matters.len()).filter(|m| readable(*m)).count(),
        corpus.matters.len(),
        thousands(visible as f64),
        thousands(docs as f64),
        100.0 * visible as f64 / docs as f64
    );
    let fts = open_fts5(&fts_path).await?;

    // 4. The server's own full reindex.
    let reindex = if args.skip_reindex {
        println!("  dossier reindex: skipped (--skip-reindex), querying the index already there");
        None
    } else {
        println!("  dossier reindex …");
        Some(run_command(&env.server, "reindex", &data, &[]).await?)
    };
    if let Some(reindex) = &reindex {
        println!(
            "  dossier reindex: {} in {:.1} s, peak RSS {} (anonymous {}): {}",
            if reindex.success { "ok" } else { "FAILED" },
            reindex.elapsed.as_secs_f64(),
            mb(reindex.peak_rss),
            mb(reindex.peak_anon),
            reindex.stdout.trim()
        );
        if !reindex.success {
            println!(
                "  warning: dossier reindex failed; its log ({}) ends:\n{}",
                reindex.log.display(),
                tail(&reindex.log, 10)
            );
        }
    }
    let indexed = reindex.as_ref().is_none_or(|r| r.success);

    // 5. Queries as BENCHUSER, over HTTP and over FTS5.
    let server = Server::start(&env.server, &data).await?;
    let user = Api::login_as(&server.base, USER, PASSWORD, "user").await?;
    let readable_clients: Vec<String> = corpus
        .matters
        .iter()
        .enumerate()
        .filter(|(m, _)| readable(*m))
        .map(|(_, m)| corpus.clients[m.client].alias.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let pools = Arc::new(Pools {
        clients: readable_clients,
    });
    check_counts(&user, &fts, &pools, expected_rare).await?;

    let mut rows = Vec::new();
    let mut concurrencies = vec![1];
    if clients > 1 {
        concurrencies.push(clients);
    }
    for kind in Kind::ALL {
        for &c in &concurrencies {
            let cpu = CpuMeter::start(&server)?;
            let http = measure(c, duration, http_op(&user, &pools, kind)).await?;
            report(kind.name(), &format!("HTTP, {c} client(s)"), &http);
            println!("    {}", cpu.summary());
            let base = measure_here(
                kind.name(),
                &format!("FTS5, {c} client(s)"),
                c,
                duration,
                fts_op(&fts, &pools, kind),
            )
            .await?;
            rows.push(query_row(kind, c, &http, &base, indexed));
        }
    }
    let idle_rss = server.rss()?;
    let peak_rss = server.peak_rss()?;
    drop(user);
    server.stop().await?;
    fts.close().await;

    table(
        &format!(
            "search summary: {} items, BENCHUSER reads {:.1}%, 1 and {clients} concurrent clients, {seconds} s each",
            thousands(docs as f64),
            100.0 * visible as f64 / docs as f64
        ),
        &[
            "query",
            "clients",
            "HTTP req/s",
            "p50 ms",
            "p99 ms",
            "errors",
            "FTS5 q/s",
            "FTS5 p50",
            "FTS5 p99",
            "p50 vs FTS5",
            "p99 vs FTS5",
            "target p50 < 20, p99 < 100 ms",
        ],
        &rows,
    );
    let reindex_row = match &reindex {
        None => vec!["dossier reindex".into(), "skipped".into()],
        Some(r) if !r.success => vec!["dossier reindex".into(), "failed".into()],
        Some(r) => {
            let rate = docs as f64 / r.elapsed.as_secs_f64();
            vec![
                "dossier reindex".into(),
                format!("{:.1}", r.elapsed.as_secs_f64()),
                thousands(rate),
                format!("{} (anon. {})", mb(r.peak_rss), mb(r.peak_anon)),
                times(r.elapsed.as_secs_f64(), fts_build),
                format!(
                    "1M < 15 min: {}; RSS < 2 GB: {}",
                    met(rate * 900.0 >= 1e6),
                    met(r.peak_rss < 2_000_000_000)
                ),
            ]
        }
    };
    table(
        "reindex summary",
        &[
            "build", "seconds", "docs/s", "peak RSS", "vs FTS5", "target",
        ],
        &[
            reindex_row,
            vec![
                if args.reuse.is_some() {
                    "FTS5 build (baseline, seeding run)".into()
                } else {
                    "FTS5 build (baseline)".into()
                },
                format!("{fts_build:.1}"),
                thousands(docs as f64 / fts_build),
                "(in bench)".into(),
                "1×".into(),
                String::new(),
            ],
        ],
    );
    println!(
        "server RSS after the queries: {} (peak {}); the FTS5 baseline runs in the bench process over {BASELINE_CONNECTIONS} connections; the server and the clients share the machine's cores",
        mb(idle_rss),
        mb(peak_rss)
    );
    Ok(())
}

/// Steps 1–3: identity and templates through HTTP, the library straight into SQLite and the
/// content store, and the FTS5 baseline over the same texts; recorded in `dir` for `--reuse`.
async fn seed_and_baseline(env: &Env, dir: &Path, docs: u64, matters: u64) -> R<Seeded> {
    let data = dir.join("data");
    let corpus = Arc::new(Corpus::new(
        matters.div_ceil(MATTERS_PER_CLIENT) as usize,
        matters as usize,
    ));
    let template = setup(&env.server, &data).await?;
    let started = Instant::now();
    let (library, text_bytes) = seed_library(&data, &corpus, docs, template).await?;
    let seed_seconds = started.elapsed().as_secs_f64();
    println!(
        "  seeded {} items ({} of text) in {seed_seconds:.1} s ({} items/s)",
        thousands(docs as f64),
        mb(text_bytes),
        thousands(docs as f64 / seed_seconds)
    );
    let fts_path = dir.join("fts5.db");
    let started = Instant::now();
    build_fts5(&fts_path, &data, &corpus, library).await?;
    let fts_build_seconds = started.elapsed().as_secs_f64();
    println!(
        "  FTS5 baseline built in {fts_build_seconds:.1} s ({} docs/s), {}",
        thousands(docs as f64 / fts_build_seconds),
        mb(file_size(&fts_path))
    );
    let seeded = Seeded {
        library,
        docs,
        matters,
        text_bytes,
        seed_seconds,
        fts_build_seconds,
    };
    seeded.save(dir)?;
    Ok(seeded)
}

/// The template rows the seeded ones copy.
#[derive(Clone, Copy)]
struct Template {
    workspace: i64,
    folder: i64,
    document: i64,
}

/// Makes the template workspace, folder and document, the groups and BENCHUSER through
/// HTTP, then stops the server.
async fn setup(bin: &Path, data: &Path) -> R<Template> {
    let server = Server::start(bin, data).await?;
    let admin = Api::login_as(&server.base, "admin", ADMIN_PASSWORD, "admin").await?;
    let workspace = admin.create_workspace("bench search template").await?;
    let folder = admin.create_folder(workspace, "template").await?;
    // A body of no corpus word, so the template matches no query.
    let body = "qqqq\n";
    let document = document_number(
        &admin
            .upload(folder, "template.txt", body.into(), body.len() as u64)
            .await?,
    )?;
    for g in 0..GROUPS {
        post(&admin, "/groups", json!({"id": format!("G{g}")})).await?;
    }
    post(
        &admin,
        "/users",
        json!({"id": USER, "password": PASSWORD, "libraries": [LIBRARY]}),
    )
    .await?;
    post(
        &admin,
        "/groups/members",
        json!({"changes": [{"group": "G0", "action": "add", "users": [USER]}]}),
    )
    .await?;
    drop(admin);
    server.stop().await?;
    Ok(Template {
        workspace,
        folder,
        document,
    })
}

async fn post(api: &Api, path: &str, body: Value) -> R<()> {
    let resp = api.customer(Method::POST, path).json(&body).send().await?;
    if !resp.status().is_success() {
        let status = resp.status();
        return Err(err(format!(
            "POST {path}: HTTP {status}: {}",
            resp.text().await?
        )));
    }
    Ok(())
}

/// One generated item as the rows of the database need it (its text is already a blob).
struct Staged {
    number: i64,
    name: String,
    doc_type: &'static str,
    extension: &'static str,
    email: Option<(String, String)>,
    edited: i64,
    hash: String,
    size: i64,
    workspace: i64,
    folder: i64,
    acl: i64,
    c1: String,
    c2: String,
    /// The item's text: its content, and the extracted text cached for it.
    text: String,
}

/// Writes the matters (workspaces, folders, trustees, lookups), then the items in batches:
/// each batch is generated and its texts written as blobs on a blocking thread while the
/// previous batch's rows go into SQLite. Returns the layout and the bytes of text.
async fn seed_library(
    data: &Path,
    corpus: &Arc<Corpus>,
    docs: u64,
    template: Template,
) -> R<(Library, u64)> {
    let mut conn = seed::open(&data.join("dossier.db")).await?;
    let (first_doc, first_ws) = seed::next_numbers(&mut conn).await?;
    let library = Library {
        first_doc,
        docs,
        first_ws,
        first_folder: first_ws + corpus.matters.len() as i64,
    };
    seed_matters(&mut conn, corpus, library, template).await?;

    let blobs = data.join("content").join("blobs");
    let d_cols = seed::columns(&mut conn, "documents").await?;
    exec(
        &mut conn,
        "CREATE TEMP TABLE staged (number, name, doc_type, extension, wstype, email_from, \
         email_to, edited, hash, size, workspace, folder, acl, c1, c2, format, text)"
            .into(),
    )
    .await?;
    let started = Instant::now();
    let mut text_bytes = 0u64;
    let generate = |from: u64| {
        let corpus = corpus.clone();
        let blobs = blobs.clone();
        tokio::task::spawn_blocking(move || {
            generate_batch(
                &corpus,
                library,
                &blobs,
                from,
                (from + SEED_BATCH).min(docs),
            )
        })
    };
    let mut next = Some(generate(0));
    let mut at = 0;
    while let Some(batch) = next.take() {
        let batch = batch.await.map_err(|e| err(e.to_string()))??;
        let end = at + batch.len() as u64;
        if end < docs {
            next = Some(generate(end));
        }
        text_bytes += batch.iter().map(|s| s.size as u64).sum::<u64>();
        insert_batch(&mut conn, &d_cols, template, &batch).await?;
        at = end;
        if docs > SEED_BATCH && at % (10 * SEED_BATCH) == 0 {
            println!(
                "    {} / {} items ({:.1} s)",
                thousands(at as f64),
                thousands(docs as f64),
                started.elapsed().as_secs_f64()
            );
        }
    }
    sqlx::query("UPDATE libraries SET next_document = ?1, next_container = ?2 WHERE id = ?3")
        .bind(first_doc + docs as i64)
        .bind(library.first_folder + corpus.matters.len() as i64)
        .bind(LIBRARY)
        .execute(&mut conn)
        .await?;
    exec(&mut conn, "ANALYZE".into()).await?;
    exec(&mut conn, "PRAGMA wal_checkpoint(TRUNCATE)".into()).await?;
    conn.close().await?;
    Ok((library, text_bytes))
}

/// Each matter as a private workspace (with its trustee entry) holding one inheriting
/// folder; each client and matter as a custom1 / custom2 lookup, for facet descriptions.
async fn seed_matters(
    conn: &mut SqliteConnection,
    corpus: &Corpus,
    library: Library,
    template: Template,
) -> R<()> {
    let c_cols = seed::columns(conn, "containers").await?;
    let container = |parent: &str, security: &str| {
        let select = seed::select_list(
            &c_cols,
            &[
                ("number", "?1".into()),
                ("workspace", "?2".into()),
                ("parent", parent.into()),
                ("name", "?3".into()),
                ("default_security", format!("'{security}'")),
                ("acl", "?2 * 2".into()),
                ("c1", "?4".into()),
                ("c2", "?5".into()),
            ],
        );
        format!(
            "INSERT INTO containers ({}) SELECT {select} FROM containers t WHERE t.library = '{LIBRARY}' AND t.number = ?6",
            c_cols.join(", ")
        )
    };
    let workspace_sql = container("NULL", "private");
    let folder_sql = container("?2", "inherit");
    let mut tx = conn.begin().await?;
    for c in &corpus.clients {
        sqlx::query("INSERT OR IGNORE INTO lookups (library, field, parent_alias, alias, description) VALUES (?1, 1, '', ?2, ?3)")
            .bind(LIBRARY)
            .bind(&c.alias)
            .bind(&c.name)
            .execute(&mut *tx)
            .await?;
    }
    for (i, m) in corpus.matters.iter().enumerate() {
        let client = &corpus.clients[m.client].alias;
        let ws = library.workspace(i);
        for (sql, number, name, t) in [
            (
                &workspace_sql,
                ws,
                m.description.as_str(),
                template.workspace,
            ),
            (&folder_sql, library.folder(i), "Documents", template.folder),
        ] {
            sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(number)
                .bind(ws)
                .bind(name)
                .bind(client)
                .bind(&m.alias)
                .bind(t)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO trustees (library, object_kind, object_number, trustee_type, trustee_id, access) VALUES (?1, 'container', ?2, 'group', ?3, 2)")
            .bind(LIBRARY)
            .bind(ws)
            .bind(format!("G{}", group_of(i)))
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT OR IGNORE INTO lookups (library, field, parent_alias, alias, description) VALUES (?1, 2, ?2, ?3, ?4)")
            .bind(LIBRARY)
            .bind(client)
            .bind(&m.alias)
            .bind(&m.description)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Generates items `from..to` and writes each text as a content blob (not fsync'd: this is
/// set-up, not the measurement). Runs on a blocking thread.
fn generate_batch(
    corpus: &Corpus,
    library: Library,
    blobs: &Path,
    from: u64,
    to: u64,
) -> R<Vec<Staged>> {
    (from..to)
        .map(|index| {
            let item = corpus.item(index);
            let hash = blake3::hash(item.text.as_bytes()).to_hex().to_string();
            write_blob(blobs, &hash, item.text.as_bytes())?;
            Ok(staged(corpus, library, item, hash))
        })
        .collect()
}

/// `<content>/blobs/<h[0..2]>/<h[2..4]>/<h>`, the content store's layout.
fn write_blob(blobs: &Path, hash: &str, bytes: &[u8]) -> R<()> {
    let path = blobs.join(&hash[0..2]).join(&hash[2..4]).join(hash);
    match std::fs::write(&path, bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(path.parent().unwrap_or(blobs))?;
            std::fs::write(&path, bytes)?;
        }
        other => other?,
    }
    Ok(())
}

fn staged(corpus: &Corpus, library: Library, item: Item, hash: String) -> Staged {
    let m = &corpus.matters[item.matter];
    let (doc_type, extension) = item.doc_type();
    Staged {
        number: library.number(item.index),
        doc_type,
        extension,
        edited: item.edited,
        size: item.text.len() as i64,
        hash,
        workspace: library.workspace(item.matter),
        folder: library.folder(item.matter),
        acl: library.acl(item.matter),
        c1: corpus.clients[m.client].alias.clone(),
        c2: m.alias.clone(),
        email: item.email.map(|e| (e.from, e.to)),
        name: item.name,
        text: item.text,
    }
}

/// One transaction: the batch into the staging table, then documents, home filings,
/// blob records and cached extractions from it.
async fn insert_batch(
    conn: &mut SqliteConnection,
    d_cols: &[String],
    template: Template,
    batch: &[Staged],
) -> R<()> {
    let mut tx = conn.begin().await?;
    for chunk in batch.chunks(STAGE_CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO staged (number, name, doc_type, extension, wstype, email_from, email_to, \
             edited, hash, size, workspace, folder, acl, c1, c2, format, text) ",
        );
        q.push_values(chunk, |mut b, s| {
            let (from, to) = s.email.clone().unzip();
            b.push_bind(s.number)
                .push_bind(s.name.clone())
                .push_bind(s.doc_type)
                .push_bind(s.extension)
                .push_bind(if s.email.is_some() {
                    "email"
                } else {
                    "document"
                })
                .push_bind(from)
                .push_bind(to)
                .push_bind(s.edited)
                .push_bind(s.hash.clone())
                .push_bind(s.size)
                .push_bind(s.workspace)
                .push_bind(s.folder)
                .push_bind(s.acl)
                .push_bind(s.c1.clone())
                .push_bind(s.c2.clone())
                .push_bind(s.extension)
                .push_bind(s.text.clone());
        });
        q.build().execute(&mut *tx).await?;
    }
    let sent = "CASE WHEN s.wstype = 'email' THEN s.edited END";
    let doc_select = seed::select_list(
        d_cols,
        &[
            ("number", "s.number".into()),
            ("version", "1".into()),
            ("is_latest", "1".into()),
            ("name", "s.name".into()),
            ("extension", "s.extension".into()),
            ("doc_type", "s.doc_type".into()),
            ("size", "s.size".into()),
            ("content_hash", "s.hash".into()),
            ("content_type", "'text/plain'".into()),
            ("default_security", "'inherit'".into()),
            ("wstype", "s.wstype".into()),
            ("create_date", "s.edited".into()),
            ("edit_date", "s.edited".into()),
            ("edit_profile_date", "s.edited".into()),
            ("email_from", "s.email_from".into()),
            ("email_to", "s.email_to".into()),
            ("sent_date", sent.into()),
            ("received_date", sent.into()),
            ("acl", "s.acl".into()),
            ("workspace", "s.workspace".into()),
            ("c1", "s.c1".into()),
            ("c2", "s.c2".into()),
        ],
    );
    let now = unix_seconds();
    for sql in [
        format!(
            "INSERT INTO documents ({}) SELECT {doc_select} FROM staged s, documents t \
             WHERE t.library = '{LIBRARY}' AND t.number = {} AND t.version = 1",
            d_cols.join(", "),
            template.document
        ),
        format!(
            "INSERT INTO filings (library, folder, document, is_reference, filed_at) \
             SELECT '{LIBRARY}', s.folder, s.number, 0, s.edited FROM staged s"
        ),
        format!(
            "INSERT OR IGNORE INTO blobs (hash, size, created_at) SELECT s.hash, s.size, {} FROM staged s",
            now * 1_000_000
        ),
        format!(
            "INSERT OR IGNORE INTO extracted_text (content_hash, outcome, reason, format, text, \
             text_bytes, truncated, email, extracted_at) \
             SELECT s.hash, 'indexed', NULL, s.format, s.text, s.size, 0, NULL, {now} FROM staged s"
        ),
        "DELETE FROM staged".into(),
    ] {
        exec(&mut tx, sql).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Builds the baseline's FTS5 table and metadata from the seeded documents and their cached
/// texts, as a reindex reads them; returns a pool of reader connections.
async fn build_fts5(path: &Path, data: &Path, corpus: &Corpus, library: Library) -> R<()> {
    let mut out = SqliteConnection::connect_with(
        &SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal),
    )
    .await?;
    for sql in [
        "CREATE VIRTUAL TABLE fts USING fts5(name, body, content='', tokenize='porter unicode61 remove_diacritics 2')",
        "CREATE TABLE meta (number INTEGER PRIMARY KEY, acl INTEGER NOT NULL, custom1 TEXT, custom2 TEXT, doc_type TEXT, wstype TEXT, edit_date INTEGER)",
        "CREATE INDEX meta_by_acl ON meta (acl)",
        "CREATE TABLE readable (acl INTEGER PRIMARY KEY)",
    ] {
        exec(&mut out, sql.into()).await?;
    }
    // What the server's access context computes for BENCHUSER: the ACL keys of the
    // workspaces a group of theirs is a trustee of, from the seed's own rule.
    let mut tx = out.begin().await?;
    for m in (0..corpus.matters.len()).filter(|m| readable(*m)) {
        sqlx::query("INSERT INTO readable (acl) VALUES (?1)")
            .bind(library.acl(m))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;

    let mut db = seed::open(&data.join("dossier.db")).await?;
    let mut rows = sqlx::query(
        "SELECT d.number, d.name, d.acl, d.c1, d.c2, d.doc_type, d.wstype, d.edit_date, e.text \
         FROM documents d JOIN extracted_text e ON e.content_hash = d.content_hash \
         WHERE d.library = ?1 AND d.is_latest = 1 AND d.number >= ?2 ORDER BY d.number",
    )
    .bind(LIBRARY)
    .bind(library.first_doc)
    .fetch(&mut db);
    let mut tx = out.begin().await?;
    let mut n = 0u64;
    while let Some(row) = rows.try_next().await? {
        let number: i64 = row.try_get("number")?;
        let text: String = row.try_get("text")?;
        sqlx::query("INSERT INTO fts (rowid, name, body) VALUES (?1, ?2, ?3)")
            .bind(number)
            .bind(row.try_get::<String, _>("name")?)
            .bind(text)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO meta (number, acl, custom1, custom2, doc_type, wstype, edit_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .bind(number)
            .bind(row.try_get::<i64, _>("acl")?)
            .bind(row.try_get::<Option<String>, _>("c1")?)
            .bind(row.try_get::<Option<String>, _>("c2")?)
            .bind(row.try_get::<String, _>("doc_type")?)
            .bind(row.try_get::<String, _>("wstype")?)
            .bind(row.try_get::<i64, _>("edit_date")?)
            .execute(&mut *tx)
            .await?;
        n += 1;
        if n.is_multiple_of(SEED_BATCH) {
            tx.commit().await?;
            tx = out.begin().await?;
        }
    }
    tx.commit().await?;
    drop(rows);
    db.close().await?;
    if n != library.docs {
        return Err(err(format!(
            "the FTS5 baseline read {n} documents instead of {}",
            library.docs
        )));
    }
    // Merged into one segment, as a freshly rebuilt index would be.
    exec(&mut out, "INSERT INTO fts (fts) VALUES ('optimize')".into()).await?;
    exec(&mut out, "ANALYZE".into()).await?;
    out.close().await?;
    Ok(())
}

/// Reader connections to the FTS5 baseline.
async fn open_fts5(path: &Path) -> R<SqlitePool> {
    Ok(SqlitePoolOptions::new()
        .max_connections(BASELINE_CONNECTIONS)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(path)
                .read_only(true)
                .pragma("mmap_size", "17179869184")
                .pragma("cache_size", "-65536"),
        )
        .await?)
}

/// The query kinds of the issue.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Rare,
    Common,
    Phrase,
    Field,
    Faceted,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Rare,
        Kind::Common,
        Kind::Phrase,
        Kind::Field,
        Kind::Faceted,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Rare => "rare term",
            Kind::Common => "common term",
            Kind::Phrase => "phrase",
            Kind::Field => "term+client+type",
            Kind::Faceted => "faceted",
        }
    }
}

/// What varies between requests of a kind besides the terms: the clients BENCHUSER reads.
struct Pools {
    clients: Vec<String>,
}

/// One query: the `anywhere` text (also the FTS5 MATCH text: the syntax of words and
/// quoted phrases is the same) and, for the field-filtered kind, a client alias.
struct Query {
    kind: Kind,
    text: &'static str,
    client: Option<String>,
}

impl Pools {
    fn query(&self, kind: Kind, r: u64) -> Query {
        let pick = |list: &[&'static str]| list[(r % list.len() as u64) as usize];
        let text = match kind {
            Kind::Rare => pick(RARE),
            Kind::Phrase => pick(PHRASES),
            Kind::Common | Kind::Field | Kind::Faceted => pick(COMMON),
        };
        let client = (kind == Kind::Field)
            .then(|| self.clients[((r >> 20) % self.clients.len() as u64) as usize].clone());
        Query { kind, text, client }
    }
}

impl Query {
    /// The Work API parameters of this query.
    fn params(&self) -> Vec<(&str, &str)> {
        let mut p = vec![("anywhere", self.text)];
        match self.kind {
            // With the total, which FTS5's grouped count also gives: the check below is exact.
            Kind::Faceted => p.extend([
                ("facets", "custom1,custom2"),
                ("results", "false"),
                ("total", "true"),
            ]),
            _ => p.extend([("total", "true"), ("limit", PAGE)]),
        }
        if let Some(c) = &self.client {
            p.extend([("custom1", c.as_str()), ("type", "WORDX")]);
        }
        p
    }
}

/// GET …/documents?anywhere=… as BENCHUSER; returns the body.
async fn search_http(api: &Api, q: &Query) -> R<Value> {
    let resp = api.get_with("/documents", &q.params())?.send().await?;
    let status = resp.status();
    let body = resp.bytes().await?;
    if !status.is_success() {
        return Err(err(format!(
            "GET /documents?{}: HTTP {status}: {}",
            q.text,
            String::from_utf8_lossy(&body)
        )));
    }
    Ok(serde_json::from_slice(&body)?)
}

fn http_op(api: &Api, pools: &Arc<Pools>, kind: Kind) -> Op {
    let api = api.clone();
    let pools = pools.clone();
    Arc::new(move |r| {
        let api = api.clone();
        let q = pools.query(kind, r);
        Box::pin(async move { search_http(&api, &q).await.map(drop) })
    })
}

/// The readable matches of a query, as FROM … WHERE text over the baseline's tables.
fn fts_from(q: &Query) -> &'static str {
    if q.client.is_some() {
        "FROM fts JOIN meta m ON m.number = fts.rowid WHERE fts MATCH ?1 \
         AND m.acl IN (SELECT acl FROM readable) AND m.custom1 = ?2 AND m.doc_type = 'WORDX'"
    } else {
        "FROM fts JOIN meta m ON m.number = fts.rowid WHERE fts MATCH ?1 \
         AND m.acl IN (SELECT acl FROM readable)"
    }
}

/// What the server answers, over FTS5: the top 50 by bm25 and the exact count, or for the
/// faceted kind the top five clients and matters by count. Returns the count.
async fn search_fts(pool: &SqlitePool, q: &Query) -> R<i64> {
    let mut conn = pool.acquire().await?;
    let from = fts_from(q);
    let bind = |sql: String| {
        let mut s = sqlx::query(AssertSqlSafe(sql)).bind(q.text);
        if let Some(c) = &q.client {
            s = s.bind(c.clone());
        }
        s
    };
    if q.kind == Kind::Faceted {
        let rows = bind(format!(
            "SELECT m.custom1 AS c1, m.custom2 AS c2, COUNT(*) AS n {from} GROUP BY m.custom1, m.custom2"
        ))
        .fetch_all(&mut *conn)
        .await?;
        let mut clients: HashMap<String, i64> = HashMap::new();
        let mut matters: Vec<(i64, String)> = Vec::with_capacity(rows.len());
        let mut total = 0;
        for row in &rows {
            let n: i64 = row.try_get("n")?;
            *clients.entry(row.try_get("c1")?).or_default() += n;
            matters.push((n, row.try_get("c2")?));
            total += n;
        }
        top5(clients.into_iter().map(|(k, n)| (n, k)).collect());
        top5(matters);
        return Ok(total);
    }
    let total: i64 = bind(format!("SELECT COUNT(*) AS n {from}"))
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    bind(format!(
        "SELECT m.number {from} ORDER BY bm25(fts) LIMIT {PAGE}"
    ))
    .fetch_all(&mut *conn)
    .await?;
    Ok(total)
}

/// The five largest buckets, as a facet answer lists them.
fn top5(mut buckets: Vec<(i64, String)>) -> Vec<(i64, String)> {
    buckets.sort_unstable_by(|a, b| b.cmp(a));
    buckets.truncate(5);
    buckets
}

fn fts_op(pool: &SqlitePool, pools: &Arc<Pools>, kind: Kind) -> Op {
    let pool = pool.clone();
    let pools = pools.clone();
    Arc::new(move |r| {
        let pool = pool.clone();
        let q = pools.query(kind, r);
        Box::pin(async move { search_fts(&pool, &q).await.map(drop) })
    })
}

/// One query of each kind through both: the server's count against FTS5's (and, for the
/// rare term, against the seed's rules). Only the rare term must agree exactly: the two
/// stemmers may differ on other words.
async fn check_counts(api: &Api, fts: &SqlitePool, pools: &Pools, expected_rare: i64) -> R<()> {
    for kind in Kind::ALL {
        let q = pools.query(kind, 0);
        let base = search_fts(fts, &q).await?;
        let server = match search_http(api, &q).await {
            Ok(v) => server_count(&v),
            Err(e) => {
                println!("  check {}: the server failed: {e}", kind.name());
                continue;
            }
        };
        println!(
            "  check {} {}{}: server {}, FTS5 {}{}",
            kind.name(),
            q.text,
            q.client
                .as_deref()
                .map(|c| format!(" in {c}"))
                .unwrap_or_default(),
            server.map_or("no count".into(), |n| thousands(n as f64)),
            thousands(base as f64),
            if kind == Kind::Rare {
                format!(
                    ", the seed's rules {} (planted in one item in {})",
                    thousands(expected_rare as f64),
                    thousands(RARE_EVERY as f64)
                )
            } else {
                String::new()
            }
        );
        if kind == Kind::Rare && (server != Some(base) || base != expected_rare) {
            println!("  warning: the rare-term counts differ");
        }
    }
    Ok(())
}

/// `total_count`, or for a faceted answer the sum of the top custom1 buckets (a lower bound).
fn server_count(v: &Value) -> Option<i64> {
    v.get("total_count").and_then(Value::as_i64).or_else(|| {
        v.pointer("/data/facets/custom1")?
            .as_array()
            .map(|b| b.iter().filter_map(|x| x["count"].as_i64()).sum())
    })
}

fn query_row(kind: Kind, clients: usize, http: &Run, base: &Run, indexed: bool) -> Vec<String> {
    let p50 = http.latencies.percentile_ms(50.0);
    let p99 = http.latencies.percentile_ms(99.0);
    let b50 = base.latencies.percentile_ms(50.0);
    let b99 = base.latencies.percentile_ms(99.0);
    vec![
        kind.name().into(),
        clients.to_string(),
        fig(http.per_s()),
        ms(p50),
        ms(p99),
        http.errors.to_string(),
        fig(base.per_s()),
        ms(b50),
        ms(b99),
        times(p50, b50),
        times(p99, b99),
        if !indexed {
            "(no index: reindex failed)".into()
        } else if http.errors > 0 {
            "(errors)".into()
        } else {
            format!("{} / {}", met(p50 < 20.0), met(p99 < 100.0))
        },
    ]
}

/// `a` as a multiple of `b`: "2.3×".
fn times(a: f64, b: f64) -> String {
    if a.is_finite() && b > 0.0 {
        format!("{:.2}×", a / b)
    } else {
        "-".into()
    }
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "not met" }
}

fn tail(path: &PathBuf, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
