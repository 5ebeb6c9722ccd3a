//! The closed sets every answer's enums must fall in, and the checks of a result, an error and an order.

use crate::harness::preview;
use aggpay::{Error, ErrorCode};
use serde_json::{Map, Value};

pub const CODES: [&str; 19] = [
    "INVALID_INPUT",
    "INVALID_CONFIG",
    "INVALID_KEY",
    "UNSUPPORTED_OPERATION",
    "NETWORK",
    "RESPONSE_SIGNATURE_INVALID",
    "NOTIFICATION_INVALID",
    "MALFORMED_RESPONSE",
    "AUTH_FAILED",
    "INVALID_REQUEST",
    "ORDER_NOT_FOUND",
    "DUPLICATE_ORDER",
    "INVALID_ORDER_STATE",
    "INSUFFICIENT_FUNDS",
    "BARCODE_INVALID",
    "LIMIT_EXCEEDED",
    "REFUND_CONFLICT",
    "PROVIDER_UNAVAILABLE",
    "PROVIDER_ERROR",
];
pub const OUTCOMES: [&str; 4] = ["SUCCEEDED", "FAILED", "IN_PROGRESS", "UNKNOWN"];
pub const NEXTS: [&str; 5] = ["NONE", "POLL", "CANCEL", "CONTACT_SUPPORT", "RETRY"];
pub const ORDER_STATES: [&str; 8] = [
    "PENDING",
    "SUCCESS",
    "FAILED",
    "CLOSED",
    "REFUNDING",
    "PARTIALLY_REFUNDED",
    "REFUNDED",
    "UNKNOWN",
];
pub const REFUND_STATES: [&str; 4] = ["PENDING", "SUCCESS", "FAILED", "UNKNOWN"];
pub const CHANNELS: [&str; 4] = ["ALIPAY", "WECHAT", "UNIONPAY", "OTHER"];
pub const OPS: [&str; 10] = [
    "activate",
    "checkin",
    "pay",
    "precreate",
    "query",
    "refund",
    "refundQuery",
    "cancel",
    "revoke",
    "close",
];
pub const BAD_OPS: [&str; 8] = ["", "PAY", "refund_query", "Pay ", "payy", "\u{0}", "query\n", "付款"];
pub const REASONS: [&str; 10] = [
    "MISSING_SIGNATURE",
    "BAD_SIGNATURE",
    "EXPIRED",
    "MALFORMED",
    "TOO_LARGE",
    "WRONG_MERCHANT",
    "UNREADABLE",
    "UNVERIFIABLE",
    "WRONG_ORDER",
    "WRONG_AMOUNT",
];

pub const ALL_CODES: [ErrorCode; 19] = [
    ErrorCode::InvalidInput,
    ErrorCode::InvalidConfig,
    ErrorCode::InvalidKey,
    ErrorCode::UnsupportedOperation,
    ErrorCode::Network,
    ErrorCode::ResponseSignatureInvalid,
    ErrorCode::NotificationInvalid,
    ErrorCode::MalformedResponse,
    ErrorCode::AuthFailed,
    ErrorCode::InvalidRequest,
    ErrorCode::OrderNotFound,
    ErrorCode::DuplicateOrder,
    ErrorCode::InvalidOrderState,
    ErrorCode::InsufficientFunds,
    ErrorCode::BarcodeInvalid,
    ErrorCode::LimitExceeded,
    ErrorCode::RefundConflict,
    ErrorCode::ProviderUnavailable,
    ErrorCode::ProviderError,
];

/// A typed rejection: a code of the allowed set, a non-empty message, JSON that parses.
pub fn typed(e: &Error, allowed: &[ErrorCode]) -> Result<(), String> {
    if !allowed.contains(&e.code) {
        return Err(format!(
            "error {} is not one of the expected codes {allowed:?}: {e}",
            e.code.as_str()
        ));
    }
    if e.message.trim().is_empty() {
        return Err(format!("error {} has an empty message", e.code.as_str()));
    }
    let j: Value = serde_json::from_str(&e.to_json()).map_err(|x| format!("Error::to_json does not parse: {x}"))?;
    check_error_json(&j)
}

pub fn check_error_json(j: &Value) -> Result<(), String> {
    let code = j["code"].as_str().ok_or_else(|| format!("error without a code: {j}"))?;
    if !CODES.contains(&code) {
        return Err(format!("error code {code:?} is not in the closed set"));
    }
    if !j["message"].as_str().is_some_and(|m| !m.trim().is_empty()) {
        return Err(format!("error {code} has no message"));
    }
    if !j["retryable"].is_boolean() {
        return Err(format!("error {code} has no retryable flag"));
    }
    if let Some(r) = j.get("reason") {
        if !r.as_str().is_some_and(|r| REASONS.contains(&r)) {
            return Err(format!("error {code} has an unknown reason {r}"));
        }
    }
    Ok(())
}

/// The top-level members of a JSON object as (key, value text), so that each value parses on its own
/// (serde_json refuses nesting deeper than 128, and `raw` echoes a body that may be 128 deep).
pub fn split_top_object(s: &str) -> Option<Vec<(String, &str)>> {
    let b = s.as_bytes();
    let mut i = 0;
    let ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] as char).is_ascii_whitespace() {
            *i += 1
        }
    };
    ws(&mut i);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    let mut out = Vec::new();
    loop {
        ws(&mut i);
        match b.get(i)? {
            b'}' => return Some(out),
            b',' => {
                i += 1;
                continue;
            }
            b'"' => {}
            _ => return None,
        }
        // The key: a JSON string.
        let start = i;
        i += 1;
        while *b.get(i)? != b'"' {
            if b[i] == b'\\' {
                i += 1;
            }
            i += 1;
        }
        i += 1;
        let key: String = serde_json::from_str(&s[start..i]).ok()?;
        ws(&mut i);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        ws(&mut i);
        // The value: up to the ',' or '}' at depth 0, outside strings.
        let vstart = i;
        let (mut depth, mut in_str) = (0i64, false);
        while i < b.len() {
            let c = b[i];
            if in_str {
                if c == b'\\' {
                    i += 1;
                } else if c == b'"' {
                    in_str = false;
                }
            } else {
                match c {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth == 0 => break,
                    b'}' | b']' => depth -= 1,
                    b',' if depth == 0 => break,
                    _ => {}
                }
            }
            i += 1;
        }
        out.push((key, s[vstart..i].trim_end()));
    }
}

pub fn one_of(v: &Value, set: &[&str], what: &str) -> Result<(), String> {
    match v.as_str() {
        Some(s) if set.contains(&s) => Ok(()),
        _ => Err(format!("{what} {v} is not in the closed set {set:?}")),
    }
}

pub fn opt_int(v: &Value, what: &str) -> Result<(), String> {
    if v.is_null() || v.as_i64().is_some() {
        Ok(())
    } else {
        Err(format!("{what} is neither null nor an integer: {v}"))
    }
}

pub fn check_order(o: &Value) -> Result<(), String> {
    one_of(&o["state"], &ORDER_STATES, "order.state")?;
    if !o["final"].is_boolean() {
        return Err("order.final is not a boolean".into());
    }
    for k in ["total", "paid", "refunded", "net", "fee", "discount"] {
        opt_int(&o["amounts"][k], &format!("order.amounts.{k}"))?;
    }
    opt_int(&o["paidAt"], "order.paidAt")?;
    if !o["channel"].is_null() {
        one_of(&o["channel"], &CHANNELS, "order.channel")?;
    }
    Ok(())
}

/// What a parse result said, after checking its shape.
pub struct Summary {
    pub outcome: String,
    pub error_code: Option<String>,
}

/// The OperationResult JSON: every enum in its closed set, a typed error when present.
pub fn check_result(out: &str, provider: &str, op: &str) -> Result<Summary, String> {
    let members =
        split_top_object(out).ok_or_else(|| format!("result is not a JSON object: {}", preview(out.as_bytes())))?;
    let mut m = Map::new();
    for (k, text) in members {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => {
                m.insert(k, v);
            }
            // `raw` echoes the body; nesting at serde_json's own limit is not a defect of the result.
            Err(e) if k == "raw" && e.to_string().contains("recursion limit") => {}
            Err(e) => return Err(format!("result member {k:?} does not parse: {e}")),
        }
    }
    let r = Value::Object(m);
    if r["provider"] != provider {
        return Err(format!("result provider {} is not {provider}", r["provider"]));
    }
    if r["operation"] != op {
        return Err(format!("result operation {} is not {op}", r["operation"]));
    }
    one_of(&r["outcome"], &OUTCOMES, "outcome")?;
    one_of(&r["next"], &NEXTS, "next")?;
    if let Some(e) = r.get("error") {
        check_error_json(e)?;
    }
    if let Some(o) = r.get("order") {
        check_order(o)?;
    }
    if let Some(f) = r.get("refund") {
        one_of(&f["state"], &REFUND_STATES, "refund.state")?;
        opt_int(&f["amount"], "refund.amount")?;
    }
    Ok(Summary {
        outcome: r["outcome"].as_str().unwrap_or_default().to_string(),
        error_code: r.get("error").and_then(|e| e["code"].as_str()).map(str::to_string),
    })
}
