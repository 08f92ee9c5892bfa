//! The façade's `filing` operations (`api::automate::filing`): scenarios and bad input.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{answer, assert_facade_error, check_response, op, request};
use crate::harness::TestServer;

/// Calls `id` with the swagger's required parameters from `values`.
async fn call(
    s: &TestServer,
    token: &str,
    id: &str,
    values: &[(&str, Value)],
) -> (StatusCode, Value) {
    let values: BTreeMap<&str, Value> = values.iter().cloned().collect();
    answer(request(s, token, &op(id), &values, None)).await
}

/// As `call`, with the optional body fields in `extra` too.
async fn call_with(
    s: &TestServer,
    token: &str,
    id: &str,
    values: &[(&str, Value)],
    extra: Value,
) -> (StatusCode, Value) {
    let mut body: serde_json::Map<String, Value> = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    body.extend(extra.as_object().expect("extra fields").clone());
    let values: BTreeMap<&str, Value> = values.iter().cloned().collect();
    answer(request(s, token, &op(id), &values, None).json(&body)).await
}

/// A workspace, a folder in it and a document filed there: (workspace, folder, document).
async fn matter(s: &TestServer, name: &str) -> (String, String, String) {
    let ws = s.create_workspace(name).await;
    let folder = s.create_folder(&ws, "Documents").await;
    let doc = s
        .upload(&folder, "memo.txt", b"memo", json!({"name": "Memo"}))
        .await;
    (ws, folder, doc["id"].as_str().expect("id").to_string())
}

/// The pairs of an object, through the Work API.
async fn work_nvps(s: &TestServer, path: &str) -> Value {
    s.get_json(&s.lib(&format!("{path}/name-value-pairs")))
        .await["data"]
        .clone()
}

/// The document ids listed in a folder, through the Work API.
async fn folder_documents(s: &TestServer, folder: &str) -> Vec<String> {
    s.get_json(&s.lib(&format!("/folders/{folder}/documents")))
        .await["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|d| d["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn name_value_pairs_are_set_and_deleted_on_documents_folders_and_workspaces() {
    let s = TestServer::start().await;
    let (ws, folder, doc) = matter(&s, "NVP matter").await;
    for (kind, id, path) in [
        ("document", &doc, format!("/documents/{doc}")),
        ("folder", &folder, format!("/folders/{folder}")),
        ("workspace", &ws, format!("/workspaces/{ws}")),
    ] {
        let object = [("objectType", json!(kind)), ("objectId", json!(id))];
        let (st, b) = call_with(
            &s,
            &s.token,
            "EditNVP",
            &object,
            json!({"nameValuePairs": {"Stage": "Discovery", "Owner": "JSMITH", "Flow": "intake"}}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{kind}: {b}");
        assert_eq!(
            work_nvps(&s, &path).await,
            json!({"Stage": "Discovery", "Owner": "JSMITH", "Flow": "intake"}),
            "{kind}"
        );
        // `''` and `""` delete a key; a blank value leaves it alone; others change.
        let (st, b) = call_with(
            &s,
            &s.token,
            "EditNVP",
            &object,
            json!({"nameValuePairs": {"Stage": "''", "Owner": "\"\"", "Flow": "", "Next": "review"}}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{kind}: {b}");
        let expected = json!({"Flow": "intake", "Next": "review"});
        assert_eq!(work_nvps(&s, &path).await, expected, "{kind}");
        // The answer (the swagger declares none) holds the pairs after the change.
        assert_eq!(b, json!({"data": expected}), "{kind}");
        // The swagger's request alone (no pairs) changes nothing.
        let (st, _) = call(&s, &s.token, "EditNVP", &object).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(work_nvps(&s, &path).await, expected, "{kind}");
    }
    s.stop().await;
}

#[tokio::test]
async fn a_reference_is_added_listed_in_the_folder_and_deleted() {
    let s = TestServer::start().await;
    let (ws, home, doc) = matter(&s, "Reference matter").await;
    let other = s.create_folder(&ws, "Correspondence").await;
    let add = op("AddDocumentReference");
    let values = BTreeMap::from([("documentId", json!(doc)), ("folderId", json!(other))]);
    let (st, b) = answer(request(&s, &s.token, &add, &values, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&add, &b);
    assert_eq!(b["data"], json!({"id": doc, "wstype": "document"}));
    assert!(folder_documents(&s, &other).await.contains(&doc));
    assert!(folder_documents(&s, &home).await.contains(&doc));
    // Filed there already: a conflict, not a second entry.
    let (st, b) = answer(request(&s, &s.token, &add, &values, None)).await;
    assert_facade_error(st, &b, StatusCode::CONFLICT);
    assert_eq!(
        folder_documents(&s, &other)
            .await
            .iter()
            .filter(|d| **d == doc)
            .count(),
        1
    );

    let del = op("DeleteDocumentReference");
    let (st, b) = answer(request(&s, &s.token, &del, &values, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&del, &b);
    assert_eq!(b, json!({}));
    assert!(!folder_documents(&s, &other).await.contains(&doc));
    // Gone: a second delete finds nothing; the home folder is not a reference.
    let (st, b) = answer(request(&s, &s.token, &del, &values, None)).await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    let home_values = BTreeMap::from([("documentId", json!(doc)), ("folderId", json!(home))]);
    let (st, b) = answer(request(&s, &s.token, &del, &home_values, None)).await;
    assert_facade_error(st, &b, StatusCode::CONFLICT);
    assert!(folder_documents(&s, &home).await.contains(&doc));
    // A reference goes into a folder, not a workspace.
    let (st, b) = call(
        &s,
        &s.token,
        "AddDocumentReference",
        &[("documentId", json!(doc)), ("folderId", json!(ws))],
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "folderId"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_history_entry_with_a_listed_activity_reads_back_through_the_work_api() {
    let s = TestServer::start().await;
    let (_, _, doc) = matter(&s, "History matter").await;
    let names = op("GetDocumentActivityNames");
    let (st, b) = answer(request(&s, &s.token, &names, &BTreeMap::new(), None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&names, &b);
    let listed = b["data"].as_array().expect("data");
    let custom = listed
        .iter()
        .find(|a| a["display_name"] == "Custom activity")
        .unwrap_or_else(|| panic!("{b}"));
    let print = listed
        .iter()
        .find(|a| a["display_name"] == "Printed")
        .unwrap_or_else(|| panic!("{b}"));
    // Codes are distinct: the picker's value identifies one activity.
    let mut codes: Vec<i64> = listed
        .iter()
        .map(|a| a["activity_code"].as_i64().expect("code"))
        .collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), listed.len());

    let add = op("AddDocumentHistoryEntry");
    let (st, b) = call_with(
        &s,
        &s.token,
        "AddDocumentHistoryEntry",
        &[
            ("documentId", json!(doc)),
            ("activity_code", custom["activity_code"].clone()),
        ],
        json!({"comments": "Reviewed by the intake flow", "duration": 95}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&add, &b);
    assert_eq!(b, json!({"data": {}}));
    let values = BTreeMap::from([
        ("documentId", json!(doc)),
        ("activity_code", print["activity_code"].clone()),
    ]);
    let (st, b) = answer(request(&s, &s.token, &add, &values, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");

    let history = s
        .get_json(&s.lib(&format!("/documents/{doc}/history")))
        .await;
    let entries = history["data"].as_array().expect("data");
    let flow = entries
        .iter()
        .find(|e| e["comments"] == "Reviewed by the intake flow")
        .unwrap_or_else(|| panic!("{history}"));
    assert_eq!(flow["activity_code"], custom["activity_code"]);
    assert_eq!(flow["activity"], "CUSTOM");
    assert_eq!(flow["duration"], 95);
    assert_eq!(flow["user"], "ADMIN");
    assert!(
        entries
            .iter()
            .any(|e| e["activity_code"] == print["activity_code"] && e["activity"] == "PRINT"),
        "{history}"
    );
    s.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused_by_name_and_unknown_objects_are_404() {
    let s = TestServer::start().await;
    let (ws, folder, doc) = matter(&s, "Bad input").await;
    let values = BTreeMap::from([
        ("objectType", json!("document")),
        ("objectId", json!(doc)),
        ("documentId", json!(doc)),
        ("folderId", json!(folder)),
        ("activity_code", json!(100)),
    ]);
    // Every required field left out in turn, body or query.
    for id in [
        "EditNVP",
        "AddDocumentReference",
        "DeleteDocumentReference",
        "AddDocumentHistoryEntry",
    ] {
        let o = op(id);
        let fields: Vec<String> = o.op["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .flat_map(|p| match p["in"].as_str() {
                Some("body") => p["schema"]["required"]
                    .as_array()
                    .expect("required")
                    .iter()
                    .map(|f| f.as_str().expect("name").to_string())
                    .collect(),
                _ if p["required"] == true => vec![p["name"].as_str().expect("name").to_string()],
                _ => vec![],
            })
            .collect();
        assert!(!fields.is_empty(), "{id}");
        for field in &fields {
            let (st, b) = answer(request(&s, &s.token, &o, &values, Some(field))).await;
            assert_eq!(
                assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
                *field,
                "{id} without {field}"
            );
        }
    }
    let bad = |id: &'static str, changes: Vec<(&'static str, Value)>| {
        let mut v = values.clone();
        v.extend(changes);
        let r = request(&s, &s.token, &op(id), &v, None);
        async move { answer(r).await }
    };
    // Wrong enum, wrong form, wrong type: 400 naming the field.
    for (id, changes, field) in [
        ("EditNVP", vec![("objectType", json!("tab"))], "objectType"),
        (
            "EditNVP",
            vec![("objectType", json!("folder")), ("objectId", json!(doc))],
            "objectId",
        ),
        (
            "AddDocumentReference",
            vec![("documentId", json!("ACTIVE-1"))],
            "documentId",
        ),
        (
            "AddDocumentReference",
            vec![("folderId", json!(doc))],
            "folderId",
        ),
        (
            "DeleteDocumentReference",
            vec![("folderId", json!("x"))],
            "folderId",
        ),
        (
            "AddDocumentHistoryEntry",
            vec![("activity_code", json!(424242))],
            "activity_code",
        ),
        (
            "AddDocumentHistoryEntry",
            vec![("activity_code", json!("print"))],
            "activity_code",
        ),
        (
            "AddDocumentHistoryEntry",
            vec![("documentId", json!(7))],
            "documentId",
        ),
    ] {
        let (st, b) = bad(id, changes).await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            field,
            "{id}: {b}"
        );
    }
    let (st, b) = call_with(
        &s,
        &s.token,
        "EditNVP",
        &[("objectType", json!("document")), ("objectId", json!(doc))],
        json!({"nameValuePairs": ["Stage", "x"]}),
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "nameValuePairs"
    );
    let (st, b) = call_with(
        &s,
        &s.token,
        "AddDocumentHistoryEntry",
        &[("documentId", json!(doc)), ("activity_code", json!(100))],
        json!({"duration": "long"}),
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "duration"
    );
    // Over the server's limits (the swagger sets no maxLength on these fields).
    let (st, b) = call_with(
        &s,
        &s.token,
        "AddDocumentHistoryEntry",
        &[("documentId", json!(doc)), ("activity_code", json!(100))],
        json!({"comments": "x".repeat(100_000)}),
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "comments"
    );
    // Unknown objects: 404.
    for (id, changes) in [
        ("EditNVP", vec![("objectId", json!("ACTIVE!999999.1"))]),
        (
            "EditNVP",
            vec![
                ("objectType", json!("workspace")),
                ("objectId", json!(folder)),
            ],
        ),
        (
            "EditNVP",
            vec![("objectType", json!("folder")), ("objectId", json!(ws))],
        ),
        (
            "AddDocumentReference",
            vec![("documentId", json!("ACTIVE!999999.1"))],
        ),
        (
            "AddDocumentReference",
            vec![("folderId", json!("ACTIVE!999999"))],
        ),
        (
            "DeleteDocumentReference",
            vec![("documentId", json!("ACTIVE!999999.1"))],
        ),
        (
            "DeleteDocumentReference",
            vec![("folderId", json!("ACTIVE!999999"))],
        ),
        (
            "AddDocumentHistoryEntry",
            vec![("documentId", json!("ACTIVE!999999.1"))],
        ),
    ] {
        let (st, b) = bad(id, changes).await;
        assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    }
    s.stop().await;
}

#[tokio::test]
async fn a_member_who_may_not_read_gets_404_as_for_a_missing_object() {
    let s = TestServer::start().await;
    let member = s.new_user("PAMEMBER", "member-password-1").await;
    let (ws, folder, doc) = matter(&s, "Hidden").await;
    let (st, b) = s
        .post(
            &s.lib(&format!("/workspaces/{ws}/security")),
            json!({"default_security": "private"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    // A folder the member may use, to file into.
    let (open_ws, open_folder, _) = matter(&s, "Open").await;
    let _ = open_ws;
    let before = folder_documents(&s, &folder).await;
    for (id, hidden, missing) in [
        (
            "EditNVP",
            vec![("objectType", json!("document")), ("objectId", json!(doc))],
            vec![
                ("objectType", json!("document")),
                ("objectId", json!("ACTIVE!999999.1")),
            ],
        ),
        (
            "EditNVP",
            vec![("objectType", json!("folder")), ("objectId", json!(folder))],
            vec![
                ("objectType", json!("folder")),
                ("objectId", json!("ACTIVE!999999")),
            ],
        ),
        (
            "AddDocumentReference",
            vec![("documentId", json!(doc)), ("folderId", json!(open_folder))],
            vec![
                ("documentId", json!("ACTIVE!999999.1")),
                ("folderId", json!(open_folder)),
            ],
        ),
        (
            "DeleteDocumentReference",
            vec![("documentId", json!(doc)), ("folderId", json!(folder))],
            vec![
                ("documentId", json!("ACTIVE!999999.1")),
                ("folderId", json!(folder)),
            ],
        ),
        (
            "AddDocumentHistoryEntry",
            vec![("documentId", json!(doc)), ("activity_code", json!(100))],
            vec![
                ("documentId", json!("ACTIVE!999999.1")),
                ("activity_code", json!(100)),
            ],
        ),
    ] {
        let (st, a) = call(&s, &member, id, &hidden).await;
        assert_facade_error(st, &a, StatusCode::NOT_FOUND);
        let (st, b) = call(&s, &member, id, &missing).await;
        assert_facade_error(st, &b, StatusCode::NOT_FOUND);
        let shape = |v: &Value| {
            v["error"]["message"]
                .as_str()
                .expect("message")
                .replace(&doc, "X")
                .replace(&folder, "X")
                .replace("ACTIVE!999999.1", "X")
                .replace("ACTIVE!999999", "X")
        };
        assert_eq!(shape(&a), shape(&b), "{id}");
    }
    // Nothing was written on the member's behalf.
    assert_eq!(folder_documents(&s, &folder).await, before);
    assert_eq!(work_nvps(&s, &format!("/documents/{doc}")).await, json!({}));
    let history = s
        .get_json(&s.lib(&format!("/documents/{doc}/history")))
        .await;
    assert!(
        history["data"]
            .as_array()
            .expect("data")
            .iter()
            .all(|e| e["user"] != "PAMEMBER"),
        "{history}"
    );
    // Activity names need a token, nothing more.
    let (st, b) = answer(
        s.http
            .get(format!("{}/automate/work/getDocumentActivityNames", s.base)),
    )
    .await;
    assert_facade_error(st, &b, StatusCode::UNAUTHORIZED);
    let (st, b) = call(&s, &member, "GetDocumentActivityNames", &[]).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    s.stop().await;
}
