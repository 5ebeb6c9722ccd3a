// The package in Cloudflare's Workers runtime (workerd, through miniflare's binary): the conformance cases inside a
// Worker that imports `aggpay` by name, bundled as wrangler bundles (workerd/worker conditions, the .wasm a
// CompiledWasm module), without nodejs_compat; then the worker-backend example end to end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmulator } from '../../js-examples/emulator/index.mjs';
import { startDev } from '../../js-examples/worker-backend/dev.mjs';
import { ROOT, bundleWorker, startWorker } from '../runtimes/workerd.mjs';

const ENTRY = join(ROOT, 'tests/runtimes/conformance.worker.mjs');
const TIMEOUT = 45_000; // each test; a hung runtime fails instead of blocking make test
let emu;
let worker;
before(async () => {
  emu = await startEmulator({ port: 0 });
});
after(async () => {
  await worker?.dispose();
  await emu?.close();
});

test('the workerd condition wins: the Worker bundle takes workerd.mjs, not the neutral web.mjs, and the .wasm as a compiled module', { timeout: TIMEOUT }, async () => {
  const { inputs, modules } = await bundleWorker(ENTRY);
  assert.ok(inputs.includes('pkg/dist/workerd.mjs'), `bundle inputs: ${inputs.join(', ')}`);
  assert.ok(!inputs.includes('pkg/dist/web.mjs'), 'the default entry (web.mjs) must not be what a Worker loads');
  assert.ok(!inputs.some((p) => p.endsWith('index.cjs') || p.endsWith('index.mjs')), 'no Node entry in a Worker');
  const wasm = modules.filter((m) => m.type === 'CompiledWasm').map((m) => m.path);
  assert.deepEqual(wasm, ['aggpay_bg.wasm']);
});

test('the Worker starts in workerd (no nodejs_compat)', { timeout: TIMEOUT }, async () => {
  worker = await startWorker({ entry: ENTRY, bindings: { EMULATOR_URL: emu.url } });
});

for (const which of ['named', 'default']) {
  test(`workerd: conformance cases pass (import ${which === 'named' ? '* as aggpay' : 'aggpay'} from 'aggpay'), Lakala signs with WebCrypto`, { timeout: TIMEOUT }, async () => {
    assert.ok(worker, 'the Worker started');
    const res = await fetch(`${worker.url}/?import=${which}`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const { runtime, signer, report } = JSON.parse(text);
    assert.equal(runtime, 'Cloudflare-Workers');
    assert.deepEqual(report.failed, []);
    assert.ok(report.passed.length >= 6, `${report.passed.length} cases`);
    assert.equal(signer, 'webcrypto');
    assert.equal(report.verifiers.lakala, 'webcrypto', 'Lakala answers and notifications are verified with WebCrypto');
    assert.equal(report.verifiers.shouqianba, 'webcrypto');
  });
}

test('js-examples/worker-backend: QR order → status → buyer pays → verified notice → PAID, in workerd', { timeout: TIMEOUT }, async () => {
  const dev = await startDev({ port: 0, emulatorUrl: emu.url });
  try {
    const home = await (await fetch(`${dev.url}/`)).json();
    assert.equal(home.signer, 'webcrypto');

    const created = await fetch(`${dev.url}/orders`, { method: 'POST', body: JSON.stringify({ amount: 1999, subject: 'Coffee', channel: 'ALIPAY' }) });
    const order = await created.json();
    assert.equal(created.status, 201, JSON.stringify(order));
    assert.equal(order.state, 'PENDING');
    assert.match(order.qrCode, /^https:\/\/qr\.alipay\.com\//);
    const no = order.merchantOrderNo;

    const pending = await (await fetch(`${dev.url}/orders/${no}`)).json();
    assert.equal(pending.state, 'PENDING');
    assert.equal(pending.amount, 1999);

    const paid = await fetch(`${emu.url}/__emulator/lakala/buyer-pays`, { method: 'POST', body: JSON.stringify({ out_trade_no: no }) });
    assert.equal(paid.status, 200, await paid.text());
    await emu.lakala.flushNotifications();
    const delivered = emu.lakala.notifications.filter((n) => n.out_trade_no === no);
    assert.ok(delivered.length >= 1, 'the gateway notified the Worker');
    assert.equal(delivered[0].url, `${dev.url}/notify/lakala`);
    assert.equal(delivered[0].status, 200, JSON.stringify(delivered[0]));
    assert.match(delivered[0].reply, /"code":"SUCCESS"/, 'the Worker verified the notice and sent the exact ack');

    const done = await (await fetch(`${dev.url}/orders/${no}`)).json();
    assert.equal(done.state, 'SUCCESS');
    assert.equal(done.amount, 1999);
    assert.ok(done.paidAt > 0);

    const bad = await fetch(`${dev.url}/orders`, { method: 'POST', body: JSON.stringify({ amount: -5, subject: 'x' }) });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, 'INVALID_INPUT');

    // A notice with a body changed after signing is refused and not acknowledged.
    const genuine = emu.lakala.signedNotice(no);
    const forged = await fetch(`${dev.url}/notify/lakala`, {
      method: 'POST', headers: genuine.headers, body: genuine.body.replace('"1999"', '"1"'),
    });
    assert.equal(forged.status, 400);
    assert.equal((await forged.json()).error.code, 'NOTIFICATION_INVALID');
  } finally {
    await dev.close();
  }
});
