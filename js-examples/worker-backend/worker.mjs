// A Cloudflare Worker merchant backend: Lakala (拉卡拉) QR orders, signed with WebCrypto inside the Worker.
//
//   POST /orders          {"amount": 1999, "subject": "Coffee", "channel": "ALIPAY"}  → 201 {merchantOrderNo, qrCode, …}
//   GET  /orders/<no>     the order's state, asked of the gateway (the truth, whatever the notice said)
//   POST /notify/lakala   Lakala's payment notice: verified over the raw bytes, answered with the exact ack
//
// `aggpay` resolves to the package's `workerd` entry, which imports the .wasm as a module (compiled at deploy time).
// The gateway credentials are Worker secrets / vars (see wrangler.toml); the merchant's RSA private key belongs
// here, on the server side, never in a cashier page.
import { AggpayError, createClient } from 'aggpay';

const json = (status, value) => Response.json(value, { status });

let client; // one per isolate: the keys are parsed once
function lakala(env) {
  client ??= createClient({
    provider: 'lakala',
    baseUrl: env.LAKALA_BASE_URL,
    credentials: {
      appId: env.LAKALA_APP_ID,
      serialNo: env.LAKALA_SERIAL_NO,
      privateKey: env.LAKALA_PRIVATE_KEY,
      platformCertificate: env.LAKALA_PLATFORM_CERTIFICATE,
      merchantNo: env.LAKALA_MERCHANT_NO,
      termNo: env.LAKALA_TERM_NO,
    },
  });
  return client;
}

const newOrderNo = () => {
  const hex = [...crypto.getRandomValues(new Uint8Array(6))].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `W${Date.now()}${hex}`;
};

const orderView = (merchantOrderNo, result) => ({
  merchantOrderNo,
  outcome: result.outcome, // SUCCEEDED | FAILED | IN_PROGRESS | UNKNOWN: of this call
  next: result.next,
  state: result.order?.state ?? null, // PENDING | SUCCESS | CLOSED | …
  final: result.order?.final ?? false,
  amount: result.order?.amounts.total ?? null,
  paidAt: result.order?.paidAt ?? null,
  qrCode: result.order?.qrCode ?? undefined,
  error: result.error && { code: result.error.code, message: result.error.message },
});

async function createOrder(request, env, url) {
  let input;
  try {
    input = await request.json();
  } catch {
    return json(400, { error: { code: 'INVALID_INPUT', message: 'the body must be JSON' } });
  }
  const merchantOrderNo = newOrderNo();
  const result = await lakala(env).precreate({
    merchantOrderNo,
    amount: input.amount, // integer fen
    subject: input.subject,
    channel: input.channel ?? 'ALIPAY', // a QR code: Lakala makes none for WeChat (no WeChat NATIVE)
    clientIp: request.headers.get('cf-connecting-ip') ?? '127.0.0.1',
    notifyUrl: `${env.PUBLIC_URL || url.origin}/notify/lakala`,
  });
  // Anything but SUCCEEDED: show no QR code. UNKNOWN means "ask again" (GET /orders/<no>), never "create another".
  return json(result.outcome === 'SUCCEEDED' ? 201 : 502, orderView(merchantOrderNo, result));
}

async function orderStatus(merchantOrderNo, env) {
  const result = await lakala(env).query({ merchantOrderNo });
  return json(result.outcome === 'SUCCEEDED' ? 200 : 502, orderView(merchantOrderNo, result));
}

async function notification(request, env) {
  const { order, ack } = await lakala(env).verifyNotification({
    headers: request.headers,
    body: new Uint8Array(await request.arrayBuffer()), // the exact bytes that were signed
  });
  // A real backend compares order.merchantOrderNo / order.amounts.total with its own record (or passes `expect`)
  // and fulfils once; here the order's state is always read from the gateway by GET /orders/<no>.
  console.log(`notice: ${order.merchantOrderNo} ${order.state} ${order.amounts.total} fen`);
  return new Response(ack.body, { status: ack.status, headers: ack.headers });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const path = url.pathname;
    try {
      if (request.method === 'POST' && path === '/orders') return await createOrder(request, env, url);
      const m = path.match(/^\/orders\/([A-Za-z0-9_-]{1,32})$/);
      if (request.method === 'GET' && m) return await orderStatus(m[1], env);
      if (request.method === 'POST' && path === '/notify/lakala') return await notification(request, env);
      if (request.method === 'GET' && path === '/') {
        return json(200, { routes: ['POST /orders', 'GET /orders/<merchantOrderNo>', 'POST /notify/lakala'], signer: lakala(env).signer });
      }
      return json(404, { error: { code: 'NOT_FOUND', message: `${request.method} ${path}` } });
    } catch (e) {
      // Bad input and refused notices are AggpayErrors; nothing a gateway does throws (it is a result).
      if (e instanceof AggpayError) return json(400, { error: { code: e.code, field: e.field, message: e.message } });
      throw e;
    }
  },
};
