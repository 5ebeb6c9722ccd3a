use super::*;
use crate::error::ErrorCode;
use serde_json::{json, Value};

#[test]
fn yuan_to_fen_digit_rules() {
    assert_eq!(yuan_to_fen("9.80").unwrap(), 980);
    assert_eq!(yuan_to_fen("9.8").unwrap(), 980);
    assert_eq!(yuan_to_fen("0.07").unwrap(), 7);
    assert_eq!(yuan_to_fen("100").unwrap(), 10000);
    assert_eq!(yuan_to_fen("0").unwrap(), 0);
    assert_eq!(yuan_to_fen("90071992547409.91").unwrap(), MAX_FEN);
    for bad in [
        "1.234",
        "-1",
        "abc",
        "",
        "1.",
        ".5",
        "+1",
        "1e2",
        "01.00",
        "1,00",
        " 1",
        "90071992547409.92",
    ] {
        let e = yuan_to_fen(bad).unwrap_err();
        assert_eq!(e.code, crate::error::ErrorCode::InvalidInput, "{bad}");
    }
}

#[test]
fn fen_to_yuan_text() {
    assert_eq!(fen_to_yuan(980).unwrap(), "9.80");
    assert_eq!(fen_to_yuan(7).unwrap(), "0.07");
    assert_eq!(fen_to_yuan(0).unwrap(), "0.00");
    assert_eq!(fen_to_yuan(10000).unwrap(), "100.00");
    assert!(fen_to_yuan(-1).is_err());
    assert!(fen_to_yuan(MAX_FEN + 1).is_err());
}

#[test]
fn round_trip_is_exact() {
    // A deterministic walk over many magnitudes (xorshift), not a float in sight.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = (x % 10_000_000_000) as i64;
        assert_eq!(yuan_to_fen(&fen_to_yuan(n).unwrap()).unwrap(), n);
    }
}

#[test]
fn input_amounts() {
    use serde_json::json;
    let max = 9_999_999_999;
    assert_eq!(amount_from_input("amount", Some(&json!(980)), max).unwrap(), 980);
    for bad in [
        json!(0),
        json!(-1),
        json!(9.5),
        json!("980"),
        json!(null),
        json!(10_000_000_000i64),
        json!(1e21),
    ] {
        let e = amount_from_input("amount", Some(&bad), max).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("amount"), "{bad}");
    }
    assert!(amount_from_input("amount", None, max)
        .unwrap_err()
        .message
        .contains("required"));
}

#[test]
fn fen_digits_stop_at_max_fen() {
    use crate::error::ErrorCode;
    assert_eq!(parse_fen_digits("980"), Some(980));
    assert_eq!(parse_fen_digits("0"), Some(0));
    assert_eq!(parse_fen_digits("9007199254740991"), Some(MAX_FEN));
    // 16 digits beyond 2^53 − 1, and the largest 16-digit number: JavaScript would round them.
    for above in ["9007199254740992", "9999999999999999", "99999999999999999"] {
        assert_eq!(parse_fen_digits(above), None, "{above}");
        let e = fen_field("total_amount", &Some(above.to_string())).unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedResponse, "{above}");
        assert!(e.message.contains("total_amount"), "{}", e.message);
    }
    for bad in ["-1", "9.80", " 1", "1e3", "+1"] {
        assert_eq!(parse_fen_digits(bad), None, "{bad}");
    }
    assert_eq!(fen_field("f", &None).unwrap(), None);
    assert_eq!(fen_field("f", &Some(String::new())).unwrap(), None);
    assert_eq!(fen_field("f", &Some(MAX_FEN.to_string())).unwrap(), Some(MAX_FEN));
    // A huge value is not copied into the message.
    let huge = "1".repeat(100_000);
    let e = fen_field("net_amount", &Some(huge)).unwrap_err();
    assert!(e.message.len() < 200, "{}", e.message.len());
}

// ---------------------------------------------------------------- yuan as JSON numbers (gateways that speak yuan)

fn num(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("a JSON number")
}

#[test]
fn yuan_from_json_numbers_digit_by_digit() {
    assert_eq!(yuan_value("f", Some(&num("9.8"))).unwrap(), Some(980));
    assert_eq!(yuan_value("f", Some(&num("9.80"))).unwrap(), Some(980));
    assert_eq!(yuan_value("f", Some(&num("0.07"))).unwrap(), Some(7));
    assert_eq!(yuan_value("f", Some(&num("0.1"))).unwrap(), Some(10));
    assert_eq!(yuan_value("f", Some(&num("100"))).unwrap(), Some(10_000));
    assert_eq!(yuan_value("f", Some(&num("0"))).unwrap(), Some(0));
    assert_eq!(yuan_value("f", Some(&num("1.0"))).unwrap(), Some(100));
    assert_eq!(yuan_value("f", Some(&num("90071992547409.91"))).unwrap(), Some(MAX_FEN));
    // The classic float traps come out exact.
    assert_eq!(yuan_value("f", Some(&num("0.29"))).unwrap(), Some(29));
    assert_eq!(yuan_value("f", Some(&num("1.15"))).unwrap(), Some(115));
    assert_eq!(yuan_value("f", Some(&num("4.35"))).unwrap(), Some(435));
    // Strings (discount_money, buyer_pay_amount in seed 001) and absent values.
    assert_eq!(yuan_value("f", Some(&json!("20.00"))).unwrap(), Some(2000));
    assert_eq!(yuan_value("f", Some(&json!(""))).unwrap(), None);
    assert_eq!(yuan_value("f", Some(&Value::Null)).unwrap(), None);
    assert_eq!(yuan_value("f", None).unwrap(), None);
}

#[test]
fn yuan_refusals_are_malformed_response() {
    for bad in [
        "1.005",
        "1e2",
        "1E2",
        "1.5e1",
        "-1",
        "-0.01",
        "90071992547409.92",
        "100000000000000000000000",
        "0.001",
    ] {
        let e = yuan_value("total_fee", Some(&num(bad))).expect_err(bad);
        assert_eq!(e.code, ErrorCode::MalformedResponse, "{bad}");
        assert!(e.message.contains("total_fee"), "{bad}: {}", e.message);
    }
    let e = yuan_value("total_fee", Some(&num("1e2"))).unwrap_err();
    assert!(e.message.contains("exponent"), "{}", e.message);
    for bad in [
        json!("9.8.1"),
        json!(" 9.8"),
        json!("+1"),
        json!("abc"),
        json!(true),
        json!([1]),
        json!({"a": 1}),
    ] {
        let e = yuan_value("fee", Some(&bad)).expect_err("refused");
        assert_eq!(e.code, ErrorCode::MalformedResponse, "{bad}");
    }
}

#[test]
fn fen_written_as_exact_yuan_numbers() {
    for (fen, text) in [
        (980, "9.80"),
        (7, "0.07"),
        (10_000, "100.00"),
        (1, "0.01"),
        (1_000_000_000, "10000000.00"),
    ] {
        let v = yuan_number(fen).unwrap();
        assert!(v.is_number());
        assert_eq!(v.to_string(), text);
        assert_eq!(json!({"total_fee": v}).to_string(), format!("{{\"total_fee\":{text}}}"));
    }
}
