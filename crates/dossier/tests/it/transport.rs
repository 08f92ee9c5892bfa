//! The transport under attack, over real TCP against the real server: a slow upload that
//! keeps sending survives while one that stops is refused, oversized requests are refused
//! with a JSON body, and absolute URLs never reflect an invalid `Host` or
//! `X-Forwarded-Proto`.
//!
//! No test measures time: deadlines are configured short and the waits for them long, so a
//! slow machine makes a test slower, never wrong.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::harness::TestServer;

/// How long past a configured deadline a test waits before calling the server wrong.
const MARGIN: Duration = Duration::from_secs(30);

fn settings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (format!("DOSSIER_{}", k.to_uppercase()), (*v).to_string()))
        .collect()
}

fn address(s: &TestServer) -> String {
    s.base.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection (a reset counts as closed) and returns what
/// it sent; `None` if it is still open at `deadline`.
async fn read_until_closed(stream: &mut TcpStream, deadline: Instant) -> Option<Vec<u8>> {
    tokio::time::timeout_at(deadline, async {
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return out,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .ok()
}

/// A raw HTTP/1.1 answer.
struct Answer {
    status: u16,
    head: String,
    body: Value,
}

impl Answer {
    fn parse(raw: &[u8]) -> Answer {
        let text = String::from_utf8_lossy(raw);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {head:?}"));
        Answer {
            status,
            head: head.to_ascii_lowercase(),
            body: serde_json::from_str(body).unwrap_or(Value::String(body.to_string())),
        }
    }

    /// Asserts the Work API envelope with this status and the field it names.
    fn assert_envelope(&self, status: u16, field: &str) {
        assert_eq!(self.status, status, "{} {}", self.head, self.body);
        assert!(
            self.head.contains("content-type: application/json"),
            "{}",
            self.head
        );
        assert_eq!(
            self.body["error"]["code"], "NRC_INVALID_INPUT",
            "{}",
            self.body
        );
        assert_eq!(self.body["error"]["messages"][0]["field"], field);
    }
}

#[tokio::test]
async fn a_slow_upload_that_keeps_sending_succeeds() {
    let s = TestServer::start_with(settings(&[("body_read_timeout_seconds", "5")])).await;
    let folder = s.folder().await;
    const BOUNDARY: &str = "SlowUploadB0undary";
    const SECONDS: usize = 28;
    const CHUNK: usize = 64 * 1024;
    let opening = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"profile\"\r\nContent-Type: application/json\r\n\r\n{{\"doc_profile\":{{\"name\":\"slow\"}}}}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    );
    let closing = format!("\r\n--{BOUNDARY}--\r\n");
    // 1 MiB a second in 16 chunks, with one pause of 3 s (under the 5 s timeout) halfway.
    let chunks = (0..SECONDS * 16).map(|i| {
        let pause = if i == SECONDS * 8 {
            Duration::from_secs(3)
        } else {
            Duration::from_millis(1000 / 16)
        };
        (pause, bytes::Bytes::from(vec![(i % 251) as u8; CHUNK]))
    });
    let stream = futures::stream::once(async move { bytes::Bytes::from(opening) })
        .chain(
            futures::stream::iter(chunks).then(|(pause, chunk)| async move {
                tokio::time::sleep(pause).await;
                chunk
            }),
        )
        .chain(futures::stream::once(
            async move { bytes::Bytes::from(closing) },
        ))
        .map(Ok::<_, std::io::Error>);
    let r = s
        .req(
            reqwest::Method::POST,
            &s.lib(&format!("/folders/{folder}/documents")),
        )
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["data"]["size"], (SECONDS * 16 * CHUNK) as u64);

    // One that stops sending halfway is refused with a 408, and nothing of it is kept.
    let addr = address(&s);
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /work/api/v2/customers/1/libraries/ACTIVE/folders/{folder}/documents HTTP/1.1\r\nHost: {addr}\r\nX-Auth-Token: {}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: 50000000\r\n\r\n",
        s.token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
        .write_all(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stalled.bin\"\r\n\r\n").as_bytes())
        .await
        .unwrap();
    // More than is kept in memory, so a staged object exists when the body stalls.
    stream.write_all(&vec![b's'; 2 << 20]).await.unwrap();
    let answer = read_until_closed(
        &mut stream,
        Instant::now() + Duration::from_secs(5) + MARGIN,
    )
    .await
    .expect("the stalled upload is answered and closed");
    Answer::parse(&answer).assert_envelope(408, "body");
    let deadline = Instant::now() + MARGIN;
    while s.staging_files().unwrap_or(0) > 0 {
        assert!(
            Instant::now() < deadline,
            "the stalled upload's staging is left"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, list) = s
        .send_json(
            reqwest::Method::GET,
            &s.lib(&format!("/folders/{folder}/documents")),
            Value::Null,
        )
        .await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1), "{list}");
    s.stop().await;
}

#[tokio::test]
async fn oversized_requests_are_refused_with_a_json_body() {
    let s = TestServer::start_with(settings(&[("max_header_count", "40")])).await;
    // Over the limits: the 32 KiB URI and 16 KiB header defaults, and 40 header fields.
    let long = "a".repeat(40_000);

    // Over the configured limits: refused in the format of the surface asked.
    let r = s.get(&s.lib(&format!("/workspaces?name={long}"))).await;
    assert_eq!(r.status(), StatusCode::URI_TOO_LONG);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "NRC_INVALID_INPUT");
    assert_eq!(body["error"]["messages"][0]["field"], "uri");

    let r = s
        .http
        .get(format!("{}/scim/v2/Users?filter={long}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::URI_TOO_LONG);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(body["status"], "414");

    let r = s
        .http
        .post(format!("{}/auth/oauth2/token?x={long}", s.base))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::URI_TOO_LONG);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");

    let mut many = s.req(reqwest::Method::GET, &s.lib("/workspaces"));
    for i in 0..60 {
        many = many.header(format!("x-extra-{i}"), "1");
    }
    let r = many.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["messages"][0]["field"], "headers");

    let r = s
        .req(reqwest::Method::GET, &s.lib("/workspaces"))
        .header("x-big", &long)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "NRC_INVALID_INPUT");

    s.stop().await;
}

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
