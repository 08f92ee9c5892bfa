//! The transport under attack, over real TCP against the real server: silent and slow
//! clients are closed by their deadlines while other clients are served, a slow upload that
//! keeps sending survives, connections over the limit get a clear 503, idle keep-alive
//! connections are closed, oversized requests are refused with a JSON body, and absolute
//! URLs never reflect an invalid `Host` or `X-Forwarded-Proto`.
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

/// Sends `request` on a new connection and returns the whole answer, read until the server
/// closes the connection.
async fn exchange(s: &TestServer, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(address(s)).await.unwrap();
    stream.write_all(request).await.unwrap();
    let raw = read_until_closed(&mut stream, Instant::now() + MARGIN)
        .await
        .expect("the server answers and closes the connection");
    Answer::parse(&raw)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_stalled_connections_are_closed_while_others_are_served() {
    // 2,000 client sockets and their 2,000 server sockets live in this one process.
    let limit = rlimit::increase_nofile_limit(16_384).unwrap_or(1024);
    let attackers = 2000.min((limit.saturating_sub(512) / 2) as usize);
    if attackers < 2000 {
        eprintln!("the file-descriptor limit ({limit}) allows only {attackers} attackers");
    }
    let s = TestServer::start_with(settings(&[
        ("header_read_timeout_seconds", "2"),
        ("idle_timeout_seconds", "2"),
        ("body_read_timeout_seconds", "2"),
        ("max_connections", "8192"),
    ]))
    .await;
    let addr = address(&s);
    let started = Instant::now();

    // A client that keeps asking for /healthz during the whole attack.
    let (done, mut stop) = tokio::sync::oneshot::channel::<()>();
    let prober = {
        // Its own client: the harness's pooled connection may have idled out meanwhile.
        let http = reqwest::Client::new();
        let url = format!("{}/healthz", s.base);
        tokio::spawn(async move {
            let mut answers = Vec::new();
            loop {
                let status = http.get(&url).send().await.map(|r| r.status());
                answers.push(status.map_err(|e| e.to_string()));
                tokio::select! {
                    _ = &mut stop => return answers,
                    _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                }
            }
        })
    };

    // A third send nothing, a third part of a head, a third a whole head and part of a body
    // that a handler waits for.
    let body_head = format!(
        "POST /work/api/v2/customers/1/libraries/ACTIVE/workspaces HTTP/1.1\r\nHost: {addr}\r\nX-Auth-Token: {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"name\":",
        s.token
    );
    let openings: Vec<_> = (0..attackers)
        .map(|i| {
            let addr = addr.clone();
            let opening: Vec<u8> = match i % 3 {
                0 => vec![],
                1 => format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ").into_bytes(),
                _ => body_head.clone().into_bytes(),
            };
            async move {
                let mut stream = TcpStream::connect(&addr).await.unwrap();
                stream.write_all(&opening).await.unwrap();
                (i % 3, stream)
            }
        })
        .collect();
    // In waves, each followed by a request on a new connection: the listener's accept queue
    // is first in, first out, so once that request is answered every connection of the wave
    // has been accepted. A wave must fit the queue (1,024 on Linux): a connection the kernel
    // could not queue waits for its handshake's retransmission, seconds later.
    let mut streams = Vec::with_capacity(attackers);
    let mut openings = futures::stream::iter(openings);
    loop {
        let wave: Vec<_> = openings.by_ref().take(400).collect().await;
        if wave.is_empty() {
            break;
        }
        let mut opened = futures::stream::iter(wave).buffer_unordered(100);
        while let Some(stream) = opened.next().await {
            streams.push(stream);
        }
        let r = reqwest::Client::new()
            .get(format!("{}/healthz", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }

    // Every one of them is closed by the server, the stalled bodies with a 408.
    let deadline = started + Duration::from_secs(2) + MARGIN;
    let closings = streams.into_iter().map(|(kind, mut stream)| async move {
        let answer = read_until_closed(&mut stream, deadline).await;
        (kind, answer)
    });
    let closed = futures::future::join_all(closings).await;
    let mut timed_out_bodies = 0;
    for (kind, answer) in &closed {
        let answer = answer
            .as_ref()
            .unwrap_or_else(|| panic!("a connection of kind {kind} is still open"));
        if *kind == 2 {
            Answer::parse(answer).assert_envelope(408, "body");
            timed_out_bodies += 1;
        } else {
            assert!(answer.is_empty(), "{:?}", String::from_utf8_lossy(answer));
        }
    }
    assert_eq!(timed_out_bodies, attackers / 3);

    let _ = done.send(());
    let answers = prober.await.unwrap();
    assert!(!answers.is_empty());
    for answer in &answers {
        assert_eq!(answer, &Ok(StatusCode::OK));
    }
    let r = reqwest::Client::new()
        .get(format!("{}/healthz", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.stop().await;
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
async fn connections_over_the_limit_are_refused_with_a_clear_503() {
    let s = TestServer::start_with(settings(&[
        ("max_connections", "4"),
        ("header_read_timeout_seconds", "300"),
    ]))
    .await;
    // Four silent connections fill the server (with the harness's own pooled connection,
    // the last of them may already be refused; the next one is, either way).
    let mut silent = Vec::new();
    for _ in 0..4 {
        silent.push(TcpStream::connect(address(&s)).await.unwrap());
    }
    let answer = exchange(&s, b"GET /healthz HTTP/1.1\r\nHost: dossier\r\n\r\n").await;
    assert_eq!(answer.status, 503, "{} {}", answer.head, answer.body);
    assert!(answer.head.contains("\r\nretry-after: "), "{}", answer.head);
    assert!(
        answer.head.contains("\r\nconnection: close"),
        "{}",
        answer.head
    );
    assert_eq!(answer.body["error"]["code"], "NRC_SERVICE_UNAVAILABLE");

    // A real client sees the same.
    let r = reqwest::Client::new()
        .get(format!("{}/healthz", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "NRC_SERVICE_UNAVAILABLE");

    // Once they are gone, the server serves again.
    drop(silent);
    let deadline = Instant::now() + MARGIN;
    loop {
        let r = reqwest::Client::new()
            .get(format!("{}/healthz", s.base))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "the server never served again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let s = TestServer::start_with(settings(&[
        ("idle_timeout_seconds", "2"),
        ("header_read_timeout_seconds", "300"),
    ]))
    .await;
    let mut stream = TcpStream::connect(address(&s)).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: dossier\r\n\r\n")
        .await
        .unwrap();
    // The whole answer: its head, then the two bytes `ok`.
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while !answer.ends_with(b"\r\n\r\nok") {
        let n = tokio::time::timeout(MARGIN, stream.read(&mut buf))
            .await
            .expect("an answer")
            .unwrap();
        assert!(n > 0, "closed before answering");
        answer.extend_from_slice(&buf[..n]);
    }
    assert!(answer.starts_with(b"HTTP/1.1 200 "));
    // Kept alive, then closed for idling, with nothing more sent.
    let rest = read_until_closed(&mut stream, Instant::now() + MARGIN)
        .await
        .expect("the idle connection is closed");
    assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
    s.stop().await;
}

#[tokio::test]
async fn out_of_descriptors_the_server_says_so_once_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let log = dir.path().join("stderr.log");
    // The real binary with 64 descriptors: a third of them it uses itself.
    let mut server = std::process::Command::new("sh")
        .args([
            "-c",
            "ulimit -n 64 && exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_dossier"),
            "--data-dir",
            dir.path().join("data").to_str().unwrap(),
            "--listen",
            &listen,
            "serve",
        ])
        .env_remove("DOSSIER_DATABASE_URL")
        .env_remove("DOSSIER_CONTENT_URL")
        .env("DOSSIER_ADMIN_PASSWORD", "descriptor-test-password")
        .env("DOSSIER_LOG", "warn")
        .env("DOSSIER_HEADER_READ_TIMEOUT_SECONDS", "2")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let healthz = format!("http://{listen}/healthz");
    let healthy = || async {
        let deadline = Instant::now() + MARGIN;
        loop {
            let r = reqwest::Client::new().get(&healthz).send().await;
            if r.is_ok_and(|r| r.status() == StatusCode::OK) {
                return;
            }
            assert!(Instant::now() < deadline, "the server does not answer");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    healthy().await;

    // More silent connections than it has descriptors: some wait in the listen queue until
    // the first are closed by the header timeout. Every one is closed in the end.
    let mut silent = Vec::new();
    for _ in 0..150 {
        silent.push(TcpStream::connect(&listen).await.unwrap());
    }
    let deadline = Instant::now() + MARGIN * 2;
    let closed = futures::future::join_all(
        silent
            .iter_mut()
            .map(|stream| read_until_closed(stream, deadline)),
    )
    .await;
    assert!(
        closed.iter().all(Option::is_some),
        "a connection stays open"
    );
    healthy().await;

    let _ = server.kill();
    let _ = server.wait();
    let stderr = std::fs::read_to_string(&log).unwrap();
    // Accept failed (the test reached the limit), and said so once per interval, not once
    // per attempt.
    let complaints = stderr.matches("cannot accept a connection").count();
    assert!((1..=10).contains(&complaints), "{complaints}: {stderr}");
    // The indexer, failing meanwhile for the same reason, says so at most once a minute
    // (it logged ~19 misleading lines a second: "cannot switch to the rebuilt search index").
    for indexer in [
        "cannot look for a rebuilt search index",
        "search indexing failed",
    ] {
        assert!(stderr.matches(indexer).count() <= 2, "{indexer}: {stderr}");
    }
    assert!(!stderr.contains("cannot switch to the rebuilt"), "{stderr}");
}

#[tokio::test]
async fn stopping_finishes_the_request_in_progress_and_closes_the_rest() {
    let s = TestServer::start().await;
    let addr = address(&s);
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    let mut partial = TcpStream::connect(&addr).await.unwrap();
    partial
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: dossier\r\n")
        .await
        .unwrap();
    let body = br#"{"name": "Filed while stopping"}"#;
    let (first, rest) = body.split_at(10);
    let mut busy = TcpStream::connect(&addr).await.unwrap();
    busy.write_all(
        format!(
            "POST /work/api/v2/customers/1/libraries/ACTIVE/workspaces HTTP/1.1\r\nHost: {addr}\r\nX-Auth-Token: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            s.token,
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    busy.write_all(first).await.unwrap();

    let stopped = tokio::spawn(s.stop());
    busy.write_all(rest).await.unwrap();
    let deadline = Instant::now() + MARGIN;
    let answer = read_until_closed(&mut busy, deadline)
        .await
        .expect("the request in progress is answered, then its connection closed");
    let answer = Answer::parse(&answer);
    assert_eq!(answer.status, 201, "{} {}", answer.head, answer.body);
    assert_eq!(answer.body["data"]["name"], "Filed while stopping");
    assert!(read_until_closed(&mut idle, deadline).await.is_some());
    assert!(read_until_closed(&mut partial, deadline).await.is_some());
    tokio::time::timeout_at(deadline, stopped)
        .await
        .expect("the server stops")
        .unwrap();
}

#[tokio::test]
async fn oversized_and_malformed_requests_are_refused_with_a_json_body() {
    let s = TestServer::start_with(settings(&[("max_header_count", "40")])).await;
    // Over the limits (the 32 KiB URI and 16 KiB header defaults, 40 header fields), under
    // twice them.
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
    // The Automate façade's own envelope for its paths.
    let r = s
        .req(
            reqwest::Method::GET,
            &format!("{}/automate/work/getLibraries", s.base),
        )
        .header("x-big", &long)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (
            body["error"]["code"].as_str(),
            body["error"]["field"].as_str()
        ),
        (Some("INVALID_INPUT"), Some("headers")),
        "{body}"
    );

    // Far over them, or not HTTP at all: refused by the parser, in the Work API envelope.
    let headers: String = (0..2000).map(|i| format!("x-{i}: 1\r\n")).collect();
    exchange(
        &s,
        format!("GET /healthz HTTP/1.1\r\nHost: dossier\r\n{headers}\r\n").as_bytes(),
    )
    .await
    .assert_envelope(431, "headers");
    exchange(
        &s,
        format!(
            "GET /api?anywhere={} HTTP/1.1\r\nHost: dossier\r\n\r\n",
            "a".repeat(200_000)
        )
        .as_bytes(),
    )
    .await
    .assert_envelope(431, "headers");
    exchange(&s, b"NOT HTTP AT ALL\r\n\r\n")
        .await
        .assert_envelope(400, "request");
    exchange(
        &s,
        b"POST /api HTTP/1.1\r\nHost: dossier\r\nContent-Length: 12abc\r\n\r\n{}",
    )
    .await
    .assert_envelope(400, "request");
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
