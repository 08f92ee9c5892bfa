//! The matter lifecycle (closing and re-opening a workspace, our extension of the Work API)
//! and My Matters / My Favorites as iManage clients and the admin connector call them.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN_PASSWORD, TestServer, assert_error};

async fn as_user(
    s: &TestServer,
    token: &str,
    method: Method,
    url: &str,
    body: Value,
) -> (StatusCode, Value) {
    s.send_json_as(token, method, url, body).await
}

async fn get_as(s: &TestServer, token: &str, url: &str) -> (StatusCode, Value) {
    let r = s
        .http
        .get(url)
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap();
    let st = r.status();
    (st, r.json().await.unwrap_or(Value::Null))
}

async fn delete_as(s: &TestServer, token: &str, url: &str) -> StatusCode {
    s.http
        .delete(url)
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap()
        .status()
}

async fn upload_as(s: &TestServer, token: &str, folder: &str, name: &str) -> (StatusCode, Value) {
    let form = TestServer::upload_form(json!({"doc_profile": {}}), name, b"some text".to_vec());
    let r = s
        .http
        .post(s.lib(&format!("/folders/{folder}/documents")))
        .header("X-Auth-Token", token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let st = r.status();
    (st, r.json().await.unwrap_or(Value::Null))
}

async fn grant(s: &TestServer, workspace: &str, trustees: Value) {
    let (st, b) = s
        .post(
            &s.lib(&format!("/workspaces/{workspace}/security")),
            json!({ "include": trustees }),
        )
        .await;
    assert!(st.is_success(), "{st} {b}");
}

fn message(e: &Value) -> String {
    e["error"]["code_message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn names(body: &Value) -> Vec<String> {
    body["data"]["results"]
        .as_array()
        .or(body["data"].as_array())
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|d| d["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_closed_read_only_matter_is_renamed_flagged_and_frozen_until_it_reopens() {
    let s = TestServer::start().await;
    let trustee = s.new_user("TRUSTEE", "Trustee-password-1").await;
    let reader = s.new_user("READER", "Reader-password-1").await;
    let stranger = s.new_user("STRANGER", "Stranger-password-1").await;

    // The library's settings: only an administrator reads or sets them.
    let settings = s.lib("/closing-settings");
    let (st, b) = get_as(&s, &s.token, &settings).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["prefix"], "Closed – ");
    assert_eq!(b["data"]["status_field"], Value::Null);
    let (st, e) = as_user(
        &s,
        &trustee,
        Method::PUT,
        &settings,
        json!({"prefix": "X "}),
    )
    .await;
    assert_error(st, &e, StatusCode::FORBIDDEN);
    let (st, e) = s
        .send_json(
            Method::PUT,
            &settings,
            json!({"status_field": "custom1", "closed_value": "C"}),
        )
        .await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    let (st, e) = s
        .send_json(Method::PUT, &settings, json!({"status_field": "custom13"}))
        .await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    // A lookup field's values must be in its table.
    let (st, e) = s
        .send_json(
            Method::PUT,
            &settings,
            json!({"status_field": "custom3", "closed_value": "NOPE"}),
        )
        .await;
    assert_eq!(
        assert_error(st, &e, StatusCode::BAD_REQUEST),
        "NRC_NO_RECORD"
    );
    let (st, b) = s
        .send_json(
            Method::PUT,
            &settings,
            json!({"status_field": "custom13", "closed_value": "Closed", "open_value": "Open"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["status_field"], "custom13");
    assert_eq!(b["data"]["prefix"], "Closed – ", "the default prefix stays");

    let (st, w) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "Acme v Widget", "default_security": "private", "custom13": "Open"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{w}");
    let ws = w["data"]["id"].as_str().unwrap().to_string();
    let folder = s.create_folder(&ws, "Pleadings").await;
    grant(
        &s,
        &ws,
        json!([{"id": "TRUSTEE", "type": "user", "access_level": "full_access"},
               {"id": "READER", "type": "user", "access_level": "read"}]),
    )
    .await;
    let (st, doc) = upload_as(&s, &trustee, &folder, "claim.txt").await;
    assert_eq!(st, StatusCode::CREATED, "{doc}");
    let doc = doc["data"]["id"].as_str().unwrap().to_string();

    // Who may close: Edit on the workspace; a reader is refused, a stranger finds nothing.
    let close = s.lib(&format!("/workspaces/{ws}/close"));
    let (st, e) = as_user(&s, &reader, Method::POST, &close, json!({})).await;
    assert_error(st, &e, StatusCode::FORBIDDEN);
    let (st, e) = as_user(&s, &stranger, Method::POST, &close, json!({})).await;
    assert_error(st, &e, StatusCode::NOT_FOUND);

    let (st, b) = as_user(
        &s,
        &trustee,
        Method::POST,
        &close,
        json!({"read_only": true, "comments": "matter closed in Actionstep"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["name"], "Closed – Acme v Widget");
    assert_eq!(b["data"]["custom13"], "Closed");
    assert_eq!(b["data"]["id"], ws.as_str());
    let (st, e) = s.post(&close, json!({})).await;
    assert_error(st, &e, StatusCode::CONFLICT);
    assert!(message(&e).contains("already closed"), "{e}");

    // Read-only for the trustee: no upload, profile edit, delete, new folder, rename or
    // re-securing; reads still work.
    let (st, e) = upload_as(&s, &trustee, &folder, "late.txt").await;
    assert_error(st, &e, StatusCode::FORBIDDEN);
    let (st, e) = as_user(
        &s,
        &trustee,
        Method::PATCH,
        &s.lib(&format!("/documents/{doc}")),
        json!({"comment": "edit"}),
    )
    .await;
    assert_error(st, &e, StatusCode::FORBIDDEN);
    assert_eq!(
        delete_as(&s, &trustee, &s.lib(&format!("/documents/{doc}"))).await,
        StatusCode::FORBIDDEN
    );
    let (st, e) = as_user(
        &s,
        &trustee,
        Method::POST,
        &s.lib(&format!("/workspaces/{ws}/folders")),
        json!({"name": "New"}),
    )
    .await;
    assert_error(st, &e, StatusCode::FORBIDDEN);
    let (st, e) = as_user(
        &s,
        &trustee,
        Method::PATCH,
        &s.lib(&format!("/workspaces/{ws}")),
        json!({"name": "Renamed"}),
    )
    .await;
    assert_error(st, &e, StatusCode::FORBIDDEN);
    let (st, e) = as_user(
        &s,
        &trustee,
        Method::POST,
        &s.lib(&format!("/workspaces/{ws}/security")),
        json!({"include": [{"id": "STRANGER", "type": "user", "access_level": "read"}]}),
    )
    .await;
    assert_error(st, &e, StatusCode::FORBIDDEN);
    let (st, _) = get_as(&s, &trustee, &s.lib(&format!("/documents/{doc}"))).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = get_as(&s, &trustee, &s.lib(&format!("/folders/{folder}/children"))).await;
    assert_eq!(st, StatusCode::OK);
    // Re-opening is a change too: the trustee cannot, an administrator can.
    let reopen = s.lib(&format!("/workspaces/{ws}/reopen"));
    let (st, e) = as_user(&s, &trustee, Method::POST, &reopen, json!({})).await;
    assert_error(st, &e, StatusCode::FORBIDDEN);

    // An administrator still files into the closed matter.
    let (st, b) = upload_as(&s, &s.token, &folder, "final.txt").await;
    assert_eq!(st, StatusCode::CREATED, "{b}");

    // Closed matters stay searchable, under their new name.
    s.wait_for_index().await;
    let (st, found) = get_as(&s, &trustee, &s.lib("/workspaces?anywhere=widget&limit=10")).await;
    assert_eq!(st, StatusCode::OK, "{found}");
    assert_eq!(names(&found), vec!["Closed – Acme v Widget"]);
    let (_, found) = get_as(&s, &reader, &s.lib("/workspaces?anywhere=closed&limit=10")).await;
    assert_eq!(names(&found), vec!["Closed – Acme v Widget"]);
    let (_, found) = get_as(
        &s,
        &stranger,
        &s.lib("/workspaces?anywhere=widget&limit=10"),
    )
    .await;
    assert!(names(&found).is_empty(), "{found}");

    let (st, h) = get_as(&s, &reader, &s.lib(&format!("/workspaces/{ws}/history"))).await;
    assert_eq!(st, StatusCode::OK, "{h}");
    assert_eq!(h["data"][0]["activity"], "close");
    assert_eq!(h["data"][0]["user"], "TRUSTEE");
    assert_eq!(h["data"][0]["name_before"], "Acme v Widget");
    assert_eq!(h["data"][0]["comments"], "matter closed in Actionstep");
    assert_eq!(h["closed"]["read_only"], true);
    let (st, e) = get_as(&s, &stranger, &s.lib(&format!("/workspaces/{ws}/history"))).await;
    assert_error(st, &e, StatusCode::NOT_FOUND);

    let (st, b) = s.post(&reopen, json!({"comments": "appeal"})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        b["data"]["name"], "Acme v Widget",
        "the original name comes back exactly"
    );
    assert_eq!(b["data"]["custom13"], "Open");
    let (st, e) = s.post(&reopen, json!({})).await;
    assert_error(st, &e, StatusCode::CONFLICT);
    assert!(message(&e).contains("not closed"), "{e}");

    // The trustee's rights are back.
    let (st, b) = upload_as(&s, &trustee, &folder, "appeal.txt").await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, b) = as_user(
        &s,
        &trustee,
        Method::PATCH,
        &s.lib(&format!("/documents/{doc}")),
        json!({"comment": "edit"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    s.wait_for_index().await;
    let (_, found) = get_as(&s, &trustee, &s.lib("/workspaces?anywhere=widget&limit=10")).await;
    assert_eq!(names(&found), vec!["Acme v Widget"]);

    let (_, h) = get_as(&s, &trustee, &s.lib(&format!("/workspaces/{ws}/history"))).await;
    let activities: Vec<&str> = h["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["activity"].as_str().unwrap())
        .collect();
    assert_eq!(activities, vec!["reopen", "close"]);
    assert_eq!(h["closed"], Value::Null);

    let auditor = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    let (st, log) = get_as(
        &s,
        &auditor,
        &format!("{}/work/api/v2/customers/1/audit-log?target={ws}", s.base),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{log}");
    let actions: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"matter.close"), "{actions:?}");
    assert!(actions.contains(&"matter.reopen"), "{actions:?}");
    s.stop().await;
}

#[tokio::test]
async fn a_matter_closes_with_the_default_or_the_requested_prefix_and_stays_writable_unless_asked()
{
    let s = TestServer::start().await;
    let trustee = s.new_user("TRUSTEE", "Trustee-password-1").await;
    let ws = s.create_workspace("Globex lease").await;
    let folder = s.create_folder(&ws, "Documents").await;
    grant(
        &s,
        &ws,
        json!([{"id": "TRUSTEE", "type": "user", "access_level": "read_write"}]),
    )
    .await;

    let close = s.lib(&format!("/workspaces/{ws}/close"));
    let reopen = s.lib(&format!("/workspaces/{ws}/reopen"));
    // No body at all: the library's default prefix, not read-only.
    let r = s
        .http
        .post(&close)
        .header("X-Auth-Token", &trustee)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["data"]["name"], "Closed – Globex lease");
    let (st, b) = upload_as(&s, &trustee, &folder, "still.txt").await;
    assert_eq!(
        st,
        StatusCode::CREATED,
        "a matter closed without read_only stays writable: {b}"
    );
    let (st, b) = as_user(&s, &trustee, Method::POST, &reopen, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["name"], "Globex lease");

    let (st, b) = as_user(
        &s,
        &trustee,
        Method::POST,
        &close,
        json!({"prefix": "ARCHIVED: "}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["name"], "ARCHIVED: Globex lease");
    let (st, b) = as_user(&s, &trustee, Method::POST, &reopen, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["name"], "Globex lease");
    // Freezing a matter takes everyone's edit rights: a read/write trustee may close it,
    // but not read-only, which is a security change.
    let (st, b) = as_user(
        &s,
        &trustee,
        Method::POST,
        &close,
        json!({"read_only": true}),
    )
    .await;
    assert_error(st, &b, StatusCode::FORBIDDEN);
    let (st, b) = get_as(&s, &trustee, &s.lib(&format!("/workspaces/{ws}"))).await;
    assert_eq!(
        (st, b["data"]["name"].as_str()),
        (StatusCode::OK, Some("Globex lease")),
        "nothing changed"
    );

    // The library's own prefix and read-only default.
    let (st, b) = s
        .send_json(
            Method::PUT,
            &s.lib("/closing-settings"),
            json!({"prefix": "[Closed] ", "read_only": true}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    // Closing now freezes the matter: a security change, beyond a read/write trustee.
    let (st, b) = as_user(&s, &trustee, Method::POST, &close, json!({})).await;
    assert_error(st, &b, StatusCode::FORBIDDEN);
    let (st, b) = s.post(&close, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["name"], "[Closed] Globex lease");
    let (st, e) = upload_as(&s, &trustee, &folder, "frozen.txt").await;
    assert_error(st, &e, StatusCode::FORBIDDEN);
    let (st, b) = s.post(&reopen, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{b}");

    // Bad input: an empty prefix, a name that would be too long, a wrong type; nothing is
    // written.
    let (st, e) = s.post(&close, json!({"prefix": "  "})).await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    let (st, e) = s.post(&close, json!({"read_only": "yes"})).await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    let (st, e) = s.post(&close, json!({"prefix": "x".repeat(250)})).await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    let w = s.get_json(&s.lib(&format!("/workspaces/{ws}"))).await;
    assert_eq!(w["data"]["name"], "Globex lease");
    let (st, e) = s.post(&reopen, json!({})).await;
    assert_error(st, &e, StatusCode::CONFLICT);
    // A folder is not a workspace.
    let (st, e) = s
        .post(&s.lib(&format!("/workspaces/{folder}/close")), json!({}))
        .await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    s.stop().await;
}

fn wstypes(body: &Value) -> Vec<(String, String)> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["wstype"].as_str().unwrap_or_default().to_string(),
                i["target"]["id"]
                    .as_str()
                    .unwrap_or(i["id"].as_str().unwrap_or_default())
                    .to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn my_matters_hold_shortcuts_to_what_their_user_may_read() {
    let s = TestServer::start().await;
    let alice = s.new_user("ALICE", "Alice-password-1").await;
    let bob = s.new_user("BOB", "Bob-password-1").await;
    let ws1 = s.create_workspace("Acme merger").await;
    let ws2 = s.create_workspace("Initech patent").await;
    let ws3 = s.create_workspace("Globex lease").await;
    let folder = s.create_folder(&ws1, "Signing").await;
    let doc = s
        .upload(&folder, "SPA.txt", b"share purchase", json!({}))
        .await;
    let doc = doc["id"].as_str().unwrap().to_string();
    let doc_number = doc.split('.').next().unwrap().to_string();

    let mine = s.lib("/users/me/my-matters/children");
    let (st, b) = as_user(
        &s,
        &alice,
        Method::POST,
        &mine,
        json!({"workspace_id": format!("{ws1};{ws2}")}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let shortcuts = b["data"]["shortcuts"].as_array().unwrap().clone();
    assert_eq!(shortcuts.len(), 2);
    assert_eq!(shortcuts[0]["wstype"], "workspace_shortcut");
    assert_eq!(shortcuts[0]["target"]["id"], ws1.as_str());
    let ids = b["data"]["all_workspace_shortcut_ids"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(ids.split(';').count(), 2);
    // Adding the same shortcut twice changes nothing.
    let (st, again) = as_user(
        &s,
        &alice,
        Method::POST,
        &mine,
        json!({"workspace_id": [ws1.clone()]}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{again}");
    assert_eq!(again["data"]["shortcuts"][0]["id"], shortcuts[0]["id"]);
    let (st, b) = as_user(
        &s,
        &alice,
        Method::POST,
        &mine,
        json!({"folder_id": folder, "document_id": doc}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");

    let (st, list) = get_as(
        &s,
        &alice,
        &s.lib("/users/ALICE/my-matters/children?exclude_emails=true"),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(
        wstypes(&list),
        vec![
            ("workspace_shortcut".to_string(), ws1.clone()),
            ("workspace_shortcut".to_string(), ws2.clone()),
            ("folder_shortcut".to_string(), folder.clone()),
            ("document_shortcut".to_string(), doc.clone()),
        ]
    );
    assert_eq!(list["data"][0]["name"], "Acme merger");
    assert_eq!(list["data"][0]["target"]["name"], "Acme merger");
    assert_eq!(list["data"][0]["shortcut_id"], list["data"][0]["id"]);
    assert_eq!(
        list["data"][3]["target"]["document_number"].to_string(),
        doc_number.split('!').nth(1).unwrap()
    );
    let (st, root) = get_as(&s, &alice, &s.lib("/users/me/my-matters")).await;
    assert_eq!(st, StatusCode::OK, "{root}");
    assert_eq!(root["data"]["folder_type"], "my_matters");
    assert_eq!(root["data"]["owner"], "ALICE");

    // Categories, as the admin connector lists them, and shortcuts placed in one.
    let (st, cat) = as_user(
        &s,
        &alice,
        Method::POST,
        &s.lib("/users/me/my-matters/categories"),
        json!({"name": "Litigation"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{cat}");
    let cat_id = cat["data"]["id"].as_str().unwrap().to_string();
    let (st, e) = as_user(
        &s,
        &alice,
        Method::POST,
        &s.lib("/users/me/my-matters/categories"),
        json!({"name": "litigation"}),
    )
    .await;
    assert_error(st, &e, StatusCode::CONFLICT);
    let (st, b) = s
        .post(
            &s.lib("/users/ALICE/my-matters/children"),
            json!({"workspace_id": ws3, "category_id": cat_id}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::OK,
        "an administrator adds to another user's My Matters: {b}"
    );
    let (st, cats) = get_as(&s, &s.token, &s.lib("/users/ALICE/my-matters/categories")).await;
    assert_eq!(st, StatusCode::OK, "{cats}");
    assert_eq!(cats["data"][0]["id"], cat_id.as_str());
    assert_eq!(cats["data"][0]["name"], "Litigation");
    assert_eq!(cats["data"][0]["category_type"], "my_matters");
    assert_eq!(cats["data"][0]["owner"], "ALICE");
    assert_eq!(cats["data"][0]["has_subfolders"], true);
    let (_, inside) = get_as(
        &s,
        &alice,
        &s.lib(&format!(
            "/users/me/my-matters/categories/{cat_id}/children"
        )),
    )
    .await;
    assert_eq!(
        wstypes(&inside),
        vec![("workspace_shortcut".to_string(), ws3.clone())]
    );
    let (_, list) = get_as(&s, &alice, &mine).await;
    assert_eq!(
        list["data"][0]["folder_type"], "category",
        "categories come first: {list}"
    );
    assert_eq!(list["data"].as_array().unwrap().len(), 5);

    // Nobody else reads or changes Alice's My Matters.
    let (st, e) = as_user(
        &s,
        &bob,
        Method::POST,
        &s.lib("/users/ALICE/my-matters/children"),
        json!({"workspace_id": ws1}),
    )
    .await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    let (st, e) = get_as(&s, &bob, &s.lib("/users/ALICE/my-matters/children")).await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    let (st, e) = get_as(&s, &bob, &s.lib("/users/ALICE/my-matters/categories")).await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    let (st, e) = s
        .post(
            &s.lib("/users/NOBODY/my-matters/children"),
            json!({"workspace_id": ws1}),
        )
        .await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    let sid = shortcuts[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        delete_as(
            &s,
            &bob,
            &s.lib(&format!("/users/me/my-matters/children/{sid}"))
        )
        .await,
        StatusCode::NOT_FOUND,
        "Bob's own My Matters has no such shortcut"
    );

    // A target re-secured away from Alice drops out of her list without a trace.
    let (st, b) = s
        .patch(
            &s.lib(&format!("/workspaces/{ws2}")),
            json!({"default_security": "private"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, list) = get_as(&s, &alice, &mine).await;
    assert_eq!(st, StatusCode::OK);
    assert!(!list.to_string().contains("Initech"), "{list}");
    assert_eq!(list["data"].as_array().unwrap().len(), 4);
    // … and so does a deleted one.
    let (st, b) = s.delete(&s.lib(&format!("/documents/{doc}"))).await;
    assert!(st.is_success(), "{st} {b}");
    let (_, list) = get_as(&s, &alice, &mine).await;
    assert!(
        !wstypes(&list).iter().any(|(t, _)| t == "document_shortcut"),
        "{list}"
    );
    // An unreadable target cannot be added.
    let (st, e) = as_user(
        &s,
        &alice,
        Method::POST,
        &mine,
        json!({"workspace_id": ws2}),
    )
    .await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    // A folder named as a workspace is not found; an id of another library is not either.
    let (st, e) = as_user(
        &s,
        &alice,
        Method::POST,
        &mine,
        json!({"workspace_id": folder}),
    )
    .await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    let (st, e) = as_user(
        &s,
        &alice,
        Method::POST,
        &mine,
        json!({"workspace_id": "OTHER!1"}),
    )
    .await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    let (st, e) = as_user(&s, &alice, Method::POST, &mine, json!({})).await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    let (st, e) = as_user(&s, &alice, Method::POST, &mine, json!({"workspace_id": 12})).await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);

    // Removing a shortcut.
    assert_eq!(
        delete_as(
            &s,
            &alice,
            &s.lib(&format!("/users/me/my-matters/children/{sid}"))
        )
        .await,
        StatusCode::NO_CONTENT
    );
    let (_, list) = get_as(&s, &alice, &mine).await;
    assert!(
        !wstypes(&list).contains(&("workspace_shortcut".to_string(), ws1.clone())),
        "{list}"
    );
    assert_eq!(
        delete_as(
            &s,
            &alice,
            &s.lib(&format!("/users/me/my-matters/children/{sid}"))
        )
        .await,
        StatusCode::NOT_FOUND
    );
    // An administrator removes one from Alice's category.
    let inside_sid = inside["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        delete_as(
            &s,
            &s.token,
            &s.lib(&format!("/users/ALICE/my-matters/children/{inside_sid}"))
        )
        .await,
        StatusCode::NO_CONTENT
    );
    let (_, inside) = get_as(
        &s,
        &alice,
        &s.lib(&format!(
            "/users/me/my-matters/categories/{cat_id}/children"
        )),
    )
    .await;
    assert!(inside["data"].as_array().unwrap().is_empty(), "{inside}");
    s.stop().await;
}

#[tokio::test]
async fn my_favorites_are_the_callers_own() {
    let s = TestServer::start().await;
    let alice = s.new_user("ALICE", "Alice-password-1").await;
    let bob = s.new_user("BOB", "Bob-password-1").await;
    let folder = s.folder().await;
    let doc = s.upload(&folder, "note.txt", b"note", json!({})).await;
    let doc = doc["id"].as_str().unwrap().to_string();

    let favorites = s.lib("/my-favorites/children");
    let (st, b) = as_user(
        &s,
        &alice,
        Method::POST,
        &favorites,
        json!({"document_id": doc}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let sid = b["data"]["shortcuts"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(b["data"]["shortcuts"][0]["wstype"], "document_shortcut");
    let (st, list) = get_as(&s, &alice, &format!("{favorites}?limit=500")).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(
        wstypes(&list),
        vec![("document_shortcut".to_string(), doc.clone())]
    );
    assert_eq!(list["data"][0]["name"], "note");
    let (_, root) = get_as(&s, &alice, &s.lib("/my-favorites")).await;
    assert_eq!(root["data"]["folder_type"], "my_favorites");
    assert_eq!(root["data"]["has_subfolders"], true);
    // Bob's favorites are his own: empty, and Alice's shortcut is not his to remove.
    let (_, list) = get_as(&s, &bob, &favorites).await;
    assert!(list["data"].as_array().unwrap().is_empty(), "{list}");
    assert_eq!(
        delete_as(&s, &bob, &s.lib(&format!("/my-favorites/children/{sid}"))).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        delete_as(&s, &alice, &s.lib(&format!("/my-favorites/children/{sid}"))).await,
        StatusCode::NO_CONTENT
    );
    let (_, list) = get_as(&s, &alice, &favorites).await;
    assert!(list["data"].as_array().unwrap().is_empty(), "{list}");
    s.stop().await;
}
