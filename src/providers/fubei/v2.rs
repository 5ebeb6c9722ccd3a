//! The 2.0 agent API (`fbpay.order.*` at `/gateway/agent`): its method names and request field names,
//! and what only 2.0 answers carry (`pay_type` names, `finish_time` in Beijing time).

use super::wire::{text, OrderData};
use super::{Code, Dialect, Make, Params};
use crate::providers::wallet::{Offers, OrderKind};
use crate::error::Result;
use crate::model::{Channel, Operation};
use crate::time;
use serde_json::{Map, Value};

pub(super) static DIALECT: Dialect = Dialect {
    // .NET SDK `AgentApiAttribute`: `Path = "/gateway/agent"`.
    path: "/gateway/agent",
    method,
    amount: "total_amount",
    refund_amount: "refund_amount",
    notify_url: "notify_url",
    // The 2.0 docs the SDKs link give no length.
    device_no_max: 32,
    wallet,
    offers: OFFERS,
};

/// .NET SDK `OpenApi.Vb/Biz/AgentApi/IFubeiAgentApi.vb` (fbpay.order.pay/query/cancel/close/refund/
/// refund.query) and the protocol notes (fbpay.order.precreate).
fn method(op: Operation) -> Option<&'static str> {
    Some(match op {
        Operation::Pay => "fbpay.order.pay",
        Operation::Precreate => "fbpay.order.precreate",
        Operation::Query => "fbpay.order.query",
        Operation::Refund => "fbpay.order.refund",
        Operation::RefundQuery => "fbpay.order.refund.query",
        Operation::Close => "fbpay.order.close",
        Operation::Cancel | Operation::Revoke => "fbpay.order.cancel",
        Operation::Activate | Operation::Checkin => return None,
    })
}

/// A 2.0 pay has no wallet field (Java SDK `ParamOrderPay`): the barcode tells the wallet, and
/// `fields` refuses `channel` before this is reached.
fn wallet(_channel: Option<&str>, _b: &mut Map<String, Value>) -> Result<()> {
    Ok(())
}

const fn qr(pay_type: Option<&'static str>) -> Make {
    Make {
        method: "fbpay.order.precreate",
        wallet: match pay_type {
            Some(p) => Some(("pay_type", Code::Name(p))),
            None => None,
        },
        payer: None,
        app: None,
        params: Params::QrCode,
    }
}

/// "统一下单" `fbpay.order.create` (Java SDK `biz/agent/api/legacy/AgentPaymentApi.java`,
/// `ParamOrderCreate`; .NET `AOrderCreateParam`): `pay_type` "wxpay 微信，alipay 支付宝", `user_id`
/// "用户标识（微信openid，支付宝userid）", `sub_appid` "公众号appid。当微信支付时，该字段必填". The answer
/// (`OrderCreateModel`, .NET `AOrderCreateResultEntity`) carries `prepay_id` "预支付凭证，微信预支付订单号
/// prepay_id、支付宝交易号tradeNO等" and, for wxpay only, `sign_package` (appId, timeStamp, nonceStr,
/// package, signType, paySign: zhangming1994/fubei Go SDK `SignPackage`).
const fn create(pay_type: &'static str, app: Option<(&'static str, bool)>, params: Params) -> Make {
    Make {
        method: "fbpay.order.create",
        wallet: Some(("pay_type", Code::Name(pay_type))),
        // No length in the SDKs; WeChat openids are 28 characters, Alipay user ids 16.
        payer: Some(("user_id", 64)),
        app,
        params,
    }
}

/// What a 2.0 precreate makes. Not offered: mini-program orders (the SDKs document `sub_appid` as the
/// official account's appid only, and name no mini-program method) and H5 orders
/// (`fbpay.order.wap.create` appears in no official SDK).
pub(super) static OFFERS: &Offers<Make> = &[
    // "支付方式，wxpay 微信，alipay 支付宝，unionpay 银联"; without one, an aggregated code (Java SDK
    // `agent/model/param/pay/ParamOrderQrcode`).
    (OrderKind::Qr, "ANY", qr(None)),
    (OrderKind::Qr, "WECHAT", qr(Some("wxpay"))),
    (OrderKind::Qr, "ALIPAY", qr(Some("alipay"))),
    (OrderKind::Qr, "UNIONPAY", qr(Some("unionpay"))),
    // sub_appid is required for wxpay; for alipay it is the same optional field, sent when given (the
    // SDKs send it whatever the pay_type).
    (OrderKind::Jsapi, "WECHAT", create("wxpay", Some(("sub_appid", true)), Params::Wechat("sign_package"))),
    (OrderKind::Jsapi, "ALIPAY", create("alipay", Some(("sub_appid", false)), Params::AlipayTradeNo("prepay_id"))),
];

/// 2.0 `pay_type` (wxpay, alipay, unionpay).
pub(super) fn channel(d: &OrderData) -> Option<Channel> {
    text(&d.pay_type).map(|t| match t.as_str() {
        "wxpay" => Channel::Wechat,
        "alipay" => Channel::Alipay,
        "unionpay" => Channel::Unionpay,
        _ => Channel::Other,
    })
}

/// 2.0 `finish_time` in Beijing time (UTC+8) to epoch milliseconds: `yyyyMMddHHmmss` (the 2.0 docs, as
/// quoted in the zhangming1994/fubei Go SDK's `OrderCommonData`), or `yyyy-MM-dd HH:mm:ss`.
pub(super) fn beijing_ms(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    let dashed = b.len() == 19 && b[4] == b'-' && b[7] == b'-' && b[10] == b' ' && b[13] == b':' && b[16] == b':';
    if dashed {
        time::parse_beijing_compact(&t.chars().filter(char::is_ascii_digit).collect::<String>())
    } else {
        time::parse_beijing_compact(t)
    }
}

/// When a 2.0 order was paid.
pub(super) fn paid_at(d: &OrderData) -> Option<i64> {
    text(&d.finish_time).as_deref().and_then(beijing_ms)
}
