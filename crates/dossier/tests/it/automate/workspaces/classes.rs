//! GetClasses and GetSubclasses, and the class default security both surfaces share.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::super::{answer, assert_facade_error, check_response, created, op, url};
use super::{call_ok, refused, values};
use crate::harness::TestServer;

#[tokio::test]
async fn classes_and_subclasses_carry_their_default_security() {
    let s = TestServer::start().await;
    for (id, description, security) in [
        ("PETITION", "Petitions", "view"),
        ("BRIEF", "Briefs", "private"),
    ] {
        created(
            &s,
            "/classes",
            json!({"id": id, "description": description, "default_security": security, "subclass_required": true}),
        )
        .await;
    }
    created(
        &s,
        "/classes/PETITION/subclasses",
        json!({"id": "URGENT", "description": "Urgent petitions", "default_security": "private", "hipaa": true}),
    )
    .await;
    // The Work API shows and refuses what the façade shows and refuses.
    let one = s.get_json(&s.lib("/classes/PETITION")).await;
    assert_eq!(one["data"]["default_security"], "view");
    let (st, b) = s
        .post(
            &s.lib("/classes"),
            json!({"id": "MEMO", "default_security": "inherit"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");
    let (st, b) = s
        .patch(
            &s.lib("/classes/BRIEF"),
            json!({"default_security": "public"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");

    let lib = values(&[
        ("libraryId", json!("ACTIVE")),
        ("classId", json!("PETITION")),
    ]);
    let classes = |q: &'static [(&'static str, &'static str)]| {
        let s = &s;
        async move {
            let mut query = vec![("libraryId", "ACTIVE")];
            query.extend_from_slice(q);
            let (st, b) = answer(
                s.http
                    .get(url(s, "/getClasses", &query))
                    .bearer_auth(&s.token),
            )
            .await;
            assert_eq!(st, StatusCode::OK, "{b}");
            check_response(&op("GetClasses"), &b);
            b["data"].clone()
        }
    };
    let ids = |d: &Value| -> Vec<String> {
        d["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_string())
            .collect()
    };
    let all = call_ok(&s, &s.token, "GetClasses", &lib).await;
    let petition = all["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|c| c["id"] == "PETITION")
        .cloned()
        .expect("PETITION listed");
    assert_eq!(petition["default_security"], "view");
    assert_eq!(petition["subclass_required"], true);
    assert_eq!(petition["description"], "Petitions");
    assert_eq!(
        ids(&classes(&[("default_security", "view")]).await),
        ["PETITION"]
    );
    assert_eq!(
        ids(&classes(&[("default_security", "public"), ("alias", "BRIE*,NOTHING")]).await),
        ["BRIEF"]
    );
    let top = classes(&[("query", "petit")]).await;
    assert_eq!(top["topMatchingId"], "PETITION");
    assert_eq!(top["topMatchingDescription"], "Petitions");

    let subs = call_ok(&s, &s.token, "GetSubclasses", &lib).await;
    assert_eq!(ids(&subs), ["URGENT"]);
    assert_eq!(subs["results"][0]["parent"]["id"], "PETITION");
    assert_eq!(subs["results"][0]["default_security"], "private");
    assert_eq!(subs["results"][0]["hipaa"], true);
    assert_eq!(subs["topMatchingId"], "URGENT");

    // Bad input.
    for (id, field) in [
        ("GetClasses", "libraryId"),
        ("GetSubclasses", "libraryId"),
        ("GetSubclasses", "classId"),
    ] {
        let (f, _) = refused(&s, &s.token, id, &lib, Some(field), StatusCode::BAD_REQUEST).await;
        assert_eq!(f, field, "{id}");
    }
    for (q, field) in [
        (vec![("default_security", "inherit")], "default_security"),
        (vec![("default_security", "secret")], "default_security"),
        (vec![("hipaa", "maybe")], "hipaa"),
    ] {
        let mut query = vec![("libraryId", "ACTIVE")];
        query.extend(q);
        let (st, b) = answer(
            s.http
                .get(url(&s, "/getClasses", &query))
                .bearer_auth(&s.token),
        )
        .await;
        assert_eq!(assert_facade_error(st, &b, StatusCode::BAD_REQUEST), field);
    }
    let unknown = values(&[("libraryId", json!("ACTIVE")), ("classId", json!("NOSUCH"))]);
    refused(
        &s,
        &s.token,
        "GetSubclasses",
        &unknown,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    let other = values(&[("libraryId", json!("NOPE")), ("classId", json!("PETITION"))]);
    refused(
        &s,
        &s.token,
        "GetClasses",
        &other,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    refused(
        &s,
        &s.token,
        "GetSubclasses",
        &other,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    s.stop().await;
}
