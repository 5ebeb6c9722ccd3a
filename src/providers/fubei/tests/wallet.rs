//! Wallet orders (issue 11): each generation's table, the fields each row sends, the pay parameters each
//! answer carries, and everything the tables lack refused before sending.

use super::*;
use crate::providers::check_fields;
use crate::providers::wallet::WECHAT_KEYS;

fn given(v: Value) -> Input {
    Input::from_json(&v.to_string()).expect("input")
}

/// The request a precreate sends (fields checked first, as the client does), or the refusal.
fn precreate(gw: &Fubei, v: Value) -> Result<(String, Value)> {
    let i = given(v);
    check_fields(gw, Operation::Precreate, &i)?;
    let req = gw.build(Operation::Precreate, &i, &ctx())?.request;
    let (env, biz) = sent(&req);
    Ok((env["method"].as_str().expect("method").to_string(), biz))
}

fn order(kind: &str, channel: &str) -> Value {
    json!({"merchantOrderNo": "W20261201001", "amount": 980, "kind": kind, "channel": channel})
}

fn with(mut v: Value, k: &str, x: &str) -> Value {
    v[k] = json!(x);
    v
}

const OPENID: &str = "oODbw0Aiss8lP5aPvFq9-_F4H9LA";
const ALIPAY_USER: &str = "2088102146225135";

/// WeChat's six keys as Fubei's sign packages carry them (docs: minaPay.html points at WeChat's
/// wx.requestPayment; zhangming1994/fubei `SignPackage`).
fn package() -> Value {
    json!({"appId": "wx2421b1c4370ec43b", "timeStamp": "1700000000", "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
           "package": "prepay_id=wx201410272009395522657a690389285100", "signType": "MD5",
           "paySign": "C380BEC2BFD727A4B6845133519F3AD6"})
}

fn six(p: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = p.as_object().expect("object").keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

fn six_keys() -> Vec<&'static str> {
    let mut w = WECHAT_KEYS.to_vec();
    w.sort_unstable();
    w
}

// ---------------------------------------------------------------- 1.0

#[test]
fn v1_qr_orders_name_their_wallet() {
    for (channel, code) in [("WECHAT", 1), ("ALIPAY", 2), ("UNIONPAY", 5)] {
        let (method, biz) = precreate(&v1(), order("QR", channel)).expect(channel);
        assert_eq!(method, "openapi.payment.order.scan");
        assert_eq!(biz["type"], json!(code));
        assert!(biz.get("sub_openid").is_none() && biz.get("buyer_id").is_none());
    }
    // No kind is QR; 1.0 has no aggregated code, so the wallet is required.
    let (method, _) = precreate(&v1(), json!({"merchantOrderNo": "W1", "amount": 1, "channel": "WECHAT"})).unwrap();
    assert_eq!(method, "openapi.payment.order.scan");
    let e = precreate(&v1(), json!({"merchantOrderNo": "W1", "amount": 1})).expect_err("no channel");
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidInput, Some("channel")));
}

#[test]
fn v1_mini_program_wechat_is_mina_with_the_sign_params() {
    let (method, biz) = precreate(&v1(), with(order("MINI_PROGRAM", "WECHAT"), "payerId", OPENID)).unwrap();
    assert_eq!(method, "openapi.payment.order.mina");
    assert_eq!(biz["sub_openid"], json!(OPENID));
    assert_eq!(biz["total_fee"], num("9.80"));
    assert!(biz.get("type").is_none(), "{biz}");
    // The old name is still accepted.
    let (_, biz) = precreate(&v1(), with(order("MINI_PROGRAM", "WECHAT"), "payerUid", OPENID)).unwrap();
    assert_eq!(biz["sub_openid"], json!(OPENID));

    let inp = with(order("MINI_PROGRAM", "WECHAT"), "payerId", OPENID);
    // The docs type sign_params as json; the Java SDK as a String holding it: both are read.
    for sign_params in [package(), json!(package().to_string())] {
        let body = ok(json!({"prepay_id": "wx201410272009395522657a690389285100", "order_sn": "20170911132254",
                             "merchant_order_sn": "W20261201001", "sign_params": sign_params}));
        let r = parse(&mut v1(), Operation::Precreate, body, Some(inp.clone()));
        assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::Poll), "{r:?}");
        let o = r.order.expect("order");
        assert_eq!((o.state, o.provider_order_no.as_deref()), (OrderState::Pending, Some("20170911132254")));
        let p = o.pay_params.expect("payParams");
        assert_eq!(six(&p), six_keys());
        assert_eq!(p["package"], json!("prepay_id=wx201410272009395522657a690389285100"));
        assert_eq!(p["timeStamp"], json!("1700000000"));
    }
    // None sent: UNKNOWN naming the first key, nothing invented.
    let body = ok(json!({"prepay_id": "wx1", "order_sn": "F1", "merchant_order_sn": "W20261201001"}));
    let r = parse(&mut v1(), Operation::Precreate, body, Some(inp));
    assert_eq!(r.outcome, Outcome::Unknown);
    assert_eq!(r.error.and_then(|e| e.field).as_deref(), Some("payParams.appId"));
    assert_eq!(r.order.and_then(|o| o.pay_params), Some(json!({})));
}

#[test]
fn v1_jsapi_alipay_is_the_alipay_unified_order() {
    let (method, biz) = precreate(&v1(), with(order("JSAPI", "ALIPAY"), "payerId", ALIPAY_USER)).unwrap();
    assert_eq!(method, "openapi.payment.Alipay.H5");
    assert_eq!(biz["buyer_id"], json!(ALIPAY_USER));
    assert!(biz.get("type").is_none(), "{biz}");
    let inp = with(order("JSAPI", "ALIPAY"), "payerId", ALIPAY_USER);
    let body = ok(json!({"order_sn": "F2", "prepay_id": "2017020821001004990200077931", "merchant_order_sn": "W20261201001"}));
    let r = parse(&mut v1(), Operation::Precreate, body, Some(inp.clone()));
    assert_eq!(r.outcome, Outcome::Succeeded, "{r:?}");
    assert_eq!(
        r.order.and_then(|o| o.pay_params),
        Some(json!({"tradeNO": "2017020821001004990200077931"}))
    );
    let r = parse(&mut v1(), Operation::Precreate, ok(json!({"order_sn": "F2"})), Some(inp));
    assert_eq!(r.outcome, Outcome::Unknown);
    assert_eq!(r.error.and_then(|e| e.field).as_deref(), Some("payParams.tradeNO"));
}

#[test]
fn v1_refuses_what_it_does_not_make_before_sending() {
    // (kind, channel, the field named)
    for (kind, channel, field) in [
        ("JSAPI", "WECHAT", "channel"), // h5pay answers no sign package
        ("JSAPI", "UNIONPAY", "channel"),
        ("MINI_PROGRAM", "ALIPAY", "channel"),
        ("MINI_PROGRAM", "UNIONPAY", "channel"),
        ("H5", "WECHAT", "kind"),
        ("H5", "ALIPAY", "kind"),
        ("H5", "UNIONPAY", "kind"),
        ("QR", "CARD", "channel"),
        ("NATIVE", "WECHAT", "kind"),
    ] {
        let e = precreate(&v1(), with(order(kind, channel), "payerId", OPENID)).expect_err(kind);
        assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidInput, Some(field)), "{kind} {channel}: {e:?}");
    }
    // A wallet order without its buyer, a QR order with one.
    for v in [order("MINI_PROGRAM", "WECHAT"), order("JSAPI", "ALIPAY"), with(order("QR", "WECHAT"), "payerId", OPENID)] {
        let e = precreate(&v1(), v.clone()).expect_err("payerId");
        assert_eq!(e.field.as_deref(), Some("payerId"), "{v}");
    }
    // 1.0 has no app id anywhere.
    let v = with(with(order("MINI_PROGRAM", "WECHAT"), "payerId", OPENID), "subAppId", "wx2421b1c4370ec43b");
    let e = precreate(&v1(), v).expect_err("subAppId");
    assert_eq!(e.field.as_deref(), Some("subAppId"));
    // An openid longer than sub_openid's 32 characters.
    let e = precreate(&v1(), with(order("MINI_PROGRAM", "WECHAT"), "payerId", &"o".repeat(33))).expect_err("long");
    assert_eq!(e.field.as_deref(), Some("payerId"));
}

// ---------------------------------------------------------------- 2.0

#[test]
fn v2_qr_orders_are_precreate() {
    for (channel, pay_type) in [("WECHAT", Some("wxpay")), ("ALIPAY", Some("alipay")), ("UNIONPAY", Some("unionpay"))] {
        let (method, biz) = precreate(&v2_app(), order("QR", channel)).unwrap();
        assert_eq!(method, "fbpay.order.precreate");
        assert_eq!(biz.get("pay_type").and_then(Value::as_str), pay_type);
    }
    let (method, biz) = precreate(&v2_app(), json!({"merchantOrderNo": "W1", "amount": 1})).unwrap();
    assert_eq!(method, "fbpay.order.precreate");
    assert!(biz.get("pay_type").is_none(), "an aggregated code: {biz}");
}

#[test]
fn v2_jsapi_wechat_is_the_unified_order_with_sub_appid() {
    let v = with(with(order("JSAPI", "WECHAT"), "payerId", OPENID), "subAppId", "wx2421b1c4370ec43b");
    for gw in [v2_app(), v2_vendor()] {
        let (method, biz) = precreate(&gw, v.clone()).unwrap();
        assert_eq!(method, "fbpay.order.create");
        assert_eq!(
            (&biz["pay_type"], &biz["user_id"], &biz["sub_appid"], &biz["total_amount"]),
            (&json!("wxpay"), &json!(OPENID), &json!("wx2421b1c4370ec43b"), &num("9.80"))
        );
    }
    // sign_package as the .NET entity (an object) and as the newer Java model (a String).
    for sp in [package(), json!(package().to_string())] {
        let body = ok(json!({"order_sn": "F3", "merchant_order_sn": "W20261201001", "prepay_id": "wx2014",
                             "pay_type": "wxpay", "total_amount": num("9.80"), "sign_package": sp}));
        let r = parse(&mut v2_app(), Operation::Precreate, body, Some(v.clone()));
        assert_eq!(r.outcome, Outcome::Succeeded, "{r:?}");
        let o = r.order.expect("order");
        assert_eq!((o.state, o.amounts.total, o.channel), (OrderState::Pending, Some(980), Some(Channel::Wechat)));
        assert_eq!(six(&o.pay_params.expect("payParams")), six_keys());
    }
    for key in WECHAT_KEYS {
        let mut sp = package();
        sp.as_object_mut().unwrap().remove(key);
        let body = ok(json!({"order_sn": "F3", "merchant_order_sn": "W20261201001", "sign_package": sp}));
        let r = parse(&mut v2_app(), Operation::Precreate, body, Some(v.clone()));
        assert_eq!(r.outcome, Outcome::Unknown, "{key}");
        assert_eq!(r.error.and_then(|e| e.field), Some(format!("payParams.{key}")));
        let p = r.order.and_then(|o| o.pay_params).expect("kept");
        assert_eq!((p.get(key), p.as_object().map(|m| m.len())), (None, Some(5)));
    }
}

#[test]
fn v2_jsapi_alipay_is_the_unified_order_without_an_app_id() {
    let v = with(order("JSAPI", "ALIPAY"), "payerId", ALIPAY_USER);
    let (method, biz) = precreate(&v2_vendor(), v.clone()).unwrap();
    assert_eq!(method, "fbpay.order.create");
    assert_eq!((&biz["pay_type"], &biz["user_id"], &biz["merchant_id"]), (&json!("alipay"), &json!(ALIPAY_USER), &json!(1234567)));
    assert!(biz.get("sub_appid").is_none());
    let body = ok(json!({"order_sn": "F4", "merchant_order_sn": "W20261201001", "merchant_id": 1234567,
                         "prepay_id": "2021012522001400000000000001", "pay_type": "alipay"}));
    let r = parse(&mut v2_vendor(), Operation::Precreate, body, Some(v));
    assert_eq!(r.outcome, Outcome::Succeeded, "{r:?}");
    assert_eq!(r.order.and_then(|o| o.pay_params), Some(json!({"tradeNO": "2021012522001400000000000001"})));
}

#[test]
fn v2_refuses_what_it_does_not_make_before_sending() {
    for (kind, channel, field) in [
        ("JSAPI", "UNIONPAY", "channel"),
        ("JSAPI", "ANY", "channel"),
        ("MINI_PROGRAM", "WECHAT", "kind"),
        ("MINI_PROGRAM", "ALIPAY", "kind"),
        ("H5", "WECHAT", "kind"),
        ("H5", "ALIPAY", "kind"),
        ("H5", "UNIONPAY", "kind"),
    ] {
        let v = with(with(order(kind, channel), "payerId", OPENID), "subAppId", "wx2421b1c4370ec43b");
        let e = precreate(&v2_app(), v).expect_err(kind);
        assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidInput, Some(field)), "{kind} {channel}: {e:?}");
    }
    // A JSAPI order without a wallet: refused, naming the wallets.
    let e = precreate(&v2_app(), with(json!({"merchantOrderNo": "W1", "amount": 1, "kind": "JSAPI"}), "payerId", OPENID))
        .expect_err("no channel");
    assert_eq!(e.field.as_deref(), Some("channel"));
    assert!(e.message.contains("WECHAT") && e.message.contains("ALIPAY"), "{}", e.message);
    // The buyer: required on JSAPI, refused on QR.
    let e = precreate(&v2_app(), with(order("JSAPI", "WECHAT"), "subAppId", "wx1")).expect_err("payer");
    assert_eq!(e.field.as_deref(), Some("payerId"));
    let e = precreate(&v2_app(), with(order("QR", "WECHAT"), "payerId", OPENID)).expect_err("payer on QR");
    assert_eq!(e.field.as_deref(), Some("payerId"));
    // sub_appid: required for WeChat, sent when given for Alipay (the same create field), none on a QR order.
    let e = precreate(&v2_app(), with(order("JSAPI", "WECHAT"), "payerId", OPENID)).expect_err("sub_appid");
    assert_eq!(e.field.as_deref(), Some("subAppId"));
    let (_, biz) = precreate(&v2_app(), with(with(order("JSAPI", "ALIPAY"), "payerId", ALIPAY_USER), "subAppId", "2021000000000001")).unwrap();
    assert_eq!(biz["sub_appid"], json!("2021000000000001"));
    for v in [order("QR", "WECHAT"), json!({"merchantOrderNo": "W1", "amount": 1})] {
        let e = precreate(&v2_app(), with(v.clone(), "subAppId", "wx1")).expect_err("subAppId");
        assert_eq!(e.field.as_deref(), Some("subAppId"), "{v}");
    }
}

/// The cross-provider case, against this provider's fixture alone.
#[test]
fn wechat_pay_params_conformance() {
    crate::providers::conformance::wechat_pay_params("fubei", &*fixture());
}

// ---------------------------------------------------------------- discounts (issue 12 item 4)

/// 1.0 (seed 001's fields; its own example is read in `seed_query_answer`): with order_price (订单金额)
/// the total is Fubei's own, paid is buyer_pay_amount, discount discount_money, net net_money.
#[test]
fn v1_discount_fields() {
    let body = ok(json!({"merchant_order_sn": "o", "trade_state": "SUCCESS", "order_price": 100, "total_fee": 80,
        "fee": 1, "net_money": 79, "discount_money": "20.00", "buyer_pay_amount": "80.00"}));
    let a = parse(&mut v1(), Operation::Query, body, None).order.expect("order").amounts;
    assert_eq!((a.total, a.paid, a.discount, a.net), (Some(10000), Some(8000), Some(2000), Some(7900)));
}

/// 2.0: `payment_list` (.NET `APaymentItemEntity` {type, amount}; types from the Go SDK) sums to the
/// discount; buyer_pay_amount is paid, net_amount − fee the net.
#[test]
fn v2_payment_list_is_the_discount() {
    let list = json!([{"type": "FUBEI_DISCOUNT", "amount": 1.5}, {"type": "CHANNEL_DISCOUNT", "amount": "0.30"},
                      {"type": "CHANNEL_PRE", "amount": 0.2}]);
    for payment_list in [list.clone(), json!(list.to_string())] {
        let body = ok(json!({"merchant_order_sn": "o", "order_sn": "F", "order_status": "SUCCESS", "pay_type": "wxpay",
            "total_amount": 10, "net_amount": 8.5, "buyer_pay_amount": 8, "fee": 0.03, "payment_list": payment_list,
            "finish_time": "20240101080000"}));
        let a = parse(&mut v2_app(), Operation::Query, body, None).order.expect("order").amounts;
        assert_eq!(
            (a.total, a.paid, a.discount, a.fee, a.net),
            (Some(1000), Some(800), Some(200), Some(3), Some(847))
        );
    }
    // No list, no discount claimed; an empty one is none taken off.
    let q = |extra: Value| {
        let mut data = json!({"merchant_order_sn": "o", "order_status": "SUCCESS", "total_amount": 10});
        for (k, v) in extra.as_object().unwrap() {
            data[k] = v.clone();
        }
        parse(&mut v2_app(), Operation::Query, ok(data), None)
    };
    assert_eq!(q(json!({})).order.unwrap().amounts.discount, None);
    assert_eq!(q(json!({"payment_list": []})).order.unwrap().amounts.discount, Some(0));
    // A list that cannot be read makes the answer uncertain, never a guess.
    for bad in [json!({"a": 1}), json!([{"type": "X"}]), json!([{"amount": 1.234}]), json!("[")] {
        let r = q(json!({"payment_list": bad}));
        assert_eq!((r.outcome, error_code(&r)), (Outcome::Unknown, Some(ErrorCode::MalformedResponse)), "{bad}");
    }
}

// ---------------------------------------------------------------- from the attacker review

/// A 1.0 answer without order_price says what was received and the merchant's discount: the order's amount is
/// their sum, checked against the amount asked (1 fen received + 1 fen discount is not the 10000 fen asked).
#[test]
fn a_discounted_answer_without_order_price_is_checked_against_the_asked_amount() {
    let asked = json!({"merchantOrderNo": "o", "amount": 10000, "authCode": "134567890123456789"});
    let body = ok(json!({"merchant_order_sn": "o", "order_sn": "F1", "trade_state": "SUCCESS",
        "total_fee": "0.01", "discount_money": "0.01", "pay_time": 1704067200}));
    let r = parse(&mut v1(), Operation::Pay, body, Some(asked.clone()));
    assert_eq!(r.outcome, Outcome::Unknown, "{r:?}");
    let body = ok(json!({"merchant_order_sn": "o", "order_sn": "F1", "trade_state": "SUCCESS",
        "total_fee": "99.99", "discount_money": "0.01", "pay_time": 1704067200}));
    let r = parse(&mut v1(), Operation::Pay, body, Some(asked));
    assert_eq!(r.outcome, Outcome::Succeeded, "{r:?}");
    let a = r.order.expect("order").amounts;
    assert_eq!((a.total, a.paid, a.discount), (Some(10000), Some(9999), Some(1)));
}

/// A genuine discounted 1.0 notice without order_price matches `expect.amount` (received + discount), so it is
/// not refused on every resend.
#[test]
fn a_discounted_notice_matches_the_order_amount() {
    let data = json!({"merchant_order_sn": "o", "order_sn": "F1", "trade_state": "SUCCESS",
        "total_fee": "80.00", "discount_money": "20.00", "pay_time": 1704067200}).to_string();
    let mut fields = BTreeMap::new();
    fields.insert("result_code".to_string(), "200".to_string());
    fields.insert("result_message".to_string(), "ok".to_string());
    fields.insert("data".to_string(), data);
    let sign = super::super::wire::sign_with(&fields, SECRET, false);
    fields.insert("sign".to_string(), sign);
    let body: String = fields.iter().map(|(k, v)| format!("{}={}", k, crate::http::url_encode(v))).collect::<Vec<_>>().join("&");
    let client = crate::Client::new(&json!({"provider": "fubei", "credentials": {"appId": "20170609152021917511", "appSecret": SECRET}}).to_string()).expect("config");
    let n = client.notification(&BTreeMap::new(), body.as_bytes(), 0, Some(r#"{"merchantOrderNo":"o","amount":10000}"#));
    let n = n.expect("the order's 100.00 yuan: 80.00 received + 20.00 discount");
    assert_eq!((n.order.amounts.total, n.order.amounts.discount), (Some(10000), Some(2000)));
}

fn review_signed_notice(data: Value) -> Vec<u8> {
    let mut fields = BTreeMap::new();
    fields.insert("result_code".to_string(), "200".to_string());
    fields.insert("result_message".to_string(), "ok".to_string());
    fields.insert("data".to_string(), data.to_string());
    let sign = super::super::wire::sign_with(&fields, SECRET, false);
    fields.insert("sign".to_string(), sign);
    fields.iter().map(|(k, v)| format!("{}={}", k, crate::http::url_encode(v))).collect::<Vec<_>>().join("&").into_bytes()
}

/// A genuine refund notice whose refund status the library cannot read is refused (so Fubei sends it again), even
/// when it also carries the order's own status.
#[test]
fn a_refund_notice_with_an_unreadable_refund_state_is_refused() {
    let client = crate::Client::new(&json!({"provider": "fubei", "credentials": {"appId": "20170609152021917511", "appSecret": SECRET}}).to_string()).unwrap();
    let body = review_signed_notice(json!({"merchant_order_sn": "o", "order_sn": "F1", "order_status": "SUCCESS",
        "total_amount": 100, "merchant_refund_sn": "R1", "refund_sn": "FR1", "refund_status": "REFUND_CLOSED", "refund_amount": 100}));
    let r = client.notification(&BTreeMap::new(), &body, 0, Some(r#"{"merchantOrderNo":"o","amount":10000}"#));
    assert_eq!(r.err().and_then(|e| e.reason), Some("UNREADABLE"));
}

/// A wallet precreate answer that names no order hands out no pay parameters: they could be another order's
/// (the library no longer writes the asked number into the order as though the answer had named it).
#[test]
fn a_precreate_answer_naming_no_order_is_unknown() {
    let inp = with(order("MINI_PROGRAM", "WECHAT"), "payerId", OPENID);
    let body = ok(json!({"prepay_id": "wx1", "sign_params": package()}));
    let r = parse(&mut v1(), Operation::Precreate, body, Some(inp));
    assert_eq!(r.outcome, Outcome::Unknown, "{r:?}");
    assert!(r.order.and_then(|o| o.pay_params).is_none());
}
