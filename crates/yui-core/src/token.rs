//! Secret tokens (session cookies, resume links): 256 random bits from the operating system,
//! stored only as a SHA-256 hash so a copy of the database cannot be used to sign in.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::CoreError;

/// A new random token, URL-safe.
pub fn new_token() -> Result<String, CoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| CoreError::Internal(format!("operating system random source failed: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The hash under which a token is stored.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// Milliseconds since the Unix epoch, as stored.
pub fn unix_ms(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A new password that is easy to read aloud and type: 20 characters from an alphabet
/// without look-alikes (no 0/o, 1/l/i), in groups of five (about 98 bits).
pub fn new_password() -> Result<String, CoreError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 40];
    getrandom::fill(&mut bytes)
        .map_err(|e| CoreError::Internal(format!("operating system random source failed: {e}")))?;
    // Rejection sampling keeps every character equally likely.
    let limit = u8::MAX - (u8::MAX % ALPHABET.len() as u8);
    let mut chars = bytes
        .iter()
        .filter(|b| **b < limit)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]));
    let mut out = String::with_capacity(23);
    for i in 0..20 {
        if i > 0 && i % 5 == 0 {
            out.push('-');
        }
        match chars.next() {
            Some(c) => out.push(c),
            None => return new_password(),
        }
    }
    Ok(out)
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn generated_passwords_are_grouped_and_unambiguous() {
        let p = new_password().unwrap();
        assert_eq!(p.len(), 23, "{p}");
        assert_eq!(p.matches('-').count(), 3);
        assert!(!p.contains(['0', 'o', '1', 'l', 'i']), "{p}");
        assert_ne!(p, new_password().unwrap());
    }

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn constant_time_comparison_matches_equality() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
