//! Search through the Work API: text extracted in the worker processes, the query language,
//! highlights, facets, paging, permission trimming, freshness after changes, hostile files,
//! malformed queries, and a rebuild while the server answers.

use std::io::Write;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestServer, assert_error};

/// A small DOCX: the parts Word needs to call it one, and a body.
fn docx(text: &str) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("[Content_Types].xml", o).expect("zip");
        z.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#).expect("zip");
        z.start_file("word/document.xml", o).expect("zip");
        let body = format!(
            r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"#
        );
        z.write_all(body.as_bytes()).expect("zip");
        z.finish().expect("zip");
    }
    out.into_inner()
}

/// A zip whose one entry expands to far more than the extraction limit.
fn zip_bomb() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let zeros = vec![0u8; 1 << 20];
        for i in 0..3 {
            z.start_file(format!("zeros{i}.bin"), o).expect("zip");
            for _ in 0..120 {
                z.write_all(&zeros).expect("zip");
            }
        }
        z.finish().expect("zip");
    }
    out.into_inner()
}

pub(crate) async fn search(s: &TestServer, token: &str, query: &str) -> (StatusCode, Value) {
    let r = s
        .http
        .get(s.lib(&format!("/documents?{query}")))
        .header("X-Auth-Token", token)
        .send()
        .await
        .expect("search");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub(crate) fn names(body: &Value) -> Vec<String> {
    let mut n: Vec<String> = body["data"]["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["name"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    n.sort();
    n
}

pub(crate) fn q(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn anywhere(s: &TestServer, text: &str) -> Vec<String> {
    let (st, body) = search(s, &s.token, &format!("anywhere={}&limit=100", q(text))).await;
    assert_eq!(st, StatusCode::OK, "{text}: {body}");
    names(&body)
}

async fn index_status(s: &TestServer, id: &str) -> Value {
    s.get_json(&s.lib(&format!("/documents/{id}/index-status")))
        .await["data"]
        .clone()
}

#[tokio::test]
async fn documents_are_found_by_their_text_and_profile_with_the_query_language() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let sale = s
        .upload(
            &folder,
            "spa.docx",
            &docx("The vendor gives an indemnity for tax. Force majeure applies to the Café."),
            json!({"name": "Share Purchase Agreement", "custom1": null}),
        )
        .await;
    s.upload(
        &folder,
        "lease.html",
        b"<html><body><script>var hidden='indemnity';</script><p>The tenant covenants to pay rent; arbitration in London.</p></body></html>",
        json!({"name": "Lease"}),
    )
    .await;
    s.upload(
        &folder,
        "minutes.rtf",
        br"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}\f0 Indemnities were discussed at the board\par meeting of the caf\'e9 owners.}",
        json!({"name": "Board minutes"}),
    )
    .await;
    s.upload(
        &folder,
        "letter.txt",
        "Arbitrations are costly. Sent to the client.".as_bytes(),
        json!({"name": "Letter to client", "comment": "draft for review"}),
    )
    .await;
    s.upload(
        &folder,
        "note.eml",
        b"From: Alice Partner <alice@firm.example>\r\nTo: Bob Client <bob@client.example>\r\nSubject: Escrow release\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <m1@firm.example>\r\n\r\nThe escrow is released on completion.\r\n",
        json!({"name": "Email about escrow"}),
    )
    .await;
    s.wait_for_index().await;

    let id = sale["id"].as_str().expect("id");
    let status = index_status(&s, id).await;
    assert_eq!(status["status"], "indexed", "{status}");

    // Words through the analyzer: stems, case and accents do not matter.
    assert_eq!(
        anywhere(&s, "indemnity").await,
        ["Board minutes", "Share Purchase Agreement"]
    );
    assert_eq!(
        anywhere(&s, "INDEMNITIES").await,
        ["Board minutes", "Share Purchase Agreement"]
    );
    assert_eq!(
        anywhere(&s, "cafe").await,
        ["Board minutes", "Share Purchase Agreement"]
    );
    // Script text of the HTML is not text of the document.
    assert!(!anywhere(&s, "hidden").await.contains(&"Lease".to_string()));
    // Phrases, OR, exclusion, prefixes, fields; the profile is searched too.
    assert_eq!(
        anywhere(&s, "\"force majeure\"").await,
        ["Share Purchase Agreement"]
    );
    assert!(anywhere(&s, "\"majeure force\"").await.is_empty());
    assert_eq!(
        anywhere(&s, "rent OR escrow").await,
        ["Email about escrow", "Lease"]
    );
    assert_eq!(
        anywhere(&s, "arbitration -rent").await,
        ["Letter to client"]
    );
    assert_eq!(
        anywhere(&s, "arbitrat*").await,
        ["Lease", "Letter to client"]
    );
    assert_eq!(anywhere(&s, "name:lease").await, ["Lease"]);
    assert_eq!(
        anywhere(&s, "purchase agreement").await,
        ["Share Purchase Agreement"]
    );
    assert_eq!(anywhere(&s, "review").await, ["Letter to client"]);
    assert_eq!(anywhere(&s, "subject:escrow").await, ["Email about escrow"]);
    assert_eq!(anywhere(&s, "from:alice").await, ["Email about escrow"]);
    // `body` is the text alone: the name is not searched.
    let (_, b) = search(&s, &s.token, "body=lease").await;
    assert!(names(&b).is_empty(), "{b}");

    // Scores, highlights and totals.
    let (st, body) = search(&s, &s.token, "anywhere=indemnity&total=true").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["total_count"], 2);
    let first = &body["data"]["results"][0];
    assert!(first["score"].as_f64().unwrap_or_default() > 0.0, "{first}");
    let marked = first["highlights"]["body"].as_str().unwrap_or_default();
    assert!(marked.contains("<b>"), "{first}");

    // The POST form answers the POST shape.
    let (st, body) = s
        .post(
            &s.lib("/documents/search"),
            json!({"filters": {"anywhere": "arbitration"}, "limit": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["overflow"], true);

    // Cursor paging walks every hit once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = "anywhere=the&limit=2&paging_mode=standard_cursor".to_string();
        if let Some(c) = &cursor {
            query.push_str(&format!("&cursor={c}"));
        }
        let (st, body) = search(&s, &s.token, &query).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        seen.extend(names(&body));
        match body["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    seen.sort();
    let (_, all) = search(&s, &s.token, "anywhere=the&limit=100").await;
    assert_eq!(seen, names(&all));

    // Sorting by name.
    let (_, body) = search(&s, &s.token, "anywhere=the&sort_by=name&sort_order=asc").await;
    let in_order: Vec<String> = body["data"]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|d| d["name"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    let mut sorted = in_order.clone();
    sorted.sort();
    assert_eq!(in_order, sorted);

    // Customer level, across libraries.
    let r = s
        .get(&format!(
            "{}/work/api/v2/customers/1/documents?libraries=ACTIVE&anywhere=escrow",
            s.base
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.expect("json");
    assert_eq!(names(&body), ["Email about escrow"]);

    // The index's lag is visible to administrators.
    let st = s.get_json(&s.lib("/search/status")).await;
    assert_eq!(st["data"]["lag_events"], 0, "{st}");
    assert!(
        st["data"]["documents"]["indexed"]
            .as_i64()
            .unwrap_or_default()
            >= 5,
        "{st}"
    );
    let metrics = s
        .get(&format!("{}/metrics", s.base))
        .await
        .text()
        .await
        .expect("metrics");
    assert!(metrics.contains("dossier_search_lag_events 0"), "{metrics}");
    assert!(
        metrics.contains("dossier_search_documents{library=\"ACTIVE\",status=\"indexed\"}"),
        "{metrics}"
    );
    // A user who is not an administrator is refused the status.
    let r = s
        .http
        .get(s.lib("/search/status"))
        .header("X-Auth-Token", "not-a-token")
        .send()
        .await
        .expect("status");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    s.stop().await;
}

#[tokio::test]
async fn facets_count_lookup_values_of_the_matches() {
    let s = TestServer::start().await;
    for (client, description) in [("ACME", "Acme Holdings"), ("GLOBEX", "Globex Corp")] {
        let (st, b) = s
            .post(
                &s.lib("/customs/custom1"),
                json!({"id": client, "description": description}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    let folder = s.folder().await;
    for (i, client) in ["ACME", "ACME", "GLOBEX"].iter().enumerate() {
        s.upload(
            &folder,
            &format!("d{i}.txt"),
            b"a warranty claim",
            json!({"name": format!("Claim {i}"), "custom1": client}),
        )
        .await;
    }
    s.wait_for_index().await;
    let (st, body) = search(
        &s,
        &s.token,
        "anywhere=warranty&facets=custom1&results=false&total=true",
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert!(body["data"].get("results").is_none(), "{body}");
    assert_eq!(body["total_count"], 3);
    assert_eq!(
        body["data"]["facets"]["custom1"],
        json!([
            {"alias": "ACME", "count": 2, "description": "Acme Holdings"},
            {"alias": "GLOBEX", "count": 1, "description": "Globex Corp"}
        ])
    );
    // A facet narrows like any filter.
    let (_, body) = search(&s, &s.token, "anywhere=warranty&custom1=globex").await;
    assert_eq!(names(&body), ["Claim 2"]);
    // The profile's class, type and author count alike, described.
    let (st, body) = search(
        &s,
        &s.token,
        "anywhere=warranty&facets=class,type,author&results=false",
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let facets = &body["data"]["facets"];
    assert_eq!(facets["class"][0]["alias"], "DOC", "{body}");
    assert_eq!(facets["class"][0]["count"], 3);
    assert_eq!(facets["type"][0]["alias"], "ANSI", "{body}");
    assert_eq!(facets["author"][0]["alias"], "ADMIN", "{body}");
    assert_eq!(facets["author"][0]["count"], 3);
    assert!(
        !facets["author"][0]["description"]
            .as_str()
            .unwrap()
            .is_empty(),
        "the author's full name: {body}"
    );
    let (st, _) = search(&s, &s.token, "anywhere=warranty&facets=comment").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    s.stop().await;
}

#[tokio::test]
async fn search_finds_only_what_the_caller_may_read_and_follows_changes() {
    let s = TestServer::start().await;
    let admin = s
        .login_scoped("admin", crate::harness::ADMIN_PASSWORD, "admin")
        .await;
    let r = s
        .http
        .post(format!("{}/work/api/v2/customers/1/users", s.base))
        .header("X-Auth-Token", &admin)
        .json(&json!({"id": "CLERK", "full_name": "A Clerk", "password": "clerk-password-1", "libraries": ["ACTIVE"]}))
        .send()
        .await
        .expect("create user");
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    let clerk = s.login("CLERK", "clerk-password-1").await;
    let (st, ws) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "Secret matter", "default_security": "private"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{ws}");
    let ws = ws["data"]["id"].as_str().expect("id").to_string();
    let folder = s.create_folder(&ws, "Docs").await;
    let doc = s
        .upload(
            &folder,
            "memo.txt",
            b"the merger code name is bluebird",
            json!({"name": "Memo"}),
        )
        .await;
    s.wait_for_index().await;
    let (_, body) = search(&s, &clerk, "anywhere=bluebird&total=true").await;
    assert!(names(&body).is_empty(), "{body}");
    assert_eq!(body["total_count"], 0);

    // Granting the clerk read on the workspace: visible at once, no re-index.
    let (st, b) = s
        .send_json(
            Method::POST,
            &s.lib(&format!("/workspaces/{ws}/security")),
            json!({"include": [{"id": "CLERK", "type": "user", "access_level": "read"}]}),
        )
        .await;
    assert!(st.is_success(), "{b}");
    let (_, body) = search(&s, &clerk, "anywhere=bluebird&total=true").await;
    assert_eq!(names(&body), ["Memo"], "{body}");

    // Re-profiled: the new text is found, the old name is not.
    let id = doc["id"].as_str().expect("id").to_string();
    let (st, b) = s
        .patch(
            &s.lib(&format!("/documents/{id}")),
            json!({"name": "Kingfisher memo"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    s.wait_for_index().await;
    assert_eq!(anywhere(&s, "kingfisher").await, ["Kingfisher memo"]);

    // Deleted: gone from results and totals.
    let (st, b) = s.delete(&s.lib(&format!("/documents/{id}"))).await;
    assert!(st.is_success(), "{b}");
    s.wait_for_index().await;
    assert!(anywhere(&s, "bluebird").await.is_empty());
    s.stop().await;
}

#[tokio::test]
async fn malformed_queries_are_refused_with_the_reason() {
    let s = TestServer::start().await;
    let ten_thousand = vec!["w"; 10_000].join(" ");
    let deep = format!("{}a{}", "(".repeat(200), ")".repeat(200));
    for (query, field) in [
        ("\"unbalanced".to_string(), "anywhere"),
        ("OR".to_string(), "anywhere"),
        ("a OR".to_string(), "anywhere"),
        ("-".to_string(), "anywhere"),
        ("(a OR b".to_string(), "anywhere"),
        ("*".to_string(), "anywhere"),
        (ten_thousand, "anywhere"),
        (deep, "anywhere"),
    ] {
        let (st, body) = search(&s, &s.token, &format!("anywhere={}", q(&query))).await;
        let msg = assert_error(st, &body, StatusCode::BAD_REQUEST);
        assert_eq!(crate::harness::error_field(&body), field, "{msg}");
    }
    for bad in [
        "facets=custom13",
        "facets=name",
        "anywhere=a&sort_by=size",
        "anywhere=a&sort_order=up",
    ] {
        let (st, body) = search(&s, &s.token, bad).await;
        assert_error(st, &body, StatusCode::BAD_REQUEST);
    }
    // The POST form says the same.
    let (st, body) = s
        .post(
            &s.lib("/documents/search"),
            json!({"filters": {"anywhere": "\"x"}}),
        )
        .await;
    assert_error(st, &body, StatusCode::BAD_REQUEST);
    s.stop().await;
}

#[tokio::test]
async fn a_repeated_prefix_costs_one_and_different_prefixes_are_bounded() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    s.upload(
        &folder,
        "abatement.txt",
        b"Abatement of rent under the lease.",
        json!({"name": "Abatement notice"}),
    )
    .await;
    s.upload(
        &folder,
        "other.txt",
        b"Nothing of the kind here.",
        json!({"name": "Other"}),
    )
    .await;
    s.wait_for_index().await;
    let (st, one) = search(&s, &s.token, &format!("anywhere={}", q("ab*"))).await;
    assert_eq!(st, StatusCode::OK, "{one}");
    assert_eq!(names(&one), vec!["Abatement notice"]);
    let repeated = vec!["ab*"; 256].join(" OR ");
    let (st, many) = search(&s, &s.token, &format!("anywhere={}", q(&repeated))).await;
    assert_eq!(st, StatusCode::OK, "{many}");
    assert_eq!(names(&many), names(&one));

    let prefixes = |n: usize| {
        (0..n)
            .map(|i| format!("p{i:02}*"))
            .collect::<Vec<_>>()
            .join(" OR ")
    };
    let (st, body) = search(&s, &s.token, &format!("anywhere={}", q(&prefixes(16)))).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, body) = search(&s, &s.token, &format!("anywhere={}", q(&prefixes(17)))).await;
    assert_eq!(
        assert_error(st, &body, StatusCode::BAD_REQUEST),
        "NRC_INVALID_INPUT"
    );
    assert_eq!(crate::harness::error_field(&body), "anywhere");
    let message = body["error"]["code_message"].as_str().unwrap_or_default();
    assert!(
        message.contains("more than 16 different wildcard terms"),
        "{body}"
    );
    // Workspace searches parse the same language.
    let r = s
        .http
        .get(s.lib(&format!("/workspaces?anywhere={}", q(&prefixes(17)))))
        .header("X-Auth-Token", &s.token)
        .send()
        .await
        .expect("workspace search");
    let st = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_error(st, &body, StatusCode::BAD_REQUEST);
    s.stop().await;
}

#[tokio::test]
async fn hostile_files_are_recorded_and_never_stop_indexing() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let mut cfb = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    cfb.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let unknown: Vec<u8> = (0..4096u32).map(|i| 0x80 + (i % 120) as u8).collect();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("bomb.zip", zip_bomb()),
        ("corrupt.msg", cfb),
        ("garbage.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R /Size 999999999 >>\n%%EOF".to_vec()),
        ("strange.txt", unknown),
    ];
    let mut ids = Vec::new();
    for (name, bytes) in &files {
        let d = s.upload(&folder, name, bytes, json!({"name": name})).await;
        ids.push(d["id"].as_str().expect("id").to_string());
    }
    s.upload(
        &folder,
        "fine.txt",
        b"an ordinary sentence about novation",
        json!({"name": "fine"}),
    )
    .await;
    s.wait_for_index().await;
    for (id, (name, _)) in ids.iter().zip(&files) {
        let st = index_status(&s, id).await;
        let status = st["status"].as_str().unwrap_or_default();
        assert!(
            ["indexed", "metadata_only", "failed"].contains(&status),
            "{name}: {st}"
        );
        if status != "indexed" {
            assert!(
                st["reason"].as_str().is_some_and(|r| !r.is_empty()),
                "{name}: {st}"
            );
        }
        // Each is still found by its profile.
        assert_eq!(
            anywhere(&s, &format!("name:\"{name}\"")).await,
            [name.to_string()]
        );
    }
    let bomb = index_status(&s, &ids[0]).await;
    assert_ne!(
        bomb["status"], "failed",
        "a zip bomb is cut short, not a crash: {bomb}"
    );
    let msg = index_status(&s, &ids[1]).await;
    assert_ne!(msg["status"], "indexed", "{msg}");
    assert_eq!(anywhere(&s, "novation").await, ["fine"]);
    s.stop().await;
}

#[tokio::test]
async fn reindex_rebuilds_beside_the_live_index_and_the_server_switches_to_it() {
    if crate::harness::postgres_base().is_some() || s3_configured() {
        // The CLI is pointed at the suite's SQLite database and local content below.
        return;
    }
    let s = TestServer::start().await;
    let folder = s.folder().await;
    for i in 0..30 {
        s.upload(
            &folder,
            &format!("r{i}.txt"),
            format!("rebuild sample {i} with the word sequoia").as_bytes(),
            json!({"name": format!("sample {i}")}),
        )
        .await;
    }
    s.wait_for_index().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
        .arg("reindex")
        .arg("--data-dir")
        .arg(s.dir.path())
        .env("DOSSIER_EXTRACT_PROGRAM", env!("CARGO_BIN_EXE_dossier"))
        .output()
        .expect("dossier reindex");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("reindexed 30 documents"), "{stdout}");
    // The server adopts the new generation between two rounds and keeps answering.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let current =
            std::fs::read_to_string(s.dir.path().join("index").join("CURRENT")).unwrap_or_default();
        let generations = std::fs::read_dir(s.dir.path().join("index"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().is_dir())
                    .count()
            })
            .unwrap_or(0);
        if generations == 1 && !current.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not switch"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (_, body) = search(&s, &s.token, "anywhere=sequoia&total=true").await;
    assert_eq!(body["total_count"], 30, "{body}");
    // A change after the rebuild started is applied on top of it.
    s.upload(
        &folder,
        "late.txt",
        b"sequoia again",
        json!({"name": "late"}),
    )
    .await;
    s.wait_for_index().await;
    let (_, body) = search(&s, &s.token, "anywhere=sequoia&total=true").await;
    assert_eq!(body["total_count"], 31, "{body}");
    s.stop().await;
}

fn s3_configured() -> bool {
    std::env::var("DOSSIER_TEST_S3_ENDPOINT").is_ok_and(|v| !v.is_empty())
}

/// Texts extracted before migration 0008 are blobs of the content store named by
/// `text_hash`, not text in their row: they are still read, when the document is indexed
/// again and for highlights.
#[tokio::test]
async fn texts_cached_as_blobs_before_migration_0008_are_still_read() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let doc = s
        .upload(
            &folder,
            "lease.txt",
            b"The tenant shall keep the premises in repair.",
            json!({"name": "Old lease"}),
        )
        .await;
    let id = doc["id"].as_str().unwrap_or_default().to_string();
    s.wait_for_index().await;
    // The row as an older version wrote it. The blob's text carries a word the file does
    // not, so finding that word proves the blob was read.
    let d = s.dossier();
    let blob = d
        .content_store()
        .put_bytes(bytes::Bytes::from_static(
            b"The tenant shall keep the premises in quiescent repair.",
        ))
        .await
        .expect("blob");
    let mut tx = d.store().begin().await.expect("begin");
    let changed = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE extracted_text SET text = NULL, text_hash = '{}'",
        blob.hash
    )))
    .execute(tx.conn())
    .await
    .expect("update");
    assert_eq!(changed.rows_affected(), 1);
    tx.commit().await.expect("commit");
    assert!(anywhere(&s, "quiescent").await.is_empty());

    // A profile edit makes the indexer read the document, and its text from the cache.
    let (st, body) = s
        .patch(
            &s.lib(&format!("/documents/{id}")),
            json!({"name": "Old lease renamed"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    s.wait_for_index().await;
    let (st, body) = search(&s, &s.token, "anywhere=quiescent").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(names(&body), ["Old lease renamed"]);
    let marked = body["data"]["results"][0]["highlights"]["body"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(marked.contains("<b>quiescent</b>"), "{body}");
    s.stop().await;
}
