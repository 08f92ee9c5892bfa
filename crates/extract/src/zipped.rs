//! Zip archives: size-limited reading of entries (declared sizes are not trusted) and the
//! text of a plain archive, entry by entry.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use crate::{Ctx, Extraction, Outcome, text};

pub(crate) type Archive<'a> = ZipArchive<Cursor<&'a [u8]>>;

pub(crate) fn open(content: &[u8]) -> Result<Archive<'_>, String> {
    ZipArchive::new(Cursor::new(content)).map_err(|e| e.to_string())
}

/// Reads at most the remaining unpack budget from `r`. `Ok(None)` if the entry is larger
/// (the limit is then recorded in `ctx`).
pub(crate) fn read_limited(r: impl Read, ctx: &mut Ctx) -> std::io::Result<Option<Vec<u8>>> {
    let budget = ctx.unpack_budget();
    let mut buf = Vec::new();
    r.take(budget.saturating_add(1)).read_to_end(&mut buf)?;
    if ctx.charge(buf.len() as u64) {
        Ok(Some(buf))
    } else {
        Ok(None)
    }
}

/// One named entry, size-limited. `Err` if it is missing or unreadable, `Ok(None)` if the
/// unpack limit was reached.
pub(crate) fn read_named(
    archive: &mut Archive,
    name: &str,
    ctx: &mut Ctx,
) -> Result<Option<Vec<u8>>, String> {
    let entry = archive.by_name(name).map_err(|e| format!("{name}: {e}"))?;
    read_limited(entry, ctx).map_err(|e| format!("{name}: {e}"))
}

/// Decompresses every entry (up to the entry limit) without keeping it, to learn whether
/// the archive stays within the unpack budget before a parser that does not take limits
/// (calamine) opens it. Err with the reason when it does not.
pub(crate) fn prescan(content: &[u8], ctx: &mut Ctx) -> Result<(), String> {
    let mut archive = open(content)?;
    if archive.len() > ctx.limits.max_entries {
        ctx.truncated = true;
        return Err(format!(
            "archive has more than {} entries",
            ctx.limits.max_entries
        ));
    }
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index(i) else {
            continue;
        };
        let budget = ctx.unpack_budget();
        let n = std::io::copy(
            &mut entry.take(budget.saturating_add(1)),
            &mut std::io::sink(),
        )
        .unwrap_or(0);
        if !ctx.charge(n) {
            return Err(ctx.unpack_limit_reason());
        }
    }
    Ok(())
}

/// A plain zip: each entry's text, recursively, after a "[file: path]" line.
pub(crate) fn archive(content: &[u8], ctx: &mut Ctx, depth: u32) -> Extraction {
    let mut archive = match open(content) {
        Ok(a) => a,
        Err(e) => {
            return Extraction::failed("zip", format!("the zip archive could not be read: {e}"));
        }
    };
    let cap = ctx.limits.max_text_bytes;
    let count = archive.len();
    if count > ctx.limits.max_entries {
        ctx.truncated = true;
    }
    let mut out = String::new();
    let mut any_text = false;
    for i in 0..count.min(ctx.limits.max_entries) {
        if out.len() >= cap {
            ctx.truncated = true;
            break;
        }
        let Ok(mut entry) = archive.by_index(i) else {
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let name = match entry.name() {
            Ok(n) => n.into_owned(),
            Err(_) => format!("entry {}", i + 1),
        };
        text::push_capped(&mut out, &format!("\n[file: {name}]\n"), cap);
        let data = match read_limited(&mut entry, ctx) {
            Ok(Some(d)) => d,
            Ok(None) => break,
            Err(_) => continue,
        };
        drop(entry);
        let inner = ctx.part(&data, &name, depth + 1);
        if inner.truncated {
            ctx.truncated = true;
        }
        if !inner.text.is_empty() {
            any_text = true;
            if !text::push_capped(&mut out, &inner.text, cap) {
                ctx.truncated = true;
            }
        }
    }
    let outcome = if any_text {
        Outcome::Indexed
    } else if ctx.unpack_limit_hit {
        Outcome::MetadataOnly(ctx.unpack_limit_reason())
    } else {
        Outcome::MetadataOnly("the archive contains no text".to_string())
    };
    Extraction {
        text: out,
        outcome,
        format: "zip".to_string(),
        email: None,
        truncated: ctx.truncated,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Limits, extract};
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    /// A zip of (name, bytes) entries, deflated.
    pub(crate) fn build(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(false);
        for (name, data) in entries {
            w.start_file(*name, opts).expect("start");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    #[test]
    fn plain_zip_recurses() {
        let inner = build(&[("deep.txt", b"deepest words")]);
        let z = build(&[
            ("a.txt", b"alpha text"),
            ("sub/b.html", b"<p>beta &amp; gamma</p>"),
            ("inner.zip", &inner),
            ("pic.png", b"\x89PNG\r\n\x1a\n\0\0"),
        ]);
        let e = extract(&z, "bundle.zip", &Limits::default());
        assert_eq!(e.format, "zip");
        assert_eq!(e.outcome, Outcome::Indexed);
        assert!(e.text.contains("[file: a.txt]\nalpha text"), "{}", e.text);
        assert!(e.text.contains("[file: sub/b.html]\nbeta & gamma"));
        assert!(e.text.contains("[file: deep.txt]\ndeepest words"));
        assert!(e.text.contains("[file: pic.png]"));
        assert!(!e.truncated);
    }

    #[test]
    fn zip_bomb_stops_at_unpack_limit() {
        let zeros = vec![0u8; 8 << 20];
        let z = build(&[
            ("one.bin", &zeros),
            ("two.bin", &zeros),
            ("three.bin", &zeros),
            ("four.bin", &zeros),
        ]);
        assert!(z.len() < 200_000, "the fixture compresses well");
        let limits = Limits {
            max_unpacked_bytes: 20 << 20,
            ..Limits::default()
        };
        let e = extract(&z, "bomb.zip", &limits);
        assert!(e.truncated);
        assert_eq!(
            e.outcome,
            Outcome::MetadataOnly("archive expands beyond the 20 MiB limit".into())
        );
    }

    #[test]
    fn nested_zip_bomb_stops_at_depth() {
        let mut z = build(&[("core.txt", b"core")]);
        for level in 0..8 {
            let name = format!("level{level}.zip");
            z = build(&[(&name, &z), (&format!("copy{level}.zip"), &z)]);
        }
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        let e = extract(&z, "nested.zip", &limits);
        assert!(e.truncated);
        assert!(!e.text.contains("core"));
    }

    #[test]
    fn entry_limit_truncates() {
        let names: Vec<String> = (0..50).map(|i| format!("f{i}.txt")).collect();
        let entries: Vec<(&str, &[u8])> =
            names.iter().map(|n| (n.as_str(), &b"word"[..])).collect();
        let z = build(&entries);
        let limits = Limits {
            max_entries: 10,
            ..Limits::default()
        };
        let e = extract(&z, "many.zip", &limits);
        assert!(e.truncated);
        assert_eq!(e.text.matches("[file:").count(), 10);
    }

    #[test]
    fn corrupt_zip_fails() {
        let mut z = build(&[("a.txt", b"alpha")]);
        z.truncate(z.len() / 2);
        let e = extract(&z, "broken.zip", &Limits::default());
        assert!(
            matches!(e.outcome, Outcome::Failed(_) | Outcome::MetadataOnly(_)),
            "{e:?}"
        );
    }
}
