# The two commands: `make demo` (the merchant demo against the built-in emulator) and `make test`.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)
WASM := target/wasm32-unknown-unknown/release/aggpay.wasm

.PHONY: setup browser build test one-shape wasm-size test-rust test-wasm test-js demo emulator bench bench-signers bench-boundary reliability fuzz clean

setup:
	@scripts/setup.sh

# Panic locations name dependency files under $CARGO_HOME/registry/src (47 of them): written without that prefix, the
# module has the same size wherever it is built (the size budget is a byte count) and is ~1.2 KB smaller. On
# wasm32-unknown-unknown a panic aborts without printing (no panic hook), so nothing observable changes.
# scripts/wasm-size.mjs builds the single-gateway modules with the same flag.
CARGO_HOME ?= $(HOME)/.cargo
WASM_RUSTFLAGS := --remap-path-prefix=$(CARGO_HOME)/registry/src=

build: setup
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$(WASM_RUSTFLAGS)" cargo build --release --target wasm32-unknown-unknown
	node pkg/build.mjs $(WASM)

test: one-shape build wasm-size browser test-rust test-wasm test-js

# No gateway named in shared code: only its own module, emulator module, type file, tests, docs and one registry
# line each (docs/adding-a-gateway.md). Cheap, needs no build, so it runs first.
one-shape:
	node scripts/check-one-shape.mjs

# The size budget: fails when the shipped all-gateway .wasm grows past a byte count (BENCHMARKS.md, "Package size").
wasm-size:
	node scripts/check-wasm-size.mjs

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

# One table (BENCHMARKS.md): per-call costs through the built package, notification verification, payAndConfirm CPU
# per order against the emulator, cold start, the per-call cost in workerd, and the .wasm sizes (all gateways and
# each alone), every timing a ratio to a hand-written node:crypto reference in the same run. ROUNDS=15 by default.
bench: build
	node bench/run.mjs $(or $(ROUNDS),15)

# The older, narrower benchmarks: each signer per signature, and the boundary against another build
# (BEFORE=<dist dir of another build>).
bench-signers: build
	node bench/signers.mjs 300
bench-boundary: build
	node bench/boundary.mjs 15 this=pkg/dist $(if $(BEFORE),before=$(BEFORE))

clean:
	cargo clean
	rm -rf pkg/dist
