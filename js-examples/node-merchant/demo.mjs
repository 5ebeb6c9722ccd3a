// A Node merchant server's payments against the built-in gateway emulator, over real HTTP, for all
// four gateways: terminal activation, QR orders with signed notifications, refunds, barcode payments
// confirmed by the pay / poll / reverse flow (one "user paying" that ends PAID, one that times out and
// is reversed). Run: make demo   (or: node js-examples/node-merchant/demo.mjs after make build)
import { createServer } from 'node:http';
import { createClient, fenToYuan } from 'aggpay';
import { startEmulator } from '../emulator/index.mjs';

const emu = await startEmulator({ port: 0 });
const rows = [];
const yuan = (fen) => (fen == null ? '-' : fenToYuan(fen));
const stamp = Date.now().toString(36).toUpperCase();
let seq = 0;
const orderNo = (p) => `${p}${stamp}${++seq}`;
// The flow's documented cadence is seconds apart; the demo compresses waiting 20×.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms / 20));

function record(provider, step, result, note = '') {
  const o = result.order;
  rows.push({
    provider,
    step,
    op: result.operation,
    outcome: result.outcome,
    next: result.next,
    state: o ? o.state : result.refund ? `refund ${result.refund.state}` : '-',
    total: yuan(o?.amounts.total),
    refunded: yuan(o?.amounts.refunded ?? (result.refund?.state === 'SUCCESS' ? result.refund.amount : null)),
    note: note || (result.error ? `${result.error.code}: ${result.error.message}`.slice(0, 70) : ''),
  });
  return result;
}

function recordFlow(provider, step, flow) {
  rows.push({ provider, step, op: 'flow', outcome: flow.verdict, next: '-', state: flow.result?.order?.state ?? '-',
    total: yuan(flow.result?.order?.amounts.total), refunded: '-', note: flow.message });
}

async function pollUntilSettled(client, ref) {
  let q;
  for (let i = 0; i < 20; i++) {
    q = await client.query(ref);
    if (q.next !== 'POLL') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return q;
}

// The merchant's notification endpoint: verify over the raw bytes, answer with the exact ack.
const clients = {};
const notified = [];
const merchant = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const provider = req.url.split('/').pop();
    try {
      const { order, ack } = await clients[provider].verifyNotification({ headers: req.headers, body: Buffer.concat(chunks) });
      notified.push({ provider, order });
      res.writeHead(ack.status, ack.headers).end(ack.body);
    } catch (e) {
      res.writeHead(400).end(e.code);
    }
  });
});
await new Promise((r) => merchant.listen(0, '127.0.0.1', r));
const notifyUrl = (p) => `http://127.0.0.1:${merchant.address().port}/notify/${p}`;
const buyerPays = (p, body) => fetch(`${emu.url}/__emulator/${p}/buyer-pays`, { method: 'POST', body: JSON.stringify(body) });

async function noticeRow(provider) {
  await emu[provider].flushNotifications();
  const n = notified.find((x) => x.provider === provider);
  rows.push({ provider, step: 'notification received', op: '-', outcome: n ? 'VERIFIED' : 'MISSING', next: '-',
    state: n?.order.state ?? '-', total: yuan(n?.order.amounts.total), refunded: '-', note: 'signature checked, exact ack sent' });
}

try {
  // ---- Shouqianba: a new till, a QR order, refunds, and two barcode payments through payAndConfirm.
  const sqb = emu.shouqianba.credentials;
  const s = (clients.shouqianba = createClient({ provider: 'shouqianba', baseUrl: emu.url, credentials: { notifyPublicKey: emu.shouqianba.publicKeyPem } }));
  const act = record('shouqianba', 'activate terminal', await s.activate({ vendorSn: sqb.vendorSn, vendorKey: sqb.vendorKey, appId: sqb.appId, code: sqb.activationCode, deviceId: 'till-01' }));
  record('shouqianba', 'daily check-in', await s.checkin({ deviceId: 'till-01' }), `terminal ${act.credentials.terminalSn}, key rotated`);
  const sOrder = orderNo('S');
  const pre = record('shouqianba', 'precreate QR order', await s.precreate({ merchantOrderNo: sOrder, amount: 2580, subject: 'Coffee beans 1kg', operator: 'alice', channel: 'WECHAT', notifyUrl: notifyUrl('shouqianba') }));
  rows.at(-1).note = `qr ${pre.order?.qrCode}`;
  await buyerPays('shouqianba', { client_sn: sOrder });
  const sPaid = record('shouqianba', 'buyer paid; wait', await s.waitForPayment({ merchantOrderNo: sOrder, amount: 2580 }, { sleep }).then((f) => f.result));
  rows.at(-1).note = `paidAt ${new Date(sPaid.order.paidAt).toISOString()}`;
  await noticeRow('shouqianba');
  record('shouqianba', 'refund 5.80', await s.refund({ merchantOrderNo: sOrder, refundNo: 'R1', amount: 580, operator: 'alice' }));
  const rq = await s.query({ merchantOrderNo: sOrder, refundNo: 'R1' });
  record('shouqianba', 'query refund R1', rq, `refund ${rq.refund.state} ${yuan(rq.refund.amount)}`);
  record('shouqianba', 'refund 30.00 (too much)', await s.refund({ merchantOrderNo: sOrder, refundNo: 'R2', amount: 3000, operator: 'alice' }));
  const base = { amount: 990, subject: 'Latte', operator: 'alice' };
  recordFlow('shouqianba', 'barcode: user paying', await s.payAndConfirm({ ...base, merchantOrderNo: orderNo('S'), authCode: '910012345678901234' }, { sleep }));
  recordFlow('shouqianba', 'barcode: never confirms', await s.payAndConfirm({ ...base, merchantOrderNo: orderNo('S'), authCode: '930012345678901234' }, { sleep, timeoutMs: 12_000 }));

  // ---- Fubei (1.0 merchant API): barcode in progress → paid, partial refund, an unpaid QR order closed.
  const fb = emu.fubei.credentials;
  const f = (clients.fubei = createClient({ provider: 'fubei', baseUrl: `${emu.url}/fubei`, credentials: { appId: fb.appId, appSecret: fb.appSecret } }));
  const fOrder = orderNo('F');
  record('fubei', 'swipe (user paying)', await f.pay({ merchantOrderNo: fOrder, amount: 1288, authCode: '910012345678901234', subject: 'Sandwich' }));
  record('fubei', 'poll until paid', await pollUntilSettled(f, { merchantOrderNo: fOrder }));
  record('fubei', 'refund 2.88', await f.refund({ merchantOrderNo: fOrder, refundNo: `${fOrder}R1`, amount: 288 }));
  const fq = orderNo('F');
  record('fubei', 'QR order', await f.precreate({ merchantOrderNo: fq, amount: 500, subject: 'Tea', channel: 'ALIPAY' }));
  record('fubei', 'close unpaid QR order', await f.close({ merchantOrderNo: fq }));

  // ---- Lakala: RSA-signed requests, every response signature verified, signed notification.
  const lk = emu.lakala.merchant;
  const l = (clients.lakala = createClient({ provider: 'lakala', baseUrl: `${emu.url}/lakala`, credentials: {
    appId: lk.appId, serialNo: lk.serialNo, privateKey: lk.privateKeyPem, platformCertificate: emu.lakala.platformCertificatePem,
    merchantNo: lk.merchantNo, termNo: lk.termNo } }));
  const lOrder = orderNo('L');
  record('lakala', `preorder (signer: ${l.signer})`, await l.precreate({ merchantOrderNo: lOrder, amount: 3650, subject: 'Parking', channel: 'ALIPAY', clientIp: '127.0.0.1', notifyUrl: notifyUrl('lakala') }));
  await buyerPays('lakala', { out_trade_no: lOrder });
  record('lakala', 'query after paying', await l.query({ merchantOrderNo: lOrder }));
  await noticeRow('lakala');
  record('lakala', 'refund 6.50', await l.refund({ merchantOrderNo: lOrder, refundNo: `${lOrder}R1`, amount: 650, clientIp: '127.0.0.1' }));
  recordFlow('lakala', 'micropay: user paying', await l.payAndConfirm({ merchantOrderNo: orderNo('L'), amount: 1500, authCode: '910012345678901234', subject: 'Car wash', clientIp: '127.0.0.1' }, { sleep }));

  // ---- Tingyihui: RSA2 trade, buyer pays, refund confirmed by refundQuery.
  const ty = emu.tingyihui.merchant;
  const t = (clients.tingyihui = createClient({ provider: 'tingyihui', baseUrl: `${emu.url}/tingyihui`, credentials: {
    accessId: ty.accessId, privateKey: ty.privateKeyBase64, merchantCode: ty.osMerchantCode } }));
  const tOrder = orderNo('T');
  record('tingyihui', 'create trade (QR)', await t.precreate({ merchantOrderNo: tOrder, amount: 800, subject: '停车费', channel: 'ALIPAY' }));
  await buyerPays('tingyihui', { ownerTradeNo: tOrder });
  record('tingyihui', 'query after paying', await t.query({ merchantOrderNo: tOrder }));
  const tr = record('tingyihui', 'refund 3.00', await t.refund({ merchantOrderNo: tOrder, refundNo: `${tOrder}R1`, amount: 300 }));
  record('tingyihui', 'refund query', await t.refundQuery({ providerRefundNo: tr.refund?.providerRefundNo, refundNo: `${tOrder}R1` }));
} catch (e) {
  console.error('demo failed:', e);
  process.exitCode = 1;
} finally {
  await new Promise((r) => merchant.close(r));
  await emu.close();
}

const cols = ['provider', 'step', 'op', 'outcome', 'next', 'state', 'total', 'refunded', 'note'];
const width = Object.fromEntries(cols.map((c) => [c, Math.max(c.length, ...rows.map((r) => String(r[c]).length))]));
const line = (r) => cols.map((c) => String(r[c]).padEnd(width[c])).join('  ').trimEnd();
console.log('aggpay demo: four gateways over HTTP against the emulator at 127.0.0.1 (amounts in yuan)\n');
console.log(line(Object.fromEntries(cols.map((c) => [c, c.toUpperCase()]))));
console.log(cols.map((c) => '-'.repeat(width[c])).join('  '));
for (const r of rows) console.log(line(r));
