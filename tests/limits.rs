//! Issue 8 §6: every entry point of the client, for every provider, at and beyond its documented limit
//! (1 MiB bodies and inputs, nesting far deeper than any parser allows). Nothing may panic — inside wasm a
//! panic is a trap that kills the one shared module — and the same client must keep working afterwards.

mod common;

use aggpay::providers::MAX_BODY_BYTES;
use aggpay::{Client, ErrorCode};
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

const NOW: i64 = 1_767_225_600_000;

fn configs() -> Vec<Value> {
    vec![
        json!({"provider": "shouqianba", "credentials": {"terminalSn": "T1", "terminalKey": "k",
               "notifyPublicKey": common::MERCHANT_PUBLIC_SPKI}}),
        json!({"provider": "fubei", "credentials": {"appId": "a1", "appSecret": "s1"}}),
        json!({"provider": "fubei", "apiVersion": "2.0",
               "credentials": {"vendorSn": "v1", "vendorSecret": "s1", "merchantId": 1}}),
        json!({"provider": "lakala", "credentials": {"appId": "OP1", "serialNo": "0f", "privateKey": common::MERCHANT_KEY,
               "platformCertificate": common::PLATFORM_CERT, "merchantNo": "M1", "termNo": "T1"}}),
        json!({"provider": "tingyihui", "credentials": {"accessId": "1", "privateKey": common::MERCHANT_KEY,
               "merchantCode": "M1"}}),
    ]
}

/// Bodies at the limit, one byte past it, and nesting no parser should follow.
fn bodies() -> Vec<(&'static str, Vec<u8>)> {
    let deep_arrays = vec![b'['; MAX_BODY_BYTES];
    let mut deep_objects = b"{\"a\":".repeat(100_000);
    deep_objects.push(b'1');
    deep_objects.extend(std::iter::repeat_n(b'}', 100_000));
    vec![
        ("at the limit", vec![b' '; MAX_BODY_BYTES]),
        ("past the limit", vec![b' '; MAX_BODY_BYTES + 1]),
        ("far past the limit", vec![b'{'; 8 * MAX_BODY_BYTES]),
        ("a megabyte of [", deep_arrays),
        ("100,000 nested objects", deep_objects),
        ("form of 100,000 fields", b"a=1&".repeat(100_000)),
    ]
}

fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| panic!("{what} panicked"))
}

#[test]
fn answers_at_and_past_the_limit_are_unknown_and_never_panic() {
    for config in configs() {
        let provider = config["provider"].as_str().unwrap_or_default().to_string();
        let mut c = Client::new(&config.to_string()).expect("config");
        for (name, body) in bodies() {
            for op in ["pay", "query", "refund", "close"] {
                let out = no_panic(name, || c.parse(op, 200, "{}", body.clone(), None, NOW)).expect("a result");
                let r: Value = serde_json::from_str(&out).expect("JSON");
                assert_eq!(r["outcome"], "UNKNOWN", "{provider} {op} {name}");
                if body.len() > MAX_BODY_BYTES {
                    assert_eq!(r["error"]["code"], "MALFORMED_RESPONSE", "{provider} {name}");
                    assert!(r["raw"].is_null(), "nothing of an oversized body is kept");
                }
            }
        }
        // Oversized headers are a mistake of the caller, refused by name.
        let headers = json!({"x": "y".repeat(MAX_BODY_BYTES)}).to_string();
        let e = c
            .parse("query", 200, &headers, b"{}".to_vec(), None, NOW)
            .expect_err("headers too large");
        assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidInput, Some("headers")));
    }
}

#[test]
fn notifications_past_the_limit_are_too_large_and_deep_ones_are_refused() {
    for config in configs() {
        let provider = config["provider"].as_str().unwrap_or_default().to_string();
        let c = Client::new(&config.to_string()).expect("config");
        let headers = json!({"authorization": "T1 c2ln", "content-type": "application/json"}).to_string();
        for (name, body) in bodies() {
            let r = no_panic(name, || c.verify_notification(&headers, &body, NOW, None));
            let e = r.expect_err("never accepted");
            if body.len() > MAX_BODY_BYTES {
                assert_eq!(e.reason, Some("TOO_LARGE"), "{provider} {name}: {e}");
            }
        }
    }
}

#[test]
fn inputs_past_the_limit_or_too_deep_are_invalid_input_and_the_client_still_builds() {
    for config in configs() {
        let provider = config["provider"].as_str().unwrap_or_default().to_string();
        let mut c = Client::new(&config.to_string()).expect("config");
        let big = json!({"merchantOrderNo": "o1", "extra": {"x": "y".repeat(MAX_BODY_BYTES)}}).to_string();
        let mut deep = String::from("{\"merchantOrderNo\":\"o1\",\"extra\":");
        deep.push_str(&"{\"a\":".repeat(50_000));
        deep.push('1');
        deep.push_str(&"}".repeat(50_001));
        for (name, input) in [("big", big), ("deep", deep)] {
            let e = no_panic(name, || c.build("query", &input, NOW, "n0nce1234567890ab".into())).expect_err(name);
            assert_eq!(e.code, ErrorCode::InvalidInput, "{provider} {name}: {e}");
        }
        // The same client still works, end to end on both halves.
        let query = json!({"merchantOrderNo": "o1", "clientIp": "127.0.0.1"});
        let query = if provider == "lakala" {
            query
        } else {
            json!({"merchantOrderNo": "o1"})
        };
        let built = c.build("query", &query.to_string(), NOW, "n0nce1234567890ab".into());
        assert!(built.is_ok(), "{provider}: {built:?}");
        let out = c
            .parse("query", 503, "{}", b"busy".to_vec(), Some(&query.to_string()), NOW)
            .expect("result");
        assert!(out.contains("\"UNKNOWN\""), "{provider}: {out}");
    }
}
