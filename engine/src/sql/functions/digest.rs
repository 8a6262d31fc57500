//! Hashing, encryption and compression: MD5, SHA1/SHA, SHA2, RANDOM_BYTES,
//! AES_ENCRYPT/AES_DECRYPT, COMPRESS/UNCOMPRESS/UNCOMPRESSED_LENGTH.
//!
//! The algorithms come from RustCrypto (md-5, sha1, sha2, aes) and flate2; what is
//! MySQL's own is here: hex output, AES's key folding and `aes-128-ecb` (the default
//! `block_encryption_mode`) with PKCS#7 padding, and COMPRESS's length prefix.

use super::{fits, int_arg, text, Func};
use crate::sql::error::{SqlError, SqlResult};
use crate::sql::expr::{ColType, EvalCx};
use crate::value::{Collation, IntKind, LobKind, SqlType, Value, Warning};

/// The result type of a function of this family; `None` for other functions.
pub(super) fn result_type(f: Func) -> Option<ColType> {
    use Func::*;
    let hex = |len| {
        Some(SqlType::VarChar {
            len,
            collation: Collation::Utf8mb4GeneralCi,
        })
    };
    Some(match f {
        Md5 => hex(32),
        Sha1 => hex(40),
        Sha2 => hex(128),
        RandomBytes | AesEncrypt | AesDecrypt | Compress | Uncompress => Some(SqlType::Blob {
            kind: LobKind::Normal,
        }),
        UncompressedLength => Some(SqlType::Int {
            kind: IntKind::Big,
            unsigned: false,
            width: None,
        }),
        _ => return None,
    })
}

fn hex(bytes: &[u8]) -> Value {
    Value::Bytes(
        bytes
            .iter()
            .flat_map(|b| {
                let d = b"0123456789abcdef";
                [d[usize::from(b >> 4)], d[usize::from(b & 15)]]
            })
            .collect(),
    )
}

/// MySQL folds a key of any length into the cipher's 16 bytes by XOR.
fn fold_key(key: &[u8]) -> [u8; 16] {
    let mut k = [0u8; 16];
    for (i, b) in key.iter().enumerate() {
        k[i % 16] ^= b;
    }
    k
}

fn aes_encrypt(data: &[u8], key: &[u8]) -> Vec<u8> {
    use aes::cipher::{BlockEncrypt, KeyInit};
    let cipher = aes::Aes128::new(&fold_key(key).into());
    let pad = 16 - data.len() % 16;
    let mut out = Vec::with_capacity(data.len() + pad);
    out.extend_from_slice(data);
    out.resize(data.len() + pad, pad as u8);
    for block in out.chunks_exact_mut(16) {
        cipher.encrypt_block(block.into());
    }
    out
}

fn aes_decrypt(data: &[u8], key: &[u8]) -> Option<Vec<u8>> {
    use aes::cipher::{BlockDecrypt, KeyInit};
    if data.is_empty() || !data.len().is_multiple_of(16) {
        return None;
    }
    let cipher = aes::Aes128::new(&fold_key(key).into());
    let mut out = data.to_vec();
    for block in out.chunks_exact_mut(16) {
        cipher.decrypt_block(block.into());
    }
    // A wrong key shows as bad padding: NULL, as MySQL.
    let pad = usize::from(*out.last()?);
    if pad == 0
        || pad > 16
        || !out[out.len() - pad..]
            .iter()
            .all(|&b| usize::from(b) == pad)
    {
        return None;
    }
    out.truncate(out.len() - pad);
    Some(out)
}

fn compress(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    if data.is_empty() {
        return Vec::new();
    }
    let mut out = (data.len() as u32 & 0x3FFF_FFFF).to_le_bytes().to_vec();
    let mut z = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = z.write_all(data);
    let _ = z.finish();
    if out.last() == Some(&b' ') {
        // MySQL keeps trailing-space trimming from eating the stream.
        out.push(b'.');
    }
    out
}

/// The length COMPRESS recorded, or `None` when the value is too short to be one.
fn stored_length(data: &[u8]) -> Option<u64> {
    let h: [u8; 4] = data.get(..4)?.try_into().ok()?;
    Some(u64::from(u32::from_le_bytes(h) & 0x3FFF_FFFF))
}

fn uncompress(f: Func, data: &[u8], cx: &EvalCx) -> Value {
    use std::io::Read;
    if data.is_empty() {
        return Value::Bytes(Vec::new());
    }
    let corrupt = || {
        cx.warn(Warning::warn(
            1259,
            "ZLIB: Input data corrupted".to_string(),
        ));
        Value::Null
    };
    let Some(len) = stored_length(data) else {
        return corrupt();
    };
    // The recorded length is the client's: checked before anything is reserved.
    if !fits(f, u128::from(len), cx) {
        return Value::Null;
    }
    let mut out = Vec::with_capacity(len as usize);
    let z = flate2::read::ZlibDecoder::new(&data[4..]);
    match z.take(len + 1).read_to_end(&mut out) {
        Ok(_) if out.len() as u64 == len => Value::Bytes(out),
        _ => corrupt(),
    }
}

/// RANDOM_BYTES: from the kernel's generator (MySQL uses OpenSSL's).
fn random_bytes(n: usize) -> SqlResult<Vec<u8>> {
    use std::io::Read;
    let mut out = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut out))
        .map_err(|e| SqlError::new(1105, format!("RANDOM_BYTES: {e}")))?;
    Ok(out)
}

/// Evaluates a function of this family; `None` for other functions.
pub(super) fn call(f: Func, a: &[Value], cx: &EvalCx) -> Option<SqlResult<Value>> {
    use sha1::Digest;
    use Func::*;
    let null = Value::Null;
    let arg = |i: usize| a.get(i).unwrap_or(&null);
    result_type(f)?;
    if a.iter().any(Value::is_null) {
        return Some(Ok(Value::Null));
    }
    let s = text(arg(0)).unwrap_or_default();
    Some(Ok(match f {
        Md5 => hex(&md5::Md5::digest(&s)),
        Sha1 => hex(&sha1::Sha1::digest(&s)),
        Sha2 => match int_arg(arg(1)) {
            Some(224) => hex(&sha2::Sha224::digest(&s)),
            Some(256 | 0) => hex(&sha2::Sha256::digest(&s)),
            Some(384) => hex(&sha2::Sha384::digest(&s)),
            Some(512) => hex(&sha2::Sha512::digest(&s)),
            _ => Value::Null,
        },
        RandomBytes => match int_arg(arg(0)) {
            Some(n @ 1..=1024) => match random_bytes(n as usize) {
                Ok(b) => Value::Bytes(b),
                Err(e) => return Some(Err(e)),
            },
            _ => {
                return Some(Err(SqlError::new(
                    1690,
                    "length value is out of range in 'random_bytes'",
                )))
            }
        },
        AesEncrypt | AesDecrypt => {
            if a.len() > 2 {
                cx.warn(Warning::warn(1618, "<IV> option ignored"));
            }
            let key = text(arg(1)).unwrap_or_default();
            if f == AesEncrypt {
                if !fits(f, s.len() as u128 + 16, cx) {
                    return Some(Ok(Value::Null));
                }
                Value::Bytes(aes_encrypt(&s, &key))
            } else {
                aes_decrypt(&s, &key).map_or(Value::Null, Value::Bytes)
            }
        }
        Compress => Value::Bytes(compress(&s)),
        Uncompress => uncompress(f, &s, cx),
        UncompressedLength => match s.len() {
            0 => Value::Int(0),
            _ => stored_length(&s).map_or(Value::Null, |n| Value::Int(n as i64)),
        },
        _ => return None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aes_round_trips_and_wrong_keys_give_none() {
        let c = aes_encrypt(b"text", b"key");
        assert_eq!(c.len(), 16);
        assert_eq!(aes_decrypt(&c, b"key").unwrap(), b"text");
        assert_eq!(aes_decrypt(&c[..15], b"key"), None);
    }

    #[test]
    fn compress_has_mysqls_length_prefix() {
        let c = compress(b"any string");
        assert_eq!(&c[..4], &10u32.to_le_bytes());
        assert_eq!(stored_length(&c), Some(10));
        assert!(compress(b"").is_empty());
    }
}
