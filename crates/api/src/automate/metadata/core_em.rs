//! `CoreEMProperties`: a document's extended metadata in the connector's typed slots, with
//! the profile fields the swagger requires beside them (`full_file_name`, `document_url`,
//! `basic_properties`, `latest`, `is_latest`). Values are rendered in each slot's JSON
//! type (dates, numbers and texts as strings, booleans as booleans, users, lookups and
//! taxonomy nodes as objects); a multi-valued slot adds its semicolon-joined `all_…`.

use dossier_core::metadata::{Property, SlotFamily};
use dossier_core::model::DocumentView;
use dossier_service::Caller;
use dossier_service::metadata::DocumentMetadata;
use serde_json::{Map, Value, json};

use super::super::error::AutomateResult;
use super::super::links::{Links, basic_properties};
use crate::AppState;

/// One user value: `{id, ssid, enabled, is_external}` from the user's record. A value whose
/// user is gone (values outlive accounts) still shows its id, as a disabled user.
async fn user(state: &AppState, caller: &Caller, id: &str) -> AutomateResult<Value> {
    Ok(match state.dossier.user(caller, id).await {
        Ok(u) => json!({"id": u.id, "ssid": u.ssid, "enabled": u.allow_logon,
            "is_external": u.is_external}),
        Err(dossier_core::DomainError::NotFound(_)) => {
            json!({"id": id, "ssid": id, "enabled": false, "is_external": false})
        }
        Err(e) => return Err(e.into()),
    })
}

/// One taxonomy value: `{id, ssid, description, enabled}` from its node. A node removed
/// since (only unused leaves can be) shows its id alone.
async fn node(
    state: &AppState,
    caller: &Caller,
    view: &DocumentView,
    p: &Property,
    id: &str,
) -> AutomateResult<Value> {
    let Some(taxonomy) = &p.taxonomy else {
        return Ok(json!({"id": id, "ssid": id, "description": id, "enabled": false}));
    };
    let library = &view.doc.id.library;
    Ok(
        match state
            .dossier
            .taxonomy_node(caller, library, taxonomy, id)
            .await
        {
            Ok(f) => json!({"id": f.node.id, "ssid": f.node.id, "description": f.node.label,
            "enabled": f.node.enabled}),
            Err(dossier_core::DomainError::NotFound(_)) => {
                json!({"id": id, "ssid": id, "description": id, "enabled": false})
            }
            Err(e) => return Err(e.into()),
        },
    )
}

/// One lookup value: the list's entries are plain texts, always enabled, their own id.
fn lookup(value: &str) -> Value {
    json!({"id": value, "ssid": value, "description": value, "enabled": true})
}

pub(super) async fn render(
    state: &AppState,
    caller: &Caller,
    links: &Links,
    view: &DocumentView,
    values: &DocumentMetadata,
) -> AutomateResult<Value> {
    let d = &view.doc;
    let id = d.id.to_string();
    let full_file_name = d.full_file_name();
    let mut out = Map::new();
    out.insert("full_file_name".into(), json!(full_file_name));
    out.insert(
        "basic_properties".into(),
        json!(basic_properties(&[
            ("Name", &full_file_name),
            ("Document", &id),
            ("Version", &d.id.version.to_string()),
        ])),
    );
    out.insert("document_url".into(), json!(links.document_url(&d.id)));
    out.insert("latest".into(), json!(view.latest_version.to_string()));
    out.insert(
        "is_latest".into(),
        json!(d.id.version == view.latest_version),
    );
    for (p, vs) in values {
        let Some(slot) = p.slot() else { continue };
        let name = slot.name();
        let Some(first) = vs.first() else { continue };
        let all = || json!(vs.join(";"));
        match slot.family {
            SlotFamily::Text | SlotFamily::Double | SlotFamily::Date => {
                out.insert(name, json!(first));
            }
            SlotFamily::Bool => {
                out.insert(name, json!(first == "true"));
            }
            SlotFamily::MvText => {
                out.insert(format!("all_{name}"), all());
                out.insert(name, json!(vs));
            }
            SlotFamily::Lookup => {
                out.insert(name, lookup(first));
            }
            SlotFamily::MvLookup => {
                out.insert(format!("all_{name}_ssids"), all());
                out.insert(name, vs.iter().map(|v| lookup(v)).collect());
            }
            SlotFamily::User => {
                out.insert(name, user(state, caller, first).await?);
            }
            SlotFamily::MvUser => {
                let mut users = Vec::with_capacity(vs.len());
                for v in vs {
                    users.push(user(state, caller, v).await?);
                }
                let ssids: Vec<&str> = users.iter().filter_map(|u| u["ssid"].as_str()).collect();
                out.insert(format!("all_{name}_ssids"), json!(ssids.join(";")));
                out.insert(name, Value::Array(users));
            }
            SlotFamily::Taxonomy => {
                out.insert(name, node(state, caller, view, p, first).await?);
            }
            SlotFamily::MvTaxonomy => {
                let mut nodes = Vec::with_capacity(vs.len());
                for v in vs {
                    nodes.push(node(state, caller, view, p, v).await?);
                }
                out.insert(format!("all_{name}_ssids"), all());
                out.insert(name, Value::Array(nodes));
            }
        }
    }
    Ok(Value::Object(out))
}
