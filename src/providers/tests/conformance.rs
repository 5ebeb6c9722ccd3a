//! The rules every provider must keep, run once per provider against the fixture its tests supply
//! (`Descriptor::fixture`). A provider's own test module keeps only what is its own.

use crate::client::Client;
use crate::http::HttpResponse;
use crate::model::{Next, Operation, OperationResult, OrderState, Outcome};
use crate::providers::{all, create, parse_checked, testkit, Ctx, Gateway, Input};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The order an answer is about.
#[derive(Clone, Debug)]
pub struct OrderRef {
    pub merchant_order_no: String,
    pub provider_order_no: String,
    /// Integer fen.
    pub amount: i64,
}

/// A gateway answer to build: `op`'s own success code, with the order in the provider's wire state `state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Said {
    /// The operation's success code, with the order in this wire state (e.g. "PAID").
    Ok(&'static str),
    /// The gateway's refusal of a pay because its order number was already used.
    DuplicateOrder,
}

/// What a provider's tests supply so the suite can run against it. Every answer it builds is genuine:
/// signed with the fixture's gateway key where the protocol signs answers, as the emulator would.
pub trait Fixture {
    /// A config with test credentials.
    fn config(&self) -> Value;
    /// A valid input for `op`, about `order`; `None` when the provider does not offer `op`.
    fn input(&self, op: Operation, order: &OrderRef) -> Option<Value>;
    /// The answer to `op` (with `input(op, order)`) about `order`.
    fn answer(&self, op: Operation, order: &OrderRef, said: Said) -> HttpResponse;
    /// The gateway's documented order states: (wire value, state, final). Every row is read through a
    /// query; anything unlisted must read as UNKNOWN.
    fn states(&self) -> &'static [(&'static str, OrderState, bool)];
    /// The credentials a client cannot be made without (each is refused, named, when absent or empty).
    fn required_credentials(&self) -> &'static [&'static str];
    /// The credentials that hold the merchant's private key (a certificate or blank text there is INVALID_KEY).
    fn private_keys(&self) -> &'static [&'static str] {
        &[]
    }
    /// Every secret in `config()` (keys, passwords), which must never appear in output.
    fn secrets(&self) -> Vec<String>;
    /// A genuine notification about `order` as (headers, body); `None` if the provider has none.
    fn notification(&self, order: &OrderRef) -> Option<(BTreeMap<String, String>, Vec<u8>)>;
    /// Whether a notification's signature travels in its headers (else in its body).
    fn signed_in_headers(&self) -> bool {
        true
    }
    /// A WeChat order paid inside the wallet (JSAPI or mini-program) as this gateway makes it: the input
    /// about `order`, and the gateway's answer carrying its pay parameters, with `drop` (one of
    /// `wallet::WECHAT_KEYS`, under the gateway's own name) left out. `None` where it makes none.
    fn wechat_order(&self, _order: &OrderRef, _drop: Option<&str>) -> Option<(Value, HttpResponse)> {
        None
    }
    /// The configs the README's kinds table shows, as (column suffix, config): one per API version where a
    /// gateway has several that make different orders.
    fn versions(&self) -> Vec<(&'static str, Value)> {
        vec![("", self.config())]
    }
    /// The clock at which the fixture's signed answers and notices are fresh.
    fn now_ms(&self) -> i64 {
        1_700_000_000_000
    }
}

fn order() -> OrderRef {
    OrderRef {
        merchant_order_no: "CONF2026120100001".into(),
        provider_order_no: "7895000000000001".into(),
        amount: 1234,
    }
}

fn other(o: &OrderRef) -> OrderRef {
    OrderRef {
        merchant_order_no: "CONF2026120199999".into(),
        provider_order_no: "7895000000009999".into(),
        amount: o.amount + 1,
    }
}

const ALL_OPS: [Operation; 10] = [
    Operation::Activate,
    Operation::Checkin,
    Operation::Pay,
    Operation::Precreate,
    Operation::Query,
    Operation::Refund,
    Operation::RefundQuery,
    Operation::Cancel,
    Operation::Revoke,
    Operation::Close,
];

/// The operations about orders (all but terminal activation and check-in).
const OPS: &[Operation] = ALL_OPS.split_at(2).1;

/// Runs `check` once per registered provider that has a fixture, naming the provider on failure.
fn each(check: impl Fn(&str, &dyn Fixture)) {
    let mut ran = 0;
    for d in all() {
        let f = (d.fixture)();
        check(d.provider.0, f.as_ref());
        ran += 1;
    }
    assert!(ran > 0, "no provider has a conformance fixture");
}

fn parse(f: &dyn Fixture, op: Operation, input: &Value, resp: &HttpResponse) -> OperationResult {
    let mut gw = create(&f.config().to_string()).expect("fixture config");
    let input = Input::from_json(&input.to_string()).expect("fixture input");
    let ctx = Ctx {
        now_ms: f.now_ms(),
        nonce: String::new(),
        verifier: Default::default(),
    };
    parse_checked(gw.as_mut(), op, resp, Some(&input), &ctx)
}

/// The first wire value the fixture's table gives for `state`.
fn wire(f: &dyn Fixture, state: OrderState) -> &'static str {
    f.states()
        .iter()
        .find(|(_, s, _)| *s == state)
        .map(|(v, _, _)| *v)
        .expect("the fixture's state table has this state")
}

fn paid(f: &dyn Fixture) -> &'static str {
    wire(f, OrderState::Success)
}

fn query(f: &dyn Fixture, o: &OrderRef) -> Value {
    f.input(Operation::Query, o).expect("every provider offers query")
}

#[test]
fn wechat_pay_params_are_the_six_keys_and_a_missing_one_is_reported_not_invented() {
    each(wechat_pay_params);
}

/// A provider's own tests call this too, to check their fixture alone.
pub fn wechat_pay_params(name: &str, f: &dyn Fixture) {
    use crate::providers::wallet::WECHAT_KEYS;
    let o = order();
    let (input, resp) = f
        .wechat_order(&o, None)
        .unwrap_or_else(|| panic!("{name}: every gateway makes WeChat wallet orders"));
    let r = parse(f, Operation::Precreate, &input, &resp);
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::Poll), "{name}: {r:?}");
    let params = r.order.and_then(|o| o.pay_params).expect("payParams");
    let params = params.as_object().expect("payParams is an object");
    let keys: Vec<&str> = params.keys().map(String::as_str).collect();
    let mut want = WECHAT_KEYS.to_vec();
    want.sort_unstable();
    assert_eq!(keys, want, "{name}: exactly the six wx.requestPayment keys");
    assert!(
        params.values().all(|v| v.as_str().is_some_and(|s| !s.is_empty())),
        "{name}: {params:?}"
    );
    for key in WECHAT_KEYS {
        let (input, resp) = f.wechat_order(&o, Some(key)).expect("same fixture");
        let r = parse(f, Operation::Precreate, &input, &resp);
        assert_eq!(
            (r.outcome, r.next),
            (Outcome::Unknown, Next::Poll),
            "{name} without {key}: {r:?}"
        );
        let field = r.error.as_ref().and_then(|e| e.field.clone());
        assert_eq!(
            field.as_deref(),
            Some(format!("payParams.{key}").as_str()),
            "{name}: {r:?}"
        );
        let params = r.order.and_then(|o| o.pay_params).expect("what was sent is kept");
        assert!(params.get(key).is_none(), "{name}: {key} was invented");
        assert_eq!(params.as_object().map(|p| p.len()), Some(5), "{name} without {key}");
    }
}

#[test]
fn a_paid_order_reads_as_paid() {
    each(|name, f| {
        let o = order();
        let r = parse(
            f,
            Operation::Query,
            &query(f, &o),
            &f.answer(Operation::Query, &o, Said::Ok(paid(f))),
        );
        assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::None), "{name}: {r:?}");
        let order = r.order.expect("order");
        assert_eq!(order.state, OrderState::Success, "{name}");
        assert_eq!(order.amounts.total, Some(o.amount), "{name}");
    });
}

#[test]
fn a_pending_order_is_polled() {
    each(|name, f| {
        let o = order();
        let r = parse(
            f,
            Operation::Query,
            &query(f, &o),
            &f.answer(Operation::Query, &o, Said::Ok(wire(f, OrderState::Pending))),
        );
        assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::Poll), "{name}: {r:?}");
        assert_eq!(r.order.map(|o| o.state), Some(OrderState::Pending), "{name}");
    });
}

#[test]
fn an_unknown_state_is_unknown_never_failed() {
    each(|name, f| {
        let o = order();
        let resp = f.answer(Operation::Query, &o, Said::Ok("AGGPAY_NEVER_DOCUMENTED"));
        let r = parse(f, Operation::Query, &query(f, &o), &resp);
        assert_ne!(r.outcome, Outcome::Failed, "{name}: {r:?}");
        let state = r.order.as_ref().map(|o| o.state);
        assert!(
            r.outcome == Outcome::Unknown || state == Some(OrderState::Unknown),
            "{name}: {r:?}"
        );
        assert!(matches!(r.next, Next::ContactSupport | Next::Retry), "{name}: {r:?}");
    });
}

#[test]
fn a_status_other_than_200_is_unknown() {
    each(|name, f| {
        let o = order();
        for status in [201, 302, 400, 404, 500, 502, 503] {
            for &op in OPS {
                let Some(input) = f.input(op, &o) else { continue };
                let mut resp = f.answer(op, &o, Said::Ok(paid(f)));
                resp.status = status;
                let r = parse(f, op, &input, &resp);
                assert_eq!(r.outcome, Outcome::Unknown, "{name} {op:?} HTTP {status}: {r:?}");
                assert_eq!(r.next, Next::after_uncertain(op), "{name} {op:?}");
            }
        }
    });
}

#[test]
fn an_answer_about_another_order_is_unknown() {
    each(|name, f| {
        let o = order();
        let stranger = other(&o);
        for op in [Operation::Pay, Operation::Query] {
            let Some(input) = f.input(op, &o) else { continue };
            let r = parse(f, op, &input, &f.answer(op, &stranger, Said::Ok(paid(f))));
            assert_eq!(r.outcome, Outcome::Unknown, "{name} {op:?}: {r:?}");
        }
    });
}

#[test]
fn a_paid_answer_for_another_amount_is_unknown() {
    each(|name, f| {
        let o = order();
        let mut more = o.clone();
        more.amount += 1;
        let Some(input) = f.input(Operation::Pay, &o) else {
            return;
        };
        let r = parse(
            f,
            Operation::Pay,
            &input,
            &f.answer(Operation::Pay, &more, Said::Ok(paid(f))),
        );
        assert_eq!(r.outcome, Outcome::Unknown, "{name}: {r:?}");
    });
}

#[test]
fn a_duplicate_order_is_unknown_and_polled() {
    each(|name, f| {
        let o = order();
        for op in [Operation::Pay, Operation::Precreate] {
            let Some(input) = f.input(op, &o) else { continue };
            let r = parse(f, op, &input, &f.answer(op, &o, Said::DuplicateOrder));
            assert_eq!(
                (r.outcome, r.next),
                (Outcome::Unknown, Next::Poll),
                "{name} {op:?}: {r:?}"
            );
        }
    });
}

#[test]
fn unreadable_bodies_are_unknown() {
    each(|name, f| {
        let o = order();
        for &op in OPS {
            let Some(input) = f.input(op, &o) else { continue };
            for body in [&b""[..], b"null", b"[]", b"{}", b"<html>502</html>", b"{\"a\":"] {
                let mut resp = f.answer(op, &o, Said::Ok(paid(f)));
                resp.body = body.to_vec();
                let r = parse(f, op, &input, &resp);
                assert_eq!(r.outcome, Outcome::Unknown, "{name} {op:?} {body:?}: {r:?}");
            }
        }
    });
}

#[test]
fn secrets_never_appear_in_output() {
    each(|name, f| {
        let o = order();
        let config = f.config().to_string();
        let mut client = Client::new(&config).expect("config");
        let mut seen = vec![format!("{client:?}")];
        for &op in OPS {
            let Some(input) = f.input(op, &o) else { continue };
            let resp = f.answer(op, &o, Said::Ok(paid(f)));
            let op_name = serde_json::to_value(op).expect("op");
            let op_name = op_name.as_str().expect("op name");
            let out = client.parse(
                op_name,
                resp.status,
                &json!(resp.headers).to_string(),
                resp.body,
                Some(&input.to_string()),
                f.now_ms(),
            );
            seen.push(format!("{out:?}"));
            // A bad input's error, too.
            let mut bad = input.clone();
            bad["merchantOrderNo"] = json!("x".repeat(300));
            seen.push(format!(
                "{:?}",
                client.build(op_name, &bad.to_string(), f.now_ms(), "n".into())
            ));
        }
        seen.push(format!(
            "{:?}",
            Client::new(&config.replace("\"credentials\"", "\"credentialz\""))
        ));
        for secret in f.secrets() {
            assert!(secret.len() >= 6, "{name}: fixture secret too short to search for");
            for text in &seen {
                assert!(!text.contains(&secret), "{name}: a secret appears in {text}");
            }
        }
    });
}

#[test]
fn every_notification_rejection_has_a_reason() {
    each(|name, f| {
        let o = order();
        let Some((headers, body)) = f.notification(&o) else {
            return;
        };
        let client = Client::new(&f.config().to_string()).expect("config");
        let h = json!(headers).to_string();
        let ok = client.verify_notification(&h, &body, f.now_ms(), None);
        assert!(ok.is_ok(), "{name}: the fixture's genuine notice must verify: {ok:?}");
        let mut tampered = body.clone();
        if let Some(i) = tampered.iter().position(|b| b.is_ascii_digit()) {
            tampered[i] = if tampered[i] == b'9' { b'8' } else { tampered[i] + 1 };
        }
        let mut cases: Vec<(String, Vec<u8>)> = vec![(h.clone(), tampered), (h.clone(), Vec::new())];
        // Without the headers that carry its signature.
        if f.signed_in_headers() {
            cases.push(("{}".into(), body.clone()));
        }
        for (headers, body) in cases {
            let e = client
                .verify_notification(&headers, &body, f.now_ms(), None)
                .expect_err(&format!("{name}: a damaged notice must be refused"));
            assert_eq!(e.code, crate::ErrorCode::NotificationInvalid, "{name}: {e:?}");
            assert!(e.reason.is_some_and(|c| !c.is_empty()), "{name}: {e:?}");
            assert!(e.message.len() > 10, "{name}: {e:?}");
        }
        let expect = json!({ "merchantOrderNo": other(&o).merchant_order_no }).to_string();
        let e = client
            .verify_notification(&h, &body, f.now_ms(), Some(&expect))
            .expect_err("another order");
        assert_eq!(e.reason, Some("WRONG_ORDER"), "{name}: {e:?}");
    });
}

#[test]
fn a_field_without_meaning_is_refused_and_portable_fields_are_accepted() {
    each(|name, f| {
        let o = order();
        let client = Client::new(&f.config().to_string()).expect("config");
        let build = |op: Operation, input: &Value| {
            let op_name = serde_json::to_value(op).expect("op");
            client.build(
                op_name.as_str().expect("op"),
                &input.to_string(),
                f.now_ms(),
                "nonce0123456789abcdef0123456789a".into(),
            )
        };
        for &op in OPS {
            let Some(input) = f.input(op, &o) else { continue };
            build(op, &input).unwrap_or_else(|e| panic!("{name} {op:?}: the fixture's input must build: {e:?}"));
            let mut portable = input.clone();
            for (k, v) in [
                ("operator", "op01"),
                ("subject", "goods"),
                ("description", "a description"),
                ("storeId", "1001"),
                ("clientIp", "192.0.2.1"),
                ("notifyUrl", "https://merchant.example/notify"),
            ] {
                if portable.get(k).is_none() {
                    portable[k] = json!(v);
                }
            }
            build(op, &portable).unwrap_or_else(|e| panic!("{name} {op:?}: portable fields must be accepted: {e:?}"));
        }
        let meaningless = [
            (Operation::Query, "authCode", json!("130000000000000001")),
            (Operation::Close, "amount", json!(1)),
        ];
        for (op, field, value) in meaningless {
            let Some(mut input) = f.input(op, &o) else { continue };
            input[field] = value;
            let e = build(op, &input).expect_err(&format!("{name} {op:?}: {field} must be refused"));
            assert_eq!(e.field.as_deref(), Some(field), "{name}: {e:?}");
        }
    });
}

/// The README's field table, as `fields(op)` says it: a row per input field, a column per provider,
/// each cell the operations that read it.
fn field_table() -> String {
    let gateways: Vec<(&str, Box<dyn Gateway>)> = all()
        .iter()
        .map(|d| {
            let config = (d.fixture)().config().to_string();
            (d.provider.0, create(&config).expect("fixture config"))
        })
        .collect();
    let mut names: Vec<&str> = Vec::new();
    for (_, g) in &gateways {
        for op in ALL_OPS {
            for f in g.fields(op).unwrap_or(&[]) {
                if !names.contains(f) {
                    names.push(f);
                }
            }
        }
    }
    // The order of the README: order references first, then payment details, then activation.
    const ORDER: [&str; 18] = [
        "merchantOrderNo",
        "providerOrderNo",
        "amount",
        "authCode",
        "refundNo",
        "providerRefundNo",
        "channel",
        "kind",
        "payway",
        "subPayway",
        "payerId",
        "subAppId",
        "returnUrl",
        "reflect",
        "deviceId",
        "cashierId",
        "longitude",
        "latitude",
    ];
    names.sort_by_key(|n| ORDER.iter().position(|o| o == n).unwrap_or(ORDER.len()));
    let mut out = format!(
        "| field | {} |\n|---|{}\n",
        gateways.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(" | "),
        "---|".repeat(gateways.len())
    );
    for name in names {
        let cells: Vec<String> = gateways
            .iter()
            .map(|(_, g)| {
                let ops: Vec<String> = ALL_OPS
                    .iter()
                    .filter(|op| g.fields(**op).is_some_and(|f| f.contains(&name)))
                    .map(|op| {
                        serde_json::to_value(op)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    })
                    .collect();
                if ops.is_empty() {
                    "–".to_string()
                } else {
                    ops.join(", ")
                }
            })
            .collect();
        out.push_str(&format!("| `{name}` | {} |\n", cells.join(" | ")));
    }
    out
}

#[test]
fn the_readme_field_table_is_what_the_providers_read() {
    readme_table("fields", &field_table());
}

/// Checks the README's generated table `name` (between its begin/end comments); with AGGPAY_UPDATE_README set,
/// writes it instead.
fn readme_table(name: &str, want: &str) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let (begin, end) = (format!("<!-- {name}: begin -->\n"), format!("<!-- {name}: end -->"));
    let (head, rest) = readme.split_once(&begin).expect("the begin comment");
    let (table, tail) = rest.split_once(&end).expect("the end comment");
    if std::env::var_os("AGGPAY_UPDATE_README").is_some() {
        std::fs::write(path, format!("{head}{begin}{want}{end}{tail}")).expect("write README.md");
        return;
    }
    assert!(
        table == want,
        "README.md's {name} table is out of date (AGGPAY_UPDATE_README=1 cargo test --lib readme_ rewrites it); it should read:\n{want}"
    );
}

/// What each gateway makes, kind × wallet, found by building: a pair is offered when a precreate of that kind
/// and wallet builds with the buyer named as the gateway asks (`payerId`, `subAppId`, both or neither).
fn kinds_table() -> String {
    use crate::providers::wallet::OrderKind;
    let o = order();
    let mut providers = Vec::new();
    for d in all() {
        let f = (d.fixture)();
        for (version, config) in f.versions() {
            let name = format!("{}{}{version}", d.provider.0, if version.is_empty() { "" } else { " " });
            providers.push((name, config, (d.fixture)()));
        }
    }
    let mut out = format!(
        "| kind | wallet | {} |\n|---|---|{}\n",
        providers
            .iter()
            .map(|(n, _, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(" | "),
        "---|".repeat(providers.len())
    );
    for kind in OrderKind::ALL {
        for wallet in ["ALIPAY", "WECHAT", "UNIONPAY", "ANY"] {
            // Only a code can be scanned by any wallet; an order paid inside one names it.
            if wallet == "ANY" && kind != OrderKind::Qr {
                continue;
            }
            let cells: Vec<&str> = providers
                .iter()
                .map(|(_, config, f)| {
                    let client = Client::new(&config.to_string()).expect("config");
                    let mut base = f.input(Operation::Precreate, &o).expect("every provider precreates");
                    for k in ["channel", "payway", "subPayway", "payerId", "subAppId", "kind"] {
                        base.as_object_mut().map(|m| m.remove(k));
                    }
                    if kind != OrderKind::Qr {
                        base["kind"] = json!(kind.name());
                    }
                    // Some gateways need what is sold on a wallet's order.
                    if base.get("subject").is_none() {
                        base["subject"] = json!("goods");
                    }
                    if wallet != "ANY" {
                        base["channel"] = json!(wallet);
                    }
                    let buyers = [
                        json!({}),
                        json!({"payerId": "oBuyer"}),
                        json!({"subAppId": "wxApp"}),
                        json!({"payerId": "oBuyer", "subAppId": "wxApp"}),
                        // An H5 order's page to come back to, where the gateway requires it.
                        json!({"returnUrl": "https://shop.example/done"}),
                    ];
                    let builds = buyers.iter().any(|b| {
                        let mut input = base.clone();
                        for (k, v) in b.as_object().into_iter().flatten() {
                            input[k] = v.clone();
                        }
                        let nonce = "nonce0123456789abcdef0123456789a".into();
                        client.build("precreate", &input.to_string(), f.now_ms(), nonce).is_ok()
                    });
                    if builds {
                        "yes"
                    } else {
                        "–"
                    }
                })
                .collect();
            let wallet = if wallet == "ANY" { "any (no `channel`)" } else { wallet };
            out.push_str(&format!("| {} | {wallet} | {} |\n", kind.name(), cells.join(" | ")));
        }
    }
    out
}

#[test]
fn the_readme_kinds_table_is_what_the_providers_make() {
    readme_table("kinds", &kinds_table());
}

#[test]
fn a_bad_config_is_refused_naming_the_field() {
    each(|name, f| {
        let good = f.config();
        assert!(create(&good.to_string()).is_ok(), "{name}: the fixture config");
        let with = |path: &[&str], value: Value| {
            let mut c = good.clone();
            let mut at = &mut c;
            for key in &path[..path.len() - 1] {
                at = &mut at[*key];
            }
            at[path[path.len() - 1]] = value;
            c
        };
        let cases = [
            (with(&["baseUrl"], json!("gateway.example.com")), "baseUrl"),
            (with(&["baseUrl"], json!("ftp://gateway.example.com")), "baseUrl"),
            (
                with(&["baseUrl"], json!("https://user:S3CRET@gateway.example.com")),
                "baseUrl",
            ),
            (with(&["baseUrl"], json!("")), "baseUrl"),
            (with(&["baseURL"], json!("https://gateway.example.com")), "baseURL"),
            (
                with(&["credentials", "aggpayUnknownKey"], json!("x")),
                "credentials.aggpayUnknownKey",
            ),
            (with(&["credentials"], json!("not an object")), "credentials"),
            (with(&["provider"], json!("aggpay-no-such-gateway")), "provider"),
        ];
        for (config, field) in cases {
            let e = create(&config.to_string())
                .err()
                .unwrap_or_else(|| panic!("{name}: {config} accepted"));
            assert_eq!(e.code, crate::ErrorCode::InvalidConfig, "{name} {field}: {e:?}");
            assert_eq!(e.field.as_deref(), Some(field), "{name}: {e:?}");
        }
    });
}

#[test]
fn every_documented_state_reads_through_a_query() {
    each(|name, f| {
        let o = order();
        let ask = |value| {
            parse(
                f,
                Operation::Query,
                &query(f, &o),
                &f.answer(Operation::Query, &o, Said::Ok(value)),
            )
        };
        // Unlisted values: the query may find an order in an unknown state, or be unknown itself (an empty
        // state is no state); never FAILED.
        for value in ["", "success", "Paid", " PAID", "AGGPAY_UNLISTED"] {
            let r = ask(value);
            let state = r.order.as_ref().map(|o| o.state);
            let unknown = match r.outcome {
                Outcome::Unknown => r.next == Next::Retry,
                Outcome::Succeeded => state == Some(OrderState::Unknown) && r.next == Next::ContactSupport,
                _ => false,
            };
            assert!(unknown, "{name} {value:?}: {r:?}");
        }
        for &(value, state, fin) in f.states() {
            let r = ask(value);
            assert_eq!(r.outcome, Outcome::Succeeded, "{name} {value:?}: {r:?}");
            let order = r.order.as_ref().unwrap_or_else(|| panic!("{name} {value:?}: no order"));
            assert_eq!((order.state, order.is_final), (state, fin), "{name} {value:?}");
            assert_eq!(order.provider_state.as_deref(), Some(value), "{name}");
            // A failed payment found by a query carries words a cashier can show.
            assert_eq!(
                r.error.is_some(),
                state == OrderState::Failed,
                "{name} {value:?}: {:?}",
                r.error
            );
            let next = match state {
                OrderState::Pending | OrderState::Refunding => Next::Poll,
                OrderState::Unknown => Next::ContactSupport,
                _ => Next::None,
            };
            assert_eq!(r.next, next, "{name} {value:?}");
        }
    });
}

#[test]
fn a_missing_credential_is_refused_naming_it() {
    each(|name, f| {
        for key in f.required_credentials() {
            let field = format!("credentials.{key}");
            for value in [Value::Null, json!(""), json!("  ")] {
                let config = testkit::with_credentials(f.config(), json!({ *key: value }));
                let e = create(&config.to_string())
                    .err()
                    .unwrap_or_else(|| panic!("{name}: {field} = {value} accepted"));
                assert!(
                    matches!(e.code, crate::ErrorCode::InvalidConfig | crate::ErrorCode::InvalidKey),
                    "{name} {field}: {e:?}"
                );
                assert_eq!(e.field.as_deref(), Some(field.as_str()), "{name} {value}: {e:?}");
            }
        }
    });
}

#[test]
fn a_private_key_that_is_not_one_is_invalid_key() {
    each(|name, f| {
        for key in f.private_keys() {
            let field = format!("credentials.{key}");
            let cert = testkit::MERCHANT_CERT;
            for (what, value) in [
                ("blank", "  "),
                ("a certificate", cert),
                ("garbage", "not a key at all"),
            ] {
                let config = testkit::with_credentials(f.config(), json!({ *key: value }));
                let e = create(&config.to_string())
                    .err()
                    .unwrap_or_else(|| panic!("{name}: {field} = {what} accepted"));
                assert_eq!(e.code, crate::ErrorCode::InvalidKey, "{name} {field} {what}: {e:?}");
                assert_eq!(e.field.as_deref(), Some(field.as_str()), "{name} {what}: {e:?}");
            }
        }
    });
}
