//! Filing from the web client through HTTP, as the folder page's script does it: one
//! multipart POST per file with the CSRF header; the profile dialog when the library
//! requires a field; what is refused (no token, bad body, a folder the user may not read
//! or not change) writes nothing.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::pages::alices_private_matter;
use super::{Browser, csrf_of, sign_in, sign_in_admin};
use crate::harness::TestServer;

/// The file part alone, as a drop sends it.
fn file(name: &str, bytes: &[u8]) -> Form {
    Form::new().part(
        "file",
        Part::bytes(bytes.to_vec()).file_name(name.to_string()),
    )
}

/// The profile part first (what the dialog's values become), then the file.
fn file_with_profile(name: &str, bytes: &[u8], profile: serde_json::Value) -> Form {
    Form::new()
        .part("profile", Part::text(profile.to_string()))
        .part(
            "file",
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        )
}

/// How many documents the folder's table counts.
async fn count_in(b: &mut Browser, folder: &str) -> String {
    let page = b.get(&format!("/folders/{folder}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let (_, rest) = page.body.split_once("class=\"count\">(").unwrap();
    rest.split_once(')').unwrap().0.to_string()
}

/// The library requires custom14, captioned "Reference", on every document.
pub(super) async fn require_a_reference(s: &TestServer) {
    let (status, f) = s
        .patch(
            &s.lib("/captions/custom14"),
            json!({"label": "Reference", "required": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{f}");
}

const EMAIL: &[u8] = b"From: Jane Doe <jane@example.com>\r\nTo: bob@example.com\r\n\
Subject: Settlement offer\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nWe offer to settle.\r\n";

#[tokio::test]
async fn files_dropped_on_a_folder_are_filed_and_emails_become_emails() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Acme v. Widget").await;
    let folder = s.create_folder(&ws, "Correspondence").await;
    let (mut b, _) = sign_in_admin(&s).await;
    let page = b.get(&format!("/folders/{folder}")).await;
    let upload = format!("/folders/{folder}/documents");
    assert!(
        page.body.contains(&format!("data-upload=\"{upload}\"")),
        "the drop zone is offered: {}",
        page.body
    );
    assert!(page.body.contains("type=\"file\" multiple"));
    let csrf = csrf_of(&page);
    let got = b
        .post_multipart(
            &upload,
            file("memo.txt", b"A memo about the lease."),
            &[("X-CSRF-Token", &csrf)],
        )
        .await;
    assert_eq!(got.status, StatusCode::CREATED, "{}", got.body);
    assert!(
        got.body.contains("Filed as <a href=\"/documents/ACTIVE!"),
        "{}",
        got.body
    );
    assert!(got.body.contains(">memo</a>"), "{}", got.body);
    let got = b
        .post_multipart(
            &upload,
            file("offer.eml", EMAIL),
            &[("X-CSRF-Token", &csrf)],
        )
        .await;
    assert_eq!(got.status, StatusCode::CREATED, "{}", got.body);
    assert!(got.body.contains("an email"), "{}", got.body);
    let listing = b.get(&format!("/folders/{folder}")).await;
    assert!(listing.body.contains(">memo</a>"), "{}", listing.body);
    // What the service makes of a message today: class EMAIL, type MIME (its headers are
    // shown once the service reads them into the profile).
    assert!(
        listing.body.contains("<td>MIME</td>\n      <td>EMAIL</td>"),
        "filed as an email: {}",
        listing.body
    );
    assert_eq!(count_in(&mut b, &folder).await, "2");
    s.stop().await;
}

#[tokio::test]
async fn a_required_field_brings_the_profile_dialog_and_folder_defaults_fill_it() {
    let s = TestServer::start().await;
    require_a_reference(&s).await;
    let ws = s.create_workspace("Acme v. Widget").await;
    let folder = s.create_folder(&ws, "Pleadings").await;
    let (mut b, _) = sign_in_admin(&s).await;
    let csrf = csrf_of(&b.get(&format!("/folders/{folder}")).await);
    let upload = format!("/folders/{folder}/documents");
    let asked = b
        .post_multipart(
            &upload,
            file("brief.txt", b"brief"),
            &[("X-CSRF-Token", &csrf)],
        )
        .await;
    assert_eq!(
        asked.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        asked.body
    );
    assert!(
        asked
            .body
            .contains("<label for=\"pf-custom14\">Reference</label>"),
        "{}",
        asked.body
    );
    assert!(asked.body.contains("name=\"custom14\""));
    assert!(
        asked.body.contains("required by the library"),
        "{}",
        asked.body
    );
    assert_eq!(count_in(&mut b, &folder).await, "0", "nothing was filed");
    // The dialog's values come back as the profile part.
    let got = b
        .post_multipart(
            &upload,
            file_with_profile("brief.txt", b"brief", json!({"custom14": "REF-7"})),
            &[("X-CSRF-Token", &csrf)],
        )
        .await;
    assert_eq!(got.status, StatusCode::CREATED, "{}", got.body);
    assert_eq!(count_in(&mut b, &folder).await, "1");
    // A folder whose default profile gives the field files without asking.
    let (status, f) = s
        .post(
            &s.lib(&format!("/workspaces/{ws}/folders")),
            json!({"name": "Filed with defaults", "profile": {"custom14": "REF-DEFAULT"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{f}");
    let defaulted = f["data"]["id"].as_str().unwrap().to_string();
    let got = b
        .post_multipart(
            &format!("/folders/{defaulted}/documents"),
            file("notes.txt", b"notes"),
            &[("X-CSRF-Token", &csrf)],
        )
        .await;
    assert_eq!(got.status, StatusCode::CREATED, "{}", got.body);
    s.stop().await;
}

#[tokio::test]
async fn refused_uploads_write_nothing() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Acme v. Widget").await;
    let folder = s.create_folder(&ws, "Pleadings").await;
    let (mut b, _) = sign_in_admin(&s).await;
    let csrf = csrf_of(&b.get(&format!("/folders/{folder}")).await);
    let upload = format!("/folders/{folder}/documents");
    // No CSRF token: refused before anything is read.
    let got = b.post_multipart(&upload, file("a.txt", b"a"), &[]).await;
    assert_eq!(got.status, StatusCode::FORBIDDEN, "{}", got.body);
    // Not multipart, and multipart without a file: the 400 page.
    let got = b
        .send(
            Method::POST,
            &upload,
            &[("X-CSRF-Token", &csrf), ("Content-Type", "text/plain")],
        )
        .await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST, "{}", got.body);
    assert!(got.body.contains("That did not work"), "{}", got.body);
    let no_file = Form::new().part("profile", Part::text("{}"));
    let got = b
        .post_multipart(&upload, no_file, &[("X-CSRF-Token", &csrf)])
        .await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST, "{}", got.body);
    // A profile that is not JSON.
    let bad = Form::new()
        .part("profile", Part::text("{not json"))
        .part("file", Part::bytes(b"x".to_vec()).file_name("x.txt"));
    let got = b
        .post_multipart(&upload, bad, &[("X-CSRF-Token", &csrf)])
        .await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST, "{}", got.body);
    assert_eq!(count_in(&mut b, &folder).await, "0", "nothing was filed");
    s.stop().await;
}

#[tokio::test]
async fn a_folder_the_user_may_not_read_takes_uploads_like_a_missing_one() {
    let s = TestServer::start().await;
    let (_, folder, _) = alices_private_matter(&s).await;
    s.new_user("bob", "web-leak-password").await;
    let (mut bob, home) = sign_in(&s, "bob", "web-leak-password").await;
    let csrf = csrf_of(&home);
    let missing = bob
        .post_multipart(
            "/folders/ACTIVE!999999/documents",
            file("x.txt", b"x"),
            &[("X-CSRF-Token", &csrf)],
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
    let hidden = bob
        .post_multipart(
            &format!("/folders/{folder}/documents"),
            file("x.txt", b"x"),
            &[("X-CSRF-Token", &csrf)],
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.body, missing.body);
    let malformed = bob
        .post_multipart(
            "/folders/nonsense/documents",
            file("x.txt", b"x"),
            &[("X-CSRF-Token", &csrf)],
        )
        .await;
    assert_eq!(malformed.body, missing.body);
    // Alice still has her one document.
    let (mut alice, _) = sign_in(&s, "alice", "web-leak-password").await;
    assert_eq!(count_in(&mut alice, &folder).await, "1");
    s.stop().await;
}

#[tokio::test]
async fn a_reader_is_not_offered_the_drop_zone_and_may_not_upload() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Public matter").await;
    let folder = s.create_folder(&ws, "Pleadings").await;
    s.new_user("carol", "web-reader-password").await;
    // Carol may read the matter and the folder, not change them.
    for path in [
        format!("/workspaces/{ws}/security"),
        format!("/folders/{folder}/security"),
    ] {
        let (status, body) = s
            .post(
                &s.lib(&path),
                json!({"default_security": "private",
                       "include": [{"id": "CAROL", "type": "user", "access_level": "read"}]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let (mut carol, _) = sign_in(&s, "carol", "web-reader-password").await;
    let page = carol.get(&format!("/folders/{folder}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("data-upload"), "{}", page.body);
    let got = carol
        .post_multipart(
            &format!("/folders/{folder}/documents"),
            file("x.txt", b"x"),
            &[("X-CSRF-Token", &csrf_of(&page))],
        )
        .await;
    assert_eq!(got.status, StatusCode::FORBIDDEN, "{}", got.body);
    let (mut admin, _) = sign_in_admin(&s).await;
    assert_eq!(count_in(&mut admin, &folder).await, "0");
    s.stop().await;
}
