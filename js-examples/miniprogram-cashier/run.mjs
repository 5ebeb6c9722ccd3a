// Runs this mini-program's cashier page in the mini-program sandbox (tests/miniprogram/sandbox.mjs: only
// wx, WXWebAssembly and the language — no WebAssembly, fetch, TextDecoder or crypto) against the gateway
// emulator, the way WeChat would after "Build npm": the package's "miniprogram" directory is mounted at
// /miniprogram_npm/aggpay/, app.js launches, the page loads, wx.scanCode reads the barcode, the page charges it.
//
//   node js-examples/miniprogram-cashier/run.mjs [--amount 12.34] [--barcode 130000000000000001] [--emulator URL]
//
// Barcodes (emulator): 13… paid at once; 91… paid after the buyer confirms (two polls, 4 s apart);
// 94… declined (insufficient funds). Exit status 0 when the sale ends PAID.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createMiniProgram } from '../../tests/miniprogram/sandbox.mjs';
import { startEmulator } from '../emulator/index.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** The directory WeChat DevTools' "Build npm" copies for a package: its package.json "miniprogram" field. */
export function miniprogramDirOf(name) {
  const require = createRequire(join(here, 'package.json'));
  const pkgJson = require.resolve(`${name}/package.json`);
  const field = require(pkgJson).miniprogram;
  if (!field) throw new Error(`${name} has no "miniprogram" field: DevTools would bundle its main entry instead`);
  return join(dirname(pkgJson), field);
}

/**
 * Opens the cashier page with a till provisioned for the emulator at `emulatorUrl`, scans `barcode`, and
 * resolves when the page shows a verdict: { data (the page's data), stats (the sandbox's), mp }.
 */
export async function runCashier({ emulatorUrl, barcode = '130000000000000001', amount = '12.34', deviceId = 'sandbox-till', log, timeoutMs = 60_000 }) {
  const creds = await (await fetch(`${emulatorUrl}/__emulator/shouqianba/credentials`)).json();
  const mp = createMiniProgram({
    mounts: { '/': here, '/miniprogram_npm/aggpay': miniprogramDirOf('aggpay') },
    scan: () => barcode,
    log,
  });
  try {
    // What the merchant's server provisions onto this device: its own terminal, nothing else.
    mp.storage.set('aggpay.till', { baseUrl: emulatorUrl, terminalSn: creds.terminalSn, terminalKey: creds.terminalKey, deviceId, operator: 'cashier-1' });
    const page = mp.openPage('pages/cashier/index');
    page.onAmountInput({ detail: { value: amount } });
    page.onScan();
    const deadline = Date.now() + timeoutMs;
    while (['idle', 'paying'].includes(page.data.status)) {
      if (Date.now() > deadline) throw new Error(`no verdict within ${timeoutMs} ms (status ${page.data.status})`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return { data: { ...page.data }, stats: mp.stats, till: mp.storage.get('aggpay.till'), mp };
  } finally {
    mp.close();
  }
}

/**
 * Opens the buyer's checkout page (pages/checkout) against the merchant server at `serverUrl` (the browser
 * cashier's, js-examples/browser-cashier/serve.mjs), presses Pay, and lets `pay(params)` play the buyer on
 * wx.requestPayment's sheet. Resolves when the page shows a final state: { data, sheet (what the sheet got) }.
 */
export async function runCheckout({ serverUrl, pay, amount = '12.34', log, timeoutMs = 30_000 }) {
  let sheet;
  const mp = createMiniProgram({
    mounts: { '/': here, '/miniprogram_npm/aggpay': miniprogramDirOf('aggpay') },
    pay: (params) => {
      sheet = params;
      return pay(params);
    },
    log,
  });
  try {
    mp.storage.set('aggpay.shop', { serverUrl });
    const page = mp.openPage('pages/checkout/index');
    page.onAmountInput({ detail: { value: amount } });
    const done = page.onPay();
    const deadline = Date.now() + timeoutMs;
    while (!['PAID', 'CLOSED', 'FAILED', 'error'].includes(page.data.status)) {
      if (Date.now() > deadline) throw new Error(`no final state within ${timeoutMs} ms (status ${page.data.status})`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await done;
    return { data: { ...page.data }, sheet, stats: mp.stats };
  } finally {
    mp.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { amount: { type: 'string' }, barcode: { type: 'string' }, emulator: { type: 'string' } } });
  const emu = values.emulator ? null : await startEmulator({ port: 0 });
  const emulatorUrl = values.emulator ?? emu.url;
  try {
    const started = Date.now();
    const { data, stats } = await runCashier({ emulatorUrl, barcode: values.barcode, amount: values.amount });
    console.log(`cashier page (mini-program sandbox) against ${emulatorUrl}`);
    console.log(`  order     ${data.orderNo}`);
    console.log(`  verdict   ${data.status}${data.paidYuan ? `  ¥${data.paidYuan}` : ''}`);
    console.log(`  message   ${data.message}`);
    console.log(`  wx.request calls ${stats.requests}, wasm loaded from ${stats.instantiated.join(', ')}, ${Date.now() - started} ms`);
    process.exitCode = data.status === 'PAID' ? 0 : 1;
  } finally {
    await emu?.close();
  }
}
