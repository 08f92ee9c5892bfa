//! Identity records and rules: users, groups, library roles and their rights, OAuth apps,
//! scopes and audit records. Pure: the store persists these, the service enforces them.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::DomainError;

/// The administrators' group. Its members hold every right in every library of their
/// customer (iManage's NRTADMIN).
pub const ADMIN_GROUP: &str = "NRTADMIN";

/// The library the first start creates, and the one a new user who names no library (SCIM
/// and other directories name none) is made a member of.
pub const DEFAULT_LIBRARY: &str = "ACTIVE";

/// `user_nos` values: a user with Dossier's own password, or one synced from a directory.
pub const USER_NOS_VIRTUAL: i64 = 2;
pub const USER_NOS_ENTERPRISE: i64 = 6;

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// The login id, upper-case (`JSMITH`).
    pub id: String,
    pub customer_id: i64,
    /// A stable opaque id (the SCIM id), never reused.
    pub ssid: String,
    pub full_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub user_nos: i64,
    pub is_external: bool,
    pub allow_logon: bool,
    /// Locked by an administrator: no sign-in and no token works until they unlock it.
    pub is_locked: bool,
    /// Sign-in attempts counted since the last success or lockout (see `signin.rs`).
    pub failed_logins: i64,
    /// Until when password sign-in is refused after too many failures. Unlike `is_locked`
    /// it ends by itself and leaves the user's open sessions alone.
    pub signin_locked_until: Option<DateTime<Utc>>,
    /// Lockouts since the last successful sign-in: each lasts twice as long as the last.
    pub signin_lockouts: i64,
    pub pwd_never_expire: bool,
    pub force_password_change: bool,
    pub pwd_changed_at: Option<DateTime<Utc>>,
    pub preferred_library: Option<String>,
    pub department: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    /// The directory's id for this person (SCIM externalId).
    pub user_id_ex: Option<String>,
    /// Deactivated users keep their documents and history but cannot sign in.
    pub active: bool,
    /// Bumped on every change: the ETag.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub edited_at: DateTime<Utc>,
}

impl User {
    /// A new active user with defaults for everything but the names.
    pub fn new(
        id: &str,
        customer_id: i64,
        full_name: &str,
        ssid: String,
        now: DateTime<Utc>,
    ) -> User {
        User {
            id: id.to_string(),
            customer_id,
            ssid,
            full_name: full_name.to_string(),
            first_name: None,
            last_name: None,
            email: None,
            password_hash: None,
            user_nos: USER_NOS_VIRTUAL,
            is_external: false,
            allow_logon: true,
            is_locked: false,
            failed_logins: 0,
            signin_locked_until: None,
            signin_lockouts: 0,
            pwd_never_expire: false,
            force_password_change: false,
            pwd_changed_at: None,
            preferred_library: None,
            department: None,
            title: None,
            phone: None,
            user_id_ex: None,
            active: true,
            version: 1,
            created_at: now,
            edited_at: now,
        }
    }

    pub fn has_password(&self) -> bool {
        self.password_hash.is_some()
    }

    /// Forgets failed sign-ins and ends a lock they caused (an administrator's unlock, a new
    /// password).
    pub fn clear_sign_in_lock(&mut self) {
        self.failed_logins = 0;
        self.signin_locked_until = None;
        self.signin_lockouts = 0;
    }

    /// Whether the password grant and the sign-in page may accept this user's password.
    pub fn may_sign_in_with_password(&self) -> bool {
        self.active && self.allow_logon && !self.is_locked && self.has_password()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Upper-case, like user ids (`LITIGATION`).
    pub id: String,
    pub customer_id: i64,
    pub ssid: String,
    pub full_name: String,
    pub enabled: bool,
    pub is_external: bool,
    pub group_nos: i64,
    /// The directory's id (SCIM externalId).
    pub group_id_ex: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub edited_at: DateTime<Utc>,
}

/// Normalizes and checks a login or group id: upper-case, 1 to 64 characters of letters,
/// digits and `. _ - @`, so ids are safe in paths, filters and audit records.
pub fn normalize_id(field: &str, raw: &str) -> Result<String, DomainError> {
    let id = raw.trim().to_uppercase();
    if id.is_empty() {
        return Err(DomainError::required(field));
    }
    if id.chars().count() > 64 {
        return Err(DomainError::invalid(
            field,
            format!("{field} is longer than 64 characters"),
        ));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(DomainError::invalid(
            field,
            format!("{field} may hold only letters, digits and . _ - @"),
        ));
    }
    Ok(id)
}

/// One right a library role grants. The names are iManage's role bits (m1–m4), grouped
/// on the wire as `m1_bits` … `m4_bits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Right {
    // m1: documents
    AllowIndexSearch,
    Checkout,
    CreatePublicFolder,
    Delete,
    Import,
    ReadOnly,
    Release,
    ShareDocument,
    ViewPublicFolder,
    EditPreviousVersions,
    // m2: tools
    DocumentView,
    External,
    UseAdminTool,
    UseImportTool,
    UseMonitorTool,
    // m3: workspaces
    AuthorWorkspace,
    BrowseWorkspace,
    CreateTemplate,
    DeleteWorkspace,
    SearchWorkspace,
    ShareWorkspace,
    CustomizePersonalViews,
    CustomizePublicViews,
    // m4: administration
    AdminTier1,
    AdminTier2,
    AdminTier3,
    TrusteeManagement,
    RoleManagement,
    UserManagement,
    Report,
    SystemManagement,
    /// Passes ethical walls; every pass is audited (break glass).
    EthicalWallOverride,
}

impl Right {
    pub const ALL: [Right; 32] = [
        Right::AllowIndexSearch,
        Right::Checkout,
        Right::CreatePublicFolder,
        Right::Delete,
        Right::Import,
        Right::ReadOnly,
        Right::Release,
        Right::ShareDocument,
        Right::ViewPublicFolder,
        Right::EditPreviousVersions,
        Right::DocumentView,
        Right::External,
        Right::UseAdminTool,
        Right::UseImportTool,
        Right::UseMonitorTool,
        Right::AuthorWorkspace,
        Right::BrowseWorkspace,
        Right::CreateTemplate,
        Right::DeleteWorkspace,
        Right::SearchWorkspace,
        Right::ShareWorkspace,
        Right::CustomizePersonalViews,
        Right::CustomizePublicViews,
        Right::AdminTier1,
        Right::AdminTier2,
        Right::AdminTier3,
        Right::TrusteeManagement,
        Right::RoleManagement,
        Right::UserManagement,
        Right::Report,
        Right::SystemManagement,
        Right::EthicalWallOverride,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Right::AllowIndexSearch => "allow_index_search",
            Right::Checkout => "checkout",
            Right::CreatePublicFolder => "create_public_folder",
            Right::Delete => "delete",
            Right::Import => "import",
            Right::ReadOnly => "read_only",
            Right::Release => "release",
            Right::ShareDocument => "share_document",
            Right::ViewPublicFolder => "view_public_folder",
            Right::EditPreviousVersions => "edit_previous_versions",
            Right::DocumentView => "document_view",
            Right::External => "external",
            Right::UseAdminTool => "use_admin_tool",
            Right::UseImportTool => "use_import_tool",
            Right::UseMonitorTool => "use_monitor_tool",
            Right::AuthorWorkspace => "author_workspace",
            Right::BrowseWorkspace => "browse_workspace",
            Right::CreateTemplate => "create_template",
            Right::DeleteWorkspace => "delete_workspace",
            Right::SearchWorkspace => "search_workspace",
            Right::ShareWorkspace => "share_workspace",
            Right::CustomizePersonalViews => "customize_personal_views",
            Right::CustomizePublicViews => "customize_public_views",
            Right::AdminTier1 => "admin_tier_1",
            Right::AdminTier2 => "admin_tier_2",
            Right::AdminTier3 => "admin_tier_3",
            Right::TrusteeManagement => "trustee_management",
            Right::RoleManagement => "role_management",
            Right::UserManagement => "user_management",
            Right::Report => "report",
            Right::SystemManagement => "system_management",
            Right::EthicalWallOverride => "ethical_wall_override",
        }
    }

    pub fn parse(s: &str) -> Option<Right> {
        Right::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Which of iManage's four masks (1–4) carries this right.
    pub fn mask(self) -> u8 {
        match self {
            Right::AllowIndexSearch
            | Right::Checkout
            | Right::CreatePublicFolder
            | Right::Delete
            | Right::Import
            | Right::ReadOnly
            | Right::Release
            | Right::ShareDocument
            | Right::ViewPublicFolder
            | Right::EditPreviousVersions => 1,
            Right::DocumentView
            | Right::External
            | Right::UseAdminTool
            | Right::UseImportTool
            | Right::UseMonitorTool => 2,
            Right::AuthorWorkspace
            | Right::BrowseWorkspace
            | Right::CreateTemplate
            | Right::DeleteWorkspace
            | Right::SearchWorkspace
            | Right::ShareWorkspace
            | Right::CustomizePersonalViews
            | Right::CustomizePublicViews => 3,
            _ => 4,
        }
    }

    /// The rights that make a role holder an administrator of the library's users, groups
    /// and apps (the `admin` scope).
    pub fn is_admin_right(self) -> bool {
        matches!(
            self,
            Right::UseAdminTool | Right::UserManagement | Right::SystemManagement
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Role {
    pub library: String,
    /// Upper-case alias (`DEFAULT`, `LIBRARY_ADMIN`).
    pub id: String,
    pub description: String,
    pub rights: BTreeSet<Right>,
}

impl Role {
    pub fn is_admin(&self) -> bool {
        self.rights.iter().any(|r| r.is_admin_right())
    }

    /// Whether a user may be given this role. An external user (a client, a consultant, a
    /// temporary team member) has limited access, so never a role that administers the
    /// library's users and settings; anyone else may hold any role.
    pub fn assignable_to(&self, is_external: bool) -> bool {
        !(is_external && self.is_admin())
    }
}

/// The role every library is seeded with and every new member gets unless told otherwise.
pub const DEFAULT_ROLE: &str = "DEFAULT";

/// The seeded roles: (id, description, rights).
pub fn seeded_roles() -> Vec<(&'static str, &'static str, BTreeSet<Right>)> {
    use Right::*;
    let user: BTreeSet<Right> = [
        AllowIndexSearch,
        Checkout,
        CreatePublicFolder,
        Delete,
        Import,
        Release,
        ShareDocument,
        ViewPublicFolder,
        EditPreviousVersions,
        DocumentView,
        AuthorWorkspace,
        BrowseWorkspace,
        SearchWorkspace,
        ShareWorkspace,
        CustomizePersonalViews,
    ]
    .into_iter()
    .collect();
    let read_only: BTreeSet<Right> = [
        AllowIndexSearch,
        ReadOnly,
        ViewPublicFolder,
        DocumentView,
        BrowseWorkspace,
        SearchWorkspace,
        CustomizePersonalViews,
    ]
    .into_iter()
    .collect();
    // Passing walls is a deliberate, separate grant: not even the admin role has it.
    let admin: BTreeSet<Right> = Right::ALL
        .into_iter()
        .filter(|r| !matches!(r, ReadOnly | EthicalWallOverride))
        .collect();
    let mut break_glass = user.clone();
    break_glass.insert(EthicalWallOverride);
    vec![
        (DEFAULT_ROLE, "Standard user", user),
        ("READ_ONLY", "Read-only user", read_only),
        ("LIBRARY_ADMIN", "Library administrator", admin),
        (
            "BREAK_GLASS",
            "Standard user who may pass ethical walls (audited)",
            break_glass,
        ),
    ]
}

/// An OAuth grant an app may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grant {
    AuthorizationCode,
    RefreshToken,
    Password,
    ClientCredentials,
}

impl Grant {
    pub const ALL: [Grant; 4] = [
        Grant::AuthorizationCode,
        Grant::RefreshToken,
        Grant::Password,
        Grant::ClientCredentials,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "authorization_code",
            Grant::RefreshToken => "refresh_token",
            Grant::Password => "password",
            Grant::ClientCredentials => "client_credentials",
        }
    }

    pub fn parse(s: &str) -> Option<Grant> {
        Grant::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// The scopes Dossier issues. `user` acts as the user; `admin` adds user, group, role and
/// app management (only for holders of admin rights); `openid` adds an ID token and
/// userinfo; `scim` is the provisioning scope of /scim/v2.
pub const SCOPES: [&str; 4] = ["user", "admin", "openid", "scim"];

/// The scopes of a token, a grant, an app or a consent (RFC 6749 §3.3): read from and
/// rendered as a space-delimited list; names are case-sensitive, and neither their order
/// nor a repetition means anything, so they are kept as a set. Rendered in sorted order,
/// which is how tokens, codes and consents have always been stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scopes(BTreeSet<String>);

impl Scopes {
    /// Reads a scope list without judging the names: for scopes already granted (a stored
    /// token, code or consent), which were checked when they were granted.
    pub fn parse(raw: &str) -> Scopes {
        Scopes(raw.split_whitespace().map(str::to_string).collect())
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// In sorted order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn is_subset(&self, of: &Scopes) -> bool {
        self.0.is_subset(&of.0)
    }

    /// The first of these scopes that `allowed` lacks.
    pub fn first_outside(&self, allowed: &Scopes) -> Option<&str> {
        self.iter().find(|s| !allowed.contains(s))
    }

    /// Whether these scopes include one reserved to identity administrators (`admin`, or
    /// `scim` for provisioning).
    pub fn administers(&self) -> bool {
        self.contains("admin") || self.contains("scim")
    }
}

impl FromIterator<String> for Scopes {
    fn from_iter<I: IntoIterator<Item = String>>(names: I) -> Scopes {
        Scopes(names.into_iter().collect())
    }
}

impl From<&str> for Scopes {
    fn from(raw: &str) -> Scopes {
        Scopes::parse(raw)
    }
}

/// The wire and storage form: space-delimited.
impl std::fmt::Display for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(s)?;
        }
        Ok(())
    }
}

/// Parses a scope list a client sent or an administrator registered; unknown scopes are
/// an error naming them.
pub fn parse_scopes(raw: &str) -> Result<Scopes, DomainError> {
    let scopes = Scopes::parse(raw);
    if let Some(s) = scopes.iter().find(|s| !SCOPES.contains(s)) {
        return Err(DomainError::invalid(
            "scope",
            format!("unknown scope '{s}'"),
        ));
    }
    Ok(scopes)
}

/// A registered OAuth client.
#[derive(Clone, Debug, PartialEq)]
pub struct App {
    pub client_id: String,
    pub customer_id: i64,
    pub name: String,
    /// Argon2id of the client secret; `None` for a public client (PKCE required).
    pub secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    pub grants: BTreeSet<Grant>,
    pub scopes: Scopes,
    /// The user a client_credentials token acts as.
    pub service_account: Option<String>,
    /// First-party apps (the web client, the Automate connectors) skip the consent page.
    pub first_party: bool,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub edited_at: DateTime<Utc>,
}

impl App {
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }
}

/// Declares `AuditAction` with its stored names, so that the list of every action
/// (`AuditAction::ALL`, which `parse` searches) cannot miss one.
macro_rules! audit_actions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// What an audit record records. The names are stored and shown as they are
        /// (`as_str`), and the audit log is filtered by their dotted prefixes (`user.`), so
        /// they never change.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum AuditAction {
            $($(#[$doc])* $variant,)*
        }

        impl AuditAction {
            pub const ALL: &[AuditAction] = &[$(AuditAction::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $name,)*
                }
            }
        }
    };
}

audit_actions! {
    /// A sign-in attempt, successful or not.
    Signin => "signin",
    /// An account locked after too many failed sign-ins.
    UserLock => "user.lock",
    UserCreate => "user.create",
    UserUpdate => "user.update",
    UserDelete => "user.delete",
    UserPasswordSet => "user.password.set",
    /// An e-mailed invitation to set a first password (its link works once).
    UserInvite => "user.invite",
    UserLibraryAssign => "user.library.assign",
    UserLibraryRemove => "user.library.remove",
    GroupCreate => "group.create",
    GroupUpdate => "group.update",
    GroupDelete => "group.delete",
    GroupMembers => "group.members",
    /// Members changed in several groups at once (the v1 API).
    GroupMembersBulk => "group.members.bulk",
    RoleCreate => "role.create",
    RoleUpdate => "role.update",
    TokenIssue => "token.issue",
    TokenRevoke => "token.revoke",
    /// An authorization code presented a second time (its tokens are revoked).
    OauthCodeReplayed => "oauth.code_replayed",
    AppCreate => "app.create",
    AppUpdate => "app.update",
    AppRevoke => "app.revoke",
    AppConsent => "app.consent",
    SigningKeyRotate => "signing_key.rotate",
    SecurityChange => "security.change",
    WallCreate => "wall.create",
    WallUpdate => "wall.update",
    WallDelete => "wall.delete",
    /// A pass through an ethical wall by someone allowed to.
    WallBreakGlass => "wall.break_glass",
    /// An administrator reaching an object beyond its own security.
    AccessAdminOverride => "access.admin_override",
    /// A workspace template made, or removed with its tree.
    TemplateCreate => "template.create",
    TemplateDelete => "template.delete",
    /// How a library opens matters: matter-type field, templates, uniqueness.
    MatterSettingsUpdate => "library.matter_settings.update",
    /// A library made with another's configuration and no content.
    LibrarySandboxCreate => "library.sandbox.create",
    /// A class or subclass created, changed or deleted (the target names which).
    ClassCreate => "class.create",
    ClassUpdate => "class.update",
    ClassDelete => "class.delete",
    CustomFieldUpdate => "custom_field.update",
    /// An earlier version made the latest.
    VersionPromote => "document.version.promote",
    /// A matter (workspace) closed or re-opened; a library's closing settings changed.
    MatterClose => "matter.close",
    MatterReopen => "matter.reopen",
    ClosingSettingsUpdate => "library.closing_settings.update",
    /// A library's email settings changed (de-duplication of filed emails).
    EmailSettingsUpdate => "library.email_settings.update",
    /// A property of the extended-metadata catalogue made, changed or removed.
    MetadataPropertyCreate => "library.metadata.property.create",
    MetadataPropertyUpdate => "library.metadata.property.update",
    MetadataPropertyDelete => "library.metadata.property.delete",
    /// A taxonomy made or removed, or its tree changed (nodes added, renamed, moved,
    /// removed, imported).
    TaxonomyChange => "library.metadata.taxonomy.change",
    /// A legal hold placed (or re-worded) or released on a document or workspace.
    LegalHoldPlace => "legal_hold.place",
    LegalHoldRelease => "legal_hold.release",
    /// A document in the recycle bin purged by an administrator before its time.
    DocumentPurge => "document.purge",
}

impl AuditAction {
    /// The action a stored name stands for; `None` for a name this version does not
    /// write (a newer version's).
    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.iter().copied().find(|a| a.as_str() == s)
    }
}

/// One audit record. `detail` is a JSON object as text (before/after for changes).
/// `action` is kept as stored (an `AuditAction` name when this version wrote it): the log
/// is kept for years and must list a record whatever version wrote it.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditRecord {
    pub seq: i64,
    pub customer_id: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: AuditOutcome,
    pub address: Option<String>,
    pub detail: String,
    /// The HTTP request it was written for (`X-Request-Id`), when there was one.
    pub request_id: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditOutcome {
    Success,
    Failure,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Success => "success",
            AuditOutcome::Failure => "failure",
        }
    }

    pub fn parse(s: &str) -> AuditOutcome {
        if s == "failure" {
            AuditOutcome::Failure
        } else {
            AuditOutcome::Success
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_users_may_hold_every_role_but_an_administrating_one() {
        let roles = seeded_roles();
        let role = |id: &str| {
            let (id, description, rights) = roles.iter().find(|r| r.0 == id).expect("role");
            Role {
                library: "ACTIVE".into(),
                id: id.to_string(),
                description: description.to_string(),
                rights: rights.clone(),
            }
        };
        for id in ["DEFAULT", "READ_ONLY", "BREAK_GLASS", "LIBRARY_ADMIN"] {
            assert!(role(id).assignable_to(false), "{id}");
        }
        for id in ["DEFAULT", "READ_ONLY", "BREAK_GLASS"] {
            assert!(role(id).assignable_to(true), "{id}");
        }
        assert!(!role("LIBRARY_ADMIN").assignable_to(true));
    }

    #[test]
    fn audit_actions_round_trip_under_their_stored_names() {
        let mut names = std::collections::BTreeSet::new();
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(*a));
            assert!(names.insert(a.as_str()), "{} named twice", a.as_str());
        }
        // Names as audit logs hold them today.
        assert_eq!(AuditAction::parse("signin"), Some(AuditAction::Signin));
        assert_eq!(
            AuditAction::parse("group.members.bulk"),
            Some(AuditAction::GroupMembersBulk)
        );
        assert_eq!(
            AuditAction::parse("access.admin_override"),
            Some(AuditAction::AccessAdminOverride)
        );
        assert_eq!(AuditAction::parse("user."), None);
        assert_eq!(AuditAction::parse("document.shred"), None);
    }

    #[test]
    fn ids_are_upper_cased_and_checked() {
        assert_eq!(
            normalize_id("id", " jsmith ").ok().as_deref(),
            Some("JSMITH")
        );
        assert!(normalize_id("id", "").is_err());
        assert!(normalize_id("id", "a/b").is_err());
        assert!(normalize_id("id", &"x".repeat(65)).is_err());
    }

    #[test]
    fn every_right_round_trips_and_has_a_mask() {
        for r in Right::ALL {
            assert_eq!(Right::parse(r.as_str()), Some(r));
            assert!((1..=4).contains(&r.mask()));
        }
    }

    #[test]
    fn only_the_admin_role_is_admin() {
        let roles = seeded_roles();
        let admin: Vec<_> = roles
            .iter()
            .filter(|(_, _, rights)| rights.iter().any(|r| r.is_admin_right()))
            .map(|(id, _, _)| *id)
            .collect();
        assert_eq!(admin, vec!["LIBRARY_ADMIN"]);
    }

    #[test]
    fn scopes_are_checked() {
        assert_eq!(parse_scopes("user openid").map(|s| s.len()).ok(), Some(2));
        assert!(parse_scopes("user root").is_err());
    }

    #[test]
    fn scopes_are_a_set_rendered_space_delimited() {
        let s = Scopes::parse("  openid user\tuser  admin ");
        assert_eq!(s.to_string(), "admin openid user");
        assert_eq!(Scopes::parse(&s.to_string()), s);
        assert!(s.contains("openid") && !s.contains("OPENID") && !s.contains("scim"));
        assert!(s.administers() && !Scopes::parse("user openid").administers());
        assert!(Scopes::parse("user").is_subset(&s));
        assert_eq!(Scopes::parse("user scim").first_outside(&s), Some("scim"));
        assert!(Scopes::parse("").is_empty());
        assert_eq!(Scopes::parse("").to_string(), "");
    }
}
