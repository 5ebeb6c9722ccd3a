//! Knobs, the PRNG, and the catch_unwind runner every target drives its cases through.

use aggpay::crypto;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::time::Instant;

pub const DEFAULT_SEED: u64 = 0xA66F_A7F0_0220_2611;
pub const DEFAULT_ITERS: usize = 400;

pub fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

pub fn base_iters() -> usize {
    env_u64("AGGPAY_FUZZ_ITERS").map_or(DEFAULT_ITERS, |n| n as usize)
}

pub fn base_seed() -> u64 {
    env_u64("AGGPAY_FUZZ_SEED").unwrap_or(DEFAULT_SEED)
}

pub fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xorshift64* (Vigna): small, fast, deterministic.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(splitmix(seed) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi as i128 - lo as i128 + 1) as u128;
        (lo as i128 + (self.next_u64() as u128 % span) as i128) as i64
    }
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.next_u64() % den < num
    }
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

thread_local! {
    /// Set by a check that met a known bug's output (see `known bug:`), read by `Fuzz::run`.
    pub static KNOWN: Cell<Option<&'static str>> = const { Cell::new(None) };
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic hook that, inside a fuzz case, records the message and location instead of printing them.
pub fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if ARMED.with(Cell::get) {
                let payload = info.payload();
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "<non-string panic payload>".into());
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column()))
                    .unwrap_or_default();
                CAUGHT.with(|c| *c.borrow_mut() = Some(format!("{msg}{at}")));
            } else {
                default(info)
            }
        }));
    });
}

pub fn hex(bytes: &[u8]) -> String {
    crypto::hex_lower(bytes)
}

/// A short readable preview of bytes (the exact input is the hex).
pub fn preview(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let s: String = s.chars().take(400).collect();
    format!("{s:?}{}", if bytes.len() > 400 { " …" } else { "" })
}

/// One target's run: cases, failures (panics and broken invariants), known-bug skips, statistics.
pub struct Fuzz {
    target: &'static str,
    seed: u64,
    iters: usize,
    only: Option<usize>,
    failures: Vec<String>,
    failed: usize,
    ran: usize,
    known: BTreeMap<&'static str, usize>,
    stats: BTreeMap<String, usize>,
    started: Instant,
}

impl Fuzz {
    pub fn new(target: &'static str, weight: usize) -> Fuzz {
        install_hook();
        Fuzz {
            target,
            seed: base_seed(),
            iters: base_iters().saturating_mul(weight).max(1),
            only: env_u64("AGGPAY_FUZZ_CASE").map(|c| c as usize),
            failures: Vec::new(),
            failed: 0,
            ran: 0,
            known: BTreeMap::new(),
            stats: BTreeMap::new(),
            started: Instant::now(),
        }
    }

    pub fn cases(&self) -> Vec<usize> {
        match self.only {
            Some(c) => vec![c],
            None => (0..self.iters).collect(),
        }
    }

    /// The generator of case `i`: depends only on (seed, target, i).
    pub fn rng(&self, i: usize) -> Rng {
        let t = self.target.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        });
        Rng::new(self.seed ^ splitmix(t) ^ splitmix(i as u64 ^ 0x5bd1_e995))
    }

    pub fn stat(&mut self, key: impl Into<String>) {
        *self.stats.entry(key.into()).or_default() += 1;
    }

    /// An input the fuzzer found to crash, skipped so the bounded run stays green (see `known bug:`).
    pub fn skip_known(&mut self, bug: &'static str) {
        *self.known.entry(bug).or_default() += 1;
    }

    /// Runs one case. `check` returns Err for a broken invariant; a panic is caught and reported.
    /// `describe` (called only on failure) gives the exact input.
    pub fn run(
        &mut self,
        i: usize,
        entry: &str,
        check: impl FnOnce() -> Result<(), String>,
        describe: impl FnOnce() -> String,
    ) {
        self.ran += 1;
        KNOWN.with(|k| k.set(None));
        ARMED.with(|a| a.set(true));
        let r = panic::catch_unwind(AssertUnwindSafe(check));
        ARMED.with(|a| a.set(false));
        if let Some(bug) = KNOWN.with(|k| k.take()) {
            self.skip_known(bug);
        }
        let problem = match r {
            Ok(Ok(())) => return,
            Ok(Err(violation)) => format!("INVARIANT BROKEN in {entry}: {violation}"),
            Err(_) => {
                let msg = CAUGHT
                    .with(|c| c.borrow_mut().take())
                    .unwrap_or_else(|| "<no message>".into());
                format!("PANIC in {entry}: {msg}")
            }
        };
        self.failed += 1;
        if self.failures.len() < 12 {
            self.failures.push(format!(
                "[{}] case {i} (AGGPAY_FUZZ_SEED={:#x} AGGPAY_FUZZ_CASE={i}): {problem}\n    input: {}",
                self.target,
                self.seed,
                describe()
            ));
        }
    }

    pub fn finish(self) {
        let secs = self.started.elapsed().as_secs_f64();
        let stats: Vec<String> = self.stats.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let known: Vec<String> = self.known.iter().map(|(k, v)| format!("{k}×{v}")).collect();
        eprintln!(
            "fuzz {:<14} seed={:#x} iterations={} calls={} failures={} known-bug skips=[{}] {:.1}s\n    {}",
            self.target,
            self.seed,
            if self.only.is_some() { 1 } else { self.iters },
            self.ran,
            self.failed,
            known.join(", "),
            secs,
            stats.join(" ")
        );
        if self.failed > 0 {
            panic!(
                "{} of {} fuzz calls failed in target {} (seed {:#x}); first {}:\n{}",
                self.failed,
                self.ran,
                self.target,
                self.seed,
                self.failures.len(),
                self.failures.join("\n")
            );
        }
    }
}
