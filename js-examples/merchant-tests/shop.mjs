// A small merchant server, as a merchant would write it: the code under test in merchant.test.mjs.
// It sells through one gateway (any aggpay client): QR orders the buyer scans, barcode payments at the till,
// and the gateway's notifications. It never calls an order failed unless the gateway said no money was taken.
//
//   POST /orders            {amount}            → 201 {orderNo, qrCode, state: 'WAITING'} | 503 {state: 'UNKNOWN'}
//   POST /orders/barcode    {amount, authCode}  → 200 {orderNo, state: 'PAID' | 'FAILED' | 'NEEDS_ATTENTION', message}
//   GET  /orders/<no>                           → {orderNo, amount, state}
//   POST /notify                                  the gateway's notification: verified over the raw bytes
import http from 'node:http';

/**
 * Starts the shop on 127.0.0.1. `client`: an aggpay client; `orderInput`: what this gateway needs on every order
 * besides the number and the amount (a subject, an operator…); `flow`: options for payAndConfirm (tests compress time).
 */
export async function startShop({ client, orderInput = {}, flow = {} }) {
  const orders = new Map(); // orderNo → { orderNo, amount, state }
  let seq = 0;
  const newNo = () => `shop${Date.now().toString(36)}${++seq}`;
  let notifyUrl;

  async function route(req, body) {
    const url = new URL(req.url, 'http://shop');
    if (req.method === 'POST' && url.pathname === '/orders') {
      const { amount } = JSON.parse(body.toString('utf8'));
      const order = { orderNo: newNo(), amount, state: 'WAITING' };
      orders.set(order.orderNo, order);
      const r = await client.precreate({ ...orderInput, merchantOrderNo: order.orderNo, amount, notifyUrl });
      if (r.outcome === 'SUCCEEDED') return { status: 201, json: { ...order, qrCode: r.order.qrCode } };
      // No answer we can trust: the order may exist at the gateway. Not FAILED: ask again later.
      order.state = r.outcome === 'FAILED' ? 'FAILED' : 'UNKNOWN';
      return { status: r.outcome === 'FAILED' ? 402 : 503, json: { ...order, error: r.error?.code } };
    }
    if (req.method === 'POST' && url.pathname === '/orders/barcode') {
      const { amount, authCode } = JSON.parse(body.toString('utf8'));
      const order = { orderNo: newNo(), amount, state: 'PAYING' };
      orders.set(order.orderNo, order);
      const { verdict, message } = await client.payAndConfirm({ ...orderInput, merchantOrderNo: order.orderNo, amount, authCode }, flow);
      order.state = verdict === 'TIMED_OUT_REVERSED' ? 'FAILED' : verdict;
      return { json: { ...order, message } };
    }
    if (req.method === 'GET' && url.pathname.startsWith('/orders/')) {
      const order = orders.get(decodeURIComponent(url.pathname.slice('/orders/'.length)));
      return order ? { json: order } : { status: 404, json: { error: 'no such order' } };
    }
    if (req.method === 'POST' && url.pathname === '/notify') {
      let notice;
      try {
        notice = await client.verifyNotification({ headers: req.headers, body });
      } catch (err) {
        return { status: 400, text: `rejected: ${err.reason ?? err.code}` }; // the gateway will resend a genuine one
      }
      const order = orders.get(notice.order.merchantOrderNo);
      if (order) {
        // Only about our order and its amount; a gateway that signs nothing is confirmed by a query first.
        const confirmed = notice.verified ? notice.order : (await client.query({ merchantOrderNo: order.orderNo })).order;
        if (confirmed?.state === 'SUCCESS' && confirmed.amounts.total === order.amount) order.state = 'PAID';
      }
      return { status: notice.ack.status, headers: notice.ack.headers, text: notice.ack.body };
    }
    return { status: 404, json: { error: 'not found' } };
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      let out;
      try {
        out = await route(req, Buffer.concat(chunks));
      } catch (err) {
        out = { status: 500, json: { error: String(err?.message ?? err) } };
      }
      const { status = 200, json, text, headers } = out;
      res.writeHead(status, { 'content-type': json ? 'application/json' : 'text/plain', ...headers });
      res.end(json ? JSON.stringify(json) : text);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  notifyUrl = `${url}/notify`;
  return {
    url,
    notifyUrl,
    order: (no) => orders.get(no),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
