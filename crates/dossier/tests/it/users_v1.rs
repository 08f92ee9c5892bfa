//! The v1 user API as its guide's clients call it (seed 003): the three scenarios of the
//! guide with the exact shapes they parse (`{"data": …}`, `total_results`), scopes, paging
//! and bad input. Bearer tokens, as in the guide.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN_PASSWORD, TestServer, assert_error, error_field};

const V1: &str = "/api/v1/customers/ACTIVE";

async fn call(
    s: &TestServer,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut r = s
        .http
        .request(method, format!("{}{path}", s.base))
        .bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

/// `{"data": {…}}` and nothing else; returns the object.
fn data_object(v: &Value) -> &Value {
    assert_eq!(keys(v), BTreeSet::from(["data"]), "{v}");
    assert!(v["data"].is_object(), "{v}");
    &v["data"]
}

/// `{"data": [...], "total_results": n}`; returns the items.
fn data_list(v: &Value) -> &Vec<Value> {
    assert_eq!(keys(v), BTreeSet::from(["data", "total_results"]), "{v}");
    assert!(v["total_results"].is_i64(), "{v}");
    v["data"].as_array().unwrap()
}

/// A user as the guide shows one: string id, login, e-mail, names, active.
fn assert_user_shape(u: &Value) {
    assert!(u["id"].is_string(), "{u}");
    assert!(u["login_name"].is_string(), "{u}");
    assert!(u["active"].is_boolean(), "{u}");
    for f in [
        "email",
        "first_name",
        "last_name",
        "display_name",
        "user_type",
        "created_date",
    ] {
        assert!(u.get(f).is_some(), "{f} missing in {u}");
    }
    for hidden in ["password", "password_hash", "ssid"] {
        assert!(u.get(hidden).is_none(), "{hidden} shown in {u}");
    }
}

async fn admin(s: &TestServer) -> String {
    s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await
}

/// Creates a person in ACTIVE through the v1 API; returns the answer's `data`.
async fn provision(s: &TestServer, token: &str, login: &str) -> Value {
    let (st, u) = call(
        s,
        token,
        Method::POST,
        &format!("{V1}/users"),
        Some(
            json!({"login_name": login, "email": format!("{login}@acme.example"),
                    "first_name": "First", "last_name": login, "password": "a-long-password-1"}),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{u}");
    data_object(&u).clone()
}

async fn new_group(s: &TestServer, token: &str, id: &str, name: &str) {
    let (st, g) = call(
        s,
        token,
        Method::POST,
        &format!("{V1}/groups"),
        Some(json!({"id": id, "name": name})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{g}");
    assert_eq!(
        data_object(&g).clone(),
        json!({"id": id, "name": name, "member_count": 0, "enabled": true})
    );
}

async fn add(s: &TestServer, token: &str, group: &str, user_id: &str) {
    let (st, b) = call(
        s,
        token,
        Method::POST,
        &format!("{V1}/groups/{group}/members"),
        Some(json!({"user_id": user_id})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b, json!({"data": {"group_id": group, "user_id": user_id}}));
}

async fn remove(s: &TestServer, token: &str, group: &str, user_id: &str) {
    let (st, b) = call(
        s,
        token,
        Method::DELETE,
        &format!("{V1}/groups/{group}/members/{user_id}"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{b}");
}

/// An app acting as an administrator service account, and a client-credentials token of
/// it with `scope`.
async fn client_credentials_token(s: &TestServer, admin: &str, scope: &str) -> String {
    let (st, b) = s
        .send_json_as(
            admin,
            Method::POST,
            &format!("{}/work/api/v2/customers/1/users", s.base),
            json!({"id": "svc-sync", "password": "svc-password-12", "libraries": ["ACTIVE"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    add(s, admin, "NRTADMIN", "svc-sync").await;
    let (st, app) = s
        .send_json_as(
            admin,
            Method::POST,
            &format!("{}/work/api/v2/customers/1/apps", s.base),
            json!({"name": "Directory sync", "grants": ["client_credentials"],
                   "service_account": "svc-sync", "scopes": ["user", "admin"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{app}");
    let r = s
        .http
        .post(format!("{}/auth/oauth2/token", s.base))
        .basic_auth(
            app["data"]["client_id"].as_str().unwrap(),
            app["data"]["client_secret"].as_str(),
        )
        .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_new_employee_is_provisioned_with_a_client_credentials_admin_token() {
    let s = TestServer::start().await;
    let a = admin(&s).await;
    let robot = client_credentials_token(&s, &a, "admin").await;
    new_group(&s, &robot, "LITIGATION", "Litigation").await;
    // POST users with the guide's four fields; the answer's id is what later calls use.
    let (st, u) = call(
        &s,
        &robot,
        Method::POST,
        &format!("{V1}/users"),
        Some(json!({"login_name":"jsmith","email":"jsmith@acme.com","first_name":"Jane","last_name":"Smith"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{u}");
    let user = data_object(&u);
    assert_user_shape(user);
    assert_eq!(user["login_name"], "JSMITH");
    assert_eq!(user["email"], "jsmith@acme.com");
    assert_eq!(user["first_name"], "Jane");
    assert_eq!(user["last_name"], "Smith");
    assert_eq!(user["display_name"], "Jane Smith");
    assert_eq!(user["active"], true);
    assert_eq!(user["groups"], json!([]));
    let id = user["id"].as_str().unwrap().to_string();
    add(&s, &robot, "LITIGATION", &id).await;
    // Read back: the user with its group, the group with its member count.
    let (st, got) = call(&s, &robot, Method::GET, &format!("{V1}/users/{id}"), None).await;
    assert_eq!(st, StatusCode::OK);
    let got = data_object(&got);
    assert_user_shape(got);
    assert_eq!(got["id"], id.as_str());
    assert_eq!(got["groups"], json!(["LITIGATION"]));
    let (_, groups) = call(&s, &robot, Method::GET, &format!("{V1}/groups"), None).await;
    let lit = data_list(&groups)
        .iter()
        .find(|g| g["id"] == "LITIGATION")
        .cloned()
        .unwrap();
    assert_eq!(
        lit,
        json!({"id": "LITIGATION", "name": "Litigation", "member_count": 1, "enabled": true})
    );
    s.stop().await;
}

#[tokio::test]
async fn a_user_scope_token_reads_but_cannot_write() {
    let s = TestServer::start().await;
    let a = admin(&s).await;
    let jdoe = provision(&s, &a, "jdoe").await;
    let id = jdoe["id"].as_str().unwrap();
    new_group(&s, &a, "TAX", "Tax").await;
    add(&s, &a, "TAX", id).await;
    let readers = [
        s.login_scoped("admin", ADMIN_PASSWORD, "user").await,
        client_credentials_token(&s, &a, "user").await,
    ];
    for t in &readers {
        let (st, _) = call(&s, t, Method::GET, &format!("{V1}/users/{id}"), None).await;
        assert_eq!(st, StatusCode::OK);
        let (st, _) = call(&s, t, Method::GET, &format!("{V1}/groups"), None).await;
        assert_eq!(st, StatusCode::OK);
        for (method, path, body) in [
            (
                Method::POST,
                format!("{V1}/users"),
                Some(
                    json!({"login_name": "x", "email": "x@acme.example", "first_name": "X", "last_name": "Y"}),
                ),
            ),
            (
                Method::PATCH,
                format!("{V1}/users/{id}"),
                Some(json!({"active": false})),
            ),
            (Method::DELETE, format!("{V1}/users/{id}"), None),
            (
                Method::POST,
                format!("{V1}/groups"),
                Some(json!({"id": "NEWGRP", "name": "New"})),
            ),
            (
                Method::POST,
                format!("{V1}/groups/TAX/members"),
                Some(json!({"user_id": id})),
            ),
            (
                Method::DELETE,
                format!("{V1}/groups/TAX/members/{id}"),
                None,
            ),
        ] {
            let (st, e) = call(&s, t, method.clone(), &path, body).await;
            assert_error(st, &e, StatusCode::FORBIDDEN);
        }
    }
    // Nothing changed.
    let (_, u) = call(&s, &a, Method::GET, &format!("{V1}/users/{id}"), None).await;
    assert_eq!(u["data"]["active"], true);
    assert_eq!(u["data"]["groups"], json!(["TAX"]));
    s.stop().await;
}

#[tokio::test]
async fn a_departing_employee_is_deactivated_by_login_name() {
    let s = TestServer::start().await;
    let a = admin(&s).await;
    provision(&s, &a, "jdoe").await;
    provision(&s, &a, "other").await;
    new_group(&s, &a, "LITIGATION", "Litigation").await;
    new_group(&s, &a, "TAX", "Tax").await;
    // 1. Resolve the id by login name (any case).
    let (st, found) = call(
        &s,
        &a,
        Method::GET,
        &format!("{V1}/users?login_name=jdoe"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let items = data_list(&found);
    assert_eq!(found["total_results"], 1);
    assert_eq!(items.len(), 1);
    assert_user_shape(&items[0]);
    assert_eq!(items[0]["login_name"], "JDOE");
    let id = items[0]["id"].as_str().unwrap().to_string();
    add(&s, &a, "LITIGATION", &id).await;
    add(&s, &a, "TAX", &id).await;
    // 2. PATCH changes only what it names and answers the updated user.
    let (st, u) = call(
        &s,
        &a,
        Method::PATCH,
        &format!("{V1}/users/{id}"),
        Some(json!({"active": false, "title": "Senior Associate"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{u}");
    let u = data_object(&u);
    assert_user_shape(u);
    assert_eq!(u["id"], id.as_str());
    assert_eq!(u["active"], false);
    assert_eq!(u["title"], "Senior Associate");
    assert_eq!(u["email"], "jdoe@acme.example", "untouched fields stay");
    assert_eq!(u["last_name"], "jdoe");
    assert_eq!(u["groups"], json!(["LITIGATION", "TAX"]));
    // A deactivated user cannot sign in.
    let r = s
        .http
        .post(format!("{}/auth/oauth2/token", s.base))
        .form(&[
            ("grant_type", "password"),
            ("username", "jdoe"),
            ("password", "a-long-password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::OK);
    // 3. Out of each group, one DELETE each; a second time is a 404.
    for g in ["LITIGATION", "TAX"] {
        remove(&s, &a, g, &id).await;
    }
    let (st, e) = call(
        &s,
        &a,
        Method::DELETE,
        &format!("{V1}/groups/TAX/members/{id}"),
        None,
    )
    .await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    let (_, u) = call(&s, &a, Method::GET, &format!("{V1}/users/{id}"), None).await;
    assert_eq!(u["data"]["groups"], json!([]));
    assert_eq!(u["data"]["active"], false);
    s.stop().await;
}

#[tokio::test]
async fn a_group_is_synced_from_a_directory_one_member_at_a_time() {
    let s = TestServer::start().await;
    let a = admin(&s).await;
    let mut ids = Vec::new();
    for login in ["ann", "bob", "cid", "dee"] {
        ids.push(
            provision(&s, &a, login).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    new_group(&s, &a, "CORPORATE", "Corporate").await;
    for id in &ids[..3] {
        add(&s, &a, "CORPORATE", id).await;
    }
    // The directory says: bob, cid, dee.
    let wanted: BTreeSet<String> = ids[1..].iter().cloned().collect();
    let (_, groups) = call(&s, &a, Method::GET, &format!("{V1}/groups"), None).await;
    for g in data_list(&groups) {
        assert_eq!(
            keys(g),
            BTreeSet::from(["id", "name", "member_count", "enabled"])
        );
    }
    let (st, m) = call(
        &s,
        &a,
        Method::GET,
        &format!("{V1}/groups/CORPORATE/members"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let current: BTreeSet<String> = data_list(&m)
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(m["total_results"], 3);
    for id in wanted.difference(&current) {
        add(&s, &a, "CORPORATE", id).await;
    }
    for id in current.difference(&wanted) {
        remove(&s, &a, "CORPORATE", id).await;
    }
    let (_, m) = call(
        &s,
        &a,
        Method::GET,
        &format!("{V1}/groups/CORPORATE/members"),
        None,
    )
    .await;
    let now: BTreeSet<String> = data_list(&m)
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(now, wanted);
    // Members page like every list.
    let (_, page) = call(
        &s,
        &a,
        Method::GET,
        &format!("{V1}/groups/CORPORATE/members?start_index=1&max_results=1"),
        None,
    )
    .await;
    assert_eq!(data_list(&page).len(), 1);
    assert_eq!(page["total_results"], 3);
    // The bulk extension answers in the same envelope.
    let (st, r) = call(
        &s,
        &a,
        Method::POST,
        &format!("{V1}/group-memberships"),
        Some(json!({"changes": [{"group_id": "CORPORATE", "action": "add", "users": [ids[0].clone()]}]})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r, json!({"data": {"changed": 1, "changes": 1}}));
    s.stop().await;
}

#[tokio::test]
async fn user_lists_page_within_the_guides_limits() {
    let s = TestServer::start().await;
    let a = admin(&s).await;
    for i in 0..4 {
        provision(&s, &a, &format!("pager{i}")).await;
    }
    // ADMIN and the four: the default page (100) holds them all.
    let (_, all) = call(&s, &a, Method::GET, &format!("{V1}/users"), None).await;
    assert_eq!(data_list(&all).len(), 5);
    assert_eq!(all["total_results"], 5);
    let mut seen = BTreeSet::new();
    for start in [0, 2, 4] {
        let (st, page) = call(
            &s,
            &a,
            Method::GET,
            &format!("{V1}/users?max_results=2&start_index={start}"),
            None,
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(page["total_results"], 5);
        for u in data_list(&page) {
            assert!(seen.insert(u["id"].as_str().unwrap().to_string()));
        }
    }
    assert_eq!(seen.len(), 5, "the pages cover every user once");
    let (st, _) = call(
        &s,
        &a,
        Method::GET,
        &format!("{V1}/users?max_results=1000"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (_, by_email) = call(
        &s,
        &a,
        Method::GET,
        &format!("{V1}/users?email=PAGER2@acme.example"),
        None,
    )
    .await;
    assert_eq!(data_list(&by_email)[0]["login_name"], "PAGER2");
    for (q, field) in [
        ("max_results=1001", "max_results"),
        ("max_results=0", "max_results"),
        ("max_results=ten", "max_results"),
        ("start_index=-1", "start_index"),
    ] {
        for list in ["users", "groups", "groups/NRTADMIN/members"] {
            let (st, e) = call(&s, &a, Method::GET, &format!("{V1}/{list}?{q}"), None).await;
            assert_error(st, &e, StatusCode::BAD_REQUEST);
            assert_eq!(error_field(&e), field, "{e}");
        }
    }
    s.stop().await;
}

#[tokio::test]
async fn bad_input_to_the_v1_api_is_a_clear_error() {
    let s = TestServer::start().await;
    let a = admin(&s).await;
    let jdoe = provision(&s, &a, "jdoe").await;
    let id = jdoe["id"].as_str().unwrap();
    new_group(&s, &a, "TAX", "Tax").await;
    // Missing required fields are named, all of them.
    let (st, e) = call(
        &s,
        &a,
        Method::POST,
        &format!("{V1}/users"),
        Some(json!({"login_name": "half"})),
    )
    .await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    let fields: BTreeSet<&str> = e["error"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, BTreeSet::from(["email", "first_name", "last_name"]));
    let (st, e) = call(
        &s,
        &a,
        Method::POST,
        &format!("{V1}/users"),
        Some(json!({"email": "a@b.example", "first_name": "A", "last_name": "B"})),
    )
    .await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&e), "login_name");
    let (st, e) = call(
        &s,
        &a,
        Method::GET,
        &format!("{V1}/users?login_name=half"),
        None,
    )
    .await;
    assert_eq!(
        (st, e["total_results"].clone()),
        (StatusCode::OK, json!(0)),
        "nothing half made"
    );
    // A person already in this database.
    let (st, e) = call(
        &s,
        &a,
        Method::POST,
        &format!("{V1}/users"),
        Some(json!({"login_name": "JDOE", "email": "j@acme.example", "first_name": "J", "last_name": "D"})),
    )
    .await;
    assert_error(st, &e, StatusCode::CONFLICT);
    // Unknown ids.
    for (method, path, body) in [
        (Method::GET, format!("{V1}/users/9999"), None),
        (
            Method::PATCH,
            format!("{V1}/users/9999"),
            Some(json!({"active": false})),
        ),
        (Method::DELETE, format!("{V1}/users/9999"), None),
        (Method::GET, format!("{V1}/groups/NOSUCH"), None),
        (
            Method::POST,
            format!("{V1}/groups/NOSUCH/members"),
            Some(json!({"user_id": id})),
        ),
        (
            Method::POST,
            format!("{V1}/groups/TAX/members"),
            Some(json!({"user_id": "9999"})),
        ),
        (
            Method::DELETE,
            format!("{V1}/groups/TAX/members/9999"),
            None,
        ),
        (
            Method::DELETE,
            format!("{V1}/groups/NOSUCH/members/{id}"),
            None,
        ),
        (
            Method::GET,
            "/api/v1/customers/NOWHERE/users".to_string(),
            None,
        ),
    ] {
        let (st, e) = call(&s, &a, method.clone(), &path, body).await;
        assert_error(st, &e, StatusCode::NOT_FOUND);
    }
    // Wrong types and values.
    for body in [
        json!({"active": "perhaps"}),
        json!({"user_type": "robot"}),
        json!({"login_name": "someone-else"}),
        json!({"title": 42}),
    ] {
        let (st, e) = call(
            &s,
            &a,
            Method::PATCH,
            &format!("{V1}/users/{id}"),
            Some(body),
        )
        .await;
        assert_error(st, &e, StatusCode::BAD_REQUEST);
    }
    for body in [json!({"user_id": true}), json!({})] {
        let (st, e) = call(
            &s,
            &a,
            Method::POST,
            &format!("{V1}/groups/TAX/members"),
            Some(body),
        )
        .await;
        assert_error(st, &e, StatusCode::BAD_REQUEST);
    }
    let r = s
        .http
        .post(format!("{}{V1}/users", s.base))
        .bearer_auth(&a)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let st = r.status();
    let e: Value = r.json().await.unwrap();
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    // No token at all.
    let r = s
        .http
        .get(format!("{}{V1}/users", s.base))
        .send()
        .await
        .unwrap();
    let st = r.status();
    let e: Value = r.json().await.unwrap();
    assert_error(st, &e, StatusCode::UNAUTHORIZED);
    // Nothing changed by any of it.
    let (_, u) = call(&s, &a, Method::GET, &format!("{V1}/users/{id}"), None).await;
    assert_eq!(u["data"]["active"], true);
    assert_eq!(u["data"]["user_type"], "full");
    s.stop().await;
}

#[tokio::test]
async fn a_refused_change_or_removal_leaves_the_user_as_they_were() {
    let s = TestServer::start().await;
    let a = admin(&s).await;
    let jdoe = provision(&s, &a, "jdoe").await;
    let id = jdoe["id"].as_str().unwrap();
    // A title with a role the library lacks: neither is written.
    let (st, e) = call(
        &s,
        &a,
        Method::PATCH,
        &format!("{V1}/users/{id}"),
        Some(json!({"title": "Partner", "role": "NOPE"})),
    )
    .await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    let (_, u) = call(&s, &a, Method::GET, &format!("{V1}/users/{id}"), None).await;
    assert_ne!(data_object(&u)["title"], "Partner", "{u}");
    // The administrator's own last identity: refused, and still a member.
    let (_, me) = call(
        &s,
        &a,
        Method::GET,
        &format!("{V1}/users?login_name=admin"),
        None,
    )
    .await;
    let mine = data_list(&me)[0]["id"].as_str().unwrap().to_string();
    let (st, e) = call(&s, &a, Method::DELETE, &format!("{V1}/users/{mine}"), None).await;
    assert_error(st, &e, StatusCode::CONFLICT);
    let (st, _) = call(&s, &a, Method::GET, &format!("{V1}/users/{mine}"), None).await;
    assert_eq!(st, StatusCode::OK, "the refused DELETE left the membership");
}
