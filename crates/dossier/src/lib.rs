//! The Dossier server as a library: configuration and the startup sequence, so the binary
//! and the black-box tests start exactly the same server.

pub mod backup;
pub mod config;
pub mod serve;

use std::sync::Arc;

use dossier_api::AppState;
use dossier_blob::ContentStore;
use dossier_service::{Dossier, Settings, SystemClock};
use dossier_store::Store;
use tokio::net::TcpListener;

pub use config::Config;

/// Creates the data directory when something is kept in it (a new installation).
fn create_data_dir(config: &Config) -> startup::Result<()> {
    if config.database_url.starts_with("sqlite:") || !config.content_url.starts_with("s3://") {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            startup::msg(format!(
                "cannot create data directory {}: {e}",
                config.data_dir.display()
            ))
        })?;
    }
    Ok(())
}

/// The SQLite database file `database_url` names, if it names one.
pub fn sqlite_file(database_url: &str) -> Option<std::path::PathBuf> {
    let rest = database_url.strip_prefix("sqlite:")?;
    let path = rest.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or(path);
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// Commands that work on an existing installation refuse one that does not exist, rather
/// than creating an empty one and reporting on it (`check` would find "no damage").
pub fn require_existing(config: &Config) -> startup::Result<()> {
    match sqlite_file(&config.database_url) {
        Some(file) if !file.exists() => Err(startup::msg(format!(
            "there is no database at {}: run this command where the server keeps its data (--data-dir, DOSSIER_DATA_DIR or DOSSIER_DATABASE_URL), or start the server (or `dossier migrate`) there first",
            file.display()
        ))),
        _ => Ok(()),
    }
}

/// Opens the metadata store and applies its migrations, creating the data directory of a
/// new installation.
pub async fn open_store(config: &Config) -> startup::Result<Store> {
    create_data_dir(config)?;
    let store = Store::open(&config.database_url)
        .await
        .map_err(|e| startup::msg(format!("cannot open the database: {e}")))?;
    store
        .migrate()
        .await
        .map_err(|e| startup::msg(format!("cannot migrate the database: {e}")))?;
    Ok(store)
}

/// Opens both stores and builds the service layer.
pub async fn open(config: &Config) -> startup::Result<Dossier> {
    let store = open_store(config).await?;
    let blobs = ContentStore::open(&config.content_url, &config.s3)
        .await
        .map_err(|e| startup::msg(format!("cannot open the content store: {e}")))?;
    let settings = Settings {
        customer_id: 1,
        access_token_seconds: config.access_token_seconds,
        refresh_token_seconds: config.refresh_token_seconds,
        lockout_threshold: config.lockout_threshold,
        lockout_seconds: config.lockout_seconds,
        lockout_max_seconds: config.lockout_max_seconds,
        signin_failures_per_account: config.signin_failures_per_account,
        signin_failures_per_address: config.signin_failures_per_address,
        signin_window_seconds: config.signin_window_seconds,
        signing_key_rotation_days: config.signing_key_rotation_days,
        public_url: config.public_url.clone(),
        smtp_url: config.smtp_url.clone(),
        mail_from: config.mail_from.clone(),
        allowed_webhook_hosts: config.allowed_webhook_hosts.clone(),
        webhook_retry_seconds: config.webhook_retry_seconds,
        recycle_period: dossier_core::disposal::RecyclePeriod::days(config.recycle_bin_days),
        web_session_idle_seconds: config.web_session_idle_seconds,
        web_session_absolute_seconds: config.web_session_absolute_seconds,
    };
    Ok(Dossier::new(store, blobs, Arc::new(SystemClock), settings))
}

/// The text-extraction worker pool, as configured.
pub fn extractor(config: &Config) -> startup::Result<dossier_service::search::Extractor> {
    use dossier_service::search::{Extractor, Limits};
    let program = match &config.extract_program {
        Some(p) => p.clone(),
        None => std::env::current_exe().map_err(|e| {
            startup::msg(format!(
                "cannot find this program to run text extraction: {e}"
            ))
        })?,
    };
    let limits = Limits {
        timeout: std::time::Duration::from_secs(config.extract_timeout_seconds as u64),
        memory_bytes: config.extract_memory_mb << 20,
        max_input_bytes: config.extract_max_input_mb << 20,
        ..Limits::default()
    };
    Ok(Extractor::new(program, limits, config.extract_workers))
}

/// The longest an upload waits for its message to be read (`docs/email.md`): a message
/// that takes longer is filed with the client's profile only.
const MAIL_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The worker pool that reads filed emails: its own workers, so an upload never queues
/// behind the indexer's extractions, and a shorter timeout, since a client waits.
fn mail_reader(config: &Config) -> startup::Result<dossier_service::search::Extractor> {
    let indexing = extractor(config)?;
    let limits = dossier_service::search::Limits {
        timeout: indexing.limits().timeout.min(MAIL_READ_TIMEOUT),
        ..indexing.limits().clone()
    };
    Ok(dossier_service::search::Extractor::new(
        indexing.program().to_path_buf(),
        limits,
        config.extract_workers,
    ))
}

/// This node's search index (the server's: it holds the index's writer lock).
fn open_search(
    config: &Config,
    dossier: &Dossier,
) -> startup::Result<dossier_service::search::Search> {
    dossier_service::search::Search::open(&config.index_dir, extractor(config)?, dossier.now())
        .map_err(|e| {
            startup::msg(format!(
                "cannot open the search index in {}: {e}",
                config.index_dir.display()
            ))
        })
}

/// A started server: its address and a handle to stop it.
pub struct Running {
    pub addr: std::net::SocketAddr,
    pub dossier: Arc<Dossier>,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
    stop_background: tokio::sync::watch::Sender<bool>,
    indexer: tokio::task::JoinHandle<()>,
    webhooks: tokio::task::JoinHandle<()>,
    housekeeper: tokio::task::JoinHandle<()>,
    workflow_sender: tokio::task::JoinHandle<()>,
}

impl Running {
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
        let _ = self.stop_background.send(true);
        let _ = self.indexer.await;
        let _ = self.webhooks.await;
        let _ = self.housekeeper.await;
        let _ = self.workflow_sender.await;
        self.dossier.close().await;
    }
}

/// Bootstraps the library and administrator, then serves on `listener` until stopped.
/// Returns the administrator password when it was generated now (shown once).
pub async fn start(
    config: &Config,
    listener: TcpListener,
) -> startup::Result<(Running, Option<String>)> {
    let dossier = open(config).await?;
    let search = open_search(config, &dossier)?;
    let dossier = dossier
        .with_search(Arc::new(search))
        .with_mail_reader(mail_reader(config)?);
    let swept = dossier.sweep_leftovers(None).await.map_err(|e| {
        startup::msg(format!(
            "cannot clean up after uploads interrupted by an earlier stop: {e}"
        ))
    })?;
    if !swept.is_empty() {
        let bytes: u64 = swept.iter().map(|l| l.bytes).sum();
        tracing::info!(
            files = swept.len(),
            bytes,
            "removed what uploads interrupted by an earlier stop left"
        );
    }
    let boot = dossier
        .bootstrap(config.admin_password.as_deref())
        .await
        .map_err(|e| startup::msg(format!("cannot bootstrap: {e}")))?;
    if boot.ignored_admin_password {
        tracing::warn!(
            "DOSSIER_ADMIN_PASSWORD is set, but the administrator ADMIN already exists: it only counts at the first start; `dossier admin set-password ADMIN` changes the password"
        );
    }
    let dossier = Arc::new(dossier);
    let (stop_background, stopped) = tokio::sync::watch::channel(false);
    let indexer = match dossier.search() {
        Ok(search) => tokio::spawn(dossier_service::search::indexer::run(
            dossier.clone(),
            search.clone(),
            stopped,
        )),
        Err(_) => tokio::spawn(async {}),
    };
    let webhooks = tokio::spawn(dossier_service::webhooks::engine::run(
        dossier.clone(),
        dossier_service::webhooks::engine::node_id(&config.index_dir),
        stop_background.subscribe(),
    ));
    let housekeeper = tokio::spawn(housekeeping(dossier.clone(), stop_background.subscribe()));
    let workflow_sender = tokio::spawn(dossier_service::workflows::sending::run(
        dossier.clone(),
        stop_background.subscribe(),
    ));
    let state = AppState {
        dossier: dossier.clone(),
        max_upload_bytes: config.max_upload_bytes,
        limits: dossier_api::limits::RequestLimits {
            max_uri_bytes: config.max_uri_bytes,
            max_header_count: config.max_header_count,
            max_header_bytes: config.max_header_bytes,
            body_read_timeout: std::time::Duration::from_secs(config.body_read_timeout_seconds),
        },
        trusted_proxies: Arc::new(config.trusted_proxies.clone()),
        metrics_token: config.metrics_token.as_deref().map(Arc::from),
        rate_limits: Arc::new(dossier_api::rate_limit::RateLimits::new(
            config.rate_limit_per_user,
            config.rate_limit_per_address,
        )),
    };
    let app = dossier_api::router(state.clone(), dossier_web::router(&state));
    let addr = listener
        .local_addr()
        .map_err(|e| startup::msg(e.to_string()))?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve::serve(
        listener,
        app,
        serve::Transport::from_config(config),
        rx,
    ));
    Ok((
        Running {
            addr,
            dossier,
            shutdown: tx,
            task,
            stop_background,
            indexer,
            webhooks,
            housekeeper,
            workflow_sender,
        },
        boot.generated_admin_password,
    ))
}

/// How often the housekeeping runs.
const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);
/// A staged upload not written for this long was abandoned (a live one writes on; a silent
/// client's upload fails after the body timeout, which is far shorter).
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// At start and then every `HOUSEKEEPING_EVERY`, until stopped: deletes expired tokens and
/// codes, day-old idempotency keys and month-old webhook delivery-log lines, and removes
/// uploads abandoned while the server ran.
async fn housekeeping(dossier: Arc<Dossier>, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        match dossier.purge_expired_credentials().await {
            Ok((tokens, codes)) if tokens + codes > 0 => {
                tracing::info!(
                    tokens,
                    codes,
                    "deleted expired tokens and authorization codes"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot delete expired tokens and codes"),
        }
        match dossier.purge_expired_idempotency_keys().await {
            Ok(keys) if keys > 0 => tracing::info!(keys, "forgot day-old idempotency keys"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot delete old idempotency keys"),
        }
        match dossier.purge_old_webhook_deliveries().await {
            Ok(n) if n > 0 => {
                tracing::info!(lines = n, "forgot month-old webhook delivery-log lines")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot forget old webhook delivery-log lines"),
        }
        match dossier.purge_expired_documents().await {
            Ok(n) if n > 0 => tracing::info!(
                documents = n,
                "purged documents whose time in the recycle bin was over"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot purge the recycle bins"),
        }
        match dossier.collect_garbage(dossier_service::gc::GRACE).await {
            Ok(c) if c.collected > 0 || c.doomed > 0 => tracing::info!(
                collected = c.collected,
                bytes = c.bytes,
                doomed = c.doomed,
                "removed content no document references"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot collect unreferenced content"),
        }
        match dossier.sweep_leftovers(Some(ABANDONED_AFTER)).await {
            Ok(gone) if !gone.is_empty() => tracing::info!(
                files = gone.len(),
                bytes = gone.iter().map(|l| l.bytes).sum::<u64>(),
                "removed abandoned uploads"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot remove abandoned uploads"),
        }
        tokio::select! {
            _ = tokio::time::sleep(HOUSEKEEPING_EVERY) => {}
            _ = stop.changed() => return,
        }
    }
}

/// A small error type for startup: a message for the operator, nothing more.
pub mod startup {
    #[derive(Debug)]
    pub struct Error(pub String);

    impl std::fmt::Display for Error {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl std::error::Error for Error {}

    pub type Result<T> = std::result::Result<T, Error>;

    pub fn msg(m: impl Into<String>) -> Error {
        Error(m.into())
    }
}
