//! RSA key ingestion. Accepts PEM or bare Base64 DER, PKCS#1 or PKCS#8 private keys, SPKI or PKCS#1
//! public keys and X.509 certificates, tolerating surrounding whitespace and line breaks. A key of the
//! wrong kind is refused with a message that says what was found and what was needed.

use crate::error::{Error, Result};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Verifier};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;
use std::fmt;

/// A parsed RSA public key that verifies SHA256withRSA (PKCS#1 v1.5) signatures.
#[derive(Clone, Debug)]
pub struct PublicKey {
    key: VerifyingKey<Sha256>,
    /// The key as SubjectPublicKeyInfo DER, as given (or wrapped, for a PKCS#1 key).
    spki: Vec<u8>,
}

impl PublicKey {
    /// Verifies a signature over `message`. Any malformed signature is simply "not valid".
    pub fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        match Signature::try_from(signature) {
            Ok(sig) => self.key.verify(message, &sig).is_ok(),
            Err(_) => false,
        }
    }

    /// The modulus length in bytes: the length of every signature this key can have made.
    pub fn modulus_bytes(&self) -> usize {
        self.key.as_ref().size()
    }

    /// The key as SPKI DER, for importing once into the platform's crypto (node:crypto, WebCrypto).
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }
}

/// A public key taken from an X.509 certificate, with the certificate's serial number.
#[derive(Clone, Debug)]
pub struct Certificate {
    pub public_key: PublicKey,
    /// Lowercase hex of the DER INTEGER content bytes, leading `00` kept (a certificate `serial_no`, as gateways quote it).
    pub serial_hex: String,
}

/// An RSA private key for SHA256withRSA signing. Debug never shows it.
#[derive(Clone)]
pub struct PrivateKey {
    key: SigningKey<Sha256>,
    pkcs8_der: Vec<u8>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

impl PrivateKey {
    /// Signs with blinding (RUSTSEC-2023-0071): the randomness comes from the host
    /// (crypto.getRandomValues in wasm, the OS natively).
    pub fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>> {
        let mut rng = rsa::rand_core::OsRng;
        self.key
            .try_sign_with_rng(&mut rng, message)
            .map(|s| s.to_vec())
            .map_err(|_| Error::key("privateKey", "signing failed (no randomness available from the host?)"))
    }

    /// The key as PKCS#8 DER, for importing once into the platform's crypto (node:crypto, WebCrypto).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8_der
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Pkcs8Private,
    Pkcs1Private,
    EncryptedPrivate,
    Spki,
    Pkcs1Public,
    Certificate,
    /// Another PEM block, described without quoting its label (the text is the caller's, not ours).
    OtherPem(&'static str),
    /// Bare DER that is none of the above.
    UnknownDer,
}

impl Kind {
    fn describe(&self) -> String {
        match self {
            Kind::Pkcs8Private | Kind::Pkcs1Private => "a private key".into(),
            Kind::EncryptedPrivate => "an encrypted private key".into(),
            Kind::Spki | Kind::Pkcs1Public => "a public key".into(),
            Kind::Certificate => "a certificate".into(),
            Kind::OtherPem(what) => (*what).into(),
            Kind::UnknownDer => "unrecognized DER".into(),
        }
    }
}

/// The kind (from the PEM label, or guessed from the DER) and the DER bytes.
fn read(field: &str, text: &str) -> Result<(Kind, Vec<u8>)> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Error::key(field, "is empty"));
    }
    // Text before the PEM block (e.g. the "Bag Attributes" of a PKCS#12 export) is ignored.
    if let Some(start) = t.find("-----BEGIN ") {
        let rest = &t[start + "-----BEGIN ".len()..];
        // The label is on the BEGIN line itself; never quote anything past it (it may be key material).
        let (label, after) = rest
            .split_once("-----")
            .filter(|(label, _)| {
                label.len() <= 40
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b == b' ' || b.is_ascii_digit())
            })
            .ok_or_else(|| {
                Error::key(
                    field,
                    "has a broken PEM header (expected a line like -----BEGIN PRIVATE KEY-----)",
                )
            })?;
        let end = format!("-----END {label}-----");
        let Some((body, _)) = after.split_once(end.as_str()) else {
            return Err(Error::key(
                field,
                "the PEM block has no END line matching its BEGIN line",
            ));
        };
        let der = super::base64_decode(body).ok_or_else(|| Error::key(field, "PEM body is not valid Base64"))?;
        let kind = match label {
            "PRIVATE KEY" => Kind::Pkcs8Private,
            "RSA PRIVATE KEY" => Kind::Pkcs1Private,
            "ENCRYPTED PRIVATE KEY" => Kind::EncryptedPrivate,
            "PUBLIC KEY" => Kind::Spki,
            "RSA PUBLIC KEY" => Kind::Pkcs1Public,
            "CERTIFICATE" | "X509 CERTIFICATE" => Kind::Certificate,
            other => Kind::OtherPem(other_pem(other)),
        };
        return Ok((kind, der));
    }
    let der = super::base64_decode(t)
        .ok_or_else(|| Error::key(field, "is neither PEM (-----BEGIN …-----) nor Base64 DER"))?;
    Ok((guess(&der), der))
}

/// Recognizes bare DER by trying each structure in turn.
fn guess(der: &[u8]) -> Kind {
    if pkcs8_private(der).is_some() {
        Kind::Pkcs8Private
    } else if pkcs1_private(der).is_some() {
        Kind::Pkcs1Private
    } else if spki_public(der).is_some() {
        Kind::Spki
    } else if pkcs1_public(der).is_some() {
        Kind::Pkcs1Public
    } else if parse_certificate(der).is_some() {
        Kind::Certificate
    } else {
        Kind::UnknownDer
    }
}

/// What a PEM block that holds no RSA key is, for the message. Labels are named only from this list:
/// whatever else a caller put there is their text and is not repeated.
fn other_pem(label: &str) -> &'static str {
    match label {
        "EC PRIVATE KEY" => "an EC private key (not RSA)",
        "DSA PRIVATE KEY" => "a DSA private key (not RSA)",
        "OPENSSH PRIVATE KEY" => "an OpenSSH private key (convert it to PKCS#8)",
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => "a certificate signing request",
        "EC PARAMETERS" => "EC parameters",
        "PKCS7" => "a PKCS#7 bundle",
        _ => "an unrecognized PEM block",
    }
}

/// Loads the merchant's RSA private key for signing.
pub fn load_private_key(field: &str, text: &str) -> Result<PrivateKey> {
    let (kind, der) = read(field, text)?;
    let key = match kind {
        Kind::Pkcs8Private => pkcs8_private(&der),
        Kind::Pkcs1Private => pkcs1_private(&der),
        Kind::EncryptedPrivate => {
            return Err(Error::key(
                field,
                "this is an encrypted private key; export it unencrypted (PKCS#8 \"PRIVATE KEY\")",
            ))
        }
        Kind::OtherPem(what) => {
            return Err(Error::key(
                field,
                format!("found {what}; signing needs an RSA private key (\"PRIVATE KEY\" or \"RSA PRIVATE KEY\")"),
            ))
        }
        Kind::UnknownDer => None,
        other => {
            return Err(Error::key(
                field,
                format!(
                    "this is {}; signing needs the merchant private key (\"PRIVATE KEY\" or \"RSA PRIVATE KEY\")",
                    other.describe()
                ),
            ))
        }
    };
    let key = key.ok_or_else(|| Error::key(field, "could not be read as an RSA private key (PKCS#8 or PKCS#1)"))?;
    let pkcs8_der = pkcs8_der(&key).ok_or_else(|| Error::key(field, "could not be re-encoded as PKCS#8"))?;
    Ok(PrivateKey {
        key: SigningKey::new(key),
        pkcs8_der,
    })
}

/// The key as PKCS#8 DER, byte for byte what `rsa`'s `EncodePrivateKey::to_pkcs8_der` writes (a two-prime PKCS#1
/// RSAPrivateKey, its CRT values computed from the key, in a version-0 PrivateKeyInfo with rsaEncryption and NULL
/// parameters; tests/keys.rs checks the two agree), written here because the `der` encoder behind that method was
/// ~9 KB of the module for these few lines (BENCHMARKS.md, "Package size").
fn pkcs8_der(key: &RsaPrivateKey) -> Option<Vec<u8>> {
    let [p, q] = key.primes() else { return None };
    let one = BigUint::from(1u8);
    let ints = [
        key.n().to_bytes_be(),
        key.e().to_bytes_be(),
        key.d().to_bytes_be(),
        p.to_bytes_be(),
        q.to_bytes_be(),
        (key.d() % (p - &one)).to_bytes_be(),
        (key.d() % (q - &one)).to_bytes_be(),
        key.crt_coefficient()?.to_bytes_be(),
    ];
    let mut pkcs1 = vec![0x02, 0x01, 0x00]; // version: two-prime
    for int in &ints {
        der_integer(&mut pkcs1, int);
    }
    let pkcs1 = der_tlv(0x30, &pkcs1);
    // version 0, AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }, privateKey OCTET STRING
    let mut info = vec![0x02, 0x01, 0x00];
    info.extend_from_slice(&RSA_ENCRYPTION);
    info.extend(der_tlv(0x04, &pkcs1));
    Some(der_tlv(0x30, &info))
}

/// A DER INTEGER of an unsigned big-endian magnitude: minimal, with a 0x00 before a high first bit.
fn der_integer(out: &mut Vec<u8>, magnitude: &[u8]) {
    let first = magnitude.iter().position(|&b| b != 0).unwrap_or(magnitude.len());
    let digits = if first == magnitude.len() {
        &[0u8][..]
    } else {
        &magnitude[first..]
    };
    let pad = digits[0] & 0x80 != 0;
    out.push(0x02);
    der_length(out, digits.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
}

fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    der_length(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// A DER definite length: short form below 128, else the fewest big-endian bytes.
fn der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Loads a public key for verification: SPKI, PKCS#1 or the key inside an X.509 certificate.
pub fn load_public_key(field: &str, text: &str) -> Result<PublicKey> {
    let (kind, der) = read(field, text)?;
    let key = match kind {
        Kind::Spki => spki_public(&der).map(|k| (k, der.clone())),
        Kind::Pkcs1Public => pkcs1_public(&der).map(|k| (k, spki_of_pkcs1(&der))),
        Kind::Certificate => return Ok(load_certificate_der(field, &der)?.public_key),
        Kind::Pkcs8Private | Kind::Pkcs1Private | Kind::EncryptedPrivate => {
            return Err(Error::key(
                field,
                "this is a private key; verification needs the provider's public key or certificate (and never share your private key)",
            ))
        }
        Kind::OtherPem(_) | Kind::UnknownDer => None,
    };
    let (key, spki) = key.ok_or_else(|| {
        Error::key(
            field,
            "could not be read as an RSA public key (SPKI, PKCS#1 or certificate)",
        )
    })?;
    Ok(PublicKey {
        key: VerifyingKey::new(key),
        spki,
    })
}

/// SubjectPublicKeyInfo { AlgorithmIdentifier { rsaEncryption, NULL }, BIT STRING { RSAPublicKey } }: what the
/// platforms import, written by hand (a DER encoder would cost more code than these lines).
fn spki_of_pkcs1(pkcs1: &[u8]) -> Vec<u8> {
    let mut bits = vec![0u8]; // no unused bits
    bits.extend_from_slice(pkcs1);
    let mut content = RSA_ENCRYPTION.to_vec();
    content.extend(der_tlv(0x03, &bits));
    der_tlv(0x30, &content)
}

/// Loads an X.509 certificate: its public key and serial number.
pub fn load_certificate(field: &str, text: &str) -> Result<Certificate> {
    let (kind, der) = read(field, text)?;
    match kind {
        Kind::Certificate => load_certificate_der(field, &der),
        other => Err(Error::key(
            field,
            format!(
                "this is {}; expected an X.509 certificate (\"CERTIFICATE\")",
                other.describe()
            ),
        )),
    }
}

fn load_certificate_der(field: &str, der: &[u8]) -> Result<Certificate> {
    let (serial, spki) =
        parse_certificate(der).ok_or_else(|| Error::key(field, "is not a readable X.509 certificate"))?;
    let key = spki_public(spki).ok_or_else(|| Error::key(field, "the certificate does not hold an RSA public key"))?;
    Ok(Certificate {
        public_key: PublicKey {
            key: VerifyingKey::new(key),
            spki: spki.to_vec(),
        },
        serial_hex: super::hex_lower(serial),
    })
}

/// AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }: the only algorithm a key is read with
/// (as `rsa`'s decoders require: the OID, and NULL parameters).
const RSA_ENCRYPTION: [u8; 15] = [
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

// ---------------------------------------------------------------- a minimal DER reader for keys and certificates
//
// The key structures are read here rather than with `rsa`'s PKCS#8/PKCS#1/SPKI decoders, whose `der`, `pkcs8`,
// `spki` and `pkcs1` crates were ~37 KB of the module for these few structures (BENCHMARKS.md, "Package size").
// The rules are those decoders': DER (minimal lengths, minimal non-negative INTEGERs), nothing after a structure,
// rsaEncryption with NULL parameters, two-prime keys only; tests/keys.rs checks both read every key alike.

/// The content of `der` if it is exactly one DER TLV with this tag.
fn whole(der: &[u8], tag: u8) -> Option<&[u8]> {
    match tlv(der)? {
        (t, content, _, []) if t == tag => Some(content),
        _ => None,
    }
}

/// A non-negative, minimally encoded DER INTEGER at the start of `input`, and what follows it.
fn uint(input: &[u8]) -> Option<(BigUint, &[u8])> {
    let (0x02, content, _, rest) = tlv(input)? else {
        return None;
    };
    match content {
        [] => None,
        [b, ..] if b & 0x80 != 0 => None,
        [0, b, ..] if b & 0x80 == 0 => None,
        _ => Some((BigUint::from_bytes_be(content), rest)),
    }
}

/// `count` INTEGERs in a row, and what follows them.
fn uints(mut input: &[u8], count: usize) -> Option<(Vec<BigUint>, &[u8])> {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let (n, rest) = uint(input)?;
        out.push(n);
        input = rest;
    }
    Some((out, input))
}

/// RSAPrivateKey ::= SEQUENCE { version 0 (two-prime), n, e, d, p, q, d mod (p-1), d mod (q-1), q^-1 mod p }.
/// The CRT values are recomputed by `from_components`, as `rsa`'s decoder does.
fn pkcs1_private(der: &[u8]) -> Option<RsaPrivateKey> {
    let (ints, []) = uints(whole(der, 0x30)?, 9)? else {
        return None;
    };
    let [version, n, e, d, p, q, ..] = <[BigUint; 9]>::try_from(ints).ok()?;
    if version != BigUint::from(0u8) {
        return None;
    }
    RsaPrivateKey::from_components(n, e, d, vec![p, q]).ok()
}

/// PrivateKeyInfo / OneAsymmetricKey ::= SEQUENCE { version 0 or 1, rsaEncryption, privateKey OCTET STRING
/// { RSAPrivateKey }, [0] attributes OPTIONAL, [1] publicKey BIT STRING (present exactly in version 1), further
/// context-specific fields (ignored) }: the `pkcs8` crate's reading.
fn pkcs8_private(der: &[u8]) -> Option<RsaPrivateKey> {
    let (version, rest) = uint(whole(der, 0x30)?)?;
    let v2 = match version.to_bytes_be().as_slice() {
        [0] => false,
        [1] => true,
        _ => return None,
    };
    let rest = rest.strip_prefix(&RSA_ENCRYPTION[..])?;
    let (0x04, key, _, mut rest) = tlv(rest)? else {
        return None;
    };
    // The pkcs8 crate skips every [0] before [1], in either form, and takes [1] only as a primitive BIT STRING.
    while let Some((0xa0 | 0x80, _, _, after)) = tlv(rest) {
        rest = after;
    }
    let public = match tlv(rest) {
        Some((0x81, [0, ..], _, after)) => {
            rest = after;
            true
        }
        Some((0x81 | 0xa1, ..)) => return None,
        _ => false,
    };
    if public != v2 {
        return None;
    }
    // A further field is an explicitly tagged [n] (constructed, n below 31) holding exactly one TLV.
    while !rest.is_empty() {
        match tlv(rest)? {
            (t, inner, _, after) if t & 0xe0 == 0xa0 && t != 0xbf && matches!(tlv(inner), Some((.., []))) => {
                rest = after
            }
            _ => return None,
        }
    }
    pkcs1_private(key)
}

/// RSAPublicKey ::= SEQUENCE { n, e }.
fn pkcs1_public(der: &[u8]) -> Option<RsaPublicKey> {
    let (ints, []) = uints(whole(der, 0x30)?, 2)? else {
        return None;
    };
    let [n, e] = <[BigUint; 2]>::try_from(ints).ok()?;
    RsaPublicKey::new(n, e).ok()
}

/// SubjectPublicKeyInfo ::= SEQUENCE { rsaEncryption, subjectPublicKey BIT STRING (no unused bits) { RSAPublicKey } }.
fn spki_public(der: &[u8]) -> Option<RsaPublicKey> {
    let rest = whole(der, 0x30)?.strip_prefix(&RSA_ENCRYPTION[..])?;
    match whole(rest, 0x03)? {
        [0, key @ ..] => pkcs1_public(key),
        _ => None,
    }
}

/// One TLV: (tag, content, the whole TLV, rest).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        first as usize
    } else {
        // DER: the long form only for 128 and more, in the fewest bytes.
        let n = (first & 0x7f) as usize;
        let (bytes, after) = (rest.get(..n)?, rest.get(n..)?);
        if n == 0 || n > 4 || bytes.first() == Some(&0) {
            return None;
        }
        let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
        if len < 0x80 {
            return None;
        }
        rest = after;
        len
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    Some((tag, &rest[..len], &input[..header + len], &rest[len..]))
}

/// Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber INTEGER,
/// signature, issuer, validity, subject, subjectPublicKeyInfo, … }, … } → (serial bytes, SPKI DER).
fn parse_certificate(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (0x30, cert, _, _) = tlv(der)? else {
        return None;
    };
    let (0x30, tbs, _, _) = tlv(cert)? else {
        return None;
    };
    let mut rest = tbs;
    let (mut tag, mut content, _, mut next) = tlv(rest)?;
    if tag == 0xa0 {
        rest = next;
        (tag, content, _, next) = tlv(rest)?;
    }
    if tag != 0x02 {
        return None;
    }
    let serial = content;
    rest = next;
    for _ in 0..4 {
        // signature algorithm, issuer, validity, subject
        let (t, _, _, n) = tlv(rest)?;
        if t != 0x30 {
            return None;
        }
        rest = n;
    }
    let (0x30, _, spki, _) = tlv(rest)? else {
        return None;
    };
    Some((serial, spki))
}
