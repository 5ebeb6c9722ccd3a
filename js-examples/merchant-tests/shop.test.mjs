// A merchant's own test suite, as a user of the package writes it: the shop (shop.mjs) against the gateway
// emulator that ships in the package (`aggpay/emulator`), loaded by name like any dependency.
// Run: node --test js-examples/merchant-tests/   (after `make build`; part of `make test`)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'aggpay';
import { startEmulator } from 'aggpay/emulator';
import { startShop } from './shop.mjs';

const PROVIDER = 'shouqianba'; // the gateway this shop has a contract with
let emu;
let shop;

const post = async (path, body) => {
  const res = await fetch(`${shop.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};
/** Polls the shop until the order's state is `state` (a notification arrives asynchronously). */
async function eventually(orderNo, state, ms = 5000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (shop.order(orderNo)?.state === state) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`order ${orderNo} is ${shop.order(orderNo)?.state}, not ${state}`);
}

before(async () => {
  // Only the gateway under test, on 127.0.0.1, on a free port.
  emu = await startEmulator({ providers: [PROVIDER] });
  const client = createClient({ ...emu.clientOptions(PROVIDER), timeoutMs: 2000 });
  shop = await startShop({
    client,
    orderInput: { subject: 'Latte', operator: 'till-1', payway: '3' },
    // Compressed time: the flow's documented waits pass at once.
    flow: { sleep: async () => {} },
  });
});
after(async () => {
  await shop?.close();
  await emu?.stop();
});

test('a QR order: the buyer pays, the signed notification arrives, the order is paid', async () => {
  const { status, body } = await post('/orders', { amount: 1280 });
  assert.equal(status, 201);
  assert.ok(body.qrCode, 'a code for the buyer to scan');
  assert.equal(shop.order(body.orderNo).state, 'WAITING');

  emu.buyerPays(PROVIDER, body.orderNo); // the buyer scans and confirms in the wallet
  await eventually(body.orderNo, 'PAID');
  await emu.settle(); // the delivery is over: the shop's answer is recorded
  const delivered = emu.notifications(PROVIDER).filter((n) => n.body.includes(body.orderNo));
  assert.equal(delivered.at(-1).status, 200, 'the shop acknowledged the notification');
  assert.equal(delivered.at(-1).url, shop.notifyUrl);
});

test('a notification that is not genuine is refused, and the order stays unpaid', async () => {
  const { body } = await post('/orders', { amount: 500 });
  emu.buyerPays(PROVIDER, body.orderNo);
  await eventually(body.orderNo, 'PAID');
  const genuine = emu.notifications(PROVIDER).find((n) => n.body.includes(body.orderNo));

  const { body: other } = await post('/orders', { amount: 500 });
  // Someone replays the genuine notice with another order number in it: the signature no longer matches.
  const forged = genuine.body.replace(body.orderNo, other.orderNo);
  const res = await fetch(shop.notifyUrl, { method: 'POST', headers: genuine.headers, body: forged });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /BAD_SIGNATURE/);
  assert.equal(shop.order(other.orderNo).state, 'WAITING');
});

test('an injected fault: the pay answer is lost after the money moved; the shop still knows it was paid, once', async () => {
  // The next barcode pay is processed by the gateway, then the connection drops before the answer.
  emu.injectFault({ provider: PROVIDER, operation: 'pay', kind: 'drop-after' });
  const { body } = await post('/orders/barcode', { amount: 990, authCode: emu.barcodes(PROVIDER).success });
  assert.equal(body.state, 'PAID', body.message);
  assert.equal(emu.faults().length, 0, 'the fault was used');
  const [entry] = emu.ledger(PROVIDER).filter((e) => e.merchantOrderNo === body.orderNo);
  assert.equal(entry.paid, true);
  assert.equal(entry.held, 990, 'taken exactly once');
});

test('an injected fault: the gateway is down when the order is made; the shop says UNKNOWN, never FAILED', async () => {
  emu.injectFault({ provider: PROVIDER, operation: 'precreate', kind: 'http500' });
  const { status, body } = await post('/orders', { amount: 700 });
  assert.equal(status, 503);
  assert.equal(body.state, 'UNKNOWN');
});

test('a declined barcode: the gateway said no, so the order failed and no money is held', async () => {
  const { body } = await post('/orders/barcode', { amount: 300, authCode: emu.barcodes(PROVIDER).declined });
  assert.equal(body.state, 'FAILED', body.message);
  assert.ok(emu.ledger(PROVIDER).filter((e) => e.merchantOrderNo === body.orderNo).every((e) => !e.paid));
});
