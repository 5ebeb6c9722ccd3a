//! What provider tests share: key material (generated for these tests only, never used elsewhere) and
//! config edits.

use crate::error::ErrorCode;
use crate::model::{Next, Operation, OperationResult, Outcome};
use serde_json::Value;

// One copy of the test keys, shared with the integration tests.
#[allow(dead_code)]
#[path = "../../../tests/common/mod.rs"]
mod common;
pub(crate) use common::{MERCHANT_CERT, MERCHANT_KEY, NOTIFY_KEY, NOTIFY_PUBLIC_KEY, PLATFORM_CERT, PLATFORM_KEY};

/// The code of a result's error, if it has one.
pub(crate) fn error_code(r: &OperationResult) -> Option<ErrorCode> {
    r.error.as_ref().map(|e| e.code)
}

/// Untrusted or unreadable: UNKNOWN, the safe next step, an error of `code`, nothing it says kept.
pub(crate) fn assert_uncertain(r: &OperationResult, op: Operation, code: ErrorCode, what: &str) {
    assert_eq!(r.outcome, Outcome::Unknown, "{what}");
    assert_eq!(r.next, Next::after_uncertain(op), "{what}");
    assert_eq!(error_code(r), Some(code), "{what}: {:?}", r.error);
    assert!(r.order.is_none(), "{what}: no order from an untrusted answer");
    assert!(r.refund.is_none(), "{what}");
}

/// Fails when `text` quotes any 16-character piece of the key's Base64 body, or a PEM header of a private key.
pub(crate) fn assert_no_key_text(text: &str, key: &str, what: &str) {
    let body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
    let chars: Vec<char> = body.chars().collect();
    for w in chars.windows(16).step_by(5) {
        let needle: String = w.iter().collect();
        assert!(
            !text.contains(&needle),
            "{what}: quotes the private key ({needle}): {text}"
        );
    }
    assert!(!text.contains("BEGIN PRIVATE KEY"), "{what}: {text}");
}

/// `config` with its credentials changed: each key of `changes` set, or removed where it is null.
pub(crate) fn with_credentials(mut config: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().into_iter().flatten() {
        let Some(creds) = config["credentials"].as_object_mut() else {
            break;
        };
        if v.is_null() {
            creds.remove(k);
        } else {
            creds.insert(k.clone(), v.clone());
        }
    }
    config
}
