//! Default security and access levels as iManage names them. The access calculus that
//! combines them is the security issue's; this module only parses and prints the values.

use crate::error::DomainError;
use crate::model::ContainerKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    NoAccess,
    Read,
    ReadWrite,
    FullAccess,
}

impl AccessLevel {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        Ok(match raw.to_ascii_lowercase().as_str() {
            "no_access" | "0" => AccessLevel::NoAccess,
            "read" | "1" => AccessLevel::Read,
            "read_write" | "2" => AccessLevel::ReadWrite,
            "full_access" | "3" => AccessLevel::FullAccess,
            _ => {
                return Err(DomainError::invalid(
                    field,
                    format!(
                        "'{raw}' is not an access level (no_access, read, read_write, full_access)"
                    ),
                ));
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::NoAccess => "no_access",
            AccessLevel::Read => "read",
            AccessLevel::ReadWrite => "read_write",
            AccessLevel::FullAccess => "full_access",
        }
    }

    pub fn number(self) -> i64 {
        self as i64
    }

    /// Every level, lowest first.
    pub const ALL: [AccessLevel; 4] = [
        AccessLevel::NoAccess,
        AccessLevel::Read,
        AccessLevel::ReadWrite,
        AccessLevel::FullAccess,
    ];

    /// The name a person reads in iManage's security dialogs and the connectors' pickers
    /// ("Read Only", …).
    pub fn display_name(self) -> &'static str {
        match self {
            AccessLevel::NoAccess => "No Access",
            AccessLevel::Read => "Read Only",
            AccessLevel::ReadWrite => "Read/Write",
            AccessLevel::FullAccess => "Full Access",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefaultSecurity {
    Public,
    View,
    Private,
    Inherit,
}

impl DefaultSecurity {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        Ok(match raw.to_ascii_lowercase().as_str() {
            "public" => DefaultSecurity::Public,
            "view" => DefaultSecurity::View,
            "private" => DefaultSecurity::Private,
            "inherit" => DefaultSecurity::Inherit,
            _ => {
                return Err(DomainError::invalid(
                    field,
                    format!("'{raw}' is not a default security (public, view, private, inherit)"),
                ));
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DefaultSecurity::Public => "public",
            DefaultSecurity::View => "view",
            DefaultSecurity::Private => "private",
            DefaultSecurity::Inherit => "inherit",
        }
    }

    /// The name a person reads in a picker ("Public", …).
    pub fn display_name(self) -> &'static str {
        match self {
            DefaultSecurity::Public => "Public",
            DefaultSecurity::View => "View",
            DefaultSecurity::Private => "Private",
            DefaultSecurity::Inherit => "Inherit",
        }
    }

    /// What an object of `kind` may take: all four, but a workspace has no parent to
    /// inherit from.
    pub fn allowed_on(kind: SecuredObject) -> &'static [DefaultSecurity] {
        use DefaultSecurity::*;
        match kind {
            SecuredObject::Workspace => &[Public, View, Private],
            SecuredObject::Folder | SecuredObject::Document => &[Public, View, Private, Inherit],
        }
    }
}

/// The kinds of object that carry a default security of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecuredObject {
    Document,
    /// A folder, tab or search folder.
    Folder,
    Workspace,
}

impl SecuredObject {
    /// The container kinds an object of this type may be (none for a document).
    pub fn container_kinds(self) -> &'static [ContainerKind] {
        match self {
            SecuredObject::Document => &[],
            SecuredObject::Folder => &[
                ContainerKind::Folder,
                ContainerKind::Tab,
                ContainerKind::SearchFolder,
            ],
            SecuredObject::Workspace => &[ContainerKind::Workspace],
        }
    }
}
