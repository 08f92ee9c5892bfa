//! Every operation the façade owes, called the way the connector calls it: a request built
//! from the swagger (its required parameters, in their locations, valued from objects this
//! test made), the answer validated against the swagger's 200 schema. Then, for each
//! operation, bad input derived from the same swagger: each required parameter left out
//! (400 naming it), each enum parameter given a value outside its list (400 naming it),
//! each string one character over its `maxLength` (400 naming it), each object it addresses
//! swapped for one that does not exist (404); and the calls of a member who may read none of
//! the objects (404, as for a missing object) or, on the admin connector, who is no
//! administrator (403).
//!
//! The list of operations is `super::IMPLEMENTED`; an implemented operation this test has no
//! values for fails it, so a new operation cannot skip the contract.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{IMPLEMENTED, Op, answer, assert_facade_error, check_response, op, request, resolve};
use crate::harness::{ADMIN_PASSWORD, TestServer};

/// What the test made, to fill requests with.
struct Fixture {
    template: String,
    workspace: String,
    folder: String,
    other_folder: String,
    document: String,
    member: &'static str,
    group: &'static str,
    taxonomy_property: String,
    workflow: String,
    run: String,
}

async fn made(s: &TestServer, path: &str, body: Value) -> Value {
    let (st, b) = s.post(&s.lib(path), body).await;
    assert_eq!(st, StatusCode::CREATED, "POST {path}: {b}");
    b["data"].clone()
}

async fn fixture(s: &TestServer) -> Fixture {
    super::custom3(s, "GENERAL").await;
    made(
        s,
        "/customs/custom1",
        json!({"id": "ACME", "description": "Acme Corp"}),
    )
    .await;
    let template = made(
        s,
        "/templates",
        json!({"name": "General template", "custom3": "GENERAL"}),
    )
    .await["id"]
        .as_str()
        .expect("template id")
        .to_string();
    made(
        s,
        &format!("/workspaces/{template}/folders"),
        json!({"name": "Correspondence", "required": true}),
    )
    .await;
    let workspace = made(
        s,
        "/workspaces",
        json!({"name": "Acme v Widget", "template_id": template, "custom1": "ACME"}),
    )
    .await["id"]
        .as_str()
        .expect("workspace id")
        .to_string();
    let folder = s.create_folder(&workspace, "Pleadings").await;
    let other_folder = s.create_folder(&workspace, "Drafts").await;
    let document = s
        .upload(
            &folder,
            "complaint.txt",
            b"the complaint",
            json!({"name": "Complaint"}),
        )
        .await["id"]
        .as_str()
        .expect("document id")
        .to_string();
    s.new_user("PAMEMBER", "member-password-1").await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    let (st, b) = s
        .send_json_as(
            &admin,
            reqwest::Method::POST,
            &format!("{}/work/api/v2/customers/1/groups", s.base),
            json!({"id": "PAGROUP", "full_name": "Litigators"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, b) = s
        .send_json_as(
            &admin,
            reqwest::Method::PUT,
            &format!("{}/work/api/v2/customers/1/groups/PAGROUP/members", s.base),
            json!({"action": "add", "data": ["PAMEMBER"]}),
        )
        .await;
    assert!(st.is_success(), "{b}");
    made(
        s,
        "/metadata/taxonomies",
        json!({"id": "areas", "name": "Practice areas"}),
    )
    .await;
    made(
        s,
        "/metadata/taxonomies/areas/nodes",
        json!({"id": "LIT", "label": "Litigation"}),
    )
    .await;
    made(
        s,
        "/metadata/properties",
        json!({"id": "area", "caption": "Area", "kind": "taxonomy", "taxonomy": "areas"}),
    )
    .await;
    made(
        s,
        "/metadata/properties",
        json!({"id": "note", "caption": "Note", "kind": "text"}),
    )
    .await;
    // The façade names extended properties by its own ids: read the taxonomy one back.
    let taxonomy_property = if IMPLEMENTED.contains(&"GetExtendedPropertyIds") {
        taxonomy_property_id(s, &admin).await
    } else {
        "area".to_string()
    };
    let (workflow, run) = workflow_and_run(s, &document).await;
    Fixture {
        template,
        workspace,
        folder,
        other_folder,
        document,
        member: "PAMEMBER",
        group: "PAGROUP",
        taxonomy_property,
        workflow,
        run,
    }
}

const CALLBACK: &str = "https://flows.example.com/hook";

/// A form, a single-document workflow registered on it (offered to its author, the
/// administrator) and a run of it on the document: what the workflow operations address.
async fn workflow_and_run(s: &TestServer, document: &str) -> (String, String) {
    made(
        s,
        "/workflow-forms",
        json!({"id": "review", "name": "Review", "fields": [
            {"id": "note", "label": "Note", "type": "text"}]}),
    )
    .await;
    let (st, b) = answer(
        s.http
            .post(format!(
                "{}/automate/work/hooks/register/singleSelectedDocument",
                s.base
            ))
            .bearer_auth(&s.token)
            .json(&json!({"callbackUrl": CALLBACK, "workflowName": "Review",
                "description": "Review the document", "libraryId": "ACTIVE",
                "formId": "review", "inferFolderId": false})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let workflow = b["data"].as_str().expect("workflow id").to_string();
    let run = made(
        s,
        &format!("/workflows/{workflow}/runs"),
        json!({"document_ids": [document], "values": {"note": "please"}}),
    )
    .await["id"]
        .as_str()
        .expect("run id")
        .to_string();
    (workflow, run)
}

async fn taxonomy_property_id(s: &TestServer, token: &str) -> String {
    let ids = call(
        s,
        token,
        &op("GetExtendedPropertyIds"),
        &BTreeMap::from([
            ("property_namespace", json!("extended_metadata")),
            ("property_type", json!("taxonomy_mv_taxonomy")),
        ]),
    )
    .await;
    ids["data"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no taxonomy property listed: {ids}"))
        .to_string()
}

/// The operation's 200 answer, validated against its swagger.
async fn call(s: &TestServer, token: &str, o: &Op, values: &BTreeMap<&str, Value>) -> Value {
    let (st, b) = answer(request(s, token, o, values, None)).await;
    assert_eq!(st, StatusCode::OK, "{}: {b}", o.id);
    if has_schema(o) {
        check_response(o, &b);
    }
    b
}

/// EditNVP declares a 200 without a schema.
fn has_schema(o: &Op) -> bool {
    resolve(&o.root, &o.op["responses"]["200"])
        .get("schema")
        .is_some()
}

/// The admin connector's operations (they declare its header).
fn is_admin_op(o: &Op) -> bool {
    params(o).iter().any(|p| p["name"] == "x-im-connector-id")
}

/// The parameters of `o`, a body's properties flattened in as parameters `in: body`.
fn params(o: &Op) -> Vec<Value> {
    let mut out = Vec::new();
    for p in o.op["parameters"].as_array().into_iter().flatten() {
        let p = resolve(&o.root, p);
        if p["in"] == "body" {
            let schema = resolve(&o.root, &p["schema"]);
            let required: Vec<&Value> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .collect();
            for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
                let mut prop = resolve(&o.root, prop).clone();
                prop["name"] = json!(name);
                prop["in"] = json!("body");
                prop["required"] = json!(required.contains(&&json!(name)));
                out.push(prop);
            }
        } else {
            out.push(p.clone());
        }
    }
    out
}

/// The values of each operation's required parameters (and the optional ones the scenario
/// needs), from the fixture. An implemented operation missing here fails the test.
fn values(id: &str, f: &Fixture) -> BTreeMap<&'static str, Value> {
    let lib = json!("ACTIVE");
    let doc = json!(f.document);
    let v: Vec<(&'static str, Value)> = match id {
        "GetLibraries" | "GetDocumentActivityNames" | "GetLookupFieldNames" | "GetEmailOptions" => {
            vec![]
        }
        "GetWorkspaceTemplates"
        | "GetClasses"
        | "SearchFolders"
        | "SearchWorkspaces"
        | "GetLibraryRoles" => vec![("libraryId", lib)],
        "GetAllowedDefaultSecurity" => vec![("objectType", json!("folder"))],
        "GetSubclasses" => vec![("libraryId", lib), ("classId", json!("DOC"))],
        "GetTrustees" | "GetPermissions" | "EditNVP" => vec![
            ("objectType", json!("workspace")),
            ("objectId", json!(f.workspace)),
        ],
        "UpdateDefaultSecurity" => vec![
            ("objectType", json!("folder")),
            ("objectId", json!(f.other_folder)),
            ("default_security", json!("private")),
        ],
        "UpdatePermissions" => vec![
            ("objectType", json!("folder")),
            ("objectId", json!(f.other_folder)),
            ("access_level", json!("Read Only")),
            ("users", json!(f.member)),
        ],
        "CopyPermissions" => vec![
            ("sourceObjectType", json!("folder")),
            ("sourceObjectId", json!(f.other_folder)),
            ("targetObjectType", json!("document")),
            ("targetObjectId", doc),
            ("copyType", json!("Merge (Pessimistic)")),
            ("copyDefaultSecurity", json!(false)),
        ],
        "CreateWorkspace" => vec![
            ("libraryId", lib),
            ("templateId", json!(f.template)),
            ("name", json!("Acme v Gadget")),
            ("createChildren", json!("All Folders")),
        ],
        "UpdateWorkspace" => vec![("id", json!(f.workspace))],
        "GetWorkspaceProfile" => vec![("workspaceId", json!(f.workspace))],
        "UploadDocument" => vec![
            ("libraryId", lib),
            ("folderId", json!(f.folder)),
            ("inherit_profile_from_folder", json!(true)),
            ("file", json!("answer.txt")),
        ],
        "UpdateOrCreateNewDocVersion" => vec![
            ("updateOrCreate", json!("Create New Version")),
            ("documentId", doc),
            ("file", json!("complaint-v2.txt")),
        ],
        "DownloadDocument"
        | "GetDocumentProfile"
        | "UpdateDocumentProfile"
        | "GetDocumentVersions"
        | "PromoteDocumentVersion"
        | "GetCoreEMPropertiesForDocument" => {
            let mut v = vec![("documentId", doc)];
            if id == "PromoteDocumentVersion" {
                v.push(("version", json!(1)));
            }
            v
        }
        "GetUserDetails" => vec![("libraryId", lib), ("userId", json!(f.member))],
        "GetGroupMembers" => vec![("libraryId", lib), ("groupId", json!(f.group))],
        "SearchUsers" => vec![],
        "AddDocumentReference" | "DeleteDocumentReference" | "CopyDocument" => {
            vec![("documentId", doc), ("folderId", json!(f.other_folder))]
        }
        "MoveDocument" => vec![
            ("documentId", doc),
            ("folderId", json!(f.folder)),
            ("destination_folder_id", json!(f.other_folder)),
        ],
        "AddDocumentHistoryEntry" => vec![("documentId", doc), ("activity_code", json!(1))],
        "SetCoreEMPropertiesForDocument" => vec![
            ("documentId", doc),
            (
                "emProperties",
                json!([{"key": f.taxonomy_property, "value": "LIT"}]),
            ),
        ],
        "GetExtendedPropertyIds" => vec![
            ("property_namespace", json!("extended_metadata")),
            ("property_type", json!("all_core")),
        ],
        "SearchCoreEMTaxonomyNodeValues" => vec![
            ("libraryId", lib),
            ("taxonomyProperty", json!(f.taxonomy_property)),
        ],
        "GetCreateCustomOrPropertyLookupSchema" | "GetUpdateCustomFieldSchema" => {
            vec![("lookupFieldId", json!("custom1"))]
        }
        "GetLookupAliases" => vec![("libraryId", lib), ("lookupFieldId", json!("custom1"))],
        "CreateCustomOrPropertyLookup" => vec![
            ("libraryId", lib),
            ("lookupFieldId", json!("custom1")),
            (
                "aliasInfo",
                json!({"id": "GLOBEX", "description": "Globex Corporation"}),
            ),
        ],
        "UpdateCustomField" => vec![
            ("libraryId", lib),
            ("lookupFieldId", json!("custom1")),
            (
                "aliasInfo",
                json!({"id": "ACME", "description": "Acme Corporation"}),
            ),
        ],
        "GetCreateUserPasswordSchema" => {
            vec![("password_create_method", json!("Create a password"))]
        }
        "CreateUser" => vec![
            ("full_name", json!("Pat Associate")),
            ("id", json!("PATASSOC")),
            ("email", json!("pat@example.com")),
            ("is_external", json!(false)),
            ("preferred_library", lib),
            ("role", json!("READ_ONLY")),
            ("ignore_if_user_already_exists", json!(true)),
            ("password_create_method", json!("Create a password")),
            (
                "create_password",
                json!({"password": "a-long-enough-password-1"}),
            ),
        ],
        "AssignUserToLibrary" => vec![
            ("libraryId", lib),
            ("user_id", json!(f.member)),
            ("role", json!("READ_ONLY")),
            ("is_preferred_library", json!(true)),
        ],
        "AddFolder" => vec![
            ("name", json!("Expert reports")),
            ("parentId", json!(f.workspace)),
            ("parentType", json!("Workspace")),
            ("default_security", json!("inherit")),
            ("inherit_profile_from_workspace", json!("Yes")),
        ],
        "AddTab" => vec![
            ("name", json!("Billing")),
            ("parentId", json!(f.workspace)),
            ("default_security", json!("inherit")),
        ],
        "GetAddFolderPropertiesSchema" => vec![("inherit_profile_from_workspace", json!("No"))],
        "GetMyMattersCategories" => vec![("user_id", json!(f.member))],
        "AddShortcutsToMyMattersAdmin" => {
            vec![
                ("user_id", json!(f.member)),
                ("workspace_id", json!(f.workspace)),
            ]
        }
        "GetForms" => vec![("libraryId", lib)],
        "GetTriggerSchema" => vec![
            ("libraryId", lib),
            ("formId", json!("review")),
            ("triggerId", json!("single_selected_document")),
            ("inferFolderId", json!(true)),
        ],
        "GetWorkflowAllowedUserList" | "GetWorkflowStateList" => vec![],
        "SingleSelectedDocument" | "MultipleSelectedDocuments" => vec![
            ("callbackUrl", json!(CALLBACK)),
            ("workflowName", json!("Approve")),
            ("description", json!("Ask for approval")),
            ("libraryId", lib),
            ("formId", json!("review")),
            ("inferFolderId", json!(true)),
            ("users", json!(f.member)),
            ("groups", json!(f.group)),
        ],
        "UnregisterWorkflow" => vec![
            ("workflowId", json!(f.workflow)),
            ("libraryId", lib),
            ("customerId", json!("1")),
            ("providerWorkflowVersion", json!("1")),
        ],
        "UpdateWorkflowState" => vec![
            ("libraryId", lib),
            ("state", json!("running")),
            ("status", json!("Reviewing")),
            ("x-ms-workflow-run-id", json!(f.run)),
        ],
        other => panic!("{other} is implemented but the contract test has no values for it"),
    };
    v.into_iter().collect()
}

/// The parameters that name an object the caller must be able to read, with a value of the
/// same shape that names nothing.
fn addressed(id: &str, name: &str) -> Option<Value> {
    let unknown = match name {
        "libraryId" => "NOSUCHLIB",
        // The library a new user joins; elsewhere (GetGroupMembers) it filters a list.
        "preferred_library" if id == "CreateUser" => "NOSUCHLIB",
        "objectId"
        | "sourceObjectId"
        | "targetObjectId"
        | "workspaceId"
        | "folderId"
        | "destination_folder_id"
        | "parentId"
        | "templateId"
        | "workspace_id" => "ACTIVE!999999",
        "id" if id == "UpdateWorkspace" => "ACTIVE!999999",
        "documentId" => "ACTIVE!999999.1",
        "userId" | "groupId" | "user_id" => "NOSUCHUSER",
        "workflowId" => "nosuchworkflow",
        _ => return None,
    };
    Some(json!(unknown))
}

/// Each operation in an order that keeps the fixture usable: reads first, then writes, the
/// move (which takes the document out of its folder) and the references last.
fn order() -> Vec<&'static str> {
    let late = [
        "UpdateDefaultSecurity",
        "UpdatePermissions",
        "CopyPermissions",
        "AddDocumentReference",
        "DeleteDocumentReference",
        "MoveDocument",
        "UnregisterWorkflow",
    ];
    let mut ids: Vec<&'static str> = IMPLEMENTED
        .iter()
        .copied()
        .filter(|id| !late.contains(id))
        .collect();
    ids.extend(late.iter().copied().filter(|id| IMPLEMENTED.contains(id)));
    ids
}

#[tokio::test]
async fn every_operation_answers_per_its_swagger_and_refuses_bad_input() {
    let s = TestServer::start().await;
    let f = fixture(&s).await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    // An outsider: a member of the library who may read none of the fixture's objects
    // (the workspace and its contents are made private to the administrator).
    let outsider = s.new_user("PAOUTSIDER", "outsider-password-1").await;
    let (st, b) = s
        .patch(
            &s.lib(&format!("/workspaces/{}", f.workspace)),
            json!({"default_security": "private"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    for id in order() {
        let o = op(id);
        let token = if is_admin_op(&o) { &admin } else { &s.token };
        let v = values(id, &f);
        // The bad inputs first, so the good call's writes do not change what they meet.
        for p in params(&o) {
            let name = p["name"].as_str().expect("name").to_string();
            let location = p["in"].as_str().unwrap_or_default();
            if location == "header" {
                continue;
            }
            let required = p["required"] == json!(true);
            // A path without its parameter is another path (the fallback's 404).
            if required
                && location != "path"
                && !(o.method == reqwest::Method::GET && location == "body")
            {
                let (st, b) = answer(request(&s, token, &o, &v, Some(&name))).await;
                assert_eq!(st, StatusCode::BAD_REQUEST, "{id} without {name}: {b}");
                let field = assert_facade_error(st, &b, StatusCode::BAD_REQUEST);
                assert_eq!(field, name, "{id} without {name}: {b}");
            }
            let mut bad: Vec<(Value, StatusCode)> = Vec::new();
            if p.get("enum").is_some() {
                bad.push((json!("Not One Of Them"), StatusCode::BAD_REQUEST));
            }
            if let Some(max) = p["maxLength"].as_u64() {
                bad.push((json!("x".repeat(max as usize + 1)), StatusCode::BAD_REQUEST));
            }
            if let Some(unknown) = addressed(id, &name) {
                bad.push((unknown, StatusCode::NOT_FOUND));
            }
            for (value, expected) in bad {
                let mut with: BTreeMap<&str, Value> = v.clone();
                with.insert(&name, value.clone());
                let (st, b) = answer(request(&s, token, &o, &with, None)).await;
                assert_eq!(st, expected, "{id} with {name}={value}: {b}");
                let field = assert_facade_error(st, &b, expected);
                if expected == StatusCode::BAD_REQUEST {
                    assert_eq!(field, name, "{id} with {name}={value}: {b}");
                }
            }
        }
        // Someone who may read none of it: nothing leaks.
        let touches_fixture = v.values().any(|value| {
            let text = value.to_string();
            text.contains(&f.workspace)
                || text.contains(&f.folder)
                || text.contains(&f.document)
                || text.contains(&f.other_folder)
        });
        if is_admin_op(&o) {
            let (st, b) = answer(request(&s, &outsider, &o, &v, None)).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{id} as a member: {b}");
            assert_facade_error(st, &b, StatusCode::FORBIDDEN);
        } else if touches_fixture {
            let (st, b) = answer(request(&s, &outsider, &o, &v, None)).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{id} as an outsider: {b}");
            assert_facade_error(st, &b, StatusCode::NOT_FOUND);
        }
        call(&s, token, &o, &v).await;
    }
    s.stop().await;
}
