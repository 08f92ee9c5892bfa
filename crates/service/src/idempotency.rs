//! Idempotent creation (`Idempotency-Key`), the same for every surface: the key is
//! reserved before the first request runs (a concurrent retry is told it is in progress
//! rather than creating twice), the first successful answer is remembered with a
//! fingerprint of the request, a retry with the same key and request gets that answer
//! back, and the same key with another request is a conflict. Failed attempts release
//! their key, so they can be retried. Keys are a caller's own, and are kept for a day.

use chrono::Duration;
use dossier_core::DomainError;
use dossier_core::idempotency::{
    Claim, IdempotencyKey, Remembered, RequestFingerprint, StoredAnswer,
};
use dossier_store::idempotency::{self as store, Owner};
use sha2::{Digest, Sha256};

use crate::{Caller, Dossier, Result};

/// How long a key is remembered.
pub const KEY_LIFETIME: Duration = Duration::hours(24);

/// Hashes a request as it streams by: method, path with query, then the body bytes, so a
/// large upload is fingerprinted without being held in memory.
pub struct RequestHasher(Sha256);

impl RequestHasher {
    pub fn new(method: &str, target: &str) -> Self {
        let mut h = Sha256::new();
        h.update(method.as_bytes());
        h.update(b" ");
        h.update(target.as_bytes());
        h.update(b"\n");
        RequestHasher(h)
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn finish(self) -> RequestFingerprint {
        RequestFingerprint(hex::encode(self.0.finalize()))
    }
}

fn owner<'a>(caller: &'a Caller, key: &'a IdempotencyKey) -> Owner<'a> {
    Owner {
        customer_id: caller.customer_id,
        caller: &caller.user_id,
        key: key.as_str(),
    }
}

impl Dossier {
    /// Reserves `key` for the caller's request, or tells what became of the first request
    /// with it: completed (its answer), or still running (a 409 conflict).
    pub async fn claim_idempotency_key(
        &self,
        caller: &Caller,
        key: &IdempotencyKey,
    ) -> Result<Claim> {
        // Twice at most: a reservation released between our insert and our read frees the key.
        for _ in 0..2 {
            let mut tx = self.store.begin().await?;
            let reserved = store::reserve(tx.conn(), owner(caller, key), self.now()).await?;
            let existing = if reserved {
                None
            } else {
                store::get(tx.conn(), owner(caller, key)).await?
            };
            tx.commit().await?;
            if reserved {
                return Ok(Claim::Reserved);
            }
            let Some(record) = existing else { continue };
            let (Some(hash), Some(status)) = (record.request_hash, record.status) else {
                return Err(DomainError::Conflict(
                    "a request with this Idempotency-Key is still in progress".into(),
                ));
            };
            let headers: Vec<(String, String)> =
                serde_json::from_str(record.headers.as_deref().unwrap_or("[]"))
                    .map_err(|e| DomainError::internal(format!("stored answer headers: {e}")))?;
            return Ok(Claim::Completed(Remembered {
                fingerprint: RequestFingerprint(hash),
                answer: StoredAnswer {
                    status: u16::try_from(status)
                        .map_err(|_| DomainError::internal("stored answer status"))?,
                    headers,
                    body: record.body.unwrap_or_default(),
                },
            }));
        }
        Err(DomainError::Conflict(
            "a request with this Idempotency-Key is still in progress".into(),
        ))
    }

    /// Remembers the successful answer to the request that reserved `key`.
    pub async fn remember_answer(
        &self,
        caller: &Caller,
        key: &IdempotencyKey,
        fingerprint: &RequestFingerprint,
        answer: &StoredAnswer,
    ) -> Result<()> {
        let headers = serde_json::to_string(&answer.headers)
            .map_err(|e| DomainError::internal(format!("answer headers: {e}")))?;
        let mut tx = self.store.begin().await?;
        store::complete(
            tx.conn(),
            owner(caller, key),
            &fingerprint.0,
            i64::from(answer.status),
            &headers,
            &answer.body,
        )
        .await?;
        tx.commit().await
    }

    /// Frees `key` after a request that did not succeed: nothing was created, so a retry
    /// with the same key runs again.
    pub async fn release_idempotency_key(
        &self,
        caller: &Caller,
        key: &IdempotencyKey,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        store::release(tx.conn(), owner(caller, key)).await?;
        tx.commit().await
    }

    /// Forgets keys older than `KEY_LIFETIME` (housekeeping); returns how many.
    pub async fn purge_expired_idempotency_keys(&self) -> Result<u64> {
        let mut tx = self.store.begin().await?;
        let n = store::delete_older_than(tx.conn(), self.now() - KEY_LIFETIME).await?;
        tx.commit().await?;
        Ok(n)
    }
}
