//! Writing outbox events (called inside the transaction of the mutation it records), and
//! the one rule of who may be told of one (`Dossier::visible_changes`).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
pub(crate) use dossier_core::events::Change;
use dossier_core::model::Event;
use dossier_core::walls::{ClientMatter, WallFacts};
use dossier_core::{ContainerId, DocumentId, DomainError, LibraryId};
use dossier_store::AnyConnection;

use crate::{Caller, Result};

pub(crate) async fn emit(
    conn: &mut AnyConnection,
    caller: &Caller,
    now: DateTime<Utc>,
    change: Change,
) -> Result<()> {
    dossier_store::events::append(
        conn,
        &Event {
            seq: 0,
            row: change.encode(),
            user_id: caller.user_id.clone(),
            event_date: now,
        },
    )
    .await
}

impl crate::Dossier {
    /// Which of `changes` `reader` may be told of now, one answer per change, in order: the
    /// rule of the change-events feed and of webhook deliveries, so that neither reveals
    /// an object the reader cannot read. It is judged when asked (a feed page, a delivery),
    /// not when the change happened: a reader who lost access to an object is told nothing
    /// more of it, not even of what happened while they could read it.
    ///
    /// Per kind of change:
    /// - **Documents and containers** (created, new version, copied, updated, profile,
    ///   filed, unfiled, moved, security): the reader may read, now, *every* document and
    ///   container the change names, as a list would show them (`access::admits` on the
    ///   reader's readable set: the object's governing ACL, its owner or author, ethical
    ///   walls; the break-glass pass opens single objects, never lists, so not this). A
    ///   change names more than its object: a new document its folder and workspace, a
    ///   copy its source, a filing its folder, a new container its parent and workspace, a
    ///   move the container it left. Each is shown on the wire, so each must be readable,
    ///   as a document's view names its workspace only to those who may read it.
    /// - **Deletions** (a version, a whole document, a workspace, a folder): the same rule.
    ///   A version deleted from a document that remains is judged on the document. An
    ///   object that no longer exists cannot be judged: its trustees are deleted with it
    ///   and only workspaces have a security history, so nobody can say who could read it
    ///   just before, and "could read its parent" is not enough (a folder or document may
    ///   be secured more narrowly than its parent, and its mere id would leak). So a change
    ///   naming a deleted object is told only to readers who see the library whole:
    ///   administrators whom no ethical wall shuts out of any of it. Conservative: a user
    ///   who could read a deleted document is not told of its deletion (they learn it from
    ///   the 404).
    /// - **Lookup entries and library roles**: every member of the library (who may list
    ///   them through the API).
    /// - **Walls**: identity administrators (`Caller::require_identity_admin`, the rule of
    ///   `GET …/walls`) who may use the library, and NRTADMIN.
    /// - **Users, groups and customer-wide roles** (no library): identity administrators
    ///   and NRTADMIN.
    ///
    /// Nothing of a library is told to a reader who is not a member of it (NRTADMIN is a
    /// member of every library), as `libraries::resolve` answers 404 for it. Administrators
    /// with no wall against them in a library are told of everything in it, as before.
    ///
    /// Batched: per library named, one membership check, the reader's readable set (the
    /// cached access context) and one query each for the documents and the containers
    /// named, then each change is decided in memory, as the lists and the search re-check
    /// decide their rows.
    pub(crate) async fn visible_changes(
        &self,
        reader: &Caller,
        changes: &[Change],
    ) -> Result<Vec<bool>> {
        let mut conn = self.store.read().await?;
        self.visible_changes_on(&mut conn, reader, changes).await
    }

    /// As `visible_changes`, on a connection the caller already holds (a delivery inside
    /// its claim's transaction must not wait for a second connection: see `visibility_on`).
    pub(crate) async fn visible_changes_on(
        &self,
        conn: &mut AnyConnection,
        reader: &Caller,
        changes: &[Change],
    ) -> Result<Vec<bool>> {
        let subjects: Vec<Subject<'_>> = changes.iter().map(subject).collect();
        let identity = reader.is_admin || reader.require_identity_admin().is_ok();
        let mut named: BTreeMap<&LibraryId, Named> = BTreeMap::new();
        for s in &subjects {
            match s {
                Subject::Identity => {}
                Subject::Member(l) | Subject::Wall(l) => {
                    named.entry(l).or_default();
                }
                Subject::Objects(objects) => {
                    for o in objects {
                        let n = named.entry(o.library).or_default();
                        if o.document {
                            n.documents.push(o.number);
                        } else {
                            n.containers.push(o.number);
                        }
                    }
                }
            }
        }
        let mut sights: HashMap<&LibraryId, Sight> = HashMap::new();
        for (library, n) in named {
            let sight = self.sight(conn, reader, library, n).await?;
            sights.insert(library, sight);
        }
        let member = |l: &LibraryId| sights.get(l).is_some_and(|s| s.member);
        Ok(subjects
            .iter()
            .map(|s| match s {
                Subject::Identity => identity,
                Subject::Member(l) => member(l),
                Subject::Wall(l) => identity && member(l),
                Subject::Objects(objects) => objects
                    .iter()
                    .all(|o| sights.get(o.library).is_some_and(|s| s.reads(o))),
            })
            .collect())
    }

    /// What `reader` sees of the objects `named` in `library`.
    async fn sight(
        &self,
        conn: &mut AnyConnection,
        reader: &Caller,
        library: &LibraryId,
        mut named: Named,
    ) -> Result<Sight> {
        let mut sight = Sight::default();
        match crate::libraries::resolve(conn, reader, reader.customer_id, library.as_str()).await {
            Ok(_) => sight.member = true,
            Err(DomainError::NotFound(_)) => return Ok(sight),
            Err(e) => return Err(e),
        }
        let Some(visible) = self.visibility_on(conn, reader, library).await? else {
            sight.whole = true;
            return Ok(sight);
        };
        for numbers in [&mut named.documents, &mut named.containers] {
            numbers.sort_unstable();
            numbers.dedup();
        }
        for (doc, home) in
            dossier_store::documents::latest_with_workspace(conn, library, &named.documents).await?
        {
            // As the search re-check: `admits` reads a document's own client and matter and
            // its home workspace's number; a wall on the workspace's client or matter
            // reaches it through the walled workspaces of `Visible`, so the workspace
            // itself need not be loaded.
            let home = (home >= 0).then_some(home);
            let facts = crate::access::document_facts(&doc, home, None);
            if crate::access::admits(&visible, doc.acl, &doc.author, &facts) {
                sight.documents.insert(doc.id.number);
            }
        }
        for c in dossier_store::containers::many(conn, library, &named.containers).await? {
            // The same reasoning: `admits` needs the workspace's number, not its profile.
            let facts = WallFacts::new(
                ClientMatter::of(&c.customs),
                Some((c.workspace, ClientMatter::default())),
            );
            if crate::access::admits(&visible, c.acl, &c.owner, &facts) {
                sight.containers.insert(c.id.number);
            }
        }
        Ok(sight)
    }
}

/// The documents and containers of one library that a batch of changes names.
#[derive(Debug, Default)]
struct Named {
    documents: Vec<i64>,
    containers: Vec<i64>,
}

/// What a reader sees of one library: nothing (not a member), all of it (`whole`: an
/// administrator no wall shuts out of any of it), or these existing, readable objects.
#[derive(Debug, Default)]
struct Sight {
    member: bool,
    whole: bool,
    documents: HashSet<i64>,
    containers: HashSet<i64>,
}

impl Sight {
    fn reads(&self, o: &Object<'_>) -> bool {
        self.member
            && (self.whole
                || if o.document {
                    self.documents.contains(&o.number)
                } else {
                    self.containers.contains(&o.number)
                })
    }
}

/// A document (by number: its security is the document's, whatever the version) or a
/// container a change names.
#[derive(Debug)]
struct Object<'a> {
    library: &'a LibraryId,
    document: bool,
    number: i64,
}

/// What a reader must be allowed to be told of a change (see `visible_changes`).
#[derive(Debug)]
enum Subject<'a> {
    /// Identity administration: users, groups, customer-wide roles.
    Identity,
    /// Membership of the library: its lookup entries and roles.
    Member(&'a LibraryId),
    /// Identity administration and membership of the library: its walls.
    Wall(&'a LibraryId),
    /// Reading every one of these documents and containers now.
    Objects(Vec<Object<'a>>),
}

fn document(d: &DocumentId) -> Object<'_> {
    Object {
        library: &d.library,
        document: true,
        number: d.number,
    }
}

fn container(c: &ContainerId) -> Object<'_> {
    Object {
        library: &c.library,
        document: false,
        number: c.number,
    }
}

/// What a change is about. No wildcard: a new kind of change does not compile until it is
/// decided here.
fn subject(change: &Change) -> Subject<'_> {
    use Change::*;
    match change {
        DocumentCreated {
            document: d,
            folder,
            workspace,
        } => Subject::Objects(vec![document(d), container(folder), container(workspace)]),
        DocumentVersionAdded { version: d, .. }
        | DocumentUpdated { document: d }
        | DocumentProfileUpdated { document: d }
        | DocumentVersionDeleted { version: d }
        | DocumentRestored { version: d }
        | DocumentPurged { version: d }
        | DocumentSecurityChanged { document: d } => Subject::Objects(vec![document(d)]),
        DocumentCopied {
            document: d,
            source,
        } => Subject::Objects(vec![document(d), document(source)]),
        DocumentFiled {
            document: d,
            folder,
        }
        | DocumentUnfiled {
            document: d,
            folder,
        } => Subject::Objects(vec![document(d), container(folder)]),
        WorkspaceCreated { workspace }
        | WorkspaceProfileUpdated { workspace }
        | WorkspaceUpdated { workspace }
        | WorkspaceDeleted { workspace } => Subject::Objects(vec![container(workspace)]),
        ContainerCreated {
            container: c,
            parent,
            workspace,
        }
        | ContainerDeleted {
            container: c,
            parent,
            workspace,
        }
        | ContainerMoved {
            container: c,
            from: parent,
            workspace,
        } => Subject::Objects(
            [Some(c), parent.as_ref(), Some(workspace)]
                .into_iter()
                .flatten()
                .map(container)
                .collect(),
        ),
        ContainerProfileUpdated {
            container: c,
            workspace,
        }
        | ContainerUpdated {
            container: c,
            workspace,
        } => Subject::Objects(vec![container(c), container(workspace)]),
        ContainerSecurityChanged { container: c } => Subject::Objects(vec![container(c)]),
        WallChanged { library, .. } => Subject::Wall(library),
        LookupCreated { library, .. }
        | LookupUpdated { library, .. }
        | LookupDeleted { library, .. } => Subject::Member(library),
        RoleCreated { library, .. } | RoleUpdated { library, .. } => match library {
            Some(l) => Subject::Member(l),
            None => Subject::Identity,
        },
        UserCreated { .. }
        | UserUpdated { .. }
        | UserDeleted { .. }
        | GroupCreated { .. }
        | GroupUpdated { .. }
        | GroupDeleted { .. }
        | GroupMembersChanged { .. } => Subject::Identity,
    }
}
