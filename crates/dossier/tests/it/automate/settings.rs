//! The admin connector's lookups: field names with the library's captions, the alias
//! forms' schemas, an alias created and updated (read back through the Work API and the
//! connector), child aliases under their parent, bad input refused by name, and who may
//! call these at all (an administrator with an admin-scope token, sending the header).

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{answer, assert_facade_error, check_response, op, request};
use crate::harness::{ADMIN_PASSWORD, TestServer};

async fn admin_token(s: &TestServer) -> String {
    s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await
}

async fn call(
    s: &TestServer,
    token: &str,
    id: &str,
    values: &[(&'static str, Value)],
) -> (StatusCode, Value) {
    let o = op(id);
    let values: BTreeMap<&str, Value> = values.iter().cloned().collect();
    let (st, b) = answer(request(s, token, &o, &values, None)).await;
    if st == StatusCode::OK {
        check_response(&o, &b);
    }
    (st, b)
}

async fn aliases(
    s: &TestServer,
    token: &str,
    field: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut query = vec![("libraryId", "ACTIVE"), ("lookupFieldId", field)];
    query.extend_from_slice(extra);
    let o = op("GetLookupAliases");
    let (st, b) = answer(
        s.http
            .get(super::url(s, "/getLookupAliases", &query))
            .bearer_auth(token)
            .header("x-im-connector-id", "imanage-work-for-admins"),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&o, &b);
    b["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|a| {
            (
                a["id"].as_str().expect("id").to_string(),
                a["description"].as_str().expect("description").to_string(),
            )
        })
        .collect()
}

fn alias_body(field: &str, info: Value) -> Vec<(&'static str, Value)> {
    vec![
        ("libraryId", json!("ACTIVE")),
        ("lookupFieldId", json!(field)),
        ("aliasInfo", info),
    ]
}

#[tokio::test]
async fn the_admin_connector_creates_and_updates_an_alias() {
    let s = TestServer::start().await;
    let admin = admin_token(&s).await;
    let (st, b) = s
        .patch(&s.lib("/captions/custom3"), json!({"caption": "Practice"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");

    // The lookup fields, captioned where the library names them.
    let (st, b) = call(&s, &admin, "GetLookupFieldNames", &[]).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let fields: Vec<&str> = b["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|f| f["id"].as_str().expect("id"))
        .collect();
    let mut expected: Vec<String> = (1..=12).map(|n| format!("custom{n}")).collect();
    expected.extend(["custom29".to_string(), "custom30".to_string()]);
    assert_eq!(fields, expected);
    assert_eq!(
        b["data"][0],
        json!({"id": "custom1", "display_name": "Client"})
    );
    assert_eq!(
        b["data"][2],
        json!({"id": "custom3", "display_name": "Practice"})
    );
    assert_eq!(
        b["data"][3],
        json!({"id": "custom4", "display_name": "custom4"})
    );

    // The create form: a JSON Schema with the server's limits; a child field's has the
    // parent alias too.
    let (st, b) = call(
        &s,
        &admin,
        "GetCreateCustomOrPropertyLookupSchema",
        &[("lookupFieldId", json!("custom3"))],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let schema = &b["data"];
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["required"], json!(["id"]));
    assert_eq!(schema["properties"]["id"]["maxLength"], 64);
    assert_eq!(schema["properties"]["description"]["maxLength"], 254);
    assert_eq!(schema["properties"]["enabled"]["type"], "boolean");
    assert!(schema["properties"].get("parent").is_none());
    let (_, b) = call(
        &s,
        &admin,
        "GetCreateCustomOrPropertyLookupSchema",
        &[("lookupFieldId", json!("custom2"))],
    )
    .await;
    assert_eq!(b["data"]["required"], json!(["id", "parent"]));
    assert_eq!(
        b["data"]["properties"]["parent"]["title"],
        "Parent Client alias"
    );
    let (st, b) = call(
        &s,
        &admin,
        "GetUpdateCustomFieldSchema",
        &[("lookupFieldId", json!("custom30"))],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["required"], json!(["id", "parent"]));
    assert!(b["data"]["properties"]["enabled"].get("default").is_none());

    // A flow creates an alias with the form's fields …
    let (st, b) = call(
        &s,
        &admin,
        "CreateCustomOrPropertyLookup",
        &alias_body(
            "custom3",
            json!({"id": "tax", "description": "Tax matters"}),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b, json!({}));
    let work = s.get_json(&s.lib("/customs/custom3/TAX")).await;
    assert_eq!(work["data"]["description"], "Tax matters", "{work}");
    assert_eq!(work["data"]["enabled"], true, "{work}");
    assert_eq!(
        aliases(&s, &admin, "custom3", &[]).await,
        [("TAX".to_string(), "Tax matters".to_string())]
    );
    // … and updates it: a new description, disabled; `''` leaves nothing blank.
    let (st, b) = call(
        &s,
        &admin,
        "UpdateCustomField",
        &alias_body(
            "custom3",
            json!({"id": "TAX", "description": "Tax advice", "enabled": false}),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b, json!({}));
    let work = s.get_json(&s.lib("/customs/custom3/TAX")).await;
    assert_eq!(work["data"]["description"], "Tax advice", "{work}");
    assert_eq!(work["data"]["enabled"], false, "{work}");
    let (st, b) = call(
        &s,
        &admin,
        "UpdateCustomField",
        &alias_body("custom3", json!({"id": "tax", "enabled": true})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let work = s.get_json(&s.lib("/customs/custom3/TAX")).await;
    assert_eq!(work["data"]["description"], "Tax advice", "{work}");
    assert_eq!(work["data"]["enabled"], true, "{work}");

    // Child aliases: under their parent, listed per parent; the parent picker.
    for (field, info) in [
        ("custom1", json!({"id": "ACME", "description": "Acme Ltd"})),
        ("custom1", json!({"id": "GLOBEX", "description": "Globex"})),
        (
            "custom2",
            json!({"id": "M1", "description": "Acme merger", "parent": "acme"}),
        ),
        (
            "custom2",
            json!({"id": "M2", "description": "Globex audit", "parent": "GLOBEX"}),
        ),
    ] {
        let (st, b) = call(
            &s,
            &admin,
            "CreateCustomOrPropertyLookup",
            &alias_body(field, info),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{b}");
    }
    assert_eq!(
        aliases(&s, &admin, "custom2", &[("parentAlias", "ACME")]).await,
        [("M1".to_string(), "Acme merger".to_string())]
    );
    assert_eq!(aliases(&s, &admin, "custom2", &[]).await.len(), 2);
    let parents: Vec<String> = aliases(&s, &admin, "custom2", &[("getParentAliases", "true")])
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(parents, ["ACME", "GLOBEX"]);
    let work = s
        .get_json(&s.lib("/customs/custom2/M1?parent_alias=ACME"))
        .await;
    assert_eq!(work["data"]["description"], "Acme merger", "{work}");
    s.stop().await;
}

#[tokio::test]
async fn bad_alias_input_is_refused_by_name() {
    let s = TestServer::start().await;
    let admin = admin_token(&s).await;
    let values: BTreeMap<&str, Value> = BTreeMap::from([
        ("libraryId", json!("ACTIVE")),
        ("lookupFieldId", json!("custom3")),
        ("aliasInfo", json!({"id": "NEW"})),
    ]);
    // Each required parameter left out, per operation.
    for id in [
        "GetLookupAliases",
        "GetCreateCustomOrPropertyLookupSchema",
        "GetUpdateCustomFieldSchema",
        "CreateCustomOrPropertyLookup",
        "UpdateCustomField",
    ] {
        let o = op(id);
        let required: Vec<String> = o.op["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .map(|p| super::resolve(&o.root, p))
            .flat_map(|p| {
                if p["in"] == "body" {
                    super::resolve(&o.root, &p["schema"])["required"]
                        .as_array()
                        .expect("required")
                        .iter()
                        .map(|r| r.as_str().expect("name").to_string())
                        .collect::<Vec<_>>()
                } else if p["in"] == "query" && p["required"] == true {
                    vec![p["name"].as_str().expect("name").to_string()]
                } else {
                    vec![]
                }
            })
            .collect();
        assert!(!required.is_empty(), "{id}");
        for name in &required {
            let (st, b) = answer(request(&s, &admin, &o, &values, Some(name))).await;
            assert_eq!(
                assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
                *name,
                "{id}: {b}"
            );
        }
    }
    // Not a lookup field.
    for field in ["custom13", "custom31", "practice"] {
        let (st, b) = call(
            &s,
            &admin,
            "GetCreateCustomOrPropertyLookupSchema",
            &[("lookupFieldId", json!(field))],
        )
        .await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            "lookupFieldId"
        );
    }
    // Bad forms: not an object, a blank or too long alias, a too long description, a
    // child without its parent or under a parent that does not exist.
    let (st, b) = call(
        &s,
        &admin,
        "CreateCustomOrPropertyLookup",
        &[
            ("libraryId", json!("ACTIVE")),
            ("lookupFieldId", json!("custom13")),
            ("aliasInfo", json!({"id": "X"})),
        ],
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "lookupFieldId"
    );
    for (field, info, named) in [
        ("custom3", json!("TAX"), "aliasInfo"),
        ("custom3", json!({"description": "no alias"}), "id"),
        ("custom3", json!({"id": "''"}), "id"),
        ("custom3", json!({"id": "A".repeat(65)}), "id"),
        (
            "custom3",
            json!({"id": "LONG", "description": "d".repeat(255)}),
            "description",
        ),
        ("custom3", json!({"id": "E", "enabled": "yes"}), "enabled"),
        ("custom2", json!({"id": "M1"}), "parent"),
        ("custom2", json!({"id": "M1", "parent": "NOBODY"}), "parent"),
    ] {
        let (st, b) = call(
            &s,
            &admin,
            "CreateCustomOrPropertyLookup",
            &alias_body(field, info.clone()),
        )
        .await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            named,
            "{field} {info}: {b}"
        );
    }
    let work = s.get(&s.lib("/customs/custom3/LONG")).await;
    assert_eq!(work.status(), StatusCode::NOT_FOUND, "nothing half-written");
    // Twice the same alias: 409; an unknown alias or library: 404.
    let create = alias_body("custom3", json!({"id": "TAX"}));
    let (st, b) = call(&s, &admin, "CreateCustomOrPropertyLookup", &create).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = call(&s, &admin, "CreateCustomOrPropertyLookup", &create).await;
    assert_facade_error(st, &b, StatusCode::CONFLICT);
    let (st, b) = call(
        &s,
        &admin,
        "UpdateCustomField",
        &alias_body("custom3", json!({"id": "NOPE", "description": "x"})),
    )
    .await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    for id in ["CreateCustomOrPropertyLookup", "UpdateCustomField"] {
        let (st, b) = call(
            &s,
            &admin,
            id,
            &[
                ("libraryId", json!("NOPE")),
                ("lookupFieldId", json!("custom3")),
                ("aliasInfo", json!({"id": "TAX"})),
            ],
        )
        .await;
        assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    }
    let (st, b) = answer(
        s.http
            .get(super::url(
                &s,
                "/getLookupAliases",
                &[("libraryId", "NOPE"), ("lookupFieldId", "custom3")],
            ))
            .bearer_auth(&admin)
            .header("x-im-connector-id", "imanage-work-for-admins"),
    )
    .await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    let (st, b) = answer(
        s.http
            .get(super::url(
                &s,
                "/getLookupAliases",
                &[
                    ("libraryId", "ACTIVE"),
                    ("lookupFieldId", "custom3"),
                    ("getParentAliases", "maybe"),
                ],
            ))
            .bearer_auth(&admin)
            .header("x-im-connector-id", "imanage-work-for-admins"),
    )
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "getParentAliases"
    );
    s.stop().await;
}

#[tokio::test]
async fn only_administrators_with_the_admin_scope_and_the_header_may_call() {
    let s = TestServer::start().await;
    let admin = admin_token(&s).await;
    let member = s.new_user("LKMEMBER", "member-password-1").await;
    let values: BTreeMap<&str, Value> = BTreeMap::from([
        ("libraryId", json!("ACTIVE")),
        ("lookupFieldId", json!("custom3")),
        ("aliasInfo", json!({"id": "TAX"})),
    ]);
    let ids = [
        "GetLookupFieldNames",
        "GetLookupAliases",
        "GetCreateCustomOrPropertyLookupSchema",
        "GetUpdateCustomFieldSchema",
        "CreateCustomOrPropertyLookup",
        "UpdateCustomField",
    ];
    for id in ids {
        let o = op(id);
        // A member, and the administrator with a user-scope token: 403.
        for token in [&member, &s.token] {
            let (st, b) = answer(request(&s, token, &o, &values, None)).await;
            assert_facade_error(st, &b, StatusCode::FORBIDDEN);
        }
        // Without the connector's header: 400 naming it.
        let mut r = s
            .http
            .request(
                o.method.clone(),
                super::url(
                    &s,
                    &o.path,
                    &[("libraryId", "ACTIVE"), ("lookupFieldId", "custom3")],
                ),
            )
            .bearer_auth(&admin);
        if o.method != reqwest::Method::GET {
            r = r.json(&json!({"libraryId": "ACTIVE", "lookupFieldId": "custom3",
                "aliasInfo": {"id": "TAX"}}));
        }
        let (st, b) = answer(r).await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            "x-im-connector-id",
            "{id}"
        );
    }
    // Nothing was created by the refused calls.
    let r = s.get(&s.lib("/customs/custom3/TAX")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    s.stop().await;
}
