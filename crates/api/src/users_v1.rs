//! The v1 user-management API of the reference, for identity-sync tools:
//! `/api/v1/customers/{customer_id}/users|groups|groups/{group_id}/members`, in the shapes
//! of iManage's user-management guide. Every answer is `{"data": …}`; lists are
//! `{"data": [...], "total_results": n}` paged by `start_index` (0-based) and
//! `max_results` (default 100, at most 1000). As in the reference, `{customer_id}` names
//! the database (library) and a user's `id` is its per-database user number (a string),
//! so the same person has a different id in each library. Writes need the `admin` scope
//! (checked by the service); errors are the iManage envelope of `crate::error`.
//!
//! Beyond the reference, in the same envelope: `GET /api/v1/users?login_name=` finds every
//! database identity of a person, `POST …/group-memberships` applies many membership
//! changes at once, and `POST|DELETE …/groups/{id}/members` also take a `users` list.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dossier_core::DomainError;
use dossier_core::custom::format_timestamp;
use dossier_core::identity::{Group, User};
use dossier_service::filters::{GroupFilter, UserFilter};
use dossier_service::identity::{MemberAction, Membership, NewUser, UserChanges};
use dossier_service::{Caller, Page};
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonObject, Params, Q};
use crate::idempotency::idempotent;
use crate::identity_wire::{self as wire, opt_string};

pub fn router(state: &AppState) -> Router<AppState> {
    let c = "/api/v1/customers/{customer_id}";
    Router::new()
        .route("/api/v1/users", get(lookup_person))
        .route(
            &format!("{c}/users"),
            get(list_users).post(create_user).layer(idempotent(state)),
        )
        .route(
            &format!("{c}/users/{{user_id}}"),
            get(get_user).patch(update_user).delete(delete_user),
        )
        .route(
            &format!("{c}/groups"),
            get(list_groups).post(create_group).layer(idempotent(state)),
        )
        .route(
            &format!("{c}/groups/{{group_id}}"),
            get(get_group).patch(update_group).delete(delete_group),
        )
        .route(
            &format!("{c}/groups/{{group_id}}/members"),
            get(members).post(add_members).delete(remove_members),
        )
        .route(
            &format!("{c}/groups/{{group_id}}/members/{{user_id}}"),
            axum::routing::delete(remove_member),
        )
        .route(&format!("{c}/group-memberships"), post(bulk_memberships))
}

// ---- the envelope ------------------------------------------------------------------------

/// `{"data": value}` with `status`.
fn data(status: StatusCode, value: Value) -> Response {
    (status, axum::Json(json!({ "data": value }))).into_response()
}

/// `{"data": [...], "total_results": n}`.
fn list(items: Vec<Value>, total: i64) -> Response {
    axum::Json(json!({"data": items, "total_results": total})).into_response()
}

/// The database named by the path, checked to be one of the caller's customer.
async fn database(state: &AppState, caller: &Caller, p: &Params) -> ApiResult<String> {
    let raw = p.get("customer_id")?;
    let lib = state
        .dossier
        .library(caller, caller.customer_id, raw)
        .await?;
    Ok(lib.as_str().to_string())
}

/// `start_index` / `max_results` paging: a bad value is a 400 naming the parameter.
fn paging(q: &Q) -> ApiResult<Page> {
    let start = q.int("start_index")?.unwrap_or(0);
    if start < 0 {
        return Err(ApiError::invalid(
            "start_index",
            "start_index cannot be negative",
        ));
    }
    let max = q.int("max_results")?.unwrap_or(100);
    if !(1..=1000).contains(&max) {
        return Err(ApiError::invalid(
            "max_results",
            "max_results must be between 1 and 1000",
        ));
    }
    Ok(Page {
        limit: max,
        offset: start,
        after: None,
        want_total: true,
    })
}

// ---- users --------------------------------------------------------------------------------

/// A user as the guide shows it: the per-database number as a string `id`, the login as
/// `login_name`, the display name, `user_type` full or external; `groups` (ids) when known.
fn v1_user(u: &User, m: &Membership, groups: Option<&[Group]>) -> Value {
    let mut o = json!({
        "id": m.user_num.to_string(),
        "login_name": u.id,
        "email": u.email,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "display_name": u.full_name,
        "active": u.active,
        "user_type": if u.is_external { "external" } else { "full" },
        "default_database": u.preferred_library,
        "phone": u.phone,
        "department": u.department,
        "title": u.title,
        "created_date": format_timestamp(u.created_at),
    });
    if let (Some(obj), Some(groups)) = (o.as_object_mut(), groups) {
        obj.insert(
            "groups".into(),
            groups.iter().map(|g| json!(g.id)).collect(),
        );
    }
    o
}

/// The groups a user belongs to.
async fn groups_of(state: &AppState, caller: &Caller, login: &str) -> ApiResult<Vec<Group>> {
    let filter = GroupFilter {
        member: Some(login.to_string()),
        ..GroupFilter::default()
    };
    let page = Page {
        limit: 10_000,
        ..Page::default()
    };
    Ok(state.dossier.groups(caller, &filter, page).await?.0)
}

/// One user of this database in the guide's shape, with its groups.
async fn one_user(state: &AppState, caller: &Caller, db: &str, login: &str) -> ApiResult<Value> {
    let (u, m) = member(state, caller, db, login).await?;
    let groups = groups_of(state, caller, &u.id).await?;
    Ok(v1_user(&u, &m, Some(&groups)))
}

/// The guide's field names over the Work API ones: `display_name` is the full name,
/// `user_type` full or external, `default_database` the preferred library. `login_name`
/// cannot be changed (it is the person's key across databases).
fn user_changes(body: &Map<String, Value>) -> ApiResult<UserChanges> {
    let mut changes = wire::user_changes(body)?;
    if let Some(name) = opt_string(body, "display_name")? {
        changes.full_name = Some(name);
    }
    if let Some(kind) = opt_string(body, "user_type")? {
        changes.is_external = Some(match kind.to_ascii_lowercase().as_str() {
            "full" => false,
            "external" => true,
            _ => {
                return Err(ApiError::invalid(
                    "user_type",
                    "user_type is full or external",
                ));
            }
        });
    }
    if body.contains_key("default_database") {
        changes.preferred_library = Some(opt_string(body, "default_database")?);
    }
    Ok(changes)
}

/// Resolves a path or body user reference in a database: a per-database number, or a
/// login name of a member.
async fn member(
    state: &AppState,
    caller: &Caller,
    db: &str,
    reference: &str,
) -> ApiResult<(User, Membership)> {
    let not_found = || ApiError::not_found(format!("user {reference}"));
    let m = match reference.trim().parse::<i64>() {
        Ok(n) => state
            .dossier
            .member_by_number(caller, db, n)
            .await?
            .ok_or_else(not_found)?,
        Err(_) => {
            let u = state.dossier.user(caller, reference).await?;
            state
                .dossier
                .memberships_in(caller, db, std::slice::from_ref(&u.id))
                .await?
                .into_iter()
                .next()
                .ok_or_else(not_found)?
        }
    };
    let u = state.dossier.user(caller, &m.user_id).await?;
    Ok((u, m))
}

async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    let db = database(&state, &caller, &p).await?;
    let page = paging(&q)?;
    let filter = UserFilter {
        login_name: q.text("login_name").map(str::to_string),
        email: q.text("email").map(str::to_string),
        library: Some(db.clone()),
        ..UserFilter::default()
    };
    let (users, total) = state.dossier.users(&caller, &filter, page).await?;
    let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    let memberships = state.dossier.memberships_in(&caller, &db, &ids).await?;
    let items = users
        .iter()
        .filter_map(|u| {
            memberships
                .iter()
                .find(|m| m.user_id == u.id)
                .map(|m| v1_user(u, m, None))
        })
        .collect();
    Ok(list(items, total.unwrap_or(0)))
}

/// The fields the guide requires to create a person, all named at once when missing.
fn require_new_person(body: &Map<String, Value>) -> ApiResult<()> {
    let missing: Vec<&str> = ["email", "first_name", "last_name"]
        .into_iter()
        .filter(|f| {
            body.get(*f)
                .and_then(Value::as_str)
                .is_none_or(|s| s.trim().is_empty())
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let fields = missing
        .iter()
        .map(|f| dossier_core::error::FieldError {
            field: (*f).to_string(),
            code: "required",
            message: format!("{f} is required"),
        })
        .collect();
    Err(ApiError(DomainError::Invalid {
        message: format!("{} required to create a user", missing.join(", ")),
        fields,
    }))
}

/// Creates a user in this database (`login_name`, `email`, `first_name`, `last_name`
/// required). A person who already exists in another database of the customer joins this
/// one (a new per-database identity, only `login_name` needed); one already here is a 409.
async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let db = database(&state, &caller, &p).await?;
    // A caller who may not create users learns that before what their body lacks.
    caller.require_identity_admin()?;
    let login = opt_string(&body, "login_name")?
        .filter(|l| !l.trim().is_empty())
        .ok_or_else(|| ApiError(DomainError::required("login_name")))?;
    let role = opt_string(&body, "role")?;
    // Only "no such user" means create; any other failure is the answer.
    let existing = match state.dossier.user(&caller, &login).await {
        Ok(u) => Some(u),
        Err(DomainError::NotFound(_)) => None,
        Err(e) => return Err(ApiError(e)),
    };
    let login = match existing {
        Some(u) => {
            if !state
                .dossier
                .memberships_in(&caller, &db, std::slice::from_ref(&u.id))
                .await?
                .is_empty()
            {
                return Err(ApiError(DomainError::Conflict(format!(
                    "user {} already exists in {db}",
                    u.id
                ))));
            }
            state
                .dossier
                .assign_library(&caller, &u.id, &db, role.as_deref())
                .await?;
            u.id
        }
        None => {
            require_new_person(&body)?;
            let mut fields = user_changes(&body)?;
            if fields.full_name.is_none() {
                fields.full_name = Some(format!(
                    "{} {}",
                    opt_string(&body, "first_name")?.unwrap_or_default().trim(),
                    opt_string(&body, "last_name")?.unwrap_or_default().trim()
                ));
            }
            state
                .dossier
                .create_user(
                    &caller,
                    NewUser {
                        id: login,
                        fields,
                        libraries: vec![(db.clone(), role)],
                    },
                )
                .await?
                .id
        }
    };
    let user = one_user(&state, &caller, &db, &login).await?;
    Ok(data(StatusCode::CREATED, user))
}

async fn get_user(State(state): State<AppState>, caller: Caller, p: Params) -> ApiResult<Response> {
    let db = database(&state, &caller, &p).await?;
    let user = one_user(&state, &caller, &db, p.get("user_id")?).await?;
    Ok(data(StatusCode::OK, user))
}

/// Partial update: only the supplied fields change (`active`, `title`, names, `email`,
/// `phone`, `department`, …); `role` changes the role in this database. Answers the
/// updated user.
async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let db = database(&state, &caller, &p).await?;
    let (u, _) = member(&state, &caller, &db, p.get("user_id")?).await?;
    if let Some(login) = opt_string(&body, "login_name")?
        && !login.trim().eq_ignore_ascii_case(&u.id)
    {
        return Err(ApiError::invalid(
            "login_name",
            "login_name cannot be changed",
        ));
    }
    let changes = user_changes(&body)?;
    let role = opt_string(&body, "role")?;
    // The caller's rights are checked even for an empty change; the role changes with the
    // rest or not at all.
    state
        .dossier
        .update_member(
            &caller,
            &u.id,
            changes,
            role.as_deref().map(|r| (db.as_str(), r)),
        )
        .await?;
    let user = one_user(&state, &caller, &db, &u.id).await?;
    Ok(data(StatusCode::OK, user))
}

/// Removes the user's identity in this database; when it was the person's last one, the
/// user is deleted for good. (To keep a user with documents and history but stop their
/// sign-ins, PATCH `active: false` instead.)
async fn delete_user(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    let db = database(&state, &caller, &p).await?;
    let (u, _) = member(&state, &caller, &db, p.get("user_id")?).await?;
    state.dossier.remove_identity(&caller, &u.id, &db).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Every database identity of a person, by login name or e-mail (our extension: the
/// reference has no global lookup).
async fn lookup_person(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Response> {
    let filter = UserFilter {
        login_name: q.text("login_name").map(str::to_string),
        email: q.text("email").map(str::to_string),
        ..UserFilter::default()
    };
    if filter.login_name.is_none() && filter.email.is_none() {
        return Err(ApiError(DomainError::required("login_name")));
    }
    let (users, _) = state
        .dossier
        .users(
            &caller,
            &filter,
            Page {
                limit: 1000,
                ..Page::default()
            },
        )
        .await?;
    let mut out = Vec::new();
    for u in &users {
        let identities: Vec<Value> = state
            .dossier
            .user_libraries(&caller, &u.id)
            .await?
            .iter()
            .map(|m| json!({"database": m.library, "id": m.user_num.to_string(), "role": m.role}))
            .collect();
        out.push(json!({
            "login_name": u.id, "email": u.email, "first_name": u.first_name,
            "last_name": u.last_name, "display_name": u.full_name, "active": u.active,
            "identities": identities,
        }));
    }
    let n = out.len() as i64;
    Ok(list(out, n))
}

// ---- groups -------------------------------------------------------------------------------

/// A group as the guide shows it: `id`, `name`, `member_count`.
fn v1_group(g: &Group, member_count: i64) -> Value {
    json!({"id": g.id, "name": g.full_name, "member_count": member_count, "enabled": g.enabled})
}

async fn group_json(state: &AppState, caller: &Caller, g: &Group) -> ApiResult<Value> {
    let counts = state
        .dossier
        .group_member_counts(caller, std::slice::from_ref(g))
        .await?;
    Ok(v1_group(g, counts.first().copied().unwrap_or(0)))
}

async fn list_groups(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    database(&state, &caller, &p).await?;
    let page = paging(&q)?;
    let filter = GroupFilter {
        id: q.text("group_id").or(q.text("name")).map(str::to_string),
        ..GroupFilter::default()
    };
    let (groups, total) = state.dossier.groups(&caller, &filter, page).await?;
    let counts = state.dossier.group_member_counts(&caller, &groups).await?;
    let items = groups
        .iter()
        .zip(counts)
        .map(|(g, n)| v1_group(g, n))
        .collect();
    Ok(list(items, total.unwrap_or(0)))
}

/// The guide's `name` is the group's display name; the id is `id` (or `group_id`), or the
/// name itself when no id is given.
fn group_changes(body: &Map<String, Value>) -> ApiResult<dossier_service::identity::GroupChanges> {
    let mut changes = wire::group_changes(body)?;
    if let Some(name) = opt_string(body, "name")? {
        changes.full_name = Some(name);
    }
    Ok(changes)
}

async fn create_group(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    database(&state, &caller, &p).await?;
    let id = opt_string(&body, "id")?
        .or(opt_string(&body, "group_id")?)
        .or(opt_string(&body, "name")?)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError(DomainError::required("name")))?;
    let g = state
        .dossier
        .create_group(&caller, &id, group_changes(&body)?, &[])
        .await?;
    Ok(data(StatusCode::CREATED, v1_group(&g, 0)))
}

async fn get_group(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    database(&state, &caller, &p).await?;
    let g = state.dossier.group(&caller, p.get("group_id")?).await?;
    Ok(data(StatusCode::OK, group_json(&state, &caller, &g).await?))
}

async fn update_group(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    database(&state, &caller, &p).await?;
    let g = state
        .dossier
        .update_group(&caller, p.get("group_id")?, group_changes(&body)?)
        .await?;
    Ok(data(StatusCode::OK, group_json(&state, &caller, &g).await?))
}

async fn delete_group(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    database(&state, &caller, &p).await?;
    state
        .dossier
        .delete_group(&caller, p.get("group_id")?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The members of a group as identities of this database (members not in it are listed
/// by login name with a null `id`).
async fn members_json(
    state: &AppState,
    caller: &Caller,
    db: &str,
    gid: &str,
) -> ApiResult<Vec<Value>> {
    let logins = state.dossier.group_members(caller, gid).await?;
    let memberships = state.dossier.memberships_in(caller, db, &logins).await?;
    Ok(logins
        .iter()
        .map(|l| {
            let id = memberships
                .iter()
                .find(|m| m.user_id == *l)
                .map(|m| m.user_num.to_string());
            json!({"id": id, "login_name": l})
        })
        .collect())
}

/// A page of `items` (already all in memory) as a v1 list.
fn page_of(items: Vec<Value>, page: &Page) -> Response {
    let total = items.len() as i64;
    let start = usize::try_from(page.offset).unwrap_or(0);
    let take = usize::try_from(page.limit).unwrap_or(0);
    list(items.into_iter().skip(start).take(take).collect(), total)
}

async fn members(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    let db = database(&state, &caller, &p).await?;
    let page = paging(&q)?;
    let items = members_json(&state, &caller, &db, p.get("group_id")?).await?;
    Ok(page_of(items, &page))
}

/// Login ids for a list of user references (per-database numbers or login names).
async fn logins(
    state: &AppState,
    caller: &Caller,
    db: &str,
    refs: &[String],
) -> ApiResult<Vec<String>> {
    let mut out = Vec::with_capacity(refs.len());
    for r in refs {
        let login = match r.parse::<i64>() {
            Ok(n) => {
                state
                    .dossier
                    .member_by_number(caller, db, n)
                    .await?
                    .ok_or_else(|| ApiError::invalid("users", format!("no user {n} in {db}")))?
                    .user_id
            }
            Err(_) => r.to_uppercase(),
        };
        out.push(login);
    }
    Ok(out)
}

/// A `user_id` of a body: a string, or the per-database number as a JSON number.
fn body_user_id(body: &Map<String, Value>) -> ApiResult<Option<String>> {
    match body.get("user_id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(ApiError::invalid("user_id", "user_id must be a user id")),
    }
}

/// The extension's list form: `{"users": [...]}` (or `?users=a,b`), answering the
/// members after the change.
async fn change_many(
    state: &AppState,
    caller: &Caller,
    p: &Params,
    q: &Q,
    body: &Map<String, Value>,
    action: MemberAction,
) -> ApiResult<Response> {
    let db = database(state, caller, p).await?;
    let mut refs = wire::id_list(body, "users")?;
    if let Some(list) = q.text("users") {
        refs.extend(
            list.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
        );
    }
    if refs.is_empty() {
        return Err(ApiError(DomainError::required("user_id")));
    }
    let users = logins(state, caller, &db, &refs).await?;
    let gid = p.get("group_id")?;
    state
        .dossier
        .change_group_members(caller, gid, action, &users)
        .await?;
    let items = members_json(state, caller, &db, gid).await?;
    let n = items.len() as i64;
    Ok(list(items, n))
}

/// `{"user_id": …}` → 201 `{"data": {"group_id", "user_id"}}`, as the guide's clients add
/// one member at a time; the `users` list form is kept for bulk callers.
async fn add_members(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let Some(reference) = body_user_id(&body)? else {
        return change_many(&state, &caller, &p, &q, &body, MemberAction::Add).await;
    };
    let db = database(&state, &caller, &p).await?;
    let gid = p.get("group_id")?;
    let (u, _) = member(&state, &caller, &db, &reference).await?;
    state
        .dossier
        .change_group_members(&caller, gid, MemberAction::Add, std::slice::from_ref(&u.id))
        .await?;
    Ok(data(
        StatusCode::CREATED,
        json!({"group_id": gid, "user_id": reference}),
    ))
}

async fn remove_members(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    change_many(&state, &caller, &p, &q, &body, MemberAction::Remove).await
}

/// `DELETE …/groups/{group_id}/members/{user_id}` → 204; a user who is no member is a 404.
async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    let db = database(&state, &caller, &p).await?;
    let gid = p.get("group_id")?;
    let reference = p.get("user_id")?;
    let (u, _) = member(&state, &caller, &db, reference).await?;
    if !state
        .dossier
        .group_members(&caller, gid)
        .await?
        .contains(&u.id)
    {
        return Err(ApiError::not_found(format!(
            "user {reference} in group {gid}"
        )));
    }
    state
        .dossier
        .change_group_members(
            &caller,
            gid,
            MemberAction::Remove,
            std::slice::from_ref(&u.id),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `{changes: [{group_id, action: "add"|"remove", users: [...]}]}`, all in one transaction,
/// answering `{"data": {"changed", "changes"}}`.
async fn bulk_memberships(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let db = database(&state, &caller, &p).await?;
    let Some(Value::Array(items)) = body.get("changes") else {
        return Err(ApiError::invalid(
            "changes",
            "changes must be a list of {group_id, action, users}",
        ));
    };
    let mut changes = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(o) = item else {
            return Err(ApiError::invalid(
                &format!("changes[{i}]"),
                "each change is {group_id, action, users}",
            ));
        };
        let group = opt_string(o, "group_id")?
            .ok_or_else(|| ApiError(DomainError::required(&format!("changes[{i}].group_id"))))?;
        let action = match opt_string(o, "action")?
            .map(|a| a.to_ascii_lowercase())
            .as_deref()
        {
            Some("add") => MemberAction::Add,
            Some("remove" | "delete") => MemberAction::Remove,
            _ => {
                return Err(ApiError::invalid(
                    &format!("changes[{i}].action"),
                    "action is add or remove",
                ));
            }
        };
        let users = logins(&state, &caller, &db, &wire::id_list(o, "users")?).await?;
        changes.push((group, action, users));
    }
    let changed = state.dossier.bulk_group_members(&caller, &changes).await?;
    Ok(data(
        StatusCode::OK,
        json!({"changed": changed, "changes": changes.len()}),
    ))
}
