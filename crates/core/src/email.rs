//! Filed emails: the message as its headers describe it, the rule that fills a profile from
//! it (the client's own values win), the key that tells the same message filed twice, and a
//! library's email settings.

use chrono::{DateTime, Utc};

use crate::changes::DocumentChanges;
use crate::limits::NAME_MAX;
use crate::model::EmailFields;

/// The longest address list (from, to, cc, bcc) kept on a profile, in characters: a hostile
/// header may name a million recipients, and a profile is read on every listing.
pub const ADDRESS_LIST_MAX: usize = 4000;
/// The longest subject kept on a profile, in characters.
pub const SUBJECT_MAX: usize = 1000;
/// The longest message id kept (RFC 5322 sets no limit; real ones are well under 250).
pub const MESSAGE_ID_MAX: usize = 500;
/// Attachments listed on a profile; a message with more lists the first ones.
pub const ATTACHMENTS_MAX: usize = 500;

/// One attachment of a filed email. Its number is its place in the message, from 1, which
/// is how it is asked for on its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmailAttachment {
    pub number: u32,
    pub name: String,
    pub size: u64,
    pub content_type: String,
}

/// A message as read from its headers by the extractor, untrusted and unbounded until
/// `fill` puts it on a profile.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedEmail {
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    pub sent: Option<DateTime<Utc>>,
    pub received: Option<DateTime<Utc>>,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    /// The thread before this message, oldest first.
    pub references: Vec<String>,
    pub attachments: Vec<EmailAttachment>,
}

/// `s` cut to at most `max` characters.
fn capped(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Text for a profile field: trimmed, capped, `None` when empty.
fn field(s: &str, max: usize) -> Option<String> {
    let s = capped(s.trim(), max);
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// An address list as the profile shows it (`a@x; b@y`), capped.
fn list(v: &[String]) -> Option<String> {
    field(&v.join("; "), ADDRESS_LIST_MAX)
}

/// A message id without its angle brackets, `None` when blank or absurdly long.
pub fn message_id(s: &str) -> Option<String> {
    let s = s
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!s.is_empty() && s.chars().count() <= MESSAGE_ID_MAX).then(|| s.to_string())
}

/// A subject made into a document name: what `limits::check_name` refuses (path
/// separators, control characters) replaced, cut to `NAME_MAX`. `None` when nothing is left.
pub fn name_from_subject(subject: &str) -> Option<String> {
    let cleaned: String = subject
        .chars()
        .map(|c| match c {
            '/' | '\\' => '-',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    field(&words.join(" "), NAME_MAX)
}

impl ParsedEmail {
    /// Fills the profile fields the client left unset from the message: the email fields,
    /// and the name from the subject when the client gave none. The file name is not the
    /// client's choice of a name for an email: clients send `message.eml` or the like.
    pub fn fill(&self, changes: &mut DocumentChanges) {
        if changes.name.is_none() {
            changes.name = name_from_subject(&self.subject);
        }
        let e = &mut changes.email;
        let or = |mine: &mut Option<String>, parsed: Option<String>| {
            if mine.is_none() {
                *mine = parsed;
            }
        };
        or(&mut e.from, field(&self.from, ADDRESS_LIST_MAX));
        or(&mut e.to, list(&self.to));
        or(&mut e.cc, list(&self.cc));
        or(&mut e.bcc, list(&self.bcc));
        or(&mut e.subject, field(&self.subject, SUBJECT_MAX));
        or(
            &mut e.message_id,
            self.message_id.as_deref().and_then(message_id),
        );
        or(
            &mut e.in_reply_to,
            self.in_reply_to.as_deref().and_then(message_id),
        );
        e.sent_date = e.sent_date.or(self.sent);
        e.received_date = e.received_date.or(self.received);
        if e.attachments.is_empty() {
            e.attachments = self
                .attachments
                .iter()
                .take(ATTACHMENTS_MAX)
                .cloned()
                .collect();
        }
    }

    /// The message ids this message answers, nearest first: `In-Reply-To`, then
    /// `References` from the newest back.
    pub fn answers(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let ids = self
            .in_reply_to
            .iter()
            .chain(self.references.iter().rev())
            .filter_map(|s| message_id(s));
        for id in ids {
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }

    /// The message that began the thread, as far as this one knows: the oldest of its
    /// `References`, else the one it answers, else itself.
    pub fn thread_root(&self) -> Option<String> {
        self.references
            .iter()
            .chain(self.in_reply_to.iter())
            .chain(self.message_id.iter())
            .find_map(|s| message_id(s))
    }
}

/// What makes two filings the same message: its Message-ID, or, for a message without
/// one, its subject and sent date together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageKey {
    MessageId(String),
    SubjectSent { subject: String, sent: i64 },
}

impl MessageKey {
    /// The key of a profile's email fields; `None` when they say too little to tell (no
    /// Message-ID, and no subject or no sent date).
    pub fn of(e: &EmailFields) -> Option<MessageKey> {
        if let Some(id) = e.message_id.as_deref().and_then(message_id) {
            return Some(MessageKey::MessageId(id));
        }
        let subject = e
            .subject
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())?;
        let sent = e.sent_date?;
        Some(MessageKey::SubjectSent {
            subject: subject.to_lowercase(),
            sent: sent.timestamp(),
        })
    }

    /// The stored spelling (`documents.email_key`), one column for both kinds.
    pub fn stored(&self) -> String {
        match self {
            MessageKey::MessageId(id) => format!("id:{id}"),
            MessageKey::SubjectSent { subject, sent } => format!("subject:{sent}:{subject}"),
        }
    }
}

/// The subject a conversation is named after: the subject without its reply and forward
/// prefixes (`Re:`, `Fwd:`, `AW:`, … repeated).
pub fn conversation_name(subject: &str) -> String {
    const PREFIXES: [&str; 7] = ["re", "fw", "fwd", "aw", "wg", "tr", "sv"];
    let mut s = subject.trim();
    loop {
        let Some((head, rest)) = s.split_once(':') else {
            return s.to_string();
        };
        let head = head.trim().to_ascii_lowercase();
        // `Re[2]:` counts as `Re:`.
        let bare = head.split('[').next().unwrap_or_default();
        if !PREFIXES.contains(&bare) {
            return s.to_string();
        }
        s = rest.trim_start();
    }
}

/// A library's email settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailSettings {
    /// The same message filed again into the same workspace becomes a reference to the
    /// email already there, not a second document.
    pub deduplicate: bool,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings { deduplicate: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_wins_and_the_message_fills_the_rest() {
        let parsed = ParsedEmail {
            from: "Alice <a@x.org>".into(),
            to: vec!["b@x.org".into(), "c@x.org".into()],
            subject: "Re: the lease / renewal".into(),
            message_id: Some("<m1@x.org>".into()),
            ..Default::default()
        };
        let mut changes = DocumentChanges::default();
        changes.email.from = Some("mine".into());
        parsed.fill(&mut changes);
        assert_eq!(changes.name.as_deref(), Some("Re: the lease - renewal"));
        assert_eq!(changes.email.from.as_deref(), Some("mine"));
        assert_eq!(changes.email.to.as_deref(), Some("b@x.org; c@x.org"));
        assert_eq!(changes.email.message_id.as_deref(), Some("m1@x.org"));
        let mut named = DocumentChanges {
            name: Some("Chosen".into()),
            ..Default::default()
        };
        parsed.fill(&mut named);
        assert_eq!(named.name.as_deref(), Some("Chosen"));
    }

    #[test]
    fn huge_headers_are_capped() {
        let parsed = ParsedEmail {
            subject: "x".repeat(100_000),
            to: vec!["a@b.c".into(); 100_000],
            ..Default::default()
        };
        let mut changes = DocumentChanges::default();
        parsed.fill(&mut changes);
        assert_eq!(changes.name.unwrap().chars().count(), NAME_MAX);
        assert_eq!(changes.email.subject.unwrap().chars().count(), SUBJECT_MAX);
        assert_eq!(changes.email.to.unwrap().chars().count(), ADDRESS_LIST_MAX);
    }

    #[test]
    fn message_keys() {
        let mut e = EmailFields {
            subject: Some("Hello".into()),
            ..Default::default()
        };
        assert_eq!(MessageKey::of(&e), None);
        e.sent_date = DateTime::from_timestamp(100, 0);
        assert_eq!(
            MessageKey::of(&e).map(|k| k.stored()).as_deref(),
            Some("subject:100:hello")
        );
        e.message_id = Some("<a@b>".into());
        assert_eq!(
            MessageKey::of(&e).map(|k| k.stored()).as_deref(),
            Some("id:a@b")
        );
    }

    #[test]
    fn threads() {
        let p = ParsedEmail {
            message_id: Some("c".into()),
            in_reply_to: Some("b".into()),
            references: vec!["a".into(), "b".into()],
            ..Default::default()
        };
        assert_eq!(p.answers(), vec!["b", "a"]);
        assert_eq!(p.thread_root().as_deref(), Some("a"));
        assert_eq!(conversation_name("RE: Fwd: AW[2]: Lease"), "Lease");
        assert_eq!(conversation_name("Agenda: Monday"), "Agenda: Monday");
    }
}
