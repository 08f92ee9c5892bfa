//! Disposing of documents: the recycle bin a deleted document waits in before it is purged,
//! legal holds that keep documents from deletion, and the retention a class's retain days
//! impose.

use chrono::{DateTime, Duration, Utc};

use crate::DomainError;
use crate::ids::{ContainerId, LibraryId};
use crate::model::Document;

/// A document in a library's recycle bin: its latest version as it was when deleted, who
/// deleted it and when, and when it is purged.
#[derive(Clone, Debug)]
pub struct RecycledDocument {
    pub document: Document,
    pub deleted_by: String,
    pub deleted_at: DateTime<Utc>,
    pub purge_after: DateTime<Utc>,
    /// The folder it was filed in, where a restore puts it back (it may be gone since).
    pub home_folder: Option<ContainerId>,
}

impl RecycledDocument {
    /// Who may see this entry and restore it besides an administrator: the user who deleted
    /// it and the document's author (its owner, in iManage's words).
    pub fn belongs_to(&self, user: &str) -> bool {
        self.deleted_by.eq_ignore_ascii_case(user)
            || self.document.author.eq_ignore_ascii_case(user)
    }
}

/// How long a deleted document waits in the recycle bin (`recycle_bin_days`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecyclePeriod {
    days: i64,
}

impl RecyclePeriod {
    pub fn days(days: i64) -> RecyclePeriod {
        RecyclePeriod { days: days.max(0) }
    }

    /// No wait: a deleted document is purged at once.
    pub fn is_immediate(self) -> bool {
        self.days == 0
    }

    /// When a document deleted at `at` is purged.
    pub fn purge_after(self, at: DateTime<Utc>) -> DateTime<Utc> {
        at + Duration::days(self.days)
    }
}

impl Default for RecyclePeriod {
    fn default() -> Self {
        RecyclePeriod::days(30)
    }
}

/// What a legal hold is placed on: one document, or a workspace and every document whose
/// home is in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoldTarget {
    Document { library: LibraryId, number: i64 },
    Workspace(ContainerId),
}

impl HoldTarget {
    pub fn library(&self) -> &LibraryId {
        match self {
            HoldTarget::Document { library, .. } => library,
            HoldTarget::Workspace(w) => &w.library,
        }
    }

    /// The kind as stored (`legal_holds.object_kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            HoldTarget::Document { .. } => "document",
            HoldTarget::Workspace(_) => "workspace",
        }
    }

    pub fn number(&self) -> i64 {
        match self {
            HoldTarget::Document { number, .. } => *number,
            HoldTarget::Workspace(w) => w.number,
        }
    }
}

/// A legal hold: while it stands, nothing it covers is deleted or purged.
#[derive(Clone, Debug)]
pub struct LegalHold {
    pub target: HoldTarget,
    /// The matter or order the hold is for, as the administrator wrote it.
    pub reason: String,
    pub held_by: String,
    pub held_at: DateTime<Utc>,
}

impl LegalHold {
    /// The refusal a deletion or purge meets.
    pub fn refusal(&self, what: &str) -> DomainError {
        let on = match &self.target {
            HoldTarget::Document { .. } => "the document".to_string(),
            HoldTarget::Workspace(w) => format!("its workspace {w}"),
        };
        DomainError::Forbidden(format!(
            "{what} is under legal hold ({on}, placed by {} on {}: {}); an administrator must release the hold first",
            self.held_by,
            self.held_at.format("%Y-%m-%d"),
            self.reason
        ))
    }
}

/// The end of the retention a class's (or subclass's) `retain_days` impose on a document
/// last edited at `last_edit`: it may not be deleted before. `None` when nothing is retained
/// (`retain_days` 0). Counted from the last edit, as iManage's retain days count a
/// document's inactivity.
pub fn retained_until(last_edit: DateTime<Utc>, retain_days: i64) -> Option<DateTime<Utc>> {
    (retain_days > 0).then(|| last_edit + Duration::days(retain_days))
}

/// Refuses deleting a document retained until `until` at `now`.
pub fn check_retention(
    what: &str,
    class: &str,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    match until {
        Some(end) if now < end => Err(DomainError::Forbidden(format!(
            "{what} is retained until {} by the retention of class {class}; it cannot be deleted before",
            end.format("%Y-%m-%d")
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_counts_from_the_last_edit() {
        let t = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(retained_until(t, 0), None);
        let end = retained_until(t, 10).unwrap();
        assert!(check_retention("d", "C", Some(end), t + Duration::days(9)).is_err());
        assert!(check_retention("d", "C", Some(end), t + Duration::days(10)).is_ok());
        assert!(check_retention("d", "C", None, t).is_ok());
    }

    #[test]
    fn a_period_of_zero_days_purges_at_once() {
        assert!(RecyclePeriod::days(0).is_immediate());
        assert!(!RecyclePeriod::default().is_immediate());
        assert!(RecyclePeriod::days(-3).is_immediate());
    }
}
