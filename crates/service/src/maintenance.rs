//! What the operator's commands and the server's own housekeeping do to the stores
//! directly: closing, snapshots, stored content by hash, leftovers of interrupted
//! uploads. None of it takes a `Caller`, so no request handler calls it; the surfaces
//! reach content through the use cases (`open_content`, `read_content`, `upload`).

use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use dossier_blob::{BlobError, Leftover};
use futures::stream::BoxStream;

use crate::{Dossier, Result, blob_error};

/// Content as it streams out of the content store.
pub type ContentStream = BoxStream<'static, std::result::Result<Bytes, BlobError>>;

impl Dossier {
    /// Closes the database pool, waiting for connections in use (at shutdown).
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// Copies the database, consistently, into a new SQLite file (`dossier backup`).
    pub async fn snapshot_database(&self, into: &Path) -> Result<()> {
        self.store.snapshot_into(into).await
    }

    /// Stored content by its hash, for `dossier backup`; a surface serves content only
    /// through `read_content`, which checks the caller's access.
    pub async fn stored_content(&self, hash: &str) -> Result<ContentStream> {
        self.blobs.get(hash, None).await.map_err(blob_error)
    }

    /// Removes what interrupted uploads left in the content store; with `idle`, only what
    /// has not changed for that long (an upload may still be writing).
    pub async fn sweep_leftovers(&self, idle: Option<Duration>) -> Result<Vec<Leftover>> {
        self.blobs.sweep_leftovers(idle).await.map_err(blob_error)
    }

    /// Where content is stored, for the start-up banner (no credentials).
    pub fn content_description(&self) -> &str {
        self.blobs.description()
    }

    /// A part of stored content for a download that already passed `open_content`.
    pub(crate) async fn content_range(
        &self,
        hash: &str,
        range: Option<Range<u64>>,
    ) -> Result<ContentStream> {
        self.blobs.get(hash, range).await.map_err(blob_error)
    }
}
