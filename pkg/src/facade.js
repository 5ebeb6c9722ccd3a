// The thin JS facade over the Rust core: host capabilities (fetch, clock, randomness), byte handling,
// and AggpayError. Every rule about money, signing and status lives in Rust.
import * as core from 'aggpay-core';

let ready = false;
let platform = {};

/**
 * Instantiates the WebAssembly module synchronously from its bytes or a compiled WebAssembly.Module
 * (Node, Workers). Once per process; later calls do nothing. `host.nodeCrypto` is node:crypto where the
 * runtime has it; `host.fetch` the default transport where there is no global fetch (mini-programs).
 */
export function initSync(source, host = {}) {
  if (!ready) {
    core.initSync({ module: source });
    platform = host;
    ready = true;
  }
}

/**
 * Instantiates the module from bytes, a WebAssembly.Module, a Response (or a promise of one), or a URL
 * to fetch — whatever the runtime can give. The `aggpay/slim` entry leaves this to the caller.
 */
export async function init(source, host = {}) {
  if (!ready) {
    await core.default({ module_or_path: source });
    platform = host;
    ready = true;
  }
}

/** For runtimes whose module loader is their own (mini-programs): `(imports) => Promise<{ instance, module }>`. */
export async function initWith(instantiate, host = {}) {
  if (!ready) {
    const { instance, module } = await instantiate(core.__wbg_get_imports());
    core.__wbg_finalize_init(instance, module);
    platform = host;
    ready = true;
  }
}

/** A programmer mistake or a rejected notification: thrown before anything is sent. */
export class AggpayError extends Error {
  constructor(info) {
    super(info.message);
    this.name = 'AggpayError';
    this.code = info.code;
    this.retryable = Boolean(info.retryable);
    if (info.field !== undefined) this.field = info.field;
    if (info.reason !== undefined) this.reason = info.reason;
    if (info.providerCode !== undefined) this.providerCode = info.providerCode;
    if (info.providerMessage !== undefined) this.providerMessage = info.providerMessage;
  }
}

function fail(code, field, message) {
  return new AggpayError({ code, field, message: field ? `${field} ${message}` : message, retryable: false });
}

// The core throws real Error objects named AggpayCoreError carrying its Error's fields; they become
// AggpayErrors. Anything else (a host's own exception surfacing through the core) passes unchanged.
const CORE_ERROR = 'AggpayCoreError';

function call(fn) {
  if (!ready) throw fail('INVALID_CONFIG', 'init', 'the WebAssembly module is not loaded yet: with aggpay/slim, await init(wasm) first');
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && e.name === CORE_ERROR && typeof e.code === 'string') throw new AggpayError(e);
    throw e;
  }
}

/** Yuan decimal text → integer fen, exactly: yuanToFen("9.80") === 980. */
export function yuanToFen(text) {
  if (typeof text !== 'string') {
    throw fail('INVALID_INPUT', 'amount', `must be yuan as decimal text like "9.80" (got ${typeof text}; a float cannot hold yuan exactly)`);
  }
  return call(() => core.yuanToFen(text));
}

/** Integer fen → yuan text with two decimals: fenToYuan(980) === "9.80". */
export function fenToYuan(fen) {
  if (typeof fen !== 'number' || !Number.isSafeInteger(fen)) {
    throw fail('INVALID_INPUT', 'fen', `must be a non-negative safe integer (got ${typeof fen === 'number' ? fen : typeof fen})`);
  }
  return call(() => core.fenToYuan(fen));
}

const encoder = new TextEncoder();

function bodyBytes(body, what) {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof body === 'string') return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  throw fail('INVALID_INPUT', `${what}.body`, 'must be the raw body as a string or bytes (not parsed JSON: signatures cover the exact bytes received)');
}

function plainHeaders(headers) {
  const out = {};
  if (!headers) return out;
  const entries = typeof headers.entries === 'function' && !Array.isArray(headers) ? headers.entries() : Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [k, v] of entries) if (v !== undefined) out[String(k).toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

function sleepFor(ms, signal) {
  return new Promise((resolve, reject) => {
    // The listener goes when the timer fires: a signal reused across many polls must not collect them.
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// Longest timer a JavaScript host honours; Node turns a longer one into 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

// The core's limit on bodies and inputs. Checked here before anything is copied into wasm memory:
// a body that filled it would trap and kill the module for every client.
let maxBytes;
const limit = () => (maxBytes ??= core.maxBodyBytes());

/**
 * Reads a fetch response's body, stopping once it exceeds the limit: returns bytes (or text from an
 * adapter with only text()), or { tooLarge: n } with the bytes seen so far.
 */
async function readCapped(res) {
  const max = limit();
  const declared = Number(typeof res.headers?.get === 'function' ? res.headers.get('content-length') : undefined);
  if (declared > max) {
    res.body?.cancel?.().catch(() => {});
    return { tooLarge: declared };
  }
  if (typeof res.body?.getReader === 'function') {
    const reader = res.body.getReader();
    const chunks = [];
    let n = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.byteLength;
      if (n > max) {
        reader.cancel().catch(() => {});
        return { tooLarge: n };
      }
      chunks.push(value);
    }
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
  const body = typeof res.arrayBuffer === 'function' ? new Uint8Array(await res.arrayBuffer()) : await res.text();
  const n = typeof body === 'string' ? body.length : body?.byteLength;
  return n > max ? { tooLarge: n } : body;
}


function defaultNonce() {
  const bytes = new Uint8Array(16);
  // In Node and Bun, node:crypto is loaded already; the global Web Crypto object loads more of Node on first use
  // (~2 ms of a cold start's first build, BENCHMARKS.md). Node 18 has no global crypto unless flagged.
  if (platform.nodeCrypto) platform.nodeCrypto.randomFillSync(bytes);
  else globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const SIGNERS = ['auto', 'wasm', 'node', 'webcrypto'];

function toBytes(sig, what) {
  if (sig instanceof Uint8Array) return sig;
  if (sig instanceof ArrayBuffer) return new Uint8Array(sig);
  if (ArrayBuffer.isView(sig)) return new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength);
  throw fail('INVALID_CONFIG', what, 'must resolve to the signature bytes (Uint8Array)');
}

// SHA256withRSA (PKCS#1 v1.5) is deterministic, so every path yields the same bytes: platform crypto
// where there is one (faster, and not exposed to RUSTSEC-2023-0071), the blinded Rust signer otherwise.
function pickSigner(choice, inner) {
  // host.beforeWasmSign: a runtime whose randomness arrives asynchronously (mini-programs) tops it up here.
  const wasm = { kind: 'wasm', sign: async (bytes) => {
    await platform.beforeWasmSign?.();
    return call(() => inner.signWasm(bytes));
  } };
  if (typeof choice === 'function') return { kind: 'custom', sign: async (bytes) => toBytes(await choice(bytes), 'signer') };
  if (choice === 'wasm') return wasm;
  const der = inner.privateKeyPkcs8();
  if (der === undefined) return wasm; // the core refuses: this provider has no RSA key
  const node = platform.nodeCrypto;
  if ((choice === 'auto' || choice === 'node') && node) {
    const key = node.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return { kind: 'node', sign: async (bytes) => new Uint8Array(node.sign('sha256', bytes, key)) };
  }
  const subtle = globalThis.crypto?.subtle;
  if ((choice === 'auto' || choice === 'webcrypto') && subtle) {
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const key = subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
    key.catch(() => {}); // reported when used
    return { kind: 'webcrypto', sign: async (bytes) => new Uint8Array(await subtle.sign(algorithm, await key, bytes)) };
  }
  if (choice !== 'auto') throw fail('INVALID_CONFIG', 'signer', `'${choice}' is not available in this runtime`);
  return wasm;
}

// RSA verification of answers and notifications, chosen like the signer. The core decides: it hands over the
// exact bytes, the signature and which of the client's keys (`Verification`), and `settle` continues with the
// answer — only a boolean `true` passes, and it counts for exactly those parts. Public keys come from the core
// as SPKI DER and are imported once per client and key.
const VERIFIERS = ['auto', 'wasm', 'node', 'webcrypto'];

function pickVerifier(choice, inner) {
  const spki = new Map();
  const der = (use) => {
    if (!spki.has(use)) spki.set(use, inner.publicKeySpki(use));
    return spki.get(use);
  };
  // node:crypto and the Rust verifier answer synchronously; WebCrypto and a caller's own may return a promise.
  const wasm = { kind: 'wasm', verify: (message, signature, use) => call(() => inner.verifyWasm(message, signature, use)) };
  if (typeof choice === 'function') return { kind: 'custom', verify: (message, signature, use) => choice(message, signature, der(use), use) };
  if (choice === 'wasm') return wasm;
  const keys = new Map();
  const once = (use, importKey) => {
    if (!keys.has(use)) keys.set(use, importKey(der(use)));
    return keys.get(use);
  };
  const node = platform.nodeCrypto;
  if ((choice === 'auto' || choice === 'node') && node) {
    const importKey = (d) => node.createPublicKey({ key: d, format: 'der', type: 'spki' });
    return { kind: 'node', verify: (message, signature, use) => node.verify('sha256', message, once(use, importKey), signature) };
  }
  const subtle = globalThis.crypto?.subtle;
  if ((choice === 'auto' || choice === 'webcrypto') && subtle) {
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const importKey = (d) => {
      const key = subtle.importKey('spki', d, algorithm, false, ['verify']);
      key.catch(() => {}); // reported when used
      return key;
    };
    return { kind: 'webcrypto', verify: async (message, signature, use) => subtle.verify(algorithm, await once(use, importKey), signature, message) };
  }
  if (choice !== 'auto') throw fail('INVALID_CONFIG', 'verifier', `'${choice}' is not available in this runtime`);
  return wasm;
}

// ---------------------------------------------------------------- redacted exchange logs (onExchange)
//
// Transcript scrubbing (ActiveMerchant's idea) for every provider, in this one function family and
// nowhere else. It lives in the facade, not in Rust, because only the facade holds all of its inputs:
// the request and response exactly as they crossed the transport (headers included), the credentials
// as the merchant wrote them (a PEM's text: the core keeps only the parsed key), and the activation input.
// Doing it here also costs nothing when no hook is set, and copies nothing more into wasm memory.
// Two layers: named fields and headers that carry signatures or keys, then — as a backstop for anything
// those rules miss — every occurrence of a secret value the client knows.
const SCRUBBED = '[SCRUBBED]';
/** Body (JSON or form) and result fields whose value is a signature or a key, for every provider. */
const SECRET_FIELDS = ['sign', 'signature', 'terminal_key', 'vendor_key', 'terminalKey', 'vendorKey', 'appSecret', 'vendorSecret', 'privateKey'];
/** Credentials that are secrets (a certificate or public key is not). */
const SECRET_CREDENTIALS = ['terminalKey', 'appSecret', 'vendorSecret', 'privateKey'];

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A secret as it may appear in text: as given, a PEM's Base64 (joined and per line), JSON-escaped, URL-encoded. */
function secretForms(value, into) {
  if (typeof value !== 'string' || value === '') return;
  const forms = [value];
  if (value.includes('-----BEGIN') || /\s/.test(value)) {
    const b64 = value.replace(/-----[^-]*-----/g, '').replace(/\s+/g, '');
    if (b64) forms.push(b64);
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= 16 && !line.includes('-----')) forms.push(line.trim());
  }
  for (const f of forms) {
    into.add(f);
    into.add(JSON.stringify(f).slice(1, -1));
    into.add(encodeURIComponent(f));
  }
}

/** Field rules for text: `"name":"…"` in JSON, `\"name\":\"…\"` in JSON inside a JSON string, `name=…` in a form or query. */
function fieldRules(fields) {
  const names = fields.map(escapeRe).join('|');
  return [
    [new RegExp(`"(${names})"(\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'g'), `"$1"$2"${SCRUBBED}"`],
    [new RegExp(`\\\\"(${names})\\\\"(\\s*:\\s*)\\\\"[^"]*?\\\\"`, 'g'), `\\"$1\\"$2\\"${SCRUBBED}\\"`],
    [new RegExp(`(^|[?&])(${names})=[^&#]*`, 'g'), `$1$2=${SCRUBBED}`],
  ];
}
const RULES = fieldRules(SECRET_FIELDS);
/** Activation also sends the one-time `code`; elsewhere `code` is a gateway's status code and stays. */
const ACTIVATE_RULES = fieldRules([...SECRET_FIELDS, 'code']);

function scrubText(text, secrets, rules) {
  let out = String(text);
  for (const [re, to] of rules) out = out.replace(re, to);
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(SCRUBBED);
  return out;
}

/** An `Authorization: <id> <digest>` keeps the id; one with `signature="…"` parameters keeps all but that. */
function scrubHeaders(headers, secrets) {
  const out = {};
  for (const [name, v] of Object.entries(headers)) {
    let value = String(v);
    if (name === 'authorization' || name === 'proxy-authorization') {
      if (/signature="/i.test(value)) value = value.replace(/(signature=")[^"]*(")/gi, `$1${SCRUBBED}$2`);
      else {
        const at = value.trim().lastIndexOf(' ');
        value = at > 0 ? `${value.trim().slice(0, at)} ${SCRUBBED}` : SCRUBBED;
      }
    } else if (name.includes('signature')) value = SCRUBBED; // Lklapi-Signature
    out[name] = scrubText(value, secrets, []);
  }
  return out;
}

function scrubValue(v, secrets) {
  if (typeof v === 'string') return scrubText(v, secrets, RULES);
  if (Array.isArray(v)) return v.map((x) => scrubValue(x, secrets));
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = SECRET_FIELDS.includes(k) && x != null ? SCRUBBED : scrubValue(x, secrets);
    return out;
  }
  return v;
}

const decoder = typeof TextDecoder !== 'undefined' ? new TextDecoder() : undefined;

/** Text of at most `max` UTF-8 bytes: a longer one is cut and says so. */
function bounded(text, max) {
  const bytes = encoder.encode(text);
  if (bytes.byteLength <= max) return text;
  return `${decoder.decode(bytes.subarray(0, max - 64))}…[TRUNCATED: ${bytes.byteLength} bytes]`;
}

/**
 * The record handed to onExchange: request and response as text, scrubbed and bounded; the result is a
 * scrubbed copy (the caller's own object is never touched). `response` is what reached the facade: null
 * when no answer came (network failure, timeout).
 */
function exchangeRecord({ op, request, response, result, ms, secretList, max }) {
  const rules = op === 'activate' ? ACTIVATE_RULES : RULES;
  const secrets = [...secretList].sort((a, b) => b.length - a.length); // a longer secret before one inside it
  const text = (body) => bounded(scrubText(body, secrets, rules), max);
  const headerText = (headers) => {
    const out = {};
    let used = 0;
    for (const [k, v] of Object.entries(scrubHeaders(plainHeaders(headers), secrets))) {
      used += k.length + v.length + 8;
      if (used > max) {
        out['x-aggpay-truncated'] = 'further headers omitted: over the body limit';
        break;
      }
      out[k] = v;
    }
    return out;
  };
  let resp = null;
  if (response) {
    const b = response.body;
    let body;
    if (b?.tooLarge !== undefined) body = `[NOT READ: ${b.tooLarge} bytes, over the ${max}-byte limit]`;
    else if (typeof b === 'string') body = text(b);
    else {
      try {
        body = text(decoder.decode(bodyBytes(b, 'response')));
      } catch {
        body = '[UNREADABLE: the transport answered something that is not text or bytes]';
      }
    }
    resp = { status: Number(response.status), headers: headerText(response.headers), body };
  }
  return {
    operation: op,
    request: { method: request.method, url: text(request.url), headers: headerText(request.headers), body: text(request.body ?? '') },
    response: resp,
    result: scrubValue(JSON.parse(JSON.stringify(result)), secrets),
    ms,
  };
}

// What the flow's state machine reads of a result (flow.rs `Observed`), as JSON: `raw` can be large and the
// machine never looks at it, so it is not serialized only to be skipped.
const observed = (r) => JSON.stringify(r && { outcome: r.outcome, next: r.next, error: r.error, order: r.order });

const tick = () => (typeof performance !== 'undefined' && typeof performance.now === 'function' ? performance.now() : Date.now());

const OPERATIONS = ['activate', 'checkin', 'pay', 'precreate', 'query', 'refund', 'refundQuery', 'cancel', 'revoke', 'close'];

/**
 * Creates a client for one gateway. Options: provider, baseUrl, credentials, and the optional host
 * capabilities fetch, now (epoch ms), nonce (string) and timeoutMs (per request, default 30000), signer and
 * verifier (RSA: 'auto' | 'node' | 'webcrypto' | 'wasm' | a function), and onExchange (a scrubbed record of
 * every gateway exchange, for logging).
 */
export function createClient(options) {
  if (!options || typeof options !== 'object') throw fail('INVALID_CONFIG', 'options', 'must be an object');
  const { fetch: fetchOpt, now: nowOpt, nonce: nonceOpt, timeoutMs = 30000, signer = 'auto', verifier = 'auto', onExchange, ...config } = options;
  const inFlight = new Set(); // order numbers in a payAndConfirm / waitForPayment on this client
  const doFetch = fetchOpt ?? platform.fetch ?? globalThis.fetch;
  const now = nowOpt ?? Date.now;
  const nonce = nonceOpt ?? defaultNonce;
  for (const [name, fn] of [['fetch', doFetch], ['now', now], ['nonce', nonce]]) {
    if (typeof fn !== 'function') throw fail('INVALID_CONFIG', name, 'must be a function');
  }
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS)) {
    throw fail('INVALID_CONFIG', 'timeoutMs', `must be a positive number of milliseconds, at most ${MAX_TIMER_MS}`);
  }
  if (onExchange !== undefined && typeof onExchange !== 'function') {
    throw fail('INVALID_CONFIG', 'onExchange', 'must be a function ({ operation, request, response, result, ms }) => void');
  }
  if (typeof signer !== 'function' && !SIGNERS.includes(signer)) {
    throw fail('INVALID_CONFIG', 'signer', `must be ${SIGNERS.map((x) => `'${x}'`).join(', ')} or a function (bytes) => Promise<Uint8Array>`);
  }
  if (typeof verifier !== 'function' && !VERIFIERS.includes(verifier)) {
    throw fail('INVALID_CONFIG', 'verifier', `must be ${VERIFIERS.map((x) => `'${x}'`).join(', ')} or a function (message, signature, publicKeySpki, keyUse) => Promise<boolean>`);
  }
  let configJson;
  try {
    configJson = JSON.stringify(config);
  } catch {
    throw fail('INVALID_CONFIG', 'options', 'cannot be turned into JSON (a cycle, a BigInt or nesting too deep)');
  }
  if (configJson.length > limit()) throw fail('INVALID_CONFIG', 'options', `must be at most ${limit()} bytes as JSON`);
  const inner = call(() => new core.Core(configJson));
  // The key is parsed once by the core; the platform imports it once, on first use.
  let signing;
  let hasKey;
  // A host signer that never answers must not hang a flow for ever: it gets the transport's timeout.
  const sign = (bytes) => {
    signing ??= pickSigner(signer, inner);
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(fail('INVALID_CONFIG', 'signer', `did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([signing.sign(bytes), late]).finally(() => clearTimeout(timer));
  };

  // What the core hands over for verification (`Verification`) is settled here, on every path: a verifier
  // that throws, rejects or does not answer within the timeout gives no verdict, which fails the check.
  // Chosen now, so a forced verifier this runtime lacks is refused before anything is sent; keys are
  // exported and imported on first use.
  const verifying = pickVerifier(verifier, inner);
  let hasPublicKey;
  const settled = async (out) => {
    if (typeof out === 'string') return out;
    let verdict = false;
    let timer;
    try {
      verdict = verifying.verify(out.message, out.signature, out.key);
      if (typeof verdict?.then === 'function') {
        const late = new Promise((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        });
        verdict = await Promise.race([verdict, late]);
      }
    } catch {
      verdict = false;
    } finally {
      clearTimeout(timer);
    }
    return call(() => inner.settle(out, verdict));
  };

  const json = (input, what) => {
    if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input))) {
      throw fail('INVALID_INPUT', what, 'must be an object');
    }
    for (const [k, v] of Object.entries(input ?? {})) {
      if (typeof v === 'bigint') throw fail('INVALID_INPUT', k, k === 'amount' ? 'must be a safe integer number of fen (got a BigInt)' : 'must be a string (got a BigInt)');
    }
    let text;
    try {
      text = JSON.stringify(input ?? {});
    } catch {
      throw fail('INVALID_INPUT', what, 'cannot be turned into JSON (a cycle, a BigInt or nesting too deep)');
    }
    if (text.length > limit()) throw fail('INVALID_INPUT', what, `must be at most ${limit()} bytes as JSON`);
    return text;
  };
  const checkOp = (op) => {
    if (!OPERATIONS.includes(op)) throw fail('INVALID_INPUT', 'operation', `must be one of ${OPERATIONS.join(', ')} (got ${String(op)})`);
  };

  // The prepared request stays in wasm memory from signing to completion; JS only reads it, signs
  // `toSign` and hands the signature back. It is freed on every path.
  async function buildRequest(op, input) {
    checkOp(op);
    const prepared = call(() => inner.build(op, json(input, 'input'), Math.floor(now()), String(nonce())));
    try {
      const toSign = prepared.toSign;
      if (toSign === undefined) return prepared.request;
      const signature = await sign(toSign);
      return call(() => prepared.complete(signature));
    } finally {
      prepared.free();
    }
  }

  // What a request's answer could not be: the gateway may have acted, so UNKNOWN (POLL for changes).
  // `why` comes from the host (a fetch error's text): bounded before it enters wasm.
  const uncertain = (op, why) => JSON.parse(call(() => inner.networkFailure(op, String(why).slice(0, 512))));
  const tooLarge = (op, n) => JSON.parse(call(() => inner.tooLarge(op, n)));

  async function parseResponse(op, response, input) {
    checkOp(op);
    if (!response || typeof response !== 'object') throw fail('INVALID_INPUT', 'response', 'must be { status, headers, body }');
    const status = Number(response.status);
    if (!Number.isInteger(status) || status < 0 || status > 999) throw fail('INVALID_INPUT', 'response.status', 'must be an HTTP status code');
    const inputJson = input === undefined ? undefined : json(input, 'input');
    const body = bodyBytes(response.body, 'response');
    if (body.byteLength > limit()) return tooLarge(op, body.byteLength);
    const headers = JSON.stringify(plainHeaders(response.headers));
    return JSON.parse(await settled(call(() => inner.parse(op, status, headers, body, inputJson, Math.floor(now())))));
  }

  // The secret values this client knows, in every form they may take in text (see exchangeRecord).
  let secrets;
  const knownSecrets = () => {
    if (!secrets) {
      secrets = new Set();
      for (const k of SECRET_CREDENTIALS) secretForms(config.credentials?.[k], secrets);
    }
    return secrets;
  };

  // Sends a built request and, when there is an onExchange hook, reports the exchange to it. Never throws.
  async function send(op, request, input) {
    if (!onExchange) return transact(op, request, input, {});
    const started = tick();
    const seen = {};
    const result = await transact(op, request, input, seen);
    const ms = Math.round(tick() - started);
    try {
      const known = knownSecrets();
      secretForms(result?.credentials?.terminalKey, known); // activate / checkin: the new key, from now on
      const secretList = new Set(known);
      if (op === 'activate') for (const k of ['vendorKey', 'code']) secretForms(input?.[k], secretList);
      const record = exchangeRecord({ op, request, response: seen.response ?? null, result, ms, secretList, max: limit() });
      // The hook's failure, sync or async, is its own: never the caller's, and never awaited.
      const p = onExchange(record);
      if (p && typeof p.then === 'function') p.then(undefined, () => {});
    } catch {
      // A hook that throws (or a record that cannot be made) changes nothing for the caller.
    }
    return result;
  }

  // Sends a built request. Never throws: once the request may have left, everything is a result.
  // `seen.response` is set to the answer as the transport gave it, once one arrived.
  async function transact(op, request, input, seen) {
    let response;
    // The timer bounds the whole exchange even when a custom fetch ignores the abort signal.
    const abort = typeof AbortController !== 'undefined' ? new AbortController() : undefined;
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => {
        abort?.abort();
        reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' }));
      }, timeoutMs);
    });
    try {
      const exchange = (async () => {
        const res = await doFetch(request.url, { method: request.method, headers: request.headers, body: request.body, signal: abort?.signal });
        return { status: res.status, headers: res.headers, body: await readCapped(res) };
      })();
      exchange.catch(() => {}); // a late failure after the timeout is already reported
      response = await Promise.race([exchange, timeout]);
      seen.response = response;
    } catch (e) {
      // The request may have reached the gateway: the outcome is unknown, never "failed".
      const why = e && e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : String((e && e.message) || e);
      return uncertain(op, why);
    } finally {
      clearTimeout(timer);
    }
    if (response.body?.tooLarge !== undefined) return tooLarge(op, response.body.tooLarge);
    try {
      return await parseResponse(op, response, input);
    } catch (e) {
      // A transport adapter's malformed answer: still after sending, so still a result.
      return uncertain(op, `the transport's answer could not be read: ${(e && e.message) || e}`);
    }
  }

  async function execute(op, input) {
    const request = await buildRequest(op, input); // bad input throws here, before anything is sent
    return send(op, request, input);
  }

  // The seed's pay / poll / reverse flow, decided by the core's state machine; here only I/O and timers.
  async function drive(kind, input, options = {}) {
    if (!input || typeof input !== 'object') throw fail('INVALID_INPUT', 'input', 'must be an object');
    const { timeoutMs: waitMs, signal, sleep = sleepFor, now: clock = now } = options;
    if (typeof sleep !== 'function') throw fail('INVALID_INPUT', 'sleep', 'must be a function (ms, signal) => Promise');
    if (waitMs !== undefined && typeof waitMs !== 'number') throw fail('INVALID_INPUT', 'timeoutMs', 'must be a number of milliseconds');
    if (typeof clock !== 'function') throw fail('INVALID_INPUT', 'now', 'must be a function returning epoch milliseconds');
    if (signal?.aborted) throw signal.reason ?? new Error('aborted'); // nothing was sent
    const amount = input.amount;
    if (amount !== undefined && typeof amount !== 'number') throw fail('INVALID_INPUT', 'amount', `must be a safe integer number of fen (got ${typeof amount})`);
    const flow = call(() => new core.PayFlow(String(config.provider), kind, waitMs, amount));
    // One flow per order on this client: two would each report what the other did. Both numbers count,
    // so the same order named by its provider number is refused too.
    const keys = ['merchantOrderNo', 'providerOrderNo'].filter((k) => input[k] !== undefined).map((k) => `${k}:${input[k]}`);
    const busy = keys.find((k) => inFlight.has(k));
    if (busy) {
      flow.free();
      throw fail('INVALID_INPUT', busy.split(':')[0], 'is already being confirmed by another payAndConfirm/waitForPayment on this client');
    }
    // Follow-up calls name the order the way the caller did (plus clientIp, which some gateways require).
    const ref = {};
    for (const k of ['merchantOrderNo', 'providerOrderNo', 'clientIp']) if (input[k] !== undefined) ref[k] = input[k];
    for (const k of keys) inFlight.add(k); // before the first await: a concurrent call must see it
    let payRequest;
    try {
      // Bad input throws here, before anything is sent; from then on nothing throws. The query and the
      // reversal are built once too, so a reference they cannot use fails now, not at the deadline.
      if (kind === 'barcode') payRequest = await buildRequest('pay', input);
      await buildRequest('query', ref);
      await buildRequest(flow.reversal(), ref);
    } catch (e) {
      for (const k of keys) inFlight.delete(k);
      flow.free();
      throw e;
    }
    if (signal?.aborted) {
      // Aborted while the requests were being built: still nothing sent.
      for (const k of keys) inFlight.delete(k);
      flow.free();
      throw signal.reason ?? new Error('aborted');
    }
    const started = clock();
    let slept = 0;
    let action = JSON.parse(flow.start());
    let result = null;
    const step = async (op, opInput) => {
      try {
        return await execute(op, opInput);
      } catch (e) {
        return uncertain(op, `the ${op} request could not be built: ${(e && e.message) || e}`);
      }
    };
    // An abort ends the wait for a step at once (the step itself is bounded by timeouts).
    const abortable = (p) => {
      if (!signal) return p;
      let onAbort;
      const stopped = new Promise((_, reject) => {
        onAbort = () => reject(signal.reason ?? new Error('aborted'));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      return Promise.race([p, stopped]).finally(() => signal.removeEventListener('abort', onAbort));
    };
    try {
      for (;;) {
        if (action.type === 'finish') return { verdict: action.verdict, message: action.message, result };
        if (signal?.aborted) {
          action = JSON.parse(flow.stop()); // a decided verdict above wins over a late abort
          continue;
        }
        try {
          if (action.type === 'pay') {
            result = await abortable(send('pay', payRequest, input));
          } else if (action.type === 'query') {
            if (action.ms > 0) {
              await sleep(action.ms, signal);
              slept += action.ms;
            }
            result = await abortable(step('query', ref));
          } else if (action.type === 'reverse') {
            result = await abortable(step(action.operation, ref));
          }
          // A compressed sleep with a real clock must not wait in real time: time passes at least as slept.
          const elapsed = Number(clock()) - started;
          action = JSON.parse(flow.next(observed(result), Math.max(Number.isFinite(elapsed) ? elapsed : 0, slept)));
        } catch {
          // An abort while sleeping, or a sleep or clock that threw: stop, keeping the last known state.
          action = JSON.parse(flow.stop());
        }
      }
    } finally {
      for (const k of keys) inFlight.delete(k);
      flow.free();
    }
  }

  const client = {
    provider: config.provider,
    /** Barcode payment with confirmation: pay, poll, reverse on timeout. Never pays twice. */
    payAndConfirm: (input, options) => drive('barcode', input, options),
    /** Waits for the buyer of a precreate/QR order: poll, close or cancel on timeout. */
    waitForPayment: (input, options) => drive('qr', input, options),
    /** Which signer signs RSA requests: 'node', 'webcrypto', 'wasm' or 'custom' (null: this provider does not sign with RSA). */
    get signer() {
      hasKey ??= inner.privateKeyPkcs8() !== undefined;
      if (!hasKey) return null;
      signing ??= pickSigner(signer, inner);
      return signing.kind;
    },
    /** Which verifier checks RSA-signed answers and notifications: 'node', 'webcrypto', 'wasm' or 'custom' (null: this client has no RSA public key). */
    get verifier() {
      hasPublicKey ??= inner.publicKeySpki('platform') !== undefined || inner.publicKeySpki('notify') !== undefined;
      return hasPublicKey ? verifying.kind : null;
    },
    buildRequest,
    parseResponse,
    async verifyNotification(notification, expect) {
      if (!notification || typeof notification !== 'object') throw fail('INVALID_INPUT', 'notification', 'must be { headers, body }');
      const body = bodyBytes(notification.body, 'notification');
      if (body.byteLength > limit()) {
        throw new AggpayError({ code: 'NOTIFICATION_INVALID', reason: 'TOO_LARGE', retryable: false, message: `the notification has ${body.byteLength} bytes; at most ${limit()} are read` });
      }
      const headers = JSON.stringify(plainHeaders(notification.headers));
      if (headers.length > limit()) {
        throw new AggpayError({ code: 'NOTIFICATION_INVALID', reason: 'TOO_LARGE', retryable: false, message: `the notification's headers exceed ${limit()} bytes` });
      }
      const expectJson = expect === undefined ? undefined : json(expect, 'expect');
      return JSON.parse(await settled(call(() => inner.verifyNotification(headers, body, Math.floor(now()), expectJson))));
    },
    wapPayUrl(input) {
      return call(() => inner.wapPayUrl(json(input, 'input')));
    },
    verifyReturn(urlOrQuery) {
      const text = urlOrQuery instanceof URL ? urlOrQuery.href : urlOrQuery;
      if (typeof text !== 'string') throw fail('INVALID_INPUT', 'urlOrQuery', 'must be the return URL or its query string');
      return JSON.parse(call(() => inner.verifyReturn(text)));
    },
  };
  for (const op of OPERATIONS) client[op] = (input) => execute(op, input);
  return client;
}

export default { AggpayError, createClient, fenToYuan, yuanToFen, init, initSync };
