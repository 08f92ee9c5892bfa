//! Reading and changing an object's security (`GET`/`POST …/security`) and a user's
//! effective access (`…/users/{uid}/security`). Changing security needs full access; each
//! change re-resolves the ACL keys below the object, leaves an audit record with before and
//! after (and, for documents, a history entry) and an event that invalidates readable sets.

use dossier_core::access::{Acl, AclKey, Grounds, access, grounds};
use dossier_core::identity::{AuditAction, AuditOutcome};
use dossier_core::model::TrusteeOwner;
use dossier_core::model::{Container, ContainerKind, Trustee, TrusteeType};
use dossier_core::{
    AccessLevel, Activity, ContainerId, DefaultSecurity, DocumentRef, DomainError, LibraryId,
};
use dossier_store::AnyConnection;
use serde_json::{Value, json};

use crate::access::{
    ChangeSecurity, Read, container_facts, document_facts, document_home, principal_of,
    workspace_of,
};
use crate::acl_keys::{resecure_container, resecure_document, security_changed};
use crate::audit::Audit;
use crate::events::Change;
use crate::trustees::TrusteeProfile;
use crate::{Caller, Dossier, Result, trustees};

/// An object's security as its security endpoint shows it.
#[derive(Clone, Debug)]
pub struct SecurityView {
    /// As stored on the object (`inherit` for an inheriting one).
    pub default_security: DefaultSecurity,
    /// What governs it: its own, or what it inherits.
    pub effective_default_security: DefaultSecurity,
    /// The governing trustees (the ancestor's when inheriting).
    pub trustees: Vec<Trustee>,
}

/// A change to an object's security: iManage's `{default_security, include, remove}`.
#[derive(Clone, Debug, Default)]
pub struct SecurityChange {
    pub default_security: Option<DefaultSecurity>,
    /// Entries to add or whose level to change.
    pub include: Vec<Trustee>,
    /// Entries to take away, by type and id.
    pub remove: Vec<(TrusteeType, String)>,
}

fn snapshot(default: DefaultSecurity, trustees: &[Trustee]) -> Value {
    json!({"default_security": default.as_str(),
           "trustees": trustees.iter().map(|t| json!({"id": t.id, "type": t.trustee_type.as_str(), "access_level": t.access.as_str()})).collect::<Vec<_>>()})
}

/// The new own trustee list: the old one minus `remove`, with `include` added or updated.
fn merged(old: &[Trustee], change: &SecurityChange) -> Vec<Trustee> {
    let mut out: Vec<Trustee> = old
        .iter()
        .filter(|t| {
            !change
                .remove
                .iter()
                .any(|(k, id)| *k == t.trustee_type && id.eq_ignore_ascii_case(&t.id))
                && !change
                    .include
                    .iter()
                    .any(|i| i.trustee_type == t.trustee_type && i.id == t.id)
        })
        .cloned()
        .collect();
    out.extend(change.include.iter().cloned());
    out.sort_by(|a, b| (a.trustee_type.as_str(), &a.id).cmp(&(b.trustee_type.as_str(), &b.id)));
    out
}

async fn view_of(
    conn: &mut AnyConnection,
    library: &LibraryId,
    own: DefaultSecurity,
    acl: i64,
) -> Result<SecurityView> {
    let (effective, trustees) = dossier_store::acl::governing(conn, library, acl).await?;
    Ok(SecurityView {
        default_security: own,
        effective_default_security: effective,
        trustees,
    })
}

impl Dossier {
    pub async fn document_security(
        &self,
        caller: &Caller,
        r: &DocumentRef,
    ) -> Result<SecurityView> {
        let mut conn = self.store.read().await?;
        let doc = self.document_for(&mut conn, caller, r, Read).await?;
        view_of(&mut conn, &r.library, doc.default_security, doc.acl).await
    }

    pub async fn container_security(
        &self,
        caller: &Caller,
        id: &ContainerId,
    ) -> Result<SecurityView> {
        let mut conn = self.store.read().await?;
        let c = self.container_for(&mut conn, caller, id, Read).await?;
        view_of(&mut conn, &id.library, c.default_security, c.acl).await
    }

    /// An object's security with a profile for each governing trustee (its name, stable id
    /// and state, and for a group whether an ethical wall shuts one of its members out of
    /// the object), read in one go so that the list and the profiles agree.
    pub async fn object_security(
        &self,
        caller: &Caller,
        object: ObjectRef<'_>,
    ) -> Result<(SecurityView, Vec<TrusteeProfile>)> {
        let mut conn = self.store.read().await?;
        let conn: &mut AnyConnection = &mut conn;
        let (view, restricted) = match object {
            ObjectRef::Document(r) => {
                let d = self.document_for(conn, caller, r, Read).await?;
                let view = view_of(conn, &r.library, d.default_security, d.acl).await?;
                let (home, workspace) = document_home(conn, r).await?;
                let facts = document_facts(&d, home, workspace.as_ref());
                let walls = dossier_store::walls::list(conn, r.library.as_str()).await?;
                let restricted =
                    trustees::restricted_groups(conn, caller, &walls, &facts, &view.trustees)
                        .await?;
                (view, restricted)
            }
            ObjectRef::Container(id) => {
                let c = self.container_for(conn, caller, id, Read).await?;
                let view = view_of(conn, &id.library, c.default_security, c.acl).await?;
                let workspace = workspace_of(conn, &c).await?;
                let facts = container_facts(&c, &workspace);
                let walls = dossier_store::walls::list(conn, id.library.as_str()).await?;
                let restricted =
                    trustees::restricted_groups(conn, caller, &walls, &facts, &view.trustees)
                        .await?;
                (view, restricted)
            }
        };
        let profiles = trustees::profiles(conn, &view.trustees, &restricted).await?;
        Ok((view, profiles))
    }

    pub async fn change_document_security(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        change: SecurityChange,
    ) -> Result<SecurityView> {
        let mut tx = self.store.begin().await?;
        let v = self
            .change_document_security_in(tx.conn(), caller, r, &change)
            .await?;
        tx.commit().await?;
        Ok(v)
    }

    async fn change_document_security_in(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        r: &DocumentRef,
        change: &SecurityChange,
    ) -> Result<SecurityView> {
        let now = self.now();
        let doc = self.document_for(conn, caller, r, ChangeSecurity).await?;
        let parent_acl = dossier_store::acl::home_folder_key(conn, &r.library, r.number).await?;
        let (before, after) = self
            .apply_security(
                conn,
                &r.library,
                AclKey::Document(r.number),
                doc.default_security,
                parent_acl,
                change,
            )
            .await?;
        dossier_store::acl::set_document_default(conn, &r.library, r.number, after.0).await?;
        resecure_document(conn, &r.library, r.number, after.0).await?;
        let what = doc.id.to_string();
        let event = Change::DocumentSecurityChanged {
            document: doc.id.clone(),
        };
        self.record_security_change(conn, caller, now, &r.library, &what, event, &before, &after)
            .await?;
        let entry = crate::documents::history_entry(
            &doc.id,
            Activity::Modify,
            caller,
            now,
            format!("security: {} -> {}", before.0.as_str(), after.0.as_str()),
        );
        dossier_store::history::insert(conn, &entry).await?;
        let doc = self.document_for(conn, caller, r, Read).await?;
        view_of(conn, &r.library, doc.default_security, doc.acl).await
    }

    pub async fn change_container_security(
        &self,
        caller: &Caller,
        id: &ContainerId,
        change: SecurityChange,
    ) -> Result<SecurityView> {
        let mut tx = self.store.begin().await?;
        let v = self
            .change_container_security_in(tx.conn(), caller, id, &change)
            .await?;
        tx.commit().await?;
        Ok(v)
    }

    async fn change_container_security_in(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        id: &ContainerId,
        change: &SecurityChange,
    ) -> Result<SecurityView> {
        let now = self.now();
        let mut c = self
            .container_for(conn, caller, id, ChangeSecurity)
            .await?
            .into_inner();
        // A template's security is what its matters will get: the template right decides it.
        self.guard_template(conn, caller, &c).await?;
        let parent_acl = match c.parent {
            Some(p) => Some(
                // The parent's governing key, for an `inherit` that falls back to it; the
                // container itself passed its check above.
                dossier_store::containers::get(conn, &ContainerId::new(id.library.clone(), p))
                    .await?
                    .ok_or_else(|| crate::access::container_not_found(id))?
                    .acl,
            ),
            None => None,
        };
        let (before, after) = self
            .apply_security(
                conn,
                &id.library,
                AclKey::Container(id.number),
                c.default_security,
                parent_acl,
                change,
            )
            .await?;
        c.default_security = after.0;
        c.edit_date = now;
        dossier_store::containers::update(conn, &c).await?;
        resecure_container(conn, &id.library, id.number).await?;
        self.record_security_change(
            conn,
            caller,
            now,
            &id.library,
            &id.to_string(),
            Change::ContainerSecurityChanged {
                container: id.clone(),
            },
            &before,
            &after,
        )
        .await?;
        // Read again: the change gave the container its new governing key.
        let c: Container = dossier_store::containers::get(conn, id)
            .await?
            .ok_or_else(|| crate::access::container_not_found(id))?;
        crate::reports::record_workspace(conn, caller.customer_id, &c, now).await?;
        view_of(conn, &id.library, c.default_security, c.acl).await
    }

    /// Works out and writes an object's new own trustees; returns its (default security,
    /// own trustees) before and after. Choosing `inherit` gives up the object's own
    /// security, trustees included; trustees added to an inheriting object make it govern
    /// itself with the default security it inherited.
    #[allow(clippy::type_complexity)]
    async fn apply_security(
        &self,
        conn: &mut AnyConnection,
        library: &LibraryId,
        key: AclKey,
        stored: DefaultSecurity,
        parent_acl: Option<i64>,
        change: &SecurityChange,
    ) -> Result<(
        (DefaultSecurity, Vec<Trustee>),
        (DefaultSecurity, Vec<Trustee>),
    )> {
        trustees::validate(conn, &change.include).await?;
        let before_own =
            dossier_store::catalog::trustees(conn, library, key.object_kind(), key.number())
                .await?;
        let mut default = change.default_security.unwrap_or(stored);
        let mut own = merged(&before_own, change);
        if default == DefaultSecurity::Inherit {
            let parent = parent_acl.ok_or_else(|| {
                DomainError::invalid(
                    "default_security",
                    "a workspace cannot inherit its security",
                )
            })?;
            if change.default_security == Some(DefaultSecurity::Inherit) {
                own.clear();
            } else if !own.is_empty() {
                default = dossier_store::acl::governing(conn, library, parent)
                    .await?
                    .0;
            }
        }
        dossier_store::catalog::remove_trustees(conn, library, key.object_kind(), key.number())
            .await?;
        dossier_store::catalog::set_trustees(conn, library, key.object_kind(), key.number(), &own)
            .await?;
        Ok(((stored, before_own), (default, own)))
    }

    #[allow(clippy::too_many_arguments)]
    async fn record_security_change(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        now: chrono::DateTime<chrono::Utc>,
        library: &LibraryId,
        what: &str,
        event: Change,
        before: &(DefaultSecurity, Vec<Trustee>),
        after: &(DefaultSecurity, Vec<Trustee>),
    ) -> Result<()> {
        self.audit(
            conn,
            Some(caller),
            Audit {
                action: AuditAction::SecurityChange,
                target: Some(what.to_string()),
                outcome: AuditOutcome::Success,
                detail: json!({"library": library.as_str(), "before": snapshot(before.0, &before.1), "after": snapshot(after.0, &after.1)}),
            },
        )
        .await?;
        security_changed(conn, caller, now, event).await
    }

    /// `GET …/{documents|workspaces|folders}/{id}/users/{uid}/security`: the level another
    /// user of the customer has on an object the caller can read.
    pub async fn user_access(
        &self,
        caller: &Caller,
        library: &LibraryId,
        object: ObjectRef<'_>,
        uid: &str,
    ) -> Result<AccessLevel> {
        let mut conn = self.store.read().await?;
        let (acl, owner) = match object {
            ObjectRef::Document(r) => {
                let d = self.document_for(&mut conn, caller, r, Read).await?;
                (d.acl, d.author.clone())
            }
            ObjectRef::Container(id) => {
                let c = self.container_for(&mut conn, caller, id, Read).await?;
                (c.acl, c.owner.clone())
            }
        };
        let user = self.user(caller, uid).await?;
        let p = principal_of(&mut conn, caller.customer_id, &user.id, user.is_external).await?;
        let (default_security, trustees) =
            dossier_store::acl::governing(&mut conn, library, acl).await?;
        Ok(access(
            &p,
            &Acl {
                default_security,
                trustees: &trustees,
            },
            Some(&owner),
        ))
    }
}

/// Why a user has the level they have on an object, in words a person can be shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessReason {
    /// An ethical wall shuts them out, whatever the security says.
    Wall {
        name: String,
    },
    Administrator,
    Owner,
    /// A trustee entry names them.
    Named,
    /// The best of their groups that are trustees.
    Group {
        id: String,
        name: String,
    },
    /// A group of theirs is a trustee with no access.
    GroupDenied {
        id: String,
        name: String,
    },
    /// External users get nothing from the default security.
    External,
    /// The object's default security (`public`, `view`, `private`).
    Default(DefaultSecurity),
}

/// A user's access to an object and why.
#[derive(Clone, Debug)]
pub struct AccessExplanation {
    pub user_id: String,
    pub full_name: String,
    pub level: AccessLevel,
    pub reason: AccessReason,
}

/// How `copy_security` combines a source's security with a target's (iManage's copy
/// permissions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyMode {
    /// The target's trustees become the source's.
    Overwrite,
    /// Both lists; where both name a trustee, the lower level.
    MergePessimistic,
    /// Both lists; where both name a trustee, the higher level.
    MergeOptimistic,
}

impl CopyMode {
    pub const ALL: [CopyMode; 3] = [
        CopyMode::Overwrite,
        CopyMode::MergePessimistic,
        CopyMode::MergeOptimistic,
    ];

    /// The name the connectors' copy-permissions action offers ("Merge (Pessimistic)", …).
    pub fn display_name(self) -> &'static str {
        match self {
            CopyMode::Overwrite => "Overwrite",
            CopyMode::MergePessimistic => "Merge (Pessimistic)",
            CopyMode::MergeOptimistic => "Merge (Optimistic)",
        }
    }
}

/// How open a default security is, for merging: private < view < public.
fn openness(d: DefaultSecurity) -> u8 {
    match d {
        DefaultSecurity::Private | DefaultSecurity::Inherit => 0,
        DefaultSecurity::View => 1,
        DefaultSecurity::Public => 2,
    }
}

/// The target's new (default security, trustees) when `source` is copied onto `target`.
fn combine(
    mode: CopyMode,
    with_default: bool,
    source: &SecurityView,
    target: &SecurityView,
) -> (DefaultSecurity, Vec<Trustee>) {
    let mut trustees: Vec<Trustee> = match mode {
        CopyMode::Overwrite => source.trustees.clone(),
        CopyMode::MergePessimistic | CopyMode::MergeOptimistic => {
            let mut out = target.trustees.clone();
            for t in &source.trustees {
                match out
                    .iter_mut()
                    .find(|o| o.trustee_type == t.trustee_type && o.id == t.id)
                {
                    Some(o) if mode == CopyMode::MergePessimistic => {
                        o.access = o.access.min(t.access)
                    }
                    Some(o) => o.access = o.access.max(t.access),
                    None => out.push(t.clone()),
                }
            }
            out
        }
    };
    trustees
        .sort_by(|a, b| (a.trustee_type.as_str(), &a.id).cmp(&(b.trustee_type.as_str(), &b.id)));
    let (src, dst) = (
        source.effective_default_security,
        target.effective_default_security,
    );
    let default = if !with_default {
        dst
    } else {
        match mode {
            CopyMode::Overwrite => src,
            CopyMode::MergePessimistic => {
                if openness(src) <= openness(dst) {
                    src
                } else {
                    dst
                }
            }
            CopyMode::MergeOptimistic => {
                if openness(src) >= openness(dst) {
                    src
                } else {
                    dst
                }
            }
        }
    };
    (default, trustees)
}

impl Dossier {
    /// Copies the security of `source` onto every target in one transaction (all or
    /// nothing): each target needs full access, the source read. A target ends up governing
    /// itself with the combined default security and trustees.
    pub async fn copy_security(
        &self,
        caller: &Caller,
        source: ObjectRef<'_>,
        targets: &[ObjectRef<'_>],
        mode: CopyMode,
        with_default: bool,
    ) -> Result<usize> {
        let mut tx = self.store.begin().await?;
        let src = match source {
            ObjectRef::Document(r) => {
                let d = self.document_for(tx.conn(), caller, r, Read).await?;
                view_of(tx.conn(), &r.library, d.default_security, d.acl).await?
            }
            ObjectRef::Container(id) => {
                let c = self.container_for(tx.conn(), caller, id, Read).await?;
                view_of(tx.conn(), &id.library, c.default_security, c.acl).await?
            }
        };
        for t in targets {
            let current = match t {
                ObjectRef::Document(r) => {
                    let d = self
                        .document_for(tx.conn(), caller, r, ChangeSecurity)
                        .await?;
                    view_of(tx.conn(), &r.library, d.default_security, d.acl).await?
                }
                ObjectRef::Container(id) => {
                    let c = self
                        .container_for(tx.conn(), caller, id, ChangeSecurity)
                        .await?;
                    self.guard_template(tx.conn(), caller, &c).await?;
                    view_of(tx.conn(), &id.library, c.default_security, c.acl).await?
                }
            };
            let (default, trustees) = combine(mode, with_default, &src, &current);
            let own = match t {
                ObjectRef::Document(r) => {
                    dossier_store::catalog::trustees(
                        tx.conn(),
                        &r.library,
                        TrusteeOwner::Document,
                        r.number,
                    )
                    .await?
                }
                ObjectRef::Container(id) => {
                    dossier_store::catalog::trustees(
                        tx.conn(),
                        &id.library,
                        TrusteeOwner::Container,
                        id.number,
                    )
                    .await?
                }
            };
            let change = SecurityChange {
                default_security: Some(default),
                remove: own
                    .iter()
                    .map(|o| (o.trustee_type.clone(), o.id.clone()))
                    .collect(),
                include: trustees,
            };
            match t {
                ObjectRef::Document(r) => {
                    self.change_document_security_in(tx.conn(), caller, r, &change)
                        .await?
                }
                ObjectRef::Container(id) => {
                    self.change_container_security_in(tx.conn(), caller, id, &change)
                        .await?
                }
            };
        }
        tx.commit().await?;
        Ok(targets.len())
    }
}

impl Dossier {
    /// What another user of the customer may do with an object the caller can read, and
    /// why: the walls first (they bind everyone), then the access calculus's deciding rule
    /// (`core::access::grounds`, the rule enforcement applies).
    pub async fn explain_access(
        &self,
        caller: &Caller,
        library: &LibraryId,
        object: ObjectRef<'_>,
        uid: &str,
    ) -> Result<AccessExplanation> {
        let mut conn = self.store.read().await?;
        let conn: &mut AnyConnection = &mut conn;
        let user = self.user(caller, uid).await?;
        let p = principal_of(conn, caller.customer_id, &user.id, user.is_external).await?;
        let walls = dossier_store::walls::list(conn, library.as_str()).await?;
        let (acl, owner, wall) = match object {
            ObjectRef::Document(r) => {
                let d = self.document_for(conn, caller, r, Read).await?;
                let (home, workspace) = document_home(conn, r).await?;
                let facts = document_facts(&d, home, workspace.as_ref());
                let wall = crate::access::walled_out(&p, &walls, &facts).map(|w| w.name.clone());
                (d.acl, d.author.clone(), wall)
            }
            ObjectRef::Container(id) => {
                let c = self.container_for(conn, caller, id, Read).await?;
                let workspace = workspace_of(conn, &c).await?;
                let facts = container_facts(&c, &workspace);
                let wall = crate::access::walled_out(&p, &walls, &facts).map(|w| w.name.clone());
                (c.acl, c.owner.clone(), wall)
            }
        };
        let explained = |level, reason| AccessExplanation {
            user_id: user.id.clone(),
            full_name: user.full_name.clone(),
            level,
            reason,
        };
        if let Some(name) = wall {
            return Ok(explained(
                AccessLevel::NoAccess,
                AccessReason::Wall { name },
            ));
        }
        let (default_security, trustees) =
            dossier_store::acl::governing(conn, library, acl).await?;
        let decided = grounds(
            &p,
            &Acl {
                default_security,
                trustees: &trustees,
            },
            Some(&owner),
        );
        let group_name = async |conn: &mut AnyConnection, id: &str| -> Result<String> {
            Ok(dossier_store::groups::get(conn, id)
                .await?
                .map_or_else(|| id.to_string(), |g| g.full_name))
        };
        let reason = match decided {
            Grounds::Administrator => AccessReason::Administrator,
            Grounds::Owner => AccessReason::Owner,
            Grounds::Named(_) => AccessReason::Named,
            Grounds::Group(id, _) => AccessReason::Group {
                id: id.to_string(),
                name: group_name(conn, id).await?,
            },
            Grounds::GroupDenied(id) => AccessReason::GroupDenied {
                id: id.to_string(),
                name: group_name(conn, id).await?,
            },
            Grounds::External => AccessReason::External,
            Grounds::Default(d) => AccessReason::Default(d),
        };
        Ok(explained(decided.level(), reason))
    }
}

/// A document or a container, for `user_access`.
#[derive(Clone, Copy, Debug)]
pub enum ObjectRef<'a> {
    Document(&'a DocumentRef),
    Container(&'a ContainerId),
}

/// Container kinds whose security can be read and changed.
pub const SECURED_KINDS: [ContainerKind; 4] = [
    ContainerKind::Workspace,
    ContainerKind::Folder,
    ContainerKind::Tab,
    ContainerKind::SearchFolder,
];
