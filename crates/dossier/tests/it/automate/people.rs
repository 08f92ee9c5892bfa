//! The façade's `people` operations (`api::automate::people`): scenarios and bad input.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{answer, assert_facade_error, check_response, op, request, url};
use crate::harness::{ADMIN_PASSWORD, TestServer};

const V2: &str = "/work/api/v2/customers/1";

/// The iManage Work operations of this module, and the admin connector's.
const WORK_OPS: [&str; 3] = ["GetUserDetails", "GetGroupMembers", "SearchUsers"];
const ADMIN_OPS: [&str; 4] = [
    "GetLibraryRoles",
    "AssignUserToLibrary",
    "GetMyMattersCategories",
    "AddShortcutsToMyMattersAdmin",
];

/// A token of the built-in administrator granted the `admin` scope, as the admin connector's
/// OAuth app asks for it.
async fn admin_token(s: &TestServer) -> String {
    s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await
}

/// A user made through the Work API with these fields (libraries included).
async fn user(s: &TestServer, admin: &str, body: Value) {
    let (st, b) = s
        .send_json_as(admin, Method::POST, &format!("{}{V2}/users", s.base), body)
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
}

/// A call of one of this module's operations by path, with the admin connector's header on
/// the admin connector's operations.
async fn call(
    s: &TestServer,
    token: &str,
    path: &str,
    query: &[(&str, String)],
    body: Option<Value>,
) -> (StatusCode, Value) {
    let method = if body.is_some() {
        Method::POST
    } else {
        Method::GET
    };
    let mut r = s
        .http
        .request(method, url(s, path, query))
        .bearer_auth(token);
    if ADMIN_OPS.iter().any(|o| op(o).path == path) {
        r = r.header("x-im-connector-id", "imanage-work-for-admins");
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    answer(r).await
}

async fn other_library(s: &TestServer) {
    s.dossier()
        .create_library("OTHER", "another library")
        .await
        .expect("library");
}

/// The ids of a `data` list (or of `data.results`).
fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|u| u["id"].as_str().expect("id").to_string())
        .collect()
}

/// A user's libraries as the Work API reads them back: (library, role, user_num), and the
/// preferred library.
async fn libraries_of(
    s: &TestServer,
    admin: &str,
    uid: &str,
) -> (Vec<(String, String, i64)>, Value) {
    let (st, b) = s
        .send_json_as(
            admin,
            Method::GET,
            &format!("{}{V2}/users/{uid}?include_libraries=true", s.base),
            json!(null),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let libs = b["data"]["libraries"]
        .as_array()
        .expect("libraries")
        .iter()
        .map(|m| {
            (
                m["id"].as_str().expect("id").to_string(),
                m["role"].as_str().expect("role").to_string(),
                m["user_num"].as_i64().expect("user_num"),
            )
        })
        .collect();
    (libs, b["data"]["preferred_library"].clone())
}

#[tokio::test]
async fn users_of_a_library_and_a_group_are_read_per_the_swagger() {
    let s = TestServer::start().await;
    other_library(&s).await;
    let admin = admin_token(&s).await;
    user(
        &s,
        &admin,
        json!({"id": "ann", "full_name": "Ann Archer", "email": "Ann.Archer@example.com",
               "phone": "+44 20 1234", "libraries": ["ACTIVE"]}),
    )
    .await;
    user(
        &s,
        &admin,
        json!({"id": "bob", "full_name": "Bob Barker", "allow_logon": false,
               "preferred_library": "OTHER", "libraries": ["ACTIVE", "OTHER"]}),
    )
    .await;
    // In the group, but not a member of ACTIVE.
    user(&s, &admin, json!({"id": "cat", "libraries": ["OTHER"]})).await;
    let (st, g) = s
        .send_json_as(
            &admin,
            Method::POST,
            &format!("{}{V2}/groups", s.base),
            json!({"id": "litigation", "full_name": "Litigation", "members": ["ann", "bob", "cat"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{g}");
    let (libs, _) = libraries_of(&s, &admin, "ANN").await;
    let ann_num = libs
        .iter()
        .find(|(l, _, _)| l == "ACTIVE")
        .expect("ANN in ACTIVE")
        .2;

    // GetUserDetails: the user record and their number in the library.
    let details = op("GetUserDetails");
    let values = BTreeMap::from([("libraryId", json!("ACTIVE")), ("userId", json!("ann"))]);
    let (st, b) = answer(request(&s, &s.token, &details, &values, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&details, &b);
    let d = &b["data"];
    assert_eq!(d["id"], "ANN");
    assert_eq!(d["full_name"], "Ann Archer");
    assert_eq!(d["email"], "Ann.Archer@example.com");
    assert_eq!(d["phone"], "+44 20 1234");
    assert_eq!(d["user_num"], ann_num);
    assert_eq!(d["allow_logon"], true);
    assert_eq!(d["user_nos"], 2, "a user made through the API is virtual");
    assert!(
        d["edit_date"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') && t.len() == 20),
        "ISO 8601 with zone, to the second: {d}"
    );
    // Nothing the user record does not hold is made up.
    for absent in ["location", "fax", "custom1", "directory_id", "last_sync_ts"] {
        assert!(d.get(absent).is_none(), "{absent}: {d}");
    }

    // GetGroupMembers: the group's members in the library, by logon status.
    let members = op("GetGroupMembers");
    let values = BTreeMap::from([
        ("libraryId", json!("ACTIVE")),
        ("groupId", json!("litigation")),
    ]);
    let (st, b) = answer(request(&s, &s.token, &members, &values, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&members, &b);
    assert_eq!(ids(&b["data"]), ["ANN"], "Enabled by default: {b}");
    assert_eq!(b["data"][0]["user_num"], ann_num);
    let list = |query: Vec<(&'static str, &'static str)>| {
        let r = s
            .http
            .get(url(&s, "/getGroupMembers", &query))
            .bearer_auth(&s.token);
        let members = members.clone();
        async move {
            let (st, b) = answer(r).await;
            assert_eq!(st, StatusCode::OK, "{b}");
            check_response(&members, &b);
            ids(&b["data"])
        }
    };
    let base = vec![("libraryId", "ACTIVE"), ("groupId", "LITIGATION")];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut q = base.clone();
        q.extend_from_slice(extra);
        q
    };
    assert_eq!(list(with(&[("logon_status", "Disabled")])).await, ["BOB"]);
    assert_eq!(list(with(&[("logon_status", "Any")])).await, ["ANN", "BOB"]);
    assert_eq!(
        list(with(&[("logon_status", "Any"), ("limit", "1")])).await,
        ["ANN"]
    );
    assert_eq!(
        list(with(&[
            ("logon_status", "Any"),
            ("preferred_library", "OTHER")
        ]))
        .await,
        ["BOB"]
    );
    // From OTHER, CAT is a member too.
    let other = vec![
        ("libraryId", "OTHER"),
        ("groupId", "LITIGATION"),
        ("logon_status", "Any"),
    ];
    assert_eq!(list(other).await, ["BOB", "CAT"]);

    // SearchUsers: by e-mail in any case; the first result on top.
    let search = op("SearchUsers");
    let (st, b) = answer(
        s.http
            .get(url(
                &s,
                "/searchUsers",
                &[("email", "ANN.ARCHER@EXAMPLE.COM")],
            ))
            .bearer_auth(&s.token),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&search, &b);
    assert_eq!(ids(&b["data"]["results"]), ["ANN"]);
    assert_eq!(b["data"]["topMatchingUser"]["id"], "ANN");
    assert_eq!(b["data"]["topMatchingUser"]["full_name"], "Ann Archer");
    // Without a criterion, every user; no match, an empty list and no top match.
    let (st, b) = answer(request(&s, &s.token, &search, &BTreeMap::new(), None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&search, &b);
    let all = ids(&b["data"]["results"]);
    for u in ["ADMIN", "ANN", "BOB", "CAT"] {
        assert!(all.contains(&u.to_string()), "{u}: {all:?}");
    }
    let (st, b) = answer(
        s.http
            .get(url(&s, "/searchUsers", &[("email", "nobody@example.com")]))
            .bearer_auth(&s.token),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&search, &b);
    assert_eq!(b["data"], json!({"results": []}));
    s.stop().await;
}

#[tokio::test]
async fn the_admin_connector_assigns_a_user_and_fills_their_my_matters() {
    let s = TestServer::start().await;
    other_library(&s).await;
    let admin = admin_token(&s).await;
    let eve = s.new_user("EVE", "eve-password-1").await;
    let ws1 = s.create_workspace("Acme v. Widget").await;
    let ws2 = s.create_workspace("Acme merger").await;
    let ws3 = s.create_workspace("Acme tax").await;

    // The role picker for EVE in OTHER.
    let roles = op("GetLibraryRoles");
    let query = [
        ("libraryId", "OTHER".to_string()),
        ("user_id", "eve".into()),
    ];
    let (st, b) = call(&s, &admin, "/getLibraryRoles", &query, None).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&roles, &b);
    let listed = ids(&b["data"]);
    assert!(
        listed.contains(&"DEFAULT".to_string()) && listed.contains(&"READ_ONLY".to_string()),
        "{b}"
    );
    assert!(
        b["data"][0]["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );

    // AssignUserToLibrary: a member of OTHER, read-only, OTHER preferred.
    let assign = op("AssignUserToLibrary");
    let mut values = BTreeMap::from([
        ("libraryId", json!("OTHER")),
        ("user_id", json!("eve")),
        ("role", json!("READ_ONLY")),
        ("is_preferred_library", json!(true)),
    ]);
    let (st, b) = answer(request(&s, &admin, &assign, &values, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&assign, &b);
    let (libs, preferred) = libraries_of(&s, &admin, "EVE").await;
    let in_other = libs
        .iter()
        .find(|(l, _, _)| l == "OTHER")
        .expect("EVE in OTHER");
    assert_eq!(in_other.1, "READ_ONLY");
    assert_eq!(b["data"]["user_num"], in_other.2);
    assert_eq!(preferred, "OTHER");
    // Again with another role: the role changes, the preferred library stays.
    values.insert("role", json!("default"));
    values.insert("is_preferred_library", json!(false));
    let (st, b) = answer(request(&s, &admin, &assign, &values, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (libs, preferred) = libraries_of(&s, &admin, "EVE").await;
    assert!(
        libs.contains(&("OTHER".into(), "DEFAULT".into(), in_other.2)),
        "{libs:?}"
    );
    assert_eq!(preferred, "OTHER");
    // A role the library lacks changes nothing, not even the preferred library.
    values.insert("libraryId", json!("ACTIVE"));
    values.insert("role", json!("NO_SUCH_ROLE"));
    values.insert("is_preferred_library", json!(true));
    let (st, b) = answer(request(&s, &admin, &assign, &values, None)).await;
    assert_eq!(assert_facade_error(st, &b, StatusCode::BAD_REQUEST), "role");
    assert_eq!(libraries_of(&s, &admin, "EVE").await.1, "OTHER");

    // EVE keeps a category; the admin connector's picker lists it.
    let (st, cat) = s
        .send_json_as(
            &eve,
            Method::POST,
            &s.lib("/users/me/my-matters/categories"),
            json!({"name": "Acme"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{cat}");
    let cat_id = cat["data"]["id"].as_str().expect("id").to_string();
    let cats = op("GetMyMattersCategories");
    let values = BTreeMap::from([("user_id", json!("eve"))]);
    let (st, b) = answer(request(&s, &admin, &cats, &values, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&cats, &b);
    assert_eq!(
        b["data"],
        json!([{"id": cat_id, "name": "Acme", "category_type": "my_matters",
                "default_security": "private", "has_subfolders": false, "owner": "EVE"}])
    );

    // AddShortcutsToMyMattersAdmin: two into My Matters, one into the category.
    let add = op("AddShortcutsToMyMattersAdmin");
    let values = BTreeMap::from([
        ("user_id", json!("eve")),
        ("workspace_id", json!(format!("{ws1}; {ws2}"))),
    ]);
    let (st, b) = answer(request(&s, &admin, &add, &values, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&add, &b);
    let shortcuts = b["data"]["shortcuts"]
        .as_array()
        .expect("shortcuts")
        .clone();
    let targets: Vec<&str> = shortcuts
        .iter()
        .map(|x| x["target"]["id"].as_str().expect("target"))
        .collect();
    assert_eq!(targets, [ws1.as_str(), ws2.as_str()]);
    let shortcut_ids: Vec<&str> = shortcuts
        .iter()
        .map(|x| x["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        b["data"]["all_workspace_shortcut_ids"],
        shortcut_ids.join(";")
    );
    let body = json!({"user_id": "EVE", "workspace_id": ws3, "category_id": cat_id});
    let (st, b) = call(&s, &admin, "/addShortcutsToMyMattersAdmin", &[], Some(body)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&add, &b);

    // EVE sees them through the Work API's My Matters.
    let targets_of = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .expect("children")
            .iter()
            .filter(|c| c["wstype"] == "workspace_shortcut")
            .map(|c| c["target"]["id"].as_str().expect("target").to_string())
            .collect()
    };
    let (st, root) = s
        .send_json_as(
            &eve,
            Method::GET,
            &s.lib("/users/me/my-matters/children"),
            json!(null),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{root}");
    assert_eq!(targets_of(&root), [ws1.clone(), ws2.clone()]);
    let (st, inside) = s
        .send_json_as(
            &eve,
            Method::GET,
            &s.lib(&format!(
                "/users/me/my-matters/categories/{cat_id}/children"
            )),
            json!(null),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{inside}");
    assert_eq!(targets_of(&inside), std::slice::from_ref(&ws3));
    // The picker now says the category holds something.
    let (_, b) = answer(request(
        &s,
        &admin,
        &cats,
        &BTreeMap::from([("user_id", json!("EVE"))]),
        None,
    ))
    .await;
    assert_eq!(b["data"][0]["has_subfolders"], true, "{b}");
    s.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused_by_name() {
    let s = TestServer::start().await;
    other_library(&s).await;
    let admin = admin_token(&s).await;
    let ws = s.create_workspace("Refusals").await;
    // The one whose library role and My Matters the calls change.
    user(&s, &admin, json!({"id": "pat", "libraries": ["ACTIVE"]})).await;
    let values = BTreeMap::from([
        ("libraryId", json!("ACTIVE")),
        ("userId", json!("ADMIN")),
        ("groupId", json!("NRTADMIN")),
        ("user_id", json!("PAT")),
        ("role", json!("DEFAULT")),
        ("is_preferred_library", json!(false)),
        ("workspace_id", json!(ws)),
    ]);
    // Every required parameter, left out, is named.
    for id in WORK_OPS.iter().chain(ADMIN_OPS.iter()) {
        let o = op(id);
        let (st, b) = answer(request(&s, &admin, &o, &values, None)).await;
        assert_eq!(st, StatusCode::OK, "{id}: {b}");
        check_response(&o, &b);
        for p in o.op["parameters"].as_array().into_iter().flatten() {
            let p = super::resolve(&o.root, p);
            let mut required: Vec<String> = Vec::new();
            if p["in"] == "query" && p["required"] == true {
                required.push(p["name"].as_str().expect("name").to_string());
            }
            if p["in"] == "body" {
                let schema = super::resolve(&o.root, &p["schema"]);
                for f in schema["required"].as_array().into_iter().flatten() {
                    required.push(f.as_str().expect("field").to_string());
                }
            }
            for name in required {
                let (st, b) = answer(request(&s, &admin, &o, &values, Some(&name))).await;
                let field = assert_facade_error(st, &b, StatusCode::BAD_REQUEST);
                assert_eq!(field, name, "{id}: {b}");
            }
        }
    }
    let members = |extra: (&'static str, &'static str)| -> Vec<(&'static str, String)> {
        vec![
            ("libraryId", "ACTIVE".to_string()),
            ("groupId", "NRTADMIN".to_string()),
            (extra.0, extra.1.to_string()),
        ]
    };
    // Enums, types and filters that cannot apply.
    for (query, field) in [
        (members(("logon_status", "Sometimes")), "logon_status"),
        (members(("logon_status", "Read Only")), "logon_status"),
        (members(("limit", "many")), "limit"),
        (members(("limit", "0")), "limit"),
        (members(("location", "London")), "location"),
    ] {
        let (st, b) = call(&s, &admin, "/getGroupMembers", &query, None).await;
        assert_eq!(assert_facade_error(st, &b, StatusCode::BAD_REQUEST), field);
    }
    let (st, b) = call(
        &s,
        &admin,
        "/getLibraryRoles",
        &[
            ("libraryId", "ACTIVE".into()),
            ("is_external", "maybe".into()),
        ],
        None,
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "is_external"
    );
    for (path, body, field) in [
        (
            "/getUserDetails",
            json!({"libraryId": 7, "userId": "ADMIN"}),
            "libraryId",
        ),
        (
            "/assignUserToLibrary",
            json!({"libraryId": "ACTIVE", "user_id": "ADMIN", "role": "DEFAULT", "is_preferred_library": "maybe"}),
            "is_preferred_library",
        ),
        (
            "/addShortcutsToMyMattersAdmin",
            json!({"user_id": "ADMIN", "workspace_id": "not-an-id"}),
            "workspace_id",
        ),
        (
            "/addShortcutsToMyMattersAdmin",
            json!({"user_id": "ADMIN", "workspace_id": "''"}),
            "workspace_id",
        ),
        (
            "/addShortcutsToMyMattersAdmin",
            json!({"user_id": "ADMIN", "workspace_id": format!("{ws};OTHER!1")}),
            "workspace_id",
        ),
        (
            "/addShortcutsToMyMattersAdmin",
            json!({"user_id": "ADMIN", "workspace_id": ws, "category_id": "OTHER!1"}),
            "category_id",
        ),
        (
            "/addShortcutsToMyMattersAdmin",
            json!({"user_id": "ADMIN", "workspace_id": ws, "category_id": "Acme"}),
            "category_id",
        ),
        (
            "/assignUserToLibrary",
            json!({"libraryId": "ACTIVE", "user_id": "ADMIN", "role": "NOPE", "is_preferred_library": false}),
            "role",
        ),
    ] {
        let (st, b) = call(&s, &admin, path, &[], Some(body)).await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            field,
            "{path}"
        );
    }
    // Unknown ids: 404.
    for (path, query) in [
        (
            "/getGroupMembers",
            vec![
                ("libraryId", "ACTIVE".to_string()),
                ("groupId", "NOGROUP".into()),
            ],
        ),
        (
            "/getGroupMembers",
            vec![
                ("libraryId", "NOPE".to_string()),
                ("groupId", "NRTADMIN".into()),
            ],
        ),
        ("/getLibraryRoles", vec![("libraryId", "NOPE".to_string())]),
        (
            "/getLibraryRoles",
            vec![
                ("libraryId", "ACTIVE".to_string()),
                ("user_id", "NOBODY".into()),
            ],
        ),
        (
            "/getMyMattersCategories",
            vec![("user_id", "NOBODY".to_string())],
        ),
    ] {
        let (st, b) = call(&s, &admin, path, &query, None).await;
        assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    }
    for (path, body) in [
        (
            "/getUserDetails",
            json!({"libraryId": "ACTIVE", "userId": "NOBODY"}),
        ),
        (
            "/getUserDetails",
            json!({"libraryId": "NOPE", "userId": "ADMIN"}),
        ),
        (
            "/assignUserToLibrary",
            json!({"libraryId": "NOPE", "user_id": "ADMIN", "role": "DEFAULT", "is_preferred_library": false}),
        ),
        (
            "/assignUserToLibrary",
            json!({"libraryId": "ACTIVE", "user_id": "NOBODY", "role": "DEFAULT", "is_preferred_library": true}),
        ),
        (
            "/addShortcutsToMyMattersAdmin",
            json!({"user_id": "NOBODY", "workspace_id": ws}),
        ),
        (
            "/addShortcutsToMyMattersAdmin",
            json!({"user_id": "ADMIN", "workspace_id": "ACTIVE!999999"}),
        ),
        (
            "/addShortcutsToMyMattersAdmin",
            json!({"user_id": "ADMIN", "workspace_id": "NOPE!1"}),
        ),
    ] {
        let (st, b) = call(&s, &admin, path, &[], Some(body)).await;
        assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    }
    s.stop().await;
}

#[tokio::test]
async fn a_member_who_may_not_read_the_library_finds_nothing() {
    let s = TestServer::start().await;
    other_library(&s).await;
    let admin = admin_token(&s).await;
    user(&s, &admin, json!({"id": "olga", "libraries": ["OTHER"]})).await;
    let member = s.new_user("PEMEMBER", "member-password-1").await;
    let details = op("GetUserDetails");
    let members = op("GetGroupMembers");
    // OLGA is in OTHER only: from ACTIVE she is not found, even for the administrator.
    let v = BTreeMap::from([("libraryId", json!("ACTIVE")), ("userId", json!("OLGA"))]);
    let (st, b) = answer(request(&s, &s.token, &details, &v, None)).await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    // The member of ACTIVE may not use OTHER: refused as a library that does not exist.
    let mut messages = Vec::new();
    for library in ["OTHER", "NOPE"] {
        let v = BTreeMap::from([
            ("libraryId", json!(library)),
            ("userId", json!("OLGA")),
            ("groupId", json!("NRTADMIN")),
        ]);
        for o in [&details, &members] {
            let (st, b) = answer(request(&s, &member, o, &v, None)).await;
            assert_facade_error(st, &b, StatusCode::NOT_FOUND);
            assert!(!b.to_string().contains("OLGA"), "{b}");
            messages.push(
                b["error"]["message"]
                    .as_str()
                    .expect("message")
                    .replace(library, "X"),
            );
        }
    }
    assert_eq!(messages[..2], messages[2..], "unreadable and missing alike");
    // The administrator reads her there; the member reads users of ACTIVE.
    let v = BTreeMap::from([("libraryId", json!("OTHER")), ("userId", json!("OLGA"))]);
    let (st, b) = answer(request(&s, &s.token, &details, &v, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let v = BTreeMap::from([("libraryId", json!("ACTIVE")), ("userId", json!("ADMIN"))]);
    let (st, b) = answer(request(&s, &member, &details, &v, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&details, &b);
    assert!(b["data"].get("failed_logins").is_none(), "admins only: {b}");
    s.stop().await;
}

#[tokio::test]
async fn admin_operations_need_the_admin_connector_an_administrator_and_the_admin_scope() {
    let s = TestServer::start().await;
    let admin = admin_token(&s).await;
    let member = s.new_user("PAMEMBER", "member-password-1").await;
    let ws = s.create_workspace("Admin only").await;
    let values = BTreeMap::from([
        ("libraryId", json!("ACTIVE")),
        ("user_id", json!("PAMEMBER")),
        ("role", json!("LIBRARY_ADMIN")),
        ("is_preferred_library", json!(false)),
        ("workspace_id", json!(ws)),
    ]);
    for id in ADMIN_OPS {
        let o = op(id);
        // A member, and the administrator with a token not granted the admin scope: 403.
        for token in [&member, &s.token] {
            let (st, b) = answer(request(&s, token, &o, &values, None)).await;
            assert_facade_error(st, &b, StatusCode::FORBIDDEN);
        }
        // Without the connector's header: 400 naming it.
        let r = request(&s, &admin, &o, &values, None);
        let mut r = r.build().expect("request");
        r.headers_mut().remove("x-im-connector-id");
        let (st, b) = answer(reqwest::RequestBuilder::from_parts(s.http.clone(), r)).await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            "x-im-connector-id",
            "{id}"
        );
    }
    // Nothing changed: the member holds no administration role.
    let (libs, _) = libraries_of(&s, &admin, "PAMEMBER").await;
    assert_eq!(libs.len(), 1);
    assert_eq!(libs[0].1, "DEFAULT");
    s.stop().await;
}

#[tokio::test]
async fn roles_offered_and_given_follow_whether_the_user_is_external() {
    let s = TestServer::start().await;
    let admin = admin_token(&s).await;
    user(
        &s,
        &admin,
        json!({"id": "xavier", "is_external": true, "libraries": ["ACTIVE"]}),
    )
    .await;
    user(
        &s,
        &admin,
        json!({"id": "ivy", "libraries": [{"id": "ACTIVE", "role": "LIBRARY_ADMIN"}]}),
    )
    .await;
    let roles = op("GetLibraryRoles");
    let offered = |extra: Vec<(&'static str, &'static str)>| {
        let mut query: Vec<(&str, String)> = vec![("libraryId", "ACTIVE".into())];
        query.extend(extra.into_iter().map(|(k, v)| (k, v.to_string())));
        let s = &s;
        let admin = admin.clone();
        let roles = roles.clone();
        async move {
            let (st, b) = call(s, &admin, "/getLibraryRoles", &query, None).await;
            assert_eq!(st, StatusCode::OK, "{b}");
            check_response(&roles, &b);
            ids(&b["data"])
        }
    };
    let internal = offered(vec![]).await;
    assert!(
        internal.contains(&"LIBRARY_ADMIN".to_string()),
        "{internal:?}"
    );
    assert_eq!(offered(vec![("is_external", "false")]).await, internal);
    let external = offered(vec![("is_external", "true")]).await;
    assert!(
        !external.contains(&"LIBRARY_ADMIN".to_string()),
        "{external:?}"
    );
    assert!(external.contains(&"DEFAULT".to_string()), "{external:?}");
    // `user_id` overrides `is_external`: the roles that user may be given.
    assert_eq!(offered(vec![("user_id", "XAVIER")]).await, external);
    assert_eq!(
        offered(vec![("user_id", "ivy"), ("is_external", "true")]).await,
        internal
    );
    // What the picker leaves out is refused: an external user is given no administration
    // role, and nothing changes.
    let body = json!({"libraryId": "ACTIVE", "user_id": "xavier", "role": "LIBRARY_ADMIN",
                      "is_preferred_library": false});
    let (st, b) = call(&s, &admin, "/assignUserToLibrary", &[], Some(body)).await;
    assert_eq!(assert_facade_error(st, &b, StatusCode::BAD_REQUEST), "role");
    assert_eq!(libraries_of(&s, &admin, "XAVIER").await.0[0].1, "DEFAULT");
    // Nor does a library administrator become external while holding that role.
    let (st, b) = s
        .send_json_as(
            &admin,
            Method::PATCH,
            &format!("{}{V2}/users/IVY", s.base),
            json!({"is_external": true}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");
    let (st, b) = s
        .send_json_as(
            &admin,
            Method::GET,
            &format!("{}{V2}/users/IVY", s.base),
            json!(null),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["is_external"], false);
    s.stop().await;
}
