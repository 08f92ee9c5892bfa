//! Workspace and folder searches that need the search index (docs/imanage-api.md §4): `anywhere`,
//! `file_target`, facets, date and custom ranges, and an order other than number order, at
//! library level (`L/workspaces`, `L/workspaces/search`, `L/folders`, `L/folders/search`)
//! and across libraries (`V2/workspaces?libraries=A,B`). Pure profile searches stay on the
//! database path in `containers`, which is exact the moment a write returns.
//!
//! The parameters mean what they mean for documents and are parsed by the same code
//! (`search`, `filters`); only `owner`, `email`, `workspace_name`, `file_target`,
//! `container_id` and `include_ids` are the containers' own.

use axum::extract::State;
use axum::response::Response;
use dossier_core::{ContainerId, LibraryId};
use dossier_service::Caller;
use dossier_service::search::SortField;
use dossier_service::search::containers::{ContainerSearch, ContainerSearchKind};
use dossier_service::search::query::{SearchOptions, TextCriteria};
use serde_json::{Value, json};

use crate::AppState;
use crate::dto;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonObject, Paging, Params, Q};
use crate::work::filters::{document_filter, flatten_post, today};
use crate::work::search::{
    Shape, customer_libraries, envelope, facets_json, options, parsed, sort, words,
};

/// The parameters whose meaning containers share with documents: the names, the typed
/// custom fields (exact values and ranges) and the create and edit dates.
fn shared_with_documents(key: &str) -> bool {
    matches!(
        key,
        "name"
            | "name_or_description"
            | "create_date"
            | "create_date_from"
            | "create_date_to"
            | "create_date_relative"
            | "edit_date"
            | "edit_date_from"
            | "edit_date_to"
            | "edit_date_relative"
    ) || key.starts_with("custom")
}

/// A workspace or folder search read from its parameters in the index's terms.
pub(crate) struct IndexSearch {
    pub(crate) query: ContainerSearch,
    pub(crate) options: SearchOptions,
    /// The order the client named (number order when it named none), which decides with
    /// the rest whether the database can answer (`ContainerSearch::needs_index`).
    pub(crate) order: SortField,
    paging: Paging,
}

/// Runs a workspace or folder search of the index over `libraries` and answers in `shape`.
pub(crate) async fn run(
    state: &AppState,
    caller: &Caller,
    libraries: Vec<LibraryId>,
    q: &Q,
    kind: ContainerSearchKind,
    shape: Shape,
) -> ApiResult<Response> {
    let search = read(state, caller, &libraries, q, kind).await?;
    answer(state, caller, &libraries, search, shape).await
}

/// Reads a workspace or folder search over `libraries` from its parameters.
pub(crate) async fn read(
    state: &AppState,
    caller: &Caller,
    libraries: &[LibraryId],
    q: &Q,
    kind: ContainerSearchKind,
) -> ApiResult<IndexSearch> {
    let Some(first) = libraries.first() else {
        return Err(ApiError::invalid("libraries", "no library to search"));
    };
    let paging = q.paging(500)?;
    let text = TextCriteria {
        anywhere: parsed(q, "anywhere")?,
        comments: words(q, "description"),
        ..TextCriteria::default()
    };
    let order = sort(q, false)?.field;
    let mut sort = sort(q, text.anywhere.is_some() || text.comments.is_some())?;
    if paging.cursor_mode {
        // A cursor is a container number: cursor paging walks in number order.
        sort.field = SortField::Number;
    }
    // The document parser, handed only the parameters that mean the same for containers,
    // so the typed forms (and any it learns) are one code.
    let shared = Q(q
        .0
        .iter()
        .filter(|(k, _)| shared_with_documents(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect());
    let today = today(&state.dossier, q)?;
    let profile = document_filter(&state.dossier, caller, first, &shared, today).await?;
    let parent = q
        .text("container_id")
        .map(|c| c.parse::<ContainerId>())
        .transpose()?;
    if let Some(p) = &parent
        && !libraries.contains(&p.library)
    {
        return Err(ApiError::invalid(
            "container_id",
            "container_id names a library that is not searched",
        ));
    }
    let numbers = q
        .text("include_ids")
        .map(|ids| {
            ids.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|id| id.parse::<ContainerId>().map(|c| c.number))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let query = ContainerSearch {
        kind,
        profile,
        text,
        owner: q.text("owner").map(str::to_string),
        email: q.text("email").map(str::to_string),
        workspace_name: q.text("workspace_name").map(str::to_string),
        file_target: q.text("file_target").map(str::to_string),
        parent: parent.map(|p| p.number),
        numbers,
    };
    let options = options(q, sort, paging.page)?;
    Ok(IndexSearch {
        query,
        options,
        order,
        paging,
    })
}

/// Answers a workspace or folder search from the index, in `shape`.
pub(crate) async fn answer(
    state: &AppState,
    caller: &Caller,
    libraries: &[LibraryId],
    search: IndexSearch,
    shape: Shape,
) -> ApiResult<Response> {
    let IndexSearch {
        query,
        options,
        paging,
        ..
    } = search;
    let page = state
        .dossier
        .search_containers_indexed(caller, libraries, &query, &options)
        .await?;
    let cursor = paging.cursor(page.more, page.hits.last().map(|h| h.container.id.number));
    let items = page
        .hits
        .iter()
        .map(|h| {
            let mut v = dto::container(&h.container, None);
            if let Value::Object(o) = &mut v {
                o.insert("score".into(), json!(h.score));
            }
            v
        })
        .collect();
    Ok(envelope(
        shape,
        options.results.then_some(items),
        facets_json(&page.facets),
        page.total,
        cursor,
        page.more,
    ))
}

/// `GET V2/customers/{c}/workspaces` (and `GET …/workspaces/search`): a workspace search
/// across `libraries=A,B` (default: every library the caller may use). It always runs in
/// the index, as customer-level document searches do: one ranking and one page across
/// libraries.
pub async fn customer_get(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    let libraries = customer_libraries(&state, &caller, &p, &q).await?;
    run(
        &state,
        &caller,
        libraries,
        &q,
        ContainerSearchKind::Workspaces,
        Shape::Results,
    )
    .await
}

/// `POST V2/customers/{c}/workspaces/search`.
pub async fn customer_post(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let q = flatten_post(&body)?;
    let libraries = customer_libraries(&state, &caller, &p, &q).await?;
    run(
        &state,
        &caller,
        libraries,
        &q,
        ContainerSearchKind::Workspaces,
        Shape::Search,
    )
    .await
}
