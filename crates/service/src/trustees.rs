//! Trustees: those named by an upload or a new container must exist; those of an ACL are
//! shown with their profiles.

use dossier_core::DomainError;
use dossier_core::model::{Trustee, TrusteeType};
use dossier_store::AnyConnection;

use crate::Result;

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
    User { allow_logon: bool },
    Group { enabled: bool },
}

/// The profiles of an ACL's trustees, in its order. A trustee whose user or group has
/// since been removed keeps its row with an empty name and id, and counts as unable to
/// sign in or disabled: its grant no longer reaches anyone.
pub(crate) async fn profiles(
    conn: &mut AnyConnection,
    trustees: &[Trustee],
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
                    TrusteeState::Group { enabled: g.enabled },
                ),
                None => (
                    String::new(),
                    String::new(),
                    false,
                    TrusteeState::Group { enabled: false },
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
