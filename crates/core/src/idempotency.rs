//! Idempotent creation: a client that may retry a creating call (after a timeout, a
//! dropped connection) names the attempt with an `Idempotency-Key`; the server remembers
//! the first successful answer to that key and replays it instead of creating again.

use crate::DomainError;

/// A client's name for one attempt: 1 to 255 visible ASCII characters (what the header
/// can carry unchanged; UUIDs, ULIDs and "order-42-retry" all fit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const MAX_LEN: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let key = raw.trim();
        if key.is_empty() || key.len() > Self::MAX_LEN || !key.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(DomainError::invalid(
                "Idempotency-Key",
                format!(
                    "Idempotency-Key must be 1 to {} visible ASCII characters",
                    Self::MAX_LEN
                ),
            ));
        }
        Ok(IdempotencyKey(key.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A digest of what a request asked for (method, path and query, body bytes): a retry
/// must match it to be answered from memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestFingerprint(pub String);

/// The remembered answer to a creating request: what a replay sends back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    /// The headers a client reads from a creation (content type, location, ETag).
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// The first successful request made with a key: its fingerprint and answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remembered {
    pub fingerprint: RequestFingerprint,
    pub answer: StoredAnswer,
}

impl Remembered {
    /// The answer to replay to a retry with `fingerprint`; the same key with another
    /// request is a conflict.
    pub fn replay_for(self, fingerprint: &RequestFingerprint) -> Result<StoredAnswer, DomainError> {
        if self.fingerprint == *fingerprint {
            Ok(self.answer)
        } else {
            Err(DomainError::Conflict(
                "this Idempotency-Key was already used for a different request".into(),
            ))
        }
    }
}

/// The state of a key for a caller when a request carrying it arrives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The key was new and is now reserved for this request: run it, then remember the
    /// answer or release the key.
    Reserved,
    /// A first request with this key succeeded.
    Completed(Remembered),
}
