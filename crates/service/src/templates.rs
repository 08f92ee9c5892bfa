//! Workspace templates and opening matters from them.
//!
//! A template is a workspace kept in the library like any other (so its tabs, folders and
//! search folders are made, read and changed through the ordinary container use cases), but
//! flagged: it and its whole tree are left out of every list and search of matters. A new
//! workspace made from it gets a copy of its profile (the caller's values over the
//! template's), its security and its tree — all folders, or only the required ones — in
//! the one transaction that makes the workspace. A copy, not a link: editing a template
//! later changes no workspace made from it.
//!
//! Which template a workspace opens with, when the caller names none, is the library's
//! `MatterSettings`: the template mapped to the matter type, else the default template.

use std::collections::BTreeMap;

use dossier_core::changes::ContainerChanges;
use dossier_core::identity::{AuditAction, AuditOutcome, Right};
use dossier_core::model::{Container, ContainerKind, TrusteeOwner};
use dossier_core::query::{ContainerQuery, Page, Templates};
use dossier_core::templates::{MatterSettings, TemplateChoice, TemplateFolders};
use dossier_core::{ContainerId, CustomValue, CustomValues, DomainError, LibraryId};
use dossier_store::AnyConnection;
use serde_json::json;

use crate::access::{Edit, Read};
use crate::audit::Audit;
use crate::containers::{NewContainer, Place, Side};
use crate::{Caller, Dossier, Result};

/// Containers read in one go when a template's tree is copied or removed.
const TREE: i64 = 100_000;

/// The workspace profile a template hands on: every field a caller may also set.
pub(crate) fn profile_of(t: &Container) -> ContainerChanges {
    ContainerChanges {
        name: Some(t.name.clone()),
        description: Some(t.description.clone()),
        owner: None,
        author: t.author.clone(),
        class: t.class.clone(),
        subclass: Some(t.subclass.clone()),
        default_security: Some(t.default_security),
        email: None,
        view_type: Some(t.view_type.clone()),
        default_profile: t.default_profile.clone(),
        customs: (1..=dossier_core::custom::CUSTOM_COUNT)
            .filter_map(|n| t.customs.get(n).map(|v| (n, Some(v.clone()))))
            .collect(),
        project_customs: t.project_customs.clone().map(|v| v.map(Some)),
        required: None,
    }
}

/// `mine` over `template`: the caller's values win field by field, custom by custom.
fn overlay(template: ContainerChanges, mine: ContainerChanges) -> ContainerChanges {
    let mut customs: BTreeMap<usize, Option<CustomValue>> = template.customs.into_iter().collect();
    customs.extend(mine.customs);
    ContainerChanges {
        name: mine.name.or(template.name),
        description: mine.description.or(template.description),
        owner: mine.owner.or(template.owner),
        author: mine.author.or(template.author),
        class: mine.class.or(template.class),
        subclass: mine.subclass.or(template.subclass),
        default_security: mine.default_security.or(template.default_security),
        email: mine.email.or(template.email),
        view_type: mine.view_type.or(template.view_type),
        default_profile: mine.default_profile.or(template.default_profile),
        customs: customs.into_iter().collect(),
        project_customs: std::array::from_fn(|i| {
            mine.project_customs[i]
                .clone()
                .or_else(|| template.project_customs[i].clone())
        }),
        required: None,
    }
}

/// The custom values a set of changes leaves on a new object.
fn customs_of(changes: &ContainerChanges) -> CustomValues {
    changes.customs.iter().cloned().collect()
}

/// The template containers a workspace made with `folders` gets, parents before children
/// (each parent's children in number order).
fn chosen(tree: &[Container], root: i64, folders: TemplateFolders) -> Vec<&Container> {
    let mut children: BTreeMap<i64, Vec<&Container>> = BTreeMap::new();
    for c in tree {
        if let Some(p) = c.parent {
            children.entry(p).or_default().push(c);
        }
    }
    // Whether a container is kept: every one for `All`; for `RequiredOnly` a required one
    // and anything above one, since a required folder needs its place in the tree.
    fn kept(c: &Container, children: &BTreeMap<i64, Vec<&Container>>) -> bool {
        c.required
            || children
                .get(&c.id.number)
                .into_iter()
                .flatten()
                .any(|d| kept(d, children))
    }
    fn visit<'a>(
        n: i64,
        children: &BTreeMap<i64, Vec<&'a Container>>,
        folders: TemplateFolders,
        out: &mut Vec<&'a Container>,
    ) {
        for c in children.get(&n).into_iter().flatten() {
            if folders == TemplateFolders::All || kept(c, children) {
                out.push(c);
                visit(c.id.number, children, folders, out);
            }
        }
    }
    let mut out = vec![];
    visit(root, &children, folders, &mut out);
    out
}

/// Every container of template `t`'s tree (and `t`), in one read.
async fn tree_of(conn: &mut AnyConnection, t: &Container) -> Result<Vec<Container>> {
    let query = ContainerQuery {
        workspace: Some(t.id.number),
        templates: Templates::Only,
        ..ContainerQuery::default()
    };
    let page = Page {
        limit: TREE,
        ..Page::default()
    };
    Ok(
        dossier_store::containers::search(conn, &t.id.library, &query, None, page)
            .await?
            .0,
    )
}

impl Dossier {
    /// Administrators and roles with the template right make, change and remove templates
    /// and the library's matter settings.
    async fn require_template_rights(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        library: &LibraryId,
    ) -> Result<()> {
        self.require_right(
            conn,
            caller,
            library,
            Right::CreateTemplate,
            "maintaining workspace templates",
        )
        .await
    }

    /// Changing a template or its tree — a profile, a folder added, moved or removed — needs
    /// the template right besides edit rights on it; a matter's containers need only the
    /// latter.
    pub(crate) async fn guard_template(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        c: &Container,
    ) -> Result<()> {
        if c.is_template {
            self.require_template_rights(conn, caller, &c.id.library)
                .await?;
        }
        Ok(())
    }

    /// A template by the id in a URL: anything else by that id, a workspace the caller may
    /// not know of included, is not found. Templates are the library's configuration, like
    /// its classes and lookups: every member may see and use them, whatever security they
    /// hand on to the workspaces made from them (changing one needs the template right and
    /// edit rights on it).
    async fn template_at(&self, conn: &mut AnyConnection, id: &ContainerId) -> Result<Container> {
        dossier_store::containers::get(conn, id)
            .await?
            .filter(|t| t.is_template && t.kind == ContainerKind::Workspace)
            .ok_or_else(|| crate::access::container_not_found(id))
    }

    /// A template of `library` named by a body `field`: one of another library, or no
    /// template at all, is a 400 naming the field.
    async fn template_for(
        &self,
        conn: &mut AnyConnection,
        library: &LibraryId,
        id: &ContainerId,
        field: &str,
    ) -> Result<Container> {
        if &id.library != library {
            return Err(DomainError::invalid(
                field,
                format!("template {id} is not in library {library}"),
            ));
        }
        self.template_at(conn, id).await.map_err(|e| match e {
            DomainError::NotFound(_) => DomainError::invalid(
                field,
                format!("{id} is not a workspace template of library {library}"),
            ),
            other => other,
        })
    }

    /// GET L/templates: the library's templates, filtered like workspaces.
    pub async fn templates(
        &self,
        _caller: &Caller,
        library: &LibraryId,
        mut query: ContainerQuery,
        page: Page,
    ) -> Result<(Vec<Container>, Option<i64>)> {
        query.kinds = vec![ContainerKind::Workspace];
        query.templates = Templates::Only;
        let mut conn = self.store.read().await?;
        dossier_store::containers::search(&mut conn, library, &query, None, page).await
    }

    /// GET L/templates/{id}
    pub async fn template(&self, _caller: &Caller, id: &ContainerId) -> Result<Container> {
        let mut conn = self.store.read().await?;
        self.template_at(&mut conn, id).await
    }

    /// POST L/templates: a new, empty template; its tree is made with the ordinary folder,
    /// tab and search-folder calls under it.
    pub async fn create_template(
        &self,
        caller: &Caller,
        library: &LibraryId,
        new: NewContainer,
    ) -> Result<Container> {
        let mut tx = self.store.begin().await?;
        self.require_template_rights(tx.conn(), caller, library)
            .await?;
        let t = self
            .insert_container(
                tx.conn(),
                caller,
                Place::Top(library, Side::Templates),
                ContainerKind::Workspace,
                new,
            )
            .await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::TemplateCreate,
                target: Some(t.id.to_string()),
                outcome: AuditOutcome::Success,
                detail: json!({"name": t.name}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(t)
    }

    /// DELETE L/templates/{id}: the template and its whole tree (templates hold no
    /// documents). A template a matter type opens with is kept until it is unmapped.
    pub async fn delete_template(&self, caller: &Caller, id: &ContainerId) -> Result<()> {
        let mut tx = self.store.begin().await?;
        self.require_template_rights(tx.conn(), caller, &id.library)
            .await?;
        let t = self.template_at(tx.conn(), id).await?;
        // Removing needs the right to change the template itself.
        self.container_for(tx.conn(), caller, id, Edit).await?;
        let settings = dossier_store::matter_settings::get(tx.conn(), &id.library).await?;
        let types = settings.types_of(id.number);
        if !types.is_empty() || settings.default_template == Some(id.number) {
            return Err(DomainError::Conflict(format!(
                "template {id} is in use: {}; change the library's matter settings first",
                if types.is_empty() {
                    "it is the default template".to_string()
                } else {
                    format!("matter types {} open with it", types.join(", "))
                }
            )));
        }
        // The tree in one read, children before their parents, the template itself last.
        let tree = tree_of(tx.conn(), &t).await?;
        for c in chosen(&tree, id.number, TemplateFolders::All)
            .into_iter()
            .rev()
        {
            self.remove_container(tx.conn(), caller, c).await?;
        }
        self.remove_container(tx.conn(), caller, &t).await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::TemplateDelete,
                target: Some(id.to_string()),
                outcome: AuditOutcome::Success,
                detail: json!({"name": t.name}),
            },
        )
        .await?;
        tx.commit().await
    }

    /// GET L/matter-settings
    pub async fn matter_settings(
        &self,
        _caller: &Caller,
        library: &LibraryId,
    ) -> Result<MatterSettings> {
        let mut conn = self.store.read().await?;
        dossier_store::matter_settings::get(&mut conn, library).await
    }

    /// PUT L/matter-settings: every template named must be a template of the library.
    pub async fn save_matter_settings(
        &self,
        caller: &Caller,
        library: &LibraryId,
        settings: MatterSettings,
    ) -> Result<MatterSettings> {
        let mut tx = self.store.begin().await?;
        self.require_template_rights(tx.conn(), caller, library)
            .await?;
        if let Some(n) = settings.matter_type_field {
            MatterSettings::check_matter_type_field(n)?;
        } else if !settings.templates.is_empty() {
            return Err(DomainError::invalid(
                "matter_type_field",
                "matter types are mapped to templates, so the field that names them is required",
            ));
        }
        for (field, number) in settings
            .templates
            .values()
            .map(|n| ("templates", *n))
            .chain(settings.default_template.map(|n| ("default_template", n)))
        {
            let id = ContainerId::new(library.clone(), number);
            self.template_for(tx.conn(), library, &id, field).await?;
        }
        let before = dossier_store::matter_settings::get(tx.conn(), library).await?;
        dossier_store::matter_settings::put(tx.conn(), library, &settings).await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::MatterSettingsUpdate,
                target: Some(library.to_string()),
                outcome: AuditOutcome::Success,
                detail: json!({"before": settings_json(&before), "after": settings_json(&settings)}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(settings)
    }

    /// POST …/workspaces: a new workspace, from the template named or the one the library
    /// maps its matter type to (with its profile under the caller's, its security and its
    /// tree), or a bare one when neither applies.
    pub async fn create_workspace(
        &self,
        caller: &Caller,
        library: &LibraryId,
        new: NewContainer,
        from: TemplateChoice,
    ) -> Result<Container> {
        // A new workspace is its creator's; naming someone else its owner is for a system
        // administrator (iManage's rule), so no one hands a matter to another unasked.
        if let Some(owner) = &new.changes.owner
            && !caller.is_admin
            && !owner.eq_ignore_ascii_case(&caller.user_id)
        {
            return Err(DomainError::Forbidden(
                "naming another user as a new workspace's owner needs administrator rights".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        let settings = dossier_store::matter_settings::get(tx.conn(), library).await?;
        let template = match &from.template {
            Some(id) => Some(
                self.template_for(tx.conn(), library, id, "template_id")
                    .await?,
            ),
            None => match settings.template_for(&customs_of(&new.changes)) {
                Some(n) => Some(
                    dossier_store::containers::get(
                        tx.conn(),
                        &ContainerId::new(library.clone(), n),
                    )
                    .await?
                    .filter(|t| t.is_template)
                    .ok_or_else(|| {
                        DomainError::internal(format!("the mapped template {n} is missing"))
                    })?,
                ),
                None => None,
            },
        };
        let new = match &template {
            None => new,
            Some(t) => {
                let trustees = if new.trustees.is_empty() {
                    dossier_store::catalog::trustees(
                        tx.conn(),
                        library,
                        TrusteeOwner::Container,
                        t.id.number,
                    )
                    .await?
                } else {
                    new.trustees
                };
                NewContainer {
                    changes: overlay(profile_of(t), new.changes),
                    trustees,
                    search_profile: None,
                }
            }
        };
        if settings.unique_matters {
            self.refuse_second_matter(tx.conn(), caller, library, &customs_of(&new.changes), None)
                .await?;
        }
        let w = self
            .insert_container(
                tx.conn(),
                caller,
                Place::Top(library, Side::Matters),
                ContainerKind::Workspace,
                new,
            )
            .await?;
        if let Some(t) = &template {
            self.copy_tree(tx.conn(), caller, t, &w, from.folders)
                .await?;
        }
        tx.commit().await?;
        Ok(w)
    }

    /// A library that keeps client + matter unique refuses a second workspace for them (a
    /// new one, or `this` one changed to them), naming the first when the caller may read it.
    pub(crate) async fn refuse_second_matter(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        library: &LibraryId,
        customs: &CustomValues,
        this: Option<i64>,
    ) -> Result<()> {
        let (Some(client), Some(matter)) = (customs.client(), customs.matter()) else {
            return Ok(());
        };
        let query = ContainerQuery {
            kinds: vec![ContainerKind::Workspace],
            customs: vec![
                (1, CustomValue::Text(client.to_string())),
                (2, CustomValue::Text(matter.to_string())),
            ],
            ..ContainerQuery::default()
        };
        let page = Page {
            limit: 2,
            ..Page::default()
        };
        let Some(first) = dossier_store::containers::search(conn, library, &query, None, page)
            .await?
            .0
            .into_iter()
            .find(|w| Some(w.id.number) != this)
        else {
            return Ok(());
        };
        let message = format!("client {client} matter {matter} has a workspace already");
        Err(
            match self.container_for(conn, caller, &first.id, Read).await {
                Ok(_) => DomainError::Exists {
                    message,
                    existing: first.id.to_string(),
                },
                Err(_) => DomainError::Conflict(message),
            },
        )
    }

    /// Copies the chosen part of template `t`'s tree under the new container `w`: each
    /// container's profile, default profile, saved search and own security — and, when `w`
    /// is itself a template (a sandbox's copy), which folders are required.
    pub(crate) async fn copy_tree(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        t: &Container,
        w: &Container,
        folders: TemplateFolders,
    ) -> Result<()> {
        let tree = tree_of(conn, t).await?;
        let mut made: BTreeMap<i64, Container> = BTreeMap::new();
        made.insert(t.id.number, w.clone());
        for source in chosen(&tree, t.id.number, folders) {
            let parent = source
                .parent
                .and_then(|p| made.get(&p))
                .ok_or_else(|| DomainError::internal("a template folder's parent was not copied"))?
                .clone();
            let trustees = dossier_store::catalog::trustees(
                conn,
                &t.id.library,
                TrusteeOwner::Container,
                source.id.number,
            )
            .await?;
            let mut changes = profile_of(source);
            // A folder that inherits keeps inheriting, now from its new parent.
            changes.default_security = Some(source.default_security);
            if w.is_template {
                changes.required = Some(source.required);
            }
            let copy = self
                .insert_container(
                    conn,
                    caller,
                    Place::Under(&parent),
                    source.kind,
                    NewContainer {
                        changes,
                        trustees,
                        search_profile: source.search_profile.clone(),
                    },
                )
                .await?;
            made.insert(source.id.number, copy);
        }
        Ok(())
    }
}

/// The settings as the audit log records them.
fn settings_json(s: &MatterSettings) -> serde_json::Value {
    json!({
        "matter_type_field": s.matter_type_field.map(|n| format!("custom{n}")),
        "templates": s.templates,
        "default_template": s.default_template,
        "unique_matters": s.unique_matters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dossier_core::DefaultSecurity;

    fn node(n: i64, parent: Option<i64>, required: bool) -> Container {
        Container {
            id: ContainerId::new(LibraryId::parse("L").unwrap(), n),
            kind: ContainerKind::Folder,
            parent,
            workspace: 1,
            name: format!("f{n}"),
            description: String::new(),
            owner: "A".into(),
            author: None,
            class: None,
            subclass: None,
            default_security: DefaultSecurity::Inherit,
            email: None,
            view_type: "document".into(),
            default_profile: None,
            search_profile: None,
            create_date: chrono::DateTime::UNIX_EPOCH,
            edit_date: chrono::DateTime::UNIX_EPOCH,
            acl: 0,
            customs: CustomValues::default(),
            project_customs: Default::default(),
            is_template: true,
            required,
        }
    }

    fn numbers(v: Vec<&Container>) -> Vec<i64> {
        v.into_iter().map(|c| c.id.number).collect()
    }

    #[test]
    fn parents_come_before_children_and_required_folders_keep_their_ancestors() {
        // 1 ─┬─ 2 ── 3 (required)
        //    ├─ 4
        //    └─ 5 (required) ── 6
        let tree = vec![
            node(2, Some(1), false),
            node(3, Some(2), true),
            node(4, Some(1), false),
            node(5, Some(1), true),
            node(6, Some(5), false),
        ];
        assert_eq!(
            numbers(chosen(&tree, 1, TemplateFolders::All)),
            vec![2, 3, 4, 5, 6]
        );
        assert_eq!(
            numbers(chosen(&tree, 1, TemplateFolders::RequiredOnly)),
            vec![2, 3, 5]
        );
    }
}
