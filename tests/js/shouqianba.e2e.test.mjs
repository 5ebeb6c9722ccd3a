// End to end over real HTTP: the package, loaded by name, against the Shouqianba gateway emulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'aggpay';
import { useEmulator } from './kit.mjs';

const T = { timeout: 10_000 };
const emu = useEmulator();

let seq = 0;
/** A fresh merchant order number (≤ 32 chars), unique per run. */
const no = (tag) => `${tag}-${process.pid}-${++seq}`;

/** A client on the emulator's pre-activated terminal with its *current* key (check-in rotates it). */
function client(extra = {}) {
  const { terminalSn, terminalKey } = emu.shouqianba.credentials;
  return createClient({ provider: 'shouqianba', baseUrl: emu.url, credentials: { terminalSn, terminalKey }, ...extra });
}

const order = (merchantOrderNo, amount = 1000) => ({ merchantOrderNo, amount, subject: '咖啡', operator: 'cashier-1' });

test('activate: credentials returned, raw redacted, and the client then works on the new terminal', T, async () => {
  const c = emu.shouqianba.credentials;
  const fresh = createClient({ provider: 'shouqianba', baseUrl: emu.url }); // no terminal yet
  const r = await fresh.activate({
    vendorSn: c.vendorSn, vendorKey: c.vendorKey, appId: c.appId, code: c.activationCode, deviceId: 'e2e-device-1',
  });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(r.operation, 'activate');
  assert.equal(r.next, 'NONE');
  assert.match(r.credentials.terminalSn, /^\d+$/);
  assert.notEqual(r.credentials.terminalSn, c.terminalSn, 'a new terminal, not the pre-activated one');
  assert.equal(r.raw.biz_response.terminal_sn, r.credentials.terminalSn);
  assert.equal(r.raw.biz_response.terminal_key, '<redacted>');
  assert.ok(!JSON.stringify(r.raw).includes(r.credentials.terminalKey));
  assert.match(r.credentials.terminalKey, /^[0-9a-f]{32}$/, 'the real terminal key, for the merchant to store');

  const merchantOrderNo = no('act');
  const p = await fresh.pay({ ...order(merchantOrderNo, 321), authCode: '130000000000000001' });
  assert.equal(p.outcome, 'SUCCEEDED', JSON.stringify(p.error));
  assert.equal(p.raw.biz_response.data.terminal_sn, r.credentials.terminalSn, 'paid through the new terminal');
  assert.equal(emu.shouqianba.order(merchantOrderNo).paid, true);
});

test('activate with a wrong vendor key fails as AUTH_FAILED', T, async () => {
  const c = emu.shouqianba.credentials;
  const r = await createClient({ provider: 'shouqianba', baseUrl: emu.url }).activate({
    vendorSn: c.vendorSn, vendorKey: 'not-the-vendor-key', appId: c.appId, code: c.activationCode, deviceId: 'd',
  });
  assert.equal(r.outcome, 'FAILED');
  assert.equal(r.error.code, 'AUTH_FAILED');
  assert.equal(r.credentials, undefined);
});

test('checkin rotates the key: the client adopts it, a client with the old key is refused', T, async () => {
  const oldKey = emu.shouqianba.credentials.terminalKey;
  const a = client();
  const r = await a.checkin({ deviceId: 'e2e-device-2' });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  const newKey = emu.shouqianba.credentials.terminalKey;
  assert.notEqual(newKey, oldKey, 'the emulator rotated the key');
  assert.equal(r.credentials.terminalSn, emu.shouqianba.credentials.terminalSn);
  assert.equal(r.credentials.terminalKey, newKey);
  assert.equal(r.raw.biz_response.terminal_key, '<redacted>');

  const okNo = no('after-checkin');
  const p = await a.pay({ ...order(okNo), authCode: '130000000000000002' });
  assert.equal(p.outcome, 'SUCCEEDED', `client kept signing with the old key: ${JSON.stringify(p.error)}`);

  const stale = createClient({
    provider: 'shouqianba', baseUrl: emu.url, credentials: { terminalSn: r.credentials.terminalSn, terminalKey: oldKey },
  });
  const staleNo = no('stale');
  const s = await stale.pay({ ...order(staleNo), authCode: '130000000000000003' });
  assert.equal(s.outcome, 'FAILED');
  assert.equal(s.error.code, 'AUTH_FAILED');
  assert.equal(emu.shouqianba.order(staleNo), undefined, 'nothing was created with the stale key');
});

test('pay success: SUCCEEDED, order SUCCESS, amounts and channel from the barcode', T, async () => {
  const cases = [
    ['280000000000000001', 'ALIPAY'],
    ['130000000000000001', 'WECHAT'],
    ['620000000000000001', 'UNIONPAY'],
  ];
  for (const [authCode, channel] of cases) {
    const merchantOrderNo = no('pay');
    const r = await client().pay({ ...order(merchantOrderNo, 1234), authCode });
    assert.equal(r.provider, 'shouqianba');
    assert.equal(r.operation, 'pay');
    assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
    assert.equal(r.next, 'NONE');
    assert.equal(r.error, undefined);
    assert.equal(r.order.state, 'SUCCESS');
    assert.equal(r.order.final, true);
    assert.equal(r.order.channel, channel, authCode);
    assert.equal(r.order.merchantOrderNo, merchantOrderNo);
    assert.equal(r.order.amounts.total, 1234);
    assert.equal(r.order.amounts.paid, 1234);
    assert.equal(r.order.amounts.refunded, 0);
    assert.equal(typeof r.order.paidAt, 'number');
    assert.ok(r.order.channelOrderNo);
    const ledger = emu.shouqianba.order(merchantOrderNo);
    assert.equal(r.order.providerOrderNo, ledger.sn);
    assert.equal(ledger.total, 1234);
    assert.equal(ledger.paid, true);
  }
});

test('pay in progress (9100…): IN_PROGRESS/POLL, then query until SUCCESS', T, async () => {
  const merchantOrderNo = no('inprog');
  const c = client();
  const r = await c.pay({ ...order(merchantOrderNo, 500), authCode: '9100000000000001' });
  assert.equal(r.outcome, 'IN_PROGRESS');
  assert.equal(r.next, 'POLL');
  assert.equal(r.order.state, 'PENDING');
  assert.equal(r.order.final, false);
  const seen = [];
  let q;
  for (let i = 0; i < 10; i++) {
    q = await c.query({ merchantOrderNo });
    assert.equal(q.outcome, 'SUCCEEDED', JSON.stringify(q.error));
    seen.push(`${q.order.state}/${q.next}`);
    if (q.order.state !== 'PENDING') break;
  }
  // The emulator answers CREATED to inProgressQueries (2) queries, then PAID.
  assert.deepEqual(seen, ['PENDING/POLL', 'PENDING/POLL', 'SUCCESS/NONE']);
  assert.equal(q.order.amounts.paid, 500);
  assert.equal(emu.shouqianba.order(merchantOrderNo).paid, true);
});

test('pay failures map to the right outcome and error code', T, async () => {
  const cases = [
    ['9200000000000001', 'FAILED', 'NONE', 'BARCODE_INVALID', 'FAILED'],
    ['9400000000000001', 'FAILED', 'NONE', 'INSUFFICIENT_FUNDS', 'FAILED'],
    ['9500000000000001', 'FAILED', 'NONE', 'BARCODE_INVALID', undefined],
    ['9600000000000001', 'UNKNOWN', 'CONTACT_SUPPORT', undefined, 'UNKNOWN'],
  ];
  for (const [authCode, outcome, next, code, state] of cases) {
    const merchantOrderNo = no('payfail');
    const r = await client().pay({ ...order(merchantOrderNo), authCode });
    const what = `${authCode}: ${JSON.stringify({ outcome: r.outcome, next: r.next, error: r.error })}`;
    assert.equal(r.outcome, outcome, what);
    assert.equal(r.next, next, what);
    assert.ok(r.error, what);
    if (code) assert.equal(r.error.code, code, what);
    assert.equal(r.order?.state, state, what);
    const ledger = emu.shouqianba.order(merchantOrderNo);
    if (authCode.startsWith('9500')) assert.equal(ledger, undefined, 'no order for an invalid barcode');
    else assert.equal(ledger.paid, false, what);
  }
});

// The order number is taken by an earlier pay that may hold the money: never "failed", query it.
test('a duplicate merchantOrderNo is UNKNOWN + POLL with DUPLICATE_ORDER and changes nothing', T, async () => {
  const merchantOrderNo = no('dup');
  const first = await client().pay({ ...order(merchantOrderNo, 700), authCode: '130000000000000009' });
  assert.equal(first.outcome, 'SUCCEEDED');
  const again = await client().pay({ ...order(merchantOrderNo, 900), authCode: '130000000000000010' });
  assert.equal(again.outcome, 'UNKNOWN');
  assert.equal(again.next, 'POLL');
  assert.equal(again.error.code, 'DUPLICATE_ORDER');
  assert.equal(again.error.providerCode, 'CLIENT_SN_CONFLICT');
  assert.equal(emu.shouqianba.order(merchantOrderNo).total, 700);
  assert.equal(emu.shouqianba.orders().filter((o) => o.client_sn === merchantOrderNo).length, 1);
});

test('precreate → QR, pending; the buyer pays; query sees SUCCESS', T, async () => {
  const merchantOrderNo = no('qr');
  const c = client();
  const r = await c.precreate({ ...order(merchantOrderNo, 880), payway: '2' });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(r.next, 'POLL');
  assert.equal(r.order.state, 'PENDING');
  assert.equal(typeof r.order.qrCode, 'string');
  assert.match(r.order.qrCode, /^https:\/\//);
  assert.equal(r.order.channel, 'ALIPAY');

  const before = await c.query({ merchantOrderNo });
  assert.equal(before.order.state, 'PENDING');
  assert.equal(before.next, 'POLL');

  emu.shouqianba.buyerPays(merchantOrderNo);
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.outcome, 'SUCCEEDED');
  assert.equal(q.next, 'NONE');
  assert.equal(q.order.state, 'SUCCESS');
  assert.equal(q.order.amounts.paid, 880);
  assert.equal(q.order.providerOrderNo, r.order.providerOrderNo);
});

/** A paid order of `amount`, ready for refunds. */
async function paid(c, tag, amount) {
  const merchantOrderNo = no(tag);
  const r = await c.pay({ ...order(merchantOrderNo, amount), authCode: '280000000000000099' });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  return merchantOrderNo;
}

test('partial refunds up to the total; over the remainder is REFUND_CONFLICT', T, async () => {
  const c = client();
  const merchantOrderNo = await paid(c, 'refund', 1000);

  const r1 = await c.refund({ merchantOrderNo, refundNo: `${merchantOrderNo}-r1`.slice(-20), amount: 300, operator: 'op' });
  assert.equal(r1.outcome, 'SUCCEEDED', JSON.stringify(r1.error));
  assert.equal(r1.next, 'NONE');
  assert.equal(r1.refund.state, 'SUCCESS');
  assert.equal(r1.refund.amount, 300);
  assert.equal(r1.order.state, 'PARTIALLY_REFUNDED');
  assert.equal(r1.order.amounts.refunded, 300);
  assert.equal(r1.order.amounts.net, 700);

  const over = await c.refund({ merchantOrderNo, refundNo: 'over-1', amount: 701, operator: 'op' });
  assert.equal(over.outcome, 'FAILED');
  assert.equal(over.error.code, 'REFUND_CONFLICT');
  assert.equal(over.refund.state, 'FAILED');
  assert.equal(emu.shouqianba.order(merchantOrderNo).refunded, 300, 'nothing refunded by the refused refund');

  const r2 = await c.refund({ merchantOrderNo, refundNo: 'rest-1', amount: 700, operator: 'op' });
  assert.equal(r2.outcome, 'SUCCEEDED', JSON.stringify(r2.error));
  assert.equal(r2.order.state, 'REFUNDED');
  assert.equal(r2.order.amounts.refunded, 1000);

  const q = await c.query({ merchantOrderNo });
  assert.equal(q.order.state, 'REFUNDED');
  assert.equal(q.order.amounts.refunded, 1000);
  assert.equal(q.order.amounts.total, 1000);
  const ledger = emu.shouqianba.order(merchantOrderNo);
  assert.equal(ledger.refunded, 1000);
  assert.equal(ledger.paid, false);

  const more = await c.refund({ merchantOrderNo, refundNo: 'more-1', amount: 1, operator: 'op' });
  assert.equal(more.outcome, 'FAILED');
  assert.equal(more.error.code, 'INVALID_ORDER_STATE', 'a fully refunded order cannot be refunded again');
});

test('the same refundNo for another amount (REFUND_REQUEST_CONFLICT) is UNKNOWN + POLL; the query by refundNo says the first refund stood', T, async () => {
  // FAILED here would invite a second refund under a new number while the first one may stand.
  const c = client();
  const merchantOrderNo = await paid(c, 'conflict', 800);
  const first = await c.refund({ merchantOrderNo, refundNo: 'conf-r1', amount: 300, operator: 'op' });
  assert.equal(first.outcome, 'SUCCEEDED', JSON.stringify(first.error));
  const other = await c.refund({ merchantOrderNo, refundNo: 'conf-r1', amount: 400, operator: 'op' });
  assert.equal(other.outcome, 'UNKNOWN', JSON.stringify(other));
  assert.equal(other.next, 'POLL');
  assert.equal(other.error.code, 'DUPLICATE_ORDER');
  assert.equal(other.error.providerCode, 'REFUND_REQUEST_CONFLICT');
  assert.equal(other.refund.state, 'UNKNOWN');
  assert.equal(emu.shouqianba.order(merchantOrderNo).refunded, 300, 'refunded once');
  const q = await c.query({ merchantOrderNo, refundNo: 'conf-r1' });
  assert.equal(q.outcome, 'SUCCEEDED', JSON.stringify(q.error));
  assert.equal(q.refund.state, 'SUCCESS');
  assert.equal(q.refund.amount, 300);
});

test('refund retried with the same refundNo does not refund twice; query by refundNo', T, async () => {
  const c = client();
  const merchantOrderNo = await paid(c, 'idem', 500);
  const input = { merchantOrderNo, refundNo: 'idem-r1', amount: 200, operator: 'op' };
  const first = await c.refund(input);
  const retry = await c.refund(input);
  assert.equal(first.outcome, 'SUCCEEDED');
  assert.equal(retry.outcome, 'SUCCEEDED', 'a retry gets the first answer');
  assert.equal(retry.refund.refundNo, 'idem-r1');
  const ledger = emu.shouqianba.order(merchantOrderNo);
  assert.equal(ledger.refunded, 200);
  assert.equal(ledger.net, 300);
  assert.equal(ledger.events.filter((e) => e.type === 'refunded').length, 1);

  const q = await c.query({ merchantOrderNo, refundNo: 'idem-r1' });
  assert.equal(q.outcome, 'SUCCEEDED', JSON.stringify(q.error));
  assert.equal(q.next, 'NONE');
  assert.equal(q.refund.refundNo, 'idem-r1');
  assert.equal(q.refund.state, 'SUCCESS');
  assert.equal(q.refund.amount, 200);

  const unknownRefund = await c.query({ merchantOrderNo, refundNo: 'idem-nope' });
  assert.equal(unknownRefund.outcome, 'UNKNOWN'); // not found is no proof: ask again
  assert.equal(unknownRefund.error.code, 'ORDER_NOT_FOUND');
});

test('cancel of an in-progress pay (9300…) closes the order', T, async () => {
  const c = client();
  const merchantOrderNo = no('cancel');
  const p = await c.pay({ ...order(merchantOrderNo), authCode: '9300000000000001' });
  assert.equal(p.outcome, 'IN_PROGRESS');
  const r = await c.cancel({ merchantOrderNo });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(r.next, 'NONE');
  assert.equal(r.order.state, 'CLOSED');
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.order.state, 'CLOSED');
  assert.equal(q.next, 'NONE');
  assert.equal(emu.shouqianba.order(merchantOrderNo).order_status, 'CANCELED');
  assert.equal(emu.shouqianba.order(merchantOrderNo).paid, false);
});

test('revoke of a paid order returns the money; of a refunded order is INVALID_ORDER_STATE', T, async () => {
  const c = client();
  const paidNo = await paid(c, 'revoke', 600);
  assert.equal(emu.shouqianba.order(paidNo).paid, true);
  const r = await c.revoke({ merchantOrderNo: paidNo });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(r.order.state, 'CLOSED');
  assert.equal(emu.shouqianba.order(paidNo).paid, false);
  assert.equal(emu.shouqianba.order(paidNo).order_status, 'CANCELED');

  const refundedNo = await paid(c, 'revoke2', 600);
  const rf = await c.refund({ merchantOrderNo: refundedNo, refundNo: 'rv2-r1', amount: 100, operator: 'op' });
  assert.equal(rf.outcome, 'SUCCEEDED');
  const bad = await c.revoke({ merchantOrderNo: refundedNo });
  assert.equal(bad.outcome, 'FAILED');
  assert.equal(bad.next, 'NONE');
  assert.equal(bad.error.code, 'INVALID_ORDER_STATE');
  const ledger = emu.shouqianba.order(refundedNo);
  assert.equal(ledger.order_status, 'PARTIAL_REFUNDED', 'the refused revoke changed nothing');
  assert.equal(ledger.net, 500);
});

test('query of an unknown order is UNKNOWN ORDER_NOT_FOUND, next RETRY (absence is no proof)', T, async () => {
  const r = await client().query({ merchantOrderNo: no('nope') });
  assert.equal(r.outcome, 'UNKNOWN');
  assert.equal(r.next, 'RETRY');
  assert.equal(r.error.code, 'ORDER_NOT_FOUND');
  assert.equal(r.order, undefined);
});

test('query by providerOrderNo finds the order', T, async () => {
  const c = client();
  const merchantOrderNo = await paid(c, 'bysn', 410);
  const sn = emu.shouqianba.order(merchantOrderNo).sn;
  const r = await c.query({ providerOrderNo: sn });
  assert.equal(r.outcome, 'SUCCEEDED');
  assert.equal(r.order.merchantOrderNo, merchantOrderNo);
  assert.equal(r.order.amounts.total, 410);
});

test('wapPayUrl is accepted by the cashier; a tampered URL is refused', T, async () => {
  const c = client({ wapBaseUrl: `${emu.url}/gateway` });
  const genuineNo = no('wap');
  const tamperedNo = no('wap');
  const input = (merchantOrderNo) => ({
    ...order(merchantOrderNo, 1000), subject: '咖啡 & 蛋糕+1 100%', returnUrl: 'https://shop.example/done?o=1&x=y',
  });

  const tampered = new URL(c.wapPayUrl(input(tamperedNo)));
  assert.equal(tampered.searchParams.get('total_amount'), '1000');
  tampered.searchParams.set('total_amount', '1');
  const bad = await fetch(tampered);
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /ILLEGAL_SIGN/);
  assert.equal(emu.shouqianba.order(tamperedNo), undefined);

  const url = c.wapPayUrl(input(genuineNo));
  assert.ok(url.startsWith(`${emu.url}/gateway?`), url);
  const params = new URL(url).searchParams;
  assert.equal(params.get('subject'), '咖啡 & 蛋糕+1 100%', 'values survive URL encoding');
  assert.equal(params.get('return_url'), 'https://shop.example/done?o=1&x=y');
  assert.match(params.get('sign'), /^[0-9A-F]{32}$/);
  const res = await fetch(url);
  const html = await res.text();
  assert.equal(res.status, 200, html);
  assert.match(html, new RegExp(genuineNo));
  assert.equal(emu.shouqianba.order(genuineNo).total, 1000);
});

test('checkin from another device is refused (AUTH_FAILED) and the client keeps its working key', T, async () => {
  const c = emu.shouqianba.credentials;
  const dev = createClient({ provider: 'shouqianba', baseUrl: emu.url });
  const act = await dev.activate({
    vendorSn: c.vendorSn, vendorKey: c.vendorKey, appId: c.appId, code: c.activationCode, deviceId: 'device-A',
  });
  assert.equal(act.outcome, 'SUCCEEDED', JSON.stringify(act.error));
  const bad = await dev.checkin({ deviceId: 'device-B' });
  assert.equal(bad.outcome, 'FAILED');
  assert.equal(bad.error.code, 'AUTH_FAILED');
  assert.equal(bad.credentials, undefined);
  const p = await dev.pay({ ...order(no('devA')), authCode: '130000000000000004' });
  assert.equal(p.outcome, 'SUCCEEDED', JSON.stringify(p.error));
  const good = await dev.checkin({ deviceId: 'device-A' });
  assert.equal(good.outcome, 'SUCCEEDED', JSON.stringify(good.error));
  assert.notEqual(good.credentials.terminalKey, act.credentials.terminalKey);
  const p2 = await dev.pay({ ...order(no('devA')), authCode: '130000000000000005' });
  assert.equal(p2.outcome, 'SUCCEEDED', JSON.stringify(p2.error));
});

test('a PAY_ERROR order (9600…) is reversed by cancel', T, async () => {
  const c = client();
  const merchantOrderNo = no('payerr');
  const p = await c.pay({ ...order(merchantOrderNo), authCode: '9600000000000002' });
  assert.equal(p.outcome, 'UNKNOWN');
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.order.state, 'UNKNOWN');
  assert.equal(q.next, 'CONTACT_SUPPORT');
  const r = await c.cancel({ merchantOrderNo });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(r.order.state, 'CLOSED');
  assert.equal(emu.shouqianba.order(merchantOrderNo).order_status, 'CANCELED');
});

test('a failed pay (9200…) queries as FAILED with nothing to do', T, async () => {
  const c = client();
  const merchantOrderNo = no('expired');
  await c.pay({ ...order(merchantOrderNo), authCode: '9200000000000002' });
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.outcome, 'SUCCEEDED');
  assert.equal(q.order.state, 'FAILED');
  assert.equal(q.order.final, true);
  assert.equal(q.next, 'NONE');
  assert.equal(q.order.amounts.paid, 0);
});

test('WAP precreate (subPayway 3) returns pay params for the wallet', T, async () => {
  const merchantOrderNo = no('wapre');
  const r = await client().precreate({ ...order(merchantOrderNo, 260), payway: '3', subPayway: '3', payerId: 'o-openid-123' });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(r.order.state, 'PENDING');
  assert.equal(typeof r.order.payParams, 'object');
  assert.match(r.order.payParams.package, /^prepay_id=/);
  assert.equal(r.order.qrCode, undefined);
});
