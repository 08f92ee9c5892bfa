//! `dossier-bench`: benchmarks of the real release server against baselines measured in the
//! same run on the same machine (docs/targets.md). Each benchmark starts `dossier serve` on a
//! fresh data directory, talks HTTP to it like any client, and prints figures, ratios and
//! the targets next to them. Nothing here asserts on timing: these are measurements.

mod api;
mod corpus;
mod emails;
mod freshness;
mod ingest;
mod payload;
mod read;
mod search;
mod security;
mod seed;
mod server;
mod stats;
mod upload_rss;
mod webhooks;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type R<T> = std::result::Result<T, Error>;

/// Builds an error from a message.
pub fn err(msg: impl Into<String>) -> Error {
    msg.into().into()
}

#[derive(Parser)]
#[command(
    name = "dossier-bench",
    about = "Benchmarks a Dossier release server (ingest, upload memory, reads at scale, search)"
)]
struct Cli {
    /// The server binary (default: `dossier` next to this executable).
    #[arg(long, global = true)]
    server: Option<PathBuf>,
    /// Where the temporary data directories go; it should be on the disk being measured
    /// (default: the system temporary directory).
    #[arg(long, global = true)]
    dir: Option<PathBuf>,
    /// Smaller counts and shorter runs.
    #[arg(long, global = true)]
    quick: bool,
    /// Keep the scratch directories (data, database, server log) instead of removing them.
    #[arg(long, global = true)]
    keep: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Uploads of 10 KB, 1 MB and 100 MB documents against fsync'd file writes.
    Ingest(ingest::Args),
    /// Peak server RSS while one large upload streams through.
    UploadRss(upload_rss::Args),
    /// Profile GETs and folder listings in a library of N documents, against direct SELECTs.
    Read(read::Args),
    /// Permission-trimmed listing and counting at scale, and how fast a security change shows.
    Security(security::Args),
    /// Full-text search and full reindex of a legal corpus as a non-admin, against FTS5.
    Search(search::Args),
    /// Webhook deliveries per second to a local receiver, and commit-to-delivery lag under
    /// the 10 KB upload load, against the receiver's raw POST rate.
    Webhooks(webhooks::Args),
    /// `.eml` messages filed per second with the parse on, against the same bytes as `.txt`.
    Emails(emails::Args),
    /// Every benchmark in turn, with default settings.
    All,
}

/// What every benchmark needs: the server binary, the scratch directory and the mode.
pub struct Env {
    pub server: PathBuf,
    pub dir: PathBuf,
    pub quick: bool,
    pub keep: bool,
}

/// A scratch directory, removed when dropped unless `--keep` was given.
pub struct Scratch {
    _guard: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl Scratch {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Env {
    /// A fresh directory under the scratch directory.
    pub fn tempdir(&self, prefix: &str) -> R<Scratch> {
        let t = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in(&self.dir)?;
        if self.keep {
            let path = t.keep();
            println!("(keeping {})", path.display());
            Ok(Scratch { _guard: None, path })
        } else {
            Ok(Scratch {
                path: t.path().to_path_buf(),
                _guard: Some(t),
            })
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let server = match cli.server {
        Some(s) => s,
        None => match std::env::current_exe() {
            Ok(exe) => exe.with_file_name("dossier"),
            Err(e) => {
                eprintln!("dossier-bench: cannot locate this executable: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    if !server.is_file() {
        eprintln!(
            "dossier-bench: no server binary at {} (build it with `cargo build --release -p dossier`, or pass --server)",
            server.display()
        );
        return ExitCode::FAILURE;
    }
    let env = Env {
        server,
        dir: cli.dir.unwrap_or_else(std::env::temp_dir),
        quick: cli.quick,
        keep: cli.keep,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("dossier-bench: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Ingest(a) => ingest::run(&env, a).await,
            Command::UploadRss(a) => upload_rss::run(&env, a).await,
            Command::Read(a) => read::run(&env, a).await,
            Command::Security(a) => security::run(&env, a).await,
            Command::Search(a) => search::run(&env, a).await,
            Command::Webhooks(a) => webhooks::run(&env, a).await,
            Command::Emails(a) => emails::run(&env, a).await,
            Command::All => {
                ingest::run(&env, ingest::Args::default()).await?;
                upload_rss::run(&env, upload_rss::Args::default()).await?;
                read::run(&env, read::Args::default()).await?;
                security::run(&env, security::Args::default()).await?;
                search::run(&env, search::Args::default()).await?;
                webhooks::run(&env, webhooks::Args::default()).await?;
                emails::run(&env, emails::Args::default()).await
            }
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dossier-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
