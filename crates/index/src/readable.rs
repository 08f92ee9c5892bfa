//! What a caller may read in one library, as a query: documents whose ACL key is one the
//! caller reads, or that the caller owns, in that library.
//!
//! The ACL keys are tested against the `acl` column, decoded a block at a time, with the
//! keys as a bit map, rather than looked up as terms: a term set costs a dictionary lookup
//! and a posting list per key per segment (and builds an automaton per search), while the
//! column scan costs about a nanosecond per entry whatever the number of keys.

use std::collections::HashSet;
use std::sync::Arc;

use tantivy::columnar::ColumnIndex;
use tantivy::query::{
    AllScorer, BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

/// Entries decoded from the column at a time.
const BLOCK: usize = 4096;
/// Keys up to this value are tested with a bit map (4 MiB at most); larger ones with a
/// hash set.
const BITMAP_KEYS: i64 = 32 * 1024 * 1024;

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
    keys: Option<Arc<Keys>>,
    owner: Term,
}

impl Readable {
    pub(crate) fn new(
        library: Term,
        acl_field: &str,
        keys: Option<&[i64]>,
        owner: Term,
    ) -> Readable {
        Readable {
            library,
            acl: acl_field.to_string(),
            keys: keys.map(|k| Arc::new(Keys::new(k))),
            owner,
        }
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
        let max_doc = reader.max_doc();
        let whole = Self::whole_segment(reader, &self.library)?;
        let readable = match (self.bits(reader)?, whole) {
            (None, true) => return Ok(Box::new(ConstScorer::new(AllScorer::new(max_doc), boost))),
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
        };
        Ok(Box::new(ConstScorer::new(
            BitSetDocSet::from(readable),
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
