//! POST /.search at the root (RFC 7644 §3.4.3): one query over users and groups together,
//! filtered per type, then sorted and paged as one list.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::error::ScimResult;
use super::http::{Provisioner, ScimBody, base_url, respond};
use super::query::{ListParams, list_response};
use super::schema::ResourceKind;
use super::{groups, users};
use crate::AppState;

pub async fn search_all(
    State(st): State<AppState>,
    Provisioner(c): Provisioner,
    headers: HeaderMap,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let params = ListParams::from_search(&[ResourceKind::User, ResourceKind::Group], &body)?;
    let base = base_url(&st, &headers);
    let (user_list, groups_loaded) = users::matching(&st, &c, &base, &params).await?;
    let (group_list, members_loaded) = groups::matching(&st, &c, &base, &params).await?;
    let all = user_list
        .into_iter()
        .map(|r| (ResourceKind::User, r))
        .chain(group_list.into_iter().map(|r| (ResourceKind::Group, r)))
        .collect();
    let (page, total) = params.sort_and_page(all);
    let mut out = Vec::with_capacity(page.len());
    let mut page_groups = Vec::new();
    for (kind, r) in page {
        match kind {
            ResourceKind::User => out.push(Some(
                users::finish(&st, &c, &base, r, groups_loaded, &params.projection).await?,
            )),
            ResourceKind::Group => {
                // Placeholders keep the sorted order while groups are finished together.
                out.push(None);
                page_groups.push(r);
            }
        }
    }
    let mut finished = groups::finish(
        &st,
        &c,
        &base,
        page_groups,
        members_loaded,
        &params.projection,
    )
    .await?
    .into_iter();
    let resources = out
        .into_iter()
        .filter_map(|slot| slot.or_else(|| finished.next()))
        .collect();
    Ok(respond(
        StatusCode::OK,
        &list_response(resources, total, params.start_index),
    ))
}
