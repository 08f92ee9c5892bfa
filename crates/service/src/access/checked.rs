//! Access as a type. A use case gets the document or container it works on only as a
//! `Checked<T, N>`, the proof that the caller passed the access check for `N` (`Read`,
//! `Edit` or `ChangeSecurity`) on it: the loaders that read one without a check are private
//! to this module, and nothing outside it can make a `Checked`. A use case that changes an
//! object asks for `Checked<_, Edit>` (or `ChangeSecurity`), so a change that forgot its
//! check does not compile.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use dossier_core::model::{Container, ContainerKind, Document};
use dossier_core::walls::{ClientMatter, WallFacts};
use dossier_core::{AccessLevel, ContainerId, DocumentRef, DomainError};
use dossier_store::AnyConnection;

use super::{Guarded, Need};
use crate::{Caller, Dossier, Result};

/// What a use case needs on an object, as a type.
pub(crate) trait Requirement {
    const NEED: Need;
}

/// Reading the object.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Read;
/// Changing the object (its profile, content, filings, check-out).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Edit;
/// Changing who may read and change the object.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChangeSecurity;

impl Requirement for Read {
    const NEED: Need = Need::Read;
}
impl Requirement for Edit {
    const NEED: Need = Need::Edit;
}
impl Requirement for ChangeSecurity {
    const NEED: Need = Need::ChangeSecurity;
}

/// An object the caller passed the access check for `N` on, as it was loaded for the check.
#[derive(Clone, Debug)]
pub(crate) struct Checked<T, N> {
    object: T,
    level: AccessLevel,
    need: PhantomData<N>,
}

impl<T, N> Checked<T, N> {
    /// The object itself, to change or hand on; the proof ends here.
    pub(crate) fn into_inner(self) -> T {
        self.object
    }

    /// The caller's access level on the object (at least what `N` needs).
    pub(crate) fn level(&self) -> AccessLevel {
        self.level
    }
}

impl<T, N> Deref for Checked<T, N> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.object
    }
}

/// An object checked for a change may be changed; one checked for reading may not.
impl<T> DerefMut for Checked<T, Edit> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.object
    }
}

impl<T> DerefMut for Checked<T, ChangeSecurity> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.object
    }
}

/// Reads a document version (or the latest), unchecked.
async fn load_document(conn: &mut AnyConnection, r: &DocumentRef) -> Result<Document> {
    let found = match r.version {
        Some(v) => dossier_store::documents::get_version(conn, &r.library, r.number, v).await?,
        None => dossier_store::documents::get_latest(conn, &r.library, r.number).await?,
    };
    found.ok_or_else(|| DomainError::not_found(format!("document {r}")))
}

/// Reads a container, unchecked.
async fn load_container(conn: &mut AnyConnection, id: &ContainerId) -> Result<Container> {
    dossier_store::containers::get(conn, id)
        .await?
        .ok_or_else(|| container_not_found(id))
}

/// The one answer for a container that is missing, unreadable or of another kind than the
/// URL names: any difference would let a caller count and classify containers it may not
/// read.
pub(crate) fn container_not_found(id: &ContainerId) -> DomainError {
    DomainError::not_found(container_what(id))
}

fn container_what(id: &ContainerId) -> String {
    format!("container {id}")
}

/// The workspace of a container (a copy of the container itself for a workspace), for the
/// walls' facts of an access decision.
pub(crate) async fn workspace_of(conn: &mut AnyConnection, c: &Container) -> Result<Container> {
    if c.id.number == c.workspace {
        return Ok(c.clone());
    }
    load_container(conn, &ContainerId::new(c.id.library.clone(), c.workspace)).await
}

/// A document's home workspace (its number, and the workspace when it loads), for the
/// walls' facts of an access decision.
pub(crate) async fn document_home(
    conn: &mut AnyConnection,
    r: &DocumentRef,
) -> Result<(Option<i64>, Option<Container>)> {
    let home = dossier_store::documents::home_workspaces(conn, &r.library, &[r.number])
        .await?
        .get(&r.number)
        .map(|(w, _)| *w);
    let workspace = match home {
        Some(n) => load_container(conn, &ContainerId::new(r.library.clone(), n))
            .await
            .ok(),
        None => None,
    };
    Ok((home, workspace))
}

/// What ethical walls look at on a document: its own client and matter, and its home
/// workspace (`home`, loaded as `workspace`) with that workspace's.
pub(crate) fn document_facts<'a>(
    doc: &'a Document,
    home: Option<i64>,
    workspace: Option<&'a Container>,
) -> WallFacts<'a> {
    WallFacts::new(
        ClientMatter::of(&doc.customs),
        home.map(|n| {
            (
                n,
                workspace
                    .map(|w| ClientMatter::of(&w.customs))
                    .unwrap_or_default(),
            )
        }),
    )
}

/// What ethical walls look at on a container: its client and matter, and its workspace's.
pub(crate) fn container_facts<'a>(c: &'a Container, workspace: &'a Container) -> WallFacts<'a> {
    WallFacts::new(
        ClientMatter::of(&c.customs),
        Some((c.workspace, ClientMatter::of(&workspace.customs))),
    )
}

impl Dossier {
    /// A document (a version, or the latest) for a use case that needs `N` on it: the
    /// access check every document use case goes through.
    pub(crate) async fn document_for<N: Requirement>(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        r: &DocumentRef,
        _need: N,
    ) -> Result<Checked<Document, N>> {
        let doc = load_document(conn, r).await?;
        let (home, workspace) = document_home(conn, r).await?;
        let what = format!("document {r}");
        let object = Guarded {
            library: &r.library,
            acl: doc.acl,
            owner: &doc.author,
            what: &what,
            facts: document_facts(&doc, home, workspace.as_ref()),
        };
        let level = self.require(conn, caller, object, N::NEED).await?;
        Ok(Checked {
            object: doc,
            level,
            need: PhantomData,
        })
    }

    /// A container for a use case that needs `N` on it: the access check every container
    /// use case goes through.
    pub(crate) async fn container_for<N: Requirement>(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        id: &ContainerId,
        need: N,
    ) -> Result<Checked<Container, N>> {
        let c = load_container(conn, id).await?;
        self.check_container(conn, caller, c, need).await
    }

    /// As `container_for`, and the container must be of one of `kinds`: another kind is
    /// not found, as a workspace id in a folder URL names no folder.
    pub(crate) async fn container_kind_for<N: Requirement>(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        id: &ContainerId,
        kinds: &[ContainerKind],
        need: N,
    ) -> Result<Checked<Container, N>> {
        let c = load_container(conn, id).await?;
        if !kinds.contains(&c.kind) {
            return Err(container_not_found(id));
        }
        self.check_container(conn, caller, c, need).await
    }

    async fn check_container<N: Requirement>(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        c: Container,
        _need: N,
    ) -> Result<Checked<Container, N>> {
        let ws = workspace_of(conn, &c).await?;
        let what = container_what(&c.id);
        let object = Guarded {
            library: &c.id.library,
            acl: c.acl,
            owner: &c.owner,
            what: &what,
            facts: container_facts(&c, &ws),
        };
        let level = self.require(conn, caller, object, N::NEED).await?;
        Ok(Checked {
            object: c,
            level,
            need: PhantomData,
        })
    }
}
