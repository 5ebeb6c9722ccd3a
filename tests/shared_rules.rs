//! The rules `providers::parse_checked` applies to every provider's answer after its own table (issue 8),
//! shown through the client with Shouqianba's unsigned answers: each row is an answer that, mapped by its
//! result code alone, would have been trusted.

use aggpay::Client;
use serde_json::{json, Value};

fn client() -> Client {
    let config = json!({"provider": "shouqianba", "credentials": {"terminalSn": "T1", "terminalKey": "k"}});
    Client::new(&config.to_string()).expect("config")
}

fn answer(code: &str, status: &str, total: &str, extra: Value) -> Vec<u8> {
    let mut data = json!({"sn": "789", "client_sn": "A1", "order_status": status, "total_amount": total,
                          "net_amount": total, "payway": "3", "status": "SUCCESS"});
    if let (Some(d), Some(x)) = (data.as_object_mut(), extra.as_object()) {
        d.extend(x.clone());
    }
    json!({"result_code": "200", "biz_response": {"result_code": code, "data": data}})
        .to_string()
        .into_bytes()
}

fn parse(op: &str, body: Vec<u8>, input: Value) -> Value {
    let out = client()
        .parse(op, 200, "{}", body, Some(&input.to_string()), 0)
        .expect("result");
    serde_json::from_str(&out).expect("JSON")
}

#[test]
fn answers_whose_code_disagrees_with_their_own_order_are_unknown() {
    let pay = json!({"merchantOrderNo": "A1", "amount": 980});
    let rows = [
        // (operation, result code, order_status, the input asked)
        ("pay", "PAY_SUCCESS", "PAY_CANCELED", &pay),
        ("pay", "PAY_SUCCESS", "CREATED", &pay),
        ("pay", "PAY_FAIL", "PAID", &pay),
        ("cancel", "CANCEL_SUCCESS", "PAID", &json!({"merchantOrderNo": "A1"})),
        ("cancel", "CANCEL_SUCCESS", "CREATED", &json!({"merchantOrderNo": "A1"})),
        (
            "refund",
            "REFUND_SUCCESS",
            "CREATED",
            &json!({"merchantOrderNo": "A1", "refundNo": "R1", "amount": 100}),
        ),
    ];
    for (op, code, status, input) in rows {
        let r = parse(op, answer(code, status, "980", json!({})), input.clone());
        assert_eq!(r["outcome"], "UNKNOWN", "{op} {code} {status}: {r}");
        assert_eq!(r["next"], "POLL", "{op} {code} {status}");
        assert!(r.get("order").is_none(), "an untrusted answer's order is not reported");
    }
    // The consistent answers pass.
    assert_eq!(
        parse("pay", answer("PAY_SUCCESS", "PAID", "980", json!({})), pay.clone())["outcome"],
        "SUCCEEDED"
    );
    let cancel = parse(
        "cancel",
        answer("CANCEL_SUCCESS", "CANCELED", "980", json!({})),
        json!({"merchantOrderNo": "A1"}),
    );
    assert_eq!(cancel["outcome"], "SUCCEEDED");
}

#[test]
fn answers_about_another_order_or_amount_are_unknown() {
    let rows = [
        (
            "pay",
            answer("PAY_SUCCESS", "PAID", "980", json!({"client_sn": "B2"})),
            json!({"merchantOrderNo": "A1", "amount": 980}),
        ),
        (
            "pay",
            answer("PAY_SUCCESS", "PAID", "1", json!({})),
            json!({"merchantOrderNo": "A1", "amount": 980}),
        ),
        (
            "query",
            answer("SUCCESS", "PAID", "980", json!({"sn": "999"})),
            json!({"providerOrderNo": "789"}),
        ),
        // A pay success that names no order at all cannot be tied to this one.
        (
            "pay",
            answer("PAY_SUCCESS", "PAID", "980", json!({"client_sn": null, "sn": null})),
            json!({"merchantOrderNo": "A1", "amount": 980}),
        ),
    ];
    for (op, body, input) in rows {
        let r = parse(op, body, input.clone());
        assert_eq!(r["outcome"], "UNKNOWN", "{op} {input}: {r}");
        assert_eq!(r["error"]["code"], "MALFORMED_RESPONSE", "{op} {input}");
    }
}

#[test]
fn a_number_already_used_is_never_failed() {
    let fail = |ec: &str| {
        json!({"result_code": "200", "biz_response": {"result_code": "FAIL", "error_code": ec, "error_message": "x"}})
            .to_string()
            .into_bytes()
    };
    let refund = json!({"merchantOrderNo": "A1", "refundNo": "R1", "amount": 100});
    let r = parse("refund", fail("REFUND_REQUEST_CONFLICT"), refund);
    assert_eq!(
        (r["outcome"].as_str(), r["next"].as_str()),
        (Some("UNKNOWN"), Some("POLL")),
        "{r}"
    );
    assert_eq!(r["refund"]["state"], "UNKNOWN");
    let r = parse(
        "pay",
        fail("CLIENT_SN_CONFLICT"),
        json!({"merchantOrderNo": "A1", "amount": 980}),
    );
    assert_eq!(
        (r["outcome"].as_str(), r["next"].as_str()),
        (Some("UNKNOWN"), Some("POLL")),
        "{r}"
    );
}
