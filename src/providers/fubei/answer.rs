//! Reading an answer: the status tables both generations share (their states and the payment
//! platform's sub_codes are the same), and each operation's table. The pipeline adds the next step and
//! the rules every provider shares (identity, code/state agreement, numbers already used, not found).

use super::wire::{data_object, fen, order_data, state_text, text, to_order, Envelope, OrderData};
use super::{Fubei, Identity, Params, WECHAT_NAMES};
use crate::error::{Error, ErrorCode, Result};
use crate::model::{Operation, Order, OrderState, Outcome, Refund, RefundState};
use crate::providers::{same_subject, wallet, Input, Reply};
use crate::providers::refund_state;
use serde_json::Value;

// ---------------------------------------------------------------- status tables

/// `trade_state` (1.0) / `order_status` (2.0) → (state, final). Seed 001, Java SDK
/// `PaymentQueryOrderModel`, and the protocol notes' table; anything else is UNKNOWN.
pub(super) const ORDER_STATES: &crate::providers::OrderStates = &[
    ("USERPAYING", OrderState::Pending, false), // waiting for the buyer
    ("SUCCESS", OrderState::Success, true), // paid
    ("REVOKED", OrderState::Closed, true), // reversed (money returned if taken)
    ("REVOKING", OrderState::Pending, false), // reversal in progress
    ("REVOKED_ERROR", OrderState::Unknown, false), // reversal failed: money may be held
    ("CLOSED", OrderState::Closed, true), // closed unpaid (seed; 2.0)
];

/// A pay's own outcome from the state in its answer (Java SDK `PaymentSwipeOrderModel`: "USERPAYING
/// 用户支付中; SUCCESS 交易成功"; the .NET demo polls while USERPAYING).
pub(super) fn pay_outcome(v: Option<&str>) -> Outcome {
    match v {
        Some("SUCCESS") => Outcome::Succeeded,
        Some("USERPAYING" | "REVOKING") => Outcome::InProgress,
        // Reversed or closed: Fubei says the payment did not stand and holds no money.
        Some("REVOKED" | "CLOSED") => Outcome::Failed,
        // REVOKED_ERROR (see `for_a_person`), missing or unlisted: the money may be held.
        _ => Outcome::Unknown,
    }
}

/// Close / reverse outcome from the state in the answer. 1.0 answers carry only the order numbers
/// (Java SDK `PaymentCloseOrderModel`, `PaymentReverseOrderModel`): result_code 200 is the success.
/// 2.0 answers carry `order_status` (.NET `AOrderClosureResultEntity`).
pub(super) fn close_outcome(v: Option<&str>) -> Outcome {
    match v {
        None | Some("CLOSED" | "REVOKED") => Outcome::Succeeded,
        Some("REVOKING") => Outcome::InProgress,
        Some(_) => Outcome::Unknown,
    }
}

/// REVOKED_ERROR: the reversal failed and the money may still be held. Asking again does not change it
/// (it is a settled state of the order, not a pending one), so only a person can resolve it: the reply
/// is `escalated()` (CONTACT_SUPPORT).
pub(super) fn for_a_person(v: Option<&str>) -> bool {
    v == Some("REVOKED_ERROR")
}

/// `refund_status` → refund state. Java SDK `PaymentQueryRefundOrderModel` (1.0: REFUND_PROCESSING,
/// REFUND_SUCCESS, REFUND_FAILER — sic) and the 2.0 spelling REFUND_FAIL (protocol notes).
pub(super) const REFUND_STATES: &crate::providers::RefundStates = &[
    ("REFUND_SUCCESS", RefundState::Success),
    ("REFUND_PROCESSING", RefundState::Pending),
    ("REFUND_FAIL", RefundState::Failed),
    ("REFUND_FAILER", RefundState::Failed),
];

/// How a 400 answer's `sub_code` is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// The operation definitely failed and moved no money.
    Failed,
    /// Refused before processing, may be sent again unchanged later (rate limits).
    RetryLater,
    /// The payment is waiting for the buyer (pay only).
    InProgress,
    /// Not a definite answer: the operation may have acted (or acted before). Query before anything else.
    Uncertain,
}

/// `sub_code` of a `result_code` 400 answer → taxonomy. Fubei passes the payment platform's own error
/// code through ("sub_code … 平台方返回错误码", seed 001; Java SDK `BizKeyConstants.RESULT_SUBCODE`
/// "平台方错误代码"), so the table holds WeChat Pay v2 codes (micropay, orderquery, closeorder, reverse,
/// refund error tables) and Alipay `ACQ.*` codes (alipay.trade.pay/query/close/cancel/refund).
/// `None` = unlisted: a 400 is "platform error", which for a pay can still mean "the buyer is paying" or
/// "system busy, result unknown" — so unlisted codes are UNKNOWN, never FAILED.
pub(super) fn sub_code(op: Operation, code: &str) -> Option<(ErrorCode, Verdict)> {
    use ErrorCode as E;
    use Verdict::*;
    Some(match code {
        // Authentication and signatures: refused before anything happened.
        "SIGNERROR"
        | "NOAUTH"
        | "APPID_NOT_EXIST"
        | "MCHID_NOT_EXIST"
        | "APPID_MCHID_NOT_MATCH"
        | "ACQ.ACCESS_FORBIDDEN" => (E::AuthFailed, Failed),
        // Malformed requests.
        "PARAM_ERROR"
        | "LACK_PARAMS"
        | "XML_FORMAT_ERROR"
        | "NOT_UTF8"
        | "REQUIRE_POST_METHOD"
        | "POST_DATA_EMPTY"
        | "INVALID_REQUEST"
        | "ACQ.INVALID_PARAMETER" => (E::InvalidRequest, Failed),
        // The buyer's code.
        "AUTHCODEEXPIRE" | "AUTH_CODE_ERROR" | "AUTH_CODE_INVALID" | "ACQ.PAYMENT_AUTH_CODE_INVALID" => {
            (E::BarcodeInvalid, Failed)
        }
        // Money.
        "NOTENOUGH"
        | "ACQ.BUYER_BALANCE_NOT_ENOUGH"
        | "ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH"
        | "ACQ.SELLER_BALANCE_NOT_ENOUGH" => (E::InsufficientFunds, Failed),
        "ACQ.TOTAL_FEE_EXCEED"
        | "ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR"
        | "ACQ.BUYER_PAYMENT_AMOUNT_MONTH_LIMIT_ERROR"
        | "ACQ.BEYOND_PAY_RESTRICTION"
        | "ACQ.BEYOND_PER_RECEIPT_RESTRICTION" => (E::LimitExceeded, Failed),
        "NOTSUPORTCARD" | "BUYER_MISMATCH" | "TRADE_ERROR" | "USER_ACCOUNT_ABNORMAL" | "ACQ.PAYMENT_FAIL" => {
            (E::ProviderError, Failed)
        }
        // Orders.
        "ORDERNOTEXIST" | "INVALID_TRANSACTIONID" | "ACQ.TRADE_NOT_EXIST" => (E::OrderNotFound, Failed),
        "ORDERCLOSED"
        | "ORDERREVERSED"
        | "TRADE_STATE_ERROR"
        | "REVERSE_EXPIRE"
        | "TRADE_OVERDUE"
        | "ACQ.TRADE_HAS_CLOSE"
        | "ACQ.TRADE_STATUS_ERROR"
        | "ACQ.TRADE_HAS_FINISHED"
        | "ACQ.REASON_TRADE_BEEN_FREEZEN" => (E::InvalidOrderState, Failed),
        // Already paid: for a pay, an earlier attempt with this order number went through — query it
        // (a new order number could charge twice); for close/reverse/refund it is a state conflict.
        "ORDERPAID" | "ACQ.TRADE_HAS_SUCCESS" => match op {
            Operation::Pay | Operation::Precreate => (E::DuplicateOrder, Uncertain),
            _ => (E::InvalidOrderState, Failed),
        },
        // The order number was used before, with other parameters: the first attempt may stand.
        "OUT_TRADE_NO_USED" | "ACQ.CONTEXT_INCONSISTENT" => (E::DuplicateOrder, Uncertain),
        "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" | "ACQ.REFUND_FEE_ERROR" => (E::RefundConflict, Failed),
        // The refund number was used before with other parameters: the first refund may stand, so it is
        // a repeat, never a failure (a new number would refund twice). Alipay alipay.trade.refund
        // "ACQ.DISCORDANT_REPEAT_REQUEST 不一致的请求"; WeChat Pay v2 refund "REFUND_FEE_MISMATCH 订单金额或退款
        // 金额与之前请求不一致".
        "ACQ.DISCORDANT_REPEAT_REQUEST" | "REFUND_FEE_MISMATCH" => (E::DuplicateOrder, Uncertain),
        "USERPAYING" => match op {
            Operation::Pay => (E::ProviderError, InProgress),
            _ => (E::InvalidOrderState, Failed),
        },
        "FREQUENCY_LIMITED" | "INVALID_REQ_TOO_MUCH" => (E::ProviderUnavailable, RetryLater),
        // "System busy / retry": the platform does not know yet.
        "SYSTEMERROR" | "BANKERROR" | "BIZERR_NEED_RETRY" | "ACQ.SYSTEM_ERROR" => (E::ProviderError, Uncertain),
        _ => return None,
    })
}

// ---------------------------------------------------------------- the answer

impl Fubei {
    /// With vendor credentials (one secret for every merchant of the vendor), the merchant an answer
    /// or notification names must be ours. `Err` names the field that disagrees. App credentials
    /// belong to one merchant, so their signature already says whose it is.
    pub(super) fn same_merchant(&self, d: &OrderData) -> std::result::Result<(), &'static str> {
        let Some(Identity::Vendor { merchant_id, .. }) = &self.identity else {
            return Ok(());
        };
        let ours = merchant_id.to_string();
        for (field, v) in [("merchant_id", &d.merchant_id), ("uid", &d.uid)] {
            if text(v).is_some_and(|m| m != ours) {
                return Err(field);
            }
        }
        Ok(())
    }

    /// The envelope, then this operation's table. `Err` is an answer that cannot be read (UNKNOWN).
    pub(super) fn read_answer(&self, op: Operation, body: Value, input: Option<&Input>) -> Result<Reply> {
        let not_envelope = || Error::malformed("response is not the Fubei JSON envelope");
        if !body.is_object() {
            return Err(not_envelope());
        }
        let env: Envelope = crate::providers::read(&body).map_err(|_| not_envelope())?;
        let message = text(&env.result_message);
        match text(&env.result_code).as_deref() {
            Some("200") => {}
            Some("400") => return self.platform_error(op, input, text(&env.sub_code), message, env.data.unwrap_or_default()),
            // 9999 ("order cancelled") and anything else no source explains.
            other => {
                return Err(Error::provider(
                    ErrorCode::ProviderError,
                    other,
                    Some(message.as_deref().unwrap_or("unexpected result_code")),
                ))
            }
        }
        let data = data_object(env.data.unwrap_or_default())?;
        let d = order_data(&data)?;
        self.success(op, input, &d, &data)
    }

    /// result_code 400: the payment platform's answer, read through the sub_code table.
    fn platform_error(
        &self,
        op: Operation,
        input: Option<&Input>,
        sub: Option<String>,
        message: Option<String>,
        data: Value,
    ) -> Result<Reply> {
        let verdict = sub.as_deref().and_then(|c| sub_code(op, c));
        let err = |code| Error::provider(code, sub.as_deref(), message.as_deref());
        Ok(match verdict {
            Some((code, Verdict::Failed)) => Reply::failed(err(code)).with_order(refused_order(op, data)?),
            // Refused before processing. A change did not happen (the error is retryable: the same
            // request may be sent again later); a read found nothing out, so it is asked again.
            Some((code, Verdict::RetryLater)) if op.mutates() => {
                Reply::failed(err(code)).with_order(refused_order(op, data)?)
            }
            Some((code, Verdict::RetryLater)) => Reply::unknown(err(code)),
            Some((_, Verdict::InProgress)) => {
                let asked = input.and_then(|i| i.merchant_order_no.as_deref());
                let mut order = Order::named(OrderState::Pending, false, [asked, None, None], None);
                order.amounts.paid = Some(0);
                order.provider_state = sub.clone();
                Reply::new(Outcome::InProgress).with_order(Some(order))
            }
            Some((code, Verdict::Uncertain)) => Reply::unknown(err(code)),
            None => Reply::unknown(err(ErrorCode::ProviderError)),
        })
    }

    /// result_code 200, per operation.
    fn success(&self, op: Operation, input: Option<&Input>, d: &OrderData, data: &Value) -> Result<Reply> {
        self.same_merchant(d)
            .map_err(|what| Error::malformed(format!("the answer is about another merchant ({what})")))?;
        let state = state_text(d);
        let asked = |f: fn(&Input) -> &Option<String>| input.and_then(|i| f(i).clone());
        let state_error = |words: &str| Error::provider(ErrorCode::ProviderError, state.as_deref(), Some(words));
        Ok(match op {
            Operation::Pay => {
                let outcome = pay_outcome(state.as_deref());
                // Named only by the answer itself: a success must show which order it paid.
                let r = Reply::new(outcome).with_order(Some(to_order(d)?));
                let r = match outcome {
                    Outcome::Failed => r.with_error(Some(state_error("the payment was reversed or closed"))),
                    Outcome::Unknown => r.with_error(Some(state_error("the pay answer carries no known trade state"))),
                    _ => r,
                };
                if for_a_person(state.as_deref()) {
                    r.escalated()
                } else {
                    r
                }
            }
            Operation::Precreate => {
                // What the page pays with, as the asked row of the table says (the request was built from
                // the same input); without a row, the answer must carry a code.
                let params = input
                    .and_then(|i| self.make(i).ok())
                    .map_or(Params::QrCode, |(_, m)| m.params);
                let mut order = to_order(d)?;
                if params == Params::QrCode && order.qr_code.is_none() {
                    return Err(Error::malformed("the QR order answer carries no qr_code"));
                }
                // A new order waits for its buyer: any other state contradicts "created" (the shared
                // rules judge only a pay's states).
                if state.as_deref().is_some_and(|s| s != "USERPAYING") {
                    return Err(Error::malformed(format!(
                        "the new order's answer shows {:?}, not USERPAYING",
                        state.as_deref().unwrap_or_default()
                    )));
                }
                if state.is_none() {
                    // Just created: nobody has scanned it yet.
                    order.state = OrderState::Pending;
                    order.amounts.paid = Some(0);
                }
                // 2.0's QR answer names the merchant's order as trade_no (java-sdk …/agent/model/entity/pay/
                // OrderQrcodeModel.java: trade_no "商户订单号"); the asked number is never written in for it.
                if order.merchant_order_no.is_none() {
                    order.merchant_order_no = data.get("trade_no").and_then(Value::as_str).filter(|t| !t.is_empty()).map(str::to_string);
                }
                let reply = Reply::new(Outcome::Succeeded).with_order(Some(order));
                match params {
                    Params::QrCode => reply,
                    Params::Wechat(field) => wallet::attach(reply, wallet::wechat(&sign_package(data.get(field)), &WECHAT_NAMES)),
                    Params::AlipayTradeNo(field) => {
                        wallet::attach(reply, wallet::alipay(data.get(field).and_then(Value::as_str)))
                    }
                }
            }
            Operation::Query => {
                if state.is_none() {
                    return Err(Error::malformed("the query answer carries no trade_state/order_status"));
                }
                Reply::new(Outcome::Succeeded).with_order(Some(to_order(d)?))
            }
            Operation::Refund => {
                let status = text(&d.refund_status);
                // 1.0 refund answers carry no status (Java SDK `PaymentRefundOrderModel`): the refund is
                // accepted; refundQuery tells when it is done.
                let (rstate, outcome) = match status.as_deref().map(|s| refund_state(REFUND_STATES, Some(s))) {
                    None | Some(RefundState::Pending) => (RefundState::Pending, Outcome::InProgress),
                    Some(RefundState::Success) => (RefundState::Success, Outcome::Succeeded),
                    Some(RefundState::Failed) => (RefundState::Failed, Outcome::Failed),
                    Some(RefundState::Unknown) => (RefundState::Unknown, Outcome::Unknown),
                };
                let order = self.refund_order(input, d)?;
                // The shared rules refuse a refund success on an unpaid order; one merely accepted on an
                // unpaid order contradicts itself just as much.
                let unpaid = order
                    .as_ref()
                    .is_some_and(|o| matches!(o.state, OrderState::Pending | OrderState::Failed | OrderState::Closed));
                if unpaid && rstate == RefundState::Pending {
                    return Err(Error::malformed(format!(
                        "the refund answer says {} but its order is {}",
                        status.as_deref().unwrap_or("accepted"),
                        state.as_deref().unwrap_or("missing")
                    )));
                }
                let error = matches!(outcome, Outcome::Failed | Outcome::Unknown)
                    .then(|| Error::provider(ErrorCode::ProviderError, status.as_deref(), Some("refund_status")));
                let amount = match fen("refund_amount", &d.refund_amount)? {
                    Some(a) => Some(a),
                    None => fen("refund_money", &d.refund_money)?,
                };
                Reply::new(outcome)
                    .with_error(error)
                    .with_order(order)
                    .with_refund(Some(Refund {
                        refund_no: text(&d.merchant_refund_sn).or_else(|| asked(|i| &i.refund_no)),
                        provider_refund_no: text(&d.refund_sn),
                        amount: amount.or_else(|| input.and_then(|i| i.amount.as_ref()).and_then(Value::as_i64)),
                        state: rstate,
                        provider_state: status,
                    }))
            }
            Operation::RefundQuery => {
                let Some(status) = text(&d.refund_status) else {
                    return Err(Error::malformed("the refund query answer carries no refund_status"));
                };
                let amount = match fen("refund_amount", &d.refund_amount)? {
                    Some(a) => Some(a),
                    None => fen("refund_money", &d.refund_money)?,
                };
                let order = self.refund_order(input, d)?;
                Reply::new(Outcome::Succeeded)
                    .with_order(order)
                    .with_refund(Some(Refund {
                        refund_no: text(&d.merchant_refund_sn).or_else(|| asked(|i| &i.refund_no)),
                        provider_refund_no: text(&d.refund_sn),
                        amount,
                        state: refund_state(REFUND_STATES, Some(&status)),
                        provider_state: Some(status),
                    }))
            }
            Operation::Close | Operation::Cancel | Operation::Revoke => {
                let outcome = close_outcome(state.as_deref());
                let mut order = to_order(d)?;
                if state.is_none() {
                    order.state = OrderState::Closed;
                    order.is_final = true;
                }
                order.provider_order_no = order.provider_order_no.or_else(|| asked(|i| &i.provider_order_no));
                let error = (outcome == Outcome::Unknown).then(|| state_error("the order is not closed or reversed"));
                let r = Reply::new(outcome).with_error(error).with_order(Some(order));
                if for_a_person(state.as_deref()) {
                    r.escalated()
                } else {
                    r
                }
            }
            Operation::Activate | Operation::Checkin => {
                return Err(Error::unsupported("Fubei has no such operation",
                ))
            }
        })
    }

    /// The order a refund answer shows, when it shows its state (the shared rules then check it). One
    /// without a state is not put in the result, so the order numbers it names are compared here.
    fn refund_order(&self, input: Option<&Input>, d: &OrderData) -> Result<Option<Order>> {
        if state_text(d).is_some() {
            return to_order(d).map(Some);
        }
        if let Some(i) = input {
            same_subject(&[
                (i.merchant_order_no.as_deref(), text(&d.merchant_order_sn).as_deref()),
                (i.provider_order_no.as_deref(), text(&d.order_sn).as_deref()),
            ])?;
        }
        Ok(None)
    }
}

/// A sign package as sent: an object (2.0 `sign_package`, .NET `ASignPackageEntity`) or a JSON string
/// holding one (1.0 `sign_params`, a String in Java SDK `PaymentMinaOrderModel`; the newer 2.0 Java model
/// types `sign_package` as a String too). Anything else holds none of the keys.
fn sign_package(v: Option<&Value>) -> Value {
    match v {
        Some(o @ Value::Object(_)) => o.clone(),
        Some(Value::String(s)) => crate::json::parse(s.as_bytes()).ok().filter(Value::is_object).unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// The order a refusal shows (400 answers may carry `data`). A refused pay whose own order is paid or
/// still paying contradicts itself, and the shared rules see that only through this order; a `data`
/// that cannot be read shows none.
fn refused_order(op: Operation, data: Value) -> Result<Option<Order>> {
    if !matches!(op, Operation::Pay | Operation::Precreate) {
        return Ok(None);
    }
    let Some(d) = data_object(data).ok().and_then(|d| order_data(&d).ok()) else {
        return Ok(None);
    };
    if state_text(&d).is_none() {
        return Ok(None);
    }
    to_order(&d).map(Some)
}
