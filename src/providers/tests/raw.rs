//! `raw`: the answer's own text when it holds no secret, else the redacted value; null when not JSON.

use crate::client::{result_json, to_json};
use crate::http::Ack;
use crate::model::{Next, Notification, Operation, OperationResult, Order, OrderState, Outcome, Provider};
use crate::providers::{decode_json, parse_json, Raw};
use serde_json::{json, Value};

const SECRETS: &[&str] = &["terminal_key", "vendor_key"];

fn result_with(raw: Raw) -> OperationResult {
    let mut r = OperationResult::new(Provider("test"), Operation::Query, Outcome::Succeeded, Next::None);
    r.raw = raw;
    r
}

/// The result's JSON text with `raw` from `body`, as the bindings write it.
fn result_text(body: impl AsRef<[u8]>, secret_fields: &[&str]) -> String {
    result_json(result_with(decode_json(body.as_ref(), secret_fields).raw)).unwrap()
}

#[test]
fn an_answer_without_secrets_is_handed_back_as_its_own_text() {
    // Keys out of sorted order, a yuan amount with a trailing zero, a big number, escapes, non-ASCII text.
    let body =
        r#"{"z":1,"a":{"total_amount":9.80,"big":12345678901234567890,"s":"a\"b\\c\/d 咖啡"},"list":[0.10,2,null]}"#;
    for fields in [&[][..], SECRETS] {
        let d = decode_json(format!(" \r\n{body}\t ").as_bytes(), fields);
        assert_eq!(
            d.raw.text(),
            Some(body),
            "the text as it came, without the whitespace around it"
        );
        assert_eq!(d.raw.to_string(), body);
        assert_eq!(d.raw, d.body, "the same JSON as the value the provider reads");
        let out = result_text(body, fields);
        assert!(out.ends_with(&format!(r#","raw":{body}}}"#)), "{out}");
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["raw"]["a"]["total_amount"].to_string(), "9.80");
    }
    // Any JSON value, not only objects.
    for body in ["[1,2]", "null", "\"BBS00000\"", "0.10", "true"] {
        let want =
            format!(r#"{{"provider":"test","operation":"query","outcome":"SUCCEEDED","next":"NONE","raw":{body}}}"#);
        assert_eq!(result_text(body, SECRETS), want);
    }
}

#[test]
fn the_spliced_result_is_the_json_serde_writes() {
    let body = r#"{"b":{"y":[1,{"x":"咖啡\n"}],"a":-0.50},"a":"x"}"#;
    let r = result_with(decode_json(body.as_bytes(), &[]).raw);
    assert!(r.raw.text().is_some());
    let spliced: Value = serde_json::from_str(&result_json(r.clone()).unwrap()).unwrap();
    // Through serde (the text parsed again), and with the value itself: the same JSON.
    assert_eq!(spliced, serde_json::to_value(&r).unwrap());
    assert_eq!(spliced, serde_json::from_str::<Value>(&to_json(&r).unwrap()).unwrap());
    assert_eq!(spliced["raw"], serde_json::from_str::<Value>(body).unwrap());
    // A notification too, and a raw held as a value takes serde's path.
    let order = Order::named(OrderState::Success, true, [Some("A1"), None, None], None);
    let notice = |raw| Notification {
        order: order.clone(),
        verified: true,
        refund: None,
        ack: Ack::text("success"),
        raw,
    };
    let text = result_json(notice(decode_json(body.as_bytes(), &[]).raw)).unwrap();
    assert!(text.ends_with(&format!(r#","raw":{body}}}"#)), "{text}");
    let value = result_json(notice(json!({"k": "v"}).into())).unwrap();
    assert!(value.ends_with(r#","raw":{"k":"v"}}"#), "{value}");
}

#[test]
fn an_answer_naming_a_secret_field_is_redacted() {
    let cases = [
        // At any depth, in objects and arrays.
        (
            r#"{"biz_response":{"terminal_sn":"T2","terminal_key":"K-SECRET"}}"#,
            "K-SECRET",
        ),
        (r#"[{"a":[{"vendor_key":"V-SECRET"}]}]"#, "V-SECRET"),
        // Spelled with an escape: JSON.parse reads it as terminal_key.
        (r#"{"terminal\u005fkey":"E-SECRET"}"#, "E-SECRET"),
        (r#"{"\u0074erminal_key":"F-SECRET"}"#, "F-SECRET"),
        // Hidden from the parsed value by a later duplicate key (last wins), still in the text.
        (r#"{"a":{"terminal_key":"D-SECRET"},"a":1}"#, "D-SECRET"),
        (r#"{"a":{"terminal\u005fkey":"DE-SECRET"},"a":1}"#, "DE-SECRET"),
    ];
    for (body, secret) in cases {
        let d = decode_json(body.as_bytes(), SECRETS);
        assert_eq!(d.raw.text(), None, "{body}");
        let out = result_text(body, SECRETS);
        assert!(!out.contains(secret), "{body}: {out}");
        assert!(!format!("{:?}", d.raw).contains(secret), "{body}");
        assert!(!d.raw.to_string().contains(secret), "{body}");
    }
    let (_, raw) = parse_json(cases[0].0.as_bytes(), SECRETS).unwrap();
    assert_eq!(
        raw,
        json!({"biz_response": {"terminal_sn": "T2", "terminal_key": "<redacted>"}})
    );
    // A string equal to a secret's name only costs the fast path; nothing is redacted that is not a field.
    let (_, raw) = parse_json(br#"{"note":"terminal_key"}"#, SECRETS).unwrap();
    assert_eq!(raw.text(), None);
    assert_eq!(raw, json!({"note": "terminal_key"}));
}

#[test]
fn names_that_only_contain_a_secret_name_and_escapes_of_other_text_keep_the_fast_path() {
    // Not secret fields (redact replaces exact names only), and an escape that spells no ASCII character.
    let body = r#"{"old_terminal_key":"x","note":"no terminal_key here","subject":"\u5496\u5561"}"#;
    let (value, raw) = parse_json(body.as_bytes(), SECRETS).unwrap();
    assert_eq!(raw.text(), Some(body));
    assert_eq!(value["subject"], "咖啡");
}

#[test]
fn a_secret_name_that_an_escape_other_than_u_could_spell_is_never_taken_as_absent() {
    // `\/` makes "a/b": the text has no literal "a/b", but the name is not provably absent.
    let (_, raw) = parse_json(br#"{"a\/b":"S"}"#, &["a/b"]).unwrap();
    assert_eq!(raw.text(), None);
    assert_eq!(raw, json!({"a/b": "<redacted>"}));
}

#[test]
fn a_body_that_is_not_json_gives_raw_null_and_is_never_spliced() {
    let bodies: [&[u8]; 10] = [
        b"<html>502 Bad Gateway</html>",
        b"",
        b"   ",
        br#"{"a":1} trailing"#,
        br#"{"a":1}{"b":2}"#,
        br#"{"a":1},"injected":true"#,
        br#"{"a":"#,
        b"\xef\xbb\xbf{\"a\":1}",
        // Text the value parser refuses: a lone surrogate, a byte that is not UTF-8.
        br#"{"a":"\ud800"}"#,
        b"{\"a\":\"\xff\"}",
    ];
    for body in bodies {
        let d = decode_json(body, SECRETS);
        assert_eq!(d.body, Value::Null, "{}", String::from_utf8_lossy(body));
        assert_eq!(d.raw.text(), None, "{}", String::from_utf8_lossy(body));
        assert_eq!(d.raw, Value::Null);
        assert!(result_text(body, SECRETS).ends_with(r#","raw":null}"#));
        assert!(parse_json(body, &[]).is_none());
    }
}
