//! Users, groups and roles: user details, group members, user search; the admin connector's
//! library assignment, roles and another user's My Matters. (CreateUser and its password
//! schema come with the e-mail invitations, built separately.)
//!
//! Each handler reads the connector's parameters, calls the identity or My Matters use case
//! and renders the swagger's shape: `UserProfile`/`UserProfileInArray` for users, `{id,
//! description}` for roles, the Work API's category summary and added-shortcuts answer for
//! My Matters (`dto`), which were written for this connector's shapes.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, SecondsFormat, Utc};
use dossier_core::identity::User;
use dossier_core::matters::{CategoryKind, TargetKind};
use dossier_core::{ContainerId, DomainError, LibraryId};
use dossier_service::filters::UserFilter;
use dossier_service::identity::{Membership, UserChanges};
use dossier_service::my_matters::CategoryOwner;
use dossier_service::{Caller, Page};
use serde_json::{Map, Value, json};

use super::admin::Admin;
use super::error::{AutomateError, AutomateResult};
use super::{data, wire};
use crate::error::ApiError;
use crate::extract::{JsonObject, Q};
use crate::{AppState, dto, fields};

/// The most users one answer lists: the connectors do not page, so a list is complete up
/// to this cap (GetGroupMembers' `limit` may lower it).
pub const USERS_PER_ANSWER: i64 = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/getUserDetails", post(get_user_details))
        .route("/getGroupMembers", get(get_group_members))
        .route("/searchUsers", get(search_users))
        .route("/getLibraryRoles", get(get_library_roles))
        .route("/assignUserToLibrary", post(assign_user_to_library))
        .route("/getMyMattersCategories", get(get_my_matters_categories))
        .route(
            "/addShortcutsToMyMattersAdmin",
            post(add_shortcuts_to_my_matters),
        )
}

// ---- iManage Work ---------------------------------------------------------------------------

/// POST /getUserDetails `{libraryId, userId}`: a member of the library, with their number
/// there. A library the caller may not use, and a user who is not its member, are not found.
async fn get_user_details(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let body = wire::work_body(&body?.0);
    let library = wire::required_text(&body, "libraryId")?;
    let user_id = wire::required_text(&body, "userId")?;
    let library = state
        .dossier
        .library(&caller, caller.customer_id, &library)
        .await?;
    let user = state.dossier.user(&caller, &user_id).await?;
    let membership = state
        .dossier
        .memberships_in(&caller, library.as_str(), std::slice::from_ref(&user.id))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            DomainError::not_found(format!("user {} in library {}", user.id, library))
        })?;
    Ok(data(user_profile(&user, Some(&membership), &caller)))
}

/// GET /getGroupMembers: the group's members in the library, filtered by `logon_status`
/// (default Enabled: those who may sign in), `preferred_library`, at most `limit`.
async fn get_group_members(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let q = q?;
    let library = wire::required(&q, "libraryId")?;
    let group = wire::required(&q, "groupId")?;
    let allow_logon = q
        .choice(
            "logon_status",
            &[
                ("Any", None),
                ("Disabled", Some(false)),
                ("Enabled", Some(true)),
            ],
        )?
        .unwrap_or(Some(true));
    let limit = match q.int("limit")? {
        Some(n) if n < 1 => {
            return Err(AutomateError::invalid("limit", "limit must be at least 1"));
        }
        Some(n) => n.min(USERS_PER_ANSWER),
        None => USERS_PER_ANSWER,
    };
    // Dossier keeps no geographic location for a user: a filter on it could only ever
    // answer nobody, so it is refused by name rather than silently matching nothing.
    if q.text("location").is_some() {
        return Err(AutomateError::invalid(
            "location",
            "users have no location in this server; leave location out",
        ));
    }
    let library = state
        .dossier
        .library(&caller, caller.customer_id, library)
        .await?;
    let group = state.dossier.group(&caller, group).await?;
    let filter = UserFilter {
        group: Some(group.id),
        library: Some(library.as_str().to_string()),
        allow_logon,
        preferred_library: q.text("preferred_library").map(str::to_string),
        ..UserFilter::default()
    };
    let page = Page {
        limit,
        ..Page::default()
    };
    let (users, _) = state.dossier.users(&caller, &filter, page).await?;
    let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    let memberships = state
        .dossier
        .memberships_in(&caller, library.as_str(), &ids)
        .await?;
    let listed = users
        .iter()
        .map(|u| {
            let m = memberships.iter().find(|m| m.user_id == u.id);
            user_profile(u, m, &caller)
        })
        .collect();
    Ok(data(Value::Array(listed)))
}

/// GET /searchUsers: the customer's users with this e-mail address (any case), or all of
/// them without one; `topMatchingUser` is the first. No library is named, so no per-library
/// `user_num` is given.
async fn search_users(
    State(state): State<AppState>,
    c: Result<Caller, ApiError>,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let caller = c?; // a missing or bad token: 401 in the façade's envelope
    let q = q?;
    let filter = UserFilter {
        email: q.text("email").map(str::to_string),
        ..UserFilter::default()
    };
    let page = Page {
        limit: USERS_PER_ANSWER,
        ..Page::default()
    };
    let (users, _) = state.dossier.users(&caller, &filter, page).await?;
    let results: Vec<Value> = users
        .iter()
        .map(|u| user_profile(u, None, &caller))
        .collect();
    let mut out = json!({});
    if let Some(top) = results.first() {
        out["topMatchingUser"] = top.clone();
    }
    out["results"] = Value::Array(results);
    Ok(data(out))
}

// ---- iManage Work for Admins ----------------------------------------------------------------

/// GET /getLibraryRoles: the library's roles, `{id, description}`, that an external user
/// (`is_external=true`) or an internal one (the default) may be given; `user_id` asks for
/// the roles that user may be given, whichever they are.
async fn get_library_roles(
    State(state): State<AppState>,
    Admin(caller): Admin,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let q = q?;
    let library = wire::required(&q, "libraryId")?;
    let mut external = wire::flag(&q, "is_external", false)?;
    let library = state
        .dossier
        .library(&caller, caller.customer_id, library)
        .await?;
    if let Some(user) = q.text("user_id") {
        external = state.dossier.user(&caller, user).await?.is_external;
    }
    let roles = state
        .dossier
        .assignable_roles(&caller, library.as_str(), external)
        .await?;
    let listed = roles
        .iter()
        .map(|r| json!({"id": r.id, "description": r.description}))
        .collect();
    Ok(data(Value::Array(listed)))
}

/// POST /assignUserToLibrary `{libraryId, user_id, role, is_preferred_library}`: makes the
/// user a member with that role (or changes their role there) and, when asked, makes the
/// library their preferred one, in one transaction; answers their number in the library.
async fn assign_user_to_library(
    State(state): State<AppState>,
    Admin(caller): Admin,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let body = wire::work_body(&body?.0);
    let library = wire::required_text(&body, "libraryId")?;
    let user = wire::required_text(&body, "user_id")?;
    let role = wire::required_text(&body, "role")?;
    let preferred = fields::flag(&body, "is_preferred_library")?.ok_or_else(|| {
        AutomateError::invalid("is_preferred_library", "is_preferred_library is required")
    })?;
    // An unknown library is a 404 here, like every library the façade is given.
    let library = state
        .dossier
        .library(&caller, caller.customer_id, &library)
        .await?;
    let lib = library.as_str();
    let membership: Membership = if preferred {
        let changes = UserChanges {
            preferred_library: Some(Some(lib.to_string())),
            ..UserChanges::default()
        };
        let user = state
            .dossier
            .update_member(&caller, &user, changes, Some((lib, &role)))
            .await?;
        state
            .dossier
            .memberships_in(&caller, lib, std::slice::from_ref(&user.id))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                DomainError::Internal(format!("{} joined {lib} but is not listed", user.id))
            })?
    } else {
        state
            .dossier
            .assign_library(&caller, &user, lib, Some(&role))
            .await?
    };
    Ok(data(json!({"user_num": membership.user_num})))
}

/// GET /getMyMattersCategories?user_id: the categories in that user's My Matters, in every
/// library they belong to (a category's id names its library).
async fn get_my_matters_categories(
    State(state): State<AppState>,
    Admin(caller): Admin,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let q = q?;
    let user = wire::required(&q, "user_id")?;
    // An unknown user is a 404, not an empty list.
    let user = state.dossier.user(&caller, user).await?.id;
    let owner = CategoryOwner::User(user.clone());
    let mut listed = Vec::new();
    for m in state.dossier.user_libraries(&caller, &user).await? {
        let library = LibraryId::parse(&m.library).map_err(|_| {
            DomainError::Internal(format!("membership in a malformed library {}", m.library))
        })?;
        let categories = state
            .dossier
            .my_matters_categories(&caller, &library, &owner)
            .await?;
        listed.extend(
            categories
                .iter()
                .map(|(c, has)| dto::category_summary(c, *has)),
        );
    }
    Ok(data(Value::Array(listed)))
}

/// POST /addShortcutsToMyMattersAdmin `{user_id, workspace_id: "LIB!1;LIB!2", category_id?}`:
/// shortcuts to these workspaces in the user's My Matters (or in its category), all or none.
/// A My Matters belongs to one library, so the workspaces and the category must share one.
async fn add_shortcuts_to_my_matters(
    State(state): State<AppState>,
    Admin(caller): Admin,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let body = wire::work_body(&body?.0);
    let user = wire::required_text(&body, "user_id")?;
    let listed = wire::required_text(&body, "workspace_id")?;
    let mut workspaces = Vec::new();
    for raw in wire::semicolons(&listed) {
        let id: ContainerId = raw.parse().map_err(|_| {
            AutomateError::invalid(
                "workspace_id",
                format!("'{raw}' is not a workspace id (library!number)"),
            )
        })?;
        workspaces.push(id);
    }
    let Some(first) = workspaces.first() else {
        return Err(AutomateError::invalid(
            "workspace_id",
            "name at least one workspace",
        ));
    };
    let library = first.library.clone();
    if workspaces.iter().any(|w| w.library != library) {
        return Err(AutomateError::invalid(
            "workspace_id",
            "the workspaces of one request must be in one library",
        ));
    }
    let category = match fields::text(&body, "category_id")? {
        Some(raw) => {
            let id: ContainerId = raw.trim().parse().map_err(|_| {
                AutomateError::invalid("category_id", format!("'{raw}' is not a category id"))
            })?;
            if id.library != library {
                return Err(AutomateError::invalid(
                    "category_id",
                    "the category must be in the workspaces' library",
                ));
            }
            Some(id)
        }
        None => None,
    };
    let library = state
        .dossier
        .library(&caller, caller.customer_id, library.as_str())
        .await?;
    let targets: Vec<(TargetKind, i64)> = workspaces
        .iter()
        .map(|w| (TargetKind::Workspace, w.number))
        .collect();
    let added = state
        .dossier
        .add_shortcuts(
            &caller,
            &library,
            &CategoryOwner::User(user),
            CategoryKind::MyMatters,
            category.as_ref(),
            &targets,
        )
        .await?;
    Ok(data(dto::shortcuts_added(&added)))
}

// ---- rendering ------------------------------------------------------------------------------

fn date(t: DateTime<Utc>) -> Value {
    Value::String(t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// A user as `UserProfile`/`UserProfileInArray`: only what the user record stores (the
/// swagger requires none of its fields), with the number of `membership`'s library when the
/// request named one. Failed sign-ins are shown to identity administrators only, as the
/// Work API shows them.
fn user_profile(u: &User, membership: Option<&Membership>, caller: &Caller) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(u.id));
    o.insert("full_name".into(), json!(u.full_name));
    o.insert("ssid".into(), json!(u.ssid));
    o.insert("user_nos".into(), json!(u.user_nos));
    o.insert("is_external".into(), json!(u.is_external));
    o.insert("allow_logon".into(), json!(u.allow_logon));
    o.insert(
        "force_password_change".into(),
        json!(u.force_password_change),
    );
    o.insert("password_never_expire".into(), json!(u.pwd_never_expire));
    o.insert("edit_date".into(), date(u.edited_at));
    let optional = [
        ("email", u.email.as_deref()),
        ("preferred_library", u.preferred_library.as_deref()),
        ("phone", u.phone.as_deref()),
        ("user_id_ex", u.user_id_ex.as_deref()),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            o.insert(name.into(), json!(v));
        }
    }
    if let Some(t) = u.pwd_changed_at {
        o.insert("pwd_changed_ts".into(), date(t));
    }
    if let Some(m) = membership {
        o.insert("user_num".into(), json!(m.user_num));
    }
    if caller.manages_identity() {
        o.insert("failed_logins".into(), json!(u.failed_logins));
    }
    Value::Object(o)
}
