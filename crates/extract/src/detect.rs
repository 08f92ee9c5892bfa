//! Format detection: magic bytes first, then the container's entries, then the extension.

use std::io::{Cursor, Read};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Pdf,
    Docx,
    Docm,
    Xlsx,
    Xls,
    Ods,
    Pptx,
    Odt,
    Odp,
    Rtf,
    Html,
    Text,
    Eml,
    Msg,
    Zip,
    Empty,
    /// Recognised, but no text extractor: the name to report.
    Unsupported(&'static str),
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Docm => "docm",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Pptx => "pptx",
            Format::Odt => "odt",
            Format::Odp => "odp",
            Format::Rtf => "rtf",
            Format::Html => "html",
            Format::Text => "text",
            Format::Eml => "eml",
            Format::Msg => "msg",
            Format::Zip => "zip",
            Format::Empty => "text",
            Format::Unsupported(n) => n,
        }
    }
}

const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

pub(crate) fn extension(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

pub(crate) fn detect(content: &[u8], file_name: &str) -> Format {
    let ext = extension(file_name);
    if content.is_empty() {
        return Format::Empty;
    }
    let head = &content[..content.len().min(1024)];
    if find(head, b"%PDF-").is_some() {
        return Format::Pdf;
    }
    if content.starts_with(b"PK\x03\x04") || content.starts_with(b"PK\x05\x06") {
        return zip_kind(content, &ext);
    }
    if content.starts_with(CFB_MAGIC) {
        return cfb_kind(content, &ext);
    }
    if content.starts_with(b"{\\rtf") {
        return Format::Rtf;
    }
    if let Some(f) = binary_magic(content) {
        return f;
    }
    let text_head = strip_bom(head);
    let lower: Vec<u8> = text_head
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(512)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
        return Format::Html;
    }
    match ext.as_str() {
        "pdf" => return Format::Pdf,
        "rtf" => return Format::Rtf,
        "htm" | "html" | "xhtml" => return Format::Html,
        "eml" => return Format::Eml,
        "msg" => return Format::Msg,
        "doc" | "dot" | "ppt" | "pps" | "xlsb" | "wpd" | "pages" | "key" | "numbers" => {
            return Format::Unsupported("unknown");
        }
        _ => {}
    }
    if looks_like_email(text_head) {
        return Format::Eml;
    }
    Format::Text
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Well-known binary formats we do not extract, so they are not mistaken for text.
fn binary_magic(c: &[u8]) -> Option<Format> {
    const TABLE: &[(&[u8], &str)] = &[
        (b"\x89PNG", "png"),
        (b"\xFF\xD8\xFF", "jpeg"),
        (b"GIF8", "gif"),
        (b"II*\0", "tiff"),
        (b"MM\0*", "tiff"),
        (b"BM", "bmp"),
        (b"\x1F\x8B", "gzip"),
        (b"7z\xBC\xAF\x27\x1C", "7z"),
        (b"Rar!", "rar"),
        (b"BZh", "bzip2"),
        (b"\xFD7zXZ\0", "xz"),
        (b"\x7FELF", "elf"),
        (b"MZ", "exe"),
        (b"OggS", "ogg"),
        (b"ID3", "mp3"),
        (b"fLaC", "flac"),
        (b"RIFF", "riff"),
        (b"\0\0\0\x18ftyp", "mp4"),
        (b"\0\0\0\x20ftyp", "mp4"),
        (b"\0\0\0\x1Cftyp", "mp4"),
        (b"\0\0\x01\xBA", "mpeg"),
        (b"\x1A\x45\xDF\xA3", "matroska"),
        (b"wOFF", "woff"),
        (b"\0\x01\0\0\0", "ttf"),
        (b"SQLite format 3\0", "sqlite"),
    ];
    // "BM" and "MZ" are short: only trust them with more evidence of binary content.
    for (magic, name) in TABLE {
        if c.starts_with(magic) {
            if magic.len() == 2 && !c.iter().take(64).any(|b| *b == 0) {
                continue;
            }
            return Some(Format::Unsupported(name));
        }
    }
    None
}

/// Header names that start real-world message files.
fn looks_like_email(head: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(&head[..head.len().min(1024)])
        .or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()]))
    else {
        return false;
    };
    let first = s.lines().next().unwrap_or("").to_ascii_lowercase();
    const STARTS: [&str; 8] = [
        "received:",
        "return-path:",
        "delivered-to:",
        "mime-version:",
        "message-id:",
        "x-mozilla-status",
        "x-apple-",
        "x-ms-exchange",
    ];
    if STARTS.iter().any(|p| first.starts_with(p)) || first.starts_with("from ") {
        return true;
    }
    // A header block with From: and Subject: before the first blank line.
    let mut from = false;
    let mut subject = false;
    for line in s.lines() {
        if line.trim().is_empty() {
            break;
        }
        let l = line.to_ascii_lowercase();
        if l.starts_with(' ') || l.starts_with('\t') {
            continue;
        }
        let Some((name, _)) = l.split_once(':') else {
            return false;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return false;
        }
        from |= name == "from";
        subject |= name == "subject";
    }
    from && subject
}

fn zip_kind(content: &[u8], ext: &str) -> Format {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(content)) else {
        return Format::Zip;
    };
    let has = |n: &str| archive.index_for_name(n).is_some();
    if has("word/document.xml") {
        return if ext == "docm" || has("word/vbaProject.bin") {
            Format::Docm
        } else {
            Format::Docx
        };
    }
    let names: Vec<String> = archive
        .file_names()
        .take(10_000)
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    if names.iter().any(|n| n.starts_with("xl/")) {
        return Format::Xlsx;
    }
    if names.iter().any(|n| n.starts_with("ppt/")) {
        return Format::Pptx;
    }
    if let Ok(entry) = archive.by_name("mimetype") {
        let mut mime = String::new();
        if entry.take(200).read_to_string(&mut mime).is_ok() {
            match mime.trim() {
                "application/vnd.oasis.opendocument.text"
                | "application/vnd.oasis.opendocument.text-template" => return Format::Odt,
                "application/vnd.oasis.opendocument.spreadsheet"
                | "application/vnd.oasis.opendocument.spreadsheet-template" => {
                    return Format::Ods;
                }
                "application/vnd.oasis.opendocument.presentation"
                | "application/vnd.oasis.opendocument.presentation-template" => {
                    return Format::Odp;
                }
                _ => {}
            }
        }
    }
    Format::Zip
}

/// A compound file: an Outlook message, an Excel 97 workbook or something else. Directory
/// entry names are stored as UTF-16LE, so a byte search finds them.
fn cfb_kind(content: &[u8], ext: &str) -> Format {
    match ext {
        "msg" => return Format::Msg,
        "xls" | "xlt" => return Format::Xls,
        _ => {}
    }
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    if find(content, &utf16("__substg1.0_")).is_some() {
        Format::Msg
    } else if find(content, &utf16("Workbook")).is_some() || find(content, &utf16("Book")).is_some()
    {
        Format::Xls
    } else if find(content, &utf16("WordDocument")).is_some() {
        Format::Unsupported("doc")
    } else if find(content, &utf16("PowerPoint Document")).is_some() {
        Format::Unsupported("ppt")
    } else {
        Format::Unsupported("unknown")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_magic_and_extension() {
        assert_eq!(detect(b"%PDF-1.4\n", "x.bin"), Format::Pdf);
        assert_eq!(detect(b"{\\rtf1 hi}", "x"), Format::Rtf);
        assert_eq!(detect(b"  <!DOCTYPE html><p>x", "x"), Format::Html);
        assert_eq!(detect(b"<p>x</p>", "x.htm"), Format::Html);
        assert_eq!(detect(b"hello", "notes.txt"), Format::Text);
        assert_eq!(
            detect(b"From: a@b.c\r\nSubject: hi\r\n\r\nbody", "x"),
            Format::Eml
        );
        assert_eq!(detect(b"Subject only: no\n\nbody", "x"), Format::Text);
        let mut cfb = CFB_MAGIC.to_vec();
        cfb.extend_from_slice(&[0; 100]);
        assert_eq!(detect(&cfb, "mail.msg"), Format::Msg);
        assert_eq!(detect(&cfb, "x"), Format::Unsupported("unknown"));
        assert_eq!(extension("dir.d/File.TXT"), "txt");
        assert_eq!(extension(".bashrc"), "");
    }
}
