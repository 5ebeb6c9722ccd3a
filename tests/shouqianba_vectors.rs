//! Shouqianba known-answer vectors and end-to-end checks through the public API:
//! request signing (MD5 over body ++ key), the WAP cashier signature and URL, and notification
//! verification (SHA256withRSA over the raw body).
//!
//! Every vector is copied into this file: the tests never read the shared spec directory.

mod common;
use aggpay::http::HttpRequest;
use aggpay::providers::shouqianba::{authorization, wap_sign};
use aggpay::providers::{create, Ctx, Gateway, Input};
use aggpay::Result;
use aggpay::{Client, ErrorCode, Operation, OrderState};
use common::{NOTIFY_KEY as PRIVATE_KEY_PKCS8, NOTIFY_PUBLIC_KEY as PUBLIC_KEY_SPKI};
use serde_json::{json, Value};
use std::collections::BTreeMap;

// ---------------------------------------------------------------- vectors (from the signing vectors file)

/// kind "request-md5".
const MD5_BODY: &str = r#"{"terminal_sn":"10298371039","client_sn":"7654321132"}"#;
const MD5_SN: &str = "10298371039";
const MD5_KEY: &str = "68d499beda5f72116592f5c527465656";
const MD5_EXPECTED: &str = "10298371039 7d9a553efc8fb361f115b071a7fe726d";

/// kind "wap-gateway-md5".
const WAP_PARAMS: [(&str, &str); 6] = [
    ("client_sn", "test"),
    ("operator", "TEST"),
    ("return_url", "test"),
    ("subject", "TEST"),
    ("terminal_sn", "test"),
    ("total_amount", "3"),
];
const WAP_KEY: &str = "test";
const WAP_STRING: &str =
    "client_sn=test&operator=TEST&return_url=test&subject=TEST&terminal_sn=test&total_amount=3&key=test";
const WAP_SIGN: &str = "D5AFC533FFD5EE8DA62A96661D636FF7";

// ---------------------------------------------------------------- helpers

/// `build` for a provider that signs by itself: the request is complete (nothing left for a host signer).
trait BuildRequest {
    fn request(&self, op: Operation, input: &Input, ctx: &Ctx) -> Result<HttpRequest>;
}

impl<G: Gateway + ?Sized> BuildRequest for G {
    fn request(&self, op: Operation, input: &Input, ctx: &Ctx) -> Result<HttpRequest> {
        self.build(op, input, ctx).map(|p| {
            assert!(
                p.to_sign.is_none(),
                "Shouqianba signs by itself: nothing is left for a host signer"
            );
            p.request
        })
    }
}

fn md5_lower(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn input(v: Value) -> Input {
    aggpay::providers::read(&v).expect("test input must deserialize")
}

fn gateway(sn: &str, key: &str) -> Box<dyn Gateway> {
    create(&json!({"provider": "shouqianba", "credentials": {"terminalSn": sn, "terminalKey": key}}).to_string())
        .expect("config")
}

fn ctx() -> Ctx {
    Ctx {
        now_ms: 1_704_067_200_000,
        nonce: "n".into(),
        verifier: Default::default(),
    }
}

fn wap_params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Percent-decoding for checking the URLs we build (UTF-8, `%XX` only; `+` is literal).
fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex escape"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

/// Splits `base?k=v&…` into (base, ordered decoded pairs).
fn split_url(url: &str) -> (String, Vec<(String, String)>) {
    let (base, query) = url.split_once('?').expect("url has a query");
    let pairs = query
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("k=v");
            (url_decode(k), url_decode(v))
        })
        .collect();
    (base.to_string(), pairs)
}

// ---------------------------------------------------------------- 1. request signing

#[test]
fn request_md5_vector() {
    assert_eq!(authorization(MD5_SN, MD5_KEY, MD5_BODY), MD5_EXPECTED);
    // Independent path: md5 of body ++ key with the md-5 crate directly.
    assert_eq!(
        format!("{MD5_SN} {}", md5_lower(format!("{MD5_BODY}{MD5_KEY}").as_bytes())),
        MD5_EXPECTED
    );
}

#[test]
fn authorization_is_lowercase_hex_single_space() {
    let a = authorization("sn", "k", "{}");
    let (sn, sign) = a.split_once(' ').unwrap();
    assert_eq!(sn, "sn");
    assert_eq!(sign.len(), 32);
    assert!(
        sign.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)),
        "{sign}"
    );
    // The key is appended without separator: changing where the boundary falls changes nothing.
    assert_eq!(authorization("sn", "bc", "a"), authorization("sn", "c", "ab"));
    assert_ne!(authorization("sn", "k1", "{}"), authorization("sn", "k2", "{}"));
}

#[test]
fn wap_vector() {
    let (string, sign) = wap_sign(&wap_params(&WAP_PARAMS), WAP_KEY);
    assert_eq!(string, WAP_STRING);
    assert_eq!(sign, WAP_SIGN);
    assert_eq!(md5_lower(WAP_STRING.as_bytes()).to_ascii_uppercase(), WAP_SIGN);
}

#[test]
fn wap_sign_drops_empty_sign_and_sign_type() {
    let mut p = wap_params(&WAP_PARAMS);
    p.insert("description".into(), String::new());
    p.insert("sign".into(), "WHATEVER".into());
    p.insert("sign_type".into(), "MD5".into());
    let (string, sign) = wap_sign(&p, WAP_KEY);
    assert_eq!(string, WAP_STRING);
    assert_eq!(sign, WAP_SIGN);
}

/// Each built request: the header signs exactly the body string returned (bytes signed = bytes sent).
#[test]
fn built_requests_sign_the_exact_body() {
    let sn = MD5_SN;
    let key = MD5_KEY;
    let gw = gateway(sn, key);
    let cases: Vec<(Operation, Value, &str)> = vec![
        (Operation::Checkin, json!({"deviceId": "dev-1"}), "/terminal/checkin"),
        (
            Operation::Pay,
            json!({"merchantOrderNo": "7654321132", "amount": 980, "authCode": "134567890123456789",
                   "subject": "咖啡 Coffee \"x\"", "operator": "op1", "payway": "3"}),
            "/upay/v2/pay",
        ),
        (
            Operation::Precreate,
            json!({"merchantOrderNo": "7654321133", "amount": 1, "subject": "s", "operator": "o", "payway": "2"}),
            "/upay/v2/precreate",
        ),
        (
            Operation::Query,
            json!({"merchantOrderNo": "7654321132"}),
            "/upay/v2/query",
        ),
        (
            Operation::Refund,
            json!({"providerOrderNo": "7895259244996965", "refundNo": "R1", "amount": 100, "operator": "op"}),
            "/upay/v2/refund",
        ),
        (
            Operation::Cancel,
            json!({"merchantOrderNo": "7654321132"}),
            "/upay/v2/cancel",
        ),
        (
            Operation::Revoke,
            json!({"merchantOrderNo": "7654321132"}),
            "/upay/v2/revoke",
        ),
    ];
    for (op, inp, path) in cases {
        let req = gw
            .request(op, &input(inp), &ctx())
            .unwrap_or_else(|e| panic!("{op:?}: {e}"));
        assert_eq!(req.method, "POST", "{op:?}");
        assert_eq!(req.url, format!("https://vsi-api.shouqianba.com{path}"), "{op:?}");
        assert_eq!(
            req.headers.get("content-type").map(String::as_str),
            Some("application/json"),
            "{op:?}"
        );
        let auth = req.headers.get("authorization").expect("authorization header");
        assert_eq!(auth, &authorization(sn, key, &req.body), "{op:?}");
        assert_eq!(
            auth,
            &format!("{sn} {}", md5_lower(format!("{}{key}", req.body).as_bytes())),
            "{op:?}"
        );
        // The body is JSON, every value a string, carrying the terminal.
        let body: Value = serde_json::from_str(&req.body).expect("body is JSON");
        assert_eq!(body["terminal_sn"], sn, "{op:?}");
        for (k, v) in body.as_object().unwrap() {
            assert!(v.is_string(), "{op:?}: {k} is not a string: {v}");
        }
        // The key is never sent.
        assert!(!req.body.contains(key) && !auth.contains(key), "{op:?}");
    }
}

#[test]
fn built_query_with_the_vector_terminal_matches_md5_of_its_body() {
    let gw = gateway(MD5_SN, MD5_KEY);
    let req = gw
        .request(
            Operation::Query,
            &input(json!({"merchantOrderNo": "7654321132"})),
            &ctx(),
        )
        .unwrap();
    let body: Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(body, json!({"terminal_sn": "10298371039", "client_sn": "7654321132"}));
    // Whatever the key order, the signature is over the exact bytes sent.
    let expected = format!("{MD5_SN} {}", md5_lower(format!("{}{MD5_KEY}", req.body).as_bytes()));
    assert_eq!(req.headers["authorization"], expected);
    if req.body == MD5_BODY {
        assert_eq!(req.headers["authorization"], MD5_EXPECTED);
    }
}

#[test]
fn pay_body_fields() {
    let gw = gateway("T1", "K1");
    let req = gw
        .request(
            Operation::Pay,
            &input(
                json!({"merchantOrderNo": "o1", "amount": 980, "authCode": "2888", "subject": "s", "operator": "op",
                          "payway": "2", "description": "d", "longitude": "121.1", "latitude": "31.2",
                          "deviceId": "dev", "reflect": "r", "notifyUrl": "https://m.example/n",
                          "extra": {"extended": {"k": "v"}}}),
            ),
            &ctx(),
        )
        .unwrap();
    let body: Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(
        body,
        json!({"terminal_sn": "T1", "client_sn": "o1", "total_amount": "980", "dynamic_id": "2888", "subject": "s",
               "operator": "op", "payway": "2", "description": "d", "longitude": "121.1", "latitude": "31.2",
               "device_id": "dev", "reflect": "r", "notify_url": "https://m.example/n", "extended": {"k": "v"}})
    );
}

#[test]
fn activate_is_signed_with_vendor_credentials() {
    // No terminal configured: activate does not need one.
    let gw = create(r#"{"provider":"shouqianba"}"#).unwrap();
    let inp = input(
        json!({"vendorSn": "91801234", "vendorKey": "vendor-key-1", "appId": "2017010100000001",
                           "code": "12345678", "deviceId": "dev-1", "name": "till 1"}),
    );
    let req = gw.request(Operation::Activate, &inp, &ctx()).unwrap();
    assert_eq!(req.url, "https://vsi-api.shouqianba.com/terminal/activate");
    assert_eq!(
        req.headers["authorization"],
        authorization("91801234", "vendor-key-1", &req.body)
    );
    assert_eq!(
        req.headers["authorization"],
        format!("91801234 {}", md5_lower(format!("{}vendor-key-1", req.body).as_bytes()))
    );
    let body: Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(
        body,
        json!({"app_id": "2017010100000001", "code": "12345678", "device_id": "dev-1", "name": "till 1"})
    );
}

#[test]
fn client_json_surface_signs_the_exact_body() {
    let cfg =
        json!({"provider": "shouqianba", "credentials": {"terminalSn": MD5_SN, "terminalKey": MD5_KEY}}).to_string();
    let client = Client::new(&cfg).unwrap();
    let out = client
        .build("query", r#"{"merchantOrderNo":"7654321132"}"#, 0, String::new())
        .unwrap();
    let out: Value = serde_json::from_str(&out).unwrap();
    // Complete as built: nothing is left for a host signer.
    assert_eq!(out["toSign"], Value::Null);
    let req = &out["request"];
    let body = req["body"].as_str().unwrap();
    assert_eq!(req["method"], "POST");
    assert_eq!(req["headers"]["authorization"], authorization(MD5_SN, MD5_KEY, body));
    // A typo in the input is refused, naming the field.
    let e = client
        .build("pay", r#"{"merchantOrderNo":"1","amuont":5}"#, 0, String::new())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(e.field.as_deref(), Some("amuont"));
    assert!(e.message.contains("amuont"), "{}", e.message);
    // An unknown operation name.
    let e = client.build("capture", "{}", 0, String::new()).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(e.field.as_deref(), Some("operation"));
}

#[test]
fn client_json_surface_parses() {
    let cfg = json!({"provider": "shouqianba", "credentials": {"terminalSn": "T", "terminalKey": "K"}}).to_string();
    let mut client = Client::new(&cfg).unwrap();
    let body = json!({"result_code": "200", "biz_response": {"result_code": "SUCCESS", "data": {
        "sn": "7895259244996965", "client_sn": "o1", "order_status": "PAID", "payway": "3",
        "total_amount": "980", "net_amount": "980", "channel_finish_time": "1704067200000"}}});
    let out = client
        .parse(
            "query",
            200,
            "{}",
            body.to_string().into_bytes(),
            Some(r#"{"merchantOrderNo":"o1"}"#),
            0,
        )
        .unwrap();
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["provider"], "shouqianba");
    assert_eq!(r["operation"], "query");
    assert_eq!(r["outcome"], "SUCCEEDED");
    assert_eq!(r["next"], "NONE");
    assert_eq!(r["order"]["state"], "SUCCESS");
    assert_eq!(r["order"]["final"], true);
    assert_eq!(r["order"]["channel"], "WECHAT");
    assert_eq!(r["order"]["amounts"]["paid"], 980);
    assert_eq!(r["order"]["paidAt"], 1_704_067_200_000i64);

    let out = client.network_failure("pay", "timed out").unwrap();
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (r["outcome"].as_str(), r["next"].as_str()),
        (Some("UNKNOWN"), Some("POLL"))
    );
    assert_eq!(r["error"]["code"], "NETWORK");
    let out = client.network_failure("query", "timed out").unwrap();
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (r["outcome"].as_str(), r["next"].as_str()),
        (Some("UNKNOWN"), Some("RETRY"))
    );
}

// ---------------------------------------------------------------- 10. WAP cashier URL

#[test]
fn wap_pay_url_reproduces_the_vector() {
    let gw = gateway("test", "test");
    let url = gw
        .wap_pay_url(&input(
            json!({"merchantOrderNo": "test", "amount": 3, "subject": "TEST", "operator": "TEST", "returnUrl": "test"}),
        ))
        .unwrap();
    assert_eq!(
        url,
        format!("https://qr.shouqianba.com/gateway?client_sn=test&operator=TEST&return_url=test&subject=TEST&terminal_sn=test&total_amount=3&sign={WAP_SIGN}")
    );
}

#[test]
fn wap_pay_url_encodes_values_and_signs_raw_ones() {
    let cfg = json!({"provider": "shouqianba", "wapBaseUrl": "https://qr.example.test/gateway/",
                     "credentials": {"terminalSn": "100000330001", "terminalKey": "wap-key"}});
    let gw = create(&cfg.to_string()).unwrap();
    let subject = "Coffee 咖啡 & cake=1/2+tax";
    let return_url = "https://shop.example/back?order=o 1&x=中";
    let url = gw
        .wap_pay_url(&input(
            json!({"merchantOrderNo": "o-1", "amount": 1999, "subject": subject, "operator": "店员 1",
                                    "returnUrl": return_url, "payway": "3", "description": "",
                                    "notifyUrl": "https://shop.example/notify", "reflect": "a&b"}),
        ))
        .unwrap();
    let (base, pairs) = split_url(&url);
    assert_eq!(base, "https://qr.example.test/gateway");

    // Values are percent-encoded like encodeURIComponent.
    assert!(
        url.contains("subject=Coffee%20%E5%92%96%E5%95%A1%20%26%20cake%3D1%2F2%2Btax"),
        "{url}"
    );
    assert!(
        url.contains("return_url=https%3A%2F%2Fshop.example%2Fback%3Forder%3Do%201%26x%3D%E4%B8%AD"),
        "{url}"
    );
    assert!(url.contains("operator=%E5%BA%97%E5%91%98%201"), "{url}");
    assert!(!url.contains(' '), "{url}");
    // Empty values are neither sent nor signed.
    assert!(!url.contains("description"), "{url}");

    // sign is last, and equals wap_sign over the decoded (raw) params.
    let (last_k, sign) = pairs.last().unwrap().clone();
    assert_eq!(last_k, "sign");
    let params: BTreeMap<String, String> = pairs[..pairs.len() - 1].iter().cloned().collect();
    assert_eq!(params.len(), pairs.len() - 1, "no duplicate keys");
    assert_eq!(params["subject"], subject);
    assert_eq!(params["return_url"], return_url);
    assert_eq!(params["total_amount"], "1999");
    assert_eq!(params["terminal_sn"], "100000330001");
    assert_eq!(params["client_sn"], "o-1");
    assert_eq!(params["payway"], "3");
    assert_eq!(params["reflect"], "a&b");
    let (string, expected) = wap_sign(&params, "wap-key");
    assert_eq!(sign, expected);
    assert!(
        string.contains(&format!("subject={subject}&")),
        "signed over raw values: {string}"
    );
    // Second path: uppercase md5 of the sorted raw k=v string plus &key=.
    let manual: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    assert_eq!(
        sign,
        md5_lower(format!("{}&key=wap-key", manual.join("&")).as_bytes()).to_ascii_uppercase()
    );
    // The key itself is not in the URL.
    assert!(!url.contains("wap-key"));
}

#[test]
fn wap_pay_url_validation() {
    let gw = gateway("test", "test");
    let ok = json!({"merchantOrderNo": "o", "amount": 3, "subject": "s", "operator": "op", "returnUrl": "https://r"});
    let with = |k: &str, v: Value| {
        let mut o = ok.clone();
        if v.is_null() {
            o.as_object_mut().unwrap().remove(k);
        } else {
            o[k] = v;
        }
        input(o)
    };
    let cases: Vec<(&str, Input, &str)> = vec![
        ("returnUrl missing", with("returnUrl", Value::Null), "returnUrl"),
        ("returnUrl empty", with("returnUrl", json!("")), "returnUrl"),
        (
            "merchantOrderNo missing",
            with("merchantOrderNo", Value::Null),
            "merchantOrderNo",
        ),
        ("subject missing", with("subject", Value::Null), "subject"),
        ("operator missing", with("operator", Value::Null), "operator"),
        ("amount missing", with("amount", Value::Null), "amount"),
        ("amount zero", with("amount", json!(0)), "amount"),
        ("amount string", with("amount", json!("3")), "amount"),
        ("payway not digits", with("payway", json!("x")), "payway"),
        ("latitude alone", with("latitude", json!("31.2")), "longitude"),
        (
            "extra overrides",
            with("extra", json!({"client_sn": "other"})),
            "extra.client_sn",
        ),
    ];
    for (name, inp, field) in cases {
        let e = gw.wap_pay_url(&inp).expect_err(name);
        assert_eq!(e.code, ErrorCode::InvalidInput, "{name}");
        assert_eq!(e.field.as_deref(), Some(field), "{name}");
        assert!(e.message.contains(field), "{name}: {}", e.message);
    }
    // Without a terminal there is nothing to sign with.
    let e = create(r#"{"provider":"shouqianba"}"#)
        .unwrap()
        .wap_pay_url(&with("payway", json!("3")))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidConfig);
}

#[test]
fn wap_pay_url_refuses_extra_sign() {
    let gw = gateway("test", "test");
    for k in ["sign", "sign_type"] {
        let inp = input(
            json!({"merchantOrderNo": "o", "amount": 3, "subject": "s", "operator": "op", "returnUrl": "r",
                               "extra": {k: "X"}}),
        );
        match gw.wap_pay_url(&inp) {
            Err(e) => assert_eq!(e.code, ErrorCode::InvalidInput, "{k}"),
            Ok(url) => {
                let (_, pairs) = split_url(&url);
                let n = pairs.iter().filter(|(key, _)| key == k).count();
                panic!("extra.{k} accepted; the URL has {n} {k:?} params: {url}");
            }
        }
    }
}

// ---------------------------------------------------------------- 9. notifications (SHA256withRSA)

/// `openssl rsa -in key.pem -RSAPublicKey_out` (PKCS#1).
const PUBLIC_KEY_PKCS1: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEApVpPks24mm+j8OKt3xzshFni1tNLQkhX3DiSOcJjoPc9HcY8Kj7l
sCDPS1xC0MPmBEYu4JMkeXlr9jk5Y7moBfjKEyjxak2zUcdpNNt1waBrdH6tAEA5
D7Q4yoC6kZjIlXIlbPqvQSCxoqohEMyR26u6sPf+FPm3zJG4wKvyn/RbKA8Y/Cdx
FgyWTdz9Yy/XgBNWWMDT4Ir1sz7j3HOiV5PUVVVQqC8c4FCNX7GB1PrSyFOee97J
5NiQpV5i8ePpCHkcSwquUGxS3EL3pvLpffzXi8U1/X2Zi9W/WMGsVcz1R+70wi/m
nL20rSrB1VRqLZzK7NGC0Qeuli7UIFYKtwIDAQAB
-----END RSA PUBLIC KEY-----
";

/// The SPKI DER as bare Base64 (`openssl pkey -pubin -outform DER | base64 -w0`).
const PUBLIC_KEY_DER_B64: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApVpPks24mm+j8OKt3xzshFni1tNLQkhX3DiSOcJjoPc9HcY8Kj7lsCDPS1xC0MPmBEYu4JMkeXlr9jk5Y7moBfjKEyjxak2zUcdpNNt1waBrdH6tAEA5D7Q4yoC6kZjIlXIlbPqvQSCxoqohEMyR26u6sPf+FPm3zJG4wKvyn/RbKA8Y/CdxFgyWTdz9Yy/XgBNWWMDT4Ir1sz7j3HOiV5PUVVVQqC8c4FCNX7GB1PrSyFOee97J5NiQpV5i8ePpCHkcSwquUGxS3EL3pvLpffzXi8U1/X2Zi9W/WMGsVcz1R+70wi/mnL20rSrB1VRqLZzK7NGC0Qeuli7UIFYKtwIDAQAB";

/// Another key pair's public key: signatures from the key above must not verify with it.
const OTHER_PUBLIC_KEY_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAyElx2BQ7+aKNzb9wEAky
60Buchnc+Kht63Ubg2q/WE+nntdO1+xU+zg5Yv34Yl3lPhUyc0uK5Fuzrlmm5vLG
u9iFneAABxqDItG/lOY8QQ/PAZ/RaEswEVw0a9BElC0u59OEXF43oMpfvPCjAj97
ExgTfQ2xpy87WQYYZ3O4W0GFfJPbfcYzrgXSBzNWkMeZkY2f2be62CxeMrQ00ZQw
2u4KnHV4C6z5mOo8EFsWm6nS/nBBAaMpT0xB+N0YU6I/57dDDWDnDOqLI5T/exEz
XZoWh3kPkamqlfkffTGws2Vfbkj+nXX/cgLSzoz2fc+RTMZH1o3UXSotziFEP0LT
KwIDAQAB
-----END PUBLIC KEY-----
";

/// A notification body and its signature made by openssl (`openssl dgst -sha256 -sign key.pem | base64 -w0`),
/// an oracle independent of the rsa crate.
const NOTIFY_BODY: &str = r#"{"terminal_sn":"100000330001","sn":"7895259244996965","client_sn":"N-20240101-0001","trade_no":"2024010122001400001","status":"SUCCESS","order_status":"PAID","payway":"2","sub_payway":"1","total_amount":"980","net_amount":"980","finish_time":"1704067200123","channel_finish_time":"1704067200000","subject":"Coffee","operator":"op1"}"#;
const NOTIFY_SIG_OPENSSL: &str = "Q9LrBdQg5whk2e1CCjNV7oZ/13zxUW6kxzXWMlMkY7hkH5NlqHJ094rrfcZm1S44UqnI2lPzpoztnJm7ZUI882spv3saj4imuHhL7Qy8lB+4kDdx5mpPik5pPcEoRt9MI6k3PqdSrR9B8Go728Y7xM5y1hsO8p0eQh2Z0yQeP3iuGqGxY5SHZLnqW+DO1Jp6li0Mge7bLrPuXVvoVYaqDUvoqsncwKXlt9PLmRBtpu0Q3KYLzOxAUfn6K4v4lgfhS9+P3wJ8VGeO3JjTxw/yGAObJKksXiwj1/Hdi6Ctn6RfDeEBXbGRHO7vN2rlVQzJ0S0lRzcu3olvzvRkC/ECHg==";

fn rsa_sign(body: &[u8]) -> String {
    use base64::Engine;
    use rsa::pkcs1v15::SigningKey;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{SignatureEncoding, Signer};
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(PRIVATE_KEY_PKCS8).expect("test private key");
    let sig = SigningKey::<sha2::Sha256>::new(key).sign(body);
    base64::engine::general_purpose::STANDARD.encode(sig.to_bytes())
}

/// The terminal the notification bodies above were made on.
const NOTIFY_TERMINAL: &str = "100000330001";

fn notify_gateway(public_key: &str) -> Box<dyn Gateway> {
    notify_gateway_for(NOTIFY_TERMINAL, public_key)
}

fn notify_gateway_for(terminal_sn: &str, public_key: &str) -> Box<dyn Gateway> {
    create(&json!({"provider": "shouqianba", "credentials": {"terminalSn": terminal_sn, "terminalKey": "K", "notifyPublicKey": public_key}}).to_string())
        .expect("config with notifyPublicKey")
}

fn headers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn rsa_crate_signature_matches_openssl() {
    // PKCS#1 v1.5 signatures are deterministic: the test signer and openssl must agree byte for byte.
    assert_eq!(rsa_sign(NOTIFY_BODY.as_bytes()), NOTIFY_SIG_OPENSSL);
}

#[test]
fn notification_valid_with_each_key_format_and_header_form() {
    for (key_name, key) in [
        ("SPKI PEM", PUBLIC_KEY_SPKI),
        ("PKCS#1 PEM", PUBLIC_KEY_PKCS1),
        ("bare Base64 DER", PUBLIC_KEY_DER_B64),
    ] {
        let gw = notify_gateway(key);
        for (form, header) in [
            ("bare signature", NOTIFY_SIG_OPENSSL.to_string()),
            ("<sn> <sig>", format!("100000330001 {NOTIFY_SIG_OPENSSL}")),
        ] {
            for name in ["Authorization", "authorization"] {
                let n = gw
                    .verify_notification(&headers(&[(name, &header)]), NOTIFY_BODY.as_bytes(), &ctx())
                    .unwrap_or_else(|e| panic!("{key_name}, {form}, {name}: {e}"));
                assert_eq!(n.order.state, OrderState::Success, "{key_name}, {form}");
                assert!(n.order.is_final);
                assert_eq!(n.order.provider_state.as_deref(), Some("PAID"));
                assert_eq!(n.order.merchant_order_no.as_deref(), Some("N-20240101-0001"));
                assert_eq!(n.order.provider_order_no.as_deref(), Some("7895259244996965"));
                assert_eq!(n.order.channel_order_no.as_deref(), Some("2024010122001400001"));
                assert_eq!(n.order.amounts.total, Some(980));
                assert_eq!(n.order.amounts.paid, Some(980));
                assert_eq!(n.order.amounts.refunded, Some(0));
                assert_eq!(n.order.paid_at, Some(1_704_067_200_000));
                assert_eq!(n.ack.status, 200);
                assert_eq!(n.ack.body, "success");
                assert_eq!(n.raw, serde_json::from_str::<Value>(NOTIFY_BODY).unwrap());
            }
        }
    }
}

#[test]
fn notification_signed_in_test_verifies() {
    let gw = notify_gateway(PUBLIC_KEY_SPKI);
    let body = json!({"terminal_sn": NOTIFY_TERMINAL, "sn": "7895259244996966", "client_sn": "N-2", "order_status": "REFUNDED", "payway": "3",
                      "total_amount": "500", "net_amount": "0", "status": "SUCCESS"})
    .to_string();
    let sig = rsa_sign(body.as_bytes());
    let n = gw
        .verify_notification(&headers(&[("Authorization", &sig)]), body.as_bytes(), &ctx())
        .unwrap();
    assert_eq!(n.order.state, OrderState::Refunded);
    assert_eq!(n.order.amounts.refunded, Some(500));
    // Whitespace around the header value is tolerated.
    let padded = format!("  {sig}  ");
    assert!(gw
        .verify_notification(&headers(&[("Authorization", &padded)]), body.as_bytes(), &ctx())
        .is_ok());
}

#[test]
fn notification_rejections() {
    let gw = notify_gateway(PUBLIC_KEY_SPKI);
    let body = NOTIFY_BODY.as_bytes();
    let good = headers(&[("Authorization", NOTIFY_SIG_OPENSSL)]);
    let tampered = NOTIFY_BODY.replace("\"980\"", "\"1\"");
    let reserialized = serde_json::from_str::<Value>(NOTIFY_BODY).unwrap().to_string();
    assert_ne!(
        reserialized, NOTIFY_BODY,
        "test premise: re-serializing changes the bytes"
    );
    let mut flipped = NOTIFY_SIG_OPENSSL.as_bytes().to_vec();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let sig_then_sn = format!("{NOTIFY_SIG_OPENSSL} 100000330001");

    /// (name, headers, body, expected reason)
    type Case<'a> = (&'a str, &'a BTreeMap<String, String>, &'a [u8], &'static str);
    let cases: Vec<Case> = vec![
        ("tampered body", &good, tampered.as_bytes(), "BAD_SIGNATURE"),
        ("re-serialized body", &good, reserialized.as_bytes(), "BAD_SIGNATURE"),
        ("empty body", &good, b"", "BAD_SIGNATURE"),
    ];
    let flipped_h = headers(&[("Authorization", &flipped)]);
    let garbage_h = headers(&[("Authorization", "not base64 !!")]);
    let reversed_h = headers(&[("Authorization", &sig_then_sn)]);
    let none_h = headers(&[]);
    let empty_h = headers(&[("Authorization", "   ")]);
    let other_h = headers(&[("X-Signature", NOTIFY_SIG_OPENSSL)]);
    let mut cases = cases;
    cases.extend([
        ("flipped signature", &flipped_h, body, "BAD_SIGNATURE"),
        ("garbage signature", &garbage_h, body, "BAD_SIGNATURE"),
        ("signature before sn", &reversed_h, body, "BAD_SIGNATURE"),
        ("no headers", &none_h, body, "MISSING_SIGNATURE"),
        ("blank Authorization", &empty_h, body, "MISSING_SIGNATURE"),
        ("signature in another header", &other_h, body, "MISSING_SIGNATURE"),
    ]);
    for (name, h, b, reason) in cases {
        let e = gw.verify_notification(h, b, &ctx()).expect_err(name);
        assert_eq!(e.code, ErrorCode::NotificationInvalid, "{name}");
        assert_eq!(e.reason, Some(reason), "{name}");
    }

    // The right signature checked with another key.
    let other = notify_gateway(OTHER_PUBLIC_KEY_SPKI);
    let e = other.verify_notification(&good, body, &ctx()).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotificationInvalid);
    assert_eq!(e.reason, Some("BAD_SIGNATURE"));
}

#[test]
fn notification_signed_but_malformed() {
    let gw = notify_gateway(PUBLIC_KEY_SPKI);
    for body in [
        "not json",
        r#"{"order_status":"PAID","total_amount":"9.80"}"#,
        r#"{"order_status":5}"#,
    ] {
        let sig = rsa_sign(body.as_bytes());
        let e = gw
            .verify_notification(&headers(&[("Authorization", &sig)]), body.as_bytes(), &ctx())
            .expect_err(body);
        assert_eq!(e.code, ErrorCode::NotificationInvalid, "{body}");
        assert_eq!(e.reason, Some("MALFORMED"), "{body}");
    }
}

#[test]
fn notification_key_configuration_errors() {
    // No notifyPublicKey configured.
    let gw = gateway("T", "K");
    let e = gw
        .verify_notification(
            &headers(&[("Authorization", NOTIFY_SIG_OPENSSL)]),
            NOTIFY_BODY.as_bytes(),
            &ctx(),
        )
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidConfig);
    assert_eq!(e.field.as_deref(), Some("credentials.notifyPublicKey"));

    // A private key where the public key belongs: refused at configuration, without echoing it.
    let cfg = json!({"provider": "shouqianba", "credentials": {"notifyPublicKey": PRIVATE_KEY_PKCS8}}).to_string();
    let e = create(&cfg).err().expect("private key refused");
    assert_eq!(e.code, ErrorCode::InvalidKey);
    assert_eq!(e.field.as_deref(), Some("credentials.notifyPublicKey"));
    let private_body = PRIVATE_KEY_PKCS8.lines().nth(1).unwrap();
    assert!(!e.message.contains(private_body) && !e.to_json().contains(private_body));

    // Other unusable keys.
    for bad in [
        "",
        "   ",
        "not a key",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "-----BEGIN PUBLIC KEY-----\nAAAA",
    ] {
        let cfg = json!({"provider": "shouqianba", "credentials": {"notifyPublicKey": bad}}).to_string();
        let e = create(&cfg).err().unwrap_or_else(|| panic!("accepted {bad:?}"));
        assert_eq!(e.code, ErrorCode::InvalidKey, "{bad:?}");
    }
}

#[test]
fn notification_partial_refund_with_sn_header_form() {
    // A verified notification about a partly refunded order.
    let gw = notify_gateway(PUBLIC_KEY_DER_B64);
    let body = r#"{"terminal_sn":"100000330001","sn":"1","client_sn":"c","order_status":"PARTIAL_REFUNDED","total_amount":"1000","net_amount":"700","payway":"17"}"#;
    let sig = rsa_sign(body.as_bytes());
    let n = gw
        .verify_notification(
            &headers(&[("authorization", &format!("sn {sig}"))]),
            body.as_bytes(),
            &ctx(),
        )
        .unwrap();
    assert_eq!(n.order.state, OrderState::PartiallyRefunded);
    assert_eq!(
        (n.order.amounts.paid, n.order.amounts.refunded, n.order.amounts.net),
        (Some(1000), Some(300), Some(700))
    );
    assert_eq!(n.order.channel, Some(aggpay::Channel::Unionpay));
}

// ---------------------------------------------------------------- 10. whose notification it is

/// Shouqianba signs every merchant's notifications with one platform key, so a valid signature says
/// only that Shouqianba sent it: a fraudster who pays 0.01 yuan on their own terminal under our order
/// number gets a genuinely signed notice. Only its terminal_sn tells whose it is.
#[test]
fn notification_for_another_terminal_is_wrong_merchant() {
    let ours = notify_gateway(PUBLIC_KEY_SPKI);
    let paid = |terminal: Option<&str>| {
        let mut d = json!({"sn": "7895259244996977", "client_sn": "N-20240101-0001", "order_status": "PAID",
                           "status": "SUCCESS", "payway": "3", "total_amount": "1", "net_amount": "1"});
        if let Some(t) = terminal {
            d["terminal_sn"] = json!(t);
        }
        d.to_string()
    };
    for (what, body) in [
        ("another terminal", paid(Some("100000339999"))),
        ("no terminal_sn", paid(None)),
        ("empty terminal_sn", paid(Some(""))),
        ("our sn as a prefix", paid(Some("1000003300011"))),
    ] {
        let sig = rsa_sign(body.as_bytes());
        for header in [sig.clone(), format!("{NOTIFY_TERMINAL} {sig}")] {
            let e = ours
                .verify_notification(&headers(&[("Authorization", &header)]), body.as_bytes(), &ctx())
                .expect_err(what);
            assert_eq!(e.code, ErrorCode::NotificationInvalid, "{what}");
            assert_eq!(e.reason, Some("WRONG_MERCHANT"), "{what}");
            assert!(e.message.contains("terminal_sn"), "{what}: {}", e.message);
            assert!(!e.message.contains("100000339999"), "{what}: {}", e.message);
        }
    }
    // The same notice is accepted by the client of the terminal it names.
    let body = paid(Some("100000339999"));
    let sig = rsa_sign(body.as_bytes());
    let theirs = notify_gateway_for("100000339999", PUBLIC_KEY_SPKI);
    let n = theirs
        .verify_notification(&headers(&[("Authorization", &sig)]), body.as_bytes(), &ctx())
        .unwrap();
    assert_eq!(n.order.state, OrderState::Success);
}

/// A client without a terminal cannot tell whose a notice is: refused as configuration, before reading it.
#[test]
fn notification_without_a_configured_terminal_is_invalid_config() {
    let gw =
        create(&json!({"provider": "shouqianba", "credentials": {"notifyPublicKey": PUBLIC_KEY_SPKI}}).to_string())
            .unwrap();
    let e = gw
        .verify_notification(
            &headers(&[("Authorization", NOTIFY_SIG_OPENSSL)]),
            NOTIFY_BODY.as_bytes(),
            &ctx(),
        )
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidConfig);
    assert_eq!(e.field.as_deref(), Some("credentials.terminalSn"));
}
