//! Callbacks (issue 12 item 6): the SDK's `TyhRequest` envelope {access_id, data, sign, sign_type, time_stamp}
//! whose `data` is Base64 JSON (`TyhRequest.decode`), the trade in it read as a query answer is read
//! (TradeQueryResultDto, "查询、回调单笔交易结果"), `verified: false` (no signature scheme is published:
//! `TyhRequest.isSign` "暂时未实现"), and what cannot be read refused.

use super::*;

/// The SDK example's access_id (tyhOS/parking-upload-sdk README.md, PaymentTest.java).
const SDK_ACCESS_ID: &str = "16327134271655855";

/// A callback as the platform posts it: `data` the Base64 of the trade's JSON.
fn envelope(data: &Value) -> Vec<u8> {
    let data = crate::crypto::base64_encode(data.to_string().as_bytes());
    json!({"access_id": SDK_ACCESS_ID, "data": data, "sign": "c2lnbmF0dXJl", "sign_type": "RSA2",
           "time_stamp": 1_638_777_285_405i64})
    .to_string()
    .into_bytes()
}

/// A client that reads callbacks although nothing vouches for them (`readUnsignedCallbacks`).
fn reading_client() -> crate::Client {
    let mut c = config();
    c["readUnsignedCallbacks"] = json!(true);
    crate::Client::new(&c.to_string()).expect("config")
}

fn verify(body: &[u8]) -> Result<Notification> {
    reading_client().notification(&BTreeMap::new(), body, 1_638_777_300_000, None)
}

#[test]
fn callbacks_are_refused_unless_the_client_reads_unsigned_ones() {
    // Anyone can post a callback that reads as paid: by default it is refused, naming why.
    let client = crate::Client::new(&config().to_string()).expect("config");
    let e = client
        .notification(&BTreeMap::new(), &envelope(&trade("SUCCESS")), 1_638_777_300_000, None)
        .expect_err("no signature anyone can check");
    assert_eq!(e.reason, Some("UNVERIFIABLE"));
    assert!(e.message.contains("readUnsignedCallbacks"), "{e}");
    let n = verify(&envelope(&trade("SUCCESS"))).expect("read when asked");
    assert!(!n.verified);
}

#[test]
fn seed_002_example_as_a_callback_is_read_as_the_query_answer_unverified() {
    // Seed 002's 出参 data, the example values as published (trade() in mod.rs).
    let n = verify(&envelope(&trade("SUCCESS"))).expect("readable");
    assert!(!n.verified, "nothing vouches for an unsigned callback");
    let query = parse(Operation::Query, 200, ok(trade("SUCCESS"))).order.unwrap();
    assert_eq!(n.order, query, "one reading: the callback's order is the query answer's");
    assert_eq!(n.order.state, OrderState::Success);
    assert_eq!(n.order.merchant_order_no.as_deref(), Some("test_trade_191281333"));
    assert_eq!(n.order.provider_order_no.as_deref(), Some("trade_28367673307369472"));
    assert_eq!(n.order.amounts.total, Some(1));
    assert_eq!(n.order.paid_at, Some(1_638_777_285_405));
    assert!(n.refund.is_none());
    assert_eq!((n.ack.status, n.ack.body.as_str()), (200, r#"{"code":8888,"msg":"处理成功"}"#));
    assert_eq!(n.raw.value()["buyerLoginId"], "132****8866", "raw is the decoded data");
    // Through the JSON entry point as the bindings call it.
    let client = reading_client();
    let out = client
        .verify_notification("{}", &envelope(&trade("SUCCESS")), 0, Some(r#"{"merchantOrderNo":"test_trade_191281333","amount":1}"#))
        .unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["verified"].as_bool(), v["order"]["state"].as_str()), (Some(false), Some("SUCCESS")));
}

#[test]
fn a_callback_that_cannot_be_read_is_refused() {
    let malformed: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"not json".to_vec(),
        trade("SUCCESS").to_string().into_bytes(), // the trade itself, not in the envelope
        json!({"access_id": SDK_ACCESS_ID, "data": 1}).to_string().into_bytes(),
        json!({"access_id": SDK_ACCESS_ID, "data": "!!!"}).to_string().into_bytes(),
        json!({"data": crate::crypto::base64_encode(b"not json")}).to_string().into_bytes(),
        envelope(&json!([1])),
        envelope(&json!("x")),
        envelope(&trade_with("SUCCESS", json!({"orderFee": "1"}))),
        envelope(&trade_with("SUCCESS", json!({"paymentFee": -1}))),
    ];
    for body in malformed {
        let e = verify(&body).expect_err(&String::from_utf8_lossy(&body));
        assert_eq!((e.code, e.reason), (ErrorCode::NotificationInvalid, Some("MALFORMED")), "{e}");
    }
    // Readable but says nothing the merchant can act on: refused so the platform sends it again.
    for data in [trade("PAYING"), trade_with("SUCCESS", json!({"ownerTradeNo": null, "osTradeNo": null, "tpTradeNo": null}))] {
        let e = verify(&envelope(&data)).expect_err("unreadable");
        assert_eq!(e.reason, Some("UNREADABLE"), "{e}");
    }
    // Another merchant's trade (anyone can post an unsigned callback).
    let e = verify(&envelope(&trade_with("SUCCESS", json!({"osMerchantCode": "2163737276729999"})))).unwrap_err();
    assert_eq!(e.reason, Some("WRONG_MERCHANT"), "{e}");
    // Not the order or amount the merchant holds.
    let client = reading_client();
    let e = client
        .verify_notification("{}", &envelope(&trade("SUCCESS")), 0, Some(r#"{"merchantOrderNo":"another"}"#))
        .unwrap_err();
    assert_eq!(e.reason, Some("WRONG_ORDER"), "{e}");
}

#[test]
fn a_refund_callback_carries_the_refund() {
    let d = json!({"refundStatus": "SUCCESS", "osTradeNo": OS_TRADE_NO, "osRefundNo": "refund_1",
                   "ownerRefundNo": REFUND_NO, "refundFee": 1});
    let n = verify(&envelope(&d)).unwrap();
    assert!(!n.verified);
    assert_eq!(n.order.provider_order_no.as_deref(), Some(OS_TRADE_NO));
    let refund = n.refund.unwrap();
    assert_eq!((refund.state, refund.refund_no.as_deref(), refund.amount), (RefundState::Success, Some(REFUND_NO), Some(1)));
    let e = verify(&envelope(&json!({"refundStatus": "NEW", "osTradeNo": OS_TRADE_NO}))).unwrap_err();
    assert_eq!(e.reason, Some("UNREADABLE"), "{e}");
}

#[test]
fn discounts_from_the_wallet_and_the_platform_side() {
    // TradeNotifyDto: orderFee = paymentFee + tpDiscountFee + osDiscountFee.
    let d = trade_with("SUCCESS", json!({"orderFee": 1000, "paymentFee": 850, "tpDiscountFee": 100, "osDiscountFee": 50}));
    let n = verify(&envelope(&d)).unwrap();
    let a = &n.order.amounts;
    assert_eq!((a.total, a.paid, a.discount, a.refunded, a.net), (Some(1000), Some(850), Some(150), Some(0), Some(850)));
    let q = parse(Operation::Query, 200, ok(d)).order.unwrap();
    assert_eq!(q.amounts, n.order.amounts);
    // Only one side given.
    let d = trade_with("SUCCESS", json!({"orderFee": 1000, "paymentFee": 950, "osDiscountFee": 50}));
    assert_eq!(parse(Operation::Query, 200, ok(d)).order.unwrap().amounts.discount, Some(50));
    let e = verify(&envelope(&trade_with("SUCCESS", json!({"osDiscountFee": -5})))).unwrap_err();
    assert_eq!(e.reason, Some("MALFORMED"));
}
