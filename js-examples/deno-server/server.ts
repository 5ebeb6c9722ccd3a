// A Deno merchant server: Lakala (拉卡拉) QR orders, signed with WebCrypto, served by Deno.serve.
//
//   POST /orders          {"amount": 1999, "subject": "Coffee", "channel": "ALIPAY"}  → 201 {merchantOrderNo, qrCode, …}
//   GET  /orders/<no>     the order's state, asked of the gateway (the truth, whatever the notice said)
//   POST /notify/lakala   Lakala's payment notice: verified over the raw bytes, answered with the exact ack
//
// Run against the emulator with one command: node js-examples/deno-server/dev.mjs
// Or by hand (the gateway credentials in LAKALA_* variables, see README.md):
//   deno run --allow-net=127.0.0.1 --allow-env --allow-read=<the aggpay package directory> server.ts
// `aggpay` resolves to the package's `deno` entry, which fetches its .wasm (a file: URL) before the first call:
// that read of the package directory is the only file access it needs.
import { AggpayError, createClient, type OperationResult } from 'aggpay';

const env = (name: string, fallback?: string): string => {
  const v = Deno.env.get(name) ?? fallback;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};

// One client for the server's life: the keys are parsed once.
const lakala = createClient({
  provider: 'lakala',
  baseUrl: env('LAKALA_BASE_URL'),
  credentials: {
    appId: env('LAKALA_APP_ID'),
    serialNo: env('LAKALA_SERIAL_NO'),
    privateKey: env('LAKALA_PRIVATE_KEY'),
    platformCertificate: env('LAKALA_PLATFORM_CERTIFICATE'),
    merchantNo: env('LAKALA_MERCHANT_NO'),
    termNo: env('LAKALA_TERM_NO'),
  },
});

const json = (status: number, value: unknown) => Response.json(value, { status });

const newOrderNo = () => {
  const hex = [...crypto.getRandomValues(new Uint8Array(6))].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `D${Date.now()}${hex}`;
};

const orderView = (merchantOrderNo: string, result: OperationResult) => ({
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

async function createOrder(request: Request, info: Deno.ServeHandlerInfo, url: URL) {
  // Untrusted JSON: the library checks every field (an AggpayError INVALID_INPUT names the bad one).
  let input: { amount: number; subject: string; channel?: 'WECHAT' | 'ALIPAY' | 'UNIONPAY' };
  try {
    input = await request.json();
  } catch {
    return json(400, { error: { code: 'INVALID_INPUT', message: 'the body must be JSON' } });
  }
  const merchantOrderNo = newOrderNo();
  const result = await lakala.precreate({
    merchantOrderNo,
    amount: input.amount, // integer fen
    subject: input.subject,
    channel: input.channel ?? 'ALIPAY', // a QR code: Lakala makes none for WeChat (no WeChat NATIVE)
    clientIp: (info.remoteAddr as Deno.NetAddr).hostname,
    notifyUrl: `${Deno.env.get('PUBLIC_URL') || url.origin}/notify/lakala`,
  });
  // Anything but SUCCEEDED: show no QR code. UNKNOWN means "ask again" (GET /orders/<no>), never "create another".
  return json(result.outcome === 'SUCCEEDED' ? 201 : 502, orderView(merchantOrderNo, result));
}

async function orderStatus(merchantOrderNo: string) {
  const result = await lakala.query({ merchantOrderNo });
  return json(result.outcome === 'SUCCEEDED' ? 200 : 502, orderView(merchantOrderNo, result));
}

async function notification(request: Request) {
  const { order, ack } = await lakala.verifyNotification({
    headers: request.headers,
    body: new Uint8Array(await request.arrayBuffer()), // the exact bytes that were signed
  });
  // A real server compares order.merchantOrderNo / order.amounts.total with its own record (or passes `expect`)
  // and fulfils once; here the order's state is always read from the gateway by GET /orders/<no>.
  console.log(`notice: ${order.merchantOrderNo} ${order.state} ${order.amounts.total} fen`);
  return new Response(ack.body, { status: ack.status, headers: ack.headers });
}

async function handle(request: Request, info: Deno.ServeHandlerInfo): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;
  try {
    if (request.method === 'POST' && path === '/orders') return await createOrder(request, info, url);
    const m = path.match(/^\/orders\/([A-Za-z0-9_-]{1,32})$/);
    if (request.method === 'GET' && m) return await orderStatus(m[1]);
    if (request.method === 'POST' && path === '/notify/lakala') return await notification(request);
    if (request.method === 'GET' && path === '/') {
      return json(200, { routes: ['POST /orders', 'GET /orders/<merchantOrderNo>', 'POST /notify/lakala'], signer: lakala.signer });
    }
    return json(404, { error: { code: 'NOT_FOUND', message: `${request.method} ${path}` } });
  } catch (e) {
    // Bad input and refused notices are AggpayErrors; nothing a gateway does throws (it is a result).
    if (e instanceof AggpayError) return json(400, { error: { code: e.code, field: e.field, message: e.message } });
    throw e;
  }
}

Deno.serve({
  hostname: env('HOST', '127.0.0.1'),
  port: Number(env('PORT', '8000')),
  onListen: ({ hostname, port }) => console.log(`aggpay deno-server listening on http://${hostname}:${port}`),
}, handle);
