//! Structs read from a parsed JSON value by hand: configs, the caller's input, and every gateway's wire
//! types. serde's derived `Deserialize` made one visitor copy per struct on top of the `Value` deserializer
//! (3–9 KB each, most of the module's serde bytes: BENCHMARKS.md, "Where the bytes go"); here a struct's
//! reader is one `field` call per field, and the type rules are written once, below.
//!
//! The rules are serde's for these types: a field that is absent or `null` is `None`; a present value of
//! another type is an error naming the field's path (never quoting the value, which may be a secret); a
//! `strict` struct refuses a field it does not list.

use super::Secret;
use serde_json::{Map, Value};

/// Why a value is not the struct asked for: the field's path (`credentials.appId`) and the rule.
#[derive(Debug, PartialEq, Eq)]
pub struct WireError {
    pub path: String,
    pub rule: String,
}

impl WireError {
    fn new(path: &str, rule: String) -> WireError {
        WireError {
            path: path.to_string(),
            rule,
        }
    }

    fn within(mut self, key: &str) -> WireError {
        self.path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{key}.{}", self.path)
        };
        self
    }
}

/// A type a field can hold: `check` says whether a (non-null) value is one, naming what was expected;
/// `take` reads one that passed. Checking every field first, then taking them, keeps a struct's reader
/// free of the unwinding paths that a `?` after each field makes (one drop chain per field).
pub trait FromWire: Sized {
    fn check(v: &Value) -> Result<(), WireError>;
    fn take(v: &Value) -> Option<Self>;
}

/// A field type's check (`FromWire::check`).
pub type Check = fn(&Value) -> Result<(), WireError>;

/// A struct declared with `wire_struct!`.
pub trait WireStruct: Sized {
    /// The wire names, in declaration order, and each one's `FromWire::check`.
    const FIELDS: &'static [&'static str];
    const CHECKS: &'static [Check];
    const STRICT: bool;
    /// The fields of an object that passed `check_fields`.
    fn take_fields(m: &Map<String, Value>) -> Self;
}

/// Reads `v` as `T`; an object is expected.
pub fn read<T: WireStruct>(v: &Value) -> Result<T, WireError> {
    T::check(v)?;
    T::take(v).ok_or_else(|| wrong("an object", v))
}

/// Reads an object's fields as `T`.
pub fn read_fields<T: WireStruct>(m: &Map<String, Value>) -> Result<T, WireError> {
    check_fields::<T>(m)?;
    Ok(T::take_fields(m))
}

fn check_fields<T: WireStruct>(m: &Map<String, Value>) -> Result<(), WireError> {
    if T::STRICT {
        if let Some(k) = m.keys().find(|k| !T::FIELDS.contains(&k.as_str())) {
            return Err(WireError::new(
                k,
                format!("is not a known field, expected {}", one_of(T::FIELDS)),
            ));
        }
    }
    for (key, check) in T::FIELDS.iter().zip(T::CHECKS) {
        match m.get(*key) {
            None | Some(Value::Null) => {}
            Some(v) => check(v).map_err(|e| e.within(key))?,
        }
    }
    Ok(())
}

impl<T: WireStruct> FromWire for T {
    fn check(v: &Value) -> Result<(), WireError> {
        match v {
            Value::Object(m) => check_fields::<T>(m),
            _ => Err(wrong("an object", v)),
        }
    }
    fn take(v: &Value) -> Option<Self> {
        v.as_object().map(T::take_fields)
    }
}

/// One field of a checked object: absent or `null` is `None`. Not inlined, so a struct's reader is one
/// call per field.
#[inline(never)]
pub fn field<T: FromWire>(m: &Map<String, Value>, key: &str) -> Option<T> {
    m.get(key).filter(|v| !v.is_null()).and_then(T::take)
}

fn wrong(expected: &str, got: &Value) -> WireError {
    WireError::new("", format!("must be {expected} (got {})", json_type(got)))
}

/// A value's JSON type, for messages that say what was found (never the value: it may be a secret).
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// serde's wording for the expected names, so the message reads as it always has.
pub(super) fn one_of(names: &[&str]) -> String {
    match names {
        [] => "no fields".to_string(),
        [a] => format!("`{a}`"),
        [a, b] => format!("`{a}` or `{b}`"),
        _ => format!(
            "one of {}",
            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A scalar: what it must be, and how it is read from a value that is one.
macro_rules! scalar {
    ($($ty:ty => $expected:literal, $is:expr, $take:expr;)*) => {$(
        impl FromWire for $ty {
            fn check(v: &Value) -> Result<(), WireError> {
                if $is(v) { Ok(()) } else { Err(wrong($expected, v)) }
            }
            fn take(v: &Value) -> Option<Self> {
                $take(v)
            }
        }
    )*};
}

scalar! {
    String => "a string", Value::is_string, |v: &Value| v.as_str().map(str::to_string);
    Secret => "a string", Value::is_string, |v: &Value| v.as_str().map(|s| Secret(s.to_string()));
    i64 => "an integer", |v: &Value| v.as_i64().is_some(), Value::as_i64;
    bool => "true or false", Value::is_boolean, Value::as_bool;
    Value => "any value", |_| true, |v: &Value| Some(v.clone());
    Map<String, Value> => "an object", Value::is_object, |v: &Value| v.as_object().cloned();
}

/// Declares a struct whose fields are all `Option<T>` read from the wire names given beside them, and
/// implements `WireStruct` for it. `strict` refuses unknown fields. Fields after `;` are not on the wire
/// and start as their `Default`.
macro_rules! wire_struct {
    (strict $($rest:tt)*) => { $crate::providers::wire_struct!(@make true; $($rest)*); };
    (@make $strict:expr;
        $(#[$attr:meta])* $vis:vis struct $name:ident {
            $($(#[$fattr:meta])* $fvis:vis $field:ident: Option<$ty:ty> = $key:literal),* $(,)?
            $(; $($(#[$sattr:meta])* $svis:vis $sfield:ident: $sty:ty),* $(,)?)?
        }
    ) => {
        $(#[$attr])* $vis struct $name {
            $($(#[$fattr])* $fvis $field: Option<$ty>,)*
            $($($(#[$sattr])* $svis $sfield: $sty,)*)?
        }

        impl $crate::providers::WireStruct for $name {
            const FIELDS: &'static [&'static str] = &[$($key),*];
            const CHECKS: &'static [$crate::providers::Check] = &[$(<$ty as $crate::providers::FromWire>::check),*];
            const STRICT: bool = $strict;
            fn take_fields(m: &serde_json::Map<String, serde_json::Value>) -> Self {
                $name {
                    $($field: $crate::providers::field(m, $key),)*
                    $($($sfield: Default::default(),)*)?
                }
            }
        }
    };
    ($($rest:tt)*) => { $crate::providers::wire_struct!(@make false; $($rest)*); };
}
pub(crate) use wire_struct;
