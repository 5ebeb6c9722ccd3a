// Fubei (付呗) wallet orders and discounts end to end: the package, loaded by name, against the Fubei emulator
// over real HTTP. Every kind × wallet for each API generation: what Fubei makes comes back with the pay parameters
// a cashier page hands to wx.requestPayment / my.tradePay (WeChat: exactly the six string keys); what it does not
// make is refused before anything is sent. A wallet order is then paid by its buyer (emulator control) while
// waitForPayment polls it; and a merchant discount reads as amounts.paid / discount / net.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, AggpayError } from 'aggpay';
import { spyFetch, useEmulator } from './kit.mjs';

const T = { timeout: 20_000 };
const OPENID = 'oODbw0Aiss8lP5aPvFq9-_F4H9LA';
const ALIPAY_USER = '2088102146225135';
const SUB_APPID = 'wx2421b1c4370ec43b';
const WECHAT_KEYS = ['appId', 'nonceStr', 'package', 'paySign', 'signType', 'timeStamp'];
const KINDS = ['QR', 'JSAPI', 'MINI_PROGRAM', 'H5'];
const WALLETS = ['ALIPAY', 'WECHAT', 'UNIONPAY'];

const emu = useEmulator();

function client(apiVersion, identity, options = {}) {
  const c = emu.fubei.credentials;
  const credentials = identity === 'vendor'
    ? { vendorSn: c.vendorSn, vendorSecret: c.vendorSecret, merchantId: c.merchantId }
    : { appId: c.appId, appSecret: c.appSecret };
  return createClient({ provider: 'fubei', baseUrl: `${emu.url}/fubei`, apiVersion, credentials, ...options });
}

/**
 * What each generation makes: kind → wallet → [method, what the page gets]. Written here from Fubei's SDKs,
 * independently of the library's tables: 1.0 openapi.payment.order.scan / .mina / openapi.payment.Alipay.H5
 * (java-sdk MerchantPaymentApi.java); 2.0 fbpay.order.precreate / fbpay.order.create (AgentPaymentApi.java).
 */
const MAKES = {
  '1.0': {
    QR: { ALIPAY: 'openapi.payment.order.scan', WECHAT: 'openapi.payment.order.scan', UNIONPAY: 'openapi.payment.order.scan' },
    MINI_PROGRAM: { WECHAT: 'openapi.payment.order.mina' },
    JSAPI: { ALIPAY: 'openapi.payment.Alipay.H5' },
  },
  '2.0': {
    QR: { ALIPAY: 'fbpay.order.precreate', WECHAT: 'fbpay.order.precreate', UNIONPAY: 'fbpay.order.precreate' },
    JSAPI: { ALIPAY: 'fbpay.order.create', WECHAT: 'fbpay.order.create' },
  },
};

const VARIANTS = [
  { label: '1.0 appId', apiVersion: '1.0', identity: 'app' },
  { label: '2.0 vendorSn', apiVersion: '2.0', identity: 'vendor' },
  { label: '2.0 appId', apiVersion: '2.0', identity: 'app' },
];

let seq = 0;
const no = (tag) => `${tag}${process.pid}${++seq}`.slice(0, 32);

/** The input a merchant sends for kind × wallet: the buyer for wallet orders, the app id where 2.0 takes one. */
function input(v, kind, channel, merchantOrderNo, amount = 980) {
  const i = { merchantOrderNo, amount, kind, channel, subject: '咖啡' };
  if (kind === 'JSAPI' || kind === 'MINI_PROGRAM') i.payerId = channel === 'ALIPAY' ? ALIPAY_USER : OPENID;
  if (v.apiVersion === '2.0' && kind === 'JSAPI' && channel === 'WECHAT') i.subAppId = SUB_APPID;
  return i;
}

const methods = (spy) => spy.calls.map((c) => JSON.parse(c.init.body).method);

async function refused(promise, field) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof AggpayError, String(e));
    assert.equal(e.code, 'INVALID_INPUT', e.message);
    assert.equal(e.field, field, e.message);
    return true;
  });
}

for (const v of VARIANTS) {
  test(`${v.label}: every kind × wallet — made with its pay parameters, or refused before sending`, T, async () => {
    for (const kind of KINDS) {
      for (const channel of WALLETS) {
        const spy = spyFetch();
        const c = client(v.apiVersion, v.identity, { fetch: spy });
        const method = MAKES[v.apiVersion][kind]?.[channel];
        const n = no('w');
        const what = `${v.label} ${kind} ${channel}`;
        if (!method) {
          // Fubei does not make it: refused, naming the kind (none of that kind) or the wallet, and nothing sent.
          await refused(c.precreate(input(v, kind, channel, n)), MAKES[v.apiVersion][kind] ? 'channel' : 'kind');
          assert.equal(spy.calls.length, 0, what);
          continue;
        }
        const r = await c.precreate(input(v, kind, channel, n));
        assert.equal(r.outcome, 'SUCCEEDED', `${what}: ${JSON.stringify(r.error)}`);
        assert.equal(r.next, 'POLL', what);
        assert.deepEqual(methods(spy), [method], what);
        assert.equal(r.order.state, 'PENDING', what);
        // The order as the answer names it: 1.0's Alipay JSAPI answer (PaymentH5AlipayModel) carries only
        // Fubei's order_sn, and the library does not write the asked number in for it.
        if (v.apiVersion === '1.0' && kind === 'JSAPI') {
          assert.equal(r.order.merchantOrderNo, null, what);
          assert.ok(r.order.providerOrderNo, what);
        } else {
          assert.equal(r.order.merchantOrderNo, n, what);
        }
        const p = r.order.payParams;
        if (kind === 'QR') {
          assert.equal(p, undefined, what);
          assert.ok(r.order.qrCode, what);
        } else if (channel === 'WECHAT') {
          assert.deepEqual(Object.keys(p).sort(), WECHAT_KEYS, what);
          for (const k of WECHAT_KEYS) assert.equal(typeof p[k], 'string', `${what} ${k}`);
          assert.match(p.package, /^prepay_id=wx\d{14}/, what);
          assert.match(p.timeStamp, /^\d{10}$/, what);
          // 2.0: the official account named; 1.0 mina: the mini-program bound at Fubei.
          assert.equal(p.appId, v.apiVersion === '2.0' ? SUB_APPID : emu.fubei.credentials.minaAppId, what);
          // What Fubei sent, kept.
          const pkg = v.apiVersion === '2.0' ? r.raw.data.sign_package : r.raw.data.sign_params;
          assert.equal(pkg.paySign, p.paySign, what);
        } else {
          assert.deepEqual(Object.keys(p), ['tradeNO'], what);
          assert.equal(p.tradeNO, r.raw.data.prepay_id, what);
        }
      }
    }
  });

  test(`${v.label}: the buyer and the app id are checked before sending`, T, async () => {
    const spy = spyFetch();
    const c = client(v.apiVersion, v.identity, { fetch: spy });
    const wallet = v.apiVersion === '1.0' ? ['MINI_PROGRAM', 'WECHAT'] : ['JSAPI', 'WECHAT'];
    const { payerId, ...noBuyer } = input(v, ...wallet, no('nb'));
    await refused(c.precreate(noBuyer), 'payerId');
    await refused(c.precreate({ ...input(v, 'QR', 'ALIPAY', no('qb')), payerId: OPENID }), 'payerId');
    if (v.apiVersion === '1.0') {
      // 1.0 has no place for an app id.
      await refused(c.precreate({ ...input(v, ...wallet, no('ap')), subAppId: SUB_APPID }), 'subAppId');
    } else {
      const { subAppId, ...noApp } = input(v, ...wallet, no('na'));
      await refused(c.precreate(noApp), 'subAppId');
      await refused(c.precreate({ ...input(v, 'QR', 'WECHAT', no('qa')), subAppId: SUB_APPID }), 'subAppId');
    }
    // A 2.0 JSAPI order must name its wallet (no aggregated wallet order).
    await refused(c.precreate({ ...input(v, 'JSAPI', 'ALIPAY', no('nc')), channel: undefined }), 'channel');
    assert.equal(spy.calls.length, 0);
  });

  test(`${v.label}: waitForPayment after a wallet order: the buyer confirms in the wallet → PAID`, T, async () => {
    const wallets = v.apiVersion === '1.0' ? [['MINI_PROGRAM', 'WECHAT'], ['JSAPI', 'ALIPAY']] : [['JSAPI', 'WECHAT'], ['JSAPI', 'ALIPAY']];
    for (const [kind, channel] of wallets) {
      const c = client(v.apiVersion, v.identity);
      const n = no('wp');
      const r = await c.precreate(input(v, kind, channel, n, 1234));
      assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
      let t = 1_800_000_000_000;
      let sleeps = 0;
      const f = await c.waitForPayment({ merchantOrderNo: n, amount: 1234 }, {
        now: () => t,
        sleep: async (ms) => { t += ms; if (++sleeps === 2) emu.fubei.buyerPays(n); },
      });
      assert.equal(f.verdict, 'PAID', `${kind} ${channel}: ${f.message}`);
      assert.equal(f.result.order.amounts.total, 1234);
      assert.equal(f.result.order.channel, channel);
      const held = emu.ledger().find((x) => x.provider === 'fubei' && x.merchantOrderNo === n);
      assert.equal(held.held, 1234);
    }
  });

  test(`${v.label}: a merchant discount reads as paid, discount and net`, T, async () => {
    const c = client(v.apiVersion, v.identity);
    const n = no('disc');
    assert.equal((await c.precreate(input(v, 'QR', 'ALIPAY', n, 1000))).outcome, 'SUCCEEDED');
    emu.fubei.buyerPays(n, undefined, { discount: 150 });
    const q = await c.query({ merchantOrderNo: n });
    const a = q.order.amounts;
    const fee = emu.fubei.order(n).fee;
    assert.deepEqual(
      [a.total, a.paid, a.discount, a.fee, a.net],
      [1000, 850, 150, fee, 850 - fee],
      JSON.stringify(q.raw.data),
    );
    // What the gateway said, kept: 1.0 discount_money / buyer_pay_amount; 2.0 payment_list.
    if (v.apiVersion === '1.0') assert.deepEqual([q.raw.data.discount_money, q.raw.data.buyer_pay_amount], [1.5, 8.5]);
    else assert.deepEqual(q.raw.data.payment_list, [{ type: 'FUBEI_DISCOUNT', amount: 1.5 }]);
  });
}
