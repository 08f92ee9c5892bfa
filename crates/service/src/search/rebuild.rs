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
    let index = Arc::new(SearchIndex::open(&dir).map_err(index_error)?);
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
        let n = indexer::write(d, extractor, index.clone(), by_library, &checkpoint).await? as u64;
        written += n;
        done += n;
        progress(Progress { done, total });
    }
    checkpoint.rebuilt_up_to = None;
    index.apply(Vec::new(), &checkpoint).map_err(index_error)?;
    drop(index);
    std::fs::write(dir.join(READY), b"").map_err(io)?;
    Ok(written)
}
