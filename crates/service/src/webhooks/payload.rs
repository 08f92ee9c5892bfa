//! The body of a webhook delivery: the event as JSON. This is a wire format living in the
//! service because the engine, not a request handler, produces it; it is private to the
//! engine and documented in docs/webhooks.md (the catalogue with example payloads).
//!
//! `{"id": "evt_42", "type": "document.created", "timestamp": "…Z", "library": "ACTIVE",
//!   "actor": "JSMITH", "data": {…the ids the change names…}}`

use chrono::SecondsFormat;
use dossier_core::events::Change;
use dossier_core::model::Event;
use dossier_core::webhooks::{EventType, event_id, library_of};
use serde_json::{Map, Value, json};

/// The JSON body of `event`, whose decoded change is `change`.
pub(crate) fn body(event: &Event, change: &Change) -> Vec<u8> {
    let body = json!({
        "id": event_id(event.seq),
        "type": EventType::of(change).as_str(),
        "timestamp": event.event_date.to_rfc3339_opts(SecondsFormat::Micros, true),
        "library": library_of(change).map(|l| l.as_str().to_string()),
        "actor": event.user_id,
        "data": data(change),
    });
    // Serialising a `Value` built here cannot fail.
    serde_json::to_vec(&body).unwrap_or_default()
}

/// The ids a change names. No wildcard: a new kind of change does not compile until its
/// payload is decided (and documented).
fn data(change: &Change) -> Value {
    use Change::*;
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    match change {
        DocumentCreated {
            document,
            folder,
            workspace,
        } => {
            put("document_id", json!(document.to_string()));
            put("folder_id", json!(folder.to_string()));
            put("workspace_id", json!(workspace.to_string()));
        }
        DocumentVersionAdded {
            version,
            previous_version,
        } => {
            put("document_id", json!(version.to_string()));
            put("previous_version", json!(previous_version));
        }
        DocumentCopied { document, source } => {
            put("document_id", json!(document.to_string()));
            put("source_id", json!(source.to_string()));
        }
        DocumentUpdated { document }
        | DocumentProfileUpdated { document }
        | DocumentSecurityChanged { document }
        | DocumentVersionDeleted { version: document }
        | DocumentRestored { version: document }
        | DocumentPurged { version: document } => {
            put("document_id", json!(document.to_string()));
        }
        DocumentFiled { document, folder } | DocumentUnfiled { document, folder } => {
            put("document_id", json!(document.to_string()));
            put("folder_id", json!(folder.to_string()));
        }
        WorkspaceCreated { workspace }
        | WorkspaceProfileUpdated { workspace }
        | WorkspaceUpdated { workspace }
        | WorkspaceDeleted { workspace } => {
            put("workspace_id", json!(workspace.to_string()));
        }
        ContainerCreated {
            container,
            parent,
            workspace,
        }
        | ContainerDeleted {
            container,
            parent,
            workspace,
        } => {
            put("container_id", json!(container.to_string()));
            put("parent_id", json!(parent.as_ref().map(|p| p.to_string())));
            put("workspace_id", json!(workspace.to_string()));
        }
        ContainerProfileUpdated {
            container,
            workspace,
        }
        | ContainerUpdated {
            container,
            workspace,
        } => {
            put("container_id", json!(container.to_string()));
            put("workspace_id", json!(workspace.to_string()));
        }
        ContainerMoved {
            container,
            from,
            workspace,
        } => {
            put("container_id", json!(container.to_string()));
            put("from_id", json!(from.as_ref().map(|p| p.to_string())));
            put("workspace_id", json!(workspace.to_string()));
        }
        ContainerSecurityChanged { container } => {
            put("container_id", json!(container.to_string()));
        }
        WallChanged { wall, .. } => put("wall_id", json!(wall)),
        LookupCreated {
            field,
            alias,
            parent,
            ..
        }
        | LookupUpdated {
            field,
            alias,
            parent,
            ..
        }
        | LookupDeleted {
            field,
            alias,
            parent,
            ..
        } => {
            put("field", json!(format!("custom{field}")));
            put("alias", json!(alias));
            put("parent_alias", json!(parent));
        }
        UserCreated { user } | UserUpdated { user } | UserDeleted { user } => {
            put("user_id", json!(user));
        }
        GroupCreated { group }
        | GroupUpdated { group }
        | GroupDeleted { group }
        | GroupMembersChanged { group } => put("group_id", json!(group)),
        RoleCreated { role, .. } | RoleUpdated { role, .. } => put("role_id", json!(role)),
    }
    Value::Object(m)
}
