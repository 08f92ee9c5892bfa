//! A small RTF reader: the document text without formatting. Destinations that are not text
//! (font and colour tables, style sheets, document info, pictures, field instructions and
//! every `{\*\...}` group) are skipped; `\'hh` escapes are read in the declared `\ansicpg`
//! code page (Windows-1252 by default), `\uN` as Unicode with `\ucN` fallback characters
//! skipped.

use encoding_rs::{Encoding, WINDOWS_1252};

/// Destinations whose content is not document text.
const SKIPPED: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "object",
    "objdata",
    "fldinst",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "filetbl",
    "revtbl",
    "pgdsctbl",
    "mmathPr",
    "bkmkstart",
    "bkmkend",
    "private",
    "pnseclvl",
    "pntext",
    "pntxtb",
    "pntxta",
    "listtext",
    "userprops",
    "docvar",
    "wgrffmtfilter",
    "fontemb",
    "fontfile",
    "falt",
    "panose",
    "blipuid",
    "shppict",
    "nonshppict",
    "operator",
    "author",
    "title",
    "subject",
    "keywords",
    "comment",
    "doccomm",
];

#[derive(Clone, Copy)]
struct Group {
    skip: bool,
    /// Fallback characters after `\uN`.
    uc: u32,
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    out: String,
    /// Bytes of `\'hh` escapes (and raw 8-bit text) waiting to be decoded together, so
    /// double-byte code pages work.
    pending: Vec<u8>,
    encoding: &'static Encoding,
    stack: Vec<Group>,
    group: Group,
    /// Fallback characters still to skip after a `\uN`.
    to_skip: u32,
    /// A high surrogate from `\uN` waiting for its pair.
    high: Option<u16>,
}

pub(crate) fn to_text(rtf: &[u8]) -> String {
    let mut r = Reader {
        b: rtf,
        i: 0,
        out: String::with_capacity(rtf.len() / 4),
        pending: Vec::new(),
        encoding: WINDOWS_1252,
        stack: Vec::new(),
        group: Group { skip: false, uc: 1 },
        to_skip: 0,
        high: None,
    };
    r.run();
    r.flush();
    r.out
}

impl Reader<'_> {
    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let (s, _) = self.encoding.decode_without_bom_handling(&self.pending);
            self.out.push_str(&s);
            self.pending.clear();
        }
    }

    fn text_char(&mut self, c: char) {
        if self.to_skip > 0 {
            self.to_skip -= 1;
            return;
        }
        if self.group.skip {
            return;
        }
        self.flush();
        self.out.push(c);
    }

    fn text_byte(&mut self, byte: u8) {
        if self.to_skip > 0 {
            self.to_skip -= 1;
            return;
        }
        if self.group.skip {
            return;
        }
        if byte.is_ascii() {
            self.flush();
            self.out.push(byte as char);
        } else {
            self.pending.push(byte);
        }
    }

    fn run(&mut self) {
        while self.i < self.b.len() {
            let c = self.b[self.i];
            self.i += 1;
            match c {
                b'{' => {
                    self.to_skip = 0;
                    // Deeply nested hostile input: stop growing the stack, keep reading.
                    if self.stack.len() < 10_000 {
                        self.stack.push(self.group);
                    }
                }
                b'}' => {
                    self.to_skip = 0;
                    self.flush();
                    if let Some(g) = self.stack.pop() {
                        self.group = g;
                    }
                }
                b'\\' => self.control(),
                b'\r' | b'\n' => {}
                b'\t' => self.text_char('\t'),
                c => self.text_byte(c),
            }
        }
    }

    fn control(&mut self) {
        let Some(&c) = self.b.get(self.i) else {
            return;
        };
        if !c.is_ascii_alphabetic() {
            self.i += 1;
            match c {
                b'\\' | b'{' | b'}' => self.text_char(c as char),
                b'~' => self.text_char('\u{A0}'),
                b'_' => self.text_char('-'),
                b'-' => {}
                b'\r' | b'\n' => self.text_char('\n'),
                b'*' => {
                    // An ignorable destination: skip the group unless we know it.
                    self.group.skip = true;
                }
                b'\'' => {
                    let hex = self.b.get(self.i..self.i + 2).and_then(|h| {
                        std::str::from_utf8(h)
                            .ok()
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                    });
                    if let Some(byte) = hex {
                        self.i += 2;
                        if self.to_skip > 0 {
                            self.to_skip -= 1;
                        } else if !self.group.skip {
                            self.pending.push(byte);
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        let start = self.i;
        while self.i < self.b.len() && self.b[self.i].is_ascii_alphabetic() && self.i - start < 32 {
            self.i += 1;
        }
        let word = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("");
        let num_start = self.i;
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        while self.i < self.b.len() && self.b[self.i].is_ascii_digit() && self.i - num_start < 11 {
            self.i += 1;
        }
        let param: Option<i64> = std::str::from_utf8(&self.b[num_start..self.i])
            .ok()
            .and_then(|s| s.parse().ok());
        if self.b.get(self.i) == Some(&b' ') {
            self.i += 1;
        }
        self.word(word, param);
    }

    fn word(&mut self, word: &str, param: Option<i64>) {
        if SKIPPED.contains(&word) {
            self.group.skip = true;
            return;
        }
        match word {
            "par" | "line" | "sect" | "page" | "row" | "lbr" => self.text_char('\n'),
            "tab" | "cell" | "nestcell" => self.text_char('\t'),
            "emdash" => self.text_char('—'),
            "endash" => self.text_char('–'),
            "lquote" => self.text_char('‘'),
            "rquote" => self.text_char('’'),
            "ldblquote" => self.text_char('“'),
            "rdblquote" => self.text_char('”'),
            "bullet" => self.text_char('•'),
            "emspace" | "enspace" | "qmspace" => self.text_char(' '),
            "uc" => self.group.uc = param.unwrap_or(1).clamp(0, 16) as u32,
            "u" => {
                let n = param.unwrap_or(0);
                let unit = if n < 0 { n + 65536 } else { n } as u32;
                let fallback = self.group.uc;
                self.unicode(unit);
                self.to_skip = fallback;
            }
            "ansicpg" => {
                if let Some(cp) = param {
                    self.flush();
                    self.encoding = code_page(cp).unwrap_or(WINDOWS_1252);
                }
            }
            "bin" => {
                // Raw binary data follows: skip it.
                let n = param.unwrap_or(0).max(0) as usize;
                self.i = self.i.saturating_add(n).min(self.b.len());
            }
            _ => {}
        }
    }

    fn unicode(&mut self, unit: u32) {
        if self.group.skip {
            return;
        }
        self.flush();
        let unit = (unit & 0xFFFF) as u16;
        match (self.high.take(), unit) {
            (None, 0xD800..=0xDBFF) => self.high = Some(unit),
            (Some(h), 0xDC00..=0xDFFF) => {
                let c = char::decode_utf16([h, unit]).next().and_then(Result::ok);
                self.out.push(c.unwrap_or('\u{FFFD}'));
            }
            (_, u) => self
                .out
                .push(char::from_u32(u32::from(u)).unwrap_or('\u{FFFD}')),
        }
    }
}

fn code_page(cp: i64) -> Option<&'static Encoding> {
    let label = match cp {
        437 | 850 | 1252 => "windows-1252",
        874 => "windows-874",
        932 => "shift_jis",
        936 => "gbk",
        949 => "euc-kr",
        950 => "big5",
        1250..=1258 => return Encoding::for_label(format!("windows-{cp}").as_bytes()),
        10000 => "macintosh",
        65001 => "utf-8",
        _ => return None,
    };
    Encoding::for_label(label.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalise;

    #[test]
    fn reads_text_and_skips_tables() {
        let rtf = br#"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}{\colortbl;\red0\green0\blue0;}
{\stylesheet{\s0 Normal;}}{\info{\title Secret title}{\author Someone}}
{\*\generator Msftedit 5.41;}\viewkind4\uc1\pard\f0\fs20 Caf\'e9 \b bold\b0\par
Tab\tab here \{braces\} \\ back\par
Unicode: \u8364?  and \u-4064? done{\*\bkmkstart x}\par
{\field{\*\fldinst HYPERLINK "http://x"}{\fldrslt link text}}\par}"#;
        let text = normalise(&to_text(rtf));
        assert_eq!(
            text,
            "Café bold\nTab here {braces} \\ back\nUnicode: € and \u{F020} done\nlink text"
        );
    }

    #[test]
    fn code_page_and_uc0() {
        let rtf = br"{\rtf1\ansi\ansicpg1251 \'cf\'f0\'e8\'e2\'e5\'f2 {\uc0\u1046}}";
        assert_eq!(normalise(&to_text(rtf)), "Привет Ж");
    }

    #[test]
    fn hostile_rtf_is_bounded() {
        let mut rtf = b"{\\rtf1 ".to_vec();
        rtf.extend(std::iter::repeat_n(b'{', 100_000));
        rtf.extend_from_slice(b"deep\\bin99999999999 \\'zz\\u");
        let text = to_text(&rtf);
        assert!(text.contains("deep"));
    }

    #[test]
    fn rtf_through_extract() {
        let e = crate::extract(
            br"{\rtf1\ansi Hello\par World}",
            "memo.rtf",
            &crate::Limits::default(),
        );
        assert_eq!(e.format, "rtf");
        assert_eq!(e.outcome, crate::Outcome::Indexed);
        assert_eq!(e.text, "Hello\nWorld");
    }
}
