//! wasm-bindgen layer only. Errors cross as real JS `Error` objects named `AggpayCoreError` carrying the
//! fields of `Error` (code, message, retryable, field, reason, providerCode, providerMessage); the JS facade
//! turns them into AggpayError. A prepared request stays here, as `PreparedRequest`, until it is complete.

use crate::client::{headers, result_json, to_json};
use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse};
use crate::model::Operation;
use crate::money;
use crate::providers::{Input, KeyUse, Prepared, Signed, Verifier};
use js_sys::{Object, Reflect};
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;

/// The `name` of the errors the core throws: how the facade tells them from a host's own.
const CORE_ERROR: &str = "AggpayCoreError";

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a plain property on an object we just made cannot fail; a failure would only lose a field.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn throw(e: Error) -> JsValue {
    let js = js_sys::Error::new(&e.message);
    js.set_name(CORE_ERROR);
    let v: JsValue = js.into();
    set(&v, "code", &JsValue::from_str(e.code.as_str()));
    set(&v, "retryable", &JsValue::from_bool(e.retryable));
    let optional = [
        ("field", e.field.as_deref()),
        ("reason", e.reason),
        ("providerCode", e.provider_code.as_deref()),
        ("providerMessage", e.provider_message.as_deref()),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            set(&v, key, &JsValue::from_str(value));
        }
    }
    v
}

/// `{method, url, headers, body}` as a plain JS object, built field by field (no JSON text).
fn request_object(r: &HttpRequest) -> JsValue {
    let headers: JsValue = Object::new().into();
    for (k, v) in &r.headers {
        set(&headers, k, &JsValue::from_str(v));
    }
    let out: JsValue = Object::new().into();
    set(&out, "method", &JsValue::from_str(&r.method));
    set(&out, "url", &JsValue::from_str(&r.url));
    set(&out, "headers", &headers);
    set(&out, "body", &JsValue::from_str(&r.body));
    out
}

/// A built request, kept on the wasm side between signing and completion: the host reads `request` and
/// `toSign`, signs `toSign` and calls `complete(signature)`. The bytes signed are never re-parsed from JS.
#[wasm_bindgen]
pub struct PreparedRequest {
    prepared: Prepared,
}

#[wasm_bindgen]
impl PreparedRequest {
    /// The request as built: complete when `toSign` is undefined, else with the signature still to fill in.
    #[wasm_bindgen(getter)]
    pub fn request(&self) -> JsValue {
        request_object(&self.prepared.request)
    }

    /// The exact bytes the host signer must sign; undefined when the request is already complete.
    #[wasm_bindgen(getter, js_name = toSign)]
    pub fn to_sign(&self) -> Option<Vec<u8>> {
        self.prepared.to_sign.clone()
    }

    /// The final request with `signature` in its slot.
    pub fn complete(&self, signature: &[u8]) -> Result<JsValue, JsValue> {
        if self.prepared.to_sign.is_none() {
            return Err(throw(Error::new(
                crate::ErrorCode::InvalidConfig,
                "this request is complete already: it takes no signature",
            )));
        }
        if signature.is_empty() {
            return Err(throw(Error::config(
                "signer",
                "must resolve to the signature bytes (got none)",
            )));
        }
        let request = crate::providers::complete(self.prepared.request.clone(), signature);
        Ok(request_object(&request))
    }
}

/// A JS number that must hold an integer (epoch ms, fen).
fn int(field: &str, v: f64) -> Result<i64, JsValue> {
    if v.is_finite() && v.fract() == 0.0 && v.abs() <= money::MAX_FEN as f64 {
        Ok(v as i64)
    } else {
        Err(throw(Error::input(field, format!("must be a safe integer (got {v})"))))
    }
}

#[wasm_bindgen]
pub struct Core {
    inner: crate::Client,
}

#[wasm_bindgen]
impl Core {
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<Core, JsValue> {
        crate::Client::new(config_json)
            .map(|inner| Core { inner })
            .map_err(throw)
    }

    pub fn build(&self, op: &str, input_json: &str, now_ms: f64, nonce: String) -> Result<PreparedRequest, JsValue> {
        self.inner
            .prepare(op, input_json, int("now", now_ms)?, nonce)
            .map(|prepared| PreparedRequest { prepared })
            .map_err(throw)
    }

    #[wasm_bindgen(js_name = privateKeyPkcs8)]
    pub fn private_key_pkcs8(&self) -> Option<Vec<u8>> {
        self.inner.private_key_pkcs8()
    }

    #[wasm_bindgen(js_name = signWasm)]
    pub fn sign_wasm(&self, message: &[u8]) -> Result<Vec<u8>, JsValue> {
        self.inner.sign_wasm(message).map_err(throw)
    }

    /// An answer's result (JSON text), or — when the answer carries a signature — a `Verification`
    /// that `settle` completes with the host verifier's verdict.
    pub fn parse(
        &mut self,
        op: &str,
        status: u16,
        headers_json: &str,
        body: Vec<u8>,
        input_json: Option<String>,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let now_ms = int("now", now_ms)?;
        let op = Operation::parse(op).map_err(throw)?;
        let input = input_json.as_deref().map(Input::from_json).transpose().map_err(throw)?;
        let response = HttpResponse {
            status,
            headers: headers(headers_json).map_err(throw)?,
            body,
        };
        let pending = Pending::Answer {
            op,
            response,
            input,
            now_ms,
        };
        self.ask_or_settle(pending)
    }

    /// A notification's `{order, ack, raw}` (JSON text), or a `Verification` for the host's verifier;
    /// a notice that is not genuine throws NOTIFICATION_INVALID.
    #[wasm_bindgen(js_name = verifyNotification)]
    pub fn verify_notification(
        &mut self,
        headers_json: &str,
        body: Vec<u8>,
        now_ms: f64,
        expect_json: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let now_ms = int("now", now_ms)?;
        let expect = expect_json
            .as_deref()
            .map(Input::from_json)
            .transpose()
            .map_err(throw)?;
        let pending = Pending::Notice {
            headers: headers(headers_json).map_err(throw)?,
            body,
            now_ms,
            expect,
        };
        self.ask_or_settle(pending)
    }

    /// Completes a `Verification` with the host verifier's answer about exactly its parts: only a
    /// boolean `true` is a pass; anything else (false, a string, a number, undefined) fails the check.
    pub fn settle(&mut self, verification: Verification, verdict: JsValue) -> Result<String, JsValue> {
        let Verification { signed, pending } = verification;
        let verifier = Verifier::Host {
            asked: Some(signed),
            valid: verdict.as_bool() == Some(true),
        };
        self.finish(pending, verifier)
    }

    /// The client's public key for `key` ("platform" or "notify") as SPKI DER, for importing once.
    #[wasm_bindgen(js_name = publicKeySpki)]
    pub fn public_key_spki(&self, key: &str) -> Option<Vec<u8>> {
        KeyUse::parse(key).and_then(|k| self.inner.public_key_spki(k))
    }

    /// The core's own verifier (the Rust `rsa` crate): the 'wasm' path.
    #[wasm_bindgen(js_name = verifyWasm)]
    pub fn verify_wasm(&self, message: &[u8], signature: &[u8], key: &str) -> bool {
        KeyUse::parse(key).is_some_and(|k| self.inner.verify_core(message, signature, k))
    }

    #[wasm_bindgen(js_name = networkFailure)]
    pub fn network_failure(&self, op: &str, why: &str) -> Result<String, JsValue> {
        self.inner.network_failure(op, why).map_err(throw)
    }

    #[wasm_bindgen(js_name = tooLarge)]
    pub fn too_large(&self, op: &str, bytes: f64) -> Result<String, JsValue> {
        let bytes = if bytes.is_finite() && bytes > 0.0 {
            bytes as u64
        } else {
            0
        };
        self.inner.too_large(op, bytes).map_err(throw)
    }

    #[wasm_bindgen(js_name = wapPayUrl)]
    pub fn wap_pay_url(&self, input_json: &str) -> Result<String, JsValue> {
        self.inner.wap_pay_url(input_json).map_err(throw)
    }

    #[wasm_bindgen(js_name = verifyReturn)]
    pub fn verify_return(&self, url_or_query: &str) -> Result<String, JsValue> {
        self.inner.verify_return(url_or_query).map_err(throw)
    }
}

/// What waits for the host's verdict: an answer or a notification, as received.
enum Pending {
    Answer {
        op: Operation,
        response: HttpResponse,
        input: Option<Input>,
        now_ms: i64,
    },
    Notice {
        headers: BTreeMap<String, String>,
        body: Vec<u8>,
        now_ms: i64,
        expect: Option<Input>,
    },
}

/// A signature the core needs the host to check: `message` (the exact bytes signed), `signature`, and
/// `key` ("platform" or "notify", the client's key to check it with, from `publicKeySpki`). The answer or
/// notice stays here until `Core.settle` hands it back with the verdict.
#[wasm_bindgen]
pub struct Verification {
    signed: Signed,
    pending: Pending,
}

#[wasm_bindgen]
impl Verification {
    #[wasm_bindgen(getter)]
    pub fn message(&self) -> Vec<u8> {
        self.signed.message.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn signature(&self) -> Vec<u8> {
        self.signed.signature.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn key(&self) -> String {
        self.signed.key.as_str().to_string()
    }
}

impl Core {
    /// Settles at once what carries no signature (a host has nothing to say about it: its verdict is
    /// "none shown"), else hands back the `Verification` to ask the host about.
    fn ask_or_settle(&mut self, pending: Pending) -> Result<JsValue, JsValue> {
        let signed = match &pending {
            Pending::Answer { op, response, .. } => self.inner.answer_signed(*op, response),
            Pending::Notice { headers, body, .. } => self.inner.notice_signed(headers, body),
        };
        match signed {
            Some(signed) => Ok(Verification { signed, pending }.into()),
            None => {
                let none = Verifier::Host {
                    asked: None,
                    valid: false,
                };
                self.finish(pending, none).map(|text| JsValue::from_str(&text))
            }
        }
    }

    fn finish(&mut self, pending: Pending, verifier: Verifier) -> Result<String, JsValue> {
        match pending {
            Pending::Answer {
                op,
                response,
                input,
                now_ms,
            } => result_json(
                self.inner
                    .parse_verified(op, &response, input.as_ref(), now_ms, verifier),
            ),
            Pending::Notice {
                headers,
                body,
                now_ms,
                expect,
            } => self
                .inner
                .notification_verified(&headers, &body, now_ms, expect.as_ref(), verifier)
                .and_then(result_json),
        }
        .map_err(throw)
    }
}

/// The most bytes a body or input may have; the facade refuses larger ones before copying them in.
#[wasm_bindgen(js_name = maxBodyBytes)]
pub fn max_body_bytes() -> u32 {
    crate::providers::MAX_BODY_BYTES as u32
}

#[wasm_bindgen(js_name = yuanToFen)]
pub fn yuan_to_fen(text: &str) -> Result<f64, JsValue> {
    money::yuan_to_fen(text).map(|f| f as f64).map_err(throw)
}

#[wasm_bindgen(js_name = fenToYuan)]
pub fn fen_to_yuan(fen: f64) -> Result<String, JsValue> {
    money::fen_to_yuan(int("fen", fen)?).map_err(throw)
}

/// The pay-and-confirm state machine, driven by the facade with the host's fetch and timers.
#[wasm_bindgen]
pub struct PayFlow {
    inner: crate::flow::Flow,
}

fn action_json(a: &crate::flow::Action) -> String {
    serde_json::to_string(a)
        .unwrap_or_else(|_| r#"{"type":"finish","verdict":"NEEDS_ATTENTION","message":"internal error"}"#.into())
}

#[wasm_bindgen]
impl PayFlow {
    #[wasm_bindgen(constructor)]
    pub fn new(provider: &str, kind: &str, timeout_ms: Option<f64>, amount: Option<f64>) -> Result<PayFlow, JsValue> {
        let timeout = timeout_ms.map(|t| int("timeoutMs", t)).transpose()?;
        let amount = amount.map(|a| int("amount", a)).transpose()?;
        crate::flow::from_names(provider, kind, timeout, amount)
            .map(|inner| PayFlow { inner })
            .map_err(throw)
    }

    pub fn start(&mut self) -> String {
        action_json(&self.inner.start())
    }

    pub fn next(&mut self, result_json: &str, elapsed_ms: f64) -> String {
        let elapsed = if elapsed_ms.is_finite() {
            elapsed_ms as i64
        } else {
            i64::MAX
        };
        action_json(&self.inner.next_json(result_json, elapsed))
    }

    /// The operation that reverses this flow's order at the deadline (cancel, revoke or close).
    pub fn reversal(&self) -> String {
        serde_json::to_value(self.inner.plan().reversal)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    pub fn stop(&mut self) -> String {
        action_json(&self.inner.stop())
    }
}
