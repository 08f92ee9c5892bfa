//! "Who can read this matter, and why": for every member of a library, the access each has
//! to the workspaces of a client, matter or workspace, with the rule that decided it. As of
//! now: Dossier keeps no history of trustees, memberships and walls yet, so a report for a
//! past date cannot be answered.

use dossier_core::access::{Acl, Principal, access};
use dossier_core::identity::ADMIN_GROUP;
use dossier_core::model::{ContainerKind, TrusteeType};
use dossier_core::walls::WallScope;
use dossier_core::{AccessLevel, DefaultSecurity, LibraryId};
use dossier_store::containers::ContainerFilter;
use dossier_store::groups::GroupFilter;
use dossier_store::users::UserFilter;

use crate::{Caller, Dossier, Page, Result};

/// One user's access to one workspace, and why.
#[derive(Clone, Debug)]
pub struct AccessLine {
    pub user: String,
    pub workspace: i64,
    pub level: AccessLevel,
    pub reason: String,
}

impl Dossier {
    /// Every library member's access to the workspaces `scope` covers (administrators only).
    pub async fn access_report(
        &self,
        caller: &Caller,
        library: &LibraryId,
        scope: &WallScope,
    ) -> Result<Vec<AccessLine>> {
        caller.require_identity_admin()?;
        let mut conn = self.store.read().await?;
        let filter = ContainerFilter {
            kinds: vec![ContainerKind::Workspace],
            ..Default::default()
        };
        let (workspaces, _) = dossier_store::containers::search(
            &mut conn,
            library,
            &filter,
            Page {
                limit: 1_000_000,
                ..Page::default()
            },
        )
        .await?;
        let covered: Vec<_> = workspaces
            .into_iter()
            .filter(|w| scope.covers(&crate::containers::container_facts(w, w)))
            .collect();
        let users = UserFilter {
            library: Some(library.as_str().to_string()),
            ..UserFilter::default()
        };
        let (users, _) = dossier_store::users::list(
            &mut conn,
            caller.customer_id,
            &users,
            Page {
                limit: 1_000_000,
                ..Page::default()
            },
        )
        .await?;
        let walls = dossier_store::walls::list(&mut conn, library.as_str()).await?;
        let mut out = Vec::new();
        for u in users {
            let gf = GroupFilter {
                member: Some(u.id.clone()),
                enabled: Some(true),
                ..GroupFilter::default()
            };
            let (groups, _) = dossier_store::groups::list(
                &mut conn,
                caller.customer_id,
                &gf,
                Page {
                    limit: 100_000,
                    ..Page::default()
                },
            )
            .await?;
            let groups = groups
                .into_iter()
                .map(|g| g.id)
                .collect::<std::collections::BTreeSet<_>>();
            let p = Principal {
                user: u.id.clone(),
                is_admin: groups.contains(ADMIN_GROUP),
                is_external: u.is_external,
                groups,
            };
            for w in &covered {
                let facts = crate::containers::container_facts(w, w);
                if let Some(wall) = walls
                    .iter()
                    .find(|x| x.scope.covers(&facts) && x.denies(&p))
                {
                    out.push(AccessLine {
                        user: u.id.clone(),
                        workspace: w.id.number,
                        level: AccessLevel::NoAccess,
                        reason: format!("shut out by ethical wall {} ({})", wall.id, wall.name),
                    });
                    continue;
                }
                let (default_security, trustees) =
                    dossier_store::acl::governing(&mut conn, library, w.acl).await?;
                let level = access(
                    &p,
                    &Acl {
                        default_security,
                        trustees: &trustees,
                    },
                    Some(&w.owner),
                );
                let reason = if p.is_admin {
                    "member of NRTADMIN".to_string()
                } else if w.owner.eq_ignore_ascii_case(&p.user) {
                    "owner of the workspace".to_string()
                } else if let Some(t) = trustees.iter().find(|t| {
                    t.trustee_type == TrusteeType::User && t.id.eq_ignore_ascii_case(&p.user)
                }) {
                    format!("trustee entry for the user: {}", t.access.as_str())
                } else if let Some(t) = trustees
                    .iter()
                    .filter(|t| t.trustee_type == TrusteeType::Group && p.groups.contains(&t.id))
                    .min_by_key(|t| {
                        if t.access == AccessLevel::NoAccess {
                            0
                        } else {
                            1 + 3 - t.access as u8
                        }
                    })
                {
                    format!("trustee entry for group {}: {}", t.id, t.access.as_str())
                } else if p.is_external {
                    "external user without a trustee entry".to_string()
                } else {
                    format!(
                        "default security {}",
                        match default_security {
                            DefaultSecurity::Public => "public",
                            DefaultSecurity::View => "view",
                            _ => "private",
                        }
                    )
                };
                out.push(AccessLine {
                    user: u.id.clone(),
                    workspace: w.id.number,
                    level,
                    reason,
                });
            }
        }
        Ok(out)
    }
}
