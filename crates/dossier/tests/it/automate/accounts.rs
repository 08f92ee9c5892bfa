//! The admin connector's user creation (`api::automate::accounts`): CreateUser with a
//! password and with an e-mailed invitation (caught by a local SMTP sink), its
//! `create_password` schema, and bad input.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::{answer, assert_facade_error, check_response, op, request};
use crate::harness::{ADMIN_PASSWORD, TestServer};

/// A message the sink received: its envelope recipients and its text.
type Received = (Vec<String>, String);

/// A minimal SMTP receiver on a loopback port: answers EHLO, MAIL, RCPT, DATA and QUIT and
/// keeps each message's envelope recipients and text.
struct SmtpSink {
    port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    async fn start() -> SmtpSink {
        Self::on(TcpListener::bind("127.0.0.1:0").await.expect("bind sink")).await
    }

    async fn on(listener: TcpListener) -> SmtpSink {
        let port = listener.local_addr().expect("addr").port();
        let messages: Arc<Mutex<Vec<Received>>> = Arc::default();
        let kept = messages.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                    let mut rcpt = Vec::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" | "HELO" => b"250 sink\r\n",
                            "MAIL" | "RSET" | "NOOP" => b"250 OK\r\n",
                            "RCPT" => {
                                rcpt.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                                b"250 OK\r\n"
                            }
                            "DATA" => {
                                let _ = write.write_all(b"354 go ahead\r\n").await;
                                let mut text = String::new();
                                while let Ok(Some(l)) = lines.next_line().await {
                                    if l == "." {
                                        break;
                                    }
                                    text.push_str(l.strip_prefix('.').unwrap_or(&l));
                                    text.push('\n');
                                }
                                kept.lock()
                                    .expect("sink")
                                    .push((std::mem::take(&mut rcpt), text));
                                b"250 kept\r\n"
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                return;
                            }
                            _ => b"502 not here\r\n",
                        };
                        let _ = write.write_all(reply).await;
                    }
                });
            }
        });
        SmtpSink {
            port,
            messages,
            task,
        }
    }

    fn messages(&self) -> Vec<Received> {
        self.messages.lock().expect("sink").clone()
    }

    fn settings(port: u16) -> BTreeMap<String, String> {
        BTreeMap::from([
            (
                "DOSSIER_SMTP_URL".to_string(),
                format!("smtp://127.0.0.1:{port}"),
            ),
            (
                "DOSSIER_MAIL_FROM".to_string(),
                "Dossier <dms@firm.example>".to_string(),
            ),
        ])
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The invitation link in a message's text (undoing quoted-printable soft breaks).
fn link_in(text: &str) -> String {
    let text = text.replace("=\n", "").replace("=3D", "=");
    let start = text.find("http://").expect("a link in the e-mail");
    text[start..]
        .split_whitespace()
        .next()
        .expect("link")
        .to_string()
}

/// An administrator's token with the admin scope the admin connector's operations need.
async fn admin(s: &TestServer) -> String {
    s.login_scoped("admin", ADMIN_PASSWORD, "user admin").await
}

fn values(id: &str, method: &str, create_password: Value) -> BTreeMap<&'static str, Value> {
    BTreeMap::from([
        ("full_name", json!(format!("{id} Person"))),
        ("id", json!(id)),
        (
            "email",
            json!(format!("{}@firm.example", id.to_lowercase())),
        ),
        ("is_external", json!(false)),
        ("preferred_library", json!("ACTIVE")),
        ("role", json!("READ_ONLY")),
        ("ignore_if_user_already_exists", json!(true)),
        ("password_create_method", json!(method)),
        ("create_password", create_password),
    ])
}

/// The user's role in ACTIVE, read back through the Work API.
async fn role_in_active(s: &TestServer, token: &str, id: &str) -> Value {
    let (st, b) = s
        .send_json_as(
            token,
            Method::GET,
            &format!("{}/work/api/v2/customers/1/users/{id}/libraries", s.base),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    b["data"]
        .as_array()
        .expect("memberships")
        .iter()
        .find(|m| m["library_id"] == "ACTIVE")
        .map(|m| m["role"].clone())
        .unwrap_or(Value::Null)
}

/// The hidden input `name` of a page.
fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').expect("end of value")].to_string()
}

#[tokio::test]
async fn an_invited_user_sets_a_password_from_the_emailed_link_and_signs_in() {
    let sink = SmtpSink::start().await;
    let s = TestServer::start_with(SmtpSink::settings(sink.port)).await;
    let token = admin(&s).await;
    let create = op("CreateUser");
    let v = values("ACASE", "Send an email", json!({}));
    let (st, b) = answer(request(&s, &token, &create, &v, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&create, &b);
    let d = &b["data"];
    assert_eq!(d["user_created"], true, "{b}");
    assert_eq!(d["id"], "ACASE");
    assert_eq!(d["full_name"], "ACASE Person");
    assert_eq!(d["email"], "acase@firm.example");
    assert_eq!(d["preferred_library"], "ACTIVE");
    assert_eq!(d["has_password"], false);
    assert!(d["user_num"].as_i64().is_some(), "{b}");
    assert!(d.get("pwd_changed_ts").is_none(), "{b}");
    assert_eq!(role_in_active(&s, &token, "ACASE").await, "READ_ONLY");

    // One e-mail, to the user, with the link.
    let mail = sink.messages();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0].0, vec!["acase@firm.example".to_string()]);
    assert!(mail[0].1.contains("ACASE"), "{}", mail[0].1);
    let link = link_in(&mail[0].1);
    assert!(
        link.starts_with(&format!("{}/auth/invitation?token=", s.base)),
        "{link}"
    );

    // The page, then the form posted from the same browser (its cookie).
    let page = s.http.get(&link).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let cookie = page
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a cookie")
        .to_string();
    let html = page.text().await.expect("html");
    assert!(html.contains("ACASE Person"), "{html}");
    let form = [
        ("token", hidden(&html, "token")),
        ("form_token", hidden(&html, "form_token")),
    ];
    let post = |password: &str, confirm: &str, cookie: Option<&str>| {
        let mut fields: Vec<(&str, String)> = form.to_vec();
        fields.push(("password", password.to_string()));
        fields.push(("confirm", confirm.to_string()));
        let mut r = s
            .http
            .post(format!("{}/auth/invitation", s.base))
            .form(&fields);
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.send()
    };
    // Without the browser's cookie the form is refused; a password the rules refuse, or
    // two that differ, show the form again; none of it burns the link.
    let r = post("a-good-password-1", "a-good-password-1", None)
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = post("short", "short", Some(&cookie)).await.expect("post");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.expect("html").contains("8 to 256"));
    let r = post("a-good-password-1", "another-one-2", Some(&cookie))
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = post("a-good-password-1", "a-good-password-1", Some(&cookie))
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.text()
            .await
            .expect("html")
            .contains("Your password is set")
    );

    // The new password signs in; the link is spent.
    let user_token = s.login("ACASE", "a-good-password-1").await;
    assert!(!user_token.is_empty());
    let again = s.http.get(&link).send().await.expect("page");
    assert_eq!(again.status(), StatusCode::GONE);
    let r = post("other-password-3", "other-password-3", Some(&cookie))
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::GONE);
    let unknown = s
        .http
        .get(format!("{}/auth/invitation?token=nothing", s.base))
        .send()
        .await
        .expect("page");
    assert_eq!(unknown.status(), StatusCode::GONE);

    // The same call again: the user as they are, not created, no second e-mail.
    let (st, b) = answer(request(&s, &token, &create, &v, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&create, &b);
    assert_eq!(b["data"]["user_created"], false, "{b}");
    assert_eq!(b["data"]["has_password"], true, "{b}");
    assert!(b["data"]["pwd_changed_ts"].is_string(), "{b}");
    assert_eq!(sink.messages().len(), 1);
    // Without ignore_if_user_already_exists: the duplicate record error.
    let mut strict = v.clone();
    strict.insert("ignore_if_user_already_exists", json!(false));
    let (st, b) = answer(request(&s, &token, &create, &strict, None)).await;
    assert_facade_error(st, &b, StatusCode::CONFLICT);
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("duplicate record"),
        "{b}"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_failed_invitation_leaves_the_user_and_the_next_call_sends_a_new_one() {
    // A relay that is not listening yet.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let s = TestServer::start_with(SmtpSink::settings(port)).await;
    let token = admin(&s).await;
    let create = op("CreateUser");
    let v = values("BLATE", "Send an email", json!({}));
    let (st, b) = answer(request(&s, &token, &create, &v, None)).await;
    let _ = assert_facade_error(st, &b, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("was created"),
        "{b}"
    );
    // The relay comes up on that port; the same call sends the invitation.
    let sink = SmtpSink::on(
        TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("rebind"),
    )
    .await;
    let (st, b) = answer(request(&s, &token, &create, &v, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&create, &b);
    assert_eq!(b["data"]["user_created"], false);
    assert_eq!(b["data"]["has_password"], false);
    assert_eq!(sink.messages().len(), 1);
    // A live link: no further e-mail.
    let (st, _) = answer(request(&s, &token, &create, &v, None)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(sink.messages().len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn a_user_created_with_a_password_signs_in_with_it() {
    let s = TestServer::start().await;
    let token = admin(&s).await;
    // The schema the flow designer renders: the server's password rules.
    let schema = op("GetCreateUserPasswordSchema");
    let q = BTreeMap::from([("password_create_method", json!("Create a password"))]);
    let (st, b) = answer(request(&s, &token, &schema, &q, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&schema, &b);
    let password = &b["data"]["properties"]["password"];
    assert_eq!(password["type"], "string");
    assert_eq!(password["format"], "password");
    assert_eq!(password["minLength"], 8);
    assert_eq!(password["maxLength"], 256);
    assert_eq!(b["data"]["required"], json!(["password"]));

    let create = op("CreateUser");
    let v = values(
        "PWUSER",
        "Create a password",
        json!({"password": "chosen-by-the-flow-1"}),
    );
    let (st, b) = answer(request(&s, &token, &create, &v, None)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    check_response(&create, &b);
    assert_eq!(b["data"]["user_created"], true);
    assert_eq!(b["data"]["has_password"], true);
    assert!(b["data"]["pwd_changed_ts"].is_string(), "{b}");
    assert_eq!(role_in_active(&s, &token, "PWUSER").await, "READ_ONLY");
    s.login("PWUSER", "chosen-by-the-flow-1").await;
    s.stop().await;
}

#[tokio::test]
async fn without_a_relay_an_invitation_is_refused_not_left_unsent() {
    let s = TestServer::start().await;
    let token = admin(&s).await;
    let schema = op("GetCreateUserPasswordSchema");
    let q = BTreeMap::from([("password_create_method", json!("Send an email"))]);
    let (st, b) = answer(request(&s, &token, &schema, &q, None)).await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "password_create_method"
    );
    let create = op("CreateUser");
    let v = values("NOMAIL", "Send an email", json!({}));
    let (st, b) = answer(request(&s, &token, &create, &v, None)).await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "password_create_method"
    );
    // Nothing was written.
    let (st, _) = s
        .send_json_as(
            &token,
            Method::GET,
            &format!("{}/work/api/v2/customers/1/users/NOMAIL", s.base),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused_by_name() {
    let sink = SmtpSink::start().await;
    let s = TestServer::start_with(SmtpSink::settings(sink.port)).await;
    let token = admin(&s).await;
    let create = op("CreateUser");
    let good = values(
        "BADIN",
        "Create a password",
        json!({"password": "chosen-by-the-flow-1"}),
    );
    // Every required field of the swagger, left out.
    for field in good.keys() {
        let (st, b) = answer(request(&s, &token, &create, &good, Some(field))).await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            *field,
            "{b}"
        );
    }
    let with = |field: &'static str, value: Value| {
        let mut v = good.clone();
        v.insert(field, value);
        v
    };
    let cases: Vec<(BTreeMap<&str, Value>, &str)> = vec![
        (
            with("password_create_method", json!("Send an e-mail")),
            "password_create_method",
        ),
        (with("email", json!("not-an-address")), "email"),
        (with("id", json!("TWO WORDS")), "id"),
        (with("is_external", json!("no")), "is_external"),
        (with("role", json!("NO_SUCH_ROLE")), "role"),
        (with("full_name", json!("n".repeat(255))), "full_name"),
        (
            with("create_password", json!({"password": "short"})),
            "create_password.password",
        ),
        (
            with(
                "create_password",
                json!({"password": "long-enough-1", "pin": 1}),
            ),
            "create_password.pin",
        ),
        (
            with("create_password", json!({})),
            "create_password.password",
        ),
    ];
    for (v, field) in cases {
        let (st, b) = answer(request(&s, &token, &create, &v, None)).await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            field,
            "{b}"
        );
    }
    // An unknown library: 404.
    let (st, b) = answer(request(
        &s,
        &token,
        &create,
        &with("preferred_library", json!("NOSUCHLIB")),
        None,
    ))
    .await;
    assert_facade_error(st, &b, StatusCode::NOT_FOUND);
    // None of it created the user.
    let (st, _) = s
        .send_json_as(
            &token,
            Method::GET,
            &format!("{}/work/api/v2/customers/1/users/BADIN", s.base),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // The schema's method: missing or not one of the two.
    let schema = op("GetCreateUserPasswordSchema");
    let (st, b) = answer(request(
        &s,
        &token,
        &schema,
        &BTreeMap::from([("password_create_method", json!("Create password"))]),
        None,
    ))
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "password_create_method"
    );
    let (st, b) = answer(request(
        &s,
        &token,
        &schema,
        &BTreeMap::new(),
        Some("password_create_method"),
    ))
    .await;
    assert_eq!(
        assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
        "password_create_method"
    );
    assert!(sink.messages().is_empty());
    s.stop().await;
}

#[tokio::test]
async fn only_an_administrator_with_the_admin_scope_through_the_admin_connector() {
    let sink = SmtpSink::start().await;
    let s = TestServer::start_with(SmtpSink::settings(sink.port)).await;
    let member = s.new_user("PAMEMBER", "member-password-1").await;
    let create = op("CreateUser");
    let schema = op("GetCreateUserPasswordSchema");
    let v = values("NOTMADE", "Send an email", json!({}));
    for o in [&create, &schema] {
        // A member (who cannot be granted the admin scope at all), and the administrator
        // with a user-scope token (what Power Automate asks for unless the app grants more).
        for t in [&member, &s.token] {
            let (st, b) = answer(request(&s, t, o, &v, None)).await;
            assert_facade_error(st, &b, StatusCode::FORBIDDEN);
        }
        // Without the connector's header.
        let token = admin(&s).await;
        let mut r = s
            .http
            .request(
                o.method.clone(),
                super::url(&s, &o.path, &[("password_create_method", "Send an email")]),
            )
            .bearer_auth(&token);
        if o.method == Method::POST {
            r = r.json(&v);
        }
        let (st, b) = answer(r).await;
        assert_eq!(
            assert_facade_error(st, &b, StatusCode::BAD_REQUEST),
            "x-im-connector-id"
        );
        // No token.
        let (st, b) = answer(
            s.http
                .request(
                    o.method.clone(),
                    super::url(&s, &o.path, &[("password_create_method", "Send an email")]),
                )
                .header("x-im-connector-id", "imanage-work-for-admins"),
        )
        .await;
        assert_facade_error(st, &b, StatusCode::UNAUTHORIZED);
    }
    assert!(sink.messages().is_empty());
    s.stop().await;
}

/// The admin connector's sign-in as docs/compatibility.md describes it: an app registered for
/// `user` and `admin`, the connector's Scope set to `user admin`; its token reaches the admin
/// operations, and one that asked for `user` only (the swagger's scope) does not.
#[tokio::test]
async fn the_admin_connectors_app_grants_the_admin_scope_to_an_administrator() {
    use crate::oauth::{REDIRECT, register, sign_in_through_pages};
    let s = TestServer::start().await;
    let app = register(
        &s,
        json!({"name": "Power Automate (admin)", "redirect_uris": [REDIRECT],
               "grants": ["authorization_code", "refresh_token"], "scopes": ["user", "admin"]}),
    )
    .await;
    let (id, secret) = (
        app["client_id"].as_str().expect("client_id"),
        app["client_secret"].as_str().expect("client_secret"),
    );
    let schema = op("GetCreateUserPasswordSchema");
    let q = BTreeMap::from([("password_create_method", json!("Create a password"))]);
    for (scope, expected) in [
        ("user admin", StatusCode::OK),
        ("user", StatusCode::FORBIDDEN),
    ] {
        let (params, _) = sign_in_through_pages(
            &s,
            "/automate/work/auth/login",
            id,
            &[("scope", scope), ("state", "pa")],
            "admin",
            ADMIN_PASSWORD,
        )
        .await;
        let t: Value = s
            .http
            .post(format!("{}/automate/work/auth/token", s.base))
            .basic_auth(id, Some(secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", params["code"].as_str()),
                ("redirect_uri", REDIRECT),
            ])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("json");
        let granted: std::collections::BTreeSet<&str> =
            t["scope"].as_str().unwrap_or_default().split(' ').collect();
        assert_eq!(granted, scope.split(' ').collect(), "{t}");
        let token = t["access_token"].as_str().expect("access_token");
        let (st, b) = answer(request(&s, token, &schema, &q, None)).await;
        assert_eq!(st, expected, "{scope}: {b}");
    }
    s.stop().await;
}
