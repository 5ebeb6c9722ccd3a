// Runs the Worker locally in workerd (miniflare's binary) against the gateway emulator — what `wrangler dev` does:
// bundle worker.mjs with the Worker resolve conditions (so `aggpay` picks its `workerd` entry), keep the .wasm a
// separate CompiledWasm module, serve on 127.0.0.1.
//
//   node js-examples/worker-backend/dev.mjs [--port 8787] [--emulator http://127.0.0.1:PORT]
//
// Without --emulator it starts one in this process. The emulator's Lakala credentials become the Worker's vars.
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { startEmulator } from '../emulator/index.mjs';

process.env.WRANGLER_SEND_METRICS ??= 'false';
const here = dirname(fileURLToPath(import.meta.url));

/** worker.mjs as wrangler would upload it: one ES module plus each imported .wasm as a compiled module. */
async function bundle(entry) {
  const wasm = new Map();
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    logLevel: 'silent',
    plugins: [{
      name: 'wasm-modules',
      setup(b) {
        b.onResolve({ filter: /\.wasm$/ }, (args) => {
          const file = resolve(args.resolveDir, args.path);
          wasm.set(basename(file), file);
          return { path: `./${basename(file)}`, external: true };
        });
      },
    }],
  });
  return [
    { type: 'ESModule', path: '/worker/worker.mjs', contents: out.outputFiles[0].text },
    ...[...wasm].map(([name, file]) => ({ type: 'CompiledWasm', path: `/worker/${name}`, contents: readFileSync(file) })),
  ];
}

/** Starts the emulator (unless `emulatorUrl`) and the Worker. Resolves to { url, emulatorUrl, close() }. */
export async function startDev({ port = 8787, emulatorUrl } = {}) {
  const emu = emulatorUrl ? null : await startEmulator({ port: 0 });
  const gateway = emulatorUrl ?? emu.url;
  let mf;
  try {
    const res = await fetch(`${gateway}/__emulator/lakala/credentials`);
    if (res.status !== 200) throw new Error(`${gateway} is not the aggpay emulator (HTTP ${res.status})`);
    const lk = await res.json();
    mf = new Miniflare({
      modules: await bundle(join(here, 'worker.mjs')),
      modulesRoot: '/worker',
      compatibilityDate: '2025-09-01',
      host: '127.0.0.1',
      port,
      bindings: {
        LAKALA_BASE_URL: `${gateway}/lakala`,
        LAKALA_APP_ID: lk.appId,
        LAKALA_SERIAL_NO: lk.serialNo,
        LAKALA_PRIVATE_KEY: lk.privateKeyPem,
        LAKALA_PLATFORM_CERTIFICATE: lk.platformCertificatePem,
        LAKALA_MERCHANT_NO: lk.merchantNo,
        LAKALA_TERM_NO: lk.termNo,
      },
    });
    const url = (await mf.ready).href.replace(/\/$/, '');
    return { url, emulatorUrl: gateway, close: async () => { await mf.dispose(); await emu?.close(); } };
  } catch (e) {
    await mf?.dispose().catch(() => {});
    await emu?.close();
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8787' }, emulator: { type: 'string' } } });
  const dev = await startDev({ port: Number(values.port), emulatorUrl: values.emulator });
  console.log(`Worker (workerd) on ${dev.url}, gateway emulator on ${dev.emulatorUrl}. Try:
  curl -s -X POST ${dev.url}/orders -d '{"amount":1999,"subject":"Coffee","channel":"ALIPAY"}'
  curl -s -X POST ${dev.emulatorUrl}/__emulator/lakala/buyer-pays -d '{"out_trade_no":"<merchantOrderNo>"}'
  curl -s ${dev.url}/orders/<merchantOrderNo>
Ctrl-C stops both.`);
  const stop = async () => {
    await dev.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
