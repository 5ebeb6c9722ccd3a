// End to end over real HTTP, through the built package, against the Lakala emulator: what Lakala's own documents
// say and the library now follows — the unified refund (统一退货, docs 1826/1827) by default with the labs one
// selectable, doc 1009's camelCase notice verified and read, and a documented refusal code (BBS11000 参数校验失败).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from '../../js-examples/emulator/index.mjs';
import { clientFor, spyFetch, useEmulator } from './kit.mjs';

const T = { timeout: 15_000 };
const IP = '127.0.0.1';
const ACK = '{"code":"SUCCESS","message":"执行成功"}';

const emu = useEmulator();

let seq = 0;
const no = (tag) => `${tag}${process.pid}f${++seq}`;
const pathOf = (url) => new URL(url).pathname;

async function paid(c, amount, authCode = '280000000000000001') {
  const merchantOrderNo = no('fp');
  const r = await c.pay({ merchantOrderNo, amount, subject: '咖啡', clientIp: IP, authCode });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  return r.order;
}

for (const pendingCode of ['000000', 'RFD11112']) {
  test(`unified refund in progress (${pendingCode}) → refundQuery PENDING → SUCCESS, on the rfd/refund_front paths`, T, async () => {
    const slow = await startEmulator({ port: 0, lakala: { refundInProgressQueries: 1, unifiedRefundPendingCode: pendingCode } });
    try {
      const spy = spyFetch();
      const c = clientFor(slow, 'lakala', { fetch: spy });
      const order = await paid(c, 800);
      const refundNo = no('fr');
      const r = await c.refund({ merchantOrderNo: order.merchantOrderNo, refundNo, amount: 200, clientIp: IP });
      assert.equal(pathOf(spy.calls.at(-1).url), '/lakala/api/v3/rfd/refund_front/refund');
      assert.deepEqual([r.outcome, r.next], ['IN_PROGRESS', 'POLL'], JSON.stringify(r.error));
      assert.deepEqual([r.refund.state, r.refund.amount, r.refund.refundNo], ['PENDING', 200, refundNo]);
      assert.equal(r.raw.code, pendingCode);
      assert.equal(slow.lakala.order(order.merchantOrderNo).refunded, 0, 'not yet refunded');

      const seen = [];
      for (let i = 0; i < 4; i++) {
        const q = await c.refundQuery({ refundNo });
        assert.equal(pathOf(spy.calls.at(-1).url), '/lakala/api/v3/rfd/refund_front/refund_query');
        assert.equal(q.outcome, 'SUCCEEDED', JSON.stringify(q.error));
        assert.equal(q.refund.refundNo, refundNo);
        seen.push(`${q.refund.state}/${q.next}/${q.refund.providerState}`);
        if (q.refund.state !== 'PENDING') break;
      }
      assert.deepEqual(seen, ['PENDING/POLL/DEAL', 'SUCCESS/NONE/SUCCESS']);
      assert.equal(slow.lakala.order(order.merchantOrderNo).refunded, 200);
      assert.equal((await c.query({ merchantOrderNo: order.merchantOrderNo })).order.state, 'PARTIALLY_REFUNDED');
    } finally {
      await slow.close();
    }
  });
}

test('unified refund settled at once; refundApi "labs" still uses the labs refund and tradequery', T, async () => {
  const spy = spyFetch();
  const c = clientFor(emu, 'lakala', { fetch: spy });
  const order = await paid(c, 1000);
  const refundNo = no('fr');
  const r = await c.refund({ merchantOrderNo: order.merchantOrderNo, refundNo, amount: 300, clientIp: IP });
  assert.deepEqual([r.outcome, r.refund.state, r.refund.providerState], ['SUCCEEDED', 'SUCCESS', 'SUCCESS']);
  assert.equal(r.raw.code, '000000');

  const labsSpy = spyFetch();
  const labs = clientFor(emu, 'lakala', { fetch: labsSpy, refundApi: 'labs' });
  const labsNo = no('fl');
  const l = await labs.refund({ merchantOrderNo: order.merchantOrderNo, refundNo: labsNo, amount: 200, clientIp: IP });
  assert.equal(pathOf(labsSpy.calls.at(-1).url), '/lakala/api/v3/labs/relation/refund');
  assert.deepEqual([l.outcome, l.refund.state, l.raw.code], ['SUCCEEDED', 'SUCCESS', 'BBS00000']);
  const lq = await labs.refundQuery({ refundNo: labsNo });
  assert.equal(pathOf(labsSpy.calls.at(-1).url), '/lakala/api/v3/labs/query/tradequery');
  assert.equal(lq.refund.state, 'SUCCESS');
  assert.equal(emu.lakala.order(order.merchantOrderNo).refunded, 500);

  // A refund over the rest: the emulator's own code (Lakala's is not public), so UNKNOWN, never FAILED.
  const over = await c.refund({ merchantOrderNo: order.merchantOrderNo, refundNo: no('fr'), amount: 501, clientIp: IP });
  assert.equal(over.outcome, 'UNKNOWN');
  assert.equal(over.error.providerCode, 'EMU42201');
  assert.equal(emu.lakala.order(order.merchantOrderNo).refunded, 500);
});

test('a bad refundApi is refused when the client is created', () => {
  assert.throws(() => clientFor(emu, 'lakala', { refundApi: 'idmrefund' }), (e) => e.code === 'INVALID_CONFIG' && e.field === 'refundApi');
});

test('a documented refusal (BBS11000 参数校验失败) is FAILED with INVALID_REQUEST; nothing was charged', T, async () => {
  const c = clientFor(emu, 'lakala');
  const merchantOrderNo = no('fx');
  // A field the library passes through (extra) that the gateway refuses as sent: remark must be a string.
  const r = await c.pay({ merchantOrderNo, amount: 100, clientIp: IP, authCode: '280000000000000001', extra: { remark: 5 } });
  assert.deepEqual([r.outcome, r.next], ['FAILED', 'NONE'], JSON.stringify(r.error));
  assert.deepEqual([r.error.code, r.error.providerCode], ['INVALID_REQUEST', 'BBS11000']);
  assert.equal(typeof r.error.providerMessage, 'string');
  assert.equal(emu.lakala.order(merchantOrderNo), undefined, 'no trade was created');

  // On the unified refund too: refund_acc_mode is 00, 05 or 06 (RfdRefundRequest).
  const order = await paid(c, 300);
  const f = await c.refund({ merchantOrderNo: order.merchantOrderNo, refundNo: no('fr'), amount: 100, clientIp: IP, extra: { refund_acc_mode: '99' } });
  assert.deepEqual([f.outcome, f.error.code, f.error.providerCode], ['FAILED', 'INVALID_REQUEST', 'BBS11000']);
  assert.equal(emu.lakala.order(order.merchantOrderNo).refunded, 0);
});

test('doc 1009 camelCase notice: verified end to end and read into the order', T, async () => {
  const c = clientFor(emu, 'lakala');
  const order = await paid(c, 123, '130000000000000001');
  const { headers, body } = emu.lakala.signedNotice(order.merchantOrderNo, { format: 'camel' });
  assert.match(body, /"payStatus":"S"/);
  const n = await c.verifyNotification({ headers, body });
  assert.equal(n.verified, true);
  assert.deepEqual(
    [n.order.state, n.order.final, n.order.merchantOrderNo, n.order.providerOrderNo, n.order.channelOrderNo, n.order.channel],
    ['SUCCESS', true, order.merchantOrderNo, order.providerOrderNo, order.channelOrderNo, 'WECHAT'],
  );
  assert.deepEqual([n.order.amounts.total, n.order.amounts.paid, n.order.amounts.refunded], [123, 123, 0]);
  assert.equal(typeof n.order.paidAt, 'number');
  assert.equal(n.order.providerState, 'S');
  assert.equal(n.ack.body, ACK);
  // Checked against the order the merchant holds.
  const expected = await c.verifyNotification({ headers, body }, { merchantOrderNo: order.merchantOrderNo, amount: 123 });
  assert.equal(expected.order.state, 'SUCCESS');

  // A tampered body no longer verifies; a payStatus no source shows is refused as unreadable (Lakala resends).
  await assert.rejects(c.verifyNotification({ headers, body: body.replace('"amount":123', '"amount":1') }),
    (e) => e.code === 'NOTIFICATION_INVALID' && e.reason === 'BAD_SIGNATURE');
  const odd = emu.lakala.signedNotice(order.merchantOrderNo, { format: 'camel', changes: { payStatus: 'X' } });
  await assert.rejects(c.verifyNotification(odd), (e) => e.code === 'NOTIFICATION_INVALID' && e.reason === 'UNREADABLE');
  const other = emu.lakala.signedNotice(order.merchantOrderNo, { format: 'camel', changes: { merchantNo: '822290070166666' } });
  await assert.rejects(c.verifyNotification(other), (e) => e.code === 'NOTIFICATION_INVALID' && e.reason === 'WRONG_MERCHANT');
});

test('the emulator delivers camelCase notices to a merchant who acknowledges them', T, async () => {
  const camel = await startEmulator({ port: 0, lakala: { noticeFormat: 'camel', notifyRetryDelays: [50] } });
  const http = await import('node:http');
  const c = clientFor(camel, 'lakala');
  const received = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const ch of req) chunks.push(ch);
    try {
      const n = await c.verifyNotification({ headers: req.headers, body: Buffer.concat(chunks) });
      received.push(n.order);
      res.writeHead(n.ack.status, n.ack.headers).end(n.ack.body);
    } catch (e) {
      received.push(e);
      res.writeHead(400).end('{"code":"FAIL","message":"rejected"}');
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const notifyUrl = `http://127.0.0.1:${server.address().port}/notify`;
    const merchantOrderNo = no('fn');
    const r = await c.pay({ merchantOrderNo, amount: 88, clientIp: IP, authCode: '280000000000000001', notifyUrl });
    assert.equal(r.outcome, 'SUCCEEDED');
    await camel.lakala.flushNotifications();
    assert.equal(received.length, 1, JSON.stringify(received));
    assert.deepEqual([received[0].state, received[0].merchantOrderNo, received[0].amounts.total], ['SUCCESS', merchantOrderNo, 88]);
    assert.equal(camel.lakala.notifications[0].reply, ACK);
  } finally {
    server.close();
    await camel.close();
  }
});

test('a merchant discount: payer_amount is what the buyer paid, the discount fields add up, acc_settle_amount is net', T, async () => {
  const c = clientFor(emu, 'lakala');
  const merchantOrderNo = no('fd');
  const pre = await c.precreate({ merchantOrderNo, amount: 1000, subject: '咖啡', channel: 'ALIPAY', clientIp: IP });
  assert.equal(pre.outcome, 'SUCCEEDED', JSON.stringify(pre.error));
  emu.lakala.buyerPays(merchantOrderNo, { discount: 200 });
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.outcome, 'SUCCEEDED', JSON.stringify(q.error));
  assert.equal(q.order.state, 'SUCCESS');
  const { total, paid: buyer, discount, net } = q.order.amounts;
  assert.deepEqual({ total, buyer, discount, net }, { total: 1000, buyer: 800, discount: 200, net: 800 });
  assert.equal(q.raw.resp_data.acc_mdiscount_amount, '200', 'raw keeps what the gateway said');
});
