//! Wallet orders (issue 11): the `OFFERS` table as sent (payChannel, payProduct, ownerAppBuyerId, ownerAppId,
//! quitUrl), what is refused before sending, and `TradePayDto.sign` read into the shared pay-parameter shapes.

use super::*;
use crate::providers::wallet::WECHAT_KEYS;

/// A WeChat openid (the shape WeChat gives one).
pub(super) const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const ALIPAY_USER: &str = "2088102177846880";
const ALIPAY_TRADE_NO: &str = "2021120322001492615754265829";

/// wx.requestPayment's six parameters as the platform puts them in `sign` (a JSON object, WeChat's names).
pub(super) fn wechat_sign() -> Value {
    json!({"appId": "wx8888888888888888", "timeStamp": "1637800000", "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
           "package": "prepay_id=wx201410272009395522657a690389285100", "signType": "RSA",
           "paySign": "oR9d8PuhnIc+YZ8cBHFCwfgpaK9gd7vaRvkYD7rthRAZ/X+QBhcCYL21N7cHCTUxbQ+EAt6Uy+lwSN22f5YZvI45MLko8Pfso0jm46v5hqcVwrk6uddkGuT+Cdvu4WBqDzaDjnNa5UK3GfE1Wfl2gHxIIY5lLdUgWFts17D4WuolLLkiFZV+JSHMvH7eaLdT9N5GBovBwu5yYKUR7skR8Fu+LozcSqQixnlEZUfyE55feLOQTUYzLmR9pNtPbPsu6WVhbNHMS3Ss2+AehHvz+n64GDmXxbX++IOBvm2olHu3PsOUGRwhudhVf7UcGcunXt8cqNjKNqZLhLw4jq/xDg=="})
}

fn precreate(v: Value) -> Value {
    let mut o = valid_input(Operation::Precreate);
    for (k, x) in v.as_object().unwrap() {
        if x.is_null() {
            o.as_object_mut().unwrap().remove(k);
        } else {
            o[k] = x.clone();
        }
    }
    o
}

/// The business object the request carries (its Base64 `data`, decoded).
fn sent(v: Value) -> Result<Value> {
    let p = gateway().build(Operation::Precreate, &input(v), &ctx())?;
    let envelope: Value = serde_json::from_str(&p.request.body).unwrap();
    let data = crate::crypto::base64_decode(envelope["data"].as_str().unwrap()).unwrap();
    Ok(serde_json::from_slice(&data).unwrap())
}

#[test]
fn every_offered_kind_and_wallet_is_sent_as_the_trade_command_says() {
    // (kind, channel, payChannel, payProduct): the OFFERS rows.
    let rows = [
        (None, "ALIPAY", "ALI_PAY", "USER_QR"),
        (Some("QR"), "WECHAT", "WX_PAY", "USER_QR"),
        (Some("MINI_PROGRAM"), "ALIPAY", "ALI_PAY", "MINI_APP"),
        (Some("MINI_PROGRAM"), "WECHAT", "WX_PAY", "MINI_APP"),
        (Some("H5"), "ALIPAY", "ALI_PAY", "M_WEB"),
        (Some("WAP"), "WECHAT", "WX_PAY", "M_WEB"),
    ];
    for (kind, channel, pay_channel, pay_product) in rows {
        let mut v = json!({"channel": channel, "kind": kind});
        let buyer = if pay_channel == "WX_PAY" { OPENID } else { ALIPAY_USER };
        if kind == Some("MINI_PROGRAM") {
            v["payerId"] = json!(buyer);
        }
        if (kind, channel) == (Some("H5"), "ALIPAY") {
            v["returnUrl"] = json!("https://m.example/order/1");
        }
        let b = sent(precreate(v)).unwrap_or_else(|e| panic!("{kind:?} {channel}: {e}"));
        let what = format!("{kind:?} {channel}");
        assert_eq!((b["payChannel"].as_str(), b["payProduct"].as_str()), (Some(pay_channel), Some(pay_product)), "{what}");
        let expected_buyer = (kind == Some("MINI_PROGRAM")).then_some(buyer);
        assert_eq!(b["ownerAppBuyerId"].as_str(), expected_buyer, "{what}");
        assert_eq!(b["quitUrl"].as_str().is_some(), pay_product == "M_WEB" && pay_channel == "ALI_PAY", "{what}");
        assert!(b.get("ownerAppId").is_none(), "{what}");
        assert_eq!(b["osMerchantCode"], MERCHANT_CODE, "{what}");
    }
    // subAppId is the merchant's own mini-program (ownerAppId), next to its user's id.
    let b = sent(precreate(json!({"kind": "MINI_PROGRAM", "channel": "WECHAT", "payerId": OPENID,
                                  "subAppId": "wx8888888888888888"})))
    .unwrap();
    assert_eq!((b["ownerAppId"].as_str(), b["ownerAppBuyerId"].as_str()), (Some("wx8888888888888888"), Some(OPENID)));
}

#[test]
fn what_tingyihui_does_not_offer_is_refused_before_sending() {
    let cases = [
        // No JSAPI product in PayConstant.PayProduct.
        (json!({"kind": "JSAPI", "channel": "WECHAT", "payerId": OPENID}), "kind", "MINI_PROGRAM"),
        (json!({"kind": "JSAPI", "channel": "ALIPAY", "payerId": ALIPAY_USER}), "kind", "QR, MINI_PROGRAM, H5"),
        // No UnionPay in PayConstant.PayChannel, for any kind.
        (json!({"channel": "UNIONPAY"}), "channel", "ALIPAY, WECHAT"),
        (json!({"kind": "MINI_PROGRAM", "channel": "UNIONPAY", "payerId": "u"}), "channel", "ALIPAY, WECHAT"),
        (json!({"kind": "H5", "channel": "UNIONPAY"}), "channel", "ALIPAY, WECHAT"),
        // One trade, one payChannel: no aggregated code through this command.
        (json!({"channel": null}), "channel", "required"),
        (json!({"kind": "MINI_PROGRAM", "channel": null, "payerId": OPENID}), "channel", "required"),
        (json!({"kind": "jsapi"}), "kind", "QR, JSAPI, MINI_PROGRAM or H5"),
        // ownerAppBuyerId "小程序必传", and meaningless elsewhere.
        (json!({"kind": "MINI_PROGRAM", "channel": "WECHAT"}), "payerId", "required"),
        (json!({"kind": "MINI_PROGRAM", "channel": "ALIPAY"}), "payerId", "required"),
        (json!({"channel": "WECHAT", "payerId": OPENID}), "payerId", "no meaning"),
        (json!({"kind": "H5", "channel": "WECHAT", "payerId": OPENID}), "payerId", "no meaning"),
        // ownerAppId only with a mini-program buyer.
        (json!({"channel": "WECHAT", "subAppId": "wx8888888888888888"}), "subAppId", "MINI_PROGRAM"),
        (json!({"kind": "H5", "channel": "WECHAT", "subAppId": "wx8888888888888888"}), "subAppId", "MINI_PROGRAM"),
        // quitUrl: required for Alipay's phone-web payment, meaningless elsewhere.
        (json!({"kind": "H5", "channel": "ALIPAY"}), "returnUrl", "required"),
        (json!({"kind": "H5", "channel": "WECHAT", "returnUrl": "https://m.example/r"}), "returnUrl", "no meaning"),
        (json!({"channel": "ALIPAY", "returnUrl": "https://m.example/r"}), "returnUrl", "no meaning"),
    ];
    for (v, field, says) in cases {
        let e = sent(precreate(v.clone())).expect_err(&v.to_string());
        assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidInput, Some(field)), "{v}: {e}");
        assert!(e.message.contains(says), "{v}: {}", e.message);
    }
    // Through the client too: nothing is built.
    let client = crate::Client::new(&config().to_string()).unwrap();
    let v = precreate(json!({"kind": "JSAPI", "channel": "WECHAT", "payerId": OPENID}));
    let e = client.build("precreate", &v.to_string(), 1_637_800_000_000, "n".into()).unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidInput, Some("kind")));
    assert!(e.message.contains("Tingyihui"), "{}", e.message);
}

/// The precreate answer for an input: TradePayDto with `sign`.
fn answered(v: Value, sign: Option<&str>) -> OperationResult {
    let data = json!({"ownerTradeNo": ORDER, "osTradeNo": OS_TRADE_NO, "orderFee": 100,
                      "timestamp": 1_637_800_000_000i64, "sign": sign, "tempId": 1});
    crate::providers::parse_checked(&mut gateway(), Operation::Precreate, &http(200, ok(data)), Some(&input(v)), &ctx())
}

#[test]
fn wechat_mini_program_pay_params_are_the_six_keys_as_strings() {
    let v = precreate(json!({"kind": "MINI_PROGRAM", "channel": "WECHAT", "payerId": OPENID}));
    let sign = wechat_sign().to_string();
    let r = answered(v.clone(), Some(&sign));
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::Poll), "{r:?}");
    let o = r.order.unwrap();
    assert!(o.qr_code.is_none());
    assert_eq!(o.pay_params, Some(wechat_sign()), "exactly the six keys, as sent");
    // A number for timeStamp becomes its string (the wallet takes strings).
    let mut numeric = wechat_sign();
    numeric["timeStamp"] = json!(1637800000);
    let r = answered(v.clone(), Some(&numeric.to_string()));
    assert_eq!(r.order.unwrap().pay_params.unwrap()["timeStamp"], "1637800000");
    // A sign that is not the JSON object, or none: UNKNOWN (the trade exists: poll it), naming appId.
    for sign in [Some("not json"), Some("https://qr.example/x"), None, Some("[1]")] {
        let r = answered(v.clone(), sign);
        assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Poll), "{sign:?}");
        assert_eq!(r.error.unwrap().field.as_deref(), Some("payParams.appId"), "{sign:?}");
    }
    // Each key missing is reported, never invented.
    crate::providers::conformance::wechat_pay_params("tingyihui", &*fixture());
    assert!(WECHAT_KEYS.iter().all(|k| wechat_sign().get(k).is_some()));
}

#[test]
fn alipay_mini_program_and_h5_pay_params() {
    let mini = precreate(json!({"kind": "MINI_PROGRAM", "channel": "ALIPAY", "payerId": ALIPAY_USER}));
    let r = answered(mini.clone(), Some(ALIPAY_TRADE_NO));
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::Poll), "{r:?}");
    assert_eq!(r.order.unwrap().pay_params, Some(json!({"tradeNO": ALIPAY_TRADE_NO})));
    for sign in [None, Some(""), Some("https://qr.alipay.com/x"), Some(r#"{"tradeNO":"1"}"#)] {
        let r = answered(mini.clone(), sign);
        assert_eq!((r.outcome, r.error.unwrap().field.as_deref()), (Outcome::Unknown, Some("payParams.tradeNO")), "{sign:?}");
    }
    for (channel, extra) in [("ALIPAY", json!({"returnUrl": "https://m.example/r"})), ("WECHAT", json!({}))] {
        let mut v = precreate(json!({"kind": "H5", "channel": channel}));
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        let url = "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx2016&package=1037687096";
        let r = answered(v.clone(), Some(url));
        assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::Poll), "{channel}: {r:?}");
        let o = r.order.unwrap();
        assert_eq!((o.pay_params, o.qr_code), (Some(json!({"url": url})), None), "{channel}");
        let r = answered(v, Some("prepay_id=wx2016"));
        assert_eq!((r.outcome, r.error.unwrap().field.as_deref()), (Outcome::Unknown, Some("payParams.url")), "{channel}");
    }
    // A QR order keeps its code URL, and has no pay parameters.
    for code in ["weixin://wxpay/bizpayurl?pr=NwY5Mz9", "https://os.hfcsbc.com/pay/1"] {
        let r = answered(precreate(json!({"channel": "WECHAT"})), Some(code));
        let o = r.order.unwrap();
        assert_eq!((o.qr_code.as_deref(), o.pay_params), (Some(code), None));
    }
    let r = answered(precreate(json!({"channel": "WECHAT"})), Some("prepay_id=wx1"));
    let o = r.order.unwrap();
    assert_eq!((o.qr_code, o.pay_params), (None, None));
}

/// storeId → TradeCmd.osStoreCode "平台分配的门店编号": optional in the SDK's TradeCmd (osMerchantCode is the
/// @NotNull one), so sent when given and left out when not; the platform checks it is the merchant's store.
#[test]
fn store_id_is_the_trade_commands_os_store_code() {
    let b = sent(precreate(json!({"storeId": "3163757684139653"}))).unwrap();
    assert_eq!(b["osStoreCode"], "3163757684139653");
    let b = sent(precreate(json!({}))).unwrap();
    assert!(b.get("osStoreCode").is_none());
    let e = sent(precreate(json!({"storeId": "3".repeat(65)}))).unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidInput, Some("storeId")), "{e}");
}
