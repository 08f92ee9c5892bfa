//! Users, groups, library membership and roles: the use cases behind the Work API's
//! identity endpoints, the v1 user-management API, SCIM and the CLI. Reads are open to
//! every signed-in user of the customer (names are needed to pick trustees); writes need
//! administrator rights and a token with the `admin` scope (or, for provisioning apps,
//! the `scim` scope). Every change writes an audit record and an outbox event.

use std::collections::BTreeSet;

use dossier_core::DomainError;
use dossier_core::identity::{
    ADMIN_GROUP, AuditAction, AuditOutcome, AuditRecord, DEFAULT_LIBRARY, DEFAULT_ROLE, Group,
    Right, Role, Scopes, USER_NOS_ENTERPRISE, USER_NOS_VIRTUAL, User, normalize_id,
};
use dossier_store::AnyConnection;
use dossier_store::groups::GroupFilter;
pub use dossier_store::roles::Membership;
use dossier_store::users::UserFilter;
use serde_json::{Value, json};

use crate::audit::Audit;
use crate::events::{Change, emit};
use crate::passwords::{check_password_rules, hash_password};
use crate::{Caller, Dossier, Page, Result};

/// A new opaque, stable id for a user or group (its SCIM id).
pub fn new_ssid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A partial change to a user: `None` leaves a field alone; for nullable fields
/// `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    pub full_name: Option<String>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    /// A new password (checked against the rules, stored as Argon2id).
    pub password: Option<String>,
    pub user_nos: Option<i64>,
    pub is_external: Option<bool>,
    pub allow_logon: Option<bool>,
    /// `Some(false)` unlocks and clears the failure count.
    pub is_locked: Option<bool>,
    pub pwd_never_expire: Option<bool>,
    pub force_password_change: Option<bool>,
    pub preferred_library: Option<Option<String>>,
    pub department: Option<Option<String>>,
    pub title: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub user_id_ex: Option<Option<String>>,
    pub active: Option<bool>,
}

/// A new user: the login id plus the fields to set, and the libraries to join.
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub id: String,
    pub fields: UserChanges,
    /// (library, role); the role defaults to `DEFAULT`.
    pub libraries: Vec<(String, Option<String>)>,
}

#[derive(Clone, Debug, Default)]
pub struct GroupChanges {
    pub full_name: Option<String>,
    pub enabled: Option<bool>,
    pub is_external: Option<bool>,
    pub group_nos: Option<i64>,
    pub group_id_ex: Option<Option<String>>,
}

/// How an administrator wants a group's members changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberAction {
    Add,
    Remove,
    /// Make the list the whole membership.
    Replace,
}

/// The JSON an audit record keeps of a user: everything but secrets.
fn user_snapshot(u: &User) -> Value {
    json!({
        "id": u.id, "full_name": u.full_name, "first_name": u.first_name, "last_name": u.last_name,
        "email": u.email, "user_nos": u.user_nos, "is_external": u.is_external,
        "allow_logon": u.allow_logon, "is_locked": u.is_locked, "failed_logins": u.failed_logins,
        "pwd_never_expire": u.pwd_never_expire, "force_password_change": u.force_password_change,
        "preferred_library": u.preferred_library, "department": u.department, "title": u.title,
        "phone": u.phone, "user_id_ex": u.user_id_ex, "active": u.active,
        "has_password": u.has_password(),
    })
}

fn group_snapshot(g: &Group) -> Value {
    json!({"id": g.id, "full_name": g.full_name, "enabled": g.enabled, "is_external": g.is_external,
           "group_nos": g.group_nos, "group_id_ex": g.group_id_ex})
}

fn check_text(field: &str, v: &str, max: usize) -> Result<()> {
    if v.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("{field} is longer than {max} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            format!("{field} contains control characters"),
        ));
    }
    Ok(())
}

fn check_email(v: &str) -> Result<()> {
    check_text("email", v, 254)?;
    let ok = v.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !v.contains(' ')
    });
    if !ok {
        return Err(DomainError::invalid(
            "email",
            format!("'{v}' is not an e-mail address"),
        ));
    }
    Ok(())
}

fn check_user_nos(v: i64) -> Result<()> {
    if v != USER_NOS_VIRTUAL && v != USER_NOS_ENTERPRISE {
        return Err(DomainError::invalid(
            "user_nos",
            "user_nos is 2 (virtual) or 6 (enterprise)",
        ));
    }
    Ok(())
}

/// An empty string clears an optional text field.
fn optional_text(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => {
            check_text(field, s, max)?;
            Ok(Some(s.to_string()))
        }
    }
}

impl Caller {
    /// The operator at the server's command line (`dossier user …`, `dossier group …`):
    /// administrator rights, recorded in history and the audit log as `CONSOLE`.
    pub fn console(customer_id: i64) -> Caller {
        Caller {
            user_id: "CONSOLE".into(),
            full_name: "Command line".into(),
            customer_id,
            is_admin: true,
            identity_admin: true,
            scope: Scopes::parse("admin"),
            client_id: None,
            address: Some("console".into()),
        }
    }

    /// Whether this caller may manage users, groups, roles and apps: NRTADMIN members and
    /// holders of a role with an administration right.
    pub fn manages_identity(&self) -> bool {
        self.is_admin || self.identity_admin
    }

    /// Identity writes need the rights and a token that was granted `admin` (or `scim`,
    /// the provisioning apps' scope).
    pub fn require_identity_admin(&self) -> Result<()> {
        if !self.manages_identity() {
            return Err(DomainError::Forbidden(
                "managing users and groups needs administrator rights".into(),
            ));
        }
        if !self.scope.administers() {
            return Err(DomainError::Forbidden(
                "this token was not granted the admin scope".into(),
            ));
        }
        Ok(())
    }
}

/// How a role is saved: created under a new id, or an existing one changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleSave {
    Create(String),
    Update(String),
}

/// What a role save sets; `None` keeps what the role has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleInput {
    pub description: Option<String>,
    pub rights: Option<BTreeSet<Right>>,
}

/// Identity reads of one library are for its members and administrators: the gate
/// `libraries::resolve` applies to a library named by a URL, for the use cases that take a
/// library by name.
async fn member_of(conn: &mut AnyConnection, caller: &Caller, library: &str) -> Result<()> {
    crate::libraries::resolve(conn, caller, caller.customer_id, library)
        .await
        .map(|_| ())
}

impl Dossier {
    async fn identity_event(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        change: Change,
    ) -> Result<()> {
        // The same moment extends the security history, for point-in-time reports.
        match &change {
            Change::UserCreated { user }
            | Change::UserUpdated { user }
            | Change::UserDeleted { user } => {
                crate::reports::record_user(conn, caller.customer_id, user, self.now()).await?
            }
            Change::GroupCreated { group }
            | Change::GroupUpdated { group }
            | Change::GroupDeleted { group }
            | Change::GroupMembersChanged { group } => {
                crate::reports::record_group(conn, caller.customer_id, group, self.now()).await?
            }
            _ => {}
        }
        emit(conn, caller, self.now(), change).await
    }

    // ---- users ----------------------------------------------------------------------

    /// A user of the caller's customer (404 for any other customer's).
    pub async fn user(&self, caller: &Caller, id: &str) -> Result<User> {
        let id = if id.eq_ignore_ascii_case("me") {
            caller.user_id.clone()
        } else {
            id.to_uppercase()
        };
        let mut conn = self.store.read().await?;
        dossier_store::users::get(&mut conn, &id)
            .await?
            .filter(|u| u.customer_id == caller.customer_id)
            .ok_or_else(|| DomainError::not_found(format!("user {id}")))
    }

    /// A user by its SCIM id.
    pub async fn user_by_ssid(&self, caller: &Caller, ssid: &str) -> Result<User> {
        let mut conn = self.store.read().await?;
        dossier_store::users::get_by_ssid(&mut conn, ssid)
            .await?
            .filter(|u| u.customer_id == caller.customer_id)
            .ok_or_else(|| DomainError::not_found(format!("user {ssid}")))
    }

    pub async fn users(
        &self,
        caller: &Caller,
        filter: &UserFilter,
        page: Page,
    ) -> Result<(Vec<User>, Option<i64>)> {
        let mut conn = self.store.read().await?;
        dossier_store::users::list(&mut conn, caller.customer_id, filter, page).await
    }

    /// Every identity of a person across the customer's libraries: the user and its
    /// memberships (the global lookup the reference API lacks).
    pub async fn user_libraries(&self, caller: &Caller, id: &str) -> Result<Vec<Membership>> {
        let user = self.user(caller, id).await?;
        let mut conn = self.store.read().await?;
        dossier_store::roles::memberships(&mut conn, &user.id).await
    }

    /// The memberships of these users in one library (for list pages).
    pub async fn memberships_in(
        &self,
        caller: &Caller,
        library: &str,
        users: &[String],
    ) -> Result<Vec<Membership>> {
        let mut conn = self.store.read().await?;
        member_of(&mut conn, caller, library).await?;
        dossier_store::roles::memberships_in(&mut conn, library, users).await
    }

    pub async fn create_user(&self, caller: &Caller, new: NewUser) -> Result<User> {
        self.create_user_with(caller, new, None).await
    }

    /// Creates a user; with `invitation` (the hash of a first-password link's token) also
    /// stores that invitation, in the same transaction, so no user is left without the
    /// link that was about to be sent, nor a link without its user.
    pub(crate) async fn create_user_with(
        &self,
        caller: &Caller,
        new: NewUser,
        invitation: Option<&str>,
    ) -> Result<User> {
        caller.require_identity_admin()?;
        let id = normalize_id("id", &new.id)?;
        let now = self.now();
        let full_name = new.fields.full_name.clone().unwrap_or_else(|| id.clone());
        let mut user = User::new(&id, caller.customer_id, &full_name, new_ssid(), now);
        let password_hash = self.apply_user_changes(&mut user, &new.fields).await?;
        if let Some(hash) = password_hash {
            user.password_hash = Some(hash);
            user.pwd_changed_at = Some(now);
        }
        let mut tx = self.store.begin().await?;
        if dossier_store::users::get(tx.conn(), &id).await?.is_some() {
            return Err(DomainError::Conflict(format!("user {id} already exists")));
        }
        if let Some(ex) = &user.user_id_ex {
            let taken = dossier_store::users::list(
                tx.conn(),
                caller.customer_id,
                &UserFilter {
                    external_id: Some(ex.clone()),
                    ..UserFilter::default()
                },
                Page {
                    limit: 1,
                    ..Page::default()
                },
            )
            .await?;
            if !taken.0.is_empty() {
                return Err(DomainError::Conflict(format!(
                    "a user with user_id_ex {ex} already exists"
                )));
            }
        }
        self.check_preferred_library(tx.conn(), &user).await?;
        dossier_store::users::insert(tx.conn(), &user).await?;
        // A user needs a library to work in: without named ones, the preferred library,
        // else the bootstrapped default library (SCIM and other directories name none).
        let mut libraries = new.libraries.clone();
        if libraries.is_empty() {
            let all = dossier_store::libraries::list(tx.conn(), caller.customer_id).await?;
            let default = all
                .iter()
                .find(|l| l.id.as_str() == DEFAULT_LIBRARY)
                .or(all.first())
                .map(|l| l.id.as_str().to_string());
            if let Some(lib) = user.preferred_library.clone().or(default) {
                libraries.push((lib, None));
            }
        }
        for (library, role) in &libraries {
            self.join_in(tx.conn(), library, &id, role.as_deref())
                .await?;
        }
        if let Some(hash) = invitation {
            self.store_invitation(tx.conn(), caller, &id, hash).await?;
        }
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::UserCreate,
                target: Some(id.clone()),
                outcome: AuditOutcome::Success,
                detail: json!({"after": user_snapshot(&user), "libraries": libraries.iter().map(|(l, _)| l).collect::<Vec<_>>()}),
            },
        )
        .await?;
        self.identity_event(tx.conn(), caller, Change::UserCreated { user: id.clone() })
            .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Checks and applies `changes` to `user` in memory; returns the new password's hash
    /// if one was given (hashing is done outside any transaction).
    async fn apply_user_changes(&self, user: &mut User, c: &UserChanges) -> Result<Option<String>> {
        if let Some(v) = &c.full_name {
            let v = v.trim();
            if v.is_empty() {
                return Err(DomainError::required("full_name"));
            }
            check_text("full_name", v, 254)?;
            user.full_name = v.to_string();
        }
        let text = |field: &str,
                    v: &Option<Option<String>>,
                    max: usize,
                    slot: &mut Option<String>|
         -> Result<()> {
            if let Some(v) = v {
                *slot = optional_text(field, v, max)?;
            }
            Ok(())
        };
        text("first_name", &c.first_name, 128, &mut user.first_name)?;
        text("last_name", &c.last_name, 128, &mut user.last_name)?;
        text("department", &c.department, 128, &mut user.department)?;
        text("title", &c.title, 128, &mut user.title)?;
        text("phone", &c.phone, 64, &mut user.phone)?;
        text("user_id_ex", &c.user_id_ex, 254, &mut user.user_id_ex)?;
        text(
            "preferred_library",
            &c.preferred_library,
            64,
            &mut user.preferred_library,
        )?;
        if let Some(lib) = &mut user.preferred_library {
            *lib = lib.to_uppercase();
        }
        if let Some(v) = &c.email {
            user.email = optional_text("email", v, 254)?;
            if let Some(e) = &user.email {
                check_email(e)?;
            }
        }
        if let Some(v) = c.user_nos {
            check_user_nos(v)?;
            user.user_nos = v;
        }
        if let Some(v) = c.is_external {
            user.is_external = v;
        }
        if let Some(v) = c.allow_logon {
            user.allow_logon = v;
        }
        if let Some(v) = c.is_locked {
            user.is_locked = v;
            if !v {
                user.clear_sign_in_lock();
            }
        }
        if let Some(v) = c.pwd_never_expire {
            user.pwd_never_expire = v;
        }
        if let Some(v) = c.force_password_change {
            user.force_password_change = v;
        }
        if let Some(v) = c.active {
            user.active = v;
        }
        match &c.password {
            Some(p) => {
                check_password_rules(p)?;
                Ok(Some(hash_password(p.clone()).await?))
            }
            None => Ok(None),
        }
    }

    async fn check_preferred_library(&self, conn: &mut AnyConnection, user: &User) -> Result<()> {
        if let Some(lib) = &user.preferred_library {
            let id = dossier_core::LibraryId::parse(lib).map_err(|_| {
                DomainError::invalid("preferred_library", format!("'{lib}' is not a library"))
            })?;
            if dossier_store::libraries::get(conn, user.customer_id, &id)
                .await?
                .is_none()
            {
                return Err(DomainError::invalid(
                    "preferred_library",
                    format!("library {lib} does not exist"),
                ));
            }
        }
        Ok(())
    }

    pub async fn update_user(
        &self,
        caller: &Caller,
        id: &str,
        changes: UserChanges,
    ) -> Result<User> {
        self.update_member(caller, id, changes, None).await
    }

    /// Changes a user and, with `role`, their role in that library (the v1 API's PATCH): one
    /// transaction, so a bad role leaves the user as they were.
    pub async fn update_member(
        &self,
        caller: &Caller,
        id: &str,
        changes: UserChanges,
        role: Option<(&str, &str)>,
    ) -> Result<User> {
        caller.require_identity_admin()?;
        let before = self.user(caller, id).await?;
        let mut user = before.clone();
        let password_hash = self.apply_user_changes(&mut user, &changes).await?;
        let now = self.now();
        if let Some(hash) = password_hash {
            user.password_hash = Some(hash);
            user.pwd_changed_at = Some(now);
        }
        if user.id == caller.user_id && (!user.active || user.is_locked || !user.allow_logon) {
            return Err(DomainError::Conflict(
                "you cannot deactivate or lock your own account".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        // Re-read inside the transaction: the sign-in path may have counted a failure since.
        let current = dossier_store::users::get(tx.conn(), &before.id)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("user {id}")))?;
        if changes.is_locked.is_none() {
            user.is_locked = current.is_locked;
            user.failed_logins = current.failed_logins;
        }
        user.version = current.version + 1;
        user.edited_at = now;
        self.check_preferred_library(tx.conn(), &user).await?;
        if user.is_external && !before.is_external {
            // An external user holds no administration role (`Role::assignable_to`).
            if let Some(r) = dossier_store::roles::roles_of(tx.conn(), &user.id)
                .await?
                .into_iter()
                .find(|r| !r.assignable_to(true))
            {
                return Err(DomainError::invalid(
                    "is_external",
                    format!(
                        "{} holds {} in {}, which an external user cannot hold; change that role first",
                        user.id, r.id, r.library
                    ),
                ));
            }
        }
        dossier_store::users::update(tx.conn(), &user).await?;
        // A deactivated, locked or logon-barred user, or one whose password changed, loses
        // every session at once.
        if !user.active || user.is_locked || !user.allow_logon || changes.password.is_some() {
            dossier_store::tokens::delete_for_user(tx.conn(), &user.id).await?;
        }
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::UserUpdate,
                target: Some(user.id.clone()),
                outcome: AuditOutcome::Success,
                detail: json!({"before": user_snapshot(&before), "after": user_snapshot(&user), "password_changed": changes.password.is_some()}),
            },
        )
        .await?;
        if let Some((library, role)) = role {
            self.assign_library_in(tx.conn(), caller, &user.id, library, Some(role))
                .await?;
        }
        self.identity_event(
            tx.conn(),
            caller,
            Change::UserUpdated {
                user: user.id.clone(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Deletes a user for good. Their documents and history keep the login id.
    pub async fn delete_user(&self, caller: &Caller, id: &str) -> Result<()> {
        caller.require_identity_admin()?;
        let user = self.user(caller, id).await?;
        let mut tx = self.store.begin().await?;
        self.delete_user_in(tx.conn(), caller, &user).await?;
        tx.commit().await
    }

    async fn delete_user_in(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        user: &User,
    ) -> Result<()> {
        if user.id == caller.user_id {
            return Err(DomainError::Conflict(
                "you cannot delete your own account".into(),
            ));
        }
        dossier_store::users::delete(conn, &user.id).await?;
        self.audit(
            conn,
            Some(caller),
            Audit {
                action: AuditAction::UserDelete,
                target: Some(user.id.clone()),
                outcome: AuditOutcome::Success,
                detail: json!({"before": user_snapshot(user)}),
            },
        )
        .await?;
        self.identity_event(
            conn,
            caller,
            Change::UserDeleted {
                user: user.id.clone(),
            },
        )
        .await
    }

    // ---- library membership and roles -------------------------------------------------

    async fn join_in(
        &self,
        conn: &mut AnyConnection,
        library: &str,
        user: &str,
        role: Option<&str>,
    ) -> Result<Membership> {
        let library = library.to_uppercase();
        let role = role.unwrap_or(DEFAULT_ROLE).to_uppercase();
        let Some(found) = dossier_store::roles::get(conn, &library, &role).await? else {
            let lib_exists = dossier_core::LibraryId::parse(&library).is_ok()
                && !dossier_store::roles::list(conn, &library).await?.is_empty();
            return Err(if lib_exists {
                DomainError::invalid("role", format!("library {library} has no role {role}"))
            } else {
                DomainError::invalid("library", format!("library {library} does not exist"))
            });
        };
        // The user is stored by now (a new one is inserted before joining).
        let external = dossier_store::users::get(conn, user)
            .await?
            .is_some_and(|u| u.is_external);
        if !found.assignable_to(external) {
            return Err(DomainError::invalid(
                "role",
                format!(
                    "{user} is an external user and cannot hold {role}, which administers the library"
                ),
            ));
        }
        dossier_store::roles::join(conn, &library, user, &role, self.now()).await
    }

    /// Adds a user to a library (or changes its role there).
    pub async fn assign_library(
        &self,
        caller: &Caller,
        user: &str,
        library: &str,
        role: Option<&str>,
    ) -> Result<Membership> {
        caller.require_identity_admin()?;
        let user = self.user(caller, user).await?;
        let mut tx = self.store.begin().await?;
        let m = self
            .assign_library_in(tx.conn(), caller, &user.id, library, role)
            .await?;
        self.identity_event(
            tx.conn(),
            caller,
            Change::UserUpdated {
                user: user.id.clone(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(m)
    }

    async fn assign_library_in(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        user: &str,
        library: &str,
        role: Option<&str>,
    ) -> Result<Membership> {
        let m = self.join_in(conn, library, user, role).await?;
        self.audit(
            conn,
            Some(caller),
            Audit {
                action: AuditAction::UserLibraryAssign,
                target: Some(user.to_string()),
                outcome: AuditOutcome::Success,
                detail: json!({"library": m.library, "role": m.role, "user_num": m.user_num}),
            },
        )
        .await?;
        Ok(m)
    }

    pub async fn remove_from_library(
        &self,
        caller: &Caller,
        user: &str,
        library: &str,
    ) -> Result<()> {
        caller.require_identity_admin()?;
        let user = self.user(caller, user).await?;
        let mut tx = self.store.begin().await?;
        self.leave_library_in(tx.conn(), caller, &user, library)
            .await?;
        tx.commit().await
    }

    /// Removes a user's identity in one library and, when it was their last, the user (the
    /// v1 API's DELETE): one transaction, so a refusal leaves the membership in place.
    pub async fn remove_identity(&self, caller: &Caller, user: &str, library: &str) -> Result<()> {
        caller.require_identity_admin()?;
        let user = self.user(caller, user).await?;
        let mut tx = self.store.begin().await?;
        self.leave_library_in(tx.conn(), caller, &user, library)
            .await?;
        if dossier_store::roles::memberships(tx.conn(), &user.id)
            .await?
            .is_empty()
        {
            self.delete_user_in(tx.conn(), caller, &user).await?;
        }
        tx.commit().await
    }

    async fn leave_library_in(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        user: &User,
        library: &str,
    ) -> Result<()> {
        if !dossier_store::roles::leave(conn, &library.to_uppercase(), &user.id).await? {
            return Err(DomainError::not_found(format!(
                "user {} in library {library}",
                user.id
            )));
        }
        self.audit(
            conn,
            Some(caller),
            Audit {
                action: AuditAction::UserLibraryRemove,
                target: Some(user.id.clone()),
                outcome: AuditOutcome::Success,
                detail: json!({"library": library.to_uppercase()}),
            },
        )
        .await?;
        self.identity_event(
            conn,
            caller,
            Change::UserUpdated {
                user: user.id.clone(),
            },
        )
        .await
    }

    /// A library's membership record for a per-library user number (the v1 API's id).
    pub async fn member_by_number(
        &self,
        caller: &Caller,
        library: &str,
        user_num: i64,
    ) -> Result<Option<Membership>> {
        let mut conn = self.store.read().await?;
        member_of(&mut conn, caller, library).await?;
        dossier_store::roles::by_user_num(&mut conn, library, user_num).await
    }

    pub async fn roles(&self, caller: &Caller, library: &str) -> Result<Vec<Role>> {
        let mut conn = self.store.read().await?;
        member_of(&mut conn, caller, library).await?;
        dossier_store::roles::list(&mut conn, library).await
    }

    /// The roles of a library that an external (or an internal) user may be given.
    pub async fn assignable_roles(
        &self,
        caller: &Caller,
        library: &str,
        external: bool,
    ) -> Result<Vec<Role>> {
        let mut roles = self.roles(caller, library).await?;
        roles.retain(|r| r.assignable_to(external));
        Ok(roles)
    }

    pub async fn role(&self, caller: &Caller, library: &str, id: &str) -> Result<Role> {
        let mut conn = self.store.read().await?;
        member_of(&mut conn, caller, library).await?;
        dossier_store::roles::get(&mut conn, library, id)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("role {id}")))
    }

    /// Creates a role (`RoleSave::Create`; one that exists is a conflict) or changes one
    /// (`RoleSave::Update`; one that does not is not found). What the input leaves out keeps
    /// the role's own value: for a new role, its id as given as description and no rights. Whether
    /// it exists is read in the write's transaction, so two creations of one id cannot both
    /// succeed. Returns the role and whether it was created.
    pub async fn save_role(
        &self,
        caller: &Caller,
        library: &str,
        save: RoleSave,
        input: RoleInput,
    ) -> Result<(Role, bool)> {
        caller.require_identity_admin()?;
        // A new role's description is by default its id as given.
        let (id, create, given) = match save {
            RoleSave::Create(given) => (normalize_id("id", &given)?, true, given),
            RoleSave::Update(id) => (id.to_uppercase(), false, id),
        };
        if let Some(d) = &input.description {
            check_text("description", d, 254)?;
        }
        let mut tx = self.store.begin().await?;
        member_of(tx.conn(), caller, library).await?;
        let before = dossier_store::roles::get(tx.conn(), library, &id).await?;
        match (&before, create) {
            (Some(_), true) => {
                return Err(DomainError::Conflict(format!("role {id} already exists")));
            }
            (None, false) => return Err(DomainError::not_found(format!("role {id}"))),
            _ => {}
        }
        // A change keeps the stored spelling of the id.
        let id = before.as_ref().map_or(id, |r| r.id.clone());
        // A role of the whole customer has no library.
        let role_library = match library {
            "" => None,
            l => Some(dossier_core::LibraryId::parse(l)?),
        };
        let role = Role {
            library: library.to_string(),
            id: id.clone(),
            description: input
                .description
                .or_else(|| before.as_ref().map(|r| r.description.clone()))
                .unwrap_or(given),
            rights: input
                .rights
                .or_else(|| before.as_ref().map(|r| r.rights.clone()))
                .unwrap_or_default(),
        };
        if before.is_some() {
            dossier_store::roles::update(tx.conn(), &role, self.now()).await?;
        } else {
            dossier_store::roles::insert(tx.conn(), &role, self.now()).await?;
        }
        let names = |r: &Role| r.rights.iter().map(|x| x.as_str()).collect::<Vec<_>>();
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: if before.is_some() {
                    AuditAction::RoleUpdate
                } else {
                    AuditAction::RoleCreate
                },
                target: Some(format!("{library}/{id}")),
                outcome: AuditOutcome::Success,
                detail: json!({"before": before.as_ref().map(names), "after": names(&role)}),
            },
        )
        .await?;
        emit(
            tx.conn(),
            caller,
            self.now(),
            if before.is_some() {
                Change::RoleUpdated {
                    library: role_library.clone(),
                    role: id.clone(),
                }
            } else {
                Change::RoleCreated {
                    library: role_library.clone(),
                    role: id.clone(),
                }
            },
        )
        .await?;
        tx.commit().await?;
        Ok((role, create))
    }

    // ---- groups ---------------------------------------------------------------------

    pub async fn group(&self, caller: &Caller, id: &str) -> Result<Group> {
        let mut conn = self.store.read().await?;
        dossier_store::groups::get(&mut conn, id)
            .await?
            .filter(|g| g.customer_id == caller.customer_id)
            .ok_or_else(|| DomainError::not_found(format!("group {id}")))
    }

    pub async fn group_by_ssid(&self, caller: &Caller, ssid: &str) -> Result<Group> {
        let mut conn = self.store.read().await?;
        dossier_store::groups::get_by_ssid(&mut conn, ssid)
            .await?
            .filter(|g| g.customer_id == caller.customer_id)
            .ok_or_else(|| DomainError::not_found(format!("group {ssid}")))
    }

    pub async fn groups(
        &self,
        caller: &Caller,
        filter: &GroupFilter,
        page: Page,
    ) -> Result<(Vec<Group>, Option<i64>)> {
        let mut conn = self.store.read().await?;
        dossier_store::groups::list(&mut conn, caller.customer_id, filter, page).await
    }

    pub async fn group_members(&self, caller: &Caller, id: &str) -> Result<Vec<String>> {
        let g = self.group(caller, id).await?;
        let mut conn = self.store.read().await?;
        dossier_store::groups::members(&mut conn, &g.id).await
    }

    /// The number of members of each of these groups of the caller's customer, in the
    /// order asked (for list pages, in one query).
    pub async fn group_member_counts(&self, caller: &Caller, groups: &[Group]) -> Result<Vec<i64>> {
        let ids: Vec<String> = groups
            .iter()
            .filter(|g| g.customer_id == caller.customer_id)
            .map(|g| g.id.clone())
            .collect();
        let mut conn = self.store.read().await?;
        let counts = dossier_store::groups::member_counts(&mut conn, &ids).await?;
        Ok(groups
            .iter()
            .map(|g| {
                counts
                    .iter()
                    .find(|(id, _)| id.eq_ignore_ascii_case(&g.id))
                    .map_or(0, |(_, n)| *n)
            })
            .collect())
    }

    pub async fn create_group(
        &self,
        caller: &Caller,
        id: &str,
        fields: GroupChanges,
        members: &[String],
    ) -> Result<Group> {
        caller.require_identity_admin()?;
        let id = normalize_id("id", id)?;
        let now = self.now();
        let mut group = Group {
            id: id.clone(),
            customer_id: caller.customer_id,
            ssid: new_ssid(),
            full_name: id.clone(),
            enabled: true,
            is_external: false,
            group_nos: USER_NOS_VIRTUAL,
            group_id_ex: None,
            version: 1,
            created_at: now,
            edited_at: now,
        };
        apply_group_changes(&mut group, &fields)?;
        let mut tx = self.store.begin().await?;
        if dossier_store::groups::get(tx.conn(), &id).await?.is_some() {
            return Err(DomainError::Conflict(format!("group {id} already exists")));
        }
        dossier_store::groups::insert(tx.conn(), &group).await?;
        let added = self
            .change_members_in(tx.conn(), caller, &group, MemberAction::Add, members)
            .await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::GroupCreate,
                target: Some(id.clone()),
                outcome: AuditOutcome::Success,
                detail: json!({"after": group_snapshot(&group), "members_added": added}),
            },
        )
        .await?;
        self.identity_event(
            tx.conn(),
            caller,
            Change::GroupCreated { group: id.clone() },
        )
        .await?;
        tx.commit().await?;
        Ok(group)
    }

    pub async fn update_group(
        &self,
        caller: &Caller,
        id: &str,
        changes: GroupChanges,
    ) -> Result<Group> {
        caller.require_identity_admin()?;
        let before = self.group(caller, id).await?;
        let mut group = before.clone();
        apply_group_changes(&mut group, &changes)?;
        if group.id == ADMIN_GROUP && !group.enabled {
            return Err(DomainError::Conflict(
                "the NRTADMIN group cannot be disabled".into(),
            ));
        }
        group.version += 1;
        group.edited_at = self.now();
        let mut tx = self.store.begin().await?;
        dossier_store::groups::update(tx.conn(), &group).await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::GroupUpdate,
                target: Some(group.id.clone()),
                outcome: AuditOutcome::Success,
                detail: json!({"before": group_snapshot(&before), "after": group_snapshot(&group)}),
            },
        )
        .await?;
        self.identity_event(
            tx.conn(),
            caller,
            Change::GroupUpdated {
                group: group.id.clone(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(group)
    }

    pub async fn delete_group(&self, caller: &Caller, id: &str) -> Result<()> {
        caller.require_identity_admin()?;
        let group = self.group(caller, id).await?;
        if group.id == ADMIN_GROUP {
            return Err(DomainError::Conflict(
                "the NRTADMIN group cannot be deleted".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        let members = dossier_store::groups::members(tx.conn(), &group.id).await?;
        dossier_store::groups::delete(tx.conn(), &group.id).await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::GroupDelete,
                target: Some(group.id.clone()),
                outcome: AuditOutcome::Success,
                detail: json!({"before": group_snapshot(&group), "members": members}),
            },
        )
        .await?;
        self.identity_event(
            tx.conn(),
            caller,
            Change::GroupDeleted {
                group: group.id.clone(),
            },
        )
        .await?;
        tx.commit().await
    }

    /// Adds, removes or replaces members. Every named user must exist in the customer
    /// (400 naming the first that does not); nothing changes if one is unknown.
    /// Returns the group's members afterwards.
    pub async fn change_group_members(
        &self,
        caller: &Caller,
        group: &str,
        action: MemberAction,
        users: &[String],
    ) -> Result<Vec<String>> {
        caller.require_identity_admin()?;
        let group = self.group(caller, group).await?;
        let mut tx = self.store.begin().await?;
        let before = dossier_store::groups::members(tx.conn(), &group.id).await?;
        let changed = self
            .change_members_in(tx.conn(), caller, &group, action, users)
            .await?;
        let after = dossier_store::groups::members(tx.conn(), &group.id).await?;
        if changed > 0 {
            let mut g = group.clone();
            g.version += 1;
            g.edited_at = self.now();
            dossier_store::groups::update(tx.conn(), &g).await?;
            self.audit(
                tx.conn(),
                Some(caller),
                Audit {
                    action: AuditAction::GroupMembers,
                    target: Some(group.id.clone()),
                    outcome: AuditOutcome::Success,
                    detail: json!({"before": before, "after": after}),
                },
            )
            .await?;
            self.identity_event(
                tx.conn(),
                caller,
                Change::GroupMembersChanged {
                    group: group.id.clone(),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(after)
    }

    /// Applies many membership changes in one transaction: all or nothing (the bulk call
    /// the reference API lacks). Each entry is (group, action, users).
    pub async fn bulk_group_members(
        &self,
        caller: &Caller,
        changes: &[(String, MemberAction, Vec<String>)],
    ) -> Result<usize> {
        caller.require_identity_admin()?;
        let mut tx = self.store.begin().await?;
        let mut total = 0;
        for (i, (group, action, users)) in changes.iter().enumerate() {
            let g = dossier_store::groups::get(tx.conn(), group)
                .await?
                .filter(|g| g.customer_id == caller.customer_id)
                .ok_or_else(|| {
                    DomainError::invalid(
                        &format!("changes[{i}].group"),
                        format!("group {group} does not exist"),
                    )
                })?;
            let n = self
                .change_members_in(tx.conn(), caller, &g, *action, users)
                .await?;
            if n > 0 {
                let mut bumped = g.clone();
                bumped.version += 1;
                bumped.edited_at = self.now();
                dossier_store::groups::update(tx.conn(), &bumped).await?;
                self.identity_event(
                    tx.conn(),
                    caller,
                    Change::GroupMembersChanged {
                        group: g.id.clone(),
                    },
                )
                .await?;
            }
            total += n;
        }
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::GroupMembersBulk,
                target: None,
                outcome: AuditOutcome::Success,
                detail: json!({"changes": changes.iter().map(|(g, a, u)| json!({"group": g, "action": format!("{a:?}").to_lowercase(), "users": u})).collect::<Vec<_>>(), "changed": total}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(total)
    }

    async fn change_members_in(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        group: &Group,
        action: MemberAction,
        users: &[String],
    ) -> Result<usize> {
        let mut wanted = BTreeSet::new();
        for u in users {
            let id = u.trim().to_uppercase();
            let exists = dossier_store::users::get(conn, &id)
                .await?
                .is_some_and(|x| x.customer_id == caller.customer_id);
            if !exists {
                return Err(DomainError::invalid(
                    "users",
                    format!("user {u} does not exist"),
                ));
            }
            wanted.insert(id);
        }
        let mut changed = 0;
        match action {
            MemberAction::Add => {
                for u in &wanted {
                    changed +=
                        usize::from(dossier_store::groups::add_member(conn, &group.id, u).await?);
                }
            }
            MemberAction::Remove => {
                for u in &wanted {
                    if group.id == ADMIN_GROUP && *u == caller.user_id {
                        return Err(DomainError::Conflict(
                            "you cannot remove yourself from NRTADMIN".into(),
                        ));
                    }
                    changed += usize::from(
                        dossier_store::groups::remove_member(conn, &group.id, u).await?,
                    );
                }
            }
            MemberAction::Replace => {
                let current: BTreeSet<String> = dossier_store::groups::members(conn, &group.id)
                    .await?
                    .into_iter()
                    .collect();
                for u in current.difference(&wanted) {
                    if group.id == ADMIN_GROUP && *u == caller.user_id {
                        return Err(DomainError::Conflict(
                            "you cannot remove yourself from NRTADMIN".into(),
                        ));
                    }
                    changed += usize::from(
                        dossier_store::groups::remove_member(conn, &group.id, u).await?,
                    );
                }
                for u in wanted.difference(&current) {
                    changed +=
                        usize::from(dossier_store::groups::add_member(conn, &group.id, u).await?);
                }
            }
        }
        Ok(changed)
    }

    /// The audit log, newest first (administrators only).
    pub async fn audit_log(
        &self,
        caller: &Caller,
        filter: &dossier_store::audit::AuditFilter,
        page: Page,
    ) -> Result<Vec<AuditRecord>> {
        caller.require_identity_admin()?;
        let mut conn = self.store.read().await?;
        dossier_store::audit::list(&mut conn, caller.customer_id, filter, page).await
    }
}

fn apply_group_changes(g: &mut Group, c: &GroupChanges) -> Result<()> {
    if let Some(v) = &c.full_name {
        let v = v.trim();
        if v.is_empty() {
            return Err(DomainError::required("full_name"));
        }
        check_text("full_name", v, 254)?;
        g.full_name = v.to_string();
    }
    if let Some(v) = c.enabled {
        g.enabled = v;
    }
    if let Some(v) = c.is_external {
        g.is_external = v;
    }
    if let Some(v) = c.group_nos {
        check_user_nos(v).map_err(|_| {
            DomainError::invalid("group_nos", "group_nos is 2 (virtual) or 6 (enterprise)")
        })?;
        g.group_nos = v;
    }
    if let Some(v) = &c.group_id_ex {
        g.group_id_ex = optional_text("group_id_ex", v, 254)?;
    }
    Ok(())
}
