//! Text extraction from untrusted files for the search index.
//!
//! Parsing hostile documents is done in a long-lived worker process ([`worker_main`]), driven
//! from the server by an [`Extractor`] pool with a wall-clock timeout and a memory limit, so a
//! file that makes a parser loop, abort or exhaust memory costs one worker, never the server.
//! [`extract`] is the same extraction in-process; the worker calls it.

use std::time::Duration;

mod detect;
mod html;
mod mail;
mod office;
mod pdf;
mod pool;
mod rtf;
mod sheet;
mod text;
mod worker;
mod zipped;

pub use pool::Extractor;

pub use worker::worker_main;

/// Limits for one extraction (the memory limit is per worker process).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Wall clock per file (default 30 s).
    pub timeout: Duration,
    /// Worker address-space limit (default 1 GiB).
    pub memory_bytes: u64,
    /// Larger files are not sent to the worker (default 64 MiB).
    pub max_input_bytes: u64,
    /// Extracted text is truncated here, at a char boundary (default 8 MiB).
    pub max_text_bytes: usize,
    /// Total bytes unpacked from zip/OOXML/ODF/attachments (default 256 MiB).
    pub max_unpacked_bytes: u64,
    /// Zip entries looked at (default 10 000).
    pub max_entries: usize,
    /// Nesting of zip-in-zip / email attachments (default 4).
    pub max_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(30),
            memory_bytes: 1 << 30,
            max_input_bytes: 64 << 20,
            max_text_bytes: 8 << 20,
            max_unpacked_bytes: 256 << 20,
            max_entries: 10_000,
            max_depth: 4,
        }
    }
}

/// What became of a file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Outcome {
    /// Text was extracted.
    Indexed,
    /// The file is kept and searchable by its metadata only; the reason says why.
    MetadataOnly(String),
    /// Extraction went wrong; the reason says how.
    Failed(String),
}

/// The headers of an email (EML or Outlook MSG).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EmailHeaders {
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    /// Unix seconds.
    pub sent: Option<i64>,
    /// Unix seconds.
    pub received: Option<i64>,
    pub message_id: Option<String>,
    /// The message this one answers (`In-Reply-To`), without angle brackets.
    #[serde(default)]
    pub in_reply_to: Option<String>,
    /// The messages of the thread before this one (`References`), oldest first.
    #[serde(default)]
    pub references: Vec<String>,
    /// The attachments, in the message's order (nested messages included, not their own).
    #[serde(default)]
    pub attachments: Vec<AttachmentInfo>,
}

/// One attachment of an email, as listed on its profile.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AttachmentInfo {
    pub name: String,
    pub size: u64,
    /// `type/subtype`, as the message declares it (empty when it does not).
    pub content_type: String,
}

/// One attachment of an email, taken out whole (`Extractor::attachment`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Part {
    pub name: String,
    pub content_type: String,
    /// Base64 on the worker's channel: JSON has no bytes.
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
}

mod base64_bytes {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(data))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}

/// The result of extracting one file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Extraction {
    /// Normalised text: whitespace runs collapsed, control characters dropped.
    pub text: String,
    pub outcome: Outcome,
    /// The detected format, e.g. "pdf", "docx", "eml", "text".
    pub format: String,
    pub email: Option<EmailHeaders>,
    /// Some text or some parts were left out because a limit was reached.
    pub truncated: bool,
}

impl Extraction {
    pub(crate) fn failed(format: &str, reason: impl Into<String>) -> Extraction {
        Extraction {
            text: String::new(),
            outcome: Outcome::Failed(reason.into()),
            format: format.to_string(),
            email: None,
            truncated: false,
        }
    }

    pub(crate) fn metadata_only(format: &str, reason: impl Into<String>) -> Extraction {
        Extraction {
            text: String::new(),
            outcome: Outcome::MetadataOnly(reason.into()),
            format: format.to_string(),
            email: None,
            truncated: false,
        }
    }
}

/// In-process extraction (used by the worker; also by unit tests). Never panics on purpose
/// (third-party parsers are run under `catch_unwind`), but callers must assume it can, or can
/// abort or loop: that is why the worker exists.
pub fn extract(content: &[u8], file_name: &str, limits: &Limits) -> Extraction {
    let mut ctx = Ctx::new(limits);
    let mut extraction = ctx.part(content, file_name, 0);
    extraction.truncated |= ctx.truncated;
    extraction
}

/// State shared by one extraction and everything nested in it.
pub(crate) struct Ctx<'a> {
    pub limits: &'a Limits,
    /// Bytes unpacked so far from archives and attachments.
    pub unpacked: u64,
    /// A limit cut something off.
    pub truncated: bool,
    /// The unpacked-bytes limit was reached.
    pub unpack_limit_hit: bool,
}

impl<'a> Ctx<'a> {
    fn new(limits: &'a Limits) -> Self {
        Ctx {
            limits,
            unpacked: 0,
            truncated: false,
            unpack_limit_hit: false,
        }
    }

    /// Bytes that may still be unpacked.
    pub fn unpack_budget(&self) -> u64 {
        self.limits.max_unpacked_bytes.saturating_sub(self.unpacked)
    }

    /// Counts unpacked bytes; false (and the limit recorded) when they exceed the budget.
    pub fn charge(&mut self, bytes: u64) -> bool {
        if bytes > self.unpack_budget() {
            self.unpacked = self.limits.max_unpacked_bytes;
            self.unpack_limit_hit = true;
            self.truncated = true;
            false
        } else {
            self.unpacked += bytes;
            true
        }
    }

    pub fn unpack_limit_reason(&self) -> String {
        format!(
            "archive expands beyond the {} limit",
            human_bytes(self.limits.max_unpacked_bytes)
        )
    }

    /// Extracts one file or nested part: detects its format, runs the extractor under
    /// `catch_unwind`, normalises and truncates the text.
    pub fn part(&mut self, content: &[u8], file_name: &str, depth: u32) -> Extraction {
        if depth > self.limits.max_depth {
            self.truncated = true;
            let mut e = Extraction::metadata_only(
                "unknown",
                format!(
                    "nested deeper than the limit of {} levels",
                    self.limits.max_depth
                ),
            );
            e.truncated = true;
            return e;
        }
        let format = detect::detect(content, file_name);
        let run = std::panic::AssertUnwindSafe(|| self.run(format, content, depth));
        let mut extraction = match std::panic::catch_unwind(run) {
            Ok(e) => e,
            Err(payload) => Extraction::failed(
                format.name(),
                format!("the extractor failed: {}", panic_message(&*payload)),
            ),
        };
        let mut normalised = text::normalise(&extraction.text);
        if text::truncate(&mut normalised, self.limits.max_text_bytes) {
            extraction.truncated = true;
            self.truncated = true;
        }
        extraction.text = normalised;
        if extraction.outcome == Outcome::Indexed && extraction.text.is_empty() {
            extraction.outcome = Outcome::MetadataOnly(match format {
                detect::Format::Pdf => "the PDF has no text layer".to_string(),
                _ => "the document contains no text".to_string(),
            });
        }
        extraction
    }

    fn run(&mut self, format: detect::Format, content: &[u8], depth: u32) -> Extraction {
        use detect::Format as F;
        let name = format.name();
        match format {
            F::Pdf => pdf::extract(content),
            F::Docx | F::Docm => office::docx(content, name, self),
            F::Pptx => office::pptx(content, self),
            F::Odt | F::Odp => office::odf(content, name, self),
            F::Xlsx | F::Ods => sheet::zipped(content, name, self),
            F::Xls => sheet::xls(content, self),
            F::Zip => zipped::archive(content, self, depth),
            F::Rtf => with_text("rtf", rtf::to_text(content)),
            F::Html => with_text("html", html::to_text(&text::decode_html(content))),
            F::Eml => mail::eml(content, self, depth),
            F::Msg => mail::msg(content, self, depth),
            F::Text => match text::decode(content) {
                Some(t) => with_text("text", t),
                None => Extraction::metadata_only("unknown", "unknown binary format"),
            },
            F::Empty => Extraction::metadata_only("text", "the file is empty"),
            F::Unsupported(n) => Extraction::metadata_only(n, "no text extractor for this format"),
        }
    }
}

pub(crate) fn with_text(format: &str, text: String) -> Extraction {
    Extraction {
        text,
        outcome: Outcome::Indexed,
        format: format.to_string(),
        email: None,
        truncated: false,
    }
}

pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

/// "1 GiB", "256 MiB", "1.5 KiB", "100 bytes".
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (1 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ];
    for (size, unit) in UNITS {
        if n >= size {
            return if n.is_multiple_of(size) {
                format!("{} {unit}", n / size)
            } else {
                format!("{:.1} {unit}", n as f64 / size as f64)
            };
        }
    }
    format!("{n} bytes")
}

/// "30 s", "1.5 s", "250 ms".
pub(crate) fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(human_bytes(1 << 30), "1 GiB");
        assert_eq!(human_bytes(64 << 20), "64 MiB");
        assert_eq!(human_bytes(256 << 20), "256 MiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(10), "10 bytes");
        assert_eq!(human_duration(Duration::from_secs(30)), "30 s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(human_duration(Duration::from_millis(200)), "200 ms");
    }

    #[test]
    fn empty_and_unknown() {
        let l = Limits::default();
        let e = extract(b"", "a.txt", &l);
        assert!(matches!(e.outcome, Outcome::MetadataOnly(_)));
        let e = extract(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "a.png", &l);
        assert_eq!(
            e.outcome,
            Outcome::MetadataOnly("no text extractor for this format".into())
        );
        let mut bin = vec![0u8; 4000];
        for (i, b) in bin.iter_mut().enumerate() {
            *b = (i * 7 % 32) as u8;
        }
        let e = extract(&bin, "blob", &l);
        assert_eq!(
            e.outcome,
            Outcome::MetadataOnly("unknown binary format".into())
        );
    }
}
