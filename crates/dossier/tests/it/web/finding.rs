//! Finding from the web client through HTTP: the advanced form's criteria (the Work API's
//! search parameters), facets that narrow as their links are followed, exact totals,
//! paging, bad input refused on the form, and totals that count only what the user may
//! read.

use reqwest::StatusCode;
use serde_json::json;

use super::pages::alices_private_matter;
use super::{sign_in, sign_in_admin};
use crate::harness::TestServer;

/// The clients ACME (Acme Holdings) and GLOBEX (Globex Corp).
async fn clients(s: &TestServer) {
    for (client, description) in [("ACME", "Acme Holdings"), ("GLOBEX", "Globex Corp")] {
        let (st, b) = s
            .post(
                &s.lib("/customs/custom1"),
                json!({"id": client, "description": description}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
}

/// Three claims in one folder, indexed: two for client ACME, one for GLOBEX.
pub(super) async fn claims(s: &TestServer) -> String {
    clients(s).await;
    let folder = s.folder().await;
    for (i, client) in ["ACME", "ACME", "GLOBEX"].iter().enumerate() {
        s.upload(
            &folder,
            &format!("d{i}.txt"),
            b"a warranty claim",
            json!({"name": format!("Claim {i}"), "custom1": client}),
        )
        .await;
    }
    s.wait_for_index().await;
    folder
}

/// The `href` of the first link whose text starts with `text`, unescaped.
fn link_to(html: &str, text: &str) -> String {
    let at = html
        .find(&format!(">{text}"))
        .unwrap_or_else(|| panic!("no link '{text}' in {html}"));
    let start = html[..at].rfind("href=\"").unwrap() + 6;
    let end = start + html[start..].find('"').unwrap();
    html[start..end].replace("&amp;", "&").replace("&#38;", "&")
}

#[tokio::test]
async fn facets_narrow_the_results_as_they_are_clicked_and_can_be_removed() {
    let s = TestServer::start().await;
    claims(&s).await;
    let (mut b, _) = sign_in_admin(&s).await;
    let all = b.get("/search?q=warranty").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert!(all.body.contains("3 documents match"), "{}", all.body);
    assert!(all.body.contains("<h3>Client</h3>"), "{}", all.body);
    assert!(
        all.body
            .contains("Acme Holdings (ACME)</a> <span class=\"count\">2</span>"),
        "{}",
        all.body
    );
    assert!(
        all.body
            .contains("Globex Corp (GLOBEX)</a> <span class=\"count\">1</span>")
    );
    for facet in ["<h3>Class</h3>", "<h3>Type</h3>", "<h3>Author</h3>"] {
        assert!(all.body.contains(facet), "{facet}: {}", all.body);
    }
    assert!(
        all.body
            .contains("(ANSI)</a> <span class=\"count\">3</span>"),
        "{}",
        all.body
    );
    assert!(
        all.body
            .contains("(ADMIN)</a> <span class=\"count\">3</span>"),
        "{}",
        all.body
    );
    let narrowed = b.get(&link_to(&all.body, "Globex Corp")).await;
    assert_eq!(narrowed.status, StatusCode::OK, "{}", narrowed.body);
    assert!(
        narrowed.body.contains("1 document matches"),
        "{}",
        narrowed.body
    );
    assert!(narrowed.body.contains("Claim 2") && !narrowed.body.contains("Claim 0"));
    // The chosen value can be dropped again.
    let again = b.get(&link_to(&narrowed.body, "Remove")).await;
    assert!(again.body.contains("3 documents match"), "{}", again.body);
    s.stop().await;
}

#[tokio::test]
async fn the_advanced_form_searches_by_profile_fields_and_dates() {
    let s = TestServer::start().await;
    claims(&s).await;
    let (mut b, _) = sign_in_admin(&s).await;
    let form = b.get("/search").await;
    assert_eq!(form.status, StatusCode::OK);
    for label in [
        "<label for=\"adv-name\">Name</label>",
        "<label for=\"adv-custom1\">Client</label>",
        "<label for=\"adv-class\">Class</label>",
        "<label for=\"adv-edit_date_from\">Modified from</label>",
    ] {
        assert!(form.body.contains(label), "{label}: {}", form.body);
    }
    // Without words: by a field alone.
    let got = b.get("/search?name=Claim+1&library=ACTIVE").await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert!(got.body.contains("1 document matches"), "{}", got.body);
    let got = b.get("/search?custom1=ACME&author=ADMIN&class=DOC").await;
    assert!(got.body.contains("2 documents match"), "{}", got.body);
    let got = b.get("/search?q=warranty&edit_date_to=2000-01-01").await;
    assert!(got.body.contains("0 documents match"), "{}", got.body);
    let got = b
        .get("/search?q=warranty&edit_date_from=2000-01-01&type=ANSI")
        .await;
    assert!(got.body.contains("3 documents match"), "{}", got.body);
    s.stop().await;
}

#[tokio::test]
async fn bad_criteria_are_refused_on_the_form() {
    let s = TestServer::start().await;
    let (mut b, _) = sign_in_admin(&s).await;
    let got = b.get("/search?edit_date_from=yesterday-ish").await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST, "{}", got.body);
    assert!(got.body.contains("role=\"alert\""), "{}", got.body);
    assert!(got.body.contains("edit_date_from"), "{}", got.body);
    let got = b.get("/search?q=%22unclosed").await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST, "{}", got.body);
    s.stop().await;
}

#[tokio::test]
async fn results_page_with_exact_totals() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    for i in 0..27 {
        s.upload(
            &folder,
            &format!("p{i}.txt"),
            b"pagination sample",
            json!({"name": format!("Sample {i:02}")}),
        )
        .await;
    }
    s.wait_for_index().await;
    let (mut b, _) = sign_in_admin(&s).await;
    let first = b.get("/search?q=pagination").await;
    assert!(first.body.contains("27 documents match"), "{}", first.body);
    assert_eq!(
        first
            .body
            .matches("<li>\n        <a href=\"/documents/")
            .count(),
        25
    );
    let second = b.get(&link_to(&first.body, "Next")).await;
    assert!(second.body.contains("27 documents match"));
    assert_eq!(
        second
            .body
            .matches("<li>\n        <a href=\"/documents/")
            .count(),
        2
    );
    assert!(second.body.contains("rel=\"prev\""));
    s.stop().await;
}

#[tokio::test]
async fn totals_count_only_what_the_user_may_read() {
    let s = TestServer::start().await;
    alices_private_matter(&s).await;
    let folder = s.folder().await;
    s.upload(
        &folder,
        "open.txt",
        b"falcon price",
        json!({"name": "Open note"}),
    )
    .await;
    s.new_user("bob", "web-leak-password").await;
    s.wait_for_index().await;
    let (mut bob, _) = sign_in(&s, "bob", "web-leak-password").await;
    let got = bob.get("/search?q=falcon").await;
    assert!(got.body.contains("1 document matches"), "{}", got.body);
    assert!(!got.body.contains("term sheet"), "{}", got.body);
    s.stop().await;
}

#[tokio::test]
async fn workspaces_are_found_by_client_and_matter_on_the_library_page() {
    let s = TestServer::start().await;
    clients(&s).await;
    for (name, client) in [("Acme lease", "ACME"), ("Globex merger", "GLOBEX")] {
        let (st, b) = s
            .post(
                &s.lib("/workspaces"),
                json!({"name": name, "custom1": client}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    let (mut b, _) = sign_in_admin(&s).await;
    let page = b.get("/libraries/ACTIVE").await;
    assert!(
        page.body
            .contains("<label for=\"ws-custom1\">Client</label>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<label for=\"ws-custom2\">Matter</label>")
    );
    let acme = b.get("/libraries/ACTIVE?q=&custom1=acme&custom2=").await;
    assert_eq!(acme.status, StatusCode::OK, "{}", acme.body);
    assert!(
        acme.body.contains("Acme lease") && !acme.body.contains("Globex merger"),
        "{}",
        acme.body
    );
    let long = "A".repeat(300);
    let bad = b.get(&format!("/libraries/ACTIVE?custom1={long}")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    s.stop().await;
}
