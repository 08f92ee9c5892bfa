//! The security dialog: what it shows, who may change it, the change through the page, and
//! the explanation of one person's access compared with what they can actually open.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{Browser, csrf_of, sign_in, sign_in_admin};
use crate::harness::{ADMIN_PASSWORD, TestServer};

/// A private workspace the Litigation group may read; Jane is in Litigation, Bob is not.
async fn litigation_matter(s: &TestServer) -> String {
    s.new_user("JANE", "jane-password-1").await;
    s.new_user("BOB", "bob-password-1").await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    let (st, g) = s
        .send_json_as(
            &admin,
            Method::POST,
            &format!("{}/work/api/v2/customers/1/groups", s.base),
            json!({"id": "LIT", "full_name": "Litigation", "members": ["jane"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{g}");
    let ws = s.create_workspace("Acme v. Widget").await;
    let (st, b) = s
        .post(
            &s.lib(&format!("/workspaces/{ws}/security")),
            json!({"default_security": "private", "include": [{"id": "LIT", "type": "group", "access_level": "read"}]}),
        )
        .await;
    assert!(st.is_success(), "{b}");
    ws
}

#[tokio::test]
async fn the_dialog_explains_access_and_changes_security_for_whoever_may() {
    let s = TestServer::start().await;
    let ws = litigation_matter(&s).await;
    let page = format!("/workspaces/{ws}/security");
    let (mut admin, _) = sign_in_admin(&s).await;
    let shown = admin.get(&page).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(
        shown.body.contains("Litigation") && shown.body.contains("Private"),
        "{}",
        shown.body
    );
    assert!(
        shown.body.contains("Save security"),
        "an administrator may change it"
    );
    let why = admin.get(&format!("{page}?explain=jane")).await;
    assert!(
        why.body
            .contains("can read this because they are in Litigation (LIT)"),
        "{}",
        why.body
    );
    let why = admin.get(&format!("{page}?explain=bob")).await;
    assert!(
        why.body
            .contains("cannot open this because nothing in its security names them"),
        "{}",
        why.body
    );
    let why = admin.get(&format!("{page}?explain=nobody")).await;
    assert!(
        why.body.contains("There is no user nobody."),
        "{}",
        why.body
    );

    // Bob cannot read the workspace: its dialog reads like a missing page.
    let (mut bob, _) = sign_in(&s, "bob", "bob-password-1").await;
    let missing = bob.get("/workspaces/ACTIVE!999999/security").await;
    let hidden = bob.get(&page).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.body, missing.body);
    assert_eq!(
        bob.get(&format!("/workspaces/{ws}")).await.status,
        StatusCode::NOT_FOUND
    );

    // Jane may read it: she sees the security but is offered no change, and a forged post
    // is refused.
    let (mut jane, jane_home) = sign_in(&s, "jane", "jane-password-1").await;
    let seen = jane.get(&page).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.body.contains("Save security"), "{}", seen.body);
    let refused = jane
        .post_form(
            &page,
            &[
                ("csrf", &csrf_of(&jane_home)),
                ("add_id", "jane"),
                ("add_level", "full_access"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    // Without the CSRF token nothing changes, and a bad level is a 400 that changes nothing.
    let admin_home = admin.get("/").await;
    let csrf = csrf_of(&admin_home);
    let forged = admin
        .post_form(&page, &[("add_id", "bob"), ("add_level", "read")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let bad = admin
        .post_form(
            &page,
            &[
                ("csrf", &csrf),
                ("add_id", "bob"),
                ("add_level", "everything"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert_eq!(
        bob.get(&format!("/workspaces/{ws}")).await.status,
        StatusCode::NOT_FOUND
    );

    // The administrator gives Bob read-write through the dialog: Bob's view changes, and
    // the explanation says why.
    let saved = admin
        .post_form(
            &page,
            &[
                ("csrf", &csrf),
                ("default_security", "private"),
                ("level.group.LIT", "read"),
                ("add_type", "user"),
                ("add_id", "bob"),
                ("add_level", "read_write"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        bob.get(&format!("/workspaces/{ws}")).await.status,
        StatusCode::OK
    );
    let why = admin.get(&format!("{page}?explain=bob")).await;
    assert!(
        why.body
            .contains("can read and change this because they are named in its security"),
        "{}",
        why.body
    );
    // Removing Litigation shuts Jane out.
    let saved = admin
        .post_form(&page, &[("csrf", &csrf), ("level.group.LIT", "remove")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        jane.get(&format!("/workspaces/{ws}")).await.status,
        StatusCode::NOT_FOUND
    );
    s.stop().await;
}

#[tokio::test]
async fn the_explanation_agrees_with_what_each_person_can_open() {
    let s = TestServer::start().await;
    let ws = litigation_matter(&s).await;
    let folder = s.create_folder(&ws, "Pleadings").await;
    let (mut admin, _) = sign_in_admin(&s).await;
    for (user, password) in [("jane", "jane-password-1"), ("bob", "bob-password-1")] {
        let mut b: Browser = sign_in(&s, user, password).await.0;
        for page in [format!("/workspaces/{ws}"), format!("/folders/{folder}")] {
            let opens = b.get(&page).await.status == StatusCode::OK;
            let why = admin
                .get(&format!("{page}/security?explain={user}"))
                .await
                .body;
            let says_no = why.contains("cannot open this");
            assert_eq!(opens, !says_no, "{user} on {page}: {why}");
        }
    }
    s.stop().await;
}
