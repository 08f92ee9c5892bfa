//! The façade's dialect: parameters read the way the connectors send them (camelCase names,
//! required ones refused by name, booleans as `true`/`false`), and domain records rendered
//! in the shapes of the swaggers' response schemas. The custom-value filters read as the
//! Work API reads them (`work::filters::custom_equals`), so both surfaces refuse the same
//! value with the same message.

use dossier_core::custom::{CustomValue, CustomValues};
use dossier_core::model::{Container, Library};
use dossier_core::security::SecuredObject;
use dossier_core::{ContainerId, DocumentRef};
use serde_json::{Value, json};

use super::error::{AutomateError, AutomateResult};
use crate::extract::Q;
use crate::fields::{Obj, text};
use crate::work::filters::custom_equals;

/// The connectors' way to clear a field: the two-character text `''` or `""` (a flow
/// author cannot send an empty value; Power Automate leaves an empty field out).
pub fn is_clear(value: &str) -> bool {
    matches!(value.trim(), "''" | "\"\"")
}

/// A body in the Work API's terms: the clearing sentinel becomes `null` (the Work API's
/// "clear this field") and an empty string is left out, as Power Automate leaves out a field
/// the author left blank. The Work API's readers (`work::wire`) then parse it, so both
/// surfaces apply one set of rules to a profile.
pub fn work_body(body: &Obj) -> Obj {
    body.iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) if is_clear(s) => Some((k.clone(), Value::Null)),
            Value::String(s) if s.trim().is_empty() => None,
            _ => Some((k.clone(), v.clone())),
        })
        .collect()
}

/// A body field the swagger marks `required`: absent, null or blank is a 400 naming it.
pub fn required_text(body: &Obj, name: &str) -> AutomateResult<String> {
    text(body, name)?
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AutomateError::invalid(name, format!("{name} is required")))
}

/// A semicolon-separated list (`users`, `groups`, `workspace_id`, multi-valued metadata):
/// entries trimmed, empty ones dropped.
pub fn semicolons(raw: &str) -> Vec<String> {
    raw.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A required container id (`ACTIVE!427`) in a body, refused by name when malformed.
pub fn container_id(body: &Obj, name: &str) -> AutomateResult<ContainerId> {
    required_text(body, name)?
        .parse()
        .map_err(|_| AutomateError::invalid(name, format!("{name} must be a library!number id")))
}

/// A required document id (`ACTIVE!453.1`, or `ACTIVE!453` for the latest version).
pub fn document_ref(body: &Obj, name: &str) -> AutomateResult<DocumentRef> {
    required_text(body, name)?.parse().map_err(|_| {
        AutomateError::invalid(name, format!("{name} must be a library!number.version id"))
    })
}

/// A query parameter the swagger marks `required`: absent or blank is a 400 naming it.
pub fn required<'q>(q: &'q Q, name: &str) -> AutomateResult<&'q str> {
    q.text(name)
        .ok_or_else(|| AutomateError::invalid(name, format!("{name} is required")))
}

/// `objectType`: `document`, `folder` or `workspace` (the swagger's enum).
pub fn object_type(q: &Q) -> AutomateResult<SecuredObject> {
    secured_object("objectType", required(q, "objectType")?)
}

/// An object type as the swaggers spell it (`document`, `folder`, `workspace`), in a query
/// or a body field named `field`.
pub fn secured_object(field: &str, raw: &str) -> AutomateResult<SecuredObject> {
    match raw {
        "document" => Ok(SecuredObject::Document),
        "folder" => Ok(SecuredObject::Folder),
        "workspace" => Ok(SecuredObject::Workspace),
        other => Err(AutomateError::invalid(
            field,
            format!("'{other}' is not one of document, folder, workspace"),
        )),
    }
}

/// A boolean query parameter with the swagger's default.
pub fn flag(q: &Q, name: &str, default: bool) -> AutomateResult<bool> {
    Ok(q.flag(name)?.unwrap_or(default))
}

/// The `customN` filters of a template list, whole values in each field's kind. The
/// swagger also offers date ranges (`custom21_from`, `_to`, `_relative`); a workspace
/// query matches whole values only, so a range is refused by name rather than ignored.
pub fn custom_filters(q: &Q) -> AutomateResult<Vec<(usize, CustomValue)>> {
    for n in 21..=24 {
        for suffix in ["from", "to", "relative"] {
            let name = format!("custom{n}_{suffix}");
            if q.text(&name).is_some() {
                return Err(AutomateError::invalid(
                    &name,
                    format!("{name}: date ranges are not supported on templates; send custom{n}"),
                ));
            }
        }
    }
    Ok(custom_equals(q, |_| true)?)
}

/// The custom values of a request, as a profile would hold them (what the library's
/// matter settings map to a template).
pub fn custom_values(filters: &[(usize, CustomValue)]) -> CustomValues {
    filters.iter().map(|(n, v)| (*n, Some(v.clone()))).collect()
}

/// One entry of GetLibraries: `id`, `display_name`, `type`, `is_hidden`.
pub fn library(l: &Library) -> Value {
    let display_name = if l.description.trim().is_empty() {
        l.id.as_str()
    } else {
        l.description.as_str()
    };
    json!({
        "id": l.id.as_str(),
        "display_name": display_name,
        "type": "worksite",
        "is_hidden": l.is_hidden,
    })
}

/// One entry of GetWorkspaceTemplates (`WorkspaceTemplate`: `id`, `name`).
pub fn template(t: &Container) -> Value {
    json!({"id": t.id.to_string(), "name": t.name})
}
