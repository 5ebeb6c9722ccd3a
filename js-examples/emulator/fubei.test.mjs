// Tests of the Fubei (付呗) emulator: raw fetch + node:crypto MD5, no library code.
// Run: node --test js-examples/emulator/
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { startEmulator } from './index.mjs';
import { fubeiSign, parseJsonExact, yuanText } from './fubei.mjs';
import { startMerchant, replying } from '../../tests/js/kit.mjs';

const md5Upper = (s) => crypto.createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();

/** The signature written out here independently: sorted non-empty k=v (no sign) joined by &, secret appended. */
function sign(params, secret) {
  const keys = Object.keys(params).filter((k) => k !== 'sign' && params[k] !== '' && params[k] != null).sort();
  return md5Upper(keys.map((k) => `${k}=${params[k]}`).join('&') + secret);
}

let emu;
let seq = 0;
const uniq = (p = 'm') => `${p}${Date.now()}${seq++}`;
const nonce = () => crypto.randomBytes(12).toString('hex');

before(async () => { emu = await startEmulator({ fubei: { notifyRetryDelays: [50, 50, 50] } }); });
after(async () => { await emu.close(); });
beforeEach(() => emu.faults.clear());

/**
 * POST one Fubei call. v2 → /fubei/gateway/agent signed as the vendor (or as the app with asApp).
 * biz may be an object or the exact biz_content text. Answers { status, text, json }.
 */
async function call(method, biz, { v2 = false, asApp = false, secret, envelope = {}, target = emu, lowerSign } = {}) {
  const c = target.fubei.credentials;
  const vendor = v2 && !asApp;
  const env = {
    ...(vendor ? { vendor_sn: c.vendorSn } : { app_id: c.appId }),
    method, format: 'json', sign_method: 'md5', nonce: nonce(), version: '1.0',
    biz_content: typeof biz === 'string' ? biz : JSON.stringify(vendor ? { merchant_id: c.merchantId, ...biz } : biz),
    ...envelope,
  };
  env.sign ??= sign(env, secret ?? (vendor ? c.vendorSecret : c.appSecret));
  if (lowerSign) env.sign = env.sign.toLowerCase();
  const res = await fetch(`${target.url}/fubei/gateway${v2 ? '/agent' : ''}`, {
    method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(env),
  });
  const text = await res.text();
  assert.match(res.headers.get('content-type'), /^application\/json/);
  return { status: res.status, text, json: JSON.parse(text) };
}

const ok = (r) => { assert.equal(r.json.result_code, 200, r.text); assert.equal(r.status, 200); return r.json.data; };
const fails = (r, subCode) => {
  assert.equal(r.json.result_code, 400, r.text);
  assert.equal(r.json.sub_code, subCode, r.text);
  assert.equal(typeof r.json.result_message, 'string');
  assert.equal(r.json.data, undefined);
};

const swipe = (extra = {}) => call('openapi.payment.order.swipe', {
  merchant_order_sn: uniq(), auth_code: '134567890123456789', total_fee: 9.8, body: '测试商品', ...extra,
});
const query1 = (biz) => call('openapi.payment.order.query', biz);
const control = async (path, method = 'GET', body) => {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
};

test('spec worked example: signature vector, and the emulator accepts a request signed that way', async () => {
  const params = {
    app_id: '20170609152021917511', biz_content: '{"merchant_order_sn":"28867994"}', format: 'json',
    method: 'openapi.payment.order.close', nonce: '87sdf9806sdf73jkds', sign_method: 'md5', version: '1.0',
  };
  const secret = '672f295578a545c24b397bae275e6f81';
  const base = 'app_id=20170609152021917511&biz_content={"merchant_order_sn":"28867994"}&format=json'
    + '&method=openapi.payment.order.close&nonce=87sdf9806sdf73jkds&sign_method=md5&version=1.0';
  assert.equal(md5Upper(base + secret), 'C0A8CDE6A5F975E24FACAC48DF03701F');
  assert.equal(sign(params, secret), 'C0A8CDE6A5F975E24FACAC48DF03701F');
  assert.equal(fubeiSign(params, secret), 'C0A8CDE6A5F975E24FACAC48DF03701F');
  // empty values and sign itself are left out
  assert.equal(fubeiSign({ ...params, sign: 'X', vendor_sn: '' }, secret), 'C0A8CDE6A5F975E24FACAC48DF03701F');

  const other = await startEmulator({ fubei: { appId: params.app_id, appSecret: secret } });
  try {
    const res = await fetch(`${other.url}/fubei/gateway`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...params, sign: 'C0A8CDE6A5F975E24FACAC48DF03701F' }),
    });
    const r = await res.json();
    assert.deepEqual([r.result_code, r.sub_code], [400, 'ORDERNOTEXIST']); // signature accepted, order unknown
  } finally {
    await other.close();
  }
});

test('sign errors, identity and envelope errors', async () => {
  fails(await call('openapi.payment.order.swipe', { merchant_order_sn: uniq() }, { secret: 'wrong' }), 'SIGNERROR');
  fails(await call('openapi.payment.order.query', { merchant_order_sn: 'x' }, { envelope: { sign: 'C0A8CDE6A5F975E24FACAC48DF03701F' } }), 'SIGNERROR');
  // the sign covers biz_content exactly: a tampered biz_content fails
  const c = emu.fubei.credentials;
  const env = { app_id: c.appId, method: 'openapi.payment.order.query', nonce: nonce(), biz_content: '{"merchant_order_sn":"a"}' };
  env.sign = sign(env, c.appSecret);
  env.biz_content = '{"merchant_order_sn":"b"}';
  let res = await fetch(`${emu.url}/fubei/gateway`, { method: 'POST', body: JSON.stringify(env) });
  assert.equal((await res.json()).sub_code, 'SIGNERROR');
  // lowercase hex is accepted; format/sign_method/version are optional (PHP SDK sends none of them)
  const sn = uniq();
  ok(await swipe({ merchant_order_sn: sn }));
  ok(await call('openapi.payment.order.query', { merchant_order_sn: sn }, { lowerSign: true }));
  ok(await call('openapi.payment.order.query', { merchant_order_sn: sn }, { envelope: { format: undefined, sign_method: undefined, version: undefined } }));

  fails(await call('openapi.payment.order.query', { merchant_order_sn: sn }, { envelope: { app_id: '1' } }), 'APPID_NOT_EXIST');
  fails(await call('fbpay.order.query', { merchant_order_sn: sn }, { v2: true, envelope: { vendor_sn: '1' } }), 'APPID_NOT_EXIST');
  fails(await call('openapi.payment.order.query', { merchant_order_sn: sn }, { envelope: { nonce: '' } }), 'PARAM_ERROR');
  fails(await call('fbpay.order.query', { merchant_order_sn: sn }), 'INVALID_REQUEST'); // 2.0 method on 1.0 path
  fails(await call('openapi.payment.order.query', { merchant_order_sn: sn }, { v2: true }), 'INVALID_REQUEST');
  fails(await call('openapi.payment.order.query', 'not json'), 'PARAM_ERROR');
  fails(await call('openapi.payment.order.query', '[1]'), 'PARAM_ERROR');
  fails(await call('openapi.payment.order.query', {}), 'PARAM_ERROR');
  res = await fetch(`${emu.url}/fubei/gateway`, { method: 'POST', body: 'nope' });
  assert.equal((await res.json()).sub_code, 'PARAM_ERROR');
  // biz_content must be a JSON string, not an object
  const objEnv = { app_id: c.appId, method: 'openapi.payment.order.query', nonce: nonce(), biz_content: { merchant_order_sn: sn } };
  res = await fetch(`${emu.url}/fubei/gateway`, { method: 'POST', body: JSON.stringify({ ...objEnv, sign: 'X' }) });
  assert.equal((await res.json()).sub_code, 'PARAM_ERROR');
});

test('1.0 swipe: happy path, exact yuan JSON numbers, query fields', async () => {
  const sn = uniq();
  const r = await swipe({ merchant_order_sn: sn, attach: 'a1', device_no: 'D01', cashier_id: 7 });
  const d = ok(r);
  assert.match(r.text, /"total_fee":9\.8[,}]/);
  assert.match(r.text, /"buyer_pay_amount":9\.8[,}]/);
  assert.match(r.text, /"discount_money":0[,}]/);
  assert.equal(d.trade_state, 'SUCCESS');
  assert.equal(d.merchant_order_sn, sn);
  assert.match(d.order_sn, /^\d{20}$/);
  assert.equal(d.type, 1); // 13… barcode → WeChat
  assert.equal(d.store_id, emu.fubei.credentials.storeId);
  assert.equal(d.cashier_id, 7);
  assert.equal(d.attach, 'a1');
  assert.ok(Number.isInteger(d.pay_time) && Math.abs(d.pay_time - Date.now() / 1000) < 60);
  assert.match(d.user_id, /^o/);

  const q = await query1({ order_sn: d.order_sn });
  const qd = ok(q);
  // fee = 0.38% of 980 fen = 3.724 → 4 fen; net_money = 9.76
  assert.match(q.text, /"total_fee":9\.8,"order_price":9\.8,"fee":0\.04,"net_money":9\.76,/);
  assert.equal(qd.trade_state, 'SUCCESS');
  assert.match(qd.trade_no, /^\d{28}$/);
  assert.match(qd.platform_order_no, /^4200\d{24}$/);
  assert.equal(qd.device_no, 'D01');
  for (const k of ['merchant_order_sn', 'order_sn', 'trade_no', 'platform_order_no', 'trade_state', 'total_fee', 'order_price',
    'fee', 'net_money', 'pay_time', 'store_id', 'cashier_id', 'body', 'type', 'discount_money', 'buyer_pay_amount',
    'user_id', 'cash_coupon_fee', 'no_cash_coupon_fee']) assert.ok(k in qd, k);
  // look-up by merchant_order_sn and by trade_no
  assert.equal(ok(await query1({ merchant_order_sn: sn })).order_sn, d.order_sn);
  assert.equal(ok(await query1({ trade_no: qd.trade_no })).order_sn, d.order_sn);
  // Alipay barcode → type 2, user_logon_id masked
  const a = ok(await swipe({ auth_code: '284567890123456789' }));
  assert.equal(a.type, 2);
  assert.match(a.user_logon_id, /^138\*{4}\d{4}$/);
  fails(await query1({ merchant_order_sn: 'nope' }), 'ORDERNOTEXIST');
});

test('amounts: number or string in, exact text out; more than two decimals rejected', async () => {
  const texts = [['0.07', '0.07'], ['100', '100'], ['"9.8"', '9.8'], ['12.30', '12.3'], ['"0.1"', '0.1'], ['10000000', '10000000']];
  for (const [input, expected] of texts) {
    const bizText = `{"merchant_order_sn":"${uniq()}","auth_code":"134567890123456789","total_fee":${input}}`;
    const r = await call('openapi.payment.order.swipe', bizText);
    ok(r);
    assert.match(r.text, new RegExp(`"total_fee":${expected.replace('.', '\\.')}[,}]`), input);
  }
  for (const bad of ['9.805', '"9.805"', '0', '-1', '1e2', '"abc"', '0.001', '10000000.01', 'true', '"09.8"']) {
    const bizText = `{"merchant_order_sn":"${uniq()}","auth_code":"134567890123456789","total_fee":${bad}}`;
    fails(await call('openapi.payment.order.swipe', bizText), 'PARAM_ERROR');
  }
  fails(await call('openapi.payment.order.swipe', { merchant_order_sn: uniq(), auth_code: '1345678' }), 'PARAM_ERROR');

  // 'fixed' style writes two decimals
  const fixed = await startEmulator({ fubei: { amountStyle: 'fixed' } });
  try {
    const r = await call('openapi.payment.order.swipe', { merchant_order_sn: uniq(), auth_code: '134567890123456789', total_fee: 100 }, { target: fixed });
    assert.match(r.text, /"total_fee":100\.00,/);
    const r2 = await call('fbpay.order.pay', { merchant_order_sn: uniq(), auth_code: '134567890123456789', total_amount: 9.8 }, { v2: true, target: fixed });
    assert.match(r2.text, /"total_amount":9\.80,"net_amount":9\.80,"buyer_pay_amount":9\.80,"fee":0\.04,/);
  } finally {
    await fixed.close();
  }
  await assert.rejects(startEmulator({ fubei: { amountStyle: 'wide' } }), /amountStyle/);

  // helpers
  assert.deepEqual([yuanText(980), yuanText(7), yuanText(1000), yuanText(1234)], ['9.8', '0.07', '10', '12.34']);
  assert.deepEqual([yuanText(980, 'fixed'), yuanText(7, 'fixed'), yuanText(1000, 'fixed')], ['9.80', '0.07', '10.00']);
  assert.equal(parseJsonExact('{"a":0.1,"b":["x",-2e3],"c":"1.5"}').a.text, '0.1');
});

test('duplicate merchant_order_sn rejected (1.0 and 2.0 share one ledger)', async () => {
  const sn = uniq();
  ok(await swipe({ merchant_order_sn: sn }));
  fails(await swipe({ merchant_order_sn: sn }), 'OUT_TRADE_NO_USED');
  fails(await call('openapi.payment.order.scan', { merchant_order_sn: sn, type: 1, total_fee: 1 }), 'OUT_TRADE_NO_USED');
  fails(await call('fbpay.order.pay', { merchant_order_sn: sn, auth_code: '134567890123456789', total_amount: 1 }, { v2: true }), 'OUT_TRADE_NO_USED');
  // a 1.0 order can be queried through 2.0 and the other way round
  assert.equal(ok(await call('fbpay.order.query', { merchant_order_sn: sn }, { v2: true })).order_status, 'SUCCESS');
});

test('magic auth codes: 9100 in progress → SUCCESS after N queries; 9300 stuck; 9200/9400 fail', async () => {
  const sn = uniq();
  const d = ok(await swipe({ merchant_order_sn: sn, auth_code: '910012345678901234' }));
  assert.equal(d.trade_state, 'USERPAYING');
  assert.equal(d.pay_time, undefined);
  assert.equal(ok(await query1({ merchant_order_sn: sn })).trade_state, 'USERPAYING');
  assert.equal(ok(await query1({ merchant_order_sn: sn })).trade_state, 'USERPAYING');
  const q = ok(await query1({ merchant_order_sn: sn }));
  assert.equal(q.trade_state, 'SUCCESS');
  assert.ok(q.pay_time);

  const stuck = uniq();
  ok(await swipe({ merchant_order_sn: stuck, auth_code: '930012345678901234' }));
  for (let i = 0; i < 4; i++) assert.equal(ok(await query1({ merchant_order_sn: stuck })).trade_state, 'USERPAYING');

  const expired = uniq();
  fails(await swipe({ merchant_order_sn: expired, auth_code: '920012345678901234' }), 'AUTHCODEEXPIRE');
  assert.equal(ok(await query1({ merchant_order_sn: expired })).trade_state, 'CLOSED');
  fails(await swipe({ merchant_order_sn: uniq(), auth_code: '940012345678901234' }), 'NOTENOUGH');
  fails(await call('fbpay.order.pay', { merchant_order_sn: uniq(), auth_code: '940012345678901234', total_amount: 1 }, { v2: true }), 'NOTENOUGH');

  // 2.0 in progress too
  const sn2 = uniq();
  assert.equal(ok(await call('fbpay.order.pay', { merchant_order_sn: sn2, auth_code: '910099', total_amount: 5 }, { v2: true })).order_status, 'USERPAYING');
  for (const expected of ['USERPAYING', 'USERPAYING', 'SUCCESS']) {
    assert.equal(ok(await call('fbpay.order.query', { merchant_order_sn: sn2 }, { v2: true })).order_status, expected);
  }
});

test('1.0 scan (QR) → buyer-pays control route → SUCCESS', async () => {
  const sn = uniq();
  const r = await call('openapi.payment.order.scan', { merchant_order_sn: sn, type: 2, total_fee: '0.07', body: 'qr' });
  const d = ok(r);
  assert.match(r.text, /"total_fee":0\.07,/);
  assert.match(d.qr_code, /^https:\/\/qr\.alipay\.com\//);
  assert.equal(d.type, 2);
  fails(await call('openapi.payment.order.scan', { merchant_order_sn: uniq(), total_fee: 1 }), 'PARAM_ERROR'); // type
  fails(await call('openapi.payment.order.scan', { merchant_order_sn: uniq(), total_fee: 1, type: 9 }), 'PARAM_ERROR');
  // type 5: UnionPay (云闪付) QR
  const up = uniq();
  const u = ok(await call('openapi.payment.order.scan', { merchant_order_sn: up, type: '5', total_fee: 1.5 }));
  assert.equal(u.type, 5);
  assert.match(u.qr_code, /^https:\/\/qr\.95516\.com\//);
  const upPaid = await control('/fubei/buyer-pays', 'POST', { merchant_order_sn: up });
  assert.deepEqual([upPaid.json.trade_state, upPaid.json.type], ['SUCCESS', 5]);
  assert.equal(ok(await call('fbpay.order.query', { merchant_order_sn: up }, { v2: true })).pay_type, 'unionpay');
  assert.equal(ok(await query1({ merchant_order_sn: sn })).trade_state, 'USERPAYING');
  const paid = await control('/fubei/buyer-pays', 'POST', { merchant_order_sn: sn });
  assert.equal(paid.status, 200);
  assert.equal(paid.json.trade_state, 'SUCCESS');
  assert.equal(paid.json.total_fee, 0.07);
  assert.equal((await control('/fubei/buyer-pays', 'POST', { merchant_order_sn: sn })).status, 409);
  assert.equal((await control('/fubei/buyer-pays', 'POST', { merchant_order_sn: 'nope' })).status, 404);
  assert.equal((await control('/fubei/buyer-pays', 'POST', {})).status, 400);
  const q = ok(await query1({ merchant_order_sn: sn }));
  assert.equal(q.trade_state, 'SUCCESS');
  assert.equal(q.type, 2);
});

test('1.0 refunds: partial, over-amount rejected, idempotent, full remainder, refund.query', async () => {
  const sn = uniq();
  ok(await swipe({ merchant_order_sn: sn, total_fee: 9.8 }));
  const r1 = await call('openapi.payment.order.refund', { merchant_order_sn: sn, merchant_refund_sn: `${sn}r1`, refund_money: 3 });
  const d1 = ok(r1);
  assert.match(r1.text, /"refund_money":3,/);
  assert.equal(d1.merchant_refund_sn, `${sn}r1`);
  assert.equal(d1.merchant_order_sn, sn);
  assert.match(d1.refund_sn, /^\d{22}$/);
  for (const k of ['refund_sn', 'merchant_refund_sn', 'trade_no', 'order_sn', 'merchant_order_sn']) assert.ok(k in d1, k);

  fails(await call('openapi.payment.order.refund', { merchant_order_sn: sn, merchant_refund_sn: `${sn}r2`, refund_money: 6.81 }), 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL');
  fails(await call('openapi.payment.order.refund', { merchant_order_sn: sn, merchant_refund_sn: `${sn}r2`, refund_money: 1.234 }), 'PARAM_ERROR');
  fails(await call('openapi.payment.order.refund', { merchant_order_sn: sn, refund_money: 1 }), 'PARAM_ERROR');
  // same merchant_refund_sn again → the same refund, no second one
  const again = ok(await call('openapi.payment.order.refund', { merchant_order_sn: sn, merchant_refund_sn: `${sn}r1`, refund_money: 3 }));
  assert.equal(again.refund_sn, d1.refund_sn);
  assert.equal(emu.fubei.order(sn).refunded, 300);
  fails(await call('openapi.payment.order.refund', { merchant_order_sn: sn, merchant_refund_sn: `${sn}r1`, refund_money: 2 }), 'ACQ.DISCORDANT_REPEAT_REQUEST');

  // no refund_money → the whole remainder (6.80)
  const r3 = await call('openapi.payment.order.refund', { order_sn: d1.order_sn, merchant_refund_sn: `${sn}r3` });
  assert.match(r3.text, /"refund_money":6\.8,/);
  fails(await call('openapi.payment.order.refund', { merchant_order_sn: sn, merchant_refund_sn: `${sn}r4`, refund_money: 0.01 }), 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL'); // nothing left
  const led = emu.fubei.order(sn);
  assert.deepEqual([led.total, led.refunded, led.net, led.paid, led.state], [980, 980, 0, false, 'SUCCESS']);
  assert.deepEqual(led.refunds.map((r) => r.amount), [300, 680]);

  const q = ok(await call('openapi.payment.order.refund.query', { merchant_order_sn: sn, merchant_refund_sn: `${sn}r1` }));
  assert.equal(q.refund_status, 'REFUND_SUCCESS');
  assert.equal(q.refund_sn, d1.refund_sn);
  assert.equal(ok(await call('openapi.payment.order.refund.query', { refund_sn: d1.refund_sn })).merchant_refund_sn, `${sn}r1`);
  fails(await call('openapi.payment.order.refund.query', { merchant_refund_sn: 'nope' }), 'ORDERNOTEXIST');
  fails(await call('openapi.payment.order.refund.query', { merchant_order_sn: sn }), 'PARAM_ERROR');

  // unpaid order cannot be refunded
  const unpaid = uniq();
  ok(await swipe({ merchant_order_sn: unpaid, auth_code: '930011' }));
  fails(await call('openapi.payment.order.refund', { merchant_order_sn: unpaid, merchant_refund_sn: `${unpaid}r` }), 'TRADE_STATE_ERROR');
});

test('close (unpaid only) and reverse (paying or paid → REVOKED)', async () => {
  const qr = uniq();
  ok(await call('openapi.payment.order.scan', { merchant_order_sn: qr, type: 1, total_fee: 2 }));
  const c = ok(await call('openapi.payment.order.close', { merchant_order_sn: qr }));
  assert.deepEqual(Object.keys(c).sort(), ['merchant_order_sn', 'order_sn']);
  assert.equal(ok(await query1({ merchant_order_sn: qr })).trade_state, 'CLOSED');
  ok(await call('openapi.payment.order.close', { merchant_order_sn: qr })); // closing again is harmless
  fails(await call('openapi.payment.order.refund', { merchant_order_sn: qr, merchant_refund_sn: `${qr}r` }), 'ORDERCLOSED');
  fails(await call('openapi.payment.order.reverse', { merchant_order_sn: qr }), 'ORDERCLOSED');
  assert.equal((await control('/fubei/buyer-pays', 'POST', { merchant_order_sn: qr })).status, 409);

  const paid = uniq();
  ok(await swipe({ merchant_order_sn: paid }));
  fails(await call('openapi.payment.order.close', { merchant_order_sn: paid }), 'ORDERPAID');
  ok(await call('openapi.payment.order.reverse', { merchant_order_sn: paid }));
  assert.equal(ok(await query1({ merchant_order_sn: paid })).trade_state, 'REVOKED');
  assert.deepEqual([emu.fubei.order(paid).paid, emu.fubei.order(paid).net], [false, 0]);
  assert.equal(emu.fubei.order(paid).events.at(-1).type, 'revoked');
  assert.equal(emu.fubei.order(paid).events.at(-1).amount, 980);
  ok(await call('openapi.payment.order.reverse', { merchant_order_sn: paid })); // idempotent
  fails(await call('openapi.payment.order.refund', { merchant_order_sn: paid, merchant_refund_sn: `${paid}r` }), 'ORDERREVERSED');

  const paying = uniq();
  ok(await swipe({ merchant_order_sn: paying, auth_code: '930012345678901234' }));
  ok(await call('openapi.payment.order.reverse', { merchant_order_sn: paying }));
  assert.equal(ok(await query1({ merchant_order_sn: paying })).trade_state, 'REVOKED');
  assert.equal(emu.fubei.order(paying).events.at(-1).amount, 0);
  fails(await call('openapi.payment.order.close', { merchant_order_sn: 'nope' }), 'ORDERNOTEXIST');
});

test('2.0 fbpay: vendor pay/query/precreate/refund/refund.query/close/cancel; merchant_id checks; app_id on 2.0', async () => {
  const opts = { v2: true };
  const sn = uniq();
  const r = await call('fbpay.order.pay', { merchant_order_sn: sn, auth_code: '284567890123456789', total_amount: 12.3, attach: 'x' }, opts);
  const d = ok(r);
  // net_amount is 实收金额 (before the fee), like 1.0's total_fee; the net after the fee is net_amount − fee
  assert.match(r.text, /"total_amount":12\.3,"net_amount":12\.3,"buyer_pay_amount":12\.3,"fee":0\.05,/);
  assert.equal(Math.round((d.net_amount - d.fee) * 100), 1225);
  assert.equal(d.order_status, 'SUCCESS');
  assert.equal(d.pay_type, 'alipay');
  assert.equal(d.merchant_id, emu.fubei.credentials.merchantId);
  assert.match(d.finish_time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.match(d.channel_order_sn, /^2026\d{24}$/);
  for (const k of ['order_sn', 'merchant_order_sn', 'ins_order_sn', 'channel_order_sn', 'merchant_id', 'cashier_id',
    'order_status', 'pay_type', 'total_amount', 'net_amount', 'buyer_pay_amount', 'fee', 'store_id', 'user_id', 'finish_time', 'attach']) {
    assert.ok(k in d, k);
  }
  const q = ok(await call('fbpay.order.query', { ins_order_sn: d.ins_order_sn }, opts));
  assert.equal(q.merchant_order_sn, sn);
  // the 2.0 ins_order_sn is the 1.0 trade_no
  assert.equal(ok(await query1({ merchant_order_sn: sn })).trade_no, d.ins_order_sn);

  // merchant_id: required for vendor calls, must be ours; optional with app_id
  fails(await call('fbpay.order.query', JSON.stringify({ merchant_order_sn: sn }), opts), 'PARAM_ERROR');
  fails(await call('fbpay.order.query', { merchant_order_sn: sn, merchant_id: 42 }, opts), 'MCHID_NOT_EXIST');
  assert.equal(ok(await call('fbpay.order.query', { merchant_order_sn: sn }, { v2: true, asApp: true })).order_sn, d.order_sn);

  // refund (partial, idempotent, over-amount) and refund.query
  const rf = await call('fbpay.order.refund', { merchant_order_sn: sn, merchant_refund_sn: `${sn}a`, refund_amount: '2.3', handler: 3 }, opts);
  const rd = ok(rf);
  assert.match(rf.text, /"refund_amount":2\.3,"refund_status":"REFUND_SUCCESS",/);
  assert.equal(rd.handler, 3);
  assert.match(rd.finish_time, /^\d{4}-/);
  assert.equal(ok(await call('fbpay.order.refund', { merchant_order_sn: sn, merchant_refund_sn: `${sn}a`, refund_amount: 2.3 }, opts)).refund_sn, rd.refund_sn);
  fails(await call('fbpay.order.refund', { merchant_order_sn: sn, merchant_refund_sn: `${sn}b`, refund_amount: 10.01 }, opts), 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL');
  const rq = ok(await call('fbpay.order.refund.query', { merchant_refund_sn: `${sn}a` }, opts));
  assert.deepEqual([rq.refund_sn, rq.refund_status, rq.refund_amount], [rd.refund_sn, 'REFUND_SUCCESS', 2.3]);

  // precreate → USERPAYING, buyer pays with a chosen wallet
  const pre = uniq();
  const p = ok(await call('fbpay.order.precreate', { merchant_order_sn: pre, total_amount: 1, body: 'b' }, opts));
  assert.deepEqual(Object.keys(p).sort(), ['cashier_id', 'order_sn', 'qr_code', 'store_id', 'trade_no']);
  assert.equal(p.trade_no, pre);
  assert.match(p.qr_code, /^https:\/\//);
  fails(await call('fbpay.order.precreate', { merchant_order_sn: uniq(), total_amount: 1, pay_type: 'cash' }, opts), 'PARAM_ERROR');
  const pq = ok(await call('fbpay.order.query', { order_sn: p.order_sn }, opts));
  assert.deepEqual([pq.order_status, pq.pay_type], ['USERPAYING', undefined]);
  const bp = await control('/fubei/buyer-pays', 'POST', { order_sn: p.order_sn, pay_type: 'unionpay' });
  assert.deepEqual([bp.status, bp.json.order_status, bp.json.pay_type, bp.json.total_amount], [200, 'SUCCESS', 'unionpay', 1]);

  // close an unpaid precreate; cancel a paid one
  const pre2 = uniq();
  ok(await call('fbpay.order.precreate', { merchant_order_sn: pre2, total_amount: 1, pay_type: 'wxpay' }, opts));
  const cl = ok(await call('fbpay.order.close', { merchant_order_sn: pre2 }, opts));
  assert.deepEqual(cl, { merchant_id: emu.fubei.credentials.merchantId, merchant_order_sn: pre2, order_status: 'CLOSED' });
  fails(await call('fbpay.order.close', { merchant_order_sn: pre }, opts), 'ORDERPAID');
  const paid = uniq();
  ok(await call('fbpay.order.pay', { merchant_order_sn: paid, auth_code: '134567890123456789', total_amount: 3 }, opts));
  assert.equal(ok(await call('fbpay.order.cancel', { merchant_order_sn: paid }, opts)).order_status, 'REVOKED');
  assert.equal(ok(await call('fbpay.order.query', { merchant_order_sn: paid }, opts)).order_status, 'REVOKED');
  fails(await call('fbpay.order.cancel', { merchant_order_sn: sn }, opts), 'TRADE_STATE_ERROR'); // partially refunded
});

test('refundInProgressQueries: REFUND_PROCESSING, then REFUND_SUCCESS', async () => {
  const other = await startEmulator({ fubei: { refundInProgressQueries: 1 } });
  try {
    const sn = uniq();
    ok(await call('fbpay.order.pay', { merchant_order_sn: sn, auth_code: '134567890123456789', total_amount: 3 }, { v2: true, target: other }));
    const r = ok(await call('fbpay.order.refund', { merchant_order_sn: sn, merchant_refund_sn: `${sn}r` }, { v2: true, target: other }));
    assert.deepEqual([r.refund_status, r.finish_time, r.refund_amount], ['REFUND_PROCESSING', undefined, 3]);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(ok(await call('fbpay.order.refund.query', { merchant_refund_sn: `${sn}r` }, { v2: true, target: other })).refund_status);
    }
    assert.deepEqual(statuses, ['REFUND_PROCESSING', 'REFUND_SUCCESS', 'REFUND_SUCCESS']);
  } finally {
    await other.close();
  }
});

test('notifications: form POST signed with MD5, retried until "success" (any case), 1.0 and 2.0 secrets', async () => {
  const merchant = await startMerchant({ text: true, answer: replying(['fail', 'SUCCESS']) });
  try {
    const sn = uniq();
    ok(await swipe({ merchant_order_sn: sn, call_back_url: merchant.url, total_fee: 0.07 }));
    await emu.fubei.flushNotifications();
    assert.equal(merchant.received.length, 2, 'one retry after "fail", none after "SUCCESS"');
    const got = merchant.received[0];
    assert.match(got.headers['content-type'], /^application\/x-www-form-urlencoded/);
    assert.equal(got.body, merchant.received[1].body);
    const form = Object.fromEntries(new URLSearchParams(got.body));
    assert.deepEqual(Object.keys(form).sort(), ['data', 'result_code', 'result_message', 'sign']);
    assert.equal(form.result_code, '200');
    const { appSecret, vendorSecret } = emu.fubei.credentials;
    const base = ['data', 'result_code', 'result_message'].map((k) => `${k}=${form[k]}`).join('&');
    assert.equal(form.sign, md5Upper(base + appSecret));
    assert.match(form.data, /"total_fee":0\.07,/);
    const data = JSON.parse(form.data);
    assert.deepEqual([data.merchant_order_sn, data.trade_state], [sn, 'SUCCESS']);

    const log = (await control('/fubei/notifications')).json.filter((n) => n.merchant_order_sn === sn);
    assert.deepEqual(log.map((n) => [n.attempt, n.status, n.reply]), [[1, 200, 'fail'], [2, 200, 'SUCCESS']]);

    // 2.0 order created by the vendor: notify_url, 2.0 data, vendor secret; in-progress order notifies on SUCCESS
    const sn2 = uniq();
    ok(await call('fbpay.order.pay', { merchant_order_sn: sn2, auth_code: '910012', total_amount: 1, notify_url: merchant.url }, { v2: true }));
    await emu.fubei.flushNotifications();
    assert.equal(merchant.received.length, 2, 'no notification while USERPAYING');
    for (let i = 0; i < 3; i++) await call('fbpay.order.query', { merchant_order_sn: sn2 }, { v2: true });
    await emu.fubei.flushNotifications();
    assert.equal(merchant.received.length, 3);
    const f2 = Object.fromEntries(new URLSearchParams(merchant.received[2].body));
    assert.equal(f2.sign, md5Upper(`data=${f2.data}&result_code=${f2.result_code}&result_message=${f2.result_message}${vendorSecret}`));
    assert.equal(JSON.parse(f2.data).order_status, 'SUCCESS');
    // 2.0 notices name their merchant: a vendor secret signs for every merchant of the vendor.
    assert.equal(JSON.parse(f2.data).merchant_id, emu.fubei.credentials.merchantId);
    // Another merchant's notice for this order (or one naming none), genuinely signed with the vendor secret.
    const other = emu.fubei.credentials.merchantId + 1;
    await emu.fubei.sendNotification(sn2, merchant.url, { fields: { merchant_id: other } });
    await emu.fubei.sendNotification(sn2, merchant.url, { fields: { merchant_id: undefined } });
    for (const [r, id] of [[merchant.received.at(-2), other], [merchant.received.at(-1), undefined]]) {
      const f = Object.fromEntries(new URLSearchParams(r.body));
      assert.equal(f.sign, md5Upper(`data=${f.data}&result_code=${f.result_code}&result_message=${f.result_message}${vendorSecret}`));
      assert.equal(JSON.parse(f.data).merchant_id, id);
      assert.equal(JSON.parse(f.data).merchant_order_sn, sn2);
    }

    // bounded retries against a merchant that never acknowledges
    const deaf = await startMerchant({ text: true, answer: replying(['no', 'no', 'no', 'no', 'no']) });
    try {
      ok(await swipe({ call_back_url: deaf.url }));
      await emu.fubei.flushNotifications();
      assert.equal(deaf.received.length, 4); // 1 + notifyRetryDelays.length
    } finally {
      await deaf.close();
    }

    // control route: send once now, to another URL
    const once = await control('/fubei/notify', 'POST', { merchant_order_sn: sn, url: merchant.url });
    assert.deepEqual(once.json, { status: 200, body: 'success' });
    assert.equal((await control('/fubei/notify', 'POST', { merchant_order_sn: sn2, url: 5 })).status, 400);
    ok(await swipe({ merchant_order_sn: `${sn}x` }));
    assert.equal((await control('/fubei/notify', 'POST', { merchant_order_sn: `${sn}x` })).status, 409); // no URL
    fails(await swipe({ call_back_url: 'ftp://x' }), 'PARAM_ERROR');
  } finally {
    await merchant.close();
  }
});

test('faults: method filter on the shared path; maintenance answer; other kinds', async () => {
  const path = '/fubei/gateway';
  const sn = uniq();
  const added = await control('/faults', 'POST', { path, kind: 'http500', method: 'openapi.payment.order.query' });
  assert.deepEqual(added.json, { path, kind: 'http500', count: 1, ms: 2000, method: 'openapi.payment.order.query' });
  ok(await swipe({ merchant_order_sn: sn })); // a different method: not affected
  const c = emu.fubei.credentials;
  const env = { app_id: c.appId, method: 'openapi.payment.order.query', nonce: nonce(), biz_content: JSON.stringify({ merchant_order_sn: sn }) };
  env.sign = sign(env, c.appSecret);
  let res = await fetch(`${emu.url}${path}`, { method: 'POST', body: JSON.stringify(env) });
  assert.equal(res.status, 500);
  await res.text();
  ok(await query1({ merchant_order_sn: sn })); // consumed

  assert.equal((await control('/faults', 'POST', { path, kind: 'http500', method: 5 })).status, 400);

  emu.faults.add({ path, kind: 'maintenance' }); // no method filter: any call on the path
  const m = await query1({ merchant_order_sn: sn });
  assert.deepEqual([m.json.result_code, m.json.sub_code], [500, 'SYSTEMERROR']);

  // drop-after: the refund happens although the answer is lost; the retry is idempotent
  emu.faults.add({ path, kind: 'drop-after', method: 'openapi.payment.order.refund' });
  await assert.rejects(call('openapi.payment.order.refund', { merchant_order_sn: sn, merchant_refund_sn: `${sn}r`, refund_money: 1 }));
  assert.equal(emu.fubei.order(sn).refunded, 100);
  ok(await call('openapi.payment.order.refund', { merchant_order_sn: sn, merchant_refund_sn: `${sn}r`, refund_money: 1 }));
  assert.equal(emu.fubei.order(sn).refunded, 100);

  // a method fault on the 2.0 path does not fire on the 1.0 path
  emu.faults.add({ path: '/fubei/gateway/agent', kind: 'http500', method: 'fbpay.order.query' });
  ok(await query1({ merchant_order_sn: sn }));
  res = await fetch(`${emu.url}/fubei/gateway/agent`, { method: 'POST', body: JSON.stringify({ method: 'fbpay.order.query' }) });
  assert.equal(res.status, 500);
  await res.text();
  assert.deepEqual(emu.faults.list(), []);
});

test('control routes: orders, orders/<sn>, credentials, unknown routes; reset', async () => {
  const sn = uniq();
  ok(await swipe({ merchant_order_sn: sn }));
  const one = await control(`/fubei/orders/${encodeURIComponent(sn)}`);
  assert.equal(one.status, 200);
  assert.deepEqual(
    [one.json.merchant_order_sn, one.json.api, one.json.method, one.json.state, one.json.total, one.json.paid, one.json.net],
    [sn, '1.0', 'openapi.payment.order.swipe', 'SUCCESS', 980, true, 980],
  );
  assert.deepEqual(one.json.events.map((e) => e.type), ['created', 'paid']);
  assert.equal((await control(`/fubei/orders/${one.json.order_sn}`)).json.merchant_order_sn, sn);
  assert.equal((await control('/fubei/orders/nope')).status, 404);
  assert.ok((await control('/fubei/orders')).json.some((o) => o.merchant_order_sn === sn));
  const creds = (await control('/fubei/credentials')).json;
  assert.deepEqual(creds, emu.fubei.credentials);
  for (const k of ['appId', 'appSecret', 'vendorSn', 'vendorSecret', 'merchantId']) assert.ok(creds[k], k);
  assert.equal((await control('/fubei/nothing')).status, 404);

  const other = await startEmulator();
  try {
    const o = await call('openapi.payment.order.swipe', { merchant_order_sn: 'r1', auth_code: '13', total_fee: 1 }, { target: other });
    ok(o);
    await fetch(`${other.url}/__emulator/reset`, { method: 'POST' });
    assert.deepEqual(other.fubei.orders(), []);
    ok(await call('openapi.payment.order.swipe', { merchant_order_sn: 'r1', auth_code: '13', total_fee: 1 }, { target: other }));
  } finally {
    await other.close();
  }
});

const WX_KEYS = ['appId', 'nonceStr', 'package', 'paySign', 'signType', 'timeStamp'];

test('1.0 wallet orders: mina (sign_params), Alipay.H5 (prepay_id), h5pay; the buyer id is required', async () => {
  const openid = 'oODbw0Aiss8lP5aPvFq9-_F4H9LA';
  const sn = uniq('mina');
  const d = ok(await call('openapi.payment.order.mina', { merchant_order_sn: sn, sub_openid: openid, total_fee: 9.8 }));
  assert.deepEqual(Object.keys(d.sign_params).sort(), WX_KEYS);
  assert.equal(d.sign_params.package, `prepay_id=${d.prepay_id}`);
  assert.match(d.prepay_id, /^wx\d{14}/);
  assert.match(d.sign_params.timeStamp, /^\d{10}$/);
  assert.equal(d.sign_params.appId, emu.fubei.credentials.minaAppId);
  assert.equal(d.user_id, openid);
  fails(await call('openapi.payment.order.mina', { merchant_order_sn: uniq(), total_fee: 1 }), 'PARAM_ERROR');

  const a = ok(await call('openapi.payment.Alipay.H5', { merchant_order_sn: uniq('ali'), buyer_id: '2088102146225135', total_fee: 1 }));
  assert.match(a.prepay_id, /^\d{8}22\d{18}$/);
  fails(await call('openapi.payment.Alipay.H5', { merchant_order_sn: uniq(), total_fee: 1 }), 'PARAM_ERROR');
  fails(await call('openapi.payment.Alipay.H5', { merchant_order_sn: uniq(), total_fee: 1, buyer_id: 'u1' }), 'PARAM_ERROR');

  const h = ok(await call('openapi.payment.order.h5pay', { merchant_order_sn: uniq('h5'), open_id: 'o1', sub_open_id: 'o2', total_fee: 1 }));
  assert.equal(h.sign_params, undefined);
  assert.match(h.prepay_id, /^wx/);
  fails(await call('openapi.payment.order.h5pay', { merchant_order_sn: uniq(), open_id: 'o1', total_fee: 1 }), 'PARAM_ERROR');

  // The buyer confirms: the order is paid by the buyer it named, with its wallet.
  const paid = await control('/fubei/buyer-pays', 'POST', { merchant_order_sn: sn });
  assert.equal(paid.status, 200);
  const q = ok(await query1({ merchant_order_sn: sn }));
  assert.equal(q.trade_state, 'SUCCESS');
  assert.equal(q.type, 1);
  assert.equal(q.user_id, openid);
});

test('2.0 fbpay.order.create: wxpay needs sub_appid and user_id, answers sign_package; alipay a tradeNO', async () => {
  const sn = uniq('cr');
  const d = ok(await call('fbpay.order.create', { merchant_order_sn: sn, pay_type: 'wxpay', total_amount: 9.8,
    user_id: 'oODbw0Aiss8lP5aPvFq9-_F4H9LA', sub_appid: 'wx2421b1c4370ec43b' }, { v2: true }));
  assert.deepEqual(Object.keys(d.sign_package).sort(), WX_KEYS);
  assert.equal(d.sign_package.appId, 'wx2421b1c4370ec43b');
  assert.equal(d.sign_package.package, `prepay_id=${d.prepay_id}`);
  assert.equal(d.pay_type, 'wxpay');
  const a = ok(await call('fbpay.order.create', { merchant_order_sn: uniq(), pay_type: 'alipay', total_amount: 1, user_id: '2088102146225135' }, { v2: true }));
  assert.equal(a.sign_package, undefined);
  assert.match(a.prepay_id, /^\d{8}22\d{18}$/);
  for (const biz of [
    { pay_type: 'wxpay', total_amount: 1, sub_appid: 'wx2421b1c4370ec43b' }, // no user_id
    { pay_type: 'wxpay', total_amount: 1, user_id: 'o1' }, // no sub_appid
    { pay_type: 'unionpay', total_amount: 1, user_id: 'u' },
    { total_amount: 1, user_id: 'u' },
  ]) {
    const r = await call('fbpay.order.create', { merchant_order_sn: uniq(), ...biz }, { v2: true });
    fails(r, 'PARAM_ERROR');
  }
  assert.equal((await call('fbpay.order.create', { merchant_order_sn: uniq(), pay_type: 'alipay', total_amount: 1, user_id: 'u' })).json.sub_code,
    'INVALID_REQUEST', '1.0 has no such method');
});

test('discounts: buyer-pays with a discount; 1.0 discount_money/buyer_pay_amount, 2.0 payment_list', async () => {
  const sn1 = uniq('d1');
  ok(await call('openapi.payment.order.scan', { merchant_order_sn: sn1, total_fee: 10, type: 2 }));
  assert.equal((await control('/fubei/buyer-pays', 'POST', { merchant_order_sn: sn1, discount: 150 })).status, 200);
  const q1 = JSON.parse((await query1({ merchant_order_sn: sn1 })).text).data;
  assert.deepEqual(
    [q1.order_price, q1.total_fee, q1.discount_money, q1.buyer_pay_amount, q1.net_money + q1.fee],
    [10, 8.5, 1.5, 8.5, 8.5],
  );
  const sn2 = uniq('d2');
  ok(await call('fbpay.order.precreate', { merchant_order_sn: sn2, total_amount: 10 }, { v2: true }));
  assert.equal((await control('/fubei/buyer-pays', 'POST', { merchant_order_sn: sn2, discount: 200 })).status, 200);
  const q2 = ok(await call('fbpay.order.query', { merchant_order_sn: sn2 }, { v2: true }));
  assert.deepEqual([q2.total_amount, q2.net_amount, q2.buyer_pay_amount], [10, 8, 8]);
  assert.deepEqual(q2.payment_list, [{ type: 'FUBEI_DISCOUNT', amount: 2 }]);
  // What was taken off was never received: refunds stop at what was.
  fails(await call('fbpay.order.refund', { merchant_order_sn: sn2, merchant_refund_sn: uniq('r'), refund_amount: 8.01 }, { v2: true }),
    'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL');
  assert.equal((await control('/fubei/buyer-pays', 'POST', { merchant_order_sn: uniq('none'), discount: 1 })).status, 404);
});

test('refund-notify control route: a 2.0 refund callback, signed; 1.0 has none', async () => {
  const got = [];
  const m = await startMerchant({ path: '/r', text: true, answer: (e) => { got.push(e); return { body: 'success' }; } });
  try {
    const sn = uniq('rn');
    ok(await call('fbpay.order.pay', { merchant_order_sn: sn, auth_code: '134567890123456789', total_amount: 5 }, { v2: true }));
    ok(await call('fbpay.order.refund', { merchant_order_sn: sn, merchant_refund_sn: `${sn}R`, refund_amount: 1.2 }, { v2: true }));
    const r = await control('/fubei/refund-notify', 'POST', { merchant_refund_sn: `${sn}R`, url: m.url });
    assert.deepEqual([r.status, r.json.status, r.json.body], [200, 200, 'success']);
    const fields = Object.fromEntries(new URLSearchParams(got[0].body));
    assert.equal(fields.sign, sign(fields, emu.fubei.credentials.vendorSecret));
    const d = parseJsonExact(fields.data);
    assert.deepEqual([d.merchant_refund_sn, d.refund_amount.text, d.refund_status, d.merchant_id], [`${sn}R`, '1.2', 'REFUND_SUCCESS', undefined]);

    const s1 = uniq('rn1');
    ok(await swipe({ merchant_order_sn: s1 }));
    ok(await call('openapi.payment.order.refund', { merchant_order_sn: s1, merchant_refund_sn: `${s1}R`, refund_money: 1 }));
    assert.equal((await control('/fubei/refund-notify', 'POST', { merchant_refund_sn: `${s1}R`, url: m.url })).status, 409);
    assert.equal((await control('/fubei/refund-notify', 'POST', { merchant_refund_sn: 'none', url: m.url })).status, 404);
  } finally {
    await m.close();
  }
});
