//! Document history activities. The names are iManage's (the `activity` strings its history
//! API returns and filters on); the numeric codes are Dossier's own, stable numbering, because
//! iManage's code list is not public (see docs/compatibility.md).

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activity {
    NewDocument,
    NewVersion,
    Modify,
    View,
    Export,
    Copy,
    Checkout,
    Checkin,
    Lock,
    Unlock,
    Delete,
    /// Taken out of the recycle bin.
    Restore,
    Move,
    ReplaceContent,
    AddReference,
    RemoveReference,
    Mail,
    Print,
    /// An entry added by an integration through the API.
    Custom,
}

impl Activity {
    pub const ALL: [Activity; 19] = [
        Activity::NewDocument,
        Activity::NewVersion,
        Activity::Modify,
        Activity::View,
        Activity::Export,
        Activity::Copy,
        Activity::Checkout,
        Activity::Checkin,
        Activity::Lock,
        Activity::Unlock,
        Activity::Delete,
        Activity::Restore,
        Activity::Move,
        Activity::ReplaceContent,
        Activity::AddReference,
        Activity::RemoveReference,
        Activity::Mail,
        Activity::Print,
        Activity::Custom,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Activity::NewDocument => "NEWDOCUMENT",
            Activity::NewVersion => "NEWDOCVER",
            Activity::Modify => "MODIFY",
            Activity::View => "VIEW",
            Activity::Export => "EXPORT",
            Activity::Copy => "COPYDOC",
            Activity::Checkout => "CHECKOUT",
            Activity::Checkin => "CHECKIN",
            Activity::Lock => "LOCK",
            Activity::Unlock => "UNLOCK",
            Activity::Delete => "DELETE",
            Activity::Restore => "RESTORE",
            Activity::Move => "MOVE",
            Activity::ReplaceContent => "REPLACE",
            Activity::AddReference => "ADDREFERENCE",
            Activity::RemoveReference => "REMOVEREFERENCE",
            Activity::Mail => "MAIL",
            Activity::Print => "PRINT",
            Activity::Custom => "CUSTOM",
        }
    }

    pub fn code(self) -> i64 {
        match self {
            Activity::NewDocument => 1,
            Activity::NewVersion => 2,
            Activity::Modify => 3,
            Activity::View => 4,
            Activity::Export => 5,
            Activity::Copy => 6,
            Activity::Checkout => 7,
            Activity::Checkin => 8,
            Activity::Lock => 9,
            Activity::Unlock => 10,
            Activity::Delete => 11,
            Activity::Restore => 18,
            Activity::Move => 12,
            Activity::ReplaceContent => 13,
            Activity::AddReference => 14,
            Activity::RemoveReference => 15,
            Activity::Mail => 16,
            Activity::Print => 17,
            Activity::Custom => 100,
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Activity::NewDocument => "Document created",
            Activity::NewVersion => "New version",
            Activity::Modify => "Profile edited",
            Activity::View => "Viewed",
            Activity::Export => "Downloaded",
            Activity::Copy => "Copied",
            Activity::Checkout => "Checked out",
            Activity::Checkin => "Checked in",
            Activity::Lock => "Locked",
            Activity::Unlock => "Unlocked",
            Activity::Delete => "Deleted",
            Activity::Restore => "Restored from the recycle bin",
            Activity::Move => "Moved",
            Activity::ReplaceContent => "Content replaced",
            Activity::AddReference => "Reference added",
            Activity::RemoveReference => "Reference removed",
            Activity::Mail => "Emailed",
            Activity::Print => "Printed",
            Activity::Custom => "Custom activity",
        }
    }

    pub fn from_code(code: i64) -> Option<Activity> {
        Activity::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn from_name(name: &str) -> Option<Activity> {
        Activity::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// The history filter keywords of iManage's `GET …/history?activity=` and the stored
    /// activities each one selects.
    pub fn filter(keyword: &str) -> Option<&'static [Activity]> {
        Some(match keyword.to_ascii_lowercase().as_str() {
            "copy" => &[Activity::Copy],
            "download" => &[Activity::Export],
            "edit" => &[
                Activity::NewDocument,
                Activity::NewVersion,
                Activity::Modify,
            ],
            "email" => &[Activity::Mail],
            "print" => &[Activity::Print],
            "version" => &[Activity::NewVersion],
            "view" => &[Activity::View],
            "all" => &Activity::ALL,
            _ => return None,
        })
    }
}
