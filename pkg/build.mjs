// Turns the compiled wasm into the npm package in pkg/dist: wasm-bindgen glue (web target, which
// takes the module bytes from us), one wasm-opt'ed .wasm, and ESM + CJS bundles of the facade.
// Usage: node pkg/build.mjs <path to aggpay.wasm from cargo>
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkg = dirname(fileURLToPath(import.meta.url));
const root = dirname(pkg);
const input = process.argv[2] ?? join(root, 'target/wasm32-unknown-unknown/release/aggpay.wasm');
const glue = join(root, 'target/wasm-bindgen');
const dist = join(pkg, 'dist');
const bin = (name) => join(root, 'node_modules/.bin', name);

rmSync(glue, { recursive: true, force: true });
execFileSync('wasm-bindgen', ['--target', 'web', '--out-dir', glue, '--out-name', 'aggpay', input], { stdio: 'inherit' });
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const wasm = join(dist, 'aggpay_bg.wasm');
execFileSync(bin('wasm-opt'), ['-Oz', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--strip-debug', join(glue, 'aggpay_bg.wasm'), '-o', wasm], { stdio: 'inherit' });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  alias: { 'aggpay-core': join(glue, 'aggpay.js') },
  logOverride: { 'empty-import-meta': 'silent' },
  legalComments: 'none',
};
await build({ ...common, entryPoints: [join(pkg, 'src/node.cjs')], format: 'cjs', outfile: join(dist, 'index.cjs') });
copyFileSync(join(pkg, 'src/node.mjs'), join(dist, 'index.mjs'));
copyFileSync(join(pkg, 'src/index.d.ts'), join(dist, 'index.d.ts'));
copyFileSync(join(pkg, 'src/index.d.ts'), join(dist, 'index.d.cts'));
console.log(`pkg/dist built: aggpay_bg.wasm ${statSync(wasm).size} bytes`);
