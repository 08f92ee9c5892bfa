//! The Automate façade (`/automate/work`) against the two Power Automate connectors'
//! swaggers, read at test time from `tests/contract/` (byte-exact copies, see SOURCE.md).
//!
//! - Every operationId of both swaggers is either implemented (`IMPLEMENTED`: answered per
//!   its swagger) or listed in `NOT_YET` (answered 404 today); an operation in both lists,
//!   or in neither, fails the suite.
//! - Each implemented operation is called with a request built from its swagger (method,
//!   path, required parameters in their locations) and its answer is checked against the
//!   swagger's 200 schema.
//! - Bad input in the façade's envelope: a missing required parameter is a 400 naming it,
//!   a malformed one too, an unknown or unreadable library a 404, no token a 401.
//!
//! The schema check is the `jsonschema` crate's Draft 4 validator (Swagger 2.0's schema
//! dialect), formats included, with the swagger's `definitions` beside each response schema.

// One file of scenario and bad-input tests per module of `api::automate`.
mod contract;
mod documents;
mod filing;
mod metadata;
mod people;
mod permissions;
mod settings;
pub(crate) mod workflows;
mod workspaces;

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN_PASSWORD, TestServer};

/// Answered as their swagger says.
const IMPLEMENTED: [&str; 60] = [
    "GetLibraries",
    "GetWorkspaceTemplates",
    "GetAllowedDefaultSecurity",
    // people
    "GetUserDetails",
    "GetGroupMembers",
    "SearchUsers",
    "GetLibraryRoles",
    "AssignUserToLibrary",
    "GetMyMattersCategories",
    "AddShortcutsToMyMattersAdmin",
    // settings and metadata
    "GetLookupFieldNames",
    "GetLookupAliases",
    "CreateCustomOrPropertyLookup",
    "GetCreateCustomOrPropertyLookupSchema",
    "UpdateCustomField",
    "GetUpdateCustomFieldSchema",
    "GetExtendedPropertyIds",
    "GetCoreEMPropertiesForDocument",
    "SetCoreEMPropertiesForDocument",
    "SearchCoreEMTaxonomyNodeValues",
    // workspaces
    "CreateWorkspace",
    "UpdateWorkspace",
    "GetWorkspaceProfile",
    "SearchWorkspaces",
    "SearchFolders",
    "GetClasses",
    "GetSubclasses",
    "AddFolder",
    "AddTab",
    "GetEmailOptions",
    "GetAddFolderPropertiesSchema",
    "GetTrustees",
    "UpdateDefaultSecurity",
    "UpdatePermissions",
    "GetPermissions",
    "CopyPermissions",
    "EditNVP",
    "AddDocumentReference",
    "DeleteDocumentReference",
    "GetDocumentActivityNames",
    "AddDocumentHistoryEntry",
    // documents
    "UploadDocument",
    "UpdateOrCreateNewDocVersion",
    "DownloadDocument",
    "GetDocumentProfile",
    "UpdateDocumentProfile",
    "PromoteDocumentVersion",
    "GetDocumentVersions",
    "CopyDocument",
    "MoveDocument",
    "GetCreateUserPasswordSchema",
    "CreateUser",
    // workflow triggers
    "GetForms",
    "GetTriggerSchema",
    "GetWorkflowAllowedUserList",
    "SingleSelectedDocument",
    "MultipleSelectedDocuments",
    "UnregisterWorkflow",
    "UpdateWorkflowState",
    "GetWorkflowStateList",
];

/// Not answered yet (404): remove an operation from here when it is implemented.
const NOT_YET: [&str; 0] = [];

const SWAGGERS: [&str; 2] = ["imanage-work", "imanage-work-admin"];

pub(crate) fn swagger(name: &str) -> Value {
    let path = format!(
        "{}/tests/contract/{name}/apiDefinition.swagger.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One operation of a swagger, with its document (for `$ref`s).
#[derive(Clone)]
pub(crate) struct Op {
    pub id: String,
    pub method: Method,
    pub path: String,
    pub op: Value,
    pub root: Value,
}

pub(crate) fn operations() -> Vec<Op> {
    let mut out = Vec::new();
    for name in SWAGGERS {
        let root = swagger(name);
        assert_eq!(root["basePath"], "/automate/work", "{name}");
        for (path, item) in root["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                let method = match method.as_str() {
                    "get" => Method::GET,
                    "post" => Method::POST,
                    "put" => Method::PUT,
                    "patch" => Method::PATCH,
                    "delete" => Method::DELETE,
                    _ => continue,
                };
                out.push(Op {
                    id: op["operationId"].as_str().expect("operationId").to_string(),
                    method,
                    path: path.clone(),
                    op: op.clone(),
                    root: root.clone(),
                });
            }
        }
    }
    out
}

/// `#/a/b` in `root`.
pub(crate) fn resolve<'a>(root: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let target = root
                .pointer(r.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("dangling $ref {r}"));
            resolve(root, target)
        }
        None => v,
    }
}

/// The swagger's 200 response schema of `op`.
pub(crate) fn response_schema(op: &Op) -> &Value {
    let r = resolve(&op.root, &op.op["responses"]["200"]);
    r.get("schema").expect("a 200 schema")
}

/// Where `body` breaks the swagger's 200 schema of `op`, one line per error. Swagger 2.0
/// schemas are Draft 4 schemas whose `$ref`s point into the document's `definitions`; the
/// schema is validated standing beside those definitions, formats (`date-time`) checked.
pub(crate) fn violations(op: &Op, body: &Value) -> Vec<String> {
    let schema = json!({
        "definitions": op.root["definitions"].clone(),
        "allOf": [response_schema(op)],
    });
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{}: the swagger's schema does not compile: {e}", op.id));
    validator
        .iter_errors(body)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

pub(crate) fn check_response(op: &Op, body: &Value) {
    let out = violations(op, body);
    assert!(out.is_empty(), "{}: {body}\n{}", op.id, out.join("\n"));
}

/// The request for `op` from its swagger: every required parameter in its location, valued
/// from `values` (a required parameter nothing provides fails the test), and every optional
/// one `values` holds; headers from their default. `leave_out` drops one parameter.
pub(crate) fn request(
    s: &TestServer,
    token: &str,
    op: &Op,
    values: &BTreeMap<&str, Value>,
    leave_out: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut query: Vec<(String, String)> = Vec::new();
    let mut body: Option<serde_json::Map<String, Value>> = None;
    let mut form: Option<reqwest::multipart::Form> = None;
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut path = op.path.clone();
    // The value to send for a parameter, if any: a required one must have one.
    let value_for = |name: &str, required: bool| -> Option<Value> {
        if leave_out == Some(name) {
            return None;
        }
        let v = values.get(name).cloned();
        assert!(
            v.is_some() || !required,
            "{}: no value for required {name}",
            op.id
        );
        v
    };
    let as_text = |v: Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    for p in op.op["parameters"].as_array().into_iter().flatten() {
        let p = resolve(&op.root, p);
        let name = p["name"].as_str().expect("parameter name");
        let required = p["required"] == Value::Bool(true);
        match p["in"].as_str() {
            Some("header") if required => headers.push((
                name.to_string(),
                p["default"].as_str().expect("header default").to_string(),
            )),
            // An optional header the connector's runtime fills (x-ms-workflow-run-id).
            Some("header") => {
                if let Some(v) = value_for(name, false) {
                    headers.push((name.to_string(), as_text(v)));
                }
            }
            Some("query") => {
                if let Some(v) = value_for(name, required) {
                    query.push((name.to_string(), as_text(v)));
                }
            }
            Some("body") => {
                let schema = resolve(&op.root, &p["schema"]);
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let mut b = serde_json::Map::new();
                for field in schema["properties"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k)
                {
                    if let Some(v) = value_for(field, required.contains(&field.as_str())) {
                        b.insert(field.to_string(), v);
                    }
                }
                body = Some(b);
            }
            // A multipart operation: fields as text parts, a `file` parameter as a file part
            // (its value is the file's name; the bytes name it too).
            Some("formData") => {
                if let Some(v) = value_for(name, required) {
                    let f = form.take().unwrap_or_default();
                    let text = as_text(v);
                    form = Some(if p["type"] == "file" {
                        f.part(
                            name.to_string(),
                            reqwest::multipart::Part::bytes(
                                format!("contents of {text}").into_bytes(),
                            )
                            .file_name(text),
                        )
                    } else {
                        f.text(name.to_string(), text)
                    });
                }
            }
            Some("path") => {
                let v = value_for(name, true).map(as_text).unwrap_or_default();
                path = path.replace(&format!("{{{name}}}"), &v);
            }
            _ => {}
        }
    }
    let mut r = s
        .http
        .request(op.method.clone(), url(s, &path, &query))
        .bearer_auth(token);
    for (k, v) in headers {
        r = r.header(k, v);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    if let Some(f) = form {
        r = r.multipart(f);
    }
    r
}

/// `/automate/work{path}` with a query string.
pub(crate) fn url<K: AsRef<str>, V: AsRef<str>>(
    s: &TestServer,
    path: &str,
    query: &[(K, V)],
) -> reqwest::Url {
    reqwest::Url::parse_with_params(
        &format!("{}/automate/work{path}", s.base),
        query.iter().map(|(k, v)| (k.as_ref(), v.as_ref())),
    )
    .expect("url")
}

pub(crate) async fn answer(r: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = r.send().await.expect("request");
    let status = r.status();
    let text = r.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The façade's error envelope with this status; returns the field it names, if any.
pub(crate) fn assert_facade_error(
    status: StatusCode,
    body: &Value,
    expected: StatusCode,
) -> String {
    assert_eq!(status, expected, "{body}");
    assert!(
        body["error"]["code"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
            && body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
        "not the façade's envelope: {body}"
    );
    body["error"]["field"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub(crate) fn op(id: &str) -> Op {
    operations()
        .into_iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("{id} is in no swagger"))
}

/// A value of the custom3 lookup table, which template profiles are checked against.
pub(crate) async fn custom3(s: &TestServer, id: &str) {
    let (st, b) = s
        .post(
            &s.lib("/customs/custom3"),
            json!({"id": id, "description": format!("{id} matters")}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
}

pub(crate) async fn created(s: &TestServer, path: &str, body: Value) -> String {
    let (st, b) = s.post(&s.lib(path), body).await;
    assert_eq!(st, StatusCode::CREATED, "{path}: {b}");
    b["data"]["id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn every_operation_is_implemented_or_listed_as_not_yet() {
    let s = TestServer::start().await;
    assert_eq!(
        operations().len(),
        61,
        "the two swaggers hold 61 operations"
    );
    let all: BTreeSet<String> = operations().into_iter().map(|o| o.id).collect();
    // GetLibraries is in both.
    assert_eq!(all.len(), 60);
    let implemented: BTreeSet<String> = IMPLEMENTED.iter().map(|s| s.to_string()).collect();
    let not_yet: BTreeSet<String> = NOT_YET.iter().map(|s| s.to_string()).collect();
    let both: Vec<_> = implemented.intersection(&not_yet).collect();
    assert!(
        both.is_empty(),
        "implemented and still in NOT_YET: {both:?}"
    );
    let accounted: BTreeSet<String> = implemented.union(&not_yet).cloned().collect();
    assert_eq!(
        all, accounted,
        "operations of the swaggers = IMPLEMENTED ∪ NOT_YET"
    );
    // What NOT_YET says is what the server does: each answers 404, in the façade's
    // envelope; an implemented one still listed fails here.
    for o in operations().iter().filter(|o| not_yet.contains(&o.id)) {
        let mut r = s
            .http
            .request(
                o.method.clone(),
                format!("{}/automate/work{}", s.base, o.path),
            )
            .bearer_auth(&s.token);
        if o.method != Method::GET {
            r = r.json(&json!({}));
        }
        let (st, b) = answer(r).await;
        assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    }
    s.stop().await;
}

/// The validator refuses what the schemas refuse (so a passing contract test means something).
#[test]
fn the_validator_refuses_what_the_swaggers_refuse() {
    let o = op("GetWorkspaceTemplates");
    let out = violations(
        &o,
        &json!({"data": {"results": [{"id": 1}]}, "extra": true}),
    );
    assert_eq!(out.len(), 3, "{out:?}");
    // A date without its zone breaks the swaggers' date pattern.
    let o = op("GetDocumentProfile");
    assert!(
        violations(&o, &json!({"data": {"create_date": "2026-12-07T10:00:00"}}))
            .iter()
            .any(|v| v.contains("create_date")),
        "{:?}",
        violations(&o, &json!({"data": {"create_date": "2026-12-07T10:00:00"}}))
    );
}

#[tokio::test]
async fn bad_flags_ranges_tokens_and_paths_are_refused_in_the_envelope() {
    let s = TestServer::start().await;
    // A boolean that is not one.
    let (st, b) = answer(
        s.http
            .get(url(&s, "/getLibraries", &[("showAllLibraries", "maybe")]))
            .bearer_auth(&s.token),
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "showAllLibraries"
    );
    // A date range the template list cannot apply is refused, not ignored.
    let (st, b) = answer(
        s.http
            .get(url(
                &s,
                "/getWorkspaceTemplates",
                &[("libraryId", "ACTIVE"), ("custom21_from", "2026-01-01")],
            ))
            .bearer_auth(&s.token),
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "custom21_from"
    );
    // No token: 401 with a challenge; an unknown operation: 404; both in the envelope.
    let r = s
        .http
        .get(format!("{}/automate/work/getLibraries", s.base))
        .send()
        .await
        .expect("request");
    assert_eq!(
        r.headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    let (st, b) = (r.status(), r.json::<Value>().await.expect("json"));
    assert_facade_error(st, &b, StatusCode::UNAUTHORIZED);
    let (st, b) = answer(
        s.http
            .get(format!("{}/automate/work/getNothing", s.base))
            .bearer_auth(&s.token),
    )
    .await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test]
async fn an_unknown_or_unreadable_library_is_a_404() {
    let s = TestServer::start().await;
    s.dossier()
        .create_library("OTHER", "another library")
        .await
        .expect("library");
    let admin = s.login("admin", ADMIN_PASSWORD).await;
    let member = s.new_user("PAMEMBER", "member-password-1").await;
    let templates = op("GetWorkspaceTemplates");
    let libs = op("GetLibraries");
    let none = BTreeMap::new();
    // The administrator sees both libraries; the member of ACTIVE only ACTIVE.
    let (_, b) = answer(request(&s, &admin, &libs, &none, None)).await;
    let ids: Vec<&str> = b["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|l| l["id"].as_str())
        .collect();
    assert!(ids.contains(&"OTHER") && ids.contains(&"ACTIVE"), "{b}");
    let (st, b) = answer(request(&s, &member, &libs, &none, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&libs, &b);
    assert_eq!(
        b["data"],
        json!([{"id": "ACTIVE", "display_name": b["data"][0]["display_name"], "type": "worksite", "is_hidden": false}])
    );
    for (token, library) in [(&admin, "NOPE"), (&member, "OTHER"), (&member, "NOPE")] {
        let values = BTreeMap::from([("libraryId", json!(library))]);
        let (st, b) = answer(request(&s, token, &templates, &values, None)).await;
        assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    }
    // Refused alike: nothing tells an unreadable library from a missing one.
    let other = BTreeMap::from([("libraryId", json!("OTHER"))]);
    let nope = BTreeMap::from([("libraryId", json!("NOPE"))]);
    let (_, a) = answer(request(&s, &member, &templates, &other, None)).await;
    let (_, b) = answer(request(&s, &member, &templates, &nope, None)).await;
    assert_eq!(
        a["error"]["message"]
            .as_str()
            .map(|m| m.replace("OTHER", "X")),
        b["error"]["message"]
            .as_str()
            .map(|m| m.replace("NOPE", "X"))
    );
    s.stop().await;
}

#[tokio::test]
async fn hidden_and_preferred_libraries_follow_the_flags() {
    let s = TestServer::start().await;
    s.dossier()
        .create_library("OTHER", "another library")
        .await
        .expect("library");
    // No surface hides a library yet; the row is marked as an operator's tool would.
    {
        use sqlx::Connection;
        let sql = "UPDATE libraries SET is_hidden = 1 WHERE id = 'OTHER'";
        if s.database_url.starts_with("postgres") {
            let mut c = sqlx::PgConnection::connect(&s.database_url)
                .await
                .expect("db");
            sqlx::query(sql).execute(&mut c).await.expect("hide");
        } else {
            let mut c = sqlx::SqliteConnection::connect(&s.database_url)
                .await
                .expect("db");
            sqlx::query(sql).execute(&mut c).await.expect("hide");
        }
    }
    let list = |flags: &'static [(&'static str, &'static str)]| {
        let r = s
            .http
            .get(url(&s, "/getLibraries", flags))
            .bearer_auth(&s.token);
        async move {
            let (st, b) = answer(r).await;
            assert_eq!(st, StatusCode::OK, "{b}");
            check_response(&op("GetLibraries"), &b);
            b["data"]
                .as_array()
                .expect("data")
                .iter()
                .map(|l| l["id"].as_str().expect("id").to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(&[]).await, ["ACTIVE"]);
    let all = list(&[("showAllLibraries", "true")]).await;
    assert!(all.contains(&"OTHER".to_string()), "{all:?}");
    // The administrator's preferred library is ACTIVE.
    assert!(
        !list(&[
            ("hidePreferredLibrary", "true"),
            ("showAllLibraries", "true")
        ])
        .await
        .contains(&"ACTIVE".to_string())
    );
    s.stop().await;
}

#[tokio::test]
async fn templates_are_filtered_and_the_top_match_follows_the_matter_settings() {
    let s = TestServer::start().await;
    custom3(&s, "LITIGATION").await;
    custom3(&s, "TAX").await;
    let first = created(
        &s,
        "/templates",
        json!({"name": "Litigation (old)", "custom3": "LITIGATION"}),
    )
    .await;
    let mapped = created(
        &s,
        "/templates",
        json!({"name": "Litigation", "custom3": "LITIGATION"}),
    )
    .await;
    let tax = created(&s, "/templates", json!({"name": "Tax", "custom3": "TAX"})).await;
    let (st, b) = s
        .send_json(
            Method::PUT,
            &s.lib("/matter-settings"),
            json!({"matter_type_field": "custom3", "templates": {"LITIGATION": mapped}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let templates = op("GetWorkspaceTemplates");
    let list = |custom3: Option<&'static str>| {
        let mut query = vec![("libraryId", "ACTIVE")];
        if let Some(c) = custom3 {
            query.push(("custom3", c));
        }
        let r = s
            .http
            .get(url(&s, "/getWorkspaceTemplates", &query))
            .bearer_auth(&s.token);
        let templates = templates.clone();
        async move {
            let (st, b) = answer(r).await;
            assert_eq!(st, StatusCode::OK, "{b}");
            check_response(&templates, &b);
            b["data"].clone()
        }
    };
    let ids = |d: &Value| -> Vec<String> {
        d["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|t| t["id"].as_str().expect("id").to_string())
            .collect()
    };
    // The custom values filter, and the mapped template is the top match even when it is
    // not listed first.
    let lit = list(Some("litigation")).await;
    let mut got = ids(&lit);
    got.sort();
    let mut want = vec![first.clone(), mapped.clone()];
    want.sort();
    assert_eq!(got, want, "{lit}");
    assert_ne!(
        ids(&lit)[0],
        mapped,
        "the test needs the mapped one listed second"
    );
    assert_eq!(lit["topMatchingId"], json!(mapped), "{lit}");
    assert_eq!(lit["topMatchingName"], "Litigation");
    // An unmapped value: the first listed.
    let t = list(Some("TAX")).await;
    assert_eq!(ids(&t), std::slice::from_ref(&tax));
    assert_eq!(t["topMatchingId"], json!(tax));
    assert_eq!(t["topMatchingName"], "Tax");
    // No template matches: no top match, an empty list.
    let none = list(Some("NOTHING")).await;
    assert_eq!(none, json!({"results": []}));
    // No filter: all three, the first listed on top (no value maps to a template).
    let all = list(None).await;
    assert_eq!(ids(&all).len(), 3);
    assert_eq!(all["topMatchingId"], all["results"][0]["id"]);
    s.stop().await;
}

#[tokio::test]
async fn allowed_default_securities_follow_the_object_type() {
    let s = TestServer::start().await;
    let o = op("GetAllowedDefaultSecurity");
    let ids = |b: &Value| -> Vec<String> {
        b["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|d| d["id"].as_str().expect("id").to_string())
            .collect()
    };
    for (kind, expected) in [
        ("workspace", vec!["public", "view", "private"]),
        ("folder", vec!["public", "view", "private", "inherit"]),
        ("document", vec!["public", "view", "private", "inherit"]),
    ] {
        let values = BTreeMap::from([("objectType", json!(kind))]);
        let (st, b) = answer(request(&s, &s.token, &o, &values, None)).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        check_response(&o, &b);
        assert_eq!(ids(&b), expected, "{kind}: {b}");
    }
    // What the list says is what the Work API takes: a workspace cannot inherit.
    let (st, b) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "x", "default_security": "inherit"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");
    let values = BTreeMap::from([("objectType", json!("tab"))]);
    let (st, b) = answer(request(&s, &s.token, &o, &values, None)).await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "objectType"
    );
    s.stop().await;
}
