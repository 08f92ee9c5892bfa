//! The bodies of extended-metadata requests: catalogue properties, taxonomies and their
//! nodes, tree imports, document values and the connector's taxonomy node search.

use dossier_core::DomainError;
use dossier_core::metadata::{
    IMPORT_DEPTH_MAX, ImportNode, MetadataChanges, Property, PropertyChanges, PropertyId,
    PropertyKind, Taxonomy, TaxonomyId, TaxonomyNode,
};
use dossier_service::metadata::{NodeChanges, NodeQuery, NodeScope, NodeSearch};
use serde_json::Value;

use crate::fields::{Obj, flag, text};

type Result<T> = std::result::Result<T, DomainError>;

fn required(obj: &Obj, key: &str) -> Result<String> {
    text(obj, key)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| DomainError::required(key))
}

fn strings(obj: &Obj, key: &str) -> Result<Option<Vec<String>>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str().map(str::to_string).ok_or_else(|| {
                    DomainError::invalid(key, format!("{key} must be a list of strings"))
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(_) => Err(DomainError::invalid(
            key,
            format!("{key} must be a list of strings"),
        )),
    }
}

fn taxonomy_ref(obj: &Obj) -> Result<Option<Option<TaxonomyId>>> {
    match obj.get("taxonomy") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(_) => Ok(Some(
            text(obj, "taxonomy")?
                .as_deref()
                .map(TaxonomyId::parse)
                .transpose()?,
        )),
    }
}

/// POST …/metadata/properties: `id`, `caption`, `kind`, `multi`, `required`, `enabled`,
/// `lookup_values`, `taxonomy`.
pub fn property(obj: &Obj) -> Result<Property> {
    Ok(Property {
        id: PropertyId::parse(&required(obj, "id")?)?,
        caption: required(obj, "caption")?,
        kind: PropertyKind::parse(&required(obj, "kind")?)?,
        multi: flag(obj, "multi")?.unwrap_or(false),
        required: flag(obj, "required")?.unwrap_or(false),
        enabled: flag(obj, "enabled")?.unwrap_or(true),
        lookup_values: strings(obj, "lookup_values")?.unwrap_or_default(),
        taxonomy: taxonomy_ref(obj)?.flatten(),
        // The service gives the connector slot.
        slot: None,
    })
}

/// PATCH …/metadata/properties/{id}: any of the fields of a new property but `id`.
pub fn property_changes(obj: &Obj) -> Result<PropertyChanges> {
    if obj.contains_key("id") {
        return Err(DomainError::invalid("id", "a property's id cannot change"));
    }
    Ok(PropertyChanges {
        caption: text(obj, "caption")?,
        kind: text(obj, "kind")?
            .as_deref()
            .map(PropertyKind::parse)
            .transpose()?,
        multi: flag(obj, "multi")?,
        required: flag(obj, "required")?,
        enabled: flag(obj, "enabled")?,
        lookup_values: strings(obj, "lookup_values")?,
        taxonomy: taxonomy_ref(obj)?,
    })
}

/// POST …/metadata/taxonomies: `id`, `name`.
pub fn taxonomy(obj: &Obj) -> Result<Taxonomy> {
    Ok(Taxonomy {
        id: TaxonomyId::parse(&required(obj, "id")?)?,
        name: required(obj, "name")?,
    })
}

/// POST …/nodes: `id`, `label`, `parent`, `enabled`.
pub fn node(obj: &Obj) -> Result<TaxonomyNode> {
    Ok(TaxonomyNode {
        id: required(obj, "id")?,
        label: required(obj, "label")?,
        parent: text(obj, "parent")?,
        enabled: flag(obj, "enabled")?.unwrap_or(true),
    })
}

/// PATCH …/nodes/{id}: `label`, `parent` (null: to the top), `enabled`.
pub fn node_changes(obj: &Obj) -> Result<NodeChanges> {
    Ok(NodeChanges {
        label: text(obj, "label")?,
        parent: match obj.get("parent") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(_) => Some(text(obj, "parent")?),
        },
        enabled: flag(obj, "enabled")?,
    })
}

/// POST …/import: `{"parent"?: id, "nodes": [{"id", "label", "children": [...]}]}`.
pub fn import(obj: &Obj) -> Result<(Option<String>, Vec<ImportNode>)> {
    let nodes = match obj.get("nodes") {
        Some(Value::Array(items)) => import_nodes(items, 1)?,
        _ => return Err(DomainError::required("nodes")),
    };
    Ok((text(obj, "parent")?, nodes))
}

fn import_nodes(items: &[Value], depth: usize) -> Result<Vec<ImportNode>> {
    if depth > IMPORT_DEPTH_MAX {
        return Err(DomainError::invalid(
            "nodes",
            format!("an imported tree may be at most {IMPORT_DEPTH_MAX} levels deep"),
        ));
    }
    items
        .iter()
        .map(|i| {
            let Value::Object(o) = i else {
                return Err(DomainError::invalid("nodes", "each node must be an object"));
            };
            let children = match o.get("children") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(c)) => import_nodes(c, depth + 1)?,
                Some(_) => {
                    return Err(DomainError::invalid("children", "children must be a list"));
                }
            };
            Ok(ImportNode {
                id: required(o, "id")?,
                label: required(o, "label")?,
                children,
            })
        })
        .collect()
}

fn scalar_text(key: &str, v: &Value) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(DomainError::invalid(
            key,
            format!("the values of {key} must be strings, numbers or booleans"),
        )),
    }
}

/// PATCH …/documents/{id}/metadata: `{"property": value | [values] | null}` (null, "" or
/// [] clears it), or the connector's `{"emProperties": [{"key", "value"}]}` with several
/// values separated by semicolons.
pub fn metadata_changes(body: &Obj) -> Result<MetadataChanges> {
    let mut out = Vec::new();
    if let Some(em) = body.get("emProperties") {
        let Value::Array(items) = em else {
            return Err(DomainError::invalid(
                "emProperties",
                "emProperties must be a list",
            ));
        };
        for i in items {
            let Value::Object(o) = i else {
                return Err(DomainError::invalid(
                    "emProperties",
                    "each entry must be an object",
                ));
            };
            let key = required(o, "key")?;
            let raw = text(o, "value")?.unwrap_or_default();
            let raw = raw.trim().trim_matches(|c| c == '"' || c == '\'');
            let values = raw
                .split(';')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect();
            out.push((key, values));
        }
        return Ok(MetadataChanges(out));
    }
    for (key, v) in body {
        let values = match v {
            Value::Null => Vec::new(),
            Value::String(s) if s.trim().is_empty() => Vec::new(),
            Value::Array(items) => items
                .iter()
                .map(|i| scalar_text(key, i))
                .collect::<Result<Vec<_>>>()?,
            other => vec![scalar_text(key, other)?],
        };
        out.push((key.clone(), values));
    }
    Ok(MetadataChanges(out))
}

/// A node search: `query` (words a label or id starts with; `*` a wildcard), `id` (exact),
/// `enabled_state` (`Enabled`, the default, `Disabled` or `Both Enabled and Disabled`),
/// `children_of_ssid` with `immediate_children_only` (default true; `""` the top level),
/// `include_path` — the connector's SearchCoreEMTaxonomyNodeValues fields.
pub fn node_search(obj: &Obj) -> Result<NodeQuery> {
    let enabled = match text(obj, "enabled_state")?.as_deref().map(str::trim) {
        None | Some("") => Some(true),
        Some(s) if s.eq_ignore_ascii_case("enabled") => Some(true),
        Some(s) if s.eq_ignore_ascii_case("disabled") => Some(false),
        Some(s)
            if s.eq_ignore_ascii_case("both enabled and disabled")
                || s.eq_ignore_ascii_case("both") =>
        {
            None
        }
        Some(s) => {
            return Err(DomainError::invalid(
                "enabled_state",
                format!(
                    "enabled_state must be Enabled, Disabled or Both Enabled and Disabled, not {s:?}"
                ),
            ));
        }
    };
    let immediate = flag(obj, "immediate_children_only")?.unwrap_or(true);
    let scope = match text(obj, "children_of_ssid")? {
        None => NodeScope::All,
        Some(s) if s.trim().trim_matches(|c| c == '"' || c == '\'').is_empty() => NodeScope::Roots,
        Some(s) if immediate => NodeScope::ChildrenOf(s),
        Some(s) => NodeScope::DescendantsOf(s),
    };
    let search = NodeSearch {
        query: text(obj, "query")?.filter(|q| !q.trim().is_empty()),
        id: text(obj, "id")?.filter(|q| !q.trim().is_empty()),
        among: None,
        enabled,
    };
    Ok(NodeQuery {
        search,
        scope,
        with_path: flag(obj, "include_path")?.unwrap_or(false),
    })
}
