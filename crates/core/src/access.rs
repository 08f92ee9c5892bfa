//! The access calculus: what one person may do with one object, from the object's governing
//! security (its default security and trustees) and the person's identity. Pure, so it is
//! tested in isolation and the enforcement point in the service layer only gathers inputs.
//!
//! The rules, in the order they are applied (the sketch, checked against iManage's
//! published behaviour where it is documented — see ARCHITECTURE.md "Security"):
//!
//! 1. NRTADMIN members have full access to everything (the service audits each use that
//!    the object's own security would not have allowed).
//! 2. The owner of a container and the author of a document have full access to it.
//! 3. A trustee entry naming the user decides: it beats every group entry, and an explicit
//!    `no_access` denies.
//! 4. Otherwise, if entries name groups the user belongs to: any group `no_access` denies;
//!    else the highest group level applies.
//! 5. Otherwise the default security applies: `public` gives every library user read and
//!    write, `view` read, `private` nothing. External users get nothing from the default
//!    security: they see only what a trustee entry grants them (rules 2–4).
//!
//! `inherit` never reaches this module: an inheriting object is governed by the nearest
//! ancestor that has its own security (see `AclKey`).

use std::collections::BTreeSet;

use crate::model::{Trustee, TrusteeOwner, TrusteeType};
use crate::security::{AccessLevel, DefaultSecurity};

/// Who is asking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// Upper-case login id.
    pub user: String,
    /// Upper-case ids of the groups the user belongs to (enabled groups only).
    pub groups: BTreeSet<String>,
    pub is_admin: bool,
    pub is_external: bool,
}

/// The security that governs an object: its own, or its nearest non-inheriting ancestor's.
#[derive(Clone, Debug)]
pub struct Acl<'a> {
    /// Never `Inherit`.
    pub default_security: DefaultSecurity,
    pub trustees: &'a [Trustee],
}

/// Which of the rules decided a principal's level on an object: the level and its reason,
/// so that a person can be told why ("Jane can read this because she is in Litigation").
/// `access` and `acl_access` are this rule's level; there is no second copy of the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grounds<'a> {
    /// Rule 1: an NRTADMIN member.
    Administrator,
    /// Rule 2: the owner of the container or the author of the document.
    Owner,
    /// Rule 3: a trustee entry names the user.
    Named(AccessLevel),
    /// Rule 4: a group the user is in has `no_access` (the group's id).
    GroupDenied(&'a str),
    /// Rule 4: the best level of the groups the user is in that are trustees (that group's id).
    Group(&'a str, AccessLevel),
    /// Rule 5: an external user, whom the default security gives nothing.
    External,
    /// Rule 5: the default security (`public`, `view` or `private`).
    Default(DefaultSecurity),
}

impl Grounds<'_> {
    pub fn level(&self) -> AccessLevel {
        match *self {
            Grounds::Administrator | Grounds::Owner => AccessLevel::FullAccess,
            Grounds::Named(l) | Grounds::Group(_, l) => l,
            Grounds::GroupDenied(_) | Grounds::External => AccessLevel::NoAccess,
            Grounds::Default(DefaultSecurity::Public) => AccessLevel::ReadWrite,
            Grounds::Default(DefaultSecurity::View) => AccessLevel::Read,
            Grounds::Default(DefaultSecurity::Private | DefaultSecurity::Inherit) => {
                AccessLevel::NoAccess
            }
        }
    }
}

/// The level `p` has on an object governed by `acl` whose owner or author is `owner`.
pub fn access(p: &Principal, acl: &Acl<'_>, owner: Option<&str>) -> AccessLevel {
    grounds(p, acl, owner).level()
}

/// The rule that decides `p`'s level (rules 1–5).
pub fn grounds<'a>(p: &Principal, acl: &Acl<'a>, owner: Option<&str>) -> Grounds<'a> {
    if p.is_admin {
        return Grounds::Administrator;
    }
    if owner.is_some_and(|o| o.eq_ignore_ascii_case(&p.user)) {
        return Grounds::Owner;
    }
    acl_grounds(p, acl)
}

/// The level the ACL alone gives (rules 3–5): what a non-owner, non-administrator gets.
pub fn acl_access(p: &Principal, acl: &Acl<'_>) -> AccessLevel {
    acl_grounds(p, acl).level()
}

/// The rule of rules 3–5 that decides.
pub fn acl_grounds<'a>(p: &Principal, acl: &Acl<'a>) -> Grounds<'a> {
    let mut own = None;
    let mut group_best: Option<(&'a str, AccessLevel)> = None;
    let mut group_denied = None;
    for t in acl.trustees {
        match t.trustee_type {
            TrusteeType::User if t.id.eq_ignore_ascii_case(&p.user) => own = Some(t.access),
            TrusteeType::Group if p.groups.contains(&t.id.to_uppercase()) => {
                if t.access == AccessLevel::NoAccess && group_denied.is_none() {
                    group_denied = Some(t.id.as_str());
                }
                if group_best.is_none_or(|(_, best)| t.access > best) {
                    group_best = Some((t.id.as_str(), t.access));
                }
            }
            _ => {}
        }
    }
    if let Some(level) = own {
        return Grounds::Named(level);
    }
    if let Some(group) = group_denied {
        return Grounds::GroupDenied(group);
    }
    if let Some((group, level)) = group_best {
        return Grounds::Group(group, level);
    }
    if p.is_external {
        return Grounds::External;
    }
    Grounds::Default(acl.default_security)
}

/// Which object's security governs an object, as one integer so documents and containers
/// can be filtered by the same set: containers are even (`2n`), documents odd (`2n + 1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AclKey {
    Container(i64),
    Document(i64),
}

impl AclKey {
    pub fn encode(self) -> i64 {
        match self {
            AclKey::Container(n) => n * 2,
            AclKey::Document(n) => n * 2 + 1,
        }
    }

    pub fn decode(v: i64) -> AclKey {
        if v % 2 == 0 {
            AclKey::Container(v / 2)
        } else {
            AclKey::Document((v - 1) / 2)
        }
    }

    /// The `trustees.object_kind` of the governing object.
    pub fn object_kind(self) -> TrusteeOwner {
        match self {
            AclKey::Container(_) => TrusteeOwner::Container,
            AclKey::Document(_) => TrusteeOwner::Document,
        }
    }

    pub fn number(self) -> i64 {
        match self {
            AclKey::Container(n) | AclKey::Document(n) => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, groups: &[&str]) -> Principal {
        Principal {
            user: id.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            is_admin: false,
            is_external: false,
        }
    }

    #[test]
    fn the_grounds_name_the_rule_that_decided() {
        let trustees = [
            t(TrusteeType::Group, "LIT", AccessLevel::Read),
            t(TrusteeType::Group, "PARTNERS", AccessLevel::FullAccess),
            t(TrusteeType::Group, "CONFLICTED", AccessLevel::NoAccess),
            t(TrusteeType::User, "ZOE", AccessLevel::ReadWrite),
        ];
        let acl = Acl {
            default_security: DefaultSecurity::View,
            trustees: &trustees,
        };
        let g = |p: &Principal, owner: Option<&str>| grounds(p, &acl, owner);
        assert_eq!(
            g(&user("ANN", &["LIT", "PARTNERS"]), None),
            Grounds::Group("PARTNERS", AccessLevel::FullAccess)
        );
        assert_eq!(
            g(&user("ANN", &["LIT", "CONFLICTED"]), None),
            Grounds::GroupDenied("CONFLICTED")
        );
        assert_eq!(
            g(&user("ZOE", &["CONFLICTED"]), None),
            Grounds::Named(AccessLevel::ReadWrite)
        );
        assert_eq!(
            g(&user("BOB", &[]), None),
            Grounds::Default(DefaultSecurity::View)
        );
        assert_eq!(g(&user("BOB", &[]), Some("bob")), Grounds::Owner);
        let mut admin = user("ADM", &["CONFLICTED"]);
        admin.is_admin = true;
        assert_eq!(g(&admin, None), Grounds::Administrator);
        let mut ext = user("EXT", &[]);
        ext.is_external = true;
        assert_eq!(g(&ext, None), Grounds::External);
        // The level is always the grounds' level.
        for p in [user("ANN", &["LIT"]), user("BOB", &[]), user("ZOE", &[])] {
            assert_eq!(access(&p, &acl, None), g(&p, None).level());
        }
    }

    fn t(kind: TrusteeType, id: &str, access: AccessLevel) -> Trustee {
        Trustee {
            trustee_type: kind,
            id: id.into(),
            access,
        }
    }

    #[test]
    fn default_security_applies_without_entries() {
        let p = user("ANN", &[]);
        for (d, want) in [
            (DefaultSecurity::Public, AccessLevel::ReadWrite),
            (DefaultSecurity::View, AccessLevel::Read),
            (DefaultSecurity::Private, AccessLevel::NoAccess),
        ] {
            assert_eq!(
                acl_access(
                    &p,
                    &Acl {
                        default_security: d,
                        trustees: &[]
                    }
                ),
                want
            );
        }
    }

    #[test]
    fn a_users_own_entry_beats_group_entries_and_no_access_denies() {
        let trustees = [
            t(TrusteeType::Group, "LIT", AccessLevel::FullAccess),
            t(TrusteeType::User, "ANN", AccessLevel::NoAccess),
        ];
        let acl = Acl {
            default_security: DefaultSecurity::Public,
            trustees: &trustees,
        };
        assert_eq!(
            access(&user("ANN", &["LIT"]), &acl, None),
            AccessLevel::NoAccess
        );
        assert_eq!(
            access(&user("BOB", &["LIT"]), &acl, None),
            AccessLevel::FullAccess
        );
        // The author keeps full access whatever the entries say.
        assert_eq!(
            access(&user("ANN", &["LIT"]), &acl, Some("ann")),
            AccessLevel::FullAccess
        );
    }

    #[test]
    fn the_highest_group_wins_unless_a_group_is_denied() {
        let trustees = [
            t(TrusteeType::Group, "A", AccessLevel::Read),
            t(TrusteeType::Group, "B", AccessLevel::ReadWrite),
            t(TrusteeType::Group, "C", AccessLevel::NoAccess),
        ];
        let acl = Acl {
            default_security: DefaultSecurity::Private,
            trustees: &trustees,
        };
        assert_eq!(
            acl_access(&user("X", &["A", "B"]), &acl),
            AccessLevel::ReadWrite
        );
        assert_eq!(
            acl_access(&user("X", &["A", "C"]), &acl),
            AccessLevel::NoAccess
        );
    }

    #[test]
    fn external_users_get_only_explicit_grants() {
        let mut p = user("GUEST", &[]);
        p.is_external = true;
        let acl = Acl {
            default_security: DefaultSecurity::Public,
            trustees: &[],
        };
        assert_eq!(acl_access(&p, &acl), AccessLevel::NoAccess);
        let trustees = [t(TrusteeType::User, "GUEST", AccessLevel::Read)];
        let acl = Acl {
            default_security: DefaultSecurity::Public,
            trustees: &trustees,
        };
        assert_eq!(acl_access(&p, &acl), AccessLevel::Read);
    }

    #[test]
    fn administrators_have_full_access() {
        let mut p = user("ROOT", &[]);
        p.is_admin = true;
        let acl = Acl {
            default_security: DefaultSecurity::Private,
            trustees: &[],
        };
        assert_eq!(access(&p, &acl, None), AccessLevel::FullAccess);
    }

    #[test]
    fn acl_keys_round_trip() {
        for k in [
            AclKey::Container(1),
            AclKey::Container(77),
            AclKey::Document(1),
            AclKey::Document(453),
        ] {
            assert_eq!(AclKey::decode(k.encode()), k);
        }
    }
}
