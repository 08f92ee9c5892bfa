//! Full-text and profile search: the index's owner on this node, its indexer, rebuilds and
//! the searches themselves.
//!
//! The index lives in generations under `<data>/index/`: `CURRENT` names the one in use.
//! `dossier reindex` builds a new generation beside it (resumable), marks it `READY`, and
//! the running server's indexer adopts it between two rounds, so searches never stop.

pub mod containers;
mod entries;
pub mod indexer;
mod lookups;
pub mod query;
pub mod rebuild;
pub mod text;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use dossier_core::DomainError;
use dossier_index::{SearchIndex, Writing};

pub use dossier_extract::{Extractor, Limits};
pub use dossier_index::{FacetField, Node, Sort, SortField, parse as parse_query};

use crate::{Dossier, Result};

/// The file naming the generation in use.
const CURRENT: &str = "CURRENT";
/// The file a finished rebuild leaves in its generation.
const READY: &str = "READY";
/// The file in a generation started empty because the live one was written with another
/// schema (an upgrade that added fields): the indexer rebuilds before anything else, and
/// the file stays until the rebuilt generation replaces this one, so an interrupted
/// rebuild resumes at the next start.
const REBUILD: &str = "REBUILD";

pub(crate) fn index_error(e: dossier_index::IndexError) -> DomainError {
    match e {
        dossier_index::IndexError::Query(q) => DomainError::invalid("anywhere", q.0),
        other => DomainError::Internal(other.to_string()),
    }
}

/// Runs index work off the async threads (it blocks on the writer and fsyncs).
async fn blocking(f: impl FnOnce() -> dossier_index::Result<()> + Send + 'static) -> Result<()> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| dossier_core::DomainError::Internal(e.to_string()))?
        .map_err(index_error)
}

/// The search index of this node and what feeds it.
pub struct Search {
    root: PathBuf,
    live: RwLock<(String, Arc<SearchIndex>)>,
    pub(crate) extractor: Extractor,
    /// The outbox sequence the live index reflects.
    applied: AtomicI64,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Search").field("root", &self.root).finish()
    }
}

fn io(e: std::io::Error) -> DomainError {
    DomainError::Internal(format!("search index: {e}"))
}

/// Generations under `root`, oldest first (their names sort by creation time).
fn generations(root: &Path) -> Result<Vec<String>> {
    let mut out: Vec<String> = std::fs::read_dir(root)
        .map_err(io)?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.starts_with("gen-"))
        .collect();
    out.sort();
    Ok(out)
}

/// A new generation's name, from the time `now`: later than every existing one.
pub(crate) fn new_generation(root: &Path, now: DateTime<Utc>) -> Result<String> {
    let stamp = now.format("%Y%m%dT%H%M%S%6f");
    let name = format!("gen-{stamp}");
    match generations(root)?.last() {
        Some(last) if *last >= name => Ok(format!("{last}-1")),
        _ => Ok(name),
    }
}

impl Search {
    /// Opens (or creates) the index under `root`, adopting a finished rebuild if one waits.
    /// `now` (the service's clock) names a generation this has to start.
    pub fn open(root: &Path, extractor: Extractor, now: DateTime<Utc>) -> Result<Search> {
        std::fs::create_dir_all(root).map_err(io)?;
        let current = match std::fs::read_to_string(root.join(CURRENT)) {
            Ok(name) => name.trim().to_string(),
            Err(_) => {
                let name = new_generation(root, now)?;
                std::fs::write(root.join(CURRENT), &name).map_err(io)?;
                name
            }
        };
        let live = match ready_after(root, &current)? {
            Some(newer) => newer,
            None => current,
        };
        // An index from a version with other fields cannot be read by this one. Refusing to
        // start would turn an upgrade into an outage, and migrating tantivy segments in
        // place is not possible: a fresh generation answers at once (empty at first) while
        // the indexer rebuilds it from the database, as `dossier reindex` would.
        let (live, index) = match SearchIndex::open(&root.join(&live), Writing::Live) {
            Err(dossier_index::IndexError::SchemaChanged(why)) => {
                let fresh = new_generation(root, now)?;
                tracing::warn!(old = %live, new = %fresh, %why,
                    "the search index was written by another version; rebuilding it");
                std::fs::create_dir_all(root.join(&fresh)).map_err(io)?;
                std::fs::write(root.join(&fresh).join(REBUILD), b"").map_err(io)?;
                let index =
                    SearchIndex::open(&root.join(&fresh), Writing::Live).map_err(index_error)?;
                (fresh, index)
            }
            other => (live, other.map_err(index_error)?),
        };
        std::fs::write(root.join(CURRENT), &live).map_err(io)?;
        let applied = index.checkpoint().map_err(index_error)?.seq;
        let search = Search {
            root: root.to_path_buf(),
            live: RwLock::new((live.clone(), Arc::new(index))),
            extractor,
            applied: AtomicI64::new(applied),
        };
        search.remove_older_than(&live);
        Ok(search)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the live generation waits for a rebuild (see `REBUILD`).
    pub fn needs_rebuild(&self) -> bool {
        let live = self.live.read().unwrap_or_else(|p| p.into_inner());
        self.root.join(&live.0).join(REBUILD).exists()
    }

    pub fn index(&self) -> Arc<SearchIndex> {
        self.live
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clone()
    }

    /// The outbox sequence the index reflects.
    pub fn applied(&self) -> i64 {
        self.applied.load(Ordering::SeqCst)
    }

    fn set_applied(&self, seq: i64) {
        self.applied.store(seq, Ordering::SeqCst);
    }

    /// Switches to a rebuilt generation if one is ready; the indexer then replays the
    /// outbox from where the rebuild started.
    pub(crate) async fn adopt_rebuilt(&self) -> Result<()> {
        let current = self
            .live
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clone();
        let Some(newer) = ready_after(&self.root, &current)? else {
            return Ok(());
        };
        let index = match SearchIndex::open(&self.root.join(&newer), Writing::Live) {
            Err(dossier_index::IndexError::SchemaChanged(why)) => {
                // Rebuilt by an older version before this one started: of no use.
                tracing::warn!(generation = %newer, %why, "discarding a rebuilt search index of another version");
                std::fs::remove_dir_all(self.root.join(&newer)).map_err(io)?;
                return Ok(());
            }
            other => other.map_err(index_error)?,
        };
        let applied = index.checkpoint().map_err(index_error)?.seq;
        std::fs::write(self.root.join(CURRENT), &newer).map_err(io)?;
        let old = {
            let mut live = self.live.write().unwrap_or_else(|p| p.into_inner());
            std::mem::replace(&mut *live, (newer.clone(), Arc::new(index)))
        };
        self.set_applied(applied);
        tracing::info!(generation = %newer, seq = applied, "switched to the rebuilt search index");
        drop(old);
        self.remove_older_than(&newer);
        Ok(())
    }

    /// Deletes generations older than `live` (searches still holding one keep their open
    /// files until they finish).
    fn remove_older_than(&self, live: &str) {
        if let Ok(all) = generations(&self.root) {
            for g in all.iter().filter(|g| g.as_str() < live) {
                let _ = std::fs::remove_dir_all(self.root.join(g));
            }
        }
    }
}

/// The newest generation after `current` that a rebuild finished.
fn ready_after(root: &Path, current: &str) -> Result<Option<String>> {
    Ok(generations(root)?
        .into_iter()
        .rfind(|g| g.as_str() > current && root.join(g).join(READY).exists()))
}

/// How far behind the outbox the index is, for the admin API and /metrics.
#[derive(Clone, Debug)]
pub struct IndexLag {
    pub applied_seq: i64,
    pub newest_seq: i64,
    /// Age of the oldest event not yet applied (0 when caught up).
    pub lag_seconds: f64,
    pub entries: u64,
    /// Per library, documents by index outcome.
    pub outcomes: Vec<(String, String, i64)>,
}

impl Dossier {
    pub fn search(&self) -> Result<&Arc<Search>> {
        self.search
            .as_ref()
            .ok_or_else(|| DomainError::Unavailable("search is not enabled on this server".into()))
    }

    /// The index's lag behind the outbox and the documents by index outcome.
    pub async fn index_lag(&self, caller: &crate::Caller) -> Result<IndexLag> {
        if !caller.is_admin {
            return Err(DomainError::Forbidden(
                "only administrators see the search index status".into(),
            ));
        }
        self.lag().await
    }

    /// The lag without a caller (for /metrics, which the operator's scraper reads).
    pub async fn lag(&self) -> Result<IndexLag> {
        let search = self.search()?;
        let applied = search.applied();
        let mut conn = self.store.read().await?;
        let newest = dossier_store::events::newest_seq(&mut conn).await?;
        let lag_seconds = match dossier_store::events::all_after(&mut conn, applied, 1)
            .await?
            .first()
        {
            Some(e) => (self.now() - e.event_date).num_milliseconds().max(0) as f64 / 1000.0,
            None => 0.0,
        };
        let mut outcomes = Vec::new();
        for lib in dossier_store::libraries::list(&mut conn, self.settings.customer_id).await? {
            for (outcome, n) in dossier_store::search::counts(&mut conn, lib.id.as_str()).await? {
                outcomes.push((lib.id.as_str().to_string(), outcome, n));
            }
        }
        Ok(IndexLag {
            applied_seq: applied,
            newest_seq: newest,
            lag_seconds,
            entries: search.index().len(),
            outcomes,
        })
    }

    /// A document's index status (what the index holds for it, and how its text went).
    pub async fn index_status(
        &self,
        caller: &crate::Caller,
        r: &dossier_core::DocumentRef,
    ) -> Result<Option<dossier_store::search::Status>> {
        self.document(caller, r).await?;
        let mut conn = self.store.read().await?;
        dossier_store::search::status(&mut conn, r.library.as_str(), r.number).await
    }
}
