// Tingyihui (停宜慧) wallet orders end to end, through the built package against the emulator: every kind × wallet
// the platform makes (USER_QR, MINI_APP, M_WEB per the SDK's PayConstant.PayProduct), the pay parameters in the
// shared shapes, what it does not make refused before anything is sent, and waitForPayment after a
// mini-program order (Tingyihui documents no JSAPI product: its WeChat in-wallet order is the mini-program one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggpayError } from 'aggpay';
import { clientFor, spyFetch, useEmulator } from './kit.mjs';

const T = { timeout: 20_000 };
const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
const ALIPAY_USER = '2088102177846880';

const emu = useEmulator();

let seq = 0;
const no = (tag) => `${tag}-${process.pid}-${++seq}`;
const order = (tag, extra) => ({ merchantOrderNo: no(tag), amount: 1200, subject: '停车费', ...extra });

/** The business object of the create-trade request a spy saw (its Base64 `data`). */
const sent = (call) => JSON.parse(Buffer.from(JSON.parse(call.init.body).data, 'base64').toString('utf8'));

const KINDS = [
  // [input, payChannel, payProduct, what payParams / qrCode must be]
  [{ channel: 'ALIPAY' }, 'ALI_PAY', 'USER_QR', 'qr'],
  [{ channel: 'WECHAT', kind: 'QR' }, 'WX_PAY', 'USER_QR', 'qr'],
  [{ channel: 'WECHAT', kind: 'MINI_PROGRAM', payerId: OPENID }, 'WX_PAY', 'MINI_APP', 'wechat'],
  [{ channel: 'WECHAT', kind: 'MINI_PROGRAM', payerId: OPENID, subAppId: 'wx1234567890abcdef' }, 'WX_PAY', 'MINI_APP', 'wechat'],
  [{ channel: 'ALIPAY', kind: 'MINI_PROGRAM', payerId: ALIPAY_USER }, 'ALI_PAY', 'MINI_APP', 'alipay'],
  [{ channel: 'ALIPAY', kind: 'H5', returnUrl: 'https://m.example/parking/1' }, 'ALI_PAY', 'M_WEB', 'url'],
  [{ channel: 'WECHAT', kind: 'WAP' }, 'WX_PAY', 'M_WEB', 'url'],
];

test('every kind × wallet: the trade command sent, and the pay parameters in the shared shape', T, async () => {
  for (const [extra, payChannel, payProduct, shape] of KINDS) {
    const what = JSON.stringify(extra);
    const fetch = spyFetch();
    const c = clientFor(emu, 'tingyihui', { fetch });
    const input = order('w', extra);
    const r = await c.precreate(input);
    assert.deepEqual([r.outcome, r.next, r.order.state], ['SUCCEEDED', 'POLL', 'PENDING'], `${what}: ${JSON.stringify(r.error)}`);
    const b = sent(fetch.calls[0]);
    assert.deepEqual([b.payChannel, b.payProduct], [payChannel, payProduct], what);
    assert.equal(b.ownerAppBuyerId, extra.payerId, what);
    assert.equal(b.ownerAppId, extra.subAppId, what);
    assert.equal(b.quitUrl, extra.returnUrl, what);
    assert.equal(emu.tingyihui.order(input.merchantOrderNo).tradeStatus, 'WAIT', what);
    const p = r.order.payParams;
    switch (shape) {
      case 'qr':
        assert.match(r.order.qrCode, /^https:\/\//, what);
        assert.equal(p, undefined, what);
        break;
      case 'wechat':
        assert.deepEqual(Object.keys(p).sort(), ['appId', 'nonceStr', 'package', 'paySign', 'signType', 'timeStamp'], what);
        assert.ok(Object.values(p).every((v) => typeof v === 'string' && v.length > 0), what);
        assert.match(p.package, /^prepay_id=/, what);
        assert.match(p.timeStamp, /^\d{10}$/, what);
        assert.equal(p.appId, extra.subAppId ?? p.appId, 'the merchant\'s own mini-program pays');
        assert.equal(r.order.qrCode, undefined, what);
        break;
      case 'alipay':
        assert.deepEqual(Object.keys(p), ['tradeNO'], what);
        assert.match(p.tradeNO, /^\d{8}22001\d{15}$/, what);
        assert.equal(r.order.qrCode, undefined, what);
        break;
      default:
        assert.deepEqual(Object.keys(p), ['url'], what);
        assert.match(p.url, payChannel === 'ALI_PAY' ? /^https:\/\/openapi\.alipay\.com\/gateway\.do\?/ : /^https:\/\/wx\.tenpay\.com\//, what);
    }
  }
});

test('what Tingyihui does not make is refused before anything is sent, naming the field', T, async () => {
  const fetch = spyFetch();
  const c = clientFor(emu, 'tingyihui', { fetch });
  const refused = [
    [{ channel: 'WECHAT', kind: 'JSAPI', payerId: OPENID }, 'kind', /JSAPI is not an order Tingyihui makes \(it makes QR, MINI_PROGRAM, H5\)/],
    [{ channel: 'ALIPAY', kind: 'JSAPI', payerId: ALIPAY_USER }, 'kind', /Tingyihui/],
    [{ channel: 'UNIONPAY' }, 'channel', /ALIPAY, WECHAT/],
    [{ channel: 'UNIONPAY', kind: 'MINI_PROGRAM', payerId: 'u' }, 'channel', /ALIPAY, WECHAT/],
    [{ kind: 'MINI_PROGRAM', payerId: OPENID }, 'channel', /required/],
    [{ channel: 'WECHAT', kind: 'MINI_PROGRAM' }, 'payerId', /required/],
    [{ channel: 'WECHAT', payerId: OPENID }, 'payerId', /no meaning/],
    [{ channel: 'WECHAT', subAppId: 'wx1234567890abcdef' }, 'subAppId', /MINI_PROGRAM/],
    [{ channel: 'ALIPAY', kind: 'H5' }, 'returnUrl', /required/],
    [{ channel: 'WECHAT', kind: 'H5', returnUrl: 'https://m.example/r' }, 'returnUrl', /no meaning/],
    [{ channel: 'WECHAT', kind: 'mini_program', payerId: OPENID }, 'kind', /QR, JSAPI, MINI_PROGRAM or H5/],
  ];
  for (const [extra, field, message] of refused) {
    await assert.rejects(c.precreate(order('x', extra)), (e) => {
      assert.ok(e instanceof AggpayError, String(e));
      assert.deepEqual([e.code, e.field], ['INVALID_INPUT', field], `${JSON.stringify(extra)}: ${e.message}`);
      assert.match(e.message, message);
      return true;
    });
  }
  assert.equal(fetch.calls.length, 0, 'nothing was sent');
});

test('waitForPayment after a WeChat mini-program order: polled until the buyer pays in the wallet', T, async () => {
  const c = clientFor(emu, 'tingyihui');
  const input = order('wait', { channel: 'WECHAT', kind: 'MINI_PROGRAM', payerId: OPENID });
  const r = await c.precreate(input);
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(Object.keys(r.order.payParams).length, 6);
  let t = 0;
  let sleeps = 0;
  const out = await c.waitForPayment({ merchantOrderNo: input.merchantOrderNo, amount: input.amount }, {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
      if (++sleeps === 2) emu.tingyihui.buyerPays(input.merchantOrderNo); // wx.requestPayment succeeded
    },
  });
  assert.equal(out.verdict, 'PAID', out.message);
  assert.equal(out.result.order.state, 'SUCCESS');
  assert.equal(out.result.order.amounts.paid, 1200);
  assert.equal(out.result.order.channel, 'WECHAT');
  assert.ok(sleeps >= 2);
  // …and one the buyer never pays is closed at the deadline.
  const idle = order('idle', { channel: 'ALIPAY', kind: 'MINI_PROGRAM', payerId: ALIPAY_USER });
  assert.equal((await c.precreate(idle)).outcome, 'SUCCEEDED');
  let u = 0;
  const closed = await c.waitForPayment({ merchantOrderNo: idle.merchantOrderNo, amount: idle.amount }, {
    timeoutMs: 10_000, now: () => u, sleep: async (ms) => { u += ms; },
  });
  assert.notEqual(closed.verdict, 'PAID', closed.message);
  assert.equal(emu.tingyihui.order(idle.merchantOrderNo).tradeStatus, 'CLOSED');
});

test('storeId is sent as osStoreCode: the merchant\'s store is accepted, another is refused by the platform', T, async () => {
  const fetch = spyFetch();
  const c = clientFor(emu, 'tingyihui', { fetch });
  const ok = await c.precreate(order('store', { channel: 'ALIPAY', storeId: emu.tingyihui.merchant.osStoreCode }));
  assert.equal(ok.outcome, 'SUCCEEDED', JSON.stringify(ok.error));
  assert.equal(sent(fetch.calls[0]).osStoreCode, emu.tingyihui.merchant.osStoreCode);
  const other = await c.precreate(order('store', { channel: 'ALIPAY', storeId: '3260000000009999' }));
  assert.equal(other.outcome, 'FAILED', JSON.stringify(other));
  assert.equal(other.error.providerCode, '4004');
});

test('a discount from the wallet side: paymentFee is what the buyer paid, tpDiscountFee the discount (TradeQueryResultDto)', T, async () => {
  const c = clientFor(emu, 'tingyihui');
  const input = order('disc', { channel: 'ALIPAY' });
  const pre = await c.precreate(input);
  assert.equal(pre.outcome, 'SUCCEEDED', JSON.stringify(pre.error));
  emu.tingyihui.buyerPays(input.merchantOrderNo, { discount: 300 });
  const q = await c.query({ merchantOrderNo: input.merchantOrderNo });
  assert.equal(q.outcome, 'SUCCEEDED', JSON.stringify(q.error));
  assert.equal(q.order.state, 'SUCCESS');
  const { total, paid, discount } = q.order.amounts;
  assert.deepEqual({ total, paid, discount }, { total: 1200, paid: 900, discount: 300 });
});
