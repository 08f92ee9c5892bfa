//! /Groups: thin handlers over the group use cases. Members are users only, named by their
//! SCIM ids; the service sees login ids.

use std::collections::{BTreeSet, HashMap};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use dossier_core::DomainError;
use dossier_core::identity::{Group, USER_NOS_ENTERPRISE};
use dossier_service::Caller;
use dossier_service::filters::GroupFilter;
use dossier_service::filters::UserFilter;
use dossier_service::identity::MemberAction;
use serde_json::Value;

use super::error::{ScimError, ScimResult};
use super::filter::Filter;
use super::http::{
    Id, Provisioner, ScimBody, ScimQuery, base_url, check_if_match, not_modified,
    not_modified_response, respond, respond_resource,
};
use super::patch;
use super::query::{ListParams, Projection, list_response, project};
use super::resources::{GroupInput, Link, group_id_from, group_input, group_json};
use super::schema::ResourceKind;
use super::users::ALL;
use crate::AppState;

const KIND: ResourceKind = ResourceKind::Group;

/// The customer's users by login id and by SCIM id, to translate member lists.
struct Directory {
    by_login: HashMap<String, Link>,
    by_ssid: HashMap<String, String>,
}

impl Directory {
    async fn load(st: &AppState, c: &Caller) -> ScimResult<Directory> {
        let users = st.dossier.users(c, &UserFilter::default(), ALL).await?.0;
        let mut d = Directory {
            by_login: HashMap::with_capacity(users.len()),
            by_ssid: HashMap::with_capacity(users.len()),
        };
        for u in users {
            d.by_ssid.insert(u.ssid.clone(), u.id.clone());
            d.by_login.insert(
                u.id,
                Link {
                    ssid: u.ssid,
                    display: u.full_name,
                },
            );
        }
        Ok(d)
    }

    async fn members(&self, st: &AppState, c: &Caller, g: &Group) -> ScimResult<Vec<Link>> {
        Ok(st
            .dossier
            .group_members(c, &g.id)
            .await?
            .iter()
            .filter_map(|login| self.by_login.get(login).cloned())
            .collect())
    }

    /// Login ids for member SCIM ids; an unknown id is the client's error.
    fn logins(&self, ssids: &[String]) -> ScimResult<Vec<String>> {
        ssids
            .iter()
            .map(|s| {
                self.by_ssid.get(s).cloned().ok_or_else(|| {
                    ScimError::bad("invalidValue", format!("no user has the id '{s}'"))
                })
            })
            .collect()
    }
}

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

/// The groups a filter can possibly match, narrowed in the store by its top-level `id`,
/// `externalId` or `displayName` equality when it has one.
async fn candidates(st: &AppState, c: &Caller, f: Option<&Filter>) -> ScimResult<Vec<Group>> {
    let d = &st.dossier;
    if let Some(ssid) = f.and_then(|f| f.required_eq("id")) {
        return match d.group_by_ssid(c, ssid).await {
            Ok(g) => Ok(vec![g]),
            Err(DomainError::NotFound(_)) => Ok(vec![]),
            Err(e) => Err(e.into()),
        };
    }
    let mut gf = GroupFilter::default();
    if let Some(ex) = f.and_then(|f| f.required_eq("externalId")) {
        gf.external_id = Some(ex.to_string());
    } else if let Some(name) = f.and_then(|f| f.required_eq("displayName")) {
        // A containment match on id or name: a superset the filter then narrows.
        gf.query = Some(name.to_string());
    }
    Ok(d.groups(c, &gf, ALL).await?.0)
}

/// The customer's groups that pass the filter, as full SCIM JSON. Members are loaded
/// only when the filter or sort order needs them; the flag says whether they were.
pub(super) async fn matching(
    st: &AppState,
    c: &Caller,
    base: &str,
    params: &ListParams,
) -> ScimResult<(Vec<Value>, bool)> {
    let groups = candidates(st, c, params.filter.as_ref()).await?;
    let dir = if params.looks_at("members") {
        Some(Directory::load(st, c).await?)
    } else {
        None
    };
    let mut all = Vec::with_capacity(groups.len());
    for g in &groups {
        let members = match &dir {
            Some(d) => Some(d.members(st, c, g).await?),
            None => None,
        };
        let r = group_json(g, members.as_deref(), base);
        if params.keeps(KIND, &r) {
            all.push(r);
        }
    }
    Ok((all, dir.is_some()))
}

/// One listed group as the response carries it: its members added if wanted and not
/// loaded yet, then projected.
pub(super) async fn finish(
    st: &AppState,
    c: &Caller,
    base: &str,
    page: Vec<Value>,
    members_loaded: bool,
    projection: &Projection,
) -> ScimResult<Vec<Value>> {
    if members_loaded || !projection.wants(KIND, "members") || page.is_empty() {
        return Ok(page.iter().map(|r| project(KIND, r, projection)).collect());
    }
    let dir = Directory::load(st, c).await?;
    let mut out = Vec::with_capacity(page.len());
    for r in page {
        let g = st
            .dossier
            .group_by_ssid(c, r["id"].as_str().unwrap_or_default())
            .await?;
        let full = group_json(&g, Some(&dir.members(st, c, &g).await?), base);
        out.push(project(KIND, &full, projection));
    }
    Ok(out)
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
    let page = page.into_iter().map(|(_, r)| r).collect();
    let out = finish(st, c, &base, page, loaded, &params.projection).await?;
    Ok(respond(
        StatusCode::OK,
        &list_response(out, total, params.start_index),
    ))
}

async fn present(
    st: &AppState,
    c: &Caller,
    g: &Group,
    base: &str,
    projection: &Projection,
    status: StatusCode,
) -> ScimResult<Response> {
    let members = if projection.wants(KIND, "members") {
        let dir = Directory::load(st, c).await?;
        Some(dir.members(st, c, g).await?)
    } else {
        None
    };
    let full = group_json(g, members.as_deref(), base);
    Ok(respond_resource(
        status,
        &project(KIND, &full, projection),
        g.version,
    ))
}

/// displayName identifies a group to people and to Entra's matching rules: two groups of
/// one customer may not share it.
async fn check_name_free(
    st: &AppState,
    c: &Caller,
    name: &str,
    except: Option<&Group>,
) -> ScimResult<()> {
    let filter = GroupFilter {
        query: Some(name.to_string()),
        ..GroupFilter::default()
    };
    let taken = st
        .dossier
        .groups(c, &filter, ALL)
        .await?
        .0
        .into_iter()
        .any(|g| g.full_name.eq_ignore_ascii_case(name) && except.is_none_or(|e| e.id != g.id));
    if taken {
        return Err(ScimError::uniqueness(format!(
            "a group named '{name}' already exists"
        )));
    }
    Ok(())
}

/// A free group id for a new group's name (`TAX`, then `TAX_2`, …).
async fn free_id(st: &AppState, c: &Caller, name: &str) -> ScimResult<String> {
    let stem = group_id_from(name);
    for n in 1..1000 {
        let id = if n == 1 {
            stem.clone()
        } else {
            format!("{stem}_{n}")
        };
        match st.dossier.group(c, &id).await {
            Err(DomainError::NotFound(_)) => return Ok(id),
            Err(e) => return Err(e.into()),
            Ok(_) => {}
        }
    }
    Err(ScimError::uniqueness(format!(
        "too many groups are named like '{name}'"
    )))
}

pub async fn create(
    State(st): State<AppState>,
    Provisioner(c): Provisioner,
    headers: HeaderMap,
    ScimQuery(q): ScimQuery,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let input = group_input(&body)?;
    check_name_free(&st, &c, &input.display_name, None).await?;
    let logins = if input.members.is_empty() {
        vec![]
    } else {
        Directory::load(&st, &c).await?.logins(&input.members)?
    };
    let id = free_id(&st, &c, &input.display_name).await?;
    let mut changes = input.changes();
    changes.group_nos = Some(USER_NOS_ENTERPRISE);
    let g = st
        .dossier
        .create_group(&c, &id, changes, &logins)
        .await
        .map_err(ScimError::on_create)?;
    present(
        &st,
        &c,
        &g,
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
    let g = st.dossier.group_by_ssid(&c, &id).await?;
    if not_modified(&headers, g.version) {
        return Ok(not_modified_response(g.version));
    }
    present(
        &st,
        &c,
        &g,
        &base_url(&st, &headers),
        &Projection::from_query(&q),
        StatusCode::OK,
    )
    .await
}

/// Makes the group what `input` describes: its name and external id, then its members.
async fn save(
    st: &AppState,
    c: &Caller,
    g: Group,
    dir: &Directory,
    input: GroupInput,
) -> ScimResult<Group> {
    let mut g = g;
    if g.full_name != input.display_name || g.group_id_ex != input.external_id {
        if !g.full_name.eq_ignore_ascii_case(&input.display_name) {
            check_name_free(st, c, &input.display_name, Some(&g)).await?;
        }
        g = st.dossier.update_group(c, &g.id, input.changes()).await?;
    }
    let wanted: BTreeSet<String> = dir.logins(&input.members)?.into_iter().collect();
    let current: BTreeSet<String> = st
        .dossier
        .group_members(c, &g.id)
        .await?
        .into_iter()
        .collect();
    if wanted != current {
        let wanted: Vec<String> = wanted.into_iter().collect();
        st.dossier
            .change_group_members(c, &g.id, MemberAction::Replace, &wanted)
            .await?;
        g = st.dossier.group(c, &g.id).await?;
    }
    Ok(g)
}

pub async fn replace(
    State(st): State<AppState>,
    Provisioner(c): Provisioner,
    Id(id): Id,
    headers: HeaderMap,
    ScimQuery(q): ScimQuery,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let g = st.dossier.group_by_ssid(&c, &id).await?;
    check_if_match(&headers, g.version)?;
    let input = group_input(&body)?;
    let dir = Directory::load(&st, &c).await?;
    let g = save(&st, &c, g, &dir, input).await?;
    present(
        &st,
        &c,
        &g,
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
    let g = st.dossier.group_by_ssid(&c, &id).await?;
    check_if_match(&headers, g.version)?;
    let ops = patch::parse_request(&body)?;
    let base = base_url(&st, &headers);
    let dir = Directory::load(&st, &c).await?;
    let original: Value = group_json(&g, Some(&dir.members(&st, &c, &g).await?), &base);
    let mut patched = original.clone();
    patch::apply(KIND, &mut patched, &ops)?;
    let g = if patched == original {
        g
    } else {
        save(&st, &c, g, &dir, group_input(&patched)?).await?
    };
    present(
        &st,
        &c,
        &g,
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
    let g = st.dossier.group_by_ssid(&c, &id).await?;
    check_if_match(&headers, g.version)?;
    st.dossier.delete_group(&c, &g.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
