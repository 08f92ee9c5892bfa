//! `dossier backup DEST` and `dossier restore SRC`: a consistent copy of a SQLite
//! installation that a firm can keep elsewhere, and the way back from it.
//!
//! A backup directory holds `dossier.db` (a `VACUUM INTO` copy, taken while the server
//! runs), `blobs/ab/cd/<hash>` (every blob that copy registers, each checked against its
//! name as it is copied) and `manifest.json`, written last, so a backup without one is
//! unfinished. Backing up into the same directory again copies only the blobs it does not
//! hold yet. A restore checks every hash before it writes the database, so a damaged backup
//! restores nothing; the search index is then rebuilt from the database.
//!
//! PostgreSQL installations are backed up with `pg_dump` and the content store's own
//! tools (docs/backup.md); this module refuses them with that advice.

use std::io::Write;
use std::path::{Path, PathBuf};

use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::Config;

const MANIFEST: &str = "manifest.json";
const DATABASE: &str = "dossier.db";
const FORMAT: u32 = 1;

/// What a backup holds; `restore` trusts nothing it cannot check against this.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created_at: String,
    pub dossier_version: String,
    /// The database copy's BLAKE3 hash and size.
    pub database: FileEntry,
    /// Every blob the database registers: its hash (its name) and size.
    pub blobs: Vec<(String, u64)>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct FileEntry {
    pub file: String,
    pub blake3: String,
    pub bytes: u64,
}

/// What a backup did.
#[derive(Debug)]
pub struct BackedUp {
    pub blobs: usize,
    pub copied: usize,
    pub bytes_copied: u64,
}

fn sqlite_only(config: &Config) -> Result<PathBuf, String> {
    crate::sqlite_file(&config.database_url).ok_or_else(|| {
        "dossier backup and restore copy a SQLite installation; for PostgreSQL use pg_dump and pg_restore with the content store's own copy (see docs/backup.md)".to_string()
    })
}

fn io(what: &str, path: &Path) -> impl Fn(std::io::Error) -> String {
    let at = format!("{what} {}", path.display());
    move |e| format!("cannot {at}: {e}")
}

/// Backs the installation up into `dest` (created if needed).
pub async fn backup(config: &Config, dest: &Path) -> Result<BackedUp, String> {
    sqlite_only(config)?;
    crate::require_existing(config).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dest).map_err(io("create", dest))?;
    let dossier = crate::open(config).await.map_err(|e| e.to_string())?;
    // The database first: the blobs to copy are the ones this copy registers.
    let partial = dest.join(format!("{DATABASE}.partial"));
    let _ = std::fs::remove_file(&partial);
    dossier
        .snapshot_database(&partial)
        .await
        .map_err(|e| format!("cannot copy the database: {e}"))?;
    dossier.close().await;
    let blobs = dossier_store::Store::blobs_of_snapshot(&partial)
        .await
        .map_err(|e| format!("cannot read the database copy: {e}"))?;
    let mut report = BackedUp {
        blobs: blobs.len(),
        copied: 0,
        bytes_copied: 0,
    };
    let mut listed = Vec::with_capacity(blobs.len());
    for (hash, size) in blobs {
        let size = u64::try_from(size).unwrap_or(0);
        let target = dest.join(blob_path(&hash)?);
        let present = std::fs::metadata(&target).is_ok_and(|m| m.len() == size);
        if !present {
            copy_blob(&dossier, &hash, size, &target).await?;
            report.copied += 1;
            report.bytes_copied += size;
        }
        listed.push((hash, size));
    }
    let database = dest.join(DATABASE);
    sync_file(&partial)?;
    std::fs::rename(&partial, &database).map_err(io("rename", &partial))?;
    let manifest = Manifest {
        format: FORMAT,
        created_at: dossier.now().to_rfc3339(),
        dossier_version: env!("CARGO_PKG_VERSION").to_string(),
        database: FileEntry {
            file: DATABASE.into(),
            blake3: file_hash(&database)?,
            bytes: std::fs::metadata(&database)
                .map_err(io("read", &database))?
                .len(),
        },
        blobs: listed,
    };
    write_durably(
        &dest.join(MANIFEST),
        &serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?,
    )?;
    Ok(report)
}

/// Streams one blob out of the content store into `target`, checking it against its name.
async fn copy_blob(
    dossier: &dossier_service::Dossier,
    hash: &str,
    size: u64,
    target: &Path,
) -> Result<(), String> {
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).map_err(io("create", dir))?;
    }
    let partial = target.with_extension("partial");
    let mut file = std::fs::File::create(&partial).map_err(io("create", &partial))?;
    let mut hasher = blake3::Hasher::new();
    let mut written = 0u64;
    let mut stream = dossier
        .stored_content(hash)
        .await
        .map_err(|e| format!("cannot read blob {hash}: {e}"))?;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| format!("cannot read blob {hash}: {e}"))?;
        hasher.update(&chunk);
        file.write_all(&chunk).map_err(io("write", &partial))?;
        written += chunk.len() as u64;
    }
    file.sync_all().map_err(io("sync", &partial))?;
    drop(file);
    let actual = hasher.finalize().to_hex().to_string();
    if actual != hash || written != size {
        let _ = std::fs::remove_file(&partial);
        return Err(format!(
            "blob {hash} in the content store is damaged (it now hashes to {actual}, {written} bytes); run `dossier check`"
        ));
    }
    std::fs::rename(&partial, target).map_err(io("rename", &partial))
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub blobs: usize,
    pub documents: u64,
}

/// Restores the backup in `src` into the configured installation, which must not exist yet.
pub async fn restore(config: &Config, src: &Path) -> Result<Restored, String> {
    let database = sqlite_only(config)?;
    if database.exists() {
        return Err(format!(
            "there is a database at {} already: restore into an empty data directory",
            database.display()
        ));
    }
    let manifest_path = src.join(MANIFEST);
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(&manifest_path).map_err(|e| {
            format!(
                "{} is not a finished backup (no {MANIFEST}): {e}",
                src.display()
            )
        })?)
        .map_err(|e| format!("{} cannot be read: {e}", manifest_path.display()))?;
    if manifest.format != FORMAT {
        return Err(format!(
            "this backup has format {}; this dossier reads format {FORMAT}",
            manifest.format
        ));
    }
    // Everything is checked before anything is written.
    let copy = src.join(&manifest.database.file);
    if file_hash(&copy)? != manifest.database.blake3 {
        return Err(format!(
            "the backup is damaged: {} does not match its manifest",
            copy.display()
        ));
    }
    for (hash, size) in &manifest.blobs {
        let path = src.join(blob_path(hash)?);
        let bytes = std::fs::metadata(&path)
            .map(|m| m.len())
            .unwrap_or(u64::MAX);
        if bytes != *size || file_hash(&path)? != *hash {
            return Err(format!(
                "the backup is damaged: blob {hash} is missing or does not match its name; nothing was restored"
            ));
        }
    }
    // The content first, the database last: until it is there, nothing was restored.
    let blobs = dossier_blob::ContentStore::open(&config.content_url, &config.s3)
        .await
        .map_err(|e| format!("cannot open the content store: {e}"))?;
    for (hash, _) in &manifest.blobs {
        let path = src.join(blob_path(hash)?);
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(io("read", &path))?;
        let stored = blobs
            .put_stream(file_stream(file))
            .await
            .map_err(|e| format!("cannot store blob {hash}: {e}"))?;
        if stored.hash != *hash {
            return Err(format!("blob {hash} changed while it was restored"));
        }
    }
    if let Some(dir) = database.parent() {
        std::fs::create_dir_all(dir).map_err(io("create", dir))?;
    }
    let partial = database.with_extension("db.partial");
    std::fs::copy(&copy, &partial).map_err(io("copy", &copy))?;
    sync_file(&partial)?;
    std::fs::rename(&partial, &database).map_err(io("rename", &partial))?;
    // Migrations of a newer version apply here; then the index is built from the database.
    let dossier = crate::open(config).await.map_err(|e| e.to_string())?;
    let extractor = crate::extractor(config).map_err(|e| e.to_string())?;
    let rebuilt =
        dossier_service::search::rebuild::rebuild(&dossier, &config.index_dir, &extractor, |_| {})
            .await
            .map_err(|e| {
                format!(
                    "restored, but the search index was not rebuilt ({e}); run `dossier reindex`"
                )
            })?;
    dossier.close().await;
    Ok(Restored {
        blobs: manifest.blobs.len(),
        documents: rebuilt.documents,
    })
}

/// A file's bytes as the stream `put_stream` takes.
fn file_stream(
    file: tokio::fs::File,
) -> std::pin::Pin<Box<dyn futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send>> {
    Box::pin(futures::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 1 << 20];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(bytes::Bytes::from(buf)), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    }))
}

/// A blob's place in the backup: the content store's own layout (`dossier_blob::blob_key`);
/// a name that is not a hash is refused (a manifest must not send a restore elsewhere on the
/// disk).
fn blob_path(hash: &str) -> Result<PathBuf, String> {
    dossier_blob::blob_key(hash)
        .map(PathBuf::from)
        .ok_or_else(|| format!("'{hash}' is not a blob hash"))
}

fn file_hash(path: &Path) -> Result<String, String> {
    let mut hasher = blake3::Hasher::new();
    hasher
        .update_reader(std::fs::File::open(path).map_err(io("read", path))?)
        .map_err(io("read", path))?;
    Ok(hasher.finalize().to_hex().to_string())
}

fn sync_file(path: &Path) -> Result<(), String> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io("sync", path))
}

fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let partial = path.with_extension("partial");
    let mut f = std::fs::File::create(&partial).map_err(io("create", &partial))?;
    f.write_all(bytes).map_err(io("write", &partial))?;
    f.sync_all().map_err(io("sync", &partial))?;
    std::fs::rename(&partial, path).map_err(io("rename", &partial))
}
