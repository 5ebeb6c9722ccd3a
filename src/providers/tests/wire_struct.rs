//! `wire_struct!`: the fields a struct reads, and what it refuses as serde's derived reader refused it.

use crate::providers::wire_struct::one_of;
use crate::providers::{read, wire_struct, Secret};
use serde_json::json;
use serde_json::Value;

wire_struct! {
    strict #[derive(Debug, Default, PartialEq)]
    struct Strict {
        name: Option<String> = "name",
        inner: Option<Loose> = "inner",
        ;
        seen: Vec<String>,
    }
}

wire_struct! {
    #[derive(Debug, Default, PartialEq)]
    struct Loose {
        n: Option<i64> = "n",
        key: Option<Secret> = "key",
        any: Option<Value> = "any",
    }
}

#[test]
fn reads_fields_and_refuses_what_serde_refused() {
    let s: Strict = read(&json!({"name": "a", "inner": {"n": 5, "key": "k", "other": 1, "any": null}})).unwrap();
    assert_eq!(s.name.as_deref(), Some("a"));
    let inner = s.inner.unwrap();
    assert_eq!(
        (inner.n, inner.key, inner.any),
        (Some(5), Some(Secret("k".into())), None)
    );
    assert!(s.seen.is_empty());
    assert_eq!(read::<Strict>(&json!({"name": null})).unwrap(), Strict::default());
    let any: Loose = read(&json!({"any": null})).unwrap();
    assert_eq!(any.any, None, "null is absent, as serde had it");
    assert_eq!(read::<Loose>(&json!({"any": [1]})).unwrap().any, Some(json!([1])));

    let e = read::<Strict>(&json!({"nmae": "a"})).unwrap_err();
    assert_eq!(e.path, "nmae");
    assert_eq!(e.rule, "is not a known field, expected `name` or `inner`");
    let e = read::<Strict>(&json!({"inner": {"key": 7}})).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.rule.as_str()),
        ("inner.key", "must be a string (got a number)")
    );
    let e = read::<Strict>(&json!({"inner": {"n": 1.5}})).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.rule.as_str()),
        ("inner.n", "must be an integer (got a number)")
    );
    assert_eq!(
        read::<Strict>(&json!([1])).unwrap_err().rule,
        "must be an object (got an array)"
    );
    assert_eq!(one_of(&["a", "b", "c"]), "one of `a`, `b`, `c`");
}
