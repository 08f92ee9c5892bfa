//! Plain text: encoding detection, normalisation, truncation.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// Collapses whitespace runs to one space (or one newline if the run held a line break),
/// drops control and invisible format characters, trims both ends.
pub(crate) fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(1 << 20));
    let mut space = false;
    let mut newline = false;
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                newline = true
            }
            c if c.is_whitespace() => space = true,
            // Zero-width and soft-hyphen characters, the BOM, and the replacement noise
            // of private controls.
            '\u{AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
            c if c.is_control() => {}
            c => {
                if !out.is_empty() {
                    if newline {
                        out.push('\n');
                    } else if space {
                        out.push(' ');
                    }
                }
                space = false;
                newline = false;
                out.push(c);
            }
        }
    }
    out
}

/// Cuts `s` to at most `max` bytes at a char boundary; true if anything was cut.
pub(crate) fn truncate(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    true
}

/// Appends `part` to `out` unless `out` already holds `cap` bytes; false once full.
pub(crate) fn push_capped(out: &mut String, part: &str, cap: usize) -> bool {
    if out.len() >= cap {
        return false;
    }
    let room = cap - out.len();
    if part.len() <= room {
        out.push_str(part);
        true
    } else {
        let mut end = room;
        while end > 0 && !part.is_char_boundary(end) {
            end -= 1;
        }
        out.push_str(&part[..end]);
        false
    }
}

/// Decodes a text file: UTF-8 (with or without BOM), UTF-16 with a BOM (or an unmistakable
/// pattern of zero bytes), otherwise Windows-1252. None if the bytes look binary.
pub(crate) fn decode(bytes: &[u8]) -> Option<String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Some(String::from_utf8_lossy(rest).into_owned());
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Some(UTF_16LE.decode_without_bom_handling(rest).0.into_owned());
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Some(UTF_16BE.decode_without_bom_handling(rest).0.into_owned());
    }
    if let Some(enc) = utf16_without_bom(bytes) {
        return Some(enc.decode_without_bom_handling(bytes).0.into_owned());
    }
    if looks_binary(bytes) {
        return None;
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(s.to_string()),
        Err(e) if e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4 => {
            // Valid UTF-8 cut in the middle of a character (a truncated file).
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
        Err(_) => Some(
            WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
        ),
    }
}

/// Decodes HTML: a BOM, valid UTF-8, the `<meta charset>` label, else Windows-1252.
pub(crate) fn decode_html(bytes: &[u8]) -> String {
    if let Some((enc, _)) = Encoding::for_bom(bytes) {
        return enc.decode_with_bom_removal(bytes).0.into_owned();
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    let head: Vec<u8> = bytes[..bytes.len().min(4096)]
        .iter()
        .map(u8::to_ascii_lowercase)
        .collect();
    if let Some(at) = crate::detect::find(&head, b"charset=") {
        let rest = &head[at + 8..];
        let rest = rest
            .strip_prefix(b"\"")
            .or_else(|| rest.strip_prefix(b"'"))
            .unwrap_or(rest);
        let end = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')))
            .unwrap_or(rest.len());
        if let Some(enc) = Encoding::for_label(&rest[..end]) {
            return enc.decode_without_bom_handling(bytes).0.into_owned();
        }
    }
    WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
        .into_owned()
}

fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(8192) & !1];
    if sample.len() < 8 {
        return None;
    }
    let pairs = sample.len() / 2;
    let even_zero = sample.iter().step_by(2).filter(|b| **b == 0).count();
    let odd_zero = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|b| **b == 0)
        .count();
    if odd_zero * 10 >= pairs * 4 && even_zero * 20 < pairs {
        Some(UTF_16LE)
    } else if even_zero * 10 >= pairs * 4 && odd_zero * 20 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Many NULs or control bytes in the first 64 KiB.
fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(65536)];
    if sample.is_empty() {
        return false;
    }
    let nul = sample.iter().filter(|b| **b == 0).count();
    let control = sample
        .iter()
        .filter(|b| **b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B))
        .count();
    nul * 1000 > sample.len() || control * 20 > sample.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_whitespace_and_controls() {
        assert_eq!(normalise("  a \t b\u{0}c\r\n\n  d  "), "a bc\nd");
        assert_eq!(normalise("x\u{A0}\u{A0}y\u{200B}z"), "x yz");
        assert_eq!(normalise(""), "");
    }

    #[test]
    fn truncates_at_char_boundary() {
        let mut s = "aé€".to_string(); // 1 + 2 + 3 bytes
        assert!(truncate(&mut s, 4));
        assert_eq!(s, "aé");
        let mut s = "abc".to_string();
        assert!(!truncate(&mut s, 3));
        let mut out = String::new();
        assert!(push_capped(&mut out, "ab", 3));
        assert!(!push_capped(&mut out, "é", 3));
        assert_eq!(out, "ab");
    }

    #[test]
    fn decodes_encodings() {
        assert_eq!(decode(b"\xEF\xBB\xBFcaf\xC3\xA9").as_deref(), Some("café"));
        assert_eq!(decode(b"caf\xC3\xA9").as_deref(), Some("café"));
        assert_eq!(decode(b"caf\xE9 \x80").as_deref(), Some("café €"));
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("héllo".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&le).as_deref(), Some("héllo"));
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("héllo".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&be).as_deref(), Some("héllo"));
        let bare: Vec<u8> = "plain utf-16 text"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(decode(&bare).as_deref(), Some("plain utf-16 text"));
        assert_eq!(
            decode(b"\x00\x01\x02\x03\x04binary\x00\x00\x05\x06\x07"),
            None
        );
    }

    #[test]
    fn unknown_encoding_random_high_bytes() {
        // A deterministic pseudo-random run of bytes 0x80..=0xFF: not UTF-8, so it is read
        // as Windows-1252 and comes back as (meaningless but valid) text.
        let mut x: u32 = 12345;
        let bytes: Vec<u8> = (0..5000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                0x80 | (x >> 16) as u8
            })
            .collect();
        let text = decode(&bytes).expect("decoded");
        assert!(!normalise(&text).is_empty());
        let e = crate::extract(&bytes, "mystery.txt", &crate::Limits::default());
        assert_eq!(e.format, "text");
        assert_eq!(e.outcome, crate::Outcome::Indexed);
    }

    #[test]
    fn html_charset_label() {
        let html = b"<meta charset=\"iso-8859-1\"><p>caf\xE9</p>";
        assert!(decode_html(html).contains("café"));
    }
}
