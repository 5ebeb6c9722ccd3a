//! Fubei unit tests: yuan on the wire, status tables, request building, response parsing, config and
//! secrets. Known-answer vectors, notifications and the public surface are in `tests/fubei_vectors.rs`.

use crate::providers::testkit::error_code;
use crate::error::ErrorCode;
use super::answer::*;
use super::notify::MAX_FORM_FIELDS;
use super::v1::seconds_ms;
use super::v2::beijing_ms;
use super::*;
use crate::crypto;
use crate::http::HttpResponse;
use crate::model::*;
use crate::money::{yuan_number, yuan_text_to_fen};
use crate::providers::conformance::{Fixture, OrderRef, Said};
use serde_json::json;

mod wallet;

const SECRET: &str = "672f295578a545c24b397bae275e6f81";
const VENDOR_SECRET: &str = "vendor-secret-0123456789abcdef";
const NONCE: &str = "0123456789abcdef0123456789ABCDEF";

fn v1() -> Fubei {
    Fubei::new(json!({"provider": "fubei", "credentials": {"appId": "20170609152021917511", "appSecret": SECRET}}))
        .expect("1.0 config")
}

fn v2_vendor() -> Fubei {
    Fubei::new(json!({"provider": "fubei", "apiVersion": "2.0", "baseUrl": "http://127.0.0.1:8080/",
                      "credentials": {"vendorSn": "2019041511202323", "vendorSecret": VENDOR_SECRET, "merchantId": 1234567}}))
    .expect("2.0 vendor config")
}

fn v2_app() -> Fubei {
    Fubei::new(json!({"provider": "fubei", "apiVersion": "2.0", "credentials": {"appId": "A1", "appSecret": SECRET}}))
        .expect("2.0 merchant config")
}

fn ctx() -> Ctx {
    Ctx {
        now_ms: 1_704_067_200_000,
        nonce: NONCE.into(),
        verifier: Default::default(),
    }
}

fn input(v: Value) -> Input {
    crate::providers::read(&v).expect("test input")
}

fn build(gw: &Fubei, op: Operation, inp: Value) -> Result<HttpRequest> {
    gw.build(op, &input(inp), &ctx()).map(|p| p.request)
}

/// The envelope as sent, and its biz_content parsed.
fn sent(req: &HttpRequest) -> (Map<String, Value>, Value) {
    let env: Value = serde_json::from_str(&req.body).expect("body is JSON");
    let env = env.as_object().expect("object").clone();
    let biz: Value =
        serde_json::from_str(env["biz_content"].as_str().expect("biz_content is a string")).expect("biz JSON");
    (env, biz)
}

fn resp(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: BTreeMap::new(),
        body: body.as_bytes().to_vec(),
    }
}

fn parse(gw: &mut Fubei, op: Operation, body: Value, inp: Option<Value>) -> OperationResult {
    let i = inp.map(input);
    crate::providers::parse_checked(gw, op, &resp(200, &body.to_string()), i.as_ref(), &Ctx::default())
}

fn parse_text(gw: &mut Fubei, op: Operation, body: &str) -> OperationResult {
    crate::providers::parse_checked(gw, op, &resp(200, body), None, &Ctx::default())
}

fn ok(data: Value) -> Value {
    json!({"result_code": 200, "result_message": "成功", "data": data})
}

fn platform(sub: &str) -> Value {
    json!({"result_code": 400, "result_message": "失败", "sub_code": sub})
}

fn num(text: &str) -> Value {
    serde_json::from_str(text).expect("a JSON number")
}


// ---------------------------------------------------------------- yuan on the wire (the helpers and their own tests are in `money`)

/// For random fen 0 < n < 10^10: yuan text → fen → yuan text round-trips, and a response carrying the
/// amount as a JSON number (as Fubei prints it, with or without trailing zeros) yields exactly n.
#[test]
fn property_random_amounts_round_trip_through_responses() {
    let mut gw = v1();
    let mut gw2 = v2_app();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for i in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = (x % 9_999_999_999) as i64 + 1;
        let text = money::fen_to_yuan(n).unwrap();
        assert_eq!(yuan_text_to_fen("f", &text).unwrap(), n);
        assert_eq!(money::fen_to_yuan(yuan_text_to_fen("f", &text).unwrap()).unwrap(), text);
        // How a float printer writes it: 12.30 → 12.3, 5.00 → 5.
        let short = text.trim_end_matches('0').trim_end_matches('.').to_string();
        let wire = if i % 2 == 0 { &text } else { &short };
        let body = format!(
            r#"{{"result_code":200,"data":{{"merchant_order_sn":"o","trade_state":"SUCCESS","total_fee":{wire},"net_money":{wire}}}}}"#
        );
        let r = parse_text(&mut gw, Operation::Query, &body);
        let a = &r.order.as_ref().expect("order").amounts;
        assert_eq!((a.total, a.paid, a.net), (Some(n), Some(n), Some(n)), "{wire}");
        let body2 = format!(
            r#"{{"result_code":200,"data":{{"merchant_order_sn":"o","order_status":"SUCCESS","total_amount":{wire}}}}}"#
        );
        let r = parse_text(&mut gw2, Operation::Query, &body2);
        assert_eq!(r.order.expect("order").amounts.total, Some(n), "{wire}");
        // And the raw body keeps the literal text.
        assert_eq!(r.raw.value()["data"]["total_amount"].to_string(), *wire);
    }
}

// ---------------------------------------------------------------- status tables

/// The order states (1.0 and 2.0 share them): (value, state, final); NOTPAY is not one of Fubei's.
/// The conformance suite reads every row through a query (`Fixture::states`).
const ORDER_STATE_TABLE: [(&str, OrderState, bool); 7] = [
    ("USERPAYING", OrderState::Pending, false),
    ("SUCCESS", OrderState::Success, true),
    ("REVOKED", OrderState::Closed, true),
    ("REVOKING", OrderState::Pending, false),
    ("REVOKED_ERROR", OrderState::Unknown, false),
    ("CLOSED", OrderState::Closed, true),
    ("NOTPAY", OrderState::Unknown, false),
];

#[test]
fn no_order_state_is_unknown() {
    assert_eq!(crate::providers::order_state(ORDER_STATES, None), (OrderState::Unknown, false));
}

#[test]
fn pay_close_and_refund_tables() {
    use Outcome::*;
    // The next step is the pipeline's; REVOKED_ERROR is the one state only a person can resolve.
    assert_eq!(pay_outcome(Some("SUCCESS")), Succeeded);
    assert_eq!(pay_outcome(Some("USERPAYING")), InProgress);
    assert_eq!(pay_outcome(Some("REVOKING")), InProgress);
    assert_eq!(pay_outcome(Some("REVOKED")), Failed);
    assert_eq!(pay_outcome(Some("CLOSED")), Failed);
    assert_eq!(pay_outcome(Some("REVOKED_ERROR")), Unknown);
    assert_eq!(pay_outcome(Some("PAYERROR")), Unknown);
    assert_eq!(pay_outcome(None), Unknown);

    assert_eq!(close_outcome(None), Succeeded);
    assert_eq!(close_outcome(Some("CLOSED")), Succeeded);
    assert_eq!(close_outcome(Some("REVOKED")), Succeeded);
    assert_eq!(close_outcome(Some("REVOKING")), InProgress);
    assert_eq!(close_outcome(Some("REVOKED_ERROR")), Unknown);
    assert_eq!(close_outcome(Some("SUCCESS")), Unknown);
    assert!(for_a_person(Some("REVOKED_ERROR")));
    for v in [None, Some("SUCCESS"), Some("REVOKING"), Some("PAYERROR")] {
        assert!(!for_a_person(v), "{v:?}");
    }

    assert_eq!(crate::providers::refund_state(REFUND_STATES, Some("REFUND_SUCCESS")), RefundState::Success);
    assert_eq!(crate::providers::refund_state(REFUND_STATES, Some("REFUND_PROCESSING")), RefundState::Pending);
    assert_eq!(crate::providers::refund_state(REFUND_STATES, Some("REFUND_FAIL")), RefundState::Failed);
    assert_eq!(crate::providers::refund_state(REFUND_STATES, Some("REFUND_FAILER")), RefundState::Failed);
    assert_eq!(crate::providers::refund_state(REFUND_STATES, Some("REFUND_CLOSED")), RefundState::Unknown);
    assert_eq!(crate::providers::refund_state(REFUND_STATES, None), RefundState::Unknown);
}

#[test]
fn sub_code_table() {
    use Verdict::*;
    let o = Operation::Pay;
    assert_eq!(sub_code(o, "SIGNERROR"), Some((ErrorCode::AuthFailed, Failed)));
    assert_eq!(sub_code(o, "AUTHCODEEXPIRE"), Some((ErrorCode::BarcodeInvalid, Failed)));
    assert_eq!(
        sub_code(o, "ACQ.PAYMENT_AUTH_CODE_INVALID"),
        Some((ErrorCode::BarcodeInvalid, Failed))
    );
    assert_eq!(sub_code(o, "NOTENOUGH"), Some((ErrorCode::InsufficientFunds, Failed)));
    assert_eq!(
        sub_code(o, "ACQ.BUYER_BALANCE_NOT_ENOUGH"),
        Some((ErrorCode::InsufficientFunds, Failed))
    );
    assert_eq!(
        sub_code(o, "ACQ.TOTAL_FEE_EXCEED"),
        Some((ErrorCode::LimitExceeded, Failed))
    );
    assert_eq!(sub_code(o, "USERPAYING"), Some((ErrorCode::ProviderError, InProgress)));
    assert_eq!(
        sub_code(o, "OUT_TRADE_NO_USED"),
        Some((ErrorCode::DuplicateOrder, Uncertain))
    );
    assert_eq!(sub_code(o, "ORDERPAID"), Some((ErrorCode::DuplicateOrder, Uncertain)));
    assert_eq!(sub_code(o, "SYSTEMERROR"), Some((ErrorCode::ProviderError, Uncertain)));
    assert_eq!(
        sub_code(o, "FREQUENCY_LIMITED"),
        Some((ErrorCode::ProviderUnavailable, RetryLater))
    );
    assert_eq!(
        sub_code(Operation::Close, "ORDERPAID"),
        Some((ErrorCode::InvalidOrderState, Failed))
    );
    assert_eq!(
        sub_code(Operation::Close, "USERPAYING"),
        Some((ErrorCode::InvalidOrderState, Failed))
    );
    assert_eq!(
        sub_code(Operation::Query, "ORDERNOTEXIST"),
        Some((ErrorCode::OrderNotFound, Failed))
    );
    assert_eq!(
        sub_code(Operation::Query, "ACQ.TRADE_NOT_EXIST"),
        Some((ErrorCode::OrderNotFound, Failed))
    );
    assert_eq!(
        sub_code(Operation::Refund, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"),
        Some((ErrorCode::RefundConflict, Failed))
    );
    assert_eq!(
        sub_code(Operation::Refund, "ACQ.DISCORDANT_REPEAT_REQUEST"),
        Some((ErrorCode::DuplicateOrder, Uncertain))
    );
    assert_eq!(
        sub_code(Operation::Refund, "REFUND_FEE_MISMATCH"),
        Some((ErrorCode::DuplicateOrder, Uncertain))
    );
    assert_eq!(
        sub_code(Operation::Refund, "TRADE_OVERDUE"),
        Some((ErrorCode::InvalidOrderState, Failed))
    );
    assert_eq!(sub_code(o, "ERROR_CODE"), None);
    assert_eq!(sub_code(o, "signerror"), None);
}

#[test]
fn beijing_time_and_seconds() {
    // 2024-01-01 08:00:00 Beijing = 2024-01-01T00:00:00Z.
    assert_eq!(beijing_ms("20240101080000"), Some(1_704_067_200_000));
    assert_eq!(beijing_ms("20000229235959"), Some(951_839_999_000));
    assert_eq!(beijing_ms("19700101080000"), Some(0));
    assert_eq!(beijing_ms("2024-01-01 08:00:00"), Some(1_704_067_200_000));
    assert_eq!(beijing_ms("2024-01-01T08:00:00"), None);
    assert_eq!(beijing_ms("2024-01-01 08:00:0x"), None);
    for bad in [
        "2024010108000",
        "2024-01-01 08:",
        "20241301080000",
        "20240100080000",
        "20240101250000",
        "abcdefghijklmn",
    ] {
        assert_eq!(beijing_ms(bad), None, "{bad}");
    }
    assert_eq!(seconds_ms("1496325236"), Some(1_496_325_236_000));
    assert_eq!(seconds_ms("0"), None);
    assert_eq!(seconds_ms("-1"), None);
}

// ---------------------------------------------------------------- requests

#[test]
fn v1_envelope_is_signed_over_what_is_sent() {
    let gw = v1();
    let req = build(
        &gw,
        Operation::Query,
        json!({"merchantOrderNo": "20160120105532871512", "deviceId": "D1"}),
    )
    .unwrap();
    assert_eq!(req.method, "POST");
    assert_eq!(req.url, "https://shq-api.51fubei.com/gateway");
    assert_eq!(req.headers["content-type"], "application/json; charset=utf-8");
    let (env, biz) = sent(&req);
    let keys: Vec<&str> = env.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "app_id",
            "biz_content",
            "format",
            "method",
            "nonce",
            "sign",
            "sign_method",
            "version"
        ]
    );
    assert_eq!(env["app_id"], "20170609152021917511");
    assert_eq!(env["method"], "openapi.payment.order.query");
    assert_eq!(env["format"], "json");
    assert_eq!(env["sign_method"], "md5");
    assert_eq!(env["nonce"], NONCE);
    assert_eq!(env["version"], "1.0");
    assert_eq!(
        biz,
        json!({"merchant_order_sn": "20160120105532871512", "device_no": "D1"})
    );
    // The sign covers the exact biz_content string in the body.
    let params: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    assert_eq!(env["sign"].as_str().unwrap(), sign(&params, SECRET));
    let base = string_to_sign(&params);
    assert!(base.starts_with("app_id=20170609152021917511&biz_content={"), "{base}");
    assert!(!base.contains("sign="), "{base}");
    assert_eq!(
        env["sign"].as_str().unwrap(),
        crypto::md5_hex(&[format!("{base}{SECRET}").as_bytes()]).to_ascii_uppercase()
    );
    assert!(!req.body.contains(SECRET));
}

#[test]
fn v1_method_names_and_fields() {
    let gw = v1();
    let pay = build(
        &gw,
        Operation::Pay,
        json!({"merchantOrderNo": "o1", "amount": 980, "authCode": "134567890123456789",
        "subject": "咖啡 \"x\"", "reflect": "r", "storeId": "25249", "cashierId": "7", "deviceId": "dev",
        "notifyUrl": "https://m.example/n", "channel": "WECHAT", "operator": "ignored", "description": "ignored"}),
    )
    .unwrap();
    let (env, biz) = sent(&pay);
    assert_eq!(env["method"], "openapi.payment.order.swipe");
    assert_eq!(
        biz,
        json!({"merchant_order_sn": "o1", "total_fee": num("9.80"), "auth_code": "134567890123456789",
        "body": "咖啡 \"x\"", "attach": "r", "store_id": 25249, "cashier_id": 7, "device_no": "dev",
        "call_back_url": "https://m.example/n", "type": 1})
    );
    assert!(
        env["biz_content"].as_str().unwrap().contains("\"total_fee\":9.80"),
        "{}",
        env["biz_content"]
    );

    let cases = [
        (
            Operation::Precreate,
            json!({"merchantOrderNo": "o2", "amount": 7, "channel": "ALIPAY"}),
            "openapi.payment.order.scan",
            json!({"merchant_order_sn": "o2", "total_fee": num("0.07"), "type": 2}),
        ),
        (
            Operation::Precreate,
            json!({"merchantOrderNo": "o2", "amount": 10000, "channel": "UNIONPAY"}),
            "openapi.payment.order.scan",
            json!({"merchant_order_sn": "o2", "total_fee": num("100.00"), "type": 5}),
        ),
        (
            Operation::Query,
            json!({"providerOrderNo": "20170601215348178414"}),
            "openapi.payment.order.query",
            json!({"order_sn": "20170601215348178414"}),
        ),
        (
            Operation::Refund,
            json!({"merchantOrderNo": "o1", "refundNo": "R1", "amount": 100}),
            "openapi.payment.order.refund",
            json!({"merchant_order_sn": "o1", "merchant_refund_sn": "R1", "refund_money": num("1.00")}),
        ),
        (
            Operation::RefundQuery,
            json!({"merchantOrderNo": "o1", "refundNo": "R1"}),
            "openapi.payment.order.refund.query",
            json!({"merchant_order_sn": "o1", "merchant_refund_sn": "R1"}),
        ),
        (
            Operation::Close,
            json!({"merchantOrderNo": "o1"}),
            "openapi.payment.order.close",
            json!({"merchant_order_sn": "o1"}),
        ),
        (
            Operation::Cancel,
            json!({"merchantOrderNo": "o1"}),
            "openapi.payment.order.reverse",
            json!({"merchant_order_sn": "o1"}),
        ),
        (
            Operation::Revoke,
            json!({"providerOrderNo": "F1"}),
            "openapi.payment.order.reverse",
            json!({"order_sn": "F1"}),
        ),
    ];
    for (op, inp, method, expected) in cases {
        let req = build(&gw, op, inp).unwrap_or_else(|e| panic!("{op:?}: {e}"));
        let (env, biz) = sent(&req);
        assert_eq!(env["method"], method, "{op:?}");
        assert_eq!(biz, expected, "{op:?}");
        assert_eq!(req.url, "https://shq-api.51fubei.com/gateway");
    }
}

#[test]
fn v2_vendor_requests() {
    let gw = v2_vendor();
    let cases = [
        (
            Operation::Pay,
            json!({"merchantOrderNo": "o1", "amount": 1, "authCode": "28xx", "notifyUrl": "https://n", "storeId": "1"}),
            "fbpay.order.pay",
            json!({"merchant_order_sn": "o1", "total_amount": num("0.01"), "auth_code": "28xx", "notify_url": "https://n", "store_id": 1, "merchant_id": 1234567}),
        ),
        (
            Operation::Precreate,
            json!({"merchantOrderNo": "o2", "amount": 980, "channel": "WECHAT"}),
            "fbpay.order.precreate",
            json!({"merchant_order_sn": "o2", "total_amount": num("9.80"), "pay_type": "wxpay", "merchant_id": 1234567}),
        ),
        (
            Operation::Precreate,
            json!({"merchantOrderNo": "o2", "amount": 980}),
            "fbpay.order.precreate",
            json!({"merchant_order_sn": "o2", "total_amount": num("9.80"), "merchant_id": 1234567}),
        ),
        (
            Operation::Query,
            json!({"merchantOrderNo": "o1"}),
            "fbpay.order.query",
            json!({"merchant_order_sn": "o1", "merchant_id": 1234567}),
        ),
        (
            Operation::Refund,
            json!({"providerOrderNo": "F1", "refundNo": "R1", "amount": 50}),
            "fbpay.order.refund",
            json!({"order_sn": "F1", "merchant_refund_sn": "R1", "refund_amount": num("0.50"), "merchant_id": 1234567}),
        ),
        (
            Operation::RefundQuery,
            json!({"refundNo": "R1"}),
            "fbpay.order.refund.query",
            json!({"merchant_refund_sn": "R1", "merchant_id": 1234567}),
        ),
        (
            Operation::Close,
            json!({"merchantOrderNo": "o1"}),
            "fbpay.order.close",
            json!({"merchant_order_sn": "o1", "merchant_id": 1234567}),
        ),
        (
            Operation::Cancel,
            json!({"merchantOrderNo": "o1"}),
            "fbpay.order.cancel",
            json!({"merchant_order_sn": "o1", "merchant_id": 1234567}),
        ),
    ];
    for (op, inp, method, expected) in cases {
        let req = build(&gw, op, inp).unwrap_or_else(|e| panic!("{op:?}: {e}"));
        assert_eq!(req.url, "http://127.0.0.1:8080/gateway/agent");
        let (env, biz) = sent(&req);
        assert_eq!(env["vendor_sn"], "2019041511202323", "{op:?}");
        assert!(!env.contains_key("app_id"));
        assert_eq!(env["method"], method, "{op:?}");
        assert_eq!(env["version"], "1.0");
        assert_eq!(biz, expected, "{op:?}");
        let params: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        assert_eq!(env["sign"].as_str().unwrap(), sign(&params, VENDOR_SECRET), "{op:?}");
        assert!(!req.body.contains(VENDOR_SECRET));
    }
    // 2.0 at merchant level: app_id, no merchant_id.
    let req = build(&v2_app(), Operation::Query, json!({"merchantOrderNo": "o1"})).unwrap();
    let (env, biz) = sent(&req);
    assert_eq!(env["app_id"], "A1");
    assert_eq!(biz, json!({"merchant_order_sn": "o1"}));
    assert_eq!(req.url, "https://shq-api.51fubei.com/gateway/agent");
}

#[test]
fn request_validation_names_the_field() {
    let gw = v1();
    let cases: Vec<(Operation, Value, &str)> = vec![
        (Operation::Pay, json!({"amount": 1, "authCode": "1"}), "merchantOrderNo"),
        (
            Operation::Pay,
            json!({"merchantOrderNo": "o", "authCode": "1"}),
            "amount",
        ),
        (
            Operation::Pay,
            json!({"merchantOrderNo": "o", "amount": 9.8, "authCode": "1"}),
            "amount",
        ),
        (
            Operation::Pay,
            json!({"merchantOrderNo": "o", "amount": 0, "authCode": "1"}),
            "amount",
        ),
        (
            Operation::Pay,
            json!({"merchantOrderNo": "o", "amount": 1_000_000_001i64, "authCode": "1"}),
            "amount",
        ),
        (Operation::Pay, json!({"merchantOrderNo": "o", "amount": 1}), "authCode"),
        (
            Operation::Pay,
            json!({"merchantOrderNo": "o", "amount": 1, "authCode": "1", "channel": "PAYPAL"}),
            "channel",
        ),
        (
            Operation::Pay,
            json!({"merchantOrderNo": "o", "amount": 1, "authCode": "1", "storeId": "12a"}),
            "storeId",
        ),
        (
            Operation::Pay,
            json!({"merchantOrderNo": "o", "amount": 1, "authCode": "1", "cashierId": "-1"}),
            "cashierId",
        ),
        (
            Operation::Pay,
            json!({"merchantOrderNo": "o", "amount": 1, "authCode": "1", "deviceId": "1234567890123456789"}),
            "deviceId",
        ),
        (
            Operation::Pay,
            json!({"merchantOrderNo": "x".repeat(33), "amount": 1, "authCode": "1"}),
            "merchantOrderNo",
        ),
        (
            Operation::Pay,
            json!({"merchantOrderNo": "o", "amount": 1, "authCode": "1", "subject": "x".repeat(129)}),
            "subject",
        ),
        (
            Operation::Precreate,
            json!({"merchantOrderNo": "o", "amount": 1}),
            "channel",
        ),
        (Operation::Query, json!({}), "merchantOrderNo"),
        (
            Operation::Refund,
            json!({"merchantOrderNo": "o", "amount": 1}),
            "refundNo",
        ),
        (
            Operation::Refund,
            json!({"merchantOrderNo": "o", "refundNo": "R"}),
            "amount",
        ),
        (Operation::RefundQuery, json!({"merchantOrderNo": "o"}), "refundNo"),
        (Operation::Close, json!({}), "merchantOrderNo"),
        (
            Operation::Pay,
            json!({"merchantOrderNo": "o", "amount": 1, "authCode": "1", "extra": {"auth_code": "2"}}),
            "extra.auth_code",
        ),
    ];
    for (op, inp, field) in cases {
        let e = build(&gw, op, inp.clone()).expect_err(&inp.to_string());
        assert_eq!(e.code, ErrorCode::InvalidInput, "{inp}");
        assert_eq!(e.field.as_deref(), Some(field), "{inp}: {}", e.message);
    }
    // 2.0 refund query needs only a refund number, ours or Fubei's.
    assert!(build(&v2_app(), Operation::RefundQuery, json!({"refundNo": "R"})).is_ok());
    let req = build(&v2_app(), Operation::RefundQuery, json!({"providerRefundNo": "FR1"})).unwrap();
    assert_eq!(sent(&req).1, json!({"refund_sn": "FR1"}));
    let e = build(&v2_app(), Operation::RefundQuery, json!({"merchantOrderNo": "o"})).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("refundNo"));
    // The vendor's merchant_id cannot be overridden through extra.
    let e = build(
        &v2_vendor(),
        Operation::Query,
        json!({"merchantOrderNo": "o", "extra": {"merchant_id": 1}}),
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("extra.merchant_id"));
    // extra adds provider fields as they are.
    let req = build(
        &gw,
        Operation::Pay,
        json!({"merchantOrderNo": "o", "amount": 1, "authCode": "1",
        "extra": {"discount_switch": 1, "equipment_type": 95}}),
    )
    .unwrap();
    let (_, biz) = sent(&req);
    assert_eq!(biz["discount_switch"], 1);
    assert_eq!(biz["equipment_type"], 95);
}

#[test]
fn nonce_comes_from_the_host_and_is_checked() {
    let gw = v1();
    let inp = input(json!({"merchantOrderNo": "o"}));
    for bad in [
        "",
        "short",
        "has space 0123456789",
        "0123456789abcdef0123456789abcdef0",
        "ünïcode0123456789",
    ] {
        let e = gw
            .build(
                Operation::Query,
                &inp,
                &Ctx {
                    now_ms: 0,
                    nonce: bad.into(),
                    verifier: Default::default(),
                },
            )
            .expect_err(bad);
        // The host's randomness is at fault, not the caller's input: INVALID_CONFIG, as for every provider.
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidConfig, Some("nonce")),
            "{bad}"
        );
    }
    let a = gw
        .build(
            Operation::Query,
            &inp,
            &Ctx {
                now_ms: 0,
                nonce: "a".repeat(16),
                verifier: Default::default(),
            },
        )
        .unwrap()
        .request;
    let b = gw
        .build(
            Operation::Query,
            &inp,
            &Ctx {
                now_ms: 0,
                nonce: "b".repeat(16),
                verifier: Default::default(),
            },
        )
        .unwrap()
        .request;
    let (ea, _) = sent(&a);
    let (eb, _) = sent(&b);
    assert_eq!(ea["nonce"], "a".repeat(16));
    assert_ne!(ea["sign"], eb["sign"]);
}

#[test]
fn unsupported_operations() {
    for op in [Operation::Activate, Operation::Checkin] {
        let e = build(&v1(), op, json!({})).unwrap_err();
        assert_eq!(e.code, ErrorCode::UnsupportedOperation, "{op:?}");
    }
}

// ---------------------------------------------------------------- config and secrets

#[test]
fn config_rules() {
    let bad: Vec<(Value, &str)> = vec![
        (json!({"provider": "fubei", "apiVersion": "3.0"}), "apiVersion"),
        (json!({"provider": "fubei", "apiVersion": 2}), "apiVersion"),
        (
            json!({"provider": "fubei", "credentials": {"vendorSn": "V", "vendorSecret": "S", "merchantId": 1}}),
            "apiVersion",
        ),
        (
            json!({"provider": "fubei", "credentials": {"appId": "A"}}),
            "credentials.appSecret",
        ),
        (
            json!({"provider": "fubei", "credentials": {"appId": "A", "appSecret": ""}}),
            "credentials.appSecret",
        ),
        (
            json!({"provider": "fubei", "apiVersion": "2.0", "credentials": {"vendorSn": "V", "vendorSecret": "S"}}),
            "credentials",
        ),
        (
            json!({"provider": "fubei", "apiVersion": "2.0", "credentials": {"appId": "A", "appSecret": "S", "vendorSn": "V"}}),
            "credentials",
        ),
        (
            json!({"provider": "fubei", "apiVersion": "2.0", "credentials": {"vendorSn": "V", "vendorSecret": "S", "merchantId": "12x"}}),
            "credentials.merchantId",
        ),
        (
            json!({"provider": "fubei", "apiVersion": "2.0", "credentials": {"vendorSn": "V", "vendorSecret": "S", "merchantId": 0}}),
            "credentials.merchantId",
        ),
        (
            json!({"provider": "fubei", "apiVersion": "2.0", "credentials": {"vendorSn": "V", "vendorSecret": "S", "merchantId": 1.5}}),
            "credentials.merchantId",
        ),
        (json!({"provider": "fubei", "notifyAck": ""}), "notifyAck"),
        (json!({"provider": "fubei", "notifyAck": "ok\n"}), "notifyAck"),
        (json!({"provider": "fubei", "baseUrl": "ftp://x"}), "baseUrl"),
        (json!({"provider": "fubei", "credentials": {"appID": "A"}}), "credentials.appID"),
        (json!({"provider": "fubei", "terminalSn": "T"}), "terminalSn"),
    ];
    for (cfg, field) in bad {
        let e = Fubei::new(cfg.clone())
            .err()
            .unwrap_or_else(|| panic!("accepted {cfg}"));
        assert_eq!(e.code, ErrorCode::InvalidConfig, "{cfg}");
        assert_eq!(e.field.as_deref(), Some(field), "{cfg}: {}", e.message);
    }
    // A merchant id may be digit text; the default version is 1.0.
    let gw = Fubei::new(json!({"provider": "fubei", "apiVersion": "2.0", "credentials": {"vendorSn": "V", "vendorSecret": "S", "merchantId": "42"}})).unwrap();
    let (_, biz) = sent(&build(&gw, Operation::Query, json!({"merchantOrderNo": "o"})).unwrap());
    assert_eq!(biz["merchant_id"], 42);
    assert_eq!(v1().api_version(), ApiVersion::V1);
    // Without credentials the client can parse but not build or verify.
    let mut bare = Fubei::new(json!({"provider": "fubei"})).unwrap();
    let e = build(&bare, Operation::Query, json!({"merchantOrderNo": "o"})).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::InvalidConfig, Some("credentials"))
    );
    let r = parse(&mut bare, Operation::Query, ok(json!({"trade_state": "SUCCESS"})), None);
    assert_eq!(r.outcome, Outcome::Succeeded);
    let e = bare
        .verify_notification(&BTreeMap::new(), b"sign=X&data=%7B%7D", &ctx())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidConfig);
}

#[test]
fn secrets_never_leak() {
    let secret = "TOP-SECRET-app-secret-value-42";
    let vsecret = "TOP-SECRET-vendor-secret-value-43";
    let gw = Fubei::new(json!({"provider": "fubei", "credentials": {"appId": "A", "appSecret": secret}})).unwrap();
    let gw2 = Fubei::new(json!({"provider": "fubei", "apiVersion": "2.0",
                                "credentials": {"vendorSn": "V", "vendorSecret": vsecret, "merchantId": 1}}))
    .unwrap();
    for dbg in [format!("{gw:?}"), format!("{gw2:?}"), format!("{:#?}", gw2)] {
        assert!(!dbg.contains(secret) && !dbg.contains(vsecret), "{dbg}");
        assert!(dbg.contains("<redacted>"), "{dbg}");
    }
    // Config errors do not echo a secret, whatever shape it has.
    let bad_configs = [
        json!({"provider": "fubei", "apiVersion": "1.0", "credentials": {"vendorSn": "V", "vendorSecret": vsecret, "merchantId": 1}}),
        json!({"provider": "fubei", "credentials": {"appId": "A", "appSecret": secret, "vendorSecret": vsecret}}),
        json!({"provider": "fubei", "credentials": {"appId": ["A"], "appSecret": secret}}),
        json!({"provider": "fubei", "credentials": {"appId": secret}}),
        json!({"provider": "fubei", "credentials": {"appId": "A", "appSecret": {"k": secret}}}),
        json!({"provider": "fubei", "credentials": {"appId": "A", "appSecret": [secret]}}),
        json!({"provider": "fubei", "apiVersion": secret}),
    ];
    for cfg in bad_configs {
        let e = Fubei::new(cfg.clone())
            .err()
            .unwrap_or_else(|| panic!("accepted {cfg}"));
        let shown = format!("{e} {e:?} {}", e.to_json());
        assert!(!shown.contains(secret) && !shown.contains(vsecret), "{shown}");
    }
    // Build errors and built requests.
    for g in [&gw, &gw2] {
        let e = build(g, Operation::Pay, json!({"merchantOrderNo": "o"})).unwrap_err();
        assert!(!e.to_json().contains(secret) && !e.to_json().contains(vsecret));
        let req = build(g, Operation::Query, json!({"merchantOrderNo": "o"})).unwrap();
        let shown = format!("{req:?}");
        assert!(!shown.contains(secret) && !shown.contains(vsecret), "{shown}");
    }
    // Notification errors.
    let e = gw
        .verify_notification(&BTreeMap::new(), b"result_code=200&data=%7B%7D&sign=00", &ctx())
        .unwrap_err();
    assert!(!e.to_json().contains(secret));
}

// ---------------------------------------------------------------- responses

#[test]
fn seed_query_answer() {
    let mut gw = v1();
    // Seed 001's response example.
    let body = r#"{
      "result_message": "成功",
      "data": {
        "trade_no": "2017060121534801983049958160",
        "merchant_order_sn": "201706011496325244549",
        "platform_order_no": "12345678998765433223",
        "order_sn": "20170601215348178414",
        "total_fee": 80,
        "fee": 1,
        "net_money": 79,
        "pay_time": 1496325236,
        "store_id": "25249",
        "cashier_id": "0",
        "trade_state": "SUCCESS",
        "type":1,
        "discount_money":"20.00",
        "buyer_pay_amount":"80.00",
        "attach": "",
        "user_id": "",
        "user_logon_id": "",
        "no_cash_coupon_fee": 0.01
      },
      "result_code": 200
    }"#;
    let inp = input(json!({"merchantOrderNo": "201706011496325244549"}));
    let r = crate::providers::parse_checked(&mut gw, Operation::Query, &resp(200, body), Some(&inp), &Ctx::default());
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::None));
    assert!(r.error.is_none());
    let o = r.order.expect("order");
    assert_eq!(o.state, OrderState::Success);
    assert!(o.is_final);
    assert_eq!(o.provider_state.as_deref(), Some("SUCCESS"));
    assert_eq!(o.merchant_order_no.as_deref(), Some("201706011496325244549"));
    assert_eq!(o.provider_order_no.as_deref(), Some("20170601215348178414"));
    assert_eq!(o.channel_order_no.as_deref(), Some("12345678998765433223"));
    assert_eq!(o.channel, Some(Channel::Wechat));
    // total_fee is 实收金额 and 20.00 was taken off (discount_money); the example gives no order_price
    // (订单金额), so the order's amount is their sum: 100.00.
    assert_eq!(
        o.amounts,
        Amounts {
            total: Some(10000),
            paid: Some(8000),
            refunded: None,
            net: Some(7900),
            fee: Some(100),
            discount: Some(2000)
        }
    );
    assert_eq!(o.paid_at, Some(1_496_325_236_000));
    assert_eq!(r.raw.value()["data"]["no_cash_coupon_fee"].to_string(), "0.01");
    // The same answer about another order is not an answer.
    let other = input(json!({"merchantOrderNo": "another"}));
    let r = crate::providers::parse_checked(
        &mut gw,
        Operation::Query,
        &resp(200, body),
        Some(&other),
        &Ctx::default(),
    );
    assert_eq!(
        (r.outcome, r.next, error_code(&r)),
        (Outcome::Unknown, Next::Retry, Some(ErrorCode::MalformedResponse))
    );
}

#[test]
fn query_states_and_next() {
    let mut gw = v1();
    for (st, state, next) in [
        ("USERPAYING", OrderState::Pending, Next::Poll),
        ("SUCCESS", OrderState::Success, Next::None),
        ("REVOKED", OrderState::Closed, Next::None),
        ("REVOKING", OrderState::Pending, Next::Poll),
        ("REVOKED_ERROR", OrderState::Unknown, Next::ContactSupport),
        ("CLOSED", OrderState::Closed, Next::None),
        ("SOMETHING_NEW", OrderState::Unknown, Next::ContactSupport),
    ] {
        let r = parse(
            &mut gw,
            Operation::Query,
            ok(json!({"merchant_order_sn": "o", "trade_state": st, "total_fee": 1})),
            None,
        );
        assert_eq!(r.outcome, Outcome::Succeeded, "{st}");
        assert_eq!(r.next, next, "{st}");
        let o = r.order.unwrap();
        assert_eq!(o.state, state, "{st}");
        assert_eq!(o.provider_state.as_deref(), Some(st));
        if state == OrderState::Pending {
            assert_eq!(o.amounts.paid, Some(0));
        }
    }
    // 2.0 spelling, channel and finish_time.
    let mut gw2 = v2_app();
    let r = parse(
        &mut gw2,
        Operation::Query,
        ok(
            json!({"merchant_order_sn": "o", "order_sn": "F", "channel_order_sn": "4200",
        "order_status": "SUCCESS", "pay_type": "alipay", "total_amount": 10.5, "net_amount": 10.4, "fee": 0.06,
        "buyer_pay_amount": 10.4, "finish_time": "20240101080000"}),
        ),
        None,
    );
    let o = r.order.unwrap();
    assert_eq!(o.channel, Some(Channel::Alipay));
    assert_eq!(o.channel_order_no.as_deref(), Some("4200"));
    assert_eq!(
        o.amounts,
        Amounts {
            total: Some(1050),
            paid: Some(1040),
            refunded: None,
            net: Some(1034),
            fee: Some(6),
            discount: None
        }
    );
    assert_eq!(o.paid_at, Some(1_704_067_200_000));
    // No state at all, or no data: not an answer.
    for body in [
        ok(json!({"merchant_order_sn": "o"})),
        json!({"result_code": 200}),
        ok(json!("not json")),
        ok(json!([1])),
    ] {
        let r = parse(&mut gw, Operation::Query, body.clone(), None);
        assert_eq!(
            (r.outcome, r.next, error_code(&r)),
            (Outcome::Unknown, Next::Retry, Some(ErrorCode::MalformedResponse)),
            "{body}"
        );
    }
    // data sent as a JSON string is read the same.
    let r = parse(
        &mut gw,
        Operation::Query,
        json!({"result_code": "200", "data": "{\"trade_state\":\"SUCCESS\",\"total_fee\":9.8}"}),
        None,
    );
    assert_eq!(r.order.unwrap().amounts.total, Some(980));
}

#[test]
fn a_bad_amount_makes_the_answer_uncertain() {
    let mut gw = v1();
    for amount in ["1.005", "1e2", "-1"] {
        let body = format!(r#"{{"result_code":200,"data":{{"trade_state":"SUCCESS","total_fee":{amount}}}}}"#);
        let r = parse_text(&mut gw, Operation::Pay, &body);
        assert_eq!(
            (r.outcome, r.next, error_code(&r)),
            (Outcome::Unknown, Next::Poll, Some(ErrorCode::MalformedResponse)),
            "{amount}"
        );
        assert!(r.order.is_none());
    }
}

#[test]
fn pay_answers() {
    let mut gw = v1();
    let inp = Some(json!({"merchantOrderNo": "o1", "amount": 980}));
    let cases = [
        ("SUCCESS", Outcome::Succeeded, Next::None, None),
        ("USERPAYING", Outcome::InProgress, Next::Poll, None),
        ("REVOKED", Outcome::Failed, Next::None, Some(ErrorCode::ProviderError)),
        (
            "REVOKED_ERROR",
            Outcome::Unknown,
            Next::ContactSupport,
            Some(ErrorCode::ProviderError),
        ),
        ("WHATEVER", Outcome::Unknown, Next::Poll, Some(ErrorCode::ProviderError)),
    ];
    for (st, outcome, next, err) in cases {
        let r = parse(
            &mut gw,
            Operation::Pay,
            ok(json!({"merchant_order_sn": "o1", "order_sn": "F1", "trade_state": st,
            "total_fee": 9.8, "type": 2, "pay_time": 1704067200})),
            inp.clone(),
        );
        assert_eq!((r.outcome, r.next, error_code(&r)), (outcome, next, err), "{st}");
        let o = r.order.unwrap();
        assert_eq!(o.channel, Some(Channel::Alipay));
        if st == "SUCCESS" {
            assert_eq!(
                (o.amounts.total, o.amounts.paid, o.paid_at),
                (Some(980), Some(980), Some(1_704_067_200_000))
            );
        } else {
            assert_eq!(o.paid_at, None);
        }
    }
    // A 200 without a state: ask again. The order is named only by what the answer says.
    let r = parse(&mut gw, Operation::Pay, ok(json!({})), inp.clone());
    assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Poll));
    assert_eq!(r.order.unwrap().merchant_order_no, None);
}

#[test]
fn platform_errors() {
    let mut gw = v1();
    let inp = Some(json!({"merchantOrderNo": "o1"}));
    let cases: Vec<(Operation, &str, Outcome, Next, Option<ErrorCode>)> = vec![
        (Operation::Pay, "USERPAYING", Outcome::InProgress, Next::Poll, None),
        (
            Operation::Pay,
            "AUTHCODEEXPIRE",
            Outcome::Failed,
            Next::None,
            Some(ErrorCode::BarcodeInvalid),
        ),
        (
            Operation::Pay,
            "NOTENOUGH",
            Outcome::Failed,
            Next::None,
            Some(ErrorCode::InsufficientFunds),
        ),
        (
            Operation::Pay,
            "SIGNERROR",
            Outcome::Failed,
            Next::None,
            Some(ErrorCode::AuthFailed),
        ),
        (
            Operation::Pay,
            "OUT_TRADE_NO_USED",
            Outcome::Unknown,
            Next::Poll,
            Some(ErrorCode::DuplicateOrder),
        ),
        (
            Operation::Pay,
            "SYSTEMERROR",
            Outcome::Unknown,
            Next::Poll,
            Some(ErrorCode::ProviderError),
        ),
        (
            Operation::Pay,
            "ERROR_CODE",
            Outcome::Unknown,
            Next::Poll,
            Some(ErrorCode::ProviderError),
        ),
        (
            Operation::Pay,
            "FREQUENCY_LIMITED",
            // Refused before processing because the gateway was busy: FAILED + RETRY (the same request).
            Outcome::Failed,
            Next::Retry,
            Some(ErrorCode::ProviderUnavailable),
        ),
        (
            Operation::Query,
            "ORDERNOTEXIST",
            // Not found is no evidence (a delayed pay may still create it): the shared rule asks again.
            Outcome::Unknown,
            Next::Retry,
            Some(ErrorCode::OrderNotFound),
        ),
        (
            Operation::Query,
            "FREQUENCY_LIMITED",
            // A read refused before processing found nothing out: ask again.
            Outcome::Unknown,
            Next::Retry,
            Some(ErrorCode::ProviderUnavailable),
        ),
        (
            Operation::Query,
            "ERROR_CODE",
            Outcome::Unknown,
            Next::Retry,
            Some(ErrorCode::ProviderError),
        ),
        (
            Operation::Close,
            "ORDERPAID",
            Outcome::Failed,
            Next::None,
            Some(ErrorCode::InvalidOrderState),
        ),
        (
            Operation::Refund,
            "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
            Outcome::Failed,
            Next::None,
            Some(ErrorCode::RefundConflict),
        ),
        (
            Operation::Refund,
            "ACQ.DISCORDANT_REPEAT_REQUEST",
            Outcome::Unknown,
            Next::Poll,
            Some(ErrorCode::DuplicateOrder),
        ),
        (
            Operation::Refund,
            "ERROR_CODE",
            Outcome::Unknown,
            Next::Poll,
            Some(ErrorCode::ProviderError),
        ),
    ];
    for (op, sub, outcome, next, code) in cases {
        let r = parse(&mut gw, op, platform(sub), inp.clone());
        assert_eq!((r.outcome, r.next, error_code(&r)), (outcome, next, code), "{op:?} {sub}");
        if let Some(e) = &r.error {
            assert_eq!(e.provider_code.as_deref(), Some(sub));
            assert_eq!(e.provider_message.as_deref(), Some("失败"));
        }
        assert_eq!(r.raw.value()["sub_code"], sub);
        if sub == "FREQUENCY_LIMITED" {
            assert!(r.error.as_ref().is_some_and(|e| e.retryable), "{op:?} {sub}");
        }
    }
    let r = parse(&mut gw, Operation::Pay, platform("USERPAYING"), inp.clone());
    let o = r.order.unwrap();
    assert_eq!(
        (o.state, o.merchant_order_no.as_deref()),
        (OrderState::Pending, Some("o1"))
    );
    // 400 without a sub_code, and other result codes: nobody can vouch for the outcome.
    for body in [
        json!({"result_code": 400, "result_message": "失败"}),
        json!({"result_code": 9999, "result_message": "订单已取消"}),
        json!({"result_code": 500}),
        json!({"result_message": "x"}),
        json!({"result_code": "abc"}),
    ] {
        let r = parse(&mut gw, Operation::Pay, body.clone(), None);
        assert_eq!(
            (r.outcome, r.next, error_code(&r)),
            (Outcome::Unknown, Next::Poll, Some(ErrorCode::ProviderError)),
            "{body}"
        );
    }
    let r = parse(
        &mut gw,
        Operation::Pay,
        json!({"result_code": 9999, "result_message": "订单已取消"}),
        None,
    );
    assert_eq!(r.error.unwrap().provider_code.as_deref(), Some("9999"));
}

#[test]
fn transport_level_answers() {
    let mut gw = v1();
    let r = crate::providers::parse_checked(
        &mut gw,
        Operation::Pay,
        &resp(502, "<html>bad gateway</html>"),
        None,
        &Ctx::default(),
    );
    assert_eq!(
        (r.outcome, r.next, error_code(&r)),
        (Outcome::Unknown, Next::Poll, Some(ErrorCode::ProviderUnavailable))
    );
    assert_eq!(r.raw, Value::Null);
    let r = crate::providers::parse_checked(&mut gw, Operation::Query, &resp(404, "{}"), None, &Ctx::default());
    assert_eq!(
        (r.outcome, r.next, error_code(&r)),
        (Outcome::Unknown, Next::Retry, Some(ErrorCode::ProviderError))
    );
    for body in ["", "not json", "[1,2]", "\"200\"", "{\"result_code\":200"] {
        let r = crate::providers::parse_checked(&mut gw, Operation::Refund, &resp(200, body), None, &Ctx::default());
        assert_eq!(
            (r.outcome, r.next, error_code(&r)),
            (Outcome::Unknown, Next::Poll, Some(ErrorCode::MalformedResponse)),
            "{body:?}"
        );
    }
}

#[test]
fn precreate_answers() {
    let mut gw = v1();
    let r = parse(
        &mut gw,
        Operation::Precreate,
        ok(json!({"merchant_order_sn": "o2", "type": 1, "total_fee": 0.07,
        "qr_code": "weixin://wxpay/bizpayurl?pr=abc"})),
        Some(json!({"merchantOrderNo": "o2"})),
    );
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::Poll));
    let o = r.order.unwrap();
    assert_eq!(o.state, OrderState::Pending);
    assert_eq!(o.qr_code.as_deref(), Some("weixin://wxpay/bizpayurl?pr=abc"));
    assert_eq!(o.amounts.total, Some(7));
    let r = parse(
        &mut gw,
        Operation::Precreate,
        ok(json!({"merchant_order_sn": "o2"})),
        None,
    );
    assert_eq!(
        (r.outcome, r.next, error_code(&r)),
        (Outcome::Unknown, Next::Poll, Some(ErrorCode::MalformedResponse))
    );
    // A state, if sent, must be the new order's: waiting for the buyer.
    let qr = |state: &str| ok(json!({"merchant_order_sn": "o2", "qr_code": "weixin://x", "trade_state": state}));
    let r = parse(&mut gw, Operation::Precreate, qr("USERPAYING"), None);
    assert_eq!(
        (r.outcome, r.order.unwrap().state),
        (Outcome::Succeeded, OrderState::Pending)
    );
    for state in ["SUCCESS", "CLOSED", "REVOKED", "NEW"] {
        let r = parse(&mut gw, Operation::Precreate, qr(state), None);
        assert_eq!(
            (r.outcome, r.next, error_code(&r)),
            (Outcome::Unknown, Next::Poll, Some(ErrorCode::MalformedResponse)),
            "{state}"
        );
    }
}

#[test]
fn refund_answers() {
    let mut gw = v1();
    // 1.0: ids only (PaymentRefundOrderModel) — accepted, confirm with refundQuery.
    let inp = Some(json!({"merchantOrderNo": "o1", "refundNo": "R1", "amount": 100}));
    let r = parse(
        &mut gw,
        Operation::Refund,
        ok(json!({"refund_sn": "FR1", "merchant_refund_sn": "R1", "order_sn": "F1",
        "merchant_order_sn": "o1"})),
        inp.clone(),
    );
    assert_eq!((r.outcome, r.next), (Outcome::InProgress, Next::Poll));
    let f = r.refund.unwrap();
    assert_eq!(
        (
            f.refund_no.as_deref(),
            f.provider_refund_no.as_deref(),
            f.amount,
            f.state
        ),
        (Some("R1"), Some("FR1"), Some(100), RefundState::Pending)
    );
    // 2.0 (ARefundOrderResultEntity) carries a status.
    let mut gw2 = v2_app();
    for (st, outcome, next, state) in [
        ("REFUND_SUCCESS", Outcome::Succeeded, Next::None, RefundState::Success),
        (
            "REFUND_PROCESSING",
            Outcome::InProgress,
            Next::Poll,
            RefundState::Pending,
        ),
        ("REFUND_FAIL", Outcome::Failed, Next::None, RefundState::Failed),
        ("REFUND_FAILER", Outcome::Failed, Next::None, RefundState::Failed),
        ("REFUND_WHAT", Outcome::Unknown, Next::Poll, RefundState::Unknown),
    ] {
        let r = parse(
            &mut gw2,
            Operation::Refund,
            ok(json!({"merchant_refund_sn": "R1", "refund_amount": 1, "refund_status": st})),
            inp.clone(),
        );
        assert_eq!((r.outcome, r.next), (outcome, next), "{st}");
        let f = r.refund.unwrap();
        assert_eq!(
            (f.state, f.amount, f.provider_state.as_deref()),
            (state, Some(100), Some(st)),
            "{st}"
        );
    }
    // A refund of another amount than asked is not an answer (the shared rule).
    let r = parse(
        &mut gw2,
        Operation::Refund,
        ok(json!({"merchant_refund_sn": "R1", "refund_amount": 0.5, "refund_status": "REFUND_SUCCESS"})),
        inp.clone(),
    );
    assert_eq!(
        (r.outcome, r.next, error_code(&r)),
        (Outcome::Unknown, Next::Poll, Some(ErrorCode::MalformedResponse))
    );
    // An answer about another order, without an order state (so no order in the result): not an answer.
    let r = parse(
        &mut gw,
        Operation::Refund,
        ok(json!({"refund_sn": "FR1", "merchant_refund_sn": "R1", "merchant_order_sn": "o2"})),
        inp.clone(),
    );
    assert_eq!(
        (r.outcome, r.next, error_code(&r)),
        (Outcome::Unknown, Next::Poll, Some(ErrorCode::MalformedResponse))
    );
    // An answer about another refund.
    let r = parse(
        &mut gw2,
        Operation::Refund,
        ok(json!({"merchant_refund_sn": "R2", "refund_status": "REFUND_SUCCESS"})),
        inp.clone(),
    );
    assert_eq!(
        (r.outcome, r.next, error_code(&r)),
        (Outcome::Unknown, Next::Poll, Some(ErrorCode::MalformedResponse))
    );
}

#[test]
fn refund_query_answers() {
    let mut gw = v1();
    let inp = Some(json!({"merchantOrderNo": "o1", "refundNo": "R1"}));
    for (st, state, next) in [
        ("REFUND_SUCCESS", RefundState::Success, Next::None),
        ("REFUND_PROCESSING", RefundState::Pending, Next::Poll),
        ("REFUND_FAILER", RefundState::Failed, Next::None),
        ("REFUND_FAIL", RefundState::Failed, Next::None),
        ("SOMETHING", RefundState::Unknown, Next::ContactSupport),
    ] {
        let r = parse(
            &mut gw,
            Operation::RefundQuery,
            ok(json!({"merchant_order_sn": "o1", "merchant_refund_sn": "R1",
            "refund_sn": "FR1", "refund_status": st, "refund_money": "1.00"})),
            inp.clone(),
        );
        assert_eq!((r.outcome, r.next), (Outcome::Succeeded, next), "{st}");
        let f = r.refund.unwrap();
        assert_eq!(
            (f.state, f.amount, f.refund_no.as_deref()),
            (state, Some(100), Some("R1")),
            "{st}"
        );
    }
    let r = parse(
        &mut gw,
        Operation::RefundQuery,
        ok(json!({"merchant_refund_sn": "R1"})),
        inp,
    );
    assert_eq!(
        (r.outcome, error_code(&r)),
        (Outcome::Unknown, Some(ErrorCode::MalformedResponse))
    );
}

#[test]
fn close_and_reverse_answers() {
    let mut gw = v1();
    let inp = Some(json!({"merchantOrderNo": "o1"}));
    for op in [Operation::Close, Operation::Cancel, Operation::Revoke] {
        let r = parse(
            &mut gw,
            op,
            ok(json!({"merchant_order_sn": "o1", "order_sn": "F1"})),
            inp.clone(),
        );
        assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::None), "{op:?}");
        let o = r.order.unwrap();
        assert_eq!(
            (o.state, o.is_final, o.provider_order_no.as_deref()),
            (OrderState::Closed, true, Some("F1"))
        );
    }
    let mut gw2 = v2_vendor();
    for (st, outcome, next) in [
        ("CLOSED", Outcome::Succeeded, Next::None),
        ("REVOKED", Outcome::Succeeded, Next::None),
        ("REVOKING", Outcome::InProgress, Next::Poll),
        ("REVOKED_ERROR", Outcome::Unknown, Next::ContactSupport),
        ("SUCCESS", Outcome::Unknown, Next::Poll),
    ] {
        let r = parse(
            &mut gw2,
            Operation::Cancel,
            ok(json!({"merchant_id": "1234567", "merchant_order_sn": "o1", "order_status": st})),
            inp.clone(),
        );
        assert_eq!((r.outcome, r.next), (outcome, next), "{st}");
    }
}

// ================================================================ through the client (shared rules)

/// `Client::parse`, the path every caller takes: the provider's mapping plus the rules every provider
/// shares (`providers::settle`). Returns the result JSON the bindings hand to JavaScript.
fn through_client(cfg: Value, op: Operation, inp: Value, body: Value) -> Value {
    crate::client::tests::parse_for_test(&cfg, op, &inp, body.to_string().into_bytes(), 1_704_067_200_000)
}

fn v1_cfg() -> Value {
    json!({"provider": "fubei", "credentials": {"appId": "20170609152021917511", "appSecret": SECRET}})
}

fn v2_vendor_cfg() -> Value {
    json!({"provider": "fubei", "apiVersion": "2.0",
           "credentials": {"vendorSn": "2019041511202323", "vendorSecret": VENDOR_SECRET, "merchantId": 1234567}})
}

fn triple(v: &Value) -> (&str, &str, Option<&str>) {
    (
        v["outcome"].as_str().unwrap(),
        v["next"].as_str().unwrap(),
        v["error"]["code"].as_str(),
    )
}

const PAY_IN: fn() -> Value = || json!({"merchantOrderNo": "o1", "amount": 980, "authCode": "284567890123456789"});

/// A pay success counts only with a paid order named by the answer itself (never filled from the
/// input) and for the amount asked.
#[test]
fn pay_success_must_name_its_order_through_the_client() {
    let paid = |extra: Value| {
        let mut d = json!({"merchant_order_sn": "o1", "order_sn": "F1", "trade_state": "SUCCESS", "total_fee": 9.8,
                           "type": 2, "pay_time": 1704067200});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                d.as_object_mut().unwrap().remove(k);
            } else {
                d[k] = v.clone();
            }
        }
        ok(d)
    };
    let v = through_client(v1_cfg(), Operation::Pay, PAY_IN(), paid(json!({})));
    assert_eq!(triple(&v), ("SUCCEEDED", "NONE", None), "{v}");
    assert_eq!(v["order"]["merchantOrderNo"], "o1");
    for (what, body) in [
        ("unnamed", paid(json!({"merchant_order_sn": null, "order_sn": null}))),
        ("another order", paid(json!({"merchant_order_sn": "o2"}))),
        ("another amount", paid(json!({"total_fee": 0.01}))),
    ] {
        let v = through_client(v1_cfg(), Operation::Pay, PAY_IN(), body);
        assert_eq!(
            triple(&v),
            ("UNKNOWN", "POLL", Some("MALFORMED_RESPONSE")),
            "{what}: {v}"
        );
    }
    // Named only by a Fubei number, which the caller cannot tie to the merchant number asked about: a
    // query decides (the attacker review's finding 10).
    let v = through_client(
        v1_cfg(),
        Operation::Pay,
        PAY_IN(),
        paid(json!({"merchant_order_sn": null})),
    );
    assert_eq!(v["outcome"], "UNKNOWN", "{v}");
}

/// Reversal and close answers carry a state in 2.0: one that shows the money still held is UNKNOWN,
/// never a confirmed reversal.
#[test]
fn reversal_with_money_held_is_unknown_through_the_client() {
    let inp = json!({"merchantOrderNo": "o1"});
    for op in [Operation::Cancel, Operation::Revoke, Operation::Close] {
        for state in ["SUCCESS", "USERPAYING", "REVOKING", "REVOKED_ERROR"] {
            let body = ok(json!({"merchant_id": 1234567, "merchant_order_sn": "o1", "order_status": state}));
            let v = through_client(v2_vendor_cfg(), op, inp.clone(), body);
            assert_ne!(v["outcome"], "SUCCEEDED", "{op:?} {state}: {v}");
            assert_ne!(v["outcome"], "FAILED", "{op:?} {state}: {v}");
        }
        for state in ["REVOKED", "CLOSED"] {
            let body = ok(json!({"merchant_id": 1234567, "merchant_order_sn": "o1", "order_status": state}));
            let v = through_client(v2_vendor_cfg(), op, inp.clone(), body);
            assert_eq!(triple(&v), ("SUCCEEDED", "NONE", None), "{op:?} {state}: {v}");
        }
    }
}

/// A refund accepted or done on an order that shows no payment contradicts itself.
#[test]
fn refund_of_an_unpaid_order_is_unknown() {
    let inp = json!({"merchantOrderNo": "o1", "refundNo": "r1", "amount": 100});
    for state in ["USERPAYING", "CLOSED", "REVOKED"] {
        for status in ["REFUND_SUCCESS", "REFUND_PROCESSING"] {
            let body = ok(
                json!({"merchant_id": 1234567, "merchant_order_sn": "o1", "merchant_refund_sn": "r1",
                                 "order_status": state, "refund_status": status, "refund_amount": 1}),
            );
            let v = through_client(v2_vendor_cfg(), Operation::Refund, inp.clone(), body);
            assert_eq!(
                triple(&v),
                ("UNKNOWN", "POLL", Some("MALFORMED_RESPONSE")),
                "{state} {status}: {v}"
            );
        }
    }
    let body = ok(
        json!({"merchant_id": 1234567, "merchant_order_sn": "o1", "merchant_refund_sn": "r1",
                         "refund_status": "REFUND_SUCCESS", "refund_amount": 1}),
    );
    let v = through_client(v2_vendor_cfg(), Operation::Refund, inp, body);
    assert_eq!(triple(&v), ("SUCCEEDED", "NONE", None), "{v}");
}

/// A refund number used before with other values (Alipay ACQ.DISCORDANT_REPEAT_REQUEST, WeChat
/// REFUND_FEE_MISMATCH) may have refunded already: UNKNOWN + POLL, never FAILED.
#[test]
fn repeated_refund_number_is_unknown_and_polls_through_the_client() {
    let inp = json!({"merchantOrderNo": "o1", "refundNo": "r1", "amount": 100});
    for sub in ["ACQ.DISCORDANT_REPEAT_REQUEST", "REFUND_FEE_MISMATCH"] {
        for cfg in [v1_cfg(), v2_vendor_cfg()] {
            let v = through_client(cfg, Operation::Refund, inp.clone(), platform(sub));
            assert_eq!(triple(&v), ("UNKNOWN", "POLL", Some("DUPLICATE_ORDER")), "{sub}: {v}");
            assert_eq!(v["error"]["providerCode"], sub);
        }
    }
}

/// Vendor credentials act for many merchants: an answer about another merchant is not an answer.
#[test]
fn vendor_answer_about_another_merchant_is_unknown() {
    let inp = json!({"merchantOrderNo": "o1"});
    for (op, data) in [
        (
            Operation::Query,
            json!({"merchant_id": 7654321, "merchant_order_sn": "o1", "order_status": "SUCCESS"}),
        ),
        (
            Operation::Close,
            json!({"merchant_id": "7654321", "merchant_order_sn": "o1", "order_status": "CLOSED"}),
        ),
        (
            Operation::Query,
            json!({"uid": 7654321, "merchant_order_sn": "o1", "order_status": "SUCCESS"}),
        ),
    ] {
        let mut gw = v2_vendor();
        let r = parse(&mut gw, op, ok(data.clone()), Some(inp.clone()));
        assert_eq!(
            (r.outcome, error_code(&r)),
            (Outcome::Unknown, Some(ErrorCode::MalformedResponse)),
            "{data}"
        );
        assert!(r.error.unwrap().message.contains("another merchant"));
    }
    // Ours, or not named (1.0-style answers and refunds carry no merchant): taken as they are.
    for data in [
        json!({"merchant_id": 1234567, "merchant_order_sn": "o1", "order_status": "SUCCESS"}),
        json!({"merchant_order_sn": "o1", "order_status": "SUCCESS"}),
    ] {
        let r = parse(&mut v2_vendor(), Operation::Query, ok(data.clone()), Some(inp.clone()));
        assert_eq!(r.outcome, Outcome::Succeeded, "{data}");
    }
    // App credentials do not know their merchant number: nothing to compare.
    let data = json!({"merchant_id": 7654321, "merchant_order_sn": "o1", "order_status": "SUCCESS"});
    let r = parse(&mut v2_app(), Operation::Query, ok(data), Some(inp));
    assert_eq!(r.outcome, Outcome::Succeeded);
}

/// The form signature covers every field, so fields are decoded before it is checked: that work is
/// bounded (at most MAX_FORM_FIELDS fields, and no value decoded without a sign field).
#[test]
fn notification_forms_are_bounded_before_the_signature_is_checked() {
    let gw = v1();
    let h = BTreeMap::new();
    // Too many fields: refused without decoding them.
    let many = (0..=MAX_FORM_FIELDS)
        .map(|i| format!("f{i}=1"))
        .collect::<Vec<_>>()
        .join("&")
        + "&sign=00";
    let e = gw.verify_notification(&h, many.as_bytes(), &ctx()).unwrap_err();
    assert_eq!(e.reason, Some("MALFORMED"), "{}", e.message);
    assert!(e.message.contains(&MAX_FORM_FIELDS.to_string()), "{}", e.message);
    // 1 MiB of empty separators is no field at all.
    let empty = "&".repeat(1 << 20);
    let e = gw.verify_notification(&h, empty.as_bytes(), &ctx()).unwrap_err();
    assert_eq!(e.reason, Some("MISSING_SIGNATURE"));
    // A million tiny fields: refused at the bound.
    let tiny = "a=1&".repeat(250_000);
    let e = gw.verify_notification(&h, tiny.as_bytes(), &ctx()).unwrap_err();
    assert_eq!(e.reason, Some("MALFORMED"));
    // No sign field: no value is decoded (a broken escape in a value is never reached).
    let unsigned = format!("result_code=200&data={}%G", "x".repeat(500_000));
    let e = gw.verify_notification(&h, unsigned.as_bytes(), &ctx()).unwrap_err();
    assert_eq!(e.reason, Some("MISSING_SIGNATURE"));
    // Within the bound, a wrong sign is a wrong sign.
    let fine = (0..MAX_FORM_FIELDS - 1)
        .map(|i| format!("f{i}=1"))
        .collect::<Vec<_>>()
        .join("&")
        + "&sign=00";
    let e = gw.verify_notification(&h, fine.as_bytes(), &ctx()).unwrap_err();
    assert_eq!(e.reason, Some("BAD_SIGNATURE"));
    // A sign field whose name is percent-encoded is still the sign field.
    let encoded = "result_code=200&data=%7B%7D&si%67n=00";
    let e = gw.verify_notification(&h, encoded.as_bytes(), &ctx()).unwrap_err();
    assert_eq!(e.reason, Some("BAD_SIGNATURE"));
}

/// A 400 that refuses a pay while the order in the same answer is paid or still paying contradicts
/// itself: FAILED would invite paying again with the money possibly held.
#[test]
fn refused_pay_whose_order_is_paid_is_unknown_through_the_client() {
    let refused = |data: Value| json!({"result_code": 400, "result_message": "支付失败: 用户余额不足", "sub_code": "NOTENOUGH", "data": data});
    for (cfg, data) in [
        (
            v1_cfg(),
            json!({"merchant_order_sn": "o1", "order_sn": "F1", "trade_state": "SUCCESS", "total_fee": 9.8}),
        ),
        (
            v1_cfg(),
            json!({"merchant_order_sn": "o1", "order_sn": "F1", "trade_state": "USERPAYING"}),
        ),
        (
            v2_vendor_cfg(),
            json!({"merchant_id": 1234567, "merchant_order_sn": "o1", "order_status": "SUCCESS"}),
        ),
        (
            v2_vendor_cfg(),
            json!({"merchant_id": 1234567, "merchant_order_sn": "o1", "order_status": "REVOKED_ERROR"}),
        ),
    ] {
        let v = through_client(cfg, Operation::Pay, PAY_IN(), refused(data.clone()));
        assert_eq!(
            triple(&v),
            ("UNKNOWN", "POLL", Some("MALFORMED_RESPONSE")),
            "{data}: {v}"
        );
    }
    // The refusal stands without an order, or with one that is closed or reversed.
    for data in [
        Value::Null,
        json!({"merchant_order_sn": "o1", "trade_state": "CLOSED"}),
        json!({"merchant_order_sn": "o1", "trade_state": "REVOKED"}),
    ] {
        let v = through_client(v1_cfg(), Operation::Pay, PAY_IN(), refused(data.clone()));
        assert_eq!(
            triple(&v),
            ("FAILED", "NONE", Some("INSUFFICIENT_FUNDS")),
            "{data}: {v}"
        );
    }
    // A refused refund with a paid order is consistent: the order is still paid.
    let inp = json!({"merchantOrderNo": "o1", "refundNo": "r1", "amount": 100});
    let body = json!({"result_code": 400, "result_message": "退款金额无效", "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
                      "data": {"merchant_order_sn": "o1", "trade_state": "SUCCESS"}});
    let v = through_client(v1_cfg(), Operation::Refund, inp, body);
    assert_eq!(triple(&v), ("FAILED", "NONE", Some("REFUND_CONFLICT")), "{v}");
}

// ================================================================ the conformance fixture

/// API 1.0 with app credentials, the default config. Fubei's answers carry no signature; its
/// notifications are MD5-signed forms, signed here with the fixture's app secret.
pub(crate) fn fixture() -> Box<dyn Fixture> {
    Box::new(FubeiFixture)
}

struct FubeiFixture;

/// The yuan JSON number Fubei writes for `fen` (`1234` → `12.34`).
fn yuan(fen: i64) -> Value {
    yuan_number(fen).expect("fixture amount")
}

fn answer_of(body: Value) -> HttpResponse {
    resp(200, &body.to_string())
}

impl Fixture for FubeiFixture {
    fn config(&self) -> Value {
        v1_cfg()
    }

    fn versions(&self) -> Vec<(&'static str, Value)> {
        let v2 = json!({"provider": "fubei", "apiVersion": "2.0", "credentials": {"appId": "A1", "appSecret": SECRET}});
        vec![("1.0", v1_cfg()), ("2.0", v2)]
    }

    fn input(&self, op: Operation, o: &OrderRef) -> Option<Value> {
        let no = &o.merchant_order_no;
        Some(match op {
            Operation::Pay => json!({"merchantOrderNo": no, "amount": o.amount, "authCode": "284567890123456789"}),
            Operation::Precreate => json!({"merchantOrderNo": no, "amount": o.amount, "channel": "ALIPAY"}),
            Operation::Refund => json!({"merchantOrderNo": no, "refundNo": format!("R{no}"), "amount": o.amount}),
            Operation::RefundQuery => json!({"merchantOrderNo": no, "refundNo": format!("R{no}")}),
            Operation::Query | Operation::Close | Operation::Cancel | Operation::Revoke => {
                json!({"merchantOrderNo": no})
            }
            Operation::Activate | Operation::Checkin => return None,
        })
    }

    /// Each answer as the 1.0 models give it (Java SDK `Payment*OrderModel`): pay and query carry the
    /// trade state and amounts; scan, refund, close and reverse carry only the numbers they are about.
    fn answer(&self, op: Operation, o: &OrderRef, said: Said) -> HttpResponse {
        let state = match said {
            // WeChat Pay's code for a merchant order number already used (the sub_code table).
            Said::DuplicateOrder => {
                return answer_of(
                    json!({"result_code": 400, "result_message": "商户订单号重复", "sub_code": "OUT_TRADE_NO_USED"}),
                )
            }
            Said::Ok(state) => state,
        };
        let ids = json!({"merchant_order_sn": o.merchant_order_no, "order_sn": o.provider_order_no});
        let mut data = ids.as_object().expect("object").clone();
        let mut set = |k: &str, v: Value| {
            data.insert(k.into(), v);
        };
        match op {
            Operation::Pay | Operation::Query => {
                set("trade_state", json!(state));
                set("type", json!(2));
                set("order_price", yuan(o.amount));
                set("total_fee", yuan(o.amount));
                set("net_money", yuan(o.amount));
                set("pay_time", json!(1_700_000_000));
                set("platform_order_no", json!("2023111422001400000000000001"));
            }
            Operation::Precreate => set("qr_code", json!("https://qr.alipay.com/bax00000000000000000")),
            Operation::Refund => {
                set("merchant_refund_sn", json!(format!("R{}", o.merchant_order_no)));
                set("refund_sn", json!("F2023111400001"));
                set("refund_money", yuan(o.amount));
            }
            Operation::RefundQuery => {
                set("merchant_refund_sn", json!(format!("R{}", o.merchant_order_no)));
                set("refund_sn", json!("F2023111400001"));
                set("refund_status", json!("REFUND_SUCCESS"));
                set("refund_money", yuan(o.amount));
            }
            Operation::Close | Operation::Cancel | Operation::Revoke | Operation::Activate | Operation::Checkin => {}
        }
        answer_of(ok(Value::Object(data)))
    }

    fn states(&self) -> &'static [(&'static str, OrderState, bool)] {
        &ORDER_STATE_TABLE
    }



    fn required_credentials(&self) -> &'static [&'static str] {
        &["appId", "appSecret"]
    }

    fn secrets(&self) -> Vec<String> {
        vec![SECRET.to_string()]
    }

    /// The sign is a form field.
    fn signed_in_headers(&self) -> bool {
        false
    }

    /// A 1.0 mini-program order (`openapi.payment.order.mina`): the answer's `sign_params` under WeChat's
    /// own key names (docs.51fubei.com/open-api/business/methods/minaPay.html).
    fn wechat_order(&self, o: &OrderRef, drop: Option<&str>) -> Option<(Value, HttpResponse)> {
        let input = json!({"merchantOrderNo": o.merchant_order_no, "amount": o.amount, "kind": "MINI_PROGRAM",
                           "channel": "WECHAT", "payerId": "oODbw0Aiss8lP5aPvFq9-_F4H9LA"});
        let mut params = json!({"appId": "wx2421b1c4370ec43b", "timeStamp": "1700000000",
                                "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                                "package": "prepay_id=wx201410272009395522657a690389285100",
                                "signType": "MD5", "paySign": "C380BEC2BFD727A4B6845133519F3AD6"});
        if let Some(k) = drop {
            params.as_object_mut().expect("object").remove(k);
        }
        let data = json!({"prepay_id": "wx201410272009395522657a690389285100", "order_sn": o.provider_order_no,
                          "merchant_order_sn": o.merchant_order_no, "sign_params": params});
        Some((input, answer_of(ok(data))))
    }

    fn notification(&self, o: &OrderRef) -> Option<(BTreeMap<String, String>, Vec<u8>)> {
        let data = json!({"merchant_order_sn": o.merchant_order_no, "order_sn": o.provider_order_no,
                          "trade_state": "SUCCESS", "type": 2, "total_fee": yuan(o.amount), "pay_time": 1_700_000_000})
        .to_string();
        let mut fields = BTreeMap::new();
        fields.insert("result_code".to_string(), "200".to_string());
        fields.insert("result_message".to_string(), "支付成功".to_string());
        fields.insert("data".to_string(), data);
        let signature = sign(&fields, SECRET);
        fields.insert("sign".to_string(), signature);
        let body = ["result_code", "result_message", "data", "sign"]
            .iter()
            .map(|k| format!("{k}={}", crate::http::url_encode(&fields[*k])))
            .collect::<Vec<_>>()
            .join("&");
        let mut headers = BTreeMap::new();
        headers.insert(
            "content-type".to_string(),
            "application/x-www-form-urlencoded".to_string(),
        );
        Some((headers, body.into_bytes()))
    }
}

// ================================================================ fields

/// Each operation reads its own fields; anything else (besides the portable ones) is refused before
/// sending. A 2.0 pay has no wallet field, so `channel` means nothing there.
#[test]
fn fields_without_meaning_are_refused() {
    use crate::providers::check_fields;
    let given = |v: Value| Input::from_json(&v.to_string()).expect("input");
    let portable = json!({"operator": "op01", "subject": "goods", "description": "d", "storeId": "1001",
                          "clientIp": "192.0.2.1", "notifyUrl": "https://merchant.example/notify", "extra": {}});
    for gw in [v1(), v2_app()] {
        for (op, mut inp) in [
            (
                Operation::Pay,
                json!({"merchantOrderNo": "o1", "amount": 1, "authCode": "284567890123456789",
                                    "reflect": "r", "cashierId": "1", "deviceId": "D"}),
            ),
            (
                Operation::Precreate,
                json!({"merchantOrderNo": "o1", "amount": 1, "channel": "ALIPAY", "reflect": "r"}),
            ),
            (
                Operation::Query,
                json!({"merchantOrderNo": "o1", "providerOrderNo": "F1", "deviceId": "D"}),
            ),
            (
                Operation::Refund,
                json!({"merchantOrderNo": "o1", "refundNo": "R1", "amount": 1, "deviceId": "D"}),
            ),
            (
                Operation::RefundQuery,
                json!({"merchantOrderNo": "o1", "refundNo": "R1", "providerRefundNo": "FR1"}),
            ),
            (
                Operation::Close,
                json!({"merchantOrderNo": "o1", "providerOrderNo": "F1"}),
            ),
            (Operation::Cancel, json!({"merchantOrderNo": "o1"})),
            (Operation::Revoke, json!({"merchantOrderNo": "o1"})),
        ] {
            for (k, v) in portable.as_object().unwrap() {
                inp[k] = v.clone();
            }
            check_fields(&gw, op, &given(inp.clone())).unwrap_or_else(|e| panic!("{op:?}: {e:?}"));
            gw.build(op, &given(inp), &ctx())
                .unwrap_or_else(|e| panic!("{op:?}: {e:?}"));
        }
        for (op, field, value) in [
            (Operation::Query, "authCode", json!("130000000000000001")),
            (Operation::Close, "amount", json!(1)),
            (Operation::RefundQuery, "amount", json!(1)),
            (Operation::Query, "payerId", json!("u")),
        ] {
            let mut inp = json!({"merchantOrderNo": "o1", "refundNo": "R1"});
            inp[field] = value;
            let e = check_fields(&gw, op, &given(inp)).expect_err(field);
            assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidInput, Some(field)));
        }
        assert!(gw.fields(Operation::Activate).is_none());
    }
    let pay = json!({"merchantOrderNo": "o1", "amount": 1, "authCode": "284567890123456789", "channel": "ALIPAY"});
    assert!(check_fields(&v1(), Operation::Pay, &given(pay.clone())).is_ok());
    let e = check_fields(&v2_app(), Operation::Pay, &given(pay)).expect_err("2.0 pay has no wallet field");
    assert_eq!(e.field.as_deref(), Some("channel"));
    // Fubei's store_id is its own numeric id: a store name cannot be sent, and is not silently dropped.
    let inp = json!({"merchantOrderNo": "o1", "amount": 1, "authCode": "284567890123456789", "storeId": "S001"});
    let e = v1().build(Operation::Pay, &given(inp), &ctx()).expect_err("S001");
    assert_eq!(e.field.as_deref(), Some("storeId"));
}
