//! The web client in a real browser: Debian's Chromium, headless, driven over WebDriver
//! (`chromedriver`) with fantoccini. Ignored by a plain `cargo test` (they need the two
//! packages); `.ci/run` installs them and runs these with `--ignored`.
//!
//! Each test runs through `in_chromium`, which saves a screenshot of the page when the test
//! fails (under the test target's temporary directory, `web-screenshots/`), and every page
//! a test visits is checked with axe-core (`assert_accessible`): no serious or critical
//! violation.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use serde_json::{Value, json};

use crate::harness::{ADMIN_PASSWORD, TestServer};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const AXE: &str = include_str!("../../web-vendor/axe-4.14.1.min.js");

/// A chromedriver of its own for one test, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_driver() -> (Driver, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("{CHROMEDRIVER} does not start ({e}): install Debian's chromium-driver")
        });
    let driver = Driver(child);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return (driver, port);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on port {port}");
}

/// Runs `body` in a fresh headless Chromium at `width` pixels; on failure, saves a
/// screenshot and fails the test with the original panic.
pub async fn in_chromium<F, Fut>(test: &str, width: u32, body: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()>,
{
    let (_driver, port) = start_driver().await;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                format!("--window-size={width},900"),
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-default-apps",
            ],
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session");
    let outcome = AssertUnwindSafe(body(client.clone())).catch_unwind().await;
    if let Err(panic) = outcome {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join(format!("{test}.png"));
        if let Ok(png) = client.screenshot().await {
            let _ = std::fs::write(&file, png);
            eprintln!("screenshot of the failing page: {}", file.display());
        }
        let _ = client.close().await;
        std::panic::resume_unwind(panic);
    }
    client.close().await.expect("the browser closes");
}

/// Runs axe-core in the page: no serious or critical violation of WCAG 2.1 A/AA rules.
pub async fn assert_accessible(c: &Client) {
    c.execute(AXE, vec![]).await.expect("axe-core loads");
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
               .then(r => done(r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe-core runs");
    let url = c
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    let violations: Vec<String> = serde_json::from_value(found).unwrap_or_default();
    assert!(
        violations.is_empty(),
        "accessibility violations on {url}:\n{}",
        violations.join("\n")
    );
}

/// Types a user name and password into the sign-in page the browser is on, and sends it.
pub async fn fill_sign_in_page(c: &Client, user: &str, password: &str) {
    c.wait()
        .for_element(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    type_into(c, Locator::Id("password"), password).await;
    click(c, Locator::Css("button[type=submit]")).await;
}

/// Signs in on the sign-in page as a person does.
pub async fn sign_in(c: &Client, s: &TestServer, user: &str, password: &str) {
    c.goto(&format!("{}/", s.base)).await.unwrap();
    fill_sign_in_page(c, user, password).await;
    c.wait()
        .for_element(Locator::Css("header.top .who"))
        .await
        .expect("signed in");
}

/// Types `text` into the element `at` finds.
pub async fn type_into(c: &Client, at: Locator<'_>, text: &str) {
    c.find(at)
        .await
        .unwrap_or_else(|e| panic!("{at:?}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// Clicks the element `at` finds.
pub async fn click(c: &Client, at: Locator<'_>) {
    c.find(at)
        .await
        .unwrap_or_else(|e| panic!("{at:?}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn click_link(c: &Client, text: &str) {
    c.find(Locator::LinkText(text))
        .await
        .unwrap_or_else(|e| panic!("a link '{text}': {e}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver; .ci/run installs them"]
async fn browser_a_lawyer_signs_in_browses_a_matter_to_a_document_and_signs_out() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Acme v. Widget").await;
    let folder = s.create_folder(&ws, "Pleadings").await;
    s.create_folder(&ws, "Correspondence").await;
    for (file, name) in [
        ("answer.txt", "Answer"),
        ("motion.txt", "Motion to dismiss"),
    ] {
        s.upload(&folder, file, name.as_bytes(), json!({"name": name}))
            .await;
    }
    s.upload(
        &folder,
        "complaint.txt",
        b"The plaintiff alleges a breach.",
        json!({"name": "Complaint"}),
    )
    .await;
    in_chromium("browse_to_a_document", 1280, |c| async move {
        sign_in(&c, &s, "admin", ADMIN_PASSWORD).await;
        assert_eq!(text_of(&c, "h1").await, "Home");
        assert_accessible(&c).await;
        click_link(&c, "Browse workspaces in ACTIVE").await;
        c.wait().for_element(Locator::LinkText("Acme v. Widget")).await.unwrap();
        assert_accessible(&c).await;
        click_link(&c, "Acme v. Widget").await;
        c.wait().for_element(Locator::LinkText("Pleadings")).await.unwrap();
        assert_accessible(&c).await;
        click_link(&c, "Pleadings").await;
        c.wait().for_element(Locator::LinkText("Complaint")).await.unwrap();
        assert_accessible(&c).await;
        // `DOSSIER_DOCS_SCREENSHOT=docs/web-client.png` refreshes the README's picture.
        if let Ok(path) = std::env::var("DOSSIER_DOCS_SCREENSHOT") {
            std::fs::write(path, c.screenshot().await.unwrap()).unwrap();
        }
        click_link(&c, "Complaint").await;
        c.wait().for_element(Locator::Id("profile-head")).await.unwrap();
        assert!(text_of(&c, "h1").await.starts_with("Complaint"));
        assert_accessible(&c).await;
        // Keyboard: the skip link is the first thing Tab reaches, and it is visible then.
        let focused: Value = c
            .execute("document.body.focus(); return document.querySelector('.skip').getAttribute('href');", vec![])
            .await
            .unwrap();
        assert_eq!(focused, json!("#main"));
        click(&c, Locator::Css("form[action='/sign-out'] button")).await;
        c.wait().for_element(Locator::Css("main.message")).await.unwrap();
        assert_eq!(text_of(&c, "h1").await, "Signed out");
        // Signed out: the home page asks to sign in again.
        c.goto(&format!("{}/", s.base)).await.unwrap();
        c.wait().for_element(Locator::Id("username")).await.unwrap();
    })
    .await;
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver; .ci/run installs them"]
async fn browser_pages_work_at_400_pixels_wide() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    s.upload(
        &folder,
        "a.txt",
        b"narrow",
        json!({"name": "Narrow screen memo"}),
    )
    .await;
    in_chromium("narrow", 400, |c| async move {
        sign_in(&c, &s, "admin", ADMIN_PASSWORD).await;
        c.goto(&format!("{}/folders/{folder}", s.base))
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::LinkText("Narrow screen memo"))
            .await
            .unwrap();
        // Nothing wider than the window: no sideways scrolling.
        let overflow: Value = c
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            overflow.as_i64().unwrap_or(1) <= 0,
            "the page is wider than the window by {overflow}px"
        );
        assert_accessible(&c).await;
    })
    .await;
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver; .ci/run installs them"]
async fn browser_security_changed_in_the_dialog_changes_a_second_users_view() {
    let s = TestServer::start().await;
    s.new_user("BOB", "bob-password-1").await;
    let ws = s.create_workspace("Private matter").await;
    let (st, b) = s
        .post(
            &s.lib(&format!("/workspaces/{ws}/security")),
            json!({"default_security": "private"}),
        )
        .await;
    assert!(st.is_success(), "{b}");
    let (mut bob, _) = super::sign_in(&s, "bob", "bob-password-1").await;
    assert_eq!(
        bob.get(&format!("/workspaces/{ws}")).await.status,
        reqwest::StatusCode::NOT_FOUND
    );
    let page = format!("{}/workspaces/{ws}/security", s.base);
    in_chromium("security_dialog", 1280, |c| async move {
        sign_in(&c, &s, "admin", ADMIN_PASSWORD).await;
        c.goto(&page).await.unwrap();
        c.wait()
            .for_element(Locator::Id("security-form"))
            .await
            .unwrap();
        assert_accessible(&c).await;
        type_into(&c, Locator::Id("add_id"), "bob").await;
        click(&c, Locator::Css("#add_level option[value=read]")).await;
        click(&c, Locator::Css("#security-form button[type=submit]")).await;
        c.wait()
            .for_element(Locator::Id("level.user.BOB"))
            .await
            .expect("Bob is a trustee now");
        // Bob's view changed: the workspace opens for him.
        assert_eq!(
            bob.get(&format!("/workspaces/{ws}")).await.status,
            reqwest::StatusCode::OK
        );
        // And the dialog says why.
        type_into(&c, Locator::Id("explain"), "bob").await;
        click(&c, Locator::Css("#explain-form button[type=submit]")).await;
        let why = c
            .wait()
            .for_element(Locator::Css(".explanation"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            why.contains("can read this because they are named in its security"),
            "{why}"
        );
        assert_accessible(&c).await;
    })
    .await;
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver; .ci/run installs them"]
async fn browser_a_workflow_is_started_on_two_selected_documents() {
    use crate::automate::workflows::{
        allowing_localhost, approval_form, receiver, register, wait_for,
    };
    let s = TestServer::start_with(allowing_localhost()).await;
    let (hooks, got) = receiver().await;
    approval_form(&s).await;
    let folder = s.folder().await;
    for name in ["Brief", "Exhibit", "Letter"] {
        s.upload(
            &folder,
            &format!("{name}.txt"),
            name.as_bytes(),
            json!({"name": name}),
        )
        .await;
    }
    let r = register(
        &s,
        &s.token,
        "multipleSelectedDocuments",
        Some(("flow-m", "env-1", "v1")),
        json!({"callbackUrl": format!("{hooks}/flow/bundle"), "workflowName": "Bundle for the court",
               "description": "Sends the selection to the clerk", "libraryId": "ACTIVE", "formId": "approval",
               "inferFolderId": false, "waitForCompletion": false, "users": "ADMIN"}),
    )
    .await;
    assert_eq!(
        r.status(),
        reqwest::StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let listing = format!("{}/folders/{folder}", s.base);
    in_chromium("start_workflow", 1280, |c| async move {
        sign_in(&c, &s, "admin", ADMIN_PASSWORD).await;
        c.goto(&listing).await.unwrap();
        for name in ["Brief", "Exhibit"] {
            c.wait()
                .for_element(Locator::Css(&format!("input[aria-label='Select {name}']")))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
        click(&c, Locator::Css("#selection button[type=submit]")).await;
        c.wait()
            .for_element(Locator::LinkText("Bundle for the court"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::Id("field-reason"))
            .await
            .unwrap()
            .send_keys("for the hearing")
            .await
            .unwrap();
        assert_accessible(&c).await;
        click(&c, Locator::Css("#workflow-form button[type=submit]")).await;
        let state = c
            .wait()
            .for_element(Locator::Css("p.notice"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(state.starts_with("State:"), "{state}");
        assert_accessible(&c).await;
        let calls = wait_for(&got, 1).await;
        let payload = calls[0].2.to_string();
        assert!(payload.contains("for the hearing"), "{payload}");
        assert!(
            !payload.contains("Letter"),
            "only the selection is sent: {payload}"
        );
    })
    .await;
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver; .ci/run installs them"]
async fn browser_an_application_added_in_the_control_center_signs_a_user_in() {
    use crate::oauth::{REDIRECT, sign_in_through_pages};
    let s = TestServer::start().await;
    let console = format!("{}/admin/applications", s.base);
    in_chromium("control_center_app", 1280, |c| async move {
        sign_in(&c, &s, "admin", ADMIN_PASSWORD).await;
        // Opening the Control Center asks for the password again (the admin scope).
        c.goto(&console).await.unwrap();
        fill_sign_in_page(&c, "admin", ADMIN_PASSWORD).await;
        c.wait()
            .for_element(Locator::Id("add-app-form"))
            .await
            .unwrap();
        assert_accessible(&c).await;
        type_into(&c, Locator::Id("app-name"), "Actionstep").await;
        type_into(&c, Locator::Id("app-redirects"), REDIRECT).await;
        click(&c, Locator::Css("#add-app-form button[type=submit]")).await;
        let id = c
            .wait()
            .for_element(Locator::Id("client-id"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let secret = c
            .find(Locator::Id("client-secret"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_accessible(&c).await;
        for page in ["/admin/walls", "/admin/audit", "/admin"] {
            c.goto(&format!("{}{page}", s.base)).await.unwrap();
            c.wait()
                .for_element(Locator::Css("nav.admin-nav"))
                .await
                .unwrap();
            assert_accessible(&c).await;
        }
        c.goto(&format!("{}/admin/users", s.base)).await.unwrap();
        c.wait()
            .for_element(Locator::Id("add-user-form"))
            .await
            .unwrap();
        assert_accessible(&c).await;
        // The integration, with that id and secret, signs a user in.
        let (params, _) = sign_in_through_pages(
            &s,
            "/auth/oauth2/authorize",
            &id,
            &[],
            "admin",
            ADMIN_PASSWORD,
        )
        .await;
        let r = s
            .http
            .post(format!("{}/auth/oauth2/token", s.base))
            .basic_auth(&id, Some(&secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", params["code"].as_str()),
                ("redirect_uri", REDIRECT),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            reqwest::StatusCode::OK,
            "{}",
            r.text().await.unwrap_or_default()
        );
    })
    .await;
}

/// A link in the folder's table (not the upload list's "Filed as" link).
fn listed(name: &str) -> Locator<'_> {
    Locator::XPath(Box::leak(
        format!("//div[@id='folder-documents']//table//a[normalize-space(text())='{name}']")
            .into_boxed_str(),
    ))
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver; .ci/run installs them"]
async fn browser_two_files_dropped_on_a_folder_are_listed() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Acme v. Widget").await;
    let folder = s.create_folder(&ws, "Drafts").await;
    in_chromium("drop_two_files", 1280, |c| async move {
        sign_in(&c, &s, "admin", ADMIN_PASSWORD).await;
        c.goto(&format!("{}/folders/{folder}", s.base)).await.unwrap();
        c.wait().for_element(Locator::Id("upload-head")).await.unwrap();
        assert_accessible(&c).await;
        // A drop as the browser delivers one: a DataTransfer holding two files.
        c.execute(
            "const dt = new DataTransfer();
             dt.items.add(new File(['The first draft.'], 'first draft.txt', {type: 'text/plain'}));
             dt.items.add(new File(['The second draft.'], 'second draft.txt', {type: 'text/plain'}));
             const zone = document.querySelector('[data-upload]');
             zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
             zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));",
            vec![],
        )
        .await
        .unwrap();
        // Each file has its progress bar and its answer; then the table is read again.
        c.wait().for_element(listed("first draft")).await.unwrap();
        c.wait().for_element(listed("second draft")).await.unwrap();
        let bars: Value = c
            .execute("return document.querySelectorAll('.uploads progress').length;", vec![])
            .await
            .unwrap();
        assert_eq!(bars, json!(2));
        assert!(text_of(&c, ".uploads").await.contains("Filed as first draft"));
        assert!(text_of(&c, "#docs-head").await.contains("(2)"));
        assert_accessible(&c).await;
    })
    .await;
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver; .ci/run installs them"]
async fn browser_a_chosen_file_asks_for_a_required_field_then_is_filed() {
    let s = TestServer::start().await;
    super::filing::require_a_reference(&s).await;
    let folder = s.folder().await;
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-upload");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("engagement letter.txt");
    std::fs::write(&path, b"We are pleased to act for you.").unwrap();
    in_chromium("file_input_and_dialog", 1280, |c| async move {
        sign_in(&c, &s, "admin", ADMIN_PASSWORD).await;
        c.goto(&format!("{}/folders/{folder}", s.base))
            .await
            .unwrap();
        // The file input, as a keyboard user reaches it.
        c.wait()
            .for_element(Locator::Id("upload-files"))
            .await
            .unwrap()
            .send_keys(path.to_str().unwrap())
            .await
            .unwrap();
        let field = c
            .wait()
            .for_element(Locator::Css("dialog[open] #pf-custom14"))
            .await
            .unwrap();
        assert_eq!(
            text_of(&c, "dialog label[for=pf-custom14]").await,
            "Reference"
        );
        assert_accessible(&c).await;
        field.send_keys("REF-42").await.unwrap();
        click(&c, Locator::Css("dialog button[type=submit]")).await;
        c.wait()
            .for_element(listed("engagement letter"))
            .await
            .unwrap();
        assert_accessible(&c).await;
    })
    .await;
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver; .ci/run installs them"]
async fn browser_a_facet_click_narrows_the_search() {
    let s = TestServer::start().await;
    super::finding::claims(&s).await;
    in_chromium("facet_click", 1280, |c| async move {
        sign_in(&c, &s, "admin", ADMIN_PASSWORD).await;
        let box_ = c.find(Locator::Id("q")).await.unwrap();
        box_.send_keys("warranty").await.unwrap();
        click(&c, Locator::Css("form.search button")).await;
        c.wait()
            .for_element(Locator::Id("facets-head"))
            .await
            .unwrap();
        assert!(
            text_of(&c, "p.count[role=status]")
                .await
                .starts_with("3 documents match")
        );
        assert_accessible(&c).await;
        click_link(&c, "Globex Corp (GLOBEX)").await;
        c.wait()
            .for_element(Locator::Css("ol.results"))
            .await
            .unwrap();
        assert!(
            text_of(&c, "p.count[role=status]")
                .await
                .starts_with("1 document matches")
        );
        let results = text_of(&c, "ol.results").await;
        assert!(
            results.contains("Claim 2") && !results.contains("Claim 0"),
            "{results}"
        );
        assert_accessible(&c).await;
    })
    .await;
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver; .ci/run installs them"]
async fn browser_a_folder_is_created_from_the_workspace_page() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Acme v. Widget").await;
    in_chromium("create_folder", 1280, |c| async move {
        sign_in(&c, &s, "admin", ADMIN_PASSWORD).await;
        c.goto(&format!("{}/workspaces/{ws}", s.base))
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::XPath("//summary[text()='New folder']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert_accessible(&c).await;
        type_into(&c, Locator::Id("new-folder-name"), "Pleadings").await;
        c.find(Locator::XPath("//button[text()='Create folder']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::Css(".tree a[aria-current=page]"))
            .await
            .unwrap();
        assert!(text_of(&c, "h1").await.starts_with("Pleadings"));
        assert_accessible(&c).await;
    })
    .await;
}
