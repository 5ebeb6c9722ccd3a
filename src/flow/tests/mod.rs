//! Every transition of the machine, for each provider (table-driven).

use super::*;
use crate::error::Error;
use crate::model::{Next, Order};

const AMOUNT: i64 = 980;

const PROVIDERS: [Provider; 4] = [
    Provider("shouqianba"),
    Provider("fubei"),
    Provider("lakala"),
    Provider("tingyihui"),
];

fn result(outcome: Outcome, next: Next, state: Option<OrderState>, error: Option<ErrorCode>) -> OperationResult {
    let mut r = OperationResult::new(Provider("shouqianba"), Operation::Query, outcome, next);
    r.order = state.map(|s| Order {
        state: s,
        is_final: false,
        merchant_order_no: Some("A1".into()),
        provider_order_no: None,
        channel_order_no: None,
        channel: None,
        amounts: crate::model::Amounts {
            total: Some(AMOUNT),
            ..Default::default()
        },
        paid_at: None,
        qr_code: None,
        pay_params: None,
        provider_state: None,
    });
    r.error = error.map(|c| Error::new(c, "x"));
    r
}

fn ok(state: OrderState) -> OperationResult {
    result(Outcome::Succeeded, Next::None, Some(state), None)
}
fn failed(code: ErrorCode) -> OperationResult {
    result(Outcome::Failed, Next::None, None, Some(code))
}
fn unknown(next: Next) -> OperationResult {
    result(Outcome::Unknown, next, None, Some(ErrorCode::Network))
}
fn in_progress() -> OperationResult {
    result(Outcome::InProgress, Next::Poll, Some(OrderState::Pending), None)
}

fn verdict(a: &Action) -> Option<Verdict> {
    match a {
        Action::Finish { verdict, .. } => Some(*verdict),
        _ => None,
    }
}

fn polling(p: Provider, kind: Kind) -> Flow {
    let mut f = Flow::new(plan(p, kind, AMOUNT));
    f.start();
    if kind == Kind::Barcode {
        assert!(matches!(f.next(&in_progress(), 0), Action::Query { .. }));
    }
    f
}

#[test]
fn barcode_starts_with_pay_and_qr_with_query() {
    for p in PROVIDERS {
        assert_eq!(Flow::new(plan(p, Kind::Barcode, AMOUNT)).start(), Action::Pay);
        assert_eq!(Flow::new(plan(p, Kind::Qr, AMOUNT)).start(), Action::Query { ms: 0 });
    }
}

#[test]
fn after_pay() {
    let rows: Vec<(OperationResult, Option<Verdict>)> = vec![
        (ok(OrderState::Success), Some(Verdict::Paid)),
        (failed(ErrorCode::DuplicateOrder), None), // the number is taken: that order may be paid, so poll
        (in_progress(), None),                     // poll
        (unknown(Next::Poll), None),               // transport failure or 5xx: poll, never pay again
        (unknown(Next::ContactSupport), Some(Verdict::NeedsAttention)), // PAY_FAIL_ERROR
    ];
    for p in PROVIDERS {
        for (r, want) in &rows {
            let mut f = Flow::new(plan(p, Kind::Barcode, AMOUNT));
            assert_eq!(f.start(), Action::Pay);
            let a = f.next(r, 10);
            assert_eq!(verdict(&a), *want, "{p:?} {r:?}");
            if want.is_none() {
                let interval = plan(p, Kind::Barcode, AMOUNT).cadence.interval(10);
                assert_eq!(a, Action::Query { ms: interval }, "{p:?}");
                assert_ne!(a, Action::Pay, "never a second pay");
            }
        }
    }
}

#[test]
fn after_query_while_time_remains() {
    let rows: Vec<(OperationResult, Option<Verdict>, Option<Verdict>)> = vec![
        // (result, barcode verdict, qr verdict); None = keep polling
        (ok(OrderState::Success), Some(Verdict::Paid), Some(Verdict::Paid)),
        // Paid once, refunded since (a reused order number): not a payment to serve against.
        (
            ok(OrderState::PartiallyRefunded),
            Some(Verdict::NeedsAttention),
            Some(Verdict::NeedsAttention),
        ),
        (
            ok(OrderState::Refunded),
            Some(Verdict::NeedsAttention),
            Some(Verdict::NeedsAttention),
        ),
        (
            ok(OrderState::Refunding),
            Some(Verdict::NeedsAttention),
            Some(Verdict::NeedsAttention),
        ),
        (ok(OrderState::Pending), None, None),
        (ok(OrderState::Failed), Some(Verdict::Failed), Some(Verdict::Failed)),
        (ok(OrderState::Closed), Some(Verdict::Failed), Some(Verdict::Failed)),
        (
            ok(OrderState::Unknown),
            Some(Verdict::NeedsAttention),
            Some(Verdict::NeedsAttention),
        ),
        (failed(ErrorCode::OrderNotFound), None, None), // a delayed pay may still arrive: never FAILED
        (failed(ErrorCode::AuthFailed), None, None),    // the query failed, not the payment
        (unknown(Next::Retry), None, None),             // network error while polling
        (result(Outcome::Succeeded, Next::None, None, None), None, None), // no order in the answer
    ];
    for p in PROVIDERS {
        for (r, barcode, qr) in &rows {
            for (kind, want) in [(Kind::Barcode, barcode), (Kind::Qr, qr)] {
                let mut f = polling(p, kind);
                let a = f.next(r, 1_000);
                assert_eq!(verdict(&a), *want, "{p:?} {kind:?} {r:?}");
                if want.is_none() {
                    assert!(matches!(a, Action::Query { ms } if ms > 0), "{p:?} {kind:?}: {a:?}");
                }
            }
        }
    }
}

#[test]
fn time_up_reverses_with_the_provider_call() {
    let want = [
        (Provider("shouqianba"), Kind::Barcode, Operation::Cancel),
        (Provider("shouqianba"), Kind::Qr, Operation::Cancel),
        (Provider("lakala"), Kind::Barcode, Operation::Revoke),
        (Provider("lakala"), Kind::Qr, Operation::Close),
        (Provider("fubei"), Kind::Barcode, Operation::Cancel),
        (Provider("fubei"), Kind::Qr, Operation::Close),
        (Provider("tingyihui"), Kind::Qr, Operation::Close),
    ];
    for (p, kind, op) in want {
        let timeout = plan(p, kind, AMOUNT).timeout_ms;
        let mut f = polling(p, kind);
        assert!(
            matches!(f.next(&ok(OrderState::Pending), timeout - 1), Action::Query { ms: 1 }),
            "never waits past the timeout"
        );
        assert_eq!(
            f.next(&ok(OrderState::Pending), timeout),
            Action::Reverse { operation: op },
            "{p:?} {kind:?}"
        );
        // An uncertain query at the deadline reverses too.
        let mut f = polling(p, kind);
        assert_eq!(
            f.next(&unknown(Next::Retry), timeout + 5),
            Action::Reverse { operation: op }
        );
        // An uncertain pay answered after the deadline reverses at once.
        if kind == Kind::Barcode {
            let mut f = Flow::new(plan(p, kind, AMOUNT));
            f.start();
            assert_eq!(f.next(&unknown(Next::Poll), timeout), Action::Reverse { operation: op });
        }
    }
}

fn reversing(p: Provider, kind: Kind) -> Flow {
    let mut f = polling(p, kind);
    let t = f.plan().timeout_ms;
    assert!(matches!(f.next(&ok(OrderState::Pending), t), Action::Reverse { .. }));
    f
}

#[test]
fn after_reversal() {
    for p in PROVIDERS {
        for kind in [Kind::Barcode, Kind::Qr] {
            // Even a reversal that says it succeeded is confirmed by a query: an answer can be replayed.
            let mut f = reversing(p, kind);
            assert_eq!(f.next(&ok(OrderState::Closed), 0), Action::Query { ms: 0 });
            assert_eq!(
                verdict(&f.next(&ok(OrderState::Closed), 0)),
                Some(Verdict::TimedOutReversed)
            );
            // Refused or "no such order": one confirming query decides.
            for r in [failed(ErrorCode::OrderNotFound), failed(ErrorCode::InvalidOrderState)] {
                let mut f = reversing(p, kind);
                assert_eq!(f.next(&r, 0), Action::Query { ms: 0 }, "{p:?} {r:?}");
            }
            // Uncertain: sent again (idempotent by order number), three in all, then the query decides.
            for r in [unknown(Next::Poll), in_progress(), unknown(Next::ContactSupport)] {
                let mut f = reversing(p, kind);
                let op = f.plan().reversal;
                assert_eq!(f.next(&r, 0), Action::Reverse { operation: op }, "{p:?} {r:?}");
                assert_eq!(f.next(&r, 0), Action::Reverse { operation: op }, "{p:?} {r:?}");
                assert_eq!(f.next(&r, 0), Action::Query { ms: 0 }, "{p:?} {r:?}");
            }
        }
    }
}

/// Issue 8 (reliability run): a reversal that got no answer can land after a query saw the order paid;
/// a reversal "success" can be a replay while the order stays payable or paid. Neither ends PAID or reversed.
#[test]
fn a_reversal_in_flight_or_unconfirmed_is_never_a_verdict() {
    for p in PROVIDERS {
        // Unanswered three times, then the order shows paid: a cancel/revoke may still return the money;
        // a close cannot (it acts only on unpaid orders), so that order is PAID.
        for kind in [Kind::Barcode, Kind::Qr] {
            let mut f = reversing(p, kind);
            for _ in 0..2 {
                assert!(matches!(f.next(&unknown(Next::Poll), 0), Action::Reverse { .. }));
            }
            assert_eq!(f.next(&unknown(Next::Poll), 0), Action::Query { ms: 0 });
            let want = if f.plan().reversal == Operation::Close {
                Verdict::Paid
            } else {
                Verdict::NeedsAttention
            };
            assert_eq!(
                verdict(&f.next(&ok(OrderState::Success), 0)),
                Some(want),
                "{p:?} {kind:?}"
            );
        }
        let mut f = reversing(p, Kind::Barcode);
        for _ in 0..2 {
            assert!(matches!(f.next(&unknown(Next::Poll), 0), Action::Reverse { .. }));
        }
        assert_eq!(f.next(&unknown(Next::Poll), 0), Action::Query { ms: 0 });
        let paid = verdict(&f.next(&ok(OrderState::Success), 0));
        assert_eq!(
            paid == Some(Verdict::NeedsAttention),
            f.plan().reversal != Operation::Close
        );
        // Unanswered once, then done: reversed, confirmed.
        let mut f = reversing(p, Kind::Barcode);
        assert!(matches!(f.next(&unknown(Next::Poll), 0), Action::Reverse { .. }));
        assert_eq!(f.next(&ok(OrderState::Closed), 0), Action::Query { ms: 0 });
        assert_eq!(
            verdict(&f.next(&ok(OrderState::Closed), 0)),
            Some(Verdict::TimedOutReversed)
        );
        // "Reversed", but the order is still payable, or paid: a person looks.
        for after in [OrderState::Pending, OrderState::Success] {
            let mut f = reversing(p, Kind::Qr);
            assert_eq!(f.next(&ok(OrderState::Closed), 0), Action::Query { ms: 0 });
            assert_eq!(
                verdict(&f.next(&ok(after), 0)),
                Some(Verdict::NeedsAttention),
                "{after:?}"
            );
        }
    }
}

#[test]
fn after_confirming_query() {
    let rows = [
        (ok(OrderState::Success), Verdict::Paid), // paid at the last moment: never "failed"
        (ok(OrderState::PartiallyRefunded), Verdict::NeedsAttention),
        (ok(OrderState::Refunded), Verdict::TimedOutReversed), // our reversal, reported as a refund
        (ok(OrderState::Refunding), Verdict::NeedsAttention),  // money on its way back, not yet confirmed
        (ok(OrderState::Closed), Verdict::TimedOutReversed),
        (ok(OrderState::Failed), Verdict::TimedOutReversed),
        (failed(ErrorCode::OrderNotFound), Verdict::NeedsAttention), // no proof: a late pay may land
        (ok(OrderState::Pending), Verdict::NeedsAttention),
        (ok(OrderState::Unknown), Verdict::NeedsAttention),
        (unknown(Next::Retry), Verdict::NeedsAttention),
        (failed(ErrorCode::AuthFailed), Verdict::NeedsAttention),
    ];
    for p in PROVIDERS {
        for (r, want) in &rows {
            let mut f = reversing(p, Kind::Barcode);
            f.next(&failed(ErrorCode::InvalidOrderState), 0);
            assert_eq!(verdict(&f.next(r, 0)), Some(*want), "{p:?} {r:?}");
        }
    }
}

#[test]
fn cadence_follows_the_documented_steps() {
    let qr = plan(Provider("shouqianba"), Kind::Qr, AMOUNT).cadence;
    assert_eq!(qr.interval(0), 2_000);
    assert_eq!(qr.interval(29_999), 2_000);
    assert_eq!(qr.interval(30_000), 5_000);
    assert_eq!(qr.interval(500_000), 5_000);
    let lakala = plan(Provider("lakala"), Kind::Barcode, AMOUNT).cadence;
    assert_eq!(
        [lakala.interval(0), lakala.interval(25_000), lakala.interval(45_000)],
        [5_000, 10_000, 20_000]
    );
}

#[test]
fn stop_and_out_of_order_use_never_report_failed() {
    let mut f = polling(Provider("shouqianba"), Kind::Barcode);
    assert_eq!(verdict(&f.stop()), Some(Verdict::NeedsAttention));
    assert_eq!(
        verdict(&f.next(&ok(OrderState::Success), 0)),
        Some(Verdict::NeedsAttention)
    );
    let mut g = Flow::new(plan(Provider("fubei"), Kind::Barcode, AMOUNT));
    assert_eq!(
        verdict(&g.next(&failed(ErrorCode::BarcodeInvalid), 0)),
        Some(Verdict::NeedsAttention)
    );
}

fn with_total(mut r: OperationResult, total: Option<i64>) -> OperationResult {
    if let Some(o) = r.order.as_mut() {
        o.amounts.total = total;
    }
    r
}

/// Issue 8 §1: a pay whose answer was lost, then "not found", then the late pay lands and is paid.
#[test]
fn not_found_after_an_uncertain_pay_is_never_failed() {
    for p in PROVIDERS {
        for first in [unknown(Next::Poll), in_progress()] {
            let mut f = Flow::new(plan(p, Kind::Barcode, AMOUNT));
            f.start();
            assert!(matches!(f.next(&first, 0), Action::Query { .. }));
            for t in [1_000, 5_000, 9_000] {
                let a = f.next(&failed(ErrorCode::OrderNotFound), t);
                assert!(matches!(a, Action::Query { .. }), "{p:?}: {a:?}");
            }
            assert_eq!(verdict(&f.next(&ok(OrderState::Success), 12_000)), Some(Verdict::Paid));
        }
        // Not found to the end: the reversal finds nothing, the last look finds nothing — a person decides.
        let mut f = reversing(p, Kind::Barcode);
        assert_eq!(f.next(&failed(ErrorCode::OrderNotFound), 0), Action::Query { ms: 0 });
        assert_eq!(
            verdict(&f.next(&failed(ErrorCode::OrderNotFound), 0)),
            Some(Verdict::NeedsAttention)
        );
    }
}

/// Issue 8 §5: PAID only for exactly the asked amount, from the pay answer or from a query.
#[test]
fn paid_needs_the_asked_amount() {
    for p in PROVIDERS {
        for kind in [Kind::Barcode, Kind::Qr] {
            let v = |r: &OperationResult| verdict(&polling(p, kind).next(r, 1_000));
            assert_eq!(v(&ok(OrderState::Success)), Some(Verdict::Paid));
            assert_eq!(
                v(&with_total(ok(OrderState::Success), Some(1))),
                Some(Verdict::NeedsAttention)
            );
            assert_eq!(
                v(&with_total(ok(OrderState::Success), None)),
                Some(Verdict::NeedsAttention)
            );
            let mut f = reversing(p, kind);
            f.next(&failed(ErrorCode::InvalidOrderState), 0);
            let a = f.next(&with_total(ok(OrderState::Success), Some(AMOUNT + 1)), 0);
            match a {
                Action::Finish { verdict, message } => {
                    assert_eq!(verdict, Verdict::NeedsAttention);
                    assert!(message.contains("981 fen") && message.contains("980 fen"), "{message}");
                }
                other => panic!("{other:?}"),
            }
        }
        // A pay answer with another amount is not PAID; one without an amount is confirmed by a query.
        let mut f = Flow::new(plan(p, Kind::Barcode, AMOUNT));
        f.start();
        assert_eq!(
            verdict(&f.next(&with_total(ok(OrderState::Success), Some(99_999)), 0)),
            Some(Verdict::NeedsAttention)
        );
        let mut f = Flow::new(plan(p, Kind::Barcode, AMOUNT));
        f.start();
        assert!(matches!(
            f.next(&with_total(ok(OrderState::Success), None), 0),
            Action::Query { .. }
        ));
        assert_eq!(verdict(&f.next(&ok(OrderState::Success), 4_000)), Some(Verdict::Paid));
    }
}

/// Issue 8 §8: a clock that never moves (or runs backwards) still reaches the reversal.
#[test]
fn a_frozen_or_backwards_clock_still_ends() {
    for p in PROVIDERS {
        for kind in [Kind::Barcode, Kind::Qr] {
            for clock in [0_i64, -1_000_000] {
                let mut f = polling(p, kind);
                let mut steps = 0;
                let end = loop {
                    steps += 1;
                    assert!(steps < 10_000, "{p:?} {kind:?} polls for ever");
                    match f.next(&ok(OrderState::Pending), clock) {
                        Action::Query { .. } => continue,
                        other => break other,
                    }
                };
                assert!(matches!(end, Action::Reverse { .. }), "{end:?}");
                assert!(steps <= f.plan().max_queries() + 1, "{steps}");
            }
        }
    }
}

#[test]
fn names_need_an_amount_and_a_bounded_timeout() {
    let e = |r: Result<Flow>| r.err().map(|e| (e.code, e.field));
    let field = |f: &str| Some((ErrorCode::InvalidInput, Some(f.to_string())));
    assert_eq!(e(from_names("fubei", "qr", None, None)), field("amount"));
    assert_eq!(e(from_names("fubei", "qr", None, Some(0))), field("amount"));
    assert_eq!(
        e(from_names("fubei", "qr", Some(MAX_TIMEOUT_MS + 1), Some(1))),
        field("timeoutMs")
    );
    assert_eq!(e(from_names("fubei", "qr", Some(0), Some(1))), field("timeoutMs"));
    assert!(from_names("fubei", "barcode", Some(MAX_TIMEOUT_MS), Some(1)).is_ok());
}

/// Attacker review: a refusal that names no order may be another request's answer while ours took the
/// money. FAILED only once a query shows the order failed, closed, or absent; paid is PAID.
#[test]
fn a_refusal_is_confirmed_by_a_query() {
    for p in PROVIDERS {
        for refusal in [failed(ErrorCode::BarcodeInvalid), failed(ErrorCode::InsufficientFunds)] {
            let start = || {
                let mut f = Flow::new(plan(p, Kind::Barcode, AMOUNT));
                f.start();
                assert_eq!(f.next(&refusal, 10), Action::Query { ms: 0 }, "{p:?}");
                f
            };
            assert_eq!(
                verdict(&start().next(&failed(ErrorCode::OrderNotFound), 20)),
                Some(Verdict::Failed)
            );
            assert_eq!(
                verdict(&start().next(&ok(OrderState::Failed), 20)),
                Some(Verdict::Failed)
            );
            assert_eq!(
                verdict(&start().next(&ok(OrderState::Closed), 20)),
                Some(Verdict::Failed)
            );
            assert_eq!(
                verdict(&start().next(&ok(OrderState::Success), 20)),
                Some(Verdict::Paid)
            );
            // Paying, or the query itself uncertain: keep polling, never FAILED yet.
            for r in [in_progress(), unknown(Next::Retry)] {
                assert!(
                    matches!(start().next(&r, 20), Action::Query { ms } if ms > 0),
                    "{p:?} {r:?}"
                );
            }
        }
    }
}

#[test]
fn a_result_as_json_is_read_as_the_result_itself() {
    let results = [
        ok(OrderState::Success),
        with_total(ok(OrderState::Success), None),
        failed(ErrorCode::BarcodeInvalid),
        unknown(Next::Poll),
        in_progress(),
    ];
    for r in &results {
        let text = crate::client::to_json(r).unwrap();
        assert_eq!(Observed::from_json(&text), Some(Observed::from(r)), "{text}");
    }
    // Anything the machine reads that is missing or not one of its names is unreadable (so uncertain).
    for bad in [
        r#"{"next":"POLL"}"#,
        r#"{"outcome":"DONE","next":"NONE"}"#,
        r#"{"outcome":"SUCCEEDED","next":"NONE","order":{"state":"PAID"}}"#,
        r#"{"outcome":"SUCCEEDED","next":"NONE","order":{"state":"SUCCESS","amounts":{"total":9.8}}}"#,
        r#"{"outcome":"SUCCEEDED","next":"NONE","order":{"state":"SUCCESS","amounts":null}}"#,
        r#"{"outcome":"FAILED","next":"NONE","error":{"code":"NOPE"}}"#,
        r#"{"outcome":"FAILED","next":"NONE","error":{}}"#,
        "not json",
    ] {
        assert_eq!(Observed::from_json(bad), None, "{bad}");
    }
    let bare = Observed::from_json(r#"{"outcome":"UNKNOWN","next":"POLL","error":null,"order":null}"#).unwrap();
    assert_eq!((bare.error, bare.order), (None, None));
}
