// Tests of the emulator itself: raw fetch + node:crypto signing, no library code.
// Run: node --test js-examples/emulator/
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { startEmulator } from './index.mjs';
import { wapSign } from './shouqianba.mjs';
import { startMerchant, replying } from '../../tests/js/kit.mjs';

const md5 = (s) => crypto.createHash('md5').update(s).digest('hex');

let emu;
let seq = 0;
const uniq = (p = 'c') => `${p}${Date.now()}${seq++}`;

before(async () => { emu = await startEmulator(); });
after(async () => { await emu.close(); });
beforeEach(() => emu.faults.clear());

/** POST a Shouqianba call signed the way the spec says: md5(body ++ key). */
async function call(path, fields, { sn, key, raw, auth } = {}) {
  const creds = emu.shouqianba.credentials;
  sn ??= creds.terminalSn;
  key ??= creds.terminalKey;
  const body = raw ?? JSON.stringify(path === '/terminal/activate' ? fields : { terminal_sn: sn, ...fields });
  const res = await fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth !== null && { authorization: auth ?? `${sn} ${md5(body + key)}` }) },
    body,
  });
  assert.equal(res.status, 200);
  return res.json();
}

const payFields = (extra = {}) => ({
  client_sn: uniq(), total_amount: '1000', dynamic_id: '134567890123456789', subject: '测试商品', operator: 'op1', ...extra,
});
const pay = (extra) => call('/upay/v2/pay', payFields(extra));
const query = (fields) => call('/upay/v2/query', fields);
const control = async (path, method = 'GET', body) => {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
};

test('spec worked examples: request signature and WAP sign', () => {
  const body = '{"terminal_sn":"10298371039","client_sn":"7654321132"}';
  assert.equal(md5(body + '68d499beda5f72116592f5c527465656'), '7d9a553efc8fb361f115b071a7fe726d');
  const params = { client_sn: 'test', operator: 'TEST', return_url: 'test', subject: 'TEST', terminal_sn: 'test', total_amount: '3' };
  assert.equal(wapSign(params, 'test'), 'D5AFC533FFD5EE8DA62A96661D636FF7');
  assert.equal(wapSign({ ...params, sign: 'x', sign_type: 'MD5', reflect: '' }, 'test'), 'D5AFC533FFD5EE8DA62A96661D636FF7');
});

test('good signature accepted (lower- and uppercase hex)', async () => {
  const r = await pay();
  assert.equal(r.result_code, '200');
  assert.equal(r.biz_response.result_code, 'PAY_SUCCESS');
  const d = r.biz_response.data;
  assert.equal(d.order_status, 'PAID');
  assert.equal(d.payway, '3');
  assert.equal(d.payway_name, '微信');
  assert.equal(d.total_amount, '1000');
  assert.ok(Object.values(d).every((v) => typeof v === 'string'));

  const { terminalSn, terminalKey } = emu.shouqianba.credentials;
  const body = JSON.stringify({ terminal_sn: terminalSn, ...payFields({ dynamic_id: '284567890123456789' }) });
  const r2 = await call('/upay/v2/pay', null, { raw: body, auth: `${terminalSn} ${md5(body + terminalKey).toUpperCase()}` });
  assert.equal(r2.biz_response.result_code, 'PAY_SUCCESS');
  assert.equal(r2.biz_response.data.payway, '2');
});

test('authentication and parameter errors', async () => {
  let r = await call('/upay/v2/pay', payFields(), { key: 'wrong-key' });
  assert.deepEqual([r.result_code, r.error_code], ['400', 'ILLEGAL_SIGN']);
  r = await call('/upay/v2/pay', payFields(), { auth: null });
  assert.deepEqual([r.result_code, r.error_code], ['400', 'ILLEGAL_SIGN']);
  r = await call('/upay/v2/pay', payFields(), { sn: '99999999999' });
  assert.deepEqual([r.result_code, r.error_code], ['400', 'INVALID_TERMINAL']);
  // signed by the right terminal, but the body names another one
  r = await call('/upay/v2/pay', null, { raw: JSON.stringify({ ...payFields(), terminal_sn: '123' }) });
  assert.deepEqual([r.result_code, r.error_code], ['400', 'INVALID_TERMINAL']);
  r = await call('/upay/v2/pay', null, { raw: 'not json' });
  assert.deepEqual([r.result_code, r.error_code], ['400', 'INVALID_PARAMS']);

  const invalid = async (fields, field) => {
    const res = await call('/upay/v2/pay', fields);
    assert.deepEqual([res.result_code, res.error_code], ['400', 'INVALID_PARAMS'], JSON.stringify(fields));
    assert.match(res.error_message, new RegExp(field));
  };
  await invalid(payFields({ total_amount: 1000 }), 'total_amount'); // a number, not a string
  await invalid(payFields({ total_amount: '0' }), 'total_amount');
  await invalid(payFields({ total_amount: '12345678901' }), 'total_amount');
  await invalid(payFields({ total_amount: '1.00' }), 'total_amount');
  await invalid(payFields({ client_sn: 'x'.repeat(33) }), 'client_sn');
  await invalid(payFields({ subject: undefined }), 'subject');
  await invalid(payFields({ operator: '' }), 'operator');
  await invalid(payFields({ longitude: '121.1' }), 'longitude');
  await invalid({ ...payFields(), dynamic_id: undefined }, 'dynamic_id');
  r = await call('/upay/v2/query', {});
  assert.equal(r.error_code, 'INVALID_PARAMS');
});

test('duplicate client_sn → CLIENT_SN_CONFLICT', async () => {
  const fields = payFields();
  await call('/upay/v2/pay', fields);
  const r = await call('/upay/v2/pay', fields);
  assert.equal(r.result_code, '200');
  assert.equal(r.biz_response.result_code, 'FAIL');
  assert.equal(r.biz_response.error_code, 'CLIENT_SN_CONFLICT');
  const p = await call('/upay/v2/precreate', { ...fields, dynamic_id: undefined, payway: '3' });
  assert.equal(p.biz_response.error_code, 'CLIENT_SN_CONFLICT');
});

test('9100 barcode: in progress, PAID after N queries', async () => {
  const fields = payFields({ dynamic_id: '910012345678' });
  const r = await call('/upay/v2/pay', fields);
  assert.equal(r.biz_response.result_code, 'PAY_IN_PROGRESS');
  assert.equal(r.biz_response.data.order_status, 'CREATED');
  assert.equal(r.biz_response.data.status, 'IN_PROG');
  const sn = r.biz_response.data.sn;
  assert.match(sn, /^\d{16}$/);
  for (let i = 0; i < 2; i++) {
    const q = await query({ client_sn: fields.client_sn });
    assert.equal(q.biz_response.data.order_status, 'CREATED');
  }
  const q = await query({ sn, client_sn: 'whatever' }); // sn wins
  assert.equal(q.biz_response.result_code, 'SUCCESS');
  assert.equal(q.biz_response.data.order_status, 'PAID');
  assert.ok(q.biz_response.data.trade_no);
  assert.equal(emu.shouqianba.order(fields.client_sn).paid, true);
  const missing = await query({ client_sn: 'no-such-order' });
  assert.deepEqual([missing.biz_response.result_code, missing.biz_response.error_code], ['FAIL', 'UPAY_ORDER_NOT_EXISTS']);
});

test('magic barcodes: failures, invalid barcode, stuck', async () => {
  let r = await pay({ dynamic_id: '9200123' });
  assert.deepEqual([r.biz_response.result_code, r.biz_response.error_code], ['PAY_FAIL', 'EXPIRED_BARCODE']);
  assert.deepEqual([r.biz_response.data.order_status, r.biz_response.data.status], ['PAY_CANCELED', 'FAIL_CANCELED']);
  r = await pay({ dynamic_id: '9400123' });
  assert.deepEqual([r.biz_response.result_code, r.biz_response.error_code], ['PAY_FAIL', 'INSUFFICIENT_FUND']);
  const f = payFields({ dynamic_id: '9500123' });
  r = await call('/upay/v2/pay', f);
  assert.deepEqual([r.result_code, r.error_code], ['400', 'INVALID_BARCODE']);
  assert.equal(emu.shouqianba.order(f.client_sn), undefined);
  r = await pay({ dynamic_id: '9600123' });
  assert.equal(r.biz_response.result_code, 'PAY_FAIL_ERROR');
  assert.deepEqual([r.biz_response.data.order_status, r.biz_response.data.status], ['PAY_ERROR', 'FAIL_ERROR']);
  r = await pay({ dynamic_id: '9300123' });
  assert.equal(r.biz_response.result_code, 'PAY_IN_PROGRESS');
  for (let i = 0; i < 4; i++) {
    assert.equal((await query({ sn: r.biz_response.data.sn })).biz_response.data.order_status, 'CREATED');
  }
  r = await pay({ dynamic_id: '6212345678' });
  assert.equal(r.biz_response.data.payway, '17');
});

test('refund: partial, over-amount, idempotent retry, conflict, query by refund_request_no', async () => {
  const { client_sn } = payFields();
  await pay({ client_sn });
  const refund = (no, amount) => call('/upay/v2/refund', { client_sn, refund_request_no: no, refund_amount: amount, operator: 'op' });
  let r = await refund('r1', '300');
  assert.equal(r.biz_response.result_code, 'REFUND_SUCCESS');
  assert.deepEqual(
    [r.biz_response.data.order_status, r.biz_response.data.net_amount, r.biz_response.data.settlement_amount],
    ['PARTIAL_REFUNDED', '700', '300'],
  );
  r = await refund('r2', '701');
  assert.deepEqual([r.biz_response.result_code, r.biz_response.error_code], ['FAIL', 'REFUND_AMT_NOT_EQUAL_TOTAL']);
  r = await refund('r1', '300'); // retry: same answer, no second refund
  assert.equal(r.biz_response.result_code, 'REFUND_SUCCESS');
  assert.equal(r.biz_response.data.net_amount, '700');
  r = await refund('r1', '200');
  assert.equal(r.biz_response.error_code, 'REFUND_REQUEST_CONFLICT');
  r = await refund('r3', '700');
  assert.deepEqual([r.biz_response.data.order_status, r.biz_response.data.net_amount], ['REFUNDED', '0']);
  r = await refund('r4', '1');
  assert.equal(r.biz_response.error_code, 'UPAY_REFUND_INVALID_ORDER_STATE');

  const q = await query({ client_sn, refund_request_no: 'r1' });
  assert.equal(q.biz_response.result_code, 'SUCCESS');
  assert.deepEqual([q.biz_response.data.settlement_amount, q.biz_response.data.order_status], ['300', 'REFUNDED']);
  const none = await query({ client_sn, refund_request_no: 'nope' });
  assert.deepEqual([none.biz_response.result_code, none.biz_response.error_code], ['FAIL', 'UPAY_ORDER_NOT_EXISTS']);

  const ledger = emu.shouqianba.order(client_sn);
  assert.deepEqual([ledger.total, ledger.refunded, ledger.paid, ledger.order_status], [1000, 1000, false, 'REFUNDED']);
  assert.equal(ledger.events.filter((e) => e.type === 'refunded').length, 2);

  const pending = payFields({ dynamic_id: '9300' });
  await call('/upay/v2/pay', pending);
  r = await call('/upay/v2/refund', { client_sn: pending.client_sn, refund_request_no: 'x', refund_amount: '1', operator: 'o' });
  assert.equal(r.biz_response.error_code, 'UPAY_REFUND_INVALID_ORDER_STATE');
});

test('cancel and revoke transitions', async () => {
  const cancel = (client_sn) => call('/upay/v2/cancel', { client_sn });
  const revoke = (client_sn) => call('/upay/v2/revoke', { client_sn });
  const code = (r) => r.biz_response.error_code ?? r.biz_response.result_code;

  const inProgress = payFields({ dynamic_id: '9300' });
  await call('/upay/v2/pay', inProgress);
  let r = await cancel(inProgress.client_sn);
  assert.equal(r.biz_response.result_code, 'CANCEL_ABORT_SUCCESS');
  assert.equal(r.biz_response.data.order_status, 'CANCELED');
  assert.equal(code(await cancel(inProgress.client_sn)), 'CANCEL_SUCCESS'); // idempotent

  const paid = payFields();
  await call('/upay/v2/pay', paid);
  r = await cancel(paid.client_sn);
  assert.equal(r.biz_response.result_code, 'CANCEL_SUCCESS');
  assert.equal(r.biz_response.data.order_status, 'CANCELED');
  assert.equal(emu.shouqianba.order(paid.client_sn).paid, false);

  const failed = payFields({ dynamic_id: '9200' });
  await call('/upay/v2/pay', failed);
  assert.equal(code(await cancel(failed.client_sn)), 'CANCEL_SUCCESS');
  assert.equal(code(await cancel('no-such-order')), 'UPAY_ORDER_NOT_EXISTS');

  const refunded = payFields();
  await call('/upay/v2/pay', refunded);
  await call('/upay/v2/refund', { client_sn: refunded.client_sn, refund_request_no: '1', refund_amount: '1', operator: 'o' });
  assert.equal(code(await cancel(refunded.client_sn)), 'UPAY_CANCEL_INVALID_ORDER_STATE');
  assert.equal(code(await revoke(refunded.client_sn)), 'UPAY_CANCEL_INVALID_ORDER_STATE');

  const toRevoke = payFields();
  await call('/upay/v2/pay', toRevoke);
  r = await revoke(toRevoke.client_sn);
  assert.equal(r.biz_response.result_code, 'CANCEL_SUCCESS');
  assert.equal(r.biz_response.data.order_status, 'CANCELED');
  assert.equal(code(await revoke(toRevoke.client_sn)), 'UPAY_CANCEL_INVALID_ORDER_STATE');
  assert.equal(code(await revoke('no-such-order')), 'UPAY_ORDER_NOT_EXISTS');
  assert.equal(code(await revoke(inProgress.client_sn)), 'UPAY_CANCEL_INVALID_ORDER_STATE');
});

test('precreate, buyer pays, signed notification verifies', async () => {
  const merchant = await startMerchant({ answer: replying([]) });
  try {
    const fields = { client_sn: uniq(), total_amount: '2500', payway: '2', subject: 's', operator: 'o', notify_url: merchant.url };
    const r = await call('/upay/v2/precreate', fields);
    assert.equal(r.biz_response.result_code, 'PRECREATE_SUCCESS');
    assert.equal(r.biz_response.data.order_status, 'CREATED');
    assert.match(r.biz_response.data.qr_code, /^https:\/\//);

    const wap = await call('/upay/v2/precreate', { ...fields, payway: '3', client_sn: uniq(), sub_payway: '3', payer_uid: 'oUser' });
    assert.equal(typeof wap.biz_response.data.wap_pay_request.paySign, 'string');
    const noUid = await call('/upay/v2/precreate', { ...fields, client_sn: uniq(), sub_payway: '4' });
    assert.equal(noUid.error_code, 'INVALID_PARAMS');

    const paid = await control('/shouqianba/buyer-pays', 'POST', { client_sn: fields.client_sn });
    assert.equal(paid.status, 200);
    assert.equal(paid.json.order_status, 'PAID');
    const again = await control('/shouqianba/buyer-pays', 'POST', { client_sn: fields.client_sn });
    assert.equal(again.status, 409);
    assert.equal((await control('/shouqianba/buyer-pays', 'POST', { client_sn: 'none' })).status, 404);

    await emu.shouqianba.flushNotifications();
    assert.equal(merchant.received.length, 1);
    const { headers, body } = merchant.received[0];
    assert.equal(headers['content-type'], 'application/json');
    const { json: { pem } } = await control('/shouqianba/public-key');
    assert.equal(pem, emu.shouqianba.publicKeyPem);
    assert.ok(crypto.verify('sha256', body, pem, Buffer.from(headers.authorization, 'base64')));
    assert.ok(!crypto.verify('sha256', Buffer.concat([body, Buffer.from(' ')]), pem, Buffer.from(headers.authorization, 'base64')));
    const data = JSON.parse(body);
    assert.deepEqual([data.client_sn, data.order_status, data.total_amount], [fields.client_sn, 'PAID', '2500']);
    // The terminal is what says whose a notice is (one platform key signs every merchant's).
    assert.equal(data.terminal_sn, emu.shouqianba.credentials.terminalSn);

    const log = emu.shouqianba.notifications.filter((n) => n.client_sn === fields.client_sn);
    assert.equal(log.length, 1);
    assert.equal(log[0].reply, 'success');

    // resend now, to another url, through the control route
    const resent = await control('/shouqianba/notify', 'POST', { client_sn: fields.client_sn, url: merchant.url });
    assert.deepEqual(resent.json, { status: 200, body: 'success' });
    assert.equal(merchant.received.length, 2);
    const { json: logged } = await control('/shouqianba/notifications');
    assert.ok(logged.some((n) => n.client_sn === fields.client_sn && n.authorization === headers.authorization));

    // Another terminal's notice for this order (or one naming none), genuinely signed with the platform key.
    await emu.shouqianba.sendNotification(fields.client_sn, merchant.url, { fields: { terminal_sn: '100000339999' } });
    await emu.shouqianba.sendNotification(fields.client_sn, merchant.url, { fields: { terminal_sn: undefined } });
    const [forged, anonymous] = merchant.received.slice(-2);
    for (const r of [forged, anonymous]) {
      assert.ok(crypto.verify('sha256', r.body, pem, Buffer.from(r.headers.authorization, 'base64')));
    }
    assert.equal(JSON.parse(forged.body).terminal_sn, '100000339999');
    assert.equal(JSON.parse(forged.body).client_sn, fields.client_sn);
    assert.ok(!('terminal_sn' in JSON.parse(anonymous.body)));
  } finally {
    await merchant.close();
  }
});

test('notifications retry until the merchant answers success; refunds notify too', async () => {
  const merchant = await startMerchant({ answer: replying(['fail', 'FAIL']) });
  try {
    const fields = payFields({ notify_url: merchant.url });
    await call('/upay/v2/pay', fields);
    await emu.shouqianba.flushNotifications();
    assert.deepEqual(merchant.received.map((r) => r.body.toString()).length, 3);
    assert.equal(new Set(merchant.received.map((r) => r.body.toString())).size, 1); // same bytes each time
    await call('/upay/v2/refund', { client_sn: fields.client_sn, refund_request_no: '1', refund_amount: '1000', operator: 'o' });
    await emu.shouqianba.flushNotifications();
    assert.equal(JSON.parse(merchant.received.at(-1).body).order_status, 'REFUNDED');
  } finally {
    await merchant.close();
  }
});

test('notifyHeaderForm "sn" and bounded retries against a dead merchant', async () => {
  const other = await startEmulator({ shouqianba: { notifyHeaderForm: 'sn', notifyRetryDelays: [10, 10] } });
  const merchant = await startMerchant({ answer: replying([]) });
  try {
    const { terminalSn, terminalKey } = other.shouqianba.credentials;
    const body = JSON.stringify({ terminal_sn: terminalSn, ...payFields({ notify_url: merchant.url }) });
    await fetch(`${other.url}/upay/v2/pay`, { method: 'POST', headers: { authorization: `${terminalSn} ${md5(body + terminalKey)}` }, body });
    await other.shouqianba.flushNotifications();
    const [{ headers, body: got }] = merchant.received;
    const [sn, sig] = headers.authorization.split(' ');
    assert.equal(sn, terminalSn);
    assert.ok(crypto.verify('sha256', got, other.shouqianba.publicKeyPem, Buffer.from(sig, 'base64')));

    const dead = JSON.stringify({ terminal_sn: terminalSn, ...payFields({ notify_url: 'http://127.0.0.1:9/notify' }) });
    await fetch(`${other.url}/upay/v2/pay`, { method: 'POST', headers: { authorization: `${terminalSn} ${md5(dead + terminalKey)}` }, body: dead });
    await other.shouqianba.flushNotifications();
    const attempts = other.shouqianba.notifications.filter((n) => n.url.includes(':9/'));
    assert.equal(attempts.length, 3);
    assert.ok(attempts.every((n) => n.error && n.reply === null));
  } finally {
    await merchant.close();
    await other.close();
  }
});

test('activate and check-in rotate the terminal key', async () => {
  const { vendorSn, vendorKey, appId, activationCode } = emu.shouqianba.credentials;
  const activation = { app_id: appId, code: activationCode, device_id: 'dev-1' };
  let r = await call('/terminal/activate', activation, { sn: vendorSn, key: vendorKey });
  assert.equal(r.result_code, '200');
  const { terminal_sn, terminal_key } = r.biz_response;
  assert.ok(terminal_sn && terminal_key);
  r = await call('/terminal/activate', { ...activation, code: '00000000' }, { sn: vendorSn, key: vendorKey });
  assert.deepEqual([r.biz_response.result_code, r.biz_response.error_code], ['FAIL', 'INVALID_ACTIVATION_CODE']);
  r = await call('/terminal/activate', activation, { sn: vendorSn, key: 'bad' });
  assert.equal(r.error_code, 'ILLEGAL_SIGN');

  const as = { sn: terminal_sn, key: terminal_key };
  assert.equal((await call('/terminal/checkin', { device_id: 'other-device' }, as)).error_code, 'INVALID_TERMINAL');
  r = await call('/terminal/checkin', { device_id: 'dev-1' }, as);
  assert.equal(r.biz_response.terminal_sn, terminal_sn);
  const newKey = r.biz_response.terminal_key;
  assert.notEqual(newKey, terminal_key);
  assert.equal((await call('/upay/v2/pay', payFields(), as)).error_code, 'ILLEGAL_SIGN');
  const ok = await call('/upay/v2/pay', payFields(), { sn: terminal_sn, key: newKey });
  assert.equal(ok.biz_response.result_code, 'PAY_SUCCESS');
  assert.equal(ok.biz_response.data.terminal_sn, terminal_sn);
});

test('faults: http500, maintenance, drop-before, drop-after, delay', async () => {
  const path = '/upay/v2/pay';
  const raw = async (fields) => {
    const { terminalSn, terminalKey } = emu.shouqianba.credentials;
    const body = JSON.stringify({ terminal_sn: terminalSn, ...fields });
    return fetch(`${emu.url}${path}`, { method: 'POST', headers: { authorization: `${terminalSn} ${md5(body + terminalKey)}` }, body });
  };

  let f = payFields();
  assert.equal((await control('/faults', 'POST', { path, kind: 'http500' })).status, 200);
  let res = await raw(f);
  assert.equal(res.status, 500);
  const text = await res.text();
  assert.throws(() => JSON.parse(text), 'not JSON');
  assert.equal(emu.shouqianba.order(f.client_sn), undefined, 'not processed');
  assert.equal((await raw(f)).status, 200, 'fault consumed');

  f = payFields();
  emu.faults.add({ path, kind: 'maintenance' });
  const m = await (await raw(f)).json();
  assert.deepEqual([m.result_code, m.error_code], ['500', 'MAINTENANCE_INPROGRESS']);
  assert.equal(emu.shouqianba.order(f.client_sn), undefined);

  f = payFields();
  emu.faults.add({ path, kind: 'drop-before' });
  await assert.rejects(raw(f));
  assert.equal(emu.shouqianba.order(f.client_sn), undefined);

  f = payFields();
  emu.faults.add({ path, kind: 'drop-after', count: 2 });
  await assert.rejects(raw(f));
  assert.equal(emu.shouqianba.order(f.client_sn).order_status, 'PAID', 'the gateway acted');
  await assert.rejects(raw(f)); // second of count 2: processed (a CLIENT_SN_CONFLICT), answer lost
  assert.equal((await query({ client_sn: f.client_sn })).biz_response.data.order_status, 'PAID');

  f = payFields();
  emu.faults.add({ path, kind: 'delay', ms: 300 });
  const t0 = Date.now();
  res = await raw(f);
  assert.ok(Date.now() - t0 >= 280);
  assert.equal((await res.json()).biz_response.result_code, 'PAY_SUCCESS');

  assert.equal((await control('/faults', 'POST', { path, kind: 'nonsense' })).status, 400);
  emu.faults.add({ path, kind: 'http500', count: 5 });
  assert.equal((await control('/faults')).json.length, 1);
  await control('/faults', 'DELETE');
  assert.equal((await raw(payFields())).status, 200);
});

test('close() is prompt with a pending delayed answer', async () => {
  const other = await startEmulator();
  other.faults.add({ path: '/upay/v2/query', kind: 'delay', ms: 30_000 });
  const { terminalSn, terminalKey } = other.shouqianba.credentials;
  const body = JSON.stringify({ terminal_sn: terminalSn, client_sn: 'x' });
  const pending = fetch(`${other.url}/upay/v2/query`, { method: 'POST', headers: { authorization: `${terminalSn} ${md5(body + terminalKey)}` }, body });
  await new Promise((r) => setTimeout(r, 50));
  const t0 = Date.now();
  await other.close();
  assert.ok(Date.now() - t0 < 1000);
  await assert.rejects(pending);
});

test('WAP cashier gateway checks the MD5 sign', async () => {
  const { terminalSn, terminalKey } = emu.shouqianba.credentials;
  const params = {
    terminal_sn: terminalSn, client_sn: uniq('wap'), total_amount: '1234', subject: '测试 & <b>', operator: 'op',
    return_url: 'https://merchant.example/return?x=1', reflect: '',
  };
  // independent sign: sorted raw k=v, empty values dropped, &key=, MD5 uppercase
  const base = Object.keys(params).filter((k) => params[k] !== '').sort().map((k) => `${k}=${params[k]}`).join('&');
  const sign = md5(`${base}&key=${terminalKey}`).toUpperCase();
  const url = (p) => `${emu.url}/gateway?${new URLSearchParams(p)}`;

  let res = await fetch(url({ ...params, sign: sign.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }));
  assert.equal(res.status, 400);
  assert.match(await res.text(), /ILLEGAL_SIGN/);
  res = await fetch(url({ ...params, sign }));
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /¥12\.34/);
  assert.ok(!html.includes('<b>'), 'escaped');
  assert.equal(emu.shouqianba.order(params.client_sn).order_status, 'CREATED');
  emu.shouqianba.buyerPays(params.client_sn);
  assert.equal(emu.shouqianba.order(params.client_sn).order_status, 'PAID');
});

test('control routes: orders, reset', async () => {
  const fields = payFields();
  await call('/upay/v2/pay', fields);
  const one = await control(`/shouqianba/orders/${encodeURIComponent(fields.client_sn)}`);
  assert.equal(one.status, 200);
  assert.deepEqual([one.json.total, one.json.paid, one.json.refunded], [1000, true, 0]);
  assert.equal((await control('/shouqianba/orders/none')).status, 404);
  assert.ok((await control('/shouqianba/orders')).json.length > 0);
  assert.equal((await control('/nope')).status, 404);

  const credsBefore = emu.shouqianba.credentials;
  emu.faults.add({ path: '/upay/v2/pay', kind: 'http500' });
  assert.equal((await control('/reset', 'POST')).status, 200);
  assert.deepEqual((await control('/shouqianba/orders')).json, []);
  assert.deepEqual(emu.faults.list(), []);
  assert.deepEqual(emu.shouqianba.notifications, []);
  assert.deepEqual(emu.shouqianba.credentials, credsBefore);
  assert.equal((await pay()).biz_response.result_code, 'PAY_SUCCESS');
});
