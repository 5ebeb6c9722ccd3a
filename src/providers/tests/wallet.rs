//! The shared wallet vocabulary: kinds, a gateway's offer table, the buyer rule and the pay-parameter shapes.

use crate::model::{Order, OrderState, Outcome};
use crate::providers::wallet::{self, OrderKind, PayParams};
use crate::providers::{Input, Reply};
use serde_json::json;

fn input(v: serde_json::Value) -> Input {
    Input::from_json(&v.to_string()).expect("input")
}

const OFFERS: &[(OrderKind, &str, u8)] = &[
    (OrderKind::Qr, "ANY", 0),
    (OrderKind::Qr, "WECHAT", 1),
    (OrderKind::Jsapi, "WECHAT", 2),
    (OrderKind::MiniProgram, "ALIPAY", 3),
];

#[test]
fn kinds_are_named_and_wap_is_h5() {
    assert_eq!(wallet::order_kind(&input(json!({}))).ok(), Some(OrderKind::Qr));
    assert_eq!(
        wallet::order_kind(&input(json!({"kind": "WAP"}))).ok(),
        Some(OrderKind::H5)
    );
    for k in OrderKind::ALL {
        assert_eq!(wallet::order_kind(&input(json!({"kind": k.name()}))).ok(), Some(k));
    }
    let e = wallet::order_kind(&input(json!({"kind": "jsapi"}))).expect_err("names are exact");
    assert_eq!(e.field.as_deref(), Some("kind"));
}

#[test]
fn the_table_decides_and_names_what_the_provider_offers() {
    let got = |v| wallet::offer(&input(v), OFFERS, "gw").map(|(k, c, x)| (k, c, x));
    assert_eq!(got(json!({})).ok(), Some((OrderKind::Qr, "ANY", 0)));
    assert_eq!(
        got(json!({"channel": "WECHAT"})).ok(),
        Some((OrderKind::Qr, "WECHAT", 1))
    );
    assert_eq!(
        got(json!({"kind": "JSAPI", "channel": "WECHAT"})).ok(),
        Some((OrderKind::Jsapi, "WECHAT", 2))
    );

    let e = got(json!({"kind": "H5", "channel": "WECHAT"})).expect_err("no H5 row");
    assert_eq!(e.field.as_deref(), Some("kind"));
    assert!(e.message.contains("QR, JSAPI, MINI_PROGRAM"), "{}", e.message);
    let e = got(json!({"kind": "JSAPI", "channel": "ALIPAY"})).expect_err("no Alipay JSAPI row");
    assert_eq!(e.field.as_deref(), Some("channel"));
    assert!(e.message.contains("takes WECHAT"), "{}", e.message);
    let e = got(json!({"kind": "JSAPI"})).expect_err("no aggregated JSAPI");
    assert_eq!(e.field.as_deref(), Some("channel"));
    assert!(e.message.contains("is required"), "{}", e.message);
}

#[test]
fn a_buyer_is_named_exactly_where_the_order_is_paid_in_the_wallet() {
    let jsapi = input(json!({"payerId": "oBuyer"}));
    assert_eq!(wallet::payer(&jsapi, OrderKind::Jsapi, 64).ok(), Some(Some("oBuyer")));
    let e = wallet::payer(&input(json!({})), OrderKind::MiniProgram, 64).expect_err("required");
    assert_eq!(e.field.as_deref(), Some("payerId"));
    let e = wallet::payer(&jsapi, OrderKind::Qr, 64).expect_err("never dropped");
    assert_eq!(e.field.as_deref(), Some("payerId"));
    // The old name still reaches the same field; both at once is ambiguous.
    let old = input(json!({"payerUid": "oOld"}));
    assert_eq!(old.payer_id.as_deref(), Some("oOld"));
    assert!(old.given.contains(&"payerId".to_string()));
    let both = Input::from_json(&json!({"payerUid": "a", "payerId": "b"}).to_string());
    assert_eq!(both.expect_err("ambiguous").field.as_deref(), Some("payerUid"));
}

#[test]
fn wechat_params_take_the_gateways_names_and_make_strings() {
    let from = json!({"appid": "wx1", "timestamp": 1700000000, "noncestr": "n", "pkg": "prepay_id=1",
                      "sign_type": "RSA", "sign": "s"});
    let p = wallet::wechat(&from, &["appid", "timestamp", "noncestr", "pkg", "sign_type", "sign"]);
    assert_eq!(p.missing, None);
    assert_eq!(
        serde_json::Value::Object(p.value),
        json!({"appId": "wx1", "timeStamp": "1700000000", "nonceStr": "n", "package": "prepay_id=1",
               "signType": "RSA", "paySign": "s"})
    );
    let p = wallet::wechat(
        &json!({"appid": "wx1", "sign": ""}),
        &["appid", "t", "n", "p", "s", "sign"],
    );
    assert_eq!(p.missing, Some("timeStamp"));
    assert_eq!(p.value.len(), 1, "empty and absent keys are not invented");
    assert_eq!(wallet::alipay(Some("2026")).value.get("tradeNO"), Some(&json!("2026")));
    assert_eq!(wallet::redirect(None).missing, Some("url"));
}

#[test]
fn incomplete_params_make_the_reply_unknown_naming_the_key() {
    let order = Order::named(OrderState::Pending, false, [Some("o"), None, None], None);
    let reply = Reply::new(Outcome::Succeeded).with_order(Some(order));
    let r = wallet::attach(reply, wallet::alipay(None));
    assert_eq!(r.outcome, Outcome::Unknown);
    assert_eq!(r.error.and_then(|e| e.field).as_deref(), Some("payParams.tradeNO"));
    let order = Order::named(OrderState::Pending, false, [Some("o"), None, None], None);
    let reply = Reply::new(Outcome::Succeeded).with_order(Some(order));
    let r = wallet::attach(
        reply,
        PayParams {
            value: Default::default(),
            missing: None,
        },
    );
    assert_eq!((r.outcome, r.error.is_none()), (Outcome::Succeeded, true));
}
