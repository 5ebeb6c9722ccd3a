//! Tingyihui: requests signed by the merchant's RSA key into the body's `sign`, answers unsigned; callbacks
//! are unsigned too (TyhRequest's envelope, `data` Base64 JSON of TradeQueryResultDto): the genuine one must
//! be read, and mutations of the trade inside the Base64 reach the reading behind the envelope.

use super::{Expect, FuzzProvider, NamedConfig, Notice, Notifier, Regression};
use crate::common::SMALL_KEY;
use crate::gen::mutated_from;
use aggpay::crypto;
use serde_json::{json, Value};

/// A paid trade as a callback carries it (seed 002's fields).
fn notice_trade() -> Value {
    json!({"ownerTradeNo": "N-1", "osTradeNo": "OS-1", "tpTradeNo": "TP1", "tradeStatus": "SUCCESS", "orderFee": 980,
           "paymentFee": 960, "tpDiscountFee": 20, "refundFee": 0, "osMerchantCode": "M0001",
           "payTime": 1_704_067_200_000i64, "payChannel": "WX_PAY", "payProduct": "MINI_APP"})
}

/// The envelope around `data` (bytes, Base64-encoded as the platform does).
fn envelope(data: &[u8]) -> Vec<u8> {
    json!({"access_id": "16373180971704771", "data": crypto::base64_encode(data), "sign": "c2ln", "sign_type": "RSA2",
           "time_stamp": 1_704_067_200_000i64})
    .to_string()
    .into_bytes()
}

pub struct Tingyihui;

fn config() -> Value {
    // Callbacks read (unverified), so the fuzz reaches their reading.
    json!({"provider": "tingyihui", "baseUrl": "https://os.hfcsbc.com", "readUnsignedCallbacks": true,
           "credentials": {"accessId": "16373180971704771", "privateKey": SMALL_KEY, "merchantCode": "M0001"}})
}

impl FuzzProvider for Tingyihui {
    fn name(&self) -> &'static str {
        "tingyihui"
    }

    fn clients(&self) -> Vec<NamedConfig> {
        vec![("tingyihui", config())]
    }

    fn config_templates(&self) -> Vec<Value> {
        vec![config()]
    }

    /// Realistic responses: successes, failures, in-progress, errors.
    fn answers(&self) -> Vec<(&'static [&'static str], Value)> {
        vec![
            (
                &["query"],
                json!({"code": 8888, "msg": "处理成功", "data": {"ownerTradeNo": "N-1", "osTradeNo": "OS-1", "tpTradeNo": "TP1",
                "tradeStatus": "SUCCESS", "orderFee": 980, "paymentFee": 980, "tpDiscountFee": 0, "refundFee": 0,
                "payTime": 1_704_067_200_000i64, "payChannel": "WX_PAY"}, "error": null}),
            ),
            (
                &["precreate"],
                json!({"code": 8888, "msg": "处理成功", "data": {"ownerTradeNo": "N-1", "osTradeNo": "OS-1", "tradeStatus": "WAIT",
                "orderFee": 980, "payChannel": "ALI_PAY", "sign": "https://qr.alipay.com/bax0"}}),
            ),
            (&["refund"], json!({"code": 8888, "msg": "处理成功", "data": "OSR-1"})),
            (
                &["refundQuery"],
                json!({"code": 8888, "msg": "处理成功", "data": {"refundStatus": "SUCCESS", "osRefundNo": "OSR-1", "ownerRefundNo": "R-1", "refundFee": 100}}),
            ),
            (
                &["refundQuery", "refund"],
                json!({"code": 8888, "msg": "处理成功", "data": {"refundStatus": "WAIT", "osRefundNo": "OSR-1", "refundFee": 100}}),
            ),
            (&["*"], json!({"code": 4004, "msg": "订单不存在", "data": null})),
            (&["*"], json!({"code": 1013, "msg": "签名错误"})),
            (&["*"], json!({"code": 5000, "msg": "系统异常"})),
            (
                &["close", "refund"],
                json!({"code": 8888, "msg": "处理成功", "data": null}),
            ),
            (
                &["query"],
                json!({"code": 8888, "msg": "处理成功", "data": {"ownerTradeNo": "N-1", "tradeStatus": "SUCCESS_PART_REFUND",
                "orderFee": 980, "paymentFee": 900, "refundFee": 100, "payTime": 1_704_067_200_000i64}}),
            ),
        ]
    }

    fn notifiers(&self) -> Vec<Notifier> {
        // Unsigned: a mutated callback may still be read (nothing to break), so no case must fail to verify.
        let genuine = |rng: &mut crate::harness::Rng, mode: usize| {
            let trade = notice_trade();
            let data = if mode == 0 {
                trade.to_string().into_bytes()
            } else {
                mutated_from(rng, trade, &[notice_trade()])
            };
            Notice {
                headers: "{}".into(),
                body: envelope(&data),
                now: 1_704_067_200_000,
                must_verify: mode == 0,
                must_not_verify: false,
            }
        };
        vec![Notifier {
            name: "tingyihui",
            config: config(),
            genuine: Some(Box::new(genuine)),
        }]
    }

    fn notification_bodies(&self) -> Vec<Value> {
        let e: Value = serde_json::from_slice(&envelope(notice_trade().to_string().as_bytes())).unwrap_or_default();
        vec![e, notice_trade()]
    }

    fn signs_requests(&self) -> bool {
        true
    }

    /// The body's `sign` is the signature; the rest of the envelope is unchanged.
    fn check_completed(&self, request: &Value, completed: &Value, signature_b64: &str) -> Result<(), String> {
        let before: Value = serde_json::from_str(request["body"].as_str().unwrap_or_default())
            .map_err(|e| format!("the body is not JSON: {e}"))?;
        let mut after: Value = serde_json::from_str(completed["body"].as_str().unwrap_or_default())
            .map_err(|e| format!("the completed body is not JSON: {e}"))?;
        if after["sign"] != signature_b64 {
            return Err("the body's sign is not the signature".into());
        }
        after["sign"] = before["sign"].clone();
        if after != before {
            return Err("complete changed the envelope beyond sign".into());
        }
        Ok(())
    }

    fn regressions(&self) -> Vec<Regression> {
        let r = |op, body, expect| Regression {
            client: "tingyihui",
            op,
            body,
            expect,
        };
        vec![
            // A fee of i64::MIN overflowed the refunded / net arithmetic.
            r(
                "query",
                r#"{"code":8888,"data":{"tradeStatus":"SUCCESS","orderFee":980,"paymentFee":980,"refundFee":-9223372036854775808}}"#,
                Expect::Answers,
            ),
            r(
                "query",
                r#"{"code":8888,"data":{"tradeStatus":"SUCCESS_PART_REFUND","orderFee":980,"paymentFee":-9223372036854775808,"refundFee":100}}"#,
                Expect::Answers,
            ),
            r(
                "query",
                r#"{"code":8888,"data":{"tradeStatus":"FAILURE","refundFee":-9223372036854775808}}"#,
                Expect::Answers,
            ),
            r(
                "precreate",
                r#"{"code":8888,"data":{"ownerTradeNo":"N-1","refundFee":-1,"orderFee":1}}"#,
                Expect::Answers,
            ),
            r(
                "precreate",
                r#"{"code":8888,"data":{"ownerTradeNo":"N-1","refundFee":-9223372036854775808}}"#,
                Expect::Answers,
            ),
            r(
                "query",
                r#"{"code":8888,"data":["N-1","OS-1",null,"SUCCESS",980,980,null,null,null,null,null]}"#,
                Expect::Unknown,
            ),
            r("query", r#"{"msg":""}"#, Expect::ErrorMessage),
            r("query", r#"{"code":null,"msg":"  "}"#, Expect::ErrorMessage),
        ]
    }
}
