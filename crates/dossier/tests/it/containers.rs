use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{TestServer, assert_error, error_field};

#[tokio::test]
async fn workspaces_are_created_read_changed_searched_and_deleted() {
    let s = TestServer::start().await;
    let (status, w) = s.post(&s.lib("/workspaces"), json!({"name": "Acme v Widget", "description": "Patent litigation", "default_security": "private"})).await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    let id = w["data"]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("ACTIVE!"));
    assert_eq!(w["data"]["wstype"], "workspace");
    assert_eq!(w["data"]["owner"], "ADMIN");

    let (status, w) = s
        .patch(
            &s.lib(&format!("/workspaces/{id}")),
            json!({"description": "Patent litigation (appeal)"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(w["data"]["description"], "Patent litigation (appeal)");
    assert_eq!(
        w["data"]["name"], "Acme v Widget",
        "PATCH changes only what it names"
    );
    s.create_workspace("Other matter").await;

    let found = s
        .get_json(&s.lib("/workspaces?name=acme%20v%20widget&total=true"))
        .await;
    assert_eq!(found["total_count"], 1);
    assert_eq!(found["data"]["results"][0]["id"], id.as_str());
    let found = s
        .get_json(&s.lib("/workspaces?name_or_description=*appeal*"))
        .await;
    assert_eq!(found["data"]["results"].as_array().unwrap().len(), 1);
    let (status, found) = s
        .post(
            &s.lib("/workspaces/search"),
            json!({"filters": {"name": "Other matter"}, "limit": 10}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["data"].as_array().unwrap().len(), 1);
    assert_eq!(found["overflow"], false);

    let folder = s.create_folder(&id, "Pleadings").await;
    let (status, e) = s.delete(&s.lib(&format!("/workspaces/{id}"))).await;
    assert_error(status, &e, StatusCode::CONFLICT);
    let (status, _) = s.delete(&s.lib(&format!("/folders/{folder}"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.delete(&s.lib(&format!("/workspaces/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    let r = s.get(&s.lib(&format!("/workspaces/{id}"))).await;
    let status = r.status();
    assert_error(status, &r.json().await.unwrap(), StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test]
async fn workspace_search_pages_by_offset_and_cursor() {
    let s = TestServer::start().await;
    for i in 0..7 {
        s.create_workspace(&format!("Matter {i}")).await;
    }
    let page = s
        .get_json(&s.lib("/workspaces?limit=3&offset=3&total=true"))
        .await;
    assert_eq!(page["total_count"], 7);
    assert_eq!(page["data"]["results"][0]["name"], "Matter 3");
    let past = s.get_json(&s.lib("/workspaces?limit=3&offset=30")).await;
    assert!(
        past["data"]["results"].as_array().unwrap().is_empty(),
        "offset past the end is an empty page"
    );

    let mut seen = vec![];
    let mut url = s.lib("/workspaces?limit=3&paging_mode=standard_cursor");
    loop {
        let page = s.get_json(&url).await;
        for w in page["data"]["results"].as_array().unwrap() {
            seen.push(w["name"].as_str().unwrap().to_string());
        }
        match page["cursor"].as_str() {
            Some(c) => {
                url = s.lib(&format!(
                    "/workspaces?limit=3&paging_mode=standard_cursor&cursor={c}"
                ))
            }
            None => break,
        }
        assert!(seen.len() <= 7, "cursor paging must end");
    }
    assert_eq!(
        seen,
        (0..7).map(|i| format!("Matter {i}")).collect::<Vec<_>>()
    );
    s.stop().await;
}

#[tokio::test]
async fn folders_nest_move_and_report_their_path() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Matter").await;
    let (status, tab) = s
        .post(
            &s.lib(&format!("/workspaces/{ws}/tabs")),
            json!({"name": "Correspondence"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(tab["data"]["folder_type"], "tab");
    let tab = tab["data"]["id"].as_str().unwrap().to_string();
    let a = s.create_folder(&ws, "A").await;
    let b = s.create_folder(&a, "B").await;
    let c = s.create_folder(&b, "C").await;

    let path = s.get_json(&s.lib(&format!("/folders/{c}/path"))).await;
    let names: Vec<_> = path["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Matter", "A", "B", "C"]);

    let (status, e) = s
        .post(
            &s.lib(&format!("/folders/{a}/move")),
            json!({"destination_id": c}),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&e), "destination_id");

    let (status, moved) = s
        .post(
            &s.lib(&format!("/folders/{b}/move")),
            json!({"destination_id": tab}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["data"]["parent_id"], tab.as_str());
    let path = s.get_json(&s.lib(&format!("/folders/{c}/path"))).await;
    let names: Vec<_> = path["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Matter", "Correspondence", "B", "C"]);

    let children = s
        .get_json(&s.lib(&format!("/workspaces/{ws}/children")))
        .await;
    let names: Vec<_> = children["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Correspondence", "A"]);

    let (status, e) = s.delete(&s.lib(&format!("/folders/{b}"))).await;
    assert_error(status, &e, StatusCode::CONFLICT);
    let (status, f) = s
        .patch(
            &s.lib(&format!("/folders/{c}")),
            json!({"name": "C renamed", "view_type": "email"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (f["data"]["name"].as_str(), f["data"]["view_type"].as_str()),
        (Some("C renamed"), Some("email"))
    );
    s.stop().await;
}

#[tokio::test]
async fn a_folders_default_profile_is_given_to_documents_filed_there() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Matter").await;
    let (status, f) = s.post(&s.lib(&format!("/workspaces/{ws}/folders")), json!({"name": "Agreements", "profile": {"class": "CONTRACT", "subclass": "NDA", "custom13": "filed by folder"}})).await;
    assert_eq!(status, StatusCode::CREATED, "{f}");
    let folder = f["data"]["id"].as_str().unwrap();
    let doc = s
        .upload(folder, "nda.docx", b"PK nda", json!({"comment": "mutual"}))
        .await;
    assert_eq!(doc["class"], "CONTRACT");
    assert_eq!(doc["subclass"], "NDA");
    assert_eq!(doc["custom13"], "filed by folder");
    assert_eq!(doc["type"], "WORDX");
    assert_eq!(doc["workspace_name"], "Matter");
    let doc = s
        .upload(folder, "letter.pdf", b"%PDF", json!({"class": "DOC"}))
        .await;
    assert_eq!(
        doc["class"], "DOC",
        "an explicit value beats the folder default"
    );
    s.stop().await;
}

#[tokio::test]
async fn folder_and_workspace_name_value_pairs() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Matter").await;
    let (status, p) = s
        .patch(
            &s.lib(&format!("/workspaces/{ws}/name-value-pairs")),
            json!({"iMan___25": "ACME", "TemplateId": "T1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(p["data"]["iMan___25"], "ACME");
    let (_, p) = s
        .patch(
            &s.lib(&format!("/workspaces/{ws}/name-value-pairs")),
            json!({"TemplateId": ""}),
        )
        .await;
    assert!(
        p["data"].get("TemplateId").is_none(),
        "an empty value deletes the pair"
    );
    let got = s
        .get_json(&s.lib(&format!("/workspaces/{ws}/name-value-pairs")))
        .await;
    assert_eq!(got["data"], json!({"iMan___25": "ACME"}));
    s.stop().await;
}
