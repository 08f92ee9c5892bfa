//! Facet counts ("refine by" panels): for each requested field (a lookup custom field, the
//! class, the type or the author), how many matching documents carry each value, from the
//! field's column of term ordinals. Counts are exact
//! (every match is counted, in every segment), so they can be checked against a reference.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::FacetCount;
use crate::schema::custom_name;

/// Values returned per field, as iManage does.
pub const TOP: usize = 5;

/// A field a search can count the values of: each is a single-valued keyword column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FacetField {
    /// A lookup custom field (custom1–12, 29, 30): client, matter and the like.
    Custom(usize),
    /// The class, as indexed (upper case).
    Class,
    /// The document type, as indexed (upper case).
    DocType,
    /// The author's user id, as indexed (lower case).
    Author,
}

impl FacetField {
    fn column(self) -> String {
        match self {
            FacetField::Custom(n) => custom_name(n),
            FacetField::Class => "class".into(),
            FacetField::DocType => "doc_type".into(),
            FacetField::Author => "author".into(),
        }
    }
}

pub struct TopValues {
    fields: Vec<FacetField>,
}

impl TopValues {
    pub fn new(fields: &[FacetField]) -> TopValues {
        TopValues {
            fields: fields.to_vec(),
        }
    }
}

/// One field in one segment: its values, their ordinals per entry (read as single values: a
/// custom field holds one) and a count per ordinal.
type FieldCounts = (StrColumn, Column<u64>, Vec<u64>);

pub struct SegmentTopValues {
    columns: Vec<Option<FieldCounts>>,
}

impl Collector for TopValues {
    type Fruit = Vec<(FacetField, Vec<FacetCount>)>;
    type Child = SegmentTopValues;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentTopValues> {
        let mut columns = Vec::new();
        for n in &self.fields {
            let column = segment.fast_fields().str(&n.column())?;
            columns.push(column.map(|c| {
                let terms = c.num_terms();
                let ords = c.ords().clone();
                (c, ords, vec![0; terms])
            }));
        }
        Ok(SegmentTopValues { columns })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        segments: Vec<Vec<HashMap<String, u64>>>,
    ) -> tantivy::Result<Self::Fruit> {
        let mut out = Vec::new();
        for (i, n) in self.fields.iter().enumerate() {
            let mut merged: HashMap<String, u64> = HashMap::new();
            for s in &segments {
                for (value, count) in &s[i] {
                    *merged.entry(value.clone()).or_default() += count;
                }
            }
            let mut counts: Vec<FacetCount> = merged
                .into_iter()
                .map(|(value, count)| FacetCount { value, count })
                .collect();
            // Most frequent first; ties by value, so the answer is the same every time.
            counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            counts.truncate(TOP);
            out.push((*n, counts));
        }
        Ok(out)
    }
}

impl SegmentCollector for SegmentTopValues {
    type Fruit = Vec<HashMap<String, u64>>;

    fn collect(&mut self, doc: DocId, _: Score) {
        for (_, ords, counts) in self.columns.iter_mut().flatten() {
            if let Some(c) = ords.first(doc).and_then(|o| counts.get_mut(o as usize)) {
                *c += 1;
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.columns
            .into_iter()
            .map(|column| {
                let mut values = HashMap::new();
                if let Some((column, _, counts)) = column {
                    // The values counted, resolved in one ordered pass over the
                    // dictionary rather than one lookup each.
                    let ords: Vec<u64> = (0..counts.len() as u64)
                        .filter(|o| counts[*o as usize] > 0)
                        .collect();
                    let mut at = ords.iter();
                    // A harvest cannot fail: a dictionary block that cannot be read (the
                    // segment's own mmapped file) leaves those values out, as a lookup
                    // of each would have.
                    let _ = column.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                        if let Some(o) = at.next() {
                            values.insert(
                                String::from_utf8_lossy(bytes).into_owned(),
                                counts[*o as usize],
                            );
                        }
                    });
                }
                values
            })
            .collect()
    }
}
