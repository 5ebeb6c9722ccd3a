//! What a provider module implements, and the request it builds.

use super::{Ctx, Input, KeyUse, Signed};
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::model::{
    Notification, Operation, Order, OrderState, Outcome, Provider, Refund, RefundState, TerminalCredentials,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Stands where an RSA signature goes until the host's signer has produced it. It appears only in
/// places the library fills itself (a header, or a body slot between library-made values).
pub const SIGNATURE_SLOT: &str = "@@AGGPAY-SIGNATURE@@";

/// A built request. For RSA providers `to_sign` holds the exact bytes to sign and the request carries
/// `SIGNATURE_SLOT` where the Base64 signature belongs; `complete` puts it there.
#[derive(serde::Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Prepared {
    pub request: HttpRequest,
    #[serde(skip)]
    pub to_sign: Option<Vec<u8>>,
}

impl Prepared {
    pub fn ready(request: HttpRequest) -> Prepared {
        Prepared { request, to_sign: None }
    }
}

/// Fills the signature slot of a prepared request with the Base64 of `signature`. `check_slot` made
/// sure the slot occurs exactly once, so nothing else in the request can change.
pub fn complete(mut request: HttpRequest, signature: &[u8]) -> HttpRequest {
    let b64 = crate::crypto::base64_encode(signature);
    for v in request.headers.values_mut() {
        if v.contains(SIGNATURE_SLOT) {
            *v = v.replacen(SIGNATURE_SLOT, &b64, 1);
            return request;
        }
    }
    request.body = request.body.replacen(SIGNATURE_SLOT, &b64, 1);
    request
}

/// A request to be signed by the host must hold the slot exactly once: caller text equal to the slot
/// would otherwise be replaced too, and the bytes sent would differ from the bytes signed.
pub fn check_slot(prepared: &Prepared) -> Result<()> {
    if prepared.to_sign.is_none() {
        return Ok(());
    }
    let r = &prepared.request;
    let count = r.body.matches(SIGNATURE_SLOT).count()
        + r.headers
            .values()
            .map(|v| v.matches(SIGNATURE_SLOT).count())
            .sum::<usize>();
    if count != 1 {
        return Err(Error::input(
            "input",
            format!("must not contain the reserved text {SIGNATURE_SLOT}"),
        ));
    }
    Ok(())
}

/// What a provider's tables made of an answer. The pipeline adds the next step and applies the rules
/// every provider shares (identity, code/state agreement, numbers already used, not found).
#[derive(Debug)]
pub struct Reply {
    pub outcome: Outcome,
    /// The gateway's code and words, for FAILED and UNKNOWN.
    pub error: Option<Error>,
    pub order: Option<Order>,
    pub refund: Option<Refund>,
    pub credentials: Option<TerminalCredentials>,
    /// The gateway documents this answer as one only a person can resolve (a failed pay whose reversal
    /// is itself uncertain, say): an UNKNOWN outcome then says CONTACT_SUPPORT instead of POLL.
    pub escalate: bool,
}

impl Reply {
    pub fn new(outcome: Outcome) -> Reply {
        Reply {
            outcome,
            error: None,
            order: None,
            refund: None,
            credentials: None,
            escalate: false,
        }
    }

    /// A refusal the gateway vouches for (the shared rules may still find it uncertain).
    pub fn failed(error: Error) -> Reply {
        Reply {
            error: Some(error),
            ..Reply::new(Outcome::Failed)
        }
    }

    /// An answer whose outcome the gateway itself does not know.
    pub fn unknown(error: Error) -> Reply {
        Reply {
            error: Some(error),
            ..Reply::new(Outcome::Unknown)
        }
    }

    pub fn with_order(mut self, order: Option<Order>) -> Reply {
        self.order = order;
        self
    }

    pub fn with_refund(mut self, refund: Option<Refund>) -> Reply {
        self.refund = refund;
        self
    }

    pub fn with_error(mut self, error: Option<Error>) -> Reply {
        self.error = error;
        self
    }

    pub fn escalated(mut self) -> Reply {
        self.escalate = true;
        self
    }
}

/// A provider's documented order states: (wire value, state, final). Every provider's table takes this
/// one form, and a value not in it is UNKNOWN (`order_state`), never a guess.
pub type OrderStates = [(&'static str, OrderState, bool)];

/// A provider's documented refund states: (wire value, state); a value not in it is UNKNOWN.
pub type RefundStates = [(&'static str, RefundState)];

pub fn order_state(table: &OrderStates, v: Option<&str>) -> (OrderState, bool) {
    v.and_then(|v| table.iter().find(|(w, _, _)| *w == v))
        .map_or((OrderState::Unknown, false), |(_, s, f)| (*s, *f))
}

pub fn refund_state(table: &RefundStates, v: Option<&str>) -> RefundState {
    v.and_then(|v| table.iter().find(|(w, _)| *w == v))
        .map_or(RefundState::Unknown, |(_, s)| *s)
}

/// A response body as the provider reads it (`body`) and as the result hands it back (`raw`, with
/// secrets redacted). `error` is set when the body cannot be trusted or read (a bad signature).
#[derive(Debug)]
pub struct Decoded {
    pub body: Value,
    pub raw: Raw,
    pub error: Option<Error>,
}

/// The usual decode: JSON (anything else is `null`), with the named fields redacted from `raw`.
pub fn decode_json(bytes: &[u8], secret_fields: &[&str]) -> Decoded {
    let (body, raw) = parse_json(bytes, secret_fields).unwrap_or_default();
    Decoded { body, raw, error: None }
}

/// A JSON body as a provider reads it, and as `raw` hands it back; `None` when it is not JSON. `raw` is
/// the body's own text when that holds none of `secret_fields` (written into the result as it came:
/// what `JSON.parse` makes of the body, key order included), else the value with them redacted.
pub fn parse_json(bytes: &[u8], secret_fields: &[&str]) -> Option<(Value, Raw)> {
    let body: Value = crate::json::parse(bytes).ok()?;
    // The parser took the bytes as one JSON value, whitespace around it allowed: they are that value's
    // text (valid UTF-8, as the parser checked every string). Anything else never becomes `raw` text.
    let text = std::str::from_utf8(bytes)
        .ok()
        .map(|t| t.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r')))
        .filter(|t| names_none(t, secret_fields));
    let raw = match text {
        Some(t) => Raw(Held::Text(t.into())),
        None => {
            let mut raw = body.clone();
            redact(&mut raw, secret_fields);
            Raw(Held::Value(raw))
        }
    };
    Some((body, raw))
}

/// True when JSON `text` has no member named in `fields` at any depth, even one a later duplicate key
/// hides from the parsed value. Such a key is spelled `"name"`, or with an escape; for names of ASCII
/// letters, digits and `_` only a `\u00XX` escape makes one of their characters (a name with any other
/// character is never taken as absent). One pass over the bytes.
fn names_none(text: &str, fields: &[&str]) -> bool {
    if fields.is_empty() {
        return true;
    }
    let plain = |f: &&str| !f.is_empty() && f.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
    let b = text.as_bytes();
    let at = |i: usize| b.get(i..).unwrap_or_default();
    // The first byte compared before the rest: most keys differ there.
    let quoted = |rest: &[u8], f: &&str| {
        rest.first() == f.as_bytes().first()
            && rest
                .strip_prefix(f.as_bytes())
                .is_some_and(|r| r.first() == Some(&b'"'))
    };
    fields.iter().all(plain)
        && !b.iter().enumerate().any(|(i, c)| match c {
            b'\\' => at(i + 1).starts_with(b"u00"),
            b'"' => fields.iter().any(|f| quoted(at(i + 1), f)),
            _ => false,
        })
}

/// `raw` of a result or notification: the gateway's JSON, for support and logs. `client::result_json`
/// writes its text into a result as it is; `value()` gives it to Rust callers as a `Value`.
#[derive(Clone, Debug, Default)]
pub struct Raw(Held);

/// Private, so text is held only as `parse_json` checked it: one JSON value holding no secret field.
#[derive(Clone, Debug)]
enum Held {
    Text(Box<str>),
    /// Anything else: a value built from the body or from form fields, secrets redacted, or null.
    Value(Value),
}

impl Default for Held {
    fn default() -> Held {
        Held::Value(Value::Null)
    }
}

impl Raw {
    /// The answer's own JSON text, when that is what this holds.
    pub fn text(&self) -> Option<&str> {
        match &self.0 {
            Held::Text(t) => Some(t),
            Held::Value(_) => None,
        }
    }

    pub fn value(&self) -> Value {
        match &self.0 {
            Held::Text(t) => crate::json::parse(t.as_bytes()).unwrap_or(Value::Null),
            Held::Value(v) => v.clone(),
        }
    }
}

impl From<Value> for Raw {
    fn from(v: Value) -> Raw {
        Raw(Held::Value(v))
    }
}

/// The same JSON, however it is held.
impl PartialEq for Raw {
    fn eq(&self, other: &Raw) -> bool {
        self.value() == other.value()
    }
}

impl PartialEq<Value> for Raw {
    fn eq(&self, other: &Value) -> bool {
        self.value() == *other
    }
}

/// The JSON text `client::result_json` writes into a result.
impl fmt::Display for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Held::Text(t) => f.write_str(t),
            Held::Value(v) => write!(f, "{v}"),
        }
    }
}

/// Through serde (`to_value`, another format) the text is parsed again; `client::result_json` splices it
/// instead.
impl serde::Serialize for Raw {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match &self.0 {
            Held::Text(_) => self.value().serialize(s),
            Held::Value(v) => v.serialize(s),
        }
    }
}

/// Replaces the values of `fields`, at any depth, so `raw` can be logged.
pub fn redact(v: &mut Value, fields: &[&str]) {
    match v {
        Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                if fields.contains(&k.as_str()) {
                    *val = Value::String("<redacted>".into());
                } else {
                    redact(val, fields);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| redact(x, fields)),
        _ => {}
    }
}

/// Which gateway a client speaks to. The registry implements it from the module's `PROVIDER`.
pub trait Named {
    fn provider(&self) -> Provider;
}

/// One gateway. A provider module supplies its wire format and tables through these hooks; the rules
/// that hold for every provider live in `pipeline` and are not written again here.
pub trait Gateway: Named + fmt::Debug {
    /// The input fields this gateway reads for `op`, besides the portable ones every provider accepts
    /// (`pipeline::PORTABLE`). Anything else given is refused before sending, so nothing is silently ignored.
    /// `None` only for an operation the gateway does not offer (`build` then says UNSUPPORTED_OPERATION).
    fn fields(&self, op: Operation) -> Option<&'static [&'static str]>;
    fn build(&self, op: Operation, input: &Input, ctx: &Ctx) -> Result<Prepared>;
    /// Bytes to a body, checking the answer's signature where the protocol has one.
    fn decode(&self, op: Operation, response: &HttpResponse, ctx: &Ctx) -> Decoded {
        let _ = (op, ctx);
        decode_json(&response.body, &[])
    }
    /// The envelope and this operation's table: what the answer says. An `Err` is an answer that cannot
    /// be read (UNKNOWN). `input` is the request's input, to complete the answer (never to check it:
    /// the pipeline does that for every provider).
    fn read(&mut self, op: Operation, body: Value, input: Option<&Input>, ctx: &Ctx) -> Result<Reply>;
    fn verify_notification(&self, headers: &BTreeMap<String, String>, body: &[u8], ctx: &Ctx) -> Result<Notification>;
    /// The RSA signature an answer carries, for the host's verifier: what `decode` checks through
    /// `ctx.verifier`, and nothing else. `None` where the protocol signs no answers, or this answer
    /// carries no usable signature (`decode` then refuses it without asking anyone).
    fn answer_signed(&self, _op: Operation, _response: &HttpResponse) -> Option<Signed> {
        None
    }
    /// The same for a notification: what `verify_notification` checks through `ctx.verifier`.
    fn notice_signed(&self, _headers: &BTreeMap<String, String>, _body: &[u8]) -> Option<Signed> {
        None
    }
    /// The public key for `key`, for providers whose answers or notifications carry RSA signatures.
    fn public_key(&self, _key: KeyUse) -> Option<&crate::crypto::PublicKey> {
        None
    }
    /// The merchant's RSA key, for providers that sign with one (the host may sign instead).
    fn private_key(&self) -> Option<&crate::crypto::PrivateKey> {
        None
    }
    /// Provider-specific synchronous URL builders (a WAP cashier page).
    fn wap_pay_url(&self, _input: &Input) -> Result<String> {
        Err(Error::unsupported(format!(
            "{} has no WAP cashier URL",
            self.provider().0
        )))
    }
    /// The parameters a cashier page appends to the merchant's return URL (`url_or_query`: the whole URL
    /// or its query), verified: the order they name and the parameters as sent. Advisory only: the
    /// order is confirmed by query or notification. A missing or bad signature is an error.
    fn verify_return(&self, _url_or_query: &str) -> Result<(Order, Value)> {
        Err(Error::unsupported(format!(
            "{} signs no return URL parameters",
            self.provider().0
        )))
    }
}
