// The runtime conformance cases (tests/conformance/cases.mjs) in Node: ESM by name, the default import,
// CommonJS, and the slim entry initialized by hand — each a separate way a user loads the package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import * as esm from 'aggpay';
import aggpayDefault from 'aggpay';
import * as slim from 'aggpay/slim';
import { useEmulator } from './kit.mjs';
import { runConformance } from '../conformance/cases.mjs';

const require = createRequire(import.meta.url);
const emu = useEmulator();

const expectAll = (report, verifier = 'node') => {
  assert.deepEqual(report.failed, []);
  assert.ok(report.passed.length >= 6, `${report.passed.length} cases`);
  assert.deepEqual(report.verifiers, { shouqianba: verifier, fubei: null, lakala: verifier, tingyihui: null });
};

test('Node ESM, by name', async () => expectAll(await runConformance({ aggpay: esm, emulatorUrl: emu.url, tag: 'esm' })));
test('Node ESM, default import', async () => expectAll(await runConformance({ aggpay: aggpayDefault, emulatorUrl: emu.url, tag: 'def' })));
test('Node CommonJS', async () => expectAll(await runConformance({ aggpay: require('aggpay'), emulatorUrl: emu.url, tag: 'cjs' })));
test('aggpay/slim after await init(bytes)', async () => {
  await slim.init(readFileSync(require.resolve('aggpay/aggpay_bg.wasm')));
  // slim is given no node:crypto by init(bytes): Node's WebCrypto verifies (and signs) there.
  expectAll(await runConformance({ aggpay: slim, emulatorUrl: emu.url, tag: 'slim' }), 'webcrypto');
});
