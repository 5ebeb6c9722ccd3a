// Asynchronous notifications: the emulator POSTs RSA-signed order data to a real merchant HTTP server,
// which verifies it over the raw bytes with the library and answers the library's ack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { createClient, AggpayError } from 'aggpay';
import { startEmulator } from '../../js-examples/emulator/index.mjs';
import { startMerchant, verifying } from './kit.mjs';

const T = { timeout: 10_000 };
let emu; // Authorization: <sig>
let emuSn; // Authorization: <terminal_sn> <sig>
let merchant; // { url, received[], close }
const clients = {};

function clientFor(e, notifyPublicKey = e.shouqianba.publicKeyPem) {
  const { terminalSn, terminalKey } = e.shouqianba.credentials;
  return createClient({ provider: 'shouqianba', baseUrl: e.url, credentials: { terminalSn, terminalKey, notifyPublicKey } });
}

before(async () => {
  [emu, emuSn, merchant] = await Promise.all([
    startEmulator({ port: 0, shouqianba: { notifyRetryDelays: [50, 50] } }),
    startEmulator({ port: 0, shouqianba: { notifyHeaderForm: 'sn', notifyRetryDelays: [50, 50] } }),
    startMerchant({ path: '', answer: verifying((e) => clients[e.path.split('/')[2]]) }),
  ]);
  clients.bare = clientFor(emu);
  clients.sn = clientFor(emuSn);
});
after(async () => {
  await Promise.all([emu?.close(), emuSn?.close(), merchant?.close()]);
});

let seq = 0;
const no = (tag) => `${tag}-${process.pid}-${++seq}`;

/** Precreate with notifyUrl, the buyer pays, deliveries settle. Returns the order no and its log entries. */
async function paidWithNotification(e, name, amount = 990) {
  const merchantOrderNo = no(name);
  const c = clients[name];
  const r = await c.precreate({
    merchantOrderNo, amount, subject: '奶茶', operator: 'op', payway: '3', notifyUrl: `${merchant.url}/notify/${name}`,
  });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(r.order.state, 'PENDING');
  e.shouqianba.buyerPays(merchantOrderNo);
  await e.shouqianba.flushNotifications();
  const log = e.shouqianba.notifications.filter((n) => n.client_sn === merchantOrderNo);
  const got = merchant.received.filter((x) => x.body.includes(`"client_sn":"${merchantOrderNo}"`));
  return { merchantOrderNo, log, got };
}

/** One genuine notification (headers + raw body) from the bare-form emulator. */
let sample;
async function genuine() {
  if (!sample) {
    const { log } = await paidWithNotification(emu, 'bare', 1500);
    sample = { headers: { 'content-type': 'application/json', authorization: log[0].authorization }, body: Buffer.from(log[0].body) };
  }
  return sample;
}

async function rejection(promise, code, reason) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof AggpayError, String(e));
    assert.equal(e.code, code, e.message);
    if (reason !== undefined) assert.equal(e.reason, reason, e.message);
    return true;
  });
}

test('buyer pays → the merchant server gets a verified SUCCESS notification and acks it', T, async () => {
  const { merchantOrderNo, log, got } = await paidWithNotification(emu, 'bare', 990);
  assert.equal(got.length, 1, 'delivered once');
  assert.equal(got[0].error, undefined, String(got[0].error));
  const { order, ack, raw } = got[0].verified;
  assert.equal(order.state, 'SUCCESS');
  assert.equal(order.final, true);
  assert.equal(order.merchantOrderNo, merchantOrderNo);
  assert.equal(order.amounts.total, 990);
  assert.equal(order.amounts.paid, 990);
  assert.equal(order.providerOrderNo, emu.shouqianba.order(merchantOrderNo).sn);
  assert.equal(raw.client_sn, merchantOrderNo);
  assert.equal(ack.status, 200);
  assert.equal(ack.body.trim(), 'success');
  // The emulator's own log: one attempt, answered "success" (so no retries).
  assert.equal(log.length, 1);
  assert.equal(log[0].status, 200);
  assert.equal(log[0].reply, 'success');
  assert.doesNotMatch(log[0].authorization, / /, 'bare form: the header is just the signature');
});

test('a refund notification verifies as PARTIALLY_REFUNDED', T, async () => {
  const { merchantOrderNo } = await paidWithNotification(emu, 'bare', 1000);
  const r = await clients.bare.refund({ merchantOrderNo, refundNo: 'n-r1', amount: 400, operator: 'op' });
  assert.equal(r.outcome, 'SUCCEEDED');
  await emu.shouqianba.flushNotifications();
  const last = merchant.received.filter((x) => x.verified?.order.merchantOrderNo === merchantOrderNo).at(-1);
  assert.equal(last.verified.order.state, 'PARTIALLY_REFUNDED');
  assert.equal(last.verified.order.amounts.refunded, 400);
  assert.equal(emu.shouqianba.notifications.filter((n) => n.client_sn === merchantOrderNo).at(-1).reply, 'success');
});

test('the "<sn> <sig>" header form verifies too', T, async () => {
  const { merchantOrderNo, log, got } = await paidWithNotification(emuSn, 'sn', 720);
  assert.match(log[0].authorization, /^\d+ \S+$/, 'sn form');
  assert.equal(got.length, 1);
  assert.equal(got[0].error, undefined, String(got[0].error));
  assert.equal(got[0].verified.order.state, 'SUCCESS');
  assert.equal(got[0].verified.order.merchantOrderNo, merchantOrderNo);
  assert.equal(log.length, 1);
  assert.equal(log[0].reply, 'success');
});

test('the raw body verifies as Buffer, string, Uint8Array, ArrayBuffer, with Headers or entries', T, async () => {
  const { headers, body } = await genuine();
  const ab = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
  const variants = [
    { headers, body },
    { headers, body: body.toString('utf8') },
    { headers, body: new Uint8Array(body) },
    { headers, body: ab },
    { headers: new Headers(headers), body },
    { headers: Object.entries(headers), body },
    { headers: { Authorization: headers.authorization }, body },
  ];
  for (const [i, v] of variants.entries()) {
    const r = await clients.bare.verifyNotification(v);
    assert.equal(r.order.state, 'SUCCESS', `variant ${i}`);
    assert.equal(r.order.amounts.total, 1500, `variant ${i}`);
  }
});

test('a tampered body is BAD_SIGNATURE', T, async () => {
  const { headers, body } = await genuine();
  const text = body.toString('utf8');
  assert.match(text, /"total_amount":"1500"/);
  const tampered = text.replace('"total_amount":"1500"', '"total_amount":"1"');
  await rejection(clients.bare.verifyNotification({ headers, body: tampered }), 'NOTIFICATION_INVALID', 'BAD_SIGNATURE');
  // Re-serialized JSON (same data, other bytes) is not what was signed either.
  const reserialized = JSON.stringify(JSON.parse(text), null, 1);
  await rejection(clients.bare.verifyNotification({ headers, body: reserialized }), 'NOTIFICATION_INVALID', 'BAD_SIGNATURE');
  // A corrupted signature.
  const sig = headers.authorization;
  const flipped = (sig[5] === 'A' ? 'B' : 'A');
  await rejection(clients.bare.verifyNotification({ headers: { authorization: sig.slice(0, 5) + flipped + sig.slice(6) }, body }),
    'NOTIFICATION_INVALID', 'BAD_SIGNATURE');
});

test('a missing or empty Authorization is MISSING_SIGNATURE', T, async () => {
  const { body } = await genuine();
  await rejection(clients.bare.verifyNotification({ headers: { 'content-type': 'application/json' }, body }), 'NOTIFICATION_INVALID', 'MISSING_SIGNATURE');
  await rejection(clients.bare.verifyNotification({ headers: { authorization: '  ' }, body }), 'NOTIFICATION_INVALID', 'MISSING_SIGNATURE');
  await rejection(clients.bare.verifyNotification({ headers: {}, body }), 'NOTIFICATION_INVALID', 'MISSING_SIGNATURE');
});

test('the wrong public key is BAD_SIGNATURE', T, async () => {
  const { headers, body } = await genuine();
  // The other emulator's key: a real RSA key, just not the signer's.
  const other = clientFor(emu, emuSn.shouqianba.publicKeyPem);
  await rejection(other.verifyNotification({ headers, body }), 'NOTIFICATION_INVALID', 'BAD_SIGNATURE');
});

test('the public key is accepted as SPKI PEM, PKCS#1 PEM and bare Base64', T, async () => {
  const { headers, body } = await genuine();
  const key = crypto.createPublicKey(emu.shouqianba.publicKeyPem);
  const forms = {
    pkcs1: key.export({ type: 'pkcs1', format: 'pem' }),
    base64: key.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
  for (const [form, pem] of Object.entries(forms)) {
    const r = await clientFor(emu, pem).verifyNotification({ headers, body });
    assert.equal(r.order.state, 'SUCCESS', form);
  }
});

test('a parsed JSON object as body is INVALID_INPUT; no key configured is INVALID_CONFIG', T, async () => {
  const { headers, body } = await genuine();
  const parsed = JSON.parse(body.toString('utf8'));
  await rejection(clients.bare.verifyNotification({ headers, body: parsed }), 'INVALID_INPUT');
  await rejection(clients.bare.verifyNotification(null), 'INVALID_INPUT');
  const noKey = createClient({ provider: 'shouqianba', baseUrl: emu.url });
  await rejection(noKey.verifyNotification({ headers, body }), 'INVALID_CONFIG');
});

test('a correctly signed body that is not an order is MALFORMED', T, async () => {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const c = clientFor(emu, publicKey.export({ type: 'spki', format: 'pem' }));
  const signed = (text) => ({ headers: { authorization: crypto.sign('sha256', Buffer.from(text), privateKey).toString('base64') }, body: text });
  await rejection(c.verifyNotification(signed('not json')), 'NOTIFICATION_INVALID', 'MALFORMED');
  await rejection(c.verifyNotification(signed('{"client_sn":"x","total_amount":"9.80","order_status":"PAID"}')), 'NOTIFICATION_INVALID', 'MALFORMED');
  // …and a well-formed one signed with that key verifies (the key handling is not what failed above).
  const terminal = emu.shouqianba.credentials.terminalSn;
  const ok = await c.verifyNotification(signed(`{"terminal_sn":"${terminal}","client_sn":"x","sn":"1","total_amount":"980","net_amount":"980","order_status":"PAID"}`));
  assert.equal(ok.order.state, 'SUCCESS');
  assert.equal(ok.order.amounts.total, 980);
});

test('a merchant that rejects gets retried a bounded number of times', T, async () => {
  // Point a notification at a path whose client has the wrong key: every attempt is refused.
  clients.wrong = clientFor(emu, emuSn.shouqianba.publicKeyPem);
  const merchantOrderNo = no('wrong');
  const r = await clients.bare.precreate({
    merchantOrderNo, amount: 100, subject: 's', operator: 'op', payway: '2', notifyUrl: `${merchant.url}/notify/wrong`,
  });
  assert.equal(r.outcome, 'SUCCEEDED');
  emu.shouqianba.buyerPays(merchantOrderNo);
  await emu.shouqianba.flushNotifications();
  const log = emu.shouqianba.notifications.filter((n) => n.client_sn === merchantOrderNo);
  assert.equal(log.length, 3, '1 + notifyRetryDelays.length attempts');
  assert.ok(log.every((n) => n.status === 400 && n.reply === 'rejected'));
  const seen = merchant.received.filter((x) => x.path === '/notify/wrong');
  assert.equal(seen.length, 3);
  assert.ok(seen.every((x) => x.error?.reason === 'BAD_SIGNATURE'));
});

// ---------------------------------------------------------------- whose notification it is (issue 8)

test('a genuinely signed notice for another terminal carrying our order number is WRONG_MERCHANT', T, async () => {
  // Shouqianba signs every merchant's notices with one platform key. A fraudster pays 0.01 yuan on their
  // own terminal under our order number and forwards the notice: the signature is genuine, the terminal is not ours.
  const { merchantOrderNo } = await paidWithNotification(emu, 'bare', 990);
  const forged = await emu.shouqianba.sendNotification(merchantOrderNo, `${merchant.url}/notify/bare`, {
    fields: { terminal_sn: '100000339999', total_amount: '1', net_amount: '1' },
  });
  assert.equal(forged.status, 400, 'the merchant server refuses it');
  const entry = emu.shouqianba.notifications.filter((n) => n.client_sn === merchantOrderNo).at(-1);
  assert.match(entry.body, /"terminal_sn":"100000339999"/);
  const got = merchant.received.find((x) => x.body.toString() === entry.body);
  assert.ok(got.error instanceof AggpayError, String(got.error));
  assert.equal(got.error.code, 'NOTIFICATION_INVALID');
  assert.equal(got.error.reason, 'WRONG_MERCHANT');
  assert.match(got.error.message, /terminal_sn/);
  assert.doesNotMatch(got.error.message, /100000339999/);
  // The same bytes with the signature checked alone are genuine: it is the terminal that fails.
  const headers = { authorization: entry.authorization };
  await rejection(clients.bare.verifyNotification({ headers, body: entry.body }), 'NOTIFICATION_INVALID', 'WRONG_MERCHANT');
  // A notice that names no terminal cannot be told apart from one for another terminal.
  await emu.shouqianba.sendNotification(merchantOrderNo, `${merchant.url}/notify/bare`, { fields: { terminal_sn: undefined } });
  const anonymous = emu.shouqianba.notifications.filter((n) => n.client_sn === merchantOrderNo).at(-1);
  assert.doesNotMatch(anonymous.body, /terminal_sn/);
  assert.equal(anonymous.status, 400);
  // Our own terminal's notice for the same order still verifies.
  const ours = await emu.shouqianba.sendNotification(merchantOrderNo, `${merchant.url}/notify/bare`);
  assert.equal(ours.status, 200);
  assert.equal(ours.body, 'success');
});

test('without a terminalSn a client cannot tell whose a notice is: INVALID_CONFIG', T, async () => {
  const { headers, body } = await genuine();
  const noTerminal = createClient({ provider: 'shouqianba', baseUrl: emu.url, credentials: { notifyPublicKey: emu.shouqianba.publicKeyPem } });
  await rejection(noTerminal.verifyNotification({ headers, body }), 'INVALID_CONFIG');
  await assert.rejects(noTerminal.verifyNotification({ headers, body }), (e) => {
    assert.equal(e.field, 'credentials.terminalSn');
    return true;
  });
});
