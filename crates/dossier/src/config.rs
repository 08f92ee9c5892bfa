//! Configuration: built-in defaults, then a TOML file, then `DOSSIER_*` environment
//! variables (a secret may also come from `DOSSIER_*_FILE`), then command-line flags; each
//! later source overrides the earlier ones. A bad value is an error that names the setting
//! and the source it came from.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Every setting, with its default. The TOML key is the name; the environment variable is
/// `DOSSIER_` + the name upper-cased.
const SETTINGS: &[(&str, Option<&str>, &str)] = &[
    (
        "data_dir",
        Some("./dossier-data"),
        "directory for the embedded database, content and index",
    ),
    (
        "listen",
        Some("127.0.0.1:8080"),
        "address and port to serve on",
    ),
    (
        "database_url",
        None,
        "sqlite:///path/file.db or postgres://user@host/db (default: SQLite in data_dir)",
    ),
    (
        "content_url",
        None,
        "content store: a directory, or s3://bucket/prefix (default: data_dir/content)",
    ),
    (
        "s3_endpoint",
        None,
        "S3-compatible endpoint URL, for stores other than AWS",
    ),
    ("s3_region", Some("us-east-1"), "S3 region"),
    ("s3_access_key_id", None, "S3 access key id"),
    ("s3_secret_access_key", None, "S3 secret access key"),
    (
        "s3_allow_http",
        Some("false"),
        "allow plain-HTTP S3 endpoints (tests, loopback)",
    ),
    (
        "access_token_seconds",
        Some("1800"),
        "lifetime of an access token",
    ),
    (
        "refresh_token_seconds",
        Some("2592000"),
        "lifetime of a refresh token",
    ),
    (
        "lockout_threshold",
        Some("5"),
        "failed sign-ins in a row that lock password sign-in to an account for a while (0: never)",
    ),
    (
        "lockout_seconds",
        Some("300"),
        "how long the first lock after failed sign-ins lasts; each further one doubles it",
    ),
    (
        "lockout_max_seconds",
        Some("86400"),
        "the longest a lock after failed sign-ins lasts (it always ends by itself)",
    ),
    (
        "signin_failures_per_account",
        Some("10"),
        "failed sign-ins per account within signin_window_seconds before 429 (0: no limit)",
    ),
    (
        "signin_failures_per_address",
        Some("50"),
        "failed sign-ins per client address within signin_window_seconds before 429 (0: no limit)",
    ),
    (
        "signin_window_seconds",
        Some("300"),
        "the sliding window of the sign-in limits",
    ),
    (
        "signing_key_rotation_days",
        Some("90"),
        "age at which the ID-token signing key is replaced (0: only by `dossier keys rotate`)",
    ),
    (
        "public_url",
        None,
        "external base URL, e.g. https://dms.example.com (default: from each request's Host)",
    ),
    (
        "smtp_url",
        None,
        "SMTP relay for the server's e-mail (user invitations): smtp://host:port, smtps://user:password@host (implicit TLS) or smtp://host:587?tls=required (STARTTLS)",
    ),
    (
        "mail_from",
        None,
        "sender of the server's e-mail, e.g. Dossier <dms@firm.example> (needed with smtp_url)",
    ),
    (
        "allowed_webhook_hosts",
        None,
        "comma-separated hosts (names or IP addresses) that webhooks and workflow triggers may be sent to although they are loopback or private addresses",
    ),
    (
        "webhook_retry_seconds",
        Some("86400"),
        "how long a failing webhook delivery is retried (backoff with jitter) before it is dead-lettered",
    ),
    (
        "recycle_bin_days",
        Some("30"),
        "days a deleted document waits in its library's recycle bin, where its owner or an administrator can restore it, before it is purged (0: deleting purges at once)",
    ),
    (
        "web_session_idle_seconds",
        Some("7200"),
        "a web client session ends after this long without a request",
    ),
    (
        "web_session_absolute_seconds",
        Some("43200"),
        "a web client session ends this long after sign-in in any case",
    ),
    (
        "max_upload_bytes",
        Some("10737418240"),
        "largest accepted upload",
    ),
    (
        "max_connections",
        Some("1024"),
        "open client connections; one more is answered 503 with Retry-After and closed",
    ),
    (
        "header_read_timeout_seconds",
        Some("30"),
        "time a client has to send a request's line and headers before its connection is closed",
    ),
    (
        "idle_timeout_seconds",
        Some("60"),
        "a keep-alive connection with no request for this long is closed",
    ),
    (
        "body_read_timeout_seconds",
        Some("30"),
        "a request body that sends no bytes for this long is refused with 408 (a slow body that keeps sending is never cut off)",
    ),
    (
        "max_uri_bytes",
        Some("32768"),
        "longest request URI (414 beyond); room for an 8 KiB search query, percent-encoded",
    ),
    (
        "max_header_count",
        Some("100"),
        "most header fields in one request (431 beyond)",
    ),
    (
        "max_header_bytes",
        Some("16384"),
        "largest total of a request's header names and values (431 beyond)",
    ),
    (
        "admin_password",
        None,
        "password of the administrator created at first start",
    ),
    (
        "index_dir",
        None,
        "directory of the search index, on local disk (default: data_dir/index)",
    ),
    (
        "extract_program",
        None,
        "program run as `<program> extract-worker` to extract text (default: this binary)",
    ),
    (
        "extract_workers",
        Some("2"),
        "text-extraction worker processes",
    ),
    (
        "extract_timeout_seconds",
        Some("30"),
        "longest extraction of one file before it is recorded as failed",
    ),
    (
        "extract_memory_mb",
        Some("1024"),
        "memory limit of each extraction worker",
    ),
    (
        "extract_max_input_mb",
        Some("64"),
        "files larger than this are indexed by their profile only",
    ),
    (
        "trusted_proxies",
        None,
        "reverse proxies (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For or Forwarded headers name the client",
    ),
    (
        "rate_limit_per_user",
        Some("100"),
        "requests a second one signed-in user may make on average, in bursts of ten seconds' worth; beyond, 429 with Retry-After (0: no limit)",
    ),
    (
        "rate_limit_per_address",
        Some("20"),
        "the same for requests without a valid token, per client address (0: no limit)",
    ),
    (
        "metrics_token",
        None,
        "bearer token a Prometheus scraper sends for /metrics (administrators' tokens work too)",
    ),
    (
        "shutdown_grace_seconds",
        Some("30"),
        "on SIGTERM or SIGINT, how long requests in flight may take to finish before the server stops",
    ),
    (
        "log_format",
        Some("text"),
        "text (colours only at a terminal) or json (one object a line, for log collectors)",
    ),
    (
        "log",
        Some("info"),
        "log filter, e.g. info or dossier=debug",
    ),
];

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The settings that also have a command-line flag (`--data-dir`, …), in `main.rs`.
pub const FLAG_SETTINGS: [&str; 5] = [
    "data_dir",
    "listen",
    "database_url",
    "content_url",
    "s3_endpoint",
];

const SECRETS: &[&str] = &[
    "admin_password",
    "s3_secret_access_key",
    "database_url",
    "metrics_token",
    "smtp_url",
];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid value '{value}' for setting '{name}' (from {origin}): {why}")]
    Invalid {
        name: String,
        value: String,
        origin: String,
        why: String,
    },
    #[error("cannot read configuration file {path}: {why}")]
    File { path: String, why: String },
    #[error("unknown setting '{name}' in {origin}")]
    Unknown { name: String, origin: String },
}

#[derive(Clone, Debug)]
struct Value {
    text: String,
    source: String,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: std::net::SocketAddr,
    pub database_url: String,
    pub content_url: String,
    pub s3: dossier_blob::S3Settings,
    pub access_token_seconds: i64,
    pub refresh_token_seconds: i64,
    pub lockout_threshold: i64,
    pub lockout_seconds: i64,
    pub lockout_max_seconds: i64,
    pub signin_failures_per_account: usize,
    pub signin_failures_per_address: usize,
    pub signin_window_seconds: i64,
    pub signing_key_rotation_days: i64,
    pub public_url: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub allowed_webhook_hosts: Vec<String>,
    pub rate_limit_per_user: u32,
    pub rate_limit_per_address: u32,
    pub webhook_retry_seconds: i64,
    pub recycle_bin_days: i64,
    pub web_session_idle_seconds: i64,
    pub web_session_absolute_seconds: i64,
    pub max_upload_bytes: u64,
    pub max_connections: usize,
    pub header_read_timeout_seconds: u64,
    pub idle_timeout_seconds: u64,
    pub body_read_timeout_seconds: u64,
    pub max_uri_bytes: usize,
    pub max_header_count: usize,
    pub max_header_bytes: usize,
    pub index_dir: PathBuf,
    /// `None`: this binary (`std::env::current_exe`).
    pub extract_program: Option<PathBuf>,
    pub extract_workers: usize,
    pub extract_timeout_seconds: i64,
    pub extract_memory_mb: u64,
    pub extract_max_input_mb: u64,
    pub admin_password: Option<String>,
    pub shutdown_grace_seconds: u64,
    pub metrics_token: Option<String>,
    pub trusted_proxies: dossier_api::proxies::TrustedProxies,
    pub log: String,
    pub log_format: LogFormat,
}

/// Flags given on the command line, by setting name.
pub type Overrides = Vec<(&'static str, Option<String>)>;

pub fn load(
    file: Option<&str>,
    env: &BTreeMap<String, String>,
    flags: &Overrides,
) -> Result<Config, ConfigError> {
    let mut values: BTreeMap<&'static str, Value> = BTreeMap::new();
    for (name, default, _) in SETTINGS {
        if let Some(d) = default {
            values.insert(
                name,
                Value {
                    text: (*d).to_string(),
                    source: "the built-in default".into(),
                },
            );
        }
    }
    if let Some(path) = file {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.into(),
            why: e.to_string(),
        })?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::File {
            path: path.into(),
            why: e.to_string(),
        })?;
        for (key, v) in table {
            let name = setting(&key).ok_or_else(|| ConfigError::Unknown {
                name: key.clone(),
                origin: format!("configuration file {path}"),
            })?;
            let text = match v {
                toml::Value::String(s) => s,
                other => other.to_string(),
            };
            values.insert(
                name,
                Value {
                    text,
                    source: format!("configuration file {path}"),
                },
            );
        }
    }
    for (name, _, _) in SETTINGS {
        let var = format!("DOSSIER_{}", name.to_uppercase());
        if let Some(v) = env.get(&var) {
            values.insert(
                name,
                Value {
                    text: v.clone(),
                    source: format!("environment variable {var}"),
                },
            );
        }
        let file_var = format!("{var}_FILE");
        if SECRETS.contains(name)
            && let Some(path) = env.get(&file_var)
        {
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Invalid {
                name: (*name).into(),
                value: path.clone(),
                origin: format!("environment variable {file_var}"),
                why: e.to_string(),
            })?;
            values.insert(
                name,
                Value {
                    text: text.trim_end_matches(['\r', '\n']).to_string(),
                    source: format!("environment variable {file_var}"),
                },
            );
        }
    }
    for (name, v) in flags {
        if let Some(v) = v {
            values.insert(
                name,
                Value {
                    text: v.clone(),
                    source: format!("the --{} flag", name.replace('_', "-")),
                },
            );
        }
    }
    unset_empty(&mut values);
    build(&values)
}

/// An empty value, from any source, means "not set": the built-in default applies, or none.
/// (An uncommented template line `content_url = ""` must not name the current directory.)
fn unset_empty(values: &mut BTreeMap<&'static str, Value>) {
    for (name, default, _) in SETTINGS {
        if values.get(name).is_some_and(|v| v.text.trim().is_empty()) {
            match default {
                Some(d) => {
                    values.insert(
                        name,
                        Value {
                            text: (*d).to_string(),
                            source: "the built-in default".into(),
                        },
                    );
                }
                None => {
                    values.remove(name);
                }
            }
        }
    }
}

/// `host:port`, where the host may be a name (`localhost:8081`), resolved now.
fn listen_address(v: &Value) -> Result<std::net::SocketAddr, ConfigError> {
    use std::net::ToSocketAddrs;
    let text = v.text.trim();
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let invalid = |why: String| ConfigError::Invalid {
        name: "listen".into(),
        value: v.text.clone(),
        origin: v.source.clone(),
        why,
    };
    let found: Vec<std::net::SocketAddr> = text
        .to_socket_addrs()
        .map_err(|e| invalid(format!("expected host:port, e.g. 127.0.0.1:8080 ({e})")))?
        .collect();
    // A name with both kinds of address listens on the IPv4 one, as most clients try first.
    found
        .iter()
        .find(|a| a.is_ipv4())
        .or(found.first())
        .copied()
        .ok_or_else(|| invalid("the host name has no address".into()))
}

fn setting(key: &str) -> Option<&'static str> {
    SETTINGS.iter().map(|(n, ..)| *n).find(|n| *n == key)
}

fn build(values: &BTreeMap<&'static str, Value>) -> Result<Config, ConfigError> {
    let get = |name: &str| values.get(name);
    fn parse<T: std::str::FromStr>(
        values: &BTreeMap<&'static str, Value>,
        name: &str,
        why: &str,
    ) -> Result<T, ConfigError> {
        let v = values.get(name).ok_or_else(|| ConfigError::Invalid {
            name: name.into(),
            value: String::new(),
            origin: "nowhere".into(),
            why: "it has no value".into(),
        })?;
        v.text
            .trim()
            .parse::<T>()
            .map_err(|_| ConfigError::Invalid {
                name: name.into(),
                value: v.text.clone(),
                origin: v.source.clone(),
                why: why.into(),
            })
    }
    let data_dir = PathBuf::from(get("data_dir").map(|v| v.text.clone()).unwrap_or_default());
    let database_url = match get("database_url") {
        Some(v) => {
            if !(v.text.starts_with("sqlite:")
                || v.text.starts_with("postgres://")
                || v.text.starts_with("postgresql://"))
            {
                return Err(ConfigError::Invalid {
                    name: "database_url".into(),
                    value: redact(&v.text),
                    origin: v.source.clone(),
                    why: "expected sqlite:… or postgres://…".into(),
                });
            }
            v.text.clone()
        }
        None => format!("sqlite://{}", data_dir.join("dossier.db").display()),
    };
    let content_url = get("content_url")
        .map(|v| v.text.clone())
        .unwrap_or_else(|| data_dir.join("content").display().to_string());
    fn above_zero<T: std::str::FromStr + Default + PartialOrd>(
        values: &BTreeMap<&'static str, Value>,
        name: &str,
        why: &str,
    ) -> Result<T, ConfigError> {
        let n: T = parse(values, name, why)?;
        if n <= T::default() {
            let v = &values[name];
            return Err(ConfigError::Invalid {
                name: name.into(),
                value: v.text.clone(),
                origin: v.source.clone(),
                why: "must be greater than zero".into(),
            });
        }
        Ok(n)
    }
    let positive =
        |name: &str| above_zero::<i64>(values, name, "expected a whole number of seconds");
    let seconds =
        |name: &str| above_zero::<u64>(values, name, "expected a whole number of seconds");
    let count = |name: &str| above_zero::<usize>(values, name, "expected a whole number");
    let public_url = match get("public_url").map(|v| (v, url::Url::parse(v.text.trim()))) {
        None => None,
        Some((v, Ok(u))) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Some(v.text.trim().trim_end_matches('/').to_string())
        }
        Some((v, _)) => {
            return Err(ConfigError::Invalid {
                name: "public_url".into(),
                value: v.text.clone(),
                origin: v.source.clone(),
                why: "expected an absolute http:// or https:// URL".into(),
            });
        }
    };
    let smtp_url = get("smtp_url").map(|v| v.text.trim().to_string());
    let mail_from = get("mail_from").map(|v| v.text.trim().to_string());
    if let Err(why) = dossier_service::mail::check_settings(smtp_url.as_deref(), mail_from.as_deref())
        // Named by the setting that is set (the relay's URL may hold a password: redacted).
        && let Some((name, v)) = get("smtp_url")
            .map(|v| ("smtp_url", v))
            .or_else(|| get("mail_from").map(|v| ("mail_from", v)))
    {
        return Err(ConfigError::Invalid {
            name: name.into(),
            value: redact(&v.text),
            origin: v.source.clone(),
            why,
        });
    }
    let allowed_webhook_hosts = get("allowed_webhook_hosts")
        .map(|v| {
            v.text
                .split(',')
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Ok(Config {
        smtp_url,
        mail_from,
        allowed_webhook_hosts,
        rate_limit_per_user: parse(
            values,
            "rate_limit_per_user",
            "expected a whole number of requests a second (0: no limit)",
        )?,
        rate_limit_per_address: parse(
            values,
            "rate_limit_per_address",
            "expected a whole number of requests a second (0: no limit)",
        )?,
        webhook_retry_seconds: positive("webhook_retry_seconds")?,
        recycle_bin_days: parse(
            values,
            "recycle_bin_days",
            "expected a whole number of days (0: purge at once)",
        )?,
        web_session_idle_seconds: positive("web_session_idle_seconds")?,
        web_session_absolute_seconds: positive("web_session_absolute_seconds")?,
        lockout_threshold: parse(
            values,
            "lockout_threshold",
            "expected a whole number (0 disables lockout)",
        )?,
        lockout_seconds: positive("lockout_seconds")?,
        lockout_max_seconds: positive("lockout_max_seconds")?,
        signin_failures_per_account: parse(
            values,
            "signin_failures_per_account",
            "expected a whole number (0: no limit)",
        )?,
        signin_failures_per_address: parse(
            values,
            "signin_failures_per_address",
            "expected a whole number (0: no limit)",
        )?,
        signin_window_seconds: positive("signin_window_seconds")?,
        signing_key_rotation_days: parse(
            values,
            "signing_key_rotation_days",
            "expected a whole number of days (0: never)",
        )?,
        public_url,
        listen: match get("listen") {
            Some(v) => listen_address(v)?,
            None => parse(values, "listen", "expected host:port, e.g. 127.0.0.1:8080")?,
        },
        s3: dossier_blob::S3Settings {
            endpoint: get("s3_endpoint").map(|v| v.text.clone()),
            region: get("s3_region").map(|v| v.text.clone()),
            access_key_id: get("s3_access_key_id").map(|v| v.text.clone()),
            secret_access_key: get("s3_secret_access_key").map(|v| v.text.clone()),
            allow_http: parse(values, "s3_allow_http", "expected true or false")?,
        },
        access_token_seconds: positive("access_token_seconds")?,
        refresh_token_seconds: positive("refresh_token_seconds")?,
        max_upload_bytes: parse(values, "max_upload_bytes", "expected a number of bytes")?,
        max_connections: count("max_connections")?,
        header_read_timeout_seconds: seconds("header_read_timeout_seconds")?,
        idle_timeout_seconds: seconds("idle_timeout_seconds")?,
        body_read_timeout_seconds: seconds("body_read_timeout_seconds")?,
        max_uri_bytes: count("max_uri_bytes")?,
        max_header_count: count("max_header_count")?,
        max_header_bytes: count("max_header_bytes")?,
        index_dir: get("index_dir")
            .map(|v| PathBuf::from(&v.text))
            .unwrap_or_else(|| data_dir.join("index")),
        extract_program: match get("extract_program") {
            // Checked now: a wrong path would otherwise only show as every extraction failing.
            Some(v) if !std::path::Path::new(v.text.trim()).is_file() => {
                return Err(ConfigError::Invalid {
                    name: "extract_program".into(),
                    value: v.text.clone(),
                    origin: v.source.clone(),
                    why: "no such program file".into(),
                });
            }
            Some(v) => Some(PathBuf::from(v.text.trim())),
            None => None,
        },
        extract_workers: parse(values, "extract_workers", "expected a number of processes")?,
        extract_timeout_seconds: positive("extract_timeout_seconds")?,
        extract_memory_mb: parse(values, "extract_memory_mb", "expected a number of MiB")?,
        extract_max_input_mb: parse(values, "extract_max_input_mb", "expected a number of MiB")?,
        admin_password: get("admin_password").map(|v| v.text.clone()),
        metrics_token: get("metrics_token").map(|v| v.text.trim().to_string()),
        trusted_proxies: match get("trusted_proxies") {
            Some(v) => dossier_api::proxies::TrustedProxies::parse(&v.text).map_err(|why| {
                ConfigError::Invalid {
                    name: "trusted_proxies".into(),
                    value: v.text.clone(),
                    origin: v.source.clone(),
                    why,
                }
            })?,
            None => dossier_api::proxies::TrustedProxies::default(),
        },
        shutdown_grace_seconds: parse(
            values,
            "shutdown_grace_seconds",
            "expected a whole number of seconds",
        )?,
        log_format: match get("log_format").map(|v| (v, v.text.trim())) {
            None | Some((_, "text")) => LogFormat::Text,
            Some((_, "json")) => LogFormat::Json,
            Some((v, _)) => {
                return Err(ConfigError::Invalid {
                    name: "log_format".into(),
                    value: v.text.clone(),
                    origin: v.source.clone(),
                    why: "expected text or json".into(),
                });
            }
        },
        log: get("log")
            .map(|v| v.text.clone())
            .unwrap_or_else(|| "info".into()),
        data_dir,
        database_url,
        content_url,
    })
}

/// Hides a password embedded in a URL before it is shown in an error.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

/// A commented TOML file with every setting, for `dossier config-template`.
pub fn template() -> String {
    let flags: Vec<String> = FLAG_SETTINGS
        .iter()
        .map(|n| format!("--{}", n.replace('_', "-")))
        .collect();
    let mut out = format!(
        "# Dossier configuration (dossier --config FILE, or DOSSIER_CONFIG). Each setting can also\n# be given as DOSSIER_<NAME> in the environment; these also as command-line flags:\n# {}.\n# An empty value means the setting is not set.\n\n",
        flags.join(", ")
    );
    for (name, default, doc) in SETTINGS {
        out.push_str(&format!("# {doc}\n"));
        match default {
            Some(d) => out.push_str(&format!("# {name} = \"{d}\"\n\n")),
            None => out.push_str(&format!("# {name} = \"\"\n\n")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn later_sources_win() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("d.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\naccess_token_seconds = 60\n",
        )
        .unwrap();
        let c = load(
            Some(file.to_str().unwrap()),
            &env(&[("DOSSIER_ACCESS_TOKEN_SECONDS", "90")]),
            &vec![],
        )
        .unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.access_token_seconds, 90);
        let c = load(
            Some(file.to_str().unwrap()),
            &env(&[]),
            &vec![("listen", Some("127.0.0.1:9100".into()))],
        )
        .unwrap();
        assert_eq!(c.listen.port(), 9100);
        assert!(c.database_url.starts_with("sqlite://"));
    }

    #[test]
    fn bad_values_name_the_setting_and_source() {
        let e = load(None, &env(&[("DOSSIER_LISTEN", "nowhere")]), &vec![])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("'listen'") && e.contains("DOSSIER_LISTEN"),
            "{e}"
        );
        let e = load(
            None,
            &env(&[("DOSSIER_ACCESS_TOKEN_SECONDS", "-5")]),
            &vec![],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("access_token_seconds") && e.contains("greater than zero"),
            "{e}"
        );
        let e = load(
            None,
            &env(&[]),
            &vec![("database_url", Some("mysql://x:secret@h/db".into()))],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("--database-url") && !e.contains("secret"), "{e}");
        let e = load(None, &env(&[("DOSSIER_MAX_HEADER_COUNT", "0")]), &vec![])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("max_header_count") && e.contains("greater than zero"),
            "{e}"
        );
    }

    #[test]
    fn request_limits_have_defaults_and_can_be_set() {
        let c = load(None, &env(&[]), &vec![]).unwrap();
        assert_eq!(c.body_read_timeout_seconds, 30);
        assert_eq!(
            (c.max_uri_bytes, c.max_header_count, c.max_header_bytes),
            (32768, 100, 16384)
        );
        let c = load(
            None,
            &env(&[
                ("DOSSIER_BODY_READ_TIMEOUT_SECONDS", "5"),
                ("DOSSIER_MAX_HEADER_COUNT", "20"),
            ]),
            &vec![],
        )
        .unwrap();
        assert_eq!((c.body_read_timeout_seconds, c.max_header_count), (5, 20));
        assert!(template().contains("# body_read_timeout_seconds = \"30\""));
    }

    #[test]
    fn connection_settings_have_defaults_and_can_be_set() {
        let c = load(None, &env(&[]), &vec![]).unwrap();
        assert_eq!(
            (
                c.max_connections,
                c.header_read_timeout_seconds,
                c.idle_timeout_seconds
            ),
            (1024, 30, 60)
        );
        let c = load(
            None,
            &env(&[("DOSSIER_IDLE_TIMEOUT_SECONDS", "5")]),
            &vec![],
        )
        .unwrap();
        assert_eq!(c.idle_timeout_seconds, 5);
        let e = load(None, &env(&[("DOSSIER_MAX_CONNECTIONS", "0")]), &vec![])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("max_connections") && e.contains("greater than zero"),
            "{e}"
        );
    }

    #[test]
    fn the_template_loads_with_every_line_uncommented() {
        let dir = tempfile::tempdir().unwrap();
        let text: String = template()
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(setting) if setting.contains(" = ") => setting,
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(text.contains("\ncontent_url = \"\"\n"), "{text}");
        let file = dir.path().join("dossier.toml");
        std::fs::write(&file, text).unwrap();
        let c = load(Some(file.to_str().unwrap()), &env(&[]), &vec![]).unwrap();
        // Empty values are unset: the defaults derived from data_dir apply.
        assert_eq!(c.content_url, "./dossier-data/content");
        assert_eq!(c.index_dir, PathBuf::from("./dossier-data/index"));
        assert_eq!(c.extract_program, None);
        assert_eq!(c.admin_password, None);
        assert_eq!(c.listen.port(), 8080);
    }

    #[test]
    fn an_empty_value_is_unset_and_a_host_name_may_be_listened_on() {
        let c = load(
            None,
            &env(&[
                ("DOSSIER_LISTEN", "localhost:8081"),
                ("DOSSIER_INDEX_DIR", " "),
            ]),
            &vec![],
        )
        .unwrap();
        assert_eq!(c.listen.port(), 8081);
        assert!(c.listen.ip().is_loopback(), "{}", c.listen);
        assert_eq!(c.index_dir, PathBuf::from("./dossier-data/index"));
        let e = load(None, &env(&[("DOSSIER_LISTEN", "localhost")]), &vec![])
            .unwrap_err()
            .to_string();
        assert!(e.contains("listen") && e.contains("host:port"), "{e}");
    }

    #[test]
    fn a_missing_extract_program_is_refused_at_start() {
        let e = load(
            None,
            &env(&[("DOSSIER_EXTRACT_PROGRAM", "/nonexistent/dossier")]),
            &vec![],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("extract_program") && e.contains("no such program"),
            "{e}"
        );
    }

    #[test]
    fn the_template_names_the_flags_there_are() {
        let t = template();
        for flag in [
            "--data-dir",
            "--listen",
            "--database-url",
            "--content-url",
            "--s3-endpoint",
        ] {
            assert!(t.contains(flag), "{flag}");
        }
        assert!(!t.contains("--access-token-seconds"));
    }
}
