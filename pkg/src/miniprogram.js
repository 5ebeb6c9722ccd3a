// WeChat mini-program entry (aggpay/miniprogram), bundled by pkg/build.mjs as CommonJS: mini-programs
// `require`. A mini-program has no WebAssembly (only WXWebAssembly, which loads a file of the code package,
// asynchronously), no fetch, TextEncoder, TextDecoder, atob, btoa or crypto. This file installs small
// polyfills for the missing globals BEFORE the wasm-bindgen glue evaluates (it builds a TextDecoder at load
// time), then loads the facade, and offers:
//
//   const aggpay = require('aggpay/miniprogram');
//   await aggpay.init();               // once, before the first call (later calls return the same promise)
//   const client = aggpay.createClient({ provider, credentials });   // as with the main entry
//
// init(wasmPath) instantiates the .wasm.br with WXWebAssembly.instantiate; the default path is where
// WeChat DevTools' "Build npm" puts it (package.json's "miniprogram" field names the directory it copies).
// Requests go through wx.request (wxFetch below) unless a client is given its own fetch.
'use strict';

const g = globalThis;

// ---------------------------------------------------------------------------------------------------
// Polyfills, installed only where the runtime lacks them.

function utf8Encode(input, dest) {
  // Encodes a string as UTF-8 (lone surrogates become U+FFFD, as TextEncoder does). With `dest`, writes
  // only whole characters that fit and answers { read, written }; without, answers the bytes.
  const s = String(input);
  const out = dest ?? new Uint8Array(s.length * 3);
  const cap = out.length;
  let p = 0;
  let i = 0;
  for (; i < s.length; i++) {
    let c = s.charCodeAt(i);
    let units = 1;
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        units = 2;
      } else {
        c = 0xfffd;
      }
    }
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (p + size > cap) break;
    if (size === 1) {
      out[p++] = c;
    } else if (size === 2) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else if (size === 3) {
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    } else {
      out[p++] = 0xf0 | (c >> 18);
      out[p++] = 0x80 | ((c >> 12) & 0x3f);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
    i += units - 1;
  }
  return dest ? { read: i, written: p } : out.slice(0, p);
}

function bytesOf(input) {
  if (input === undefined || input === null) return new Uint8Array(0);
  if (Object.prototype.toString.call(input) === '[object ArrayBuffer]') return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('The provided value is not of type (ArrayBuffer or ArrayBufferView)');
}

// The WHATWG UTF-8 decoder: each maximal ill-formed subsequence becomes one U+FFFD (or a TypeError when fatal).
function utf8Decode(bytes, fatal) {
  const n = bytes.length;
  const units = [];
  let out = '';
  for (let i = 0; i < n; ) {
    const b0 = bytes[i];
    let cp;
    if (b0 < 0x80) {
      cp = b0;
      i++;
    } else {
      let need = 0;
      let lower = 0x80;
      let upper = 0xbf;
      if (b0 >= 0xc2 && b0 <= 0xdf) {
        need = 1;
        cp = b0 & 0x1f;
      } else if (b0 >= 0xe0 && b0 <= 0xef) {
        need = 2;
        cp = b0 & 0x0f;
        if (b0 === 0xe0) lower = 0xa0;
        if (b0 === 0xed) upper = 0x9f;
      } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        need = 3;
        cp = b0 & 0x07;
        if (b0 === 0xf0) lower = 0x90;
        if (b0 === 0xf4) upper = 0x8f;
      }
      let j = i + 1;
      let ok = need > 0;
      for (let k = 0; ok && k < need; k++, j++) {
        const b = j < n ? bytes[j] : -1;
        if (b < lower || b > upper) {
          ok = false;
          break;
        }
        lower = 0x80;
        upper = 0xbf;
        cp = (cp << 6) | (b & 0x3f);
      }
      if (!ok) {
        if (fatal) throw new TypeError('The encoded data was not valid for encoding utf-8');
        cp = 0xfffd;
        i = need > 0 ? j : i + 1; // the offending byte (if any) starts the next sequence
      } else {
        i = j;
      }
    }
    if (cp > 0xffff) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      units.push(cp);
    }
    if (units.length >= 8192) {
      out += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  return out + String.fromCharCode.apply(null, units);
}

function utf8Label(label) {
  const l = String(label).trim().toLowerCase();
  if (l !== 'utf-8' && l !== 'utf8' && l !== 'unicode-1-1-utf-8') {
    throw new RangeError(`The encoding label provided ('${label}') is not supported here: aggpay's mini-program TextDecoder knows only utf-8`);
  }
}

class TextEncoderPolyfill {
  get encoding() {
    return 'utf-8';
  }
  encode(input = '') {
    return utf8Encode(input);
  }
  encodeInto(input, dest) {
    return utf8Encode(input, dest);
  }
}

class TextDecoderPolyfill {
  constructor(label = 'utf-8', options = {}) {
    utf8Label(label);
    this._fatal = Boolean(options && options.fatal);
    this._ignoreBOM = Boolean(options && options.ignoreBOM);
  }
  get encoding() {
    return 'utf-8';
  }
  get fatal() {
    return this._fatal;
  }
  get ignoreBOM() {
    return this._ignoreBOM;
  }
  decode(input, options) {
    if (options && options.stream) throw new TypeError("aggpay's mini-program TextDecoder does not stream");
    const text = utf8Decode(bytesOf(input), this._fatal);
    return !this._ignoreBOM && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map(Array.from(B64, (c, i) => [c, i]));

function invalidCharacter(message) {
  return Object.assign(new Error(message), { name: 'InvalidCharacterError', code: 5 });
}

// HTML's forgiving-base64 decode.
function atobPolyfill(input) {
  let s = String(input).replace(/[\t\n\f\r ]/g, '');
  if (s.length % 4 === 0) s = s.replace(/==?$/, '');
  if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) throw invalidCharacter('The string to be decoded is not correctly encoded.');
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const c of s) {
    buffer = (buffer << 6) | B64_INDEX.get(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buffer >> bits) & 0xff);
    }
  }
  return out;
}

function btoaPolyfill(input) {
  const s = String(input);
  let out = '';
  for (let i = 0; i < s.length; i += 3) {
    const a = s.charCodeAt(i);
    const b = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    const c = i + 2 < s.length ? s.charCodeAt(i + 2) : 0;
    if (a > 0xff || b > 0xff || c > 0xff) throw invalidCharacter('The string to be encoded contains characters outside of the Latin1 range.');
    const n = (a << 16) | (b << 8) | c;
    out += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < s.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < s.length ? B64[n & 63] : '=');
  }
  return out;
}

// AbortController, so the client's per-request timeout can abort the wx.request task (the facade makes one
// signal per request when the runtime has AbortController).
function abortError(reason) {
  return reason !== undefined ? reason : Object.assign(new Error('This operation was aborted'), { name: 'AbortError', code: 20 });
}

class AbortSignalPolyfill {
  constructor() {
    this.aborted = false;
    this.reason = undefined;
    this.onabort = null;
    this._listeners = [];
  }
  addEventListener(type, listener, options) {
    if (type !== 'abort' || typeof listener !== 'function') return;
    if (this._listeners.some((l) => l.listener === listener)) return;
    this._listeners.push({ listener, once: Boolean(options && typeof options === 'object' && options.once) });
  }
  removeEventListener(type, listener) {
    if (type === 'abort') this._listeners = this._listeners.filter((l) => l.listener !== listener);
  }
  dispatchEvent(event) {
    if (event && event.type === 'abort') {
      if (typeof this.onabort === 'function') this.onabort.call(this, event);
      for (const l of this._listeners.slice()) {
        if (l.once) this.removeEventListener('abort', l.listener);
        l.listener.call(this, event);
      }
    }
    return true;
  }
  throwIfAborted() {
    if (this.aborted) throw this.reason;
  }
  static abort(reason) {
    const c = new AbortControllerPolyfill();
    c.abort(reason);
    return c.signal;
  }
  static timeout(ms) {
    const c = new AbortControllerPolyfill();
    setTimeout(() => c.abort(Object.assign(new Error('The operation timed out.'), { name: 'TimeoutError', code: 23 })), ms);
    return c.signal;
  }
}

class AbortControllerPolyfill {
  constructor() {
    this.signal = new AbortSignalPolyfill();
  }
  abort(reason) {
    const s = this.signal;
    if (s.aborted) return;
    s.aborted = true;
    s.reason = abortError(reason);
    s.dispatchEvent({ type: 'abort', target: s });
  }
}

// Randomness: crypto.getRandomValues must answer synchronously (the nonce of every request and the Rust
// RSA signer's blinding, through getrandom), wx.getRandomValues answers asynchronously. So a pool is filled
// before init, topped up before each signature by the Rust signer (host.beforeWasmSign) and refilled in the
// background when it runs low. Bytes are used once. An empty pool is an error, never a weaker source.
const POOL_BYTES = 65536;
const SIGN_RESERVE = 32768; // a 4096-bit key's blinding needs 512 bytes a draw; draws repeat only rarely
const LOW_WATER = 16384;
let pool = new Uint8Array(0);
let poolAt = 0;
let refilling = null;

const wxApi = () => (typeof wx !== 'undefined' ? wx : g.wx); // eslint-disable-line no-undef
const available = () => pool.length - poolAt;

function refill() {
  if (refilling) return refilling;
  refilling = new Promise((resolve, reject) => {
    const api = wxApi();
    if (!api || typeof api.getRandomValues !== 'function') {
      reject(new Error('wx.getRandomValues is not available (it needs base library 2.15.0 or later): aggpay needs it for nonces and signatures'));
      return;
    }
    api.getRandomValues({
      length: POOL_BYTES,
      success(res) {
        const fresh = bytesOf(res && res.randomValues);
        if (fresh.length !== POOL_BYTES) {
          reject(new Error(`wx.getRandomValues answered ${fresh.length} bytes, not ${POOL_BYTES}`));
          return;
        }
        pool = new Uint8Array(fresh); // a copy: nobody else holds these bytes
        poolAt = 0;
        resolve();
      },
      fail(err) {
        reject(new Error(`wx.getRandomValues failed: ${(err && err.errMsg) || err}`));
      },
    });
  });
  const done = () => {
    refilling = null;
  };
  refilling.then(done, done);
  return refilling;
}

function getRandomValuesPolyfill(view) {
  if (!ArrayBuffer.isView(view) || /Float|DataView/.test(Object.prototype.toString.call(view))) {
    throw Object.assign(new TypeError('getRandomValues: the argument must be an integer TypedArray'), { name: 'TypeMismatchError' });
  }
  const n = view.byteLength;
  if (n > 65536) {
    throw Object.assign(new Error(`getRandomValues: ${n} bytes asked, at most 65536`), { name: 'QuotaExceededError', code: 22 });
  }
  if (available() < n) {
    refill().catch(() => {});
    throw new Error('aggpay: the randomness pool from wx.getRandomValues is empty (await aggpay.init() first)');
  }
  new Uint8Array(view.buffer, view.byteOffset, n).set(pool.subarray(poolAt, poolAt + n));
  pool.fill(0, poolAt, poolAt + n);
  poolAt += n;
  if (available() < LOW_WATER) refill().catch(() => {});
  return view;
}

async function beforeWasmSign() {
  if (available() < SIGN_RESERVE) await refill();
}

function install(name, value) {
  if (typeof g[name] === 'undefined') g[name] = value;
}

install('TextEncoder', TextEncoderPolyfill);
install('TextDecoder', TextDecoderPolyfill);
install('atob', atobPolyfill);
install('btoa', btoaPolyfill);
install('AbortController', AbortControllerPolyfill);
install('AbortSignal', AbortSignalPolyfill);
if (typeof (g.crypto && g.crypto.getRandomValues) !== 'function') {
  if (g.crypto && typeof g.crypto === 'object') {
    Object.defineProperty(g.crypto, 'getRandomValues', { value: getRandomValuesPolyfill, configurable: true, writable: true });
  } else {
    g.crypto = { getRandomValues: getRandomValuesPolyfill };
  }
}

// ---------------------------------------------------------------------------------------------------
// Only now the facade and the glue (the require evaluates them).
const facade = require('./facade.js');

// ---------------------------------------------------------------------------------------------------
// wx.request with fetch's shape: status, lower-cased headers, the body's bytes exactly as received.

class WxHeaders {
  constructor(header) {
    this._map = new Map();
    for (const [k, v] of Object.entries(header || {})) {
      const name = k.toLowerCase();
      const value = Array.isArray(v) ? v.join(', ') : String(v);
      this._map.set(name, this._map.has(name) ? `${this._map.get(name)}, ${value}` : value);
    }
  }
  get(name) {
    const v = this._map.get(String(name).toLowerCase());
    return v === undefined ? null : v;
  }
  has(name) {
    return this._map.has(String(name).toLowerCase());
  }
  entries() {
    return this._map.entries();
  }
  keys() {
    return this._map.keys();
  }
  values() {
    return this._map.values();
  }
  forEach(fn, thisArg) {
    for (const [k, v] of this._map) fn.call(thisArg, v, k, this);
  }
  [Symbol.iterator]() {
    return this._map.entries();
  }
}

function requestHeaders(headers) {
  const out = {};
  if (!headers) return out;
  const list = typeof headers.entries === 'function' && !Array.isArray(headers) ? headers.entries() : Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [k, v] of list) out[String(k)] = String(v);
  return out;
}

function requestBody(body) {
  if (body === undefined || body === null) return undefined;
  // Sent as the exact bytes: the gateway checks a signature over them.
  const bytes = typeof body === 'string' ? utf8Encode(body) : bytesOf(body);
  return bytes.byteLength === 0 ? undefined : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

/**
 * A fetch over wx.request: `wxFetch(url, { method, headers, body, signal })` → `{ status, ok, headers,
 * arrayBuffer(), text(), json() }`. The default transport of every client made by this entry. Bodies go out
 * and come back as bytes (responseType 'arraybuffer'), unaltered; an aborted signal aborts the request task.
 * In a real mini-program the gateway's domain must be in the request whitelist (合法域名) and use HTTPS.
 */
function wxFetch(url, init = {}) {
  return new Promise((resolve, reject) => {
    const api = wxApi();
    if (!api || typeof api.request !== 'function') {
      reject(new Error('wx.request is not available'));
      return;
    }
    const { method = 'GET', headers, body, signal } = init || {};
    if (signal && signal.aborted) {
      reject(abortError(signal.reason));
      return;
    }
    let settled = false;
    let task;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      try {
        if (task && typeof task.abort === 'function') task.abort();
      } catch {
        // already finished
      }
      reject(abortError(signal.reason));
    };
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      if (signal && typeof signal.removeEventListener === 'function') signal.removeEventListener('abort', onAbort);
      fn(value);
    };
    const verb = String(method).toUpperCase();
    const data = verb === 'GET' || verb === 'HEAD' ? undefined : requestBody(body);
    const options = {
      url: String(url),
      method: verb,
      header: requestHeaders(headers),
      responseType: 'arraybuffer',
      dataType: 'text', // never JSON.parse: the body's bytes are what signatures cover
      success(res) {
        let bytes;
        const raw = res && res.data;
        if (raw === undefined || raw === null || raw === '') {
          bytes = new Uint8Array(0);
        } else if (Object.prototype.toString.call(raw) === '[object ArrayBuffer]' || ArrayBuffer.isView(raw)) {
          bytes = bytesOf(raw);
        } else {
          finish(reject, new Error('wx.request did not answer bytes (responseType arraybuffer): the body as received is lost'));
          return;
        }
        const status = Number(res.statusCode);
        let used = false;
        const take = () => {
          if (used) return Promise.reject(new TypeError('Body has already been consumed'));
          used = true;
          return Promise.resolve(bytes);
        };
        finish(resolve, {
          status,
          statusText: '',
          ok: status >= 200 && status < 300,
          url: String(url),
          headers: new WxHeaders(res.header),
          body: null,
          get bodyUsed() {
            return used;
          },
          arrayBuffer: () => take().then((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
          text: () => take().then((b) => utf8Decode(b, false)),
          json: () => take().then((b) => JSON.parse(utf8Decode(b, false))),
        });
      },
      fail(err) {
        finish(reject, new Error(`wx.request failed: ${(err && err.errMsg) || err}`));
      },
    };
    if (data !== undefined) options.data = data;
    task = api.request(options);
    if (signal && typeof signal.addEventListener === 'function') signal.addEventListener('abort', onAbort, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------------
// Loading the module.

/** Where WeChat DevTools' "Build npm" (工具 → 构建 npm) puts the module, for a package.json at miniprogramRoot. */
const DEFAULT_WASM_PATH = '/miniprogram_npm/aggpay/aggpay_bg.wasm.br';
let loading;

function configError(message) {
  return new facade.AggpayError({ code: 'INVALID_CONFIG', field: 'init', message: `init ${message}`, retryable: false });
}

async function load(wasmPath) {
  const WXWA = typeof WXWebAssembly !== 'undefined' ? WXWebAssembly : g.WXWebAssembly; // eslint-disable-line no-undef
  if (!WXWA || typeof WXWA.instantiate !== 'function') {
    throw configError('needs WXWebAssembly (base library 2.14.0 or later; aggpay/miniprogram is for WeChat mini-programs)');
  }
  await refill();
  await facade.initWith(async (imports) => {
    let out;
    try {
      out = await WXWA.instantiate(wasmPath, imports);
    } catch (e) {
      throw configError(`could not instantiate '${wasmPath}' with WXWebAssembly (${(e && (e.errMsg || e.message)) || e}): ` +
        "the package's aggpay_bg.wasm.br must be in the code package — WeChat DevTools' Build npm copies it to " +
        `${DEFAULT_WASM_PATH}; elsewhere, pass its path to init()`);
    }
    return { instance: out.instance, module: out.module };
  }, { fetch: wxFetch, beforeWasmSign });
}

/**
 * Loads the WebAssembly module: `await aggpay.init()` once before the first call (the same as aggpay/slim's
 * init). `wasmPath` is the absolute path of aggpay_bg.wasm.br inside the mini-program's code package; the
 * default is where "Build npm" copies it. Later calls return the first call's promise; a failed load can be
 * retried.
 */
function init(wasmPath = DEFAULT_WASM_PATH) {
  if (typeof wasmPath !== 'string' || !wasmPath.startsWith('/')) {
    return Promise.reject(configError("must be given the absolute path of aggpay_bg.wasm.br in the code package, like '/lib/aggpay_bg.wasm.br'"));
  }
  if (!loading) {
    loading = load(wasmPath);
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

const { AggpayError, createClient, fenToYuan, yuanToFen } = facade;
module.exports = { AggpayError, createClient, fenToYuan, yuanToFen, init, wxFetch };
module.exports.default = module.exports;
