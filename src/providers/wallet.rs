//! Wallet orders for cashier pages, in one vocabulary for every gateway: the order `kind`, the wallet
//! (`channel`), the buyer (`payerId`, `subAppId`), and `order.payParams` in one shape per wallet, ready to
//! hand to `wx.requestPayment` / `my.tradePay` or to redirect to. Each gateway maps these to its own
//! fields through a table (`Offers`); what the table lacks is refused before sending, never sent as
//! another kind of order.

use super::{text, Input, Reply};
use crate::error::{Error, ErrorCode, Result};
use serde_json::{Map, Value};

/// What a precreated order is for: a code to scan, or a payment inside the buyer's wallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderKind {
    /// A code the buyer scans (the default).
    Qr,
    /// Inside the wallet's browser: a WeChat official-account page (`getBrandWCPayRequest`), an Alipay
    /// life page.
    Jsapi,
    /// Inside a WeChat or Alipay mini-program (`wx.requestPayment`, `my.tradePay`).
    MiniProgram,
    /// A phone browser outside the wallet, sent to the wallet by a redirect URL.
    H5,
}

impl OrderKind {
    pub const ALL: [OrderKind; 4] = [OrderKind::Qr, OrderKind::Jsapi, OrderKind::MiniProgram, OrderKind::H5];

    pub fn name(self) -> &'static str {
        match self {
            OrderKind::Qr => "QR",
            OrderKind::Jsapi => "JSAPI",
            OrderKind::MiniProgram => "MINI_PROGRAM",
            OrderKind::H5 => "H5",
        }
    }

    /// Orders paid inside the wallet, which name the buyer there.
    pub fn in_wallet(self) -> bool {
        matches!(self, OrderKind::Jsapi | OrderKind::MiniProgram)
    }
}

/// The kind asked for: `kind`, QR when not given; `WAP` is accepted for H5.
pub fn order_kind(input: &Input) -> Result<OrderKind> {
    match text(&input.kind) {
        None => Ok(OrderKind::Qr),
        Some("WAP") => Ok(OrderKind::H5),
        Some(k) => OrderKind::ALL
            .into_iter()
            .find(|o| o.name() == k)
            .ok_or_else(|| Error::input("kind", format!("must be QR, JSAPI, MINI_PROGRAM or H5 (got {k:?})"))),
    }
}

/// A gateway's wallet orders: (kind, channel, the gateway's value for that pair). Only what the gateway's
/// official SDK or document offers is listed; a row names its source in a comment.
pub type Offers<T> = [(OrderKind, &'static str, T)];

/// The gateway's value for the asked kind and wallet, or INVALID_INPUT naming the field and what this
/// provider offers. `channel` is required unless the provider's table has a row for `ANY` (an aggregated
/// code any wallet can scan) for that kind.
pub fn offer<T: Copy>(input: &Input, table: &Offers<T>, provider: &str) -> Result<(OrderKind, &'static str, T)> {
    let kind = order_kind(input)?;
    let channels: Vec<&str> = table
        .iter()
        .filter(|(k, _, _)| *k == kind)
        .map(|(_, c, _)| *c)
        .collect();
    if channels.is_empty() {
        let kinds: Vec<&str> = OrderKind::ALL
            .into_iter()
            .filter(|k| table.iter().any(|(t, _, _)| t == k))
            .map(OrderKind::name)
            .collect();
        return Err(Error::input(
            "kind",
            format!(
                "{} is not an order {provider} makes (it makes {})",
                kind.name(),
                kinds.join(", ")
            ),
        ));
    }
    let asked = text(&input.channel).unwrap_or("ANY");
    table
        .iter()
        .find(|(k, c, _)| *k == kind && *c == asked)
        .map(|(k, c, v)| (*k, *c, *v))
        .ok_or_else(|| {
            let named: Vec<&str> = channels.iter().copied().filter(|c| *c != "ANY").collect();
            let rule = if asked == "ANY" {
                format!(
                    "is required for a {} order on {provider} ({})",
                    kind.name(),
                    named.join(", ")
                )
            } else {
                format!(
                    "{asked} is not a wallet {provider} takes for a {} order (it takes {})",
                    kind.name(),
                    named.join(", ")
                )
            };
            Error::input("channel", rule)
        })
}

/// The buyer's id for an order paid inside the wallet: required there (the gateway needs it to make the
/// wallet's pay parameters), and refused on any other kind, where the gateway would drop it.
pub fn payer(input: &Input, kind: OrderKind, max_len: usize) -> Result<Option<&str>> {
    let payer = super::optional("payerId", &input.payer_id, max_len)?;
    match (kind.in_wallet(), payer) {
        (true, None) => Err(Error::input(
            "payerId",
            format!(
                "is required for a {} order (the buyer's openid or Alipay user id)",
                kind.name()
            ),
        )),
        (false, Some(_)) => Err(Error::input(
            "payerId",
            format!(
                "has no meaning for a {} order (only JSAPI and MINI_PROGRAM name the buyer)",
                kind.name()
            ),
        )),
        _ => Ok(payer),
    }
}

/// The keys `wx.requestPayment` and `getBrandWCPayRequest` take, in their order.
pub const WECHAT_KEYS: [&str; 6] = ["appId", "timeStamp", "nonceStr", "package", "signType", "paySign"];

/// Pay parameters in the wallet's shape, and the first key the gateway did not send (never invented).
#[derive(Debug, Default, PartialEq)]
pub struct PayParams {
    pub value: Map<String, Value>,
    pub missing: Option<&'static str>,
}

/// WeChat's six keys, read from the gateway's object `from` where `names[i]` is the gateway's name for
/// `WECHAT_KEYS[i]`. Numbers (a timestamp) become strings, as the wallet requires.
pub fn wechat(from: &Value, names: &[&str; 6]) -> PayParams {
    let mut p = PayParams::default();
    for (key, name) in WECHAT_KEYS.iter().zip(names) {
        let v = match from.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        match v {
            Some(v) => {
                p.value.insert(key.to_string(), Value::String(v));
            }
            None => {
                p.missing = p.missing.or(Some(key));
            }
        }
    }
    p
}

/// Alipay's `{ tradeNO }`, what `my.tradePay` takes.
pub fn alipay(trade_no: Option<&str>) -> PayParams {
    one("tradeNO", trade_no)
}

/// An H5 order's `{ url }`: where the page sends the buyer.
pub fn redirect(url: Option<&str>) -> PayParams {
    one("url", url)
}

fn one(key: &'static str, v: Option<&str>) -> PayParams {
    let mut p = PayParams::default();
    match v.filter(|v| !v.is_empty()) {
        Some(v) => {
            p.value.insert(key.to_string(), Value::String(v.to_string()));
        }
        None => p.missing = Some(key),
    }
    p
}

/// Puts the pay parameters on the reply's order. A set the gateway sent incomplete leaves the order
/// with what was sent and makes the reply UNKNOWN, naming the missing key: the page cannot pay with it,
/// and the order the gateway made is polled, never made again.
pub fn attach(mut reply: Reply, params: PayParams) -> Reply {
    if let Some(order) = reply.order.as_mut() {
        order.pay_params = Some(Value::Object(params.value));
    }
    if let Some(key) = params.missing {
        let mut e = Error::new(
            ErrorCode::ProviderError,
            format!("the gateway's pay parameters lack {key}; the library does not invent it"),
        );
        e.field = Some(format!("payParams.{key}"));
        reply.outcome = crate::model::Outcome::Unknown;
        reply.error = Some(e);
    }
    reply
}
