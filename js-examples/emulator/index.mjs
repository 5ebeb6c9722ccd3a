// aggpay gateway emulator: a small HTTP server on 127.0.0.1 that speaks the payment gateways'
// wire protocols, written independently of the library so it double-checks the library's signing.
//
// The core here only routes requests, injects faults and serves the test-control routes; it treats every gateway
// alike and names none. The gateways are registry.mjs's `{ name: factory }` map, whose header documents the
// interface each gateway module implements (handle, control, conformance, the fault and adversary hooks, …).
// startEmulator(options) passes `options[name]` to each factory, and returns each controller as `emu[name]`.
//
// Chaos (seeded random faults, see createChaos) uses the gateways' isBarcodePay?(req) (the `stuck` fault makes
// such a pay behave as a `9300…` barcode through req.chaosStuck) and orderNo?(req) (for the chaos log), and their
// `hooks.duplicateNotify()`. Every controller offers `ledger()`: [{ provider, merchantOrderNo, providerOrderNo,
// paid, state, total, held }] over its payments, where `paid` means the buyer's money was taken and not (fully)
// returned, `held` is that amount in fen and `state` is the gateway's own order state; the core adds `everPaid`
// and `paidAmount` from the order's events (whether, and for how much, the buyer ever paid).
//
// The adversarial kinds (late, replay, other-order, contradict, foreign-notify) are applied here with adversary.mjs,
// through each gateway's own `adversary` hooks (which hold its platform keys, so it signs as the platform does).
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { postNotification } from './control.mjs';
import { MUTATING, createAdversary, freeze, gist } from './adversary.mjs';
import { registry, GATEWAYS } from './registry.mjs';

const MAX_BODY = 1 << 20; // 1 MiB is far more than any gateway request
/** What a world that is not merely unreliable does: answers and notices a client must not believe. */
export const ADVERSARIAL_KINDS = ['late', 'replay', 'other-order', 'contradict', 'foreign-notify'];
export const FAULT_KINDS = ['http500', 'maintenance', 'drop-before', 'drop-after', 'delay', 'bad-signature', 'no-signature', 'stuck',
  ...ADVERSARIAL_KINDS];
/** Per-request chaos faults, plus `duplicate-notify` (not per request: it acts on notifications). */
export const CHAOS_KINDS = ['drop-after', 'drop-before', 'delay', 'http500', 'maintenance', 'bad-signature', 'stuck',
  ...ADVERSARIAL_KINDS];
const CHAOS_ALL = [...CHAOS_KINDS, 'duplicate-notify'];
const CHAOS_LOG_MAX = 10_000;

/** The operations a fault can name instead of a path (what adversary.mjs's `operation(req)` hooks answer). */
export const FAULT_OPERATIONS = ['pay', 'precreate', 'query', 'refund', 'refundQuery', 'reverse', 'close'];

/**
 * Faults queued per path (and optionally per API `method`), or per gateway `provider` (and optionally `operation`,
 * one of FAULT_OPERATIONS: no wire path to know); each matching request consumes one.
 */
export function createFaults(names = GATEWAYS) {
  let queue = [];
  return {
    add({ path, kind, count = 1, ms = kind === 'late' ? 300 : 2000, method, provider, operation } = {}) {
      if (path === undefined && provider === undefined) throw new Error('a fault names a path or a provider (and an operation)');
      if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) throw new Error('fault path must start with "/"');
      if (operation !== undefined && !FAULT_OPERATIONS.includes(operation)) {
        throw new Error(`fault operation must be one of ${FAULT_OPERATIONS.join(', ')}`);
      }
      if (provider !== undefined && !names.includes(provider)) throw new Error(`fault provider must be one of ${names.join(', ')}`);
      if (operation !== undefined && provider === undefined) throw new Error('a fault that names an operation names its provider');
      if (!FAULT_KINDS.includes(kind)) throw new Error(`fault kind must be one of ${FAULT_KINDS.join(', ')}`);
      if (!Number.isInteger(count) || count < 1 || count > 1000) throw new Error('fault count must be an integer 1..1000');
      if (!Number.isInteger(ms) || ms < 0 || ms > 60_000) throw new Error('fault ms must be an integer 0..60000');
      if (method !== undefined && (typeof method !== 'string' || !method || method.length > 128)) {
        throw new Error('fault method must be a non-empty string');
      }
      const fault = {
        ...(path !== undefined && { path }), kind, count, ms, ...(method !== undefined && { method }),
        ...(provider !== undefined && { provider }), ...(operation !== undefined && { operation }),
      };
      queue.push(fault);
      return { ...fault };
    },
    /**
     * The fault for the next request to `path` (whose API method is `method`, if known; made to `provider`,
     * which is an `op` operation), or null.
     */
    take(path, method, provider, op) {
      const fault = queue.find((f) => (f.path === undefined || f.path === path)
        && (f.method === undefined || f.method === method)
        && (f.provider === undefined || f.provider === provider)
        && (f.operation === undefined || f.operation === op));
      if (!fault) return null;
      if (--fault.count === 0) queue = queue.filter((f) => f !== fault);
      return { kind: fault.kind, ms: fault.ms, choice: 0 }; // replay / other-order: the newest earlier answer
    },
    list: () => queue.map((f) => ({ ...f })),
    clear() { queue = []; },
  };
}

/** mulberry32: a small 32-bit PRNG, deterministic for its seed; returns floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from a number (its low 32 bits) or a string (FNV-1a of its UTF-8 bytes). */
function seed32(seed) {
  if (typeof seed === 'number') return Math.trunc(seed) >>> 0;
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(String(seed), 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

/**
 * Seeded chaos: for every gateway request (control routes excluded) a PRNG decides, with probability `rate`,
 * whether to inject one fault, chosen uniformly among the `kinds` that apply to that request. Two draws are made
 * per request whatever the outcome, so the faults depend only on the seed and the sequence of requests (never on
 * timing). Notifications draw from a second stream derived from the same seed.
 */
export function createChaos(names = GATEWAYS) {
  let cfg = null;
  let draw = null; // request stream
  let drawNotify = null; // notification stream
  let counters = fresh();

  function fresh() {
    const kinds = () => Object.fromEntries(CHAOS_KINDS.map((k) => [k, 0]));
    return {
      requests: 0, injected: 0, byKind: kinds(),
      byProvider: Object.fromEntries(names.map((p) => [p, { requests: 0, injected: 0, byKind: kinds() }])),
      notifications: { scheduled: 0, duplicated: 0, byProvider: Object.fromEntries(names.map((p) => [p, 0])) },
      log: [],
    };
  }

  const config = () => cfg && {
    ...cfg, kinds: [...cfg.kinds], ...(cfg.providers && { providers: [...cfg.providers] }), ...(cfg.weights && { weights: { ...cfg.weights } }),
  };

  return {
    /** Turns chaos on (or restarts it): the PRNGs start again from the seed and the counters from zero. */
    set(spec = {}) {
      if (!spec || typeof spec !== 'object') throw new Error('chaos spec must be an object');
      const { seed, rate, kinds, weights, delayMs = 1500, lateMs = 300, duplicateNotify, providers } = spec;
      if (!(Number.isSafeInteger(seed) || (typeof seed === 'string' && seed.length > 0 && seed.length <= 256))) {
        throw new Error('chaos seed must be an integer or a non-empty string');
      }
      if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new Error('chaos rate must be a number 0..1');
      if (kinds !== undefined && (!Array.isArray(kinds) || kinds.length === 0 || !kinds.every((k) => CHAOS_ALL.includes(k)))) {
        throw new Error(`chaos kinds must be a non-empty array of ${CHAOS_ALL.join(', ')}`);
      }
      if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > 60_000) throw new Error('chaos delayMs must be an integer 0..60000');
      if (!Number.isInteger(lateMs) || lateMs < 0 || lateMs > 60_000) throw new Error('chaos lateMs must be an integer 0..60000');
      if (weights !== undefined && (!weights || typeof weights !== 'object' || Array.isArray(weights)
        || !Object.entries(weights).every(([k, w]) => CHAOS_KINDS.includes(k) && typeof w === 'number' && w >= 0 && w <= 1000))) {
        throw new Error(`chaos weights must map kinds of ${CHAOS_KINDS.join(', ')} to numbers 0..1000`);
      }
      if (duplicateNotify !== undefined && (typeof duplicateNotify !== 'number' || !(duplicateNotify >= 0 && duplicateNotify <= 1))) {
        throw new Error('chaos duplicateNotify must be a number 0..1');
      }
      if (providers !== undefined && (!Array.isArray(providers) || !providers.every((p) => names.includes(p)))) {
        throw new Error(`chaos providers must be an array of ${names.join(', ')}`);
      }
      const chosen = kinds ?? CHAOS_ALL;
      cfg = {
        seed, rate, kinds: chosen.filter((k) => k !== 'duplicate-notify'), delayMs, lateMs,
        ...(weights && { weights: { ...weights } }),
        duplicateNotify: duplicateNotify ?? (chosen.includes('duplicate-notify') ? 1 : 0),
        ...(providers && { providers: [...new Set(providers)] }),
      };
      const s = seed32(seed);
      draw = mulberry32(s);
      drawNotify = mulberry32(s ^ 0x9e3779b9);
      counters = fresh();
      return config();
    },
    /** Turns chaos off. The counters stay readable through stats() until the next set() or reset. */
    clear() {
      cfg = null;
    },
    /** Off, and the counters back to zero (POST /__emulator/reset). */
    reset() {
      cfg = null;
      counters = fresh();
    },
    get enabled() {
      return cfg !== null;
    },
    stats() {
      return { enabled: cfg !== null, config: config(), ...structuredClone(counters) };
    },
    /**
     * The fault for this gateway request, or null. `record: false` (a queued fault wins) still makes the draws,
     * so the chaos sequence does not depend on the queued faults, but counts nothing.
     */
    decide(provider, req, { operation, record = true, applies = () => true } = {}) {
      if (!cfg || (cfg.providers && !cfg.providers.includes(provider.name))) return null;
      const hit = draw() < cfg.rate;
      const pick = draw();
      const p = counters.byProvider[provider.name];
      if (record) {
        counters.requests += 1;
        if (p) p.requests += 1;
      }
      if (!hit) return null;
      const applicable = cfg.kinds.filter((k) =>
        (k !== 'bad-signature' || typeof provider.tamper === 'function')
        && (k !== 'stuck' || provider.isBarcodePay?.(req) === true)
        && applies(k));
      // The kind: by weight (1 unless `weights` says otherwise) among the applicable ones. `choice`, what is left
      // of the draw, is uniform in [0, 1) again: it picks the replayed answer.
      const weight = (k) => cfg.weights?.[k] ?? 1;
      const total = applicable.reduce((sum, k) => sum + weight(k), 0);
      if (!(total > 0)) return null;
      let at = pick * total;
      let kind;
      for (const k of applicable) {
        if (weight(k) === 0) continue;
        kind = k;
        if (at < weight(k)) break;
        at -= weight(k);
      }
      const choice = Math.min(Math.max(at / weight(kind), 0), 1 - Number.EPSILON);
      let entry;
      if (record) {
        counters.injected += 1;
        counters.byKind[kind] += 1;
        if (p) { p.injected += 1; p.byKind[kind] += 1; }
        if (counters.log.length < CHAOS_LOG_MAX) {
          let orderNo;
          try { orderNo = provider.orderNo?.(req); } catch { /* best effort */ }
          entry = {
            seq: counters.requests, provider: provider.name, path: req.pathname, operation, kind,
            ...(orderNo !== undefined && { merchantOrderNo: orderNo }),
          };
          counters.log.push(entry);
        }
      }
      return { kind, ms: kind === 'late' ? cfg.lateMs : cfg.delayMs, choice, chaos: true, entry };
    },
    /** Whether the notification being scheduled now by `providerName` is to be delivered twice. */
    duplicateNotify(providerName) {
      if (!cfg || (cfg.providers && !cfg.providers.includes(providerName))) return false;
      counters.notifications.scheduled += 1;
      const dup = cfg.duplicateNotify > 0 && drawNotify() < cfg.duplicateNotify;
      if (dup) {
        counters.notifications.duplicated += 1;
        if (providerName in counters.notifications.byProvider) counters.notifications.byProvider[providerName] += 1;
      }
      return dup;
    },
  };
}

const ANSWERS_KEPT = 64; // earlier answers per provider, for `replay` and `other-order`
const FORGED_LOG_MAX = 10_000;

/**
 * Starts the emulator. `options.providers`: the gateways to run (default all of the registry); `options.host`: the
 * address to listen on (default 127.0.0.1: never beyond the loopback unless asked); `options.port` (default 0: a free
 * one); `options.chaos`: seeded random faults from the start; `options[name]`: a gateway's own knobs.
 */
export async function startEmulator(options = {}) {
  const names = options.providers ?? GATEWAYS;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => GATEWAYS.includes(n))) {
    throw new Error(`providers must be a non-empty array of ${GATEWAYS.join(', ')}`);
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || !host) throw new Error('host must be a non-empty string');
  const faults = createFaults(names);
  const chaos = createChaos(names);
  const hooks = (name) => ({ duplicateNotify: () => chaos.duplicateNotify(name) });
  const providers = await Promise.all(Object.entries(registry).filter(([name]) => names.includes(name))
    .map(([name, factory]) => factory({ ...options[name] }, hooks(name))));
  if (options.chaos) chaos.set(options.chaos);
  const adversary = createAdversary({ gateways: Object.fromEntries(providers.map((p) => [p.name, p])) });
  const closing = new AbortController(); // cancels pending `delay` / `late` faults on close()
  const sockets = new Set();

  // Earlier genuine answers, newest first, per provider: { op, orderNo, frozen } (for replay / other-order).
  let answers = new Map(providers.map((p) => [p.name, []]));
  let lateLog = []; // one entry per late request: { provider, path, operation, merchantOrderNo, receivedAt, processedAt }
  let forgedLog = []; // one entry per forged notice: { provider, merchantOrderNo, url, headers, body, status, reply, error? }
  const pending = new Set(); // late requests and forged notices not yet over
  let epoch = 0; // bumped by reset: a late request received before it is dropped, never processed after it
  const track = (promise) => {
    const p = promise.catch(() => {});
    pending.add(p);
    p.finally(() => pending.delete(p));
    return promise;
  };

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

  /** Earlier answers this request could be given instead: another order's, and (for other-order) the same operation. */
  function candidates(provider, info, sameOp) {
    if (!info.op) return [];
    return answers.get(provider.name).filter((a) =>
      a.orderNo !== undefined && a.orderNo !== info.orderNo && (!sameOp || a.op === info.op));
  }

  /** Whether a fault kind can act on this request (decided before it is processed). */
  function applies(kind, provider, info, req) {
    switch (kind) {
      case 'late': return MUTATING.has(info.op);
      case 'replay': return candidates(provider, info, false).length > 0;
      case 'other-order': return candidates(provider, info, true).length > 0;
      case 'contradict': return adversary.canContradict(provider.name, info, req);
      case 'foreign-notify': return adversary.canForge(provider.name, info);
      default: return true;
    }
  }

  function remember(provider, info, frozen) {
    if (!info.op) return;
    const list = answers.get(provider.name);
    list.unshift({ op: info.op, orderNo: info.orderNo, frozen });
    if (list.length > ANSWERS_KEPT) list.length = ANSWERS_KEPT;
  }

  /** POSTs another merchant's notice for this order to its notify URL, in the background. */
  function forge(provider, info) {
    const notice = adversary.forgeNotice(provider.name, info);
    if (!notice) return null;
    const entry = { provider: provider.name, merchantOrderNo: info.orderNo, ...notice, at: Date.now(), status: null, reply: null };
    if (forgedLog.length < FORGED_LOG_MAX) forgedLog.push(entry);
    const signal = AbortSignal.any([closing.signal, AbortSignal.timeout(3000)]);
    track(postNotification(entry, notice.url, notice.headers, notice.body, signal));
    return entry;
  }

  async function route(req, res) {
    const url = new URL(req.url, 'http://127.0.0.1');
    const body = await readBody(req);
    if (body === null) return send(res, { status: 413, json: { error: 'request body too large' } });
    const request = { method: req.method, pathname: url.pathname, query: url.searchParams, headers: req.headers, body };

    if (url.pathname.startsWith('/__emulator/')) return send(res, await control(request));

    const provider = providers.find((p) => p.handles(req.method, url.pathname));
    if (!provider) return send(res, { status: 404, json: { error: `no route for ${req.method} ${url.pathname}` } });

    const operation = provider.faultMethod?.(request);
    const info = adversary.describe(provider, request);
    const queued = faults.take(url.pathname, operation, provider.name, info.op);
    // Chaos draws for every gateway request; a queued fault wins (and the chaos draw is not counted).
    const random = chaos.decide(provider, request, {
      operation: operation ?? url.pathname, record: !queued, applies: (k) => applies(k, provider, info, request),
    });
    const fault = queued ?? random;
    const note = (details) => fault?.entry && Object.assign(fault.entry, details);
    if (info.op) note({ op: info.op }); // pay, precreate, query, refund, refundQuery, reverse or close
    // Faults that stop the request before the gateway acts on it.
    if (fault?.kind === 'drop-before') return req.socket.destroy();
    if (fault?.kind === 'http500') return send(res, { status: 500, text: 'Internal Server Error (emulated fault)' });
    if (fault?.kind === 'maintenance') {
      return send(res, provider.maintenance?.(request) ?? { status: 503, text: 'Service Unavailable (emulated maintenance)' });
    }
    if (fault?.kind === 'replay') {
      // Someone answers in the gateway's place with an earlier genuine answer: the request is never processed.
      const list = candidates(provider, info, false);
      if (list.length) {
        const old = list[Math.floor(fault.choice * list.length)];
        note({ replayed: { op: old.op, merchantOrderNo: old.orderNo } });
        return send(res, old.frozen);
      }
    }
    if (fault?.kind === 'contradict') {
      // A reversal or close that is not processed, answered "done" with the order's true (unreversed) state.
      const answer = adversary.contradictUnprocessed(provider.name, request, info);
      if (answer) {
        note({ contradiction: gist(answer), processed: false });
        return send(res, answer);
      }
    }
    if (fault?.kind === 'stuck') request.chaosStuck = true;

    let response;
    if (fault?.kind === 'late') {
      // The gateway gets the request but acts on it only `ms` later, long after a client's timeout.
      const entry = {
        provider: provider.name, path: url.pathname, operation: operation ?? url.pathname,
        ...(info.orderNo !== undefined && { merchantOrderNo: info.orderNo }), receivedAt: Date.now(), processedAt: null,
      };
      lateLog.push(entry);
      const received = epoch;
      response = await track((async () => {
        await sleep(fault.ms, undefined, { signal: closing.signal }).catch(() => {});
        if (closing.signal.aborted || epoch !== received) return null; // shut down or reset first: never processed
        const r = await provider.handle(request);
        entry.processedAt = Date.now();
        return r;
      })());
      if (response === null) return req.socket.destroy();
    } else {
      response = await provider.handle(request);
    }
    let frozen = freeze(response);
    remember(provider, info, frozen);

    if (fault?.kind === 'contradict') {
      const answer = adversary.contradictProcessed(provider.name, frozen, request, info);
      if (answer) {
        note({ contradiction: gist(answer), processed: true });
        frozen = answer;
      }
    }
    if (fault?.kind === 'other-order') {
      // The gateway acted, then answered with another order's answer to the same operation (signed afresh).
      // An answer that says something else than the genuine one is preferred.
      const list = candidates(provider, info, true).filter((a) => a.frozen !== frozen);
      const differing = list.filter((a) => gist(a.frozen) !== gist(frozen));
      const pool = differing.length ? differing : list;
      if (pool.length) {
        const other = pool[Math.floor(fault.choice * pool.length)];
        note({ answeredFor: other.orderNo });
        frozen = adversary.refresh(provider.name, other.frozen);
      }
    }
    if (fault?.kind === 'foreign-notify' && adversary.canForge(provider.name, info)) forge(provider, info);

    if (fault?.kind === 'bad-signature' || fault?.kind === 'no-signature') frozen = provider.tamper?.(fault.kind, frozen) ?? frozen;
    // Faults that let the gateway act, then lose or slow down the answer.
    if (fault?.kind === 'drop-after') return req.socket.destroy();
    if (fault?.kind === 'delay') {
      await sleep(fault.ms, undefined, { signal: closing.signal }).catch(() => {});
      if (closing.signal.aborted) return req.socket.destroy();
    }
    send(res, frozen);
  }

  /** Resolves once no late request, forged notice or notification delivery (with its retries) is pending. */
  async function settle() {
    for (;;) {
      if (pending.size) await Promise.allSettled([...pending]);
      for (const p of providers) await p.controller.flushNotifications?.();
      if (!pending.size) return;
    }
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
    if (pathname === '/__emulator/chaos') {
      if (method === 'GET') return { json: chaos.stats() };
      if (method === 'DELETE') { chaos.clear(); return { json: chaos.stats() }; }
      if (method === 'POST') {
        const spec = parseJson(req.body);
        if (!spec) return { status: 400, json: { error: 'body must be a JSON object' } };
        try { return { json: chaos.set(spec) }; } catch (err) { return { status: 400, json: { error: err.message } }; }
      }
    }
    if (pathname === '/__emulator/ledger' && method === 'GET') {
      const only = req.query.get('provider');
      if (only !== null && !providers.some((p) => p.name === only)) return { status: 404, json: { error: `no provider ${only}` } };
      return { json: ledger(only) };
    }
    if (pathname === '/__emulator/conformance' && method === 'GET') return { json: conformance() };
    if (pathname === '/__emulator/late' && method === 'GET') return { json: lateDeliveries() };
    if (pathname === '/__emulator/forged-notices' && method === 'GET') return { json: forgedNotices() };
    if (pathname === '/__emulator/settle' && method === 'POST') {
      await settle();
      return { json: { ok: true } };
    }
    if (pathname === '/__emulator/reset' && method === 'POST') {
      faults.clear();
      chaos.reset();
      for (const p of providers) p.reset();
      answers = new Map(providers.map((p) => [p.name, []]));
      epoch += 1;
      lateLog = [];
      forgedLog = [];
      return { json: { ok: true } };
    }
    const [, , name, ...rest] = pathname.split('/'); // '', '__emulator', name, ...
    const provider = providers.find((p) => p.name === name);
    const response = provider && (await provider.control({ ...req, subpath: rest.join('/') }));
    return response ?? { status: 404, json: { error: `no control route ${method} ${pathname}` } };
  }

  /**
   * Every provider's payments as uniform ledger entries (or one provider's), plus `everPaid` and `paidAmount`
   * (the amount taken when the buyer paid, 0 if never) from the order's own events.
   */
  const ledger = (only) => providers.filter((p) => !only || p.name === only).flatMap((p) =>
    p.controller.ledger().map((e) => {
      const paid = (p.controller.order(e.providerOrderNo)?.events ?? []).find((ev) => ev.type === 'paid');
      return { ...e, everPaid: Boolean(paid), paidAmount: paid ? paid.amount : 0 };
    }));
  /** [{ provider, ...the gateway's conformance() }] in registry order. */
  const conformance = () => providers.map((p) => ({ provider: p.name, ...p.conformance() }));
  const lateDeliveries = () => lateLog.map((e) => ({ ...e }));
  const forgedNotices = () => forgedLog.map((e) => ({ ...e, headers: { ...e.headers } }));

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => { server.off('error', reject); resolve(); });
  });
  const { port } = server.address();
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closed = null;
  return {
    url: origin,
    port,
    ...Object.fromEntries(providers.map((p) => [p.name, p.controller])),
    /** Per gateway, how a client is configured and driven against this emulator (GET /__emulator/conformance). */
    conformance: () => conformance(),
    /** What server.mjs prints at start: one text per gateway that has one. */
    banners: () => providers.map((p) => p.banner?.(origin)).filter(Boolean),
    faults,
    chaos: {
      set: (spec) => chaos.set(spec),
      clear: () => chaos.clear(),
      stats: () => chaos.stats(),
      get enabled() { return chaos.enabled; },
    },
    ledger,
    /** Late requests: { provider, path, operation, merchantOrderNo?, receivedAt, processedAt (null until it lands) }. */
    get lateDeliveries() { return lateDeliveries(); },
    /** Notices forged for another merchant: { provider, merchantOrderNo, url, headers, body, status, reply, error? }. */
    get forgedNotices() { return forgedNotices(); },
    settle,
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

function send(res, { status = 200, json, jsonText, text, html, raw, headers }) {
  if (res.destroyed) return;
  let type = 'text/plain; charset=utf-8';
  let body = text ?? '';
  if (raw !== undefined) ({ type, body } = raw);
  else if (json !== undefined) { type = 'application/json; charset=utf-8'; body = JSON.stringify(json); }
  else if (jsonText !== undefined) { type = 'application/json; charset=utf-8'; body = jsonText; }
  else if (html !== undefined) { type = 'text/html; charset=utf-8'; body = html; }
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
