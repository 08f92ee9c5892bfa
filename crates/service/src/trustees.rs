//! Trustees: those named by an upload or a new container must exist; those of an ACL are
//! shown with their profiles.

use std::collections::BTreeSet;

use dossier_core::DomainError;
use dossier_core::model::{Trustee, TrusteeType};
use dossier_core::walls::{Wall, WallFacts};
use dossier_store::AnyConnection;

use crate::access::principal_of;
use crate::{Caller, Result};

/// Every named trustee must exist.
pub(crate) async fn validate(conn: &mut AnyConnection, trustees: &[Trustee]) -> Result<()> {
    for t in trustees {
        let exists = match t.trustee_type {
            TrusteeType::User => dossier_store::users::get(conn, &t.id).await?.is_some(),
            TrusteeType::Group => dossier_store::groups::exists(conn, &t.id).await?,
        };
        if !exists {
            let field = match t.trustee_type {
                TrusteeType::User => "user_trustees",
                TrusteeType::Group => "group_trustees",
            };
            return Err(DomainError::invalid(
                field,
                format!("'{}' is not a {}", t.id, t.trustee_type.as_str()),
            ));
        }
    }
    Ok(())
}

/// A trustee of an ACL with what a person reads about it: the user's or group's name, its
/// stable id and its state. The connectors' trustee and permission lists show these beside
/// the level.
#[derive(Clone, Debug)]
pub struct TrusteeProfile {
    pub trustee: Trustee,
    pub full_name: String,
    pub ssid: String,
    pub is_external: bool,
    pub state: TrusteeState,
}

/// What can stop a trustee's grant from counting: a user who may not sign in, a disabled
/// group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrusteeState {
    User {
        allow_logon: bool,
    },
    Group {
        enabled: bool,
        /// An ethical wall covering the object shuts at least one member out of it, so the
        /// group's grant does not reach everyone in it (iManage's "restricted member"; its
        /// Security Policy Manager is what walls are here).
        has_restricted_member: bool,
    },
}

/// The profiles of an ACL's trustees, in its order. A trustee whose user or group has
/// since been removed keeps its row with an empty name and id, and counts as unable to
/// sign in or disabled: its grant no longer reaches anyone.
pub(crate) async fn profiles(
    conn: &mut AnyConnection,
    trustees: &[Trustee],
    restricted: &BTreeSet<String>,
) -> Result<Vec<TrusteeProfile>> {
    let mut out = Vec::with_capacity(trustees.len());
    for t in trustees {
        let (full_name, ssid, is_external, state) = match t.trustee_type {
            TrusteeType::User => match dossier_store::users::get(conn, &t.id).await? {
                Some(u) => (
                    u.full_name,
                    u.ssid,
                    u.is_external,
                    TrusteeState::User {
                        allow_logon: u.allow_logon && !u.is_locked,
                    },
                ),
                None => (
                    String::new(),
                    String::new(),
                    false,
                    TrusteeState::User { allow_logon: false },
                ),
            },
            TrusteeType::Group => match dossier_store::groups::get(conn, &t.id).await? {
                Some(g) => (
                    g.full_name,
                    g.ssid,
                    g.is_external,
                    TrusteeState::Group {
                        enabled: g.enabled,
                        has_restricted_member: restricted.contains(&g.id),
                    },
                ),
                None => (
                    String::new(),
                    String::new(),
                    false,
                    TrusteeState::Group {
                        enabled: false,
                        has_restricted_member: false,
                    },
                ),
            },
        };
        out.push(TrusteeProfile {
            trustee: t.clone(),
            full_name,
            ssid,
            is_external,
            state,
        });
    }
    Ok(out)
}

/// The group trustees with at least one member whom a wall covering the object (its
/// `facts`) shuts out.
pub(crate) async fn restricted_groups(
    conn: &mut AnyConnection,
    caller: &Caller,
    walls: &[Wall],
    facts: &WallFacts<'_>,
    trustees: &[Trustee],
) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let covering: Vec<&Wall> = walls.iter().filter(|w| w.scope.covers(facts)).collect();
    if covering.is_empty() {
        return Ok(out);
    }
    for t in trustees
        .iter()
        .filter(|t| t.trustee_type == TrusteeType::Group)
    {
        for member in dossier_store::groups::members(conn, &t.id).await? {
            let Some(user) = dossier_store::users::get(conn, &member).await? else {
                continue;
            };
            let p = principal_of(conn, caller.customer_id, &user.id, user.is_external).await?;
            if covering.iter().any(|w| w.denies(&p)) {
                out.insert(t.id.clone());
                break;
            }
        }
    }
    Ok(out)
}
