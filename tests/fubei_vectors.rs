//! Fubei known-answer vectors and end-to-end checks through the public API: request signing (every
//! parameter but sign, sorted, `k=v&…` + secret, MD5 upper-case), yuan amounts read from the literal
//! JSON digits, and notification verification over the received form fields.
//!
//! Every vector is copied into this file: the tests never read the shared spec directory.

use aggpay::http::url_encode;
use aggpay::providers::fubei::{sign, string_to_sign, yuan_text_to_fen};
use aggpay::providers::{create, Ctx, Gateway, Input};
use aggpay::{money, Client, ErrorCode, Operation, OrderState};
use serde_json::{json, Value};
use std::collections::BTreeMap;

// ---------------------------------------------------------------- vector (from the signing vectors file)

/// provider "fubei", kind "request-md5": inputs from the official Java SDK's unit test.
const VECTOR_PARAMS: [(&str, &str); 7] = [
    ("app_id", "20170609152021917511"),
    ("biz_content", r#"{"merchant_order_sn":"28867994"}"#),
    ("format", "json"),
    ("method", "openapi.payment.order.close"),
    ("nonce", "87sdf9806sdf73jkds"),
    ("sign_method", "md5"),
    ("version", "1.0"),
];
const VECTOR_SECRET: &str = "672f295578a545c24b397bae275e6f81";
const VECTOR_STRING: &str = r#"app_id=20170609152021917511&biz_content={"merchant_order_sn":"28867994"}&format=json&method=openapi.payment.order.close&nonce=87sdf9806sdf73jkds&sign_method=md5&version=1.0672f295578a545c24b397bae275e6f81"#;
const VECTOR_SIGN: &str = "C0A8CDE6A5F975E24FACAC48DF03701F";

// ---------------------------------------------------------------- helpers

fn md5_upper(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(bytes).iter().map(|b| format!("{b:02X}")).collect()
}

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn input(v: Value) -> Input {
    aggpay::providers::read(&v).expect("test input must deserialize")
}

fn gateway(cfg: Value) -> Box<dyn Gateway> {
    create(&cfg.to_string()).expect("config")
}

fn v1_gateway(secret: &str) -> Box<dyn Gateway> {
    gateway(json!({"provider": "fubei", "credentials": {"appId": "20170609152021917511", "appSecret": secret}}))
}

fn ctx(nonce: &str) -> Ctx {
    Ctx {
        now_ms: 1_704_067_200_000,
        nonce: nonce.into(),
        verifier: Default::default(),
    }
}

// ---------------------------------------------------------------- 1. request signing

#[test]
fn request_md5_vector() {
    let p = params(&VECTOR_PARAMS);
    assert_eq!(format!("{}{VECTOR_SECRET}", string_to_sign(&p)), VECTOR_STRING);
    assert_eq!(sign(&p, VECTOR_SECRET), VECTOR_SIGN);
    // Independent path: the md-5 crate over the documented string.
    assert_eq!(md5_upper(VECTOR_STRING.as_bytes()), VECTOR_SIGN);
    // A sign already present, and empty parameters, are left out.
    let mut with_extra = p.clone();
    with_extra.insert("sign".into(), "WHATEVER".into());
    with_extra.insert("empty".into(), String::new());
    assert_eq!(sign(&with_extra, VECTOR_SECRET), VECTOR_SIGN);
}

/// The built close request with the vector's app, nonce and order reproduces the vector exactly.
#[test]
fn built_close_request_reproduces_the_vector() {
    let gw = v1_gateway(VECTOR_SECRET);
    let req = gw
        .build(
            Operation::Close,
            &input(json!({"merchantOrderNo": "28867994"})),
            &ctx("87sdf9806sdf73jkds"),
        )
        .expect("close builds")
        .request;
    assert_eq!(req.method, "POST");
    assert_eq!(req.url, "https://shq-api.51fubei.com/gateway");
    let body: Value = serde_json::from_str(&req.body).expect("JSON body");
    let mut expected: serde_json::Map<String, Value> = VECTOR_PARAMS
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    expected.insert("sign".into(), Value::String(VECTOR_SIGN.into()));
    assert_eq!(body, Value::Object(expected));
    assert!(
        req.body
            .contains(r#""biz_content":"{\"merchant_order_sn\":\"28867994\"}""#),
        "{}",
        req.body
    );
    assert!(!req.body.contains(VECTOR_SECRET));
}

/// Every built request: the sign is over exactly the parameters sent (biz_content as the sent string).
#[test]
fn built_requests_sign_the_exact_parameters() {
    let secret = "s3cr3t-for-this-test";
    let nonce = "abcdefABCDEF01234567";
    for (cfg, url) in [
        (
            json!({"provider": "fubei", "credentials": {"appId": "A1", "appSecret": secret}}),
            "https://shq-api.51fubei.com/gateway",
        ),
        (
            json!({"provider": "fubei", "apiVersion": "2.0", "credentials": {"vendorSn": "V1", "vendorSecret": secret, "merchantId": 77}}),
            "https://shq-api.51fubei.com/gateway/agent",
        ),
    ] {
        let gw = gateway(cfg);
        let cases: Vec<(Operation, Value)> = vec![
            (
                Operation::Pay,
                json!({"merchantOrderNo": "o1", "amount": 980, "authCode": "134567890123456789", "subject": "咖啡 & cake=1"}),
            ),
            (
                Operation::Precreate,
                json!({"merchantOrderNo": "o2", "amount": 1, "channel": "ALIPAY"}),
            ),
            (Operation::Query, json!({"merchantOrderNo": "o1"})),
            (
                Operation::Refund,
                json!({"merchantOrderNo": "o1", "refundNo": "R1", "amount": 100}),
            ),
            (
                Operation::RefundQuery,
                json!({"merchantOrderNo": "o1", "refundNo": "R1"}),
            ),
            (Operation::Close, json!({"merchantOrderNo": "o2"})),
            (Operation::Cancel, json!({"merchantOrderNo": "o1"})),
            (Operation::Revoke, json!({"merchantOrderNo": "o1"})),
        ];
        for (op, inp) in cases {
            let req = gw
                .build(op, &input(inp), &ctx(nonce))
                .unwrap_or_else(|e| panic!("{op:?}: {e}"))
                .request;
            assert_eq!(req.url, url, "{op:?}");
            let body: Value = serde_json::from_str(&req.body).unwrap();
            let sent: BTreeMap<String, String> = body
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().expect("every envelope value is a string").to_string(),
                    )
                })
                .collect();
            // Recompute independently: sorted k=v joined by &, secret appended, MD5 upper-case.
            let base: Vec<String> = sent
                .iter()
                .filter(|(k, _)| *k != "sign")
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let expected = md5_upper(format!("{}{secret}", base.join("&")).as_bytes());
            assert_eq!(sent["sign"], expected, "{op:?}");
            assert_eq!(sent["nonce"], nonce);
            assert!(!req.body.contains(secret), "{op:?}");
        }
    }
}

#[test]
fn amounts_are_sent_as_exact_yuan_numbers() {
    let gw = v1_gateway(VECTOR_SECRET);
    for (fen, yuan) in [
        (980, "9.80"),
        (7, "0.07"),
        (10_000, "100.00"),
        (1_000_000_000i64, "10000000.00"),
    ] {
        let req = gw
            .build(
                Operation::Pay,
                &input(json!({"merchantOrderNo": "o", "amount": fen, "authCode": "1"})),
                &ctx("0123456789abcdef"),
            )
            .unwrap()
            .request;
        let body: Value = serde_json::from_str(&req.body).unwrap();
        let biz = body["biz_content"].as_str().unwrap();
        assert!(biz.contains(&format!("\"total_fee\":{yuan}")), "{biz}");
    }
}

// ---------------------------------------------------------------- 2. amounts in responses (property)

/// For random fen 0 < n < 10^10: yuan text → fen → yuan text round-trips exactly, and parsing a Fubei
/// response carrying that amount as a JSON number (through the JSON client surface) yields exactly n.
#[test]
fn property_fen_yuan_round_trip_and_parse() {
    let cfg = json!({"provider": "fubei", "credentials": {"appId": "A", "appSecret": "S"}}).to_string();
    let mut client = Client::new(&cfg).unwrap();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..5_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = (x % 9_999_999_999) as i64 + 1;
        assert!(n > 0 && n < 10_000_000_000);
        let yuan = money::fen_to_yuan(n).unwrap();
        assert_eq!(yuan_text_to_fen("total_fee", &yuan).unwrap(), n);
        assert_eq!(
            money::fen_to_yuan(yuan_text_to_fen("total_fee", &yuan).unwrap()).unwrap(),
            yuan
        );
        let wire = if i % 3 == 0 {
            yuan.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            yuan.clone()
        };
        let body = format!(
            r#"{{"result_code":200,"result_message":"成功","data":{{"merchant_order_sn":"o1","trade_state":"SUCCESS","total_fee":{wire},"fee":0.01}}}}"#
        );
        let out = client
            .parse(
                "query",
                200,
                "{}",
                body.into_bytes(),
                Some(r#"{"merchantOrderNo":"o1"}"#),
                0,
            )
            .unwrap();
        let r: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(r["order"]["amounts"]["total"].as_i64(), Some(n), "{wire}");
        assert_eq!(r["order"]["amounts"]["paid"].as_i64(), Some(n), "{wire}");
        assert_eq!(r["order"]["amounts"]["fee"].as_i64(), Some(1));
    }
}

#[test]
fn client_json_surface() {
    let cfg =
        json!({"provider": "fubei", "credentials": {"appId": "20170609152021917511", "appSecret": VECTOR_SECRET}})
            .to_string();
    let mut client = Client::new(&cfg).unwrap();
    let out = client
        .build(
            "close",
            r#"{"merchantOrderNo":"28867994"}"#,
            0,
            "87sdf9806sdf73jkds".into(),
        )
        .unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["toSign"].is_null());
    let body: Value = serde_json::from_str(v["request"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["sign"], VECTOR_SIGN);

    let body = json!({"result_code": 200, "result_message": "成功", "data": {"merchant_order_sn": "o1", "order_sn": "F1",
        "trade_state": "USERPAYING", "total_fee": 9.8, "type": 2}});
    let out = client
        .parse(
            "pay",
            200,
            "{}",
            body.to_string().into_bytes(),
            Some(r#"{"merchantOrderNo":"o1","amount":980}"#),
            0,
        )
        .unwrap();
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["provider"], "fubei");
    assert_eq!(
        (r["outcome"].as_str(), r["next"].as_str()),
        (Some("IN_PROGRESS"), Some("POLL"))
    );
    assert_eq!(r["order"]["state"], "PENDING");
    assert_eq!(r["order"]["channel"], "ALIPAY");
    assert_eq!(r["order"]["amounts"]["total"], 980);
    assert_eq!(r["raw"]["data"]["total_fee"].to_string(), "9.8");

    let out = client
        .parse(
            "pay",
            200,
            "{}",
            br#"{"result_code":400,"result_message":"fail","sub_code":"AUTHCODEEXPIRE"}"#.to_vec(),
            None,
            0,
        )
        .unwrap();
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (r["outcome"].as_str(), r["next"].as_str()),
        (Some("FAILED"), Some("NONE"))
    );
    assert_eq!(r["error"]["code"], "BARCODE_INVALID");
    assert_eq!(r["error"]["providerCode"], "AUTHCODEEXPIRE");

    let e = client
        .build("activate", "{}", 0, "0123456789abcdef".into())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::UnsupportedOperation);
}

// ---------------------------------------------------------------- 3. notifications

const NOTIFY_SECRET: &str = "b9a3c4d1e2f34a5b6c7d8e9f0a1b2c3d";

fn pay_data() -> String {
    json!({"merchant_order_sn": "N-20240101-0001", "order_sn": "20240101080000123456", "channel_order_sn": "4200001234",
           "order_status": "SUCCESS", "pay_type": "wxpay", "total_amount": 9.8, "net_amount": 9.8, "fee": 0.06,
           "buyer_pay_amount": 9.8, "finish_time": "20240101080000"})
    .to_string()
}

/// `pay_data` naming the merchant, as 2.0 notifications do.
fn pay_data_of(merchant_id: Value) -> String {
    let mut d: Value = serde_json::from_str(&pay_data()).unwrap();
    d["merchant_id"] = merchant_id;
    d.to_string()
}

/// A form body of `fields` in the order given, values encoded like a browser (encodeURIComponent).
fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn signed_fields(secret: &str, data: &str) -> Vec<(String, String)> {
    let mut p = params(&[("result_code", "200"), ("result_message", "支付成功"), ("data", data)]);
    let s = sign(&p, secret);
    p.insert("sign".into(), s);
    vec![
        ("result_code".into(), p["result_code"].clone()),
        ("result_message".into(), p["result_message"].clone()),
        ("data".into(), p["data"].clone()),
        ("sign".into(), p["sign"].clone()),
    ]
}

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn notify_gateway(extra: Value) -> Box<dyn Gateway> {
    let mut cfg = json!({"provider": "fubei", "credentials": {"appId": "A", "appSecret": NOTIFY_SECRET}});
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    gateway(cfg)
}

fn headers() -> BTreeMap<String, String> {
    let mut h = BTreeMap::new();
    h.insert("content-type".into(), "application/x-www-form-urlencoded".into());
    h
}

#[test]
fn notification_valid() {
    let gw = notify_gateway(json!({}));
    let fields = signed_fields(NOTIFY_SECRET, &pay_data());
    let body = form(&as_refs(&fields));
    let n = gw
        .verify_notification(&headers(), body.as_bytes(), &ctx(""))
        .expect("valid notification");
    assert_eq!(n.order.state, OrderState::Success);
    assert!(n.order.is_final);
    assert_eq!(n.order.provider_state.as_deref(), Some("SUCCESS"));
    assert_eq!(n.order.merchant_order_no.as_deref(), Some("N-20240101-0001"));
    assert_eq!(n.order.provider_order_no.as_deref(), Some("20240101080000123456"));
    assert_eq!(n.order.channel_order_no.as_deref(), Some("4200001234"));
    assert_eq!(n.order.channel, Some(aggpay::Channel::Wechat));
    assert_eq!(
        (
            n.order.amounts.total,
            n.order.amounts.paid,
            n.order.amounts.fee,
            n.order.amounts.net
        ),
        (Some(980), Some(980), Some(6), Some(974))
    );
    assert_eq!(n.order.paid_at, Some(1_704_067_200_000));
    assert_eq!((n.ack.status, n.ack.body.as_str()), (200, "success"));
    assert_eq!(n.raw.value()["result_code"], "200");
    assert_eq!(n.raw.value()["data"]["order_status"], "SUCCESS");
    assert_eq!(n.raw.value()["data"]["total_amount"].to_string(), "9.8");

    // Through the JSON client surface too.
    let cfg = json!({"provider": "fubei", "credentials": {"appId": "A", "appSecret": NOTIFY_SECRET}}).to_string();
    let out = Client::new(&cfg)
        .unwrap()
        .verify_notification("{}", body.as_bytes(), 0, None)
        .unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["order"]["state"], "SUCCESS");
    assert_eq!(v["ack"]["body"], "success");
}

#[test]
fn notification_reordered_fields_still_valid() {
    let gw = notify_gateway(json!({}));
    let fields = signed_fields(NOTIFY_SECRET, &pay_data());
    let mut refs = as_refs(&fields);
    refs.reverse(); // sign first, result_code last
    let body = form(&refs);
    assert!(body.starts_with("sign="));
    assert!(gw.verify_notification(&headers(), body.as_bytes(), &ctx("")).is_ok());
    // '+' for spaces and lower-case hex escapes, as some form encoders write them.
    let data = json!({"merchant_order_sn": "a b", "order_status": "SUCCESS", "total_amount": 1}).to_string();
    let fields = signed_fields(NOTIFY_SECRET, &data);
    let body = form(&as_refs(&fields)).replace("%20", "+").replace("%7B", "%7b");
    let n = gw.verify_notification(&headers(), body.as_bytes(), &ctx("")).unwrap();
    assert_eq!(n.order.merchant_order_no.as_deref(), Some("a b"));
    // The sign compared case-insensitively.
    let mut lower = fields.clone();
    lower[3].1 = lower[3].1.to_ascii_lowercase();
    assert!(gw
        .verify_notification(&headers(), form(&as_refs(&lower)).as_bytes(), &ctx(""))
        .is_ok());
}

#[test]
fn notification_rejections() {
    let gw = notify_gateway(json!({}));
    let fields = signed_fields(NOTIFY_SECRET, &pay_data());

    let mut tampered = fields.clone();
    tampered[2].1 = tampered[2].1.replace("9.8", "0.01");
    let mut tampered_code = fields.clone();
    tampered_code[0].1 = "400".into();
    let wrong_secret = signed_fields("another-secret", &pay_data());
    let missing: Vec<(String, String)> = fields.iter().filter(|(k, _)| k != "sign").cloned().collect();
    let mut empty_sign = fields.clone();
    empty_sign[3].1 = String::new();
    let mut extra_field = fields.clone();
    extra_field.push(("injected".into(), "1".into()));
    let reserialized = {
        // Re-encoding the data JSON (here: pretty-printed) changes the signed bytes.
        let pretty = serde_json::to_string_pretty(&serde_json::from_str::<Value>(&pay_data()).unwrap()).unwrap();
        let mut f = fields.clone();
        f[2].1 = pretty;
        f
    };

    let cases: Vec<(&str, String, &str)> = vec![
        ("tampered value", form(&as_refs(&tampered)), "BAD_SIGNATURE"),
        ("tampered result_code", form(&as_refs(&tampered_code)), "BAD_SIGNATURE"),
        ("wrong secret", form(&as_refs(&wrong_secret)), "BAD_SIGNATURE"),
        ("re-encoded data", form(&as_refs(&reserialized)), "BAD_SIGNATURE"),
        ("field added", form(&as_refs(&extra_field)), "BAD_SIGNATURE"),
        ("missing sign", form(&as_refs(&missing)), "MISSING_SIGNATURE"),
        ("empty sign", form(&as_refs(&empty_sign)), "MISSING_SIGNATURE"),
        ("empty body", String::new(), "MISSING_SIGNATURE"),
        (
            "JSON body",
            serde_json::to_string(&fields).unwrap(),
            "MISSING_SIGNATURE",
        ),
        (
            "repeated field",
            format!("{}&result_code=200", form(&as_refs(&fields))),
            "MALFORMED",
        ),
        ("bad escape", format!("{}&x=%G1", form(&as_refs(&fields))), "MALFORMED"),
        (
            "truncated escape",
            format!("{}&x=%4", form(&as_refs(&fields))),
            "MALFORMED",
        ),
        ("not UTF-8", format!("{}&x=%FF", form(&as_refs(&fields))), "MALFORMED"),
    ];
    for (name, body, reason) in cases {
        let e = gw
            .verify_notification(&headers(), body.as_bytes(), &ctx(""))
            .expect_err(name);
        assert_eq!(e.code, ErrorCode::NotificationInvalid, "{name}");
        assert_eq!(e.reason, Some(reason), "{name}: {}", e.message);
        assert!(!e.to_json().contains(NOTIFY_SECRET));
    }
    // A tampered notification explains what to pass.
    let e = gw
        .verify_notification(&headers(), form(&as_refs(&tampered)).as_bytes(), &ctx(""))
        .unwrap_err();
    assert!(e.message.contains("raw"), "{}", e.message);
}

#[test]
fn notification_signed_but_malformed() {
    let gw = notify_gateway(json!({}));
    for data in [
        "not json",
        "[1,2]",
        "",
        r#"{"order_status":"SUCCESS","total_amount":1.005}"#,
        r#"{"order_status":"SUCCESS","total_amount":"1e2"}"#,
    ] {
        let fields = signed_fields(NOTIFY_SECRET, data);
        let e = gw
            .verify_notification(&headers(), form(&as_refs(&fields)).as_bytes(), &ctx(""))
            .expect_err(data);
        assert_eq!(
            (e.code, e.reason),
            (ErrorCode::NotificationInvalid, Some("MALFORMED")),
            "{data}: {}",
            e.message
        );
    }
}

#[test]
fn notification_variants() {
    // The .NET SDK signs result_message even when empty; the documented rule drops it. Both verify.
    let gw = notify_gateway(json!({"notifyAck": "SUCCESS"}));
    let data = pay_data();
    let dotnet = {
        let base = format!("data={data}&result_code=200&result_message={NOTIFY_SECRET}");
        md5_upper(base.as_bytes())
    };
    let body = form(&[
        ("result_code", "200"),
        ("result_message", ""),
        ("data", &data),
        ("sign", &dotnet),
    ]);
    let n = gw
        .verify_notification(&headers(), body.as_bytes(), &ctx(""))
        .expect(".NET-style sign");
    assert_eq!(n.ack.body, "SUCCESS");
    let documented = sign(
        &params(&[("result_code", "200"), ("result_message", ""), ("data", &data)]),
        NOTIFY_SECRET,
    );
    let body = form(&[
        ("result_code", "200"),
        ("result_message", ""),
        ("data", &data),
        ("sign", &documented),
    ]);
    assert!(gw.verify_notification(&headers(), body.as_bytes(), &ctx("")).is_ok());

    // 2.0 service-provider level: signed with the vendor secret, not an app secret.
    let vendor = gateway(json!({"provider": "fubei", "apiVersion": "2.0",
        "credentials": {"vendorSn": "V", "vendorSecret": "vendor-secret", "merchantId": 1}}));
    let fields = signed_fields("vendor-secret", &pay_data_of(json!(1)));
    assert!(vendor
        .verify_notification(&headers(), form(&as_refs(&fields)).as_bytes(), &ctx(""))
        .is_ok());
    let fields = signed_fields(NOTIFY_SECRET, &pay_data_of(json!(1)));
    assert!(vendor
        .verify_notification(&headers(), form(&as_refs(&fields)).as_bytes(), &ctx(""))
        .is_err());

    // A 1.0 notification (trade_state, type, pay_time).
    let gw = notify_gateway(json!({}));
    let data =
        json!({"merchant_order_sn": "o1", "order_sn": "F1", "trade_state": "SUCCESS", "type": 1, "total_fee": 80,
                      "net_money": 79, "fee": 1, "pay_time": 1496325236})
        .to_string();
    let fields = signed_fields(NOTIFY_SECRET, &data);
    let n = gw
        .verify_notification(&headers(), form(&as_refs(&fields)).as_bytes(), &ctx(""))
        .unwrap();
    assert_eq!(
        (n.order.state, n.order.amounts.total, n.order.amounts.net),
        (OrderState::Success, Some(8000), Some(7900))
    );
    assert_eq!(n.order.paid_at, Some(1_496_325_236_000));

    // A refund notification: the order's own state is not in it.
    let data = json!({"merchant_order_sn": "o1", "order_sn": "F1", "merchant_refund_sn": "R1", "refund_sn": "FR1",
                      "refund_status": "REFUND_SUCCESS", "refund_amount": 0.5})
    .to_string();
    let fields = signed_fields(NOTIFY_SECRET, &data);
    let n = gw
        .verify_notification(&headers(), form(&as_refs(&fields)).as_bytes(), &ctx(""))
        .unwrap();
    // The order keeps what the notice says of it (its numbers); the refund carries the rest.
    assert_eq!(
        (n.order.state, n.order.provider_state.as_deref()),
        (OrderState::Unknown, None)
    );
    assert_eq!(n.order.merchant_order_no.as_deref(), Some("o1"));
    assert_eq!(n.order.amounts.refunded, None);
    let r = n.refund.expect("the refund notice's refund");
    assert_eq!(
        (
            r.refund_no.as_deref(),
            r.provider_refund_no.as_deref(),
            r.amount,
            r.state,
            r.provider_state.as_deref()
        ),
        (
            Some("R1"),
            Some("FR1"),
            Some(50),
            aggpay::RefundState::Success,
            Some("REFUND_SUCCESS")
        )
    );
}

/// A refund notice through the client: read (not UNREADABLE) when its refund_status is in the table, for
/// either generation's spelling (`refund_amount` 2.0, `refund_money` 1.0); refused so Fubei resends when
/// the status is one no source lists.
#[test]
fn refund_notices_through_the_client() {
    let cfg = json!({"provider": "fubei", "credentials": {"appId": "A", "appSecret": NOTIFY_SECRET}}).to_string();
    let client = Client::new(&cfg).unwrap();
    let verify = |data: Value| {
        let fields = signed_fields(NOTIFY_SECRET, &data.to_string());
        client.verify_notification("{}", form(&as_refs(&fields)).as_bytes(), 0, None)
    };
    for (status, amount, state) in [
        ("REFUND_SUCCESS", json!({"refund_amount": 1.5}), "SUCCESS"),
        ("REFUND_PROCESSING", json!({"refund_money": "1.50"}), "PENDING"),
        ("REFUND_FAIL", json!({"refund_amount": 1.5}), "FAILED"),
        ("REFUND_FAILER", json!({"refund_money": 1.5}), "FAILED"),
    ] {
        let mut data = json!({"merchant_order_sn": "o1", "order_sn": "F1", "merchant_refund_sn": "R1",
                              "refund_sn": "FR1", "refund_status": status});
        for (k, v) in amount.as_object().unwrap() {
            data[k] = v.clone();
        }
        let out = verify(data).unwrap_or_else(|e| panic!("{status}: {e:?}"));
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["refund"]["state"], state, "{status}");
        assert_eq!(v["refund"]["amount"], 150, "{status}");
        assert_eq!(
            (&v["refund"]["refundNo"], &v["order"]["merchantOrderNo"]),
            (&json!("R1"), &json!("o1"))
        );
        assert_eq!(v["ack"]["body"], "success");
    }
    let e = verify(json!({"merchant_order_sn": "o1", "merchant_refund_sn": "R1", "refund_status": "REFUND_CLOSED"}))
        .expect_err("unlisted refund status");
    assert_eq!(e.reason, Some("UNREADABLE"), "{e:?}");
}

// ---------------------------------------------------------------- 4. whose notification it is

/// 2.0 vendor credentials: one vendor secret signs the notifications of every merchant of the vendor,
/// so a genuine notice for another merchant carrying our order number verifies. Only its merchant_id
/// (or uid, "同merchant_id") says whose it is; a notice that names no merchant cannot be told apart.
#[test]
fn vendor_notification_for_another_merchant_is_wrong_merchant() {
    let vendor = gateway(json!({"provider": "fubei", "apiVersion": "2.0",
        "credentials": {"vendorSn": "V", "vendorSecret": "vendor-secret", "merchantId": 1688001}}));
    let with = |changes: Value| {
        let mut d: Value = serde_json::from_str(&pay_data()).unwrap();
        for (k, v) in changes.as_object().unwrap() {
            d[k] = v.clone();
        }
        d.to_string()
    };
    for (what, data) in [
        ("another merchant_id", with(json!({"merchant_id": 1688002}))),
        ("another merchant_id as text", with(json!({"merchant_id": "1688002"}))),
        ("another uid", with(json!({"uid": 1688002}))),
        (
            "ours and another",
            with(json!({"merchant_id": 1688001, "uid": 1688002})),
        ),
        ("no merchant named", pay_data()),
        ("empty merchant_id", with(json!({"merchant_id": ""}))),
    ] {
        let fields = signed_fields("vendor-secret", &data);
        let e = vendor
            .verify_notification(&headers(), form(&as_refs(&fields)).as_bytes(), &ctx(""))
            .expect_err(what);
        assert_eq!(
            (e.code, e.reason),
            (ErrorCode::NotificationInvalid, Some("WRONG_MERCHANT")),
            "{what}: {}",
            e.message
        );
        assert!(e.message.contains("merchant_id"), "{what}: {}", e.message);
        assert!(!e.message.contains("1688002"), "{what}: {}", e.message);
    }
    for (what, data) in [
        ("merchant_id", with(json!({"merchant_id": 1688001}))),
        ("merchant_id as text", with(json!({"merchant_id": "1688001"}))),
        ("uid", with(json!({"uid": 1688001}))),
    ] {
        let fields = signed_fields("vendor-secret", &data);
        let n = vendor
            .verify_notification(&headers(), form(&as_refs(&fields)).as_bytes(), &ctx(""))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(n.order.state, OrderState::Success, "{what}");
    }
    // App credentials belong to one merchant: the signature itself says whose the notice is.
    let app = notify_gateway(json!({}));
    let fields = signed_fields(NOTIFY_SECRET, &with(json!({"merchant_id": 42})));
    assert!(app
        .verify_notification(&headers(), form(&as_refs(&fields)).as_bytes(), &ctx(""))
        .is_ok());
}
