//! The providers and their registry. Each gateway is one module laid out the same way (config → wire
//! types → signing → requests → status tables → `read` → notifications) that supplies only its wire
//! format and tables; `pipeline` holds the rules every provider's answer goes through, `input` the
//! caller's vocabulary, `gateway` the hooks a module implements.
//!
//! Adding a gateway: its module, one line in `registry!` below, one feature in Cargo.toml
//! (docs/adding-a-gateway.md).

mod gateway;
mod input;
mod pipeline;
mod verify;
pub mod wallet;
mod wire_struct;

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) use tests::{conformance, testkit};

pub use gateway::*;
pub use input::*;
pub use pipeline::*;
pub use verify::*;
pub(crate) use wire_struct::wire_struct;
pub use wire_struct::{field, json_type, read, read_fields, Check, FromWire, WireError, WireStruct};

use crate::error::{Error, Result};
use crate::flow::Kind;
use crate::model::{Operation, Provider};
use serde_json::Value;

/// What the rest of the library knows of a provider: its name, how to make a client of it, and its
/// documented pay-and-confirm cadence. The registry builds one per provider from the module's
/// `PROVIDER`, its gateway type's `new`, `FLOW` and (in tests) `tests::fixture`.
pub struct Descriptor {
    pub provider: Provider,
    pub create: fn(Value) -> Result<Box<dyn Gateway>>,
    pub flow: Flows,
    /// What the cross-provider suite (`conformance`) runs against.
    #[cfg(test)]
    pub fixture: fn() -> Box<dyn conformance::Fixture>,
}

/// For an order of one kind: (time to wait for the buyer, [(until ms, query every ms)], the call that
/// reverses the order at the deadline).
pub type FlowPlan = (i64, &'static [(i64, i64)], Operation);

/// A provider's documented pay-and-confirm cadence, per kind of order.
pub struct Flows {
    pub barcode: FlowPlan,
    pub qr: FlowPlan,
}

impl Flows {
    pub fn get(&self, kind: Kind) -> FlowPlan {
        match kind {
            Kind::Barcode => self.barcode,
            Kind::Qr => self.qr,
        }
    }
}

macro_rules! registry {
    ($($name:ident = $feature:literal => $gateway:ident),* $(,)?) => {
        $(
            #[cfg(feature = $feature)]
            pub mod $name;

            #[cfg(feature = $feature)]
            impl Named for $name::$gateway {
                fn provider(&self) -> Provider {
                    $name::PROVIDER
                }
            }
        )*

        /// Every provider compiled in, in registry order.
        pub fn all() -> &'static [&'static Descriptor] {
            static ALL: &[&Descriptor] = &[$(
                #[cfg(feature = $feature)]
                &Descriptor {
                    provider: $name::PROVIDER,
                    create: |config| Ok(Box::new($name::$gateway::new(config)?)),
                    flow: $name::FLOW,
                    #[cfg(test)]
                    fixture: $name::tests::fixture,
                },
            )*];
            ALL
        }
    };
}

// One line per provider.
registry! {
    shouqianba = "shouqianba" => Shouqianba,
    fubei = "fubei" => Fubei,
    lakala = "lakala" => Lakala,
    tingyihui = "tingyihui" => Tingyihui,
}

/// The provider compiled in under this name.
pub fn find(name: &str) -> Option<&'static Descriptor> {
    all().iter().copied().find(|d| d.provider.0 == name)
}

fn names() -> String {
    all().iter().map(|d| d.provider.0).collect::<Vec<_>>().join(", ")
}

wire_struct! {
    struct ProviderOnly {
        provider: Option<String> = "provider",
    }
}

/// A client for the config's provider.
pub fn create(config_json: &str) -> Result<Box<dyn Gateway>> {
    let value: Value = crate::json::parse(config_json.as_bytes()).map_err(|e| bad_json("config", &e))?;
    let which: ProviderOnly = read(&value).map_err(|e| wire_error("config", e))?;
    let Some(name) = which.provider else {
        return Err(Error::config("provider", "is required"));
    };
    let Some(d) = find(&name) else {
        return Err(Error::config(
            "provider",
            format!("is not a supported provider (expected one of {})", names()),
        ));
    };
    (d.create)(value)
}
