//! Document types (iManage's TYPE aliases) derived from a file's extension. The seeded
//! `types` table of a new library holds the same list, so an administrator can add more.

/// (type alias, description, default extension, extensions that map to it)
pub const SEEDED_TYPES: &[(&str, &str, &str, &[&str])] = &[
    (
        "WORDX",
        "Word Document",
        "docx",
        &["docx", "docm", "dotx", "dotm"],
    ),
    (
        "WORD",
        "Word 97-2003 Document",
        "doc",
        &["doc", "dot", "rtf"],
    ),
    (
        "EXCELX",
        "Excel Workbook",
        "xlsx",
        &["xlsx", "xlsm", "xltx", "xlsb"],
    ),
    (
        "EXCEL",
        "Excel 97-2003 Workbook",
        "xls",
        &["xls", "xlt", "csv"],
    ),
    (
        "PPTX",
        "PowerPoint Presentation",
        "pptx",
        &["pptx", "pptm", "potx"],
    ),
    (
        "PPT",
        "PowerPoint 97-2003 Presentation",
        "ppt",
        &["ppt", "pps", "pot"],
    ),
    ("ACROBAT", "Adobe Acrobat", "pdf", &["pdf"]),
    ("MIME", "Email message", "eml", &["eml"]),
    ("MSG", "Outlook message", "msg", &["msg"]),
    ("ANSI", "Text", "txt", &["txt", "text", "log", "md"]),
    ("HTML", "Web page", "html", &["html", "htm"]),
    ("XML", "XML document", "xml", &["xml"]),
    ("JPEG", "JPEG image", "jpg", &["jpg", "jpeg"]),
    ("PNG", "PNG image", "png", &["png"]),
    ("TIFF", "TIFF image", "tif", &["tif", "tiff"]),
    ("ZIP", "Zip archive", "zip", &["zip"]),
    ("VISIO", "Visio drawing", "vsdx", &["vsd", "vsdx"]),
    ("OTHER", "Other", "", &[]),
];

/// The type alias for a file extension (without the dot); `OTHER` when unknown.
pub fn type_for_extension(extension: &str) -> &'static str {
    let ext = extension.trim_start_matches('.').to_ascii_lowercase();
    SEEDED_TYPES
        .iter()
        .find(|(_, _, _, exts)| exts.contains(&ext.as_str()))
        .map_or("OTHER", |(alias, ..)| alias)
}

/// The Content-Type to serve a stored file with.
pub fn content_type_for_extension(extension: &str) -> &'static str {
    match extension.to_ascii_lowercase().as_str() {
        "pdf" => "application/pdf",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "doc" => "application/msword",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xls" => "application/vnd.ms-excel",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "ppt" => "application/vnd.ms-powerpoint",
        "txt" | "log" | "md" => "text/plain; charset=utf-8",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "xml" => "application/xml",
        "eml" => "message/rfc822",
        "msg" => "application/vnd.ms-outlook",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "tif" | "tiff" => "image/tiff",
        "zip" => "application/zip",
        "rtf" => "application/rtf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_follow_extensions() {
        assert_eq!(type_for_extension("docx"), "WORDX");
        assert_eq!(type_for_extension(".PDF"), "ACROBAT");
        assert_eq!(type_for_extension("xlsx"), "EXCELX");
        assert_eq!(type_for_extension("weird"), "OTHER");
    }
}
