//! Key ingestion through the public API (`aggpay::crypto::{load_private_key, load_public_key,
//! load_certificate}`): every accepted encoding loads for its purpose, a key of the wrong kind or an
//! unreadable text is refused with INVALID_KEY and a message that says what was found and what is
//! needed, and no error message ever quotes the key text. Signing is checked against OpenSSL.
//!
//! All key material below was generated once with `openssl` for these tests and is pasted here; the
//! expected signature was computed with `openssl dgst -sha256 -sign` (PKCS#1 v1.5 is deterministic).

mod common;
use common::*;

use aggpay::crypto::{base64_decode, load_certificate, load_private_key, load_public_key};
use aggpay::{Error, ErrorCode};

// ---------------------------------------------------------------- key material (generated with openssl)

/// The message signed with OpenSSL: `printf 'aggpay: sign me\n' | openssl dgst -sha256 -sign merchant.key | base64 -w0`.
const MESSAGE: &[u8] = b"aggpay: sign me\n";
const KEYS_MSG_SIG: &str = "oZBDWew1BWfxi4wZ2PQ6D0KTy0XX0FMPkXoAOu1QHZ39b/01zn5IEVlp5P6ju3IO/TcmN/N6KXPys7JYbxdEjUFMbqPEoN33wI32AL2P+5t1E3CduFHTWPbG6yRYuTDBuN0fRiQIynXEjr7P8GMpnS+UL0rsNSnqQmeXlUQv5eD/+AbY/62JMAgtfEjj19f0FGG7YlUGQvdP+sNkMv/C3hlK7LdVwaOyfoSeQ/p/dIf3RUGkIkOqEvBvdaBWvcn41g2axmHpu8/MCRhiuoHoUWwT5q4ag8AybBj0TWRUxiitYDZACJy6v4oNw4uyKM1RJSzBp65kNZ2uCQbfYbvdIQ==";

const FIELD: &str = "credentials.privateKey";

// ---------------------------------------------------------------- helpers

/// The Base64 lines between the armour lines of a PEM block.
fn pem_lines(pem: &str) -> Vec<&str> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && !l.trim().is_empty())
        .collect()
}

/// The PEM body as one line of Base64 (bare Base64 DER, as Tingyihui hands out its keys).
fn bare(pem: &str) -> String {
    pem_lines(pem).concat()
}

fn openssl_signature() -> Vec<u8> {
    base64_decode(KEYS_MSG_SIG).expect("base64")
}

fn key_err(r: aggpay::Result<impl std::fmt::Debug>, what: &str) -> Error {
    let e = r.expect_err(&format!("{what}: accepted"));
    assert_eq!(e.code, ErrorCode::InvalidKey, "{what}: {e}");
    assert_eq!(e.field.as_deref(), Some(FIELD), "{what}: {e}");
    assert!(
        e.message.starts_with(FIELD),
        "{what}: the message names the field: {}",
        e.message
    );
    e
}

/// No error text (message, Display, Debug, JSON) quotes any 16 consecutive characters of the key body.
fn assert_no_key_text(e: &Error, pems: &[&str], what: &str) {
    let texts = [e.message.clone(), e.to_string(), format!("{e:?}"), e.to_json()];
    for pem in pems {
        let body = bare(pem);
        let chars: Vec<char> = body.chars().collect();
        for w in chars.windows(16) {
            let needle: String = w.iter().collect();
            for t in &texts {
                assert!(
                    !t.contains(&needle),
                    "{what}: the error quotes key text {needle:?}: {t}"
                );
            }
        }
    }
}

fn lower(e: &Error) -> String {
    e.message.to_ascii_lowercase()
}

// ---------------------------------------------------------------- private keys

#[test]
fn private_key_encodings_all_load_the_same_key() {
    let reference = load_private_key(FIELD, MERCHANT_KEY).expect("PKCS#8 PEM");
    let lines = pem_lines(MERCHANT_KEY);
    let cases: Vec<(&str, String)> = vec![
        ("PKCS#1 PEM", MERCHANT_KEY_PKCS1.to_string()),
        ("PKCS#8 PEM", MERCHANT_KEY.to_string()),
        ("PKCS#8 PEM with CRLF line ends", MERCHANT_KEY.replace('\n', "\r\n")),
        (
            "PKCS#8 PEM with surrounding whitespace",
            format!("\n\n   {MERCHANT_KEY}  \t\n"),
        ),
        ("PKCS#8 PEM on one line", MERCHANT_KEY.trim_end().replace('\n', " ")),
        (
            "PKCS#1 PEM with surrounding whitespace",
            format!("  \r\n{MERCHANT_KEY_PKCS1}\n\n"),
        ),
        ("bare Base64 PKCS#8, one line", bare(MERCHANT_KEY)),
        ("bare Base64 PKCS#8 with line breaks", lines.join("\n")),
        (
            "bare Base64 PKCS#8 with CRLF breaks and surrounding whitespace",
            format!(" \t\r\n{}\r\n  ", lines.join("\r\n")),
        ),
        ("bare Base64 PKCS#8 broken into odd pieces", {
            let b = bare(MERCHANT_KEY);
            b.as_bytes()
                .chunks(50)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join("\n  ")
        }),
        ("bare Base64 PKCS#1", bare(MERCHANT_KEY_PKCS1)),
    ];
    for (what, text) in cases {
        let key = load_private_key(FIELD, &text).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(key.pkcs8_der(), reference.pkcs8_der(), "{what}: a different key");
    }
    // pkcs8_der is the PKCS#8 DER itself (what node:crypto / WebCrypto import).
    assert_eq!(
        reference.pkcs8_der(),
        base64_decode(&bare(MERCHANT_KEY)).unwrap().as_slice()
    );
}

#[test]
fn signing_equals_openssl_and_verifies() {
    let expected = openssl_signature();
    assert_eq!(expected.len(), 256);
    for (what, text) in [
        ("PKCS#8", MERCHANT_KEY.to_string()),
        ("PKCS#1", MERCHANT_KEY_PKCS1.to_string()),
        ("bare", bare(MERCHANT_KEY)),
    ] {
        let key = load_private_key(FIELD, &text).unwrap();
        let sig = key.sign_sha256(MESSAGE).unwrap();
        // Blinding changes nothing in the result: PKCS#1 v1.5 is deterministic.
        assert_eq!(sig, expected, "{what}: differs from openssl");
    }
    let key = load_private_key(FIELD, MERCHANT_KEY).unwrap();
    let public = load_public_key("k", MERCHANT_PUBLIC_SPKI).unwrap();
    let other = key.sign_sha256(b"another message").unwrap();
    assert!(public.verify_sha256(b"another message", &other));
    assert!(!public.verify_sha256(MESSAGE, &other));
    assert!(public.verify_sha256(b"", &key.sign_sha256(b"").unwrap()));
}

#[test]
fn private_key_debug_is_redacted() {
    let key = load_private_key(FIELD, MERCHANT_KEY).unwrap();
    let dbg = format!("{key:?} {key:#?}");
    assert!(dbg.contains("redacted"), "{dbg}");
    let body = bare(MERCHANT_KEY);
    assert!(!dbg.contains(&body[40..60]), "{dbg}");
}

// ---------------------------------------------------------------- public keys and certificates

#[test]
fn public_key_encodings_verify_the_openssl_signature() {
    let sig = openssl_signature();
    let cases: Vec<(&str, String)> = vec![
        ("SPKI PEM", MERCHANT_PUBLIC_SPKI.to_string()),
        (
            "SPKI PEM with CRLF and whitespace",
            format!("\r\n {}\r\n", MERCHANT_PUBLIC_SPKI.replace('\n', "\r\n")),
        ),
        ("PKCS#1 public PEM", MERCHANT_PUBLIC_PKCS1.to_string()),
        ("certificate PEM", MERCHANT_CERT.to_string()),
        ("bare Base64 SPKI", bare(MERCHANT_PUBLIC_SPKI)),
        (
            "bare Base64 SPKI with line breaks",
            pem_lines(MERCHANT_PUBLIC_SPKI).join("\n"),
        ),
        ("bare Base64 PKCS#1 public", bare(MERCHANT_PUBLIC_PKCS1)),
        ("bare Base64 certificate", bare(MERCHANT_CERT)),
    ];
    let mut tampered_msg = MESSAGE.to_vec();
    tampered_msg[0] ^= 1;
    let mut tampered_sig = sig.clone();
    tampered_sig[100] ^= 0x40;
    for (what, text) in cases {
        let k = load_public_key("credentials.platformCertificate", &text).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(k.verify_sha256(MESSAGE, &sig), "{what}: does not verify");
        assert!(
            !k.verify_sha256(&tampered_msg, &sig),
            "{what}: verifies a tampered message"
        );
        assert!(
            !k.verify_sha256(MESSAGE, &tampered_sig),
            "{what}: verifies a tampered signature"
        );
        assert!(
            !k.verify_sha256(MESSAGE, &sig[..255]),
            "{what}: verifies a short signature"
        );
        assert!(!k.verify_sha256(MESSAGE, b""), "{what}: verifies an empty signature");
        assert!(!k.verify_sha256(MESSAGE, &[0u8; 256]), "{what}: verifies zeros");
        assert!(
            !k.verify_sha256(MESSAGE, &[0xffu8; 256]),
            "{what}: verifies a value above the modulus"
        );
    }
    // Another key's certificate does not verify it.
    let platform = load_public_key("k", PLATFORM_CERT).unwrap();
    assert!(!platform.verify_sha256(MESSAGE, &sig));
}

#[test]
fn certificate_serial_keeps_the_leading_zero_of_a_high_bit_serial() {
    // openssl req -set_serial 0xDFBA8194C41B84CF: DER INTEGER 00 df ba 81 94 c4 1b 84 cf.
    let c = load_certificate("credentials.merchantCertificate", MERCHANT_CERT).unwrap();
    assert_eq!(c.serial_hex, "00dfba8194c41b84cf");
    assert!(c.public_key.verify_sha256(MESSAGE, &openssl_signature()));
    // Same from bare Base64 DER and with surrounding whitespace.
    assert_eq!(
        load_certificate("c", &bare(MERCHANT_CERT)).unwrap().serial_hex,
        "00dfba8194c41b84cf"
    );
    assert_eq!(
        load_certificate("c", &format!("\n  {}\n", MERCHANT_CERT.replace('\n', "\r\n")))
            .unwrap()
            .serial_hex,
        "00dfba8194c41b84cf"
    );
    // A serial without its high bit set (0x1A2B3C4D5E6F7081) has no leading 00.
    let p = load_certificate("c", PLATFORM_CERT).unwrap();
    assert_eq!(p.serial_hex, "1a2b3c4d5e6f7081");
    assert!(p
        .serial_hex
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
}

// ---------------------------------------------------------------- the wrong kind of key

#[test]
fn public_key_or_certificate_where_a_private_key_is_needed() {
    let cases: Vec<(&str, String, &str)> = vec![
        ("SPKI PEM", MERCHANT_PUBLIC_SPKI.to_string(), "public key"),
        ("PKCS#1 public PEM", MERCHANT_PUBLIC_PKCS1.to_string(), "public key"),
        ("bare Base64 SPKI", bare(MERCHANT_PUBLIC_SPKI), "public key"),
        ("certificate PEM", MERCHANT_CERT.to_string(), "certificate"),
        ("bare Base64 certificate", bare(MERCHANT_CERT), "certificate"),
    ];
    for (what, text, found) in cases {
        let e = key_err(load_private_key(FIELD, &text), what);
        let m = lower(&e);
        assert!(m.contains(found), "{what}: says what it is ({found}): {}", e.message);
        assert!(
            m.contains("private key"),
            "{what}: says a private key is needed: {}",
            e.message
        );
        assert_no_key_text(&e, &[&text], what);
    }
}

#[test]
fn private_key_where_a_public_key_is_needed() {
    let field = "credentials.platformCertificate";
    for (what, text) in [
        ("PKCS#8 PEM", MERCHANT_KEY.to_string()),
        ("PKCS#1 PEM", MERCHANT_KEY_PKCS1.to_string()),
        ("bare Base64 PKCS#8", bare(MERCHANT_KEY)),
    ] {
        let e = load_public_key(field, &text).expect_err(what);
        assert_eq!(e.code, ErrorCode::InvalidKey, "{what}");
        assert_eq!(e.field.as_deref(), Some(field));
        assert!(lower(&e).contains("private key"), "{what}: {}", e.message);
        assert!(
            lower(&e).contains("public key") || lower(&e).contains("certificate"),
            "{what}: says what is needed: {}",
            e.message
        );
        assert_no_key_text(&e, &[&text], what);
        // And where a certificate is needed.
        let e = load_certificate(field, &text).expect_err(what);
        assert_eq!(e.code, ErrorCode::InvalidKey, "{what}");
        assert!(
            lower(&e).contains("private key") && lower(&e).contains("certificate"),
            "{what}: {}",
            e.message
        );
        assert_no_key_text(&e, &[&text], what);
    }
    // A public key where a certificate (with its serial) is needed.
    let e = load_certificate(field, MERCHANT_PUBLIC_SPKI).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidKey);
    assert!(
        lower(&e).contains("public key") && lower(&e).contains("certificate"),
        "{}",
        e.message
    );
}

// ---------------------------------------------------------------- unreadable text

#[test]
fn empty_blank_and_garbage_are_invalid_key_with_a_helpful_message() {
    let half = &MERCHANT_KEY[..MERCHANT_KEY.len() / 2];
    let lines = MERCHANT_KEY.lines().collect::<Vec<_>>();
    let body_truncated = format!("{}\n{}\n", lines[..10].join("\n"), lines.last().unwrap());
    let cases: Vec<(&str, String, &[&str])> = vec![
        ("empty", String::new(), &["empty"]),
        ("whitespace", " \n\t\r\n ".into(), &["empty"]),
        ("garbage", "this is not a key!".into(), &["pem", "base64"]),
        (
            "Base64 of something else",
            "aGVsbG8gd29ybGQ=".into(),
            &["rsa private key"],
        ),
        ("truncated PEM (no END line)", half.to_string(), &["end"]),
        ("PEM body cut short", body_truncated, &["rsa private key"]),
        (
            "PEM body not Base64",
            "-----BEGIN PRIVATE KEY-----\n%%%%\n-----END PRIVATE KEY-----\n".into(),
            &["base64"],
        ),
        (
            "label changed to EC PRIVATE KEY",
            MERCHANT_KEY.replace("PRIVATE KEY", "EC PRIVATE KEY"),
            &["rsa private key"],
        ),
        ("a real EC key (SEC1)", EC_KEY_SEC1.into(), &["rsa private key"]),
        ("a real EC key (PKCS#8)", EC_KEY_PKCS8.into(), &["rsa private key"]),
        ("bare Base64 EC PKCS#8", bare(EC_KEY_PKCS8), &["rsa private key"]),
        (
            "encrypted PKCS#8",
            MERCHANT_KEY.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"),
            &["encrypted"],
        ),
        (
            "mismatched END label",
            MERCHANT_KEY.replace("END PRIVATE KEY", "END RSA PRIVATE KEY"),
            &["end"],
        ),
        (
            "escaped newlines from an env file",
            MERCHANT_KEY.trim_end().replace('\n', "\\n"),
            &[],
        ),
    ];
    for (what, text, says) in cases {
        let e = key_err(load_private_key(FIELD, &text), what);
        for s in says {
            assert!(
                lower(&e).contains(s),
                "{what}: message should mention {s:?}: {}",
                e.message
            );
        }
        assert!(
            e.message.len() > FIELD.len() + 8,
            "{what}: a message, not just the field: {}",
            e.message
        );
        assert_no_key_text(&e, &[MERCHANT_KEY, EC_KEY_PKCS8, EC_KEY_SEC1], what);
    }
    // The same inputs where a public key or a certificate is needed.
    for text in ["", "   ", "garbage!", "aGVsbG8gd29ybGQ=", half] {
        let e = load_public_key("k", text).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidKey, "{text:?}");
        assert_no_key_text(&e, &[MERCHANT_KEY], text);
        let e = load_certificate("k", text).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidKey, "{text:?}");
        assert_no_key_text(&e, &[MERCHANT_KEY], text);
    }
}

/// A BEGIN line that lost its closing dashes. `read` then takes everything up to the next "-----" (the
/// END line) as the label and quotes it in "PEM block {label:?} has no matching END line".
#[test]
fn a_broken_begin_line_does_not_leak_the_key() {
    for (what, text) in [
        (
            "BEGIN without closing dashes",
            MERCHANT_KEY.replacen("-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY", 1),
        ),
        (
            "BEGIN with four closing dashes",
            MERCHANT_KEY.replacen("-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY----", 1),
        ),
    ] {
        let e = key_err(load_private_key(FIELD, &text), what);
        assert_no_key_text(&e, &[MERCHANT_KEY], what);
        let e = load_public_key("k", &text).unwrap_err();
        assert_no_key_text(&e, &[MERCHANT_KEY], what);
    }
}

/// `PrivateKey::pkcs8_der` is written by aggpay (to keep the `der` encoder out of the module) and must stay byte for
/// byte what `rsa`'s own `to_pkcs8_der` writes, for keys of every size (short and long DER lengths, integers with and
/// without a leading 0x00) and whatever CRT values the input carried.
#[test]
fn pkcs8_der_is_what_rsa_encodes() {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
    use rsa::RsaPrivateKey;
    let mut keys: Vec<(String, RsaPrivateKey, String)> = vec![
        (
            "PKCS#8".into(),
            RsaPrivateKey::from_pkcs8_pem(MERCHANT_KEY).unwrap(),
            MERCHANT_KEY.into(),
        ),
        (
            "PKCS#1".into(),
            RsaPrivateKey::from_pkcs1_pem(MERCHANT_KEY_PKCS1).unwrap(),
            MERCHANT_KEY_PKCS1.into(),
        ),
        (
            "platform".into(),
            RsaPrivateKey::from_pkcs8_pem(PLATFORM_KEY).unwrap(),
            PLATFORM_KEY.into(),
        ),
        (
            "512-bit".into(),
            RsaPrivateKey::from_pkcs8_pem(SMALL_KEY).unwrap(),
            SMALL_KEY.into(),
        ),
    ];
    let mut rng = rsa::rand_core::OsRng;
    for bits in [512, 520, 768, 1024] {
        for i in 0..3 {
            let key = RsaPrivateKey::new(&mut rng, bits).unwrap();
            let pem = key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).unwrap().to_string();
            keys.push((format!("generated {bits}-bit #{i}"), key, pem));
        }
    }
    for (what, key, pem) in keys {
        let expected = key.to_pkcs8_der().unwrap();
        let loaded = load_private_key(FIELD, &pem).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(loaded.pkcs8_der(), expected.as_bytes(), "{what}");
    }
}

/// The key structures are read by aggpay's own DER reader (`crypto::keys`), not `rsa`'s PKCS#8/PKCS#1/SPKI decoders
/// (to keep the `der` crates out of the module). Both must read every input alike: the same key, or a refusal. Each
/// encoding of the fixtures and of generated keys, then every one-byte change, deletion, insertion and truncation of
/// a small key's encodings (where a lax reader would accept what the decoders refuse).
#[test]
fn keys_are_read_as_rsa_reads_them() {
    use base64::Engine;
    use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPrivateKey, EncodeRsaPublicKey};
    use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
    use rsa::{RsaPrivateKey, RsaPublicKey};
    let b64 = |der: &[u8]| base64::engine::general_purpose::STANDARD.encode(der);
    // What each reads a DER input as: the private key (as PKCS#8 DER) or the public key, or nothing.
    let ours_private = |der: &[u8]| load_private_key(FIELD, &b64(der)).ok().map(|k| k.pkcs8_der().to_vec());
    let theirs_private = |der: &[u8]| {
        RsaPrivateKey::from_pkcs8_der(der)
            .or_else(|_| RsaPrivateKey::from_pkcs1_der(der))
            .ok()
            .map(|k| k.to_pkcs8_der().unwrap().as_bytes().to_vec())
    };
    let ours_public = |der: &[u8]| {
        load_public_key("credentials.platformCertificate", &b64(der))
            .ok()
            .map(|k| RsaPublicKey::from_public_key_der(k.spki_der()).expect("aggpay's SPKI is readable"))
    };
    let theirs_public = |der: &[u8]| {
        RsaPublicKey::from_public_key_der(der)
            .or_else(|_| RsaPublicKey::from_pkcs1_der(der))
            .ok()
    };

    let mut keys: Vec<RsaPrivateKey> = [MERCHANT_KEY, PLATFORM_KEY, SMALL_KEY, NOTIFY_KEY]
        .iter()
        .map(|pem| RsaPrivateKey::from_pkcs8_pem(pem).unwrap())
        .collect();
    let mut rng = rsa::rand_core::OsRng;
    for bits in [512, 1024, 2048] {
        keys.push(RsaPrivateKey::new(&mut rng, bits).unwrap());
    }
    let encodings = |key: &RsaPrivateKey| {
        let public = key.to_public_key();
        (
            [
                key.to_pkcs8_der().unwrap().as_bytes().to_vec(),
                key.to_pkcs1_der().unwrap().as_bytes().to_vec(),
            ],
            [
                public.to_public_key_der().unwrap().as_bytes().to_vec(),
                public.to_pkcs1_der().unwrap().as_bytes().to_vec(),
            ],
        )
    };
    for key in &keys {
        let (private, public) = encodings(key);
        for der in &private {
            assert!(ours_private(der).is_some());
            assert_eq!(ours_private(der), theirs_private(der));
        }
        for der in &public {
            assert_eq!(ours_public(der), Some(key.to_public_key()));
        }
    }

    let (private, public) = encodings(&keys[2]);
    let mut variants = |der: &[u8], check: &mut dyn FnMut(&[u8])| {
        for i in 0..der.len() {
            for change in [0x01u8, 0x80, 0xff] {
                let mut v = der.to_vec();
                v[i] ^= change;
                check(&v);
            }
            let mut v = der.to_vec();
            v.remove(i);
            check(&v);
            let mut v = der.to_vec();
            v.insert(i, 0);
            check(&v);
            check(&der[..i]);
        }
    };
    let mut checked = 0;
    for der in &private {
        variants(der, &mut |v| {
            checked += 1;
            assert_eq!(
                ours_private(v).is_some(),
                theirs_private(v).is_some(),
                "private key variant {}",
                b64(v)
            );
            assert_eq!(ours_private(v), theirs_private(v));
        });
    }
    for der in &public {
        variants(der, &mut |v| {
            checked += 1;
            assert_eq!(ours_public(v), theirs_public(v), "public key variant {}", b64(v));
        });
    }
    assert!(checked > 3000, "{checked}");

    // The outer length in a longer form than DER allows (0x81 below 128, or a leading zero byte): both refuse.
    let lengthen = |der: &[u8]| {
        let (len_bytes, content) = match der[1] {
            l if l < 0x80 => (vec![0x81, l], &der[2..]),
            l => {
                let n = (l & 0x7f) as usize;
                let mut b = vec![0x80 | (n as u8 + 1), 0];
                b.extend_from_slice(&der[2..2 + n]);
                (b, &der[2 + n..])
            }
        };
        [&[der[0]][..], &len_bytes, content].concat()
    };
    // A key short enough for the short length form (a toy modulus: only the encoding matters here).
    let short = RsaPublicKey::new(rsa::BigUint::from(3233u32), rsa::BigUint::from(17u32)).unwrap();
    let short = short.to_pkcs1_der().unwrap().as_bytes().to_vec();
    for key in &keys[2..4] {
        let (private, public) = encodings(key);
        for der in private.iter().chain(&public).chain([&short]) {
            let long = lengthen(der);
            assert_eq!((ours_private(&long), theirs_private(&long)), (None, None));
            assert_eq!((ours_public(&long), theirs_public(&long)), (None, None));
        }
    }
}

/// Fields after a PKCS#8 key's OCTET STRING, which byte changes to a real key never make: [0] attributes
/// (any number, either form), [1] publicKey (primitive BIT STRING, in version 1 only) and further fields
/// (each an explicitly tagged [n] holding one TLV, as the pkcs8 crate reads them). Both read each alike.
#[test]
fn pkcs8_fields_after_the_key_are_read_as_rsa_reads_them() {
    use base64::Engine;
    use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
    use rsa::RsaPrivateKey;
    let key = RsaPrivateKey::from_pkcs8_pem(SMALL_KEY).unwrap();
    let der = key.to_pkcs8_der().unwrap().as_bytes().to_vec();
    // The outer SEQUENCE's content with `version` set and `fields` appended, wrapped again.
    let with = |version: u8, fields: &[u8]| {
        let n = (der[1] & 0x7f) as usize;
        let mut content = der[2 + n..].to_vec();
        assert_eq!(&content[..3], &[0x02, 0x01, 0x00]);
        content[2] = version;
        content.extend_from_slice(fields);
        let len = content.len().to_be_bytes();
        let skip = len.iter().take_while(|b| **b == 0).count();
        [&[0x30, 0x80 | (len.len() - skip) as u8][..], &len[skip..], &content].concat()
    };
    let public: &[u8] = &[0x81, 0x02, 0x00, 0x01];
    let cases: &[(u8, &[&[u8]])] = &[
        (0, &[]),
        (0, &[&[0xa0, 0x00]]),
        (0, &[&[0x80, 0x00]]),
        (0, &[&[0xa0, 0x00], &[0xa0, 0x00]]),
        (0, &[&[0xa0, 0x00], &[0x80, 0x01, 0x05]]),
        (0, &[public]),
        (0, &[&[0xa2, 0x02, 0x05, 0x00]]),
        (0, &[&[0xa2, 0x00]]),
        (0, &[&[0xa2, 0x04, 0x05, 0x00, 0x05, 0x00]]),
        (0, &[&[0x82, 0x00]]),
        (0, &[&[0x82, 0x02, 0x05, 0x00]]),
        (0, &[&[0xa1, 0x03, 0x03, 0x01, 0x00]]),
        (0, &[&[0xa2, 0x02, 0x05, 0x00], &[0xa1, 0x02, 0x05, 0x00]]),
        (0, &[&[0xbf, 0x00]]),
        (0, &[&[0x9f, 0x00]]),
        (0, &[&[0x30, 0x00]]),
        (1, &[]),
        (1, &[public]),
        (1, &[&[0x81, 0x01, 0x00]]),
        (1, &[&[0x81, 0x00]]),
        (1, &[&[0x81, 0x02, 0x01, 0x00]]),
        (1, &[&[0xa0, 0x00], public]),
        (1, &[&[0xa0, 0x00], &[0x80, 0x00], public]),
        (1, &[public, &[0xa3, 0x02, 0x05, 0x00]]),
        (1, &[public, &[0x83, 0x00]]),
        (1, &[public, public]),
        (1, &[&[0xa2, 0x02, 0x05, 0x00], public]),
        (2, &[public]),
    ];
    let differ: Vec<String> = cases
        .iter()
        .filter_map(|(version, fields)| {
            let v = with(*version, &fields.concat());
            let ours = load_private_key(FIELD, &base64::engine::general_purpose::STANDARD.encode(&v)).ok();
            let theirs = RsaPrivateKey::from_pkcs8_der(&v).ok();
            let (ours, theirs) = (
                ours.map(|k| k.pkcs8_der().to_vec()),
                theirs.map(|k| k.to_pkcs8_der().unwrap().as_bytes().to_vec()),
            );
            (ours != theirs).then(|| {
                format!(
                    "version {version}, fields {fields:02x?}: ours {}, rsa {}",
                    ours.is_some(),
                    theirs.is_some()
                )
            })
        })
        .collect();
    assert!(differ.is_empty(), "read differently:\n{}", differ.join("\n"));
}
