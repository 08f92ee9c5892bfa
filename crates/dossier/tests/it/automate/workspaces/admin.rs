//! The admin connector's AddTab, AddFolder, GetEmailOptions and GetAddFolderPropertiesSchema.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::json;

use super::super::{answer, assert_facade_error, op, url};
use super::{call_ok, create_values, refused, subfolders, template, values, with_body};
use crate::harness::{ADMIN_PASSWORD, TestServer};

#[tokio::test]
async fn the_admin_connector_adds_a_tab_and_a_folder() {
    let s = TestServer::start().await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    let t = template(&s).await;
    let (st, w) = with_body(
        &s,
        &s.token,
        "CreateWorkspace",
        &create_values(&t, "Delta matter", "Only Required Folders"),
        json!({"custom13": "delta notes"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{w}");
    let ws = w["data"]["id"].as_str().expect("id").to_string();

    // A tab of the workspace.
    let tab = call_ok(
        &s,
        &admin,
        "AddTab",
        &values(&[
            ("name", json!("Correspondence")),
            ("parentId", json!(ws)),
            ("default_security", json!("inherit")),
        ]),
    )
    .await;
    let tab_id = tab["id"].as_str().expect("id").to_string();
    assert_eq!(tab["name"], "Correspondence");
    assert_eq!(tab["workspace_id"], json!(ws));
    assert_eq!(tab["workspace_name"], "Delta matter");
    assert_eq!(tab["default_security"], "inherit");
    assert!(
        tab["tab_url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/work/link/t/{tab_id}")))
    );
    let read = s.get_json(&s.lib(&format!("/folders/{tab_id}"))).await;
    assert_eq!(read["data"]["folder_type"], "tab");

    // A folder in the tab, inheriting the workspace's profile, with one value over it.
    let add = values(&[
        ("name", json!("Letters")),
        ("parentId", json!(tab_id)),
        ("parentType", json!("Tab")),
        ("default_security", json!("inherit")),
        ("inherit_profile_from_workspace", json!("Yes")),
    ]);
    let (st, f) = with_body(
        &s,
        &admin,
        "AddFolder",
        &add,
        json!({"email": "delta.letters", "description": "Incoming letters",
               "profileProperties": {"custom13": "letters"}}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{f}");
    let f = &f["data"];
    let folder_id = f["id"].as_str().expect("id").to_string();
    assert_eq!(f["parent_id"], json!(tab_id));
    assert_eq!(f["workspace_id"], json!(ws));
    assert_eq!(f["email"], "delta.letters");
    assert_eq!(f["profile"]["custom3"], "LITIGATION", "{f}");
    assert_eq!(f["profile"]["custom13"], "letters", "{f}");
    let read = s.get_json(&s.lib(&format!("/folders/{folder_id}"))).await;
    assert_eq!(read["data"]["profile"]["custom3"], "LITIGATION", "{read}");
    assert_eq!(read["data"]["description"], "Incoming letters");
    assert_eq!(subfolders(&s, &tab_id).await, ["Letters"]);

    // Without the workspace's values: only what the flow gave.
    let mut own = add.clone();
    own.insert("name", json!("Scans"));
    own.insert("parentId", json!(ws));
    own.insert("parentType", json!("Workspace"));
    own.insert("inherit_profile_from_workspace", json!("No"));
    let (st, g) = with_body(
        &s,
        &admin,
        "AddFolder",
        &own,
        json!({"profileProperties": {"custom17": 3}}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{g}");
    assert_eq!(g["data"]["profile"], json!({"custom17": 3.0}), "{g}");

    // The dropdown behind AddFolder's email: the generated address, which the server
    // makes from the new folder's number (unique by construction).
    let options = call_ok(&s, &admin, "GetEmailOptions", &BTreeMap::new()).await;
    assert_eq!(options, json!(["Automatically generate"]));
    let mut generated = own.clone();
    generated.insert("name", json!("Mail"));
    let (st, m) = with_body(
        &s,
        &admin,
        "AddFolder",
        &generated,
        json!({"email": options[0]}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    let number = m["data"]["id"]
        .as_str()
        .and_then(|id| id.split_once('!'))
        .map(|(_, n)| n.to_string())
        .expect("id");
    assert_eq!(m["data"]["email"], json!(format!("active-{number}")), "{m}");

    // The form behind AddFolder's profile.
    let (st, b) = s
        .patch(&s.lib("/captions/custom3"), json!({"label": "Matter Type"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let schema = call_ok(
        &s,
        &admin,
        "GetAddFolderPropertiesSchema",
        &values(&[("inherit_profile_from_workspace", json!("Yes"))]),
    )
    .await;
    assert_eq!(schema["type"], "object");
    assert_eq!(
        schema["properties"]["custom3"]["x-ms-summary"], "Matter Type",
        "{schema}"
    );
    assert_eq!(schema["properties"]["custom3"]["type"], "string");
    assert_eq!(schema["properties"]["custom17"]["type"], "number");
    assert_eq!(schema["properties"]["custom21"]["format"], "date-time");
    assert_eq!(schema["properties"]["custom25"]["type"], "boolean");
    s.stop().await;
}

#[tokio::test]
async fn admin_operations_need_an_administrator_the_header_and_good_input() {
    let s = TestServer::start().await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    let ws = s.create_workspace("Epsilon").await;
    let add = values(&[
        ("name", json!("Letters")),
        ("parentId", json!(ws)),
        ("parentType", json!("Workspace")),
        ("default_security", json!("inherit")),
        ("inherit_profile_from_workspace", json!("No")),
        ("libraryId", json!("ACTIVE")),
    ]);
    let schema = values(&[("inherit_profile_from_workspace", json!("No"))]);
    let member = s.new_user("CLERK", "clerk-password-1").await;
    for id in [
        "AddFolder",
        "AddTab",
        "GetEmailOptions",
        "GetAddFolderPropertiesSchema",
    ] {
        let v = if id == "GetAddFolderPropertiesSchema" {
            &schema
        } else {
            &add
        };
        // A user-scope token of an administrator, and a member without admin rights: 403.
        refused(&s, &s.token, id, v, None, StatusCode::FORBIDDEN).await;
        refused(&s, &member, id, v, None, StatusCode::FORBIDDEN).await;
        // Without the connector's header: 400 naming it.
        let o = op(id);
        let mut r = s
            .http
            .request(
                o.method.clone(),
                url(&s, &o.path, &[("inherit_profile_from_workspace", "No")]),
            )
            .bearer_auth(&admin);
        if o.method != reqwest::Method::GET {
            r = r.json(&json!({"name": "x", "parentId": ws, "parentType": "Workspace", "default_security": "inherit", "inherit_profile_from_workspace": "No"}));
        }
        let (st, b) = answer(r).await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            "x-im-connector-id",
            "{id}"
        );
    }
    // Required fields by name.
    for field in [
        "name",
        "parentId",
        "parentType",
        "default_security",
        "inherit_profile_from_workspace",
    ] {
        let (f, _) = refused(
            &s,
            &admin,
            "AddFolder",
            &add,
            Some(field),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(f, field);
    }
    for field in ["name", "parentId", "default_security"] {
        let (f, _) = refused(
            &s,
            &admin,
            "AddTab",
            &add,
            Some(field),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(f, field);
    }
    let (f, _) = refused(
        &s,
        &admin,
        "GetAddFolderPropertiesSchema",
        &schema,
        Some("inherit_profile_from_workspace"),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(f, "inherit_profile_from_workspace");
    // Wrong enums, lengths and values.
    for (extra, field) in [
        (json!({"parentType": "Drawer"}), "parentType"),
        (json!({"parentType": "Folder"}), "parentType"),
        (
            json!({"inherit_profile_from_workspace": "Maybe"}),
            "inherit_profile_from_workspace",
        ),
        (json!({"default_security": "secret"}), "default_security"),
        (json!({"name": "n".repeat(255)}), "name"),
        (json!({"class": "C".repeat(33)}), "class"),
        (json!({"owner": "O".repeat(64)}), "owner"),
        (json!({"email": "not an address!"}), "email"),
        (
            json!({"profileProperties": {"colour": "red"}}),
            "profileProperties",
        ),
    ] {
        let (st, b) = with_body(&s, &admin, "AddFolder", &add, extra.clone()).await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            field,
            "{extra}: {b}"
        );
    }
    let (st, b) = with_body(
        &s,
        &admin,
        "AddTab",
        &add,
        json!({"default_security": "secret"}),
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "default_security"
    );
    let (st, b) = with_body(&s, &admin, "AddTab", &add, json!({"name": "n".repeat(255)})).await;
    assert_eq!(assert_facade_error(st, &b, StatusCode::BAD_REQUEST), "name");
    let (st, b) = answer(
        s.http
            .get(url(
                &s,
                "/getAddFolderPropertiesSchema",
                &[("inherit_profile_from_workspace", "Perhaps")],
            ))
            .bearer_auth(&admin)
            .header("x-im-connector-id", "imanage-work-for-admins"),
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "inherit_profile_from_workspace"
    );
    // A tab goes under a workspace only; an unknown parent is a 404.
    let folder = s.create_folder(&ws, "Inner").await;
    let (st, b) = with_body(&s, &admin, "AddTab", &add, json!({"parentId": folder})).await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "parentId"
    );
    for id in ["AddFolder", "AddTab"] {
        let (st, b) = with_body(&s, &admin, id, &add, json!({"parentId": "ACTIVE!999999"})).await;
        assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    }
    s.stop().await;
}
