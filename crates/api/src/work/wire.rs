//! The Work API's request dialect: profile JSON (`name`, `class`, `custom1`…, the email
//! fields), trustee lists, name-value pairs and the bodies of check-out, history, lookup,
//! class, custom field and promotion requests, parsed into the service's typed inputs. Every rule about what a value
//! may be lives in `dossier_core` or the service; this module knows only where the Work
//! API puts each field and which JSON types it accepts there.

use chrono::{DateTime, Utc};
use dossier_core::changes::{
    ContainerChanges, DocumentChanges, DocumentDefaults, FolderEmail, SavedSearch,
};
use dossier_core::custom::{CUSTOM_COUNT, Scalar, parse_timestamp};
use dossier_core::fields::CustomFieldChanges;
use dossier_core::limits::{COMMENT_MAX, DESCRIPTION_MAX, EXTENSION_MAX, check_len, check_name};
use dossier_core::model::{EmailFields, PROJECT_CUSTOM_COUNT, Trustee, TrusteeType};
use dossier_core::templates::{MatterSettings, TemplateChoice, TemplateFolders};
use dossier_core::{
    AccessLevel, Activity, ContainerId, CustomValue, DefaultSecurity, DomainError, LibraryId,
};
use dossier_service::catalog::LookupInput;
use dossier_service::classes::ClassInput;
use dossier_service::containers::NewContainer;
use dossier_service::documents::{CheckoutRequest, NewHistoryEntry, NvpChanges, PromoteRequest};
use dossier_service::upload::UploadInput;
use serde_json::Value;

use crate::fields::{Obj, flag, free_text, integer, text};

pub mod metadata;

type Result<T> = std::result::Result<T, DomainError>;

/// A JSON value as a custom field's input.
pub fn scalar(value: &Value) -> Scalar {
    match value {
        Value::Null => Scalar::Null,
        Value::String(s) => Scalar::Text(s.clone()),
        Value::Number(n) => Scalar::Number(n.to_string()),
        Value::Bool(b) => Scalar::Bool(*b),
        Value::Array(_) | Value::Object(_) => Scalar::Composite,
    }
}

/// Every `customN` key present in a profile: the fields a change names (so a PATCH
/// changes only those), with their values.
fn customs(obj: &Obj) -> Result<Vec<(usize, Option<CustomValue>)>> {
    let mut out = Vec::new();
    for n in 1..=CUSTOM_COUNT {
        if let Some(v) = obj.get(&format!("custom{n}")) {
            out.push((n, CustomValue::from_scalar(n, scalar(v))?));
        }
    }
    Ok(out)
}

/// A custom field's value as the Work API shows it.
pub fn custom_json(value: &CustomValue) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A date-time field: absent, cleared (`null` or `""`) or set.
fn date(obj: &Obj, key: &str) -> Result<Option<Option<DateTime<Utc>>>> {
    let bad = || DomainError::invalid(key, format!("{key} must be an ISO-8601 date-time"));
    match obj.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.is_empty() => Ok(Some(None)),
        Some(Value::String(s)) => parse_timestamp(s).map(|t| Some(Some(t))).ok_or_else(bad),
        Some(_) => Err(bad()),
    }
}

/// Class, subclass, type and user references: upper-case, as iManage stores them; empty
/// is absent.
fn alias(obj: &Obj, key: &str) -> Result<Option<String>> {
    Ok(text(obj, key)?
        .map(|s| s.trim().to_uppercase())
        .filter(|s| !s.is_empty()))
}

/// A subclass: absent, cleared (`null` or `""`) or set.
fn subclass(obj: &Obj) -> Result<Option<Option<String>>> {
    Ok(match obj.get("subclass") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(_) => Some(alias(obj, "subclass")?),
    })
}

fn default_security(obj: &Obj) -> Result<Option<DefaultSecurity>> {
    text(obj, "default_security")?
        .map(|s| DefaultSecurity::parse("default_security", &s))
        .transpose()
}

/// A document profile: the fields of a PATCH, of an upload's profile and of a folder's
/// default profile.
pub fn document_changes(obj: &Obj) -> Result<DocumentChanges> {
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
    // `null` clears the comment, as it clears the other fields a profile may leave empty.
    let comment = match obj.get("comment") {
        Some(Value::Null) => Some(String::new()),
        _ => text(obj, "comment")?,
    };
    if let Some(c) = &comment {
        check_len("comment", c, COMMENT_MAX)?;
    }
    Ok(DocumentChanges {
        name,
        extension,
        doc_type: alias(obj, "type")?,
        class: alias(obj, "class")?,
        subclass: subclass(obj)?,
        author: alias(obj, "author")?,
        operator: alias(obj, "operator")?,
        comment,
        default_security: default_security(obj)?,
        file_create_date: date(obj, "file_create_date")?,
        file_edit_date: date(obj, "file_edit_date")?,
        customs: customs(obj)?,
        email: EmailFields {
            from: text(obj, "from")?,
            to: text(obj, "to")?,
            cc: text(obj, "cc")?,
            bcc: text(obj, "bcc")?,
            subject: text(obj, "subject")?,
            sent_date: date(obj, "sent_date")?.flatten(),
            received_date: date(obj, "received_date")?.flatten(),
            message_id: text(obj, "message_id")?,
            in_reply_to: text(obj, "in_reply_to")?,
            conversation_id: text(obj, "conversation_id")?,
            // Read from the message itself, never taken from a client.
            attachments: Vec::new(),
        },
    })
}

/// The comment a profile change or upload records in the history: `audit.comments`, or a
/// top-level `comments` from clients that send it there.
pub fn audit_comment(body: &Obj) -> Result<String> {
    match body.get("audit") {
        Some(Value::Object(audit)) if audit.contains_key("comments") => {
            free_text(audit, "comments", dossier_core::limits::FREE_TEXT_MAX)
        }
        None | Some(Value::Null | Value::Object(_)) => {
            free_text(body, "comments", dossier_core::limits::FREE_TEXT_MAX)
        }
        Some(_) => Err(DomainError::invalid("audit", "audit must be an object")),
    }
}

/// An upload's `profile` part: the document profile under `doc_profile` (or at the top
/// level, where some clients put it), trustees, `keep_locked`, the audit comment and
/// `inherit_profile_from_folder`.
pub fn upload_input(profile: &Obj) -> Result<UploadInput> {
    let doc_profile = match profile.get("doc_profile") {
        Some(Value::Object(o)) => o,
        Some(_) => {
            return Err(DomainError::invalid(
                "doc_profile",
                "doc_profile must be an object",
            ));
        }
        None => profile,
    };
    Ok(UploadInput {
        changes: document_changes(doc_profile)?,
        trustees: trustees(profile)?,
        keep_locked: flag(profile, "keep_locked")?.unwrap_or(false),
        comment: audit_comment(profile)?,
        inherit_folder_profile: flag(profile, "inherit_profile_from_folder")?.unwrap_or(true),
        metadata: match doc_profile.get("metadata") {
            None | Some(Value::Null) => Default::default(),
            Some(Value::Object(m)) => metadata::metadata_changes(m)?,
            Some(_) => {
                return Err(DomainError::invalid(
                    "metadata",
                    "metadata must be an object of property values",
                ));
            }
        },
    })
}

/// Which object a workspace or folder body's nested `profile` describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NestedProfile {
    /// A workspace's own profile: its fields are the workspace's (and win over the
    /// top-level ones, since clients that send it put the real values there).
    Own,
    /// A folder's default profile for the documents filed in it.
    DocumentDefaults,
}

/// `project_custom1..3`: absent, cleared (`null` or `""`) or set; free text of at most
/// `DESCRIPTION_MAX` characters, not validated against anything (iManage's rule).
fn project_customs(obj: &Obj) -> Result<[Option<Option<String>>; PROJECT_CUSTOM_COUNT]> {
    let mut out: [Option<Option<String>>; PROJECT_CUSTOM_COUNT] = Default::default();
    for (i, slot) in out.iter_mut().enumerate() {
        let key = format!("project_custom{}", i + 1);
        *slot = match obj.get(&key) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(_) => {
                let v = free_text(obj, &key, DESCRIPTION_MAX)?;
                Some(Some(v).filter(|v| !v.trim().is_empty()))
            }
        };
    }
    Ok(out)
}

/// A workspace or folder profile.
pub fn container_changes(obj: &Obj, nested: NestedProfile) -> Result<ContainerChanges> {
    let mut merged = obj.clone();
    let mut default_profile = None;
    if let Some(p) = obj.get("profile") {
        let Value::Object(p) = p else {
            return Err(DomainError::invalid("profile", "profile must be an object"));
        };
        match nested {
            // Parsed now so a bad default profile is refused when it is set, not when a
            // document is later filed.
            NestedProfile::DocumentDefaults => {
                default_profile = Some(DocumentDefaults::from(document_changes(p)?))
            }
            NestedProfile::Own => merged.extend(p.clone()),
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
    if let Some(v) = &view_type {
        dossier_core::changes::check_view_type(v)?;
    }
    let email = text(&merged, "email")?;
    if let Some(e) = &email {
        check_len("email", e, DESCRIPTION_MAX)?;
    }
    Ok(ContainerChanges {
        name,
        description,
        owner: alias(&merged, "owner")?,
        author: alias(&merged, "author")?,
        class: alias(&merged, "class")?,
        subclass: subclass(&merged)?,
        default_security: default_security(&merged)?,
        email: email.map(FolderEmail::Prefix),
        view_type,
        default_profile,
        customs: customs(&merged)?,
        project_customs: project_customs(&merged)?,
        required: flag(&merged, "required")?,
    })
}

/// The template a new workspace is made from: `template_id` (also the connector's
/// `templateId`) and which folders (`create_children` / `createChildren`).
pub fn template_choice(obj: &Obj) -> Result<TemplateChoice> {
    let either = |a: &str, b: &str| -> Result<Option<(String, String)>> {
        Ok(match text(obj, a)? {
            Some(v) => Some((a.to_string(), v)),
            None => text(obj, b)?.map(|v| (b.to_string(), v)),
        })
    };
    let template = either("template_id", "templateId")?
        .map(|(field, id)| {
            id.parse::<ContainerId>().map_err(|_| {
                DomainError::invalid(
                    &field,
                    format!("'{id}' is not a template id (LIBRARY!number)"),
                )
            })
        })
        .transpose()?;
    let folders = either("create_children", "createChildren")?
        .map(|(field, v)| TemplateFolders::parse(&field, &v))
        .transpose()?
        .unwrap_or_default();
    Ok(TemplateChoice { template, folders })
}

/// `PUT L/matter-settings`: `{"matter_type_field": "custom3", "templates": {"LITIGATION":
/// "ACTIVE!12"}, "default_template": "ACTIVE!9", "unique_matters": true}`.
pub fn matter_settings(obj: &Obj, library: &LibraryId) -> Result<MatterSettings> {
    let template = |field: &str, id: &str| -> Result<i64> {
        match id.parse::<ContainerId>() {
            Ok(c) if &c.library == library => Ok(c.number),
            Ok(_) => Err(DomainError::invalid(
                field,
                format!("{id} is not in library {library}"),
            )),
            Err(_) => Err(DomainError::invalid(
                field,
                format!("'{id}' is not a template id (LIBRARY!number)"),
            )),
        }
    };
    let matter_type_field = text(obj, "matter_type_field")?
        .map(|f| {
            f.strip_prefix("custom")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| (1..=CUSTOM_COUNT).contains(n))
                .ok_or_else(|| {
                    DomainError::invalid(
                        "matter_type_field",
                        format!("'{f}' is not a custom field (custom1 … custom{CUSTOM_COUNT})"),
                    )
                })
        })
        .transpose()?;
    let mut templates = std::collections::BTreeMap::new();
    match obj.get("templates") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (matter_type, id) in map {
                let Value::String(id) = id else {
                    return Err(DomainError::invalid(
                        "templates",
                        "each matter type maps to a template id",
                    ));
                };
                let key = MatterSettings::matter_type_key(matter_type);
                if key.is_empty() {
                    return Err(DomainError::invalid(
                        "templates",
                        "a matter type cannot be empty",
                    ));
                }
                if templates.insert(key, template("templates", id)?).is_some() {
                    return Err(DomainError::invalid(
                        "templates",
                        format!("matter type '{matter_type}' is mapped twice"),
                    ));
                }
            }
        }
        Some(_) => {
            return Err(DomainError::invalid(
                "templates",
                "templates must be an object of matter type → template id",
            ));
        }
    }
    Ok(MatterSettings {
        matter_type_field,
        templates,
        default_template: text(obj, "default_template")?
            .map(|id| template("default_template", &id))
            .transpose()?,
        unique_matters: flag(obj, "unique_matters")?.unwrap_or(false),
    })
}

/// A new workspace, folder, tab or search folder: its profile, trustees and, for a search
/// folder, `searchprofile`.
pub fn new_container(obj: &Obj, nested: NestedProfile) -> Result<NewContainer> {
    let search = match obj.get("searchprofile") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(SavedSearch::from_json_text(&v.to_string())?),
        Some(_) => {
            return Err(DomainError::invalid(
                "searchprofile",
                "searchprofile must be an object",
            ));
        }
    };
    Ok(NewContainer {
        changes: container_changes(obj, nested)?,
        trustees: trustees(obj)?,
        search_profile: search,
    })
}

/// `user_trustees` / `group_trustees`: `[{"id", "access_level"}]`.
pub fn trustees(obj: &Obj) -> Result<Vec<Trustee>> {
    let mut out = Vec::new();
    for (key, trustee_type) in [
        ("user_trustees", TrusteeType::User),
        ("group_trustees", TrusteeType::Group),
    ] {
        let Some(v) = obj.get(key) else { continue };
        let Value::Array(items) = v else {
            return Err(DomainError::invalid(key, format!("{key} must be an array")));
        };
        for item in items {
            let id = item.get("id").and_then(Value::as_str).ok_or_else(|| {
                DomainError::invalid(key, format!("every entry of {key} needs an id"))
            })?;
            // Access levels come as names or as iManage's numeric codes, which some
            // clients send as JSON numbers.
            let access = match item.get("access_level").or_else(|| item.get("access")) {
                Some(Value::String(s)) => AccessLevel::parse(key, s)?,
                Some(Value::Number(n)) => AccessLevel::parse(key, &n.to_string())?,
                _ => {
                    return Err(DomainError::invalid(
                        key,
                        format!("every entry of {key} needs an access_level"),
                    ));
                }
            };
            out.push(Trustee {
                trustee_type: trustee_type.clone(),
                id: id.trim().to_uppercase(),
                access,
            });
        }
    }
    Ok(out)
}

/// A name-value pairs PATCH body: `{"name": "value"}`; an empty value or `null` deletes.
pub fn nvp_changes(body: &Obj) -> Result<NvpChanges> {
    let mut out = Vec::with_capacity(body.len());
    for (name, value) in body {
        let value = match value {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            // Kept as text: integrations send ids and flags (`TemplateId`) as JSON scalars.
            Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
            _ => {
                return Err(DomainError::invalid(
                    name,
                    format!("the value of '{name}' must be a string"),
                ));
            }
        };
        out.push((name.clone(), value));
    }
    Ok(NvpChanges(out))
}

/// The body of a lock or check-out: `comments`, `location`, `path`, `due_date`.
pub fn checkout_request(body: &Obj) -> Result<CheckoutRequest> {
    let max = dossier_core::limits::FREE_TEXT_MAX;
    Ok(CheckoutRequest {
        comments: free_text(body, "comments", max)?,
        location: free_text(body, "location", max)?,
        path: free_text(body, "path", max)?,
        due_date: date(body, "due_date")?.flatten(),
    })
}

/// A history entry: `activity_code` (a number, or its digits as text) or `activity` (a
/// name), and the entry's optional texts and counts.
pub fn new_history_entry(body: &Obj) -> Result<NewHistoryEntry> {
    let activity = match (body.get("activity_code"), body.get("activity")) {
        (Some(Value::Number(n)), _) => {
            n.as_i64().and_then(Activity::from_code).ok_or_else(|| {
                DomainError::invalid("activity_code", format!("{n} is not an activity code"))
            })?
        }
        (Some(Value::String(s)), _) => s
            .parse::<i64>()
            .ok()
            .and_then(Activity::from_code)
            .ok_or_else(|| {
                DomainError::invalid("activity_code", format!("'{s}' is not an activity code"))
            })?,
        (_, Some(Value::String(s))) => Activity::from_name(s).ok_or_else(|| {
            DomainError::invalid("activity", format!("'{s}' is not an activity name"))
        })?,
        _ => return Err(DomainError::required("activity_code")),
    };
    let max = dossier_core::limits::FREE_TEXT_MAX;
    let text = |k: &str| free_text(body, k, max);
    let count = |k: &str| integer(body, k).map(Option::unwrap_or_default);
    Ok(NewHistoryEntry {
        activity,
        comments: text("comments")?,
        application_name: text("application_name")?,
        location: text("location")?,
        data1: text("data1")?,
        data2: text("data2")?,
        duration: count("duration")?,
        pages_printed: count("pages_printed")?,
        num1: count("num1")?,
        num2: count("num2")?,
        num3: count("num3")?,
    })
}

/// A lookup entry: `id` (or `alias`), `description`, `enabled` and the parent's alias as
/// `parent` (an alias or `{"id"}`) or `parent_alias`.
pub fn lookup_input(body: &Obj) -> Result<LookupInput> {
    let trimmed = |o: &Obj, k: &str| -> Result<Option<String>> {
        Ok(text(o, k)?.map(|s| s.trim().to_string()))
    };
    let parent = match body.get("parent") {
        None | Some(Value::Null) => trimmed(body, "parent_alias")?,
        Some(Value::String(p)) => Some(p.clone()),
        Some(Value::Object(p)) => text(p, "id")?,
        Some(_) => {
            return Err(DomainError::invalid(
                "parent",
                "parent must be an alias or an object with an id",
            ));
        }
    };
    Ok(LookupInput {
        alias: match trimmed(body, "id")? {
            Some(a) => Some(a),
            None => trimmed(body, "alias")?,
        },
        parent,
        description: trimmed(body, "description")?,
        enabled: flag(body, "enabled")?,
    })
}

/// A class or subclass: `id` (or `alias`), `description`, `hipaa`, `indexable`, `retain`
/// (or `retain_days`) in days, `required_fields` (custom field names), `shadow`, `echo`,
/// `default_security` and, for a class, `subclass_required`: iManage's class fields.
pub fn class_input(body: &Obj) -> Result<ClassInput> {
    let required_fields = match body.get("required_fields") {
        None | Some(Value::Null) => None,
        Some(Value::Array(names)) => {
            let names = names
                .iter()
                .map(|n| {
                    n.as_str().ok_or_else(|| {
                        DomainError::invalid(
                            "required_fields",
                            "required_fields must be a list of custom field names",
                        )
                    })
                })
                .collect::<Result<Vec<&str>>>()?;
            Some(dossier_core::fields::required_fields(
                "required_fields",
                names,
            )?)
        }
        Some(_) => {
            return Err(DomainError::invalid(
                "required_fields",
                "required_fields must be a list of custom field names",
            ));
        }
    };
    Ok(ClassInput {
        alias: text(body, "id")?.or(text(body, "alias")?),
        description: text(body, "description")?.map(|d| d.trim().to_string()),
        hipaa: flag(body, "hipaa")?,
        indexable: flag(body, "indexable")?,
        retain_days: integer(body, "retain")?.or(integer(body, "retain_days")?),
        required_fields,
        shadow: flag(body, "shadow")?,
        echo: flag(body, "echo")?,
        default_security: default_security(body)?,
        subclass_required: flag(body, "subclass_required")?,
    })
}

/// A custom field's definition: `label` (or `caption`), `enabled`, `required` and, for a
/// lookup field, `lookup_enabled` (whether values are checked against its table).
pub fn custom_field_changes(body: &Obj) -> Result<CustomFieldChanges> {
    Ok(CustomFieldChanges {
        caption: text(body, "label")?.or(text(body, "caption")?),
        enabled: flag(body, "enabled")?,
        required: flag(body, "required")?,
        lookup_validated: flag(body, "lookup_enabled")?,
    })
}

/// A promotion: `version` (or the version of the URL's id), the profile fields the new
/// version changes, and the history comment (`audit.comments` or `comments`). Dossier
/// keeps no journal, so a `journal_id` is refused rather than ignored.
pub fn promote_request(body: &Obj, url_version: Option<i64>) -> Result<PromoteRequest> {
    for key in ["journal_id", "journalId"] {
        if body.get(key).is_some_and(|v| !v.is_null()) {
            return Err(DomainError::invalid(
                key,
                "Dossier keeps no journal: name the version to promote",
            ));
        }
    }
    let version = integer(body, "version")?
        .or(url_version)
        .ok_or_else(|| DomainError::required("version"))?;
    Ok(PromoteRequest {
        version,
        changes: document_changes(body)?,
        comment: audit_comment(body)?,
    })
}
