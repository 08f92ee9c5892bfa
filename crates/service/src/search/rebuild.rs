//! `dossier reindex`: builds a new index generation from the database and the cached text,
//! while the server goes on answering from the current one. The rebuild commits every
//! batch with how far it has come, so an interrupted run resumes where it stopped; when it
//! is done it marks the generation ready and the indexer switches to it.

use std::sync::Arc;

use dossier_index::{Checkpoint, SearchIndex, Writing};

use std::path::Path;

use dossier_extract::Extractor;

use super::{READY, index_error, indexer, io};
use crate::{Dossier, Result};

/// Documents read from the database at a time.
const BATCH: i64 = 2_000;
/// Documents between two commits of a rebuild: each commit records how far the rebuild
/// has come (an interrupted one resumes there) but waits for the writer to drain and
/// fsyncs a new segment, so it is not done for every batch.
const COMMIT_EVERY: u64 = 100_000;
/// Batches read ahead while the index writer works on earlier ones.
const READ_AHEAD: usize = 2;

/// Progress of a rebuild, for a progress bar.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// Rebuilds the index. Resumes an unfinished rebuild if one is there; returns the documents
/// written in this run.
pub async fn rebuild(
    d: &Dossier,
    root: &Path,
    extractor: &Extractor,
    mut progress: impl FnMut(Progress),
) -> Result<u64> {
    std::fs::create_dir_all(root).map_err(io)?;
    let current = std::fs::read_to_string(root.join(super::CURRENT))
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    // An unfinished generation newer than the live one is resumed; otherwise a new one.
    let unfinished = super::generations(root)?
        .into_iter()
        .rfind(|g| g.as_str() > current.as_str() && !root.join(g).join(READY).exists());
    let generation = match unfinished {
        Some(g) => g,
        None => super::new_generation(root)?,
    };
    let dir = root.join(&generation);
    let index = Arc::new(SearchIndex::open(&dir, Writing::Rebuild).map_err(index_error)?);
    let mut checkpoint = index.checkpoint().map_err(index_error)?;
    if checkpoint.rebuilt_up_to.is_none() {
        // A fresh start: the events from now on are replayed once the server adopts it.
        let mut conn = d.store.read().await?;
        checkpoint = Checkpoint {
            seq: dossier_store::events::newest_seq(&mut conn).await?,
            rebuilt_up_to: Some((String::new(), 0)),
        };
        index.clear(&checkpoint).map_err(index_error)?;
    }
    let total = {
        let mut conn = d.store.read().await?;
        dossier_store::search::count_latest(&mut conn).await? as u64
    };
    let mut done = index.len();
    let mut written = 0u64;
    progress(Progress { done, total });
    // Reading (database and cached text) runs ahead of indexing, so both cores work.
    let (tx, rx) = tokio::sync::mpsc::channel(READ_AHEAD);
    let seq = checkpoint.seq;
    let start = checkpoint.rebuilt_up_to.clone().unwrap_or_default();
    let reader = async move {
        let mut after = start;
        loop {
            let batch = {
                let mut conn = d.store.read().await?;
                dossier_store::search::walk(&mut conn, &after, BATCH).await?
            };
            let Some(last) = batch.last().cloned() else {
                return Ok(());
            };
            let read = indexer::read(d, extractor, by_library(batch), seq).await?;
            after = last.clone();
            if tx.send((last, read)).await.is_err() {
                return Ok(());
            }
        }
    };
    let writer = async {
        // Owned here, so a failed writer drops it and the reader stops too.
        let mut rx = rx;
        let mut since_commit = 0u64;
        while let Some((last, mut batch)) = rx.recv().await {
            let changes = std::mem::take(&mut batch.changes);
            let n = changes.len() as u64;
            let staged = index.clone();
            indexer::blocking(move || staged.stage(changes)).await?;
            batch.record(d).await?;
            checkpoint.rebuilt_up_to = Some(last);
            since_commit += n;
            if since_commit >= COMMIT_EVERY {
                let (i, cp) = (index.clone(), checkpoint.clone());
                indexer::blocking(move || i.commit(&cp)).await?;
                since_commit = 0;
            }
            written += n;
            done += n;
            progress(Progress { done, total });
        }
        Ok::<_, dossier_core::DomainError>(())
    };
    let (read, wrote) = futures::join!(reader, writer);
    read.and(wrote)?;
    checkpoint.rebuilt_up_to = None;
    let finished = index.clone();
    indexer::blocking(move || finished.commit(&checkpoint)).await?;
    // Let the merges the rebuild started finish: the server then opens a few large
    // segments, not many small ones (every search visits each segment).
    let index = Arc::into_inner(index).ok_or_else(|| {
        dossier_core::DomainError::Internal("the rebuilt index is still in use".into())
    })?;
    indexer::blocking(move || index.close()).await?;
    std::fs::write(dir.join(READY), b"").map_err(io)?;
    Ok(written)
}

/// A walk's documents grouped by library, in walk order.
fn by_library(batch: Vec<(String, i64)>) -> Vec<(String, Vec<i64>)> {
    let mut out: Vec<(String, Vec<i64>)> = Vec::new();
    for (lib, n) in batch {
        match out.last_mut() {
            Some((l, numbers)) if *l == lib => numbers.push(n),
            _ => out.push((lib, vec![n])),
        }
    }
    out
}
