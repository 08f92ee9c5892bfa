//! The one enforcement point. Every use case that touches a document or container goes
//! through `require` (one object) or `visibility` (lists, counts, searches), so the Work
//! API, the façade, the v1 API and the web client cannot disagree. The rules themselves are
//! `dossier_core::access` and `dossier_core::walls`; this module gathers their inputs.
//!
//! What the checks of one user in one library need (principal, walls, governing ACLs, the
//! readable set) is an access context, cached per (library, user) and valid while the
//! outbox's security stamp (`events::security_stamp`) is unchanged: every change that can
//! alter it emits an event of item type `security`, `group` or `user` in its own
//! transaction (`acl_keys::security_changed`, `Dossier::identity_event`), so another node
//! sees the change as soon as it commits.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use dossier_core::access::{Acl, Principal, access, acl_access};
use dossier_core::identity::{ADMIN_GROUP, AuditAction, AuditOutcome, Right};
use dossier_core::walls::{Wall, WallFacts, WallScope, denied_scopes};
use dossier_core::{AccessLevel, DomainError, LibraryId};
use dossier_store::AnyConnection;
use dossier_store::acl::{Denied, Visible};
use dossier_store::groups::GroupFilter;
use serde_json::json;

use crate::audit::Audit;

mod checked;
use crate::{Caller, Dossier, Page, Result};
pub(crate) use checked::{
    ChangeSecurity, Checked, Edit, Read, container_facts, container_not_found, document_facts,
    document_home, workspace_of,
};

#[derive(Debug, Default)]
pub struct AccessCache {
    entries: Mutex<HashMap<(String, String), Context>>,
}

/// What the access checks of one user in one library need, as of one security stamp:
/// who the user is (groups, flags), the library's walls, and (once a list asked for it)
/// the readable set.
#[derive(Clone, Debug)]
struct Context {
    stamp: i64,
    principal: Arc<Principal>,
    walls: Arc<Vec<Wall>>,
    /// The library's closed read-only workspaces (numbers, sorted): closing or re-opening
    /// one emits a security event, so the stamp covers them.
    read_only: Arc<Vec<i64>>,
    visible: Option<Option<Visible>>,
    /// Governing ACLs looked up so far (shared by the clones of this context): an ACL's
    /// default security or trustees cannot change without a new stamp.
    governing: Arc<Mutex<HashMap<i64, Governing>>>,
}

type Governing = (
    dossier_core::DefaultSecurity,
    Arc<Vec<dossier_core::model::Trustee>>,
);

impl AccessCache {
    fn get(&self, library: &str, user: &str, stamp: i64) -> Option<Context> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&(library.to_string(), user.to_string()))
            .filter(|c| c.stamp == stamp)
            .cloned()
    }

    fn put(&self, library: &str, user: &str, context: Context) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Entries of an older stamp are useless; drop them rather than let the map grow.
        entries.retain(|_, c| c.stamp >= context.stamp);
        entries.insert((library.to_string(), user.to_string()), context);
    }
}

/// Who the caller is for the access calculus: login, enabled groups, external flag.
pub(crate) async fn principal(conn: &mut AnyConnection, caller: &Caller) -> Result<Principal> {
    let user = dossier_store::users::get(conn, &caller.user_id).await?;
    let mut p = principal_of(
        conn,
        caller.customer_id,
        &caller.user_id,
        user.is_some_and(|u| u.is_external),
    )
    .await?;
    p.is_admin |= caller.is_admin;
    Ok(p)
}

/// The principal of any user of the customer (for reports about others).
pub(crate) async fn principal_of(
    conn: &mut AnyConnection,
    customer_id: i64,
    user_id: &str,
    is_external: bool,
) -> Result<Principal> {
    let filter = GroupFilter {
        member: Some(user_id.to_string()),
        enabled: Some(true),
        ..GroupFilter::default()
    };
    let (groups, _) = dossier_store::groups::list(
        conn,
        customer_id,
        &filter,
        Page {
            limit: 100_000,
            ..Page::default()
        },
    )
    .await?;
    let groups: BTreeSet<String> = groups.into_iter().map(|g| g.id).collect();
    Ok(Principal {
        user: user_id.to_uppercase(),
        is_admin: groups.contains(ADMIN_GROUP),
        is_external,
        groups,
    })
}

/// An object as the access check sees it: where it lives, which ACL governs it, who owns
/// or wrote it, and how to name it in errors.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Guarded<'a> {
    pub library: &'a LibraryId,
    pub acl: i64,
    pub owner: &'a str,
    pub what: &'a str,
    /// What ethical walls look at: client, matter, workspace.
    pub facts: WallFacts<'a>,
}

/// What a use case needs on an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Read,
    Edit,
    ChangeSecurity,
}

impl Need {
    fn level(self) -> AccessLevel {
        match self {
            Need::Read => AccessLevel::Read,
            Need::Edit => AccessLevel::ReadWrite,
            Need::ChangeSecurity => AccessLevel::FullAccess,
        }
    }
}

impl Dossier {
    /// Checks that the caller may do `need` on the object `what`, governed by the ACL key
    /// `acl` and owned (or authored) by `owner`. An object the caller cannot read is "not
    /// found", exactly like one that does not exist; one it can read but not change is
    /// forbidden. Returns the caller's level.
    pub(crate) async fn require(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        object: Guarded<'_>,
        need: Need,
    ) -> Result<AccessLevel> {
        let Guarded {
            library,
            acl,
            owner,
            what,
            facts,
        } = object;
        let ctx = self.context(conn, caller, library).await?;
        let (p, walls) = (ctx.principal.as_ref(), ctx.walls.as_ref());
        // Walls first: their denial wins over every grant, NRTADMIN's included.
        if let Some(wall) = walled_out(p, walls, &facts) {
            if !self.may_pass_walls(conn, caller, library).await? {
                return Err(DomainError::not_found(what));
            }
            self.audit_in_background(
                caller,
                AuditAction::WallBreakGlass,
                what,
                json!({"library": library.as_str(), "object": what, "wall": wall.id, "wall_name": wall.name, "need": format!("{need:?}").to_lowercase()}),
            );
        }
        let (default_security, trustees) = governing(conn, &ctx, library, acl).await?;
        let acl_view = Acl {
            default_security,
            trustees: &trustees,
        };
        let level = access(p, &acl_view, Some(owner));
        if level < AccessLevel::Read {
            return Err(DomainError::not_found(what));
        }
        // A closed read-only matter caps everyone but administrators at reading, whatever
        // their rights: its documents, folders, profile and security stay as they closed.
        let closed = !p.is_admin
            && facts
                .workspace()
                .is_some_and(|w| ctx.read_only.binary_search(&w).is_ok());
        let level = if closed {
            level.min(AccessLevel::Read)
        } else {
            level
        };
        if closed && level < need.level() {
            return Err(DomainError::Forbidden(format!(
                "{what} is in a closed matter: only administrators may change it"
            )));
        }
        if level < need.level() {
            return Err(DomainError::Forbidden(format!(
                "you may {} {what} but not {}",
                if level >= AccessLevel::ReadWrite {
                    "change"
                } else {
                    "read"
                },
                match need {
                    Need::Read => "read it",
                    Need::Edit => "change it",
                    Need::ChangeSecurity => "change its security",
                }
            )));
        }
        if p.is_admin
            && !owner.eq_ignore_ascii_case(&p.user)
            && acl_access(p, &acl_view) < need.level()
        {
            self.audit_in_background(
                caller,
                AuditAction::AccessAdminOverride,
                what,
                json!({"library": library.as_str(), "object": what, "need": format!("{need:?}").to_lowercase()}),
            );
        }
        Ok(level)
    }

    /// Whether the calculus lets the caller see the object in a list: a wall covering it
    /// shuts the caller out (the break-glass pass opens single objects, never lists), else
    /// its ACL and owner decide. `require`'s rule, without its side effects, for the
    /// property test that compares the rule's forms (`readable`).
    #[cfg(feature = "testing")]
    pub(crate) async fn lists_readable(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        object: Guarded<'_>,
    ) -> Result<bool> {
        let ctx = self.context(conn, caller, object.library).await?;
        let p = ctx.principal.as_ref();
        if walled_out(p, &ctx.walls, &object.facts).is_some() {
            return Ok(false);
        }
        let (default_security, trustees) =
            governing(conn, &ctx, object.library, object.acl).await?;
        let acl = Acl {
            default_security,
            trustees: &trustees,
        };
        Ok(access(p, &acl, Some(object.owner)) >= AccessLevel::Read)
    }

    /// Records an access that needs a trace (an administrator beyond an object's own
    /// security, a pass through an ethical wall) in its own transaction after the
    /// request's: spawned, because the request may hold the writer.
    fn audit_in_background(
        &self,
        caller: &Caller,
        action: AuditAction,
        what: &str,
        detail: serde_json::Value,
    ) {
        let d = self.clone();
        let caller = caller.clone();
        let target = what.to_string();
        tokio::spawn(async move {
            let outcome = async {
                let mut tx = d.store.begin().await?;
                d.audit(
                    tx.conn(),
                    Some(&caller),
                    Audit {
                        action,
                        target: Some(target),
                        outcome: AuditOutcome::Success,
                        detail,
                    },
                )
                .await?;
                tx.commit().await
            }
            .await;
            if let Err(e) = outcome {
                tracing::error!("could not write the {} audit record: {e}", action.as_str());
            }
        });
    }

    /// Whether the caller's role in the library holds `ethical_wall_override`.
    async fn may_pass_walls(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        library: &LibraryId,
    ) -> Result<bool> {
        self.holds_right(conn, caller, library, Right::EthicalWallOverride)
            .await
    }

    /// Administrators pass, and members whose role in the library holds `right`; anyone
    /// else is refused: "`task` needs the `right` right".
    pub(crate) async fn require_right(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        library: &LibraryId,
        right: Right,
        task: &str,
    ) -> Result<()> {
        if caller.is_admin || self.holds_right(conn, caller, library, right).await? {
            Ok(())
        } else {
            Err(DomainError::Forbidden(format!(
                "{task} needs the {} right",
                right.as_str()
            )))
        }
    }

    /// Whether the caller's role in the library holds `right`.
    pub(crate) async fn holds_right(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        library: &LibraryId,
        right: Right,
    ) -> Result<bool> {
        let Some(m) =
            dossier_store::roles::membership_of(conn, library.as_str(), &caller.user_id).await?
        else {
            return Ok(false);
        };
        Ok(dossier_store::roles::get(conn, library.as_str(), &m.role)
            .await?
            .is_some_and(|r| r.rights.contains(&right)))
    }

    /// The caller's readable set in a library, for list, count and search queries; `None`
    /// for administrators, who read everything.
    pub async fn visibility(
        &self,
        caller: &Caller,
        library: &LibraryId,
    ) -> Result<Option<Visible>> {
        let mut conn = self.store.read().await?;
        self.visibility_on(&mut conn, caller, library).await
    }

    /// As `visibility`, on a connection the caller already holds: a use case inside a
    /// transaction must not wait for a second connection (with every reader taken by requests
    /// that wait for the writer, it would wait for good).
    pub(crate) async fn visibility_on(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        library: &LibraryId,
    ) -> Result<Option<Visible>> {
        let mut ctx = self.context(conn, caller, library).await?;
        if let Some(v) = &ctx.visible {
            return Ok(v.clone());
        }
        let p = ctx.principal.as_ref();
        let denied = Arc::new(flatten(&mut *conn, library, &denied_scopes(p, &ctx.walls)).await?);
        let visible = if p.is_admin {
            // Administrators read every ACL; only walls narrow what they list.
            (!denied.is_empty()).then(|| Visible {
                library: library.as_str().to_string(),
                keys: None,
                user: caller.user_id.clone(),
                denied,
            })
        } else {
            let objects = dossier_store::acl::objects(&mut *conn, library).await?;
            // The ACL alone decides which keys are readable: an object's owner sees that
            // object (the `owner = me` half of the filter), not everything inheriting from it.
            let keys: Vec<i64> = objects
                .iter()
                .filter(|(o, trustees)| {
                    acl_access(
                        p,
                        &Acl {
                            default_security: o.default_security,
                            trustees,
                        },
                    ) >= AccessLevel::Read
                })
                .map(|(o, _)| o.key)
                .collect();
            Some(Visible {
                library: library.as_str().to_string(),
                keys: Some(Arc::new(keys)),
                user: caller.user_id.clone(),
                denied,
            })
        };
        ctx.visible = Some(visible.clone());
        self.access.put(library.as_str(), &caller.user_id, ctx);
        Ok(visible)
    }

    /// The caller's access context in a library, from the cache while the security stamp
    /// is unchanged.
    async fn context(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        library: &LibraryId,
    ) -> Result<Context> {
        let stamp = dossier_store::events::security_stamp(conn).await?;
        if let Some(ctx) = self.access.get(library.as_str(), &caller.user_id, stamp) {
            return Ok(ctx);
        }
        let ctx = Context {
            stamp,
            principal: Arc::new(principal(conn, caller).await?),
            walls: Arc::new(dossier_store::walls::list(conn, library.as_str()).await?),
            read_only: Arc::new(dossier_store::matters::read_only_workspaces(conn, library).await?),
            visible: None,
            governing: Arc::default(),
        };
        self.access
            .put(library.as_str(), &caller.user_id, ctx.clone());
        Ok(ctx)
    }
}

/// The first wall that shuts `p` out of an object with these facts: the calculus's first
/// step, before any ACL (walls bind everyone, NRTADMIN included).
pub(crate) fn walled_out<'w>(
    p: &Principal,
    walls: &'w [Wall],
    facts: &WallFacts<'_>,
) -> Option<&'w Wall> {
    walls.iter().find(|w| w.scope.covers(facts) && w.denies(p))
}

/// The default security and trustees of the ACL `acl`, from the context's memo or the
/// database.
async fn governing(
    conn: &mut AnyConnection,
    ctx: &Context,
    library: &LibraryId,
    acl: i64,
) -> Result<Governing> {
    let cached = ctx
        .governing
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&acl)
        .cloned();
    if let Some(g) = cached {
        return Ok(g);
    }
    let (d, t) = dossier_store::acl::governing(conn, library, acl).await?;
    let g = (d, Arc::new(t));
    ctx.governing
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(acl, g.clone());
    Ok(g)
}

/// The scopes walls close to a caller, flattened for queries (`acl::Denied`).
async fn flatten(
    conn: &mut AnyConnection,
    library: &LibraryId,
    scopes: &[WallScope],
) -> Result<Denied> {
    let mut d = Denied::default();
    for s in scopes {
        match s {
            WallScope::Client(c) => d.clients.push(c.clone()),
            WallScope::Matter(c, m) => d.matters.push((c.clone(), m.clone())),
            WallScope::Workspace(w) => d.workspaces.push(*w),
        }
    }
    d.workspaces.extend(
        dossier_store::acl::workspaces_matching(conn, library, &d.clients, &d.matters).await?,
    );
    d.workspaces.sort_unstable();
    d.workspaces.dedup();
    Ok(d)
}

/// Whether an object passes a list's visibility filter, decided in memory (for paths):
/// the same conditions `Visible::push_filter` writes in SQL.
pub(crate) fn admits(v: &Visible, acl: i64, owner: &str, facts: &WallFacts<'_>) -> bool {
    let acl_ok = v
        .keys
        .as_ref()
        .is_none_or(|keys| keys.binary_search(&acl).is_ok() || owner.eq_ignore_ascii_case(&v.user));
    let d = &v.denied;
    let client = facts.client().unwrap_or_default();
    let walled = d.clients.iter().any(|c| c.eq_ignore_ascii_case(client))
        || d.matters.iter().any(|(c, m)| {
            c.eq_ignore_ascii_case(client)
                && facts.matter().is_some_and(|fm| fm.eq_ignore_ascii_case(m))
        })
        || facts
            .workspace()
            .is_some_and(|w| d.workspaces.binary_search(&w).is_ok());
    acl_ok && !walled
}
