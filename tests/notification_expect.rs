//! verifyNotification's `expect`: a genuinely signed notice counts for the merchant's order only if it
//! names that order and its amount (issue 8 §2: a fraudster's 0.01-yuan notice carrying our order number).

mod common;

use aggpay::crypto::{base64_encode, load_private_key};
use aggpay::{Client, ErrorCode};
use serde_json::json;

fn client() -> Client {
    let config = json!({"provider": "shouqianba", "credentials": {"terminalSn": "T1", "terminalKey": "k",
                        "notifyPublicKey": common::MERCHANT_PUBLIC_SPKI}});
    Client::new(&config.to_string()).expect("config")
}

fn signed(order: &str, fen: &str) -> (String, Vec<u8>) {
    let body = json!({"terminal_sn": "T1", "sn": "789", "client_sn": order, "order_status": "PAID",
                      "total_amount": fen, "net_amount": fen, "payway": "3"})
    .to_string()
    .into_bytes();
    let key = load_private_key("k", common::MERCHANT_KEY).expect("key");
    let sig = base64_encode(&key.sign_sha256(&body).expect("sign"));
    (json!({ "authorization": sig }).to_string(), body)
}

#[test]
fn a_notice_for_another_order_or_amount_is_refused_when_the_merchant_says_what_it_expects() {
    let c = client();
    let (headers, body) = signed("A1", "1");
    // Without an expectation it verifies: the merchant must then compare order and amount itself.
    assert!(c.verify_notification(&headers, &body, 0, None).is_ok());
    let ok = c.verify_notification(&headers, &body, 0, Some(r#"{"merchantOrderNo":"A1","amount":1}"#));
    assert!(ok.is_ok(), "{ok:?}");
    let reason = |expect: &str| {
        let e = c
            .verify_notification(&headers, &body, 0, Some(expect))
            .expect_err(expect);
        assert_eq!(e.code, ErrorCode::NotificationInvalid);
        e.reason
    };
    assert_eq!(reason(r#"{"merchantOrderNo":"A2"}"#), Some("WRONG_ORDER"));
    assert_eq!(reason(r#"{"providerOrderNo":"999"}"#), Some("WRONG_ORDER"));
    assert_eq!(
        reason(r#"{"merchantOrderNo":"A1","amount":99999}"#),
        Some("WRONG_AMOUNT")
    );
    // A bad expectation is the caller's mistake, named.
    let e = c
        .verify_notification(&headers, &body, 0, Some(r#"{"amount":-5}"#))
        .expect_err("negative");
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidInput, Some("amount")));
}
