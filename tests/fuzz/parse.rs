//! Target 1: `Client::parse` for every provider's clients × operation × status.

use crate::checks::{check_result, typed, BAD_OPS, OPS};
use crate::gen::{
    gen_bytes, gen_envelope, gen_headers, gen_junk_headers, gen_value, junk, mutate_value, mutated_from, to_bytes,
    valid_input,
};
use crate::harness::{hex, preview, Fuzz};
use crate::providers;
use aggpay::{Client, ErrorCode};
use serde_json::Value;
use std::cell::RefCell;

#[test]
fn fuzz_parse() {
    let mut fz = Fuzz::new("parse", 5);
    let all = providers::all_clients();
    let mut clients: Vec<Client> = all
        .iter()
        .map(|(_, _, config)| Client::new(&config.to_string()).expect("test config"))
        .collect();
    let answers: Vec<Vec<(&[&str], Value)>> = all.iter().map(|(p, _, _)| p.answers()).collect();
    let tpl: Vec<Vec<Value>> = answers
        .iter()
        .map(|a| a.iter().map(|(_, v)| v.clone()).collect())
        .collect();
    for i in fz.cases() {
        let mut rng = fz.rng(i);
        let c = i % all.len();
        let (p, cname, config) = &all[c];
        let (p, cname, provider) = (*p, *cname, p.name());
        let op_ok = !rng.chance(1, 50);
        let op: &str = if op_ok { OPS[(i / 5) % 10] } else { rng.pick(&BAD_OPS) };
        // The first 200 cases walk every client × operation × status {0, 200, 400, 500}; then mostly 200.
        let status: u16 = if i < 200 {
            [0, 200, 400, 500][(i / 50) % 4]
        } else {
            match rng.below(20) {
                0 => 0,
                1 => 400,
                2 => 500,
                3 => rng.next_u64() as u16,
                _ => 200,
            }
        };
        let (body, origin) = match rng.below(10) {
            0 => (gen_bytes(&mut rng), "bytes"),
            1 => (to_bytes(&gen_value(&mut rng, 4)), "json-tree"),
            2 => (to_bytes(&gen_envelope(&mut rng)), "envelope-tree"),
            _ => {
                // Mostly a body that answers this very operation, so the mutations reach its mapping.
                let matching: Vec<usize> = (0..answers[c].len())
                    .filter(|&k| answers[c][k].0.iter().any(|o| *o == op || *o == "*"))
                    .collect();
                let k = if !matching.is_empty() && rng.chance(3, 4) {
                    matching[rng.below(matching.len())]
                } else {
                    rng.below(tpl[c].len())
                };
                (mutated_from(&mut rng, tpl[c][k].clone(), &tpl[c]), "mutated")
            }
        };
        // A provider that signs its answers: Some(true) = validly signed over this body, Some(false) =
        // signed over other bytes, None = arbitrary headers.
        let mut signed = None;
        let (headers, headers_ok) = if p.signs_answers() && rng.chance(7, 10) {
            if rng.chance(6, 7) {
                signed = Some(true);
                (p.answer_headers(&body), true)
            } else {
                let original = to_bytes(&tpl[c][rng.below(tpl[c].len())]);
                signed = Some(original == body);
                (p.answer_headers(&original), true)
            }
        } else {
            match rng.below(10) {
                0 => (gen_junk_headers(&mut rng), false),
                1 | 2 => (serde_json::to_string(&gen_headers(&mut rng)).unwrap_or_default(), true),
                3 => (String::new(), true),
                _ => (r#"{"content-type":"application/json"}"#.to_string(), true),
            }
        };
        let (input, input_ok): (Option<String>, bool) = match rng.below(10) {
            0..=3 => (None, true),
            4..=8 => (Some(valid_input(op).to_string()), true),
            _ => {
                let mut v = valid_input(op);
                mutate_value(&mut rng, &mut v, &[]);
                (Some(v.to_string()), false)
            }
        };
        if p.parse_changes_client() {
            // An answer may replace the client's credentials: a fresh client keeps each case independent.
            clients[c] = Client::new(&config.to_string()).expect("test config");
        }
        let client = &mut clients[c];
        let seen: RefCell<Option<String>> = RefCell::new(None);
        fz.run(
            i,
            "Client::parse",
            || {
                let r = client.parse(op, status, &headers, body.clone(), input.as_deref(), 1_700_000_000_000);
                let out = match r {
                    Err(e) if !op_ok || !headers_ok || !input_ok => return typed(&e, &[ErrorCode::InvalidInput]),
                    Err(e) => return Err(format!("parse failed for a valid operation, headers and input: {e}")),
                    Ok(_) if !op_ok => return Err(format!("parse accepted the unknown operation {op:?}")),
                    Ok(out) => out,
                };
                let s = check_result(&out, provider, op)?;
                *seen.borrow_mut() = Some(s.outcome.clone());
                if status != 200 && s.outcome != "UNKNOWN" {
                    return Err(format!("HTTP {status} gave outcome {} (only UNKNOWN is safe)", s.outcome));
                }
                if junk(&body) && s.outcome != "UNKNOWN" {
                    return Err(format!("a body that is not a JSON object gave outcome {}", s.outcome));
                }
                if p.signs_answers() && status == 200 && signed != Some(true) {
                    let ok = s.outcome == "UNKNOWN" && s.error_code.as_deref() == Some("RESPONSE_SIGNATURE_INVALID");
                    if !ok && signed.is_none() {
                        return Err(format!("an unsigned {provider} response gave {} / {:?}", s.outcome, s.error_code));
                    }
                    if !ok && signed == Some(false) {
                        return Err(format!("a {provider} body not covered by its signature gave {} / {:?}", s.outcome, s.error_code));
                    }
                }
                Ok(())
            },
            || {
                format!(
                    "client={cname} op={op:?} status={status} origin={origin} headers={headers:?} input={input:?}\n    body.hex={}\n    body.text={}",
                    hex(&body),
                    preview(&body)
                )
            },
        );
        if let Some(o) = seen.into_inner() {
            fz.stat(format!("{cname}:{o}"));
        }
    }
    fz.finish();
}
