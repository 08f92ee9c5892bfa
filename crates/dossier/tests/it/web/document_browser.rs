//! A document's page in Chromium: a PDF previewed in the browser's viewer, an email
//! previewed with its script and remote image neutralised, and a check-out and check-in
//! done through the page's forms (the check-in's upload sent by the page's script).

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use super::browser::{assert_accessible, click, in_chromium, sign_in, type_into};
use super::document::{hostile_email, tiny_pdf};
use super::pages::unversioned;
use crate::harness::{ADMIN_PASSWORD, TestServer};

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap()
}

async fn js_async(c: &Client, script: &str) -> Value {
    c.execute_async(script, vec![]).await.unwrap()
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver; .ci/run installs them"]
async fn browser_a_pdf_and_an_email_are_previewed_in_the_page() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let pdf = s
        .upload(&folder, "brief.pdf", &tiny_pdf(), json!({"name": "Brief"}))
        .await;
    let mail = s
        .upload(
            &folder,
            "terms.eml",
            &hostile_email(),
            json!({"name": "Terms email"}),
        )
        .await;
    let pdf = unversioned(pdf["id"].as_str().unwrap()).to_string();
    let mail = unversioned(mail["id"].as_str().unwrap()).to_string();
    in_chromium("preview_pdf_and_email", 1280, |c| async move {
        sign_in(&c, &s, "admin", ADMIN_PASSWORD).await;
        c.goto(&format!("{}/documents/{pdf}", s.base))
            .await
            .unwrap();
        let frame = c
            .wait()
            .for_element(Locator::Css("iframe.viewer"))
            .await
            .unwrap();
        let src = frame.attr("src").await.unwrap().unwrap();
        assert_eq!(src, format!("/documents/{pdf}/content?inline=true"));
        // What the frame loads is the PDF, shown inline by the browser's viewer.
        let served = js_async(
            &c,
            "const done = arguments[arguments.length - 1];
             const src = document.querySelector('iframe.viewer').src;
             fetch(src).then(r => done([r.status, r.headers.get('content-type'),
               r.headers.get('content-disposition')]));",
        )
        .await;
        assert_eq!(served[0], json!(200));
        assert_eq!(served[1], json!("application/pdf"));
        assert!(
            served[2].as_str().unwrap().starts_with("inline"),
            "{served}"
        );
        assert_accessible(&c).await;

        c.goto(&format!("{}/documents/{mail}", s.base))
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::Css("article.email"))
            .await
            .unwrap();
        let heading = c
            .find(Locator::Css("article.email h3"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(heading, "Settlement terms");
        let dom = js(
            &c,
            "const b = document.querySelector('.email-body');
             const img = b.querySelector('img');
             return {
               scripts: b.querySelectorAll('script').length,
               handlers: b.querySelectorAll('[onmouseover]').length,
               img_src: img ? img.getAttribute('src') : 'no image',
               img_alt: img ? img.getAttribute('alt') : '',
               pwned: window.pwned === true,
               tracker: performance.getEntriesByType('resource')
                 .some(e => e.name.includes('tracker.example')),
               attachments: document.querySelector('.attachments').textContent,
               bold: b.querySelector('b') ? b.querySelector('b').textContent : ''
             };",
        )
        .await;
        assert_eq!(dom["scripts"], json!(0), "{dom}");
        assert_eq!(dom["handlers"], json!(0), "{dom}");
        assert_eq!(
            dom["img_src"],
            Value::Null,
            "the remote image has no source: {dom}"
        );
        assert_eq!(dom["img_alt"], json!("Firm logo"), "{dom}");
        assert_eq!(dom["pwned"], json!(false), "{dom}");
        assert_eq!(dom["tracker"], json!(false), "{dom}");
        assert!(
            dom["attachments"].as_str().unwrap().contains("terms.pdf"),
            "{dom}"
        );
        assert_eq!(dom["bold"], json!("settlement"), "{dom}");
        assert_accessible(&c).await;
    })
    .await;
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver; .ci/run installs them"]
async fn browser_a_document_is_checked_out_and_checked_in_through_its_page() {
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
    let doc = unversioned(doc["id"].as_str().unwrap()).to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lease.txt");
    std::fs::write(&file, b"second draft").unwrap();
    let file = file.to_str().unwrap().to_string();
    in_chromium("check_out_and_in", 1280, |c| async move {
        sign_in(&c, &s, "admin", ADMIN_PASSWORD).await;
        c.goto(&format!("{}/documents/{doc}", s.base))
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::Css("details.action summary"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // Every action's form, open at once, passes the accessibility check.
        js(
            &c,
            "document.querySelectorAll('details.action').forEach(d => d.open = true);",
        )
        .await;
        assert_accessible(&c).await;
        js(
            &c,
            "document.getElementById('due_date').value = '2026-12-31';",
        )
        .await;
        type_into(&c, Locator::Id("checkout-comments"), "reviewing clause 4").await;
        click(&c, Locator::Css("#checkout-form button[type=submit]")).await;
        let notice = c
            .wait()
            .for_element(Locator::Css("p.notice"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(notice.starts_with("Checked out by"), "{notice}");
        assert_accessible(&c).await;
        // Checked out by me, the check-in form is open: a comment, a file, Check in.
        type_into(&c, Locator::Id("version-comment"), "signed off").await;
        type_into(&c, Locator::Id("version-file"), &file).await;
        click(&c, Locator::Css("#version-form button[type=submit]")).await;
        // The page comes back with version 2 and no check-out.
        c.wait()
            .for_element(Locator::XPath(
                "//section[@aria-labelledby='versions-head']//td[normalize-space(.)='2']",
            ))
            .await
            .expect("version 2 is listed");
        assert!(
            c.find(Locator::Css("p.notice")).await.is_err(),
            "still checked out"
        );
        let history = js(
            &c,
            "return document.querySelector('main').textContent.includes('signed off');",
        )
        .await;
        assert_eq!(history, json!(true));
        assert_accessible(&c).await;
    })
    .await;
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver; .ci/run installs them"]
async fn browser_the_profile_is_edited_with_a_lookup_picker() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let doc = s
        .upload(&folder, "lease.txt", b"terms", json!({"name": "Lease"}))
        .await;
    let doc = unversioned(doc["id"].as_str().unwrap()).to_string();
    let (st, l) = s
        .post(
            &s.lib("/customs/custom1"),
            json!({"id": "acme", "description": "Acme Corp"}),
        )
        .await;
    assert_eq!(st, reqwest::StatusCode::CREATED, "{l}");
    in_chromium("profile_picker", 1280, |c| async move {
        sign_in(&c, &s, "admin", ADMIN_PASSWORD).await;
        c.goto(&format!("{}/documents/{doc}", s.base))
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::LinkText("Edit profile"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let client = c
            .wait()
            .for_element(Locator::Id("p-custom1"))
            .await
            .unwrap();
        assert_accessible(&c).await;
        client.send_keys("acm").await.unwrap();
        c.wait()
            .for_element(Locator::Css("#custom1-options option[value='ACME']"))
            .await
            .expect("the picker suggests ACME");
        type_into(&c, Locator::Id("p-comment"), "signed").await;
        js(&c, "document.getElementById('p-custom1').value = 'ACME';").await;
        click(&c, Locator::Css("form.profile-form button[type=submit]")).await;
        c.wait()
            .for_element(Locator::Id("profile-head"))
            .await
            .unwrap();
        let shown = js(
            &c,
            "return document.querySelector('dl.profile').textContent;",
        )
        .await;
        assert!(shown.as_str().unwrap().contains("signed"), "{shown}");
        assert_accessible(&c).await;
    })
    .await;
}
