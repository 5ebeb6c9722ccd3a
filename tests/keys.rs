//! Key ingestion through the public API (`aggpay::crypto::{load_private_key, load_public_key,
//! load_certificate}`): every accepted encoding loads for its purpose, a key of the wrong kind or an
//! unreadable text is refused with INVALID_KEY and a message that says what was found and what is
//! needed, and no error message ever quotes the key text. Signing is checked against OpenSSL.
//!
//! All key material below was generated once with `openssl` for these tests and is pasted here; the
//! expected signature was computed with `openssl dgst -sha256 -sign` (PKCS#1 v1.5 is deterministic).

use aggpay::crypto::{base64_decode, load_certificate, load_private_key, load_public_key};
use aggpay::{Error, ErrorCode};

// ---------------------------------------------------------------- key material (generated with openssl)

/// Merchant private key, PKCS#8 PEM (generated with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`).
const MERCHANT_KEY: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDE9meri5a5CnhO
5u3InfilezbM/AGZfDez+aniL3zXTlr9n+Yc/Yjn92YcFrVq/soowmpXMo6qBNFD
FxAfPnfn9vC4lVgbyreb9vVeusWxHxszjcDJmlZyW1aFLGYsropxffryrRfU0b3a
AP6pBxEc9nVvW5aTp8AL059K0wcpY5dYr1h8vZWqnxaQiEC0j/I1l1T881TuT/n5
iGYAMRrKpkUhgOrfas731D9+w/0nKZR7ljrrfEErA7kywKcNNwtvt6RJvX2knZDF
OT/tZ/8bAbSERU+ajTKgh8P20EK4HQnGlF+hcSSv3OBx/kv9H8Ufcjp1offvm2kL
Tlgd4AJPAgMBAAECggEACDtQG+BKnVMtsgZ+u5q2kJv0r1585qBFZ7Uwf26CpjD1
JpJvOJj0BtXVI6ljTaR2aHuvnBNV2Q84e7hUCSpAMqakauJ6+zZetBr/KEVgC8YE
CgSLoSFdKYxdslUntAhbauDcAxZu34sghyLxgbj04yP9xniqc2NYaGYgyyzEqNsY
1vcI6tUL2jTySZAUHyB+Lm/ym0qRJor7gqcjB/sVRZDK6UH4HShiRoteZW1EbnPV
tPPjGlRsKUya0vQ76j4LhniByERK58nibqzzkqqlzxtyA+sCE0Dd7Y/b6flIACCT
h+7OdWCCu2MpY+vBX038NbGKfU2q2AW8acDdIHFIyQKBgQD2qyTeBf1gC4f1Rthz
wtp4i2I7KFbj3H4hj9ExKPtxlTJHVQ7DTCjVY8km9QZf2hTkLvPjGRAUbe0ORo65
Bx+BCYWgeIvFldF13ydTPnhrXWFeFvBhh9g7fNjQDjvryHbQwJUSA5ikK9teHszV
sxygd1tUYZ4bSaP+oQo7Zx66uwKBgQDMaeJYpF1yWZJFOWO/7vDj2O2Atn/M13w6
BjVp0v42d4bTpCx9FWhZMw9mmalAnDh4hU/O+CIa0cQgcvc/A2KdUwg2ZxrN09c0
7EvZdx3kJLG16gL2RgZDRelS4mR88Cf72ZHpr4NwWxQJL9mT6W4E0K0sSObH1aw6
s8wFaZuvfQKBgDzHJqpeJ3RG4xUYg7TiShpxnZ6d7ervJVT3rr/CLVJrRJw25RBR
763EjIfAz/VGMueWehl2z3N5MnPWBsyoaKbOxdIoYagppha5CWOFfP5XX+pjFI+z
fSALPxDksPcDyeLd0N1DbZTmCYNDa40sON2BC0vbUa2/k1zmKTNB0VyJAoGBAMVP
v6iIn5rtUv928g4meme00SxY/OuhZMwtigloHPI+VeqcokTrERpo6wjCcllncisD
o5HIekMhEAuybW5puhraNycsRvc+8JCpNl3nWPcLZG6QP+OwnAL7zMiwtwbSWgYE
cY/8VwdxItnrUj4wKH6FX2NLy1hBrEnNm7XtxtWRAoGBAKGqzv2lVlAvnDIf9B4x
ZpeyIGgXuBseWIySGCBVmFPCOgc1INJbguMFjDQCdLb3Oq4GlvX/rphdyXbxgkKc
sgICSECDFz+Fu3cC8xqgOCrsMayyHt73gV3LkykQ6/Wu32LnHaoapM7wNzD3Sr7N
aCn5jjCQo/edq0jgKIeMNbgo
-----END PRIVATE KEY-----
";

/// The same key as PKCS#1 PEM (`openssl rsa -traditional`).
const MERCHANT_KEY_PKCS1: &str = "\
-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEAxPZnq4uWuQp4TubtyJ34pXs2zPwBmXw3s/mp4i98105a/Z/m
HP2I5/dmHBa1av7KKMJqVzKOqgTRQxcQHz535/bwuJVYG8q3m/b1XrrFsR8bM43A
yZpWcltWhSxmLK6KcX368q0X1NG92gD+qQcRHPZ1b1uWk6fAC9OfStMHKWOXWK9Y
fL2Vqp8WkIhAtI/yNZdU/PNU7k/5+YhmADEayqZFIYDq32rO99Q/fsP9JymUe5Y6
63xBKwO5MsCnDTcLb7ekSb19pJ2QxTk/7Wf/GwG0hEVPmo0yoIfD9tBCuB0JxpRf
oXEkr9zgcf5L/R/FH3I6daH375tpC05YHeACTwIDAQABAoIBAAg7UBvgSp1TLbIG
fruatpCb9K9efOagRWe1MH9ugqYw9SaSbziY9AbV1SOpY02kdmh7r5wTVdkPOHu4
VAkqQDKmpGrievs2XrQa/yhFYAvGBAoEi6EhXSmMXbJVJ7QIW2rg3AMWbt+LIIci
8YG49OMj/cZ4qnNjWGhmIMssxKjbGNb3COrVC9o08kmQFB8gfi5v8ptKkSaK+4Kn
Iwf7FUWQyulB+B0oYkaLXmVtRG5z1bTz4xpUbClMmtL0O+o+C4Z4gchESufJ4m6s
85Kqpc8bcgPrAhNA3e2P2+n5SAAgk4fuznVggrtjKWPrwV9N/DWxin1NqtgFvGnA
3SBxSMkCgYEA9qsk3gX9YAuH9UbYc8LaeItiOyhW49x+IY/RMSj7cZUyR1UOw0wo
1WPJJvUGX9oU5C7z4xkQFG3tDkaOuQcfgQmFoHiLxZXRdd8nUz54a11hXhbwYYfY
O3zY0A4768h20MCVEgOYpCvbXh7M1bMcoHdbVGGeG0mj/qEKO2ceursCgYEAzGni
WKRdclmSRTljv+7w49jtgLZ/zNd8OgY1adL+NneG06QsfRVoWTMPZpmpQJw4eIVP
zvgiGtHEIHL3PwNinVMINmcazdPXNOxL2Xcd5CSxteoC9kYGQ0XpUuJkfPAn+9mR
6a+DcFsUCS/Zk+luBNCtLEjmx9WsOrPMBWmbr30CgYA8xyaqXid0RuMVGIO04koa
cZ2ene3q7yVU966/wi1Sa0ScNuUQUe+txIyHwM/1RjLnlnoZds9zeTJz1gbMqGim
zsXSKGGoKaYWuQljhXz+V1/qYxSPs30gCz8Q5LD3A8ni3dDdQ22U5gmDQ2uNLDjd
gQtL21Gtv5Nc5ikzQdFciQKBgQDFT7+oiJ+a7VL/dvIOJnpntNEsWPzroWTMLYoJ
aBzyPlXqnKJE6xEaaOsIwnJZZ3IrA6ORyHpDIRALsm1uaboa2jcnLEb3PvCQqTZd
51j3C2RukD/jsJwC+8zIsLcG0loGBHGP/FcHcSLZ61I+MCh+hV9jS8tYQaxJzZu1
7cbVkQKBgQChqs79pVZQL5wyH/QeMWaXsiBoF7gbHliMkhggVZhTwjoHNSDSW4Lj
BYw0AnS29zquBpb1/66YXcl28YJCnLICAkhAgxc/hbt3AvMaoDgq7DGssh7e94Fd
y5MpEOv1rt9i5x2qGqTO8Dcw90q+zWgp+Y4wkKP3natI4CiHjDW4KA==
-----END RSA PRIVATE KEY-----
";

/// Its public key, SPKI PEM (`openssl pkey -pubout`).
const MERCHANT_PUBLIC_SPKI: &str = "\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxPZnq4uWuQp4TubtyJ34
pXs2zPwBmXw3s/mp4i98105a/Z/mHP2I5/dmHBa1av7KKMJqVzKOqgTRQxcQHz53
5/bwuJVYG8q3m/b1XrrFsR8bM43AyZpWcltWhSxmLK6KcX368q0X1NG92gD+qQcR
HPZ1b1uWk6fAC9OfStMHKWOXWK9YfL2Vqp8WkIhAtI/yNZdU/PNU7k/5+YhmADEa
yqZFIYDq32rO99Q/fsP9JymUe5Y663xBKwO5MsCnDTcLb7ekSb19pJ2QxTk/7Wf/
GwG0hEVPmo0yoIfD9tBCuB0JxpRfoXEkr9zgcf5L/R/FH3I6daH375tpC05YHeAC
TwIDAQAB
-----END PUBLIC KEY-----
";

/// Its public key, PKCS#1 PEM (`openssl rsa -RSAPublicKey_out`).
const MERCHANT_PUBLIC_PKCS1: &str = "\
-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAxPZnq4uWuQp4TubtyJ34pXs2zPwBmXw3s/mp4i98105a/Z/mHP2I
5/dmHBa1av7KKMJqVzKOqgTRQxcQHz535/bwuJVYG8q3m/b1XrrFsR8bM43AyZpW
cltWhSxmLK6KcX368q0X1NG92gD+qQcRHPZ1b1uWk6fAC9OfStMHKWOXWK9YfL2V
qp8WkIhAtI/yNZdU/PNU7k/5+YhmADEayqZFIYDq32rO99Q/fsP9JymUe5Y663xB
KwO5MsCnDTcLb7ekSb19pJ2QxTk/7Wf/GwG0hEVPmo0yoIfD9tBCuB0JxpRfoXEk
r9zgcf5L/R/FH3I6daH375tpC05YHeACTwIDAQAB
-----END RSA PUBLIC KEY-----
";

/// Self-signed certificate of the merchant key, serial 0xDFBA8194C41B84CF (high bit set).
const MERCHANT_CERT: &str = "\
-----BEGIN CERTIFICATE-----
MIIDFDCCAfygAwIBAgIJAN+6gZTEG4TPMA0GCSqGSIb3DQEBCwUAMB8xHTAbBgNV
BAMMFGFnZ3BheS10ZXN0LW1lcmNoYW50MB4XDTI2MTEyMjAxNTY1MVoXDTM2MTEx
OTAxNTY1MVowHzEdMBsGA1UEAwwUYWdncGF5LXRlc3QtbWVyY2hhbnQwggEiMA0G
CSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDE9meri5a5CnhO5u3InfilezbM/AGZ
fDez+aniL3zXTlr9n+Yc/Yjn92YcFrVq/soowmpXMo6qBNFDFxAfPnfn9vC4lVgb
yreb9vVeusWxHxszjcDJmlZyW1aFLGYsropxffryrRfU0b3aAP6pBxEc9nVvW5aT
p8AL059K0wcpY5dYr1h8vZWqnxaQiEC0j/I1l1T881TuT/n5iGYAMRrKpkUhgOrf
as731D9+w/0nKZR7ljrrfEErA7kywKcNNwtvt6RJvX2knZDFOT/tZ/8bAbSERU+a
jTKgh8P20EK4HQnGlF+hcSSv3OBx/kv9H8Ufcjp1offvm2kLTlgd4AJPAgMBAAGj
UzBRMB0GA1UdDgQWBBRFdVbny8Z6qUOYlNkJelHlobOptjAfBgNVHSMEGDAWgBRF
dVbny8Z6qUOYlNkJelHlobOptjAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEB
CwUAA4IBAQAyPE2Y8alViZ11dVHpd+2Gkz6nGvytkR/Xf5CDl3mU1bVDXMHFTJlX
yHJTiRtqQ2N7s0YebdDVvABaFsXhNqkhP+F5HZzyRRzFjCzZrCJL/K8Zj9QycYA/
ws07a8obey4oZbRc/bx7hp/RzPQhImA5fr6yQYfv4K7Bd9bJnhdf+WOztQdcUt26
XeSveA4jxTdC9dwEyyMoII0gsjxdJjWJYEZNgCdQc3zArhqee1srgftxOWAPTrtV
fMzOflxZB+d8GNR9r6b48aqbjAMmfUJdgrm0Y07/wdHbqnF3uqbKqK5hH9Lcvy5E
qZWMpidmXO00a99QVX6+rWIY8lByUR3Y
-----END CERTIFICATE-----
";

/// Certificate of the platform key, serial 0x1A2B3C4D5E6F7081 (high bit clear).
const PLATFORM_CERT: &str = "\
-----BEGIN CERTIFICATE-----
MIIDEzCCAfugAwIBAgIIGis8TV5vcIEwDQYJKoZIhvcNAQELBQAwHzEdMBsGA1UE
AwwUYWdncGF5LXRlc3QtcGxhdGZvcm0wHhcNMjYxMTIyMDE1NjUxWhcNMzYxMTE5
MDE1NjUxWjAfMR0wGwYDVQQDDBRhZ2dwYXktdGVzdC1wbGF0Zm9ybTCCASIwDQYJ
KoZIhvcNAQEBBQADggEPADCCAQoCggEBAM5Hz9fEIq2Gb1md66S3KvQgc0IeJgHx
gBhtC9Gqtepc1Q7JbP/mmbgSkYxG3dj/DcYPRuWvvvVpwLuZXgnyD8wbec7KxeU4
sR7z1EkRPyqA3TVzS/yQ3J5nroaUfJhzfRkpoCPld3INZITRDwLFYFGSWrlVjQCs
lL+ZFZvHJzpBnNBdAfsRLTe78k1n6/z4BsdThnHJM3G4bSaa9Hi5rIZCWac6do3F
82VIL9EhhVPPSfvgagovkI0ZTICnDBLgi1egTqfn9Pw2uxNvi+Fu6Bd7qTsR58T4
afAayxrNTyfu2yN3oa9bJhdtPc2x/u/+B1JOCyWjTi42Foo6UyEG/JUCAwEAAaNT
MFEwHQYDVR0OBBYEFFgtkHQXI8ibBn0PZfagYiDIZRdoMB8GA1UdIwQYMBaAFFgt
kHQXI8ibBn0PZfagYiDIZRdoMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQEL
BQADggEBAB10jYKhzK8iRbcdkd1uoj0NDdEixw6ShAdCKyAoqM4Ow5s0s9LpWLv5
VYEJzAIH141Pw9rPp3//GF/yE0JUFM89zn7pMzZBrpsgsM1kwnCAlZLlhqiJKTba
LPeJv4UZZZ6T3mNEhmTJO/B8PwEhsycCcvECCV0A7kLhql1OL7bAjqwVkUyYNcdQ
zjQ03/vKfyPH+iCUcYYlhmQ2NT3MCLvelvb8OfMCHZLAt7idDnMWEQ2KjNzp7OLM
jlxYtneU2Dug4nirxU8GMMT8avVzkz6yffXpLnQSH/VPdyC+Te/+VNpIRCgtzbpK
vKkeGA0p3Jkqfhb0+0eartE96oduyH8=
-----END CERTIFICATE-----
";

/// A P-256 EC private key, PKCS#8 PEM (`openssl genpkey -algorithm EC`): not RSA.
const EC_KEY_PKCS8: &str = "\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgruGrAuuhE47vDvOu
ZI+WKtcVnOv2QueOmPRfWvwonyChRANCAAScDTC4b4Bp/rJuOxJdg3t2dfqkVWnr
NX5g4Vz020DAN9zgkBsmlVxNlvYIjkXfwicYMDZVIoAiohnZAwKFH75u
-----END PRIVATE KEY-----
";

/// The same EC key as SEC1 PEM ("EC PRIVATE KEY", `openssl ec`).
const EC_KEY_SEC1: &str = "\
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIK7hqwLroROO7w7zrmSPlirXFZzr9kLnjpj0X1r8KJ8goAoGCCqGSM49
AwEHoUQDQgAEnA0wuG+Aaf6ybjsSXYN7dnX6pFVp6zV+YOFc9NtAwDfc4JAbJpVc
TZb2CI5F38InGDA2VSKAIqIZ2QMChR++bg==
-----END EC PRIVATE KEY-----
";

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
