//! A document's page over HTTP: its preview by kind of content (PDF, image, extracted text,
//! an email rendered safely), and its actions — check out with a due date and a comment,
//! check in with a new version, cancel a check-out, promote and delete versions — each
//! refused without the CSRF token, on bad input (a 400 page and nothing written), to a user
//! who may only read (not offered, and refused), and to a user who may not read (the
//! page of a missing object).

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use super::pages::{alices_private_matter, unversioned};
use super::{Browser, Got, csrf_of, sign_in, sign_in_admin};
use crate::harness::TestServer;

/// A Work API document id's page (`/documents/ACTIVE!12`).
fn page(doc: &Value) -> String {
    format!("/documents/{}", unversioned(doc["id"].as_str().unwrap()))
}

async fn versions(s: &TestServer, doc: &Value) -> Vec<i64> {
    let id = unversioned(doc["id"].as_str().unwrap());
    let v = s
        .get_json(&s.lib(&format!("/documents/{id}/versions")))
        .await;
    let mut out: Vec<i64> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["version"].as_i64().unwrap())
        .collect();
    out.sort_unstable();
    out
}

/// The check-out of a document through the Work API; `None` when not checked out.
async fn checkout_of(s: &TestServer, doc: &Value) -> Option<Value> {
    let id = unversioned(doc["id"].as_str().unwrap());
    let r = s.get(&s.lib(&format!("/documents/{id}/checkout"))).await;
    (r.status() == StatusCode::OK).then_some(())?;
    Some(r.json::<Value>().await.unwrap()["data"].clone())
}

async fn latest_content(s: &TestServer, doc: &Value) -> String {
    let id = unversioned(doc["id"].as_str().unwrap());
    s.get(&s.lib(&format!("/documents/{id}/download?latest=true")))
        .await
        .text()
        .await
        .unwrap()
}

fn version_form(comment: &str, file: Option<(&str, &[u8])>) -> Form {
    let mut f = Form::new().text("comment", comment.to_string());
    if let Some((name, bytes)) = file {
        f = f.part(
            "file",
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        );
    }
    f
}

async fn upload_version(b: &mut Browser, doc: &Value, csrf: Option<&str>, form: Form) -> Got {
    let headers: Vec<(&str, &str)> = csrf.map(|t| ("X-CSRF-Token", t)).into_iter().collect();
    b.post_multipart(&format!("{}/versions", page(doc)), form, &headers)
        .await
}

/// A tiny valid PDF (one empty page), its cross-reference offsets computed.
pub fn tiny_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// An email with an HTML body that tries to run a script and load a remote image, and
/// an attachment.
pub fn hostile_email() -> Vec<u8> {
    "From: Ann Lee <ann@example.com>\r\n\
     To: bob@example.com\r\n\
     Cc: cy@example.com\r\n\
     Subject: Settlement terms\r\n\
     Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n\
     MIME-Version: 1.0\r\n\
     Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
     \r\n\
     --b1\r\n\
     Content-Type: text/html; charset=utf-8\r\n\
     \r\n\
     <p>We accept the <b>settlement</b>.</p><script>window.pwned = true;</script>\
     <img src=\"https://tracker.example/open.gif\" alt=\"Firm logo\">\
     <p onmouseover=\"window.pwned = true\">Regards</p>\r\n\
     --b1\r\n\
     Content-Type: application/pdf\r\n\
     Content-Disposition: attachment; filename=\"terms.pdf\"\r\n\
     \r\n\
     %PDF-1.4 not really\r\n\
     --b1--\r\n"
        .as_bytes()
        .to_vec()
}

#[tokio::test]
async fn the_preview_shows_each_kind_of_content_as_it_safely_can() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let pdf = s
        .upload(&folder, "brief.pdf", &tiny_pdf(), json!({"name": "Brief"}))
        .await;
    let png = s
        .upload(
            &folder,
            "seal.png",
            b"\x89PNG\r\n\x1a\n",
            json!({"name": "Seal"}),
        )
        .await;
    let text = s
        .upload(&folder, "note.txt", b"plain words", json!({"name": "Note"}))
        .await;
    let html = s
        .upload(
            &folder,
            "memo.html",
            b"<p>The lease terms</p><script>alert(1)</script>",
            json!({"name": "Memo"}),
        )
        .await;
    let mail = s
        .upload(
            &folder,
            "terms.eml",
            &hostile_email(),
            json!({"name": "Terms email"}),
        )
        .await;
    s.wait_for_index().await;
    let (mut b, _) = sign_in_admin(&s).await;
    let got = b.get(&page(&pdf)).await;
    assert!(
        got.body.contains(&format!(
            "<iframe class=\"viewer\" src=\"{}/content?inline=true\"",
            page(&pdf)
        )),
        "{}",
        got.body
    );
    let got = b.get(&page(&png)).await;
    assert!(
        got.body.contains(&format!(
            "<img class=\"viewer-image\" src=\"{}/content?inline=true\"",
            page(&png)
        )),
        "{}",
        got.body
    );
    let got = b.get(&page(&text)).await;
    assert!(
        got.body.contains("<iframe class=\"viewer\""),
        "{}",
        got.body
    );
    // HTML is never framed from our origin: its extracted text is shown, as an Office
    // file's is.
    let got = b.get(&page(&html)).await;
    assert!(!got.body.contains("<iframe"), "{}", got.body);
    assert!(
        got.body.contains("<pre class=\"extracted\""),
        "{}",
        got.body
    );
    assert!(got.body.contains("The lease terms"), "{}", got.body);
    assert!(!got.body.contains("<script>alert"), "{}", got.body);
    // The email: headers, the sanitised body, the attachments; no script, no handler, no
    // remote image.
    let got = b.get(&page(&mail)).await;
    assert_eq!(got.status, StatusCode::OK);
    for shown in [
        "Settlement terms",
        "Ann Lee &#60;ann@example.com&#62;",
        "cy@example.com",
        "<b>settlement</b>",
        "alt=\"Firm logo\"",
        "terms.pdf",
    ] {
        assert!(got.body.contains(shown), "{shown}: {}", got.body);
    }
    let email = got.body.split("class=\"email\"").nth(1).unwrap();
    for gone in ["<script", "pwned", "tracker.example", "onmouseover"] {
        assert!(!email.contains(gone), "{gone}: {email}");
    }
    s.stop().await;
}

#[tokio::test]
async fn a_document_is_checked_out_with_a_due_date_and_checked_in_with_a_new_version() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let doc = s
        .upload(
            &folder,
            "lease.txt",
            b"first draft",
            json!({"name": "Lease"}),
        )
        .await;
    let (mut b, _) = sign_in_admin(&s).await;
    let before = b.get(&page(&doc)).await;
    assert!(before.body.contains("/checkout\""), "{}", before.body);
    assert!(!before.body.contains("Cancel check-out"));
    let csrf = csrf_of(&before);
    // Without the token nothing happens.
    let forged = b
        .post_form(
            &format!("{}/checkout", page(&doc)),
            &[("due_date", "2026-12-31"), ("comments", "x")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(checkout_of(&s, &doc).await.is_none());
    // A date that is not one: a 400 page, not checked out.
    let bad = b
        .post_form(
            &format!("{}/checkout", page(&doc)),
            &[
                ("csrf", &csrf),
                ("due_date", "next week"),
                ("comments", "x"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("ISO-8601 date"), "{}", bad.body);
    assert!(checkout_of(&s, &doc).await.is_none());
    let out = b
        .post_form(
            &format!("{}/checkout", page(&doc)),
            &[
                ("csrf", &csrf),
                ("due_date", "2026-12-31"),
                ("comments", "reviewing clause 4"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    assert_eq!(out.location(), page(&doc));
    let c = checkout_of(&s, &doc).await.expect("checked out");
    assert_eq!(c["in_use_by"], "ADMIN");
    assert!(
        c["due_date"].as_str().unwrap().starts_with("2026-12-31"),
        "{c}"
    );
    assert_eq!(c["comments"], "reviewing clause 4");
    let during = b.get(&page(&doc)).await;
    assert!(
        during.body.contains("Checked out by ADMIN"),
        "{}",
        during.body
    );
    assert!(during.body.contains("Cancel check-out"));
    assert!(during.body.contains(">Check in<"), "{}", during.body);
    // Checking in: the upload needs the CSRF header, and a file.
    let refused = upload_version(
        &mut b,
        &doc,
        None,
        version_form("v2", Some(("lease.txt", b"second draft"))),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let no_file = upload_version(&mut b, &doc, Some(&csrf), version_form("v2", None)).await;
    assert_eq!(no_file.status, StatusCode::BAD_REQUEST, "{}", no_file.body);
    assert_eq!(versions(&s, &doc).await, vec![1]);
    assert!(checkout_of(&s, &doc).await.is_some());
    let checked_in = upload_version(
        &mut b,
        &doc,
        Some(&csrf),
        version_form("signed off", Some(("lease.txt", b"second draft"))),
    )
    .await;
    assert_eq!(
        checked_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        checked_in.body
    );
    assert_eq!(versions(&s, &doc).await, vec![1, 2]);
    assert_eq!(latest_content(&s, &doc).await, "second draft");
    assert!(
        checkout_of(&s, &doc).await.is_none(),
        "checking in ends the check-out"
    );
    let after = b.get(&page(&doc)).await;
    assert!(
        after.body.contains("signed off"),
        "the comment is in the history"
    );
    // An htmx request is told where to go rather than redirected.
    let htmx = b
        .post_multipart(
            &format!("{}/versions", page(&doc)),
            version_form("", Some(("lease.txt", b"third"))),
            &[("X-CSRF-Token", &csrf), ("HX-Request", "true")],
        )
        .await;
    assert_eq!(htmx.headers["hx-redirect"], page(&doc).as_str());
    // Check out again, and cancel: no new version.
    b.post_form(
        &format!("{}/checkout", page(&doc)),
        &[("csrf", &csrf), ("due_date", ""), ("comments", "")],
    )
    .await;
    assert!(checkout_of(&s, &doc).await.is_some());
    let forged = b
        .post_form(&format!("{}/checkout/cancel", page(&doc)), &[])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let cancelled = b
        .post_form(
            &format!("{}/checkout/cancel", page(&doc)),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        cancelled.status,
        StatusCode::SEE_OTHER,
        "{}",
        cancelled.body
    );
    assert!(checkout_of(&s, &doc).await.is_none());
    assert_eq!(versions(&s, &doc).await, vec![1, 2, 3]);
    s.stop().await;
}

#[tokio::test]
async fn an_old_version_is_promoted_and_a_version_deleted() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let doc = s
        .upload(&folder, "deed.txt", b"original", json!({"name": "Deed"}))
        .await;
    let id = unversioned(doc["id"].as_str().unwrap()).to_string();
    let (st, _) = s.new_version(&id, "deed.txt", b"revised", json!({})).await;
    assert_eq!(st, StatusCode::CREATED);
    let (mut b, _) = sign_in_admin(&s).await;
    let got = b.get(&page(&doc)).await;
    assert!(got.body.contains("/promote\""), "{}", got.body);
    let csrf = csrf_of(&got);
    let missing = b
        .post_form(
            &format!("{}/promote", page(&doc)),
            &[("csrf", &csrf), ("version", "x")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.body);
    let forged = b
        .post_form(&format!("{}/promote", page(&doc)), &[("version", "1")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(versions(&s, &doc).await, vec![1, 2]);
    let promoted = b
        .post_form(
            &format!("{}/promote", page(&doc)),
            &[("csrf", &csrf), ("version", "1")],
        )
        .await;
    assert_eq!(promoted.status, StatusCode::SEE_OTHER, "{}", promoted.body);
    assert_eq!(versions(&s, &doc).await, vec![1, 2, 3]);
    assert_eq!(latest_content(&s, &doc).await, "original");
    let forged = b
        .post_form(&format!("{}/versions/2/delete", page(&doc)), &[])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let deleted = b
        .post_form(
            &format!("{}/versions/2/delete", page(&doc)),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    assert_eq!(deleted.location(), page(&doc));
    assert_eq!(versions(&s, &doc).await, vec![1, 3]);
    s.stop().await;
}

#[tokio::test]
async fn a_reader_is_offered_no_change_and_a_stranger_sees_a_missing_document() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let shared = s
        .upload(
            &folder,
            "policy.txt",
            b"read me",
            json!({"name": "Policy", "default_security": "view"}),
        )
        .await;
    let (_, alices_folder, private) = alices_private_matter(&s).await;
    let private = json!({ "id": private });
    s.new_user("bob", "web-doc-password").await;
    let (mut bob, _) = sign_in(&s, "bob", "web-doc-password").await;
    // Bob may read the policy: nothing that changes it is offered, and it is refused.
    let got = bob.get(&page(&shared)).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    for offered in [
        "/checkout\"",
        "/versions\"",
        "/promote\"",
        "/delete\"",
        "/move\"",
    ] {
        assert!(!got.body.contains(offered), "{offered}: {}", got.body);
    }
    let csrf = csrf_of(&got);
    let refused = bob
        .post_form(&format!("{}/checkout", page(&shared)), &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(checkout_of(&s, &shared).await.is_none());
    // Alice's private document: every action reads like a missing document, and nothing
    // is written.
    let missing = bob.get("/documents/ACTIVE!999999").await;
    let p = page(&private);
    for (path, form) in [
        (format!("{p}/checkout"), vec![("csrf", csrf.as_str())]),
        (
            format!("{p}/checkout/cancel"),
            vec![("csrf", csrf.as_str())],
        ),
        (
            format!("{p}/promote"),
            vec![("csrf", csrf.as_str()), ("version", "1")],
        ),
        (
            format!("{p}/versions/1/delete"),
            vec![("csrf", csrf.as_str())],
        ),
        (
            format!("{p}/copy"),
            vec![("csrf", csrf.as_str()), ("folder", folder.as_str())],
        ),
        (
            format!("{p}/move"),
            vec![
                ("csrf", csrf.as_str()),
                ("from", alices_folder.as_str()),
                ("folder", folder.as_str()),
            ],
        ),
    ] {
        let got = bob.post_form(&path, &form).await;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{path}: {}", got.body);
        assert_eq!(got.body, missing.body, "{path}");
    }
    let got = upload_version(
        &mut bob,
        &private,
        Some(&csrf),
        version_form("", Some(("x.txt", b"overwrite"))),
    )
    .await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);
    assert_eq!(got.body, missing.body);
    assert_eq!(versions(&s, &private).await, vec![1]);
    assert!(checkout_of(&s, &private).await.is_none());
    s.stop().await;
}

#[tokio::test]
async fn the_profile_is_edited_with_the_librarys_captions_and_a_lookup_picker() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let doc = s
        .upload(&folder, "lease.txt", b"terms", json!({"name": "Lease"}))
        .await;
    let id = unversioned(doc["id"].as_str().unwrap()).to_string();
    let (st, c) = s
        .patch(&s.lib("/captions/custom1"), json!({"label": "Client name"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    for (alias, description) in [("acme", "Acme Corp"), ("beta", "Beta Ltd")] {
        let (st, l) = s
            .post(
                &s.lib("/customs/custom1"),
                json!({"id": alias, "description": description}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{l}");
    }
    let (mut b, _) = sign_in_admin(&s).await;
    assert!(b.get(&page(&doc)).await.body.contains("/profile\""));
    let form = b.get(&format!("{}/profile", page(&doc))).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("Client name"), "{}", form.body);
    assert!(form.body.contains("name=\"custom1\""), "{}", form.body);
    assert!(
        form.body.contains("hx-get=\"/libraries/ACTIVE/lookups/1\""),
        "{}",
        form.body
    );
    let csrf = csrf_of(&form);
    // The picker's suggestions: what matches what was typed.
    let found = b.get("/libraries/ACTIVE/lookups/1?custom1=acm").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(
        found
            .body
            .contains("<option value=\"ACME\">Acme Corp</option>"),
        "{}",
        found.body
    );
    assert!(!found.body.contains("BETA"), "{}", found.body);
    assert_eq!(
        b.get("/libraries/ACTIVE/lookups/13?custom13=a")
            .await
            .status,
        StatusCode::NOT_FOUND,
        "custom13 has no lookup table"
    );
    let profile_url = s.lib(&format!("/documents/{id}"));
    let save = format!("{}/profile", page(&doc));
    let forged = b
        .post_form(&save, &[("name", "Forged"), ("comment", "")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    for bad in [
        vec![("csrf", csrf.as_str()), ("name", "")],
        vec![
            ("csrf", csrf.as_str()),
            ("name", "Lease"),
            ("custom1", "NOPE"),
        ],
        vec![
            ("csrf", csrf.as_str()),
            ("name", "Lease"),
            ("operator", "BOB"),
        ],
    ] {
        let got = b.post_form(&save, &bad).await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "{bad:?}: {}", got.body);
    }
    let unchanged = s.get_json(&profile_url).await["data"].clone();
    assert_eq!(unchanged["name"], "Lease");
    assert!(unchanged["custom1"].is_null(), "{unchanged}");
    let saved = b
        .post_form(
            &save,
            &[
                ("csrf", &csrf),
                ("name", "Lease <signed>"),
                ("comment", "final"),
                ("custom1", "acme"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), page(&doc));
    let after = s.get_json(&profile_url).await["data"].clone();
    assert_eq!(after["name"], "Lease <signed>");
    assert_eq!(after["comment"], "final");
    assert_eq!(after["custom1"], "ACME", "{after}");
    let shown = b.get(&page(&doc)).await;
    assert!(
        shown.body.contains("Lease &#60;signed&#62;"),
        "{}",
        shown.body
    );
    // A reader may not edit; a stranger sees a missing document.
    let reader_doc = s
        .upload(
            &folder,
            "policy.txt",
            b"read me",
            json!({"name": "Policy", "default_security": "view"}),
        )
        .await;
    let (_, _, private) = alices_private_matter(&s).await;
    s.new_user("bob", "web-doc-password").await;
    let (mut bob, home) = sign_in(&s, "bob", "web-doc-password").await;
    let bob_csrf = csrf_of(&home);
    let p = format!("{}/profile", page(&reader_doc));
    assert!(
        !bob.get(&page(&reader_doc))
            .await
            .body
            .contains("/profile\"")
    );
    assert_eq!(bob.get(&p).await.status, StatusCode::FORBIDDEN);
    let refused = bob
        .post_form(&p, &[("csrf", &bob_csrf), ("name", "Mine")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let missing = bob.get("/documents/ACTIVE!999999").await;
    let p = format!("{}/profile", page(&json!({ "id": private })));
    assert_eq!(bob.get(&p).await.body, missing.body);
    let got = bob
        .post_form(&p, &[("csrf", &bob_csrf), ("name", "Mine")])
        .await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);
    assert_eq!(got.body, missing.body);
    s.stop().await;
}

#[tokio::test]
async fn a_document_is_copied_and_moved_to_a_folder_picked_by_name() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Acme v. Widget").await;
    let drafts = s.create_folder(&ws, "Drafts").await;
    let filed = s.create_folder(&ws, "Filed pleadings").await;
    let doc = s
        .upload(&drafts, "motion.txt", b"motion", json!({"name": "Motion"}))
        .await;
    let (mut b, _) = sign_in_admin(&s).await;
    let got = b.get(&page(&doc)).await;
    assert!(got.body.contains("/copy\"") && got.body.contains("/move\""));
    assert!(
        got.body
            .contains(&format!("<option value=\"{drafts}\">Drafts</option>")),
        "the move starts from its folder: {}",
        got.body
    );
    let csrf = csrf_of(&got);
    // The picker finds folders by part of their name.
    let found = b.get("/libraries/ACTIVE/folders?folder=pleading").await;
    assert!(
        found.body.contains(&format!(
            "<option value=\"{filed}\">Filed pleadings</option>"
        )),
        "{}",
        found.body
    );
    assert!(!found.body.contains("Drafts"), "{}", found.body);
    let in_folder = |f: &str| s.lib(&format!("/folders/{f}/documents"));
    let count = |v: Value| v["data"].as_array().map_or(0, Vec::len);
    // Bad input: nothing copied or moved.
    for (path, form) in [
        (
            "copy",
            vec![("csrf", csrf.as_str()), ("folder", "Filed pleadings")],
        ),
        ("copy", vec![("csrf", csrf.as_str()), ("folder", "")]),
        (
            "move",
            vec![
                ("csrf", csrf.as_str()),
                ("from", drafts.as_str()),
                ("folder", "nowhere"),
            ],
        ),
    ] {
        let got = b.post_form(&format!("{}/{path}", page(&doc)), &form).await;
        assert_eq!(
            got.status,
            StatusCode::BAD_REQUEST,
            "{path} {form:?}: {}",
            got.body
        );
    }
    let forged = b
        .post_form(
            &format!("{}/copy", page(&doc)),
            &[("folder", filed.as_str())],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(count(s.get_json(&in_folder(&filed)).await), 0);
    let copied = b
        .post_form(
            &format!("{}/copy", page(&doc)),
            &[("csrf", &csrf), ("folder", &filed)],
        )
        .await;
    assert_eq!(copied.status, StatusCode::SEE_OTHER, "{}", copied.body);
    assert_ne!(copied.location(), page(&doc), "the copy's own page");
    assert_eq!(count(s.get_json(&in_folder(&filed)).await), 1);
    let moved = b
        .post_form(
            &format!("{}/move", page(&doc)),
            &[("csrf", &csrf), ("from", &drafts), ("folder", &filed)],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    assert_eq!(count(s.get_json(&in_folder(&drafts)).await), 0);
    assert_eq!(count(s.get_json(&in_folder(&filed)).await), 2);
    s.stop().await;
}
