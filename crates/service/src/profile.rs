//! Profile input: parsing the JSON a client sends for a document, workspace or folder into
//! changes, and validating them against the library's configuration (lookup tables,
//! classes, subclasses, types, users). Parsing needs no database; validation does.

use chrono::{DateTime, Utc};
use dossier_core::custom::{CustomValues, parent_of, parse_timestamp};
use dossier_core::limits::{COMMENT_MAX, DESCRIPTION_MAX, EXTENSION_MAX, check_len, check_name};
use dossier_core::model::{Document, EmailFields};
use dossier_core::{CustomValue, DefaultSecurity, DomainError, FieldError, LibraryId};
use dossier_store::AnyConnection;
use serde_json::Value;

use crate::Result;
use crate::input::{Obj, text};

fn date(obj: &Obj, key: &str) -> Result<Option<Option<DateTime<Utc>>>> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.is_empty() => Ok(Some(None)),
        Some(Value::String(s)) => parse_timestamp(s).map(|t| Some(Some(t))).ok_or_else(|| {
            DomainError::invalid(key, format!("{key} must be an ISO-8601 date-time"))
        }),
        Some(_) => Err(DomainError::invalid(
            key,
            format!("{key} must be an ISO-8601 date-time"),
        )),
    }
}

/// The alias form of class, subclass and type values.
fn alias(obj: &Obj, key: &str) -> Result<Option<String>> {
    Ok(text(obj, key)?
        .map(|s| s.trim().to_uppercase())
        .filter(|s| !s.is_empty()))
}

fn user_ref(obj: &Obj, key: &str) -> Result<Option<String>> {
    Ok(text(obj, key)?
        .map(|s| s.trim().to_uppercase())
        .filter(|s| !s.is_empty()))
}

/// Changes to a document profile; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
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
    pub customs: Vec<(usize, Option<CustomValue>)>,
    pub email: EmailFields,
}

impl DocumentChanges {
    pub fn parse(obj: &Obj) -> Result<Self> {
        let name = text(obj, "name")?
            .map(|n| check_name("name", &n))
            .transpose()?;
        let extension =
            text(obj, "extension")?.map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase());
        if let Some(e) = &extension {
            check_len("extension", e, EXTENSION_MAX)?;
            if !e.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(DomainError::invalid(
                    "extension",
                    "extension may contain only letters and digits",
                ));
            }
        }
        let comment = text(obj, "comment")?;
        if let Some(c) = &comment {
            check_len("comment", c, COMMENT_MAX)?;
        }
        let subclass = match obj.get("subclass") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) if s.trim().is_empty() => Some(None),
            Some(_) => Some(alias(obj, "subclass")?),
        };
        Ok(DocumentChanges {
            name,
            extension,
            doc_type: alias(obj, "type")?,
            class: alias(obj, "class")?,
            subclass,
            author: user_ref(obj, "author")?,
            operator: user_ref(obj, "operator")?,
            comment,
            default_security: text(obj, "default_security")?
                .map(|s| DefaultSecurity::parse("default_security", &s))
                .transpose()?,
            file_create_date: date(obj, "file_create_date")?,
            file_edit_date: date(obj, "file_edit_date")?,
            customs: CustomValues::parse_present(obj)?,
            email: EmailFields {
                from: text(obj, "from")?,
                to: text(obj, "to")?,
                cc: text(obj, "cc")?,
                bcc: text(obj, "bcc")?,
                sent_date: date(obj, "sent_date")?.flatten(),
                received_date: date(obj, "received_date")?.flatten(),
                conversation_id: text(obj, "conversation_id")?,
            },
        })
    }

    /// Fills every field this change leaves unset from a folder's default profile, which
    /// uses the same field names.
    pub fn with_defaults(mut self, defaults: &DocumentChanges) -> Self {
        let d = defaults.clone();
        // A subclass belongs to its class: the default subclass only applies along with
        // the default class.
        if self.class.is_none() || self.class == d.class {
            self.subclass = self.subclass.or(d.subclass);
        }
        self.class = self.class.or(d.class);
        self.author = self.author.or(d.author);
        self.operator = self.operator.or(d.operator);
        self.comment = self.comment.or(d.comment);
        self.default_security = self.default_security.or(d.default_security);
        for (n, v) in d.customs {
            if !self.customs.iter().any(|(m, _)| *m == n) {
                self.customs.push((n, v));
            }
        }
        self
    }

    pub fn apply(&self, doc: &mut Document) {
        if let Some(v) = &self.name {
            doc.name = v.clone();
        }
        if let Some(v) = &self.extension {
            doc.extension = v.clone();
        }
        if let Some(v) = &self.doc_type {
            doc.doc_type = v.clone();
        }
        if let Some(v) = &self.class {
            doc.class = v.clone();
        }
        if let Some(v) = &self.subclass {
            doc.subclass = v.clone();
        }
        if let Some(v) = &self.author {
            doc.author = v.clone();
        }
        if let Some(v) = &self.operator {
            doc.operator = v.clone();
        }
        if let Some(v) = &self.comment {
            doc.comment = v.clone();
        }
        if let Some(v) = self.default_security {
            doc.default_security = v;
        }
        if let Some(v) = self.file_create_date {
            doc.file_create_date = v;
        }
        if let Some(v) = self.file_edit_date {
            doc.file_edit_date = v;
        }
        for (n, v) in &self.customs {
            doc.customs.set(*n, v.clone());
        }
        let e = &self.email;
        macro_rules! keep {
            ($f:ident) => {
                if e.$f.is_some() {
                    doc.email.$f = e.$f.clone();
                }
            };
        }
        keep!(from);
        keep!(to);
        keep!(cc);
        keep!(bcc);
        keep!(sent_date);
        keep!(received_date);
        keep!(conversation_id);
    }
}

/// Validates custom-field changes: lookup aliases must exist in the library's tables, and a
/// child field (custom2, custom30) must come with its parent in the same request, as
/// iManage requires. `current` gives the values the object would have after the change.
pub async fn validate_customs(
    conn: &mut AnyConnection,
    library: &LibraryId,
    changes: &[(usize, Option<CustomValue>)],
    current: &CustomValues,
) -> Result<()> {
    let mut missing = Vec::new();
    for (n, value) in changes {
        let Some(CustomValue::Text(alias)) = value else {
            continue;
        };
        if !dossier_core::custom::is_lookup(*n) {
            continue;
        }
        let parent = match parent_of(*n) {
            Some(p) => {
                if !changes.iter().any(|(m, _)| *m == p) {
                    return Err(DomainError::invalid(
                        &format!("custom{n}"),
                        format!(
                            "custom{n} is a child of custom{p}: send custom{p} in the same request"
                        ),
                    ));
                }
                match current.get(p) {
                    Some(CustomValue::Text(pa)) => Some(pa.clone()),
                    _ => {
                        return Err(DomainError::invalid(
                            &format!("custom{n}"),
                            format!("custom{n} needs a value for its parent custom{p}"),
                        ));
                    }
                }
            }
            None => None,
        };
        let found =
            dossier_store::catalog::get_lookup(conn, library, *n, parent.as_deref(), alias).await?;
        if !found.is_some_and(|l| l.enabled) {
            let under = parent.map(|p| format!(" under '{p}'")).unwrap_or_default();
            missing.push(FieldError {
                field: format!("custom{n}"),
                code: "NRC_NO_RECORD",
                message: format!("'{alias}' is not in the custom{n} lookup table{under}"),
            });
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        let message = missing
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join("; ");
        Err(DomainError::NoRecord {
            message,
            fields: missing,
        })
    }
}

/// Validates class, subclass, type, author and operator against the library.
pub async fn validate_document(
    conn: &mut AnyConnection,
    library: &LibraryId,
    doc: &Document,
    changes: &DocumentChanges,
) -> Result<()> {
    if changes.class.is_some() || changes.subclass.is_some() {
        let classes = dossier_store::catalog::classes(conn, library).await?;
        if !classes.iter().any(|c| c.alias == doc.class) {
            return Err(DomainError::invalid(
                "class",
                format!("'{}' is not a class of library {library}", doc.class),
            ));
        }
        if let Some(sub) = &doc.subclass {
            let subs = dossier_store::catalog::subclasses(conn, library, &doc.class).await?;
            if !subs.iter().any(|s| &s.alias == sub) {
                return Err(DomainError::invalid(
                    "subclass",
                    format!("'{sub}' is not a subclass of class {}", doc.class),
                ));
            }
        }
    }
    if changes.doc_type.is_some() {
        let types = dossier_store::catalog::types(conn, library).await?;
        if !types.iter().any(|t| t.alias == doc.doc_type) {
            return Err(DomainError::invalid(
                "type",
                format!(
                    "'{}' is not a document type of library {library}",
                    doc.doc_type
                ),
            ));
        }
    }
    for (field, user) in [("author", &changes.author), ("operator", &changes.operator)] {
        if let Some(u) = user {
            validate_user(conn, field, u).await?;
        }
    }
    validate_customs(conn, library, &changes.customs, &doc.customs).await
}

pub async fn validate_user(conn: &mut AnyConnection, field: &str, user: &str) -> Result<()> {
    if dossier_store::users::get(conn, user).await?.is_none() {
        return Err(DomainError::invalid(
            field,
            format!("'{user}' is not a user"),
        ));
    }
    Ok(())
}

/// Changes to a workspace or folder profile.
#[derive(Clone, Debug, Default)]
pub struct ContainerChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub author: Option<String>,
    pub class: Option<String>,
    pub subclass: Option<Option<String>>,
    pub default_security: Option<DefaultSecurity>,
    pub email: Option<String>,
    pub view_type: Option<String>,
    /// A folder's default profile for the documents filed in it.
    pub default_profile: Option<Value>,
    pub customs: Vec<(usize, Option<CustomValue>)>,
}

const VIEW_TYPES: &[&str] = &[
    "none",
    "document",
    "email",
    "email_search",
    "document_search",
];

impl ContainerChanges {
    /// Reads the top-level fields; for workspaces a nested `profile` object may carry the
    /// same fields (and wins, since clients that send it put the real values there).
    pub fn parse(obj: &Obj, profile_is_default: bool) -> Result<Self> {
        let mut merged = obj.clone();
        let mut default_profile = None;
        if let Some(p) = obj.get("profile") {
            let Value::Object(p) = p else {
                return Err(DomainError::invalid("profile", "profile must be an object"));
            };
            if profile_is_default {
                // Parse it now so a bad default profile is rejected when it is set, not
                // when a document is later filed.
                DocumentChanges::parse(p)?;
                default_profile = Some(Value::Object(p.clone()));
            } else {
                merged.extend(p.clone());
            }
        }
        let name = text(&merged, "name")?
            .map(|n| check_name("name", &n))
            .transpose()?;
        let description = text(&merged, "description")?;
        if let Some(d) = &description {
            check_len("description", d, DESCRIPTION_MAX)?;
        }
        let view_type = text(&merged, "view_type")?;
        if let Some(v) = &view_type
            && !VIEW_TYPES.contains(&v.as_str())
        {
            return Err(DomainError::invalid(
                "view_type",
                format!("'{v}' is not a view type ({})", VIEW_TYPES.join(", ")),
            ));
        }
        let email = text(&merged, "email")?;
        if let Some(e) = &email {
            check_len("email", e, DESCRIPTION_MAX)?;
        }
        let subclass = match merged.get("subclass") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(_) => Some(alias(&merged, "subclass")?),
        };
        Ok(ContainerChanges {
            name,
            description,
            owner: user_ref(&merged, "owner")?,
            author: user_ref(&merged, "author")?,
            class: alias(&merged, "class")?,
            subclass,
            default_security: text(&merged, "default_security")?
                .map(|s| DefaultSecurity::parse("default_security", &s))
                .transpose()?,
            email,
            view_type,
            default_profile,
            customs: CustomValues::parse_present(&merged)?,
        })
    }
}

/// The default profile of a folder, as document changes.
pub fn folder_defaults(default_profile: Option<&Value>) -> DocumentChanges {
    match default_profile {
        Some(Value::Object(p)) => DocumentChanges::parse(p).unwrap_or_default(),
        _ => DocumentChanges::default(),
    }
}
