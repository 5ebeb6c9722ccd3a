//! Regressions: bugs this harness found, now fixed, kept so they stay fixed. The inputs are the
//! providers' (`FuzzProvider::regressions`); the rules here hold for every provider.
//!
//! While a bug is open, a `known_bug_*` predicate recognizes exactly its inputs (so the bounded run stays
//! green) and its regression test is `#[ignore]`d; when it is fixed, both go and the test runs.

use crate::checks::{check_result, typed, Summary};
use crate::providers::{self, Expect, FuzzProvider, Regression};
use aggpay::flow::{plan, Action, Flow, Kind};
use aggpay::{time, Client, ErrorCode, Next, Operation, OperationResult, Outcome, Provider};
use serde_json::Value;
use std::panic::{self, AssertUnwindSafe};

/// Every provider's regression inputs of one kind, with their provider.
fn inputs(expect: Expect) -> Vec<(&'static dyn FuzzProvider, Regression)> {
    let all = providers::all();
    let found: Vec<_> = all
        .iter()
        .flat_map(|p| p.regressions().into_iter().map(move |r| (*p, r)))
        .filter(|(_, r)| r.expect == expect)
        .collect();
    assert!(!found.is_empty(), "no regression inputs of kind {expect:?}");
    found
}

/// Headers for a regression body: genuinely signed when the provider signs its answers.
fn headers(p: &dyn FuzzProvider, body: &str) -> String {
    if p.signs_answers() {
        p.answer_headers(body.as_bytes())
    } else {
        String::new()
    }
}

/// The input through catch_unwind: a typed, well-formed result, never a panic.
fn parse_must_not_panic(p: &dyn FuzzProvider, r: &Regression) -> Summary {
    let mut c = Client::new(&providers::client_config(r.client).to_string()).expect("test config");
    let headers = headers(p, r.body);
    let out = panic::catch_unwind(AssertUnwindSafe(|| {
        c.parse(r.op, 200, &headers, r.body.as_bytes().to_vec(), None, 0)
    }))
    .unwrap_or_else(|_| panic!("{} parse panicked on {}", r.client, r.body))
    .expect("parse answers");
    check_result(&out, p.name(), r.op).expect("a well-formed result")
}

/// Amount arithmetic on wire values (a fee of i64::MIN) once overflowed.
#[test]
fn regression_parse_answers_without_panic() {
    for (p, r) in inputs(Expect::Answers) {
        parse_must_not_panic(p, &r);
    }
}

#[test]
fn regression_json_arrays_are_not_envelopes() {
    for (p, r) in inputs(Expect::Unknown) {
        let s = parse_must_not_panic(p, &r);
        assert_eq!(
            s.outcome, "UNKNOWN",
            "{} took an array for a JSON object: {}",
            r.client, r.body
        );
    }
}

#[test]
fn regression_provider_error_message_never_empty() {
    for (p, r) in inputs(Expect::ErrorMessage) {
        let mut c = Client::new(&providers::client_config(r.client).to_string()).expect("test config");
        let out = c
            .parse(
                r.op,
                200,
                &headers(p, r.body),
                r.body.as_bytes().to_vec(),
                None,
                1_700_000_000_000,
            )
            .expect("parse answers");
        let v: Value = serde_json::from_str(&out).expect("JSON");
        let message = v["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !message.trim().is_empty(),
            "{} {}: error {} has an empty message",
            r.client,
            r.body,
            v["error"]
        );
    }
}

/// Found by this harness and fixed since (b640e73, 072fc2f): kept so they stay fixed.
#[test]
fn regression_fixed_overflows() {
    // Flow: an elapsed time near i64::MIN (the binding maps -1e300 ms to it) made `timeout - elapsed`
    // overflow in poll_or_reverse (src/flow.rs). Every provider's plan.
    for p in providers::all() {
        let provider = Provider(p.name());
        for elapsed in [i64::MIN, i64::MIN + 1, -9_223_372_036_854_775_807] {
            for kind in [Kind::Barcode, Kind::Qr] {
                let mut f = Flow::new(plan(provider, kind, 980));
                f.start();
                let r = OperationResult::new(provider, Operation::Query, Outcome::InProgress, Next::Poll);
                let a =
                    panic::catch_unwind(AssertUnwindSafe(|| f.next(&r, elapsed))).expect("Flow::next must not panic");
                assert!(
                    matches!(a, Action::Query { ms } if ms >= 0),
                    "{provider:?} {kind:?} {elapsed}: {a:?}"
                );
            }
        }
    }
    // Build: now_ms = i64::MAX overflowed `epoch_ms + BEIJING_OFFSET_MS` in time::beijing_compact (a
    // request stamped with Beijing time). Every client.
    for (_, name, config) in providers::all_clients() {
        let c = Client::new(&config.to_string()).expect("test config");
        for now in [i64::MAX, i64::MIN, i64::MAX - 1_000] {
            let r = panic::catch_unwind(AssertUnwindSafe(|| {
                c.build("query", r#"{"merchantOrderNo":"N-1"}"#, now, "a1b2c3d4e5f6".into())
            }))
            .unwrap_or_else(|_| panic!("{name}: build must not panic"));
            if let Err(e) = r {
                typed(&e, &[ErrorCode::InvalidInput, ErrorCode::InvalidConfig])
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
    for ms in [i64::MAX, i64::MIN] {
        panic::catch_unwind(|| time::beijing_compact(ms)).expect("beijing_compact must not panic");
    }
}

/// The fuzz list is the crate's registry (also checked by every target through `providers::all()`).
#[test]
fn every_registered_provider_is_fuzzed() {
    let names: Vec<&str> = providers::all().iter().map(|p| p.name()).collect();
    let registry: Vec<&str> = aggpay::providers::all().iter().map(|d| d.provider.0).collect();
    assert_eq!(names, registry);
}
