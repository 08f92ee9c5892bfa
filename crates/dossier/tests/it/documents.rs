use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestServer, assert_error};

#[tokio::test]
async fn upload_profile_patch_versions_and_history() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let doc = s.upload(&folder, "Engagement letter.docx", b"version one", json!({"comment": "draft", "custom17": 12.5, "custom25": true, "custom21": "2024-05-01T10:00:00Z"})).await;
    let id = doc["id"].as_str().unwrap().to_string();
    assert!(id.ends_with(".1"), "{id}");
    assert_eq!(doc["name"], "Engagement letter");
    assert_eq!(doc["extension"], "docx");
    assert_eq!(doc["type"], "WORDX");
    assert_eq!(doc["size"], 11);
    assert_eq!(doc["custom17"], 12.5);
    assert_eq!(doc["custom25"], true);
    assert_eq!(doc["custom21"], "2024-05-01T10:00:00.000Z");
    let number = doc["document_number"].as_i64().unwrap();

    let (status, p) = s
        .patch(
            &s.lib(&format!("/documents/{id}")),
            json!({"comment": "final", "name": "Engagement letter (signed)"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["data"]["comment"], "final");
    assert_eq!(p["data"]["extension"], "docx");

    let (status, v2) = s
        .new_version(
            &id,
            "Engagement letter.pdf",
            b"version two",
            json!({"doc_profile": {"comment": "pdf"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v2}");
    assert_eq!(v2["data"]["version"], 2);
    assert_eq!(v2["data"]["type"], "ACROBAT");
    assert_eq!(
        v2["data"]["name"], "Engagement letter (signed)",
        "a new version keeps the profile"
    );

    let v1 = s
        .get_json(&s.lib(&format!("/documents/ACTIVE!{number}.1")))
        .await;
    assert_eq!(v1["data"]["is_latest"], false);
    assert_eq!(v1["data"]["latest"], "2");
    let latest = s
        .get_json(&s.lib(&format!("/documents/ACTIVE!{number}")))
        .await;
    assert_eq!(latest["data"]["version"], 2);

    let versions = s
        .get_json(&s.lib(&format!("/documents/ACTIVE!{number}/versions?total=true")))
        .await;
    assert_eq!(versions["total_count"], 2);
    assert_eq!(versions["data"].as_array().unwrap().len(), 2);

    let body = s
        .get(&s.lib(&format!(
            "/documents/ACTIVE!{number}.1/download?latest=true&activity=export"
        )))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        &body[..],
        b"version two",
        "latest=true serves the newest version"
    );
    let body = s
        .get(&s.lib(&format!("/documents/ACTIVE!{number}.1/download")))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(&body[..], b"version one");

    let history = s
        .get_json(&s.lib(&format!("/documents/ACTIVE!{number}/history")))
        .await;
    let activities: Vec<_> = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["activity"].as_str().unwrap())
        .collect();
    assert_eq!(
        activities,
        ["VIEW", "EXPORT", "NEWDOCVER", "MODIFY", "NEWDOCUMENT"]
    );
    assert!(
        history["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["user"] == "ADMIN")
    );
    let edits = s
        .get_json(&s.lib(&format!(
            "/documents/ACTIVE!{number}/history?activity=edit&total=true"
        )))
        .await;
    assert_eq!(edits["total_count"], 3);
    let downloads = s
        .get_json(&s.lib(&format!(
            "/documents/ACTIVE!{number}/history?activity=download"
        )))
        .await;
    assert_eq!(downloads["data"].as_array().unwrap().len(), 1);
    let v2_only = s
        .get_json(&s.lib(&format!("/documents/ACTIVE!{number}.2/history")))
        .await;
    assert!(
        v2_only["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["version"] == 2)
    );

    let (status, added) = s
        .post(
            &s.lib(&format!("/documents/ACTIVE!{number}/history")),
            json!({"activity_code": 16, "comments": "sent to client", "application_name": "Flow"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["data"]["activity"], "MAIL");
    let (status, e) = s
        .post(
            &s.lib(&format!("/documents/ACTIVE!{number}/history")),
            json!({"activity_code": 9999}),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);

    let (status, _) = s
        .delete(&s.lib(&format!("/documents/ACTIVE!{number}.2")))
        .await;
    assert_eq!(status, StatusCode::OK);
    let latest = s
        .get_json(&s.lib(&format!("/documents/ACTIVE!{number}")))
        .await;
    assert_eq!(
        latest["data"]["version"], 1,
        "deleting the latest version makes the previous one latest"
    );
    let (status, _) = s
        .delete(&s.lib(&format!("/documents/ACTIVE!{number}.1")))
        .await;
    assert_eq!(status, StatusCode::OK);
    let r = s.get(&s.lib(&format!("/documents/ACTIVE!{number}"))).await;
    let status = r.status();
    assert_error(status, &r.json().await.unwrap(), StatusCode::NOT_FOUND);
    let children = s
        .get_json(&s.lib(&format!("/folders/{folder}/children")))
        .await;
    assert!(
        children["data"].as_array().unwrap().is_empty(),
        "a deleted document leaves its folder"
    );
    s.stop().await;
}

#[tokio::test]
async fn lock_checkout_and_checkin() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let doc = s.upload(&folder, "memo.txt", b"memo", json!({})).await;
    let id = doc["id"].as_str().unwrap().to_string();
    let r = s.get(&s.lib(&format!("/documents/{id}/checkout"))).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "no checkout yet");

    let r = s.req(Method::POST, &s.lib(&format!("/documents/{id}/checkout"))).json(&json!({"comments": "editing", "due_date": "2030-01-01T00:00:00Z", "path": "C:\\work\\memo.txt"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        &r.bytes().await.unwrap()[..],
        b"memo",
        "checkout returns the content"
    );
    let info = s
        .get_json(&s.lib(&format!("/documents/{id}/checkout")))
        .await;
    assert_eq!(info["data"]["in_use_by"], "ADMIN");
    assert_eq!(info["data"]["comments"], "editing");
    let prof = s.get_json(&s.lib(&format!("/documents/{id}"))).await;
    assert_eq!(prof["data"]["is_checked_out"], true);
    let (status, e) = s.delete(&s.lib(&format!("/documents/{id}"))).await;
    assert_error(status, &e, StatusCode::CONFLICT);

    // Checking in: a new version by the holder releases the lock.
    let (status, v) = s.new_version(&id, "memo.txt", b"memo v2", json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(v["data"]["is_checked_out"], false);
    let r = s.get(&s.lib(&format!("/documents/{id}/checkout"))).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let (status, l) = s
        .post(
            &s.lib(&format!("/documents/{id}/lock")),
            json!({"comments": "hold"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(l["data"]["is_checked_out"], true);
    let (status, u) = s.delete(&s.lib(&format!("/documents/{id}/lock"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(u["data"]["is_checked_out"], false);
    let (status, e) = s.delete(&s.lib(&format!("/documents/{id}/lock"))).await;
    assert_error(status, &e, StatusCode::CONFLICT);
    let ops = s
        .get_json(&s.lib(&format!("/documents/{id}/operations")))
        .await;
    assert_eq!(ops["data"]["lock"], true);
    s.stop().await;
}

#[tokio::test]
async fn copy_move_and_references() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Matter").await;
    let a = s.create_folder(&ws, "A").await;
    let b = s.create_folder(&ws, "B").await;
    let doc = s
        .upload(&a, "brief.docx", b"brief", json!({"comment": "c"}))
        .await;
    let id = doc["id"].as_str().unwrap().to_string();

    let (status, copy) = s
        .post(
            &s.lib(&format!("/documents/{id}/copy")),
            json!({"folder_id": b}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{copy}");
    assert_ne!(copy["data"]["document_number"], doc["document_number"]);
    assert_eq!(copy["data"]["comment"], "c");
    let copy_id = copy["data"]["id"].as_str().unwrap();
    let bytes = s
        .get(&s.lib(&format!("/documents/{copy_id}/download")))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"brief");

    let (status, r) = s
        .post(
            &s.lib(&format!("/folders/{b}/documents")),
            json!({"document_id": id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let paths = s.get_json(&s.lib(&format!("/documents/{id}/path"))).await;
    let leaf: Vec<_> = paths["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p.as_array().unwrap().last().unwrap()["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(leaf, ["A", "B"], "home folder first, then the reference");
    let (status, e) = s
        .post(
            &s.lib(&format!("/folders/{b}/documents")),
            json!({"document_id": id}),
        )
        .await;
    assert_error(status, &e, StatusCode::CONFLICT);

    let (status, e) = s
        .delete(&s.lib(&format!("/folders/{a}/documents/{id}")))
        .await;
    assert_error(status, &e, StatusCode::CONFLICT);
    let (status, _) = s
        .delete(&s.lib(&format!("/folders/{b}/documents/{id}")))
        .await;
    assert_eq!(status, StatusCode::OK);

    let c = s.create_folder(&ws, "C").await;
    let (status, m) = s
        .post(
            &s.lib(&format!("/folders/{a}/documents/{id}/move")),
            json!({"destination_folder_id": c}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    let docs_a = s.get_json(&s.lib(&format!("/folders/{a}/documents"))).await;
    assert!(docs_a["data"].as_array().unwrap().is_empty());
    let docs_c = s.get_json(&s.lib(&format!("/folders/{c}/documents"))).await;
    assert_eq!(docs_c["data"][0]["id"], id.as_str());
    let history = s
        .get_json(&s.lib(&format!("/documents/{id}/history")))
        .await;
    let activities: Vec<_> = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["activity"].as_str().unwrap())
        .collect();
    assert_eq!(
        activities,
        [
            "MOVE",
            "REMOVEREFERENCE",
            "ADDREFERENCE",
            "COPYDOC",
            "NEWDOCUMENT"
        ]
    );
    s.stop().await;
}

/// Removing a reference changes the folder: a caller who may read the document but not
/// change the folder gets 403 and the reference stays (the architecture review found a reader
/// could unfile documents from folders they cannot change).
#[tokio::test]
async fn removing_a_reference_needs_change_rights_on_the_folder() {
    let s = TestServer::start().await;
    let reader = s.new_user("reader", "reader-password").await;
    let (st, w) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "Read-only matter", "default_security": "view"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{w}");
    let ws = w["data"]["id"].as_str().unwrap().to_string();
    let home = s.create_folder(&ws, "Home").await;
    let other = s.create_folder(&ws, "Other").await;
    let doc = s.upload(&home, "memo.txt", b"memo", json!({})).await;
    let id = doc["id"].as_str().unwrap().to_string();
    let (st, r) = s
        .post(
            &s.lib(&format!("/folders/{other}/documents")),
            json!({"document_id": id}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let unfile = |token: String| {
        let url = s.lib(&format!("/folders/{other}/documents/{id}"));
        let http = s.http.clone();
        async move {
            let r = http
                .delete(url)
                .header("X-Auth-Token", token)
                .send()
                .await
                .unwrap();
            let st = r.status();
            (st, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // The reader sees the document in the folder, and may not take it out.
    let listed: Value = s
        .http
        .get(s.lib(&format!("/folders/{other}/documents")))
        .header("X-Auth-Token", &reader)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"][0]["id"], id.as_str(), "{listed}");
    let (st, e) = unfile(reader.clone()).await;
    assert_error(st, &e, StatusCode::FORBIDDEN);
    let paths = s.get_json(&s.lib(&format!("/documents/{id}/path"))).await;
    assert_eq!(
        paths["data"].as_array().unwrap().len(),
        2,
        "still filed twice"
    );
    // The owner may.
    let (st, _) = unfile(s.token.clone()).await;
    assert_eq!(st, StatusCode::OK);
    let paths = s.get_json(&s.lib(&format!("/documents/{id}/path"))).await;
    assert_eq!(paths["data"].as_array().unwrap().len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn document_search_and_folder_listing() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Matter").await;
    let a = s.create_folder(&ws, "A").await;
    let sub = s.create_folder(&a, "A1").await;
    s.upload(&a, "alpha.docx", b"1", json!({"custom13": "red"}))
        .await;
    s.upload(
        &sub,
        "beta.pdf",
        b"2",
        json!({"custom13": "blue", "custom18": 7}),
    )
    .await;
    s.upload(&sub, "gamma.eml", b"From: x\r\n\r\nhi", json!({}))
        .await;

    let all = s
        .get_json(&s.lib(&format!(
            "/documents?container_id={a}&include_subtree=true&total=true"
        )))
        .await;
    assert_eq!(all["total_count"], 3);
    let only_a = s
        .get_json(&s.lib(&format!("/documents?container_id={a}")))
        .await;
    assert_eq!(only_a["data"]["results"].as_array().unwrap().len(), 1);
    let pdfs = s.get_json(&s.lib("/documents?type=ACROBAT")).await;
    assert_eq!(pdfs["data"]["results"][0]["name"], "beta");
    let ranged = s
        .get_json(&s.lib("/documents?custom18_from=5&custom18_to=10"))
        .await;
    assert_eq!(ranged["data"]["results"].as_array().unwrap().len(), 1);
    let emails = s.get_json(&s.lib("/documents?email_only=true")).await;
    assert_eq!(emails["data"]["results"][0]["wstype"], "email");
    let no_emails = s
        .get_json(&s.lib("/documents?exclude_emails=true&total=true"))
        .await;
    assert_eq!(no_emails["total_count"], 2);
    let red = s.get_json(&s.lib("/documents?custom13=RED")).await;
    assert_eq!(red["data"]["results"][0]["name"], "alpha");
    let (status, posted) = s
        .post(
            &s.lib("/documents/search"),
            json!({"filters": {"name": "gamma"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(posted["data"].as_array().unwrap().len(), 1);
    // `anywhere` goes to the search index (whole words, as iManage matches them), which
    // follows the outbox a moment behind.
    s.wait_for_index().await;
    let anywhere = s.get_json(&s.lib("/documents?anywhere=GAMMA")).await;
    assert_eq!(anywhere["data"]["results"][0]["name"], "gamma");
    let part = s.get_json(&s.lib("/documents?anywhere=amm")).await;
    assert_eq!(part["data"]["results"], json!([]));

    let children = s
        .get_json(&s.lib(&format!("/folders/{a}/children?total=true")))
        .await;
    assert_eq!(children["total_count"], 2, "one subfolder and one document");
    assert_eq!(children["data"][0]["name"], "A1");
    assert_eq!(children["data"][1]["name"], "alpha");
    s.stop().await;
}

#[tokio::test]
async fn document_name_value_pairs_and_trustees() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let form = TestServer::upload_form(
        json!({"doc_profile": {"default_security": "private"}, "user_trustees": [{"id": "admin", "access_level": "full_access"}]}),
        "x.txt",
        b"x".to_vec(),
    );
    let (status, doc) = s.upload_raw(&folder, form).await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let id = doc["data"]["id"].as_str().unwrap();
    let sec = s
        .get_json(&s.lib(&format!("/documents/{id}/security")))
        .await;
    assert_eq!(sec["default_security"], "private");
    assert_eq!(
        sec["data"][0],
        json!({"id": "ADMIN", "type": "user", "access": 3, "access_level": "full_access"})
    );
    let (status, p) = s
        .patch(
            &s.lib(&format!("/documents/{id}/name-value-pairs")),
            json!({"matter_stage": "discovery"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(p["data"]["matter_stage"], "discovery");
    let got: Value = s
        .get_json(&s.lib(&format!("/documents/{id}/name-value-pairs")))
        .await;
    assert_eq!(got["data"]["matter_stage"], "discovery");

    let form = TestServer::upload_form(
        json!({"user_trustees": [{"id": "ghost", "access_level": "read"}]}),
        "y.txt",
        b"y".to_vec(),
    );
    let (status, e) = s.upload_raw(&folder, form).await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    s.stop().await;
}

#[tokio::test]
async fn concurrent_new_versions_get_consecutive_numbers() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let doc = s.upload(&folder, "race.txt", b"v1", json!({})).await;
    let id = doc["id"].as_str().unwrap();
    let uploads = (0..4).map(|i| {
        s.new_version(
            id,
            "race.txt",
            format!("v{}", i + 2).into_bytes().leak(),
            json!({}),
        )
    });
    let results = futures::future::join_all(uploads).await;
    let mut versions: Vec<i64> = results
        .iter()
        .map(|(st, body)| {
            assert_eq!(*st, StatusCode::CREATED, "{body}");
            body["data"]["version"].as_i64().unwrap()
        })
        .collect();
    versions.sort();
    assert_eq!(versions, [2, 3, 4, 5]);
    s.stop().await;
}
