//! One module per gateway, each laid out the same way (config → wire types → signing → requests →
//! status table → response parsing → notifications). This file holds what they share: the caller's
//! input, the host context, the `Gateway` trait and the registry.

#[cfg(feature = "fubei")]
pub mod fubei;
#[cfg(feature = "lakala")]
pub mod lakala;
#[cfg(feature = "shouqianba")]
pub mod shouqianba;
#[cfg(feature = "tingyihui")]
pub mod tingyihui;

use crate::error::{Error, ErrorCode, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::model::{Next, Notification, Operation, OperationResult, OrderState, Outcome, Provider, RefundState};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// A secret string (key, password). Debug never shows it.
#[derive(Deserialize, Clone, Default, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What the host supplies per request: its clock and randomness.
#[derive(Clone, Debug, Default)]
pub struct Ctx {
    pub now_ms: i64,
    pub nonce: String,
}

/// The caller's input for any operation, with the same camelCase names for every provider. Each
/// operation validates the fields it needs; unknown fields are refused so typos do not pass silently.
#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Input {
    pub merchant_order_no: Option<String>,
    pub provider_order_no: Option<String>,
    /// Integer fen, validated by `money::amount_from_input`.
    pub amount: Option<Value>,
    pub auth_code: Option<String>,
    pub subject: Option<String>,
    pub description: Option<String>,
    pub operator: Option<String>,
    pub refund_no: Option<String>,
    pub provider_refund_no: Option<String>,
    pub payway: Option<String>,
    pub sub_payway: Option<String>,
    pub payer_uid: Option<String>,
    pub notify_url: Option<String>,
    pub return_url: Option<String>,
    pub reflect: Option<String>,
    pub longitude: Option<String>,
    pub latitude: Option<String>,
    pub device_id: Option<String>,
    /// The wallet for QR/JSAPI orders where the provider needs it: ALIPAY, WECHAT or UNIONPAY.
    pub channel: Option<String>,
    /// The buyer's or till's IP address, for providers whose risk control requires it.
    pub client_ip: Option<String>,
    pub store_id: Option<String>,
    pub cashier_id: Option<String>,
    // Shouqianba activation.
    pub vendor_sn: Option<String>,
    pub vendor_key: Option<Secret>,
    pub app_id: Option<String>,
    pub code: Option<Secret>,
    pub name: Option<String>,
    pub os_info: Option<String>,
    pub sdk_version: Option<String>,
    /// Raw provider fields added to the request as they are.
    pub extra: Option<Map<String, Value>>,
}

impl Input {
    pub fn from_json(json: &str) -> Result<Input> {
        if json.len() > MAX_BODY_BYTES {
            return Err(Error::input(
                "input",
                format!("must be at most {MAX_BODY_BYTES} bytes as JSON"),
            ));
        }
        if json.trim().is_empty() {
            return Ok(Input::default());
        }
        let value: Value = serde_json::from_str(json).map_err(|e| bad_json("input", &e))?;
        let Value::Object(fields) = &value else {
            return Err(Error::input("input", "must be an object"));
        };
        // Check types here, naming the field, so serde never echoes a value (it may be a secret).
        for (k, v) in fields {
            let ok = match k.as_str() {
                "amount" => true, // validated with its own rules (money::amount_from_input)
                "extra" => v.is_object() || v.is_null(),
                _ => v.is_string() || v.is_null(),
            };
            if !ok {
                let expected = if k == "extra" {
                    "an object of provider fields"
                } else {
                    "a string"
                };
                return Err(Error::input(k, format!("must be {expected} (got {})", json_type(v))));
            }
        }
        serde_json::from_value(value).map_err(|e| bad_json("input", &e))
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Turns a serde error into INVALID_INPUT/INVALID_CONFIG. Only an unknown field's name is quoted from
/// serde: for wrong types serde quotes the value, which may be a secret.
pub fn bad_json(what: &str, e: &serde_json::Error) -> Error {
    let text = e.to_string();
    let text = text.split(" at line").next().unwrap_or(&text);
    let (field, message) = if let Some(rest) = text.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or(what);
        (
            name.to_string(),
            format!(
                "{what}: {name} is not a known field{}",
                rest.split_once('`').map(|(_, r)| r).unwrap_or("")
            ),
        )
    } else if let Some(rest) = text.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(what);
        (name.to_string(), format!("{what}: {name} is required"))
    } else if let Some((_, expected)) = text.split_once(", expected ") {
        (
            what.to_string(),
            format!("{what}: a value has the wrong type or form (expected {expected})"),
        )
    } else if e.is_syntax() || e.is_eof() {
        (what.to_string(), format!("{what}: is not valid JSON"))
    } else {
        (what.to_string(), format!("{what}: is not valid"))
    };
    let mut err = if what == "config" {
        Error::config(&field, "")
    } else {
        Error::input(&field, "")
    };
    err.message = message;
    err
}

/// Rules on text fields, each error naming the field.
pub fn required<'a>(field: &str, v: &'a Option<String>, max_len: usize) -> Result<&'a str> {
    match v.as_deref() {
        None | Some("") => Err(Error::input(field, "is required")),
        Some(s) => check_len(field, s, max_len).map(|_| s),
    }
}

pub fn optional<'a>(field: &str, v: &'a Option<String>, max_len: usize) -> Result<Option<&'a str>> {
    match v.as_deref() {
        None | Some("") => Ok(None),
        Some(s) => check_len(field, s, max_len).map(|_| Some(s)),
    }
}

fn check_len(field: &str, s: &str, max_len: usize) -> Result<()> {
    let n = s.chars().count();
    if n > max_len {
        return Err(Error::input(
            field,
            format!("must be at most {max_len} characters (got {n})"),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(Error::input(field, "must not contain control characters"));
    }
    Ok(())
}

/// True when each path leads to a JSON object, or to nothing (absent or null). Serde's derived
/// structs would also accept an array of values in field order, which no gateway sends: refuse it.
pub fn objects_at(v: &Value, paths: &[&[&str]]) -> bool {
    paths.iter().all(|path| {
        let mut at = v;
        for key in *path {
            match at.get(key) {
                Some(next) => at = next,
                None => return true,
            }
        }
        at.is_object() || at.is_null()
    }) && v.is_object()
}

/// A status other than 200: the body cannot say what happened, so the outcome is UNKNOWN.
pub fn http_status_error(status: u16) -> Option<Error> {
    if status == 200 {
        return None;
    }
    let code = if status >= 500 {
        ErrorCode::ProviderUnavailable
    } else {
        ErrorCode::ProviderError
    };
    Some(Error::new(code, format!("gateway answered HTTP {status}")))
}

/// An answer about another order or refund than the one asked for is not an answer. Each pair is
/// (what the caller asked about, what the gateway answered about); either side may be absent.
pub fn same_subject(pairs: &[(Option<&str>, Option<&str>)]) -> Result<()> {
    for (asked, got) in pairs {
        if let (Some(a), Some(g)) = (asked, got) {
            if a != g {
                let message = format!("the answer is about {g:?}, not {a:?} as asked");
                return Err(Error::new(ErrorCode::MalformedResponse, message));
            }
        }
    }
    Ok(())
}

/// A text field's value, where empty means absent.
fn text(v: Option<&String>) -> Option<&str> {
    v.map(String::as_str).filter(|s| !s.is_empty())
}

/// Sets a string field when there is a value.
pub fn put(body: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        body.insert(key.to_string(), Value::String(v.to_string()));
    }
}

/// Adds `extra` to a wire object; a key the library already set is refused rather than silently replaced.
pub fn merge_extra(body: &mut Map<String, Value>, extra: &Option<Map<String, Value>>) -> Result<()> {
    for (k, v) in extra.iter().flatten() {
        if body.contains_key(k) {
            return Err(Error::input(
                &format!("extra.{k}"),
                "is already set from a named input field; set it there",
            ));
        }
        body.insert(k.clone(), v.clone());
    }
    Ok(())
}

pub fn base_url(field: &str, url: &Option<String>) -> Result<String> {
    let u = url.as_deref().unwrap_or("").trim_end_matches('/');
    if !(u.starts_with("https://") || u.starts_with("http://")) {
        return Err(Error::config(
            field,
            "must be an http(s) URL like \"https://vsi-api.shouqianba.com\"",
        ));
    }
    Ok(u.to_string())
}

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

/// One gateway: build a signed request, parse its response, verify its notifications.
pub trait Gateway: fmt::Debug {
    fn provider(&self) -> Provider;
    fn build(&self, op: Operation, input: &Input, ctx: &Ctx) -> Result<Prepared>;
    /// Never fails: anything a gateway or network can do comes back as an OperationResult.
    /// `input` (optional) is the request's input, used to check and complete the answer; `ctx.now_ms` is
    /// when the answer arrived, for providers whose signed answers carry a time.
    /// Callers go through `parse_checked`, which applies the rules every provider shares.
    fn parse(&mut self, op: Operation, response: &HttpResponse, input: Option<&Input>, ctx: &Ctx) -> OperationResult;
    fn verify_notification(&self, headers: &BTreeMap<String, String>, body: &[u8], ctx: &Ctx) -> Result<Notification>;
    /// The merchant's RSA key, for providers that sign with one (the host may sign instead).
    fn private_key(&self) -> Option<&crate::crypto::PrivateKey> {
        None
    }
    /// Provider-specific synchronous URL builders (Shouqianba's WAP cashier).
    fn wap_pay_url(&self, _input: &Input) -> Result<String> {
        Err(Error::new(
            ErrorCode::UnsupportedOperation,
            format!("{:?} has no WAP cashier URL", self.provider()),
        ))
    }
}

#[derive(Deserialize)]
struct ProviderOnly {
    provider: Option<String>,
}

/// The registry: one line per provider.
pub fn create(config_json: &str) -> Result<Box<dyn Gateway>> {
    let value: Value = serde_json::from_str(config_json).map_err(|e| bad_json("config", &e))?;
    let which: ProviderOnly = serde_json::from_value(value.clone()).map_err(|e| bad_json("config", &e))?;
    create_for(which.provider.as_deref(), value.clone()).map_err(|e| in_credentials(e, &value))
}

/// serde names an unknown field without its path: one inside `credentials` is named as such.
fn in_credentials(mut e: Error, config: &Value) -> Error {
    let field = e.field.clone().unwrap_or_default();
    let nested = config.get("credentials").and_then(|c| c.get(&field)).is_some() && config.get(&field).is_none();
    if e.code == ErrorCode::InvalidConfig && nested {
        e.message = e
            .message
            .replacen(&format!("config: {field}"), &format!("config: credentials.{field}"), 1);
        e.field = Some(format!("credentials.{field}"));
    }
    e
}

fn create_for(provider: Option<&str>, value: Value) -> Result<Box<dyn Gateway>> {
    match provider {
        #[cfg(feature = "shouqianba")]
        Some("shouqianba") => Ok(Box::new(shouqianba::Shouqianba::new(value)?)),
        #[cfg(feature = "fubei")]
        Some("fubei") => Ok(Box::new(fubei::Fubei::new(value)?)),
        #[cfg(feature = "lakala")]
        Some("lakala") => Ok(Box::new(lakala::Lakala::new(value)?)),
        #[cfg(feature = "tingyihui")]
        Some("tingyihui") => Ok(Box::new(tingyihui::Tingyihui::new(value)?)),
        Some(_) => Err(Error::config(
            "provider",
            "is not a supported provider (expected one of shouqianba, fubei, lakala, tingyihui)",
        )),
        None => Err(Error::config("provider", "is required")),
    }
}

/// A notification counts for the order the merchant holds only if it names that order and its amount:
/// every field given in `expect` must be present in the notice and equal.
pub fn expected_order(expect: &Input, order: &crate::model::Order) -> Result<()> {
    let pairs = [
        (
            "merchantOrderNo",
            text(expect.merchant_order_no.as_ref()),
            text(order.merchant_order_no.as_ref()),
        ),
        (
            "providerOrderNo",
            text(expect.provider_order_no.as_ref()),
            text(order.provider_order_no.as_ref()),
        ),
    ];
    for (field, want, got) in pairs {
        if want.is_some() && want != got {
            let message = format!("the notice is about {field} {got:?}, not {want:?}");
            return Err(Error::notification("WRONG_ORDER", message));
        }
    }
    if let Some(v) = expect.amount.as_ref() {
        let want = crate::money::amount_from_input("amount", Some(v), crate::money::MAX_FEN)?;
        if order.amounts.total != Some(want) {
            let got = order
                .amounts
                .total
                .map_or("no amount".to_string(), |t| format!("{t} fen"));
            let message = format!("the notice is for {got}, not {want} fen");
            return Err(Error::notification("WRONG_AMOUNT", message));
        }
    }
    Ok(())
}

/// The most bytes a response, a notification or an input may have. Gateway messages are a few KiB;
/// anything near this is a fault or an attack, and must be refused before it fills wasm memory (a trap
/// there would kill the one module every client shares). The facade checks the same number first.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// `Gateway::parse` plus the rules every provider's answer must pass. Clients call this, never `parse`.
pub fn parse_checked(
    gateway: &mut dyn Gateway,
    op: Operation,
    response: &HttpResponse,
    input: Option<&Input>,
    ctx: &Ctx,
) -> OperationResult {
    if response.body.len() > MAX_BODY_BYTES {
        return too_large(gateway.provider(), op, response.body.len() as u64);
    }
    settle(op, input, gateway.parse(op, response, input, ctx))
}

/// The result for an answer over the limit (the host may find that out before handing it in).
pub fn too_large(provider: Provider, op: Operation, bytes: u64) -> OperationResult {
    let message = format!("the answer has {bytes} bytes or more; at most {MAX_BODY_BYTES} are read");
    let e = Error::new(ErrorCode::MalformedResponse, message);
    OperationResult::uncertain(provider, op, e, Value::Null)
}

/// One place for what holds for every provider, after its own table has mapped the answer:
/// - an answer about another order, refund or amount than asked is not an answer (UNKNOWN);
/// - a pay that claims success must show the paid order it is about; a reversal that claims success
///   must not show the money still held: a code that disagrees with its own state is UNKNOWN;
/// - "this number was already used" means an earlier request may have acted: UNKNOWN + poll, never
///   FAILED, which would invite a second attempt under a new number.
pub fn settle(op: Operation, input: Option<&Input>, mut r: OperationResult) -> OperationResult {
    if let Err(e) = contradiction(op, input, &r) {
        let raw = std::mem::take(&mut r.raw);
        return OperationResult::uncertain(r.provider, op, e, raw);
    }
    // A query that finds the payment failed is a successful query, but a cashier needs words to show.
    if let (Operation::Query, Outcome::Succeeded, None) = (op, r.outcome, r.error.as_ref()) {
        if let Some(o) = r.order.as_ref().filter(|o| o.state == OrderState::Failed) {
            let said = o.provider_state.as_deref().unwrap_or("FAILED");
            let mut e = Error::new(
                ErrorCode::ProviderError,
                format!("the gateway reports this payment failed ({said}); no money was kept"),
            );
            e.provider_code = o.provider_state.clone();
            r.error = Some(e);
        }
    }
    // "No such order" from a lookup is absence of evidence, not a failure: a delayed request may still
    // create it. The lookup is UNKNOWN; ask again (the flow keeps polling).
    if matches!(op, Operation::Query | Operation::RefundQuery)
        && r.outcome == Outcome::Failed
        && r.error.as_ref().is_some_and(|e| e.code == ErrorCode::OrderNotFound)
    {
        r.outcome = Outcome::Unknown;
        r.next = Next::after_uncertain(op);
        if let Some(e) = r.error.as_mut() {
            e.retryable = true;
        }
        if let Some(refund) = r.refund.as_mut() {
            refund.state = RefundState::Unknown;
        }
    }
    if r.outcome == Outcome::Failed && r.error.as_ref().is_some_and(|e| e.code == ErrorCode::DuplicateOrder) {
        r.outcome = Outcome::Unknown;
        r.next = Next::after_uncertain(op);
        if let Some(refund) = r.refund.as_mut() {
            refund.state = RefundState::Unknown;
        }
    }
    r
}

fn contradiction(op: Operation, input: Option<&Input>, r: &OperationResult) -> Result<()> {
    if let (Some(i), Some(o)) = (input, r.order.as_ref()) {
        same_subject(&[
            (text(i.merchant_order_no.as_ref()), text(o.merchant_order_no.as_ref())),
            (text(i.provider_order_no.as_ref()), text(o.provider_order_no.as_ref())),
        ])?;
        if matches!(op, Operation::Pay | Operation::Precreate) {
            let asked = i.amount.as_ref().and_then(Value::as_i64);
            if let (Some(a), Some(t)) = (asked, o.amounts.total) {
                if a != t {
                    let message = format!("the answer is for {t} fen, not {a} fen as asked");
                    return Err(Error::new(ErrorCode::MalformedResponse, message));
                }
            }
        }
    }
    if let (Some(i), Some(f)) = (input, r.refund.as_ref()) {
        same_subject(&[
            (text(i.refund_no.as_ref()), text(f.refund_no.as_ref())),
            (text(i.provider_refund_no.as_ref()), text(f.provider_refund_no.as_ref())),
        ])?;
        let asked = i.amount.as_ref().and_then(Value::as_i64);
        if let (Operation::Refund, Some(a), Some(got)) = (op, asked, f.amount) {
            if a != got {
                let message = format!("the answer is for a refund of {got} fen, not {a} fen as asked");
                return Err(Error::new(ErrorCode::MalformedResponse, message));
            }
        }
    }
    let state = r.order.as_ref().map(|o| o.state);
    // A refusal is backed by an order that took no money, or by no order at all: one still payable,
    // paid, or in an unknown state is not a refusal (the buyer may yet be charged).
    if r.outcome == Outcome::Failed
        && matches!(op, Operation::Pay | Operation::Precreate)
        && state.is_some_and(|s| !matches!(s, OrderState::Failed | OrderState::Closed))
    {
        let message = "the answer refuses the payment, but the order it shows did not end without money";
        return Err(Error::new(ErrorCode::MalformedResponse, message));
    }
    if r.outcome != Outcome::Succeeded {
        return Ok(());
    }
    // The answer must carry the number it was asked about (equal, as checked above), not just any number.
    let named = r.order.as_ref().is_some_and(|o| match input {
        Some(i) if text(i.merchant_order_no.as_ref()).is_some() => text(o.merchant_order_no.as_ref()).is_some(),
        Some(i) if text(i.provider_order_no.as_ref()).is_some() => text(o.provider_order_no.as_ref()).is_some(),
        _ => text(o.merchant_order_no.as_ref()).is_some() || text(o.provider_order_no.as_ref()).is_some(),
    });
    let disagree = |what: &str| {
        let got = r.order.as_ref().and_then(|o| o.provider_state.clone());
        let message = format!(
            "the answer says the {what}, but the order it shows is {}",
            got.map_or("missing or unnamed".to_string(), |s| format!("{s:?}"))
        );
        Err(Error::new(ErrorCode::MalformedResponse, message))
    };
    match op {
        Operation::Pay if !(state.is_some_and(OrderState::was_paid) && (named || input.is_none())) => {
            disagree("payment succeeded")
        }
        Operation::Query if r.order.is_some() && input.is_some() && !named => {
            let message = "the answer does not name the order asked about";
            Err(Error::new(ErrorCode::MalformedResponse, message))
        }
        // Still payable (PENDING) is not reversed either: the buyer could pay after it.
        Operation::Cancel | Operation::Revoke | Operation::Close
            if matches!(
                state,
                Some(OrderState::Success | OrderState::PartiallyRefunded | OrderState::Refunding | OrderState::Pending)
            ) =>
        {
            disagree("order was reversed")
        }
        Operation::Refund
            if matches!(
                state,
                Some(OrderState::Pending | OrderState::Failed | OrderState::Closed)
            ) =>
        {
            disagree("refund succeeded")
        }
        _ => Ok(()),
    }
}
