//! `dossier`: the server binary. Reads top-down as the startup sequence: parse the command
//! line, load the configuration, then run the chosen command.

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dossier::config::{self, Config};

mod identity_cli;

/// mimalloc rather than the C library's allocator: with glibc, every thread that allocates
/// (request workers, blocking-pool threads reading content, index writers) can get an arena
/// of its own that keeps what it freed, and a 1M-document reindex held 2 GB that way.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "dossier",
    version,
    about = "Document and email management for law firms, speaking the iManage Work APIs"
)]
struct Cli {
    /// TOML configuration file (also DOSSIER_CONFIG).
    #[arg(long, global = true, env = "DOSSIER_CONFIG")]
    config: Option<String>,
    /// Directory for the embedded database and content.
    #[arg(long, global = true)]
    data_dir: Option<String>,
    /// Address to serve on, e.g. 127.0.0.1:8080.
    #[arg(long, global = true)]
    listen: Option<String>,
    /// sqlite:///path/file.db or postgres://user@host/db.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Content store: a directory or s3://bucket/prefix.
    #[arg(long, global = true)]
    content_url: Option<String>,
    /// Endpoint of an S3-compatible content store.
    #[arg(long, global = true)]
    s3_endpoint: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the APIs (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Ask a running server whether it is healthy; exit 0 if so.
    Healthcheck {
        /// Base URL of the server (default: the configured listen address).
        #[arg(long)]
        url: Option<String>,
    },
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        task: AdminTask,
    },
    /// Manage users: add, passwd, lock, unlock, list.
    User {
        #[command(subcommand)]
        task: identity_cli::UserTask,
    },
    /// Manage groups: add, member.
    Group {
        #[command(subcommand)]
        task: identity_cli::GroupTask,
    },
    /// Register, list and revoke OAuth apps.
    App {
        #[command(subcommand)]
        task: AppTask,
    },
    /// Manage the keys that sign ID tokens.
    Keys {
        #[command(subcommand)]
        task: KeysTask,
    },
    /// Re-hash every stored blob and match every document version to its blob.
    Check,
    /// Rebuild the search index from the database and the cached text, beside the one in
    /// use (a running server switches to it when it is done); resumes an interrupted run.
    Reindex,
    /// Copy a SQLite installation into DEST while it runs: the database, every blob it
    /// registers (only those DEST does not hold yet) and a manifest of their hashes.
    Backup { dest: std::path::PathBuf },
    /// Restore a backup made by `dossier backup` into an empty data directory, checking
    /// every hash first, then rebuild the search index.
    Restore { src: std::path::PathBuf },
    /// Print a commented configuration file with every setting.
    ConfigTemplate,
    /// The text-extraction worker (started by the server; frames on stdin/stdout).
    #[command(hide = true)]
    ExtractWorker,
}

#[derive(Subcommand)]
enum AdminTask {
    /// Create a library (with the seeded classes and document types).
    CreateLibrary {
        alias: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Create a sandbox library: SOURCE's configuration (roles, classes, types, lookups,
    /// captions, templates and matter settings) and none of its content.
    CreateSandbox {
        source: String,
        alias: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Set a user's password, read from standard input (or DOSSIER_NEW_PASSWORD).
    SetPassword { user: String },
}

#[derive(Subcommand)]
enum AppTask {
    /// Register an app; prints its client id and (once) its client secret.
    Add {
        name: String,
        /// A redirect URI (repeat for several).
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// A grant: authorization_code, refresh_token, password, client_credentials (repeat).
        #[arg(long = "grant")]
        grants: Vec<String>,
        /// A scope: user, admin, openid, scim (repeat).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// A public client (no secret; PKCE required).
        #[arg(long)]
        public: bool,
        /// Skip the consent page (the firm's own apps).
        #[arg(long)]
        first_party: bool,
        /// The user a client_credentials token acts as.
        #[arg(long)]
        service_account: Option<String>,
    },
    /// List the registered apps.
    List,
    /// Disable an app and revoke every token issued to it.
    Revoke { client_id: String },
}

#[derive(Subcommand)]
enum KeysTask {
    /// Replace the ID-token signing key; the old one stays published until its tokens expire.
    Rotate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    // Before any configuration or logging: stdout is the worker's frame channel.
    if matches!(command, Command::ExtractWorker) {
        return dossier_extract::worker_main();
    }
    if matches!(command, Command::ConfigTemplate) {
        print!("{}", config::template());
        return ExitCode::SUCCESS;
    }
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let [data_dir, listen, database_url, content_url, s3_endpoint] = config::FLAG_SETTINGS;
    let flags: config::Overrides = vec![
        (data_dir, cli.data_dir),
        (listen, cli.listen),
        (database_url, cli.database_url),
        (content_url, cli.content_url),
        (s3_endpoint, cli.s3_endpoint),
    ];
    let config = match config::load(cli.config.as_deref(), &env, &flags) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("dossier: {e}");
            return ExitCode::from(2);
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log_format {
        // One JSON object a line, for log collectors.
        config::LogFormat::Json => log.json().init(),
        // Colours only for a person at a terminal, never written into a file.
        config::LogFormat::Text => log
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
    // Both object_store and sqlx use rustls; name the one crypto provider explicitly.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("dossier: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(command, &config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dossier: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: &Config) -> Result<ExitCode, String> {
    // Only `serve` and `migrate` may start a new installation; the others work on one.
    let starts_one = matches!(
        command,
        Command::Serve | Command::Migrate | Command::Healthcheck { .. } | Command::Restore { .. }
    );
    if !starts_one {
        dossier::require_existing(config).map_err(|e| e.to_string())?;
    }
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            dossier::open_store(config)
                .await
                .map_err(|e| e.to_string())?;
            println!("migrations applied to {}", redacted(&config.database_url));
            Ok(ExitCode::SUCCESS)
        }
        Command::Healthcheck { url } => {
            healthcheck(url.unwrap_or_else(|| format!("http://{}", config.listen))).await
        }
        Command::Admin { task } => admin(task, config).await,
        Command::User { task } => {
            let dossier = opened(config).await?;
            let outcome = identity_cli::user(&dossier, task).await;
            dossier.close().await;
            outcome.map(|()| ExitCode::SUCCESS)
        }
        Command::Group { task } => {
            let dossier = opened(config).await?;
            let outcome = identity_cli::group(&dossier, task).await;
            dossier.close().await;
            outcome.map(|()| ExitCode::SUCCESS)
        }
        Command::App { task } => app(task, config).await,
        Command::Keys { task } => keys(task, config).await,
        Command::Check => check(config).await,
        Command::Reindex => reindex(config).await,
        Command::Backup { dest } => {
            let b = dossier::backup::backup(config, &dest).await?;
            println!(
                "backed up the database and {} blobs into {} ({} blobs, {} bytes copied now; the rest were there)",
                b.blobs,
                dest.display(),
                b.copied,
                b.bytes_copied
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { src } => {
            let r = dossier::backup::restore(config, &src).await?;
            println!(
                "restored {} blobs from {}; the search index was rebuilt ({} documents)",
                r.blobs,
                src.display(),
                r.documents
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::ConfigTemplate | Command::ExtractWorker => Ok(ExitCode::SUCCESS),
    }
}

/// Descriptors beyond the connections' own: the database, the search index's files, the
/// extraction workers' pipes, the connections being turned away.
const DESCRIPTOR_RESERVE: u64 = 1024;

async fn serve(config: &Config) -> Result<ExitCode, String> {
    // Each connection holds a descriptor, and a soft limit of 1,024 (systemd's default) would
    // make accept fail before `max_connections` is reached: the soft limit is raised as far
    // as the configuration needs and the hard limit allows.
    let wanted = config.max_connections as u64 + DESCRIPTOR_RESERVE;
    match rlimit::increase_nofile_limit(wanted) {
        Ok(limit) if limit < wanted => tracing::warn!(
            limit,
            max_connections = config.max_connections,
            "the open-file limit leaves too few descriptors for max_connections: accept will fail (and be retried) before the limit answers 503"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!("cannot read or raise the open-file limit: {e}"),
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let (running, generated) = dossier::start(config, listener)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(password) = generated {
        println!("Created the administrator ADMIN with the password: {password}");
        println!(
            "It is shown only this once. Set DOSSIER_ADMIN_PASSWORD before the first start to choose it."
        );
    }
    println!(
        "Dossier listening on http://{} — open it in a browser to sign in (database {}, content {})",
        running.addr,
        redacted(&config.database_url),
        running.dossier.content_description()
    );
    stop_signal().await?;
    tracing::info!(
        grace_seconds = config.shutdown_grace_seconds,
        "shutting down: no new connections; finishing requests in flight (a second signal stops at once)"
    );
    let grace = std::time::Duration::from_secs(config.shutdown_grace_seconds);
    tokio::select! {
        finished = tokio::time::timeout(grace, running.stop()) => {
            if finished.is_err() {
                tracing::warn!("requests still in flight after the grace period were cut");
            }
            Ok(ExitCode::SUCCESS)
        }
        second = stop_signal() => {
            second?;
            tracing::warn!("stopped at once by a second signal");
            Ok(ExitCode::from(130))
        }
    }
}

/// SIGINT (Ctrl-C) or SIGTERM, which systemd, Docker and Kubernetes send to stop a service.
async fn stop_signal() -> Result<(), String> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term =
        signal(SignalKind::terminate()).map_err(|e| format!("cannot watch for SIGTERM: {e}"))?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    Ok(())
}

/// GET /healthz over a plain TCP connection: no HTTP client needed in the binary.
async fn healthcheck(url: String) -> Result<ExitCode, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let request = async {
        let mut stream = tokio::net::TcpStream::connect(host).await?;
        stream
            .write_all(format!("GET /healthz HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
            .await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        Ok::<_, std::io::Error>(response)
    };
    match tokio::time::timeout(std::time::Duration::from_secs(5), request).await {
        Ok(Ok(r)) if r.starts_with("HTTP/1.0 200") || r.starts_with("HTTP/1.1 200") => {
            println!("healthy");
            Ok(ExitCode::SUCCESS)
        }
        Ok(Ok(r)) => {
            println!("unhealthy: {}", r.lines().next().unwrap_or(""));
            Ok(ExitCode::FAILURE)
        }
        Ok(Err(e)) => {
            println!("unreachable: {e}");
            Ok(ExitCode::FAILURE)
        }
        Err(_) => {
            println!("no answer within 5 s");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Opens the metadata and content stores for a command-line task, bootstrapping a new
/// data directory as `serve` would.
async fn opened(config: &Config) -> Result<dossier_service::Dossier, String> {
    let dossier = dossier::open(config).await.map_err(|e| e.to_string())?;
    dossier
        .bootstrap(config.admin_password.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    Ok(dossier)
}

async fn admin(task: AdminTask, config: &Config) -> Result<ExitCode, String> {
    let dossier = opened(config).await?;
    match task {
        AdminTask::CreateLibrary { alias, description } => {
            let description = if description.is_empty() {
                alias.clone()
            } else {
                description
            };
            let id = dossier
                .create_library(&alias, &description)
                .await
                .map_err(|e| e.to_string())?;
            println!("created library {id}");
        }
        AdminTask::CreateSandbox {
            source,
            alias,
            description,
        } => {
            let source = dossier_core::LibraryId::parse(&source).map_err(|e| e.to_string())?;
            let c = dossier
                .create_sandbox(
                    &dossier_service::Caller::console(dossier.settings.customer_id),
                    &source,
                    &alias,
                    &description,
                )
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "created library {} from {source}: {} roles, {} classes, {} subclasses, {} types, {} lookup entries, {} field definitions, {} templates, {} metadata properties, {} taxonomies",
                c.library.map(|l| l.to_string()).unwrap_or_default(),
                c.roles,
                c.classes,
                c.subclasses,
                c.types,
                c.lookups,
                c.custom_fields,
                c.templates,
                c.properties,
                c.taxonomies
            );
        }
        AdminTask::SetPassword { user } => {
            let password = identity_cli::read_password()?;
            dossier
                .set_password(&user, &password)
                .await
                .map_err(|e| e.to_string())?;
            println!("password of {} changed", user.to_uppercase());
        }
    }
    dossier.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn app(task: AppTask, config: &Config) -> Result<ExitCode, String> {
    let dossier = opened(config).await?;
    let caller = dossier_service::Caller::console(dossier.settings.customer_id);
    let result = match task {
        AppTask::Add {
            name,
            redirect_uris,
            grants,
            scopes,
            public,
            first_party,
            service_account,
        } => {
            let registration = dossier_service::apps::AppRegistration {
                name,
                redirect_uris,
                grants,
                scopes,
                public,
                service_account,
                first_party,
            };
            dossier.register_app(&caller, registration).await.map(|r| {
                println!("client_id: {}", r.app.client_id);
                match r.client_secret {
                    Some(s) => println!("client_secret: {s}\n(shown only this once)"),
                    None => println!("public client: no secret; it must use PKCE"),
                }
            })
        }
        AppTask::List => dossier.apps(&caller).await.map(|apps| {
            for a in apps {
                let grants: Vec<&str> = a.grants.iter().map(|g| g.as_str()).collect();
                let scopes: Vec<&str> = a.scopes.iter().collect();
                println!(
                    "{}\t{}\t{}\t{}\tgrants={}\tscopes={}",
                    a.client_id,
                    a.name,
                    if a.is_public() {
                        "public"
                    } else {
                        "confidential"
                    },
                    if a.enabled { "enabled" } else { "disabled" },
                    grants.join(","),
                    scopes.join(","),
                );
            }
        }),
        AppTask::Revoke { client_id } => dossier
            .revoke_app(&caller, &client_id)
            .await
            .map(|a| println!("revoked app {} ({})", a.client_id, a.name)),
    };
    dossier.close().await;
    result.map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

async fn keys(task: KeysTask, config: &Config) -> Result<ExitCode, String> {
    let dossier = dossier::open(config).await.map_err(|e| e.to_string())?;
    let result = match task {
        KeysTask::Rotate => dossier.rotate_signing_key().await,
    };
    dossier.close().await;
    let kid = result.map_err(|e| e.to_string())?;
    println!("new signing key {kid}; the previous key stays published until its tokens expire");
    Ok(ExitCode::SUCCESS)
}

async fn reindex(config: &Config) -> Result<ExitCode, String> {
    use std::io::Write;
    let dossier = dossier::open(config).await.map_err(|e| e.to_string())?;
    let extractor = dossier::extractor(config).map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let mut shown = std::time::Instant::now() - std::time::Duration::from_secs(1);
    let written =
        dossier_service::search::rebuild::rebuild(&dossier, &config.index_dir, &extractor, |p| {
            // A progress bar on stderr, redrawn at most a few times a second.
            if shown.elapsed().as_millis() < 250 && p.done < p.total {
                return;
            }
            shown = std::time::Instant::now();
            let share = if p.total == 0 {
                1.0
            } else {
                p.done as f64 / p.total as f64
            };
            let width = 40;
            let filled = ((share * width as f64) as usize).min(width);
            let rate = p.done as f64 / started.elapsed().as_secs_f64().max(0.001);
            eprint!(
                "\r[{}{}] {}/{} entries, {:.0}/s ",
                "#".repeat(filled),
                "-".repeat(width - filled),
                p.done,
                p.total,
                rate
            );
            let _ = std::io::stderr().flush();
        })
        .await
        .map_err(|e| e.to_string())?;
    eprintln!();
    println!(
        "reindexed {} documents and {} workspaces and folders in {:.1} s",
        written.documents,
        written.containers,
        started.elapsed().as_secs_f64()
    );
    dossier.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn check(config: &Config) -> Result<ExitCode, String> {
    let dossier = dossier::open(config).await.map_err(|e| e.to_string())?;
    let report = dossier.check().await.map_err(|e| e.to_string())?;
    println!(
        "checked {} blobs and {} document versions",
        report.blobs_checked, report.versions_checked
    );
    for (label, items) in [
        ("corrupt blob", &report.corrupt),
        ("missing blob", &report.missing),
        ("version naming an unregistered blob", &report.unregistered),
        ("size mismatch", &report.size_mismatch),
    ] {
        for item in items {
            println!("DAMAGE {label}: {item}");
        }
    }
    for (hash, bytes) in &report.unregistered_blobs {
        println!(
            "blob no document refers to (its upload failed after storing it): {hash} ({bytes} bytes)"
        );
    }
    if report.awaiting_collection > 0 {
        println!(
            "blobs no document version references any more: {} (the garbage collector removes them)",
            report.awaiting_collection
        );
    }
    for l in &report.leftovers {
        println!(
            "leftover of an interrupted upload (or one in flight): {} ({} bytes); the next start removes it",
            l.path, l.bytes
        );
    }
    dossier.close().await;
    if report.is_clean() {
        println!("no damage found");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("damage found");
        Ok(ExitCode::FAILURE)
    }
}

fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}
