//! What the targets know of each gateway, one module per provider behind `FuzzProvider`, and the one list
//! of them. A target loops over `all()` and names no provider; `all()` refuses to run when its list
//! differs from the crate's registry (`aggpay::providers::all()`), so a gateway added to the crate without
//! a module here fails every target.
//!
//! Adding a gateway: `providers/<name>.rs` implementing `FuzzProvider`, one line in `LIST` below.

use crate::common::SMALL_KEY;
use crate::harness::Rng;
use aggpay::crypto::{load_private_key, PrivateKey};
use serde_json::Value;
use std::sync::{Once, OnceLock};

mod fubei;
mod lakala;
mod shouqianba;
mod tingyihui;

// One line per provider, in the crate's registry order.
static LIST: &[&dyn FuzzProvider] = &[
    &shouqianba::Shouqianba,
    &fubei::Fubei,
    &lakala::Lakala,
    &tingyihui::Tingyihui,
];

/// Every provider's fuzz module, in registry order; panics when the list and the crate's registry differ.
pub fn all() -> &'static [&'static dyn FuzzProvider] {
    static CHECKED: Once = Once::new();
    CHECKED.call_once(|| {
        let ours: Vec<&str> = LIST.iter().map(|p| p.name()).collect();
        let crate_registry: Vec<&str> = aggpay::providers::all().iter().map(|d| d.provider.0).collect();
        assert_eq!(
            ours, crate_registry,
            "tests/fuzz/providers/mod.rs lists other providers than aggpay::providers::all(): \
             every registered gateway needs a fuzz module (and one line in LIST)"
        );
    });
    LIST
}

/// A configured client: a name for reports and statistics, and its config.
pub type NamedConfig = (&'static str, Value);

/// One notification case: what the verifier is handed and what it must conclude.
pub struct Notice {
    pub headers: String,
    pub body: Vec<u8>,
    /// The verifier's clock (ms).
    pub now: i64,
    /// The genuine notification: refusing it is a bug.
    pub must_verify: bool,
    /// Bytes other than the signed ones: accepting them is a bug.
    pub must_not_verify: bool,
}

/// Builds a case for one client: (generator, mode), mode 0 = the genuine notification, 1 = its headers
/// over a mutated body, 2 = a mutated body freshly signed (reaches the parsing behind the signature).
pub type NoticeGen = Box<dyn Fn(&mut Rng, usize) -> Notice>;

/// A client for `verify_notification`; `genuine` is None when the provider has no notification the
/// harness can sign (such a client gets arbitrary cases only).
pub struct Notifier {
    pub name: &'static str,
    pub config: Value,
    pub genuine: Option<NoticeGen>,
}

/// Reads a wire amount in yuan as fen (a provider-internal helper the money target also fuzzes).
pub type WireYuan = fn(&Value) -> aggpay::Result<Option<i64>>;

/// What a regression input must give (see `regressions.rs`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Expect {
    /// A well-formed result, no panic.
    Answers,
    /// Outcome UNKNOWN (a JSON array is not an envelope).
    Unknown,
    /// A provider error with a non-empty message.
    ErrorMessage,
}

/// An input the harness once crashed on (or broke an invariant with): parse `body` as the answer to
/// `op` on the client named `client` (one of `clients()`), HTTP 200.
pub struct Regression {
    pub client: &'static str,
    pub op: &'static str,
    pub body: &'static str,
    pub expect: Expect,
}

pub trait FuzzProvider: Sync {
    /// The registry name (`aggpay::providers::all()[..].provider.0`).
    fn name(&self) -> &'static str;

    /// Clients for `parse` and `build` (one per API generation where there are several).
    fn clients(&self) -> Vec<NamedConfig>;

    /// Configs the `Client::new` target mutates: the clients' and any richer ones.
    fn config_templates(&self) -> Vec<Value>;

    /// Configs without credentials the `Client::new` target also mutates, after every provider's templates.
    fn bare_configs(&self) -> Vec<Value> {
        Vec::new()
    }

    /// Realistic answers (successes, failures, in-progress, errors), each with the operations it answers
    /// ("*" = any).
    fn answers(&self) -> Vec<(&'static [&'static str], Value)>;

    /// The client keeps state across `parse` calls (credentials an answer replaces): a fresh one per case.
    fn parse_changes_client(&self) -> bool {
        false
    }

    /// Answers carry a signature in their headers that the client checks.
    fn signs_answers(&self) -> bool {
        false
    }

    /// Header JSON that validly signs an answer `body` (only when `signs_answers`).
    fn answer_headers(&self, _body: &[u8]) -> String {
        unreachable!("{} does not sign its answers", self.name())
    }

    /// Clients for `verify_notification`.
    fn notifiers(&self) -> Vec<Notifier>;

    /// Clients that cannot verify a notification (no notify key, no credentials): arbitrary cases only,
    /// run after every provider's `notifiers`.
    fn notifiers_without_key(&self) -> Vec<NamedConfig> {
        Vec::new()
    }

    /// Realistic notification payloads (JSON), donors for arbitrary notification bodies.
    fn notification_bodies(&self) -> Vec<Value> {
        Vec::new()
    }

    /// `build` returns a message to sign with the merchant's private key (`toSign`), which `complete`
    /// then puts into the request (and `signWasm` signs).
    fn signs_requests(&self) -> bool {
        false
    }

    /// After `complete(request, signature)`: the signature is where it belongs and nothing else changed.
    fn check_completed(&self, _request: &Value, _completed: &Value, _signature_b64: &str) -> Result<(), String> {
        Ok(())
    }

    /// A URL `wapPayUrl` may return (providers without one refuse the call).
    fn wap_pay_url_ok(&self, _url: &str) -> bool {
        false
    }

    /// A wire-amount reader the money target fuzzes: (entry name for reports, reader).
    fn wire_yuan(&self) -> Option<(&'static str, WireYuan)> {
        None
    }

    /// Inputs this harness once found a defect with.
    fn regressions(&self) -> Vec<Regression> {
        Vec::new()
    }
}

/// The parse/build clients of every provider, in registry order.
pub fn all_clients() -> Vec<(&'static dyn FuzzProvider, &'static str, Value)> {
    all()
        .iter()
        .flat_map(|p| p.clients().into_iter().map(move |(n, c)| (*p, n, c)))
        .collect()
}

/// The config of the client named `client`.
pub fn client_config(client: &str) -> Value {
    all_clients()
        .into_iter()
        .find(|(_, n, _)| *n == client)
        .map(|(_, _, c)| c)
        .unwrap_or_else(|| panic!("no fuzz client named {client}"))
}

/// `SMALL_KEY`, loaded once: signs answers and notifications per case cheaply.
pub fn small_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| load_private_key("small", SMALL_KEY).expect("the 512-bit test key loads"))
}
