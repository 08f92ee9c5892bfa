//! HTML to text: tags stripped, script and style skipped, entities decoded, block elements
//! turned into line breaks.

/// Elements whose start or end means a line break.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "thead",
    "title",
    "tr",
    "ul",
];

/// Elements whose content is not text.
const SKIPPED: &[&str] = &["script", "style", "template", "svg", "object", "iframe"];

pub(crate) fn to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let Some(lt) = memchr(b'<', &bytes[i..]).map(|p| p + i) else {
            decode_entities_into(&html[i..], &mut out);
            break;
        };
        decode_entities_into(&html[i..lt], &mut out);
        i = lt;
        let rest = &html[i..];
        if rest.starts_with("<!--") {
            i = rest.find("-->").map_or(bytes.len(), |p| i + p + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            i = memchr(b'>', &bytes[i..]).map_or(bytes.len(), |p| i + p + 1);
            continue;
        }
        let (closing, name_start) = if rest.as_bytes().get(1) == Some(&b'/') {
            (true, 2)
        } else {
            (false, 1)
        };
        let name_len = rest.as_bytes()[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b':'))
            .count();
        if name_len == 0 || !rest.as_bytes()[name_start].is_ascii_alphabetic() {
            out.push('<');
            i += 1;
            continue;
        }
        let name = rest[name_start..name_start + name_len].to_ascii_lowercase();
        i = tag_end(bytes, i + name_start + name_len);
        if !closing && SKIPPED.contains(&name.as_str()) {
            i = skip_past_end_tag(html, i, &name);
            continue;
        }
        if BLOCKS.contains(&name.as_str()) {
            out.push('\n');
        } else if matches!(name.as_str(), "td" | "th") {
            out.push('\t');
        }
    }
    out
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|b| *b == needle)
}

/// The index just past the `>` that closes a tag, honouring quoted attribute values.
fn tag_end(bytes: &[u8], mut i: usize) -> usize {
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return i + 1,
            None => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Skips raw content up to and including `</name ...>` (case-insensitive).
fn skip_past_end_tag(html: &str, from: usize, name: &str) -> usize {
    let needle = format!("</{name}");
    let hay = html.as_bytes();
    let mut i = from;
    while i + needle.len() <= hay.len() {
        if hay[i] == b'<' && hay[i..i + needle.len()].eq_ignore_ascii_case(needle.as_bytes()) {
            return tag_end(hay, i + needle.len());
        }
        i += 1;
    }
    hay.len()
}

/// Decodes `&name;`, `&#NNN;` and `&#xHH;` references (unknown ones are kept as written).
pub(crate) fn decode_entities_into(s: &str, out: &mut String) {
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match entity(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

/// The character of the reference at the start of `s` (which starts with '&') and its length.
fn entity(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'#') {
        let (hex, start) = match b.get(2) {
            Some(b'x') | Some(b'X') => (true, 3),
            _ => (false, 2),
        };
        let digits = b[start..]
            .iter()
            .take(8)
            .take_while(|d| {
                if hex {
                    d.is_ascii_hexdigit()
                } else {
                    d.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 {
            return None;
        }
        let n = u32::from_str_radix(&s[start..start + digits], if hex { 16 } else { 10 }).ok()?;
        let mut len = start + digits;
        if b.get(len) == Some(&b';') {
            len += 1;
        }
        let c = match n {
            // HTML maps these C1 references as Windows-1252.
            0x80..=0x9F => {
                let byte = [n as u8];
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(&byte)
                    .0
                    .chars()
                    .next()
                    .unwrap_or('\u{FFFD}')
            }
            0 => '\u{FFFD}',
            n => char::from_u32(n).unwrap_or('\u{FFFD}'),
        };
        return Some((c, len));
    }
    let name_len = b[1..]
        .iter()
        .take(10)
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if name_len == 0 {
        return None;
    }
    let name = &s[1..1 + name_len];
    let with_semicolon = b.get(1 + name_len) == Some(&b';');
    let c = named(name)?;
    if with_semicolon {
        Some((c, name_len + 2))
    } else if matches!(name, "amp" | "lt" | "gt" | "quot" | "nbsp") {
        Some((c, name_len + 1))
    } else {
        None
    }
}

/// Names of the characters U+00A0..=U+00FF, in order.
const LATIN1: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

const OTHERS: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("euro", '€'),
    ("ndash", '–'),
    ("mdash", '—'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("sbquo", '‚'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("bdquo", '„'),
    ("bull", '•'),
    ("hellip", '…'),
    ("trade", '™'),
    ("dagger", '†'),
    ("Dagger", '‡'),
    ("permil", '‰'),
    ("lsaquo", '‹'),
    ("rsaquo", '›'),
    ("OElig", 'Œ'),
    ("oelig", 'œ'),
    ("Scaron", 'Š'),
    ("scaron", 'š'),
    ("Yuml", 'Ÿ'),
    ("fnof", 'ƒ'),
    ("circ", 'ˆ'),
    ("tilde", '˜'),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("thinsp", '\u{2009}'),
    ("zwnj", '\u{200C}'),
    ("zwj", '\u{200D}'),
    ("lrm", '\u{200E}'),
    ("rlm", '\u{200F}'),
    ("larr", '←'),
    ("rarr", '→'),
    ("uarr", '↑'),
    ("darr", '↓'),
    ("harr", '↔'),
    ("minus", '−'),
    ("le", '≤'),
    ("ge", '≥'),
    ("ne", '≠'),
    ("infin", '∞'),
];

fn named(name: &str) -> Option<char> {
    if let Some(i) = LATIN1.iter().position(|n| *n == name) {
        return char::from_u32(0xA0 + i as u32);
    }
    OTHERS.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalise;

    #[test]
    fn strips_tags_scripts_and_entities() {
        let html = r#"<!DOCTYPE html><html><head><title>T&amp;C</title>
            <style>p { color: red }</style><script>var x = "<p>no</p>";</script></head>
            <body><!-- hidden --><p class="a>b">Caf&eacute; &lt;b&gt; &#233;&#x20AC;&#128;</p>
            <div>two<br>lines</div><table><tr><td>c1</td><td>c2</td></tr></table>
            a < b &unknown; &amp</body></html>"#;
        let text = normalise(&to_text(html));
        assert_eq!(
            text,
            "T&C\nCafé <b> é€€\ntwo\nlines\nc1 c2\na < b &unknown; &"
        );
    }

    #[test]
    fn latin1_table_is_in_order() {
        assert_eq!(named("nbsp"), Some('\u{A0}'));
        assert_eq!(named("copy"), Some('©'));
        assert_eq!(named("Agrave"), Some('À'));
        assert_eq!(named("times"), Some('×'));
        assert_eq!(named("szlig"), Some('ß'));
        assert_eq!(named("divide"), Some('÷'));
        assert_eq!(named("yuml"), Some('ÿ'));
    }

    #[test]
    fn html_document_through_extract() {
        let e = crate::extract(
            b"<html><body><h1>Brief</h1><p>Hello &amp; welcome</p></body></html>",
            "page.html",
            &crate::Limits::default(),
        );
        assert_eq!(e.format, "html");
        assert_eq!(e.outcome, crate::Outcome::Indexed);
        assert_eq!(e.text, "Brief\nHello & welcome");
    }
}
