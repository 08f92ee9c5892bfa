//! The pages: browsing a matter to a document, its download, search; what a user who may
//! not read an object sees of it (the same as of nothing); and stored markup shown as text.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{sign_in, sign_in_admin};
use crate::harness::TestServer;

/// A matter with a folder and two documents, filed by the administrator.
async fn matter(s: &TestServer) -> (String, String, String) {
    let ws = s.create_workspace("Acme v. Widget - 2026-0042").await;
    let folder = s.create_folder(&ws, "Pleadings").await;
    let doc = s
        .upload(
            &folder,
            "complaint.txt",
            b"The plaintiff alleges a breach of the lease.",
            json!({"name": "Complaint", "comment": "as filed"}),
        )
        .await;
    s.upload(
        &folder,
        "answer.txt",
        b"The defendant denies everything.",
        json!({"name": "Answer"}),
    )
    .await;
    (ws, folder, doc["id"].as_str().unwrap().to_string())
}

/// The document id without its version (`ACTIVE!12`), as the web client links it.
fn unversioned(id: &str) -> &str {
    id.split_once('.').map_or(id, |(n, _)| n)
}

#[tokio::test]
async fn a_matter_is_browsed_from_the_library_to_a_document_and_its_content() {
    let s = TestServer::start().await;
    let (ws, folder, doc) = matter(&s).await;
    let (mut b, home) = sign_in_admin(&s).await;
    assert!(home.body.contains("My Matters"), "{}", home.body);
    assert!(home.body.contains("/libraries/ACTIVE"));
    let library = b.get("/libraries/ACTIVE").await;
    assert_eq!(library.status, StatusCode::OK);
    assert!(
        library.body.contains(&format!("/workspaces/{ws}")),
        "{}",
        library.body
    );
    assert!(library.body.contains("Acme v. Widget - 2026-0042"));
    // Finding a workspace by part of its name.
    let found = b.get("/libraries/ACTIVE?q=0042").await;
    assert!(found.body.contains(&format!("/workspaces/{ws}")));
    let none = b.get("/libraries/ACTIVE?q=zzz-no-such").await;
    assert!(!none.body.contains(&format!("/workspaces/{ws}")));
    let workspace = b.get(&format!("/workspaces/{ws}")).await;
    assert_eq!(workspace.status, StatusCode::OK);
    assert!(
        workspace.body.contains(&format!("/folders/{folder}")),
        "{}",
        workspace.body
    );
    let listing = b.get(&format!("/folders/{folder}")).await;
    assert_eq!(listing.status, StatusCode::OK);
    assert!(listing.body.contains("Complaint") && listing.body.contains("Answer"));
    assert!(listing.body.contains("(2)"), "the count: {}", listing.body);
    assert!(
        listing
            .body
            .contains(&format!("/documents/{}", unversioned(&doc)))
    );
    // Sorted by name, Answer comes first; descending, Complaint does (the index's order,
    // once it has caught up).
    s.wait_for_index().await;
    let by_name = b.get(&format!("/folders/{folder}?sort=name")).await;
    assert!(by_name.body.find("Answer").unwrap() < by_name.body.find("Complaint").unwrap());
    let by_name_desc = b
        .get(&format!("/folders/{folder}?sort=name&desc=true"))
        .await;
    assert!(
        by_name_desc.body.find("Complaint").unwrap() < by_name_desc.body.find("Answer").unwrap()
    );
    let page = b.get(&format!("/documents/{}", unversioned(&doc))).await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in ["Complaint", "as filed", "Pleadings", "Versions", "History"] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }
    let content = b
        .get(&format!("/documents/{}/content", unversioned(&doc)))
        .await;
    assert_eq!(content.status, StatusCode::OK);
    assert_eq!(content.body, "The plaintiff alleges a breach of the lease.");
    assert!(
        content.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let inline = b
        .get(&format!(
            "/documents/{}/content?inline=true",
            unversioned(&doc)
        ))
        .await;
    assert!(
        inline.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert!(
        inline.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    // The links the APIs hand out open the pages.
    let link = b.get(&format!("/work/link/d/{}", unversioned(&doc))).await;
    assert_eq!(link.location(), format!("/documents/{}", unversioned(&doc)));
    let link = b.get(&format!("/work/link/w/{ws}")).await;
    assert_eq!(link.location(), format!("/workspaces/{ws}"));
    s.stop().await;
}

#[tokio::test]
async fn search_finds_words_in_the_text_with_a_highlight() {
    let s = TestServer::start().await;
    let (_, _, doc) = matter(&s).await;
    s.wait_for_index().await;
    let (mut b, _) = sign_in_admin(&s).await;
    let got = b.get("/search?q=lease").await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.body.contains("1 document match"), "{}", got.body);
    assert!(
        got.body
            .contains(&format!("/documents/{}", unversioned(&doc)))
    );
    assert!(got.body.contains("<b>lease</b>"), "{}", got.body);
    let bad = b.get("/search?q=%22unclosed").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("class=\"error\""), "{}", bad.body);
    s.stop().await;
}

/// Alice's private matter with a document; Bob may read none of it.
async fn alices_private_matter(s: &TestServer) -> (String, String, String) {
    let alice = s.new_user("alice", "web-leak-password").await;
    let (st, w) = s
        .send_json_as(
            &alice,
            Method::POST,
            &s.lib("/workspaces"),
            json!({"name": "Project Falcon", "default_security": "private"}),
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
        json!({"doc_profile": {"name": "Falcon term sheet", "default_security": "inherit"}}),
        "terms.txt",
        b"falcon price".to_vec(),
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
    let doc: serde_json::Value = r.json().await.unwrap();
    (ws, folder, doc["data"]["id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn an_unreadable_object_reads_exactly_like_a_missing_one() {
    let s = TestServer::start().await;
    let (ws, folder, doc) = alices_private_matter(&s).await;
    s.new_user("bob", "web-leak-password").await;
    s.wait_for_index().await;
    let (mut bob, home) = sign_in(&s, "bob", "web-leak-password").await;
    assert!(!home.body.contains("Falcon"));
    let missing = bob.get("/documents/ACTIVE!999999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for path in [
        format!("/documents/{}", unversioned(&doc)),
        format!("/documents/{doc}/content"),
        format!("/workspaces/{ws}"),
        format!("/folders/{folder}"),
    ] {
        let got = bob.get(&path).await;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(got.body, missing.body, "{path} reads like a missing object");
    }
    // A malformed id reads the same too.
    assert_eq!(bob.get("/documents/not-an-id").await.body, missing.body);
    // Nor is it in lists or search.
    let library = bob.get("/libraries/ACTIVE").await;
    assert!(!library.body.contains("Falcon"), "{}", library.body);
    let search = bob.get("/search?q=falcon").await;
    assert!(search.body.contains("0 documents match"), "{}", search.body);
    // Alice, who may, sees it all.
    let (mut alice, _) = sign_in(&s, "alice", "web-leak-password").await;
    assert_eq!(
        alice.get(&format!("/folders/{folder}")).await.status,
        StatusCode::OK
    );
    assert!(
        alice
            .get("/search?q=falcon")
            .await
            .body
            .contains("1 document match")
    );
    s.stop().await;
}

#[tokio::test]
async fn markup_stored_in_profiles_is_shown_as_text() {
    let s = TestServer::start().await;
    // Names may not hold '/', so no closing tags: a browser runs an unclosed script anyway.
    let evil = "<script>alert(1)<img src=x onerror=alert(2)>";
    let ws = s.create_workspace(evil).await;
    let folder = s.create_folder(&ws, evil).await;
    let doc = s
        .upload(
            &folder,
            "x.txt",
            format!("body {evil} lease").as_bytes(),
            json!({"name": evil, "comment": evil}),
        )
        .await;
    s.wait_for_index().await;
    let (mut b, _) = sign_in_admin(&s).await;
    for path in [
        "/libraries/ACTIVE".to_string(),
        format!("/workspaces/{ws}"),
        format!("/folders/{folder}"),
        format!("/documents/{}", unversioned(doc["id"].as_str().unwrap())),
        "/search?q=lease".to_string(),
        format!(
            "/search?q={}",
            url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>()
        ),
    ] {
        let got = b.get(&path).await;
        assert_eq!(got.status, StatusCode::OK, "{path}: {}", got.body);
        assert!(!got.body.contains("<script>alert"), "{path}: {}", got.body);
        assert!(!got.body.contains("<img src=x"), "{path}: {}", got.body);
        assert!(
            got.body.contains("&lt;script&gt;") || got.body.contains("&#60;script&#62;"),
            "{path}: {}",
            got.body
        );
    }
    s.stop().await;
}
