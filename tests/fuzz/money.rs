//! Target 5: money (yuan text ↔ fen, amounts from input, the providers' wire-amount readers) and Beijing time.

use crate::checks::typed;
use crate::gen::{gen_number, gen_string, gen_value, NUMBERS};
use crate::harness::{hex, Fuzz, Rng};
use crate::providers;
use aggpay::{money, time, ErrorCode};
use serde_json::Value;
use std::cell::Cell;

fn gen_yuan_text(rng: &mut Rng) -> String {
    const ALPHABET: &[&str] = &[
        "0", "1", "5", "9", ".", "-", "+", "e", "E", " ", ",", "_", "٣", "３", "\u{0}", "x", "00", "..", "\u{200b}",
    ];
    match rng.below(6) {
        0 => gen_string(rng),
        1 => rng.pick(NUMBERS).to_string(),
        2 => (0..rng.range(0, 24)).map(|_| rng.pick(ALPHABET)).collect(),
        3 => format!("{}.{}", rng.range(0, i64::MAX), rng.range(0, 999)),
        4 => {
            let int: String = (0..rng.range(1, 22))
                .map(|_| (b'0' + rng.below(10) as u8) as char)
                .collect();
            let frac: String = (0..rng.range(0, 3))
                .map(|_| (b'0' + rng.below(10) as u8) as char)
                .collect();
            if frac.is_empty() && rng.chance(1, 2) {
                int
            } else {
                format!("{int}.{frac}")
            }
        }
        _ => money::fen_to_yuan(rng.range(0, money::MAX_FEN)).unwrap_or_default(),
    }
}

/// The exact fen value of plain yuan text (digits, at most one '.', at most two decimals), by hand.
fn reference_fen(text: &str) -> Option<i128> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
    {
        return None;
    }
    let int: i128 = int.parse().ok()?;
    let frac: i128 = format!("{frac:0<2}").parse().ok()?;
    Some(int * 100 + frac)
}

#[test]
fn fuzz_money_and_time() {
    let mut fz = Fuzz::new("money", 25);
    for i in fz.cases() {
        let mut rng = fz.rng(i);
        let text = gen_yuan_text(&mut rng);
        let accepted = Cell::new(false);
        fz.run(
            i,
            "money::yuan_to_fen",
            || match money::yuan_to_fen(&text) {
                Ok(fen) => {
                    accepted.set(true);
                    if !(0..=money::MAX_FEN).contains(&fen) {
                        return Err(format!("{text:?} gave {fen} fen, outside 0..=MAX_FEN"));
                    }
                    if reference_fen(&text) != Some(fen as i128) {
                        return Err(format!(
                            "{text:?} gave {fen} fen; its exact value is {:?}",
                            reference_fen(&text)
                        ));
                    }
                    let back = money::fen_to_yuan(fen).map_err(|e| format!("fen_to_yuan({fen}) refused: {e}"))?;
                    match money::yuan_to_fen(&back) {
                        Ok(again) if again == fen => Ok(()),
                        other => Err(format!("{fen} → {back:?} → {other:?} does not round-trip")),
                    }
                }
                Err(e) => typed(&e, &[ErrorCode::InvalidInput]),
            },
            || format!("text={text:?} hex={}", hex(text.as_bytes())),
        );
        fz.stat(if accepted.get() {
            "yuan_to_fen:ok"
        } else {
            "yuan_to_fen:refused"
        });
        let fen = match rng.below(4) {
            0 => rng.next_u64() as i64,
            1 => rng.pick(&[
                i64::MIN,
                -1,
                0,
                1,
                99,
                100,
                money::MAX_FEN,
                money::MAX_FEN + 1,
                i64::MAX,
            ]),
            _ => rng.range(0, money::MAX_FEN),
        };
        fz.run(
            i,
            "money::fen_to_yuan",
            || match money::fen_to_yuan(fen) {
                Ok(t) if (0..=money::MAX_FEN).contains(&fen) => match money::yuan_to_fen(&t) {
                    Ok(back) if back == fen => Ok(()),
                    other => Err(format!("{fen} → {t:?} → {other:?}")),
                },
                Ok(t) => Err(format!("{fen} (out of range) was formatted as {t:?}")),
                Err(_) if (0..=money::MAX_FEN).contains(&fen) => Err(format!("{fen} is in range but was refused")),
                Err(e) => typed(&e, &[ErrorCode::InvalidInput]),
            },
            || format!("fen={fen}"),
        );
        let amount = if rng.chance(1, 2) {
            gen_number(&mut rng)
        } else {
            gen_value(&mut rng, 1)
        };
        let max = rng.pick(&[9_999_999_999i64, 1_000_000_000, 999_999_999_999]);
        fz.run(
            i,
            "money::amount_from_input",
            || match money::amount_from_input("amount", Some(&amount), max) {
                Ok(n) if n >= 1 && n <= max && amount.as_i64() == Some(n) => Ok(()),
                Ok(n) => Err(format!("{amount} was accepted as {n} fen (max {max})")),
                Err(e) => {
                    typed(&e, &[ErrorCode::InvalidInput])?;
                    if e.field.as_deref() != Some("amount") {
                        return Err(format!("the error names {:?}, not amount", e.field));
                    }
                    Ok(())
                }
            },
            || format!("amount={amount} max={max}"),
        );
        let wire = if rng.chance(1, 2) {
            gen_number(&mut rng)
        } else {
            Value::String(gen_yuan_text(&mut rng))
        };
        for p in providers::all() {
            if let Some((entry, read)) = p.wire_yuan() {
                fz.run(
                    i,
                    entry,
                    || match read(&wire) {
                        Ok(Some(n)) if (0..=money::MAX_FEN).contains(&n) => Ok(()),
                        Ok(None) if wire.as_str() == Some("") => Ok(()),
                        Ok(other) => Err(format!("{wire} read as {other:?}")),
                        Err(e) => typed(&e, &[ErrorCode::MalformedResponse]),
                    },
                    || format!("wire={wire}"),
                );
            }
        }
        let t = match rng.below(3) {
            0 => gen_string(&mut rng),
            1 => time::beijing_compact(rng.range(-62_135_596_800_000, 253_402_300_799_000)),
            _ => (0..14).map(|_| (b'0' + rng.below(10) as u8) as char).collect(),
        };
        let ms = rng.range(-money::MAX_FEN, money::MAX_FEN);
        fz.run(
            i,
            "time::parse_beijing_compact / beijing_compact",
            || {
                if let Some(ms) = time::parse_beijing_compact(&t) {
                    let back = time::beijing_compact(ms);
                    if back != t {
                        return Err(format!("{t:?} → {ms} → {back:?}"));
                    }
                }
                // Any instant the wasm binding admits (a safe integer) formats without panicking.
                let s = time::beijing_compact(ms);
                if s.len() < 14 {
                    return Err(format!("{ms} formatted as {s:?}"));
                }
                Ok(())
            },
            || format!("text={t:?} ms={ms}"),
        );
    }
    fz.finish();
}
