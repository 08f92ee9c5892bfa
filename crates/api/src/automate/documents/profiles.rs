//! The document profile family of the iManage Work swagger, rendered from one full map:
//! `FullDocumentProfile` (GetDocumentProfile), `ShortDocumentProfile` (uploads and profile
//! updates), `MinimalDocumentProfile` (promotion, the version list), `MoveDocumentProfile`
//! and the inline profile of CopyDocument. Each variant is the full set less the fields its
//! definition does not list, so a field is computed once and every variant shows it alike.
//!
//! Only what Dossier knows is shown: a field Dossier does not keep (`alias`, `retain_days`,
//! `is_archived`, the `*_info` objects, …) is left out rather than made up. `is_hipaa` is
//! required by every variant: Dossier marks no document HIPAA (the façade refuses to set
//! the mark), so it is `false`. The file dates are required too: a document uploaded
//! without them was created and last edited as a file when it was filed, so the profile's
//! own dates stand in.

use chrono::{DateTime, SecondsFormat, Utc};
use dossier_core::custom::{CUSTOM_COUNT, CustomKind, CustomValue};
use dossier_core::model::{Document, DocumentView, WsType};
use dossier_core::{AccessLevel, ContainerId};
use serde_json::{Map, Value, json};

use crate::automate::links::{Links, basic_properties};

/// Which definition of the family an answer uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Full,
    Short,
    Minimal,
    Move,
    Copy,
}

/// Fields of the full profile that ShortDocumentProfile does not list.
const NOT_SHORT: &[&str] = &[
    "access",
    "alias",
    "arch_req",
    "author_info",
    "declared_date",
    "in_use_by",
    "in_use_by_description",
    "is_archived",
    "is_latest",
    "is_related",
    "is_restorable",
    "last_user_info",
    "latest",
    "operator_info",
    "workspace_id",
    "workspace_name",
];

/// Fields of the full profile that MinimalDocumentProfile(InArray) does not list.
const NOT_MINIMAL: &[&str] = &[
    "access",
    "alias",
    "arch_req",
    "author_info",
    "bcc",
    "cc",
    "class_description",
    "declared_date",
    "file_create_date",
    "file_edit_date",
    "from",
    "has_attachment",
    "in_use_by",
    "in_use_by_description",
    "is_archived",
    "is_external_as_normal",
    "is_latest",
    "is_restorable",
    "last_user_info",
    "latest",
    "operator_info",
    "received_date",
    "retain_days",
    "sent_date",
    "subclass",
    "subclass_description",
    "to",
    "type_description",
    "workspace_id",
    "workspace_name",
];

/// Fields of the full profile that MoveDocumentProfile does not list.
const NOT_MOVE: &[&str] = &[
    "arch_req",
    "author_info",
    "comment",
    "is_archived",
    "is_latest",
    "is_restorable",
    "last_user_info",
    "latest",
    "operator_info",
];

/// Fields of the full profile (other than custom fields) that CopyDocument's inline profile
/// does not list.
const NOT_COPY: &[&str] = &[
    "arch_req",
    "author_info",
    "bcc",
    "comment",
    "declared_date",
    "in_use_by",
    "in_use_by_description",
    "is_archived",
    "is_latest",
    "is_related",
    "is_restorable",
    "last_user_info",
    "latest",
    "operator_info",
];

/// The custom fields CopyDocument's inline profile lists: the free-text ones and two dates.
const COPY_CUSTOMS: &[usize] = &[13, 14, 15, 16, 21, 22];

impl Profile {
    fn shows(self, field: &str) -> bool {
        match self {
            Profile::Full => true,
            Profile::Short => !NOT_SHORT.contains(&field),
            Profile::Minimal => !NOT_MINIMAL.contains(&field),
            Profile::Move => !NOT_MOVE.contains(&field),
            Profile::Copy => match custom_number(field) {
                Some(n) => COPY_CUSTOMS.contains(&n) && !field.ends_with("_description"),
                None => !NOT_COPY.contains(&field),
            },
        }
    }
}

/// `n` of `customN` or `customN_description`.
fn custom_number(field: &str) -> Option<usize> {
    let rest = field.strip_prefix("custom")?;
    let digits = rest.strip_suffix("_description").unwrap_or(rest);
    digits.parse().ok()
}

/// What a profile shows beside the document itself, which the handler asks the service
/// for: the caller's access (only the variants with `access` need it) and the
/// descriptions of the document's class, subclass and lookup values.
#[derive(Clone, Debug, Default)]
pub struct Extras {
    pub access: Option<AccessLevel>,
    /// The class's and subclass's descriptions.
    pub class: Option<String>,
    pub subclass: Option<String>,
    /// `(n, description)` for each lookup field whose value the library's table describes.
    pub descriptions: Vec<(usize, String)>,
}

/// Dates as the swagger's pattern wants them: ISO 8601 with seconds and a zone.
pub fn date(t: DateTime<Utc>) -> Value {
    Value::String(t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// A custom value in its swagger type (text, number, date, boolean).
fn custom(value: &CustomValue) -> Value {
    match value {
        CustomValue::Text(s) => json!(s),
        CustomValue::Number(n) => {
            serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number)
        }
        CustomValue::Timestamp(t) => date(*t),
        CustomValue::Boolean(b) => json!(b),
    }
}

/// The full name of a version's file, as `full_file_name` and `x-im-file-name` give it.
pub fn file_name(d: &Document) -> String {
    if d.extension.is_empty() {
        d.name.clone()
    } else {
        format!("{}.{}", d.name, d.extension)
    }
}

/// The profile of `view` in the variant `profile`.
pub fn render(profile: Profile, view: &DocumentView, extras: &Extras, links: &Links) -> Value {
    let d = &view.doc;
    let full_file_name = file_name(d);
    let mut o = Map::new();
    let mut put = |k: &str, v: Value| {
        if profile.shows(k) {
            o.insert(k.to_string(), v);
        }
    };
    put("id", json!(d.id.to_string()));
    put("database", json!(d.id.library.as_str()));
    put("document_number", json!(d.id.number));
    put("version", json!(d.id.version));
    put("latest", json!(view.latest_version.to_string()));
    put("is_latest", json!(d.id.version == view.latest_version));
    put("name", json!(d.name));
    put("extension", json!(d.extension));
    put("full_file_name", json!(full_file_name));
    put("type", json!(d.doc_type));
    put("content_type", json!(d.content_type));
    put("size", json!(d.size));
    put("author", json!(d.author));
    put("operator", json!(d.operator));
    put("last_user", json!(d.last_user));
    put("class", json!(d.class));
    if let Some(description) = &extras.class {
        put("class_description", json!(description));
    }
    if let Some(subclass) = &d.subclass {
        put("subclass", json!(subclass));
        if let Some(description) = &extras.subclass {
            put("subclass_description", json!(description));
        }
    }
    put("comment", json!(d.comment));
    put("default_security", json!(d.default_security.as_str()));
    if let Some(access) = extras.access {
        put("access", json!(access.as_str()));
    }
    put("wstype", json!(d.wstype.as_str()));
    put("create_date", date(d.create_date));
    put("edit_date", date(d.edit_date));
    put("edit_profile_date", date(d.edit_profile_date));
    put(
        "file_create_date",
        date(d.file_create_date.unwrap_or(d.create_date)),
    );
    put(
        "file_edit_date",
        date(d.file_edit_date.unwrap_or(d.edit_date)),
    );
    put("is_checked_out", json!(view.checkout.is_some()));
    put("is_in_use", json!(view.checkout.is_some()));
    if let Some(c) = &view.checkout {
        put("in_use_by", json!(c.user_id));
    }
    put("is_hipaa", json!(false));
    if let Some((number, name)) = &view.workspace {
        let id = ContainerId::new(d.id.library.clone(), *number);
        put("workspace_id", json!(id.to_string()));
        put("workspace_name", json!(name));
    }
    if d.wstype == WsType::Email {
        let e = &d.email;
        for (k, v) in [
            ("from", &e.from),
            ("to", &e.to),
            ("cc", &e.cc),
            ("bcc", &e.bcc),
        ] {
            if let Some(v) = v {
                put(k, json!(v));
            }
        }
        if let Some(t) = e.sent_date {
            put("sent_date", date(t));
        }
        if let Some(t) = e.received_date {
            put("received_date", date(t));
        }
    }
    put("iwl", json!(links.document_iwl(&d.id)));
    put("document_url", json!(links.document_url(&d.id)));
    put(
        "basic_properties",
        json!(basic_properties(&[
            ("Name", &full_file_name),
            ("Document", &d.id.to_string()),
            ("Author", &d.author),
            ("Class", &d.class),
            (
                "Edited",
                &d.edit_date.to_rfc3339_opts(SecondsFormat::Secs, true)
            ),
        ])),
    );
    for n in 1..=CUSTOM_COUNT {
        if let Some(v) = d.customs.get(n) {
            put(&format!("custom{n}"), custom(v));
        }
    }
    for (n, description) in &extras.descriptions {
        if CustomKind::of(*n) == CustomKind::Lookup {
            put(&format!("custom{n}_description"), json!(description));
        }
    }
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variant_lists_only_its_definitions_fields() {
        assert!(Profile::Full.shows("access") && Profile::Full.shows("custom1_description"));
        assert!(!Profile::Short.shows("access") && Profile::Short.shows("custom1"));
        assert!(
            !Profile::Minimal.shows("file_create_date") && Profile::Minimal.shows("is_related")
        );
        assert!(!Profile::Move.shows("comment") && Profile::Move.shows("workspace_id"));
        assert!(Profile::Copy.shows("custom13") && Profile::Copy.shows("custom22"));
        assert!(!Profile::Copy.shows("custom1") && !Profile::Copy.shows("custom17"));
        assert!(!Profile::Copy.shows("bcc") && Profile::Copy.shows("cc"));
    }

    #[test]
    fn dates_carry_seconds_and_a_zone() {
        let t = DateTime::parse_from_rfc3339("2026-12-07T10:00:00.123Z")
            .expect("date")
            .with_timezone(&Utc);
        assert_eq!(date(t), json!("2026-12-07T10:00:00Z"));
    }
}
