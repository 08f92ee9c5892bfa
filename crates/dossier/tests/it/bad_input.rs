use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::harness::{TestServer, assert_error, error_field};

async fn document_count(s: &TestServer) -> i64 {
    s.get_json(&s.lib("/documents?total=true")).await["total_count"]
        .as_i64()
        .unwrap()
}

async fn raw_upload(
    s: &TestServer,
    folder: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let r = s
        .req(
            Method::POST,
            &s.lib(&format!("/folders/{folder}/documents")),
        )
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn malformed_uploads_are_rejected_cleanly() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let ct = "multipart/form-data; boundary=XyZ";

    let truncated = b"--XyZ\r\nContent-Disposition: form-data; name=\"profile\"\r\n\r\n{}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhalf a fi".to_vec();
    let (status, e) = raw_upload(&s, &folder, ct, truncated).await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);

    let not_json = b"--XyZ\r\nContent-Disposition: form-data; name=\"profile\"\r\n\r\n{not json\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nabc\r\n--XyZ--\r\n".to_vec();
    let (status, e) = raw_upload(&s, &folder, ct, not_json).await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&e), "profile");

    let no_file = b"--XyZ\r\nContent-Disposition: form-data; name=\"profile\"\r\n\r\n{\"doc_profile\":{\"name\":\"x\"}}\r\n--XyZ--\r\n".to_vec();
    let (status, e) = raw_upload(&s, &folder, ct, no_file).await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&e), "file");

    let (status, e) = raw_upload(&s, &folder, "multipart/form-data", b"garbage".to_vec()).await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);

    for (profile, field) in [
        (json!({"doc_profile": {"name": "../../etc/passwd"}}), "name"),
        (json!({"doc_profile": {"name": "x".repeat(255)}}), "name"),
        (json!({"doc_profile": {"class": "NOSUCHCLASS"}}), "class"),
        (json!({"doc_profile": {"author": "NOBODY"}}), "author"),
        (json!({"doc_profile": {"custom17": "many"}}), "custom17"),
        (
            json!({"doc_profile": {"default_security": "open"}}),
            "default_security",
        ),
        (json!({"doc_profile": "text"}), "doc_profile"),
    ] {
        let (status, e) = s
            .upload_raw(
                &folder,
                TestServer::upload_form(profile.clone(), "a.txt", b"abc".to_vec()),
            )
            .await;
        assert_error(status, &e, StatusCode::BAD_REQUEST);
        assert_eq!(error_field(&e), field, "{profile}");
    }
    assert_eq!(document_count(&s).await, 0, "nothing was filed");
    if let Some(n) = s.blob_files() {
        assert_eq!(
            n, 0,
            "profiles checked before the file part store no content"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn unknown_places_and_malformed_ids() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    for url in [
        format!(
            "{}/work/api/v2/customers/2/libraries/ACTIVE/workspaces",
            s.base
        ),
        format!(
            "{}/work/api/v2/customers/abc/libraries/ACTIVE/workspaces",
            s.base
        ),
        format!(
            "{}/work/api/v2/customers/1/libraries/NOPE/workspaces",
            s.base
        ),
        s.lib("/documents/ACTIVE!999999"),
        s.lib("/documents/OTHER!1"),
        s.lib("/folders/ACTIVE!999999"),
        s.lib("/no/such/route"),
    ] {
        let r = s.get(&url).await;
        let status = r.status();
        assert_error(status, &r.json().await.unwrap(), StatusCode::NOT_FOUND);
    }
    for id in [
        "ACTIVE!abc",
        "ACTIVE!1.0",
        "ACTIVE!-3",
        "ACTIVE!1.2.3",
        "ACTIVE!%2E%2E",
    ] {
        let r = s.get(&s.lib(&format!("/documents/{id}"))).await;
        let status = r.status();
        assert_error(status, &r.json().await.unwrap(), StatusCode::BAD_REQUEST);
    }
    let r = s
        .req(Method::PUT, &s.lib(&format!("/folders/{folder}")))
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_error(
        status,
        &r.json().await.unwrap(),
        StatusCode::METHOD_NOT_ALLOWED,
    );
    let r = s
        .req(Method::POST, &s.lib("/workspaces"))
        .header("Content-Type", "application/json")
        .body("{\"name\":")
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_error(status, &r.json().await.unwrap(), StatusCode::BAD_REQUEST);
    let (status, e) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "W", "default_security": "inherit"}),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    let (status, e) = s
        .post(&s.lib("/workspaces"), json!({"description": "no name"}))
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    let (status, e) = s
        .post(
            &s.lib(&format!("/folders/{folder}/subfolders")),
            json!({"name": "n".repeat(300)}),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    let r = s.get(&s.lib("/workspaces?limit=0")).await;
    let status = r.status();
    assert_error(status, &r.json().await.unwrap(), StatusCode::BAD_REQUEST);
    let r = s
        .get(&s.lib("/workspaces?paging_mode=standard_cursor&cursor=forged"))
        .await;
    let status = r.status();
    assert_error(status, &r.json().await.unwrap(), StatusCode::BAD_REQUEST);
    s.stop().await;
}

#[tokio::test]
async fn a_client_that_disconnects_mid_upload_leaves_nothing() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let host = s.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /work/api/v2/customers/1/libraries/ACTIVE/folders/{folder}/documents HTTP/1.1\r\nHost: {host}\r\nX-Auth-Token: {}\r\nContent-Type: multipart/form-data; boundary=B0und\r\nContent-Length: 50000000\r\n\r\n",
        s.token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(b"--B0und\r\nContent-Disposition: form-data; name=\"profile\"\r\n\r\n{\"doc_profile\":{\"name\":\"cut\"}}\r\n--B0und\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.bin\"\r\n\r\n").await.unwrap();
    // More than the in-memory threshold, so a staged object exists when the client leaves.
    let chunk = vec![b'z'; 64 * 1024];
    for _ in 0..48 {
        stream.write_all(&chunk).await.unwrap();
    }
    stream.flush().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    drop(stream);

    let mut clean = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if s.staging_files().unwrap_or(0) == 0 {
            clean = true;
            break;
        }
    }
    assert!(clean, "the partial upload was cleaned up");
    assert_eq!(document_count(&s).await, 0);
    if let Some(n) = s.blob_files() {
        assert_eq!(n, 0);
    }
    let report = s.dossier().check().await.unwrap();
    assert!(report.is_clean(), "{report:?}");
    s.stop().await;
}

#[tokio::test]
async fn an_unwritable_content_store_is_a_clear_error_and_creates_nothing() {
    let s = TestServer::start().await;
    let Some(content) = s.content_dir.clone() else {
        s.stop().await;
        return;
    };
    let folder = s.folder().await;
    // A regular file where the blob directory should be: every write under it fails, even
    // for root, which ignores permission bits.
    let blobs = content.join("blobs");
    let _ = std::fs::remove_dir_all(&blobs);
    std::fs::write(&blobs, b"not a directory").unwrap();
    let (status, e) = s
        .upload_raw(
            &folder,
            TestServer::upload_form(json!({}), "a.txt", b"abc".to_vec()),
        )
        .await;
    assert_error(status, &e, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(document_count(&s).await, 0);
    std::fs::remove_file(&blobs).unwrap();
    let doc = s.upload(&folder, "a.txt", b"abc", json!({})).await;
    assert_eq!(
        doc["version"], 1,
        "the next upload after the store recovers succeeds"
    );
    s.stop().await;
}

/// A content store on a 2 MiB tmpfs: an upload that does not fit is a 503 in the envelope,
/// files nothing and leaves no partial content; smaller uploads keep working.
#[tokio::test]
async fn a_full_content_disk_is_a_clear_error_and_creates_nothing() {
    let mount = tempfile::tempdir().unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(mount.path())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: this machine does not let the test mount a small tmpfs");
        return;
    }
    let content = mount.path().join("content");
    let mut extra = std::collections::BTreeMap::new();
    extra.insert(
        "DOSSIER_CONTENT_URL".to_string(),
        content.display().to_string(),
    );
    let mut s = TestServer::start_with(extra).await;
    if s.content_dir.is_none() {
        // The S3 suite keeps content in S3 whatever this test asks for.
        s.stop().await;
        let _ = std::process::Command::new("umount")
            .arg(mount.path())
            .status();
        return;
    }
    s.content_dir = Some(content.clone());
    let folder = s.folder().await;
    let big = vec![7u8; 3 * 1024 * 1024];
    let (status, e) = s
        .upload_raw(&folder, TestServer::upload_form(json!({}), "big.bin", big))
        .await;
    assert_error(status, &e, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(document_count(&s).await, 0);
    assert_eq!(s.staging_files(), Some(0), "the partial upload was removed");
    let doc = s.upload(&folder, "small.txt", b"fits", json!({})).await;
    assert_eq!(doc["size"], 4);
    s.stop().await;
    let _ = std::process::Command::new("umount")
        .arg(mount.path())
        .status();
}

/// `GET url`: its status and JSON body.
async fn get_status(s: &TestServer, url: &str) -> (StatusCode, Value) {
    let r = s.get(url).await;
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn workspace_count(s: &TestServer) -> i64 {
    s.get_json(&s.lib("/workspaces?total=true")).await["total_count"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn json_of_the_wrong_type_is_refused_not_coerced() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let doc = s.upload(&folder, "a.txt", b"text", json!({})).await;
    let id = doc["id"].as_str().unwrap().to_string();
    let workspaces = workspace_count(&s).await;
    for (url, body, field) in [
        (s.lib("/workspaces"), json!({"name": 123}), "name"),
        (s.lib("/workspaces"), json!({"name": ["W"]}), "name"),
        (
            s.lib("/workspaces"),
            json!({"name": "W", "description": 5}),
            "description",
        ),
        (
            s.lib("/workspaces"),
            json!({"name": "W", "owner": 7}),
            "owner",
        ),
        (
            s.lib("/workspaces"),
            json!({"name": "W", "profile": {"name": 1.5}}),
            "name",
        ),
        (
            s.lib(&format!("/folders/{folder}/subfolders")),
            json!({"name": true}),
            "name",
        ),
        (
            s.lib(&format!("/documents/{id}/history")),
            json!({"activity": "VIEW", "comments": 5}),
            "comments",
        ),
        (
            s.lib(&format!("/documents/{id}/history")),
            json!({"activity": "VIEW", "duration": "5"}),
            "duration",
        ),
        (
            s.lib(&format!("/documents/{id}/lock")),
            json!({"comments": {"a": 1}}),
            "comments",
        ),
        // A folder id of the wrong type once meant "no folder": a copy in the home folder.
        (
            s.lib(&format!("/documents/{id}/copy")),
            json!({"folder_id": 5}),
            "folder_id",
        ),
        (
            s.lib("/customs/custom1"),
            json!({"id": "C1", "enabled": "yes"}),
            "enabled",
        ),
    ] {
        let (status, e) = s.post(&url, body.clone()).await;
        assert_eq!(
            assert_error(status, &e, StatusCode::BAD_REQUEST),
            "NRC_INVALID_INPUT",
            "{body}"
        );
        assert_eq!(error_field(&e), field, "{body}: {e}");
    }
    let (status, e) = s
        .patch(&s.lib(&format!("/documents/{id}")), json!({"comment": 42}))
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&e), "comment");
    let (status, e) = s
        .upload_raw(
            &folder,
            TestServer::upload_form(json!({"doc_profile": {"name": 7}}), "b.txt", b"x".to_vec()),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&e), "name");
    assert_eq!(workspace_count(&s).await, workspaces);
    assert_eq!(document_count(&s).await, 1);

    // What iManage clients send as numbers is still taken: a lookup alias that is a client
    // number, and name-value pair values.
    let (status, e) = s
        .post(
            &s.lib("/customs/custom1"),
            json!({"id": "1001", "description": "Acme"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    let (status, e) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "Acme", "custom1": 1001}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_eq!(e["data"]["custom1"], "1001");
    let (status, e) = s
        .patch(
            &s.lib(&format!("/documents/{id}/name-value-pairs")),
            json!({"TemplateId": 12}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["data"]["TemplateId"], "12");
    s.stop().await;
}

#[tokio::test]
async fn switches_and_orders_take_only_their_own_words() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    s.upload(&folder, "a.txt", b"text", json!({})).await;
    for (path, parameter, words) in [
        ("/documents", "include_subtree", "true, false, 1 or 0"),
        ("/documents", "sort_order", "asc or desc"),
        ("/documents", "results", "true, false, 1 or 0"),
        ("/documents", "paging_mode", "standard or standard_cursor"),
        ("/documents", "sort_by", "relevance, score"),
        ("/documents", "checked_out", "true, false, 1 or 0"),
        ("/documents/search", "sort_order", "asc or desc"),
        ("/workspaces", "sort_order", "asc or desc"),
        ("/workspaces", "results", "true, false, 1 or 0"),
        ("/workspaces", "paging_mode", "standard or standard_cursor"),
        ("/folders", "sort_by", "relevance, score"),
        ("/folders", "paging_mode", "standard or standard_cursor"),
    ] {
        let (status, e) = get_status(&s, &s.lib(&format!("{path}?{parameter}=banana"))).await;
        let code = assert_error(status, &e, StatusCode::BAD_REQUEST);
        assert_eq!(code, "NRC_INVALID_INPUT");
        assert_eq!(error_field(&e), parameter, "{path}: {e}");
        let message = e["error"]["code_message"].as_str().unwrap_or_default();
        assert!(
            message.contains(words) && message.contains("'banana'"),
            "{path}?{parameter}: {message}"
        );
    }
    // The POST search body is read the same way.
    let (status, e) = s
        .post(
            &s.lib("/documents/search"),
            json!({"filters": {"include_subtree": "banana"}}),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&e), "include_subtree");
    // Their words, in any case, still work.
    for query in [
        "include_subtree=TRUE",
        "sort_order=DESC",
        "results=true",
        "paging_mode=standard",
        "paging_mode=Standard_Cursor",
        "sort_by=document_number&sort_order=asc",
    ] {
        let (status, e) = get_status(&s, &s.lib(&format!("/documents?{query}"))).await;
        assert_eq!(status, StatusCode::OK, "{query}: {e}");
        let (status, e) = get_status(&s, &s.lib(&format!("/workspaces?{query}"))).await;
        assert_eq!(status, StatusCode::OK, "{query}: {e}");
    }
    s.stop().await;
}

#[tokio::test]
async fn free_text_and_name_value_pairs_are_bounded_and_nothing_is_written_beyond() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let doc = s.upload(&folder, "a.txt", b"text", json!({})).await;
    let id = doc["id"].as_str().unwrap().to_string();
    let history_url = s.lib(&format!("/documents/{id}/history"));
    let entries = |body: Value| body["data"].as_array().map_or(0, Vec::len);
    let before = entries(s.get_json(&history_url).await);

    for (field, long) in [
        ("comments", "c".repeat(255)),
        ("comments", "c".repeat(1_000_000)),
        ("application_name", "a".repeat(255)),
        ("location", "l".repeat(255)),
        ("data1", "d".repeat(255)),
    ] {
        let (status, e) = s
            .post(&history_url, json!({"activity": "VIEW", field: long}))
            .await;
        assert_error(status, &e, StatusCode::BAD_REQUEST);
        assert_eq!(error_field(&e), field);
        let message = e["error"]["code_message"].as_str().unwrap_or_default();
        assert!(message.contains("the limit is 254"), "{message}");
    }
    assert_eq!(entries(s.get_json(&history_url).await), before);
    let (status, e) = s
        .post(
            &history_url,
            json!({"activity": "VIEW", "comments": "é".repeat(254)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_eq!(entries(s.get_json(&history_url).await), before + 1);

    let (status, e) = s
        .post(
            &s.lib(&format!("/documents/{id}/lock")),
            json!({"comments": "c".repeat(255)}),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    let (status, _) = get_status(&s, &s.lib(&format!("/documents/{id}/checkout"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing was checked out");
    let (status, e) = s
        .upload_raw(
            &folder,
            TestServer::upload_form(
                json!({"doc_profile": {}, "audit": {"comments": "c".repeat(255)}}),
                "b.txt",
                b"x".to_vec(),
            ),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&e), "comments");

    let nvps = s.lib(&format!("/documents/{id}/name-value-pairs"));
    let pairs = |n: usize| {
        Value::Object(
            (0..n)
                .map(|i| (format!("key{i}"), json!("value")))
                .collect(),
        )
    };
    let (status, e) = s.patch(&nvps, pairs(257)).await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    let message = e["error"]["code_message"].as_str().unwrap_or_default();
    assert!(
        message.contains("at most 256 name-value pairs"),
        "{message}"
    );
    for bad in [
        json!({"first": "kept?", "k".repeat(129): "v"}),
        json!({"first": "kept?", "second": "v".repeat(4001)}),
    ] {
        let (status, e) = s.patch(&nvps, bad).await;
        assert_error(status, &e, StatusCode::BAD_REQUEST);
    }
    assert_eq!(s.get_json(&nvps).await["data"], json!({}));
    let (status, e) = s.patch(&nvps, pairs(256)).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["data"].as_object().map_or(0, |o| o.len()), 256);
    s.stop().await;
}

#[tokio::test]
async fn download_ranges_follow_rfc_9110() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let body: Vec<u8> = (0..100u8).collect();
    let doc = s.upload(&folder, "r.bin", &body, json!({})).await;
    let url = s.lib(&format!(
        "/documents/{}/download",
        doc["id"].as_str().unwrap()
    ));
    let ranged = |range: &'static str| s.req(Method::GET, &url).header("Range", range).send();
    for unsatisfiable in ["bytes=-0", "bytes=100-", "bytes=100-200"] {
        let r = ranged(unsatisfiable).await.unwrap();
        let status = r.status();
        assert_eq!(
            r.headers()["content-range"],
            "bytes */100",
            "{unsatisfiable}"
        );
        assert_error(
            status,
            &r.json().await.unwrap(),
            StatusCode::RANGE_NOT_SATISFIABLE,
        );
    }
    // Invalid syntax and several ranges: the whole content.
    for whole in [
        "bytes=5-2",
        "bytes=+5-",
        "bytes=x-",
        "bytes=0-1,5-6",
        "lines=0-1",
    ] {
        let r = ranged(whole).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{whole}");
        assert!(r.headers().get("content-range").is_none(), "{whole}");
        assert_eq!(&r.bytes().await.unwrap()[..], &body[..], "{whole}");
    }
    let r = ranged("bytes=-1").await.unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.headers()["content-range"], "bytes 99-99/100");
    assert_eq!(&r.bytes().await.unwrap()[..], &body[99..]);
    // If-Range naming other content: the whole of this one.
    let r = s
        .req(Method::GET, &url)
        .header("Range", "bytes=0-9")
        .header("If-Range", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().len(), 100);
    s.stop().await;
}
