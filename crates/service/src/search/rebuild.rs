//! `dossier reindex`: builds a new index generation from the database and the cached text,
//! while the server goes on answering from the current one. The rebuild commits every
//! batch with how far it has come, so an interrupted run resumes where it stopped; when it
//! is done it marks the generation ready and the indexer switches to it.

use std::sync::Arc;

use dossier_index::{Checkpoint, SearchIndex};

use std::path::Path;

use dossier_extract::Extractor;

use super::{READY, index_error, indexer, io};
use crate::{Dossier, Result};

/// Documents per rebuild commit.
const BATCH: i64 = 2_000;

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
        None => super::new_generation(root)?,
    };
    let mut dir = root.join(&generation);
    let index = match SearchIndex::open(&dir) {
        // An unfinished rebuild of another version: start over.
        Err(dossier_index::IndexError::SchemaChanged(_)) => {
            std::fs::remove_dir_all(&dir).map_err(io)?;
            dir = root.join(super::new_generation(root)?);
            SearchIndex::open(&dir).map_err(index_error)?
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
    loop {
        let after = checkpoint.rebuilt_up_to.clone().unwrap_or_default();
        let batch = {
            let mut conn = d.store.read().await?;
            dossier_store::search::walk(&mut conn, &after, BATCH).await?
        };
        let Some(last) = batch.last().cloned() else {
            break;
        };
        let mut by_library: Vec<(String, Vec<i64>)> = Vec::new();
        for (lib, n) in batch {
            match by_library.last_mut() {
                Some((l, numbers)) if *l == lib => numbers.push(n),
                _ => by_library.push((lib, vec![n])),
            }
        }
        checkpoint.rebuilt_up_to = Some(last);
        let n = indexer::write(
            d,
            extractor,
            index.clone(),
            by_library,
            Vec::new(),
            &checkpoint,
        )
        .await? as u64;
        written.documents += n;
        done += n;
        progress(Progress { done, total });
    }
    // Then every workspace and folder. They are walked whole each run: the checkpoint's
    // position is the documents' walk, and containers are few and cheap (no text) beside
    // them, so a resumed rebuild simply writes them again (each write replaces its entry).
    let mut after = (String::new(), 0);
    loop {
        let (batch, changes) = {
            let mut conn = d.store.read().await?;
            let batch = dossier_store::containers::walk(&mut conn, &after, BATCH).await?;
            let mut changes = Vec::new();
            let mut i = 0;
            while i < batch.len() {
                let library = batch[i].0.clone();
                let numbers: std::collections::BTreeSet<i64> = batch[i..]
                    .iter()
                    .take_while(|(l, _)| *l == library)
                    .map(|(_, n)| *n)
                    .collect();
                i += numbers.len();
                changes.extend(super::containers::changes(&mut conn, &library, &numbers).await?);
            }
            (batch, changes)
        };
        let Some(last) = batch.last().cloned() else {
            break;
        };
        after = last;
        let n = changes.len() as u64;
        indexer::write(
            d,
            extractor,
            index.clone(),
            Vec::new(),
            changes,
            &checkpoint,
        )
        .await?;
        written.containers += n;
        done += n;
        progress(Progress { done, total });
    }
    checkpoint.rebuilt_up_to = None;
    index.apply(Vec::new(), &checkpoint).map_err(index_error)?;
    drop(index);
    std::fs::write(dir.join(READY), b"").map_err(io)?;
    Ok(written)
}
