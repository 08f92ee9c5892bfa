//! Webhook subscriptions: the catalogue of event types a subscriber chooses from, the one
//! mapping from an outbox `Change` to its type, the selection a subscription makes
//! (`EventSelection`, with `document.*` and `*` wildcards) and its filters.
//!
//! The type names are part of the published contract (docs/webhooks.md): a name, once
//! published, never changes meaning.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};

use crate::error::DomainError;
use crate::events::Change;
use crate::ids::{ContainerId, LibraryId};

/// The type of an event as subscribers see it: one per kind of `Change`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventType {
    DocumentCreated,
    DocumentVersionAdded,
    DocumentCopied,
    DocumentUpdated,
    DocumentProfileUpdated,
    DocumentVersionDeleted,
    DocumentRestored,
    DocumentPurged,
    DocumentFiled,
    DocumentUnfiled,
    DocumentSecurityChanged,
    WorkspaceCreated,
    WorkspaceProfileUpdated,
    WorkspaceUpdated,
    WorkspaceDeleted,
    ContainerCreated,
    ContainerProfileUpdated,
    ContainerUpdated,
    ContainerDeleted,
    ContainerMoved,
    ContainerSecurityChanged,
    WallChanged,
    LookupCreated,
    LookupUpdated,
    LookupDeleted,
    UserCreated,
    UserUpdated,
    UserDeleted,
    GroupCreated,
    GroupUpdated,
    GroupDeleted,
    GroupMembersChanged,
    RoleCreated,
    RoleUpdated,
}

impl EventType {
    pub const ALL: [EventType; 34] = [
        EventType::DocumentCreated,
        EventType::DocumentVersionAdded,
        EventType::DocumentCopied,
        EventType::DocumentUpdated,
        EventType::DocumentProfileUpdated,
        EventType::DocumentVersionDeleted,
        EventType::DocumentRestored,
        EventType::DocumentPurged,
        EventType::DocumentFiled,
        EventType::DocumentUnfiled,
        EventType::DocumentSecurityChanged,
        EventType::WorkspaceCreated,
        EventType::WorkspaceProfileUpdated,
        EventType::WorkspaceUpdated,
        EventType::WorkspaceDeleted,
        EventType::ContainerCreated,
        EventType::ContainerProfileUpdated,
        EventType::ContainerUpdated,
        EventType::ContainerDeleted,
        EventType::ContainerMoved,
        EventType::ContainerSecurityChanged,
        EventType::WallChanged,
        EventType::LookupCreated,
        EventType::LookupUpdated,
        EventType::LookupDeleted,
        EventType::UserCreated,
        EventType::UserUpdated,
        EventType::UserDeleted,
        EventType::GroupCreated,
        EventType::GroupUpdated,
        EventType::GroupDeleted,
        EventType::GroupMembersChanged,
        EventType::RoleCreated,
        EventType::RoleUpdated,
    ];

    /// The type of a change. No wildcard: a new kind of change does not compile until it
    /// has its published name.
    pub fn of(change: &Change) -> EventType {
        use Change as C;
        use EventType as T;
        match change {
            C::DocumentCreated { .. } => T::DocumentCreated,
            C::DocumentVersionAdded { .. } => T::DocumentVersionAdded,
            C::DocumentCopied { .. } => T::DocumentCopied,
            C::DocumentUpdated { .. } => T::DocumentUpdated,
            C::DocumentProfileUpdated { .. } => T::DocumentProfileUpdated,
            C::DocumentVersionDeleted { .. } => T::DocumentVersionDeleted,
            C::DocumentRestored { .. } => T::DocumentRestored,
            C::DocumentPurged { .. } => T::DocumentPurged,
            C::DocumentFiled { .. } => T::DocumentFiled,
            C::DocumentUnfiled { .. } => T::DocumentUnfiled,
            C::DocumentSecurityChanged { .. } => T::DocumentSecurityChanged,
            C::WorkspaceCreated { .. } => T::WorkspaceCreated,
            C::WorkspaceProfileUpdated { .. } => T::WorkspaceProfileUpdated,
            C::WorkspaceUpdated { .. } => T::WorkspaceUpdated,
            C::WorkspaceDeleted { .. } => T::WorkspaceDeleted,
            C::ContainerCreated { .. } => T::ContainerCreated,
            C::ContainerProfileUpdated { .. } => T::ContainerProfileUpdated,
            C::ContainerUpdated { .. } => T::ContainerUpdated,
            C::ContainerDeleted { .. } => T::ContainerDeleted,
            C::ContainerMoved { .. } => T::ContainerMoved,
            C::ContainerSecurityChanged { .. } => T::ContainerSecurityChanged,
            C::WallChanged { .. } => T::WallChanged,
            C::LookupCreated { .. } => T::LookupCreated,
            C::LookupUpdated { .. } => T::LookupUpdated,
            C::LookupDeleted { .. } => T::LookupDeleted,
            C::UserCreated { .. } => T::UserCreated,
            C::UserUpdated { .. } => T::UserUpdated,
            C::UserDeleted { .. } => T::UserDeleted,
            C::GroupCreated { .. } => T::GroupCreated,
            C::GroupUpdated { .. } => T::GroupUpdated,
            C::GroupDeleted { .. } => T::GroupDeleted,
            C::GroupMembersChanged { .. } => T::GroupMembersChanged,
            C::RoleCreated { .. } => T::RoleCreated,
            C::RoleUpdated { .. } => T::RoleUpdated,
        }
    }

    /// The published name: `{object}.{what happened}`.
    pub fn as_str(self) -> &'static str {
        use EventType as T;
        match self {
            T::DocumentCreated => "document.created",
            T::DocumentVersionAdded => "document.version_added",
            T::DocumentCopied => "document.copied",
            T::DocumentUpdated => "document.updated",
            T::DocumentProfileUpdated => "document.profile_updated",
            T::DocumentVersionDeleted => "document.version_deleted",
            T::DocumentRestored => "document.restored",
            T::DocumentPurged => "document.purged",
            T::DocumentFiled => "document.filed",
            T::DocumentUnfiled => "document.unfiled",
            T::DocumentSecurityChanged => "document.security_changed",
            T::WorkspaceCreated => "workspace.created",
            T::WorkspaceProfileUpdated => "workspace.profile_updated",
            T::WorkspaceUpdated => "workspace.updated",
            T::WorkspaceDeleted => "workspace.deleted",
            T::ContainerCreated => "container.created",
            T::ContainerProfileUpdated => "container.profile_updated",
            T::ContainerUpdated => "container.updated",
            T::ContainerDeleted => "container.deleted",
            T::ContainerMoved => "container.moved",
            T::ContainerSecurityChanged => "container.security_changed",
            T::WallChanged => "wall.changed",
            T::LookupCreated => "lookup.created",
            T::LookupUpdated => "lookup.updated",
            T::LookupDeleted => "lookup.deleted",
            T::UserCreated => "user.created",
            T::UserUpdated => "user.updated",
            T::UserDeleted => "user.deleted",
            T::GroupCreated => "group.created",
            T::GroupUpdated => "group.updated",
            T::GroupDeleted => "group.deleted",
            T::GroupMembersChanged => "group.members_changed",
            T::RoleCreated => "role.created",
            T::RoleUpdated => "role.updated",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The object part of the name (`document`, `workspace`, …).
    pub fn family(self) -> &'static str {
        self.as_str().split('.').next().unwrap_or_default()
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The most selectors one subscription may name.
const MAX_SELECTORS: usize = 64;

/// The event types a subscription asked for: type names, `family.*` (every type of an
/// object, including types added later) or `*` (everything). Kept as given, so a
/// subscription to `document.*` also receives document types published after it was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSelection(BTreeSet<String>);

impl EventSelection {
    /// Checks each name against the catalogue; an unknown one is refused, naming it.
    pub fn parse<'a>(
        field: &str,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<EventSelection, DomainError> {
        let mut set = BTreeSet::new();
        for raw in names {
            let name = raw.trim();
            let known = name == "*"
                || EventType::parse(name).is_some()
                || name
                    .strip_suffix(".*")
                    .is_some_and(|family| EventType::ALL.iter().any(|t| t.family() == family));
            if !known {
                return Err(DomainError::invalid(
                    field,
                    format!(
                        "'{}' is not an event type (see the catalogue: document.created, document.*, *, …)",
                        name.chars().take(80).collect::<String>()
                    ),
                ));
            }
            set.insert(name.to_string());
        }
        if set.is_empty() {
            return Err(DomainError::invalid(
                field,
                "name at least one event type (or * for all)",
            ));
        }
        if set.len() > MAX_SELECTORS {
            return Err(DomainError::invalid(
                field,
                format!("at most {MAX_SELECTORS} event types"),
            ));
        }
        Ok(EventSelection(set))
    }

    /// Reads a stored selection (written by `parse`): unknown names (of a newer version)
    /// are kept and simply match nothing here.
    pub fn stored(names: impl IntoIterator<Item = String>) -> EventSelection {
        EventSelection(names.into_iter().collect())
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn matches(&self, t: EventType) -> bool {
        self.0.iter().any(|s| {
            s == "*"
                || s == t.as_str()
                || s.strip_suffix(".*")
                    .is_some_and(|family| family == t.family())
        })
    }
}

/// What narrows a subscription beyond its event types: events of one library, of one
/// workspace, of documents of one class. An event that cannot be placed (a user change has
/// no library, a workspace event no class) does not pass a filter that asks for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebhookFilters {
    pub library: Option<LibraryId>,
    pub workspace: Option<ContainerId>,
    /// A document class alias, upper case.
    pub class: Option<String>,
}

impl WebhookFilters {
    /// Checks that the filters agree with each other.
    pub fn check(&self) -> Result<(), DomainError> {
        if let (Some(l), Some(w)) = (&self.library, &self.workspace)
            && w.library != *l
        {
            return Err(DomainError::invalid(
                "workspace_id",
                "the workspace filter names another library than the library filter",
            ));
        }
        if let Some(c) = &self.class {
            crate::limits::check_len("class", c, 64)?;
        }
        Ok(())
    }
}

/// A subscription as stored (its secret is kept apart: it is shown once, when made).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub customer_id: i64,
    /// The user whose access decides, at delivery time, which events are sent: the caller
    /// who made the subscription (an app's service account for a client-credentials token).
    pub owner_user: String,
    /// The OAuth app whose token made the subscription, if any.
    pub owner_app: Option<String>,
    /// The scopes of the token that made it (the owner's reach is never wider).
    pub owner_scope: String,
    pub url: String,
    pub events: EventSelection,
    pub filters: WebhookFilters,
    pub description: String,
    pub active: bool,
    /// The outbox sequence number of the last event this subscription is done with.
    pub last_seq: i64,
    /// Failed attempts of the event after `last_seq` (0 when none is failing).
    pub attempts: i64,
    pub first_failure: Option<DateTime<Utc>>,
    /// When the failing event is tried next.
    pub next_attempt: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What came of one attempt (or of giving up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Delivered,
    /// Failed; tried again later.
    Failed,
    /// Given up after the retry period: dead-lettered, the subscription moved on.
    Dead,
}

impl DeliveryOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Delivered => "delivered",
            DeliveryOutcome::Failed => "failed",
            DeliveryOutcome::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryOutcome> {
        [
            DeliveryOutcome::Delivered,
            DeliveryOutcome::Failed,
            DeliveryOutcome::Dead,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// One line of a subscription's delivery log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: i64,
    pub webhook_id: i64,
    /// The outbox sequence number of the event (its id is `event_id(seq)`).
    pub seq: i64,
    pub event_type: String,
    /// 1 for the first attempt of an event.
    pub attempt: i64,
    pub at: DateTime<Utc>,
    pub status: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub outcome: DeliveryOutcome,
}

/// The id of the event at outbox position `seq`: the same on every attempt, so receivers
/// drop repeats by it (`webhook-id`).
pub fn event_id(seq: i64) -> String {
    format!("evt_{seq}")
}

/// The library a change belongs to: `None` for changes of the customer (users, groups,
/// customer roles).
pub fn library_of(change: &Change) -> Option<LibraryId> {
    let row = change.encode();
    LibraryId::parse(&row.library).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_a_distinct_name_that_parses_back() {
        let names: BTreeSet<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(names.len(), EventType::ALL.len());
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
    }

    #[test]
    fn selections_take_names_families_and_everything() {
        let s = EventSelection::parse("events", ["document.*", "user.created"]).unwrap();
        assert!(s.matches(EventType::DocumentFiled));
        assert!(s.matches(EventType::UserCreated));
        assert!(!s.matches(EventType::UserDeleted));
        let all = EventSelection::parse("events", ["*"]).unwrap();
        assert!(EventType::ALL.iter().all(|t| all.matches(*t)));
        for bad in ["document.exploded", "nothing.*", "", "document"] {
            assert!(EventSelection::parse("events", [bad]).is_err(), "{bad}");
        }
        assert!(EventSelection::parse("events", []).is_err());
    }
}
