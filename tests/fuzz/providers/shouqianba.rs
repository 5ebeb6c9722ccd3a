//! Shouqianba: MD5-signed JSON answers (no signature the client checks), RSA-signed notifications under
//! the terminal's notify public key, activate / check-in that replace the terminal key, wapPayUrl.

use super::{Expect, FuzzProvider, NamedConfig, Notice, Notifier, Regression};
use crate::common::{MERCHANT_KEY, MERCHANT_PUBLIC_SPKI, SMALL_CERT};
use crate::gen::{mutate_bytes, mutated, to_bytes, NOW_MS};
use crate::harness::Rng;
use aggpay::crypto::{self, load_private_key};
use serde_json::{json, Value};
use std::rc::Rc;

pub struct Shouqianba;

const SN: &str = "100000330001";
const KEY: &str = "68d499beda5f72116592f5c527465656";

fn config() -> Value {
    json!({"provider": "shouqianba", "credentials": {"terminalSn": SN, "terminalKey": KEY}})
}

fn with_notify_key(key: &str) -> Value {
    let mut c = config();
    c["credentials"]["notifyPublicKey"] = json!(key);
    c
}

impl FuzzProvider for Shouqianba {
    fn name(&self) -> &'static str {
        "shouqianba"
    }

    fn clients(&self) -> Vec<NamedConfig> {
        vec![("shouqianba", config())]
    }

    fn config_templates(&self) -> Vec<Value> {
        let mut notify = with_notify_key(MERCHANT_PUBLIC_SPKI);
        notify["baseUrl"] = json!("https://vsi-api.shouqianba.com");
        notify["wapBaseUrl"] = json!("https://qr.shouqianba.com/gateway");
        vec![notify, config()]
    }

    fn bare_configs(&self) -> Vec<Value> {
        vec![json!({"provider": "shouqianba"})]
    }

    /// Realistic responses: successes, failures, in-progress, errors (seed examples and the unit tests).
    fn answers(&self) -> Vec<(&'static [&'static str], Value)> {
        vec![
            (
                &["pay"],
                json!({"result_code": "200", "biz_response": {"result_code": "PAY_SUCCESS", "data": {"sn": "7894259244096169",
                "client_sn": "N-1", "trade_no": "2024010122001400001", "status": "SUCCESS", "order_status": "PAID",
                "payway": "3", "sub_payway": "1", "total_amount": "980", "net_amount": "980", "finish_time": "1704067200123",
                "channel_finish_time": "1704067200000", "subject": "Coffee", "operator": "op1"}}}),
            ),
            (
                &["pay"],
                json!({"result_code": "200", "biz_response": {"result_code": "PAY_FAIL", "error_code": "INSUFFICIENT_FUND",
                "error_message": "余额不足", "data": {"sn": "7894259244096170", "client_sn": "N-1", "order_status": "PAY_CANCELED",
                "total_amount": "980", "net_amount": "0", "payway": "1"}}}),
            ),
            (
                &["pay"],
                json!({"result_code": "200", "biz_response": {"result_code": "PAY_IN_PROGRESS", "data": {"sn": "7894259244096171",
                "client_sn": "N-1", "order_status": "CREATED", "total_amount": "980", "payway": "2"}}}),
            ),
            (
                &["pay"],
                json!({"result_code": "200", "biz_response": {"result_code": "PAY_FAIL_ERROR", "error_code": "UNEXPECTED_PROVIDER_ERROR",
                "data": {"sn": "7894259244096172", "client_sn": "N-1", "order_status": "PAY_ERROR", "total_amount": "980"}}}),
            ),
            (
                &["query"],
                json!({"result_code": "200", "biz_response": {"result_code": "SUCCESS", "data": {"sn": "7894259244096169",
                "client_sn": "N-1", "status": "SUCCESS", "order_status": "PARTIAL_REFUNDED", "payway": "17",
                "total_amount": "1000", "net_amount": "700", "settlement_amount": "300", "finish_time": "1704067200123"}}}),
            ),
            (
                &["precreate"],
                json!({"result_code": "200", "biz_response": {"result_code": "PRECREATE_SUCCESS", "data": {"sn": "7894259244096173",
                "client_sn": "N-1", "order_status": "CREATED", "total_amount": "980", "qr_code": "https://qr.alipay.com/bax0",
                "wap_pay_request": {"appId": "wx1", "timeStamp": "1704067200", "package": "prepay_id=wx1", "signType": "RSA"}}}}),
            ),
            // A WeChat JSAPI order: wap_pay_request as JSON text (precreate.md types it String(1024)).
            (
                &["precreate"],
                json!({"result_code": "200", "biz_response": {"result_code": "PRECREATE_SUCCESS", "data": {"sn": "7894259244096174",
                "client_sn": "N-1", "order_status": "CREATED", "total_amount": "980", "payway": "3", "sub_payway": "3",
                "wap_pay_request": "{\"appId\":\"wx1\",\"timeStamp\":\"1704067200\",\"nonceStr\":\"n\",\"package\":\"prepay_id=wx1\",\"signType\":\"RSA\",\"paySign\":\"s\"}"}}}),
            ),
            // An Alipay mini-program order: tradeNO in wap_pay_request.
            (
                &["precreate"],
                json!({"result_code": "200", "biz_response": {"result_code": "PRECREATE_SUCCESS", "data": {"sn": "7894259244096175",
                "client_sn": "N-1", "order_status": "CREATED", "total_amount": "980", "payway": "2", "sub_payway": "4",
                "trade_no": "2026120122001400000000000001", "wap_pay_request": {"tradeNO": "2026120122001400000000000001"}}}}),
            ),
            // The documented discount (en/api/transaction/pay.md): 1.01 yuan, 1.00 of it a channel discount.
            (
                &["pay", "query"],
                json!({"result_code": "200", "biz_response": {"result_code": "PAY_SUCCESS", "data": {"sn": "7893259247405832",
                "client_sn": "N-1", "status": "SUCCESS", "order_status": "PAID", "payway": "3", "sub_payway": "1",
                "total_amount": "101", "net_amount": "101", "finish_time": "1492506702864",
                "payment_list": [{"type": "BANKCARD_DEBIT", "amount_total": "1"}, {"type": "DISCOUNT_CHANNEL_MCH", "amount_total": "100"}]}}}),
            ),
            (
                &["refund"],
                json!({"result_code": "200", "biz_response": {"result_code": "REFUND_SUCCESS", "data": {"sn": "7894259244096169",
                "client_sn": "N-1", "status": "SUCCESS", "order_status": "REFUNDED", "total_amount": "980", "net_amount": "0",
                "settlement_amount": "980"}}}),
            ),
            (
                &["cancel", "revoke"],
                json!({"result_code": "200", "biz_response": {"result_code": "CANCEL_SUCCESS", "data": {"sn": "7894259244096169",
                "client_sn": "N-1", "order_status": "CANCELED", "total_amount": "980"}}}),
            ),
            (
                &["activate", "checkin"],
                json!({"result_code": "200", "biz_response": {"terminal_sn": "100000330002", "terminal_key": "0a1b2c3d4e5f"}}),
            ),
            (
                &["activate", "checkin"],
                json!({"result_code": "200", "biz_response": {"result_code": "FAIL", "error_code": "ILLEGAL_SIGN", "error_message": "签名错误"}}),
            ),
            (
                &["*"],
                json!({"result_code": "400", "error_code": "INVALID_PARAMS", "error_message": "参数错误"}),
            ),
            (
                &["*"],
                json!({"result_code": "500", "error_code": "MAINTENANCE_INPROGRESS", "error_message": "系统维护中"}),
            ),
        ]
    }

    /// Activate / check-in replace the terminal key.
    fn parse_changes_client(&self) -> bool {
        true
    }

    fn notification_bodies(&self) -> Vec<Value> {
        vec![
            json!({"terminal_sn": SN, "sn": "7895259244996965", "client_sn": "N-20240101-0001", "trade_no": "2024010122001400001", "status": "SUCCESS",
                   "order_status": "PAID", "payway": "2", "sub_payway": "1", "total_amount": "980", "net_amount": "980",
                   "finish_time": "1704067200123", "channel_finish_time": "1704067200000", "subject": "Coffee", "operator": "op1"}),
            json!({"terminal_sn": SN, "sn": "7895259244996966", "client_sn": "N-2", "order_status": "REFUNDED", "payway": "3", "total_amount": "500",
                   "net_amount": "0", "status": "SUCCESS"}),
            json!({"terminal_sn": SN, "sn": "1", "client_sn": "c", "order_status": "PARTIAL_REFUNDED", "total_amount": "1000", "net_amount": "700", "payway": "17"}),
        ]
    }

    /// The production 2048-bit notify key (bodies signed once: slow in debug) and the small key (a fresh
    /// signature per case, so mutated bodies reach the parsing behind the signature).
    fn notifiers(&self) -> Vec<Notifier> {
        let templates = self.notification_bodies();
        let bodies: Vec<Vec<u8>> = templates.iter().map(to_bytes).collect();
        let k2048 = load_private_key("k2048", MERCHANT_KEY).expect("test key");
        let sigs: Vec<String> = bodies
            .iter()
            .map(|b| crypto::base64_encode(&k2048.sign_sha256(b).expect("sign")))
            .collect();
        let small = super::small_key();
        let case = move |big: bool, rng: &mut Rng, mode: usize| -> Notice {
            let k = rng.below(bodies.len());
            let original = bodies[k].clone();
            let sig_for = |b: &[u8]| -> String {
                if big {
                    sigs[k].clone()
                } else {
                    crypto::base64_encode(&small.sign_sha256(b).expect("sign"))
                }
            };
            let header_value = |sig: String, rng: &mut Rng| {
                if rng.chance(1, 2) {
                    sig
                } else {
                    format!("{SN} {sig}")
                }
            };
            let (mut must_verify, mut must_not_verify) = (false, false);
            let (headers, body) = match mode {
                0 => {
                    must_verify = true;
                    let sig = sig_for(&original);
                    (json!({"Authorization": header_value(sig, rng)}).to_string(), original)
                }
                1 => {
                    let sig = sig_for(&original);
                    let mut b = original.clone();
                    mutate_bytes(rng, &mut b, &bodies);
                    must_not_verify = b != original;
                    (json!({"authorization": header_value(sig, rng)}).to_string(), b)
                }
                _ if !big => {
                    let b = mutated(rng, &templates);
                    let sig = crypto::base64_encode(&small.sign_sha256(&b).expect("sign"));
                    (json!({"Authorization": header_value(sig, rng)}).to_string(), b)
                }
                _ => {
                    // No fresh 2048-bit signatures (slow in debug): a mutated body under the old one.
                    let mut b = original.clone();
                    mutate_bytes(rng, &mut b, &bodies);
                    must_not_verify = b != original;
                    (json!({"Authorization": sigs[k]}).to_string(), b)
                }
            };
            Notice {
                headers,
                body,
                now: NOW_MS,
                must_verify,
                must_not_verify,
            }
        };
        let big = Rc::new(case);
        let small = big.clone();
        vec![
            Notifier {
                name: "shouqianba-2048",
                config: with_notify_key(MERCHANT_PUBLIC_SPKI),
                genuine: Some(Box::new(move |rng, mode| big(true, rng, mode))),
            },
            Notifier {
                name: "shouqianba-512",
                config: with_notify_key(SMALL_CERT),
                genuine: Some(Box::new(move |rng, mode| small(false, rng, mode))),
            },
        ]
    }

    fn notifiers_without_key(&self) -> Vec<NamedConfig> {
        vec![("shouqianba-nokey", config())]
    }

    fn wap_pay_url_ok(&self, url: &str) -> bool {
        url.starts_with("https://qr.shouqianba.com/gateway?") && url.contains("&sign=")
    }

    fn regressions(&self) -> Vec<Regression> {
        let r = |op, body, expect| Regression {
            client: "shouqianba",
            op,
            body,
            expect,
        };
        vec![
            r(
                "pay",
                r#"["200",null,null,["PAY_SUCCESS",null,null,null,null,null]]"#,
                Expect::Unknown,
            ),
            r(
                "query",
                r#"["200",null,null,["SUCCESS",null,null,["1","N-1",null,null,"PAID",null,"980",null,null,null,null,null,null],null,null]]"#,
                Expect::Unknown,
            ),
            r(
                "pay",
                r#"{"result_code":"400","error_message":""}"#,
                Expect::ErrorMessage,
            ),
        ]
    }
}
