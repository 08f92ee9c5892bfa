//! Filed emails (docs/email.md): profiles read from the message, de-duplication,
//! conversations, attachments, and hostile messages. The corpus is built here as MIME text.

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestServer, assert_error};

/// A message's headers; `extra` goes after the standard ones (MIME headers, threading).
struct Mail<'a> {
    from: &'a str,
    to: &'a str,
    cc: Option<&'a str>,
    subject: &'a str,
    date: &'a str,
    message_id: Option<&'a str>,
    extra: &'a str,
}

impl Mail<'_> {
    fn headers(&self) -> String {
        let mut h = format!(
            "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMIME-Version: 1.0\r\n",
            self.from, self.to, self.subject, self.date
        );
        if let Some(cc) = self.cc {
            h.push_str(&format!("Cc: {cc}\r\n"));
        }
        if let Some(id) = self.message_id {
            h.push_str(&format!("Message-ID: <{id}>\r\n"));
        }
        h.push_str(self.extra);
        h
    }

    fn with_body(&self, content_type: &str, body: &str) -> Vec<u8> {
        format!(
            "{}Content-Type: {content_type}\r\n\r\n{body}\r\n",
            self.headers()
        )
        .into_bytes()
    }
}

const DATE: &str = "Tue, 1 Dec 2026 10:00:00 +0000";
const SENT: &str = "2026-12-01T10:00:00.000Z";

fn simple<'a>(subject: &'a str, id: Option<&'a str>) -> Mail<'a> {
    Mail {
        from: "Alice Partner <alice@firm.example>",
        to: "Bob Client <bob@client.example>, carol@client.example",
        cc: Some("dave@firm.example"),
        subject,
        date: DATE,
        message_id: id,
        extra: "",
    }
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn multipart(mail: &Mail, parts: &[String]) -> Vec<u8> {
    let mut out = format!(
        "{}Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\r\n\r\npreamble\r\n",
        mail.headers()
    );
    for p in parts {
        out.push_str("--BOUNDARY\r\n");
        out.push_str(p);
        out.push_str("\r\n");
    }
    out.push_str("--BOUNDARY--\r\n");
    out.into_bytes()
}

fn attachment(name: &str, data: &[u8]) -> String {
    format!(
        "Content-Type: application/octet-stream; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        b64(data)
    )
}

async fn file(s: &TestServer, folder: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    file_as(s, folder, name, bytes, json!({})).await
}

async fn file_as(
    s: &TestServer,
    folder: &str,
    name: &str,
    bytes: Vec<u8>,
    doc_profile: Value,
) -> (StatusCode, Value) {
    s.upload_raw(
        folder,
        TestServer::upload_form(json!({"doc_profile": doc_profile}), name, bytes),
    )
    .await
}

async fn filed(s: &TestServer, folder: &str, name: &str, bytes: Vec<u8>) -> Value {
    let (status, body) = file(s, folder, name, bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["data"].clone()
}

/// The profile as GET reads it back: what is stored, not what the upload answered.
async fn profile(s: &TestServer, id: &str) -> Value {
    s.get_json(&s.lib(&format!("/documents/{id}"))).await["data"].clone()
}

#[tokio::test]
async fn profiles_are_filled_from_each_kind_of_message() {
    let s = TestServer::start().await;
    let folder = s.folder().await;

    // Plain text.
    let plain = simple("Completion statement", Some("plain@firm.example"))
        .with_body("text/plain; charset=utf-8", "Please find the statement.");
    let d = filed(&s, &folder, "message.eml", plain).await;
    let p = profile(&s, d["id"].as_str().unwrap()).await;
    assert_eq!(p["wstype"], "email");
    assert_eq!(p["name"], "Completion statement");
    assert_eq!(p["subject"], "Completion statement");
    assert_eq!(p["from"], "Alice Partner <alice@firm.example>");
    assert_eq!(
        p["to"],
        "Bob Client <bob@client.example>; carol@client.example"
    );
    assert_eq!(p["cc"], "dave@firm.example");
    assert_eq!(p["sent_date"], SENT);
    assert_eq!(p["message_id"], "plain@firm.example");
    assert_eq!(p["has_attachment"], false);
    assert_eq!(p["attachments"], json!([]));
    assert!(
        p["conversation_id"].as_str().is_some_and(|c| c.len() == 32),
        "{p}"
    );
    assert_eq!(p["conversation_name"], "Completion statement");
    assert_eq!(d["is_duplicate"], false);

    // HTML only.
    let html = simple("HTML only", Some("html@firm.example")).with_body(
        "text/html; charset=utf-8",
        "<html><body><p>Hello</p></body></html>",
    );
    let p = filed(&s, &folder, "html.eml", html).await;
    assert_eq!(p["name"], "HTML only");
    assert_eq!(p["from"], "Alice Partner <alice@firm.example>");

    // multipart/alternative.
    let m = simple("Alternative", Some("alt@firm.example"));
    let alt = format!(
        "{}Content-Type: multipart/alternative; boundary=\"ALT\"\r\n\r\n--ALT\r\nContent-Type: text/plain\r\n\r\nplain part\r\n--ALT\r\nContent-Type: text/html\r\n\r\n<p>html part</p>\r\n--ALT--\r\n",
        m.headers()
    );
    let p = filed(&s, &folder, "alt.eml", alt.into_bytes()).await;
    assert_eq!(p["name"], "Alternative");
    assert_eq!(p["has_attachment"], false);

    // A forwarded message nested as message/rfc822.
    let inner =
        simple("Inner message", Some("inner@firm.example")).with_body("text/plain", "the original");
    let outer = multipart(
        &simple("Fwd: Inner message", Some("outer@firm.example")),
        &[
            "Content-Type: text/plain\r\n\r\nsee below".to_string(),
            format!(
                "Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"original.eml\"\r\n\r\n{}",
                String::from_utf8(inner).unwrap()
            ),
        ],
    );
    let p = filed(&s, &folder, "fwd.eml", outer).await;
    assert_eq!(p["name"], "Fwd: Inner message");
    assert_eq!(p["message_id"], "outer@firm.example");
    assert_eq!(p["has_attachment"], true);
    assert_eq!(p["attachments"][0]["name"], "original.eml");
    assert_eq!(p["conversation_name"], "Inner message");

    // A non-UTF-8 charset: ISO-8859-1 in an encoded-word sender and in the body.
    let mut latin = b"From: =?ISO-8859-1?Q?Ren=E9_Avocat?= <rene@firm.example>\r\nTo: b@client.example\r\nSubject: =?ISO-8859-1?Q?Caf=E9_contract?=\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <latin@firm.example>\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n".to_vec();
    latin.extend_from_slice(b"Le caf\xe9 est ferm\xe9.\r\n");
    let p = filed(&s, &folder, "latin.eml", latin).await;
    assert_eq!(p["name"], "Café contract");
    assert_eq!(p["from"], "René Avocat <rene@firm.example>");

    // An encoded-word UTF-8 subject with characters a name may not hold.
    let encoded = Mail {
        subject: "=?UTF-8?B?UmU6IEHigJMvQiDDvGJlcmxlZ3VuZw==?=",
        ..simple("", Some("encoded@firm.example"))
    }
    .with_body("text/plain", "x");
    let p = filed(&s, &folder, "enc.eml", encoded).await;
    assert_eq!(p["subject"], "Re: A–/B überlegung");
    assert_eq!(
        p["name"], "Re: A–-B überlegung",
        "a slash cannot be in a name"
    );

    // Twenty attachments.
    let parts: Vec<String> = std::iter::once("Content-Type: text/plain\r\n\r\nbody".to_string())
        .chain((1..=20).map(|i| attachment(&format!("exhibit {i}.pdf"), &vec![b'x'; i * 10])))
        .collect();
    let many = multipart(&simple("Exhibits", Some("many@firm.example")), &parts);
    let d = filed(&s, &folder, "many.eml", many).await;
    let p = profile(&s, d["id"].as_str().unwrap()).await;
    let list = p["attachments"].as_array().unwrap();
    assert_eq!(list.len(), 20);
    assert_eq!(list[0]["name"], "exhibit 1.pdf");
    assert_eq!(list[0]["attachment_id"], "1");
    assert_eq!(list[19]["name"], "exhibit 20.pdf");
    assert_eq!(list[19]["size"], 200);
    assert_eq!(p["has_attachment"], true);

    s.stop().await;
}

#[tokio::test]
async fn the_client_s_profile_wins_over_the_message() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let mail = simple("From the message", Some("client@firm.example")).with_body("text/plain", "x");
    let (status, body) = s
        .upload_raw(
            &folder,
            TestServer::upload_form(
                json!({"doc_profile": {"name": "Chosen name", "from": "someone@else.example", "sent_date": "2025-01-01T00:00:00Z"}}),
                "m.eml",
                mail,
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let p = profile(&s, body["data"]["id"].as_str().unwrap()).await;
    assert_eq!(p["name"], "Chosen name");
    assert_eq!(p["from"], "someone@else.example");
    assert_eq!(p["sent_date"], "2025-01-01T00:00:00.000Z");
    // What the client left out still comes from the message.
    assert_eq!(p["subject"], "From the message");
    assert_eq!(p["cc"], "dave@firm.example");
    s.stop().await;
}

#[tokio::test]
async fn the_same_message_in_one_workspace_is_one_document_and_a_reference() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Matter").await;
    let a = s.create_folder(&ws, "Correspondence").await;
    let b = s.create_folder(&ws, "Completion").await;
    let mail = || simple("Signed", Some("dup@firm.example")).with_body("text/plain", "x");
    let first = filed(&s, &a, "signed.eml", mail()).await;
    let id = first["id"].as_str().unwrap().to_string();

    let (status, again) = file(&s, &b, "signed.eml", mail()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["data"]["is_duplicate"], true);
    assert_eq!(again["data"]["id"], id.as_str());
    // Filed in the second folder as a reference, not as a new document.
    let in_b = s.get_json(&s.lib(&format!("/folders/{b}/documents"))).await;
    let listed: Vec<&str> = in_b["data"]
        .as_array()
        .or(in_b["data"]["results"].as_array())
        .unwrap()
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(listed, [id.as_str()], "{in_b}");
    // Filed again into a folder that holds it already: still the one document.
    let (status, third) = file(&s, &a, "signed.eml", mail()).await;
    assert_eq!(status, StatusCode::OK, "{third}");
    assert_eq!(third["data"]["id"], id.as_str());
    let emails = s
        .get_json(&s.lib("/documents?email_only=true&total=true"))
        .await;
    assert_eq!(emails["total_count"], 1, "{emails}");
    s.stop().await;
}

#[tokio::test]
async fn the_same_message_in_two_workspaces_is_two_documents_linked() {
    let s = TestServer::start().await;
    let one = s.folder().await;
    let other = s.folder().await;
    let mail = || simple("Shared", Some("two@firm.example")).with_body("text/plain", "x");
    let a = filed(&s, &one, "m.eml", mail()).await;
    let b = filed(&s, &other, "m.eml", mail()).await;
    assert_ne!(a["id"], b["id"]);
    assert_eq!(b["is_duplicate"], false);
    assert_eq!(a["conversation_id"], b["conversation_id"]);
    let copies = s
        .get_json(&s.lib(&format!(
            "/documents/{}/email-copies",
            b["id"].as_str().unwrap()
        )))
        .await;
    assert_eq!(copies["data"][0]["id"], a["id"], "{copies}");
    s.stop().await;
}

#[tokio::test]
async fn without_a_message_id_subject_and_sent_date_decide() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let mail = |date: &'static str| {
        Mail {
            date,
            ..simple("No id", None)
        }
        .with_body("text/plain", "x")
    };
    let first = filed(&s, &folder, "m.eml", mail(DATE)).await;
    let (status, again) = file(&s, &folder, "m.eml", mail(DATE)).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["data"]["id"], first["id"]);
    // Sent at another time: another message.
    let later = filed(&s, &folder, "m.eml", mail("Wed, 2 Dec 2026 10:00:00 +0000")).await;
    assert_ne!(later["id"], first["id"]);
    s.stop().await;
}

#[tokio::test]
async fn de_duplication_is_a_library_setting() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let settings = s.get_json(&s.lib("/email-settings")).await;
    assert_eq!(settings["data"]["deduplicate"], true);
    let (status, body) = s
        .send_json(
            reqwest::Method::PUT,
            &s.lib("/email-settings"),
            json!({"deduplicate": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["deduplicate"], false);
    let admin = s
        .login_scoped("admin", crate::harness::ADMIN_PASSWORD, "user admin")
        .await;
    let log: Value = s
        .http
        .get(format!(
            "{}/work/api/v2/customers/1/audit-log?limit=500",
            s.base
        ))
        .header("X-Auth-Token", admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        log.to_string().contains("library.email_settings.update"),
        "{log}"
    );
    let mail = || simple("Twice", Some("twice@firm.example")).with_body("text/plain", "x");
    let a = filed(&s, &folder, "m.eml", mail()).await;
    let b = filed(&s, &folder, "m.eml", mail()).await;
    assert_ne!(a["id"], b["id"]);
    // Only administrators change it.
    let token = s.new_user("CLERK", "Clerk-password-1").await;
    let (status, body) = s
        .send_json_as(
            &token,
            reqwest::Method::PUT,
            &s.lib("/email-settings"),
            json!({"deduplicate": true}),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN);
    s.stop().await;
}

#[tokio::test]
async fn replies_join_their_conversation_whatever_the_filing_order() {
    let s = TestServer::start().await;
    let one = s.folder().await;
    let other = s.folder().await;
    let at = |day: u32| format!("Tue, {day} Dec 2026 10:00:00 +0000");
    let (d1, d2, d3) = (at(1), at(2), at(3));
    let root = Mail {
        date: &d1,
        ..simple("Lease", Some("root@firm.example"))
    }
    .with_body("text/plain", "first");
    let reply = Mail {
        date: &d2,
        extra: "In-Reply-To: <root@firm.example>\r\nReferences: <root@firm.example>\r\n",
        ..simple("Re: Lease", Some("reply@client.example"))
    }
    .with_body("text/plain", "second");
    // The third answers the second only (a client that keeps no References).
    let third = Mail {
        date: &d3,
        extra: "In-Reply-To: <reply@client.example>\r\n",
        ..simple("Re: Re: Lease", Some("third@firm.example"))
    }
    .with_body("text/plain", "third");
    let unrelated = simple("Other", Some("other@firm.example")).with_body("text/plain", "x");
    // Filed out of order, across workspaces.
    // The reply is private to its author.
    let (status, r) = file_as(
        &s,
        &other,
        "reply.eml",
        reply,
        json!({"default_security": "private"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let r = r["data"].clone();
    let t = filed(&s, &one, "third.eml", third).await;
    let a = filed(&s, &one, "root.eml", root).await;
    let u = filed(&s, &one, "other.eml", unrelated).await;
    let conversation = a["conversation_id"].as_str().unwrap().to_string();
    assert_eq!(r["conversation_id"], conversation.as_str());
    assert_eq!(t["conversation_id"], conversation.as_str());
    assert_ne!(u["conversation_id"], conversation.as_str());
    assert_eq!(t["in_reply_to"], "reply@client.example");

    let read = s
        .get_json(&s.lib(&format!("/conversations/{conversation}")))
        .await;
    let names: Vec<&str> = read["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Lease", "Re: Lease", "Re: Re: Lease"], "{read}");
    // Searchable by conversation id.
    let found = s
        .get_json(&s.lib(&format!(
            "/documents?conversation_id={conversation}&total=true"
        )))
        .await;
    assert_eq!(found["total_count"], 3, "{found}");
    // Only what the caller may read: another user does not see the private reply.
    let token = s.new_user("OUTSIDER", "Outsider-password-1").await;
    let r = reqwest::Client::new()
        .get(s.lib(&format!("/conversations/{conversation}")))
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    let names: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Lease", "Re: Re: Lease"], "{body}");
    s.stop().await;
}

#[tokio::test]
async fn hostile_messages_degrade_without_failing_the_upload() {
    let s = TestServer::start().await;
    let folder = s.folder().await;

    // 50 levels of message/rfc822.
    let mut nested =
        simple("Level 50", Some("l50@firm.example")).with_body("text/plain", "deepest");
    for level in (0..50).rev() {
        let subject = format!("Level {level}");
        let id = format!("l{level}@firm.example");
        let wrapper = simple(&subject, Some(&id));
        let mut out =
            format!("{}Content-Type: message/rfc822\r\n\r\n", wrapper.headers()).into_bytes();
        out.extend_from_slice(&nested);
        nested = out;
    }
    let (status, body) = file(&s, &folder, "nested.eml", nested).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["data"]["wstype"], "email");
    assert_eq!(body["data"]["name"], "Level 0");

    // A 10 MB header: the profile keeps what fits.
    let mut huge = format!(
        "From: a@firm.example\r\nTo: {}\r\nSubject: {}\r\nDate: {DATE}\r\nMessage-ID: <huge@firm.example>\r\n",
        "x@client.example, ".repeat(600_000),
        "long ".repeat(200_000),
    );
    huge.push_str("\r\nbody\r\n");
    assert!(huge.len() > 10 << 20);
    let (status, body) = file(&s, &folder, "huge.eml", huge.into_bytes()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let p = &body["data"];
    assert!(p["name"].as_str().unwrap().chars().count() <= 254, "{p}");
    assert!(p["to"].as_str().unwrap().chars().count() <= 4000);
    assert_eq!(p["message_id"], "huge@firm.example");

    // Broken boundaries: the headers still make the profile.
    let broken = format!(
        "{}Content-Type: multipart/mixed; boundary=\"NEVER\"\r\n\r\n--WRONG\r\nContent-Type: text/plain\r\n\r\nno end\r\n--NEVER\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64",
        simple("Broken", Some("broken@firm.example")).headers()
    );
    let (status, body) = file(&s, &folder, "broken.eml", broken.into_bytes()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["data"]["name"], "Broken");

    // Not a message at all, named .eml: an email document with nothing parsed.
    let (status, body) = file(&s, &folder, "noise.eml", vec![0u8, 159, 146, 150, 255]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["data"]["wstype"], "email");
    assert_eq!(body["data"]["name"], "noise");
    s.stop().await;
}

#[tokio::test]
async fn attachments_download_on_their_own() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let pdf = b"%PDF-1.4 exhibit bytes".to_vec();
    let inner = simple("Original", Some("orig@firm.example")).with_body("text/plain", "x");
    let mail = multipart(
        &simple("With attachments", Some("att@firm.example")),
        &[
            "Content-Type: text/plain\r\n\r\nsee attached".to_string(),
            attachment("exhibit A.pdf", &pdf),
            format!(
                "Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"original.eml\"\r\n\r\n{}",
                String::from_utf8(inner.clone()).unwrap()
            ),
        ],
    );
    let d = filed(&s, &folder, "m.eml", mail).await;
    let id = d["id"].as_str().unwrap();
    assert_eq!(d["attachments"][0]["size"], pdf.len());
    let r = s
        .get(&s.lib(&format!("/documents/{id}/attachments/1/download")))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("exhibit A.pdf")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf.as_slice());
    // A forwarded message comes out as the message it was.
    let r = s
        .get(&s.lib(&format!("/documents/{id}/attachments/2/download")))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.bytes().await.unwrap();
    assert!(
        String::from_utf8_lossy(&body).contains("Subject: Original"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    // Recorded in the email's history.
    let history = s
        .get_json(&s.lib(&format!("/documents/{id}/history")))
        .await;
    assert!(
        history.to_string().contains("attachment 1: exhibit A.pdf"),
        "{history}"
    );

    for missing in ["3", "0", "x"] {
        let r = s
            .get(&s.lib(&format!("/documents/{id}/attachments/{missing}/download")))
            .await;
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_error(status, &body, StatusCode::NOT_FOUND);
    }
    // An outsider cannot read a private email's attachments: 404, as for the email.
    let (status, private) = file_as(
        &s,
        &folder,
        "p.eml",
        multipart(
            &simple("Private", Some("private@firm.example")),
            &[attachment("secret.pdf", b"secret")],
        ),
        json!({"default_security": "private"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{private}");
    let token = s.new_user("OUTSIDER", "Outsider-password-1").await;
    let r = reqwest::Client::new()
        .get(s.lib(&format!(
            "/documents/{}/attachments/1/download",
            private["data"]["id"].as_str().unwrap()
        )))
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test]
async fn email_fields_from_the_message_are_searchable() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    filed(
        &s,
        &folder,
        "a.eml",
        simple("Escrow release", Some("search@firm.example")).with_body("text/plain", "x"),
    )
    .await;
    filed(
        &s,
        &folder,
        "b.eml",
        Mail {
            from: "Zed Other <zed@elsewhere.example>",
            to: "yan@elsewhere.example",
            cc: None,
            date: "Mon, 1 Jun 2026 10:00:00 +0000",
            ..simple("Unrelated", Some("other@elsewhere.example"))
        }
        .with_body("text/plain", "x"),
    )
    .await;
    s.wait_for_index().await;
    let names = |body: Value| -> Vec<String> {
        body["data"]["results"]
            .as_array()
            .or(body["data"].as_array())
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect()
    };
    for query in [
        "from=alice",
        "sender=partner",
        "to=carol",
        "recipient=client.example",
        "cc=dave",
        "subject=escrow",
        "sent_date_from=2026-11-30T00:00:00Z&sent_date_to=2026-12-02T00:00:00Z",
    ] {
        let found = s.get_json(&s.lib(&format!("/documents?{query}"))).await;
        assert_eq!(names(found.clone()), ["Escrow release"], "{query}: {found}");
    }
    s.stop().await;
}
