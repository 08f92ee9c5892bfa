//! Document search parameters (docs/imanage-api.md §4): text (`anywhere`, `body`, email
//! fields), facets, order and paging beside the profile filters, read into the service's
//! `DocumentSearch`, and the index's answer shaped for the wire. The service decides whether
//! a library's search needs the index (`DocumentSearch::needs_index`); a search across
//! libraries (`V2/documents?libraries=A,B`) always does.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use dossier_core::LibraryId;
use dossier_core::query::Page;
use dossier_service::Caller;
use dossier_service::search::query::{
    DocumentSearch, FacetValue, SearchOptions, SearchPage, TextCriteria, facetable,
};
use dossier_service::search::{FacetField, Node, Sort, SortField, parse_query};
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::dto;
use crate::error::{ApiError, ApiResult};
use crate::extract::{InDocument, InLibrary, JsonObject, Paging, Params, Q};
use crate::work::filters::{document_date, document_filter, flatten_post, today};
use crate::work::forms::Today;

pub(crate) fn parsed(q: &Q, name: &str) -> ApiResult<Option<Node>> {
    q.text(name)
        .map(|t| parse_query(t).map_err(|e| ApiError::invalid(name, e.0)))
        .transpose()
}

/// Words of a plain-text field (a comment, a name in a header), as a phrase when they do
/// not parse as a query: these parameters are not the query language.
pub(crate) fn words(q: &Q, name: &str) -> Option<Node> {
    q.text(name)
        .map(|t| parse_query(t).unwrap_or_else(|_| Node::Phrase(t.replace('"', " "))))
}

fn range(q: &Q, name: &str, today: Today) -> ApiResult<(Option<i64>, Option<i64>)> {
    let (from, to) = document_date(q, name, today)?;
    Ok((from.map(|t| t.timestamp()), to.map(|t| t.timestamp())))
}

fn text_criteria(q: &Q, today: Today) -> ApiResult<TextCriteria> {
    Ok(TextCriteria {
        anywhere: parsed(q, "anywhere")?,
        body: parsed(q, "body")?,
        subject: words(q, "subject"),
        from: words(q, "from").or_else(|| words(q, "sender")),
        to: words(q, "to").or_else(|| words(q, "recipient")),
        cc: words(q, "cc"),
        comments: words(q, "comments").or_else(|| words(q, "description")),
        sent_date: range(q, "sent_date", today)?,
        received_date: range(q, "received_date", today)?,
    })
}

/// `sort_by` as asked (`None` when absent).
fn sort_field(q: &Q) -> ApiResult<Option<SortField>> {
    q.choice(
        "sort_by",
        &[
            ("relevance", SortField::Relevance),
            ("score", SortField::Relevance),
            ("document_number", SortField::Number),
            ("number", SortField::Number),
            ("id", SortField::Number),
            ("name", SortField::Name),
            ("edit_date", SortField::EditDate),
            ("create_date", SortField::CreateDate),
        ],
    )
}

/// `sort_order` as asked (`None` when absent).
fn sort_descending(q: &Q) -> ApiResult<Option<bool>> {
    q.choice("sort_order", &[("asc", false), ("desc", true)])
}

pub(crate) fn sort(q: &Q, has_text: bool) -> ApiResult<Sort> {
    let field = sort_field(q)?.unwrap_or(if has_text {
        SortField::Relevance
    } else {
        SortField::Number
    });
    let descending = sort_descending(q)?.unwrap_or(matches!(
        field,
        SortField::Relevance | SortField::EditDate | SortField::CreateDate
    ));
    Ok(Sort { field, descending })
}

/// What an index search asks for beyond its filters, from its parameters.
pub(crate) fn options(q: &Q, sort: Sort, page: Page) -> ApiResult<SearchOptions> {
    Ok(SearchOptions {
        sort,
        page,
        facets: facets(q)?,
        results: q.flag("results")?.unwrap_or(true),
    })
}

/// A facet's name on the wire: `customN`, `class`, `type`, `author`.
pub fn facet_name(f: FacetField) -> String {
    match f {
        FacetField::Custom(n) => format!("custom{n}"),
        FacetField::Class => "class".into(),
        FacetField::DocType => "type".into(),
        FacetField::Author => "author".into(),
    }
}

fn facets(q: &Q) -> ApiResult<Vec<FacetField>> {
    let Some(raw) = q.text("facets") else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|f| {
            let named = match f.to_ascii_lowercase().as_str() {
                "class" => Some(FacetField::Class),
                "type" => Some(FacetField::DocType),
                "author" => Some(FacetField::Author),
                other => other
                    .strip_prefix("custom")
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|n| {
                        (1..=dossier_core::custom::CUSTOM_COUNT).contains(n) && facetable(*n)
                    })
                    .map(FacetField::Custom),
            };
            named.ok_or_else(|| {
                ApiError::invalid(
                    "facets",
                    format!("'{f}' cannot be faceted: use class, type, author or lookup fields custom1–custom12, custom29, custom30"),
                )
            })
        })
        .collect()
}

/// A document search's parameters as the service takes them; `library` is the one a
/// `container_id` must lie in (the first, for a search across libraries).
pub async fn document_search(
    state: &AppState,
    caller: &Caller,
    library: &LibraryId,
    q: &Q,
    paging: &Paging,
) -> ApiResult<DocumentSearch> {
    // One "today" for every relative date of the search.
    let today = today(&state.dossier, q)?;
    let text = text_criteria(q, today)?;
    let sort_by = sort_field(q)?;
    let descending = sort_descending(q)?;
    let query = document_filter(&state.dossier, caller, library, q, today).await?;
    Ok(DocumentSearch {
        query,
        text,
        sort_by,
        descending,
        facets: facets(q)?,
        results: q.flag("results")?.unwrap_or(true),
        page: paging.page,
        keyset: paging.cursor_mode,
    })
}

/// Runs an index search over `libraries` and shapes the answer (see `answer`).
pub async fn run(
    state: &AppState,
    caller: &Caller,
    libraries: Vec<LibraryId>,
    q: &Q,
    post: bool,
) -> ApiResult<Response> {
    let Some(first) = libraries.first() else {
        return Err(ApiError::invalid("libraries", "no library to search"));
    };
    let paging = q.paging(500)?;
    let search = document_search(state, caller, first, q, &paging).await?;
    let results = search.results;
    let page = state
        .dossier
        .find_documents_in(caller, &libraries, search)
        .await?;
    Ok(answer(&page, caller, &paging, results, post))
}

/// An index search's answer: GET as `{data:{results, facets?}, total_count?, cursor?}`,
/// POST as `{data:[…], overflow, facets?}`; `results=false` leaves the hits out.
pub(crate) fn answer(
    page: &SearchPage,
    caller: &Caller,
    paging: &Paging,
    results: bool,
    post: bool,
) -> Response {
    let cursor = paging.cursor(page.more, page.hits.last().map(|h| h.view.doc.id.number));
    let items: Vec<Value> = page.hits.iter().map(|h| hit(h, caller)).collect();
    let shape = if post { Shape::Search } else { Shape::Results };
    envelope(
        shape,
        results.then_some(items),
        facets_json(&page.facets),
        page.total,
        cursor,
        page.more,
    )
}

/// The list envelope a search answers in (docs/imanage-api.md §4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// GET searches: `{data:{results, facets?}, total_count?, cursor?}`.
    Results,
    /// GET lists: `{data:[…], facets?, total_count?, cursor?}`.
    List,
    /// POST searches: `{data:[…], overflow, facets?, total_count?}`.
    Search,
}

/// An index search's answer in `shape`; `items` is `None` for `results=false`.
pub(crate) fn envelope(
    shape: Shape,
    items: Option<Vec<Value>>,
    facets: Option<Value>,
    total: Option<u64>,
    cursor: Option<String>,
    more: bool,
) -> Response {
    let mut o = Map::new();
    match shape {
        Shape::Search | Shape::List => {
            o.insert("data".into(), Value::Array(items.unwrap_or_default()));
            if shape == Shape::Search {
                o.insert("overflow".into(), json!(more));
            }
            if let Some(f) = facets {
                o.insert("facets".into(), f);
            }
        }
        Shape::Results => {
            let mut data = Map::new();
            if let Some(items) = items {
                data.insert("results".into(), Value::Array(items));
            }
            if let Some(f) = facets {
                data.insert("facets".into(), f);
            }
            o.insert("data".into(), Value::Object(data));
        }
    }
    if shape != Shape::Search
        && let Some(c) = cursor
    {
        o.insert("cursor".into(), json!(c));
    }
    if let Some(t) = total {
        o.insert("total_count".into(), json!(t));
    }
    axum::Json(Value::Object(o)).into_response()
}

fn hit(h: &dossier_service::search::query::SearchHit, caller: &Caller) -> Value {
    let mut v = dto::document(&h.view, caller, None);
    if let Value::Object(o) = &mut v {
        o.insert("score".into(), json!(h.score));
        let mut marks = Map::new();
        if let Some(n) = &h.name_highlight {
            marks.insert("name".into(), json!(n));
        }
        if let Some(b) = &h.body_highlight {
            marks.insert("body".into(), json!(b));
        }
        if !marks.is_empty() {
            o.insert("highlights".into(), Value::Object(marks));
        }
    }
    v
}

pub(crate) fn facets_json(facets: &[(FacetField, Vec<FacetValue>)]) -> Option<Value> {
    if facets.is_empty() {
        return None;
    }
    let mut o = Map::new();
    for (field, values) in facets {
        o.insert(
            facet_name(*field),
            Value::Array(
                values
                    .iter()
                    .map(|v| json!({"alias": v.alias, "count": v.count, "description": v.description}))
                    .collect(),
            ),
        );
    }
    Some(Value::Object(o))
}

/// The libraries of a customer-level search: `libraries=A,B`, or every library the caller
/// may use.
pub(crate) async fn customer_libraries(
    state: &AppState,
    caller: &Caller,
    p: &Params,
    q: &Q,
) -> ApiResult<Vec<LibraryId>> {
    let customer = p.customer()?;
    match q.text("libraries") {
        Some(list) => {
            let mut out = Vec::new();
            for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                out.push(state.dossier.library(caller, customer, name).await?);
            }
            Ok(out)
        }
        None => Ok(state
            .dossier
            .libraries(caller, customer)
            .await?
            .into_iter()
            .map(|l| l.id)
            .collect()),
    }
}

/// `GET V2/customers/{c}/documents`: a search across libraries.
pub async fn customer_get(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    q: Q,
) -> ApiResult<Response> {
    let libraries = customer_libraries(&state, &caller, &p, &q).await?;
    run(&state, &caller, libraries, &q, false).await
}

/// `POST V2/customers/{c}/documents/search`.
pub async fn customer_post(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let q = flatten_post(&body)?;
    let libraries = customer_libraries(&state, &caller, &p, &q).await?;
    run(&state, &caller, libraries, &q, true).await
}

/// `GET L/search/status` (administrators): the index's lag behind the outbox and the
/// documents by index outcome.
pub async fn status(
    State(state): State<AppState>,
    InLibrary {
        caller,
        library: lib,
    }: InLibrary,
) -> ApiResult<Response> {
    let lag = state.dossier.index_lag(&caller).await?;
    let mut outcomes = Map::new();
    for (l, outcome, n) in &lag.outcomes {
        if l == lib.as_str() {
            outcomes.insert(outcome.clone(), json!(n));
        }
    }
    Ok(crate::reply::data(json!({
        "applied_sequence": lag.applied_seq,
        "newest_sequence": lag.newest_seq,
        "lag_events": (lag.newest_seq - lag.applied_seq).max(0),
        "lag_seconds": lag.lag_seconds,
        "index_entries": lag.entries,
        "documents": outcomes,
    })))
}

/// `GET L/documents/{id}/index-status`: what the index holds for one document.
pub async fn document_status(
    State(state): State<AppState>,
    InDocument {
        caller,
        document: r,
        ..
    }: InDocument,
) -> ApiResult<Response> {
    let status = state.dossier.index_status(&caller, &r).await?;
    Ok(crate::reply::data(match status {
        None => json!({"status": "pending"}),
        Some(s) => json!({
            "status": s.outcome,
            "reason": s.reason,
            "version": s.version,
            "indexed_at": dossier_core::custom::format_timestamp(s.indexed_at),
        }),
    }))
}
