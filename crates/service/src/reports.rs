//! "Who could read this matter on date D, and why." Every change that can alter who reads a
//! workspace (its security or profile, a group, a user or their libraries, a wall) appends
//! the new state of what changed to the security history (`store::snapshots`), in the
//! change's own transaction. A report rebuilds the state at D from the history, even for
//! today, so a change that forgot to record itself would show as a wrong report in the
//! tests rather than go unnoticed; then it evaluates the access calculus for every member
//! of the library on every workspace the scope covers, with the rule that decided.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use dossier_core::access::{Acl, Grounds, Principal, grounds};
use dossier_core::identity::ADMIN_GROUP;
use dossier_core::model::TrusteeOwner;
use dossier_core::model::{Container, ContainerKind, Trustee, TrusteeType};
use dossier_core::walls::{ClientMatter, Wall, WallFacts, WallKind, WallScope};
use dossier_core::{AccessLevel, DefaultSecurity, DomainError, LibraryId};
use dossier_store::AnyConnection;
use serde_json::{Value, json};

use crate::{Caller, Dossier, Page, Result};

/// One user's access to one workspace, and why.
#[derive(Clone, Debug)]
pub struct AccessLine {
    pub user: String,
    pub workspace: i64,
    pub level: AccessLevel,
    pub reason: String,
}

// ---- recording -----------------------------------------------------------------------------

fn trustees_json(trustees: &[Trustee]) -> Value {
    trustees
        .iter()
        .map(|t| json!({"type": t.trustee_type.as_str(), "id": t.id, "access": t.access.number()}))
        .collect()
}

/// Records a workspace's current security and client/matter.
pub(crate) async fn record_workspace(
    conn: &mut AnyConnection,
    customer: i64,
    c: &Container,
    at: DateTime<Utc>,
) -> Result<()> {
    if c.kind != ContainerKind::Workspace || c.is_template {
        return Ok(());
    }
    let trustees =
        dossier_store::catalog::trustees(conn, &c.id.library, TrusteeOwner::Container, c.id.number)
            .await?;
    let state = json!({"number": c.id.number, "owner": c.owner, "default_security": c.default_security.as_str(),
                       "client": c.customs.client(), "matter": c.customs.matter(),
                       "trustees": trustees_json(&trustees)});
    dossier_store::snapshots::append(
        conn,
        customer,
        c.id.library.as_str(),
        "workspace",
        &c.id.number.to_string(),
        at,
        Some(state.to_string()),
    )
    .await
}

/// Records that a workspace is gone.
pub(crate) async fn record_workspace_deleted(
    conn: &mut AnyConnection,
    customer: i64,
    library: &LibraryId,
    number: i64,
    at: DateTime<Utc>,
) -> Result<()> {
    dossier_store::snapshots::append(
        conn,
        customer,
        library.as_str(),
        "workspace",
        &number.to_string(),
        at,
        None,
    )
    .await
}

/// Records a group's current members and whether it is enabled (nothing once deleted).
pub(crate) async fn record_group(
    conn: &mut AnyConnection,
    customer: i64,
    id: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let state = match dossier_store::groups::get(conn, id).await? {
        Some(g) => {
            let members = dossier_store::groups::members(conn, &g.id).await?;
            Some(json!({"enabled": g.enabled, "members": members}).to_string())
        }
        None => None,
    };
    dossier_store::snapshots::append(conn, customer, "", "group", &id.to_uppercase(), at, state)
        .await
}

/// Records a user's libraries and the flags access depends on (nothing once deleted).
pub(crate) async fn record_user(
    conn: &mut AnyConnection,
    customer: i64,
    id: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let state = match dossier_store::users::get(conn, id).await? {
        Some(u) => {
            let libraries: Vec<String> = dossier_store::roles::memberships(conn, &u.id)
                .await?
                .into_iter()
                .map(|m| m.library)
                .collect();
            Some(
                json!({"external": u.is_external, "active": u.active, "libraries": libraries})
                    .to_string(),
            )
        }
        None => None,
    };
    dossier_store::snapshots::append(conn, customer, "", "user", &id.to_uppercase(), at, state)
        .await
}

/// Records a wall as it now is (or that it is gone).
pub(crate) async fn record_wall(
    conn: &mut AnyConnection,
    customer: i64,
    library: &str,
    id: i64,
    wall: Option<&Wall>,
    at: DateTime<Utc>,
) -> Result<()> {
    let state = wall.map(|w| {
        let (client, matter, workspace) = match &w.scope {
            WallScope::Client(c) => (Some(c.clone()), None, None),
            WallScope::Matter(c, m) => (Some(c.clone()), Some(m.clone()), None),
            WallScope::Workspace(n) => (None, None, Some(*n)),
        };
        json!({"id": w.id, "name": w.name, "kind": w.kind.as_str(), "client": client, "matter": matter,
               "workspace": workspace, "users": w.users, "groups": w.groups})
        .to_string()
    });
    dossier_store::snapshots::append(conn, customer, library, "wall", &id.to_string(), at, state)
        .await
}

/// Starts the history of a database that has none: everything as it is now.
pub(crate) async fn record_baseline(
    conn: &mut AnyConnection,
    customer: i64,
    at: DateTime<Utc>,
) -> Result<()> {
    if dossier_store::snapshots::first(conn, customer)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let all = Page {
        limit: 10_000_000,
        ..Page::default()
    };
    for lib in dossier_store::libraries::list(conn, customer).await? {
        let filter = dossier_core::query::ContainerQuery {
            kinds: vec![ContainerKind::Workspace],
            ..Default::default()
        };
        for w in dossier_store::containers::search(conn, &lib.id, &filter, None, all)
            .await?
            .0
        {
            record_workspace(conn, customer, &w, at).await?;
        }
        for w in dossier_store::walls::list(conn, lib.id.as_str()).await? {
            record_wall(conn, customer, lib.id.as_str(), w.id, Some(&w), at).await?;
        }
    }
    for g in dossier_store::groups::list(conn, customer, &Default::default(), all)
        .await?
        .0
    {
        record_group(conn, customer, &g.id, at).await?;
    }
    for u in dossier_store::users::list(conn, customer, &Default::default(), all)
        .await?
        .0
    {
        record_user(conn, customer, &u.id, at).await?;
    }
    Ok(())
}

// ---- the state at a date -------------------------------------------------------------------

struct WorkspaceState {
    number: i64,
    owner: String,
    default_security: DefaultSecurity,
    client: Option<String>,
    matter: Option<String>,
    trustees: Vec<Trustee>,
}

impl WorkspaceState {
    /// What walls look at on a workspace: its client and matter, and itself as the
    /// workspace it lies in.
    fn facts(&self) -> WallFacts<'_> {
        let own = ClientMatter {
            client: self.client.as_deref(),
            matter: self.matter.as_deref(),
        };
        WallFacts::new(own, Some((self.number, own)))
    }
}

struct UserState {
    id: String,
    external: bool,
}

/// What the history says about one library at one moment.
#[derive(Default)]
struct Scene {
    workspaces: Vec<WorkspaceState>,
    users: Vec<UserState>,
    /// enabled group id → members
    groups: BTreeMap<String, BTreeSet<String>>,
    walls: Vec<Wall>,
}

fn text(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn set(v: &Value, k: &str) -> BTreeSet<String> {
    v.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn scene(snapshots: Vec<dossier_store::snapshots::Snapshot>, library: &str) -> Result<Scene> {
    let mut s = Scene::default();
    for snap in snapshots {
        let Some(raw) = snap.state else { continue };
        let v: Value = serde_json::from_str(&raw).map_err(DomainError::internal)?;
        match snap.kind.as_str() {
            "workspace" if snap.library == library => {
                let mut trustees = Vec::new();
                for t in v
                    .get("trustees")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    trustees.push(Trustee {
                        trustee_type: if text(t, "type").as_deref() == Some("group") {
                            TrusteeType::Group
                        } else {
                            TrusteeType::User
                        },
                        id: text(t, "id").unwrap_or_default(),
                        access: AccessLevel::parse(
                            "access",
                            &t.get("access")
                                .and_then(Value::as_i64)
                                .unwrap_or(0)
                                .to_string(),
                        )?,
                    });
                }
                s.workspaces.push(WorkspaceState {
                    number: v.get("number").and_then(Value::as_i64).unwrap_or_default(),
                    owner: text(&v, "owner").unwrap_or_default(),
                    default_security: DefaultSecurity::parse(
                        "default_security",
                        &text(&v, "default_security").unwrap_or_default(),
                    )?,
                    client: text(&v, "client"),
                    matter: text(&v, "matter"),
                    trustees,
                });
            }
            "group" if v.get("enabled").and_then(Value::as_bool) == Some(true) => {
                s.groups.insert(snap.object_id.clone(), set(&v, "members"));
            }
            "user"
                if set(&v, "libraries").contains(library)
                    && v.get("active").and_then(Value::as_bool) != Some(false) =>
            {
                s.users.push(UserState {
                    id: snap.object_id.clone(),
                    external: v.get("external").and_then(Value::as_bool).unwrap_or(false),
                });
            }
            "wall" if snap.library == library => {
                let scope = match (
                    text(&v, "client"),
                    text(&v, "matter"),
                    v.get("workspace").and_then(Value::as_i64),
                ) {
                    (_, _, Some(n)) => WallScope::Workspace(n),
                    (Some(c), Some(m), None) => WallScope::Matter(c, m),
                    (Some(c), None, None) => WallScope::Client(c),
                    _ => continue,
                };
                s.walls.push(Wall {
                    id: v.get("id").and_then(Value::as_i64).unwrap_or_default(),
                    library: library.to_string(),
                    name: text(&v, "name").unwrap_or_default(),
                    kind: WallKind::parse(&text(&v, "kind").unwrap_or_default())?,
                    scope,
                    description: String::new(),
                    users: set(&v, "users"),
                    groups: set(&v, "groups"),
                });
            }
            _ => {}
        }
    }
    s.users.sort_by(|a, b| a.id.cmp(&b.id));
    s.workspaces.sort_by_key(|w| w.number);
    Ok(s)
}

/// The level and the rule that decided it, in the order the calculus applies them.
fn explain(p: &Principal, w: &WorkspaceState, walls: &[Wall]) -> (AccessLevel, String) {
    let facts = w.facts();
    if let Some(wall) = walls.iter().find(|x| x.scope.covers(&facts) && x.denies(p)) {
        return (
            AccessLevel::NoAccess,
            format!("shut out by ethical wall {} ({})", wall.id, wall.name),
        );
    }
    let decided = grounds(
        p,
        &Acl {
            default_security: w.default_security,
            trustees: &w.trustees,
        },
        Some(&w.owner),
    );
    let reason = match decided {
        Grounds::Administrator => "member of NRTADMIN".to_string(),
        Grounds::Owner => "owner of the workspace".to_string(),
        Grounds::Named(level) => format!("trustee entry for the user: {}", level.as_str()),
        Grounds::GroupDenied(group) => format!(
            "trustee entry for group {group}: {}",
            AccessLevel::NoAccess.as_str()
        ),
        Grounds::Group(group, level) => {
            format!("trustee entry for group {group}: {}", level.as_str())
        }
        Grounds::External => "external user without a trustee entry".to_string(),
        Grounds::Default(d) => format!("default security {}", d.as_str()),
    };
    (decided.level(), reason)
}

impl Dossier {
    /// Every library member's access to the workspaces `scope` covers, as of `at` (now when
    /// `None`); administrators only. A date before the history begins is refused.
    pub async fn access_report(
        &self,
        caller: &Caller,
        library: &LibraryId,
        scope: &WallScope,
        at: Option<DateTime<Utc>>,
    ) -> Result<Vec<AccessLine>> {
        caller.require_identity_admin()?;
        let mut conn = self.store.read().await?;
        let at = at.unwrap_or_else(|| self.now());
        match dossier_store::snapshots::first(&mut conn, caller.customer_id).await? {
            Some(first) if first <= at => {}
            first => {
                return Err(DomainError::invalid(
                    "date",
                    match first {
                        Some(f) => format!(
                            "the security history begins at {f}; there is nothing to report before it"
                        ),
                        None => "no security history has been recorded yet".to_string(),
                    },
                ));
            }
        }
        let s = scene(
            dossier_store::snapshots::as_of(&mut conn, caller.customer_id, at).await?,
            library.as_str(),
        )?;
        let mut out = Vec::new();
        for u in &s.users {
            let groups: BTreeSet<String> = s
                .groups
                .iter()
                .filter(|(_, m)| m.contains(&u.id))
                .map(|(g, _)| g.clone())
                .collect();
            let p = Principal {
                user: u.id.clone(),
                is_admin: groups.contains(ADMIN_GROUP),
                is_external: u.external,
                groups,
            };
            for w in &s.workspaces {
                if !scope.covers(&w.facts()) {
                    continue;
                }
                let (level, reason) = explain(&p, w, &s.walls);
                out.push(AccessLine {
                    user: u.id.clone(),
                    workspace: w.number,
                    level,
                    reason,
                });
            }
        }
        Ok(out)
    }
}
