//! The 1.0 merchant open API (`openapi.payment.order.*` at `/gateway`, the seed's): its method names and
//! request field names, and what only 1.0 answers carry (`type` 1/2/5, `pay_time` in epoch seconds).

use super::wire::{text, OrderData};
use super::{bad_channel, Dialect};
use crate::error::{Error, Result};
use crate::model::{Channel, Operation};
use serde_json::{Map, Value};

pub(super) static DIALECT: Dialect = Dialect {
    // Java SDK `OpenApiConstants.GATEWAY`.
    path: "/gateway",
    method,
    amount: "total_fee",
    refund_amount: "refund_money",
    notify_url: "call_back_url", // "支付成功后回调链接"
    // Seed 001: device_no string(18).
    device_no_max: 18,
    wallet,
};

/// Java SDK `biz/merchant/api/legacy/MerchantPaymentApi` (swipe, scan) and `MerchantOrderApi` (query,
/// refund, refund.query, reverse, close).
fn method(op: Operation) -> Option<&'static str> {
    Some(match op {
        Operation::Pay => "openapi.payment.order.swipe",
        Operation::Precreate => "openapi.payment.order.scan",
        Operation::Query => "openapi.payment.order.query",
        Operation::Refund => "openapi.payment.order.refund",
        Operation::RefundQuery => "openapi.payment.order.refund.query",
        Operation::Close => "openapi.payment.order.close",
        Operation::Cancel | Operation::Revoke => "openapi.payment.order.reverse",
        Operation::Activate | Operation::Checkin => return None,
    })
}

/// `type`: 1 WeChat, 2 Alipay (Java SDK `ParamPaymentOrderScan`), 5 UnionPay (seed 001's `type`).
/// Optional for a barcode (the code tells the wallet: sent when given), required for a QR order.
fn wallet(op: Operation, channel: Option<&str>, b: &mut Map<String, Value>) -> Result<()> {
    let code = match channel {
        None if op == Operation::Precreate => {
            return Err(Error::input(
                "channel",
                "is required for a 1.0 QR order: \"ALIPAY\", \"WECHAT\" or \"UNIONPAY\"",
            ))
        }
        None => return Ok(()),
        Some("WECHAT") => 1,
        Some("ALIPAY") => 2,
        Some("UNIONPAY") => 5,
        Some(other) => return Err(bad_channel(other)),
    };
    b.insert("type".into(), Value::Number(code.into()));
    Ok(())
}

/// 1.0 `type` (1 WeChat, 2 Alipay, 5 UnionPay — seed 001).
pub(super) fn channel(d: &OrderData) -> Option<Channel> {
    text(&d.pay_channel).map(|t| match t.as_str() {
        "1" => Channel::Wechat,
        "2" => Channel::Alipay,
        "5" => Channel::Unionpay,
        _ => Channel::Other,
    })
}

/// 1.0 `pay_time`, epoch seconds, to epoch milliseconds.
pub(super) fn seconds_ms(t: &str) -> Option<i64> {
    crate::money::parse_fen_digits(t)
        .filter(|s| *s > 0)
        .and_then(|s| s.checked_mul(1_000))
}

/// When a 1.0 order was paid.
pub(super) fn paid_at(d: &OrderData) -> Option<i64> {
    text(&d.pay_time).as_deref().and_then(seconds_ms)
}
