//! Pay-and-confirm and wait-for-payment as a pure state machine: events in (a result, the elapsed
//! time), the next action out. No clock and no I/O inside, so every path is unit-testable. One machine
//! serves every provider; what differs (the reversal call, the polling cadence) is provider data.
//!
//! It reproduces seed 004 §2.4 (a terminal gateway's documented client pay flow): pay; on anything uncertain, poll;
//! when time is up, reverse; an uncertain reversal needs a person. It never reports FAILED unless the
//! gateway said no money was taken, and it never sends a second pay. "Order not found" is never such a
//! statement: a pay delayed in the network can still arrive after it (issue 8), so it only means "poll".
//! PAID needs the gateway's amount to equal the asked amount; TIMED_OUT_REVERSED needs a confirmed reversal.

use crate::error::{Error, ErrorCode, Result};
use crate::model::{Next, Operation, OperationResult, OrderState, Outcome, Provider};
use serde::Serialize;
use serde_json::Value;

/// What the host does next.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Action {
    /// Send the pay request (once, at the start of a barcode payment).
    Pay,
    /// Wait `ms`, then query the order.
    Query { ms: i64 },
    /// Send the reversal (`cancel`, `revoke` or `close`, by provider).
    Reverse { operation: Operation },
    /// Stop: the verdict and words a cashier can act on.
    Finish { verdict: Verdict, message: String },
}

/// At most this many queries per flow, whatever the clock says: a frozen or backwards clock must
/// still reach the reversal (a flow's queries are counted against its documented cadence).
const QUERY_MARGIN: i64 = 8;

#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// The gateway says the order is paid, for exactly the asked amount.
    Paid,
    /// The gateway said no money was taken (or it was returned).
    Failed,
    /// The buyer did not pay in time and the gateway confirmed the reversal.
    TimedOutReversed,
    /// The outcome is uncertain: never treat it as failed.
    NeedsAttention,
}

crate::model::named! {
    pub enum Kind {
        /// Barcode (B scans C): pay, then poll.
        Barcode = "barcode",
        /// QR / precreate (C scans B): the order exists; poll for the buyer.
        Qr = "qr",
    }
}

/// How often to query: `(until_ms, every_ms)` steps over the elapsed time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cadence(pub Vec<(i64, i64)>);

impl Cadence {
    fn interval(&self, elapsed_ms: i64) -> i64 {
        self.0
            .iter()
            .find(|(until, _)| elapsed_ms < *until)
            .or(self.0.last())
            .map_or(5_000, |(_, every)| *every)
    }
}

/// The provider data the machine needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub kind: Kind,
    /// Total time to wait for the buyer before reversing.
    pub timeout_ms: i64,
    pub cadence: Cadence,
    pub reversal: Operation,
    /// The asked amount in fen: PAID only when the gateway reports exactly this.
    pub amount: i64,
}

impl Plan {
    /// The most queries the documented cadence can make before the deadline, plus a margin.
    fn max_queries(&self) -> i64 {
        let fastest = self.cadence.0.iter().map(|(_, every)| *every).min().unwrap_or(1).max(1);
        self.timeout_ms / fastest + QUERY_MARGIN
    }
}

/// The documented cadences and reversal calls (each provider's descriptor), for an order of `amount` fen.
/// A provider not compiled in gets the slowest documented cadence, reversed by close.
pub fn plan(provider: Provider, kind: Kind, amount: i64) -> Plan {
    const FALLBACK: &[(i64, i64)] = &[(30_000, 2_000), (240_000, 5_000)];
    let (timeout_ms, cadence, reversal) =
        crate::providers::find(provider.0).map_or((240_000, FALLBACK, Operation::Close), |d| d.flow.get(kind));
    Plan {
        kind,
        timeout_ms,
        cadence: Cadence(cadence.to_vec()),
        reversal,
        amount,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Start,
    Paying,
    Polling,
    Reversing,
    /// After the reversals, whatever they answered: one query decides.
    Confirming,
    Done,
}

#[derive(Clone, Debug)]
pub struct Flow {
    plan: Plan,
    phase: Phase,
    queries: i64,
    /// Reversals sent so far; whether the gateway said one succeeded; whether one may still land.
    reversals: i64,
    reversed: bool,
    reversal_in_flight: bool,
    /// The pay was refused; a query confirms the refusal is about this order before FAILED.
    refused: bool,
}

/// A reversal by order number is idempotent, so an uncertain one is sent again, up to this many in all.
const MAX_REVERSALS: i64 = 3;

fn finish(verdict: Verdict, message: &str) -> Action {
    Action::Finish {
        verdict,
        message: message.to_string(),
    }
}

/// The parts of an OperationResult the machine reads (JSON from the host, or a Rust result).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    pub outcome: Outcome,
    pub next: Next,
    pub error: Option<ObservedError>,
    pub order: Option<ObservedOrder>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservedError {
    pub code: ErrorCode,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservedOrder {
    pub state: OrderState,
    pub amounts: ObservedAmounts,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservedAmounts {
    pub total: Option<i64>,
}

impl Observed {
    /// A result as JSON. `None` (read as uncertain) when a part the machine reads is missing or not one of
    /// its names; `error`, `order` and a total may be absent or null.
    pub fn from_json(text: &str) -> Option<Observed> {
        let v = crate::json::parse(text.as_bytes()).ok()?;
        fn name<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
            v.get(key).and_then(Value::as_str)
        }
        let present = |key: &str| v.get(key).filter(|x| !x.is_null());
        let error = match present("error") {
            None => None,
            Some(e) => Some(ObservedError {
                code: ErrorCode::from_name(name(e, "code")?)?,
            }),
        };
        let order = match present("order") {
            None => None,
            Some(o) => {
                let total = match o.get("amounts") {
                    None => None,
                    Some(a) => match a.as_object()?.get("total") {
                        None | Some(Value::Null) => None,
                        Some(t) => Some(t.as_i64()?),
                    },
                };
                Some(ObservedOrder {
                    state: OrderState::from_name(name(o, "state")?)?,
                    amounts: ObservedAmounts { total },
                })
            }
        };
        Some(Observed {
            outcome: Outcome::from_name(name(&v, "outcome")?)?,
            next: Next::from_name(name(&v, "next")?)?,
            error,
            order,
        })
    }
}

impl From<&OperationResult> for Observed {
    fn from(r: &OperationResult) -> Observed {
        Observed {
            outcome: r.outcome,
            next: r.next,
            error: r.error.as_ref().map(|e| ObservedError { code: e.code }),
            order: r.order.as_ref().map(|o| ObservedOrder {
                state: o.state,
                amounts: ObservedAmounts { total: o.amounts.total },
            }),
        }
    }
}

/// The gateway has no such order (a lookup reports it as UNKNOWN: absence is not proof of anything).
fn not_found(r: &Observed) -> bool {
    matches!(r.outcome, Outcome::Failed | Outcome::Unknown)
        && r.error.as_ref().is_some_and(|e| e.code == ErrorCode::OrderNotFound)
        && r.order.is_none()
}

fn order_state(r: &Observed) -> Option<OrderState> {
    if r.outcome == Outcome::Succeeded {
        r.order.as_ref().map(|o| o.state)
    } else {
        None
    }
}

/// The longest wait a flow accepts: timers in JavaScript hosts hold at most 2^31-1 ms.
pub const MAX_TIMEOUT_MS: i64 = 2_147_483_647;

/// A flow by names, as the bindings receive them; `timeout_ms` overrides the documented wait.
pub fn from_names(provider: &str, kind: &str, timeout_ms: Option<i64>, amount: Option<i64>) -> Result<Flow> {
    let provider = crate::providers::find(provider)
        .map(|d| d.provider)
        .ok_or_else(|| Error::config("provider", "is not a supported provider"))?;
    let kind = Kind::from_name(kind).ok_or_else(|| Error::input("kind", "must be barcode or qr"))?;
    let amount = match amount {
        Some(a) if a > 0 => a,
        _ => {
            return Err(Error::input(
                "amount",
                "is required (positive integer fen): PAID is reported only when the gateway's amount equals it",
            ))
        }
    };
    let mut plan = plan(provider, kind, amount);
    if let Some(t) = timeout_ms {
        if !(1..=MAX_TIMEOUT_MS).contains(&t) {
            return Err(Error::input(
                "timeoutMs",
                format!("must be a positive number of milliseconds, at most {MAX_TIMEOUT_MS}"),
            ));
        }
        plan.timeout_ms = t;
    }
    Ok(Flow::new(plan))
}

impl Flow {
    pub fn new(plan: Plan) -> Flow {
        Flow {
            plan,
            phase: Phase::Start,
            queries: 0,
            reversals: 0,
            reversed: false,
            reversal_in_flight: false,
            refused: false,
        }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The first action: pay (barcode) or query (QR).
    pub fn start(&mut self) -> Action {
        match self.plan.kind {
            Kind::Barcode => {
                self.phase = Phase::Paying;
                Action::Pay
            }
            Kind::Qr => {
                self.phase = Phase::Polling;
                Action::Query { ms: 0 }
            }
        }
    }

    /// The caller stopped waiting (an abort signal): the order is left as it is.
    pub fn stop(&mut self) -> Action {
        self.phase = Phase::Done;
        finish(
            Verdict::NeedsAttention,
            "Stopped before the payment was confirmed. The order may still be paid: query it before serving or charging again.",
        )
    }

    /// The next action after `result` (the answer to the last action; a transport failure is an
    /// UNKNOWN result too), `elapsed_ms` after the start.
    pub fn next(&mut self, result: &OperationResult, elapsed_ms: i64) -> Action {
        self.observe(&Observed::from(result), elapsed_ms)
    }

    /// `next` for a result given as JSON by the host; an unreadable result counts as uncertain.
    pub fn next_json(&mut self, result_json: &str, elapsed_ms: i64) -> Action {
        let observed = Observed::from_json(result_json).unwrap_or(Observed {
            outcome: Outcome::Unknown,
            next: Next::Poll,
            error: None,
            order: None,
        });
        self.observe(&observed, elapsed_ms)
    }

    pub fn observe(&mut self, result: &Observed, elapsed_ms: i64) -> Action {
        match self.phase {
            Phase::Paying => self.after_pay(result, elapsed_ms),
            Phase::Polling => self.after_query(result, elapsed_ms),
            Phase::Reversing => self.after_reversal(result),
            Phase::Confirming => self.after_confirm(result),
            Phase::Start | Phase::Done => finish(
                Verdict::NeedsAttention,
                "The payment flow was driven out of order; check the order by hand.",
            ),
        }
    }

    fn done(&mut self, verdict: Verdict, message: &str) -> Action {
        self.phase = Phase::Done;
        finish(verdict, message)
    }

    fn poll_or_reverse(&mut self, elapsed_ms: i64) -> Action {
        self.queries += 1;
        if elapsed_ms >= self.plan.timeout_ms || self.queries > self.plan.max_queries() {
            self.phase = Phase::Reversing;
            self.reversals = 1;
            return Action::Reverse {
                operation: self.plan.reversal,
            };
        }
        self.phase = Phase::Polling;
        // A clock that went backwards counts as no time passed; never wait past the deadline.
        let elapsed_ms = elapsed_ms.max(0);
        let left = self.plan.timeout_ms.saturating_sub(elapsed_ms);
        let wait = self.plan.cadence.interval(elapsed_ms).min(left).max(0);
        Action::Query { ms: wait }
    }

    fn after_pay(&mut self, r: &Observed, elapsed_ms: i64) -> Action {
        match r.outcome {
            // Without the amount in the answer, a query tells it.
            Outcome::Succeeded if total(r).is_none() => self.poll_or_reverse(elapsed_ms),
            Outcome::Succeeded => self.paid(r, "Payment received."),
            // A duplicate order number: this pay did nothing, but the order it names may be paid.
            Outcome::Failed if r.error.as_ref().is_some_and(|e| e.code == ErrorCode::DuplicateOrder) => {
                self.poll_or_reverse(elapsed_ms)
            }
            // A refusal often names no order, so it could be another request's answer: one query confirms
            // it (the gateway shows the order failed, or has none) before FAILED.
            Outcome::Failed => {
                self.refused = true;
                self.phase = Phase::Polling;
                Action::Query { ms: 0 }
            }
            // PAY_FAIL_ERROR and kin: the gateway itself does not know the channel's state (seed 004).
            Outcome::Unknown if r.next == Next::ContactSupport => self.done(
                Verdict::NeedsAttention,
                "The gateway could not confirm this payment. Do not serve or charge again; contact the payment provider.",
            ),
            // In progress, or the request may have arrived: poll, never pay again.
            Outcome::InProgress | Outcome::Unknown => self.poll_or_reverse(elapsed_ms),
        }
    }

    fn after_query(&mut self, r: &Observed, elapsed_ms: i64) -> Action {
        // "No such order" is not "no money taken": a delayed pay may still arrive. Keep polling; at the
        // deadline the reversal decides.
        if not_found(r) && self.refused {
            return self.done(
                Verdict::Failed,
                "Payment refused; the gateway has no such order, so no money was taken. The buyer may try again.",
            );
        }
        if not_found(r) {
            return self.poll_or_reverse(elapsed_ms);
        }
        match order_state(r) {
            Some(OrderState::Failed | OrderState::Closed) if self.refused => self.done(
                Verdict::Failed,
                "Payment refused; no money was taken. The buyer may try again.",
            ),
            Some(OrderState::Success) => self.paid(r, "Payment received."),
            // Paid once, but money has gone back since: not a payment to serve against.
            Some(OrderState::PartiallyRefunded | OrderState::Refunded | OrderState::Refunding) => self.done(
                Verdict::NeedsAttention,
                "This order was paid, but money has been refunded from it since (was the order number used before?). Do not serve; check the order.",
            ),
            Some(OrderState::Failed) => self.done(
                Verdict::Failed,
                "Payment failed and any money taken was returned to the buyer.",
            ),
            Some(OrderState::Closed) => {
                self.done(Verdict::Failed, "The order was closed or reversed; no money was kept.")
            }
            Some(OrderState::Unknown) => self.done(
                Verdict::NeedsAttention,
                "The payment ended in an uncertain state. Do not serve or charge again; contact the payment provider.",
            ),
            // Still waiting for the buyer, or the query itself was uncertain: keep polling.
            Some(OrderState::Pending) | None => self.poll_or_reverse(elapsed_ms),
        }
    }

    /// Issue 8: TIMED_OUT_REVERSED only when a query confirms what the reversal's answer says (an answer
    /// can be replayed or lie about its own order), and never PAID while a reversal may still land.
    fn after_reversal(&mut self, r: &Observed) -> Action {
        match r.outcome {
            Outcome::Succeeded => self.reversed = true,
            // Sent but unanswered (or still running): it may yet land. Send it again while allowed.
            Outcome::Unknown | Outcome::InProgress => {
                self.reversal_in_flight = true;
                if self.reversals < MAX_REVERSALS {
                    self.reversals += 1;
                    return Action::Reverse {
                        operation: self.plan.reversal,
                    };
                }
            }
            // Refused or found nothing: perhaps the buyer paid at the last moment, or the pay is on its way.
            Outcome::Failed => {}
        }
        self.phase = Phase::Confirming;
        Action::Query { ms: 0 }
    }

    fn after_confirm(&mut self, r: &Observed) -> Action {
        match order_state(r) {
            Some(OrderState::Success | OrderState::PartiallyRefunded) if self.reversed => self.done(
                Verdict::NeedsAttention,
                "The gateway said the order was reversed, yet it shows the order paid. Do not serve; check the order with the payment provider.",
            ),
            // A close only acts on unpaid orders, so only a cancel/revoke in flight can still take the money back.
            Some(OrderState::Success | OrderState::PartiallyRefunded)
                if self.reversal_in_flight && self.plan.reversal != Operation::Close =>
            {
                self.done(
                Verdict::NeedsAttention,
                "The buyer paid at the last moment, but a reversal sent at the deadline went unanswered and may still return the money. Do not serve yet; query the order again in a minute.",
                )
            }
            Some(OrderState::Success) => self.paid(r, "Payment received (at the last moment, after the wait ran out)."),
            Some(OrderState::PartiallyRefunded) => self.done(
                Verdict::NeedsAttention,
                "This order was paid, but money has been refunded from it since. Do not serve; check the order.",
            ),
            // After our reversal a full refund is that reversal (some gateways report a revoked trade as REFUND).
            Some(OrderState::Closed | OrderState::Failed | OrderState::Refunded) => {
                self.done(Verdict::TimedOutReversed, "The buyer did not pay in time; the order is closed and no money was kept.")
            }
            _ if not_found(r) => self.done(
                Verdict::NeedsAttention,
                "The gateway has no record of this order at the deadline, and could not reverse it. A delayed payment may still arrive: do not serve, and query this order again later before charging the buyer again.",
            ),
            Some(OrderState::Pending) if self.reversed => self.done(
                Verdict::NeedsAttention,
                "The gateway said the order was reversed, yet it can still be paid. Do not serve; close it with the payment provider before the buyer pays.",
            ),
            _ => self.done(
                Verdict::NeedsAttention,
                "The wait ran out and the order could not be reversed or confirmed. Do not serve or charge again; check the order with the payment provider.",
            ),
        }
    }
}

impl Flow {
    /// PAID, if the gateway's amount is the asked amount; otherwise a person must look.
    fn paid(&mut self, r: &Observed, message: &str) -> Action {
        let asked = self.plan.amount;
        match total(r) {
            Some(t) if t == asked => self.done(Verdict::Paid, message),
            Some(t) => self.done(
                Verdict::NeedsAttention,
                &format!(
                    "The gateway reports this order paid for {t} fen, not the {asked} fen asked (was the order number used before?). Do not serve; check the order with the payment provider."
                ),
            ),
            None => self.done(
                Verdict::NeedsAttention,
                &format!(
                    "The gateway reports this order paid but not its amount, so the {asked} fen asked cannot be confirmed. Check the order before serving."
                ),
            ),
        }
    }
}

fn total(r: &Observed) -> Option<i64> {
    r.order.as_ref().and_then(|o| o.amounts.total)
}

#[cfg(test)]
mod tests;
