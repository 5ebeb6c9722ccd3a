//! Target 3: key loading — arbitrary text, PEM with changed labels or broken Base64, mutated DER with
//! wrong lengths and odd nesting, hand-made RSA structures, concatenations.
//!
//! The DER reader and encoder below are the harness's only ones, and stay here rather than in
//! tests/common: the crate's reader (src/crypto/keys.rs) is private and strict, no other test builds DER,
//! and this one must keep whatever a mutation made (lengths, tags, integers no key would have) so that it
//! can re-encode it consistently or leave it broken on purpose.

use crate::checks::typed;
use crate::common::*;
use crate::gen::gen_string;
use crate::harness::{hex, Fuzz, Rng};
use aggpay::crypto::{self, load_certificate, load_private_key, load_public_key};
use aggpay::{Error, ErrorCode};
use std::cell::RefCell;

/// A DER tree, kept loose enough to re-encode whatever was changed inside it.
#[derive(Clone, Debug)]
pub enum Der {
    Prim(u8, Vec<u8>),
    Cons(u8, Vec<Der>),
    /// BIT STRING / OCTET STRING holding DER (SPKI's key, PKCS#8's key): prefix bytes, then children.
    Wrapped(u8, Vec<u8>, Vec<Der>),
}

pub fn read_tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let l = rest[..n].iter().fold(0usize, |a, x| (a << 8) | *x as usize);
        rest = &rest[n..];
        l
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

pub fn parse_der(mut b: &[u8]) -> Option<Vec<Der>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let (tag, content, rest) = read_tlv(b)?;
        let node = if tag & 0x20 != 0 {
            match parse_der(content) {
                Some(kids) => Der::Cons(tag, kids),
                None => Der::Prim(tag, content.to_vec()),
            }
        } else if tag == 0x03 && content.first() == Some(&0) && content.len() > 2 && content[1] == 0x30 {
            match parse_der(&content[1..]) {
                Some(kids) => Der::Wrapped(tag, vec![0], kids),
                None => Der::Prim(tag, content.to_vec()),
            }
        } else if tag == 0x04 && content.first() == Some(&0x30) {
            match parse_der(content) {
                Some(kids) => Der::Wrapped(tag, Vec::new(), kids),
                None => Der::Prim(tag, content.to_vec()),
            }
        } else {
            Der::Prim(tag, content.to_vec())
        };
        out.push(node);
        b = rest;
    }
    Some(out)
}

pub fn der_len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else {
        let bytes: Vec<u8> = n.to_be_bytes().iter().copied().skip_while(|b| *b == 0).collect();
        let mut v = vec![0x80 | bytes.len() as u8];
        v.extend(bytes);
        v
    }
}

pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    v.extend(der_len(content.len()));
    v.extend_from_slice(content);
    v
}

pub fn encode(list: &[Der]) -> Vec<u8> {
    let mut out = Vec::new();
    for d in list {
        out.extend(match d {
            Der::Prim(t, c) => tlv(*t, c),
            Der::Cons(t, kids) => tlv(*t, &encode(kids)),
            Der::Wrapped(t, prefix, kids) => {
                let mut c = prefix.clone();
                c.extend(encode(kids));
                tlv(*t, &c)
            }
        });
    }
    out
}

pub fn count_nodes(list: &[Der]) -> usize {
    list.iter()
        .map(|d| {
            1 + match d {
                Der::Cons(_, k) | Der::Wrapped(_, _, k) => count_nodes(k),
                Der::Prim(..) => 0,
            }
        })
        .sum()
}

pub fn nth_node<'a>(list: &'a mut [Der], n: &mut usize) -> Option<&'a mut Der> {
    for d in list.iter_mut() {
        if *n == 0 {
            return Some(d);
        }
        *n -= 1;
        if let Der::Cons(_, kids) | Der::Wrapped(_, _, kids) = d {
            if let Some(x) = nth_node(kids, n) {
                return Some(x);
            }
        }
    }
    None
}

/// A positive DER INTEGER from big-endian magnitude bytes (a 0x00 added when the high bit is set).
pub fn der_uint(be: &[u8]) -> Vec<u8> {
    let mut c: Vec<u8> = be.iter().copied().skip_while(|b| *b == 0).collect();
    if c.is_empty() || c[0] & 0x80 != 0 {
        c.insert(0, 0);
    }
    tlv(0x02, &c)
}

pub fn der_u(v: u128) -> Vec<u8> {
    der_uint(&v.to_be_bytes())
}

pub fn seq(items: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &items.concat())
}

pub fn rsa_alg() -> Vec<u8> {
    seq(&[
        tlv(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]),
        vec![0x05, 0x00],
    ])
}

/// An INTEGER that stresses key validation: tiny, zero, one, even, negative, empty, over-long.
pub fn odd_int(rng: &mut Rng) -> Vec<u8> {
    match rng.below(10) {
        0 => tlv(0x02, &[]),
        1 => tlv(0x02, &[0x80]),
        2 => tlv(0x02, &[0xff; 9]),
        3 => der_uint(&rng.bytes(600)),
        4 => der_uint(&rng.bytes(520)),
        5 => tlv(0x02, &[0x00, 0x00, 0x01]),
        6 => der_u(rng.pick(&[0u128, 1, 2, 3, 15, 17, 65537, (1 << 33) + 1, u64::MAX as u128 + 2])),
        _ => der_uint(&rng.bytes(40)),
    }
}

/// Hand-made RSA structures: a genuine tiny key (n = 3233), and keys with odd integers in any slot.
pub fn synthetic_key(rng: &mut Rng) -> (String, Vec<u8>) {
    // n = 61 · 53, e = 17, d = 2753, dp = d mod 60, dq = d mod 52, qinv = 53⁻¹ mod 61.
    let mut ints: Vec<Vec<u8>> = [3233u128, 17, 2753, 61, 53, 53, 49, 38]
        .iter()
        .map(|v| der_u(*v))
        .collect();
    if rng.chance(1, 8) {
        // n = 3 · 5 = 15, e = 3, d = 3: de ≡ 1 mod 2 and mod 4.
        ints = [15u128, 3, 3, 3, 5, 1, 3, 2].iter().map(|v| der_u(*v)).collect();
    }
    for _ in 0..rng.below(3) {
        let k = rng.below(ints.len());
        ints[k] = odd_int(rng);
    }
    let mut items = vec![der_u(0)];
    items.extend(ints.iter().cloned());
    let pkcs1_private = seq(&items);
    let pkcs1_public = seq(&[ints[0].clone(), ints[1].clone()]);
    let spki = seq(&[rsa_alg(), tlv(0x03, &[&[0u8][..], &pkcs1_public[..]].concat())]);
    let serial = if rng.chance(1, 3) {
        odd_int(rng)
    } else {
        der_u(rng.next_u64() as u128)
    };
    let cert = seq(&[
        seq(&[
            tlv(0xa0, &der_u(2)),
            serial,
            seq(&[]),
            seq(&[]),
            seq(&[]),
            seq(&[]),
            spki.clone(),
        ]),
        rsa_alg(),
        tlv(0x03, &[0]),
    ]);
    match rng.below(5) {
        0 => ("RSA PRIVATE KEY".into(), pkcs1_private),
        1 => (
            "PRIVATE KEY".into(),
            seq(&[der_u(0), rsa_alg(), tlv(0x04, &pkcs1_private)]),
        ),
        2 => ("RSA PUBLIC KEY".into(), pkcs1_public),
        3 => ("PUBLIC KEY".into(), spki),
        _ => ("CERTIFICATE".into(), cert),
    }
}

/// A random DER tree.
pub fn random_der(rng: &mut Rng, depth: usize) -> Vec<u8> {
    let tags = [0x30u8, 0x31, 0x02, 0x03, 0x04, 0x05, 0x06, 0xa0, 0xa3, 0x13, 0x17];
    let tag = rng.pick(&tags);
    if tag & 0x20 != 0 && depth > 0 {
        let kids: Vec<Vec<u8>> = (0..rng.below(5)).map(|_| random_der(rng, depth - 1)).collect();
        tlv(tag, &kids.concat())
    } else {
        tlv(tag, &rng.bytes(24))
    }
}

/// Changes inside the DER: either re-encoded consistently (a node replaced, dropped, doubled, retagged,
/// nested) or left inconsistent on purpose (a length byte made huge, indefinite or wrong, truncation).
pub fn mutate_der(rng: &mut Rng, der: &[u8]) -> Vec<u8> {
    if let (Some(mut tree), true) = (parse_der(der), rng.chance(2, 3)) {
        let total = count_nodes(&tree);
        let mut n = rng.below(total.max(1));
        if let Some(node) = nth_node(&mut tree, &mut n) {
            match rng.below(7) {
                0 => {
                    let int = odd_int(rng);
                    let content = read_tlv(&int).map(|(_, c, _)| c.to_vec()).unwrap_or_default();
                    *node = Der::Prim(0x02, content);
                }
                1 => match node {
                    Der::Cons(_, kids) | Der::Wrapped(_, _, kids) if !kids.is_empty() => {
                        let k = rng.below(kids.len());
                        if rng.chance(1, 2) {
                            kids.remove(k);
                        } else {
                            let d = kids[k].clone();
                            kids.insert(k, d);
                        }
                    }
                    other => *other = Der::Prim(0x05, Vec::new()),
                },
                2 => match node {
                    Der::Prim(t, _) | Der::Cons(t, _) | Der::Wrapped(t, _, _) => {
                        *t = rng.pick(&[0x30, 0x31, 0x02, 0x03, 0x04, 0x05, 0xa0, 0x00, 0xff, 0x1f])
                    }
                },
                3 => {
                    let d = node.clone();
                    *node = Der::Cons(0x30, vec![d]);
                }
                4 => {
                    let d = node.clone();
                    let mut deep = Der::Cons(0x30, vec![d]);
                    for _ in 0..rng.range(10, 300) {
                        deep = Der::Cons(0x30, vec![deep]);
                    }
                    *node = deep;
                }
                5 => match node {
                    Der::Prim(_, c) => {
                        let c2 = rng.bytes(c.len() + 8);
                        *c = c2
                    }
                    other => *other = Der::Prim(0x04, encode(std::slice::from_ref(other))),
                },
                _ => {
                    if let Der::Cons(_, kids) | Der::Wrapped(_, _, kids) = node {
                        kids.push(Der::Prim(0x02, rng.bytes(8)));
                    }
                }
            }
        }
        return encode(&tree);
    }
    // Byte level, lengths left inconsistent.
    let mut b = der.to_vec();
    match rng.below(5) {
        0 if !b.is_empty() => {
            let i = rng.below(b.len());
            b[i] ^= 1 << rng.below(8);
        }
        1 => b.truncate(rng.below(b.len() + 1)),
        2 | 3 => {
            // Rewrite one length: huge, indefinite, too many bytes, off by one.
            let positions: Vec<usize> = (0..b.len().saturating_sub(1))
                .filter(|&i| matches!(b[i], 0x30 | 0x02 | 0x03 | 0x04 | 0xa0))
                .collect();
            if let Some(&p) = positions.get(rng.below(positions.len().max(1))) {
                let new: Vec<u8> = match rng.below(6) {
                    0 => vec![0x80],
                    1 => vec![0x84, 0xff, 0xff, 0xff, 0xff],
                    2 => vec![0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9],
                    3 => vec![0x81, 0x00],
                    4 => vec![0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                    _ => vec![b[p + 1].wrapping_add(if rng.chance(1, 2) { 1 } else { 255 })],
                };
                // Replace the first length byte (and any following long-form bytes stay as content).
                b.splice(p + 1..p + 2, new);
            }
        }
        _ => {
            let extra = rng.bytes(32);
            b.extend(extra);
        }
    }
    b
}

/// The label and DER of a PEM block.
pub fn pem_parts(pem: &str) -> (String, Vec<u8>) {
    let label = pem
        .trim()
        .strip_prefix("-----BEGIN ")
        .and_then(|r| r.split_once("-----"))
        .map(|(l, _)| l.to_string())
        .unwrap_or_default();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    (label, crypto::base64_decode(&body).unwrap_or_default())
}

pub const LABELS: &[&str] = &[
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "PUBLIC KEY",
    "RSA PUBLIC KEY",
    "CERTIFICATE",
    "X509 CERTIFICATE",
    "EC PRIVATE KEY",
    "",
    "private key",
    " PRIVATE KEY",
    "PRIVATE  KEY",
    "CERTIFICATE REQUEST",
    "付款码",
    "-----",
    "PRIVATE KEY-----\n-----BEGIN PRIVATE KEY",
];

/// DER as text: PEM of some line length and line ending, or bare Base64 (sometimes with whitespace).
pub fn wrap(rng: &mut Rng, label: &str, der: &[u8]) -> String {
    let b64 = crypto::base64_encode(der);
    match rng.below(6) {
        0 => b64,
        1 => format!("  {b64}\n"),
        _ => {
            let width = rng.pick(&[64usize, 76, 1, 10_000]);
            let eol = rng.pick(&["\n", "\r\n", "\n\n", " "]);
            let chunks: Vec<&str> = b64
                .as_bytes()
                .chunks(width)
                .map(|c| std::str::from_utf8(c).unwrap_or_default())
                .collect();
            format!(
                "-----BEGIN {label}-----{eol}{}{eol}-----END {label}-----{eol}",
                chunks.join(eol)
            )
        }
    }
}

/// Text for the key loaders: arbitrary text, PEM with changed labels or broken Base64, mutated DER with
/// wrong lengths and odd nesting, hand-made RSA structures, concatenations.
pub fn gen_key_text(rng: &mut Rng, corpus: &[&str]) -> String {
    let pem = rng.pick(corpus);
    match rng.below(12) {
        0 => match rng.below(4) {
            0 => gen_string(rng),
            1 => String::from_utf8_lossy(&rng.bytes(400)).into_owned(),
            2 => format!("-----BEGIN {}", gen_string(rng)),
            _ => crypto::base64_encode(&rng.bytes(300)),
        },
        1 => {
            let (label, der) = pem_parts(pem);
            let l = if rng.chance(1, 2) {
                rng.pick(LABELS).to_string()
            } else {
                label
            };
            let junk = rng.bytes(200 + der.len() % 7);
            wrap(rng, &l, &junk)
        }
        2 => {
            // BEGIN and END labels changed independently (or removed).
            let (label, der) = pem_parts(pem);
            let b64 = crypto::base64_encode(&der);
            let (begin, end) = (
                rng.pick(LABELS).to_string(),
                if rng.chance(1, 2) {
                    label
                } else {
                    rng.pick(LABELS).to_string()
                },
            );
            match rng.below(4) {
                0 => format!("-----BEGIN {begin}-----\n{b64}\n"),
                1 => format!("-----BEGIN {begin}\n{b64}\n-----END {end}-----\n"),
                2 => format!("-----BEGIN {begin}-----\n{b64}\n-----END {end}-----\n"),
                _ => pem.replacen(
                    "-----",
                    rng.pick(&["----", "—————", "-----\u{0}", "- - -", "-----BEGIN "]),
                    1 + rng.below(3),
                ),
            }
        }
        3 => {
            // Broken Base64: bad characters, lost or extra padding, odd whitespace.
            let mut t = pem.to_string();
            for _ in 0..rng.range(1, 3) {
                let bytes = t.as_bytes();
                let body_start = bytes.iter().position(|b| *b == b'\n').unwrap_or(0) + 1;
                let at = body_start + rng.below(t.len().saturating_sub(body_start + 30).max(1));
                let at = (0..=at).rev().find(|i| t.is_char_boundary(*i)).unwrap_or(0);
                let ins = rng.pick(&[
                    "!", "=", "==", "%", "\u{a0}", "\u{3000}", "-", "_", "\t", "\u{0}", "é", "A", "*",
                ]);
                if rng.chance(1, 3) && at < t.len() && t.is_char_boundary(at + 1) {
                    t.replace_range(at..at + 1, "");
                } else {
                    t.insert_str(at, ins);
                }
            }
            t
        }
        4..=6 => {
            let (label, der) = pem_parts(pem);
            let mut d = der;
            for _ in 0..rng.range(1, 3) {
                d = mutate_der(rng, &d);
            }
            let l = if rng.chance(4, 5) {
                label
            } else {
                rng.pick(LABELS).to_string()
            };
            wrap(rng, &l, &d)
        }
        7 | 8 => {
            let (label, der) = synthetic_key(rng);
            let der = if rng.chance(1, 3) { mutate_der(rng, &der) } else { der };
            let l = if rng.chance(5, 6) {
                label
            } else {
                rng.pick(LABELS).to_string()
            };
            wrap(rng, &l, &der)
        }
        9 => {
            let der = random_der(rng, 5);
            let l = rng.pick(LABELS).to_string();
            wrap(rng, &l, &der)
        }
        10 => {
            // Two blocks, a block inside a block, text around it.
            let other = rng.pick(corpus);
            match rng.below(4) {
                0 => format!("{pem}{other}"),
                1 => {
                    let mid = pem.find('\n').map_or(0, |i| i + 1);
                    format!("{}{}{}", &pem[..mid], other, &pem[mid..])
                }
                2 => format!("Bag Attributes\n    localKeyID: 01\nsubject=/CN=x\n{pem}"),
                _ => format!("{pem}\ntrailing junk \u{0}\u{ff}"),
            }
        }
        _ => pem.to_string(),
    }
}

pub fn key_corpus() -> Vec<&'static str> {
    vec![
        MERCHANT_KEY,
        MERCHANT_KEY_PKCS1,
        MERCHANT_PUBLIC_SPKI,
        MERCHANT_PUBLIC_PKCS1,
        MERCHANT_CERT,
        PLATFORM_CERT,
        EC_KEY_PKCS8,
        EC_KEY_SEC1,
        SMALL_KEY,
        SMALL_CERT,
        PLATFORM_KEY,
    ]
}

#[test]
fn fuzz_key_loading() {
    let mut fz = Fuzz::new("keys", 3);
    let corpus = key_corpus();
    for i in fz.cases() {
        let mut rng = fz.rng(i);
        let text = gen_key_text(&mut rng, &corpus);
        for (which, field) in [
            (0, "credentials.privateKey"),
            (1, "credentials.notifyPublicKey"),
            (2, "credentials.merchantCertificate"),
        ] {
            let seen: RefCell<Option<&'static str>> = RefCell::new(None);
            let entry = ["load_private_key", "load_public_key", "load_certificate"][which];
            fz.run(
                i,
                entry,
                || {
                    let check_err = |e: Error| -> Result<(), String> {
                        typed(&e, &[ErrorCode::InvalidKey])?;
                        if e.field.as_deref() != Some(field) {
                            return Err(format!("INVALID_KEY names field {:?}, not {field:?}", e.field));
                        }
                        Ok(())
                    };
                    match which {
                        0 => match load_private_key(field, &text) {
                            Err(e) => check_err(e),
                            Ok(k) => {
                                *seen.borrow_mut() = Some("private-ok");
                                let der = k.pkcs8_der();
                                if der.is_empty() {
                                    return Err("a loaded private key has no PKCS#8 DER".into());
                                }
                                load_private_key(field, &crypto::base64_encode(der))
                                    .map_err(|e| format!("the key's own PKCS#8 does not load again: {e}"))?;
                                if der.len() < 400 {
                                    // Small (or hand-made tiny) keys: signing must fail typed, never panic.
                                    if let Err(e) = k.sign_sha256(b"aggpay fuzz") {
                                        typed(&e, &[ErrorCode::InvalidKey])?;
                                    }
                                }
                                Ok(())
                            }
                        },
                        1 => match load_public_key(field, &text) {
                            Err(e) => check_err(e),
                            Ok(k) => {
                                *seen.borrow_mut() = Some("public-ok");
                                let _ = k.verify_sha256(b"aggpay fuzz", &[0u8; 64]);
                                Ok(())
                            }
                        },
                        _ => match load_certificate(field, &text) {
                            Err(e) => check_err(e),
                            Ok(c) => {
                                *seen.borrow_mut() = Some("certificate-ok");
                                if c.serial_hex.len() % 2 != 0
                                    || !c
                                        .serial_hex
                                        .bytes()
                                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                                {
                                    return Err(format!("certificate serial is not lowercase hex: {:?}", c.serial_hex));
                                }
                                Ok(())
                            }
                        },
                    }
                },
                || {
                    format!(
                        "field={field} text.hex={}\n    text={:?}",
                        hex(text.as_bytes()),
                        text.chars().take(3000).collect::<String>()
                    )
                },
            );
            fz.stat(
                seen.into_inner()
                    .unwrap_or(["private-err", "public-err", "certificate-err"][which]),
            );
        }
    }
    fz.finish();
}
