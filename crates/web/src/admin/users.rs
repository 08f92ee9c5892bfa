//! Users: the list with search and paging, creating one (with a password, or an e-mailed
//! invitation to choose it), and locking, unlocking, deactivating and reactivating — each
//! through the identity use cases the Work API's user endpoints call.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use dossier_api::AppState;
use dossier_core::DomainError;
use dossier_core::query::Page;
use dossier_service::filters::UserFilter;
use dossier_service::identity::{NewUser, UserChanges};
use serde::Deserialize;

use super::Administrator;
use crate::page::{self, Chrome, PageResult};

const PAGE_ROWS: i64 = 50;

pub struct UserRow {
    pub id: String,
    pub full_name: String,
    pub email: String,
    pub state: &'static str,
    pub locked: bool,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    chrome: Chrome,
    q: String,
    users: Vec<UserRow>,
    total: i64,
    page: u32,
    more: bool,
    libraries: Vec<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: u32,
}

pub async fn list(
    State(state): State<AppState>,
    admin: Administrator,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let caller = admin.caller();
    let d = &state.dossier;
    let typed = q.q.trim();
    let filter = UserFilter {
        query: (!typed.is_empty()).then(|| typed.to_string()),
        ..UserFilter::default()
    };
    let (mut users, total) = d
        .users(
            caller,
            &filter,
            Page {
                limit: PAGE_ROWS + 1,
                offset: i64::from(q.page) * PAGE_ROWS,
                after: None,
                want_total: true,
            },
        )
        .await?;
    let more = users.len() as i64 > PAGE_ROWS;
    users.truncate(PAGE_ROWS as usize);
    let libraries = d
        .libraries(caller, caller.customer_id)
        .await?
        .into_iter()
        .map(|l| l.id.as_str().to_string())
        .collect();
    Ok(page::ok(&UsersPage {
        chrome: admin.chrome(),
        q: typed.to_string(),
        users: users
            .iter()
            .map(|u| UserRow {
                id: u.id.clone(),
                full_name: u.full_name.clone(),
                email: u.email.clone().unwrap_or_default(),
                state: if !u.active {
                    "Deactivated"
                } else if u.is_locked {
                    "Locked"
                } else if !u.has_password() {
                    "Invited"
                } else {
                    "Active"
                },
                locked: u.is_locked,
                active: u.active,
            })
            .collect(),
        total: total.unwrap_or(0),
        page: q.page,
        more,
        libraries,
    }))
}

#[derive(Deserialize)]
pub struct NewUserForm {
    id: String,
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    /// `password` or `invitation`.
    how: String,
    #[serde(default)]
    library: String,
}

pub async fn create(
    State(state): State<AppState>,
    admin: Administrator,
    headers: HeaderMap,
    Form(f): Form<NewUserForm>,
) -> PageResult {
    let caller = admin.caller();
    let d = &state.dossier;
    let email = Some(f.email.trim().to_string()).filter(|e| !e.is_empty());
    let mut new = NewUser {
        id: f.id.trim().to_string(),
        fields: UserChanges {
            full_name: Some(f.full_name.trim().to_string()),
            email: Some(email),
            ..UserChanges::default()
        },
        libraries: Some(f.library.trim().to_string())
            .filter(|l| !l.is_empty())
            .map(|l| vec![(l, None)])
            .unwrap_or_default(),
    };
    match f.how.as_str() {
        "password" => {
            new.fields.password = Some(f.password);
            d.create_user(caller, new).await?;
        }
        "invitation" => {
            let base = dossier_api::origin::public_base(&state, &headers);
            d.create_invited_user(caller, new, &base).await?;
        }
        _ => {
            return Err(DomainError::invalid("how", "choose a password or an invitation").into());
        }
    }
    Ok(Redirect::to("/admin/users").into_response())
}

#[derive(Deserialize)]
pub struct ChangeForm {
    /// `lock`, `unlock`, `deactivate` or `activate`.
    change: String,
}

pub async fn change(
    State(state): State<AppState>,
    admin: Administrator,
    Path(id): Path<String>,
    Form(f): Form<ChangeForm>,
) -> Result<Response, page::Failure> {
    let changes = match f.change.as_str() {
        "lock" => UserChanges {
            is_locked: Some(true),
            ..UserChanges::default()
        },
        "unlock" => UserChanges {
            is_locked: Some(false),
            ..UserChanges::default()
        },
        "deactivate" => UserChanges {
            active: Some(false),
            ..UserChanges::default()
        },
        "activate" => UserChanges {
            active: Some(true),
            ..UserChanges::default()
        },
        _ => return Err(DomainError::invalid("change", "unknown change").into()),
    };
    state
        .dossier
        .update_user(admin.caller(), &id, changes)
        .await?;
    Ok(Redirect::to("/admin/users").into_response())
}
