//! Core extended metadata through the connector: property ids by slot, a flow setting a
//! document's values and reading them back (through the façade and the Work API), the
//! slots staying put as the catalogue changes, taxonomy node search by query and by
//! parent, bad input refused by name, and unreadable documents and libraries told apart
//! from missing ones by nothing.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{answer, assert_facade_error, check_response, op, request};
use crate::harness::TestServer;

/// The taxonomy `areas` (Litigation; IP with Patents (Biotech) and Trade Marks; Tax) and
/// one property of each slot family the flow below fills.
async fn catalogue(s: &TestServer) {
    let (st, b) = s
        .post(
            &s.lib("/metadata/taxonomies"),
            json!({"id": "areas", "name": "Practice areas"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    for (id, label, parent) in [
        ("LIT", "Litigation", None),
        ("IP", "Intellectual Property", None),
        ("IP.PAT", "Patents", Some("IP")),
        ("IP.PAT.BIO", "Biotech patents", Some("IP.PAT")),
        ("IP.TM", "Trade Marks", Some("IP")),
        ("TAX", "Tax", None),
    ] {
        let (st, b) = s
            .post(
                &s.lib("/metadata/taxonomies/areas/nodes"),
                json!({"id": id, "label": label, "parent": parent}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    for body in [
        json!({"id": "note", "caption": "Note", "kind": "text"}),
        json!({"id": "amount", "caption": "Amount", "kind": "number"}),
        json!({"id": "deadline", "caption": "Deadline", "kind": "date"}),
        json!({"id": "privileged", "caption": "Privileged", "kind": "boolean"}),
        json!({"id": "practice", "caption": "Practice", "kind": "lookup",
               "lookup_values": ["IP", "Tax", "Litigation"]}),
        json!({"id": "reviewers", "caption": "Reviewers", "kind": "user", "multi": true}),
        json!({"id": "area", "caption": "Area", "kind": "taxonomy", "taxonomy": "areas"}),
        json!({"id": "topics", "caption": "Topics", "kind": "taxonomy", "multi": true,
               "taxonomy": "areas"}),
        json!({"id": "tags", "caption": "Tags", "kind": "text", "multi": true}),
    ] {
        let (st, b) = s.post(&s.lib("/metadata/properties"), body).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
}

/// A document filed in a new workspace; its id with version (`ACTIVE!n.1`).
async fn document(s: &TestServer, default_security: &str) -> String {
    let folder = s.folder().await;
    s.upload(
        &folder,
        "memo.txt",
        b"a memo",
        json!({"name": "memo", "default_security": default_security}),
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_string()
}

fn ids(b: &Value) -> Vec<(String, String)> {
    b["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().expect("id").to_string(),
                p["display_name"].as_str().expect("name").to_string(),
            )
        })
        .collect()
}

async fn property_ids(s: &TestServer, namespace: &str, kind: &str) -> Vec<(String, String)> {
    let o = op("GetExtendedPropertyIds");
    let values = BTreeMap::from([
        ("property_namespace", json!(namespace)),
        ("property_type", json!(kind)),
    ]);
    let (st, b) = answer(request(s, &s.token, &o, &values, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&o, &b);
    ids(&b)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

async fn set(s: &TestServer, token: &str, id: &str, em: Value) -> (StatusCode, Value) {
    let o = op("SetCoreEMPropertiesForDocument");
    let values = BTreeMap::from([("documentId", json!(id)), ("emProperties", em)]);
    answer(request(s, token, &o, &values, None)).await
}

async fn get(s: &TestServer, token: &str, id: &str) -> (StatusCode, Value) {
    let o = op("GetCoreEMPropertiesForDocument");
    let values = BTreeMap::from([("documentId", json!(id))]);
    answer(request(s, token, &o, &values, None)).await
}

#[tokio::test]
async fn a_flow_sets_em_values_and_reads_them_back() {
    let s = TestServer::start().await;
    catalogue(&s).await;
    // Values of a user property are members of the library.
    s.new_user("EMREVIEWER", "reviewer-password-1").await;
    s.new_user("EMPARTNER", "partner-password-1").await;
    let id = document(&s, "public").await;

    // The pickers: every property by slot, captioned; the taxonomy ones alone; lookups.
    let all = property_ids(&s, "extended_metadata", "all_core").await;
    assert_eq!(
        all,
        pairs(&[
            ("date1", "Deadline"),
            ("text1", "Note"),
            ("double1", "Amount"),
            ("bool1", "Privileged"),
            ("mv_text1", "Tags"),
            ("mv_user1", "Reviewers"),
            ("taxonomy1", "Area"),
            ("mv_taxonomy1", "Topics"),
            ("lookup1", "Practice"),
        ])
    );
    assert_eq!(
        property_ids(&s, "extended_metadata", "taxonomy_mv_taxonomy").await,
        pairs(&[("taxonomy1", "Area"), ("mv_taxonomy1", "Topics")])
    );
    assert_eq!(
        property_ids(&s, "extended_metadata", "mv_taxonomy").await,
        pairs(&[("mv_taxonomy1", "Topics")])
    );
    assert_eq!(
        property_ids(&s, "extended_metadata", "lookup").await,
        pairs(&[("lookup1", "Practice")])
    );
    assert!(property_ids(&s, "curation", "all_core").await.is_empty());

    // The flow sets one value of each slot; several separated by semicolons.
    let (st, b) = set(
        &s,
        &s.token,
        &id,
        json!([
            {"key": "text1", "value": "Hello <world>"},
            {"key": "double1", "value": "12.50"},
            {"key": "date1", "value": "2026-03-01T10:00:00+02:00"},
            {"key": "bool1", "value": "true"},
            {"key": "lookup1", "value": "ip"},
            {"key": "mv_user1", "value": "EMPARTNER; emreviewer"},
            {"key": "taxonomy1", "value": "IP.PAT"},
            {"key": "mv_taxonomy1", "value": "LIT;TAX"},
            {"key": "mv_text1", "value": "alpha;beta"},
        ]),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&op("SetCoreEMPropertiesForDocument"), &b);
    let (st, got) = get(&s, &s.token, &id).await;
    assert_eq!(st, StatusCode::OK, "{got}");
    check_response(&op("GetCoreEMPropertiesForDocument"), &got);
    assert_eq!(got, b, "Set answers what Get reads");
    let d = &got["data"];
    assert_eq!(d["text1"], "Hello <world>");
    assert_eq!(d["double1"], "12.5");
    assert_eq!(d["date1"], "2026-03-01T08:00:00Z");
    assert_eq!(d["bool1"], true);
    assert_eq!(
        d["lookup1"],
        json!({"id": "IP", "ssid": "IP", "description": "IP", "enabled": true})
    );
    assert_eq!(d["mv_user1"][0]["id"], "EMPARTNER");
    assert_eq!(d["mv_user1"][1]["id"], "EMREVIEWER");
    assert_eq!(d["mv_user1"][1]["enabled"], true);
    assert_eq!(d["mv_user1"][1]["is_external"], false);
    let ssids = format!(
        "{};{}",
        d["mv_user1"][0]["ssid"].as_str().expect("ssid"),
        d["mv_user1"][1]["ssid"].as_str().expect("ssid")
    );
    assert_eq!(d["all_mv_user1_ssids"], json!(ssids));
    assert_eq!(
        d["taxonomy1"],
        json!({"id": "IP.PAT", "ssid": "IP.PAT", "description": "Patents", "enabled": true})
    );
    assert_eq!(d["mv_taxonomy1"][1]["description"], "Tax");
    assert_eq!(d["all_mv_taxonomy1_ssids"], "LIT;TAX");
    assert_eq!(d["mv_text1"], json!(["alpha", "beta"]));
    assert_eq!(d["all_mv_text1"], "alpha;beta");
    assert_eq!(d["full_file_name"], "memo.txt");
    assert_eq!(d["latest"], "1");
    assert_eq!(d["is_latest"], true);
    assert!(
        d["document_url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/work/link/d/{id}"))),
        "{d}"
    );
    assert!(
        d["basic_properties"]
            .as_str()
            .is_some_and(|h| h.starts_with("<span>") && h.contains("memo.txt")),
        "{d}"
    );
    // The Work API reads the same values under the properties' own ids.
    let number = id.trim_end_matches(".1");
    let work = s
        .get_json(&s.lib(&format!("/documents/{number}/metadata")))
        .await;
    assert_eq!(work["data"]["note"], "Hello <world>", "{work}");
    assert_eq!(work["data"]["topics"], json!(["LIT", "TAX"]), "{work}");
    assert_eq!(work["data"]["practice"], "IP", "{work}");

    // `''` and `""` unset; what is not sent stays.
    let (st, b) = set(
        &s,
        &s.token,
        &id,
        json!([{"key": "text1", "value": "''"}, {"key": "mv_text1", "value": "\"\""}]),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (_, got) = get(&s, &s.token, &id).await;
    assert!(got["data"].get("text1").is_none(), "{got}");
    assert!(got["data"].get("all_mv_text1").is_none(), "{got}");
    assert_eq!(got["data"]["double1"], "12.5");
    let work = s
        .get_json(&s.lib(&format!("/documents/{number}/metadata")))
        .await;
    assert!(work["data"].get("note").is_none(), "{work}");

    // A new version: `latest` reads it, the values are the document's.
    let (st, b) = s
        .new_version(number, "memo.txt", b"a memo, revised", json!({}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let o = op("GetCoreEMPropertiesForDocument");
    let values = BTreeMap::from([("documentId", json!(id))]);
    let (_, v1) = answer(request(&s, &s.token, &o, &values, None)).await;
    assert_eq!(v1["data"]["latest"], "2");
    assert_eq!(v1["data"]["is_latest"], false);
    let (st, latest) = answer(
        s.http
            .post(super::url(
                &s,
                "/getCoreEMPropertiesForDocument",
                &[] as &[(&str, &str)],
            ))
            .bearer_auth(&s.token)
            .json(&json!({"documentId": id, "latest": true})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{latest}");
    check_response(&o, &latest);
    assert_eq!(latest["data"]["is_latest"], true);
    assert_eq!(latest["data"]["double1"], "12.5");
    s.stop().await;
}

#[tokio::test]
async fn slots_stay_with_their_properties_as_the_catalogue_changes() {
    let s = TestServer::start().await;
    for (id, caption) in [("alpha", "Alpha"), ("beta", "Beta"), ("gamma", "Gamma")] {
        let (st, b) = s
            .post(
                &s.lib("/metadata/properties"),
                json!({"id": id, "caption": caption, "kind": "text"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    let before = property_ids(&s, "extended_metadata", "all_core").await;
    assert_eq!(
        before,
        pairs(&[("text1", "Alpha"), ("text2", "Beta"), ("text3", "Gamma")])
    );
    // Removing one leaves the others' ids; a new one (sorting first by id) takes the free
    // slot, not another's.
    let (st, b) = s.delete(&s.lib("/metadata/properties/beta")).await;
    assert!(st.is_success(), "{b}");
    let (st, b) = s
        .post(
            &s.lib("/metadata/properties"),
            json!({"id": "aardvark", "caption": "Aardvark", "kind": "text"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(
        property_ids(&s, "extended_metadata", "all_core").await,
        pairs(&[
            ("text1", "Alpha"),
            ("text2", "Aardvark"),
            ("text3", "Gamma")
        ])
    );
    // Another family: a multi-valued text takes an mv_text slot and frees its text one.
    let (st, b) = s
        .patch(&s.lib("/metadata/properties/gamma"), json!({"multi": true}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        property_ids(&s, "extended_metadata", "all_core").await,
        pairs(&[
            ("text1", "Alpha"),
            ("text2", "Aardvark"),
            ("mv_text1", "Gamma")
        ])
    );
    s.stop().await;
}

async fn search(s: &TestServer, token: &str, extra: Value) -> (StatusCode, Value) {
    let o = op("SearchCoreEMTaxonomyNodeValues");
    let values = BTreeMap::from([
        ("libraryId", json!("ACTIVE")),
        ("taxonomyProperty", json!("mv_taxonomy1")),
    ]);
    let mut body = json!({"libraryId": "ACTIVE", "taxonomyProperty": "mv_taxonomy1"});
    for (k, v) in extra.as_object().expect("extra") {
        body[k] = v.clone();
    }
    // The swagger's request (required fields), with the optional ones added.
    let r = request(s, token, &o, &values, None).json(&body);
    let (st, b) = answer(r).await;
    if st == StatusCode::OK {
        check_response(&o, &b);
    }
    (st, b)
}

fn found(b: &Value) -> Vec<String> {
    b["data"]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn taxonomy_nodes_are_found_by_query_and_by_parent() {
    let s = TestServer::start().await;
    catalogue(&s).await;
    // By words of the label, with a wildcard, with the path to each.
    let (st, b) = search(&s, &s.token, json!({"query": "pat*", "include_path": true})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(found(&b), ["IP.PAT"]);
    let top = &b["data"]["topMatchingResult"];
    assert_eq!(top["id"], "IP.PAT");
    assert_eq!(top["ssid"], "IP.PAT");
    assert_eq!(top["description"], "Patents");
    assert_eq!(top["enabled"], true);
    assert_eq!(top["parent"], json!({"ssid": "IP"}));
    assert_eq!(top["path"], json!([{"id": "IP", "ssid": "IP"}]));
    assert_eq!(b["data"]["results"][0], *top);
    assert_eq!(b["data"]["all_taxonomy_ssids"], "IP.PAT");
    // A node deeper down: its whole path, the top first.
    let (_, b) = search(
        &s,
        &s.token,
        json!({"query": "biotech", "include_path": true}),
    )
    .await;
    assert_eq!(
        b["data"]["results"][0]["path"],
        json!([{"id": "IP", "ssid": "IP"}, {"id": "IP.PAT", "ssid": "IP.PAT"}])
    );
    // By id, whatever its case.
    let (_, b) = search(&s, &s.token, json!({"id": "ip.tm"})).await;
    assert_eq!(found(&b), ["IP.TM"]);
    assert!(b["data"]["results"][0].get("path").is_none(), "{b}");
    // The children of a node; everything under it; the top level (`''`).
    let (_, b) = search(&s, &s.token, json!({"children_of_ssid": "IP"})).await;
    assert_eq!(found(&b), ["IP.PAT", "IP.TM"]);
    assert_eq!(b["data"]["all_taxonomy_ssids"], "IP.PAT;IP.TM");
    let (_, b) = search(
        &s,
        &s.token,
        json!({"children_of_ssid": "IP", "immediate_children_only": false}),
    )
    .await;
    assert_eq!(found(&b), ["IP.PAT.BIO", "IP.PAT", "IP.TM"]);
    let (_, b) = search(&s, &s.token, json!({"children_of_ssid": "''"})).await;
    assert_eq!(found(&b), ["IP", "LIT", "TAX"]);
    assert!(b["data"]["results"][0].get("parent").is_none(), "{b}");
    // A disabled node: only when asked for.
    let (st, b) = s
        .patch(
            &s.lib("/metadata/taxonomies/areas/nodes/TAX"),
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (_, b) = search(&s, &s.token, json!({"children_of_ssid": "''"})).await;
    assert_eq!(found(&b), ["IP", "LIT"]);
    let (_, b) = search(&s, &s.token, json!({"enabled_state": "Disabled"})).await;
    assert_eq!(found(&b), ["TAX"]);
    assert_eq!(b["data"]["results"][0]["enabled"], false);
    let (_, b) = search(
        &s,
        &s.token,
        json!({"enabled_state": "Both Enabled and Disabled", "children_of_ssid": "\"\""}),
    )
    .await;
    assert_eq!(found(&b), ["IP", "LIT", "TAX"]);
    // Nothing found: no top match, empty lists.
    let (_, b) = search(&s, &s.token, json!({"query": "nothing"})).await;
    assert_eq!(b["data"], json!({"results": [], "all_taxonomy_ssids": ""}));
    s.stop().await;
}

#[tokio::test]
async fn bad_em_input_is_refused_by_name() {
    let s = TestServer::start().await;
    catalogue(&s).await;
    let id = document(&s, "public").await;
    // Missing required fields, per operation.
    let get_op = op("GetCoreEMPropertiesForDocument");
    let set_op = op("SetCoreEMPropertiesForDocument");
    let search_op = op("SearchCoreEMTaxonomyNodeValues");
    let ids_op = op("GetExtendedPropertyIds");
    let values = BTreeMap::from([
        ("documentId", json!(id)),
        ("emProperties", json!([{"key": "text1", "value": "x"}])),
        ("libraryId", json!("ACTIVE")),
        ("taxonomyProperty", json!("taxonomy1")),
        ("property_namespace", json!("extended_metadata")),
        ("property_type", json!("all_core")),
    ]);
    for (o, field) in [
        (&get_op, "documentId"),
        (&set_op, "documentId"),
        (&set_op, "emProperties"),
        (&search_op, "libraryId"),
        (&search_op, "taxonomyProperty"),
        (&ids_op, "property_namespace"),
        (&ids_op, "property_type"),
    ] {
        let (st, b) = answer(request(&s, &s.token, o, &values, Some(field))).await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            field,
            "{}: {b}",
            o.id
        );
    }
    // Wrong enum strings.
    for (name, bad) in [("property_namespace", "curated"), ("property_type", "text")] {
        let mut v = values.clone();
        v.insert(name, json!(bad));
        let (st, b) = answer(request(&s, &s.token, &ids_op, &v, None)).await;
        assert_eq!(assert_facade_error(st, &b, StatusCode::BAD_REQUEST), name);
    }
    let (st, b) = search(&s, &s.token, json!({"enabled_state": "enabled only"})).await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "enabled_state"
    );
    // A taxonomy property id that is not one; an unknown ancestor node.
    let (st, b) = search(&s, &s.token, json!({"taxonomyProperty": "text1"})).await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "taxonomyProperty"
    );
    let (st, b) = search(&s, &s.token, json!({"children_of_ssid": "NOPE"})).await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "children_of_ssid"
    );
    // A malformed id; an unknown document, library and taxonomy slot: 404.
    let mut v = values.clone();
    v.insert("documentId", json!("ACTIVE-1"));
    let (st, b) = answer(request(&s, &s.token, &get_op, &v, None)).await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "documentId"
    );
    for o in [&get_op, &set_op] {
        let mut v = values.clone();
        v.insert("documentId", json!("ACTIVE!999999.1"));
        let (st, b) = answer(request(&s, &s.token, o, &v, None)).await;
        assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    }
    let (st, b) = search(&s, &s.token, json!({"libraryId": "NOPE"})).await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    let (st, b) = search(&s, &s.token, json!({"taxonomyProperty": "taxonomy4"})).await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    // Values the catalogue refuses, by the property's key; nothing of the set is written.
    for (em, field) in [
        (json!([{"key": "text9", "value": "x"}]), "text9"),
        (json!([{"key": "double1", "value": "twelve"}]), "amount"),
        (json!([{"key": "lookup1", "value": "Family"}]), "practice"),
        (
            json!([{"key": "text1", "value": "ok"}, {"key": "taxonomy1", "value": "NOPE"}]),
            "area",
        ),
        (json!([{"key": "text1", "value": "x".repeat(1025)}]), "note"),
        (json!([{"key": "text1"}]), "value"),
        (json!([{"value": "x"}]), "key"),
        (json!("text1=x"), "emProperties"),
    ] {
        let (st, b) = set(&s, &s.token, &id, em.clone()).await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            field,
            "{em}: {b}"
        );
    }
    let (_, got) = get(&s, &s.token, &id).await;
    assert!(got["data"].get("text1").is_none(), "{got}");
    s.stop().await;
}

#[tokio::test]
async fn unreadable_documents_and_libraries_are_404s() {
    let s = TestServer::start().await;
    catalogue(&s).await;
    s.dossier()
        .create_library("OTHER", "another library")
        .await
        .expect("library");
    let member = s.new_user("EMOUTSIDER", "outsider-password-1").await;
    let private = document(&s, "private").await;
    let (st, b) = set(
        &s,
        &s.token,
        &private,
        json!([{"key": "text1", "value": "secret"}]),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let missing = "ACTIVE!999999.1";
    let (st, a) = get(&s, &member, &private).await;
    assert_facade_error(st, &a, StatusCode::NOT_FOUND);
    let (_, m) = get(&s, &member, missing).await;
    let shape = |b: &Value, id: &str| {
        b["error"]["message"]
            .as_str()
            .map(|m| m.replace(id, "X"))
            .expect("message")
    };
    let number = |id: &str| id.trim_end_matches(".1").to_string();
    assert_eq!(
        shape(&a, &number(&private)),
        shape(&m, &number(missing)),
        "a private document reads as a missing one"
    );
    assert!(!a.to_string().contains("secret"));
    let (st, b) = set(
        &s,
        &member,
        &private,
        json!([{"key": "text1", "value": "mine"}]),
    )
    .await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    let (_, got) = get(&s, &s.token, &private).await;
    assert_eq!(got["data"]["text1"], "secret");
    // A library the member is not in reads as a missing one.
    let (st, a) = search(&s, &member, json!({"libraryId": "OTHER"})).await;
    assert_facade_error(st, &a, StatusCode::NOT_FOUND);
    let (_, m) = search(&s, &member, json!({"libraryId": "NOPE"})).await;
    assert_eq!(shape(&a, "OTHER"), shape(&m, "NOPE"));
    // No token: 401.
    let (st, b) = answer(
        s.http
            .post(super::url(
                &s,
                "/getCoreEMPropertiesForDocument",
                &[] as &[(&str, &str)],
            ))
            .json(&json!({"documentId": private})),
    )
    .await;
    assert_facade_error(st, &b, StatusCode::UNAUTHORIZED);
    s.stop().await;
}
