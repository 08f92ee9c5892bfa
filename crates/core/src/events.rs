//! What the outbox says changed: one `Change` per kind of change, with typed ids, and the
//! one encoding of a change to the outbox row it is stored as (`events` table: library,
//! item type, action, object id, related object id, root id).
//!
//! The row's strings are iManage's change-events shape and are what the change-events feed
//! puts on the wire, so they never change: a database written by an older version decodes,
//! and a client of the feed sees what it saw before. Everything that reads the outbox (the
//! search indexer, the readable-set caches' security stamp, the feed) works on `Change`;
//! only `Change::encode` and `Change::decode` know the strings.

use crate::custom;
use crate::ids::{ContainerId, DocumentId, DocumentRef, LibraryId};

/// A change, as a consumer of the outbox (and, later, of a webhook) reads it.
///
/// "Container" is any container but a workspace: a folder, tab or search folder. The
/// outbox does not tell those apart, so neither does a `Change`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A new document, its first version filed in `folder` of `workspace`.
    DocumentCreated {
        document: DocumentId,
        folder: ContainerId,
        workspace: ContainerId,
    },
    /// A new version of a document; `previous_version` was its latest before.
    DocumentVersionAdded {
        version: DocumentId,
        previous_version: i64,
    },
    /// A new document copied from `source` (its latest version).
    DocumentCopied {
        document: DocumentId,
        source: DocumentId,
    },
    /// Something of a document other than its profile changed: its content was replaced,
    /// it was checked out or in, unlocked, or its name-value pairs changed.
    DocumentUpdated {
        document: DocumentId,
    },
    DocumentProfileUpdated {
        document: DocumentId,
    },
    /// A version deleted; deleting the last version deletes the document.
    DocumentVersionDeleted {
        version: DocumentId,
    },
    /// A document taken out of the recycle bin; `version` is its latest version.
    DocumentRestored {
        version: DocumentId,
    },
    /// A document in the recycle bin removed for good, every version with it; `version`
    /// was its latest version.
    DocumentPurged {
        version: DocumentId,
    },
    /// A document filed in a folder (the second half of a move, or a reference added).
    DocumentFiled {
        document: DocumentId,
        folder: ContainerId,
    },
    /// A document taken out of a folder (the first half of a move, or a reference removed).
    DocumentUnfiled {
        document: DocumentId,
        folder: ContainerId,
    },
    /// A document's own security changed, or a new document came with its own security.
    /// Names the version whose security was set.
    DocumentSecurityChanged {
        document: DocumentId,
    },

    WorkspaceCreated {
        workspace: ContainerId,
    },
    WorkspaceProfileUpdated {
        workspace: ContainerId,
    },
    /// A workspace's name-value pairs changed.
    WorkspaceUpdated {
        workspace: ContainerId,
    },
    WorkspaceDeleted {
        workspace: ContainerId,
    },

    /// `parent` is never `None` for a container the service creates, moves or deletes
    /// (only workspaces have no parent); the row keeps it nullable, and so does this.
    ContainerCreated {
        container: ContainerId,
        parent: Option<ContainerId>,
        workspace: ContainerId,
    },
    ContainerProfileUpdated {
        container: ContainerId,
        workspace: ContainerId,
    },
    /// A container's name-value pairs changed.
    ContainerUpdated {
        container: ContainerId,
        workspace: ContainerId,
    },
    ContainerDeleted {
        container: ContainerId,
        parent: Option<ContainerId>,
        workspace: ContainerId,
    },
    /// A container moved away from `from`; `workspace` is the one it is in now.
    ContainerMoved {
        container: ContainerId,
        from: Option<ContainerId>,
        workspace: ContainerId,
    },
    /// A workspace's or container's own security changed, or a new one came with its own.
    ContainerSecurityChanged {
        container: ContainerId,
    },

    /// An ethical wall created, edited or deleted.
    WallChanged {
        library: LibraryId,
        wall: i64,
    },

    /// An entry of lookup field `custom{field}`; `parent` is its parent entry's alias for
    /// a child field (custom2, custom30).
    LookupCreated {
        library: LibraryId,
        field: usize,
        alias: String,
        parent: Option<String>,
    },
    LookupUpdated {
        library: LibraryId,
        field: usize,
        alias: String,
        parent: Option<String>,
    },
    LookupDeleted {
        library: LibraryId,
        field: usize,
        alias: String,
        parent: Option<String>,
    },

    /// Users and groups belong to the customer, not to a library.
    UserCreated {
        user: String,
    },
    /// Any change of a user, their library memberships and roles included.
    UserUpdated {
        user: String,
    },
    UserDeleted {
        user: String,
    },
    GroupCreated {
        group: String,
    },
    GroupUpdated {
        group: String,
    },
    GroupDeleted {
        group: String,
    },
    GroupMembersChanged {
        group: String,
    },

    /// A library role; `library` is `None` for a role of the whole customer.
    RoleCreated {
        library: Option<LibraryId>,
        role: String,
    },
    RoleUpdated {
        library: Option<LibraryId>,
        role: String,
    },
}

/// The outbox columns that say what changed, as stored and as the change-events feed
/// shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Empty for changes of the customer (users, groups).
    pub library: String,
    pub item_type: String,
    pub action: String,
    pub object_id: String,
    pub related_object_id: Option<String>,
    pub root_id: Option<String>,
}

/// The stored item types. The readable-set caches' security stamp filters the outbox by
/// these, so which of them can change who may read what is said here, once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemType {
    Document,
    Workspace,
    /// Any container but a workspace.
    Container,
    Security,
    Lookup,
    User,
    Group,
    Role,
}

impl ItemType {
    pub const ALL: [ItemType; 8] = [
        ItemType::Document,
        ItemType::Workspace,
        ItemType::Container,
        ItemType::Security,
        ItemType::Lookup,
        ItemType::User,
        ItemType::Group,
        ItemType::Role,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Document => "document",
            ItemType::Workspace => "workspace",
            ItemType::Container => "container",
            ItemType::Security => "security",
            ItemType::Lookup => "lookup",
            ItemType::User => "user",
            ItemType::Group => "group",
            ItemType::Role => "role",
        }
    }

    pub fn parse(s: &str) -> Option<ItemType> {
        ItemType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether an event of this type can change a readable set: an object's security
    /// (its ACL key's entries, or an object governing itself), a wall, a user's or a
    /// group's membership or a user's flags. Documents and containers that inherit change
    /// no ACL entry; a role's rights are read where they are used, not kept in a readable
    /// set.
    pub fn affects_access(self) -> bool {
        match self {
            ItemType::Security | ItemType::User | ItemType::Group => true,
            ItemType::Document
            | ItemType::Workspace
            | ItemType::Container
            | ItemType::Lookup
            | ItemType::Role => false,
        }
    }

    /// The stored item types whose events can change a readable set.
    pub fn affecting_access() -> impl Iterator<Item = ItemType> {
        ItemType::ALL.into_iter().filter(|t| t.affects_access())
    }
}

/// A row this version cannot read. Decoding returns it instead of guessing: such a row was
/// written by a newer version (a rolling upgrade, or a rollback after one) or damaged, and
/// a consumer that acted on a guess could index or publish something that never happened.
/// Each consumer skips it with a log line; an error rather than an `Unknown` variant keeps
/// every `Change` a change that can be acted on (and published).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "outbox row {item_type}/{action} of '{object_id}' (library '{library}') is not a change this version knows"
)]
pub struct UnknownChange {
    pub library: String,
    pub item_type: String,
    pub action: String,
    pub object_id: String,
}

impl Change {
    pub fn item_type(&self) -> ItemType {
        use Change::*;
        match self {
            DocumentCreated { .. }
            | DocumentVersionAdded { .. }
            | DocumentCopied { .. }
            | DocumentUpdated { .. }
            | DocumentProfileUpdated { .. }
            | DocumentVersionDeleted { .. }
            | DocumentRestored { .. }
            | DocumentPurged { .. }
            | DocumentFiled { .. }
            | DocumentUnfiled { .. } => ItemType::Document,
            WorkspaceCreated { .. }
            | WorkspaceProfileUpdated { .. }
            | WorkspaceUpdated { .. }
            | WorkspaceDeleted { .. } => ItemType::Workspace,
            ContainerCreated { .. }
            | ContainerProfileUpdated { .. }
            | ContainerUpdated { .. }
            | ContainerDeleted { .. }
            | ContainerMoved { .. } => ItemType::Container,
            DocumentSecurityChanged { .. }
            | ContainerSecurityChanged { .. }
            | WallChanged { .. } => ItemType::Security,
            LookupCreated { .. } | LookupUpdated { .. } | LookupDeleted { .. } => ItemType::Lookup,
            UserCreated { .. } | UserUpdated { .. } | UserDeleted { .. } => ItemType::User,
            GroupCreated { .. }
            | GroupUpdated { .. }
            | GroupDeleted { .. }
            | GroupMembersChanged { .. } => ItemType::Group,
            RoleCreated { .. } | RoleUpdated { .. } => ItemType::Role,
        }
    }

    /// Whether this change can change who may read what (see `ItemType::affects_access`).
    pub fn affects_access(&self) -> bool {
        self.item_type().affects_access()
    }

    /// The outbox row of this change.
    pub fn encode(&self) -> Row {
        use Change::*;
        let (library, action, object_id, related, root): (String, &str, String, _, _) = match self {
            DocumentCreated {
                document,
                folder,
                workspace,
            } => (
                lib(&document.library),
                "insert",
                document.to_string(),
                Some(folder.to_string()),
                Some(workspace.to_string()),
            ),
            DocumentVersionAdded {
                version,
                previous_version,
            } => {
                let previous =
                    DocumentId::new(version.library.clone(), version.number, *previous_version);
                (
                    lib(&version.library),
                    "insert",
                    version.to_string(),
                    Some(previous.to_string()),
                    None,
                )
            }
            DocumentCopied { document, source } => (
                lib(&document.library),
                "insert",
                document.to_string(),
                Some(source.to_string()),
                None,
            ),
            DocumentUpdated { document } => doc_row(document, "update", None),
            DocumentProfileUpdated { document } => doc_row(document, "profile_update", None),
            DocumentVersionDeleted { version } => doc_row(version, "delete", None),
            DocumentRestored { version } => doc_row(version, "restored_from_trash", None),
            DocumentPurged { version } => doc_row(version, "purged_from_trash", None),
            DocumentFiled { document, folder } => doc_row(document, "document_link", Some(folder)),
            DocumentUnfiled { document, folder } => {
                doc_row(document, "document_unlink", Some(folder))
            }
            DocumentSecurityChanged { document } => doc_row(document, "update", None),
            WorkspaceCreated { workspace } => workspace_row(workspace, "insert"),
            WorkspaceProfileUpdated { workspace } => workspace_row(workspace, "profile_update"),
            WorkspaceUpdated { workspace } => workspace_row(workspace, "update"),
            WorkspaceDeleted { workspace } => workspace_row(workspace, "delete"),
            ContainerCreated {
                container,
                parent,
                workspace,
            } => container_row(container, "insert", parent.as_ref(), workspace),
            ContainerProfileUpdated {
                container,
                workspace,
            } => container_row(container, "profile_update", None, workspace),
            ContainerUpdated {
                container,
                workspace,
            } => container_row(container, "update", None, workspace),
            ContainerDeleted {
                container,
                parent,
                workspace,
            } => container_row(container, "delete", parent.as_ref(), workspace),
            ContainerMoved {
                container,
                from,
                workspace,
            } => container_row(container, "container_move", from.as_ref(), workspace),
            ContainerSecurityChanged { container } => (
                lib(&container.library),
                "update",
                container.to_string(),
                None,
                None,
            ),
            WallChanged { library, wall } => {
                (lib(library), "update", format!("wall {wall}"), None, None)
            }
            LookupCreated {
                library,
                field,
                alias,
                parent,
            } => lookup_row(library, "insert", *field, alias, parent),
            LookupUpdated {
                library,
                field,
                alias,
                parent,
            } => lookup_row(library, "update", *field, alias, parent),
            LookupDeleted {
                library,
                field,
                alias,
                parent,
            } => lookup_row(library, "delete", *field, alias, parent),
            UserCreated { user } => customer_row("create", user),
            UserUpdated { user } => customer_row("update", user),
            UserDeleted { user } => customer_row("delete", user),
            GroupCreated { group } => customer_row("create", group),
            GroupUpdated { group } => customer_row("update", group),
            GroupDeleted { group } => customer_row("delete", group),
            GroupMembersChanged { group } => customer_row("members", group),
            RoleCreated { library, role } => role_row(library, "create", role),
            RoleUpdated { library, role } => role_row(library, "update", role),
        };
        Row {
            library,
            item_type: self.item_type().as_str().to_string(),
            action: action.to_string(),
            object_id,
            related_object_id: related,
            root_id: root,
        }
    }

    /// The change an outbox row records. Reads only what it needs: a workspace's root id
    /// (the workspace itself) and the library of a row whose ids carry their library are
    /// not checked again.
    pub fn decode(row: &Row) -> Result<Change, UnknownChange> {
        decode(row).ok_or_else(|| UnknownChange {
            library: row.library.clone(),
            item_type: row.item_type.clone(),
            action: row.action.clone(),
            object_id: row.object_id.clone(),
        })
    }
}

type Columns = (String, &'static str, String, Option<String>, Option<String>);

fn lib(l: &LibraryId) -> String {
    l.as_str().to_string()
}

fn doc_row(d: &DocumentId, action: &'static str, related: Option<&ContainerId>) -> Columns {
    (
        lib(&d.library),
        action,
        d.to_string(),
        related.map(ToString::to_string),
        None,
    )
}

fn workspace_row(w: &ContainerId, action: &'static str) -> Columns {
    (
        lib(&w.library),
        action,
        w.to_string(),
        None,
        Some(w.to_string()),
    )
}

fn container_row(
    c: &ContainerId,
    action: &'static str,
    related: Option<&ContainerId>,
    workspace: &ContainerId,
) -> Columns {
    (
        lib(&c.library),
        action,
        c.to_string(),
        related.map(ToString::to_string),
        Some(workspace.to_string()),
    )
}

fn lookup_row(
    library: &LibraryId,
    action: &'static str,
    field: usize,
    alias: &str,
    parent: &Option<String>,
) -> Columns {
    (
        lib(library),
        action,
        format!("custom{field}:{alias}"),
        parent.clone(),
        None,
    )
}

fn customer_row(action: &'static str, id: &str) -> Columns {
    (String::new(), action, id.to_string(), None, None)
}

fn role_row(library: &Option<LibraryId>, action: &'static str, role: &str) -> Columns {
    (
        library.as_ref().map(lib).unwrap_or_default(),
        action,
        role.to_string(),
        None,
        None,
    )
}

/// A document version id: `LIB!12.3` (a document id without a version is not one).
fn document_id(s: &str) -> Option<DocumentId> {
    let r: DocumentRef = s.parse().ok()?;
    Some(DocumentId::new(r.library, r.number, r.version?))
}

fn container_id(s: &str) -> Option<ContainerId> {
    s.parse().ok()
}

fn decode(row: &Row) -> Option<Change> {
    use Change::*;
    let object = row.object_id.as_str();
    let related = row.related_object_id.as_deref();
    let root = row.root_id.as_deref();
    let action = row.action.as_str();
    Some(match ItemType::parse(&row.item_type)? {
        ItemType::Document => {
            let document = document_id(object)?;
            match action {
                // A new document names its folder; a new version its previous version (the
                // same document); a copy its source (another document).
                "insert" => match related.and_then(document_id) {
                    Some(other)
                        if other.library == document.library && other.number == document.number =>
                    {
                        DocumentVersionAdded {
                            previous_version: other.version,
                            version: document,
                        }
                    }
                    Some(source) => DocumentCopied { document, source },
                    None => DocumentCreated {
                        document,
                        folder: container_id(related?)?,
                        workspace: container_id(root?)?,
                    },
                },
                "update" => DocumentUpdated { document },
                "profile_update" => DocumentProfileUpdated { document },
                "delete" => DocumentVersionDeleted { version: document },
                "restored_from_trash" => DocumentRestored { version: document },
                "purged_from_trash" => DocumentPurged { version: document },
                "document_link" => DocumentFiled {
                    document,
                    folder: container_id(related?)?,
                },
                "document_unlink" => DocumentUnfiled {
                    document,
                    folder: container_id(related?)?,
                },
                _ => return None,
            }
        }
        ItemType::Workspace => {
            let workspace = container_id(object)?;
            match action {
                "insert" => WorkspaceCreated { workspace },
                "profile_update" => WorkspaceProfileUpdated { workspace },
                "update" => WorkspaceUpdated { workspace },
                "delete" => WorkspaceDeleted { workspace },
                _ => return None,
            }
        }
        ItemType::Container => {
            let container = container_id(object)?;
            let workspace = container_id(root?)?;
            // A related id that is there must be a container's.
            let parent = match related {
                Some(p) => Some(container_id(p)?),
                None => None,
            };
            match action {
                "insert" => ContainerCreated {
                    container,
                    parent,
                    workspace,
                },
                "profile_update" => ContainerProfileUpdated {
                    container,
                    workspace,
                },
                "update" => ContainerUpdated {
                    container,
                    workspace,
                },
                "delete" => ContainerDeleted {
                    container,
                    parent,
                    workspace,
                },
                "container_move" => ContainerMoved {
                    container,
                    from: parent,
                    workspace,
                },
                _ => return None,
            }
        }
        // `LIB!12.3` a document version, `LIB!7` a container, `wall 4` a wall.
        ItemType::Security => {
            if action != "update" {
                return None;
            }
            if let Some(wall) = object.strip_prefix("wall ") {
                WallChanged {
                    library: LibraryId::parse(&row.library).ok()?,
                    wall: wall.parse().ok()?,
                }
            } else if object.contains('.') {
                DocumentSecurityChanged {
                    document: document_id(object)?,
                }
            } else {
                ContainerSecurityChanged {
                    container: container_id(object)?,
                }
            }
        }
        // `custom{field}:{alias}`.
        ItemType::Lookup => {
            let library = LibraryId::parse(&row.library).ok()?;
            let (field, alias) = object.strip_prefix("custom")?.split_once(':')?;
            let field: usize = field.parse().ok()?;
            if !custom::is_lookup(field) {
                return None;
            }
            let alias = alias.to_string();
            let parent = related.map(str::to_string);
            match action {
                "insert" => LookupCreated {
                    library,
                    field,
                    alias,
                    parent,
                },
                "update" => LookupUpdated {
                    library,
                    field,
                    alias,
                    parent,
                },
                "delete" => LookupDeleted {
                    library,
                    field,
                    alias,
                    parent,
                },
                _ => return None,
            }
        }
        ItemType::User => {
            let user = object.to_string();
            match action {
                "create" => UserCreated { user },
                "update" => UserUpdated { user },
                "delete" => UserDeleted { user },
                _ => return None,
            }
        }
        ItemType::Group => {
            let group = object.to_string();
            match action {
                "create" => GroupCreated { group },
                "update" => GroupUpdated { group },
                "delete" => GroupDeleted { group },
                "members" => GroupMembersChanged { group },
                _ => return None,
            }
        }
        ItemType::Role => {
            let library = match row.library.as_str() {
                "" => None,
                l => Some(LibraryId::parse(l).ok()?),
            };
            let role = object.to_string();
            match action {
                "create" => RoleCreated { library, role },
                "update" => RoleUpdated { library, role },
                _ => return None,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn lib() -> LibraryId {
        LibraryId::parse("ACTIVE").unwrap()
    }

    fn c(n: i64) -> ContainerId {
        ContainerId::new(lib(), n)
    }

    fn d(n: i64, v: i64) -> DocumentId {
        DocumentId::new(lib(), n, v)
    }

    /// Which arm of `Change` a change is. No wildcard: a new variant does not compile
    /// until it is numbered here, and `every_variant_round_trips` then fails until
    /// `samples` has one of it.
    fn arm(change: &Change) -> usize {
        use Change::*;
        match change {
            DocumentCreated { .. } => 0,
            DocumentVersionAdded { .. } => 1,
            DocumentCopied { .. } => 2,
            DocumentUpdated { .. } => 3,
            DocumentProfileUpdated { .. } => 4,
            DocumentVersionDeleted { .. } => 5,
            DocumentFiled { .. } => 6,
            DocumentUnfiled { .. } => 7,
            DocumentSecurityChanged { .. } => 8,
            WorkspaceCreated { .. } => 9,
            WorkspaceProfileUpdated { .. } => 10,
            WorkspaceUpdated { .. } => 11,
            WorkspaceDeleted { .. } => 12,
            ContainerCreated { .. } => 13,
            ContainerProfileUpdated { .. } => 14,
            ContainerUpdated { .. } => 15,
            ContainerDeleted { .. } => 16,
            ContainerMoved { .. } => 17,
            ContainerSecurityChanged { .. } => 18,
            WallChanged { .. } => 19,
            LookupCreated { .. } => 20,
            LookupUpdated { .. } => 21,
            LookupDeleted { .. } => 22,
            UserCreated { .. } => 23,
            UserUpdated { .. } => 24,
            UserDeleted { .. } => 25,
            GroupCreated { .. } => 26,
            GroupUpdated { .. } => 27,
            GroupDeleted { .. } => 28,
            GroupMembersChanged { .. } => 29,
            RoleCreated { .. } => 30,
            RoleUpdated { .. } => 31,
            DocumentRestored { .. } => 32,
            DocumentPurged { .. } => 33,
        }
    }
    const ARMS: usize = 34;

    fn samples() -> Vec<Change> {
        use Change::*;
        let entry = |parent: Option<&str>| (lib(), 29, "NY".to_string(), parent.map(String::from));
        let (l1, f1, a1, p1) = entry(None);
        let (l2, f2, a2, p2) = entry(Some("USA"));
        let (l3, f3, a3, p3) = entry(None);
        vec![
            DocumentCreated {
                document: d(12, 1),
                folder: c(3),
                workspace: c(1),
            },
            DocumentVersionAdded {
                version: d(12, 3),
                previous_version: 2,
            },
            DocumentCopied {
                document: d(13, 1),
                source: d(12, 3),
            },
            DocumentUpdated { document: d(12, 3) },
            DocumentProfileUpdated { document: d(12, 3) },
            DocumentVersionDeleted { version: d(12, 2) },
            DocumentRestored { version: d(12, 3) },
            DocumentPurged { version: d(12, 3) },
            DocumentFiled {
                document: d(12, 3),
                folder: c(4),
            },
            DocumentUnfiled {
                document: d(12, 3),
                folder: c(3),
            },
            DocumentSecurityChanged { document: d(12, 3) },
            WorkspaceCreated { workspace: c(1) },
            WorkspaceProfileUpdated { workspace: c(1) },
            WorkspaceUpdated { workspace: c(1) },
            WorkspaceDeleted { workspace: c(1) },
            ContainerCreated {
                container: c(3),
                parent: Some(c(1)),
                workspace: c(1),
            },
            ContainerProfileUpdated {
                container: c(3),
                workspace: c(1),
            },
            ContainerUpdated {
                container: c(3),
                workspace: c(1),
            },
            ContainerDeleted {
                container: c(3),
                parent: Some(c(1)),
                workspace: c(1),
            },
            ContainerMoved {
                container: c(3),
                from: Some(c(2)),
                workspace: c(5),
            },
            ContainerSecurityChanged { container: c(3) },
            WallChanged {
                library: lib(),
                wall: 4,
            },
            LookupCreated {
                library: l1,
                field: f1,
                alias: a1,
                parent: p1,
            },
            LookupUpdated {
                library: l2,
                field: f2,
                alias: a2,
                parent: p2,
            },
            LookupDeleted {
                library: l3,
                field: f3,
                alias: a3,
                parent: p3,
            },
            UserCreated {
                user: "JSMITH".into(),
            },
            UserUpdated {
                user: "JSMITH".into(),
            },
            UserDeleted {
                user: "JSMITH".into(),
            },
            GroupCreated {
                group: "LITIGATION".into(),
            },
            GroupUpdated {
                group: "LITIGATION".into(),
            },
            GroupDeleted {
                group: "LITIGATION".into(),
            },
            GroupMembersChanged {
                group: "LITIGATION".into(),
            },
            RoleCreated {
                library: Some(lib()),
                role: "AUTHOR".into(),
            },
            RoleUpdated {
                library: None,
                role: "AUTHOR".into(),
            },
        ]
    }

    #[test]
    fn every_variant_round_trips() {
        let samples = samples();
        let covered: BTreeSet<usize> = samples.iter().map(arm).collect();
        assert_eq!(
            covered,
            (0..ARMS).collect(),
            "samples() needs one change of every variant"
        );
        for change in samples {
            let row = change.encode();
            assert_eq!(Change::decode(&row), Ok(change.clone()), "{row:?}");
            assert_eq!(row.item_type, change.item_type().as_str());
        }
    }

    fn row(
        library: &str,
        item_type: &str,
        action: &str,
        object_id: &str,
        related: Option<&str>,
        root: Option<&str>,
    ) -> Row {
        Row {
            library: library.into(),
            item_type: item_type.into(),
            action: action.into(),
            object_id: object_id.into(),
            related_object_id: related.map(String::from),
            root_id: root.map(String::from),
        }
    }

    /// Rows as databases hold them today (as the emit sites wrote them before `Change`
    /// existed): each decodes to its change and encodes back to the very same strings.
    #[test]
    fn stored_rows_decode() {
        use Change::*;
        let cases = [
            (
                row(
                    "ACTIVE",
                    "workspace",
                    "insert",
                    "ACTIVE!1",
                    None,
                    Some("ACTIVE!1"),
                ),
                WorkspaceCreated { workspace: c(1) },
            ),
            (
                row("ACTIVE", "security", "update", "ACTIVE!1", None, None),
                ContainerSecurityChanged { container: c(1) },
            ),
            (
                row(
                    "ACTIVE",
                    "container",
                    "insert",
                    "ACTIVE!3",
                    Some("ACTIVE!1"),
                    Some("ACTIVE!1"),
                ),
                ContainerCreated {
                    container: c(3),
                    parent: Some(c(1)),
                    workspace: c(1),
                },
            ),
            (
                row(
                    "ACTIVE",
                    "document",
                    "insert",
                    "ACTIVE!12.1",
                    Some("ACTIVE!3"),
                    Some("ACTIVE!1"),
                ),
                DocumentCreated {
                    document: d(12, 1),
                    folder: c(3),
                    workspace: c(1),
                },
            ),
            (
                row(
                    "ACTIVE",
                    "document",
                    "insert",
                    "ACTIVE!12.2",
                    Some("ACTIVE!12.1"),
                    None,
                ),
                DocumentVersionAdded {
                    version: d(12, 2),
                    previous_version: 1,
                },
            ),
            (
                row(
                    "ACTIVE",
                    "document",
                    "insert",
                    "ACTIVE!13.1",
                    Some("ACTIVE!12.2"),
                    None,
                ),
                DocumentCopied {
                    document: d(13, 1),
                    source: d(12, 2),
                },
            ),
            (
                row(
                    "ACTIVE",
                    "document",
                    "profile_update",
                    "ACTIVE!12.2",
                    None,
                    None,
                ),
                DocumentProfileUpdated { document: d(12, 2) },
            ),
            (
                row(
                    "ACTIVE",
                    "document",
                    "document_unlink",
                    "ACTIVE!12.2",
                    Some("ACTIVE!3"),
                    None,
                ),
                DocumentUnfiled {
                    document: d(12, 2),
                    folder: c(3),
                },
            ),
            (
                row("ACTIVE", "security", "update", "ACTIVE!12.2", None, None),
                DocumentSecurityChanged { document: d(12, 2) },
            ),
            (
                row("ACTIVE", "security", "update", "wall 4", None, None),
                WallChanged {
                    library: lib(),
                    wall: 4,
                },
            ),
            (
                row(
                    "ACTIVE",
                    "container",
                    "container_move",
                    "ACTIVE!3",
                    Some("ACTIVE!2"),
                    Some("ACTIVE!5"),
                ),
                ContainerMoved {
                    container: c(3),
                    from: Some(c(2)),
                    workspace: c(5),
                },
            ),
            (
                row(
                    "ACTIVE",
                    "workspace",
                    "delete",
                    "ACTIVE!1",
                    None,
                    Some("ACTIVE!1"),
                ),
                WorkspaceDeleted { workspace: c(1) },
            ),
            (
                row(
                    "ACTIVE",
                    "lookup",
                    "delete",
                    "custom2:NY",
                    Some("USA"),
                    None,
                ),
                LookupDeleted {
                    library: lib(),
                    field: 2,
                    alias: "NY".into(),
                    parent: Some("USA".into()),
                },
            ),
            (
                row("", "user", "create", "JSMITH", None, None),
                UserCreated {
                    user: "JSMITH".into(),
                },
            ),
            (
                row("", "group", "members", "LITIGATION", None, None),
                GroupMembersChanged {
                    group: "LITIGATION".into(),
                },
            ),
            (
                row("", "role", "update", "AUTHOR", None, None),
                RoleUpdated {
                    library: None,
                    role: "AUTHOR".into(),
                },
            ),
        ];
        for (stored, change) in cases {
            assert_eq!(Change::decode(&stored), Ok(change.clone()), "{stored:?}");
            assert_eq!(change.encode(), stored);
        }
    }

    #[test]
    fn unknown_rows_are_an_error_not_a_guess() {
        let unknown = [
            // A kind or an action a newer version may write.
            row("ACTIVE", "webhook", "insert", "ACTIVE!1", None, None),
            row("ACTIVE", "document", "archive", "ACTIVE!12.1", None, None),
            row("", "user", "members", "JSMITH", None, None),
            // Damaged ids.
            row("ACTIVE", "document", "update", "ACTIVE!12", None, None),
            row("ACTIVE", "workspace", "insert", "nonsense", None, None),
            row("ACTIVE", "security", "update", "wall four", None, None),
            row("ACTIVE", "lookup", "insert", "custom13:X", None, None),
            row("ACTIVE", "lookup", "insert", "custom29", None, None),
            // What a change needs missing.
            row(
                "ACTIVE",
                "document",
                "insert",
                "ACTIVE!12.1",
                None,
                Some("ACTIVE!1"),
            ),
            row(
                "ACTIVE",
                "document",
                "insert",
                "ACTIVE!12.1",
                Some("ACTIVE!3"),
                None,
            ),
            row("ACTIVE", "container", "update", "ACTIVE!3", None, None),
            row(
                "ACTIVE",
                "container",
                "container_move",
                "ACTIVE!3",
                Some("ACTIVE!4.1"),
                Some("ACTIVE!1"),
            ),
            row(
                "ACTIVE",
                "document",
                "document_link",
                "ACTIVE!12.1",
                None,
                None,
            ),
        ];
        for stored in unknown {
            let err = Change::decode(&stored).unwrap_err();
            assert_eq!(
                (err.item_type.as_str(), err.object_id.as_str()),
                (stored.item_type.as_str(), stored.object_id.as_str())
            );
        }
    }

    #[test]
    fn item_types_round_trip_and_say_which_affect_access() {
        for t in ItemType::ALL {
            assert_eq!(ItemType::parse(t.as_str()), Some(t));
        }
        let affecting: Vec<&str> = ItemType::affecting_access().map(ItemType::as_str).collect();
        assert_eq!(affecting, ["security", "user", "group"]);
        for change in samples() {
            assert_eq!(
                change.affects_access(),
                affecting.contains(&change.encode().item_type.as_str())
            );
        }
    }
}
