// The package in Bun (the `bun` npm package's binary): one script imports `aggpay` by name (ESM) and require()s it,
// both resolved through the exports map's `bun` condition, and runs the conformance cases with each against the
// emulator; Bun has node:crypto, so the Lakala signer is 'node'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useEmulator } from './kit.mjs';
import { bin, lastJson, runProcess } from '../runtimes/proc.mjs';
import { ROOT } from '../runtimes/workerd.mjs';

const pkgDir = join(ROOT, 'pkg');
const bunExports = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).exports['.'].bun;

const TIMEOUT = 45_000; // each test; a hung runtime fails instead of blocking make test
const emu = useEmulator();

test('Bun: import and require() resolve through the bun condition, share one instance, pass the conformance cases; Lakala signs with node:crypto', { timeout: TIMEOUT }, async () => {
  const run = await runProcess(bin('bun'), [join(ROOT, 'tests/runtimes/bun-conformance.mjs'), emu.url],
    { env: { BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0', DO_NOT_TRACK: '1' } });
  const out = lastJson(run, 'bun-conformance.mjs');
  assert.match(out.runtime, /^bun 1\./);
  assert.equal(fileURLToPath(out.resolved.import), join(pkgDir, bunExports.import));
  assert.equal(out.resolved.require, join(pkgDir, bunExports.require));
  assert.ok(out.sameInstance, 'ESM and CJS share one module instance (one AggpayError class)');
  for (const which of ['esm', 'cjs']) {
    const { report, signer } = out.results[which];
    assert.deepEqual(report.failed, [], which);
    assert.ok(report.passed.length >= 6, `${which}: ${report.passed.length} cases`);
    assert.equal(signer, 'node', which);
    assert.equal(report.verifiers.lakala, 'node', `${which}: Lakala verified with node:crypto`);
    assert.equal(report.verifiers.shouqianba, 'node', which);
  }
});
