//! What both generations share on the wire: the request and response envelopes, the order data of
//! answers and notifications (each field marked with the generation that sends it), and signing.

use super::answer::ORDER_STATES;
use crate::providers::order_state;
use super::{v1, v2, Fubei, Identity};
use crate::crypto;
use crate::error::{Error, Result};
use crate::model::{Amounts, Order, OrderState};
use crate::money;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

// The request envelope (Java SDK `foundation/model/RequestParam.java`; .NET SDK
// `Galileo.Lite/Model/ApiRequestParam.cs`): app_id | vendor_sn, method, format "json", sign_method "md5",
// nonce, version "1.0" (both generations: `ApiAttribute.Version = ApiConstants.Version10`), biz_content
// (a JSON string), sign. Built as a sorted map in `Fubei::envelope`.

crate::providers::wire_struct! {
    /// The response envelope (Java SDK `FubeiOpenApiResponseBodyConverter`, `BizKeyConstants`):
    /// `result_code` 200 = success, 400 = platform error with `sub_code`; `data` holds the answer.
    pub(super) struct Envelope {
        /// An integer on the wire; digit text is accepted too.
        pub(super) result_code: Option<Value> = "result_code",
        pub(super) result_message: Option<Value> = "result_message",
        /// "平台方返回错误码" (seed 001): the payment platform's own code, passed through.
        pub(super) sub_code: Option<Value> = "sub_code",
        /// An object (or, in notifications, a JSON string holding one).
        pub(super) data: Option<Value> = "data",
    }
}

crate::providers::wire_struct! {
    /// `data` of every order answer and notification, both generations. Values are `Value` because
    /// the SDKs type them variously (int, string, BigDecimal) and Fubei sends both spellings.
    /// Sources: 1.0 — Java SDK `biz/merchant/model/entity/PaymentQueryOrderModel`, `PaymentSwipeOrderModel`,
    /// `PaymentScanOrderModel`, `PaymentCloseOrderModel`, `PaymentReverseOrderModel`, `PaymentRefundOrderModel`,
    /// `PaymentQueryRefundOrderModel`, and seed 001; 2.0 — Java SDK `biz/agent/model/entity/OrderPayModel`,
    /// .NET SDK `OpenApi.Vb/Biz/AgentApi/Model/Response/AOrderQueryResultEntity`, `AOrderClosureResultEntity`,
    /// `ARefundOrderResultEntity`.
    #[derive(Default)]
    pub(super) struct OrderData {
        /// 2.0: the Fubei merchant the order belongs to (a number). Vendor credentials sign for every
        /// merchant of the vendor, so this is what says whose an answer or notification is.
        pub(super) merchant_id: Option<Value> = "merchant_id",
        /// 2.0 pay notifications: "商户id 同merchant_id" (zhangming1994/fubei Go SDK `CallBackCommonData`).
        pub(super) uid: Option<Value> = "uid",
        pub(super) merchant_order_sn: Option<Value> = "merchant_order_sn",
        /// Fubei's order number.
        pub(super) order_sn: Option<Value> = "order_sn",
        /// 1.0: the platform's (WeChat/Alipay) transaction number.
        pub(super) platform_order_no: Option<Value> = "platform_order_no",
        /// 2.0: the channel's transaction number.
        pub(super) channel_order_sn: Option<Value> = "channel_order_sn",
        /// 1.0 order state.
        pub(super) trade_state: Option<Value> = "trade_state",
        /// 2.0 order state.
        pub(super) order_status: Option<Value> = "order_status",
        /// 1.0 channel: 1 WeChat, 2 Alipay, 5 UnionPay.
        pub(super) pay_channel: Option<Value> = "type",
        /// 2.0 channel: wxpay, alipay, unionpay.
        pub(super) pay_type: Option<Value> = "pay_type",
        /// 1.0 yuan: 实收金额 (received).
        pub(super) total_fee: Option<Value> = "total_fee",
        /// 1.0 yuan: 订单金额 (order amount).
        pub(super) order_price: Option<Value> = "order_price",
        /// 1.0 yuan: 净收金额 = 实收金额 − 手续费.
        pub(super) net_money: Option<Value> = "net_money",
        /// 1.0 yuan: 商家折扣减的金额.
        pub(super) discount_money: Option<Value> = "discount_money",
        /// Both, yuan: 手续费.
        pub(super) fee: Option<Value> = "fee",
        /// Both, yuan: 买家实际支付的金额.
        pub(super) buyer_pay_amount: Option<Value> = "buyer_pay_amount",
        /// 2.0 yuan: 订单金额.
        pub(super) total_amount: Option<Value> = "total_amount",
        /// 2.0 yuan: 实收金额.
        pub(super) net_amount: Option<Value> = "net_amount",
        /// 2.0: "活动优惠列表" of {type, amount (yuan)} — FUBEI_DISCOUNT 付呗折扣, CHANNEL_DISCOUNT 支付通道免充值,
        /// CHANNEL_PRE 支付通道预充值 (.NET `AOrderQueryResultEntity.PaymentList` / `APaymentItemEntity`; the
        /// types from the zhangming1994/fubei Go SDK `PaymentList`). An array, or a JSON string holding one.
        pub(super) payment_list: Option<Value> = "payment_list",
        /// 1.0: epoch seconds.
        pub(super) pay_time: Option<Value> = "pay_time",
        /// 2.0: yyyyMMddHHmmss, Beijing time.
        pub(super) finish_time: Option<Value> = "finish_time",
        /// 1.0 scan / 2.0 precreate: the QR content.
        pub(super) qr_code: Option<Value> = "qr_code",
        // Refund answers and notifications.
        pub(super) merchant_refund_sn: Option<Value> = "merchant_refund_sn",
        pub(super) refund_sn: Option<Value> = "refund_sn",
        pub(super) refund_status: Option<Value> = "refund_status",
        /// 2.0 yuan.
        pub(super) refund_amount: Option<Value> = "refund_amount",
        /// 1.0 yuan.
        pub(super) refund_money: Option<Value> = "refund_money",
    }
}

/// A string-or-number field as text; `None` when absent, null or empty.
pub(super) fn text(v: &Option<Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// A yuan field of an answer to fen (`money::yuan_value`: literal digits, never a float).
pub(super) fn fen(field: &str, v: &Option<Value>) -> Result<Option<i64>> {
    money::yuan_value(field, v.as_ref())
}

/// The order's state: 1.0 `trade_state`, else 2.0 `order_status`.
pub(super) fn state_text(d: &OrderData) -> Option<String> {
    text(&d.trade_state).or_else(|| text(&d.order_status))
}

/// The order an answer or notification shows. Either generation's spelling is read whichever the client
/// speaks (Fubei sends both; notifications of one kind reach clients of either), 1.0's first.
pub(super) fn to_order(d: &OrderData) -> Result<Order> {
    let provider_state = state_text(d);
    let (state, is_final) = order_state(ORDER_STATES, provider_state.as_deref());
    // 1.0 (seed 001): order_price 订单金额, total_fee 实收金额, net_money 净收金额 = 实收金额 − 手续费,
    // discount_money 商家折扣减的金额, buyer_pay_amount 买家实际支付的金额.
    // 2.0 (.NET `AOrderQueryResultEntity`, Go SDK `OrderCommonData`): total_amount 订单金额, net_amount 实收金额,
    // buyer_pay_amount 买家实际支付金额, fee 手续费, payment_list 活动优惠列表.
    let discount = match fen("discount_money", &d.discount_money)? {
        Some(x) => Some(x),
        None => discounts(&d.payment_list)?,
    };
    // An answer without order_price (seed 001's example) says what was received (实收) and what the merchant's
    // discount took off (商家折扣减的金额): the order's amount is their sum. Left unsaid, the asked amount could
    // not be checked against the answer.
    let total = match fen("order_price", &d.order_price)? {
        Some(t) => Some(t),
        None => match (fen("total_amount", &d.total_amount)?, fen("total_fee", &d.total_fee)?) {
            (Some(t), _) => Some(t),
            (None, Some(received)) => Some(
                received
                    .checked_add(discount.unwrap_or(0))
                    .ok_or_else(|| Error::malformed("total_fee plus the discount overflows"))?,
            ),
            (None, None) => None,
        },
    };
    let received = match fen("total_fee", &d.total_fee)? {
        Some(r) => Some(r),
        None => fen("net_amount", &d.net_amount)?,
    };
    let buyer_paid = fen("buyer_pay_amount", &d.buyer_pay_amount)?;
    let fee = fen("fee", &d.fee)?;
    let net = match fen("net_money", &d.net_money)? {
        Some(n) => Some(n),
        None => match (fen("net_amount", &d.net_amount)?, fee) {
            (Some(r), Some(f)) => r.checked_sub(f).filter(|n| *n >= 0),
            _ => None,
        },
    };
    let paid = match state {
        OrderState::Success => buyer_paid.or(received),
        OrderState::Pending => Some(0),
        _ => None,
    };
    let paid_at = if state == OrderState::Success {
        v1::paid_at(d).or_else(|| v2::paid_at(d))
    } else {
        None
    };
    let channel_no = text(&d.platform_order_no).or_else(|| text(&d.channel_order_sn));
    let (merchant_no, provider_no) = (text(&d.merchant_order_sn), text(&d.order_sn));
    let numbers = [merchant_no.as_deref(), provider_no.as_deref(), channel_no.as_deref()];
    let settled = state == OrderState::Success;
    Ok(Order {
        // No order answer reports refunds.
        amounts: Amounts {
            total,
            paid,
            net: net.filter(|_| settled),
            fee: fee.filter(|_| settled),
            discount,
            ..Amounts::default()
        },
        paid_at,
        qr_code: text(&d.qr_code),
        provider_state,
        ..Order::named(state, is_final, numbers, v1::channel(d).or_else(|| v2::channel(d)))
    })
}

/// The sum of a 2.0 `payment_list`'s amounts, in fen; `None` when absent. A list that cannot be read
/// makes the answer uncertain, like any amount that cannot.
fn discounts(v: &Option<Value>) -> Result<Option<i64>> {
    let list = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => crate::json::parse(s.as_bytes()).map_err(|_| bad_list())?,
        Some(other) => other.clone(),
    };
    let Value::Array(items) = list else {
        return Err(bad_list());
    };
    items.iter().try_fold(Some(0i64), |sum, item| {
        let amount = fen("payment_list.amount", &item.get("amount").cloned())?.ok_or_else(bad_list)?;
        sum.and_then(|s| s.checked_add(amount)).map(Some).ok_or_else(bad_list)
    })
}

fn bad_list() -> Error {
    Error::malformed("payment_list is not a list of {type, amount}")
}

/// `data` as an object: Fubei sends an object, notifications a JSON string holding one; absent or null
/// is an empty object.
pub(super) fn data_object(data: Value) -> Result<Value> {
    match data {
        Value::Null => Ok(Value::Object(Map::new())),
        Value::Object(_) => Ok(data),
        Value::String(s) if s.trim().is_empty() => Ok(Value::Object(Map::new())),
        Value::String(s) => match crate::json::parse(s.as_bytes()) {
            Ok(v @ Value::Object(_)) => Ok(v),
            _ => Err(Error::malformed("data is a string that does not hold a JSON object")),
        },
        _ => Err(Error::malformed("data is not an object")),
    }
}

pub(super) fn order_data(data: &Value) -> Result<OrderData> {
    crate::providers::read(data).map_err(|_| Error::malformed("data is not a Fubei order"))
}

// ---------------------------------------------------------------- signing

/// Every parameter but `sign`, empty ones dropped, sorted by name, `name=value` joined with `&`, raw
/// values (Java SDK `SignUtil.baseString`; docs.51fubei.com/open-api/business/sign.html). The secret is
/// appended to this, without separator, before hashing.
pub fn string_to_sign(params: &BTreeMap<String, String>) -> String {
    base_string(params, false)
}

/// `md5_hex_UPPERCASE(string_to_sign ++ secret)`.
pub fn sign(params: &BTreeMap<String, String>, secret: &str) -> String {
    sign_with(params, secret, false)
}

/// The one signing rule for requests and notifications, with the one choice the sources disagree on:
/// the documented rule (and the Java SDK's `SignUtil`) drops empty values, while the .NET SDK's
/// `FubeiSignatureUtil.Verify` keeps them (it signs result_code, result_message and data even when
/// empty). Requests are signed the documented way (`keep_empty` false); a notification whose fields
/// include an empty one may come signed either way, so `notify` accepts both.
pub(super) fn sign_with(params: &BTreeMap<String, String>, secret: &str, keep_empty: bool) -> String {
    let base = base_string(params, keep_empty);
    crypto::md5_hex(&[base.as_bytes(), secret.as_bytes()]).to_ascii_uppercase()
}

/// `name=value` pairs of every parameter but `sign`, sorted by name, joined with `&`, raw values;
/// empty values dropped unless `keep_empty`.
fn base_string(params: &BTreeMap<String, String>, keep_empty: bool) -> String {
    let mut s = String::new();
    for (k, v) in params
        .iter()
        .filter(|(k, v)| *k != "sign" && (keep_empty || !v.is_empty()))
    {
        if !s.is_empty() {
            s.push('&');
        }
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s
}

impl Fubei {
    /// The signed envelope as a sorted parameter map (sign included).
    pub(super) fn envelope(&self, method: &str, biz_content: String, nonce: &str) -> Result<BTreeMap<String, String>> {
        let mut p = BTreeMap::new();
        let secret = match self.identity()? {
            Identity::App { app_id, secret } => {
                p.insert("app_id".to_string(), app_id.clone());
                secret
            }
            Identity::Vendor { vendor_sn, secret, .. } => {
                p.insert("vendor_sn".to_string(), vendor_sn.clone());
                secret
            }
        };
        p.insert("method".into(), method.into());
        p.insert("format".into(), "json".into());
        p.insert("sign_method".into(), "md5".into());
        p.insert("nonce".into(), nonce.into());
        p.insert("version".into(), "1.0".into());
        p.insert("biz_content".into(), biz_content);
        let sig = sign(&p, &secret.0);
        p.insert("sign".into(), sig);
        Ok(p)
    }
}
