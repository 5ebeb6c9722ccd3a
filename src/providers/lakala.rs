//! Lakala (拉卡拉) open platform v3, aggregated scan ("labs").
//! Spec: protocol notes `lakala.md`, seed 003 (trade query); Lakala doc pages 1004 (request/response
//! security), 1009 (notification security), micropay, 1075 (preorder), 1111 (query), refund, 1071 (close).

use super::{text, order_state, refund_state, put_required, 
    base_url, decode_json, merge_extra, parse_json, optional, put, required, Ctx, Decoded, Gateway, Input, KeyUse, Prepared, Reply,
    Signed, SIGNATURE_SLOT,
};
use crate::crypto::{self, PrivateKey, PublicKey};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{self, Ack, HttpRequest, HttpResponse};
use crate::model::*;
use crate::{money, time};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

// ---------------------------------------------------------------- config and credentials

pub const DEFAULT_BASE_URL: &str = "https://s2.lakala.com";
/// total_amount / refund_amount are String(12): at most twelve digits of fen.
const MAX_AMOUNT: i64 = 999_999_999_999;
const DEFAULT_TOLERANCE_SECONDS: i64 = 300;
/// A wider window would let a replayed notice or answer count for longer than any clock needs.
const MAX_TOLERANCE_SECONDS: i64 = 3600;

super::wire_struct! {
    strict struct Config {
        base_url: Option<String> = "baseUrl",
        credentials: Option<Credentials> = "credentials",
        /// Replay window, seconds either side of `now` (default 300, at most 3600), for notifications
        /// and for the signed answers to requests (their `Lklapi-Timestamp`): one clock, one window.
        notification_tolerance_seconds: Option<i64> = "notificationToleranceSeconds",
        /// Which refund API refund / refundQuery use: "unified" (default) or "labs". See `RefundApi`.
        refund_api: Option<String> = "refundApi",
    }
}

/// Lakala's two refund APIs. The labs one (/api/v3/labs/relation/refund, refunds queried as trades through
/// tradequery) "is no longer developed; merchants are advised to move to the new unified refund (统一退货)"
/// (doc page mirrored at hlakala.com/post/5263.html), so the unified one is the default:
/// /api/v3/rfd/refund_front/refund and …/refund_query (o.lakala.com/open/document/1826 and 1827, as read by
/// public clients: sleep-go/lakala-pay model/order_refund.go RfdRefund*, and a Java adapter citing those pages).
/// `idmrefund` (商户订单退款交易, /api/v3/labs/relation/idmrefund keyed by out_refund_order_no, and idmrefundquery:
/// Java SDK V3LabsRelationIdmrefundRequest) has no public description beyond that class and no public integration
/// found relies on it, so it is not offered.
/// Sources disagree on which API is "统一退货": the official Java SDK 1.0.6 (FunctionCodeEnum) gives that name to
/// /api/v3/lams/trade/trade_refund, which needs origin_biz_type and origin_trade_date (the original trade's date,
/// which a merchant may not hold). The rfd one is followed: it is what Lakala's newer pages (1826 updated
/// 2025-12, 1827 2026-03) and current integrations call 统一退货, and it takes the labs refund's own fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefundApi {
    Unified,
    Labs,
}

super::wire_struct! {
    strict struct Credentials {
        app_id: Option<String> = "appId",
        serial_no: Option<String> = "serialNo",
        merchant_certificate: Option<String> = "merchantCertificate",
        private_key: Option<String> = "privateKey",
        platform_certificate: Option<String> = "platformCertificate",
        /// The certificate that signs notifications, when it is not the platform certificate.
        notify_certificate: Option<String> = "notifyCertificate",
        merchant_no: Option<String> = "merchantNo",
        term_no: Option<String> = "termNo",
    }
}

#[derive(Debug)]
pub struct Lakala {
    base_url: String,
    app_id: String,
    serial_no: String,
    private_key: PrivateKey,
    platform_key: PublicKey,
    notify_key: PublicKey,
    merchant_no: String,
    term_no: String,
    tolerance_seconds: i64,
    refund_api: RefundApi,
}

impl Lakala {
    pub fn new(config: Value) -> Result<Self> {
        let c: Config = super::parse_config(config)?;
        let base = base_url("baseUrl", &c.base_url, DEFAULT_BASE_URL)?;
        let cr = super::credentials(c.credentials)?;
        let serial_no = match (cr.serial_no, cr.merchant_certificate) {
            (Some(s), _) if !s.trim().is_empty() => s.trim().to_ascii_lowercase(),
            (_, Some(cert)) => crypto::load_certificate("credentials.merchantCertificate", &cert)?.serial_hex,
            _ => {
                return Err(Error::config(
                    "credentials.serialNo",
                    "or credentials.merchantCertificate is required",
                ))
            }
        };
        if !serial_no.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::config(
                "credentials.serialNo",
                "must be the certificate serial as hex",
            ));
        }
        let private_key = super::private_key("credentials.privateKey", cr.private_key)?;
        let platform = super::credential("credentials.platformCertificate", cr.platform_certificate)?;
        let platform_key = crypto::load_public_key("credentials.platformCertificate", &platform)?;
        let notify_key = match cr.notify_certificate {
            Some(n) => crypto::load_public_key("credentials.notifyCertificate", &n)?,
            None => platform_key.clone(),
        };
        let tolerance_seconds = c.notification_tolerance_seconds.unwrap_or(DEFAULT_TOLERANCE_SECONDS);
        if tolerance_seconds <= 0 {
            return Err(Error::config(
                "notificationToleranceSeconds",
                "must be a positive number of seconds",
            ));
        }
        if tolerance_seconds > MAX_TOLERANCE_SECONDS {
            return Err(Error::config(
                "notificationToleranceSeconds",
                format!("must be at most {MAX_TOLERANCE_SECONDS} seconds"),
            ));
        }
        let refund_api = match c.refund_api.as_deref() {
            None | Some("unified") => RefundApi::Unified,
            Some("labs") => RefundApi::Labs,
            Some(_) => return Err(Error::config("refundApi", "must be \"unified\" or \"labs\"")),
        };
        Ok(Lakala {
            base_url: base,
            app_id: super::credential("credentials.appId", cr.app_id)?,
            serial_no,
            private_key,
            platform_key,
            notify_key,
            merchant_no: super::credential("credentials.merchantNo", cr.merchant_no)?,
            term_no: super::credential("credentials.termNo", cr.term_no)?,
            tolerance_seconds,
            refund_api,
        })
    }
}

// ---------------------------------------------------------------- wire types (names as on the wire)

super::wire_struct! {
    /// Response envelope (doc 1004): `{"code","msg","resp_time","resp_data"}`.
    struct Envelope {
        code: Option<String> = "code",
        msg: Option<String> = "msg",
        resp_data: Option<TradeData> = "resp_data",
    }
}

super::wire_struct! {
    /// `resp_data` of every labs answer (seed 003; the answers' own fields are listed at `check_subject`)
    /// and the trade notice (doc 1112).
    #[derive(Default)]
    struct TradeData {
        merchant_no: Option<String> = "merchant_no",
        /// The notice's terminal.
        term_no: Option<String> = "term_no",
        out_trade_no: Option<String> = "out_trade_no",
        trade_no: Option<String> = "trade_no",
        acc_trade_no: Option<String> = "acc_trade_no",
        account_type: Option<String> = "account_type",
        trade_state: Option<String> = "trade_state",
        /// The notice spells the state `trade_status`.
        trade_status: Option<String> = "trade_status",
        /// PREORDER, MICROPAY, REFUND or CANCEL (seed 003): a query can find a refund or a reversal.
        trade_main_type: Option<String> = "trade_main_type",
        total_amount: Option<String> = "total_amount",
        payer_amount: Option<String> = "payer_amount",
        acc_mdiscount_amount: Option<String> = "acc_mdiscount_amount",
        acc_discount_amount: Option<String> = "acc_discount_amount",
        /// 账户端结算金额 and 账户端其它优惠金额 (seed 003).
        acc_settle_amount: Option<String> = "acc_settle_amount",
        acc_other_discount_amount: Option<String> = "acc_other_discount_amount",
        /// The unified refund's "code#msg" words about the refund (RfdRefundData.channel_ret_desc).
        channel_ret_desc: Option<String> = "channel_ret_desc",
        refund_amount: Option<String> = "refund_amount",
        trade_time: Option<String> = "trade_time",
        acc_resp_fields: Option<Value> = "acc_resp_fields",
        /// The order a refund / close / revoked answer is about.
        origin_trade_no: Option<String> = "origin_trade_no",
        origin_out_trade_no: Option<String> = "origin_out_trade_no",
    }
}

// ---------------------------------------------------------------- signing

/// The request string to sign (doc 1004): five lines, each followed by "\n"; `body` is the exact body.
pub fn request_message(app_id: &str, serial_no: &str, timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(body.len() + 96);
    for part in [
        app_id.as_bytes(),
        serial_no.as_bytes(),
        timestamp.as_bytes(),
        nonce.as_bytes(),
        body,
    ] {
        m.extend_from_slice(part);
        m.push(b'\n');
    }
    m
}

/// The notification string to verify (doc 1009): timestamp, nonce_str, body, each followed by "\n".
pub fn notification_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(body.len() + 48);
    for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
        m.extend_from_slice(part);
        m.push(b'\n');
    }
    m
}

/// `LKLAPI-SHA256withRSA k="v",…` → its pairs (order free; names lower-cased).
fn authorization_pairs(value: &str) -> Option<BTreeMap<String, String>> {
    let rest = value.trim().strip_prefix("LKLAPI-SHA256withRSA")?.trim();
    let mut pairs = BTreeMap::new();
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        pairs.insert(k.trim().to_ascii_lowercase(), v.trim().trim_matches('"').to_string());
    }
    Some(pairs)
}

// ---------------------------------------------------------------- requests
/// location_info.request_ip is required by Lakala's risk control on every money-moving call.
fn location(input: &Input) -> Result<Value> {
    let ip = required("clientIp", &input.client_ip, 64)?;
    if !ip.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':') {
        return Err(Error::input(
            "clientIp",
            format!("must be an IPv4 or IPv6 address (got {ip:?})"),
        ));
    }
    Ok(json!({ "request_ip": ip }))
}

/// The original order, for refund / close / revoke: origin_trade_no wins over origin_out_trade_no.
fn origin(m: &mut Map<String, Value>, input: &Input) -> Result<()> {
    super::order_ref(m, input, ("origin_trade_no", 32), ("origin_out_trade_no", 32))
}

fn fen(input: &Input, wire: &str, m: &mut Map<String, Value>) -> Result<()> {
    let amount = money::amount_from_input("amount", input.amount.as_ref(), MAX_AMOUNT)?;
    m.insert(wire.to_string(), Value::String(amount.to_string()));
    Ok(())
}

// ---------------------------------------------------------------- wallet orders (preorder)

/// Whether a preorder takes a buyer field (`acc_busi_fields.user_id` / `.sub_appid`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Need {
    Required,
    /// Required by Lakala only in a case the library cannot see (UnionPay: unless its user-auth said 34).
    Optional,
    /// Lakala has no use for it on this order: refused rather than dropped.
    No,
}

/// What the preorder answer's `acc_resp_fields` holds for the page.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Pay {
    /// `code`: the QR content (read into `order.qrCode`).
    Code,
    /// WeChat's six keys under Lakala's names (`WECHAT_NAMES`).
    Wechat,
    /// `prepay_id`: the Alipay trade_no `my.tradePay` / `AlipayJSBridge` takes.
    Alipay,
    /// `redirect_url`: UnionPay's JS payment page.
    Redirect,
}

/// One preorder Lakala makes: account_type, trans_type, what acc_busi_fields needs, what it answers.
#[derive(Clone, Copy, Debug)]
struct Preorder {
    account_type: &'static str,
    trans_type: &'static str,
    user_id: Need,
    sub_appid: Need,
    pay: Pay,
}

const fn preorder(account_type: &'static str, trans_type: &'static str, ids: (Need, Need), pay: Pay) -> Preorder {
    Preorder {
        account_type,
        trans_type,
        user_id: ids.0,
        sub_appid: ids.1,
        pay,
    }
}

use super::wallet::OrderKind;
use Need::{No, Optional, Required};

/// What Lakala's preorder makes. Source: the official Java SDK (lkl-java-sdk, stored copy
/// github.com/zkmio/lakala-sdk) `com/lkl/laop/sdk/request/V3LabsTransPreorderRequest.java` trans_type:
/// "41:NATIVE（ALIPAY，云闪付支持） 51:JSAPI（微信公众号支付，支付宝服务窗支付，银联JS支付…） 71:微信小程序支付";
/// the PHP SDK `Lakala\OpenAPISDK\V3\Model\TransPreorderRequest.php` says the same (plus 61 APP). WeChat has
/// no NATIVE there (the pre-auth page, hlakala.com/post/5296: "41:NATIVE(WECHAT暂不支持)"), Alipay no
/// mini-program type, and no wallet an H5 type in the list (81 appears only in a field comment of
/// V3LabsTradePreorderAlipayBus, with no answer documented): those are refused. No row is `ANY`:
/// account_type is mandatory, Lakala makes no code every wallet can scan.
const OFFERS: &super::wallet::Offers<Preorder> = &[
    // 41 NATIVE, ALIPAY. V3LabsTradePreorderAlipayBus.user_id: "trans_type为41-NATIVE情况下不需要传".
    (OrderKind::Qr, "ALIPAY", preorder("ALIPAY", "41", (No, No), Pay::Code)),
    // 41 NATIVE, 云闪付. V3LabsTradePreorderUnionPayBus.user_id is for JS payment only.
    (OrderKind::Qr, "UNIONPAY", preorder("UQRCODEPAY", "41", (No, No), Pay::Code)),
    // 51 微信公众号支付. V3LabsTradePreorderWechatBus: sub_appid and user_id (sub_openid) "此参数必传".
    (OrderKind::Jsapi, "WECHAT", preorder("WECHAT", "51", (Required, Required), Pay::Wechat)),
    // 51 支付宝服务窗支付. V3LabsTradePreorderAlipayBus.user_id (buyer_user_id): "为51情况下必须传入".
    (OrderKind::Jsapi, "ALIPAY", preorder("ALIPAY", "51", (Required, No), Pay::Alipay)),
    // 51 银联JS支付. V3LabsTradePreorderUnionPayBus.user_id: "JS获取用户标识返回码不为34时，必送".
    (OrderKind::Jsapi, "UNIONPAY", preorder("UQRCODEPAY", "51", (Optional, No), Pay::Redirect)),
    // 71 微信小程序支付. V3LabsTradePreorderWechatBus: sub_appid (the mini-program) and user_id 必传.
    (OrderKind::MiniProgram, "WECHAT", preorder("WECHAT", "71", (Required, Required), Pay::Wechat)),
];

/// Lakala's names in a WeChat JSAPI / mini-program answer's acc_resp_fields for `wallet::WECHAT_KEYS`.
/// Lakala doc 110 (聚合主扫) "微信(71-小程序)微信(51-JSAPI)场景下返回acc_resp_fields域", as transcribed in
/// a public integration's DTO (V3LabsTransPreorderResponse.WechatJsapiRespFields) and read by
/// agoodays/agpayplus Channel/LklPay/PayWay/WxLite.cs; the official SDKs leave acc_resp_fields untyped.
const WECHAT_NAMES: [&str; 6] = ["app_id", "time_stamp", "nonce_str", "package", "sign_type", "pay_sign"];

/// The preorder asked for, and its acc_busi_fields (user_id, sub_appid) checked against the table row.
fn wallet_order(input: &Input) -> Result<(OrderKind, &'static str, Preorder, Option<Value>)> {
    let (kind, channel, p) = super::wallet::offer(input, OFFERS, "Lakala")?;
    let what = format!("{channel} {} orders on Lakala", kind.name());
    type Pick = fn(&Preorder) -> Need;
    // user_id: String(128) as the query returns it (seed 003 user_id1/user_id2); sub_appid: String(32)
    // (appId on the pre-auth page, hlakala.com/post/5296).
    let mut busi = Map::new();
    for (field, value, wire, need, max, meaning) in [
        (
            "payerId",
            &input.payer_id,
            "user_id",
            (|o: &Preorder| o.user_id) as Pick,
            128,
            "the buyer's openid under subAppId, Alipay buyer_user_id or UnionPay userId",
        ),
        (
            "subAppId",
            &input.sub_app_id,
            "sub_appid",
            (|o: &Preorder| o.sub_appid) as Pick,
            32,
            "the WeChat official account or mini-program appid the openid belongs to",
        ),
    ] {
        match (need(&p), optional(field, value, max)?) {
            (Required, None) => {
                return Err(Error::input(field, format!("is required for {what} ({wire}: {meaning})")))
            }
            (No, Some(_)) => {
                let takes: Vec<String> = OFFERS
                    .iter()
                    .filter(|(_, _, o)| need(o) != No)
                    .map(|(k, c, _)| format!("{c} {}", k.name()))
                    .collect();
                return Err(Error::input(
                    field,
                    format!("has no place in {what} (Lakala takes it on {} only)", takes.join(", ")),
                ));
            }
            (_, Some(v)) => {
                busi.insert(wire.into(), Value::String(v.into()));
            }
            (_, None) => {}
        }
    }
    let busi = (!busi.is_empty()).then_some(Value::Object(busi));
    Ok((kind, channel, p, busi))
}

/// The pay parameters a preorder answer carries for the page, in the wallet's shape: `None` for a QR
/// (its `code` is the order's qrCode) or when the request is unknown (the answer does not name its wallet).
fn pay_params(input: Option<&Input>, fields: Option<&Value>) -> Option<super::wallet::PayParams> {
    use super::wallet;
    let (_, _, p, _) = wallet_order(input?).ok()?;
    let empty = Value::Null;
    let f = fields.unwrap_or(&empty);
    let text = |k: &str| f.get(k).and_then(Value::as_str);
    match p.pay {
        Pay::Code => None,
        Pay::Wechat => Some(wallet::wechat(f, &WECHAT_NAMES)),
        // AlipayJsapiRespFields.prepay_id "预下单Id" (same DTO as WECHAT_NAMES): Alipay's trade_no.
        Pay::Alipay => Some(wallet::alipay(text("prepay_id"))),
        // Not confirmed by any public Lakala material: a missing key leaves the reply UNKNOWN, never guessed.
        Pay::Redirect => Some(wallet::redirect(text("redirect_url"))),
    }
}

impl Lakala {
    fn req_data(&self, op: Operation, input: &Input, ctx_nonce: &str) -> Result<(&'static str, Map<String, Value>)> {
        let mut m = Map::new();
        put(&mut m, "merchant_no", Some(&self.merchant_no));
        put(&mut m, "term_no", Some(&self.term_no));
        let path = match op {
            Operation::Pay => {
                put_required(&mut m, "out_trade_no", "merchantOrderNo", &input.merchant_order_no, 32)?;
                put_required(&mut m, "auth_code", "authCode", &input.auth_code, 32)?;
                fen(input, "total_amount", &mut m)?;
                m.insert("location_info".into(), location(input)?);
                put(&mut m, "subject", optional("subject", &input.subject, 42)?);
                put(&mut m, "notify_url", optional("notifyUrl", &input.notify_url, 128)?);
                put(&mut m, "store_id", optional("storeId", &input.store_id, 32)?);
                "/api/v3/labs/trans/micropay"
            }
            Operation::Precreate => {
                put_required(&mut m, "out_trade_no", "merchantOrderNo", &input.merchant_order_no, 32)?;
                let (_, _, p, busi) = wallet_order(input)?;
                put(&mut m, "account_type", Some(p.account_type));
                put(&mut m, "trans_type", Some(p.trans_type));
                if let Some(b) = busi {
                    m.insert("acc_busi_fields".into(), b);
                }
                fen(input, "total_amount", &mut m)?;
                m.insert("location_info".into(), location(input)?);
                // PHP SDK TransPreorderRequest::listInvalidProperties: "微信支付必需上送订单标题字段[subject]".
                let subject = match (p.account_type, optional("subject", &input.subject, 42)?) {
                    ("WECHAT", None) => {
                        return Err(Error::input("subject", "is required for a WECHAT order on Lakala (微信支付必送)"))
                    }
                    (_, s) => s,
                };
                put(&mut m, "subject", subject);
                put(&mut m, "notify_url", optional("notifyUrl", &input.notify_url, 128)?);
                "/api/v3/labs/trans/preorder"
            }
            Operation::Query => {
                // trade_no wins when both are given (seed 003), so send only what was asked.
                super::order_ref(&mut m, input, ("trade_no", 32), ("out_trade_no", 32))?;
                "/api/v3/labs/query/tradequery"
            }
            Operation::RefundQuery => {
                // A refund is a trade of its own: ask about it by its out_trade_no (the refundNo). The unified
                // query takes the same field (RfdRefundQueryRequest: merchant_no, term_no, out_trade_no).
                put_required(&mut m, "out_trade_no", "refundNo", &input.refund_no, 32)?;
                match self.refund_api {
                    RefundApi::Unified => "/api/v3/rfd/refund_front/refund_query",
                    RefundApi::Labs => "/api/v3/labs/query/tradequery",
                }
            }
            Operation::Refund => {
                // Both APIs take the same fields (labs: Java SDK V3LabsRelationRefundRequest; unified:
                // RfdRefundRequest), except that refund_reason is M on labs and O on unified.
                put_required(&mut m, "out_trade_no", "refundNo", &input.refund_no, 32)?;
                fen(input, "refund_amount", &mut m)?;
                let reason = optional("description", &input.description, 32)?;
                let reason = match self.refund_api {
                    RefundApi::Labs => Some(reason.unwrap_or("refund")),
                    RefundApi::Unified => reason,
                };
                put(&mut m, "refund_reason", reason);
                origin(&mut m, input)?;
                m.insert("location_info".into(), location(input)?);
                put(&mut m, "notify_url", optional("notifyUrl", &input.notify_url, 128)?);
                match self.refund_api {
                    RefundApi::Unified => "/api/v3/rfd/refund_front/refund",
                    RefundApi::Labs => "/api/v3/labs/relation/refund",
                }
            }
            Operation::Close => {
                origin(&mut m, input)?;
                m.insert("location_info".into(), location(input)?);
                "/api/v3/labs/relation/close"
            }
            // 撤销 reverses a barcode payment, paid or still in progress. The reversal is a trade of its
            // own with its own out_trade_no: refundNo when given, else the request's nonce.
            Operation::Cancel | Operation::Revoke => {
                let own = optional("refundNo", &input.refund_no, 32)?.unwrap_or(ctx_nonce);
                put(&mut m, "out_trade_no", Some(own));
                origin(&mut m, input)?;
                m.insert("location_info".into(), location(input)?);
                "/api/v3/labs/relation/revoked"
            }
            Operation::Activate | Operation::Checkin => {
                return Err(Error::unsupported("Lakala has no terminal activation or check-in",
                ))
            }
        };
        merge_extra(&mut m, &input.extra)?;
        Ok((path, m))
    }
}

// ---------------------------------------------------------------- status tables

/// `trade_state` / `trade_status` → (state, final). Seed 003 and the protocol notes; anything else UNKNOWN.
const ORDER_STATES: &super::OrderStates = &[
    ("INIT", OrderState::Pending, false), // initialised
    ("CREATE", OrderState::Pending, false), // created, awaiting payment
    ("DEAL", OrderState::Pending, false), // processing
    ("SUCCESS", OrderState::Success, true), // paid
    ("FAIL", OrderState::Failed, true), // failed
    ("UNKNOWN", OrderState::Unknown, false),
    ("CLOSE", OrderState::Closed, true), // closed
    ("REVOKED", OrderState::Closed, true), // revoked (reversed)
    ("PART_REFUND", OrderState::PartiallyRefunded, true), // partly refunded
    ("REFUND", OrderState::Refunded, true), // fully refunded (or revoked)
];

/// A refund read as a trade of its own (a refund query, a refund-trade notice): its numbers, its amount
/// (refund_amount, else the trade's total_amount) and its state by `table`.
fn trade_refund(data: &TradeData, state: Option<&str>, table: &super::RefundStates) -> Result<Refund> {
    let amount = match money::fen_field("refund_amount", &data.refund_amount)? {
        Some(a) => Some(a),
        None => money::fen_field("total_amount", &data.total_amount)?,
    };
    Ok(Refund {
        refund_no: data.out_trade_no.clone(),
        provider_refund_no: data.trade_no.clone(),
        amount,
        state: refund_state(table, state),
        provider_state: state.map(str::to_string),
    })
}

/// A refund looked up as a trade of its own.
const REFUND_STATES: &super::RefundStates = &[
    ("SUCCESS", RefundState::Success),
    ("FAIL", RefundState::Failed),
    ("INIT", RefundState::Pending),
    ("CREATE", RefundState::Pending),
    ("DEAL", RefundState::Pending),
];

/// The unified refund's `trade_state` (RfdRefundData / RfdRefundQueryItem in sleep-go/lakala-pay
/// model/order_refund.go, quoting docs 1826/1827): INIT "初始化（查单确认最终结果）", DEAL "交易处理中/未知（查单
///确认最终结果）", PROCESSING "交易已受理（过段时间查单确认最终结果）" (the refund only), TIMEOUT "超时未知（查单
/// 确认最终结果）": all say "query again", so PENDING. EXCEPTION is "异常" in the docs' table and "异常（失败）" in
/// that client's comment: the sources disagree on whether money moved, so it is not listed (UNKNOWN).
const UNIFIED_REFUND_STATES: &super::RefundStates = &[
    ("SUCCESS", RefundState::Success),
    ("FAIL", RefundState::Failed),
    ("INIT", RefundState::Pending),
    ("DEAL", RefundState::Pending),
    ("PROCESSING", RefundState::Pending),
    ("TIMEOUT", RefundState::Pending),
];

/// `code` → what it says about the operation.
enum Code {
    Done,
    InProgress,
    /// The gateway refused the request before acting on it.
    Refused(ErrorCode),
    Unknown,
}

fn code(v: Option<&str>) -> Code {
    match v {
        // Doc 1004 / seed 003: BBS00000 done (for a query: the trade was found, its state says the rest).
        Some("BBS00000") => Code::Done,
        // Unified refund (RfdRefundResponse, sleep-go/lakala-pay and a Java adapter citing doc 1826/1828):
        // "000000" is success. The unified query's doc comment spells success "RFD00000#成功" (black1552/lkl_sdk
        // unifiedreturn/refundquery): it is read as done too, since the refund's trade_state says the rest.
        Some("000000" | "RFD00000") => Code::Done,
        // BBS10000: payment in progress (PHP SDK ModelResponse: 交易状态为支付中). BBS11112 and BBS11105:
        // "LABS退款中 (Labs返回BBS11112、BBS11105)" (a Lakala DTO comment) and read as waiting by
        // agoodays/agpayplus Channel/LklPay. RFD11105 / RFD11112: the unified refund's "交易未知" codes, to be
        // queried (RfdRefundResponse doc comment; RFD11112 "网络请求超时").
        Some("BBS10000" | "BBS11112" | "BBS11105" | "RFD11105" | "RFD11112") => Code::InProgress,
        // The gateway's own return codes (a public Lakala client's ReturnCode enum, cn.cc.lkl.dto, which
        // lists BBS00000, BBS00001 系统异常, BBS00100 网络请求失败, BBS00101 网络请求超时, BBS11000 参数校验失败,
        // BBS11200 验签失败, BBS11106 未查到参数). Only the two that refuse the request as sent are certain to
        // have done nothing; the others (system error, upstream network failure or timeout) stay UNKNOWN.
        Some("BBS11000") => Code::Refused(ErrorCode::InvalidRequest),
        Some("BBS11200") => Code::Refused(ErrorCode::AuthFailed),
        // Everything else, including the unified refund's other codes (its doc says they "可视为失败", may be
        // taken as failures; not followed: a refund wrongly read as failed invites a second one).
        _ => Code::Unknown,
    }
}

fn channel(account_type: Option<&str>) -> Option<Channel> {
    account_type.filter(|a| !a.is_empty()).map(|a| match a {
        "ALIPAY" => Channel::Alipay,
        "WECHAT" => Channel::Wechat,
        "UQRCODEPAY" => Channel::Unionpay,
        _ => Channel::Other,
    })
}

// ---------------------------------------------------------------- responses

/// The order a trade answer describes, named only by the answer's own fields. A state the answer
/// carries (trade_state / trade_status) always wins: `absent` fills in only where it carries none
/// (a successful micropay is paid though its answer has no trade_state), so a code and a state that
/// disagree stay visible to the shared check.
fn to_order(d: &TradeData, absent: Option<(OrderState, bool)>) -> Result<Order> {
    let raw_state = d.trade_state.as_deref().or(d.trade_status.as_deref());
    let (state, is_final) = match (raw_state, absent) {
        (None, Some(s)) => s,
        _ => order_state(ORDER_STATES, raw_state),
    };
    // Seed 003 (tradequery answer): total_amount 订单金额; payer_amount 付款人实付金额 (what the buyer paid);
    // acc_settle_amount 账户端应结订单金额 (what the wallet settles for the order: `net`, before refunds);
    // acc_mdiscount_amount 商户侧优惠, acc_discount_amount 拉卡拉优惠, acc_other_discount_amount 账户端其它优惠
    // (their sum is `discount`). Each is read as Lakala states it, never derived from the others.
    let total = money::fen_field("total_amount", &d.total_amount)?;
    let payer = money::fen_field("payer_amount", &d.payer_amount)?;
    let settle = money::fen_field("acc_settle_amount", &d.acc_settle_amount)?;
    let discounts = [
        money::fen_field("acc_mdiscount_amount", &d.acc_mdiscount_amount)?,
        money::fen_field("acc_discount_amount", &d.acc_discount_amount)?,
        money::fen_field("acc_other_discount_amount", &d.acc_other_discount_amount)?,
    ];
    let discount = discounts
        .iter()
        .flatten()
        .try_fold(None::<i64>, |sum, v| sum.unwrap_or(0).checked_add(*v).map(Some))
        .ok_or_else(|| Error::malformed("the discount amounts overflow"))?;
    let (paid, net) = match state {
        s if s.was_paid() => (payer.or(total), settle),
        OrderState::Pending | OrderState::Failed | OrderState::Closed => (Some(0), Some(0)),
        _ => (None, None),
    };
    let refunded = match state {
        OrderState::Refunded => total,
        OrderState::Success | OrderState::Pending | OrderState::Failed | OrderState::Closed => Some(0),
        _ => None,
    };
    let paid_at = if state.was_paid() {
        d.trade_time.as_deref().and_then(time::parse_beijing_compact)
    } else {
        None
    };
    let qr_code = d
        .acc_resp_fields
        .as_ref()
        .and_then(|f| f.get("code"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let numbers = [d.out_trade_no.as_deref(), d.trade_no.as_deref(), d.acc_trade_no.as_deref()];
    Ok(Order {
        amounts: Amounts { total, paid, refunded, net, discount, ..Amounts::default() },
        paid_at,
        qr_code,
        provider_state: raw_state.map(str::to_string),
        ..Order::named(state, is_final, numbers, channel(d.account_type.as_deref()))
    })
}

/// An answer's code and the state it carries must agree where the shared check does not look (it
/// checks pay success and reversals): an in-progress code with a settled state, a created preorder
/// whose state is settled, or a refund code whose refund state says otherwise, is not an answer.
fn code_and_state_agree(op: Operation, outcome: Outcome, d: &TradeData) -> Result<()> {
    let Some(carried) = d.trade_state.as_deref().or(d.trade_status.as_deref()) else {
        return Ok(());
    };
    let agree = match (op, outcome) {
        (Operation::Pay, Outcome::InProgress) | (Operation::Precreate, _) => {
            matches!(order_state(ORDER_STATES, Some(carried)).0, OrderState::Pending | OrderState::Unknown)
        }
        (Operation::Refund, Outcome::Succeeded) => refund_state(REFUND_STATES, Some(carried)) == RefundState::Success,
        // A close that is done shows the order closed; a revoke's own trade may say SUCCESS (its own
        // outcome, unconfirmed in public material), but never a trade still payable.
        (Operation::Close, Outcome::Succeeded) => matches!(
            order_state(ORDER_STATES, Some(carried)).0,
            OrderState::Closed | OrderState::Failed | OrderState::Refunded | OrderState::Unknown
        ),
        (Operation::Revoke | Operation::Cancel, Outcome::Succeeded) => {
            order_state(ORDER_STATES, Some(carried)).0 != OrderState::Pending
        }
        (Operation::Refund, Outcome::InProgress) => {
            matches!(refund_state(REFUND_STATES, Some(carried)), RefundState::Pending | RefundState::Unknown)
        }
        _ => true,
    };
    if agree {
        Ok(())
    } else {
        Err(Error::malformed(format!(
            "the answer's code and its trade_state {carried:?} disagree"
        )))
    }
}

/// Doc 1004's signed headers of an answer, trimmed and non-empty: appid, serial, timestamp, nonce, signature.
fn signed_headers(resp: &HttpResponse) -> Option<[&str; 5]> {
    let h = |n| resp.header(n).map(str::trim).filter(|v| !v.is_empty());
    Some([
        h("Lklapi-Appid")?,
        h("Lklapi-Serial")?,
        h("Lklapi-Timestamp")?,
        h("Lklapi-Nonce")?,
        h("Lklapi-Signature")?,
    ])
}

/// Doc 1009's Authorization of a notice: (timestamp, nonce_str, signature), or why it has none.
fn notice_authorization(headers: &BTreeMap<String, String>) -> Result<(String, String, String)> {
    let auth = http::header(headers, "authorization")
        .filter(|a| !a.trim().is_empty())
        .ok_or_else(|| Error::notification("MISSING_SIGNATURE", "the notification has no Authorization header"))?;
    let pairs = authorization_pairs(auth).ok_or_else(|| {
        Error::notification(
            "MISSING_SIGNATURE",
            "the Authorization header is not LKLAPI-SHA256withRSA key=\"value\" pairs",
        )
    })?;
    let get = |k: &str| pairs.get(k).filter(|v| !v.is_empty()).cloned();
    let (Some(ts), Some(nonce), Some(sig)) = (get("timestamp"), get("nonce_str"), get("signature")) else {
        return Err(Error::notification(
            "MISSING_SIGNATURE",
            "the Authorization header lacks timestamp, nonce_str or signature",
        ));
    };
    Ok((ts, nonce, sig))
}

impl Lakala {
    /// Doc 1004: verify `Lklapi-*` headers over the raw body with the platform certificate. The
    /// signature alone does not tie an answer to this request: it must also be for our appId and
    /// signed within the window around when it arrived (`now_ms`), or it may be a replayed answer.
    /// The appId is a signed header, so it is checked here, with the signature (`read` sees the body only).
    fn response_trusted(&self, op: Operation, resp: &HttpResponse, ctx: &Ctx) -> Result<()> {
        let invalid = |m: String| Error::new(ErrorCode::ResponseSignatureInvalid, m);
        let genuine = self
            .answer_signed(op, resp)
            .is_some_and(|s| ctx.verifier.passes(&s, &self.platform_key));
        let (true, Some([appid, _, ts, _, _])) = (genuine, signed_headers(resp)) else {
            return Err(invalid(
                "the response signature is missing or does not verify with the platform certificate".into(),
            ));
        };
        // Lakala signs every app's answers with one platform key.
        if appid != self.app_id {
            return Err(invalid(
                "the answer is signed for another app: Lklapi-Appid is not credentials.appId".into(),
            ));
        }
        let seconds = Some(ts)
            .filter(|t| t.len() <= 18 && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<i64>().ok())
            .ok_or_else(|| invalid("Lklapi-Timestamp is not a number of seconds".into()))?;
        let now = ctx.now_ms.div_euclid(1000);
        let skew = now.abs_diff(seconds);
        if skew > self.tolerance_seconds.unsigned_abs() {
            let window = self.tolerance_seconds;
            let why = if seconds < now {
                format!("the answer is stale by {skew} s (signed {skew} s before it arrived; the window is {window} s): a replayed answer, or a wrong clock")
            } else {
                format!("the answer is signed {skew} s after it arrived (the window is {window} s): a wrong clock")
            };
            return Err(invalid(why));
        }
        Ok(())
    }

    /// Which merchant and which trade an answer is about, where the shared rules cannot see it: the
    /// merchant, the original order of a refund / close / revoked answer, a reversal's own number, and
    /// that an answer claiming success names what it is about. (The order and refund numbers and the
    /// amounts of the order or refund in the reply are compared with the request by the pipeline.)
    /// The identity fields each answer carries:
    /// - micropay / preorder: merchant_no, out_trade_no (M), trade_no — PHP SDK Lakala\OpenAPISDK\V3
    ///   Model/TransMicropayResponse.php, TransPreorderResponse.php (github.com/zg-626/wodian,
    ///   extend/Lakala/v3/src/Model/);
    /// - tradequery: merchant_no, out_trade_no, trade_no, all M (seed 003);
    /// - refund: merchant_no, out_trade_no (this refund, M), trade_no, and origin_trade_no /
    ///   origin_out_trade_no "returned when the request carried them" — same SDK,
    ///   Model/RelationRefundResponse.php;
    /// - close: origin_trade_no, origin_out_trade_no (both M), trade_time — doc 1071 as mirrored at
    ///   hlakala.com/post/5261;
    /// - revoked: merchant_no, out_trade_no (this reversal), trade_no, origin_out_trade_no,
    ///   origin_trade_no — a public Go client's relationRevoked.RelationRevokedResponseData (Lakala
    ///   publishes no page for it; the Java SDK's V3LabsRelationRevokedRequest has the request side).
    fn check_subject(&self, op: Operation, outcome: Outcome, d: &TradeData, input: Option<&Input>) -> Result<()> {
        // One appId may serve many merchants; their numbers may repeat across merchants.
        if text(&d.merchant_no).is_some_and(|m| m != self.merchant_no) {
            return Err(Error::malformed(
                "the answer is about another merchant: its merchant_no is not credentials.merchantNo",
            ));
        }
        let out = text(&d.out_trade_no);
        if op == Operation::Query && out.is_none() && text(&d.trade_no).is_none() {
            return Err(Error::malformed("the query answer names no trade (out_trade_no, trade_no)"));
        }
        let Some(i) = input else {
            return Ok(());
        };
        let succeeded = outcome == Outcome::Succeeded;
        let names = |what: &str| Error::malformed(format!("the answer claims success but does not name {what}"));
        match op {
            // A paid micropay must name its order: the shared pay rule.
            Operation::Precreate if succeeded && out.is_none() => Err(names("the order (out_trade_no)")),
            Operation::RefundQuery if succeeded && out.is_none() => Err(names("the refund (out_trade_no)")),
            Operation::Refund => {
                if succeeded && out.is_none() {
                    return Err(names("the refund (out_trade_no)"));
                }
                same_origin(i, d, succeeded)
            }
            // A reversal is a trade of its own with no refund in the reply, so its number is checked
            // here. It is the request's nonce when no refundNo was given: only the original order can
            // be checked then.
            Operation::Cancel | Operation::Revoke => {
                super::same_subject(&[(text(&i.refund_no), out)])?;
                same_origin(i, d, succeeded)
            }
            Operation::Close => same_origin(i, d, succeeded),
            _ => Ok(()),
        }
    }
}

/// The original order a refund / close / revoked answer names must be the one asked about; when the
/// answer claims success (`required`) it must name it by at least one number the request sent.
fn same_origin(i: &Input, d: &TradeData, required: bool) -> Result<()> {
    let pairs = [
        (text(&i.merchant_order_no), text(&d.origin_out_trade_no)),
        (text(&i.provider_order_no), text(&d.origin_trade_no)),
    ];
    super::same_subject(&pairs)?;
    if required && !pairs.iter().any(|(asked, got)| asked.is_some() && asked == got) {
        return Err(Error::malformed(
            "the answer claims success but does not name the original order (origin_out_trade_no, origin_trade_no)",
        ));
    }
    Ok(())
}

impl Lakala {
    /// The envelope and this operation's table. The signature and its window were checked in `decode`.
    fn read_answer(&self, op: Operation, body: Value, input: Option<&Input>) -> Result<Reply> {
        let env: Envelope = match super::read(&body) {
            Ok(e) if super::objects_at(&body, &[&["resp_data"]]) => e,
            _ => return Err(Error::malformed("response is not the Lakala JSON envelope")),
        };
        let data = env.resp_data.unwrap_or_default();
        let (code_text, msg) = (env.code.as_deref(), env.msg.as_deref());
        // The unified refund API answers in its own codes (see `code`); its answers carry the refund's state.
        let unified = matches!(code_text, Some("000000" | "RFD00000" | "RFD11105" | "RFD11112"));
        let raw_state = data.trade_state.as_deref().or(data.trade_status.as_deref());
        // Those codes mean something only for a refund or its query: anywhere else they are unknown.
        let code_text_read = if unified && !matches!(op, Operation::Refund | Operation::RefundQuery) {
            None
        } else {
            code_text
        };
        let outcome = match code(code_text_read) {
            Code::Done => Outcome::Succeeded,
            Code::InProgress => Outcome::InProgress,
            Code::Refused(refused) => return Ok(Reply::failed(Error::provider(refused, code_text, msg))),
            // Undocumented: nothing it says can be read as an outcome, so it is an unreadable answer
            // (the pipeline keeps the code and words, and makes `retryable` agree with the next step).
            Code::Unknown => {
                let (code, msg) = (env.code.as_deref(), env.msg.as_deref());
                return Err(Error::provider(ErrorCode::ProviderError, code, msg));
            }
        };
        // A unified refund taken (000000) is as done as its trade_state says.
        let outcome = match (op, unified, outcome) {
            (Operation::Refund, true, Outcome::Succeeded) => match refund_state(UNIFIED_REFUND_STATES, raw_state) {
                RefundState::Success => Outcome::Succeeded,
                RefundState::Pending => Outcome::InProgress,
                RefundState::Failed => Outcome::Failed,
                RefundState::Unknown => Outcome::Unknown,
            },
            _ => outcome,
        };
        self.check_subject(op, outcome, &data, input)?;
        code_and_state_agree(op, outcome, &data)?;
        if op == Operation::Query && matches!(data.trade_main_type.as_deref(), Some("REFUND" | "CANCEL")) {
            return Err(Error::malformed(
                "the query found a refund or reversal trade, not a payment",
            ));
        }
        if op == Operation::RefundQuery && matches!(data.trade_main_type.as_deref(), Some("PREORDER" | "MICROPAY")) {
            return Err(Error::malformed("the refund query found a payment, not a refund"));
        }
        // What the operation itself says about the order, used only where the answer carries no state.
        let absent = match (op, outcome) {
            (Operation::Pay, Outcome::Succeeded) => Some((OrderState::Success, true)),
            (Operation::Pay, Outcome::InProgress) | (Operation::Precreate, _) => Some((OrderState::Pending, false)),
            _ => None,
        };
        let describes_order = matches!(op, Operation::Pay | Operation::Precreate | Operation::Query);
        let order = if describes_order
            && (data.trade_no.is_some() || data.out_trade_no.is_some() || data.trade_state.is_some())
        {
            Some(to_order(&data, absent)?)
        } else {
            None
        };
        // JSAPI / mini-program parameters in the wallet's shape, for an order made (a NATIVE preorder
        // answers a QR `code` instead, read by to_order).
        let params = match (op, outcome, &order) {
            (Operation::Precreate, Outcome::Succeeded, Some(_)) => pay_params(input, data.acc_resp_fields.as_ref()),
            _ => None,
        };
        let refund_amount = money::fen_field("refund_amount", &data.refund_amount)?;
        let refund = match op {
            Operation::Refund => Some(Refund {
                // An in-progress code may come without resp_data (RFD11112): the refund is the one asked for.
                refund_no: data.out_trade_no.clone().or_else(|| input.and_then(|i| i.refund_no.clone())),
                provider_refund_no: data.trade_no.clone(),
                // Without refund_amount the asked amount is reported (the pipeline compares a given one).
                amount: refund_amount.or(input.and_then(|i| i.amount.as_ref()).and_then(Value::as_i64)),
                state: match outcome {
                    Outcome::Succeeded => RefundState::Success,
                    Outcome::InProgress => RefundState::Pending,
                    Outcome::Failed => RefundState::Failed,
                    Outcome::Unknown => RefundState::Unknown,
                },
                provider_state: raw_state.map(str::to_string),
            }),
            Operation::RefundQuery => Some(trade_refund(
                &data,
                raw_state,
                if unified { UNIFIED_REFUND_STATES } else { REFUND_STATES },
            )?),
            _ => None,
        };
        // The refund's own words (channel_ret_desc "code#msg") where it failed or its state is unknown.
        let said = || {
            let words = data.channel_ret_desc.as_deref().or(msg);
            Error::provider(ErrorCode::ProviderError, raw_state.or(code_text), words)
        };
        let reply = match outcome {
            Outcome::Failed => Reply::failed(said()),
            Outcome::Unknown => Reply::unknown(said()),
            _ => Reply::new(outcome),
        };
        let reply = reply.with_order(order).with_refund(refund);
        Ok(match params {
            Some(p) => super::wallet::attach(reply, p),
            None => reply,
        })
    }
}

// ---------------------------------------------------------------- notifications

super::wire_struct! {
    /// The camelCase notice: the example Lakala signs in its notification-security document (doc 1009), a
    /// cashier payment notice: payOrderNo, merchantOrderNo, merchantNo, termId, amount (fen, a JSON number),
    /// tradeType "PAY", payStatus "S", payTime, payInfo "1#1#ALIPAY#0#<wallet no>", lklOrderNo (the
    /// trade_no form: date + 66210…, whose last 14 digits are its logNo), accountChannelOrderNo, actualPayAmount,
    /// tradeTime (yyyyMMddHHmmss, Beijing), logNo. Names as in that example; a wrong type is refused (MALFORMED).
    #[derive(Default)]
    struct CamelNotice {
        merchant_order_no: Option<String> = "merchantOrderNo",
        lkl_order_no: Option<String> = "lklOrderNo",
        account_channel_order_no: Option<String> = "accountChannelOrderNo",
        merchant_no: Option<String> = "merchantNo",
        term_id: Option<String> = "termId",
        trade_type: Option<String> = "tradeType",
        pay_status: Option<String> = "payStatus",
        amount: Option<Value> = "amount",
        actual_pay_amount: Option<Value> = "actualPayAmount",
        trade_time: Option<String> = "tradeTime",
        pay_info: Option<String> = "payInfo",
    }
}

/// `payStatus` of a `tradeType` "PAY" notice. Only "S" is shown by an official source (doc 1009's signed
/// example, a paid Alipay order: payTime set, actualPayAmount = amount); every other value is UNKNOWN, so the
/// notice is refused as unreadable and Lakala sends it again.
const CAMEL_PAY_STATES: &super::OrderStates = &[("S", OrderState::Success, true)];

/// A camelCase amount: fen as a JSON integer (doc 1009's example) or a string of digits.
fn fen_number(field: &str, v: &Option<Value>) -> Result<Option<i64>> {
    let bad = || Error::malformed(format!("{field} is not an amount in fen"));
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().filter(|f| (0..=MAX_AMOUNT).contains(f)).map(Some).ok_or_else(bad),
        Some(Value::String(t)) => money::fen_field(field, &Some(t.clone())),
        Some(_) => Err(bad()),
    }
}

fn camel_order(n: &CamelNotice) -> Result<Order> {
    let (state, is_final) = match n.trade_type.as_deref() {
        Some("PAY") => order_state(CAMEL_PAY_STATES, n.pay_status.as_deref()),
        _ => (OrderState::Unknown, false),
    };
    let total = fen_number("amount", &n.amount)?;
    let actual = fen_number("actualPayAmount", &n.actual_pay_amount)?;
    let paid = state.was_paid();
    // payInfo's third part names the wallet in the example ("ALIPAY"); only the names Lakala uses are read.
    let wallet = n.pay_info.as_deref().and_then(|p| p.split('#').nth(2));
    let wallet = wallet.filter(|w| matches!(*w, "ALIPAY" | "WECHAT" | "UQRCODEPAY"));
    let numbers = [n.merchant_order_no.as_deref(), n.lkl_order_no.as_deref(), n.account_channel_order_no.as_deref()];
    Ok(Order {
        amounts: Amounts {
            total,
            paid: if paid { actual.or(total) } else { None },
            refunded: if paid { Some(0) } else { None },
            ..Amounts::default()
        },
        paid_at: if paid { n.trade_time.as_deref().and_then(time::parse_beijing_compact) } else { None },
        provider_state: n.pay_status.clone(),
        ..Order::named(state, is_final, numbers, channel(wallet))
    })
}

impl Lakala {
    /// Lakala signs every merchant's notices with one platform key, so a genuine notice for another
    /// merchant or terminal (say, a fraudster's 0.01 yuan order under our order number) verifies too.
    /// The notice (doc 1112, as the emulator sends it) names the merchant; one that does not is not ours.
    /// `names`: the notice's own names for the merchant and terminal (merchant_no / term_no, merchantNo / termId).
    fn notice_is_ours(&self, names: [&str; 2], merchant_no: &Option<String>, term_no: &Option<String>) -> Result<()> {
        // merchant_no says whose money it is and must be there; term_no only narrows it (one merchant's
        // terminals), and public integrations read notices without it, so it is checked when present.
        let [merchant_name, term_name] = names;
        for (field, got, ours, config, needed) in [
            (
                merchant_name,
                merchant_no,
                &self.merchant_no,
                "credentials.merchantNo",
                true,
            ),
            (term_name, term_no, &self.term_no, "credentials.termNo", false),
        ] {
            match text(got) {
                None if !needed => {}
                None => {
                    return Err(Error::notification(
                        "WRONG_MERCHANT",
                        format!("the notice has no {field}, so it cannot be shown to be for this merchant"),
                    ))
                }
                Some(g) if g != ours => {
                    return Err(Error::notification(
                        "WRONG_MERCHANT",
                        format!("the notice is for another merchant: its {field} is not {config}"),
                    ))
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- registry

pub const PROVIDER: Provider = Provider("lakala");

pub const FLOW: super::Flows = super::Flows {
    // Lakala micropay docs: query at 5+5+5+5+10+10+20 s within a minute; 撤销 (revoked) reverses
    // a micropay, close an unpaid preorder.
    barcode: (
        60_000,
        &[(20_000, 5_000), (40_000, 10_000), (60_000, 20_000)],
        Operation::Revoke,
    ),
    qr: (240_000, &[(30_000, 2_000), (240_000, 5_000)], Operation::Close),
};

// ---------------------------------------------------------------- the gateway

impl Gateway for Lakala {
    fn private_key(&self) -> Option<&PrivateKey> {
        Some(&self.private_key)
    }

    /// What `req_data` reads for each operation, besides the portable fields.
    fn fields(&self, op: Operation) -> Option<&'static [&'static str]> {
        Some(match op {
            Operation::Pay => &["merchantOrderNo", "amount", "authCode"],
            Operation::Precreate => &["merchantOrderNo", "amount", "channel", "kind", "payerId", "subAppId"],
            Operation::Query => &["merchantOrderNo", "providerOrderNo"],
            Operation::RefundQuery => &["refundNo"],
            Operation::Refund => &["merchantOrderNo", "providerOrderNo", "refundNo", "amount"],
            Operation::Close => &["merchantOrderNo", "providerOrderNo"],
            Operation::Cancel | Operation::Revoke => &["merchantOrderNo", "providerOrderNo", "refundNo"],
            Operation::Activate | Operation::Checkin => return None,
        })
    }

    fn build(&self, op: Operation, input: &Input, ctx: &Ctx) -> Result<Prepared> {
        let nonce = ctx.nonce(1, 64)?;
        let (path, req_data) = self.req_data(op, input, nonce)?;
        let body = json!({
            "req_time": time::beijing_compact(ctx.now_ms),
            "version": "3.0",
            "out_org_code": self.app_id,
            "req_data": req_data,
        })
        .to_string();
        // Seconds, taken per request (never once per client).
        let timestamp = ctx.now_ms.div_euclid(1000).to_string();
        let to_sign = request_message(&self.app_id, &self.serial_no, &timestamp, nonce, body.as_bytes());
        let auth = format!(
            "LKLAPI-SHA256withRSA appid=\"{}\",serial_no=\"{}\",timestamp=\"{timestamp}\",nonce_str=\"{nonce}\",signature=\"{SIGNATURE_SLOT}\"",
            self.app_id, self.serial_no
        );
        let mut headers = BTreeMap::new();
        headers.insert("authorization".to_string(), auth);
        headers.insert("content-type".to_string(), "application/json".to_string());
        let request = HttpRequest {
            method: "POST".into(),
            url: format!("{}{}", self.base_url, path),
            headers,
            body,
        };
        Ok(Prepared {
            request,
            to_sign: Some(to_sign),
        })
    }

    /// JSON, trusted only when signed by the platform for our app within the window (doc 1004): an
    /// answer that is not keeps its bytes in `raw`, for support, and nothing it says.
    fn decode(&self, op: Operation, response: &HttpResponse, ctx: &Ctx) -> Decoded {
        let mut d = decode_json(&response.body, &[]);
        d.error = self.response_trusted(op, response, ctx).err();
        d
    }

    fn read(&mut self, op: Operation, body: Value, input: Option<&Input>, _ctx: &Ctx) -> Result<Reply> {
        self.read_answer(op, body, input)
    }

    fn answer_signed(&self, _op: Operation, response: &HttpResponse) -> Option<Signed> {
        let [appid, serial, ts, nonce, sig] = signed_headers(response)?;
        let message = request_message(appid, serial, ts, nonce, &response.body);
        Signed::new(message, crypto::base64_decode(sig)?, KeyUse::Platform, &self.platform_key)
    }

    fn notice_signed(&self, headers: &BTreeMap<String, String>, body: &[u8]) -> Option<Signed> {
        let (ts, nonce, sig) = notice_authorization(headers).ok()?;
        let message = notification_message(&ts, &nonce, body);
        Signed::new(message, crypto::base64_decode(&sig)?, KeyUse::Notify, &self.notify_key)
    }

    fn public_key(&self, key: KeyUse) -> Option<&PublicKey> {
        Some(match key {
            KeyUse::Platform => &self.platform_key,
            KeyUse::Notify => &self.notify_key,
        })
    }
    /// Doc 1009: `Authorization: LKLAPI-SHA256withRSA timestamp="…",nonce_str="…",signature="…"` over
    /// timestamp\nnonce_str\nbody\n, plus a replay window the official SDK lacks.
    fn verify_notification(&self, headers: &BTreeMap<String, String>, body: &[u8], ctx: &Ctx) -> Result<Notification> {
        let (ts, _, _) = notice_authorization(headers)?;
        let genuine = self
            .notice_signed(headers, body)
            .is_some_and(|s| ctx.verifier.passes(&s, &self.notify_key));
        if !genuine {
            return Err(Error::notification(
                "BAD_SIGNATURE",
                "the signature does not match: pass the raw request body exactly as received and check the platform (notify) certificate",
            ));
        }
        let seconds: i64 = ts
            .parse()
            .map_err(|_| Error::notification("MALFORMED", "timestamp is not a number of seconds"))?;
        let skew = ctx.now_ms.div_euclid(1000).abs_diff(seconds);
        if skew > self.tolerance_seconds.unsigned_abs() {
            return Err(Error::notification(
                "EXPIRED",
                format!(
                    "timestamp is {skew} s away from now; the window is {} s (a replay, or a wrong clock)",
                    self.tolerance_seconds
                ),
            ));
        }
        let (notice, raw) = parse_json(body, &[])
            .ok_or_else(|| Error::notification("MALFORMED", "the signed body is not JSON"))?;
        let malformed = |_| Error::notification("MALFORMED", "the signed body is not a Lakala trade notice");
        // Two formats: the trade notice in the answers' snake_case (doc 1112) and doc 1009's camelCase one.
        let camel = ["payStatus", "merchantOrderNo", "payOrderNo"].iter().any(|k| notice.get(k).is_some());
        let mut refund = None;
        let order = if camel {
            let n: CamelNotice = super::read(&notice).map_err(malformed)?;
            let order = camel_order(&n).map_err(|e| Error::notification("MALFORMED", e.message))?;
            self.notice_is_ours(["merchantNo", "termId"], &n.merchant_no, &n.term_id)?;
            order
        } else {
            let data: TradeData = super::read(&notice).map_err(malformed)?;
            let mut order = to_order(&data, None).map_err(|e| Error::notification("MALFORMED", e.message))?;
            self.notice_is_ours(["merchant_no", "term_no"], &data.merchant_no, &data.term_no)?;
            // A notice about a refund or reversal trade is not news of a payment: its SUCCESS is the refund's,
            // read as the refund (its own numbers; the order it refunds by origin_*), as a refund query reads it.
            if matches!(data.trade_main_type.as_deref(), Some("REFUND" | "CANCEL")) {
                let found = trade_refund(&data, data.trade_state.as_deref(), REFUND_STATES);
                refund = Some(found.map_err(|e| Error::notification("MALFORMED", e.message))?);
                let numbers = [data.origin_out_trade_no.as_deref(), data.origin_trade_no.as_deref(), None];
                order = Order::named(OrderState::Unknown, false, numbers, order.channel);
            }
            order
        };
        let mut ack_headers = BTreeMap::new();
        ack_headers.insert("content-type".to_string(), "application/json".to_string());
        let ack = Ack {
            status: 200,
            headers: ack_headers,
            body: r#"{"code":"SUCCESS","message":"执行成功"}"#.to_string(),
        };
        Ok(Notification {
            order,
            verified: true,
            refund,
            ack,
            raw,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests;
