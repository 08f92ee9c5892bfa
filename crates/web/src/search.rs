//! Search: the box on every page. Words are matched anywhere (full text and profile) in
//! the user's current library, through the same search the Work API answers, trimmed to
//! what the user may read.

use askama::Template;
use axum::extract::{Query, State};
use dossier_api::AppState;
use dossier_core::query::{DocumentQuery, Page};
use dossier_service::search::parse_query;
use dossier_service::search::query::{DocumentSearch, TextCriteria};
use serde::Deserialize;

use crate::home::current_library;
use crate::page::{self, Chrome, PageResult};
use crate::session::Signed;
use crate::view::DocumentRow;

const PAGE_ROWS: i64 = 25;

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    library: Option<String>,
    #[serde(default)]
    page: u32,
}

pub struct Result {
    pub row: DocumentRow,
    /// The matched words in context, already escaped by the index with `<b>` marks.
    pub snippet: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    library: String,
    results: Vec<Result>,
    total: u64,
    page: u32,
    more: bool,
    problem: Option<String>,
}

pub async fn search(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let caller = signed.caller();
    let (library, _) = current_library(&state, caller, q.library.as_deref()).await?;
    let typed = q.q.trim();
    let mut page_out = SearchPage {
        chrome: Chrome::of(&signed.0).searching(typed),
        q: typed.to_string(),
        library: library.as_str().to_string(),
        results: Vec::new(),
        total: 0,
        page: q.page,
        more: false,
        problem: None,
    };
    if typed.is_empty() {
        return Ok(page::ok(&page_out));
    }
    let words = match parse_query(typed) {
        Ok(w) => w,
        Err(e) => {
            page_out.problem = Some(e.0);
            return Ok(page::ok(&page_out));
        }
    };
    let found = state
        .dossier
        .find_documents_in(
            caller,
            std::slice::from_ref(&library),
            DocumentSearch {
                query: DocumentQuery::default(),
                text: TextCriteria {
                    anywhere: Some(words),
                    ..TextCriteria::default()
                },
                results: true,
                page: Page {
                    limit: PAGE_ROWS,
                    offset: i64::from(q.page) * PAGE_ROWS,
                    after: None,
                    want_total: true,
                },
                ..DocumentSearch::default()
            },
        )
        .await?;
    page_out.total = found.total.unwrap_or(0);
    page_out.more = found.more;
    page_out.results = found
        .hits
        .iter()
        .map(|h| Result {
            row: DocumentRow::of(&h.view),
            snippet: h.body_highlight.clone(),
        })
        .collect();
    Ok(page::ok(&page_out))
}
