//! The model as JavaScript sees it, written down once: `tests/types/model.json` holds every variant of the
//! model's enums and every field of its structs as they serialize, and `tests/js/model-types.test.mjs`
//! checks `pkg/src/index.d.ts` against the same file. A variant or field added on either side fails one of
//! the two tests until the other side follows, so the declarations cannot drift from the Rust types.
//!
//! Each enum's list of variants is guarded by an exhaustive `match` (no wildcard): a new variant does not
//! compile until it is listed here. Each struct is built with every field set (a struct literal names every
//! field, so a new one does not compile until it is set) and with every optional field unset: a field
//! absent from the second is optional (`field?:`), one that is null there is nullable (`| null`).
//! After a deliberate change: `AGGPAY_UPDATE_TYPES=1 cargo test --test model_types` rewrites the file.

use aggpay::flow::Verdict;
use aggpay::http::{Ack, HttpRequest};
use aggpay::model::*;
use aggpay::{Error, ErrorCode};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn names<T: Serialize>(all: &[T]) -> Value {
    Value::Array(all.iter().map(|v| serde_json::to_value(v).expect("variant")).collect())
}

/// Every variant of an enum, listed once: the exhaustive `match` (no wildcard) stops compiling when one is missing.
macro_rules! variants {
    ($ty:ident { $($v:ident),+ $(,)? }) => {{
        let all = vec![$($ty::$v),+];
        for v in &all {
            match v {
                $($ty::$v)|+ => {}
            }
        }
        all
    }};
}

fn outcomes() -> Vec<Outcome> {
    variants!(Outcome {
        Succeeded,
        Failed,
        InProgress,
        Unknown
    })
}

fn nexts() -> Vec<Next> {
    variants!(Next {
        None,
        Poll,
        Cancel,
        ContactSupport,
        Retry
    })
}

fn order_states() -> Vec<OrderState> {
    variants!(OrderState {
        Pending,
        Success,
        Failed,
        Closed,
        Refunding,
        PartiallyRefunded,
        Refunded,
        Unknown
    })
}

fn refund_states() -> Vec<RefundState> {
    variants!(RefundState {
        Pending,
        Success,
        Failed,
        Unknown
    })
}

fn channels() -> Vec<Channel> {
    variants!(Channel {
        Alipay,
        Wechat,
        Unionpay,
        Other
    })
}

fn operations() -> Vec<Operation> {
    variants!(Operation {
        Activate,
        Checkin,
        Pay,
        Precreate,
        Query,
        Refund,
        RefundQuery,
        Cancel,
        Revoke,
        Close
    })
}

fn error_codes() -> Vec<ErrorCode> {
    variants!(ErrorCode {
        InvalidInput,
        InvalidConfig,
        InvalidKey,
        UnsupportedOperation,
        Network,
        ResponseSignatureInvalid,
        NotificationInvalid,
        MalformedResponse,
        AuthFailed,
        InvalidRequest,
        OrderNotFound,
        DuplicateOrder,
        InvalidOrderState,
        InsufficientFunds,
        BarcodeInvalid,
        LimitExceeded,
        RefundConflict,
        ProviderUnavailable,
        ProviderError,
    })
}

fn verdicts() -> Vec<Verdict> {
    variants!(Verdict {
        Paid,
        Failed,
        TimedOutReversed,
        NeedsAttention
    })
}

/// `{ field: { optional, nullable } }` from a fully populated and a minimal value of one struct.
fn fields<T: Serialize>(full: &T, minimal: &T) -> Value {
    let full = serde_json::to_value(full).expect("full");
    let minimal = serde_json::to_value(minimal).expect("minimal");
    let (Value::Object(full), Value::Object(minimal)) = (full, minimal) else {
        panic!("a struct serializes as an object")
    };
    let mut out = Map::new();
    for key in full.keys() {
        let optional = !minimal.contains_key(key);
        let nullable = minimal.get(key).is_some_and(Value::is_null);
        out.insert(key.clone(), json!({ "optional": optional, "nullable": nullable }));
    }
    for key in minimal.keys() {
        assert!(
            full.contains_key(key),
            "{key}: set in the minimal value but not in the full one"
        );
    }
    Value::Object(out)
}

fn error_full() -> Error {
    Error {
        code: ErrorCode::NotificationInvalid,
        message: "m".into(),
        retryable: false,
        field: Some("f".into()),
        reason: Some("BAD_SIGNATURE"),
        provider_code: Some("c".into()),
        provider_message: Some("p".into()),
    }
}

fn amounts_full() -> Amounts {
    Amounts {
        total: Some(1),
        paid: Some(1),
        refunded: Some(0),
        net: Some(1),
        fee: Some(0),
        discount: Some(0),
    }
}

fn order_full() -> Order {
    Order {
        state: OrderState::Success,
        is_final: true,
        merchant_order_no: Some("m".into()),
        provider_order_no: Some("p".into()),
        channel_order_no: Some("c".into()),
        channel: Some(Channel::Alipay),
        amounts: amounts_full(),
        paid_at: Some(1),
        qr_code: Some("q".into()),
        pay_params: Some(json!({ "a": 1 })),
        provider_state: Some("S".into()),
    }
}

fn order_minimal() -> Order {
    Order {
        state: OrderState::Unknown,
        is_final: false,
        merchant_order_no: None,
        provider_order_no: None,
        channel_order_no: None,
        channel: None,
        amounts: Amounts::default(),
        paid_at: None,
        qr_code: None,
        pay_params: None,
        provider_state: None,
    }
}

fn refund_full() -> Refund {
    Refund {
        refund_no: Some("r".into()),
        provider_refund_no: Some("p".into()),
        amount: Some(1),
        state: RefundState::Success,
        provider_state: Some("S".into()),
    }
}

fn refund_minimal() -> Refund {
    Refund {
        refund_no: None,
        provider_refund_no: None,
        amount: None,
        state: RefundState::Unknown,
        provider_state: None,
    }
}

fn credentials() -> TerminalCredentials {
    TerminalCredentials {
        terminal_sn: "s".into(),
        terminal_key: "k".into(),
    }
}

fn result_full() -> OperationResult {
    OperationResult {
        provider: Provider("p"),
        operation: Operation::Pay,
        outcome: Outcome::Succeeded,
        next: Next::None,
        error: Some(error_full()),
        order: Some(order_full()),
        refund: Some(refund_full()),
        credentials: Some(credentials()),
        raw: json!({ "a": 1 }).into(),
    }
}

fn ack() -> Ack {
    Ack {
        status: 200,
        headers: BTreeMap::new(),
        body: "success".into(),
    }
}

fn request() -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        url: "u".into(),
        headers: BTreeMap::new(),
        body: "b".into(),
    }
}

/// The model as the declarations must describe it. Keys are the TypeScript names.
fn model() -> Value {
    json!({
        "unions": {
            "ProviderName": aggpay::providers::all().iter().map(|d| d.provider.0).collect::<Vec<_>>(),
            "OperationName": names(&operations()),
            "Outcome": names(&outcomes()),
            "Next": names(&nexts()),
            "OrderState": names(&order_states()),
            "RefundState": names(&refund_states()),
            "Channel": names(&channels()),
            "ErrorCode": names(&error_codes()),
            "Verdict": names(&verdicts()),
        },
        "interfaces": {
            "ErrorInfo": fields(&error_full(), &Error::new(ErrorCode::InvalidInput, "m")),
            "Amounts": fields(&amounts_full(), &Amounts::default()),
            "Order": fields(&order_full(), &order_minimal()),
            "Refund": fields(&refund_full(), &refund_minimal()),
            "TerminalCredentials": fields(&credentials(), &credentials()),
            "OperationResult": fields(
                &result_full(),
                &OperationResult::new(Provider("p"), Operation::Query, Outcome::Unknown, Next::Retry),
            ),
            "VerifiedNotification": fields(
                &Notification { order: order_full(), verified: true, refund: Some(refund_full()), ack: ack(), raw: json!({}).into() },
                &Notification { order: order_minimal(), verified: false, refund: None, ack: ack(), raw: Value::Null.into() },
            ),
            "Ack": fields(&ack(), &ack()),
            "HttpRequest": fields(&request(), &request()),
        }
    })
}

#[test]
fn the_model_file_matches_the_rust_types() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/types/model.json");
    let text = format!("{}\n", serde_json::to_string_pretty(&model()).expect("json"));
    if std::env::var_os("AGGPAY_UPDATE_TYPES").is_some() {
        std::fs::write(path, &text).expect("write tests/types/model.json");
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == text,
        "tests/types/model.json is not what the Rust types serialize to: the model changed. Run\n  \
         AGGPAY_UPDATE_TYPES=1 cargo test --test model_types\nthen update pkg/src/index.d.ts until \
         tests/js/model-types.test.mjs passes. Expected:\n{text}"
    );
}
