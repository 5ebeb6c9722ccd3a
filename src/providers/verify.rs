//! Who decides whether an RSA signature is genuine, and the one place it is decided (`Verifier::passes`).
//!
//! The core never does I/O: a provider names what a signature covers (`Signed`: the exact bytes, the
//! signature, which of the client's keys), the host's verifier (node:crypto, WebCrypto, the Rust one, or
//! the caller's own) checks it, and the core continues with the host's answer. That answer counts for
//! exactly the parts the host was shown, and only when it is `true`; anything else is a failed check.

use crate::crypto::PublicKey;

/// Which of a client's public keys checks a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUse {
    /// The platform's key: it signs answers.
    Platform,
    /// The key that signs notifications (the platform's unless configured apart).
    Notify,
}

impl KeyUse {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyUse::Platform => "platform",
            KeyUse::Notify => "notify",
        }
    }

    pub fn parse(name: &str) -> Option<KeyUse> {
        match name {
            "platform" => Some(KeyUse::Platform),
            "notify" => Some(KeyUse::Notify),
            _ => None,
        }
    }
}

/// A signature to check: the exact bytes it covers, the signature, and the key to check it with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    pub message: Vec<u8>,
    pub signature: Vec<u8>,
    pub key: KeyUse,
}

impl Signed {
    /// `None` when `signature` cannot be one made with `public` (its length is not the modulus length):
    /// no verifier is asked, and every path refuses it alike.
    pub fn new(message: Vec<u8>, signature: Vec<u8>, key: KeyUse, public: &PublicKey) -> Option<Signed> {
        (signature.len() == public.modulus_bytes()).then_some(Signed {
            message,
            signature,
            key,
        })
    }
}

/// Who decides.
#[derive(Clone, Debug, Default)]
pub enum Verifier {
    /// The Rust `rsa` verifier with the client's own key (native callers, tests).
    #[default]
    Core,
    /// The host's answer about the one signature it was shown (`asked`, none if it was shown none).
    Host { asked: Option<Signed>, valid: bool },
}

impl Verifier {
    /// Whether `signed` is genuine under `key`. The host's `true` counts only for the very bytes,
    /// signature and key use it was shown: a verdict about anything else, or any other verdict, fails.
    pub fn passes(&self, signed: &Signed, key: &PublicKey) -> bool {
        match self {
            Verifier::Core => key.verify_sha256(&signed.message, &signed.signature),
            Verifier::Host {
                asked: Some(asked),
                valid: true,
            } => asked == signed,
            Verifier::Host { .. } => false,
        }
    }
}
