// Wallet orders end to end over real HTTP: the built package, loaded by name, against the Shouqianba emulator.
// Every kind × wallet the gateway makes (zh-cn/api/annex/payway.md, zh-cn/api/interface/precreate.md), the
// ones it does not refused before anything is sent, payParams in the wallet's shape, and a JSAPI order paid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggpayError } from 'aggpay';
import { clientFor, spyFetch, useEmulator } from './kit.mjs';

const T = { timeout: 20_000 };
const emu = useEmulator();

let seq = 0;
const no = (tag) => `${tag}-${process.pid}-${++seq}`;
const order = (merchantOrderNo, amount = 1000) => ({ merchantOrderNo, amount, subject: '咖啡', operator: 'cashier-1' });
const OPENID = 'okSzXt3uY4-W8fKBH7B4z8seMzBU';
const ALIPAY_USER = '2088102146225135';
const WECHAT_KEYS = ['appId', 'nonceStr', 'package', 'paySign', 'signType', 'timeStamp'];

/** A client whose requests are recorded: `sent()` is what reached the gateway. */
function spied() {
  const fetch = spyFetch();
  const c = clientFor(emu, 'shouqianba', { fetch });
  return { c, sent: () => fetch.calls.map((call) => JSON.parse(call.init.body)) };
}

// (kind, channel, payway and sub_payway on the wire)
const OFFERED = [
  ['QR', 'ALIPAY', '2', '2'],
  ['QR', 'WECHAT', '3', '2'],
  ['QR', 'UNIONPAY', '17', '2'],
  ['JSAPI', 'ALIPAY', '2', '3'],
  ['JSAPI', 'WECHAT', '3', '3'],
  ['MINI_PROGRAM', 'ALIPAY', '2', '4'],
  ['MINI_PROGRAM', 'WECHAT', '3', '4'],
];

for (const [kind, channel, payway, subPayway] of OFFERED) {
  test(`${kind} × ${channel}: precreated over HTTP, with the wallet's pay parameters`, T, async () => {
    const { c, sent } = spied();
    const merchantOrderNo = no(`${kind}-${channel}`.toLowerCase());
    const inWallet = kind !== 'QR';
    const payerId = channel === 'ALIPAY' ? ALIPAY_USER : OPENID;
    const r = await c.precreate({ ...order(merchantOrderNo, 260), kind, channel, ...(inWallet && { payerId }) });
    assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
    assert.equal(r.next, 'POLL');
    assert.equal(r.order.state, 'PENDING');
    assert.equal(r.order.channel, channel);
    const [body] = sent();
    assert.equal(body.payway, payway);
    assert.equal(body.sub_payway, subPayway);
    assert.equal(body.payer_uid, inWallet ? payerId : undefined);
    if (!inWallet) {
      assert.match(r.order.qrCode, /^https:\/\//);
      assert.equal(r.order.payParams, undefined);
    } else if (channel === 'WECHAT') {
      const p = r.order.payParams;
      assert.deepEqual(Object.keys(p).sort(), WECHAT_KEYS, 'exactly the six wx.requestPayment keys');
      for (const k of WECHAT_KEYS) assert.equal(typeof p[k], 'string', k);
      assert.match(p.package, /^prepay_id=/);
      assert.equal(r.order.qrCode, undefined);
    } else {
      assert.deepEqual(Object.keys(r.order.payParams), ['tradeNO']);
      assert.equal(r.order.payParams.tradeNO, r.raw.biz_response.data.trade_no);
    }
  });
}

test('kinds and wallets Shouqianba does not make are refused before anything is sent', T, async () => {
  const { c, sent } = spied();
  const refused = [
    [{ kind: 'H5', channel: 'WECHAT' }, 'kind'],
    [{ kind: 'H5', channel: 'ALIPAY' }, 'kind'],
    [{ kind: 'H5', channel: 'UNIONPAY' }, 'kind'],
    [{ kind: 'JSAPI', channel: 'UNIONPAY', payerId: OPENID }, 'channel'],
    [{ kind: 'MINI_PROGRAM', channel: 'UNIONPAY', payerId: OPENID }, 'channel'],
    [{ kind: 'QR' }, 'channel'],
    [{ kind: 'JSAPI', channel: 'WECHAT' }, 'payerId'],
    [{ kind: 'MINI_PROGRAM', channel: 'ALIPAY' }, 'payerId'],
    [{ kind: 'QR', channel: 'WECHAT', payerId: OPENID }, 'payerId'],
    [{ kind: 'MINI_PROGRAM', channel: 'WECHAT', payerId: OPENID, subAppId: 'wx0000000000000001' }, 'subAppId'],
    [{ channel: 'WECHAT', payway: '2' }, 'payway'],
    [{ kind: 'JSAPI', channel: 'WECHAT', payerId: OPENID, subPayway: '4' }, 'subPayway'],
    [{ payway: '5' }, 'payway'],
  ];
  for (const [fields, field] of refused) {
    await assert.rejects(c.precreate({ ...order(no('refused')), ...fields }), (e) => {
      assert.ok(e instanceof AggpayError, String(e));
      assert.equal(e.code, 'INVALID_INPUT', `${JSON.stringify(fields)}: ${e.message}`);
      assert.equal(e.field, field, `${JSON.stringify(fields)}: ${e.message}`);
      return true;
    });
  }
  assert.deepEqual(sent(), [], 'nothing reached the gateway');
});

test('a QR order asked for by neither kind nor subPayway sends what it always sent (the gateway defaults to QR)', T, async () => {
  const { c, sent } = spied();
  const r = await c.precreate({ ...order(no('qr-default'), 260), channel: 'ALIPAY' });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  const [body] = sent();
  assert.equal(body.payway, '2');
  assert.equal('sub_payway' in body, false);
  assert.match(r.order.qrCode, /^https:\/\//);
});

test('the numeric payway/subPayway still work, and agree with the shared vocabulary', T, async () => {
  const { c, sent } = spied();
  const r = await c.precreate({ ...order(no('legacy'), 260), payway: '3', subPayway: '3', payerId: OPENID });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  assert.deepEqual(Object.keys(r.order.payParams).sort(), WECHAT_KEYS);
  const [body] = sent();
  assert.equal(body.payway, '3');
  assert.equal(body.sub_payway, '3');
});

test('the gateway itself refuses a WAP order without payer_uid (with its own error)', T, async () => {
  // Straight to the emulator, as a client that skipped the library's check would.
  const { signBody } = await import('../../js-examples/emulator/shouqianba.mjs');
  const { terminalSn, terminalKey } = emu.shouqianba.credentials;
  const body = JSON.stringify({ terminal_sn: terminalSn, client_sn: no('raw'), total_amount: '100', payway: '3',
    sub_payway: '3', subject: 's', operator: 'o' });
  const res = await fetch(`${emu.url}/upay/v2/precreate`, {
    method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `${terminalSn} ${signBody(body, terminalKey)}` },
  });
  const j = await res.json();
  assert.equal(j.result_code, '400');
  assert.equal(j.error_code, 'INVALID_PARAMS');
  assert.match(j.error_message, /payer_uid/);
});

test('a JSAPI order: the buyer pays in the wallet, waitForPayment sees it paid', T, async () => {
  const c = clientFor(emu, 'shouqianba');
  const merchantOrderNo = no('jsapi-paid');
  const r = await c.precreate({ ...order(merchantOrderNo, 380), kind: 'JSAPI', channel: 'WECHAT', payerId: OPENID });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  setTimeout(() => emu.shouqianba.buyerPays(merchantOrderNo), 300);
  const w = await c.waitForPayment({ merchantOrderNo, amount: 380 }, { timeoutMs: 15_000 });
  assert.equal(w.verdict, 'PAID', w.message);
  assert.equal(w.result.order.state, 'SUCCESS');
  assert.equal(w.result.order.amounts.total, 380);
  assert.equal(w.result.order.amounts.paid, 380);
  assert.equal(w.result.order.channel, 'WECHAT');
});

test('a channel merchant discount: payment_list says paid and discount, net as the gateway states', T, async () => {
  const c = clientFor(emu, 'shouqianba');
  const merchantOrderNo = no('discount');
  const r = await c.precreate({ ...order(merchantOrderNo, 101), kind: 'QR', channel: 'WECHAT' });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  emu.shouqianba.buyerPays(merchantOrderNo, { discount: 100 });
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.order.state, 'SUCCESS');
  assert.deepEqual(q.raw.biz_response.data.payment_list, [
    { type: 'WALLET_WEIXIN', amount_total: '1' },
    { type: 'DISCOUNT_CHANNEL_MCH', amount_total: '100' },
  ]);
  const a = q.order.amounts;
  assert.deepEqual([a.total, a.paid, a.discount, a.net, a.refunded], [101, 1, 100, 101, 0]);
});
