#!/usr/bin/env node
// The .wasm sizes: raw, gzip -9 and brotli 11 of the shipped all-gateway module (pkg/dist/aggpay_bg.wasm), and with
// --each, of a module built with each gateway's Cargo feature alone (cargo build --no-default-features --features X
// into target/wasm-size/, then the same wasm-bindgen + wasm-opt as the package: pkg/wasm-opt.mjs).
//
//   node scripts/wasm-size.mjs [--each]          prints a Markdown table
//
// The features are read from Cargo.toml's default list, so this names no gateway (scripts/check-one-shape.mjs).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { bindgenAndOptimize } from '../pkg/wasm-opt.mjs';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const SHIPPED = join(ROOT, 'pkg/dist/aggpay_bg.wasm');

/** { raw, gzip, brotli } in bytes (gzip -9, brotli quality 11). */
export function sizes(file) {
  const bytes = readFileSync(file);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/** The gateway features: Cargo.toml's `default = [...]`. */
export function gatewayFeatures() {
  const m = /^default\s*=\s*\[([^\]]*)\]/m.exec(readFileSync(join(ROOT, 'Cargo.toml'), 'utf8'));
  if (!m) throw new Error('Cargo.toml: no default feature list');
  return [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
}

/** The rustflags `make build` gives the wasm build (the Makefile's WASM_RUSTFLAGS, which says why). */
export const WASM_RUSTFLAGS = `--remap-path-prefix=${process.env.CARGO_HOME || join(homedir(), '.cargo')}/registry/src=`;

/** Builds the module with `feature` alone, optimized as shipped; returns its path. */
export function buildAlone(feature, { quiet = true } = {}) {
  const dir = join(ROOT, 'target/wasm-size');
  const stdio = quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit';
  execFileSync('cargo', ['build', '--quiet', '--release', '--target', 'wasm32-unknown-unknown', '--lib', '--no-default-features',
    '--features', feature, '--target-dir', join(dir, 'cargo')],
  { cwd: ROOT, stdio, env: { ...process.env, CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS: WASM_RUSTFLAGS } });
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${feature}.wasm`);
  bindgenAndOptimize(join(dir, 'cargo/wasm32-unknown-unknown/release/aggpay.wasm'), join(dir, `glue-${feature}`), out, { stdio });
  return out;
}

/** Rows { what, raw, gzip, brotli }: the shipped module, then (each) every feature alone. */
export function sizeRows({ each = false } = {}) {
  const rows = [{ what: 'all gateways (pkg/dist/aggpay_bg.wasm)', ...sizes(SHIPPED) }];
  if (each) for (const f of gatewayFeatures()) rows.push({ what: `\`${f}\` alone`, ...sizes(buildAlone(f)) });
  return rows;
}

const n = (x) => x.toLocaleString('en-US');
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = sizeRows({ each: process.argv.includes('--each') });
  console.log('| .wasm | raw | gzip -9 | brotli 11 |\n|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.what} | ${n(r.raw)} | ${n(r.gzip)} | ${n(r.brotli)} |`);
}
