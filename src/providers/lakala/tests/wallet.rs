//! Wallet orders (issue 11): kind × wallet → account_type, trans_type and acc_busi_fields, as Lakala's
//! official SDKs define them (lkl-java-sdk V3LabsTransPreorderRequest and V3LabsTradePreorder*Bus), and the
//! answer's acc_resp_fields → payParams. The expectations below are written from those sources, not
//! read from the library's table.

use super::*;
use crate::providers::wallet::WECHAT_KEYS;

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const SUB_APPID: &str = "wx8888888888888888";

/// A precreate input with `extra` merged in (a null removes the key).
fn order_input(extra: Value) -> Value {
    let mut v = json!({"merchantOrderNo": ORDER, "amount": 123, "clientIp": "10.0.0.1", "subject": "Latte"});
    for (k, x) in extra.as_object().unwrap() {
        if x.is_null() {
            v.as_object_mut().unwrap().remove(k);
        } else {
            v[k] = x.clone();
        }
    }
    v
}

fn req_data(v: Value) -> Result<Value> {
    let p = gateway().build(Operation::Precreate, &input(v), &ctx())?;
    let body: Value = serde_json::from_str(&p.request.body).unwrap();
    Ok(body["req_data"].clone())
}

/// Every order Lakala makes: (input, account_type, trans_type, acc_busi_fields).
fn supported() -> Vec<(&'static str, Value, &'static str, &'static str, Option<Value>)> {
    vec![
        // 41 NATIVE: ALIPAY and 云闪付; no buyer fields ("41-NATIVE情况下不需要传").
        ("QR ALIPAY", json!({"channel": "ALIPAY"}), "ALIPAY", "41", None),
        ("QR ALIPAY (kind given)", json!({"kind": "QR", "channel": "ALIPAY"}), "ALIPAY", "41", None),
        ("QR UNIONPAY", json!({"kind": "QR", "channel": "UNIONPAY"}), "UQRCODEPAY", "41", None),
        // 51 JSAPI: WeChat needs sub_appid and user_id (sub_openid).
        (
            "JSAPI WECHAT",
            json!({"kind": "JSAPI", "channel": "WECHAT", "payerId": OPENID, "subAppId": SUB_APPID}),
            "WECHAT",
            "51",
            Some(json!({"user_id": OPENID, "sub_appid": SUB_APPID})),
        ),
        // 51 支付宝服务窗: user_id (buyer_user_id) required.
        (
            "JSAPI ALIPAY",
            json!({"kind": "JSAPI", "channel": "ALIPAY", "payerId": "2088102146225135"}),
            "ALIPAY",
            "51",
            Some(json!({"user_id": "2088102146225135"})),
        ),
        // 51 银联JS: user_id sent when known, not required (UnionPay's user-auth may answer 34).
        (
            "JSAPI UNIONPAY with the userId",
            json!({"kind": "JSAPI", "channel": "UNIONPAY", "payerId": "up-user-1"}),
            "UQRCODEPAY",
            "51",
            Some(json!({"user_id": "up-user-1"})),
        ),
        (
            "JSAPI UNIONPAY without a userId",
            json!({"kind": "JSAPI", "channel": "UNIONPAY"}),
            "UQRCODEPAY",
            "51",
            None,
        ),
        // 71 微信小程序支付 (not 51): sub_appid is the mini-program.
        (
            "MINI_PROGRAM WECHAT",
            json!({"kind": "MINI_PROGRAM", "channel": "WECHAT", "payerId": OPENID, "subAppId": SUB_APPID}),
            "WECHAT",
            "71",
            Some(json!({"user_id": OPENID, "sub_appid": SUB_APPID})),
        ),
    ]
}

#[test]
fn every_supported_kind_and_wallet_is_sent_as_the_sdk_sends_it() {
    for (what, extra, account_type, trans_type, busi) in supported() {
        let d = req_data(order_input(extra)).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(d["account_type"], account_type, "{what}");
        assert_eq!(d["trans_type"], trans_type, "{what}");
        assert_eq!(d.get("acc_busi_fields").cloned(), busi, "{what}");
        assert_eq!(d["total_amount"], "123", "{what}");
    }
}

#[test]
fn only_wechat_orders_need_a_subject() {
    for channel in ["ALIPAY", "UNIONPAY"] {
        let d = req_data(order_input(json!({"channel": channel, "subject": null}))).expect(channel);
        assert!(d.get("subject").is_none(), "{channel}");
    }
}

#[test]
fn every_refused_combination_names_the_field_and_what_lakala_takes() {
    let w = |kind: &str, channel: &str| json!({"kind": kind, "channel": channel, "payerId": OPENID, "subAppId": SUB_APPID});
    let cases: Vec<(&str, Value, &str, &[&str])> = vec![
        // WeChat has no NATIVE on Lakala ("41:NATIVE（ALIPAY，云闪付支持）").
        ("QR WECHAT", json!({"channel": "WECHAT"}), "channel", &["WECHAT", "ALIPAY, UNIONPAY"]),
        ("QR without a wallet", json!({}), "channel", &["required", "ALIPAY, UNIONPAY"]),
        ("QR with an unknown wallet", json!({"channel": "PAYPAL"}), "channel", &["PAYPAL"]),
        // 71 is WeChat's only.
        ("MINI_PROGRAM ALIPAY", w("MINI_PROGRAM", "ALIPAY"), "channel", &["ALIPAY", "WECHAT"]),
        ("MINI_PROGRAM UNIONPAY", w("MINI_PROGRAM", "UNIONPAY"), "channel", &["UNIONPAY", "WECHAT"]),
        ("JSAPI without a wallet", json!({"kind": "JSAPI", "payerId": OPENID}), "channel", &["required"]),
        // No H5 trans_type in the SDKs' list.
        ("H5 ALIPAY", json!({"kind": "H5", "channel": "ALIPAY"}), "kind", &["H5", "QR, JSAPI, MINI_PROGRAM"]),
        ("H5 WECHAT", json!({"kind": "H5", "channel": "WECHAT"}), "kind", &["H5"]),
        ("H5 UNIONPAY", json!({"kind": "H5", "channel": "UNIONPAY"}), "kind", &["H5"]),
        ("WAP (= H5)", json!({"kind": "WAP", "channel": "ALIPAY"}), "kind", &["H5"]),
        ("an unknown kind", json!({"kind": "APP", "channel": "WECHAT"}), "kind", &["APP"]),
        // The buyer fields, per row.
        (
            "JSAPI WECHAT without the openid",
            json!({"kind": "JSAPI", "channel": "WECHAT", "subAppId": SUB_APPID}),
            "payerId",
            &["required", "WECHAT JSAPI", "user_id"],
        ),
        (
            "JSAPI WECHAT without the sub appid",
            json!({"kind": "JSAPI", "channel": "WECHAT", "payerId": OPENID}),
            "subAppId",
            &["required", "WECHAT JSAPI", "sub_appid"],
        ),
        (
            "MINI_PROGRAM WECHAT without the sub appid",
            json!({"kind": "MINI_PROGRAM", "channel": "WECHAT", "payerId": OPENID}),
            "subAppId",
            &["required", "WECHAT MINI_PROGRAM", "sub_appid"],
        ),
        (
            "MINI_PROGRAM WECHAT without the openid",
            json!({"kind": "MINI_PROGRAM", "channel": "WECHAT", "subAppId": SUB_APPID}),
            "payerId",
            &["required", "user_id"],
        ),
        (
            "JSAPI ALIPAY without the buyer id",
            json!({"kind": "JSAPI", "channel": "ALIPAY"}),
            "payerId",
            &["required", "ALIPAY JSAPI"],
        ),
        (
            "JSAPI ALIPAY with a sub appid",
            json!({"kind": "JSAPI", "channel": "ALIPAY", "payerId": "2088", "subAppId": SUB_APPID}),
            "subAppId",
            &["WECHAT JSAPI, WECHAT MINI_PROGRAM"],
        ),
        (
            "JSAPI UNIONPAY with a sub appid",
            json!({"kind": "JSAPI", "channel": "UNIONPAY", "subAppId": SUB_APPID}),
            "subAppId",
            &["WECHAT JSAPI"],
        ),
        (
            "QR ALIPAY with a buyer id",
            json!({"channel": "ALIPAY", "payerId": "2088"}),
            "payerId",
            &["ALIPAY QR", "JSAPI"],
        ),
        ("QR UNIONPAY with a sub appid", json!({"channel": "UNIONPAY", "subAppId": SUB_APPID}), "subAppId", &["QR"]),
        // PHP SDK TransPreorderRequest: "微信支付必需上送订单标题字段[subject]".
        (
            "a WeChat order without a subject",
            json!({"kind": "MINI_PROGRAM", "channel": "WECHAT", "payerId": OPENID, "subAppId": SUB_APPID, "subject": null}),
            "subject",
            &["WECHAT"],
        ),
        (
            "a sub appid longer than String(32)",
            json!({"kind": "JSAPI", "channel": "WECHAT", "payerId": OPENID, "subAppId": "w".repeat(33)}),
            "subAppId",
            &[],
        ),
        (
            "an openid longer than String(128)",
            json!({"kind": "JSAPI", "channel": "WECHAT", "payerId": "o".repeat(129), "subAppId": SUB_APPID}),
            "payerId",
            &[],
        ),
    ];
    for (what, extra, field, words) in cases {
        let e = req_data(order_input(extra)).expect_err(what);
        assert_input_error(&e, field, what);
        for word in words {
            assert!(e.message.contains(word), "{what}: {word:?} not in {:?}", e.message);
        }
    }
}

/// Lakala's WeChat acc_resp_fields (doc 110, 微信 51/71), with `drop` (one of `WECHAT_KEYS`) left out.
fn wechat_fields(drop: Option<&str>) -> Value {
    let mut f = json!({
        "prepay_id": "wx07173330123456789abcdef0123456789",
        "app_id": SUB_APPID,
        "time_stamp": "1631007210",
        "nonce_str": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        "package": "prepay_id=wx07173330123456789abcdef0123456789",
        "sign_type": "RSA",
        "pay_sign": "oR9d8PuhnIc+YZ8cBHFCwfgpaK9gd7vaRvkYD7rthRAZ/X+QBhcCYL21N7cHCTUxbQ+EAt6Uy+lwSN22f5YZvI45MLko8Pfso0jm46v5hqcVwrk6uddkGuT+Cdvu4WBqDzaDjnNa5UK3GfE1Wfl2gHxIIY5lLdUgWFts17D4WuolLLkiFZV+JSHMvH7eaLdT9N5GBovBwu5yYKUR7skR8Fu+LozcSqQixnlEZUfyE55feLOQTUYzLmR9pNtPbPsu6WVhbNHMS3Ss2+AehHvz+n64GDmXxbX++IOBvm2olHu3PsOUGRwhudhVf7UcGcunXt8cqNjKNqZLhLw4jq/xDg==",
        "sub_mch_id": "822324396",
    });
    let names = ["app_id", "time_stamp", "nonce_str", "package", "sign_type", "pay_sign"];
    if let Some(i) = drop.and_then(|k| WECHAT_KEYS.iter().position(|w| *w == k)) {
        f.as_object_mut().unwrap().remove(names[i]);
    }
    f
}

/// A signed preorder answer as Lakala sends it (PHP SDK TransPreorderResponse fields).
fn preorder_answer(merchant_order_no: &str, trade_no: &str, fields: Value) -> HttpResponse {
    let d = json!({"merchant_no": "82229007392000A", "out_trade_no": merchant_order_no, "trade_no": trade_no,
                   "log_no": "66210003630077", "settle_merchant_no": "82229007392000A", "settle_term_no": "D9296400",
                   "acc_resp_fields": fields});
    signed(&envelope("BBS00000", Some(d)))
}

/// The conformance fixture's WeChat order: a mini-program order, as the SDK's own example makes one.
pub(super) fn wechat_order(
    o: &crate::providers::conformance::OrderRef,
    drop: Option<&str>,
) -> (Value, HttpResponse) {
    let input = json!({"merchantOrderNo": o.merchant_order_no, "amount": o.amount, "clientIp": "10.0.0.1", "subject": "Latte",
                       "kind": "MINI_PROGRAM", "channel": "WECHAT", "payerId": OPENID, "subAppId": SUB_APPID});
    (
        input,
        preorder_answer(&o.merchant_order_no, &o.provider_order_no, wechat_fields(drop)),
    )
}

fn read(extra: Value, fields: Value) -> OperationResult {
    checked_with(
        Operation::Precreate,
        &preorder_answer(ORDER, TRADE_NO, fields),
        &input(order_input(extra)),
    )
}

#[test]
fn the_wechat_fixture_passes_the_cross_provider_case() {
    crate::providers::conformance::wechat_pay_params("lakala", &*fixture());
}

#[test]
fn wechat_jsapi_and_mini_program_answers_are_the_six_keys() {
    let want = json!({
        "appId": SUB_APPID, "timeStamp": "1631007210", "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        "package": "prepay_id=wx07173330123456789abcdef0123456789", "signType": "RSA",
        "paySign": wechat_fields(None)["pay_sign"],
    });
    for kind in ["JSAPI", "MINI_PROGRAM"] {
        let r = read(
            json!({"kind": kind, "channel": "WECHAT", "payerId": OPENID, "subAppId": SUB_APPID}),
            wechat_fields(None),
        );
        assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::Poll), "{kind}: {r:?}");
        let o = r.order.as_ref().unwrap();
        assert_eq!((o.state, o.is_final), (OrderState::Pending, false), "{kind}");
        assert_eq!(o.pay_params.as_ref(), Some(&want), "{kind}: sub_mch_id and prepay_id are not pay params");
        assert!(o.qr_code.is_none(), "{kind}");
        assert_eq!(o.provider_order_no.as_deref(), Some(TRADE_NO), "{kind}");
    }
    // A number where Lakala sends text is made the string the wallet needs.
    let mut f = wechat_fields(None);
    f["time_stamp"] = json!(1631007210);
    let r = read(
        json!({"kind": "JSAPI", "channel": "WECHAT", "payerId": OPENID, "subAppId": SUB_APPID}),
        f,
    );
    assert_eq!(r.order.unwrap().pay_params.unwrap()["timeStamp"], "1631007210");
}

#[test]
fn a_wechat_answer_missing_a_key_is_unknown_and_names_it() {
    for key in WECHAT_KEYS {
        let r = read(
            json!({"kind": "MINI_PROGRAM", "channel": "WECHAT", "payerId": OPENID, "subAppId": SUB_APPID}),
            wechat_fields(Some(key)),
        );
        assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Poll), "{key}: {r:?}");
        let e = r.error.as_ref().unwrap();
        assert_eq!(e.field.as_deref(), Some(format!("payParams.{key}").as_str()));
        let p = r.order.as_ref().unwrap().pay_params.as_ref().unwrap();
        assert!(p.get(key).is_none(), "{key} invented");
        assert_eq!(p.as_object().unwrap().len(), 5, "{key}");
    }
    // No acc_resp_fields at all: the page cannot pay, the order is polled.
    let r = read(
        json!({"kind": "JSAPI", "channel": "WECHAT", "payerId": OPENID, "subAppId": SUB_APPID}),
        Value::Null,
    );
    assert_eq!(r.outcome, Outcome::Unknown, "{r:?}");
    assert_eq!(r.error.unwrap().field.as_deref(), Some("payParams.appId"));
}

#[test]
fn alipay_jsapi_answers_the_trade_no() {
    // AlipayJsapiRespFields.prepay_id: the Alipay trade_no my.tradePay / tradePay JSAPI takes.
    let extra = json!({"kind": "JSAPI", "channel": "ALIPAY", "payerId": "2088102146225135"});
    let r = read(extra.clone(), json!({"prepay_id": "2021090722001425131411001234"}));
    assert_eq!(r.outcome, Outcome::Succeeded, "{r:?}");
    assert_eq!(
        r.order.unwrap().pay_params,
        Some(json!({"tradeNO": "2021090722001425131411001234"}))
    );
    let r = read(extra, json!({"sub_mch_id": "2088"}));
    assert_eq!(r.outcome, Outcome::Unknown, "{r:?}");
    assert_eq!(r.error.unwrap().field.as_deref(), Some("payParams.tradeNO"));
}

#[test]
fn unionpay_jsapi_answers_a_redirect() {
    let extra = json!({"kind": "JSAPI", "channel": "UNIONPAY", "payerId": "up-user-1"});
    let url = "https://qr.95516.com/qrcGtwWeb-web/api/userAuth?version=1.0.0&redirectUrl=x";
    let r = read(extra.clone(), json!({"redirect_url": url}));
    assert_eq!(r.outcome, Outcome::Succeeded, "{r:?}");
    assert_eq!(r.order.unwrap().pay_params, Some(json!({"url": url})));
    let r = read(extra, json!({}));
    assert_eq!(r.outcome, Outcome::Unknown, "{r:?}");
    assert_eq!(r.error.unwrap().field.as_deref(), Some("payParams.url"));
}

#[test]
fn qr_answers_a_code_and_no_pay_params() {
    for channel in ["ALIPAY", "UNIONPAY"] {
        let code = "https://qr.95516.com/00010000/01234567890123456789";
        let r = read(json!({"channel": channel}), json!({"code": code, "code_image": ""}));
        assert_eq!(r.outcome, Outcome::Succeeded, "{channel}: {r:?}");
        let o = r.order.unwrap();
        assert_eq!(o.qr_code.as_deref(), Some(code), "{channel}");
        assert!(o.pay_params.is_none(), "{channel}");
    }
}

#[test]
fn an_order_still_in_progress_is_not_blamed_for_missing_pay_params() {
    // BBS10000 makes no claim the order is ready to pay: the order is polled, no payParams are read.
    let d = json!({"merchant_no": "82229007392000A", "out_trade_no": ORDER, "trade_no": TRADE_NO});
    let r = checked_with(
        Operation::Precreate,
        &signed(&envelope("BBS10000", Some(d))),
        &input(order_input(
            json!({"kind": "JSAPI", "channel": "WECHAT", "payerId": OPENID, "subAppId": SUB_APPID}),
        )),
    );
    assert_eq!(r.outcome, Outcome::InProgress, "{r:?}");
    assert!(r.order.unwrap().pay_params.is_none());
}
