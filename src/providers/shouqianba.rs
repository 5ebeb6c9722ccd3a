//! Shouqianba (收钱吧) Upay v2 terminal gateway.
//! Spec: protocol notes `shouqianba.md`, seed 000 (query) and seed 004 (gateway 2.0: pay, refund, cancel,
//! precreate, status tables, client pay flow).

use super::wallet::{self, OrderKind};
use super::{order_state, refund_state, put_required, 
    base_url, decode_json, merge_extra, optional, parse_json, put, required, text, Ctx, Decoded, Gateway, Input, KeyUse, Prepared, Reply,
    Secret, Signed,
};
use crate::crypto::{self, PublicKey};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{self, Ack, HttpRequest, HttpResponse};
use crate::model::*;
use crate::money;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

// ---------------------------------------------------------------- config and credentials

pub const DEFAULT_BASE_URL: &str = "https://vsi-api.shouqianba.com";
pub const DEFAULT_WAP_URL: &str = "https://qr.shouqianba.com/gateway";
/// total_amount is String(10): at most ten digits of fen.
const MAX_AMOUNT: i64 = 9_999_999_999;

super::wire_struct! {
    strict struct Config {
        base_url: Option<String> = "baseUrl",
        wap_base_url: Option<String> = "wapBaseUrl",
        credentials: Option<Credentials> = "credentials",
    }
}

super::wire_struct! {
    strict #[derive(Default)]
    struct Credentials {
        terminal_sn: Option<String> = "terminalSn",
        terminal_key: Option<Secret> = "terminalKey",
        notify_public_key: Option<String> = "notifyPublicKey",
    }
}

#[derive(Debug)]
pub struct Shouqianba {
    base_url: String,
    wap_base_url: String,
    /// (terminal_sn, terminal_key); replaced by activate and check-in.
    terminal: Option<(String, Secret)>,
    notify_key: Option<PublicKey>,
}

impl Shouqianba {
    pub fn new(config: Value) -> Result<Self> {
        let c: Config = super::parse_config(config)?;
        let credentials = c.credentials.unwrap_or_default();
        let base = base_url("baseUrl", &c.base_url, DEFAULT_BASE_URL)?;
        let wap = base_url("wapBaseUrl", &c.wap_base_url, DEFAULT_WAP_URL)?;
        let terminal = match (credentials.terminal_sn, credentials.terminal_key) {
            (Some(sn), Some(key)) if !sn.is_empty() && !key.0.is_empty() => Some((sn, key)),
            (None, None) => None,
            _ => {
                return Err(Error::config(
                    "credentials",
                    "terminalSn and terminalKey must be given together",
                ))
            }
        };
        let notify_key = match credentials.notify_public_key {
            Some(pem) => Some(crypto::load_public_key("credentials.notifyPublicKey", &pem)?),
            None => None,
        };
        Ok(Shouqianba {
            base_url: base,
            wap_base_url: wap,
            terminal,
            notify_key,
        })
    }

    fn terminal(&self) -> Result<(&str, &str)> {
        self.terminal
            .as_ref()
            .map(|(sn, k)| (sn.as_str(), k.0.as_str()))
            .ok_or_else(|| {
                Error::config(
                    "credentials",
                    "terminalSn and terminalKey are required (activate a terminal first)",
                )
            })
    }
}

// ---------------------------------------------------------------- wire types (names as on the wire)

super::wire_struct! {
    struct Envelope {
        result_code: Option<String> = "result_code",
        error_code: Option<String> = "error_code",
        error_message: Option<String> = "error_message",
        biz_response: Option<BizResponse> = "biz_response",
    }
}

super::wire_struct! {
    struct BizResponse {
        result_code: Option<String> = "result_code",
        error_code: Option<String> = "error_code",
        error_message: Option<String> = "error_message",
        data: Option<OrderData> = "data",
        // activate / checkin answer these directly in biz_response.
        terminal_sn: Option<String> = "terminal_sn",
        terminal_key: Option<Secret> = "terminal_key",
    }
}

super::wire_struct! {
    /// `biz_response.data`, and the body of a notification. Every value is a string on the wire.
    #[derive(Default)]
    struct OrderData {
        /// The terminal the order was made on: the only field that says whose a notification is.
        terminal_sn: Option<String> = "terminal_sn",
        sn: Option<String> = "sn",
        client_sn: Option<String> = "client_sn",
        trade_no: Option<String> = "trade_no",
        status: Option<String> = "status",
        order_status: Option<String> = "order_status",
        payway: Option<String> = "payway",
        sub_payway: Option<String> = "sub_payway",
        total_amount: Option<String> = "total_amount",
        net_amount: Option<String> = "net_amount",
        settlement_amount: Option<String> = "settlement_amount",
        finish_time: Option<String> = "finish_time",
        channel_finish_time: Option<String> = "channel_finish_time",
        qr_code: Option<String> = "qr_code",
        /// What the wallet's page is called with (precreate.md: "支付通道返回的调用WAP支付需要传递的信息",
        /// String(1024)): an object, or that object as JSON text — integrations read both.
        wap_pay_request: Option<Value> = "wap_pay_request",
        /// Who funded the payment (precreate.md / pay.md "payment_list"): read by `funding`, never trusted
        /// to have a shape, so an odd list leaves the split unsaid rather than the answer unreadable.
        payment_list: Option<Value> = "payment_list",
    }
}

// ---------------------------------------------------------------- signing

/// `md5_hex_lowercase(body ++ key)`, as the `Authorization: <sn> <sign>` header carries it.
pub fn authorization(sn: &str, key: &str, body: &str) -> String {
    format!("{sn} {}", crypto::md5_hex(&[body.as_bytes(), key.as_bytes()]))
}

/// The WAP cashier signature: non-empty params but sign/sign_type, sorted, raw `k=v&…&key=<key>`,
/// MD5 upper-case. Returns (string to sign, sign).
pub fn wap_sign(params: &BTreeMap<String, String>, key: &str) -> (String, String) {
    let mut s = String::new();
    for (k, v) in params
        .iter()
        .filter(|(k, v)| !v.is_empty() && *k != "sign" && *k != "sign_type")
    {
        s.push_str(k);
        s.push('=');
        s.push_str(v);
        s.push('&');
    }
    s.push_str("key=");
    s.push_str(key);
    let sign = crypto::md5_hex(&[s.as_bytes()]).to_ascii_uppercase();
    (s, sign)
}

// ---------------------------------------------------------------- wallet orders

/// What precreate makes: (kind, wallet, (payway, sub_payway)). Sources, WoSai/shouqianba-doc:
/// zh-cn/api/annex/payway.md (payway 2 支付宝, 3 微信, 17 银联二维码; sub_payway 2 二维码支付,
/// 3 wap支付, 4 小程序支付) and zh-cn/api/interface/precreate.md (sub_payway "3" for WAP, "4" for
/// 小程序; payer_uid: WeChat WAP the open_id, Alipay WAP the user's authorised userId).
/// Not listed, so refused before sending: H5 (sub_payway 6 "H5支付" appears only among the values an
/// answer may carry; no document says what precreate sends or answers for it — the WAP cashier,
/// `wapPayUrl`, is the documented page flow), and UnionPay inside a wallet (no document).
const OFFERS: &wallet::Offers<(&str, &str)> = &[
    (OrderKind::Qr, "ALIPAY", ("2", "2")), // payway.md: 2 支付宝; sub_payway 2 二维码支付
    (OrderKind::Qr, "WECHAT", ("3", "2")), // payway.md: 3 微信
    (OrderKind::Qr, "UNIONPAY", ("17", "2")), // payway.md: 17 银联二维码
    (OrderKind::Jsapi, "ALIPAY", ("2", "3")), // precreate.md: 支付宝WAP支付必传用户授权的userId
    (OrderKind::Jsapi, "WECHAT", ("3", "3")), // precreate.md: 微信WAP支付必须传open_id
    // precreate.md: 使用小程序支付请传"4" (for either wallet: the document names none)
    (OrderKind::MiniProgram, "ALIPAY", ("2", "4")),
    (OrderKind::MiniProgram, "WECHAT", ("3", "4")),
];

/// payway → wallet, for the numeric `payway` still accepted and for answers. payway.md: 1 支付宝1.0 /
/// Alipay-Local, 2 支付宝, 3 微信, 17 银联二维码 (precreate.md's request table lists 1 for 支付宝: the
/// older value, still Alipay). Other payways (Baidu, JD, QQ…) have no wallet order here.
const PAYWAYS: &[(&str, &str)] = &[("1", "ALIPAY"), ("2", "ALIPAY"), ("3", "WECHAT"), ("17", "UNIONPAY")];

/// sub_payway → kind, for the numeric `subPayway` still accepted and for answers (payway.md).
const SUB_PAYWAYS: &[(&str, OrderKind)] = &[("2", OrderKind::Qr), ("3", OrderKind::Jsapi), ("4", OrderKind::MiniProgram)];

fn wallet_of(payway: &str) -> Option<&'static str> {
    PAYWAYS.iter().find(|(p, _)| *p == payway).map(|(_, w)| *w)
}

fn kind_of(sub_payway: &str) -> Option<OrderKind> {
    SUB_PAYWAYS.iter().find(|(s, _)| *s == sub_payway).map(|(_, k)| *k)
}

/// The gateway's names for `wallet::WECHAT_KEYS` in `wap_pay_request`: WeChat's own, since the object
/// is what `getBrandWCPayRequest` / `wx.requestPayment` take (precreate.md: "调用WAP支付需要传递的信息").
const WECHAT_NAMES: [&str; 6] = ["appId", "timeStamp", "nonceStr", "package", "signType", "paySign"];

struct WalletOrder {
    kind: OrderKind,
    channel: &'static str,
    payway: String,
    sub_payway: &'static str,
}

/// The order asked for, in the shared vocabulary (`kind`, `channel`) or the gateway's own numbers
/// (`subPayway`, `payway`, kept for callers written before `kind`/`channel`). Given together, the two
/// must say the same thing; either way only what `OFFERS` lists is sent.
fn wallet_order(input: &Input) -> Result<WalletOrder> {
    let payway = optional("payway", &input.payway, 3)?;
    digits("payway", payway)?;
    let sub = optional("subPayway", &input.sub_payway, 2)?;
    digits("subPayway", sub)?;
    let mut asked = input.clone();
    if let Some(s) = sub {
        let kind = kind_of(s).ok_or_else(|| {
            Error::input(
                "subPayway",
                format!("must be 2 (QR), 3 (JSAPI) or 4 (MINI_PROGRAM) (got {s:?}); prefer kind"),
            )
        })?;
        match text(&input.kind) {
            None => asked.kind = Some(kind.name().to_string()),
            Some(_) if wallet::order_kind(input)? == kind => {}
            Some(k) => {
                return Err(Error::input(
                    "subPayway",
                    format!("{s:?} is a {} order, which disagrees with kind {k:?}", kind.name()),
                ))
            }
        }
    }
    if let Some(p) = payway {
        let w = wallet_of(p).ok_or_else(|| {
            Error::input(
                "payway",
                format!("{p:?} is not a wallet Shouqianba orders are made for here (1 or 2 Alipay, 3 WeChat, 17 UnionPay); prefer channel"),
            )
        })?;
        match text(&input.channel) {
            None => asked.channel = Some(w.to_string()),
            Some(c) if c == w => {}
            Some(c) => {
                return Err(Error::input(
                    "payway",
                    format!("{p:?} is {w}, which disagrees with channel {c:?}"),
                ))
            }
        }
    }
    let (kind, channel, (table_payway, sub_payway)) = wallet::offer(&asked, OFFERS, "Shouqianba")?;
    Ok(WalletOrder {
        kind,
        channel,
        // A numeric payway that agrees (Alipay's "1") is sent as given.
        payway: payway.unwrap_or(table_payway).to_string(),
        sub_payway,
    })
}

/// A created order counts only as the one asked for: the wallet and kind the answer says it made (where it says)
/// are those asked, it still waits for its buyer (CREATED), and a QR order carries its code. Anything else is
/// UNKNOWN: an order exists, but not one to hand to a buyer (poll it).
fn made_as_asked(d: &OrderData, asked: Option<&WalletOrder>) -> Result<()> {
    let said = |what: &str| Err(Error::malformed(format!("the created order is {what}, not the order asked for")));
    if let Some(a) = asked {
        if d.payway.as_deref().is_some_and(|p| wallet_of(p) != Some(a.channel)) {
            return said("for another wallet");
        }
        if d.sub_payway.as_deref().is_some_and(|s| kind_of(s) != Some(a.kind)) {
            return said("of another kind");
        }
    }
    if d.order_status.as_deref().is_some_and(|s| s != "CREATED") {
        return said("not waiting for its buyer (order_status is not CREATED)");
    }
    let qr = asked.map_or(d.sub_payway.as_deref().and_then(kind_of), |a| Some(a.kind));
    if qr.unwrap_or(OrderKind::Qr) == OrderKind::Qr && text(&d.qr_code).is_none() {
        return said("a QR order without its qr_code");
    }
    Ok(())
}

/// A wallet order's pay parameters, from `wap_pay_request`: what was asked (the input), else what the
/// answer says it made. QR orders have none (their `qr_code` is the order's `qrCode`).
fn with_pay_params(reply: Reply, d: &OrderData, input: Option<&Input>) -> Reply {
    let asked = input.map(wallet_order).and_then(Result::ok);
    if let Err(e) = made_as_asked(d, asked.as_ref()) {
        return Reply::unknown(e).with_order(reply.order);
    }
    let (kind, channel) = match &asked {
        Some(o) => (Some(o.kind), Some(o.channel)),
        None => (
            d.sub_payway.as_deref().and_then(kind_of),
            d.payway.as_deref().and_then(wallet_of),
        ),
    };
    if !kind.is_some_and(OrderKind::in_wallet) {
        return reply;
    }
    let request = match &d.wap_pay_request {
        Some(Value::String(t)) => crate::json::parse(t.as_bytes()).unwrap_or(Value::Null),
        Some(v) => v.clone(),
        None => Value::Null,
    };
    let params = match channel {
        Some("WECHAT") => wallet::wechat(&request, &WECHAT_NAMES),
        // my.tradePay / AlipayJSBridge tradePay take Alipay's trade number: `tradeNO` where the gateway
        // passes one in wap_pay_request, else trade_no (precreate.md: 支付通道交易凭证号, Alipay's own).
        Some("ALIPAY") => wallet::alipay(
            request
                .get("tradeNO")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .or(text(&d.trade_no)),
        ),
        _ => return reply,
    };
    wallet::attach(reply, params)
}

// ---------------------------------------------------------------- requests
/// sn wins over client_sn when both are given (the gateway's own rule), so send only what was asked.
fn order_ref(body: &mut Map<String, Value>, input: &Input) -> Result<()> {
    super::order_ref(body, input, ("sn", 16), ("client_sn", 32))
}

fn digits(field: &str, v: Option<&str>) -> Result<()> {
    match v {
        Some(t) if !t.bytes().all(|b| b.is_ascii_digit()) => {
            Err(Error::input(field, format!("must be digits only (got {t:?})")))
        }
        _ => Ok(()),
    }
}

/// longitude and latitude: both or neither.
fn location(input: &Input) -> Result<(Option<&str>, Option<&str>)> {
    let lon = optional("longitude", &input.longitude, 32)?;
    let lat = optional("latitude", &input.latitude, 32)?;
    match (lon, lat) {
        (Some(_), None) => Err(Error::input(
            "latitude",
            "is required when longitude is given (both or neither)",
        )),
        (None, Some(_)) => Err(Error::input(
            "longitude",
            "is required when latitude is given (both or neither)",
        )),
        _ => Ok((lon, lat)),
    }
}

/// Fields shared by pay and precreate.
fn order_fields(body: &mut Map<String, Value>, input: &Input) -> Result<()> {
    put(
        body,
        "client_sn",
        Some(required("merchantOrderNo", &input.merchant_order_no, 32)?),
    );
    let amount = money::amount_from_input("amount", input.amount.as_ref(), MAX_AMOUNT)?;
    body.insert("total_amount".into(), Value::String(amount.to_string()));
    put(body, "subject", Some(required("subject", &input.subject, 64)?));
    put(body, "operator", Some(required("operator", &input.operator, 32)?));
    put(body, "description", optional("description", &input.description, 256)?);
    let (lon, lat) = location(input)?;
    put(body, "longitude", lon);
    put(body, "latitude", lat);
    put(body, "device_id", optional("deviceId", &input.device_id, 32)?);
    put(body, "reflect", optional("reflect", &input.reflect, 64)?);
    put(body, "notify_url", optional("notifyUrl", &input.notify_url, 256)?);
    Ok(())
}

impl Shouqianba {
    fn request_body(&self, op: Operation, input: &Input) -> Result<(&'static str, Map<String, Value>, String, String)> {
        let mut b = Map::new();
        if op == Operation::Activate {
            let vendor_sn = required("vendorSn", &input.vendor_sn, 32)?.to_string();
            let vendor_key = match &input.vendor_key {
                Some(k) if !k.0.is_empty() => k.0.clone(),
                _ => return Err(Error::input("vendorKey", "is required")),
            };
            put_required(&mut b, "app_id", "appId", &input.app_id, 32)?;
            match &input.code {
                Some(c) if !c.0.is_empty() && c.0.len() <= 32 => put(&mut b, "code", Some(&c.0)),
                _ => {
                    return Err(Error::input(
                        "code",
                        "is required (the activation code, at most 32 characters)",
                    ))
                }
            }
            put_required(&mut b, "device_id", "deviceId", &input.device_id, 128)?;
            put(
                &mut b,
                "client_sn",
                optional("merchantOrderNo", &input.merchant_order_no, 32)?,
            );
            put(&mut b, "name", optional("name", &input.name, 64)?);
            put(&mut b, "os_info", optional("osInfo", &input.os_info, 64)?);
            put(&mut b, "sdk_version", optional("sdkVersion", &input.sdk_version, 32)?);
            merge_extra(&mut b, &input.extra)?;
            return Ok(("/terminal/activate", b, vendor_sn, vendor_key));
        }
        let (sn, key) = self.terminal()?;
        put(&mut b, "terminal_sn", Some(sn));
        let path = match op {
            Operation::Activate => "/terminal/activate",
            Operation::Checkin => {
                put_required(&mut b, "device_id", "deviceId", &input.device_id, 128)?;
                put(&mut b, "os_info", optional("osInfo", &input.os_info, 64)?);
                put(&mut b, "sdk_version", optional("sdkVersion", &input.sdk_version, 32)?);
                "/terminal/checkin"
            }
            Operation::Pay => {
                order_fields(&mut b, input)?;
                put_required(&mut b, "dynamic_id", "authCode", &input.auth_code, 32)?;
                let payway = optional("payway", &input.payway, 3)?;
                digits("payway", payway)?;
                put(&mut b, "payway", payway);
                "/upay/v2/pay"
            }
            Operation::Precreate => {
                order_fields(&mut b, input)?;
                let order = wallet_order(input)?;
                put(&mut b, "payway", Some(&order.payway));
                // A QR order is the gateway's default (precreate.md: sub_payway N): sub_payway is sent for
                // it only when the kind was asked for (kind or subPayway), so a request naming neither is
                // the bytes it always was.
                let asked = order.kind != OrderKind::Qr || text(&input.kind).is_some() || text(&input.sub_payway).is_some();
                put(&mut b, "sub_payway", Some(order.sub_payway).filter(|_| asked));
                put(&mut b, "payer_uid", wallet::payer(input, order.kind, 64)?);
                // The kind is this table's to say: `extra` must not turn the order into another kind.
                for owned in ["sub_payway", "payer_uid"] {
                    if input.extra.as_ref().is_some_and(|e| e.contains_key(owned)) {
                        return Err(Error::input(
                            &format!("extra.{owned}"),
                            "is set from kind, channel and payerId; set it there",
                        ));
                    }
                }
                "/upay/v2/precreate"
            }
            Operation::Query => {
                order_ref(&mut b, input)?;
                put(&mut b, "refund_request_no", optional("refundNo", &input.refund_no, 20)?);
                "/upay/v2/query"
            }
            Operation::Refund => {
                order_ref(&mut b, input)?;
                put_required(&mut b, "refund_request_no", "refundNo", &input.refund_no, 20)?;
                let amount = money::amount_from_input("amount", input.amount.as_ref(), MAX_AMOUNT)?;
                b.insert("refund_amount".into(), Value::String(amount.to_string()));
                put_required(&mut b, "operator", "operator", &input.operator, 32)?;
                "/upay/v2/refund"
            }
            Operation::Cancel => {
                order_ref(&mut b, input)?;
                "/upay/v2/cancel"
            }
            Operation::Revoke => {
                order_ref(&mut b, input)?;
                "/upay/v2/revoke"
            }
            Operation::Close | Operation::RefundQuery => {
                return Err(Error::unsupported("Shouqianba has no close or refundQuery: use cancel, and query with refundNo",
                ))
            }
        };
        merge_extra(&mut b, &input.extra)?;
        Ok((path, b, sn.to_string(), key.to_string()))
    }
}

// ---------------------------------------------------------------- status tables

/// `data.order_status` → (state, final). Seed 004 appendix 3 and the protocol notes; anything else is UNKNOWN.
const ORDER_STATES: &super::OrderStates = &[
    ("CREATED", OrderState::Pending, false), // created / paying
    ("PAID", OrderState::Success, true), // paid
    ("PAY_CANCELED", OrderState::Failed, true), // pay failed and reversed
    ("PAY_ERROR", OrderState::Unknown, false), // pay failed, reversal uncertain
    ("REFUNDED", OrderState::Refunded, true), // fully refunded
    ("PARTIAL_REFUNDED", OrderState::PartiallyRefunded, true), // partly refunded
    ("REFUND_ERROR", OrderState::Unknown, false), // refund uncertain
    ("CANCELED", OrderState::Closed, true), // cancelled or revoked (reversed)
    ("CANCEL_ERROR", OrderState::Unknown, false), // cancel uncertain
    ("CANCEL_INPROGRESS", OrderState::Pending, false), // cancelling
    ("INVALID_STATUS_CODE", OrderState::Unknown, false), // invalid
];

/// `biz_response.result_code` → outcome, only for the operation that can answer it.
/// Seed 004 appendix 2; a code from another operation, or an unlisted one, is `None` (→ UNKNOWN).
/// A taken order number (CLIENT_SN_CONFLICT, TRADE_HAS_SUCCESS) comes as "FAIL": `biz_error` names it
/// DUPLICATE_ORDER, which the shared rule turns into UNKNOWN + POLL (an earlier pay may hold the money).
fn biz_outcome(op: Operation, code: &str) -> Option<Outcome> {
    use Operation as O;
    use Outcome::*;
    Some(match (op, code) {
        (_, "FAIL") => Failed, // call failed, nothing changed
        (O::Pay, "PAY_SUCCESS") => Succeeded,
        (O::Pay, "PAY_FAIL") => Failed, // failed and already reversed
        (O::Pay, "PAY_IN_PROGRESS") => InProgress,
        (O::Pay, "PAY_FAIL_ERROR" | "PAY_FAIL_IN_PROGRESS") => Unknown,
        (O::Precreate, "PRECREATE_SUCCESS") => Succeeded, // order created; wait for the buyer
        (O::Precreate, "PRECREATE_FAIL") => Failed,
        (O::Precreate, "PRECREATE_FAIL_ERROR" | "PRECREATE_FAIL_IN_PROGRESS") => Unknown,
        (O::Refund, "REFUND_SUCCESS") => Succeeded,
        (O::Refund, "REFUND_FAIL") => Failed,
        (O::Refund, "REFUND_IN_PROGRESS") => InProgress,
        (O::Refund, "REFUND_ERROR") => Unknown,
        (O::Cancel | O::Revoke, "CANCEL_SUCCESS" | "CANCEL_ABORT_SUCCESS") => Succeeded,
        (O::Cancel | O::Revoke, "CANCEL_IN_PROGRESS") => InProgress,
        (O::Cancel | O::Revoke, "CANCEL_ERROR" | "CANCEL_ABORT_ERROR" | "CANCEL_ABORT_IN_PROGRESS") => Unknown,
        (O::Query, "SUCCESS") => Succeeded, // read data.order_status
        _ => return None,
    })
}

/// The uncertain answers seed 004 documents as needing a person (manual intervention), not a query:
/// the pipeline says CONTACT_SUPPORT for them. PRECREATE_FAIL_ERROR/IN_PROGRESS are polled.
fn needs_a_person(code: &str) -> bool {
    matches!(
        code,
        "PAY_FAIL_ERROR"
            | "PAY_FAIL_IN_PROGRESS"
            | "REFUND_ERROR"
            | "CANCEL_ERROR"
            | "CANCEL_ABORT_ERROR"
            | "CANCEL_ABORT_IN_PROGRESS"
    )
}

/// `biz_response.error_code` → taxonomy. Seed 004 appendix 5.
fn biz_error(code: &str) -> ErrorCode {
    match code {
        "AUTHCODE_EXPIRE" | "INVALID_BARCODE" | "EXPIRED_BARCODE" => ErrorCode::BarcodeInvalid,
        "INSUFFICIENT_FUND" | "SELLER_BALANCE_NOT_ENOUGH" => ErrorCode::InsufficientFunds,
        "BUYER_OVER_DAILY_LIMIT" | "BUYER_OVER_TRANSACTION_LIMIT" | "SELLER_OVER_DAILY_LIMIT" => {
            ErrorCode::LimitExceeded
        }
        "TRADE_NOT_EXIST" | "UPAY_ORDER_NOT_EXISTS" | "UPAY_ORDER_NOT_EXIST" => ErrorCode::OrderNotFound,
        "CLIENT_SN_CONFLICT" | "TRADE_HAS_SUCCESS" => ErrorCode::DuplicateOrder,
        // "重复的退款请求": this refund_request_no was used before (with other values); that refund may
        // stand, so it is never FAILED (a second refund under a new number could pay out twice).
        "REFUND_REQUEST_CONFLICT" => ErrorCode::DuplicateOrder,
        "REFUND_AMT_NOT_EQUAL_TOTAL" => ErrorCode::RefundConflict,
        "UPAY_REFUND_INVALID_ORDER_STATE" | "UPAY_CANCEL_INVALID_ORDER_STATE" => ErrorCode::InvalidOrderState,
        // TRADE_FAILED, UNEXPECTED_PROVIDER_ERROR and anything unlisted.
        _ => ErrorCode::ProviderError,
    }
}

/// Top-level `error_code` when `result_code` is "400": the request was refused before it was processed.
/// Seed 004 appendix 1 plus the spellings in its examples. `None` = unlisted (→ UNKNOWN).
fn transport_error_400(code: &str) -> Option<ErrorCode> {
    match code {
        "INVALID_PARAMS" | "INVALID_PARAMETER" => Some(ErrorCode::InvalidRequest),
        "INVALID_TERMINAL" | "TERMINAL_NOT_EXISTS" | "ILLEGAL_SIGN" => Some(ErrorCode::AuthFailed),
        "INVALID_BARCODE" => Some(ErrorCode::BarcodeInvalid),
        _ => None,
    }
}

/// `data.status`, the last transaction (流水), for one refund asked about by refund_request_no.
const REFUND_STATES: &super::RefundStates = &[
    ("SUCCESS", RefundState::Success),
    ("FAIL_CANCELED", RefundState::Failed),
    ("IN_PROG", RefundState::Pending),
    ("CREATED", RefundState::Pending),
    // Unknown: FAIL_PROTOCOL_*, FAIL_IO_*, FAIL_ERROR, REFUND_ERROR, unlisted
];

fn channel(payway: Option<&str>) -> Option<Channel> {
    payway.map(|p| match wallet_of(p) {
        Some("ALIPAY") => Channel::Alipay,
        Some("WECHAT") => Channel::Wechat,
        Some("UNIONPAY") => Channel::Unionpay,
        _ => Channel::Other,
    })
}

// ---------------------------------------------------------------- responses

/// Secrets the gateway sends back (activate and check-in answer with a terminal key), kept out of `raw`.
const SECRET_FIELDS: &[&str] = &["terminal_key", "vendor_key"];

/// Who funded a payment_list entry: the buyer (paid) or a discount (the rest of the total).
#[derive(Clone, Copy, PartialEq)]
enum Funds {
    Buyer,
    Discount,
}

/// payment_list `type` → who funded it. Source: WoSai/shouqianba-doc zh-cn/api/interface/precreate.md
/// "payment_list参数说明" (the same list in en/api/transaction/pay.md "Details of payment_list").
/// Left out, so never guessed: ALIPAY_POINT (支付宝 集分宝, Alipay points — Alipay counts them apart
/// from what the buyer paid and from discounts) and any type the list does not name.
const PAYMENT_TYPES: &[(&str, Funds)] = &[
    ("HONGBAO_WOSAI", Funds::Discount),               // 喔噻红包
    ("HONGBAO_WOSAI_MCH", Funds::Discount),           // 喔噻商户红包 免充值
    ("DISCOUNT_WOSAI", Funds::Discount),              // 喔噻立减
    ("DISCOUNT_WOSAI_MCH", Funds::Discount),          // 喔噻商户立减 免充值
    ("DISCOUNT_CHANNEL", Funds::Discount),            // 支付通道 折扣(立减优惠)
    ("DISCOUNT_CHANNEL_MCH", Funds::Discount),        // 折扣(立减优惠) 支付通道商户 免充值
    ("DISCOUNT_CHANNEL_MCH_TOP_UP", Funds::Discount), // 折扣(立减优惠) 支付通道商户 充值
    ("HONGBAO_CHANNEL", Funds::Discount),             // 支付通道红包
    ("HONGBAO_CHANNEL_MCH", Funds::Discount),         // 支付通道商户红包 免充值
    ("HONGBAO_CHANNEL_MCH_TOP_UP", Funds::Discount),  // 支付通道商户红包 充值
    ("CARD_PRE", Funds::Buyer),                       // 支付通道商户预付卡 (the buyer's prepaid card)
    ("CARD_BALANCE", Funds::Buyer),                   // 支付通道商户储值卡 (the buyer's stored value)
    ("BANKCARD_CREDIT", Funds::Buyer),                // 信用卡 银行卡
    ("BANKCARD_DEBIT", Funds::Buyer),                 // 储蓄卡 银行卡
    ("WALLET_ALIPAY", Funds::Buyer),                  // 余额 支付宝钱包
    ("WALLET_ALIPAY_FINANCE", Funds::Buyer),          // 余额 余额宝
    ("WALLET_WEIXIN", Funds::Buyer),                  // 余额 微信钱包
    ("ALIPAY_HUABEI", Funds::Buyer),                  // 支付宝 花呗
];

/// (paid by the buyer, discounts) from payment_list, each entry `{type, amount_total}` in fen. `None`
/// when any entry is not a listed type or not fen digits: the split is then not said, never guessed.
fn funding(list: &Value) -> Option<(i64, i64)> {
    let mut sums = (0i64, 0i64);
    for entry in list.as_array()? {
        let kind = entry.get("type").and_then(Value::as_str)?;
        let funds = PAYMENT_TYPES.iter().find(|(t, _)| *t == kind).map(|(_, f)| *f)?;
        let amount = entry
            .get("amount_total")
            .and_then(Value::as_str)
            .and_then(money::parse_fen_digits)?;
        let sum = if funds == Funds::Buyer { &mut sums.0 } else { &mut sums.1 };
        *sum = sum.checked_add(amount)?;
    }
    Some(sums)
}

fn to_order(d: &OrderData) -> Result<Order> {
    let (state, is_final) = order_state(ORDER_STATES, d.order_status.as_deref());
    let total = money::fen_field("total_amount", &d.total_amount)?;
    let net = money::fen_field("net_amount", &d.net_amount)?;
    let (paid, refunded, discount) = match state {
        s if s.was_paid() => {
            let refunded = total.zip(net).map(|(t, n)| (t - n).max(0));
            // No payment_list: the buyer paid the total. A list: what it says, when it can be read.
            match &d.payment_list {
                None => (total, refunded, None),
                Some(list) => match funding(list).filter(|(p, dsc)| total == p.checked_add(*dsc)) {
                    Some((p, dsc)) => (Some(p), refunded, Some(dsc)),
                    None => (None, refunded, None),
                },
            }
        }
        OrderState::Pending | OrderState::Failed | OrderState::Closed => (Some(0), Some(0), None),
        _ => (None, None, None),
    };
    let time = |v: &Option<String>| v.as_deref().and_then(money::parse_fen_digits);
    let paid_at = if d.order_status.as_deref() == Some("PAID") {
        time(&d.channel_finish_time).or(time(&d.finish_time))
    } else {
        None
    };
    let numbers = [d.client_sn.as_deref(), d.sn.as_deref(), d.trade_no.as_deref()];
    Ok(Order {
        amounts: Amounts { total, paid, refunded, net, discount, ..Amounts::default() },
        paid_at,
        qr_code: d.qr_code.clone(),
        provider_state: d.order_status.clone(),
        ..Order::named(state, is_final, numbers, channel(d.payway.as_deref()))
    })
}

/// The envelope: `result_code` "200" carries `biz_response`; "400" is a refusal before anything was
/// processed (FAILED when its error_code is listed, else UNKNOWN); "500" and anything else is UNKNOWN.
/// `Ok(Err(e))` is a listed refusal.
fn open(body: Value) -> Result<std::result::Result<BizResponse, Error>> {
    let readable = super::objects_at(&body, &[&["biz_response"], &["biz_response", "data"]]);
    let env: Envelope = match super::read(&body) {
        Ok(e) if readable => e,
        _ => return Err(Error::malformed("response is not the Shouqianba JSON envelope")),
    };
    let (pc, pm) = (env.error_code.as_deref(), env.error_message.as_deref());
    match env.result_code.as_deref() {
        Some("200") => env
            .biz_response
            .map(Ok)
            .ok_or_else(|| Error::malformed("biz_response is missing")),
        Some("400") => match pc.and_then(transport_error_400) {
            Some(code) => Ok(Err(Error::provider(code, pc, pm))),
            None => Err(Error::provider(ErrorCode::ProviderError, pc, pm)),
        },
        Some("500") => {
            let code = if pc == Some("MAINTENANCE_INPROGRESS") {
                ErrorCode::ProviderUnavailable
            } else {
                ErrorCode::ProviderError
            };
            Err(Error::provider(code, pc, pm))
        }
        other => Err(Error::provider(
            ErrorCode::MalformedResponse,
            other,
            Some("unexpected result_code"),
        )),
    }
}

impl Shouqianba {
    /// Activate and check-in answer a terminal: the new key replaces the old one at once (check-in
    /// rotates it daily), so the next request is signed with it.
    fn read_terminal(&mut self, op: Operation, biz: BizResponse) -> Result<Reply> {
        match (biz.result_code.as_deref(), biz.terminal_sn, biz.terminal_key) {
            (Some("FAIL"), _, _) => Ok(Reply::failed(Error::provider(
                ErrorCode::AuthFailed,
                biz.error_code.as_deref(),
                biz.error_message.as_deref(),
            ))),
            (None | Some("SUCCESS"), Some(sn), Some(key)) if !sn.is_empty() && !key.0.is_empty() => {
                let mut reply = Reply::new(Outcome::Succeeded);
                reply.credentials = Some(TerminalCredentials {
                    terminal_sn: sn.clone(),
                    terminal_key: key.0.clone(),
                });
                self.terminal = Some((sn, key));
                Ok(reply)
            }
            _ => Err(Error::malformed(format!(
                "no terminal_sn/terminal_key in the {} answer",
                if op == Operation::Activate {
                    "activate"
                } else {
                    "check-in"
                }
            ))),
        }
    }
}

/// One order operation's answer: its result code through `biz_outcome`, `data` as the order, and for a
/// refund (or a query naming one by refundNo) the refund.
fn read_order(op: Operation, biz: BizResponse, input: Option<&Input>) -> Result<Reply> {
    let code = biz.result_code.as_deref().unwrap_or("");
    let Some(outcome) = biz_outcome(op, code) else {
        return Err(Error::provider(
            ErrorCode::ProviderError,
            Some(code),
            Some("result_code not expected for this operation"),
        ));
    };
    let order = biz.data.as_ref().map(to_order).transpose()?;
    let error = match outcome {
        Outcome::Failed => Some(Error::provider(
            biz_error(biz.error_code.as_deref().unwrap_or("")),
            biz.error_code.as_deref(),
            biz.error_message.as_deref(),
        )),
        Outcome::Unknown => Some(Error::provider(
            ErrorCode::ProviderError,
            Some(code),
            biz.error_message.as_deref(),
        )),
        _ => None,
    };
    let data = biz.data.unwrap_or_default();
    // settlement_amount is the amount of this operation: the refund's, on a refund or a refund query.
    let settled = money::fen_field("settlement_amount", &data.settlement_amount)?;
    let refund_no = input.and_then(|i| i.refund_no.clone());
    let refund = if op == Operation::Refund {
        let state = match outcome {
            Outcome::Succeeded => RefundState::Success,
            Outcome::Failed => RefundState::Failed,
            Outcome::InProgress => RefundState::Pending,
            Outcome::Unknown => RefundState::Unknown,
        };
        let asked = input.and_then(|i| i.amount.as_ref()).and_then(Value::as_i64);
        Some(Refund {
            refund_no,
            provider_refund_no: None,
            amount: settled.or(asked),
            state,
            provider_state: data.status.clone(),
        })
    } else if op == Operation::Query && outcome == Outcome::Succeeded && refund_no.is_some() {
        Some(Refund {
            refund_no,
            provider_refund_no: None,
            amount: settled,
            state: refund_state(REFUND_STATES, data.status.as_deref()),
            provider_state: data.status.clone(),
        })
    } else {
        None
    };
    let reply = Reply::new(outcome)
        .with_error(error)
        .with_order(order)
        .with_refund(refund);
    let reply = if op == Operation::Precreate && outcome == Outcome::Succeeded {
        with_pay_params(reply, &data, input)
    } else {
        reply
    };
    Ok(if needs_a_person(code) { reply.escalated() } else { reply })
}

/// What the WAP cashier appends to return_url (wap2.md 页面同步跳转参数说明), `sign` included.
const RETURN_FIELDS: &[&str] = &[
    "is_success",
    "error_code",
    "error_message",
    "terminal_sn",
    "sn",
    "trade_no",
    "client_sn",
    "status",
    "result_code",
    "result_message",
    "total_amount",
    "subject",
    "operator",
    "reflect",
    "sign",
];

/// A return URL is a URL: a few kilobytes at most.
const MAX_RETURN_BYTES: usize = 8 * 1024;

/// The query of a return URL (or the query itself), decoded; a field named twice is refused (which one
/// was signed could not be told), and so is one without `sign`.
fn return_params(url_or_query: &str) -> Result<BTreeMap<String, String>> {
    let t = url_or_query.trim();
    let query = match t.strip_prefix('?') {
        Some(q) => q,
        None if t.contains("://") || t.starts_with('/') => t.split_once('?').map_or("", |(_, q)| q),
        None => t,
    };
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    let pairs = http::parse_form(query.as_bytes(), 64, Some("sign")).map_err(|e| match e {
        http::FormError::Missing => Error::notification("MISSING_SIGNATURE", "the return URL carries no sign"),
        _ => Error::notification("MALFORMED", "the return URL's query is not readable form encoding"),
    })?;
    let mut params = BTreeMap::new();
    for (k, v) in pairs {
        if params.contains_key(&k) {
            return Err(Error::notification("MALFORMED", format!("the return URL names {k:?} twice")));
        }
        params.insert(k, v);
    }
    Ok(params)
}

// ---------------------------------------------------------------- registry

pub const PROVIDER: Provider = Provider("shouqianba");

pub const FLOW: super::Flows = super::Flows {
    // Seed 004 / protocol notes: pay — query every 3–5 s for 40–50 s; QR — every 2 s for 30 s,
    // then every 5 s up to about 240 s. cancel reverses either.
    barcode: (45_000, &[(45_000, 4_000)], Operation::Cancel),
    qr: (240_000, &[(30_000, 2_000), (240_000, 5_000)], Operation::Cancel),
};

// ---------------------------------------------------------------- the gateway

/// The input fields each operation reads, besides `pipeline::PORTABLE` (subject, operator, description
/// and notifyUrl are sent where the operation has a place for them).
fn fields(op: Operation) -> Option<&'static [&'static str]> {
    use Operation as O;
    Some(match op {
        O::Activate => &[
            "vendorSn",
            "vendorKey",
            "appId",
            "code",
            "deviceId",
            "merchantOrderNo",
            "name",
            "osInfo",
            "sdkVersion",
        ],
        O::Checkin => &["deviceId", "osInfo", "sdkVersion"],
        O::Pay => &[
            "merchantOrderNo",
            "amount",
            "authCode",
            "payway",
            "longitude",
            "latitude",
            "deviceId",
            "reflect",
        ],
        // No subAppId: precreate has no field for one (precreate.md); the mini-program or official
        // account is bound to the merchant when Shouqianba onboards it (wap2.md 接入须知).
        O::Precreate => &[
            "merchantOrderNo",
            "amount",
            "kind",
            "channel",
            "payway",
            "subPayway",
            "payerId",
            "longitude",
            "latitude",
            "deviceId",
            "reflect",
        ],
        O::Query => &["merchantOrderNo", "providerOrderNo", "refundNo"],
        O::Refund => &["merchantOrderNo", "providerOrderNo", "refundNo", "amount"],
        O::Cancel | O::Revoke => &["merchantOrderNo", "providerOrderNo"],
        O::Close | O::RefundQuery => return None,
    })
}

impl Gateway for Shouqianba {
    fn build(&self, op: Operation, input: &Input, _ctx: &Ctx) -> Result<Prepared> {
        let (path, body, sn, key) = self.request_body(op, input)?;
        let body = Value::Object(body).to_string();
        let mut headers = BTreeMap::new();
        headers.insert("authorization".to_string(), authorization(&sn, &key, &body));
        headers.insert("content-type".to_string(), "application/json".to_string());
        Ok(Prepared::ready(HttpRequest {
            method: "POST".into(),
            url: format!("{}{}", self.base_url, path),
            headers,
            body,
        }))
    }

    fn fields(&self, op: Operation) -> Option<&'static [&'static str]> {
        fields(op)
    }

    /// Answers are not signed (MD5 signs requests only); the terminal key activate and check-in send
    /// back is kept out of `raw`.
    fn decode(&self, _op: Operation, response: &HttpResponse, _ctx: &Ctx) -> Decoded {
        decode_json(&response.body, SECRET_FIELDS)
    }

    fn read(&mut self, op: Operation, body: Value, input: Option<&Input>, _ctx: &Ctx) -> Result<Reply> {
        let biz = match open(body)? {
            Ok(biz) => biz,
            Err(refused) => return Ok(Reply::failed(refused)),
        };
        if matches!(op, Operation::Activate | Operation::Checkin) {
            self.read_terminal(op, biz)
        } else {
            read_order(op, biz, input)
        }
    }

    /// SHA256withRSA over the raw body with Shouqianba's public key (`notice_signed`).
    fn verify_notification(&self, headers: &BTreeMap<String, String>, body: &[u8], ctx: &Ctx) -> Result<Notification> {
        let key = self.notify_key.as_ref().ok_or_else(|| {
            Error::config(
                "credentials.notifyPublicKey",
                "is required to verify notifications (Shouqianba's RSA public key)",
            )
        })?;
        let our_sn = match &self.terminal {
            Some((sn, _)) => sn.as_str(),
            None => {
                return Err(Error::config(
                    "credentials.terminalSn",
                    "is required to verify notifications: Shouqianba signs every merchant's notifications with one key, and only the terminal_sn in the notice tells whether it is this terminal's",
                ))
            }
        };
        if !http::header(headers, "authorization").is_some_and(|a| !a.trim().is_empty()) {
            return Err(Error::notification(
                "MISSING_SIGNATURE",
                "the notification has no Authorization header carrying a signature",
            ));
        }
        let valid = self
            .notice_signed(headers, body)
            .is_some_and(|s| ctx.verifier.passes(&s, key));
        if !valid {
            return Err(Error::notification(
                "BAD_SIGNATURE",
                "the signature does not match the body: pass the raw request body exactly as received (not re-serialized JSON) and check notifyPublicKey",
            ));
        }
        let (notice, raw) = parse_json(body, SECRET_FIELDS)
            .ok_or_else(|| Error::notification("MALFORMED", "the signed body is not JSON"))?;
        let data: OrderData = super::read(&notice)
            .map_err(|_| Error::notification("MALFORMED", "the signed body is not a Shouqianba order"))?;
        let order = to_order(&data).map_err(|e| Error::notification("MALFORMED", e.message))?;
        // One platform key signs every merchant's notifications: a genuine notice for another terminal
        // (a fraudster's 0.01 yuan order under our order number) is valid but not ours.
        if data.terminal_sn.as_deref() != Some(our_sn) {
            return Err(Error::notification(
                "WRONG_MERCHANT",
                "the notification's terminal_sn is missing or is not this client's credentials.terminalSn: Shouqianba signs every merchant's notifications with one key, so only terminal_sn says whose it is",
            ));
        }
        Ok(Notification {
            verified: true,
            refund: None,
            order,
            ack: Ack::text("success"),
            raw,
        })
    }

    /// The header holds the Base64 signature, or `"<sn> <signature>"` (sources disagree): the whole
    /// value, else its last word — whichever has the key's length (at most one can: the last word is
    /// shorter than the whole), so one signature is checked, by whichever verifier the host chose.
    fn notice_signed(&self, headers: &BTreeMap<String, String>, body: &[u8]) -> Option<Signed> {
        let key = self.notify_key.as_ref()?;
        let auth = http::header(headers, "authorization").map(str::trim)?;
        [Some(auth), auth.rsplit_once(' ').map(|(_, sig)| sig)]
            .into_iter()
            .flatten()
            .find_map(|c| Signed::new(body.to_vec(), crypto::base64_decode(c)?, KeyUse::Notify, key))
    }

    fn public_key(&self, key: KeyUse) -> Option<&PublicKey> {
        match key {
            KeyUse::Notify => self.notify_key.as_ref(),
            KeyUse::Platform => None,
        }
    }

    fn wap_pay_url(&self, input: &Input) -> Result<String> {
        let (sn, key) = self.terminal()?;
        let mut p = BTreeMap::new();
        let mut set = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                p.insert(k.to_string(), v.to_string());
            }
        };
        set("terminal_sn", Some(sn));
        set(
            "client_sn",
            Some(required("merchantOrderNo", &input.merchant_order_no, 32)?),
        );
        let amount = money::amount_from_input("amount", input.amount.as_ref(), MAX_AMOUNT)?.to_string();
        set("total_amount", Some(&amount));
        set("subject", Some(required("subject", &input.subject, 64)?));
        set("operator", Some(required("operator", &input.operator, 32)?));
        set("return_url", Some(required("returnUrl", &input.return_url, 256)?));
        let payway = optional("payway", &input.payway, 3)?;
        digits("payway", payway)?;
        set("payway", payway);
        set("description", optional("description", &input.description, 256)?);
        let (lon, lat) = location(input)?;
        set("longitude", lon);
        set("latitude", lat);
        set("reflect", optional("reflect", &input.reflect, 64)?);
        set("notify_url", optional("notifyUrl", &input.notify_url, 256)?);
        for (k, v) in input.extra.iter().flatten() {
            if k == "sign" || k == "sign_type" {
                return Err(Error::input(
                    &format!("extra.{k}"),
                    "is set by the library; it cannot be given",
                ));
            }
            let text = match v {
                Value::String(t) => t.clone(),
                other => other.to_string(),
            };
            if p.insert(k.clone(), text).is_some() {
                return Err(Error::input(
                    &format!("extra.{k}"),
                    "is already set from a named input field; set it there",
                ));
            }
        }
        let (_, sign) = wap_sign(&p, key);
        let query: Vec<String> = p
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{}={}", http::url_encode(k), http::url_encode(v)))
            .collect();
        Ok(format!("{}?{}&sign={}", self.wap_base_url, query.join("&"), sign))
    }
    /// wap2.md "页面同步跳转参数说明": the cashier appends is_success, terminal_sn, sn, trade_no,
    /// client_sn, status, total_amount, subject, operator, reflect (and error fields) to return_url,
    /// with `sign` by its 《签名规则》 — the request's rule (`wap_sign`), keyed with the terminal key.
    fn verify_return(&self, url_or_query: &str) -> Result<(Order, Value)> {
        let (sn, key) = self.terminal()?;
        if url_or_query.len() > MAX_RETURN_BYTES {
            return Err(Error::notification(
                "TOO_LARGE",
                format!("the return URL has {} bytes; at most {MAX_RETURN_BYTES} are read", url_or_query.len()),
            ));
        }
        let all = return_params(url_or_query)?;
        // The signing rule joins decoded k=v pairs with & unescaped, so one signed string can be read as other
        // parameters. A cashier link this library signed (same key, same rule) always carries a return_url
        // piece: a return naming return_url, or hiding a "&k=v" piece inside a key or value, could be such a
        // link re-read as a return, and is refused.
        let hides = |t: &str| t.split('&').skip(1).any(|piece| piece.contains('='));
        if let Some((k, _)) = all.iter().find(|(k, v)| *k == "return_url" || k.contains(['&', '=']) || hides(v)) {
            return Err(Error::notification(
                "MALFORMED",
                format!("the return URL's {k:?} could make a signed pay link read as a return; refused"),
            ));
        }
        let given = all.get("sign").cloned().unwrap_or_default();
        // Signed: every parameter, or (wap2.md does not say whether your return_url's own query is
        // signed) the documented ones alone — the order is read from those, so either covers it.
        let documented: BTreeMap<String, String> = all
            .iter()
            .filter(|(k, _)| RETURN_FIELDS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let signs = |p: &BTreeMap<String, String>| crypto::ct_eq_hex_ignore_case(&given, &wap_sign(p, key).1);
        let params = if signs(&all) {
            all
        } else if documented.len() < all.len() && signs(&documented) {
            documented
        } else {
            return Err(Error::notification(
                "BAD_SIGNATURE",
                "the return URL's sign does not match its parameters under this terminal's key",
            ));
        };
        if params.get("terminal_sn").map(String::as_str) != Some(sn) {
            return Err(Error::notification(
                "WRONG_MERCHANT",
                "the return URL's terminal_sn is missing or is not this client's credentials.terminalSn",
            ));
        }
        let get = |k: &str| params.get(k).filter(|v| !v.is_empty()).cloned();
        // Only the page's word: SUCCESS is read as paid but never final; anything else (a FAIL is often
        // the buyer closing the page) says nothing about the money: UNKNOWN, query the order.
        let status = get("status");
        let state = if status.as_deref() == Some("SUCCESS") && get("is_success").as_deref() == Some("T") {
            OrderState::Success
        } else {
            OrderState::Unknown
        };
        let total = money::fen_field("total_amount", &get("total_amount"))
            .map_err(|e| Error::notification("MALFORMED", e.message))?;
        let (client_sn, provider_sn, trade_no) = (get("client_sn"), get("sn"), get("trade_no"));
        let numbers = [client_sn.as_deref(), provider_sn.as_deref(), trade_no.as_deref()];
        let order = Order {
            amounts: Amounts { total, ..Amounts::default() },
            provider_state: status,
            ..Order::named(state, false, numbers, channel(get("payway").as_deref()))
        };
        let raw = Value::Object(params.into_iter().map(|(k, v)| (k, Value::String(v))).collect());
        Ok((order, raw))
    }
}

#[cfg(test)]
pub(crate) mod tests;
