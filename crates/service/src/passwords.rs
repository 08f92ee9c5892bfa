//! Passwords and client secrets: the rules a new password must meet, and Argon2id hashing
//! and verification in a blocking thread, so sign-ins cannot starve the async runtime. A
//! module of its own because token resolution (`auth`), sign-in, user management
//! (`identity`), app registration (`apps`) and `bootstrap` all hash, and none of them should
//! depend on another for it.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use dossier_core::DomainError;

use crate::Result;

/// Argon2id in a blocking thread.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| DomainError::internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(DomainError::internal)?
}

/// Whether `password` matches a stored Argon2id hash (a malformed hash matches nothing).
pub(crate) async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// Checks the password rules: long enough to resist guessing, short enough to hash cheaply.
pub fn check_password_rules(password: &str) -> Result<()> {
    let n = password.chars().count();
    if !(8..=256).contains(&n) {
        return Err(DomainError::invalid(
            "password",
            "a password must be 8 to 256 characters long",
        ));
    }
    Ok(())
}
