// `aggpay/emulator` as a user gets it: loaded by name from the built package, listed by `npm pack`, typed, on the
// loopback only unless told, and usable for every gateway of the registry (this file names none): clients made
// from its options work, the magic barcodes do what they say, faults named by operation hit, the buyer pays and
// the notification reaches the URL the test gives. Also runs the sample merchant suite (js-examples/merchant-tests).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'aggpay';
import * as pkgEmulator from 'aggpay/emulator';
import { startMerchant, verifying } from './kit.mjs';
import { scratch, show, typecheck } from '../types/tsc.mjs';

const { startEmulator, PROVIDERS, FAULT_KINDS, FAULT_OPERATIONS } = pkgEmulator;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkgDir = join(root, 'pkg');
const T = { timeout: 60_000 };

let emu;
let described;
before(async () => {
  emu = await startEmulator();
  described = await (await fetch(`${emu.url}/__emulator/conformance`)).json();
});
after(async () => {
  await emu?.stop();
});

let n = 0;
const orderNo = (p) => `ep${p}${process.pid % 10000}${Date.now() % 100000}${++n}`.slice(0, 32);

test('the subpath resolves to the built package and exports the typed API', () => {
  assert.equal(import.meta.resolve('aggpay/emulator'), new URL(`file://${join(pkgDir, 'dist/emulator.mjs')}`).href);
  assert.deepEqual(Object.keys(pkgEmulator).sort(), ['ADVERSARIAL_KINDS', 'CHAOS_KINDS', 'FAULT_KINDS', 'FAULT_OPERATIONS', 'PROVIDERS', 'startEmulator']);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  assert.equal(pkg.exports['./emulator'].types, './dist/emulator.d.ts');
  assert.equal(pkg.bin.aggpay, 'dist/cli.mjs');
  assert.equal(pkg.scripts?.postinstall, undefined, 'no install script (npm here runs none, and users need none)');
  assert.equal(readFileSync(join(pkgDir, pkg.bin.aggpay), 'utf8').split('\n')[0], '#!/usr/bin/env node');
  // The gateways are the registry's, all of them.
  assert.deepEqual([...PROVIDERS], described.map((d) => d.provider));
  assert.ok(FAULT_KINDS.includes('drop-after') && FAULT_KINDS.includes('late'));
});

test('npm pack lists the emulator, its types and the command', T, () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json'], { cwd: pkgDir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = JSON.parse(r.stdout)[0].files.map((f) => f.path);
  for (const f of ['dist/emulator.mjs', 'dist/emulator.d.ts', 'dist/cli.mjs', 'dist/emulator/index.mjs', 'dist/emulator/registry.mjs']) {
    assert.ok(files.includes(f), `${f} is packed`);
  }
  assert.ok(!files.some((f) => f.endsWith('.test.mjs')), 'no test file is packed');
  // Every module the emulator imports relatively is packed.
  for (const f of files.filter((x) => x.startsWith('dist/emulator/'))) {
    for (const [, dep] of readFileSync(join(pkgDir, f), 'utf8').matchAll(/from '\.\/([^']+)'/g)) {
      assert.ok(files.includes(`dist/emulator/${dep}`), `${f} imports ${dep}`);
    }
  }
});

test('installed from the packed tarball into a fresh project: the bin and aggpay/emulator work', T, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aggpay-install-'));
  try {
    const packed = spawnSync('npm', ['pack', pkgDir, '--pack-destination', dir, '--silent'], { cwd: dir, encoding: 'utf8' });
    assert.equal(packed.status, 0, packed.stderr);
    const tgz = packed.stdout.trim().split('\n').pop();
    writeFileSync(join(dir, 'package.json'), '{ "name": "shop", "private": true, "type": "module" }\n');
    // npm here runs no install script, and the package has none to run.
    const installed = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', `./${tgz}`], { cwd: dir, encoding: 'utf8' });
    assert.equal(installed.status, 0, installed.stderr);
    const help = spawnSync(join(dir, 'node_modules/.bin/aggpay'), ['query', '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /usage: aggpay query/);
    writeFileSync(join(dir, 'check.mjs'), `
import { createClient } from 'aggpay';
import { startEmulator, PROVIDERS } from 'aggpay/emulator';
const emu = await startEmulator({ providers: [PROVIDERS[0]] });
const r = await createClient(emu.clientOptions(PROVIDERS[0])).query({ merchantOrderNo: 'nothing-here' });
console.log(JSON.stringify({ url: emu.url, provider: r.provider, at: import.meta.resolve('aggpay/emulator') }));
await emu.stop();
`);
    const { NODE_TEST_CONTEXT, ...env } = process.env;
    const ran = spawnSync(process.execPath, ['check.mjs'], { cwd: dir, encoding: 'utf8', env });
    assert.equal(ran.status, 0, ran.stderr);
    const out = JSON.parse(ran.stdout);
    assert.match(out.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(out.provider, PROVIDERS[0]);
    assert.ok(out.at.startsWith(`file://${dir}/node_modules/aggpay/dist/`), out.at);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the declarations compile with the package types (tsc --strict, loaded by name)', T, () => {
  const src = `
import { createClient } from 'aggpay';
import { startEmulator, type Emulator, type FaultSpec } from 'aggpay/emulator';
export async function run(): Promise<string> {
  const emu: Emulator = await startEmulator({ providers: ['${PROVIDERS[0]}'], port: 0, faults: [{ provider: '${PROVIDERS[0]}', operation: 'query', kind: 'http500' }] });
  const client = createClient(emu.clientOptions('${PROVIDERS[0]}'));
  const f: FaultSpec = { provider: '${PROVIDERS[0]}', operation: 'pay', kind: 'drop-after', count: 2 };
  emu.injectFault(f);
  const barcode: string | undefined = emu.barcodes('${PROVIDERS[0]}').success;
  await emu.stop();
  // @ts-expect-error a fault kind that does not exist
  emu.injectFault({ provider: '${PROVIDERS[0]}', kind: 'meteor' });
  // @ts-expect-error no such option
  await startEmulator({ listen: '0.0.0.0' });
  return \`\${emu.url} \${client.provider} \${barcode}\`;
}
`;
  const { dir, remove } = scratch('aggpay-emu-ts-');
  try {
    writeFileSync(join(dir, 'check.mts'), src);
    const { diagnostics } = typecheck(['check.mts'], { cwd: dir });
    assert.deepEqual(diagnostics.map(show), []);
  } finally {
    remove();
  }
});

test('it listens on 127.0.0.1 only, unless a host is given; stop() closes it; options are checked', T, async () => {
  const one = await startEmulator({ providers: [PROVIDERS[0]] });
  const { port } = new URL(one.url);
  assert.equal(new URL(one.url).hostname, '127.0.0.1');
  assert.deepEqual(one.providers, [PROVIDERS[0]]);
  if (PROVIDERS.length > 1) assert.throws(() => one.clientOptions(PROVIDERS[1]), /not running here/);
  // Not reachable through another local address of this machine (the loopback alias 127.0.0.2 on Linux).
  const reach = (host) => new Promise((ok) => {
    const s = net.connect({ host, port: Number(port) }, () => { s.destroy(); ok(true); });
    s.on('error', () => ok(false));
  });
  assert.equal(await reach('127.0.0.1'), true);
  assert.equal(await reach('127.0.0.2'), false, 'bound to 127.0.0.1, not to every address');
  await one.stop();
  assert.equal(await reach('127.0.0.1'), false, 'stopped');
  await one.stop(); // twice is fine

  await assert.rejects(startEmulator({ listen: '0.0.0.0' }), /unknown option listen/);
  await assert.rejects(startEmulator({ providers: ['nope'] }), /providers must be/);
  await assert.rejects(startEmulator({ port: 70000 }), /port/);
  await assert.rejects(startEmulator({ faults: [{ kind: 'meteor', provider: PROVIDERS[0] }] }), /fault kind/);
});

test('every gateway: a client from clientOptions works; success and declined barcodes; the buyer pays', T, async () => {
  for (const g of described) {
    const p = g.provider;
    const client = createClient(emu.clientOptions(p));
    const codes = emu.barcodes(p);
    if (codes.success && g.pay) {
      const ok = await client.pay({ merchantOrderNo: orderNo('s'), amount: 100, subject: 's', authCode: codes.success, ...g.pay });
      assert.equal(ok.outcome, 'SUCCEEDED', `${p}: ${JSON.stringify(ok.error)}`);
      if (codes.declined) {
        const no = orderNo('d');
        const no2 = await client.pay({ merchantOrderNo: no, amount: 100, subject: 's', authCode: codes.declined, ...g.pay });
        // Refused: FAILED where the client knows the gateway's code, UNKNOWN where it does not; never paid.
        assert.notEqual(no2.outcome, 'SUCCEEDED', `${p}: a declined barcode`);
        assert.ok(emu.ledger(p).filter((e) => e.merchantOrderNo === no).every((e) => !e.paid));
      }
    }
    const qr = orderNo('q');
    const pre = await client.precreate({ merchantOrderNo: qr, amount: 300, subject: 's', ...g.precreate });
    assert.equal(pre.outcome, 'SUCCEEDED', `${p}: ${JSON.stringify(pre.error)}`);
    assert.notEqual((await client.query({ merchantOrderNo: qr, ...g.query })).order.state, 'SUCCESS');
    emu.buyerPays(p, qr);
    const paid = await client.query({ merchantOrderNo: qr, ...g.query });
    assert.equal(paid.order.state, 'SUCCESS', p);
    assert.equal(emu.ledger(p).find((e) => e.merchantOrderNo === qr).held, 300);
    assert.throws(() => emu.buyerPays(p, orderNo('none')), (e) => e instanceof Error && e.status === 404, `${p}: an unknown order`);
    // Declining a waiting QR order: where the gateway has that state; elsewhere an error that says what to do.
    const waiting = orderNo('w');
    await client.precreate({ merchantOrderNo: waiting, amount: 300, subject: 's', ...g.precreate });
    try {
      emu.buyerDeclines(p, waiting);
      const q = await client.query({ merchantOrderNo: waiting, ...g.query });
      assert.ok(['FAILED', 'CLOSED'].includes(q.order.state), `${p}: declined is ${q.order.state}`);
    } catch (e) {
      assert.match(e.message, /no way for a buyer to decline/);
    }
  }
});

test('every gateway: a fault named by provider and operation hits that operation only, once', T, async () => {
  for (const g of described) {
    const p = g.provider;
    const client = createClient({ ...emu.clientOptions(p), timeoutMs: 3000 });
    const no = orderNo('f');
    await client.precreate({ merchantOrderNo: no, amount: 200, subject: 's', ...g.precreate });
    emu.injectFault({ provider: p, operation: 'query', kind: 'http500' });
    assert.equal(emu.faults().length, 1);
    const hit = await client.query({ merchantOrderNo: no, ...g.query });
    assert.equal(hit.outcome, 'UNKNOWN', `${p}: the faulted query`);
    assert.equal(emu.faults().length, 0, 'used once');
    assert.notEqual((await client.query({ merchantOrderNo: no, ...g.query })).outcome, 'UNKNOWN', `${p}: the next query is untouched`);
  }
  // Another gateway's fault does not touch this one.
  if (described.length > 1) {
    const [a, b] = described;
    emu.injectFault({ provider: b.provider, operation: 'query', kind: 'http500' });
    const client = createClient(emu.clientOptions(a.provider));
    const r = await client.query({ merchantOrderNo: orderNo('x'), ...a.query });
    assert.notEqual(r.error?.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(emu.faults().length, 1);
    emu.clearFaults();
  }
  assert.throws(() => emu.injectFault({ provider: PROVIDERS[0], operation: 'teleport', kind: 'http500' }), /fault operation/);
  // The same seeded chaos the reliability run uses: on, counted, off.
  emu.chaos.set({ seed: 7, rate: 1, kinds: ['http500'], providers: [PROVIDERS[0]] });
  const g = described[0];
  const r = await createClient(emu.clientOptions(g.provider)).query({ merchantOrderNo: orderNo('c'), ...g.query });
  assert.equal(r.outcome, 'UNKNOWN');
  assert.equal(emu.chaos.stats().injected, 1);
  emu.chaos.clear();
});

test('every gateway: the buyer pays and the notification reaches the URL the test gives, and verifies', T, async () => {
  const clients = Object.fromEntries(described.map((g) => [g.provider, createClient(emu.clientOptions(g.provider))]));
  const merchant = await startMerchant({ path: '/notify', answer: verifying((entry) => clients[entry.path.split('/').pop()]) });
  try {
    for (const g of described) {
      const p = g.provider;
      const no = orderNo('n');
      const url = `${merchant.base}/notify/${p}`;
      await clients[p].precreate({ merchantOrderNo: no, amount: 400, subject: 's', notifyUrl: url, ...g.precreate });
      emu.buyerPays(p, no);
      await emu.settle();
      const got = merchant.received.filter((e) => e.path === `/notify/${p}`);
      assert.ok(got.length >= 1, `${p}: a notification arrived`);
      const last = got.at(-1);
      // A signed gateway's notice verifies; one that signs nothing is read unverified or refused as unverifiable.
      if (emu.notificationsSigned(p)) {
        assert.equal(last.error, undefined, `${p}: ${last.error?.message}`);
        assert.equal(last.verified.order.merchantOrderNo, no);
        assert.equal(last.verified.order.amounts.total, 400);
      }
      const log = emu.notifications(p).filter((e) => e.url === url);
      assert.ok(log.length >= 1);
      assert.equal(log.at(-1).body, last.body.toString('utf8'), 'the log holds the exact body the merchant got');
      // Once more, now, to a URL given here.
      const again = await emu.sendNotification(p, no, url);
      assert.ok(again.status >= 200, `${p}: ${JSON.stringify(again)}`);
    }
  } finally {
    await merchant.close();
  }
});

test('faults and chaos given at start; reset() forgets orders, faults and chaos', T, async () => {
  const [g] = described;
  const p = g.provider;
  const own = await startEmulator({ providers: [p], faults: [{ provider: p, operation: 'query', kind: 'http500', count: 2 }] });
  try {
    assert.equal(own.faults()[0].count, 2);
    const client = createClient(own.clientOptions(p));
    const no = orderNo('r');
    await client.precreate({ merchantOrderNo: no, amount: 100, subject: 's', ...g.precreate });
    assert.ok(own.order(p, no), 'the order exists');
    own.chaos.set({ seed: 'x', rate: 0.5 });
    await own.reset();
    assert.equal(own.order(p, no), undefined, 'orders forgotten');
    assert.deepEqual(own.faults(), [], 'faults forgotten');
    assert.equal(own.chaos.stats().enabled, false, 'chaos off');
    assert.ok(own.credentials(p), 'credentials stay');
    assert.ok(own.banners().length >= 0);
  } finally {
    await own.stop();
  }
  const chaotic = await startEmulator({ providers: [p], chaos: { seed: 1, rate: 1, kinds: ['http500'] } });
  try {
    const r = await createClient(chaotic.clientOptions(p)).query({ merchantOrderNo: orderNo('k'), ...g.query });
    assert.equal(r.outcome, 'UNKNOWN');
    assert.equal(chaotic.chaos.stats().byKind.http500, 1);
  } finally {
    await chaotic.stop();
  }
});

test('the sample merchant suite (js-examples/merchant-tests) passes through the built package', T, async () => {
  // As its own run (the runner marks a child it starts with NODE_TEST_CONTEXT: not this one).
  const { NODE_TEST_CONTEXT, ...env } = process.env;
  const child = spawn(process.execPath, ['--test', 'js-examples/merchant-tests/'], { cwd: root, env });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const code = await new Promise((ok) => child.on('close', ok));
  assert.equal(code, 0, out);
  assert.match(out, /# pass [1-9]/);
  assert.match(out, /# fail 0/);
});
