// End to end over real HTTP: the package, loaded by name, against the Fubei (付呗) gateway emulator, for the
// 1.0 merchant API (appId/appSecret) and the 2.0 agent API (vendorSn/vendorSecret/merchantId, and appId/appSecret).
// The library sends yuan as exact JSON numbers inside the biz_content string and signs the envelope with
// uppercase MD5; the emulator checks both with its own code and answers yuan written 'short' (9.8) or
// 'fixed' (9.80). Notifications are signed form posts delivered to a merchant HTTP server in this file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { createClient, AggpayError } from 'aggpay';
import { startEmulator } from '../../js-examples/emulator/index.mjs';
import { spyFetch, startMerchant, verifying } from './kit.mjs';

const T = { timeout: 10_000 };

let emu; // defaults: amountStyle 'short', inProgressQueries 2
let emuFixed; // amountStyle 'fixed'
let emuRefund; // refundInProgressQueries 2
let merchant; // { url, received[], close }
const notifyClients = {}; // /notify/<name> → the client that verifies it

/** The three ways to talk to Fubei. */
const VARIANTS = [
  { name: 'v1', label: '1.0 appId', apiVersion: '1.0', identity: 'app', path: '/fubei/gateway', amountKey: 'total_fee', refundKey: 'refund_money' },
  { name: 'v2v', label: '2.0 vendorSn', apiVersion: '2.0', identity: 'vendor', path: '/fubei/gateway/agent', amountKey: 'total_amount', refundKey: 'refund_amount' },
  { name: 'v2a', label: '2.0 appId', apiVersion: '2.0', identity: 'app', path: '/fubei/gateway/agent', amountKey: 'total_amount', refundKey: 'refund_amount' },
];

function credentialsFor(e, v) {
  const c = e.fubei.credentials;
  return v.identity === 'vendor'
    ? { vendorSn: c.vendorSn, vendorSecret: c.vendorSecret, merchantId: c.merchantId }
    : { appId: c.appId, appSecret: c.appSecret };
}

function secretFor(e, v) {
  const c = e.fubei.credentials;
  return v.identity === 'vendor' ? c.vendorSecret : c.appSecret;
}

function client(v, { e = emu, credentials, ...options } = {}) {
  return createClient({
    provider: 'fubei',
    baseUrl: `${e.url}/fubei`,
    apiVersion: v.apiVersion,
    credentials: { ...credentialsFor(e, v), ...credentials },
    ...options,
  });
}

/** The API methods a spied client sent, in order. */
const methodsOf = (spy) => spy.calls.map((c) => JSON.parse(c.init.body).method);

before(async () => {
  [emu, emuFixed, emuRefund, merchant] = await Promise.all([
    startEmulator({ port: 0, fubei: { notifyRetryDelays: [50, 50], notifyTimeoutMs: 2000 } }),
    startEmulator({ port: 0, fubei: { amountStyle: 'fixed', notifyRetryDelays: [50, 50], notifyTimeoutMs: 2000 } }),
    startEmulator({ port: 0, fubei: { refundInProgressQueries: 2, notifyRetryDelays: [50, 50], notifyTimeoutMs: 2000 } }),
    startMerchant({ path: '', answer: verifying((e) => notifyClients[e.path.split('/')[2]]) }),
  ]);
});
after(async () => {
  await Promise.all([emu?.close(), emuFixed?.close(), emuRefund?.close(), merchant?.close()]);
});

let seq = 0;
/** A fresh merchant order / refund number (≤ 32 characters), unique per run. */
const no = (tag) => `${tag}-${process.pid}-${++seq}`;

const WECHAT_CODE = '134567890123456789';
const order = (merchantOrderNo, amount = 1000, extra = {}) => ({ merchantOrderNo, amount, subject: '咖啡', operator: 'cashier-1', ...extra });
const barcode = (merchantOrderNo, amount, authCode = WECHAT_CODE) => ({ ...order(merchantOrderNo, amount), authCode });

/** Exact yuan text from fen, written independently here: 'fixed' 9.80, 'short' 9.8 / 10 / 0.07. */
function yuan(fen, style = 'fixed') {
  const whole = String(Math.floor(fen / 100));
  const cents = String(fen % 100).padStart(2, '0');
  if (style === 'fixed') return `${whole}.${cents}`;
  if (cents === '00') return whole;
  return `${whole}.${cents.endsWith('0') ? cents[0] : cents}`;
}

const md5Upper = (s) => crypto.createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();

/** The Fubei signature, written independently: every non-empty field but sign, sorted, k=v&…, secret appended. */
function fubeiSign(params, secret) {
  const keys = Object.keys(params).filter((k) => k !== 'sign' && params[k] !== '' && params[k] != null).sort();
  return md5Upper(keys.map((k) => `${k}=${params[k]}`).join('&') + secret);
}

const show = (r) => JSON.stringify({ outcome: r.outcome, next: r.next, error: r.error, order: r.order, refund: r.refund });

function failed(r, code, providerCode) {
  assert.equal(r.outcome, 'FAILED', show(r));
  assert.equal(r.next, 'NONE', show(r));
  assert.equal(r.error.code, code, show(r));
  if (providerCode !== undefined) assert.equal(r.error.providerCode, providerCode, show(r));
}

/** A lookup that finds nothing is absence of evidence, never a failure: UNKNOWN, ask again. */
function notFound(r, providerCode) {
  assert.equal(r.outcome, 'UNKNOWN', show(r));
  assert.equal(r.next, 'RETRY', show(r));
  assert.equal(r.error.code, 'ORDER_NOT_FOUND', show(r));
  if (providerCode !== undefined) assert.equal(r.error.providerCode, providerCode, show(r));
}

async function rejection(promise, code, reason) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof AggpayError, String(e));
    assert.equal(e.code, code, e.message);
    if (reason !== undefined) assert.equal(e.reason, reason, e.message);
    return true;
  });
}

/** A paid barcode order. */
async function paid(c, tag, amount = 1000) {
  const merchantOrderNo = no(tag);
  const r = await c.pay(barcode(merchantOrderNo, amount));
  assert.equal(r.outcome, 'SUCCEEDED', show(r));
  return { merchantOrderNo, providerOrderNo: r.order.providerOrderNo };
}

const ledgerEntry = (e, merchantOrderNo) => e.ledger().find((x) => x.provider === 'fubei' && x.merchantOrderNo === merchantOrderNo);

// ---------------------------------------------------------------- the signature, offline

test('the spec worked example: close of 28867994 signs as C0A8CDE6A5F975E24FACAC48DF03701F', T, async () => {
  const c = createClient({
    provider: 'fubei',
    credentials: { appId: '20170609152021917511', appSecret: '672f295578a545c24b397bae275e6f81' },
    nonce: () => '87sdf9806sdf73jkds',
  });
  const req = await c.buildRequest('close', { merchantOrderNo: '28867994' });
  assert.equal(req.method, 'POST');
  assert.equal(req.url, 'https://shq-api.51fubei.com/gateway');
  const env = JSON.parse(req.body);
  assert.equal(env.biz_content, '{"merchant_order_sn":"28867994"}');
  assert.equal(env.method, 'openapi.payment.order.close');
  assert.equal(env.sign, 'C0A8CDE6A5F975E24FACAC48DF03701F');
  assert.equal(fubeiSign(env, '672f295578a545c24b397bae275e6f81'), env.sign);
});

// ---------------------------------------------------------------- per API generation and identity

for (const v of VARIANTS) {
  test(`${v.label}: pay succeeds; query by merchantOrderNo and providerOrderNo shows SUCCESS with exact amounts`, T, async () => {
    const c = client(v);
    const merchantOrderNo = no(`${v.name}pay`);
    const r = await c.pay(barcode(merchantOrderNo, 980));
    assert.equal(r.provider, 'fubei');
    assert.equal(r.operation, 'pay');
    assert.equal(r.outcome, 'SUCCEEDED', show(r));
    assert.equal(r.next, 'NONE');
    assert.equal(r.order.state, 'SUCCESS');
    assert.equal(r.order.final, true);
    assert.equal(r.order.providerState, 'SUCCESS');
    assert.equal(r.order.merchantOrderNo, merchantOrderNo);
    const entry = emu.fubei.order(merchantOrderNo);
    assert.equal(r.order.providerOrderNo, entry.order_sn);
    assert.equal(r.order.channel, 'WECHAT');
    assert.equal(r.order.amounts.total, 980);
    assert.equal(r.order.amounts.paid, 980);
    assert.equal(typeof r.order.paidAt, 'number');
    assert.equal(entry.api, v.apiVersion);
    assert.equal(entry.method, v.apiVersion === '1.0' ? 'openapi.payment.order.swipe' : 'fbpay.order.pay');
    assert.equal(entry.total, 980);
    assert.equal(entry.paid, true);

    for (const ref of [{ merchantOrderNo }, { providerOrderNo: entry.order_sn }]) {
      const q = await c.query(ref);
      assert.equal(q.outcome, 'SUCCEEDED', show(q));
      assert.equal(q.next, 'NONE');
      assert.equal(q.order.state, 'SUCCESS');
      assert.equal(q.order.final, true);
      assert.equal(q.order.merchantOrderNo, merchantOrderNo);
      assert.equal(q.order.providerOrderNo, entry.order_sn);
      assert.ok(q.order.channelOrderNo, 'the channel transaction number');
      assert.equal(q.order.channel, 'WECHAT');
      assert.equal(q.order.amounts.total, 980);
      assert.equal(q.order.amounts.paid, 980);
      assert.equal(q.order.amounts.fee, entry.fee);
      assert.equal(q.order.amounts.net, 980 - entry.fee);
      // 1.0 pay_time (epoch seconds) and 2.0 finish_time (Beijing wall clock) both give the paying second.
      const paidEvent = entry.events.find((x) => x.type === 'paid');
      assert.equal(q.order.paidAt, Math.floor(paidEvent.at / 1000) * 1000);
    }
  });

  test(`${v.label}: 9100 code → IN_PROGRESS/POLL, queries PENDING, then SUCCESS`, T, async () => {
    const c = client(v);
    const merchantOrderNo = no(`${v.name}ip`);
    const r = await c.pay(barcode(merchantOrderNo, 1234, '9100000000000001'));
    assert.equal(r.outcome, 'IN_PROGRESS', show(r));
    assert.equal(r.next, 'POLL');
    assert.equal(r.order.state, 'PENDING');
    assert.equal(r.order.final, false);
    assert.equal(r.order.providerState, 'USERPAYING');
    assert.equal(r.order.amounts.paid, 0);
    for (let i = 0; i < 2; i++) { // inProgressQueries: 2
      const q = await c.query({ merchantOrderNo });
      assert.equal(q.outcome, 'SUCCEEDED', show(q));
      assert.equal(q.order.state, 'PENDING', `query ${i + 1}`);
      assert.equal(q.next, 'POLL');
    }
    const q = await c.query({ merchantOrderNo });
    assert.equal(q.outcome, 'SUCCEEDED', show(q));
    assert.equal(q.next, 'NONE');
    assert.equal(q.order.state, 'SUCCESS');
    assert.equal(q.order.amounts.total, 1234);
    assert.equal(q.order.amounts.paid, 1234);
    assert.equal(emu.fubei.order(merchantOrderNo).paid, true);
  });

  test(`${v.label}: 9200 → FAILED BARCODE_INVALID, 9400 → FAILED INSUFFICIENT_FUNDS, no money held`, T, async () => {
    const c = client(v);
    for (const [code, err, sub] of [['9200000000000001', 'BARCODE_INVALID', 'AUTHCODEEXPIRE'], ['9400000000000001', 'INSUFFICIENT_FUNDS', 'NOTENOUGH']]) {
      const merchantOrderNo = no(`${v.name}f`);
      const r = await c.pay(barcode(merchantOrderNo, 500, code));
      failed(r, err, sub);
      assert.equal(typeof r.error.providerMessage, 'string');
      const entry = ledgerEntry(emu, merchantOrderNo);
      assert.equal(entry.paid, false);
      assert.equal(entry.held, 0);
      assert.equal(entry.state, 'CLOSED');
      const q = await c.query({ merchantOrderNo });
      assert.equal(q.outcome, 'SUCCEEDED', show(q));
      assert.equal(q.order.state, 'CLOSED');
      assert.equal(q.order.final, true);
    }
  });

  test(`${v.label}: a reused merchantOrderNo → DUPLICATE_ORDER, outcome UNKNOWN (the first order stands)`, T, async () => {
    const c = client(v);
    const { merchantOrderNo } = await paid(c, `${v.name}dup`, 700);
    for (const again of [
      () => c.pay(barcode(merchantOrderNo, 900, '134567890123456780')),
      () => c.precreate(order(merchantOrderNo, 900, { channel: 'ALIPAY' })),
    ]) {
      const r = await again();
      assert.equal(r.outcome, 'UNKNOWN', show(r));
      assert.equal(r.next, 'POLL', show(r));
      assert.equal(r.error.code, 'DUPLICATE_ORDER');
      assert.equal(r.error.providerCode, 'OUT_TRADE_NO_USED');
    }
    const entry = emu.fubei.order(merchantOrderNo);
    assert.equal(entry.total, 700, 'the first order is untouched');
    assert.equal(entry.paid, true);
    assert.equal(emu.fubei.orders().filter((o) => o.merchant_order_sn === merchantOrderNo).length, 1);
  });

  for (const channel of ['ALIPAY', 'WECHAT', 'UNIONPAY']) {
    test(`${v.label}: precreate ${channel} → qrCode, PENDING; the buyer pays; query SUCCESS`, T, async () => {
      const c = client(v);
      const merchantOrderNo = no(`${v.name}qr`);
      const r = await c.precreate(order(merchantOrderNo, 2990, { channel }));
      assert.equal(r.operation, 'precreate');
      assert.equal(r.outcome, 'SUCCEEDED', show(r));
      assert.equal(r.next, 'POLL');
      assert.equal(r.order.state, 'PENDING');
      assert.equal(r.order.final, false);
      assert.equal(r.order.merchantOrderNo, merchantOrderNo);
      // 1.0 scan answers total_fee; the 2.0 precreate answer (OrderQrcodeModel: order_sn, trade_no, qr_code,
      // store_id, cashier_id) carries no amount, and the library reports what the answer says: null, never a guess.
      if (v.apiVersion === '1.0') assert.equal(r.order.amounts.total, 2990);
      else assert.equal(r.order.amounts.total, null);
      assert.equal(r.order.amounts.paid, 0);
      const entry = emu.fubei.order(merchantOrderNo);
      assert.equal(entry.total, 2990, 'the emulator read the exact fen');
      assert.match(r.order.qrCode, /^(https:\/\/|weixin:\/\/)\S+$/);
      assert.ok(r.order.qrCode.includes(entry.order_sn), r.order.qrCode);
      assert.equal(entry.pay_type, { ALIPAY: 'alipay', WECHAT: 'wxpay', UNIONPAY: 'unionpay' }[channel]);
      assert.equal(entry.state, 'USERPAYING');

      const before = await c.query({ merchantOrderNo });
      assert.equal(before.outcome, 'SUCCEEDED', show(before));
      assert.equal(before.order.state, 'PENDING');
      assert.equal(before.next, 'POLL');

      emu.fubei.buyerPays(merchantOrderNo);
      const q = await c.query({ merchantOrderNo });
      assert.equal(q.outcome, 'SUCCEEDED', show(q));
      assert.equal(q.next, 'NONE');
      assert.equal(q.order.state, 'SUCCESS');
      assert.equal(q.order.channel, channel);
      assert.equal(q.order.providerOrderNo, entry.order_sn);
      assert.equal(q.order.amounts.total, 2990);
      assert.equal(q.order.amounts.paid, 2990);
    });
  }

  test(`${v.label}: partial refunds up to the total, then one over the remainder → REFUND_CONFLICT; ledger exact`, T, async () => {
    const spy = spyFetch({ keepText: true });
    const c = client(v, { fetch: spy });
    const { merchantOrderNo, providerOrderNo } = await paid(c, `${v.name}rf`, 980);
    const refunds = [];
    for (const amount of [1, 7, 290]) {
      const refundNo = no('r');
      const r = await c.refund({ merchantOrderNo, refundNo, amount });
      assert.equal(r.operation, 'refund');
      assert.equal(r.outcome, 'SUCCEEDED', show(r));
      assert.equal(r.next, 'NONE');
      assert.equal(r.refund.state, 'SUCCESS');
      assert.equal(r.refund.providerState, 'REFUND_SUCCESS');
      assert.equal(r.refund.refundNo, refundNo);
      assert.equal(r.refund.amount, amount);
      assert.ok(r.refund.providerRefundNo);
      // The request carried the exact yuan text; the answer's short yuan (2.9) reads back exactly.
      const call = spy.calls.at(-1);
      assert.ok(JSON.parse(call.init.body).biz_content.includes(`"${v.refundKey}":${yuan(amount)}`), call.init.body);
      assert.ok(call.text.includes(`"${v.refundKey}":${yuan(amount, 'short')}`), call.text);
      refunds.push({ refundNo, amount, providerRefundNo: r.refund.providerRefundNo });
    }
    assert.equal(emu.fubei.order(merchantOrderNo).refunded, 298);
    assert.equal(ledgerEntry(emu, merchantOrderNo).held, 682);

    const over = await c.refund({ merchantOrderNo, refundNo: no('r'), amount: 683 });
    failed(over, 'REFUND_CONFLICT', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL');
    assert.equal(emu.fubei.order(merchantOrderNo).refunded, 298, 'the refused refund moved nothing');

    const rest = await c.refund({ providerOrderNo, refundNo: no('r'), amount: 682 });
    assert.equal(rest.outcome, 'SUCCEEDED', show(rest));
    assert.equal(rest.refund.amount, 682);
    const e = emu.fubei.order(merchantOrderNo);
    assert.equal(e.refunded, 980);
    assert.deepEqual(e.refunds.map((x) => x.amount), [1, 7, 290, 682]);
    assert.equal(e.paid, false);
    const l = ledgerEntry(emu, merchantOrderNo);
    assert.equal(l.held, 0);
    assert.equal(l.paid, false);
    assert.equal(l.total, 980);

    const more = await c.refund({ merchantOrderNo, refundNo: no('r'), amount: 1 });
    failed(more, 'REFUND_CONFLICT', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL');
    assert.equal(emu.fubei.order(merchantOrderNo).refunded, 980);

    // Each refund, queried (with the order named: see the separate refundQuery-by-number-only test).
    for (const x of refunds) {
      for (const ref of [{ refundNo: x.refundNo }, { providerRefundNo: x.providerRefundNo }]) {
        const q = await c.refundQuery({ merchantOrderNo, ...ref });
        assert.equal(q.operation, 'refundQuery');
        assert.equal(q.outcome, 'SUCCEEDED', show(q));
        assert.equal(q.next, 'NONE');
        assert.equal(q.refund.state, 'SUCCESS');
        assert.equal(q.refund.refundNo, x.refundNo);
        assert.equal(q.refund.providerRefundNo, x.providerRefundNo);
        assert.equal(q.refund.amount, x.amount);
      }
    }
    // The order stays SUCCESS (Fubei reports refunds per refund, not on the order).
    const q = await c.query({ merchantOrderNo });
    assert.equal(q.order.providerState, 'SUCCESS');
    assert.equal(q.order.amounts.total, 980);
  });

  test(`${v.label}: refundQuery by refundNo alone and by providerRefundNo alone (the public RefundQueryInput)`,
    T,
    async () => {
      const c = client(v);
      const { merchantOrderNo } = await paid(c, `${v.name}rq`, 1000);
      const refundNo = no('r');
      const r = await c.refund({ merchantOrderNo, refundNo, amount: 250 });
      assert.equal(r.outcome, 'SUCCEEDED', show(r));
      for (const ref of [{ refundNo }, { providerRefundNo: r.refund.providerRefundNo }]) {
        const q = await c.refundQuery(ref);
        assert.equal(q.outcome, 'SUCCEEDED', show(q));
        assert.equal(q.refund.state, 'SUCCESS');
        assert.equal(q.refund.refundNo, refundNo);
        assert.equal(q.refund.providerRefundNo, r.refund.providerRefundNo);
        assert.equal(q.refund.amount, 250);
      }
    });

  test(`${v.label}: a refund retried with the same refundNo is answered, not repeated; another amount is a conflict`, T, async () => {
    const c = client(v);
    const { merchantOrderNo } = await paid(c, `${v.name}idem`, 1000);
    const refundNo = no('r');
    const first = await c.refund({ merchantOrderNo, refundNo, amount: 400 });
    assert.equal(first.outcome, 'SUCCEEDED', show(first));
    const again = await c.refund({ merchantOrderNo, refundNo, amount: 400 });
    assert.equal(again.outcome, 'SUCCEEDED', show(again));
    assert.equal(again.refund.providerRefundNo, first.refund.providerRefundNo);
    assert.equal(again.refund.amount, 400);
    assert.equal(emu.fubei.order(merchantOrderNo).refunded, 400, 'refunded once');
    assert.equal(emu.fubei.order(merchantOrderNo).refunds.length, 1);

    const other = await c.refund({ merchantOrderNo, refundNo, amount: 500 });
    assert.equal(other.outcome, 'UNKNOWN', show(other));
    assert.equal(other.next, 'POLL');
    // The number was used for another refund, which may stand: never FAILED (that invites a second refund).
    assert.equal(other.error.code, 'DUPLICATE_ORDER');
    assert.equal(other.error.providerCode, 'ACQ.DISCORDANT_REPEAT_REQUEST');
    assert.equal(emu.fubei.order(merchantOrderNo).refunded, 400);
  });

  test(`${v.label}: a refund in progress: refund IN_PROGRESS/PENDING, refundQuery PENDING, PENDING, then SUCCESS`, T, async () => {
    const c = client(v, { e: emuRefund });
    const { merchantOrderNo } = await paid(c, `${v.name}rp`, 1500);
    const refundNo = no('r');
    const r = await c.refund({ merchantOrderNo, refundNo, amount: 600 });
    assert.equal(r.outcome, 'IN_PROGRESS', show(r));
    assert.equal(r.next, 'POLL');
    assert.equal(r.refund.state, 'PENDING');
    assert.equal(r.refund.providerState, 'REFUND_PROCESSING');
    assert.equal(r.refund.amount, 600);
    const ref = v.apiVersion === '1.0' ? { merchantOrderNo, refundNo } : { refundNo };
    for (let i = 0; i < 2; i++) { // refundInProgressQueries: 2
      const q = await c.refundQuery(ref);
      assert.equal(q.outcome, 'SUCCEEDED', show(q));
      assert.equal(q.refund.state, 'PENDING', `refund query ${i + 1}`);
      assert.equal(q.next, 'POLL');
    }
    const q = await c.refundQuery({ ...ref, providerRefundNo: r.refund.providerRefundNo });
    assert.equal(q.outcome, 'SUCCEEDED', show(q));
    assert.equal(q.refund.state, 'SUCCESS');
    assert.equal(q.next, 'NONE');
    assert.equal(q.refund.amount, 600);
    assert.equal(emuRefund.fubei.order(merchantOrderNo).refunded, 600);
    assert.equal(ledgerEntry(emuRefund, merchantOrderNo).held, 900);
  });

  test(`${v.label}: close of an unpaid QR order → SUCCEEDED, query CLOSED; close of a paid order is refused`, T, async () => {
    const c = client(v);
    const merchantOrderNo = no(`${v.name}cl`);
    assert.equal((await c.precreate(order(merchantOrderNo, 300, { channel: 'ALIPAY' }))).outcome, 'SUCCEEDED');
    const r = await c.close({ merchantOrderNo });
    assert.equal(r.operation, 'close');
    assert.equal(r.outcome, 'SUCCEEDED', show(r));
    assert.equal(r.next, 'NONE');
    assert.equal(r.order.state, 'CLOSED');
    assert.equal(r.order.merchantOrderNo, merchantOrderNo);
    const q = await c.query({ merchantOrderNo });
    assert.equal(q.outcome, 'SUCCEEDED', show(q));
    assert.equal(q.order.state, 'CLOSED');
    assert.equal(q.order.final, true);
    assert.equal(q.order.providerState, 'CLOSED');
    assert.equal(q.next, 'NONE');
    assert.equal(ledgerEntry(emu, merchantOrderNo).paid, false);
    // Too late to pay it now.
    assert.throws(() => emu.fubei.buyerPays(merchantOrderNo), /CLOSED/);

    const p = await paid(c, `${v.name}clp`, 300);
    const refused = await c.close({ merchantOrderNo: p.merchantOrderNo });
    failed(refused, 'INVALID_ORDER_STATE', 'ORDERPAID');
    const l = ledgerEntry(emu, p.merchantOrderNo);
    assert.equal(l.paid, true);
    assert.equal(l.held, 300);
  });

  test(`${v.label}: cancel (reverse) of an in-progress 9300 pay → SUCCEEDED; the order is reversed, nothing held`, T, async () => {
    const c = client(v);
    const merchantOrderNo = no(`${v.name}cx`);
    const p = await c.pay(barcode(merchantOrderNo, 4321, '9300000000000001'));
    assert.equal(p.outcome, 'IN_PROGRESS', show(p));
    const r = await c.cancel({ merchantOrderNo });
    assert.equal(r.operation, 'cancel');
    assert.equal(r.outcome, 'SUCCEEDED', show(r));
    assert.equal(r.next, 'NONE');
    assert.equal(r.order.state, 'CLOSED');
    const q = await c.query({ merchantOrderNo });
    assert.equal(q.order.state, 'CLOSED');
    assert.equal(q.order.providerState, 'REVOKED');
    const l = ledgerEntry(emu, merchantOrderNo);
    assert.equal(l.state, 'REVOKED');
    assert.equal(l.paid, false);
    assert.equal(l.held, 0);
  });

  test(`${v.label}: the request: JSON envelope of strings, biz_content with exact yuan, uppercase MD5, fresh nonce`, T, async () => {
    const spy = spyFetch({ keepText: true });
    const c = client(v, { fetch: spy });
    const merchantOrderNo = no(`${v.name}rq`);
    assert.equal((await c.pay(barcode(merchantOrderNo, 980))).outcome, 'SUCCEEDED');
    await c.query({ merchantOrderNo });
    await c.query({ merchantOrderNo });
    assert.equal(spy.calls.length, 3);
    const nonces = new Set();
    for (const { url, init } of spy.calls) {
      assert.equal(url, `${emu.url}${v.path}`);
      assert.equal(init.method, 'POST');
      assert.match(init.headers['content-type'], /^application\/json/);
      const env = JSON.parse(init.body);
      for (const [k, val] of Object.entries(env)) assert.equal(typeof val, 'string', `${k} is a string`);
      assert.equal(env.format, 'json');
      assert.equal(env.sign_method, 'md5');
      assert.equal(env.version, '1.0');
      assert.match(env.nonce, /^[A-Za-z0-9]{16,32}$/);
      nonces.add(env.nonce);
      assert.match(env.sign, /^[0-9A-F]{32}$/, 'uppercase MD5 hex');
      assert.equal(env.sign, fubeiSign(env, secretFor(emu, v)), 'sign recomputed with node:crypto');
      const biz = JSON.parse(env.biz_content);
      assert.equal(biz.merchant_order_sn, merchantOrderNo);
      const c0 = emu.fubei.credentials;
      if (v.identity === 'vendor') {
        assert.equal(env.vendor_sn, c0.vendorSn);
        assert.equal(env.app_id, undefined);
        assert.equal(biz.merchant_id, c0.merchantId);
        assert.ok(env.biz_content.includes(`"merchant_id":${c0.merchantId}`), 'merchant_id is a JSON number');
      } else {
        assert.equal(env.app_id, c0.appId);
        assert.equal(env.vendor_sn, undefined);
        assert.equal(biz.merchant_id, undefined);
      }
    }
    assert.equal(nonces.size, 3, 'a fresh nonce per request');
    const pay = JSON.parse(spy.calls[0].init.body);
    assert.equal(pay.method, v.apiVersion === '1.0' ? 'openapi.payment.order.swipe' : 'fbpay.order.pay');
    assert.ok(pay.biz_content.includes(`"${v.amountKey}":9.80`), pay.biz_content);
    assert.ok(pay.biz_content.includes(`"auth_code":"${WECHAT_CODE}"`), pay.biz_content);
    assert.equal(JSON.parse(spy.calls[1].init.body).method, v.apiVersion === '1.0' ? 'openapi.payment.order.query' : 'fbpay.order.query');
  });

  test(`${v.label}: a wrong secret → FAILED AUTH_FAILED (SIGNERROR), no order made`, T, async () => {
    const wrong = v.identity === 'vendor' ? { vendorSecret: '0'.repeat(32) } : { appSecret: '0'.repeat(32) };
    const c = client(v, { credentials: wrong });
    const merchantOrderNo = no(`${v.name}auth`);
    const r = await c.pay(barcode(merchantOrderNo, 100));
    failed(r, 'AUTH_FAILED', 'SIGNERROR');
    assert.equal(emu.fubei.order(merchantOrderNo), undefined);
    failed(await c.query({ merchantOrderNo }), 'AUTH_FAILED', 'SIGNERROR');
  });

  test(`${v.label}: payAndConfirm with a 9100 code (virtual clock) → PAID`, T, async () => {
    const c = client(v);
    let t = 1_800_000_000_000;
    const slept = [];
    const sleep = async (ms) => { slept.push(ms); t += ms; };
    const merchantOrderNo = no(`${v.name}pc`);
    const f = await c.payAndConfirm(barcode(merchantOrderNo, 980, '9100000000000002'), { sleep, now: () => t });
    assert.equal(f.verdict, 'PAID', f.message);
    assert.equal(typeof f.message, 'string');
    assert.equal(f.result.operation, 'query');
    assert.equal(f.result.order.state, 'SUCCESS');
    assert.equal(f.result.order.amounts.total, 980);
    assert.equal(slept.length, 3, 'USERPAYING twice, then SUCCESS');
    assert.ok(slept.every((ms) => ms > 0));
    const l = ledgerEntry(emu, merchantOrderNo);
    assert.equal(l.paid, true);
    assert.equal(l.held, 980);
  });

  test(`${v.label}: payAndConfirm with a 9300 code and timeoutMs → TIMED_OUT_REVERSED, no money held`, T, async () => {
    const spy = spyFetch({ keepText: true });
    const c = client(v, { fetch: spy });
    let t = 1_800_000_000_000;
    const sleep = async (ms) => { t += ms; };
    const merchantOrderNo = no(`${v.name}to`);
    const f = await c.payAndConfirm(barcode(merchantOrderNo, 1500, '9300000000000002'), { sleep, now: () => t, timeoutMs: 10_000 });
    assert.equal(f.verdict, 'TIMED_OUT_REVERSED', f.message);
    // The reversal (1.0 reverse, 2.0 cancel), then one query that confirms it: the result is that query's.
    const [reverse, query] = v.apiVersion === '1.0' ? ['openapi.payment.order.reverse', 'openapi.payment.order.query'] : ['fbpay.order.cancel', 'fbpay.order.query'];
    assert.deepEqual(methodsOf(spy).slice(-2), [reverse, query]);
    assert.equal(methodsOf(spy).filter((m) => m === reverse).length, 1, 'one reversal, answered');
    assert.equal(f.result.operation, 'query');
    assert.equal(f.result.outcome, 'SUCCEEDED', show(f.result));
    assert.equal(f.result.order.state, 'CLOSED', show(f.result));
    const l = ledgerEntry(emu, merchantOrderNo);
    assert.equal(l.state, 'REVOKED');
    assert.equal(l.paid, false);
    assert.equal(l.held, 0);
    const events = emu.fubei.order(merchantOrderNo).events.map((e) => e.type);
    assert.deepEqual(events, ['created', 'revoked'], 'never paid, one order');
  });

  test(`${v.label}: state conflicts and unknown numbers are definite failures that move no money`, T, async () => {
    const c = client(v);
    const unpaid = no(`${v.name}su`);
    assert.equal((await c.precreate(order(unpaid, 800, { channel: 'WECHAT' }))).outcome, 'SUCCEEDED');
    failed(await c.refund({ merchantOrderNo: unpaid, refundNo: no('r'), amount: 100 }), 'INVALID_ORDER_STATE', 'TRADE_STATE_ERROR');
    assert.equal((await c.close({ merchantOrderNo: unpaid })).outcome, 'SUCCEEDED');
    const closedAgain = await c.close({ merchantOrderNo: unpaid });
    assert.equal(closedAgain.outcome, 'SUCCEEDED', `closing a closed order again is a no-op: ${show(closedAgain)}`);
    failed(await c.refund({ merchantOrderNo: unpaid, refundNo: no('r'), amount: 100 }), 'INVALID_ORDER_STATE', 'ORDERCLOSED');
    failed(await c.cancel({ merchantOrderNo: unpaid }), 'INVALID_ORDER_STATE', 'ORDERCLOSED');

    // revoke of a paid barcode order returns the money.
    const p = await paid(c, `${v.name}sv`, 640);
    const rv = await c.revoke({ merchantOrderNo: p.merchantOrderNo });
    assert.equal(rv.operation, 'revoke');
    assert.equal(rv.outcome, 'SUCCEEDED', show(rv));
    assert.equal(rv.order.state, 'CLOSED');
    const lv = ledgerEntry(emu, p.merchantOrderNo);
    assert.deepEqual([lv.state, lv.paid, lv.held], ['REVOKED', false, 0]);
    failed(await c.refund({ merchantOrderNo: p.merchantOrderNo, refundNo: no('r'), amount: 1 }), 'INVALID_ORDER_STATE', 'ORDERREVERSED');
    failed(await c.close({ merchantOrderNo: p.merchantOrderNo }), 'INVALID_ORDER_STATE', 'ORDERREVERSED');

    // A partly refunded order cannot be reversed.
    const pr = await paid(c, `${v.name}sp`, 640);
    assert.equal((await c.refund({ merchantOrderNo: pr.merchantOrderNo, refundNo: no('r'), amount: 40 })).outcome, 'SUCCEEDED');
    failed(await c.cancel({ merchantOrderNo: pr.merchantOrderNo }), 'INVALID_ORDER_STATE', 'TRADE_STATE_ERROR');
    assert.equal(ledgerEntry(emu, pr.merchantOrderNo).held, 600);

    notFound(await c.query({ merchantOrderNo: no('nobody') }), 'ORDERNOTEXIST');
    const rq = v.apiVersion === '1.0' ? { merchantOrderNo: pr.merchantOrderNo, refundNo: no('nr') } : { refundNo: no('nr') };
    notFound(await c.refundQuery(rq), 'ORDERNOTEXIST');
  });

  test(`${v.label}: gateway faults are never FAILED: maintenance, HTTP 500, a lost answer, a timeout`, T, async () => {
    const c = client(v, { timeoutMs: 300 });
    const method = (op) => (v.apiVersion === '1.0' ? `openapi.payment.order.${op}` : `fbpay.order.${op === 'swipe' ? 'pay' : op}`);
    const path = v.path;
    try {
      const { merchantOrderNo } = await paid(c, `${v.name}fx`, 1000);
      emu.faults.add({ path, kind: 'maintenance', method: method('refund') });
      const m = await c.refund({ merchantOrderNo, refundNo: no('r'), amount: 100 });
      assert.equal(m.outcome, 'UNKNOWN', show(m));
      assert.equal(m.next, 'POLL');
      assert.equal(m.error.providerCode, '500');
      assert.equal(emu.fubei.order(merchantOrderNo).refunded, 0, 'maintenance: not processed');

      emu.faults.add({ path, kind: 'http500', method: method('query') });
      const h = await c.query({ merchantOrderNo });
      assert.equal(h.outcome, 'UNKNOWN', show(h));
      assert.equal(h.next, 'RETRY');
      assert.equal(h.error.code, 'PROVIDER_UNAVAILABLE');

      const lost = no(`${v.name}fl`);
      emu.faults.add({ path, kind: 'drop-after', method: method('swipe') });
      const d = await c.pay(barcode(lost, 450));
      assert.equal(d.outcome, 'UNKNOWN', show(d));
      assert.equal(d.next, 'POLL');
      assert.equal(d.error.code, 'NETWORK');
      const q = await c.query({ merchantOrderNo: lost });
      assert.equal(q.order.state, 'SUCCESS', 'the gateway acted although the answer was lost');
      assert.equal(q.order.amounts.total, 450);

      const slow = no(`${v.name}fs`);
      emu.faults.add({ path, kind: 'delay', ms: 2000, method: method('swipe') });
      const started = Date.now();
      const t = await c.pay(barcode(slow, 460));
      assert.ok(Date.now() - started < 1500, 'the client timeout bounds the wait');
      assert.equal(t.outcome, 'UNKNOWN', show(t));
      assert.equal(t.error.code, 'NETWORK');
      assert.equal(emu.fubei.order(slow).paid, true, 'processed; only the answer was late');
    } finally {
      emu.faults.clear();
    }
  });

  test(`${v.label}: waitForPayment on a QR order: the buyer pays while polled → PAID; nobody pays → closed, nothing held`, T, async () => {
    const c = client(v);
    let t = 1_800_000_000_000;
    const paying = no(`${v.name}wp`);
    assert.equal((await c.precreate(order(paying, 990, { channel: 'ALIPAY' }))).outcome, 'SUCCEEDED');
    let sleeps = 0;
    const f = await c.waitForPayment({ merchantOrderNo: paying, amount: 990 }, {
      now: () => t,
      sleep: async (ms) => { t += ms; if (++sleeps === 3) emu.fubei.buyerPays(paying); },
    });
    assert.equal(f.verdict, 'PAID', f.message);
    assert.equal(f.result.order.amounts.total, 990);
    assert.equal(ledgerEntry(emu, paying).held, 990);

    const idle = no(`${v.name}wi`);
    assert.equal((await c.precreate(order(idle, 990, { channel: 'WECHAT' }))).outcome, 'SUCCEEDED');
    const spy = spyFetch({ keepText: true });
    const g = await client(v, { fetch: spy }).waitForPayment({ merchantOrderNo: idle, amount: 990 }, { now: () => t, sleep: async (ms) => { t += ms; }, timeoutMs: 8_000 });
    assert.equal(g.verdict, 'TIMED_OUT_REVERSED', g.message);
    // The close, then one query that confirms it: the result is that query's.
    const [close, query] = v.apiVersion === '1.0' ? ['openapi.payment.order.close', 'openapi.payment.order.query'] : ['fbpay.order.close', 'fbpay.order.query'];
    assert.deepEqual(methodsOf(spy).slice(-2), [close, query]);
    assert.equal(g.result.operation, 'query');
    assert.equal(g.result.order.state, 'CLOSED', show(g.result));
    const l = ledgerEntry(emu, idle);
    assert.deepEqual([l.state, l.paid, l.held], ['CLOSED', false, 0]);
  });

  // ---------------------------------------------------------------- notifications

  test(`${v.label}: notification to the merchant server verifies as SUCCESS with exact amounts; ack "success"`, T, async () => {
    const name = `${v.name}n`;
    notifyClients[name] = client(v);
    const merchantOrderNo = no(name);
    const r = await notifyClients[name].precreate(order(merchantOrderNo, 980, { channel: 'WECHAT', notifyUrl: `${merchant.url}/notify/${name}` }));
    assert.equal(r.outcome, 'SUCCEEDED', show(r));
    emu.fubei.buyerPays(merchantOrderNo);
    await emu.fubei.flushNotifications();
    const log = emu.fubei.notifications.filter((n) => n.merchant_order_sn === merchantOrderNo);
    assert.equal(log.length, 1, 'acknowledged at the first attempt');
    assert.equal(log[0].status, 200);
    assert.equal(log[0].reply, 'success');
    assert.equal(log[0].url, `${merchant.url}/notify/${name}`);
    const got = merchant.received.filter((x) => x.body.toString() === log[0].body);
    assert.equal(got.length, 1);
    assert.equal(got[0].error, undefined, String(got[0].error));
    assert.match(got[0].headers['content-type'], /^application\/x-www-form-urlencoded/);
    const { order: o, ack, raw } = got[0].verified;
    assert.equal(o.state, 'SUCCESS');
    assert.equal(o.final, true);
    assert.equal(o.merchantOrderNo, merchantOrderNo);
    assert.equal(o.providerOrderNo, emu.fubei.order(merchantOrderNo).order_sn);
    assert.equal(o.channel, 'WECHAT');
    assert.equal(o.amounts.total, 980);
    assert.equal(o.amounts.paid, 980);
    assert.equal(o.amounts.fee, emu.fubei.order(merchantOrderNo).fee);
    assert.equal(o.amounts.net, 980 - emu.fubei.order(merchantOrderNo).fee);
    assert.equal(ack.status, 200);
    assert.equal(ack.body, 'success');
    assert.equal(raw.result_code, '200');
    assert.equal(raw.data.merchant_order_sn, merchantOrderNo);
    // The form's data field carries the short yuan text the library read exactly.
    assert.ok(log[0].fields.data.includes(`"${v.amountKey}":9.8,`) || log[0].fields.data.includes(`"${v.amountKey}":9.8}`), log[0].fields.data);
  });

  test(`${v.label}: notifyAck 'SUCCESS' is what the merchant answers, and the emulator accepts it`, T, async () => {
    const name = `${v.name}N`;
    notifyClients[name] = client(v, { notifyAck: 'SUCCESS' });
    const merchantOrderNo = no(name);
    const r = await notifyClients[name].precreate(order(merchantOrderNo, 1, { channel: 'ALIPAY', notifyUrl: `${merchant.url}/notify/${name}` }));
    assert.equal(r.outcome, 'SUCCEEDED', show(r));
    emu.fubei.buyerPays(merchantOrderNo);
    await emu.fubei.flushNotifications();
    const log = emu.fubei.notifications.filter((n) => n.merchant_order_sn === merchantOrderNo);
    assert.equal(log.length, 1);
    assert.equal(log[0].reply, 'SUCCESS');
    const got = merchant.received.find((x) => x.body.toString() === log[0].body);
    assert.equal(got.verified.ack.body, 'SUCCESS');
    assert.equal(got.verified.order.amounts.total, 1);
    assert.equal(got.verified.order.channel, 'ALIPAY');
  });

  test(`${v.label}: notification tampered → BAD_SIGNATURE; re-ordered → valid; no sign → MISSING_SIGNATURE; wrong secret → BAD_SIGNATURE`, T, async () => {
    const c = client(v);
    const merchantOrderNo = no(`${v.name}nt`);
    const r = await c.precreate(order(merchantOrderNo, 980, { channel: 'UNIONPAY' }));
    assert.equal(r.outcome, 'SUCCEEDED', show(r));
    emu.fubei.buyerPays(merchantOrderNo);
    // Capture one genuine form body by sending it to a one-shot URL on the merchant server (answered "rejected").
    const sent = await emu.fubei.sendNotification(merchantOrderNo, `${merchant.url}/notify/none`);
    assert.equal(sent.status, 400);
    const entry = emu.fubei.notifications.filter((n) => n.merchant_order_sn === merchantOrderNo).at(-1);
    const body = Buffer.from(entry.body);
    const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

    const good = await c.verifyNotification({ headers, body });
    assert.equal(good.order.state, 'SUCCESS');
    assert.equal(good.order.amounts.total, 980);
    assert.equal(good.order.channel, 'UNIONPAY');

    const form = new URLSearchParams(entry.body);
    const tampered = new URLSearchParams(form);
    tampered.set('data', form.get('data').replace(`"${v.amountKey}":9.8`, `"${v.amountKey}":0.01`));
    assert.notEqual(tampered.get('data'), form.get('data'));
    await rejection(c.verifyNotification({ headers, body: tampered.toString() }), 'NOTIFICATION_INVALID', 'BAD_SIGNATURE');

    const message = new URLSearchParams(form);
    message.set('result_message', 'ok');
    await rejection(c.verifyNotification({ headers, body: message.toString() }), 'NOTIFICATION_INVALID', 'BAD_SIGNATURE');

    const reordered = new URLSearchParams([...form].reverse());
    assert.notEqual(reordered.toString(), entry.body);
    const again = await c.verifyNotification({ headers, body: reordered.toString() });
    assert.equal(again.order.state, 'SUCCESS');
    assert.equal(again.order.amounts.total, 980);
    // Percent-encoding everything (no '+') verifies too: the values are what is signed.
    const encoded = [...form].map(([k, val]) => `${encodeURIComponent(k)}=${encodeURIComponent(val)}`).join('&');
    assert.equal((await c.verifyNotification({ headers, body: encoded })).order.amounts.total, 980);

    const repeated = `${entry.body}&sign=${form.get('sign')}`;
    await rejection(c.verifyNotification({ headers, body: repeated }), 'NOTIFICATION_INVALID', 'MALFORMED');

    const unsigned = new URLSearchParams(form);
    unsigned.delete('sign');
    await rejection(c.verifyNotification({ headers, body: unsigned.toString() }), 'NOTIFICATION_INVALID', 'MISSING_SIGNATURE');

    const wrongSecret = v.identity === 'vendor' ? { vendorSecret: 'f'.repeat(32) } : { appSecret: 'f'.repeat(32) };
    await rejection(client(v, { credentials: wrongSecret }).verifyNotification({ headers, body }), 'NOTIFICATION_INVALID', 'BAD_SIGNATURE');

    // Signed with this variant's secret: the sign recomputes with node:crypto over the decoded fields.
    const fields = Object.fromEntries(form);
    assert.equal(fields.sign, fubeiSign(fields, secretFor(emu, v)));
  });
}

// ---------------------------------------------------------------- whose notification it is (issue 8)

test('2.0 vendorSn: a genuinely signed notice for another merchant (merchant_id / uid), or naming none, is WRONG_MERCHANT', T, async () => {
  // One vendor secret signs the notices of every merchant of the vendor: another merchant's 0.01 yuan
  // order under our order number gets a genuine signature. Only merchant_id (or uid) says whose it is.
  const v = VARIANTS.find((x) => x.identity === 'vendor');
  const name = 'v2vwm';
  notifyClients[name] = client(v);
  const merchantOrderNo = no(name);
  const r = await notifyClients[name].precreate(order(merchantOrderNo, 980, { channel: 'WECHAT', notifyUrl: `${merchant.url}/notify/${name}` }));
  assert.equal(r.outcome, 'SUCCEEDED', show(r));
  emu.fubei.buyerPays(merchantOrderNo);
  await emu.fubei.flushNotifications();
  const ours = emu.fubei.notifications.filter((n) => n.merchant_order_sn === merchantOrderNo);
  assert.equal(ours.at(-1).reply, 'success', 'our own merchant\'s notice verifies');
  assert.equal(JSON.parse(ours.at(-1).fields.data).merchant_id, emu.fubei.credentials.merchantId);

  const other = emu.fubei.credentials.merchantId + 1;
  for (const [what, fields] of [
    ['another merchant_id', { merchant_id: other, total_amount: 0.01 }],
    ['another uid', { uid: other }],
    ['no merchant named', { merchant_id: undefined }],
  ]) {
    const sent = await emu.fubei.sendNotification(merchantOrderNo, `${merchant.url}/notify/${name}`, { fields });
    assert.equal(sent.status, 400, what);
    const entry = emu.fubei.notifications.filter((n) => n.merchant_order_sn === merchantOrderNo).at(-1);
    assert.equal(entry.fields.sign, fubeiSign(entry.fields, secretFor(emu, v)), `${what}: genuinely signed`);
    const got = merchant.received.find((x) => x.body.toString() === entry.body);
    assert.ok(got.error instanceof AggpayError, `${what}: ${got.error}`);
    assert.equal(got.error.code, 'NOTIFICATION_INVALID', what);
    assert.equal(got.error.reason, 'WRONG_MERCHANT', `${what}: ${got.error.message}`);
    assert.doesNotMatch(got.error.message, new RegExp(String(other)), what);
  }
});

// ---------------------------------------------------------------- amounts, both emulator styles

const AMOUNTS = [1, 7, 980, 10000, 1_000_000_000];

for (const style of ['short', 'fixed']) {
  for (const v of VARIANTS) {
    test(`${v.label}, emulator amountStyle '${style}': ${AMOUNTS.join(', ')} fen travel and come back exactly`, T, async () => {
      const e = style === 'short' ? emu : emuFixed;
      const spy = spyFetch({ keepText: true });
      const c = client(v, { e, fetch: spy });
      for (const amount of AMOUNTS) {
        const merchantOrderNo = no(`${v.name}${style[0]}a`);
        const r = await c.pay(barcode(merchantOrderNo, amount));
        assert.equal(r.outcome, 'SUCCEEDED', show(r));
        const sent = JSON.parse(spy.calls.at(-1).init.body).biz_content;
        assert.ok(sent.includes(`"${v.amountKey}":${yuan(amount)}`), `sent ${sent}`);
        assert.equal(e.fubei.order(merchantOrderNo).total, amount, 'the emulator read the exact fen');
        const answered = spy.calls.at(-1).text;
        assert.match(answered, new RegExp(`"${v.amountKey}":${yuan(amount, style).replace('.', '\\.')}[,}]`), answered);
        assert.equal(r.order.amounts.total, amount);
        assert.equal(r.order.amounts.paid, amount);

        const q = await c.query({ merchantOrderNo });
        assert.equal(q.outcome, 'SUCCEEDED', show(q));
        const fee = e.fubei.order(merchantOrderNo).fee;
        assert.equal(q.order.amounts.total, amount, `query total for ${amount}`);
        assert.equal(q.order.amounts.paid, amount);
        assert.equal(q.order.amounts.fee, fee);
        assert.equal(q.order.amounts.net, amount - fee);
      }
      // Refund the awkward 980 in parts that need exact cents, in this style too.
      const { merchantOrderNo } = await paid(c, `${v.name}${style[0]}r`, 980);
      for (const amount of [90, 890]) {
        const r = await c.refund({ merchantOrderNo, refundNo: no('r'), amount });
        assert.equal(r.outcome, 'SUCCEEDED', show(r));
        assert.equal(r.refund.amount, amount);
        assert.ok(spy.calls.at(-1).text.includes(`"${v.refundKey}":${yuan(amount, style)}`), spy.calls.at(-1).text);
      }
      assert.equal(e.fubei.order(merchantOrderNo).refunded, 980);
      assert.equal(ledgerEntry(e, merchantOrderNo).held, 0);
    });
  }
}

test('amounts the gateway cannot take are refused before anything is sent', T, async () => {
  for (const v of VARIANTS) {
    const spy = spyFetch({ keepText: true });
    const c = client(v, { fetch: spy });
    for (const amount of [9_999_999_999, 1_000_000_001, 0, -5, 9.8]) {
      await rejection(c.pay(barcode(no('big'), amount)), 'INVALID_INPUT');
      await rejection(c.precreate(order(no('big'), amount, { channel: 'ALIPAY' })), 'INVALID_INPUT');
    }
    await rejection(c.refund({ merchantOrderNo: 'x', refundNo: 'y', amount: 9_999_999_999 }), 'INVALID_INPUT');
    assert.equal(spy.calls.length, 0, `${v.label}: nothing was sent`);
  }
});

test('configuration: vendor credentials need apiVersion 2.0; 1.0 QR orders need a channel; 2.0 QR without one is an aggregate code', T, async () => {
  const c0 = emu.fubei.credentials;
  assert.throws(
    () => createClient({ provider: 'fubei', baseUrl: `${emu.url}/fubei`, credentials: { vendorSn: c0.vendorSn, vendorSecret: c0.vendorSecret, merchantId: c0.merchantId } }),
    (e) => e instanceof AggpayError && e.code === 'INVALID_CONFIG',
  );
  await rejection(client(VARIANTS[0]).precreate(order(no('noch'), 100)), 'INVALID_INPUT');

  const c = client(VARIANTS[1]);
  const merchantOrderNo = no('agg');
  const r = await c.precreate(order(merchantOrderNo, 555));
  assert.equal(r.outcome, 'SUCCEEDED', show(r));
  assert.ok(r.order.qrCode);
  emu.fubei.buyerPays(merchantOrderNo, 'alipay');
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.order.state, 'SUCCESS');
  assert.equal(q.order.channel, 'ALIPAY');
  assert.equal(q.order.amounts.total, 555);
});

test('both generations share one ledger: a 1.0 order is queried and refunded through 2.0', T, async () => {
  const [v1, v2v] = VARIANTS;
  const { merchantOrderNo } = await paid(client(v1), 'x1', 2500);
  const c2 = client(v2v);
  const q = await c2.query({ merchantOrderNo });
  assert.equal(q.outcome, 'SUCCEEDED', show(q));
  assert.equal(q.order.state, 'SUCCESS');
  assert.equal(q.order.amounts.total, 2500);
  const r = await c2.refund({ merchantOrderNo, refundNo: no('r'), amount: 2500 });
  assert.equal(r.outcome, 'SUCCEEDED', show(r));
  assert.equal(ledgerEntry(emu, merchantOrderNo).held, 0);
});
