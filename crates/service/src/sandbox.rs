//! Sandbox libraries: a new library with another's configuration and none of its content,
//! for trying an integration (a practice-management system opening matters, a connector's
//! flows) before it touches real matters.
//!
//! Copied: roles, classes and subclasses with their settings, document types, lookup tables,
//! custom field definitions (captions), how matters close, the extended-metadata catalogue
//! (properties, taxonomy trees), workspace templates with their
//! trees and security, and the matter settings, their template numbers translated to the
//! copies. Not copied:
//! documents, workspaces, members (a sandbox starts with none but the administrators, who
//! reach every library), walls, name-value pairs.

use std::collections::BTreeMap;

use dossier_core::identity::{AuditAction, AuditOutcome};
use dossier_core::model::{ContainerKind, Library, TrusteeOwner};
use dossier_core::query::{ContainerQuery, Page, Templates};
use dossier_core::{ContainerId, DomainError, LibraryId};
use dossier_store::AnyConnection;
use serde_json::json;

use crate::audit::Audit;
use crate::containers::{NewContainer, Place, Side};
use crate::{Caller, Dossier, Result};

/// What a sandbox was given, for the administrator to check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SandboxCopy {
    pub library: Option<LibraryId>,
    pub roles: usize,
    pub classes: usize,
    pub subclasses: usize,
    pub types: usize,
    pub lookups: usize,
    pub custom_fields: usize,
    pub templates: usize,
    /// Of the extended-metadata catalogue.
    pub properties: usize,
    pub taxonomies: usize,
}

impl Dossier {
    /// A new library `alias` with `source`'s configuration and no content (administrators
    /// only: CLI `dossier admin create-sandbox`, `POST L/sandbox`).
    pub async fn create_sandbox(
        &self,
        caller: &Caller,
        source: &LibraryId,
        alias: &str,
        description: &str,
    ) -> Result<SandboxCopy> {
        if !caller.is_admin {
            return Err(DomainError::Forbidden(
                "creating a library needs administrator rights".into(),
            ));
        }
        if !caller.scope.administers() {
            return Err(DomainError::Forbidden(
                "this token was not granted the admin scope".into(),
            ));
        }
        let id = LibraryId::parse(alias).map_err(|_| {
            DomainError::invalid("id", format!("'{alias}' is not a valid library id"))
        })?;
        let mut tx = self.store.begin().await?;
        if dossier_store::libraries::get(tx.conn(), caller.customer_id, source)
            .await?
            .is_none()
        {
            return Err(DomainError::not_found(format!("library {source}")));
        }
        if dossier_store::libraries::get(tx.conn(), caller.customer_id, &id)
            .await?
            .is_some()
        {
            return Err(DomainError::Conflict(format!(
                "library {id} already exists"
            )));
        }
        let now = self.now();
        dossier_store::libraries::insert(
            tx.conn(),
            &Library {
                id: id.clone(),
                customer_id: caller.customer_id,
                description: if description.is_empty() {
                    format!("Sandbox of {source}")
                } else {
                    description.to_string()
                },
                is_hidden: false,
            },
            now,
        )
        .await?;
        let mut copy = copy_catalogue(tx.conn(), source, &id, now).await?;
        copy.templates = self.copy_templates(tx.conn(), caller, source, &id).await?;
        copy.library = Some(id.clone());
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::LibrarySandboxCreate,
                target: Some(id.to_string()),
                outcome: AuditOutcome::Success,
                detail: json!({"source": source.as_str(), "roles": copy.roles, "classes": copy.classes,
                               "lookups": copy.lookups, "templates": copy.templates}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(copy)
    }

    /// Copies every template of `source` into `target` with its tree, and the matter
    /// settings with the copies' numbers; how many templates there were.
    async fn copy_templates(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        source: &LibraryId,
        target: &LibraryId,
    ) -> Result<usize> {
        let query = ContainerQuery {
            kinds: vec![ContainerKind::Workspace],
            templates: Templates::Only,
            ..ContainerQuery::default()
        };
        let all = Page {
            limit: 100_000,
            ..Page::default()
        };
        let (templates, _) =
            dossier_store::containers::search(conn, source, &query, None, all).await?;
        let mut numbers = BTreeMap::new();
        for t in &templates {
            let trustees = dossier_store::catalog::trustees(
                conn,
                source,
                TrusteeOwner::Container,
                t.id.number,
            )
            .await?;
            let mut changes = crate::templates::profile_of(t);
            changes.owner = Some(t.owner.clone());
            let copy = self
                .insert_container(
                    conn,
                    caller,
                    Place::Top(target, Side::Templates),
                    ContainerKind::Workspace,
                    NewContainer {
                        changes,
                        trustees,
                        search_profile: None,
                    },
                )
                .await?;
            self.copy_tree(conn, caller, t, &copy, Default::default())
                .await?;
            numbers.insert(t.id.number, copy.id.number);
        }
        let mut settings = dossier_store::matter_settings::get(conn, source).await?;
        let translate = |n: i64| {
            numbers.get(&n).copied().ok_or_else(|| {
                DomainError::internal(format!(
                    "matter settings name {}, which is not a template",
                    ContainerId::new(source.clone(), n)
                ))
            })
        };
        for n in settings.templates.values_mut() {
            *n = translate(*n)?;
        }
        settings.default_template = settings.default_template.map(translate).transpose()?;
        dossier_store::matter_settings::put(conn, target, &settings).await?;
        Ok(templates.len())
    }
}

/// Roles, classes, subclasses, types, lookups, custom field definitions and how matters
/// close.
async fn copy_catalogue(
    conn: &mut AnyConnection,
    source: &LibraryId,
    target: &LibraryId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<SandboxCopy> {
    use dossier_store::{catalog, roles};
    let mut copy = SandboxCopy::default();
    for mut role in roles::list(conn, source.as_str()).await? {
        role.library = target.as_str().to_string();
        roles::insert(conn, &role, now).await?;
        copy.roles += 1;
    }
    for class in catalog::classes(conn, source).await? {
        catalog::insert_class(conn, target, &class).await?;
        copy.classes += 1;
        for sub in catalog::subclasses(conn, source, &class.alias).await? {
            catalog::insert_subclass(conn, target, &sub).await?;
            copy.subclasses += 1;
        }
    }
    for t in catalog::types(conn, source).await? {
        catalog::insert_type(conn, target, &t).await?;
        copy.types += 1;
    }
    for l in catalog::all_lookups(conn, source).await? {
        catalog::upsert_lookup(conn, target, &l).await?;
        copy.lookups += 1;
    }
    for d in catalog::custom_fields(conn, source).await? {
        catalog::save_custom_field(conn, target, &d).await?;
        copy.custom_fields += 1;
    }
    let closing = dossier_store::matters::settings(conn, source).await?;
    dossier_store::matters::put_settings(conn, target, &closing).await?;
    copy_metadata_catalogue(conn, source, target, &mut copy).await?;
    Ok(copy)
}

/// The extended-metadata catalogue: taxonomies with their trees, then the properties that
/// name them (documents' values stay behind).
async fn copy_metadata_catalogue(
    conn: &mut AnyConnection,
    source: &LibraryId,
    target: &LibraryId,
    copy: &mut SandboxCopy,
) -> Result<()> {
    use dossier_store::metadata as em;
    let every = Page {
        limit: 1_000_000,
        ..Page::default()
    };
    for t in em::taxonomies(conn, source).await? {
        em::put_taxonomy(conn, target, &t).await?;
        let (nodes, _) =
            em::search_nodes(conn, source, &t.id, &em::NodeSearch::default(), every).await?;
        for n in &nodes {
            em::put_node(conn, target, &t.id, n).await?;
        }
        copy.taxonomies += 1;
    }
    for p in em::properties(conn, source).await? {
        em::put_property(conn, target, &p).await?;
        copy.properties += 1;
    }
    Ok(())
}
