// Tests of the Tingyihui emulator: raw fetch + node:crypto signing, no library code. The request signer is
// written out here a second time; the emulator's exported helpers are only compared against the spec example.
// Run: node --test js-examples/emulator/
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { startEmulator } from './index.mjs';
import { stringToSign, encodeData } from './tingyihui.mjs';
import { startMerchant } from '../../tests/js/kit.mjs';

/** The merchant answers SUCCESS with the statuses in `statuses` in turn, then 200. */
const answering = (statuses) => () => ({ status: statuses.shift() ?? 200, body: 'SUCCESS' });

let emu;
let seq = 0;
const uniq = (p = 'T') => `${p}${Date.now()}${seq++}`;

before(async () => { emu = await startEmulator(); });
after(async () => { await emu.close(); });
beforeEach(() => { emu.faults.clear(); emu.tingyihui.setNow(null); });

/** The envelope, signed the documented way: RSA2 over access_id + data + sign_type + time_stamp. */
function envelope(business, { accessId, key, timeStamp = Date.now(), signType = 'RSA2', data } = {}) {
  const m = emu.tingyihui.merchant;
  accessId ??= m.accessId;
  key ??= crypto.createPrivateKey({ key: Buffer.from(m.privateKeyBase64, 'base64'), format: 'der', type: 'pkcs8' });
  data ??= Buffer.from(JSON.stringify(business), 'utf8').toString('base64');
  const sign = crypto.sign('sha256', Buffer.from(`${accessId}${data}${signType}${timeStamp}`, 'utf8'), key).toString('base64');
  return { access_id: accessId, data, sign, sign_type: signType, time_stamp: timeStamp };
}

async function post(path, body, e = emu) {
  const res = await fetch(`${e.url}/tingyihui/os-base${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  const json = await res.json();
  assert.ok('code' in json && 'data' in json && 'msg' in json, 'the SDK needs code, msg and data');
  return json;
}

const call = (path, business, opts, e) => post(path, envelope(business, opts), e);
const create = (extra = {}, e) => call('/trade/v2/open', {
  osMerchantCode: (e ?? emu).tingyihui.merchant.osMerchantCode, ownerTradeNo: uniq(), payChannel: 'ALI_PAY',
  payProduct: 'USER_QR', title: '停车费', orderFee: 1000, ...extra,
}, undefined, e);
const queryTrade = (b, e) => call('/query/trade/v1/open', b, undefined, e);
const refund = (b, e) => call('/refund/v1/open', b, undefined, e);
const queryRefund = (b, e) => call('/query/refund/v1/open', b, undefined, e);
/** A callback's trade: [SDK] TyhRequest.decode — the envelope's `data`, Base64 of JSON. */
function decoded(body) {
  const env = JSON.parse(body);
  assert.deepEqual(Object.keys(env).sort(), ['access_id', 'data', 'sign', 'sign_type', 'time_stamp']);
  assert.equal(env.sign_type, 'RSA2');
  assert.equal(typeof env.time_stamp, 'number');
  return JSON.parse(Buffer.from(env.data, 'base64').toString('utf8'));
}

const control = async (path, method = 'GET', body, e = emu) => {
  const res = await fetch(`${e.url}/__emulator/tingyihui${path}`, {
    method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
};

test('spec worked example: data and the string to sign', () => {
  const business = { ownerTradeNo: 'test_trade_2021125' };
  const data = Buffer.from(JSON.stringify(business), 'utf8').toString('base64');
  assert.equal(data, 'eyJvd25lclRyYWRlTm8iOiJ0ZXN0X3RyYWRlXzIwMjExMjUifQ==');
  const expected = '16373180971704771eyJvd25lclRyYWRlTm8iOiJ0ZXN0X3RyYWRlXzIwMjExMjUifQ==RSA21637800000000';
  assert.equal(`16373180971704771${data}RSA2${1637800000000}`, expected);
  // The emulator's own helpers agree with the spec.
  assert.equal(encodeData(business), data);
  assert.equal(stringToSign({ access_id: '16373180971704771', data, sign_type: 'RSA2', time_stamp: 1637800000000 }), expected);
});

test('credentials: bare Base64 PKCS#8 and PEM are the same key; control route', async () => {
  const m = emu.tingyihui.merchant;
  assert.doesNotMatch(m.privateKeyBase64, /-----/);
  const fromB64 = crypto.createPrivateKey({ key: Buffer.from(m.privateKeyBase64, 'base64'), format: 'der', type: 'pkcs8' });
  const fromPem = crypto.createPrivateKey(m.privateKeyPem);
  assert.equal(fromB64.export({ type: 'pkcs8', format: 'pem' }), fromPem.export({ type: 'pkcs8', format: 'pem' }));
  const route = await control('/credentials');
  assert.equal(route.status, 200);
  assert.deepEqual(route.json, m);
});

test('create trade (USER_QR): 8888 with osTradeNo and a pay URL in sign; query shows WAIT', async () => {
  const ownerTradeNo = uniq();
  const r = await create({ ownerTradeNo, orderFee: 321, remark: '备注', ownerBusinessNo: 'B1', ownerPayTerminal: '手机' });
  assert.equal(r.code, 8888);
  assert.equal(r.msg, '处理成功');
  assert.equal(r.error, null);
  assert.match(r.data.osTradeNo, /^trade_\d{17}$/);
  assert.equal(r.data.ownerTradeNo, ownerTradeNo);
  assert.equal(r.data.orderFee, 321);
  assert.match(r.data.sign, /^https:\/\//);
  assert.equal(typeof r.data.timestamp, 'number');
  const q = await queryTrade({ ownerTradeNo });
  assert.equal(q.code, 8888);
  assert.equal(q.data.tradeStatus, 'WAIT');
  assert.equal(q.data.osTradeNo, r.data.osTradeNo);
  assert.equal(q.data.orderFee, 321);
  assert.equal(q.data.paymentFee, 0);
  assert.equal(q.data.refundFee, 0);
  assert.equal(q.data.payChannel, 'ALI_PAY');
  assert.equal(q.data.payProduct, 'USER_QR');
  assert.equal(q.data.remark, '备注');
  assert.equal(q.data.ownerBusinessNo, 'B1');
  assert.equal(q.data.osMerchantCode, emu.tingyihui.merchant.osMerchantCode);
  assert.equal(q.data.payTime, null);
  for (const k of ['ownerTradeNo', 'osTradeNo', 'tpTradeNo', 'tradeStatus', 'orderFee', 'paymentFee', 'remark', 'osMerchantCode',
    'osStoreCode', 'createdTime', 'payTime', 'payChannel', 'payProduct', 'title', 'callbackUrl', 'refundFee', 'payBusiness',
    'ownerBusinessNo', 'ownerPayTerminal', 'ownerAppBuyerId', 'buyerLoginId']) assert.ok(k in q.data, k);
});

test('envelope and signature errors', async () => {
  const business = { ownerTradeNo: 'x' };
  const path = '/query/trade/v1/open';
  const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const bad = await call(path, business, { key: other });
  assert.equal(bad.code, 1013);
  assert.equal(bad.msg, '签名计算错误');
  assert.equal(bad.data, null);
  const tampered = envelope(business);
  tampered.data = Buffer.from(JSON.stringify({ ownerTradeNo: 'y' })).toString('base64');
  assert.equal((await post(path, tampered)).code, 1013);
  assert.equal((await call(path, business, { accessId: '99999' })).code, 1012);
  assert.equal((await call(path, business, { timeStamp: Date.now() - 301_000 })).code, 1006);
  assert.equal((await call(path, business, { timeStamp: Date.now() + 301_000 })).code, 1006);
  assert.equal((await call(path, business, { signType: 'RSA' })).code, 1007);
  const noSign = envelope(business);
  delete noSign.sign;
  assert.equal((await post(path, noSign)).code, 1000);
  const stringTs = envelope(business, { timeStamp: 1 });
  stringTs.time_stamp = String(Date.now());
  assert.equal((await post(path, stringTs)).code, 1002);
  assert.equal((await call(path, null, { data: 'not base64!' })).code, 1007);
  assert.equal((await call(path, null, { data: Buffer.from('[1,2]').toString('base64') })).code, 1007);
  assert.equal((await post(path, 'not json')).code, 1007);
  // The emulator clock decides the window (replay tests).
  emu.tingyihui.setNow(Date.now() - 3600_000);
  assert.equal((await call(path, business)).code, 1006);
  const clock = await control('/clock', 'POST', { now: 1637800000000 });
  assert.equal(clock.json.now, 1637800000000);
  assert.equal((await call(path, business, { timeStamp: 1637800000000 })).code, 4004);
  await control('/clock', 'POST', { now: null });
});

test('create trade validation: required fields, enums, mini-program buyer, duplicates', async () => {
  assert.equal((await create({ title: undefined })).code, 1000);
  assert.equal((await create({ orderFee: '100' })).code, 1002);
  assert.equal((await create({ orderFee: 0 })).code, 1007);
  assert.equal((await create({ payChannel: 'PAYPAL' })).code, 1007);
  assert.equal((await create({ payProduct: 'POS' })).code, 1007);
  assert.equal((await create({ osMerchantCode: '999' })).code, 4004);
  assert.equal((await create({ payProduct: 'MINI_APP', payChannel: 'WX_PAY' })).code, 1000);
  const mini = await create({ payProduct: 'MINI_APP', payChannel: 'WX_PAY', ownerAppBuyerId: 'oUpF8uE150tsN4W00ieTusZcK70s' });
  assert.equal(mini.code, 8888);
  assert.equal(JSON.parse(mini.data.sign).package.startsWith('prepay_id='), true);
  assert.equal((await create({ payProduct: 'M_WEB', payChannel: 'ALI_PAY' })).code, 1000, 'quitUrl: 支付宝手机网页支付必传');
  assert.equal((await create({ payProduct: 'M_WEB', payChannel: 'ALI_PAY', quitUrl: 'javascript:x' })).code, 1007);
  assert.equal((await create({ notifyUrl: 'https://example.com/cb?x=1' })).code, 1007);
  assert.equal((await create({ timeExpire: Date.now() - 1000 })).code, 1007);
  const ownerTradeNo = uniq();
  assert.equal((await create({ ownerTradeNo })).code, 8888);
  const dup = await create({ ownerTradeNo });
  assert.equal(dup.code, 4000);
});

test('buyer-pays → SUCCESS with the callback POSTed (unsigned) to notifyUrl; query by any trade number', async () => {
  const merchant = await startMerchant({ path: '/tyh/callback', answer: answering([500]) });
  try {
    const r = await create({ orderFee: 800, notifyUrl: merchant.url, payChannel: 'WX_PAY' });
    const { osTradeNo, ownerTradeNo } = r.data;
    const paid = await control('/buyer-pays', 'POST', { osTradeNo });
    assert.equal(paid.status, 200);
    assert.equal(paid.json.tradeStatus, 'SUCCESS');
    await emu.tingyihui.flushNotifications();
    assert.equal(merchant.received.length, 2, 'retried after a 500');
    const cb = decoded(merchant.received[1].body);
    assert.equal(cb.osTradeNo, osTradeNo);
    assert.equal(cb.tradeStatus, 'SUCCESS');
    assert.equal(cb.paymentFee, 800);
    assert.equal(cb.callbackUrl, merchant.url);
    const q = await queryTrade({ osTradeNo });
    assert.equal(q.data.tradeStatus, 'SUCCESS');
    assert.equal(q.data.paymentFee, 800);
    assert.ok(q.data.payTime >= q.data.createdTime);
    assert.ok(q.data.tpTradeNo);
    assert.equal((await queryTrade({ tpTradeNo: q.data.tpTradeNo })).data.osTradeNo, osTradeNo);
    assert.equal((await queryTrade({ ownerTradeNo })).data.osTradeNo, osTradeNo);
    assert.equal((await control('/buyer-pays', 'POST', { ownerTradeNo })).status, 409);
    const log = (await control('/notifications')).json.filter((n) => n.osTradeNo === osTradeNo);
    assert.deepEqual(log.map((n) => [n.attempt, n.status]), [[1, 500], [2, 200]]);
    const manual = await control('/notify', 'POST', { osTradeNo });
    assert.equal(manual.json.status, 200);
  } finally {
    await merchant.close();
  }
});

test('pay parameters per product: WeChat mini-program JSON (six keys), Alipay mini-program trade number, phone-web URLs', async () => {
  const buyer = { ownerAppBuyerId: 'oUpF8uE150tsN4W00ieTusZcK70s' };
  const wx = await create({ payProduct: 'MINI_APP', payChannel: 'WX_PAY', ownerAppId: 'wx1234567890abcdef', ...buyer });
  const p = JSON.parse(wx.data.sign);
  assert.deepEqual(Object.keys(p).sort(), ['appId', 'nonceStr', 'package', 'paySign', 'signType', 'timeStamp']);
  assert.ok(Object.values(p).every((v) => typeof v === 'string' && v.length > 0));
  assert.equal(p.appId, 'wx1234567890abcdef', "the merchant's own mini-program (ownerAppId)");
  assert.match(p.package, /^prepay_id=wx\d{26}$/);
  assert.equal(p.signType, 'RSA');
  assert.equal(Buffer.from(p.paySign, 'base64').length, 256);
  const ali = await create({ payProduct: 'MINI_APP', payChannel: 'ALI_PAY', ownerAppBuyerId: '2088102177846880' });
  assert.match(ali.data.sign, /^\d{8}22001\d{15}$/);
  assert.equal((await queryTrade({ osTradeNo: ali.data.osTradeNo })).data.tpTradeNo, ali.data.sign, 'the trade the wallet pays');
  const wap = await create({ payProduct: 'M_WEB', payChannel: 'ALI_PAY', quitUrl: 'https://m.example/back' });
  assert.match(wap.data.sign, /^https:\/\/openapi\.alipay\.com\/gateway\.do\?/);
  const mweb = await create({ payProduct: 'M_WEB', payChannel: 'WX_PAY' });
  assert.match(mweb.data.sign, /^https:\/\/wx\.tenpay\.com\/cgi-bin\/mmpayweb-bin\/checkmweb\?prepay_id=wx\d{26}/);
});

test('query errors: not found 4004, no number 1000', async () => {
  assert.equal((await queryTrade({ ownerTradeNo: 'nope' })).code, 4004);
  assert.equal((await queryTrade({})).code, 1000);
  assert.equal((await queryRefund({})).code, 1000);
  assert.equal((await queryRefund({ osRefundNo: 'nope' })).code, 4004);
});

test('close: WAIT → CLOSED (again is fine); a paid trade cannot be closed; timeExpire closes it', async () => {
  const t = (await create()).data;
  const c = await call('/trade/close/v1/open', { ownerTradeNo: t.ownerTradeNo });
  assert.equal(c.code, 8888);
  assert.equal(c.data, null);
  assert.equal((await queryTrade({ osTradeNo: t.osTradeNo })).data.tradeStatus, 'CLOSED');
  assert.equal((await call('/trade/close/v1/open', { osTradeNo: t.osTradeNo })).code, 8888);
  assert.equal((await control('/buyer-pays', 'POST', { osTradeNo: t.osTradeNo })).status, 409);

  const p = (await create()).data;
  await control('/buyer-pays', 'POST', { osTradeNo: p.osTradeNo });
  const refused = await call('/trade/close/v1/open', { osTradeNo: p.osTradeNo });
  assert.equal(refused.code, 0);
  assert.equal(refused.data, null);
  assert.equal((await call('/trade/close/v1/open', { osTradeNo: 'nope' })).code, 4004);

  const x = (await create({ timeExpire: Date.now() + 60_000 })).data;
  emu.tingyihui.setNow(Date.now() + 120_000);
  assert.equal((await call('/query/trade/v1/open', { osTradeNo: x.osTradeNo }, { timeStamp: emu.tingyihui.now() })).data.tradeStatus, 'CLOSED');
});

test('refunds: partial then full, over-amount refused, ownerRefundNo idempotent, refund query fields', async () => {
  const t = (await create({ orderFee: 1000 })).data;
  assert.equal((await refund({ osTradeNo: t.osTradeNo, refundFee: 1 })).code, 0, 'unpaid');
  await control('/buyer-pays', 'POST', { osTradeNo: t.osTradeNo });
  const ownerRefundNo = uniq('RF');
  const r1 = await refund({ ownerTradeNo: t.ownerTradeNo, ownerRefundNo, refundFee: 300, refundReason: '多收' });
  assert.equal(r1.code, 8888);
  assert.match(r1.data.osRefundNo, /^refund_\d{17}$/);
  assert.deepEqual(await refund({ ownerTradeNo: t.ownerTradeNo, ownerRefundNo, refundFee: 300 }), r1);
  assert.equal((await refund({ ownerTradeNo: t.ownerTradeNo, ownerRefundNo, refundFee: 200 })).code, 4002);
  let q = await queryTrade({ osTradeNo: t.osTradeNo });
  assert.equal(q.data.tradeStatus, 'SUCCESS_PART_REFUND');
  assert.equal(q.data.refundFee, 300);
  const rq = await queryRefund({ osRefundNo: r1.data.osRefundNo });
  assert.equal(rq.code, 8888);
  assert.equal(rq.data.refundStatus, 'SUCCESS');
  assert.equal(rq.data.refundFee, 300);
  assert.equal(rq.data.realRefundFee, 300);
  assert.equal(rq.data.ownerRefundNo, ownerRefundNo);
  assert.equal(rq.data.osTradeNo, t.osTradeNo);
  assert.equal(rq.data.orderFee, 1000);
  assert.equal(rq.data.refundReason, '多收');
  assert.equal(typeof rq.data.refundTime, 'number');
  assert.equal((await queryRefund({ ownerRefundNo })).data.osRefundNo, r1.data.osRefundNo);

  const over = await refund({ osTradeNo: t.osTradeNo, refundFee: 701 });
  assert.equal(over.code, 0);
  assert.match(over.msg, /退款金额/);
  assert.equal((await refund({ osTradeNo: t.osTradeNo, refundFee: 700 })).code, 8888);
  q = await queryTrade({ osTradeNo: t.osTradeNo });
  assert.equal(q.data.tradeStatus, 'SUCCESS_FULL_REFUND');
  assert.equal(q.data.refundFee, 1000);
  assert.equal((await refund({ osTradeNo: t.osTradeNo, refundFee: 1 })).code, 0);
  assert.equal((await refund({ osTradeNo: t.osTradeNo, refundFee: 1.5 })).code, 1002);
  assert.equal((await refund({ osTradeNo: t.osTradeNo })).code, 1000);
  const ledger = emu.tingyihui.order(t.osTradeNo);
  assert.equal(ledger.net, 0);
  assert.equal(ledger.paid, false);
  assert.equal(ledger.refunds.length, 2);
});

test('refundPendingQueries: refund WAIT (trade REFUNDING), then SUCCESS; refund callback', async () => {
  const e = await startEmulator({ tingyihui: { refundPendingQueries: 1 } });
  const merchant = await startMerchant({ path: '/tyh/callback', answer: answering([]) });
  const saved = emu;
  emu = e; // envelope() signs with the current emulator's key
  try {
    const t = (await create({ orderFee: 500 }, e)).data;
    await control('/buyer-pays', 'POST', { osTradeNo: t.osTradeNo }, e);
    const r = await refund({ osTradeNo: t.osTradeNo, refundFee: 500, callbackUrl: merchant.url }, e);
    assert.equal(r.code, 8888);
    assert.equal((await queryTrade({ osTradeNo: t.osTradeNo }, e)).data.tradeStatus, 'REFUNDING');
    assert.equal((await refund({ osTradeNo: t.osTradeNo, refundFee: 1 }, e)).code, 0, 'the pending refund holds the money');
    assert.equal((await queryRefund({ osRefundNo: r.data.osRefundNo }, e)).data.refundStatus, 'WAIT');
    assert.equal((await queryRefund({ osRefundNo: r.data.osRefundNo }, e)).data.refundStatus, 'SUCCESS');
    assert.equal((await queryTrade({ osTradeNo: t.osTradeNo }, e)).data.tradeStatus, 'SUCCESS_FULL_REFUND');
    await e.tingyihui.flushNotifications();
    const cb = decoded(merchant.received.at(-1).body);
    assert.equal(cb.osRefundNo, r.data.osRefundNo);
    assert.equal(cb.refundStatus, 'SUCCESS');
  } finally {
    emu = saved;
    await merchant.close();
    await e.close();
  }
});

test('buyer-fails → FAILURE; faults on Tingyihui paths (signature faults do nothing: answers are unsigned)', async () => {
  const t = (await create()).data;
  assert.equal((await control('/buyer-fails', 'POST', { osTradeNo: t.osTradeNo })).json.tradeStatus, 'FAILURE');
  assert.equal((await refund({ osTradeNo: t.osTradeNo, refundFee: 1 })).code, 0);
  const path = '/tingyihui/os-base/query/trade/v1/open';
  emu.faults.add({ path, kind: 'no-signature' });
  assert.equal((await queryTrade({ osTradeNo: t.osTradeNo })).code, 8888);
  emu.faults.add({ path, kind: 'maintenance' });
  assert.equal((await queryTrade({ osTradeNo: t.osTradeNo })).code, 5000);
  emu.faults.add({ path, kind: 'http500' });
  const res = await fetch(`${emu.url}${path}`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 500);
  assert.equal((await control('/orders')).json.some((o) => o.osTradeNo === t.osTradeNo), true);
  assert.equal((await control(`/orders/${t.osTradeNo}`)).json.tradeStatus, 'FAILURE');
  assert.equal((await control('/orders/nope')).status, 404);
});
