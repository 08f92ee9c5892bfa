//! What one index document holds: a document's latest version, its profile, the facts
//! trimming needs, and its text.

use dossier_core::model::Document;
use dossier_core::{CustomValue, CustomValues};
use tantivy::TantivyDocument;

use crate::schema::Fields;

/// A document as the indexer hands it over: the profile row plus what lives beside it.
#[derive(Clone, Debug)]
pub struct Indexable {
    pub doc: Document,
    /// The home workspace (`documents.workspace`; -1 when unfiled), for workspace walls.
    pub workspace: i64,
    /// Every folder the document is filed in (home and references), for `container_id`.
    pub folders: Vec<i64>,
    /// Extracted text of the content; empty when the file gave none.
    pub body: String,
    /// The subject of an email, from its headers.
    pub subject: String,
    /// Extra profile words `anywhere` should find: lookup descriptions (the client's name
    /// for its alias), and the like.
    pub profile: Vec<String>,
    /// Extended metadata: (property, value's match key) per value.
    pub metadata: Vec<(String, String)>,
}

/// The key of a document's one index entry.
pub fn key(library: &str, number: i64) -> String {
    format!("{library}!{number}")
}

fn secs(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn to_tantivy(f: &Fields, x: &Indexable) -> TantivyDocument {
    let d = &x.doc;
    let library = d.id.library.as_str();
    let mut t = TantivyDocument::default();
    t.add_text(f.key, key(library, d.id.number));
    t.add_text(f.kind, crate::Kind::Document.as_str());
    t.add_text(f.library, library);
    t.add_i64(f.number, d.id.number);
    t.add_i64(f.version, d.id.version);
    t.add_i64(f.acl, d.acl);
    t.add_text(f.owner, &d.author);
    // The wall filter compares the raw values, missing ones as '' (as `acl::Visible` does).
    t.add_text(f.wall_client, d.customs.client().unwrap_or_default());
    t.add_text(f.wall_matter, d.customs.matter().unwrap_or_default());
    t.add_i64(f.workspace, x.workspace);
    for folder in &x.folders {
        t.add_i64(f.folders, *folder);
    }
    t.add_text(f.name, &d.name);
    t.add_text(f.name_key, d.name.to_lowercase());
    t.add_text(f.comment, &d.comment);
    if !x.body.is_empty() {
        t.add_text(f.body, &x.body);
    }
    let mut profile: Vec<&str> = x.profile.iter().map(String::as_str).collect();
    for n in 1..=dossier_core::custom::CUSTOM_COUNT {
        if let Some(CustomValue::Text(v)) = d.customs.get(n) {
            profile.push(v);
        }
    }
    if !profile.is_empty() {
        t.add_text(f.profile, profile.join(" "));
    }
    if !x.subject.is_empty() {
        t.add_text(f.subject, &x.subject);
    }
    for (field, value) in [
        (f.email_from, &d.email.from),
        (f.email_to, &d.email.to),
        (f.email_cc, &d.email.cc),
        (f.email_bcc, &d.email.bcc),
    ] {
        if let Some(v) = value {
            t.add_text(field, v);
        }
    }
    t.add_text(f.author, d.author.to_lowercase());
    t.add_text(f.operator, d.operator.to_lowercase());
    t.add_text(f.last_user, d.last_user.to_lowercase());
    t.add_text(f.class, d.class.to_uppercase());
    if let Some(s) = &d.subclass {
        t.add_text(f.subclass, s.to_uppercase());
    }
    t.add_text(f.doc_type, d.doc_type.to_uppercase());
    t.add_text(f.wstype, d.wstype.as_str());
    if let Some(c) = &d.email.conversation_id {
        t.add_text(f.conversation_id, c);
    }
    t.add_text(f.has_attachment, d.email.has_attachment().to_string());
    t.add_i64(f.create_date, secs(d.create_date));
    t.add_i64(f.edit_date, secs(d.edit_date));
    if let Some(s) = d.email.sent_date {
        t.add_i64(f.sent_date, secs(s));
    }
    if let Some(r) = d.email.received_date {
        t.add_i64(f.received_date, secs(r));
    }
    add_customs(f, &mut t, &d.customs);
    for (property, key) in &x.metadata {
        t.add_text(f.metadata, crate::schema::metadata_term(property, key));
    }
    t
}

/// custom1–30, each in the field type of its kind (documents and containers alike).
pub(crate) fn add_customs(f: &Fields, t: &mut TantivyDocument, customs: &CustomValues) {
    for n in 1..=dossier_core::custom::CUSTOM_COUNT {
        let field = f.custom(n);
        match customs.get(n) {
            Some(CustomValue::Text(v)) => t.add_text(field, v.to_uppercase()),
            Some(CustomValue::Number(v)) => t.add_f64(field, *v),
            Some(CustomValue::Timestamp(v)) => t.add_i64(field, secs(*v)),
            Some(CustomValue::Boolean(v)) => t.add_bool(field, *v),
            None => {}
        }
    }
}
