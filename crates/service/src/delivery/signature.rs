//! Standard Webhooks signatures (https://www.standardwebhooks.com): the receiver checks
//! `webhook-signature` = `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), with
//! the key it was given as `whsec_` + base64(key).

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use dossier_core::DomainError;
use rand::RngCore;

const PREFIX: &str = "whsec_";
/// Key sizes accepted from a subscriber: at least 192 bits; at most 512 (a longer key adds
/// nothing to HMAC-SHA256 and would only be stored).
const MIN_KEY_BYTES: usize = 24;
const MAX_KEY_BYTES: usize = 64;
/// The size of the keys the server makes.
const GENERATED_KEY_BYTES: usize = 32;

/// A signing key shared with one receiver.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    pub fn generate() -> Secret {
        let mut key = vec![0u8; GENERATED_KEY_BYTES];
        rand::rng().fill_bytes(&mut key);
        Secret(key)
    }

    /// A key as a subscriber gives it: `whsec_` and the base64 of 24 to 64 bytes.
    pub fn parse(field: &str, text: &str) -> Result<Secret, DomainError> {
        let shape = || {
            DomainError::invalid(
                field,
                format!(
                    "expected whsec_ followed by the base64 of {MIN_KEY_BYTES} to {MAX_KEY_BYTES} random bytes"
                ),
            )
        };
        let encoded = text.strip_prefix(PREFIX).ok_or_else(shape)?;
        if encoded.len() > MAX_KEY_BYTES * 2 {
            return Err(shape());
        }
        let key = STANDARD.decode(encoded).map_err(|_| shape())?;
        if !(MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&key.len()) {
            return Err(shape());
        }
        Ok(Secret(key))
    }

    /// The form a receiver is given, and the one stored.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// `v1,` and the signature of one message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(id.as_bytes());
        ctx.update(b".");
        ctx.update(timestamp.to_string().as_bytes());
        ctx.update(b".");
        ctx.update(body);
        format!("v1,{}", STANDARD.encode(ctx.sign().as_ref()))
    }

    /// The three headers of a signed message sent at `now`.
    pub fn headers(&self, id: &str, now: DateTime<Utc>, body: &[u8]) -> [(String, String); 3] {
        let timestamp = now.timestamp();
        [
            ("webhook-id".into(), id.to_string()),
            ("webhook-timestamp".into(), timestamp.to_string()),
            ("webhook-signature".into(), self.sign(id, timestamp, body)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_specifications_example() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = Secret::parse("secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn refuses_keys_of_the_wrong_shape() {
        for bad in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_not base64!",
            "whsec_c2hvcnQ=",
            &format!("whsec_{}", STANDARD.encode([7u8; 65])),
            &format!("whsec_{}", "A".repeat(10_000)),
        ] {
            assert!(Secret::parse("secret", bad).is_err(), "{bad}");
        }
        let made = Secret::generate();
        assert_eq!(Secret::parse("secret", &made.expose()).unwrap(), made);
    }
}
