//! Sending events out of the server: what webhook subscriptions and workflow triggers share.
//!
//! Each delivery is an HTTP POST of a JSON body, signed per the Standard Webhooks scheme
//! (`signature`), to a target the server may call (`targets`: no loopback or private
//! addresses unless `allowed_webhook_hosts` names them), with a time limit, no redirects,
//! and a retry schedule (`retry`: exponential backoff with jitter until a day has passed,
//! then the delivery is dead-lettered). The queues that feed it (the outbox cursor of a
//! subscription, a workflow run waiting to be sent) live with their owners; this module
//! only knows how to send one message once and what to do after a failure.

pub mod retry;
pub mod signature;
pub mod targets;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

pub use retry::{Next, Retry};
pub use signature::Secret;
pub use targets::Target;

/// How long a receiver has to answer one delivery. A slow receiver holds only its own
/// queue: deliveries to different targets run side by side.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// At most this much of a receiver's answer is kept in the delivery log.
const KEPT_ANSWER_BYTES: usize = 512;
/// At most this many of the answer's headers are kept on an `Attempt`.
const KEPT_HEADERS: usize = 32;

/// One message to send: the same `id` on every attempt, so receivers can drop repeats.
#[derive(Clone, Debug)]
pub struct Message<'a> {
    pub target: &'a Target,
    pub secret: &'a Secret,
    /// The message id (`webhook-id`): the event's id, stable across retries.
    pub id: &'a str,
    pub body: &'a [u8],
    /// Further headers the receiver asked for (a workflow's identity headers).
    pub headers: &'a [(String, String)],
}

/// What one attempt came to, as the delivery log records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    pub latency_ms: i64,
    /// Why it failed, when it did: the transport error, or the start of the answer.
    pub error: Option<String>,
    /// The answer's headers (names in lower case; at most `KEPT_HEADERS`, each value at
    /// most `KEPT_ANSWER_BYTES`), for a sender that reads one back: a workflow trigger
    /// records the run id Power Automate answers with.
    pub headers: Vec<(String, String)>,
}

impl Attempt {
    /// A 2xx answer is a delivery; anything else (3xx included: redirects are not
    /// followed) is retried.
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// The value of an answer header, by name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The HTTP client every delivery goes through: one connection pool, a resolver that
/// refuses private addresses, no redirects, the time limit.
#[derive(Clone, Debug)]
pub struct Sender {
    /// Why there is none: the TLS backend could not start. Never a client without the
    /// resolver and redirect rules above, which is what a fallback to the default would be.
    client: Result<reqwest::Client, String>,
    allowed: Arc<targets::Allowed>,
}

impl Sender {
    pub fn new(allowed_hosts: &[String]) -> Sender {
        let allowed = Arc::new(targets::Allowed::new(allowed_hosts));
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(targets::Resolver::new(allowed.clone())))
            .user_agent(concat!("Dossier-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                tracing::error!(error = %e, "cannot start the webhook client; nothing will be delivered");
                format!("the delivery client could not start: {e}")
            });
        Sender { client, allowed }
    }

    /// Whether `url` may be a target under this server's `allowed_webhook_hosts`.
    pub fn target(&self, url: &str) -> crate::Result<Target> {
        Target::parse(url, &self.allowed)
    }

    /// Sends `message` once, now.
    pub async fn send(&self, message: &Message<'_>, now: DateTime<Utc>) -> Attempt {
        let started = Instant::now();
        let refused = |why: String| Attempt {
            at: now,
            status: None,
            latency_ms: 0,
            error: Some(why),
            headers: Vec::new(),
        };
        // Checked again at each send: the setting may have changed since registration.
        if let Err(e) = Target::parse(message.target.as_str(), &self.allowed) {
            return refused(e.to_string());
        }
        let client = match &self.client {
            Ok(client) => client,
            Err(why) => return refused(why.clone()),
        };
        let mut request = client
            .post(message.target.as_str())
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        for (name, value) in message.headers {
            request = request.header(name, value);
        }
        for (name, value) in message.secret.headers(message.id, now, message.body) {
            request = request.header(name, value);
        }
        let answer = request.body(message.body.to_vec()).send().await;
        let mut attempt = Attempt {
            at: now,
            status: None,
            latency_ms: 0,
            error: None,
            headers: Vec::new(),
        };
        match answer {
            Ok(response) => {
                let status = response.status().as_u16();
                attempt.status = Some(status);
                attempt.headers = response
                    .headers()
                    .iter()
                    .take(KEPT_HEADERS)
                    .filter_map(|(n, v)| {
                        let v = v.to_str().ok()?;
                        Some((
                            n.as_str().to_string(),
                            truncate(v, KEPT_ANSWER_BYTES).to_string(),
                        ))
                    })
                    .collect();
                if !(200..300).contains(&status) {
                    let text = response.text().await.unwrap_or_default();
                    attempt.error = Some(format!(
                        "answered {status}: {}",
                        truncate(&text, KEPT_ANSWER_BYTES)
                    ));
                }
            }
            Err(e) => attempt.error = Some(transport_error(&e)),
        }
        attempt.latency_ms = started.elapsed().as_millis().min(i64::MAX as u128) as i64;
        attempt
    }
}

fn transport_error(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut text = if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        "cannot connect".to_string()
    } else {
        "the request failed".to_string()
    };
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    truncate(&text, KEPT_ANSWER_BYTES).to_string()
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
