//! Creating from the web client through HTTP: a workspace from the template its matter
//! type maps to, folders and tabs; the forms are offered only where the user may create,
//! and what is refused (no token, no name, a parent the user may not read or not change)
//! creates nothing.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::pages::alices_private_matter;
use super::{Browser, csrf_of, sign_in, sign_in_admin};
use crate::harness::TestServer;

/// The names in a workspace page's tree.
async fn tree_of(b: &mut Browser, ws: &str) -> String {
    let page = b.get(&format!("/workspaces/{ws}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let (_, rest) = page.body.split_once("class=\"tree\"").unwrap();
    rest.split_once("</nav>").unwrap().0.to_string()
}

#[tokio::test]
async fn a_workspace_is_made_from_the_template_its_matter_type_maps_to() {
    let s = TestServer::start().await;
    let (st, b) = s
        .post(
            &s.lib("/customs/custom3"),
            json!({"id": "LITIGATION", "description": "Litigation"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, t) = s
        .post(
            &s.lib("/templates"),
            json!({"name": "Litigation template", "custom3": "LITIGATION"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{t}");
    let template = t["data"]["id"].as_str().unwrap().to_string();
    s.create_folder(&template, "Pleadings").await;
    let (st, b) = s
        .send_json(
            Method::PUT,
            &s.lib("/matter-settings"),
            json!({"matter_type_field": "custom3", "templates": {"LITIGATION": template}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (mut b, _) = sign_in_admin(&s).await;
    let page = b.get("/libraries/ACTIVE").await;
    assert!(
        page.body
            .contains("action=\"/libraries/ACTIVE/workspaces\""),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<select id=\"new-ws-type\" name=\"custom3\">"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<option value=\"LITIGATION\">"));
    let csrf = csrf_of(&page);
    let made = b
        .post_form(
            "/libraries/ACTIVE/workspaces",
            &[
                ("csrf", &csrf),
                ("name", "Acme v. Widget"),
                ("description", ""),
                ("custom1", ""),
                ("custom2", ""),
                ("custom3", "LITIGATION"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let ws = made
        .location()
        .strip_prefix("/workspaces/")
        .expect("to the workspace")
        .to_string();
    assert!(
        tree_of(&mut b, &ws).await.contains("Pleadings"),
        "the template's tree"
    );
    // Without a matter type: a bare workspace.
    let bare = b
        .post_form(
            "/libraries/ACTIVE/workspaces",
            &[("csrf", &csrf), ("name", "Bare matter")],
        )
        .await;
    assert_eq!(bare.status, StatusCode::SEE_OTHER, "{}", bare.body);
    let bare = bare
        .location()
        .strip_prefix("/workspaces/")
        .unwrap()
        .to_string();
    assert!(!tree_of(&mut b, &bare).await.contains("Pleadings"));
    s.stop().await;
}

#[tokio::test]
async fn folders_and_tabs_are_created_where_the_user_may() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Acme v. Widget").await;
    let (mut b, _) = sign_in_admin(&s).await;
    let page = b.get(&format!("/workspaces/{ws}")).await;
    assert!(
        page.body
            .contains(&format!("action=\"/workspaces/{ws}/folders\"")),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("action=\"/workspaces/{ws}/tabs\""))
    );
    let csrf = csrf_of(&page);
    let tab = b
        .post_form(
            &format!("/workspaces/{ws}/tabs"),
            &[("csrf", &csrf), ("name", "Correspondence")],
        )
        .await;
    assert_eq!(tab.status, StatusCode::SEE_OTHER, "{}", tab.body);
    let folder = b
        .post_form(
            &format!("/workspaces/{ws}/folders"),
            &[
                ("csrf", &csrf),
                ("name", "Pleadings"),
                ("description", "as filed"),
            ],
        )
        .await;
    assert_eq!(folder.status, StatusCode::SEE_OTHER, "{}", folder.body);
    let folder_page = b.get(folder.location()).await;
    assert!(
        folder_page.body.contains("<h1>Pleadings"),
        "{}",
        folder_page.body
    );
    let folder_id = folder
        .location()
        .strip_prefix("/folders/")
        .unwrap()
        .to_string();
    assert!(
        folder_page
            .body
            .contains(&format!("action=\"/folders/{folder_id}/folders\""))
    );
    let sub = b
        .post_form(
            &format!("/folders/{folder_id}/folders"),
            &[("csrf", &csrf), ("name", "Drafts")],
        )
        .await;
    assert_eq!(sub.status, StatusCode::SEE_OTHER, "{}", sub.body);
    let tree = tree_of(&mut b, &ws).await;
    for name in ["Correspondence", "Pleadings", "Drafts"] {
        assert!(tree.contains(name), "{name} in {tree}");
    }
    s.stop().await;
}

#[tokio::test]
async fn refused_creations_make_nothing() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Acme v. Widget").await;
    let (mut b, _) = sign_in_admin(&s).await;
    let csrf = csrf_of(&b.get(&format!("/workspaces/{ws}")).await);
    let before = tree_of(&mut b, &ws).await;
    // No CSRF token.
    let got = b
        .post_form(&format!("/workspaces/{ws}/folders"), &[("name", "Forged")])
        .await;
    assert_eq!(got.status, StatusCode::FORBIDDEN, "{}", got.body);
    // No name, and a name too long: the 400 page.
    let got = b
        .post_form(
            &format!("/workspaces/{ws}/folders"),
            &[("csrf", &csrf), ("name", " ")],
        )
        .await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST, "{}", got.body);
    assert!(got.body.contains("That did not work"), "{}", got.body);
    let long = "x".repeat(5000);
    let got = b
        .post_form(
            &format!("/workspaces/{ws}/tabs"),
            &[("csrf", &csrf), ("name", &long)],
        )
        .await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST, "{}", got.body);
    let got = b
        .post_form("/libraries/ACTIVE/workspaces", &[("csrf", &csrf)])
        .await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST, "{}", got.body);
    assert_eq!(tree_of(&mut b, &ws).await, before, "nothing was created");
    s.stop().await;
}

#[tokio::test]
async fn a_parent_the_user_may_not_read_or_change_is_refused_as_such() {
    let s = TestServer::start().await;
    let (ws, folder, _) = alices_private_matter(&s).await;
    s.new_user("bob", "web-leak-password").await;
    let (mut bob, home) = sign_in(&s, "bob", "web-leak-password").await;
    let csrf = csrf_of(&home);
    let missing = bob
        .post_form(
            "/workspaces/ACTIVE!999999/folders",
            &[("csrf", &csrf), ("name", "X")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
    for path in [
        format!("/workspaces/{ws}/folders"),
        format!("/workspaces/{ws}/tabs"),
        format!("/folders/{folder}/folders"),
    ] {
        let got = bob
            .post_form(&path, &[("csrf", &csrf), ("name", "X")])
            .await;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(got.body, missing.body, "{path} reads like a missing object");
    }
    // A reader: no forms, and a refusal.
    let open = s.create_workspace("Public matter").await;
    let (st, body) = s
        .post(
            &s.lib(&format!("/workspaces/{open}/security")),
            json!({"default_security": "private",
                   "include": [{"id": "BOB", "type": "user", "access_level": "read"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let page = bob.get(&format!("/workspaces/{open}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("New folder"), "{}", page.body);
    let got = bob
        .post_form(
            &format!("/workspaces/{open}/folders"),
            &[("csrf", &csrf), ("name", "X")],
        )
        .await;
    assert_eq!(got.status, StatusCode::FORBIDDEN, "{}", got.body);
    s.stop().await;
}
