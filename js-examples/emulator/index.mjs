// aggpay gateway emulator: a small HTTP server on 127.0.0.1 that speaks the payment gateways'
// wire protocols, written independently of the library so it double-checks the library's signing.
//
// The core here only routes requests, injects faults and serves the test-control routes. Each gateway
// lives in its own provider module with this shape:
//
//   { name, handles(method, pathname), handle(req), control(req), maintenance?(), reset(), close(), controller }
//
//   req      = { method, pathname, query: URLSearchParams, headers, body: Buffer, subpath? }
//   response = { status = 200, json } | { status, text } | { status, html }
//
// `handle` answers the gateway API; `control(req)` answers `/__emulator/<name>/<subpath>` (null → 404);
// `maintenance()` is the provider's own "down for maintenance" answer used by the `maintenance` fault.
// `faultMethod?(req)` names the API method of a request (e.g. Fubei's body `method` field) for method-filtered
// faults. A response may also be `{ status, jsonText }`: JSON already serialized (exact decimal amounts).
// Any response may carry extra `headers`. `tamper?(kind, response)` applies the `bad-signature` / `no-signature`
// faults to a signed response (providers whose responses are not signed leave it out: those faults do nothing).
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createShouqianba } from './shouqianba.mjs';
import { createFubei } from './fubei.mjs';
import { createLakala } from './lakala.mjs';
import { createTingyihui } from './tingyihui.mjs';

const MAX_BODY = 1 << 20; // 1 MiB is far more than any gateway request
const FAULT_KINDS = ['http500', 'maintenance', 'drop-before', 'drop-after', 'delay', 'bad-signature', 'no-signature'];

/** Faults queued per path (and optionally per API `method`); each matching request consumes one. */
export function createFaults() {
  let queue = [];
  return {
    add({ path, kind, count = 1, ms = 2000, method } = {}) {
      if (typeof path !== 'string' || !path.startsWith('/')) throw new Error('fault path must start with "/"');
      if (!FAULT_KINDS.includes(kind)) throw new Error(`fault kind must be one of ${FAULT_KINDS.join(', ')}`);
      if (!Number.isInteger(count) || count < 1 || count > 1000) throw new Error('fault count must be an integer 1..1000');
      if (!Number.isInteger(ms) || ms < 0 || ms > 60_000) throw new Error('fault ms must be an integer 0..60000');
      if (method !== undefined && (typeof method !== 'string' || !method || method.length > 128)) {
        throw new Error('fault method must be a non-empty string');
      }
      const fault = { path, kind, count, ms, ...(method !== undefined && { method }) };
      queue.push(fault);
      return { ...fault };
    },
    /** The fault for the next request to `path` (whose API method is `method`, if known), or null. */
    take(path, method) {
      const fault = queue.find((f) => f.path === path && (f.method === undefined || f.method === method));
      if (!fault) return null;
      if (--fault.count === 0) queue = queue.filter((f) => f !== fault);
      return { kind: fault.kind, ms: fault.ms };
    },
    list: () => queue.map((f) => ({ ...f })),
    clear() { queue = []; },
  };
}

export async function startEmulator(options = {}) {
  const faults = createFaults();
  const shouqianba = await createShouqianba(options.shouqianba ?? {});
  const fubei = createFubei(options.fubei ?? {});
  const lakala = await createLakala(options.lakala ?? {});
  const tingyihui = await createTingyihui(options.tingyihui ?? {});
  const providers = [shouqianba, fubei, lakala, tingyihui];
  const closing = new AbortController(); // cancels pending `delay` faults on close()
  const sockets = new Set();

  const server = http.createServer((req, res) => {
    route(req, res).catch((err) => {
      if (!res.headersSent && !res.destroyed) send(res, { status: 500, json: { error: `emulator error: ${err.message}` } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function route(req, res) {
    const url = new URL(req.url, 'http://127.0.0.1');
    const body = await readBody(req);
    if (body === null) return send(res, { status: 413, json: { error: 'request body too large' } });
    const request = { method: req.method, pathname: url.pathname, query: url.searchParams, headers: req.headers, body };

    if (url.pathname.startsWith('/__emulator/')) return send(res, await control(request));

    const provider = providers.find((p) => p.handles(req.method, url.pathname));
    if (!provider) return send(res, { status: 404, json: { error: `no route for ${req.method} ${url.pathname}` } });

    const fault = faults.take(url.pathname, provider.faultMethod?.(request));
    // Faults that stop the request before the gateway acts on it.
    if (fault?.kind === 'drop-before') return req.socket.destroy();
    if (fault?.kind === 'http500') return send(res, { status: 500, text: 'Internal Server Error (emulated fault)' });
    if (fault?.kind === 'maintenance') {
      return send(res, provider.maintenance?.() ?? { status: 503, text: 'Service Unavailable (emulated maintenance)' });
    }

    let response = await provider.handle(request);
    if (fault?.kind === 'bad-signature' || fault?.kind === 'no-signature') response = provider.tamper?.(fault.kind, response) ?? response;
    // Faults that let the gateway act, then lose or slow down the answer.
    if (fault?.kind === 'drop-after') return req.socket.destroy();
    if (fault?.kind === 'delay') {
      await sleep(fault.ms, undefined, { signal: closing.signal }).catch(() => {});
      if (closing.signal.aborted) return req.socket.destroy();
    }
    send(res, response);
  }

  async function control(req) {
    const { method, pathname } = req;
    if (pathname === '/__emulator/faults') {
      if (method === 'GET') return { json: faults.list() };
      if (method === 'DELETE') { faults.clear(); return { json: { ok: true } }; }
      if (method === 'POST') {
        const spec = parseJson(req.body);
        if (!spec) return { status: 400, json: { error: 'body must be a JSON object' } };
        try { return { json: faults.add(spec) }; } catch (err) { return { status: 400, json: { error: err.message } }; }
      }
    }
    if (pathname === '/__emulator/reset' && method === 'POST') {
      faults.clear();
      for (const p of providers) p.reset();
      return { json: { ok: true } };
    }
    const [, , name, ...rest] = pathname.split('/'); // '', '__emulator', name, ...
    const provider = providers.find((p) => p.name === name);
    const response = provider && (await provider.control({ ...req, subpath: rest.join('/') }));
    return response ?? { status: 404, json: { error: `no control route ${method} ${pathname}` } };
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const { port } = server.address();

  let closed = null;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    shouqianba: shouqianba.controller,
    fubei: fubei.controller,
    lakala: lakala.controller,
    tingyihui: tingyihui.controller,
    faults,
    close() {
      closed ??= (async () => {
        closing.abort();
        for (const p of providers) p.close();
        const done = new Promise((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy(); // keep-alive sockets would hold close() open
        await done;
      })();
      return closed;
    },
  };
}

/** The request body as a Buffer, or null when it exceeds MAX_BODY. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) { resolve(null); req.resume(); return; }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A JSON object from a Buffer, or null when it is not one. */
function parseJson(buffer) {
  try {
    const value = JSON.parse(buffer.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

function send(res, { status = 200, json, jsonText, text, html, headers }) {
  if (res.destroyed) return;
  let type = 'text/plain; charset=utf-8';
  let body = text ?? '';
  if (json !== undefined) { type = 'application/json; charset=utf-8'; body = JSON.stringify(json); }
  else if (jsonText !== undefined) { type = 'application/json; charset=utf-8'; body = jsonText; }
  else if (html !== undefined) { type = 'text/html; charset=utf-8'; body = html; }
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
