//! Documents read as index entries: each one's entry as the index should hold it (profile,
//! folders, lookup descriptions, text from the cache or the extractor), and the index status
//! to record once the entries are committed. The live indexer and a rebuild both read
//! through here; this module depends on neither, so they do not depend on each other.

use std::collections::BTreeSet;

use dossier_core::{CustomValues, LibraryId};
use dossier_extract::Extractor;
use dossier_index::{Change, Indexable};
use dossier_store::search::{Extracted, Status, ToIndex};

use super::text::{self, Text};
use crate::{Dossier, Result};

/// Documents whose text is fetched or extracted at the same time (extractions are bounded
/// by the extractor's own pool; cached texts are blob reads).
const TEXT_CONCURRENCY: usize = 8;

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
    // The profile's subject, when it has one, is what the client sees and searches.
    if let Some(s) = &doc.email.subject {
        subject.clone_from(s);
    }
    Indexable {
        doc,
        workspace: row.workspace,
        folders: row.folders,
        body: text.body,
        subject,
        profile,
        metadata: row.metadata,
    }
}

/// A walk's documents grouped by library, in walk order.
pub(super) fn by_library(batch: Vec<(String, i64)>) -> Vec<(String, Vec<i64>)> {
    let mut out: Vec<(String, Vec<i64>)> = Vec::new();
    for (lib, n) in batch {
        match out.last_mut() {
            Some((l, numbers)) if *l == lib => numbers.push(n),
            _ => out.push((lib, vec![n])),
        }
    }
    out
}
