//! Content storage: document bytes over `object_store`, on a local directory by default or
//! any S3-compatible service. Blobs are addressed by their BLAKE3 hash
//! (`blobs/ab/cd/abcd…`), written and made durable before any metadata refers to them, never
//! rewritten, and so stored once however often the same bytes are uploaded.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};

/// Uploads up to this size are hashed in memory and written with one PUT; larger ones
/// stream through a staging object, so memory stays bounded whatever the file size.
const IN_MEMORY_LIMIT: usize = 1024 * 1024;
const PART_SIZE: usize = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The store cannot take or give the bytes (full disk, unwritable directory,
    /// unreachable S3 endpoint). The message is safe to show an administrator.
    #[error("content store unavailable: {0}")]
    Unavailable(String),
    #[error("content not found: {0}")]
    NotFound(String),
    /// The incoming stream failed (the client went away or sent a broken body).
    #[error("upload interrupted: {0}")]
    Interrupted(String),
    /// A range that starts beyond the end of the content.
    #[error("range not satisfiable")]
    BadRange,
    #[error("invalid content store configuration: {0}")]
    Config(String),
}

fn store_error(e: object_store::Error) -> BlobError {
    match e {
        object_store::Error::NotFound { path, .. } => BlobError::NotFound(path),
        other => BlobError::Unavailable(other.to_string()),
    }
}

/// Settings for an S3-compatible content store.
#[derive(Clone, Debug, Default)]
pub struct S3Settings {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub allow_http: bool,
}

/// A blob as stored: its content address and length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBlob {
    pub hash: String,
    pub size: i64,
}

/// What `verify` found for one blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Intact,
    Missing,
    Corrupt { actual_hash: String },
}

#[derive(Clone, Debug)]
pub struct ContentStore {
    inner: Arc<dyn ObjectStore>,
    description: String,
    /// The directory of a local store: leftovers are found there with the file system,
    /// because object_store's listing hides its own in-progress files (`name#1`).
    local_root: Option<std::path::PathBuf>,
}

/// Something an interrupted write left in the store: a staged upload, or a blob's
/// in-progress file. Removed at the next start; `dossier check` reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leftover {
    pub path: String,
    pub bytes: u64,
    /// When it was last written, where the store says.
    pub modified: Option<std::time::SystemTime>,
}

fn blob_path(hash: &str) -> Path {
    Path::from(layout(hash))
}

/// Where a blob lives relative to the store's root (`blobs/ab/cd/<hash>`), for copies of the
/// store that keep its layout (backups); `None` for a name that is not a blob hash, which must
/// never become a path.
pub fn blob_key(hash: &str) -> Option<String> {
    is_hash(hash).then(|| layout(hash))
}

fn layout(hash: &str) -> String {
    let a = hash.get(0..2).unwrap_or("00");
    let b = hash.get(2..4).unwrap_or("00");
    format!("blobs/{a}/{b}/{hash}")
}

fn is_hash(hash: &str) -> bool {
    hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl ContentStore {
    /// Opens the store named by `url`: a plain path or `file:///path` for a local directory
    /// (created if missing), or `s3://bucket/prefix`.
    pub async fn open(url: &str, s3: &S3Settings) -> Result<ContentStore, BlobError> {
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(BlobError::Config(format!("'{url}' names no bucket")));
            }
            let mut b = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_allow_http(s3.allow_http);
            if let Some(e) = &s3.endpoint {
                b = b.with_endpoint(e).with_virtual_hosted_style_request(false);
            }
            if let Some(r) = &s3.region {
                b = b.with_region(r);
            }
            if let Some(k) = &s3.access_key_id {
                b = b.with_access_key_id(k);
            }
            if let Some(k) = &s3.secret_access_key {
                b = b.with_secret_access_key(k);
            }
            let s3 = b.build().map_err(|e| BlobError::Config(e.to_string()))?;
            let inner: Arc<dyn ObjectStore> = if prefix.trim_matches('/').is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(PrefixStore::new(s3, prefix.trim_matches('/')))
            };
            let store = ContentStore {
                inner,
                description: url.to_string(),
                local_root: None,
            };
            store.probe().await?;
            return Ok(store);
        }
        let dir = url.strip_prefix("file://").unwrap_or(url);
        tokio::fs::create_dir_all(dir).await.map_err(|e| {
            BlobError::Unavailable(format!("cannot create content directory {dir}: {e}"))
        })?;
        let local = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| BlobError::Config(e.to_string()))?
            .with_fsync(true);
        let store = ContentStore {
            inner: Arc::new(local),
            description: dir.to_string(),
            local_root: Some(std::path::PathBuf::from(dir)),
        };
        store.probe().await?;
        Ok(store)
    }

    /// Whether the store answers (readiness): a metadata read of an object that never exists.
    pub async fn ping(&self) -> Result<(), BlobError> {
        self.exists(&"0".repeat(64)).await.map(|_| ())
    }

    /// Writes and removes a small object, so a read-only directory or a wrong S3 endpoint is
    /// reported at startup rather than at the first upload.
    async fn probe(&self) -> Result<(), BlobError> {
        let path = Path::from(format!("staging/probe-{}", uuid::Uuid::new_v4()));
        self.inner
            .put(&path, Bytes::from_static(b"probe").into())
            .await
            .map_err(|e| {
                BlobError::Unavailable(format!("{} is not writable: {e}", self.description))
            })?;
        self.inner.delete(&path).await.map_err(store_error)?;
        Ok(())
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// Stores one in-memory blob.
    pub async fn put_bytes(&self, bytes: Bytes) -> Result<StoredBlob, BlobError> {
        let hash = blake3::hash(&bytes).to_hex().to_string();
        let size = bytes.len() as i64;
        let path = blob_path(&hash);
        if self.inner.head(&path).await.is_err() {
            self.inner
                .put(&path, bytes.into())
                .await
                .map_err(store_error)?;
        }
        Ok(StoredBlob { hash, size })
    }

    /// Streams an upload into the store while hashing it. Returns only once the bytes are
    /// durable under their hash. If the stream fails midway, nothing is left behind.
    pub async fn put_stream<S, E>(&self, stream: S) -> Result<StoredBlob, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let mut stream = stream;
        let mut head = Vec::new();
        while head.len() < IN_MEMORY_LIMIT {
            match stream.next().await {
                Some(Ok(chunk)) => head.extend_from_slice(&chunk),
                Some(Err(e)) => return Err(BlobError::Interrupted(e.to_string())),
                None => return self.put_bytes(Bytes::from(head)).await,
            }
        }
        let staging = Path::from(format!("staging/{}", uuid::Uuid::new_v4()));
        let upload = self
            .inner
            .put_multipart(&staging)
            .await
            .map_err(store_error)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut hasher = blake3::Hasher::new();
        hasher.update(&head);
        writer.write(&head);
        let mut size = head.len() as i64;
        drop(head);
        let outcome: Result<(), BlobError> = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| BlobError::Interrupted(e.to_string()))?;
                hasher.update(&chunk);
                size += chunk.len() as i64;
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(store_error)?;
                writer.write(&chunk);
            }
            Ok(())
        }
        .await;
        if let Err(e) = outcome {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(error = %abort, "could not abort a failed upload");
            }
            return Err(e);
        }
        writer.finish().await.map_err(store_error)?;
        let hash = hasher.finalize().to_hex().to_string();
        self.promote(&staging, &blob_path(&hash)).await?;
        Ok(StoredBlob { hash, size })
    }

    /// Moves a staged upload to its content address, keeping an existing identical blob.
    async fn promote(&self, staging: &Path, target: &Path) -> Result<(), BlobError> {
        match self.inner.rename_if_not_exists(staging, target).await {
            Ok(()) => return Ok(()),
            Err(object_store::Error::AlreadyExists { .. }) => {}
            Err(
                object_store::Error::NotSupported { .. }
                | object_store::Error::NotImplemented { .. },
            ) => {
                // S3 without conditional copy: the target's name is its hash, so a plain copy
                // over an identical object is harmless.
                if self.inner.head(target).await.is_err() {
                    self.inner
                        .copy(staging, target)
                        .await
                        .map_err(store_error)?;
                }
            }
            Err(e) => {
                let _ = self.inner.delete(staging).await;
                return Err(store_error(e));
            }
        }
        self.inner.delete(staging).await.map_err(store_error)?;
        Ok(())
    }

    /// Reads a blob, or a byte range of it.
    pub async fn get(
        &self,
        hash: &str,
        range: Option<Range<u64>>,
    ) -> Result<BoxStream<'static, Result<Bytes, BlobError>>, BlobError> {
        if !is_hash(hash) {
            return Err(BlobError::NotFound(hash.to_string()));
        }
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let result = self
            .inner
            .get_opts(&blob_path(hash), options)
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { path, .. } => BlobError::NotFound(path),
                object_store::Error::Generic { ref source, .. }
                    if source.to_string().contains("range") =>
                {
                    BlobError::BadRange
                }
                other => BlobError::Unavailable(other.to_string()),
            })?;
        Ok(result.into_stream().map_err(store_error).boxed())
    }

    pub async fn exists(&self, hash: &str) -> Result<bool, BlobError> {
        match self.inner.head(&blob_path(hash)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(store_error(e)),
        }
    }

    /// Removes a blob's bytes; a blob already gone is not an error. The garbage
    /// collector's, which alone knows that nothing references them.
    pub async fn delete(&self, hash: &str) -> Result<(), BlobError> {
        if !is_hash(hash) {
            return Err(BlobError::Config(format!("{hash:?} is not a blob hash")));
        }
        match self.inner.delete(&blob_path(hash)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error(e)),
        }
    }

    /// Re-reads a blob and compares its hash with its name.
    pub async fn verify(&self, hash: &str) -> Result<Verdict, BlobError> {
        let mut stream = match self.get(hash, None).await {
            Ok(s) => s,
            Err(BlobError::NotFound(_)) => return Ok(Verdict::Missing),
            Err(e) => return Err(e),
        };
        let mut hasher = blake3::Hasher::new();
        while let Some(chunk) = stream.next().await {
            hasher.update(&chunk?);
        }
        let actual = hasher.finalize().to_hex().to_string();
        Ok(if actual == hash {
            Verdict::Intact
        } else {
            Verdict::Corrupt {
                actual_hash: actual,
            }
        })
    }

    /// What interrupted writes left behind: every file under `staging/` whatever its name
    /// (a crash mid-upload leaves object_store's `staging/<uuid>#1`), and a blob's
    /// in-progress file (`blobs/…/<hash>#<n>`). Only at start, or with the server stopped,
    /// is everything found a leftover: a running server has uploads in flight.
    pub async fn leftovers(&self) -> Result<Vec<Leftover>, BlobError> {
        match &self.local_root {
            Some(root) => {
                let root = root.clone();
                tokio::task::spawn_blocking(move || local_leftovers(&root))
                    .await
                    .map_err(|e| BlobError::Unavailable(e.to_string()))?
                    .map_err(|e| BlobError::Unavailable(format!("cannot list leftovers: {e}")))
            }
            None => {
                let staged: Vec<_> = self
                    .inner
                    .list(Some(&Path::from("staging")))
                    .map_ok(|m| Leftover {
                        path: m.location.to_string(),
                        bytes: m.size,
                        modified: Some(m.last_modified.into()),
                    })
                    .try_collect()
                    .await
                    .map_err(store_error)?;
                Ok(staged)
            }
        }
    }

    /// Removes the leftovers of interrupted writes: all of them at startup (`None`), or,
    /// while the server runs, those not written for `idle` (an upload in flight writes on,
    /// and one whose client went silent fails after the body timeout). Returns what went.
    pub async fn sweep_leftovers(
        &self,
        idle: Option<std::time::Duration>,
    ) -> Result<Vec<Leftover>, BlobError> {
        let mut found = self.leftovers().await?;
        if let Some(idle) = idle {
            // The age of a file is measured against its mtime, which the file system (or
            // the object store) stamps by the system clock: the service's `Clock` is not
            // that clock, so it cannot measure it.
            let now = std::time::SystemTime::now();
            found.retain(|l| {
                l.modified
                    .and_then(|m| now.duration_since(m).ok())
                    .is_some_and(|age| age >= idle)
            });
        }
        let mut removed = Vec::with_capacity(found.len());
        for l in found {
            // One that cannot be removed (gone meanwhile, or a permission) stays for the next
            // sweep and for `check`; the answer lists only what went.
            let gone = match &self.local_root {
                Some(root) => tokio::fs::remove_file(root.join(&l.path)).await.is_ok(),
                None => self
                    .inner
                    .delete(&Path::from(l.path.as_str()))
                    .await
                    .is_ok(),
            };
            if gone {
                removed.push(l);
            }
        }
        Ok(removed)
    }

    /// Every blob the store holds, by hash, with its size (`check` compares them with the
    /// registry: a blob nothing registers was left by an upload whose metadata never
    /// committed).
    pub async fn stored_blobs(&self) -> Result<Vec<(String, u64)>, BlobError> {
        let listed: Vec<_> = self
            .inner
            .list(Some(&Path::from("blobs")))
            .try_collect()
            .await
            .map_err(store_error)?;
        Ok(listed
            .into_iter()
            .filter_map(|m| {
                let name = m.location.filename()?.to_string();
                is_hash(&name).then_some((name, m.size))
            })
            .collect())
    }
}

/// `local_leftovers` for a local store's directory.
fn local_leftovers(root: &std::path::Path) -> std::io::Result<Vec<Leftover>> {
    fn walk(
        root: &std::path::Path,
        dir: &std::path::Path,
        keep: &dyn Fn(&str) -> bool,
        out: &mut Vec<Leftover>,
    ) -> std::io::Result<()> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                walk(root, &entry.path(), keep, out)?;
            } else if keep(&entry.file_name().to_string_lossy()) {
                let path = entry.path();
                let meta = entry.metadata()?;
                out.push(Leftover {
                    path: path
                        .strip_prefix(root)
                        .unwrap_or(&path)
                        .to_string_lossy()
                        .into_owned(),
                    bytes: meta.len(),
                    modified: meta.modified().ok(),
                });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, &root.join("staging"), &|_| true, &mut out)?;
    walk(root, &root.join("blobs"), &is_in_progress_name, &mut out)?;
    Ok(out)
}

/// object_store's local store writes `name` as `name#<n>` and renames it when complete.
fn is_in_progress_name(name: &str) -> bool {
    name.rsplit_once('#')
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_once_and_streams_large_content() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::open(dir.path().to_str().unwrap(), &S3Settings::default())
            .await
            .unwrap();
        let small = store.put_bytes(Bytes::from_static(b"hello")).await.unwrap();
        let again = store.put_bytes(Bytes::from_static(b"hello")).await.unwrap();
        assert_eq!(small, again);
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let chunks: Vec<Result<Bytes, std::io::Error>> = big
            .chunks(65536)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let stored = store
            .put_stream(futures::stream::iter(chunks))
            .await
            .unwrap();
        assert_eq!(stored.size, 3_000_000);
        assert_eq!(stored.hash, blake3::hash(&big).to_hex().to_string());
        assert_eq!(store.verify(&stored.hash).await.unwrap(), Verdict::Intact);
        let mut part = store.get(&stored.hash, Some(10..20)).await.unwrap();
        let first = part.next().await.unwrap().unwrap();
        assert_eq!(&first[..], &big[10..20]);
    }

    #[tokio::test]
    async fn a_broken_stream_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::open(dir.path().to_str().unwrap(), &S3Settings::default())
            .await
            .unwrap();
        let mut chunks: Vec<Result<Bytes, std::io::Error>> =
            (0..40).map(|_| Ok(Bytes::from(vec![7u8; 65536]))).collect();
        chunks.push(Err(std::io::Error::other("client went away")));
        let err = store
            .put_stream(futures::stream::iter(chunks))
            .await
            .unwrap_err();
        assert!(matches!(err, BlobError::Interrupted(_)));
        let staged = store.sweep_leftovers(None).await.unwrap();
        assert_eq!(
            staged,
            [],
            "an aborted upload must not leave a staged object"
        );
    }

    #[tokio::test]
    async fn leftovers_of_a_crash_are_found_whatever_their_names_and_swept() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::open(dir.path().to_str().unwrap(), &S3Settings::default())
            .await
            .unwrap();
        let kept = store.put_bytes(Bytes::from_static(b"kept")).await.unwrap();
        // What a kill -9 leaves: a staged upload under object_store's in-progress name, and a
        // blob's in-progress file beside a complete one.
        let staging = dir.path().join("staging");
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(staging.join("0b6c5e8a-upload#1"), vec![7u8; 1000]).unwrap();
        let blob_dir = dir.path().join("blobs").join("ab").join("cd");
        std::fs::create_dir_all(&blob_dir).unwrap();
        std::fs::write(blob_dir.join("abcd0123#3"), b"partial").unwrap();
        let mut found: Vec<(String, u64)> = store
            .leftovers()
            .await
            .unwrap()
            .into_iter()
            .map(|l| (l.path, l.bytes))
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                ("blobs/ab/cd/abcd0123#3".to_string(), 7),
                ("staging/0b6c5e8a-upload#1".to_string(), 1000),
            ]
        );
        // While the server runs only what has not been written for a while goes.
        let idle = std::time::Duration::from_secs(3600);
        assert_eq!(store.sweep_leftovers(Some(idle)).await.unwrap(), []);
        assert_eq!(store.sweep_leftovers(None).await.unwrap().len(), 2);
        assert_eq!(store.leftovers().await.unwrap(), []);
        // A blob nothing registered is listed with the others.
        let orphan = store
            .put_bytes(Bytes::from_static(b"orphan"))
            .await
            .unwrap();
        let mut stored = store.stored_blobs().await.unwrap();
        stored.sort();
        let mut want = vec![(kept.hash.clone(), 4), (orphan.hash.clone(), 6)];
        want.sort();
        assert_eq!(stored, want);
        assert_eq!(store.verify(&kept.hash).await.unwrap(), Verdict::Intact);
    }
}
