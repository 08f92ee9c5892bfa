//! The façade's `workspaces` operations (`api::automate::workspaces`): scenarios and bad input.
//! Workspaces here; classes and the admin connector's folders and tabs in the submodules.

mod admin;
mod classes;

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{answer, assert_facade_error, check_response, created, custom3, op, request, url};
use crate::harness::TestServer;

/// Values for the swagger's required parameters.
pub(super) fn values(pairs: &[(&'static str, Value)]) -> BTreeMap<&'static str, Value> {
    pairs.iter().cloned().collect()
}

/// Calls `id` with its required parameters and checks the 200 against the swagger.
pub(super) async fn call_ok(
    s: &TestServer,
    token: &str,
    id: &str,
    v: &BTreeMap<&str, Value>,
) -> Value {
    let o = op(id);
    let (st, b) = answer(request(s, token, &o, v, None)).await;
    assert_eq!(st, StatusCode::OK, "{id}: {b}");
    check_response(&o, &b);
    b["data"].clone()
}

/// Calls `id` and returns the field of the façade's refusal with `status`.
pub(super) async fn refused(
    s: &TestServer,
    token: &str,
    id: &str,
    v: &BTreeMap<&str, Value>,
    leave_out: Option<&str>,
    status: StatusCode,
) -> (String, Value) {
    let (st, b) = answer(request(s, token, &op(id), v, leave_out)).await;
    (assert_facade_error(st, &b, status), b)
}

/// As `request`, with optional fields added to the JSON body.
pub(super) async fn with_body(
    s: &TestServer,
    token: &str,
    id: &str,
    v: &BTreeMap<&str, Value>,
    extra: Value,
) -> (StatusCode, Value) {
    let o = op(id);
    let mut body: serde_json::Map<String, Value> = o.op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| super::resolve(&o.root, p))
        .filter(|p| p["in"] == "body")
        .flat_map(|p| {
            super::resolve(&o.root, &p["schema"])["required"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|f| f.as_str().map(str::to_string))
        .map(|f| {
            let value = v.get(f.as_str()).cloned().expect("a value");
            (f, value)
        })
        .collect();
    body.extend(extra.as_object().cloned().unwrap_or_default());
    let mut r = s
        .http
        .request(o.method.clone(), url(s, &o.path, &[] as &[(&str, &str)]))
        .bearer_auth(token)
        .json(&body);
    if o.op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|p| super::resolve(&o.root, p)["in"] == "header")
    {
        r = r.header("x-im-connector-id", "imanage-work-for-admins");
    }
    let (st, b) = answer(r).await;
    if st == StatusCode::OK {
        check_response(&o, &b);
    }
    (st, b)
}

/// A template with a required folder and an optional one, its profile in custom3.
pub(super) async fn template(s: &TestServer) -> String {
    custom3(s, "LITIGATION").await;
    let t = created(
        s,
        "/templates",
        json!({"name": "Litigation", "custom3": "LITIGATION", "default_security": "view"}),
    )
    .await;
    created(
        s,
        &format!("/workspaces/{t}/folders"),
        json!({"name": "Pleadings", "required": true}),
    )
    .await;
    created(
        s,
        &format!("/workspaces/{t}/folders"),
        json!({"name": "Research"}),
    )
    .await;
    t
}

/// The names of a container's subfolders, sorted.
pub(super) async fn subfolders(s: &TestServer, id: &str) -> Vec<String> {
    let listed = s.get_json(&s.lib(&format!("/folders/{id}/children"))).await;
    let mut names: Vec<String> = listed["data"]
        .as_array()
        .expect("children")
        .iter()
        .filter(|c| c["wstype"] == "folder")
        .map(|c| c["name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    names
}

pub(super) fn create_values(
    template: &str,
    name: &str,
    children: &str,
) -> BTreeMap<&'static str, Value> {
    values(&[
        ("libraryId", json!("ACTIVE")),
        ("templateId", json!(template)),
        ("name", json!(name)),
        ("createChildren", json!(children)),
    ])
}

#[tokio::test]
async fn a_workspace_from_a_template_is_created_updated_and_read_back() {
    let s = TestServer::start().await;
    let t = template(&s).await;

    // Only the required folders.
    let w = call_ok(
        &s,
        &s.token,
        "CreateWorkspace",
        &create_values(&t, "Acme v Widget", "Only Required Folders"),
    )
    .await;
    let id = w["id"].as_str().expect("id").to_string();
    assert_eq!(w["name"], "Acme v Widget");
    assert_eq!(w["wstype"], "workspace");
    assert_eq!(w["database"], "ACTIVE");
    // The template's profile and security, the swagger's default description.
    assert_eq!(w["custom3"], "LITIGATION");
    assert_eq!(w["custom3_description"], "LITIGATION matters");
    assert_eq!(w["default_security"], "view");
    assert_eq!(w["description"], "Created from iManage Work Connector");
    assert_eq!(w["has_subfolders"], true);
    assert_eq!(w["effective_security"], "full_access");
    assert_eq!(w["owner"], "ADMIN");
    assert!(
        w["workspace_url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/work/link/w/{id}"))),
        "{w}"
    );
    assert!(
        w["iwl"].as_str().is_some_and(|u| u.contains("&&num=")),
        "{w}"
    );
    assert!(
        w["basic_properties"]
            .as_str()
            .is_some_and(|b| b.contains("Acme v Widget")),
        "{w}"
    );
    assert!(w["create_date"].as_str().is_some_and(|d| d.ends_with('Z')));
    assert_eq!(subfolders(&s, &id).await, ["Pleadings"]);

    // All folders, with the flow's own values over the template's.
    let (st, all) = with_body(
        &s,
        &s.token,
        "CreateWorkspace",
        &create_values(&t, "Beta v Gamma", "All Folders"),
        json!({"description": "Opened by a flow", "default_security": "private",
               "custom13": "first instance", "custom17": 42.5, "custom25": true,
               "custom21": "2026-12-07T10:00:00Z", "project_custom1": "ACME-LIT",
               "project_custom2": "template 7"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{all}");
    let all = &all["data"];
    let all_id = all["id"].as_str().expect("id").to_string();
    assert_eq!(subfolders(&s, &all_id).await, ["Pleadings", "Research"]);
    assert_eq!(all["description"], "Opened by a flow");
    assert_eq!(all["default_security"], "private");
    assert_eq!(all["custom17"], 42.5);
    assert_eq!(all["custom25"], true);
    assert_eq!(all["custom21"], "2026-12-07T10:00:00Z");
    assert_eq!(all["project_custom1"], "ACME-LIT");
    assert_eq!(all["project_custom2"], "template 7");

    // UpdateWorkspace: a new name, '' clears the description and custom13, "" custom3.
    let (st, up) = with_body(
        &s,
        &s.token,
        "UpdateWorkspace",
        &values(&[("id", json!(all_id))]),
        json!({"name": "Beta v Gamma (appeal)", "description": "''",
               "custom13": "''", "custom3": "\"\"", "project_custom1": "''"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{up}");
    assert_eq!(up["data"]["name"], "Beta v Gamma (appeal)");
    let read = s.get_json(&s.lib(&format!("/workspaces/{all_id}"))).await;
    assert_eq!(read["data"]["name"], "Beta v Gamma (appeal)");
    assert_eq!(read["data"]["description"], "");
    assert!(
        read["data"].get("custom13").is_none_or(Value::is_null),
        "{read}"
    );
    assert!(
        read["data"].get("custom3").is_none_or(Value::is_null),
        "{read}"
    );
    assert_eq!(read["data"]["custom17"], 42.5, "untouched fields stay");
    // The project fields, through the Work API too: one cleared, one kept.
    assert!(read["data"].get("project_custom1").is_none(), "{read}");
    assert_eq!(read["data"]["project_custom2"], "template 7", "{read}");
    let (st, b) = s
        .patch(
            &s.lib(&format!("/workspaces/{all_id}")),
            json!({"project_custom3": "Worksite"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["project_custom3"], "Worksite", "{b}");

    // GetWorkspaceProfile reads what the update left.
    let p = call_ok(
        &s,
        &s.token,
        "GetWorkspaceProfile",
        &values(&[("workspaceId", json!(all_id))]),
    )
    .await;
    assert_eq!(p["name"], "Beta v Gamma (appeal)");
    assert_eq!(p["id"], json!(all_id));
    assert!(p.get("custom3").is_none(), "{p}");
    s.stop().await;
}

#[tokio::test]
async fn workspace_operations_refuse_bad_input_and_hide_what_the_caller_may_not_read() {
    let s = TestServer::start().await;
    let t = template(&s).await;
    let good = create_values(&t, "Matter", "All Folders");
    // Every required field, by name.
    for field in ["libraryId", "templateId", "name", "createChildren"] {
        let (f, _) = refused(
            &s,
            &s.token,
            "CreateWorkspace",
            &good,
            Some(field),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(f, field);
    }
    let (f, _) = refused(
        &s,
        &s.token,
        "UpdateWorkspace",
        &BTreeMap::new(),
        Some("id"),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(f, "id");
    let (f, _) = refused(
        &s,
        &s.token,
        "GetWorkspaceProfile",
        &BTreeMap::new(),
        Some("workspaceId"),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(f, "workspaceId");
    // Wrong enum strings, over-long strings, wrong types, fields of no swagger.
    for (extra, field) in [
        (json!({"createChildren": "Some Folders"}), "createChildren"),
        (json!({"default_security": "inherit"}), "default_security"),
        (json!({"name": "n".repeat(255)}), "name"),
        (json!({"description": "d".repeat(255)}), "description"),
        (json!({"owner": "O".repeat(64)}), "owner"),
        (
            json!({"project_custom2": "p".repeat(255)}),
            "project_custom2",
        ),
        (
            json!({"is_external_as_normal": true}),
            "is_external_as_normal",
        ),
        (json!({"custom25": "maybe"}), "custom25"),
        (json!({"user_trustees": []}), "user_trustees"),
    ] {
        let (st, b) = with_body(&s, &s.token, "CreateWorkspace", &good, extra.clone()).await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            field,
            "{extra}: {b}"
        );
    }
    // An unknown template and an unknown workspace: 404.
    let (st, b) = with_body(
        &s,
        &s.token,
        "CreateWorkspace",
        &create_values("ACTIVE!999999", "Matter", "All Folders"),
        json!({}),
    )
    .await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    let missing = values(&[
        ("id", json!("ACTIVE!999999")),
        ("workspaceId", json!("ACTIVE!999999")),
    ]);
    let (_, gone) = refused(
        &s,
        &s.token,
        "GetWorkspaceProfile",
        &missing,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    refused(
        &s,
        &s.token,
        "UpdateWorkspace",
        &missing,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;

    // A private workspace a member may not read is as unknown to them as a missing one.
    let w = call_ok(&s, &s.token, "CreateWorkspace", &good).await;
    let id = w["id"].as_str().expect("id").to_string();
    let member = s.new_user("OUTSIDER", "outsider-password-1").await;
    // While it is "view" (the template's), the member reads it, and is told they only read.
    let seen = call_ok(
        &s,
        &member,
        "GetWorkspaceProfile",
        &values(&[("workspaceId", json!(id))]),
    )
    .await;
    assert_eq!(seen["effective_security"], "read", "{seen}");
    let (st, b) = with_body(
        &s,
        &member,
        "UpdateWorkspace",
        &values(&[("id", json!(id))]),
        json!({"description": "mine now"}),
    )
    .await;
    assert_facade_error(st, &b, StatusCode::FORBIDDEN);
    let (st, b) = with_body(
        &s,
        &s.token,
        "UpdateWorkspace",
        &values(&[("id", json!(id))]),
        json!({"default_security": "private"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let hidden = values(&[("id", json!(id)), ("workspaceId", json!(id))]);
    let (_, b) = refused(
        &s,
        &member,
        "GetWorkspaceProfile",
        &hidden,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        b["error"]["message"].as_str().map(|m| m.replace(&id, "X")),
        gone["error"]["message"]
            .as_str()
            .map(|m| m.replace("ACTIVE!999999", "X")),
    );
    refused(
        &s,
        &member,
        "UpdateWorkspace",
        &hidden,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Searches leave it out.
    let found = call_ok(
        &s,
        &member,
        "SearchWorkspaces",
        &values(&[("libraryId", json!("ACTIVE"))]),
    )
    .await;
    assert!(!found.to_string().contains(&id), "{found}");
    // Naming another user as the owner needs an administrator.
    let (st, b) = with_body(
        &s,
        &member,
        "CreateWorkspace",
        &good,
        json!({"owner": "ADMIN"}),
    )
    .await;
    assert_facade_error(st, &b, StatusCode::FORBIDDEN);
    // The name cannot be cleared.
    let (st, b) = with_body(
        &s,
        &s.token,
        "UpdateWorkspace",
        &values(&[("id", json!(id))]),
        json!({"name": "''"}),
    )
    .await;
    assert_eq!(assert_facade_error(st, &b, StatusCode::BAD_REQUEST), "name");
    s.stop().await;
}

#[tokio::test]
async fn workspaces_and_folders_are_searched_with_the_connectors_filters() {
    let s = TestServer::start().await;
    let t = template(&s).await;
    let mut ids = Vec::new();
    for (name, number, date) in [
        ("Zebra crossing", 7, "2026-03-01T00:00:00Z"),
        ("Quiet harbour", 8, "2026-09-01T00:00:00Z"),
    ] {
        let (st, b) = with_body(
            &s,
            &s.token,
            "CreateWorkspace",
            &create_values(&t, name, "All Folders"),
            json!({"custom17": number, "custom21": date, "custom13": format!("{name} notes")}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        ids.push(b["data"]["id"].as_str().expect("id").to_string());
    }
    s.wait_for_index().await;
    let search = |filters: Value| {
        let s = &s;
        async move {
            let (st, b) = with_body(
                s,
                &s.token,
                "SearchWorkspaces",
                &values(&[("libraryId", json!("ACTIVE"))]),
                filters,
            )
            .await;
            assert_eq!(st, StatusCode::OK, "{b}");
            b["data"].clone()
        }
    };
    let names = |d: &Value| -> Vec<String> {
        d["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["name"].as_str().expect("name").to_string())
            .collect()
    };
    let by_name = search(json!({"name": "zebra crossing"})).await;
    assert_eq!(names(&by_name), ["Zebra crossing"]);
    assert_eq!(by_name["topMatchingId"], json!(ids[0]));
    assert_eq!(by_name["topMatchingName"], "Zebra crossing");
    // custom17 arrives as text in this operation.
    assert_eq!(
        names(&search(json!({"custom17": "8"})).await),
        ["Quiet harbour"]
    );
    assert_eq!(
        names(&search(json!({"custom21_from": "2026-06-01T00:00:00Z", "custom21_to": "2026-12-31T00:00:00Z"})).await),
        ["Quiet harbour"]
    );
    assert_eq!(
        names(&search(json!({"anywhere": "zebra"})).await),
        ["Zebra crossing"]
    );
    assert_eq!(
        search(json!({"name": "nothing like it"})).await,
        json!({"results": []})
    );
    let (st, b) = with_body(
        &s,
        &s.token,
        "SearchWorkspaces",
        &values(&[("libraryId", json!("ACTIVE"))]),
        json!({"custom21": "2026-03-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "custom21"
    );
    let (f, _) = refused(
        &s,
        &s.token,
        "SearchWorkspaces",
        &BTreeMap::new(),
        Some("libraryId"),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(f, "libraryId");
    refused(
        &s,
        &s.token,
        "SearchWorkspaces",
        &values(&[("libraryId", json!("NOPE"))]),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;

    // Folders: under one workspace, by name and by the workspace's name.
    let folders = |filters: Value| {
        let s = &s;
        async move {
            let (st, b) = with_body(
                s,
                &s.token,
                "SearchFolders",
                &values(&[("libraryId", json!("ACTIVE"))]),
                filters,
            )
            .await;
            assert_eq!(st, StatusCode::OK, "{b}");
            b["data"].clone()
        }
    };
    let under = folders(json!({"container_id": ids[0]})).await;
    let mut listed = names(&under);
    listed.sort();
    assert_eq!(listed, ["Pleadings", "Research"], "{under}");
    for r in under["results"].as_array().expect("results") {
        assert_eq!(r["workspace_id"], json!(ids[0]));
        assert_eq!(r["workspace_name"], "Zebra crossing");
        assert_eq!(r["parent_id"], json!(ids[0]));
        assert!(
            r["folder_url"]
                .as_str()
                .is_some_and(|u| u.contains("/work/link/f/"))
        );
    }
    let pleadings = folders(json!({"name": "pleadings", "workspace_name": "quiet"})).await;
    assert_eq!(names(&pleadings), ["Pleadings"]);
    assert_eq!(pleadings["results"][0]["workspace_id"], json!(ids[1]));
    assert_eq!(pleadings["topMatchingName"], "Pleadings");
    // A container the caller may not read is unknown.
    let member = s.new_user("READER", "reader-password-1").await;
    let (st, b) = with_body(
        &s,
        &s.token,
        "UpdateWorkspace",
        &values(&[("id", json!(ids[0]))]),
        json!({"default_security": "private"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = with_body(
        &s,
        &member,
        "SearchFolders",
        &values(&[("libraryId", json!("ACTIVE"))]),
        json!({"container_id": ids[0]}),
    )
    .await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    let (st, b) = with_body(
        &s,
        &s.token,
        "SearchFolders",
        &values(&[("libraryId", json!("ACTIVE"))]),
        json!({"container_id": "not an id"}),
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "container_id"
    );
    s.stop().await;
}
