//! The one path every provider's answer takes: status rule, bounded decode, the provider's decode
//! (signature) and table, then what holds for every provider: the next step, identity, code/state agreement.

use super::{text, Ctx, Decoded, Gateway, Input, Raw, Reply};
use crate::error::{Error, ErrorCode, Result};
use crate::http::HttpResponse;
use crate::model::{Next, Operation, OperationResult, OrderState, Outcome, Provider, RefundState};
use serde_json::Value;

/// True when each path leads to a JSON object, or to nothing (absent or null). Serde's derived
/// structs would also accept an array of values in field order, which no gateway sends: refuse it.
pub fn objects_at(v: &Value, paths: &[&[&str]]) -> bool {
    paths.iter().all(|path| {
        let mut at = v;
        for key in *path {
            match at.get(key) {
                Some(next) => at = next,
                None => return true,
            }
        }
        at.is_object() || at.is_null()
    }) && v.is_object()
}

/// A status other than 200: the body cannot say what happened, so the outcome is UNKNOWN.
pub fn http_status_error(status: u16) -> Option<Error> {
    if status == 200 {
        return None;
    }
    let code = if status >= 500 {
        ErrorCode::ProviderUnavailable
    } else {
        ErrorCode::ProviderError
    };
    Some(Error::new(code, format!("gateway answered HTTP {status}")))
}

/// An answer about another order or refund than the one asked for is not an answer. Each pair is
/// (what the caller asked about, what the gateway answered about); either side may be absent.
pub fn same_subject(pairs: &[(Option<&str>, Option<&str>)]) -> Result<()> {
    for (asked, got) in pairs {
        if let (Some(a), Some(g)) = (asked, got) {
            if a != g {
                let message = format!("the answer is about {g:?}, not {a:?} as asked");
                return Err(Error::malformed(message));
            }
        }
    }
    Ok(())
}

/// A notification counts for the order the merchant holds only if it names that order and its amount:
/// every field given in `expect` must be present in the notice and equal.
pub fn expected_order(expect: &Input, order: &crate::model::Order, refund: bool) -> Result<()> {
    const NAMES: [&str; 3] = ["merchantOrderNo", "providerOrderNo", "amount"];
    if let Some(field) = expect.given.iter().find(|f| !NAMES.contains(&f.as_str())) {
        return Err(Error::input(
            field,
            "is not something a notice is checked against (expect takes merchantOrderNo, providerOrderNo and amount)",
        ));
    }
    let pairs = [
        (
            "merchantOrderNo",
            text(&expect.merchant_order_no),
            text(&order.merchant_order_no),
        ),
        (
            "providerOrderNo",
            text(&expect.provider_order_no),
            text(&order.provider_order_no),
        ),
    ];
    for (field, want, got) in pairs {
        if want.is_some() && want != got {
            let message = format!("the notice is about {field} {got:?}, not {want:?}");
            return Err(Error::notification("WRONG_ORDER", message));
        }
    }
    // A refund notice that does not state the order's total is about its refund: the amount checked is the order's.
    let unstated = refund && order.amounts.total.is_none();
    if let Some(v) = expect.amount.as_ref().filter(|_| !unstated) {
        let want = crate::money::amount_from_input("amount", Some(v), crate::money::MAX_FEN)?;
        if order.amounts.total != Some(want) {
            let got = order
                .amounts
                .total
                .map_or("no amount".to_string(), |t| format!("{t} fen"));
            let message = format!("the notice is for {got}, not {want} fen");
            return Err(Error::notification("WRONG_AMOUNT", message));
        }
    }
    Ok(())
}

/// A notice, even a genuine one, counts only if the library can read which order it is about and what
/// state it reports. Otherwise it is refused (so the gateway sends it again), never acknowledged as
/// processed with nothing the merchant could act on.
pub fn readable(order: &crate::model::Order, refund: Option<&crate::model::Refund>) -> Result<()> {
    if order.merchant_order_no.is_none() && order.provider_order_no.is_none() {
        return Err(Error::notification(
            "UNREADABLE",
            "the notice names no order this library can read; refused so the gateway sends it again",
        ));
    }
    // A refund notice is about its refund: a refund state nobody can read is unreadable, whatever the order says.
    let unreadable = match refund {
        Some(r) => r.state == crate::model::RefundState::Unknown,
        None => order.state == crate::model::OrderState::Unknown,
    };
    if unreadable {
        let state = refund
            .and_then(|r| r.provider_state.as_deref())
            .or(order.provider_state.as_deref())
            .unwrap_or("no state");
        return Err(Error::notification(
            "UNREADABLE",
            format!("the notice reports a state this library cannot read ({state:?}); refused so the gateway sends it again"),
        ));
    }
    Ok(())
}

/// The most bytes a response, a notification or an input may have. Gateway messages are a few KiB;
/// anything near this is a fault or an attack, and must be refused before it fills wasm memory (a trap
/// there would kill the one module every client shares). The facade checks the same number first.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Every answer's one path: size and HTTP status, the provider's decode (signature) and table, the
/// next step, then the rules every provider shares. Clients call this; nothing else reads an answer.
pub fn parse_checked(
    gateway: &mut dyn Gateway,
    op: Operation,
    response: &HttpResponse,
    input: Option<&Input>,
    ctx: &Ctx,
) -> OperationResult {
    let p = gateway.provider();
    if response.body.len() > MAX_BODY_BYTES {
        return too_large(p, op, response.body.len() as u64);
    }
    let Decoded { body, raw, error } = gateway.decode(op, response, ctx);
    if let Some(e) = http_status_error(response.status).or(error) {
        return OperationResult::uncertain(p, op, e, raw);
    }
    match gateway.read(op, body, input, ctx) {
        Ok(reply) => settle(op, input, finish(p, op, reply, raw)),
        Err(e) => OperationResult::uncertain(p, op, e, raw),
    }
}

/// A reply with its next step, written once for every provider:
/// - a refusal ends (NONE), or says RETRY when the gateway was only busy; anything in progress is polled;
/// - an uncertain change is polled, an uncertain read retried, unless the gateway documents the answer
///   as one for a person (CONTACT_SUPPORT);
/// - a created QR order waits for the buyer (POLL);
/// - a read follows the state it found: pending or refunding → POLL, a state nobody can name (an error
///   state, or a value not in the tables) → CONTACT_SUPPORT, anything settled → NONE.
pub fn finish(provider: Provider, op: Operation, reply: Reply, raw: Raw) -> OperationResult {
    let next = match reply.outcome {
        // A refusal because the gateway was busy (rate limited, unavailable) did nothing: send it again.
        Outcome::Failed if reply.error.as_ref().is_some_and(|e| e.retryable) => Next::Retry,
        Outcome::Failed => Next::None,
        Outcome::InProgress => Next::Poll,
        Outcome::Unknown if reply.escalate => Next::ContactSupport,
        Outcome::Unknown => Next::after_uncertain(op),
        Outcome::Succeeded => match op {
            Operation::Precreate => Next::Poll,
            Operation::Query | Operation::RefundQuery => match (&reply.refund, &reply.order) {
                (Some(f), _) => match f.state {
                    RefundState::Pending => Next::Poll,
                    RefundState::Unknown => Next::ContactSupport,
                    RefundState::Success | RefundState::Failed => Next::None,
                },
                (None, Some(o)) => match o.state {
                    OrderState::Pending | OrderState::Refunding => Next::Poll,
                    OrderState::Unknown => Next::ContactSupport,
                    _ => Next::None,
                },
                (None, None) => Next::None,
            },
            _ => Next::None,
        },
    };
    let mut r = OperationResult::new(provider, op, reply.outcome, next);
    r.error = reply.error;
    // As for every uncertain result: `retryable` agrees with `next`.
    if let (Outcome::Unknown, Some(e)) = (r.outcome, r.error.as_mut()) {
        e.retryable = next == Next::Retry;
    }
    r.order = reply.order;
    r.refund = reply.refund;
    r.credentials = reply.credentials;
    r.raw = raw;
    r
}

/// Input fields that describe an order the same way for every provider; each provider sends those it
/// has a place for, so one input works for all.
pub const PORTABLE: &[&str] = &[
    "operator",
    "subject",
    "description",
    "storeId",
    "clientIp",
    "notifyUrl",
    "extra",
];

/// A field that means nothing for this operation on this provider (an `authCode` on a query, an
/// `amount` on a close) is refused before sending: silently ignoring it hides the caller's mistake.
pub fn check_fields(gateway: &dyn Gateway, op: Operation, input: &Input) -> Result<()> {
    let Some(reads) = gateway.fields(op) else {
        return Ok(());
    };
    for field in &input.given {
        if !PORTABLE.contains(&field.as_str()) && !reads.contains(&field.as_str()) {
            let op_name = serde_json::to_value(op).ok();
            let op_name = op_name.as_ref().and_then(Value::as_str).unwrap_or("this operation");
            let uses = if reads.is_empty() {
                "no order fields".to_string()
            } else {
                reads.join(", ")
            };
            return Err(Error::input(
                field,
                format!(
                    "has no meaning for {op_name} on {} (it reads {uses}, besides the portable fields)",
                    gateway.provider().0
                ),
            ));
        }
    }
    Ok(())
}

/// The result for an answer over the limit (the host may find that out before handing it in).
pub fn too_large(provider: Provider, op: Operation, bytes: u64) -> OperationResult {
    let message = format!("the answer has {bytes} bytes or more; at most {MAX_BODY_BYTES} are read");
    let e = Error::malformed(message);
    OperationResult::uncertain(provider, op, e, Raw::default())
}

/// One place for what holds for every provider, after its own table has mapped the answer:
/// - an answer about another order, refund or amount than asked is not an answer (UNKNOWN);
/// - a pay that claims success must show the paid order it is about; a reversal that claims success
///   must not show the money still held: a code that disagrees with its own state is UNKNOWN;
/// - "this number was already used" means an earlier request may have acted: UNKNOWN + poll, never
///   FAILED, which would invite a second attempt under a new number.
pub fn settle(op: Operation, input: Option<&Input>, mut r: OperationResult) -> OperationResult {
    if let Err(e) = contradiction(op, input, &r) {
        let raw = std::mem::take(&mut r.raw);
        return OperationResult::uncertain(r.provider, op, e, raw);
    }
    // A query that finds the payment failed is a successful query, but a cashier needs words to show.
    if let (Operation::Query, Outcome::Succeeded, None) = (op, r.outcome, r.error.as_ref()) {
        if let Some(o) = r.order.as_ref().filter(|o| o.state == OrderState::Failed) {
            let said = o.provider_state.as_deref().unwrap_or("FAILED");
            let mut e = Error::new(
                ErrorCode::ProviderError,
                format!("the gateway reports this payment failed ({said}); no money was kept"),
            );
            e.provider_code = o.provider_state.clone();
            r.error = Some(e);
        }
    }
    // "No such order" from a lookup is absence of evidence, not a failure: a delayed request may still
    // create it. The lookup is UNKNOWN; ask again (the flow keeps polling).
    if matches!(op, Operation::Query | Operation::RefundQuery)
        && r.outcome == Outcome::Failed
        && r.error.as_ref().is_some_and(|e| e.code == ErrorCode::OrderNotFound)
    {
        r.outcome = Outcome::Unknown;
        r.next = Next::after_uncertain(op);
        if let Some(e) = r.error.as_mut() {
            e.retryable = true;
        }
        if let Some(refund) = r.refund.as_mut() {
            refund.state = RefundState::Unknown;
        }
    }
    if r.outcome == Outcome::Failed && r.error.as_ref().is_some_and(|e| e.code == ErrorCode::DuplicateOrder) {
        r.outcome = Outcome::Unknown;
        r.next = Next::after_uncertain(op);
        if let Some(refund) = r.refund.as_mut() {
            refund.state = RefundState::Unknown;
        }
    }
    r
}

fn contradiction(op: Operation, input: Option<&Input>, r: &OperationResult) -> Result<()> {
    if let (Some(i), Some(o)) = (input, r.order.as_ref()) {
        same_subject(&[
            (text(&i.merchant_order_no), text(&o.merchant_order_no)),
            (text(&i.provider_order_no), text(&o.provider_order_no)),
        ])?;
        if matches!(op, Operation::Pay | Operation::Precreate) {
            let asked = i.amount.as_ref().and_then(Value::as_i64);
            if let (Some(a), Some(t)) = (asked, o.amounts.total) {
                if a != t {
                    let message = format!("the answer is for {t} fen, not {a} fen as asked");
                    return Err(Error::malformed(message));
                }
            }
        }
    }
    if let (Some(i), Some(f)) = (input, r.refund.as_ref()) {
        same_subject(&[
            (text(&i.refund_no), text(&f.refund_no)),
            (text(&i.provider_refund_no), text(&f.provider_refund_no)),
        ])?;
        let asked = i.amount.as_ref().and_then(Value::as_i64);
        if let (Operation::Refund, Some(a), Some(got)) = (op, asked, f.amount) {
            if a != got {
                let message = format!("the answer is for a refund of {got} fen, not {a} fen as asked");
                return Err(Error::malformed(message));
            }
        }
    }
    let state = r.order.as_ref().map(|o| o.state);
    // A refusal is backed by an order that took no money, or by no order at all: one still payable,
    // paid, or in an unknown state is not a refusal (the buyer may yet be charged).
    if r.outcome == Outcome::Failed
        && matches!(op, Operation::Pay | Operation::Precreate)
        && state.is_some_and(|s| !matches!(s, OrderState::Failed | OrderState::Closed))
    {
        let message = "the answer refuses the payment, but the order it shows did not end without money";
        return Err(Error::malformed(message));
    }
    if r.outcome != Outcome::Succeeded {
        return Ok(());
    }
    // The answer must carry the number it was asked about (equal, as checked above), not just any number.
    let named = r.order.as_ref().is_some_and(|o| match input {
        Some(i) if text(&i.merchant_order_no).is_some() => text(&o.merchant_order_no).is_some(),
        Some(i) if text(&i.provider_order_no).is_some() => text(&o.provider_order_no).is_some(),
        _ => text(&o.merchant_order_no).is_some() || text(&o.provider_order_no).is_some(),
    });
    let disagree = |what: &str| {
        let got = r.order.as_ref().and_then(|o| o.provider_state.clone());
        let message = format!(
            "the answer says the {what}, but the order it shows is {}",
            got.map_or("missing or unnamed".to_string(), |s| format!("{s:?}"))
        );
        Err(Error::malformed(message))
    };
    match op {
        Operation::Pay if !(state.is_some_and(OrderState::was_paid) && (named || input.is_none())) => {
            disagree("payment succeeded")
        }
        Operation::Query if r.order.is_none() && r.refund.is_none() => {
            Err(Error::malformed("the answer says it found the order, but shows none"))
        }
        Operation::Query if r.order.is_some() && input.is_some() && !named => {
            let message = "the answer does not name the order asked about";
            Err(Error::malformed(message))
        }
        // A created order (a code to show, pay parameters to hand over) must name itself: by the number asked, or
        // by the gateway's new one where its documented answer carries no other (one gateway's Alipay JSAPI
        // answer names only its own order number). Any number it gives was compared above.
        Operation::Precreate
            if r.order.as_ref().map_or(true, |o| {
                text(&o.merchant_order_no).is_none() && text(&o.provider_order_no).is_none()
            }) =>
        {
            Err(Error::malformed("the answer does not name the order it created"))
        }
        // Still payable (PENDING) is not reversed either: the buyer could pay after it; nor is a state
        // nobody can name (an error state, an unlisted value): the money may still be held.
        Operation::Cancel | Operation::Revoke | Operation::Close
            if matches!(
                state,
                Some(
                    OrderState::Success
                        | OrderState::PartiallyRefunded
                        | OrderState::Refunding
                        | OrderState::Pending
                        | OrderState::Unknown
                )
            ) =>
        {
            disagree("order was reversed")
        }
        Operation::Refund
            if matches!(
                state,
                Some(OrderState::Pending | OrderState::Failed | OrderState::Closed)
            ) =>
        {
            disagree("refund succeeded")
        }
        _ => Ok(()),
    }
}
