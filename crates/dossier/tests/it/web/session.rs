//! Signing in and out of the web client, the session cookie, its timeouts, and forgery
//! protection on every state-changing request.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};

use super::{Browser, csrf_of, sign_in, sign_in_admin};
use crate::harness::{ADMIN_PASSWORD, TestServer};

#[tokio::test]
async fn signing_in_goes_through_the_sign_in_page_and_back_to_the_page_asked_for() {
    let s = TestServer::start().await;
    let mut b = Browser::new(&s);
    // Not signed in: the page sends the browser to sign in, remembering where it was going.
    let first = b.get("/search?q=lease").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(first.location(), "/sign-in?next=%2Fsearch%3Fq%3Dlease");
    let start = b.get(first.location()).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER);
    let authorize = start.location().to_string();
    assert!(
        authorize.starts_with("/auth/oauth2/authorize?"),
        "{authorize}"
    );
    for part in [
        "client_id=dossier-web",
        "code_challenge_method=S256",
        "response_type=code",
    ] {
        assert!(authorize.contains(part), "{authorize}");
    }
    let page = b.get(&authorize).await;
    assert_eq!(page.status, StatusCode::OK);
    // The first-party client gets no consent page: the password brings the browser back.
    let mut form = super::hidden_fields(&page.body);
    form.push(("username".into(), "admin".into()));
    form.push(("password".into(), ADMIN_PASSWORD.into()));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let back = b.post_form("/auth/oauth2/authorize", &form).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    assert!(
        back.location()
            .starts_with(&format!("{}/signed-in?code=", s.base)),
        "{}",
        back.location()
    );
    let signed_in = b.get(back.location()).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_in.location(), "/search?q=lease");
    let session = signed_in
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("dossier_session="))
        .expect("a session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(session.contains("Path=/"), "{session}");
    assert!(!session.contains("Secure"), "plain HTTP: {session}");
    let search = b.get("/search?q=lease").await;
    assert_eq!(search.status, StatusCode::OK);
    assert!(search.body.contains("Administrator"), "{}", search.body);
    // The sign-in is in the audit log as a sign-in through the authorization page.
    s.stop().await;
}

#[tokio::test]
async fn behind_https_the_session_cookie_is_secure() {
    let s = TestServer::start_with(BTreeMap::from([(
        "DOSSIER_PUBLIC_URL".to_string(),
        "https://dms.example.com".to_string(),
    )]))
    .await;
    // The sign-in page sends the browser to the public address; a test follows on loopback.
    let mut b = Browser::new(&s);
    let start = b.get("/sign-in").await;
    let cookie = start.set_cookies().join("\n");
    assert!(
        cookie.contains("dossier_web_signin=") && cookie.contains("Secure"),
        "{cookie}"
    );
    assert!(
        start
            .location()
            .contains("redirect_uri=https%3A%2F%2Fdms.example.com%2Fsigned-in"),
        "{}",
        start.location()
    );
    s.stop().await;
}

#[tokio::test]
async fn a_code_or_state_from_elsewhere_opens_no_session() {
    let s = TestServer::start().await;
    let mut b = Browser::new(&s);
    // No sign-in started in this browser.
    let got = b.get("/signed-in?code=abc&state=def").await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST);
    assert!(got.body.contains("Sign in again"), "{}", got.body);
    // Started, but the state does not match.
    b.get("/sign-in").await;
    let got = b.get("/signed-in?code=abc&state=def").await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST);
    assert!(!b.cookies.contains_key("dossier_session"));
    // A made-up session cookie is no session.
    b.cookies.insert("dossier_session".into(), "made-up".into());
    assert_eq!(b.get("/").await.status, StatusCode::SEE_OTHER);
    s.stop().await;
}

#[tokio::test]
async fn every_state_changing_request_needs_the_session_csrf_token() {
    let s = TestServer::start().await;
    let (mut b, home) = sign_in_admin(&s).await;
    let csrf = csrf_of(&home);
    // A form without the token, with another one, or a request without the header.
    let none = b.post_form("/sign-out", &[]).await;
    assert_eq!(none.status, StatusCode::FORBIDDEN, "{}", none.body);
    let wrong = b.post_form("/sign-out", &[("csrf", "0123")]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let header = b
        .send(Method::POST, "/sign-out", &[("X-CSRF-Token", "nope")])
        .await;
    assert_eq!(header.status, StatusCode::FORBIDDEN);
    // The right token, but sent by another site's page.
    let forged = b
        .send(
            Method::POST,
            "/sign-out",
            &[("X-CSRF-Token", &csrf), ("Origin", "https://evil.example")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // Still signed in after all that.
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    // Another session's token does not work either.
    let (_, other_home) = sign_in_admin(&s).await;
    let other = b
        .post_form("/sign-out", &[("csrf", &csrf_of(&other_home))])
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    // The page's own token in the header (as htmx sends it) is accepted.
    let ok = b
        .send(Method::POST, "/sign-out", &[("X-CSRF-Token", &csrf)])
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    s.stop().await;
}

#[tokio::test]
async fn signing_out_revokes_the_session_and_its_tokens() {
    let s = TestServer::start().await;
    let (mut b, home) = sign_in_admin(&s).await;
    let cookie = b.cookies["dossier_session"].clone();
    let out = b.post_form("/sign-out", &[("csrf", &csrf_of(&home))]).await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(out.body.contains("signed out"), "{}", out.body);
    assert!(
        !b.cookies.contains_key("dossier_session"),
        "the cookie is deleted"
    );
    // The old cookie, replayed, is no session any more.
    b.cookies.insert("dossier_session".into(), cookie);
    assert_eq!(b.get("/").await.status, StatusCode::SEE_OTHER);
    s.stop().await;
}

#[tokio::test]
async fn a_password_change_or_deactivation_ends_web_sessions() {
    let s = TestServer::start().await;
    s.new_user("JDOE", "first-password-1").await;
    let (mut b, _) = sign_in(&s, "jdoe", "first-password-1").await;
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    s.dossier()
        .set_password("JDOE", "second-password-2")
        .await
        .unwrap();
    assert_eq!(
        b.get("/").await.status,
        StatusCode::SEE_OTHER,
        "the session ended"
    );
    let (mut b, _) = sign_in(&s, "jdoe", "second-password-2").await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await;
    let (st, body) = s
        .send_json_as(
            &admin,
            Method::PATCH,
            &format!("{}/work/api/v2/customers/1/users/JDOE", s.base),
            serde_json::json!({"active": false}),
        )
        .await;
    assert!(st.is_success(), "{body}");
    assert_eq!(b.get("/").await.status, StatusCode::SEE_OTHER);
    s.stop().await;
}

#[tokio::test]
async fn an_idle_session_ends() {
    let s = TestServer::start_with(BTreeMap::from([(
        "DOSSIER_WEB_SESSION_IDLE_SECONDS".to_string(),
        "1".to_string(),
    )]))
    .await;
    let (mut b, _) = sign_in_admin(&s).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let got = b.get("/").await;
    assert_eq!(got.status, StatusCode::SEE_OTHER);
    assert!(got.location().starts_with("/sign-in"));
    s.stop().await;
}

#[tokio::test]
async fn a_session_ends_at_the_absolute_timeout_however_busy() {
    let s = TestServer::start_with(BTreeMap::from([(
        "DOSSIER_WEB_SESSION_ABSOLUTE_SECONDS".to_string(),
        "2".to_string(),
    )]))
    .await;
    let (mut b, _) = sign_in_admin(&s).await;
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        b.get("/").await;
    }
    assert_eq!(b.get("/").await.status, StatusCode::SEE_OTHER);
    s.stop().await;
}

#[tokio::test]
async fn htmx_requests_without_a_session_are_sent_to_sign_in_whole() {
    let s = TestServer::start().await;
    let mut b = Browser::new(&s);
    let got = b
        .send(Method::GET, "/folders/ACTIVE!1", &[("HX-Request", "true")])
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(
        got.headers["hx-redirect"],
        "/sign-in?next=%2Ffolders%2FACTIVE%211"
    );
    s.stop().await;
}

#[tokio::test]
async fn assets_are_embedded_and_cached_for_a_year() {
    let s = TestServer::start().await;
    let (mut b, home) = sign_in_admin(&s).await;
    let htmx = "/assets/htmx-2.0.11.min.js";
    assert!(home.body.contains(htmx), "{}", home.body);
    let got = b.get(htmx).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(
        got.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        got.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    // The vendored file is the one VENDORED.md records.
    use sha2::Digest;
    let digest = hex_of(&sha2::Sha256::digest(got.body.as_bytes()));
    let vendored = include_str!("../../../../web/static/VENDORED.md");
    assert!(
        vendored.contains(&digest),
        "htmx's SHA-256 {digest} is not in VENDORED.md"
    );
    // Our stylesheet is named by its digest.
    let css = home
        .body
        .split("href=\"")
        .find_map(|p| p.split('"').next().filter(|u| u.ends_with(".css")))
        .unwrap()
        .to_string();
    assert!(css.starts_with("/assets/app."), "{css}");
    assert_eq!(b.get(&css).await.status, StatusCode::OK);
    assert_eq!(
        b.get("/assets/nothing.js").await.status,
        StatusCode::NOT_FOUND
    );
    s.stop().await;
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
