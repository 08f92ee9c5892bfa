//! The service layer: one function per use case. Each one authorizes the caller, validates
//! the input, writes its rows, its history and its outbox event in one transaction, and
//! returns domain records. Every surface (Work API, façade, CLI, web client) calls these
//! functions, so a rule lives in exactly one place.

pub mod access;
mod acl_keys;
pub mod apps;
mod audit;
pub mod auth;
pub mod bootstrap;
pub mod catalog;
pub mod check;
pub mod classes;
pub mod containers;
pub mod delivery;
mod disposal;
pub mod documents;
pub mod emails;
mod events;
pub mod fields;
pub mod gc;
pub mod idempotency;
pub mod identity;
pub mod invitations;
pub mod libraries;
pub mod mail;
pub mod maintenance;
pub mod matters;
pub mod metadata;
pub mod my_matters;
pub mod oauth;
pub mod passwords;
mod profile;
// The readable-set rule in each of its forms, for the property test that compares them.
#[cfg(feature = "testing")]
pub mod readable;
pub mod repeated;
pub mod reports;
pub mod request;
pub mod sandbox;
pub mod search;
pub mod security;
pub mod signin;
pub mod signing;
pub mod templates;
mod throttle;
pub mod trustees;
pub mod upload;
pub mod walls;
pub mod web_sessions;
pub mod webhooks;
pub mod workflows;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use dossier_blob::{BlobError, ContentStore};
use dossier_core::DomainError;
use dossier_core::identity::Scopes;
use dossier_store::Store;

pub use dossier_core::query::Page;

pub type Result<T> = std::result::Result<T, DomainError>;

/// Where time comes from: the system clock in production, a fixed or stepped clock in tests.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        // The one read of the system clock outside tests and the command line: everything
        // else asks `Dossier::now`, so a test can set the time.
        Utc::now()
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub customer_id: i64,
    pub access_token_seconds: i64,
    pub refresh_token_seconds: i64,
    /// Failed sign-ins that lock password sign-in to an account (0: never lock).
    pub lockout_threshold: i64,
    /// How long the first such lock lasts; each further one before a successful sign-in
    /// lasts twice as long, up to `lockout_max_seconds`. A lock always ends by itself, so
    /// anonymous guesses can delay the administrator but never shut them out for good.
    pub lockout_seconds: i64,
    pub lockout_max_seconds: i64,
    /// Failed sign-ins tolerated per account and per client address within the window
    /// before further attempts get 429 (0: no limit).
    pub signin_failures_per_account: usize,
    pub signin_failures_per_address: usize,
    pub signin_window_seconds: i64,
    /// Age at which the ID-token signing key is replaced (0: only `dossier keys rotate`).
    pub signing_key_rotation_days: i64,
    /// The external base URL (`https://dms.example.com`), when a proxy hides it; otherwise
    /// the issuer is taken from each request's Host and X-Forwarded-Proto.
    pub public_url: Option<String>,
    /// The SMTP relay invitations are sent through (`smtp://host:port`,
    /// `smtps://user:password@host`); without it the server sends no e-mail.
    pub smtp_url: Option<String>,
    /// The sender address of the server's e-mail (`Dossier <dms@example.com>`).
    pub mail_from: Option<String>,
    /// Hosts webhooks and workflow triggers may be sent to although they are loopback or
    /// private addresses (see `delivery::targets`): names or IP addresses.
    pub allowed_webhook_hosts: Vec<String>,
    /// How long a failing webhook delivery is retried before it is dead-lettered.
    pub webhook_retry_seconds: i64,
    /// How long a deleted document waits in its library's recycle bin (`recycle_bin_days`).
    pub recycle_period: dossier_core::disposal::RecyclePeriod,
    /// A web client session ends after this long without a request…
    pub web_session_idle_seconds: i64,
    /// …and this long after sign-in in any case.
    pub web_session_absolute_seconds: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            customer_id: 1,
            access_token_seconds: 1800,
            refresh_token_seconds: 30 * 24 * 3600,
            lockout_threshold: 5,
            lockout_seconds: 300,
            lockout_max_seconds: 24 * 3600,
            signin_failures_per_account: 10,
            signin_failures_per_address: 50,
            signin_window_seconds: 300,
            signing_key_rotation_days: 90,
            public_url: None,
            smtp_url: None,
            mail_from: None,
            allowed_webhook_hosts: Vec::new(),
            webhook_retry_seconds: 24 * 3600,
            recycle_period: Default::default(),
            web_session_idle_seconds: 2 * 3600,
            web_session_absolute_seconds: 12 * 3600,
        }
    }
}

/// Who is calling: resolved from a token by `auth::authenticate`.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: String,
    pub full_name: String,
    pub customer_id: i64,
    /// A member of NRTADMIN.
    pub is_admin: bool,
    /// Holds a library role with an administration right (see `Caller::manages_identity`).
    pub identity_admin: bool,
    /// The scopes granted to the token.
    pub scope: Scopes,
    /// The OAuth app the token was issued to, if any.
    pub client_id: Option<String>,
    /// The client's network address, for audit records, when the surface knows it.
    pub address: Option<String>,
}

/// Everything the use cases need: the metadata store, the content store and the clock.
/// The stores are private to the service: a surface reaches data only through a use case,
/// which checks the caller's access (see ARCHITECTURE.md, "Adding a surface").
#[derive(Clone, Debug)]
pub struct Dossier {
    pub(crate) store: Store,
    pub(crate) blobs: ContentStore,
    pub clock: Arc<dyn Clock>,
    pub settings: Settings,
    /// Readable sets per (library, user), see `access`.
    pub(crate) access: Arc<access::AccessCache>,
    /// The authorization server's per-node state (sign-in throttling).
    pub(crate) oauth: Arc<oauth::Runtime>,
    /// The search index of this node, when search is enabled.
    pub(crate) search: Option<Arc<search::Search>>,
    /// The extraction workers that read filed emails (`emails`), apart from the indexer's.
    pub(crate) mail_reader: Option<search::Extractor>,
    /// The HTTP client of webhooks and workflow triggers.
    pub(crate) sender: delivery::Sender,
    /// Wakes this node's workflow sender when a run is started (`workflows::sending`).
    pub(crate) workflow_wake: Arc<tokio::sync::Notify>,
}

impl Dossier {
    pub fn new(
        store: Store,
        blobs: ContentStore,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Self {
        Dossier {
            store,
            blobs,
            clock,
            oauth: Arc::new(oauth::Runtime::new(&settings)),
            sender: delivery::Sender::new(&settings.allowed_webhook_hosts),
            workflow_wake: Arc::default(),
            settings,
            access: Arc::default(),
            search: None,
            mail_reader: None,
        }
    }

    /// Enables search with this node's index.
    pub fn with_search(mut self, search: Arc<search::Search>) -> Self {
        self.search = Some(search);
        self
    }

    /// Reads filed emails with these extraction workers (without, emails are filed with the
    /// client's profile only).
    pub fn with_mail_reader(mut self, reader: search::Extractor) -> Self {
        self.mail_reader = Some(reader);
        self
    }

    /// Whether the metadata store answers (liveness).
    pub async fn ping(&self) -> Result<()> {
        self.store.ping().await
    }

    /// Whether the content store answers (readiness).
    pub async fn ping_content(&self) -> Result<()> {
        self.blobs.ping().await.map_err(blob_error)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// For black-box tests only (the `testing` feature): the stores behind the use cases.
#[cfg(feature = "testing")]
impl Dossier {
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn content_store(&self) -> &ContentStore {
        &self.blobs
    }
}

/// Maps content-store failures onto the domain error.
pub fn blob_error(e: BlobError) -> DomainError {
    match e {
        BlobError::NotFound(what) => {
            DomainError::Internal(format!("content missing from the store: {what}"))
        }
        BlobError::Interrupted(why) => {
            DomainError::invalid("file", format!("the upload did not complete: {why}"))
        }
        BlobError::BadRange => DomainError::invalid(
            "range",
            "the requested range starts beyond the end of the content",
        ),
        BlobError::Unavailable(why) => DomainError::Unavailable(why),
        BlobError::Config(why) => DomainError::Internal(why),
    }
}

/// The identity and audit filters the surfaces build and the use cases take (documents and
/// containers are queried with `dossier_core::query`).
pub mod filters {
    pub use dossier_store::audit::AuditFilter;
    pub use dossier_store::groups::GroupFilter;
    pub use dossier_store::history::HistoryFilter;
    pub use dossier_store::users::UserFilter;
}
