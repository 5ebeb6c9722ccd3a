//! Fuzz harness for "no panics on any input" (a panic inside wasm kills the module for every later call).
//!
//! Every entry point that takes outside bytes is fed arbitrary bytes, generated JSON trees and mutations
//! of realistic inputs, each call wrapped in `catch_unwind`: a panic is reported with the seed, the case
//! index and the exact input (hex), never aborting the run. Every rejected input must come back as a
//! typed `Error` (a code of the closed set, a non-empty message).
//!
//! Targets: (1) `Client::parse` for every provider × operation × status, (2) `verify_notification`,
//! (3) key loading, (4) `Client::new` / `build` / `wapPayUrl` / `complete` / `networkFailure`,
//! (5) money (and Beijing time), (6) the pay-and-confirm flow machine.
//!
//! Knobs (environment):
//! - `AGGPAY_FUZZ_ITERS` — base iterations per target (default 400; each target scales it by a fixed
//!   weight, printed in its summary line).
//! - `AGGPAY_FUZZ_SEED`  — base seed, decimal or `0x` hex (default `DEFAULT_SEED`).
//! - `AGGPAY_FUZZ_CASE`  — run only this case index of every target (to replay a reported failure).
//!
//! Long run (recorded in RELIABILITY.md, "Fuzz"); the release profile turns overflow checks off, so turn
//! them back on or arithmetic overflow wraps silently instead of being caught:
//! `CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true AGGPAY_FUZZ_ITERS=150000 cargo test --release --test fuzz -- --nocapture`
//! (`cargo test` builds tests with unwinding even though the release profile says `panic = "abort"`).
//!
//! The PRNG is xorshift64* (no dependencies); each case's generator is seeded from (seed, target, index),
//! so any case replays alone. Inputs the fuzzer found to crash are skipped by `known_bug` checks below,
//! each with a `// known bug:` comment and an `#[ignore]`d regression test holding the exact input.

#![cfg(not(target_arch = "wasm32"))] // catch_unwind needs an unwinding native target

mod common;
use common::*;

use aggpay::crypto::{self, load_certificate, load_private_key, load_public_key, PrivateKey};
use aggpay::flow::{plan, Action, Flow, Kind, Verdict};
use aggpay::providers::{fubei, lakala};
use aggpay::{money, time};
use aggpay::{Client, Error, ErrorCode, Next, Operation, OperationResult, Order, OrderState, Outcome, Provider};
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::time::Instant;

// ================================================================ knobs, PRNG, harness

const DEFAULT_SEED: u64 = 0xA66F_A7F0_0220_2611;
const DEFAULT_ITERS: usize = 400;

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

fn base_iters() -> usize {
    env_u64("AGGPAY_FUZZ_ITERS").map_or(DEFAULT_ITERS, |n| n as usize)
}

fn base_seed() -> u64 {
    env_u64("AGGPAY_FUZZ_SEED").unwrap_or(DEFAULT_SEED)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xorshift64* (Vigna): small, fast, deterministic.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(splitmix(seed) | 1)
    }
    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi as i128 - lo as i128 + 1) as u128;
        (lo as i128 + (self.next_u64() as u128 % span) as i128) as i64
    }
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.next_u64() % den < num
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

thread_local! {
    /// Set by a check that met a known bug's output (see `known bug:`), read by `Fuzz::run`.
    static KNOWN: Cell<Option<&'static str>> = const { Cell::new(None) };
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic hook that, inside a fuzz case, records the message and location instead of printing them.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if ARMED.with(Cell::get) {
                let payload = info.payload();
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "<non-string panic payload>".into());
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column()))
                    .unwrap_or_default();
                CAUGHT.with(|c| *c.borrow_mut() = Some(format!("{msg}{at}")));
            } else {
                default(info)
            }
        }));
    });
}

fn hex(bytes: &[u8]) -> String {
    crypto::hex_lower(bytes)
}

/// A short readable preview of bytes (the exact input is the hex).
fn preview(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let s: String = s.chars().take(400).collect();
    format!("{s:?}{}", if bytes.len() > 400 { " …" } else { "" })
}

/// One target's run: cases, failures (panics and broken invariants), known-bug skips, statistics.
struct Fuzz {
    target: &'static str,
    seed: u64,
    iters: usize,
    only: Option<usize>,
    failures: Vec<String>,
    failed: usize,
    ran: usize,
    known: BTreeMap<&'static str, usize>,
    stats: BTreeMap<String, usize>,
    started: Instant,
}

impl Fuzz {
    fn new(target: &'static str, weight: usize) -> Fuzz {
        install_hook();
        Fuzz {
            target,
            seed: base_seed(),
            iters: base_iters().saturating_mul(weight).max(1),
            only: env_u64("AGGPAY_FUZZ_CASE").map(|c| c as usize),
            failures: Vec::new(),
            failed: 0,
            ran: 0,
            known: BTreeMap::new(),
            stats: BTreeMap::new(),
            started: Instant::now(),
        }
    }

    fn cases(&self) -> Vec<usize> {
        match self.only {
            Some(c) => vec![c],
            None => (0..self.iters).collect(),
        }
    }

    /// The generator of case `i`: depends only on (seed, target, i).
    fn rng(&self, i: usize) -> Rng {
        let t = self.target.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        });
        Rng::new(self.seed ^ splitmix(t) ^ splitmix(i as u64 ^ 0x5bd1_e995))
    }

    fn stat(&mut self, key: impl Into<String>) {
        *self.stats.entry(key.into()).or_default() += 1;
    }

    /// An input the fuzzer found to crash, skipped so the bounded run stays green (see `known bug:`).
    fn skip_known(&mut self, bug: &'static str) {
        *self.known.entry(bug).or_default() += 1;
    }

    /// Runs one case. `check` returns Err for a broken invariant; a panic is caught and reported.
    /// `describe` (called only on failure) gives the exact input.
    fn run(
        &mut self,
        i: usize,
        entry: &str,
        check: impl FnOnce() -> Result<(), String>,
        describe: impl FnOnce() -> String,
    ) {
        self.ran += 1;
        KNOWN.with(|k| k.set(None));
        ARMED.with(|a| a.set(true));
        let r = panic::catch_unwind(AssertUnwindSafe(check));
        ARMED.with(|a| a.set(false));
        if let Some(bug) = KNOWN.with(|k| k.take()) {
            self.skip_known(bug);
        }
        let problem = match r {
            Ok(Ok(())) => return,
            Ok(Err(violation)) => format!("INVARIANT BROKEN in {entry}: {violation}"),
            Err(_) => {
                let msg = CAUGHT
                    .with(|c| c.borrow_mut().take())
                    .unwrap_or_else(|| "<no message>".into());
                format!("PANIC in {entry}: {msg}")
            }
        };
        self.failed += 1;
        if self.failures.len() < 12 {
            self.failures.push(format!(
                "[{}] case {i} (AGGPAY_FUZZ_SEED={:#x} AGGPAY_FUZZ_CASE={i}): {problem}\n    input: {}",
                self.target,
                self.seed,
                describe()
            ));
        }
    }

    fn finish(self) {
        let secs = self.started.elapsed().as_secs_f64();
        let stats: Vec<String> = self.stats.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let known: Vec<String> = self.known.iter().map(|(k, v)| format!("{k}×{v}")).collect();
        eprintln!(
            "fuzz {:<14} seed={:#x} iterations={} calls={} failures={} known-bug skips=[{}] {:.1}s\n    {}",
            self.target,
            self.seed,
            if self.only.is_some() { 1 } else { self.iters },
            self.ran,
            self.failed,
            known.join(", "),
            secs,
            stats.join(" ")
        );
        if self.failed > 0 {
            panic!(
                "{} of {} fuzz calls failed in target {} (seed {:#x}); first {}:\n{}",
                self.failed,
                self.ran,
                self.target,
                self.seed,
                self.failures.len(),
                self.failures.join("\n")
            );
        }
    }
}

// ================================================================ the closed sets

const CODES: [&str; 19] = [
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
const OUTCOMES: [&str; 4] = ["SUCCEEDED", "FAILED", "IN_PROGRESS", "UNKNOWN"];
const NEXTS: [&str; 5] = ["NONE", "POLL", "CANCEL", "CONTACT_SUPPORT", "RETRY"];
const ORDER_STATES: [&str; 8] = [
    "PENDING",
    "SUCCESS",
    "FAILED",
    "CLOSED",
    "REFUNDING",
    "PARTIALLY_REFUNDED",
    "REFUNDED",
    "UNKNOWN",
];
const REFUND_STATES: [&str; 4] = ["PENDING", "SUCCESS", "FAILED", "UNKNOWN"];
const CHANNELS: [&str; 4] = ["ALIPAY", "WECHAT", "UNIONPAY", "OTHER"];
const OPS: [&str; 10] = [
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
const BAD_OPS: [&str; 8] = ["", "PAY", "refund_query", "Pay ", "payy", "\u{0}", "query\n", "收钱"];
const REASONS: [&str; 8] = [
    "MISSING_SIGNATURE",
    "BAD_SIGNATURE",
    "EXPIRED",
    "MALFORMED",
    "TOO_LARGE",
    "WRONG_MERCHANT",
    "WRONG_ORDER",
    "WRONG_AMOUNT",
];

const ALL_CODES: [ErrorCode; 19] = [
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
fn typed(e: &Error, allowed: &[ErrorCode]) -> Result<(), String> {
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

fn check_error_json(j: &Value) -> Result<(), String> {
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
fn split_top_object(s: &str) -> Option<Vec<(String, &str)>> {
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

fn one_of(v: &Value, set: &[&str], what: &str) -> Result<(), String> {
    match v.as_str() {
        Some(s) if set.contains(&s) => Ok(()),
        _ => Err(format!("{what} {v} is not in the closed set {set:?}")),
    }
}

fn opt_int(v: &Value, what: &str) -> Result<(), String> {
    if v.is_null() || v.as_i64().is_some() {
        Ok(())
    } else {
        Err(format!("{what} is neither null nor an integer: {v}"))
    }
}

fn check_order(o: &Value) -> Result<(), String> {
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
struct Summary {
    outcome: String,
    error_code: Option<String>,
}

/// The OperationResult JSON: every enum in its closed set, a typed error when present.
fn check_result(out: &str, provider: &str, op: &str) -> Result<Summary, String> {
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

// ================================================================ generators and mutators

/// Numbers that break naive code: overflow, -0, binary-float traps, exponents, huge digit strings.
const NUMBERS: &[&str] = &[
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
const ENUMS: &[&str] = &[
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
const FIELDS: &[&str] = &[
    // Shouqianba
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
    // Fubei
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
    // Lakala
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
    // Tingyihui
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
    "payerUid",
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
    "收钱吧",
    "a\u{0}b",
    "RESULT_CODE",
];

const TEXT_CHARS: &[char] = &[
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
const SLOT: &str = "@@AGGPAY-SIGNATURE@@";

fn gen_string(rng: &mut Rng) -> String {
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
fn num(text: &str) -> Value {
    serde_json::from_str::<Value>(text)
        .ok()
        .filter(Value::is_number)
        .unwrap_or_else(|| Value::String(text.into()))
}

fn gen_number(rng: &mut Rng) -> Value {
    match rng.below(4) {
        0 => num(rng.pick(NUMBERS)),
        1 => Value::from(rng.next_u64() as i64),
        2 => Value::from(rng.range(-5, 100_000)),
        _ => num(&format!("{}.{}", rng.range(0, 99_999), rng.range(0, 999))),
    }
}

fn gen_value(rng: &mut Rng, depth: usize) -> Value {
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
fn gen_envelope(rng: &mut Rng) -> Value {
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
fn node_mut<'a>(rng: &mut Rng, v: &'a mut Value) -> &'a mut Value {
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

fn node_ref<'a>(rng: &mut Rng, v: &'a Value) -> &'a Value {
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

fn nest(mut v: Value, depth: usize, objects: bool) -> Value {
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
fn mutate_value(rng: &mut Rng, root: &mut Value, donors: &[Value]) {
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
fn mutate_value_edge(rng: &mut Rng, root: &mut Value) {
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
const EDGES: &[&str] = &[
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
fn mutate_leaf_same_type(rng: &mut Rng, root: &mut Value) {
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

fn all_leaves<'a>(v: &'a mut Value, out: &mut Vec<&'a mut Value>) {
    match v {
        Value::Object(m) => m.values_mut().for_each(|x| all_leaves(x, out)),
        Value::Array(a) => a.iter_mut().for_each(|x| all_leaves(x, out)),
        leaf => out.push(leaf),
    }
}

/// Numbers, and strings of digits, anywhere in the tree.
fn numeric_leaves<'a>(v: &'a mut Value, out: &mut Vec<&'a mut Value>) {
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
const TOKENS: &[&[u8]] = &[
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
fn mutate_bytes(rng: &mut Rng, b: &mut Vec<u8>, donors: &[Vec<u8>]) {
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
fn gen_bytes(rng: &mut Rng) -> Vec<u8> {
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

fn to_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// A realistic value, mutated: structurally, at the byte level, or both (or not at all).
fn mutated(rng: &mut Rng, templates: &[Value]) -> Vec<u8> {
    let base = templates[rng.below(templates.len())].clone();
    mutated_from(rng, base, templates)
}

fn mutated_from(rng: &mut Rng, mut v: Value, templates: &[Value]) -> Vec<u8> {
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
fn junk(body: &[u8]) -> bool {
    !serde_json::from_slice::<Value>(body).is_ok_and(|v| v.is_object())
}

// ================================================================ key material (the shared keys are in
// tests/common; the 512-bit pair was made for this file with `openssl genpkey -algorithm RSA
// -pkeyopt rsa_keygen_bits:512` and `openssl req -x509 -new -key … -set_serial 0x0F0E0D0C`, so that signing
// a fresh body per case stays cheap in a debug build)

const LKL_PLATFORM_KEY: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDOR8/XxCKthm9Z
neuktyr0IHNCHiYB8YAYbQvRqrXqXNUOyWz/5pm4EpGMRt3Y/w3GD0blr771acC7
mV4J8g/MG3nOysXlOLEe89RJET8qgN01c0v8kNyeZ66GlHyYc30ZKaAj5XdyDWSE
0Q8CxWBRklq5VY0ArJS/mRWbxyc6QZzQXQH7ES03u/JNZ+v8+AbHU4ZxyTNxuG0m
mvR4uayGQlmnOnaNxfNlSC/RIYVTz0n74GoKL5CNGUyApwwS4ItXoE6n5/T8NrsT
b4vhbugXe6k7EefE+GnwGssazU8n7tsjd6GvWyYXbT3Nsf7v/gdSTgslo04uNhaK
OlMhBvyVAgMBAAECggEAOeFSg3NoW5JOKjIyjYxLxCZa0OGOvprZ24C1gUZKNxGH
Qtfn+sHkvg6PwnGcDCg84CcnOImgplHfH4SAK4A9SIMpIYoqDxBiOpImLb5mH/H6
n+XTG3I2RUhIY0DE2S4GmwngAlJ/uoPhgZb7hEaHqTvMsxY7M0Y5kq1Mr+IosqJ2
9eq0IoDG31ax5UOjPY0S5oUYRod8Wfa7BXlIYlyilinYhcHP2EUOi5IBi9kmfKDI
4iUIyXnAQY2NnioFebNQSHp0X4mUHY99Mg5FmRBhcSSDmvonI8cvzARkmz5f+XuF
VVP1zu0Pze075lyQ2TpYmC+DzNkMS8oyFCzejDE23QKBgQD7ibx4fQrx5deFBSj7
7An3fmuSmS0N/CLWHoYdbPoMw2FTgg16Fw0lfOgwS5yMFmuSY/YdHfcs2P6zep1K
NE4PBijowPVy4KFRvB69vo38OM0YAdCj8pe6BCrNWzJajWITWTav6eYiPuF96aBQ
EKFg9zhf/j0pfmaPLhpPIU21jwKBgQDR8I5TxFCGWr0GsjxXY0xbVDXU3MaYH5O1
9kWRGJHhEbWtX8s/9BI83b7NDwLU/dzP345EbHFGoakmcNV80sUTerSD0btXuqso
+Zq7hMmxiDP3HwfLwD9diDrhJSXjPumf5L3xRZA1C017UeNkQcFjJmQIOiOnIdj/
Qmm7rTOBmwKBgBMiCfT8Re3adsdGejSXYraxpgsTnaq3qAqzba4lUOvRnMCWXuIP
iM92Lc8moTTCq9IJynmygs+lfdI3HGm9isZ3yHrT2pevYHXwIkJ6kSBDTc5qrO0b
kdDzajIOosjigjhIi/FbkEbAk7RZJfmRGkVe6Knck9hpJfH0JsooFVofAoGBAIAZ
jW71icEBWvfcB8+2yl+r2ZECCbfHBMVx+O7ZFCJGQRoCKq3iSsKS95p9/1dhc7vv
iAqeNNxJRkIrdUjN/uys4brRXcPhJhFBhLXJB5zpI/Q1HfeoXcG/n1XD6gNoXvtu
gqvWq3CCbgvCYsLJEKxkP4N5nkmb8KGIr6WRwKzjAoGAXnBB+Bj8c50oqk0Ajza+
tAzq3Ungho9k/bbzl3J8XyYDPp2dd+pCuGlbAJsVJIyo9bg5V5GC3QA47/G7QUbE
tj/qFlWpFWbyF3GRMKItIiRCreGVg24+Ugq+3CDgQOxu5ZoRIk43eFOqff+XhQ1T
dOybiWG8srDJ3h8g8m8MzSo=
-----END PRIVATE KEY-----
";

const K512: &str = "\
-----BEGIN PRIVATE KEY-----
MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEA3LhRNdfq9peZJEc5
BfY+T7Vt4F7vapmnST93YPLlewLHCX+sxnm+jE+K9JpXKd4ag3Tnf/Mwwkak4JnY
UQgAlwIDAQABAkAOVI05QLaJohgYSeOC5pTvGelzWtaShj1dPRikG8EYdlvVnHP6
mRm3qi8mc4HcXJenjJZo9jqyP1Kq+UzdVWXZAiEA8ABstJnYM15+isyDXeCMq/3V
N8bZ8GSS23Q4C1RTHysCIQDrbtrrt5s1GQFiTo4zeS6JC8as7CPNAIGdXXaRNKTO
RQIgSY53wqpcHvJZKkUgBgeqVZRIYv3pEcphUC1AeAhyKV0CIQDl6Vvg1Wy8ba7s
UcqMecr4Cof6VqCfkd8BzkP7iW1oAQIgfko9h9/Bs4K/KgXKWUnTyJEZzNh/unch
l989WrhYWE4=
-----END PRIVATE KEY-----
";

const C512: &str = "\
-----BEGIN CERTIFICATE-----
MIIBjzCCATmgAwIBAgIEDw4NDDANBgkqhkiG9w0BAQsFADAjMSEwHwYDVQQDDBhh
Z2dwYXktZnV6ei1wbGF0Zm9ybS01MTIwIBcNMjYxMTIyMDIwMzQwWhgPMjEyNjEw
MjkwMjAzNDBaMCMxITAfBgNVBAMMGGFnZ3BheS1mdXp6LXBsYXRmb3JtLTUxMjBc
MA0GCSqGSIb3DQEBAQUAA0sAMEgCQQDcuFE11+r2l5kkRzkF9j5PtW3gXu9qmadJ
P3dg8uV7AscJf6zGeb6MT4r0mlcp3hqDdOd/8zDCRqTgmdhRCACXAgMBAAGjUzBR
MB0GA1UdDgQWBBScgnWObm8a6Nf+TJ2RUci6HjVKpTAfBgNVHSMEGDAWgBScgnWO
bm8a6Nf+TJ2RUci6HjVKpTAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUA
A0EA3J8aZONhOiwzEJkWHiB1/KPMz8BB7bVDSR4EpBML6Kfam9+j85bSogT5Gqa4
XsbFIFduO4qcDxVD4l3S15nJCA==
-----END CERTIFICATE-----
";

const NOW_MS: i64 = 1_704_067_200_000;
const SQB_SN: &str = "100000330001";
const SQB_KEY: &str = "68d499beda5f72116592f5c527465656";
const FUBEI_SECRET: &str = "672f295578a545c24b397bae275e6f81";
const LKL_APPID: &str = "OP00000003";

fn sqb_config() -> Value {
    json!({"provider": "shouqianba", "credentials": {"terminalSn": SQB_SN, "terminalKey": SQB_KEY}})
}
fn fubei_v1_config() -> Value {
    json!({"provider": "fubei", "credentials": {"appId": "20170609152021917511", "appSecret": FUBEI_SECRET}})
}
fn fubei_v2_config() -> Value {
    json!({"provider": "fubei", "apiVersion": "2.0", "notifyAck": "SUCCESS",
           "credentials": {"vendorSn": "2018123456", "vendorSecret": FUBEI_SECRET, "merchantId": 1234567}})
}
/// Lakala with the 512-bit "platform" pair: responses and notifications are signed per case.
fn lakala_config() -> Value {
    json!({"provider": "lakala", "credentials": {"appId": LKL_APPID, "serialNo": "0f0e0d0c", "privateKey": K512,
           "platformCertificate": C512, "merchantNo": "82229007392000A", "termNo": "D9296400"}})
}
/// Lakala as configured in production: merchant certificate, 2048-bit keys.
fn lakala_real_config() -> Value {
    json!({"provider": "lakala", "notificationToleranceSeconds": 300, "credentials": {"appId": LKL_APPID,
           "merchantCertificate": MERCHANT_CERT, "privateKey": MERCHANT_KEY, "platformCertificate": PLATFORM_CERT,
           "notifyCertificate": PLATFORM_CERT, "merchantNo": "82229007392000A", "termNo": "D9296400"}})
}
fn tyh_config() -> Value {
    json!({"provider": "tingyihui", "baseUrl": "https://os.hfcsbc.com",
           "credentials": {"accessId": "16373180971704771", "privateKey": K512, "merchantCode": "M0001"}})
}

/// Realistic responses per provider: successes, failures, in-progress, errors (seed examples and the
/// providers' unit tests).
fn templates(provider: &str) -> Vec<Value> {
    match provider {
        "shouqianba" => vec![
            json!({"result_code": "200", "biz_response": {"result_code": "PAY_SUCCESS", "data": {"sn": "7894259244096169",
                "client_sn": "N-1", "trade_no": "2024010122001400001", "status": "SUCCESS", "order_status": "PAID",
                "payway": "3", "sub_payway": "1", "total_amount": "980", "net_amount": "980", "finish_time": "1704067200123",
                "channel_finish_time": "1704067200000", "subject": "Coffee", "operator": "op1"}}}),
            json!({"result_code": "200", "biz_response": {"result_code": "PAY_FAIL", "error_code": "INSUFFICIENT_FUND",
                "error_message": "余额不足", "data": {"sn": "7894259244096170", "client_sn": "N-1", "order_status": "PAY_CANCELED",
                "total_amount": "980", "net_amount": "0", "payway": "1"}}}),
            json!({"result_code": "200", "biz_response": {"result_code": "PAY_IN_PROGRESS", "data": {"sn": "7894259244096171",
                "client_sn": "N-1", "order_status": "CREATED", "total_amount": "980", "payway": "2"}}}),
            json!({"result_code": "200", "biz_response": {"result_code": "PAY_FAIL_ERROR", "error_code": "UNEXPECTED_PROVIDER_ERROR",
                "data": {"sn": "7894259244096172", "client_sn": "N-1", "order_status": "PAY_ERROR", "total_amount": "980"}}}),
            json!({"result_code": "200", "biz_response": {"result_code": "SUCCESS", "data": {"sn": "7894259244096169",
                "client_sn": "N-1", "status": "SUCCESS", "order_status": "PARTIAL_REFUNDED", "payway": "17",
                "total_amount": "1000", "net_amount": "700", "settlement_amount": "300", "finish_time": "1704067200123"}}}),
            json!({"result_code": "200", "biz_response": {"result_code": "PRECREATE_SUCCESS", "data": {"sn": "7894259244096173",
                "client_sn": "N-1", "order_status": "CREATED", "total_amount": "980", "qr_code": "https://qr.alipay.com/bax0",
                "wap_pay_request": {"appId": "wx1", "timeStamp": "1704067200", "package": "prepay_id=wx1", "signType": "RSA"}}}}),
            json!({"result_code": "200", "biz_response": {"result_code": "REFUND_SUCCESS", "data": {"sn": "7894259244096169",
                "client_sn": "N-1", "status": "SUCCESS", "order_status": "REFUNDED", "total_amount": "980", "net_amount": "0",
                "settlement_amount": "980"}}}),
            json!({"result_code": "200", "biz_response": {"result_code": "CANCEL_SUCCESS", "data": {"sn": "7894259244096169",
                "client_sn": "N-1", "order_status": "CANCELED", "total_amount": "980"}}}),
            json!({"result_code": "200", "biz_response": {"terminal_sn": "100000330002", "terminal_key": "0a1b2c3d4e5f"}}),
            json!({"result_code": "200", "biz_response": {"result_code": "FAIL", "error_code": "ILLEGAL_SIGN", "error_message": "签名错误"}}),
            json!({"result_code": "400", "error_code": "INVALID_PARAMS", "error_message": "参数错误"}),
            json!({"result_code": "500", "error_code": "MAINTENANCE_INPROGRESS", "error_message": "系统维护中"}),
        ],
        "fubei" => vec![
            json!({"result_message": "成功", "result_code": 200, "data": {"trade_no": "2017060121534801983049958160",
                "merchant_order_sn": "N-1", "platform_order_no": "12345678998765433223", "order_sn": "20170601215348178414",
                "total_fee": 80, "fee": 1, "net_money": 79, "pay_time": 1_496_325_236, "store_id": "25249", "trade_state": "SUCCESS",
                "type": 1, "discount_money": "20.00", "buyer_pay_amount": "80.00", "no_cash_coupon_fee": 0.01}}),
            json!({"result_code": 200, "result_message": "成功", "data": {"merchant_order_sn": "N-1", "order_sn": "20240101080000123456",
                "channel_order_sn": "4200001234", "order_status": "SUCCESS", "pay_type": "wxpay", "total_amount": 9.8,
                "net_amount": 9.8, "fee": 0.06, "buyer_pay_amount": 9.8, "finish_time": "20240101080000"}}),
            json!({"result_code": 200, "data": {"merchant_order_sn": "N-1", "order_status": "USERPAYING", "total_amount": "9.80"}}),
            json!({"result_code": 400, "result_message": "用户支付中", "sub_code": "USERPAYING"}),
            json!({"result_code": "400", "result_message": "余额不足", "sub_code": "NOTENOUGH"}),
            json!({"result_code": 400, "result_message": "系统繁忙", "sub_code": "SYSTEMERROR"}),
            json!({"result_code": 200, "data": {"merchant_order_sn": "N-1", "order_sn": "X1", "qr_code": "https://qr.51fubei.com/q/1"}}),
            json!({"result_code": 200, "data": {"merchant_order_sn": "N-1", "merchant_refund_sn": "R-1", "refund_sn": "RS1",
                "refund_status": "REFUND_SUCCESS", "refund_amount": "1.00"}}),
            json!({"result_code": 200, "data": {"merchant_refund_sn": "R-1", "refund_status": "REFUND_PROCESSING", "refund_money": 0.5}}),
            json!({"result_code": 200, "data": {"merchant_order_sn": "N-1", "order_status": "CLOSED"}}),
            json!({"result_code": "200", "data": "{\"trade_state\":\"SUCCESS\",\"total_fee\":\"9.80\",\"pay_time\":\"1704067200\"}"}),
            json!({"result_code": 9999, "result_message": "订单已撤销"}),
        ],
        "lakala" => vec![
            json!({"code": "BBS00000", "msg": "成功", "resp_time": "20210907173331", "resp_data": {"out_trade_no": "N-1",
                "trade_no": "2021090766210003630077", "log_no": "66210003630077", "acc_trade_no": "4200001212202109078945008028",
                "account_type": "WECHAT", "trade_state": "SUCCESS", "total_amount": "123", "payer_amount": "123",
                "acc_settle_amount": "123", "acc_mdiscount_amount": "0", "acc_discount_amount": "", "trade_time": "20210907150327"}}),
            json!({"code": "BBS00000", "msg": "成功", "resp_data": {"out_trade_no": "N-1", "trade_no": "2021090766210003630078",
                "acc_trade_no": "4200001212", "account_type": "ALIPAY", "total_amount": "123", "payer_amount": "120",
                "acc_mdiscount_amount": "3", "trade_time": "20210907173330"}}),
            json!({"code": "BBS10000", "msg": "支付中", "resp_data": {"out_trade_no": "N-1", "trade_no": "2021090766210003630079"}}),
            json!({"code": "BBS00000", "msg": "成功", "resp_data": {"out_trade_no": "N-1", "trade_no": "T4", "account_type": "UQRCODEPAY",
                "acc_resp_fields": {"code": "https://qr.alipay.com/bax0", "code_image": ""}}}),
            json!({"code": "BBS00000", "msg": "成功", "resp_data": {"out_trade_no": "R-1", "trade_no": "T5", "refund_amount": "100",
                "total_amount": "123", "trade_state": "SUCCESS", "trade_main_type": "REFUND"}}),
            json!({"code": "BBS11112", "msg": "退款处理中", "resp_data": {"out_trade_no": "R-1", "refund_amount": "100"}}),
            json!({"code": "BBS00000", "msg": "成功", "resp_data": {"origin_trade_no": "T1", "out_trade_no": "N-1", "trade_state": "CLOSE"}}),
            json!({"code": "BBS11105", "msg": "订单不存在", "resp_time": "20210907173331"}),
        ],
        _ => vec![
            json!({"code": 8888, "msg": "处理成功", "data": {"ownerTradeNo": "N-1", "osTradeNo": "OS-1", "tpTradeNo": "TP1",
                "tradeStatus": "SUCCESS", "orderFee": 980, "paymentFee": 980, "tpDiscountFee": 0, "refundFee": 0,
                "payTime": 1_704_067_200_000i64, "payChannel": "WX_PAY"}, "error": null}),
            json!({"code": 8888, "msg": "处理成功", "data": {"ownerTradeNo": "N-1", "osTradeNo": "OS-1", "tradeStatus": "WAIT",
                "orderFee": 980, "payChannel": "ALI_PAY", "sign": "https://qr.alipay.com/bax0"}}),
            json!({"code": 8888, "msg": "处理成功", "data": "OSR-1"}),
            json!({"code": 8888, "msg": "处理成功", "data": {"refundStatus": "SUCCESS", "osRefundNo": "OSR-1", "ownerRefundNo": "R-1", "refundFee": 100}}),
            json!({"code": 8888, "msg": "处理成功", "data": {"refundStatus": "WAIT", "osRefundNo": "OSR-1", "refundFee": 100}}),
            json!({"code": 4004, "msg": "订单不存在", "data": null}),
            json!({"code": 1013, "msg": "签名错误"}),
            json!({"code": 5000, "msg": "系统异常"}),
            json!({"code": 8888, "msg": "处理成功", "data": null}),
            json!({"code": 8888, "msg": "处理成功", "data": {"ownerTradeNo": "N-1", "tradeStatus": "SUCCESS_PART_REFUND",
                "orderFee": 980, "paymentFee": 900, "refundFee": 100, "payTime": 1_704_067_200_000i64}}),
        ],
    }
}

/// The operations each of `templates(provider)` answers, in order ("*" = any).
fn template_ops(provider: &str) -> Vec<&'static [&'static str]> {
    match provider {
        "shouqianba" => vec![
            &["pay"],
            &["pay"],
            &["pay"],
            &["pay"],
            &["query"],
            &["precreate"],
            &["refund"],
            &["cancel", "revoke"],
            &["activate", "checkin"],
            &["activate", "checkin"],
            &["*"],
            &["*"],
        ],
        "fubei" => vec![
            &["query"],
            &["pay", "query"],
            &["pay", "query"],
            &["pay"],
            &["pay", "close"],
            &["pay", "query", "refund"],
            &["precreate"],
            &["refund", "refundQuery"],
            &["refundQuery", "refund"],
            &["close", "cancel", "revoke"],
            &["query", "pay"],
            &["*"],
        ],
        "lakala" => vec![
            &["query"],
            &["pay"],
            &["pay"],
            &["precreate"],
            &["refundQuery", "refund"],
            &["refund"],
            &["close", "cancel", "revoke"],
            &["*"],
        ],
        _ => vec![
            &["query"],
            &["precreate"],
            &["refund"],
            &["refundQuery"],
            &["refundQuery", "refund"],
            &["*"],
            &["*"],
            &["*"],
            &["close", "refund"],
            &["query"],
        ],
    }
}

/// A complete, valid input for each operation (a union of what the providers need).
fn valid_input(op: &str) -> Value {
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

fn wap_input() -> Value {
    json!({"merchantOrderNo": "N-1", "amount": 980, "subject": "Coffee", "operator": "op1", "returnUrl": "https://m.example/r"})
}

/// A header map: mostly plausible names, odd values.
fn gen_headers(rng: &mut Rng) -> BTreeMap<String, String> {
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
            2 => format!("{SQB_SN} {}", crypto::base64_encode(&rng.bytes(256))),
            _ => gen_string(rng),
        };
        h.insert(name, value);
    }
    h
}

/// Header JSON text that is not a string map (or is, by luck): the caller's mistake.
fn gen_junk_headers(rng: &mut Rng) -> String {
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

/// Lakala's response headers: `Lklapi-*`, signed over appid\nserial\ntimestamp\nnonce\nbody\n.
fn lakala_response_headers(key: &PrivateKey, body: &[u8]) -> BTreeMap<String, String> {
    let (appid, serial, ts, nonce) = (LKL_APPID, "0f0e0d0c", "1700000000", "Rk7hT0aQz9bV");
    let sig = key
        .sign_sha256(&lakala::request_message(appid, serial, ts, nonce, body))
        .expect("sign");
    let mut h = BTreeMap::new();
    for (k, v) in [
        ("Lklapi-Appid", appid.to_string()),
        ("Lklapi-Serial", serial.into()),
        ("Lklapi-Timestamp", ts.into()),
        ("Lklapi-Nonce", nonce.into()),
        ("Lklapi-Signature", crypto::base64_encode(&sig)),
    ] {
        h.insert(k.to_string(), v);
    }
    h.insert("Content-Type".into(), "application/json".into());
    h
}

fn k512() -> PrivateKey {
    load_private_key("k512", K512).expect("the 512-bit test key loads")
}

// ================================================================ 1. Client::parse

/// (client name, provider) for parse: every provider, both Fubei API generations.
const PARSE_CLIENTS: [(&str, &str); 5] = [
    ("shouqianba", "shouqianba"),
    ("fubei-1.0", "fubei"),
    ("fubei-2.0", "fubei"),
    ("lakala", "lakala"),
    ("tingyihui", "tingyihui"),
];

fn parse_config(name: &str) -> Value {
    match name {
        "shouqianba" => sqb_config(),
        "fubei-1.0" => fubei_v1_config(),
        "fubei-2.0" => fubei_v2_config(),
        "lakala" => lakala_config(),
        _ => tyh_config(),
    }
}

#[test]
fn fuzz_parse() {
    let mut fz = Fuzz::new("parse", 5);
    let key = k512();
    let mut clients: Vec<Client> = PARSE_CLIENTS
        .iter()
        .map(|(n, _)| Client::new(&parse_config(n).to_string()).expect("test config"))
        .collect();
    let tpl: Vec<Vec<Value>> = PARSE_CLIENTS.iter().map(|(_, p)| templates(p)).collect();
    let ops: Vec<Vec<&[&str]>> = PARSE_CLIENTS.iter().map(|(_, p)| template_ops(p)).collect();
    assert!(
        tpl.iter().zip(&ops).all(|(t, o)| t.len() == o.len()),
        "every template has its operations"
    );
    for i in fz.cases() {
        let mut rng = fz.rng(i);
        let c = i % PARSE_CLIENTS.len();
        let (cname, provider) = PARSE_CLIENTS[c];
        let op_ok = !rng.chance(1, 50);
        let op: &str = if op_ok { OPS[(i / 5) % 10] } else { rng.pick(&BAD_OPS) };
        // The first 200 cases walk every client × operation × status {0, 200, 400, 500}; then mostly 200.
        let status: u16 = if i < 200 {
            [0, 200, 400, 500][(i / 50) % 4]
        } else {
            match rng.below(20) {
                0 => 0,
                1 => 400,
                2 => 500,
                3 => rng.next_u64() as u16,
                _ => 200,
            }
        };
        let (body, origin) = match rng.below(10) {
            0 => (gen_bytes(&mut rng), "bytes"),
            1 => (to_bytes(&gen_value(&mut rng, 4)), "json-tree"),
            2 => (to_bytes(&gen_envelope(&mut rng)), "envelope-tree"),
            _ => {
                // Mostly a body that answers this very operation, so the mutations reach its mapping.
                let matching: Vec<usize> = (0..tpl[c].len())
                    .filter(|&k| ops[c][k].iter().any(|o| *o == op || *o == "*"))
                    .collect();
                let k = if !matching.is_empty() && rng.chance(3, 4) {
                    matching[rng.below(matching.len())]
                } else {
                    rng.below(tpl[c].len())
                };
                (mutated_from(&mut rng, tpl[c][k].clone(), &tpl[c]), "mutated")
            }
        };
        // Lakala: Some(true) = validly signed over this body, Some(false) = signed over other bytes.
        let mut lakala_signed = None;
        let (headers, headers_ok) = if provider == "lakala" && rng.chance(7, 10) {
            if rng.chance(6, 7) {
                lakala_signed = Some(true);
                (json!(lakala_response_headers(&key, &body)).to_string(), true)
            } else {
                let original = to_bytes(&tpl[c][rng.below(tpl[c].len())]);
                lakala_signed = Some(original == body);
                (json!(lakala_response_headers(&key, &original)).to_string(), true)
            }
        } else {
            match rng.below(10) {
                0 => (gen_junk_headers(&mut rng), false),
                1 | 2 => (serde_json::to_string(&gen_headers(&mut rng)).unwrap_or_default(), true),
                3 => (String::new(), true),
                _ => (r#"{"content-type":"application/json"}"#.to_string(), true),
            }
        };
        let (input, input_ok): (Option<String>, bool) = match rng.below(10) {
            0..=3 => (None, true),
            4..=8 => (Some(valid_input(op).to_string()), true),
            _ => {
                let mut v = valid_input(op);
                mutate_value(&mut rng, &mut v, &[]);
                (Some(v.to_string()), false)
            }
        };
        if provider == "shouqianba" {
            // Activate / check-in replace the terminal key: a fresh client keeps each case independent.
            clients[c] = Client::new(&parse_config(cname).to_string()).expect("test config");
        }
        let client = &mut clients[c];
        let seen: RefCell<Option<String>> = RefCell::new(None);
        fz.run(
            i,
            "Client::parse",
            || {
                let r = client.parse(op, status, &headers, body.clone(), input.as_deref(), 1_700_000_000_000);
                let out = match r {
                    Err(e) if !op_ok || !headers_ok || !input_ok => return typed(&e, &[ErrorCode::InvalidInput]),
                    Err(e) => return Err(format!("parse failed for a valid operation, headers and input: {e}")),
                    Ok(_) if !op_ok => return Err(format!("parse accepted the unknown operation {op:?}")),
                    Ok(out) => out,
                };
                let s = check_result(&out, provider, op)?;
                *seen.borrow_mut() = Some(s.outcome.clone());
                if status != 200 && s.outcome != "UNKNOWN" {
                    return Err(format!("HTTP {status} gave outcome {} (only UNKNOWN is safe)", s.outcome));
                }
                if junk(&body) && s.outcome != "UNKNOWN" {
                    return Err(format!("a body that is not a JSON object gave outcome {}", s.outcome));
                }
                if provider == "lakala" && status == 200 && lakala_signed != Some(true) {
                    let ok = s.outcome == "UNKNOWN" && s.error_code.as_deref() == Some("RESPONSE_SIGNATURE_INVALID");
                    if !ok && lakala_signed.is_none() {
                        return Err(format!("an unsigned Lakala response gave {} / {:?}", s.outcome, s.error_code));
                    }
                    if !ok && lakala_signed == Some(false) {
                        return Err(format!("a Lakala body not covered by its signature gave {} / {:?}", s.outcome, s.error_code));
                    }
                }
                Ok(())
            },
            || {
                format!(
                    "client={cname} op={op:?} status={status} origin={origin} headers={headers:?} input={input:?}\n    body.hex={}\n    body.text={}",
                    hex(&body),
                    preview(&body)
                )
            },
        );
        if let Some(o) = seen.into_inner() {
            fz.stat(format!("{cname}:{o}"));
        }
    }
    fz.finish();
}

// ================================================================ 2. verify_notification

fn sqb_notify_bodies() -> Vec<Value> {
    vec![
        json!({"terminal_sn": SQB_SN, "sn": "7895259244996965", "client_sn": "N-20240101-0001", "trade_no": "2024010122001400001", "status": "SUCCESS",
               "order_status": "PAID", "payway": "2", "sub_payway": "1", "total_amount": "980", "net_amount": "980",
               "finish_time": "1704067200123", "channel_finish_time": "1704067200000", "subject": "Coffee", "operator": "op1"}),
        json!({"terminal_sn": SQB_SN, "sn": "7895259244996966", "client_sn": "N-2", "order_status": "REFUNDED", "payway": "3", "total_amount": "500",
               "net_amount": "0", "status": "SUCCESS"}),
        json!({"terminal_sn": SQB_SN, "sn": "1", "client_sn": "c", "order_status": "PARTIAL_REFUNDED", "total_amount": "1000", "net_amount": "700", "payway": "17"}),
    ]
}

fn fubei_notify_data() -> Vec<Value> {
    vec![
        json!({"merchant_id": 1234567, "merchant_order_sn": "N-20240101-0001", "order_sn": "20240101080000123456", "channel_order_sn": "4200001234",
               "order_status": "SUCCESS", "pay_type": "wxpay", "total_amount": 9.8, "net_amount": 9.8, "fee": 0.06,
               "buyer_pay_amount": 9.8, "finish_time": "20240101080000"}),
        json!({"merchant_id": 1234567, "merchant_order_sn": "N-1", "order_sn": "2017060121534817", "trade_state": "SUCCESS", "total_fee": "9.80",
               "net_money": "9.74", "fee": "0.06", "pay_time": "1704067200", "type": "2"}),
        json!({"merchant_id": 1234567, "merchant_order_sn": "N-1", "merchant_refund_sn": "R-1", "refund_sn": "RS1", "refund_status": "REFUND_SUCCESS",
               "refund_money": "1.00"}),
    ]
}

fn lakala_notify_bodies() -> Vec<Value> {
    vec![
        json!({"merchant_no": "82229007392000A", "term_no": "D9296400", "out_trade_no": "N-1", "trade_no": "2021090766210003630077", "acc_trade_no": "4200001212202109078945008028",
               "account_type": "WECHAT", "trade_status": "SUCCESS", "total_amount": "123", "payer_amount": "123",
               "trade_time": "20210907150327", "user_id1": "olpr"}),
        json!({"merchant_no": "82229007392000A", "term_no": "D9296400", "out_trade_no": "N-1", "trade_no": "T2", "account_type": "ALIPAY", "trade_status": "REFUND", "total_amount": "123"}),
    ]
}

/// `application/x-www-form-urlencoded`, as a browser writes it.
fn form(fields: &[(String, String)]) -> Vec<u8> {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", aggpay::http::url_encode(k), aggpay::http::url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// Fubei's notification fields, signed (`sign` last).
fn fubei_signed(fields: Vec<(String, String)>) -> Vec<(String, String)> {
    let map: BTreeMap<String, String> = fields.iter().cloned().collect();
    let mut out = fields;
    out.push(("sign".into(), fubei::sign(&map, FUBEI_SECRET)));
    out
}

/// The form decoding Fubei's verifier does, mirrored: (fields, or None when it would refuse the form).
fn fubei_decode(body: &[u8]) -> Option<BTreeMap<String, String>> {
    let decode = |s: &[u8]| -> Option<String> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let h = std::str::from_utf8(s.get(i + 1..i + 3)?).ok()?;
                    out.push(u8::from_str_radix(h, 16).ok()?);
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).ok()
    };
    let mut m = BTreeMap::new();
    for part in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match part.iter().position(|b| *b == b'=') {
            Some(at) => (&part[..at], &part[at + 1..]),
            None => (part, &[][..]),
        };
        if m.insert(decode(k)?, decode(v)?).is_some() {
            return None;
        }
    }
    Some(m)
}

/// What Fubei's signature covers: the non-empty fields but `sign`, and the sign itself (trimmed, any case).
fn fubei_canonical(m: &BTreeMap<String, String>) -> (Vec<(String, String)>, String) {
    let fields = m
        .iter()
        .filter(|(k, v)| *k != "sign" && !v.is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (
        fields,
        m.get("sign").map(|s| s.trim().to_ascii_lowercase()).unwrap_or_default(),
    )
}

fn lakala_auth(ts: &str, nonce: &str, sig: &str) -> String {
    format!("LKLAPI-SHA256withRSA timestamp=\"{ts}\",nonce_str=\"{nonce}\",signature=\"{sig}\"")
}

fn gen_now(rng: &mut Rng) -> i64 {
    match rng.below(20) {
        0 => rng.pick(&[0, -1, -999, 1, money::MAX_FEN, -money::MAX_FEN]),
        1 => rng.range(-money::MAX_FEN, money::MAX_FEN),
        // The native API takes any i64 (the wasm binding admits only safe integers).
        2 => rng.pick(&[i64::MIN, i64::MAX, i64::MIN + 1, i64::MAX - 999]),
        _ => NOW_MS,
    }
}

const VERIFY_CLIENTS: [(&str, &str); 8] = [
    ("shouqianba-2048", "shouqianba"),
    ("shouqianba-512", "shouqianba"),
    ("fubei-1.0", "fubei"),
    ("fubei-2.0", "fubei"),
    ("lakala", "lakala"),
    ("tingyihui", "tingyihui"),
    ("shouqianba-nokey", "shouqianba"),
    ("fubei-nocreds", "fubei"),
];

fn verify_config(name: &str) -> Value {
    let mut sqb = sqb_config();
    match name {
        "shouqianba-2048" => {
            sqb["credentials"]["notifyPublicKey"] = json!(MERCHANT_PUBLIC_SPKI);
            sqb
        }
        "shouqianba-512" => {
            sqb["credentials"]["notifyPublicKey"] = json!(C512);
            sqb
        }
        "fubei-1.0" => fubei_v1_config(),
        "fubei-2.0" => fubei_v2_config(),
        "lakala" => lakala_config(),
        "tingyihui" => tyh_config(),
        "shouqianba-nokey" => sqb,
        _ => json!({"provider": "fubei"}),
    }
}

#[test]
fn fuzz_verify_notification() {
    let mut fz = Fuzz::new("verify", 4);
    let k512 = k512();
    let k2048 = load_private_key("k2048", MERCHANT_KEY).expect("test key");
    let clients: Vec<Client> = VERIFY_CLIENTS
        .iter()
        .map(|(n, _)| Client::new(&verify_config(n).to_string()).expect("test config"))
        .collect();
    let sqb_bodies: Vec<Vec<u8>> = sqb_notify_bodies().iter().map(to_bytes).collect();
    // Signed once with the 2048-bit key (slow in debug), reused by every case.
    let sqb_sigs: Vec<String> = sqb_bodies
        .iter()
        .map(|b| crypto::base64_encode(&k2048.sign_sha256(b).expect("sign")))
        .collect();
    let fubei_data = fubei_notify_data();
    let lakala_bodies = lakala_notify_bodies();
    let now_s = NOW_MS / 1000;
    for i in fz.cases() {
        let mut rng = fz.rng(i);
        let c = i % VERIFY_CLIENTS.len();
        let (cname, provider) = VERIFY_CLIENTS[c];
        // 0 = the valid notification, 1 = valid headers over a mutated body, 2 = a mutated body freshly
        // signed (reaches the parsing behind the signature), 3 = arbitrary headers and body.
        let mode = match rng.below(10) {
            0 => 0,
            1..=3 => 1,
            4..=7 => 2,
            _ => 3,
        };
        let mut now = NOW_MS;
        let mut headers_ok = true;
        let mut must_not_verify = false;
        let mut must_verify = false;
        let (headers, body): (String, Vec<u8>) = match (cname, mode) {
            (_, 3) | ("tingyihui" | "shouqianba-nokey" | "fubei-nocreds", _) => {
                now = gen_now(&mut rng);
                let body = if rng.chance(1, 2) {
                    gen_bytes(&mut rng)
                } else {
                    mutated(&mut rng, &sqb_notify_bodies())
                };
                if rng.chance(1, 5) {
                    headers_ok = false;
                    (gen_junk_headers(&mut rng), body)
                } else {
                    (serde_json::to_string(&gen_headers(&mut rng)).unwrap_or_default(), body)
                }
            }
            ("shouqianba-2048" | "shouqianba-512", _) => {
                let k = rng.below(sqb_bodies.len());
                let original = sqb_bodies[k].clone();
                let sig_for = |b: &[u8]| -> String {
                    if cname == "shouqianba-2048" {
                        sqb_sigs[k].clone()
                    } else {
                        crypto::base64_encode(&k512.sign_sha256(b).expect("sign"))
                    }
                };
                let header_value = |sig: String, rng: &mut Rng| {
                    if rng.chance(1, 2) {
                        sig
                    } else {
                        format!("{SQB_SN} {sig}")
                    }
                };
                match mode {
                    0 => {
                        must_verify = true;
                        let sig = sig_for(&original);
                        (
                            json!({"Authorization": header_value(sig, &mut rng)}).to_string(),
                            original,
                        )
                    }
                    1 => {
                        let sig = sig_for(&original);
                        let mut b = original.clone();
                        mutate_bytes(&mut rng, &mut b, &sqb_bodies);
                        must_not_verify = b != original;
                        (json!({"authorization": header_value(sig, &mut rng)}).to_string(), b)
                    }
                    _ if cname == "shouqianba-512" => {
                        let b = mutated(&mut rng, &sqb_notify_bodies());
                        let sig = crypto::base64_encode(&k512.sign_sha256(&b).expect("sign"));
                        (json!({"Authorization": header_value(sig, &mut rng)}).to_string(), b)
                    }
                    _ => {
                        // No fresh 2048-bit signatures (slow in debug): a mutated body under the old one.
                        let mut b = original.clone();
                        mutate_bytes(&mut rng, &mut b, &sqb_bodies);
                        must_not_verify = b != original;
                        (json!({"Authorization": sqb_sigs[k]}).to_string(), b)
                    }
                }
            }
            ("fubei-1.0" | "fubei-2.0", _) => {
                let data = fubei_data[rng.below(fubei_data.len())].clone();
                let fields = |data: String| {
                    vec![
                        ("result_code".to_string(), "200".to_string()),
                        ("result_message".into(), "支付成功".into()),
                        ("data".into(), data),
                    ]
                };
                let valid = form(&fubei_signed(fields(data.to_string())));
                let h = r#"{"content-type":"application/x-www-form-urlencoded"}"#.to_string();
                match mode {
                    0 => {
                        must_verify = true;
                        (h, valid)
                    }
                    1 => {
                        let mut b = valid.clone();
                        mutate_bytes(&mut rng, &mut b, &[]);
                        // Re-encodings of the same fields verify, by design; anything else must not.
                        let same = match (fubei_decode(&b), fubei_decode(&valid)) {
                            (Some(m), Some(v)) => fubei_canonical(&m) == fubei_canonical(&v),
                            _ => false,
                        };
                        must_not_verify = !same && b != valid;
                        (h, b)
                    }
                    _ => {
                        let mut fs = if rng.chance(3, 4) {
                            let mut d = data;
                            for _ in 0..rng.range(1, 3) {
                                mutate_value(&mut rng, &mut d, &fubei_data);
                            }
                            fields(d.to_string())
                        } else {
                            fields(String::from_utf8_lossy(&gen_bytes(&mut rng)).into_owned())
                        };
                        if rng.chance(1, 4) {
                            let k = rng.below(fs.len());
                            fs[k].1 = gen_string(&mut rng);
                        }
                        if rng.chance(1, 6) {
                            fs.push((rng.pick(FIELDS).to_string(), gen_string(&mut rng)));
                        }
                        (h, form(&fubei_signed(fs)))
                    }
                }
            }
            _ => {
                // Lakala: Authorization over timestamp\nnonce_str\nbody\n, plus the replay window.
                let original = to_bytes(&lakala_bodies[rng.below(lakala_bodies.len())]);
                let nonce = "Rk7hT0aQz9bV";
                let sign = |ts: &str, b: &[u8]| {
                    crypto::base64_encode(
                        &k512
                            .sign_sha256(&lakala::notification_message(ts, nonce, b))
                            .expect("sign"),
                    )
                };
                match mode {
                    0 => {
                        must_verify = true;
                        let ts = (now_s + rng.range(-299, 299)).to_string();
                        (
                            json!({"Authorization": lakala_auth(&ts, nonce, &sign(&ts, &original))}).to_string(),
                            original,
                        )
                    }
                    1 => {
                        let ts = now_s.to_string();
                        let sig = sign(&ts, &original);
                        let mut b = original.clone();
                        mutate_bytes(&mut rng, &mut b, &[]);
                        must_not_verify = b != original;
                        (json!({"Authorization": lakala_auth(&ts, nonce, &sig)}).to_string(), b)
                    }
                    _ => {
                        now = gen_now(&mut rng);
                        let ts = match rng.below(8) {
                            0 => rng
                                .pick(&[
                                    "0",
                                    "-1",
                                    "9223372036854775807",
                                    "-9223372036854775808",
                                    "9223372036854775808",
                                    "+1704067200",
                                    " 1704067200",
                                    "1704067200.5",
                                    "",
                                    "abc",
                                    "1e9",
                                    "99999999999999999999",
                                ])
                                .to_string(),
                            1 => rng.next_u64().to_string(),
                            2 => (rng.next_u64() as i64).to_string(),
                            _ => (now.div_euclid(1000).saturating_add(rng.range(-400, 400))).to_string(),
                        };
                        let b = if rng.chance(4, 5) {
                            mutated(&mut rng, &lakala_bodies)
                        } else {
                            original
                        };
                        (
                            json!({"Authorization": lakala_auth(&ts, nonce, &sign(&ts, &b))}).to_string(),
                            b,
                        )
                    }
                }
            }
        };
        let client = &clients[c];
        let seen: RefCell<Option<String>> = RefCell::new(None);
        fz.run(
            i,
            "Client::verify_notification",
            || {
                let mut allowed = vec![ErrorCode::NotificationInvalid, ErrorCode::InvalidConfig, ErrorCode::UnsupportedOperation];
                if !headers_ok {
                    allowed.push(ErrorCode::InvalidInput);
                }
                match client.verify_notification(&headers, &body, now, None) {
                    Err(e) => {
                        *seen.borrow_mut() = Some(e.reason.unwrap_or(e.code.as_str()).to_string());
                        if must_verify {
                            return Err(format!("a valid notification was refused: {e}"));
                        }
                        if must_not_verify && e.code != ErrorCode::NotificationInvalid {
                            return Err(format!("a mutated notification was refused with {} rather than NOTIFICATION_INVALID", e.code.as_str()));
                        }
                        typed(&e, &allowed)
                    }
                    Ok(out) => {
                        *seen.borrow_mut() = Some("OK".into());
                        if must_not_verify {
                            return Err("a notification whose body was changed after signing verified".into());
                        }
                        if !headers_ok {
                            return Err("headers that are not a string map were accepted".into());
                        }
                        // Members one by one: `raw` echoes the body, which may sit at serde_json's depth limit.
                        let members = split_top_object(&out).ok_or("notification is not a JSON object")?;
                        let get = |k: &str| -> Result<Value, String> {
                            let text = members.iter().find(|(name, _)| name == k).map(|(_, t)| *t).ok_or(format!("notification has no {k}"))?;
                            serde_json::from_str(text).map_err(|e| format!("notification {k} does not parse: {e}"))
                        };
                        check_order(&get("order")?)?;
                        let ack = get("ack")?;
                        if ack["status"] != 200 || !ack["body"].as_str().is_some_and(|b| !b.is_empty()) {
                            return Err(format!("notification ack is not a 200 with a body: {ack}"));
                        }
                        Ok(())
                    }
                }
            },
            || format!("client={cname} provider={provider} mode={mode} now_ms={now} headers={headers:?}\n    body.hex={}\n    body.text={}", hex(&body), preview(&body)),
        );
        if let Some(o) = seen.into_inner() {
            fz.stat(format!("{cname}:{o}"));
        }
    }
    fz.finish();
}

// ================================================================ 3. key loading

/// A DER tree, kept loose enough to re-encode whatever was changed inside it.
#[derive(Clone, Debug)]
enum Der {
    Prim(u8, Vec<u8>),
    Cons(u8, Vec<Der>),
    /// BIT STRING / OCTET STRING holding DER (SPKI's key, PKCS#8's key): prefix bytes, then children.
    Wrapped(u8, Vec<u8>, Vec<Der>),
}

fn read_tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
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

fn parse_der(mut b: &[u8]) -> Option<Vec<Der>> {
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

fn der_len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else {
        let bytes: Vec<u8> = n.to_be_bytes().iter().copied().skip_while(|b| *b == 0).collect();
        let mut v = vec![0x80 | bytes.len() as u8];
        v.extend(bytes);
        v
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    v.extend(der_len(content.len()));
    v.extend_from_slice(content);
    v
}

fn encode(list: &[Der]) -> Vec<u8> {
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

fn count_nodes(list: &[Der]) -> usize {
    list.iter()
        .map(|d| {
            1 + match d {
                Der::Cons(_, k) | Der::Wrapped(_, _, k) => count_nodes(k),
                Der::Prim(..) => 0,
            }
        })
        .sum()
}

fn nth_node<'a>(list: &'a mut [Der], n: &mut usize) -> Option<&'a mut Der> {
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
fn der_uint(be: &[u8]) -> Vec<u8> {
    let mut c: Vec<u8> = be.iter().copied().skip_while(|b| *b == 0).collect();
    if c.is_empty() || c[0] & 0x80 != 0 {
        c.insert(0, 0);
    }
    tlv(0x02, &c)
}

fn der_u(v: u128) -> Vec<u8> {
    der_uint(&v.to_be_bytes())
}

fn seq(items: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &items.concat())
}

fn rsa_alg() -> Vec<u8> {
    seq(&[
        tlv(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]),
        vec![0x05, 0x00],
    ])
}

/// An INTEGER that stresses key validation: tiny, zero, one, even, negative, empty, over-long.
fn odd_int(rng: &mut Rng) -> Vec<u8> {
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
fn synthetic_key(rng: &mut Rng) -> (String, Vec<u8>) {
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
fn random_der(rng: &mut Rng, depth: usize) -> Vec<u8> {
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
fn mutate_der(rng: &mut Rng, der: &[u8]) -> Vec<u8> {
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
fn pem_parts(pem: &str) -> (String, Vec<u8>) {
    let label = pem
        .trim()
        .strip_prefix("-----BEGIN ")
        .and_then(|r| r.split_once("-----"))
        .map(|(l, _)| l.to_string())
        .unwrap_or_default();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    (label, crypto::base64_decode(&body).unwrap_or_default())
}

const LABELS: &[&str] = &[
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
    "收钱吧",
    "-----",
    "PRIVATE KEY-----\n-----BEGIN PRIVATE KEY",
];

/// DER as text: PEM of some line length and line ending, or bare Base64 (sometimes with whitespace).
fn wrap(rng: &mut Rng, label: &str, der: &[u8]) -> String {
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
fn gen_key_text(rng: &mut Rng, corpus: &[&str]) -> String {
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

fn key_corpus() -> Vec<&'static str> {
    vec![
        MERCHANT_KEY,
        MERCHANT_KEY_PKCS1,
        MERCHANT_PUBLIC_SPKI,
        MERCHANT_PUBLIC_PKCS1,
        MERCHANT_CERT,
        PLATFORM_CERT,
        EC_KEY_PKCS8,
        EC_KEY_SEC1,
        K512,
        C512,
        LKL_PLATFORM_KEY,
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

// ================================================================ 4. Client::new, build, wapPayUrl, complete, networkFailure

const KEY_FIELDS: [&str; 5] = [
    "privateKey",
    "platformCertificate",
    "merchantCertificate",
    "notifyPublicKey",
    "notifyCertificate",
];

fn config_templates() -> Vec<Value> {
    let mut sqb_notify = sqb_config();
    sqb_notify["credentials"]["notifyPublicKey"] = json!(MERCHANT_PUBLIC_SPKI);
    sqb_notify["baseUrl"] = json!("https://vsi-api.shouqianba.com");
    sqb_notify["wapBaseUrl"] = json!("https://qr.shouqianba.com/gateway");
    vec![
        sqb_notify,
        sqb_config(),
        fubei_v1_config(),
        fubei_v2_config(),
        lakala_config(),
        lakala_real_config(),
        tyh_config(),
        json!({"provider": "shouqianba"}),
        json!({"provider": "fubei"}),
    ]
}

#[test]
fn fuzz_client_new() {
    let mut fz = Fuzz::new("config", 2);
    let tpl = config_templates();
    let corpus = key_corpus();
    for i in fz.cases() {
        let mut rng = fz.rng(i);
        let text: Vec<u8> = match rng.below(10) {
            0 => gen_bytes(&mut rng),
            1 => to_bytes(&gen_value(&mut rng, 3)),
            2 | 3 => {
                // A key field replaced with odd key text.
                let mut v = tpl[rng.below(tpl.len())].clone();
                let f = rng.pick(&KEY_FIELDS);
                let key_text = gen_key_text(&mut rng, &corpus);
                if let Some(c) = v.get_mut("credentials").and_then(Value::as_object_mut) {
                    c.insert(f.to_string(), Value::String(key_text));
                }
                to_bytes(&v)
            }
            _ => mutated(&mut rng, &tpl),
        };
        let config = String::from_utf8_lossy(&text).into_owned();
        let seen: RefCell<Option<String>> = RefCell::new(None);
        fz.run(
            i,
            "Client::new",
            || match Client::new(&config) {
                Ok(c) => {
                    *seen.borrow_mut() = Some("OK".into());
                    // A configured client answers a transport failure whatever its provider.
                    let out = c
                        .network_failure("query", "fuzz")
                        .map_err(|e| format!("networkFailure refused: {e}"))?;
                    let provider = serde_json::from_str::<Value>(&out)
                        .ok()
                        .and_then(|v| v["provider"].as_str().map(str::to_string))
                        .unwrap_or_default();
                    check_result(&out, &provider, "query").map(|_| ())
                }
                Err(e) => {
                    *seen.borrow_mut() = Some(e.code.as_str().to_string());
                    typed(&e, &[ErrorCode::InvalidConfig, ErrorCode::InvalidKey])
                }
            },
            || {
                format!(
                    "config.hex={}\n    config={:?}",
                    hex(config.as_bytes()),
                    config.chars().take(3000).collect::<String>()
                )
            },
        );
        if let Some(o) = seen.into_inner() {
            fz.stat(o);
        }
    }
    fz.finish();
}

const BUILD_CLIENTS: [(&str, &str); 5] = [
    ("shouqianba", "shouqianba"),
    ("fubei-1.0", "fubei"),
    ("fubei-2.0", "fubei"),
    ("lakala", "lakala"),
    ("tingyihui", "tingyihui"),
];

fn gen_nonce(rng: &mut Rng) -> String {
    if rng.chance(4, 5) {
        (0..rng.range(16, 32))
            .map(|_| rng.pick(b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEF") as char)
            .collect()
    } else {
        gen_string(rng)
    }
}

/// The request a successful build returns, checked; then `complete` with a signature must fill the slot
/// and change nothing else.
fn check_built(client: &Client, provider: &str, out: &str, signature: &[u8]) -> Result<(), String> {
    let v: Value = serde_json::from_str(out).map_err(|e| format!("build JSON does not parse: {e}"))?;
    let req = &v["request"];
    if !req["url"].as_str().is_some_and(|u| u.starts_with("http"))
        || !req["method"].is_string()
        || !req["body"].is_string()
    {
        return Err(format!("build returned a malformed request: {req}"));
    }
    if !req["headers"]
        .as_object()
        .is_some_and(|h| h.values().all(Value::is_string))
    {
        return Err("request headers are not a string map".into());
    }
    let rsa = matches!(provider, "lakala" | "tingyihui");
    match (&v["toSign"], rsa) {
        (Value::String(s), true) if crypto::base64_decode(s).is_some() => {}
        (Value::Null, false) => {}
        (t, _) => return Err(format!("toSign is {t} for {provider}")),
    }
    if !rsa {
        return Ok(());
    }
    let done = client
        .complete(&req.to_string(), signature)
        .map_err(|e| format!("complete refused a built request: {e}"))?;
    let d: Value = serde_json::from_str(&done).map_err(|e| format!("complete JSON does not parse: {e}"))?;
    if done.contains(SLOT) {
        return Err("the signature slot survived complete".into());
    }
    let b64 = crypto::base64_encode(signature);
    match provider {
        "lakala" => {
            if d["body"] != req["body"] {
                return Err("complete changed the signed Lakala body".into());
            }
            if !d["headers"]["authorization"]
                .as_str()
                .is_some_and(|a| a.contains(&format!("signature=\"{b64}\"")))
            {
                return Err("the Lakala Authorization header does not carry the signature".into());
            }
        }
        _ => {
            let before: Value = serde_json::from_str(req["body"].as_str().unwrap_or_default())
                .map_err(|e| format!("Tingyihui body is not JSON: {e}"))?;
            let mut after: Value = serde_json::from_str(d["body"].as_str().unwrap_or_default())
                .map_err(|e| format!("completed Tingyihui body is not JSON: {e}"))?;
            if after["sign"] != b64.as_str() {
                return Err("the Tingyihui sign is not the signature".into());
            }
            after["sign"] = before["sign"].clone();
            if after != before {
                return Err("complete changed the Tingyihui envelope beyond sign".into());
            }
        }
    }
    Ok(())
}

#[test]
fn fuzz_build() {
    let mut fz = Fuzz::new("build", 5);
    let clients: Vec<Client> = BUILD_CLIENTS
        .iter()
        .map(|(n, _)| Client::new(&parse_config(n).to_string()).expect("test config"))
        .collect();
    let allowed = [
        ErrorCode::InvalidInput,
        ErrorCode::InvalidConfig,
        ErrorCode::InvalidKey,
        ErrorCode::UnsupportedOperation,
    ];
    let all_inputs: Vec<Value> = OPS.iter().map(|op| valid_input(op)).chain([wap_input()]).collect();
    for i in fz.cases() {
        let mut rng = fz.rng(i);
        let c = i % BUILD_CLIENTS.len();
        let (cname, provider) = BUILD_CLIENTS[c];
        let client = &clients[c];
        let op_ok = !rng.chance(1, 40);
        let op: &str = if op_ok { OPS[(i / 5) % 10] } else { rng.pick(&BAD_OPS) };
        let input: String = match rng.below(12) {
            0 | 10 | 11 => valid_input(op).to_string(),
            1 => String::from_utf8_lossy(&gen_bytes(&mut rng)).into_owned(),
            2 => gen_value(&mut rng, 3).to_string(),
            _ => {
                let mut v = valid_input(op);
                for _ in 0..rng.range(1, 3) {
                    mutate_value(&mut rng, &mut v, &all_inputs);
                }
                if let (Some(m), true) = (v.as_object_mut(), rng.chance(1, 5)) {
                    m.insert("extra".into(), gen_value(&mut rng, 2));
                }
                let mut b = to_bytes(&v);
                if rng.chance(1, 6) {
                    mutate_bytes(&mut rng, &mut b, &[]);
                }
                String::from_utf8_lossy(&b).into_owned()
            }
        };
        let now = gen_now(&mut rng);
        let nonce = gen_nonce(&mut rng);
        let signature = rng.bytes(300);
        let why = gen_string(&mut rng);
        let seen: RefCell<Option<String>> = RefCell::new(None);
        fz.run(
            i,
            "Client::build",
            || match client.build(op, &input, now, nonce.clone()) {
                Ok(out) => {
                    *seen.borrow_mut() = Some("OK".into());
                    if !op_ok {
                        return Err(format!("build accepted the unknown operation {op:?}"));
                    }
                    check_built(client, provider, &out, &signature)
                }
                Err(e) => {
                    *seen.borrow_mut() = Some(e.code.as_str().to_string());
                    typed(&e, &allowed)
                }
            },
            || format!("client={cname} op={op:?} now_ms={now} nonce={nonce:?} signature.hex={}\n    input.hex={}\n    input={input:?}", hex(&signature), hex(input.as_bytes())),
        );
        if let Some(o) = seen.into_inner() {
            fz.stat(format!("{cname}:{o}"));
        }
        // The other synchronous entry points, on the same case.
        let wap_in = if rng.chance(1, 3) {
            wap_input().to_string()
        } else {
            input.clone()
        };
        fz.run(
            i,
            "Client::wap_pay_url",
            || match client.wap_pay_url(&wap_in) {
                Ok(url)
                    if provider == "shouqianba"
                        && url.starts_with("https://qr.shouqianba.com/gateway?")
                        && url.contains("&sign=") =>
                {
                    Ok(())
                }
                Ok(url) => Err(format!("wapPayUrl returned {url:?} for {provider}")),
                Err(e) => typed(
                    &e,
                    &[
                        ErrorCode::InvalidInput,
                        ErrorCode::InvalidConfig,
                        ErrorCode::UnsupportedOperation,
                    ],
                ),
            },
            || format!("client={cname} input={wap_in:?}"),
        );
        fz.run(
            i,
            "Client::network_failure",
            || match client.network_failure(op, &why) {
                Ok(_) if !op_ok => Err(format!("networkFailure accepted the unknown operation {op:?}")),
                Ok(out) => {
                    let s = check_result(&out, provider, op)?;
                    if s.outcome != "UNKNOWN" || s.error_code.as_deref() != Some("NETWORK") {
                        return Err(format!("a transport failure gave {} / {:?}", s.outcome, s.error_code));
                    }
                    Ok(())
                }
                Err(e) => typed(&e, &[ErrorCode::InvalidInput]),
            },
            || format!("client={cname} op={op:?} why={why:?}"),
        );
        let junk_request = if rng.chance(1, 2) {
            input.clone()
        } else {
            json!({"method": "POST", "url": gen_string(&mut rng), "headers": gen_headers(&mut rng), "body": gen_string(&mut rng)}).to_string()
        };
        fz.run(
            i,
            "Client::complete",
            || match client.complete(&junk_request, &signature) {
                Ok(out) => serde_json::from_str::<Value>(&out)
                    .map(|_| ())
                    .map_err(|e| format!("complete JSON does not parse: {e}")),
                Err(e) => typed(&e, &[ErrorCode::InvalidInput]),
            },
            || {
                format!(
                    "client={cname} request={junk_request:?} signature.hex={}",
                    hex(&signature)
                )
            },
        );
        if rng.chance(1, 10) {
            let message = rng.bytes(200);
            fz.run(
                i,
                "Client::sign_wasm",
                || match (client.sign_wasm(&message), matches!(provider, "lakala" | "tingyihui")) {
                    (Ok(sig), true) if !sig.is_empty() => Ok(()),
                    (Err(e), false) => typed(&e, &[ErrorCode::UnsupportedOperation]),
                    (r, _) => Err(format!("signWasm for {provider} gave {r:?}")),
                },
                || format!("client={cname} message.hex={}", hex(&message)),
            );
        }
    }
    fz.finish();
}

// ================================================================ 5. money and Beijing time

fn gen_yuan_text(rng: &mut Rng) -> String {
    const ALPHABET: &[&str] = &[
        "0", "1", "5", "9", ".", "-", "+", "e", "E", " ", ",", "_", "٣", "３", "\u{0}", "x", "00", "..", "\u{200b}",
    ];
    match rng.below(6) {
        0 => gen_string(rng),
        1 => rng.pick(NUMBERS).to_string(),
        2 => (0..rng.range(0, 24)).map(|_| rng.pick(ALPHABET)).collect(),
        3 => format!("{}.{}", rng.range(0, i64::MAX), rng.range(0, 999)),
        4 => {
            let int: String = (0..rng.range(1, 22))
                .map(|_| (b'0' + rng.below(10) as u8) as char)
                .collect();
            let frac: String = (0..rng.range(0, 3))
                .map(|_| (b'0' + rng.below(10) as u8) as char)
                .collect();
            if frac.is_empty() && rng.chance(1, 2) {
                int
            } else {
                format!("{int}.{frac}")
            }
        }
        _ => money::fen_to_yuan(rng.range(0, money::MAX_FEN)).unwrap_or_default(),
    }
}

/// The exact fen value of plain yuan text (digits, at most one '.', at most two decimals), by hand.
fn reference_fen(text: &str) -> Option<i128> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
    {
        return None;
    }
    let int: i128 = int.parse().ok()?;
    let frac: i128 = format!("{frac:0<2}").parse().ok()?;
    Some(int * 100 + frac)
}

#[test]
fn fuzz_money_and_time() {
    let mut fz = Fuzz::new("money", 25);
    for i in fz.cases() {
        let mut rng = fz.rng(i);
        let text = gen_yuan_text(&mut rng);
        let accepted = Cell::new(false);
        fz.run(
            i,
            "money::yuan_to_fen",
            || match money::yuan_to_fen(&text) {
                Ok(fen) => {
                    accepted.set(true);
                    if !(0..=money::MAX_FEN).contains(&fen) {
                        return Err(format!("{text:?} gave {fen} fen, outside 0..=MAX_FEN"));
                    }
                    if reference_fen(&text) != Some(fen as i128) {
                        return Err(format!(
                            "{text:?} gave {fen} fen; its exact value is {:?}",
                            reference_fen(&text)
                        ));
                    }
                    let back = money::fen_to_yuan(fen).map_err(|e| format!("fen_to_yuan({fen}) refused: {e}"))?;
                    match money::yuan_to_fen(&back) {
                        Ok(again) if again == fen => Ok(()),
                        other => Err(format!("{fen} → {back:?} → {other:?} does not round-trip")),
                    }
                }
                Err(e) => typed(&e, &[ErrorCode::InvalidInput]),
            },
            || format!("text={text:?} hex={}", hex(text.as_bytes())),
        );
        fz.stat(if accepted.get() {
            "yuan_to_fen:ok"
        } else {
            "yuan_to_fen:refused"
        });
        let fen = match rng.below(4) {
            0 => rng.next_u64() as i64,
            1 => rng.pick(&[
                i64::MIN,
                -1,
                0,
                1,
                99,
                100,
                money::MAX_FEN,
                money::MAX_FEN + 1,
                i64::MAX,
            ]),
            _ => rng.range(0, money::MAX_FEN),
        };
        fz.run(
            i,
            "money::fen_to_yuan",
            || match money::fen_to_yuan(fen) {
                Ok(t) if (0..=money::MAX_FEN).contains(&fen) => match money::yuan_to_fen(&t) {
                    Ok(back) if back == fen => Ok(()),
                    other => Err(format!("{fen} → {t:?} → {other:?}")),
                },
                Ok(t) => Err(format!("{fen} (out of range) was formatted as {t:?}")),
                Err(_) if (0..=money::MAX_FEN).contains(&fen) => Err(format!("{fen} is in range but was refused")),
                Err(e) => typed(&e, &[ErrorCode::InvalidInput]),
            },
            || format!("fen={fen}"),
        );
        let amount = if rng.chance(1, 2) {
            gen_number(&mut rng)
        } else {
            gen_value(&mut rng, 1)
        };
        let max = rng.pick(&[9_999_999_999i64, 1_000_000_000, 999_999_999_999]);
        fz.run(
            i,
            "money::amount_from_input",
            || match money::amount_from_input("amount", Some(&amount), max) {
                Ok(n) if n >= 1 && n <= max && amount.as_i64() == Some(n) => Ok(()),
                Ok(n) => Err(format!("{amount} was accepted as {n} fen (max {max})")),
                Err(e) => {
                    typed(&e, &[ErrorCode::InvalidInput])?;
                    if e.field.as_deref() != Some("amount") {
                        return Err(format!("the error names {:?}, not amount", e.field));
                    }
                    Ok(())
                }
            },
            || format!("amount={amount} max={max}"),
        );
        let wire = if rng.chance(1, 2) {
            gen_number(&mut rng)
        } else {
            Value::String(gen_yuan_text(&mut rng))
        };
        fz.run(
            i,
            "fubei::yuan_value",
            || match fubei::yuan_value("total_fee", Some(&wire)) {
                Ok(Some(n)) if (0..=money::MAX_FEN).contains(&n) => Ok(()),
                Ok(None) if wire.as_str() == Some("") => Ok(()),
                Ok(other) => Err(format!("{wire} read as {other:?}")),
                Err(e) => typed(&e, &[ErrorCode::MalformedResponse]),
            },
            || format!("wire={wire}"),
        );
        let t = match rng.below(3) {
            0 => gen_string(&mut rng),
            1 => time::beijing_compact(rng.range(-62_135_596_800_000, 253_402_300_799_000)),
            _ => (0..14).map(|_| (b'0' + rng.below(10) as u8) as char).collect(),
        };
        let ms = rng.range(-money::MAX_FEN, money::MAX_FEN);
        fz.run(
            i,
            "time::parse_beijing_compact / beijing_compact",
            || {
                if let Some(ms) = time::parse_beijing_compact(&t) {
                    let back = time::beijing_compact(ms);
                    if back != t {
                        return Err(format!("{t:?} → {ms} → {back:?}"));
                    }
                }
                // Any instant the wasm binding admits (a safe integer) formats without panicking.
                let s = time::beijing_compact(ms);
                if s.len() < 14 {
                    return Err(format!("{ms} formatted as {s:?}"));
                }
                Ok(())
            },
            || format!("text={t:?} ms={ms}"),
        );
    }
    fz.finish();
}

// ================================================================ 6. the pay-and-confirm flow

const PROVIDERS: [Provider; 4] = [
    Provider("shouqianba"),
    Provider("fubei"),
    Provider("lakala"),
    Provider("tingyihui"),
];

fn gen_result(rng: &mut Rng, provider: Provider) -> OperationResult {
    let outcome = rng.pick(&[
        Outcome::Succeeded,
        Outcome::Failed,
        Outcome::InProgress,
        Outcome::Unknown,
    ]);
    let next = rng.pick(&[Next::None, Next::Poll, Next::Cancel, Next::ContactSupport, Next::Retry]);
    let mut r = OperationResult::new(provider, Operation::Query, outcome, next);
    if rng.chance(3, 5) {
        let state = rng.pick(&[
            OrderState::Pending,
            OrderState::Success,
            OrderState::Failed,
            OrderState::Closed,
            OrderState::Refunding,
            OrderState::PartiallyRefunded,
            OrderState::Refunded,
            OrderState::Unknown,
        ]);
        r.order = Some(Order {
            state,
            is_final: rng.chance(1, 2),
            merchant_order_no: Some("N-1".into()),
            provider_order_no: None,
            channel_order_no: None,
            channel: None,
            amounts: Default::default(),
            paid_at: None,
            qr_code: None,
            pay_params: None,
            provider_state: None,
        });
    }
    if rng.chance(1, 2) {
        let code = if rng.chance(1, 3) {
            ErrorCode::OrderNotFound
        } else {
            rng.pick(&ALL_CODES)
        };
        r.error = Some(Error::new(code, "fuzz"));
    }
    r
}

fn describe_result(r: &OperationResult) -> String {
    format!(
        "{:?}/{:?}/order={:?}/error={:?}",
        r.outcome,
        r.next,
        r.order.as_ref().map(|o| o.state),
        r.error.as_ref().map(|e| e.code)
    )
}

/// A result as the host would hand it to `next_json`: the JSON of an OperationResult, sometimes mangled.
fn result_json(rng: &mut Rng, r: &OperationResult) -> String {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    match rng.below(4) {
        0 => {
            for _ in 0..rng.range(1, 3) {
                mutate_value(rng, &mut v, &[]);
            }
            v.to_string()
        }
        1 if rng.chance(1, 3) => String::from_utf8_lossy(&gen_bytes(rng)).into_owned(),
        _ => v.to_string(),
    }
}

#[test]
fn fuzz_flow() {
    let mut fz = Fuzz::new("flow", 5);
    for i in fz.cases() {
        let mut rng = fz.rng(i);
        let provider = PROVIDERS[i % 4];
        let kind = if (i / 4) % 2 == 0 { Kind::Barcode } else { Kind::Qr };
        // Mostly a host that waits as told (elapsed grows); sometimes any elapsed value at all.
        let monotonic = rng.chance(4, 5);
        // Sometimes the machine as the bindings make it: by names, with the caller's timeout.
        let by_names = rng.chance(1, 4);
        let provider_name = if rng.chance(9, 10) {
            format!("{provider:?}").to_lowercase()
        } else {
            gen_string(&mut rng)
        };
        let kind_name = if rng.chance(9, 10) {
            format!("{kind:?}").to_lowercase()
        } else {
            gen_string(&mut rng)
        };
        let timeout = match rng.below(6) {
            0 => None,
            1 => Some(rng.pick(&[0, -1, 1, money::MAX_FEN, i64::MAX, i64::MIN])),
            _ => Some(rng.range(1, 600_000)),
        };
        let amount = match rng.below(8) {
            0 => None,
            1 => Some(rng.pick(&[0, -1, money::MAX_FEN, i64::MIN])),
            _ => Some(rng.range(1, 100_000)),
        };
        let log: RefCell<Vec<String>> = RefCell::new(Vec::new());
        fz.run(
            i,
            "flow::from_names / Flow::next / Flow::next_json",
            || {
                let mut f = if by_names {
                    match aggpay::flow::from_names(&provider_name, &kind_name, timeout, amount) {
                        Ok(f) => f,
                        Err(e) => return typed(&e, &[ErrorCode::InvalidInput, ErrorCode::InvalidConfig]),
                    }
                } else {
                    Flow::new(plan(provider, kind, 980))
                };
                let p = f.plan().clone();
                let min_every = p.cadence.0.iter().map(|(_, every)| *every).min().unwrap_or(1).max(1);
                let max_every = p.cadence.0.iter().map(|(_, every)| *every).max().unwrap_or(5_000).max(5_000);
                // Steps to a Finish, whatever the clock does (issue 8: a frozen clock once polled for ever).
                let bounded = p.timeout_ms <= 3_600_000;
                let bound = (p.timeout_ms.clamp(0, 3_600_000) / min_every) as usize + 8;
                let mut action = f.start();
                log.borrow_mut().push(format!("plan={p:?} start → {action:?}"));
                let mut elapsed = 0i64;
                let mut last: Option<aggpay::flow::Observed> = None;
                for step in 0..(bound + 50).min(5_000) {
                    if let Action::Finish { verdict, message } = &action {
                        if message.trim().is_empty() {
                            return Err("a Finish without words for the cashier".into());
                        }
                        if let Some(r) = &last {
                            let state = r.order.as_ref().map(|o| o.state);
                            // A refusal is FAILED once a lookup finds no such order (reported as UNKNOWN).
                            let no_such_order = r.order.is_none()
                                && r.error.as_ref().is_some_and(|e| e.code == ErrorCode::OrderNotFound);
                            let said_no_money = r.outcome == Outcome::Failed
                                || no_such_order
                                || (r.outcome == Outcome::Succeeded && matches!(state, Some(OrderState::Failed | OrderState::Closed)));
                            if *verdict == Verdict::Failed && !said_no_money {
                                return Err(format!("verdict FAILED after {r:?}"));
                            }
                        }
                        // Driven past the end: still no panic, still a Finish.
                        let r = gen_result(&mut rng, provider);
                        return match f.next(&r, elapsed) {
                            Action::Finish { .. } => Ok(()),
                            other => Err(format!("after Finish the machine asked for {other:?}")),
                        };
                    }
                    if bounded && step > bound + 6 {
                        return Err(format!("no Finish within {bound} steps while elapsed grew to {elapsed} ms"));
                    }
                    if step > 0 && action == Action::Pay {
                        return Err("a second pay".into());
                    }
                    if let Action::Query { ms } = action {
                        if ms < 0 || ms > max_every {
                            return Err(format!("asked to wait {ms} ms"));
                        }
                    }
                    elapsed = if monotonic {
                        let wait = if let Action::Query { ms } = action { ms } else { 0 };
                        elapsed.saturating_add(wait + rng.range(0, 3_000))
                    } else {
                        match rng.below(4) {
                            0 => rng.pick(&[i64::MIN, i64::MAX, -1, 0, i64::MIN + 1, -money::MAX_FEN, money::MAX_FEN]),
                            1 => rng.next_u64() as i64,
                            _ => rng.range(-10_000, 300_000),
                        }
                    };
                    let r = gen_result(&mut rng, provider);
                    // The result as the host sends it (JSON, sometimes mangled), or the Rust value.
                    let as_json = rng.chance(1, 2);
                    let json_text = if as_json { result_json(&mut rng, &r) } else { String::new() };
                    log.borrow_mut().push(if as_json { format!("next_json({json_text:?}, {elapsed})") } else { format!("next({}, {elapsed})", describe_result(&r)) });
                    let a = if as_json { f.next_json(&json_text, elapsed) } else { f.next(&r, elapsed) };
                    log.borrow_mut().push(format!("  → {a:?}"));
                    // What the machine saw (an unreadable JSON result counts as UNKNOWN / POLL).
                    last = Some(if as_json {
                        serde_json::from_str(&json_text).unwrap_or(aggpay::flow::Observed { outcome: Outcome::Unknown, next: Next::Poll, error: None, order: None })
                    } else {
                        aggpay::flow::Observed::from(&r)
                    });
                    action = a;
                }
                if bounded {
                    return Err(format!("no Finish within {} steps", bound + 50));
                }
                Ok(())
            },
            || format!("provider={provider:?} kind={kind:?} by_names={by_names} ({provider_name:?}, {kind_name:?}, {timeout:?}) monotonic={monotonic} steps:\n      {}", log.borrow().join("\n      ")),
        );
        fz.stat(format!("{provider:?}-{kind:?}"));
    }
    fz.finish();
}

// ================================================================ regressions (bugs this harness found, now fixed)
//
// While a bug is open, a `known_bug_*` predicate recognizes exactly its inputs (so the bounded run stays
// green) and its regression test is `#[ignore]`d; when it is fixed, both go and the test runs.

/// The inputs that made `parse` panic, each through catch_unwind: a typed result, never a panic.
fn parse_must_not_panic(cname: &str, provider: &str, op: &str, body: &[u8]) -> Summary {
    let mut c = Client::new(&parse_config(cname).to_string()).expect("test config");
    let r = panic::catch_unwind(AssertUnwindSafe(|| c.parse(op, 200, "", body.to_vec(), None, 0)));
    let out = r
        .unwrap_or_else(|_| panic!("parse panicked on {}", String::from_utf8_lossy(body)))
        .expect("parse answers");
    check_result(&out, provider, op).expect("a well-formed result")
}

#[test]
fn regression_tingyihui_fee_overflow() {
    for (op, body) in [
        (
            "query",
            r#"{"code":8888,"data":{"tradeStatus":"SUCCESS","orderFee":980,"paymentFee":980,"refundFee":-9223372036854775808}}"#,
        ),
        (
            "query",
            r#"{"code":8888,"data":{"tradeStatus":"SUCCESS_PART_REFUND","orderFee":980,"paymentFee":-9223372036854775808,"refundFee":100}}"#,
        ),
        (
            "query",
            r#"{"code":8888,"data":{"tradeStatus":"FAILURE","refundFee":-9223372036854775808}}"#,
        ),
        (
            "precreate",
            r#"{"code":8888,"data":{"ownerTradeNo":"N-1","refundFee":-1,"orderFee":1}}"#,
        ),
        (
            "precreate",
            r#"{"code":8888,"data":{"ownerTradeNo":"N-1","refundFee":-9223372036854775808}}"#,
        ),
    ] {
        parse_must_not_panic("tingyihui", "tingyihui", op, body.as_bytes());
    }
}

#[test]
fn regression_json_arrays_are_not_envelopes() {
    for (cname, provider, op, body) in [
        (
            "shouqianba",
            "shouqianba",
            "pay",
            r#"["200",null,null,["PAY_SUCCESS",null,null,null,null,null]]"#,
        ),
        (
            "shouqianba",
            "shouqianba",
            "query",
            r#"["200",null,null,["SUCCESS",null,null,["1","N-1",null,null,"PAID",null,"980",null,null,null,null,null,null],null,null]]"#,
        ),
        (
            "tingyihui",
            "tingyihui",
            "query",
            r#"{"code":8888,"data":["N-1","OS-1",null,"SUCCESS",980,980,null,null,null,null,null]}"#,
        ),
    ] {
        let s = parse_must_not_panic(cname, provider, op, body.as_bytes());
        assert_eq!(s.outcome, "UNKNOWN", "{cname} took an array for a JSON object: {body}");
    }
}

#[test]
fn regression_provider_error_message_never_empty() {
    let key = k512();
    for (cname, op, body) in [
        ("tingyihui", "query", r#"{"msg":""}"#),
        ("tingyihui", "query", r#"{"code":null,"msg":"  "}"#),
        ("shouqianba", "pay", r#"{"result_code":"400","error_message":""}"#),
        ("lakala", "cancel", r#"{"code":""}"#),
    ] {
        let mut c = Client::new(&parse_config(cname).to_string()).expect("test config");
        let headers = if cname == "lakala" {
            json!(lakala_response_headers(&key, body.as_bytes())).to_string()
        } else {
            String::new()
        };
        let out = c
            .parse(op, 200, &headers, body.as_bytes().to_vec(), None, 1_700_000_000_000)
            .expect("parse answers");
        let v: Value = serde_json::from_str(&out).expect("JSON");
        let message = v["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !message.trim().is_empty(),
            "{cname} {body}: error {} has an empty message",
            v["error"]
        );
    }
}

/// Found by this harness and fixed since (b640e73, 072fc2f): kept so they stay fixed.
#[test]
fn regression_fixed_overflows() {
    // Flow: an elapsed time near i64::MIN (the binding maps -1e300 ms to it) made `timeout - elapsed`
    // overflow in poll_or_reverse (src/flow.rs).
    for elapsed in [i64::MIN, i64::MIN + 1, -9_223_372_036_854_775_807] {
        for kind in [Kind::Barcode, Kind::Qr] {
            let mut f = Flow::new(plan(Provider("shouqianba"), kind, 980));
            f.start();
            let r = OperationResult::new(
                Provider("shouqianba"),
                Operation::Query,
                Outcome::InProgress,
                Next::Poll,
            );
            let a = panic::catch_unwind(AssertUnwindSafe(|| f.next(&r, elapsed))).expect("Flow::next must not panic");
            assert!(matches!(a, Action::Query { ms } if ms >= 0), "{a:?}");
        }
    }
    // Lakala build: now_ms = i64::MAX overflowed `epoch_ms + BEIJING_OFFSET_MS` in time::beijing_compact.
    let c = Client::new(&lakala_config().to_string()).expect("test config");
    for now in [i64::MAX, i64::MIN, i64::MAX - 1_000] {
        let r = panic::catch_unwind(AssertUnwindSafe(|| {
            c.build("query", r#"{"merchantOrderNo":"N-1"}"#, now, "a1b2c3d4e5f6".into())
        }))
        .expect("build must not panic");
        if let Err(e) = r {
            typed(&e, &[ErrorCode::InvalidInput, ErrorCode::InvalidConfig]).expect("typed");
        }
    }
    for ms in [i64::MAX, i64::MIN] {
        panic::catch_unwind(|| time::beijing_compact(ms)).expect("beijing_compact must not panic");
    }
}
