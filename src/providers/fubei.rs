//! Fubei (付呗) open API: the 1.0 merchant API (`openapi.payment.order.*` at `/gateway`, the seed's) and
//! the 2.0 agent API (`fbpay.order.*` at `/gateway/agent`), chosen by `apiVersion` in the client config.
//! Spec: protocol notes `fubei.md`, seed 001 (`openapi.payment.order.query`), and Fubei's official SDKs
//! (`fubei-open/java-sdk`, `fubei-open/dotnet-sdk`, `fubei-open/dotnetcore-sdk`, `fubei-open/php-sdk`),
//! cited beside each wire type and table below.
//!
//! Money: Fubei speaks yuan as JSON numbers. Outbound, fen become exact decimal text (`980` → `9.80`)
//! written as a JSON number; inbound, the literal digits of the response text (serde_json's
//! `arbitrary_precision` keeps them) become fen digit by digit — never through a binary float.

use super::{base_url, merge_extra, optional, put, required, Ctx, Gateway, Input, Prepared, Secret};
use crate::crypto;
use crate::error::{Error, ErrorCode, Result};
use crate::http::{Ack, HttpRequest, HttpResponse};
use crate::model::*;
use crate::{money, time};
use serde::Deserialize;
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;

// ---------------------------------------------------------------- config and credentials

pub const DEFAULT_BASE_URL: &str = "https://shq-api.51fubei.com";
/// 1.0 merchant API path (Java SDK `OpenApiConstants.GATEWAY`).
const PATH_V1: &str = "/gateway";
/// 2.0 agent API path (.NET SDK `AgentApiAttribute`: `Path = "/gateway/agent"`).
const PATH_V2: &str = "/gateway/agent";
/// `total_fee` / `total_amount`: "订单总金额，单位为元，精确到0.01 ~ 10000000" (Java SDK `ParamOrderQrcode`),
/// so at most 10,000,000.00 yuan.
const MAX_AMOUNT: i64 = 1_000_000_000;
/// What Fubei expects as the reply to a notification (php-sdk `NotifyApi.php` echoes `success`; the
/// .NET demo returns `SUCCESS`): configurable with `notifyAck`.
const DEFAULT_ACK: &str = "success";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Config {
    #[allow(dead_code)]
    provider: String,
    base_url: Option<String>,
    api_version: Option<String>,
    notify_ack: Option<String>,
    #[serde(default)]
    credentials: Credentials,
}

/// `{appId, appSecret}` (1.0, or 2.0 at merchant level) or `{vendorSn, vendorSecret, merchantId}`
/// (2.0 at service-provider level). The .NET SDK (`AbsFubeiOpenApiInterceptor`) signs with the vendor
/// secret when a vendor_sn is set, else with the app secret.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Credentials {
    app_id: Option<String>,
    app_secret: Option<Secret>,
    vendor_sn: Option<String>,
    vendor_secret: Option<Secret>,
    /// Fubei's merchant number (an integer in every SDK); a JSON number or digit text.
    merchant_id: Option<Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    /// The 1.0 merchant open API (`openapi.payment.order.*`).
    V1,
    /// The 2.0 agent API (`fbpay.order.*`).
    V2,
}

#[derive(Debug)]
enum Identity {
    /// `app_id` in the envelope, signed with the app secret.
    App { app_id: String, secret: Secret },
    /// `vendor_sn` in the envelope, `merchant_id` in biz_content, signed with the vendor secret.
    Vendor {
        vendor_sn: String,
        secret: Secret,
        merchant_id: u64,
    },
}

#[derive(Debug)]
pub struct Fubei {
    base_url: String,
    version: ApiVersion,
    identity: Option<Identity>,
    ack: String,
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

fn present_secret(v: &Option<Secret>) -> Option<&Secret> {
    v.as_ref().filter(|s| !s.0.is_empty())
}

fn merchant_id(v: &Value) -> Result<u64> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    };
    let valid = !text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<u64>() {
        Ok(n) if valid && n > 0 => Ok(n),
        _ => Err(Error::config(
            "credentials.merchantId",
            "must be Fubei's merchant number, a positive integer",
        )),
    }
}

impl Fubei {
    pub fn new(config: Value) -> Result<Self> {
        let c: Config = serde_json::from_value(config).map_err(|e| super::bad_json("config", &e))?;
        let base = if c.base_url.is_some() {
            base_url("baseUrl", &c.base_url)?
        } else {
            DEFAULT_BASE_URL.to_string()
        };
        let version = match c.api_version.as_deref() {
            None | Some("1.0") => ApiVersion::V1,
            Some("2.0") => ApiVersion::V2,
            // The value is not echoed: a misplaced secret must not end up in an error.
            Some(_) => {
                return Err(Error::config(
                    "apiVersion",
                    "must be \"1.0\" (merchant API) or \"2.0\" (agent API)",
                ))
            }
        };
        let ack = match c.notify_ack {
            None => DEFAULT_ACK.to_string(),
            Some(a) if !a.is_empty() && a.len() <= 64 && !a.chars().any(char::is_control) => a,
            Some(_) => {
                return Err(Error::config(
                    "notifyAck",
                    "must be 1 to 64 characters without control characters, like \"success\"",
                ))
            }
        };
        let cr = &c.credentials;
        let app = cr.app_id.is_some() || cr.app_secret.is_some();
        let vendor = cr.vendor_sn.is_some() || cr.vendor_secret.is_some() || cr.merchant_id.is_some();
        let identity = match (app, vendor) {
            (false, false) => None,
            (true, true) => {
                return Err(Error::config(
                    "credentials",
                    "give either appId and appSecret, or vendorSn, vendorSecret and merchantId, not both",
                ))
            }
            (true, false) => match (present(&cr.app_id), present_secret(&cr.app_secret)) {
                (Some(id), Some(secret)) => Some(Identity::App {
                    app_id: id.to_string(),
                    secret: secret.clone(),
                }),
                _ => {
                    return Err(Error::config(
                        "credentials",
                        "appId and appSecret must be given together",
                    ))
                }
            },
            (false, true) => {
                let (Some(sn), Some(secret), Some(mid)) = (
                    present(&cr.vendor_sn),
                    present_secret(&cr.vendor_secret),
                    cr.merchant_id.as_ref(),
                ) else {
                    return Err(Error::config(
                        "credentials",
                        "vendorSn, vendorSecret and merchantId must be given together",
                    ));
                };
                if version != ApiVersion::V2 {
                    return Err(Error::config(
                        "apiVersion",
                        "must be \"2.0\" with service-provider credentials (vendorSn): the 1.0 API is merchant-level only",
                    ));
                }
                Some(Identity::Vendor {
                    vendor_sn: sn.to_string(),
                    secret: secret.clone(),
                    merchant_id: merchant_id(mid)?,
                })
            }
        };
        Ok(Fubei {
            base_url: base,
            version,
            identity,
            ack,
        })
    }

    pub fn api_version(&self) -> ApiVersion {
        self.version
    }

    fn identity(&self) -> Result<&Identity> {
        self.identity.as_ref().ok_or_else(|| {
            Error::config(
                "credentials",
                "are required: {appId, appSecret} or, with apiVersion \"2.0\", {vendorSn, vendorSecret, merchantId}",
            )
        })
    }

    fn secret(&self) -> Result<&str> {
        Ok(match self.identity()? {
            Identity::App { secret, .. } | Identity::Vendor { secret, .. } => secret.0.as_str(),
        })
    }
}

// ---------------------------------------------------------------- wire types (names as on the wire)

// The request envelope (Java SDK `foundation/model/RequestParam.java`; .NET SDK
// `Galileo.Lite/Model/ApiRequestParam.cs`): app_id | vendor_sn, method, format "json", sign_method "md5",
// nonce, version "1.0" (both generations: `ApiAttribute.Version = ApiConstants.Version10`), biz_content
// (a JSON string), sign. Built as a sorted map in `Fubei::envelope`.

/// The response envelope (Java SDK `FubeiOpenApiResponseBodyConverter`, `BizKeyConstants`):
/// `result_code` 200 = success, 400 = platform error with `sub_code`; `data` holds the answer.
#[derive(Deserialize)]
struct Envelope {
    /// An integer on the wire; digit text is accepted too.
    result_code: Option<Value>,
    result_message: Option<Value>,
    /// "平台方返回错误码" (seed 001): the payment platform's own code, passed through.
    sub_code: Option<Value>,
    /// An object (or, in notifications, a JSON string holding one).
    #[serde(default)]
    data: Value,
}

/// `data` of every order answer and notification, both generations. Values are `Value` because
/// the SDKs type them variously (int, string, BigDecimal) and Fubei sends both spellings.
/// Sources: 1.0 — Java SDK `biz/merchant/model/entity/PaymentQueryOrderModel`, `PaymentSwipeOrderModel`,
/// `PaymentScanOrderModel`, `PaymentCloseOrderModel`, `PaymentReverseOrderModel`, `PaymentRefundOrderModel`,
/// `PaymentQueryRefundOrderModel`, and seed 001; 2.0 — Java SDK `biz/agent/model/entity/OrderPayModel`,
/// .NET SDK `OpenApi.Vb/Biz/AgentApi/Model/Response/AOrderQueryResultEntity`, `AOrderClosureResultEntity`,
/// `ARefundOrderResultEntity`.
#[derive(Deserialize, Default)]
struct OrderData {
    /// 2.0: the Fubei merchant the order belongs to (a number). Vendor credentials sign for every
    /// merchant of the vendor, so this is what says whose an answer or notification is.
    merchant_id: Option<Value>,
    /// 2.0 pay notifications: "商户id 同merchant_id" (zhangming1994/fubei Go SDK `CallBackCommonData`).
    uid: Option<Value>,
    merchant_order_sn: Option<Value>,
    /// Fubei's order number.
    order_sn: Option<Value>,
    /// 1.0: the platform's (WeChat/Alipay) transaction number.
    platform_order_no: Option<Value>,
    /// 2.0: the channel's transaction number.
    channel_order_sn: Option<Value>,
    /// 1.0 order state.
    trade_state: Option<Value>,
    /// 2.0 order state.
    order_status: Option<Value>,
    /// 1.0 channel: 1 WeChat, 2 Alipay, 5 UnionPay.
    #[serde(rename = "type")]
    pay_channel: Option<Value>,
    /// 2.0 channel: wxpay, alipay, unionpay.
    pay_type: Option<Value>,
    /// 1.0 yuan: 实收金额 (received).
    total_fee: Option<Value>,
    /// 1.0 yuan: 订单金额 (order amount).
    order_price: Option<Value>,
    /// 1.0 yuan: 净收金额 = 实收金额 − 手续费.
    net_money: Option<Value>,
    /// 1.0 yuan: 商家折扣减的金额.
    discount_money: Option<Value>,
    /// Both, yuan: 手续费.
    fee: Option<Value>,
    /// Both, yuan: 买家实际支付的金额.
    buyer_pay_amount: Option<Value>,
    /// 2.0 yuan: 订单金额.
    total_amount: Option<Value>,
    /// 2.0 yuan: 实收金额.
    net_amount: Option<Value>,
    /// 1.0: epoch seconds.
    pay_time: Option<Value>,
    /// 2.0: yyyyMMddHHmmss, Beijing time.
    finish_time: Option<Value>,
    /// 1.0 scan / 2.0 precreate: the QR content.
    qr_code: Option<Value>,
    // Refund answers and notifications.
    merchant_refund_sn: Option<Value>,
    refund_sn: Option<Value>,
    refund_status: Option<Value>,
    /// 2.0 yuan.
    refund_amount: Option<Value>,
    /// 1.0 yuan.
    refund_money: Option<Value>,
}

/// A string-or-number field as text; `None` when absent, null or empty.
fn text(v: &Option<Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

// Yuan on the wire.

fn malformed(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::MalformedResponse, message)
}

/// Fen as a JSON number with exactly two decimals (`980` → `9.80`). The text is kept as written
/// (serde_json `arbitrary_precision`), as the SDKs' BigDecimal writes it.
pub fn yuan_number(fen: i64) -> Result<Value> {
    let text = money::fen_to_yuan(fen)?;
    text.parse::<Number>()
        .map(Value::Number)
        .map_err(|_| Error::input("amount", format!("could not be written as yuan (got {fen} fen)")))
}

/// Yuan text from a response to fen, with the digit rules of `money::yuan_to_fen`: plain digits, at most
/// two decimals, no sign, no exponent, at most `money::MAX_FEN`. Anything else is MALFORMED_RESPONSE.
pub fn yuan_text_to_fen(field: &str, text: &str) -> Result<i64> {
    if text.contains(['e', 'E']) {
        // Exponent notation is legal JSON but no Fubei source ever sends it; refuse rather than guess.
        return Err(malformed(format!(
            "{field} uses exponent notation (got {text}); Fubei amounts are plain yuan decimals"
        )));
    }
    money::yuan_to_fen(text).map_err(|_| {
        malformed(format!(
            "{field} is not a yuan amount with at most two decimals, not negative and not above {} fen (got {text:?})",
            money::MAX_FEN
        ))
    })
}

/// A yuan amount as Fubei sends it — a JSON number (read from its literal digits) or a string — to
/// fen. `None` when absent, null or an empty string.
pub fn yuan_value(field: &str, v: Option<&Value>) -> Result<Option<i64>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => yuan_text_to_fen(field, s).map(Some),
        Some(Value::Number(n)) => yuan_text_to_fen(field, &n.to_string()).map(Some),
        Some(_) => Err(malformed(format!("{field} is not a yuan amount"))),
    }
}

// ---------------------------------------------------------------- signing

/// Every parameter but `sign`, empty ones dropped, sorted by name, `name=value` joined with `&`, raw
/// values (Java SDK `SignUtil.baseString`; docs.51fubei.com/open-api/business/sign.html). The secret is
/// appended to this, without separator, before hashing.
pub fn string_to_sign(params: &BTreeMap<String, String>) -> String {
    let mut s = String::new();
    for (k, v) in params.iter().filter(|(k, v)| *k != "sign" && !v.is_empty()) {
        if !s.is_empty() {
            s.push('&');
        }
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s
}

/// `md5_hex_UPPERCASE(string_to_sign ++ secret)`.
pub fn sign(params: &BTreeMap<String, String>, secret: &str) -> String {
    let base = string_to_sign(params);
    crypto::md5_hex(&[base.as_bytes(), secret.as_bytes()]).to_ascii_uppercase()
}

/// The host's nonce: Fubei's SDKs send 16 (.NET) or 32 (Java) random letters and digits.
fn nonce(ctx: &Ctx) -> Result<&str> {
    let n = ctx.nonce.as_str();
    if (16..=32).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(n)
    } else {
        Err(Error::input(
            "nonce",
            format!(
                "must be 16 to 32 random ASCII letters or digits from the host (got {} characters)",
                n.chars().count()
            ),
        ))
    }
}

// ---------------------------------------------------------------- requests

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}
/// An id the SDKs type as Integer (store_id, cashier_id): digit text in, a JSON number out.
fn put_int(body: &mut Map<String, Value>, key: &str, field: &str, v: &Option<String>) -> Result<()> {
    if let Some(t) = optional(field, v, 10)? {
        let n = t
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| t.parse::<u64>().ok())
            .flatten()
            .ok_or_else(|| Error::input(field, format!("must be Fubei's numeric id, digits only (got {t:?})")))?;
        body.insert(key.to_string(), Value::Number(n.into()));
    }
    Ok(())
}

/// merchant_order_sn and/or order_sn (either identifies the order; order_sn wins when both are sent).
fn order_ref(body: &mut Map<String, Value>, input: &Input) -> Result<()> {
    let sn = optional("providerOrderNo", &input.provider_order_no, 32)?;
    let merchant_sn = optional("merchantOrderNo", &input.merchant_order_no, 32)?;
    if sn.is_none() && merchant_sn.is_none() {
        return Err(Error::input("merchantOrderNo", "or providerOrderNo is required"));
    }
    put(body, "order_sn", sn);
    put(body, "merchant_order_sn", merchant_sn);
    Ok(())
}

/// The wallet for a QR order. 1.0 `type`: 1 WeChat, 2 Alipay (Java SDK `ParamPaymentOrderScan`), 5
/// UnionPay (seed 001's `type`); 2.0 `pay_type`: wxpay, alipay, unionpay (Java SDK `ParamOrderQrcode`).
fn pay_type(version: ApiVersion, channel: &str) -> Result<Value> {
    let v = match (version, channel) {
        (ApiVersion::V1, "WECHAT") => Value::Number(1.into()),
        (ApiVersion::V1, "ALIPAY") => Value::Number(2.into()),
        (ApiVersion::V1, "UNIONPAY") => Value::Number(5.into()),
        (ApiVersion::V2, "WECHAT") => s("wxpay"),
        (ApiVersion::V2, "ALIPAY") => s("alipay"),
        (ApiVersion::V2, "UNIONPAY") => s("unionpay"),
        _ => {
            return Err(Error::input(
                "channel",
                format!("must be \"ALIPAY\", \"WECHAT\" or \"UNIONPAY\" (got {channel:?})"),
            ))
        }
    };
    Ok(v)
}

impl Fubei {
    fn device_no_max(&self) -> usize {
        // Seed 001: device_no string(18) in 1.0; the 2.0 docs the SDKs link give no length.
        match self.version {
            ApiVersion::V1 => 18,
            ApiVersion::V2 => 32,
        }
    }

    /// Fields shared by pay and precreate.
    /// 1.0 swipe/scan: Java SDK `ParamPaymentOrderSwipe` / `ParamPaymentOrderScan` — merchant_order_sn,
    /// type, auth_code, total_fee, store_id, cashier_id, device_no, body, call_back_url, attach.
    /// 2.0 pay/precreate: Java SDK `agent/model/param/ParamOrderPay`, `pay/ParamOrderQrcode`, .NET
    /// `AOrderPayParam` — merchant_order_sn, merchant_id, auth_code, total_amount, store_id, cashier_id,
    /// device_no, body, attach, notify_url, pay_type.
    fn order_fields(&self, b: &mut Map<String, Value>, input: &Input) -> Result<()> {
        put(
            b,
            "merchant_order_sn",
            Some(required("merchantOrderNo", &input.merchant_order_no, 32)?),
        );
        let amount = money::amount_from_input("amount", input.amount.as_ref(), MAX_AMOUNT)?;
        let amount_key = match self.version {
            ApiVersion::V1 => "total_fee",
            ApiVersion::V2 => "total_amount",
        };
        b.insert(amount_key.into(), yuan_number(amount)?);
        put(b, "body", optional("subject", &input.subject, 128)?);
        put(b, "attach", optional("reflect", &input.reflect, 127)?);
        put_int(b, "store_id", "storeId", &input.store_id)?;
        put_int(b, "cashier_id", "cashierId", &input.cashier_id)?;
        put(
            b,
            "device_no",
            optional("deviceId", &input.device_id, self.device_no_max())?,
        );
        let notify_key = match self.version {
            ApiVersion::V1 => "call_back_url", // "支付成功后回调链接"
            ApiVersion::V2 => "notify_url",
        };
        put(b, notify_key, optional("notifyUrl", &input.notify_url, 255)?);
        Ok(())
    }

    /// The method name and biz_content for one operation.
    /// Method names: 1.0 — Java SDK `biz/merchant/api/legacy/MerchantPaymentApi` (swipe, scan) and
    /// `MerchantOrderApi` (query, refund, refund.query, reverse, close); 2.0 — .NET SDK
    /// `OpenApi.Vb/Biz/AgentApi/IFubeiAgentApi.vb` (fbpay.order.pay/query/cancel/close/refund/refund.query)
    /// and the protocol notes (fbpay.order.precreate).
    fn request_body(&self, op: Operation, input: &Input) -> Result<(&'static str, Map<String, Value>)> {
        use ApiVersion::*;
        let v = self.version;
        let mut b = Map::new();
        let method =
            match op {
                Operation::Pay => {
                    self.order_fields(&mut b, input)?;
                    put(&mut b, "auth_code", Some(required("authCode", &input.auth_code, 32)?));
                    // 1.0 `type` is optional for barcodes (the code tells the wallet); send it when given.
                    if v == V1 {
                        if let Some(c) = optional("channel", &input.channel, 16)? {
                            b.insert("type".into(), pay_type(v, c)?);
                        }
                    }
                    match v {
                        V1 => "openapi.payment.order.swipe",
                        V2 => "fbpay.order.pay",
                    }
                }
                Operation::Precreate => {
                    self.order_fields(&mut b, input)?;
                    match (v, optional("channel", &input.channel, 16)?) {
                        (V1, None) => {
                            return Err(Error::input(
                                "channel",
                                "is required for a 1.0 QR order: \"ALIPAY\", \"WECHAT\" or \"UNIONPAY\"",
                            ))
                        }
                        (V1, Some(c)) => {
                            b.insert("type".into(), pay_type(v, c)?);
                        }
                        (V2, Some(c)) => {
                            b.insert("pay_type".into(), pay_type(v, c)?);
                        }
                        (V2, None) => {} // an aggregated code any wallet can scan
                    }
                    match v {
                        V1 => "openapi.payment.order.scan",
                        V2 => "fbpay.order.precreate",
                    }
                }
                Operation::Query => {
                    // Seed 001: merchant_order_sn | order_sn, device_no.
                    order_ref(&mut b, input)?;
                    put(
                        &mut b,
                        "device_no",
                        optional("deviceId", &input.device_id, self.device_no_max())?,
                    );
                    match v {
                        V1 => "openapi.payment.order.query",
                        V2 => "fbpay.order.query",
                    }
                }
                Operation::Refund => {
                    // 1.0 Java SDK `ParamPaymentOrderRefund`: merchant_order_sn | order_sn, merchant_refund_sn,
                    // refund_money. 2.0 .NET `ARefundOrderParam`: … merchant_refund_sn, refund_amount.
                    // An empty amount means a full refund to Fubei; we always send one, so nothing is implied.
                    order_ref(&mut b, input)?;
                    put(
                        &mut b,
                        "merchant_refund_sn",
                        Some(required("refundNo", &input.refund_no, 32)?),
                    );
                    let amount = money::amount_from_input("amount", input.amount.as_ref(), MAX_AMOUNT)?;
                    let key = match v {
                        V1 => "refund_money",
                        V2 => "refund_amount",
                    };
                    b.insert(key.into(), yuan_number(amount)?);
                    put(
                        &mut b,
                        "device_no",
                        optional("deviceId", &input.device_id, self.device_no_max())?,
                    );
                    match v {
                        V1 => "openapi.payment.order.refund",
                        V2 => "fbpay.order.refund",
                    }
                }
                Operation::RefundQuery => {
                    // 1.0 Java SDK `ParamPaymentOrderRefundQuery` asks for an order number too ("三选一必填"),
                    // the protocol notes only for merchant_refund_sn | refund_sn; 2.0 .NET `AQueryRefundParam`:
                    // merchant_refund_sn | refund_sn. The order number is sent when given.
                    put(
                        &mut b,
                        "order_sn",
                        optional("providerOrderNo", &input.provider_order_no, 32)?,
                    );
                    put(
                        &mut b,
                        "merchant_order_sn",
                        optional("merchantOrderNo", &input.merchant_order_no, 32)?,
                    );
                    let refund_sn = optional("providerRefundNo", &input.provider_refund_no, 32)?;
                    let merchant_refund_sn = optional("refundNo", &input.refund_no, 32)?;
                    if refund_sn.is_none() && merchant_refund_sn.is_none() {
                        return Err(Error::input("refundNo", "or providerRefundNo is required"));
                    }
                    put(&mut b, "refund_sn", refund_sn);
                    put(&mut b, "merchant_refund_sn", merchant_refund_sn);
                    match v {
                        V1 => "openapi.payment.order.refund.query",
                        V2 => "fbpay.order.refund.query",
                    }
                }
                Operation::Close => {
                    // Java SDK `ParamPaymentOrderClose` / .NET `AOrderClosureParam`.
                    order_ref(&mut b, input)?;
                    match v {
                        V1 => "openapi.payment.order.close",
                        V2 => "fbpay.order.close",
                    }
                }
                // Reverse ("撤销"): Fubei closes the order if the buyer has not paid and returns the money if
                // they have (Java SDK `MerchantOrderApi.orderReverse`). That is both cancel (undo an attempt
                // whose outcome is unknown) and revoke (undo a paid barcode order), so both map to it.
                Operation::Cancel | Operation::Revoke => {
                    order_ref(&mut b, input)?;
                    match v {
                        V1 => "openapi.payment.order.reverse",
                        V2 => "fbpay.order.cancel",
                    }
                }
                Operation::Activate | Operation::Checkin => return Err(Error::new(
                    ErrorCode::UnsupportedOperation,
                    "Fubei has no terminal activation or check-in: configure appId/appSecret (or vendor credentials)",
                )),
            };
        if let Ok(Identity::Vendor { merchant_id, .. }) = self.identity() {
            b.insert("merchant_id".into(), Value::Number((*merchant_id).into()));
        }
        merge_extra(&mut b, &input.extra)?;
        Ok((method, b))
    }

    /// The signed envelope as a sorted parameter map (sign included).
    fn envelope(&self, method: &str, biz_content: String, nonce: &str) -> Result<BTreeMap<String, String>> {
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

// ---------------------------------------------------------------- status tables

/// `trade_state` (1.0) / `order_status` (2.0) → (state, final). Seed 001, Java SDK
/// `PaymentQueryOrderModel`, and the protocol notes' table; anything else is UNKNOWN.
fn order_state(v: Option<&str>) -> (OrderState, bool) {
    match v {
        Some("USERPAYING") => (OrderState::Pending, false), // waiting for the buyer
        Some("SUCCESS") => (OrderState::Success, true),     // paid
        Some("REVOKED") => (OrderState::Closed, true),      // reversed (money returned if taken)
        Some("REVOKING") => (OrderState::Pending, false),   // reversal in progress
        Some("REVOKED_ERROR") => (OrderState::Unknown, false), // reversal failed: money may be held
        Some("CLOSED") => (OrderState::Closed, true),       // closed unpaid (seed; 2.0)
        _ => (OrderState::Unknown, false),
    }
}

/// A pay's own outcome from the state in its answer (Java SDK `PaymentSwipeOrderModel`: "USERPAYING
/// 用户支付中; SUCCESS 交易成功"; the .NET demo polls while USERPAYING).
fn pay_outcome(v: Option<&str>) -> (Outcome, Next) {
    match v {
        Some("SUCCESS") => (Outcome::Succeeded, Next::None),
        Some("USERPAYING" | "REVOKING") => (Outcome::InProgress, Next::Poll),
        // Reversed or closed: Fubei says the payment did not stand and holds no money.
        Some("REVOKED" | "CLOSED") => (Outcome::Failed, Next::None),
        Some("REVOKED_ERROR") => (Outcome::Unknown, Next::ContactSupport),
        _ => (Outcome::Unknown, Next::Poll), // missing or unlisted: ask again
    }
}

/// Close / reverse outcome from the state in the answer. 1.0 answers carry only the order numbers
/// (Java SDK `PaymentCloseOrderModel`, `PaymentReverseOrderModel`): result_code 200 is the success.
/// 2.0 answers carry `order_status` (.NET `AOrderClosureResultEntity`).
fn close_outcome(v: Option<&str>) -> (Outcome, Next) {
    match v {
        None | Some("CLOSED" | "REVOKED") => (Outcome::Succeeded, Next::None),
        Some("REVOKING") => (Outcome::InProgress, Next::Poll),
        Some("REVOKED_ERROR") => (Outcome::Unknown, Next::ContactSupport),
        Some(_) => (Outcome::Unknown, Next::Poll),
    }
}

/// `refund_status` → refund state. Java SDK `PaymentQueryRefundOrderModel` (1.0: REFUND_PROCESSING,
/// REFUND_SUCCESS, REFUND_FAILER — sic) and the 2.0 spelling REFUND_FAIL (protocol notes).
fn refund_state(v: Option<&str>) -> RefundState {
    match v {
        Some("REFUND_SUCCESS") => RefundState::Success,
        Some("REFUND_PROCESSING") => RefundState::Pending,
        Some("REFUND_FAIL" | "REFUND_FAILER") => RefundState::Failed,
        _ => RefundState::Unknown,
    }
}

/// 1.0 `type` (1 WeChat, 2 Alipay, 5 UnionPay — seed 001) or 2.0 `pay_type` (wxpay, alipay, unionpay).
fn channel(d: &OrderData) -> Option<Channel> {
    if let Some(t) = text(&d.pay_channel) {
        return Some(match t.as_str() {
            "1" => Channel::Wechat,
            "2" => Channel::Alipay,
            "5" => Channel::Unionpay,
            _ => Channel::Other,
        });
    }
    text(&d.pay_type).map(|t| match t.as_str() {
        "wxpay" => Channel::Wechat,
        "alipay" => Channel::Alipay,
        "unionpay" => Channel::Unionpay,
        _ => Channel::Other,
    })
}

/// How a 400 answer's `sub_code` is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
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
fn sub_code(op: Operation, code: &str) -> Option<(ErrorCode, Verdict)> {
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

// ---------------------------------------------------------------- responses

fn fen(field: &str, v: &Option<Value>) -> Result<Option<i64>> {
    yuan_value(field, v.as_ref())
}

/// 2.0 `finish_time` in Beijing time (UTC+8) to epoch milliseconds: `yyyyMMddHHmmss` (the 2.0 docs, as
/// quoted in the zhangming1994/fubei Go SDK's `OrderCommonData`), or `yyyy-MM-dd HH:mm:ss`.
fn beijing_ms(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    let dashed = b.len() == 19 && b[4] == b'-' && b[7] == b'-' && b[10] == b' ' && b[13] == b':' && b[16] == b':';
    if dashed {
        time::parse_beijing_compact(&t.chars().filter(char::is_ascii_digit).collect::<String>())
    } else {
        time::parse_beijing_compact(t)
    }
}

/// 1.0 `pay_time`, epoch seconds, to epoch milliseconds.
fn seconds_ms(t: &str) -> Option<i64> {
    money::parse_fen_digits(t)
        .filter(|s| *s > 0)
        .and_then(|s| s.checked_mul(1_000))
}

fn state_text(d: &OrderData) -> Option<String> {
    text(&d.trade_state).or_else(|| text(&d.order_status))
}

fn to_order(d: &OrderData) -> Result<Order> {
    let provider_state = state_text(d);
    let (state, is_final) = order_state(provider_state.as_deref());
    // 1.0: order_price 订单金额, total_fee 实收金额, net_money 净收 = 实收 − 手续费, discount_money.
    // 2.0: total_amount 订单金额, net_amount 实收金额, fee 手续费.
    let total = match fen("order_price", &d.order_price)? {
        Some(t) => Some(t),
        None => match fen("total_amount", &d.total_amount)? {
            Some(t) => Some(t),
            None => fen("total_fee", &d.total_fee)?,
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
    let discount = fen("discount_money", &d.discount_money)?;
    let paid = match state {
        OrderState::Success => buyer_paid.or(received),
        OrderState::Pending => Some(0),
        _ => None,
    };
    let paid_at = if state == OrderState::Success {
        text(&d.pay_time)
            .as_deref()
            .and_then(seconds_ms)
            .or_else(|| text(&d.finish_time).as_deref().and_then(beijing_ms))
    } else {
        None
    };
    Ok(Order {
        state,
        is_final,
        merchant_order_no: text(&d.merchant_order_sn),
        provider_order_no: text(&d.order_sn),
        channel_order_no: text(&d.platform_order_no).or_else(|| text(&d.channel_order_sn)),
        channel: channel(d),
        amounts: Amounts {
            total,
            paid,
            refunded: None, // no order answer reports refunds
            net: if state == OrderState::Success { net } else { None },
            fee: if state == OrderState::Success { fee } else { None },
            discount,
        },
        paid_at,
        qr_code: text(&d.qr_code),
        pay_params: None,
        provider_state,
    })
}

/// `data` as an object: Fubei sends an object, notifications a JSON string holding one; absent or null
/// is an empty object.
fn data_object(data: Value) -> Result<Value> {
    match data {
        Value::Null => Ok(Value::Object(Map::new())),
        Value::Object(_) => Ok(data),
        Value::String(s) if s.trim().is_empty() => Ok(Value::Object(Map::new())),
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(v @ Value::Object(_)) => Ok(v),
            _ => Err(malformed("data is a string that does not hold a JSON object")),
        },
        _ => Err(malformed("data is not an object")),
    }
}

fn order_data(data: &Value) -> Result<OrderData> {
    serde_json::from_value(data.clone()).map_err(|_| malformed("data is not a Fubei order"))
}

impl Fubei {
    /// With vendor credentials (one secret for every merchant of the vendor), the merchant an answer
    /// or notification names must be ours. `Err` names the field that disagrees. App credentials
    /// belong to one merchant, so their signature already says whose it is.
    fn same_merchant(&self, d: &OrderData) -> std::result::Result<(), &'static str> {
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

    fn parse_inner(&self, op: Operation, resp: &HttpResponse, input: Option<&Input>, value: Value) -> OperationResult {
        let p = PROVIDER;
        let raw = value.clone();
        let uncertain = |e: Error| OperationResult::uncertain(p, op, e, raw.clone());
        if let Some(e) = super::http_status_error(resp.status) {
            return uncertain(e);
        }
        let env: Envelope = match serde_json::from_value(value) {
            Ok(e) if raw.is_object() => e,
            _ => {
                return uncertain(malformed("response is not the Fubei JSON envelope"));
            }
        };
        let code = text(&env.result_code);
        let message = text(&env.result_message);
        match code.as_deref() {
            Some("200") => {}
            Some("400") => {
                let state = data_object(env.data)
                    .ok()
                    .and_then(|d| order_data(&d).ok())
                    .and_then(|d| state_text(&d));
                return self.platform_error(op, input, text(&env.sub_code), message, state, raw);
            }
            other => {
                // 9999 ("order cancelled") and anything else no source explains.
                return uncertain(Error::provider(
                    ErrorCode::ProviderError,
                    other,
                    Some(message.as_deref().unwrap_or("unexpected result_code")),
                ));
            }
        }
        let data = match data_object(env.data) {
            Ok(d) => d,
            Err(e) => return uncertain(e),
        };
        let d = match order_data(&data) {
            Ok(d) => d,
            Err(e) => return uncertain(e),
        };
        match self.success(op, input, &d) {
            Ok(mut r) => {
                r.raw = raw;
                r
            }
            Err(e) => uncertain(e),
        }
    }

    /// result_code 400: the payment platform's answer, read through the sub_code table.
    fn platform_error(
        &self,
        op: Operation,
        input: Option<&Input>,
        sub: Option<String>,
        message: Option<String>,
        state: Option<String>,
        raw: Value,
    ) -> OperationResult {
        let p = PROVIDER;
        let verdict = sub.as_deref().and_then(|c| sub_code(op, c));
        // A refused pay whose own order is paid or still paying contradicts itself: FAILED would invite
        // paying again while the money may be held. Only a closed or reversed order backs the refusal.
        let backs_refusal = state.as_deref().map_or(true, |s| matches!(s, "CLOSED" | "REVOKED"));
        if matches!(op, Operation::Pay | Operation::Precreate)
            && matches!(verdict, Some((_, Verdict::Failed | Verdict::RetryLater)))
            && !backs_refusal
        {
            let message = format!(
                "the answer refuses the payment ({}) but its order is {}",
                sub.as_deref().unwrap_or("no sub_code"),
                state.as_deref().unwrap_or_default()
            );
            return OperationResult::uncertain(p, op, malformed(message), raw);
        }
        let err = |code| Error::provider(code, sub.as_deref(), message.as_deref());
        let mut r = match verdict {
            Some((code, Verdict::Failed)) => {
                let mut r = OperationResult::new(p, op, Outcome::Failed, Next::None);
                r.error = Some(err(code));
                r
            }
            Some((code, Verdict::RetryLater)) => {
                let mut r = OperationResult::new(p, op, Outcome::Failed, Next::Retry);
                r.error = Some(err(code));
                r
            }
            Some((_, Verdict::InProgress)) => {
                let mut r = OperationResult::new(p, op, Outcome::InProgress, Next::Poll);
                r.order = Some(Order {
                    state: OrderState::Pending,
                    is_final: false,
                    merchant_order_no: input.and_then(|i| i.merchant_order_no.clone()),
                    provider_order_no: None,
                    channel_order_no: None,
                    channel: None,
                    amounts: Amounts {
                        paid: Some(0),
                        ..Amounts::default()
                    },
                    paid_at: None,
                    qr_code: None,
                    pay_params: None,
                    provider_state: sub.clone(),
                });
                r
            }
            Some((code, Verdict::Uncertain)) => return OperationResult::uncertain(p, op, err(code), raw),
            None => return OperationResult::uncertain(p, op, err(ErrorCode::ProviderError), raw),
        };
        r.raw = raw;
        r
    }

    /// result_code 200, per operation.
    fn success(&self, op: Operation, input: Option<&Input>, d: &OrderData) -> Result<OperationResult> {
        let p = PROVIDER;
        let state = state_text(d);
        let refund_no = text(&d.merchant_refund_sn);
        // An answer about another order (or refund) than the one asked for is not an answer.
        if let Some(i) = input {
            super::same_subject(&[
                (i.merchant_order_no.as_deref(), text(&d.merchant_order_sn).as_deref()),
                (i.provider_order_no.as_deref(), text(&d.order_sn).as_deref()),
                (i.refund_no.as_deref(), refund_no.as_deref()),
                (i.provider_refund_no.as_deref(), text(&d.refund_sn).as_deref()),
            ])?;
        }
        self.same_merchant(d)
            .map_err(|what| malformed(format!("the answer is about another merchant ({what})")))?;
        let asked = |f: fn(&Input) -> &Option<String>| input.and_then(|i| f(i).clone());
        let r = match op {
            Operation::Pay => {
                let (outcome, next) = pay_outcome(state.as_deref());
                let mut r = OperationResult::new(p, op, outcome, next);
                if outcome == Outcome::Failed {
                    r.error = Some(Error::provider(
                        ErrorCode::ProviderError,
                        state.as_deref(),
                        Some("the payment was reversed or closed"),
                    ));
                } else if outcome == Outcome::Unknown {
                    r.error = Some(Error::provider(
                        ErrorCode::ProviderError,
                        state.as_deref(),
                        Some("the pay answer carries no known trade state"),
                    ));
                }
                // Named only by the answer itself: a success must show which order it paid.
                r.order = Some(to_order(d)?);
                r
            }
            Operation::Precreate => {
                let mut order = to_order(d)?;
                if order.qr_code.is_none() {
                    return Err(malformed("the QR order answer carries no qr_code"));
                }
                // A new QR order waits for its buyer: any other state contradicts "created".
                if state.as_deref().is_some_and(|s| s != "USERPAYING") {
                    return Err(malformed(format!(
                        "the new QR order's answer shows {:?}, not USERPAYING",
                        state.as_deref().unwrap_or_default()
                    )));
                }
                if state.is_none() {
                    // Just created: nobody has scanned it yet.
                    order.state = OrderState::Pending;
                    order.amounts.paid = Some(0);
                }
                order.merchant_order_no = order.merchant_order_no.or_else(|| asked(|i| &i.merchant_order_no));
                let mut r = OperationResult::new(p, op, Outcome::Succeeded, Next::Poll);
                r.order = Some(order);
                r
            }
            Operation::Query => {
                if state.is_none() {
                    return Err(malformed("the query answer carries no trade_state/order_status"));
                }
                let order = to_order(d)?;
                let next = match order.state {
                    OrderState::Pending | OrderState::Refunding => Next::Poll,
                    OrderState::Unknown => Next::ContactSupport,
                    _ => Next::None,
                };
                let mut r = OperationResult::new(p, op, Outcome::Succeeded, next);
                r.order = Some(order);
                r
            }
            Operation::Refund => {
                let status = text(&d.refund_status);
                // 1.0 refund answers carry no status (Java SDK `PaymentRefundOrderModel`): the refund is
                // accepted; refundQuery tells when it is done.
                let (rstate, outcome, next) = match status.as_deref().map(|s| refund_state(Some(s))) {
                    None => (RefundState::Pending, Outcome::InProgress, Next::Poll),
                    Some(RefundState::Success) => (RefundState::Success, Outcome::Succeeded, Next::None),
                    Some(RefundState::Pending) => (RefundState::Pending, Outcome::InProgress, Next::Poll),
                    Some(RefundState::Failed) => (RefundState::Failed, Outcome::Failed, Next::None),
                    Some(RefundState::Unknown) => (RefundState::Unknown, Outcome::Unknown, Next::Poll),
                };
                // A refund taken or done on an order that shows no payment contradicts itself.
                let unpaid = matches!(
                    order_state(state.as_deref()).0,
                    OrderState::Pending | OrderState::Failed | OrderState::Closed
                );
                if unpaid && matches!(rstate, RefundState::Success | RefundState::Pending) {
                    return Err(malformed(format!(
                        "the refund answer says {} but its order is {}",
                        status.as_deref().unwrap_or("accepted"),
                        state.as_deref().unwrap_or("missing")
                    )));
                }
                let mut r = OperationResult::new(p, op, outcome, next);
                if outcome == Outcome::Failed || outcome == Outcome::Unknown {
                    r.error = Some(Error::provider(
                        ErrorCode::ProviderError,
                        status.as_deref(),
                        Some("refund_status"),
                    ));
                }
                let amount = match fen("refund_amount", &d.refund_amount)? {
                    Some(a) => Some(a),
                    None => fen("refund_money", &d.refund_money)?,
                };
                r.refund = Some(Refund {
                    refund_no: refund_no.or_else(|| asked(|i| &i.refund_no)),
                    provider_refund_no: text(&d.refund_sn),
                    amount: amount.or_else(|| input.and_then(|i| i.amount.as_ref()).and_then(Value::as_i64)),
                    state: rstate,
                    provider_state: status,
                });
                r
            }
            Operation::RefundQuery => {
                let Some(status) = text(&d.refund_status) else {
                    return Err(malformed("the refund query answer carries no refund_status"));
                };
                let rstate = refund_state(Some(&status));
                let next = match rstate {
                    RefundState::Pending => Next::Poll,
                    RefundState::Unknown => Next::ContactSupport,
                    _ => Next::None,
                };
                let amount = match fen("refund_amount", &d.refund_amount)? {
                    Some(a) => Some(a),
                    None => fen("refund_money", &d.refund_money)?,
                };
                let mut r = OperationResult::new(p, op, Outcome::Succeeded, next);
                r.refund = Some(Refund {
                    refund_no: refund_no.or_else(|| asked(|i| &i.refund_no)),
                    provider_refund_no: text(&d.refund_sn),
                    amount,
                    state: rstate,
                    provider_state: Some(status),
                });
                r
            }
            Operation::Close | Operation::Cancel | Operation::Revoke => {
                let (outcome, next) = close_outcome(state.as_deref());
                let mut r = OperationResult::new(p, op, outcome, next);
                let mut order = to_order(d)?;
                if state.is_none() {
                    order.state = OrderState::Closed;
                    order.is_final = true;
                }
                if outcome == Outcome::Unknown {
                    r.error = Some(Error::provider(
                        ErrorCode::ProviderError,
                        state.as_deref(),
                        Some("the order is not closed or reversed"),
                    ));
                }
                order.merchant_order_no = order.merchant_order_no.or_else(|| asked(|i| &i.merchant_order_no));
                order.provider_order_no = order.provider_order_no.or_else(|| asked(|i| &i.provider_order_no));
                r.order = Some(order);
                r
            }
            Operation::Activate | Operation::Checkin => {
                return Err(Error::new(
                    ErrorCode::UnsupportedOperation,
                    "Fubei has no such operation",
                ))
            }
        };
        Ok(r)
    }
}

// ---------------------------------------------------------------- the gateway

// Notifications: form fields, verified as received.

/// The most fields a notification form may have. Fubei sends four (result_code, result_message, data,
/// sign); other callback kinds a dozen or so. The signature covers every field, so all of them are
/// decoded before it can be checked: this bounds that work (bodies are already at most 1 MiB).
const MAX_FORM_FIELDS: usize = 32;

/// `application/x-www-form-urlencoded` → ordered (name, value) pairs, percent- and `+`-decoded as UTF-8.
/// Names are decoded first: without a `sign` field no value is decoded at all.
fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>> {
    let bad = || {
        Error::notification(
            "MALFORMED",
            "the body is not valid form encoding (application/x-www-form-urlencoded)",
        )
    };
    let decode = |s: &[u8]| -> Result<String> {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = s.get(i + 1..i + 3).ok_or_else(bad)?;
                    let h = std::str::from_utf8(hex).map_err(|_| bad())?;
                    out.push(u8::from_str_radix(h, 16).map_err(|_| bad())?);
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).map_err(|_| bad())
    };
    let parts: Vec<&[u8]> = body
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .take(MAX_FORM_FIELDS + 1)
        .collect();
    if parts.len() > MAX_FORM_FIELDS {
        return Err(Error::notification(
            "MALFORMED",
            format!("the form has more than {MAX_FORM_FIELDS} fields; a Fubei notification has four"),
        ));
    }
    let mut names = Vec::with_capacity(parts.len());
    for part in &parts {
        let name = part.split(|b| *b == b'=').next().unwrap_or(part);
        names.push(decode(name)?);
    }
    if !names.iter().any(|n| n == "sign") {
        return Err(missing_sign());
    }
    let mut pairs = Vec::with_capacity(parts.len());
    for (name, part) in names.into_iter().zip(parts) {
        let value = match part.iter().position(|b| *b == b'=') {
            Some(at) => decode(&part[at + 1..])?,
            None => String::new(),
        };
        pairs.push((name, value));
    }
    Ok(pairs)
}

fn missing_sign() -> Error {
    Error::notification(
        "MISSING_SIGNATURE",
        "the notification has no sign field: pass the raw form body exactly as received",
    )
}

impl Fubei {
    /// Verifies a notification's form fields: every field but `sign`, signed like a request.
    fn verify_form(&self, body: &[u8]) -> Result<BTreeMap<String, String>> {
        let secret = self.secret().map_err(|_| {
            Error::config(
                "credentials",
                "are required to verify notifications (the app or vendor secret signs them)",
            )
        })?;
        let mut fields = BTreeMap::new();
        for (k, v) in parse_form(body)? {
            if fields.insert(k.clone(), v).is_some() {
                return Err(Error::notification(
                    "MALFORMED",
                    format!("the form repeats the field {k:?}"),
                ));
            }
        }
        let received = fields
            .get("sign")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(missing_sign)?;
        // The documented rule drops empty fields; the .NET SDK (`FubeiSignatureUtil.Verify`) signs
        // result_code, result_message and data even when empty. Accept either when a field is empty.
        let mut candidates = vec![sign(&fields, secret)];
        if fields.iter().any(|(k, v)| k != "sign" && v.is_empty()) {
            let mut base = String::new();
            for (k, v) in fields.iter().filter(|(k, _)| *k != "sign") {
                if !base.is_empty() {
                    base.push('&');
                }
                base.push_str(k);
                base.push('=');
                base.push_str(v);
            }
            candidates.push(crypto::md5_hex(&[base.as_bytes(), secret.as_bytes()]).to_ascii_uppercase());
        }
        // Evaluate every candidate (no early exit), each compare constant-time and case-insensitive.
        let valid = candidates
            .iter()
            .fold(false, |ok, c| crypto::ct_eq_hex_ignore_case(c, &received) | ok);
        if !valid {
            return Err(Error::notification(
                "BAD_SIGNATURE",
                "the sign does not match the fields: pass the raw form body exactly as received (not re-encoded) and check the secret",
            ));
        }
        Ok(fields)
    }
}

// ---------------------------------------------------------------- registry

pub const PROVIDER: Provider = Provider("fubei");

pub static DESCRIPTOR: super::Descriptor = super::Descriptor {
    provider: PROVIDER,
    create,
    flow,
    #[cfg(test)]
    fixture: None,
};

fn create(config: Value) -> Result<Box<dyn Gateway>> {
    Ok(Box::new(Fubei::new(config)?))
}

fn flow(kind: crate::flow::Kind) -> (i64, &'static [(i64, i64)], Operation) {
    use crate::flow::Kind;
    match kind {
        // The same cadence as Shouqianba; reverse (cancel) a swipe, close an unpaid QR order.
        Kind::Barcode => (45_000, &[(45_000, 4_000)], Operation::Cancel),
        Kind::Qr => (240_000, &[(30_000, 2_000), (240_000, 5_000)], Operation::Close),
    }
}

impl Fubei {
    fn parse_whole(&mut self, op: Operation, resp: &HttpResponse, input: Option<&Input>, _ctx: &Ctx) -> OperationResult {
        let value: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
        self.parse_inner(op, resp, input, value)
    }
}

impl Gateway for Fubei {
    fn provider(&self) -> Provider {
        PROVIDER
    }

    fn build(&self, op: Operation, input: &Input, ctx: &Ctx) -> Result<Prepared> {
        self.identity()?;
        let (method, biz) = self.request_body(op, input)?;
        let nonce = nonce(ctx)?;
        // biz_content is serialized once; the string signed is the string sent.
        let biz_content = Value::Object(biz).to_string();
        let params = self.envelope(method, biz_content, nonce)?;
        let body: Map<String, Value> = params.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        let mut headers = BTreeMap::new();
        headers.insert(
            "content-type".to_string(),
            "application/json; charset=utf-8".to_string(),
        );
        let path = match self.version {
            ApiVersion::V1 => PATH_V1,
            ApiVersion::V2 => PATH_V2,
        };
        Ok(Prepared::ready(HttpRequest {
            method: "POST".into(),
            url: format!("{}{}", self.base_url, path),
            headers,
            body: Value::Object(body).to_string(),
        }))
    }

    fn parse(&mut self, op: Operation, resp: &HttpResponse, input: Option<&Input>, _ctx: &Ctx) -> Option<OperationResult> {
        Some(self.parse_whole(op, resp, input, _ctx))
    }

    /// A form POST of result_code, result_message, data (a JSON string) and sign, signed like requests
    /// (.NET `NotifyController` + `FubeiSignatureUtil.Verify`; php-sdk `NotifyApi.php`).
    fn verify_notification(
        &self,
        _headers: &BTreeMap<String, String>,
        body: &[u8],
        _ctx: &Ctx,
    ) -> Result<Notification> {
        let fields = self.verify_form(body)?;
        let data = data_object(Value::String(fields.get("data").cloned().unwrap_or_default()))
            .map_err(|e| Error::notification("MALFORMED", e.message))?;
        if data.as_object().map_or(true, |m| m.is_empty()) {
            return Err(Error::notification(
                "MALFORMED",
                "the signed notification carries no data",
            ));
        }
        let d = order_data(&data).map_err(|e| Error::notification("MALFORMED", e.message))?;
        let mut order = to_order(&d).map_err(|e| Error::notification("MALFORMED", e.message))?;
        // A vendor secret signs the notifications of every merchant of the vendor: a genuine notice for
        // another merchant carrying our order number is valid but not ours, and one that names no
        // merchant cannot be told apart from it.
        if let Some(Identity::Vendor { .. }) = &self.identity {
            let named = text(&d.merchant_id).is_some() || text(&d.uid).is_some();
            if !named || self.same_merchant(&d).is_err() {
                return Err(Error::notification(
                    "WRONG_MERCHANT",
                    "the notification's merchant_id (or uid) is missing or is not this client's credentials.merchantId: a vendor secret signs every merchant's notifications, so only merchant_id says whose it is",
                ));
            }
        }
        if order.provider_state.is_none() {
            // A refund notification: the order's own state is not in it.
            order.provider_state = text(&d.refund_status);
            order.amounts.refunded = match fen("refund_amount", &d.refund_amount) {
                Ok(Some(a)) => Some(a),
                Ok(None) => {
                    fen("refund_money", &d.refund_money).map_err(|e| Error::notification("MALFORMED", e.message))?
                }
                Err(e) => return Err(Error::notification("MALFORMED", e.message)),
            };
        }
        let mut raw: Map<String, Value> = fields.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        raw.insert("data".into(), data);
        Ok(Notification {
            order,
            ack: Ack::text(&self.ack),
            raw: Value::Object(raw),
        })
    }
}

#[cfg(test)]
mod tests;
