//! Target 2: `verify_notification` — every provider's genuine notifications, mutated after signing
//! (must not verify), mutated and signed again (reach the parsing behind the signature), and arbitrary
//! headers and bodies.

use crate::checks::{check_order, split_top_object, typed};
use crate::gen::{gen_bytes, gen_headers, gen_junk_headers, gen_now, mutated};
use crate::harness::{hex, preview, Fuzz};
use crate::providers::{self, NoticeGen};
use aggpay::{Client, ErrorCode};
use serde_json::Value;
use std::cell::RefCell;

#[test]
fn fuzz_verify_notification() {
    let mut fz = Fuzz::new("verify", 4);
    let all = providers::all();
    // Every provider's notifiers, then every provider's clients that cannot verify.
    let mut list: Vec<(&'static str, &'static str, Value, Option<NoticeGen>)> = Vec::new();
    for p in all {
        for n in p.notifiers() {
            list.push((n.name, p.name(), n.config, n.genuine));
        }
    }
    for p in all {
        for (name, config) in p.notifiers_without_key() {
            list.push((name, p.name(), config, None));
        }
    }
    let clients: Vec<Client> = list
        .iter()
        .map(|(_, _, config, _)| Client::new(&config.to_string()).expect("test config"))
        .collect();
    // Donors for arbitrary bodies: every provider's notification payloads.
    let donors: Vec<Value> = all.iter().flat_map(|p| p.notification_bodies()).collect();
    for i in fz.cases() {
        let mut rng = fz.rng(i);
        let c = i % list.len();
        let (cname, provider, _, genuine) = &list[c];
        let (cname, provider) = (*cname, *provider);
        // 0 = the valid notification, 1 = valid headers over a mutated body, 2 = a mutated body freshly
        // signed (reaches the parsing behind the signature), 3 = arbitrary headers and body.
        let mode = match rng.below(10) {
            0 => 0,
            1..=3 => 1,
            4..=7 => 2,
            _ => 3,
        };
        let mut headers_ok = true;
        let (headers, body, now, must_verify, must_not_verify) = match genuine {
            Some(genuine) if mode != 3 => {
                let n = genuine(&mut rng, mode);
                (n.headers, n.body, n.now, n.must_verify, n.must_not_verify)
            }
            _ => {
                let now = gen_now(&mut rng);
                let body = if rng.chance(1, 2) {
                    gen_bytes(&mut rng)
                } else {
                    mutated(&mut rng, &donors)
                };
                let headers = if rng.chance(1, 5) {
                    let junk = gen_junk_headers(&mut rng);
                    // Junk is sometimes a string map by luck ("", "{}", a repeated name): that one is fine.
                    headers_ok = junk.trim().is_empty()
                        || serde_json::from_str::<std::collections::BTreeMap<String, String>>(&junk).is_ok();
                    junk
                } else {
                    serde_json::to_string(&gen_headers(&mut rng)).unwrap_or_default()
                };
                (headers, body, now, false, false)
            }
        };
        let client = &clients[c];
        let seen: RefCell<Option<String>> = RefCell::new(None);
        fz.run(
            i,
            "Client::verify_notification",
            || {
                let mut allowed = vec![ErrorCode::NotificationInvalid, ErrorCode::InvalidConfig, ErrorCode::UnsupportedOperation];
                if !headers_ok {
                    allowed.push(ErrorCode::InvalidInput);
                }
                match client.verify_notification(&headers, &body, now, None) {
                    Err(e) => {
                        *seen.borrow_mut() = Some(e.reason.unwrap_or(e.code.as_str()).to_string());
                        if must_verify {
                            return Err(format!("a valid notification was refused: {e}"));
                        }
                        if must_not_verify && e.code != ErrorCode::NotificationInvalid {
                            return Err(format!("a mutated notification was refused with {} rather than NOTIFICATION_INVALID", e.code.as_str()));
                        }
                        typed(&e, &allowed)
                    }
                    Ok(out) => {
                        *seen.borrow_mut() = Some("OK".into());
                        if must_not_verify {
                            return Err("a notification whose body was changed after signing verified".into());
                        }
                        if !headers_ok {
                            return Err("headers that are not a string map were accepted".into());
                        }
                        // Members one by one: `raw` echoes the body, which may sit at serde_json's depth limit.
                        let members = split_top_object(&out).ok_or("notification is not a JSON object")?;
                        let get = |k: &str| -> Result<Value, String> {
                            let text = members.iter().find(|(name, _)| name == k).map(|(_, t)| *t).ok_or(format!("notification has no {k}"))?;
                            serde_json::from_str(text).map_err(|e| format!("notification {k} does not parse: {e}"))
                        };
                        check_order(&get("order")?)?;
                        let ack = get("ack")?;
                        if ack["status"] != 200 || !ack["body"].as_str().is_some_and(|b| !b.is_empty()) {
                            return Err(format!("notification ack is not a 200 with a body: {ack}"));
                        }
                        Ok(())
                    }
                }
            },
            || format!("client={cname} provider={provider} mode={mode} now_ms={now} headers={headers:?}\n    body.hex={}\n    body.text={}", hex(&body), preview(&body)),
        );
        if let Some(o) = seen.into_inner() {
            fz.stat(format!("{cname}:{o}"));
        }
    }
    fz.finish();
}
