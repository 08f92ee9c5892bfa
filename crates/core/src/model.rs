//! The domain's records as the service layer reads and writes them. Surfaces never put
//! these on the wire directly: each API converts them into its own shapes.

use chrono::{DateTime, Utc};

use crate::changes::{DocumentDefaults, SavedSearch};
use crate::custom::CustomValues;
use crate::error::DomainError;
use crate::events::{Change, Row, UnknownChange};
use crate::ids::{ContainerId, DocumentId, LibraryId};
use crate::security::{AccessLevel, DefaultSecurity};

#[derive(Clone, Debug)]
pub struct Library {
    pub id: LibraryId,
    pub customer_id: i64,
    pub description: String,
    pub is_hidden: bool,
}

pub use crate::identity::User;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    Workspace,
    Folder,
    Tab,
    SearchFolder,
}

impl ContainerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerKind::Workspace => "workspace",
            ContainerKind::Folder => "folder",
            ContainerKind::Tab => "tab",
            ContainerKind::SearchFolder => "search",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "workspace" => ContainerKind::Workspace,
            "folder" => ContainerKind::Folder,
            "tab" => ContainerKind::Tab,
            "search" => ContainerKind::SearchFolder,
            _ => return None,
        })
    }

    /// Whether documents can be filed directly in a container of this kind. iManage files
    /// documents in folders and tabs; workspaces hold folders, search folders hold queries.
    pub fn holds_documents(self) -> bool {
        matches!(self, ContainerKind::Folder | ContainerKind::Tab)
    }
}

#[derive(Clone, Debug)]
pub struct Container {
    pub id: ContainerId,
    pub kind: ContainerKind,
    pub parent: Option<i64>,
    /// The workspace this container belongs to (its own number for a workspace).
    pub workspace: i64,
    pub name: String,
    pub description: String,
    pub owner: String,
    pub author: Option<String>,
    pub class: Option<String>,
    pub subclass: Option<String>,
    pub default_security: DefaultSecurity,
    pub email: Option<String>,
    pub view_type: String,
    /// The default profile given to documents filed in a folder.
    pub default_profile: Option<DocumentDefaults>,
    /// A search folder's saved search.
    pub search_profile: Option<SavedSearch>,
    pub create_date: DateTime<Utc>,
    pub edit_date: DateTime<Utc>,
    /// The encoded `access::AclKey` of the object whose security governs this one.
    pub acl: i64,
    pub customs: CustomValues,
    /// `project_custom1..3`: free text, not validated.
    pub project_customs: ProjectCustoms,
    /// A workspace template, or a container in a template's tree. Templates live in the
    /// library like workspaces but are left out of every list and search of matters.
    pub is_template: bool,
    /// In a template's tree: a workspace made "with only required folders" gets this one.
    pub required: bool,
}

/// How many free-text project fields a workspace or folder has (`project_custom1..3`).
pub const PROJECT_CUSTOM_COUNT: usize = 3;

/// A workspace's or folder's `project_custom1..3`, index 0 for `project_custom1`.
pub type ProjectCustoms = [Option<String>; PROJECT_CUSTOM_COUNT];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WsType {
    Document,
    Email,
}

impl WsType {
    /// An `.eml` or `.msg` file is filed as an email.
    pub fn for_extension(extension: &str) -> WsType {
        if extension.eq_ignore_ascii_case("eml") || extension.eq_ignore_ascii_case("msg") {
            WsType::Email
        } else {
            WsType::Document
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WsType::Document => "document",
            WsType::Email => "email",
        }
    }
}

/// The email fields of a profile (`wstype` email): filled from the message when it is
/// filed (`email::ParsedEmail::fill`), or by the client, whose values win.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EmailFields {
    pub from: Option<String>,
    pub to: Option<String>,
    pub cc: Option<String>,
    pub bcc: Option<String>,
    pub subject: Option<String>,
    pub sent_date: Option<DateTime<Utc>>,
    pub received_date: Option<DateTime<Utc>>,
    /// The message's own `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
    /// The message this one answers, without angle brackets.
    pub in_reply_to: Option<String>,
    pub conversation_id: Option<String>,
    /// The message's attachments, in its order (read from the message, never sent by a
    /// client).
    pub attachments: Vec<crate::email::EmailAttachment>,
}

impl EmailFields {
    pub fn has_attachment(&self) -> bool {
        !self.attachments.is_empty()
    }
}

/// One document version and its profile.
#[derive(Clone, Debug)]
pub struct Document {
    pub id: DocumentId,
    pub name: String,
    pub extension: String,
    pub doc_type: String,
    pub class: String,
    pub subclass: Option<String>,
    pub author: String,
    pub operator: String,
    pub last_user: String,
    pub comment: String,
    pub size: i64,
    pub content_hash: String,
    pub content_type: String,
    pub default_security: DefaultSecurity,
    pub wstype: WsType,
    pub create_date: DateTime<Utc>,
    pub edit_date: DateTime<Utc>,
    pub edit_profile_date: DateTime<Utc>,
    pub file_create_date: Option<DateTime<Utc>>,
    pub file_edit_date: Option<DateTime<Utc>>,
    pub email: EmailFields,
    /// The encoded `access::AclKey` of the object whose security governs this document.
    pub acl: i64,
    pub customs: CustomValues,
}

impl Document {
    /// The name with its extension (`memo.docx`), as a download names the file.
    pub fn full_file_name(&self) -> String {
        if self.extension.is_empty() {
            self.name.clone()
        } else {
            format!("{}.{}", self.name, self.extension)
        }
    }
}

/// A document together with the facts a profile response shows beside it.
#[derive(Clone, Debug)]
pub struct DocumentView {
    pub doc: Document,
    pub latest_version: i64,
    pub checkout: Option<Checkout>,
    /// The home folder's workspace, if the document is filed.
    pub workspace: Option<(i64, String)>,
}

#[derive(Clone, Debug)]
pub struct Checkout {
    pub user_id: String,
    pub comments: String,
    pub location: String,
    pub path: String,
    pub due_date: Option<DateTime<Utc>>,
    pub checkout_date: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct Filing {
    pub folder: i64,
    pub document: i64,
    pub is_reference: bool,
    pub filed_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct HistoryEntry {
    pub id: i64,
    pub document: DocumentId,
    pub activity: String,
    pub activity_code: i64,
    pub activity_date: DateTime<Utc>,
    pub user_id: String,
    pub application_name: String,
    pub location: String,
    pub comments: String,
    pub duration: i64,
    pub pages_printed: i64,
    pub data1: String,
    pub data2: String,
    pub num1: i64,
    pub num2: i64,
    pub num3: i64,
}

#[derive(Clone, Debug)]
pub struct Lookup {
    pub field: usize,
    pub parent_alias: Option<String>,
    pub alias: String,
    pub description: String,
    pub enabled: bool,
}

pub use crate::classes::{Class, ClassSettings, Subclass};

#[derive(Clone, Debug)]
pub struct DocType {
    pub alias: String,
    pub description: String,
    pub app_extension: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrusteeType {
    User,
    Group,
}

impl TrusteeType {
    pub fn as_str(&self) -> &'static str {
        match self {
            TrusteeType::User => "user",
            TrusteeType::Group => "group",
        }
    }
}

/// What a trustee list belongs to (`trustees.object_kind`): a document, or a container of
/// any kind (workspace, folder, tab, search folder; they share one number sequence).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrusteeOwner {
    Document,
    Container,
}

impl TrusteeOwner {
    pub fn as_str(self) -> &'static str {
        match self {
            TrusteeOwner::Document => "document",
            TrusteeOwner::Container => "container",
        }
    }

    pub fn parse(s: &str) -> Result<TrusteeOwner, DomainError> {
        match s {
            "document" => Ok(TrusteeOwner::Document),
            "container" => Ok(TrusteeOwner::Container),
            _ => Err(DomainError::internal(format!(
                "'{s}' is not a trustee list's owner"
            ))),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Trustee {
    pub trustee_type: TrusteeType,
    pub id: String,
    pub access: AccessLevel,
}

/// An outbox event as stored: what changed (`events::Change::encode`), in commit order.
/// Kept as the stored row, so that reading the outbox never fails on a row this version
/// cannot decode; its readers decode it with `change`.
#[derive(Clone, Debug)]
pub struct Event {
    pub seq: i64,
    pub row: Row,
    pub user_id: String,
    pub event_date: DateTime<Utc>,
}

impl Event {
    pub fn change(&self) -> Result<Change, UnknownChange> {
        Change::decode(&self.row)
    }
}

/// An outbox event decoded: the change, who made it and when.
#[derive(Clone, Debug)]
pub struct ChangeEvent {
    pub seq: i64,
    pub change: Change,
    pub user_id: String,
    pub event_date: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trustee_owners_keep_their_stored_names() {
        for (owner, stored) in [
            (TrusteeOwner::Document, "document"),
            (TrusteeOwner::Container, "container"),
        ] {
            assert_eq!(owner.as_str(), stored);
            assert_eq!(TrusteeOwner::parse(stored).ok(), Some(owner));
        }
        assert!(TrusteeOwner::parse("workspace").is_err());
    }
}
