#!/usr/bin/env node
// The size budget (issue 13): fails when the shipped all-gateway module, pkg/dist/aggpay_bg.wasm, is larger than
// BUDGET bytes. A byte count, not a timing: the same build gives the same size on every machine. Run by
// `make test` after the build. The budget sits just above the size reached (BENCHMARKS.md, "Package size");
// when a change has to grow the module, raise it in the same commit and say why there.
//
//   node scripts/check-wasm-size.mjs [--budget BYTES]      exit 0: within budget; exit 1: over it
import { existsSync } from 'node:fs';
import { SHIPPED, sizes } from './wasm-size.mjs';

export const BUDGET = 455_000;

const at = process.argv.indexOf('--budget');
const budget = at >= 0 ? Number(process.argv[at + 1]) : BUDGET;
if (!Number.isInteger(budget) || budget <= 0) throw new Error('--budget takes a positive integer (bytes)');
if (!existsSync(SHIPPED)) {
  console.error(`${SHIPPED} is missing: run make build first`);
  process.exit(1);
}
const s = sizes(SHIPPED);
const n = (x) => x.toLocaleString('en-US');
const line = `aggpay_bg.wasm: ${n(s.raw)} bytes (gzip -9 ${n(s.gzip)}, brotli ${n(s.brotli)}); budget ${n(budget)} bytes`;
if (s.raw > budget) {
  console.error(`${line}: OVER BUDGET by ${n(s.raw - budget)} bytes. Make it smaller, or raise BUDGET in scripts/check-wasm-size.mjs with the reason (BENCHMARKS.md).`);
  process.exit(1);
}
console.log(`${line}: ok (${n(budget - s.raw)} to spare)`);
