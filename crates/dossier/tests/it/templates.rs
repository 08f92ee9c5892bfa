//! Workspace templates and opening matters from them, through HTTP only: a template's tree
//! copied exactly (all folders, or only the required ones), the caller's profile values over
//! the template's, a template edited later changing nothing made from it, the library's
//! matter-type mapping and default template, unique client + matter, and the clean errors.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN_PASSWORD, TestServer, assert_error, error_field};

async fn lookup(s: &TestServer, field: &str, id: &str, parent: Option<&str>) {
    let mut body = json!({"id": id, "description": format!("{id} described")});
    if let Some(p) = parent {
        body["parent"] = json!({"id": p});
    }
    let (st, b) = s.post(&s.lib(&format!("/customs/{field}")), body).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
}

async fn created(s: &TestServer, path: &str, body: Value) -> Value {
    let (st, b) = s.post(&s.lib(path), body).await;
    assert_eq!(st, StatusCode::CREATED, "POST {path}: {b}");
    b["data"].clone()
}

/// The group the litigation template's security names (groups need an admin-scoped token).
async fn litigators(s: &TestServer) {
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    let (st, g) = s
        .send_json_as(
            &admin,
            Method::POST,
            &format!("{}/work/api/v2/customers/1/groups", s.base),
            json!({"id": "LITIGATORS", "name": "Litigators"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{g}");
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

/// A template three levels deep, with a tab, folders, a search folder, default profiles,
/// its own security on one folder and required folders:
///
/// ```text
/// Litigation template (custom3 LITIGATION, private, group LITIGATORS read_write)
/// ├─ tab Correspondence            (required)
/// ├─ Pleadings
/// │  └─ Drafts                     (required, default profile class DOC)
/// │     └─ Superseded
/// ├─ search folder Recent emails
/// └─ Billing                       (private, user ADMIN full_access)
/// ```
async fn litigation_template(s: &TestServer) -> String {
    let t = created(
        s,
        "/templates",
        json!({"name": "Litigation template", "description": "for disputes",
               "custom3": "LITIGATION", "default_security": "private",
               "group_trustees": [{"id": "LITIGATORS", "access_level": "read_write"}]}),
    )
    .await;
    assert_eq!(t["is_template"], true);
    let t = id(&t);
    let tab = created(
        s,
        &format!("/workspaces/{t}/tabs"),
        json!({"name": "Correspondence", "required": true}),
    )
    .await;
    assert_eq!(tab["required"], true);
    let pleadings = id(&created(
        s,
        &format!("/workspaces/{t}/folders"),
        json!({"name": "Pleadings"}),
    )
    .await);
    let drafts = id(&created(
        s,
        &format!("/folders/{pleadings}/subfolders"),
        json!({"name": "Drafts", "required": true, "profile": {"class": "DOC"}}),
    )
    .await);
    created(
        s,
        &format!("/folders/{drafts}/subfolders"),
        json!({"name": "Superseded"}),
    )
    .await;
    created(
        s,
        &format!("/workspaces/{t}/search-folders"),
        json!({"name": "Recent emails", "searchprofile": {"type": "MSG", "edit_date_relative": "last7days"}}),
    )
    .await;
    created(
        s,
        &format!("/workspaces/{t}/folders"),
        json!({"name": "Billing", "default_security": "private",
               "user_trustees": [{"id": "ADMIN", "access_level": "full_access"}]}),
    )
    .await;
    t
}

/// A container's tree as one line per container, depth-first with children in name order,
/// with what is copied: kind, name, the default profile's class, the saved search, the
/// security.
async fn tree(s: &TestServer, root: &str) -> Vec<String> {
    let children = |id: String| async move {
        let listed = s.get_json(&s.lib(&format!("/folders/{id}/children"))).await;
        let mut subs: Vec<Value> = listed["data"]
            .as_array()
            .expect("children")
            .iter()
            .filter(|c| c["wstype"] == "folder")
            .cloned()
            .collect();
        // Popped from the end: the last in name order first.
        subs.sort_by(|a, b| b["name"].as_str().cmp(&a["name"].as_str()));
        subs
    };
    let mut out = vec![];
    let mut pending: Vec<(usize, Value)> = children(root.to_string())
        .await
        .into_iter()
        .map(|c| (0, c))
        .collect();
    while let Some((depth, c)) = pending.pop() {
        let cid = id_of(&c);
        let sec = s
            .get_json(&s.lib(&format!("/folders/{cid}/security")))
            .await;
        out.push(format!(
            "{}{} {} class={} search={} security={} trustees={}",
            "  ".repeat(depth),
            c["folder_type"].as_str().unwrap(),
            c["name"].as_str().unwrap(),
            c["profile"]["class"],
            c.get("searchprofile").cloned().unwrap_or(Value::Null),
            c["default_security"],
            sec["data"]
        ));
        pending.extend(children(cid).await.into_iter().map(|d| (depth + 1, d)));
    }
    out
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_workspace_from_a_template_gets_its_tree_profile_and_security_exactly() {
    let s = TestServer::start().await;
    lookup(&s, "custom3", "LITIGATION", None).await;
    lookup(&s, "custom1", "ACME", None).await;
    lookup(&s, "custom2", "0042", Some("ACME")).await;
    litigators(&s).await;
    let t = litigation_template(&s).await;
    let expected = tree(&s, &t).await;
    assert_eq!(expected.len(), 6, "{expected:#?}");

    let w = created(
        &s,
        "/workspaces",
        json!({"name": "Acme v Widgets", "template_id": t, "custom1": "ACME", "custom2": "0042",
               "create_children": "all"}),
    )
    .await;
    // The caller's values over the template's; the rest of the template's profile.
    assert_eq!(w["name"], "Acme v Widgets");
    assert_eq!(w["description"], "for disputes");
    assert_eq!(w["custom1"], "ACME");
    assert_eq!(w["custom3"], "LITIGATION");
    assert_eq!(w["default_security"], "private");
    assert!(w.get("is_template").is_none(), "{w}");
    let w = id(&w);
    let sec = s
        .get_json(&s.lib(&format!("/workspaces/{w}/security")))
        .await;
    assert_eq!(sec["data"][0]["id"], "LITIGATORS", "{sec}");
    let copied = tree(&s, &w).await;
    assert_eq!(copied, expected);

    // Only the required folders, and what lies above them.
    let w2 = created(
        &s,
        "/workspaces",
        json!({"name": "Acme appeal", "templateId": t, "createChildren": "Only Required Folders"}),
    )
    .await;
    let names: Vec<String> = tree(&s, &id(&w2))
        .await
        .iter()
        .map(|l| l.split(" class=").next().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        vec![
            "tab Correspondence",
            "regular Pleadings",
            "  regular Drafts"
        ],
        "children in name order: Correspondence, Pleadings"
    );
}

#[tokio::test]
async fn a_template_edited_after_use_changes_nothing_made_from_it() {
    let s = TestServer::start().await;
    lookup(&s, "custom3", "LITIGATION", None).await;
    litigators(&s).await;
    let t = litigation_template(&s).await;
    let w = id(&created(
        &s,
        "/workspaces",
        json!({"name": "Matter one", "template_id": t}),
    )
    .await);
    let before_profile = s.get_json(&s.lib(&format!("/workspaces/{w}"))).await;
    let before_tree = tree(&s, &w).await;

    let (st, b) = s
        .patch(
            &s.lib(&format!("/templates/{t}")),
            json!({"description": "changed", "default_security": "public"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    created(
        &s,
        &format!("/workspaces/{t}/folders"),
        json!({"name": "Experts"}),
    )
    .await;
    let children = s
        .get_json(&s.lib(&format!("/workspaces/{t}/children")))
        .await;
    let pleadings = children["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Pleadings")
        .map(id_of)
        .unwrap();
    let (st, _) = s
        .patch(
            &s.lib(&format!("/folders/{pleadings}")),
            json!({"name": "Court papers"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);

    assert_eq!(
        s.get_json(&s.lib(&format!("/workspaces/{w}"))).await,
        before_profile
    );
    assert_eq!(tree(&s, &w).await, before_tree);
    // A workspace made now gets the template as it is now.
    let w2 = id(&created(
        &s,
        "/workspaces",
        json!({"name": "Matter two", "template_id": t}),
    )
    .await);
    let now = tree(&s, &w2).await;
    assert!(now.iter().any(|l| l.contains("Experts")), "{now:#?}");
    assert!(now.iter().any(|l| l.contains("Court papers")), "{now:#?}");
}

#[tokio::test]
async fn templates_stay_out_of_matters_and_hold_no_documents() {
    let s = TestServer::start().await;
    let t = id(&created(&s, "/templates", json!({"name": "Zebra template"})).await);
    let f = id(&created(
        &s,
        &format!("/workspaces/{t}/folders"),
        json!({"name": "Zebra folder"}),
    )
    .await);
    let w = s.create_workspace("Zebra matter").await;
    let real = s.create_folder(&w, "Zebra real folder").await;

    // Lists and searches of matters leave templates and their folders out, by the
    // database and by the index alike; the templates list has them.
    s.wait_for_index().await;
    for path in [
        "/workspaces?name=Zebra*".to_string(),
        "/workspaces?anywhere=zebra".to_string(),
        "/folders/search?anywhere=zebra".to_string(),
    ] {
        let r = s.get_json(&s.lib(&path)).await;
        let text = r.to_string();
        assert!(!text.contains(&t) && !text.contains(&f), "{path}: {r}");
    }
    let r = s.get_json(&s.lib("/workspaces?anywhere=zebra")).await;
    assert!(r.to_string().contains(&w), "{r}");
    let listed = s.get_json(&s.lib("/templates")).await;
    let ids: Vec<String> = listed["data"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(ids, vec![t.clone()]);
    let got = s.get_json(&s.lib(&format!("/templates/{t}"))).await;
    assert_eq!(got["data"]["is_template"], true);
    let r = s.get(&s.lib(&format!("/templates/{w}"))).await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "a workspace is not a template"
    );

    // No documents in a template; no folder crosses the template line.
    let (st, b) = s
        .upload_raw(
            &f,
            TestServer::upload_form(json!({"name": "x"}), "x.txt", b"x".to_vec()),
        )
        .await;
    assert_error(st, &b, StatusCode::BAD_REQUEST);
    for (from, to) in [(&f, &w), (&real, &t)] {
        let (st, b) = s
            .post(
                &s.lib(&format!("/folders/{from}/move")),
                json!({"destination_id": to}),
            )
            .await;
        assert_error(st, &b, StatusCode::BAD_REQUEST);
    }
    // A template's tree keeps its shape: no folder moves under itself.
    let inner = id(&created(
        &s,
        &format!("/folders/{f}/subfolders"),
        json!({"name": "Inner"}),
    )
    .await);
    let (st, b) = s
        .post(
            &s.lib(&format!("/folders/{f}/move")),
            json!({"destination_id": inner}),
        )
        .await;
    assert_error(st, &b, StatusCode::BAD_REQUEST);
    // `required` is a template folder's mark only.
    let (st, b) = s
        .post(
            &s.lib(&format!("/workspaces/{w}/folders")),
            json!({"name": "Must", "required": true}),
        )
        .await;
    assert_error(st, &b, StatusCode::BAD_REQUEST);
    // A template is removed as one, with its tree, never as a workspace.
    let (st, b) = s.delete(&s.lib(&format!("/workspaces/{t}"))).await;
    assert_error(st, &b, StatusCode::BAD_REQUEST);
    let (st, _) = s.delete(&s.lib(&format!("/templates/{t}"))).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(
        s.get(&s.lib(&format!("/folders/{f}"))).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get(&s.lib(&format!("/templates/{t}"))).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_template_choices_are_clean_errors_and_make_nothing() {
    let s = TestServer::start().await;
    let t = id(&created(&s, "/templates", json!({"name": "T"})).await);
    let w = s.create_workspace("Plain").await;
    s.dossier()
        .create_library("OTHER", "another library")
        .await
        .unwrap();
    let count = |v: Value| v["data"]["results"].as_array().map_or(0, Vec::len);
    let before = count(s.get_json(&s.lib("/workspaces")).await);
    for (body, field) in [
        (json!({"name": "a", "template_id": w}), "template_id"),
        (
            json!({"name": "a", "template_id": "ACTIVE!99999"}),
            "template_id",
        ),
        (
            json!({"name": "a", "template_id": "OTHER!1"}),
            "template_id",
        ),
        (
            json!({"name": "a", "template_id": "not an id"}),
            "template_id",
        ),
        (json!({"name": "a", "template_id": 12}), "template_id"),
        (
            json!({"name": "a", "template_id": t, "create_children": "some"}),
            "create_children",
        ),
    ] {
        let (st, b) = s.post(&s.lib("/workspaces"), body.clone()).await;
        assert_error(st, &b, StatusCode::BAD_REQUEST);
        assert_eq!(error_field(&b), field, "{body}: {b}");
    }
    assert_eq!(count(s.get_json(&s.lib("/workspaces")).await), before);

    // Only administrators and the template right make templates, or change them: edit
    // rights on a public template are not enough.
    let user = s.new_user("PLAIN", "a-long-passphrase-1").await;
    let shared = id(&created(
        &s,
        "/templates",
        json!({"name": "Shared", "default_security": "private",
               "user_trustees": [{"id": "PLAIN", "access_level": "full_access"}]}),
    )
    .await);
    let folder = id(&created(
        &s,
        &format!("/workspaces/{shared}/folders"),
        json!({"name": "F"}),
    )
    .await);
    for (method, path, body) in [
        (
            Method::POST,
            format!("/workspaces/{shared}/folders"),
            json!({"name": "mine"}),
        ),
        (
            Method::PATCH,
            format!("/templates/{shared}"),
            json!({"name": "renamed"}),
        ),
        (
            Method::PATCH,
            format!("/folders/{folder}"),
            json!({"name": "renamed"}),
        ),
        (Method::DELETE, format!("/folders/{folder}"), json!({})),
        (
            Method::POST,
            format!("/workspaces/{shared}/security"),
            json!({"include": [{"id": "PLAIN", "type": "user", "access_level": "full_access"}]}),
        ),
    ] {
        let (st, b) = s
            .send_json_as(&user, method.clone(), &s.lib(&path), body)
            .await;
        assert_error(st, &b, StatusCode::FORBIDDEN);
        assert!(
            b.to_string().contains("create_template"),
            "{method} {path}: {b}"
        );
    }
    // What the user may do with it: see it and open a matter from it.
    let listed = s
        .send_json_as(&user, Method::GET, &s.lib("/templates"), json!({}))
        .await
        .1;
    assert!(listed.to_string().contains(&shared), "{listed}");
    let (st, b) = s
        .send_json_as(
            &user,
            Method::POST,
            &s.lib("/templates"),
            json!({"name": "mine"}),
        )
        .await;
    assert_error(st, &b, StatusCode::FORBIDDEN);
    let (st, b) = s
        .send_json_as(
            &user,
            Method::DELETE,
            &s.lib(&format!("/templates/{t}")),
            json!({}),
        )
        .await;
    assert!(
        st == StatusCode::FORBIDDEN || st == StatusCode::NOT_FOUND,
        "{st} {b}"
    );
}

#[tokio::test]
async fn matter_types_open_with_their_mapped_template_or_the_default() {
    let s = TestServer::start().await;
    for t in ["LITIGATION", "CORPORATE", "TAX"] {
        lookup(&s, "custom3", t, None).await;
    }
    let lit = id(&created(&s, "/templates", json!({"name": "Litigation"})).await);
    created(
        &s,
        &format!("/workspaces/{lit}/folders"),
        json!({"name": "Pleadings"}),
    )
    .await;
    let general = id(&created(&s, "/templates", json!({"name": "General"})).await);
    created(
        &s,
        &format!("/workspaces/{general}/folders"),
        json!({"name": "Correspondence"}),
    )
    .await;

    // Settings are checked before they are kept.
    for (body, field) in [
        (
            json!({"matter_type_field": "custom18", "templates": {"LITIGATION": lit}}),
            "matter_type_field",
        ),
        (
            json!({"matter_type_field": "custom99"}),
            "matter_type_field",
        ),
        (
            json!({"templates": {"LITIGATION": lit}}),
            "matter_type_field",
        ),
        (
            json!({"matter_type_field": "custom3", "templates": {"LITIGATION": "ACTIVE!99999"}}),
            "templates",
        ),
        (
            json!({"matter_type_field": "custom3", "default_template": "OTHER!1"}),
            "default_template",
        ),
    ] {
        let (st, b) = s
            .send_json(Method::PUT, &s.lib("/matter-settings"), body.clone())
            .await;
        assert_error(st, &b, StatusCode::BAD_REQUEST);
        assert_eq!(error_field(&b), field, "{body}: {b}");
    }
    let (st, b) = s
        .send_json(
            Method::PUT,
            &s.lib("/matter-settings"),
            json!({"matter_type_field": "custom3", "templates": {"litigation": lit}, "default_template": general}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["templates"]["LITIGATION"], lit);
    assert_eq!(s.get_json(&s.lib("/matter-settings")).await, b);

    let folders = |v: Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    let w = id(&created(
        &s,
        "/workspaces",
        json!({"name": "A v B", "custom3": "LITIGATION"}),
    )
    .await);
    assert_eq!(
        folders(
            s.get_json(&s.lib(&format!("/workspaces/{w}/children")))
                .await
        ),
        vec!["Pleadings"]
    );
    let w = id(&created(
        &s,
        "/workspaces",
        json!({"name": "Tax advice", "custom3": "TAX"}),
    )
    .await);
    assert_eq!(
        folders(
            s.get_json(&s.lib(&format!("/workspaces/{w}/children")))
                .await
        ),
        vec!["Correspondence"]
    );
    // A template named wins over the mapping.
    let w = id(&created(
        &s,
        "/workspaces",
        json!({"name": "Odd", "custom3": "TAX", "template_id": lit}),
    )
    .await);
    assert_eq!(
        folders(
            s.get_json(&s.lib(&format!("/workspaces/{w}/children")))
                .await
        ),
        vec!["Pleadings"]
    );

    // A template a matter type opens with is not removed from under the mapping.
    let (st, b) = s.delete(&s.lib(&format!("/templates/{lit}"))).await;
    assert_error(st, &b, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_library_keeping_matters_unique_answers_the_existing_workspace() {
    let s = TestServer::start().await;
    lookup(&s, "custom1", "ACME", None).await;
    lookup(&s, "custom2", "0001", Some("ACME")).await;
    lookup(&s, "custom2", "0002", Some("ACME")).await;
    let (st, b) = s
        .send_json(
            Method::PUT,
            &s.lib("/matter-settings"),
            json!({"unique_matters": true}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let first = id(&created(
        &s,
        "/workspaces",
        json!({"name": "One", "custom1": "ACME", "custom2": "0001"}),
    )
    .await);
    let (st, b) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "One again", "custom1": "acme", "custom2": "0001"}),
        )
        .await;
    assert_error(st, &b, StatusCode::CONFLICT);
    assert_eq!(b["error"]["existing_id"], first);
    let two = id(&created(
        &s,
        "/workspaces",
        json!({"name": "Two", "custom1": "ACME", "custom2": "0002"}),
    )
    .await);
    // Nor does a change make a second one; a workspace keeps its own pair.
    let (st, b) = s
        .patch(
            &s.lib(&format!("/workspaces/{two}")),
            json!({"custom1": "ACME", "custom2": "0001"}),
        )
        .await;
    assert_error(st, &b, StatusCode::CONFLICT);
    assert_eq!(b["error"]["existing_id"], first);
    let (st, b) = s
        .patch(
            &s.lib(&format!("/workspaces/{first}")),
            json!({"custom1": "ACME", "custom2": "0001", "name": "One renamed"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
}

#[tokio::test]
async fn a_sandbox_library_gets_the_configuration_and_none_of_the_content() {
    let s = TestServer::start().await;
    lookup(&s, "custom3", "LITIGATION", None).await;
    lookup(&s, "custom1", "ACME", None).await;
    lookup(&s, "custom2", "0042", Some("ACME")).await;
    litigators(&s).await;
    let (st, b) = s
        .post(&s.lib("/classes"), json!({"id": "MATTERDOC", "description": "Matter document", "required_fields": ["custom3"]}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, b) = s
        .patch(&s.lib("/captions/custom3"), json!({"label": "Matter Type"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    // The extended-metadata catalogue: a taxonomy with a tree, and properties.
    created(
        &s,
        "/metadata/taxonomies",
        json!({"id": "areas", "name": "Practice areas"}),
    )
    .await;
    created(
        &s,
        "/metadata/taxonomies/areas/nodes",
        json!({"id": "ip", "label": "Intellectual property"}),
    )
    .await;
    created(
        &s,
        "/metadata/taxonomies/areas/nodes",
        json!({"id": "patents", "label": "Patents", "parent": "ip"}),
    )
    .await;
    created(
        &s,
        "/metadata/properties",
        json!({"id": "area", "caption": "Area", "kind": "taxonomy", "taxonomy": "areas"}),
    )
    .await;
    created(&s, "/metadata/properties", json!({"id": "stage", "caption": "Stage", "kind": "lookup", "lookup_values": ["Pleadings", "Trial"]})).await;
    let t = litigation_template(&s).await;
    let (st, b) = s
        .send_json(
            Method::PUT,
            &s.lib("/matter-settings"),
            json!({"matter_type_field": "custom3", "templates": {"LITIGATION": t}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let source_tree = tree(&s, &t).await;
    // Content, which a sandbox does not get.
    let w = id(&created(&s, "/workspaces", json!({"name": "Real matter", "custom1": "ACME", "custom2": "0042", "custom3": "LITIGATION"})).await);
    let children = s
        .get_json(&s.lib(&format!("/workspaces/{w}/children")))
        .await;
    let folder = id_of(&children["data"][0]);
    s.upload(
        &folder,
        "memo.txt",
        b"privileged",
        json!({"name": "Secret memo", "custom3": "LITIGATION"}),
    )
    .await;

    // Administrators only; a new id, well formed.
    let user = s.new_user("PLAIN", "a-long-passphrase-1").await;
    let (st, b) = s
        .send_json_as(
            &user,
            Method::POST,
            &s.lib("/sandbox"),
            json!({"id": "ASTEST"}),
        )
        .await;
    assert!(
        st == StatusCode::FORBIDDEN || st == StatusCode::NOT_FOUND,
        "{st} {b}"
    );
    // The administrator, with a token that was not granted the admin scope: refused.
    let (st, b) = s.post(&s.lib("/sandbox"), json!({"id": "ASTEST"})).await;
    assert_error(st, &b, StatusCode::FORBIDDEN);
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    for (body, status) in [
        (json!({"id": "ACTIVE"}), StatusCode::CONFLICT),
        (json!({"id": "not a library"}), StatusCode::BAD_REQUEST),
        (json!({}), StatusCode::BAD_REQUEST),
    ] {
        let (st, b) = s
            .send_json_as(&admin, Method::POST, &s.lib("/sandbox"), body)
            .await;
        assert_error(st, &b, status);
    }

    let (st, b) = s
        .send_json_as(
            &admin,
            Method::POST,
            &s.lib("/sandbox"),
            json!({"id": "ASTEST", "description": "Actionstep trial"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b["data"]["id"], "ASTEST");
    assert_eq!(b["data"]["copied"]["templates"], 1);
    let sandbox = |path: &str| format!("{}/work/api/v2/customers/1/libraries/ASTEST{path}", s.base);

    // The configuration came along…
    let classes = s.get_json(&sandbox("/classes/MATTERDOC")).await;
    assert_eq!(
        classes["data"]["required_fields"],
        json!(["custom3"]),
        "{classes}"
    );
    assert_eq!(b["data"]["copied"]["metadata_properties"], 2, "{b}");
    assert_eq!(b["data"]["copied"]["taxonomies"], 1, "{b}");
    let stage = s.get_json(&sandbox("/metadata/properties/stage")).await;
    assert_eq!(
        stage["data"]["lookup_values"],
        json!(["Pleadings", "Trial"]),
        "{stage}"
    );
    let node = s
        .get_json(&sandbox("/metadata/taxonomies/areas/nodes/patents"))
        .await;
    assert_eq!(node["data"]["parent"]["id"], "ip", "{node}");
    let caption = s.get_json(&sandbox("/captions/custom3")).await;
    assert_eq!(caption["data"][0]["label"], "Matter Type", "{caption}");
    let lookups = s
        .get_json(&sandbox("/customs/custom2/search?parent_alias=ACME"))
        .await;
    assert!(lookups.to_string().contains("0042"), "{lookups}");
    let templates = s.get_json(&sandbox("/templates")).await;
    let copy = id_of(&templates["data"]["results"][0]);
    assert!(copy.starts_with("ASTEST!"), "{templates}");
    let settings = s.get_json(&sandbox("/matter-settings")).await;
    assert_eq!(settings["data"]["templates"]["LITIGATION"], copy);
    let copied_tree: Vec<String> = {
        let mut lines = vec![];
        let mut pending = vec![(0usize, copy.clone())];
        while let Some((depth, cid)) = pending.pop() {
            let listed = s
                .get_json(&sandbox(&format!("/folders/{cid}/children")))
                .await;
            let mut subs: Vec<Value> = listed["data"].as_array().unwrap().clone();
            subs.sort_by(|a, b| b["name"].as_str().cmp(&a["name"].as_str()));
            for c in subs.iter().rev() {
                lines.push(format!(
                    "{}{} {} required={}",
                    "  ".repeat(depth),
                    c["folder_type"].as_str().unwrap(),
                    c["name"].as_str().unwrap(),
                    c["required"]
                ));
            }
            pending.extend(subs.iter().map(|c| (depth + 1, id_of(c))));
        }
        lines
    };
    assert_eq!(copied_tree.len(), source_tree.len(), "{copied_tree:#?}");
    assert!(
        copied_tree
            .iter()
            .any(|l| l.contains("Correspondence required=true")),
        "{copied_tree:#?}"
    );
    // …and works: a matter of the mapped type opens with the copied template.
    let (st, m) = s
        .post(&sandbox("/workspaces"), json!({"name": "Trial matter", "custom1": "ACME", "custom2": "0042", "custom3": "LITIGATION"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{m}");
    let kids = s
        .get_json(&sandbox(&format!(
            "/workspaces/{}/children",
            id(&m["data"])
        )))
        .await;
    assert_eq!(kids["data"].as_array().unwrap().len(), 4, "{kids}");

    // …and none of the content did.
    let workspaces = s.get_json(&sandbox("/workspaces")).await;
    let names: Vec<&str> = workspaces["data"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Trial matter"]);
    let docs = s.get_json(&sandbox("/documents?name=Secret*")).await;
    assert_eq!(
        docs["data"]["results"].as_array().map_or(0, Vec::len),
        0,
        "{docs}"
    );
}
