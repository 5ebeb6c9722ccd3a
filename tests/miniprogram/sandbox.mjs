// A WeChat mini-program, as far as aggpay can tell: a node:vm context that exposes only what a mini-program's
// logic layer has — `wx` (request, getRandomValues, scanCode, login, requestPayment, storage, toasts), `WXWebAssembly` (instantiate from
// a path of the code package only), console, timers, App/Page/getApp, CommonJS `require` of the package's own
// files and of miniprogram_npm — plus the language built-ins. No WebAssembly, fetch, TextEncoder, TextDecoder,
// atob, btoa, crypto, AbortController, process, Buffer or Node modules, and no eval / new Function (mini-programs
// refuse code from strings). wx.request is real HTTP (node:http, outside the context); results are built with
// the context's own ArrayBuffer and Object, as a real mini-program's would be.
//
//   const mp = createMiniProgram({ mounts: { '/': appDir, '/miniprogram_npm/aggpay': pkgDistMiniprogram } });
//   const aggpay = mp.require('aggpay/miniprogram');  // or mp.require('/lib/aggpay/miniprogram.cjs')
//   mp.stats   // { requests, aborts, randomCalls, randomBytes, instantiated: [paths] }
import vm from 'node:vm';
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, isAbsolute } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';

// Runs inside the context: turns the host's bridge into a realm-correct `wx` and `WXWebAssembly`.
const BOOTSTRAP = `(function (host) {
  'use strict';
  const bytesIn = (hostBytes) => {
    const ab = new ArrayBuffer(hostBytes.length);
    new Uint8Array(ab).set(hostBytes);
    return ab;
  };
  const decodeUtf8 = (ab) => host.utf8(new Uint8Array(ab));
  const call = (options, name, value) => {
    if (options && typeof options[name] === 'function') options[name](value);
  };
  const settle = (options, ok, value) => {
    call(options, ok ? 'success' : 'fail', value);
    call(options, 'complete', value);
  };
  const wx = {
    request(options) {
      const o = options || {};
      let data = o.data;
      if (data !== undefined && data !== null && typeof data !== 'string' && Object.prototype.toString.call(data) !== '[object ArrayBuffer]') {
        data = JSON.stringify(data); // wx sends objects as JSON (for application/json)
      }
      const header = {};
      for (const k of Object.keys(o.header || {})) header[k] = String(o.header[k]);
      const id = host.request({ url: String(o.url), method: String(o.method || 'GET').toUpperCase(), header,
        data: data === undefined || data === null ? undefined : typeof data === 'string' ? data : new Uint8Array(data) },
      (err, res) => {
        if (err) return settle(o, false, { errMsg: 'request:fail ' + err });
        const resHeader = {};
        for (const [k, v] of res.headers) resHeader[k] = v;
        let body = bytesIn(res.body);
        if (o.responseType !== 'arraybuffer') {
          body = decodeUtf8(body);
          if ((o.dataType === undefined || o.dataType === 'json')) {
            try { body = JSON.parse(body); } catch (e) { /* wx leaves it as text */ }
          }
        }
        settle(o, true, { statusCode: res.status, header: resHeader, data: body, cookies: [], errMsg: 'request:ok' });
      });
      return {
        abort() { host.abort(id); },
        onHeadersReceived() {}, offHeadersReceived() {}, onChunkReceived() {}, offChunkReceived() {},
      };
    },
    getRandomValues(options) {
      const o = options || {};
      const n = o.length;
      if (!Number.isInteger(n) || n <= 0 || n > 1048576) return settle(o, false, { errMsg: 'getRandomValues:fail invalid length' });
      host.random(n, (bytes) => settle(o, true, { randomValues: bytesIn(bytes), errMsg: 'getRandomValues:ok' }));
    },
    scanCode(options) {
      host.scan((err, result) => err ? settle(options, false, { errMsg: 'scanCode:fail ' + err })
        : settle(options, true, { result, scanType: 'BARCODE', charSet: 'utf-8', errMsg: 'scanCode:ok' }));
    },
    login(options) {
      host.login((err, code) => err ? settle(options, false, { errMsg: 'login:fail ' + err })
        : settle(options, true, { code, errMsg: 'login:ok' }));
    },
    requestPayment(options) {
      const o = options || {};
      const params = {};
      for (const k of Object.keys(o)) if (typeof o[k] !== 'function') params[k] = o[k]; // what the sheet is given
      host.pay(JSON.stringify(params), (err) => err ? settle(o, false, { errMsg: 'requestPayment:fail ' + err })
        : settle(o, true, { errMsg: 'requestPayment:ok' }));
    },
    getStorageSync(key) { const v = host.storage.get(String(key)); return v === undefined ? '' : JSON.parse(v); },
    setStorageSync(key, value) { host.storage.set(String(key), JSON.stringify(value)); },
    showToast(options) { host.ui('toast', String((options && options.title) || '')); settle(options, true, { errMsg: 'showToast:ok' }); },
    showLoading(options) { host.ui('loading', String((options && options.title) || '')); settle(options, true, { errMsg: 'showLoading:ok' }); },
    hideLoading(options) { settle(options, true, { errMsg: 'hideLoading:ok' }); },
  };
  const WXWebAssembly = {
    instantiate(path, imports) {
      return new Promise((resolve, reject) => {
        host.instantiate(path, imports, (err, out) => err ? reject(new Error(err)) : resolve({ module: out.module, instance: out.instance }));
      });
    },
  };
  return { wx, WXWebAssembly };
})`;

const FORBIDDEN = ['WebAssembly', 'fetch', 'TextEncoder', 'TextDecoder', 'atob', 'btoa', 'crypto', 'AbortController',
  'AbortSignal', 'process', 'Buffer', 'require', 'module', 'exports', 'global', 'setImmediate', 'queueMicrotask',
  'structuredClone', 'URL', 'Headers', 'Response', 'Request'];

/**
 * mounts: { '/<code package path>': '<host directory>' } — the mini-program's code package. Options: scan
 * (() => Promise<string>, what wx.scanCode reads), pay ((params) => Promise, the buyer on wx.requestPayment's
 * sheet: resolves when paid, rejects with a reason such as 'cancel'), log (console-like; default the host console).
 */
export function createMiniProgram({ mounts, scan, pay, log = console } = {}) {
  const roots = Object.entries(mounts).map(([at, dir]) => [posix.normalize(at === '/' ? '/' : at.replace(/\/$/, '')), dir]);
  roots.sort((a, b) => b[0].length - a[0].length);
  const stats = { requests: 0, aborts: 0, randomCalls: 0, randomBytes: 0, instantiated: [], ui: [], requestLog: [] };
  const storage = new Map();
  const context = vm.createContext({}, { name: 'mini-program', codeGeneration: { strings: false, wasm: false } });
  vm.runInContext('delete globalThis.WebAssembly; delete globalThis.console;', context);

  // A code package path → the host file, or undefined. Nothing outside the mounts exists.
  function hostPath(pkgPath) {
    if (typeof pkgPath !== 'string' || !pkgPath.startsWith('/')) return undefined;
    const p = posix.normalize(pkgPath);
    for (const [at, dir] of roots) {
      if (at === '/' || p === at || p.startsWith(`${at}/`)) {
        const rest = at === '/' ? p.slice(1) : p.slice(at.length + 1);
        const file = join(dir, ...rest.split('/').filter(Boolean));
        const rel = relative(dir, file);
        if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
        return existsSync(file) && statSync(file).isFile() ? file : undefined;
      }
    }
    return undefined;
  }

  // HTTP for wx.request.
  let nextId = 1;
  const inflight = new Map();
  const host = {
    utf8: (u8) => new TextDecoder().decode(u8),
    request(opts, done) {
      const id = nextId++;
      stats.requests++;
      stats.requestLog.push({ method: opts.method, url: opts.url });
      let finished = false;
      const finish = (err, res) => {
        if (finished) return;
        finished = true;
        inflight.delete(id);
        setImmediate(() => done(err, res));
      };
      let url;
      try {
        url = new URL(opts.url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('invalid url');
      } catch {
        finish('invalid url');
        return id;
      }
      const body = opts.data === undefined ? undefined : typeof opts.data === 'string' ? Buffer.from(opts.data, 'utf8') : Buffer.from(opts.data);
      const headers = { ...opts.header };
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      if (body) headers['content-length'] = String(body.length);
      const req = (url.protocol === 'https:' ? https : http).request(url, { method: opts.method, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          // wx keeps the header names as the server sent them.
          const merged = new Map();
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            const k = res.rawHeaders[i];
            merged.set(k, merged.has(k) ? `${merged.get(k)}, ${res.rawHeaders[i + 1]}` : res.rawHeaders[i + 1]);
          }
          finish(null, { status: res.statusCode, headers: [...merged], body: new Uint8Array(Buffer.concat(chunks)) });
        });
        res.on('error', (e) => finish(e.message));
      });
      req.on('error', (e) => finish(e.message));
      inflight.set(id, { req, finish });
      req.end(body);
      return id;
    },
    abort(id) {
      const r = inflight.get(id);
      if (!r) return;
      stats.aborts++;
      r.req.destroy();
      r.finish('abort');
    },
    random(n, done) {
      stats.randomCalls++;
      stats.randomBytes += n;
      const bytes = randomBytes(n);
      setImmediate(() => done(new Uint8Array(bytes)));
    },
    scan(done) {
      if (!scan) return setImmediate(() => done('no camera'));
      Promise.resolve().then(scan).then((r) => done(null, String(r)), (e) => done(String(e?.message ?? e)));
    },
    login(done) {
      // wx.login's one-time code, which only the merchant server can exchange (jscode2session) for the openid.
      setImmediate(() => done(null, randomBytes(16).toString('hex')));
    },
    pay(paramsJson, done) {
      if (!pay) return setImmediate(() => done('no payment sheet'));
      Promise.resolve().then(() => pay(JSON.parse(paramsJson))).then(() => done(null), (e) => done(String(e?.message ?? e)));
    },
    storage,
    ui(kind, text) {
      stats.ui.push({ kind, text });
    },
    // WXWebAssembly: only a path of the code package (.wasm or .wasm.br), never bytes.
    instantiate(path, imports, done) {
      if (typeof path !== 'string') {
        setImmediate(() => done('WXWebAssembly.instantiate: the first argument must be a code package path (bytes are not accepted)'));
        return;
      }
      const file = /\.wasm(\.br)?$/.test(path) ? hostPath(path) : undefined;
      if (!file) {
        setImmediate(() => done(`WXWebAssembly.instantiate: no such .wasm / .wasm.br in the code package: ${path}`));
        return;
      }
      stats.instantiated.push(path);
      let bytes = readFileSync(file);
      if (path.endsWith('.br')) bytes = brotliDecompressSync(bytes);
      WebAssembly.instantiate(bytes, imports).then((out) => done(null, out), (e) => done(String(e?.message ?? e)));
    },
  };
  const { wx, WXWebAssembly } = vm.runInContext(BOOTSTRAP, context)(host);

  // Timers with numeric ids, as a mini-program's.
  let nextTimer = 1;
  const timers = new Map();
  const makeTimer = (repeat) => (fn, ms, ...args) => {
    const id = nextTimer++;
    const t = (repeat ? setInterval : setTimeout)(() => {
      if (!repeat) timers.delete(id);
      fn(...args);
    }, ms);
    timers.set(id, t);
    return id;
  };
  const clear = (id) => {
    const t = timers.get(id);
    if (t !== undefined) {
      clearTimeout(t);
      timers.delete(id);
    }
  };

  // App / Page registration, as the framework's.
  let app;
  const pages = new Map();
  let currentRoute;
  const globals = {
    wx,
    WXWebAssembly,
    console: { log: (...a) => log.log(...a), info: (...a) => log.info(...a), warn: (...a) => log.warn(...a), error: (...a) => log.error(...a), debug: () => {} },
    setTimeout: makeTimer(false),
    setInterval: makeTimer(true),
    clearTimeout: clear,
    clearInterval: clear,
    App: (options) => {
      app = options;
    },
    getApp: () => app,
    Page: (options) => {
      pages.set(currentRoute, options);
    },
  };
  for (const [k, v] of Object.entries(globals)) context[k] = v;

  // CommonJS, as the mini-program's: relative paths, and bare names from /miniprogram_npm.
  const cache = new Map();
  function resolve(spec, fromDir) {
    const candidates = [];
    const variants = (base) => (/\.(c?js)$/.test(base) ? [base] : [`${base}.js`, `${base}/index.js`]);
    if (spec.startsWith('/')) candidates.push(...variants(spec));
    else if (spec.startsWith('./') || spec.startsWith('../')) candidates.push(...variants(posix.join(fromDir, spec)));
    else if (/^[a-z@][\w@./-]*$/i.test(spec) && !spec.includes(':')) candidates.push(...variants(`/miniprogram_npm/${spec}`));
    for (const c of candidates) {
      if (hostPath(c)) return posix.normalize(c);
    }
    throw new Error(`module "${spec}" is not defined`);
  }
  function load(pkgPath) {
    if (cache.has(pkgPath)) return cache.get(pkgPath).exports;
    const code = readFileSync(hostPath(pkgPath), 'utf8');
    return evaluate(code, pkgPath);
  }
  function evaluate(code, pkgPath) {
    const module = vm.runInContext('({ exports: {} })', context);
    cache.set(pkgPath, module);
    const dir = posix.dirname(pkgPath);
    const localRequire = (spec) => load(resolve(String(spec), dir));
    const fn = vm.compileFunction(code, ['require', 'module', 'exports'], { parsingContext: context, filename: `mp://${pkgPath}` });
    try {
      fn.call(module.exports, localRequire, module, module.exports);
    } catch (e) {
      cache.delete(pkgPath);
      throw e;
    }
    return module.exports;
  }

  return {
    context,
    stats,
    storage: {
      set: (k, v) => storage.set(k, JSON.stringify(v)),
      get: (k) => (storage.has(k) ? JSON.parse(storage.get(k)) : undefined),
    },
    /** require() from the code package's root, as app.js would. */
    require: (spec) => load(resolve(spec, '/')),
    /** Evaluates CommonJS source (not a package file: the test's own harness) in the context. */
    evaluate: (code, name) => evaluate(code, `/__harness__/${name}`),
    /** Evaluates an expression in the context. */
    run: (code) => vm.runInContext(code, context),
    /** Loads app.js (when there is one), then the page at `route` ('pages/cashier/index'), and calls onLoad. */
    openPage(route, query = {}) {
      if (!app && hostPath('/app.js')) load('/app.js');
      if (app?.onLaunch && !app.launched) {
        app.launched = true;
        app.onLaunch({ path: route, query });
      }
      currentRoute = route;
      load(`/${route}.js`);
      const options = pages.get(route);
      if (!options) throw new Error(`${route}.js did not call Page()`);
      const page = { route, data: JSON.parse(JSON.stringify(options.data ?? {})) };
      for (const [k, v] of Object.entries(options)) if (typeof v === 'function') page[k] = v;
      page.setData = (patch, cb) => {
        for (const [k, v] of Object.entries(patch)) page.data[k] = v;
        if (typeof cb === 'function') cb();
      };
      page.onLoad?.(query);
      page.onShow?.();
      return page;
    },
    /** The names the context's global object has beyond the language built-ins and what a mini-program gives. */
    forbiddenPresent: () => FORBIDDEN.filter((name) => vm.runInContext(`typeof globalThis[${JSON.stringify(name)}] !== 'undefined'`, context)),
    close() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      for (const { req } of inflight.values()) req.destroy();
    },
  };
}
