//! Target 6: the pay-and-confirm flow machine, for every provider's plan, driven by any results and any
//! clock until it finishes.

use crate::checks::{typed, ALL_CODES};
use crate::gen::{gen_bytes, gen_string, mutate_value};
use crate::harness::{Fuzz, Rng};
use crate::providers;
use aggpay::flow::{plan, Action, Flow, Kind, Verdict};
use aggpay::{money, Error, ErrorCode, Next, Operation, OperationResult, Order, OrderState, Outcome, Provider};
use serde_json::Value;
use std::cell::RefCell;

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
    let all: Vec<Provider> = providers::all().iter().map(|p| Provider(p.name())).collect();
    for i in fz.cases() {
        let mut rng = fz.rng(i);
        let provider = all[i % all.len()];
        let kind = if (i / all.len()) % 2 == 0 {
            Kind::Barcode
        } else {
            Kind::Qr
        };
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
                        aggpay::flow::Observed::from_json(&json_text).unwrap_or(aggpay::flow::Observed { outcome: Outcome::Unknown, next: Next::Poll, error: None, order: None })
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
