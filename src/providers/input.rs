//! The caller's input (one vocabulary for every provider), the host context, and the rules on text fields.

use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::fmt;

use super::MAX_BODY_BYTES;

/// A secret string (key, password). Debug never shows it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What the host supplies per request: its clock and randomness, and who verifies signatures (the
/// host's verdict, or the core's own verifier).
#[derive(Clone, Debug, Default)]
pub struct Ctx {
    pub now_ms: i64,
    pub nonce: String,
    pub verifier: super::Verifier,
}

impl Ctx {
    /// The host's nonce, checked against one provider's rule (`min..=max` ASCII letters or digits). A bad
    /// one is the host's fault (its randomness source), so it is INVALID_CONFIG for every provider.
    pub fn nonce(&self, min: usize, max: usize) -> Result<&str> {
        let n = self.nonce.as_str();
        if (min..=max).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(n)
        } else {
            Err(Error::config(
                "nonce",
                format!(
                    "must be {min} to {max} random ASCII letters or digits from the host (got {} characters)",
                    n.chars().count()
                ),
            ))
        }
    }
}

super::wire_struct! {
    strict
    /// The caller's input for any operation, with the same camelCase names for every provider. Each
    /// operation validates the fields it needs; unknown fields are refused so typos do not pass silently.
    #[derive(Clone, Debug, Default)]
    pub struct Input {
        pub merchant_order_no: Option<String> = "merchantOrderNo",
        pub provider_order_no: Option<String> = "providerOrderNo",
        /// Integer fen, validated by `money::amount_from_input`.
        pub amount: Option<Value> = "amount",
        pub auth_code: Option<String> = "authCode",
        pub subject: Option<String> = "subject",
        pub description: Option<String> = "description",
        pub operator: Option<String> = "operator",
        pub refund_no: Option<String> = "refundNo",
        pub provider_refund_no: Option<String> = "providerRefundNo",
        pub payway: Option<String> = "payway",
        pub sub_payway: Option<String> = "subPayway",
        /// The buyer in the wallet (WeChat openid under `subAppId`, Alipay buyer/user id), for JSAPI and
        /// mini-program orders. `payerUid` is its old name, still accepted.
        pub payer_id: Option<String> = "payerId",
        /// The WeChat official-account or mini-program app id the `payerId` belongs to.
        pub sub_app_id: Option<String> = "subAppId",
        /// The kind of a precreated order: QR (default), JSAPI, MINI_PROGRAM or H5 (`wallet::order_kind`).
        pub kind: Option<String> = "kind",
        pub notify_url: Option<String> = "notifyUrl",
        pub return_url: Option<String> = "returnUrl",
        pub reflect: Option<String> = "reflect",
        pub longitude: Option<String> = "longitude",
        pub latitude: Option<String> = "latitude",
        pub device_id: Option<String> = "deviceId",
        /// The wallet for QR/JSAPI orders where the provider needs it: ALIPAY, WECHAT or UNIONPAY.
        pub channel: Option<String> = "channel",
        /// The buyer's or till's IP address, for providers whose risk control requires it.
        pub client_ip: Option<String> = "clientIp",
        pub store_id: Option<String> = "storeId",
        pub cashier_id: Option<String> = "cashierId",
        // Terminal activation (providers whose terminals activate with a code).
        pub vendor_sn: Option<String> = "vendorSn",
        pub vendor_key: Option<Secret> = "vendorKey",
        pub app_id: Option<String> = "appId",
        pub code: Option<Secret> = "code",
        pub name: Option<String> = "name",
        pub os_info: Option<String> = "osInfo",
        pub sdk_version: Option<String> = "sdkVersion",
        /// Raw provider fields added to the request as they are.
        pub extra: Option<Map<String, Value>> = "extra",
        ;
        /// The names of the fields the caller gave (not null), for `pipeline::check_fields`.
        pub given: Vec<String>,
    }
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
        let value: Value = crate::json::parse(json.as_bytes()).map_err(|e| bad_json("input", &e))?;
        let Value::Object(mut fields) = value else {
            return Err(Error::input("input", "must be an object"));
        };
        // Check types here, naming the field, so serde never echoes a value (it may be a secret).
        for (k, v) in &fields {
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
                return Err(Error::input(
                    k,
                    format!("must be {expected} (got {})", super::json_type(v)),
                ));
            }
        }
        alias(&mut fields, "payerUid", "payerId")?;
        let given = fields
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, _)| k.clone())
            .collect();
        let mut input: Input = super::read_fields(&fields).map_err(|e| wire_error("input", e))?;
        input.given = given;
        Ok(input)
    }
}

/// Accepts a field's old name: the value moves to the new one (giving both is refused, as ambiguous).
fn alias(fields: &mut Map<String, Value>, old: &str, new: &str) -> Result<()> {
    if let Some(v) = fields.remove(old) {
        let has_new = fields.get(new).is_some_and(|n| !n.is_null());
        if has_new && !v.is_null() {
            return Err(Error::input(old, format!("is the old name of {new}; give one of them")));
        }
        if !has_new {
            fields.insert(new.to_string(), v);
        }
    }
    Ok(())
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

/// A text field's value, where empty means absent.
pub(crate) fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

/// Sets a string field when there is a value.
pub fn put(body: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        body.insert(key.to_string(), Value::String(v.to_string()));
    }
}

/// A provider's config, a field that is not what the config reads named by its path (`wire_error`). `provider` is the registry's
/// (it chose this module), so the module's own config type does not repeat it.
pub fn parse_config<T: super::WireStruct>(mut config: Value) -> Result<T> {
    if let Some(fields) = config.as_object_mut() {
        fields.remove("provider");
    }
    super::read(&config).map_err(|e| wire_error("config", e))
}

/// A config's or input's field that is not what the struct reads: INVALID_CONFIG or INVALID_INPUT naming it.
pub fn wire_error(what: &str, e: super::WireError) -> Error {
    let field = if e.path.is_empty() { what } else { e.path.as_str() };
    if what == "config" {
        Error::config(field, e.rule)
    } else {
        Error::input(field, e.rule)
    }
}

/// A credential the client cannot work without; blank text is not given.
pub fn credential(field: &str, v: Option<String>) -> Result<String> {
    v.filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Error::config(field, "is required"))
}

/// The merchant's RSA private key: absent is a missing credential (INVALID_CONFIG); given, it must be one
/// (blank or anything else is INVALID_KEY, saying what was found).
pub fn private_key(field: &str, v: Option<String>) -> Result<crate::crypto::PrivateKey> {
    match v {
        Some(text) => crate::crypto::load_private_key(field, &text),
        None => Err(Error::config(field, "is required")),
    }
}

/// A config's credentials object, which every RSA- or secret-keyed gateway needs.
pub fn credentials<T>(v: Option<T>) -> Result<T> {
    v.ok_or_else(|| Error::config("credentials", "is required"))
}

/// The wallet (`channel`) as the gateway names it, from the gateway's table `[(channel, its name)]`;
/// required. `what` is the order it is for, to name in the error.
pub fn wallet(input: &Input, table: &[(&str, &'static str)], what: &str) -> Result<&'static str> {
    let names: Vec<&str> = table.iter().map(|(c, _)| *c).collect();
    let names = match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    match input.channel.as_deref().filter(|c| !c.is_empty()) {
        None => Err(Error::input("channel", format!("is required for {what} ({names})"))),
        Some(c) => table
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, w)| *w)
            .ok_or_else(|| Error::input("channel", format!("must be {names} (got {c:?})"))),
    }
}

/// The order an operation is about, by the provider's number, the merchant's, or both (at least one is
/// required), each put under its wire name: `(wire name, most characters)`.
pub fn order_ref(
    body: &mut Map<String, Value>,
    input: &Input,
    provider_no: (&str, usize),
    merchant_no: (&str, usize),
) -> Result<()> {
    let provider = ("providerOrderNo", &input.provider_order_no, provider_no);
    either(
        body,
        provider,
        ("merchantOrderNo", &input.merchant_order_no, merchant_no),
    )
}

/// The refund a lookup is about, by either number, as `order_ref`.
pub fn refund_ref(
    body: &mut Map<String, Value>,
    input: &Input,
    provider_no: (&str, usize),
    merchant_no: (&str, usize),
) -> Result<()> {
    let provider = ("providerRefundNo", &input.provider_refund_no, provider_no);
    either(body, provider, ("refundNo", &input.refund_no, merchant_no))
}

type Named<'a> = (&'a str, &'a Option<String>, (&'a str, usize));

fn either(body: &mut Map<String, Value>, provider: Named, merchant: Named) -> Result<()> {
    let p = optional(provider.0, provider.1, provider.2 .1)?;
    let m = optional(merchant.0, merchant.1, merchant.2 .1)?;
    if p.is_none() && m.is_none() {
        return Err(Error::input(merchant.0, format!("or {} is required", provider.0)));
    }
    put(body, provider.2 .0, p);
    put(body, merchant.2 .0, m);
    Ok(())
}

/// Sets a required text field under its wire name, by the rules of `required`.
pub fn put_required(
    body: &mut Map<String, Value>,
    key: &str,
    field: &str,
    v: &Option<String>,
    max_len: usize,
) -> Result<()> {
    put(body, key, Some(required(field, v, max_len)?));
    Ok(())
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

/// A config's base URL: the gateway's production URL when not given, else an http(s) URL.
pub fn base_url(field: &str, url: &Option<String>, default: &str) -> Result<String> {
    let Some(u) = url.as_deref() else {
        return Ok(default.to_string());
    };
    let u = u.trim_end_matches('/');
    if !(u.starts_with("https://") || u.starts_with("http://")) {
        return Err(Error::config(
            field,
            "must be an http(s) URL like \"https://gateway.example.com\"",
        ));
    }
    // A password in the URL would travel into error messages, logs and the command line's output.
    let authority = u
        .split("://")
        .nth(1)
        .unwrap_or_default()
        .split('/')
        .next()
        .unwrap_or_default();
    if authority.contains('@') {
        return Err(Error::config(
            field,
            "must not carry a user or password (user:password@host)",
        ));
    }
    Ok(u.to_string())
}
