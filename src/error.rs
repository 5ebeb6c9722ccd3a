//! The closed set of error codes and the one error type. An `Error` never carries a secret:
//! messages name fields and rules, never values of keys.

use serde::Serialize;
use std::fmt;

crate::model::named! {
    /// Stable, documented codes. Programmer mistakes (`Invalid*`) are thrown before anything is sent;
    /// the rest arrive in-band inside an `OperationResult`.
    pub enum ErrorCode {
        InvalidInput = "INVALID_INPUT",
        InvalidConfig = "INVALID_CONFIG",
        InvalidKey = "INVALID_KEY",
        UnsupportedOperation = "UNSUPPORTED_OPERATION",
        Network = "NETWORK",
        ResponseSignatureInvalid = "RESPONSE_SIGNATURE_INVALID",
        NotificationInvalid = "NOTIFICATION_INVALID",
        MalformedResponse = "MALFORMED_RESPONSE",
        AuthFailed = "AUTH_FAILED",
        InvalidRequest = "INVALID_REQUEST",
        OrderNotFound = "ORDER_NOT_FOUND",
        DuplicateOrder = "DUPLICATE_ORDER",
        InvalidOrderState = "INVALID_ORDER_STATE",
        InsufficientFunds = "INSUFFICIENT_FUNDS",
        BarcodeInvalid = "BARCODE_INVALID",
        LimitExceeded = "LIMIT_EXCEEDED",
        RefundConflict = "REFUND_CONFLICT",
        ProviderUnavailable = "PROVIDER_UNAVAILABLE",
        ProviderError = "PROVIDER_ERROR",
    }
}

impl ErrorCode {
    /// True when the same request may be sent again unchanged (idempotent retry).
    pub fn retryable(self) -> bool {
        matches!(self, ErrorCode::Network | ErrorCode::ProviderUnavailable)
    }
}

#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub retryable: bool,
    /// The input or config field at fault, for programmer mistakes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Why a notification was rejected: MISSING_SIGNATURE, BAD_SIGNATURE, EXPIRED, MALFORMED, TOO_LARGE,
    /// WRONG_MERCHANT (validly signed, but for another merchant, terminal or app), UNREADABLE (genuine, but
    /// naming no order or no state the library can read: refused so the gateway sends it again), UNVERIFIABLE
    /// (no signature anyone can check, and the client was not told to read such notices anyway).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_message: Option<String>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            retryable: code.retryable(),
            field: None,
            reason: None,
            provider_code: None,
            provider_message: None,
        }
    }

    /// A bad input field: the message names the field and the rule it broke.
    pub fn input(field: &str, rule: impl fmt::Display) -> Self {
        let mut e = Error::new(ErrorCode::InvalidInput, format!("{field} {rule}"));
        e.field = Some(field.to_string());
        e
    }

    pub fn config(field: &str, rule: impl fmt::Display) -> Self {
        let mut e = Error::new(ErrorCode::InvalidConfig, format!("{field} {rule}"));
        e.field = Some(field.to_string());
        e
    }

    pub fn key(field: &str, message: impl fmt::Display) -> Self {
        let mut e = Error::new(ErrorCode::InvalidKey, format!("{field}: {message}"));
        e.field = Some(field.to_string());
        e
    }

    /// An operation this provider does not offer.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::UnsupportedOperation, message)
    }

    /// An answer that cannot be read as what it claims to be.
    pub fn malformed(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::MalformedResponse, message)
    }

    pub fn notification(reason: &'static str, message: impl Into<String>) -> Self {
        let mut e = Error::new(ErrorCode::NotificationInvalid, message);
        e.reason = Some(reason);
        e
    }

    pub fn provider(code: ErrorCode, provider_code: Option<&str>, provider_message: Option<&str>) -> Self {
        // An empty code or text says nothing; a huge one is a fault, not a message: keep 256 characters.
        let cut = |t: &str| t.chars().take(256).collect::<String>();
        let provider_code = provider_code.filter(|c| !c.trim().is_empty()).map(cut);
        let provider_message = provider_message.filter(|m| !m.trim().is_empty()).map(cut);
        let (provider_code, provider_message) = (provider_code.as_deref(), provider_message.as_deref());
        let message = match (provider_code, provider_message) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.to_string(),
            (None, Some(m)) => m.to_string(),
            (None, None) => code.as_str().to_string(),
        };
        let mut e = Error::new(code, message);
        e.provider_code = provider_code.map(str::to_string);
        e.provider_message = provider_message.map(str::to_string);
        e
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            // Serializing plain strings and enums cannot fail; keep a fallback rather than a panic.
            format!("{{\"code\":\"{}\",\"message\":\"error\"}}", self.code.as_str())
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Error {}
