//! Word (DOCX/DOCM), PowerPoint (PPTX) and OpenDocument text/presentation files: the text
//! runs of their XML parts, read with quick-xml (which expands no external entities).

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::zipped::{self, Archive};
use crate::{Ctx, Extraction, Outcome};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// WordprocessingML: text in `w:t`, paragraphs `w:p`, `w:tab`, `w:br`, `w:cr`.
    Word,
    /// DrawingML: text in `a:t`, paragraphs `a:p`, `a:br`.
    Slide,
    /// OpenDocument: all text inside `text:p` / `text:h`, `text:s`, `text:tab`,
    /// `text:line-break`.
    Odf,
}

pub(crate) fn docx(content: &[u8], format: &str, ctx: &mut Ctx) -> Extraction {
    let mut archive = match zipped::open(content) {
        Ok(a) => a,
        Err(e) => {
            return Extraction::failed(format, format!("the document could not be read: {e}"));
        }
    };
    let mut parts = vec!["word/document.xml".to_string()];
    let mut extra: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .filter(|n| {
            n.strip_prefix("word/").is_some_and(|rest| {
                !rest.contains('/')
                    && rest.ends_with(".xml")
                    && (rest.starts_with("header")
                        || rest.starts_with("footer")
                        || rest == "footnotes.xml"
                        || rest == "endnotes.xml")
            })
        })
        .collect();
    extra.sort_by_key(|n| natural_key(n));
    parts.extend(extra);
    parts_text(&mut archive, &parts, Mode::Word, format, ctx)
}

pub(crate) fn pptx(content: &[u8], ctx: &mut Ctx) -> Extraction {
    let mut archive = match zipped::open(content) {
        Ok(a) => a,
        Err(e) => {
            return Extraction::failed("pptx", format!("the presentation could not be read: {e}"));
        }
    };
    let mut slides: Vec<(u64, String)> = archive
        .file_names()
        .filter_map(|n| {
            let n = n.ok()?;
            let num = n.strip_prefix("ppt/slides/slide")?.strip_suffix(".xml")?;
            Some((num.parse().ok()?, n.to_string()))
        })
        .collect();
    slides.sort();
    let parts: Vec<String> = slides.into_iter().map(|(_, n)| n).collect();
    if parts.is_empty() {
        return Extraction::metadata_only("pptx", "the presentation has no slides");
    }
    parts_text(&mut archive, &parts, Mode::Slide, "pptx", ctx)
}

pub(crate) fn odf(content: &[u8], format: &str, ctx: &mut Ctx) -> Extraction {
    let mut archive = match zipped::open(content) {
        Ok(a) => a,
        Err(e) => {
            return Extraction::failed(format, format!("the document could not be read: {e}"));
        }
    };
    parts_text(
        &mut archive,
        &["content.xml".to_string()],
        Mode::Odf,
        format,
        ctx,
    )
}

/// Headers, footers, footnotes, endnotes; "word/footer10.xml" after "word/footer2.xml".
fn natural_key(name: &str) -> (u8, u64) {
    let rest = name.strip_prefix("word/").unwrap_or(name);
    let rank = ["header", "footer", "footnotes", "endnotes"]
        .iter()
        .position(|p| rest.starts_with(p))
        .unwrap_or(4) as u8;
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    (rank, digits.parse().unwrap_or(0))
}

/// The text of the named parts in order; the first part is required.
fn parts_text(
    archive: &mut Archive,
    parts: &[String],
    mode: Mode,
    format: &str,
    ctx: &mut Ctx,
) -> Extraction {
    let cap = ctx.limits.max_text_bytes;
    let mut out = String::new();
    let mut problem: Option<String> = None;
    for (i, part) in parts.iter().enumerate() {
        if out.len() >= cap {
            ctx.truncated = true;
            break;
        }
        let xml = match zipped::read_named(archive, part, ctx) {
            Ok(Some(x)) => x,
            Ok(None) => {
                problem.get_or_insert_with(|| ctx.unpack_limit_reason());
                break;
            }
            Err(e) if i == 0 && mode != Mode::Slide => {
                return Extraction::failed(format, format!("the document could not be read: {e}"));
            }
            Err(e) => {
                problem.get_or_insert(e);
                continue;
            }
        };
        if let Err(e) = xml_text(&xml, mode, &mut out, cap) {
            problem.get_or_insert(format!("{part}: {e}"));
        }
        out.push('\n');
    }
    if out.len() > cap {
        ctx.truncated = true;
    }
    let outcome = match problem {
        _ if !out.trim().is_empty() => Outcome::Indexed,
        Some(p) if ctx.unpack_limit_hit => Outcome::MetadataOnly(p),
        Some(p) => Outcome::Failed(format!("the document could not be read: {p}")),
        None => Outcome::Indexed,
    };
    Extraction {
        text: out,
        outcome,
        format: format.to_string(),
        email: None,
        truncated: ctx.truncated,
    }
}

/// Appends the text of one XML part to `out` (stopping past `cap` bytes). On a malformed
/// document the text read so far is kept and the error returned.
fn xml_text(xml: &[u8], mode: Mode, out: &mut String, cap: usize) -> Result<(), String> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    // How many text-carrying elements we are inside.
    let mut inside: u32 = 0;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| e.to_string())?;
        match event {
            Event::Start(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if is_text_element(mode, name) {
                    inside += 1;
                } else {
                    marker(mode, name, out);
                }
            }
            Event::Empty(e) => marker(mode, e.local_name().as_ref(), out),
            Event::End(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if is_text_element(mode, name) {
                    inside = inside.saturating_sub(1);
                }
                if name == "p" || (mode == Mode::Odf && name == "h") {
                    out.push('\n');
                }
            }
            Event::Text(t) if inside > 0 => out.push_str(&t.xml10_content()),
            Event::CData(t) if inside > 0 => out.push_str(&t),
            Event::GeneralRef(r) if inside > 0 => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match &*r {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                if let Some(c) = c {
                    out.push(c);
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
        if out.len() > cap {
            return Ok(());
        }
    }
}

fn is_text_element(mode: Mode, name: &str) -> bool {
    match mode {
        Mode::Word | Mode::Slide => name == "t",
        Mode::Odf => name == "p" || name == "h",
    }
}

/// Elements that stand for a character.
fn marker(mode: Mode, name: &str, out: &mut String) {
    match (mode, name) {
        (Mode::Word, "tab") | (Mode::Odf, "tab") => out.push('\t'),
        (Mode::Word, "br" | "cr") | (Mode::Slide, "br") | (Mode::Odf, "line-break") => {
            out.push('\n')
        }
        (Mode::Odf, "s") => out.push(' '),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::zipped::tests::build;
    use crate::{Limits, Outcome, extract};

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    #[test]
    fn docx_body_headers_footnotes() {
        let doc = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W}><w:body>
<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>Hello</w:t></w:r><w:r><w:t xml:space="preserve"> wor</w:t></w:r><w:r><w:t>ld &amp; more</w:t></w:r></w:p>
<w:p><w:r><w:t>Second</w:t><w:tab/><w:t>para&#233;</w:t></w:r><w:r><w:instrText>HYPERLINK x</w:instrText></w:r></w:p>
</w:body></w:document>"#
        );
        let header = format!(r#"<w:hdr {W}><w:p><w:r><w:t>Privileged</w:t></w:r></w:p></w:hdr>"#);
        let footnotes = format!(
            r#"<w:footnotes {W}><w:footnote><w:p><w:r><w:t>A note</w:t></w:r></w:p></w:footnote></w:footnotes>"#
        );
        let z = build(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", doc.as_bytes()),
            ("word/header1.xml", header.as_bytes()),
            ("word/footnotes.xml", footnotes.as_bytes()),
        ]);
        let e = extract(&z, "memo.docx", &Limits::default());
        assert_eq!(e.format, "docx");
        assert_eq!(e.outcome, Outcome::Indexed);
        assert_eq!(
            e.text,
            "Hello world & more\nSecond paraé\nPrivileged\nA note"
        );
    }

    #[test]
    fn docm_by_macro_part() {
        let doc = format!(
            r#"<w:document {W}><w:body><w:p><w:r><w:t>macro doc</w:t></w:r></w:p></w:body></w:document>"#
        );
        let z = build(&[
            ("word/document.xml", doc.as_bytes()),
            ("word/vbaProject.bin", b"\0\0"),
        ]);
        let e = extract(&z, "x.bin", &Limits::default());
        assert_eq!(e.format, "docm");
        assert_eq!(e.text, "macro doc");
    }

    #[test]
    fn pptx_slides_in_order() {
        let slide = |t: &str| {
            format!(
                r#"<p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>{t}</a:t></a:r><a:br/><a:r><a:t>line</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#
            )
        };
        let (s1, s2, s10) = (slide("First"), slide("Second"), slide("Tenth"));
        let z = build(&[
            ("ppt/presentation.xml", b"<p:presentation/>"),
            ("ppt/slides/slide10.xml", s10.as_bytes()),
            ("ppt/slides/slide2.xml", s2.as_bytes()),
            ("ppt/slides/slide1.xml", s1.as_bytes()),
        ]);
        let e = extract(&z, "deck.pptx", &Limits::default());
        assert_eq!(e.format, "pptx");
        assert_eq!(e.outcome, Outcome::Indexed);
        assert_eq!(e.text, "First\nline\nSecond\nline\nTenth\nline");
    }

    #[test]
    fn odt_paragraphs_and_headings() {
        let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">
<office:automatic-styles><style:style xmlns:style="s">ignored</style:style></office:automatic-styles>
<office:body><office:text><text:h text:outline-level="1">Title</text:h>
<text:p>Some <text:span>styled</text:span><text:s/>text<text:tab/>tabbed</text:p><text:p>Next</text:p></office:text></office:body></office:document-content>"#;
        let z = build(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", content.as_bytes()),
        ]);
        let e = extract(&z, "letter.odt", &Limits::default());
        assert_eq!(e.format, "odt");
        assert_eq!(e.outcome, Outcome::Indexed);
        assert_eq!(e.text, "Title\nSome styled text tabbed\nNext");
    }

    #[test]
    fn docx_bomb_part_is_bounded() {
        let mut doc = format!(r#"<w:document {W}><w:body><w:p><w:r><w:t>start</w:t></w:r></w:p>"#)
            .into_bytes();
        doc.resize(30 << 20, b' ');
        let z = build(&[("word/document.xml", &doc)]);
        let limits = Limits {
            max_unpacked_bytes: 1 << 20,
            ..Limits::default()
        };
        let e = extract(&z, "bomb.docx", &limits);
        assert!(e.truncated);
        assert!(matches!(e.outcome, Outcome::MetadataOnly(_)), "{e:?}");
    }

    #[test]
    fn malformed_docx_keeps_text_so_far() {
        let doc =
            format!(r#"<w:document {W}><w:body><w:p><w:r><w:t>kept</w:t></w:r></w:p><w:p <<<"#);
        let z = build(&[("word/document.xml", doc.as_bytes())]);
        let e = extract(&z, "bad.docx", &Limits::default());
        assert_eq!(e.outcome, Outcome::Indexed);
        assert_eq!(e.text, "kept");
    }
}
