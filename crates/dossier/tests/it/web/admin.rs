//! The Control Center: who may see it at all, the step-up sign-in for the admin scope,
//! users, and applications — ending with a real authorization-code sign-in by an
//! application added through the page.

use reqwest::{Method, StatusCode};

use super::{Browser, Got, csrf_of, hidden_fields, sign_in};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::oauth::{REDIRECT, sign_in_through_pages};

/// Opens the Control Center as an administrator: the everyday session is sent to sign in
/// again for the admin scope, and comes back to `/admin`.
async fn admin_console(s: &TestServer) -> (Browser, Got) {
    let (mut b, _) = sign_in(s, "admin", ADMIN_PASSWORD).await;
    let first = b.get("/admin").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(first.location(), "/sign-in?admin=true&next=%2Fadmin");
    let page = b.open(first.location()).await;
    assert!(page.body.contains("Sign in to Dossier"), "{}", page.body);
    let mut form = hidden_fields(&page.body);
    assert!(
        form.iter()
            .any(|(k, v)| k == "scope" && v.contains("admin")),
        "{form:?}"
    );
    form.push(("username".into(), "admin".into()));
    form.push(("password".into(), ADMIN_PASSWORD.into()));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let back = b.post_form("/auth/oauth2/authorize", &form).await;
    let console = b.open(back.location()).await;
    assert_eq!(console.status, StatusCode::OK, "{}", console.body);
    assert!(console.body.contains("Control Center"));
    (b, console)
}

#[tokio::test]
async fn the_control_center_does_not_exist_for_non_administrators() {
    let s = TestServer::start().await;
    s.new_user("JDOE", "jdoe-password-1").await;
    let (mut b, home) = sign_in(&s, "jdoe", "jdoe-password-1").await;
    assert!(
        !home.body.contains("/admin"),
        "no way to the Control Center is shown"
    );
    let missing = b.get("/documents/ACTIVE!999999").await;
    let csrf = csrf_of(&home);
    for path in [
        "/admin",
        "/admin/users",
        "/admin/applications",
        "/admin/users?q=a",
    ] {
        let got = b.get(path).await;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(got.body, missing.body, "{path}");
    }
    for path in [
        "/admin/users",
        "/admin/users/ADMIN",
        "/admin/applications",
        "/admin/applications/x/revoke",
    ] {
        let got = b
            .post_form(
                path,
                &[
                    ("csrf", &csrf),
                    ("change", "lock"),
                    ("name", "x"),
                    ("id", "x"),
                    ("full_name", "x"),
                    ("how", "password"),
                ],
            )
            .await;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Asking for the admin scope does not help: the authorization endpoint refuses it.
    let step_up = b.open("/sign-in?admin=true&next=%2Fadmin").await;
    let mut form = hidden_fields(&step_up.body);
    form.push(("username".into(), "jdoe".into()));
    form.push(("password".into(), "jdoe-password-1".into()));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let back = b.post_form("/auth/oauth2/authorize", &form).await;
    let landed = b.open(back.location()).await;
    assert_ne!(landed.status, StatusCode::OK, "{}", landed.body);
    assert_eq!(b.get("/admin").await.status, StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test]
async fn users_are_added_locked_unlocked_and_deactivated_from_the_console() {
    let s = TestServer::start().await;
    let (mut b, console) = admin_console(&s).await;
    let csrf = csrf_of(&console);
    let added = b
        .post_form(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("id", "mkent"),
                ("full_name", "Mary Kent"),
                ("email", "mary@example.com"),
                ("library", "ACTIVE"),
                ("how", "password"),
                ("password", "mary-password-1"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let list = b.get("/admin/users?q=kent").await;
    assert!(
        list.body.contains("Mary Kent") && list.body.contains("MKENT"),
        "{}",
        list.body
    );
    assert!(
        !list.body.contains(">ADMIN<"),
        "the search narrows the list"
    );
    // She signs in to the web client with that password.
    sign_in(&s, "mkent", "mary-password-1").await;
    // A bad login id is refused with the reason, and nothing is added.
    let bad = b
        .post_form(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("id", "no spaces allowed"),
                ("full_name", "X"),
                ("how", "password"),
                ("password", "whatever-password"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(
        !b.get("/admin/users")
            .await
            .body
            .contains("no spaces allowed")
    );
    // Locked: her sign-in fails; unlocked: it works again.
    let locked = b
        .post_form("/admin/users/MKENT", &[("csrf", &csrf), ("change", "lock")])
        .await;
    assert_eq!(locked.status, StatusCode::SEE_OTHER);
    assert!(b.get("/admin/users?q=kent").await.body.contains("Locked"));
    let (st, _) = crate::oauth::token(
        &s,
        &[
            ("grant_type", "password"),
            ("username", "mkent"),
            ("password", "mary-password-1"),
        ],
    )
    .await;
    assert_ne!(st, StatusCode::OK);
    b.post_form(
        "/admin/users/MKENT",
        &[("csrf", &csrf), ("change", "unlock")],
    )
    .await;
    let (st, _) = crate::oauth::token(
        &s,
        &[
            ("grant_type", "password"),
            ("username", "mkent"),
            ("password", "mary-password-1"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    b.post_form(
        "/admin/users/MKENT",
        &[("csrf", &csrf), ("change", "deactivate")],
    )
    .await;
    assert!(
        b.get("/admin/users?q=kent")
            .await
            .body
            .contains("Deactivated")
    );
    // Without the CSRF token nothing happens.
    let forged = b
        .post_form("/admin/users/MKENT", &[("change", "activate")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        b.get("/admin/users?q=kent")
            .await
            .body
            .contains("Deactivated")
    );
    s.stop().await;
}

/// The text of the element with this id in a page.
fn text_of_id(html: &str, id: &str) -> String {
    html.split(&format!("id=\"{id}\">"))
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn an_application_added_in_the_console_signs_a_user_in_with_its_id_and_secret() {
    let s = TestServer::start().await;
    let (mut b, console) = admin_console(&s).await;
    let csrf = csrf_of(&console);
    let added = b
        .post_form(
            "/admin/applications",
            &[
                ("csrf", &csrf),
                ("name", "Actionstep"),
                ("redirect_uris", REDIRECT),
                ("scope_openid", "on"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let client_id = text_of_id(&added.body, "client-id");
    let secret = text_of_id(&added.body, "client-secret");
    assert!(
        !client_id.is_empty() && secret.len() >= 40,
        "{}",
        added.body
    );
    assert!(added.body.contains("shown only this once"));
    // The secret is not shown again.
    let list = b.get("/admin/applications").await;
    assert!(list.body.contains("Actionstep") && list.body.contains(&client_id));
    assert!(!list.body.contains(&secret));
    // The integration signs a user in with the authorization code grant.
    let (params, consented) = sign_in_through_pages(
        &s,
        "/auth/oauth2/authorize",
        &client_id,
        &[("state", "xyz")],
        "admin",
        ADMIN_PASSWORD,
    )
    .await;
    assert!(consented, "a third-party application asks for consent");
    let code = &params["code"];
    let r = s
        .http
        .post(format!("{}/auth/oauth2/token", s.base))
        .basic_auth(&client_id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let tokens: serde_json::Value = r.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let works = s
        .http
        .get(s.lib("/workspaces"))
        .header("X-Auth-Token", &access)
        .send()
        .await
        .unwrap();
    assert_eq!(works.status(), StatusCode::OK);
    // Revoked in the console: its token stops working at once.
    let revoked = b
        .post_form(
            &format!("/admin/applications/{client_id}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    let refused = s
        .http
        .get(s.lib("/workspaces"))
        .header("X-Auth-Token", &access)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    // The web client's own application is listed but cannot be changed.
    assert!(b.get("/admin/applications").await.body.contains("Built in"));
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    let (st, body) = s
        .send_json_as(
            &admin,
            Method::PATCH,
            &format!("{}/work/api/v2/customers/1/apps/dossier-web", s.base),
            serde_json::json!({"redirect_uris": ["https://evil.example/cb"]}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    s.stop().await;
}

#[tokio::test]
async fn a_wall_made_in_the_console_shuts_a_user_out_and_the_reports_say_why() {
    let s = TestServer::start().await;
    s.new_user("JDOE", "jdoe-password-1").await;
    let ws = s.create_workspace("Project Falcon").await;
    let (mut jdoe, _) = sign_in(&s, "jdoe", "jdoe-password-1").await;
    assert_eq!(
        jdoe.get(&format!("/workspaces/{ws}")).await.status,
        StatusCode::OK
    );
    let (mut b, console) = admin_console(&s).await;
    let csrf = csrf_of(&console);
    // A wall that covers nothing is refused with the Work API's reason, and none is made.
    let bad = b
        .post_form(
            "/admin/walls/ACTIVE",
            &[
                ("csrf", &csrf),
                ("name", "Nothing"),
                ("kind", "exclusive"),
                ("users", "jdoe"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("A wall covers a client"), "{}", bad.body);
    assert!(
        b.get("/admin/walls")
            .await
            .body
            .contains("No walls in this library")
    );
    let made = b
        .post_form(
            "/admin/walls/ACTIVE",
            &[
                ("csrf", &csrf),
                ("name", "Falcon wall"),
                ("kind", "exclusive"),
                ("workspace_id", &ws),
                ("users", "jdoe"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let report_page = made.location().to_string();
    assert!(
        report_page.starts_with("/admin/walls/ACTIVE/"),
        "{report_page}"
    );
    // Jane's view changed: the matter is gone for her.
    assert_eq!(
        jdoe.get(&format!("/workspaces/{ws}")).await.status,
        StatusCode::NOT_FOUND
    );
    let report = b.get(&report_page).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let shut_out = report
        .body
        .split("Shut out")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(shut_out.contains("JDOE"), "{}", report.body);
    assert!(
        report.body.contains("shut out by ethical wall"),
        "{}",
        report.body
    );
    // The access report as of today says what she may read there now, and why not.
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let csv = b
        .get(&format!("{report_page}/access.csv?date={today}"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.body.starts_with("user,workspace,access,why\r\n"),
        "{}",
        csv.body
    );
    assert!(
        csv.body
            .lines()
            .any(|l| l.starts_with("JDOE,") && l.contains("shut out by ethical wall")),
        "{}",
        csv.body
    );
    let bad_date = b.get(&format!("{report_page}?date=yesterday")).await;
    assert_eq!(bad_date.status, StatusCode::BAD_REQUEST);
    // The audit log has the wall's creation, on the page and in the CSV.
    let audit = b.get("/admin/audit?action=wall.").await;
    assert!(audit.body.contains("wall.create"), "{}", audit.body);
    let audit_csv = b.get("/admin/audit.csv?action=wall.").await;
    assert!(
        audit_csv
            .body
            .starts_with("time,user,action,object,outcome,address,detail"),
        "{}",
        audit_csv.body
    );
    assert!(audit_csv.body.contains("wall.create"));
    assert_eq!(
        audit_csv.body.lines().count(),
        2,
        "the header and the one wall: {}",
        audit_csv.body
    );
    s.stop().await;
}
