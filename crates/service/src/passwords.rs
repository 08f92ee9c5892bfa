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

/// The shortest password accepted, in characters: long enough to resist guessing.
pub const PASSWORD_MIN_CHARS: usize = 8;
/// The longest, in characters: short enough to hash cheaply.
pub const PASSWORD_MAX_CHARS: usize = 256;

/// Checks the password rules (the surfaces that describe them, such as the admin
/// connector's password schema, read the same two bounds).
pub fn check_password_rules(password: &str) -> Result<()> {
    let n = password.chars().count();
    if !(PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&n) {
        return Err(DomainError::invalid(
            "password",
            format!(
                "a password must be {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters long"
            ),
        ));
    }
    Ok(())
}
