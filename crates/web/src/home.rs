//! The home page: the user's My Matters and My Favorites, the documents they worked on
//! last, and what they have checked out, in one library (their preferred one unless they
//! pick another).

use askama::Template;
use axum::extract::{Query, State};
use dossier_api::AppState;
use dossier_core::LibraryId;
use dossier_core::matters::CategoryKind;
use dossier_core::query::{DocumentQuery, Page};
use dossier_service::Caller;
use dossier_service::my_matters::{CategoryOwner, ShortcutTarget};
use dossier_service::search::SortField;
use dossier_service::search::query::{DocumentSearch, TextCriteria};
use serde::Deserialize;

use crate::page::{self, Chrome, PageResult};
use crate::session::Signed;
use crate::view::{ContainerRow, DocumentRow, document_href};

/// How many recent and checked-out documents the home page lists.
const LISTED: i64 = 10;

#[derive(Deserialize)]
pub struct HomeQuery {
    library: Option<String>,
}

pub struct Shortcut {
    pub href: String,
    pub name: String,
    pub kind: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    chrome: Chrome,
    libraries: Vec<String>,
    library: String,
    matters: Vec<Shortcut>,
    favorites: Vec<Shortcut>,
    recent: Vec<DocumentRow>,
    checked_out: Vec<DocumentRow>,
}

/// The library a page works in: the one asked for if the user may use it, else their
/// preferred library, else the first of theirs.
pub async fn current_library(
    state: &AppState,
    caller: &Caller,
    asked: Option<&str>,
) -> Result<(LibraryId, Vec<String>), page::Failure> {
    let d = &state.dossier;
    let libraries: Vec<String> = d
        .libraries(caller, caller.customer_id)
        .await?
        .into_iter()
        .map(|l| l.id.as_str().to_string())
        .collect();
    let preferred = match asked {
        Some(a) => Some(a.to_string()),
        None => d.userinfo(caller).await?.preferred_library,
    };
    let chosen = preferred
        .and_then(|p| {
            libraries
                .iter()
                .find(|l| l.eq_ignore_ascii_case(&p))
                .cloned()
        })
        .or_else(|| libraries.first().cloned())
        .ok_or_else(|| {
            page::error(
                axum::http::StatusCode::FORBIDDEN,
                "You are not a member of any library. Ask your DMS administrator for access.",
            )
        })?;
    Ok((LibraryId::parse(&chosen)?, libraries))
}

async fn shortcuts(
    state: &AppState,
    caller: &Caller,
    library: &LibraryId,
    kind: CategoryKind,
) -> Result<Vec<Shortcut>, page::Failure> {
    let contents = state
        .dossier
        .category_contents(caller, library, &CategoryOwner::Me, kind, None)
        .await?;
    Ok(contents
        .shortcuts
        .iter()
        .map(|s| match &s.target {
            ShortcutTarget::Container(c) => {
                let row = ContainerRow::of(c);
                Shortcut {
                    href: row.href,
                    name: row.name,
                    kind: row.kind,
                }
            }
            ShortcutTarget::Document(d) => Shortcut {
                href: document_href(d),
                name: d.name.clone(),
                kind: "Document",
            },
        })
        .collect())
}

pub async fn home(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<HomeQuery>,
) -> PageResult {
    let caller = signed.caller();
    let d = &state.dossier;
    let (library, libraries) = current_library(&state, caller, q.library.as_deref()).await?;
    let matters = shortcuts(&state, caller, &library, CategoryKind::MyMatters).await?;
    let favorites = shortcuts(&state, caller, &library, CategoryKind::MyFavorites).await?;
    // The index orders by date; "recent" is what the user changed last.
    let recent = d
        .find_documents_in(
            caller,
            std::slice::from_ref(&library),
            DocumentSearch {
                query: DocumentQuery {
                    last_user: Some(caller.user_id.clone()),
                    ..DocumentQuery::default()
                },
                text: TextCriteria::default(),
                sort_by: Some(SortField::EditDate),
                descending: Some(true),
                results: true,
                page: Page {
                    limit: LISTED,
                    ..Page::default()
                },
                ..DocumentSearch::default()
            },
        )
        .await?
        .hits
        .iter()
        .map(|h| DocumentRow::of(&h.view))
        .collect();
    let (out, _) = d
        .documents_in(
            caller,
            &library,
            &DocumentQuery {
                checked_out: Some(true),
                ..DocumentQuery::default()
            },
            Page {
                limit: 500,
                ..Page::default()
            },
        )
        .await?;
    let checked_out = out
        .iter()
        .filter(|v| {
            v.checkout
                .as_ref()
                .is_some_and(|c| c.user_id.eq_ignore_ascii_case(&caller.user_id))
        })
        .take(LISTED as usize)
        .map(DocumentRow::of)
        .collect();
    Ok(page::ok(&Home {
        chrome: Chrome::of(&signed.0),
        libraries,
        library: library.as_str().to_string(),
        matters,
        favorites,
        recent,
        checked_out,
    }))
}
