//! The generic generators and mutators (no gateway in them): a dictionary of numbers, enum values, field
//! names, characters and tokens that make parsers take real branches; JSON trees and envelopes; structural
//! and byte-level mutations of realistic values; header maps; the caller's inputs; clocks and nonces.
//!
//! The dictionary holds every gateway's wire vocabulary in one list each, because a case picks from it by
//! index: splitting it per provider would reorder it and change every case of every seed.

use crate::harness::Rng;
use aggpay::{crypto, money};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Numbers that break naive code: overflow, -0, binary-float traps, exponents, huge digit strings.
pub const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "1.005",
    "9.8",
    "9.80",
    "0.01",
    "0.1",
    "100.000",
    "1.0",
    "-0.0",
    "1e309",
    "-1e309",
    "1e-400",
    "1E2",
    "2.5e3",
    "4.9e-324",
    "1.7976931348623157e308",
    "123456789012345678901234567890",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "9007199254740991",
    "9007199254740992",
    "90071992547409.91",
    "90071992547409.92",
    "999999999999",
    "1000000000",
    "9999999999",
    "10000000000",
    "1631007210",
    "1704067200000",
    "-1704067200",
    "0.000000000000000000000000000001",
    "99999999999999999999999999999999999999999999.99",
];

/// Values each provider's status tables and envelopes react to.
pub const ENUMS: &[&str] = &[
    "200",
    "400",
    "500",
    "SUCCESS",
    "FAIL",
    "PAY_SUCCESS",
    "PAY_FAIL",
    "PAY_IN_PROGRESS",
    "PAY_FAIL_ERROR",
    "PAY_FAIL_IN_PROGRESS",
    "PRECREATE_SUCCESS",
    "PRECREATE_FAIL",
    "PRECREATE_FAIL_ERROR",
    "REFUND_SUCCESS",
    "REFUND_FAIL",
    "REFUND_IN_PROGRESS",
    "REFUND_ERROR",
    "CANCEL_SUCCESS",
    "CANCEL_ABORT_SUCCESS",
    "CANCEL_IN_PROGRESS",
    "CANCEL_ERROR",
    "CREATED",
    "PAID",
    "PAY_CANCELED",
    "PAY_ERROR",
    "REFUNDED",
    "PARTIAL_REFUNDED",
    "CANCELED",
    "CANCEL_INPROGRESS",
    "INVALID_STATUS_CODE",
    "INVALID_PARAMS",
    "INVALID_TERMINAL",
    "ILLEGAL_SIGN",
    "INVALID_BARCODE",
    "MAINTENANCE_INPROGRESS",
    "UPAY_ORDER_NOT_EXISTS",
    "INSUFFICIENT_FUND",
    "CLIENT_SN_CONFLICT",
    "IN_PROG",
    "FAIL_CANCELED",
    "USERPAYING",
    "REVOKED",
    "REVOKING",
    "REVOKED_ERROR",
    "CLOSED",
    "REFUND_PROCESSING",
    "REFUND_FAIL",
    "REFUND_FAILER",
    "ORDERPAID",
    "SYSTEMERROR",
    "NOTENOUGH",
    "ACQ.TRADE_NOT_EXIST",
    "OUT_TRADE_NO_USED",
    "FREQUENCY_LIMITED",
    "9999",
    "BBS00000",
    "BBS10000",
    "BBS11112",
    "BBS11105",
    "INIT",
    "CREATE",
    "DEAL",
    "UNKNOWN",
    "CLOSE",
    "PART_REFUND",
    "REFUND",
    "WAIT",
    "SUCCESS_PART_REFUND",
    "SUCCESS_FULL_REFUND",
    "FAILURE",
    "REFUNDING",
    "ALIPAY",
    "WECHAT",
    "UNIONPAY",
    "QR",
    "JSAPI",
    "MINI_PROGRAM",
    "H5",
    "WAP",
    "UQRCODEPAY",
    "ALI_PAY",
    "WX_PAY",
    "wxpay",
    "alipay",
    "unionpay",
    "1",
    "2",
    "3",
    "5",
    "17",
    "20210907150327",
    "20230230120000",
    "2024-01-01 08:00:00",
    "1704067200",
    "N-1",
    "R-1",
    "OS-1",
    "http://qr.example/1",
    "https://qr.alipay.com/bax0",
    "8888",
    "4004",
    "1013",
];

/// Wire and API field names of every provider: added keys hit real code paths.
pub const FIELDS: &[&str] = &[
    // Wire fields, one gateway after another in registry order
    "result_code",
    "error_code",
    "error_message",
    "biz_response",
    "data",
    "terminal_sn",
    "terminal_key",
    "sn",
    "client_sn",
    "trade_no",
    "status",
    "order_status",
    "payway",
    "total_amount",
    "net_amount",
    "settlement_amount",
    "finish_time",
    "channel_finish_time",
    "qr_code",
    "wap_pay_request",
    "result_message",
    "sub_code",
    "merchant_order_sn",
    "order_sn",
    "platform_order_no",
    "channel_order_sn",
    "trade_state",
    "type",
    "pay_type",
    "total_fee",
    "order_price",
    "net_money",
    "discount_money",
    "fee",
    "buyer_pay_amount",
    "pay_time",
    "merchant_refund_sn",
    "refund_sn",
    "refund_status",
    "refund_amount",
    "refund_money",
    "code",
    "msg",
    "resp_time",
    "resp_data",
    "out_trade_no",
    "acc_trade_no",
    "account_type",
    "trade_status",
    "payer_amount",
    "acc_mdiscount_amount",
    "acc_discount_amount",
    "trade_time",
    "acc_resp_fields",
    "error",
    "ownerTradeNo",
    "osTradeNo",
    "tpTradeNo",
    "tradeStatus",
    "orderFee",
    "paymentFee",
    "tpDiscountFee",
    "refundFee",
    "payTime",
    "payChannel",
    "sign",
    "refundStatus",
    "osRefundNo",
    "ownerRefundNo",
    // Input (camelCase)
    "merchantOrderNo",
    "providerOrderNo",
    "amount",
    "authCode",
    "subject",
    "description",
    "operator",
    "refundNo",
    "providerRefundNo",
    "subPayway",
    "payerId",
    "payerUid",
    "subAppId",
    "kind",
    "notifyUrl",
    "returnUrl",
    "reflect",
    "longitude",
    "latitude",
    "deviceId",
    "channel",
    "clientIp",
    "storeId",
    "cashierId",
    "vendorSn",
    "vendorKey",
    "appId",
    "name",
    "osInfo",
    "sdkVersion",
    "extra",
    // Config
    "provider",
    "baseUrl",
    "wapBaseUrl",
    "apiVersion",
    "notifyAck",
    "credentials",
    "terminalSn",
    "terminalKey",
    "notifyPublicKey",
    "appSecret",
    "vendorSecret",
    "merchantId",
    "serialNo",
    "merchantCertificate",
    "privateKey",
    "platformCertificate",
    "notifyCertificate",
    "merchantNo",
    "termNo",
    "notificationToleranceSeconds",
    "accessId",
    "merchantCode",
    // Nonsense
    "",
    " ",
    "__proto__",
    "constructor",
    "付款码",
    "a\u{0}b",
    "RESULT_CODE",
];

pub const TEXT_CHARS: &[char] = &[
    'a',
    'Z',
    '0',
    '9',
    ' ',
    '收',
    '钱',
    '吧',
    'é',
    '\u{0}',
    '\u{7f}',
    '\u{1b}',
    '\n',
    '\r',
    '\t',
    '\u{202e}',
    '\u{feff}',
    '\u{200b}',
    '😀',
    '\u{10ffff}',
    '"',
    '\\',
    '%',
    '&',
    '=',
    '+',
    '@',
    '/',
    '?',
    '#',
    '\u{85}',
    '\u{2028}',
];

/// The placeholder a signed request carries until `complete` (caller text equal to it must not leak in).
pub const SLOT: &str = "@@AGGPAY-SIGNATURE@@";

pub fn gen_string(rng: &mut Rng) -> String {
    match rng.below(12) {
        0 => String::new(),
        1 | 2 => rng.pick(ENUMS).to_string(),
        3 => (0..rng.range(1, 40))
            .map(|_| rng.pick(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") as char)
            .collect(),
        4 => (0..rng.range(1, 24)).map(|_| rng.pick(TEXT_CHARS)).collect(),
        5 => {
            let c = rng.pick(TEXT_CHARS);
            std::iter::repeat(c).take(rng.range(300, 20_000) as usize).collect()
        }
        6 => (0..rng.range(1, 40))
            .map(|_| (b'0' + rng.below(10) as u8) as char)
            .collect(),
        7 => SLOT.to_string(),
        8 => rng.pick(NUMBERS).to_string(),
        9 => (0..rng.range(1, 8))
            .map(|_| char::from_u32(rng.range(0, 0x1f) as u32).unwrap_or('x'))
            .collect(),
        10 => format!("{} ", rng.pick(ENUMS)),
        _ => [
            "N-1",
            "R-1",
            "N-20240101-0001",
            "7895259244996965",
            "FD660E1FAA3A4470933CDEDAE1EC1D8E",
            "OS-1",
        ][rng.below(6)]
        .to_string(),
    }
}

/// A JSON number from its literal text (serde_json keeps the text: `arbitrary_precision`).
pub fn num(text: &str) -> Value {
    serde_json::from_str::<Value>(text)
        .ok()
        .filter(Value::is_number)
        .unwrap_or_else(|| Value::String(text.into()))
}

pub fn gen_number(rng: &mut Rng) -> Value {
    match rng.below(4) {
        0 => num(rng.pick(NUMBERS)),
        1 => Value::from(rng.next_u64() as i64),
        2 => Value::from(rng.range(-5, 100_000)),
        _ => num(&format!("{}.{}", rng.range(0, 99_999), rng.range(0, 999))),
    }
}

pub fn gen_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth == 0 { 6 } else { 9 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(1, 2)),
        2 => gen_number(rng),
        3 | 4 => Value::String(gen_string(rng)),
        5 => Value::String(rng.pick(ENUMS).to_string()),
        6 => Value::Array((0..rng.below(5)).map(|_| gen_value(rng, depth - 1)).collect()),
        _ => Value::Object(
            (0..rng.below(7))
                .map(|_| (rng.pick(FIELDS).to_string(), gen_value(rng, depth - 1)))
                .collect(),
        ),
    }
}

/// A tree shaped like a provider envelope: known top-level keys, a nested data object of known keys.
pub fn gen_envelope(rng: &mut Rng) -> Value {
    let mut m = Map::new();
    for _ in 0..rng.range(1, 6) {
        m.insert(rng.pick(FIELDS).to_string(), gen_value(rng, 2));
    }
    let inner: Map<String, Value> = (0..rng.range(0, 12))
        .map(|_| (rng.pick(FIELDS).to_string(), gen_value(rng, 1)))
        .collect();
    let key = rng.pick(&["data", "biz_response", "resp_data", "data"]);
    if rng.chance(1, 2) {
        let mut outer = Map::new();
        outer.insert("result_code".into(), Value::String(rng.pick(ENUMS).to_string()));
        outer.insert("data".into(), Value::Object(inner));
        m.insert(key.into(), Value::Object(outer));
    } else {
        m.insert(key.into(), Value::Object(inner));
    }
    Value::Object(m)
}

/// A random node, reached by a random walk from the root (the root itself often).
pub fn node_mut<'a>(rng: &mut Rng, v: &'a mut Value) -> &'a mut Value {
    let mut cur = v;
    loop {
        let n = match &*cur {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        if n == 0 || rng.chance(1, 4) {
            return cur;
        }
        let k = rng.below(n);
        cur = match cur {
            Value::Object(m) => m.values_mut().nth(k).expect("k < len"),
            Value::Array(a) => &mut a[k],
            _ => unreachable!(),
        };
    }
}

pub fn node_ref<'a>(rng: &mut Rng, v: &'a Value) -> &'a Value {
    let mut cur = v;
    loop {
        let n = match cur {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        if n == 0 || rng.chance(1, 3) {
            return cur;
        }
        let k = rng.below(n);
        cur = match cur {
            Value::Object(m) => m.values().nth(k).expect("k < len"),
            Value::Array(a) => &a[k],
            _ => unreachable!(),
        };
    }
}

pub fn nest(mut v: Value, depth: usize, objects: bool) -> Value {
    for _ in 0..depth {
        v = if objects {
            json!({ "data": v })
        } else {
            Value::Array(vec![v])
        };
    }
    v
}

/// One structural mutation somewhere in the tree: other JSON types, removed/added/spliced fields,
/// edge numbers, long and odd strings, objects as arrays (serde's sequence form of a struct), deep nesting.
pub fn mutate_value(rng: &mut Rng, root: &mut Value, donors: &[Value]) {
    let donor_pick = if donors.is_empty() {
        None
    } else {
        let d = rng.below(donors.len());
        Some(node_ref(rng, &donors[d]).clone())
    };
    let which = rng.below(22);
    if which >= 16 {
        return mutate_leaf_same_type(rng, root);
    }
    if which >= 14 {
        return mutate_value_edge(rng, root);
    }
    let node = node_mut(rng, root);
    match which {
        0 => *node = gen_value(rng, 3),
        1 | 2 => *node = gen_number(rng),
        3 => *node = Value::String(gen_string(rng)),
        4 => *node = Value::String(rng.pick(ENUMS).to_string()),
        5 => match node {
            Value::Object(m) if !m.is_empty() => {
                let k = m.keys().nth(rng.below(m.len())).cloned().unwrap_or_default();
                m.remove(&k);
            }
            Value::Array(a) if !a.is_empty() => {
                a.remove(rng.below(a.len()));
            }
            other => *other = Value::Null,
        },
        6 | 7 => {
            let v = if rng.chance(1, 2) {
                Value::String(rng.pick(ENUMS).to_string())
            } else {
                gen_value(rng, 2)
            };
            match node {
                Value::Object(m) => {
                    m.insert(rng.pick(FIELDS).to_string(), v);
                }
                Value::Array(a) => a.push(v),
                other => *other = v,
            }
        }
        8 => match (node, donor_pick) {
            // Splice a field (or subtree) from another realistic body.
            (Value::Object(m), Some(Value::Object(d))) if !d.is_empty() => {
                let idx = rng.below(d.len());
                let (k, v) = d.into_iter().nth(idx).expect("idx < len");
                m.insert(k, v);
            }
            (node, Some(d)) => *node = d,
            (node, None) => *node = Value::Null,
        },
        9 => {
            // serde's sequence form of a struct: the object's values in order.
            let taken = std::mem::take(node);
            *node = match taken {
                Value::Object(m) => Value::Array(m.into_iter().map(|(_, v)| v).collect()),
                Value::Array(a) => Value::Object(
                    a.into_iter()
                        .enumerate()
                        .map(|(i, v)| (FIELDS[i % FIELDS.len()].to_string(), v))
                        .collect(),
                ),
                other => Value::Array(vec![other]),
            };
        }
        10 => {
            let depth = rng.pick(&[20usize, 100, 126, 127, 128, 129, 200, 260]);
            let taken = std::mem::take(node);
            *node = nest(taken, depth, rng.chance(1, 2));
        }
        11 => {
            // The same value as another JSON type.
            let taken = std::mem::take(node);
            *node = match taken {
                Value::String(s) => serde_json::from_str::<Value>(&s)
                    .ok()
                    .filter(|v| !v.is_string())
                    .unwrap_or(Value::Bool(true)),
                Value::Number(n) => Value::String(n.to_string()),
                Value::Bool(b) => Value::String(b.to_string()),
                Value::Null => Value::String("null".into()),
                Value::Array(a) => Value::String(Value::Array(a).to_string()),
                Value::Object(m) => Value::String(Value::Object(m).to_string()),
            };
        }
        12 => match node {
            Value::String(s) => {
                let extra: String = (0..rng.range(1, 4)).map(|_| rng.pick(TEXT_CHARS)).collect();
                if rng.chance(1, 2) {
                    s.push_str(&extra)
                } else {
                    s.insert_str(0, &extra)
                }
            }
            Value::Array(a) if !a.is_empty() => {
                let d = a[rng.below(a.len())].clone();
                a.push(d);
            }
            other => *other = num(rng.pick(NUMBERS)),
        },
        _ => *node = num(rng.pick(NUMBERS)),
    }
}

/// An amount-like leaf anywhere in the tree set to an edge value, keeping its JSON type.
pub fn mutate_value_edge(rng: &mut Rng, root: &mut Value) {
    let mut leaves = Vec::new();
    numeric_leaves(root, &mut leaves);
    if !leaves.is_empty() {
        let k = rng.below(leaves.len());
        let edge = rng.pick(EDGES);
        let leaf = &mut leaves[k];
        **leaf = if leaf.is_string() {
            Value::String(edge.into())
        } else {
            num(edge)
        };
    }
}

/// Edge values for amounts, fees, times and codes.
pub const EDGES: &[&str] = &[
    "-9223372036854775808",
    "9223372036854775807",
    "-9223372036854775809",
    "18446744073709551615",
    "-1",
    "0",
    "-0",
    "1e309",
    "9007199254740993",
    "1.005",
    "99999999999999999",
    "4611686018427387904",
    "-4611686018427387905",
];

/// A leaf changed but kept of its JSON type, so the body still deserializes and the change reaches
/// the status tables, amount and time arithmetic, and echo checks behind it.
pub fn mutate_leaf_same_type(rng: &mut Rng, root: &mut Value) {
    let mut leaves = Vec::new();
    all_leaves(root, &mut leaves);
    if leaves.is_empty() {
        return;
    }
    let k = rng.below(leaves.len());
    let leaf = &mut leaves[k];
    let new = match &**leaf {
        Value::String(_) if rng.chance(1, 2) => Value::String(rng.pick(ENUMS).to_string()),
        Value::String(_) if rng.chance(1, 3) => Value::String(rng.pick(EDGES).to_string()),
        Value::String(_) => Value::String(gen_string(rng)),
        Value::Number(_) if rng.chance(1, 2) => num(rng.pick(EDGES)),
        Value::Number(_) => gen_number(rng),
        Value::Bool(b) => Value::Bool(!b),
        _ => Value::String(rng.pick(ENUMS).to_string()),
    };
    **leaf = new;
}

pub fn all_leaves<'a>(v: &'a mut Value, out: &mut Vec<&'a mut Value>) {
    match v {
        Value::Object(m) => m.values_mut().for_each(|x| all_leaves(x, out)),
        Value::Array(a) => a.iter_mut().for_each(|x| all_leaves(x, out)),
        leaf => out.push(leaf),
    }
}

/// Numbers, and strings of digits, anywhere in the tree.
pub fn numeric_leaves<'a>(v: &'a mut Value, out: &mut Vec<&'a mut Value>) {
    let numeric = match &*v {
        Value::Number(_) => true,
        Value::String(s) => {
            !s.is_empty() && s.len() < 24 && s.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        }
        _ => false,
    };
    if numeric {
        out.push(v);
        return;
    }
    match v {
        Value::Object(m) => m.values_mut().for_each(|x| numeric_leaves(x, out)),
        Value::Array(a) => a.iter_mut().for_each(|x| numeric_leaves(x, out)),
        _ => {}
    }
}

/// Tokens that, inserted into JSON text, make it interesting: invalid UTF-8, lone surrogates, deep
/// brackets, edge numbers, duplicate-key openers.
pub const TOKENS: &[&[u8]] = &[
    b"null",
    b"true",
    b"1e309",
    b"-0",
    b"1.005",
    b"\"\\ud800\"",
    b"\"\\udc00\\ud800\"",
    b"\\u0000",
    b"\xff\xfe",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\x80",
    b"{\"a\":",
    b"]]]]",
    b"[[[[",
    b"\"",
    b"\\",
    b",",
    b":",
    b"{}",
    b"[]",
    b"99999999999999999999999999",
    b"\"result_code\":\"200\",",
    b"\"code\":8888,",
    b"\"code\":\"BBS00000\",",
    b"\"data\":{},",
    b" ",
    b"\t\r\n",
    b"/*",
    b"\x00",
];

/// One to four byte-level mutations: bit flips, truncation, duplication, deletion, tokens, splicing
/// with another body, invalid UTF-8.
pub fn mutate_bytes(rng: &mut Rng, b: &mut Vec<u8>, donors: &[Vec<u8>]) {
    for _ in 0..rng.range(1, 4) {
        let len = b.len();
        let at = rng.below(len + 1);
        match rng.below(11) {
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8)
            }
            1 if len > 0 => {
                let i = rng.below(len);
                b[i] = rng.pick(&[
                    0u8, 0xff, 0x80, b'"', b'{', b'}', b'[', b']', b',', b':', b'\\', 0xc3, 0xed, b'0', b'9', b'-',
                    b'.', b'e',
                ]);
            }
            2 => b.truncate(at),
            3 if len > 0 => {
                let end = (at + rng.range(1, 64) as usize).min(len);
                b.drain(at.min(end)..end);
            }
            4 if len > 0 => {
                let s = rng.below(len);
                let e = (s + rng.range(1, 200) as usize).min(len);
                let chunk = b[s..e].to_vec();
                let at = rng.below(b.len() + 1);
                b.splice(at..at, chunk);
            }
            5 | 6 => {
                let t = rng.pick(TOKENS).to_vec();
                b.splice(at..at, t);
            }
            7 if !donors.is_empty() => {
                let d = &donors[rng.below(donors.len())];
                let cut = rng.below(d.len() + 1);
                b.truncate(at);
                b.extend_from_slice(&d[cut..]);
            }
            8 => {
                // A digit changed: JSON stays valid, numbers move.
                if let Some(i) = (0..len).map(|k| (k + at) % len.max(1)).find(|&k| b[k].is_ascii_digit()) {
                    b[i] = b'0' + rng.below(10) as u8;
                }
            }
            9 => {
                let depth = rng.pick(&[127usize, 128, 129, 200]);
                let (open, close) = if rng.chance(1, 2) {
                    (b"[".repeat(depth), b"]".repeat(depth))
                } else {
                    (b"{\"a\":".repeat(depth), b"}".repeat(depth))
                };
                let mut v = open;
                v.extend_from_slice(b);
                v.extend_from_slice(&close);
                *b = v;
            }
            _ => {
                let junk = rng.bytes(16);
                b.splice(at..at, junk);
            }
        }
    }
}

/// Arbitrary bytes of a few flavours.
pub fn gen_bytes(rng: &mut Rng) -> Vec<u8> {
    match rng.below(5) {
        0 => rng.bytes(256),
        1 => (0..rng.below(300))
            .map(|_| rng.pick(b"{}[]\":,0123456789.-eE truefalsn\\u"))
            .collect(),
        2 => gen_string(rng).into_bytes(),
        3 => Vec::new(),
        _ => {
            let mut v = gen_value(rng, 3).to_string().into_bytes();
            mutate_bytes(rng, &mut v, &[]);
            v
        }
    }
}

pub fn to_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// A realistic value, mutated: structurally, at the byte level, or both (or not at all).
pub fn mutated(rng: &mut Rng, templates: &[Value]) -> Vec<u8> {
    let base = templates[rng.below(templates.len())].clone();
    mutated_from(rng, base, templates)
}

pub fn mutated_from(rng: &mut Rng, mut v: Value, templates: &[Value]) -> Vec<u8> {
    // 0-1 as is, 2-5 one structural change, 6-7 two or three, 8 structural + bytes, 9 bytes only.
    let kind = rng.below(10);
    if kind <= 1 {
        return to_bytes(&v);
    }
    if kind <= 8 {
        for _ in 0..if kind <= 5 { 1 } else { rng.range(2, 3) } {
            mutate_value(rng, &mut v, templates);
        }
    }
    let mut b = to_bytes(&v);
    if kind >= 8 {
        let donors: Vec<Vec<u8>> = templates.iter().map(to_bytes).collect();
        mutate_bytes(rng, &mut b, &donors);
    }
    b
}

/// Is this body something other than a JSON object (the only envelope any provider sends)?
pub fn junk(body: &[u8]) -> bool {
    !serde_json::from_slice::<Value>(body).is_ok_and(|v| v.is_object())
}

// ================================================================ the caller's inputs, headers, clocks

/// A complete, valid input for each operation (a union of what the providers need).
pub fn valid_input(op: &str) -> Value {
    match op {
        "activate" => {
            json!({"vendorSn": "91801", "vendorKey": "vk", "appId": "2016", "code": "12345678", "deviceId": "dev-1"})
        }
        "checkin" => json!({"deviceId": "dev-1"}),
        "pay" => json!({"merchantOrderNo": "N-1", "amount": 980, "authCode": "134567890123456789", "subject": "Coffee",
                         "operator": "op1", "clientIp": "10.0.0.1", "payway": "3"}),
        "precreate" => {
            json!({"merchantOrderNo": "N-1", "amount": 980, "subject": "Coffee", "operator": "op1", "payway": "3",
                               "channel": "WECHAT", "clientIp": "10.0.0.1", "notifyUrl": "https://m.example/notify"})
        }
        "refund" => {
            json!({"merchantOrderNo": "N-1", "refundNo": "R-1", "amount": 100, "operator": "op1", "clientIp": "10.0.0.1"})
        }
        "refundQuery" => json!({"merchantOrderNo": "N-1", "refundNo": "R-1"}),
        "cancel" | "revoke" | "close" => json!({"merchantOrderNo": "N-1", "clientIp": "10.0.0.1"}),
        _ => json!({"merchantOrderNo": "N-1"}),
    }
}

pub fn wap_input() -> Value {
    json!({"merchantOrderNo": "N-1", "amount": 980, "subject": "Coffee", "operator": "op1", "returnUrl": "https://m.example/r"})
}

/// A header map: mostly plausible names, odd values.
pub fn gen_headers(rng: &mut Rng) -> BTreeMap<String, String> {
    const NAMES: &[&str] = &[
        "Authorization",
        "authorization",
        "AUTHORIZATION",
        "Lklapi-Appid",
        "Lklapi-Serial",
        "Lklapi-Timestamp",
        "Lklapi-Nonce",
        "Lklapi-Signature",
        "lklapi-signature",
        "Content-Type",
        "X-Whatever",
        "",
    ];
    let mut h = BTreeMap::new();
    for _ in 0..rng.below(7) {
        let name = if rng.chance(1, 8) {
            gen_string(rng)
        } else {
            rng.pick(NAMES).to_string()
        };
        let value = match rng.below(5) {
            0 => crypto::base64_encode(&rng.bytes(300)),
            1 => format!(
                "LKLAPI-SHA256withRSA timestamp=\"{}\",nonce_str=\"{}\",signature=\"{}\"",
                gen_string(rng),
                gen_string(rng),
                crypto::base64_encode(&rng.bytes(70))
            ),
            // A terminal serial, a space, a signature.
            2 => format!("100000330001 {}", crypto::base64_encode(&rng.bytes(256))),
            _ => gen_string(rng),
        };
        h.insert(name, value);
    }
    h
}

/// Header JSON text that is not a string map (or is, by luck): the caller's mistake.
pub fn gen_junk_headers(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => rng
            .pick(&[
                "[1,2]",
                "{\"a\":1}",
                "{",
                "null",
                "\"x\"",
                "{\"a\":null}",
                "  ",
                "",
                "{\"a\":\"b\",\"a\":\"c\"}",
            ])
            .to_string(),
        1 => gen_value(rng, 2).to_string(),
        2 => String::from_utf8_lossy(&gen_bytes(rng)).into_owned(),
        _ => {
            let mut b = serde_json::to_vec(&gen_headers(rng)).unwrap_or_default();
            mutate_bytes(rng, &mut b, &[]);
            String::from_utf8_lossy(&b).into_owned()
        }
    }
}

/// The clock of the fixtures (2024-01-01T00:00:00Z).
pub const NOW_MS: i64 = 1_704_067_200_000;

/// A clock: mostly `NOW_MS`, sometimes an edge value or any i64.
pub fn gen_now(rng: &mut Rng) -> i64 {
    match rng.below(20) {
        0 => rng.pick(&[0, -1, -999, 1, money::MAX_FEN, -money::MAX_FEN]),
        1 => rng.range(-money::MAX_FEN, money::MAX_FEN),
        // The native API takes any i64 (the wasm binding admits only safe integers).
        2 => rng.pick(&[i64::MIN, i64::MAX, i64::MIN + 1, i64::MAX - 999]),
        _ => NOW_MS,
    }
}

/// A request nonce: mostly plausible, sometimes any string.
pub fn gen_nonce(rng: &mut Rng) -> String {
    if rng.chance(4, 5) {
        (0..rng.range(16, 32))
            .map(|_| rng.pick(b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEF") as char)
            .collect()
    } else {
        gen_string(rng)
    }
}
