//! What a signed-in user learns about objects they may not read: nothing beyond what a
//! nonexistent id tells. The cases are the reliability review's (December 2026): a readable
//! document in a private workspace named that workspace, and a container's 404 told an
//! existing container from a missing one, and named its kind.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::TestServer;

/// Alice's private matter with a folder, a public note filed in it, and Bob, who may read
/// the note but not the matter. Returns (Bob's token, workspace, folder, note).
async fn private_matter_with_a_public_note(s: &TestServer) -> (String, String, String, String) {
    let alice = s.new_user("alice", "leak-test-password").await;
    let bob = s.new_user("bob", "leak-test-password").await;
    let (st, w) = s
        .send_json_as(
            &alice,
            Method::POST,
            &s.lib("/workspaces"),
            json!({"name": "Project Falcon - acquisition of Target plc", "default_security": "private"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{w}");
    let ws = w["data"]["id"].as_str().unwrap().to_string();
    let (st, f) = s
        .send_json_as(
            &alice,
            Method::POST,
            &s.lib(&format!("/workspaces/{ws}/folders")),
            json!({"name": "Drafts", "default_security": "inherit"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{f}");
    let folder = f["data"]["id"].as_str().unwrap().to_string();
    let form = TestServer::upload_form(
        json!({"doc_profile": {"name": "note", "extension": "txt", "default_security": "public", "comment": "falcon note"}}),
        "note.txt",
        b"a note anyone may read".to_vec(),
    );
    let r = s
        .http
        .post(s.lib(&format!("/folders/{folder}/documents")))
        .header("X-Auth-Token", &alice)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let doc: Value = r.json().await.unwrap();
    let note = doc["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        doc["data"]["workspace_name"], "Project Falcon - acquisition of Target plc",
        "the owner sees her matter's name"
    );
    (bob, ws, folder, note)
}

#[tokio::test]
async fn a_readable_document_does_not_name_a_workspace_its_reader_may_not_read() {
    let s = TestServer::start().await;
    let (bob, ws, _, note) = private_matter_with_a_public_note(&s).await;
    let get = |url: String| {
        let s = &s;
        let bob = bob.clone();
        async move {
            let r = s
                .http
                .get(url)
                .header("X-Auth-Token", bob)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (st, _) = get(s.lib(&format!("/workspaces/{ws}"))).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, profile) = get(s.lib(&format!("/documents/{note}"))).await;
    assert_eq!(st, StatusCode::OK, "{profile}");
    for field in ["workspace_name", "workspace_id"] {
        assert!(
            profile["data"].get(field).is_none(),
            "{field} of an unreadable workspace: {profile}"
        );
    }
    s.wait_for_index().await;
    // Lists and searches, through the database and through the index.
    for query in [
        "/documents?name=note",
        "/documents?anywhere=falcon",
        "/documents?anywhere=anyone",
    ] {
        let (st, body) = get(s.lib(query)).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        let hits = body["data"]["results"].as_array().unwrap();
        assert!(
            hits.iter().any(|h| h["id"] == note.as_str()),
            "{query} finds the note: {body}"
        );
        assert!(
            !body.to_string().contains("Falcon - acquisition"),
            "{query} names the matter: {body}"
        );
    }
    // Once Bob may read the workspace, he sees its name.
    let (st, b) = s
        .send_json(
            Method::POST,
            &s.lib(&format!("/workspaces/{ws}/security")),
            json!({"include": [{"id": "BOB", "type": "user", "access_level": "read"}]}),
        )
        .await;
    assert!(st.is_success(), "{st} {b}");
    let (_, profile) = get(s.lib(&format!("/documents/{note}"))).await;
    assert_eq!(
        profile["data"]["workspace_name"], "Project Falcon - acquisition of Target plc",
        "{profile}"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_container_404_reads_the_same_whether_it_exists_and_whatever_its_kind() {
    let s = TestServer::start().await;
    let (bob, ws, folder, _) = private_matter_with_a_public_note(&s).await;
    // A readable workspace of Bob's own, asked for under the wrong kind.
    let (st, own) = s
        .send_json_as(
            &bob,
            Method::POST,
            &s.lib("/workspaces"),
            json!({"name": "Bob's matter"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{own}");
    let own = own["data"]["id"].as_str().unwrap().to_string();
    let missing = "ACTIVE!99999";
    let message = |id: &str, path: String| {
        let s = &s;
        let bob = bob.clone();
        let id = id.to_string();
        async move {
            let r = s
                .http
                .get(s.lib(&path))
                .header("X-Auth-Token", bob)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
            let body: Value = r.json().await.unwrap();
            // The text names the id asked for; with the id taken out, all must be equal.
            body["error"]["code_message"]
                .as_str()
                .unwrap()
                .replace(&id, "{id}")
        }
    };
    let mut texts = std::collections::BTreeMap::new();
    for (id, what) in [
        (ws.as_str(), "unreadable workspace"),
        (folder.as_str(), "unreadable folder"),
        (missing, "missing id"),
    ] {
        for shape in [
            "/workspaces/{id}",
            "/folders/{id}",
            "/containers/{id}",
            "/workspaces/{id}/security",
            "/folders/{id}/documents",
            "/folders/{id}/children",
            "/workspaces/{id}/name-value-pairs",
        ] {
            let path = shape.replace("{id}", id);
            texts.insert(format!("{what} {shape}"), message(id, path).await);
        }
    }
    // Readable, but not what the URL names.
    texts.insert(
        "own workspace as a folder".into(),
        message(&own, format!("/folders/{own}")).await,
    );
    let distinct: std::collections::BTreeSet<&String> = texts.values().collect();
    assert_eq!(distinct.len(), 1, "{texts:#?}");
    s.stop().await;
}
