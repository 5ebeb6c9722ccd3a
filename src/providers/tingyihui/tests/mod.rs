//! Unit tests for the Tingyihui gateway: the tradeStatus and refundStatus tables, the envelope code
//! table, amounts and times, precreate's QR code, input validation, configuration (a bare Base64 PKCS#8
//! key as handed out), notifications (unsupported), secrets, the fields each operation reads, and the
//! conformance fixture (answers are unsigned). Request signing is exercised end to end
//! in `tests/rsa_vectors.rs`.
//!
//! The key below was generated once with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`.

use crate::providers::testkit::assert_uncertain;
use super::*;
use crate::http::HttpResponse;
use crate::providers::testkit::MERCHANT_KEY;
use serde_json::json;

mod notify;
mod wallet;

// ================================================================ helpers

const ACCESS_ID: &str = "16373180971704771";
const MERCHANT_CODE: &str = "2163737276721967";
const ORDER: &str = "test_trade_191281333";
const OS_TRADE_NO: &str = "trade_28367673307369472";
const REFUND_NO: &str = "refund_191281333_1";

/// The key as Tingyihui hands it out: bare Base64 PKCS#8 DER, no PEM armour, one line.
fn bare_key() -> String {
    MERCHANT_KEY.lines().filter(|l| !l.starts_with("-----")).collect()
}

fn config() -> Value {
    json!({"provider": "tingyihui", "credentials": {"accessId": ACCESS_ID, "privateKey": bare_key(), "merchantCode": MERCHANT_CODE}})
}

fn config_with(changes: Value) -> Value {
    crate::providers::testkit::with_credentials(config(), changes)
}

fn gateway() -> Tingyihui {
    Tingyihui::new(config()).expect("valid config")
}

fn input(v: Value) -> Input {
    crate::providers::read(&v).expect("test input must deserialize")
}

fn ctx() -> Ctx {
    Ctx {
        now_ms: 1_637_800_000_000,
        nonce: String::new(),
        verifier: Default::default(),
    }
}

fn valid_input(op: Operation) -> Value {
    match op {
        Operation::Precreate => {
            json!({"merchantOrderNo": ORDER, "amount": 100, "channel": "ALIPAY", "subject": "停车费"})
        }
        Operation::Query | Operation::Close => json!({"merchantOrderNo": ORDER}),
        Operation::Refund => json!({"merchantOrderNo": ORDER, "refundNo": REFUND_NO, "amount": 1}),
        Operation::RefundQuery => json!({"refundNo": REFUND_NO}),
        _ => json!({"merchantOrderNo": ORDER, "amount": 100, "authCode": "134567890123456789"}),
    }
}

fn with(op: Operation, key: &str, v: Value) -> Input {
    let mut o = valid_input(op);
    if v.is_null() {
        o.as_object_mut().unwrap().remove(key);
    } else {
        o[key] = v;
    }
    input(o)
}

fn http(status: u16, body: impl Into<Vec<u8>>) -> HttpResponse {
    HttpResponse {
        status,
        headers: BTreeMap::new(),
        body: body.into(),
    }
}

fn ok(data: Value) -> Vec<u8> {
    json!({"code": 8888, "msg": "处理成功", "data": data, "error": null})
        .to_string()
        .into_bytes()
}

/// Seed 002's query answer (data), with `tradeStatus` set.
fn trade(status: &str) -> Value {
    json!({
        "ownerTradeNo": ORDER, "tpTradeNo": "2021120322001492615754265829", "osTradeNo": OS_TRADE_NO,
        "tradeStatus": status, "orderFee": 1, "paymentFee": 1, "remark": "123", "osMerchantCode": MERCHANT_CODE,
        "osStoreCode": "3163757684139653", "createdTime": 1638777264384i64, "payTime": 1638777285405i64,
        "payChannel": "ALI_PAY", "payProduct": "USER_QR", "title": "停车费", "callbackUrl": "以https开头的支付通知回调地址",
        "refundFee": 0, "payBusiness": null, "ownerBusinessNo": "3219231890321", "ownerPayTerminal": "手机",
        "ownerAppBuyerId": 2087123219218i64, "buyerLoginId": "132****8866"
    })
}

fn trade_with(status: &str, changes: Value) -> Value {
    let mut d = trade(status);
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            d.as_object_mut().unwrap().remove(k);
        } else {
            d[k] = v.clone();
        }
    }
    d
}

fn parse(op: Operation, status: u16, body: impl Into<Vec<u8>>) -> OperationResult {
    let inp = input(valid_input(op));
    crate::providers::parse_checked(&mut gateway(), op, &http(status, body), Some(&inp), &Ctx::default())
}



// ================================================================ 1. tradeStatus

/// The SDK's tradeStatus table: (value, state, final), then near misses that must read UNKNOWN. The
/// conformance suite reads every row through a query (`Fixture::states`).
const TRADE_STATUS_TABLE: [(&str, OrderState, bool); 12] = [
    ("WAIT", OrderState::Pending, false),
    ("SUCCESS", OrderState::Success, true),
    ("SUCCESS_PART_REFUND", OrderState::PartiallyRefunded, true),
    ("SUCCESS_FULL_REFUND", OrderState::Refunded, true),
    ("FAILURE", OrderState::Failed, true),
    ("CLOSED", OrderState::Closed, true),
    ("CLOSE", OrderState::Closed, true),
    ("REFUNDING", OrderState::Refunding, false),
    ("FAIL", OrderState::Unknown, false),
    ("PAYING", OrderState::Unknown, false),
    ("SUCCESS ", OrderState::Unknown, false),
    ("REFUND", OrderState::Unknown, false),
];

#[test]
fn no_trade_status_is_unknown() {
    let r = parse(Operation::Query, 200, ok(trade_with("x", json!({"tradeStatus": null}))));
    assert_eq!(r.order.unwrap().state, OrderState::Unknown);
}

#[test]
fn seed_query_answer_maps_amounts_and_times() {
    let r = parse(Operation::Query, 200, ok(trade("SUCCESS")));
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::None));
    assert!(r.error.is_none());
    let o = r.order.unwrap();
    assert_eq!(o.merchant_order_no.as_deref(), Some(ORDER));
    assert_eq!(o.provider_order_no.as_deref(), Some(OS_TRADE_NO));
    assert_eq!(o.channel_order_no.as_deref(), Some("2021120322001492615754265829"));
    assert_eq!(o.channel, Some(Channel::Alipay));
    assert_eq!(
        o.amounts,
        Amounts {
            total: Some(1),
            paid: Some(1),
            refunded: Some(0),
            net: Some(1),
            fee: None,
            discount: None
        }
    );
    assert_eq!(o.paid_at, Some(1_638_777_285_405));
    assert!(o.qr_code.is_none() && o.pay_params.is_none());
    assert_eq!(r.raw.value()["data"]["buyerLoginId"], "132****8866", "raw keeps the body");
}

#[test]
fn amounts_by_state() {
    let fees =
        json!({"orderFee": 1000, "paymentFee": 990, "tpDiscountFee": 10, "refundFee": 300, "payChannel": "WX_PAY"});
    let order = |status: &str| {
        parse(Operation::Query, 200, ok(trade_with(status, fees.clone())))
            .order
            .unwrap()
    };
    let o = order("SUCCESS_PART_REFUND");
    assert_eq!(
        o.amounts,
        Amounts {
            total: Some(1000),
            paid: Some(990),
            refunded: Some(300),
            net: Some(690),
            fee: None,
            discount: Some(10)
        }
    );
    assert_eq!(o.channel, Some(Channel::Wechat));
    assert_eq!(o.paid_at, Some(1_638_777_285_405));
    for status in ["WAIT", "FAILURE", "CLOSED"] {
        let o = order(status);
        assert_eq!((o.amounts.paid, o.paid_at), (Some(0), None), "{status}");
    }
    let o = order("UNKNOWN_STATE");
    assert_eq!((o.amounts.paid, o.amounts.net, o.paid_at), (None, None, None));
    // No paymentFee: the total was paid.
    let o = parse(
        Operation::Query,
        200,
        ok(trade_with(
            "SUCCESS",
            json!({"orderFee": 500, "paymentFee": null, "refundFee": null}),
        )),
    )
    .order
    .unwrap();
    assert_eq!(
        (o.amounts.paid, o.amounts.refunded, o.amounts.net),
        (Some(500), Some(0), Some(500))
    );
    // Other channels.
    for (c, ch) in [("CMB", Some(Channel::Other)), ("", None)] {
        let o = parse(
            Operation::Query,
            200,
            ok(trade_with("SUCCESS", json!({"payChannel": c, "tpTradeNo": ""}))),
        )
        .order
        .unwrap();
        assert_eq!((o.channel, o.channel_order_no), (ch, None), "{c}");
    }
}

#[test]
fn unreadable_trade_data_is_unknown() {
    for data in [
        json!({"orderFee": "1"}),
        json!({"orderFee": 1.5}),
        json!("x"),
        json!([1]),
        Value::Null,
    ] {
        let r = parse(Operation::Query, 200, ok(data.clone()));
        assert_uncertain(&r, Operation::Query, ErrorCode::MalformedResponse, &data.to_string());
    }
    for body in [
        &b"not json"[..],
        b"[]",
        b"null",
        br#"{"code":"8888","data":{}}"#,
        br#"{"code":8888.5}"#,
    ] {
        let r = parse(Operation::Query, 200, body);
        assert_uncertain(
            &r,
            Operation::Query,
            ErrorCode::MalformedResponse,
            &String::from_utf8_lossy(body),
        );
    }
}

#[test]
fn an_answer_about_another_order_is_unknown() {
    for (inp, changes) in [
        (json!({"merchantOrderNo": ORDER}), json!({"ownerTradeNo": "another"})),
        (json!({"providerOrderNo": OS_TRADE_NO}), json!({"osTradeNo": "another"})),
    ] {
        let r = crate::providers::parse_checked(
            &mut gateway(),
            Operation::Query,
            &http(200, ok(trade_with("SUCCESS", changes.clone()))),
            Some(&input(inp)),
            &Ctx::default(),
        );
        assert_uncertain(&r, Operation::Query, ErrorCode::MalformedResponse, &changes.to_string());
    }
    let d = json!({"ownerRefundNo": "another", "refundStatus": "SUCCESS"});
    for op in [Operation::Refund, Operation::RefundQuery] {
        let r = parse(op, 200, ok(d.clone()));
        assert_uncertain(&r, op, ErrorCode::MalformedResponse, &format!("{op:?}"));
    }
}

// ================================================================ 2. refunds

#[test]
fn refund_status_table() {
    let rows = [
        ("WAIT", RefundState::Pending, Outcome::InProgress, Next::Poll),
        ("SUCCESS", RefundState::Success, Outcome::Succeeded, Next::None),
        ("FAILURE", RefundState::Failed, Outcome::Failed, Next::None),
        ("CLOSED", RefundState::Failed, Outcome::Failed, Next::None),
    ];
    for (value, state, refund_outcome, next) in rows {
        assert_eq!(crate::providers::refund_state(REFUND_STATES, Some(value)), state, "{value}");
        let d = json!({"refundStatus": value, "osRefundNo": "os_refund_1", "ownerRefundNo": REFUND_NO, "refundFee": 1});
        // refund: the refund's state is the operation's outcome.
        let r = parse(Operation::Refund, 200, ok(d.clone()));
        assert_eq!((r.outcome, r.next), (refund_outcome, next), "refund {value}");
        let refund = r.refund.as_ref().unwrap();
        assert_eq!(refund.state, state, "refund {value}");
        assert_eq!(
            (
                refund.refund_no.as_deref(),
                refund.provider_refund_no.as_deref(),
                refund.amount
            ),
            (Some(REFUND_NO), Some("os_refund_1"), Some(1))
        );
        assert_eq!(refund.provider_state.as_deref(), Some(value));
        // refundQuery: the query succeeded; the refund carries the state.
        let r = parse(Operation::RefundQuery, 200, ok(d));
        assert_eq!((r.outcome, r.next), (Outcome::Succeeded, next), "refundQuery {value}");
        assert_eq!(r.refund.as_ref().unwrap().state, state, "refundQuery {value}");
    }
    for value in ["", "success", "REFUNDING", "PROCESSING"] {
        assert_eq!(crate::providers::refund_state(REFUND_STATES, Some(value)), RefundState::Unknown, "{value:?}");
        let d = json!({"refundStatus": value, "ownerRefundNo": REFUND_NO});
        // A query that finds a refund state nobody can name: the shared rule asks a person (it was
        // POLL here before the pipeline; the other providers already said CONTACT_SUPPORT).
        let r = parse(Operation::RefundQuery, 200, ok(d.clone()));
        assert_eq!(r.refund.as_ref().unwrap().state, RefundState::Unknown, "{value:?}");
        assert_eq!(
            (r.outcome, r.next),
            (Outcome::Succeeded, Next::ContactSupport),
            "{value:?}"
        );
        // The refund call itself is uncertain: poll it (refundQuery will say).
        let r = parse(Operation::Refund, 200, ok(d));
        assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Poll), "refund {value:?}");
        assert_eq!(r.refund.as_ref().unwrap().state, RefundState::Unknown);
    }
}

#[test]
fn refund_answered_without_a_status_is_in_progress() {
    // Only the platform's refund number, as a bare string.
    let r = parse(Operation::Refund, 200, ok(json!("os_refund_1")));
    assert_eq!((r.outcome, r.next), (Outcome::InProgress, Next::Poll));
    let refund = r.refund.unwrap();
    assert_eq!(
        (
            refund.state,
            refund.provider_refund_no.as_deref(),
            refund.refund_no.as_deref()
        ),
        (RefundState::Pending, Some("os_refund_1"), Some(REFUND_NO))
    );
    // An object without refundStatus.
    let r = parse(Operation::Refund, 200, ok(json!({"osRefundNo": "os_refund_1"})));
    assert_eq!(
        (r.outcome, r.refund.unwrap().state),
        (Outcome::InProgress, RefundState::Pending)
    );
    // For refundQuery, no status is not "pending": it is unknown (CONTACT_SUPPORT, the shared rule).
    let r = parse(Operation::RefundQuery, 200, ok(json!({"osRefundNo": "os_refund_1"})));
    assert_eq!(
        (r.outcome, r.next, r.refund.unwrap().state),
        (Outcome::Succeeded, Next::ContactSupport, RefundState::Unknown)
    );
}

/// README: FAILED means "the gateway said so … say r.error.message". Every other provider attaches an
/// error to a FAILED (or UNKNOWN) refund.
#[test]
fn a_failed_refund_carries_an_error() {
    for value in ["FAILURE", "CLOSED", "WHATEVER"] {
        let r = parse(
            Operation::Refund,
            200,
            ok(json!({"refundStatus": value, "ownerRefundNo": REFUND_NO})),
        );
        assert!(r.error.is_some(), "{value}: outcome {:?} without an error", r.outcome);
    }
}

// ================================================================ 3. envelope codes

#[test]
fn error_code_table() {
    // (code, outcome, error code) per the code table in tingyihui.rs (SDK constants/Code, UNKNOWN where
    // constants/TyhErrorCode reads the same number as something that may have happened).
    let rows = [
        (0, Outcome::Failed, ErrorCode::ProviderError),
        (1001, Outcome::Failed, ErrorCode::InvalidRequest),
        (1003, Outcome::Failed, ErrorCode::ProviderError),
        (1008, Outcome::Failed, ErrorCode::InvalidRequest),
        // Code 1009 "请求方法或参数异常" is TyhErrorCode's "网络请求错误": it may have gone through.
        (1009, Outcome::Unknown, ErrorCode::ProviderError),
        (1012, Outcome::Failed, ErrorCode::AuthFailed),
        (1013, Outcome::Failed, ErrorCode::AuthFailed),
        (4000, Outcome::Failed, ErrorCode::DuplicateOrder),
        (4004, Outcome::Failed, ErrorCode::OrderNotFound),
        (4029, Outcome::Failed, ErrorCode::ProviderUnavailable),
        (2004, Outcome::Unknown, ErrorCode::ProviderError),
        (5000, Outcome::Unknown, ErrorCode::ProviderError),
        (1005, Outcome::Unknown, ErrorCode::ProviderError),
        (9999, Outcome::Unknown, ErrorCode::ProviderError),
        (-1, Outcome::Unknown, ErrorCode::ProviderError),
    ];
    for (code, outcome, ec) in rows {
        let body = json!({"code": code, "msg": "签名计算错误", "data": null, "error": null}).to_string();
        for op in [
            Operation::Precreate,
            Operation::Query,
            Operation::Refund,
            Operation::RefundQuery,
            Operation::Close,
        ] {
            let r = parse(op, 200, body.clone());
            let what = format!("{op:?} code {code}");
            // The shared rules: a number already used means an earlier request may stand (never
            // FAILED, on any operation); "not found" from a lookup is absence of evidence (ask again).
            let outcome = match ec {
                ErrorCode::DuplicateOrder => Outcome::Unknown,
                ErrorCode::OrderNotFound if !op.mutates() => Outcome::Unknown,
                _ => outcome,
            };
            assert_eq!(r.outcome, outcome, "{what}");
            let e = r.error.as_ref().unwrap_or_else(|| panic!("{what}: no error"));
            assert_eq!(e.code, ec, "{what}");
            assert_eq!(e.provider_code.as_deref(), Some(code.to_string().as_str()), "{what}");
            assert_eq!(e.provider_message.as_deref(), Some("签名计算错误"), "{what}");
            assert!(r.order.is_none() && r.refund.is_none(), "{what}");
            let next = match outcome {
                Outcome::Failed if e.retryable => Next::Retry,
                Outcome::Failed => Next::None,
                _ if op.mutates() => Next::Poll,
                _ => Next::Retry,
            };
            assert_eq!(r.next, next, "{what}");
        }
    }
    // No code at all.
    let r = parse(Operation::Query, 200, br#"{"msg":"?"}"#.to_vec());
    assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Retry));
}

#[test]
fn http_errors_are_unknown() {
    for (status, code) in [
        (500, ErrorCode::ProviderUnavailable),
        (503, ErrorCode::ProviderUnavailable),
        (404, ErrorCode::ProviderError),
    ] {
        for op in [Operation::Precreate, Operation::Query, Operation::Refund] {
            // Even with a success envelope in the body.
            let r = parse(op, status, ok(trade("SUCCESS")));
            assert_uncertain(&r, op, code, &format!("{op:?} {status}"));
        }
    }
}

// ================================================================ 4. precreate

#[test]
fn precreate_qr_code() {
    let d = json!({"ownerTradeNo": ORDER, "osTradeNo": OS_TRADE_NO, "tradeStatus": "WAIT", "orderFee": 100,
                   "sign": "https://qr.alipay.com/bax08861ymzqoqjdh2tj0045"});
    let r = parse(Operation::Precreate, 200, ok(d));
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::Poll));
    let o = r.order.unwrap();
    assert_eq!((o.state, o.is_final), (OrderState::Pending, false));
    assert_eq!(
        o.qr_code.as_deref(),
        Some("https://qr.alipay.com/bax08861ymzqoqjdh2tj0045")
    );
    assert!(o.pay_params.is_none());
    assert_eq!(o.amounts.total, Some(100));
    // A QR order's sign that is not a URL is no code (wallet orders are read in tests/wallet.rs).
    let r = parse(
        Operation::Precreate,
        200,
        ok(json!({"ownerTradeNo": ORDER, "sign": r#"{"appId":"wx1"}"#})),
    );
    let o = r.order.unwrap();
    assert!(o.qr_code.is_none() && o.pay_params.is_none());
    // A new trade waits for its buyer: WAIT is what "created" means.
    let r = parse(
        Operation::Precreate,
        200,
        ok(json!({"ownerTradeNo": ORDER, "tradeStatus": "WAIT"})),
    );
    assert_eq!(r.order.unwrap().state, OrderState::Pending);
    // Any other state contradicts "created": UNKNOWN, poll (the query will say what the trade is).
    for status in ["SUCCESS", "CLOSED", "FAILURE", "REFUNDING", "NEW"] {
        let r = parse(
            Operation::Precreate,
            200,
            ok(json!({"ownerTradeNo": ORDER, "tradeStatus": status})),
        );
        assert_uncertain(&r, Operation::Precreate, ErrorCode::MalformedResponse, status);
    }
}

// ================================================================ 5. input and configuration

fn build_err(gw: &Tingyihui, op: Operation, inp: Input) -> Error {
    gw.build(op, &inp, &ctx()).expect_err("accepted")
}

#[test]
fn valid_inputs_build() {
    for op in [
        Operation::Precreate,
        Operation::Query,
        Operation::Close,
        Operation::Refund,
        Operation::RefundQuery,
    ] {
        let p = gateway()
            .build(op, &input(valid_input(op)), &ctx())
            .unwrap_or_else(|e| panic!("{op:?}: {e}"));
        assert_eq!(
            p.to_sign.as_deref().map(|b| b.starts_with(ACCESS_ID.as_bytes())),
            Some(true)
        );
    }
    // The largest amount: 1e9 fen.
    assert!(gateway()
        .build(
            Operation::Precreate,
            &with(Operation::Precreate, "amount", json!(1_000_000_000)),
            &ctx()
        )
        .is_ok());
}

#[test]
fn input_errors_name_the_field() {
    let gw = gateway();
    let cases: Vec<(&str, Operation, Input, ErrorCode, &str)> = vec![
        (
            "precreate without channel",
            Operation::Precreate,
            with(Operation::Precreate, "channel", Value::Null),
            ErrorCode::InvalidInput,
            "channel",
        ),
        (
            "precreate with UNIONPAY",
            Operation::Precreate,
            with(Operation::Precreate, "channel", json!("UNIONPAY")),
            ErrorCode::InvalidInput,
            "channel",
        ),
        (
            "precreate amount over 1e9",
            Operation::Precreate,
            with(Operation::Precreate, "amount", json!(1_000_000_001)),
            ErrorCode::InvalidInput,
            "amount",
        ),
        (
            "precreate amount 0",
            Operation::Precreate,
            with(Operation::Precreate, "amount", json!(0)),
            ErrorCode::InvalidInput,
            "amount",
        ),
        (
            "precreate amount as text",
            Operation::Precreate,
            with(Operation::Precreate, "amount", json!("100")),
            ErrorCode::InvalidInput,
            "amount",
        ),
        (
            "precreate without subject",
            Operation::Precreate,
            with(Operation::Precreate, "subject", Value::Null),
            ErrorCode::InvalidInput,
            "subject",
        ),
        (
            "precreate without merchantOrderNo",
            Operation::Precreate,
            with(Operation::Precreate, "merchantOrderNo", Value::Null),
            ErrorCode::InvalidInput,
            "merchantOrderNo",
        ),
        (
            "refund amount over 1e9",
            Operation::Refund,
            with(Operation::Refund, "amount", json!(1_000_000_001)),
            ErrorCode::InvalidInput,
            "amount",
        ),
        (
            "refund without refundNo",
            Operation::Refund,
            with(Operation::Refund, "refundNo", Value::Null),
            ErrorCode::InvalidInput,
            "refundNo",
        ),
        (
            "query without an order",
            Operation::Query,
            input(json!({})),
            ErrorCode::InvalidInput,
            "merchantOrderNo",
        ),
        (
            "refundQuery without a refund",
            Operation::RefundQuery,
            input(json!({"merchantOrderNo": ORDER})),
            ErrorCode::InvalidInput,
            "refundNo",
        ),
        (
            "extra overriding a field",
            Operation::Query,
            input(json!({"merchantOrderNo": ORDER, "extra": {"ownerTradeNo": "x"}})),
            ErrorCode::InvalidInput,
            "extra.ownerTradeNo",
        ),
    ];
    for (what, op, inp, code, field) in cases {
        let e = build_err(&gw, op, inp);
        assert_eq!((e.code, e.field.as_deref()), (code, Some(field)), "{what}: {e}");
        assert!(e.message.contains(field), "{what}: {}", e.message);
    }
    // Precreate needs the merchant code from the configuration.
    let gw = Tingyihui::new(config_with(json!({"merchantCode": null}))).unwrap();
    let e = build_err(&gw, Operation::Precreate, input(valid_input(Operation::Precreate)));
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::InvalidConfig, Some("credentials.merchantCode")),
        "{e}"
    );
    // …but queries do not.
    assert!(gw
        .build(Operation::Query, &input(valid_input(Operation::Query)), &ctx())
        .is_ok());
    for op in [
        Operation::Pay,
        Operation::Cancel,
        Operation::Revoke,
        Operation::Activate,
        Operation::Checkin,
    ] {
        assert_eq!(
            build_err(&gateway(), op, input(valid_input(op))).code,
            ErrorCode::UnsupportedOperation,
            "{op:?}"
        );
    }
}

#[test]
fn configuration() {
    // The bare Base64 PKCS#8 key as handed out, PEM, and Base64 broken over lines all load the same key.
    let reference = gateway();
    let lines: Vec<&str> = MERCHANT_KEY.lines().filter(|l| !l.starts_with("-----")).collect();
    for key in [
        MERCHANT_KEY.to_string(),
        lines.join("\n"),
        format!("  {}\r\n", lines.join("\r\n")),
    ] {
        let gw = Tingyihui::new(config_with(json!({"privateKey": key}))).unwrap();
        assert_eq!(gw.private_key.pkcs8_der(), reference.private_key.pkcs8_der());
    }
    assert_eq!(reference.base_url, DEFAULT_BASE_URL);
    let mut c = config();
    c["baseUrl"] = json!("http://127.0.0.1:9000/");
    let p = Tingyihui::new(c)
        .unwrap()
        .build(Operation::Query, &input(valid_input(Operation::Query)), &ctx())
        .unwrap();
    assert_eq!(p.request.url, "http://127.0.0.1:9000/os-base/query/trade/v1/open");

    let cases: Vec<(&str, Value, ErrorCode, &str)> = vec![
        (
            "truncated privateKey",
            config_with(json!({"privateKey": &bare_key()[..600]})),
            ErrorCode::InvalidKey,
            "credentials.privateKey",
        ),
        (
            "no credentials",
            json!({"provider": "tingyihui"}),
            ErrorCode::InvalidConfig,
            "credentials",
        ),
    ];
    for (what, cfg, code, field) in cases {
        let e = Tingyihui::new(cfg.clone())
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        assert_eq!((e.code, e.field.as_deref()), (code, Some(field)), "{what}: {e}");
        assert_no_secret(&format!("{e} {e:?} {}", e.to_json()), what);
        let e2 = crate::providers::create(&cfg.to_string()).err().unwrap();
        assert_eq!(e2.code, code, "{what}");
    }
}

// ================================================================ 6. secrets

fn assert_no_secret(text: &str, what: &str) {
    crate::providers::testkit::assert_no_key_text(text, &bare_key(), what);
}

#[test]
fn secrets_never_appear() {
    let gw = gateway();
    assert_no_secret(&format!("{gw:?} {gw:#?}"), "Debug of the gateway");
    let client = crate::Client::new(&config().to_string()).unwrap();
    assert_no_secret(&format!("{client:?}"), "Debug of the client");
    for (what, key) in [
        ("damaged", bare_key().replacen("MII", "MIJ", 1)),
        ("with a stray character", format!("{}!", bare_key())),
        (
            "PEM with the wrong label",
            MERCHANT_KEY.replace("PRIVATE KEY", "EC PRIVATE KEY"),
        ),
    ] {
        let e = Tingyihui::new(config_with(json!({"privateKey": key})))
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        assert_eq!(e.code, ErrorCode::InvalidKey, "{what}");
        assert_no_secret(&format!("{e} {e:?} {}", e.to_json()), what);
    }
    let p = gw
        .build(Operation::Query, &input(valid_input(Operation::Query)), &ctx())
        .unwrap();
    assert_no_secret(&format!("{p:?}"), "prepared request");
}

// ================================================================ through the client (shared rules)

/// `Client::parse`, the path every caller takes: the provider's mapping plus the rules every provider
/// shares (`providers::settle`). Returns the result JSON the bindings hand to JavaScript.
fn through_client(op: Operation, inp: Value, body: Vec<u8>) -> Value {
    crate::client::tests::parse_for_test(&config(), op, &inp, body, 1_638_777_300_000)
}

fn triple(v: &Value) -> (&str, &str, Option<&str>) {
    (
        v["outcome"].as_str().unwrap(),
        v["next"].as_str().unwrap(),
        v["error"]["code"].as_str(),
    )
}

fn refused(code: i64, msg: &str) -> Vec<u8> {
    json!({"code": code, "msg": msg, "data": null, "error": null})
        .to_string()
        .into_bytes()
}

/// SDK `constants/Code`: REPEAT_SUBMIT 4002 "重复提交" and ITEM_CONFLICT 4000 "资源已存在". The number was
/// used before and that request may stand: UNKNOWN + POLL, never FAILED (which invites a second
/// refund under a new number, or a second trade).
#[test]
fn repeat_submission_is_unknown_and_polls_through_the_client() {
    for (code, msg) in [(4002, "重复提交"), (4000, "资源已存在")] {
        for op in [Operation::Refund, Operation::Precreate] {
            let v = through_client(op, valid_input(op), refused(code, msg));
            assert_eq!(
                triple(&v),
                ("UNKNOWN", "POLL", Some("DUPLICATE_ORDER")),
                "{op:?} {code}: {v}"
            );
            assert_eq!(v["error"]["providerCode"], code.to_string());
        }
    }
    // A plain refusal stays FAILED.
    let v = through_client(
        Operation::Refund,
        valid_input(Operation::Refund),
        refused(0, "处理失败"),
    );
    assert_eq!(v["outcome"], "FAILED");
}

/// Close answers carry no trade today; one that does and shows the money taken is no close.
#[test]
fn close_with_money_held_is_unknown_through_the_client() {
    let inp = valid_input(Operation::Close);
    // Money held, or still WAIT (the buyer may yet pay), or a state nobody can vouch for: not closed.
    for status in ["SUCCESS", "SUCCESS_PART_REFUND", "REFUNDING", "WAIT", "NEW"] {
        let v = through_client(Operation::Close, inp.clone(), ok(trade(status)));
        assert_eq!(
            triple(&v),
            ("UNKNOWN", "POLL", Some("MALFORMED_RESPONSE")),
            "{status}: {v}"
        );
    }
    for (status, state) in [("CLOSED", "CLOSED"), ("CLOSE", "CLOSED"), ("FAILURE", "FAILED")] {
        let v = through_client(Operation::Close, inp.clone(), ok(trade(status)));
        assert_eq!(triple(&v), ("SUCCEEDED", "NONE", None), "{status}: {v}");
        assert_eq!(v["order"]["state"], state);
    }
    // The usual answer: data null (Results<String>), or a bare string.
    for data in [Value::Null, json!("ok")] {
        let v = through_client(Operation::Close, inp.clone(), ok(data.clone()));
        assert_eq!(triple(&v), ("SUCCEEDED", "NONE", None), "{data}: {v}");
    }
    // A close answer about another trade is not an answer.
    let other = trade_with("CLOSED", json!({"ownerTradeNo": "someone-else"}));
    let v = through_client(Operation::Close, inp, ok(other));
    assert_eq!(triple(&v), ("UNKNOWN", "POLL", Some("MALFORMED_RESPONSE")), "{v}");
}

/// osMerchantCode says whose a trade is: an answer about another merchant's trade is not ours.
#[test]
fn answer_about_another_merchant_is_unknown() {
    for op in [Operation::Query, Operation::Precreate, Operation::Close] {
        let status = if op == Operation::Precreate { "WAIT" } else { "CLOSED" };
        let d = trade_with(status, json!({"osMerchantCode": "2163737276729999"}));
        let r = parse(op, 200, ok(d));
        assert_uncertain(&r, op, ErrorCode::MalformedResponse, &format!("{op:?}"));
        assert!(r.error.unwrap().message.contains("osMerchantCode"));
    }
    // Not named, or no merchantCode configured: nothing to compare.
    let d = trade_with("SUCCESS", json!({"osMerchantCode": null}));
    assert_eq!(parse(Operation::Query, 200, ok(d)).outcome, Outcome::Succeeded);
    let mut gw = Tingyihui::new(config_with(json!({"merchantCode": null}))).unwrap();
    let inp = input(valid_input(Operation::Query));
    let d = trade_with("SUCCESS", json!({"osMerchantCode": "2163737276729999"}));
    let r = crate::providers::parse_checked(
        &mut gw,
        Operation::Query,
        &http(200, ok(d)),
        Some(&inp),
        &Ctx::default(),
    );
    assert_eq!(r.outcome, Outcome::Succeeded);
}

// ================================================================ conformance fixture

use crate::providers::conformance::{Fixture, OrderRef, Said};

const FIXTURE_REFUND_NO: &str = "CONFREFUND0001";

/// The cross-provider suite's view of Tingyihui. Answers are unsigned (`{"code","msg","data","error"}`,
/// no signature field), so they are built as the tests above build them. Callbacks are read but unsigned
/// (`verified: false`): a tampered one cannot be told from a genuine one, which the suite's notification
/// case demands, so the fixture offers none (they are tested in tests/notify.rs). No barcode pay, cancel or
/// revoke.
pub(crate) fn fixture() -> Box<dyn Fixture> {
    Box::new(TingyihuiFixture)
}

struct TingyihuiFixture;

impl Fixture for TingyihuiFixture {
    fn config(&self) -> Value {
        config()
    }

    fn input(&self, op: Operation, o: &OrderRef) -> Option<Value> {
        let order = &o.merchant_order_no;
        Some(match op {
            Operation::Precreate => {
                json!({"merchantOrderNo": order, "amount": o.amount, "channel": "ALIPAY", "subject": "停车费"})
            }
            Operation::Query | Operation::Close => json!({"merchantOrderNo": order}),
            Operation::Refund => json!({"merchantOrderNo": order, "refundNo": FIXTURE_REFUND_NO, "amount": o.amount}),
            Operation::RefundQuery => json!({"refundNo": FIXTURE_REFUND_NO}),
            _ => return None,
        })
    }

    fn answer(&self, op: Operation, o: &OrderRef, said: Said) -> HttpResponse {
        let state = match said {
            // SDK constants/Code ITEM_CONFLICT; the platform's answer to an ownerTradeNo already used.
            Said::DuplicateOrder => return http(200, refused(4000, "资源已存在")),
            Said::Ok(state) => state,
        };
        let data = match op {
            Operation::Precreate => json!({
                "ownerTradeNo": o.merchant_order_no, "osTradeNo": o.provider_order_no, "tradeStatus": state,
                "orderFee": o.amount, "osMerchantCode": MERCHANT_CODE,
                "sign": "https://qr.alipay.com/bax08861ymzqoqjdh2tj0045"
            }),
            Operation::Query => trade_with(
                state,
                json!({"ownerTradeNo": o.merchant_order_no, "osTradeNo": o.provider_order_no,
                       "orderFee": o.amount, "paymentFee": o.amount}),
            ),
            // Results<String>: a close answers no trade.
            Operation::Close => Value::Null,
            _ => json!({"refundStatus": "SUCCESS", "osRefundNo": "os_refund_1", "ownerRefundNo": FIXTURE_REFUND_NO,
                        "refundFee": o.amount}),
        };
        http(200, ok(data))
    }

    fn states(&self) -> &'static [(&'static str, OrderState, bool)] {
        &TRADE_STATUS_TABLE
    }



    fn private_keys(&self) -> &'static [&'static str] {
        &["privateKey"]
    }

    fn required_credentials(&self) -> &'static [&'static str] {
        &["accessId", "privateKey"]
    }

    fn secrets(&self) -> Vec<String> {
        // The whole key as configured, and each 64-character line of it (a partial quote is a leak too).
        let mut s = vec![bare_key()];
        s.extend(
            MERCHANT_KEY
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .map(str::to_string),
        );
        s
    }

    fn notification(&self, _order: &OrderRef) -> Option<(BTreeMap<String, String>, Vec<u8>)> {
        None
    }

    /// A WeChat mini-program trade (MINI_APP, the platform's WeChat order inside the wallet): TradePayDto
    /// with `sign` the JSON of wx.requestPayment's parameters, `drop` left out.
    fn wechat_order(&self, o: &OrderRef, drop: Option<&str>) -> Option<(Value, HttpResponse)> {
        let input = json!({"merchantOrderNo": o.merchant_order_no, "amount": o.amount, "subject": "停车费",
                           "channel": "WECHAT", "kind": "MINI_PROGRAM", "payerId": wallet::OPENID});
        let mut params = wallet::wechat_sign();
        if let Some(key) = drop {
            params.as_object_mut()?.remove(key);
        }
        let data = json!({"ownerTradeNo": o.merchant_order_no, "osTradeNo": o.provider_order_no,
                          "orderFee": o.amount, "timestamp": 1_700_000_000_000i64, "sign": params.to_string()});
        Some((input, http(200, ok(data))))
    }
}

/// `fields(op)`: every field `business` reads is accepted through the client, and a field it would
/// silently drop is refused before sending (the general cases are in `conformance`).
#[test]
fn fields_are_the_ones_each_operation_reads() {
    let client = crate::Client::new(&config().to_string()).unwrap();
    let build = |op: &str, v: Value| client.build(op, &v.to_string(), 1_637_800_000_000, "n".into());
    let precreate = json!({"merchantOrderNo": ORDER, "amount": 100, "channel": "WECHAT", "payerId": "oBuyer1",
                           "kind": "MINI_PROGRAM", "subAppId": "wx0000000000000001", "reflect": "r",
                           "subject": "停车费", "storeId": "S1", "notifyUrl": "https://m.example/n"});
    build("precreate", precreate).unwrap();
    let refund = json!({"providerOrderNo": OS_TRADE_NO, "refundNo": REFUND_NO, "amount": 1, "description": "退款"});
    build("refund", refund).unwrap();
    build(
        "refundQuery",
        json!({"providerRefundNo": "os_refund_1", "refundNo": REFUND_NO}),
    )
    .unwrap();
    build("close", json!({"providerOrderNo": OS_TRADE_NO})).unwrap();
    let refused = [
        (
            "refundQuery",
            json!({"refundNo": REFUND_NO, "merchantOrderNo": ORDER}),
            "merchantOrderNo",
        ),
        (
            "query",
            json!({"merchantOrderNo": ORDER, "channel": "ALIPAY"}),
            "channel",
        ),
        (
            "refund",
            json!({"merchantOrderNo": ORDER, "refundNo": REFUND_NO, "amount": 1, "payerId": "u"}),
            "payerId",
        ),
        (
            "precreate",
            json!({"merchantOrderNo": ORDER, "amount": 1, "channel": "ALIPAY", "subject": "s", "authCode": "134567890123456789"}),
            "authCode",
        ),
    ];
    for (op, v, field) in refused {
        let e = build(op, v).expect_err(field);
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidInput, Some(field)),
            "{op}: {e}"
        );
    }
    // Operations Tingyihui does not have stay UNSUPPORTED_OPERATION, whatever the fields.
    let e = build("pay", valid_input(Operation::Pay)).unwrap_err();
    assert_eq!(e.code, ErrorCode::UnsupportedOperation);
}
