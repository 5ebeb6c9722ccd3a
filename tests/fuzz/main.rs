//! Fuzz harness for "no panics on any input" (a panic inside wasm kills the module for every later call).
//!
//! Every entry point that takes outside bytes is fed arbitrary bytes, generated JSON trees and mutations
//! of realistic inputs, each call wrapped in `catch_unwind`: a panic is reported with the seed, the case
//! index and the exact input (hex), never aborting the run. Every rejected input must come back as a
//! typed `Error` (a code of the closed set, a non-empty message).
//!
//! Targets, one module each, none naming a provider: (1) `parse` — `Client::parse` for every provider ×
//! operation × status, (2) `notify` — `verify_notification`, (3) `keys` — key loading, (4) `client` —
//! `Client::new` / `build` / `wapPayUrl` / `complete` / `networkFailure`, (5) `money` — money (and Beijing
//! time), (6) `flow` — the pay-and-confirm flow machine; `regressions` keeps the inputs it once crashed on.
//! What a target knows of a gateway (configs, answers, genuine notifications) comes from
//! `providers/<name>.rs` through the `FuzzProvider` trait, listed once in `providers/mod.rs` and checked
//! against `aggpay::providers::all()`. `harness` holds the knobs, the PRNG and the catch_unwind runner,
//! `checks` the closed sets and result checks, `gen` the generic generators and mutators.
//!
//! Knobs (environment):
//! - `AGGPAY_FUZZ_ITERS` — base iterations per target (default 400; each target scales it by a fixed
//!   weight, printed in its summary line).
//! - `AGGPAY_FUZZ_SEED`  — base seed, decimal or `0x` hex (default `DEFAULT_SEED`).
//! - `AGGPAY_FUZZ_CASE`  — run only this case index of every target (to replay a reported failure).
//!
//! Long run (recorded in RELIABILITY.md, "Fuzz"); the release profile turns overflow checks off, so turn
//! them back on or arithmetic overflow wraps silently instead of being caught:
//! `CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true AGGPAY_FUZZ_ITERS=150000 cargo test --release --test fuzz -- --nocapture`
//! (`cargo test` builds tests with unwinding even though the release profile says `panic = "abort"`).
//!
//! The PRNG is xorshift64* (no dependencies); each case's generator is seeded from (seed, target, index),
//! so any case replays alone. Inputs the fuzzer found to crash are skipped by `known_bug` checks,
//! each with a `// known bug:` comment and an `#[ignore]`d regression test holding the exact input.

#![cfg(not(target_arch = "wasm32"))] // catch_unwind needs an unwinding native target

#[path = "../common/mod.rs"]
mod common;

mod checks;
mod gen;
mod harness;
mod providers;

mod client;
mod flow;
mod keys;
mod money;
mod notify;
mod parse;
mod regressions;
