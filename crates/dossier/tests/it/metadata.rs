//! Extended metadata through the Work API: the property catalogue and who may change it,
//! taxonomy trees (build, search, move, import), values on documents checked against the
//! catalogue, and documents found by a value on the database and in the index.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestServer, assert_error, error_field};
use crate::search::{names, search};

fn props() -> &'static str {
    "/metadata/properties"
}

fn tax(path: &str) -> String {
    format!("/metadata/taxonomies/areas{path}")
}

async fn created(s: &TestServer, path: &str, body: Value) -> Value {
    let (st, b) = s.post(&s.lib(path), body).await;
    assert_eq!(st, StatusCode::CREATED, "POST {path}: {b}");
    b["data"].clone()
}

/// The taxonomy `areas`: Litigation, IP (Patents (Biotech), Trade Marks), Tax.
async fn areas(s: &TestServer) {
    created(
        s,
        "/metadata/taxonomies",
        json!({"id": "areas", "name": "Practice areas"}),
    )
    .await;
    for (id, label, parent) in [
        ("LIT", "Litigation", None),
        ("IP", "Intellectual Property", None),
        ("IP.PAT", "Patents", Some("IP")),
        ("IP.PAT.BIO", "Biotech patents", Some("IP.PAT")),
        ("IP.TM", "Trade Marks", Some("IP")),
        ("TAX", "Tax", None),
    ] {
        created(
            s,
            &tax("/nodes"),
            json!({"id": id, "label": label, "parent": parent}),
        )
        .await;
    }
}

/// One property of each kind.
async fn catalogue(s: &TestServer) {
    areas(s).await;
    for body in [
        json!({"id": "note", "caption": "Note", "kind": "text"}),
        json!({"id": "amount", "caption": "Amount", "kind": "number"}),
        json!({"id": "deadline", "caption": "Deadline", "kind": "date"}),
        json!({"id": "privileged", "caption": "Privileged", "kind": "boolean"}),
        json!({"id": "practice_area", "caption": "Practice area", "kind": "lookup",
               "lookup_values": ["IP", "Tax", "Litigation"]}),
        json!({"id": "reviewers", "caption": "Reviewers", "kind": "user", "multi": true}),
        json!({"id": "area", "caption": "Area", "kind": "taxonomy", "taxonomy": "areas"}),
        json!({"id": "tags", "caption": "Tags", "kind": "text", "multi": true}),
    ] {
        created(s, props(), body).await;
    }
}

async fn doc(s: &TestServer, folder: &str, name: &str, text: &str) -> String {
    s.upload(
        folder,
        &format!("{name}.txt"),
        text.as_bytes(),
        json!({"name": name}),
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_string()
}

fn meta(id: &str) -> String {
    format!("/documents/{id}/metadata")
}

#[tokio::test]
async fn the_catalogue_is_kept_by_library_administrators() {
    let s = TestServer::start().await;
    let clerk = s.new_user("CLERK", "clerk-password-1").await;
    catalogue(&s).await;

    // Members read it; only administrators change it.
    let (st, b) = s
        .send_json_as(&clerk, Method::GET, &s.lib(props()), Value::Null)
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let kinds: Vec<&str> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    for k in [
        "text", "number", "date", "boolean", "lookup", "user", "taxonomy",
    ] {
        assert!(kinds.contains(&k), "{k} in {b}");
    }
    for (method, path, body) in [
        (
            Method::POST,
            props().to_string(),
            json!({"id": "x", "caption": "X", "kind": "text"}),
        ),
        (
            Method::PATCH,
            format!("{}/note", props()),
            json!({"caption": "Notes"}),
        ),
        (Method::DELETE, format!("{}/note", props()), Value::Null),
        (
            Method::POST,
            "/metadata/taxonomies".into(),
            json!({"id": "t2", "name": "T"}),
        ),
        (
            Method::POST,
            tax("/nodes"),
            json!({"id": "N", "label": "N"}),
        ),
    ] {
        let (st, b) = s.send_json_as(&clerk, method, &s.lib(&path), body).await;
        assert_error(st, &b, StatusCode::FORBIDDEN);
    }

    // Bad definitions, each a 400 naming its field; a second `note` a 409.
    for (body, field) in [
        (json!({"id": "x", "caption": "X", "kind": "colour"}), "kind"),
        (json!({"id": "x", "caption": "X"}), "kind"),
        (
            json!({"id": "bad id", "caption": "X", "kind": "text"}),
            "id",
        ),
        (json!({"id": "x", "caption": "", "kind": "text"}), "caption"),
        (
            json!({"id": "x", "caption": "X", "kind": "lookup"}),
            "lookup_values",
        ),
        (
            json!({"id": "x", "caption": "X", "kind": "lookup", "lookup_values": ["a", "A"]}),
            "lookup_values",
        ),
        (
            json!({"id": "x", "caption": "X", "kind": "text", "lookup_values": ["a"]}),
            "lookup_values",
        ),
        (
            json!({"id": "x", "caption": "X", "kind": "taxonomy"}),
            "taxonomy",
        ),
        (
            json!({"id": "x", "caption": "X", "kind": "taxonomy", "taxonomy": "nope"}),
            "taxonomy",
        ),
        (
            json!({"id": "x", "caption": "X", "kind": "text", "multi": "yes"}),
            "multi",
        ),
    ] {
        let (st, b) = s.post(&s.lib(props()), body.clone()).await;
        assert_error(st, &b, StatusCode::BAD_REQUEST);
        assert_eq!(error_field(&b), field, "{body}: {b}");
    }
    let (st, b) = s
        .post(
            &s.lib(props()),
            json!({"id": "NOTE", "caption": "Again", "kind": "text"}),
        )
        .await;
    assert_error(st, &b, StatusCode::CONFLICT);
    let missing = s.get(&s.lib(&format!("{}/x", props()))).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // Changes: caption and lookups freely while unused; kind and lost values not once used.
    let (st, b) = s
        .patch(
            &s.lib(&format!("{}/note", props())),
            json!({"caption": "Notes", "kind": "number"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["kind"], "number");
    let folder = s.folder().await;
    let d = doc(&s, &folder, "Brief", "brief").await;
    let (st, b) = s
        .patch(&s.lib(&meta(&d)), json!({"note": 3, "practice_area": "IP"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = s
        .patch(
            &s.lib(&format!("{}/note", props())),
            json!({"kind": "text"}),
        )
        .await;
    assert_error(st, &b, StatusCode::CONFLICT);
    let (st, b) = s
        .patch(
            &s.lib(&format!("{}/practice_area", props())),
            json!({"lookup_values": ["Tax"]}),
        )
        .await;
    assert_error(st, &b, StatusCode::CONFLICT);
    let (st, b) = s
        .patch(
            &s.lib(&format!("{}/practice_area", props())),
            json!({"lookup_values": ["IP", "Tax", "Family"], "caption": "Area of law"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");

    // Deleting one in use takes its values only when asked to.
    let (st, b) = s.delete(&s.lib(&format!("{}/note", props()))).await;
    assert_error(st, &b, StatusCode::CONFLICT);
    let (st, _) = s
        .delete(&s.lib(&format!("{}/note?with_values=true", props())))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let b = s.get_json(&s.lib(&meta(&d))).await;
    assert_eq!(b["data"], json!({"practice_area": "IP"}));

    // A taxonomy a property uses stays.
    let (st, b) = s.delete(&s.lib(&tax(""))).await;
    assert_error(st, &b, StatusCode::CONFLICT);

    // Administrators' changes are audited.
    let admin = s
        .login_scoped("admin", crate::harness::ADMIN_PASSWORD, "user admin")
        .await;
    let (st, audit) = s
        .send_json_as(
            &admin,
            Method::GET,
            &format!("{}/work/api/v2/customers/1/audit-log?limit=500", s.base),
            Value::Null,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{audit}");
    let text = audit.to_string();
    for action in [
        "library.metadata.property.create",
        "library.metadata.property.update",
        "library.metadata.property.delete",
        "library.metadata.taxonomy.change",
    ] {
        assert!(text.contains(action), "{action} in the audit log");
    }
    let update = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "library.metadata.property.update")
        .unwrap_or_else(|| panic!("an update in {audit}"));
    assert!(update.to_string().contains("\"before\""), "{update}");
    s.stop().await;
}

fn node_ids(b: &Value) -> Vec<String> {
    b["data"]["results"]
        .as_array()
        .unwrap_or_else(|| panic!("results in {b}"))
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn taxonomy_trees_are_built_searched_and_moved_without_cycles() {
    let s = TestServer::start().await;
    areas(&s).await;

    // Search by the start of any word of the label, or of the id; in label order, paged.
    let b = s.get_json(&s.lib(&tax("/nodes?query=pat"))).await;
    assert_eq!(node_ids(&b), ["IP.PAT.BIO", "IP.PAT"]);
    let b = s.get_json(&s.lib(&tax("/nodes?query=marks"))).await;
    assert_eq!(node_ids(&b), ["IP.TM"]);
    let b = s.get_json(&s.lib(&tax("/nodes?query=ip&limit=2"))).await;
    assert_eq!(b["total_count"], 4, "{b}");
    assert_eq!(node_ids(&b).len(), 2);
    let b = s
        .get_json(&s.lib(&tax("/nodes?query=ip&limit=2&offset=2")))
        .await;
    assert_eq!(node_ids(&b).len(), 2);
    let b = s.get_json(&s.lib(&tax("/nodes?query=*ent*"))).await;
    assert_eq!(node_ids(&b), ["IP.PAT.BIO", "IP.PAT"]);

    // The connector's search: children of a node, all below it, the top level, the path.
    let (st, b) = s
        .post(
            &s.lib(&tax("/nodes/search")),
            json!({"children_of_ssid": "IP", "include_path": true}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(node_ids(&b), ["IP.PAT", "IP.TM"]);
    assert_eq!(b["data"]["topMatchingResult"]["path"][0]["id"], "IP");
    let (_, b) = s
        .post(
            &s.lib(&tax("/nodes/search")),
            json!({"children_of_ssid": "IP", "immediate_children_only": false}),
        )
        .await;
    assert_eq!(node_ids(&b), ["IP.PAT.BIO", "IP.PAT", "IP.TM"]);
    let (_, b) = s
        .post(
            &s.lib(&tax("/nodes/search")),
            json!({"children_of_ssid": ""}),
        )
        .await;
    assert_eq!(node_ids(&b), ["IP", "LIT", "TAX"]);
    let (_, b) = s
        .post(&s.lib(&tax("/nodes/search")), json!({"id": "ip.tm"}))
        .await;
    assert_eq!(node_ids(&b), ["IP.TM"]);
    let (st, b) = s
        .post(
            &s.lib(&tax("/nodes/search")),
            json!({"enabled_state": "sometimes"}),
        )
        .await;
    assert_error(st, &b, StatusCode::BAD_REQUEST);
    let (st, b) = s
        .post(
            &s.lib(&tax("/nodes/search")),
            json!({"query": "ip", "limit": 1, "offset": 3}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        (node_ids(&b), b["total_count"].clone()),
        (vec!["IP.TM".to_string()], json!(4))
    );
    for bad in [
        json!({"limit": 0}),
        json!({"limit": "ten"}),
        json!({"offset": -1}),
    ] {
        let (st, b) = s.post(&s.lib(&tax("/nodes/search")), bad).await;
        assert_error(st, &b, StatusCode::BAD_REQUEST);
    }

    // A move under itself or its own descendant is refused, and nothing moves.
    for parent in ["IP", "IP.PAT.BIO"] {
        let (st, b) = s
            .patch(&s.lib(&tax("/nodes/IP")), json!({"parent": parent}))
            .await;
        assert_error(st, &b, StatusCode::BAD_REQUEST);
        assert_eq!(error_field(&b), "parent");
    }
    let b = s.get_json(&s.lib(&tax("/nodes/IP"))).await;
    assert_eq!(b["data"]["parent"], Value::Null);
    let (st, b) = s
        .patch(&s.lib(&tax("/nodes/IP.PAT")), json!({"parent": "NOWHERE"}))
        .await;
    assert_error(st, &b, StatusCode::BAD_REQUEST);

    // A real move and a rename.
    let (st, b) = s
        .patch(
            &s.lib(&tax("/nodes/IP.PAT")),
            json!({"parent": "LIT", "label": "Patent litigation"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let b = s.get_json(&s.lib(&tax("/nodes/IP.PAT.BIO"))).await;
    let path: Vec<&str> = b["data"]["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(path, ["LIT", "IP.PAT"]);

    // Removing: a node with children is a 409, a leaf goes; a duplicate id is a 409.
    let (st, b) = s.delete(&s.lib(&tax("/nodes/IP.PAT"))).await;
    assert_error(st, &b, StatusCode::CONFLICT);
    let (st, _) = s.delete(&s.lib(&tax("/nodes/IP.PAT.BIO"))).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, b) = s
        .post(
            &s.lib(&tax("/nodes")),
            json!({"id": "TAX", "label": "Again"}),
        )
        .await;
    assert_error(st, &b, StatusCode::CONFLICT);
    let missing = s.get(&s.lib("/metadata/taxonomies/none/nodes")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    s.stop().await;
}

fn count_nodes(b: &Value) -> i64 {
    b["total_count"]
        .as_i64()
        .unwrap_or_else(|| panic!("total in {b}"))
}

#[tokio::test]
async fn a_taxonomy_import_is_all_or_nothing_and_bounded() {
    let s = TestServer::start().await;
    areas(&s).await;
    let all = tax("/nodes?enabled_state=both");
    assert_eq!(count_nodes(&s.get_json(&s.lib(&all)).await), 6);

    let tree = json!({"parent": "IP", "nodes": [
        {"id": "IP.COPY", "label": "Copyright", "children": [
            {"id": "IP.COPY.SW", "label": "Software"},
            {"id": "IP.COPY.MUSIC", "label": "Music"}]},
        {"id": "IP.DESIGN", "label": "Designs"}]});
    let (st, b) = s.post(&s.lib(&tax("/import")), tree).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b["data"]["imported"], 4);
    let b = s.get_json(&s.lib(&tax("/nodes/IP.COPY.SW"))).await;
    assert_eq!(b["data"]["path"][0]["id"], "IP");
    assert_eq!(count_nodes(&s.get_json(&s.lib(&all)).await), 10);

    // A clash with an existing node, a repeat inside the tree, a bad id deep down, too
    // many nodes: each refused whole.
    let many: Vec<Value> = (0..20_001)
        .map(|i| json!({"id": format!("N{i}"), "label": "n"}))
        .collect();
    for body in [
        json!({"nodes": [{"id": "NEW1", "label": "New"}, {"id": "TAX", "label": "Clash"}]}),
        json!({"nodes": [{"id": "NEW1", "label": "a", "children": [{"id": "NEW1", "label": "b"}]}]}),
        json!({"nodes": [{"id": "NEW1", "label": "a", "children": [{"id": "bad id", "label": "b"}]}]}),
        json!({"nodes": [{"id": "NEW1"}]}),
        json!({"nodes": "NEW1"}),
        json!({"nodes": many}),
    ] {
        let (st, b) = s.post(&s.lib(&tax("/import")), body).await;
        assert_error(st, &b, StatusCode::BAD_REQUEST);
    }
    assert_eq!(count_nodes(&s.get_json(&s.lib(&all)).await), 10);

    // A 10 MB body: refused in the envelope before it is read through, nothing written.
    let label = "x".repeat(200);
    let big: Vec<Value> = (0..50_000)
        .map(|i| json!({"id": format!("B{i}"), "label": label}))
        .collect();
    let body = json!({"nodes": big});
    assert!(body.to_string().len() >= 10_000_000);
    let (st, b) = s.post(&s.lib(&tax("/import")), body).await;
    let code = assert_error(st, &b, StatusCode::BAD_REQUEST);
    assert_eq!(code, "NRC_INVALID_INPUT");
    assert!(
        b["error"]["code_message"].as_str().unwrap().contains("MiB"),
        "{b}"
    );
    assert_eq!(count_nodes(&s.get_json(&s.lib(&all)).await), 10);
    s.stop().await;
}

#[tokio::test]
async fn values_of_every_kind_are_checked_and_read_back() {
    let s = TestServer::start().await;
    s.new_user("JDOE", "jdoe-password-1").await;
    catalogue(&s).await;
    let folder = s.folder().await;
    let d = doc(&s, &folder, "Opinion", "opinion").await;
    assert_eq!(s.get_json(&s.lib(&meta(&d))).await["data"], json!({}));

    let (st, b) = s
        .patch(
            &s.lib(&meta(&d)),
            json!({
                "note": "Draft for the partner",
                "amount": "1250.50",
                "deadline": "2027-03-01",
                "privileged": true,
                "practice_area": "ip",
                "reviewers": ["jdoe", "ADMIN", "JDoe"],
                "area": "IP.PAT",
                "tags": ["urgent", "client"],
            }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let expected = json!({
        "note": "Draft for the partner",
        "amount": 1250.5,
        "deadline": "2027-03-01T00:00:00Z",
        "privileged": true,
        "practice_area": "IP",
        "reviewers": ["JDOE", "ADMIN"],
        "area": "IP.PAT",
        "tags": ["urgent", "client"],
    });
    assert_eq!(b["data"], expected);
    assert_eq!(s.get_json(&s.lib(&meta(&d))).await["data"], expected);

    // Each bad value a 400 naming its property; a request with one bad value writes none
    // of its good ones.
    let (st, b) = s
        .patch(
            &s.lib(&format!("{}/privileged", props())),
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    for (body, field) in [
        (json!({"amount": "twelve"}), "amount"),
        (json!({"deadline": "31/02/2027"}), "deadline"),
        (json!({"practice_area": "Family"}), "practice_area"),
        (json!({"reviewers": ["NOBODY"]}), "reviewers"),
        (json!({"area": "IP.NOPE"}), "area"),
        (json!({"practice_area": ["IP", "Tax"]}), "practice_area"),
        (json!({"colour": "red"}), "colour"),
        (json!({"privileged": false}), "privileged"),
        (json!({"tags": [{"a": 1}]}), "tags"),
        (json!({"note": "changed", "amount": "many"}), "amount"),
    ] {
        let (st, b) = s.patch(&s.lib(&meta(&d)), body.clone()).await;
        assert_error(st, &b, StatusCode::BAD_REQUEST);
        assert_eq!(error_field(&b), field, "{body}: {b}");
    }
    assert_eq!(s.get_json(&s.lib(&meta(&d))).await["data"], expected);

    // A disabled node takes no new documents.
    s.patch(&s.lib(&tax("/nodes/TAX")), json!({"enabled": false}))
        .await;
    let (st, b) = s.patch(&s.lib(&meta(&d)), json!({"area": "TAX"})).await;
    assert_error(st, &b, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&b), "area");

    // Clearing; a required property cannot be cleared.
    let (st, b) = s
        .patch(&s.lib(&meta(&d)), json!({"tags": null, "note": ""}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert!(
        b["data"].get("tags").is_none() && b["data"].get("note").is_none(),
        "{b}"
    );
    s.patch(
        &s.lib(&format!("{}/amount", props())),
        json!({"required": true}),
    )
    .await;
    let (st, b) = s.patch(&s.lib(&meta(&d)), json!({"amount": null})).await;
    assert_error(st, &b, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&b), "amount");

    // The connector's form: `emProperties` with values separated by semicolons.
    let (st, b) = s
        .patch(
            &s.lib(&meta(&d)),
            json!({"emProperties": [{"key": "tags", "value": "a;b"}, {"key": "amount", "value": "7"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["tags"], json!(["a", "b"]));
    assert_eq!(b["data"]["amount"], json!(7.0));

    // Each change is in the document's history.
    let history = s.get_json(&s.lib(&format!("/documents/{d}/history"))).await;
    let edits = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| {
            h["activity"] == "MODIFY"
                && h["comments"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("Extended metadata")
        })
        .count();
    assert_eq!(edits, 3, "{history}");
    s.stop().await;
}

#[tokio::test]
async fn metadata_follows_the_document_s_security() {
    let s = TestServer::start().await;
    let clerk = s.new_user("CLERK", "clerk-password-1").await;
    catalogue(&s).await;
    let (st, ws) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "Secret", "default_security": "private"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{ws}");
    let folder = s
        .create_folder(ws["data"]["id"].as_str().unwrap(), "Docs")
        .await;
    let d = doc(&s, &folder, "Secret memo", "bluebird").await;
    s.patch(&s.lib(&meta(&d)), json!({"practice_area": "Tax"}))
        .await;

    for method in [Method::GET, Method::PATCH] {
        let (st, b) = s
            .send_json_as(
                &clerk,
                method,
                &s.lib(&meta(&d)),
                json!({"practice_area": "IP"}),
            )
            .await;
        assert_error(st, &b, StatusCode::NOT_FOUND);
    }
    let (st, b) = s
        .post(
            &s.lib(&format!("/documents/{d}/security")),
            json!({"include": [{"id": "CLERK", "type": "user", "access_level": "read"}]}),
        )
        .await;
    assert!(st.is_success(), "{b}");
    let (st, b) = s
        .send_json_as(&clerk, Method::GET, &s.lib(&meta(&d)), Value::Null)
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["practice_area"], "Tax");
    let (st, b) = s
        .send_json_as(
            &clerk,
            Method::PATCH,
            &s.lib(&meta(&d)),
            json!({"practice_area": "IP"}),
        )
        .await;
    assert_error(st, &b, StatusCode::FORBIDDEN);
    s.stop().await;
}

#[tokio::test]
async fn documents_are_found_by_a_value_on_the_database_and_in_the_index() {
    let s = TestServer::start().await;
    let clerk = s.new_user("CLERK", "clerk-password-1").await;
    catalogue(&s).await;
    let folder = s.folder().await;
    let a = doc(&s, &folder, "Patent brief", "kingfisher licence terms").await;
    let b = doc(&s, &folder, "Tax opinion", "kingfisher tax position").await;
    let c = doc(&s, &folder, "Trade mark letter", "kingfisher brand").await;
    for (id, body) in [
        (
            &a,
            json!({"practice_area": "IP", "area": "IP.PAT.BIO", "tags": ["x", "y"]}),
        ),
        (
            &b,
            json!({"practice_area": "Tax", "area": "TAX", "tags": ["y"]}),
        ),
        (&c, json!({"practice_area": "IP", "area": "IP.TM"})),
    ] {
        let (st, r) = s.patch(&s.lib(&meta(id)), body).await;
        assert_eq!(st, StatusCode::OK, "{r}");
    }
    // A private one the clerk may not read, holding the same value.
    let (_, ws) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "Secret", "default_security": "private"}),
        )
        .await;
    let secret_folder = s
        .create_folder(ws["data"]["id"].as_str().unwrap(), "Docs")
        .await;
    let hidden = doc(&s, &secret_folder, "Secret patent", "kingfisher secret").await;
    s.patch(
        &s.lib(&meta(&hidden)),
        json!({"practice_area": "IP", "area": "IP.PAT"}),
    )
    .await;
    s.wait_for_index().await;

    // The database path (profile filters only) and the index path (with words), alike.
    for words in ["", "&anywhere=kingfisher"] {
        for (filter, admin_sees, clerk_sees) in [
            (
                "metadata.practice_area=ip",
                vec!["Patent brief", "Secret patent", "Trade mark letter"],
                vec!["Patent brief", "Trade mark letter"],
            ),
            (
                "metadata.practice_area=Tax",
                vec!["Tax opinion"],
                vec!["Tax opinion"],
            ),
            (
                "metadata.tags=Y",
                vec!["Patent brief", "Tax opinion"],
                vec!["Patent brief", "Tax opinion"],
            ),
            (
                "metadata.tags=y&metadata.practice_area=IP",
                vec!["Patent brief"],
                vec!["Patent brief"],
            ),
            // A taxonomy node finds everything under it.
            (
                "metadata.area=IP",
                vec!["Patent brief", "Secret patent", "Trade mark letter"],
                vec!["Patent brief", "Trade mark letter"],
            ),
            (
                "metadata.area=IP.PAT",
                vec!["Patent brief", "Secret patent"],
                vec!["Patent brief"],
            ),
            ("metadata.area=LIT", vec![], vec![]),
        ] {
            let query = format!("{filter}{words}&total=true");
            let (st, body) = search(&s, &s.token, &query).await;
            assert_eq!(st, StatusCode::OK, "{query}: {body}");
            assert_eq!(names(&body), admin_sees, "{query}: {body}");
            assert_eq!(body["total_count"], admin_sees.len(), "{query}: {body}");
            let (st, body) = search(&s, &clerk, &query).await;
            assert_eq!(st, StatusCode::OK, "{query}: {body}");
            assert_eq!(names(&body), clerk_sees, "{query} as the clerk: {body}");
            assert_eq!(body["total_count"], clerk_sees.len(), "{query}: {body}");
        }
    }

    // The POST search takes the same filters.
    let (st, body) = s
        .post(
            &s.lib("/documents/search"),
            json!({"filters": {"metadata.practice_area": "Tax", "anywhere": "kingfisher"}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(1), "{body}");

    // A value changed is found by its new value at once on the database, after indexing in
    // the index.
    s.patch(&s.lib(&meta(&b)), json!({"practice_area": "IP"}))
        .await;
    let (_, body) = search(&s, &s.token, "metadata.practice_area=Tax").await;
    assert!(names(&body).is_empty(), "{body}");
    s.wait_for_index().await;
    let (_, body) = search(
        &s,
        &s.token,
        "metadata.practice_area=Tax&anywhere=kingfisher",
    )
    .await;
    assert!(names(&body).is_empty(), "{body}");

    // Bad conditions are refused, naming the filter.
    for (query, field) in [
        ("metadata.colour=red", "metadata.colour"),
        ("metadata.practice_area=Family", "metadata.practice_area"),
        (
            "metadata.amount=lots&anywhere=kingfisher",
            "metadata.amount",
        ),
    ] {
        let (st, body) = search(&s, &s.token, query).await;
        assert_error(st, &body, StatusCode::BAD_REQUEST);
        assert_eq!(error_field(&body), field, "{query}: {body}");
    }
    s.stop().await;
}

#[tokio::test]
async fn a_copy_takes_the_values_and_a_deleted_document_leaves_none() {
    let s = TestServer::start().await;
    catalogue(&s).await;
    let folder = s.folder().await;
    let d = doc(&s, &folder, "Lease", "lease").await;
    let (st, b) = s
        .patch(&s.lib(&meta(&d)), json!({"amount": 12, "tags": ["a", "b"]}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, copy) = s
        .post(
            &s.lib(&format!("/documents/{d}/copy")),
            json!({"folder_id": folder}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{copy}");
    let copy = copy["data"]["id"].as_str().unwrap().to_string();
    let values = s.get_json(&s.lib(&meta(&copy))).await["data"].clone();
    assert_eq!(values, json!({"amount": 12.0, "tags": ["a", "b"]}));

    // The copy's values are its own.
    s.patch(&s.lib(&meta(&copy)), json!({"tags": "c"})).await;
    assert_eq!(
        s.get_json(&s.lib(&meta(&d))).await["data"]["tags"],
        json!(["a", "b"])
    );

    // Once both are deleted and purged no document holds `amount`: its kind may change
    // again. In the recycle bin they still hold their values, which a restore brings back.
    for id in [&d, &copy] {
        let (st, b) = s.delete(&s.lib(&format!("/documents/{id}"))).await;
        assert!(st.is_success(), "{b}");
    }
    let (st, b) = s
        .patch(
            &s.lib(&format!("{}/amount", props())),
            json!({"kind": "text"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    for id in [&d, &copy] {
        let number = id.trim_start_matches("ACTIVE!").split('.').next().unwrap();
        let (st, b) = s
            .delete(&s.lib(&format!("/trash-bin/documents/ACTIVE!{number}")))
            .await;
        assert_eq!(st, StatusCode::NO_CONTENT, "{b}");
    }
    let (st, b) = s
        .patch(
            &s.lib(&format!("{}/amount", props())),
            json!({"kind": "text"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    s.stop().await;
}

#[tokio::test]
async fn values_come_with_an_upload_and_required_ones_must() {
    let s = TestServer::start().await;
    catalogue(&s).await;
    let folder = s.folder().await;
    let upload = |profile: Value| {
        s.upload_raw(
            &folder,
            TestServer::upload_form(
                json!({ "doc_profile": profile }),
                "memo.txt",
                b"memo".to_vec(),
            ),
        )
    };
    let count = || async {
        s.get_json(&s.lib(&format!("/folders/{folder}/documents")))
            .await["data"]
            .as_array()
            .map_or(0, Vec::len)
    };

    let (st, b) =
        upload(json!({"name": "Memo", "metadata": {"practice_area": "tax", "tags": ["a"]}})).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let id = b["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        s.get_json(&s.lib(&meta(&id))).await["data"],
        json!({"practice_area": "Tax", "tags": ["a"]})
    );
    assert_eq!(count().await, 1);

    // A bad value, and (once a property is required) a missing one: no document.
    let (st, b) = upload(json!({"name": "Bad", "metadata": {"amount": "lots"}})).await;
    assert_error(st, &b, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&b), "amount");
    let (st, b) = upload(json!({"name": "Bad", "metadata": "tax"})).await;
    assert_error(st, &b, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&b), "metadata");
    let (st, b) = s
        .patch(
            &s.lib(&format!("{}/practice_area", props())),
            json!({"required": true}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = upload(json!({"name": "Unclassified"})).await;
    assert_error(st, &b, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&b), "practice_area");
    assert_eq!(count().await, 1);
    let (st, b) = upload(json!({"name": "Classified", "metadata": {"practice_area": "IP"}})).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(count().await, 2);

    // A new version may change them too; it needs none.
    let (st, b) = s
        .new_version(
            &id,
            "memo2.txt",
            b"memo two",
            json!({"doc_profile": {"metadata": {"tags": ["b"]}}}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(
        s.get_json(&s.lib(&meta(&id))).await["data"],
        json!({"practice_area": "Tax", "tags": ["b"]})
    );
    s.stop().await;
}

#[tokio::test]
async fn a_search_under_a_large_subtree_pages_it_whole() {
    let s = TestServer::start().await;
    areas(&s).await;
    // More nodes under one branch than a statement binds as parameters at once.
    let children: Vec<Value> = (0..1200)
        .map(|i| json!({"id": format!("IP.N{i:04}"), "label": format!("Node {i:04}")}))
        .collect();
    let (st, b) = s
        .post(
            &s.lib(&tax("/import")),
            json!({"parent": "IP", "nodes": [{"id": "IP.BIG", "label": "Big", "children": children}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, b) = s
        .post(
            &s.lib(&tax("/nodes/search")),
            json!({"children_of_ssid": "IP.BIG", "immediate_children_only": false, "query": "node", "limit": 10, "offset": 1195}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(count_nodes(&b), 1200, "{b}");
    let ids: Vec<&str> = b["data"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec!["IP.N1195", "IP.N1196", "IP.N1197", "IP.N1198", "IP.N1199"]
    );
}
