//! The v1 user-management API of the reference, for identity-sync tools:
//! `/api/v1/customers/{customer_id}/users|groups|groups/{group_id}/members`. As in the
//! reference, `{customer_id}` names the database (library) and a user's `id` is its
//! per-database user number, so the same person has a different id in each library.
//! Lists page by `start_index` (0-based) and `max_results` (default 100, at most 1000)
//! and report `total_results`. Writes need the `admin` scope (checked by the service).
//!
//! Beyond the reference: `GET /api/v1/users?login_name=` finds every database identity
//! of a person, and `POST …/group-memberships` applies many membership changes at once.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dossier_core::DomainError;
use dossier_core::identity::User;
use dossier_service::filters::{GroupFilter, UserFilter};
use dossier_service::identity::{MemberAction, Membership, NewUser};
use dossier_service::{Caller, Page};
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonObject, Params, Q};
use crate::identity_wire::{self as wire, opt_string};

pub fn router() -> Router<AppState> {
    let c = "/api/v1/customers/{customer_id}";
    Router::new()
        .route("/api/v1/users", get(lookup_person))
        .route(&format!("{c}/users"), get(list_users).post(create_user))
        .route(
            &format!("{c}/users/{{user_id}}"),
            get(get_user).patch(update_user).delete(delete_user),
        )
        .route(&format!("{c}/groups"), get(list_groups).post(create_group))
        .route(
            &format!("{c}/groups/{{group_id}}"),
            get(get_group).patch(update_group).delete(delete_group),
        )
        .route(
            &format!("{c}/groups/{{group_id}}/members"),
            get(members).post(add_members).delete(remove_members),
        )
        .route(&format!("{c}/group-memberships"), post(bulk_memberships))
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

/// `start_index` / `max_results` paging.
fn paging(q: &Q) -> ApiResult<(Page, i64, i64)> {
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
    Ok((
        Page {
            limit: max,
            offset: start,
            after: None,
            want_total: true,
        },
        start,
        max,
    ))
}

fn page_of(key: &str, items: Vec<Value>, total: Option<i64>, start: i64, max: i64) -> Response {
    let mut o = Map::new();
    o.insert(key.into(), Value::Array(items));
    o.insert("total_results".into(), json!(total.unwrap_or(0)));
    o.insert("start_index".into(), json!(start));
    o.insert("max_results".into(), json!(max));
    axum::Json(Value::Object(o)).into_response()
}

/// A user as the v1 API shows it: the per-database number as `id`, the login as
/// `login_name`.
fn v1_user(u: &User, m: &Membership, caller: &Caller) -> Value {
    let mut o = wire::user(u, caller);
    if let Some(obj) = o.as_object_mut() {
        obj.insert("id".into(), json!(m.user_num));
        obj.insert("login_name".into(), json!(u.id));
        obj.insert("database".into(), json!(m.library));
        obj.insert("role".into(), json!(m.role));
    }
    o
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
    let m = match reference.parse::<i64>() {
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
    let (page, start, max) = paging(&q)?;
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
                .map(|m| v1_user(u, m, &caller))
        })
        .collect();
    Ok(page_of("users", items, total, start, max))
}

/// Creates a user in this database. A person who already exists in another database of
/// the customer joins this one (a new per-database identity); one already here is a 409.
async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let db = database(&state, &caller, &p).await?;
    let login = opt_string(&body, "login_name")?
        .or(opt_string(&body, "user_id")?)
        .ok_or_else(|| ApiError(DomainError::required("login_name")))?;
    let role = opt_string(&body, "role")?;
    // Only "no such user" means create; any other failure is the answer.
    let existing = match state.dossier.user(&caller, &login).await {
        Ok(u) => Some(u),
        Err(DomainError::NotFound(_)) => None,
        Err(e) => return Err(ApiError(e)),
    };
    let (user, m) = match existing {
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
            let m = state
                .dossier
                .assign_library(&caller, &u.id, &db, role.as_deref())
                .await?;
            (u, m)
        }
        None => {
            let u = state
                .dossier
                .create_user(
                    &caller,
                    NewUser {
                        id: login,
                        fields: wire::user_changes(&body)?,
                        libraries: vec![(db.clone(), role)],
                    },
                )
                .await?;
            let m = member(&state, &caller, &db, &u.id).await?.1;
            (u, m)
        }
    };
    Ok((StatusCode::CREATED, axum::Json(v1_user(&user, &m, &caller))).into_response())
}

async fn get_user(State(state): State<AppState>, caller: Caller, p: Params) -> ApiResult<Response> {
    let db = database(&state, &caller, &p).await?;
    let (u, m) = member(&state, &caller, &db, p.get("user_id")?).await?;
    Ok(axum::Json(v1_user(&u, &m, &caller)).into_response())
}

/// Partial update: only the supplied fields change; `role` changes the role in this
/// database.
async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let db = database(&state, &caller, &p).await?;
    let (u, _) = member(&state, &caller, &db, p.get("user_id")?).await?;
    let changes = wire::user_changes(&body)?;
    let role = opt_string(&body, "role")?;
    let user = state.dossier.update_user(&caller, &u.id, changes).await?;
    if let Some(role) = role {
        state
            .dossier
            .assign_library(&caller, &u.id, &db, Some(&role))
            .await?;
    }
    let (_, m) = member(&state, &caller, &db, &u.id).await?;
    Ok(axum::Json(v1_user(&user, &m, &caller)).into_response())
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
    state
        .dossier
        .remove_from_library(&caller, &u.id, &db)
        .await?;
    if state
        .dossier
        .user_libraries(&caller, &u.id)
        .await?
        .is_empty()
    {
        state.dossier.delete_user(&caller, &u.id).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Every database identity of a person, by login name or e-mail.
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
            .map(|m| json!({"database": m.library, "id": m.user_num, "role": m.role}))
            .collect();
        let mut o = wire::user(u, &caller);
        if let Some(obj) = o.as_object_mut() {
            obj.insert("login_name".into(), json!(u.id));
            obj.insert("identities".into(), Value::Array(identities));
        }
        out.push(o);
    }
    Ok(axum::Json(json!({"users": out, "total_results": users.len()})).into_response())
}

// ---- groups -------------------------------------------------------------------------------

fn v1_group(g: &dossier_core::identity::Group) -> Value {
    wire::group(g)
}

async fn list_groups(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    database(&state, &caller, &p).await?;
    let (page, start, max) = paging(&q)?;
    let filter = GroupFilter {
        id: q.text("group_id").or(q.text("name")).map(str::to_string),
        ..GroupFilter::default()
    };
    let (groups, total) = state.dossier.groups(&caller, &filter, page).await?;
    Ok(page_of(
        "groups",
        groups.iter().map(v1_group).collect(),
        total,
        start,
        max,
    ))
}

async fn create_group(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    database(&state, &caller, &p).await?;
    let id = opt_string(&body, "group_id")?
        .or(opt_string(&body, "id")?)
        .ok_or_else(|| ApiError(DomainError::required("group_id")))?;
    let g = state
        .dossier
        .create_group(&caller, &id, wire::group_changes(&body)?, &[])
        .await?;
    Ok((StatusCode::CREATED, axum::Json(v1_group(&g))).into_response())
}

async fn get_group(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    database(&state, &caller, &p).await?;
    let g = state.dossier.group(&caller, p.get("group_id")?).await?;
    Ok(axum::Json(v1_group(&g)).into_response())
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
        .update_group(&caller, p.get("group_id")?, wire::group_changes(&body)?)
        .await?;
    Ok(axum::Json(v1_group(&g)).into_response())
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
                .map(|m| m.user_num);
            json!({"id": id, "login_name": l})
        })
        .collect())
}

async fn members(State(state): State<AppState>, caller: Caller, p: Params) -> ApiResult<Response> {
    let db = database(&state, &caller, &p).await?;
    let items = members_json(&state, &caller, &db, p.get("group_id")?).await?;
    let n = items.len() as i64;
    Ok(page_of("members", items, Some(n), 0, n.max(1)))
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

async fn change(
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
        return Err(ApiError(DomainError::required("users")));
    }
    let users = logins(state, caller, &db, &refs).await?;
    let gid = p.get("group_id")?;
    state
        .dossier
        .change_group_members(caller, gid, action, &users)
        .await?;
    let items = members_json(state, caller, &db, gid).await?;
    let n = items.len() as i64;
    Ok(page_of("members", items, Some(n), 0, n.max(1)))
}

async fn add_members(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    change(&state, &caller, &p, &q, &body, MemberAction::Add).await
}

async fn remove_members(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    change(&state, &caller, &p, &q, &body, MemberAction::Remove).await
}

/// `{changes: [{group_id, action: "add"|"remove", users: [...]}]}`, all in one transaction.
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
    Ok(axum::Json(json!({"changed": changed, "changes": changes.len()})).into_response())
}
