use super::*;

#[test]
fn yuan_text_to_fen() {
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
