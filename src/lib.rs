//! aggpay — signing, request building, response parsing and status normalization for Chinese
//! aggregated-payment gateways, sans-IO: the host does transport, clock and randomness.
//!
//! Read in this order: `model` (the unified result), `error`, `money`, `http`, `providers` (one module
//! per gateway, all the same shape), `client` (the typed surface the bindings forward to).

pub mod client;
pub mod crypto;
pub mod error;
pub mod flow;
pub mod http;
pub mod json;
pub mod model;
pub mod money;
pub mod providers;
pub mod time;

#[cfg(target_arch = "wasm32")]
mod bindings;

pub use client::Client;
pub use error::{Error, ErrorCode, Result};
pub use model::*;
