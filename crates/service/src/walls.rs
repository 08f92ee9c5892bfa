//! Ethical walls: their administration and the reports administrators read. Walls are
//! enforced by `access` (one object) and by the readable sets (lists), so a change takes
//! effect with the next request on every node and re-indexes nothing: each change emits a
//! `security` event, which invalidates readable-set caches.

use std::collections::BTreeSet;

use dossier_core::DomainError;
use dossier_core::identity::{AuditAction, AuditOutcome};
use dossier_core::model::TrusteeOwner;
use dossier_core::walls::{Wall, WallKind, WallScope};
use dossier_core::{ContainerId, LibraryId};
use dossier_store::AnyConnection;
use dossier_store::users::UserFilter;
use serde_json::{Value, json};

use crate::acl_keys::security_changed;
use crate::audit::Audit;
use crate::events::Change;
use crate::{Caller, Dossier, Page, Result};

/// What an administrator sends to create or replace a wall.
#[derive(Clone, Debug)]
pub struct WallInput {
    pub name: String,
    pub kind: WallKind,
    pub scope: WallScope,
    pub description: String,
    pub users: BTreeSet<String>,
    pub groups: BTreeSet<String>,
}

/// Who a wall admits and shuts out, among the library's members, and its conflicts.
#[derive(Clone, Debug)]
pub struct WallReport {
    pub wall: Wall,
    /// Members of the wall, directly or through a group.
    pub inside: Vec<String>,
    /// Library members the wall keeps away from what it covers.
    pub shut_out: Vec<String>,
    /// Users the wall shuts out who hold an explicit trustee entry on a covered workspace
    /// (the wall overrides it), and users inside this wall whom another wall covering the
    /// same client shuts out.
    pub conflicts: Vec<(String, String)>,
}

fn snapshot(w: &Wall) -> Value {
    json!({"name": w.name, "kind": w.kind.as_str(), "scope": format!("{:?}", w.scope),
           "users": w.users, "groups": w.groups})
}

fn client_of(s: &WallScope) -> Option<&str> {
    match s {
        WallScope::Client(c) | WallScope::Matter(c, _) => Some(c),
        WallScope::Workspace(_) => None,
    }
}

impl Dossier {
    async fn check_wall(
        &self,
        conn: &mut AnyConnection,
        library: &LibraryId,
        w: &WallInput,
    ) -> Result<()> {
        if w.name.trim().is_empty() {
            return Err(DomainError::required("name"));
        }
        if let WallScope::Workspace(n) = w.scope {
            let ws =
                dossier_store::containers::get(conn, &ContainerId::new(library.clone(), n)).await?;
            if !ws.is_some_and(|c| c.kind == dossier_core::model::ContainerKind::Workspace) {
                return Err(DomainError::invalid(
                    "workspace_id",
                    format!(
                        "{} is not a workspace",
                        ContainerId::new(library.clone(), n)
                    ),
                ));
            }
        }
        for u in &w.users {
            if dossier_store::users::get(conn, u).await?.is_none() {
                return Err(DomainError::invalid(
                    "users",
                    format!("user {u} does not exist"),
                ));
            }
        }
        for g in &w.groups {
            if !dossier_store::groups::exists(conn, g).await? {
                return Err(DomainError::invalid(
                    "groups",
                    format!("group {g} does not exist"),
                ));
            }
        }
        Ok(())
    }

    pub async fn walls(&self, caller: &Caller, library: &LibraryId) -> Result<Vec<Wall>> {
        caller.require_identity_admin()?;
        let mut conn = self.store.read().await?;
        dossier_store::walls::list(&mut conn, library.as_str()).await
    }

    pub async fn wall(&self, caller: &Caller, library: &LibraryId, id: i64) -> Result<Wall> {
        self.walls(caller, library)
            .await?
            .into_iter()
            .find(|w| w.id == id)
            .ok_or_else(|| DomainError::not_found(format!("wall {id}")))
    }

    pub async fn create_wall(
        &self,
        caller: &Caller,
        library: &LibraryId,
        input: WallInput,
    ) -> Result<Wall> {
        caller.require_identity_admin()?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.check_wall(tx.conn(), library, &input).await?;
        let mut wall = Wall {
            id: 0,
            library: library.as_str().to_string(),
            name: input.name.trim().to_string(),
            kind: input.kind,
            scope: input.scope,
            description: input.description,
            users: input.users,
            groups: input.groups,
        };
        wall.id = dossier_store::walls::insert(tx.conn(), &wall, &caller.user_id, now).await?;
        self.wall_changed(
            tx.conn(),
            caller,
            library,
            AuditAction::WallCreate,
            None,
            Some(&wall),
        )
        .await?;
        tx.commit().await?;
        Ok(wall)
    }

    pub async fn update_wall(
        &self,
        caller: &Caller,
        library: &LibraryId,
        id: i64,
        input: WallInput,
    ) -> Result<Wall> {
        let before = self.wall(caller, library, id).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.check_wall(tx.conn(), library, &input).await?;
        let wall = Wall {
            id,
            library: library.as_str().to_string(),
            name: input.name.trim().to_string(),
            kind: input.kind,
            scope: input.scope,
            description: input.description,
            users: input.users,
            groups: input.groups,
        };
        dossier_store::walls::update(tx.conn(), &wall, now).await?;
        self.wall_changed(
            tx.conn(),
            caller,
            library,
            AuditAction::WallUpdate,
            Some(&before),
            Some(&wall),
        )
        .await?;
        tx.commit().await?;
        Ok(wall)
    }

    pub async fn delete_wall(&self, caller: &Caller, library: &LibraryId, id: i64) -> Result<()> {
        let before = self.wall(caller, library, id).await?;
        let mut tx = self.store.begin().await?;
        dossier_store::walls::delete(tx.conn(), library.as_str(), id).await?;
        self.wall_changed(
            tx.conn(),
            caller,
            library,
            AuditAction::WallDelete,
            Some(&before),
            None,
        )
        .await?;
        tx.commit().await
    }

    async fn wall_changed(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        library: &LibraryId,
        action: AuditAction,
        before: Option<&Wall>,
        after: Option<&Wall>,
    ) -> Result<()> {
        let id = after.or(before).map_or(0, |w| w.id);
        crate::reports::record_wall(
            conn,
            caller.customer_id,
            library.as_str(),
            id,
            after,
            self.now(),
        )
        .await?;
        self.audit(
            conn,
            Some(caller),
            Audit {
                action,
                target: Some(format!("{library}/walls/{id}")),
                outcome: AuditOutcome::Success,
                detail: json!({"before": before.map(snapshot), "after": after.map(snapshot)}),
            },
        )
        .await?;
        security_changed(
            conn,
            caller,
            self.now(),
            Change::WallChanged {
                library: library.clone(),
                wall: id,
            },
        )
        .await
    }

    /// Who is inside the wall, who it shuts out, and its conflicts, among the library's
    /// members, as of now.
    pub async fn wall_report(
        &self,
        caller: &Caller,
        library: &LibraryId,
        id: i64,
    ) -> Result<WallReport> {
        let wall = self.wall(caller, library, id).await?;
        let all = self.walls(caller, library).await?;
        let mut conn = self.store.read().await?;
        let filter = UserFilter {
            library: Some(library.as_str().to_string()),
            ..UserFilter::default()
        };
        let (users, _) = dossier_store::users::list(
            &mut conn,
            caller.customer_id,
            &filter,
            Page {
                limit: 1_000_000,
                ..Page::default()
            },
        )
        .await?;
        let covered_workspaces: Vec<i64> = self
            .covered_workspaces(&mut conn, library, &wall.scope)
            .await?;
        let mut report = WallReport {
            wall: wall.clone(),
            inside: Vec::new(),
            shut_out: Vec::new(),
            conflicts: Vec::new(),
        };
        for u in users {
            let p =
                crate::access::principal_of(&mut conn, caller.customer_id, &u.id, u.is_external)
                    .await?;
            if wall.is_inside(&p) {
                report.inside.push(u.id.clone());
                for other in all.iter().filter(|o| o.id != wall.id && o.denies(&p)) {
                    if client_of(&other.scope).is_some()
                        && client_of(&other.scope) == client_of(&wall.scope)
                    {
                        report.conflicts.push((
                            u.id.clone(),
                            format!(
                                "inside this wall but shut out by wall {} ({})",
                                other.id, other.name
                            ),
                        ));
                    }
                }
            }
            if wall.denies(&p) {
                report.shut_out.push(u.id.clone());
                for w in &covered_workspaces {
                    let trustees = dossier_store::catalog::trustees(
                        &mut conn,
                        library,
                        TrusteeOwner::Container,
                        *w,
                    )
                    .await?;
                    if trustees.iter().any(|t| {
                        t.trustee_type == dossier_core::model::TrusteeType::User
                            && t.id == u.id
                            && t.access >= dossier_core::AccessLevel::Read
                    }) {
                        report.conflicts.push((
                            u.id.clone(),
                            format!(
                                "holds an explicit grant on {}, which the wall overrides",
                                ContainerId::new(library.clone(), *w)
                            ),
                        ));
                    }
                }
            }
        }
        Ok(report)
    }

    /// The workspaces a scope covers (for reports).
    async fn covered_workspaces(
        &self,
        conn: &mut AnyConnection,
        library: &LibraryId,
        scope: &WallScope,
    ) -> Result<Vec<i64>> {
        let filter = dossier_core::query::ContainerQuery {
            kinds: vec![dossier_core::model::ContainerKind::Workspace],
            ..Default::default()
        };
        let (workspaces, _) = dossier_store::containers::search(
            conn,
            library,
            &filter,
            None,
            Page {
                limit: 1_000_000,
                ..Page::default()
            },
        )
        .await?;
        Ok(workspaces
            .iter()
            .filter(|c| scope.covers(&crate::access::container_facts(c, c)))
            .map(|c| c.id.number)
            .collect())
    }
}
