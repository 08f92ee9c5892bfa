//! Workspaces, tabs, folders and search folders: create, read, change, move, delete, list.

use dossier_core::access::AclKey;
use dossier_core::changes::{ContainerChanges, SavedSearch};
use dossier_core::custom::{CLIENT, MATTER};
use dossier_core::model::{Container, ContainerKind, DocumentView, Trustee, TrusteeOwner};
use dossier_core::security::SecuredObject;
use dossier_core::{ContainerId, DefaultSecurity, DomainError, LibraryId};

use crate::access::{ChangeSecurity, Edit, Read};
use dossier_core::query::{ContainerQuery, DocumentQuery, Templates};
use dossier_store::AnyConnection;
use dossier_store::libraries::Numbering;
use dossier_store::nvps::NvpOwner;

use crate::documents::NvpChanges;
use crate::events::{Change, emit};
use crate::profile::{validate_customs, validate_user};
use crate::{Caller, Dossier, Page, Result, trustees};

/// One entry of a folder's children: a subfolder or a document. Lists of these live for one
/// response, so boxing to even out the variants' sizes buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Child {
    Container(Container),
    Document(DocumentView),
}

/// Subcontainers read in one go for a children listing.
const SUBCONTAINERS: i64 = 10_000;

fn apply(c: &mut Container, ch: &ContainerChanges) {
    if let Some(v) = &ch.name {
        c.name = v.clone();
    }
    if let Some(v) = &ch.description {
        c.description = v.clone();
    }
    if let Some(v) = &ch.owner {
        c.owner = v.clone();
    }
    if let Some(v) = &ch.author {
        c.author = Some(v.clone());
    }
    if let Some(v) = &ch.class {
        c.class = Some(v.clone());
    }
    if let Some(v) = &ch.subclass {
        c.subclass = v.clone();
    }
    if let Some(v) = ch.default_security {
        c.default_security = v;
    }
    if let Some(v) = &ch.email {
        c.email = Some(v.prefix_for(&c.id));
    }
    if let Some(v) = &ch.view_type {
        c.view_type = v.clone();
    }
    if let Some(v) = &ch.default_profile {
        c.default_profile = Some(v.clone());
    }
    for (n, v) in &ch.customs {
        c.customs.set(*n, v.clone());
    }
    for (field, change) in c.project_customs.iter_mut().zip(&ch.project_customs) {
        if let Some(v) = change {
            field.clone_from(v);
        }
    }
    if let Some(v) = ch.required {
        c.required = v;
    }
}

async fn validate(conn: &mut AnyConnection, c: &Container, ch: &ContainerChanges) -> Result<()> {
    if ch.required == Some(true) && !(c.is_template && c.kind != ContainerKind::Workspace) {
        return Err(DomainError::invalid(
            "required",
            "only the folders of a workspace template can be required",
        ));
    }
    if c.kind == ContainerKind::Workspace
        && !DefaultSecurity::allowed_on(SecuredObject::Workspace).contains(&c.default_security)
    {
        return Err(DomainError::invalid(
            "default_security",
            "a workspace has no parent to inherit security from: use public, view or private",
        ));
    }
    for (field, user) in [("owner", &ch.owner), ("author", &ch.author)] {
        if let Some(u) = user {
            validate_user(conn, field, u).await?;
        }
    }
    if let Some(class) = &c.class
        && ch.class.is_some()
        && !dossier_store::catalog::classes(conn, &c.id.library)
            .await?
            .iter()
            .any(|k| &k.alias == class)
    {
        return Err(DomainError::invalid(
            "class",
            format!("'{class}' is not a class of library {}", c.id.library),
        ));
    }
    validate_customs(conn, &c.id.library, &ch.customs, &c.customs).await
}

/// A new workspace, tab, folder or search folder.
#[derive(Clone, Debug, Default)]
pub struct NewContainer {
    /// Its profile; a name is required.
    pub changes: ContainerChanges,
    /// Its own security, when it has any.
    pub trustees: Vec<Trustee>,
    /// A search folder's saved search (required for one, ignored for the others).
    pub search_profile: Option<SavedSearch>,
}

/// Which side of the template line a new workspace is on (a child is on its parent's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Matters,
    Templates,
}

/// Where a new container goes.
#[derive(Clone, Copy)]
pub(crate) enum Place<'a> {
    /// A workspace or a template, at the top of a library.
    Top(&'a LibraryId, Side),
    /// Under a container the caller was checked to be able to edit.
    Under(&'a Container),
}

impl Dossier {
    /// POST …/workspaces/{id}/folders, …/tabs, …/search-folders and …/folders/{id}/subfolders
    pub async fn create_child(
        &self,
        caller: &Caller,
        parent: &ContainerId,
        kind: ContainerKind,
        new: NewContainer,
    ) -> Result<Container> {
        self.create_container(caller, &parent.library, Some(parent.number), kind, new)
            .await
    }

    /// Whether the caller may create folders or tabs under `parent`: the checks a creation
    /// makes first, asked ahead so a surface offers creating only where it would pass. A
    /// container the caller may not read stays missing.
    pub async fn may_create_in(&self, caller: &Caller, parent: &ContainerId) -> Result<bool> {
        let mut conn = self.store.read().await?;
        let refused = |e: DomainError| match e {
            DomainError::Forbidden(_) => Ok(false),
            other => Err(other),
        };
        let p = match self.container_for(&mut conn, caller, parent, Edit).await {
            Ok(p) => p,
            Err(e) => return refused(e),
        };
        match self.guard_template(&mut conn, caller, &p).await {
            Ok(()) => Ok(true),
            Err(e) => refused(e),
        }
    }

    async fn create_container(
        &self,
        caller: &Caller,
        library: &LibraryId,
        parent: Option<i64>,
        kind: ContainerKind,
        new: NewContainer,
    ) -> Result<Container> {
        let mut tx = self.store.begin().await?;
        let parent = match parent {
            None => None,
            Some(p) => Some(
                self.container_for(
                    tx.conn(),
                    caller,
                    &ContainerId::new(library.clone(), p),
                    Edit,
                )
                .await?,
            ),
        };
        if let Some(p) = &parent {
            self.guard_template(tx.conn(), caller, p).await?;
        }
        let place = match parent.as_deref() {
            Some(p) => Place::Under(p),
            None => Place::Top(library, Side::Matters),
        };
        let c = self
            .insert_container(tx.conn(), caller, place, kind, new)
            .await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Writes a new container at `place`, with its security, change event and report
    /// snapshot. A child is on its parent's side of the template line.
    pub(crate) async fn insert_container(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        place: Place<'_>,
        kind: ContainerKind,
        new: NewContainer,
    ) -> Result<Container> {
        let (library, parent, side) = match place {
            Place::Top(library, side) => (library, None, side),
            Place::Under(p) => (&p.id.library, Some(p), Side::Matters),
        };
        let NewContainer {
            changes,
            trustees,
            search_profile,
        } = new;
        if changes.name.is_none() {
            return Err(DomainError::required("name"));
        }
        let search_profile = match (kind, search_profile) {
            (ContainerKind::SearchFolder, None) => {
                return Err(DomainError::required("searchprofile"));
            }
            (ContainerKind::SearchFolder, saved) => saved,
            _ => None,
        };
        if changes.default_profile.is_some() && kind == ContainerKind::Workspace {
            return Err(DomainError::invalid(
                "profile",
                "a workspace has no default profile; its profile fields are its own",
            ));
        }
        let now = self.now();
        if let Some(parent) = parent {
            let allowed = match kind {
                ContainerKind::Tab => parent.kind == ContainerKind::Workspace,
                ContainerKind::Folder | ContainerKind::SearchFolder => {
                    parent.kind != ContainerKind::SearchFolder
                }
                ContainerKind::Workspace => false,
            };
            if !allowed {
                return Err(DomainError::invalid(
                    "parent",
                    format!(
                        "a {} cannot be created in a {}",
                        kind.as_str(),
                        parent.kind.as_str()
                    ),
                ));
            }
        }
        let number =
            dossier_store::libraries::next_number(conn, library, Numbering::Container).await?;
        let mut c = Container {
            id: ContainerId::new(library.clone(), number),
            kind,
            parent: parent.map(|p| p.id.number),
            workspace: parent.map_or(number, |p| p.workspace),
            name: String::new(),
            description: String::new(),
            owner: caller.user_id.clone(),
            author: None,
            class: None,
            subclass: None,
            default_security: if kind == ContainerKind::Workspace {
                DefaultSecurity::Public
            } else {
                DefaultSecurity::Inherit
            },
            email: None,
            view_type: "document".into(),
            default_profile: None,
            search_profile,
            create_date: now,
            edit_date: now,
            acl: -1,
            customs: Default::default(),
            project_customs: Default::default(),
            is_template: parent.map_or(side == Side::Templates, |p| p.is_template),
            required: false,
        };
        apply(&mut c, &changes);
        validate(conn, &c, &changes).await?;
        let (acl, owns_acl) = crate::acl_keys::key_for_new(
            conn,
            library,
            AclKey::Container(number),
            &mut c.default_security,
            !trustees.is_empty(),
            parent.map(|p| p.acl),
        )
        .await?;
        c.acl = acl;
        trustees::validate(conn, &trustees).await?;
        dossier_store::containers::insert(conn, &c).await?;
        dossier_store::catalog::set_trustees(
            conn,
            library,
            TrusteeOwner::Container,
            number,
            &trustees,
        )
        .await?;
        emit(
            conn,
            caller,
            now,
            if kind == ContainerKind::Workspace {
                Change::WorkspaceCreated {
                    workspace: c.id.clone(),
                }
            } else {
                Change::ContainerCreated {
                    container: c.id.clone(),
                    parent: c.parent.map(|p| ContainerId::new(library.clone(), p)),
                    workspace: ContainerId::new(library.clone(), c.workspace),
                }
            },
        )
        .await?;
        if owns_acl {
            crate::acl_keys::security_changed(
                conn,
                caller,
                now,
                Change::ContainerSecurityChanged {
                    container: c.id.clone(),
                },
            )
            .await?;
        }
        crate::reports::record_workspace(conn, caller.customer_id, &c, now).await?;
        Ok(c)
    }

    /// GET …/workspaces/{id}, …/folders/{id}, …/containers/{id}
    pub async fn container(
        &self,
        caller: &Caller,
        id: &ContainerId,
        kinds: &[ContainerKind],
    ) -> Result<Container> {
        let mut conn = self.store.read().await?;
        Ok(self
            .container_kind_for(&mut conn, caller, id, kinds, Read)
            .await?
            .into_inner())
    }

    /// Whether a container has subfolders and documents (single-object responses show it).
    /// Counts only what the caller may read, so the flags reveal nothing else.
    pub async fn container_contents(
        &self,
        caller: &Caller,
        id: &ContainerId,
    ) -> Result<(bool, bool)> {
        let visible = self.visibility(caller, &id.library).await?;
        let mut conn = self.store.read().await?;
        let one = Page {
            limit: 1,
            offset: 0,
            after: None,
            want_total: false,
        };
        let filter = ContainerQuery {
            parent: Some(id.number),
            templates: Templates::Included,
            ..Default::default()
        };
        let subfolders = !dossier_store::containers::search(
            &mut conn,
            &id.library,
            &filter,
            visible.as_ref(),
            one,
        )
        .await?
        .0
        .is_empty();
        let docs = DocumentQuery {
            folders: Some(vec![id.number]),
            ..Default::default()
        };
        let documents =
            !dossier_store::documents::search(&mut conn, &id.library, &docs, visible.as_ref(), one)
                .await?
                .0
                .is_empty();
        Ok((subfolders, documents))
    }

    /// PATCH …/workspaces/{id}, …/folders/{id}
    pub async fn update_container(
        &self,
        caller: &Caller,
        id: &ContainerId,
        kinds: &[ContainerKind],
        changes: &ContainerChanges,
    ) -> Result<Container> {
        let mut tx = self.store.begin().await?;
        let mut c = self
            .container_kind_for(tx.conn(), caller, id, kinds, Edit)
            .await?;
        self.guard_template(tx.conn(), caller, &c).await?;
        if changes.default_profile.is_some() && c.kind == ContainerKind::Workspace {
            return Err(DomainError::invalid(
                "profile",
                "a workspace has no default profile; its profile fields are its own",
            ));
        }
        let resecured = changes
            .default_security
            .is_some_and(|d| d != c.default_security);
        if resecured {
            self.container_kind_for(tx.conn(), caller, id, kinds, ChangeSecurity)
                .await?;
        }
        apply(&mut c, changes);
        c.edit_date = self.now();
        validate(tx.conn(), &c, changes).await?;
        let names_matter = changes
            .customs
            .iter()
            .any(|(n, _)| [CLIENT, MATTER].contains(n));
        if c.kind == ContainerKind::Workspace
            && !c.is_template
            && names_matter
            && dossier_store::matter_settings::get(tx.conn(), &id.library)
                .await?
                .unique_matters
        {
            self.refuse_second_matter(tx.conn(), caller, &id.library, &c.customs, Some(id.number))
                .await?;
        }
        dossier_store::containers::update(tx.conn(), &c).await?;
        crate::reports::record_workspace(tx.conn(), caller.customer_id, &c, c.edit_date).await?;
        if resecured {
            crate::acl_keys::resecure_container(tx.conn(), &id.library, id.number).await?;
            crate::acl_keys::security_changed(
                tx.conn(),
                caller,
                c.edit_date,
                Change::ContainerSecurityChanged {
                    container: id.clone(),
                },
            )
            .await?;
        }
        emit(
            tx.conn(),
            caller,
            c.edit_date,
            if c.kind == ContainerKind::Workspace {
                Change::WorkspaceProfileUpdated {
                    workspace: id.clone(),
                }
            } else {
                Change::ContainerProfileUpdated {
                    container: id.clone(),
                    workspace: ContainerId::new(id.library.clone(), c.workspace),
                }
            },
        )
        .await?;
        tx.commit().await?;
        Ok(c.into_inner())
    }

    /// DELETE …/workspaces/{id}, …/folders/{id}: only when empty.
    pub async fn delete_container(
        &self,
        caller: &Caller,
        id: &ContainerId,
        kinds: &[ContainerKind],
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let c = self
            .container_kind_for(tx.conn(), caller, id, kinds, Edit)
            .await?;
        self.guard_template(tx.conn(), caller, &c).await?;
        if c.is_template && c.kind == ContainerKind::Workspace {
            return Err(DomainError::invalid(
                "id",
                format!(
                    "{id} is a workspace template: templates are removed with DELETE …/templates/{id}"
                ),
            ));
        }
        if c.kind == ContainerKind::Workspace
            && let Some(hold) = dossier_store::holds::get(
                tx.conn(),
                &dossier_core::disposal::HoldTarget::Workspace(id.clone()),
            )
            .await?
        {
            return Err(hold.refusal(&format!("workspace {id}")));
        }
        if dossier_store::containers::count_children(tx.conn(), id).await? > 0
            || dossier_store::documents::count_in_folder(tx.conn(), &id.library, id.number).await?
                > 0
        {
            return Err(DomainError::Conflict(format!(
                "{} {id} is not empty: remove its folders and documents first",
                c.kind.as_str()
            )));
        }
        self.remove_container(tx.conn(), caller, &c).await?;
        tx.commit().await
    }

    /// Removes an empty container: its row, name-value pairs and trustees, with its change
    /// event and, for a workspace, the reports' record.
    pub(crate) async fn remove_container(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        c: &Container,
    ) -> Result<()> {
        dossier_store::containers::delete(conn, &c.id).await?;
        if c.kind == ContainerKind::Workspace {
            crate::reports::record_workspace_deleted(
                conn,
                caller.customer_id,
                &c.id.library,
                c.id.number,
                self.now(),
            )
            .await?;
        }
        dossier_store::nvps::remove_all(conn, &c.id.library, NvpOwner::Container(c.id.number))
            .await?;
        dossier_store::catalog::remove_trustees(
            conn,
            &c.id.library,
            TrusteeOwner::Container,
            c.id.number,
        )
        .await?;
        // Shortcuts in My Matters and My Favorites go with their workspace or folder.
        dossier_store::shortcuts::delete_to(
            conn,
            &c.id.library,
            if c.kind == ContainerKind::Workspace {
                dossier_core::matters::TargetKind::Workspace
            } else {
                dossier_core::matters::TargetKind::Folder
            },
            c.id.number,
        )
        .await?;
        emit(
            conn,
            caller,
            self.now(),
            if c.kind == ContainerKind::Workspace {
                Change::WorkspaceDeleted {
                    workspace: c.id.clone(),
                }
            } else {
                Change::ContainerDeleted {
                    container: c.id.clone(),
                    parent: c.parent.map(|p| ContainerId::new(c.id.library.clone(), p)),
                    workspace: ContainerId::new(c.id.library.clone(), c.workspace),
                }
            },
        )
        .await?;
        Ok(())
    }

    /// POST …/folders/{id}/move: under another workspace, folder or tab of the same library.
    pub async fn move_container(
        &self,
        caller: &Caller,
        id: &ContainerId,
        destination: &ContainerId,
    ) -> Result<Container> {
        if destination.library != id.library {
            return Err(DomainError::invalid(
                "destination_id",
                "a folder can only be moved within its library",
            ));
        }
        let mut tx = self.store.begin().await?;
        let mut c = self
            .container_kind_for(
                tx.conn(),
                caller,
                id,
                &[
                    ContainerKind::Folder,
                    ContainerKind::Tab,
                    ContainerKind::SearchFolder,
                ],
                Edit,
            )
            .await?;
        self.guard_template(tx.conn(), caller, &c).await?;
        let dest = match self
            .container_for(tx.conn(), caller, destination, Edit)
            .await
        {
            Ok(d) => d,
            Err(DomainError::NotFound(_)) => {
                return Err(DomainError::invalid(
                    "destination_id",
                    format!("{destination} is not a workspace or folder"),
                ));
            }
            Err(e) => return Err(e),
        };
        if dest.kind == ContainerKind::SearchFolder
            || (c.kind == ContainerKind::Tab && dest.kind != ContainerKind::Workspace)
        {
            return Err(DomainError::invalid(
                "destination_id",
                format!(
                    "a {} cannot be moved into a {}",
                    c.kind.as_str(),
                    dest.kind.as_str()
                ),
            ));
        }
        if dest.is_template != c.is_template {
            return Err(DomainError::invalid(
                "destination_id",
                "a folder moves between matters or within templates, not from one to the other",
            ));
        }
        if dossier_store::containers::is_within(tx.conn(), destination, id.number).await? {
            return Err(DomainError::invalid(
                "destination_id",
                "a folder cannot be moved under itself or one of its own subfolders",
            ));
        }
        let old_parent = c.parent;
        c.parent = Some(dest.id.number);
        c.edit_date = self.now();
        if c.workspace != dest.workspace {
            dossier_store::containers::set_workspace_of_subtree(tx.conn(), id, dest.workspace)
                .await?;
            c.workspace = dest.workspace;
        }
        dossier_store::containers::update(tx.conn(), &c).await?;
        // An inheriting folder now inherits from its new parent.
        crate::acl_keys::resecure_container(tx.conn(), &id.library, id.number).await?;
        emit(
            tx.conn(),
            caller,
            c.edit_date,
            Change::ContainerMoved {
                container: id.clone(),
                from: old_parent.map(|p| ContainerId::new(id.library.clone(), p)),
                workspace: ContainerId::new(id.library.clone(), c.workspace),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(c.into_inner())
    }

    /// GET …/folders/{id}/path: the containers from the workspace down to this one.
    pub async fn container_path(
        &self,
        caller: &Caller,
        id: &ContainerId,
    ) -> Result<Vec<Container>> {
        let mut conn = self.store.read().await?;
        self.container_for(&mut conn, caller, id, Read).await?;
        let chain = dossier_store::containers::ancestors(&mut conn, id).await?;
        drop(conn);
        self.readable_containers(caller, &id.library, chain).await
    }

    /// Keeps the containers of a path (workspace first) the caller may read.
    pub(crate) async fn readable_containers(
        &self,
        caller: &Caller,
        library: &LibraryId,
        list: Vec<Container>,
    ) -> Result<Vec<Container>> {
        let Some(v) = self.visibility(caller, library).await? else {
            return Ok(list);
        };
        let mut conn = self.store.read().await?;
        // A path lies in one workspace: load it once, not once per container.
        let mut workspaces: std::collections::HashMap<i64, Container> = Default::default();
        let mut out = Vec::with_capacity(list.len());
        for c in list {
            if let std::collections::hash_map::Entry::Vacant(e) = workspaces.entry(c.workspace) {
                e.insert(crate::access::workspace_of(&mut conn, &c).await?);
            }
            let ws = &workspaces[&c.workspace];
            if crate::access::admits(&v, c.acl, &c.owner, &crate::access::container_facts(&c, ws)) {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// GET …/workspaces/{id}/children and …/folders/{id}/children: subcontainers first, then
    /// the documents filed there; one page over both.
    pub async fn children(
        &self,
        caller: &Caller,
        id: &ContainerId,
        page: Page,
    ) -> Result<(Vec<Child>, Option<i64>)> {
        let visible = self.visibility(caller, &id.library).await?;
        let mut conn = self.store.read().await?;
        let c = self.container_for(&mut conn, caller, id, Read).await?;
        let filter = ContainerQuery {
            parent: Some(id.number),
            templates: Templates::Included,
            ..Default::default()
        };
        let (containers, _) = dossier_store::containers::search(
            &mut conn,
            &id.library,
            &filter,
            visible.as_ref(),
            Page {
                limit: SUBCONTAINERS,
                offset: 0,
                after: None,
                want_total: false,
            },
        )
        .await?;
        // Counted only when the list could be cut short; usually its length is the total.
        let container_total = if containers.len() as i64 == SUBCONTAINERS {
            let mut conn = self.store.read().await?;
            let all = Page {
                limit: 1,
                offset: 0,
                after: None,
                want_total: true,
            };
            dossier_store::containers::search(
                &mut conn,
                &id.library,
                &filter,
                visible.as_ref(),
                all,
            )
            .await?
            .1
            .unwrap_or(0)
        } else {
            containers.len() as i64
        };
        drop(conn);
        let mut out: Vec<Child> = containers
            .into_iter()
            .skip(page.offset as usize)
            .take(page.limit as usize)
            .map(Child::Container)
            .collect();
        let mut total = container_total;
        if c.kind.holds_documents() {
            let remaining = page.limit - out.len() as i64;
            let doc_offset = (page.offset - container_total).max(0);
            let doc_page = Page {
                limit: remaining.max(1),
                offset: doc_offset,
                after: None,
                want_total: page.want_total,
            };
            let (docs, doc_total) = self
                .documents_in(
                    caller,
                    &id.library,
                    &DocumentQuery {
                        folders: Some(vec![id.number]),
                        ..Default::default()
                    },
                    doc_page,
                )
                .await?;
            total += doc_total.unwrap_or(0);
            if remaining > 0 {
                out.extend(docs.into_iter().map(Child::Document));
            }
        }
        Ok((out, page.want_total.then_some(total)))
    }

    /// GET/POST …/workspaces/search and GET …/workspaces, …/folders
    pub async fn search_containers(
        &self,
        caller: &Caller,
        library: &LibraryId,
        query: &ContainerQuery,
        page: Page,
    ) -> Result<(Vec<Container>, Option<i64>)> {
        let visible = self.visibility(caller, library).await?;
        let mut conn = self.store.read().await?;
        dossier_store::containers::search(&mut conn, library, query, visible.as_ref(), page).await
    }

    /// Every container number in the subtree of `root` (for `include_subtree` searches).
    pub async fn subtree(&self, caller: &Caller, root: &ContainerId) -> Result<Vec<i64>> {
        let mut conn = self.store.read().await?;
        self.container_for(&mut conn, caller, root, Read).await?;
        dossier_store::containers::subtree(&mut conn, root).await
    }

    pub async fn container_nvps(
        &self,
        caller: &Caller,
        id: &ContainerId,
    ) -> Result<Vec<(String, String)>> {
        let mut conn = self.store.read().await?;
        self.container_for(&mut conn, caller, id, Read).await?;
        dossier_store::nvps::list(&mut conn, &id.library, NvpOwner::Container(id.number)).await
    }

    pub async fn update_container_nvps(
        &self,
        caller: &Caller,
        id: &ContainerId,
        pairs: &NvpChanges,
    ) -> Result<Vec<(String, String)>> {
        let mut tx = self.store.begin().await?;
        let c = self.container_for(tx.conn(), caller, id, Edit).await?;
        crate::documents::write_nvps(
            tx.conn(),
            &id.library,
            NvpOwner::Container(id.number),
            pairs,
        )
        .await?;
        emit(
            tx.conn(),
            caller,
            self.now(),
            if c.kind == ContainerKind::Workspace {
                Change::WorkspaceUpdated {
                    workspace: id.clone(),
                }
            } else {
                Change::ContainerUpdated {
                    container: id.clone(),
                    workspace: ContainerId::new(id.library.clone(), c.workspace),
                }
            },
        )
        .await?;
        let out = dossier_store::nvps::list(tx.conn(), &id.library, NvpOwner::Container(id.number))
            .await?;
        tx.commit().await?;
        Ok(out)
    }
}
