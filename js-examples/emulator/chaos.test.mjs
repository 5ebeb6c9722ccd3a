// Tests of the seeded chaos faults and the uniform ledger(): raw fetch + node:crypto signing, no library code.
// Run: node --test js-examples/emulator/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { startEmulator, mulberry32, CHAOS_KINDS } from './index.mjs';
import { startMerchant } from '../../tests/js/kit.mjs';

/** A merchant endpoint acknowledging every provider's way (Lakala wants JSON, the others "success"), at /<name>/notify. */
async function notifyEndpoint() {
  const m = await startMerchant({ text: true, answer: (e) => ({ body: e.path.startsWith('/lakala') ? '{"code":"SUCCESS","message":"执行成功"}' : 'success' }) });
  return { ...m, url: (name) => `${m.base}/${name}/notify` };
}

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
    emu.chaos.set({ seed, rate: 0.5, delayMs: 5, lateMs: 5 });
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
    { seed: 1, rate: 0.5, delayMs: -1 }, { seed: 1, rate: 0.5, lateMs: 60_001 }, { seed: 1.5, rate: 0.5 },
    { seed: 1, rate: 0.5, weights: { nope: 1 } }, { seed: 1, rate: 0.5, weights: { late: -1 } }, { seed: 1, rate: 0.5, weights: [] }, { seed: 1, rate: 0.5, duplicateNotify: 3 }, { seed: 1, rate: 0.5, providers: ['x'] }]) {
    assert.equal((await control('/chaos', 'POST', bad)).status, 400, JSON.stringify(bad));
  }
  const bad = await fetch(`${emu.url}/__emulator/chaos`, { method: 'POST', body: 'nope' });
  assert.equal(bad.status, 400);
  await bad.text();

  const on = await control('/chaos', 'POST', { seed: 'abc', rate: 1, kinds: ['http500'], providers: ['tingyihui'] });
  assert.equal(on.status, 200);
  assert.deepEqual(on.json, { seed: 'abc', rate: 1, kinds: ['http500'], delayMs: 1500, lateMs: 300, duplicateNotify: 0, providers: ['tingyihui'] });
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
    assert.deepEqual(Object.keys(entry).sort(),
      ['everPaid', 'held', 'merchantOrderNo', 'paid', 'paidAmount', 'provider', 'providerOrderNo', 'state', 'total']);
    assert.equal(typeof entry.paid, 'boolean');
    assert.equal(typeof entry.state, 'string');
    assert.equal(typeof entry.providerOrderNo, 'string');
    assert.ok(Number.isInteger(entry.total) && Number.isInteger(entry.held));
    assert.equal(entry.paid, entry.held > 0);
  }
  const pick = (id) => { const { provider, paid, state, total, held } = byNo[id]; return [provider, paid, state, total, held]; };
  // everPaid / paidAmount: what the buyer paid, even when it was returned since
  const ever = (id) => [byNo[id].everPaid, byNo[id].paidAmount];
  assert.deepEqual([ever('lg-s1'), ever('lg-s2'), ever('lg-s3'), ever('lg-f2'), ever('lg-t1'), ever('lg-t2')],
    [[true, 1000], [true, 1000], [false, 0], [false, 0], [false, 0], [true, 1000]]);
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
  assert.deepEqual((await control('/ledger?provider=lakala')).json, emu.ledger('lakala'));
  assert.equal((await control('/ledger?provider=nope')).status, 404);
  await emu.tingyihui.flushNotifications();
});

test('duplicate-notify: every notification delivered twice (same body), per provider; probability and kinds', async () => {
  await reset();
  const merchant = await notifyEndpoint();
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

// ---- the adversarial kinds: late, replay, other-order, contradict, foreign-notify ----

const shqQuery = (clientSn) => shq('/upay/v2/query', { client_sn: clientSn });
const fubeiQuery = (sn) => fubei('openapi.payment.order.query', { merchant_order_sn: sn });
const lklQuery = (no) => lakala('/query/tradequery', { out_trade_no: no });
const tyhQuery = (no) => tyh('/query/trade/v1/open', { ownerTradeNo: no });
const lklPreorder = (no, extra = {}) => lakala('/trans/preorder', {
  out_trade_no: no, account_type: 'ALIPAY', trans_type: '41', total_amount: '1000', ...loc, ...extra,
});
const fubeiPrecreate2 = (sn, extra = {}) => fubei('fbpay.order.precreate', { merchant_order_sn: sn, total_amount: 9.8, ...extra }, { v2: true });

/** Text and (for Lakala) whether the platform signature verifies; `dropped` when there was no answer. */
async function answer(promise) {
  try {
    const res = await promise;
    const text = await res.text();
    return { status: res.status, text, json: JSON.parse(text), headers: res.headers, verified: lklVerified(res.headers, text) };
  } catch {
    return 'dropped';
  }
}

test('late: the request is held, the client gives up, and the gateway acts on it later (every provider, mutating requests)', async () => {
  await reset();
  const givesUp = { signal: AbortSignal.timeout(100) };
  for (const [path, kind] of [['/upay/v2/pay', 's'], ['/fubei/gateway', 'f'], [`${LKL}/trans/micropay`, 'l'], ['/tingyihui/os-base/trade/v2/open', 't']]) {
    emu.faults.add({ path, kind: 'late' }); // ms defaults to 300 for late
  }
  const t0 = Date.now();
  // the client's fetch times out: no answer
  await assert.rejects(shqPay('late-s', {}, givesUp));
  await assert.rejects(fetch(`${emu.url}/fubei/gateway`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(100) }).catch((e) => { throw e; }));
  assert.ok(Date.now() - t0 < 290, 'the client gave up before the gateway acted');
  // meanwhile, a query sees nothing: "not found" is only absence of evidence
  assert.equal((await (await shqQuery('late-s')).json()).biz_response.error_code, 'UPAY_ORDER_NOT_EXISTS');
  assert.equal(emu.shouqianba.order('late-s'), undefined);
  // the other providers: a patient client gets the answer, but only after the hold
  const t1 = Date.now();
  const [l, t] = await Promise.all([answer(lklPay('late-l')), answer(tyhCreate('late-t'))]);
  assert.ok(Date.now() - t1 >= 290, 'answered after the hold');
  assert.deepEqual([l.json.code, t.json.code], ['BBS00000', 8888]);
  await emu.settle(); // every late request has landed
  assert.equal(emu.shouqianba.order('late-s').order_status, 'PAID', 'the pay landed after the client gave up');
  assert.equal(emu.ledger().find((e) => e.merchantOrderNo === 'late-s').held, 1000);
  const late = emu.lateDeliveries;
  assert.deepEqual(late.map((e) => [e.provider, e.merchantOrderNo ?? null]).sort(),
    [['fubei', null], ['lakala', 'late-l'], ['shouqianba', 'late-s'], ['tingyihui', 'late-t']]);
  for (const e of late) assert.ok(e.processedAt - e.receivedAt >= 290, JSON.stringify(e));
  assert.deepEqual((await control('/late')).json, late);

  // chaos: only mutating requests are held (queries are answered at once); each is counted as `late`
  await reset();
  await (await shqPay('late-q')).text();
  emu.chaos.set({ seed: 4, rate: 1, kinds: ['late'], lateMs: 50 });
  const q = await answer(shqQuery('late-q'));
  assert.equal(q.json.biz_response.data.order_status, 'PAID');
  // The client gives up once the emulator holds the request (a fixed timeout could fire before it arrives, on a
  // loaded machine, and then nothing was sent to land late).
  const giveUp = new AbortController();
  const cancel = shq('/upay/v2/cancel', { client_sn: 'late-q' }, { signal: giveUp.signal });
  while (emu.chaos.stats().byKind.late < 1) await new Promise((r) => setTimeout(r, 2));
  giveUp.abort();
  await assert.rejects(cancel);
  assert.equal(emu.shouqianba.order('late-q').order_status, 'PAID', 'not yet');
  await emu.settle();
  assert.equal(emu.shouqianba.order('late-q').order_status, 'CANCELED', 'the reversal landed late');
  const st = emu.chaos.stats();
  assert.deepEqual([st.requests, st.injected, st.byKind.late], [2, 1, 1]);
  assert.equal(st.config.lateMs, 50);

  // a reset drops the requests still held: nothing received before it lands after it
  await reset();
  emu.faults.add({ path: '/upay/v2/pay', kind: 'late', ms: 100 });
  await assert.rejects(shqPay('late-r', {}, { signal: AbortSignal.timeout(20) }));
  await reset();
  await emu.settle();
  assert.equal(emu.shouqianba.order('late-r'), undefined);
  await reset();
});

test('replay: an earlier genuine answer (bytes and signature) for another order; the request is never processed', async () => {
  await reset();
  // Lakala: a preorder and its close, then a micropay answered with the close answer (still validly signed)
  await (await lklPreorder('rp-l0')).text();
  const closed = await answer(lakala('/relation/close', { origin_out_trade_no: 'rp-l0', ...loc }));
  assert.equal(closed.json.code, 'BBS00000');
  emu.faults.add({ path: `${LKL}/trans/micropay`, kind: 'replay' });
  const replayed = await answer(lklPay('rp-l1'));
  assert.equal(replayed.text, closed.text, 'the same bytes');
  assert.equal(replayed.headers.get('lklapi-signature'), closed.headers.get('lklapi-signature'));
  assert.equal(replayed.verified, true, 'a genuine platform signature');
  assert.equal(replayed.json.resp_data.origin_out_trade_no, 'rp-l0', 'about another order');
  assert.equal(emu.lakala.order('rp-l1'), undefined, 'the pay never reached the gateway');
  // Shouqianba: an old cancel answer given to a pay
  await (await shqPay('rp-s0')).text();
  const cancel = await answer(shq('/upay/v2/cancel', { client_sn: 'rp-s0' }));
  emu.faults.add({ path: '/upay/v2/pay', kind: 'replay' });
  assert.equal((await answer(shqPay('rp-s1'))).text, cancel.text);
  assert.equal(emu.shouqianba.order('rp-s1'), undefined);
  // Fubei and Tingyihui too
  const f0 = await answer(fubeiSwipe('rp-f0'));
  emu.faults.add({ path: '/fubei/gateway', kind: 'replay', method: 'openapi.payment.order.query' });
  const f1 = await answer(fubeiSwipe('rp-f1'));
  assert.equal((await answer(fubeiQuery('rp-f1'))).text, f0.text, 'a query for rp-f1 answered with rp-f0\'s pay answer');
  emu.faults.add({ path: '/fubei/gateway', kind: 'replay' });
  assert.equal((await answer(fubeiSwipe('rp-f2'))).text, f1.text, 'the newest answer about another order');
  assert.equal(emu.fubei.order('rp-f2'), undefined);
  await (await tyhCreate('rp-t0')).text();
  emu.faults.add({ path: '/tingyihui/os-base/trade/v2/open', kind: 'replay' });
  assert.equal((await answer(tyhCreate('rp-t1'))).json.data.ownerTradeNo, 'rp-t0');
  assert.equal(emu.tingyihui.order('rp-t1'), undefined);

  // chaos: replay needs an earlier answer for another order; the log names it
  await reset();
  emu.chaos.set({ seed: 8, rate: 1, kinds: ['replay'] });
  assert.equal((await answer(shqPay('rp-c0'))).json.biz_response.result_code, 'PAY_SUCCESS', 'nothing to replay yet: untouched');
  const c1 = await answer(shqPay('rp-c1'));
  assert.equal(c1.json.biz_response.data.client_sn, 'rp-c0');
  assert.equal(emu.shouqianba.order('rp-c1'), undefined);
  const st = emu.chaos.stats();
  assert.deepEqual([st.requests, st.injected], [2, 1]);
  assert.deepEqual(st.log[0].replayed, { op: 'pay', merchantOrderNo: 'rp-c0' });
  await reset();
});

test('other-order: processed, but answered with another order\'s answer to the same operation (Lakala signs it afresh)', async () => {
  await reset();
  const failed = await answer(lklPay('oo-l0', { auth_code: '9200111' }));
  assert.equal(failed.json.code, 'EMU42202');
  await new Promise((r) => setTimeout(r, 1100)); // a later second: the fresh signature has a new timestamp
  emu.faults.add({ path: `${LKL}/trans/micropay`, kind: 'other-order' });
  const other = await answer(lklPay('oo-l1'));
  assert.equal(other.text, failed.text, 'the other order\'s answer');
  assert.equal(other.verified, true, 'genuinely signed');
  assert.notEqual(other.headers.get('lklapi-timestamp'), failed.headers.get('lklapi-timestamp'), 'signed now, not replayed');
  assert.equal(emu.lakala.order('oo-l1').trade_state, 'SUCCESS', 'the gateway acted: the buyer paid');
  // Shouqianba: a successful pay answered with another order's refusal (an answer that says otherwise is preferred)
  await (await shqPay('oo-s0', { dynamic_id: '9400123' })).text();
  await (await shqPay('oo-s1')).text();
  emu.faults.add({ path: '/upay/v2/pay', kind: 'other-order' });
  const s2 = await answer(shqPay('oo-s2'));
  assert.deepEqual([s2.json.biz_response.result_code, s2.json.biz_response.data.client_sn], ['PAY_FAIL', 'oo-s0']);
  assert.equal(emu.shouqianba.order('oo-s2').order_status, 'PAID');
  // chaos: applies only when another order's answer to the same operation exists
  await reset();
  emu.chaos.set({ seed: 2, rate: 1, kinds: ['other-order'] });
  await (await tyhCreate('oo-t0')).text();
  await (await tyhQuery('oo-t0')).text();
  const t1 = await answer(tyhCreate('oo-t1'));
  assert.equal(t1.json.data.ownerTradeNo, 'oo-t0');
  assert.equal(emu.tingyihui.order('oo-t1').tradeStatus, 'WAIT', 'created all the same');
  const st = emu.chaos.stats();
  assert.deepEqual([st.requests, st.injected, st.log[0].answeredFor], [3, 1, 'oo-t0']);
  await reset();
});

test('contradict: the result code says one thing, the order state in the same answer the truth; the ledger moves only with the truth', async () => {
  await reset();
  const c = (path, method) => emu.faults.add({ path, kind: 'contradict', ...(method && { method }) });
  // Shouqianba: a paid pay answered PAY_FAIL; a refused pay answered PAY_SUCCESS; a cancel not done answered CANCEL_SUCCESS
  c('/upay/v2/pay');
  const s1 = (await answer(shqPay('ct-s1'))).json.biz_response;
  assert.deepEqual([s1.result_code, s1.data.order_status], ['PAY_FAIL', 'PAID']);
  assert.equal(emu.shouqianba.order('ct-s1').paid, true);
  c('/upay/v2/pay');
  const s2 = (await answer(shqPay('ct-s2', { dynamic_id: '9200123' }))).json.biz_response;
  assert.deepEqual([s2.result_code, s2.data.order_status], ['PAY_SUCCESS', 'PAY_CANCELED']);
  assert.equal(emu.shouqianba.order('ct-s2').paid, false);
  c('/upay/v2/cancel');
  const s3 = (await answer(shq('/upay/v2/cancel', { client_sn: 'ct-s1' }))).json.biz_response;
  assert.deepEqual([s3.result_code, s3.data.order_status, s3.data.client_sn], ['CANCEL_SUCCESS', 'PAID', 'ct-s1']);
  assert.equal(emu.shouqianba.order('ct-s1').order_status, 'PAID', 'not reversed: the money is still held');
  // Fubei 1.0: a paid swipe answered as refused; a reverse not done answered 200 with trade_state SUCCESS
  c('/fubei/gateway', 'openapi.payment.order.swipe');
  const f1 = (await answer(fubeiSwipe('ct-f1'))).json;
  assert.deepEqual([f1.result_code, f1.sub_code, f1.data.trade_state, f1.data.total_fee], [400, 'NOTENOUGH', 'SUCCESS', 9.8]);
  c('/fubei/gateway', 'openapi.payment.order.reverse');
  const f2 = (await answer(fubei('openapi.payment.order.reverse', { merchant_order_sn: 'ct-f1' }))).json;
  assert.deepEqual([f2.result_code, f2.data.trade_state], [200, 'SUCCESS']);
  assert.equal(emu.fubei.order('ct-f1').state, 'SUCCESS');
  // Fubei 2.0 cancel
  await (await fubei('fbpay.order.pay', { merchant_order_sn: 'ct-f3', auth_code: '134567890123456789', total_amount: 1 }, { v2: true })).text();
  c('/fubei/gateway/agent', 'fbpay.order.cancel');
  const f3 = (await answer(fubei('fbpay.order.cancel', { merchant_order_sn: 'ct-f3' }, { v2: true }))).json;
  assert.deepEqual([f3.result_code, f3.data.order_status], [200, 'SUCCESS']);
  assert.equal(emu.fubei.order('ct-f3').paid, true);
  // Lakala, genuinely signed: a failed micropay answered BBS00000 with trade_state FAIL; a stuck one BBS00000 + DEAL;
  // a revoke / close not done answered BBS00000 with the true trade_state
  c(`${LKL}/trans/micropay`);
  const l1 = await answer(lklPay('ct-l1', { auth_code: '9200111' }));
  assert.deepEqual([l1.json.code, l1.json.resp_data.trade_state, l1.verified], ['BBS00000', 'FAIL', true]);
  c(`${LKL}/trans/micropay`);
  const l2 = await answer(lklPay('ct-l2', { auth_code: '9300111' }));
  assert.deepEqual([l2.json.code, l2.json.resp_data.trade_state, l2.json.resp_data.need_query], ['BBS00000', 'DEAL', '0']);
  c(`${LKL}/trans/micropay`);
  const l3 = await answer(lklPay('ct-l3'));
  assert.deepEqual([l3.json.code, l3.json.resp_data.trade_state, l3.verified], ['EMU42202', 'SUCCESS', true]);
  c(`${LKL}/relation/revoked`);
  const l4 = await answer(lakala('/relation/revoked', { out_trade_no: 'ct-l3-rv', origin_out_trade_no: 'ct-l3', ...loc }));
  assert.deepEqual([l4.json.code, l4.json.resp_data.trade_state, l4.json.resp_data.origin_out_trade_no, l4.verified],
    ['BBS00000', 'SUCCESS', 'ct-l3', true]);
  assert.equal(emu.lakala.order('ct-l3').trade_state, 'SUCCESS', 'not revoked');
  await (await lklPreorder('ct-l5')).text();
  c(`${LKL}/relation/close`);
  const l5 = await answer(lakala('/relation/close', { origin_out_trade_no: 'ct-l5', ...loc }));
  assert.deepEqual([l5.json.code, l5.json.resp_data.trade_state], ['BBS00000', 'CREATE']);
  assert.equal(emu.lakala.buyerPays('ct-l5').trade_state, 'SUCCESS', 'still open: a late buyer can pay');
  // Tingyihui: a close not done answered 8888 with the true tradeStatus
  await (await tyhCreate('ct-t1')).text();
  c('/tingyihui/os-base/trade/close/v1/open');
  const t1 = (await answer(tyh('/trade/close/v1/open', { ownerTradeNo: 'ct-t1' }))).json;
  assert.deepEqual([t1.code, t1.data.tradeStatus], [8888, 'WAIT']);
  assert.equal(emu.tingyihui.order('ct-t1').tradeStatus, 'WAIT');
  // a reversal of something already reversed has nothing to contradict: processed as usual
  await (await shq('/upay/v2/cancel', { client_sn: 'ct-s2' })).text();
  c('/upay/v2/cancel');
  assert.equal((await answer(shq('/upay/v2/cancel', { client_sn: 'ct-s2' }))).json.biz_response.data.order_status, 'PAY_CANCELED');

  // chaos: only pays and reversals/closes of live orders; the log says what was said
  await reset();
  emu.chaos.set({ seed: 3, rate: 1, kinds: ['contradict'] });
  await (await tyhCreate('ct-c1')).text(); // not applicable: no fault
  const s = (await answer(shqPay('ct-c2'))).json.biz_response;
  assert.deepEqual([s.result_code, s.data.order_status], ['PAY_FAIL', 'PAID']);
  await (await shqQuery('ct-c2')).text(); // not applicable
  const st = emu.chaos.stats();
  assert.deepEqual([st.requests, st.injected, st.byProvider.shouqianba.byKind.contradict], [3, 1, 1]);
  assert.match(st.log[0].contradiction, /result_code=PAY_FAIL.*order_status=PAID/);
  assert.equal(st.log[0].processed, true);
  assert.equal(st.log[0].op, 'pay');
  await reset();
});

test('foreign-notify: another merchant\'s genuinely signed notice carrying our order number reaches our notify URL', async () => {
  await reset();
  const merchant = await notifyEndpoint();
  try {
    // Shouqianba: signed with the one platform key, for another terminal
    emu.faults.add({ path: '/upay/v2/precreate', kind: 'foreign-notify' });
    const pre = await answer(shq('/upay/v2/precreate', {
      client_sn: 'fn-s', total_amount: '5000', subject: 's', operator: 'o', payway: '3', notify_url: merchant.url('shouqianba'),
    }));
    assert.equal(pre.json.biz_response.result_code, 'PRECREATE_SUCCESS');
    // Lakala: platform-signed, another merchant_no / term_no
    emu.faults.add({ path: `${LKL}/trans/preorder`, kind: 'foreign-notify' });
    await (await lklPreorder('fn-l', { notify_url: merchant.url('lakala') })).text();
    // Fubei 2.0 with vendor_sn: the vendor secret signs every merchant's notices
    emu.faults.add({ path: '/fubei/gateway/agent', kind: 'foreign-notify' });
    await (await fubeiPrecreate2('fn-f', { notify_url: merchant.url('fubei') })).text();
    // Fubei 1.0 (the merchant's own app secret): not applicable, nothing forged
    emu.faults.add({ path: '/fubei/gateway', kind: 'foreign-notify' });
    await (await fubei('openapi.payment.order.scan', { merchant_order_sn: 'fn-f1', type: 1, total_fee: 1, call_back_url: merchant.url('fubei') })).text();
    // Tingyihui: nothing a merchant can check vouches for a callback
    emu.faults.add({ path: '/tingyihui/os-base/trade/v2/open', kind: 'foreign-notify' });
    await (await tyhCreate('fn-t', { notifyUrl: merchant.url('tingyihui') })).text();
    await emu.settle();

    const forged = emu.forgedNotices;
    assert.deepEqual(forged.map((f) => [f.provider, f.merchantOrderNo]),
      [['shouqianba', 'fn-s'], ['lakala', 'fn-l'], ['fubei', 'fn-f'], ['tingyihui', 'fn-t']]);
    assert.equal(merchant.received.length, 4, 'only the forged notices: nobody paid');
    for (const f of forged) {
      const got = merchant.received.find((r) => r.body === f.body);
      assert.ok(got, `${f.provider}: delivered to our notify URL`);
      assert.equal(f.status, 200);
    }
    const byP = Object.fromEntries(forged.map((f) => [f.provider, f]));
    // Shouqianba: verifies with the platform key; another terminal, our client_sn, 1 fen
    const s = byP.shouqianba;
    assert.ok(crypto.verify('sha256', Buffer.from(s.body), emu.shouqianba.publicKeyPem, Buffer.from(s.headers.authorization, 'base64')));
    const sd = JSON.parse(s.body);
    assert.deepEqual([sd.client_sn, sd.order_status, sd.total_amount], ['fn-s', 'PAID', '1']);
    assert.notEqual(sd.terminal_sn, emu.shouqianba.credentials.terminalSn);
    // Lakala: verifies with the platform certificate
    const l = byP.lakala;
    const m = /timestamp="(\d+)",nonce_str="(\w+)",signature="([^"]+)"/.exec(l.headers.authorization);
    const pub = new crypto.X509Certificate(emu.lakala.platformCertificatePem).publicKey;
    assert.ok(crypto.verify('sha256', line(m[1], m[2], l.body), pub, Buffer.from(m[3], 'base64')));
    const ld = JSON.parse(l.body);
    assert.deepEqual([ld.out_trade_no, ld.trade_state, ld.total_amount], ['fn-l', 'SUCCESS', '1']);
    assert.notEqual(ld.merchant_no, emu.lakala.merchant.merchantNo);
    // Fubei: the vendor secret's sign, another merchant_id
    const ff = Object.fromEntries(new URLSearchParams(byP.fubei.body));
    const c = emu.fubei.credentials;
    const base = ['data', 'result_code', 'result_message'].map((k) => `${k}=${ff[k]}`).join('&');
    assert.equal(ff.sign, md5(base + c.vendorSecret).toUpperCase());
    const fd = JSON.parse(ff.data);
    assert.deepEqual([fd.merchant_order_sn, fd.order_status, fd.total_amount], ['fn-f', 'SUCCESS', 0.01]);
    assert.notEqual(fd.merchant_id, c.merchantId);
    // Tingyihui: another osMerchantCode
    const td = JSON.parse(Buffer.from(JSON.parse(byP.tingyihui.body).data, 'base64').toString('utf8')); // TyhRequest envelope
    assert.deepEqual([td.ownerTradeNo, td.tradeStatus, td.orderFee], ['fn-t', 'SUCCESS', 1]);
    assert.notEqual(td.osMerchantCode, emu.tingyihui.merchant.osMerchantCode);
    // the ledger: nobody paid anything to us
    assert.ok(emu.ledger().every((e) => !e.paid && !e.everPaid));
    assert.deepEqual((await control('/forged-notices')).json, forged);

    // chaos: only order-creating requests that carry a notify URL
    await reset();
    merchant.received.length = 0;
    emu.chaos.set({ seed: 6, rate: 1, kinds: ['foreign-notify'] });
    await (await shqPay('fn-c0')).text(); // no notify_url: not applicable
    await (await shqPay('fn-c1', { notify_url: merchant.url('shouqianba') })).text();
    await emu.settle();
    const st = emu.chaos.stats();
    assert.deepEqual([st.requests, st.injected, st.byKind['foreign-notify']], [2, 1, 1]);
    assert.equal(merchant.received.length, 2, 'the genuine notice of the paid order and the forged one');
    assert.equal(emu.forgedNotices.length, 1);
  } finally {
    await merchant.close();
    await reset();
  }
});

test('weights: a kind is drawn by its weight among the kinds that apply; weight 0 never', async () => {
  await reset();
  emu.chaos.set({ seed: 12, rate: 1, kinds: ['http500', 'maintenance', 'late'], weights: { http500: 0, late: 9 } });
  for (let i = 0; i < 20; i++) await (await shqQuery(`w-${i}`)).text(); // late does not apply to queries
  assert.deepEqual([emu.chaos.stats().byKind.maintenance, emu.chaos.stats().byKind.http500], [20, 0]);
  emu.chaos.set({ seed: 12, rate: 1, kinds: ['maintenance', 'late'], weights: { late: 9 }, lateMs: 1 });
  for (let i = 0; i < 40; i++) await (await shqPay(`w-${i}`)).text();
  const { byKind, config } = emu.chaos.stats();
  assert.ok(byKind.late > 28 && byKind.maintenance > 0, JSON.stringify(byKind)); // about 36 : 4
  assert.deepEqual(config.weights, { late: 9 });
  await emu.settle();
  await reset();
});
