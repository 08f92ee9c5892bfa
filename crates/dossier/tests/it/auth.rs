use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{ADMIN_PASSWORD, TestServer, assert_error};

async fn token(s: &TestServer, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = s
        .http
        .post(format!("{}/auth/oauth2/token", s.base))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

#[tokio::test]
async fn password_grant_and_rotating_refresh_tokens() {
    let s = TestServer::start().await;
    let (status, t) = token(
        &s,
        &[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 1800);
    assert_eq!(t["scope"], "user");
    let refresh = t["refresh_token"].as_str().unwrap().to_string();

    let (status, t2) = token(
        &s,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let access2 = t2["access_token"].as_str().unwrap().to_string();
    assert_ne!(
        t2["refresh_token"], t["refresh_token"],
        "refresh tokens rotate"
    );
    let r = s
        .http
        .get(format!("{}/api", s.base))
        .bearer_auth(&access2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "Authorization: Bearer is accepted"
    );

    // Replaying the used refresh token revokes the whole family, including access2.
    let (status, e) = token(
        &s,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"], "invalid_grant");
    let r = s
        .http
        .get(format!("{}/api", s.base))
        .header("X-Auth-Token", &access2)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    s.stop().await;
}

#[tokio::test]
async fn wrong_credentials_and_missing_tokens_are_refused() {
    let s = TestServer::start().await;
    let (status, e) = token(
        &s,
        &[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "nope-nope"),
        ],
    )
    .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, e) = token(
        &s,
        &[
            ("grant_type", "password"),
            ("username", "nobody"),
            ("password", "nope-nope"),
        ],
    )
    .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, e) = token(&s, &[("grant_type", "magic")]).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );

    for url in [
        format!("{}/api", s.base),
        s.lib("/workspaces"),
        format!("{}/work/api/v2/customers/1/libraries", s.base),
    ] {
        let r = s.http.get(&url).send().await.unwrap();
        let status = r.status();
        assert_error(status, &r.json().await.unwrap(), StatusCode::UNAUTHORIZED);
        let r = s
            .http
            .get(&url)
            .header("X-Auth-Token", "forged")
            .send()
            .await
            .unwrap();
        let status = r.status();
        assert_error(status, &r.json().await.unwrap(), StatusCode::UNAUTHORIZED);
    }
    s.stop().await;
}

#[tokio::test]
async fn revoked_tokens_stop_working() {
    let s = TestServer::start().await;
    let access = s.login("admin", ADMIN_PASSWORD).await;
    let r = s
        .http
        .post(format!("{}/auth/oauth2/revoke-token", s.base))
        .form(&[("access_token", access.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = s
        .http
        .get(format!("{}/api", s.base))
        .header("X-Auth-Token", &access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    s.stop().await;
}

#[tokio::test]
async fn discovery_names_the_user_and_libraries_on_both_prefixes() {
    let s = TestServer::start().await;
    for path in ["/api", "/work/api"] {
        let d = s.get_json(&format!("{}{path}", s.base)).await;
        assert_eq!(d["data"]["user"]["customer_id"], 1);
        assert_eq!(d["data"]["user"]["id"], "ADMIN");
        assert_eq!(d["data"]["work"]["preferred_library"], "ACTIVE");
        assert_eq!(d["data"]["work"]["libraries"][0]["alias"], "ACTIVE");
        assert!(
            d["data"]["versions"][0]["url"]
                .as_str()
                .unwrap()
                .ends_with("/work/api/v2")
        );
    }
    for prefix in ["/work/api/v2", "/api/v2"] {
        let libs = s
            .get_json(&format!("{}{prefix}/customers/1/libraries", s.base))
            .await;
        assert_eq!(libs["data"][0]["id"], "ACTIVE");
    }
    s.stop().await;
}
