//! What the provider tests share: the client as every caller uses it.

/// For provider tests: `Client::parse` as every caller takes it (the provider's mapping plus the shared
/// rules), with the result as the JSON the bindings hand to JavaScript.
pub(crate) fn parse_for_test(
    config: &serde_json::Value,
    op: crate::model::Operation,
    input: &serde_json::Value,
    body: Vec<u8>,
    now_ms: i64,
) -> serde_json::Value {
    let mut client = super::Client::new(&config.to_string()).expect("test config");
    let name = serde_json::to_value(op).expect("operation name");
    let out = client
        .parse(
            name.as_str().unwrap_or_default(),
            200,
            "{}",
            body,
            Some(&input.to_string()),
            now_ms,
        )
        .expect("parse answers");
    serde_json::from_str(&out).expect("JSON")
}
