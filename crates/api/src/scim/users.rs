//! /Users: thin handlers over the identity use cases. The SCIM id is the user's ssid; the
//! service sees login ids and change sets, never SCIM JSON.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use dossier_core::DomainError;
use dossier_core::identity::User;
use dossier_service::filters::GroupFilter;
use dossier_service::filters::UserFilter;
use dossier_service::identity::NewUser;
use dossier_service::{Caller, Page};
use serde_json::Value;

use super::error::{ScimError, ScimResult};
use super::filter::Filter;
use super::http::{
    Id, Provisioner, ScimBody, ScimQuery, base_url, check_if_match, not_modified,
    not_modified_response, respond, respond_resource,
};
use super::patch;
use super::query::{ListParams, Projection, list_response, project};
use super::resources::{Link, user_input, user_json};
use super::schema::ResourceKind;
use crate::AppState;

const KIND: ResourceKind = ResourceKind::User;

/// Everything: listings are filtered in memory over the customer's users.
pub(super) const ALL: Page = Page {
    limit: 1_000_000,
    offset: 0,
    after: None,
    want_total: false,
};

pub async fn list(
    State(st): State<AppState>,
    Provisioner(c): Provisioner,
    headers: HeaderMap,
    ScimQuery(q): ScimQuery,
) -> ScimResult<Response> {
    let params = ListParams::from_query(KIND, &q)?;
    list_with(&st, &c, &headers, params).await
}

pub async fn search(
    State(st): State<AppState>,
    Provisioner(c): Provisioner,
    headers: HeaderMap,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let params = ListParams::from_search(&[KIND], &body)?;
    list_with(&st, &c, &headers, params).await
}

/// The users a filter can possibly match, narrowed in the store by its top-level
/// `id`, `userName` or `externalId` equality when it has one.
async fn candidates(st: &AppState, c: &Caller, f: Option<&Filter>) -> ScimResult<Vec<User>> {
    let d = &st.dossier;
    if let Some(ssid) = f.and_then(|f| f.required_eq("id")) {
        return match d.user_by_ssid(c, ssid).await {
            Ok(u) => Ok(vec![u]),
            Err(DomainError::NotFound(_)) => Ok(vec![]),
            Err(e) => Err(e.into()),
        };
    }
    let mut uf = UserFilter::default();
    if let Some(name) = f.and_then(|f| f.required_eq("userName")) {
        uf.login_name = Some(name.to_string());
    } else if let Some(ex) = f.and_then(|f| f.required_eq("externalId")) {
        uf.external_id = Some(ex.to_string());
    }
    Ok(d.users(c, &uf, ALL).await?.0)
}

/// The groups one user belongs to.
async fn groups_of(st: &AppState, c: &Caller, user: &User) -> ScimResult<Vec<Link>> {
    let filter = GroupFilter {
        member: Some(user.id.clone()),
        ..GroupFilter::default()
    };
    Ok(st
        .dossier
        .groups(c, &filter, ALL)
        .await?
        .0
        .into_iter()
        .map(|g| Link {
            ssid: g.ssid,
            display: g.full_name,
        })
        .collect())
}

/// Every user's groups, by login id (for filters on `groups`).
async fn all_memberships(st: &AppState, c: &Caller) -> ScimResult<HashMap<String, Vec<Link>>> {
    let mut out: HashMap<String, Vec<Link>> = HashMap::new();
    for g in st.dossier.groups(c, &GroupFilter::default(), ALL).await?.0 {
        for login in st.dossier.group_members(c, &g.id).await? {
            out.entry(login).or_default().push(Link {
                ssid: g.ssid.clone(),
                display: g.full_name.clone(),
            });
        }
    }
    Ok(out)
}

/// The customer's users that pass the filter, as full SCIM JSON. Group memberships are
/// loaded only when the filter or sort order needs them; the flag says whether they were.
pub(super) async fn matching(
    st: &AppState,
    c: &Caller,
    base: &str,
    params: &ListParams,
) -> ScimResult<(Vec<Value>, bool)> {
    let users = candidates(st, c, params.filter.as_ref()).await?;
    let memberships = if params.looks_at("groups") {
        Some(all_memberships(st, c).await?)
    } else {
        None
    };
    let all = users
        .iter()
        .map(|u| {
            let groups = memberships
                .as_ref()
                .map(|m| m.get(&u.id).map(Vec::as_slice).unwrap_or_default());
            user_json(u, groups, base)
        })
        .filter(|r| params.keeps(KIND, r))
        .collect();
    Ok((all, memberships.is_some()))
}

/// One listed user as the response carries it: its groups added if wanted and not
/// loaded yet, then projected.
pub(super) async fn finish(
    st: &AppState,
    c: &Caller,
    base: &str,
    r: Value,
    groups_loaded: bool,
    projection: &Projection,
) -> ScimResult<Value> {
    if groups_loaded || !projection.wants(KIND, "groups") {
        return Ok(project(KIND, &r, projection));
    }
    let u = st
        .dossier
        .user_by_ssid(c, r["id"].as_str().unwrap_or_default())
        .await?;
    let full = user_json(&u, Some(&groups_of(st, c, &u).await?), base);
    Ok(project(KIND, &full, projection))
}

async fn list_with(
    st: &AppState,
    c: &Caller,
    headers: &HeaderMap,
    params: ListParams,
) -> ScimResult<Response> {
    let base = base_url(st, headers);
    let (all, loaded) = matching(st, c, &base, &params).await?;
    let (page, total) = params.sort_and_page(all.into_iter().map(|r| (KIND, r)).collect());
    let mut out = Vec::with_capacity(page.len());
    for (_, r) in page {
        out.push(finish(st, c, &base, r, loaded, &params.projection).await?);
    }
    Ok(respond(
        StatusCode::OK,
        &list_response(out, total, params.start_index),
    ))
}

/// The user as a response carries it.
async fn present(
    st: &AppState,
    c: &Caller,
    u: &User,
    base: &str,
    projection: &Projection,
    status: StatusCode,
) -> ScimResult<Response> {
    let groups = if projection.wants(KIND, "groups") {
        Some(groups_of(st, c, u).await?)
    } else {
        None
    };
    let full = user_json(u, groups.as_deref(), base);
    Ok(respond_resource(
        status,
        &project(KIND, &full, projection),
        u.version,
    ))
}

/// The service names the login id `id`; a SCIM client knows it as userName.
fn as_user_name(e: DomainError) -> ScimError {
    match e {
        DomainError::Invalid { message, fields } if fields.iter().any(|f| f.field == "id") => {
            ScimError::bad("invalidValue", message.replacen("id", "userName", 1))
        }
        other => ScimError::on_create(other),
    }
}

pub async fn create(
    State(st): State<AppState>,
    Provisioner(c): Provisioner,
    headers: HeaderMap,
    ScimQuery(q): ScimQuery,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let input = user_input(&body)?;
    let id = input.user_name.clone();
    let user = st
        .dossier
        .create_user(
            &c,
            NewUser {
                id,
                fields: input.for_creation(),
                libraries: vec![],
            },
        )
        .await
        .map_err(as_user_name)?;
    present(
        &st,
        &c,
        &user,
        &base_url(&st, &headers),
        &Projection::from_query(&q),
        StatusCode::CREATED,
    )
    .await
}

pub async fn get_one(
    State(st): State<AppState>,
    Provisioner(c): Provisioner,
    Id(id): Id,
    headers: HeaderMap,
    ScimQuery(q): ScimQuery,
) -> ScimResult<Response> {
    let u = st.dossier.user_by_ssid(&c, &id).await?;
    if not_modified(&headers, u.version) {
        return Ok(not_modified_response(u.version));
    }
    present(
        &st,
        &c,
        &u,
        &base_url(&st, &headers),
        &Projection::from_query(&q),
        StatusCode::OK,
    )
    .await
}

pub async fn replace(
    State(st): State<AppState>,
    Provisioner(c): Provisioner,
    Id(id): Id,
    headers: HeaderMap,
    ScimQuery(q): ScimQuery,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let u = st.dossier.user_by_ssid(&c, &id).await?;
    check_if_match(&headers, u.version)?;
    let input = user_input(&body)?;
    input.check_same_user(&u)?;
    let updated = st.dossier.update_user(&c, &u.id, input.changes).await?;
    present(
        &st,
        &c,
        &updated,
        &base_url(&st, &headers),
        &Projection::from_query(&q),
        StatusCode::OK,
    )
    .await
}

pub async fn modify(
    State(st): State<AppState>,
    Provisioner(c): Provisioner,
    Id(id): Id,
    headers: HeaderMap,
    ScimQuery(q): ScimQuery,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let u = st.dossier.user_by_ssid(&c, &id).await?;
    check_if_match(&headers, u.version)?;
    let ops = patch::parse_request(&body)?;
    let base = base_url(&st, &headers);
    let original: Value = user_json(&u, None, &base);
    let mut patched = original.clone();
    patch::apply(KIND, &mut patched, &ops)?;
    // An idempotent PATCH (a provisioning cycle re-sending what is there) changes nothing
    // and keeps the version.
    let updated = if patched == original {
        u
    } else {
        let input = user_input(&patched)?;
        input.check_same_user(&u)?;
        st.dossier.update_user(&c, &u.id, input.changes).await?
    };
    present(
        &st,
        &c,
        &updated,
        &base,
        &Projection::from_query(&q),
        StatusCode::OK,
    )
    .await
}

pub async fn delete(
    State(st): State<AppState>,
    Provisioner(c): Provisioner,
    Id(id): Id,
    headers: HeaderMap,
) -> ScimResult<Response> {
    let u = st.dossier.user_by_ssid(&c, &id).await?;
    check_if_match(&headers, u.version)?;
    st.dossier.delete_user(&c, &u.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
