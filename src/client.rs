//! The surface the wasm bindings forward to, kept here so it is tested natively: typed methods (a
//! `Prepared` request, an `OperationResult`, a `Notification`) and their JSON-text forms for the tests.

use crate::error::{Error, Result};
use crate::http::HttpResponse;
use crate::model::{Notification, Operation, OperationResult};
use crate::providers::{self, bad_json, Ctx, Gateway, Input, KeyUse, Prepared, Raw, Signed, Verifier};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug)]
pub struct Client {
    gateway: Box<dyn Gateway>,
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v)
        .map_err(|e| Error::new(crate::ErrorCode::ProviderError, format!("could not serialize: {e}")))
}

/// What ends with a `raw` member: a result, a notification.
pub(crate) trait WithRaw: serde::Serialize {
    fn raw_mut(&mut self) -> &mut Raw;
}

impl WithRaw for OperationResult {
    fn raw_mut(&mut self) -> &mut Raw {
        &mut self.raw
    }
}

impl WithRaw for Notification {
    fn raw_mut(&mut self) -> &mut Raw {
        &mut self.raw
    }
}

/// `to_json` of a result or notification whose `raw` holds the answer's own text: the text is written in
/// null's place (`raw` is the last member), not parsed again and re-serialized (BENCHMARKS.md, "Less
/// work per call"). Anything else, or another member order, takes the plain path.
pub(crate) fn result_json<T: WithRaw>(mut v: T) -> Result<String> {
    let raw = std::mem::take(v.raw_mut());
    if let Some(text) = raw.text() {
        let mut out = to_json(&v)?;
        if let Some(keep) = out
            .strip_suffix("null}")
            .filter(|h| h.ends_with(",\"raw\":"))
            .map(str::len)
        {
            out.truncate(keep);
            out.push_str(text);
            out.push('}');
            return Ok(out);
        }
    }
    *v.raw_mut() = raw;
    to_json(&v)
}

pub fn headers(json: &str) -> Result<BTreeMap<String, String>> {
    if json.len() > providers::MAX_BODY_BYTES {
        return Err(Error::input(
            "headers",
            format!("must be at most {} bytes", providers::MAX_BODY_BYTES),
        ));
    }
    if json.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    let not_strings = || Error::input("headers", "must be an object whose values are strings");
    let Value::Object(m) = crate::json::parse(json.as_bytes()).map_err(|e| bad_json("headers", &e))? else {
        return Err(not_strings());
    };
    m.into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            _ => Err(not_strings()),
        })
        .collect()
}

impl Client {
    pub fn new(config_json: &str) -> Result<Client> {
        Ok(Client {
            gateway: providers::create(config_json)?,
        })
    }

    /// Validates and signs. The `Prepared` request holds, when the host must sign, the exact bytes to
    /// sign (`to_sign`) and a request with one signature slot that `Prepared::complete` fills.
    pub fn prepare(&self, op: &str, input_json: &str, now_ms: i64, nonce: String) -> Result<Prepared> {
        let op = Operation::parse(op)?;
        let input = Input::from_json(input_json)?;
        // Epoch milliseconds that JavaScript can hold; anything else is a broken clock.
        if !(0..=crate::money::MAX_FEN).contains(&now_ms) {
            return Err(Error::config(
                "now",
                format!("must return epoch milliseconds (got {now_ms})"),
            ));
        }
        providers::check_fields(self.gateway.as_ref(), op, &input)?;
        let prepared = self.gateway.build(
            op,
            &input,
            &Ctx {
                now_ms,
                nonce,
                verifier: Verifier::Core,
            },
        )?;
        providers::check_slot(&prepared)?;
        Ok(prepared)
    }

    /// `prepare` as JSON: `{request: {method, url, headers, body}, toSign}`, `toSign` null when the request
    /// is complete, else the Base64 of the exact bytes the host signer must sign.
    pub fn build(&self, op: &str, input_json: &str, now_ms: i64, nonce: String) -> Result<String> {
        let prepared = self.prepare(op, input_json, now_ms, nonce)?;
        let to_sign = prepared.to_sign.as_deref().map(crate::crypto::base64_encode);
        to_json(&serde_json::json!({ "request": prepared.request, "toSign": to_sign }))
    }

    /// The merchant private key as PKCS#8 DER, for importing once into the platform's crypto;
    /// `None` for providers that do not sign with RSA.
    pub fn private_key_pkcs8(&self) -> Option<Vec<u8>> {
        self.gateway.private_key().map(|k| k.pkcs8_der().to_vec())
    }

    /// Signs with the Rust RSA implementation (blinded, host randomness): the fallback signer.
    pub fn sign_wasm(&self, message: &[u8]) -> Result<Vec<u8>> {
        let key = self
            .gateway
            .private_key()
            .ok_or_else(|| Error::unsupported("this provider does not sign with an RSA key"))?;
        key.sign_sha256(message)
    }

    /// Puts the host's signature into a prepared request given as JSON (the tests' form; the bindings
    /// keep the `Prepared` itself and call `providers::complete` on it).
    pub fn complete(&self, request_json: &str, signature: &[u8]) -> Result<String> {
        let request: crate::http::HttpRequest =
            serde_json::from_str(request_json).map_err(|e| bad_json("request", &e))?;
        to_json(&providers::complete(request, signature))
    }

    /// Maps a response that arrived at `now_ms` to an OperationResult, its signature (if any) checked by
    /// the core's own verifier. Fails only on programmer mistakes (bad op name, bad input); a body over
    /// the limit is an UNKNOWN result.
    pub fn parse_result(
        &mut self,
        op: &str,
        response: &HttpResponse,
        input_json: Option<&str>,
        now_ms: i64,
    ) -> Result<OperationResult> {
        let op = Operation::parse(op)?;
        let input = input_json.map(Input::from_json).transpose()?;
        Ok(self.parse_verified(op, response, input.as_ref(), now_ms, Verifier::Core))
    }

    /// The signature an answer carries, for the host's verifier (`None`: nothing to ask it).
    pub fn answer_signed(&self, op: Operation, response: &HttpResponse) -> Option<Signed> {
        if response.body.len() > providers::MAX_BODY_BYTES {
            return None;
        }
        self.gateway.answer_signed(op, response)
    }

    /// The one path of every answer, with `verifier` deciding its signature (the host's verdict about
    /// what `answer_signed` showed it, or the core's own).
    pub fn parse_verified(
        &mut self,
        op: Operation,
        response: &HttpResponse,
        input: Option<&Input>,
        now_ms: i64,
        verifier: Verifier,
    ) -> OperationResult {
        let ctx = Ctx {
            now_ms,
            nonce: String::new(),
            verifier,
        };
        providers::parse_checked(self.gateway.as_mut(), op, response, input, &ctx)
    }

    /// `parse_result` with headers and result as JSON.
    pub fn parse(
        &mut self,
        op: &str,
        status: u16,
        headers_json: &str,
        body: Vec<u8>,
        input_json: Option<&str>,
        now_ms: i64,
    ) -> Result<String> {
        let response = HttpResponse {
            status,
            headers: headers(headers_json)?,
            body,
        };
        result_json(self.parse_result(op, &response, input_json, now_ms)?)
    }

    /// Verifies a notification over its raw bytes with the core's own verifier: `{order, ack, raw}`.
    /// `expect_json` (optional: merchantOrderNo, providerOrderNo, amount) is the order the merchant
    /// holds: a genuine notice about another order or amount is then refused (WRONG_ORDER, WRONG_AMOUNT).
    pub fn notification(
        &self,
        headers: &BTreeMap<String, String>,
        body: &[u8],
        now_ms: i64,
        expect_json: Option<&str>,
    ) -> Result<Notification> {
        let expect = expect_json.map(Input::from_json).transpose()?;
        self.notification_verified(headers, body, now_ms, expect.as_ref(), Verifier::Core)
    }

    /// The signature a notification carries, for the host's verifier (`None`: nothing to ask it).
    pub fn notice_signed(&self, headers: &BTreeMap<String, String>, body: &[u8]) -> Option<Signed> {
        if body.len() > providers::MAX_BODY_BYTES {
            return None;
        }
        self.gateway.notice_signed(headers, body)
    }

    /// The one path of every notification, with `verifier` deciding its signature.
    pub fn notification_verified(
        &self,
        headers: &BTreeMap<String, String>,
        body: &[u8],
        now_ms: i64,
        expect: Option<&Input>,
        verifier: Verifier,
    ) -> Result<Notification> {
        if body.len() > providers::MAX_BODY_BYTES {
            let message = format!(
                "the notification has {} bytes; at most {} are read",
                body.len(),
                providers::MAX_BODY_BYTES
            );
            return Err(Error::notification("TOO_LARGE", message));
        }
        let ctx = Ctx {
            now_ms,
            nonce: String::new(),
            verifier,
        };
        let n = self.gateway.verify_notification(headers, body, &ctx)?;
        providers::readable(&n.order, n.refund.as_ref())?;
        if let Some(e) = expect {
            providers::expected_order(e, &n.order, n.refund.is_some())?;
        }
        Ok(n)
    }

    /// The client's public key for `key` as SPKI DER, for importing once into the platform's crypto;
    /// `None` where this provider has no such key.
    pub fn public_key_spki(&self, key: KeyUse) -> Option<Vec<u8>> {
        self.gateway.public_key(key).map(|k| k.spki_der().to_vec())
    }

    /// The core's own verifier (the Rust `rsa` crate), for hosts that have no platform crypto.
    pub fn verify_core(&self, message: &[u8], signature: &[u8], key: KeyUse) -> bool {
        self.gateway
            .public_key(key)
            .is_some_and(|k| k.verify_sha256(message, signature))
    }

    /// `notification` with headers and result as JSON.
    pub fn verify_notification(
        &self,
        headers_json: &str,
        body: &[u8],
        now_ms: i64,
        expect_json: Option<&str>,
    ) -> Result<String> {
        let headers = headers(headers_json)?;
        result_json(self.notification(&headers, body, now_ms, expect_json)?)
    }

    /// The result of a request whose transport failed (the host's fetch rejected or timed out): the
    /// gateway may have acted, so the outcome is UNKNOWN and the next step POLL (RETRY for reads).
    pub fn network_failure_result(&self, op: &str, why: &str) -> Result<OperationResult> {
        let op = Operation::parse(op)?;
        let e = Error::new(crate::ErrorCode::Network, format!("transport failed: {why}"));
        Ok(OperationResult::uncertain(
            self.gateway.provider(),
            op,
            e,
            providers::Raw::default(),
        ))
    }

    pub fn network_failure(&self, op: &str, why: &str) -> Result<String> {
        to_json(&self.network_failure_result(op, why)?)
    }

    /// The result for an answer of `bytes` bytes, over the limit: the host stopped reading it.
    pub fn too_large_result(&self, op: &str, bytes: u64) -> Result<OperationResult> {
        let op = Operation::parse(op)?;
        Ok(providers::too_large(self.gateway.provider(), op, bytes))
    }

    pub fn too_large(&self, op: &str, bytes: u64) -> Result<String> {
        to_json(&self.too_large_result(op, bytes)?)
    }

    pub fn wap_pay_url(&self, input_json: &str) -> Result<String> {
        self.gateway.wap_pay_url(&Input::from_json(input_json)?)
    }

    /// A cashier page's return URL (or its query), verified: `{ order, verified: true, raw }`. Advisory:
    /// the buyer's browser brought it, so the order is confirmed by query or notification before acting.
    pub fn verify_return(&self, url_or_query: &str) -> Result<String> {
        let (order, raw) = self.gateway.verify_return(url_or_query)?;
        to_json(&serde_json::json!({ "order": order, "verified": true, "raw": raw }))
    }
}

#[cfg(test)]
pub(crate) mod tests;
