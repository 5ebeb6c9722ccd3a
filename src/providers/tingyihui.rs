//! Tingyihui (停宜慧) open platform, "os-base".
//! Spec: the platform's Java SDK `tyhOS/parking-upload-sdk` (src/main/java/com/hfcsbc/…: client/command/trade/
//! TradeCmd, TradeCloseCmd, TradeQuery, TradeRefundCmd, TradeRefundQuery; client/dto/trade/TradePayDto,
//! TradeQueryResultDto, TradeRefundResultDto; client/model/TyhRequest; constants/PayConstant, constants/Code),
//! seed 002 (trade query), and the protocol notes `tingyihui.md` (secondary: the SDK wins where they differ).

use super::wallet::{self, OrderKind};
use super::{order_state, refund_state, put_required, base_url, merge_extra, optional, put, Ctx, Gateway, Input, Prepared, Reply, SIGNATURE_SLOT};
use crate::crypto::{self, PrivateKey};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{Ack, HttpRequest};
use crate::model::*;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

// ---------------------------------------------------------------- config and credentials

pub const DEFAULT_BASE_URL: &str = "https://os.hfcsbc.com";
/// TradeCmd.orderFee: "单位分 范围 1 ~ 1000000000".
const MAX_AMOUNT: i64 = 1_000_000_000;

super::wire_struct! {
    strict struct Config {
        base_url: Option<String> = "baseUrl",
        credentials: Option<Credentials> = "credentials",
        /// Read callbacks although nothing vouches for them (`verified: false`); off, they are refused.
        read_unsigned_callbacks: Option<bool> = "readUnsignedCallbacks",
    }
}

super::wire_struct! {
    strict struct Credentials {
        access_id: Option<String> = "accessId",
        /// The `secretKey`: bare Base64 PKCS#8 DER as handed out, or PEM.
        private_key: Option<String> = "privateKey",
        /// osMerchantCode, required to create trades (TradeCmd @NotNull).
        merchant_code: Option<String> = "merchantCode",
    }
}

#[derive(Debug)]
pub struct Tingyihui {
    base_url: String,
    access_id: String,
    private_key: PrivateKey,
    merchant_code: Option<String>,
    read_unsigned_callbacks: bool,
}

impl Tingyihui {
    pub fn new(config: Value) -> Result<Self> {
        let c: Config = super::parse_config(config)?;
        let base = base_url("baseUrl", &c.base_url, DEFAULT_BASE_URL)?;
        let cr = super::credentials(c.credentials)?;
        let access_id = super::credential("credentials.accessId", cr.access_id)?;
        let private_key = super::private_key("credentials.privateKey", cr.private_key)?;
        Ok(Tingyihui {
            base_url: base,
            access_id,
            private_key,
            merchant_code: cr.merchant_code.filter(|m| !m.is_empty()),
            read_unsigned_callbacks: c.read_unsigned_callbacks.unwrap_or(false),
        })
    }
}

// ---------------------------------------------------------------- wire types (names as on the wire)

super::wire_struct! {
    /// `{"code":8888,"msg":"处理成功","data":{…},"error":null}` (seed 002; model/TyhResponse).
    struct Envelope {
        code: Option<i64> = "code",
        msg: Option<String> = "msg",
        data: Option<Value> = "data",
    }
}

super::wire_struct! {
    /// TradeQueryResultDto (seed 002) and TradePayDto (create trade). Amounts are integer fen.
    #[derive(Default)]
    struct TradeData {
        /// The merchant the trade belongs to: an answer about another merchant's trade is not ours.
        os_merchant_code: Option<String> = "osMerchantCode",
        owner_trade_no: Option<String> = "ownerTradeNo",
        os_trade_no: Option<String> = "osTradeNo",
        tp_trade_no: Option<String> = "tpTradeNo",
        trade_status: Option<String> = "tradeStatus",
        order_fee: Option<i64> = "orderFee",
        payment_fee: Option<i64> = "paymentFee",
        /// TradeQueryResultDto.tpDiscountFee "三方支付机构的优惠金额 单位为分" (the wallet's discount).
        tp_discount_fee: Option<i64> = "tpDiscountFee",
        /// TradeNotifyDto.osDiscountFee "平台侧优惠金额" (the platform's, a partner's or the merchant's discount);
        /// that DTO says orderFee = paymentFee + tpDiscountFee + osDiscountFee. Not in TradeQueryResultDto: read
        /// when a callback or answer carries it.
        os_discount_fee: Option<i64> = "osDiscountFee",
        refund_fee: Option<i64> = "refundFee",
        pay_time: Option<i64> = "payTime",
        pay_channel: Option<String> = "payChannel",
        /// TradePayDto.sign: "调起支付的签名信息（扫码支付时直接返回url链接）".
        sign: Option<String> = "sign",
    }
}

super::wire_struct! {
    /// TradeRefundResultDto (the refund query's answer and, the emulator assumes, a refund callback's data).
    #[derive(Default)]
    struct RefundData {
        /// The trade refunded (TradeRefundResultDto.osTradeNo / tpTradeNo): names the order of a refund notice.
        os_trade_no: Option<String> = "osTradeNo",
        tp_trade_no: Option<String> = "tpTradeNo",
        refund_status: Option<String> = "refundStatus",
        os_refund_no: Option<String> = "osRefundNo",
        owner_refund_no: Option<String> = "ownerRefundNo",
        refund_fee: Option<i64> = "refundFee",
    }
}

// ---------------------------------------------------------------- signing

/// The string to sign: the four values concatenated, no names, no separators ("接口加密方案").
pub fn string_to_sign(access_id: &str, data: &str, sign_type: &str, time_stamp: i64) -> String {
    format!("{access_id}{data}{sign_type}{time_stamp}")
}

// ---------------------------------------------------------------- requests
/// ownerTradeNo / osTradeNo: at least one (seed 002).
fn trade_ref(m: &mut Map<String, Value>, input: &Input) -> Result<()> {
    super::order_ref(m, input, ("osTradeNo", 64), ("ownerTradeNo", 64))
}

/// What the trade command makes: (kind, wallet, (payChannel, payProduct)). SDK constants/PayConstant.PayChannel
/// (ALI_PAY, WX_PAY, CCB, CMB: no UnionPay) and PayConstant.PayProduct (APP, MINI_APP, M_WEB, PC_WEB, USER_QR,
/// MCH_QR, FACE, H5, CREDIT). No product is documented as a WeChat official-account / Alipay life-page (JSAPI)
/// payment ("H5: 网页支付" is not said to be one), so JSAPI is refused rather than sent as a guess; a WeChat
/// payment inside the wallet is the mini-program one. `channel` is required: one trade has one payChannel.
const OFFERS: &wallet::Offers<(&str, &str)> = &[
    // USER_QR "用户扫码，扫商家码": TradePayDto.sign "扫码支付时直接返回url链接".
    (OrderKind::Qr, "ALIPAY", ("ALI_PAY", "USER_QR")),
    (OrderKind::Qr, "WECHAT", ("WX_PAY", "USER_QR")),
    // MINI_APP "小程序": TradeCmd.ownerAppBuyerId "支付宝或微信应用的买家id，小程序必传".
    (OrderKind::MiniProgram, "ALIPAY", ("ALI_PAY", "MINI_APP")),
    (OrderKind::MiniProgram, "WECHAT", ("WX_PAY", "MINI_APP")),
    // M_WEB "手机网站支付": TradeCmd.quitUrl "支付宝手机网页支付必传".
    (OrderKind::H5, "ALIPAY", ("ALI_PAY", "M_WEB")),
    (OrderKind::H5, "WECHAT", ("WX_PAY", "M_WEB")),
];

const NAME: &str = "Tingyihui";

/// The asked kind and wallet, and the trade command's (payChannel, payProduct) for them.
fn offer(input: &Input) -> Result<(OrderKind, &'static str, (&'static str, &'static str))> {
    wallet::offer(input, OFFERS, NAME)
}

impl Tingyihui {
    fn business(&self, op: Operation, input: &Input) -> Result<(&'static str, Map<String, Value>)> {
        let mut m = Map::new();
        let path = match op {
            Operation::Precreate => {
                let merchant = self.merchant_code.as_deref().ok_or_else(|| {
                    Error::config(
                        "credentials.merchantCode",
                        "is required to create trades (the platform's osMerchantCode)",
                    )
                })?;
                put(&mut m, "osMerchantCode", Some(merchant));
                // TradeCmd.osStoreCode "平台分配的门店编号": optional in the SDK's TradeCmd (no @NotNull, unlike
                // osMerchantCode), so storeId is optional here too; the platform checks it is the merchant's.
                put(&mut m, "osStoreCode", optional("storeId", &input.store_id, 64)?);
                put_required(&mut m, "ownerTradeNo", "merchantOrderNo", &input.merchant_order_no, 64)?;
                let (kind, channel, (pay_channel, pay_product)) = offer(input)?;
                put(&mut m, "payChannel", Some(pay_channel));
                put(&mut m, "payProduct", Some(pay_product));
                // TradeCmd.ownerAppBuyerId: the buyer in the wallet, "小程序必传"; nowhere else.
                put(&mut m, "ownerAppBuyerId", wallet::payer(input, kind, 128)?);
                // TradeCmd.ownerAppId "商户独立应用的appId，没有可不传": the merchant's own mini-program, whose
                // user the buyer id is ("若商户有独立的小程序应用，则传商户小程序的用户id").
                let app = optional("subAppId", &input.sub_app_id, 64)?;
                if app.is_some() && kind != OrderKind::MiniProgram {
                    return Err(Error::input(
                        "subAppId",
                        format!("has no meaning for a {} order on Tingyihui (only MINI_PROGRAM names the merchant's own mini-program, as ownerAppId)", kind.name()),
                    ));
                }
                put(&mut m, "ownerAppId", app);
                // TradeCmd.quitUrl "支付宝手机网页支付必传，用户付款中途退出返回商户网站的地址".
                let quit = optional("returnUrl", &input.return_url, 256)?;
                match (kind, channel, quit) {
                    (OrderKind::H5, "ALIPAY", None) => {
                        return Err(Error::input(
                            "returnUrl",
                            "is required for an Alipay H5 order on Tingyihui (sent as quitUrl: where the buyer returns if they leave the payment)",
                        ))
                    }
                    (OrderKind::H5, "ALIPAY", Some(_)) => put(&mut m, "quitUrl", quit),
                    (_, _, Some(_)) => {
                        return Err(Error::input(
                            "returnUrl",
                            "has no meaning here on Tingyihui (it is the quitUrl of an Alipay H5 order only)",
                        ))
                    }
                    _ => {}
                }
                put_required(&mut m, "title", "subject", &input.subject, 256)?;
                put(&mut m, "remark", optional("reflect", &input.reflect, 256)?);
                let fee = crate::money::amount_from_input("amount", input.amount.as_ref(), MAX_AMOUNT)?;
                m.insert("orderFee".into(), Value::from(fee));
                put(&mut m, "notifyUrl", optional("notifyUrl", &input.notify_url, 256)?);
                // The SDK's latest TyhPaymentService (APPLICATION_NAME "/os-base", RSA2): TRADE_PATH
                // "/os-base/trade/v2/open"; older copies have /trade/v1/open and /trade/open.
                "/os-base/trade/v2/open"
            }
            Operation::Close => {
                trade_ref(&mut m, input)?;
                "/os-base/trade/close/v1/open"
            }
            Operation::Query => {
                trade_ref(&mut m, input)?;
                "/os-base/query/trade/v1/open"
            }
            Operation::Refund => {
                trade_ref(&mut m, input)?;
                put_required(&mut m, "ownerRefundNo", "refundNo", &input.refund_no, 64)?;
                let fee = crate::money::amount_from_input("amount", input.amount.as_ref(), MAX_AMOUNT)?;
                m.insert("refundFee".into(), Value::from(fee));
                put(
                    &mut m,
                    "refundReason",
                    optional("description", &input.description, 128)?,
                );
                put(&mut m, "callbackUrl", optional("notifyUrl", &input.notify_url, 256)?);
                "/os-base/refund/v1/open"
            }
            Operation::RefundQuery => {
                // The SDK marks osRefundNo as required; ownerRefundNo alone is sent as given.
                super::refund_ref(&mut m, input, ("osRefundNo", 64), ("ownerRefundNo", 64))?;
                "/os-base/query/refund/v1/open"
            }
            _ => {
                return Err(Error::unsupported("Tingyihui supports precreate, query, close, refund and refundQuery",
                ))
            }
        };
        merge_extra(&mut m, &input.extra)?;
        Ok((path, m))
    }
}

// ---------------------------------------------------------------- status tables

/// tradeStatus → (state, final). PayConstant.TradeStatus and seed 002; the docs say CLOSE, the constant
/// is CLOSED — both accepted. Anything else is UNKNOWN.
const ORDER_STATES: &super::OrderStates = &[
    ("WAIT", OrderState::Pending, false), // waiting for the buyer
    ("SUCCESS", OrderState::Success, true), // paid
    ("SUCCESS_PART_REFUND", OrderState::PartiallyRefunded, true), // paid, partly refunded
    ("SUCCESS_FULL_REFUND", OrderState::Refunded, true), // paid, fully refunded
    ("FAILURE", OrderState::Failed, true), // failed, cancelled, timed out
    ("CLOSED", OrderState::Closed, true), // closed
    ("CLOSE", OrderState::Closed, true),
    ("REFUNDING", OrderState::Refunding, false), // refund in progress
];

/// refundStatus (PayConstant.RefundStatus): WAIT, SUCCESS, FAILURE, CLOSED.
const REFUND_STATES: &super::RefundStates = &[
    ("WAIT", RefundState::Pending),
    ("SUCCESS", RefundState::Success),
    ("FAILURE", RefundState::Failed),
    ("CLOSED", RefundState::Failed),
    ("CLOSE", RefundState::Failed),
];

/// Envelope `code` → None for success, otherwise the reply it makes.
///
/// The SDK has two code tables with different numbers for the same errors: `constants/Code` (signature error
/// 1013, access_id 1012, expired 1006) and `constants/TyhErrorCode` (1008, 1003, 1007; "对外SDK之错误码表").
/// This follows `Code`: it is the payment client's (`TyhRestConnection.checkAndGetResponse` builds `Results`,
/// whose `ifSuccess` compares with `Code.SUCCESS`), and seed 002 and the protocol notes give its ranges
/// (TyhErrorCode belongs to `TyhResponse`, the parking-upload client). Where the other table would read a
/// refusal as something that may have happened after processing, the reply is UNKNOWN: 1009 is Code's
/// "请求方法或参数异常" but TyhErrorCode's "网络请求错误" (the platform's own call may have reached the wallet);
/// 1005 is Code's "请求超时". So: 8888 success; 0 FAILURE (处理失败); 1000–1013 the request refused before
/// processing; 4000–4029 business refusals; 1005, 1009, 5000 and anything unlisted UNKNOWN.
fn code_reply(code: Option<i64>, msg: Option<&str>) -> Option<Reply> {
    let error = |e| Error::provider(e, code.map(|c| c.to_string()).as_deref(), msg);
    let refused = |e| Some(Reply::failed(error(e)));
    match code {
        Some(8888) => None,
        Some(0) => refused(ErrorCode::ProviderError), // 处理失败
        Some(1000 | 1001 | 1002 | 1007 | 1008 | 1010 | 1011) => refused(ErrorCode::InvalidRequest), // missing / wrong parameters
        Some(1003 | 1004) => refused(ErrorCode::ProviderError), // file errors
        Some(1006 | 1012 | 1013) => refused(ErrorCode::AuthFailed), // expired request (clock), access_id, signature
        // ITEM_CONFLICT 4000 "资源已存在" and REPEAT_SUBMIT 4002 "重复提交": the trade or refund number was
        // used before, and that request may stand. DuplicateOrder: the shared rule makes it UNKNOWN + POLL
        // (FAILED would invite a second refund under a new number, or a second trade).
        Some(4000 | 4002) => refused(ErrorCode::DuplicateOrder),
        Some(4004) => refused(ErrorCode::OrderNotFound),
        Some(4008) => refused(ErrorCode::AuthFailed),
        Some(4029) => refused(ErrorCode::ProviderUnavailable), // too many requests
        Some(4001 | 4003 | 4005..=4007 | 4009..=4028) => refused(ErrorCode::ProviderError),
        _ => Some(Reply::unknown(error(ErrorCode::ProviderError))),
    }
}

fn channel(v: Option<&str>) -> Option<Channel> {
    v.filter(|c| !c.is_empty()).map(|c| match c {
        "ALI_PAY" => Channel::Alipay,
        "WX_PAY" => Channel::Wechat,
        _ => Channel::Other,
    })
}

// ---------------------------------------------------------------- responses

fn to_order(d: &TradeData, state_override: Option<(OrderState, bool)>) -> Order {
    let (state, is_final) = state_override.unwrap_or_else(|| order_state(ORDER_STATES, d.trade_status.as_deref()));
    let total = d.order_fee;
    let paid = match state {
        s if s.was_paid() => d.payment_fee.or(total),
        OrderState::Pending | OrderState::Failed | OrderState::Closed => Some(0),
        _ => None,
    };
    let refunded = if state.was_paid() || state == OrderState::Pending {
        d.refund_fee.or(Some(0))
    } else {
        d.refund_fee
    };
    let net = paid.zip(refunded).and_then(|(p, r)| p.checked_sub(r));
    let numbers = [d.owner_trade_no.as_deref(), d.os_trade_no.as_deref(), d.tp_trade_no.as_deref()];
    // The wallet's and the platform side's discounts (TradeNotifyDto: orderFee = paymentFee + tpDiscountFee +
    // osDiscountFee); whichever is given.
    let discount = match (d.tp_discount_fee, d.os_discount_fee) {
        (Some(tp), Some(os)) => tp.checked_add(os),
        (tp, os) => tp.or(os),
    };
    Order {
        amounts: Amounts { total, paid, refunded, net, discount, ..Amounts::default() },
        paid_at: if state.was_paid() { d.pay_time } else { None },
        provider_state: d.trade_status.clone(),
        ..Order::named(state, is_final, numbers, channel(d.pay_channel.as_deref()))
    }
}

/// TradePayDto.sign, "调起支付的签名信息（扫码支付时直接返回url链接）", read for the kind of order made: a QR's
/// code URL; a WeChat mini-program's wx.requestPayment parameters, a JSON object under WeChat's own names
/// (the SDK types it only as a String: the JSON form is this library's reading, not a documented one); an
/// Alipay mini-program's trade number for my.tradePay (likewise); an H5 order's redirect URL.
fn pay_params(kind: OrderKind, channel: &str, sign: Option<&str>) -> (Option<String>, Option<wallet::PayParams>) {
    let url = sign.filter(|s| s.starts_with("https://") || s.starts_with("http://"));
    match (kind, channel) {
        // A WeChat Native code is `weixin://wxpay/bizpayurl?…`: a URL too, to put in the QR code.
        (OrderKind::Qr, _) => (url.or(sign.filter(|s| s.starts_with("weixin://"))).map(str::to_string), None),
        (OrderKind::H5, _) => (None, Some(wallet::redirect(url))),
        (_, "WECHAT") => {
            let object = sign
                .and_then(|s| crate::json::parse(s.as_bytes()).ok())
                .unwrap_or(Value::Null);
            (None, Some(wallet::wechat(&object, &wallet::WECHAT_KEYS)))
        }
        _ => (None, Some(wallet::alipay(sign.filter(|s| url.is_none() && !s.starts_with('{'))))),
    }
}

/// The refund and refundQuery answer: TradeRefundResultDto, or only the platform's refund number (a bare
/// string). `asked` completes the refund number when the answer leaves it out.
fn read_refund(op: Operation, data: Value, asked: Option<&str>) -> Result<Reply> {
    let d: RefundData = match data {
        Value::String(os) => RefundData {
            os_refund_no: Some(os),
            ..RefundData::default()
        },
        other => super::read(&other).map_err(|_| Error::malformed("refund data is not readable"))?,
    };
    if d.refund_fee.is_some_and(|f| !(0..=crate::money::MAX_FEN).contains(&f)) {
        return Err(Error::malformed("refundFee is negative or too large"));
    }
    // An accepted refund without a status is under way: confirm it with refundQuery.
    let state = match (op, d.refund_status.as_deref()) {
        (Operation::Refund, None) => RefundState::Pending,
        (_, s) => refund_state(REFUND_STATES, s),
    };
    let said = |words| {
        Some(Error::provider(
            ErrorCode::ProviderError,
            d.refund_status.as_deref(),
            Some(words),
        ))
    };
    let error = match state {
        RefundState::Failed => said("the refund failed"),
        RefundState::Unknown => said("unrecognized refund status"),
        _ => None,
    };
    // refund: the refund's state is the operation's outcome; refundQuery: the query succeeded.
    let outcome = match (op, state) {
        (Operation::RefundQuery, _) | (_, RefundState::Success) => Outcome::Succeeded,
        (_, RefundState::Failed) => Outcome::Failed,
        (_, RefundState::Pending) => Outcome::InProgress,
        (_, RefundState::Unknown) => Outcome::Unknown,
    };
    let refund = Refund {
        refund_no: d.owner_refund_no.or_else(|| asked.map(str::to_string)),
        provider_refund_no: d.os_refund_no,
        amount: d.refund_fee,
        state,
        provider_state: d.refund_status,
    };
    Ok(Reply::new(outcome).with_error(error).with_refund(Some(refund)))
}

impl Tingyihui {
    /// TradePayDto / TradeQueryResultDto, read once for answers and callbacks alike: amounts in range, and
    /// the trade this merchant's (osMerchantCode, when both sides name one).
    fn trade_data(&self, data: Value) -> Result<TradeData> {
        let d: TradeData = super::read(&data).map_err(|_| Error::malformed("trade data is not readable"))?;
        let amounts = [d.order_fee, d.payment_fee, d.tp_discount_fee, d.os_discount_fee, d.refund_fee];
        if amounts.iter().flatten().any(|a| *a < 0 || *a > crate::money::MAX_FEN) {
            return Err(Error::malformed("an amount is negative or too large"));
        }
        Ok(d)
    }

    /// An answer or notice about another merchant's trade is not ours.
    fn ours(&self, d: &TradeData) -> bool {
        let theirs = d.os_merchant_code.as_deref().filter(|m| !m.is_empty());
        match (self.merchant_code.as_deref(), theirs) {
            (Some(ours), Some(theirs)) => ours == theirs,
            _ => true,
        }
    }

    /// The precreate, query and close answer: TradePayDto / TradeQueryResultDto.
    fn read_trade(&self, op: Operation, data: Value, input: Option<&Input>) -> Result<Reply> {
        // Close answers carry no trade (Results<String>); read one only if it is there.
        if op == Operation::Close && !data.is_object() {
            return Ok(Reply::new(Outcome::Succeeded));
        }
        let d = self.trade_data(data)?;
        if !self.ours(&d) {
            return Err(Error::malformed(
                "the answer is about another merchant's trade (osMerchantCode is not credentials.merchantCode)",
            ));
        }
        // A trade just created waits for its buyer: any other state contradicts "created".
        if op == Operation::Precreate && d.trade_status.as_deref().is_some_and(|s| s != "WAIT") {
            return Err(Error::malformed(format!(
                "the new trade's answer shows tradeStatus {:?}, not WAIT",
                d.trade_status.as_deref().unwrap_or_default()
            )));
        }
        let override_state = (op == Operation::Precreate).then_some((OrderState::Pending, false));
        let mut order = to_order(&d, override_state);
        // A close that succeeded must show the trade ended. The shared rule refuses a close showing the
        // money held or the buyer still able to pay; a state nobody can name vouches for neither.
        if op == Operation::Close && order.state == OrderState::Unknown {
            return Err(Error::malformed(format!(
                "the close answer shows tradeStatus {:?}, not a closed trade",
                order.provider_state.as_deref().unwrap_or_default()
            )));
        }
        if op != Operation::Precreate {
            return Ok(Reply::new(Outcome::Succeeded).with_order(Some(order)));
        }
        // The kind asked for says how to read `sign` (build accepted the input, so it is in OFFERS).
        let (kind, channel) = match input.map(offer) {
            Some(Ok((kind, channel, _))) => (kind, channel),
            _ => (OrderKind::Qr, "ANY"),
        };
        let (qr, params) = pay_params(kind, channel, d.sign.as_deref());
        order.qr_code = qr;
        let reply = Reply::new(Outcome::Succeeded).with_order(Some(order));
        Ok(match params {
            Some(p) => wallet::attach(reply, p),
            None => reply,
        })
    }

    /// A callback: TyhRequest's envelope {access_id, data, sign, sign_type, time_stamp} whose `data` is Base64
    /// JSON, decoded as the SDK's `TyhRequest.decode` does; the trade in it is TradeQueryResultDto ("查询、回调
    /// 单笔交易结果"), or TradeRefundResultDto for a refund. No public material gives the platform's key or says
    /// what `sign` covers (`TyhRequest.isSign`: "判断是否签名，暂时未实现", returns true), so nothing vouches for
    /// it: `verified` is false and the merchant confirms by query before acting.
    fn notice(&self, body: &[u8]) -> Result<Notification> {
        let malformed = |why: &str| Error::notification("MALFORMED", format!("the callback {why}"));
        let envelope: Value =
            crate::json::parse(body).map_err(|_| malformed("is not the os-base JSON envelope"))?;
        let data = envelope
            .get("data")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("has no Base64 data"))?;
        let decoded = crypto::base64_decode(data).ok_or_else(|| malformed("data is not Base64"))?;
        let data: Value =
            crate::json::parse(&decoded).map_err(|_| malformed("data is not Base64 of JSON"))?;
        if !data.is_object() {
            return Err(malformed("data is not a JSON object"));
        }
        let ack = Ack {
            status: 200,
            headers: BTreeMap::from([("content-type".to_string(), "application/json".to_string())]),
            // TyhResponse.SUCCESS(): the platform's own success answer (what it expects back is not published).
            body: r#"{"code":8888,"msg":"处理成功"}"#.to_string(),
        };
        let notification = |order, refund| Notification {
            order,
            verified: false,
            refund,
            ack: ack.clone(),
            raw: data.clone().into(),
        };
        // A refund callback names its merchant too, where it says one.
        let code = data.get("osMerchantCode").and_then(Value::as_str).filter(|c| !c.is_empty());
        if data.get("refundStatus").is_some() && code.is_some_and(|c| self.merchant_code.as_deref().is_some_and(|m| m != c)) {
            return Err(Error::notification(
                "WRONG_MERCHANT",
                "the refund callback's osMerchantCode is not this client's credentials.merchantCode",
            ));
        }
        if data.get("refundStatus").is_some() {
            let reply = read_refund(Operation::RefundQuery, data.clone(), None)
                .map_err(|e| Error::notification("MALFORMED", e.message))?;
            let d: RefundData = super::read(&data).unwrap_or_default();
            let numbers = [None, d.os_trade_no.as_deref(), d.tp_trade_no.as_deref()];
            let order = Order::named(OrderState::Unknown, false, numbers, None);
            return Ok(notification(order, reply.refund));
        }
        let d = self
            .trade_data(data.clone())
            .map_err(|e| Error::notification("MALFORMED", e.message))?;
        if !self.ours(&d) {
            return Err(Error::notification(
                "WRONG_MERCHANT",
                "the callback's osMerchantCode is not this client's credentials.merchantCode",
            ));
        }
        Ok(notification(to_order(&d, None), None))
    }
}

// ---------------------------------------------------------------- the gateway

// ---------------------------------------------------------------- registry

pub const PROVIDER: Provider = Provider("tingyihui");

pub const FLOW: super::Flows = super::Flows {
    // No barcode pay; its QR trades are closed when the buyer does not pay.
    barcode: (240_000, &[(30_000, 2_000), (240_000, 5_000)], Operation::Close),
    qr: (240_000, &[(30_000, 2_000), (240_000, 5_000)], Operation::Close),
};

impl Gateway for Tingyihui {
    /// What `business` reads besides the portable fields (subject, storeId, notifyUrl, description, extra).
    fn fields(&self, op: Operation) -> Option<&'static [&'static str]> {
        Some(match op {
            Operation::Precreate => &[
                "merchantOrderNo",
                "amount",
                "channel",
                "kind",
                "payerId",
                "subAppId",
                "returnUrl",
                "reflect",
            ],
            Operation::Query | Operation::Close => &["merchantOrderNo", "providerOrderNo"],
            Operation::Refund => &["merchantOrderNo", "providerOrderNo", "refundNo", "amount"],
            Operation::RefundQuery => &["providerRefundNo", "refundNo"],
            _ => return None,
        })
    }

    fn build(&self, op: Operation, input: &Input, ctx: &Ctx) -> Result<Prepared> {
        let (path, business) = self.business(op, input)?;
        let data = crypto::base64_encode(Value::Object(business).to_string().as_bytes());
        let to_sign = string_to_sign(&self.access_id, &data, "RSA2", ctx.now_ms);
        // Every value in the envelope is made here (access_id from config, Base64, digits), so the
        // signature slot is the only place the placeholder can appear.
        let mut envelope = Map::new();
        envelope.insert("access_id".into(), Value::String(self.access_id.clone()));
        envelope.insert("data".into(), Value::String(data));
        envelope.insert("sign".into(), Value::String(SIGNATURE_SLOT.into()));
        envelope.insert("sign_type".into(), Value::String("RSA2".into()));
        envelope.insert("time_stamp".into(), Value::from(ctx.now_ms));
        let mut headers = BTreeMap::new();
        headers.insert("content-type".to_string(), "application/json".to_string());
        let request = HttpRequest {
            method: "POST".into(),
            url: format!("{}{}", self.base_url, path),
            headers,
            body: Value::Object(envelope).to_string(),
        };
        Ok(Prepared {
            request,
            to_sign: Some(to_sign.into_bytes()),
        })
    }

    /// `{"code":8888,"msg":"处理成功","data":{…},"error":null}`; answers are unsigned (the default decode).
    fn read(&mut self, op: Operation, body: Value, input: Option<&Input>, _ctx: &Ctx) -> Result<Reply> {
        // data is an object, a bare refund number (string) or nothing; never an array.
        let env: Envelope = match super::read(&body) {
            Ok(e) if body.is_object() && !body.get("data").is_some_and(Value::is_array) => e,
            _ => return Err(Error::malformed("response is not the os-base JSON envelope")),
        };
        if let Some(reply) = code_reply(env.code, env.msg.as_deref()) {
            return Ok(reply);
        }
        let data = env.data.unwrap_or(Value::Null);
        match op {
            Operation::Refund | Operation::RefundQuery => {
                read_refund(op, data, input.and_then(|i| i.refund_no.as_deref()))
            }
            Operation::Precreate | Operation::Query | Operation::Close => self.read_trade(op, data, input),
            _ => Err(Error::unsupported("Tingyihui answers precreate, query, close, refund and refundQuery",
            )),
        }
    }

    /// Callbacks are decoded (`notice`); no public material shows a signature to check, so `verified` is false.
    fn verify_notification(
        &self,
        _headers: &BTreeMap<String, String>,
        body: &[u8],
        _ctx: &Ctx,
    ) -> Result<Notification> {
        // Anyone can post a callback that reads as paid: the merchant reads them only knowingly.
        if !self.read_unsigned_callbacks {
            return Err(Error::notification(
                "UNVERIFIABLE",
                "Tingyihui callbacks carry no signature anyone can check (the SDK's TyhRequest.isSign is not implemented, no platform key is published): confirm the order with query; set readUnsignedCallbacks: true to read them as unverified hints",
            ));
        }
        self.notice(body)
    }

    /// The merchant key that signs every request (the host's signer may sign instead).
    fn private_key(&self) -> Option<&PrivateKey> {
        Some(&self.private_key)
    }
}

#[cfg(test)]
pub(crate) mod tests;
