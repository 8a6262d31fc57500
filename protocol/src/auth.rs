//! mysql_native_password: salts and scramble verification.
//!
//! The client sends `SHA1(password) XOR SHA1(salt ‖ SHA1(SHA1(password)))`; the server stores
//! only `SHA1(SHA1(password))` ("stage 2", the `*HEX` in `mysql.user`), recovers
//! `SHA1(password)` from the response and checks that hashing it once more gives stage 2.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sha1::{Digest, Sha1};

/// Length of the handshake salt (scramble).
pub const SALT_LEN: usize = 20;

fn sha1(parts: &[&[u8]]) -> [u8; 20] {
    let mut h = Sha1::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// `SHA1(SHA1(password))`, what a user table stores for mysql_native_password.
pub fn native_password_stage2(password: &str) -> [u8; 20] {
    let stage1 = sha1(&[password.as_bytes()]);
    sha1(&[&stage1])
}

/// What a client computes from `password` and `salt` (used by tests and the replica client).
pub fn native_password_scramble(salt: &[u8], password: &str) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let stage1 = sha1(&[password.as_bytes()]);
    let stage2 = sha1(&[&stage1]);
    let mix = sha1(&[salt, &stage2]);
    stage1.iter().zip(mix.iter()).map(|(a, b)| a ^ b).collect()
}

/// True when `response` proves knowledge of the password whose stage-2 hash is `stage2`;
/// `None` means an empty password, which only an empty response matches.
pub fn verify_native_password(
    salt: &[u8; SALT_LEN],
    response: &[u8],
    stage2: Option<&[u8; 20]>,
) -> bool {
    let Some(stage2) = stage2 else {
        return response.is_empty();
    };
    if response.len() != 20 {
        return false;
    }
    let mix = sha1(&[salt, stage2]);
    let mut stage1 = [0u8; 20];
    for (i, b) in stage1.iter_mut().enumerate() {
        *b = response[i] ^ mix[i];
    }
    // Not constant-time; the salt is fresh per connection so timing reveals nothing reusable.
    sha1(&[&stage1]) == *stage2
}

/// A fresh salt of printable ASCII without NUL or '$' (clients read part 2 as a C string).
pub fn new_salt() -> [u8; SALT_LEN] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.write_u128(nanos);
    let seed_a = h.finish();
    h.write_u64(seed_a);
    let seed_b = h.finish();
    let digest = sha1(&[&seed_a.to_le_bytes(), &seed_b.to_le_bytes()]);
    let mut salt = [0u8; SALT_LEN];
    for (s, d) in salt.iter_mut().zip(digest.iter()) {
        // 0x21..=0x7e minus '$' (0x24)
        let mut c = 0x21 + (d % 94);
        if c == b'$' {
            c = b'%';
        }
        *s = c;
    }
    salt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let salt = new_salt();
        let stage2 = native_password_stage2("secret");
        let resp = native_password_scramble(&salt, "secret");
        assert!(verify_native_password(&salt, &resp, Some(&stage2)));
        let wrong = native_password_scramble(&salt, "secreT");
        assert!(!verify_native_password(&salt, &wrong, Some(&stage2)));
        assert!(!verify_native_password(&salt, &[], Some(&stage2)));
        assert!(!verify_native_password(&salt, &resp[..19], Some(&stage2)));
        assert!(verify_native_password(&salt, &[], None));
        assert!(!verify_native_password(&salt, &resp, None));
    }

    #[test]
    fn stage2_matches_mysql() {
        // SELECT PASSWORD('secret') on MySQL 5.7 / MariaDB: *14E65567ABDB5135D0CFD9A70B3032C179A49EE7
        let hex: String = native_password_stage2("secret")
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert_eq!(hex, "14E65567ABDB5135D0CFD9A70B3032C179A49EE7");
    }

    #[test]
    fn salts_differ_and_are_printable() {
        let a = new_salt();
        let b = new_salt();
        assert_ne!(a, b);
        assert!(a.iter().all(|c| (0x21..=0x7e).contains(c) && *c != b'$'));
    }
}
