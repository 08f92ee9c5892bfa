//! Running a search for a caller: the profile filter and text criteria become one index
//! request trimmed to what the caller may read in each library; the page of hits is then
//! read from the database through the same visibility filter (defence in depth: a hit the
//! index still holds after a change it has not applied yet is dropped, never shown).

use std::collections::HashMap;
use std::ops::Bound;

use dossier_core::custom::CustomKind;
use dossier_core::model::DocumentView;
use dossier_core::query::{CustomMatch, DocumentQuery, Page};
use dossier_core::{CustomValue, LibraryId};
use dossier_index::{
    CustomFilter, FacetField, Found, Highlighter, Hit, Node, SearchRequest, Sort, SortField, Trim,
};
use dossier_store::acl::Visible;

use super::{index_error, text};
use crate::{Caller, Dossier, Result};

/// Hits whose highlights are worked out: each needs its cached text read and analysed
/// again, the largest share of a text search's time after the index itself.
const HIGHLIGHTED_HITS: usize = 20;
/// How much of a text a highlight looks through: the snippet comes from the first match
/// in it (a text may hold up to the extractor's 8 MiB).
const HIGHLIGHTED_BYTES: usize = 128 * 1024;

/// The text criteria of a search, parsed (`dossier_index::parse`).
#[derive(Clone, Debug, Default)]
pub struct TextCriteria {
    pub anywhere: Option<Node>,
    pub body: Option<Node>,
    pub subject: Option<Node>,
    pub from: Option<Node>,
    pub to: Option<Node>,
    pub cc: Option<Node>,
    pub comments: Option<Node>,
    pub sent_date: (Option<i64>, Option<i64>),
    pub received_date: (Option<i64>, Option<i64>),
}

/// What a search asks for beyond its filters.
#[derive(Clone, Debug, Default)]
pub struct SearchOptions {
    pub sort: Sort,
    pub page: Page,
    /// Fields to count the top values of.
    pub facets: Vec<FacetField>,
    /// `results=false`: only totals and facets.
    pub results: bool,
}

/// One hit as returned: the document, its score and its highlighted snippets.
#[derive(Clone, Debug)]
pub struct SearchHit {
    pub view: DocumentView,
    pub score: f32,
    pub name_highlight: Option<String>,
    pub body_highlight: Option<String>,
}

/// A facet value with its count and what it stands for: the lookup entry's, class's or
/// type's description, the author's full name.
#[derive(Clone, Debug)]
pub struct FacetValue {
    pub alias: String,
    pub count: u64,
    pub description: String,
}

/// A page of an index search's hits (documents or containers), its total and facets.
#[derive(Clone, Debug)]
pub struct HitPage<H> {
    pub hits: Vec<H>,
    pub total: Option<u64>,
    pub facets: Vec<(FacetField, Vec<FacetValue>)>,
    /// More hits follow this page.
    pub more: bool,
}

pub type SearchPage = HitPage<SearchHit>;

pub(crate) fn trim(v: &Option<Visible>, caller: &Caller) -> Trim {
    match v {
        None => Trim {
            owner: caller.user_id.clone(),
            ..Trim::default()
        },
        Some(v) => Trim {
            keys: v.keys.as_ref().map(|k| k.to_vec()),
            owner: v.user.clone(),
            denied_clients: v.denied.clients.clone(),
            denied_matters: v.denied.matters.clone(),
            denied_workspaces: v.denied.workspaces.clone(),
        },
    }
}

fn secs(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp())
}

/// The index request for a profile filter (the same filter the database search takes).
pub(crate) fn request(f: &DocumentQuery, t: &TextCriteria) -> SearchRequest {
    let customs = f
        .customs
        .iter()
        .map(|(n, m)| {
            let filter = match m {
                CustomMatch::Equals(CustomValue::Text(v)) => CustomFilter::Text(v.clone()),
                CustomMatch::Equals(CustomValue::Number(v)) => {
                    CustomFilter::Number(Bound::Included(*v), Bound::Included(*v))
                }
                CustomMatch::Equals(CustomValue::Timestamp(v)) => {
                    CustomFilter::Time(Some(v.timestamp()), Some(v.timestamp()))
                }
                CustomMatch::Equals(CustomValue::Boolean(b)) => CustomFilter::Boolean(*b),
                CustomMatch::NumberRange(lo, hi) => CustomFilter::Number(*lo, *hi),
                CustomMatch::TimeRange(lo, hi) => CustomFilter::Time(secs(*lo), secs(*hi)),
            };
            (*n, filter)
        })
        .collect();
    SearchRequest {
        anywhere: t.anywhere.clone(),
        body: t.body.clone(),
        subject: t.subject.clone(),
        from: t.from.clone(),
        to: t.to.clone(),
        cc: t.cc.clone(),
        comments: t.comments.clone(),
        names: f.names.clone(),
        name_or_description: f.name_or_description.clone(),
        author: f.author.clone(),
        operator: f.operator.clone(),
        last_user: f.last_user.clone(),
        class: f.class.clone(),
        subclass: f.subclass.clone(),
        types: f.types.clone(),
        numbers: f.numbers.clone(),
        customs,
        metadata: f
            .metadata
            .iter()
            .map(|m| (m.property.as_str().to_string(), m.keys.clone()))
            .collect(),
        folders: f.folders.clone(),
        wstype: f.wstype.map(|w| w.as_str().to_string()),
        conversation_id: f.conversation_id.clone(),
        has_attachment: f.has_attachment,
        create_date: (secs(f.create_from), secs(f.create_to)),
        edit_date: (secs(f.edit_from), secs(f.edit_to)),
        sent_date: t.sent_date,
        received_date: t.received_date,
        ..SearchRequest::default()
    }
}

/// The order, page, total and facets of a request (documents and containers alike).
/// Runs `r` with the paging of `options`, off the async threads: what it found, the page of
/// hits (without the one asked for beyond it) and whether more follow.
pub(crate) async fn run_paged(
    search: &super::Search,
    mut r: SearchRequest,
    options: &SearchOptions,
) -> Result<(Found, Highlighter, Vec<Hit>, bool)> {
    paged(&mut r, options);
    let index = search.index();
    let (mut found, highlighter) = tokio::task::spawn_blocking(move || index.search(&r))
        .await
        .map_err(|e| dossier_core::DomainError::Internal(e.to_string()))?
        .map_err(index_error)?;
    let want = options.page.limit.max(0) as usize;
    let mut hits = std::mem::take(&mut found.hits);
    let more = hits.len() > want;
    hits.truncate(want);
    Ok((found, highlighter, hits, more))
}

fn paged(r: &mut SearchRequest, options: &SearchOptions) {
    r.sort = options.sort;
    r.after = options.page.after;
    r.offset = if r.after.is_some() {
        0
    } else {
        options.page.offset.max(0) as usize
    };
    // One more than the page, to tell whether more follow.
    r.limit = if options.results {
        options.page.limit.max(0) as usize + 1
    } else {
        0
    };
    r.want_total = options.page.want_total;
    r.facets = options
        .facets
        .iter()
        .copied()
        .filter(|f| match f {
            FacetField::Custom(n) => facetable(*n),
            _ => true,
        })
        .collect();
}

/// Whether a facet field can be faceted (lookups, the values iManage panels refine by).
pub fn facetable(n: usize) -> bool {
    CustomKind::of(n) == CustomKind::Lookup
}

/// A document search as a surface asks it: profile criteria, text criteria, the order
/// asked for (`None`: the default) and paging. The service decides where it is answered
/// (`DocumentSearch::needs_index`), so every surface routes alike.
#[derive(Clone, Debug, Default)]
pub struct DocumentSearch {
    pub query: DocumentQuery,
    pub text: TextCriteria,
    /// `sort_by` as asked; by default best matches first when there are words to rank by
    /// (`anywhere`, `body`, `comments`), else number order.
    pub sort_by: Option<SortField>,
    /// `sort_order` as asked; by default descending for relevance and dates.
    pub descending: Option<bool>,
    /// Fields to count the top values of (custom fields: lookups only).
    pub facets: Vec<FacetField>,
    /// `results=false`: only totals and facets.
    pub results: bool,
    pub page: Page,
    /// Keyset paging (`standard_cursor`): results come in number order, the order a cursor
    /// continues.
    pub keyset: bool,
}

/// A document search's answer, from where it was answered.
#[derive(Clone, Debug)]
pub enum FoundDocuments {
    /// By the database, exact the moment a write returns: the page, the total when asked,
    /// and whether more rows follow.
    Database {
        views: Vec<DocumentView>,
        total: Option<i64>,
        more: bool,
    },
    /// By the search index: hits with scores, highlights and facets.
    Index(SearchPage),
}

impl DocumentSearch {
    /// Whether only the index can answer: words to match (comments aside, which the
    /// database matches as a pattern), email dates (the index holds them as the indexer
    /// read them from the message), facets, relevance order, or a count without results.
    /// Pure profile searches stay on the database.
    pub fn needs_index(&self) -> bool {
        let t = &self.text;
        let words = [&t.anywhere, &t.body, &t.subject, &t.from, &t.to, &t.cc];
        words.iter().any(|w| w.is_some())
            || [t.sent_date, t.received_date]
                .iter()
                .any(|(lo, hi)| lo.is_some() || hi.is_some())
            || !self.facets.is_empty()
            || self.sort_by == Some(SortField::Relevance)
            || !self.results
    }

    /// The order and paging of its index search.
    fn options(&self) -> SearchOptions {
        let ranked = self.text.anywhere.is_some()
            || self.text.body.is_some()
            || self.text.comments.is_some();
        let field = self.sort_by.unwrap_or(if ranked {
            SortField::Relevance
        } else {
            SortField::Number
        });
        let descending = self.descending.unwrap_or(matches!(
            field,
            SortField::Relevance | SortField::EditDate | SortField::CreateDate
        ));
        SearchOptions {
            sort: Sort {
                // A cursor is a document number: keyset paging walks in number order.
                field: if self.keyset {
                    SortField::Number
                } else {
                    field
                },
                descending,
            },
            page: self.page,
            facets: self.facets.clone(),
            results: self.results,
        }
    }
}

impl Dossier {
    /// GET/POST …/documents of one library: on the database or in the index, whichever
    /// the search needs (`DocumentSearch::needs_index`).
    pub async fn find_documents(
        &self,
        caller: &Caller,
        library: &LibraryId,
        search: DocumentSearch,
    ) -> Result<FoundDocuments> {
        if search.needs_index() {
            return self
                .find_documents_in(caller, std::slice::from_ref(library), search)
                .await
                .map(FoundDocuments::Index);
        }
        let page = search.page;
        let (mut views, total) = self
            .documents_in(caller, library, &search.query, page.probe())
            .await?;
        let more = page.cut(&mut views);
        Ok(FoundDocuments::Database { views, total, more })
    }

    /// A document search across `libraries` (`V2/documents`), always in the index: only it
    /// orders and pages several libraries as one list.
    pub async fn find_documents_in(
        &self,
        caller: &Caller,
        libraries: &[LibraryId],
        search: DocumentSearch,
    ) -> Result<SearchPage> {
        let options = search.options();
        self.search_documents(caller, libraries, search.query, &search.text, &options)
            .await
    }
}

impl Dossier {
    /// A search of the index across `libraries`, trimmed to the caller.
    pub(crate) async fn search_documents(
        &self,
        caller: &Caller,
        libraries: &[LibraryId],
        filter: DocumentQuery,
        text: &TextCriteria,
        options: &SearchOptions,
    ) -> Result<SearchPage> {
        let search = self.search()?;
        let mut r = request(&filter, text);
        let mut visibility = HashMap::new();
        for lib in libraries {
            let v = self.visibility(caller, lib).await?;
            r.libraries
                .push((lib.as_str().to_string(), trim(&v, caller)));
            visibility.insert(lib.as_str().to_string(), v);
        }
        if let Some(c) = filter.checked_out {
            let mut conn = self.store.read().await?;
            let mut out = Vec::new();
            for lib in libraries {
                out.extend(dossier_store::documents::checked_out(&mut conn, lib).await?);
            }
            if c {
                r.only_numbers = Some(out);
            } else {
                r.exclude_numbers = out;
            }
        }
        let (found, highlighter, hits, more) = run_paged(search, r, options).await?;
        // The page, re-read and checked against the caller's visibility as it is now.
        let mut views: HashMap<(String, i64), DocumentView> = HashMap::new();
        let mut conn = self.store.read().await?;
        for lib in libraries {
            let numbers: Vec<i64> = hits
                .iter()
                .filter(|h| h.library == lib.as_str())
                .map(|h| h.number)
                .collect();
            let visible = visibility.get(lib.as_str()).and_then(Option::as_ref);
            for v in readable_views(&mut conn, lib, visible, &numbers).await? {
                views.insert((lib.as_str().to_string(), v.doc.id.number), v);
            }
        }
        let mut page: Vec<(DocumentView, f32)> = Vec::new();
        for h in hits {
            if let Some(view) = views.remove(&(h.library.clone(), h.number)) {
                page.push((view, h.score));
            }
        }
        let bodies = if has_text(text) {
            let first: Vec<&str> = page
                .iter()
                .take(HIGHLIGHTED_HITS)
                .map(|(v, _)| v.doc.content_hash.as_str())
                .collect();
            self.cached_texts(&mut conn, &first).await?
        } else {
            HashMap::new()
        };
        let mut out = Vec::new();
        for (i, (view, score)) in page.into_iter().enumerate() {
            let (name_highlight, body_highlight) = if i < HIGHLIGHTED_HITS && has_text(text) {
                let body = bodies
                    .get(&view.doc.content_hash)
                    .map_or("", |b| prefix(b, HIGHLIGHTED_BYTES));
                (highlighter.name(&view.doc.name), highlighter.body(body))
            } else {
                (None, None)
            };
            out.push(SearchHit {
                view,
                score,
                name_highlight,
                body_highlight,
            });
        }
        let facets = self
            .describe_facets(&mut conn, libraries, found.facets)
            .await?;
        Ok(SearchPage {
            hits: out,
            total: found.total,
            facets,
            more,
        })
    }

    /// The beginnings of the cached texts of these contents, for highlights.
    async fn cached_texts(
        &self,
        conn: &mut dossier_store::AnyConnection,
        hashes: &[&str],
    ) -> Result<HashMap<String, String>> {
        use dossier_store::search::TextBeginning;
        let found = dossier_store::search::text_beginnings(conn, hashes, HIGHLIGHTED_BYTES).await?;
        let mut out = HashMap::new();
        for (hash, text) in found {
            let body = match text {
                TextBeginning::Inline(t) => t,
                TextBeginning::Blob(h) => text::blob_text(self, &h).await?,
            };
            out.insert(hash, body);
        }
        Ok(out)
    }

    /// Facet values with what they stand for: a lookup entry's description (from the first
    /// library that has one), a class's or type's description, an author's full name.
    pub(crate) async fn describe_facets(
        &self,
        conn: &mut dossier_store::AnyConnection,
        libraries: &[LibraryId],
        facets: Vec<(FacetField, Vec<dossier_index::FacetCount>)>,
    ) -> Result<Vec<(FacetField, Vec<FacetValue>)>> {
        let mut out = Vec::new();
        for (field, counts) in facets {
            let aliases: Vec<String> = counts.iter().map(|c| c.value.clone()).collect();
            // Keyed by upper-case alias; the first library describing an alias wins.
            let mut described: HashMap<String, String> = HashMap::new();
            match field {
                FacetField::Custom(n) => {
                    for lib in libraries {
                        for l in
                            dossier_store::catalog::lookups_with_aliases(conn, lib, n, &aliases)
                                .await?
                        {
                            described
                                .entry(l.alias.to_uppercase())
                                .or_insert(l.description);
                        }
                    }
                }
                FacetField::Class => {
                    for lib in libraries {
                        for c in dossier_store::catalog::classes(conn, lib).await? {
                            described
                                .entry(c.alias.to_uppercase())
                                .or_insert(c.description);
                        }
                    }
                }
                FacetField::DocType => {
                    for lib in libraries {
                        for t in dossier_store::catalog::types(conn, lib).await? {
                            described
                                .entry(t.alias.to_uppercase())
                                .or_insert(t.description);
                        }
                    }
                }
                FacetField::Author => {
                    for id in &aliases {
                        if let Some(u) = dossier_store::users::get(conn, &id.to_uppercase()).await?
                        {
                            described.insert(id.to_uppercase(), u.full_name);
                        }
                    }
                }
            }
            let values = counts
                .into_iter()
                .map(|c| FacetValue {
                    description: described
                        .get(&c.value.to_uppercase())
                        .cloned()
                        .unwrap_or_default(),
                    // User ids are upper case everywhere else; the index keeps authors
                    // lower case to match them in any case.
                    alias: if field == FacetField::Author {
                        c.value.to_uppercase()
                    } else {
                        c.value
                    },
                    count: c.count,
                })
                .collect();
            out.push((field, values));
        }
        Ok(out)
    }
}

/// The latest versions of these documents that the caller may read, with their views. The
/// check runs in memory (`access::admits`, the rule the SQL filter writes): asking the
/// database for fifty numbers *and* the readable set makes it walk the readable set.
async fn readable_views(
    conn: &mut dossier_store::AnyConnection,
    library: &LibraryId,
    visible: Option<&Visible>,
    numbers: &[i64],
) -> Result<Vec<DocumentView>> {
    let rows = dossier_store::documents::latest_with_workspace(conn, library, numbers).await?;
    let docs = match visible {
        None => rows.into_iter().map(|(doc, _)| doc).collect(),
        Some(v) => rows
            .into_iter()
            .filter(|(doc, home)| {
                // `admits` reads a document's own client and matter and its workspace's
                // number; a wall on the workspace's client reaches it through the walled
                // workspaces of `Visible`, so the workspace itself need not be read here
                // (one query less on every search page).
                let home = (*home >= 0).then_some(*home);
                let facts = crate::access::document_facts(doc, home, None);
                crate::access::admits(v, doc.acl, &doc.author, &facts)
            })
            .map(|(doc, _)| doc)
            .collect(),
    };
    crate::documents::views_of(conn, docs, visible).await
}

/// The longest start of `text` within `max` bytes that ends on a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn has_text(t: &TextCriteria) -> bool {
    t.anywhere.is_some() || t.body.is_some() || t.subject.is_some() || t.comments.is_some()
}
