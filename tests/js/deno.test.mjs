// The package in Deno (the `deno` npm package's binary): a script that imports `aggpay` by name, as a Deno user
// with the package in node_modules does, resolved through the exports map's `deno` condition, run with the network
// limited to 127.0.0.1 and file reads limited to the package directory; then the deno-server example end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useEmulator } from './kit.mjs';
import { packageDir, startDev } from '../../js-examples/deno-server/dev.mjs';
import { bin, lastJson, runProcess } from '../runtimes/proc.mjs';
import { ROOT } from '../runtimes/workerd.mjs';

const DENO_ENV = { DENO_NO_UPDATE_CHECK: '1', ...(process.env.DENO_DIR && { DENO_DIR: process.env.DENO_DIR }) };
const exportsMap = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).exports['.'];

const TIMEOUT = 45_000; // each test; a hung runtime fails instead of blocking make test
const emu = useEmulator();

test('Deno: `aggpay` resolves through the deno condition; conformance cases pass by name and default import; Lakala signs with WebCrypto', { timeout: TIMEOUT }, async () => {
  assert.equal(packageDir, realpathSync(join(ROOT, 'pkg')));
  const run = await runProcess(bin('deno'), ['run', '--no-prompt', '--allow-net=127.0.0.1', `--allow-read=${packageDir}`,
    join(ROOT, 'tests/runtimes/deno-conformance.mjs'), emu.url], { env: DENO_ENV });
  const out = lastJson(run, 'deno-conformance.mjs');
  assert.match(out.runtime, /^deno 2\./);
  const resolved = fileURLToPath(out.resolved);
  assert.ok(exportsMap.deno, 'the exports map has a deno condition');
  assert.equal(resolved, join(packageDir, 'dist/web.mjs'), 'Deno loads the web entry, not a Node one');
  assert.equal(resolved, join(packageDir, exportsMap.deno.default), 'through the deno condition');
  for (const which of ['named', 'default']) {
    const { report, signer } = out.results[which];
    assert.deepEqual(report.failed, [], which);
    assert.ok(report.passed.length >= 6, `${which}: ${report.passed.length} cases`);
    assert.equal(signer, 'webcrypto', which);
    assert.equal(report.verifiers.lakala, 'webcrypto', `${which}: Lakala verified with WebCrypto`);
    assert.equal(report.verifiers.shouqianba, 'webcrypto', which);
  }
});

test('js-examples/deno-server/server.ts type-checks against the package\'s types (deno check)', { timeout: TIMEOUT }, async () => {
  const run = await runProcess(bin('deno'), ['check', '--quiet', join(ROOT, 'js-examples/deno-server/server.ts')], { env: DENO_ENV });
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
});

test('js-examples/deno-server: QR order → status → buyer pays → verified notice → PAID, in Deno.serve', { timeout: TIMEOUT }, async () => {
  const dev = await startDev({ port: 0, emulatorUrl: emu.url });
  try {
    const home = await (await fetch(`${dev.url}/`)).json();
    assert.equal(home.signer, 'webcrypto');

    const created = await fetch(`${dev.url}/orders`, { method: 'POST', body: JSON.stringify({ amount: 2580, subject: 'Coffee beans', channel: 'ALIPAY' }) });
    const order = await created.json();
    assert.equal(created.status, 201, JSON.stringify(order));
    assert.equal(order.state, 'PENDING');
    assert.ok(order.qrCode, 'a QR code to show');
    const no = order.merchantOrderNo;

    const pending = await (await fetch(`${dev.url}/orders/${no}`)).json();
    assert.equal(pending.state, 'PENDING');
    assert.equal(pending.amount, 2580);

    const paid = await fetch(`${emu.url}/__emulator/lakala/buyer-pays`, { method: 'POST', body: JSON.stringify({ out_trade_no: no }) });
    assert.equal(paid.status, 200, await paid.text());
    await emu.lakala.flushNotifications();
    const delivered = emu.lakala.notifications.filter((n) => n.out_trade_no === no);
    assert.ok(delivered.length >= 1, 'the gateway notified the server');
    assert.equal(delivered[0].url, `${dev.url}/notify/lakala`);
    assert.equal(delivered[0].status, 200, JSON.stringify(delivered[0]));
    assert.match(delivered[0].reply, /"code":"SUCCESS"/, 'the server verified the notice and sent the exact ack');

    const done = await (await fetch(`${dev.url}/orders/${no}`)).json();
    assert.equal(done.state, 'SUCCESS');
    assert.equal(done.amount, 2580);

    const bad = await fetch(`${dev.url}/orders`, { method: 'POST', body: JSON.stringify({ amount: 1.5, subject: 'x' }) });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, 'INVALID_INPUT');

    const genuine = emu.lakala.signedNotice(no);
    const forged = await fetch(`${dev.url}/notify/lakala`, {
      method: 'POST', headers: genuine.headers, body: genuine.body.replace('"2580"', '"1"'),
    });
    assert.equal(forged.status, 400);
    assert.equal((await forged.json()).error.code, 'NOTIFICATION_INVALID');
  } finally {
    await dev.close();
  }
  assert.match(dev.output(), /notice: \S+ SUCCESS 2580 fen/);
});
