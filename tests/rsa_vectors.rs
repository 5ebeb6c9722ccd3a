//! Lakala and Tingyihui (the RSA providers) end to end through the public API: the known-answer
//! string-to-sign vectors, then built requests whose `to_sign` bytes are exactly what the protocol
//! says, whose completed signature verifies with the merchant's public key and equals OpenSSL's, and
//! whose body is byte-identical before and after `complete` (bytes signed = bytes sent).
//!
//! Every vector is copied into this file (the tests never read the shared spec directory). The keys
//! were generated once with `openssl`; the expected signatures were computed with
//! `openssl dgst -sha256 -sign merchant.key` over the messages spelled out below.

mod common;
use common::*;

use aggpay::crypto::{base64_decode, base64_encode, load_certificate, load_public_key};
use aggpay::http::HttpRequest;
use aggpay::providers::{complete, create, lakala, tingyihui, Ctx, Gateway, Input, Prepared, SIGNATURE_SLOT};
use aggpay::{Client, ErrorCode, Operation};
use serde_json::{json, Value};
use std::collections::BTreeMap;

// ---------------------------------------------------------------- vectors (from the signing vectors file)

/// Lakala, kind "request-string-to-sign".
const LKL_APPID: &str = "OP00000003";
const LKL_SERIAL: &str = "00dfba8194c41b84cf";
const LKL_TIMESTAMP: &str = "1630910000";
const LKL_NONCE: &str = "a1b2c3d4e5f6";
const LKL_BODY: &str = r#"{"req_time":"20210907173330","version":"3.0","out_org_code":"OP00000003","req_data":{"merchant_no":"82229007392000A","term_no":"D9296400","out_trade_no":"FD660E1FAA3A4470933CDEDAE1EC1D8E"}}"#;
const LKL_EXPECTED: &str = "OP00000003\n00dfba8194c41b84cf\n1630910000\na1b2c3d4e5f6\n{\"req_time\":\"20210907173330\",\"version\":\"3.0\",\"out_org_code\":\"OP00000003\",\"req_data\":{\"merchant_no\":\"82229007392000A\",\"term_no\":\"D9296400\",\"out_trade_no\":\"FD660E1FAA3A4470933CDEDAE1EC1D8E\"}}\n";

/// Tingyihui, kind "request-string-to-sign".
const TYH_ACCESS_ID: &str = "16373180971704771";
const TYH_BUSINESS: &str = r#"{"ownerTradeNo":"test_trade_2021125"}"#;
const TYH_TIME_STAMP: i64 = 1_637_800_000_000;
const TYH_EXPECTED_DATA: &str = "eyJvd25lclRyYWRlTm8iOiJ0ZXN0X3RyYWRlXzIwMjExMjUifQ==";
const TYH_EXPECTED: &str = "16373180971704771eyJvd25lclRyYWRlTm8iOiJ0ZXN0X3RyYWRlXzIwMjExMjUifQ==RSA21637800000000";

// ---------------------------------------------------------------- key material (generated with openssl)

/// Certificate of the other key (same subject and serial as the platform certificate).
const OTHER_CERT: &str = "\
-----BEGIN CERTIFICATE-----
MIIDEzCCAfugAwIBAgIIGis8TV5vcIEwDQYJKoZIhvcNAQELBQAwHzEdMBsGA1UE
AwwUYWdncGF5LXRlc3QtcGxhdGZvcm0wHhcNMjYxMTIyMDE1NjUxWhcNMzYxMTE5
MDE1NjUxWjAfMR0wGwYDVQQDDBRhZ2dwYXktdGVzdC1wbGF0Zm9ybTCCASIwDQYJ
KoZIhvcNAQEBBQADggEPADCCAQoCggEBAMDfWdw+xHxz7TzlxZQ7ZYLJiVEVvvVT
gVVUuF8aeVRwNEdkfmK0xn6OLiTrXYwc/pLfenvBJouR5fpniDr3L8YBezOl2n4C
49GwjZT5Ovx36mXU/g6f5aZ2ugfEs0XBKFe0xwTes9NfKOtLh1lmD6GMwy0GfCNT
Dck4M9q6owiP5tel7c9aA94Y8fZ0g/Ky2bBsMlYHr8cM2MrTuYiDKk0TLgDN0NKQ
vUg3CpHNvMKt79Xn2A6XzpFPu95NLp6n/heqJXKZikE7vL7fR2lKU+aGv+DzfMc8
huTyfQZJ8MiyTEhbOkd8jTdd6usHfO46WooR5AAKwCMx/1xwSMsvQ7UCAwEAAaNT
MFEwHQYDVR0OBBYEFL1jPxutiE5Z6YUwuMFz4gS5wmsDMB8GA1UdIwQYMBaAFL1j
PxutiE5Z6YUwuMFz4gS5wmsDMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQEL
BQADggEBAL978zu7v4l91bxhPQXCB6Znz0JkDiuNIFd334juUqO0IRYdYBpTxjXI
b70KW2r/G5u8m/siSrlORxF4H7WNznfyicYJMWj2mK5jP01p0wJUUkg+O609Kb8n
I+rAItmNYr2B5fNLcgDBPjh7cqtd67P3NE5rU8bzo6ileGZXRQOj3iPIKNnlK98G
IbptQ08j2kFxiCVeLYsGfDqy7yj/mubj/LKOHI4uOdOspxfUBX8ajA8RGKPd9VbV
YnY3Wd3/sxL/2I8jGPxBDleuyp6pXfRbeEXxZn72n2vEPM/4mu3D6bG/Bx1K/PNn
VeK8X0w4rPexlxAaskUUyV47+Or2TEY=
-----END CERTIFICATE-----
";

/// The body `build(query, {merchantOrderNo: FD66…}, {now_ms: 1630910000123, nonce: a1b2c3d4e5f6})` returns
/// for the Lakala gateway below (serde_json writes keys in sorted order; Beijing 2021-09-06 14:33:20).
const LKL_BUILT_BODY: &str = r#"{"out_org_code":"OP00000003","req_data":{"merchant_no":"82229007392000A","out_trade_no":"FD660E1FAA3A4470933CDEDAE1EC1D8E","term_no":"D9296400"},"req_time":"20210906143320","version":"3.0"}"#;
/// `printf 'OP00000003\n00dfba8194c41b84cf\n1630910000\na1b2c3d4e5f6\n%s\n' "$LKL_BUILT_BODY" | openssl dgst -sha256 -sign merchant.key | base64 -w0`
const LAKALA_MSG_SIG: &str = "o8U20u9Cnla5zd93GBEkCUca8GUQYYr674LrSUsoGEBEbhaIpbVUube5Q4EgAbnaKAkPjgDwTSAXWyyJxV7/pwMB/8vqC2EgGi2lFdm/laL4IIS4NhYQqTWL+g4UQSn+8JIxFJmnUrfJ7MpX1LThSU8NuwkUCxJTr05s+ZT5hBIllELt23cVGZhYBSYsTwF98gSCGblmgLL1WDPPoR4wotiVyn7R5Jv1oka3z+Z+qzCvnl80cQm/w9JxQHU4VUwXvLK7v6X40hjr6My5kAavlCxGyjahlEQ0Ul5TlJjLKCD7DH+2E5UWzWlzb08nv+9jjp6IOMlGg1abyrsszqF8Mg==";
/// `printf '%s' "$TYH_EXPECTED" | openssl dgst -sha256 -sign merchant.key | base64 -w0`
const TYH_MSG_SIG: &str = "mSmOqSCa7AzM9SJ5Kxsc9bc3AZPl0/k/YoEXlayNEKrGID6EBqqYTlddiJnRjvYwwbMKs+7hJ5OPDPAhvI+mBZ+4rikKXbc77MQ+MV+f9f0nIVyplN4PEP9e9DL0P0ArWP1XFBQjYzw15PSgl4ak0rWg35UueW+Rc+6Mhxd3q+FlfgwiLdlwVmp9cbIOa01VsHCotvVYCrBopAJrcbgxHhOnEpndnhO3hTlszmIp27Bxm/cyqjHQPgZJEkMOl3+e0bDXGZgrVuZEvMoM5VuELrgGJis04wEna+03gu4145lqq+BUpwmwrRdSaYd8b/WoLH5FEKPFMZBYGYnnQd4cxQ==";

// ---------------------------------------------------------------- helpers

fn input(v: Value) -> Input {
    aggpay::providers::read(&v).expect("test input must deserialize")
}

fn lakala_config() -> Value {
    json!({"provider": "lakala", "credentials": {
        "appId": LKL_APPID, "merchantCertificate": MERCHANT_CERT, "privateKey": MERCHANT_KEY,
        "platformCertificate": PLATFORM_CERT, "merchantNo": "82229007392000A", "termNo": "D9296400"}})
}

fn lakala_gateway() -> Box<dyn Gateway> {
    create(&lakala_config().to_string()).expect("lakala config")
}

fn tingyihui_config(private_key: &str) -> Value {
    json!({"provider": "tingyihui", "credentials": {"accessId": TYH_ACCESS_ID, "privateKey": private_key, "merchantCode": "2163737276721967"}})
}

fn tingyihui_gateway() -> Box<dyn Gateway> {
    create(&tingyihui_config(&bare(MERCHANT_KEY)).to_string()).expect("tingyihui config")
}

/// The PEM body as one line of Base64 (how Tingyihui hands out its `secretKey`).
fn bare(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// `LKLAPI-SHA256withRSA k="v",…` → pairs, and the order of the keys as written.
fn lakala_auth(value: &str) -> (BTreeMap<String, String>, Vec<String>) {
    let rest = value
        .strip_prefix("LKLAPI-SHA256withRSA ")
        .expect("scheme and one space");
    let mut pairs = BTreeMap::new();
    let mut order = Vec::new();
    for part in rest.split(',') {
        let (k, v) = part.split_once('=').expect("k=v");
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .expect("quoted value");
        order.push(k.to_string());
        pairs.insert(k.to_string(), v.to_string());
    }
    (pairs, order)
}

/// Checks a prepared Lakala request, completes it with `signature` and returns the completed request.
fn check_lakala(p: &Prepared, ctx: &Ctx, signature: &[u8]) -> HttpRequest {
    let req = &p.request;
    assert_eq!(req.method, "POST");
    assert_eq!(
        req.headers.get("content-type").map(String::as_str),
        Some("application/json")
    );
    let auth = req.headers.get("authorization").expect("authorization header");
    let (pairs, order) = lakala_auth(auth);
    assert_eq!(order, ["appid", "serial_no", "timestamp", "nonce_str", "signature"]);
    assert_eq!(pairs["appid"], LKL_APPID);
    assert_eq!(
        pairs["serial_no"], LKL_SERIAL,
        "derived from the merchant certificate, leading 00 kept"
    );
    assert_eq!(pairs["timestamp"], ctx.now_ms.div_euclid(1000).to_string(), "seconds");
    assert_eq!(pairs["nonce_str"], ctx.nonce);
    assert_eq!(pairs["signature"], SIGNATURE_SLOT);
    // The bytes to sign are the five header lines over the exact body.
    let to_sign = p.to_sign.as_deref().expect("RSA: bytes to sign");
    let expected = lakala::request_message(
        &pairs["appid"],
        &pairs["serial_no"],
        &pairs["timestamp"],
        &pairs["nonce_str"],
        req.body.as_bytes(),
    );
    assert_eq!(to_sign, expected.as_slice());
    assert_eq!(
        to_sign,
        format!(
            "{LKL_APPID}\n{LKL_SERIAL}\n{}\n{}\n{}\n",
            pairs["timestamp"], ctx.nonce, req.body
        )
        .as_bytes()
    );
    // The body is the envelope.
    let body: Value = serde_json::from_str(&req.body).expect("JSON body");
    assert_eq!(body["version"], "3.0");
    assert_eq!(body["out_org_code"], LKL_APPID);
    assert_eq!(body["req_time"].as_str().map(str::len), Some(14));
    assert_eq!(body["req_data"]["merchant_no"], "82229007392000A");
    assert_eq!(body["req_data"]["term_no"], "D9296400");
    assert!(!req.body.contains(SIGNATURE_SLOT));

    let done = complete(req.clone(), signature);
    assert_eq!(done.body, req.body, "bytes signed = bytes sent");
    assert_eq!((&done.method, &done.url), (&req.method, &req.url));
    assert!(done.headers.values().all(|v| !v.contains(SIGNATURE_SLOT)));
    let (done_pairs, _) = lakala_auth(&done.headers["authorization"]);
    assert_eq!(done_pairs["signature"], base64_encode(signature));
    for k in ["appid", "serial_no", "timestamp", "nonce_str"] {
        assert_eq!(done_pairs[k], pairs[k], "{k} unchanged by complete");
    }
    // The sent signature verifies over the sent bytes with the merchant certificate's key.
    let cert = load_certificate("c", MERCHANT_CERT).unwrap();
    let sent_sig = base64_decode(&done_pairs["signature"]).unwrap();
    let sent_message = lakala::request_message(
        &done_pairs["appid"],
        &done_pairs["serial_no"],
        &done_pairs["timestamp"],
        &done_pairs["nonce_str"],
        done.body.as_bytes(),
    );
    assert!(
        cert.public_key.verify_sha256(&sent_message, &sent_sig),
        "signature does not verify over what is sent"
    );
    done
}

// ---------------------------------------------------------------- 1. known-answer vectors

#[test]
fn lakala_string_to_sign_vector() {
    let m = lakala::request_message(LKL_APPID, LKL_SERIAL, LKL_TIMESTAMP, LKL_NONCE, LKL_BODY.as_bytes());
    assert_eq!(String::from_utf8(m.clone()).unwrap(), LKL_EXPECTED);
    assert!(m.ends_with(b"}\n"), "trailing newline after the body");
    assert_eq!(m.iter().filter(|&&b| b == b'\n').count(), 5);
}

#[test]
fn lakala_notification_message_shape() {
    assert_eq!(
        lakala::notification_message("1630910000", "abcdefghij", b"{}"),
        b"1630910000\nabcdefghij\n{}\n"
    );
}

#[test]
fn tingyihui_string_to_sign_vector() {
    let data = base64_encode(TYH_BUSINESS.as_bytes());
    assert_eq!(data, TYH_EXPECTED_DATA);
    assert_eq!(
        tingyihui::string_to_sign(TYH_ACCESS_ID, &data, "RSA2", TYH_TIME_STAMP),
        TYH_EXPECTED
    );
    assert_eq!(base64_decode(TYH_EXPECTED_DATA).unwrap(), TYH_BUSINESS.as_bytes());
}

// ---------------------------------------------------------------- 2. Lakala built requests

#[test]
fn lakala_built_query_signs_exactly_and_equals_openssl() {
    let gw = lakala_gateway();
    let ctx = Ctx {
        now_ms: 1_630_910_000_123,
        nonce: LKL_NONCE.into(),
        verifier: Default::default(),
    };
    let p = gw
        .build(
            Operation::Query,
            &input(json!({"merchantOrderNo": "FD660E1FAA3A4470933CDEDAE1EC1D8E"})),
            &ctx,
        )
        .unwrap();
    assert_eq!(p.request.url, "https://s2.lakala.com/api/v3/labs/query/tradequery");
    assert_eq!(p.request.body, LKL_BUILT_BODY);
    let openssl = base64_decode(LAKALA_MSG_SIG).unwrap();
    let done = check_lakala(&p, &ctx, &openssl);
    assert_eq!(
        done.headers["authorization"],
        format!("LKLAPI-SHA256withRSA appid=\"OP00000003\",serial_no=\"00dfba8194c41b84cf\",timestamp=\"1630910000\",nonce_str=\"a1b2c3d4e5f6\",signature=\"{LAKALA_MSG_SIG}\"")
    );
    // The crate's own signer gives the same bytes (PKCS#1 v1.5 is deterministic).
    let ours = gw
        .private_key()
        .expect("lakala signs with RSA")
        .sign_sha256(p.to_sign.as_deref().unwrap())
        .unwrap();
    assert_eq!(ours, openssl);
    // And the merchant public key (SPKI) verifies it; the platform's or another key does not.
    let to_sign = p.to_sign.as_deref().unwrap();
    assert!(load_public_key("k", MERCHANT_PUBLIC_SPKI)
        .unwrap()
        .verify_sha256(to_sign, &openssl));
    assert!(!load_public_key("k", PLATFORM_CERT)
        .unwrap()
        .verify_sha256(to_sign, &openssl));
    assert!(!load_public_key("k", OTHER_CERT)
        .unwrap()
        .verify_sha256(to_sign, &openssl));
}

#[test]
fn lakala_every_operation_signs_the_exact_body() {
    let gw = lakala_gateway();
    let key = gw.private_key().unwrap();
    let cases: Vec<(Operation, Value, &str)> = vec![
        (
            Operation::Pay,
            json!({"merchantOrderNo": "P1", "amount": 980, "authCode": "134567890123456789", "clientIp": "10.0.0.1",
                                "subject": "咖啡 \"latte\" \\ 1", "notifyUrl": "https://shop.example/n"}),
            "/api/v3/labs/trans/micropay",
        ),
        (
            Operation::Precreate,
            json!({"merchantOrderNo": "P2", "amount": 1, "kind": "JSAPI", "channel": "WECHAT", "clientIp": "::1",
                   "payerId": "oUpF8u", "subAppId": "wx8888888888888888", "subject": "s"}),
            "/api/v3/labs/trans/preorder",
        ),
        (
            Operation::Query,
            json!({"providerOrderNo": "2021090766210003630077"}),
            "/api/v3/labs/query/tradequery",
        ),
        (
            Operation::RefundQuery,
            json!({"refundNo": "R1"}),
            "/api/v3/rfd/refund_front/refund_query",
        ),
        (
            Operation::Refund,
            json!({"merchantOrderNo": "P1", "refundNo": "R1", "amount": 300, "clientIp": "10.0.0.1"}),
            "/api/v3/rfd/refund_front/refund",
        ),
        (
            Operation::Close,
            json!({"merchantOrderNo": "P2", "clientIp": "10.0.0.1"}),
            "/api/v3/labs/relation/close",
        ),
        (
            Operation::Revoke,
            json!({"providerOrderNo": "2021090766210003630077", "clientIp": "10.0.0.1"}),
            "/api/v3/labs/relation/revoked",
        ),
        (
            Operation::Cancel,
            json!({"merchantOrderNo": "P1", "clientIp": "10.0.0.1"}),
            "/api/v3/labs/relation/revoked",
        ),
    ];
    for (i, (op, inp, path)) in cases.into_iter().enumerate() {
        // A different clock and nonce per request; ms that are not a whole second are floored.
        let ctx = Ctx {
            now_ms: 1_704_067_200_999 + i as i64 * 1_001,
            nonce: format!("n{i}abcdefghijKLMNOP0123456789abcd"),
            verifier: Default::default(),
        };
        let p = gw
            .build(op, &input(inp), &ctx)
            .unwrap_or_else(|e| panic!("{op:?}: {e}"));
        assert_eq!(p.request.url, format!("https://s2.lakala.com{path}"), "{op:?}");
        let sig = key.sign_sha256(p.to_sign.as_deref().unwrap()).unwrap();
        check_lakala(&p, &ctx, &sig);
        let body: Value = serde_json::from_str(&p.request.body).unwrap();
        assert_eq!(body["req_time"], aggpay::time::beijing_compact(ctx.now_ms), "{op:?}");
    }
}

#[test]
fn lakala_serial_given_directly_is_used_as_lowercase_hex() {
    let mut cfg = lakala_config();
    cfg["credentials"]
        .as_object_mut()
        .unwrap()
        .remove("merchantCertificate");
    cfg["credentials"]["serialNo"] = json!("00DFBA8194C41B84CF");
    let gw = create(&cfg.to_string()).unwrap();
    let ctx = Ctx {
        now_ms: 1_630_910_000_000,
        nonce: LKL_NONCE.into(),
        verifier: Default::default(),
    };
    let p = gw
        .build(
            Operation::Query,
            &input(json!({"merchantOrderNo": "FD660E1FAA3A4470933CDEDAE1EC1D8E"})),
            &ctx,
        )
        .unwrap();
    check_lakala(&p, &ctx, &base64_decode(LAKALA_MSG_SIG).unwrap());
}

/// The JSON client: `toSign` is the Base64 of the same bytes, `complete` fills the header, and the
/// Rust fallback signer gives OpenSSL's bytes.
#[test]
fn lakala_through_the_json_client() {
    let client = Client::new(&lakala_config().to_string()).unwrap();
    let out: Value = serde_json::from_str(
        &client
            .build(
                "query",
                r#"{"merchantOrderNo":"FD660E1FAA3A4470933CDEDAE1EC1D8E"}"#,
                1_630_910_000_123,
                LKL_NONCE.into(),
            )
            .unwrap(),
    )
    .unwrap();
    let to_sign = base64_decode(out["toSign"].as_str().unwrap()).unwrap();
    assert_eq!(out["request"]["body"], LKL_BUILT_BODY);
    let expected_msg = format!("{LKL_APPID}\n{LKL_SERIAL}\n1630910000\n{LKL_NONCE}\n{LKL_BUILT_BODY}\n");
    assert_eq!(to_sign, expected_msg.as_bytes());
    let sig = client.sign_wasm(&to_sign).unwrap();
    assert_eq!(base64_encode(&sig), LAKALA_MSG_SIG);
    let done: Value = serde_json::from_str(&client.complete(&out["request"].to_string(), &sig).unwrap()).unwrap();
    assert_eq!(done["body"], LKL_BUILT_BODY);
    assert!(done["headers"]["authorization"]
        .as_str()
        .unwrap()
        .ends_with(&format!("signature=\"{LAKALA_MSG_SIG}\"")));
    assert_eq!(
        client.private_key_pkcs8().unwrap(),
        base64_decode(&bare(MERCHANT_KEY)).unwrap()
    );
}

#[test]
fn lakala_nonce_must_be_alphanumeric() {
    let gw = lakala_gateway();
    let inp = input(json!({"merchantOrderNo": "x"}));
    // The Lakala spec allows nonces of 12 (PHP SDK) or 32 (Java SDK) characters; both build.
    for ok in ["a1b2c3d4e5f6", "0123456789abcdef0123456789ABCDEF", "abcdefghij"] {
        assert!(
            gw.build(
                Operation::Query,
                &inp,
                &Ctx {
                    now_ms: 1,
                    nonce: ok.into(),
                    verifier: Default::default(),
                }
            )
            .is_ok(),
            "{ok}"
        );
    }
    for bad in ["", "has space", "quote\"", "comma,x", &"a".repeat(65)] {
        let e = gw
            .build(
                Operation::Query,
                &inp,
                &Ctx {
                    now_ms: 1,
                    nonce: bad.into(),
                    verifier: Default::default(),
                },
            )
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("nonce"), "{bad:?}: {e}");
    }
}

/// Input text equal to the signature placeholder must not be touched by `complete`: for Lakala the
/// signature goes in the header, yet `complete` also replaces the first placeholder in the body.
#[test]
fn lakala_placeholder_in_input_does_not_change_the_signed_body() {
    let gw = lakala_gateway();
    let ctx = Ctx {
        now_ms: 1_704_067_200_000,
        nonce: "abc123".into(),
        verifier: Default::default(),
    };
    for field in ["subject", "authCode"] {
        let mut inp =
            json!({"merchantOrderNo": "P1", "amount": 980, "authCode": "134567890123456789", "clientIp": "10.0.0.1"});
        inp[field] = json!(SIGNATURE_SLOT);
        let p = gw.build(Operation::Pay, &input(inp), &ctx).unwrap();
        let sig = gw
            .private_key()
            .unwrap()
            .sign_sha256(p.to_sign.as_deref().unwrap())
            .unwrap();
        let done = complete(p.request.clone(), &sig);
        assert_eq!(done.body, p.request.body, "{field}: the body changed after signing");
    }
}

// ---------------------------------------------------------------- 3. Tingyihui built requests

#[test]
fn tingyihui_built_query_reproduces_the_vector_and_openssl() {
    let gw = tingyihui_gateway();
    let ctx = Ctx {
        now_ms: TYH_TIME_STAMP,
        nonce: String::new(),
        verifier: Default::default(),
    };
    let p = gw
        .build(
            Operation::Query,
            &input(json!({"merchantOrderNo": "test_trade_2021125"})),
            &ctx,
        )
        .unwrap();
    assert_eq!(p.request.method, "POST");
    assert_eq!(p.request.url, "https://os.hfcsbc.com/os-base/query/trade/v1/open");
    assert_eq!(
        p.request.headers.get("content-type").map(String::as_str),
        Some("application/json")
    );
    assert_eq!(p.to_sign.as_deref(), Some(TYH_EXPECTED.as_bytes()));
    let body: Value = serde_json::from_str(&p.request.body).unwrap();
    assert_eq!(
        body,
        json!({"access_id": TYH_ACCESS_ID, "data": TYH_EXPECTED_DATA, "sign": SIGNATURE_SLOT, "sign_type": "RSA2", "time_stamp": TYH_TIME_STAMP})
    );
    assert!(body["time_stamp"].is_number(), "time_stamp is a JSON number");

    let openssl = base64_decode(TYH_MSG_SIG).unwrap();
    let ours = gw.private_key().unwrap().sign_sha256(TYH_EXPECTED.as_bytes()).unwrap();
    assert_eq!(ours, openssl, "crate signer = openssl");
    let done = complete(p.request.clone(), &openssl);
    assert_eq!(
        done.body,
        p.request.body.replace(SIGNATURE_SLOT, TYH_MSG_SIG),
        "only the slot changes"
    );
    let sent: Value = serde_json::from_str(&done.body).unwrap();
    assert_eq!(sent["sign"], TYH_MSG_SIG);
    // Rebuild the string to sign from what is sent, and verify with the merchant's public key.
    let again = tingyihui::string_to_sign(
        sent["access_id"].as_str().unwrap(),
        sent["data"].as_str().unwrap(),
        sent["sign_type"].as_str().unwrap(),
        sent["time_stamp"].as_i64().unwrap(),
    );
    assert_eq!(again, TYH_EXPECTED);
    let public = load_public_key("k", MERCHANT_PUBLIC_SPKI).unwrap();
    assert!(public.verify_sha256(
        again.as_bytes(),
        &base64_decode(sent["sign"].as_str().unwrap()).unwrap()
    ));
}

#[test]
fn tingyihui_every_operation_signs_its_envelope_and_data_is_camel_case_business_json() {
    let gw = tingyihui_gateway();
    let key = gw.private_key().unwrap();
    let public = load_certificate("c", MERCHANT_CERT).unwrap().public_key;
    let cases: Vec<(Operation, Value, &str, Value)> = vec![
        (
            Operation::Precreate,
            json!({"merchantOrderNo": "T1", "amount": 1500, "channel": "ALIPAY", "subject": "停车费", "notifyUrl": "https://shop.example/n",
                   "storeId": "3163757684139653", "reflect": "r"}),
            "/os-base/trade/v2/open",
            json!({"osMerchantCode": "2163737276721967", "osStoreCode": "3163757684139653", "ownerTradeNo": "T1", "payChannel": "ALI_PAY",
                   "payProduct": "USER_QR", "title": "停车费", "remark": "r", "orderFee": 1500, "notifyUrl": "https://shop.example/n"}),
        ),
        (
            Operation::Precreate,
            json!({"merchantOrderNo": "T2", "amount": 1, "channel": "WECHAT", "kind": "MINI_PROGRAM", "subject": "s", "payerId": "oUpF8u"}),
            "/os-base/trade/v2/open",
            json!({"osMerchantCode": "2163737276721967", "ownerTradeNo": "T2", "payChannel": "WX_PAY", "payProduct": "MINI_APP",
                   "ownerAppBuyerId": "oUpF8u", "title": "s", "orderFee": 1}),
        ),
        (
            Operation::Query,
            json!({"providerOrderNo": "trade_28367673307369472"}),
            "/os-base/query/trade/v1/open",
            json!({"osTradeNo": "trade_28367673307369472"}),
        ),
        (
            Operation::Close,
            json!({"merchantOrderNo": "T1"}),
            "/os-base/trade/close/v1/open",
            json!({"ownerTradeNo": "T1"}),
        ),
        (
            Operation::Refund,
            json!({"merchantOrderNo": "T1", "refundNo": "R1", "amount": 500, "description": "不停了", "notifyUrl": "https://shop.example/r"}),
            "/os-base/refund/v1/open",
            json!({"ownerTradeNo": "T1", "ownerRefundNo": "R1", "refundFee": 500, "refundReason": "不停了", "callbackUrl": "https://shop.example/r"}),
        ),
        (
            Operation::RefundQuery,
            json!({"refundNo": "R1"}),
            "/os-base/query/refund/v1/open",
            json!({"ownerRefundNo": "R1"}),
        ),
        (
            Operation::RefundQuery,
            json!({"providerRefundNo": "OR1"}),
            "/os-base/query/refund/v1/open",
            json!({"osRefundNo": "OR1"}),
        ),
    ];
    for (i, (op, inp, path, business)) in cases.into_iter().enumerate() {
        let ctx = Ctx {
            now_ms: 1_704_067_200_123 + i as i64,
            nonce: String::new(),
            verifier: Default::default(),
        };
        let p = gw
            .build(op, &input(inp), &ctx)
            .unwrap_or_else(|e| panic!("{op:?}: {e}"));
        assert_eq!(p.request.url, format!("https://os.hfcsbc.com{path}"), "{op:?}");
        let body: Value = serde_json::from_str(&p.request.body).unwrap();
        let data = body["data"].as_str().unwrap();
        // data: standard padded Base64 of the UTF-8 business JSON, camelCase keys, absent fields omitted.
        let decoded: Value = serde_json::from_slice(&base64_decode(data).unwrap()).unwrap();
        assert_eq!(decoded, business, "{op:?}");
        assert!(
            decoded.as_object().unwrap().values().all(|v| !v.is_null()),
            "{op:?}: no nulls"
        );
        assert_eq!(data.len() % 4, 0, "{op:?}: padded");
        assert!(
            data.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)),
            "{op:?}: standard alphabet"
        );
        let to_sign = p.to_sign.as_deref().unwrap();
        assert_eq!(
            to_sign,
            format!("{TYH_ACCESS_ID}{data}RSA2{}", ctx.now_ms).as_bytes(),
            "{op:?}"
        );
        assert_eq!(body["time_stamp"].as_i64(), Some(ctx.now_ms));
        let sig = key.sign_sha256(to_sign).unwrap();
        let done = complete(p.request.clone(), &sig);
        assert_eq!(
            done.body,
            p.request.body.replace(SIGNATURE_SLOT, &base64_encode(&sig)),
            "{op:?}"
        );
        let sent: Value = serde_json::from_str(&done.body).unwrap();
        for k in ["access_id", "data", "sign_type", "time_stamp"] {
            assert_eq!(sent[k], body[k], "{op:?}: {k} unchanged");
        }
        assert!(
            public.verify_sha256(to_sign, &base64_decode(sent["sign"].as_str().unwrap()).unwrap()),
            "{op:?}"
        );
    }
}

#[test]
fn tingyihui_accepts_pem_and_bare_keys_alike() {
    let ctx = Ctx {
        now_ms: TYH_TIME_STAMP,
        nonce: String::new(),
        verifier: Default::default(),
    };
    let inp = input(json!({"merchantOrderNo": "test_trade_2021125"}));
    for key in [
        bare(MERCHANT_KEY),
        MERCHANT_KEY.to_string(),
        format!(
            "\n  {}  \n",
            MERCHANT_KEY
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    ] {
        let gw = create(&tingyihui_config(&key).to_string()).unwrap();
        let p = gw.build(Operation::Query, &inp, &ctx).unwrap();
        let sig = gw
            .private_key()
            .unwrap()
            .sign_sha256(p.to_sign.as_deref().unwrap())
            .unwrap();
        assert_eq!(base64_encode(&sig), TYH_MSG_SIG);
    }
    // A certificate is not a signing key.
    let e = create(&tingyihui_config(MERCHANT_CERT).to_string()).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidKey);
}
