// Runs a Worker in workerd (through miniflare's bundled binary) the way `wrangler dev` / `wrangler deploy` would:
// esbuild bundles the Worker with wrangler's resolve conditions (`workerd`, `worker`, `browser`), so `aggpay` is
// resolved through the package's own exports map, and every `.wasm` import is kept out of the bundle and handed to
// workerd as a CompiledWasm module (wrangler's default rule for `*.wasm`): Workers compile Wasm at deploy time and
// refuse to compile bytes at run time.
//
//   const worker = await startWorker({ entry, bindings: { EMULATOR_URL } });
//   worker.url, worker.inputs (the package files the bundle took), await worker.dispose()
import { readFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

process.env.WRANGLER_SEND_METRICS ??= 'false';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// Wrangler's own choice of conditions for Workers.
export const WORKER_CONDITIONS = ['workerd', 'worker', 'browser'];
// A compatibility date this workerd build supports; no nodejs_compat flag: the package must not need it.
export const COMPATIBILITY_DATE = '2025-09-01';

/** Bundles `entry` for Workers. Returns the ES module, the wasm modules it imports, and the files it took in. */
export async function bundleWorker(entry, { conditions = WORKER_CONDITIONS } = {}) {
  const wasm = new Map(); // module name → absolute path
  const wasmModules = {
    name: 'wasm-as-compiled-module',
    setup(b) {
      b.onResolve({ filter: /\.wasm(\?module)?$/ }, (args) => {
        const file = resolve(args.resolveDir, args.path.replace(/\?module$/, ''));
        const name = basename(file);
        if (wasm.has(name) && wasm.get(name) !== file) throw new Error(`two wasm modules named ${name}`);
        wasm.set(name, file);
        return { path: `./${name}`, external: true };
      });
    },
  };
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions,
    mainFields: ['browser', 'module', 'main'],
    metafile: true,
    logLevel: 'silent',
    plugins: [wasmModules],
  });
  const inputs = Object.keys(out.metafile.inputs).map((p) => relative(ROOT, resolve(p)));
  const modules = [
    { type: 'ESModule', path: 'worker.mjs', contents: out.outputFiles[0].text },
    ...[...wasm].map(([name, file]) => ({ type: 'CompiledWasm', path: name, contents: readFileSync(file) })),
  ];
  return { modules, inputs };
}

/** Bundles `entry` and serves it from workerd on 127.0.0.1 (a free port unless `port`). */
export async function startWorker({ entry, bindings = {}, port = 0, conditions } = {}) {
  const { modules, inputs } = await bundleWorker(entry, { conditions });
  const mf = new Miniflare({
    modules: modules.map((m) => ({ ...m, path: resolve('/worker', m.path) })),
    modulesRoot: '/worker',
    compatibilityDate: COMPATIBILITY_DATE,
    bindings,
    host: '127.0.0.1',
    port,
  });
  let url;
  try {
    url = await mf.ready;
  } catch (e) {
    await mf.dispose().catch(() => {});
    throw e;
  }
  return { url: url.href.replace(/\/$/, ''), inputs, modules, dispose: () => mf.dispose() };
}
