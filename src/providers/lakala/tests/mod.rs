//! Unit tests for the Lakala gateway: the trade_state table, response codes, response signature
//! verification (test responses are signed here with a generated "platform" key, exactly as the gateway
//! signs them), amount and time mapping, input validation, configuration, notifications and secrets.
//! Request signing vectors and built requests are exercised end to end in `tests/rsa_vectors.rs`.
//!
//! The keys below were generated once with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`
//! and `openssl req -x509 -new -key … -set_serial …` for these tests.

use crate::providers::testkit::assert_uncertain;
use super::*;
use crate::crypto::load_private_key;
use crate::providers::testkit::{MERCHANT_CERT, MERCHANT_KEY, PLATFORM_CERT, PLATFORM_KEY};
use serde_json::json;
use std::sync::OnceLock;

mod wallet;
mod fidelity;

// ================================================================ key material



/// Another key, unrelated to the others.
const OTHER_KEY: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDA31ncPsR8c+08
5cWUO2WCyYlRFb71U4FVVLhfGnlUcDRHZH5itMZ+ji4k612MHP6S33p7wSaLkeX6
Z4g69y/GAXszpdp+AuPRsI2U+Tr8d+pl1P4On+WmdroHxLNFwShXtMcE3rPTXyjr
S4dZZg+hjMMtBnwjUw3JODPauqMIj+bXpe3PWgPeGPH2dIPystmwbDJWB6/HDNjK
07mIgypNEy4AzdDSkL1INwqRzbzCre/V59gOl86RT7veTS6ep/4XqiVymYpBO7y+
30dpSlPmhr/g83zHPIbk8n0GSfDIskxIWzpHfI03XerrB3zuOlqKEeQACsAjMf9c
cEjLL0O1AgMBAAECggEAHT8RF4BuF4gVqpUWAY0DLtKkL6c6QmWj+D5FSeiQCuGL
z+KZdpq+eazSKveEwy0XXkqkflUS5Pmd87tU0Uov1JjfZ3zIFbEW/jJFOdiUHPoL
EV97mdidwIEC4xAs9hAc77XCMwcZIh1tLUbR8pizGJZpdy+jTdD3h3JuDIYeGDtD
/FOvqB7qgwfyZdQFq6UdyY5d+ei+OxDnU3Qy/Oia9D8D3xydYagFFnvLS8JU1DdH
FPnNYclQRvCUoo0NOVBCbxqy1Fn6FC3/AidS1cJrJKcjqExvVUF9dACrFZVaymRi
BluP7CLx/wL/hGpYcvp9UqvbQxQ9ITvtjaNoilAi8QKBgQD81h/abVZEkYFvL5Jr
YsJ+ebX6L9OC7JReqYU/5eD6GpP4Zmzm888DKEdEOB3rkO85Xf9mzovAR7X8j8Cs
fhTbOpkO7Z6oAWT8ytgX9wjL4v1emPASGUbETnK60IANEp8XRGKZgwGvFNW/wF6n
23PQbYWSmzuSHZIEd2lFqcJFZQKBgQDDSScFOeDMx5eYrdIHKCZC+AHRlxLYGa03
vi4W5J9sLXl0kir1aquUaVgDafUmHlnir5rXzMVZMtNdZrUPl/5nAnel6cdiWgJr
8eGj0Qwte8+YQWjtr3PEmO4nBExRQ4BZdCsPP6F4/pBsj8DMpDAap7oJsQVzk10F
f/A0CY+IEQKBgQDUstnXKlYBlxr5S171Af824PMrRuK76ISk4h2b9KqAHK3QsXH6
FK9ZK6BQjpj1HFdzvlTmyumcV3eMwe5H7kVjbHdorJPlKE8prwd9ma+HviyCUUzd
HPCAorI34MFovfqiW0BLfn+DJ5buGkpHEgHrHMfa3saNlFzLbx1booUxVQKBgDxC
k37iWEL4iAf+AyRgOEZL/0usgY0bhz7/OXuo+qTH94WIISdvzhhS1WzgQlyL2xK/
O1nB/1fB/kUBD3gLX95rfX4+AF+SBNNIZWdGd6qFXQ7PiFBn5qJQypRRmDcvTCjO
VwcyjGIos2o8hbLgK1PeU+LvtA3w+DBdRULZfGfxAoGBAJgFRu1TqKVzIRtgrY0y
JdE6DRIH2TQ3Ko3qyEeThi1D4dGmkdfqf1owRTQgJBrrZGtp3x3cbqknKlZIhCFa
XSIeZPscqDZg4HO48eQf36dafEv6kN1boGWL++vNA1eHteA33S4UR+QQqRX67Coj
cCOcMSMFuek7QYAO8ycUrl+Z
-----END PRIVATE KEY-----
";

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

// ================================================================ helpers

const APPID: &str = "OP00000003";
const ORDER: &str = "FD660E1FAA3A4470933CDEDAE1EC1D8E";
const TRADE_NO: &str = "2021090766210003630077";
const REFUND_NO: &str = "R20210907001";
/// 2021-09-07 17:33:30 in Beijing.
const NOW_MS: i64 = 1_631_007_210_000;
const ACK: &str = r#"{"code":"SUCCESS","message":"执行成功"}"#;

fn config() -> Value {
    json!({"provider": "lakala", "credentials": {
        "appId": APPID, "merchantCertificate": MERCHANT_CERT, "privateKey": MERCHANT_KEY,
        "platformCertificate": PLATFORM_CERT, "merchantNo": "82229007392000A", "termNo": "D9296400"}})
}

fn config_with(changes: Value) -> Value {
    crate::providers::testkit::with_credentials(config(), changes)
}

fn gateway() -> Lakala {
    Lakala::new(config()).expect("valid config")
}

fn key(pem: &'static str, cell: &'static OnceLock<PrivateKey>) -> &'static PrivateKey {
    cell.get_or_init(|| load_private_key("test", pem).expect("test key"))
}

fn platform_key() -> &'static PrivateKey {
    static K: OnceLock<PrivateKey> = OnceLock::new();
    key(PLATFORM_KEY, &K)
}

fn other_key() -> &'static PrivateKey {
    static K: OnceLock<PrivateKey> = OnceLock::new();
    key(OTHER_KEY, &K)
}

fn input(v: Value) -> Input {
    crate::providers::read(&v).expect("test input must deserialize")
}

fn ctx() -> Ctx {
    Ctx {
        now_ms: NOW_MS,
        nonce: "a1b2c3d4e5f6".into(),
        verifier: Default::default(),
    }
}

/// A complete, valid input for each operation.
fn valid_input(op: Operation) -> Value {
    match op {
        Operation::Pay => {
            json!({"merchantOrderNo": ORDER, "amount": 123, "authCode": "134567890123456789", "clientIp": "10.0.0.1"})
        }
        Operation::Precreate => {
            json!({"merchantOrderNo": ORDER, "amount": 123, "channel": "ALIPAY", "clientIp": "10.0.0.1"})
        }
        Operation::Query => json!({"merchantOrderNo": ORDER}),
        Operation::RefundQuery => json!({"refundNo": REFUND_NO}),
        Operation::Refund => {
            json!({"merchantOrderNo": ORDER, "refundNo": REFUND_NO, "amount": 100, "clientIp": "10.0.0.1"})
        }
        Operation::Close | Operation::Cancel | Operation::Revoke => {
            json!({"merchantOrderNo": ORDER, "clientIp": "10.0.0.1"})
        }
        Operation::Activate | Operation::Checkin => json!({}),
    }
}

/// `valid_input(op)` with `key` set to `v` (or removed when `v` is null).
fn with(op: Operation, key: &str, v: Value) -> Input {
    let mut o = valid_input(op);
    if v.is_null() {
        o.as_object_mut().unwrap().remove(key);
    } else {
        o[key] = v;
    }
    input(o)
}

const LKL_HEADERS: [&str; 5] = [
    "Lklapi-Appid",
    "Lklapi-Serial",
    "Lklapi-Timestamp",
    "Lklapi-Nonce",
    "Lklapi-Signature",
];

/// A response as the gateway sends it: `Lklapi-*` headers, the signature over
/// appid\nserial\ntimestamp\nnonce\nbody\n with `key`, signed 1 s after `NOW_MS`.
fn signed_with(key: &PrivateKey, status: u16, body: &[u8]) -> HttpResponse {
    signed_as(key, status, APPID, "1631007211", body)
}

/// `signed_with` for another app id or timestamp (both are signed).
fn signed_as(key: &PrivateKey, status: u16, appid: &str, ts: &str, body: &[u8]) -> HttpResponse {
    let (serial, nonce) = ("1a2b3c4d5e6f7081", "Rk7hT0aQz9bV");
    let sig = key
        .sign_sha256(&request_message(appid, serial, ts, nonce, body))
        .unwrap();
    let mut headers = BTreeMap::new();
    for (k, v) in LKL_HEADERS.iter().zip([
        appid.to_string(),
        serial.into(),
        ts.into(),
        nonce.into(),
        crypto::base64_encode(&sig),
    ]) {
        headers.insert(k.to_string(), v);
    }
    headers.insert("Lklapi-Traceid".into(), "trace-1".into());
    headers.insert("Content-Type".into(), "application/json".into());
    HttpResponse {
        status,
        headers,
        body: body.to_vec(),
    }
}

fn signed(body: &Value) -> HttpResponse {
    signed_with(platform_key(), 200, body.to_string().as_bytes())
}

fn envelope(code: &str, data: Option<Value>) -> Value {
    let mut e = json!({"code": code, "msg": "成功", "resp_time": "20210907173331"});
    if let Some(d) = data {
        e["resp_data"] = d;
    }
    e
}

/// Seed 003's first query answer (resp_data), with `trade_state` set.
fn trade(state: &str) -> Value {
    json!({
        "out_trade_no": ORDER, "trade_no": TRADE_NO, "log_no": "66210003630077",
        "acc_trade_no": "4200001212202109078945008028", "account_type": "WECHAT", "settle_term_no": "",
        "trade_state": state, "trade_state_desc": "交易成功", "total_amount": "123", "payer_amount": "123",
        "acc_settle_amount": "123", "acc_mdiscount_amount": "0", "acc_discount_amount": "",
        "trade_time": "20210907150327", "user_id1": "olpr-0kUcyJIbVhYmAsBvoZuB4TI",
        "user_id2": "oUpF8uE150tsN4W00ieTusZcK70s", "bank_type": "CMB_CREDIT", "acc_activity_id": "",
        "up_coupon_info": "", "trade_info": ""
    })
}

/// `trade(state)` with fields replaced (null removes the field).
fn trade_with(state: &str, changes: Value) -> Value {
    let mut d = trade(state);
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            d.as_object_mut().unwrap().remove(k);
        } else {
            d[k] = v.clone();
        }
    }
    d
}

/// Parses with a fresh gateway and the operation's valid input.
fn parse(op: Operation, resp: &HttpResponse) -> OperationResult {
    let inp = input(valid_input(op));
    crate::providers::parse_checked(&mut gateway(), op, resp, Some(&inp), &ctx())
}



// ================================================================ 1. trade_state

/// The spec's table, row by row: (value, state, final), then near misses that must read UNKNOWN. The
/// conformance suite reads every row through a query (`Fixture::states`).
const TRADE_STATE_TABLE: [(&str, OrderState, bool); 13] = [
    ("INIT", OrderState::Pending, false),
    ("CREATE", OrderState::Pending, false),
    ("DEAL", OrderState::Pending, false),
    ("SUCCESS", OrderState::Success, true),
    ("FAIL", OrderState::Failed, true),
    ("UNKNOWN", OrderState::Unknown, false),
    ("CLOSE", OrderState::Closed, true),
    ("REVOKED", OrderState::Closed, true),
    ("PART_REFUND", OrderState::PartiallyRefunded, true),
    ("REFUND", OrderState::Refunded, true),
    ("PAYING", OrderState::Unknown, false),
    ("FAILED", OrderState::Unknown, false),
    ("CLOSED", OrderState::Unknown, false),
];

#[test]
fn no_trade_state_is_unknown() {
    // No trade_state at all: UNKNOWN, never FAILED.
    let r = parse(
        Operation::Query,
        &signed(&envelope(
            "BBS00000",
            Some(trade_with("x", json!({"trade_state": null}))),
        )),
    );
    let o = r.order.unwrap();
    assert_eq!(
        (o.state, o.is_final, o.provider_state),
        (OrderState::Unknown, false, None)
    );
}

#[test]
fn refund_query_states() {
    let rows = [
        ("SUCCESS", RefundState::Success, Next::None),
        ("FAIL", RefundState::Failed, Next::None),
        ("INIT", RefundState::Pending, Next::Poll),
        ("CREATE", RefundState::Pending, Next::Poll),
        ("DEAL", RefundState::Pending, Next::Poll),
        ("UNKNOWN", RefundState::Unknown, Next::ContactSupport),
        ("REFUND", RefundState::Unknown, Next::ContactSupport),
        ("", RefundState::Unknown, Next::ContactSupport),
    ];
    for (value, state, next) in rows {
        let d = trade_with(
            value,
            json!({"out_trade_no": REFUND_NO, "trade_main_type": "REFUND", "total_amount": "100"}),
        );
        let r = parse(Operation::RefundQuery, &signed(&envelope("BBS00000", Some(d))));
        assert_eq!(r.outcome, Outcome::Succeeded, "{value}");
        let refund = r.refund.as_ref().unwrap_or_else(|| panic!("{value}: no refund"));
        assert_eq!(refund.state, state, "{value}");
        assert_eq!(r.next, next, "{value}");
        assert_eq!(refund.refund_no.as_deref(), Some(REFUND_NO));
        assert_eq!(refund.amount, Some(100));
        assert_eq!(refund.provider_state.as_deref(), Some(value));
    }
}

// ================================================================ 2. response codes

#[test]
fn pay_codes() {
    // BBS00000: paid.
    let d = json!({"out_trade_no": ORDER, "trade_no": TRADE_NO, "acc_trade_no": "4200001212", "account_type": "ALIPAY",
                   "total_amount": "123", "payer_amount": "120", "acc_mdiscount_amount": "3", "trade_time": "20210907173330"});
    let r = parse(Operation::Pay, &signed(&envelope("BBS00000", Some(d.clone()))));
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::None));
    let o = r.order.as_ref().unwrap();
    assert_eq!((o.state, o.is_final), (OrderState::Success, true));
    assert_eq!(o.amounts.total, Some(123));
    assert_eq!(o.amounts.paid, Some(120));
    assert_eq!(o.amounts.discount, Some(3));
    assert_eq!(o.paid_at, Some(1_631_007_210_000));
    assert_eq!(o.channel, Some(Channel::Alipay));
    // BBS10000: in progress (the buyer confirms on the phone).
    let r = parse(Operation::Pay, &signed(&envelope("BBS10000", Some(d))));
    assert_eq!((r.outcome, r.next), (Outcome::InProgress, Next::Poll));
    let o = r.order.as_ref().unwrap();
    assert_eq!((o.state, o.is_final, o.paid_at), (OrderState::Pending, false, None));
    assert_eq!(o.amounts.paid, Some(0));
}

#[test]
fn unlisted_codes_are_unknown() {
    for code in [
        "BBS00001",
        "BBS10001",
        "RFD11111",
        "bbs00000",
        " BBS00000",
        "",
        "SUCCESS",
    ] {
        let body = json!({"code": code, "msg": "交易失败", "resp_time": "20210907173331", "resp_data": trade("FAIL")});
        let resp = signed(&body);
        for op in [
            Operation::Pay,
            Operation::Query,
            Operation::Refund,
            Operation::Precreate,
            Operation::Close,
            Operation::Revoke,
        ] {
            let r = parse(op, &resp);
            assert_uncertain(&r, op, ErrorCode::ProviderError, &format!("{op:?} {code:?}"));
            let e = r.error.as_ref().unwrap();
            // An empty code says nothing and is left out.
            assert_eq!(e.provider_code.as_deref(), Some(code).filter(|c| !c.is_empty()));
            assert_eq!(e.provider_message.as_deref(), Some("交易失败"));
            assert_ne!(r.outcome, Outcome::Failed);
        }
    }
    // No code at all.
    let r = parse(Operation::Pay, &signed(&json!({"msg": "?"})));
    assert_uncertain(&r, Operation::Pay, ErrorCode::ProviderError, "no code");
    assert_eq!(r.next, Next::Poll);
    let r = parse(Operation::Query, &signed(&json!({"msg": "?"})));
    assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Retry));
}

#[test]
fn in_progress_codes() {
    // BBS11112: refund in progress.
    let d = json!({"out_trade_no": REFUND_NO, "refund_amount": "100"});
    let r = parse(Operation::Refund, &signed(&envelope("BBS11112", Some(d))));
    assert_eq!((r.outcome, r.next), (Outcome::InProgress, Next::Poll));
    let refund = r.refund.as_ref().unwrap();
    assert_eq!((refund.state, refund.amount), (RefundState::Pending, Some(100)));
    assert!(r.error.is_none());
}

#[test]
fn query_found_without_resp_data_is_malformed() {
    let r = parse(Operation::Query, &signed(&envelope("BBS00000", None)));
    assert_uncertain(&r, Operation::Query, ErrorCode::MalformedResponse, "no resp_data");
}

#[test]
fn precreate_answers() {
    // NATIVE: a QR code to show.
    let d = json!({"merchant_no": "82229007392000A", "out_trade_no": ORDER, "trade_no": TRADE_NO, "log_no": "66210003630077",
                   "acc_resp_fields": {"code": "https://qr.alipay.com/bax01234", "code_image": ""}});
    let r = parse(Operation::Precreate, &signed(&envelope("BBS00000", Some(d))));
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::Poll));
    let o = r.order.as_ref().unwrap();
    assert_eq!((o.state, o.is_final), (OrderState::Pending, false));
    assert_eq!(o.qr_code.as_deref(), Some("https://qr.alipay.com/bax01234"));
    assert!(o.pay_params.is_none());
    // JSAPI / mini-program answers: wallet.rs.
}

#[test]
fn refund_answers() {
    // origin_out_trade_no: echoed because the request carried it (PHP SDK RelationRefundResponse).
    let d = json!({"out_trade_no": REFUND_NO, "trade_no": "2021090766210003630099", "refund_amount": "100",
                   "origin_trade_no": TRADE_NO, "origin_out_trade_no": ORDER});
    let r = parse(Operation::Refund, &signed(&envelope("BBS00000", Some(d.clone()))));
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::None));
    let refund = r.refund.as_ref().unwrap();
    assert_eq!(
        (refund.state, refund.amount, refund.refund_no.as_deref()),
        (RefundState::Success, Some(100), Some(REFUND_NO))
    );
    let r = parse(Operation::Refund, &signed(&envelope("BBS10000", Some(d))));
    assert_eq!((r.outcome, r.next), (Outcome::InProgress, Next::Poll));
    assert_eq!(r.refund.as_ref().unwrap().state, RefundState::Pending);
    // Without refund_amount the asked amount is reported.
    let r = parse(
        Operation::Refund,
        &signed(&envelope(
            "BBS00000",
            Some(json!({"out_trade_no": REFUND_NO, "origin_out_trade_no": ORDER})),
        )),
    );
    assert_eq!(r.refund.as_ref().unwrap().amount, Some(100));
}

#[test]
fn an_answer_about_another_order_is_unknown() {
    for op in [Operation::Query, Operation::Pay] {
        let d = trade_with("SUCCESS", json!({"out_trade_no": "ANOTHER-ORDER"}));
        let r = parse(op, &signed(&envelope("BBS00000", Some(d))));
        assert_uncertain(&r, op, ErrorCode::MalformedResponse, &format!("{op:?}"));
    }
    let d = trade_with("SUCCESS", json!({"out_trade_no": "ANOTHER-REFUND"}));
    let r = parse(Operation::RefundQuery, &signed(&envelope("BBS00000", Some(d))));
    assert_uncertain(&r, Operation::RefundQuery, ErrorCode::MalformedResponse, "refund query");
}

#[test]
fn an_answer_about_another_trade_no_is_unknown() {
    let inp = input(json!({"providerOrderNo": TRADE_NO}));
    let d = trade_with("SUCCESS", json!({"trade_no": "2021090766210009999999"}));
    let resp = signed(&envelope("BBS00000", Some(d)));
    let r = crate::providers::parse_checked(&mut gateway(), Operation::Query, &resp, Some(&inp), &ctx());
    assert_uncertain(&r, Operation::Query, ErrorCode::MalformedResponse, "another trade_no");
}

// ================================================================ 3. response signatures

/// Each untrusted variant of a signed SUCCESS answer (which, if trusted, would yield an order).
#[test]
fn response_signature_failures_are_unknown() {
    let body = envelope("BBS00000", Some(trade("SUCCESS"))).to_string();
    let good = signed_with(platform_key(), 200, body.as_bytes());
    // Sanity: the untouched answer is trusted.
    assert_eq!(parse(Operation::Query, &good).outcome, Outcome::Succeeded);

    let mut cases: Vec<(String, HttpResponse)> = Vec::new();
    let mut r = good.clone();
    r.body = body
        .replace(r#""total_amount":"123""#, r#""total_amount":"124""#)
        .into_bytes();
    assert_ne!(r.body, good.body);
    cases.push(("tampered body".into(), r));
    let mut r = good.clone();
    r.body.push(b'\n');
    cases.push(("a byte appended to the body".into(), r));
    let mut r = good.clone();
    let mut sig = crypto::base64_decode(&r.headers["Lklapi-Signature"]).unwrap();
    sig[10] ^= 1;
    r.headers.insert("Lklapi-Signature".into(), crypto::base64_encode(&sig));
    cases.push(("tampered signature".into(), r));
    for bad in ["not base64 !", "AAAA", "x"] {
        let mut r = good.clone();
        r.headers.insert("Lklapi-Signature".into(), bad.into());
        cases.push((format!("signature {bad:?}"), r));
    }
    for h in LKL_HEADERS {
        let mut r = good.clone();
        r.headers.remove(h);
        cases.push((format!("missing {h}"), r));
        let mut r = good.clone();
        r.headers.insert(h.into(), "  ".into());
        cases.push((format!("blank {h}"), r));
    }
    for h in ["Lklapi-Appid", "Lklapi-Serial", "Lklapi-Timestamp", "Lklapi-Nonce"] {
        let mut r = good.clone();
        let v = r.headers[h].clone() + "0";
        r.headers.insert(h.into(), v);
        cases.push((format!("{h} changed after signing"), r));
    }
    cases.push((
        "signed by another key".into(),
        signed_with(other_key(), 200, body.as_bytes()),
    ));
    cases.push((
        "signed by the merchant key".into(),
        signed_with(&gateway().private_key, 200, body.as_bytes()),
    ));
    cases.push((
        "no headers at all".into(),
        HttpResponse {
            status: 200,
            headers: BTreeMap::new(),
            body: body.clone().into_bytes(),
        },
    ));
    for (what, resp) in &cases {
        for op in [Operation::Query, Operation::Pay, Operation::Refund] {
            let r = parse(op, resp);
            assert_uncertain(&r, op, ErrorCode::ResponseSignatureInvalid, &format!("{op:?}: {what}"));
            // The bytes are kept for support (`raw`), nothing they say.
            let sent: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
            assert_eq!(r.raw, sent, "{op:?}: {what}");
        }
    }
}

/// The host's nonce follows the one shared rule (1 to 64 letters or digits; INVALID_CONFIG otherwise).
#[test]
fn a_bad_nonce_is_the_hosts_fault() {
    for bad in ["", "has space", "\u{4e2d}", &"n".repeat(65)] {
        let ctx = Ctx {
            now_ms: NOW_MS,
            nonce: bad.to_string(),
            verifier: Default::default(),
        };
        let e = gateway()
            .build(Operation::Query, &input(valid_input(Operation::Query)), &ctx)
            .expect_err(bad);
        assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidConfig, Some("nonce")), "{bad:?}");
    }
    for good in ["z", &"N".repeat(64)] {
        let ctx = Ctx {
            now_ms: NOW_MS,
            nonce: good.to_string(),
            verifier: Default::default(),
        };
        assert!(gateway().build(Operation::Query, &input(valid_input(Operation::Query)), &ctx).is_ok());
    }
}

#[test]
fn response_header_names_are_case_insensitive() {
    let body = envelope("BBS00000", Some(trade("SUCCESS"))).to_string();
    let good = signed_with(platform_key(), 200, body.as_bytes());
    for case in [
        str::to_ascii_lowercase as fn(&str) -> String,
        str::to_ascii_uppercase,
        |s: &str| s.replace("Lklapi", "LKLAPI"),
    ] {
        let mut r = good.clone();
        r.headers = good.headers.iter().map(|(k, v)| (case(k), v.clone())).collect();
        let res = parse(Operation::Query, &r);
        assert_eq!(
            res.outcome,
            Outcome::Succeeded,
            "{:?}: {:?}",
            r.headers.keys().collect::<Vec<_>>(),
            res.error
        );
        assert_eq!(res.order.unwrap().state, OrderState::Success);
    }
    // Surrounding whitespace in values is tolerated.
    let mut r = good.clone();
    for h in LKL_HEADERS {
        let v = format!(" {} ", r.headers[h]);
        r.headers.insert(h.into(), v);
    }
    assert_eq!(parse(Operation::Query, &r).outcome, Outcome::Succeeded);
}

/// The platform certificate given as bare Base64 DER, or as PEM with CRLF line ends, works as well.
#[test]
fn platform_key_forms() {
    let body = envelope("BBS00000", Some(trade("SUCCESS"))).to_string();
    let resp = signed_with(platform_key(), 200, body.as_bytes());
    let bare: String = PLATFORM_CERT.lines().filter(|l| !l.starts_with("-----")).collect();
    for cert in [bare, PLATFORM_CERT.replace('\n', "\r\n")] {
        let mut gw = Lakala::new(config_with(json!({"platformCertificate": cert}))).unwrap();
        let inp = input(valid_input(Operation::Query));
        assert_eq!(
            crate::providers::parse_checked(&mut gw, Operation::Query, &resp, Some(&inp), &ctx()).outcome,
            Outcome::Succeeded
        );
    }
}

#[test]
fn http_errors_and_unreadable_bodies_are_unknown() {
    let body = envelope("BBS00000", Some(trade("SUCCESS"))).to_string();
    for (status, code) in [
        (500, ErrorCode::ProviderUnavailable),
        (502, ErrorCode::ProviderUnavailable),
        (503, ErrorCode::ProviderUnavailable),
        (404, ErrorCode::ProviderError),
        (400, ErrorCode::ProviderError),
        (302, ErrorCode::ProviderError),
    ] {
        // Even a correctly signed body does not make a non-200 answer a result.
        let responses = [
            signed_with(platform_key(), status, body.as_bytes()),
            HttpResponse {
                status,
                headers: BTreeMap::new(),
                body: b"<html>".to_vec(),
            },
        ];
        for op in [Operation::Pay, Operation::Query, Operation::Refund] {
            for resp in &responses {
                let r = parse(op, resp);
                assert_uncertain(&r, op, code, &format!("{op:?} HTTP {status}"));
                assert!(r.error.as_ref().unwrap().message.contains(&status.to_string()));
            }
        }
    }
    let e = parse(Operation::Query, &signed_with(platform_key(), 500, b"x"))
        .error
        .unwrap();
    assert!(e.retryable);
    // Signed but not the envelope.
    for raw in [&b"not json"[..], b"[1,2]", b"null", b"\"BBS00000\"", b""] {
        let r = parse(Operation::Pay, &signed_with(platform_key(), 200, raw));
        assert_uncertain(
            &r,
            Operation::Pay,
            ErrorCode::MalformedResponse,
            &String::from_utf8_lossy(raw),
        );
    }
    // Wrong types inside the envelope.
    let r = parse(
        Operation::Query,
        &signed(&json!({"code": "BBS00000", "resp_data": {"total_amount": 123}})),
    );
    assert_uncertain(&r, Operation::Query, ErrorCode::MalformedResponse, "number amount");
}

// ================================================================ 3b. answers tied to the request

/// Parses through the rules every provider shares (`parse_checked`), as clients do.
fn checked_with(op: Operation, resp: &HttpResponse, inp: &Input) -> OperationResult {
    let mut gw = gateway();
    crate::providers::parse_checked(&mut gw, op, resp, Some(inp), &ctx())
}

fn checked(op: Operation, resp: &HttpResponse) -> OperationResult {
    checked_with(op, resp, &input(valid_input(op)))
}

fn assert_unknown(r: &OperationResult, op: Operation, code: ErrorCode, what: &str) {
    assert_uncertain(r, op, code, what);
    assert_ne!(r.outcome, Outcome::Succeeded, "{what}");
}

/// A genuinely signed answer outside the window around its arrival may be a replay: not trusted, and
/// the message says by how much. `ctx()` is `NOW_MS`; the default window is 300 s.
#[test]
fn a_stale_answer_is_not_trusted() {
    let body = envelope("BBS00000", Some(trade("SUCCESS"))).to_string();
    let now = NOW_MS / 1000;
    for offset in [0, 300, -300, 299, -1] {
        let resp = signed_as(platform_key(), 200, APPID, &(now + offset).to_string(), body.as_bytes());
        let r = parse(Operation::Query, &resp);
        assert_eq!(r.outcome, Outcome::Succeeded, "{offset} s: {:?}", r.error);
    }
    for (offset, words) in [
        (-301, "stale by 301 s"),
        (-365 * 86_400, "stale by 31536000 s"),
        (-now, "stale by"),
        (301, "301 s after it arrived"),
    ] {
        let resp = signed_as(platform_key(), 200, APPID, &(now + offset).to_string(), body.as_bytes());
        for op in [Operation::Query, Operation::Pay, Operation::Refund, Operation::Revoke] {
            let r = checked(op, &resp);
            let what = format!("{op:?} signed {offset} s from arrival");
            assert_unknown(&r, op, ErrorCode::ResponseSignatureInvalid, &what);
            let m = &r.error.as_ref().unwrap().message;
            assert!(m.contains(words), "{what}: {m}");
        }
    }
    // A timestamp that is signed but is not seconds.
    for ts in ["soon", "-5", "+1631007211", "1631007211.5", "99999999999999999999"] {
        let r = parse(
            Operation::Query,
            &signed_as(platform_key(), 200, APPID, ts, body.as_bytes()),
        );
        assert_uncertain(&r, Operation::Query, ErrorCode::ResponseSignatureInvalid, ts);
    }
    // The window is notificationToleranceSeconds.
    let mut c = config();
    c["notificationToleranceSeconds"] = json!(60);
    let mut gw = Lakala::new(c).unwrap();
    let inp = input(valid_input(Operation::Query));
    let at = |gw: &mut Lakala, offset: i64| {
        let resp = signed_as(platform_key(), 200, APPID, &(now + offset).to_string(), body.as_bytes());
        crate::providers::parse_checked(gw, Operation::Query, &resp, Some(&inp), &ctx()).outcome
    };
    assert_eq!(at(&mut gw, -60), Outcome::Succeeded);
    assert_eq!(at(&mut gw, -61), Outcome::Unknown);
    // When the answer arrived is what counts: the same answer parsed an hour later is stale.
    let resp = signed_with(platform_key(), 200, body.as_bytes());
    let late = Ctx {
        now_ms: NOW_MS + 3_600_000,
        nonce: String::new(),
        verifier: Default::default(),
    };
    let r = crate::providers::parse_checked(&mut gateway(), Operation::Query, &resp, Some(&inp), &late);
    assert_uncertain(
        &r,
        Operation::Query,
        ErrorCode::ResponseSignatureInvalid,
        "an hour late",
    );
}

/// Lakala signs every app's answers with one platform key: one for another app is not ours.
#[test]
fn an_answer_signed_for_another_app_is_not_trusted() {
    let body = envelope("BBS00000", Some(trade("SUCCESS"))).to_string();
    for appid in ["OP00000099", "op00000003", "OP000000031"] {
        let resp = signed_as(platform_key(), 200, appid, "1631007211", body.as_bytes());
        for op in [Operation::Query, Operation::Pay] {
            let r = checked(op, &resp);
            assert_unknown(&r, op, ErrorCode::ResponseSignatureInvalid, appid);
            let m = &r.error.as_ref().unwrap().message;
            assert!(m.contains("another app") && m.contains("Lklapi-Appid"), "{appid}: {m}");
            assert!(!m.contains(APPID), "the configured appId is not echoed: {m}");
        }
    }
}

/// The signed answer to a close (doc 1071: origin_* and trade_time, no state) given as the answer to a
/// new micropay must not read as PAID; given to the close of another order it is not a close of ours.
#[test]
fn a_replayed_close_answer_is_not_a_payment_nor_another_close() {
    let close_answer = |origin_out: &str, origin_trade: &str| {
        signed(&envelope(
            "BBS00000",
            Some(
                json!({"origin_trade_no": origin_trade, "origin_out_trade_no": origin_out, "trade_time": "20210907173330"}),
            ),
        ))
    };
    let old = close_answer("OLD-ORDER-1", "2021090766210000000001");
    // To a pay: no paid, named order, so UNKNOWN (and poll), never SUCCEEDED.
    let r = checked(Operation::Pay, &old);
    assert_unknown(
        &r,
        Operation::Pay,
        ErrorCode::MalformedResponse,
        "close answer to a pay",
    );
    // Even without the input (parseResponse with no input), it is no payment.
    let mut gw = gateway();
    let r = crate::providers::parse_checked(&mut gw, Operation::Pay, &old, None, &ctx());
    assert_eq!(r.outcome, Outcome::Unknown, "{:?}", r.error);
    // To the close of another order.
    let r = checked(Operation::Close, &old);
    assert_unknown(
        &r,
        Operation::Close,
        ErrorCode::MalformedResponse,
        "close answer for another order",
    );
    assert!(r.error.unwrap().message.contains("OLD-ORDER-1"));
    let by_trade_no = input(json!({"providerOrderNo": TRADE_NO, "clientIp": "10.0.0.1"}));
    let r = checked_with(Operation::Close, &old, &by_trade_no);
    assert_unknown(&r, Operation::Close, ErrorCode::MalformedResponse, "asked by trade_no");
    // A success that names no order is not a close of ours.
    let r = checked(
        Operation::Close,
        &signed(&envelope("BBS00000", Some(json!({"trade_time": "20210907173330"})))),
    );
    assert_unknown(
        &r,
        Operation::Close,
        ErrorCode::MalformedResponse,
        "close naming no order",
    );
    let r = checked(Operation::Close, &signed(&envelope("BBS00000", None)));
    assert_unknown(
        &r,
        Operation::Close,
        ErrorCode::MalformedResponse,
        "close without resp_data",
    );
    // The genuine answer about this order.
    let r = checked(Operation::Close, &close_answer(ORDER, TRADE_NO));
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::None), "{:?}", r.error);
    let r = checked_with(Operation::Close, &close_answer(ORDER, TRADE_NO), &by_trade_no);
    assert_eq!(r.outcome, Outcome::Succeeded, "{:?}", r.error);
}

/// A signed revoke answer for another order (or another reversal) must not read as this order
/// reversed: the flow would report TIMED_OUT_REVERSED while the buyer's money is held.
#[test]
fn a_replayed_revoke_answer_for_another_order_is_not_a_reversal() {
    let revoke_answer = |own: &str, origin_out: &str| {
        signed(&envelope(
            "BBS00000",
            Some(
                json!({"merchant_no": "82229007392000A", "out_trade_no": own, "trade_no": "2021090766210000000002",
                        "log_no": "66210000000002", "origin_trade_no": "2021090766210000000009",
                        "origin_out_trade_no": origin_out, "total_amount": "123", "trade_time": "20210907173330"}),
            ),
        ))
    };
    for op in [Operation::Revoke, Operation::Cancel] {
        let r = checked(op, &revoke_answer("RV-1", "ANOTHER-ORDER"));
        assert_unknown(
            &r,
            op,
            ErrorCode::MalformedResponse,
            &format!("{op:?} of another order"),
        );
        // The reversal's own number, when given, must match too.
        let own = with(op, "refundNo", json!("RV-MINE"));
        let r = checked_with(op, &revoke_answer("RV-OTHER", ORDER), &own);
        assert_unknown(
            &r,
            op,
            ErrorCode::MalformedResponse,
            &format!("{op:?}: another reversal"),
        );
        // Names no original order.
        let bare = signed(&envelope("BBS00000", Some(json!({"out_trade_no": "RV-1"}))));
        assert_unknown(&checked(op, &bare), op, ErrorCode::MalformedResponse, "no origin");
        // The genuine answer.
        let r = checked_with(op, &revoke_answer("RV-MINE", ORDER), &own);
        assert_eq!(
            (r.outcome, r.next),
            (Outcome::Succeeded, Next::None),
            "{op:?}: {:?}",
            r.error
        );
        let r = checked(op, &revoke_answer("nonce-numbered", ORDER));
        assert_eq!(r.outcome, Outcome::Succeeded, "{op:?} without refundNo: {:?}", r.error);
    }
}

#[test]
fn refund_answers_name_their_refund_and_order() {
    let answer = |d: Value| signed(&envelope("BBS00000", Some(d)));
    let good = json!({"merchant_no": "82229007392000A", "out_trade_no": REFUND_NO, "trade_no": "2021090766210003630099",
                      "refund_amount": "100", "total_amount": "123", "origin_out_trade_no": ORDER});
    let r = checked(Operation::Refund, &answer(good.clone()));
    assert_eq!(r.outcome, Outcome::Succeeded, "{:?}", r.error);
    assert_eq!(r.refund.as_ref().unwrap().refund_no.as_deref(), Some(REFUND_NO));
    let changed = |k: &str, v: Value| {
        let mut d = good.clone();
        if v.is_null() {
            d.as_object_mut().unwrap().remove(k);
        } else {
            d[k] = v;
        }
        d
    };
    for (what, d) in [
        ("another refund", changed("out_trade_no", json!("R-OTHER"))),
        ("no refund number", changed("out_trade_no", Value::Null)),
        ("another order", changed("origin_out_trade_no", json!("ANOTHER-ORDER"))),
        ("no original order", changed("origin_out_trade_no", Value::Null)),
        ("another amount", changed("refund_amount", json!("99"))),
        ("another merchant", changed("merchant_no", json!("822290070119999"))),
    ] {
        assert_unknown(
            &checked(Operation::Refund, &answer(d)),
            Operation::Refund,
            ErrorCode::MalformedResponse,
            what,
        );
    }
    // In progress (BBS11112) it need not name everything yet, but what it names must match.
    let pending = |d: Value| signed(&envelope("BBS11112", Some(d)));
    let r = checked(Operation::Refund, &pending(json!({"out_trade_no": REFUND_NO})));
    assert_eq!(r.outcome, Outcome::InProgress, "{:?}", r.error);
    let r = checked(Operation::Refund, &pending(json!({"out_trade_no": "R-OTHER"})));
    assert_unknown(
        &r,
        Operation::Refund,
        ErrorCode::MalformedResponse,
        "pending, another refund",
    );
    // A refund query that finds a payment (a refundNo equal to some order's number) is no refund.
    for main_type in ["MICROPAY", "PREORDER"] {
        let d = trade_with(
            "SUCCESS",
            json!({"out_trade_no": REFUND_NO, "trade_main_type": main_type}),
        );
        let r = checked(Operation::RefundQuery, &answer(d));
        assert_unknown(&r, Operation::RefundQuery, ErrorCode::MalformedResponse, main_type);
    }
    // A refund query answer that names no refund.
    let d = trade_with("SUCCESS", json!({"out_trade_no": null, "trade_main_type": "REFUND"}));
    let r = checked(Operation::RefundQuery, &answer(d));
    assert_unknown(
        &r,
        Operation::RefundQuery,
        ErrorCode::MalformedResponse,
        "no refund number",
    );
}

/// One appId may serve many merchants (an ISV): an answer naming another merchant is not ours.
#[test]
fn an_answer_about_another_merchant_is_unknown() {
    let other = json!({"merchant_no": "822290070119999"});
    for op in [Operation::Query, Operation::Pay, Operation::Precreate] {
        let d = trade_with("SUCCESS", other.clone());
        let r = checked(op, &signed(&envelope("BBS00000", Some(d))));
        assert_unknown(&r, op, ErrorCode::MalformedResponse, &format!("{op:?}"));
        let m = r.error.unwrap().message;
        assert!(m.contains("merchant_no") && !m.contains("82229007392000A"), "{m}");
    }
    // The same answer naming our merchant is fine.
    let d = trade_with("SUCCESS", json!({"merchant_no": "82229007392000A"}));
    assert_eq!(
        checked(Operation::Query, &signed(&envelope("BBS00000", Some(d)))).outcome,
        Outcome::Succeeded
    );
}

/// A code that says "done" or "in progress" while the answer's own trade_state says otherwise is
/// UNKNOWN: the state the answer carries is mapped (the operation's meaning fills in only when it
/// carries none), so the shared check sees the disagreement.
#[test]
fn code_and_state_that_disagree_are_unknown() {
    let pay = |code: &str, state: Option<&str>| {
        let mut d = json!({"merchant_no": "82229007392000A", "out_trade_no": ORDER, "trade_no": TRADE_NO,
                           "account_type": "WECHAT", "total_amount": "123", "payer_amount": "123",
                           "trade_time": "20210907173330"});
        if let Some(s) = state {
            d["trade_state"] = json!(s);
        }
        signed(&envelope(code, Some(d)))
    };
    // BBS00000 with trade_state FAIL on a micropay: once SUCCEEDED, now UNKNOWN + POLL.
    for state in ["FAIL", "CLOSE", "REVOKED", "DEAL", "CREATE", "UNKNOWN", "WHATEVER"] {
        let r = checked(Operation::Pay, &pay("BBS00000", Some(state)));
        assert_unknown(&r, Operation::Pay, ErrorCode::MalformedResponse, state);
    }
    // The same through the client, as the package calls it.
    let mut client = crate::client::Client::new(&config().to_string()).unwrap();
    let resp = pay("BBS00000", Some("FAIL"));
    let out = client
        .parse(
            "pay",
            200,
            &json!(resp.headers).to_string(),
            resp.body.clone(),
            Some(&valid_input(Operation::Pay).to_string()),
            NOW_MS,
        )
        .unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["outcome"].as_str(), v["next"].as_str()),
        (Some("UNKNOWN"), Some("POLL")),
        "{v}"
    );
    assert!(v.get("order").is_none(), "{v}");
    // Agreeing answers: a carried SUCCESS, or none at all.
    for state in [Some("SUCCESS"), None] {
        let r = checked(Operation::Pay, &pay("BBS00000", state));
        assert_eq!(
            (r.outcome, r.next),
            (Outcome::Succeeded, Next::None),
            "{state:?}: {:?}",
            r.error
        );
        assert_eq!(r.order.as_ref().unwrap().state, OrderState::Success);
        assert_eq!(r.order.unwrap().provider_state.as_deref(), state);
    }
    // In progress with a settled state.
    for state in ["SUCCESS", "FAIL", "CLOSE"] {
        let r = checked(Operation::Pay, &pay("BBS10000", Some(state)));
        assert_unknown(
            &r,
            Operation::Pay,
            ErrorCode::MalformedResponse,
            &format!("BBS10000 {state}"),
        );
    }
    let r = checked(Operation::Pay, &pay("BBS10000", Some("DEAL")));
    assert_eq!((r.outcome, r.next), (Outcome::InProgress, Next::Poll), "{:?}", r.error);
    // A preorder answer whose state is settled.
    for state in ["FAIL", "SUCCESS", "CLOSE"] {
        let d = json!({"out_trade_no": ORDER, "trade_no": TRADE_NO, "trade_state": state,
                       "acc_resp_fields": {"code": "https://qr.alipay.com/x"}});
        let r = checked(Operation::Precreate, &signed(&envelope("BBS00000", Some(d))));
        assert_unknown(&r, Operation::Precreate, ErrorCode::MalformedResponse, state);
    }
    // A refund answer whose own state disagrees with its code.
    let refund = |code: &str, state: &str| {
        let d = json!({"out_trade_no": REFUND_NO, "refund_amount": "100", "origin_out_trade_no": ORDER, "trade_state": state});
        signed(&envelope(code, Some(d)))
    };
    for (code, state) in [
        ("BBS00000", "FAIL"),
        ("BBS00000", "DEAL"),
        ("BBS11112", "SUCCESS"),
        ("BBS11112", "FAIL"),
    ] {
        let r = checked(Operation::Refund, &refund(code, state));
        assert_unknown(
            &r,
            Operation::Refund,
            ErrorCode::MalformedResponse,
            &format!("{code} {state}"),
        );
    }
    let r = checked(Operation::Refund, &refund("BBS00000", "SUCCESS"));
    assert_eq!(r.outcome, Outcome::Succeeded, "{:?}", r.error);
    assert_eq!(r.refund.unwrap().provider_state.as_deref(), Some("SUCCESS"));
    // A pay success that does not name its order.
    let d = json!({"trade_no": TRADE_NO, "total_amount": "123"});
    let r = checked(Operation::Pay, &signed(&envelope("BBS00000", Some(d))));
    assert_unknown(
        &r,
        Operation::Pay,
        ErrorCode::MalformedResponse,
        "pay without out_trade_no",
    );
}

// ================================================================ 4. amounts and time

#[test]
fn seed_query_answer_maps_amounts_and_time() {
    let r = parse(Operation::Query, &signed(&envelope("BBS00000", Some(trade("SUCCESS")))));
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::None));
    let o = r.order.unwrap();
    assert_eq!(o.merchant_order_no.as_deref(), Some(ORDER));
    assert_eq!(o.provider_order_no.as_deref(), Some(TRADE_NO));
    assert_eq!(o.channel_order_no.as_deref(), Some("4200001212202109078945008028"));
    assert_eq!(o.channel, Some(Channel::Wechat));
    assert_eq!(
        o.amounts,
        Amounts {
            total: Some(123),
            paid: Some(123),
            refunded: Some(0),
            net: Some(123), // acc_settle_amount: what the wallet settles (seed 003)
            fee: None,
            discount: Some(0)
        }
    );
    // trade_time 20210907150327 is Beijing time: 2021-09-07T07:03:27Z.
    assert_eq!(o.paid_at, Some(1_630_998_207_000));
    assert_eq!(r.raw.value()["resp_data"]["log_no"], "66210003630077", "raw keeps the body");
}

#[test]
fn amount_mapping_by_state() {
    let amounts = json!({"total_amount": "1000", "payer_amount": "985", "acc_mdiscount_amount": "10", "acc_discount_amount": "5", "trade_time": "20211213111340"});
    let query = |state: &str| {
        let r = parse(
            Operation::Query,
            &signed(&envelope("BBS00000", Some(trade_with(state, amounts.clone())))),
        );
        r.order.unwrap_or_else(|| panic!("{state}: {:?}", r.error))
    };
    let o = query("SUCCESS");
    assert_eq!(
        (o.amounts.total, o.amounts.paid, o.amounts.refunded, o.amounts.discount),
        (Some(1000), Some(985), Some(0), Some(15))
    );
    assert_eq!(o.paid_at, Some(1_639_365_220_000));
    let o = query("REFUND");
    assert_eq!((o.amounts.paid, o.amounts.refunded), (Some(985), Some(1000)));
    assert_eq!(o.paid_at, Some(1_639_365_220_000));
    let o = query("PART_REFUND");
    assert_eq!(
        (o.amounts.paid, o.amounts.refunded),
        (Some(985), None),
        "how much was refunded is not said"
    );
    for state in ["CREATE", "FAIL", "CLOSE"] {
        let o = query(state);
        assert_eq!(
            (o.amounts.paid, o.amounts.refunded, o.paid_at),
            (Some(0), Some(0), None),
            "{state}"
        );
    }
    let o = query("UNKNOWN");
    assert_eq!((o.amounts.paid, o.amounts.refunded, o.paid_at), (None, None, None));
    // No payer_amount: paid is the total.
    let r = parse(
        Operation::Query,
        &signed(&envelope(
            "BBS00000",
            Some(trade_with("SUCCESS", json!({"payer_amount": null}))),
        )),
    );
    assert_eq!(r.order.unwrap().amounts.paid, Some(123));
    // Empty or absent amounts are "not said"; a trade time that is not a real time gives no paidAt.
    let r = parse(
        Operation::Query,
        &signed(&envelope(
            "BBS00000",
            Some(trade_with(
                "SUCCESS",
                json!({
        "total_amount": "", "payer_amount": null, "acc_mdiscount_amount": null, "acc_discount_amount": "", "trade_time": "2021-09-07 15:03"}),
            )),
        )),
    );
    let o = r.order.unwrap();
    assert_eq!(
        (o.amounts.total, o.amounts.paid, o.amounts.discount, o.paid_at),
        (None, None, None, None)
    );
}

#[test]
fn amounts_that_are_not_fen_digits_are_malformed() {
    for bad in ["1.23", "-5", "12a", " 12", "1e3", "99999999999999999"] {
        let r = parse(
            Operation::Query,
            &signed(&envelope(
                "BBS00000",
                Some(trade_with("SUCCESS", json!({"total_amount": bad}))),
            )),
        );
        assert_uncertain(&r, Operation::Query, ErrorCode::MalformedResponse, bad);
        assert!(r.error.unwrap().message.contains("total_amount"));
    }
}

#[test]
fn channels() {
    for (account_type, channel) in [
        ("WECHAT", Some(Channel::Wechat)),
        ("ALIPAY", Some(Channel::Alipay)),
        ("UQRCODEPAY", Some(Channel::Unionpay)),
        ("BESTPAY", Some(Channel::Other)),
        ("", None),
    ] {
        let d = trade_with("SUCCESS", json!({"account_type": account_type, "acc_trade_no": ""}));
        let o = parse(Operation::Query, &signed(&envelope("BBS00000", Some(d))))
            .order
            .unwrap();
        assert_eq!(o.channel, channel, "{account_type}");
        assert_eq!(o.channel_order_no, None);
    }
}

// ================================================================ 5. input validation

fn build_err(op: Operation, inp: Input) -> Error {
    gateway().build(op, &inp, &ctx()).expect_err("accepted")
}

fn assert_input_error(e: &Error, field: &str, what: &str) {
    assert_eq!(e.code, ErrorCode::InvalidInput, "{what}: {e}");
    assert_eq!(e.field.as_deref(), Some(field), "{what}: {e}");
    assert!(
        e.message.contains(field),
        "{what}: the message names the field: {}",
        e.message
    );
}

#[test]
fn valid_inputs_build() {
    for op in [
        Operation::Pay,
        Operation::Precreate,
        Operation::Query,
        Operation::RefundQuery,
        Operation::Refund,
        Operation::Close,
        Operation::Cancel,
        Operation::Revoke,
    ] {
        let p = gateway()
            .build(op, &input(valid_input(op)), &ctx())
            .unwrap_or_else(|e| panic!("{op:?}: {e}"));
        assert!(p.to_sign.is_some(), "{op:?}");
    }
}

#[test]
fn required_fields_are_named() {
    let cases: Vec<(&str, Operation, Input, &str)> = vec![
        (
            "pay without clientIp",
            Operation::Pay,
            with(Operation::Pay, "clientIp", Value::Null),
            "clientIp",
        ),
        (
            "pay with empty clientIp",
            Operation::Pay,
            with(Operation::Pay, "clientIp", json!("")),
            "clientIp",
        ),
        (
            "pay with a clientIp that is not an address",
            Operation::Pay,
            with(Operation::Pay, "clientIp", json!("10.0.0.1; rm")),
            "clientIp",
        ),
        (
            "pay without authCode",
            Operation::Pay,
            with(Operation::Pay, "authCode", Value::Null),
            "authCode",
        ),
        (
            "pay without merchantOrderNo",
            Operation::Pay,
            with(Operation::Pay, "merchantOrderNo", Value::Null),
            "merchantOrderNo",
        ),
        (
            "pay without amount",
            Operation::Pay,
            with(Operation::Pay, "amount", Value::Null),
            "amount",
        ),
        (
            "pay with amount 0",
            Operation::Pay,
            with(Operation::Pay, "amount", json!(0)),
            "amount",
        ),
        (
            "pay with amount over String(12)",
            Operation::Pay,
            with(Operation::Pay, "amount", json!(1_000_000_000_000i64)),
            "amount",
        ),
        (
            "pay with a 33-char merchantOrderNo",
            Operation::Pay,
            with(Operation::Pay, "merchantOrderNo", json!("x".repeat(33))),
            "merchantOrderNo",
        ),
        (
            "precreate without channel",
            Operation::Precreate,
            with(Operation::Precreate, "channel", Value::Null),
            "channel",
        ),
        (
            "precreate with an unknown channel",
            Operation::Precreate,
            with(Operation::Precreate, "channel", json!("PAYPAL")),
            "channel",
        ),
        (
            "precreate without clientIp",
            Operation::Precreate,
            with(Operation::Precreate, "clientIp", Value::Null),
            "clientIp",
        ),
        (
            "refund without refundNo",
            Operation::Refund,
            with(Operation::Refund, "refundNo", Value::Null),
            "refundNo",
        ),
        (
            "refund without amount",
            Operation::Refund,
            with(Operation::Refund, "amount", Value::Null),
            "amount",
        ),
        (
            "refund without clientIp",
            Operation::Refund,
            with(Operation::Refund, "clientIp", Value::Null),
            "clientIp",
        ),
        (
            "refund without the original order",
            Operation::Refund,
            with(Operation::Refund, "merchantOrderNo", Value::Null),
            "merchantOrderNo",
        ),
        (
            "refundQuery without refundNo",
            Operation::RefundQuery,
            input(json!({"merchantOrderNo": ORDER})),
            "refundNo",
        ),
        (
            "query without an order",
            Operation::Query,
            input(json!({})),
            "merchantOrderNo",
        ),
        (
            "close without clientIp",
            Operation::Close,
            with(Operation::Close, "clientIp", Value::Null),
            "clientIp",
        ),
        (
            "revoke without clientIp",
            Operation::Revoke,
            with(Operation::Revoke, "clientIp", Value::Null),
            "clientIp",
        ),
        (
            "extra overriding a library field",
            Operation::Query,
            input(json!({"merchantOrderNo": ORDER, "extra": {"merchant_no": "x"}})),
            "extra.merchant_no",
        ),
    ];
    for (what, op, inp, field) in cases {
        assert_input_error(&build_err(op, inp), field, what);
    }
    for op in [Operation::Activate, Operation::Checkin] {
        assert_eq!(
            build_err(op, input(json!({}))).code,
            ErrorCode::UnsupportedOperation,
            "{op:?}"
        );
    }
}

#[test]
fn request_fields() {
    let body = |op: Operation, inp: Value| -> Value {
        let p = gateway().build(op, &input(inp), &ctx()).unwrap();
        serde_json::from_str(&p.request.body).unwrap()
    };
    let b = body(Operation::Pay, valid_input(Operation::Pay));
    assert_eq!(b["req_time"], "20210907173330");
    assert_eq!(b["req_data"]["total_amount"], "123", "fen as an integer string");
    assert_eq!(b["req_data"]["location_info"], json!({"request_ip": "10.0.0.1"}));
    let b = body(Operation::Precreate, valid_input(Operation::Precreate));
    assert_eq!(
        (
            b["req_data"]["account_type"].as_str(),
            b["req_data"]["trans_type"].as_str()
        ),
        (Some("ALIPAY"), Some("41"))
    );
    let b = body(
        Operation::Precreate,
        json!({"merchantOrderNo": ORDER, "amount": 1, "channel": "UNIONPAY", "kind": "JSAPI", "clientIp": "::1", "payerId": "u1"}),
    );
    assert_eq!(
        (
            b["req_data"]["account_type"].as_str(),
            b["req_data"]["trans_type"].as_str()
        ),
        (Some("UQRCODEPAY"), Some("51"))
    );
    assert_eq!(b["req_data"]["acc_busi_fields"], json!({"user_id": "u1"}));
    let b = body(Operation::Refund, valid_input(Operation::Refund));
    assert_eq!(b["req_data"]["out_trade_no"], REFUND_NO);
    assert_eq!(b["req_data"]["origin_out_trade_no"], ORDER);
    assert_eq!(b["req_data"]["refund_amount"], "100");
    // A reversal is a trade of its own: its out_trade_no is the refundNo, else the request's nonce.
    let b = body(
        Operation::Revoke,
        json!({"merchantOrderNo": ORDER, "clientIp": "10.0.0.1", "refundNo": "V1"}),
    );
    assert_eq!(
        (
            b["req_data"]["out_trade_no"].as_str(),
            b["req_data"]["origin_out_trade_no"].as_str()
        ),
        (Some("V1"), Some(ORDER))
    );
    let b = body(Operation::Cancel, valid_input(Operation::Cancel));
    assert_eq!(b["req_data"]["out_trade_no"], "a1b2c3d4e5f6");
    let b = body(
        Operation::Query,
        json!({"merchantOrderNo": ORDER, "providerOrderNo": TRADE_NO}),
    );
    assert_eq!(
        (
            b["req_data"]["out_trade_no"].as_str(),
            b["req_data"]["trade_no"].as_str()
        ),
        (Some(ORDER), Some(TRADE_NO))
    );
}

// ================================================================ 6. configuration

#[test]
fn config_errors() {
    let cases: Vec<(&str, Value, ErrorCode, &str)> = vec![
        (
            "serialNo neither given nor derivable",
            config_with(json!({"merchantCertificate": null})),
            ErrorCode::InvalidConfig,
            "credentials.serialNo",
        ),
        (
            "blank serialNo and no certificate",
            config_with(json!({"merchantCertificate": null, "serialNo": " "})),
            ErrorCode::InvalidConfig,
            "credentials.serialNo",
        ),
        (
            "serialNo not hex",
            config_with(json!({"merchantCertificate": null, "serialNo": "00dfba81-94"})),
            ErrorCode::InvalidConfig,
            "credentials.serialNo",
        ),
        (
            "private key as platformCertificate",
            config_with(json!({"platformCertificate": PLATFORM_KEY})),
            ErrorCode::InvalidKey,
            "credentials.platformCertificate",
        ),
        (
            "private key as merchantCertificate",
            config_with(json!({"merchantCertificate": MERCHANT_KEY})),
            ErrorCode::InvalidKey,
            "credentials.merchantCertificate",
        ),
        (
            "private key as notifyCertificate",
            config_with(json!({"notifyCertificate": PLATFORM_KEY})),
            ErrorCode::InvalidKey,
            "credentials.notifyCertificate",
        ),
        (
            "garbage privateKey",
            config_with(json!({"privateKey": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"})),
            ErrorCode::InvalidKey,
            "credentials.privateKey",
        ),
        (
            "no credentials",
            json!({"provider": "lakala"}),
            ErrorCode::InvalidConfig,
            "credentials",
        ),
        (
            "tolerance 0",
            {
                let mut c = config();
                c["notificationToleranceSeconds"] = json!(0);
                c
            },
            ErrorCode::InvalidConfig,
            "notificationToleranceSeconds",
        ),
        (
            "tolerance negative",
            {
                let mut c = config();
                c["notificationToleranceSeconds"] = json!(-300);
                c
            },
            ErrorCode::InvalidConfig,
            "notificationToleranceSeconds",
        ),
        (
            "tolerance over an hour",
            {
                let mut c = config();
                c["notificationToleranceSeconds"] = json!(3601);
                c
            },
            ErrorCode::InvalidConfig,
            "notificationToleranceSeconds",
        ),
        (
            "tolerance a year",
            {
                let mut c = config();
                c["notificationToleranceSeconds"] = json!(31_536_000);
                c
            },
            ErrorCode::InvalidConfig,
            "notificationToleranceSeconds",
        ),
    ];
    for (what, cfg, code, field) in cases {
        let e = Lakala::new(cfg.clone())
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        assert_eq!(e.code, code, "{what}: {e}");
        assert_eq!(e.field.as_deref(), Some(field), "{what}: {e}");
        assert!(e.message.contains(field), "{what}: {}", e.message);
        assert_no_secret(&format!("{} {e:?} {}", e.to_json(), e), what);
        // No configured value is echoed (numbers included).
        for value in ["31536000", "3601", "-300", "s2.lakala.com", "00dfba81-94"] {
            assert!(!e.message.contains(value), "{what}: {}", e.message);
        }
        // The registry says the same, naming an unknown credentials key by its path.
        let e2 = crate::providers::create(&cfg.to_string()).err().unwrap();
        let path = e
            .field
            .clone()
            .map(|f| match cfg.get("credentials").and_then(|c| c.get(&f)) {
                Some(_) if cfg.get(&f).is_none() => format!("credentials.{f}"),
                _ => f,
            });
        assert_eq!((e2.code, e2.field), (code, path), "{what}");
    }
    // The certificate's message says what it is and what is needed.
    let e = Lakala::new(config_with(json!({"privateKey": MERCHANT_CERT}))).unwrap_err();
    assert!(
        e.message.contains("certificate") && e.message.contains("private key"),
        "{}",
        e.message
    );
    let e = Lakala::new(config_with(json!({"merchantCertificate": null}))).unwrap_err();
    assert!(e.message.contains("merchantCertificate"), "{}", e.message);
}

#[test]
fn config_accepts() {
    // Serial given directly (any case) instead of the certificate.
    let gw = Lakala::new(config_with(
        json!({"merchantCertificate": null, "serialNo": "00DFBA8194C41B84CF"}),
    ))
    .unwrap();
    assert_eq!(gw.serial_no, "00dfba8194c41b84cf");
    // Derived from the certificate, leading 00 kept.
    assert_eq!(gateway().serial_no, "00dfba8194c41b84cf");
    assert_eq!(gateway().tolerance_seconds, 300);
    // The upper bound is accepted.
    let mut c = config();
    c["notificationToleranceSeconds"] = json!(3600);
    assert_eq!(Lakala::new(c).unwrap().tolerance_seconds, 3600);
    // Custom base URL, trailing slash dropped.
    let mut c = config();
    c["baseUrl"] = json!("https://test.wsmsd.cn/sit/");
    let gw = Lakala::new(c).unwrap();
    let p = gw
        .build(Operation::Query, &input(valid_input(Operation::Query)), &ctx())
        .unwrap();
    assert_eq!(p.request.url, "https://test.wsmsd.cn/sit/api/v3/labs/query/tradequery");
    // PKCS#1 and bare Base64 private keys.
    let bare: String = MERCHANT_KEY.lines().filter(|l| !l.starts_with("-----")).collect();
    let gw = Lakala::new(config_with(json!({"privateKey": bare}))).unwrap();
    assert_eq!(gw.private_key.pkcs8_der(), gateway().private_key.pkcs8_der());
}

// ================================================================ 7. notifications

/// A trade notice (doc 1112) with `trade_status`.
fn notice(status: &str) -> Vec<u8> {
    json!({"merchant_no": "82229007392000A", "term_no": "D9296400", "out_trade_no": ORDER, "trade_no": TRADE_NO, "log_no": "66210003630077",
           "acc_trade_no": "4200001212202109078945008028", "account_type": "WECHAT", "trade_status": status,
           "total_amount": "123", "payer_amount": "123", "trade_time": "20210907150327", "user_id1": "o1"})
    .to_string()
    .into_bytes()
}

fn notify_headers(key: &PrivateKey, ts: i64, nonce: &str, body: &[u8]) -> BTreeMap<String, String> {
    let ts = ts.to_string();
    let sig = crypto::base64_encode(&key.sign_sha256(&notification_message(&ts, nonce, body)).unwrap());
    let mut h = BTreeMap::new();
    h.insert(
        "Authorization".to_string(),
        format!("LKLAPI-SHA256withRSA timestamp=\"{ts}\",nonce_str=\"{nonce}\",signature=\"{sig}\""),
    );
    h.insert("Content-Type".to_string(), "application/json".to_string());
    h
}

const NOW_S: i64 = NOW_MS / 1000;

fn verify(gw: &Lakala, h: &BTreeMap<String, String>, body: &[u8]) -> Result<Notification> {
    gw.verify_notification(
        h,
        body,
        &Ctx {
            now_ms: NOW_MS + 456,
            nonce: String::new(),
            verifier: Default::default(),
        },
    )
}

fn reason(r: Result<Notification>, what: &str) -> &'static str {
    let e = r.err().unwrap_or_else(|| panic!("{what}: accepted"));
    assert_eq!(e.code, ErrorCode::NotificationInvalid, "{what}: {e}");
    e.reason.unwrap_or_else(|| panic!("{what}: no reason"))
}

#[test]
fn a_valid_notification_is_accepted_with_the_exact_ack() {
    let body = notice("SUCCESS");
    let n = verify(
        &gateway(),
        &notify_headers(platform_key(), NOW_S, "a1b2c3d4e5f6", &body),
        &body,
    )
    .unwrap();
    assert_eq!(n.ack.body, ACK);
    assert_eq!(n.ack.status, 200);
    assert_eq!(
        n.ack.headers.get("content-type").map(String::as_str),
        Some("application/json")
    );
    assert_eq!((n.order.state, n.order.is_final), (OrderState::Success, true));
    assert_eq!(n.order.merchant_order_no.as_deref(), Some(ORDER));
    assert_eq!(n.order.provider_state.as_deref(), Some("SUCCESS"));
    assert_eq!(n.order.amounts.paid, Some(123));
    assert_eq!(n.order.paid_at, Some(1_630_998_207_000));
    assert_eq!(n.raw.value()["log_no"], "66210003630077");
    // Other states map through the same table.
    for (status, state, _) in TRADE_STATE_TABLE.iter().take(3) {
        let body = notice(status);
        let n = verify(&gateway(), &notify_headers(platform_key(), NOW_S, "x", &body), &body).unwrap();
        assert_eq!(n.order.state, *state, "{status}");
    }
}

#[test]
fn notification_signature_failures() {
    let gw = gateway();
    let body = notice("SUCCESS");
    let h = notify_headers(platform_key(), NOW_S, "a1b2c3d4e5f6", &body);
    let tampered = notice("SUCCESS")
        .iter()
        .map(|&b| if b == b'3' { b'4' } else { b })
        .collect::<Vec<u8>>();
    assert_ne!(tampered, body);
    assert_eq!(reason(verify(&gw, &h, &tampered), "tampered body"), "BAD_SIGNATURE");
    let mut appended = body.clone();
    appended.push(b'\n');
    assert_eq!(reason(verify(&gw, &h, &appended), "newline appended"), "BAD_SIGNATURE");
    assert_eq!(
        reason(
            verify(&gw, &notify_headers(other_key(), NOW_S, "n", &body), &body),
            "another key"
        ),
        "BAD_SIGNATURE"
    );
    // The timestamp and nonce are signed too.
    let auth = h["Authorization"].clone();
    for (from, to) in [
        (format!("timestamp=\"{NOW_S}\""), format!("timestamp=\"{}\"", NOW_S + 1)),
        ("nonce_str=\"a1b2c3d4e5f6\"".into(), "nonce_str=\"a1b2c3d4e5f7\"".into()),
    ] {
        let mut h2 = h.clone();
        h2.insert("Authorization".into(), auth.replace(&from, &to));
        assert_eq!(reason(verify(&gw, &h2, &body), &to), "BAD_SIGNATURE");
    }
    let mut h2 = h.clone();
    h2.insert("Authorization".into(), auth.replace("signature=\"", "signature=\"AAAA"));
    assert_eq!(reason(verify(&gw, &h2, &body), "signature changed"), "BAD_SIGNATURE");
    // A notice signed by the platform key does not verify with a separate notify certificate.
    let gw2 = Lakala::new(config_with(json!({"notifyCertificate": OTHER_CERT}))).unwrap();
    assert_eq!(reason(verify(&gw2, &h, &body), "notifyCertificate"), "BAD_SIGNATURE");
    assert!(
        verify(&gw2, &notify_headers(other_key(), NOW_S, "n", &body), &body).is_ok(),
        "notifyCertificate is used"
    );
}

#[test]
fn notification_missing_signature() {
    let gw = gateway();
    let body = notice("SUCCESS");
    let h = notify_headers(platform_key(), NOW_S, "a1b2c3d4e5f6", &body);
    let auth = h["Authorization"].clone();
    let (ts, nonce, sig) = {
        let p = authorization_pairs(&auth).unwrap();
        (p["timestamp"].clone(), p["nonce_str"].clone(), p["signature"].clone())
    };
    let mut cases: Vec<(&str, BTreeMap<String, String>)> = vec![("no headers", BTreeMap::new())];
    let mut no_auth = h.clone();
    no_auth.remove("Authorization");
    cases.push(("no Authorization", no_auth));
    for (what, value) in [
        ("empty", String::new()),
        ("blank", "   ".to_string()),
        (
            "another scheme",
            auth.replace("LKLAPI-SHA256withRSA", "WECHATPAY2-SHA256-RSA2048"),
        ),
        (
            "no signature",
            format!("LKLAPI-SHA256withRSA timestamp=\"{ts}\",nonce_str=\"{nonce}\""),
        ),
        (
            "no timestamp",
            format!("LKLAPI-SHA256withRSA nonce_str=\"{nonce}\",signature=\"{sig}\""),
        ),
        (
            "no nonce",
            format!("LKLAPI-SHA256withRSA timestamp=\"{ts}\",signature=\"{sig}\""),
        ),
        (
            "empty signature",
            format!("LKLAPI-SHA256withRSA timestamp=\"{ts}\",nonce_str=\"{nonce}\",signature=\"\""),
        ),
        ("not pairs", "LKLAPI-SHA256withRSA garbage".to_string()),
    ] {
        let mut h2 = h.clone();
        h2.insert("Authorization".into(), value);
        cases.push((what, h2));
    }
    for (what, headers) in cases {
        assert_eq!(
            reason(verify(&gw, &headers, &body), what),
            "MISSING_SIGNATURE",
            "{what}"
        );
    }
}

#[test]
fn notification_header_forms() {
    let gw = gateway();
    let body = notice("SUCCESS");
    let h = notify_headers(platform_key(), NOW_S, "a1b2c3d4e5f6", &body);
    let auth = h["Authorization"].clone();
    for name in ["authorization", "AUTHORIZATION", "Authorization"] {
        let mut h2 = BTreeMap::new();
        h2.insert(name.to_string(), auth.clone());
        assert!(verify(&gw, &h2, &body).is_ok(), "{name}");
    }
    // Pairs in another order, with spaces after the commas.
    let p = authorization_pairs(&auth).unwrap();
    let reordered = format!(
        "LKLAPI-SHA256withRSA signature=\"{}\", nonce_str=\"{}\", timestamp=\"{}\"",
        p["signature"], p["nonce_str"], p["timestamp"]
    );
    let mut h2 = BTreeMap::new();
    h2.insert("authorization".to_string(), reordered);
    assert!(verify(&gw, &h2, &body).is_ok());
    // A 10-character nonce (seen from Lakala), a 32-character one, and a 1-character one.
    for nonce in ["Ab3dE6gH9j", "0123456789abcdef0123456789abcdef", "z"] {
        assert!(
            verify(&gw, &notify_headers(platform_key(), NOW_S, nonce, &body), &body).is_ok(),
            "{nonce}"
        );
    }
}

#[test]
fn notification_replay_window() {
    let gw = gateway();
    let body = notice("SUCCESS");
    let at = |gw: &Lakala, offset: i64| {
        verify(
            gw,
            &notify_headers(platform_key(), NOW_S + offset, "a1b2c3d4e5", &body),
            &body,
        )
    };
    for offset in [0, 299, -299, 300, -300, 1, -1] {
        assert!(at(&gw, offset).is_ok(), "{offset} s");
    }
    for offset in [301, -301, 3600, -86_400, -NOW_S] {
        let e = at(&gw, offset).unwrap_err();
        assert_eq!(
            (e.code, e.reason),
            (ErrorCode::NotificationInvalid, Some("EXPIRED")),
            "{offset} s"
        );
    }
    // A custom window.
    let mut c = config();
    c["notificationToleranceSeconds"] = json!(60);
    let gw60 = Lakala::new(c).unwrap();
    for offset in [59, -59, 60] {
        assert!(at(&gw60, offset).is_ok(), "{offset} s within 60");
    }
    for offset in [61, -61, 299] {
        assert_eq!(reason(at(&gw60, offset), "60 s window"), "EXPIRED", "{offset} s");
    }
    let mut c = config();
    c["notificationToleranceSeconds"] = json!(3600);
    let gw3600 = Lakala::new(c).unwrap();
    assert!(at(&gw3600, 3599).is_ok());
    assert_eq!(reason(at(&gw3600, 3601), "1 h window"), "EXPIRED");
}

#[test]
fn notification_malformed() {
    let gw = gateway();
    // Correctly signed, but the timestamp is not seconds, or the body is not a trade notice.
    let body = notice("SUCCESS");
    let sig = crypto::base64_encode(
        &platform_key()
            .sign_sha256(&notification_message("soon", "n", &body))
            .unwrap(),
    );
    let mut h = BTreeMap::new();
    h.insert(
        "Authorization".to_string(),
        format!("LKLAPI-SHA256withRSA timestamp=\"soon\",nonce_str=\"n\",signature=\"{sig}\""),
    );
    assert_eq!(reason(verify(&gw, &h, &body), "timestamp not digits"), "MALFORMED");
    for bad in [
        &b"not json"[..],
        b"[]",
        br#"{"total_amount": 5}"#,
        br#"{"trade_status":"SUCCESS","total_amount":"1.5"}"#,
    ] {
        let h = notify_headers(platform_key(), NOW_S, "n", bad);
        assert_eq!(reason(verify(&gw, &h, bad), &String::from_utf8_lossy(bad)), "MALFORMED");
    }
    // An unlisted status is accepted as a genuine notice with an UNKNOWN order.
    let body = notice("WHATEVER");
    let n = verify(&gw, &notify_headers(platform_key(), NOW_S, "n", &body), &body).unwrap();
    assert_eq!((n.order.state, n.order.is_final), (OrderState::Unknown, false));
    // A refund or reversal trade's SUCCESS is not a payment's (attacker review, finding 11).
    for kind in ["REFUND", "CANCEL"] {
        let mut v: Value = serde_json::from_slice(&notice("SUCCESS")).unwrap();
        v["trade_main_type"] = json!(kind);
        let body = v.to_string().into_bytes();
        let n = verify(&gw, &notify_headers(platform_key(), NOW_S, "n", &body), &body).unwrap();
        assert_eq!((n.order.state, n.order.paid_at), (OrderState::Unknown, None), "{kind}");
    }
}

/// Lakala signs every merchant's notices with one platform key: a genuine notice for another merchant
/// or terminal carrying our order number (a fraudster's 0.01 yuan order) is rejected, as is one that
/// names neither. The message names the field, never a configured number.
#[test]
fn a_notice_for_another_merchant_is_rejected() {
    let gw = gateway();
    let notice_with = |changes: Value| {
        let mut v: Value = serde_json::from_slice(&notice("SUCCESS")).unwrap();
        for (k, x) in changes.as_object().unwrap() {
            if x.is_null() {
                v.as_object_mut().unwrap().remove(k);
            } else {
                v[k] = x.clone();
            }
        }
        v.to_string().into_bytes()
    };
    for (what, changes, field) in [
        (
            "another merchant",
            json!({"merchant_no": "822290070119999"}),
            "merchant_no",
        ),
        ("another terminal", json!({"term_no": "D9296401"}), "term_no"),
        (
            "both",
            json!({"merchant_no": "822290070119999", "term_no": "X1"}),
            "merchant_no",
        ),
        ("no merchant_no", json!({"merchant_no": null}), "merchant_no"),
        ("empty merchant_no", json!({"merchant_no": ""}), "merchant_no"),
        ("case differs", json!({"merchant_no": "82229007392000a"}), "merchant_no"),
    ] {
        let body = notice_with(changes);
        let e = verify(&gw, &notify_headers(platform_key(), NOW_S, "n1", &body), &body)
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        assert_eq!(
            (e.code, e.reason),
            (ErrorCode::NotificationInvalid, Some("WRONG_MERCHANT")),
            "{what}: {e}"
        );
        assert!(e.message.contains(field), "{what}: {}", e.message);
        for configured in ["82229007392000A", "D9296400"] {
            assert!(!e.message.contains(configured), "{what}: {}", e.message);
        }
    }
    // Ours: accepted, with or without term_no (public integrations read notices without it).
    let body = notice("SUCCESS");
    assert!(verify(&gw, &notify_headers(platform_key(), NOW_S, "n1", &body), &body).is_ok());
    let body = notice_with(json!({"term_no": null}));
    assert!(verify(&gw, &notify_headers(platform_key(), NOW_S, "n1", &body), &body).is_ok());
    // Another client, configured for the other merchant, accepts that merchant's notice.
    let other = Lakala::new(config_with(json!({"merchantNo": "822290070119999"}))).unwrap();
    let body = notice_with(json!({"merchant_no": "822290070119999"}));
    assert!(verify(&other, &notify_headers(platform_key(), NOW_S, "n1", &body), &body).is_ok());
}

/// A signed timestamp so far from now that `now - timestamp` overflows i64.
#[test]
fn notification_timestamp_overflow_is_expired() {
    let gw = gateway();
    let body = notice("SUCCESS");
    for ts in [i64::MIN, NOW_S + i64::MIN, i64::MAX] {
        let h = notify_headers(platform_key(), ts, "n", &body);
        assert_eq!(reason(verify(&gw, &h, &body), &ts.to_string()), "EXPIRED", "{ts}");
    }
}

// ================================================================ 8. secrets

/// No text (Debug, error) quotes 16 consecutive characters of the merchant private key.
fn assert_no_secret(text: &str, what: &str) {
    crate::providers::testkit::assert_no_key_text(text, MERCHANT_KEY, what);
}

#[test]
fn secrets_never_appear() {
    let gw = gateway();
    assert_no_secret(&format!("{gw:?} {gw:#?}"), "Debug of the gateway");
    let boxed = crate::providers::create(&config().to_string()).unwrap();
    assert_no_secret(&format!("{boxed:?}"), "Debug of the boxed gateway");
    let client = crate::Client::new(&config().to_string()).unwrap();
    assert_no_secret(&format!("{client:?}"), "Debug of the client");
    // Errors from a damaged or misplaced private key.
    let truncated = &MERCHANT_KEY[..MERCHANT_KEY.len() - 200];
    let damaged = MERCHANT_KEY.replace("MII", "MIJ");
    let bare: String = MERCHANT_KEY.lines().filter(|l| !l.starts_with("-----")).collect();
    for (what, changes) in [
        ("truncated", json!({"privateKey": truncated})),
        ("damaged", json!({"privateKey": damaged})),
        ("as platformCertificate", json!({"platformCertificate": MERCHANT_KEY})),
        ("bare as platformCertificate", json!({"platformCertificate": bare})),
        ("as merchantCertificate", json!({"merchantCertificate": MERCHANT_KEY})),
        (
            "as serialNo",
            json!({"merchantCertificate": null, "serialNo": MERCHANT_KEY}),
        ),
        ("as a number", json!({"privateKey": 12345})),
        ("under an unknown name", json!({"privateKEY": MERCHANT_KEY})),
    ] {
        let e = Lakala::new(config_with(changes))
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        assert_no_secret(&format!("{e} {e:?} {}", e.to_json()), what);
    }
    // Parse results never carry the key either.
    let r = parse(Operation::Query, &signed(&envelope("BBS00000", Some(trade("SUCCESS")))));
    assert_no_secret(&serde_json::to_string(&r).unwrap(), "result");
}

// ================================================================ 9. conformance fixture

/// What the cross-provider suite (`providers::conformance`) runs against: answers built as above,
/// signed with the test platform key at `NOW_MS` + 1 s, as the gateway (and the emulator) signs them.
pub(crate) fn fixture() -> Box<dyn crate::providers::conformance::Fixture> {
    Box::new(LakalaFixture)
}

struct LakalaFixture;

/// The refund the fixture's refund and refund query are about.
const CONF_REFUND_NO: &str = "CONFR2026120100001";
/// The reversal's own number (the request's nonce when no refundNo is given).
const CONF_REVOKE_NO: &str = "CONFV2026120100001";

impl crate::providers::conformance::Fixture for LakalaFixture {
    fn config(&self) -> Value {
        config()
    }

    fn input(&self, op: Operation, o: &crate::providers::conformance::OrderRef) -> Option<Value> {
        let no = o.merchant_order_no.as_str();
        Some(match op {
            Operation::Pay => {
                json!({"merchantOrderNo": no, "amount": o.amount, "authCode": "134567890123456789", "clientIp": "10.0.0.1"})
            }
            Operation::Precreate => {
                json!({"merchantOrderNo": no, "amount": o.amount, "channel": "ALIPAY", "clientIp": "10.0.0.1"})
            }
            Operation::Query => json!({"merchantOrderNo": no}),
            Operation::RefundQuery => json!({"refundNo": CONF_REFUND_NO}),
            Operation::Refund => {
                json!({"merchantOrderNo": no, "refundNo": CONF_REFUND_NO, "amount": o.amount, "clientIp": "10.0.0.1"})
            }
            Operation::Close | Operation::Cancel | Operation::Revoke => {
                json!({"merchantOrderNo": no, "clientIp": "10.0.0.1"})
            }
            Operation::Activate | Operation::Checkin => return None,
        })
    }

    fn answer(
        &self,
        op: Operation,
        o: &crate::providers::conformance::OrderRef,
        said: crate::providers::conformance::Said,
    ) -> HttpResponse {
        use crate::providers::conformance::Said;
        let state = match said {
            // Lakala documents no code for a repeated out_trade_no (it publishes no list of failure
            // codes); the emulator answers EMU40900, which the table leaves UNKNOWN like any other.
            Said::DuplicateOrder => {
                let body = json!({"code": "EMU40900", "msg": "out_trade_no already used", "resp_time": "20210907173331"});
                return signed(&body);
            }
            Said::Ok(state) => state,
        };
        let (no, trade_no, total) = (
            o.merchant_order_no.as_str(),
            o.provider_order_no.as_str(),
            o.amount.to_string(),
        );
        let merchant = "82229007392000A";
        let (code, data) = match op {
            // A micropay answer carries no trade_state: its code says paid or in progress.
            Operation::Pay => {
                let code = if crate::providers::order_state(ORDER_STATES, Some(state)).0.was_paid() {
                    "BBS00000"
                } else {
                    "BBS10000"
                };
                let d = json!({"merchant_no": merchant, "out_trade_no": no, "trade_no": trade_no,
                               "acc_trade_no": "4200001212202109078945008028", "account_type": "WECHAT",
                               "total_amount": total, "payer_amount": total, "trade_time": "20210907173330"});
                (code, d)
            }
            Operation::Precreate => (
                "BBS00000",
                json!({"merchant_no": merchant, "out_trade_no": no, "trade_no": trade_no,
                       "acc_resp_fields": {"code": "https://qr.alipay.com/bax01234", "code_image": ""}}),
            ),
            Operation::Query => (
                "BBS00000",
                trade_with(
                    state,
                    json!({"merchant_no": merchant, "out_trade_no": no, "trade_no": trade_no,
                           "trade_main_type": "MICROPAY", "total_amount": total, "payer_amount": total}),
                ),
            ),
            Operation::RefundQuery => (
                "BBS00000",
                trade_with(
                    state,
                    json!({"merchant_no": merchant, "out_trade_no": CONF_REFUND_NO, "trade_no": "2021090766210003630099",
                           "trade_main_type": "REFUND", "total_amount": total, "payer_amount": total}),
                ),
            ),
            Operation::Refund => (
                "BBS00000",
                json!({"merchant_no": merchant, "out_trade_no": CONF_REFUND_NO, "trade_no": "2021090766210003630099",
                       "refund_amount": total, "total_amount": total, "origin_out_trade_no": no,
                       "origin_trade_no": trade_no, "trade_time": "20210907173330"}),
            ),
            Operation::Close => (
                "BBS00000",
                json!({"origin_trade_no": trade_no, "origin_out_trade_no": no, "trade_time": "20210907173330"}),
            ),
            Operation::Cancel | Operation::Revoke => (
                "BBS00000",
                json!({"merchant_no": merchant, "out_trade_no": CONF_REVOKE_NO, "trade_no": "2021090766210000000002",
                       "origin_trade_no": trade_no, "origin_out_trade_no": no, "total_amount": total,
                       "trade_time": "20210907173330"}),
            ),
            Operation::Activate | Operation::Checkin => ("BBS00000", json!({})),
        };
        signed(&envelope(code, Some(data)))
    }

    fn states(&self) -> &'static [(&'static str, OrderState, bool)] {
        &TRADE_STATE_TABLE
    }



    fn private_keys(&self) -> &'static [&'static str] {
        &["privateKey"]
    }

    fn required_credentials(&self) -> &'static [&'static str] {
        &["appId", "privateKey", "platformCertificate", "merchantNo", "termNo"]
    }

    fn secrets(&self) -> Vec<String> {
        // Every line of the merchant private key's Base64 body.
        MERCHANT_KEY
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::to_string)
            .collect()
    }

    fn notification(&self, o: &crate::providers::conformance::OrderRef) -> Option<(BTreeMap<String, String>, Vec<u8>)> {
        let body = json!({"merchant_no": "82229007392000A", "term_no": "D9296400", "out_trade_no": o.merchant_order_no,
                          "trade_no": o.provider_order_no, "log_no": "66210003630077", "account_type": "WECHAT",
                          "trade_status": "SUCCESS", "total_amount": o.amount.to_string(),
                          "payer_amount": o.amount.to_string(), "trade_time": "20210907173330"})
        .to_string()
        .into_bytes();
        Some((notify_headers(platform_key(), NOW_S, "a1b2c3d4e5f6", &body), body))
    }

    /// The answers are signed at `NOW_MS` + 1 s and the notices at `NOW_MS`.
    fn now_ms(&self) -> i64 {
        NOW_MS
    }

    /// A WeChat mini-program order (trans_type 71) and Lakala's answer: wallet.rs.
    fn wechat_order(
        &self,
        o: &crate::providers::conformance::OrderRef,
        drop: Option<&str>,
    ) -> Option<(Value, HttpResponse)> {
        Some(wallet::wechat_order(o, drop))
    }
}
