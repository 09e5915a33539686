//! Password hashing with Argon2id (RustCrypto `argon2`, OWASP-recommended parameters).
//!
//! A hash takes tens of milliseconds and 19 MiB of memory by design. Passwords are checked and
//! hashed one at a time on a thread of their own, in one block of memory kept for the purpose:
//! when each check allocated its own 19 MiB, the system allocator kept the freed memory, and a
//! server's RSS grew by 19 MiB with each of the first sign-ins (to about 140 MiB after seven).
//! A burst of sign-ins now queues instead of multiplying memory.

use std::cell::RefCell;
use std::sync::mpsc::{Sender, channel};
use std::sync::{Mutex, OnceLock};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use yui_domain::tenant::NewPassword;

use crate::error::CoreError;

type Job = Box<dyn FnOnce() + Send>;

/// The password thread's queue, started on first use.
fn password_thread() -> Result<Sender<Job>, CoreError> {
    static QUEUE: OnceLock<Mutex<Option<Sender<Job>>>> = OnceLock::new();
    let mut queue = QUEUE
        .get_or_init(|| Mutex::new(None))
        .lock()
        .map_err(|_| CoreError::Internal("password thread queue poisoned".into()))?;
    if let Some(sender) = queue.as_ref() {
        return Ok(sender.clone());
    }
    let (sender, jobs) = channel::<Job>();
    std::thread::Builder::new()
        .name("yui-password".into())
        .spawn(move || {
            for job in jobs {
                // A panic in one check must not stop sign-ins for the rest of the process.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
        })
        .map_err(|e| CoreError::Internal(format!("cannot start the password thread: {e}")))?;
    *queue = Some(sender.clone());
    Ok(sender)
}

/// Runs `work` on the password thread and waits for its result.
async fn on_password_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CoreError> {
    let (reply, result) = tokio::sync::oneshot::channel();
    password_thread()?
        .send(Box::new(move || {
            let _ = reply.send(work());
        }))
        .map_err(|_| CoreError::Internal("the password thread has stopped".into()))?;
    result
        .await
        .map_err(|_| CoreError::Internal("password hashing ended without an answer".into()))
}

thread_local! {
    /// The password thread's Argon2 memory, allocated by the first hash and reused.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Hashes `password` into `out` with `argon2` in this thread's reused memory.
fn hash_into(
    argon2: &Argon2<'_>,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    let blocks = argon2.params().block_count();
    MEMORY.with_borrow_mut(|memory| {
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..])
    })
}

/// Whether `password` hashes to `stored` (parameters, salt and algorithm from `stored`),
/// compared in constant time. Any failure to compute the hash is "no".
fn matches(password: &str, stored: &PasswordHash) -> bool {
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(stored.algorithm.as_str()) else {
        return false;
    };
    let Ok(version) = stored
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let Ok(params) = Params::try_from(stored) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    hash_into(&argon2, password, salt, &mut out).is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == *expected)
}

/// Hashes a new password into a PHC string (`$argon2id$v=19$…`).
pub async fn hash_password(password: &NewPassword) -> Result<String, CoreError> {
    let password = password.expose().to_owned();
    on_password_thread(move || hash_blocking(&password)).await?
}

fn hash_blocking(password: &str) -> Result<String, CoreError> {
    let salt = argon2::password_hash::try_generate_salt()
        .map_err(|e| CoreError::Internal(format!("no random salt for a password: {e}")))?;
    hash_with_salt(password, &salt)
}

/// Argon2id with the default (OWASP) parameters, as a PHC string.
fn hash_with_salt(password: &str, salt: &[u8]) -> Result<String, CoreError> {
    let failed =
        |e: &dyn std::fmt::Display| CoreError::Internal(format!("password hashing failed: {e}"));
    let argon2 = Argon2::default();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    hash_into(&argon2, password, salt, &mut out).map_err(|e| failed(&e))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(|e| failed(&e))?,
        salt: Some(Salt::new(salt).map_err(|e| failed(&e))?),
        hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(hash.to_string())
}

/// Checks a password against a stored PHC string. A malformed stored hash is an internal error,
/// never a successful sign-in.
pub async fn verify_password(password: &str, phc: &str) -> Result<bool, CoreError> {
    let password = password.to_owned();
    let phc = phc.to_owned();
    on_password_thread(move || {
        let parsed = PasswordHash::new(&phc)
            .map_err(|e| CoreError::Internal(format!("stored password hash is malformed: {e}")))?;
        Ok(matches(&password, &parsed))
    })
    .await?
}

/// Spends the same time as a real verification, so that an unknown login name cannot be told
/// apart from a wrong password by timing.
pub async fn verify_against_dummy(password: &str) -> Result<(), CoreError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = match DUMMY.get() {
        Some(d) => d.clone(),
        None => {
            let h = on_password_thread(|| hash_blocking("yui-dummy-password-for-timing")).await??;
            DUMMY.get_or_init(|| h).clone()
        }
    };
    verify_password(password, &dummy).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::PasswordHasher as _;

    use super::*;

    #[test]
    fn a_new_hash_is_argon2s_own_for_the_same_salt() {
        let salt = b"0123456789abcdef";
        let ours = hash_with_salt("correct horse battery staple", salt).unwrap();
        let theirs = Argon2::default()
            .hash_password_with_salt(b"correct horse battery staple", salt)
            .unwrap()
            .to_string();
        assert_eq!(ours, theirs);
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
    }

    #[tokio::test]
    async fn each_new_hash_gets_its_own_salt() {
        let pw = NewPassword::parse("correct horse battery staple").unwrap();
        let first = hash_password(&pw).await.unwrap();
        let second = hash_password(&pw).await.unwrap();
        assert_ne!(first, second);
        for hash in [first, second] {
            assert!(
                verify_password("correct horse battery staple", &hash)
                    .await
                    .unwrap()
            );
        }
    }

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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sign_ins_at_the_same_time_queue_and_each_gets_its_own_answer() {
        let pw = NewPassword::parse("correct horse battery staple").unwrap();
        let hash = hash_password(&pw).await.unwrap();
        let checks: Vec<_> = (0..6)
            .map(|i| {
                let hash = hash.clone();
                let attempt = if i % 2 == 0 {
                    "correct horse battery staple"
                } else {
                    "correct horse battery staplf"
                };
                tokio::spawn(async move { verify_password(attempt, &hash).await.unwrap() })
            })
            .collect();
        for (i, check) in checks.into_iter().enumerate() {
            assert_eq!(check.await.unwrap(), i % 2 == 0, "attempt {i}");
        }
    }

    #[tokio::test]
    async fn hashes_with_other_parameters_still_verify() {
        // A hash made elsewhere with smaller parameters (m=4096, t=2, p=1) and with Argon2i:
        // the check takes the parameters from the stored hash, not from Yui's defaults.
        for algorithm in [Algorithm::Argon2id, Algorithm::Argon2i] {
            let params = Params::new(4096, 2, 1, None).unwrap();
            let argon2 = Argon2::new(algorithm, Version::V0x13, params);
            let hash = argon2
                .hash_password_with_salt(b"secret words", b"saltsaltsalt")
                .unwrap()
                .to_string();
            assert!(
                verify_password("secret words", &hash).await.unwrap(),
                "{hash}"
            );
            assert!(
                !verify_password("secret word", &hash).await.unwrap(),
                "{hash}"
            );
        }
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_an_error_not_a_sign_in() {
        assert!(verify_password("anything", "not-a-hash").await.is_err());
    }
}
