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

#[test]
fn a_genuine_notice_the_library_cannot_read_is_refused_so_the_gateway_resends() {
    use crate::model::{Order, OrderState, Refund, RefundState};
    let named = |state| Order::named(state, false, [Some("o1"), None, None], None);
    let reason = |r: crate::error::Result<()>| r.err().and_then(|e| e.reason);
    assert_eq!(
        reason(crate::providers::readable(&named(OrderState::Success), None)),
        None
    );
    let nameless = Order::named(OrderState::Success, true, [None, None, None], None);
    assert_eq!(reason(crate::providers::readable(&nameless, None)), Some("UNREADABLE"));
    let mut odd = named(OrderState::Unknown);
    odd.provider_state = Some("NEVER_DOCUMENTED".into());
    assert_eq!(reason(crate::providers::readable(&odd, None)), Some("UNREADABLE"));
    let refund = |state| Refund {
        refund_no: Some("r1".into()),
        provider_refund_no: None,
        amount: Some(1),
        state,
        provider_state: None,
    };
    // A refund notice whose order state is not in it counts by its refund's state.
    assert_eq!(
        reason(crate::providers::readable(&odd, Some(&refund(RefundState::Success)))),
        None
    );
    assert_eq!(
        reason(crate::providers::readable(&odd, Some(&refund(RefundState::Unknown)))),
        Some("UNREADABLE")
    );
    // ... and a refund state nobody can read is unreadable even where the order's own state is known.
    let paid = named(OrderState::Success);
    assert_eq!(
        reason(crate::providers::readable(&paid, Some(&refund(RefundState::Unknown)))),
        Some("UNREADABLE")
    );
}
