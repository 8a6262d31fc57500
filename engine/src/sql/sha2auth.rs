//! caching_sha2_password: the stored hash and the checks of both login paths.
//!
//! - **Stored hash** (what `mysql.user.authentication_string` holds in MySQL 8.0):
//!   `$A$005$` + a 20-byte salt + the 43-character SHA-256 crypt (Drepper's SHA-crypt,
//!   5000 rounds: `005` × 1000) of the password with that salt. The same bytes are accepted
//!   back by `IDENTIFIED WITH caching_sha2_password AS '…'`, so accounts move between
//!   MySQL 8.0 and Borealis. SHA-crypt is written here, not taken from the `sha-crypt` crate:
//!   that crate caps the salt at 16 bytes and MySQL's is 20.
//! - **Full authentication**: the client sends the cleartext password (over TLS, or
//!   RSA-encrypted; the protocol crate decrypts it); it is checked against the stored hash,
//!   and on success `SHA256(SHA256(password))` goes into the server's cache.
//! - **Fast path**: the client sends `SHA256(p) XOR SHA256(SHA256(SHA256(p)) ‖ nonce)`;
//!   with the cached `SHA256(SHA256(p))` the server recovers `SHA256(p)` and checks that
//!   hashing it gives the cached value ([`verify_scramble`]).

use sha2::{Digest, Sha256};

/// `$A$` + the round count in thousands + `$`.
const PREFIX: &[u8] = b"$A$005$";
/// Salt bytes in a stored hash.
const SALT_LEN: usize = 20;
/// SHA-crypt rounds for `005`.
const ROUNDS: usize = 5000;
/// Length of a stored hash.
pub const HASH_LEN: usize = PREFIX.len() + SALT_LEN + 43;
/// The longest password the plugin hashes or checks, as MySQL's
/// `CACHING_SHA2_PASSWORD_MAX_PASSWORD_LENGTH`. SHA-256 crypt costs time quadratic in the
/// key's length, so a client's megabyte "password" must never reach it.
pub const MAX_PASSWORD_LEN: usize = 256;

const ITOA64: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// Repeats `block` to `len` bytes.
fn stretch(block: &[u8; 32], len: usize) -> Vec<u8> {
    block.iter().copied().cycle().take(len).collect()
}

/// SHA-256 crypt (Drepper, "Unix crypt using SHA-256 and SHA-512") of `key` with `salt`
/// and `rounds`: the 43-character encoded digest.
fn sha256_crypt(key: &[u8], salt: &[u8], rounds: usize) -> Vec<u8> {
    let b = sha256(&[key, salt, key]);
    let mut a = Sha256::new();
    a.update(key);
    a.update(salt);
    a.update(stretch(&b, key.len()));
    let mut n = key.len();
    while n > 0 {
        if n & 1 != 0 {
            a.update(b);
        } else {
            a.update(key);
        }
        n >>= 1;
    }
    let a: [u8; 32] = a.finalize().into();
    let mut dp = Sha256::new();
    for _ in 0..key.len() {
        dp.update(key);
    }
    let p = stretch(&dp.finalize().into(), key.len());
    let mut ds = Sha256::new();
    for _ in 0..16 + usize::from(a[0]) {
        ds.update(salt);
    }
    let s = stretch(&ds.finalize().into(), salt.len());
    let mut c = a;
    for i in 0..rounds {
        let mut h = Sha256::new();
        if i % 2 == 1 {
            h.update(&p);
        } else {
            h.update(c);
        }
        if i % 3 != 0 {
            h.update(&s);
        }
        if i % 7 != 0 {
            h.update(&p);
        }
        if i % 2 == 1 {
            h.update(c);
        } else {
            h.update(&p);
        }
        c = h.finalize().into();
    }
    const ORDER: [(usize, usize, usize); 10] = [
        (0, 10, 20),
        (21, 1, 11),
        (12, 22, 2),
        (3, 13, 23),
        (24, 4, 14),
        (15, 25, 5),
        (6, 16, 26),
        (27, 7, 17),
        (18, 28, 8),
        (9, 19, 29),
    ];
    let mut out = Vec::with_capacity(43);
    let mut put = |b2: u8, b1: u8, b0: u8, n: usize| {
        let mut w = (u32::from(b2) << 16) | (u32::from(b1) << 8) | u32::from(b0);
        for _ in 0..n {
            out.push(ITOA64[(w & 0x3f) as usize]);
            w >>= 6;
        }
    };
    for (x, y, z) in ORDER {
        put(c[x], c[y], c[z], 4);
    }
    put(0, c[31], c[30], 3);
    out
}

/// A fresh salt: 20 printable ASCII characters other than `$`, `'` and `\`. MySQL takes
/// any 7-bit byte but NUL and `$`, so its hashes may hold control characters; printable
/// ones make SHOW CREATE USER's `AS '…'` a statement that runs as printed. Hashes made by
/// MySQL are checked all the same (the salt is read, never assumed printable).
fn new_salt() -> [u8; SALT_LEN] {
    const ALPHABET: &[u8] =
        b"!\"#%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~";
    let mut raw = [0u8; SALT_LEN];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut f, &mut raw);
    }
    raw.map(|b| ALPHABET[usize::from(b) % ALPHABET.len()])
}

/// The stored hash of `password` with a fresh salt; empty for an empty password; `None`
/// for a password longer than [`MAX_PASSWORD_LEN`] (MySQL refuses it with 1819).
pub fn hash_password(password: &str) -> Option<Vec<u8>> {
    if password.is_empty() {
        return Some(Vec::new());
    }
    if password.len() > MAX_PASSWORD_LEN {
        return None;
    }
    Some(hash_with_salt(password.as_bytes(), &new_salt()))
}

fn hash_with_salt(password: &[u8], salt: &[u8]) -> Vec<u8> {
    let mut out = PREFIX.to_vec();
    out.extend_from_slice(salt);
    out.extend_from_slice(&sha256_crypt(password, salt, ROUNDS));
    out
}

/// Whether `stored` is a hash this module can check (`AS '…'` in CREATE/ALTER USER).
pub fn is_valid_hash(stored: &[u8]) -> bool {
    stored.is_empty() || parse(stored).is_some()
}

/// Salt and round count of a stored hash.
fn parse(stored: &[u8]) -> Option<(&[u8], usize)> {
    let rest = stored.strip_prefix(b"$A$")?;
    let digits = rest.get(..3)?;
    if rest.get(3) != Some(&b'$') || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let rounds = std::str::from_utf8(digits).ok()?.parse::<usize>().ok()? * 1000;
    if rounds == 0 || rounds > 4_095_000 || stored.len() != HASH_LEN {
        return None;
    }
    Some((&stored[PREFIX.len()..PREFIX.len() + SALT_LEN], rounds))
}

/// Full authentication: whether `password` matches the stored hash.
pub fn verify_password(stored: &[u8], password: &[u8]) -> bool {
    if stored.is_empty() {
        return password.is_empty();
    }
    if password.len() > MAX_PASSWORD_LEN {
        return false;
    }
    let Some((salt, rounds)) = parse(stored) else {
        return false;
    };
    let digest = sha256_crypt(password, salt, rounds);
    stored[PREFIX.len() + SALT_LEN..] == digest[..]
}

/// `SHA256(SHA256(password))`, what the fast-path cache keeps after a full authentication.
pub fn cache_entry(password: &[u8]) -> [u8; 32] {
    sha256(&[&sha256(&[password])])
}

/// Fast path: whether `scramble` (computed by the client with `nonce`) proves the password
/// whose cache entry is `cached`.
pub fn verify_scramble(cached: &[u8; 32], nonce: &[u8], scramble: &[u8]) -> bool {
    if scramble.len() != 32 {
        return false;
    }
    let mix = sha256(&[cached, nonce]);
    let mut stage1 = [0u8; 32];
    for (i, b) in stage1.iter_mut().enumerate() {
        *b = scramble[i] ^ mix[i];
    }
    sha256(&[&stage1]) == *cached
}

/// What a client sends on the fast path (tests).
pub fn client_scramble(password: &[u8], nonce: &[u8]) -> Vec<u8> {
    let p1 = sha256(&[password]);
    let p2 = sha256(&[&p1]);
    let mix = sha256(&[&p2, nonce]);
    p1.iter().zip(mix.iter()).map(|(a, b)| a ^ b).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_crypt_matches_drepper_vector() {
        // The specification's first test: $5$saltstring, "Hello world!" (glibc's crypt(3)
        // gives the same).
        let d = sha256_crypt(b"Hello world!", b"saltstring", 5000);
        assert_eq!(
            String::from_utf8(d).unwrap(),
            "5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"
        );
        // rounds=10000, "Hello world!", saltstringsaltstring (salt cut at 16).
        let d = sha256_crypt(b"Hello world!", b"saltstringsaltst", 10000);
        assert_eq!(
            String::from_utf8(d).unwrap(),
            "3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"
        );
    }

    #[test]
    fn stored_hash_round_trip() {
        let h = hash_password("pw").unwrap();
        assert_eq!(h.len(), HASH_LEN);
        assert!(h.starts_with(b"$A$005$"));
        assert!(is_valid_hash(&h));
        assert!(verify_password(&h, b"pw"));
        assert!(!verify_password(&h, b"pW"));
        assert!(!verify_password(&h, b""));
        assert!(verify_password(b"", b""));
        assert!(!is_valid_hash(b"$A$005$short"));
        // Past MySQL's 256 bytes a password is neither hashed nor checked.
        let long = "x".repeat(MAX_PASSWORD_LEN + 1);
        assert!(hash_password(&long).is_none());
        assert!(!verify_password(&h, long.as_bytes()));
        assert!(hash_password(&long[1..]).is_some());
    }

    #[test]
    fn fast_path() {
        let nonce = b"01234567890123456789";
        let cached = cache_entry(b"secret");
        assert!(verify_scramble(
            &cached,
            nonce,
            &client_scramble(b"secret", nonce)
        ));
        assert!(!verify_scramble(
            &cached,
            nonce,
            &client_scramble(b"Secret", nonce)
        ));
        assert!(!verify_scramble(&cached, nonce, &[0; 31]));
    }
}
