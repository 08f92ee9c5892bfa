//! What a caller may read in one library, as a query: documents whose ACL key is one the
//! caller reads, or that the caller owns, in that library.
//!
//! The ACL keys are tested against the `acl` column, decoded a block at a time, with the
//! keys as a bit map, rather than looked up as terms: a term set costs a dictionary lookup
//! and a posting list per key per segment (and builds an automaton per search), while the
//! column scan costs about a nanosecond per entry whatever the number of keys.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tantivy::columnar::ColumnIndex;
use tantivy::index::SegmentId;
use tantivy::query::{
    BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

/// Entries decoded from the column at a time.
const BLOCK: usize = 4096;
/// Keys up to this value are tested with a bit map (4 MiB at most); larger ones with a
/// hash set.
const BITMAP_KEYS: i64 = 32 * 1024 * 1024;

/// Readable sets kept between searches: a caller's searches follow one another, segments
/// never change (deletions are left out by the collectors), and a set is one bit per
/// entry of a segment. An entry is used only for the very same library, owner and keys.
const CACHED_SETS: usize = 512;

type CacheKey = (SegmentId, String, String);

#[derive(Default)]
pub(crate) struct ReadableCache {
    sets: Mutex<HashMap<CacheKey, Cached>>,
}

struct Cached {
    keys: Option<Arc<Vec<i64>>>,
    bits: Arc<BitSet>,
    used: u64,
}

impl ReadableCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CacheKey, Cached>> {
        self.sets.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, key: &CacheKey, keys: &Option<Arc<Vec<i64>>>) -> Option<Arc<BitSet>> {
        let mut sets = self.lock();
        let now = sets.values().map(|c| c.used).max().unwrap_or(0) + 1;
        let hit = sets.get_mut(key).filter(|c| c.keys == *keys)?;
        hit.used = now;
        Some(hit.bits.clone())
    }

    fn put(&self, key: CacheKey, keys: Option<Arc<Vec<i64>>>, bits: Arc<BitSet>) {
        let mut sets = self.lock();
        if sets.len() >= CACHED_SETS {
            // The least recently used half goes: a rare sweep.
            let mut used: Vec<u64> = sets.values().map(|c| c.used).collect();
            used.sort_unstable();
            let cut = used[used.len() / 2];
            sets.retain(|_, c| c.used > cut);
        }
        let used = sets.values().map(|c| c.used).max().unwrap_or(0) + 1;
        sets.insert(key, Cached { keys, bits, used });
    }
}

impl std::fmt::Debug for ReadableCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadableCache").finish_non_exhaustive()
    }
}

/// A set of ACL keys, tested per entry.
#[derive(Debug)]
enum Keys {
    Bits(Vec<u64>),
    Hashed(HashSet<i64>),
}

impl Keys {
    fn new(keys: &[i64]) -> Keys {
        let max = keys.iter().copied().max().unwrap_or(0);
        if keys.iter().all(|k| *k >= 0) && max < BITMAP_KEYS {
            let mut bits = vec![0u64; (max as usize) / 64 + 1];
            for k in keys {
                bits[*k as usize / 64] |= 1 << (*k as usize % 64);
            }
            Keys::Bits(bits)
        } else {
            Keys::Hashed(keys.iter().copied().collect())
        }
    }

    #[inline]
    fn contains(&self, key: i64) -> bool {
        match self {
            Keys::Bits(bits) => {
                key >= 0
                    && bits
                        .get(key as usize / 64)
                        .is_some_and(|w| w & (1 << (key as usize % 64)) != 0)
            }
            Keys::Hashed(set) => set.contains(&key),
        }
    }
}

/// The documents of `library` the caller reads: by ACL key (`None`: every key, for
/// administrators) or as their owner.
#[derive(Clone, Debug)]
pub(crate) struct Readable {
    library: Term,
    acl: String,
    /// The keys as given (a cached set serves only the very same keys) and as tested.
    key_list: Option<Arc<Vec<i64>>>,
    keys: Option<Arc<Keys>>,
    owner: Term,
    cache: Arc<ReadableCache>,
}

impl Readable {
    pub(crate) fn new(
        library: Term,
        acl_field: &str,
        keys: Option<&[i64]>,
        owner: Term,
        cache: Arc<ReadableCache>,
    ) -> Readable {
        Readable {
            library,
            acl: acl_field.to_string(),
            key_list: keys.map(|k| Arc::new(k.to_vec())),
            keys: keys.map(|k| Arc::new(Keys::new(k))),
            owner,
            cache,
        }
    }

    fn cache_key(&self, reader: &SegmentReader) -> CacheKey {
        let text = |t: &Term| t.value().as_str().unwrap_or_default().to_string();
        (reader.segment_id(), text(&self.library), text(&self.owner))
    }
}

impl Query for Readable {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Readable {
    /// Every entry of the segment whose `field` holds `term` (postings, deleted ones too:
    /// collectors leave those out).
    fn postings(reader: &SegmentReader, term: &Term, into: &mut BitSet) -> tantivy::Result<()> {
        let index = reader.inverted_index(term.field())?;
        if let Some(mut p) = index.read_postings(term, IndexRecordOption::Basic)? {
            let mut doc = p.doc();
            while doc != TERMINATED {
                into.insert(doc);
                doc = p.advance();
            }
        }
        Ok(())
    }

    /// Whether every entry of the segment is in this library (the usual single-library
    /// firm): then the library needs no test.
    fn whole_segment(reader: &SegmentReader, library: &Term) -> tantivy::Result<bool> {
        let index = reader.inverted_index(library.field())?;
        let dict = index.terms();
        Ok(dict.num_terms() == 1 && dict.term_ord(library.serialized_value_bytes())?.is_some())
    }

    fn bits(&self, reader: &SegmentReader) -> tantivy::Result<Option<BitSet>> {
        let Some(keys) = &self.keys else {
            return Ok(None);
        };
        let max_doc = reader.max_doc();
        let mut bits = BitSet::with_max_value(max_doc);
        let column = reader.fast_fields().i64(&self.acl)?;
        if matches!(column.index, ColumnIndex::Full) {
            let mut block = vec![0i64; BLOCK];
            let mut start: u32 = 0;
            while start < max_doc {
                let n = BLOCK.min((max_doc - start) as usize);
                column.values.get_range(start as u64, &mut block[..n]);
                for (i, key) in block[..n].iter().enumerate() {
                    if keys.contains(*key) {
                        bits.insert(start + i as u32);
                    }
                }
                start += n as u32;
            }
        } else {
            for doc in 0..max_doc {
                if column.first(doc).is_some_and(|k| keys.contains(k)) {
                    bits.insert(doc);
                }
            }
        }
        Self::postings(reader, &self.owner, &mut bits)?;
        Ok(Some(bits))
    }
}

impl Weight for Readable {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let key = self.cache_key(reader);
        let bits = match self.cache.get(&key, &self.key_list) {
            Some(bits) => bits,
            None => {
                let bits = Arc::new(self.compute(reader)?);
                self.cache.put(key, self.key_list.clone(), bits.clone());
                bits
            }
        };
        Ok(Box::new(ConstScorer::new(
            BitSetDocSet::from(BitSet::clone(&bits)),
            boost,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut s = self.scorer(reader, 1.0)?;
        if s.seek(doc) == doc {
            Ok(Explanation::new("readable", 0.0))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} is not readable"
            )))
        }
    }
}

impl Readable {
    /// The segment's readable entries, worked out from its columns and postings.
    fn compute(&self, reader: &SegmentReader) -> tantivy::Result<BitSet> {
        let max_doc = reader.max_doc();
        let whole = Self::whole_segment(reader, &self.library)?;
        Ok(match (self.bits(reader)?, whole) {
            (None, true) => BitSet::with_max_value_and_full(max_doc),
            (None, false) => {
                let mut all = BitSet::with_max_value(max_doc);
                Self::postings(reader, &self.library, &mut all)?;
                all
            }
            (Some(bits), true) => bits,
            (Some(bits), false) => {
                let mut in_library = BitSet::with_max_value(max_doc);
                Self::postings(reader, &self.library, &mut in_library)?;
                let mut both = BitSet::with_max_value(max_doc);
                for doc in 0..max_doc {
                    if bits.contains(doc) && in_library.contains(doc) {
                        both.insert(doc);
                    }
                }
                both
            }
        })
    }
}
