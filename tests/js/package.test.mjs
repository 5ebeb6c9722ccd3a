// The published package as a user gets it: loaded by name (ESM and CommonJS), its exports map, its money
// helpers, and its TypeScript declarations checked by tsc in strict mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esm from 'aggpay';
import { createClient, yuanToFen, fenToYuan, AggpayError } from 'aggpay';
import { useEmulator } from './kit.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkgDir = join(root, 'pkg');
const require = createRequire(import.meta.url);
const API = ['AggpayError', 'createClient', 'fenToYuan', 'yuanToFen'];

const emu = useEmulator();

const terminalClient = (mod) => {
  const { terminalSn, terminalKey } = emu.shouqianba.credentials;
  return mod.createClient({ provider: 'shouqianba', baseUrl: emu.url, credentials: { terminalSn, terminalKey } });
};

test('ESM import by name exposes exactly the public API', () => {
  assert.deepEqual(Object.keys(esm).sort(), [...API, 'default'].sort());
  assert.deepEqual(Object.keys(esm.default).sort(), API, 'import aggpay from "aggpay" gives the same API');
  assert.equal(esm.default.createClient, createClient);
  assert.equal(typeof createClient, 'function');
  assert.equal(typeof yuanToFen, 'function');
  assert.equal(typeof fenToYuan, 'function');
  assert.equal(typeof AggpayError, 'function');
  const e = new AggpayError({ code: 'INVALID_INPUT', message: 'm', retryable: false });
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'AggpayError');
});

test('the name resolves to the built package in pkg/', () => {
  assert.equal(import.meta.resolve('aggpay'), new URL(`file://${join(pkgDir, 'dist/index.mjs')}`).href);
  assert.equal(require.resolve('aggpay'), join(pkgDir, 'dist/index.cjs'));
});

test('CommonJS require("aggpay") works and gives the same API', async () => {
  const cjs = require('aggpay');
  assert.deepEqual(Object.keys(cjs).filter((k) => k !== 'default').sort(), API);
  assert.equal(cjs.default, cjs, 'a transpiled default import gets the same object');
  for (const name of API) assert.equal(typeof cjs[name], 'function', name);
  assert.equal(cjs.yuanToFen('9.80'), 980);
  assert.equal(cjs.fenToYuan(980), '9.80');
  assert.throws(() => cjs.yuanToFen('1.234'), (e) => e instanceof cjs.AggpayError && e.code === 'INVALID_INPUT');
  // The CJS build runs its own wasm instance: a real call against the gateway works through it too.
  const r = await terminalClient(cjs).pay({
    merchantOrderNo: 'cjs-1', amount: 123, subject: 's', operator: 'op', authCode: '130000000000000001',
  });
  assert.equal(r.outcome, 'SUCCEEDED');
  assert.equal(r.order.state, 'SUCCESS');
  assert.equal(r.order.amounts.total, 123);
  assert.equal(emu.shouqianba.order('cjs-1').paid, true);
});

// The ESM entry loads the CommonJS build with require (not `import`, see pkg/src/node.mjs): both must still be
// one instance, whichever a process loads first, or an error from one side fails `instanceof` on the other.
test('import("aggpay") and require("aggpay") share one instance: the same AggpayError and createClient', () => {
  const cjs = require('aggpay');
  assert.equal(cjs.AggpayError, AggpayError);
  assert.equal(cjs.createClient, createClient);
  assert.equal(esm.default.AggpayError, cjs.AggpayError);
  assert.throws(() => cjs.yuanToFen('1.234'), (e) => e instanceof AggpayError);
  // require first, then import, in a fresh process.
  const code = `const cjs = require('aggpay');
import('aggpay').then((esm) => console.log(JSON.stringify([esm.AggpayError === cjs.AggpayError, esm.createClient === cjs.createClient, esm.default.fenToYuan === cjs.fenToYuan])));`;
  const run = spawnSync(process.execPath, ['--input-type=commonjs', '-e', code], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), [true, true, true]);
});

// ESM source bundled for Node as CommonJS takes the `import` entry, whose import.meta the bundler empties: the
// entry's fallback to the bundler's require must keep such a bundle working (with the .wasm copied beside it).
test('an ESM app bundled by esbuild for Node as CommonJS runs, the .wasm beside the bundle', async () => {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'aggpay-bundle-'));
  try {
    writeFileSync(join(dir, 'app.mjs'), "import { fenToYuan } from 'aggpay';\nconsole.log(fenToYuan(123));\n");
    await build({ entryPoints: [join(dir, 'app.mjs')], bundle: true, platform: 'node', format: 'cjs', outfile: join(dir, 'out/app.cjs'), nodePaths: [join(root, 'node_modules')], logLevel: 'silent' });
    writeFileSync(join(dir, 'out/aggpay_bg.wasm'), readFileSync(join(pkgDir, 'dist/aggpay_bg.wasm')));
    const run = spawnSync(process.execPath, [join(dir, 'out/app.cjs')], { cwd: dir, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), '1.23');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the exports map, main/module/types and files point at existing files', () => {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  assert.equal(pkg.name, 'aggpay');
  const targets = [];
  const walk = (node) => {
    if (typeof node === 'string') targets.push(node);
    else for (const v of Object.values(node)) walk(v);
  };
  walk(pkg.exports);
  targets.push(pkg.main, pkg.module, pkg.types);
  assert.ok(targets.length >= 8, 'exports map has import/require × types/default entries');
  for (const t of targets) {
    assert.ok(t.startsWith('./'), `${t} is relative`);
    assert.ok(existsSync(join(pkgDir, t)), `${t} exists`);
  }
  const node = pkg.exports['.'].node;
  assert.equal(node.import.default, './dist/index.mjs');
  assert.equal(node.require.default, './dist/index.cjs');
  // "types" must come first in each condition block for TypeScript to pick it.
  assert.equal(Object.keys(node.import)[0], 'types');
  assert.equal(Object.keys(node.require)[0], 'types');
  for (const [cond, block] of Object.entries(pkg.exports['.'])) {
    if (typeof block === 'object' && cond !== 'node') assert.equal(Object.keys(block)[0], 'types', cond);
  }
  // Every runtime condition the README promises, the slim entry and the .wasm itself.
  for (const cond of ['workerd', 'worker', 'deno', 'bun', 'browser', 'node', 'default']) assert.ok(pkg.exports['.'][cond], cond);
  assert.ok(pkg.exports['./slim'] && pkg.exports['./aggpay_bg.wasm']);
  for (const f of pkg.files) assert.ok(existsSync(join(pkgDir, f)), `files entry ${f} exists`);
  // The wasm the entry points load must be shipped.
  assert.ok(pkg.files.includes('dist/aggpay_bg.wasm'));
});

test('yuanToFen / fenToYuan convert exactly', () => {
  assert.equal(yuanToFen('9.80'), 980);
  assert.equal(yuanToFen('9.8'), 980);
  assert.equal(yuanToFen('0.07'), 7);
  assert.equal(yuanToFen('100'), 10000);
  assert.equal(yuanToFen('0.29'), 29); // 0.29 * 100 === 28.999999999999996 in floats
  assert.equal(fenToYuan(980), '9.80');
  assert.equal(fenToYuan(7), '0.07');
  assert.equal(fenToYuan(0), '0.00');
  assert.equal(fenToYuan(123456789012), '1234567890.12');
});

test('yuanToFen rejects malformed yuan with AggpayError INVALID_INPUT', () => {
  for (const bad of ['1.234', '-1', 'abc', '', '1e2', ' 1', '1.', '+1', 9.8, 980, null, undefined]) {
    assert.throws(
      () => yuanToFen(bad),
      (e) => e instanceof AggpayError && e.name === 'AggpayError' && e.code === 'INVALID_INPUT' && e.retryable === false,
      `yuanToFen(${JSON.stringify(bad)}) must throw INVALID_INPUT`,
    );
  }
});

test('fenToYuan rejects non-integers and negatives', () => {
  for (const bad of [-1, 9.5, '980', NaN, Infinity, 2 ** 53]) {
    assert.throws(() => fenToYuan(bad), (e) => e instanceof AggpayError && e.code === 'INVALID_INPUT', String(bad));
  }
});

test('round trip fen → yuan → fen is exact for 2000 random amounts', () => {
  // Seeded xorshift so a failure is reproducible; covers every magnitude up to 1e10.
  let x = 0x2545f491;
  const rand = () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
  for (let i = 0; i < 2000; i++) {
    const n = 1 + Math.floor(rand() ** 4 * (1e10 - 1)); // skewed toward small amounts too
    assert.ok(n > 0 && n < 1e10);
    const yuan = fenToYuan(n);
    assert.match(yuan, /^(0|[1-9]\d*)\.\d\d$/);
    assert.equal(yuanToFen(yuan), n, `${n} → ${yuan}`);
  }
});

test('pkg/dist/index.d.ts has no `any` type', () => {
  for (const f of ['index.d.ts', 'index.d.cts']) {
    const text = readFileSync(join(pkgDir, 'dist', f), 'utf8');
    assert.ok(text.includes('export declare function createClient'), `${f} is the real declaration file`);
    assert.doesNotMatch(text, /:\s*any\b|<any>|any\[\]/, f);
  }
});

const TS_COMMON = `
const client: Client = createClient({
  provider: 'shouqianba',
  baseUrl: 'http://127.0.0.1:1',
  credentials: { terminalSn: '1', terminalKey: 'k', notifyPublicKey: 'pem' },
  timeoutMs: 1000,
});

async function main(): Promise<void> {
  const r: OperationResult = await client.pay({
    merchantOrderNo: 'o1', amount: 980, subject: 's', operator: 'op', authCode: '130000000000000001',
  });
  if (r.outcome === 'SUCCEEDED' && r.order) {
    const state: OrderState = r.order.state;
    const total: number | null = r.order.amounts.total;
    console.log(state, total, r.next === 'POLL', r.error?.code);
  }
  const q = await client.query({ merchantOrderNo: 'o1', refundNo: 'r1' });
  console.log(q.refund?.state, q.raw);
  const n: VerifiedNotification = await client.verifyNotification({ headers: { authorization: 'x' }, body: new Uint8Array() });
  const status: number = n.ack.status;
  console.log(status, n.order.merchantOrderNo);
  const fen: number = yuanToFen('9.80');
  const yuan: string = fenToYuan(fen);
  console.log(yuan);
  try { await client.refund({ merchantOrderNo: 'o1', refundNo: 'r1', amount: 1, operator: 'op' }); } catch (e) {
    if (e instanceof AggpayError) { const c: ErrorCode = e.code; console.log(c, e.reason); }
  }

  // @ts-expect-error: unsupported provider
  createClient({ provider: 'paypal' });
  // @ts-expect-error: 'DONE' is not an Outcome
  if (r.outcome === 'DONE') console.log('never');
  // @ts-expect-error: amount is integer fen (number), not a string
  await client.pay({ merchantOrderNo: 'o2', amount: '9.80', subject: 's', operator: 'op', authCode: '1' });
  // @ts-expect-error: authCode is required for pay
  await client.pay({ merchantOrderNo: 'o3', amount: 1, subject: 's', operator: 'op' });
  // @ts-expect-error: parsed JSON is not a raw body
  await client.verifyNotification({ headers: {}, body: { sn: '1' } });
}
main();
`;

test('TypeScript: strict nodenext check of ESM and CJS consumers', { timeout: 60_000 }, () => {
  const tsc = join(root, 'node_modules/.bin/tsc');
  assert.ok(existsSync(tsc), 'tsc is installed in the root node_modules');
  const dir = mkdtempSync(join(tmpdir(), 'aggpay-ts-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(pkgDir, join(dir, 'node_modules/aggpay'), 'dir');
    const imports = 'AggpayError, createClient, fenToYuan, yuanToFen, type Client, type ErrorCode, type OperationResult, type OrderState, type VerifiedNotification';
    writeFileSync(join(dir, 'esm.mts'), `import { ${imports} } from 'aggpay';\ndeclare const console: { log(...a: unknown[]): void };\n${TS_COMMON}`);
    writeFileSync(join(dir, 'cjs.cts'), `import { ${imports} } from 'aggpay';\ndeclare const console: { log(...a: unknown[]): void };\n${TS_COMMON}`);
    // A file that must fail proves the checker actually sees the package's types.
    writeFileSync(join(dir, 'bad.mts'), `import { createClient } from 'aggpay';\nconst n: number = createClient;\nexport { n };\n`);
    const run = (files) => spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', ...files], {
      cwd: dir, encoding: 'utf8', timeout: 55_000,
    });
    // One tsc run: the good files must be clean (an unused @ts-expect-error is itself an error, TS2578),
    // and the bad file must fail exactly where expected.
    const out = run(['esm.mts', 'cjs.cts', 'bad.mts']);
    const text = `${out.stdout}${out.stderr}`;
    const errors = text.split('\n').filter((l) => /error TS\d+/.test(l));
    assert.deepEqual(errors.filter((l) => !l.startsWith('bad.mts')), [], `tsc errors in the good files:\n${text}`);
    assert.equal(errors.length, 1, text);
    assert.match(errors[0], /^bad\.mts\(2,\d+\): error TS2322/);
    assert.equal(out.status, 2, text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
