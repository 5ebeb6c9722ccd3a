// Fubei (付呗) refund notifications end to end: the emulator posts a 2.0 "退款回调" (signed form, as the
// zhangming1994/fubei Go SDK's RefundCallBackData describes it) to a merchant server, which verifies it with the
// built package. A refund notice carries no order state: it is read through its refund (number, amount, state), and
// acknowledged; before this it was refused as UNREADABLE and Fubei would resend it for ever.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'aggpay';
import { startEmulator } from '../../js-examples/emulator/index.mjs';
import { startMerchant, verifying } from './kit.mjs';

const T = { timeout: 20_000 };
let emu;
let merchant;
const clients = {};

before(async () => {
  [emu, merchant] = await Promise.all([
    startEmulator({ port: 0, fubei: { refundInProgressQueries: 1 } }),
    startMerchant({ path: '', answer: verifying((e) => clients[e.path.split('/')[1]]) }),
  ]);
  const c = emu.fubei.credentials;
  const base = { provider: 'fubei', baseUrl: `${emu.url}/fubei`, apiVersion: '2.0' };
  clients.app = createClient({ ...base, credentials: { appId: c.appId, appSecret: c.appSecret } });
  clients.vendor = createClient({ ...base, credentials: { vendorSn: c.vendorSn, vendorSecret: c.vendorSecret, merchantId: c.merchantId } });
});
after(async () => { await Promise.all([emu?.close(), merchant?.close()]); });

let seq = 0;
const no = (tag) => `${tag}${process.pid}${++seq}`;

async function refunded(client, amount) {
  const merchantOrderNo = no('rn');
  const paid = await client.pay({ merchantOrderNo, amount: 1000, authCode: '134567890123456789' });
  assert.equal(paid.outcome, 'SUCCEEDED');
  const refundNo = `${merchantOrderNo}R`;
  const r = await client.refund({ merchantOrderNo, refundNo, amount });
  assert.ok(['SUCCEEDED', 'IN_PROGRESS'].includes(r.outcome), JSON.stringify(r.error));
  return { merchantOrderNo, refundNo, refundSn: r.refund.providerRefundNo };
}

test('2.0 app credentials: a refund notice is read through its refund and acknowledged', T, async () => {
  const { merchantOrderNo, refundNo, refundSn } = await refunded(clients.app, 300);
  const before = merchant.received.length;
  const reply = await emu.fubei.sendRefundNotification(refundNo, `${merchant.url}/app`);
  assert.deepEqual([reply.status, reply.body], [200, 'success']);
  const entry = merchant.received[before];
  assert.equal(entry.error, undefined, String(entry.error));
  const n = entry.verified;
  assert.equal(n.verified, true);
  assert.deepEqual(
    [n.refund.refundNo, n.refund.providerRefundNo, n.refund.amount, n.refund.state, n.refund.providerState],
    [refundNo, refundSn, 300, 'PENDING', 'REFUND_PROCESSING'],
  );
  // The order keeps what the notice says of it: its numbers, no state.
  assert.equal(n.order.merchantOrderNo, merchantOrderNo);
  assert.equal(n.order.state, 'UNKNOWN');
  assert.equal(n.raw.data.refund_amount, 3);

  // Once the refund is done (a refund query moves the emulator on), the notice says so.
  await clients.app.refundQuery({ refundNo });
  await clients.app.refundQuery({ refundNo });
  await emu.fubei.sendRefundNotification(refundNo, `${merchant.url}/app`);
  const done = merchant.received.at(-1).verified;
  assert.deepEqual([done.refund.state, done.refund.providerState], ['SUCCESS', 'REFUND_SUCCESS']);
});

test('2.0 vendor credentials: a refund notice names no merchant, so it cannot be told from another merchant\'s', T, async () => {
  const { refundNo } = await refunded(clients.vendor, 100);
  const reply = await emu.fubei.sendRefundNotification(refundNo, `${merchant.url}/vendor`);
  assert.equal(reply.status, 400, 'refused: Fubei sends it again');
  assert.equal(merchant.received.at(-1).error.reason, 'WRONG_MERCHANT');
});
