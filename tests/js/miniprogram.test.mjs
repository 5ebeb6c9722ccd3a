// aggpay/miniprogram in a mini-program sandbox (tests/miniprogram/sandbox.mjs): a node:vm context with only
// wx (request over real HTTP, getRandomValues), WXWebAssembly (a code package path only, never bytes),
// console, timers and the language — no WebAssembly, fetch, TextEncoder/TextDecoder, atob/btoa, crypto,
// AbortController, Node modules, eval. The built entry loads there as CommonJS, runs the runtime
// conformance cases against the emulator over 127.0.0.1, signs Lakala requests with the Rust signer fed from
// wx.getRandomValues, and the cashier example runs its page there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startEmulator } from '../../js-examples/emulator/index.mjs';
import { createMiniProgram } from '../miniprogram/sandbox.mjs';
import { runCashier, runCheckout, miniprogramDirOf } from '../../js-examples/miniprogram-cashier/run.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = join(root, 'pkg/dist');
const quiet = { log() {}, info() {}, warn() {}, error() {} };
// Values made in the sandbox have its own Object and Array: compare them as plain data.
const plain = (v) => JSON.parse(JSON.stringify(v));

let emu;
let casesSource;
before(async () => {
  emu = await startEmulator({ port: 0 });
  // The conformance cases, as CommonJS for the sandbox (they use nothing a mini-program lacks).
  const out = await build({ entryPoints: [join(root, 'tests/conformance/cases.mjs')], bundle: true, write: false, format: 'cjs', platform: 'neutral', target: 'es2017', logLevel: 'silent' });
  casesSource = out.outputFiles[0].text;
});
after(async () => {
  await emu?.close();
});

// The package's dist as a library folder of a mini-program's code package; closed when the test ends.
const withDist = (t, options = {}) => {
  const mp = createMiniProgram({ mounts: { '/lib/aggpay': dist }, log: quiet, ...options });
  t.after(() => mp.close());
  return mp;
};

test('the sandbox has only what a mini-program has', (t) => {
  const mp = withDist(t);
  assert.deepEqual(mp.forbiddenPresent(), []);
  assert.throws(() => mp.run('eval("1")'), /Code generation from strings disallowed/);
  assert.throws(() => mp.require('node:fs'), /module "node:fs" is not defined/);
  assert.throws(() => mp.require('/lib/aggpay/index.cjs'), /module "node:fs" is not defined/, 'the Node entry cannot load here');
});

test('aggpay/miniprogram (dist/miniprogram.cjs): the conformance cases over wx.request, the Rust signer for Lakala', async (t) => {
  const mp = withDist(t);
  const aggpay = mp.require('/lib/aggpay/miniprogram.cjs');
  assert.deepEqual(Object.keys(aggpay).sort(), ['AggpayError', 'createClient', 'default', 'fenToYuan', 'init', 'wxFetch', 'yuanToFen']);
  // The polyfills went in before the glue; nothing is loaded yet.
  assert.equal(mp.run('typeof TextDecoder + typeof TextEncoder + typeof atob + typeof btoa + typeof crypto.getRandomValues'), 'functionfunctionfunctionfunctionfunction');
  assert.equal(mp.run('typeof WebAssembly'), 'undefined');
  assert.throws(() => aggpay.yuanToFen('1.00'), (e) => e instanceof aggpay.AggpayError && e.code === 'INVALID_CONFIG');

  const t0 = Date.now();
  await aggpay.init('/lib/aggpay/miniprogram/aggpay_bg.wasm.br');
  const loadMs = Date.now() - t0;
  assert.deepEqual(mp.stats.instantiated, ['/lib/aggpay/miniprogram/aggpay_bg.wasm.br']);
  assert.ok(mp.stats.randomCalls >= 1, 'the randomness pool was filled from wx.getRandomValues before the first call');
  await aggpay.init('/lib/aggpay/miniprogram/aggpay_bg.wasm.br'); // once: the same promise
  assert.equal(mp.stats.instantiated.length, 1);

  const { runConformance } = mp.evaluate(casesSource, 'cases.js');
  const before = mp.stats.requestLog.length;
  // No clientFetch: the clients use the entry's default transport, wx.request.
  const report = await runConformance({ aggpay, emulatorUrl: emu.url, fetch: aggpay.wxFetch, tag: 'mp' });
  assert.deepEqual(plain(report.failed), []);
  assert.ok(report.passed.length >= 6, `${report.passed.length} cases`);
  // Neither node:crypto nor WebCrypto here: signed answers and notifications are verified by the Rust verifier.
  assert.deepEqual(plain(report.verifiers), { shouqianba: 'wasm', fubei: null, lakala: 'wasm', tingyihui: null });
  const gatewayCalls = mp.stats.requestLog.slice(before).filter((r) => !r.url.includes('/__emulator/'));
  assert.ok(gatewayCalls.some((r) => r.url.endsWith('/upay/v2/pay')), 'Shouqianba went through wx.request');
  assert.ok(gatewayCalls.some((r) => r.url.includes('/lakala/')), 'Lakala went through wx.request');

  // Lakala: the RSA request is signed in wasm (no WebCrypto, no node:crypto here), blinding fed from the pool.
  const lk = await (await aggpay.wxFetch(`${emu.url}/__emulator/lakala/credentials`)).json();
  const c = aggpay.createClient({
    provider: 'lakala', baseUrl: `${emu.url}/lakala`,
    credentials: { appId: lk.appId, serialNo: lk.serialNo, privateKey: lk.privateKeyPem, platformCertificate: lk.platformCertificatePem, merchantNo: lk.merchantNo, termNo: lk.termNo },
  });
  assert.equal(c.signer, 'wasm');
  for (let i = 0; i < 3; i++) {
    const merchantOrderNo = `MPL${Date.now().toString(36)}${i}`;
    const pay = await c.pay({ merchantOrderNo, amount: 100 + i, subject: 'mp', authCode: '130000000000000001', clientIp: '127.0.0.1' });
    assert.equal(pay.outcome, 'SUCCEEDED', JSON.stringify(pay.error));
  }
  console.log(`# mini-program sandbox: wasm loaded in ${loadMs} ms; ${mp.stats.requests} wx.request calls; ${mp.stats.randomCalls} wx.getRandomValues calls`);
});

test('randomness comes from wx.getRandomValues through a pool: topped up before a wasm signature, never a weaker source', async (t) => {
  const mp = withDist(t);
  const aggpay = mp.require('/lib/aggpay/miniprogram.cjs');
  await aggpay.init('/lib/aggpay/miniprogram/aggpay_bg.wasm.br');
  const filled = mp.stats.randomCalls;
  assert.equal(filled, 1, 'one fill before init');
  const m = emu.lakala.merchant;
  const c = aggpay.createClient({
    provider: 'lakala', baseUrl: `${emu.url}/lakala`,
    credentials: { appId: m.appId, serialNo: m.serialNo, privateKey: m.privateKeyPem, platformCertificate: emu.lakala.platformCertificatePem, merchantNo: m.merchantNo, termNo: m.termNo },
  });
  assert.equal(c.signer, 'wasm');
  // Use 40 KiB of the 64 KiB pool: below the reserve a signature wants, above the background refill mark.
  mp.run('for (let i = 0; i < 10; i++) crypto.getRandomValues(new Uint8Array(4096))');
  assert.equal(mp.stats.randomCalls, filled);
  const pay = await c.pay({ merchantOrderNo: `MPR${Date.now().toString(36)}`, amount: 77, subject: 'mp', authCode: '130000000000000001', clientIp: '127.0.0.1' });
  assert.equal(pay.outcome, 'SUCCEEDED', JSON.stringify(pay.error));
  assert.equal(mp.stats.randomCalls, filled + 1, 'topped up before the signature');
  // Drained synchronously (wx.getRandomValues answers later): an error, not Math.random.
  assert.throws(() => mp.run('for (let i = 0; i < 100; i++) crypto.getRandomValues(new Uint8Array(4096))'), /randomness pool .* is empty/);
  await new Promise((r) => setTimeout(r, 20)); // the background refill lands
  assert.equal(mp.run('crypto.getRandomValues(new Uint8Array(16)).length'), 16);
  assert.throws(() => mp.run('crypto.getRandomValues(new Uint8Array(65537))'), /at most 65536/);
  assert.throws(() => mp.run('crypto.getRandomValues(new Float64Array(2))'), /integer TypedArray/);
});

test('WXWebAssembly takes only a package path; a wrong path is INVALID_CONFIG and init can be tried again', async (t) => {
  const mp = withDist(t);
  const aggpay = mp.require('/lib/aggpay/miniprogram.cjs');
  await assert.rejects(mp.run('WXWebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]), {})'), /code package path/);
  await assert.rejects(aggpay.init(), (e) => {
    assert.ok(e instanceof aggpay.AggpayError, String(e));
    assert.equal(e.code, 'INVALID_CONFIG');
    assert.match(e.message, /\/miniprogram_npm\/aggpay\/aggpay_bg\.wasm\.br/);
    return true;
  });
  await assert.rejects(aggpay.init('lib/aggpay/miniprogram/aggpay_bg.wasm.br'), /absolute path/);
  await assert.rejects(aggpay.init('/lib/aggpay/../../../etc/passwd.wasm'), /INVALID_CONFIG|could not instantiate/);
  await aggpay.init('/lib/aggpay/miniprogram/aggpay_bg.wasm.br');
  assert.equal(aggpay.fenToYuan(980), '9.80');
});

test('wx.request adapter: exact bytes both ways, status, lower-cased headers, abort through the request task', async (t) => {
  const answer = Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a, 0xe4, 0xb8, 0x80, 0xc3]); // not UTF-8, CRLF, NUL
  const seen = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks) });
      if (req.url.startsWith('/hang')) return; // never answers
      res.writeHead(418, [['X-Sign-Test', 'A'], ['Set-Thing', '1'], ['Content-Type', 'application/octet-stream']]);
      res.end(answer);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  const mp = withDist(t);
  const aggpay = mp.require('/lib/aggpay/miniprogram.cjs');
  await aggpay.init('/lib/aggpay/miniprogram/aggpay_bg.wasm.br');
  const body = '{"subject":"茶 ☕","n":1}';
  const res = await aggpay.wxFetch(`${base}/x`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  assert.equal(res.status, 418);
  assert.equal(res.ok, false);
  assert.equal(res.headers.get('x-sign-test'), 'A');
  assert.deepEqual([...res.headers.entries()].map(([k]) => k).filter((k) => k.startsWith('x-') || k.startsWith('set-')), ['x-sign-test', 'set-thing']);
  assert.deepEqual(Buffer.from(new Uint8Array(await res.arrayBuffer())), answer);
  assert.deepEqual(seen[0].body, Buffer.from(body, 'utf8'));
  assert.equal(seen[0].headers['content-type'], 'application/json');

  // Abort: the request task is aborted.
  const ctl = mp.run('new AbortController()');
  const pending = aggpay.wxFetch(`${base}/hang`, { method: 'POST', body: 'x', signal: ctl.signal });
  await new Promise((r) => setTimeout(r, 50));
  ctl.abort();
  await assert.rejects(pending, (e) => e.name === 'AbortError');
  assert.equal(mp.stats.aborts, 1);
  const sent = mp.stats.requests;
  await assert.rejects(aggpay.wxFetch(`${base}/x`, { signal: mp.run('AbortSignal.abort()') }), (e) => e.name === 'AbortError');
  assert.equal(mp.stats.requests, sent, 'an aborted signal sends nothing');

  // A client's timeout aborts the task too, and the outcome is UNKNOWN (the gateway may have acted).
  const creds = emu.shouqianba.credentials;
  const c = aggpay.createClient({ provider: 'shouqianba', baseUrl: `${base}/hang`, timeoutMs: 200, credentials: { terminalSn: creds.terminalSn, terminalKey: creds.terminalKey } });
  const r = await c.query({ merchantOrderNo: 'NOPE1' });
  assert.equal(r.outcome, 'UNKNOWN');
  assert.equal(mp.stats.aborts, 2);
});

test("the polyfills agree with the platform's TextEncoder, TextDecoder, atob and btoa", async (t) => {
  const mp = withDist(t);
  mp.require('/lib/aggpay/miniprogram.cjs');
  const [TE, TD, atobMp, btoaMp] = mp.run('[TextEncoder, TextDecoder, atob, btoa]');
  const enc = new TE();
  const dec = new TD('utf-8', { ignoreBOM: true });
  const decBom = new TD();
  const fatal = new TD('utf-8', { fatal: true });
  let seed = 7;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const pieces = ['a', 'é', '茶', '☕', '😀', '\ud800', '\udc00', '\u0000', '\ufeff', '\u07ff', '\uffff'];
  for (let i = 0; i < 2000; i++) {
    const s = Array.from({ length: rnd(12) }, () => pieces[rnd(pieces.length)]).join('');
    assert.deepEqual(Buffer.from(enc.encode(s)), Buffer.from(new TextEncoder().encode(s)), JSON.stringify(s));
    const into = new Uint8Array(rnd(20));
    const want = new Uint8Array(into.length);
    assert.deepEqual(plain(enc.encodeInto(s, into)), new TextEncoder().encodeInto(s, want));
    assert.deepEqual(Buffer.from(into), Buffer.from(want));
    const bytes = new Uint8Array(Array.from({ length: rnd(16) }, () => [0x41, 0x80, 0xbf, 0xc2, 0xe0, 0xed, 0xa0, 0xf0, 0x90, 0xf4, 0x8f, 0xff, 0xef, 0xbb][rnd(14)]));
    assert.equal(dec.decode(bytes), new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), `${[...bytes]}`);
    assert.equal(decBom.decode(bytes), new TextDecoder().decode(bytes), `${[...bytes]}`);
    let mine;
    let theirs;
    try { mine = fatal.decode(bytes); } catch { mine = 'threw'; }
    try { theirs = new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { theirs = 'threw'; }
    assert.equal(mine, theirs);
    const latin = Array.from({ length: rnd(10) }, () => String.fromCharCode(rnd(256))).join('');
    assert.equal(btoaMp(latin), btoa(latin));
    assert.equal(atobMp(btoa(latin)), latin);
  }
  for (const b64 of ['', 'QQ', 'QQ=', 'QQ==', ' Q Q = = ', 'QUJD', 'QUJ', 'Q', 'QQ===', 'Q=Q=', '@@@@', 'QUJD\nRA==']) {
    let mine;
    let theirs;
    try { mine = atobMp(b64); } catch (e) { mine = e.name; }
    try { theirs = atob(b64); } catch (e) { theirs = e.name; }
    assert.equal(mine, theirs, JSON.stringify(b64));
  }
  assert.throws(() => btoaMp('茶'), (e) => e.name === 'InvalidCharacterError');
});

test('the cashier example: app.js launches, the page scans and charges with payAndConfirm (node js-examples/miniprogram-cashier/run.mjs)', async (t) => {
  const paid = await runCashier({ emulatorUrl: emu.url, barcode: '130000000000000001', amount: '12.34', log: quiet, deviceId: 'till-test' });
  assert.equal(paid.data.status, 'PAID', paid.data.message);
  assert.equal(paid.data.paidYuan, '12.34');
  assert.deepEqual(paid.stats.instantiated, ['/miniprogram_npm/aggpay/aggpay_bg.wasm.br'], 'the default path, as DevTools builds npm');
  assert.notEqual(paid.till.terminalKey, undefined);
  assert.equal(paid.till.terminalKey, emu.shouqianba.credentials.terminalKey, 'the till checked in and kept its rotated key');
  const ledger = await (await fetch(`${emu.url}/__emulator/shouqianba/orders/${paid.data.orderNo}`)).json();
  assert.equal(ledger.total, 1234);

  const declined = await runCashier({ emulatorUrl: emu.url, barcode: '940000000000000001', amount: '5.00', log: quiet, deviceId: 'till-test' });
  assert.equal(declined.data.status, 'FAILED');
  assert.match(declined.data.message, /no money was taken/);

  // Every handler the page's template names exists on the page.
  const dir = miniprogramDirOf('aggpay');
  assert.ok(dir.endsWith(join('dist', 'miniprogram')), dir);
  const wxml = readFileSync(join(root, 'js-examples/miniprogram-cashier/pages/cashier/index.wxml'), 'utf8');
  const handlers = [...wxml.matchAll(/\bbind\w+="(\w+)"/g)].map((m) => m[1]);
  assert.ok(handlers.length >= 2);
  const mp = createMiniProgram({ mounts: { '/': join(root, 'js-examples/miniprogram-cashier'), '/miniprogram_npm/aggpay': dir }, log: quiet });
  t.after(() => mp.close());
  mp.storage.set('aggpay.till', { baseUrl: emu.url, terminalSn: 'x', terminalKey: 'y', deviceId: 'z', operator: 'o' });
  const page = mp.openPage('pages/cashier/index');
  for (const h of handlers) assert.equal(typeof page[h], 'function', `${h} in index.wxml`);
});

test('the checkout example: a MINI_PROGRAM order for the buyer, paid on wx.requestPayment, confirmed by the server', async () => {
  const { startCashier } = await import('../../js-examples/browser-cashier/serve.mjs');
  const shop = await startCashier({ port: 0, queryEveryMs: 100 });
  try {
    const out = await runCheckout({
      serverUrl: shop.url,
      log: quiet,
      // The buyer confirms on the pay sheet: the wallet pays the order at the gateway.
      pay: async () => {
        const [no] = [...shop.orders.keys()].slice(-1);
        const res = await fetch(`${shop.emulatorUrl}/__emulator/shouqianba/buyer-pays`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_sn: no }),
        });
        assert.equal(res.status, 200);
      },
    });
    assert.equal(out.data.status, 'PAID', out.data.message);
    assert.deepEqual(Object.keys(out.sheet).sort(), ['appId', 'nonceStr', 'package', 'paySign', 'signType', 'timeStamp'],
      'wx.requestPayment got exactly its six keys');
    assert.ok(Object.values(out.sheet).every((v) => typeof v === 'string' && v), 'all strings');
    const order = shop.orders.get(out.data.orderNo);
    assert.equal(order.wallet, 'WECHAT');
    assert.ok(['query', 'notification'].includes(order.source), 'PAID comes from the server, not the pay sheet');
    const source = readFileSync(join(root, 'js-examples/miniprogram-cashier/pages/checkout/index.js'), 'utf8');
    assert.doesNotMatch(source, /require\(['"]aggpay/, 'the checkout page holds no gateway credential and needs no aggpay');

    // Every handler the checkout template names exists on the page.
    const wxml = readFileSync(join(root, 'js-examples/miniprogram-cashier/pages/checkout/index.wxml'), 'utf8');
    const mp = createMiniProgram({ mounts: { '/': join(root, 'js-examples/miniprogram-cashier'), '/miniprogram_npm/aggpay': miniprogramDirOf('aggpay') }, log: quiet });
    try {
      const page = mp.openPage('pages/checkout/index');
      for (const [, h] of wxml.matchAll(/\bbind\w+="(\w+)"/g)) assert.equal(typeof page[h], 'function', `${h} in index.wxml`);
    } finally {
      mp.close();
    }
  } finally {
    await shop.close();
  }
});
