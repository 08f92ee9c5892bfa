//! Lookup descriptions as searchable words: a client's or matter's name beside the alias
//! a profile stores (`C001` → "Harrington Steel Ltd"), for documents and containers alike.

use std::collections::{BTreeSet, HashMap};

use dossier_core::custom::{CUSTOM_COUNT, is_lookup, parent_of};
use dossier_core::{CustomValues, LibraryId};
use dossier_store::AnyConnection;

use crate::Result;

/// The (parent alias, alias) of the lookup entry these values name in lookup field `n`.
fn named(customs: &CustomValues, n: usize) -> Option<(String, String)> {
    let alias = customs.get(n)?.as_text()?;
    let parent = match parent_of(n) {
        Some(p) => customs.get(p)?.as_text()?,
        None => "",
    };
    Some((parent.to_uppercase(), alias.to_uppercase()))
}

/// Per item, the descriptions of the lookup entries it names in custom1–12, 29 and 30:
/// one batch per field for all the items, not a query per item. (An edited entry
/// re-indexes the items naming it: `indexer`, lookup events.)
pub(crate) async fn descriptions(
    conn: &mut AnyConnection,
    library: &LibraryId,
    items: &[&CustomValues],
) -> Result<Vec<Vec<String>>> {
    let fields: Vec<usize> = (1..=CUSTOM_COUNT).filter(|n| is_lookup(*n)).collect();
    let mut described: HashMap<(usize, String, String), String> = HashMap::new();
    for &n in &fields {
        let pairs: BTreeSet<(String, String)> = items.iter().filter_map(|c| named(c, n)).collect();
        if pairs.is_empty() {
            continue;
        }
        let pairs: Vec<(String, String)> = pairs.into_iter().collect();
        for l in dossier_store::catalog::lookups_named(conn, library, n, &pairs).await? {
            if !l.description.trim().is_empty() {
                let key = (
                    n,
                    l.parent_alias.unwrap_or_default(),
                    l.alias.to_uppercase(),
                );
                described.insert(key, l.description);
            }
        }
    }
    Ok(items
        .iter()
        .map(|c| {
            fields
                .iter()
                .filter_map(|&n| {
                    let (parent, alias) = named(c, n)?;
                    described.get(&(n, parent, alias)).cloned()
                })
                .collect()
        })
        .collect())
}
