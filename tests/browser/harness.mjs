// What the browser test needs around Chromium: one 127.0.0.1 origin that serves the test pages, the built
// package (pkg/dist, read from disk at every request), the conformance cases and an esbuild bundle, and that
// forwards /emu/* to the gateway emulator byte for byte — so the page talks to the emulator same-origin
// (no CORS, every response header readable, exactly as a merchant's own reverse proxy would do it).
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

export const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.wasm': 'application/wasm', // instantiateStreaming needs it
  '.json': 'application/json',
};
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

/**
 * Starts the test origin. `mounts`: { '/url/prefix/': '/abs/dir' }; `pages`: { '/x.html': html };
 * `emulatorUrl`: where /emu/* goes. Returns { url, requests, close() } (`requests`: every path asked for).
 */
export async function serveTestOrigin({ mounts, pages, emulatorUrl }) {
  const emu = new URL(emulatorUrl);
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    requests.push(url.pathname);
    try {
      if (url.pathname === '/emu' || url.pathname.startsWith('/emu/')) return forward(req, res, emu, url);
      if (pages[url.pathname] !== undefined) return send(res, 200, TYPES['.html'], pages[url.pathname]);
      if (url.pathname === '/favicon.ico') return send(res, 204, 'text/plain', '');
      for (const [prefix, dir] of Object.entries(mounts)) {
        if (!url.pathname.startsWith(prefix)) continue;
        const file = path.resolve(dir, decodeURIComponent(url.pathname.slice(prefix.length)));
        if (file !== dir && !file.startsWith(dir + path.sep)) break; // no way out of a mount
        let body;
        try {
          body = await readFile(file);
        } catch {
          break;
        }
        return send(res, 200, TYPES[path.extname(file)] ?? 'application/octet-stream', body);
      }
      send(res, 404, 'text/plain', `not found: ${url.pathname}`);
    } catch (e) {
      send(res, 500, 'text/plain', String(e?.stack ?? e));
    }
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

// /emu/<rest> → <emulator>/<rest>: method, headers and the raw body bytes unchanged, and the answer likewise.
function forward(req, res, emu, url) {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
  const upstream = http.request({
    host: emu.hostname, port: emu.port, method: req.method,
    path: (url.pathname.slice('/emu'.length) || '/') + url.search, headers,
  }, (answer) => {
    const back = {};
    for (const [k, v] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(k)) back[k] = v;
    res.writeHead(answer.statusCode, back);
    answer.pipe(res);
  });
  upstream.on('error', () => res.destroy()); // the emulator dropped the connection: so does the proxy
  req.pipe(upstream);
}

/**
 * Loads `url` in a fresh page and waits for the page's own verdict (`window.__outcome`, set by
 * tests/browser/in-page.mjs or by the page's error handlers). Returns { outcome, diagnostics }, where
 * diagnostics lists page errors, console errors/warnings and failed requests: what a reader needs when it fails.
 */
export async function runPage(browser, url, { timeoutMs = 25_000 } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const diagnostics = [];
  page.on('pageerror', (e) => diagnostics.push(`pageerror: ${e.stack ?? e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') diagnostics.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('requestfailed', (r) => diagnostics.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !new URL(r.url()).pathname.startsWith('/emu/')) diagnostics.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  try {
    await page.goto(url);
    let outcome;
    try {
      await page.waitForFunction(() => window.__outcome !== undefined, null, { timeout: timeoutMs });
      outcome = await page.evaluate(() => window.__outcome);
    } catch (e) {
      outcome = { ok: false, error: `no verdict from the page within ${timeoutMs} ms (${e.message.split('\n')[0]})` };
    }
    return { outcome, diagnostics };
  } finally {
    await context.close();
  }
}

/** The page shell: an optional import map, error handlers that end the wait, then one module script. */
export function pageHtml({ title, importMap, moduleSrc }) {
  const map = importMap ? `<script type="importmap">${JSON.stringify({ imports: importMap })}</script>\n` : '';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
${map}<script>
  // Anything that stops the module from reporting ends the wait with the reason.
  const fail = (why) => { if (window.__outcome === undefined) window.__outcome = { ok: false, error: why }; };
  window.addEventListener('error', (e) => fail('error: ' + (e.error?.stack ?? e.message)));
  window.addEventListener('unhandledrejection', (e) => fail('unhandled rejection: ' + (e.reason?.stack ?? e.reason)));
</script>
<script type="module" src="${moduleSrc}" onerror="fail('the module script ${moduleSrc} (or one it imports) failed to load')"></script>
</head><body><h1>${title}</h1><pre id="log"></pre></body></html>`;
}
