//! Spreadsheets through calamine: XLSX/XLSM, ODS and legacy XLS, cell values sheet by sheet.

use std::io::Cursor;

use calamine::{Data, Reader};

use crate::{Ctx, Extraction, Outcome, text, zipped};

/// XLSX/ODS: the archive is first decompressed under the unpack limit (calamine takes none).
pub(crate) fn zipped(content: &[u8], format: &str, ctx: &mut Ctx) -> Extraction {
    if let Err(reason) = zipped::prescan(content, ctx) {
        let mut e = Extraction::metadata_only(format, reason);
        e.truncated = ctx.truncated;
        return e;
    }
    workbook(content, format, ctx)
}

pub(crate) fn xls(content: &[u8], ctx: &mut Ctx) -> Extraction {
    workbook(content, "xls", ctx)
}

fn workbook(content: &[u8], format: &str, ctx: &mut Ctx) -> Extraction {
    let mut book = match calamine::open_workbook_auto_from_rs(Cursor::new(content)) {
        Ok(b) => b,
        Err(e) => {
            return Extraction::failed(format, format!("the spreadsheet could not be read: {e}"));
        }
    };
    let cap = ctx.limits.max_text_bytes;
    let mut out = String::new();
    let mut problem = None;
    let names = book.sheet_names();
    'sheets: for name in names {
        let range = match book.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => {
                problem.get_or_insert(format!("{name}: {e}"));
                continue;
            }
        };
        out.push_str(&format!("\n[sheet: {name}]\n"));
        for row in range.rows() {
            let mut line = String::new();
            for cell in row {
                if matches!(cell, Data::Empty) {
                    continue;
                }
                if !line.is_empty() {
                    line.push('\t');
                }
                line.push_str(&cell.to_string());
            }
            line.push('\n');
            if !text::push_capped(&mut out, &line, cap) {
                ctx.truncated = true;
                break 'sheets;
            }
        }
    }
    let outcome = match problem {
        Some(p) if out.trim().is_empty() => {
            Outcome::Failed(format!("the spreadsheet could not be read: {p}"))
        }
        _ => Outcome::Indexed,
    };
    Extraction {
        text: out,
        outcome,
        format: format.to_string(),
        email: None,
        truncated: ctx.truncated,
    }
}

#[cfg(test)]
mod tests {
    use crate::zipped::tests::build;
    use crate::{Limits, Outcome, extract};

    /// A minimal XLSX: workbook, relationships, shared strings and one sheet.
    fn xlsx() -> Vec<u8> {
        let types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
        let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
        let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Fees" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
        let wb_rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
        let strings = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>Matter</t></si><si><t>Hours</t></si></sst>"#;
        let sheet = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Acme v. Roe</t></is></c><c r="B2"><v>12.5</v></c></row></sheetData></worksheet>"#;
        build(&[
            ("[Content_Types].xml", types.as_bytes()),
            ("_rels/.rels", rels.as_bytes()),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes()),
            ("xl/sharedStrings.xml", strings.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ])
    }

    #[test]
    fn xlsx_cells_by_sheet() {
        let e = extract(&xlsx(), "fees.xlsx", &Limits::default());
        assert_eq!(e.format, "xlsx");
        assert_eq!(e.outcome, Outcome::Indexed, "{e:?}");
        assert_eq!(e.text, "[sheet: Fees]\nMatter Hours\nAcme v. Roe 12.5");
    }

    #[test]
    fn xlsx_bomb_is_refused_before_calamine() {
        let mut sheet = b"<worksheet><sheetData>".to_vec();
        sheet.resize(4 << 20, b' ');
        let z = build(&[
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/worksheets/sheet1.xml", &sheet),
        ]);
        let limits = Limits {
            max_unpacked_bytes: 1 << 20,
            ..Limits::default()
        };
        let e = extract(&z, "big.xlsx", &limits);
        assert_eq!(
            e.outcome,
            Outcome::MetadataOnly("archive expands beyond the 1 MiB limit".into())
        );
        assert!(e.truncated);
    }
}
