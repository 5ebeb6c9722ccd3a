// What the tests share (the package's tests here and the emulator's own in js-examples/emulator): a client for
// each gateway of a running emulator, configured as a merchant would configure it; a merchant's notification
// endpoint (startMerchant); a fetch that records what a client sends (spyFetch); the test key pair; and a test
// file's own emulator (useEmulator). (Not a test file: node --test runs only *.test.mjs.)
import http from 'node:http';
import crypto from 'node:crypto';
import { before, after } from 'node:test';
import { startEmulator } from '../../js-examples/emulator/index.mjs';

// Loaded lazily: the emulator's own tests use this kit too, and they run without a built package.
let createClient = () => { throw new Error('the aggpay package is not built (make build)'); };
try {
  ({ createClient } = await import('aggpay'));
} catch { /* only clientFor needs it */ }

/** A client of `provider` pointed at the emulator `emu`, with its credentials; `options` are added as they are. */
export function clientFor(emu, provider, options = {}) {
  switch (provider) {
    case 'shouqianba': {
      const { terminalSn, terminalKey } = emu.shouqianba.credentials;
      return createClient({ provider, baseUrl: emu.url, credentials: { terminalSn, terminalKey }, ...options });
    }
    case 'fubei': {
      const { appId, appSecret } = emu.fubei.credentials;
      return createClient({ provider, baseUrl: `${emu.url}/fubei`, credentials: { appId, appSecret }, ...options });
    }
    case 'lakala': {
      const m = emu.lakala.merchant;
      return createClient({
        provider,
        baseUrl: `${emu.url}/lakala`,
        credentials: {
          appId: m.appId, serialNo: m.serialNo, privateKey: m.privateKeyPem,
          platformCertificate: emu.lakala.platformCertificatePem, merchantNo: m.merchantNo, termNo: m.termNo,
        },
        ...options,
      });
    }
    case 'tingyihui': {
      const m = emu.tingyihui.merchant;
      return createClient({
        provider,
        baseUrl: `${emu.url}/tingyihui`,
        credentials: { accessId: m.accessId, privateKey: m.privateKeyBase64, merchantCode: m.osMerchantCode },
        ...options,
      });
    }
    default:
      throw new Error(`no such provider: ${provider}`);
  }
}

/** One RSA-2048 key pair for the tests that need a key of their own (not the emulator's): KeyObjects and PEMs. */
export const TEST_KEYS = (() => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey, publicKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }),
  };
})();

/**
 * A merchant's notification endpoint on 127.0.0.1. Every request is recorded in `received` as
 * { path, headers, body } (body a Buffer, or a string with `text: true`), then answered by `answer(entry, req)`
 * → { status = 200, headers, body } (default: 200 "success"). `url` is the endpoint with `path`; `base` is the
 * server's origin, for tests that route by path.
 */
export async function startMerchant({ path = '/notify', text = false, answer = () => ({ body: 'success' }) } = {}) {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const bytes = Buffer.concat(chunks);
      const entry = { path: req.url, headers: req.headers, body: text ? bytes.toString('utf8') : bytes };
      received.push(entry);
      const { status = 200, headers, body = '' } = await answer(entry, req);
      res.writeHead(status, headers).end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    url: `${base}${path}`,
    received,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** An `answer` for startMerchant: the bodies in `replies` in turn, then `fallback`; `headers` on every answer. */
export const replying = (replies, fallback = 'success', headers) => () => ({ headers, body: replies.shift() ?? fallback });

/**
 * An `answer` for startMerchant that verifies each notice with the library, over the raw bytes: `clientOf(entry)`
 * picks the client (e.g. by path). The entry gets `verified` (and the ack is answered) or `error` (and `rejected`
 * is answered: 400 "rejected" unless given).
 */
export const verifying = (clientOf, rejected = { status: 400, headers: { 'content-type': 'text/plain' }, body: 'rejected' }) =>
  async (entry) => {
    try {
      entry.verified = await clientOf(entry).verifyNotification({ headers: entry.headers, body: entry.body });
      const { ack } = entry.verified;
      return { status: ack.status, headers: ack.headers, body: ack.body };
    } catch (e) {
      entry.error = e;
      return rejected;
    }
  };

/**
 * A fetch that records every call in `f.calls` ({ url, init, …describe(url, init) }) and forwards it to the real
 * fetch. `beforeSend(call)` runs first; `refuse` fails every call like ECONNREFUSED; `keepText` also records the
 * answer's `status` and `text` (the call is recorded once answered). `f.ops()` / `f.count(op)` read `call.op`.
 */
export function spyFetch({ describe, beforeSend, refuse = false, keepText = false } = {}) {
  const f = async (url, init) => {
    const call = { url, init, ...describe?.(url, init) };
    if (!keepText) f.calls.push(call);
    await beforeSend?.(call);
    if (refuse) {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error(`connect ECONNREFUSED ${new URL(url).host}`), { code: 'ECONNREFUSED' }),
      });
    }
    const res = await fetch(url, init);
    if (!keepText) return res;
    const text = await res.text();
    f.calls.push(Object.assign(call, { status: res.status, text }));
    return new Response(text, { status: res.status, headers: res.headers });
  };
  f.calls = [];
  f.ops = () => f.calls.map((c) => c.op);
  f.count = (op) => f.calls.filter((c) => c.op === op).length;
  return f;
}

/**
 * This test file's emulator on 127.0.0.1: started before its tests, stopped after them. The returned object stands
 * for it once started (`emu.url`, `emu.lakala.order(…)`, `clientFor(emu, …)`).
 */
export function useEmulator(options = {}) {
  let emu;
  before(async () => {
    emu = await startEmulator({ port: 0, ...options });
  });
  after(async () => {
    await emu?.close();
  });
  return new Proxy({}, {
    get: (_, key) => {
      const v = emu?.[key];
      return typeof v === 'function' ? v.bind(emu) : v;
    },
  });
}
