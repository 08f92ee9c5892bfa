//! What the templates show, computed from domain records: links, labels, dates and sizes
//! as a reader expects them. Templates only print these.

use chrono::{DateTime, Utc};
use dossier_core::model::{Container, ContainerKind, Document, DocumentView};

/// Where the web client shows a container.
pub fn container_href(c: &Container) -> String {
    match c.kind {
        ContainerKind::Workspace => format!("/workspaces/{}", c.id),
        _ => format!("/folders/{}", c.id),
    }
}

pub fn document_href(d: &Document) -> String {
    format!("/documents/{}!{}", d.id.library, d.id.number)
}

pub fn date(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// A size as people read it: `980 B`, `12.5 KB`, `3.1 MB`.
pub fn size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = bytes.max(0) as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

pub fn kind_label(k: ContainerKind) -> &'static str {
    match k {
        ContainerKind::Workspace => "Workspace",
        ContainerKind::Folder => "Folder",
        ContainerKind::Tab => "Tab",
        ContainerKind::SearchFolder => "Search folder",
    }
}

/// A workspace, folder or tab in a list or tree.
pub struct ContainerRow {
    pub href: String,
    pub name: String,
    pub kind: &'static str,
    pub description: String,
    pub current: bool,
}

impl ContainerRow {
    pub fn of(c: &Container) -> Self {
        ContainerRow {
            href: container_href(c),
            name: c.name.clone(),
            kind: kind_label(c.kind),
            description: c.description.clone(),
            current: false,
        }
    }
}

/// A document in a table: its latest version's profile, and an email's header fields.
pub struct DocumentRow {
    /// `ACTIVE!12`: the document, whatever its latest version.
    pub id: String,
    pub href: String,
    pub name: String,
    /// `number.version`, as iManage users quote a document.
    pub number: String,
    pub author: String,
    pub doc_type: String,
    pub class: String,
    pub modified: String,
    pub size: String,
    pub checked_out_by: Option<String>,
    pub email: Option<EmailRow>,
    pub workspace: Option<String>,
}

pub struct EmailRow {
    pub from: String,
    pub to: String,
    pub sent: String,
}

impl DocumentRow {
    pub fn of(v: &DocumentView) -> Self {
        let d = &v.doc;
        let e = &d.email;
        let is_email = e.from.is_some() || e.to.is_some() || e.sent_date.is_some();
        DocumentRow {
            id: format!("{}!{}", d.id.library, d.id.number),
            href: document_href(d),
            name: d.name.clone(),
            number: format!("{}.{}", d.id.number, v.latest_version),
            author: d.author.clone(),
            doc_type: d.doc_type.clone(),
            class: d.class.clone(),
            modified: date(&d.edit_date),
            size: size(d.size),
            checked_out_by: v.checkout.as_ref().map(|c| c.user_id.clone()),
            email: is_email.then(|| EmailRow {
                from: e.from.clone().unwrap_or_default(),
                to: e.to.clone().unwrap_or_default(),
                sent: e.sent_date.as_ref().map(date).unwrap_or_default(),
            }),
            workspace: v.workspace.as_ref().map(|(_, name)| name.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::size;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(1023), "1023 B");
        assert_eq!(size(1536), "1.5 KB");
        assert_eq!(size(3 * 1024 * 1024), "3.0 MB");
    }
}
