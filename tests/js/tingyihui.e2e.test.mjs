// End to end over real HTTP: the package, loaded by name, against the Tingyihui (停宜慧) "os-base" emulator.
// Requests are RSA2-signed by the library and checked by the emulator's own code; answers are unsigned JSON
// {"code","msg","data","error"} whose code decides the outcome.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createClient, AggpayError } from 'aggpay';
import { spyFetch, startMerchant, verifying, useEmulator } from './kit.mjs';

const T = { timeout: 10_000 };

const emu = useEmulator();

let seq = 0;
/** A fresh ownerTradeNo / ownerRefundNo, unique per run. */
const no = (tag) => `${tag}-${process.pid}-${++seq}`;

function client({ credentials, ...options } = {}) {
  const m = emu.tingyihui.merchant;
  return createClient({
    provider: 'tingyihui',
    baseUrl: `${emu.url}/tingyihui`,
    credentials: { accessId: m.accessId, privateKey: m.privateKeyBase64, merchantCode: m.osMerchantCode, ...credentials },
    ...options,
  });
}

const trade = (merchantOrderNo, amount = 1000, channel = 'ALIPAY') => ({ merchantOrderNo, amount, subject: '停车费', operator: 'gate-1', channel });

/** A trade the buyer has paid. */
async function paid(c, tag, amount = 1000) {
  const merchantOrderNo = no(tag);
  const r = await c.precreate(trade(merchantOrderNo, amount));
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  emu.tingyihui.buyerPays(merchantOrderNo);
  return { merchantOrderNo, providerOrderNo: r.order.providerOrderNo };
}

function failed(r, code, providerCode, what = '') {
  const detail = `${what} ${JSON.stringify({ outcome: r.outcome, next: r.next, error: r.error })}`;
  assert.equal(r.outcome, 'FAILED', detail);
  assert.equal(r.next, 'NONE', detail);
  assert.equal(r.error.code, code, detail);
  assert.equal(r.error.providerCode, providerCode, detail);
  assert.equal(typeof r.error.providerMessage, 'string', detail);
}

test('the client signs with the node signer, and the key is accepted as bare Base64 PKCS#8 and as PEM', T, async () => {
  assert.equal(client().signer, 'node');
  const pem = client({ credentials: { privateKey: emu.tingyihui.merchant.privateKeyPem } });
  const r = await pem.precreate(trade(no('pem')));
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
});

test('precreate (ALIPAY): SUCCEEDED, PENDING, qrCode; the buyer pays; query SUCCESS', T, async () => {
  const c = client();
  const merchantOrderNo = no('qr');
  const r = await c.precreate(trade(merchantOrderNo, 880));
  assert.equal(r.provider, 'tingyihui');
  assert.equal(r.operation, 'precreate');
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(r.next, 'POLL');
  assert.equal(r.order.state, 'PENDING');
  assert.equal(r.order.final, false);
  assert.equal(r.order.merchantOrderNo, merchantOrderNo);
  assert.match(r.order.providerOrderNo, /^trade_\d{17}$/);
  assert.equal(r.order.qrCode, `https://qr.alipay.com/${r.order.providerOrderNo}`);
  assert.equal(r.order.amounts.total, 880);
  assert.equal(r.order.amounts.paid, 0);
  const ledger = emu.tingyihui.order(merchantOrderNo);
  assert.equal(ledger.osTradeNo, r.order.providerOrderNo);
  assert.equal(ledger.tradeStatus, 'WAIT');

  const before = await c.query({ merchantOrderNo });
  assert.equal(before.outcome, 'SUCCEEDED');
  assert.equal(before.order.state, 'PENDING');
  assert.equal(before.next, 'POLL');

  emu.tingyihui.buyerPays(merchantOrderNo);
  for (const ref of [{ merchantOrderNo }, { providerOrderNo: r.order.providerOrderNo }]) {
    const q = await c.query(ref);
    assert.equal(q.outcome, 'SUCCEEDED', JSON.stringify(q.error));
    assert.equal(q.next, 'NONE');
    assert.equal(q.order.state, 'SUCCESS');
    assert.equal(q.order.final, true);
    assert.equal(q.order.providerState, 'SUCCESS');
    assert.equal(q.order.merchantOrderNo, merchantOrderNo);
    assert.equal(q.order.providerOrderNo, r.order.providerOrderNo);
    assert.equal(q.order.channel, 'ALIPAY');
    assert.ok(q.order.channelOrderNo);
    assert.equal(q.order.amounts.total, 880);
    assert.equal(q.order.amounts.paid, 880);
    assert.equal(q.order.amounts.refunded, 0);
    assert.equal(q.order.amounts.net, 880);
    assert.equal(typeof q.order.paidAt, 'number');
  }
});

test('precreate (WECHAT) is a QR too; the buyer fails: query shows FAILED', T, async () => {
  const c = client();
  const merchantOrderNo = no('fail');
  const r = await c.precreate(trade(merchantOrderNo, 500, 'WECHAT'));
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(r.order.state, 'PENDING');
  assert.match(r.order.qrCode, /^https:\/\//);
  emu.tingyihui.buyerFails(merchantOrderNo);
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.outcome, 'SUCCEEDED', JSON.stringify(q.error));
  assert.equal(q.order.state, 'FAILED');
  assert.equal(q.order.final, true);
  assert.equal(q.order.providerState, 'FAILURE');
  assert.equal(q.order.channel, 'WECHAT');
  assert.equal(q.order.amounts.paid, 0);
  assert.equal(q.next, 'NONE');
});

test('close: an unpaid trade closes (SUCCEEDED, query CLOSED); a paid one is FAILED', T, async () => {
  const c = client();
  const merchantOrderNo = no('close');
  assert.equal((await c.precreate(trade(merchantOrderNo, 300))).outcome, 'SUCCEEDED');
  const r = await c.close({ merchantOrderNo });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(r.next, 'NONE');
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.order.state, 'CLOSED');
  assert.equal(q.order.final, true);
  assert.equal(q.order.providerState, 'CLOSED');
  assert.equal(q.order.amounts.paid, 0);
  assert.equal(emu.tingyihui.order(merchantOrderNo).tradeStatus, 'CLOSED');
  assert.throws(() => emu.tingyihui.buyerPays(merchantOrderNo), /not WAIT/, 'a closed trade cannot be paid');

  const paidTrade = await paid(c, 'close-paid', 300);
  failed(await c.close({ merchantOrderNo: paidTrade.merchantOrderNo }), 'PROVIDER_ERROR', '0', 'close of a paid trade');
  assert.equal(emu.tingyihui.order(paidTrade.merchantOrderNo).tradeStatus, 'SUCCESS');

  failed(await c.close({ merchantOrderNo: no('nosuch') }), 'ORDER_NOT_FOUND', '4004', 'close of an unknown trade');
});

test('refund: partial is accepted with providerRefundNo (IN_PROGRESS until refundQuery says SUCCESS)', T, async () => {
  const c = client();
  const { merchantOrderNo } = await paid(c, 'refund', 1000);
  const refundNo = no('r');
  const r = await c.refund({ merchantOrderNo, refundNo, amount: 300, description: '提前离场' });
  // The create-refund answer is only {osRefundNo}: the library's rule is "accepted, under way: confirm it".
  assert.ok(['IN_PROGRESS', 'SUCCEEDED'].includes(r.outcome), JSON.stringify(r));
  assert.equal(r.outcome, 'IN_PROGRESS');
  assert.equal(r.next, 'POLL');
  assert.equal(r.refund.state, 'PENDING');
  assert.equal(r.refund.refundNo, refundNo);
  assert.match(r.refund.providerRefundNo, /^refund_\d{17}$/);
  const ledger = emu.tingyihui.order(merchantOrderNo);
  assert.deepEqual(ledger.refunds.map((x) => x.osRefundNo), [r.refund.providerRefundNo]);

  for (const ref of [{ providerRefundNo: r.refund.providerRefundNo }, { refundNo }]) {
    const rq = await c.refundQuery(ref);
    assert.equal(rq.outcome, 'SUCCEEDED', JSON.stringify(rq.error));
    assert.equal(rq.next, 'NONE');
    assert.equal(rq.refund.state, 'SUCCESS');
    assert.equal(rq.refund.providerState, 'SUCCESS');
    assert.equal(rq.refund.providerRefundNo, r.refund.providerRefundNo);
    assert.equal(rq.refund.refundNo, refundNo);
    assert.equal(rq.refund.amount, 300);
  }

  const q = await c.query({ merchantOrderNo });
  assert.equal(q.order.state, 'PARTIALLY_REFUNDED');
  assert.equal(q.order.amounts.refunded, 300);
  assert.equal(q.order.amounts.net, 700);

  // A retry with the same refundNo and amount is the same refund, not a second one.
  const retry = await c.refund({ merchantOrderNo, refundNo, amount: 300 });
  assert.equal(retry.refund.providerRefundNo, r.refund.providerRefundNo);
  assert.equal(emu.tingyihui.order(merchantOrderNo).refundFee, 300);
  // The same refundNo for another amount: 4002 "重复提交". The first refund may stand, so this is UNKNOWN +
  // POLL (FAILED would invite a second refund under a new number); refundQuery says what stood.
  const repeat = await c.refund({ merchantOrderNo, refundNo, amount: 200 });
  const detail = JSON.stringify({ outcome: repeat.outcome, next: repeat.next, error: repeat.error });
  assert.equal(repeat.outcome, 'UNKNOWN', detail);
  assert.equal(repeat.next, 'POLL', detail);
  assert.equal(repeat.error.code, 'DUPLICATE_ORDER', detail);
  assert.equal(repeat.error.providerCode, '4002', detail);
  assert.equal(emu.tingyihui.order(merchantOrderNo).refundFee, 300, 'refunded once');
  const stood = await c.refundQuery({ refundNo });
  assert.equal(stood.refund.state, 'SUCCESS');
  assert.equal(stood.refund.amount, 300);
});

test('refund over the remaining amount is FAILED and refunds nothing; the rest refunds fully', T, async () => {
  const c = client();
  const { merchantOrderNo, providerOrderNo } = await paid(c, 'over', 1000);
  const first = await c.refund({ providerOrderNo, refundNo: no('r'), amount: 400 });
  assert.notEqual(first.outcome, 'FAILED', JSON.stringify(first.error));
  const over = await c.refund({ merchantOrderNo, refundNo: no('r'), amount: 601 });
  failed(over, 'PROVIDER_ERROR', '0', 'over the remainder');
  assert.equal(emu.tingyihui.order(merchantOrderNo).refundFee, 400, 'nothing refunded by the refused refund');
  const rest = await c.refund({ merchantOrderNo, refundNo: no('r'), amount: 600 });
  assert.notEqual(rest.outcome, 'FAILED', JSON.stringify(rest.error));
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.order.state, 'REFUNDED');
  assert.equal(q.order.amounts.refunded, 1000);
  // An unpaid trade cannot be refunded.
  const unpaid = no('unpaid');
  assert.equal((await c.precreate(trade(unpaid))).outcome, 'SUCCEEDED');
  failed(await c.refund({ merchantOrderNo: unpaid, refundNo: no('r'), amount: 1 }), 'PROVIDER_ERROR', '0', 'refund of an unpaid trade');
});

test('a duplicate merchantOrderNo is UNKNOWN + POLL with DUPLICATE_ORDER and changes nothing', T, async () => {
  const c = client();
  const merchantOrderNo = no('dup');
  const first = await c.precreate(trade(merchantOrderNo, 700));
  assert.equal(first.outcome, 'SUCCEEDED');
  const again = await c.precreate(trade(merchantOrderNo, 900));
  assert.equal(again.outcome, 'UNKNOWN');
  assert.equal(again.next, 'POLL');
  assert.equal(again.error.code, 'DUPLICATE_ORDER');
  assert.equal(again.error.providerCode, '4000');
  assert.equal(again.order, undefined);
  assert.equal(emu.tingyihui.order(merchantOrderNo).orderFee, 700);
  assert.equal(emu.tingyihui.orders().filter((o) => o.ownerTradeNo === merchantOrderNo).length, 1);
});

test('a wrong private key, an unknown accessId, a clock 400 s off: FAILED AUTH_FAILED, nothing created', T, async () => {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cases = [
    ['wrong key', client({ credentials: { privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64') } }), '1013'],
    ['unknown accessId', client({ credentials: { accessId: '17000000000000999' } }), '1012'],
    ['clock skew', client({ now: () => Date.now() - 400_000 }), '1006'],
  ];
  for (const [what, c, providerCode] of cases) {
    const merchantOrderNo = no('auth');
    failed(await c.precreate(trade(merchantOrderNo)), 'AUTH_FAILED', providerCode, what);
    assert.equal(emu.tingyihui.order(merchantOrderNo), undefined, `${what}: nothing created`);
    failed(await c.query({ merchantOrderNo }), 'AUTH_FAILED', providerCode, what);
  }
  const none = await client().query({ merchantOrderNo: no('nosuch') });
  assert.deepEqual([none.outcome, none.next, none.error.code, none.error.providerCode], ['UNKNOWN', 'RETRY', 'ORDER_NOT_FOUND', '4004'], 'unknown trade: absence is no proof');
});

test('the request: data is Base64 of camelCase JSON; sign verifies over access_id+data+sign_type+time_stamp', T, async () => {
  const m = emu.tingyihui.merchant;
  const nowMs = 1_637_800_000_123;
  const c = client({ now: () => nowMs, nonce: () => 'n1' });
  const input = { ...trade('owner-1', 1234), notifyUrl: 'https://merchant.example/tyh/notify', reflect: '备注' };
  const req = await c.buildRequest('precreate', input);
  assert.equal(req.method, 'POST');
  assert.equal(req.url, `${emu.url}/tingyihui/os-base/trade/v2/open`);
  assert.match(req.headers['content-type'], /^application\/json/);
  const env = JSON.parse(req.body);
  assert.deepEqual(Object.keys(env).sort(), ['access_id', 'data', 'sign', 'sign_type', 'time_stamp']);
  assert.equal(env.access_id, m.accessId);
  assert.equal(env.sign_type, 'RSA2');
  assert.equal(env.time_stamp, nowMs, 'epoch ms as a JSON number');
  assert.match(req.body, /"time_stamp":1637800000123\b/);
  assert.match(env.data, /^[A-Za-z0-9+/]*={0,2}$/);
  assert.equal(env.data.length % 4, 0, 'padded Base64');
  const business = JSON.parse(Buffer.from(env.data, 'base64').toString('utf8'));
  assert.deepEqual(business, {
    osMerchantCode: m.osMerchantCode,
    ownerTradeNo: 'owner-1',
    payChannel: 'ALI_PAY',
    payProduct: 'USER_QR',
    title: '停车费',
    remark: '备注',
    orderFee: 1234,
    notifyUrl: 'https://merchant.example/tyh/notify',
  });
  for (const k of Object.keys(business)) assert.match(k, /^[a-z][A-Za-z]*$/, `camelCase: ${k}`);
  const signed = Buffer.from(`${env.access_id}${env.data}${env.sign_type}${env.time_stamp}`, 'utf8');
  assert.ok(crypto.verify('sha256', signed, m.publicKeyPem, Buffer.from(env.sign, 'base64')), 'sign verifies with the merchant public key');

  // Query and refund bodies, too.
  const q = JSON.parse((await c.buildRequest('query', { merchantOrderNo: 'owner-1' })).body);
  assert.deepEqual(JSON.parse(Buffer.from(q.data, 'base64').toString('utf8')), { ownerTradeNo: 'owner-1' });
  const rf = JSON.parse((await c.buildRequest('refund', { providerOrderNo: 'trade_1', refundNo: 'rf-1', amount: 5 })).body);
  assert.deepEqual(JSON.parse(Buffer.from(rf.data, 'base64').toString('utf8')), { osTradeNo: 'trade_1', ownerRefundNo: 'rf-1', refundFee: 5 });
  assert.ok(crypto.verify('sha256', Buffer.from(`${rf.access_id}${rf.data}RSA2${rf.time_stamp}`), m.publicKeyPem, Buffer.from(rf.sign, 'base64')));

  // The spec's worked shape: data for {"ownerTradeNo":"test_trade_2021125"}.
  const spec = JSON.parse((await c.buildRequest('query', { merchantOrderNo: 'test_trade_2021125' })).body);
  assert.equal(spec.data, 'eyJvd25lclRyYWRlTm8iOiJ0ZXN0X3RyYWRlXzIwMjExMjUifQ==');
});

test('a callback, end to end: the emulator posts the Base64 envelope, the merchant reads it with verified false and acks', T, async () => {
  const c = client({ readUnsignedCallbacks: true }); // read as an unverified hint, as the merchant asked
  const merchant = await startMerchant({ path: '/tyh/notify', answer: verifying(() => c) });
  try {
    const merchantOrderNo = no('cb');
    const input = { ...trade(merchantOrderNo, 1500, 'WECHAT'), kind: 'MINI_PROGRAM', payerId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', notifyUrl: merchant.url };
    assert.equal((await c.precreate(input)).outcome, 'SUCCEEDED');
    emu.tingyihui.buyerPays(merchantOrderNo);
    await emu.tingyihui.flushNotifications();
    assert.equal(merchant.received.length, 1, 'delivered once: the ack was taken');
    const [entry] = merchant.received;
    assert.equal(entry.error, undefined, String(entry.error));
    const n = entry.verified;
    assert.equal(n.verified, false, 'nothing vouches for an unsigned callback: confirm by query');
    assert.equal(n.order.state, 'SUCCESS');
    assert.equal(n.order.merchantOrderNo, merchantOrderNo);
    assert.equal(n.order.channel, 'WECHAT');
    assert.deepEqual([n.order.amounts.total, n.order.amounts.paid], [1500, 1500]);
    assert.deepEqual([n.ack.status, JSON.parse(n.ack.body)], [200, { code: 8888, msg: '处理成功' }]);
    assert.equal(n.raw.osTradeNo, n.order.providerOrderNo, 'raw is the decoded trade');
    const log = emu.tingyihui.notifications.filter((x) => x.ownerTradeNo === merchantOrderNo);
    assert.deepEqual(log.map((x) => x.status), [200]);
    // The notice is what a query says, and the merchant's own order checks it.
    const q = await c.query({ merchantOrderNo });
    assert.deepEqual(q.order, n.order, 'one reading: the callback is read as the query answer is');
    const body = entry.body;
    const again = await c.verifyNotification({ headers: entry.headers, body }, { merchantOrderNo, amount: 1500 });
    assert.equal(again.verified, false);
    await assert.rejects(c.verifyNotification({ headers: {}, body }, { merchantOrderNo, amount: 1 }),
      (e) => e instanceof AggpayError && e.code === 'NOTIFICATION_INVALID' && e.reason === 'WRONG_AMOUNT');
    // Another merchant's trade (anyone can post an unsigned callback) and unreadable bodies are refused.
    const env = JSON.parse(body.toString('utf8'));
    const trade2 = JSON.parse(Buffer.from(env.data, 'base64').toString('utf8'));
    const foreign = { ...env, data: Buffer.from(JSON.stringify({ ...trade2, osMerchantCode: '2260000000006666' })).toString('base64') };
    await assert.rejects(c.verifyNotification({ headers: {}, body: JSON.stringify(foreign) }),
      (e) => e instanceof AggpayError && e.code === 'NOTIFICATION_INVALID' && e.reason === 'WRONG_MERCHANT');
    for (const bad of ['{}', JSON.stringify(trade2), JSON.stringify({ ...env, data: '%%%' })]) {
      await assert.rejects(c.verifyNotification({ headers: {}, body: bad }),
        (e) => e instanceof AggpayError && e.code === 'NOTIFICATION_INVALID' && e.reason === 'MALFORMED', bad.slice(0, 40));
    }
  } finally {
    await merchant.close();
  }
});

test('operations Tingyihui does not have, and precreate without merchantCode, throw before anything is sent', T, async () => {
  const fetch = spyFetch();
  const c = client({ fetch });
  for (const [op, input] of [
    ['pay', { ...trade(no('x')), authCode: '130000000000000001' }],
    ['cancel', { merchantOrderNo: 'x' }],
    ['revoke', { merchantOrderNo: 'x' }],
  ]) {
    await assert.rejects(c[op](input), (e) => e instanceof AggpayError && e.code === 'UNSUPPORTED_OPERATION', op);
  }
  const noMerchant = client({ fetch, credentials: { merchantCode: undefined } });
  await assert.rejects(noMerchant.precreate(trade(no('x'))), (e) => e instanceof AggpayError && e.code === 'INVALID_CONFIG' && /merchantCode/.test(e.message));
  await assert.rejects(c.precreate({ ...trade(no('x')), channel: undefined }), (e) => e instanceof AggpayError && e.code === 'INVALID_INPUT' && e.field === 'channel');
  await assert.rejects(c.refundQuery({}), (e) => e instanceof AggpayError && e.code === 'INVALID_INPUT');
  assert.equal(fetch.calls.length, 0);
  // The same client does send a valid request.
  assert.equal((await c.precreate(trade(no('ok')))).outcome, 'SUCCEEDED');
  assert.equal(fetch.calls.length, 1);
});
