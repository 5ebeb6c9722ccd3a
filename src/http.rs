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

#[derive(Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(skip)]
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

#[cfg(test)]
mod tests;
