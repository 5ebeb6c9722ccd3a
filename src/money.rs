//! Money is integer fen (1/100 yuan). Yuan text converts to fen digit by digit — never through a float.

use crate::error::{Error, Result};

/// Largest amount the API accepts: JavaScript's Number.MAX_SAFE_INTEGER, so fen survive the trip to JS.
pub const MAX_FEN: i64 = 9_007_199_254_740_991;

/// Parses yuan decimal text (`"9.80"`, `"9.8"`, `"10"`) into fen. Rejects signs, exponents, more than two
/// decimals, leading zeros (other than `0.xx`), empty parts and anything above [`MAX_FEN`].
pub fn yuan_to_fen(text: &str) -> Result<i64> {
    let rule = "must be yuan as decimal text with at most two decimals, like \"9.80\"";
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int_part) || (int_part.len() > 1 && int_part.starts_with('0')) {
        return Err(Error::input("amount", format!("{rule} (got {:?})", text)));
    }
    let frac = match frac_part {
        None => "",
        Some(f) if digits(f) && f.len() <= 2 => f,
        Some(_) => return Err(Error::input("amount", format!("{rule} (got {:?})", text))),
    };
    let too_big = || {
        Error::input(
            "amount",
            format!("is larger than the largest supported amount (got {:?})", text),
        )
    };
    if int_part.len() > 16 {
        return Err(too_big());
    }
    let yuan: i64 = int_part.parse().map_err(|_| too_big())?;
    let mut fen_part = 0i64;
    for (i, b) in frac.bytes().enumerate() {
        fen_part += i64::from(b - b'0') * if i == 0 { 10 } else { 1 };
    }
    yuan.checked_mul(100)
        .and_then(|v| v.checked_add(fen_part))
        .filter(|v| *v <= MAX_FEN)
        .ok_or_else(too_big)
}

/// Formats fen as yuan text with exactly two decimals: 980 → "9.80".
pub fn fen_to_yuan(fen: i64) -> Result<String> {
    if !(0..=MAX_FEN).contains(&fen) {
        return Err(Error::input(
            "fen",
            format!("must be a non-negative safe integer (got {fen})"),
        ));
    }
    Ok(format!("{}.{:02}", fen / 100, fen % 100))
}

/// Fen as a JSON number with exactly two decimals (`980` → `9.80`), for gateways that speak yuan as JSON
/// numbers. The text is kept as written (serde_json `arbitrary_precision`), as a BigDecimal writes it.
pub fn yuan_number(fen: i64) -> Result<serde_json::Value> {
    let text = fen_to_yuan(fen)?;
    text.parse::<serde_json::Number>()
        .map(serde_json::Value::Number)
        .map_err(|_| Error::input("amount", format!("could not be written as yuan (got {fen} fen)")))
}

/// Yuan text from a response to fen, with the digit rules of [`yuan_to_fen`]: plain digits, at most two
/// decimals, no sign, no exponent, at most [`MAX_FEN`]. Anything else is MALFORMED_RESPONSE naming `field`.
pub fn yuan_text_to_fen(field: &str, text: &str) -> Result<i64> {
    if text.contains(['e', 'E']) {
        // Exponent notation is legal JSON but no gateway source sends it; refuse rather than guess.
        return Err(Error::malformed(format!(
            "{field} uses exponent notation (got {text}); gateway amounts are plain yuan decimals"
        )));
    }
    yuan_to_fen(text).map_err(|_| {
        Error::malformed(format!(
            "{field} is not a yuan amount with at most two decimals, not negative and not above {MAX_FEN} fen (got {text:?})"
        ))
    })
}

/// A yuan amount as a gateway sends it — a JSON number (read from its literal digits, never through a
/// float) or a string — to fen. `None` when absent, null or an empty string.
pub fn yuan_value(field: &str, v: Option<&serde_json::Value>) -> Result<Option<i64>> {
    use serde_json::Value;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => yuan_text_to_fen(field, s).map(Some),
        Some(Value::Number(n)) => yuan_text_to_fen(field, &n.to_string()).map(Some),
        Some(_) => Err(Error::malformed(format!("{field} is not a yuan amount"))),
    }
}

/// Parses an amount that a gateway sends as fen digits (`"980"`). `None` when it is not plain digits
/// or is above [`MAX_FEN`]: 16 digits can exceed 2^53, which JavaScript cannot hold exactly.
pub fn parse_fen_digits(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 16 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|v| *v <= MAX_FEN)
}

/// A gateway's fen-digits field: absent or empty is `None`; anything but digits, or above [`MAX_FEN`],
/// makes the answer MALFORMED_RESPONSE (an amount that cannot be read is never guessed).
pub fn fen_field(field: &str, v: &Option<String>) -> Result<Option<i64>> {
    match v.as_deref() {
        None | Some("") => Ok(None),
        Some(t) => parse_fen_digits(t).map(Some).ok_or_else(|| {
            // Quote the value only when short: a hostile answer may send a megabyte.
            let got = if t.len() <= 32 {
                format!(" (got {t:?})")
            } else {
                format!(" ({} bytes)", t.len())
            };
            Error::malformed(format!("{field} is not fen digits of at most {MAX_FEN}{got}"))
        }),
    }
}

/// Validates an amount given by the caller as a JSON number of fen: a positive integer no larger than
/// `max`. Floats, strings, zero and negatives are refused with a message naming the field.
pub fn amount_from_input(field: &str, value: Option<&serde_json::Value>, max: i64) -> Result<i64> {
    let v = value.ok_or_else(|| Error::input(field, "is required (integer fen, e.g. 980 for 9.80 yuan)"))?;
    let n = match v {
        serde_json::Value::Number(n) => n,
        serde_json::Value::String(_) => {
            return Err(Error::input(
                field,
                "must be a number of fen, not a string (use yuanToFen for yuan text)",
            ))
        }
        _ => return Err(Error::input(field, "must be an integer number of fen")),
    };
    if let Some(i) = n.as_i64() {
        if i <= 0 {
            return Err(Error::input(field, format!("must be greater than 0 (got {i})")));
        }
        if i > max {
            return Err(Error::input(field, format!("must be at most {max} fen (got {i})")));
        }
        return Ok(i);
    }
    if n.as_u64().is_some() {
        return Err(Error::input(field, format!("must be at most {max} fen (got {n})")));
    }
    Err(Error::input(
        field,
        format!("must be an integer number of fen, not a fraction (got {n})"),
    ))
}

#[cfg(test)]
mod tests;
