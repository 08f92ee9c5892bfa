//! A filter worked out once per segment and shared by every clause of a search that needs
//! it: the caller's readable set. The text of a query is matched field by field (name,
//! body, subject, …) and each field's matches are intersected with the readable set
//! *before* they are combined, so a common word's union over the fields only ever handles
//! documents the caller may read; computing the set once keeps that cheap.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::query::{
    BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TERMINATED};

type Cache = Arc<Mutex<HashMap<SegmentId, Arc<BitSet>>>>;

/// `inner`'s matches, as a constant-score filter computed once per segment however many
/// clones of it a query holds.
#[derive(Clone, Debug)]
pub(crate) struct SharedFilter {
    inner: Arc<dyn Query>,
    cache: Cache,
}

impl SharedFilter {
    pub(crate) fn new(inner: Box<dyn Query>) -> SharedFilter {
        SharedFilter {
            inner: Arc::from(inner),
            cache: Cache::default(),
        }
    }
}

impl Query for SharedFilter {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let inner = self
            .inner
            .weight(EnableScoring::disabled_from_schema(enable_scoring.schema()))?;
        Ok(Box::new(SharedWeight {
            inner,
            cache: self.cache.clone(),
        }))
    }
}

struct SharedWeight {
    inner: Box<dyn Weight>,
    cache: Cache,
}

impl SharedWeight {
    fn bits(&self, reader: &SegmentReader) -> tantivy::Result<Arc<BitSet>> {
        let id = reader.segment_id();
        if let Some(bits) = self.lock().get(&id) {
            return Ok(bits.clone());
        }
        let mut bits = BitSet::with_max_value(reader.max_doc());
        let mut docs = self.inner.scorer(reader, 1.0)?;
        let mut doc = docs.doc();
        while doc != TERMINATED {
            bits.insert(doc);
            doc = docs.advance();
        }
        let bits = Arc::new(bits);
        self.lock().insert(id, bits.clone());
        Ok(bits)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<BitSet>>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Weight for SharedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let bits = self.bits(reader)?;
        Ok(Box::new(ConstScorer::new(
            BitSetDocSet::from(BitSet::clone(&bits)),
            boost,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if self.bits(reader)?.contains(doc) {
            Ok(Explanation::new("readable", 0.0))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} is not readable"
            )))
        }
    }
}
