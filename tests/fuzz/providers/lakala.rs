//! Lakala: RSA everywhere. Requests are signed by the merchant key (`toSign`, then `complete`), answers
//! carry `Lklapi-*` signature headers the client checks against the platform certificate, notifications
//! an `Authorization` header with a replay window.

use super::{Expect, FuzzProvider, NamedConfig, Notice, Notifier, Regression};
use crate::common::{MERCHANT_CERT, MERCHANT_KEY, PLATFORM_CERT, SMALL_CERT, SMALL_KEY};
use crate::gen::{gen_now, mutate_bytes, mutated, to_bytes, NOW_MS};
use crate::harness::Rng;
use aggpay::crypto;
use aggpay::providers::lakala::{notification_message, request_message};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub struct Lakala;

const APPID: &str = "OP00000003";
const NONCE: &str = "Rk7hT0aQz9bV";

/// With the small "platform" pair: answers and notifications are signed per case.
fn config() -> Value {
    json!({"provider": "lakala", "credentials": {"appId": APPID, "serialNo": "0f0e0d0c", "privateKey": SMALL_KEY,
           "platformCertificate": SMALL_CERT, "merchantNo": "82229007392000A", "termNo": "D9296400"}})
}

/// As configured in production: merchant certificate, 2048-bit keys.
fn real_config() -> Value {
    json!({"provider": "lakala", "notificationToleranceSeconds": 300, "credentials": {"appId": APPID,
           "merchantCertificate": MERCHANT_CERT, "privateKey": MERCHANT_KEY, "platformCertificate": PLATFORM_CERT,
           "notifyCertificate": PLATFORM_CERT, "merchantNo": "82229007392000A", "termNo": "D9296400"}})
}

fn auth(ts: &str, nonce: &str, sig: &str) -> String {
    format!("LKLAPI-SHA256withRSA timestamp=\"{ts}\",nonce_str=\"{nonce}\",signature=\"{sig}\"")
}

/// A notification case: Authorization over timestamp\nnonce_str\nbody\n, plus the replay window.
fn notice(templates: &[Value], rng: &mut Rng, mode: usize) -> Notice {
    let key = super::small_key();
    let original = to_bytes(&templates[rng.below(templates.len())]);
    let now_s = NOW_MS / 1000;
    let sign = |ts: &str, b: &[u8]| {
        crypto::base64_encode(&key.sign_sha256(&notification_message(ts, NONCE, b)).expect("sign"))
    };
    let mut now = NOW_MS;
    let (mut must_verify, mut must_not_verify) = (false, false);
    let (headers, body) = match mode {
        0 => {
            must_verify = true;
            let ts = (now_s + rng.range(-299, 299)).to_string();
            (
                json!({"Authorization": auth(&ts, NONCE, &sign(&ts, &original))}).to_string(),
                original,
            )
        }
        1 => {
            let ts = now_s.to_string();
            let sig = sign(&ts, &original);
            let mut b = original.clone();
            mutate_bytes(rng, &mut b, &[]);
            must_not_verify = b != original;
            (json!({"Authorization": auth(&ts, NONCE, &sig)}).to_string(), b)
        }
        _ => {
            now = gen_now(rng);
            let ts = match rng.below(8) {
                0 => rng
                    .pick(&[
                        "0",
                        "-1",
                        "9223372036854775807",
                        "-9223372036854775808",
                        "9223372036854775808",
                        "+1704067200",
                        " 1704067200",
                        "1704067200.5",
                        "",
                        "abc",
                        "1e9",
                        "99999999999999999999",
                    ])
                    .to_string(),
                1 => rng.next_u64().to_string(),
                2 => (rng.next_u64() as i64).to_string(),
                _ => (now.div_euclid(1000).saturating_add(rng.range(-400, 400))).to_string(),
            };
            let b = if rng.chance(4, 5) {
                mutated(rng, templates)
            } else {
                original
            };
            (
                json!({"Authorization": auth(&ts, NONCE, &sign(&ts, &b))}).to_string(),
                b,
            )
        }
    };
    Notice {
        headers,
        body,
        now,
        must_verify,
        must_not_verify,
    }
}

impl FuzzProvider for Lakala {
    fn name(&self) -> &'static str {
        "lakala"
    }

    fn clients(&self) -> Vec<NamedConfig> {
        vec![("lakala", config())]
    }

    fn config_templates(&self) -> Vec<Value> {
        vec![config(), real_config()]
    }

    /// Realistic responses: successes, failures, in-progress, errors.
    fn answers(&self) -> Vec<(&'static [&'static str], Value)> {
        vec![
            (
                &["query"],
                json!({"code": "BBS00000", "msg": "成功", "resp_time": "20210907173331", "resp_data": {"out_trade_no": "N-1",
                "trade_no": "2021090766210003630077", "log_no": "66210003630077", "acc_trade_no": "4200001212202109078945008028",
                "account_type": "WECHAT", "trade_state": "SUCCESS", "total_amount": "123", "payer_amount": "123",
                "acc_settle_amount": "123", "acc_mdiscount_amount": "0", "acc_discount_amount": "", "trade_time": "20210907150327"}}),
            ),
            (
                &["pay"],
                json!({"code": "BBS00000", "msg": "成功", "resp_data": {"out_trade_no": "N-1", "trade_no": "2021090766210003630078",
                "acc_trade_no": "4200001212", "account_type": "ALIPAY", "total_amount": "123", "payer_amount": "120",
                "acc_mdiscount_amount": "3", "trade_time": "20210907173330"}}),
            ),
            (
                &["pay"],
                json!({"code": "BBS10000", "msg": "支付中", "resp_data": {"out_trade_no": "N-1", "trade_no": "2021090766210003630079"}}),
            ),
            (
                &["precreate"],
                json!({"code": "BBS00000", "msg": "成功", "resp_data": {"out_trade_no": "N-1", "trade_no": "T4", "account_type": "UQRCODEPAY",
                "acc_resp_fields": {"code": "https://qr.alipay.com/bax0", "code_image": ""}}}),
            ),
            (
                &["refundQuery", "refund"],
                json!({"code": "BBS00000", "msg": "成功", "resp_data": {"out_trade_no": "R-1", "trade_no": "T5", "refund_amount": "100",
                "total_amount": "123", "trade_state": "SUCCESS", "trade_main_type": "REFUND"}}),
            ),
            (
                &["refund"],
                json!({"code": "BBS11112", "msg": "退款处理中", "resp_data": {"out_trade_no": "R-1", "refund_amount": "100"}}),
            ),
            (
                &["close", "cancel", "revoke"],
                json!({"code": "BBS00000", "msg": "成功", "resp_data": {"origin_trade_no": "T1", "out_trade_no": "N-1", "trade_state": "CLOSE"}}),
            ),
            (
                &["*"],
                json!({"code": "BBS11105", "msg": "订单不存在", "resp_time": "20210907173331"}),
            ),
            // The unified refund API (doc 1826/1827): 000000 with the refund's trade_state, RFD11112 to query.
            (
                &["refund"],
                json!({"code": "000000", "msg": "成功", "resp_time": "20210907173331", "resp_data": {"trade_state": "PROCESSING",
                "merchant_no": "82229007392000A", "out_trade_no": "R-1", "trade_no": "T5", "log_no": "66210003630099",
                "total_amount": "123", "refund_amount": "100", "payer_amount": "100", "channel_ret_desc": "RFD00000#成功"}}),
            ),
            (
                &["refundQuery"],
                json!({"code": "000000", "msg": "成功", "resp_data": {"out_trade_no": "R-1", "trade_state": "SUCCESS",
                "trade_no": "T5", "refund_amount": "100", "trade_time": "20210907173330", "origin_total_amount": "123"}}),
            ),
            (&["refund"], json!({"code": "RFD11112", "msg": "网络请求超时"})),
            // A refusal of the request as sent (BBS11000 参数校验失败).
            (&["*"], json!({"code": "BBS11000", "msg": "参数校验失败"})),
        ]
    }

    fn signs_answers(&self) -> bool {
        true
    }

    /// `Lklapi-*` headers, signed over appid\nserial\ntimestamp\nnonce\nbody\n.
    fn answer_headers(&self, body: &[u8]) -> String {
        let (appid, serial, ts) = (APPID, "0f0e0d0c", "1700000000");
        let sig = super::small_key()
            .sign_sha256(&request_message(appid, serial, ts, NONCE, body))
            .expect("sign");
        let mut h = BTreeMap::new();
        for (k, v) in [
            ("Lklapi-Appid", appid.to_string()),
            ("Lklapi-Serial", serial.into()),
            ("Lklapi-Timestamp", ts.into()),
            ("Lklapi-Nonce", NONCE.into()),
            ("Lklapi-Signature", crypto::base64_encode(&sig)),
        ] {
            h.insert(k.to_string(), v);
        }
        h.insert("Content-Type".into(), "application/json".into());
        json!(h).to_string()
    }

    fn notification_bodies(&self) -> Vec<Value> {
        vec![
            json!({"merchant_no": "82229007392000A", "term_no": "D9296400", "out_trade_no": "N-1", "trade_no": "2021090766210003630077", "acc_trade_no": "4200001212202109078945008028",
                   "account_type": "WECHAT", "trade_status": "SUCCESS", "total_amount": "123", "payer_amount": "123",
                   "trade_time": "20210907150327", "user_id1": "olpr"}),
            json!({"merchant_no": "82229007392000A", "term_no": "D9296400", "out_trade_no": "N-1", "trade_no": "T2", "account_type": "ALIPAY", "trade_status": "REFUND", "total_amount": "123"}),
            // Doc 1009's camelCase notice (its example's fields, this merchant's numbers).
            json!({"payOrderNo": "21090611012001970631000463034", "merchantOrderNo": "N-1", "merchantNo": "82229007392000A",
                   "termId": "D9296400", "amount": 123, "tradeType": "PAY", "payStatus": "S",
                   "payInfo": "1#1#ALIPAY#0#2021090622001432581427657317", "lklOrderNo": "2021090666210003610012",
                   "tradeTime": "20210906131943", "accountChannelOrderNo": "2021090622001432581427657317",
                   "actualPayAmount": 123, "logNo": "66210003610012"}),
        ]
    }

    fn notifiers(&self) -> Vec<Notifier> {
        let templates = self.notification_bodies();
        vec![Notifier {
            name: "lakala",
            config: config(),
            genuine: Some(Box::new(move |rng, mode| notice(&templates, rng, mode))),
        }]
    }

    fn signs_requests(&self) -> bool {
        true
    }

    fn check_completed(&self, request: &Value, completed: &Value, signature_b64: &str) -> Result<(), String> {
        if completed["body"] != request["body"] {
            return Err("complete changed the signed body".into());
        }
        if !completed["headers"]["authorization"]
            .as_str()
            .is_some_and(|a| a.contains(&format!("signature=\"{signature_b64}\"")))
        {
            return Err("the Authorization header does not carry the signature".into());
        }
        Ok(())
    }

    fn regressions(&self) -> Vec<Regression> {
        vec![Regression {
            client: "lakala",
            op: "cancel",
            body: r#"{"code":""}"#,
            expect: Expect::ErrorMessage,
        }]
    }
}
