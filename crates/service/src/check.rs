//! `dossier check`: re-hashes every stored blob and matches every document version to its
//! blob. Reports damage; changes nothing.

use std::collections::HashSet;

use dossier_blob::Verdict;
use dossier_core::{DocumentId, LibraryId};

use crate::{Dossier, Result, blob_error};

#[derive(Debug, Default)]
pub struct CheckReport {
    pub blobs_checked: usize,
    pub versions_checked: usize,
    /// Blobs whose bytes no longer hash to their name.
    pub corrupt: Vec<String>,
    /// Blobs registered in the metadata but absent from the content store.
    pub missing: Vec<String>,
    /// Versions that name a blob the registry does not know.
    pub unregistered: Vec<String>,
    /// Versions whose recorded size differs from the blob's.
    pub size_mismatch: Vec<String>,
    /// What interrupted writes left in the content store (not damage: the next start
    /// removes it; with the server running, uploads in flight show here too).
    pub leftovers: Vec<dossier_blob::Leftover>,
    /// Blobs in the content store that the registry does not know: content whose upload
    /// failed after it was stored. Not damage; nothing refers to them.
    pub unregistered_blobs: Vec<(String, u64)>,
    /// Blobs no version references, which the garbage collector removes after its grace
    /// period. Not damage.
    pub awaiting_collection: usize,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.corrupt.is_empty()
            && self.missing.is_empty()
            && self.unregistered.is_empty()
            && self.size_mismatch.is_empty()
    }
}

impl Dossier {
    pub async fn check(&self) -> Result<CheckReport> {
        let mut report = CheckReport::default();
        let (blobs, marked, versions) = {
            let mut conn = self.store.read().await?;
            (
                dossier_store::blobs::all(&mut conn).await?,
                dossier_store::blobs::marked(&mut conn).await?,
                dossier_store::documents::all_content(&mut conn).await?,
            )
        };
        report.awaiting_collection = marked.iter().filter(|(_, collected)| !collected).count();
        let marked: HashSet<String> = marked.into_iter().map(|(hash, _)| hash).collect();
        let mut sizes = std::collections::HashMap::new();
        let mut bad = HashSet::new();
        for (hash, size) in &blobs {
            report.blobs_checked += 1;
            sizes.insert(hash.clone(), *size);
            match self.blobs.verify(hash).await.map_err(blob_error)? {
                Verdict::Intact => {}
                Verdict::Missing => {
                    report.missing.push(hash.clone());
                    bad.insert(hash.clone());
                }
                Verdict::Corrupt { actual_hash } => {
                    report
                        .corrupt
                        .push(format!("{hash} (now hashes to {actual_hash})"));
                    bad.insert(hash.clone());
                }
            }
        }
        for (library, number, version, hash, size) in versions {
            report.versions_checked += 1;
            let id = DocumentId::new(LibraryId::parse(&library)?, number, version);
            match sizes.get(&hash) {
                None => report.unregistered.push(format!("{id} → {hash}")),
                Some(s) if *s != size => report
                    .size_mismatch
                    .push(format!("{id}: profile says {size} bytes, blob has {s}")),
                Some(_) => {}
            }
        }
        report.leftovers = self.blobs.leftovers().await.map_err(blob_error)?;
        report.unregistered_blobs = self
            .blobs
            .stored_blobs()
            .await
            .map_err(blob_error)?
            .into_iter()
            .filter(|(hash, _)| !sizes.contains_key(hash) && !marked.contains(hash))
            .collect();
        Ok(report)
    }
}
