//! `dossier reindex`: builds a new index generation from the database and the cached text,
//! while the server goes on answering from the current one. The rebuild commits every
//! batch with how far it has come, so an interrupted run resumes where it stopped; when it
//! is done it marks the generation ready and the indexer switches to it.

use std::sync::Arc;

use dossier_index::{Checkpoint, SearchIndex, Writing};

use std::path::Path;

use dossier_extract::Extractor;

use super::entries::{self, by_library};
use super::{READY, blocking, index_error, io};
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

/// What a rebuild run wrote.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rebuilt {
    pub documents: u64,
    /// Workspaces and folders.
    pub containers: u64,
}

/// Rebuilds the index. Resumes an unfinished rebuild if one is there.
pub async fn rebuild(
    d: &Dossier,
    root: &Path,
    extractor: &Extractor,
    mut progress: impl FnMut(Progress),
) -> Result<Rebuilt> {
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
        None => super::new_generation(root, d.now())?,
    };
    let mut dir = root.join(&generation);
    let index = match SearchIndex::open(&dir, Writing::Rebuild) {
        // An unfinished rebuild of another version: start over.
        Err(dossier_index::IndexError::SchemaChanged(_)) => {
            std::fs::remove_dir_all(&dir).map_err(io)?;
            dir = root.join(super::new_generation(root, d.now())?);
            SearchIndex::open(&dir, Writing::Rebuild).map_err(index_error)?
        }
        other => other.map_err(index_error)?,
    };
    let index = Arc::new(index);
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
        (dossier_store::search::count_latest(&mut conn).await?
            + dossier_store::containers::count(&mut conn).await?) as u64
    };
    let mut done = index.len();
    let mut written = Rebuilt::default();
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
            let read = entries::read(d, extractor, by_library(batch), seq).await?;
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
            blocking(move || staged.stage(changes)).await?;
            batch.record(d).await?;
            checkpoint.rebuilt_up_to = Some(last);
            since_commit += n;
            if since_commit >= COMMIT_EVERY {
                let (i, cp) = (index.clone(), checkpoint.clone());
                blocking(move || i.commit(&cp)).await?;
                since_commit = 0;
            }
            written.documents += n;
            done += n;
            progress(Progress { done, total });
        }
        Ok::<_, dossier_core::DomainError>(())
    };
    let (read, wrote) = futures::join!(reader, writer);
    read.and(wrote)?;
    // Then every workspace and folder. They are walked whole each run: the checkpoint's
    // position is the documents' walk, and containers are few and cheap (no text) beside
    // them, so a resumed rebuild simply writes them again (each write replaces its entry).
    let mut after = (String::new(), 0);
    loop {
        let (batch, changes) = {
            let mut conn = d.store.read().await?;
            let batch = dossier_store::containers::walk(&mut conn, &after, BATCH).await?;
            let mut changes = Vec::new();
            for (library, numbers) in by_library(batch.clone()) {
                let numbers = numbers.into_iter().collect();
                changes.extend(super::containers::changes(&mut conn, &library, &numbers).await?);
            }
            (batch, changes)
        };
        let Some(last) = batch.last().cloned() else {
            break;
        };
        after = last;
        let n = changes.len() as u64;
        let staged = index.clone();
        blocking(move || staged.stage(changes)).await?;
        written.containers += n;
        done += n;
        progress(Progress { done, total });
    }
    checkpoint.rebuilt_up_to = None;
    let finished = index.clone();
    blocking(move || finished.commit(&checkpoint)).await?;
    // Let the merges the rebuild started finish: the server then opens a few large
    // segments, not many small ones (every search visits each segment).
    let index = Arc::into_inner(index).ok_or_else(|| {
        dossier_core::DomainError::Internal("the rebuilt index is still in use".into())
    })?;
    blocking(move || index.close()).await?;
    std::fs::write(dir.join(READY), b"").map_err(io)?;
    Ok(written)
}
