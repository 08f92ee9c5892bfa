//! `security`: permission-trimmed listing and counting at scale, and how fast a security
//! change becomes visible (issue "Security", docs/targets.md).
//!
//! 1. Through HTTP: a template workspace, folder and document; `--groups` groups and
//!    `--users` users (no passwords, so no hashing), plus the bench user `BENCHUSER`, who
//!    belongs to two groups.
//! 2. Straight into SQLite (server stopped): `--workspaces` workspaces, each with one
//!    inheriting folder and its share of `--docs` inheriting documents (the first workspace
//!    holds `--big` of them). Workspace i is `public` if i % 50 == 1, `view` if i % 50 == 2,
//!    else `private` with a read/write trustee entry for group `G{i % groups}`; its client
//!    and matter are `C{i / 10}` / `M{i}`, and its documents carry them too. One matter in a
//!    hundred has an exclusive wall whose member is one of BENCHUSER's groups: each user is
//!    shut out of 1% of the matters.
//! 3. The server again, as BENCHUSER (non-admin) and as the administrator (no trimming, the
//!    baseline): folder listings with counts of random readable folders, and the
//!    library-wide document count. The count BENCHUSER gets is checked against one computed
//!    here from the seed's own rules.
//! 4. The big workspace is re-secured to admit BENCHUSER; the time from the start of that
//!    POST until BENCHUSER reads a document in it is the "visible within" figure.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::{Connection, Row};

use crate::api::{Api, LIBRARY, document_number};
use crate::payload::Payload;
use crate::read::{Op, Run, measure, report};
use crate::seed::{self, exec};
use crate::server::{ADMIN_PASSWORD, CpuMeter, Server};
use crate::stats::{fig, ms, ratio, table, thousands};
use crate::{Env, R, err};

const USER: &str = "BENCHUSER";
const PASSWORD: &str = "bench-user-password-1";

#[derive(clap::Args, Default, Clone, Debug)]
pub struct Args {
    /// Documents [default: 1,000,000; quick: 100,000].
    #[arg(long)]
    pub docs: Option<u64>,
    /// Workspaces (matters) [default: 10,000; quick: 1,000].
    #[arg(long)]
    pub workspaces: Option<u64>,
    /// Documents in the first workspace, the one re-secured [default: 100,000; quick: 10,000].
    #[arg(long)]
    pub big: Option<u64>,
    /// Users besides BENCHUSER [default: 2,000; quick: 200].
    #[arg(long)]
    pub users: Option<u64>,
    /// Groups [default: 50].
    #[arg(long)]
    pub groups: Option<u64>,
    /// Seconds of each measurement [default: 15; quick: 5].
    #[arg(long)]
    pub seconds: Option<u64>,
    /// Concurrent clients [default: 8].
    #[arg(long)]
    pub clients: Option<usize>,
}

#[derive(Clone, Copy, Debug)]
struct Layout {
    first_ws: i64,
    workspaces: i64,
    first_folder: i64,
    first_doc: i64,
    docs: i64,
    big: i64,
    groups: i64,
}

impl Layout {
    /// The workspace index (0-based) of document j (0-based).
    fn ws_of_doc(&self, j: i64) -> i64 {
        if j < self.big {
            0
        } else {
            let per = (self.docs - self.big) / (self.workspaces - 1).max(1);
            (1 + (j - self.big) / per.max(1)).min(self.workspaces - 1)
        }
    }

    /// Whether BENCHUSER may read workspace i by the seed's rules (walls included).
    fn readable(&self, i: i64) -> bool {
        // The first workspace is the one re-secured: nobody but the administrator reads it.
        let acl = i > 0
            && (i % 50 == 1 || i % 50 == 2 || (i % self.groups) == 0 || (i % self.groups) == 1);
        acl && !walled(i)
    }
}

/// One matter in a hundred is walled off from BENCHUSER.
fn walled(i: i64) -> bool {
    i % 100 == 7
}

pub async fn run(env: &Env, args: Args) -> R<()> {
    let q = env.quick;
    let docs = args.docs.unwrap_or(if q { 100_000 } else { 1_000_000 }) as i64;
    let workspaces = args
        .workspaces
        .unwrap_or(if q { 1_000 } else { 10_000 })
        .max(2) as i64;
    let big = (args.big.unwrap_or(if q { 10_000 } else { 100_000 }) as i64).min(docs / 2);
    let users = args.users.unwrap_or(if q { 200 } else { 2_000 });
    let groups = args.groups.unwrap_or(50).max(2) as i64;
    let seconds = args.seconds.unwrap_or(if q { 5 } else { 15 }).max(1);
    let clients = args.clients.unwrap_or(8).max(1);
    let duration = Duration::from_secs(seconds);
    let tmp = env.tempdir("dossier-bench-security-")?;
    let data = tmp.path().join("data");
    let db = data.join("dossier.db");
    println!(
        "security: {} documents in {} workspaces ({} in the first), {} users in {groups} groups, {clients} clients, {seconds} s per measurement, scratch {}",
        thousands(docs as f64),
        thousands(workspaces as f64),
        thousands(big as f64),
        thousands(users as f64 + 1.0),
        tmp.path().display()
    );

    // 1. Identity and a template through HTTP.
    let server = Server::start(&env.server, &data).await?;
    let admin = Api::login_as(&server.base, "admin", ADMIN_PASSWORD, "admin").await?;
    let template_ws = admin.create_workspace("bench security").await?;
    let template_folder = admin.create_folder(template_ws, "template").await?;
    let payload = Payload::new(2_000, crate::payload::run_nonce());
    document_number(
        &admin
            .upload(
                template_folder,
                "template.txt",
                payload.body(0),
                payload.len(),
            )
            .await?,
    )?;
    let started = Instant::now();
    for g in 0..groups {
        post(&admin, "/groups", json!({"id": format!("G{g}")})).await?;
    }
    post(
        &admin,
        "/users",
        json!({"id": USER, "password": PASSWORD, "libraries": ["ACTIVE"]}),
    )
    .await?;
    let mut changes = vec![
        json!({"group": "G0", "action": "add", "users": [USER]}),
        json!({"group": "G1", "action": "add", "users": [USER]}),
    ];
    for u in 0..users {
        let id = format!("U{u}");
        post(&admin, "/users", json!({"id": id, "libraries": ["ACTIVE"]})).await?;
        changes.push(
            json!({"group": format!("G{}", u as i64 % groups), "action": "add", "users": [id]}),
        );
    }
    post(&admin, "/groups/members", json!({"changes": changes})).await?;
    println!(
        "  {} users and {groups} groups made through HTTP in {:.1} s",
        users + 1,
        started.elapsed().as_secs_f64()
    );
    drop(admin);
    server.stop().await?;

    // 2. The library straight into SQLite.
    let started = Instant::now();
    let layout = seed(
        &db,
        docs,
        workspaces,
        big,
        groups,
        template_ws,
        template_folder,
    )
    .await?;
    println!("  seeded in {:.1} s", started.elapsed().as_secs_f64());

    // 3. Trimmed listing and counting, against the administrator's untrimmed ones.
    let server = Server::start(&env.server, &data).await?;
    let user = Api::login_as(&server.base, USER, PASSWORD, "user").await?;
    let admin = Api::login_as(&server.base, "admin", ADMIN_PASSWORD, "admin").await?;
    // The template document, in a public workspace made through HTTP, counts too.
    let expected: i64 = 1
        + (0..docs)
            .filter(|j| layout.readable(layout.ws_of_doc(*j)))
            .count() as i64;
    let seen = count(&user).await?;
    println!(
        "  check: BENCHUSER sees {} of {} documents; the seed's rules say {} ({})",
        thousands(seen as f64),
        thousands(docs as f64),
        thousands(expected as f64),
        if seen == expected {
            "equal"
        } else {
            "DIFFERENT"
        }
    );
    let readable: Arc<Vec<i64>> =
        Arc::new((1..workspaces).filter(|i| layout.readable(*i)).collect());
    let mut rows = Vec::new();
    // One client measures a request's own latency (the target); more show throughput.
    let mut concurrencies = vec![1];
    if clients > 1 {
        concurrencies.push(clients);
    }
    for (what, op_of) in [
        ("folder listing + count", Kind::Folder),
        ("library-wide count", Kind::Library),
    ] {
        for &c in &concurrencies {
            let mut runs: Vec<(&str, Run)> = Vec::new();
            for (who, api) in [
                ("non-admin (trimmed)", &user),
                ("NRTADMIN (untrimmed)", &admin),
            ] {
                let cpu = CpuMeter::start(&server)?;
                let r = measure(c, duration, op(api, layout, readable.clone(), op_of)).await?;
                report(what, &format!("{who}, {c} client(s)"), &r);
                println!("    {}", cpu.summary());
                runs.push((who, r));
            }
            let base = runs[1].1.per_s();
            for (who, r) in &runs {
                rows.push(vec![
                    what.to_string(),
                    who.to_string(),
                    c.to_string(),
                    fig(r.per_s()),
                    ms(r.latencies.percentile_ms(50.0)),
                    ms(r.latencies.percentile_ms(99.0)),
                    r.errors.to_string(),
                    ratio(r.per_s(), base),
                    if *who == "non-admin (trimmed)" && c == 1 {
                        let p99 = r.latencies.percentile_ms(99.0);
                        format!("p99 < 25 ms: {}", if p99 < 25.0 { "met" } else { "above" })
                    } else {
                        String::new()
                    },
                ]);
            }
        }
    }

    // 4. Re-securing the big workspace: how soon BENCHUSER sees it.
    let ws = layout.first_ws;
    let probe = format!("/documents/{LIBRARY}!{}", layout.first_doc);
    let before = user.get(&probe).send().await?.status();
    let started = Instant::now();
    let resp = admin
        .post(&format!("/workspaces/{LIBRARY}!{ws}/security"))
        .json(&json!({"include": [{"id": USER, "type": "user", "access_level": "read"}]}))
        .send()
        .await?;
    let post_status = resp.status();
    let post_time = started.elapsed();
    let mut visible_after = None;
    while started.elapsed() < Duration::from_secs(30) {
        if user.get(&probe).send().await?.status().is_success() {
            visible_after = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let count_after = count(&user).await?;
    server.stop().await?;

    table(
        &format!(
            "security summary: {} documents, {} workspaces, 1 and {clients} concurrent clients, {seconds} s each",
            thousands(docs as f64),
            thousands(workspaces as f64)
        ),
        &[
            "operation",
            "caller",
            "clients",
            "req/s",
            "p50 ms",
            "p99 ms",
            "errors",
            "vs NRTADMIN",
            "target",
        ],
        &rows,
    );
    println!(
        "re-securing a workspace of {} documents: POST …/security {post_status} in {} ms; a document in it was 404 ({before}) before and readable {} after the POST began (target < 1 s: {}); BENCHUSER's count went from {} to {}",
        thousands(big as f64),
        ms(post_time.as_secs_f64() * 1000.0),
        visible_after.map_or("never (30 s)".to_string(), |d| format!(
            "{} ms",
            ms(d.as_secs_f64() * 1000.0)
        )),
        if visible_after.is_some_and(|d| d < Duration::from_secs(1)) {
            "met"
        } else {
            "not met"
        },
        thousands(seen as f64),
        thousands(count_after as f64),
    );
    Ok(())
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

async fn count(api: &Api) -> R<i64> {
    let v: Value = api
        .get("/documents?total=true&limit=1")
        .send()
        .await?
        .json()
        .await?;
    v["total_count"]
        .as_i64()
        .ok_or_else(|| err(format!("no total_count in {v}")))
}

#[derive(Clone, Copy)]
enum Kind {
    Folder,
    Library,
}

fn op(api: &Api, layout: Layout, readable: Arc<Vec<i64>>, kind: Kind) -> Op {
    let api = api.clone();
    Arc::new(move |r| {
        let api = api.clone();
        let path = match kind {
            Kind::Folder => {
                let i = readable[(r % readable.len() as u64) as usize];
                format!(
                    "/folders/{LIBRARY}!{}/children?total=true&limit=50",
                    layout.first_folder + i
                )
            }
            Kind::Library => "/documents?total=true&limit=50".to_string(),
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

/// Writes the workspaces, folders, documents, filings, trustees and walls of the layout.
async fn seed(
    db: &Path,
    docs: i64,
    workspaces: i64,
    big: i64,
    groups: i64,
    template_ws: i64,
    template_folder: i64,
) -> R<Layout> {
    let mut conn = seed::open(db).await?;
    let (first_doc, first_ws) = seed::next_numbers(&mut conn).await?;
    let first_folder = first_ws + workspaces;
    let layout = Layout {
        first_ws,
        workspaces,
        first_folder,
        first_doc,
        docs,
        big,
        groups,
    };
    let c_cols = seed::columns(&mut conn, "containers").await?;
    let d_cols = seed::columns(&mut conn, "documents").await?;
    let mut tx = conn.begin().await?;
    let seq = |n: i64| {
        format!(
            "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < {n})"
        )
    };
    let security =
        "CASE WHEN seq.i % 50 = 1 THEN 'public' WHEN seq.i % 50 = 2 THEN 'view' ELSE 'private' END";
    let ws_select = seed::select_list(
        &c_cols,
        &[
            ("number", format!("{first_ws} + seq.i")),
            ("workspace", format!("{first_ws} + seq.i")),
            ("parent", "NULL".into()),
            ("name", "'matter ' || seq.i".into()),
            ("default_security", security.into()),
            ("acl", format!("({first_ws} + seq.i) * 2")),
            ("c1", "'C' || (seq.i / 10)".into()),
            ("c2", "'M' || seq.i".into()),
        ],
    );
    exec(&mut tx, format!("{} INSERT INTO containers ({}) SELECT {ws_select} FROM seq, containers t WHERE t.library = '{LIBRARY}' AND t.number = {template_ws}", seq(workspaces), c_cols.join(", "))).await?;
    let folder_select = seed::select_list(
        &c_cols,
        &[
            ("number", format!("{first_folder} + seq.i")),
            ("workspace", format!("{first_ws} + seq.i")),
            ("parent", format!("{first_ws} + seq.i")),
            ("name", "'documents'".into()),
            ("default_security", "'inherit'".into()),
            ("acl", format!("({first_ws} + seq.i) * 2")),
        ],
    );
    exec(&mut tx, format!("{} INSERT INTO containers ({}) SELECT {folder_select} FROM seq, containers t WHERE t.library = '{LIBRARY}' AND t.number = {template_folder}", seq(workspaces), c_cols.join(", "))).await?;
    exec(&mut tx, format!("{} INSERT INTO trustees (library, object_kind, object_number, trustee_type, trustee_id, access) SELECT '{LIBRARY}', 'container', {first_ws} + seq.i, 'group', 'G' || (seq.i % {groups}), 2 FROM seq WHERE seq.i > 0 AND seq.i % 50 NOT IN (1, 2)", seq(workspaces))).await?;
    tx.commit().await?;
    // Documents in batches: document j lives in workspace ws_of_doc(j).
    let per = (docs - big) / (workspaces - 1).max(1);
    let ws_expr = format!(
        "(CASE WHEN seq.i < {big} THEN 0 ELSE MIN(1 + (seq.i - {big}) / {}, {}) END)",
        per.max(1),
        workspaces - 1
    );
    let template_doc: i64 =
        sqlx::query("SELECT number FROM documents WHERE library = ?1 ORDER BY number DESC LIMIT 1")
            .bind(LIBRARY)
            .fetch_one(&mut conn)
            .await?
            .try_get("number")?;
    let batch = 200_000;
    let mut at = 0;
    while at < docs {
        let n = batch.min(docs - at);
        let mut tx = conn.begin().await?;
        let doc_select = seed::select_list(
            &d_cols,
            &[
                ("number", format!("{first_doc} + {at} + seq.i")),
                ("name", format!("'doc ' || ({at} + seq.i)")),
                ("default_security", "'inherit'".into()),
                (
                    "acl",
                    format!(
                        "({first_ws} + {}) * 2",
                        ws_expr.replace("seq.i", &format!("({at} + seq.i)"))
                    ),
                ),
                (
                    "c1",
                    format!(
                        "'C' || ({} / 10)",
                        ws_expr.replace("seq.i", &format!("({at} + seq.i)"))
                    ),
                ),
                (
                    "c2",
                    format!(
                        "'M' || {}",
                        ws_expr.replace("seq.i", &format!("({at} + seq.i)"))
                    ),
                ),
                (
                    "workspace",
                    format!(
                        "{first_ws} + {}",
                        ws_expr.replace("seq.i", &format!("({at} + seq.i)"))
                    ),
                ),
            ],
        );
        exec(&mut tx, format!("{} INSERT INTO documents ({}) SELECT {doc_select} FROM seq, documents t WHERE t.library = '{LIBRARY}' AND t.number = {template_doc}", seq(n), d_cols.join(", "))).await?;
        exec(&mut tx, format!("{} INSERT INTO filings (library, folder, document, is_reference, filed_at) SELECT '{LIBRARY}', {first_folder} + {}, {first_doc} + {at} + seq.i, 0, 0 FROM seq", seq(n), ws_expr.replace("seq.i", &format!("({at} + seq.i)")))).await?;
        tx.commit().await?;
        at += n;
    }
    let mut tx = conn.begin().await?;
    for i in (0..workspaces).filter(|i| walled(*i)) {
        let id: i64 = sqlx::query("INSERT INTO walls (library, name, kind, client, matter, workspace, description, created_by, created_at, edited_at) VALUES (?1, ?2, 'exclusive', ?3, ?4, NULL, '', 'BENCH', 0, 0) RETURNING id")
            .bind(LIBRARY)
            .bind(format!("wall {i}"))
            .bind(format!("C{}", i / 10))
            .bind(format!("M{i}"))
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
        sqlx::query(
            "INSERT INTO wall_members (wall, member_type, member_id) VALUES (?1, 'group', 'G0')",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE libraries SET next_document = ?1, next_container = ?2 WHERE id = ?3")
        .bind(first_doc + docs)
        .bind(first_folder + workspaces)
        .bind(LIBRARY)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(&mut conn).await?;
    conn.close().await?;
    Ok(layout)
}
