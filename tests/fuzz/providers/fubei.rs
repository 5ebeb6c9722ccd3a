//! Fubei: two API generations (1.0 by app id, 2.0 by vendor), MD5-signed form notifications whose `data`
//! is JSON, yuan amounts on the wire.

use super::{FuzzProvider, NamedConfig, Notice, Notifier, WireYuan};
use crate::gen::{gen_bytes, gen_string, mutate_bytes, mutate_value, FIELDS, NOW_MS};
use aggpay::providers::fubei::{sign, yuan_value};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub struct Fubei;

const SECRET: &str = "672f295578a545c24b397bae275e6f81";

fn v1_config() -> Value {
    json!({"provider": "fubei", "credentials": {"appId": "20170609152021917511", "appSecret": SECRET}})
}

fn v2_config() -> Value {
    json!({"provider": "fubei", "apiVersion": "2.0", "notifyAck": "SUCCESS",
           "credentials": {"vendorSn": "2018123456", "vendorSecret": SECRET, "merchantId": 1234567}})
}

/// `application/x-www-form-urlencoded`, as a browser writes it.
fn form(fields: &[(String, String)]) -> Vec<u8> {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", aggpay::http::url_encode(k), aggpay::http::url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// The notification fields, signed (`sign` last).
fn signed(fields: Vec<(String, String)>) -> Vec<(String, String)> {
    let map: BTreeMap<String, String> = fields.iter().cloned().collect();
    let mut out = fields;
    out.push(("sign".into(), sign(&map, SECRET)));
    out
}

/// The form decoding the verifier does, mirrored: (fields, or None when it would refuse the form).
fn decode(body: &[u8]) -> Option<BTreeMap<String, String>> {
    let decode = |s: &[u8]| -> Option<String> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let h = std::str::from_utf8(s.get(i + 1..i + 3)?).ok()?;
                    out.push(u8::from_str_radix(h, 16).ok()?);
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).ok()
    };
    let mut m = BTreeMap::new();
    for part in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match part.iter().position(|b| *b == b'=') {
            Some(at) => (&part[..at], &part[at + 1..]),
            None => (part, &[][..]),
        };
        if m.insert(decode(k)?, decode(v)?).is_some() {
            return None;
        }
    }
    Some(m)
}

/// What the signature covers: the non-empty fields but `sign`, and the sign itself (trimmed, any case).
fn canonical(m: &BTreeMap<String, String>) -> (Vec<(String, String)>, String) {
    let fields = m
        .iter()
        .filter(|(k, v)| *k != "sign" && !v.is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (
        fields,
        m.get("sign").map(|s| s.trim().to_ascii_lowercase()).unwrap_or_default(),
    )
}

/// A notification case (both generations share the secret and the form).
fn notice(data_templates: &[Value], rng: &mut crate::harness::Rng, mode: usize) -> Notice {
    let data = data_templates[rng.below(data_templates.len())].clone();
    let fields = |data: String| {
        vec![
            ("result_code".to_string(), "200".to_string()),
            ("result_message".into(), "支付成功".into()),
            ("data".into(), data),
        ]
    };
    let valid = form(&signed(fields(data.to_string())));
    let h = r#"{"content-type":"application/x-www-form-urlencoded"}"#.to_string();
    let (mut must_verify, mut must_not_verify) = (false, false);
    let (headers, body) = match mode {
        0 => {
            must_verify = true;
            (h, valid)
        }
        1 => {
            let mut b = valid.clone();
            mutate_bytes(rng, &mut b, &[]);
            // Re-encodings of the same fields verify, by design; anything else must not.
            let same = match (decode(&b), decode(&valid)) {
                (Some(m), Some(v)) => canonical(&m) == canonical(&v),
                _ => false,
            };
            must_not_verify = !same && b != valid;
            (h, b)
        }
        _ => {
            let mut fs = if rng.chance(3, 4) {
                let mut d = data;
                for _ in 0..rng.range(1, 3) {
                    mutate_value(rng, &mut d, data_templates);
                }
                fields(d.to_string())
            } else {
                fields(String::from_utf8_lossy(&gen_bytes(rng)).into_owned())
            };
            if rng.chance(1, 4) {
                let k = rng.below(fs.len());
                fs[k].1 = gen_string(rng);
            }
            if rng.chance(1, 6) {
                fs.push((rng.pick(FIELDS).to_string(), gen_string(rng)));
            }
            (h, form(&signed(fs)))
        }
    };
    Notice {
        headers,
        body,
        now: NOW_MS,
        must_verify,
        must_not_verify,
    }
}

impl FuzzProvider for Fubei {
    fn name(&self) -> &'static str {
        "fubei"
    }

    fn clients(&self) -> Vec<NamedConfig> {
        vec![("fubei-1.0", v1_config()), ("fubei-2.0", v2_config())]
    }

    fn config_templates(&self) -> Vec<Value> {
        vec![v1_config(), v2_config()]
    }

    fn bare_configs(&self) -> Vec<Value> {
        vec![json!({"provider": "fubei"})]
    }

    /// Realistic responses of both generations: successes, failures, in-progress, errors.
    fn answers(&self) -> Vec<(&'static [&'static str], Value)> {
        vec![
            (
                &["query"],
                json!({"result_message": "成功", "result_code": 200, "data": {"trade_no": "2017060121534801983049958160",
                "merchant_order_sn": "N-1", "platform_order_no": "12345678998765433223", "order_sn": "20170601215348178414",
                "total_fee": 80, "fee": 1, "net_money": 79, "pay_time": 1_496_325_236, "store_id": "25249", "trade_state": "SUCCESS",
                "type": 1, "discount_money": "20.00", "buyer_pay_amount": "80.00", "no_cash_coupon_fee": 0.01}}),
            ),
            (
                &["pay", "query"],
                json!({"result_code": 200, "result_message": "成功", "data": {"merchant_order_sn": "N-1", "order_sn": "20240101080000123456",
                "channel_order_sn": "4200001234", "order_status": "SUCCESS", "pay_type": "wxpay", "total_amount": 9.8,
                "net_amount": 9.8, "fee": 0.06, "buyer_pay_amount": 9.8, "finish_time": "20240101080000"}}),
            ),
            (
                &["pay", "query"],
                json!({"result_code": 200, "data": {"merchant_order_sn": "N-1", "order_status": "USERPAYING", "total_amount": "9.80"}}),
            ),
            (
                &["pay"],
                json!({"result_code": 400, "result_message": "用户支付中", "sub_code": "USERPAYING"}),
            ),
            (
                &["pay", "close"],
                json!({"result_code": "400", "result_message": "余额不足", "sub_code": "NOTENOUGH"}),
            ),
            (
                &["pay", "query", "refund"],
                json!({"result_code": 400, "result_message": "系统繁忙", "sub_code": "SYSTEMERROR"}),
            ),
            (
                &["precreate"],
                json!({"result_code": 200, "data": {"merchant_order_sn": "N-1", "order_sn": "X1", "qr_code": "https://qr.51fubei.com/q/1"}}),
            ),
            (
                &["refund", "refundQuery"],
                json!({"result_code": 200, "data": {"merchant_order_sn": "N-1", "merchant_refund_sn": "R-1", "refund_sn": "RS1",
                "refund_status": "REFUND_SUCCESS", "refund_amount": "1.00"}}),
            ),
            (
                &["refundQuery", "refund"],
                json!({"result_code": 200, "data": {"merchant_refund_sn": "R-1", "refund_status": "REFUND_PROCESSING", "refund_money": 0.5}}),
            ),
            (
                &["close", "cancel", "revoke"],
                json!({"result_code": 200, "data": {"merchant_order_sn": "N-1", "order_status": "CLOSED"}}),
            ),
            (
                &["query", "pay"],
                json!({"result_code": "200", "data": "{\"trade_state\":\"SUCCESS\",\"total_fee\":\"9.80\",\"pay_time\":\"1704067200\"}"}),
            ),
            (&["*"], json!({"result_code": 9999, "result_message": "订单已撤销"})),
        ]
    }

    /// The notifications' `data` payloads.
    fn notification_bodies(&self) -> Vec<Value> {
        vec![
            json!({"merchant_id": 1234567, "merchant_order_sn": "N-20240101-0001", "order_sn": "20240101080000123456", "channel_order_sn": "4200001234",
                   "order_status": "SUCCESS", "pay_type": "wxpay", "total_amount": 9.8, "net_amount": 9.8, "fee": 0.06,
                   "buyer_pay_amount": 9.8, "finish_time": "20240101080000"}),
            json!({"merchant_id": 1234567, "merchant_order_sn": "N-1", "order_sn": "2017060121534817", "trade_state": "SUCCESS", "total_fee": "9.80",
                   "net_money": "9.74", "fee": "0.06", "pay_time": "1704067200", "type": "2"}),
            json!({"merchant_id": 1234567, "merchant_order_sn": "N-1", "merchant_refund_sn": "R-1", "refund_sn": "RS1", "refund_status": "REFUND_SUCCESS",
                   "refund_money": "1.00"}),
            // 2.0 "退款回调" data (zhangming1994/fubei Go SDK `RefundCallBackData`).
            json!({"merchant_id": 1234567, "order_sn": "20240101080000123456", "merchant_order_sn": "N-1", "refund_sn": "RS2",
                   "merchant_refund_sn": "R-2", "refund_status": "REFUND_SUCCESS", "refund_amount": 0.5, "buyer_refund_amount": 0.5,
                   "refund_fee": 0, "finish_time": "20240101090000", "handler": 0, "device_no": "D1"}),
        ]
    }

    fn notifiers(&self) -> Vec<Notifier> {
        let gen = |name, config| {
            let data = self.notification_bodies();
            Notifier {
                name,
                config,
                genuine: Some(Box::new(move |rng, mode| notice(&data, rng, mode))),
            }
        };
        vec![gen("fubei-1.0", v1_config()), gen("fubei-2.0", v2_config())]
    }

    fn notifiers_without_key(&self) -> Vec<NamedConfig> {
        vec![("fubei-nocreds", json!({"provider": "fubei"}))]
    }

    fn wire_yuan(&self) -> Option<(&'static str, WireYuan)> {
        Some(("fubei::yuan_value", |v| yuan_value("total_fee", Some(v))))
    }
}
