// A Node merchant server on plain node:http: QR orders, barcode payments, refunds and signed notifications
// for Shouqianba, Fubei, Lakala and Tingyihui, as a JSON API for your tills and pages.
//
//   node js-examples/node-merchant/server.mjs [--port 3000] [--host 127.0.0.1] [--emulator URL]
//
//   POST /orders           {provider, amount, subject, channel?}        → 201 {merchantOrderNo, qrCode}
//   GET  /orders/<no>?provider=…                                        → the order, as the gateway reports it now
//   POST /pay              {provider, amount, authCode, subject, merchantOrderNo?} → {verdict, message, order}
//   POST /refunds          {provider, merchantOrderNo, amount, refundNo?} → {refundNo, outcome, refund}
//   POST /notify/<provider>?order=<no>   the gateway's signed notice, answered with the library's exact ack
//
// A gateway whose <PROVIDER>_* variables are set (README.md) is used with them; the others are the gateway emulator,
// started here on 127.0.0.1 unless --emulator names one. PUBLIC_URL is where gateways reach /notify. Amounts are fen.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { AggpayError, createClient } from 'aggpay';

const { values: args } = parseArgs({ options: {
  port: { type: 'string', default: '3000' }, host: { type: 'string', default: '127.0.0.1' }, emulator: { type: 'string' } } });
const MAX_BODY = 64 * 1024; // far more than an order or a notice; a bigger body is refused before it is read
const OPERATOR = 'node-merchant'; // Shouqianba wants the cashier's name on money-moving calls

// The credentials each client needs; env names follow them: lakala's privateKey is LAKALA_PRIVATE_KEY.
const FIELDS = {
  shouqianba: ['terminalSn', 'terminalKey', 'notifyPublicKey'],
  fubei: ['appId', 'appSecret'],
  lakala: ['appId', 'serialNo', 'privateKey', 'platformCertificate', 'merchantNo', 'termNo'],
  tingyihui: ['accessId', 'privateKey', 'merchantCode'],
};
const envName = (provider, field) => `${provider}_${field.replace(/[A-Z]/g, '_$&')}`.toUpperCase();
const fromEnv = (p) => [...FIELDS[p], 'baseUrl'].some((f) => process.env[envName(p, f)]);

// The emulator module is loaded only when a gateway needs it and no --emulator was given.
const emu = args.emulator || Object.keys(FIELDS).every(fromEnv) ? null
  : await (await import('../emulator/index.mjs')).startEmulator({ port: 0 });
const emulator = emu?.url ?? args.emulator?.replace(/\/$/, '');

/** The emulator's credentials for `provider`, renamed to the client's fields. */
async function emulatorCredentials(provider) {
  const get = async (path) => {
    const res = await fetch(`${emulator}/__emulator/${provider}/${path}`);
    if (!res.ok) throw new Error(`${emulator} is not the aggpay emulator (HTTP ${res.status})`);
    return res.json();
  };
  const c = await get('credentials');
  const all = { ...c, privateKey: c.privateKeyPem ?? c.privateKeyBase64, platformCertificate: c.platformCertificatePem,
    merchantCode: c.osMerchantCode, notifyPublicKey: provider === 'shouqianba' ? (await get('public-key')).pem : undefined };
  return Object.fromEntries(FIELDS[provider].map((f) => [f, all[f]]));
}

// One client per gateway for the server's life: keys are parsed once. A bad key or a missing credential stops the
// start-up here, with the library's message (it names the field, never the value).
const clients = {};
const sources = {};
for (const provider of Object.keys(FIELDS)) {
  const env = fromEnv(provider);
  const credentials = env
    ? Object.fromEntries(FIELDS[provider].map((f) => [f, process.env[envName(provider, f)]]).filter(([, v]) => v))
    : await emulatorCredentials(provider);
  const baseUrl = env ? process.env[envName(provider, 'baseUrl')] : `${emulator}${provider === 'shouqianba' ? '' : `/${provider}`}`;
  sources[provider] = env ? 'environment' : 'emulator';
  try {
    clients[provider] = createClient({ provider, baseUrl, credentials });
  } catch (e) {
    console.error(`${provider} (credentials from the ${sources[provider]}): ${e.message}`);
    process.exit(1);
  }
}

// What this server sold: merchantOrderNo → { provider, amount, state }. A notice is checked against it. A real
// server keeps this in its database, with the order number as a unique key.
const orders = new Map();

class BadInput extends Error { // our own checks, answered like the library's INVALID_INPUT
  code = 'INVALID_INPUT';
  constructor(field, message) { super(`${field} ${message}`); this.field = field; }
}
const newNo = (prefix) => `${prefix}${Date.now().toString(36)}${randomBytes(5).toString('hex')}`; // 19 characters: fits every gateway
const clientFor = (provider) => {
  if (!Object.hasOwn(clients, provider ?? '')) throw new BadInput('provider', `must be one of ${Object.keys(clients).join(', ')}`);
  return clients[provider];
};
// HTTP status of an OperationResult: 422 the gateway said no (no money moved), 502 nobody knows yet (follow `next`).
// A lookup that finds nothing is UNKNOWN in the library (a late request may still create it): say 404 here.
const statusOf = (r) => (r.error?.code === 'ORDER_NOT_FOUND' ? 404
  : ({ SUCCEEDED: 200, IN_PROGRESS: 202, UNKNOWN: 502 })[r.outcome] ?? 422);
const view = (r) => ({ outcome: r.outcome, next: r.next, order: r.order ?? null, error: r.error });

/** What every money-moving call carries: Shouqianba wants the cashier, Lakala the client's IP. */
const common = (req) => ({ operator: OPERATOR, clientIp: req.socket.remoteAddress.replace(/^::ffff:/, '') }); // behind a proxy: its header
/** Where the gateway notifies us. The order number rides in the URL, so the notice is verified against the order
 * we recorded. Tingyihui's callbacks are unsigned, so none is asked for: GET /orders asks the gateway instead. */
const notifyUrl = (provider, no) => (provider === 'tingyihui' ? undefined : `${publicUrl}/notify/${provider}?order=${no}`);

// Alipay by default: every gateway makes an Alipay QR order (Lakala makes none for WeChat).
async function createOrder(req, { provider, amount, subject, channel = 'ALIPAY' }) {
  const client = clientFor(provider);
  const merchantOrderNo = newNo('N');
  const r = await client.precreate({ merchantOrderNo, amount, subject, channel, ...common(req), notifyUrl: notifyUrl(provider, merchantOrderNo) });
  orders.set(merchantOrderNo, { provider, amount, state: r.order?.state ?? 'UNKNOWN' }); // the buyer pays only after this answer
  // Only SUCCEEDED shows a QR code. UNKNOWN means "ask again" (GET /orders/<no>), never "create another".
  return r.outcome === 'SUCCEEDED' ? [201, { merchantOrderNo, qrCode: r.order?.qrCode }] : [statusOf(r), { merchantOrderNo, ...view(r) }];
}

async function pay(req, { provider, amount, authCode, subject, merchantOrderNo = newNo('P') }) {
  const client = clientFor(provider);
  // A till that retries after losing our answer sends its number again: the gateway then sees the same order,
  // never a second charge. The same number for another amount is a mistake, refused before anything is sent.
  const known = orders.get(merchantOrderNo);
  if (known && (known.provider !== provider || known.amount !== amount)) throw new BadInput('merchantOrderNo', 'is already used for another payment');
  orders.set(merchantOrderNo, { provider, amount, state: known?.state ?? 'PENDING' }); // before paying: the notice may beat the answer
  // No AbortSignal from the till's connection: a flow stopped half-way leaves the money uncertain, so it runs to
  // its verdict (PAID, FAILED, TIMED_OUT_REVERSED or NEEDS_ATTENTION) and the till can GET the order afterwards.
  const { verdict, message, result } = await client.payAndConfirm({ merchantOrderNo, amount, authCode, subject,
    ...common(req), notifyUrl: notifyUrl(provider, merchantOrderNo) }).catch((e) => {
    if (!known) orders.delete(merchantOrderNo); // bad input: nothing was sent
    throw e;
  });
  if (result?.order) orders.get(merchantOrderNo).state = result.order.state;
  console.log(`pay ${provider} ${merchantOrderNo} ${amount} fen: ${verdict}`);
  return [200, { merchantOrderNo, verdict, message, order: result?.order ?? null }];
}

async function refund(req, { provider, merchantOrderNo, amount, refundNo = newNo('R') }) {
  // refundNo is the gateway's idempotency key: to retry a refund whose answer was lost, send the same one.
  const r = await clientFor(provider).refund({ merchantOrderNo, refundNo, amount, ...common(req) });
  console.log(`refund ${provider} ${merchantOrderNo} ${amount} fen: ${r.outcome}`);
  return [statusOf(r), { refundNo, ...view(r), refund: r.refund ?? null }];
}

async function orderStatus(merchantOrderNo, provider = orders.get(merchantOrderNo)?.provider) {
  // The gateway's answer is the truth; a notice only tells us to look.
  const r = await clientFor(provider).query({ merchantOrderNo });
  return [statusOf(r), { merchantOrderNo, ...view(r), notified: orders.get(merchantOrderNo)?.notified ?? null }];
}

async function notification(req, res, provider, merchantOrderNo, body) {
  const client = clientFor(provider);
  const held = orders.get(merchantOrderNo ?? '');
  if (!held || held.provider !== provider) throw new BadInput('order', 'is not an order of ours for this gateway');
  // Genuine, for our merchant, and about the order and amount we recorded, or it throws NOTIFICATION_INVALID.
  const { order, ack } = await client.verifyNotification({ headers: req.headers, body }, { merchantOrderNo, amount: held.amount });
  held.state = order.state;
  held.notified = { state: order.state, at: new Date().toISOString() };
  console.log(`notice ${provider} ${merchantOrderNo} ${order.state} ${order.amounts.total} fen`);
  res.writeHead(ack.status, ack.headers).end(ack.body); // exactly what the gateway expects, or it sends again
}

/** The raw body bytes (a notice is verified over exactly these), or null when over MAX_BODY. */
async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    if ((size += chunk.length) > MAX_BODY) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseJson(body) {
  let value;
  try { value = JSON.parse(body.toString('utf8')); } catch {}
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  throw new BadInput('body', 'must be a JSON object');
}

const server = createServer(async (req, res) => {
  const json = (status, value) => res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
  try {
    const url = new URL(req.url, 'http://localhost');
    const body = await readBody(req);
    if (body === null) return json(413, { error: { code: 'INVALID_INPUT', field: 'body', message: `body over ${MAX_BODY} bytes` } });
    const [, route, param] = url.pathname.match(/^\/(orders|notify)\/([\w-]{1,64})$/) ?? [];
    if (req.method === 'POST' && route === 'notify') return await notification(req, res, param, url.searchParams.get('order'), body);
    if (req.method === 'GET' && route === 'orders') return json(...(await orderStatus(param, url.searchParams.get('provider') ?? undefined)));
    if (req.method === 'POST' && url.pathname === '/orders') return json(...(await createOrder(req, parseJson(body))));
    if (req.method === 'POST' && url.pathname === '/pay') return json(...(await pay(req, parseJson(body))));
    if (req.method === 'POST' && url.pathname === '/refunds') return json(...(await refund(req, parseJson(body))));
    if (req.method === 'GET' && url.pathname === '/') return json(200, { providers: sources, emulator: emulator ?? null });
    json(404, { error: { code: 'NOT_FOUND', message: `${req.method} ${url.pathname}` } });
  } catch (e) {
    // Bad input and refused notices are AggpayErrors, thrown before anything is sent; a gateway's troubles are
    // results, never exceptions. A refused notice gets no ack, so a genuine gateway would try again.
    if (e instanceof AggpayError || e instanceof BadInput) {
      return json(400, { error: { code: e.code, field: e.field, reason: e.reason, message: e.message } });
    }
    console.error(`${req.method} ${req.url}: ${e?.stack ?? e}`); // a bug: its stack, never a request body
    if (!res.headersSent) json(500, { error: { code: 'INTERNAL', message: 'internal error' } });
  }
});

await new Promise((resolve, reject) => server.once('error', reject).listen(Number(args.port), args.host, resolve));
const self = `http://${args.host}:${server.address().port}`;
const publicUrl = (process.env.PUBLIC_URL || self).replace(/\/$/, '');
console.log(`aggpay node-merchant listening on ${self}` + (emu ? ` (gateway emulator on ${emulator})` : ''));
if (emu) {
  console.log(`Try:
  curl -s -X POST ${self}/orders -d '{"provider":"shouqianba","amount":1999,"subject":"Coffee"}'
  curl -s -X POST ${emulator}/__emulator/shouqianba/buyer-pays -d '{"client_sn":"<merchantOrderNo>"}'
  curl -s ${self}/orders/<merchantOrderNo>`);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await emu?.close();
    process.exit(0);
  });
}
