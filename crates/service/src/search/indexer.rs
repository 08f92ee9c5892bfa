//! The indexer: the one writer of the search index. It reads the outbox after the index's
//! checkpoint, works out which documents the events touched, re-reads those documents from
//! the database (the outbox says *what* changed, the tables say *how it is now*), and
//! commits their entries together with the new checkpoint. A crash between the index commit
//! and anything after it only makes the next run apply the same events again.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use dossier_core::events;
use dossier_core::{ContainerId, LibraryId};
use dossier_extract::Extractor;
use dossier_index::{Change, Checkpoint, SearchIndex};

use super::{Search, blocking, entries};
use crate::repeated::RepeatedWarning;
use crate::{Dossier, Result};

/// Events read per round: one index commit covers at most this many.
const EVENTS_PER_ROUND: i64 = 2_000;
/// Documents written per index commit when a round's events reach more than this.
const DOCUMENTS_PER_COMMIT: usize = 5_000;
/// How long an idle indexer waits before looking at the outbox again.
const IDLE_WAIT: Duration = Duration::from_millis(50);
/// The shortest time between two index commits while changes keep coming.
const BETWEEN_COMMITS: Duration = Duration::from_millis(250);

/// What a round of events asks the indexer to do.
#[derive(Default)]
struct Work {
    /// Per library, documents to re-read.
    documents: BTreeMap<String, BTreeSet<i64>>,
    /// Per library, containers whose security or place changed: documents of their
    /// workspaces whose indexed ACL key or workspace no longer matches are looked up.
    drift: BTreeMap<String, BTreeSet<i64>>,
    /// Per library, containers to re-read (created, edited, deleted).
    containers: BTreeMap<String, BTreeSet<i64>>,
    /// Per library, containers whose whole subtree is re-read: a move or a security change
    /// can change the ACL key or workspace of every container below.
    subtrees: BTreeMap<String, BTreeSet<i64>>,
    /// Per library and custom field, aliases of lookup entries created, edited or deleted:
    /// the documents and containers naming one carry its description among their words
    /// (`lookups`).
    lookups: BTreeMap<String, BTreeMap<usize, BTreeSet<String>>>,
}

impl Work {
    /// Notes what a change asks of the index. No wildcard: a new kind of change does not
    /// compile until it is decided here.
    fn note(&mut self, change: &events::Change) {
        use events::Change::*;
        match change {
            DocumentCreated { document, .. }
            | DocumentVersionAdded {
                version: document, ..
            }
            | DocumentCopied { document, .. }
            | DocumentUpdated { document }
            | DocumentProfileUpdated { document }
            | DocumentVersionDeleted { version: document }
            | DocumentRestored { version: document }
            | DocumentPurged { version: document }
            | DocumentFiled { document, .. }
            | DocumentUnfiled { document, .. }
            | DocumentSecurityChanged { document } => {
                self.documents
                    .entry(document.library.as_str().to_string())
                    .or_default()
                    .insert(document.number);
            }
            ContainerSecurityChanged { container } => {
                self.drifted(container);
                self.container(container, true);
            }
            WorkspaceCreated { workspace: c }
            | WorkspaceProfileUpdated { workspace: c }
            | WorkspaceUpdated { workspace: c }
            | ContainerCreated { container: c, .. }
            | ContainerProfileUpdated { container: c, .. }
            | ContainerUpdated { container: c, .. } => self.container(c, false),
            WorkspaceDeleted { workspace: c } | ContainerDeleted { container: c, .. } => {
                self.drifted(c);
                self.container(c, false);
            }
            ContainerMoved { container, .. } => {
                self.drifted(container);
                self.container(container, true);
            }
            LookupCreated {
                library,
                field,
                alias,
                ..
            }
            | LookupUpdated {
                library,
                field,
                alias,
                ..
            }
            | LookupDeleted {
                library,
                field,
                alias,
                ..
            } => {
                self.lookups
                    .entry(library.as_str().to_string())
                    .or_default()
                    .entry(*field)
                    .or_default()
                    .insert(alias.clone());
            }
            // Walls are applied at query time; users, groups and roles are not indexed.
            WallChanged { .. }
            | UserCreated { .. }
            | UserUpdated { .. }
            | UserDeleted { .. }
            | GroupCreated { .. }
            | GroupUpdated { .. }
            | GroupDeleted { .. }
            | GroupMembersChanged { .. }
            | RoleCreated { .. }
            | RoleUpdated { .. } => {}
        }
    }

    /// Notes a container to re-read (its subtree too when `below`).
    fn container(&mut self, id: &ContainerId, below: bool) {
        let to = if below {
            &mut self.subtrees
        } else {
            &mut self.containers
        };
        to.entry(id.library.as_str().to_string())
            .or_default()
            .insert(id.number);
    }

    /// Notes a container whose workspace's documents may have drifted.
    fn drifted(&mut self, c: &ContainerId) {
        self.drift
            .entry(c.library.as_str().to_string())
            .or_default()
            .insert(c.number);
    }
}

/// One round: at most `EVENTS_PER_ROUND` events, one index commit.
async fn round(d: &Dossier, search: &Search) -> Result<usize> {
    let index = search.index();
    let from = search.applied();
    let events = {
        let mut conn = d.store.read().await?;
        dossier_store::events::all_after(&mut conn, from, EVENTS_PER_ROUND).await?
    };
    let Some(last) = events.last().map(|e| e.seq) else {
        return Ok(0);
    };
    let mut work = Work::default();
    for e in &events {
        match e.change() {
            Ok(change) => work.note(&change),
            // Written by a newer version (or damaged): nothing this version could do with
            // it. The checkpoint passes it, so it is logged once; a rebuild reads the
            // tables and catches up whatever it changed.
            Err(unknown) => tracing::warn!(seq = e.seq, "search index skips an event: {unknown}"),
        }
    }
    if !work.drift.is_empty() {
        let mut conn = d.store.read().await?;
        for (library, containers) in &work.drift {
            let containers: Vec<i64> = containers.iter().copied().collect();
            let workspaces =
                dossier_store::search::workspaces_of(&mut conn, library, &containers).await?;
            let moved = dossier_store::search::drifted(&mut conn, library, &workspaces).await?;
            work.documents
                .entry(library.clone())
                .or_default()
                .extend(moved);
        }
    }
    let mut containers = work.containers;
    let mut container_changes = Vec::new();
    {
        let mut conn = d.store.read().await?;
        for (library, fields) in &work.lookups {
            for (field, aliases) in fields {
                let aliases: Vec<String> = aliases.iter().cloned().collect();
                let (docs, named) =
                    dossier_store::search::naming(&mut conn, library, *field, &aliases).await?;
                work.documents
                    .entry(library.clone())
                    .or_default()
                    .extend(docs);
                containers.entry(library.clone()).or_default().extend(named);
            }
        }
        for (library, roots) in work.subtrees {
            let lib = LibraryId::parse(&library)?;
            let numbers = containers.entry(library).or_default();
            for root in roots {
                let id = dossier_core::ContainerId::new(lib.clone(), root);
                numbers.extend(dossier_store::containers::subtree(&mut conn, &id).await?);
            }
        }
        for (library, numbers) in &containers {
            container_changes
                .extend(super::containers::changes(&mut conn, library, numbers).await?);
        }
    }
    // A round whose events reach many documents (a big client's lookup entry edited, a large
    // workspace re-secured) is written in slices, so its texts are never all in memory at
    // once. Every slice but the last commits the checkpoint the index already had: a crash
    // in between replays the whole round, and writing an entry again is harmless.
    let mut slices = slices(work.documents, DOCUMENTS_PER_COMMIT);
    let final_slice = slices.pop().unwrap_or_default();
    for slice in slices {
        let unchanged = Checkpoint {
            seq: from,
            rebuilt_up_to: None,
        };
        write(
            d,
            &search.extractor,
            index.clone(),
            slice,
            Vec::new(),
            &unchanged,
        )
        .await?;
    }
    write(
        d,
        &search.extractor,
        index,
        final_slice,
        container_changes,
        &Checkpoint {
            seq: last,
            rebuilt_up_to: None,
        },
    )
    .await?;
    search.set_applied(last);
    Ok(events.len())
}

/// Per-library document lists of at most `size` documents each, in order; at least one
/// (possibly empty) slice.
fn slices(documents: BTreeMap<String, BTreeSet<i64>>, size: usize) -> Vec<Vec<(String, Vec<i64>)>> {
    let all: Vec<(String, i64)> = documents
        .into_iter()
        .flat_map(|(library, numbers)| numbers.into_iter().map(move |n| (library.clone(), n)))
        .collect();
    if all.is_empty() {
        return vec![Vec::new()];
    }
    all.chunks(size)
        .map(|chunk| entries::by_library(chunk.to_vec()))
        .collect()
}

/// Re-reads these documents and commits their entries (or their removal), with
/// `containers` (entries already read), in one commit with `checkpoint`, then records the
/// documents' index status. Returns the documents written.
async fn write(
    d: &Dossier,
    extractor: &Extractor,
    index: Arc<SearchIndex>,
    documents: Vec<(String, Vec<i64>)>,
    containers: Vec<Change>,
    checkpoint: &Checkpoint,
) -> Result<usize> {
    let mut batch = entries::read(d, extractor, documents, checkpoint.seq).await?;
    let count = batch.changes.len();
    let mut changes = containers;
    changes.append(&mut batch.changes);
    let cp = checkpoint.clone();
    // The commit fsyncs: off the async threads.
    blocking(move || index.apply(changes, &cp)).await?;
    batch.record(d).await?;
    Ok(count)
}

/// Runs until `stop` fires: catches up, then waits for more events.
pub async fn run(
    d: Arc<Dossier>,
    search: Arc<Search>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    if search.needs_rebuild() {
        let rebuilt = super::rebuild::rebuild(&d, search.root(), &search.extractor, |_| {});
        tokio::select! {
            r = rebuilt => match r {
                Ok(n) => tracing::info!(documents = n.documents, containers = n.containers,
                    "rebuilt the search index"),
                // The marker stays: the next start tries again. Meanwhile the live index
                // follows the outbox from here.
                Err(e) => tracing::error!(error = %e, "cannot rebuild the search index"),
            },
            // Resumed at the next start (the rebuild commits its position).
            _ = stop.changed() => return,
        }
    }
    // Both fail every round while, say, the process is out of file descriptors: say so
    // once a minute, with what actually failed.
    let every = Duration::from_secs(60);
    let mut adopting = RepeatedWarning::new("cannot look for a rebuilt search index", every);
    let mut indexing = RepeatedWarning::new("search indexing failed; retrying", every);
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = search.adopt_rebuilt().await {
            adopting.note(format_args!("{e:?}"));
        }
        let pause = match round(&d, &search).await {
            // A full round means a backlog: go straight on.
            Ok(n) if n as i64 >= EVENTS_PER_ROUND => Duration::ZERO,
            // Each index commit fsyncs several files, on the disk uploads fsync to as well:
            // under load, commits are spaced so they stay a few per second.
            Ok(n) if n > 0 => BETWEEN_COMMITS,
            Ok(_) => IDLE_WAIT,
            Err(e) => {
                // The database or the index is unwell; try again shortly, from the
                // checkpoint (nothing was half applied).
                indexing.note(format_args!("{e:?}"));
                Duration::from_secs(1)
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_hold_at_most_their_size_in_order() {
        let mut documents = BTreeMap::new();
        documents.insert("A".to_string(), (1..=7).collect::<BTreeSet<i64>>());
        documents.insert("B".to_string(), (1..=2).collect::<BTreeSet<i64>>());
        let s = slices(documents, 4);
        assert_eq!(
            s,
            vec![
                vec![("A".to_string(), vec![1, 2, 3, 4])],
                vec![("A".to_string(), vec![5, 6, 7]), ("B".to_string(), vec![1])],
                vec![("B".to_string(), vec![2])],
            ]
        );
        assert_eq!(slices(BTreeMap::new(), 4), vec![Vec::new()]);
    }
}
