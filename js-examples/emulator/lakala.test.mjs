// Tests of the Lakala emulator and x509.mjs: raw fetch + node:crypto signing, no library code and no emulator
// signing helpers (requests and verifications are written out here a second time).
// Run: node --test js-examples/emulator/
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { startEmulator } from './index.mjs';
import { makeCertificate, certificateSerialHex } from './x509.mjs';
import { startMerchant, replying } from '../../tests/js/kit.mjs';

const API = '/lakala/api/v3/labs';
let emu;
let seq = 0;
const uniq = (p = 'L') => `${p}${Date.now()}${seq++}`;

before(async () => { emu = await startEmulator(); });
after(async () => { await emu.close(); });
beforeEach(() => { emu.faults.clear(); emu.lakala.setNow(null); });

const keys = () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const line = (...parts) => Buffer.concat(parts.flatMap((p) => [Buffer.from(p), Buffer.from('\n')]));

/** Verifies the Lklapi-* response signature with the platform certificate's public key. */
function responseVerifies(e, headers, text) {
  const sig = headers.get('lklapi-signature');
  if (!sig) return false;
  const pub = new crypto.X509Certificate(e.lakala.platformCertificatePem).publicKey;
  const msg = line(headers.get('lklapi-appid'), headers.get('lklapi-serial'), headers.get('lklapi-timestamp'), headers.get('lklapi-nonce'), text);
  return crypto.verify('sha256', msg, pub, Buffer.from(sig, 'base64'));
}

/**
 * POSTs a labs call signed the documented way. `reqData` is merged over merchant_no/term_no.
 * opts: appid, serial, key, timestamp, nonce, body (raw override), authorization (override, null = none),
 * pairOrder (array of the five names), tamperBody (changes the body after signing), e (another emulator),
 * base (another API prefix, e.g. the unified refund's).
 */
async function call(path, reqData, opts = {}) {
  const e = opts.e ?? emu;
  const m = e.lakala.merchant;
  const appid = opts.appid ?? m.appId;
  const serial = opts.serial ?? m.serialNo;
  const timestamp = opts.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? crypto.randomBytes(6).toString('hex');
  const body = opts.body ?? JSON.stringify({
    req_time: '20260101120000', version: '3.0', out_org_code: appid,
    req_data: { merchant_no: m.merchantNo, term_no: m.termNo, ...reqData },
  });
  const signature = crypto.sign('sha256', line(appid, serial, timestamp, nonce, body), opts.key ?? m.privateKeyPem).toString('base64');
  const pairs = { appid, serial_no: serial, timestamp, nonce_str: nonce, signature };
  const order = opts.pairOrder ?? ['appid', 'serial_no', 'timestamp', 'nonce_str', 'signature'];
  const authorization = opts.authorization !== undefined
    ? opts.authorization
    : `LKLAPI-SHA256withRSA ${order.map((k) => `${k}="${pairs[k]}"`).join(',')}`;
  const res = await fetch(`${e.url}${opts.base ?? API}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization !== null && { authorization }) },
    body: opts.tamperBody ? body.replace('"version":"3.0"', '"version":"3.0" ') : body,
  });
  const text = await res.text();
  assert.equal(res.status, 200);
  return { headers: res.headers, text, json: JSON.parse(text), verified: responseVerifies(e, res.headers, text) };
}

const loc = { location_info: { request_ip: '36.45.36.95' } };
const micropay = (extra = {}, opts) => call('/trans/micropay', {
  out_trade_no: uniq('M'), auth_code: '134567890123456789', total_amount: '1000', subject: '测试', ...loc, ...extra,
}, opts);
const preorder = (extra = {}, opts) => call('/trans/preorder', {
  out_trade_no: uniq('P'), account_type: 'ALIPAY', trans_type: '41', total_amount: '500', subject: '停车费', ...loc, ...extra,
}, opts);
const query = (fields, opts) => call('/query/tradequery', fields, opts);
const refund = (fields) => call('/relation/refund', { out_trade_no: uniq('R'), refund_reason: '协商退款', ...loc, ...fields });
const control = async (path, method = 'GET', body) => {
  const res = await fetch(`${emu.url}/__emulator/lakala${path}`, {
    method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
};

/** Verifies a notification: Authorization LKLAPI-SHA256withRSA timestamp,nonce_str,signature over ts\nnonce\nbody\n. */
function notificationVerifies(headers, body) {
  const m = /^LKLAPI-SHA256withRSA timestamp="(\d+)",nonce_str="(\w+)",signature="([^"]+)"$/.exec(headers.authorization ?? '');
  if (!m) return false;
  const pub = new crypto.X509Certificate(emu.lakala.platformCertificatePem).publicKey;
  return crypto.verify('sha256', line(m[1], m[2], body), pub, Buffer.from(m[3], 'base64'));
}

// ---- x509 ----

test('x509: self-signed certificate with a high-bit serial parses, verifies and keeps the leading 00', () => {
  const k = keys();
  const pem = makeCertificate({ ...k, commonName: 'APIGW.LAKALA.COM', serialHex: 'c0ffee0123456789' });
  const cert = new crypto.X509Certificate(pem);
  assert.equal(cert.subject, 'CN=APIGW.LAKALA.COM');
  assert.equal(cert.issuer, 'CN=APIGW.LAKALA.COM');
  assert.equal(cert.serialNumber.toLowerCase(), 'c0ffee0123456789');
  assert.equal(certificateSerialHex(pem), '00c0ffee0123456789');
  assert.ok(cert.verify(k.publicKey));
  assert.ok(cert.checkPrivateKey(k.privateKey));
  assert.equal(cert.publicKey.export({ type: 'spki', format: 'pem' }), k.publicKey.export({ type: 'spki', format: 'pem' }));
  assert.ok(new Date(cert.validTo) > new Date());
  // Buffer serial, serial given with its 00 already, low-bit serial; DER input too.
  assert.equal(certificateSerialHex(makeCertificate({ ...k, commonName: 'x', serialHex: Buffer.from('80', 'hex') })), '0080');
  assert.equal(certificateSerialHex(makeCertificate({ ...k, commonName: 'x', serialHex: '00ff01' })), '00ff01');
  const low = makeCertificate({ ...k, commonName: 'x', serialHex: '0123456789ab' });
  assert.equal(certificateSerialHex(low), '0123456789ab');
  assert.equal(certificateSerialHex(new crypto.X509Certificate(low).raw), '0123456789ab');
  assert.throws(() => makeCertificate({ ...k, commonName: 'x', serialHex: 'xyz' }));
  assert.throws(() => makeCertificate({ ...k, commonName: 'x', serialHex: '00' }));
});

// ---- credentials ----

test('credentials: platform certificate CN=APIGW.LAKALA.COM, merchant OP00000003 with a 00-prefixed serial', async () => {
  const c = emu.lakala;
  const platform = new crypto.X509Certificate(c.platformCertificatePem);
  assert.equal(platform.subject, 'CN=APIGW.LAKALA.COM');
  assert.equal(certificateSerialHex(c.platformCertificatePem), c.platformSerialNo);
  assert.equal(c.merchant.appId, 'OP00000003');
  assert.match(c.merchant.serialNo, /^00[89a-f][0-9a-f]{15}$/);
  assert.match(c.merchant.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  const mc = new crypto.X509Certificate(c.merchant.certificatePem);
  assert.ok(mc.checkPrivateKey(crypto.createPrivateKey(c.merchant.privateKeyPem)));
  assert.equal(mc.serialNumber.toLowerCase(), c.merchant.serialNo.slice(2));
  const route = await control('/credentials');
  assert.equal(route.status, 200);
  assert.deepEqual(route.json, { ...c.merchant, platformCertificatePem: c.platformCertificatePem, platformSerialNo: c.platformSerialNo });
});

// ---- request signatures ----

test('good signature: micropay succeeds and the response signature verifies with the platform certificate', async () => {
  const r = await micropay({ total_amount: '1234' });
  assert.ok(r.verified);
  assert.equal(r.headers.get('lklapi-appid'), 'OP00000003');
  assert.equal(r.headers.get('lklapi-serial'), emu.lakala.platformSerialNo);
  assert.match(r.headers.get('lklapi-timestamp'), /^\d{10}$/);
  assert.ok(r.headers.get('lklapi-nonce'));
  assert.ok(r.headers.get('lklapi-traceid'));
  assert.equal(r.json.code, 'BBS00000');
  assert.match(r.json.resp_time, /^\d{14}$/);
  const d = r.json.resp_data;
  assert.equal(d.need_query, '0');
  assert.equal(d.total_amount, '1234');
  assert.equal(d.payer_amount, '1234');
  assert.equal(d.account_type, 'WECHAT');
  assert.match(d.trade_no, /^\d{22}$/);
  assert.equal(d.log_no, d.trade_no.slice(-14));
  assert.match(d.trade_time, /^\d{14}$/);
  assert.ok(d.acc_trade_no);
});

test('Authorization pairs in any order, 12- or 32-char nonces, body without out_org_code', async () => {
  const r = await micropay({}, { pairOrder: ['signature', 'nonce_str', 'timestamp', 'serial_no', 'appid'], nonce: 'A1b2C3d4E5f6' });
  assert.equal(r.json.code, 'BBS00000');
  const m = emu.lakala.merchant;
  const body = JSON.stringify({ req_time: '20260101120000', version: '3.0', req_data: {
    merchant_no: m.merchantNo, term_no: m.termNo, out_trade_no: uniq(), auth_code: '284567890123456789', total_amount: '1', ...loc,
  } });
  const r2 = await call('/trans/micropay', {}, { body, nonce: 'x'.repeat(32) });
  assert.equal(r2.json.code, 'BBS00000');
  assert.equal(r2.json.resp_data.account_type, 'ALIPAY');
});

test('bad signatures are refused with a signed BBS11200 answer', async () => {
  const other = keys().privateKey;
  const cases = [
    { key: other }, // wrong key
    { tamperBody: true }, // body changed after signing
    { authorization: null }, // no Authorization
    { authorization: 'Bearer abc' }, // wrong scheme
    { appid: 'OP99999999' }, // unknown appid
    { serial: emu.lakala.merchant.serialNo.slice(2) }, // serial without its leading 00
  ];
  const before = emu.lakala.orders().length;
  for (const opts of cases) {
    const r = await micropay({}, opts);
    assert.equal(r.json.code, 'BBS11200', JSON.stringify(Object.keys(opts)));
    assert.ok(r.json.msg.startsWith('验签失败'));
    assert.ok(r.verified, 'error answers are signed too');
  }
  assert.equal(emu.lakala.orders().length, before, 'refused requests create no trade');
});

test('replay window: a timestamp more than 300 s from the emulator clock is refused', async () => {
  const t = Math.floor(Date.now() / 1000);
  assert.equal((await micropay({}, { timestamp: String(t - 301) })).json.code, 'EMU40101');
  assert.equal((await micropay({}, { timestamp: String(t + 400) })).json.code, 'EMU40101');
  assert.equal((await micropay({}, { timestamp: String(t - 250) })).json.code, 'BBS00000');
  // Move the emulator clock instead: a request signed "now" is then an hour old.
  emu.lakala.setNow(Date.now() + 3600_000);
  const r = await micropay();
  assert.equal(r.json.code, 'EMU40101');
  assert.ok(r.verified);
  assert.equal(Number(r.headers.get('lklapi-timestamp')), Math.floor(emu.lakala.now() / 1000));
  // …and through the control route.
  const set = await control('/clock', 'POST', { now: (t - 1000) * 1000 });
  assert.equal(set.json.now, (t - 1000) * 1000);
  assert.equal((await micropay({}, { timestamp: String(t - 1000) })).json.code, 'BBS00000');
  await control('/clock', 'POST', { now: null });
  assert.equal((await micropay()).json.code, 'BBS00000');
});

test('a merchant certificate registered at run time is accepted', async () => {
  const k = keys();
  const certificatePem = makeCertificate({ ...k, commonName: 'OP00000777', serialHex: 'a1b2c3d4e5f60708' });
  const serial = emu.lakala.registerMerchantCertificate('OP00000777', certificatePem);
  assert.equal(serial, '00a1b2c3d4e5f60708');
  const r = await micropay({}, { appid: 'OP00000777', serial, key: k.privateKey });
  assert.equal(r.json.code, 'BBS00000');
  assert.equal(r.headers.get('lklapi-appid'), 'OP00000777');
  assert.ok(r.verified);
});

// ---- request validation ----

test('parameter checks: location_info.request_ip, amounts, envelope, merchant/terminal', async () => {
  assert.equal((await micropay({ location_info: undefined })).json.code, 'BBS11000');
  assert.equal((await micropay({ location_info: { request_ip: '' } })).json.code, 'BBS11000');
  assert.equal((await micropay({ total_amount: '12.30' })).json.code, 'BBS11000');
  assert.equal((await micropay({ total_amount: 100 })).json.code, 'BBS11000');
  assert.equal((await micropay({ total_amount: '0' })).json.code, 'BBS11000');
  assert.equal((await micropay({ auth_code: undefined })).json.code, 'BBS11000');
  assert.equal((await micropay({ merchant_no: '822000000000000' })).json.code, 'EMU40300');
  assert.equal((await micropay({ term_no: '00000000' })).json.code, 'EMU40300');
  const bad = await call('/trans/micropay', {}, { body: '{"req_time":"20260101120000","version":"2.0","req_data":{}}' });
  assert.equal(bad.json.code, 'BBS11000');
  const notJson = await call('/trans/micropay', {}, { body: 'not json' });
  assert.equal(notJson.json.code, 'BBS11000');
  assert.ok(notJson.verified);
  for (const path of ['/relation/refund', '/relation/close', '/relation/revoked', '/trans/preorder']) {
    const r = await call(path, { out_trade_no: uniq(), origin_out_trade_no: 'x', refund_amount: '1', refund_reason: 'r', account_type: 'ALIPAY', trans_type: '41', total_amount: '1' });
    assert.equal(r.json.code, 'BBS11000', path);
    assert.match(r.json.msg, /location_info/, path);
  }
});

test('duplicate out_trade_no is refused', async () => {
  const outTradeNo = uniq();
  assert.equal((await micropay({ out_trade_no: outTradeNo })).json.code, 'BBS00000');
  assert.equal((await micropay({ out_trade_no: outTradeNo })).json.code, 'EMU40900');
  assert.equal((await preorder({ out_trade_no: outTradeNo })).json.code, 'EMU40900');
});

// ---- magic auth codes ----

test('9100… answers BBS10000 / DEAL, then SUCCESS after inProgressQueries queries', async () => {
  const r = await micropay({ auth_code: '910012345678901234' });
  assert.equal(r.json.code, 'BBS10000');
  assert.equal(r.json.resp_data.need_query, '1');
  const outTradeNo = r.json.resp_data.out_trade_no;
  assert.equal((await query({ out_trade_no: outTradeNo })).json.resp_data.trade_state, 'DEAL');
  assert.equal((await query({ out_trade_no: outTradeNo })).json.resp_data.trade_state, 'DEAL');
  const q = await query({ out_trade_no: outTradeNo });
  assert.equal(q.json.code, 'BBS00000');
  assert.equal(q.json.resp_data.trade_state, 'SUCCESS');
  assert.equal(q.json.resp_data.trade_main_type, 'MICROPAY');
  assert.ok(q.verified);
});

test('9300… stays DEAL until revoked; 9200… fails', async () => {
  const stuck = await micropay({ auth_code: '930012345678901234' });
  assert.equal(stuck.json.code, 'BBS10000');
  const outTradeNo = stuck.json.resp_data.out_trade_no;
  for (let i = 0; i < 4; i++) assert.equal((await query({ out_trade_no: outTradeNo })).json.resp_data.trade_state, 'DEAL');
  const rv = await call('/relation/revoked', { out_trade_no: uniq('C'), origin_out_trade_no: outTradeNo, ...loc });
  assert.equal(rv.json.code, 'BBS00000');
  assert.equal((await query({ out_trade_no: outTradeNo })).json.resp_data.trade_state, 'REVOKED');
  assert.equal(emu.lakala.order(outTradeNo).paid, false);

  const fail = await micropay({ auth_code: '920012345678901234' });
  assert.equal(fail.json.code, 'EMU42202');
  assert.ok(fail.verified);
  assert.equal((await query({ out_trade_no: fail.json.resp_data.out_trade_no })).json.resp_data.trade_state, 'FAIL');
});

// ---- preorder, query, close ----

test('preorder NATIVE returns acc_resp_fields.code; query shows CREATE; buyer-pays makes it SUCCESS', async () => {
  const p = await preorder({ total_amount: '321' });
  assert.equal(p.json.code, 'BBS00000');
  const d = p.json.resp_data;
  assert.match(d.acc_resp_fields.code, /^https:\/\/qr\.alipay\.com\//);
  assert.equal(d.settle_merchant_no, emu.lakala.merchant.merchantNo);
  const q = await query({ out_trade_no: d.out_trade_no });
  assert.equal(q.json.resp_data.trade_state, 'CREATE');
  assert.equal(q.json.resp_data.trade_main_type, 'PREORDER');
  assert.equal(q.json.resp_data.total_amount, '321');
  const paid = await control('/buyer-pays', 'POST', { out_trade_no: d.out_trade_no });
  assert.equal(paid.status, 200);
  assert.equal(paid.json.trade_state, 'SUCCESS');
  const q2 = await query({ trade_no: d.trade_no });
  assert.equal(q2.json.resp_data.trade_state, 'SUCCESS');
  assert.equal(q2.json.resp_data.payer_amount, '321');
  assert.equal((await control('/buyer-pays', 'POST', { out_trade_no: d.out_trade_no })).status, 409);
  assert.equal((await control('/buyer-pays', 'POST', { out_trade_no: 'nope' })).status, 404);
});

test('preorder JSAPI needs acc_busi_fields.user_id; WECHAT JSAPI returns wallet parameters', async () => {
  assert.equal((await preorder({ account_type: 'WECHAT', trans_type: '51' })).json.code, 'BBS11000');
  const r = await preorder({ account_type: 'WECHAT', trans_type: '51', acc_busi_fields: { user_id: 'oUpF8uE150tsN4W00ieTusZcK70s', sub_appid: 'wx1' } });
  assert.equal(r.json.code, 'BBS00000');
  for (const k of ['prepay_id', 'app_id', 'time_stamp', 'nonce_str', 'package', 'sign_type', 'pay_sign']) assert.ok(r.json.resp_data.acc_resp_fields[k], k);
  assert.equal((await preorder({ account_type: 'PAYPAL' })).json.code, 'BBS11000');
  assert.equal((await preorder({ trans_type: '61' })).json.code, 'BBS11000');
});

test('tradequery: trade_no wins over out_trade_no; unknown trade → EMU40400; one of them required', async () => {
  const a = (await preorder()).json.resp_data;
  const b = (await preorder()).json.resp_data;
  const q = await query({ trade_no: b.trade_no, out_trade_no: a.out_trade_no });
  assert.equal(q.json.resp_data.out_trade_no, b.out_trade_no);
  const nf = await query({ out_trade_no: 'does-not-exist' });
  assert.equal(nf.json.code, 'EMU40400');
  assert.ok(nf.verified);
  assert.equal((await query({})).json.code, 'BBS11000');
});

test('close: unpaid preorder → CLOSE (idempotent); paid or barcode trades cannot be closed', async () => {
  const p = (await preorder()).json.resp_data;
  const c = await call('/relation/close', { origin_out_trade_no: p.out_trade_no, ...loc });
  assert.equal(c.json.code, 'BBS00000');
  assert.deepEqual(Object.keys(c.json.resp_data).sort(), ['origin_out_trade_no', 'origin_trade_no', 'trade_time']);
  assert.equal(c.json.resp_data.origin_trade_no, p.trade_no);
  assert.equal((await query({ out_trade_no: p.out_trade_no })).json.resp_data.trade_state, 'CLOSE');
  assert.equal((await call('/relation/close', { origin_trade_no: p.trade_no, ...loc })).json.code, 'BBS00000');
  assert.equal((await control('/buyer-pays', 'POST', { out_trade_no: p.out_trade_no })).status, 409);

  const paid = (await preorder()).json.resp_data;
  await control('/buyer-pays', 'POST', { out_trade_no: paid.out_trade_no });
  assert.equal((await call('/relation/close', { origin_out_trade_no: paid.out_trade_no, ...loc })).json.code, 'EMU42200');
  const bar = (await micropay()).json.resp_data;
  assert.equal((await call('/relation/close', { origin_out_trade_no: bar.out_trade_no, ...loc })).json.code, 'EMU42200');
  assert.equal((await call('/relation/close', { origin_out_trade_no: 'nope', ...loc })).json.code, 'EMU40400');
});

// ---- refunds and revokes ----

test('partial refunds up to the total; over-amount refused; refund trades are queryable', async () => {
  const pay = (await micropay({ total_amount: '1000' })).json.resp_data;
  const r1 = await refund({ origin_out_trade_no: pay.out_trade_no, refund_amount: '300' });
  assert.equal(r1.json.code, 'BBS00000');
  assert.ok(r1.verified);
  const d = r1.json.resp_data;
  assert.equal(d.refund_amount, '300');
  assert.equal(d.payer_amount, '300');
  assert.equal(d.total_amount, '1000');
  assert.equal(d.origin_out_trade_no, pay.out_trade_no);
  assert.equal((await query({ out_trade_no: pay.out_trade_no })).json.resp_data.trade_state, 'PART_REFUND');
  const rq = await query({ out_trade_no: d.out_trade_no });
  assert.equal(rq.json.resp_data.trade_main_type, 'REFUND');
  assert.equal(rq.json.resp_data.trade_state, 'SUCCESS');
  assert.equal(rq.json.resp_data.total_amount, '300');

  assert.equal((await refund({ origin_trade_no: pay.trade_no, refund_amount: '701' })).json.code, 'EMU42201');
  const r2 = await refund({ origin_log_no: pay.log_no, refund_amount: '700' });
  assert.equal(r2.json.code, 'BBS00000');
  assert.equal(r2.json.resp_data.origin_log_no, pay.log_no);
  assert.equal((await query({ out_trade_no: pay.out_trade_no })).json.resp_data.trade_state, 'REFUND');
  assert.equal((await refund({ origin_out_trade_no: pay.out_trade_no, refund_amount: '1' })).json.code, 'EMU42200');
  const ledger = emu.lakala.order(pay.out_trade_no);
  assert.equal(ledger.refunded, 1000);
  assert.equal(ledger.net, 0);
  assert.equal(ledger.paid, false);
});

test('refund: retry with the same out_trade_no gets the first answer; a different one is a duplicate', async () => {
  const pay = (await micropay({ total_amount: '500' })).json.resp_data;
  const fields = { out_trade_no: uniq('R'), origin_out_trade_no: pay.out_trade_no, refund_amount: '200' };
  const first = await refund(fields);
  const again = await refund(fields);
  assert.deepEqual(again.json, first.json);
  assert.equal(emu.lakala.order(pay.out_trade_no).refunded, 200);
  assert.equal((await refund({ ...fields, refund_amount: '100' })).json.code, 'EMU40900');
  assert.equal((await refund({ origin_out_trade_no: pay.out_trade_no, refund_amount: '1', refund_reason: undefined })).json.code, 'BBS11000');
  assert.equal((await refund({ refund_amount: '1' })).json.code, 'BBS11000');
  assert.equal((await refund({ origin_out_trade_no: 'nope', refund_amount: '1' })).json.code, 'EMU40400');
  const unpaid = (await preorder()).json.resp_data;
  assert.equal((await refund({ origin_out_trade_no: unpaid.out_trade_no, refund_amount: '1' })).json.code, 'EMU42200');
});

test('revoked: a paid trade is reversed; not after a refund; the revoke is queryable as CANCEL', async () => {
  const pay = (await micropay({ total_amount: '800' })).json.resp_data;
  const cancelNo = uniq('C');
  const r = await call('/relation/revoked', { out_trade_no: cancelNo, origin_trade_no: pay.trade_no, ...loc });
  assert.equal(r.json.code, 'BBS00000');
  assert.equal(r.json.resp_data.origin_out_trade_no, pay.out_trade_no);
  assert.equal((await query({ out_trade_no: pay.out_trade_no })).json.resp_data.trade_state, 'REVOKED');
  assert.equal((await query({ out_trade_no: cancelNo })).json.resp_data.trade_main_type, 'CANCEL');
  assert.equal((await call('/relation/revoked', { out_trade_no: uniq('C'), origin_trade_no: pay.trade_no, ...loc })).json.code, 'EMU42200');
  assert.equal((await call('/relation/revoked', { origin_trade_no: pay.trade_no, ...loc })).json.code, 'BBS11000');

  const pay2 = (await micropay({ total_amount: '800' })).json.resp_data;
  await refund({ origin_out_trade_no: pay2.out_trade_no, refund_amount: '100' });
  assert.equal((await call('/relation/revoked', { out_trade_no: uniq('C'), origin_out_trade_no: pay2.out_trade_no, ...loc })).json.code, 'EMU42200');
  const unpaid = (await preorder()).json.resp_data;
  assert.equal((await call('/relation/revoked', { out_trade_no: uniq('C'), origin_out_trade_no: unpaid.out_trade_no, ...loc })).json.code, 'EMU42200');
});

test('refundInProgressQueries: refunds answer BBS11112 and stay DEAL, then SUCCESS', async () => {
  const e = await startEmulator({ lakala: { refundInProgressQueries: 1 } });
  try {
    const pay = (await micropay({ total_amount: '100' }, { e })).json.resp_data;
    const r = await call('/relation/refund', { out_trade_no: uniq('R'), origin_out_trade_no: pay.out_trade_no, refund_amount: '100', refund_reason: 'x', ...loc }, { e });
    assert.equal(r.json.code, 'BBS11112');
    assert.ok(r.verified);
    const refundNo = r.json.resp_data.out_trade_no;
    assert.equal((await query({ out_trade_no: refundNo }, { e })).json.resp_data.trade_state, 'DEAL');
    assert.equal((await query({ out_trade_no: pay.out_trade_no }, { e })).json.resp_data.trade_state, 'SUCCESS');
    assert.equal((await query({ out_trade_no: refundNo }, { e })).json.resp_data.trade_state, 'SUCCESS');
    assert.equal((await query({ out_trade_no: pay.out_trade_no }, { e })).json.resp_data.trade_state, 'REFUND');
  } finally {
    await e.close();
  }
});

// ---- faults ----

test('faults: bad-signature corrupts and no-signature drops the response signature, once', async () => {
  const path = `${API}/query/tradequery`;
  const pay = (await micropay()).json.resp_data;
  emu.faults.add({ path, kind: 'bad-signature' });
  const bad = await query({ out_trade_no: pay.out_trade_no });
  assert.equal(bad.json.code, 'BBS00000');
  assert.ok(bad.headers.get('lklapi-signature'));
  assert.equal(bad.verified, false);
  assert.ok((await query({ out_trade_no: pay.out_trade_no })).verified);

  const res = await fetch(`${emu.url}/__emulator/faults`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path, kind: 'no-signature' }),
  });
  assert.equal(res.status, 200);
  const none = await query({ out_trade_no: pay.out_trade_no });
  assert.equal(none.headers.get('lklapi-signature'), null);
  assert.ok(none.headers.get('lklapi-timestamp'));
  assert.equal(none.verified, false);
  assert.ok((await query({ out_trade_no: pay.out_trade_no })).verified);

  emu.faults.add({ path, kind: 'http500' });
  const r500 = await fetch(`${emu.url}${path}`, { method: 'POST', body: '{}' });
  assert.equal(r500.status, 500);
});

// ---- notifications ----

test('notification on SUCCESS: signed with the platform key, retried until {"code":"SUCCESS"}', async () => {
  const merchant = await startMerchant({ path: '/lkl/notify', answer: replying(['{"code":"FAIL","message":"busy"}'], '{"code":"SUCCESS","message":"执行成功"}', { 'content-type': 'application/json' }) });
  try {
    const p = (await preorder({ total_amount: '250', notify_url: merchant.url })).json.resp_data;
    assert.equal(merchant.received.length, 0, 'no notice before payment');
    await control('/buyer-pays', 'POST', { out_trade_no: p.out_trade_no });
    await emu.lakala.flushNotifications();
    assert.equal(merchant.received.length, 2);
    for (const n of merchant.received) assert.ok(notificationVerifies(n.headers, n.body));
    assert.deepEqual(merchant.received[0].body, merchant.received[1].body);
    const notice = JSON.parse(merchant.received[1].body);
    assert.equal(notice.out_trade_no, p.out_trade_no);
    assert.equal(notice.trade_no, p.trade_no);
    assert.equal(notice.trade_status, 'SUCCESS');
    assert.equal(notice.trade_state, 'SUCCESS');
    assert.equal(notice.total_amount, '250');
    assert.equal(notice.merchant_no, emu.lakala.merchant.merchantNo);
    // A forged body does not verify.
    assert.equal(notificationVerifies(merchant.received[0].headers, Buffer.from(merchant.received[0].body.toString().replace('250', '1'))), false);

    const log = (await control('/notifications')).json.filter((n) => n.out_trade_no === p.out_trade_no);
    assert.deepEqual(log.map((n) => n.attempt), [1, 2]);
    assert.equal(log[1].status, 200);

    // Barcode payments notify too (also the 9100… one when it completes); manual resend via the control route.
    const bar = (await micropay({ notify_url: merchant.url, auth_code: '910099999999999999' })).json.resp_data;
    for (let i = 0; i < 3; i++) await query({ out_trade_no: bar.out_trade_no });
    await emu.lakala.flushNotifications();
    assert.equal(JSON.parse(merchant.received.at(-1).body).out_trade_no, bar.out_trade_no);
    const manual = await control('/notify', 'POST', { out_trade_no: bar.out_trade_no });
    assert.equal(manual.json.status, 200);
    assert.equal(JSON.parse(manual.json.body).code, 'SUCCESS');
    assert.ok(notificationVerifies(merchant.received.at(-1).headers, merchant.received.at(-1).body));
  } finally {
    await merchant.close();
  }
});

test('notifications give up after the bounded number of attempts', async () => {
  const e = await startEmulator({ lakala: { notifyRetryDelays: [10, 10] } });
  const merchant = await startMerchant({ path: '/lkl/notify', answer: replying(['nope', 'nope', 'nope', 'nope'], '{"code":"SUCCESS","message":"执行成功"}', { 'content-type': 'application/json' }) });
  try {
    const pay = (await micropay({ notify_url: merchant.url }, { e })).json.resp_data;
    await e.lakala.flushNotifications();
    assert.equal(merchant.received.length, 3);
    assert.equal(e.lakala.notifications.filter((n) => n.out_trade_no === pay.out_trade_no).length, 3);
  } finally {
    await merchant.close();
    await e.close();
  }
});

// ---- what ties an answer or a notice to its request and merchant ----

test('answers are signed for the requesting appid at the emulator clock and name the merchant and the original order', async () => {
  const pay = await micropay({ total_amount: '300' });
  assert.equal(pay.headers.get('lklapi-appid'), emu.lakala.merchant.appId);
  assert.ok(Math.abs(Number(pay.headers.get('lklapi-timestamp')) - Date.now() / 1000) < 5);
  assert.equal(pay.json.resp_data.merchant_no, emu.lakala.merchant.merchantNo);
  const p = pay.json.resp_data;
  const r = await refund({ origin_out_trade_no: p.out_trade_no, refund_amount: '100' });
  assert.equal(r.json.resp_data.origin_out_trade_no, p.out_trade_no);
  assert.equal(r.json.resp_data.merchant_no, emu.lakala.merchant.merchantNo);
  const p2 = (await micropay()).json.resp_data;
  const v = await call('/relation/revoked', { out_trade_no: uniq('C'), origin_out_trade_no: p2.out_trade_no, ...loc });
  assert.equal(v.json.resp_data.origin_out_trade_no, p2.out_trade_no);
  assert.equal(v.json.resp_data.origin_trade_no, p2.trade_no);
  // Another registered app gets answers signed for its own appid.
  const { privateKey } = keys();
  const serial = emu.lakala.registerMerchantCertificate('OP00000099', makeCertificate({ privateKey, commonName: 'OP00000099', serialHex: '0c0d0e' }));
  const other = await micropay({}, { appid: 'OP00000099', serial, key: privateKey });
  assert.equal(other.json.code, 'BBS00000');
  assert.equal(other.headers.get('lklapi-appid'), 'OP00000099');
  assert.ok(other.verified);
});

test('rewriteAnswers: stale, other-app, replayed and self-contradicting answers, all genuinely signed; null and reset() stop it', async () => {
  const seen = [];
  emu.lakala.rewriteAnswers(({ path, payload, appid, timestamp }) => {
    seen.push({ path, code: payload.code, appid });
    return { timestamp: timestamp - 3600 };
  });
  const stale = await micropay();
  assert.ok(stale.verified, 'a stale answer still verifies: only its time gives it away');
  assert.ok(Date.now() / 1000 - Number(stale.headers.get('lklapi-timestamp')) > 3590);
  assert.equal(stale.json.code, 'BBS00000', 'the request itself was carried out');
  assert.deepEqual(seen, [{ path: '/api/v3/labs/trans/micropay', code: 'BBS00000', appid: emu.lakala.merchant.appId }]);

  emu.lakala.rewriteAnswers(() => ({ appid: 'OP00000099' }));
  const otherApp = await query({ out_trade_no: stale.json.resp_data.out_trade_no });
  assert.equal(otherApp.headers.get('lklapi-appid'), 'OP00000099');
  assert.ok(otherApp.verified);

  // Replay: the first close answer is given to a later micropay; a contradiction: BBS00000 with trade_state FAIL.
  const p = (await preorder()).json.resp_data;
  emu.lakala.rewriteAnswers(null);
  const closeAnswer = (await call('/relation/close', { origin_out_trade_no: p.out_trade_no, ...loc })).json;
  emu.lakala.rewriteAnswers(({ path, payload }) => (path.endsWith('/micropay') ? { payload: closeAnswer } : undefined));
  const replayed = await micropay();
  assert.deepEqual(replayed.json, closeAnswer);
  assert.ok(replayed.verified);
  emu.lakala.rewriteAnswers(({ payload }) => ({ payload: { ...payload, resp_data: { ...payload.resp_data, trade_state: 'FAIL' } } }));
  const contradicting = await micropay();
  assert.equal(contradicting.json.code, 'BBS00000');
  assert.equal(contradicting.json.resp_data.trade_state, 'FAIL');
  assert.ok(contradicting.verified);

  emu.lakala.rewriteAnswers(null);
  assert.equal((await micropay()).json.resp_data.trade_state, undefined);
  emu.lakala.rewriteAnswers(() => ({ appid: 'X' }));
  assert.equal((await fetch(`${emu.url}/__emulator/reset`, { method: 'POST' })).status, 200);
  assert.equal((await micropay()).headers.get('lklapi-appid'), emu.lakala.merchant.appId);
  assert.throws(() => emu.lakala.rewriteAnswers('x'), TypeError);
});

test('notices name the merchant and terminal; changes give a genuinely signed notice for another merchant', async () => {
  const merchant = await startMerchant({ path: '/lkl/notify', answer: replying([], '{"code":"SUCCESS","message":"执行成功"}', { 'content-type': 'application/json' }) });
  try {
    const p = (await micropay({ total_amount: '1' })).json.resp_data;
    await emu.lakala.sendNotification(p.out_trade_no, merchant.url);
    const ours = JSON.parse(merchant.received.at(-1).body);
    assert.equal(ours.merchant_no, emu.lakala.merchant.merchantNo);
    assert.equal(ours.term_no, emu.lakala.merchant.termNo);
    await emu.lakala.sendNotification(p.out_trade_no, merchant.url, { changes: { merchant_no: '822290070119999', term_no: undefined } });
    const theirs = merchant.received.at(-1);
    assert.ok(notificationVerifies(theirs.headers, theirs.body), 'signed with the same platform key');
    const body = JSON.parse(theirs.body);
    assert.equal(body.merchant_no, '822290070119999');
    assert.equal('term_no' in body, false);
    assert.equal(body.out_trade_no, p.out_trade_no);
    const n = emu.lakala.signedNotice(p.out_trade_no, { changes: { term_no: 'T0' } });
    assert.ok(notificationVerifies(n.headers, Buffer.from(n.body)));
    assert.equal(JSON.parse(n.body).term_no, 'T0');
  } finally {
    await merchant.close();
  }
});

// ---- control routes ----

test('control routes: orders, orders/<id>, 404s', async () => {
  const pay = (await micropay({ total_amount: '42' })).json.resp_data;
  const one = await control(`/orders/${encodeURIComponent(pay.out_trade_no)}`);
  assert.equal(one.status, 200);
  assert.equal(one.json.trade_state, 'SUCCESS');
  assert.equal(one.json.total, 42);
  assert.equal(one.json.net, 42);
  assert.equal(one.json.paid, true);
  assert.deepEqual(one.json.events.map((ev) => ev.type), ['created', 'paid']);
  assert.ok((await control('/orders')).json.some((o) => o.out_trade_no === pay.out_trade_no));
  assert.equal((await control('/orders/nope')).status, 404);
  assert.equal((await control('/nope')).status, 404);
  assert.equal((await control('/buyer-pays', 'POST', {})).status, 400);
});

// ---- the unified refund (统一退货, docs 1826/1827) and doc 1009's camelCase notice ----

const RFD = '/lakala/api/v3/rfd/refund_front';
const rfdRefund = (fields, opts = {}) => call('/refund', { out_trade_no: uniq('U'), ...loc, ...fields }, { base: RFD, ...opts });
const rfdQuery = (fields, opts = {}) => call('/refund_query', fields, { base: RFD, ...opts });

test('unified refund: 000000 with trade_state SUCCESS, queryable by refund_query; refusals; retry; parameter checks', async () => {
  const pay = (await micropay({ total_amount: '1000' })).json.resp_data;
  const no = uniq('U');
  const r = await rfdRefund({ out_trade_no: no, origin_out_trade_no: pay.out_trade_no, refund_amount: '300' });
  assert.ok(r.verified);
  assert.equal(r.json.code, '000000');
  const d = r.json.resp_data;
  assert.equal(d.trade_state, 'SUCCESS');
  assert.deepEqual(
    [d.merchant_no, d.out_trade_no, d.refund_amount, d.payer_amount, d.total_amount, d.origin_out_trade_no, d.channel_ret_desc],
    [emu.lakala.merchant.merchantNo, no, '300', '300', '1000', pay.out_trade_no, 'RFD00000#成功'],
  );
  assert.equal(d.log_no, d.trade_no.slice(-14));
  assert.equal(d.origin_trade_no, undefined, 'origin_* are echoed only when sent');
  assert.equal(emu.lakala.order(pay.out_trade_no).refunded, 300);
  // The same request again gets the first answer; the number reused on the labs API is a duplicate.
  assert.deepEqual((await rfdRefund({ out_trade_no: no, origin_out_trade_no: pay.out_trade_no, refund_amount: '300' })).json.resp_data, d);
  assert.equal((await refund({ out_trade_no: no, origin_out_trade_no: pay.out_trade_no, refund_amount: '300' })).json.code, 'EMU40900');
  // refund_query by the refund's own number.
  const q = await rfdQuery({ out_trade_no: no });
  assert.ok(q.verified);
  assert.equal(q.json.code, '000000');
  assert.deepEqual(
    [q.json.resp_data.trade_state, q.json.resp_data.refund_amount, q.json.resp_data.origin_out_trade_no, q.json.resp_data.origin_total_amount],
    ['SUCCESS', '300', pay.out_trade_no, '1000'],
  );
  assert.equal((await rfdQuery({ out_trade_no: pay.out_trade_no })).json.code, 'EMU40400', 'a payment is no refund');
  assert.equal((await rfdQuery({ out_trade_no: uniq('nosuch') })).json.code, 'EMU40400');
  assert.equal((await rfdQuery({})).json.code, 'BBS11000');
  // Over the rest; parameter errors (BBS11000 参数校验失败).
  assert.equal((await rfdRefund({ origin_out_trade_no: pay.out_trade_no, refund_amount: '701' })).json.code, 'EMU42201');
  assert.equal((await rfdRefund({ origin_out_trade_no: pay.out_trade_no, refund_amount: '1', refund_acc_mode: '99' })).json.code, 'BBS11000');
  assert.equal((await rfdRefund({ origin_out_trade_no: pay.out_trade_no, refund_amount: '1', location_info: undefined })).json.code, 'BBS11000');
  assert.equal((await rfdRefund({ refund_amount: '1' })).json.code, 'BBS11000', 'no original order named');
  assert.equal((await rfdRefund({ origin_out_trade_no: pay.out_trade_no, refund_amount: '1', refund_reason: 'x'.repeat(33) })).json.code, 'BBS11000');
  // refund_reason is optional here (it is M on labs).
  assert.equal((await rfdRefund({ origin_trade_no: pay.trade_no, refund_amount: '700' })).json.resp_data.trade_state, 'SUCCESS');
  assert.equal(emu.lakala.order(pay.out_trade_no).refunded, 1000);
});

test('unified refund in progress: 000000 PROCESSING (or RFD11112), DEAL on refund_query, then SUCCESS', async () => {
  for (const code of ['000000', 'RFD11112']) {
    const slow = await startEmulator({ port: 0, lakala: { refundInProgressQueries: 1, unifiedRefundPendingCode: code } });
    try {
      const pay = (await micropay({ total_amount: '500' }, { e: slow })).json.resp_data;
      const no = uniq('U');
      const r = await rfdRefund({ out_trade_no: no, origin_out_trade_no: pay.out_trade_no, refund_amount: '200' }, { e: slow });
      assert.equal(r.json.code, code);
      if (code === '000000') assert.equal(r.json.resp_data.trade_state, 'PROCESSING');
      else assert.equal(r.json.resp_data, undefined, 'a 交易未知 code carries no refund');
      assert.equal(slow.lakala.order(pay.out_trade_no).refunded, 0);
      assert.equal((await rfdQuery({ out_trade_no: no }, { e: slow })).json.resp_data.trade_state, 'DEAL');
      assert.equal((await rfdQuery({ out_trade_no: no }, { e: slow })).json.resp_data.trade_state, 'SUCCESS');
      assert.equal(slow.lakala.order(pay.out_trade_no).refunded, 200);
    } finally {
      await slow.close();
    }
  }
});

test('camelCase notice: doc 1009 example\'s fields, genuinely signed, for a paid order', async () => {
  const pay = (await micropay({ total_amount: '123', auth_code: '284567890123456789' })).json.resp_data;
  const n = emu.lakala.signedNotice(pay.out_trade_no, { format: 'camel' });
  assert.ok(notificationVerifies(n.headers, n.body));
  const b = JSON.parse(n.body);
  // The example's key set, exactly (Lakala's notification-security document).
  assert.deepEqual(Object.keys(b).sort(), ['payOrderNo', 'merchantOrderNo', 'orderInfo', 'merchantNo', 'termId',
    'tradeMerchantNo', 'tradeTermId', 'channelId', 'currency', 'amount', 'tradeType', 'payStatus', 'notifyStatus',
    'orderCreateTime', 'orderEfficientTime', 'extendField', 'payTime', 'remark', 'noticeNum', 'sign', 'notifyUrl',
    'notifyMode', 'payInfo', 'lklOrderNo', 'crdFlg', 'payerId1', 'payerId2', 'smCrdFlg', 'tradeTime',
    'accountChannelOrderNo', 'actualPayAmount', 'logNo'].sort());
  assert.deepEqual(
    [b.merchantOrderNo, b.lklOrderNo, b.logNo, b.amount, b.actualPayAmount, b.tradeType, b.payStatus, b.currency],
    [pay.out_trade_no, pay.trade_no, pay.log_no, 123, 123, 'PAY', 'S', '156'],
  );
  assert.equal(b.merchantNo, emu.lakala.merchant.merchantNo);
  assert.equal(b.payInfo, `1#1#ALIPAY#0#${pay.acc_trade_no}`);
  assert.match(b.tradeTime, /^\d{14}$/);
  assert.match(b.payTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
  assert.match(b.payOrderNo, /^\d{29}$/);
});
