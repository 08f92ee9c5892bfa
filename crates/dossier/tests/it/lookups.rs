use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{TestServer, assert_error, error_field};

#[tokio::test]
async fn lookup_tables_validate_custom_fields() {
    let s = TestServer::start().await;
    let (status, c) = s
        .post(
            &s.lib("/customs/custom1"),
            json!({"id": "acme", "description": "Acme Corp"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["data"]["id"], "ACME");
    let (status, m) = s
        .post(
            &s.lib("/customs/custom2"),
            json!({"id": "2024-001", "description": "Patent suit", "parent": {"id": "ACME"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let (status, e) = s
        .post(
            &s.lib("/customs/custom2"),
            json!({"id": "2024-002", "parent": {"id": "NOBODY"}}),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    let (status, e) = s
        .post(&s.lib("/customs/custom1"), json!({"id": "ACME"}))
        .await;
    assert_error(status, &e, StatusCode::CONFLICT);
    let r = s.get(&s.lib("/customs/custom13/search")).await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "custom13 is free text, with no table"
    );

    let found = s
        .get_json(&s.lib("/customs/custom1/search?query=acm"))
        .await;
    assert_eq!(found["data"][0]["description"], "Acme Corp");
    let got = s
        .get_json(&s.lib("/customs/custom2/2024-001?parent_alias=ACME"))
        .await;
    assert_eq!(got["data"]["parent"]["id"], "ACME");

    let (status, w) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "Acme patent", "custom1": "acme", "custom2": "2024-001"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    assert_eq!(w["data"]["custom1"], "ACME");
    let found = s
        .get_json(&s.lib("/workspaces?custom1=ACME&custom2=2024-001"))
        .await;
    assert_eq!(found["data"]["results"].as_array().unwrap().len(), 1);

    let (status, e) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "Bad", "custom1": "UNKNOWN"}),
        )
        .await;
    assert_eq!(
        assert_error(status, &e, StatusCode::BAD_REQUEST),
        "NRC_NO_RECORD"
    );
    assert_eq!(error_field(&e), "custom1");
    let (status, e) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "Bad", "custom2": "2024-001"}),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_field(&e),
        "custom2",
        "a child without its parent names the child"
    );

    let ws = w["data"]["id"].as_str().unwrap();
    let folder = s.create_folder(ws, "Docs").await;
    let form = TestServer::upload_form(
        json!({"doc_profile": {"custom1": "ACME", "custom2": "NOPE"}}),
        "x.docx",
        b"x".to_vec(),
    );
    let (status, e) = s.upload_raw(&folder, form).await;
    assert_eq!(
        assert_error(status, &e, StatusCode::BAD_REQUEST),
        "NRC_NO_RECORD"
    );
    assert_eq!(error_field(&e), "custom2");
    let children = s
        .get_json(&s.lib(&format!("/folders/{folder}/children")))
        .await;
    assert!(
        children["data"].as_array().unwrap().is_empty(),
        "a rejected upload files nothing"
    );

    let (status, _) = s
        .patch(
            &s.lib("/customs/custom1/ACME"),
            json!({"description": "Acme Corporation"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s
        .delete(&s.lib("/customs/custom2/2024-001?parent_alias=ACME"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let classes = s.get_json(&s.lib("/classes")).await;
    assert!(
        classes["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "DOC")
    );
    let subs = s.get_json(&s.lib("/classes/CONTRACT/subclasses")).await;
    assert!(
        subs["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "NDA")
    );
    let types = s.get_json(&s.lib("/types")).await;
    assert!(
        types["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == "WORDX" && t["app_extension"] == "docx")
    );
    s.stop().await;
}
