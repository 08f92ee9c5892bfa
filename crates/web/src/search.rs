//! Search: the box on every page and the advanced form. The request's parameters are the
//! Work API's search parameters (`name`, `author`, `class`, `type`, `customN`,
//! `edit_date_from`, …; the box's `q` is its `anywhere`), read by the Work API's own
//! parser (`dossier_api::work::search::document_search`) and answered by the same index
//! search, trimmed to what the user may read: totals are exact and facets count only
//! readable documents (client, matter, class, type, author). A facet value is a link that adds its filter, so results narrow as
//! facets are clicked; a chosen value is shown with a link that removes it.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use dossier_api::AppState;
use dossier_api::error::ApiError;
use dossier_api::extract::{Paging, Q};
use dossier_api::work::search::facet_name;
use dossier_core::classes::ClassFilter;
use dossier_core::custom::{CLIENT, MATTER};
use dossier_core::query::Page;
use dossier_core::{DomainError, LibraryId};
use dossier_service::Caller;
use dossier_service::search::FacetField;
use dossier_service::search::query::FacetValue;

use crate::home::current_library;
use crate::page::{self, Chrome, Failure, PageResult};
use crate::session::Signed;
use crate::view::DocumentRow;

const PAGE_ROWS: i64 = 25;
/// What the web client facets by, in the order the panel shows them.
const FACETS: [FacetField; 5] = [
    FacetField::Custom(CLIENT),
    FacetField::Custom(MATTER),
    FacetField::Class,
    FacetField::DocType,
    FacetField::Author,
];
/// The page's own parameters; every other one is a search criterion.
const OWN: [&str; 3] = ["q", "library", "page"];

pub struct Result {
    pub row: DocumentRow,
    /// The matched words in context, already escaped by the index with `<b>` marks.
    pub snippet: Option<String>,
}

/// A text input of the advanced form: a search parameter and its label.
pub struct Criterion {
    pub name: String,
    pub label: String,
    pub value: String,
}

/// A choice of a select (a class or a type).
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A value to narrow by, with how many results carry it.
pub struct FacetLink {
    pub label: String,
    pub count: u64,
    pub href: String,
}

/// One facet: its values, or the value chosen and the link that drops it.
pub struct FacetGroup {
    pub label: String,
    pub chosen: Option<(String, String)>,
    pub values: Vec<FacetLink>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    library: String,
    /// Whether any criterion was given (else only the form is shown).
    searched: bool,
    /// The advanced form is open: a criterion other than the words was given.
    advanced: bool,
    name: String,
    author: String,
    classes: Vec<Choice>,
    types: Vec<Choice>,
    customs: Vec<Criterion>,
    dates: Vec<Criterion>,
    results: Vec<Result>,
    facets: Vec<FacetGroup>,
    total: u64,
    page: u32,
    more: bool,
    /// The current search's address without its page, for the pager.
    here: String,
    problem: Option<String>,
}

/// A query string from parameters, in a stable order.
fn query_string(params: &[(String, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The search's parameters without empty ones and without its page: what links keep.
fn kept(raw: &HashMap<String, String>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = raw
        .iter()
        .filter(|(k, v)| k.as_str() != "page" && !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.trim().to_string()))
        .collect();
    out.sort();
    out
}

fn href(params: &[(String, String)]) -> String {
    format!("/search?{}", query_string(params))
}

/// The captions of the library's named custom fields (the ones its users know).
async fn captions(
    state: &AppState,
    caller: &Caller,
    library: &LibraryId,
) -> std::result::Result<HashMap<usize, String>, Failure> {
    let defs = state.dossier.custom_fields(caller, library).await?;
    Ok(defs
        .all()
        .iter()
        .filter(|d| d.enabled && !d.caption.is_empty())
        .map(|d| (d.field, d.caption.clone()))
        .collect())
}

fn facet_group(
    label: String,
    key: &str,
    values: &[FacetValue],
    params: &[(String, String)],
) -> FacetGroup {
    if let Some((_, v)) = params.iter().find(|(k, _)| k == key) {
        let without: Vec<_> = params.iter().filter(|(k, _)| k != key).cloned().collect();
        return FacetGroup {
            label,
            chosen: Some((v.clone(), href(&without))),
            values: Vec::new(),
        };
    }
    let values = values
        .iter()
        .map(|v| {
            let mut with = params.to_vec();
            with.push((key.to_string(), v.alias.clone()));
            with.sort();
            FacetLink {
                label: if v.description.is_empty() {
                    v.alias.clone()
                } else {
                    format!("{} ({})", v.description, v.alias)
                },
                count: v.count,
                href: href(&with),
            }
        })
        .collect();
    FacetGroup {
        label,
        chosen: None,
        values,
    }
}

pub async fn search(
    State(state): State<AppState>,
    signed: Signed,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let caller = signed.caller();
    let asked = raw.get("library").map(String::as_str);
    let (library, _) = current_library(&state, caller, asked).await?;
    let text = |k: &str| raw.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let typed = text("q");
    let page_no: u32 = raw.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
    let params = kept(&raw);
    let criteria = params.iter().any(|(k, _)| !OWN.contains(&k.as_str()));
    let d = &state.dossier;
    let captions = captions(&state, caller, &library).await?;
    let mut named: Vec<(&usize, &String)> = captions.iter().collect();
    named.sort();
    let classes = d
        .classes(caller, &library, &ClassFilter::default())
        .await?
        .into_iter()
        .map(|c| Choice {
            selected: c.alias.eq_ignore_ascii_case(&text("class")),
            label: format!("{} ({})", c.description, c.alias),
            value: c.alias,
        })
        .collect();
    let types = d
        .doc_types(caller, &library)
        .await?
        .into_iter()
        .map(|t| Choice {
            selected: t.alias.eq_ignore_ascii_case(&text("type")),
            label: format!("{} ({})", t.description, t.alias),
            value: t.alias,
        })
        .collect();
    let criterion = |name: &str, label: &str| Criterion {
        value: text(name),
        name: name.to_string(),
        label: label.to_string(),
    };
    let mut out = SearchPage {
        chrome: Chrome::of(&signed.0).searching(&typed),
        q: typed.clone(),
        library: library.as_str().to_string(),
        searched: !typed.is_empty() || criteria,
        advanced: criteria,
        name: text("name"),
        author: text("author"),
        classes,
        types,
        customs: named
            .iter()
            .map(|(n, caption)| criterion(&format!("custom{n}"), caption))
            .collect(),
        dates: vec![
            criterion("edit_date_from", "Modified from"),
            criterion("edit_date_to", "Modified before"),
            criterion("create_date_from", "Created from"),
            criterion("create_date_to", "Created before"),
        ],
        results: Vec::new(),
        facets: Vec::new(),
        total: 0,
        page: page_no,
        more: false,
        here: href(&params),
        problem: None,
    };
    if !out.searched {
        return Ok(page::ok(&out));
    }
    // The Work API's parameters: the box's words are its `anywhere`.
    let mut q = Q(params.iter().cloned().collect());
    q.0.remove("q");
    if !typed.is_empty() {
        q.0.insert("anywhere".into(), typed.clone());
    }
    q.0.insert("facets".into(), FACETS.map(facet_name).join(","));
    let paging = Paging {
        page: Page {
            limit: PAGE_ROWS,
            offset: i64::from(page_no) * PAGE_ROWS,
            after: None,
            want_total: true,
        },
        cursor_mode: false,
    };
    let search =
        match dossier_api::work::search::document_search(&state, caller, &library, &q, &paging)
            .await
        {
            Ok(s) => s,
            // A criterion that does not parse: the form again, with what is wrong.
            Err(ApiError(DomainError::Invalid { message, .. })) => {
                out.problem = Some(message);
                return Ok(page::render(StatusCode::BAD_REQUEST, &out));
            }
            Err(ApiError(e)) => return Err(e.into()),
        };
    let found = d
        .find_documents_in(caller, std::slice::from_ref(&library), search)
        .await?;
    out.total = found.total.unwrap_or(0);
    out.more = found.more;
    out.results = found
        .hits
        .iter()
        .map(|h| Result {
            row: DocumentRow::of(&h.view),
            snippet: h.body_highlight.clone(),
        })
        .collect();
    out.facets = found
        .facets
        .iter()
        .map(|(field, values)| {
            let label = match field {
                FacetField::Custom(n) => captions
                    .get(n)
                    .cloned()
                    .unwrap_or_else(|| format!("Custom {n}")),
                FacetField::Class => "Class".into(),
                FacetField::DocType => "Type".into(),
                FacetField::Author => "Author".into(),
            };
            // A facet's name is also the parameter that filters by it.
            facet_group(label, &facet_name(*field), values, &params)
        })
        .collect();
    Ok(page::ok(&out))
}
