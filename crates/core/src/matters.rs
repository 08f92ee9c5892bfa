//! The matter lifecycle: closing a workspace and re-opening it, as practice-management
//! systems do when a matter closes (Actionstep renames the workspace "Closed – …" and sets a
//! status field), and each user's My Matters and My Favorites: categories holding shortcuts
//! to workspaces, folders and documents.

use chrono::{DateTime, Utc};

use crate::custom::{CustomKind, CustomValue, MATTER, Scalar, parent_of};
use crate::error::DomainError;
use crate::ids::ContainerId;
use crate::limits::{NAME_MAX, check_len};

/// The prefix a closed workspace's name gets unless the library says otherwise: what
/// Actionstep writes.
pub const DEFAULT_CLOSED_PREFIX: &str = "Closed – ";

/// How a library closes its matters.
#[derive(Clone, Debug, PartialEq)]
pub struct ClosingSettings {
    /// Put before the workspace's name when it closes.
    pub prefix: String,
    /// The profile field that says whether the matter is open, and its two values.
    pub status: Option<StatusField>,
    /// Whether a closed matter is read-only (for everyone but administrators) unless the
    /// request says otherwise.
    pub read_only: bool,
}

impl Default for ClosingSettings {
    fn default() -> Self {
        ClosingSettings {
            prefix: DEFAULT_CLOSED_PREFIX.to_string(),
            status: None,
            read_only: false,
        }
    }
}

/// A custom field holding the matter's status: `closed` when it closes, `open` (or nothing)
/// when it re-opens.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusField {
    pub field: usize,
    pub closed: CustomValue,
    pub open: Option<CustomValue>,
}

impl StatusField {
    /// Reads a status field: a text or lookup field that is not the client or the matter
    /// (walls and search by client and matter must not move when a matter closes) and not a
    /// child lookup (whose value means nothing without its parent's).
    pub fn new(field: usize, closed: &str, open: Option<&str>) -> Result<StatusField, DomainError> {
        let name = "status_field";
        if !(1..=30).contains(&field)
            || !matches!(CustomKind::of(field), CustomKind::Text | CustomKind::Lookup)
            || field <= MATTER
            || parent_of(field).is_some()
        {
            return Err(DomainError::invalid(
                name,
                format!(
                    "custom{field} cannot hold a matter's status: choose a text field (custom13-16) or a lookup field other than custom1, custom2 and custom30"
                ),
            ));
        }
        let value = |key: &str, raw: &str| {
            CustomValue::from_scalar(field, Scalar::Text(raw.to_string()))
                .map_err(|e| DomainError::invalid(key, e.to_string()))
        };
        let closed = value("closed_value", closed)?.ok_or_else(|| {
            DomainError::invalid("closed_value", "closed_value must not be empty")
        })?;
        let open = match open {
            Some(raw) => value("open_value", raw)?,
            None => None,
        };
        Ok(StatusField {
            field,
            closed,
            open,
        })
    }
}

impl ClosingSettings {
    pub fn new(
        prefix: String,
        status: Option<StatusField>,
        read_only: bool,
    ) -> Result<ClosingSettings, DomainError> {
        check_prefix(&prefix)?;
        Ok(ClosingSettings {
            prefix,
            status,
            read_only,
        })
    }
}

fn check_prefix(prefix: &str) -> Result<(), DomainError> {
    if prefix.trim().is_empty() {
        return Err(DomainError::invalid(
            "prefix",
            "prefix must not be empty: a closed matter is told apart by its name",
        ));
    }
    check_len("prefix", prefix, NAME_MAX)
}

/// What one close request may change from the library's settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CloseOptions {
    pub prefix: Option<String>,
    pub read_only: Option<bool>,
    pub comments: String,
}

impl CloseOptions {
    /// The prefix and read-only switch this close uses.
    pub fn resolve(&self, settings: &ClosingSettings) -> Result<(String, bool), DomainError> {
        let prefix = self
            .prefix
            .clone()
            .unwrap_or_else(|| settings.prefix.clone());
        check_prefix(&prefix)?;
        Ok((prefix, self.read_only.unwrap_or(settings.read_only)))
    }
}

/// The name a workspace gets when it closes; refused when it would be too long, since the
/// original must come back exactly.
pub fn closed_name(prefix: &str, name: &str) -> Result<String, DomainError> {
    let closed = format!("{prefix}{name}");
    check_len("name", &closed, NAME_MAX)?;
    Ok(closed)
}

/// A closed matter, as long as it stays closed.
#[derive(Clone, Debug, PartialEq)]
pub struct Closure {
    pub workspace: ContainerId,
    /// The workspace's name before it closed, given back when it re-opens.
    pub original_name: String,
    pub read_only: bool,
    pub closed_at: DateTime<Utc>,
    pub closed_by: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatterActivity {
    Closed,
    Reopened,
}

impl MatterActivity {
    pub fn as_str(self) -> &'static str {
        match self {
            MatterActivity::Closed => "close",
            MatterActivity::Reopened => "reopen",
        }
    }

    pub fn parse(s: &str) -> Option<MatterActivity> {
        [MatterActivity::Closed, MatterActivity::Reopened]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// One entry of a workspace's history.
#[derive(Clone, Debug, PartialEq)]
pub struct MatterEvent {
    pub workspace: ContainerId,
    pub activity: MatterActivity,
    pub date: DateTime<Utc>,
    pub user: String,
    pub name_before: String,
    pub name_after: String,
    pub read_only: bool,
    pub comments: String,
}

/// A user's My Matters or My Favorites, or a category inside My Matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CategoryKind {
    MyMatters,
    MyFavorites,
    Category,
}

impl CategoryKind {
    /// The `folder_type` iManage gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            CategoryKind::MyMatters => "my_matters",
            CategoryKind::MyFavorites => "my_favorites",
            CategoryKind::Category => "category",
        }
    }

    pub fn parse(s: &str) -> Option<CategoryKind> {
        [
            CategoryKind::MyMatters,
            CategoryKind::MyFavorites,
            CategoryKind::Category,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A user's My Matters, My Favorites or a category; its number is taken from the library's
/// container numbering, so its id never names a workspace or folder.
#[derive(Clone, Debug, PartialEq)]
pub struct Category {
    pub id: ContainerId,
    pub kind: CategoryKind,
    /// The My Matters a category sits in; `None` for the two roots.
    pub parent: Option<i64>,
    pub owner: String,
    pub name: String,
    pub created: DateTime<Utc>,
}

/// What a shortcut points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    Workspace,
    Folder,
    Document,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Workspace => "workspace",
            TargetKind::Folder => "folder",
            TargetKind::Document => "document",
        }
    }

    pub fn parse(s: &str) -> Option<TargetKind> {
        [
            TargetKind::Workspace,
            TargetKind::Folder,
            TargetKind::Document,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// The `wstype` of a shortcut to this kind of object.
    pub fn shortcut_wstype(self) -> &'static str {
        match self {
            TargetKind::Workspace => "workspace_shortcut",
            TargetKind::Folder => "folder_shortcut",
            TargetKind::Document => "document_shortcut",
        }
    }
}

/// A shortcut in a category: its own id (from the container numbering) and its target, a
/// workspace, folder (any container but a workspace) or document (its latest version).
#[derive(Clone, Debug, PartialEq)]
pub struct Shortcut {
    pub id: ContainerId,
    pub category: i64,
    pub owner: String,
    pub kind: TargetKind,
    pub target: i64,
    pub created: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_are_text_or_lookup_fields_other_than_client_and_matter() {
        assert!(StatusField::new(13, "Closed", Some("Open")).is_ok());
        assert!(StatusField::new(3, "closed", None).is_ok());
        for bad in [0, 1, 2, 17, 21, 25, 30, 31] {
            assert!(
                StatusField::new(bad, "Closed", None).is_err(),
                "custom{bad}"
            );
        }
        assert!(StatusField::new(13, "", None).is_err());
    }

    #[test]
    fn a_closed_name_keeps_the_original_and_must_fit() {
        assert_eq!(
            closed_name(DEFAULT_CLOSED_PREFIX, "Acme").unwrap(),
            "Closed – Acme"
        );
        assert!(closed_name("Closed - ", &"x".repeat(NAME_MAX)).is_err());
        let o = CloseOptions {
            prefix: Some("  ".into()),
            ..CloseOptions::default()
        };
        assert!(o.resolve(&ClosingSettings::default()).is_err());
    }
}
