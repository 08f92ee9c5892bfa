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
use dossier_service::search::query::TextCriteria;
use serde_json::{Value, json};

use crate::AppState;
use crate::dto;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonObject, Params, Q};
use crate::work::filters::{document_filter, flatten_post, today};
use crate::work::search::{
    Shape, customer_libraries, envelope, facets_json, options, parsed, sort, words,
};

/// Parameters only the index answers for workspaces and folders.
const INDEX_ONLY: &[&str] = &[
    "anywhere",
    "file_target",
    "facets",
    "create_date",
    "create_date_from",
    "create_date_to",
    "create_date_relative",
    "edit_date",
    "edit_date_from",
    "edit_date_to",
    "edit_date_relative",
];

/// Whether a workspace or folder search goes to the index. The parameters that decide it
/// are read strictly here, so a malformed one is refused on either path.
pub(crate) fn wants_index(q: &Q) -> ApiResult<bool> {
    let sort = sort(q, false)?;
    let results = q.flag("results")?;
    Ok(INDEX_ONLY.iter().any(|p| q.text(p).is_some())
        // customN_from / _to / _relative: ranges of the typed fields; custom17–24 also
        // take operator and relative forms only the shared document parser knows.
        || q.0.keys().any(|k| {
            let typed = k
                .strip_prefix("custom")
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| (17..=24).contains(&n));
            k.starts_with("custom")
                && (typed
                    || k.ends_with("_from")
                    || k.ends_with("_to")
                    || k.ends_with("_relative"))
                && q.text(k).is_some()
        })
        // The database path answers in number order only.
        || sort.field != SortField::Number
        || results == Some(false))
}

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

/// Runs a workspace or folder search of the index over `libraries` and answers in `shape`.
pub(crate) async fn run(
    state: &AppState,
    caller: &Caller,
    libraries: Vec<LibraryId>,
    q: &Q,
    kind: ContainerSearchKind,
    shape: Shape,
) -> ApiResult<Response> {
    let Some(first) = libraries.first() else {
        return Err(ApiError::invalid("libraries", "no library to search"));
    };
    let paging = q.paging(500)?;
    let text = TextCriteria {
        anywhere: parsed(q, "anywhere")?,
        comments: words(q, "description"),
        ..TextCriteria::default()
    };
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
    let page = state
        .dossier
        .search_containers_indexed(caller, &libraries, &query, &options)
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
