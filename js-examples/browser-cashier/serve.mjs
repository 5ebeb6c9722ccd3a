// A browser cashier against the built-in gateway emulator, in one command:
//
//   node js-examples/browser-cashier/serve.mjs [--port 8080]      (after `make build`)
//
// starts the emulator, a small merchant server and the cashier page. The page (page/cashier.mjs, bundled with
// its `qrcode` dependency by esbuild at start-up) only ever talks to the merchant server. In a phone browser or on
// a desktop it asks for a QR order and draws the QR code; inside WeChat or Alipay (the buyer opened the page in
// the wallet) it asks for a JSAPI order for that buyer and hands its `payParams` to the wallet's own pay sheet.
// Either way it then polls the order's status until it is PAID: only the server's query or a verified
// notification says an order is paid, never the wallet's callback. The gateway credentials and every call to the
// gateway stay here, on the server: a browser is no place for a terminal key or an RSA merchant key.
//
// The merchant API:
//   POST /api/orders        {amount: "12.34" (yuan, as text), subject?} → 201 {merchantOrderNo, amount, amountYuan, qrCode, state}
//                           {…, wallet: "WECHAT" | "ALIPAY", payerId} → 201 {…, payParams} (a JSAPI order for that buyer;
//                           payerId is the buyer's openid / Alipay user id from your OAuth step, never trusted for money)
//                           {…, wallet: "WECHAT", kind: "MINI_PROGRAM", payerId} from a mini-program page
//   POST /api/wechat-login  {code} → {openid}: stands in for jscode2session (a mini-program's wx.login code)
//   GET  /api/orders/<no>   → {merchantOrderNo, amount, amountYuan, state, source}
//                             state: WAITING | PAID | CLOSED | FAILED | REFUNDING | PARTIALLY_REFUNDED | REFUNDED | UNKNOWN
//   POST /notify/<no>       the gateway's signed notification, verified over its raw bytes against the order we hold
// A status request answers from a verified notification when one came, and otherwise asks the gateway
// (`query`) at most once every `queryEveryMs`, however often pages poll.
//
// To play the buyer scanning the QR code, call the emulator's control route (the server prints it per order):
//   curl -X POST <emulator>/__emulator/shouqianba/buyer-pays -d '{"client_sn":"<merchantOrderNo>"}'
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { createClient, fenToYuan, yuanToFen, AggpayError } from 'aggpay';
import { startEmulator } from '../emulator/index.mjs';

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
const MAX_BODY = 64 * 1024; // far more than an order request or a gateway notification
const FINAL = new Set(['PAID', 'CLOSED', 'FAILED', 'REFUNDED', 'PARTIALLY_REFUNDED']);
// The library's OrderState, as a cashier shows it.
const label = (state) => ({ PENDING: 'WAITING', SUCCESS: 'PAID' })[state] ?? state;
// The page may load only from this server and talk only to it.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** The page's script: page/cashier.mjs and `qrcode`, one minified ES module for browsers. */
export async function bundlePage() {
  const out = await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./page/cashier.mjs', import.meta.url))],
    bundle: true, platform: 'browser', format: 'esm', target: 'es2020', minify: true, write: false, logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

/**
 * Starts the emulator, the merchant server and the page on 127.0.0.1. Returns
 * { url, emulatorUrl, orders, close() }; `onOrder(order)` is told of every new order.
 */
export async function startCashier({ port = 0, queryEveryMs = 2000, onOrder = () => {} } = {}) {
  const emu = await startEmulator({ port: 0 });
  let server;
  try {
    const [html, app] = await Promise.all([readFile(`${PAGE_DIR}index.html`), bundlePage()]);
    const sqb = emu.shouqianba.credentials;
    // In production: the gateway's URL and your terminal's credentials, from your secret store.
    const client = createClient({
      provider: 'shouqianba', baseUrl: emu.url,
      credentials: { terminalSn: sqb.terminalSn, terminalKey: sqb.terminalKey, notifyPublicKey: emu.shouqianba.publicKeyPem },
    });
    const orders = new Map(); // merchantOrderNo → { merchantOrderNo, amount, subject, qrCode, state, source, checkedAt, checking }
    const stamp = Date.now().toString(36).toUpperCase();
    let seq = 0;
    let self;

    const view = (o) => ({ merchantOrderNo: o.merchantOrderNo, amount: o.amount, amountYuan: fenToYuan(o.amount),
      state: o.state, source: o.source });

    async function createOrder({ amount, subject, wallet, payerId, kind = 'JSAPI' }) {
      let fen;
      try {
        fen = yuanToFen(String(amount ?? ''));
      } catch (e) {
        if (e instanceof AggpayError) return [400, { error: e.message }];
        throw e;
      }
      if (fen <= 0) return [400, { error: 'amount: must be more than 0' }];
      const inWallet = wallet !== undefined;
      if (inWallet && !['WECHAT', 'ALIPAY'].includes(wallet)) return [400, { error: 'wallet: must be WECHAT or ALIPAY' }];
      if (inWallet && (typeof payerId !== 'string' || !payerId)) return [400, { error: 'payerId: is required inside a wallet' }];
      if (inWallet && !['JSAPI', 'MINI_PROGRAM'].includes(kind)) return [400, { error: 'kind: must be JSAPI or MINI_PROGRAM' }];
      const merchantOrderNo = `C${stamp}${++seq}`;
      const title = typeof subject === 'string' && subject.trim() ? subject.trim().slice(0, 40) : 'Purchase';
      const how = inWallet ? { kind, channel: wallet, payerId } : { channel: 'WECHAT' };
      const pre = await client.precreate({ merchantOrderNo, amount: fen, subject: title, operator: 'cashier', ...how,
        notifyUrl: `${self}/notify/${merchantOrderNo}` });
      const usable = inWallet ? pre.order?.payParams : pre.order?.qrCode;
      if (pre.outcome !== 'SUCCEEDED' || !usable) {
        // UNKNOWN (a lost answer, or pay parameters missing a key) is not "no order": a real till would query
        // before offering a new one.
        return [502, { error: pre.error ? `${pre.error.code}: ${pre.error.message}` : `precreate ${pre.outcome}`, outcome: pre.outcome }];
      }
      const order = { merchantOrderNo, amount: fen, subject: title, wallet, qrCode: pre.order.qrCode, payParams: pre.order.payParams,
        state: label(pre.order.state), source: 'precreate', checkedAt: Date.now() };
      orders.set(merchantOrderNo, order);
      onOrder(order);
      return [201, { ...view(order), ...(inWallet ? { payParams: order.payParams } : { qrCode: order.qrCode }) }];
    }

    async function orderStatus(order) {
      if (!FINAL.has(order.state) && Date.now() - order.checkedAt >= queryEveryMs) {
        order.checking ??= client.query({ merchantOrderNo: order.merchantOrderNo }).then((q) => {
          // Only a conclusive answer moves the state; NETWORK / UNKNOWN leave the last known one.
          if (q.outcome === 'SUCCEEDED' && q.order && order.source !== 'notification') {
            order.state = label(q.order.state);
            order.source = 'query';
          }
        }).finally(() => {
          order.checkedAt = Date.now();
          order.checking = undefined;
        });
        await order.checking;
      }
      return [200, view(order)];
    }

    async function notified(order, req, body) {
      try {
        // Checked against the order we hold: a genuine notice for another order or amount is refused too.
        const { order: paid, ack } = await client.verifyNotification({ headers: req.headers, body },
          { merchantOrderNo: order.merchantOrderNo, amount: order.amount });
        order.state = label(paid.state);
        order.source = 'notification';
        return { status: ack.status, headers: ack.headers, body: ack.body };
      } catch (e) {
        if (e instanceof AggpayError) return { status: 400, headers: {}, body: e.code };
        throw e;
      }
    }

    server = createServer(async (req, res) => {
      const json = (status, value) => res.writeHead(status, { 'content-type': 'application/json', ...SECURITY_HEADERS })
        .end(JSON.stringify(value));
      try {
        const { pathname } = new URL(req.url, 'http://x');
        const body = await readBody(req);
        if (body === null) return json(413, { error: 'too large' });
        if (req.method === 'GET' && pathname === '/') {
          return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS }).end(html);
        }
        if (req.method === 'GET' && pathname === '/app.js') {
          return res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', ...SECURITY_HEADERS }).end(app);
        }
        if (pathname === '/favicon.ico') return res.writeHead(204, SECURITY_HEADERS).end();
        if (req.method === 'POST' && pathname === '/api/orders') {
          let input;
          try {
            input = JSON.parse(body.toString('utf8'));
          } catch {
            return json(400, { error: 'a JSON body is expected' });
          }
          return json(...(await createOrder(input ?? {})));
        }
        if (req.method === 'POST' && pathname === '/api/wechat-login') {
          // Stands in for WeChat's jscode2session, which your server calls with the mini-program's app secret to
          // turn wx.login's one-time code into the buyer's openid. Never let the page name its own openid.
          let code;
          try {
            ({ code } = JSON.parse(body.toString('utf8')) ?? {});
          } catch {
            return json(400, { error: 'a JSON body is expected' });
          }
          if (typeof code !== 'string' || !/^[0-9a-f]{32}$/.test(code)) return json(400, { error: 'code: a wx.login code is expected' });
          return json(200, { openid: `o${createHash('sha256').update(code).digest('base64url').slice(0, 27)}` });
        }
        const [, kind, no] = pathname.match(/^\/(api\/orders|notify)\/([A-Za-z0-9]{1,32})$/) ?? [];
        const order = no && orders.get(no);
        if (kind === 'api/orders' && req.method === 'GET') return order ? json(...(await orderStatus(order))) : json(404, { error: 'no such order' });
        if (kind === 'notify' && req.method === 'POST' && order) {
          const ack = await notified(order, req, body);
          return res.writeHead(ack.status, ack.headers).end(ack.body);
        }
        json(404, { error: 'not found' });
      } catch (e) {
        console.error(e);
        if (!res.headersSent) json(500, { error: 'internal error' });
        else res.destroy();
      }
    });
    await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    self = `http://127.0.0.1:${server.address().port}`;
    return {
      url: self,
      emulatorUrl: emu.url,
      orders,
      close: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(() => resolve()));
        await emu.close();
      },
    };
  } catch (e) {
    server?.close();
    await emu.close();
    throw e;
  }
}

/** The raw body bytes (a notification is verified over exactly these), or null when over MAX_BODY. */
async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' } } });
  const cashier = await startCashier({
    port: Number(values.port),
    onOrder: (o) => console.log(`order ${o.merchantOrderNo} (${fenToYuan(o.amount)} yuan${o.wallet ? `, JSAPI in ${o.wallet}` : ''}) waits for the buyer. Play the buyer with:\n` +
      `  curl -X POST ${cashier.emulatorUrl}/__emulator/shouqianba/buyer-pays -d '{"client_sn":"${o.merchantOrderNo}"}'`),
  });
  console.log(`gateway emulator on ${cashier.emulatorUrl}`);
  console.log(`cashier page on ${cashier.url}  (Ctrl-C stops everything)`);
  const stop = async () => {
    await cashier.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
