//! The transport under attack, over real TCP against the real server: absolute URLs never
//! reflect an invalid `Host` or `X-Forwarded-Proto`.

use serde_json::Value;

use crate::harness::TestServer;

/// Whether `url` is `base` or a path under it.
fn on(url: &str, base: &str) -> bool {
    url.strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[tokio::test]
async fn absolute_urls_never_reflect_an_invalid_host_or_scheme() {
    let s = TestServer::start().await;
    let urls = |host: &'static str, proto: &'static str| {
        let s = &s;
        async move {
            let get = |path: &str| {
                s.http
                    .get(format!("{}{path}", s.base))
                    .header("X-Auth-Token", &s.token)
                    .header("Host", host)
                    .header("X-Forwarded-Proto", proto)
                    .header("X-Forwarded-Host", "evil.example")
                    .send()
            };
            let api: Value = get("/api").await.unwrap().json().await.unwrap();
            let oidc: Value = get("/.well-known/openid-configuration")
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let scim: Value = get("/scim/v2/ServiceProviderConfig")
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            [
                api["data"]["versions"][0]["url"].clone(),
                oidc["issuer"].clone(),
                oidc["token_endpoint"].clone(),
                scim["meta"]["location"].clone(),
            ]
            .map(|u| u.as_str().unwrap_or_default().to_string())
        }
    };
    for (host, proto, base) in [
        ("evil.example/..", "javascript", "http://localhost"),
        ("evil.example/x?", "https", "https://localhost"),
        ("user@evil.example", "http", "http://localhost"),
        ("evil.example:80:80", "http", "http://localhost"),
        ("dms.firm.test", "javascript", "http://dms.firm.test"),
        ("dms.firm.test:8443", "https", "https://dms.firm.test:8443"),
    ] {
        for url in urls(host, proto).await {
            assert!(on(&url, base), "{host} {proto}: {url}");
        }
    }
    s.stop().await;
}
