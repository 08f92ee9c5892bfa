//! The façade's `permissions` operations (`api::automate::permissions`): scenarios and bad input.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{answer, assert_facade_error, check_response, op, request};
use crate::harness::{ADMIN_PASSWORD, TestServer};

const OPERATIONS: [&str; 5] = [
    "GetTrustees",
    "GetPermissions",
    "UpdateDefaultSecurity",
    "UpdatePermissions",
    "CopyPermissions",
];

/// Calls `id` with the swagger's required parameters from `values`; answers status and body.
async fn call(
    s: &TestServer,
    token: &str,
    id: &str,
    values: &[(&str, Value)],
) -> (StatusCode, Value) {
    let values: BTreeMap<&str, Value> = values.iter().cloned().collect();
    answer(request(s, token, &op(id), &values, None)).await
}

/// As `call`, with optional fields the swagger's required ones leave out.
async fn call_with(
    s: &TestServer,
    token: &str,
    id: &str,
    values: Vec<(&str, Value)>,
    extra: Value,
) -> (StatusCode, Value) {
    let mut body: serde_json::Map<String, Value> = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    body.extend(extra.as_object().expect("extra fields").clone());
    let values: BTreeMap<&str, Value> = values.into_iter().collect();
    // The swagger's request (method, path, token), with the fuller body.
    answer(request(s, token, &op(id), &values, None).json(&body)).await
}

/// As `call`, and the answer is a 200 that matches the swagger's schema.
async fn ok(s: &TestServer, token: &str, id: &str, values: &[(&str, Value)]) -> Value {
    let (st, b) = call(s, token, id, values).await;
    assert_eq!(st, StatusCode::OK, "{id}: {b}");
    check_response(&op(id), &b);
    b
}

/// A group with members, through the Work API.
async fn group(s: &TestServer, id: &str, members: &[&str]) {
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    let (st, b) = s
        .send_json_as(
            &admin,
            Method::POST,
            &format!("{}/work/api/v2/customers/1/groups", s.base),
            json!({"id": id, "full_name": format!("{id} group"), "members": members}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
}

/// Sets a workspace's or folder's security through the Work API.
async fn secure(s: &TestServer, path: &str, default: &str, trustees: &[(&str, &str, &str)]) {
    let include: Vec<Value> = trustees
        .iter()
        .map(|(id, kind, level)| json!({"id": id, "type": kind, "access_level": level}))
        .collect();
    let (st, b) = s
        .post(
            &s.lib(&format!("{path}/security")),
            json!({"default_security": default, "include": include}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{path}: {b}");
}

/// The governing ACL of an object as the Work API shows it: (type, id) → level.
async fn work_acl(s: &TestServer, path: &str) -> (String, BTreeMap<(String, String), String>) {
    let b = s.get_json(&s.lib(&format!("{path}/security"))).await;
    let acl = b["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|t| {
            (
                (
                    t["type"].as_str().expect("type").to_string(),
                    t["id"].as_str().expect("id").to_string(),
                ),
                t["access_level"].as_str().expect("level").to_string(),
            )
        })
        .collect();
    (
        b["default_security"].as_str().expect("default").to_string(),
        acl,
    )
}

/// The façade's `acl` rows as (type, id) → level.
fn facade_acl(data: &Value) -> BTreeMap<(String, String), String> {
    data["acl"]
        .as_array()
        .expect("acl")
        .iter()
        .map(|r| {
            (
                (
                    r["type"].as_str().expect("type").to_string(),
                    r["id"].as_str().expect("id").to_string(),
                ),
                r["access_level"].as_str().expect("level").to_string(),
            )
        })
        .collect()
}

fn acl_of(entries: &[(&str, &str, &str)]) -> BTreeMap<(String, String), String> {
    entries
        .iter()
        .map(|(id, kind, level)| ((kind.to_string(), id.to_string()), level.to_string()))
        .collect()
}

/// A workspace with a folder and a document in it: (workspace, folder, document id).
async fn matter(s: &TestServer, name: &str) -> (String, String, String) {
    let ws = s.create_workspace(name).await;
    let folder = s.create_folder(&ws, "Documents").await;
    let doc = s
        .upload(&folder, "memo.txt", b"memo", json!({"name": "Memo"}))
        .await;
    (ws, folder, doc["id"].as_str().expect("id").to_string())
}

#[tokio::test]
async fn trustees_and_permissions_show_the_governing_acl_with_names() {
    let s = TestServer::start().await;
    s.new_user("JSMITH", "jsmith-password-1").await;
    group(&s, "LEGAL", &["JSMITH"]).await;
    let (ws, folder, doc) = matter(&s, "Acme v. Widget").await;
    secure(
        &s,
        &format!("/workspaces/{ws}"),
        "private",
        &[("JSMITH", "user", "read_write"), ("LEGAL", "group", "read")],
    )
    .await;
    // The workspace governs itself; the folder and the document inherit from it.
    for (kind, id) in [("workspace", &ws), ("folder", &folder), ("document", &doc)] {
        let object = [("objectType", json!(kind)), ("objectId", json!(id))];
        let t = ok(&s, &s.token, "GetTrustees", &object).await;
        let jsmith = t["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|t| t["id"] == "JSMITH")
            .unwrap_or_else(|| panic!("{kind}: {t}"));
        assert_eq!(jsmith["type"], "user");
        assert!(
            jsmith["ssid"].as_str().is_some_and(|s| !s.is_empty()),
            "{t}"
        );
        let legal = t["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|t| t["id"] == "LEGAL")
            .unwrap_or_else(|| panic!("{kind}: {t}"));
        assert_eq!(legal["type"], "group");
        assert_eq!(legal["full_name"], "LEGAL group");

        let p = ok(&s, &s.token, "GetPermissions", &object).await;
        let d = &p["data"];
        assert_eq!(
            facade_acl(d),
            acl_of(&[("JSMITH", "user", "read_write"), ("LEGAL", "group", "read")]),
            "{kind}: {p}"
        );
        assert_eq!(d["all_user_ids"], "JSMITH", "{p}");
        assert_eq!(d["all_group_ids"], "LEGAL", "{p}");
        let row = |id: &str| {
            d["acl"]
                .as_array()
                .expect("acl")
                .iter()
                .find(|r| r["id"] == id)
                .expect("row")
                .clone()
        };
        let (j, l) = (row("JSMITH"), row("LEGAL"));
        assert_eq!(j["access_level_display_name"], "Read/Write");
        assert_eq!(j["access"], 2);
        assert_eq!(j["allow_logon"], true);
        assert_eq!(j["is_external"], false);
        assert!(j.get("enabled").is_none(), "{j}");
        assert_eq!(j["sid"], jsmith["ssid"]);
        assert_eq!(l["access_level_display_name"], "Read Only");
        assert_eq!(l["access"], 1);
        assert_eq!(l["enabled"], true);
        assert!(l.get("allow_logon").is_none(), "{l}");
        if kind == "workspace" {
            assert_eq!(d["default_security"], "private");
            assert!(d.get("inherited_default_security").is_none(), "{p}");
        } else {
            assert_eq!(d["default_security"], "inherit");
            assert_eq!(d["inherited_default_security"], "private", "{p}");
        }
    }
    // An ethical wall that shuts a member of LEGAL (not of PARTNERS) out of the workspace:
    // LEGAL has a restricted member there, on the workspace and on what inherits from it.
    s.new_user("KJONES", "kjones-password-1").await;
    group(&s, "RESTRICTED", &["KJONES", "JSMITH"]).await;
    group(&s, "PARTNERS", &["JSMITH"]).await;
    secure(
        &s,
        &format!("/workspaces/{ws}"),
        "private",
        &[
            ("RESTRICTED", "group", "read"),
            ("PARTNERS", "group", "read"),
        ],
    )
    .await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    let (st, b) = s
        .send_json_as(
            &admin,
            Method::POST,
            &s.lib("/walls"),
            json!({"name": "Conflict", "kind": "exclusive", "workspace_id": ws, "users": ["KJONES"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    for (kind, id) in [("workspace", &ws), ("document", &doc)] {
        let p = ok(
            &s,
            &s.token,
            "GetPermissions",
            &[("objectType", json!(kind)), ("objectId", json!(id))],
        )
        .await;
        let restricted = |group: &str| {
            p["data"]["acl"]
                .as_array()
                .expect("acl")
                .iter()
                .find(|r| r["id"] == group)
                .unwrap_or_else(|| panic!("{p}"))["has_restricted_member"]
                .clone()
        };
        assert_eq!(restricted("RESTRICTED"), true, "{kind}: {p}");
        assert_eq!(restricted("PARTNERS"), false, "{kind}: {p}");
    }
    s.stop().await;
}

#[tokio::test]
async fn default_security_and_permissions_change_and_read_back() {
    let s = TestServer::start().await;
    s.new_user("JSMITH", "jsmith-password-1").await;
    s.new_user("KJONES", "kjones-password-1").await;
    group(&s, "LEGAL", &["KJONES"]).await;
    let (ws, folder, doc) = matter(&s, "Tax matter").await;

    // Default security, read back through the Work API.
    let b = ok(
        &s,
        &s.token,
        "UpdateDefaultSecurity",
        &[
            ("objectType", json!("folder")),
            ("objectId", json!(folder)),
            ("default_security", json!("view")),
        ],
    )
    .await;
    assert_eq!(b["data"]["default_security"], "view", "{b}");
    assert_eq!(work_acl(&s, &format!("/folders/{folder}")).await.0, "view");
    let b = ok(
        &s,
        &s.token,
        "UpdateDefaultSecurity",
        &[
            ("objectType", json!("document")),
            ("objectId", json!(doc)),
            ("default_security", json!("private")),
        ],
    )
    .await;
    assert_eq!(b["data"]["default_security"], "private", "{b}");
    assert_eq!(
        work_acl(&s, &format!("/documents/{doc}")).await.0,
        "private"
    );
    // What GetAllowedDefaultSecurity leaves out for a workspace is refused by name.
    let (st, b) = call(
        &s,
        &s.token,
        "UpdateDefaultSecurity",
        &[
            ("objectType", json!("workspace")),
            ("objectId", json!(ws)),
            ("default_security", json!("inherit")),
        ],
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "default_security"
    );
    let (st, b) = call(
        &s,
        &s.token,
        "UpdateDefaultSecurity",
        &[
            ("objectType", json!("workspace")),
            ("objectId", json!(ws)),
            ("default_security", json!("secret")),
        ],
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "default_security"
    );

    // Levels by their display names, to semicolon lists of users and groups.
    let target = [("objectType", json!("workspace")), ("objectId", json!(ws))];
    let with = |level: &str, users: Option<&str>, groups: Option<&str>| {
        let mut extra = json!({});
        if let Some(u) = users {
            extra["users"] = json!(u);
        }
        if let Some(g) = groups {
            extra["groups"] = json!(g);
        }
        let mut v: Vec<(&str, Value)> = target.to_vec();
        v.push(("access_level", json!(level)));
        call_with(&s, &s.token, "UpdatePermissions", v, extra)
    };
    let (st, b) = with("Read Only", Some("JSMITH; kjones"), Some("LEGAL")).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&op("UpdatePermissions"), &b);
    let expected = acl_of(&[
        ("JSMITH", "user", "read"),
        ("KJONES", "user", "read"),
        ("LEGAL", "group", "read"),
    ]);
    assert_eq!(facade_acl(&b["data"]), expected, "{b}");
    assert_eq!(b["data"]["all_user_ids"], "JSMITH;KJONES");
    assert_eq!(work_acl(&s, &format!("/workspaces/{ws}")).await.1, expected);
    let (st, b) = with("Full Access", Some("JSMITH"), None).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = with("Remove", Some("KJONES"), Some("LEGAL")).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let expected = acl_of(&[("JSMITH", "user", "full_access")]);
    assert_eq!(facade_acl(&b["data"]), expected, "{b}");
    assert_eq!(b["data"]["all_group_ids"], "");
    assert_eq!(work_acl(&s, &format!("/workspaces/{ws}")).await.1, expected);

    // Refused by name: a level not spelled as the swagger lists it, nobody named, an
    // unknown user or group, an id that cannot be one.
    for (level, users, groups, field) in [
        ("Read only", Some("JSMITH"), None, "access_level"),
        ("read", Some("JSMITH"), None, "access_level"),
        ("Change Security", Some("JSMITH"), None, "access_level"),
        ("Read Only", None, None, "users"),
        ("Read Only", Some(" ; "), None, "users"),
        ("Read Only", Some("NOBODY"), None, "users"),
        ("Read Only", None, Some("NOGROUP"), "groups"),
        ("Read Only", Some("J SMITH"), None, "users"),
    ] {
        let (st, b) = with(level, users, groups).await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            field,
            "{level} {users:?} {groups:?}"
        );
    }
    // Nothing half-written: the refused requests left the ACL as it was.
    assert_eq!(work_acl(&s, &format!("/workspaces/{ws}")).await.1, expected);
    s.stop().await;
}

/// Copy semantics, written out here independently of the server: Overwrite takes the
/// source's list; the merges take both lists, and where both name a trustee the lower
/// (pessimistic) or higher (optimistic) level.
fn merged(
    mode: &str,
    source: &BTreeMap<(String, String), String>,
    target: &BTreeMap<(String, String), String>,
) -> BTreeMap<(String, String), String> {
    let rank = |l: &str| {
        ["no_access", "read", "read_write", "full_access"]
            .iter()
            .position(|x| *x == l)
            .expect("level")
    };
    if mode == "Overwrite" {
        return source.clone();
    }
    let mut out = target.clone();
    for (k, v) in source {
        let pick = match out.get(k) {
            None => v.clone(),
            Some(t) if (rank(v) < rank(t)) == (mode == "Merge (Pessimistic)") => v.clone(),
            Some(t) => t.clone(),
        };
        out.insert(k.clone(), pick);
    }
    out
}

#[tokio::test]
async fn copy_permissions_merges_overwrites_and_copies_default_security() {
    let s = TestServer::start().await;
    for u in ["JSMITH", "KJONES", "LPARK"] {
        s.new_user(u, &format!("{}-password-1", u.to_lowercase()))
            .await;
    }
    group(&s, "LEGAL", &["JSMITH"]).await;
    group(&s, "PARTNERS", &["LPARK"]).await;
    let source = s.create_workspace("Source matter").await;
    let source_acl = [
        ("JSMITH", "user", "full_access"),
        ("KJONES", "user", "read"),
        ("LEGAL", "group", "read_write"),
    ];
    secure(&s, &format!("/workspaces/{source}"), "private", &source_acl).await;
    let target_acl = [
        ("JSMITH", "user", "read"),
        ("KJONES", "user", "read_write"),
        ("PARTNERS", "group", "full_access"),
        ("LPARK", "user", "no_access"),
    ];
    for (mode, with_default, default_after) in [
        // private is closer than view: the pessimistic merge keeps private.
        ("Merge (Pessimistic)", true, "private"),
        ("Merge (Optimistic)", true, "view"),
        ("Overwrite", true, "private"),
        ("Overwrite", false, "view"),
    ] {
        let target = s.create_workspace(&format!("Target {mode}")).await;
        secure(&s, &format!("/workspaces/{target}"), "view", &target_acl).await;
        let b = ok(
            &s,
            &s.token,
            "CopyPermissions",
            &[
                ("sourceObjectType", json!("workspace")),
                ("sourceObjectId", json!(source)),
                ("targetObjectType", json!("workspace")),
                ("targetObjectId", json!(target)),
                ("copyType", json!(mode)),
                ("copyDefaultSecurity", json!(with_default)),
            ],
        )
        .await;
        let expected = merged(mode, &acl_of(&source_acl), &acl_of(&target_acl));
        assert_eq!(facade_acl(&b["data"]), expected, "{mode}: {b}");
        assert_eq!(b["data"]["default_security"], default_after, "{mode}: {b}");
        // What the target really holds now, through the Work API.
        let (default, acl) = work_acl(&s, &format!("/workspaces/{target}")).await;
        assert_eq!(acl, expected, "{mode}");
        assert_eq!(default, default_after, "{mode}");
        // The source is untouched.
        assert_eq!(
            work_acl(&s, &format!("/workspaces/{source}")).await.1,
            acl_of(&source_acl)
        );
    }
    // The pessimistic expectation spelled out once, so the helper itself is checked.
    assert_eq!(
        merged(
            "Merge (Pessimistic)",
            &acl_of(&source_acl),
            &acl_of(&target_acl)
        ),
        acl_of(&[
            ("JSMITH", "user", "read"),
            ("KJONES", "user", "read"),
            ("LEGAL", "group", "read_write"),
            ("PARTNERS", "group", "full_access"),
            ("LPARK", "user", "no_access"),
        ])
    );

    // An inheriting source gives what it inherits: a workspace, which cannot inherit,
    // takes the source's effective default security and list.
    let folder = s.create_folder(&source, "Pleadings").await;
    let target = s.create_workspace("From a folder").await;
    let b = ok(
        &s,
        &s.token,
        "CopyPermissions",
        &[
            ("sourceObjectType", json!("folder")),
            ("sourceObjectId", json!(folder)),
            ("targetObjectType", json!("workspace")),
            ("targetObjectId", json!(target)),
            ("copyType", json!("Overwrite")),
            ("copyDefaultSecurity", json!(true)),
        ],
    )
    .await;
    assert_eq!(b["data"]["default_security"], "private", "{b}");
    assert_eq!(facade_acl(&b["data"]), acl_of(&source_acl));
    // Onto a document.
    let doc = s
        .upload(&folder, "brief.txt", b"brief", json!({"name": "Brief"}))
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let other = s.create_workspace("Doc source").await;
    secure(
        &s,
        &format!("/workspaces/{other}"),
        "public",
        &[("KJONES", "user", "full_access")],
    )
    .await;
    let b = ok(
        &s,
        &s.token,
        "CopyPermissions",
        &[
            ("sourceObjectType", json!("workspace")),
            ("sourceObjectId", json!(other)),
            ("targetObjectType", json!("document")),
            ("targetObjectId", json!(doc)),
            ("copyType", json!("Merge (Optimistic)")),
            ("copyDefaultSecurity", json!(true)),
        ],
    )
    .await;
    let expected = merged(
        "Merge (Optimistic)",
        &acl_of(&[("KJONES", "user", "full_access")]),
        &acl_of(&source_acl),
    );
    assert_eq!(facade_acl(&b["data"]), expected, "{b}");
    assert_eq!(b["data"]["default_security"], "public", "{b}");
    assert_eq!(work_acl(&s, &format!("/documents/{doc}")).await.1, expected);

    // A copy type not spelled as listed, and a flag that is not a boolean.
    let values = |copy_type: Value, flag: Value| {
        vec![
            ("sourceObjectType", json!("workspace")),
            ("sourceObjectId", json!(source)),
            ("targetObjectType", json!("document")),
            ("targetObjectId", json!(doc)),
            ("copyType", copy_type),
            ("copyDefaultSecurity", flag),
        ]
    };
    for (copy_type, flag, field) in [
        (json!("merge"), json!(true), "copyType"),
        (json!("Merge (pessimistic)"), json!(true), "copyType"),
        (json!("Overwrite"), json!("yes"), "copyDefaultSecurity"),
    ] {
        let (st, b) = call(&s, &s.token, "CopyPermissions", &values(copy_type, flag)).await;
        assert_eq!(assert_facade_error(st, &b, StatusCode::BAD_REQUEST), field);
    }
    s.stop().await;
}

/// The values every operation of this module needs, for a workspace and a document.
fn values_for(ws: &str, doc: &str) -> BTreeMap<&'static str, Value> {
    BTreeMap::from([
        ("objectType", json!("workspace")),
        ("objectId", json!(ws)),
        ("default_security", json!("view")),
        ("access_level", json!("Read Only")),
        ("sourceObjectType", json!("workspace")),
        ("sourceObjectId", json!(ws)),
        ("targetObjectType", json!("document")),
        ("targetObjectId", json!(doc)),
        ("copyType", json!("Overwrite")),
        ("copyDefaultSecurity", json!(true)),
    ])
}

#[tokio::test]
async fn bad_input_is_refused_by_name_and_unknown_objects_are_404() {
    let s = TestServer::start().await;
    let (ws, folder, doc) = matter(&s, "Bad input").await;
    let values = values_for(&ws, &doc);
    for id in OPERATIONS {
        let o = op(id);
        let schema = super::resolve(&o.root, &o.op["parameters"][0]["schema"]).clone();
        // Every required field left out in turn.
        for field in schema["required"].as_array().expect("required") {
            let field = field.as_str().expect("name");
            let (st, b) = answer(request(&s, &s.token, &o, &values, Some(field))).await;
            assert_eq!(
                assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
                field,
                "{id} without {field}"
            );
        }
        // Each enum-typed field with a value outside its enum.
        for (field, p) in schema["properties"].as_object().expect("properties") {
            if p.get("enum").is_some() {
                let mut v = values.clone();
                v.insert(field.as_str(), json!("tab"));
                let v: BTreeMap<&str, Value> = v;
                let (st, b) = answer(request(&s, &s.token, &o, &v, None)).await;
                assert_eq!(
                    assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
                    field.as_str(),
                    "{id}: {field}"
                );
            }
        }
        // Unknown objects, a folder named as a workspace, a document id as a folder's.
        for (type_field, id_field, kind, bad, status) in [
            (
                "objectType",
                "objectId",
                "workspace",
                "ACTIVE!999999".to_string(),
                StatusCode::NOT_FOUND,
            ),
            (
                "objectType",
                "objectId",
                "document",
                "ACTIVE!999999.1".to_string(),
                StatusCode::NOT_FOUND,
            ),
            (
                "objectType",
                "objectId",
                "workspace",
                folder.clone(),
                StatusCode::NOT_FOUND,
            ),
            (
                "objectType",
                "objectId",
                "folder",
                ws.clone(),
                StatusCode::NOT_FOUND,
            ),
            (
                "objectType",
                "objectId",
                "folder",
                doc.clone(),
                StatusCode::BAD_REQUEST,
            ),
            (
                "objectType",
                "objectId",
                "document",
                "ACTIVE-12".to_string(),
                StatusCode::BAD_REQUEST,
            ),
            (
                "sourceObjectType",
                "sourceObjectId",
                "workspace",
                "ACTIVE!999999".to_string(),
                StatusCode::NOT_FOUND,
            ),
            (
                "targetObjectType",
                "targetObjectId",
                "document",
                "ACTIVE!999999.1".to_string(),
                StatusCode::NOT_FOUND,
            ),
            (
                "targetObjectType",
                "targetObjectId",
                "folder",
                ws.clone(),
                StatusCode::NOT_FOUND,
            ),
        ] {
            if !schema["properties"]
                .as_object()
                .expect("p")
                .contains_key(type_field)
            {
                continue;
            }
            let mut v = values.clone();
            v.insert(type_field, json!(kind));
            v.insert(id_field, json!(bad));
            let (st, b) = answer(request(&s, &s.token, &o, &v, None)).await;
            let field = assert_facade_error(st, &b, status);
            if status == StatusCode::BAD_REQUEST {
                assert_eq!(field, id_field, "{id}: {bad} as {kind}");
            }
        }
    }
    // No token: 401 in the envelope.
    let (st, b) = answer(
        s.http
            .post(format!("{}/automate/work/getPermissions", s.base))
            .json(&json!({"objectType": "workspace", "objectId": ws})),
    )
    .await;
    assert_facade_error(st, &b, StatusCode::UNAUTHORIZED);
    s.stop().await;
}

#[tokio::test]
async fn a_member_who_may_not_read_gets_404_and_one_who_may_only_read_403() {
    let s = TestServer::start().await;
    let member = s.new_user("PAMEMBER", "member-password-1").await;
    // Private, without the member: as if it did not exist.
    let (hidden, _, hidden_doc) = matter(&s, "Hidden").await;
    secure(&s, &format!("/workspaces/{hidden}"), "private", &[]).await;
    // View: the member may read, not change.
    let (seen, _, seen_doc) = matter(&s, "Seen").await;
    secure(&s, &format!("/workspaces/{seen}"), "view", &[]).await;
    let before = work_acl(&s, &format!("/workspaces/{hidden}")).await;
    for id in OPERATIONS {
        let o = op(id);
        let (st, hidden_b) = answer(request(
            &s,
            &member,
            &o,
            &values_for(&hidden, &hidden_doc),
            None,
        ))
        .await;
        assert_facade_error(st, &hidden_b, StatusCode::NOT_FOUND);
        // Refused exactly as a missing one is.
        let (st, missing_b) = answer(request(
            &s,
            &member,
            &o,
            &values_for("ACTIVE!999999", "ACTIVE!999998.1"),
            None,
        ))
        .await;
        assert_facade_error(st, &missing_b, StatusCode::NOT_FOUND);
        let shape = |b: &Value| {
            b["error"]["message"]
                .as_str()
                .expect("message")
                .replace(&hidden, "X")
                .replace("ACTIVE!999999", "X")
        };
        assert_eq!(shape(&hidden_b), shape(&missing_b), "{id}");
        assert_eq!(hidden_b["error"]["code"], missing_b["error"]["code"]);

        let (st, b) = if id == "UpdatePermissions" {
            // Naming someone, so that the refusal is about the right, not the request.
            let v = values_for(&seen, &seen_doc);
            let required = ["objectType", "objectId", "access_level"]
                .into_iter()
                .map(|k| (k, v[k].clone()))
                .collect();
            call_with(&s, &member, id, required, json!({"users": "PAMEMBER"})).await
        } else {
            answer(request(
                &s,
                &member,
                &o,
                &values_for(&seen, &seen_doc),
                None,
            ))
            .await
        };
        match id {
            "GetTrustees" | "GetPermissions" => {
                assert_eq!(st, StatusCode::OK, "{id}: {b}");
                check_response(&o, &b);
            }
            // May read the workspace (the copy's source) and the document, change neither.
            _ => {
                assert_facade_error(st, &b, StatusCode::FORBIDDEN);
            }
        }
    }
    assert_eq!(work_acl(&s, &format!("/workspaces/{hidden}")).await, before);
    // A readable target whose source the member may not read: 404 for the source.
    let (st, b) = call(
        &s,
        &member,
        "CopyPermissions",
        &[
            ("sourceObjectType", json!("workspace")),
            ("sourceObjectId", json!(hidden)),
            ("targetObjectType", json!("workspace")),
            ("targetObjectId", json!(seen)),
            ("copyType", json!("Overwrite")),
            ("copyDefaultSecurity", json!(true)),
        ],
    )
    .await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    s.stop().await;
}
