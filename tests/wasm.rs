//! The core compiled to wasm32 and run under Node by wasm-bindgen-test-runner: the same code paths the
//! npm package uses (a prepared request, JSON in and out), including host randomness for getrandom and no panics on junk.
#![cfg(target_arch = "wasm32")]

use aggpay::{money, Client, ErrorCode};
use wasm_bindgen_test::*;

const CONFIG: &str = r#"{"provider":"shouqianba","baseUrl":"http://127.0.0.1:9","credentials":{"terminalSn":"10298371039","terminalKey":"68d499beda5f72116592f5c527465656"}}"#;

#[wasm_bindgen_test]
fn signs_the_documented_vector_in_wasm() {
    let c = Client::new(CONFIG).unwrap();
    let req: serde_json::Value = serde_json::from_str(
        &c.build("query", r#"{"merchantOrderNo":"7654321132"}"#, 0, "n".into())
            .unwrap(),
    )
    .unwrap();
    assert!(req["toSign"].is_null());
    let body = req["request"]["body"].as_str().unwrap();
    let auth = req["request"]["headers"]["authorization"].as_str().unwrap();
    assert_eq!(
        auth,
        aggpay::providers::shouqianba::authorization("10298371039", "68d499beda5f72116592f5c527465656", body)
    );
    assert_eq!(
        aggpay::providers::shouqianba::authorization(
            "10298371039",
            "68d499beda5f72116592f5c527465656",
            r#"{"terminal_sn":"10298371039","client_sn":"7654321132"}"#
        ),
        "10298371039 7d9a553efc8fb361f115b071a7fe726d"
    );
}

#[wasm_bindgen_test]
fn money_is_exact_in_wasm() {
    assert_eq!(money::yuan_to_fen("9.80").unwrap(), 980);
    assert_eq!(money::fen_to_yuan(980).unwrap(), "9.80");
    assert!(money::yuan_to_fen("1.234").is_err());
}

#[wasm_bindgen_test]
fn parse_maps_and_never_panics() {
    let mut c = Client::new(CONFIG).unwrap();
    let ok = br#"{"result_code":"200","biz_response":{"result_code":"PAY_SUCCESS","data":{"client_sn":"a","sn":"1","order_status":"PAID","total_amount":"980","net_amount":"980"}}}"#;
    let r: serde_json::Value = serde_json::from_str(&c.parse("pay", 200, "{}", ok.to_vec(), None, 0).unwrap()).unwrap();
    assert_eq!(r["outcome"], "SUCCEEDED");
    assert_eq!(r["order"]["amounts"]["total"], 980);
    for junk in [
        &b""[..],
        b"{",
        b"null",
        b"[]",
        b"{\"result_code\":7}",
        b"\xff\xfe",
        b"{\"result_code\":\"200\",\"biz_response\":{\"data\":5}}",
    ] {
        for status in [0u16, 200, 500] {
            let r: serde_json::Value =
                serde_json::from_str(&c.parse("pay", status, "{}", junk.to_vec(), None, 0).unwrap()).unwrap();
            assert_eq!(r["outcome"], "UNKNOWN");
            assert_eq!(r["next"], "POLL");
        }
    }
}

#[wasm_bindgen_test]
fn bad_input_is_a_typed_error() {
    let c = Client::new(CONFIG).unwrap();
    let e = c
        .build("pay", r#"{"merchantOrderNo":"a","amount":0}"#, 0, "n".into())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(e.field.as_deref(), Some("amount"));
    assert_eq!(Client::new("{").err().unwrap().code, ErrorCode::InvalidConfig);
}

#[wasm_bindgen_test]
fn the_prepared_request_is_the_built_one() {
    let c = Client::new(CONFIG).unwrap();
    let prepared = c
        .prepare("query", r#"{"merchantOrderNo":"7654321132"}"#, 0, "n".into())
        .unwrap();
    assert!(prepared.to_sign.is_none());
    let built: serde_json::Value = serde_json::from_str(
        &c.build("query", r#"{"merchantOrderNo":"7654321132"}"#, 0, "n".into())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(built["request"], serde_json::to_value(&prepared.request).unwrap());
}
