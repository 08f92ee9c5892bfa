//! The search index (tantivy): derived data. It holds one entry per document (its latest
//! version) and is fed from the outbox by the service's indexer; every commit records the
//! last outbox sequence applied, so after a crash the indexer replays from there, and
//! `dossier reindex` can always rebuild it from the database and the cached text.
//!
//! Searches are permission-trimmed inside the query (`request::Trim`), so totals and facets
//! count only what the caller may read.

mod compile;
mod container;
mod document;
mod facets;
mod highlight;
pub mod query;
mod readable;
mod request;
mod schema;
mod shared_filter;
mod stems;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tantivy::collector::{Count, TopDocs};
use tantivy::indexer::LogMergePolicy;
use tantivy::schema::Value;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Score, Searcher,
    TantivyDocument, Term,
};

pub use container::{ContainerCriteria, IndexableContainer, Kind, container_key};
pub use document::{Indexable, key};
pub use facets::FacetField;
pub use highlight::Highlighter;
pub use query::{Node, QueryError, parse};
pub use request::{CustomFilter, SearchRequest, Sort, SortField, Trim};

/// How an index is written: a live server's index leaves a core for requests; a rebuild
/// (`dossier reindex`) has the machine to itself and larger segments make fewer merges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writing {
    Live,
    Rebuild,
}

impl Writing {
    fn threads(self) -> usize {
        match self {
            Writing::Live => 1,
            Writing::Rebuild => std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .clamp(1, 4),
        }
    }

    /// The largest segment a merge may make, if any: a merge's memory grows with the
    /// segments it reads, and a rebuild merges while it indexes.
    fn largest_merge(self) -> Option<usize> {
        match self {
            Writing::Live => None,
            Writing::Rebuild => Some(250_000),
        }
    }

    /// The indexing memory budget (split between the threads): tantivy flushes a segment
    /// when a thread's share is used up.
    fn budget(self) -> usize {
        match self {
            Writing::Live => 128 * 1024 * 1024,
            // 128 MiB a thread: larger first segments save little merging and cost RSS.
            Writing::Rebuild => 128 * 1024 * 1024 * self.threads(),
        }
    }

    /// Merges running at once. Each one maps the segments it reads and holds its own
    /// buffers, so concurrent merges add up in a rebuild's peak memory; a rebuild's cores
    /// are busy indexing anyway. (tantivy's default is 4.)
    fn merge_threads(self) -> usize {
        match self {
            Writing::Live => 4,
            Writing::Rebuild => 1,
        }
    }

    fn options(self) -> tantivy::indexer::IndexWriterOptions {
        tantivy::indexer::IndexWriterOptions::builder()
            .num_worker_threads(self.threads())
            .memory_budget_per_thread(self.budget() / self.threads())
            .num_merge_threads(self.merge_threads())
            .build()
    }
}
/// Deleted entries a segment may carry before merges reclaim them: re-profiles and new
/// versions replace entries all day in a DMS.
const DELETED_RATIO_BEFORE_MERGE: f32 = 0.3;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Query(#[from] QueryError),
    #[error("search index: the commit record '{0}' is not one this version wrote")]
    Payload(String),
    /// The index on disk was written with other fields than this version's.
    #[error("search index: {0}")]
    SchemaChanged(String),
}

pub type Result<T> = std::result::Result<T, IndexError>;

/// What a commit records: the outbox position it is consistent with and, while
/// `dossier reindex` builds an index, how far the rebuild has come.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// Every outbox event up to here is reflected.
    pub seq: i64,
    /// During a rebuild: the (library, number) of the last document written, so an
    /// interrupted rebuild resumes after it. `None` once the rebuild is complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebuilt_up_to: Option<(String, i64)>,
}

/// One change to apply: a document or a container (re-)indexed, or gone from search.
#[derive(Clone, Debug)]
pub enum Change {
    Put(Box<Indexable>),
    Remove { library: String, number: i64 },
    PutContainer(Box<IndexableContainer>),
    RemoveContainer { library: String, number: i64 },
}

/// A hit: the document and its score (0 when the order is not by relevance).
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub library: String,
    pub number: i64,
    pub score: f32,
}

/// A facet value and how many readable matches carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Found {
    pub hits: Vec<Hit>,
    pub total: Option<u64>,
    /// Per requested field, its top values.
    pub facets: Vec<(FacetField, Vec<FacetCount>)>,
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: schema::Fields,
    dir: PathBuf,
    /// Callers' readable sets per segment, kept between their searches.
    readable_sets: std::sync::Arc<readable::ReadableCache>,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating an empty one if there is none.
    pub fn open(dir: &Path, writing: Writing) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema::build();
        let directory = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| IndexError::Tantivy(e.into()))?;
        let index = match Index::open_or_create(directory, schema) {
            Ok(i) => i,
            // Left by an older version: the caller decides what replaces it.
            Err(tantivy::TantivyError::SchemaError(m)) => return Err(IndexError::SchemaChanged(m)),
            Err(e) => return Err(e.into()),
        };
        schema::register(index.tokenizers());
        let writer: IndexWriter = index.writer_with_options(writing.options())?;
        let mut policy = LogMergePolicy::default();
        policy.set_del_docs_ratio_before_merge(DELETED_RATIO_BEFORE_MERGE);
        if let Some(max) = writing.largest_merge() {
            policy.set_max_docs_before_merge(max);
        }
        writer.set_merge_policy(Box::new(policy));
        // Reloaded by `apply` right after each commit: a document is findable as soon as
        // the commit that holds it returns, not after a file watcher notices.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            dir: dir.to_path_buf(),
            readable_sets: Default::default(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The checkpoint of the last commit (the default for a new index).
    pub fn checkpoint(&self) -> Result<Checkpoint> {
        match self.index.load_metas()?.payload {
            None => Ok(Checkpoint::default()),
            Some(p) => serde_json::from_str(&p).map_err(|_| IndexError::Payload(p)),
        }
    }

    /// Applies changes and commits them with `checkpoint`, in one commit: either all of
    /// them and the checkpoint are durable, or none.
    pub fn apply(&self, changes: Vec<Change>, checkpoint: &Checkpoint) -> Result<()> {
        self.stage(changes)?;
        self.commit(checkpoint)
    }

    /// Hands changes to the writer without committing them: they become durable (and
    /// searchable) with the next `commit`, and are lost with a crash before it.
    pub fn stage(&self, changes: Vec<Change>) -> Result<()> {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        for c in changes {
            // Delete then add: opstamps order them, so the delete removes only the older
            // entry.
            match c {
                Change::Put(x) => {
                    let k = key(x.doc.id.library.as_str(), x.doc.id.number);
                    writer.delete_term(Term::from_field_text(self.fields.key, &k));
                    writer.add_document(document::to_tantivy(&self.fields, &x))?;
                }
                Change::Remove { library, number } => {
                    writer.delete_term(Term::from_field_text(
                        self.fields.key,
                        &key(&library, number),
                    ));
                }
                Change::PutContainer(x) => {
                    let k = container_key(x.container.id.library.as_str(), x.container.id.number);
                    writer.delete_term(Term::from_field_text(self.fields.key, &k));
                    writer.add_document(container::to_tantivy(&self.fields, &x))?;
                }
                Change::RemoveContainer { library, number } => {
                    writer.delete_term(Term::from_field_text(
                        self.fields.key,
                        &container_key(&library, number),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Commits everything staged with `checkpoint` as its record, and makes it searchable.
    pub fn commit(&self, checkpoint: &Checkpoint) -> Result<()> {
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut prepared = writer.prepare_commit()?;
        let payload = serde_json::to_string(checkpoint).unwrap_or_default();
        prepared.set_payload(&payload);
        prepared.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Removes every entry (the start of a rebuild into this index).
    pub fn clear(&self, checkpoint: &Checkpoint) -> Result<()> {
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        writer.delete_all_documents()?;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&serde_json::to_string(checkpoint).unwrap_or_default());
        prepared.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Entries in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn compiler(&self) -> compile::Compiler<'_> {
        compile::Compiler {
            fields: &self.fields,
            analyzer: schema::analyzer(),
            within: None,
            readable_sets: self.readable_sets.clone(),
            automata: Default::default(),
        }
    }

    /// Checks a request's text without running it (a clear error before any work).
    pub fn check(&self, r: &SearchRequest) -> Result<()> {
        request::build(&mut self.compiler(), r)?;
        Ok(())
    }

    /// Runs a search: a page of hits in the requested order, the total and the facets, all
    /// over the same trimmed query, in one pass over its matches.
    pub fn search(&self, r: &SearchRequest) -> Result<(Found, Highlighter)> {
        // One compiler for the search and its highlighter: its prefix automata are built
        // once for both.
        let mut compiler = self.compiler();
        let query = request::build(&mut compiler, r)?;
        let searcher = self.reader.searcher();
        let count = r.want_total.then_some(Count);
        let facets = (!r.facets.is_empty()).then(|| facets::TopValues::new(&r.facets));
        let top = TopDocs::with_limit(r.limit.max(1)).and_offset(r.offset);
        let order = if r.sort.descending {
            Order::Desc
        } else {
            Order::Asc
        };
        let sort = if r.sort.field == SortField::Relevance && !r.has_text() {
            SortField::Number
        } else {
            r.sort.field
        };
        let unscored = |hits: Vec<(Option<i64>, DocAddress)>| -> Vec<(f32, DocAddress)> {
            hits.into_iter().map(|(_, a)| (0.0, a)).collect()
        };
        let (total, top_values, addresses) = match sort {
            // Only totals and facets (`results=false`): no page, so nothing to score.
            _ if r.limit == 0 => {
                let (t, f) = searcher.search(&query, &(count, facets))?;
                (t, f, Vec::new())
            }
            SortField::Relevance => {
                searcher.search(&query, &(count, facets, top.order_by_score()))?
            }
            SortField::Number | SortField::EditDate | SortField::CreateDate => {
                let field = match sort {
                    SortField::EditDate => "edit_date",
                    SortField::CreateDate => "create_date",
                    _ => "number",
                };
                let (t, f, hits) = searcher.search(
                    &query,
                    &(count, facets, top.order_by_fast_field::<i64>(field, order)),
                )?;
                (t, f, unscored(hits))
            }
            SortField::Name => {
                let (t, f, hits) = searcher.search(
                    &query,
                    &(
                        count,
                        facets,
                        top.order_by_string_fast_field("name_key", order),
                    ),
                )?;
                (t, f, hits.into_iter().map(|(_, a)| (0.0, a)).collect())
            }
        };
        let hits = addresses
            .into_iter()
            .map(|(score, address)| self.hit(&searcher, address, score))
            .collect::<Result<_>>()?;
        let found = Found {
            hits,
            total: total.map(|t| t as u64),
            facets: top_values.unwrap_or_default(),
        };
        let highlighter = self.highlighter(&searcher, r, &mut compiler);
        Ok((found, highlighter))
    }

    /// Snippet makers for a request's words (none when it has no text to mark).
    fn highlighter(
        &self,
        searcher: &Searcher,
        r: &SearchRequest,
        compiler: &mut compile::Compiler<'_>,
    ) -> Highlighter {
        if !r.has_text() {
            return Highlighter::default();
        }
        // Only the text clauses: the trimming and filters hold no words to mark.
        let text = SearchRequest {
            anywhere: r.anywhere.clone(),
            body: r.body.clone(),
            subject: r.subject.clone(),
            comments: r.comments.clone(),
            ..SearchRequest::default()
        };
        match request::build(compiler, &text) {
            Ok(q) => Highlighter::new(searcher, &*q, self.fields.name, self.fields.body),
            Err(_) => Highlighter::default(),
        }
    }

    fn hit(&self, searcher: &Searcher, address: DocAddress, score: Score) -> Result<Hit> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let k = doc
            .get_first(self.fields.key)
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let (library, number) = container::read_key(k);
        Ok(Hit {
            library: library.to_string(),
            number,
            score,
        })
    }

    /// Stops the background merges cleanly (a graceful shutdown).
    pub fn close(self) -> Result<()> {
        let writer = self.writer.into_inner().unwrap_or_else(|p| p.into_inner());
        writer.wait_merging_threads()?;
        Ok(())
    }
}

#[cfg(test)]
mod container_tests;
#[cfg(test)]
mod tests;
