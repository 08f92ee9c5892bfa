//! Users, groups, roles and the audit log through the Work API v2 and the v1
//! user-management API, and the identity commands of the binary.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN_PASSWORD, TestServer, assert_error, error_field};

const V2: &str = "/work/api/v2/customers/1";
const V1: &str = "/api/v1/customers/ACTIVE";

/// A token of `user` with `scope`.
async fn token(s: &TestServer, user: &str, password: &str, scope: &str) -> String {
    let r = s
        .http
        .post(format!("{}/auth/oauth2/token", s.base))
        .form(&[
            ("grant_type", "password"),
            ("username", user),
            ("password", password),
            ("scope", scope),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "login of {user}");
    r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn send(
    s: &TestServer,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut r = s
        .http
        .request(method, format!("{}{path}", s.base))
        .header("X-Auth-Token", token);
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

async fn admin(s: &TestServer) -> String {
    token(s, "admin", ADMIN_PASSWORD, "admin").await
}

/// Creates a user in ACTIVE with a password and returns its login id.
async fn new_user(s: &TestServer, admin: &str, id: &str, extra: Value) -> Value {
    let mut body = json!({"id": id, "full_name": format!("{id} Person"), "password": "a-long-password",
                          "email": format!("{}@firm.example", id.to_lowercase()), "libraries": ["ACTIVE"]});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (st, u) = send(s, admin, Method::POST, &format!("{V2}/users"), Some(body)).await;
    assert_eq!(st, StatusCode::CREATED, "{u}");
    u["data"].clone()
}

#[tokio::test]
async fn an_administrator_creates_a_user_who_then_signs_in() {
    let s = TestServer::start().await;
    let a = admin(&s).await;
    let u = new_user(
        &s,
        &a,
        "jsmith",
        json!({"department": "Litigation", "title": "Partner"}),
    )
    .await;
    assert_eq!(u["id"], "JSMITH");
    assert_eq!(u["has_password"], true);
    assert_eq!(u["department"], "Litigation");
    assert!(u["ssid"].as_str().is_some_and(|x| x.len() >= 32));
    let t = token(&s, "jsmith", "a-long-password", "user").await;
    let (st, me) = send(
        &s,
        &t,
        Method::GET,
        &format!("{V2}/users/me?include_libraries=true"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{me}");
    assert_eq!(me["data"]["id"], "JSMITH");
    assert_eq!(me["data"]["is_admin"], false);
    assert_eq!(me["data"]["libraries"][0]["id"], "ACTIVE");
    assert_eq!(me["data"]["libraries"][0]["role"], "DEFAULT");
    // Lockout state is for administrators' eyes only.
    assert!(me["data"].get("failed_logins").is_none());
    let (_, seen_by_admin) = send(&s, &a, Method::GET, &format!("{V2}/users/JSMITH"), None).await;
    assert_eq!(seen_by_admin["data"]["failed_logins"], 0);
    // Duplicates and bad fields are clear 4xx errors that create nothing.
    let (st, e) = send(
        &s,
        &a,
        Method::POST,
        &format!("{V2}/users"),
        Some(json!({"id": "JSMITH"})),
    )
    .await;
    assert_error(st, &e, StatusCode::CONFLICT);
    for (body, field) in [
        (json!({"id": "bad/id"}), "id"),
        (json!({"id": "X1", "email": "not-an-address"}), "email"),
        (json!({"id": "X2", "allow_logon": 3}), "allow_logon"),
        (json!({"id": "X3", "password": "short"}), "password"),
        (json!({"id": "X4", "libraries": ["NOWHERE"]}), "library"),
        (json!({"full_name": "no id"}), "id"),
    ] {
        let (st, e) = send(
            &s,
            &a,
            Method::POST,
            &format!("{V2}/users"),
            Some(body.clone()),
        )
        .await;
        assert_error(st, &e, StatusCode::BAD_REQUEST);
        assert_eq!(error_field(&e), field, "{body}");
    }
    let (_, list) = send(&s, &a, Method::GET, &format!("{V2}/users?total=true"), None).await;
    assert_eq!(list["total_count"], 2, "ADMIN and JSMITH only: {list}");
    s.stop().await;
}

#[tokio::test]
async fn identity_writes_need_admin_rights_and_the_admin_scope() {
    let s = TestServer::start().await;
    let a = admin(&s).await;
    new_user(&s, &a, "clerk", json!({})).await;
    let admin_user_scope = token(&s, "admin", ADMIN_PASSWORD, "user").await;
    let clerk = token(&s, "clerk", "a-long-password", "user").await;
    for t in [&admin_user_scope, &clerk] {
        for (method, path, body) in [
            (
                Method::POST,
                format!("{V2}/users"),
                Some(json!({"id": "EVE"})),
            ),
            (
                Method::PATCH,
                format!("{V2}/users/CLERK"),
                Some(json!({"full_name": "x"})),
            ),
            (Method::DELETE, format!("{V2}/users/CLERK"), None),
            (
                Method::POST,
                format!("{V2}/groups"),
                Some(json!({"id": "G"})),
            ),
            (
                Method::PUT,
                format!("{V2}/groups/NRTADMIN/members"),
                Some(json!({"action": "add", "data": ["CLERK"]})),
            ),
            (
                Method::POST,
                format!("{V1}/users"),
                Some(json!({"login_name": "EVE"})),
            ),
            (
                Method::POST,
                "/work/api/v2/customers/1/libraries/ACTIVE/roles".to_string(),
                Some(json!({"id": "R"})),
            ),
        ] {
            let (st, e) = send(&s, t, method.clone(), &path, body).await;
            assert_error(st, &e, StatusCode::FORBIDDEN);
        }
    }
    // Nothing was written.
    let (_, list) = send(&s, &a, Method::GET, &format!("{V2}/users?total=true"), None).await;
    assert_eq!(list["total_count"], 2);
    let (_, members) = send(
        &s,
        &a,
        Method::GET,
        &format!("{V2}/groups/NRTADMIN/members"),
        None,
    )
    .await;
    assert_eq!(members["data"].as_array().unwrap().len(), 1);
    // Reading is open to every signed-in user; no token is a 401.
    let (st, _) = send(&s, &clerk, Method::GET, &format!("{V2}/users/ADMIN"), None).await;
    assert_eq!(st, StatusCode::OK);
    let (st, e) = send(&s, "not-a-token", Method::GET, &format!("{V2}/users"), None).await;
    assert_error(st, &e, StatusCode::UNAUTHORIZED);
    // Another customer's objects do not exist for this caller.
    let (st, e) = send(&s, &a, Method::GET, "/work/api/v2/customers/2/users", None).await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test]
async fn deactivating_a_user_ends_their_sessions_but_keeps_their_documents() {
    let s = TestServer::start().await;
    let a = admin(&s).await;
    new_user(&s, &a, "leaver", json!({})).await;
    let t = token(&s, "leaver", "a-long-password", "user").await;
    let folder = s.folder().await;
    let (st, doc) = {
        let form = TestServer::upload_form(json!({}), "memo.txt", b"kept".to_vec());
        let r = s
            .http
            .post(s.lib(&format!("/folders/{folder}/documents")))
            .header("X-Auth-Token", &t)
            .multipart(form)
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(st, StatusCode::CREATED, "{doc}");
    let doc_id = doc["data"]["id"].as_str().unwrap().to_string();
    let (st, u) = send(
        &s,
        &a,
        Method::PATCH,
        &format!("{V2}/users/LEAVER"),
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{u}");
    assert_eq!(u["data"]["active"], false);
    let (st, _) = send(&s, &t, Method::GET, &format!("{V2}/users/me"), None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "the session ended");
    let r = s
        .http
        .post(format!("{}/auth/oauth2/token", s.base))
        .form(&[
            ("grant_type", "password"),
            ("username", "leaver"),
            ("password", "a-long-password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "sign-in refused");
    let kept = s.get_json(&s.lib(&format!("/documents/{doc_id}"))).await;
    assert_eq!(kept["data"]["author"], "LEAVER");
    let history = s
        .get_json(&s.lib(&format!("/documents/{doc_id}/history")))
        .await;
    assert!(history.to_string().contains("LEAVER"));
    // An administrator cannot lock themselves out.
    let (st, e) = send(
        &s,
        &a,
        Method::PATCH,
        &format!("{V2}/users/ADMIN"),
        Some(json!({"active": false})),
    )
    .await;
    assert_error(st, &e, StatusCode::CONFLICT);
    s.stop().await;
}

#[tokio::test]
async fn groups_and_their_members() {
    let s = TestServer::start().await;
    let a = admin(&s).await;
    for id in ["ann", "bob", "cat"] {
        new_user(&s, &a, id, json!({})).await;
    }
    let (st, g) = send(
        &s,
        &a,
        Method::POST,
        &format!("{V2}/groups"),
        Some(json!({"id": "litigation", "full_name": "Litigation team", "members": ["ann"]})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{g}");
    assert_eq!(g["data"]["id"], "LITIGATION");
    let members_of = |v: &Value| {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let path = format!("{V2}/groups/LITIGATION/members");
    let (st, m) = send(&s, &a, Method::PUT, &path, Some(json!({"database": "ACTIVE", "data_type": "users", "data": ["bob", "cat"], "action": "add"}))).await;
    assert_eq!(st, StatusCode::OK, "{m}");
    assert_eq!(members_of(&m), ["ANN", "BOB", "CAT"]);
    let (_, m) = send(
        &s,
        &a,
        Method::PUT,
        &path,
        Some(json!({"data_type": "users", "data": ["ann"], "action": "delete"})),
    )
    .await;
    assert_eq!(members_of(&m), ["BOB", "CAT"]);
    // An unknown member is a 400 naming the field, and nothing changes.
    let (st, e) = send(
        &s,
        &a,
        Method::PUT,
        &path,
        Some(json!({"data": ["ann", "ghost"], "action": "add"})),
    )
    .await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&e), "users");
    let (_, m) = send(&s, &a, Method::GET, &path, None).await;
    assert_eq!(members_of(&m), ["BOB", "CAT"]);
    // A user's groups; the group filter on users.
    let (_, gs) = send(&s, &a, Method::GET, &format!("{V2}/users/BOB/groups"), None).await;
    assert_eq!(gs["data"][0]["id"], "LITIGATION");
    let (_, us) = send(
        &s,
        &a,
        Method::GET,
        &format!("{V2}/users?group=litigation&total=true"),
        None,
    )
    .await;
    assert_eq!(us["total_count"], 2);
    // Bulk changes are all or nothing.
    let bulk = format!("{V2}/groups/members");
    let (st, e) = send(
        &s,
        &a,
        Method::POST,
        &bulk,
        Some(json!({"changes": [
        {"group": "LITIGATION", "action": "add", "users": ["ANN"]},
        {"group": "NOSUCH", "action": "add", "users": ["ANN"]}]})),
    )
    .await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    let (_, m) = send(&s, &a, Method::GET, &path, None).await;
    assert_eq!(
        members_of(&m),
        ["BOB", "CAT"],
        "the first change was rolled back"
    );
    let (st, r) = send(
        &s,
        &a,
        Method::POST,
        &bulk,
        Some(json!({"changes": [
        {"group": "LITIGATION", "action": "add", "users": ["ANN"]},
        {"group": "LITIGATION", "action": "remove", "users": ["CAT"]}]})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["data"]["changed"], 2);
    let (_, m) = send(&s, &a, Method::GET, &path, None).await;
    assert_eq!(members_of(&m), ["ANN", "BOB"]);
    // Rename, disable, delete; NRTADMIN is protected.
    let (_, g) = send(
        &s,
        &a,
        Method::PATCH,
        &format!("{V2}/groups/LITIGATION"),
        Some(json!({"full_name": "Disputes", "enabled": false})),
    )
    .await;
    assert_eq!(g["data"]["full_name"], "Disputes");
    assert_eq!(g["data"]["enabled"], false);
    let (st, e) = send(
        &s,
        &a,
        Method::DELETE,
        &format!("{V2}/groups/NRTADMIN"),
        None,
    )
    .await;
    assert_error(st, &e, StatusCode::CONFLICT);
    let (st, _) = send(
        &s,
        &a,
        Method::DELETE,
        &format!("{V2}/groups/LITIGATION"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, e) = send(
        &s,
        &a,
        Method::GET,
        &format!("{V2}/groups/LITIGATION"),
        None,
    )
    .await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test]
async fn library_members_roles_and_user_numbers() {
    let s = TestServer::start().await;
    let a = admin(&s).await;
    let l = "/work/api/v2/customers/1/libraries/ACTIVE";
    let (st, u) = send(
        &s,
        &a,
        Method::POST,
        &format!("{l}/users"),
        Some(json!({"id": "para", "full_name": "Para Legal", "role": "READ_ONLY"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{u}");
    assert_eq!(u["data"]["role"], "READ_ONLY");
    assert_eq!(u["data"]["user_num"], 2, "ADMIN is 1 in ACTIVE");
    let (_, roles) = send(&s, &a, Method::GET, &format!("{l}/roles"), None).await;
    let ids: Vec<&str> = roles["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["BREAK_GLASS", "DEFAULT", "LIBRARY_ADMIN", "READ_ONLY"]
    );
    let (_, ro) = send(&s, &a, Method::GET, &format!("{l}/roles/read_only"), None).await;
    assert_eq!(ro["data"]["m1_bits"]["read_only"], true);
    assert_eq!(ro["data"]["m1_bits"]["delete"], false);
    assert_eq!(ro["data"]["is_admin"], false);
    // A new role from mask bits, then a member moved into it.
    let (st, r) = send(
        &s,
        &a,
        Method::POST,
        &format!("{l}/roles"),
        Some(json!({"id": "records", "description": "Records team",
        "m1_bits": {"import": true, "delete": true}, "m2_bits": {"document_view": true}})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    assert_eq!(
        r["data"]["m1"],
        1 << 3 | 1 << 4,
        "delete and import are bits 3 and 4 of m1"
    );
    let (st, e) = send(
        &s,
        &a,
        Method::POST,
        &format!("{l}/roles"),
        Some(json!({"id": "records"})),
    )
    .await;
    assert_error(st, &e, StatusCode::CONFLICT);
    let (st, e) = send(
        &s,
        &a,
        Method::POST,
        &format!("{l}/roles"),
        Some(json!({"id": "x", "rights": ["fly"]})),
    )
    .await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    let (st, u) = send(
        &s,
        &a,
        Method::PATCH,
        &format!("{l}/users/PARA"),
        Some(json!({"role": "records"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{u}");
    assert_eq!(u["data"]["role"], "RECORDS");
    let (st, e) = send(
        &s,
        &a,
        Method::PATCH,
        &format!("{l}/users/PARA"),
        Some(json!({"role": "nope"})),
    )
    .await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    let (_, list) = send(&s, &a, Method::GET, &format!("{l}/users?total=true"), None).await;
    assert_eq!(list["total_count"], 2);
    // Removing from the library keeps the person.
    let (st, _) = send(&s, &a, Method::DELETE, &format!("{l}/users/PARA"), None).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = send(&s, &a, Method::GET, &format!("{l}/users/PARA"), None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = send(&s, &a, Method::GET, &format!("{V2}/users/PARA"), None).await;
    assert_eq!(st, StatusCode::OK);
    // Re-joining keeps the per-library number.
    let (st, m) = send(
        &s,
        &a,
        Method::PUT,
        &format!("{V2}/users/PARA/libraries/ACTIVE"),
        Some(json!({})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    assert_eq!(
        m["data"]["user_num"], 3,
        "a new number: the old membership was removed"
    );
    s.stop().await;
}

#[tokio::test]
async fn the_v1_user_api_pages_filters_and_scopes_by_database() {
    let s = TestServer::start().await;
    let a = admin(&s).await;
    for i in 0..5 {
        let (st, u) = send(&s, &a, Method::POST, &format!("{V1}/users"), Some(json!({"login_name": format!("user{i}"), "first_name": "User", "last_name": format!("{i}"), "email": format!("u{i}@firm.example")}))).await;
        assert_eq!(st, StatusCode::CREATED, "{u}");
        assert_eq!(u["data"]["login_name"], format!("USER{i}"));
        assert_eq!(
            u["data"]["id"],
            (i + 2).to_string(),
            "per-database numbers follow ADMIN's 1"
        );
    }
    let (st, page) = send(
        &s,
        &a,
        Method::GET,
        &format!("{V1}/users?start_index=2&max_results=2"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{page}");
    assert_eq!(page["total_results"], 6);
    let logins: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["login_name"].as_str().unwrap())
        .collect();
    assert_eq!(logins, ["USER1", "USER2"]);
    let (_, by_email) = send(
        &s,
        &a,
        Method::GET,
        &format!("{V1}/users?email=U3@FIRM.EXAMPLE"),
        None,
    )
    .await;
    assert_eq!(by_email["data"][0]["login_name"], "USER3");
    let (_, by_login) = send(
        &s,
        &a,
        Method::GET,
        &format!("{V1}/users?login_name=user4"),
        None,
    )
    .await;
    assert_eq!(by_login["total_results"], 1);
    for q in [
        "max_results=1001",
        "max_results=0",
        "start_index=-1",
        "max_results=x",
    ] {
        let (st, e) = send(&s, &a, Method::GET, &format!("{V1}/users?{q}"), None).await;
        assert_error(st, &e, StatusCode::BAD_REQUEST);
    }
    // PATCH changes only what it names.
    let (st, u) = send(
        &s,
        &a,
        Method::PATCH,
        &format!("{V1}/users/3"),
        Some(json!({"title": "Associate"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{u}");
    assert_eq!(u["data"]["title"], "Associate");
    assert_eq!(u["data"]["email"], "u1@firm.example");
    assert_eq!(u["data"]["display_name"], "User 1");
    // The same person in a second database has another id there.
    s.dossier()
        .create_library("ARCHIVE", "Archive")
        .await
        .unwrap();
    let (st, u) = send(
        &s,
        &a,
        Method::POST,
        "/api/v1/customers/ARCHIVE/users",
        Some(json!({"login_name": "user1"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{u}");
    assert_eq!(u["data"]["id"], "1");
    let (_, who) = send(&s, &a, Method::GET, "/api/v1/users?login_name=user1", None).await;
    let ids: Vec<(String, String)> = who["data"][0]["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["database"].as_str().unwrap().to_string(),
                i["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("ACTIVE".to_string(), "3".to_string()),
            ("ARCHIVE".to_string(), "1".to_string())
        ]
    );
    // Groups and members by per-database id or login.
    let (st, g) = send(
        &s,
        &a,
        Method::POST,
        &format!("{V1}/groups"),
        Some(json!({"group_id": "tax", "full_name": "Tax"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{g}");
    let (st, m) = send(
        &s,
        &a,
        Method::POST,
        &format!("{V1}/groups/TAX/members"),
        Some(json!({"users": [2, "user2"]})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    assert_eq!(m["total_results"], 2);
    let (_, m) = send(
        &s,
        &a,
        Method::DELETE,
        &format!("{V1}/groups/TAX/members"),
        Some(json!({"users": [2]})),
    )
    .await;
    assert_eq!(m["data"][0]["login_name"], "USER2");
    let (st, r) = send(
        &s,
        &a,
        Method::POST,
        &format!("{V1}/group-memberships"),
        Some(json!({"changes": [{"group_id": "TAX", "action": "add", "users": [5, 6]}]})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["data"]["changed"], 2);
    // Writes need the admin scope; unknown ids are 404s.
    let user_scope = token(&s, "admin", ADMIN_PASSWORD, "user").await;
    let (st, e) = send(
        &s,
        &user_scope,
        Method::PATCH,
        &format!("{V1}/users/3"),
        Some(json!({"title": "x"})),
    )
    .await;
    assert_error(st, &e, StatusCode::FORBIDDEN);
    let (st, e) = send(&s, &a, Method::GET, &format!("{V1}/users/999"), None).await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    let (st, e) = send(&s, &a, Method::GET, "/api/v1/customers/NOWHERE/users", None).await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    // DELETE in one database keeps the person while another holds them; the last removes them.
    let (st, _) = send(&s, &a, Method::DELETE, &format!("{V1}/users/3"), None).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = send(&s, &a, Method::GET, &format!("{V2}/users/USER1"), None).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = send(
        &s,
        &a,
        Method::DELETE,
        "/api/v1/customers/ARCHIVE/users/1",
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = send(&s, &a, Method::GET, &format!("{V2}/users/USER1"), None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test]
async fn identity_changes_leave_audit_records_with_before_and_after() {
    let s = TestServer::start().await;
    let a = admin(&s).await;
    new_user(&s, &a, "audited", json!({})).await;
    send(
        &s,
        &a,
        Method::PATCH,
        &format!("{V2}/users/AUDITED"),
        Some(json!({"title": "Counsel"})),
    )
    .await;
    let (st, log) = send(
        &s,
        &a,
        Method::GET,
        &format!("{V2}/audit-log?target=AUDITED"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{log}");
    let actions: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["user.update", "user.create"]);
    let update = &log["data"][0];
    assert_eq!(update["actor"], "ADMIN");
    assert_eq!(update["detail"]["before"]["title"], Value::Null);
    assert_eq!(update["detail"]["after"]["title"], "Counsel");
    assert!(
        !log.to_string().contains("argon2"),
        "no secrets in the audit log"
    );
    let clerk = token(&s, "audited", "a-long-password", "user").await;
    let (st, e) = send(&s, &clerk, Method::GET, &format!("{V2}/audit-log"), None).await;
    assert_error(st, &e, StatusCode::FORBIDDEN);
    s.stop().await;
}
