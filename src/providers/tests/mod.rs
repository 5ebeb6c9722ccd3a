//! What the provider tests share: the cross-provider conformance suite and the test kit. Test code only:
//! none of it is compiled into the library or the wasm module.

pub mod conformance;
mod raw;
pub(crate) mod testkit;
mod wallet;
mod wire_struct;
