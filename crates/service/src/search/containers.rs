//! Workspaces and folders in the search index: the entries the indexer writes for them, and
//! the index search behind `GET/POST L/workspaces[/search]`, `V2/workspaces` and
//! `L/folders/search` when they carry text, a file target, facets or relevance order.
//!
//! The search builds the same `SearchRequest` document searches build (`query::request`),
//! with the same trimming (`query::trim`) and paging (`query::paged`), and reads the page
//! back through the database's visibility filter, so a hit the index has not caught up on
//! is dropped, never shown.

use std::collections::{BTreeSet, HashMap};

use dossier_core::model::Container;
use dossier_core::query::{ContainerQuery, CustomMatch, DocumentQuery, Page};
use dossier_core::{DomainError, LibraryId};
use dossier_index::{Change, ContainerCriteria, IndexableContainer, Kind, SortField};
use dossier_store::AnyConnection;

use super::query::{SearchOptions, TextCriteria};
use crate::{Caller, Dossier, Result};

/// The index entries of these containers: each one as it is now, or its removal when it
/// no longer exists.
pub(crate) async fn changes(
    conn: &mut AnyConnection,
    library: &str,
    numbers: &BTreeSet<i64>,
) -> Result<Vec<Change>> {
    let lib = LibraryId::parse(library)?;
    let numbers: Vec<i64> = numbers.iter().copied().collect();
    // Templates are never searched for, so the index never holds them.
    let found: Vec<Container> = dossier_store::containers::many(conn, &lib, &numbers)
        .await?
        .into_iter()
        .filter(|c| !c.is_template)
        .collect();
    let present: BTreeSet<i64> = found.iter().map(|c| c.id.number).collect();
    let mut out: Vec<Change> = numbers
        .iter()
        .filter(|n| !present.contains(n))
        .map(|n| Change::RemoveContainer {
            library: library.to_string(),
            number: *n,
        })
        .collect();
    let customs: Vec<&dossier_core::CustomValues> = found.iter().map(|c| &c.customs).collect();
    let described = super::lookups::descriptions(conn, &lib, &customs).await?;
    for (c, profile) in found.into_iter().zip(described) {
        out.push(Change::PutContainer(Box::new(IndexableContainer {
            container: c,
            profile,
        })));
    }
    Ok(out)
}

/// What a workspace or folder search asks of the index beyond the profile filters it
/// shares with documents.
#[derive(Clone, Debug, Default)]
pub struct ContainerSearch {
    pub kind: ContainerSearchKind,
    /// The profile filters, as documents take them: names, `name_or_description`, the
    /// typed custom fields, create and edit dates.
    pub profile: DocumentQuery,
    /// `anywhere` and `description` (words of the description).
    pub text: TextCriteria,
    pub owner: Option<String>,
    /// `email` and `workspace_name` are not in the index: the database resolves them to
    /// container numbers before the index is asked.
    pub email: Option<String>,
    pub workspace_name: Option<String>,
    pub file_target: Option<String>,
    /// `container_id`: direct children of this container.
    pub parent: Option<i64>,
    /// `include_ids`: only these containers.
    pub numbers: Vec<i64>,
}

impl ContainerSearch {
    /// Whether only the index can answer this search, asked in `order` (the order the
    /// client named, number order when it named none) with `options`: words to match
    /// (`anywhere`), `file_target`, create or edit dates, the typed custom fields
    /// (custom17–24) and ranges, facets, an order other than number order, or a count
    /// without results. A search of names, owners, descriptions and lookup values stays on
    /// the database, which is exact the moment a write returns.
    pub fn needs_index(&self, order: SortField, options: &SearchOptions) -> bool {
        let p = &self.profile;
        self.text.anywhere.is_some()
            || self.file_target.is_some()
            || [p.create_from, p.create_to, p.edit_from, p.edit_to]
                .iter()
                .any(Option::is_some)
            || p.customs
                .iter()
                .any(|(n, m)| (17..=24).contains(n) || !matches!(m, CustomMatch::Equals(_)))
            || !options.facets.is_empty()
            || order != SortField::Number
            || !options.results
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ContainerSearchKind {
    #[default]
    Workspaces,
    /// Folders, tabs and search folders.
    Folders,
}

impl ContainerSearchKind {
    /// The kinds of container this search returns.
    pub fn kinds(self) -> Vec<dossier_core::model::ContainerKind> {
        use dossier_core::model::ContainerKind;
        match self {
            ContainerSearchKind::Workspaces => vec![ContainerKind::Workspace],
            ContainerSearchKind::Folders => vec![
                ContainerKind::Folder,
                ContainerKind::Tab,
                ContainerKind::SearchFolder,
            ],
        }
    }
}

/// One hit: the container and its score.
#[derive(Clone, Debug)]
pub struct ContainerHit {
    pub container: Container,
    pub score: f32,
}

pub type ContainerPage = super::query::HitPage<ContainerHit>;

impl Dossier {
    /// A workspace or folder search of the index across `libraries`, trimmed to the caller.
    pub async fn search_containers_indexed(
        &self,
        caller: &Caller,
        libraries: &[LibraryId],
        q: &ContainerSearch,
        options: &SearchOptions,
    ) -> Result<ContainerPage> {
        let search = self.search()?;
        let mut r = super::query::request(&q.profile, &q.text);
        r.kind = match q.kind {
            ContainerSearchKind::Workspaces => Kind::Workspace,
            ContainerSearchKind::Folders => Kind::Folder,
        };
        r.container = ContainerCriteria {
            owner: q.owner.clone(),
            file_target: q.file_target.clone(),
        };
        r.folders = q.parent.map(|p| vec![p]);
        r.numbers = match self.resolved_numbers(libraries, q).await? {
            Some(numbers) if numbers.is_empty() => {
                return Ok(ContainerPage {
                    hits: Vec::new(),
                    total: options.page.want_total.then_some(0),
                    facets: options.facets.iter().map(|f| (*f, Vec::new())).collect(),
                    more: false,
                });
            }
            Some(numbers) => numbers,
            None => q.numbers.clone(),
        };
        let mut visibility = HashMap::new();
        for lib in libraries {
            let v = self.visibility(caller, lib).await?;
            r.libraries
                .push((lib.as_str().to_string(), super::query::trim(&v, caller)));
            visibility.insert(lib.as_str().to_string(), v);
        }
        let (found, _, hits, more) = super::query::run_paged(search, r, options).await?;
        // The page, re-read through the database's own visibility filter.
        let mut rows: HashMap<(String, i64), Container> = HashMap::new();
        let mut conn = self.store.read().await?;
        for lib in libraries {
            let numbers: Vec<i64> = hits
                .iter()
                .filter(|h| h.library == lib.as_str())
                .map(|h| h.number)
                .collect();
            if numbers.is_empty() {
                continue;
            }
            let f = ContainerQuery {
                kinds: q.kind.kinds(),
                numbers,
                ..ContainerQuery::default()
            };
            let visible = visibility.get(lib.as_str()).cloned().flatten();
            let page = Page {
                limit: f.numbers.len() as i64,
                offset: 0,
                after: None,
                want_total: false,
            };
            let (found, _) =
                dossier_store::containers::search(&mut conn, lib, &f, visible.as_ref(), page)
                    .await?;
            for c in found {
                rows.insert((lib.as_str().to_string(), c.id.number), c);
            }
        }
        let hits = hits
            .into_iter()
            .filter_map(|h| {
                rows.remove(&(h.library.clone(), h.number))
                    .map(|container| ContainerHit {
                        container,
                        score: h.score,
                    })
            })
            .collect();
        let facets = self
            .describe_facets(&mut conn, libraries, found.facets)
            .await?;
        Ok(ContainerPage {
            hits,
            total: found.total,
            facets,
            more,
        })
    }

    /// The containers `include_ids`, `email` and `workspace_name` leave, when the last two
    /// ask for any: those are answered by the database. (`None`: no such filter.) Numbers
    /// are per library, so these filters search one library at a time.
    async fn resolved_numbers(
        &self,
        libraries: &[LibraryId],
        q: &ContainerSearch,
    ) -> Result<Option<Vec<i64>>> {
        if q.email.is_none() && q.workspace_name.is_none() {
            return Ok(None);
        }
        let [library] = libraries else {
            return Err(DomainError::invalid(
                if q.email.is_some() {
                    "email"
                } else {
                    "workspace_name"
                },
                "searches one library at a time",
            ));
        };
        let f = ContainerQuery {
            kinds: q.kind.kinds(),
            email: q.email.clone(),
            workspace_name: q.workspace_name.clone(),
            numbers: q.numbers.clone(),
            ..ContainerQuery::default()
        };
        let mut conn = self.store.read().await?;
        Ok(Some(
            dossier_store::containers::numbers(&mut conn, library, &f, None).await?,
        ))
    }
}
