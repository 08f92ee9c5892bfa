//! Users, groups, roles and the audit log in the Work API v2, at the customer level
//! (`/customers/{c}/users`, every user of the customer) and the library level
//! (`L/users`, the library's members with their per-library number and role). Writes need
//! administrator rights and the `admin` scope; the service checks both.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dossier_core::DomainError;
use dossier_service::Caller;
use dossier_service::filters::{AuditFilter, GroupFilter, UserFilter};
use dossier_service::identity::{MemberAction, NewUser, RoleInput, RoleSave};
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::extract::{InLibrary, JsonObject, Params, Q};
use crate::identity_wire::{self as wire, opt_string};
use crate::{AppState, reply};

/// The library of a library-level route (checked to exist in the caller's customer), or
/// `None` at the customer level (the customer is checked to be the caller's).
async fn scope(state: &AppState, caller: &Caller, p: &Params) -> ApiResult<Option<String>> {
    if p.0.contains_key("library") {
        let lib = state
            .dossier
            .library(caller, p.customer()?, p.library()?)
            .await?;
        Ok(Some(lib.as_str().to_string()))
    } else if p.customer()? != caller.customer_id {
        Err(ApiError::not_found(format!("customer {}", p.customer()?)))
    } else {
        Ok(None)
    }
}

fn user_filter(q: &Q, library: Option<String>) -> Result<UserFilter, ApiError> {
    Ok(UserFilter {
        login_name: q.text("login_name").or(q.text("alias")).map(str::to_string),
        email: q.text("email").map(str::to_string),
        query: q.text("query").or(q.text("name")).map(str::to_string),
        library: library.or_else(|| q.text("library").map(str::to_uppercase)),
        group: q.text("group").map(str::to_string),
        active: q.flag("active")?,
        external_id: q.text("user_id_ex").map(str::to_string),
        ..UserFilter::default()
    })
}

/// The JSON of users, with their membership of `library` when listed from one.
async fn users_json(
    state: &AppState,
    caller: &Caller,
    users: &[dossier_core::identity::User],
    library: Option<&str>,
) -> ApiResult<Vec<Value>> {
    let Some(library) = library else {
        return Ok(users.iter().map(|u| wire::user(u, caller)).collect());
    };
    let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    let memberships = state.dossier.memberships_in(caller, library, &ids).await?;
    Ok(users
        .iter()
        .map(|u| {
            let m = memberships.iter().find(|m| m.user_id == u.id);
            wire::library_user(u, m, caller)
        })
        .collect())
}

pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    let library = scope(&state, &caller, &p).await?;
    let paging = q.paging(100)?;
    if paging.cursor_mode {
        return Err(ApiError::invalid(
            "paging_mode",
            "user lists page by limit and offset",
        ));
    }
    let filter = user_filter(&q, library.clone())?;
    let (users, total) = state.dossier.users(&caller, &filter, paging.page).await?;
    let items = users_json(&state, &caller, &users, library.as_deref()).await?;
    Ok(reply::list(items, total, None))
}

pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let library = scope(&state, &caller, &p).await?;
    let id = opt_string(&body, "id")?
        .or(opt_string(&body, "user_id")?)
        .ok_or_else(|| ApiError(DomainError::required("id")))?;
    let mut libraries = match &library {
        Some(l) => vec![(l.clone(), opt_string(&body, "role")?)],
        None => Vec::new(),
    };
    if let Some(v) = body.get("libraries") {
        let Value::Array(items) = v else {
            return Err(ApiError::invalid("libraries", "libraries must be a list"));
        };
        for (i, item) in items.iter().enumerate() {
            let entry = match item {
                Value::String(s) => (s.to_uppercase(), None),
                Value::Object(o) => (
                    opt_string(o, "id")?
                        .or(opt_string(o, "library_id")?)
                        .ok_or_else(|| {
                            ApiError(DomainError::required(&format!("libraries[{i}].id")))
                        })?
                        .to_uppercase(),
                    opt_string(o, "role")?,
                ),
                _ => {
                    return Err(ApiError::invalid(
                        &format!("libraries[{i}]"),
                        "a library id or {id, role}",
                    ));
                }
            };
            libraries.push(entry);
        }
    }
    let user = state
        .dossier
        .create_user(
            &caller,
            NewUser {
                id,
                fields: wire::user_changes(&body)?,
                libraries,
            },
        )
        .await?;
    let items = users_json(
        &state,
        &caller,
        std::slice::from_ref(&user),
        library.as_deref(),
    )
    .await?;
    Ok(reply::created(
        items.into_iter().next().unwrap_or(Value::Null),
    ))
}

/// One user; `me` is the caller. From a library, only its members are found.
pub async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    let library = scope(&state, &caller, &p).await?;
    let uid = p.get("uid")?;
    let user = state.dossier.user(&caller, uid).await?;
    let memberships = state.dossier.user_libraries(&caller, &user.id).await?;
    let mut out = match &library {
        Some(l) => {
            let m = memberships
                .iter()
                .find(|m| m.library == *l)
                .ok_or_else(|| ApiError::not_found(format!("user {uid} in library {l}")))?;
            wire::library_user(&user, Some(m), &caller)
        }
        None => wire::user(&user, &caller),
    };
    if let Some(o) = out.as_object_mut() {
        if uid.eq_ignore_ascii_case("me") {
            o.insert("customer_id".into(), json!(caller.customer_id));
            o.insert("is_admin".into(), json!(caller.is_admin));
        }
        if q.flag("include_libraries")?.unwrap_or(false) {
            let pref = user.preferred_library.as_deref();
            o.insert(
                "libraries".into(),
                memberships
                    .iter()
                    .map(|m| wire::membership(m, pref))
                    .collect(),
            );
        }
    }
    Ok(reply::data(out))
}

pub async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let library = scope(&state, &caller, &p).await?;
    let uid = p.get("uid")?;
    if let Some(l) = &library {
        // From a library the user must be a member; `role` changes the role there.
        let user = state.dossier.user(&caller, uid).await?;
        let is_member = state
            .dossier
            .user_libraries(&caller, &user.id)
            .await?
            .iter()
            .any(|m| m.library == *l);
        if !is_member {
            return Err(ApiError::not_found(format!("user {uid} in library {l}")));
        }
        if let Some(role) = opt_string(&body, "role")? {
            state
                .dossier
                .assign_library(&caller, &user.id, l, Some(&role))
                .await?;
        }
    }
    let user = state
        .dossier
        .update_user(&caller, uid, wire::user_changes(&body)?)
        .await?;
    let items = users_json(
        &state,
        &caller,
        std::slice::from_ref(&user),
        library.as_deref(),
    )
    .await?;
    Ok(reply::data(items.into_iter().next().unwrap_or(Value::Null)))
}

/// At the customer level deletes the user for good; from a library removes the user from
/// that library only.
pub async fn delete_user(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    let library = scope(&state, &caller, &p).await?;
    let uid = p.get("uid")?;
    match library {
        Some(l) => state.dossier.remove_from_library(&caller, uid, &l).await?,
        None => state.dossier.delete_user(&caller, uid).await?,
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn user_libraries(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    scope(&state, &caller, &p).await?;
    let user = state.dossier.user(&caller, p.get("uid")?).await?;
    let memberships = state.dossier.user_libraries(&caller, &user.id).await?;
    let pref = user.preferred_library.as_deref();
    Ok(reply::list(
        memberships
            .iter()
            .map(|m| wire::membership(m, pref))
            .collect(),
        None,
        None,
    ))
}

/// `PUT …/users/{uid}/libraries/{lib}` `{role}`: adds the user to a library or changes its
/// role there.
pub async fn assign_library(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    scope(&state, &caller, &p).await?;
    let role = opt_string(&body, "role")?;
    let m = state
        .dossier
        .assign_library(&caller, p.get("uid")?, p.get("lib")?, role.as_deref())
        .await?;
    Ok(reply::data(wire::membership(&m, None)))
}

pub async fn leave_library(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    scope(&state, &caller, &p).await?;
    state
        .dossier
        .remove_from_library(&caller, p.get("uid")?, p.get("lib")?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn user_groups(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    scope(&state, &caller, &p).await?;
    let user = state.dossier.user(&caller, p.get("uid")?).await?;
    let filter = GroupFilter {
        member: Some(user.id),
        ..GroupFilter::default()
    };
    let (groups, _) = state
        .dossier
        .groups(
            &caller,
            &filter,
            dossier_service::Page {
                limit: 10_000,
                ..Default::default()
            },
        )
        .await?;
    Ok(reply::list(
        groups.iter().map(wire::group).collect(),
        None,
        None,
    ))
}

// ---- groups -------------------------------------------------------------------------------

pub async fn list_groups(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    scope(&state, &caller, &p).await?;
    let paging = q.paging(100)?;
    if paging.cursor_mode {
        return Err(ApiError::invalid(
            "paging_mode",
            "group lists page by limit and offset",
        ));
    }
    let filter = GroupFilter {
        id: q.text("alias").or(q.text("id")).map(str::to_string),
        query: q.text("query").or(q.text("name")).map(str::to_string),
        member: q.text("member").map(str::to_string),
        enabled: q.flag("enabled")?,
        external_id: q.text("group_id_ex").map(str::to_string),
    };
    let (groups, total) = state.dossier.groups(&caller, &filter, paging.page).await?;
    Ok(reply::list(
        groups.iter().map(wire::group).collect(),
        total,
        None,
    ))
}

pub async fn create_group(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    scope(&state, &caller, &p).await?;
    let id = opt_string(&body, "id")?.ok_or_else(|| ApiError(DomainError::required("id")))?;
    let members = wire::id_list(&body, "members")?;
    let g = state
        .dossier
        .create_group(&caller, &id, wire::group_changes(&body)?, &members)
        .await?;
    Ok(reply::created(wire::group(&g)))
}

pub async fn get_group(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    scope(&state, &caller, &p).await?;
    let g = state.dossier.group(&caller, p.get("gid")?).await?;
    Ok(reply::data(wire::group(&g)))
}

pub async fn update_group(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    scope(&state, &caller, &p).await?;
    let g = state
        .dossier
        .update_group(&caller, p.get("gid")?, wire::group_changes(&body)?)
        .await?;
    Ok(reply::data(wire::group(&g)))
}

pub async fn delete_group(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    scope(&state, &caller, &p).await?;
    state.dossier.delete_group(&caller, p.get("gid")?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn members_json(state: &AppState, caller: &Caller, gid: &str) -> ApiResult<Vec<Value>> {
    let filter = UserFilter {
        group: Some(gid.to_string()),
        ..UserFilter::default()
    };
    let (users, _) = state
        .dossier
        .users(
            caller,
            &filter,
            dossier_service::Page {
                limit: 100_000,
                ..Default::default()
            },
        )
        .await?;
    Ok(users.iter().map(|u| wire::user(u, caller)).collect())
}

pub async fn group_members(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    scope(&state, &caller, &p).await?;
    let g = state.dossier.group(&caller, p.get("gid")?).await?;
    Ok(reply::list(
        members_json(&state, &caller, &g.id).await?,
        None,
        None,
    ))
}

fn member_action(body: &Map<String, Value>, field: &str) -> ApiResult<MemberAction> {
    match opt_string(body, field)?
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("add") => Ok(MemberAction::Add),
        Some("delete" | "remove") => Ok(MemberAction::Remove),
        Some("replace") => Ok(MemberAction::Replace),
        Some(other) => Err(ApiError::invalid(
            field,
            format!("{field} is add, delete or replace, not '{other}'"),
        )),
        None => Err(ApiError(DomainError::required(field))),
    }
}

/// `PUT …/groups/{gid}/members` `{data_type: "users", data: [ids], action: "add"|"delete"}`
/// (docs/imanage-api.md §2.2); `replace` makes the list the whole membership.
pub async fn change_members(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    scope(&state, &caller, &p).await?;
    if let Some(t) = opt_string(&body, "data_type")?
        && !t.eq_ignore_ascii_case("users")
    {
        return Err(ApiError::invalid(
            "data_type",
            "groups hold users: data_type must be 'users'",
        ));
    }
    let action = member_action(&body, "action")?;
    let users = wire::id_list(&body, "data")?;
    let gid = p.get("gid")?;
    state
        .dossier
        .change_group_members(&caller, gid, action, &users)
        .await?;
    let g = state.dossier.group(&caller, gid).await?;
    Ok(reply::list(
        members_json(&state, &caller, &g.id).await?,
        None,
        None,
    ))
}

/// `POST /customers/{c}/groups/members` `{changes: [{group, action, users}]}`: many
/// membership changes in one transaction, all or nothing (beyond the reference API).
pub async fn bulk_members(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    scope(&state, &caller, &p).await?;
    let Some(Value::Array(items)) = body.get("changes") else {
        return Err(ApiError::invalid(
            "changes",
            "changes must be a list of {group, action, users}",
        ));
    };
    let mut changes = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(o) = item else {
            return Err(ApiError::invalid(
                &format!("changes[{i}]"),
                "each change is {group, action, users}",
            ));
        };
        let group = opt_string(o, "group")?
            .ok_or_else(|| ApiError(DomainError::required(&format!("changes[{i}].group"))))?;
        changes.push((
            group,
            member_action(o, "action")?,
            wire::id_list(o, "users")?,
        ));
    }
    let changed = state.dossier.bulk_group_members(&caller, &changes).await?;
    Ok(reply::data(
        json!({"changed": changed, "changes": changes.len()}),
    ))
}

// ---- roles --------------------------------------------------------------------------------

pub async fn list_roles(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Response> {
    let libraries = match scope(&state, &caller, &p).await? {
        Some(l) => vec![l],
        None => state
            .dossier
            .libraries(&caller, caller.customer_id)
            .await?
            .into_iter()
            .map(|l| l.id.as_str().to_string())
            .collect(),
    };
    let mut out = Vec::new();
    for l in libraries {
        out.extend(
            state
                .dossier
                .roles(&caller, &l)
                .await?
                .iter()
                .map(wire::role),
        );
    }
    Ok(reply::list(out, None, None))
}

pub async fn get_role(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
) -> ApiResult<Response> {
    let role = state
        .dossier
        .role(&caller, library.as_str(), p.get("role")?)
        .await?;
    Ok(reply::data(wire::role(&role)))
}

/// `POST L/roles` `{id, description, rights | m1_bits…m4_bits}` and `PATCH L/roles/{role}`.
pub async fn save_role(
    State(state): State<AppState>,
    InLibrary { caller, library }: InLibrary,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    // `PATCH L/roles/{role}` changes a role, `POST L/roles` creates one.
    let save = match p.0.get("role") {
        Some(role) => RoleSave::Update(role.clone()),
        None => RoleSave::Create(
            opt_string(&body, "id")?.ok_or_else(|| ApiError(DomainError::required("id")))?,
        ),
    };
    let input = RoleInput {
        description: opt_string(&body, "description")?,
        rights: wire::rights(&body)?,
    };
    let (role, created) = state
        .dossier
        .save_role(&caller, library.as_str(), save, input)
        .await?;
    let body = wire::role(&role);
    Ok(if created {
        reply::created(body)
    } else {
        reply::data(body)
    })
}

// ---- audit --------------------------------------------------------------------------------

/// `GET /customers/{c}/audit-log`: sign-ins, tokens and identity changes, newest first
/// (administrators; Dossier's own endpoint). Cursor paging over the record id.
pub async fn audit_log(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    scope(&state, &caller, &p).await?;
    let paging = q.paging(100)?;
    let filter = AuditFilter {
        actor: q.text("actor").map(str::to_string),
        target: q.text("target").map(str::to_string),
        action: q.text("action").map(str::to_string),
    };
    let mut records = state
        .dossier
        .audit_log(&caller, &filter, paging.probe())
        .await?;
    let (_, cursor) = paging.finish(&mut records, |r| r.seq);
    Ok(reply::list(
        records.iter().map(wire::audit).collect(),
        None,
        cursor,
    ))
}
