//! Changes to a profile, as every surface hands them to the use cases: each field is
//! `None` to leave it as it is. Surfaces parse their own wire format into these (the Work
//! API's in `dossier_api::work::wire`); the use cases apply and validate them.

use chrono::{DateTime, Utc};
use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::custom::{CUSTOM_COUNT, Scalar};
use crate::model::{Document, EmailFields};
use crate::{ContainerId, CustomValue, DefaultSecurity, DomainError};

/// Changes to a document profile. `Some(None)` clears a field that may be empty.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DocumentChanges {
    pub name: Option<String>,
    pub extension: Option<String>,
    pub doc_type: Option<String>,
    pub class: Option<String>,
    pub subclass: Option<Option<String>>,
    pub author: Option<String>,
    pub operator: Option<String>,
    pub comment: Option<String>,
    pub default_security: Option<DefaultSecurity>,
    pub file_create_date: Option<Option<DateTime<Utc>>>,
    pub file_edit_date: Option<Option<DateTime<Utc>>>,
    /// The custom fields the change names, in order; `None` clears one.
    pub customs: Vec<(usize, Option<CustomValue>)>,
    pub email: EmailFields,
}

impl DocumentChanges {
    /// Fills every field this change leaves unset from a folder's default profile.
    pub fn with_defaults(mut self, defaults: &DocumentDefaults) -> Self {
        let d = defaults.clone();
        // A subclass belongs to its class: the default subclass only applies along with
        // the default class.
        if self.class.is_none() || self.class == d.class {
            self.subclass = self.subclass.or(d.subclass.map(Some));
        }
        self.class = self.class.or(d.class);
        self.author = self.author.or(d.author);
        self.operator = self.operator.or(d.operator);
        self.comment = self.comment.or(d.comment);
        self.default_security = self.default_security.or(d.default_security);
        for (n, v) in d.customs {
            if !self.customs.iter().any(|(m, _)| *m == n) {
                self.customs.push((n, Some(v)));
            }
        }
        self
    }

    pub fn apply(&self, doc: &mut Document) {
        fn set<T: Clone>(field: &mut T, change: &Option<T>) {
            if let Some(v) = change {
                *field = v.clone();
            }
        }
        set(&mut doc.name, &self.name);
        set(&mut doc.extension, &self.extension);
        set(&mut doc.doc_type, &self.doc_type);
        set(&mut doc.class, &self.class);
        set(&mut doc.subclass, &self.subclass);
        set(&mut doc.author, &self.author);
        set(&mut doc.operator, &self.operator);
        set(&mut doc.comment, &self.comment);
        set(&mut doc.default_security, &self.default_security);
        set(&mut doc.file_create_date, &self.file_create_date);
        set(&mut doc.file_edit_date, &self.file_edit_date);
        for (n, v) in &self.customs {
            doc.customs.set(*n, v.clone());
        }
        // Email fields are only ever filled in, never cleared, by a change.
        let (e, to) = (&self.email, &mut doc.email);
        for (change, field) in [
            (&e.from, &mut to.from),
            (&e.to, &mut to.to),
            (&e.cc, &mut to.cc),
            (&e.bcc, &mut to.bcc),
            (&e.subject, &mut to.subject),
            (&e.message_id, &mut to.message_id),
            (&e.in_reply_to, &mut to.in_reply_to),
            (&e.conversation_id, &mut to.conversation_id),
        ] {
            if change.is_some() {
                field.clone_from(change);
            }
        }
        for (change, field) in [
            (&e.sent_date, &mut to.sent_date),
            (&e.received_date, &mut to.received_date),
        ] {
            if change.is_some() {
                *field = *change;
            }
        }
        if !e.attachments.is_empty() {
            to.attachments.clone_from(&e.attachments);
        }
    }
}

/// A folder's default profile: the fields documents filed in the folder take when their
/// own profile leaves them unset.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DocumentDefaults {
    pub class: Option<String>,
    pub subclass: Option<String>,
    pub author: Option<String>,
    pub operator: Option<String>,
    pub comment: Option<String>,
    pub default_security: Option<DefaultSecurity>,
    pub customs: Vec<(usize, CustomValue)>,
}

impl From<DocumentChanges> for DocumentDefaults {
    /// The part of a profile that can be a default; clearing a field is no default.
    fn from(c: DocumentChanges) -> Self {
        DocumentDefaults {
            class: c.class,
            subclass: c.subclass.flatten(),
            author: c.author,
            operator: c.operator,
            comment: c.comment,
            default_security: c.default_security,
            customs: c
                .customs
                .into_iter()
                .filter_map(|(n, v)| Some((n, v?)))
                .collect(),
        }
    }
}

/// The stored and rendered form of a default profile: the profile's own field names
/// (`class`, `custom1`, …), which is also how the Work API shows it and how rows written
/// before this type existed were stored.
impl Serialize for DocumentDefaults {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        let texts = [
            ("class", &self.class),
            ("subclass", &self.subclass),
            ("author", &self.author),
            ("operator", &self.operator),
            ("comment", &self.comment),
        ];
        for (key, value) in texts {
            if let Some(v) = value {
                m.serialize_entry(key, v)?;
            }
        }
        if let Some(d) = self.default_security {
            m.serialize_entry("default_security", d.as_str())?;
        }
        for (n, v) in &self.customs {
            m.serialize_entry(&format!("custom{n}"), v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for DocumentDefaults {
    /// Reads the stored form. Values were checked when the profile was set; one that no
    /// longer reads (a hand-edited row) is left out rather than failing the folder.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = Map::<String, Value>::deserialize(d)?;
        let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
        let customs = (1..=CUSTOM_COUNT)
            .filter_map(|n| {
                let scalar = match m.get(&format!("custom{n}"))? {
                    Value::String(s) => Scalar::Text(s.clone()),
                    Value::Number(x) => Scalar::Number(x.to_string()),
                    Value::Bool(b) => Scalar::Bool(*b),
                    _ => return None,
                };
                Some((n, CustomValue::from_scalar(n, scalar).ok()??))
            })
            .collect();
        Ok(DocumentDefaults {
            class: text("class"),
            subclass: text("subclass"),
            author: text("author"),
            operator: text("operator"),
            comment: text("comment"),
            default_security: text("default_security")
                .and_then(|s| DefaultSecurity::parse("default_security", &s).ok()),
            customs,
        })
    }
}

/// The view types a workspace or folder may have.
pub const VIEW_TYPES: &[&str] = &[
    "none",
    "document",
    "email",
    "email_search",
    "document_search",
];

/// Checks a view type against `VIEW_TYPES`.
pub fn check_view_type(v: &str) -> Result<(), DomainError> {
    if VIEW_TYPES.contains(&v) {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "view_type",
            format!("'{v}' is not a view type ({})", VIEW_TYPES.join(", ")),
        ))
    }
}

/// The prefix of a workspace's or folder's e-mail address, as a change sets it.
#[derive(Clone, Debug, PartialEq)]
pub enum FolderEmail {
    /// The prefix the client chose.
    Prefix(String),
    /// `<library>-<number>`, lower case: unique by construction (a container's number is
    /// never reused), and the form of the mail-in addresses every folder gets.
    Generated,
}

impl FolderEmail {
    /// The prefix this change gives the container `id`.
    pub fn prefix_for(&self, id: &ContainerId) -> String {
        match self {
            FolderEmail::Prefix(p) => p.clone(),
            FolderEmail::Generated => {
                format!("{}-{}", id.library.as_str().to_lowercase(), id.number)
            }
        }
    }
}

/// Changes to a workspace or folder profile.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContainerChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub author: Option<String>,
    pub class: Option<String>,
    pub subclass: Option<Option<String>>,
    pub default_security: Option<DefaultSecurity>,
    pub email: Option<FolderEmail>,
    pub view_type: Option<String>,
    /// A folder's default profile for the documents filed in it.
    pub default_profile: Option<DocumentDefaults>,
    pub customs: Vec<(usize, Option<CustomValue>)>,
    /// `project_custom1..3` (index 0 for 1): untouched, cleared or set.
    pub project_customs: [Option<Option<String>>; crate::model::PROJECT_CUSTOM_COUNT],
    /// In a template's tree: whether workspaces made "with only required folders" get it.
    pub required: Option<bool>,
}

/// A search folder's saved search, kept as the JSON object its client sent: Dossier shows
/// it back but never runs it, so it has no typed form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedSearch(String);

impl SavedSearch {
    /// From the text of a JSON object; anything else is refused.
    pub fn from_json_text(text: &str) -> Result<Self, DomainError> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(_)) => Ok(SavedSearch(text.to_string())),
            _ => Err(DomainError::invalid(
                "searchprofile",
                "searchprofile must be an object",
            )),
        }
    }

    pub fn as_json_text(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_read_rows_stored_before_they_were_typed() {
        // A folder created with {"profile": {"class": "CONTRACT", "subclass": "NDA",
        // "custom13": "filed by folder"}} stored that object as it came.
        let row = r#"{"class":"CONTRACT","subclass":"NDA","custom13":"filed by folder","custom17":3,"custom1":"acme","name":"ignored"}"#;
        let d: DocumentDefaults = serde_json::from_str(row).unwrap();
        assert_eq!(d.class.as_deref(), Some("CONTRACT"));
        assert_eq!(d.subclass.as_deref(), Some("NDA"));
        assert_eq!(
            d.customs,
            vec![
                (1, CustomValue::Text("ACME".into())),
                (13, CustomValue::Text("filed by folder".into())),
                (17, CustomValue::Number(3.0)),
            ]
        );
        let again: DocumentDefaults =
            serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(again, d, "the stored form reads back as it was written");
    }

    #[test]
    fn a_default_subclass_comes_only_with_its_class() {
        let defaults = DocumentDefaults {
            class: Some("CONTRACT".into()),
            subclass: Some("NDA".into()),
            customs: vec![(13, CustomValue::Text("x".into()))],
            ..Default::default()
        };
        let own_class = DocumentChanges {
            class: Some("DOC".into()),
            customs: vec![(13, None)],
            ..Default::default()
        }
        .with_defaults(&defaults);
        assert_eq!(own_class.class.as_deref(), Some("DOC"));
        assert_eq!(own_class.subclass, None);
        assert_eq!(
            own_class.customs,
            vec![(13, None)],
            "the client's own clear wins"
        );
        let none = DocumentChanges::default().with_defaults(&defaults);
        assert_eq!(none.subclass, Some(Some("NDA".into())));
    }

    #[test]
    fn a_saved_search_is_an_object() {
        assert!(SavedSearch::from_json_text(r#"{"q":"x"}"#).is_ok());
        assert!(SavedSearch::from_json_text("[1]").is_err());
        assert!(SavedSearch::from_json_text("nope").is_err());
    }
}
