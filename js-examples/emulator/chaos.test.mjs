// Tests of the seeded chaos faults and the uniform ledger(): raw fetch + node:crypto signing, no library code.
// Run: node --test js-examples/emulator/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { startEmulator, mulberry32, CHAOS_KINDS } from './index.mjs';

const md5 = (s) => crypto.createHash('md5').update(s, 'utf8').digest('hex');
const line = (...parts) => Buffer.concat(parts.flatMap((p) => [Buffer.from(p), Buffer.from('\n')]));

let emu;
let seq = 0;
const uniq = (p) => `${p}${Date.now()}${seq++}`;
const fast = { notifyRetryDelays: [20, 20, 20] };

before(async () => {
  emu = await startEmulator({ shouqianba: fast, fubei: fast, lakala: fast, tingyihui: fast });
});
after(async () => { await emu.close(); });

/** Resets the emulator (orders, faults, chaos) between tests: each test starts from a clean state. */
async function reset(e = emu) {
  const res = await fetch(`${e.url}/__emulator/reset`, { method: 'POST' });
  assert.equal(res.status, 200);
  await res.text();
}

const control = async (path, method = 'GET', body, e = emu) => {
  const res = await fetch(`${e.url}/__emulator${path}`, {
    method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
};

// ---- one signed raw call per provider; each answers the fetch Response (or rejects when the socket drops) ----

function shq(path, fields, { e = emu, signal } = {}) {
  const { terminalSn, terminalKey } = e.shouqianba.credentials;
  const body = JSON.stringify({ terminal_sn: terminalSn, ...fields });
  return fetch(`${e.url}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `${terminalSn} ${md5(body + terminalKey)}` }, body, signal,
  });
}
const shqPay = (clientSn, extra = {}, opts) => shq('/upay/v2/pay', {
  client_sn: clientSn, total_amount: '1000', dynamic_id: '134567890123456789', subject: 's', operator: 'op', ...extra,
}, opts);

function fubei(method, biz, { e = emu, v2 = false } = {}) {
  const c = e.fubei.credentials;
  const env = {
    ...(v2 ? { vendor_sn: c.vendorSn } : { app_id: c.appId }), method, nonce: crypto.randomBytes(8).toString('hex'),
    biz_content: JSON.stringify(v2 ? { merchant_id: c.merchantId, ...biz } : biz),
  };
  const base = Object.keys(env).sort().map((k) => `${k}=${env[k]}`).join('&');
  env.sign = md5(base + (v2 ? c.vendorSecret : c.appSecret)).toUpperCase();
  return fetch(`${e.url}/fubei/gateway${v2 ? '/agent' : ''}`, { method: 'POST', body: JSON.stringify(env) });
}
const fubeiSwipe = (sn, extra = {}, opts) => fubei('openapi.payment.order.swipe', {
  merchant_order_sn: sn, auth_code: '134567890123456789', total_fee: 9.8, ...extra,
}, opts);

const LKL = '/lakala/api/v3/labs';
function lakala(path, reqData, { e = emu } = {}) {
  const m = e.lakala.merchant;
  const body = JSON.stringify({ req_time: '20260101120000', version: '3.0', req_data: { merchant_no: m.merchantNo, term_no: m.termNo, ...reqData } });
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = crypto.randomBytes(6).toString('hex');
  const signature = crypto.sign('sha256', line(m.appId, m.serialNo, ts, nonce, body), m.privateKeyPem).toString('base64');
  return fetch(`${e.url}${LKL}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `LKLAPI-SHA256withRSA appid="${m.appId}",serial_no="${m.serialNo}",timestamp="${ts}",nonce_str="${nonce}",signature="${signature}"`,
    },
    body,
  });
}
const loc = { location_info: { request_ip: '10.0.0.1' } };
const lklPay = (outTradeNo, extra = {}, opts) => lakala('/trans/micropay', {
  out_trade_no: outTradeNo, auth_code: '134567890123456789', total_amount: '1000', ...loc, ...extra,
}, opts);

/** Verifies Lakala's Lklapi-* response signature with the platform certificate. */
function lklVerified(headers, text, e = emu) {
  const sig = headers.get('lklapi-signature');
  if (!sig) return false;
  const pub = new crypto.X509Certificate(e.lakala.platformCertificatePem).publicKey;
  const msg = line(headers.get('lklapi-appid'), headers.get('lklapi-serial'), headers.get('lklapi-timestamp'), headers.get('lklapi-nonce'), text);
  return crypto.verify('sha256', msg, pub, Buffer.from(sig, 'base64'));
}

function tyh(path, business, { e = emu } = {}) {
  const m = e.tingyihui.merchant;
  const data = Buffer.from(JSON.stringify(business), 'utf8').toString('base64');
  const timeStamp = Date.now();
  const sign = crypto.sign('sha256', Buffer.from(`${m.accessId}${data}RSA2${timeStamp}`), m.privateKeyPem).toString('base64');
  return fetch(`${e.url}/tingyihui/os-base${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ access_id: m.accessId, data, sign, sign_type: 'RSA2', time_stamp: timeStamp }),
  });
}
const tyhCreate = (ownerTradeNo, extra = {}, opts) => tyh('/trade/v2/open', {
  osMerchantCode: (opts?.e ?? emu).tingyihui.merchant.osMerchantCode, ownerTradeNo, payChannel: 'WX_PAY',
  payProduct: 'USER_QR', title: 't', orderFee: 1000, ...extra,
}, opts);

/** A call's outcome as a comparable label: "<status> <text>" or "dropped". */
async function outcome(promise) {
  try {
    const res = await promise;
    return `${res.status} ${await res.text()}`;
  } catch {
    return 'dropped';
  }
}

/** A merchant endpoint acknowledging every provider's way (Lakala wants JSON, the others "success"). */
async function startMerchant() {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.end(req.url.startsWith('/lakala') ? '{"code":"SUCCESS","message":"执行成功"}' : 'success');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: (name) => `${base}/${name}/notify`,
    received,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

// ---- tests ----

test('mulberry32 is deterministic for a seed and stays in [0, 1)', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, mulberry32(43)));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(mean > 0.45 && mean < 0.55, `mean ${mean}`);
});

test('determinism: the same seed and the same request sequence give the same faults and outcomes', async () => {
  /** 48 sequential requests over the four providers with fixed order numbers; returns what happened. */
  async function run(seed) {
    await reset();
    emu.chaos.set({ seed, rate: 0.5, delayMs: 5 });
    const outcomes = [];
    for (let i = 0; i < 12; i++) {
      outcomes.push(await outcome(shqPay(`det-s${i}`)));
      outcomes.push(await outcome(fubeiSwipe(`det-f${i}`)));
      outcomes.push(await outcome(lklPay(`det-l${i}`)));
      outcomes.push(await outcome(tyhCreate(`det-t${i}`)));
    }
    // Answers carry fresh ids, times and signatures: keep what the faults decide (code, state, dropped or not).
    const shape = outcomes.map((o) => (o === 'dropped' ? o : o.slice(0, 3)));
    const ledger = emu.ledger().map((l) => [l.provider, l.merchantOrderNo, l.paid, l.state]);
    return { stats: emu.chaos.stats(), shape, ledger };
  }
  const first = await run('reliability-1');
  const second = await run('reliability-1');
  assert.deepEqual(second.stats, first.stats);
  assert.deepEqual(second.shape, first.shape);
  assert.deepEqual(second.ledger, first.ledger);
  assert.equal(first.stats.requests, 48);
  assert.ok(first.stats.injected >= 12 && first.stats.injected <= 36, `injected ${first.stats.injected}`);
  assert.ok(Object.values(first.stats.byKind).filter((n) => n > 0).length >= 4, JSON.stringify(first.stats.byKind));
  assert.equal(first.stats.log.length, first.stats.injected);
  for (const entry of first.stats.log) {
    assert.ok(CHAOS_KINDS.includes(entry.kind));
    assert.match(entry.merchantOrderNo, /^det-[sflt]\d+$/);
    assert.equal(entry.provider, { s: 'shouqianba', f: 'fubei', l: 'lakala', t: 'tingyihui' }[entry.merchantOrderNo[4]]);
  }
  // bad-signature only ever lands on Lakala, stuck only on barcode pays (Tingyihui has none)
  assert.equal(first.stats.byProvider.tingyihui.byKind.stuck, 0);
  for (const p of ['shouqianba', 'fubei', 'tingyihui']) assert.equal(first.stats.byProvider[p].byKind['bad-signature'], 0);
  // per-provider counts add up
  const sum = (k) => Object.values(first.stats.byProvider).reduce((s, p) => s + p[k], 0);
  assert.deepEqual([sum('requests'), sum('injected')], [48, first.stats.injected]);

  const other = await run('reliability-2');
  assert.notDeepEqual(other.stats.log.map((l) => [l.seq, l.kind]), first.stats.log.map((l) => [l.seq, l.kind]));
  await reset();
});

test('each kind: drop-before, drop-after, http500, delay (beyond the client timeout)', async () => {
  await reset();
  emu.chaos.set({ seed: 7, rate: 1, kinds: ['drop-before'] });
  await assert.rejects(shqPay('k-db'));
  assert.equal(emu.shouqianba.order('k-db'), undefined, 'not processed');

  emu.chaos.set({ seed: 7, rate: 1, kinds: ['drop-after'] });
  await assert.rejects(fubeiSwipe('k-da'));
  assert.equal(emu.fubei.order('k-da').state, 'SUCCESS', 'processed: the gateway acted');

  emu.chaos.set({ seed: 7, rate: 1, kinds: ['http500'] });
  const r500 = await lklPay('k-500');
  assert.equal(r500.status, 500);
  await r500.text();
  assert.equal(emu.lakala.order('k-500'), undefined);

  emu.chaos.set({ seed: 7, rate: 1, kinds: ['delay'], delayMs: 600 });
  // a client with a 200 ms timeout gives up; the gateway acted anyway
  await assert.rejects(shq('/upay/v2/pay', {
    client_sn: 'k-delay', total_amount: '1', dynamic_id: '13', subject: 's', operator: 'o',
  }, { signal: AbortSignal.timeout(200) }), /timeout|abort/i);
  assert.equal(emu.shouqianba.order('k-delay').order_status, 'PAID');
  const t0 = Date.now();
  const slow = await shq('/upay/v2/query', { client_sn: 'k-delay' });
  assert.ok(Date.now() - t0 >= 590);
  assert.equal((await slow.json()).biz_response.data.order_status, 'PAID', 'a patient client gets the answer');
  // set() restarted the counters: the pay and the query
  assert.deepEqual(Object.fromEntries(Object.entries(emu.chaos.stats().byKind).filter(([, n]) => n)), { delay: 2 });
  emu.chaos.clear();
});

test('each kind: maintenance is each provider\'s own envelope, not processed', async () => {
  await reset();
  emu.chaos.set({ seed: 1, rate: 1, kinds: ['maintenance'] });
  const s = await (await shqPay('m-s')).json();
  assert.deepEqual([s.result_code, s.error_code], ['500', 'MAINTENANCE_INPROGRESS']);
  const f = await (await fubeiSwipe('m-f')).json();
  assert.deepEqual([f.result_code, f.sub_code], [500, 'SYSTEMERROR']);
  const lres = await lklPay('m-l');
  const ltext = await lres.text();
  assert.equal(lres.status, 200);
  assert.equal(JSON.parse(ltext).code, 'EMU50300', 'a code no client knows');
  assert.ok(lklVerified(lres.headers, ltext), 'still signed');
  const t = await (await tyhCreate('m-t')).json();
  assert.deepEqual([t.code, t.data], [5000, null]);
  assert.deepEqual(emu.ledger(), [], 'nothing was processed');
  const st = emu.chaos.stats();
  assert.equal(st.byKind.maintenance, 4);
  for (const p of ['shouqianba', 'fubei', 'lakala', 'tingyihui']) assert.equal(st.byProvider[p].byKind.maintenance, 1, p);
  emu.chaos.clear();
});

test('each kind: bad-signature corrupts Lakala\'s response signature (processed); other providers are untouched', async () => {
  await reset();
  emu.chaos.set({ seed: 3, rate: 1, kinds: ['bad-signature'] });
  const res = await lklPay('b-l');
  const text = await res.text();
  assert.equal(JSON.parse(text).code, 'BBS00000');
  assert.ok(res.headers.get('lklapi-signature'));
  assert.equal(lklVerified(res.headers, text), false);
  assert.equal(emu.lakala.order('b-l').trade_state, 'SUCCESS', 'processed');
  // not applicable to unsigned providers: no fault, nothing counted
  assert.equal((await (await shqPay('b-s')).json()).biz_response.result_code, 'PAY_SUCCESS');
  const st = emu.chaos.stats();
  assert.deepEqual([st.requests, st.injected, st.byProvider.lakala.byKind['bad-signature'], st.byProvider.shouqianba.injected], [2, 1, 1, 0]);
  emu.chaos.clear();
});

test('each kind: stuck — the barcode pay stays in progress until reversed (Shouqianba, Fubei 1.0/2.0, Lakala)', async () => {
  await reset();
  emu.chaos.set({ seed: 5, rate: 1, kinds: ['stuck'] });
  // Shouqianba
  const p = await (await shqPay('st-s')).json();
  assert.equal(p.biz_response.result_code, 'PAY_IN_PROGRESS');
  for (let i = 0; i < 4; i++) {
    const q = await (await shq('/upay/v2/query', { client_sn: 'st-s' })).json();
    assert.equal(q.biz_response.data.order_status, 'CREATED');
  }
  const c = await (await shq('/upay/v2/cancel', { client_sn: 'st-s' })).json();
  assert.equal(c.biz_response.data.order_status, 'CANCELED');
  // Fubei 1.0 and 2.0
  assert.equal((await (await fubeiSwipe('st-f')).json()).data.trade_state, 'USERPAYING');
  const f2 = await (await fubei('fbpay.order.pay', { merchant_order_sn: 'st-f2', auth_code: '284567890123456789', total_amount: 1 }, { v2: true })).json();
  assert.equal(f2.data.order_status, 'USERPAYING');
  for (let i = 0; i < 4; i++) {
    assert.equal((await (await fubei('openapi.payment.order.query', { merchant_order_sn: 'st-f' })).json()).data.trade_state, 'USERPAYING');
  }
  assert.equal((await (await fubei('openapi.payment.order.reverse', { merchant_order_sn: 'st-f' })).json()).result_code, 200);
  assert.equal(emu.fubei.order('st-f').state, 'REVOKED');
  // Lakala
  const l = await (await lklPay('st-l')).json();
  assert.deepEqual([l.code, l.resp_data.need_query], ['BBS10000', '1']);
  for (let i = 0; i < 4; i++) {
    assert.equal((await (await lakala('/query/tradequery', { out_trade_no: 'st-l' })).json()).resp_data.trade_state, 'DEAL');
  }
  const rv = await (await lakala('/relation/revoked', { out_trade_no: 'st-l-rv', origin_out_trade_no: 'st-l', ...loc })).json();
  assert.equal(rv.code, 'BBS00000');
  assert.equal(emu.lakala.order('st-l').trade_state, 'REVOKED');
  // only pays were faulted; queries and reversals (also drawn) were not applicable
  const st = emu.chaos.stats();
  assert.equal(st.byKind.stuck, 4);
  assert.equal(st.injected, 4);
  assert.ok(st.requests > 4);
  // Tingyihui has no barcode pay: never stuck
  assert.equal((await (await tyhCreate('st-t')).json()).code, 8888);
  assert.equal(emu.chaos.stats().byProvider.tingyihui.injected, 0);
  // ledger: nothing held on any of them
  for (const entry of emu.ledger()) assert.equal(entry.paid, false, entry.merchantOrderNo);
  emu.chaos.clear();
});

test('control route: POST/GET/DELETE /__emulator/chaos, validation, reset turns chaos off; startEmulator({ chaos })', async () => {
  await reset();
  for (const bad of [{ rate: 0.5 }, { seed: 1 }, { seed: 1, rate: 2 }, { seed: 1, rate: 0.5, kinds: ['nope'] }, { seed: 1, rate: 0.5, kinds: [] },
    { seed: 1, rate: 0.5, delayMs: -1 }, { seed: 1.5, rate: 0.5 }, { seed: 1, rate: 0.5, duplicateNotify: 3 }, { seed: 1, rate: 0.5, providers: ['x'] }]) {
    assert.equal((await control('/chaos', 'POST', bad)).status, 400, JSON.stringify(bad));
  }
  const bad = await fetch(`${emu.url}/__emulator/chaos`, { method: 'POST', body: 'nope' });
  assert.equal(bad.status, 400);
  await bad.text();

  const on = await control('/chaos', 'POST', { seed: 'abc', rate: 1, kinds: ['http500'], providers: ['tingyihui'] });
  assert.equal(on.status, 200);
  assert.deepEqual(on.json, { seed: 'abc', rate: 1, kinds: ['http500'], delayMs: 1500, duplicateNotify: 0, providers: ['tingyihui'] });
  assert.equal((await tyhCreate(uniq('cr'))).status, 500);
  assert.equal((await shqPay(uniq('cr'))).status, 200, 'providers filter');
  const stats = await control('/chaos');
  assert.deepEqual([stats.json.enabled, stats.json.requests, stats.json.injected, stats.json.byKind.http500], [true, 1, 1, 1]);
  assert.deepEqual(stats.json.byProvider.tingyihui, { requests: 1, injected: 1, byKind: { ...zeroKinds(), http500: 1 } });
  assert.equal(stats.json.log[0].operation, '/tingyihui/os-base/trade/v2/open');

  const off = await control('/chaos', 'DELETE');
  assert.deepEqual([off.json.enabled, off.json.config, off.json.injected], [false, null, 1], 'counters kept after DELETE');
  assert.equal(emu.chaos.enabled, false);
  assert.equal((await tyhCreate(uniq('cr'))).status, 200);
  // control routes are never faulted, and reset turns chaos off and zeroes the counters
  emu.chaos.set({ seed: 1, rate: 1 });
  assert.equal((await control('/fubei/credentials')).status, 200);
  assert.equal(emu.chaos.stats().requests, 0);
  await reset();
  assert.deepEqual([emu.chaos.stats().enabled, emu.chaos.stats().injected], [false, 0]);

  // the fubei method shows up as the operation; queued faults win over chaos and are not counted
  emu.chaos.set({ seed: 9, rate: 1, kinds: ['maintenance'] });
  emu.faults.add({ path: '/fubei/gateway', kind: 'http500' });
  assert.equal((await fubeiSwipe(uniq('q'))).status, 500);
  assert.equal(emu.chaos.stats().requests, 0);
  await (await fubeiSwipe('op-f')).text();
  assert.deepEqual(emu.chaos.stats().log.map((l) => [l.operation, l.kind, l.merchantOrderNo]), [['openapi.payment.order.swipe', 'maintenance', 'op-f']]);
  await reset();

  const started = await startEmulator({ chaos: { seed: 11, rate: 1, kinds: ['http500'] } });
  try {
    assert.equal(started.chaos.enabled, true);
    assert.equal((await shqPay('x', {}, { e: started })).status, 500);
    assert.equal(started.chaos.stats().byProvider.shouqianba.byKind.http500, 1);
  } finally {
    await started.close();
  }
  await assert.rejects(startEmulator({ chaos: { seed: 1 } }), /rate/);
});

function zeroKinds() {
  return Object.fromEntries(CHAOS_KINDS.map((k) => [k, 0]));
}

test('ledger(): one uniform shape for every provider; paid = money taken and not returned', async () => {
  await reset();
  // Shouqianba: paid, refunded in full, in progress
  await (await shqPay('lg-s1')).text();
  await (await shqPay('lg-s2')).text();
  await (await shq('/upay/v2/refund', { client_sn: 'lg-s2', refund_request_no: 'r1', refund_amount: '1000', operator: 'o' })).text();
  await (await shqPay('lg-s3', { dynamic_id: '9300111' })).text();
  // Fubei: paid and partially refunded; failed barcode
  await (await fubeiSwipe('lg-f1')).text();
  await (await fubei('openapi.payment.order.refund', { merchant_order_sn: 'lg-f1', merchant_refund_sn: 'lg-f1r', refund_money: 1 })).text();
  await (await fubeiSwipe('lg-f2', { auth_code: '9400123' })).text();
  // Lakala: paid and partially refunded (the refund trade is not a ledger entry)
  await (await lklPay('lg-l1')).text();
  await (await lakala('/relation/refund', { out_trade_no: 'lg-l1r', origin_out_trade_no: 'lg-l1', refund_amount: '300', refund_reason: 'r', ...loc })).text();
  // Tingyihui: waiting, then paid through the control route
  await (await tyhCreate('lg-t1')).text();
  await (await tyhCreate('lg-t2')).text();
  emu.tingyihui.buyerPays('lg-t2');

  const byNo = Object.fromEntries(emu.ledger().map((l) => [l.merchantOrderNo, l]));
  for (const entry of Object.values(byNo)) {
    assert.deepEqual(Object.keys(entry).sort(), ['held', 'merchantOrderNo', 'paid', 'provider', 'providerOrderNo', 'state', 'total']);
    assert.equal(typeof entry.paid, 'boolean');
    assert.equal(typeof entry.state, 'string');
    assert.equal(typeof entry.providerOrderNo, 'string');
    assert.ok(Number.isInteger(entry.total) && Number.isInteger(entry.held));
    assert.equal(entry.paid, entry.held > 0);
  }
  const pick = (id) => { const { provider, paid, state, total, held } = byNo[id]; return [provider, paid, state, total, held]; };
  assert.deepEqual(pick('lg-s1'), ['shouqianba', true, 'PAID', 1000, 1000]);
  assert.deepEqual(pick('lg-s2'), ['shouqianba', false, 'REFUNDED', 1000, 0]);
  assert.deepEqual(pick('lg-s3'), ['shouqianba', false, 'CREATED', 1000, 0]);
  assert.deepEqual(pick('lg-f1'), ['fubei', true, 'SUCCESS', 980, 880]);
  assert.deepEqual(pick('lg-f2'), ['fubei', false, 'CLOSED', 980, 0]);
  assert.deepEqual(pick('lg-l1'), ['lakala', true, 'PART_REFUND', 1000, 700]);
  assert.equal(byNo['lg-l1r'], undefined);
  assert.deepEqual(pick('lg-t1'), ['tingyihui', false, 'WAIT', 1000, 0]);
  assert.deepEqual(pick('lg-t2'), ['tingyihui', true, 'SUCCESS', 1000, 1000]);
  assert.equal(Object.keys(byNo).length, 8);

  // per controller, and the control route (all, or ?provider=)
  assert.deepEqual(emu.fubei.ledger().map((l) => l.merchantOrderNo).sort(), ['lg-f1', 'lg-f2']);
  assert.deepEqual((await control('/ledger')).json, emu.ledger());
  assert.deepEqual((await control('/ledger?provider=lakala')).json, emu.lakala.ledger());
  assert.equal((await control('/ledger?provider=nope')).status, 404);
  await emu.tingyihui.flushNotifications();
});

test('duplicate-notify: every notification delivered twice (same body), per provider; probability and kinds', async () => {
  await reset();
  const merchant = await startMerchant();
  try {
    emu.chaos.set({ seed: 2, rate: 0 }); // no request faults; duplicateNotify defaults to 1 with the default kinds
    await (await shqPay('dn-s', { notify_url: merchant.url('shouqianba') })).text();
    await (await fubeiSwipe('dn-f', { call_back_url: merchant.url('fubei') })).text();
    await (await lklPay('dn-l', { notify_url: merchant.url('lakala') })).text();
    await (await tyhCreate('dn-t', { notifyUrl: merchant.url('tingyihui') })).text();
    emu.tingyihui.buyerPays('dn-t');
    for (const p of ['shouqianba', 'fubei', 'lakala', 'tingyihui']) await emu[p].flushNotifications();

    for (const p of ['shouqianba', 'fubei', 'lakala', 'tingyihui']) {
      const got = merchant.received.filter((r) => r.path.startsWith(`/${p}/`));
      assert.equal(got.length, 2, p);
      assert.equal(got[0].body, got[1].body, `${p}: the same notification twice`);
      const log = emu[p].notifications;
      assert.deepEqual(log.map((n) => [n.attempt, n.duplicate === true]), [[1, false], [1, true]], p);
    }
    // Lakala signs each delivery afresh: both copies verify
    const pub = new crypto.X509Certificate(emu.lakala.platformCertificatePem).publicKey;
    for (const r of merchant.received.filter((x) => x.path.startsWith('/lakala/'))) {
      const m = /timestamp="(\d+)",nonce_str="(\w+)",signature="([^"]+)"/.exec(r.headers.authorization);
      assert.ok(crypto.verify('sha256', line(m[1], m[2], r.body), pub, Buffer.from(m[3], 'base64')));
    }
    const st = emu.chaos.stats();
    assert.deepEqual([st.notifications.scheduled, st.notifications.duplicated], [4, 4]);
    assert.deepEqual(st.notifications.byProvider, { shouqianba: 1, fubei: 1, lakala: 1, tingyihui: 1 });
    assert.equal(st.injected, 0);

    // kinds without duplicate-notify: single deliveries; an explicit probability: seeded, deterministic
    const count = async (spec, n) => {
      await reset();
      merchant.received.length = 0;
      emu.chaos.set(spec);
      for (let i = 0; i < n; i++) await (await fubeiSwipe(`dn-p${i}`, { call_back_url: merchant.url('fubei') })).text();
      await emu.fubei.flushNotifications();
      return { received: merchant.received.length, duplicated: emu.chaos.stats().notifications.duplicated };
    };
    assert.deepEqual(await count({ seed: 2, rate: 0, kinds: ['http500'] }, 3), { received: 3, duplicated: 0 });
    const half = await count({ seed: 2, rate: 0, duplicateNotify: 0.5 }, 20);
    assert.ok(half.duplicated > 2 && half.duplicated < 18, JSON.stringify(half));
    assert.equal(half.received, 20 + half.duplicated);
    assert.deepEqual(await count({ seed: 2, rate: 0, duplicateNotify: 0.5 }, 20), half, 'same seed, same duplicates');
    // chaos off: no duplicates
    await reset();
    merchant.received.length = 0;
    await (await fubeiSwipe('dn-off', { call_back_url: merchant.url('fubei') })).text();
    await emu.fubei.flushNotifications();
    assert.equal(merchant.received.length, 1);
  } finally {
    await merchant.close();
    await reset();
  }
});
