//! The indexer: the one writer of the search index. It reads the outbox after the index's
//! checkpoint, works out which documents the events touched, re-reads those documents from
//! the database (the outbox says *what* changed, the tables say *how it is now*), and
//! commits their entries together with the new checkpoint. A crash between the index commit
//! and anything after it only makes the next run apply the same events again.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use dossier_core::events;
use dossier_core::{ContainerId, CustomValues, LibraryId};
use dossier_extract::Extractor;
use dossier_index::{Change, Checkpoint, Indexable, SearchIndex};
use dossier_store::search::{Extracted, Status, ToIndex};

use super::Search;
use super::text::{self, Text};
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
/// Documents whose text is fetched or extracted at the same time (extractions are bounded
/// by the extractor's own pool; cached texts are blob reads).
const TEXT_CONCURRENCY: usize = 8;

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

/// Applies the events after the index's checkpoint, one round at a time, until none are
/// left. Returns how many events were applied.
pub async fn catch_up(d: &Dossier, search: &Search) -> Result<usize> {
    let mut applied = 0;
    loop {
        let n = round(d, search).await?;
        if n == 0 {
            return Ok(applied);
        }
        applied += n;
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
        .map(|chunk| super::rebuild::by_library(chunk.to_vec()))
        .collect()
}

/// Re-reads these documents and commits their entries (or their removal), with
/// `containers` (entries already read), in one commit with `checkpoint`, then records the
/// documents' index status. Returns the documents written.
pub(crate) async fn write(
    d: &Dossier,
    extractor: &Extractor,
    index: Arc<SearchIndex>,
    documents: Vec<(String, Vec<i64>)>,
    containers: Vec<Change>,
    checkpoint: &Checkpoint,
) -> Result<usize> {
    let mut batch = read(d, extractor, documents, checkpoint.seq).await?;
    let count = batch.changes.len();
    let mut changes = containers;
    changes.append(&mut batch.changes);
    let cp = checkpoint.clone();
    // The commit fsyncs: off the async threads.
    blocking(move || index.apply(changes, &cp)).await?;
    batch.record(d).await?;
    Ok(count)
}

/// Runs index work off the async threads (it blocks on the writer and fsyncs).
pub(crate) async fn blocking(
    f: impl FnOnce() -> dossier_index::Result<()> + Send + 'static,
) -> Result<()> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| dossier_core::DomainError::Internal(e.to_string()))?
        .map_err(super::index_error)
}

/// Documents read for the index: their entries (or removals), and what to record in the
/// database once those are applied.
#[derive(Default)]
pub(crate) struct Batch {
    pub(crate) changes: Vec<Change>,
    statuses: Vec<Status>,
    /// Extractions made for this batch, cached by content hash.
    extracted: Vec<(String, Extracted)>,
    /// Per library, documents that no longer exist.
    removed: Vec<(String, Vec<i64>)>,
}

impl Batch {
    /// Records the index status of the batch's documents (and the texts it extracted), in
    /// one transaction.
    pub(crate) async fn record(&self, d: &Dossier) -> Result<()> {
        let mut tx = d.store.begin().await?;
        for (hash, e) in &self.extracted {
            dossier_store::search::put_extracted(tx.conn(), hash, e, d.now()).await?;
        }
        dossier_store::search::put_status(tx.conn(), &self.statuses).await?;
        for (library, numbers) in &self.removed {
            dossier_store::search::remove_status(tx.conn(), library, numbers).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Re-reads these documents (and their text) as the index should hold them; `seq` is the
/// outbox position the batch will be committed at.
pub(crate) async fn read(
    d: &Dossier,
    extractor: &Extractor,
    documents: Vec<(String, Vec<i64>)>,
    seq: i64,
) -> Result<Batch> {
    let mut batch = Batch::default();
    for (library, numbers) in documents {
        let lib = LibraryId::parse(&library)?;
        let rows = {
            let mut conn = d.store.read().await?;
            dossier_store::search::to_index(&mut conn, &lib, &numbers).await?
        };
        let present: BTreeSet<i64> = rows.iter().map(|r| r.doc.id.number).collect();
        let gone: Vec<i64> = numbers
            .into_iter()
            .filter(|n| !present.contains(n))
            .collect();
        for n in &gone {
            batch.changes.push(Change::Remove {
                library: library.clone(),
                number: *n,
            });
        }
        batch.removed.push((library.clone(), gone));
        let texts = texts(d, extractor, &rows).await?;
        let described = {
            let customs: Vec<&CustomValues> = rows.iter().map(|r| &r.doc.customs).collect();
            let mut conn = d.store.read().await?;
            super::lookups::descriptions(&mut conn, &lib, &customs).await?
        };
        for ((row, (text, fresh)), profile) in rows.into_iter().zip(texts).zip(described) {
            if let Some(e) = fresh {
                batch.extracted.push((row.doc.content_hash.clone(), e));
            }
            batch.statuses.push(Status {
                library: library.clone(),
                number: row.doc.id.number,
                version: row.doc.id.version,
                acl: row.doc.acl,
                workspace: row.workspace,
                outcome: text::outcome_name(&text.outcome).to_string(),
                reason: text::reason(&text.outcome).map(str::to_string),
                seq,
                indexed_at: d.now(),
            });
            batch
                .changes
                .push(Change::Put(Box::new(indexable(row, text, profile))));
        }
    }
    Ok(batch)
}

/// A document's text, and the extraction to cache when it was extracted just now.
type Got = (Text, Option<Extracted>);

/// The text of each row's content: cached, or extracted now (a few at a time).
async fn texts(d: &Dossier, extractor: &Extractor, rows: &[ToIndex]) -> Result<Vec<Got>> {
    let hashes: Vec<&str> = rows.iter().map(|r| r.doc.content_hash.as_str()).collect();
    let cache = {
        let mut conn = d.store.read().await?;
        dossier_store::search::extracted(&mut conn, &hashes).await?
    };
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(TEXT_CONCURRENCY) {
        let got = futures::future::join_all(
            chunk
                .iter()
                .map(|r| text_of(d, extractor, cache.get(&r.doc.content_hash), &r.doc)),
        )
        .await;
        out.extend(got);
    }
    Ok(out)
}

/// One document's text. An unreadable content must not hold up the rest: the document is
/// indexed by its profile and its status says why (it is retried when it next changes).
async fn text_of(
    d: &Dossier,
    extractor: &Extractor,
    cached: Option<&Extracted>,
    doc: &dossier_core::model::Document,
) -> Got {
    let got = match cached {
        Some(e) => text::from_cache(d, e).await.map(|t| (t, None)),
        None => text::extract(d, extractor, doc)
            .await
            .map(|(t, e)| (t, Some(e))),
    };
    got.unwrap_or_else(|e| {
        (
            Text {
                body: String::new(),
                outcome: dossier_extract::Outcome::Failed(format!(
                    "the content could not be read: {e}"
                )),
                email: None,
            },
            None,
        )
    })
}

fn indexable(row: ToIndex, text: Text, profile: Vec<String>) -> Indexable {
    let mut doc = row.doc;
    let mut subject = String::new();
    if let Some(h) = text.email {
        // The profile's email fields win; the message's own headers fill the gaps.
        let e = &mut doc.email;
        let joined = |v: &[String]| (!v.is_empty()).then(|| v.join("; "));
        e.from = e.from.take().or((!h.from.is_empty()).then_some(h.from));
        e.to = e.to.take().or(joined(&h.to));
        e.cc = e.cc.take().or(joined(&h.cc));
        e.bcc = e.bcc.take().or(joined(&h.bcc));
        e.sent_date = e
            .sent_date
            .or(h.sent.and_then(|s| chrono::DateTime::from_timestamp(s, 0)));
        e.received_date = e.received_date.or(h
            .received
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0)));
        subject = h.subject;
    }
    Indexable {
        doc,
        workspace: row.workspace,
        folders: row.folders,
        body: text.body,
        subject,
        profile,
    }
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
