//! Password hashing with Argon2id (RustCrypto `argon2`, OWASP-recommended parameters), run on
//! the blocking pool because each hash takes tens of milliseconds by design.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use yui_domain::tenant::NewPassword;

use crate::error::CoreError;

/// Hashes a new password into a PHC string (`$argon2id$v=19$…`).
pub async fn hash_password(password: &NewPassword) -> Result<String, CoreError> {
    let password = password.expose().to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| CoreError::Internal(format!("password hashing task failed: {e}")))?
}

fn hash_blocking(password: &str) -> Result<String, CoreError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Internal(format!("password hashing failed: {e}")))
}

/// Checks a password against a stored PHC string. A malformed stored hash is an internal error,
/// never a successful sign-in.
pub async fn verify_password(password: &str, phc: &str) -> Result<bool, CoreError> {
    let password = password.to_owned();
    let phc = phc.to_owned();
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&phc)
            .map_err(|e| CoreError::Internal(format!("stored password hash is malformed: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| CoreError::Internal(format!("password verification task failed: {e}")))?
}

/// Spends the same time as a real verification, so that an unknown login name cannot be told
/// apart from a wrong password by timing.
pub async fn verify_against_dummy(password: &str) -> Result<(), CoreError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = match DUMMY.get() {
        Some(d) => d.clone(),
        None => {
            let h = tokio::task::spawn_blocking(|| hash_blocking("yui-dummy-password-for-timing"))
                .await
                .map_err(|e| CoreError::Internal(format!("password hashing task failed: {e}")))??;
            DUMMY.get_or_init(|| h).clone()
        }
    };
    verify_password(password, &dummy).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let pw = NewPassword::parse("correct horse battery staple").unwrap();
        let hash = hash_password(&pw).await.unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(
            verify_password("correct horse battery staple", &hash)
                .await
                .unwrap()
        );
        assert!(
            !verify_password("correct horse battery stapl", &hash)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_an_error_not_a_sign_in() {
        assert!(verify_password("anything", "not-a-hash").await.is_err());
    }
}
