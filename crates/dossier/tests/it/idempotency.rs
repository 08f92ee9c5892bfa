//! `Idempotency-Key` on every creating call, black-box: a retry with the same key and
//! request creates nothing and gets the first answer; the same key with another request
//! is a conflict; a failed attempt can be retried; concurrent requests with one key create
//! one object; keys are each caller's own.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN_PASSWORD, TestServer, assert_error};

/// What one request answered.
struct Answer {
    status: StatusCode,
    replayed: bool,
    location: Option<String>,
    body: Value,
}

async fn send_keyed(
    s: &TestServer,
    token: &str,
    method: Method,
    url: &str,
    key: &str,
    body: Option<Value>,
) -> Answer {
    let mut r = s
        .http
        .request(method, url)
        .header("X-Auth-Token", token)
        .header("Idempotency-Key", key);
    if let Some(b) = body {
        r = r.json(&b);
    }
    answer(r.send().await.unwrap()).await
}

async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status();
    let replayed = r
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = r.text().await.unwrap();
    Answer {
        status,
        replayed,
        location,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

/// Sends the same keyed request twice: the first creates (201), the second is the same
/// answer replayed. Returns the answer's body.
async fn create_twice(s: &TestServer, url: &str, key: &str, body: Value) -> Value {
    let first = send_keyed(s, &s.token, Method::POST, url, key, Some(body.clone())).await;
    assert_eq!(first.status, StatusCode::CREATED, "{url}: {}", first.body);
    assert!(!first.replayed);
    let again = send_keyed(s, &s.token, Method::POST, url, key, Some(body)).await;
    assert_eq!(again.status, StatusCode::CREATED, "{url}: {}", again.body);
    assert!(again.replayed, "{url}: the retry is marked as a replay");
    assert_eq!(again.body, first.body, "{url}: the same answer");
    assert_eq!(again.location, first.location);
    first.body
}

async fn count(s: &TestServer, url: &str) -> usize {
    let body = s.get_json(url).await;
    let list = if body["data"]["results"].is_array() {
        &body["data"]["results"]
    } else {
        &body["data"]
    };
    list.as_array().unwrap_or_else(|| panic!("{body}")).len()
}

async fn workspace_count(s: &TestServer) -> i64 {
    s.get_json(&s.lib("/workspaces?total=true")).await["total_count"]
        .as_i64()
        .unwrap()
}

/// A multipart upload body with a fixed boundary: a client's retry sends the same bytes.
fn multipart(file_name: &str, content: &str) -> (String, Vec<u8>) {
    let boundary = "dossier-idempotency-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"profile\"\r\nContent-Type: application/json\r\n\r\n\
         {{\"doc_profile\": {{\"name\": \"{file_name}\"}}}}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/plain\r\n\r\n\
         {content}\r\n--{boundary}--\r\n"
    );
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

async fn upload_keyed(
    s: &TestServer,
    folder: &str,
    key: &str,
    file: &str,
    content: &str,
) -> Answer {
    let (content_type, bytes) = multipart(file, content);
    let r = s
        .req(
            Method::POST,
            &s.lib(&format!("/folders/{folder}/documents")),
        )
        .header("Idempotency-Key", key)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    answer(r).await
}

#[tokio::test]
async fn a_retry_of_each_creating_call_creates_nothing_and_answers_the_same() {
    let s = TestServer::start().await;
    // Workspace.
    let before = workspace_count(&s).await;
    let ws = create_twice(
        &s,
        &s.lib("/workspaces"),
        "ws-1",
        json!({"name": "Idempotent matter"}),
    )
    .await;
    let ws = ws["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(workspace_count(&s).await, before + 1);
    // Folder, tab and search folder in the workspace, a subfolder in the folder.
    let folder = create_twice(
        &s,
        &s.lib(&format!("/workspaces/{ws}/folders")),
        "folder-1",
        json!({"name": "Pleadings"}),
    )
    .await;
    let folder = folder["data"]["id"].as_str().unwrap().to_string();
    create_twice(
        &s,
        &s.lib(&format!("/workspaces/{ws}/tabs")),
        "tab-1",
        json!({"name": "Correspondence"}),
    )
    .await;
    assert_eq!(
        count(&s, &s.lib(&format!("/workspaces/{ws}/children"))).await,
        2
    );
    create_twice(
        &s,
        &s.lib(&format!("/folders/{folder}/subfolders")),
        "sub-1",
        json!({"name": "Drafts"}),
    )
    .await;
    assert_eq!(
        count(&s, &s.lib(&format!("/folders/{folder}/children"))).await,
        1
    );
    // A document upload: the same bytes again are the same document.
    let first = upload_keyed(&s, &folder, "doc-1", "memo.txt", "the memo").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = upload_keyed(&s, &folder, "doc-1", "memo.txt", "the memo").await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert!(again.replayed);
    assert_eq!(again.body["data"]["id"], first.body["data"]["id"]);
    assert_eq!(
        count(&s, &s.lib(&format!("/folders/{folder}/documents"))).await,
        1
    );
    // Another file under the same key is refused, and filed nowhere.
    let other = upload_keyed(&s, &folder, "doc-1", "memo.txt", "another memo").await;
    assert_error(other.status, &other.body, StatusCode::CONFLICT);
    assert_eq!(
        count(&s, &s.lib(&format!("/folders/{folder}/documents"))).await,
        1
    );
    // Users and groups, in the Work API and the v1 user API: without the key a second
    // create would be a 409; with it, the first answer.
    let v2 = format!("{}/work/api/v2/customers/1", s.base);
    let v1 = format!("{}/api/v1/customers/ACTIVE", s.base);
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    for (url, key, body) in [
        (
            format!("{v2}/users"),
            "u-1",
            json!({"id": "idem1", "libraries": ["ACTIVE"]}),
        ),
        (format!("{v2}/groups"), "g-1", json!({"id": "idemgrp"})),
        (
            format!("{v1}/users"),
            "u-2",
            json!({"login_name": "idem2", "email": "i@acme.example", "first_name": "I", "last_name": "Dem"}),
        ),
        (
            format!("{v1}/groups"),
            "g-2",
            json!({"id": "idemgrp2", "name": "Idem"}),
        ),
    ] {
        let first = send_keyed(&s, &admin, Method::POST, &url, key, Some(body.clone())).await;
        assert_eq!(first.status, StatusCode::CREATED, "{url}: {}", first.body);
        let again = send_keyed(&s, &admin, Method::POST, &url, key, Some(body.clone())).await;
        assert_eq!(
            (again.status, again.replayed),
            (StatusCode::CREATED, true),
            "{url}: {}",
            again.body
        );
        assert_eq!(again.body, first.body);
        // The same body without a key is a real second attempt: the object exists.
        let (st, e) = s.send_json_as(&admin, Method::POST, &url, body).await;
        assert_error(st, &e, StatusCode::CONFLICT);
    }
    s.stop().await;
}

#[tokio::test]
async fn the_same_key_with_another_request_is_a_conflict_and_keys_are_per_caller() {
    let s = TestServer::start().await;
    let url = s.lib("/workspaces");
    let first = send_keyed(
        &s,
        &s.token,
        Method::POST,
        &url,
        "k",
        Some(json!({"name": "One"})),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let before = workspace_count(&s).await;
    let other = send_keyed(
        &s,
        &s.token,
        Method::POST,
        &url,
        "k",
        Some(json!({"name": "Two"})),
    )
    .await;
    assert_error(other.status, &other.body, StatusCode::CONFLICT);
    let ws = first.body["data"]["id"].as_str().unwrap();
    let elsewhere = send_keyed(
        &s,
        &s.token,
        Method::POST,
        &s.lib(&format!("/workspaces/{ws}/folders")),
        "k",
        Some(json!({"name": "One"})),
    )
    .await;
    assert_error(elsewhere.status, &elsewhere.body, StatusCode::CONFLICT);
    assert_eq!(workspace_count(&s).await, before);
    // Another user's same key and body is their own request.
    let other_user = s.new_user("keyholder", "keyholder-password-1").await;
    let theirs = send_keyed(
        &s,
        &other_user,
        Method::POST,
        &url,
        "k",
        Some(json!({"name": "One"})),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.body);
    assert!(!theirs.replayed);
    assert_ne!(theirs.body["data"]["id"], first.body["data"]["id"]);
    // A key that cannot be one.
    let long = "x".repeat(256);
    for key in ["", long.as_str(), "with space"] {
        let a = send_keyed(
            &s,
            &s.token,
            Method::POST,
            &url,
            key,
            Some(json!({"name": "Three"})),
        )
        .await;
        assert_error(a.status, &a.body, StatusCode::BAD_REQUEST);
    }
    assert_eq!(workspace_count(&s).await, before + 1);
    // Only creating calls remember: a keyed read is just a read.
    let read = send_keyed(&s, &s.token, Method::GET, &url, "k", None).await;
    assert_eq!((read.status, read.replayed), (StatusCode::OK, false));
    s.stop().await;
}

#[tokio::test]
async fn a_failed_first_attempt_can_be_retried_with_its_key() {
    let s = TestServer::start().await;
    let url = s.lib("/workspaces");
    let before = workspace_count(&s).await;
    let bad = send_keyed(
        &s,
        &s.token,
        Method::POST,
        &url,
        "retry-me",
        Some(json!({"name": "Matter", "default_security": "nonsense"})),
    )
    .await;
    assert_error(bad.status, &bad.body, StatusCode::BAD_REQUEST);
    assert_eq!(workspace_count(&s).await, before);
    create_twice(&s, &url, "retry-me", json!({"name": "Matter"})).await;
    assert_eq!(workspace_count(&s).await, before + 1);
    // The v1 user API alike: a create missing fields, then the complete one.
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    let v1 = format!("{}/api/v1/customers/ACTIVE/users", s.base);
    let bad = send_keyed(
        &s,
        &admin,
        Method::POST,
        &v1,
        "hire",
        Some(json!({"login_name": "newhire"})),
    )
    .await;
    assert_error(bad.status, &bad.body, StatusCode::BAD_REQUEST);
    let body = json!({"login_name": "newhire", "email": "n@acme.example", "first_name": "New", "last_name": "Hire"});
    let good = send_keyed(&s, &admin, Method::POST, &v1, "hire", Some(body.clone())).await;
    assert_eq!(good.status, StatusCode::CREATED, "{}", good.body);
    let again = send_keyed(&s, &admin, Method::POST, &v1, "hire", Some(body)).await;
    assert_eq!((again.status, again.replayed), (StatusCode::CREATED, true));
    assert_eq!(again.body["data"]["id"], good.body["data"]["id"]);
    s.stop().await;
}

#[tokio::test]
async fn concurrent_requests_with_one_key_create_one_object() {
    let s = TestServer::start().await;
    let url = s.lib("/workspaces");
    let before = workspace_count(&s).await;
    let attempts = (0..8).map(|_| {
        send_keyed(
            &s,
            &s.token,
            Method::POST,
            &url,
            "race",
            Some(json!({"name": "Raced matter"})),
        )
    });
    let answers = futures::future::join_all(attempts).await;
    let mut ids = std::collections::BTreeSet::new();
    for a in &answers {
        match a.status {
            StatusCode::CREATED => {
                ids.insert(a.body["data"]["id"].as_str().unwrap().to_string());
            }
            // Still running when the retry came: told so, nothing done.
            StatusCode::CONFLICT => {
                assert_error(a.status, &a.body, StatusCode::CONFLICT);
            }
            other => panic!("unexpected {other}: {}", a.body),
        }
    }
    assert_eq!(ids.len(), 1, "every success names the one workspace");
    assert_eq!(workspace_count(&s).await, before + 1);
    // Once it is done, a retry is answered from memory.
    let again = send_keyed(
        &s,
        &s.token,
        Method::POST,
        &url,
        "race",
        Some(json!({"name": "Raced matter"})),
    )
    .await;
    assert_eq!((again.status, again.replayed), (StatusCode::CREATED, true));
    assert!(ids.contains(again.body["data"]["id"].as_str().unwrap()));
    s.stop().await;
}

/// Keys are remembered for a day: the housekeeping's purge forgets older ones (here the
/// key's age is set back in the table, as no test waits a day), and a retry after that is
/// a new request.
#[tokio::test]
async fn keys_older_than_a_day_are_purged() {
    let s = TestServer::start().await;
    let url = s.lib("/workspaces");
    let old = send_keyed(
        &s,
        &s.token,
        Method::POST,
        &url,
        "old",
        Some(json!({"name": "Old"})),
    )
    .await;
    assert_eq!(old.status, StatusCode::CREATED);
    let fresh = send_keyed(
        &s,
        &s.token,
        Method::POST,
        &url,
        "fresh",
        Some(json!({"name": "Fresh"})),
    )
    .await;
    assert_eq!(fresh.status, StatusCode::CREATED);
    let mut tx = s.dossier().store().begin().await.unwrap();
    let day_and_more = 25 * 3600 * 1_000_000_i64;
    let changed = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE idempotency_keys SET created_at = created_at - {day_and_more} WHERE idem_key = 'old'"
    )))
    .execute(tx.conn())
    .await
    .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    tx.commit().await.unwrap();
    assert_eq!(
        s.dossier().purge_expired_idempotency_keys().await.unwrap(),
        1
    );
    let again = send_keyed(
        &s,
        &s.token,
        Method::POST,
        &url,
        "old",
        Some(json!({"name": "Old"})),
    )
    .await;
    assert_eq!((again.status, again.replayed), (StatusCode::CREATED, false));
    assert_ne!(again.body["data"]["id"], old.body["data"]["id"]);
    let kept = send_keyed(
        &s,
        &s.token,
        Method::POST,
        &url,
        "fresh",
        Some(json!({"name": "Fresh"})),
    )
    .await;
    assert_eq!((kept.status, kept.replayed), (StatusCode::CREATED, true));
    s.stop().await;
}

/// A client that gives up on its first attempt (its own timeout) and retries with the key
/// ends with one document, however far the first attempt got: the server finishes or
/// drops it whole and then answers the retry (a 409 "in progress" meanwhile).
#[tokio::test]
async fn a_retry_after_the_client_gave_up_files_one_document() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let content = "x".repeat(2 << 20);
    let (content_type, bytes) = multipart("big.txt", &content);
    let url = s.lib(&format!("/folders/{folder}/documents"));
    let impatient = s
        .req(Method::POST, &url)
        .header("Idempotency-Key", "impatient")
        .header("content-type", content_type.clone())
        .timeout(std::time::Duration::from_millis(5))
        .body(bytes.clone())
        .send()
        .await;
    if let Ok(r) = impatient {
        // Fast enough after all: a normal first answer.
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let mut answered = None;
    for _ in 0..600 {
        let r = s
            .req(Method::POST, &url)
            .header("Idempotency-Key", "impatient")
            .header("content-type", content_type.clone())
            .body(bytes.clone())
            .send()
            .await
            .unwrap();
        let a = answer(r).await;
        if a.status == StatusCode::CONFLICT {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        }
        answered = Some(a);
        break;
    }
    let a = answered.expect("the first attempt never finished");
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(
        count(&s, &s.lib(&format!("/folders/{folder}/documents"))).await,
        1
    );
    s.stop().await;
}
