//! HTTP as plain data: what to send, what came back. The host does the I/O.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    /// Exactly the bytes that were signed.
    pub body: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// Header lookup by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

pub fn header<'a>(headers: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The reply a merchant server sends back to a gateway's notification.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Ack {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Ack {
    pub fn text(body: &str) -> Ack {
        let mut headers = BTreeMap::new();
        headers.insert("content-type".to_string(), "text/plain; charset=utf-8".to_string());
        Ack {
            status: 200,
            headers,
            body: body.to_string(),
        }
    }
}

/// Percent-encodes like JavaScript's encodeURIComponent (UTF-8, RFC 3986 unreserved set kept).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Why a form body could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormError {
    /// Not valid `application/x-www-form-urlencoded`: a broken `%` escape, or not UTF-8 once decoded.
    Encoding,
    /// More fields than the caller allows.
    TooManyFields,
    /// The field the caller requires is absent (no value was decoded).
    Missing,
}

/// `application/x-www-form-urlencoded` → ordered (name, value) pairs, percent- and `+`-decoded as UTF-8.
/// Empty parts (`&&`) are no field. At most `max_fields` fields are decoded: a signature over every
/// field can only be checked after decoding them all, so this bounds that work. Names are decoded
/// first: when `required` names a field that is absent (a signed form without its signature), no
/// value is decoded at all.
pub fn parse_form(
    body: &[u8],
    max_fields: usize,
    required: Option<&str>,
) -> std::result::Result<Vec<(String, String)>, FormError> {
    let decode = |s: &[u8]| -> std::result::Result<String, FormError> {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = s.get(i + 1..i + 3).ok_or(FormError::Encoding)?;
                    let h = std::str::from_utf8(hex).map_err(|_| FormError::Encoding)?;
                    out.push(u8::from_str_radix(h, 16).map_err(|_| FormError::Encoding)?);
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).map_err(|_| FormError::Encoding)
    };
    let parts: Vec<&[u8]> = body
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .take(max_fields.saturating_add(1))
        .collect();
    if parts.len() > max_fields {
        return Err(FormError::TooManyFields);
    }
    let mut names = Vec::with_capacity(parts.len());
    for part in &parts {
        let name = part.split(|b| *b == b'=').next().unwrap_or(part);
        names.push(decode(name)?);
    }
    if let Some(field) = required {
        if !names.iter().any(|n| n == field) {
            return Err(FormError::Missing);
        }
    }
    let mut pairs = Vec::with_capacity(parts.len());
    for (name, part) in names.into_iter().zip(parts) {
        let value = match part.iter().position(|b| *b == b'=') {
            Some(at) => decode(&part[at + 1..])?,
            None => String::new(),
        };
        pairs.push((name, value));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests;
