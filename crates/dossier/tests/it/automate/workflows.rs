//! Workflow triggers end to end: a flow registered as the connector registers it (its
//! identity headers, a callback on a local receiver), started through the Work API by a
//! member of its audience on one and on three documents, the receiver's payloads checked
//! against GetTriggerSchema's schema, the run's states reported through
//! UpdateWorkflowState and read back, and the Location URL unregistering it. Then who is
//! refused: a user outside the audience, a member who cannot read a document, someone
//! else's run, bad values, unknown states, private callbacks without the setting.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{answer, assert_facade_error, check_response, op, url};
use crate::harness::{ADMIN_PASSWORD, TestServer, assert_error, error_field};

/// What the receiver got: path, headers (lower-case names), JSON body.
pub(crate) type Received = Arc<Mutex<Vec<(String, BTreeMap<String, String>, Value)>>>;

/// A flow's callback on 127.0.0.1: records each POST and answers 202 with a Power Automate
/// run id (`pa-run-N`).
pub(crate) async fn receiver() -> (String, Received) {
    let got: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/flow/{name}",
            axum::routing::post(
                |axum::extract::State(got): axum::extract::State<Received>,
                 axum::extract::Path(name): axum::extract::Path<String>,
                 headers: axum::http::HeaderMap,
                 body: axum::body::Bytes| async move {
                    let headers = headers
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                        .collect();
                    let body: Value = serde_json::from_slice(&body).expect("a JSON payload");
                    let n = {
                        let mut g = got.lock().expect("lock");
                        g.push((name, headers, body));
                        g.len()
                    };
                    (
                        axum::http::StatusCode::ACCEPTED,
                        [("x-ms-workflow-run-id", format!("pa-run-{n}"))],
                    )
                },
            ),
        )
        .with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), got)
}

pub(crate) async fn wait_for(
    got: &Received,
    count: usize,
) -> Vec<(String, BTreeMap<String, String>, Value)> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = got.lock().expect("lock").clone();
        if now.len() >= count {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "the receiver got {} of {count} calls",
            now.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The Work API's error envelope with this status; returns the field it names.
fn refused(status: StatusCode, body: &Value, expected: StatusCode) -> String {
    assert_error(status, body, expected);
    error_field(body)
}

pub(crate) fn allowing_localhost() -> BTreeMap<String, String> {
    BTreeMap::from([("DOSSIER_ALLOWED_WEBHOOK_HOSTS".into(), "127.0.0.1".into())])
}

/// The approval form: one field of each type.
pub(crate) async fn approval_form(s: &TestServer) {
    let (st, b) = s
        .post(
            &s.lib("/workflow-forms"),
            json!({
                "id": "approval",
                "name": "Approval",
                "fields": [
                    {"id": "reason", "label": "Reason", "type": "text", "required": true},
                    {"id": "pages", "label": "Pages", "type": "number"},
                    {"id": "urgent", "label": "Urgent", "type": "boolean"},
                    {"id": "due", "label": "Due", "type": "date"},
                    {"id": "level", "label": "Level", "type": "choice", "choices": ["low", "high"]},
                ],
            }),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
}

async fn upload(s: &TestServer, folder: &str, name: &str) -> String {
    s.upload(
        folder,
        &format!("{name}.txt"),
        name.as_bytes(),
        json!({"name": name}),
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_string()
}

pub(crate) async fn register(
    s: &TestServer,
    token: &str,
    trigger: &str,
    flow: Option<(&str, &str, &str)>,
    body: Value,
) -> reqwest::Response {
    let mut r = s
        .http
        .post(format!("{}/automate/work/hooks/register/{trigger}", s.base))
        .bearer_auth(token)
        .json(&body);
    if let Some((name, env, version)) = flow {
        r = r
            .header("x-ms-workflow-name", name)
            .header("x-ms-environment-id", env)
            .header("x-ms-workflow-version", version);
    }
    r.send().await.expect("register")
}

fn with_documents(s: &TestServer, documents: &str) -> reqwest::Url {
    reqwest::Url::parse_with_params(&s.lib("/workflows"), [("document_id", documents)])
        .expect("url")
}

async fn offered(s: &TestServer, token: &str, documents: &[&str]) -> Vec<Value> {
    let r = s
        .http
        .get(with_documents(s, &documents.join(",")))
        .header("X-Auth-Token", token)
        .send()
        .await
        .expect("offered");
    assert_eq!(r.status(), StatusCode::OK);
    let b: Value = r.json().await.expect("json");
    b["data"].as_array().expect("data").clone()
}

async fn start(
    s: &TestServer,
    token: &str,
    workflow: &str,
    documents: &[&str],
    values: Value,
) -> (StatusCode, Value) {
    s.send_json_as(
        token,
        Method::POST,
        &s.lib(&format!("/workflows/{workflow}/runs")),
        json!({"document_ids": documents, "values": values}),
    )
    .await
}

async fn trigger_schema(s: &TestServer, trigger: &str, infer: bool) -> Value {
    let (st, b) = answer(
        s.http
            .get(url(
                s,
                "/getTriggerSchema",
                &[
                    ("libraryId", "ACTIVE"),
                    ("formId", "approval"),
                    ("triggerId", trigger),
                    ("inferFolderId", if infer { "true" } else { "false" }),
                ],
            ))
            .bearer_auth(&s.token),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&op("GetTriggerSchema"), &b);
    b["data"].clone()
}

fn validates(schema: &Value, payload: &Value) {
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("the trigger schema does not compile: {e}\n{schema}"));
    let errors: Vec<String> = v.iter_errors(payload).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{payload}\n{}", errors.join("\n"));
}

async fn update_state(s: &TestServer, token: &str, run: &str, body: Value) -> (StatusCode, Value) {
    answer(
        s.http
            .patch(format!("{}/automate/work/updateWorkflowState", s.base))
            .bearer_auth(token)
            .header("x-ms-workflow-run-id", run)
            .json(&body),
    )
    .await
}

async fn run_view(s: &TestServer, token: &str, run: &str) -> (StatusCode, Value) {
    s.send_json_as(
        token,
        Method::GET,
        &s.lib(&format!("/workflow-runs/{run}")),
        json!({}),
    )
    .await
}

/// Waits until the run is delivered; returns its view.
async fn delivered(s: &TestServer, token: &str, run: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (st, b) = run_view(s, token, run).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        if b["data"]["delivery"] == "delivered" {
            return b["data"].clone();
        }
        assert!(Instant::now() < deadline, "not delivered: {b}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_flow_is_registered_started_delivered_tracked_and_unregistered() {
    let s = TestServer::start_with(allowing_localhost()).await;
    let (hooks, got) = receiver().await;
    approval_form(&s).await;
    // PAMEMBER is in the audience through PAGROUP; PAOTHER is a member of the library only.
    let member = s.new_user("PAMEMBER", "member-password-1").await;
    let other = s.new_user("PAOTHER", "other-password-1").await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    let (st, b) = s
        .send_json_as(
            &admin,
            Method::POST,
            &format!("{}/work/api/v2/customers/1/groups", s.base),
            json!({"id": "PAGROUP", "full_name": "Litigators"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, b) = s
        .send_json_as(
            &admin,
            Method::PUT,
            &format!("{}/work/api/v2/customers/1/groups/PAGROUP/members", s.base),
            json!({"action": "add", "data": ["PAMEMBER"]}),
        )
        .await;
    assert!(st.is_success(), "{b}");
    let workspace = s.create_workspace("Acme v Widget").await;
    let folder = s.create_folder(&workspace, "Pleadings").await;
    let d1 = upload(&s, &folder, "one").await;
    let d2 = upload(&s, &folder, "two").await;
    let d3 = upload(&s, &folder, "three").await;
    let secret = upload(&s, &folder, "secret").await;
    let (st, b) = s
        .patch(
            &s.lib(&format!("/documents/{secret}")),
            json!({"default_security": "private"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");

    // Registration, as Power Automate does it when the flow is saved.
    let single_body = |name: &str| {
        json!({
            "callbackUrl": format!("{hooks}/flow/single"),
            "workflowName": name,
            "description": "Ask a partner to approve",
            "libraryId": "ACTIVE",
            "formId": "approval",
            "inferFolderId": true,
            "groups": "PAGROUP",
            "workspaces": workspace,
            "waitForCompletion": true,
        })
    };
    let flow = Some(("flow-a", "env-1", "v1"));
    let r = register(
        &s,
        &s.token,
        "singleSelectedDocument",
        flow,
        single_body("Approve (old)"),
    )
    .await;
    if r.status() != StatusCode::OK {
        panic!("{}: {}", r.status(), r.text().await.unwrap_or_default());
    }
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location header")
        .to_string();
    let b: Value = r.json().await.expect("json");
    check_response(&op("SingleSelectedDocument"), &b);
    let single = b["data"].as_str().expect("the workflow id").to_string();
    assert_eq!(
        location,
        format!(
            "{}/automate/work/hooks/unregister/workflows/{single}?libraryId=ACTIVE&customerId=1&providerWorkflowVersion=v1",
            s.base
        )
    );
    // The same flow saved again replaces its registration: same id, one workflow offered.
    let r = register(
        &s,
        &s.token,
        "singleSelectedDocument",
        flow,
        single_body("Approve"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let b: Value = r.json().await.expect("json");
    assert_eq!(b["data"], json!(single));
    let listed = offered(&s, &member, &[&d1]).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], json!(single));
    assert_eq!(listed[0]["name"], "Approve");
    // The trigger for several documents.
    let r = register(
        &s,
        &s.token,
        "multipleSelectedDocuments",
        Some(("flow-b", "env-1", "v7")),
        json!({
            "callbackUrl": format!("{hooks}/flow/multi"),
            "workflowName": "Bundle",
            "description": "Bundle the selection",
            "libraryId": "ACTIVE",
            "formId": "approval",
            "inferFolderId": false,
            "users": "PAMEMBER",
        }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("location").is_some());
    let b: Value = r.json().await.expect("json");
    check_response(&op("MultipleSelectedDocuments"), &b);
    assert_eq!(b, json!({"data": {}}));
    let three = offered(&s, &member, &[&d1, &d2, &d3]).await;
    assert_eq!(three.len(), 1, "{three:?}");
    assert_eq!(three[0]["trigger"], "multiple_selected_documents");
    let multi = three[0]["id"].as_str().expect("id").to_string();

    // Outside the audience: nothing offered, and the workflow does not exist.
    assert!(offered(&s, &other, &[&d1]).await.is_empty());
    let values = json!({"reason": "check", "pages": 3, "urgent": true, "due": "2026-12-31", "level": "high"});
    let (st, b) = start(&s, &other, &single, &[&d1], values.clone()).await;
    assert_error(st, &b, StatusCode::NOT_FOUND);

    // Started on one document by a member of the audience.
    let (st, b) = start(&s, &member, &single, &[&d1], values.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let run = b["data"]["id"].as_str().expect("run id").to_string();
    let calls = wait_for(&got, 1).await;
    let (path, headers, payload) = &calls[0];
    assert_eq!(path, "single");
    assert!(headers.contains_key("webhook-signature"), "{headers:?}");
    assert_eq!(headers.get("webhook-id"), Some(&run));
    assert_eq!(
        headers.get("x-ms-workflow-name").map(String::as_str),
        Some("flow-a")
    );
    validates(
        &trigger_schema(&s, "single_selected_document", true).await,
        payload,
    );
    assert!(
        payload["document_id"]
            .as_str()
            .expect("document_id")
            .starts_with(&d1)
    );
    assert_eq!(payload["folder_id"], json!(folder));
    assert_eq!(payload["user_id"], "PAMEMBER");
    assert_eq!(payload["run_id"], json!(run));
    assert_eq!(payload["workflow_id"], json!(single));
    assert_eq!(
        payload["form"],
        json!({"reason": "check", "pages": 3.0, "urgent": true, "due": "2026-12-31", "level": "high"})
    );
    let view = delivered(&s, &member, &run).await;
    assert_eq!(view["flow_run_id"], "pa-run-1");
    assert_eq!(view["state"], "started");

    // The flow reports progress with Power Automate's run id, or Dossier's own.
    let states = op("GetWorkflowStateList");
    let (st, b) = answer(
        s.http
            .get(url(&s, "/getWorkflowStateList", &[] as &[(&str, &str)]))
            .bearer_auth(&s.token),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&states, &b);
    for (name, state, status) in [
        ("pa-run-1", "running", None),
        (run.as_str(), "waiting", Some("With the partner")),
        ("pa-run-1", "succeeded", Some("Approved")),
    ] {
        let mut body = json!({"libraryId": "ACTIVE", "state": state});
        if let Some(st) = status {
            body["status"] = json!(st);
            body["statusMessage"] = json!(format!("{st}, see the file"));
        }
        let (st, b) = update_state(&s, &s.token, name, body).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(b, json!({}));
    }
    let (st, b) = run_view(&s, &member, &run).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let v = &b["data"];
    assert_eq!(v["state"], "succeeded");
    assert_eq!(v["status"], "Approved");
    assert_eq!(v["message"], "Approved, see the file");
    let history: Vec<&str> = v["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|e| e["kind"] == "state")
        .map(|e| e["state"].as_str().expect("state"))
        .collect();
    assert_eq!(history, ["started", "running", "waiting", "succeeded"]);
    assert!(
        v["history"]
            .as_array()
            .expect("history")
            .iter()
            .any(|e| e["kind"] == "attempt" && e["http_status"] == 202),
        "{v}"
    );

    // Three documents: the multiple trigger's payload.
    let (st, b) = start(
        &s,
        &member,
        &multi,
        &[&d1, &d2, &d3],
        json!({"reason": "bundle"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let calls = wait_for(&got, 2).await;
    let (path, _, payload) = &calls[1];
    assert_eq!(path, "multi");
    validates(
        &trigger_schema(&s, "multiple_selected_documents", false).await,
        payload,
    );
    let ids: Vec<&str> = payload["document_ids"]
        .as_array()
        .expect("document_ids")
        .iter()
        .map(|d| d.as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 3);
    for (got, want) in ids.iter().zip([&d1, &d2, &d3]) {
        assert!(got.starts_with(want.as_str()), "{got} {want}");
    }
    assert!(payload.get("folder_ids").is_none(), "{payload}");

    // Bad values, each refused by name, nothing started.
    for (values, field) in [
        (json!({"reason": "x", "pages": "ten"}), "values.pages"),
        (json!({"pages": 2}), "values.reason"),
        (json!({"reason": "x", "level": "medium"}), "values.level"),
        (json!({"reason": "x", "urgent": "yes"}), "values.urgent"),
        (json!({"reason": "x", "due": "31/12/2026"}), "values.due"),
        (json!({"reason": "x", "colour": "red"}), "values.colour"),
    ] {
        let (st, b) = start(&s, &member, &single, &[&d1], values).await;
        assert_eq!(refused(st, &b, StatusCode::BAD_REQUEST), field, "{b}");
    }
    // The single trigger takes one document, the multiple trigger two or more.
    let (st, b) = start(&s, &member, &single, &[&d1, &d2], values.clone()).await;
    assert_eq!(refused(st, &b, StatusCode::BAD_REQUEST), "document_ids");
    let (st, b) = start(&s, &member, &multi, &[&d1], values.clone()).await;
    assert_eq!(refused(st, &b, StatusCode::BAD_REQUEST), "document_ids");
    // A document the member cannot read: 404, as everywhere.
    let (st, b) = start(&s, &member, &multi, &[&d1, &secret], values.clone()).await;
    assert_error(st, &b, StatusCode::NOT_FOUND);
    let r = s
        .http
        .get(with_documents(&s, &format!("{d1},{secret}")))
        .header("X-Auth-Token", &member)
        .send()
        .await
        .expect("offered");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // An unknown state; someone else's run.
    let (st, b) = update_state(
        &s,
        &s.token,
        &run,
        json!({"libraryId": "ACTIVE", "state": "exploded"}),
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "state"
    );
    let (st, b) = run_view(&s, &other, &run).await;
    assert_error(st, &b, StatusCode::NOT_FOUND);
    let (st, b) = update_state(
        &s,
        &other,
        &run,
        json!({"libraryId": "ACTIVE", "state": "failed"}),
    )
    .await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    let (st, b) = run_view(&s, &member, "no-such-run").await;
    assert_error(st, &b, StatusCode::NOT_FOUND);

    // Power Automate deletes the flow: DELETE on the Location URL. No further start.
    let (st, b) = answer(s.http.delete(&location).bearer_auth(&s.token)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&op("UnregisterWorkflow"), &b);
    assert!(offered(&s, &member, &[&d1]).await.is_empty());
    let (st, b) = start(&s, &member, &single, &[&d1], values).await;
    assert_error(st, &b, StatusCode::NOT_FOUND);
    assert_eq!(got.lock().expect("lock").len(), 2);
    s.stop().await;
}

#[tokio::test]
async fn registrations_refuse_private_callbacks_and_unknown_audiences() {
    // No allowed_webhook_hosts: loopback and private callbacks are refused.
    let s = TestServer::start().await;
    approval_form(&s).await;
    let body = |callback: &str| {
        json!({
            "callbackUrl": callback,
            "workflowName": "Approve",
            "description": "d",
            "libraryId": "ACTIVE",
            "formId": "approval",
            "inferFolderId": false,
        })
    };
    for callback in [
        "http://127.0.0.1:9/hook",
        "http://10.1.2.3/hook",
        "ftp://flows.example.com/x",
    ] {
        let r = register(&s, &s.token, "singleSelectedDocument", None, body(callback)).await;
        let st = r.status();
        let b: Value = r.json().await.expect("json");
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            "callbackUrl",
            "{callback}: {b}"
        );
    }
    let public = "https://flows.example.com/hook";
    for (field, value) in [
        ("users", "NOSUCHUSER"),
        ("groups", "NOSUCHGROUP"),
        ("classes", "NOSUCHCLASS"),
        ("workspaces", "ACTIVE!999999"),
        ("formId", "nosuchform"),
    ] {
        let mut b = body(public);
        b[field] = json!(value);
        let r = register(&s, &s.token, "singleSelectedDocument", None, b).await;
        let st = r.status();
        let b: Value = r.json().await.expect("json");
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            field,
            "{b}"
        );
    }
    // Forms are the administrators': a member may read them, not write them.
    let member = s.new_user("PAMEMBER", "member-password-1").await;
    let (st, b) = s
        .send_json_as(
            &member,
            Method::POST,
            &s.lib("/workflow-forms"),
            json!({"id": "mine", "name": "Mine", "fields": []}),
        )
        .await;
    assert_error(st, &b, StatusCode::FORBIDDEN);
    let (st, b) = s
        .send_json_as(
            &member,
            Method::GET,
            &s.lib("/workflow-forms/approval"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["fields"].as_array().map(Vec::len), Some(5));
    // A bad form: a choice without choices, named by its place.
    let (st, b) = s
        .post(
            &s.lib("/workflow-forms"),
            json!({"id": "bad", "name": "Bad", "fields": [{"id": "c", "label": "C", "type": "choice"}]}),
        )
        .await;
    assert_eq!(
        refused(st, &b, StatusCode::BAD_REQUEST),
        "fields[0].choices"
    );
    // A form a registration names cannot be deleted; an unused one can.
    let r = register(&s, &s.token, "singleSelectedDocument", None, body(public)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let (st, b) = s.delete(&s.lib("/workflow-forms/approval")).await;
    assert_error(st, &b, StatusCode::CONFLICT);
    s.stop().await;
}

/// Two servers on one PostgreSQL database, both sending: every run reaches the flow once
/// (each node claims a run before sending it, and only one claim holds).
#[tokio::test]
async fn two_servers_on_one_database_send_each_run_once() {
    if crate::harness::postgres_base().is_none() {
        return; // two nodes share work only on PostgreSQL
    }
    let a = TestServer::start_with(allowing_localhost()).await;
    let mut shared = allowing_localhost();
    shared.insert("DOSSIER_DATABASE_URL".into(), a.database_url.clone());
    let b = TestServer::start_with(shared).await;
    let (hooks, got) = receiver().await;
    approval_form(&a).await;
    let r = register(
        &a,
        &a.token,
        "singleSelectedDocument",
        None,
        json!({"callbackUrl": format!("{hooks}/flow/shared"), "workflowName": "Shared",
               "description": "d", "libraryId": "ACTIVE", "formId": "approval",
               "inferFolderId": false}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let workflow = r.json::<Value>().await.expect("json")["data"]
        .as_str()
        .expect("id")
        .to_string();
    let folder = a.folder().await;
    let document = upload(&a, &folder, "shared").await;
    let runs = 20;
    let mut ids = Vec::new();
    for i in 0..runs {
        let node = if i % 2 == 0 { &a } else { &b };
        let (st, body) = start(
            node,
            &node.token,
            &workflow,
            &[&document],
            json!({"reason": format!("r{i}")}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
        ids.push(body["data"]["id"].as_str().expect("run").to_string());
    }
    // Once every run is recorded delivered, no node sends it again (a claim needs a
    // pending run): the receiver's count is final.
    for id in &ids {
        delivered(&a, &a.token, id).await;
    }
    let calls = got.lock().expect("lock").clone();
    let mut seen: Vec<String> = calls
        .iter()
        .map(|(_, headers, _)| headers.get("webhook-id").cloned().unwrap_or_default())
        .collect();
    seen.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(seen, want, "each run sent exactly once");
    b.stop().await;
    a.stop().await;
}

/// A callback that fails is tried again (with backoff) until it answers: each attempt is in
/// the run's history, and the run is delivered once the flow is back.
#[tokio::test]
async fn a_failing_callback_is_retried_until_it_answers() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let s = TestServer::start_with(allowing_localhost()).await;
    approval_form(&s).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new()
        .route(
            "/flow",
            axum::routing::post(
                |axum::extract::State(calls): axum::extract::State<Arc<AtomicUsize>>| async move {
                    // Down for the first two calls.
                    if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                        axum::http::StatusCode::SERVICE_UNAVAILABLE
                    } else {
                        axum::http::StatusCode::OK
                    }
                },
            ),
        )
        .with_state(calls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let r = register(
        &s,
        &s.token,
        "singleSelectedDocument",
        None,
        json!({"callbackUrl": format!("http://{addr}/flow"), "workflowName": "Flaky",
               "description": "d", "libraryId": "ACTIVE", "formId": "approval",
               "inferFolderId": false}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let workflow = r.json::<Value>().await.expect("json")["data"]
        .as_str()
        .expect("id")
        .to_string();
    let folder = s.folder().await;
    let document = upload(&s, &folder, "flaky").await;
    let (st, b) = start(
        &s,
        &s.token,
        &workflow,
        &[&document],
        json!({"reason": "x"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    // Pending at first: the request does not wait for the flow.
    assert_eq!(b["data"]["delivery"], "pending", "{b}");
    let run = b["data"]["id"].as_str().expect("run").to_string();
    let view = delivered(&s, &s.token, &run).await;
    let statuses: Vec<Value> = view["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|e| e["kind"] == "attempt")
        .map(|e| e["http_status"].clone())
        .collect();
    assert_eq!(statuses, [json!(503), json!(503), json!(200)], "{view}");
    assert_eq!(view["attempts"], 3);
    assert!(view["flow_run_id"].is_null(), "{view}");
    s.stop().await;
}
