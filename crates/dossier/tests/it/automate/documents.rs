//! The façade's `documents` operations (`api::automate::documents`): scenarios and bad input.
//!
//! - Each operation called with a request built from its swagger, its answer checked
//!   against the swagger's 200 schema and for what the test made.
//! - The flow: a workspace from a template, an upload into one of its folders, a
//!   profile field cleared with `''`, a new version, a promotion, a move with comments,
//!   the bytes downloaded back.
//! - Bad input per operation (missing required fields, wrong enum strings, unknown ids,
//!   strings over their maxLength) and a member who may not read the objects (404s shaped
//!   like a missing object's).

use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use super::{answer, assert_facade_error, check_response, custom3, op, request, url};
use crate::harness::TestServer;

/// A matter opened from a template through the Work API: the workspace and its two
/// folders, "Documents" and "Archive" (whose default profile sets custom13).
struct Matter {
    workspace: String,
    documents: String,
    archive: String,
}

async fn created(s: &TestServer, path: &str, body: Value) -> String {
    super::created(s, path, body).await
}

async fn matter(s: &TestServer) -> Matter {
    custom3(s, "LITIGATION").await;
    let template = created(
        s,
        "/templates",
        json!({"name": "Litigation", "custom3": "LITIGATION"}),
    )
    .await;
    created(
        s,
        &format!("/workspaces/{template}/folders"),
        json!({"name": "Documents", "required": true, "profile": {"custom3": "LITIGATION"}}),
    )
    .await;
    created(
        s,
        &format!("/workspaces/{template}/folders"),
        json!({"name": "Archive", "required": true, "profile": {"custom13": "archived"}}),
    )
    .await;
    let workspace = created(
        s,
        "/workspaces",
        json!({"name": "Acme v Widgets", "template_id": template, "create_children": "all"}),
    )
    .await;
    let children = s
        .get_json(&s.lib(&format!("/workspaces/{workspace}/children")))
        .await;
    let folder = |name: &str| {
        children["data"]
            .as_array()
            .expect("children")
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["id"].as_str())
            .unwrap_or_else(|| panic!("no {name} in {children}"))
            .to_string()
    };
    Matter {
        documents: folder("Documents"),
        archive: folder("Archive"),
        workspace,
    }
}

/// A multipart form as the connector sends it: text fields, then the file.
fn form(fields: &[(&str, &str)], file_name: &str, bytes: &[u8]) -> Form {
    let mut f = Form::new();
    for (k, v) in fields {
        f = f.text(k.to_string(), v.to_string());
    }
    f.part(
        "file",
        Part::bytes(bytes.to_vec()).file_name(file_name.to_string()),
    )
}

async fn call(s: &TestServer, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    answer(
        s.http
            .post(url(s, path, &[] as &[(&str, &str)]))
            .bearer_auth(token)
            .json(&body),
    )
    .await
}

async fn multipart(s: &TestServer, path: &str, f: Form) -> (StatusCode, Value) {
    answer(
        s.http
            .post(url(s, path, &[] as &[(&str, &str)]))
            .bearer_auth(&s.token)
            .multipart(f),
    )
    .await
}

/// The bytes and `x-im-file-name` of a download.
async fn download(s: &TestServer, body: Value) -> (Vec<u8>, String) {
    let r = s
        .http
        .post(url(s, "/downloadDocument", &[] as &[(&str, &str)]))
        .bearer_auth(&s.token)
        .json(&body)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), StatusCode::OK);
    let name = r
        .headers()
        .get("x-im-file-name")
        .and_then(|v| v.to_str().ok())
        .expect("x-im-file-name")
        .to_string();
    (r.bytes().await.expect("bytes").to_vec(), name)
}

fn id(b: &Value) -> String {
    b["data"]["id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn every_document_operation_answers_per_its_swagger() {
    let s = TestServer::start().await;
    let m = matter(&s).await;
    let upload = op("UploadDocument");
    let values = BTreeMap::from([
        ("libraryId", json!("ACTIVE")),
        ("folderId", json!(m.documents)),
        ("inherit_profile_from_folder", json!(true)),
        ("file", json!("brief.txt")),
        ("accept", json!("application/json")),
    ]);
    let (st, b) = answer(request(&s, &s.token, &upload, &values, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&upload, &b);
    assert_eq!(b["data"]["full_file_name"], "brief.txt", "{b}");
    assert_eq!(b["data"]["size"], "contents of brief.txt".len());
    let doc = id(&b);
    assert!(doc.ends_with(".1"), "{doc}");

    let mut values = BTreeMap::from([
        ("documentId", json!(doc)),
        ("updateOrCreate", json!("Create New Version")),
        ("file", json!("brief.txt")),
        ("folderId", json!(m.archive)),
        ("destination_folder_id", json!(m.archive)),
    ]);
    let new_version = op("UpdateOrCreateNewDocVersion");
    let (st, b) = answer(request(&s, &s.token, &new_version, &values, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&new_version, &b);
    assert_eq!(b["data"]["version"], 2, "{b}");
    let v2 = id(&b);

    for (name, check) in [
        ("GetDocumentProfile", "full"),
        ("UpdateDocumentProfile", "short"),
        ("GetDocumentVersions", "versions"),
        ("CopyDocument", "copy"),
    ] {
        let o = op(name);
        let (st, b) = answer(request(&s, &s.token, &o, &values, None)).await;
        assert_eq!(st, StatusCode::OK, "{name}: {b}");
        check_response(&o, &b);
        match check {
            "full" => {
                assert_eq!(b["data"]["id"], json!(doc));
                assert_eq!(b["data"]["access"], "full_access");
                assert_eq!(b["data"]["latest"], "2");
                assert_eq!(b["data"]["is_latest"], false);
                assert_eq!(b["data"]["workspace_id"], json!(m.workspace));
                assert_eq!(b["data"]["workspace_name"], "Acme v Widgets");
                assert_eq!(b["data"]["custom3"], "LITIGATION");
                assert_eq!(b["data"]["custom3_description"], "LITIGATION matters");
                let class = b["data"]["class"].as_str().expect("class");
                let classes = s.get_json(&s.lib("/classes")).await;
                let described = classes["data"]
                    .as_array()
                    .expect("classes")
                    .iter()
                    .find(|c| c["id"] == class)
                    .map(|c| c["description"].clone())
                    .expect("the document's class is listed");
                assert_eq!(b["data"]["class_description"], described, "{b}");
                let iwl = b["data"]["iwl"].as_str().expect("iwl");
                assert!(
                    iwl.starts_with("iwl:dms=")
                        && iwl.ends_with(&format!("&&lib=ACTIVE&&num={}&&ver=1", doc_number(&doc))),
                    "{iwl}"
                );
                assert!(
                    b["data"]["document_url"]
                        .as_str()
                        .is_some_and(|u| u.ends_with(&format!("/work/link/d/{doc}"))),
                    "{b}"
                );
                assert!(
                    b["data"]["basic_properties"]
                        .as_str()
                        .is_some_and(|p| p.starts_with("<span>") && p.contains("brief.txt")),
                    "{b}"
                );
            }
            "short" => assert_eq!(b["data"]["id"], json!(doc)),
            "versions" => {
                let versions: Vec<i64> = b["data"]
                    .as_array()
                    .expect("versions")
                    .iter()
                    .filter_map(|v| v["version"].as_i64())
                    .collect();
                assert_eq!(versions, vec![1, 2], "{b}");
            }
            _ => {
                assert_ne!(b["data"]["document_number"], json!(doc_number(&doc)));
                assert_eq!(b["data"]["access"], "full_access");
                assert!(
                    b["data"].get("custom3").is_none(),
                    "copy lists no custom3: {b}"
                );
            }
        }
    }

    // Promote version 1: a version 3 with version 1's content.
    let promote = op("PromoteDocumentVersion");
    let (st, b) = call(
        &s,
        &s.token,
        "/promoteDocumentVersion",
        json!({"documentId": doc, "version": 1, "comment": "the first draft was right"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&promote, &b);
    assert_eq!(b["data"]["version"], 3, "{b}");
    assert_eq!(b["data"]["comment"], "the first draft was right");
    let (st, b) = answer(request(&s, &s.token, &promote, &values, None)).await;
    // `version` is not required by the swagger, only one of it and journalId.
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "version"
    );

    let move_op = op("MoveDocument");
    values.insert("folderId", json!(m.documents));
    let (st, b) = answer(request(&s, &s.token, &move_op, &values, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&move_op, &b);
    let filed = s
        .get_json(&s.lib(&format!("/folders/{}/documents", m.archive)))
        .await;
    assert!(
        filed
            .to_string()
            .contains(&format!("\"{}", doc_number_prefix(&doc))),
        "{filed}"
    );

    let download_op = op("DownloadDocument");
    values.insert("documentId", json!(v2));
    let r = request(&s, &s.token, &download_op, &values, None)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()
            .get("x-im-file-name")
            .and_then(|v| v.to_str().ok()),
        Some("brief.txt")
    );
    assert_eq!(
        r.bytes().await.expect("bytes").as_ref(),
        b"contents of brief.txt"
    );
    s.stop().await;
}

fn doc_number(id: &str) -> i64 {
    id.split(['!', '.'])
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("document number")
}

/// `ACTIVE!n` of `ACTIVE!n.v`.
fn doc_number_prefix(id: &str) -> String {
    id.rsplit_once('.').map_or(id, |(p, _)| p).to_string()
}

#[tokio::test]
async fn a_flow_uploads_clears_a_field_versions_promotes_moves_and_downloads() {
    let s = TestServer::start().await;
    let m = matter(&s).await;
    let first = b"first draft of the memo".as_slice();
    let (st, b) = multipart(
        &s,
        "/uploadDocument",
        form(
            &[
                ("libraryId", "ACTIVE"),
                ("folderId", &m.documents),
                ("inherit_profile_from_folder", "true"),
                ("comment", "for the client"),
                ("custom13", "urgent"),
                ("keep_locked", "false"),
            ],
            "memo.txt",
            first,
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&op("UploadDocument"), &b);
    assert_eq!(b["data"]["custom13"], "urgent");
    assert_eq!(b["data"]["comment"], "for the client");
    let doc = id(&b);

    // '' clears custom13; the comment changes; nothing else moves.
    let (st, b) = call(
        &s,
        &s.token,
        "/updateDocumentProfile",
        json!({"documentId": doc, "custom13": "''", "comment": "reviewed", "author": ""}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&op("UpdateDocumentProfile"), &b);
    assert!(b["data"].get("custom13").is_none(), "{b}");
    let stored = s.get_json(&s.lib(&format!("/documents/{doc}"))).await;
    assert!(stored["data"]["custom13"].is_null(), "{stored}");
    assert_eq!(stored["data"]["comment"], "reviewed");
    assert_eq!(stored["data"]["author"], "ADMIN");

    let (st, b) = call(
        &s,
        &s.token,
        "/updateDocumentProfile",
        json!({"documentId": doc, "comment": "\"\""}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["comment"], "", "\"\" clears the comment: {b}");

    // A second version, then version 1 promoted to a third.
    let (st, b) = multipart(
        &s,
        "/updateOrCreateNewDocVersion",
        form(
            &[
                ("updateOrCreate", "Create New Version"),
                ("documentId", &doc),
            ],
            "memo.txt",
            b"second draft",
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["version"], 2);
    let (st, b) = call(
        &s,
        &s.token,
        "/promoteDocumentVersion",
        json!({"documentId": doc, "version": 1}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["version"], 3);
    let (bytes, name) = download(&s, json!({"documentId": doc, "latest": "true"})).await;
    assert_eq!(bytes, first, "the promoted version holds version 1's bytes");
    assert_eq!(name, "memo.txt");
    let (bytes, _) = download(
        &s,
        json!({"documentId": format!("{}.2", doc_number_prefix(&doc)), "latest": false}),
    )
    .await;
    assert_eq!(bytes, b"second draft");

    // "Update Current Version" replaces version 3's content in place.
    let (st, b) = multipart(
        &s,
        "/updateOrCreateNewDocVersion",
        form(
            &[
                ("updateOrCreate", "Update Current Version"),
                ("documentId", &format!("{}.3", doc_number_prefix(&doc))),
            ],
            "memo.txt",
            b"third, corrected",
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["version"], 3);
    let (bytes, _) = download(&s, json!({"documentId": doc, "latest": true})).await;
    assert_eq!(bytes, b"third, corrected");

    // Moved into Archive with the destination's profile and a comment in the history.
    let latest = format!("{}.3", doc_number_prefix(&doc));
    let (st, b) = call(
        &s,
        &s.token,
        "/moveDocument",
        json!({"folderId": m.documents, "documentId": latest,
               "destination_folder_id": m.archive, "comments": "closing the file"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&op("MoveDocument"), &b);
    assert_eq!(b["data"]["custom13"], "archived", "{b}");
    assert_eq!(b["data"]["workspace_id"], json!(m.workspace));
    let archived = s
        .get_json(&s.lib(&format!("/folders/{}/documents", m.archive)))
        .await;
    assert!(archived.to_string().contains(&latest), "{archived}");
    let left = s
        .get_json(&s.lib(&format!("/folders/{}/documents", m.documents)))
        .await;
    assert!(
        !left.to_string().contains(&doc_number_prefix(&doc)),
        "{left}"
    );
    let history = s
        .get_json(&s.lib(&format!("/documents/{latest}/history")))
        .await;
    assert!(
        history.to_string().contains("closing the file"),
        "{history}"
    );

    // Without update_profile the profile stays; moved back, custom13 is still "archived".
    let (st, b) = call(
        &s,
        &s.token,
        "/moveDocument",
        json!({"folderId": m.archive, "documentId": latest,
               "destination_folder_id": m.documents, "update_profile": false}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["custom13"], "archived", "{b}");
    s.stop().await;
}

#[tokio::test]
async fn a_move_keeps_or_follows_security_as_asked() {
    let s = TestServer::start().await;
    let outsider = s.new_user("OUTSIDER", "outsider-password-1").await;
    let ws = created(
        &s,
        "/workspaces",
        json!({"name": "Matter", "default_security": "public"}),
    )
    .await;
    let open = s.create_folder(&ws, "Open").await;
    let (st, b) = s
        .post(
            &s.lib(&format!("/workspaces/{ws}/folders")),
            json!({"name": "Closed", "default_security": "private"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let closed = b["data"]["id"].as_str().expect("id").to_string();
    let readable = |doc: String| {
        let s = &s;
        let outsider = outsider.clone();
        async move {
            call(
                s,
                &outsider,
                "/getDocumentProfile",
                json!({"documentId": doc}),
            )
            .await
            .0
        }
    };
    // Inheriting documents in the open folder: the outsider reads them.
    let kept = s.upload(&open, "kept.txt", b"kept", json!({})).await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let followed = s
        .upload(&open, "followed.txt", b"followed", json!({}))
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(readable(kept.clone()).await, StatusCode::OK);
    // update_security false: the security it had goes with it.
    let (st, b) = call(
        &s,
        &s.token,
        "/moveDocument",
        json!({"folderId": open, "documentId": kept, "destination_folder_id": closed,
               "update_security": false}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(readable(kept).await, StatusCode::OK);
    // The default: inherited security follows the closed folder.
    let (st, b) = call(
        &s,
        &s.token,
        "/moveDocument",
        json!({"folderId": open, "documentId": followed, "destination_folder_id": closed}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(readable(followed).await, StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused_by_name_and_unknown_ids_are_404s() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let doc = s.upload(&folder, "a.txt", b"text", json!({})).await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let other = s.folder().await;
    // Documents are filed in folders and tabs: a workspace is no folder to copy or move
    // into, and the answer is the 404 of a folder that does not exist.
    let workspace = s.create_workspace("Not a folder").await;
    for (path, body) in [
        (
            "/copyDocument",
            json!({"documentId": doc, "folderId": workspace}),
        ),
        (
            "/moveDocument",
            json!({"folderId": folder, "documentId": doc, "destination_folder_id": workspace}),
        ),
    ] {
        let (st, b) = call(&s, &s.token, path, body).await;
        assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    }
    let values = BTreeMap::from([
        ("libraryId", json!("ACTIVE")),
        ("folderId", json!(folder)),
        ("inherit_profile_from_folder", json!(true)),
        ("file", json!("b.txt")),
        ("documentId", json!(doc)),
        ("updateOrCreate", json!("Create New Version")),
        ("destination_folder_id", json!(other)),
    ]);
    // Each required parameter left out, those with a default too (Power Automate always
    // sends them), except the `accept` header.
    for name in [
        "UploadDocument",
        "UpdateOrCreateNewDocVersion",
        "DownloadDocument",
        "GetDocumentProfile",
        "UpdateDocumentProfile",
        "PromoteDocumentVersion",
        "GetDocumentVersions",
        "CopyDocument",
        "MoveDocument",
    ] {
        let o = op(name);
        let mut required: Vec<String> = Vec::new();
        for p in o.op["parameters"].as_array().into_iter().flatten() {
            let p = super::resolve(&o.root, p);
            if p["in"] == "body" {
                let schema = super::resolve(&o.root, &p["schema"]);
                required.extend(
                    schema["required"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_string),
                );
            } else if p["required"] == true && p["in"] != "header" {
                required.push(p["name"].as_str().expect("name").to_string());
            }
        }
        assert!(!required.is_empty(), "{name}");
        for field in &required {
            let (st, b) = answer(request(&s, &s.token, &o, &values, Some(field))).await;
            assert_eq!(
                assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
                *field,
                "{name} without {field}: {b}"
            );
        }
        // An unknown document: 404, for every operation that names one (a promotion needs
        // a version too: below).
        if required.iter().any(|f| f == "documentId") && name != "PromoteDocumentVersion" {
            let mut unknown = values.clone();
            unknown.insert("documentId", json!("ACTIVE!999999.1"));
            let (st, b) = answer(request(&s, &s.token, &o, &unknown, None)).await;
            assert_facade_error(st, &b, StatusCode::NOT_FOUND);
        }
    }
    let (st, b) = call(
        &s,
        &s.token,
        "/promoteDocumentVersion",
        json!({"documentId": "ACTIVE!999999.1", "version": 1}),
    )
    .await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    // An unknown folder to upload into: 404 as well.
    let mut unknown = values.clone();
    unknown.insert("folderId", json!("ACTIVE!999999"));
    let (st, b) = answer(request(&s, &s.token, &op("UploadDocument"), &unknown, None)).await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);

    // Wrong enum strings, wrong types, strings over maxLength, unkept marks.
    let long = "c".repeat(8001);
    for (path, body, field) in [
        (
            "/updateDocumentProfile",
            json!({"documentId": doc, "default_security": "secret"}),
            "default_security",
        ),
        (
            "/updateDocumentProfile",
            json!({"documentId": doc, "comment": long}),
            "comment",
        ),
        (
            "/updateDocumentProfile",
            json!({"documentId": doc, "is_hipaa": true}),
            "is_hipaa",
        ),
        (
            "/updateDocumentProfile",
            json!({"documentId": doc, "custom17": "many"}),
            "custom17",
        ),
        (
            "/promoteDocumentVersion",
            json!({"documentId": doc, "version": 1, "comment": long}),
            "comment",
        ),
        (
            "/promoteDocumentVersion",
            json!({"documentId": doc, "journalId": "12"}),
            "journalId",
        ),
        (
            "/promoteDocumentVersion",
            json!({"documentId": doc, "version": 1, "journalId": "12"}),
            "journalId",
        ),
        (
            "/promoteDocumentVersion",
            json!({"documentId": doc, "version": "first"}),
            "version",
        ),
        (
            "/downloadDocument",
            json!({"documentId": doc, "latest": "maybe"}),
            "latest",
        ),
        (
            "/getDocumentProfile",
            json!({"documentId": "not an id"}),
            "documentId",
        ),
        (
            "/moveDocument",
            json!({"folderId": folder, "documentId": doc, "destination_folder_id": other,
                   "update_profile": "yes"}),
            "update_profile",
        ),
        (
            "/copyDocument",
            json!({"documentId": doc, "folderId": "a folder"}),
            "folderId",
        ),
    ] {
        let (st, b) = call(&s, &s.token, path, body).await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            field,
            "{path}: {b}"
        );
    }
    let stored = s.get_json(&s.lib(&format!("/documents/{doc}"))).await;
    assert_eq!(
        stored["data"]["comment"], "",
        "nothing was written: {stored}"
    );

    for (fields, field) in [
        (
            vec![("updateOrCreate", "Replace Everything")],
            "updateOrCreate",
        ),
        (vec![("keep_locked", "sometimes")], "keep_locked"),
        (vec![("retain_days", "30")], "retain_days"),
    ] {
        let mut fields = fields;
        fields.push(("documentId", &doc));
        if field != "updateOrCreate" {
            fields.push(("updateOrCreate", "Create New Version"));
        }
        let (st, b) = multipart(
            &s,
            "/updateOrCreateNewDocVersion",
            form(&fields, "a.txt", b"more"),
        )
        .await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            field,
            "{b}"
        );
    }
    // A folder of another library than the one named: the flow's mistake, a 400.
    s.dossier()
        .create_library("OTHER", "another library")
        .await
        .expect("library");
    let (st, b) = multipart(
        &s,
        "/uploadDocument",
        form(
            &[
                ("libraryId", "OTHER"),
                ("folderId", &folder),
                ("inherit_profile_from_folder", "true"),
            ],
            "a.txt",
            b"x",
        ),
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "folderId"
    );
    let versions = s
        .get_json(&s.lib(&format!("/documents/{doc}/versions")))
        .await;
    assert_eq!(
        versions["data"].as_array().map(Vec::len),
        Some(1),
        "no refused upload added a version: {versions}"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_member_who_may_not_read_gets_the_404_of_a_missing_object() {
    let s = TestServer::start().await;
    let outsider = s.new_user("OUTSIDER", "outsider-password-1").await;
    let ws = s.create_workspace("Private matter").await;
    let (st, b) = s
        .post(
            &s.lib(&format!("/workspaces/{ws}/folders")),
            json!({"name": "Sealed", "default_security": "private"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let sealed = b["data"]["id"].as_str().expect("id").to_string();
    let open = s.create_folder(&ws, "Open").await;
    let doc = s.upload(&sealed, "secret.txt", b"secret", json!({})).await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let values = BTreeMap::from([
        ("libraryId", json!("ACTIVE")),
        ("folderId", json!(sealed)),
        ("inherit_profile_from_folder", json!(true)),
        ("file", json!("b.txt")),
        ("documentId", json!(doc)),
        ("updateOrCreate", json!("Create New Version")),
        ("destination_folder_id", json!(open)),
        ("accept", json!("application/json")),
    ]);
    let mut missing = values.clone();
    missing.insert("documentId", json!("ACTIVE!999999.1"));
    missing.insert("folderId", json!("ACTIVE!999999"));
    // Counted on local content (the S3 runs of the suite have no directory to count).
    let blobs = s.blob_files();
    for name in [
        "UploadDocument",
        "UpdateOrCreateNewDocVersion",
        "DownloadDocument",
        "GetDocumentProfile",
        "UpdateDocumentProfile",
        "GetDocumentVersions",
        "CopyDocument",
        "MoveDocument",
    ] {
        let o = op(name);
        let (st, hidden) = answer(request(&s, &outsider, &o, &values, None)).await;
        assert_facade_error(st, &hidden, StatusCode::NOT_FOUND);
        let (st, absent) = answer(request(&s, &outsider, &o, &missing, None)).await;
        assert_facade_error(st, &absent, StatusCode::NOT_FOUND);
        assert_eq!(
            hidden["error"]["code"], absent["error"]["code"],
            "{name}: {hidden} / {absent}"
        );
        assert!(
            !hidden.to_string().contains("secret"),
            "{name} leaked the document: {hidden}"
        );
    }
    let (st, b) = call(
        &s,
        &outsider,
        "/promoteDocumentVersion",
        json!({"documentId": doc, "version": 1}),
    )
    .await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    // Nothing the outsider sent was written, not even an upload's bytes: what an upload
    // goes into is checked before its file is stored.
    assert_eq!(s.blob_files(), blobs);
    let versions = s
        .get_json(&s.lib(&format!("/documents/{doc}/versions")))
        .await;
    assert_eq!(versions["data"].as_array().map(Vec::len), Some(1));
    s.stop().await;
}

#[tokio::test]
async fn an_email_uploaded_by_a_flow_gets_its_profile_from_the_message() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let mail = b"From: Alice Partner <alice@firm.example>\r\nTo: bob@client.example\r\nSubject: Flow filed\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <flow@firm.example>\r\n\r\nbody\r\n";
    let (st, b) = multipart(
        &s,
        "/uploadDocument",
        form(
            &[
                ("libraryId", "ACTIVE"),
                ("folderId", &folder),
                ("inherit_profile_from_folder", "true"),
            ],
            "message.eml",
            mail,
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let stored = s.get_json(&s.lib(&format!("/documents/{}", id(&b)))).await;
    assert_eq!(stored["data"]["wstype"], "email");
    assert_eq!(stored["data"]["name"], "Flow filed");
    assert_eq!(stored["data"]["from"], "Alice Partner <alice@firm.example>");
    assert_eq!(stored["data"]["message_id"], "flow@firm.example");
    s.stop().await;
}
