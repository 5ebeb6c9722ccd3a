// A Node merchant server's payment flow against the built-in gateway emulator, over real HTTP:
// activate a terminal, check in, take a QR payment (precreate → buyer pays → poll), receive and
// verify the signed notification, refund part, query; then a barcode payment that is "user paying".
// Run: make demo   (or: node js-examples/node-merchant/demo.mjs after make build)
import { createServer } from 'node:http';
import { createClient, fenToYuan } from 'aggpay';
import { startEmulator } from '../emulator/index.mjs';

const emu = await startEmulator({ port: 0 });
const creds = emu.shouqianba.credentials;
const rows = [];
const yuan = (fen) => (fen == null ? '-' : fenToYuan(fen));

function record(step, result, note = '') {
  const o = result.order;
  rows.push({
    step,
    op: result.operation,
    outcome: result.outcome,
    next: result.next,
    state: o ? o.state : '-',
    total: yuan(o?.amounts.total),
    refunded: yuan(o?.amounts.refunded),
    note: note || (result.error ? `${result.error.code}: ${result.error.message}` : ''),
  });
  return result;
}

// The merchant's notification endpoint: verify over the raw bytes, answer with the exact ack.
const notifications = [];
let client;
const merchant = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const { order, ack } = await client.verifyNotification({ headers: req.headers, body: Buffer.concat(chunks) });
      notifications.push(order);
      res.writeHead(ack.status, ack.headers).end(ack.body);
    } catch (e) {
      res.writeHead(400).end(e.code);
    }
  });
});
await new Promise((r) => merchant.listen(0, '127.0.0.1', r));
const notifyUrl = `http://127.0.0.1:${merchant.address().port}/notify/shouqianba`;

try {
  client = createClient({
    provider: 'shouqianba',
    baseUrl: emu.url,
    credentials: { notifyPublicKey: emu.shouqianba.publicKeyPem },
  });

  // 1. A new till: activate with the vendor's credentials and an activation code, then the daily check-in.
  const activated = record('activate terminal', await client.activate({
    vendorSn: creds.vendorSn, vendorKey: creds.vendorKey, appId: creds.appId, code: creds.activationCode, deviceId: 'till-01',
  }));
  record('daily check-in', await client.checkin({ deviceId: 'till-01' }), `terminal ${activated.credentials.terminalSn}, key rotated`);

  // 2. A QR order: the buyer scans, pays; we poll and also get the signed notification.
  const orderNo = `DEMO-${Date.now()}`;
  const pre = record('precreate QR order', await client.precreate({
    merchantOrderNo: orderNo, amount: 2580, subject: 'Coffee beans 1kg', operator: 'alice', payway: '3', notifyUrl,
  }));
  if (pre.order) rows.at(-1).note = `qr ${pre.order.qrCode}`;
  record('query (buyer not yet paid)', await client.query({ merchantOrderNo: orderNo }));
  await fetch(`${emu.url}/__emulator/shouqianba/buyer-pays`, { method: 'POST', body: JSON.stringify({ client_sn: orderNo }) });
  let polled;
  for (let i = 0; i < 10; i++) {
    polled = await client.query({ merchantOrderNo: orderNo });
    if (polled.next !== 'POLL') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  record('poll until paid', polled, `paidAt ${new Date(polled.order.paidAt).toISOString()}`);
  await emu.shouqianba.flushNotifications();
  rows.push({ step: 'notification received', op: '-', outcome: notifications.length ? 'VERIFIED' : 'MISSING', next: '-',
    state: notifications[0]?.state ?? '-', total: yuan(notifications[0]?.amounts.total), refunded: '-', note: 'RSA signature checked, acked "success"' });

  // 3. Refund part of it, then ask about that refund and the order.
  record('refund 5.80', await client.refund({ merchantOrderNo: orderNo, refundNo: 'R1', amount: 580, operator: 'alice' }));
  const rq = await client.query({ merchantOrderNo: orderNo, refundNo: 'R1' });
  record('query refund R1', rq, `refund ${rq.refund.state} ${yuan(rq.refund.amount)}`);
  record('refund 30.00 (too much)', await client.refund({ merchantOrderNo: orderNo, refundNo: 'R2', amount: 3000, operator: 'alice' }));
  record('query order', await client.query({ merchantOrderNo: orderNo }));

  // 4. A barcode payment where the buyer is still confirming on their phone: poll until it settles.
  const barcodeNo = `DEMO-B-${Date.now()}`;
  record('barcode pay (user paying)', await client.pay({
    merchantOrderNo: barcodeNo, amount: 990, authCode: '910012345678901234', subject: 'Latte', operator: 'alice',
  }));
  let q;
  for (let i = 0; i < 10; i++) {
    q = await client.query({ merchantOrderNo: barcodeNo });
    if (q.next !== 'POLL') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  record('poll until paid', q);
} catch (e) {
  console.error("demo failed:", e);
  process.exitCode = 1;
} finally {
  await new Promise((r) => merchant.close(r));
  await emu.close();
}

const cols = ['step', 'op', 'outcome', 'next', 'state', 'total', 'refunded', 'note'];
const width = Object.fromEntries(cols.map((c) => [c, Math.max(c.length, ...rows.map((r) => String(r[c]).length))]));
const line = (r) => cols.map((c) => String(r[c]).padEnd(width[c])).join('  ');
console.log(`aggpay demo — Shouqianba over HTTP against the emulator at 127.0.0.1 (amounts in yuan)\n`);
console.log(line(Object.fromEntries(cols.map((c) => [c, c.toUpperCase()]))));
console.log(cols.map((c) => '-'.repeat(width[c])).join('  '));
for (const r of rows) console.log(line(r));
