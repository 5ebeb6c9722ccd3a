//! The unified vocabulary every provider maps into. Serialized as camelCase JSON for JavaScript.

use crate::error::{Error, Result};
use serde::Serialize;
use std::fmt;

/// Declares an enum of the vocabulary with each variant's name on the JSON boundary: `as_str`, `from_name`
/// and `Serialize` come from that one list (serde's derived Deserialize for enums was kilobytes each).
macro_rules! named {
    ($(#[$attr:meta])* pub enum $name:ident { $($(#[$vattr:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$attr])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $($(#[$vattr])* $variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            pub fn from_name(name: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == name)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}
pub(crate) use named;

/// A gateway, by the name its module registers (`providers::all`). Serialized as that name.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(transparent)]
pub struct Provider(pub &'static str);

crate::model::named! {
    pub enum Operation {
        Activate = "activate",
        Checkin = "checkin",
        Pay = "pay",
        Precreate = "precreate",
        Query = "query",
        Refund = "refund",
        Cancel = "cancel",
        Revoke = "revoke",
        Close = "close",
        RefundQuery = "refundQuery",
    }
}

impl Operation {
    pub fn parse(name: &str) -> Result<Operation> {
        Operation::from_name(name).ok_or_else(|| {
            Error::input(
                "operation",
                format!("is not a known operation (got {name:?}; expected activate, checkin, pay, precreate, query, refund, refundQuery, cancel, revoke or close)"),
            )
        })
    }

    /// Operations that change money or orders: after an uncertain outcome, poll; never send again blindly.
    pub fn mutates(self) -> bool {
        !matches!(
            self,
            Operation::Query | Operation::RefundQuery | Operation::Activate | Operation::Checkin
        )
    }
}

crate::model::named! {
    /// What happened to this operation.
    pub enum Outcome {
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
        InProgress = "IN_PROGRESS",
        Unknown = "UNKNOWN",
    }
}

crate::model::named! {
    /// What the caller should do now.
    pub enum Next {
        None = "NONE",
        Poll = "POLL",
        Cancel = "CANCEL",
        ContactSupport = "CONTACT_SUPPORT",
        Retry = "RETRY",
    }
}

impl Next {
    /// The safe next step when an operation's outcome is uncertain.
    pub fn after_uncertain(op: Operation) -> Next {
        if op.mutates() {
            Next::Poll
        } else {
            Next::Retry
        }
    }
}

crate::model::named! {
    pub enum OrderState {
        Pending = "PENDING",
        Success = "SUCCESS",
        Failed = "FAILED",
        Closed = "CLOSED",
        Refunding = "REFUNDING",
        PartiallyRefunded = "PARTIALLY_REFUNDED",
        Refunded = "REFUNDED",
        Unknown = "UNKNOWN",
    }
}

impl OrderState {
    /// Whether the buyer's money was taken (and possibly partly or fully refunded since).
    pub fn was_paid(self) -> bool {
        matches!(
            self,
            OrderState::Success | OrderState::PartiallyRefunded | OrderState::Refunded | OrderState::Refunding
        )
    }
}

crate::model::named! {
    pub enum Channel {
        Alipay = "ALIPAY",
        Wechat = "WECHAT",
        Unionpay = "UNIONPAY",
        Other = "OTHER",
    }
}

crate::model::named! {
    pub enum RefundState {
        Pending = "PENDING",
        Success = "SUCCESS",
        Failed = "FAILED",
        Unknown = "UNKNOWN",
    }
}

/// Amounts in integer fen; `None` (JSON null) where the provider did not say.
#[derive(Serialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Amounts {
    pub total: Option<i64>,
    pub paid: Option<i64>,
    pub refunded: Option<i64>,
    pub net: Option<i64>,
    pub fee: Option<i64>,
    pub discount: Option<i64>,
}

#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub state: OrderState,
    /// True when the payment itself is settled (a later refund can still move it).
    #[serde(rename = "final")]
    pub is_final: bool,
    pub merchant_order_no: Option<String>,
    pub provider_order_no: Option<String>,
    pub channel_order_no: Option<String>,
    pub channel: Option<Channel>,
    pub amounts: Amounts,
    pub paid_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_params: Option<serde_json::Value>,
    /// The provider's own state value, as sent.
    pub provider_state: Option<String>,
}

impl Order {
    /// An order in `state`, named by the gateway's numbers `[merchant's, provider's, channel's]` (empty text
    /// is "not said"), paid through `channel`. Amounts, times and the rest are set after.
    pub fn named(state: OrderState, is_final: bool, numbers: [Option<&str>; 3], channel: Option<Channel>) -> Order {
        let [merchant, provider, channel_no] = numbers.map(|n| n.filter(|t| !t.is_empty()).map(str::to_string));
        Order {
            state,
            is_final,
            merchant_order_no: merchant,
            provider_order_no: provider,
            channel_order_no: channel_no,
            channel,
            amounts: Amounts::default(),
            paid_at: None,
            qr_code: None,
            pay_params: None,
            provider_state: None,
        }
    }
}

#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    pub refund_no: Option<String>,
    pub provider_refund_no: Option<String>,
    pub amount: Option<i64>,
    pub state: RefundState,
    pub provider_state: Option<String>,
}

/// New terminal credentials from a terminal activation or check-in. The key is a secret the caller must
/// store; it is redacted from `raw` and from Debug output.
#[derive(Serialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TerminalCredentials {
    pub terminal_sn: String,
    pub terminal_key: String,
}

impl fmt::Debug for TerminalCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TerminalCredentials")
            .field("terminal_sn", &self.terminal_sn)
            .field("terminal_key", &"<redacted>")
            .finish()
    }
}

#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OperationResult {
    pub provider: Provider,
    pub operation: Operation,
    pub outcome: Outcome,
    pub next: Next,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund: Option<Refund>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<TerminalCredentials>,
    /// The provider's body as JSON (secrets redacted); `null` when the body was not JSON.
    pub raw: crate::providers::Raw,
}

impl OperationResult {
    pub fn new(provider: Provider, operation: Operation, outcome: Outcome, next: Next) -> Self {
        OperationResult {
            provider,
            operation,
            outcome,
            next,
            error: None,
            order: None,
            refund: None,
            credentials: None,
            raw: crate::providers::Raw::default(),
        }
    }

    /// An outcome nobody can vouch for: the request may or may not have acted.
    pub fn uncertain(provider: Provider, operation: Operation, mut error: Error, raw: crate::providers::Raw) -> Self {
        let mut r = OperationResult::new(provider, operation, Outcome::Unknown, Next::after_uncertain(operation));
        // `retryable` agrees with `next`: a read changes nothing, so sending it again is safe (RETRY); a change
        // that may have acted is polled, never sent again (POLL), whatever made it uncertain.
        error.retryable = !operation.mutates();
        r.error = Some(error);
        r.raw = raw;
        r
    }
}

/// What a verified notification yields: the order and the exact reply the gateway expects.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub order: Order,
    /// Whether a signature vouched for it. A gateway whose notices carry no signature
    /// says false: the merchant confirms the order by query before acting on it.
    pub verified: bool,
    /// A refund notice's refund (the order's own state may not be in it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund: Option<Refund>,
    pub ack: crate::http::Ack,
    pub raw: crate::providers::Raw,
}
