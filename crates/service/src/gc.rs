//! The blob garbage collector: removes the bytes of content that no document version
//! references any more (a purged document's, a deleted version's, replaced content).
//!
//! Content is addressed by its hash, so an upload may find its bytes already stored and
//! only add a reference to them: the collector must never remove bytes that an upload in
//! flight is about to reference. The protocol, over the blob registry's marks:
//!
//! 1. *Mark*: one transaction dooms every live blob no version references (`doomed_at`).
//! 2. *Sweep*: blobs doomed by an earlier pass, at least `grace` ago, that still nothing
//!    references are removed in write transactions that delete the bytes *while holding the
//!    database's writer* and mark them collected in the same transaction.
//! 3. *Upload*: the transaction that commits a version registers its blob
//!    (`Dossier::reference_blob`). A blob the collector had marked (doomed or collected)
//!    may have lost its bytes after the upload stored or found them, so the transaction
//!    checks that the bytes are there before it clears the marks, and refuses the upload
//!    (503, nothing written) if they are not. A blob never registered is new content the
//!    collector never touched; a live one has its bytes, since only a sweep removes bytes
//!    and it marks the row collected in the same transaction.
//!
//! Writers are serialised (SQLite's one writer connection, PostgreSQL's advisory lock), so
//! an upload's transaction runs wholly before or after a sweep's: before, its reference
//! keeps the blob from the sweep; after, it sees the blob marked and checks the bytes. A
//! sweep that fails to commit leaves rows doomed (the mark committed in an earlier pass),
//! so the bytes it removed are still checked for. Proof: `tests/it/recycle.rs`
//! (`gc_never_removes_content_an_upload_references`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use dossier_blob::StoredBlob;
use dossier_core::DomainError;
use dossier_store::AnyConnection;
use dossier_store::blobs::Standing;

use crate::{Dossier, Result, blob_error};

/// Blobs removed per sweep transaction: each holds the writer while it deletes their bytes.
const SWEEP_BATCH: i64 = 32;

/// How long a blob stays doomed before the housekeeping collects it.
pub const GRACE: Duration = Duration::from_secs(3600);

/// What one collection did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Collection {
    /// Blobs newly found unreferenced (collected by a later pass).
    pub doomed: u64,
    /// Blobs whose bytes were removed.
    pub collected: usize,
    pub bytes: i64,
}

impl Dossier {
    /// One pass of the collector (see the module): marks what is unreferenced now, removes
    /// what an earlier pass marked at least `grace` ago.
    pub async fn collect_garbage(&self, grace: Duration) -> Result<Collection> {
        let now = self.now();
        let mut report = Collection::default();
        let cutoff = now
            - chrono::Duration::from_std(grace)
                .map_err(|_| DomainError::internal("grace period out of range"))?;
        loop {
            let mut tx = self.store.begin().await?;
            let batch = sweepable(tx.conn(), cutoff, now).await?;
            for (hash, size) in &batch {
                self.blobs.delete(hash).await.map_err(blob_error)?;
                dossier_store::blobs::collected(tx.conn(), hash, now).await?;
                report.collected += 1;
                report.bytes += size;
            }
            tx.commit().await?;
            if (batch.len() as i64) < SWEEP_BATCH {
                break;
            }
        }
        let mut tx = self.store.begin().await?;
        report.doomed = dossier_store::blobs::doom_unreferenced(tx.conn(), now).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Registers the blob a new version references, in the version's transaction (see the
    /// module for why a marked blob's bytes are checked here).
    pub(crate) async fn reference_blob(
        &self,
        conn: &mut AnyConnection,
        blob: &StoredBlob,
        now: DateTime<Utc>,
    ) -> Result<()> {
        match dossier_store::blobs::reference(conn, &blob.hash, blob.size, now).await? {
            Standing::New | Standing::Live => Ok(()),
            Standing::Marked => {
                if self.blobs.exists(&blob.hash).await.map_err(blob_error)? {
                    dossier_store::blobs::revive(conn, &blob.hash).await
                } else {
                    Err(DomainError::Unavailable(
                        "the content was removed by the garbage collector while it was being uploaded; send it again".into(),
                    ))
                }
            }
        }
    }
}

/// Blobs a sweep at `now` may remove: doomed before `cutoff` and before this pass (whose
/// own mark comes after its sweep, so a blob is always marked in a committed transaction
/// before its bytes go).
async fn sweepable(
    conn: &mut AnyConnection,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<(String, i64)>> {
    let before = cutoff.min(now - chrono::Duration::microseconds(1));
    dossier_store::blobs::collectable(conn, before, SWEEP_BATCH).await
}
