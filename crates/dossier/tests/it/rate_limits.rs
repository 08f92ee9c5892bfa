//! The general request limits: per signed-in user, and per address for requests without a
//! valid token (the real client's behind a trusted proxy). Each bucket holds ten seconds'
//! worth of requests, so with a rate of 1 a second the eleventh request in a row is refused.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::harness::TestServer;

fn settings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn header(r: &reqwest::Response, name: &str) -> Option<u64> {
    r.headers().get(name)?.to_str().ok()?.parse().ok()
}

#[tokio::test]
async fn a_user_over_their_rate_gets_429_in_each_surfaces_format_and_others_go_on() {
    let s = TestServer::start_with(settings(&[("DOSSIER_RATE_LIMIT_PER_USER", "1")])).await;
    let url = s.lib("/documents?limit=1");
    let other = s.new_user("paralegal", "paralegal-password-1").await;
    // The bucket refills at 1 a second while this runs: a slow machine needs a few more
    // requests than 10 to empty it, never fewer.
    let mut answers = Vec::new();
    let refused = loop {
        let r = s.get(&url).await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            break r;
        }
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "x-ratelimit-limit"), Some(10));
        assert!(header(&r, "x-ratelimit-reset").unwrap() <= 10);
        answers.push(header(&r, "x-ratelimit-remaining").unwrap());
        assert!(answers.len() <= 40, "never refused: {answers:?}");
    };
    // Creating the other user took the first request or two of the ten.
    assert!(answers.len() >= 8, "{answers:?}");
    assert_eq!(answers.last(), Some(&0));
    assert_eq!(header(&refused, "retry-after"), Some(1));
    assert_eq!(header(&refused, "x-ratelimit-remaining"), Some(0));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "NRC_RATE_LIMITED");

    // The same user through the façade and SCIM: the same bucket, each surface's format.
    let r = s
        .req(
            Method::GET,
            &format!("{}/automate/work/getLibraries", s.base),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "RATE_LIMITED"
    );
    let r = s
        .req(Method::GET, &format!("{}/scim/v2/Users", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let scim: Value = r.json().await.unwrap();
    assert_eq!(scim["status"], "429", "{scim}");

    // Another user is not slowed by the first; a second token of the first user is.
    let r = s.http.get(&url).bearer_auth(&other).send().await.unwrap();
    assert_ne!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let second = s.login("admin", crate::harness::ADMIN_PASSWORD).await;
    let r = s.http.get(&url).bearer_auth(&second).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    // Health checks are never limited.
    assert_eq!(
        s.get(&format!("{}/healthz", s.base)).await.status(),
        StatusCode::OK
    );
    s.stop().await;
}

/// Requests without a valid token from `forwarded_for` (through the test, on loopback):
/// their statuses.
async fn anonymous_from(s: &TestServer, forwarded_for: &str, n: usize) -> Vec<StatusCode> {
    let mut out = Vec::new();
    for _ in 0..n {
        let r = s
            .http
            .get(format!("{}/work/api/v2/customers/1/libraries", s.base))
            .header("X-Forwarded-For", forwarded_for)
            .bearer_auth("not-a-token")
            .send()
            .await
            .unwrap();
        out.push(r.status());
    }
    out
}

#[tokio::test]
async fn requests_without_a_valid_token_are_limited_per_real_client_address() {
    let s = TestServer::start_with(settings(&[
        ("DOSSIER_RATE_LIMIT_PER_ADDRESS", "1"),
        ("DOSSIER_TRUSTED_PROXIES", "127.0.0.1/32, ::1"),
    ]))
    .await;
    let first = anonymous_from(&s, "203.0.113.7", 40).await;
    let allowed = first
        .iter()
        .position(|st| *st == StatusCode::TOO_MANY_REQUESTS)
        .expect("refused at last");
    assert!(allowed >= 10, "{first:?}");
    assert!(
        first[..allowed]
            .iter()
            .all(|st| *st == StatusCode::UNAUTHORIZED)
    );
    // Another client behind the same proxy has its own bucket; a signed-in user is counted
    // as the user, not as the address.
    assert_eq!(
        anonymous_from(&s, "203.0.113.8", 1).await,
        [StatusCode::UNAUTHORIZED]
    );
    let r = s
        .req(Method::GET, &s.lib("/documents?limit=1"))
        .header("X-Forwarded-For", "203.0.113.7")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.stop().await;

    // Without trusted proxies the header is the client's own to write, and ignored: every
    // request counts against the peer's address.
    let s = TestServer::start_with(settings(&[("DOSSIER_RATE_LIMIT_PER_ADDRESS", "1")])).await;
    let mut statuses = Vec::new();
    for i in 0..40 {
        statuses.extend(anonymous_from(&s, &format!("198.51.100.{i}"), 1).await);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "a spoofed X-Forwarded-For does not escape the peer's limit: {statuses:?}"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_rate_of_zero_is_no_limit_and_a_bad_rate_is_refused_at_start() {
    let s = TestServer::start_with(settings(&[("DOSSIER_RATE_LIMIT_PER_USER", "0")])).await;
    let r = s.get(&s.lib("/documents?limit=1")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("x-ratelimit-remaining").is_none());
    s.stop().await;

    let env = BTreeMap::from([(
        "DOSSIER_RATE_LIMIT_PER_USER".to_string(),
        "fast".to_string(),
    )]);
    let error = dossier::config::load(None, &env, &Vec::new())
        .unwrap_err()
        .to_string();
    assert!(error.contains("rate_limit_per_user"), "{error}");
}
