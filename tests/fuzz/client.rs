//! Target 4: `Client::new` (with `networkFailure` on what it accepts), and per configured client `build`
//! (then `complete`), `wapPayUrl`, `networkFailure`, `complete` on junk, `signWasm`.

use crate::checks::{check_result, typed, BAD_OPS, OPS};
use crate::gen::{
    gen_bytes, gen_headers, gen_nonce, gen_now, gen_string, gen_value, mutate_bytes, mutate_value, mutated, to_bytes,
    valid_input, wap_input, SLOT,
};
use crate::harness::{hex, Fuzz};
use crate::keys::{gen_key_text, key_corpus};
use crate::providers::{self, FuzzProvider};
use aggpay::{crypto, Client, ErrorCode};
use serde_json::{json, Value};
use std::cell::RefCell;

const KEY_FIELDS: [&str; 5] = [
    "privateKey",
    "platformCertificate",
    "merchantCertificate",
    "notifyPublicKey",
    "notifyCertificate",
];

/// Every provider's config templates, then every provider's bare configs.
fn config_templates() -> Vec<Value> {
    let all = providers::all();
    let configured = all.iter().flat_map(|p| p.config_templates());
    configured.chain(all.iter().flat_map(|p| p.bare_configs())).collect()
}

#[test]
fn fuzz_client_new() {
    let mut fz = Fuzz::new("config", 2);
    let tpl = config_templates();
    let corpus = key_corpus();
    for i in fz.cases() {
        let mut rng = fz.rng(i);
        let text: Vec<u8> = match rng.below(10) {
            0 => gen_bytes(&mut rng),
            1 => to_bytes(&gen_value(&mut rng, 3)),
            2 | 3 => {
                // A key field replaced with odd key text.
                let mut v = tpl[rng.below(tpl.len())].clone();
                let f = rng.pick(&KEY_FIELDS);
                let key_text = gen_key_text(&mut rng, &corpus);
                if let Some(c) = v.get_mut("credentials").and_then(Value::as_object_mut) {
                    c.insert(f.to_string(), Value::String(key_text));
                }
                to_bytes(&v)
            }
            _ => mutated(&mut rng, &tpl),
        };
        let config = String::from_utf8_lossy(&text).into_owned();
        let seen: RefCell<Option<String>> = RefCell::new(None);
        fz.run(
            i,
            "Client::new",
            || match Client::new(&config) {
                Ok(c) => {
                    *seen.borrow_mut() = Some("OK".into());
                    // A configured client answers a transport failure whatever its provider.
                    let out = c
                        .network_failure("query", "fuzz")
                        .map_err(|e| format!("networkFailure refused: {e}"))?;
                    let provider = serde_json::from_str::<Value>(&out)
                        .ok()
                        .and_then(|v| v["provider"].as_str().map(str::to_string))
                        .unwrap_or_default();
                    check_result(&out, &provider, "query").map(|_| ())
                }
                Err(e) => {
                    *seen.borrow_mut() = Some(e.code.as_str().to_string());
                    typed(&e, &[ErrorCode::InvalidConfig, ErrorCode::InvalidKey])
                }
            },
            || {
                format!(
                    "config.hex={}\n    config={:?}",
                    hex(config.as_bytes()),
                    config.chars().take(3000).collect::<String>()
                )
            },
        );
        if let Some(o) = seen.into_inner() {
            fz.stat(o);
        }
    }
    fz.finish();
}

/// The request a successful build returns, checked; then `complete` with a signature must fill the slot
/// and change nothing else.
fn check_built(client: &Client, p: &dyn FuzzProvider, out: &str, signature: &[u8]) -> Result<(), String> {
    let provider = p.name();
    let v: Value = serde_json::from_str(out).map_err(|e| format!("build JSON does not parse: {e}"))?;
    let req = &v["request"];
    if !req["url"].as_str().is_some_and(|u| u.starts_with("http"))
        || !req["method"].is_string()
        || !req["body"].is_string()
    {
        return Err(format!("build returned a malformed request: {req}"));
    }
    if !req["headers"]
        .as_object()
        .is_some_and(|h| h.values().all(Value::is_string))
    {
        return Err("request headers are not a string map".into());
    }
    let rsa = p.signs_requests();
    match (&v["toSign"], rsa) {
        (Value::String(s), true) if crypto::base64_decode(s).is_some() => {}
        (Value::Null, false) => {}
        (t, _) => return Err(format!("toSign is {t} for {provider}")),
    }
    if !rsa {
        return Ok(());
    }
    let done = client
        .complete(&req.to_string(), signature)
        .map_err(|e| format!("complete refused a built request: {e}"))?;
    let d: Value = serde_json::from_str(&done).map_err(|e| format!("complete JSON does not parse: {e}"))?;
    if done.contains(SLOT) {
        return Err("the signature slot survived complete".into());
    }
    p.check_completed(req, &d, &crypto::base64_encode(signature))
        .map_err(|e| format!("{provider}: {e}"))
}

#[test]
fn fuzz_build() {
    let mut fz = Fuzz::new("build", 5);
    let all = providers::all_clients();
    let clients: Vec<Client> = all
        .iter()
        .map(|(_, _, config)| Client::new(&config.to_string()).expect("test config"))
        .collect();
    let allowed = [
        ErrorCode::InvalidInput,
        ErrorCode::InvalidConfig,
        ErrorCode::InvalidKey,
        ErrorCode::UnsupportedOperation,
    ];
    let all_inputs: Vec<Value> = OPS.iter().map(|op| valid_input(op)).chain([wap_input()]).collect();
    for i in fz.cases() {
        let mut rng = fz.rng(i);
        let c = i % all.len();
        let (p, cname, _) = &all[c];
        let (p, cname, provider) = (*p, *cname, p.name());
        let client = &clients[c];
        let op_ok = !rng.chance(1, 40);
        let op: &str = if op_ok { OPS[(i / 5) % 10] } else { rng.pick(&BAD_OPS) };
        let input: String = match rng.below(12) {
            0 | 10 | 11 => valid_input(op).to_string(),
            1 => String::from_utf8_lossy(&gen_bytes(&mut rng)).into_owned(),
            2 => gen_value(&mut rng, 3).to_string(),
            _ => {
                let mut v = valid_input(op);
                for _ in 0..rng.range(1, 3) {
                    mutate_value(&mut rng, &mut v, &all_inputs);
                }
                if let (Some(m), true) = (v.as_object_mut(), rng.chance(1, 5)) {
                    m.insert("extra".into(), gen_value(&mut rng, 2));
                }
                let mut b = to_bytes(&v);
                if rng.chance(1, 6) {
                    mutate_bytes(&mut rng, &mut b, &[]);
                }
                String::from_utf8_lossy(&b).into_owned()
            }
        };
        let now = gen_now(&mut rng);
        let nonce = gen_nonce(&mut rng);
        let signature = rng.bytes(300);
        let why = gen_string(&mut rng);
        let seen: RefCell<Option<String>> = RefCell::new(None);
        fz.run(
            i,
            "Client::build",
            || match client.build(op, &input, now, nonce.clone()) {
                Ok(out) => {
                    *seen.borrow_mut() = Some("OK".into());
                    if !op_ok {
                        return Err(format!("build accepted the unknown operation {op:?}"));
                    }
                    check_built(client, p, &out, &signature)
                }
                Err(e) => {
                    *seen.borrow_mut() = Some(e.code.as_str().to_string());
                    typed(&e, &allowed)
                }
            },
            || format!("client={cname} op={op:?} now_ms={now} nonce={nonce:?} signature.hex={}\n    input.hex={}\n    input={input:?}", hex(&signature), hex(input.as_bytes())),
        );
        if let Some(o) = seen.into_inner() {
            fz.stat(format!("{cname}:{o}"));
        }
        // The other synchronous entry points, on the same case.
        let wap_in = if rng.chance(1, 3) {
            wap_input().to_string()
        } else {
            input.clone()
        };
        fz.run(
            i,
            "Client::wap_pay_url",
            || match client.wap_pay_url(&wap_in) {
                Ok(url) if p.wap_pay_url_ok(&url) => Ok(()),
                Ok(url) => Err(format!("wapPayUrl returned {url:?} for {provider}")),
                Err(e) => typed(
                    &e,
                    &[
                        ErrorCode::InvalidInput,
                        ErrorCode::InvalidConfig,
                        ErrorCode::UnsupportedOperation,
                    ],
                ),
            },
            || format!("client={cname} input={wap_in:?}"),
        );
        fz.run(
            i,
            "Client::network_failure",
            || match client.network_failure(op, &why) {
                Ok(_) if !op_ok => Err(format!("networkFailure accepted the unknown operation {op:?}")),
                Ok(out) => {
                    let s = check_result(&out, provider, op)?;
                    if s.outcome != "UNKNOWN" || s.error_code.as_deref() != Some("NETWORK") {
                        return Err(format!("a transport failure gave {} / {:?}", s.outcome, s.error_code));
                    }
                    Ok(())
                }
                Err(e) => typed(&e, &[ErrorCode::InvalidInput]),
            },
            || format!("client={cname} op={op:?} why={why:?}"),
        );
        let junk_request = if rng.chance(1, 2) {
            input.clone()
        } else {
            json!({"method": "POST", "url": gen_string(&mut rng), "headers": gen_headers(&mut rng), "body": gen_string(&mut rng)}).to_string()
        };
        fz.run(
            i,
            "Client::complete",
            || match client.complete(&junk_request, &signature) {
                Ok(out) => serde_json::from_str::<Value>(&out)
                    .map(|_| ())
                    .map_err(|e| format!("complete JSON does not parse: {e}")),
                Err(e) => typed(&e, &[ErrorCode::InvalidInput]),
            },
            || {
                format!(
                    "client={cname} request={junk_request:?} signature.hex={}",
                    hex(&signature)
                )
            },
        );
        if rng.chance(1, 10) {
            let message = rng.bytes(200);
            fz.run(
                i,
                "Client::sign_wasm",
                || match (client.sign_wasm(&message), p.signs_requests()) {
                    (Ok(sig), true) if !sig.is_empty() => Ok(()),
                    (Err(e), false) => typed(&e, &[ErrorCode::UnsupportedOperation]),
                    (r, _) => Err(format!("signWasm for {provider} gave {r:?}")),
                },
                || format!("client={cname} message.hex={}", hex(&message)),
            );
        }
    }
    fz.finish();
}
