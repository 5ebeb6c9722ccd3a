//! Unit tests for the Shouqianba gateway: status tables, response parsing, input validation,
//! configuration, activate/check-in, and that secrets never leak. Signing vectors, the WAP URL and
//! notification verification are exercised end to end in `tests/shouqianba_vectors.rs`.

use crate::providers::testkit::error_code;
use crate::providers::testkit::{NOTIFY_KEY, NOTIFY_PUBLIC_KEY};
use super::*;
use serde_json::json;

// ================================================================ helpers

/// `build` for a provider that signs by itself: the request is complete (nothing left for a host signer).
trait BuildRequest {
    fn request(&self, op: Operation, input: &Input, ctx: &Ctx) -> Result<HttpRequest>;
}

impl<G: Gateway + ?Sized> BuildRequest for G {
    fn request(&self, op: Operation, input: &Input, ctx: &Ctx) -> Result<HttpRequest> {
        self.build(op, input, ctx).map(|p| {
            assert!(
                p.to_sign.is_none(),
                "Shouqianba signs by itself: nothing is left for a host signer"
            );
            p.request
        })
    }
}

mod wallet_orders;
mod wap_return;

const SN: &str = "100000330001";
const KEY: &str = "terminal-key-1";
const ORDER: &str = "o-20240101-0001";
const PROVIDER_SN: &str = "7895259244996965";

fn gateway() -> Shouqianba {
    gateway_with(SN, KEY)
}

fn gateway_with(sn: &str, key: &str) -> Shouqianba {
    Shouqianba::new(json!({"provider": "shouqianba", "credentials": {"terminalSn": sn, "terminalKey": key}}))
        .expect("valid config")
}

fn input(v: Value) -> Input {
    crate::providers::read(&v).expect("test input must deserialize")
}

fn ctx() -> Ctx {
    Ctx::default()
}

/// A complete, valid input for each operation (the tables below modify one field at a time).
fn valid_input(op: Operation) -> Value {
    match op {
        Operation::Activate => {
            json!({"vendorSn": "91801234", "vendorKey": "vendor-key", "appId": "2017010100000001",
                                      "code": "12345678", "deviceId": "dev-1"})
        }
        Operation::Checkin => json!({"deviceId": "dev-1"}),
        Operation::Pay => {
            json!({"merchantOrderNo": ORDER, "amount": 1000, "authCode": "134567890123456789",
                                 "subject": "Coffee", "operator": "op1"})
        }
        Operation::Precreate => {
            json!({"merchantOrderNo": ORDER, "amount": 1000, "subject": "Coffee",
                                       "operator": "op1", "payway": "3"})
        }
        Operation::Query | Operation::Cancel | Operation::Revoke => {
            json!({"merchantOrderNo": ORDER})
        }
        Operation::Refund => {
            json!({"merchantOrderNo": ORDER, "refundNo": "r1", "amount": 300, "operator": "op1"})
        }
        // Not Shouqianba operations; an input that would suit them elsewhere.
        Operation::Close | Operation::RefundQuery => {
            json!({"merchantOrderNo": ORDER, "refundNo": "r1"})
        }
    }
}

/// `valid_input(op)` with `key` set to `v` (or removed when `v` is null).
fn with(op: Operation, key: &str, v: Value) -> Value {
    let mut o = valid_input(op);
    let m = o.as_object_mut().unwrap();
    if v.is_null() {
        m.remove(key);
    } else {
        m.insert(key.to_string(), v);
    }
    o
}

fn http(status: u16, body: impl Into<Vec<u8>>) -> HttpResponse {
    HttpResponse {
        status,
        headers: BTreeMap::new(),
        body: body.into(),
    }
}

/// A `biz_response.data` as the gateway sends it: every value a string.
fn order_data(order_status: &str) -> Value {
    json!({
        "terminal_sn": SN, "sn": PROVIDER_SN, "client_sn": ORDER, "trade_no": "4200001234202401010000000001",
        "status": "SUCCESS", "order_status": order_status, "payway": "3", "payway_name": "微信", "sub_payway": "1",
        "payer_uid": "okSzXt3uY", "total_amount": "1000", "net_amount": "1000", "settlement_amount": "1000",
        "finish_time": "1704067200123", "channel_finish_time": "1704067200000", "subject": "Coffee",
        "operator": "op1", "ctime": "1704067190000", "store_id": "00000000000001", "payment_list": [{"type": "WALLET_WEIXIN", "amount_total": "1000"}]
    })
}

/// `order_data` with some fields replaced (null removes the field).
fn order_data_with(order_status: &str, changes: Value) -> Value {
    let mut d = order_data(order_status);
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            d.as_object_mut().unwrap().remove(k);
        } else {
            d[k] = v.clone();
        }
    }
    d
}

/// A transport-level 200 envelope around `biz`.
fn envelope(biz: Value) -> Vec<u8> {
    json!({"result_code": "200", "biz_response": biz})
        .to_string()
        .into_bytes()
}

fn biz_ok(code: &str, data: Value) -> Vec<u8> {
    envelope(json!({"result_code": code, "data": data}))
}

fn biz_fail(code: &str, error_code: &str, data: Option<Value>) -> Vec<u8> {
    let mut biz = json!({"result_code": code, "error_code": error_code, "error_message": "报错信息 message"});
    if let Some(d) = data {
        biz["data"] = d;
    }
    envelope(biz)
}

fn transport(result_code: &str, error_code: &str) -> Vec<u8> {
    json!({"result_code": result_code, "error_code": error_code, "error_message": "something went wrong"})
        .to_string()
        .into_bytes()
}

/// Parses with a fresh gateway and the operation's valid input.
fn parse(op: Operation, status: u16, body: impl Into<Vec<u8>>) -> OperationResult {
    let inp = input(valid_input(op));
    crate::providers::parse_checked(&mut gateway(), op, &http(status, body), Some(&inp), &Ctx::default())
}

fn parse_with(op: Operation, inp: Value, body: impl Into<Vec<u8>>) -> OperationResult {
    let inp = input(inp);
    crate::providers::parse_checked(&mut gateway(), op, &http(200, body), Some(&inp), &Ctx::default())
}


const ORDER_OPS: [Operation; 6] = [
    Operation::Pay,
    Operation::Precreate,
    Operation::Query,
    Operation::Refund,
    Operation::Cancel,
    Operation::Revoke,
];

// ================================================================ 2. data.order_status

/// The spec's table, row by row: (value, state, final).
const ORDER_STATUS_TABLE: [(&str, OrderState, bool); 11] = [
    ("CREATED", OrderState::Pending, false),
    ("PAID", OrderState::Success, true),
    ("PAY_CANCELED", OrderState::Failed, true),
    ("PAY_ERROR", OrderState::Unknown, false),
    ("REFUNDED", OrderState::Refunded, true),
    ("PARTIAL_REFUNDED", OrderState::PartiallyRefunded, true),
    ("REFUND_ERROR", OrderState::Unknown, false),
    ("CANCELED", OrderState::Closed, true),
    ("CANCEL_ERROR", OrderState::Unknown, false),
    ("CANCEL_INPROGRESS", OrderState::Pending, false),
    ("INVALID_STATUS_CODE", OrderState::Unknown, false),
];

#[test]
fn order_status_unlisted_is_unknown_never_failed() {
    for value in [
        Some("EXPIRED"),
        Some(""),
        Some("paid"),
        Some("Paid"),
        Some(" PAID"),
        Some("PAY_CANCELLED"),
        Some("FAILED"),
        None,
    ] {
        assert_eq!(crate::providers::order_state(ORDER_STATES, value), (OrderState::Unknown, false), "{value:?}");
    }
}

#[test]
fn order_status_missing_or_unlisted_is_unknown_through_query() {
    for value in [json!("EXPIRED"), json!(""), json!("paid"), Value::Null] {
        let d = order_data_with("x", json!({"order_status": value}));
        let r = parse(Operation::Query, 200, biz_ok("SUCCESS", d));
        let o = r.order.as_ref().unwrap();
        assert_eq!((o.state, o.is_final), (OrderState::Unknown, false), "{value}");
        assert_ne!(o.state, OrderState::Failed);
        assert_eq!(r.next, Next::ContactSupport, "{value}");
    }
}

// ================================================================ 3. biz_response.result_code

/// The spec's table per operation: (operation, code, a realistic order_status for data, outcome, next).
fn biz_table() -> Vec<(Operation, &'static str, &'static str, Outcome, Next)> {
    use Next as N;
    use Operation as O;
    use Outcome::*;
    let mut t = vec![
        (O::Pay, "PAY_SUCCESS", "PAID", Succeeded, N::None),
        (O::Pay, "PAY_FAIL", "PAY_CANCELED", Failed, N::None),
        (O::Pay, "PAY_IN_PROGRESS", "CREATED", InProgress, N::Poll),
        (O::Pay, "PAY_FAIL_ERROR", "PAY_ERROR", Unknown, N::ContactSupport),
        (O::Pay, "PAY_FAIL_IN_PROGRESS", "PAY_ERROR", Unknown, N::ContactSupport),
        (O::Precreate, "PRECREATE_SUCCESS", "CREATED", Succeeded, N::Poll),
        (O::Precreate, "PRECREATE_FAIL", "PAY_CANCELED", Failed, N::None),
        (O::Precreate, "PRECREATE_FAIL_ERROR", "PAY_ERROR", Unknown, N::Poll),
        (O::Precreate, "PRECREATE_FAIL_IN_PROGRESS", "CREATED", Unknown, N::Poll),
        (O::Refund, "REFUND_SUCCESS", "PARTIAL_REFUNDED", Succeeded, N::None),
        (O::Refund, "REFUND_FAIL", "PAID", Failed, N::None),
        (O::Refund, "REFUND_IN_PROGRESS", "PAID", InProgress, N::Poll),
        (O::Refund, "REFUND_ERROR", "REFUND_ERROR", Unknown, N::ContactSupport),
        (O::Query, "SUCCESS", "PAID", Succeeded, N::None),
        (O::Query, "FAIL", "PAID", Failed, N::None),
    ];
    for op in [O::Cancel, O::Revoke] {
        t.extend([
            (op, "CANCEL_SUCCESS", "CANCELED", Succeeded, N::None),
            (op, "CANCEL_ABORT_SUCCESS", "CANCELED", Succeeded, N::None),
            (op, "CANCEL_IN_PROGRESS", "CANCEL_INPROGRESS", InProgress, N::Poll),
            (op, "CANCEL_ERROR", "CANCEL_ERROR", Unknown, N::ContactSupport),
            (op, "CANCEL_ABORT_ERROR", "CANCEL_ERROR", Unknown, N::ContactSupport),
            (
                op,
                "CANCEL_ABORT_IN_PROGRESS",
                "CANCEL_INPROGRESS",
                Unknown,
                N::ContactSupport,
            ),
        ]);
    }
    t
}

#[test]
fn biz_outcome_table() {
    for (op, code, _, outcome, next) in biz_table() {
        assert_eq!(biz_outcome(op, code), Some(outcome), "{op:?} {code}");
        // The answers the seed leaves to a person are escalated (the pipeline says CONTACT_SUPPORT).
        assert_eq!(needs_a_person(code), next == Next::ContactSupport, "{op:?} {code}");
    }
    // "FAIL" (call failed, nothing changed) is a known answer to every order operation.
    for op in ORDER_OPS {
        assert_eq!(biz_outcome(op, "FAIL"), Some(Outcome::Failed), "{op:?}");
        assert!(!needs_a_person("FAIL"));
    }
}

#[test]
fn biz_result_codes_through_parse() {
    for (op, code, status, outcome, next) in biz_table() {
        // On a refund, settlement_amount is the refund's amount: the one asked (300).
        let data = if op == Operation::Refund {
            order_data_with(status, json!({"net_amount": "700", "settlement_amount": "300"}))
        } else if op == Operation::Precreate {
            // A created QR order carries its code, and says it is one (sub_payway 2).
            order_data_with(status, json!({"qr_code": "https://qr.shouqianba.com/x", "sub_payway": "2"}))
        } else {
            order_data(status)
        };
        let body = match outcome {
            Outcome::Failed => biz_fail(code, "TRADE_FAILED", Some(data)),
            Outcome::Unknown => envelope(json!({"result_code": code, "error_code": "UNEXPECTED_PROVIDER_ERROR",
                                                "error_message": "channel error", "data": data})),
            _ => biz_ok(code, data),
        };
        let r = parse(op, 200, body);
        assert_eq!((r.outcome, r.next), (outcome, next), "{op:?} {code}");
        assert_eq!((r.provider, r.operation), (Provider("shouqianba"), op));
        match outcome {
            Outcome::Succeeded | Outcome::InProgress => {
                assert!(r.error.is_none(), "{op:?} {code}: {:?}", r.error)
            }
            Outcome::Failed => assert_eq!(error_code(&r), Some(ErrorCode::ProviderError), "{op:?} {code}"),
            Outcome::Unknown => {
                let e = r.error.as_ref().expect("an unknown outcome says why");
                assert_eq!(e.code, ErrorCode::ProviderError, "{op:?} {code}");
                assert_eq!(e.provider_code.as_deref(), Some(code), "{op:?}");
            }
        }
        let o = r
            .order
            .as_ref()
            .unwrap_or_else(|| panic!("{op:?} {code}: data was not mapped"));
        assert_eq!(o.provider_state.as_deref(), Some(status));
        assert_eq!(o.merchant_order_no.as_deref(), Some(ORDER));
        assert!(r.raw.value().is_object(), "raw keeps the body");
    }
}

#[test]
fn biz_fail_on_every_operation() {
    for op in ORDER_OPS {
        let r = parse(op, 200, biz_fail("FAIL", "UPAY_ORDER_NOT_EXISTS", None));
        // A lookup that finds no order is absence of evidence (shared rule): UNKNOWN, asked again.
        let want = if op == Operation::Query {
            (Outcome::Unknown, Next::Retry)
        } else {
            (Outcome::Failed, Next::None)
        };
        assert_eq!((r.outcome, r.next), want, "{op:?}");
        let e = r.error.as_ref().unwrap();
        assert_eq!(e.code, ErrorCode::OrderNotFound, "{op:?}");
        assert_eq!(e.provider_code.as_deref(), Some("UPAY_ORDER_NOT_EXISTS"));
        assert_eq!(e.provider_message.as_deref(), Some("报错信息 message"));
        assert!(r.order.is_none());
    }
}

/// Every code of the table sent to an operation it does not belong to, and unlisted codes → UNKNOWN.
#[test]
fn biz_code_of_another_operation_or_unlisted_is_unknown() {
    let table = biz_table();
    for op in ORDER_OPS {
        let mut foreign: Vec<&str> = table
            .iter()
            .filter(|(owner, code, ..)| {
                *code != "FAIL" && !table.iter().any(|(o, c, ..)| o == &op && c == code) && *owner != op
            })
            .map(|(_, code, ..)| *code)
            .collect();
        foreign.extend(["PAY_SUCCESSFUL", "pay_success", "SUCCESS ", "", "UNKNOWN", "ERROR"]);
        if op != Operation::Query {
            foreign.push("SUCCESS");
        }
        for code in foreign {
            let r = parse(op, 200, biz_ok(code, order_data("PAID")));
            assert_eq!(r.outcome, Outcome::Unknown, "{op:?} answered {code:?}");
            assert_eq!(r.next, Next::after_uncertain(op), "{op:?} answered {code:?}");
            assert_eq!(error_code(&r), Some(ErrorCode::ProviderError), "{op:?} {code:?}");
            assert!(r.order.is_none(), "{op:?} {code:?}: an unexpected answer is not mapped");
        }
        // No result_code at all.
        let r = parse(op, 200, envelope(json!({"data": order_data("PAID")})));
        assert_eq!(r.outcome, Outcome::Unknown, "{op:?} without result_code");
    }
    // The example from the brief, spelled out.
    let r = parse(Operation::Refund, 200, biz_ok("PAY_SUCCESS", order_data("PAID")));
    assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Poll));
    let r = parse(Operation::Query, 200, biz_ok("PAY_SUCCESS", order_data("PAID")));
    assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Retry));
}

// ================================================================ 4. errors

/// The spec's business error codes and their taxonomy.
const BIZ_ERRORS: [(&str, ErrorCode); 19] = [
    ("AUTHCODE_EXPIRE", ErrorCode::BarcodeInvalid),
    ("INVALID_BARCODE", ErrorCode::BarcodeInvalid),
    ("EXPIRED_BARCODE", ErrorCode::BarcodeInvalid),
    ("INSUFFICIENT_FUND", ErrorCode::InsufficientFunds),
    ("BUYER_OVER_DAILY_LIMIT", ErrorCode::LimitExceeded),
    ("BUYER_OVER_TRANSACTION_LIMIT", ErrorCode::LimitExceeded),
    ("SELLER_OVER_DAILY_LIMIT", ErrorCode::LimitExceeded),
    ("TRADE_NOT_EXIST", ErrorCode::OrderNotFound),
    ("TRADE_HAS_SUCCESS", ErrorCode::DuplicateOrder),
    ("SELLER_BALANCE_NOT_ENOUGH", ErrorCode::InsufficientFunds),
    ("REFUND_AMT_NOT_EQUAL_TOTAL", ErrorCode::RefundConflict),
    ("TRADE_FAILED", ErrorCode::ProviderError),
    ("CLIENT_SN_CONFLICT", ErrorCode::DuplicateOrder),
    ("UPAY_ORDER_NOT_EXISTS", ErrorCode::OrderNotFound),
    ("UPAY_ORDER_NOT_EXIST", ErrorCode::OrderNotFound),
    ("REFUND_REQUEST_CONFLICT", ErrorCode::DuplicateOrder),
    ("UPAY_REFUND_INVALID_ORDER_STATE", ErrorCode::InvalidOrderState),
    ("UPAY_CANCEL_INVALID_ORDER_STATE", ErrorCode::InvalidOrderState),
    ("UNEXPECTED_PROVIDER_ERROR", ErrorCode::ProviderError),
];

#[test]
fn biz_error_table() {
    for (code, expected) in BIZ_ERRORS {
        assert_eq!(biz_error(code), expected, "{code}");
    }
    for code in ["", "SOMETHING_NEW", "invalid_barcode"] {
        assert_eq!(biz_error(code), ErrorCode::ProviderError, "{code}");
    }
}

#[test]
fn biz_errors_through_parse() {
    // Each code on the failing answer of each operation that could send it.
    let failing = [
        (Operation::Pay, "PAY_FAIL"),
        (Operation::Pay, "FAIL"),
        (Operation::Precreate, "PRECREATE_FAIL"),
        (Operation::Refund, "REFUND_FAIL"),
        (Operation::Query, "FAIL"),
        (Operation::Cancel, "FAIL"),
        (Operation::Revoke, "FAIL"),
    ];
    for (op, result_code) in failing {
        for (code, expected) in BIZ_ERRORS {
            let r = parse(op, 200, biz_fail(result_code, code, None));
            // A number already used (an earlier request may have acted), or a lookup that found no
            // order: never FAILED (shared rules), polled or asked again.
            let uncertain = expected == ErrorCode::DuplicateOrder
                || (op == Operation::Query && expected == ErrorCode::OrderNotFound);
            let want = if uncertain {
                (Outcome::Unknown, Next::after_uncertain(op))
            } else {
                (Outcome::Failed, Next::None)
            };
            assert_eq!((r.outcome, r.next), want, "{op:?} {code}");
            let e = r.error.as_ref().unwrap();
            assert_eq!(e.code, expected, "{op:?} {result_code} {code}");
            assert_eq!(e.provider_code.as_deref(), Some(code));
            assert_eq!(e.provider_message.as_deref(), Some("报错信息 message"));
            assert!(e.message.contains(code), "{}", e.message);
        }
        // Unlisted: FAILED only because the biz result code is a known failure.
        let r = parse(op, 200, biz_fail(result_code, "BRAND_NEW_ERROR", None));
        assert_eq!(r.outcome, Outcome::Failed, "{op:?}");
        assert_eq!(error_code(&r), Some(ErrorCode::ProviderError));
        assert_eq!(
            r.error.as_ref().unwrap().provider_code.as_deref(),
            Some("BRAND_NEW_ERROR")
        );
        // No error_code at all.
        let r = parse(op, 200, envelope(json!({"result_code": result_code})));
        assert_eq!(r.outcome, Outcome::Failed, "{op:?}");
        assert_eq!(error_code(&r), Some(ErrorCode::ProviderError));
    }
}

const TRANSPORT_400: [(&str, ErrorCode); 6] = [
    ("INVALID_PARAMS", ErrorCode::InvalidRequest),
    ("INVALID_TERMINAL", ErrorCode::AuthFailed),
    ("ILLEGAL_SIGN", ErrorCode::AuthFailed),
    ("INVALID_BARCODE", ErrorCode::BarcodeInvalid),
    ("TERMINAL_NOT_EXISTS", ErrorCode::AuthFailed),
    ("INVALID_PARAMETER", ErrorCode::InvalidRequest),
];

#[test]
fn transport_400_table() {
    for (code, expected) in TRANSPORT_400 {
        assert_eq!(transport_error_400(code), Some(expected), "{code}");
    }
    for code in ["", "UNKNOWN_SYSTEM_ERROR", "NEW_400_CODE", "illegal_sign"] {
        assert_eq!(transport_error_400(code), None, "{code}");
    }
}

#[test]
fn transport_400_through_parse() {
    for op in ORDER_OPS.into_iter().chain([Operation::Checkin, Operation::Activate]) {
        for (code, expected) in TRANSPORT_400 {
            let r = parse(op, 200, transport("400", code));
            assert_eq!((r.outcome, r.next), (Outcome::Failed, Next::None), "{op:?} {code}");
            let e = r.error.as_ref().unwrap();
            assert_eq!(e.code, expected, "{op:?} {code}");
            assert_eq!(e.provider_code.as_deref(), Some(code));
            assert_eq!(e.provider_message.as_deref(), Some("something went wrong"));
            assert!(r.credentials.is_none());
        }
        // Unlisted 400: nobody can say whether it acted.
        let r = parse(op, 200, transport("400", "SOME_NEW_400"));
        assert_eq!(
            (r.outcome, r.next),
            (Outcome::Unknown, Next::after_uncertain(op)),
            "{op:?}"
        );
        assert_eq!(r.error.as_ref().unwrap().provider_code.as_deref(), Some("SOME_NEW_400"));
        let r = parse(op, 200, json!({"result_code": "400"}).to_string());
        assert_eq!(r.outcome, Outcome::Unknown, "{op:?} 400 without error_code");
    }
}

#[test]
fn transport_500_is_unknown() {
    for (code, expected) in [
        ("UNKNOWN_SYSTEM_ERROR", ErrorCode::ProviderError),
        ("UNEXPECTED_PROVIDER_ERROR", ErrorCode::ProviderError),
        ("MAINTENANCE_INPROGRESS", ErrorCode::ProviderUnavailable),
    ] {
        for (op, next) in [
            (Operation::Pay, Next::Poll),
            (Operation::Precreate, Next::Poll),
            (Operation::Refund, Next::Poll),
            (Operation::Cancel, Next::Poll),
            (Operation::Revoke, Next::Poll),
            (Operation::Query, Next::Retry),
            (Operation::Checkin, Next::Retry),
        ] {
            let r = parse(op, 200, transport("500", code));
            assert_eq!((r.outcome, r.next), (Outcome::Unknown, next), "{op:?} {code}");
            let e = r.error.as_ref().unwrap();
            assert_eq!(e.code, expected, "{op:?} {code}");
            // Reads may always be sent again; a change only when the gateway was unavailable.
            // retryable agrees with next: reads may be sent again, changes are polled.
            assert_eq!(e.retryable, !op.mutates());
            assert_eq!(e.provider_code.as_deref(), Some(code));
            assert_eq!(r.raw.value()["error_code"], code);
        }
    }
}

#[test]
fn http_level_failures_are_unknown() {
    let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let cases: Vec<(&str, u16, Vec<u8>, ErrorCode)> = vec![
        ("502 HTML", 502, html.into(), ErrorCode::ProviderUnavailable),
        ("503 empty", 503, vec![], ErrorCode::ProviderUnavailable),
        (
            "500 with a success body",
            500,
            biz_ok("PAY_SUCCESS", order_data("PAID")),
            ErrorCode::ProviderUnavailable,
        ),
        ("404", 404, b"not found".to_vec(), ErrorCode::ProviderError),
        ("200 HTML", 200, html.into(), ErrorCode::MalformedResponse),
        ("200 empty", 200, vec![], ErrorCode::MalformedResponse),
        (
            "200 truncated JSON",
            200,
            br#"{"result_code":"200","biz_res"#.to_vec(),
            ErrorCode::MalformedResponse,
        ),
        ("200 JSON null", 200, b"null".to_vec(), ErrorCode::MalformedResponse),
        ("200 JSON array", 200, b"[]".to_vec(), ErrorCode::MalformedResponse),
        (
            "200 JSON string",
            200,
            br#""ok""#.to_vec(),
            ErrorCode::MalformedResponse,
        ),
        (
            "200 not UTF-8",
            200,
            vec![0xff, 0xfe, 0x00],
            ErrorCode::MalformedResponse,
        ),
        (
            "numeric result_code",
            200,
            br#"{"result_code":200,"biz_response":{}}"#.to_vec(),
            ErrorCode::MalformedResponse,
        ),
        (
            "result_code 300",
            200,
            transport("300", "X"),
            ErrorCode::MalformedResponse,
        ),
        (
            "no result_code",
            200,
            br#"{"biz_response":{"result_code":"PAY_SUCCESS"}}"#.to_vec(),
            ErrorCode::MalformedResponse,
        ),
        (
            "no biz_response",
            200,
            br#"{"result_code":"200"}"#.to_vec(),
            ErrorCode::MalformedResponse,
        ),
        (
            "data of the wrong shape",
            200,
            envelope(json!({"result_code": "PAY_SUCCESS", "data": {"total_amount": 1000}})),
            ErrorCode::MalformedResponse,
        ),
    ];
    for (name, status, body, code) in cases {
        for (op, next) in [(Operation::Pay, Next::Poll), (Operation::Query, Next::Retry)] {
            let r = parse(op, status, body.clone());
            assert_eq!((r.outcome, r.next), (Outcome::Unknown, next), "{name} {op:?}");
            assert_eq!(error_code(&r), Some(code), "{name} {op:?}");
            assert!(r.order.is_none(), "{name}");
        }
    }
    // A body that is not JSON leaves raw null.
    assert_eq!(parse(Operation::Pay, 502, html).raw, Value::Null);
}

#[test]
fn query_success_without_data_is_unknown() {
    let r = parse(Operation::Query, 200, envelope(json!({"result_code": "SUCCESS"})));
    assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Retry));
    assert_eq!(error_code(&r), Some(ErrorCode::MalformedResponse));
}

#[test]
fn amounts_that_are_not_digits_are_unknown() {
    for field in ["total_amount", "net_amount"] {
        for bad in [
            "9.80",
            "-1",
            "1e3",
            " 100",
            "100 ",
            "１００",
            "abc",
            "+5",
            "12345678901234567",
            "9007199254740992", // 16 digits, one above what JavaScript holds exactly
        ] {
            let d = order_data_with("PAID", json!({ field: bad }));
            for (op, code) in [
                (Operation::Pay, "PAY_SUCCESS"),
                (Operation::Query, "SUCCESS"),
                (Operation::Refund, "REFUND_SUCCESS"),
            ] {
                let r = parse(op, 200, biz_ok(code, d.clone()));
                assert_eq!(r.outcome, Outcome::Unknown, "{op:?} {field}={bad:?}");
                assert_eq!(r.next, Next::after_uncertain(op));
                let e = r.error.as_ref().unwrap();
                assert_eq!(e.code, ErrorCode::MalformedResponse, "{op:?} {field}={bad:?}");
                assert!(e.message.contains(field), "{}", e.message);
            }
        }
    }
    // A number where a string belongs is not the wire format either.
    let r = parse(
        Operation::Query,
        200,
        biz_ok("SUCCESS", order_data_with("PAID", json!({"total_amount": 1000}))),
    );
    assert_eq!(
        (r.outcome, error_code(&r)),
        (Outcome::Unknown, Some(ErrorCode::MalformedResponse))
    );
    // Empty amounts are "not said", not malformed.
    let r = parse(
        Operation::Query,
        200,
        biz_ok("SUCCESS", order_data_with("CREATED", json!({"net_amount": ""}))),
    );
    assert_eq!(r.outcome, Outcome::Succeeded);
    assert_eq!(r.order.unwrap().amounts.net, None);
}

#[test]
fn settlement_amount_that_is_not_digits_is_unknown() {
    for (op, code) in [(Operation::Refund, "REFUND_SUCCESS"), (Operation::Query, "SUCCESS")] {
        let inp = with(op, "refundNo", json!("r1"));
        let d = order_data_with(
            "PARTIAL_REFUNDED",
            json!({"net_amount": "700", "settlement_amount": "3.00"}),
        );
        let r = parse_with(op, inp, biz_ok(code, d));
        assert_eq!(r.outcome, Outcome::Unknown, "{op:?}: refund = {:?}", r.refund);
        assert_eq!(error_code(&r), Some(ErrorCode::MalformedResponse), "{op:?}");
    }
}

#[test]
fn answer_about_another_order_is_unknown() {
    for (op, code) in [
        (Operation::Pay, "PAY_SUCCESS"),
        (Operation::Precreate, "PRECREATE_SUCCESS"),
        (Operation::Query, "SUCCESS"),
        (Operation::Refund, "REFUND_SUCCESS"),
        (Operation::Cancel, "CANCEL_SUCCESS"),
        (Operation::Revoke, "CANCEL_SUCCESS"),
    ] {
        let d = order_data_with("PAID", json!({"client_sn": "someone-else"}));
        let r = parse(op, 200, biz_ok(code, d));
        assert_eq!(
            (r.outcome, r.next),
            (Outcome::Unknown, Next::after_uncertain(op)),
            "{op:?}"
        );
        assert_eq!(error_code(&r), Some(ErrorCode::MalformedResponse), "{op:?}");
        assert!(r.order.is_none());
        // Without the input to compare with, the answer is taken as it is (with a state that fits its code).
        let data = match op {
            Operation::Cancel | Operation::Revoke => order_data("CANCELED"),
            Operation::Precreate => {
                order_data_with("CREATED", json!({"qr_code": "https://qr.shouqianba.com/x", "sub_payway": "2"}))
            }
            _ => order_data("PAID"),
        };
        let r = crate::providers::parse_checked(
            &mut gateway(),
            op,
            &http(200, biz_ok(code, data)),
            None,
            &Ctx::default(),
        );
        assert_ne!(r.outcome, Outcome::Unknown, "{op:?}");
    }
    // A failing answer about another order is not trusted either.
    let d = order_data_with("PAY_CANCELED", json!({"client_sn": "someone-else"}));
    let r = parse(Operation::Pay, 200, biz_fail("PAY_FAIL", "TRADE_FAILED", Some(d)));
    assert_eq!(r.outcome, Outcome::Unknown);
}

#[test]
fn answer_about_another_provider_order_is_unknown() {
    let inp = json!({"providerOrderNo": PROVIDER_SN});
    let d = order_data_with("PAID", json!({"sn": "7895259244996999"}));
    let r = parse_with(Operation::Query, inp, biz_ok("SUCCESS", d));
    assert_eq!(r.outcome, Outcome::Unknown);
}

// ================================================================ 5. order mapping

#[test]
fn amounts_by_order_state() {
    // (order_status, total, net, expected paid, expected refunded)
    type Case = (
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<i64>,
        Option<i64>,
    );
    let cases: [Case; 10] = [
        ("PAID", Some("1000"), Some("1000"), Some(1000), Some(0)),
        ("PARTIAL_REFUNDED", Some("1000"), Some("700"), Some(1000), Some(300)),
        ("REFUNDED", Some("1000"), Some("0"), Some(1000), Some(1000)),
        ("CREATED", Some("1000"), None, Some(0), Some(0)),
        ("CREATED", Some("1000"), Some("1000"), Some(0), Some(0)),
        ("PAY_CANCELED", Some("1000"), Some("0"), Some(0), Some(0)),
        ("CANCELED", Some("1000"), Some("0"), Some(0), Some(0)),
        ("PAID", Some("1000"), None, Some(1000), None),
        ("PAY_ERROR", Some("1000"), Some("1000"), None, None),
        ("EXPIRED", Some("1000"), Some("1000"), None, None),
    ];
    for (status, total, net, paid, refunded) in cases {
        // Without payment_list (the funding split has its own tests below).
        let d = order_data_with(status, json!({"total_amount": total, "net_amount": net, "payment_list": null}));
        let r = parse(Operation::Query, 200, biz_ok("SUCCESS", d));
        assert_eq!(r.outcome, Outcome::Succeeded, "{status}");
        let a = &r.order.as_ref().unwrap().amounts;
        let parse_opt = |v: Option<&str>| v.map(|t| t.parse::<i64>().unwrap());
        assert_eq!(a.total, parse_opt(total), "{status} total");
        assert_eq!(a.net, parse_opt(net), "{status} net");
        assert_eq!(a.paid, paid, "{status} paid");
        assert_eq!(a.refunded, refunded, "{status} refunded");
        assert_eq!((a.fee, a.discount), (None, None));
    }
}

#[test]
fn order_identifiers_and_channel() {
    for (payway, channel) in [
        (json!("1"), Some(Channel::Alipay)),
        (json!("2"), Some(Channel::Alipay)),
        (json!("3"), Some(Channel::Wechat)),
        (json!("17"), Some(Channel::Unionpay)),
        (json!("4"), Some(Channel::Other)),
        (json!("18"), Some(Channel::Other)),
        (Value::Null, None),
    ] {
        let d = order_data_with("PAID", json!({"payway": payway}));
        let r = parse(Operation::Query, 200, biz_ok("SUCCESS", d));
        assert_eq!(r.order.as_ref().unwrap().channel, channel, "{payway}");
    }
    let r = parse(Operation::Query, 200, biz_ok("SUCCESS", order_data("PAID")));
    let o = r.order.unwrap();
    assert_eq!(o.merchant_order_no.as_deref(), Some(ORDER));
    assert_eq!(o.provider_order_no.as_deref(), Some(PROVIDER_SN));
    assert_eq!(o.channel_order_no.as_deref(), Some("4200001234202401010000000001"));
    // An empty trade_no is no channel order number.
    let r = parse(
        Operation::Query,
        200,
        biz_ok("SUCCESS", order_data_with("CREATED", json!({"trade_no": ""}))),
    );
    assert_eq!(r.order.unwrap().channel_order_no, None);
}

#[test]
fn paid_at() {
    // (order_status, channel_finish_time, finish_time, expected)
    let cases: [(&str, Value, Value, Option<i64>); 6] = [
        (
            "PAID",
            json!("1704067200000"),
            json!("1704067200123"),
            Some(1_704_067_200_000),
        ),
        ("PAID", Value::Null, json!("1704067200123"), Some(1_704_067_200_123)),
        ("PAID", json!(""), json!("1704067200123"), Some(1_704_067_200_123)),
        ("PAID", json!("soon"), Value::Null, None),
        ("CREATED", json!("1704067200000"), json!("1704067200123"), None),
        ("PAY_CANCELED", json!("1704067200000"), json!("1704067200123"), None),
    ];
    for (status, cft, ft, expected) in cases {
        let d = order_data_with(status, json!({"channel_finish_time": cft, "finish_time": ft}));
        let r = parse(Operation::Query, 200, biz_ok("SUCCESS", d));
        assert_eq!(r.outcome, Outcome::Succeeded, "{status} {cft} {ft}");
        assert_eq!(r.order.unwrap().paid_at, expected, "{status} {cft} {ft}");
    }
}

#[test]
fn precreate_returns_qr_code_and_wap_params() {
    let qr = "https://qr.alipay.com/bax03112pqx4zrv2cmdj0079";
    let d = order_data_with(
        "CREATED",
        json!({"qr_code": qr, "sub_payway": "2", "trade_no": "", "finish_time": null, "channel_finish_time": null}),
    );
    let r = parse(Operation::Precreate, 200, biz_ok("PRECREATE_SUCCESS", d));
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::Poll));
    let o = r.order.unwrap();
    assert_eq!(o.state, OrderState::Pending);
    assert_eq!(o.qr_code.as_deref(), Some(qr));
    assert_eq!(o.pay_params, None);
    assert_eq!((o.amounts.paid, o.amounts.refunded), (Some(0), Some(0)));

    let wap = json!({"appId": "wx1", "timeStamp": "1704067200", "nonceStr": "n", "package": "prepay_id=wx1", "signType": "RSA", "paySign": "sig"});
    let d = order_data_with("CREATED", json!({"wap_pay_request": wap.clone(), "sub_payway": "3"}));
    let r = parse_with(
        Operation::Precreate,
        with(Operation::Precreate, "subPayway", json!("3")),
        biz_ok("PRECREATE_SUCCESS", d),
    );
    let o = r.order.unwrap();
    assert_eq!(o.pay_params, Some(wap));
    assert_eq!(o.qr_code, None);
}

#[test]
fn query_for_one_refund() {
    // (data.status, refund state, next)
    let cases = [
        ("SUCCESS", RefundState::Success, Next::None),
        ("FAIL_CANCELED", RefundState::Failed, Next::None),
        ("IN_PROG", RefundState::Pending, Next::Poll),
        ("CREATED", RefundState::Pending, Next::Poll),
        ("FAIL_ERROR", RefundState::Unknown, Next::ContactSupport),
        ("REFUND_ERROR", RefundState::Unknown, Next::ContactSupport),
        ("FAIL_PROTOCOL_1", RefundState::Unknown, Next::ContactSupport),
        ("FAIL_IO_2", RefundState::Unknown, Next::ContactSupport),
        ("CANCEL_ERROR", RefundState::Unknown, Next::ContactSupport),
        ("SOMETHING_NEW", RefundState::Unknown, Next::ContactSupport),
    ];
    for (status, state, next) in cases {
        assert_eq!(crate::providers::refund_state(REFUND_STATES, Some(status)), state, "{status}");
        let d = order_data_with(
            "PARTIAL_REFUNDED",
            json!({"status": status, "net_amount": "700", "settlement_amount": "300"}),
        );
        let r = parse_with(
            Operation::Query,
            json!({"merchantOrderNo": ORDER, "refundNo": "r1"}),
            biz_ok("SUCCESS", d),
        );
        assert_eq!((r.outcome, r.next), (Outcome::Succeeded, next), "{status}");
        let refund = r.refund.as_ref().unwrap_or_else(|| panic!("{status}: no refund"));
        assert_eq!(refund.state, state, "{status}");
        assert_eq!(refund.refund_no.as_deref(), Some("r1"));
        assert_eq!(refund.amount, Some(300));
        assert_eq!(refund.provider_state.as_deref(), Some(status));
        // The order is still reported.
        assert_eq!(r.order.as_ref().unwrap().state, OrderState::PartiallyRefunded);
    }
    assert_eq!(crate::providers::refund_state(REFUND_STATES, None), RefundState::Unknown);
    // Without refundNo, a query is about the order only.
    let r = parse(Operation::Query, 200, biz_ok("SUCCESS", order_data("PAID")));
    assert!(r.refund.is_none());
}

#[test]
fn refund_result() {
    // (result_code, settlement_amount, expected state, expected amount)
    let cases = [
        ("REFUND_SUCCESS", Some("300"), RefundState::Success, Some(300)),
        ("REFUND_SUCCESS", None, RefundState::Success, Some(300)), // falls back to the amount asked
        ("REFUND_FAIL", Some("300"), RefundState::Failed, Some(300)),
        ("REFUND_IN_PROGRESS", Some("300"), RefundState::Pending, Some(300)),
        ("REFUND_ERROR", Some("300"), RefundState::Unknown, Some(300)),
    ];
    for (code, settlement, state, amount) in cases {
        let d = order_data_with(
            "PARTIAL_REFUNDED",
            json!({"net_amount": "700", "settlement_amount": settlement, "status": "SUCCESS"}),
        );
        let body = if code == "REFUND_FAIL" {
            biz_fail(code, "REFUND_AMT_NOT_EQUAL_TOTAL", Some(d))
        } else {
            biz_ok(code, d)
        };
        let r = parse(Operation::Refund, 200, body);
        let refund = r.refund.as_ref().unwrap_or_else(|| panic!("{code}: no refund"));
        assert_eq!(refund.state, state, "{code}");
        assert_eq!(refund.amount, amount, "{code} {settlement:?}");
        assert_eq!(refund.refund_no.as_deref(), Some("r1"));
        assert_eq!(refund.provider_state.as_deref(), Some("SUCCESS"));
        assert_eq!(r.order.as_ref().unwrap().amounts.refunded, Some(300));
    }
    // A refund of another amount than asked is not the refund asked for (shared rule): UNKNOWN, polled.
    let d = order_data_with(
        "PARTIAL_REFUNDED",
        json!({"net_amount": "750", "settlement_amount": "250", "status": "SUCCESS"}),
    );
    let r = parse(Operation::Refund, 200, biz_ok("REFUND_SUCCESS", d));
    assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Poll), "{r:?}");
    assert_eq!(error_code(&r), Some(ErrorCode::MalformedResponse));
    let r = parse(
        Operation::Refund,
        200,
        biz_fail("REFUND_FAIL", "REFUND_AMT_NOT_EQUAL_TOTAL", None),
    );
    assert_eq!(error_code(&r), Some(ErrorCode::RefundConflict));
    assert_eq!(r.refund.as_ref().unwrap().state, RefundState::Failed);
}

#[test]
fn serialized_result_uses_the_documented_names() {
    let r = parse(Operation::Pay, 200, biz_ok("PAY_SUCCESS", order_data("PAID")));
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["provider"], "shouqianba");
    assert_eq!(v["operation"], "pay");
    assert_eq!(v["outcome"], "SUCCEEDED");
    assert_eq!(v["next"], "NONE");
    assert_eq!(v["order"]["state"], "SUCCESS");
    assert_eq!(v["order"]["final"], true);
    assert_eq!(v["order"]["merchantOrderNo"], ORDER);
    assert_eq!(v["order"]["channel"], "WECHAT");
    assert_eq!(v["order"]["amounts"]["total"], 1000);
    assert_eq!(v["order"]["providerState"], "PAID");
    assert_eq!(v["raw"]["biz_response"]["data"]["client_sn"], ORDER);
    assert!(v.get("error").is_none() && v.get("credentials").is_none());
}

// ================================================================ 6. input validation

fn build_err(op: Operation, inp: Value) -> Error {
    let gw = gateway();
    gw.request(op, &input(inp.clone()), &ctx())
        .err()
        .unwrap_or_else(|| panic!("{op:?} accepted {inp}"))
}

#[test]
fn valid_inputs_build() {
    let gw = gateway();
    for op in ORDER_OPS.into_iter().chain([Operation::Checkin, Operation::Activate]) {
        let req = gw
            .request(op, &input(valid_input(op)), &ctx())
            .unwrap_or_else(|e| panic!("{op:?}: {e}"));
        let body: Value = serde_json::from_str(&req.body).unwrap();
        assert!(
            body.as_object().unwrap().values().all(Value::is_string),
            "{op:?}: {body}"
        );
    }
}

#[test]
fn invalid_inputs_name_their_field() {
    use Operation as O;
    let s = |n: usize| json!("x".repeat(n));
    let cases: Vec<(&str, Operation, Value, &str)> = vec![
        (
            "merchantOrderNo missing",
            O::Pay,
            with(O::Pay, "merchantOrderNo", Value::Null),
            "merchantOrderNo",
        ),
        (
            "merchantOrderNo empty",
            O::Pay,
            with(O::Pay, "merchantOrderNo", json!("")),
            "merchantOrderNo",
        ),
        (
            "merchantOrderNo 33 chars",
            O::Pay,
            with(O::Pay, "merchantOrderNo", s(33)),
            "merchantOrderNo",
        ),
        ("amount missing", O::Pay, with(O::Pay, "amount", Value::Null), "amount"),
        ("amount 0", O::Pay, with(O::Pay, "amount", json!(0)), "amount"),
        ("amount negative", O::Pay, with(O::Pay, "amount", json!(-5)), "amount"),
        ("amount 9.5", O::Pay, with(O::Pay, "amount", json!(9.5)), "amount"),
        ("amount 100.0", O::Pay, with(O::Pay, "amount", json!(100.0)), "amount"),
        ("amount \"100\"", O::Pay, with(O::Pay, "amount", json!("100")), "amount"),
        (
            "amount 11 digits",
            O::Pay,
            with(O::Pay, "amount", json!(10_000_000_000i64)),
            "amount",
        ),
        (
            "amount u64 max",
            O::Pay,
            with(O::Pay, "amount", json!(u64::MAX)),
            "amount",
        ),
        ("amount bool", O::Pay, with(O::Pay, "amount", json!(true)), "amount"),
        ("subject 65 chars", O::Pay, with(O::Pay, "subject", s(65)), "subject"),
        (
            "subject missing",
            O::Pay,
            with(O::Pay, "subject", Value::Null),
            "subject",
        ),
        (
            "subject control char",
            O::Pay,
            with(O::Pay, "subject", json!("a\nb")),
            "subject",
        ),
        ("operator 33 chars", O::Pay, with(O::Pay, "operator", s(33)), "operator"),
        (
            "operator missing",
            O::Pay,
            with(O::Pay, "operator", Value::Null),
            "operator",
        ),
        (
            "authCode missing",
            O::Pay,
            with(O::Pay, "authCode", Value::Null),
            "authCode",
        ),
        ("authCode 33 chars", O::Pay, with(O::Pay, "authCode", s(33)), "authCode"),
        (
            "latitude without longitude",
            O::Pay,
            with(O::Pay, "latitude", json!("31.2")),
            "longitude",
        ),
        (
            "longitude without latitude",
            O::Pay,
            with(O::Pay, "longitude", json!("121.4")),
            "latitude",
        ),
        (
            "description 257 chars",
            O::Pay,
            with(O::Pay, "description", s(257)),
            "description",
        ),
        (
            "payway not digits",
            O::Pay,
            with(O::Pay, "payway", json!("wx")),
            "payway",
        ),
        (
            "payway 4 digits",
            O::Pay,
            with(O::Pay, "payway", json!("1234")),
            "payway",
        ),
        ("reflect 65 chars", O::Pay, with(O::Pay, "reflect", s(65)), "reflect"),
        (
            "precreate without payway nor channel",
            O::Precreate,
            with(O::Precreate, "payway", Value::Null),
            "channel",
        ),
        (
            "precreate amount 0",
            O::Precreate,
            with(O::Precreate, "amount", json!(0)),
            "amount",
        ),
        (
            "precreate latitude alone",
            O::Precreate,
            with(O::Precreate, "latitude", json!("31.2")),
            "longitude",
        ),
        (
            "subPayway 3 without payerId",
            O::Precreate,
            with(O::Precreate, "subPayway", json!("3")),
            "payerId",
        ),
        (
            "subPayway 4 without payerId",
            O::Precreate,
            with(O::Precreate, "subPayway", json!("4")),
            "payerId",
        ),
        (
            "subPayway not digits",
            O::Precreate,
            with(O::Precreate, "subPayway", json!("w")),
            "subPayway",
        ),
        (
            "refund without refundNo",
            O::Refund,
            with(O::Refund, "refundNo", Value::Null),
            "refundNo",
        ),
        (
            "refundNo 21 chars",
            O::Refund,
            with(O::Refund, "refundNo", s(21)),
            "refundNo",
        ),
        (
            "refund without amount",
            O::Refund,
            with(O::Refund, "amount", Value::Null),
            "amount",
        ),
        (
            "refund amount 9.5",
            O::Refund,
            with(O::Refund, "amount", json!(9.5)),
            "amount",
        ),
        (
            "refund without operator",
            O::Refund,
            with(O::Refund, "operator", Value::Null),
            "operator",
        ),
        (
            "refund without order",
            O::Refund,
            json!({"refundNo": "r1", "amount": 1, "operator": "o"}),
            "merchantOrderNo",
        ),
        ("query without order", O::Query, json!({}), "merchantOrderNo"),
        (
            "query refundNo 21 chars",
            O::Query,
            with(O::Query, "refundNo", s(21)),
            "refundNo",
        ),
        (
            "query providerOrderNo 17 chars",
            O::Query,
            json!({"providerOrderNo": "1".repeat(17)}),
            "providerOrderNo",
        ),
        ("cancel without order", O::Cancel, json!({}), "merchantOrderNo"),
        (
            "revoke without order",
            O::Revoke,
            json!({"merchantOrderNo": ""}),
            "merchantOrderNo",
        ),
        ("checkin without deviceId", O::Checkin, json!({}), "deviceId"),
        (
            "activate without vendorSn",
            O::Activate,
            with(O::Activate, "vendorSn", Value::Null),
            "vendorSn",
        ),
        (
            "activate without vendorKey",
            O::Activate,
            with(O::Activate, "vendorKey", Value::Null),
            "vendorKey",
        ),
        (
            "activate empty vendorKey",
            O::Activate,
            with(O::Activate, "vendorKey", json!("")),
            "vendorKey",
        ),
        (
            "activate without appId",
            O::Activate,
            with(O::Activate, "appId", Value::Null),
            "appId",
        ),
        (
            "activate without code",
            O::Activate,
            with(O::Activate, "code", Value::Null),
            "code",
        ),
        (
            "activate code 33 chars",
            O::Activate,
            with(O::Activate, "code", s(33)),
            "code",
        ),
        (
            "activate without deviceId",
            O::Activate,
            with(O::Activate, "deviceId", Value::Null),
            "deviceId",
        ),
        (
            "activate deviceId 129 chars",
            O::Activate,
            with(O::Activate, "deviceId", s(129)),
            "deviceId",
        ),
        (
            "extra overrides client_sn",
            O::Pay,
            with(O::Pay, "extra", json!({"client_sn": "other"})),
            "extra.client_sn",
        ),
        (
            "extra overrides total_amount",
            O::Pay,
            with(O::Pay, "extra", json!({"total_amount": "1"})),
            "extra.total_amount",
        ),
        (
            "extra overrides terminal_sn",
            O::Query,
            with(O::Query, "extra", json!({"terminal_sn": "T9"})),
            "extra.terminal_sn",
        ),
        (
            "extra overrides refund_amount",
            O::Refund,
            with(O::Refund, "extra", json!({"refund_amount": "1"})),
            "extra.refund_amount",
        ),
        (
            "extra overrides app_id",
            O::Activate,
            with(O::Activate, "extra", json!({"app_id": "x"})),
            "extra.app_id",
        ),
    ];
    for (name, op, inp, field) in cases {
        let e = build_err(op, inp);
        assert_eq!(e.code, ErrorCode::InvalidInput, "{name}: {e}");
        assert_eq!(e.field.as_deref(), Some(field), "{name}: {e}");
        assert!(
            e.message.contains(field),
            "{name}: message {:?} does not name {field}",
            e.message
        );
        assert!(!e.retryable, "{name}");
    }
}

#[test]
fn boundaries_that_are_accepted() {
    use Operation as O;
    let s = |n: usize| json!("x".repeat(n));
    let gw = gateway();
    for (name, op, inp) in [
        ("amount 1", O::Pay, with(O::Pay, "amount", json!(1))),
        (
            "amount 10 digits",
            O::Pay,
            with(O::Pay, "amount", json!(9_999_999_999i64)),
        ),
        ("subject 64 chars", O::Pay, with(O::Pay, "subject", s(64))),
        (
            "subject 64 Chinese chars",
            O::Pay,
            with(O::Pay, "subject", json!("咖".repeat(64))),
        ),
        ("operator 32 chars", O::Pay, with(O::Pay, "operator", s(32))),
        ("refundNo 20 chars", O::Refund, with(O::Refund, "refundNo", s(20))),
        ("subPayway 3 with payerId", O::Precreate, {
            let mut v = with(O::Precreate, "subPayway", json!("3"));
            v["payerId"] = json!("okSzXt3uY");
            v
        }),
        (
            "subPayway 2 without payerId",
            O::Precreate,
            with(O::Precreate, "subPayway", json!("2")),
        ),
        (
            "query by providerOrderNo",
            O::Query,
            json!({"providerOrderNo": PROVIDER_SN}),
        ),
        (
            "extra adds a field",
            O::Pay,
            with(O::Pay, "extra", json!({"goods_details": [{"goods_id": "1"}]})),
        ),
    ] {
        let req = gw
            .request(op, &input(inp), &ctx())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!req.body.is_empty(), "{name}");
    }
    let req = gw
        .request(O::Pay, &input(with(O::Pay, "amount", json!(9_999_999_999i64))), &ctx())
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&req.body).unwrap()["total_amount"],
        "9999999999"
    );
}

#[test]
fn query_sends_only_the_reference_asked_for() {
    let gw = gateway();
    let body = |v: Value| -> Value {
        serde_json::from_str(&gw.request(Operation::Query, &input(v), &ctx()).unwrap().body).unwrap()
    };
    assert_eq!(
        body(json!({"merchantOrderNo": "c1"})),
        json!({"terminal_sn": SN, "client_sn": "c1"})
    );
    assert_eq!(
        body(json!({"providerOrderNo": "s1"})),
        json!({"terminal_sn": SN, "sn": "s1"})
    );
    assert_eq!(
        body(json!({"providerOrderNo": "s1", "merchantOrderNo": "c1"})),
        json!({"terminal_sn": SN, "sn": "s1", "client_sn": "c1"})
    );
    assert_eq!(
        body(json!({"merchantOrderNo": "c1", "refundNo": "r1"})),
        json!({"terminal_sn": SN, "client_sn": "c1", "refund_request_no": "r1"})
    );
    let refund: Value = serde_json::from_str(
        &gw.request(Operation::Refund, &input(valid_input(Operation::Refund)), &ctx())
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(
        refund,
        json!({"terminal_sn": SN, "client_sn": ORDER, "refund_request_no": "r1", "refund_amount": "300", "operator": "op1"})
    );
}

/// Every field an operation's `build` reads is in `fields(op)` (so the client accepts it), and a field
/// another operation reads is refused by name before sending.
#[test]
fn fields_per_operation() {
    let client = crate::Client::new(
        &json!({"provider": "shouqianba", "credentials": {"terminalSn": SN, "terminalKey": KEY}}).to_string(),
    )
    .unwrap();
    let build = |op: Operation, v: &Value| {
        let name = serde_json::to_value(op).unwrap();
        client.build(name.as_str().unwrap(), &v.to_string(), 0, String::new())
    };
    let everything = [
        ("deviceId", json!("dev-2")),
        ("reflect", json!("r")),
        ("longitude", json!("121.6")),
        ("latitude", json!("31.2")),
        ("payway", json!("3")),
        ("osInfo", json!("linux")),
        ("sdkVersion", json!("1.0")),
        ("name", json!("till 1")),
        ("providerOrderNo", json!(PROVIDER_SN)),
        ("refundNo", json!("r1")),
    ];
    for op in ORDER_OPS.into_iter().chain([Operation::Checkin, Operation::Activate]) {
        build(op, &valid_input(op)).unwrap_or_else(|e| panic!("{op:?}: {e:?}"));
        let reads = fields(op).unwrap();
        for (field, value) in &everything {
            let mut v = valid_input(op);
            if v.get(*field).is_some() {
                continue;
            }
            v[*field] = value.clone();
            match build(op, &v) {
                Ok(_) => assert!(reads.contains(field), "{op:?} accepted {field}"),
                Err(e) if !reads.contains(field) => assert_eq!(e.field.as_deref(), Some(*field), "{op:?}: {e:?}"),
                // Read, and checked by its own rule (longitude without latitude).
                Err(e) => assert!(!e.message.contains("has no meaning"), "{op:?} {field}: {e:?}"),
            }
        }
    }
    let e = build(Operation::Pay, &with(Operation::Pay, "refundNo", json!("r1"))).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::InvalidInput, Some("refundNo"))
    );
    let e = build(
        Operation::Precreate,
        &with(Operation::Precreate, "authCode", json!("1345")),
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("authCode"));
    for op in [Operation::Close, Operation::RefundQuery] {
        assert!(fields(op).is_none());
        assert_eq!(
            build(op, &valid_input(op)).unwrap_err().code,
            ErrorCode::UnsupportedOperation
        );
    }
}

#[test]
fn unknown_input_field_is_refused() {
    let e = Input::from_json(r#"{"merchantOrderNo":"1","amuont":5}"#).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(e.field.as_deref(), Some("amuont"));
    assert!(e.message.contains("amuont"), "{}", e.message);
    // snake_case wire names are not input names.
    let e = Input::from_json(r#"{"client_sn":"1"}"#).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("client_sn"));
    // Not JSON / wrong types.
    for bad in ["{", "[]", r#"{"merchantOrderNo":5}"#, r#"{"extra":"x"}"#] {
        assert_eq!(
            Input::from_json(bad).unwrap_err().code,
            ErrorCode::InvalidInput,
            "{bad}"
        );
    }
    // Blank means "no input".
    assert!(Input::from_json("  ").is_ok());
    // Through the JSON client.
    let client = crate::Client::new(
        &json!({"provider": "shouqianba", "credentials": {"terminalSn": SN, "terminalKey": KEY}}).to_string(),
    )
    .unwrap();
    let e = client
        .build("pay", r#"{"merchantOrderNo":"1","amuont":5}"#, 0, String::new())
        .unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidInput, Some("amuont")));
}

// ---------------------------------------------------------------- configuration

#[test]
fn config_errors() {
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "unknown provider",
            json!({"provider": "paypal"}).to_string(),
            "provider",
        ),
        ("provider missing", json!({}).to_string(), "provider"),
        (
            "provider misspelled case",
            json!({"provider": "Shouqianba"}).to_string(),
            "provider",
        ),
        (
            "terminalSn without terminalKey",
            json!({"provider": "shouqianba", "credentials": {"terminalSn": SN}}).to_string(),
            "credentials",
        ),
        (
            "terminalKey without terminalSn",
            json!({"provider": "shouqianba", "credentials": {"terminalKey": KEY}}).to_string(),
            "credentials",
        ),
        (
            "empty terminalKey",
            json!({"provider": "shouqianba", "credentials": {"terminalSn": SN, "terminalKey": ""}}).to_string(),
            "credentials",
        ),
        (
            "empty terminalSn",
            json!({"provider": "shouqianba", "credentials": {"terminalSn": "", "terminalKey": KEY}}).to_string(),
            "credentials",
        ),
        (
            "wapBaseUrl not http",
            json!({"provider": "shouqianba", "wapBaseUrl": "qr.shouqianba.com"}).to_string(),
            "wapBaseUrl",
        ),
        (
            "credentials at top level",
            json!({"provider": "shouqianba", "terminalSn": SN}).to_string(),
            "terminalSn",
        ),
    ];
    for (name, cfg, field) in cases {
        let e = crate::providers::create(&cfg)
            .err()
            .unwrap_or_else(|| panic!("{name}: accepted"));
        assert_eq!(e.code, ErrorCode::InvalidConfig, "{name}: {e}");
        assert_eq!(e.field.as_deref(), Some(field), "{name}: {e}");
        assert!(e.message.contains(field), "{name}: {}", e.message);
    }
    for bad in ["", "not json", "[]", "null"] {
        let e = crate::providers::create(bad)
            .err()
            .unwrap_or_else(|| panic!("{bad:?}: accepted"));
        assert_eq!(e.code, ErrorCode::InvalidConfig, "{bad:?}");
    }
}

#[test]
fn config_base_urls() {
    let gw = Shouqianba::new(json!({"provider": "shouqianba", "baseUrl": "http://127.0.0.1:8080/",
                                    "credentials": {"terminalSn": SN, "terminalKey": KEY}}))
    .unwrap();
    let req = gw
        .request(Operation::Query, &input(valid_input(Operation::Query)), &ctx())
        .unwrap();
    assert_eq!(req.url, "http://127.0.0.1:8080/upay/v2/query");
    let req = gateway()
        .request(Operation::Checkin, &input(valid_input(Operation::Checkin)), &ctx())
        .unwrap();
    assert_eq!(req.url, format!("{DEFAULT_BASE_URL}/terminal/checkin"));
}

#[test]
fn close_and_refund_query_are_not_shouqianba_operations() {
    let gw = gateway();
    for op in [Operation::Close, Operation::RefundQuery] {
        let e = gw.request(op, &input(valid_input(op)), &ctx()).unwrap_err();
        assert_eq!(e.code, ErrorCode::UnsupportedOperation, "{op:?}");
        assert!(
            e.message.contains("cancel") && e.message.contains("query"),
            "{op:?}: {}",
            e.message
        );
    }
}

#[test]
fn no_terminal_means_only_activate() {
    let gw = Shouqianba::new(json!({"provider": "shouqianba"})).unwrap();
    for op in ORDER_OPS.into_iter().chain([Operation::Checkin]) {
        let e = gw.request(op, &input(valid_input(op)), &ctx()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidConfig, "{op:?}");
        assert_eq!(e.field.as_deref(), Some("credentials"));
    }
    assert!(gw
        .request(Operation::Activate, &input(valid_input(Operation::Activate)), &ctx())
        .is_ok());
}

// ================================================================ 7. activate / check-in

fn credentials_body(sn: &str, key: &str) -> Vec<u8> {
    json!({"result_code": "200", "biz_response": {"terminal_sn": sn, "terminal_key": key}})
        .to_string()
        .into_bytes()
}

#[test]
fn checkin_rotates_the_terminal() {
    let mut gw = gateway();
    let r = crate::providers::parse_checked(
        &mut gw,
        Operation::Checkin,
        &http(200, credentials_body("T2", "K2")),
        Some(&input(valid_input(Operation::Checkin))),
        &Ctx::default(),
    );
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::None));
    assert!(r.error.is_none());
    let c = r.credentials.as_ref().expect("credentials");
    assert_eq!((c.terminal_sn.as_str(), c.terminal_key.as_str()), ("T2", "K2"));
    assert_eq!(r.raw.value()["biz_response"]["terminal_key"], "<redacted>");
    assert_eq!(r.raw.value()["biz_response"]["terminal_sn"], "T2");

    // The next request is signed with the new terminal.
    for op in [Operation::Query, Operation::Checkin, Operation::Pay] {
        let req = gw.request(op, &input(valid_input(op)), &ctx()).unwrap();
        assert_eq!(
            req.headers["authorization"],
            authorization("T2", "K2", &req.body),
            "{op:?}"
        );
        assert_eq!(serde_json::from_str::<Value>(&req.body).unwrap()["terminal_sn"], "T2");
    }
    // The WAP URL too.
    let url = gw
        .wap_pay_url(&input(
            json!({"merchantOrderNo": "o", "amount": 1, "subject": "s", "operator": "o", "returnUrl": "r"}),
        ))
        .unwrap();
    let mut p = BTreeMap::new();
    for (k, v) in [
        ("client_sn", "o"),
        ("operator", "o"),
        ("return_url", "r"),
        ("subject", "s"),
        ("terminal_sn", "T2"),
        ("total_amount", "1"),
    ] {
        p.insert(k.to_string(), v.to_string());
    }
    assert!(url.ends_with(&format!("&sign={}", wap_sign(&p, "K2").1)), "{url}");
}

#[test]
fn checkin_with_explicit_success_code() {
    let mut gw = gateway();
    let body = envelope(json!({"result_code": "SUCCESS", "terminal_sn": "T3", "terminal_key": "K3"}));
    let r = crate::providers::parse_checked(&mut gw, Operation::Checkin, &http(200, body), None, &Ctx::default());
    assert_eq!(r.outcome, Outcome::Succeeded);
    let req = gw
        .request(Operation::Query, &input(valid_input(Operation::Query)), &ctx())
        .unwrap();
    assert_eq!(req.headers["authorization"], authorization("T3", "K3", &req.body));
}

#[test]
fn activate_sets_the_terminal() {
    let mut gw = Shouqianba::new(json!({"provider": "shouqianba"})).unwrap();
    let activate = input(valid_input(Operation::Activate));
    let req = gw.request(Operation::Activate, &activate, &ctx()).unwrap();
    assert!(req.url.ends_with("/terminal/activate"));
    assert_eq!(
        req.headers["authorization"],
        authorization("91801234", "vendor-key", &req.body)
    );
    assert_eq!(
        serde_json::from_str::<Value>(&req.body).unwrap(),
        json!({"app_id": "2017010100000001", "code": "12345678", "device_id": "dev-1"})
    );

    let r = crate::providers::parse_checked(
        &mut gw,
        Operation::Activate,
        &http(200, credentials_body("T9", "K9")),
        Some(&activate),
        &Ctx::default(),
    );
    assert_eq!(r.outcome, Outcome::Succeeded);
    let c = r.credentials.unwrap();
    assert_eq!((c.terminal_sn.as_str(), c.terminal_key.as_str()), ("T9", "K9"));
    let req = gw
        .request(Operation::Checkin, &input(valid_input(Operation::Checkin)), &ctx())
        .unwrap();
    assert_eq!(req.headers["authorization"], authorization("T9", "K9", &req.body));
    // Activate is still signed with the vendor, never with the terminal it produced.
    let req = gw.request(Operation::Activate, &activate, &ctx()).unwrap();
    assert_eq!(
        req.headers["authorization"],
        authorization("91801234", "vendor-key", &req.body)
    );
}

#[test]
fn failed_or_odd_checkins_keep_the_old_terminal() {
    /// (name, HTTP status, body, outcome, error code)
    type Case = (&'static str, u16, Vec<u8>, Outcome, Option<ErrorCode>);
    let cases: Vec<Case> = vec![
        (
            "biz FAIL",
            200,
            envelope(
                json!({"result_code": "FAIL", "error_code": "ILLEGAL_DEVICE", "error_message": "device mismatch"}),
            ),
            Outcome::Failed,
            Some(ErrorCode::AuthFailed),
        ),
        (
            "400 ILLEGAL_SIGN",
            200,
            transport("400", "ILLEGAL_SIGN"),
            Outcome::Failed,
            Some(ErrorCode::AuthFailed),
        ),
        (
            "500",
            200,
            transport("500", "UNKNOWN_SYSTEM_ERROR"),
            Outcome::Unknown,
            Some(ErrorCode::ProviderError),
        ),
        (
            "no key",
            200,
            envelope(json!({"terminal_sn": "T2"})),
            Outcome::Unknown,
            Some(ErrorCode::MalformedResponse),
        ),
        (
            "no sn",
            200,
            envelope(json!({"terminal_key": "K2"})),
            Outcome::Unknown,
            Some(ErrorCode::MalformedResponse),
        ),
        (
            "empty key",
            200,
            credentials_body("T2", ""),
            Outcome::Unknown,
            Some(ErrorCode::MalformedResponse),
        ),
        (
            "empty sn",
            200,
            credentials_body("", "K2"),
            Outcome::Unknown,
            Some(ErrorCode::MalformedResponse),
        ),
        (
            "odd result code",
            200,
            envelope(json!({"result_code": "PAY_SUCCESS", "terminal_sn": "T2", "terminal_key": "K2"})),
            Outcome::Unknown,
            Some(ErrorCode::MalformedResponse),
        ),
        (
            "HTTP 502",
            502,
            credentials_body("T2", "K2"),
            Outcome::Unknown,
            Some(ErrorCode::ProviderUnavailable),
        ),
        (
            "not JSON",
            200,
            b"oops".to_vec(),
            Outcome::Unknown,
            Some(ErrorCode::MalformedResponse),
        ),
    ];
    for op in [Operation::Checkin, Operation::Activate] {
        for (name, status, body, outcome, code) in &cases {
            let mut gw = gateway();
            let r = crate::providers::parse_checked(&mut gw, op, &http(*status, body.clone()), None, &Ctx::default());
            assert_eq!(r.outcome, *outcome, "{op:?} {name}");
            assert_eq!(error_code(&r), *code, "{op:?} {name}");
            assert!(r.credentials.is_none(), "{op:?} {name}");
            let req = gw
                .request(Operation::Query, &input(valid_input(Operation::Query)), &ctx())
                .unwrap();
            assert_eq!(
                req.headers["authorization"],
                authorization(SN, KEY, &req.body),
                "{op:?} {name}: terminal changed"
            );
        }
    }
}

// ================================================================ 8. secrets never leak

const TERMINAL_SECRET: &str = "SECRET-TERMINAL-KEY-123";
const NEW_SECRET: &str = "SECRET-NEW-KEY-456";
const VENDOR_SECRET: &str = "SECRET-VENDOR-KEY-789";
const SECRETS: [&str; 3] = [TERMINAL_SECRET, NEW_SECRET, VENDOR_SECRET];

fn assert_no_secret(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} leaks {s}: {text}");
    }
    // Not even a recognizable piece of one.
    assert!(!text.contains("SECRET-"), "{what}: {text}");
}

fn assert_error_clean(what: &str, e: &Error) {
    assert_no_secret(what, &e.message);
    assert_no_secret(what, &e.to_json());
    assert_no_secret(what, &format!("{e}"));
    assert_no_secret(what, &format!("{e:?}"));
}

/// Everything of a result but `credentials`, in every form it can be printed.
fn assert_result_clean(what: &str, r: &OperationResult) {
    let mut v = serde_json::to_value(r).unwrap();
    v.as_object_mut().unwrap().remove("credentials");
    assert_no_secret(what, &v.to_string());
    assert_no_secret(what, &r.raw.to_string());
    if let Some(e) = &r.error {
        assert_error_clean(what, e);
    }
    assert_no_secret(what, &format!("{r:?}"));
}

fn secret_gateway() -> Shouqianba {
    gateway_with(SN, TERMINAL_SECRET)
}

fn secret_activate_input() -> Value {
    with(Operation::Activate, "vendorKey", json!(VENDOR_SECRET))
}

#[test]
fn secrets_stay_out_of_validation_errors() {
    use Operation as O;
    let gw = secret_gateway();
    assert_no_secret("gateway Debug", &format!("{gw:?}"));
    let mut inputs: Vec<(Operation, Value)> = vec![
        (O::Pay, json!({})),
        (O::Pay, with(O::Pay, "amount", json!(0))),
        (O::Pay, with(O::Pay, "amount", json!("100"))),
        (O::Pay, with(O::Pay, "subject", json!("x".repeat(65)))),
        (O::Pay, with(O::Pay, "latitude", json!("1"))),
        (O::Pay, with(O::Pay, "extra", json!({"client_sn": "x"}))),
        (O::Precreate, with(O::Precreate, "payway", Value::Null)),
        (O::Precreate, with(O::Precreate, "subPayway", json!("3"))),
        (O::Refund, with(O::Refund, "refundNo", Value::Null)),
        (O::Query, json!({})),
        (O::Checkin, json!({})),
        (O::Activate, with(O::Activate, "vendorKey", Value::Null)),
    ];
    // Activate with the vendor secret and each other field broken.
    for field in ["vendorSn", "appId", "code", "deviceId"] {
        let mut v = secret_activate_input();
        v.as_object_mut().unwrap().remove(field);
        inputs.push((O::Activate, v));
    }
    let mut long_code = secret_activate_input();
    long_code["code"] = json!("9".repeat(33));
    inputs.push((O::Activate, long_code));
    let mut extra = secret_activate_input();
    extra["extra"] = json!({"device_id": "x"});
    inputs.push((O::Activate, extra));

    for (op, v) in inputs {
        let inp = input(v.clone());
        assert_no_secret("Input Debug", &format!("{inp:?}"));
        let e = gw
            .request(op, &inp, &ctx())
            .err()
            .unwrap_or_else(|| panic!("{op:?} accepted {v}"));
        assert_error_clean(&format!("{op:?} {v}"), &e);
    }

    // Errors from parsing the input JSON itself, with a secret in it.
    for json_text in [
        format!(r#"{{"vendorKey":"{VENDOR_SECRET}","amuont":1}}"#),
        format!(r#"{{"vendorkey":"{VENDOR_SECRET}"}}"#),
        format!(r#"{{"vendorKey":"{VENDOR_SECRET}","amount":"x","merchantOrderNo":5}}"#),
        format!(r#"{{"vendorKey":"{VENDOR_SECRET}""#),
    ] {
        let e = Input::from_json(&json_text).unwrap_err();
        assert_error_clean(&json_text, &e);
    }
}

#[test]
fn input_of_the_wrong_type_neither_leaks_nor_misnames_the_field() {
    // Activation codes are digits: passing one as a JSON number is an easy mistake.
    for (json_text, value) in [
        (r#"{"code":12345678}"#, "12345678"),
        (r#"{"vendorKey":987654321}"#, "987654321"),
    ] {
        let e = Input::from_json(json_text).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert_ne!(e.field.as_deref(), Some(value), "{json_text}: the field is the value");
        assert!(
            !e.message.contains(value) && !e.to_json().contains(value),
            "{json_text}: {}",
            e.to_json()
        );
    }
    // The same for a secret put where an object belongs in the config.
    let e = crate::providers::create(&format!(
        r#"{{"provider":"shouqianba","credentials":"{TERMINAL_SECRET}"}}"#
    ))
    .err()
    .unwrap();
    assert_error_clean("credentials given as a string", &e);
}

#[test]
fn secrets_stay_out_of_config_errors() {
    for cfg in [
        json!({"provider": "shouqianba", "credentials": {"terminalKey": TERMINAL_SECRET}}),
        json!({"provider": "shouqianba", "credentials": {"terminalSn": "", "terminalKey": TERMINAL_SECRET}}),
        json!({"provider": "shouqianba", "credentials": {"terminalSn": SN, "terminalKey": TERMINAL_SECRET, "terminalKeyOld": TERMINAL_SECRET}}),
        json!({"provider": "shouqianba", "baseUrl": "nope", "credentials": {"terminalSn": SN, "terminalKey": TERMINAL_SECRET}}),
        json!({"provider": "other", "credentials": {"terminalSn": SN, "terminalKey": TERMINAL_SECRET}}),
        json!({"provider": "shouqianba", "credentials": {"terminalSn": SN, "terminalKey": TERMINAL_SECRET, "notifyPublicKey": "bad"}}),
    ] {
        let e = crate::providers::create(&cfg.to_string())
            .err()
            .unwrap_or_else(|| panic!("accepted {cfg}"));
        assert_error_clean(&cfg.to_string(), &e);
    }
}

#[test]
fn secrets_stay_out_of_requests() {
    let gw = secret_gateway();
    for op in ORDER_OPS.into_iter().chain([Operation::Checkin]) {
        let req = gw.request(op, &input(valid_input(op)), &ctx()).unwrap();
        assert_no_secret(&format!("{op:?} request"), &serde_json::to_string(&req).unwrap());
        assert_no_secret(&format!("{op:?} request Debug"), &format!("{req:?}"));
        assert_eq!(
            req.headers["authorization"],
            authorization(SN, TERMINAL_SECRET, &req.body)
        );
    }
    let activate = input(secret_activate_input());
    assert_no_secret("activate Input Debug", &format!("{activate:?}"));
    let req = gw.request(Operation::Activate, &activate, &ctx()).unwrap();
    assert_no_secret("activate request", &serde_json::to_string(&req).unwrap());
    assert_eq!(
        req.headers["authorization"],
        authorization("91801234", VENDOR_SECRET, &req.body)
    );
}

#[test]
fn secrets_stay_out_of_results() {
    for op in [Operation::Checkin, Operation::Activate] {
        let mut gw = secret_gateway();
        let inp = input(if op == Operation::Activate {
            secret_activate_input()
        } else {
            valid_input(op)
        });

        // Failures first: nothing leaks, the terminal stays.
        for body in [
            envelope(
                json!({"result_code": "FAIL", "error_code": "ILLEGAL_CODE", "error_message": "activation code expired"}),
            ),
            transport("400", "ILLEGAL_SIGN"),
            envelope(json!({"terminal_sn": "T2"})),
            envelope(json!({"terminal_sn": "", "terminal_key": NEW_SECRET})),
        ] {
            let r = crate::providers::parse_checked(&mut gw, op, &http(200, body), Some(&inp), &Ctx::default());
            assert_ne!(r.outcome, Outcome::Succeeded, "{op:?}");
            assert!(r.credentials.is_none());
            assert_result_clean(&format!("{op:?} failure"), &r);
            assert_no_secret("gateway Debug", &format!("{gw:?}"));
        }

        // Success: the new key appears in `credentials` and nowhere else.
        let body = json!({"result_code": "200", "biz_response": {"terminal_sn": "T2", "terminal_key": NEW_SECRET,
                                                                  "data": {"terminal_key": NEW_SECRET, "vendor_key": VENDOR_SECRET}}});
        let r = crate::providers::parse_checked(&mut gw, op, &http(200, body.to_string()), Some(&inp), &Ctx::default());
        assert_eq!(r.outcome, Outcome::Succeeded, "{op:?}");
        assert_eq!(
            r.credentials.as_ref().map(|c| c.terminal_key.as_str()),
            Some(NEW_SECRET),
            "{op:?}"
        );
        assert_eq!(r.raw.value()["biz_response"]["terminal_key"], "<redacted>");
        assert_eq!(r.raw.value()["biz_response"]["data"]["terminal_key"], "<redacted>");
        assert_eq!(r.raw.value()["biz_response"]["data"]["vendor_key"], "<redacted>");
        assert_result_clean(&format!("{op:?} success"), &r);
        let full = serde_json::to_string(&r).unwrap();
        assert_eq!(
            full.matches(NEW_SECRET).count(),
            1,
            "{op:?}: only credentials.terminalKey holds it: {full}"
        );
        assert!(full.contains(&format!(r#""terminalKey":"{NEW_SECRET}""#)));
        assert_no_secret("credentials Debug", &format!("{:?}", r.credentials));
        assert_no_secret("gateway Debug after rotation", &format!("{gw:?}"));

        // Requests signed with the new key do not carry it.
        let req = gw
            .request(Operation::Query, &input(valid_input(Operation::Query)), &ctx())
            .unwrap();
        assert_no_secret("request after rotation", &serde_json::to_string(&req).unwrap());
        assert_eq!(req.headers["authorization"], authorization("T2", NEW_SECRET, &req.body));
    }
}

#[test]
fn secrets_stay_out_of_client_errors() {
    let cfg = json!({"provider": "shouqianba", "credentials": {"terminalSn": SN, "terminalKey": TERMINAL_SECRET}})
        .to_string();
    let mut client = crate::Client::new(&cfg).unwrap();
    for (op, inp) in [
        ("pay", "{}".to_string()),
        ("activate", secret_activate_input().to_string()),
        ("nope", "{}".into()),
    ] {
        if let Err(e) = client.build(op, &inp, 0, String::new()) {
            assert_error_clean(op, &e);
        } else {
            assert_eq!(op, "activate");
        }
    }
    let body =
        json!({"result_code": "200", "biz_response": {"terminal_sn": "T2", "terminal_key": NEW_SECRET}}).to_string();
    let out = client.parse("checkin", 200, "{}", body.into_bytes(), None, 0).unwrap();
    let mut v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["credentials"]["terminalKey"], NEW_SECRET);
    v.as_object_mut().unwrap().remove("credentials");
    assert_no_secret("client parse output", &v.to_string());
}

// ================================================================ through the client (shared rules)

/// `Client::parse`, the path every caller takes: the provider's mapping plus the rules every provider
/// shares (`providers::settle`). Returns the result as the JSON the bindings hand to JavaScript.
fn through_client(op: Operation, inp: Value, body: Vec<u8>) -> Value {
    let cfg = json!({"provider": "shouqianba", "credentials": {"terminalSn": SN, "terminalKey": KEY}});
    crate::client::tests::parse_for_test(&cfg, op, &inp, body, 1_704_067_200_000)
}

fn outcome_next_error(v: &Value) -> (String, String, Option<String>) {
    (
        v["outcome"].as_str().unwrap().to_string(),
        v["next"].as_str().unwrap().to_string(),
        v["error"]["code"].as_str().map(str::to_string),
    )
}

fn unknown_poll(what: &str, v: &Value) {
    assert_eq!(
        outcome_next_error(v),
        ("UNKNOWN".into(), "POLL".into(), Some("MALFORMED_RESPONSE".into())),
        "{what}: {v}"
    );
}

/// Issue 8, finding 4: PAY_SUCCESS is trusted only with a paid order that names itself.
#[test]
fn pay_success_that_contradicts_its_order_is_unknown_through_the_client() {
    let pay = valid_input(Operation::Pay);
    for status in ["PAY_CANCELED", "CREATED", "CANCELED", "PAY_ERROR", "SOMETHING_NEW"] {
        let v = through_client(Operation::Pay, pay.clone(), biz_ok("PAY_SUCCESS", order_data(status)));
        unknown_poll(status, &v);
        assert!(
            v.get("order").is_none(),
            "{status}: the contradicted order is not passed on"
        );
        assert_eq!(v["raw"]["biz_response"]["result_code"], "PAY_SUCCESS", "raw is kept");
    }
    // No data, or data that names no order: nothing says what was paid.
    unknown_poll(
        "no data",
        &through_client(
            Operation::Pay,
            pay.clone(),
            envelope(json!({"result_code": "PAY_SUCCESS"})),
        ),
    );
    let anonymous = order_data_with("PAID", json!({"client_sn": null, "sn": null}));
    unknown_poll(
        "unnamed",
        &through_client(Operation::Pay, pay.clone(), biz_ok("PAY_SUCCESS", anonymous)),
    );
    // Another amount than asked (1000 fen).
    let cheaper = order_data_with("PAID", json!({"total_amount": "1", "net_amount": "1"}));
    unknown_poll(
        "amount",
        &through_client(Operation::Pay, pay.clone(), biz_ok("PAY_SUCCESS", cheaper)),
    );
    // The legitimate answer passes, named from the answer itself.
    let v = through_client(Operation::Pay, pay, biz_ok("PAY_SUCCESS", order_data("PAID")));
    assert_eq!(outcome_next_error(&v), ("SUCCEEDED".into(), "NONE".into(), None), "{v}");
    assert_eq!(v["order"]["merchantOrderNo"], ORDER);
    assert_eq!(v["order"]["providerOrderNo"], PROVIDER_SN);
    assert_eq!(v["order"]["state"], "SUCCESS");
}

/// Issue 8, finding 4: CANCEL_SUCCESS with the money still held is not a reversal.
#[test]
fn cancel_success_with_money_held_is_unknown_through_the_client() {
    for op in [Operation::Cancel, Operation::Revoke] {
        for code in ["CANCEL_SUCCESS", "CANCEL_ABORT_SUCCESS"] {
            for status in ["PAID", "PARTIAL_REFUNDED"] {
                let v = through_client(op, valid_input(op), biz_ok(code, order_data(status)));
                unknown_poll(&format!("{op:?} {code} {status}"), &v);
            }
            // Still CREATED (the buyer may yet pay), or a state nobody can vouch for: not reversed either.
            for status in ["CREATED", "CANCEL_INPROGRESS", "CANCEL_ERROR", "PAY_ERROR"] {
                let v = through_client(op, valid_input(op), biz_ok(code, order_data(status)));
                unknown_poll(&format!("{op:?} {code} {status}"), &v);
            }
            // REFUNDED (the money went back) is a reversal for the shared rule and for this provider alike.
            for (status, state) in [
                ("CANCELED", "CLOSED"),
                ("PAY_CANCELED", "FAILED"),
                ("REFUNDED", "REFUNDED"),
            ] {
                let v = through_client(op, valid_input(op), biz_ok(code, order_data(status)));
                assert_eq!(
                    outcome_next_error(&v),
                    ("SUCCEEDED".into(), "NONE".into(), None),
                    "{op:?} {code} {status}"
                );
                assert_eq!(v["order"]["state"], state);
            }
        }
    }
}

/// A failed pay whose own order shows the money taken would invite paying again: UNKNOWN. A refund
/// that succeeded on an order never paid is no refund either.
#[test]
fn failure_with_money_held_and_refund_of_an_unpaid_order_are_unknown() {
    for (op, code) in [(Operation::Pay, "PAY_FAIL"), (Operation::Precreate, "PRECREATE_FAIL")] {
        // Also an order still payable or in a state nobody can vouch for (shared rule: a refusal shows
        // an order that ended without money, or none).
        for status in [
            "PAID",
            "PARTIAL_REFUNDED",
            "REFUNDED",
            "CREATED",
            "PAY_ERROR",
            "SOMETHING_NEW",
        ] {
            let body = biz_fail(code, "TRADE_FAILED", Some(order_data(status)));
            let r = parse(op, 200, body.clone());
            assert_eq!(
                (r.outcome, error_code(&r)),
                (Outcome::Unknown, Some(ErrorCode::MalformedResponse)),
                "{op:?} {status}"
            );
            unknown_poll(&format!("{op:?} {status}"), &through_client(op, valid_input(op), body));
        }
        // Failed and reversed, as the code says.
        let v = through_client(
            op,
            valid_input(op),
            biz_fail(code, "TRADE_FAILED", Some(order_data("PAY_CANCELED"))),
        );
        assert_eq!(v["outcome"], "FAILED", "{op:?}: {v}");
    }
    for status in ["CREATED", "PAY_CANCELED", "CANCELED"] {
        let body = biz_ok("REFUND_SUCCESS", order_data(status));
        let v = through_client(Operation::Refund, valid_input(Operation::Refund), body);
        unknown_poll(status, &v);
    }
    let d = order_data_with(
        "PARTIAL_REFUNDED",
        json!({"net_amount": "700", "settlement_amount": "300"}),
    );
    let v = through_client(
        Operation::Refund,
        valid_input(Operation::Refund),
        biz_ok("REFUND_SUCCESS", d),
    );
    assert_eq!(v["outcome"], "SUCCEEDED", "{v}");
}

/// Issue 8, finding 8: a refund_request_no used before ("重复的退款请求") may have refunded already;
/// FAILED would invite a second refund under a new number. UNKNOWN + POLL, then query with refundNo.
#[test]
fn repeated_refund_request_number_is_unknown_and_polls_through_the_client() {
    for code in ["REFUND_FAIL", "FAIL"] {
        let body = biz_fail(code, "REFUND_REQUEST_CONFLICT", None);
        let v = through_client(Operation::Refund, valid_input(Operation::Refund), body);
        assert_eq!(
            outcome_next_error(&v),
            ("UNKNOWN".into(), "POLL".into(), Some("DUPLICATE_ORDER".into())),
            "{code}: {v}"
        );
        assert_eq!(v["refund"]["state"], "UNKNOWN", "{code}: {v}");
        assert_eq!(v["error"]["providerCode"], "REFUND_REQUEST_CONFLICT");
    }
    // Other refusals stay FAILED.
    let v = through_client(
        Operation::Refund,
        valid_input(Operation::Refund),
        biz_fail("REFUND_FAIL", "REFUND_AMT_NOT_EQUAL_TOTAL", None),
    );
    assert_eq!(v["outcome"], "FAILED");
    assert_eq!(v["error"]["code"], "REFUND_CONFLICT");
}

// ================================================================ conformance fixture

const CONFORMANCE_KEY: &str = "conformance-terminal-key-0001";

struct Fixture;

pub(crate) fn fixture() -> Box<dyn crate::providers::conformance::Fixture> {
    Box::new(Fixture)
}

/// `biz_response.data` about `o` in wire state `status`, as the gateway sends it (every value a string).
fn conformance_data(o: &crate::providers::conformance::OrderRef, status: &str) -> Value {
    let amount = o.amount.to_string();
    json!({
        "terminal_sn": SN, "sn": o.provider_order_no, "client_sn": o.merchant_order_no,
        "trade_no": "4200001234202612010000000001", "status": "SUCCESS", "order_status": status,
        "payway": "3", "sub_payway": "1", "total_amount": amount, "net_amount": amount,
        "settlement_amount": amount, "finish_time": "1700000000123", "channel_finish_time": "1700000000000",
        "subject": "Coffee", "operator": "op1"
    })
}

impl crate::providers::conformance::Fixture for Fixture {
    fn config(&self) -> Value {
        json!({"provider": "shouqianba", "credentials": {"terminalSn": SN, "terminalKey": CONFORMANCE_KEY,
                                                         "notifyPublicKey": NOTIFY_PUBLIC_KEY}})
    }

    fn input(&self, op: Operation, o: &crate::providers::conformance::OrderRef) -> Option<Value> {
        let (no, amount) = (&o.merchant_order_no, o.amount);
        Some(match op {
            Operation::Pay => json!({"merchantOrderNo": no, "amount": amount, "authCode": "134567890123456789",
                                     "subject": "Coffee", "operator": "op1"}),
            Operation::Precreate => json!({"merchantOrderNo": no, "amount": amount, "subject": "Coffee",
                                           "operator": "op1", "payway": "3"}),
            Operation::Query | Operation::Cancel | Operation::Revoke => json!({"merchantOrderNo": no}),
            // A full refund: the answer's settlement_amount (this operation's amount) is the order's.
            Operation::Refund => json!({"merchantOrderNo": no, "refundNo": "CONFR0001", "amount": amount,
                                        "operator": "op1"}),
            Operation::Activate | Operation::Checkin => valid_input(op),
            Operation::Close | Operation::RefundQuery => return None,
        })
    }

    fn answer(
        &self,
        op: Operation,
        o: &crate::providers::conformance::OrderRef,
        said: crate::providers::conformance::Said,
    ) -> HttpResponse {
        use crate::providers::conformance::Said;
        let body = match said {
            Said::DuplicateOrder => biz_fail("FAIL", "CLIENT_SN_CONFLICT", None),
            Said::Ok(status) => match op {
                Operation::Activate | Operation::Checkin => credentials_body(SN, "conformance-new-key-0002"),
                _ => {
                    let code = match op {
                        Operation::Pay => "PAY_SUCCESS",
                        Operation::Precreate => "PRECREATE_SUCCESS",
                        Operation::Refund => "REFUND_SUCCESS",
                        Operation::Cancel | Operation::Revoke => "CANCEL_SUCCESS",
                        _ => "SUCCESS",
                    };
                    biz_ok(code, conformance_data(o, status))
                }
            },
        };
        http(200, body)
    }

    fn states(&self) -> &'static [(&'static str, OrderState, bool)] {
        &ORDER_STATUS_TABLE
    }

    /// A WeChat JSAPI order: precreate with sub_payway 3 answers `wap_pay_request` under WeChat's own
    /// key names (the object the page hands to getBrandWCPayRequest).
    fn wechat_order(&self, o: &crate::providers::conformance::OrderRef, drop: Option<&str>) -> Option<(Value, HttpResponse)> {
        let input = json!({"merchantOrderNo": o.merchant_order_no, "amount": o.amount, "subject": "Coffee",
                           "operator": "op1", "kind": "JSAPI", "channel": "WECHAT", "payerId": "okSzXt3uY4-W8fKBH7B4z8seMzBU"});
        let mut request = wallet_orders::wechat_request();
        if let Some(key) = drop {
            request.as_object_mut().map(|m| m.remove(key));
        }
        let mut data = conformance_data(o, "CREATED");
        data["status"] = json!("IN_PROG");
        data["sub_payway"] = json!("3");
        data["wap_pay_request"] = request;
        for k in ["finish_time", "channel_finish_time", "settlement_amount"] {
            data.as_object_mut().map(|m| m.remove(k));
        }
        Some((input, http(200, biz_ok("PRECREATE_SUCCESS", data))))
    }

    /// Terminal credentials are optional (a till activates first); as a pair they are checked in this module.
    fn required_credentials(&self) -> &'static [&'static str] {
        &[]
    }

    fn secrets(&self) -> Vec<String> {
        vec![CONFORMANCE_KEY.to_string()]
    }

    fn notification(&self, o: &crate::providers::conformance::OrderRef) -> Option<(BTreeMap<String, String>, Vec<u8>)> {
        let body = conformance_data(o, "PAID").to_string().into_bytes();
        let key = crate::crypto::load_private_key("notify", NOTIFY_KEY).expect("test key");
        let sig = crate::crypto::base64_encode(&key.sign_sha256(&body).expect("signature"));
        Some((BTreeMap::from([("authorization".to_string(), sig)]), body))
    }
}
