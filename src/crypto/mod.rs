//! Digests, RSA verification, key ingestion and constant-time comparison.

mod keys;

pub use keys::{load_certificate, load_private_key, load_public_key, Certificate, PrivateKey, PublicKey};

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

/// Lower-case hex MD5 of the concatenated parts (no separator).
pub fn md5_hex(parts: &[&[u8]]) -> String {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    hex_lower(&h.finalize())
}

pub fn hex_lower(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Constant-time equality (time depends only on the lengths).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Constant-time equality of hex text, ignoring ASCII case.
pub fn ct_eq_hex_ignore_case(a: &str, b: &str) -> bool {
    let lower = |s: &str| s.bytes().map(|c| c.to_ascii_lowercase()).collect::<Vec<u8>>();
    ct_eq(&lower(a), &lower(b))
}

/// Standard Base64, ASCII whitespace ignored (PEM lines, folded headers). The whitespace is dropped byte by
/// byte (an ASCII byte is never part of a longer UTF-8 character, so this is the same as dropping chars),
/// not by decoding and re-encoding each char into a String (that cost ~6 µs per signed answer parsed).
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let mut compact = Vec::with_capacity(text.len());
    for b in text.bytes() {
        if !b.is_ascii_whitespace() {
            compact.push(b);
        }
    }
    base64::engine::general_purpose::STANDARD.decode(compact).ok()
}

pub fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests;
