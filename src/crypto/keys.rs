//! RSA public-key ingestion: PEM or bare Base64 DER, SPKI or PKCS#1, tolerant of whitespace.

use crate::error::{Error, Result};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use sha2::Sha256;

/// A parsed RSA public key that verifies SHA256withRSA (PKCS#1 v1.5) signatures.
#[derive(Clone, Debug)]
pub struct PublicKey {
    key: VerifyingKey<Sha256>,
}

impl PublicKey {
    /// Verifies a signature over `message`. Any malformed signature is simply "not valid".
    pub fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        match Signature::try_from(signature) {
            Ok(sig) => self.key.verify(message, &sig).is_ok(),
            Err(_) => false,
        }
    }
}

/// The PEM label (if armoured) and the DER bytes.
fn unarmour(field: &str, text: &str) -> Result<(Option<String>, Vec<u8>)> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Error::key(
            field,
            "is empty; expected an RSA public key (PEM or Base64 DER)",
        ));
    }
    if let Some(rest) = t.strip_prefix("-----BEGIN ") {
        let (label, after) = rest
            .split_once("-----")
            .ok_or_else(|| Error::key(field, "has a broken PEM header"))?;
        let end = format!("-----END {label}-----");
        let body = after
            .split(end.as_str())
            .next()
            .filter(|_| after.contains(end.as_str()))
            .ok_or_else(|| {
                Error::key(
                    field,
                    format!("PEM block {label:?} has no matching END line"),
                )
            })?;
        let der = super::base64_decode(body)
            .ok_or_else(|| Error::key(field, "PEM body is not valid Base64"))?;
        return Ok((Some(label.to_string()), der));
    }
    let der = super::base64_decode(t).ok_or_else(|| {
        Error::key(
            field,
            "is neither PEM nor Base64 DER; expected an RSA public key",
        )
    })?;
    Ok((None, der))
}

/// Loads an RSA public key for verification from SPKI (`PUBLIC KEY`) or PKCS#1 (`RSA PUBLIC KEY`),
/// PEM or bare Base64. Private keys are refused with a message saying what was found.
pub fn load_public_key(field: &str, text: &str) -> Result<PublicKey> {
    let (label, der) = unarmour(field, text)?;
    let key = match label.as_deref() {
        Some("PUBLIC KEY") => RsaPublicKey::from_public_key_der(&der).ok(),
        Some("RSA PUBLIC KEY") => RsaPublicKey::from_pkcs1_der(&der).ok(),
        Some(l) if l.contains("PRIVATE KEY") => {
            return Err(Error::key(field, "this is a private key; verification needs the provider's public key (never share your private key)"))
        }
        Some(other) => return Err(Error::key(field, format!("found a PEM {other:?} block; expected an RSA public key (\"PUBLIC KEY\" or \"RSA PUBLIC KEY\")"))),
        None => RsaPublicKey::from_public_key_der(&der).or_else(|_| RsaPublicKey::from_pkcs1_der(&der)).ok(),
    };
    let key = key.ok_or_else(|| {
        Error::key(
            field,
            "could not be read as an RSA public key (SPKI or PKCS#1 DER)",
        )
    })?;
    Ok(PublicKey {
        key: VerifyingKey::new(key),
    })
}
