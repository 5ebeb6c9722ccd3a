// The package in a real browser: Debian's Chromium, driven by playwright-core, runs the runtime conformance cases
// (tests/conformance/cases.mjs) against the gateway emulator over 127.0.0.1, with the package loaded three ways a
// browser user loads it:
//   (a) bundled by esbuild (platform browser, `aggpay` resolved by the package's exports map, the .wasm copied
//       beside the bundle),
//   (b) as native ES modules, an import map pointing `aggpay` at dist/web.mjs,
//   (c) `aggpay/slim`, initialized by the page with `await init(fetch(url))`;
// and in each, signer 'auto' must be WebCrypto. Then the browser cashier example (js-examples/browser-cashier)
// is driven from order to PAID, and its screenshot is saved under target/test-artifacts/.
// Everything listens on 127.0.0.1 only and is stopped in `after`, pass or fail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import QRCode from 'qrcode';
import { startEmulator } from '../../js-examples/emulator/index.mjs';
import { CHROMIUM_ARGS, ROOT, pageHtml, runPage, serveTestOrigin } from '../browser/harness.mjs';

const require = createRequire(import.meta.url);
const ARTIFACTS = path.join(ROOT, 'target', 'test-artifacts');
// The installed package, found the way a user's tooling finds it (node_modules/aggpay → pkg).
const DIST = path.dirname(require.resolve('aggpay/aggpay_bg.wasm'));
const CHROMIUM = process.env.AGGPAY_CHROMIUM ?? '/usr/bin/chromium';
const INSECURE_HOST = 'till.aggpay.test';

const PAGES = {
  '/bundled.html': pageHtml({ title: 'aggpay: esbuild bundle', moduleSrc: '/bundle/bundled-entry.js' }),
  '/native.html': pageHtml({ title: 'aggpay: native ES modules', moduleSrc: '/tests/browser/native-entry.mjs',
    importMap: { aggpay: '/pkg/dist/web.mjs' } }),
  '/slim.html': pageHtml({ title: 'aggpay/slim', moduleSrc: '/tests/browser/slim-entry.mjs',
    importMap: { 'aggpay/slim': '/pkg/dist/core.mjs' } }),
};

let emu;
let origin;
let browser;
let bundleDir;
let cashier;

before(async () => {
  bundleDir = await mkdtemp(path.join(os.tmpdir(), 'aggpay-browser-'));
  emu = await startEmulator({ port: 0 });
  origin = await serveTestOrigin({
    emulatorUrl: emu.url,
    pages: PAGES,
    mounts: {
      '/pkg/dist/': DIST,
      '/tests/conformance/': path.join(ROOT, 'tests', 'conformance'),
      '/tests/browser/': path.join(ROOT, 'tests', 'browser'),
      '/bundle/': bundleDir,
    },
  });
  // INSECURE_HOST is the test origin under a name that is not localhost: plain http there is no secure context.
  browser = await chromium.launch({ executablePath: CHROMIUM, timeout: 20_000,
    args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`] });
});

after(async () => {
  // Each step on its own: one that fails must not leave the others running.
  for (const stop of [() => browser?.close(), () => cashier?.close(), () => origin?.close(), () => emu?.close(),
    () => bundleDir && rm(bundleDir, { recursive: true, force: true })]) {
    try {
      await stop();
    } catch (e) {
      console.error('cleanup:', e);
    }
  }
});

/** Every conformance case passed in the page, with WebCrypto signing; otherwise the failures' own texts. */
function expectConformance({ outcome, diagnostics }, label, { secure = true, signer = 'webcrypto' } = {}) {
  const seen = diagnostics.length ? `\n\nwhat the page showed:\n  ${diagnostics.join('\n  ')}` : '';
  assert.ok(outcome.ok, `${label}: the page did not run the cases: ${outcome.error}${seen}`);
  const { passed, failed } = outcome.report;
  assert.ok(failed.length === 0,
    `${label}: ${failed.length} conformance case(s) failed in Chromium:\n\n${failed.map((f) => `✗ ${f.name}\n${f.error}`).join('\n\n')}${seen}`);
  assert.ok(passed.length >= 6, `${label}: only ${passed.length} cases ran`);
  assert.equal(outcome.secureContext, secure, `${label}: the page should ${secure ? '' : 'not '}be a secure context`);
  assert.equal(outcome.signer, signer, `${label}: signer 'auto' for Lakala must be ${signer} here, got ${outcome.signer}`);
  // The verifier follows the signer: WebCrypto in a secure context, the Rust one without crypto.subtle.
  assert.equal(outcome.report.verifiers?.lakala, signer, `${label}: verifier 'auto' for Lakala must be ${signer} here`);
  assert.equal(outcome.report.verifiers?.shouqianba, signer, `${label}: verifier 'auto' for Shouqianba notifications`);
}

/** The paths the page asked this origin for, since `mark`. */
const requestedSince = (mark) => origin.requests.slice(mark);

test('(a) bundled by esbuild for the browser: the conformance cases pass, signing with WebCrypto', { timeout: 40_000 }, async () => {
  const built = await esbuild.build({
    entryPoints: [path.join(ROOT, 'tests', 'browser', 'bundled-entry.mjs')],
    absWorkingDir: ROOT, bundle: true, platform: 'browser', format: 'esm', outdir: bundleDir,
    metafile: true, logLevel: 'silent',
  });
  // The exports map's `browser` condition chose the web entry; nothing of the Node entries came in.
  const inputs = Object.keys(built.metafile.inputs);
  assert.ok(inputs.some((f) => f.endsWith('dist/web.mjs')), `the bundle should use dist/web.mjs: ${inputs.join(', ')}`);
  assert.deepEqual(inputs.filter((f) => /dist\/index\.(mjs|cjs)$|^node:/.test(f)), []);
  // What the README tells bundler users: put aggpay/aggpay_bg.wasm beside the bundle.
  await copyFile(require.resolve('aggpay/aggpay_bg.wasm'), path.join(bundleDir, 'aggpay_bg.wasm'));
  const mark = origin.requests.length;
  expectConformance(await runPage(browser, `${origin.url}/bundled.html`), 'esbuild bundle');
  assert.ok(requestedSince(mark).includes('/bundle/aggpay_bg.wasm'), 'the bundle loads the .wasm beside it');
});

test('(b) native ES modules with an import map: the conformance cases pass, signing with WebCrypto', { timeout: 40_000 }, async () => {
  const mark = origin.requests.length;
  expectConformance(await runPage(browser, `${origin.url}/native.html`), 'native ESM + import map');
  const asked = requestedSince(mark);
  for (const file of ['/pkg/dist/web.mjs', '/pkg/dist/core.mjs', '/pkg/dist/aggpay_bg.wasm']) {
    assert.ok(asked.includes(file), `${file} should have been loaded (asked: ${asked.filter((p) => !p.startsWith('/emu/')).join(', ')})`);
  }
});

test('(c) aggpay/slim after await init(fetch(url)): the conformance cases pass, signing with WebCrypto', { timeout: 40_000 }, async () => {
  const mark = origin.requests.length;
  expectConformance(await runPage(browser, `${origin.url}/slim.html`), 'aggpay/slim');
  const asked = requestedSince(mark);
  assert.ok(asked.includes('/pkg/dist/aggpay_bg.wasm'), 'the page fetched the .wasm itself');
  assert.ok(!asked.includes('/pkg/dist/web.mjs'), 'slim must not pull in the auto-loading entry');
});

test('a page on plain http under a LAN name (no secure context, so no crypto.subtle): the cases pass with the Rust signer', { timeout: 40_000 }, async () => {
  // A till's page served as http://<name>:<port>: WebCrypto is absent, getRandomValues is not; 'auto' must fall back.
  const url = new URL('/native.html', origin.url);
  url.hostname = INSECURE_HOST;
  expectConformance(await runPage(browser, url.href), 'insecure context', { secure: false, signer: 'wasm' });
});

test('the browser cashier example: QR code drawn, status live until PAID, secrets never in the page', { timeout: 40_000 }, async () => {
  // Imported here: the merchant server runs the Node entry, which must not stop the browser tests above from running.
  const { startCashier } = await import('../../js-examples/browser-cashier/serve.mjs');
  cashier = await startCashier({ port: 0, queryEveryMs: 300 });
  const { terminalKey } = await (await fetch(`${cashier.emulatorUrl}/__emulator/shouqianba/credentials`)).json();
  const context = await browser.newContext({ viewport: { width: 480, height: 620 } });
  const page = await context.newPage();
  const asked = [];
  const problems = [];
  page.on('request', (r) => asked.push(r.url()));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console.error: ${m.text()}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  await mkdir(ARTIFACTS, { recursive: true });
  try {
    await page.goto(`${cashier.url}/?poll=150`);
    await page.fill('#amount', '12.34');
    await page.fill('#subject', 'Browser test');
    await page.click('#create');
    await page.waitForSelector('#status[data-state="WAITING"]', { timeout: 10_000 });
    const orderNo = await page.getAttribute('#order', 'data-order-no');
    const order = cashier.orders.get(orderNo);
    assert.ok(order, `the merchant server holds order ${orderNo}`);
    assert.equal(await page.textContent('#total'), '¥12.34');

    // The canvas holds exactly the QR code of the order's qrCode: each module sampled at its centre.
    const qr = QRCode.create(order.qrCode, { errorCorrectionLevel: 'M' }).modules;
    const drawn = await page.evaluate(({ size, margin }) => {
      const canvas = document.getElementById('qr');
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const scale = canvas.width / (size + 2 * margin);
      let bits = '';
      for (let r = 0; r < size; r++) {
        for (let c = 0; c < size; c++) {
          const x = Math.floor((margin + c + 0.5) * scale);
          const y = Math.floor((margin + r + 0.5) * scale);
          bits += data[(y * canvas.width + x) * 4] < 128 ? '1' : '0';
        }
      }
      return bits;
    }, { size: qr.size, margin: 2 });
    assert.equal(drawn, Array.from(qr.data, (b) => (b ? '1' : '0')).join(''), 'the canvas shows the QR code of the order');

    // Nobody has paid: after several polls (and gateway queries) the page still waits.
    await page.waitForTimeout(700);
    assert.equal(await page.getAttribute('#status', 'data-state'), 'WAITING', 'unpaid orders stay WAITING');

    // The buyer scans and pays: the emulator's control route; the page must turn PAID by itself.
    const res = await fetch(`${cashier.emulatorUrl}/__emulator/shouqianba/buyer-pays`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_sn: orderNo }),
    });
    const paid = await res.json();
    assert.equal(res.status, 200, JSON.stringify(paid));
    assert.equal(String(paid.total_amount), '1234');
    await page.waitForSelector('#status[data-state="PAID"]', { timeout: 10_000 });
    assert.equal(await page.textContent('#status'), 'PAID');
    await page.screenshot({ path: path.join(ARTIFACTS, 'browser-cashier.png') });

    // The page only ever talked to the merchant server, and nothing it was given holds the terminal key.
    const elsewhere = asked.filter((u) => new URL(u).origin !== cashier.url);
    assert.deepEqual(elsewhere, [], 'the page must talk to the merchant server only');
    for (const file of ['/', '/app.js']) {
      const text = await (await fetch(`${cashier.url}${file}`)).text();
      assert.ok(!text.includes(terminalKey), `${file} must not contain the terminal key`);
    }
    assert.deepEqual(problems, []);
  } catch (e) {
    await page.screenshot({ path: path.join(ARTIFACTS, 'browser-cashier.failure.png') }).catch(() => {});
    if (problems.length) e.message += `\n\nwhat the page showed:\n  ${problems.join('\n  ')}`;
    throw e;
  } finally {
    await context.close();
  }
});

test('the browser cashier inside WeChat and Alipay: a JSAPI order paid through the wallet\'s own pay sheet', { timeout: 60_000 }, async () => {
  const { startCashier } = await import('../../js-examples/browser-cashier/serve.mjs');
  cashier ??= await startCashier({ port: 0, queryEveryMs: 300 });
  const wallets = [
    { wallet: 'WECHAT', ua: 'Mozilla/5.0 (Linux; Android 14) Mobile MicroMessenger/8.0.50', keys: ['appId', 'nonceStr', 'package', 'paySign', 'signType', 'timeStamp'] },
    { wallet: 'ALIPAY', ua: 'Mozilla/5.0 (Linux; Android 14) Mobile AlipayClient/10.6.0', keys: ['tradeNO'] },
  ];
  for (const { wallet, ua, keys } of wallets) {
    const context = await browser.newContext({ viewport: { width: 400, height: 620 }, userAgent: ua });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
    // The wallet's bridge, as WeChat / Alipay inject it: the buyer confirms on the pay sheet, which pays the order
    // at the gateway (here the emulator's control route) and answers the page as the wallet does.
    let sheet;
    await page.exposeFunction('__buyerConfirms', async (params) => {
      sheet = params;
      const [orderNo] = [...cashier.orders.keys()].slice(-1);
      const res = await fetch(`${cashier.emulatorUrl}/__emulator/shouqianba/buyer-pays`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_sn: orderNo }),
      });
      return res.status;
    });
    await page.addInitScript(() => {
      window.WeixinJSBridge = { invoke: (name, params, cb) => name === 'getBrandWCPayRequest' &&
        window.__buyerConfirms(params).then(() => cb({ err_msg: 'get_brand_wcpay_request:ok' })) };
      window.AlipayJSBridge = { call: (name, params, cb) => name === 'tradePay' &&
        window.__buyerConfirms(params).then(() => cb({ resultCode: '9000' })) };
    });
    try {
      await page.goto(`${cashier.url}/?poll=150&payer=${wallet === 'WECHAT' ? 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' : '2088102146225135'}`);
      assert.equal(await page.textContent('#create'), 'Pay');
      await page.click('#create');
      await page.waitForSelector('#status[data-state="PAID"]', { timeout: 10_000 });
      assert.equal(await page.isVisible('#qr'), false, `${wallet}: no QR code inside the wallet`);
      assert.deepEqual(Object.keys(sheet).sort(), keys, `${wallet}: the pay sheet got exactly the wallet's keys`);
      assert.ok(Object.values(sheet).every((v) => typeof v === 'string' && v), `${wallet}: all strings`);
      const order = [...cashier.orders.values()].at(-1);
      assert.equal(order.wallet, wallet);
      assert.ok(['query', 'notification'].includes(order.source), 'PAID comes from the server, not the wallet callback');
      assert.deepEqual(problems, []);
      await page.screenshot({ path: path.join(ARTIFACTS, `browser-cashier-${wallet.toLowerCase()}.png`) });
    } finally {
      await context.close();
    }
  }
});
