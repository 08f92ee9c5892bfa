//! Metadata persistence: one schema with migrations for SQLite and PostgreSQL, one code path
//! over sqlx's `Any` driver. Every function here takes a `&mut AnyConnection`, so the same
//! query runs inside a write transaction (`Store::begin`) or on a read connection
//! (`Store::read`). Rules (validation, access, events) live in the service layer, not here.

pub mod acl;
pub mod apps;
pub mod audit;
mod batch;
pub mod blobs;
pub mod catalog;
pub mod containers;
pub mod documents;
pub mod emails;
pub mod events;
pub mod groups;
pub mod history;
pub mod holds;
pub mod idempotency;
pub mod invitations;
pub mod keys;
pub mod libraries;
pub mod matter_settings;
pub mod matters;
pub mod metadata;
pub mod nvps;
pub mod recycle;
pub mod roles;
pub mod search;
pub mod shortcuts;
pub mod snapshots;
pub mod sql;
pub mod tokens;
pub mod users;
pub mod walls;
pub mod web_sessions;
pub mod webhooks;
pub mod workflows;

use std::str::FromStr;
use std::time::Duration;

use dossier_core::DomainError;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Transaction};

pub use sqlx::AnyConnection;

pub type Result<T> = std::result::Result<T, DomainError>;

/// Maps database failures onto the domain error: a full disk or an unreachable server is
/// `Unavailable`, a uniqueness violation a `Conflict`, everything else `Internal`.
pub trait DbResult<T> {
    fn db(self) -> Result<T>;
}

impl<T> DbResult<T> for std::result::Result<T, sqlx::Error> {
    fn db(self) -> Result<T> {
        self.map_err(db_error)
    }
}

/// A failure to connect is the operator's to fix (a database that does not exist, a refused
/// connection, a wrong password), so unlike a failing request it says what the database said.
fn connect_error(e: sqlx::Error) -> DomainError {
    DomainError::Unavailable(match &e {
        sqlx::Error::Database(d) => d.message().to_string(),
        _ => e.to_string(),
    })
}

pub fn db_error(e: sqlx::Error) -> DomainError {
    match &e {
        sqlx::Error::Database(d) => {
            let code = d.code().map(|c| c.to_string()).unwrap_or_default();
            match code.as_str() {
                // SQLite: SQLITE_FULL, SQLITE_IOERR*, SQLITE_READONLY*, SQLITE_CANTOPEN; PostgreSQL: disk full.
                "13" | "10" | "8" | "14" | "53100" => DomainError::Unavailable(format!(
                    "the metadata store cannot take the write: {}",
                    d.message()
                )),
                "2067" | "1555" | "23505" => {
                    DomainError::Conflict("an object with this identity already exists".into())
                }
                _ if d.message().contains("database or disk is full") => {
                    DomainError::Unavailable("the metadata store is full".into())
                }
                _ => DomainError::Internal(e.to_string()),
            }
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            DomainError::Unavailable(format!("the metadata store is unreachable: {e}"))
        }
        _ => DomainError::Internal(e.to_string()),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The metadata store: a writer pool and a reader pool over one database.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    reader: AnyPool,
    writer: AnyPool,
    /// SQLite's group committer (see `batch`); PostgreSQL commits each transaction itself.
    batch: Option<std::sync::Arc<batch::Writer>>,
}

/// A write transaction. Dropping it without `commit` rolls its writes back. `commit`
/// returns once the writes are durable.
pub struct Tx {
    inner: TxInner,
}

enum TxInner {
    Own(Transaction<'static, Any>),
    Batched(batch::BatchTx),
}

impl Tx {
    pub fn conn(&mut self) -> &mut AnyConnection {
        match &mut self.inner {
            TxInner::Own(t) => t,
            TxInner::Batched(b) => b.conn(),
        }
    }

    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Own(t) => t.commit().await.db(),
            TxInner::Batched(b) => b.commit().await,
        }
    }
}

impl Store {
    /// Opens (and for SQLite creates) the database named by `url`:
    /// `sqlite:///path/to/file.db` or `postgres://user@host/db`.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DomainError::invalid(
                "database_url",
                format!("'{url}' is neither a sqlite: nor a postgres: URL"),
            ));
        };
        let options = match backend {
            // mode=rwc creates the file; the pragmas make every commit durable (FULL) while
            // WAL lets readers proceed during a write.
            Backend::Sqlite => {
                let sep = if url.contains('?') { '&' } else { '?' };
                let full = if url.contains("mode=") {
                    url.to_string()
                } else {
                    format!("{url}{sep}mode=rwc")
                };
                AnyConnectOptions::from_str(&full).db()?
            }
            Backend::Postgres => AnyConnectOptions::from_str(url).db()?,
        }
        .disable_statement_logging();
        let (readers, writers) = match backend {
            // SQLite has one writer at a time; one writer connection turns contention into a
            // queue instead of SQLITE_BUSY errors.
            Backend::Sqlite => (8, 1),
            Backend::Postgres => (16, 16),
        };
        let pool = |max: u32| {
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;").await?;
                        }
                        Ok(())
                    })
                })
        };
        // One connection first: a pool retries until its timeout and then reports only that,
        // where the operator needs the database's own answer.
        {
            use sqlx::Connection;
            sqlx::AnyConnection::connect_with(&options)
                .await
                .map_err(connect_error)?
                .close()
                .await
                .map_err(connect_error)?;
        }
        let writer = pool(writers)
            .connect_with(options.clone())
            .await
            .map_err(connect_error)?;
        let reader = pool(readers)
            .connect_with(options)
            .await
            .map_err(connect_error)?;
        let batch = (backend == Backend::Sqlite).then(|| batch::Writer::new(writer.clone()));
        Ok(Store {
            backend,
            reader,
            writer,
            batch,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator
            .run(&self.writer)
            .await
            .map_err(|e| DomainError::Internal(format!("migration failed: {e}")))?;
        if self.backend == Backend::Sqlite {
            // SQLite plans from statistics only once ANALYZE has gathered them; `optimize`
            // refreshes those that are missing or stale, sampling at most 400 rows an index
            // so a start stays quick at millions of rows. (PostgreSQL's autovacuum does this.)
            sqlx::query("PRAGMA analysis_limit = 400; PRAGMA optimize")
                .execute(&self.writer)
                .await
                .db()?;
        }
        Ok(())
    }

    /// Starts a write transaction. On PostgreSQL it takes a transaction-scoped advisory lock
    /// first, so transactions commit in the order of their outbox sequence numbers and a
    /// change-events reader can never skip an event that commits late.
    pub async fn begin(&self) -> Result<Tx> {
        if let Some(batch) = &self.batch {
            return Ok(Tx {
                inner: TxInner::Batched(batch.begin().await?),
            });
        }
        let mut inner = self.writer.begin().await.db()?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7219001)")
                .execute(&mut *inner)
                .await
                .db()?;
        }
        Ok(Tx {
            inner: TxInner::Own(inner),
        })
    }

    /// A connection for reads.
    pub async fn read(&self) -> Result<PoolConnection<Any>> {
        self.reader.acquire().await.db()
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .db()
            .map(|_| ())
    }

    /// Writes a consistent copy of a SQLite database to `path` (`VACUUM INTO`, from a read
    /// transaction: writers go on meanwhile). PostgreSQL has its own tools (`pg_dump`).
    pub async fn snapshot_into(&self, path: &std::path::Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(DomainError::invalid(
                "database_url",
                "only a SQLite database is copied by Dossier; back PostgreSQL up with pg_dump",
            ));
        }
        let path = path
            .to_str()
            .ok_or_else(|| DomainError::invalid("path", "the backup path must be valid UTF-8"))?;
        sqlx::query("VACUUM INTO ?")
            .bind(path.to_string())
            .execute(&self.reader)
            .await
            .db()
            .map(|_| ())
    }

    /// The blobs a SQLite copy made by `snapshot_into` registers, read without changing it.
    pub async fn blobs_of_snapshot(path: &std::path::Path) -> Result<Vec<(String, i64)>> {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}?mode=ro", path.display());
        let mut conn = sqlx::AnyConnection::connect(&url)
            .await
            .map_err(connect_error)?;
        let blobs = blobs::all(&mut conn).await;
        let _ = conn.close().await;
        blobs
    }

    pub async fn close(&self) {
        if let Some(batch) = &self.batch {
            batch.flush().await;
        }
        self.writer.close().await;
        self.reader.close().await;
    }
}
