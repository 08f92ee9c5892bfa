//! Email: RFC 5322 messages (mail-parser) and Outlook .msg files (msg_parser). Headers go
//! into [`EmailHeaders`]; the text is the body followed by each attachment's text after an
//! "[attachment: name]" line, attachments extracted recursively.

use mail_parser::{Address, HeaderValue, Message, MessageParser, MimeHeaders};

use crate::{
    AttachmentInfo, Ctx, EmailHeaders, Extraction, Outcome, Part, html, panic_message, text,
};

/// Message ids of `References`/`In-Reply-To` kept per message: a thread's whole history is
/// not needed to place it, and a hostile header may list millions.
const MAX_REFERENCES: usize = 64;

pub(crate) fn eml(content: &[u8], ctx: &mut Ctx, depth: u32) -> Extraction {
    let Some(message) = MessageParser::default().parse(content) else {
        return Extraction::failed("eml", "the email could not be parsed");
    };
    let headers = EmailHeaders {
        from: message.from().map(addresses).unwrap_or_default().join(", "),
        to: message.to().map(addresses).unwrap_or_default(),
        cc: message.cc().map(addresses).unwrap_or_default(),
        bcc: message.bcc().map(addresses).unwrap_or_default(),
        subject: message.subject().unwrap_or_default().to_string(),
        sent: message.date().map(|d| d.to_timestamp()),
        received: message
            .received()
            .and_then(|r| r.date.as_ref())
            .map(|d| d.to_timestamp()),
        message_id: message.message_id().map(str::to_string),
        in_reply_to: message_ids(message.in_reply_to()).into_iter().next(),
        references: message_ids(message.references()),
        attachments: Vec::new(),
    };
    let mut body = String::new();
    for part in message.text_bodies() {
        if !part.is_text() {
            continue;
        }
        let t = part.text_contents().unwrap_or_default();
        if part.is_text_html() {
            body.push_str(&html::to_text(t));
        } else {
            body.push_str(t);
        }
        body.push('\n');
    }
    let attachments = eml_attachments(&message);
    assemble("eml", headers, body, &attachments, ctx, depth)
}

/// An attachment as listed: its name, its declared content type, its bytes.
type Listed<'a> = (String, String, &'a [u8]);

/// A message's attachments in its order, named as the profile lists them.
fn eml_attachments<'a>(message: &'a Message<'a>) -> Vec<Listed<'a>> {
    let mut attachments = Vec::new();
    for (i, part) in message.attachments().enumerate() {
        let name = match part.attachment_name() {
            Some(n) if !n.trim().is_empty() => n.to_string(),
            _ if part.is_message() => format!("message {}.eml", i + 1),
            _ => format!("attachment {}", i + 1),
        };
        let content_type = part
            .content_type()
            .map(|c| match c.subtype() {
                Some(sub) => format!("{}/{sub}", c.ctype()),
                None => c.ctype().to_string(),
            })
            .unwrap_or_default();
        attachments.push((name, content_type, part.contents()));
    }
    attachments
}

fn parse_msg(content: &[u8]) -> Result<msg_parser::Outlook, String> {
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        msg_parser::Outlook::from_slice(content)
    }));
    match parsed {
        Ok(Ok(o)) => Ok(o),
        Ok(Err(e)) => Err(format!("corrupt Outlook message: {e}")),
        Err(p) => Err(format!("corrupt Outlook message: {}", panic_message(&*p))),
    }
}

/// An Outlook message's attachments in its order, named as the profile lists them.
fn msg_attachments(outlook: &msg_parser::Outlook) -> Vec<Listed<'_>> {
    let mut attachments = Vec::new();
    for (i, a) in outlook.attachments.iter().enumerate() {
        let name = [&a.long_file_name, &a.file_name, &a.display_name]
            .into_iter()
            .find(|n| !n.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| format!("attachment {}", i + 1));
        let name = if a.is_embedded_message() && !name.to_ascii_lowercase().ends_with(".msg") {
            format!("{name}.msg")
        } else {
            name
        };
        attachments.push((name, a.mime_tag.clone(), a.payload_bytes.as_slice()));
    }
    attachments
}

/// Attachment `number` (from 1, in the order the profile lists them) of a message.
pub(crate) fn attachment(content: &[u8], file_name: &str, number: u32) -> Result<Part, String> {
    let index = usize::try_from(number)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .ok_or_else(|| format!("there is no attachment {number}"))?;
    let take = |list: Vec<Listed<'_>>| {
        let (name, content_type, data) = list
            .into_iter()
            .nth(index)
            .ok_or_else(|| format!("there is no attachment {number}"))?;
        Ok(Part {
            name,
            content_type,
            data: data.to_vec(),
        })
    };
    match crate::detect::detect(content, file_name) {
        crate::detect::Format::Eml => {
            let message = MessageParser::default()
                .parse(content)
                .ok_or("the email could not be parsed")?;
            take(eml_attachments(&message))
        }
        crate::detect::Format::Msg => take(msg_attachments(&parse_msg(content)?)),
        _ => Err("not an email".to_string()),
    }
}

pub(crate) fn msg(content: &[u8], ctx: &mut Ctx, depth: u32) -> Extraction {
    let outlook = match parse_msg(content) {
        Ok(o) => o,
        Err(why) => return Extraction::failed("msg", why),
    };
    let person = |p: &msg_parser::Person| display(Some(p.name.as_str()), Some(p.email.as_str()));
    let people = |v: &[msg_parser::Person]| {
        v.iter()
            .map(&person)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    };
    let headers = EmailHeaders {
        from: person(&outlook.sender),
        to: people(&outlook.to),
        cc: people(&outlook.cc),
        bcc: people(&outlook.bcc),
        subject: outlook.subject.clone(),
        sent: timestamp(&outlook.client_submit_time).or_else(|| timestamp(&outlook.headers.date)),
        received: timestamp(&outlook.message_delivery_time),
        message_id: Some(outlook.headers.message_id.trim().to_string()).filter(|s| !s.is_empty()),
        in_reply_to: None,
        references: Vec::new(),
        attachments: Vec::new(),
    };
    // The MSG keeps the transport headers as text: its threading headers are read from it.
    let headers = match MessageParser::default().parse_headers(outlook.headers.raw.as_bytes()) {
        Some(raw) => EmailHeaders {
            in_reply_to: message_ids(raw.in_reply_to()).into_iter().next(),
            references: message_ids(raw.references()),
            ..headers
        },
        None => headers,
    };
    let body = if !outlook.body.trim().is_empty() {
        outlook.body.clone()
    } else if !outlook.html.trim().is_empty() {
        html::to_text(&outlook.html)
    } else {
        let from_rtf =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| outlook.html_from_rtf()));
        from_rtf
            .ok()
            .flatten()
            .map(|h| html::to_text(&h))
            .unwrap_or_default()
    };
    let attachments = msg_attachments(&outlook);
    assemble("msg", headers, body, &attachments, ctx, depth)
}

/// Body, then attachments; a nested message also gets its headers as text.
fn assemble(
    format: &str,
    mut headers: EmailHeaders,
    body: String,
    attachments: &[Listed<'_>],
    ctx: &mut Ctx,
    depth: u32,
) -> Extraction {
    headers.attachments = attachments
        .iter()
        .map(|(name, content_type, data)| AttachmentInfo {
            name: name.clone(),
            size: data.len() as u64,
            content_type: content_type.clone(),
        })
        .collect();
    let cap = ctx.limits.max_text_bytes;
    let mut out = String::new();
    if depth > 0 {
        out.push_str(&format!("From: {}\n", headers.from));
        if !headers.to.is_empty() {
            out.push_str(&format!("To: {}\n", headers.to.join(", ")));
        }
        out.push_str(&format!("Subject: {}\n\n", headers.subject));
    }
    if !text::push_capped(&mut out, &body, cap) {
        ctx.truncated = true;
    }
    for (name, _, data) in attachments {
        if out.len() >= cap {
            ctx.truncated = true;
            break;
        }
        text::push_capped(&mut out, &format!("\n[attachment: {name}]\n"), cap);
        if !ctx.charge(data.len() as u64) {
            break;
        }
        let inner = ctx.part(data, name, depth + 1);
        if inner.truncated {
            ctx.truncated = true;
        }
        if !text::push_capped(&mut out, &inner.text, cap) {
            ctx.truncated = true;
        }
    }
    Extraction {
        text: out,
        outcome: Outcome::Indexed,
        format: format.to_string(),
        email: Some(headers),
        truncated: ctx.truncated,
    }
}

/// The message ids of a threading header, without their angle brackets, at most
/// `MAX_REFERENCES` of them.
fn message_ids(v: &HeaderValue) -> Vec<String> {
    let ids: Vec<&str> = match v {
        HeaderValue::Text(t) => vec![t.as_ref()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.as_ref()).collect(),
        _ => Vec::new(),
    };
    ids.into_iter()
        .map(|id| {
            id.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .trim()
        })
        .filter(|id| !id.is_empty())
        .take(MAX_REFERENCES)
        .map(str::to_string)
        .collect()
}

fn addresses(a: &Address) -> Vec<String> {
    a.iter()
        .map(|addr| display(addr.name(), addr.address()))
        .filter(|s| !s.is_empty())
        .collect()
}

/// "Name <address>", or whichever of the two there is.
fn display(name: Option<&str>, address: Option<&str>) -> String {
    let name = name.map(str::trim).filter(|s| !s.is_empty());
    let address = address.map(str::trim).filter(|s| !s.is_empty());
    match (name, address) {
        (Some(n), Some(a)) if n != a => format!("{n} <{a}>"),
        (_, Some(a)) => a.to_string(),
        (Some(n), None) => n.to_string(),
        (None, None) => String::new(),
    }
}

/// msg_parser renders times as RFC 3339; transport headers use RFC 2822.
fn timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    chrono::DateTime::parse_from_rfc3339(s)
        .or_else(|_| chrono::DateTime::parse_from_rfc2822(s))
        .ok()
        .map(|d| d.timestamp())
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use crate::zipped::tests::build;
    use crate::{Limits, Outcome, extract};

    fn docx(text: &str) -> Vec<u8> {
        let doc = format!(
            r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"#
        );
        build(&[("word/document.xml", doc.as_bytes())])
    }

    fn b64(data: &[u8]) -> String {
        let s = base64::engine::general_purpose::STANDARD.encode(data);
        s.as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\r\n")
    }

    fn eml() -> String {
        format!(
            "Received: from mx.example.com by mail.example.org; Tue, 2 Jan 2024 10:00:05 +0000\r\n\
From: \"Alice Counsel\" <alice@example.com>\r\n\
To: Bob <bob@example.org>, carol@example.org\r\n\
Cc: dave@example.org\r\n\
Subject: =?UTF-8?B?UmU6IGNvbnRyYWN0IOKAkyBkcmFmdA==?=\r\n\
Date: Tue, 2 Jan 2024 10:00:00 +0000\r\n\
Message-ID: <abc123@example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"XX\"\r\n\
\r\n\
--XX\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Please review the draft.\r\n\
--XX\r\n\
Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=\"draft.docx\"\r\n\
Content-Disposition: attachment; filename=\"draft.docx\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
{}\r\n\
--XX\r\n\
Content-Type: text/plain; name=\"notes.txt\"\r\n\
Content-Disposition: attachment; filename=\"notes.txt\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
{}\r\n\
--XX--\r\n",
            b64(&docx("Clause seven is void")),
            b64(b"side notes"),
        )
    }

    #[test]
    fn eml_headers_body_and_attachments() {
        let e = extract(eml().as_bytes(), "mail.eml", &Limits::default());
        assert_eq!(e.format, "eml");
        assert_eq!(e.outcome, Outcome::Indexed);
        let h = e.email.expect("headers");
        assert_eq!(h.from, "Alice Counsel <alice@example.com>");
        assert_eq!(h.to, vec!["Bob <bob@example.org>", "carol@example.org"]);
        assert_eq!(h.cc, vec!["dave@example.org"]);
        assert!(h.bcc.is_empty());
        assert_eq!(h.subject, "Re: contract – draft");
        assert_eq!(h.sent, Some(1_704_189_600));
        assert_eq!(h.received, Some(1_704_189_605));
        assert_eq!(h.message_id.as_deref(), Some("abc123@example.com"));
        let listed: Vec<(&str, u64, &str)> = h
            .attachments
            .iter()
            .map(|a| (a.name.as_str(), a.size, a.content_type.as_str()))
            .collect();
        assert_eq!(listed[1], ("notes.txt", 10, "text/plain"));
        assert_eq!(listed[0].0, "draft.docx");
        assert_eq!(
            e.text,
            "Please review the draft.\n[attachment: draft.docx]\nClause seven is void\n[attachment: notes.txt]\nside notes"
        );
    }

    #[test]
    fn eml_attachment_by_number() {
        let part = super::attachment(eml().as_bytes(), "m.eml", 2).expect("attachment 2");
        assert_eq!(part.name, "notes.txt");
        assert_eq!(part.data, b"side notes");
        assert!(super::attachment(eml().as_bytes(), "m.eml", 3).is_err());
        assert!(super::attachment(eml().as_bytes(), "m.eml", 0).is_err());
        assert!(super::attachment(b"%PDF-1.4", "x.pdf", 1).is_err());
    }

    #[test]
    fn eml_threading_headers() {
        let m = "From: a@example.com\r\nSubject: Re: x\r\nMessage-ID: <c@x>\r\nIn-Reply-To: <b@x>\r\nReferences: <a@x> <b@x>\r\n\r\nhi\r\n";
        let h = extract(m.as_bytes(), "m.eml", &Limits::default())
            .email
            .expect("headers");
        assert_eq!(h.in_reply_to.as_deref(), Some("b@x"));
        assert_eq!(h.references, vec!["a@x", "b@x"]);
        assert!(h.attachments.is_empty());
    }

    #[test]
    fn eml_html_only_body() {
        let m = "From: a@example.com\r\nSubject: html\r\nContent-Type: text/html\r\n\r\n<html><body><p>Hi <b>there</b></p><script>x()</script></body></html>\r\n";
        let e = extract(m.as_bytes(), "x", &Limits::default());
        assert_eq!(e.format, "eml");
        assert_eq!(e.text, "Hi there");
    }

    #[test]
    fn eml_attachment_depth_and_budget() {
        let limits = Limits {
            max_depth: 0,
            ..Limits::default()
        };
        let e = extract(eml().as_bytes(), "mail.eml", &limits);
        assert!(e.truncated);
        assert!(e.text.contains("[attachment: draft.docx]"));
        assert!(!e.text.contains("Clause"));
        let limits = Limits {
            max_unpacked_bytes: 10,
            ..Limits::default()
        };
        let e = extract(eml().as_bytes(), "mail.eml", &limits);
        assert!(e.truncated);
        assert!(!e.text.contains("Clause"));
    }

    #[test]
    fn corrupt_msg_is_reported() {
        let mut x: u32 = 7;
        let mut data = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        data.extend((0..4096).map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        }));
        let e = extract(&data, "mail.msg", &Limits::default());
        assert_eq!(e.format, "msg");
        match &e.outcome {
            Outcome::Failed(r) => assert!(r.starts_with("corrupt Outlook message"), "{r}"),
            Outcome::MetadataOnly(_) => {}
            Outcome::Indexed => panic!("random bytes indexed: {e:?}"),
        }
        // Just the magic, nothing else.
        let e = extract(&data[..8], "mail.msg", &Limits::default());
        assert!(!matches!(e.outcome, Outcome::Indexed));
    }

    #[test]
    fn msg_timestamps() {
        assert_eq!(
            super::timestamp("2024-01-02T10:00:00Z"),
            Some(1_704_189_600)
        );
        assert_eq!(
            super::timestamp("2024-01-02T10:00:00.250Z"),
            Some(1_704_189_600)
        );
        assert_eq!(super::timestamp(""), None);
    }
}
