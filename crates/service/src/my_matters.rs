//! My Matters and My Favorites: each user's categories of shortcuts to workspaces, folders
//! and documents. A user manages their own; an administrator may manage anyone's (the admin
//! connector adds workspaces to a lawyer's My Matters); to anyone else another user's
//! categories do not exist. A list shows only the shortcuts whose targets the viewer may
//! read now: a target re-secured or deleted since drops out of the list, which never fails
//! for it nor names or counts it.

use dossier_core::matters::{Category, CategoryKind, Shortcut, TargetKind};
use dossier_core::model::{Container, ContainerKind, Document};
use dossier_core::{ContainerId, DocumentRef, DomainError, LibraryId};
use dossier_store::AnyConnection;
use dossier_store::acl::Visible;
use dossier_store::libraries::Numbering;

use crate::access::{Read, admits, container_facts, document_facts, workspace_of};
use crate::{Caller, Dossier, Result};

/// Whose categories a request is about: `me` or a user id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CategoryOwner {
    Me,
    User(String),
}

/// A shortcut with what it points at, as the viewer may see it.
#[derive(Clone, Debug)]
pub struct ShortcutView {
    pub shortcut: Shortcut,
    pub target: ShortcutTarget,
}

#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum ShortcutTarget {
    Container(Container),
    Document(Document),
}

/// A category's contents: the categories inside it (My Matters only) and its shortcuts.
#[derive(Clone, Debug)]
pub struct CategoryContents {
    pub category: Category,
    pub categories: Vec<(Category, bool)>,
    pub shortcuts: Vec<ShortcutView>,
}

/// Shortcuts one request may add.
pub const SHORTCUTS_PER_REQUEST: usize = 500;

fn root_name(kind: CategoryKind) -> &'static str {
    match kind {
        CategoryKind::MyMatters => "My Matters",
        CategoryKind::MyFavorites => "My Favorites",
        CategoryKind::Category => "Category",
    }
}

fn kinds_of(kind: TargetKind) -> &'static [ContainerKind] {
    match kind {
        TargetKind::Workspace => &[ContainerKind::Workspace],
        TargetKind::Folder => &[
            ContainerKind::Folder,
            ContainerKind::Tab,
            ContainerKind::SearchFolder,
        ],
        TargetKind::Document => &[],
    }
}

impl Dossier {
    /// The user whose categories these are: the caller's own, or, for an administrator,
    /// any user's. Another user's are not found for anyone else, as an object they cannot
    /// read.
    async fn category_owner(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        owner: &CategoryOwner,
    ) -> Result<String> {
        let user = match owner {
            CategoryOwner::Me => return Ok(caller.user_id.to_uppercase()),
            CategoryOwner::User(u) if u.eq_ignore_ascii_case(&caller.user_id) => {
                return Ok(caller.user_id.to_uppercase());
            }
            CategoryOwner::User(u) => u,
        };
        let not_found = || DomainError::not_found(format!("My Matters of user {user}"));
        if !caller.is_admin {
            return Err(not_found());
        }
        match dossier_store::users::get(conn, user).await? {
            Some(u) if u.customer_id == caller.customer_id => Ok(u.id.to_uppercase()),
            _ => Err(not_found()),
        }
    }

    /// A user's My Matters or My Favorites, made on first use.
    async fn root(
        &self,
        conn: &mut AnyConnection,
        library: &LibraryId,
        owner: &str,
        kind: CategoryKind,
    ) -> Result<Category> {
        if let Some(c) = dossier_store::shortcuts::root(conn, library, owner, kind).await? {
            return Ok(c);
        }
        let c = Category {
            id: ContainerId::new(
                library.clone(),
                dossier_store::libraries::next_number(conn, library, Numbering::Container).await?,
            ),
            kind,
            parent: None,
            owner: owner.to_string(),
            name: root_name(kind).to_string(),
            created: self.now(),
        };
        dossier_store::shortcuts::insert_category(conn, &c).await?;
        Ok(c)
    }

    /// The root, or one of its categories, named by `category`: another user's, or one of
    /// another root, is not found.
    async fn category_in(
        &self,
        conn: &mut AnyConnection,
        root: &Category,
        category: Option<&ContainerId>,
    ) -> Result<Category> {
        let Some(id) = category else {
            return Ok(root.clone());
        };
        match dossier_store::shortcuts::get_category(conn, id).await? {
            Some(c) if c.id == root.id || c.parent == Some(root.id.number) => Ok(c),
            _ => Err(DomainError::not_found(format!("category {id}"))),
        }
    }

    /// The contents of My Matters, My Favorites (`kind`) or a category in My Matters.
    pub async fn category_contents(
        &self,
        caller: &Caller,
        library: &LibraryId,
        owner: &CategoryOwner,
        kind: CategoryKind,
        category: Option<&ContainerId>,
    ) -> Result<CategoryContents> {
        let (owner, found) = {
            let mut conn = self.store.read().await?;
            let owner = self.category_owner(&mut conn, caller, owner).await?;
            let found = dossier_store::shortcuts::root(&mut conn, library, &owner, kind).await?;
            (owner, found)
        };
        // The root is made on first use, in a write of its own; the reading connection is
        // given back first, since a writer never waits for a reader.
        let root = match found {
            Some(r) => r,
            None => {
                let mut tx = self.store.begin().await?;
                let r = self.root(tx.conn(), library, &owner, kind).await?;
                tx.commit().await?;
                r
            }
        };
        let mut conn = self.store.read().await?;
        let category = self.category_in(&mut conn, &root, category).await?;
        let mut categories = Vec::new();
        for c in
            dossier_store::shortcuts::categories_in(&mut conn, library, category.id.number).await?
        {
            // Counted as the viewer sees it: a shortcut they may not read is not there.
            let has = !self
                .readable_shortcuts(&mut conn, caller, library, c.id.number)
                .await?
                .is_empty();
            categories.push((c, has));
        }
        let shortcuts = self
            .readable_shortcuts(&mut conn, caller, library, category.id.number)
            .await?;
        Ok(CategoryContents {
            category,
            categories,
            shortcuts,
        })
    }

    /// The shortcuts of a category whose targets the caller may read now.
    async fn readable_shortcuts(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        library: &LibraryId,
        category: i64,
    ) -> Result<Vec<ShortcutView>> {
        let visible = self.visibility_on(conn, caller, library).await?;
        let mut out = Vec::new();
        for s in dossier_store::shortcuts::in_category(conn, library, category).await? {
            if let Some(target) = readable_target(conn, visible.as_ref(), &s).await? {
                out.push(ShortcutView {
                    shortcut: s,
                    target,
                });
            }
        }
        Ok(out)
    }

    /// The categories in a user's My Matters, each with whether it holds anything.
    pub async fn my_matters_categories(
        &self,
        caller: &Caller,
        library: &LibraryId,
        owner: &CategoryOwner,
    ) -> Result<Vec<(Category, bool)>> {
        Ok(self
            .category_contents(caller, library, owner, CategoryKind::MyMatters, None)
            .await?
            .categories)
    }

    /// A new category in a user's My Matters; a name the user already has is a conflict.
    pub async fn create_category(
        &self,
        caller: &Caller,
        library: &LibraryId,
        owner: &CategoryOwner,
        name: &str,
    ) -> Result<Category> {
        let name = name.trim();
        if name.is_empty() {
            return Err(DomainError::invalid("name", "a category needs a name"));
        }
        dossier_core::limits::check_len("name", name, dossier_core::limits::NAME_MAX)?;
        let mut tx = self.store.begin().await?;
        let owner = self.category_owner(tx.conn(), caller, owner).await?;
        let root = self
            .root(tx.conn(), library, &owner, CategoryKind::MyMatters)
            .await?;
        let existing =
            dossier_store::shortcuts::categories_in(tx.conn(), library, root.id.number).await?;
        if existing.iter().any(|c| c.name.eq_ignore_ascii_case(name)) {
            return Err(DomainError::Conflict(format!(
                "My Matters already has a category named '{name}'"
            )));
        }
        let c = Category {
            id: ContainerId::new(
                library.clone(),
                dossier_store::libraries::next_number(tx.conn(), library, Numbering::Container)
                    .await?,
            ),
            kind: CategoryKind::Category,
            parent: Some(root.id.number),
            owner,
            name: name.to_string(),
            created: self.now(),
        };
        dossier_store::shortcuts::insert_category(tx.conn(), &c).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Deletes a category of a user's My Matters with its shortcuts (never their targets).
    pub async fn delete_category(
        &self,
        caller: &Caller,
        library: &LibraryId,
        owner: &CategoryOwner,
        id: &ContainerId,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let owner = self.category_owner(tx.conn(), caller, owner).await?;
        let root = self
            .root(tx.conn(), library, &owner, CategoryKind::MyMatters)
            .await?;
        let c = self.category_in(tx.conn(), &root, Some(id)).await?;
        if c.id == root.id {
            return Err(DomainError::Forbidden(
                "My Matters itself cannot be deleted".into(),
            ));
        }
        dossier_store::shortcuts::delete_category(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds shortcuts to My Matters, My Favorites (`kind`) or a category of My Matters. The
    /// caller must be able to read each target; a shortcut already there is answered as it
    /// is (adding twice changes nothing).
    pub async fn add_shortcuts(
        &self,
        caller: &Caller,
        library: &LibraryId,
        owner: &CategoryOwner,
        kind: CategoryKind,
        category: Option<&ContainerId>,
        targets: &[(TargetKind, i64)],
    ) -> Result<Vec<Shortcut>> {
        if targets.is_empty() {
            return Err(DomainError::invalid(
                "workspace_id",
                "name at least one workspace, folder or document to add",
            ));
        }
        if targets.len() > SHORTCUTS_PER_REQUEST {
            return Err(DomainError::invalid(
                "workspace_id",
                format!("at most {SHORTCUTS_PER_REQUEST} shortcuts per request"),
            ));
        }
        let mut tx = self.store.begin().await?;
        let owner = self.category_owner(tx.conn(), caller, owner).await?;
        let root = self.root(tx.conn(), library, &owner, kind).await?;
        let category = self.category_in(tx.conn(), &root, category).await?;
        let mut out = Vec::with_capacity(targets.len());
        for &(kind, number) in targets {
            match kind {
                TargetKind::Document => {
                    let r = DocumentRef {
                        library: library.clone(),
                        number,
                        version: None,
                    };
                    self.document_for(tx.conn(), caller, &r, Read).await?;
                }
                TargetKind::Workspace | TargetKind::Folder => {
                    let id = ContainerId::new(library.clone(), number);
                    self.container_kind_for(tx.conn(), caller, &id, kinds_of(kind), Read)
                        .await?;
                }
            }
            if let Some(s) =
                dossier_store::shortcuts::find(tx.conn(), library, category.id.number, kind, number)
                    .await?
            {
                out.push(s);
                continue;
            }
            let s = Shortcut {
                id: ContainerId::new(
                    library.clone(),
                    dossier_store::libraries::next_number(tx.conn(), library, Numbering::Container)
                        .await?,
                ),
                category: category.id.number,
                owner: owner.clone(),
                kind,
                target: number,
                created: self.now(),
            };
            dossier_store::shortcuts::insert(tx.conn(), &s).await?;
            out.push(s);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Removes a shortcut from My Matters (or one of its categories) or My Favorites.
    pub async fn remove_shortcut(
        &self,
        caller: &Caller,
        library: &LibraryId,
        owner: &CategoryOwner,
        kind: CategoryKind,
        id: &ContainerId,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let owner = self.category_owner(tx.conn(), caller, owner).await?;
        let root = self.root(tx.conn(), library, &owner, kind).await?;
        let shortcut = dossier_store::shortcuts::get(tx.conn(), id).await?;
        let Some(s) = shortcut else {
            return Err(DomainError::not_found(format!("shortcut {id}")));
        };
        let category = dossier_store::shortcuts::get_category(
            tx.conn(),
            &ContainerId::new(library.clone(), s.category),
        )
        .await?;
        let in_root = category.is_some_and(|c| c.id == root.id || c.parent == Some(root.id.number));
        if !in_root {
            return Err(DomainError::not_found(format!("shortcut {id}")));
        }
        dossier_store::shortcuts::delete(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The target of a shortcut if it still exists and the list's visibility admits it: the
/// rule the list filters write in SQL, applied in memory to the few rows of a category.
async fn readable_target(
    conn: &mut AnyConnection,
    visible: Option<&Visible>,
    s: &Shortcut,
) -> Result<Option<ShortcutTarget>> {
    let library = &s.id.library;
    match s.kind {
        TargetKind::Document => {
            let Some(doc) = dossier_store::documents::get_latest(conn, library, s.target).await?
            else {
                return Ok(None);
            };
            let home = dossier_store::documents::home_workspaces(conn, library, &[s.target])
                .await?
                .get(&s.target)
                .map(|(w, _)| *w);
            let workspace = match home {
                Some(n) => {
                    dossier_store::containers::get(conn, &ContainerId::new(library.clone(), n))
                        .await?
                }
                None => None,
            };
            let ok = visible.is_none_or(|v| {
                admits(
                    v,
                    doc.acl,
                    &doc.author,
                    &document_facts(&doc, home, workspace.as_ref()),
                )
            });
            Ok(ok.then_some(ShortcutTarget::Document(doc)))
        }
        TargetKind::Workspace | TargetKind::Folder => {
            let id = ContainerId::new(library.clone(), s.target);
            let Some(c) = dossier_store::containers::get(conn, &id).await? else {
                return Ok(None);
            };
            if !kinds_of(s.kind).contains(&c.kind) {
                return Ok(None);
            }
            let ws = workspace_of(conn, &c).await?;
            let ok = visible.is_none_or(|v| admits(v, c.acl, &c.owner, &container_facts(&c, &ws)));
            Ok(ok.then_some(ShortcutTarget::Container(c)))
        }
    }
}
