//! The connectors' container shapes: WorkspaceProfile (CreateWorkspace, UpdateWorkspace,
//! GetWorkspaceProfile), SearchWorkspaceResult, SearchFolderResult, NewFolderProfile and
//! NewTabProfile. Only the swagger's fields are rendered (their schemas close the object);
//! an optional field Dossier has no value for is left out rather than sent as null.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use dossier_core::custom::CUSTOM_COUNT;
use dossier_core::model::{Container, ContainerKind};
use dossier_core::security::AccessLevel;
use dossier_core::{ContainerId, CustomValue};
use dossier_service::Caller;
use dossier_service::security::ObjectRef;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::automate::descriptions::{Descriptions, unseen_as_none};
use crate::automate::error::AutomateResult;

use crate::automate::links::{Linked, Links, basic_properties};

/// Dates as the connectors' pattern wants them: seconds and a zone.
pub(super) fn date(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A custom value in the swagger's type for its field (custom17–20 numbers, 21–24 dates,
/// 25–28 booleans, the rest strings).
pub(super) fn custom_value(v: &CustomValue) -> Value {
    match v {
        CustomValue::Text(t) => json!(t),
        CustomValue::Number(n) if n.is_finite() => json!(n),
        CustomValue::Number(_) => Value::Null,
        CustomValue::Timestamp(t) => json!(date(*t)),
        CustomValue::Boolean(b) => json!(b),
    }
}

/// What a profile shows beside the container's own fields, read once per request: lookup
/// descriptions (`customN_description`), owners' full names and workspaces' names, each
/// asked of the service once however many results share it.
pub(super) struct Context<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    pub links: Links,
    descriptions: Descriptions,
    users: HashMap<String, Option<String>>,
    workspaces: HashMap<ContainerId, Option<String>>,
}

impl<'a> Context<'a> {
    pub fn new(state: &'a AppState, caller: &'a Caller, links: Links) -> Self {
        Context {
            state,
            caller,
            links,
            descriptions: Descriptions::default(),
            users: HashMap::new(),
            workspaces: HashMap::new(),
        }
    }

    /// A user's full name, when the caller may see the user.
    async fn full_name(&mut self, user: &str) -> AutomateResult<Option<String>> {
        if let Some(n) = self.users.get(user) {
            return Ok(n.clone());
        }
        let name = unseen_as_none(self.state.dossier.user(self.caller, user).await)?
            .map(|u| u.full_name)
            .filter(|n| !n.is_empty());
        self.users.insert(user.to_string(), name.clone());
        Ok(name)
    }

    /// The name of the workspace a container belongs to.
    pub async fn workspace_name(&mut self, c: &Container) -> AutomateResult<String> {
        if c.kind == ContainerKind::Workspace {
            return Ok(c.name.clone());
        }
        let id = ContainerId::new(c.id.library.clone(), c.workspace);
        if let Some(n) = self.workspaces.get(&id) {
            return Ok(n.clone().unwrap_or_default());
        }
        let name = unseen_as_none(
            self.state
                .dossier
                .container(self.caller, &id, &[ContainerKind::Workspace])
                .await,
        )?
        .map(|w| w.name);
        self.workspaces.insert(id, name.clone());
        Ok(name.unwrap_or_default())
    }

    /// The container's custom values, and the descriptions of its lookup values.
    async fn put_customs(
        &mut self,
        out: &mut Map<String, Value>,
        c: &Container,
    ) -> AutomateResult<()> {
        for n in 1..=CUSTOM_COUNT {
            let Some(v) = c.customs.get(n) else { continue };
            let value = custom_value(v);
            if value.is_null() {
                continue;
            }
            out.insert(format!("custom{n}"), value);
        }
        // The swagger describes custom1–12, 29 and 30: the lookup fields.
        let described = self
            .descriptions
            .of(self.state, self.caller, &c.id.library, &c.customs)
            .await?;
        for (n, d) in described {
            out.insert(format!("custom{n}_description"), json!(d));
        }
        Ok(())
    }

    async fn owner(&mut self, out: &mut Map<String, Value>, owner: &str) -> AutomateResult<()> {
        out.insert("owner".into(), json!(owner));
        if let Some(name) = self.full_name(owner).await? {
            out.insert("owner_description".into(), json!(name));
        }
        Ok(())
    }

    /// SearchWorkspaceResult: a workspace as a search lists it.
    pub async fn workspace(&mut self, w: &Container) -> AutomateResult<Map<String, Value>> {
        let (subfolders, _) = self
            .state
            .dossier
            .container_contents(self.caller, &w.id)
            .await?;
        let id = w.id.to_string();
        let created = date(w.create_date);
        let mut o = Map::new();
        o.insert("id".into(), json!(id));
        o.insert("database".into(), json!(w.id.library.as_str()));
        o.insert("document_number".into(), json!(w.id.number));
        o.insert("name".into(), json!(w.name));
        for (i, p) in w.project_customs.iter().enumerate() {
            if let Some(p) = p {
                o.insert(format!("project_custom{}", i + 1), json!(p));
            }
        }
        o.insert("description".into(), json!(w.description));
        o.insert("wstype".into(), json!("workspace"));
        o.insert(
            "default_security".into(),
            json!(w.default_security.as_str()),
        );
        o.insert("create_date".into(), json!(created));
        o.insert("edit_date".into(), json!(date(w.edit_date)));
        o.insert("has_subfolders".into(), json!(subfolders));
        // Dossier applies one rule to external users everywhere (they see what they are
        // granted, never a public default), so no workspace treats them as normal users.
        o.insert("is_external_as_normal".into(), json!(false));
        if let Some(s) = &w.subclass {
            o.insert("subclass".into(), json!(s));
        }
        self.owner(&mut o, &w.owner).await?;
        o.insert("iwl".into(), json!(self.links.container_iwl(&w.id)));
        o.insert(
            "workspace_url".into(),
            json!(self.links.container_url(Linked::Workspace, &w.id)),
        );
        o.insert(
            "basic_properties".into(),
            json!(basic_properties(&[
                ("Name", &w.name),
                ("ID", &id),
                ("Owner", &w.owner),
                ("Created", &created),
            ])),
        );
        self.put_customs(&mut o, w).await?;
        Ok(o)
    }

    /// WorkspaceProfile: a search result's fields and the caller's own access.
    pub async fn workspace_profile(&mut self, w: &Container) -> AutomateResult<Value> {
        let mut o = self.workspace(w).await?;
        let access = self.effective_security(&w.id).await?;
        o.insert("effective_security".into(), json!(access.as_str()));
        Ok(Value::Object(o))
    }

    async fn effective_security(&self, id: &ContainerId) -> AutomateResult<AccessLevel> {
        Ok(self
            .state
            .dossier
            .user_access(
                self.caller,
                &id.library,
                ObjectRef::Container(id),
                &self.caller.user_id,
            )
            .await?)
    }

    /// SearchFolderResult: a folder, tab or search folder as a search lists it.
    pub async fn folder(&mut self, f: &Container) -> AutomateResult<Map<String, Value>> {
        let (subfolders, documents) = self
            .state
            .dossier
            .container_contents(self.caller, &f.id)
            .await?;
        let lib = &f.id.library;
        let (folder_type, linked) = match f.kind {
            ContainerKind::Tab => ("tab", Linked::Tab),
            ContainerKind::SearchFolder => ("search", Linked::Folder),
            ContainerKind::Folder | ContainerKind::Workspace => ("regular", Linked::Folder),
        };
        let mut o = Map::new();
        o.insert("id".into(), json!(f.id.to_string()));
        o.insert("name".into(), json!(f.name));
        o.insert("wstype".into(), json!("folder"));
        o.insert(
            "folder_url".into(),
            json!(self.links.container_url(linked, &f.id)),
        );
        o.insert("database".into(), json!(lib.as_str()));
        o.insert(
            "default_security".into(),
            json!(f.default_security.as_str()),
        );
        o.insert("description".into(), json!(f.description));
        o.insert("edit_date".into(), json!(date(f.edit_date)));
        if let Some(e) = &f.email {
            o.insert("email".into(), json!(e));
        }
        o.insert("folder_type".into(), json!(folder_type));
        o.insert("has_documents".into(), json!(documents));
        o.insert("has_subfolders".into(), json!(subfolders));
        // A search folder's saved search looks for documents; Dossier has no saved
        // searches of containers.
        o.insert("is_container_saved_search".into(), json!(false));
        o.insert(
            "is_content_saved_search".into(),
            json!(f.kind == ContainerKind::SearchFolder),
        );
        o.insert("is_external_as_normal".into(), json!(false));
        self.owner(&mut o, &f.owner).await?;
        if let Some(p) = f.parent {
            o.insert(
                "parent_id".into(),
                json!(ContainerId::new(lib.clone(), p).to_string()),
            );
        }
        // The swagger's closed list; a view type outside it is left out.
        if VIEW_TYPES.contains(&f.view_type.as_str()) {
            o.insert("view_type".into(), json!(f.view_type));
        }
        o.insert(
            "workspace_id".into(),
            json!(ContainerId::new(lib.clone(), f.workspace).to_string()),
        );
        o.insert(
            "workspace_name".into(),
            json!(self.workspace_name(f).await?),
        );
        Ok(o)
    }

    /// NewFolderProfile: a search result's fields, the caller's access, the security it
    /// inherits and the profile documents filed in it get.
    pub async fn new_folder(&mut self, f: &Container) -> AutomateResult<Value> {
        let mut o = self.folder(f).await?;
        let access = self.effective_security(&f.id).await?;
        o.insert("effective_security".into(), json!(access.as_str()));
        let mut profile = Map::new();
        if let Some(d) = &f.default_profile {
            if let Some(c) = &d.class {
                profile.insert("class".into(), json!(c));
            }
            if let Some(s) = &d.subclass {
                profile.insert("subclass".into(), json!(s));
            }
            for (n, v) in &d.customs {
                let value = custom_value(v);
                if !value.is_null() {
                    profile.insert(format!("custom{n}"), value);
                }
            }
        }
        o.insert("profile".into(), Value::Object(profile));
        Ok(Value::Object(o))
    }

    /// NewTabProfile.
    pub async fn new_tab(&mut self, t: &Container) -> AutomateResult<Value> {
        let mut o = Map::new();
        o.insert("id".into(), json!(t.id.to_string()));
        o.insert("name".into(), json!(t.name));
        o.insert("database".into(), json!(t.id.library.as_str()));
        o.insert(
            "default_security".into(),
            json!(t.default_security.as_str()),
        );
        o.insert("description".into(), json!(t.description));
        self.owner(&mut o, &t.owner).await?;
        o.insert(
            "tab_url".into(),
            json!(self.links.container_url(Linked::Tab, &t.id)),
        );
        o.insert(
            "workspace_id".into(),
            json!(ContainerId::new(t.id.library.clone(), t.workspace).to_string()),
        );
        o.insert(
            "workspace_name".into(),
            json!(self.workspace_name(t).await?),
        );
        Ok(Value::Object(o))
    }
}

/// SearchFolderResult's `view_type` values.
const VIEW_TYPES: [&str; 7] = [
    "none",
    "document",
    "email",
    "email_search",
    "document_search",
    "linksite",
    "imanage_share",
];
