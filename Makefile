# The two commands: `make demo` (the merchant demo against the built-in emulator) and `make test`.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)
WASM := target/wasm32-unknown-unknown/release/aggpay.wasm

.PHONY: setup browser build test one-shape test-rust test-wasm test-js demo emulator bench reliability fuzz clean

setup:
	@scripts/setup.sh

build: setup
	cargo build --release --target wasm32-unknown-unknown
	node pkg/build.mjs $(WASM)

test: one-shape build browser test-rust test-wasm test-js

# No gateway named in shared code: only its own module, emulator module, type file, tests, docs and one registry
# line each (docs/adding-a-gateway.md). Cheap, needs no build, so it runs first.
one-shape:
	node scripts/check-one-shape.mjs

# Debian's chromium, for the browser tests only (make demo does not need it).
browser:
	@scripts/setup.sh --browser

test-rust:
	cargo test

# wasm-bindgen tests of the compiled core, run under Node.
test-wasm: setup
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --target wasm32-unknown-unknown --test wasm

# The built package, loaded by name, end to end over HTTP against the emulator.
test-js:
	node --test --test-reporter=spec tests/js/ js-examples/emulator/

demo: build
	node js-examples/node-merchant/demo.mjs

emulator:
	node js-examples/emulator/server.mjs

# 1,000 orders through payAndConfirm / waitForPayment under seeded faults, checked against the
# emulator's ledger (RELIABILITY.md). A small run is part of make test.
reliability: build
	node tests/reliability.mjs 1000 1 0.2

# A long fuzz run of every parse / verify / key-loading entry point (a bounded one is in make test).
fuzz:
	AGGPAY_FUZZ_ITERS=200000 cargo test --release --test fuzz -- --nocapture

# Signer cost per signature, and the boundary cost of a build+parse and an RSA build, as ratios to
# node:crypto in the same run (BENCHMARKS.md). BEFORE=<dist dir of another build> adds it to the second run.
bench: build
	node bench/signers.mjs 300
	node bench/boundary.mjs 15 this=pkg/dist $(if $(BEFORE),before=$(BEFORE))

clean:
	cargo clean
	rm -rf pkg/dist
