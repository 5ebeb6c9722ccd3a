//! Wallet orders (kind × channel → payway/sub_payway, payer_uid, payParams from wap_pay_request) and the
//! payment_list funding split. Sources: WoSai/shouqianba-doc zh-cn/api/annex/payway.md,
//! zh-cn/api/interface/precreate.md, en/api/transaction/pay.md.

use super::*;

const OPENID: &str = "okSzXt3uY4-W8fKBH7B4z8seMzBU";
const ALIPAY_USER: &str = "2088102146225135";

/// A `wap_pay_request` as WeChat's page takes it.
pub(super) fn wechat_request() -> Value {
    json!({"appId": "wx2421b1c4370ec43b", "timeStamp": "1704067200", "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
           "package": "prepay_id=wx201410272009395522657a690389285100", "signType": "RSA",
           "paySign": "oR9d8PuhnIc+YZ8cBHFCwfgpaK9gd7vaRvkYD7rthRAZ"})
}

fn precreate(changes: Value) -> Value {
    let mut v = json!({"merchantOrderNo": ORDER, "amount": 1000, "subject": "Coffee", "operator": "op1"});
    for (k, x) in changes.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

fn body_of(inp: Value) -> Value {
    let req = gateway()
        .request(Operation::Precreate, &input(inp.clone()), &ctx())
        .unwrap_or_else(|e| panic!("{inp}: {e}"));
    serde_json::from_str(&req.body).unwrap()
}

fn payer_for(channel: &str) -> &'static str {
    if channel == "ALIPAY" {
        ALIPAY_USER
    } else {
        OPENID
    }
}

#[test]
fn every_offered_kind_and_wallet_is_sent_as_the_documented_payway_and_sub_payway() {
    // (kind, channel, payway, sub_payway): payway.md and precreate.md.
    let cases = [
        ("QR", "ALIPAY", "2", "2"),
        ("QR", "WECHAT", "3", "2"),
        ("QR", "UNIONPAY", "17", "2"),
        ("JSAPI", "ALIPAY", "2", "3"),
        ("JSAPI", "WECHAT", "3", "3"),
        ("MINI_PROGRAM", "ALIPAY", "2", "4"),
        ("MINI_PROGRAM", "WECHAT", "3", "4"),
    ];
    for (kind, channel, payway, sub) in cases {
        let in_wallet = kind != "QR";
        let mut inp = precreate(json!({"kind": kind, "channel": channel}));
        if in_wallet {
            inp["payerId"] = json!(payer_for(channel));
        }
        let b = body_of(inp);
        // kind is given, so sub_payway is sent (QR's too).
        assert_eq!((b["payway"].as_str(), b["sub_payway"].as_str()), (Some(payway), Some(sub)), "{kind} {channel}");
        let payer = b.get("payer_uid").and_then(Value::as_str);
        assert_eq!(payer, in_wallet.then(|| payer_for(channel)), "{kind} {channel}");
    }
    // kind defaults to QR, the gateway's default too: no kind asked for, no sub_payway sent.
    let b = body_of(precreate(json!({"channel": "WECHAT"})));
    assert_eq!((b["payway"].as_str(), b.get("sub_payway")), (Some("3"), None));
    let b = body_of(precreate(json!({"channel": "WECHAT", "subPayway": "2"})));
    assert_eq!(b["sub_payway"].as_str(), Some("2"));
}

#[test]
fn the_numeric_payway_and_sub_payway_stay_accepted() {
    // (input, payway sent, sub_payway sent): the bytes such a request always had.
    let cases = [
        (json!({"payway": "3"}), "3", None),
        (json!({"payway": "1"}), "1", None), // the older Alipay value is sent as given
        (json!({"payway": "2", "subPayway": "2"}), "2", Some("2")),
        (json!({"payway": "3", "subPayway": "3", "payerId": OPENID}), "3", Some("3")),
        (json!({"payway": "3", "subPayway": "4", "payerId": OPENID}), "3", Some("4")),
        (json!({"payway": "17"}), "17", None),
        // Both vocabularies, agreeing.
        (json!({"payway": "3", "channel": "WECHAT", "kind": "JSAPI", "subPayway": "3", "payerId": OPENID}), "3", Some("3")),
        (json!({"payway": "1", "channel": "ALIPAY"}), "1", None),
        (json!({"channel": "ALIPAY", "subPayway": "4", "payerId": ALIPAY_USER}), "2", Some("4")),
    ];
    for (changes, payway, sub) in cases {
        let b = body_of(precreate(changes.clone()));
        assert_eq!((b["payway"].as_str(), b["sub_payway"].as_str()), (Some(payway), sub), "{changes}");
    }
}

#[test]
fn anything_not_offered_is_refused_before_sending() {
    // (input changes, field named)
    let cases = [
        (json!({"kind": "H5", "channel": "WECHAT"}), "kind"),
        (json!({"kind": "H5", "channel": "ALIPAY"}), "kind"),
        (json!({"kind": "WAP", "channel": "ALIPAY"}), "kind"),
        (json!({"kind": "H5", "channel": "UNIONPAY"}), "kind"),
        (json!({"kind": "JSAPI", "channel": "UNIONPAY", "payerId": OPENID}), "channel"),
        (json!({"kind": "MINI_PROGRAM", "channel": "UNIONPAY", "payerId": OPENID}), "channel"),
        (json!({"kind": "APP", "channel": "WECHAT"}), "kind"),
        (json!({"channel": "JDPAY"}), "channel"),
        (json!({}), "channel"), // payway is required: no aggregated code any wallet scans
        (json!({"kind": "JSAPI", "payerId": OPENID}), "channel"),
        // The buyer: required inside the wallet, refused on a QR order.
        (json!({"kind": "JSAPI", "channel": "WECHAT"}), "payerId"),
        (json!({"kind": "MINI_PROGRAM", "channel": "ALIPAY"}), "payerId"),
        (json!({"payway": "3", "subPayway": "3"}), "payerId"),
        (json!({"channel": "WECHAT", "payerId": OPENID}), "payerId"),
        // The numeric values: only the documented ones, and never against the shared vocabulary.
        (json!({"payway": "5"}), "payway"),
        (json!({"payway": "6", "subPayway": "2"}), "payway"),
        (json!({"payway": "3", "subPayway": "6"}), "subPayway"),
        (json!({"payway": "3", "subPayway": "1"}), "subPayway"),
        (json!({"payway": "3", "channel": "ALIPAY"}), "payway"),
        (json!({"payway": "17", "channel": "WECHAT"}), "payway"),
        (json!({"channel": "WECHAT", "kind": "QR", "subPayway": "3", "payerId": OPENID}), "subPayway"),
        (json!({"channel": "WECHAT", "kind": "JSAPI", "subPayway": "4", "payerId": OPENID}), "subPayway"),
    ];
    for (changes, field) in cases {
        let e = build_err(Operation::Precreate, precreate(changes.clone()));
        assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidInput, Some(field)), "{changes}: {e}");
    }
    // What the provider offers is named.
    let e = build_err(Operation::Precreate, precreate(json!({"kind": "H5", "channel": "WECHAT"})));
    assert!(e.message.contains("QR, JSAPI, MINI_PROGRAM"), "{e}");
}

#[test]
fn sub_app_id_is_refused_shouqianba_has_no_field_for_it() {
    let client = crate::Client::new(
        &json!({"provider": "shouqianba", "credentials": {"terminalSn": SN, "terminalKey": KEY}}).to_string(),
    )
    .unwrap();
    let inp = precreate(json!({"kind": "MINI_PROGRAM", "channel": "WECHAT", "payerId": OPENID, "subAppId": "wx123"}));
    let e = client.build("precreate", &inp.to_string(), 0, String::new()).unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidInput, Some("subAppId")));
    // Without it the same order builds.
    let inp = precreate(json!({"kind": "MINI_PROGRAM", "channel": "WECHAT", "payerId": OPENID}));
    assert!(client.build("precreate", &inp.to_string(), 0, String::new()).is_ok());
}

// ---------------------------------------------------------------- pay parameters

fn created(changes: Value) -> Value {
    let mut d = order_data_with(
        "CREATED",
        json!({"status": "IN_PROG", "finish_time": null, "channel_finish_time": null, "settlement_amount": null,
               "payment_list": null, "payer_uid": null}),
    );
    for (k, v) in changes.as_object().unwrap() {
        d[k] = v.clone();
    }
    d
}

fn wallet_input(kind: &str, channel: &str) -> Value {
    precreate(json!({"kind": kind, "channel": channel, "payerId": payer_for(channel)}))
}

#[test]
fn wechat_wallet_orders_carry_exactly_the_six_keys() {
    for kind in ["JSAPI", "MINI_PROGRAM"] {
        let sub = if kind == "JSAPI" { "3" } else { "4" };
        // An object, or the same object as JSON text (precreate.md types it String(1024)).
        for request in [wechat_request(), json!(wechat_request().to_string())] {
            let d = created(json!({"payway": "3", "sub_payway": sub, "wap_pay_request": request}));
            let r = parse_with(Operation::Precreate, wallet_input(kind, "WECHAT"), biz_ok("PRECREATE_SUCCESS", d));
            assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::Poll), "{kind}: {r:?}");
            let o = r.order.unwrap();
            assert_eq!(o.pay_params, Some(wechat_request()), "{kind}");
            assert_eq!(o.qr_code, None);
            // The raw answer keeps what the gateway sent.
            assert!(r.raw.value()["biz_response"]["data"].get("wap_pay_request").is_some());
        }
    }
}

#[test]
fn shouqianba_fixture_passes_the_wechat_pay_params_conformance() {
    crate::providers::conformance::wechat_pay_params("shouqianba", &*fixture());
}

#[test]
fn a_wechat_key_missing_is_unknown_and_named_never_invented() {
    let mut request = wechat_request();
    request.as_object_mut().unwrap().remove("paySign");
    let d = created(json!({"payway": "3", "sub_payway": "3", "wap_pay_request": request}));
    let r = parse_with(Operation::Precreate, wallet_input("JSAPI", "WECHAT"), biz_ok("PRECREATE_SUCCESS", d));
    assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Poll), "{r:?}");
    assert_eq!(r.error.unwrap().field.as_deref(), Some("payParams.paySign"));
    // No wap_pay_request at all, or text that is not JSON: the first key is named.
    for request in [Value::Null, json!("not json")] {
        let d = created(json!({"payway": "3", "sub_payway": "3", "wap_pay_request": request}));
        let r = parse_with(Operation::Precreate, wallet_input("JSAPI", "WECHAT"), biz_ok("PRECREATE_SUCCESS", d));
        assert_eq!(r.outcome, Outcome::Unknown, "{r:?}");
        assert_eq!(r.error.unwrap().field.as_deref(), Some("payParams.appId"));
    }
}

#[test]
fn alipay_wallet_orders_carry_the_trade_number() {
    for kind in ["JSAPI", "MINI_PROGRAM"] {
        let sub = if kind == "JSAPI" { "3" } else { "4" };
        // tradeNO where wap_pay_request passes one…
        let d = created(json!({"payway": "2", "sub_payway": sub, "trade_no": "2026120122001400000000000001",
                               "wap_pay_request": {"tradeNO": "2026120122001400000000000001"}}));
        let r = parse_with(Operation::Precreate, wallet_input(kind, "ALIPAY"), biz_ok("PRECREATE_SUCCESS", d));
        assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::Poll), "{kind}: {r:?}");
        assert_eq!(r.order.unwrap().pay_params, Some(json!({"tradeNO": "2026120122001400000000000001"})));
        // …else trade_no, Alipay's own trade number (precreate.md: 支付通道交易凭证号).
        let d = created(json!({"payway": "2", "sub_payway": sub, "trade_no": "2026120122001400000000000002"}));
        let r = parse_with(Operation::Precreate, wallet_input(kind, "ALIPAY"), biz_ok("PRECREATE_SUCCESS", d));
        assert_eq!(r.order.unwrap().pay_params, Some(json!({"tradeNO": "2026120122001400000000000002"})));
        // Neither: UNKNOWN, naming the key.
        let d = created(json!({"payway": "2", "sub_payway": sub, "trade_no": ""}));
        let r = parse_with(Operation::Precreate, wallet_input(kind, "ALIPAY"), biz_ok("PRECREATE_SUCCESS", d));
        assert_eq!(r.outcome, Outcome::Unknown, "{r:?}");
        assert_eq!(r.error.unwrap().field.as_deref(), Some("payParams.tradeNO"));
    }
}

#[test]
fn qr_orders_have_no_pay_params_and_a_failed_precreate_reads_none() {
    for (channel, payway) in [("ALIPAY", "2"), ("WECHAT", "3"), ("UNIONPAY", "17")] {
        let d = created(json!({"qr_code": "https://qr.shouqianba.com/x", "payway": payway, "sub_payway": "2"}));
        let r = parse_with(Operation::Precreate, precreate(json!({"channel": channel})), biz_ok("PRECREATE_SUCCESS", d));
        assert_eq!(r.outcome, Outcome::Succeeded, "{channel}");
        let o = r.order.unwrap();
        assert_eq!(o.pay_params, None, "{channel}");
        assert_eq!(o.qr_code.as_deref(), Some("https://qr.shouqianba.com/x"));
    }
    let r = parse_with(
        Operation::Precreate,
        wallet_input("JSAPI", "WECHAT"),
        biz_fail("PRECREATE_FAIL", "TRADE_FAILED", None),
    );
    assert_eq!(r.outcome, Outcome::Failed);
    assert!(r.order.is_none_or(|o| o.pay_params.is_none()));
}

#[test]
fn without_the_input_the_answer_says_which_wallet_order_it_made() {
    let d = created(json!({"payway": "3", "sub_payway": "4", "wap_pay_request": wechat_request()}));
    let r = crate::providers::parse_checked(
        &mut gateway(),
        Operation::Precreate,
        &http(200, biz_ok("PRECREATE_SUCCESS", d)),
        None,
        &Ctx::default(),
    );
    assert_eq!(r.outcome, Outcome::Succeeded, "{r:?}");
    assert_eq!(r.order.unwrap().pay_params, Some(wechat_request()));
}

#[test]
fn a_query_keeps_wap_pay_request_in_raw_only() {
    let d = order_data_with("PAID", json!({"sub_payway": "3", "wap_pay_request": wechat_request()}));
    let r = parse(Operation::Query, 200, biz_ok("SUCCESS", d));
    assert_eq!(r.order.unwrap().pay_params, None);
}

// ---------------------------------------------------------------- payment_list

/// The documented success answer: WoSai/shouqianba-doc en/api/transaction/pay.md, "Response Example -
/// Success" (1.01 yuan, of which 1.00 a channel merchant discount), values copied as given.
fn documented_success() -> Vec<u8> {
    r#"{
       "result_code": "200",
       "biz_response": {
         "result_code": "PAY_SUCCESS",
         "data": {
           "sn": "7893259247405832",
           "client_sn": "w145206259311176",
           "client_tsn": "w145206259311176",
           "ctime": "1492506701411",
           "status": "SUCCESS",
           "payway": "3",
           "sub_payway": "1",
           "order_status": "PAID",
           "payer_login": "oyBevtwYm70JVPTFyGlvmKW3IO9U",
           "payer_uid": "oSTAxt7Rkjr7Jtk0vtf-cFWiHjcs",
           "trade_no": "4003262001201704187463804544",
           "total_amount": "101",
           "net_amount": "101",
           "finish_time": "1492506702864",
           "channel_finish_time": "1492506702000",
           "subject": "Apple iPhone 6s plus (A1699) 16G 玫瑰金色 移动联通电信4G手机",
           "store_id": "100ed809-af9a-11e5-9ec3-00163e00625b",
           "operator": "test",
           "payment_list": [
             {
               "type": "BANKCARD_DEBIT",
               "amount_total": "1"
             },
             {
               "type": "DISCOUNT_CHANNEL_MCH",
               "amount_total": "100"
             }
           ]
         }
       }
}"#
    .as_bytes()
    .to_vec()
}

#[test]
fn the_documented_discount_reads_as_paid_discount_and_net() {
    let inp = json!({"merchantOrderNo": "w145206259311176", "amount": 101, "authCode": "134567890123456789",
                     "subject": "Apple iPhone 6s plus", "operator": "test"});
    let r = parse_with(Operation::Pay, inp, documented_success());
    assert_eq!(r.outcome, Outcome::Succeeded, "{r:?}");
    let a = r.order.unwrap().amounts;
    assert_eq!(
        (a.total, a.paid, a.discount, a.net, a.refunded),
        (Some(101), Some(1), Some(100), Some(101), Some(0))
    );
}

#[test]
fn every_documented_payment_type_is_either_paid_or_discount() {
    let paid = [
        "CARD_PRE",
        "CARD_BALANCE",
        "BANKCARD_CREDIT",
        "BANKCARD_DEBIT",
        "WALLET_ALIPAY",
        "WALLET_ALIPAY_FINANCE",
        "WALLET_WEIXIN",
        "ALIPAY_HUABEI",
    ];
    let discount = [
        "HONGBAO_WOSAI",
        "HONGBAO_WOSAI_MCH",
        "DISCOUNT_WOSAI",
        "DISCOUNT_WOSAI_MCH",
        "DISCOUNT_CHANNEL",
        "DISCOUNT_CHANNEL_MCH",
        "DISCOUNT_CHANNEL_MCH_TOP_UP",
        "HONGBAO_CHANNEL",
        "HONGBAO_CHANNEL_MCH",
        "HONGBAO_CHANNEL_MCH_TOP_UP",
    ];
    for t in paid {
        let list = json!([{"type": t, "amount_total": "700"}, {"type": "HONGBAO_WOSAI", "amount_total": "300"}]);
        let d = order_data_with("PAID", json!({"payment_list": list}));
        let a = parse(Operation::Query, 200, biz_ok("SUCCESS", d)).order.unwrap().amounts;
        assert_eq!((a.paid, a.discount), (Some(700), Some(300)), "{t}");
    }
    for t in discount {
        let list = json!([{"type": "WALLET_WEIXIN", "amount_total": "700"}, {"type": t, "amount_total": "300"}]);
        let d = order_data_with("PARTIAL_REFUNDED", json!({"payment_list": list, "net_amount": "400"}));
        let a = parse(Operation::Query, 200, biz_ok("SUCCESS", d)).order.unwrap().amounts;
        assert_eq!((a.paid, a.discount, a.net, a.refunded), (Some(700), Some(300), Some(400), Some(600)), "{t}");
    }
}

#[test]
fn a_split_that_cannot_be_read_is_left_unsaid_never_guessed() {
    let lists = [
        json!([{"type": "WALLET_WEIXIN", "amount_total": "700"}, {"type": "AGGPAY_UNDOCUMENTED", "amount_total": "300"}]),
        json!([{"type": "WALLET_WEIXIN", "amount_total": "700"}, {"type": "ALIPAY_POINT", "amount_total": "300"}]),
        json!([{"type": "WALLET_WEIXIN", "amount_total": "7.00"}]),
        json!([{"type": "WALLET_WEIXIN"}]),
        json!([{"amount_total": "1000"}]),
        json!([{"type": "WALLET_WEIXIN", "amount_total": 1000}]),
        json!({"type": "WALLET_WEIXIN", "amount_total": "1000"}),
        json!("WALLET_WEIXIN"),
        // Does not add up to the total.
        json!([{"type": "WALLET_WEIXIN", "amount_total": "700"}]),
        json!([{"type": "WALLET_WEIXIN", "amount_total": "1000"}, {"type": "HONGBAO_WOSAI", "amount_total": "1"}]),
    ];
    for list in lists {
        let d = order_data_with("PAID", json!({"payment_list": list.clone()}));
        let r = parse(Operation::Query, 200, biz_ok("SUCCESS", d));
        assert_eq!(r.outcome, Outcome::Succeeded, "{list}");
        let a = r.order.unwrap().amounts;
        // What the gateway states directly stays; the split is not said.
        assert_eq!((a.total, a.net, a.refunded), (Some(1000), Some(1000), Some(0)), "{list}");
        assert_eq!((a.paid, a.discount), (None, None), "{list}");
    }
    // No list: no discount said, the buyer paid the total (as before).
    let d = order_data_with("PAID", json!({"payment_list": null}));
    let a = parse(Operation::Query, 200, biz_ok("SUCCESS", d)).order.unwrap().amounts;
    assert_eq!((a.paid, a.discount), (Some(1000), None));
    // A pending order: nothing paid, whatever a list says.
    let d = order_data_with("CREATED", json!({"payment_list": [{"type": "HONGBAO_WOSAI", "amount_total": "1000"}]}));
    let a = parse(Operation::Query, 200, biz_ok("SUCCESS", d)).order.unwrap().amounts;
    assert_eq!((a.paid, a.discount), (Some(0), None));
}

// ---------------------------------------------------------------- from the attacker review

/// A precreate answer that names no order (no client_sn, no sn) hands out no pay parameters.
#[test]
fn pay_params_of_an_unnamed_order_are_not_handed_out() {
    let mut d = created(json!({"payway": "3", "sub_payway": "3", "wap_pay_request": wechat_request()}));
    let m = d.as_object_mut().expect("object");
    m.remove("client_sn");
    m.remove("sn");
    let r = parse_with(Operation::Precreate, wallet_input("JSAPI", "WECHAT"), biz_ok("PRECREATE_SUCCESS", d));
    assert_eq!(r.outcome, Outcome::Unknown, "{r:?}");
}

/// An answer that says it made another wallet or kind than asked (an Alipay QR for a WeChat JSAPI order), or an
/// order no longer waiting for its buyer, is UNKNOWN: its pay parameters are not the order asked for.
#[test]
fn a_created_order_must_be_the_kind_wallet_and_state_asked() {
    let other = created(json!({"payway": "2", "sub_payway": "2", "wap_pay_request": wechat_request()}));
    let r = parse_with(Operation::Precreate, wallet_input("JSAPI", "WECHAT"), biz_ok("PRECREATE_SUCCESS", other));
    assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Poll), "{r:?}");
    for st in ["PAID", "CANCELED", "PAY_CANCELED"] {
        let d = created(json!({"order_status": st, "payway": "3", "sub_payway": "3", "wap_pay_request": wechat_request()}));
        let r = parse_with(Operation::Precreate, wallet_input("JSAPI", "WECHAT"), biz_ok("PRECREATE_SUCCESS", d));
        assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Poll), "{st}: {r:?}");
    }
    // A QR order's answer without its code has nothing to show the buyer.
    let d = created(json!({"payway": "3", "sub_payway": "2"}));
    let r = parse_with(Operation::Precreate, precreate(json!({"channel": "WECHAT"})), biz_ok("PRECREATE_SUCCESS", d));
    assert_eq!(r.outcome, Outcome::Unknown, "{r:?}");
}

/// `extra` cannot carry the fields the kind table owns: it would send another kind of order than the one read back.
#[test]
fn extra_cannot_change_the_kind_of_order() {
    for key in ["sub_payway", "payer_uid"] {
        let e = build_err(Operation::Precreate, precreate(json!({"channel": "WECHAT", "extra": {key: "3"}})));
        assert_eq!(e.field.as_deref(), Some(format!("extra.{key}").as_str()));
    }
}

/// An answer saying it made a kind the table does not list (sub_payway 6, H5) for a WeChat JSAPI ask is UNKNOWN.
#[test]
fn an_unlisted_sub_payway_in_the_answer_is_not_the_kind_asked() {
    let d = created(json!({"payway": "3", "sub_payway": "6", "wap_pay_request": wechat_request()}));
    let r = parse_with(Operation::Precreate, wallet_input("JSAPI", "WECHAT"), biz_ok("PRECREATE_SUCCESS", d));
    assert_eq!(r.outcome, Outcome::Unknown, "{r:?}");
}
