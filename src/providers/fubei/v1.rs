//! The 1.0 merchant open API (`openapi.payment.order.*` at `/gateway`, the seed's): its method names and
//! request field names, and what only 1.0 answers carry (`type` 1/2/5, `pay_time` in epoch seconds).

use super::wire::{text, OrderData};
use super::{bad_channel, Code, Dialect, Make, Params};
use crate::error::Result;
use crate::providers::wallet::{Offers, OrderKind};
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
    offers: OFFERS,
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

/// `type` of a barcode pay: 1 WeChat, 2 Alipay (Java SDK `ParamPaymentOrderSwipe`), 5 UnionPay (seed 001's
/// `type`). Optional: the code tells the wallet, so it is sent only when given.
fn wallet(channel: Option<&str>, b: &mut Map<String, Value>) -> Result<()> {
    let code = match channel {
        None => return Ok(()),
        Some("WECHAT") => 1,
        Some("ALIPAY") => 2,
        Some("UNIONPAY") => 5,
        Some(other) => return Err(bad_channel(other)),
    };
    b.insert("type".into(), Value::Number(code.into()));
    Ok(())
}

const fn qr(code: u64) -> Make {
    Make {
        method: "openapi.payment.order.scan",
        wallet: Some(("type", Code::Int(code))),
        payer: None,
        app: None,
        params: Params::QrCode,
    }
}

/// What a 1.0 precreate makes (Java SDK `biz/merchant/api/legacy/MerchantPaymentApi.java`). A QR order
/// names its wallet (`type` is required: `ParamPaymentOrderScan`), so there is no aggregated code.
/// Not offered: the WeChat official-account order `openapi.payment.order.h5pay` — it takes two ids
/// from Fubei's own authorisation flow (`open_id` and `sub_open_id`, `ParamPaymentOrderH5Pay`) and
/// answers only a `prepay_id` (`PaymentH5PayOrderModel`; docs.51fubei.com …/methods/H5Pay.html), never the
/// signed six keys a page needs; and no H5 (redirect) order exists in 1.0.
pub(super) static OFFERS: &Offers<Make> = &[
    // "扫码支付" `openapi.payment.order.scan`, `type` 1/2 (`ParamPaymentOrderScan`), 5 (seed 001).
    (OrderKind::Qr, "WECHAT", qr(1)),
    (OrderKind::Qr, "ALIPAY", qr(2)),
    (OrderKind::Qr, "UNIONPAY", qr(5)),
    // "微信小程序支付" `openapi.payment.order.mina`: `sub_openid` (32) "小程序授权接口返回的sub_openid"
    // (`ParamPaymentOrderMina`); the answer's `sign_params` "小程序支付签名包 … 请务必使用我司提供的签名包"
    // (`PaymentMinaOrderModel`; docs.51fubei.com/open-api/business/methods/minaPay.html types it json).
    (
        OrderKind::MiniProgram,
        "WECHAT",
        Make {
            method: "openapi.payment.order.mina",
            wallet: None,
            payer: Some(("sub_openid", 32)),
            app: None,
            params: Params::Wechat("sign_params"),
        },
    ),
    // "支付宝统一下单" `openapi.payment.Alipay.H5`: `buyer_id` "支付宝用户ID,2088开头" (`ParamPaymentAlipayH5`);
    // the answer's `prepay_id` is "支付宝预支付订单号" (`PaymentH5AlipayModel`), the trade number the
    // Alipay page's tradePay takes. Fubei calls it H5, but it is paid inside Alipay by a known buyer.
    (
        OrderKind::Jsapi,
        "ALIPAY",
        Make {
            method: "openapi.payment.Alipay.H5",
            wallet: None,
            payer: Some(("buyer_id", 32)),
            app: None,
            params: Params::AlipayTradeNo("prepay_id"),
        },
    ),
];

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
