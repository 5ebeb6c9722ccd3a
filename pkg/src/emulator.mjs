// `aggpay/emulator`: the repository's gateway emulator (js-examples/emulator, copied beside this file into
// dist/emulator/ by pkg/build.mjs) behind a small, typed API for merchants' own test suites (emulator.d.ts).
// Node only (it is an HTTP server); no dependency. Every gateway comes from the emulator's registry: this file
// names none, so a new gateway appears here by its one registry line.
import { ADVERSARIAL_KINDS, CHAOS_KINDS, FAULT_KINDS, FAULT_OPERATIONS, startEmulator as start } from './emulator/index.mjs';
import { GATEWAYS } from './emulator/registry.mjs';

/** The gateways the emulator speaks, in registry order. */
export const PROVIDERS = Object.freeze([...GATEWAYS]);
export { ADVERSARIAL_KINDS, CHAOS_KINDS, FAULT_KINDS, FAULT_OPERATIONS };

const OPTIONS = ['providers', 'port', 'host', 'faults', 'chaos', 'gateways'];

function usage(message) {
  return new TypeError(`aggpay/emulator: ${message}`);
}

/** An Error (never a control-route status object) from what a gateway's controller threw. */
function rethrow(err) {
  if (err instanceof Error && typeof err.status === 'number') throw Object.assign(new Error(err.message), { status: err.status });
  throw err;
}

/** A controller call, its errors made plain Errors (rethrow), whether it answers at once or later. */
function calling(f) {
  try {
    const out = f();
    return out instanceof Promise ? out.catch(rethrow) : out;
  } catch (err) {
    return rethrow(err);
  }
}

/** An emulator call whose error is the caller's mistake (a bad spec). */
function asUsage(f) {
  try {
    return f();
  } catch (err) {
    throw usage(err.message);
  }
}

/**
 * Starts the emulator on 127.0.0.1 (or `host`, when asked). Resolves once it listens.
 * @param {import('./emulator.d.ts').EmulatorOptions} [options]
 * @returns {Promise<import('./emulator.d.ts').Emulator>}
 */
export async function startEmulator(options = {}) {
  if (!options || typeof options !== 'object' || Array.isArray(options)) throw usage('options must be an object');
  const unknown = Object.keys(options).filter((k) => !OPTIONS.includes(k));
  if (unknown.length) throw usage(`unknown option ${unknown.join(', ')} (options: ${OPTIONS.join(', ')})`);
  const { providers = PROVIDERS, port = 0, host = '127.0.0.1', faults = [], chaos, gateways = {} } = options;
  if (!Array.isArray(providers) || !providers.length || !providers.every((p) => PROVIDERS.includes(p))) {
    throw usage(`providers must be a non-empty array of ${PROVIDERS.join(', ')}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage('port must be an integer 0..65535 (0: a free port)');
  if (typeof host !== 'string' || !host) throw usage('host must be a non-empty string');
  if (!Array.isArray(faults)) throw usage('faults must be an array of fault specs');
  if (!gateways || typeof gateways !== 'object' || Array.isArray(gateways)
    || !Object.keys(gateways).every((p) => PROVIDERS.includes(p))) {
    throw usage(`gateways must map names of ${PROVIDERS.join(', ')} to their own options`);
  }

  const emu = await start({ ...gateways, providers: [...new Set(providers)], port, host, ...(chaos && { chaos }) });
  try {
    for (const f of faults) emu.faults.add(f);
  } catch (err) {
    await emu.close();
    throw usage(err.message);
  }

  const running = () => emu.conformance().map((d) => d.provider);
  /** The gateway's current description (credentials can change: a check-in rotates a terminal's key). */
  const describe = (provider) => {
    const d = emu.conformance().find((x) => x.provider === provider);
    if (!d) throw usage(`${provider} is not running here (running: ${running().join(', ')})`);
    return d;
  };
  const controller = (provider) => {
    describe(provider);
    return emu[provider];
  };
  const clientOptions = (provider, variant = 0) => {
    const d = describe(provider);
    const variants = d.variants ?? [];
    if (!Number.isInteger(variant) || variant < 0 || variant > variants.length) {
      throw usage(`${provider} has variants 0..${variants.length}`);
    }
    const base = { provider, baseUrl: `${emu.url}${d.basePath}`, credentials: structuredClone(d.credentials) };
    return variant === 0 ? base : { ...base, ...structuredClone(variants[variant - 1]) };
  };
  /** A delivered notification as the merchant received it: the exact body and the headers that carried it. */
  const captured = (provider, entry) => {
    const { headers: keys = [] } = describe(provider).notification ?? {};
    const headers = {};
    for (const k of keys) if (typeof entry[k] === 'string') headers[k] = entry[k];
    return {
      url: entry.url, headers, body: entry.body, attempt: entry.attempt, status: entry.status ?? null,
      reply: entry.reply ?? null, ...(entry.error && { error: entry.error }), ...(entry.duplicate && { duplicate: true }),
    };
  };

  let stopped = null;
  return {
    url: emu.url,
    port: emu.port,
    host,
    providers: running(),
    clientOptions,
    credentials: (provider) => clientOptions(provider).credentials,
    barcodes: (provider) => ({ ...describe(provider).barcodes }),
    orderKey: (provider) => describe(provider).orderKey,
    notificationsSigned: (provider) => Boolean(describe(provider).notification?.signed),
    buyerPays: (provider, orderNo) => calling(() => controller(provider).buyerPays(String(orderNo))),
    buyerDeclines(provider, orderNo) {
      const c = controller(provider);
      if (typeof c.buyerFails !== 'function') {
        const { declined } = describe(provider).barcodes ?? {};
        throw usage(`${provider} has no way for a buyer to decline a QR order${declined ? `; pay with the barcode ${declined} for a declined payment` : ''}`);
      }
      return calling(() => c.buyerFails(String(orderNo)));
    },
    order: (provider, orderNo) => controller(provider).order(String(orderNo)),
    ledger: (provider) => emu.ledger(provider),
    sendNotification: async (provider, orderNo, url) => calling(() => controller(provider).sendNotification(String(orderNo), url)),
    notifications: (provider) => controller(provider).notifications.map((e) => captured(provider, e)),
    injectFault(spec) {
      if (!spec || typeof spec !== 'object') throw usage('a fault spec is an object');
      if (spec.provider !== undefined) describe(spec.provider);
      return asUsage(() => emu.faults.add(spec));
    },
    faults: () => emu.faults.list(),
    clearFaults: () => emu.faults.clear(),
    chaos: {
      set: (spec) => asUsage(() => emu.chaos.set(spec)),
      clear: () => emu.chaos.clear(),
      stats: () => emu.chaos.stats(),
    },
    settle: () => emu.settle(),
    async reset() {
      const res = await fetch(`${emu.url}/__emulator/reset`, { method: 'POST' });
      await res.text();
    },
    lateDeliveries: () => emu.lateDeliveries,
    forgedNotices: () => emu.forgedNotices,
    banners: () => emu.banners(),
    stop() {
      stopped ??= emu.close();
      return stopped;
    },
  };
}
