//! Ethical walls (information barriers), beyond iManage's core product (its Security
//! Policy Manager is a separate product with the same idea). A wall covers a client
//! (custom1), a matter (custom1 + custom2) or a workspace. An inclusive wall admits only
//! its members; an exclusive one shuts its members out. Walls are evaluated before ACLs
//! and a wall's denial wins over any grant, NRTADMIN included; only a holder of the
//! `ethical_wall_override` right passes, and the service audits each such pass.

use std::collections::BTreeSet;

use crate::access::Principal;
use crate::{CustomValues, DomainError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WallKind {
    Inclusive,
    Exclusive,
}

impl WallKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WallKind::Inclusive => "inclusive",
            WallKind::Exclusive => "exclusive",
        }
    }

    pub fn parse(raw: &str) -> Result<WallKind, DomainError> {
        match raw.to_ascii_lowercase().as_str() {
            "inclusive" => Ok(WallKind::Inclusive),
            "exclusive" => Ok(WallKind::Exclusive),
            _ => Err(DomainError::invalid(
                "kind",
                format!("a wall is inclusive or exclusive, not '{raw}'"),
            )),
        }
    }
}

/// What a wall covers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum WallScope {
    /// Everything whose custom1 is this client alias.
    Client(String),
    /// Everything whose custom1 and custom2 are this client and matter.
    Matter(String, String),
    /// Everything in this workspace (by number), documents by their home folder.
    Workspace(i64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Wall {
    pub id: i64,
    pub library: String,
    pub name: String,
    pub kind: WallKind,
    pub scope: WallScope,
    pub description: String,
    /// Upper-case user ids.
    pub users: BTreeSet<String>,
    /// Upper-case group ids.
    pub groups: BTreeSet<String>,
}

impl Wall {
    /// Whether `p` is one of the wall's members, directly or through an enabled group.
    pub fn is_inside(&self, p: &Principal) -> bool {
        self.users.contains(&p.user) || self.groups.iter().any(|g| p.groups.contains(g))
    }

    /// Whether the wall shuts `p` out of what it covers.
    pub fn denies(&self, p: &Principal) -> bool {
        match self.kind {
            WallKind::Inclusive => !self.is_inside(p),
            WallKind::Exclusive => self.is_inside(p),
        }
    }
}

/// A client and matter (custom1, custom2) as walls compare them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientMatter<'a> {
    pub client: Option<&'a str>,
    pub matter: Option<&'a str>,
}

impl<'a> ClientMatter<'a> {
    /// The client and matter of a profile: custom1 and custom2, when they hold text.
    pub fn of(customs: &'a CustomValues) -> Self {
        ClientMatter {
            client: customs.client(),
            matter: customs.matter(),
        }
    }
}

/// What an object carries that walls look at: its own client and matter (custom1,
/// custom2), and its workspace with that workspace's client and matter. A client or matter
/// wall covers an object when either pair matches, so a document filed in a walled
/// matter's workspace is covered even if its own profile names no client.
///
/// Built only by `WallFacts::new`, which asks for the workspace's client and matter with its
/// number: a check that knew the number but left the pair out would let a client wall miss
/// what lies in that client's workspace.
#[derive(Clone, Copy, Debug, Default)]
pub struct WallFacts<'a> {
    own: ClientMatter<'a>,
    workspace: Option<i64>,
    workspace_own: ClientMatter<'a>,
}

impl<'a> WallFacts<'a> {
    /// The facts of an object with its own client and matter, lying in `workspace` (its
    /// number and that workspace's client and matter; `None` for a document without a home
    /// filing). A workspace lies in itself.
    pub fn new(own: ClientMatter<'a>, workspace: Option<(i64, ClientMatter<'a>)>) -> Self {
        WallFacts {
            own,
            workspace: workspace.map(|(n, _)| n),
            workspace_own: workspace.map(|(_, cm)| cm).unwrap_or_default(),
        }
    }

    pub fn client(&self) -> Option<&'a str> {
        self.own.client
    }

    pub fn matter(&self) -> Option<&'a str> {
        self.own.matter
    }

    pub fn workspace(&self) -> Option<i64> {
        self.workspace
    }
}

impl WallScope {
    pub fn covers(&self, f: &WallFacts<'_>) -> bool {
        let eq = |a: Option<&str>, b: &str| a.is_some_and(|a| a.eq_ignore_ascii_case(b));
        let (own, ws) = (&f.own, &f.workspace_own);
        match self {
            WallScope::Client(c) => eq(own.client, c) || eq(ws.client, c),
            WallScope::Matter(c, m) => {
                (eq(own.client, c) && eq(own.matter, m)) || (eq(ws.client, c) && eq(ws.matter, m))
            }
            WallScope::Workspace(w) => f.workspace == Some(*w),
        }
    }
}

/// The scopes closed to `p` by `walls`.
pub fn denied_scopes(p: &Principal, walls: &[Wall]) -> Vec<WallScope> {
    let mut out: Vec<WallScope> = walls
        .iter()
        .filter(|w| w.denies(p))
        .map(|w| w.scope.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(user: &str, groups: &[&str]) -> Principal {
        Principal {
            user: user.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            is_admin: false,
            is_external: false,
        }
    }

    fn wall(kind: WallKind, users: &[&str], groups: &[&str]) -> Wall {
        Wall {
            id: 1,
            library: "ACTIVE".into(),
            name: "w".into(),
            kind,
            scope: WallScope::Matter("ACME".into(), "0001".into()),
            description: String::new(),
            users: users.iter().map(|u| u.to_string()).collect(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    #[test]
    fn inclusive_walls_admit_only_members_and_exclusive_ones_shut_them_out() {
        let inc = wall(WallKind::Inclusive, &["ANN"], &["TEAM"]);
        assert!(!inc.denies(&p("ANN", &[])));
        assert!(!inc.denies(&p("BOB", &["TEAM"])));
        assert!(inc.denies(&p("EVE", &[])));
        let exc = wall(WallKind::Exclusive, &["EVE"], &[]);
        assert!(exc.denies(&p("EVE", &[])));
        assert!(!exc.denies(&p("ANN", &[])));
    }

    #[test]
    fn scopes_cover_by_client_matter_or_workspace() {
        let acme = ClientMatter {
            client: Some("acme"),
            matter: Some("0001"),
        };
        let f = WallFacts::new(acme, Some((7, ClientMatter::default())));
        assert!(WallScope::Client("ACME".into()).covers(&f));
        assert!(WallScope::Matter("ACME".into(), "0001".into()).covers(&f));
        assert!(!WallScope::Matter("ACME".into(), "0002".into()).covers(&f));
        assert!(WallScope::Workspace(7).covers(&f));
        assert!(!WallScope::Client("ACME".into()).covers(&WallFacts::default()));
        // A document whose own profile names no client, filed in ACME's matter workspace.
        let in_walled_workspace = WallFacts::new(ClientMatter::default(), Some((9, acme)));
        assert!(WallScope::Matter("ACME".into(), "0001".into()).covers(&in_walled_workspace));
        assert!(WallScope::Client("ACME".into()).covers(&in_walled_workspace));
        assert!(!WallScope::Workspace(7).covers(&in_walled_workspace));
    }

    #[test]
    fn client_and_matter_are_custom1_and_custom2() {
        let mut customs = CustomValues::default();
        customs.set(1, Some(crate::CustomValue::Text("ACME".into())));
        customs.set(2, Some(crate::CustomValue::Text("0001".into())));
        customs.set(3, Some(crate::CustomValue::Text("OTHER".into())));
        assert_eq!(
            ClientMatter::of(&customs),
            ClientMatter {
                client: Some("ACME"),
                matter: Some("0001")
            }
        );
    }
}
