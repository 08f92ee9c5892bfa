//! Browsing: a library's workspaces, a workspace's tree of tabs and folders, a folder's
//! documents as a sortable, paged table. Everything listed comes from the service's trimmed
//! reads, so a workspace, folder or document the user may not read is not in a tree, a
//! table or a count.

use askama::Template;
use axum::extract::{Path, Query, State};
use dossier_api::AppState;
use dossier_core::model::{Container, ContainerKind};
use dossier_core::query::{ContainerQuery, DocumentQuery, Page};
use dossier_core::{ContainerId, LibraryId};
use dossier_service::Caller;
use dossier_service::search::SortField;
use dossier_service::search::query::{DocumentSearch, TextCriteria};
use serde::Deserialize;

use crate::home::current_library;
use crate::page::{self, Chrome, Failure, PageResult};
use crate::session::Signed;
use crate::view::{ContainerRow, DocumentRow, container_href};

/// Rows of a folder's table per page.
const PAGE_ROWS: i64 = 50;
/// Workspaces a library page lists at once.
const WORKSPACES: i64 = 100;

fn container_id(raw: &str) -> Result<ContainerId, Failure> {
    raw.parse::<ContainerId>()
        .map_err(|_| Failure::from(page::not_found()))
}

/// The library of a URL, once the user is known to be a member (else the page is missing).
async fn member_of(state: &AppState, caller: &Caller, library: &LibraryId) -> Result<(), Failure> {
    state
        .dossier
        .library(caller, caller.customer_id, library.as_str())
        .await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct LibraryQuery {
    /// Workspace name, client or matter, as typed.
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "library.html")]
struct LibraryPage {
    chrome: Chrome,
    library: String,
    q: String,
    workspaces: Vec<ContainerRow>,
    more: bool,
}

pub async fn library(
    State(state): State<AppState>,
    signed: Signed,
    Path(library): Path<String>,
    Query(q): Query<LibraryQuery>,
) -> PageResult {
    let caller = signed.caller();
    let (library, _) = current_library(&state, caller, Some(&library)).await?;
    let typed = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let query = ContainerQuery {
        kinds: vec![ContainerKind::Workspace],
        // Names, descriptions, client and matter all match as typed, with wildcards.
        name_or_description: typed.map(|t| format!("*{t}*")),
        ..ContainerQuery::default()
    };
    let (mut found, _) = state
        .dossier
        .search_containers(
            caller,
            &library,
            &query,
            Page {
                limit: WORKSPACES + 1,
                want_total: false,
                ..Page::default()
            },
        )
        .await?;
    let more = found.len() as i64 > WORKSPACES;
    found.truncate(WORKSPACES as usize);
    Ok(page::ok(&LibraryPage {
        chrome: Chrome::of(&signed.0),
        library: library.as_str().to_string(),
        q: typed.unwrap_or_default().to_string(),
        workspaces: found.iter().map(ContainerRow::of).collect(),
        more,
    }))
}

/// A line of a workspace's tree: a tab or folder at its depth, in pre-order and name order.
pub struct TreeRow {
    pub row: ContainerRow,
    /// 0 for the workspace's tabs and top folders; shown as indentation (capped).
    pub depth: usize,
}

/// The tabs and folders of a workspace as a tree, with `current` marked.
async fn tree(
    state: &AppState,
    caller: &Caller,
    workspace: &Container,
    current: Option<i64>,
) -> Result<Vec<TreeRow>, Failure> {
    let (mut all, _) = state
        .dossier
        .search_containers(
            caller,
            &workspace.id.library,
            &ContainerQuery {
                workspace: Some(workspace.id.number),
                kinds: vec![
                    ContainerKind::Tab,
                    ContainerKind::Folder,
                    ContainerKind::SearchFolder,
                ],
                ..ContainerQuery::default()
            },
            Page {
                limit: 10_000,
                want_total: false,
                ..Page::default()
            },
        )
        .await?;
    all.sort_by_key(|c| c.name.to_lowercase());
    let mut out = Vec::with_capacity(all.len());
    // Depth-first from the workspace; a folder whose parent the user cannot see is not
    // reached, like everything under it.
    let mut stack: Vec<(i64, usize)> = vec![(workspace.id.number, 0)];
    let mut seen = std::collections::HashSet::new();
    while let Some((parent, depth)) = stack.pop() {
        if parent != workspace.id.number
            && let Some(c) = all.iter().find(|c| c.id.number == parent)
        {
            let mut row = ContainerRow::of(c);
            row.current = current == Some(parent);
            out.push(TreeRow {
                row,
                depth: depth - 1,
            });
        }
        if !seen.insert(parent) {
            continue;
        }
        for c in all.iter().rev().filter(|c| c.parent == Some(parent)) {
            stack.push((c.id.number, depth + 1));
        }
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "workspace.html")]
struct WorkspacePage {
    chrome: Chrome,
    workspace: ContainerRow,
    library: String,
    tree: Vec<TreeRow>,
}

pub async fn workspace(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> PageResult {
    let caller = signed.caller();
    let id = container_id(&id)?;
    member_of(&state, caller, &id.library).await?;
    let ws = state
        .dossier
        .container(caller, &id, &[ContainerKind::Workspace])
        .await?;
    let tree = tree(&state, caller, &ws, None).await?;
    Ok(page::ok(&WorkspacePage {
        chrome: Chrome::of(&signed.0),
        workspace: ContainerRow::of(&ws),
        library: id.library.as_str().to_string(),
        tree,
    }))
}

/// A folder table's order: the document number (the database's order), or name or date
/// (the search index's).
#[derive(Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    #[default]
    Number,
    Name,
    Modified,
}

#[derive(Deserialize)]
pub struct FolderQuery {
    #[serde(default)]
    sort: Order,
    #[serde(default)]
    desc: bool,
    #[serde(default)]
    page: u32,
}

#[derive(Template)]
#[template(path = "folder.html")]
struct FolderPage {
    chrome: Chrome,
    folder: ContainerRow,
    /// The folder's ancestors, workspace first.
    path: Vec<ContainerRow>,
    tree: Vec<TreeRow>,
    subfolders: Vec<ContainerRow>,
    documents: Vec<DocumentRow>,
    total: i64,
    page: u32,
    pages: u32,
    sort: &'static str,
    desc: bool,
    folder_href: String,
}

pub async fn folder(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(q): Query<FolderQuery>,
) -> PageResult {
    let caller = signed.caller();
    let d = &state.dossier;
    let id = container_id(&id)?;
    member_of(&state, caller, &id.library).await?;
    let folder = d
        .container(
            caller,
            &id,
            &[
                ContainerKind::Folder,
                ContainerKind::Tab,
                ContainerKind::SearchFolder,
            ],
        )
        .await?;
    let path = d.container_path(caller, &id).await?;
    let workspace = path
        .iter()
        .find(|c| c.kind == ContainerKind::Workspace)
        .cloned();
    let tree = match &workspace {
        Some(ws) => tree(&state, caller, ws, Some(id.number)).await?,
        None => Vec::new(),
    };
    let subfolders = {
        let (all, _) = d
            .search_containers(
                caller,
                &id.library,
                &ContainerQuery {
                    parent: Some(id.number),
                    ..ContainerQuery::default()
                },
                Page {
                    limit: 1000,
                    want_total: false,
                    ..Page::default()
                },
            )
            .await?;
        all.iter().map(ContainerRow::of).collect()
    };
    let query = DocumentQuery {
        folders: Some(vec![id.number]),
        ..DocumentQuery::default()
    };
    let page_no = q.page;
    let page = Page {
        limit: PAGE_ROWS,
        offset: i64::from(page_no) * PAGE_ROWS,
        after: None,
        want_total: true,
    };
    let (documents, total) = match q.sort {
        Order::Number => {
            let (views, total) = d.documents_in(caller, &id.library, &query, page).await?;
            (
                views.iter().map(DocumentRow::of).collect(),
                total.unwrap_or(0),
            )
        }
        order => {
            let found = d
                .find_documents_in(
                    caller,
                    std::slice::from_ref(&id.library),
                    DocumentSearch {
                        query,
                        text: TextCriteria::default(),
                        sort_by: Some(if order == Order::Name {
                            SortField::Name
                        } else {
                            SortField::EditDate
                        }),
                        descending: Some(q.desc),
                        results: true,
                        page,
                        ..DocumentSearch::default()
                    },
                )
                .await?;
            (
                found
                    .hits
                    .iter()
                    .map(|h| DocumentRow::of(&h.view))
                    .collect(),
                found.total.map_or(0, |t| t as i64),
            )
        }
    };
    let pages = ((total + PAGE_ROWS - 1) / PAGE_ROWS).max(1) as u32;
    let ancestors = path
        .iter()
        .filter(|c| c.id.number != id.number)
        .map(ContainerRow::of)
        .collect();
    Ok(page::ok(&FolderPage {
        chrome: Chrome::of(&signed.0),
        folder_href: container_href(&folder),
        folder: ContainerRow::of(&folder),
        path: ancestors,
        tree,
        subfolders,
        documents,
        total,
        page: page_no,
        pages,
        sort: match q.sort {
            Order::Number => "number",
            Order::Name => "name",
            Order::Modified => "modified",
        },
        desc: q.desc,
    }))
}
