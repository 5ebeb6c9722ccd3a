//! The 2.0 agent API (`fbpay.order.*` at `/gateway/agent`): its method names and request field names,
//! and what only 2.0 answers carry (`pay_type` names, `finish_time` in Beijing time).

use super::wire::{text, OrderData};
use super::{bad_channel, Dialect};
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

/// `pay_type`: wxpay, alipay, unionpay (Java SDK `ParamOrderQrcode`), on a QR order only; without one
/// the code is an aggregated one any wallet can scan. A 2.0 pay has no wallet field (`ParamOrderPay`).
fn wallet(op: Operation, channel: Option<&str>, b: &mut Map<String, Value>) -> Result<()> {
    let (Operation::Precreate, Some(c)) = (op, channel) else {
        return Ok(());
    };
    let name = match c {
        "WECHAT" => "wxpay",
        "ALIPAY" => "alipay",
        "UNIONPAY" => "unionpay",
        other => return Err(bad_channel(other)),
    };
    b.insert("pay_type".into(), Value::String(name.into()));
    Ok(())
}

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
