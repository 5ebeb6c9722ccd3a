// js-examples/node-merchant/server.mjs, run as its README says (one command, its own emulator), driven over HTTP as
// a till would: QR orders paid through the emulator's buyer-pays route with the notice verified and acked, barcode
// payments, a refund, bad input, and forged or moved notices refused. Then with --emulator and env credentials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../../js-examples/emulator/index.mjs';

const SERVER = fileURLToPath(new URL('../../js-examples/node-merchant/server.mjs', import.meta.url));
const TIMEOUT = 30_000;
const GATEWAY_ENV = /^(SHOUQIANBA|FUBEI|LAKALA|TINGYIHUI)_|^PUBLIC_URL$/;

/** Starts the server as `node server.mjs --port 0 …args`; resolves once it prints where it listens. */
async function startServer(args = [], env = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !GATEWAY_ENV.test(k)));
  const child = spawn(process.execPath, [SERVER, '--port', '0', ...args], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 15_000);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/listening on (http:\/\/[\d.]+:\d+)(?: \(gateway emulator on (http:\/\/[\d.]+:\d+)\))?/);
      if (m) {
        clearTimeout(timer);
        resolve({ self: m[1], emulator: m[2] });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`server exited (${code ?? signal}):\n${output}`)); });
  }).catch((e) => {
    child.kill('SIGKILL'); // never leave a half-started server behind
    throw e;
  });
  const responses = []; // every body the server answered, to look for secrets in
  const call = async (method, path, body) => {
    const res = await fetch(`${url.self}${path}`, { method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    responses.push(text);
    return { status: res.status, body: JSON.parse(text) };
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return { ...url, call, responses, output: () => output, stop };
}

const emulatorJson = async (url, path, init) => (await fetch(`${url}/__emulator/${path}`, init)).json();
const settle = (url) => emulatorJson(url, 'settle', { method: 'POST' }); // every notification delivered

test('node-merchant: QR orders, barcode pays, a refund, bad input and forged notices, against its own emulator', { timeout: TIMEOUT }, async () => {
  const s = await startServer();
  try {
    assert.ok(s.emulator, 'without --emulator it starts one');
    assert.deepEqual((await s.call('GET', '/')).body.providers,
      { shouqianba: 'emulator', fubei: 'emulator', lakala: 'emulator', tingyihui: 'emulator' });

    // Shouqianba QR: create → pending → the buyer scans and pays → notice verified and acked → SUCCESS.
    const created = await s.call('POST', '/orders', { provider: 'shouqianba', amount: 1999, subject: 'Coffee' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const no = created.body.merchantOrderNo;
    assert.match(created.body.qrCode, /^https:\/\//);
    const pending = await s.call('GET', `/orders/${no}?provider=shouqianba`);
    assert.equal(pending.status, 200);
    assert.equal(pending.body.order.state, 'PENDING');
    const paid = await fetch(`${s.emulator}/__emulator/shouqianba/buyer-pays`, { method: 'POST', body: JSON.stringify({ client_sn: no }) });
    assert.equal(paid.status, 200, await paid.text());
    await settle(s.emulator);
    const sqbNotices = await emulatorJson(s.emulator, 'shouqianba/notifications');
    const notice = sqbNotices.find((n) => n.client_sn === no);
    assert.ok(notice, 'the gateway notified the server');
    assert.equal(notice.url, `${s.self}/notify/shouqianba?order=${no}`);
    assert.deepEqual([notice.status, notice.reply, notice.attempt], [200, 'success', 1], 'accepted at once with the exact ack');
    const done = await s.call('GET', `/orders/${no}?provider=shouqianba`);
    assert.equal(done.body.order.state, 'SUCCESS');
    assert.equal(done.body.order.amounts.total, 1999);
    assert.equal(done.body.notified.state, 'SUCCESS', 'the server recorded the verified notice');
    assert.equal((await s.call('GET', `/orders/${no}`)).body.order.state, 'SUCCESS', 'the provider of an order it sold is known');

    // Refund part of it; a second refund past what is left is the gateway's refusal (422), not bad input.
    const refund = await s.call('POST', '/refunds', { provider: 'shouqianba', merchantOrderNo: no, amount: 500 });
    assert.equal(refund.status, 200, JSON.stringify(refund.body));
    assert.equal(refund.body.outcome, 'SUCCEEDED');
    assert.equal(refund.body.refund.state, 'SUCCESS');
    assert.equal(refund.body.refund.amount, 500);
    const tooMuch = await s.call('POST', '/refunds', { provider: 'shouqianba', merchantOrderNo: no, amount: 5000 });
    assert.equal(tooMuch.status, 422, JSON.stringify(tooMuch.body));
    assert.equal(tooMuch.body.outcome, 'FAILED');
    const refunded = (await s.call('GET', `/orders/${no}`)).body.order;
    assert.equal(refunded.state, 'PARTIALLY_REFUNDED');
    assert.equal(refunded.amounts.refunded, 500);

    // Fubei barcode: paid at once → PAID; an expired barcode → FAILED, with words for the cashier.
    const fb = await s.call('POST', '/pay', { provider: 'fubei', amount: 1288, authCode: '134567890123456789', subject: 'Sandwich' });
    assert.equal(fb.status, 200, JSON.stringify(fb.body));
    assert.equal(fb.body.verdict, 'PAID', fb.body.message);
    assert.equal(fb.body.order.state, 'SUCCESS');
    assert.equal(fb.body.order.amounts.total, 1288);
    const refused = await s.call('POST', '/pay', { provider: 'fubei', amount: 990, authCode: '920012345678901234', subject: 'Tea' });
    assert.equal(refused.body.verdict, 'FAILED');
    assert.match(refused.body.message, /no money was taken/);
    await settle(s.emulator);
    const fbNotice = (await emulatorJson(s.emulator, 'fubei/notifications')).find((n) => n.merchant_order_sn === fb.body.merchantOrderNo);
    assert.deepEqual([fbNotice?.status, fbNotice?.reply], [200, 'success'], 'the Fubei notice of the barcode pay was accepted');

    // Lakala QR (RSA-signed, with the till's IP): create → paid → notice acked → SUCCESS; a Lakala refund too.
    const lk = await s.call('POST', '/orders', { provider: 'lakala', amount: 3650, subject: 'Parking', channel: 'ALIPAY' });
    assert.equal(lk.status, 201, JSON.stringify(lk.body));
    const lkNo = lk.body.merchantOrderNo;
    const lkPaid = await fetch(`${s.emulator}/__emulator/lakala/buyer-pays`, { method: 'POST', body: JSON.stringify({ out_trade_no: lkNo }) });
    assert.equal(lkPaid.status, 200, await lkPaid.text());
    await settle(s.emulator);
    const lkNotice = (await emulatorJson(s.emulator, 'lakala/notifications')).find((n) => n.out_trade_no === lkNo);
    assert.equal(lkNotice?.status, 200, JSON.stringify(lkNotice));
    assert.match(lkNotice.reply, /"code":"SUCCESS"/);
    const lkDone = await s.call('GET', `/orders/${lkNo}?provider=lakala`);
    assert.equal(lkDone.body.order.state, 'SUCCESS');
    assert.equal(lkDone.body.notified.state, 'SUCCESS');
    const lkRefund = await s.call('POST', '/refunds', { provider: 'lakala', merchantOrderNo: lkNo, amount: 650 });
    assert.equal(lkRefund.body.outcome, 'SUCCEEDED', JSON.stringify(lkRefund.body));

    // Bad input: 400 with the AggpayError's code and the field at fault, before anything is sent.
    const bad = async (method, path, body, field) => {
      const r = await s.call(method, path, body);
      assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'INVALID_INPUT');
      assert.equal(r.body.error.field, field);
      assert.ok(r.body.error.message.startsWith(field), r.body.error.message);
    };
    await bad('POST', '/orders', { provider: 'shouqianba', amount: 19.99, subject: 'Coffee' }, 'amount');
    await bad('POST', '/orders', { provider: 'tingyihui', amount: 100, channel: 'ALIPAY' }, 'subject');
    await bad('POST', '/orders', { provider: 'paypal', amount: 100, subject: 'x' }, 'provider');
    await bad('POST', '/pay', { provider: 'lakala', amount: 100, subject: 'x' }, 'authCode');
    await bad('POST', '/refunds', { provider: 'fubei', merchantOrderNo: no, amount: -1 }, 'amount');
    await bad('POST', '/orders', 'amount=100', 'body');
    await bad('GET', `/orders/${lkNo}?provider=alipay`, undefined, 'provider');

    // Notices: the genuine one, tampered, unsigned, or moved to another order, is refused (4xx, never the ack).
    const headers = { authorization: notice.authorization, 'content-type': 'application/json' };
    const post = (path, body, h = headers) => fetch(`${s.self}${path}`, { method: 'POST', headers: h, body });
    const again = await post(`/notify/shouqianba?order=${no}`, notice.body);
    assert.deepEqual([again.status, await again.text()], [200, 'success'], 'a genuine notice delivered twice is acked twice');
    const tampered = notice.body.replace('"total_amount":"1999"', '"total_amount":"1"');
    assert.notEqual(tampered, notice.body);
    for (const [body, h, reason] of [[tampered, headers, 'BAD_SIGNATURE'], [notice.body, { 'content-type': 'application/json' }, 'MISSING_SIGNATURE']]) {
      const r = await post(`/notify/shouqianba?order=${no}`, body, h);
      const text = await r.text();
      assert.equal(r.status, 400, text);
      assert.notEqual(text, 'success');
      assert.equal(JSON.parse(text).error.code, 'NOTIFICATION_INVALID');
      assert.equal(JSON.parse(text).error.reason, reason);
    }
    // Order A's genuine notice posted for order B (another Shouqianba order we sold): WRONG_ORDER.
    const other = (await s.call('POST', '/orders', { provider: 'shouqianba', amount: 1999, subject: 'Coffee' })).body.merchantOrderNo;
    const moved = await post(`/notify/shouqianba?order=${other}`, notice.body);
    assert.equal(moved.status, 400);
    assert.equal((await moved.json()).error.reason, 'WRONG_ORDER');
    // A notice for an order we never sold, or sent to another gateway's route: refused before verification.
    for (const path of ['/notify/shouqianba?order=N0000000000000000', `/notify/fubei?order=${no}`, '/notify/shouqianba']) {
      const r = await post(path, notice.body);
      assert.equal(r.status, 400, path);
      assert.notEqual(await r.text(), 'success');
    }
    assert.equal((await s.call('GET', `/orders/${other}`)).body.order.state, 'PENDING', 'nothing moved the other order');

    // Nothing secret in any answer or in the log.
    const creds = await Promise.all(['shouqianba', 'fubei', 'lakala', 'tingyihui'].map((p) => emulatorJson(s.emulator, `${p}/credentials`)));
    const secrets = [creds[0].terminalKey, creds[1].appSecret, creds[2].privateKeyPem.split('\n')[1], creds[3].privateKeyBase64.slice(40, 100)];
    for (const secret of secrets) {
      assert.ok(secret && secret.length >= 32);
      for (const text of [...s.responses, s.output()]) assert.ok(!text.includes(secret), 'a secret leaked');
    }
    assert.match(s.output(), new RegExp(`notice shouqianba ${no} SUCCESS 1999 fen`));
  } finally {
    const { code, signal } = await s.stop();
    assert.equal(code ?? signal, 0, `a clean exit on SIGTERM:\n${s.output()}`);
  }
  await assert.rejects(fetch(`${s.emulator}/__emulator/ledger`), 'its emulator stopped with it');
});

test('node-merchant: --emulator URL, and a gateway configured from the environment', { timeout: TIMEOUT }, async () => {
  const emu = await startEmulator({ port: 0 });
  const { appId, appSecret } = emu.fubei.credentials;
  const s = await startServer(['--emulator', emu.url],
    { FUBEI_BASE_URL: `${emu.url}/fubei`, FUBEI_APP_ID: appId, FUBEI_APP_SECRET: appSecret });
  try {
    assert.equal(s.emulator, undefined, 'no emulator of its own');
    assert.deepEqual((await s.call('GET', '/')).body,
      { providers: { shouqianba: 'emulator', fubei: 'environment', lakala: 'emulator', tingyihui: 'emulator' }, emulator: emu.url });
    const fb = await s.call('POST', '/pay', { provider: 'fubei', amount: 500, authCode: '284567890123456789', subject: 'Tea' });
    assert.equal(fb.body.verdict, 'PAID', JSON.stringify(fb.body));
    assert.equal(emu.fubei.order(fb.body.merchantOrderNo)?.paid, true, 'paid at the given gateway');
    const sqb = await s.call('POST', '/orders', { provider: 'shouqianba', amount: 700, subject: 'Beans', channel: 'ALIPAY' });
    assert.equal(sqb.status, 201);
    assert.ok(emu.shouqianba.order(sqb.body.merchantOrderNo), 'created at the given emulator');
    assert.ok(!s.output().includes(appSecret));
  } finally {
    await s.stop();
    await emu.close();
  }
});
