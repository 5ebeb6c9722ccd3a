#!/usr/bin/env bash
# Installs what the build and tests need, idempotently: the wasm32 target, wasm-bindgen-cli at exactly
# the version Cargo.toml pins (skipped when already installed), the npm tooling from package-lock.json (esbuild,
# wasm-opt, tsc, and the runtimes the tests run in: deno, bun, workerd via miniflare, playwright-core to drive
# chromium), and with --browser Debian's chromium. The bun and deno packages need their install scripts (they put
# the binary in place): run below when npm did not run them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

want=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (have: ${have:-none}); this takes several minutes once"
  cargo install wasm-bindgen-cli --version "$want" --force
fi

# Chromium from Debian for the browser tests only (never a test tool's own browser download): `setup.sh --browser`.
if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
  command -v apt-get >/dev/null || { echo "the browser tests need Debian's chromium at /usr/bin/chromium (apt-get not found)" >&2; exit 1; }
  echo "installing Debian's chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi
fi

# npm ci only when the lockfile changed since the last install. Never through a symlinked node_modules (a worktree
# sharing another checkout's install): npm ci deletes what it points to, and a fresh checkout's lockfile is always newer.
if [ -L node_modules ]; then
  echo "setup: node_modules is a symlink; not running npm ci through it" >&2
elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# bun and deno put their binary in place from an install script; where npm does not run install scripts, run
# them here (offline: they take the binary from the platform package npm already installed).
if [ -f node_modules/bun/install.js ] && [ "$(stat -c %s node_modules/bun/bin/bun.exe 2>/dev/null || echo 0)" -lt 1000000 ]; then
  (cd node_modules/bun && node install.js)
fi
if [ -f node_modules/deno/install.cjs ] && [ ! -x node_modules/deno/deno ]; then
  (cd node_modules/deno && node install.cjs)
fi
