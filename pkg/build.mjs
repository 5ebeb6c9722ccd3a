// Turns the compiled wasm into the npm package in pkg/dist: one wasm-opt'ed .wasm (and its .br for
// mini-programs) shared by small per-runtime loaders over one ESM bundle of the facade and glue.
// Usage: node pkg/build.mjs <path to aggpay.wasm from cargo>
import { appendFileSync, chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';
import { build } from 'esbuild';
import { bindgenAndOptimize } from './wasm-opt.mjs';

const pkg = dirname(fileURLToPath(import.meta.url));
const root = dirname(pkg);
const input = process.argv[2] ?? join(root, 'target/wasm32-unknown-unknown/release/aggpay.wasm');
const glue = join(root, 'target/wasm-bindgen');
const dist = join(pkg, 'dist');
const src = (f) => join(pkg, 'src', f);

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const wasm = join(dist, 'aggpay_bg.wasm');
bindgenAndOptimize(input, glue, wasm);
// Loaders with their own instantiate (WXWebAssembly) need the glue's imports and its finishing step.
appendFileSync(join(glue, 'aggpay.js'), '\nexport { __wbg_get_imports, __wbg_finalize_init };\n');
// The brotli copy lives once, where mini-programs load it (dist/miniprogram/); ./aggpay_bg.wasm.br points there.
const br = join(dist, 'miniprogram/aggpay_bg.wasm.br');
mkdirSync(join(dist, 'miniprogram'));
writeFileSync(br, brotliCompressSync(readFileSync(wasm), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));

const common = {
  bundle: true,
  alias: { 'aggpay-core': join(glue, 'aggpay.js') },
  logOverride: { 'empty-import-meta': 'silent' },
  legalComments: 'none',
};
// Node and Bun: CommonJS with its own instance (the ESM entry re-exports it).
await build({ ...common, platform: 'node', target: 'node18', entryPoints: [src('node.cjs')], format: 'cjs', outfile: join(dist, 'index.cjs') });
// Everything else shares one ESM bundle (also the ./slim entry); the loaders import it.
await build({ ...common, platform: 'neutral', target: 'es2022', entryPoints: [src('facade.js')], format: 'esm', outfile: join(dist, 'core.mjs') });
// WeChat mini-programs: CommonJS (they `require`), its polyfills evaluated before the glue. dist/miniprogram/ is
// what DevTools' "Build npm" copies into miniprogram_npm/aggpay/ (package.json "miniprogram"): the entry, under
// the names require('aggpay') and require('aggpay/miniprogram') find there, and the .wasm.br WXWebAssembly loads.
// (Given as stdin: a .js file under "type": "module" would be read as ESM, and ESM hoists the facade's import.)
await build({ ...common, platform: 'neutral', target: 'es2017', format: 'cjs', outfile: join(dist, 'miniprogram.cjs'),
  stdin: { contents: readFileSync(src('miniprogram.js'), 'utf8'), resolveDir: join(pkg, 'src'), sourcefile: 'miniprogram.js', loader: 'js' } });
copyFileSync(join(dist, 'miniprogram.cjs'), join(dist, 'miniprogram/index.js'));
writeFileSync(join(dist, 'miniprogram/miniprogram.js'), "module.exports = require('./index.js');\n");
writeFileSync(join(dist, 'miniprogram.d.cts'), readFileSync(src('miniprogram.d.ts'), 'utf8').replaceAll("'./index.js'", "'./index.cjs'"));
for (const f of ['node.mjs', 'web.mjs', 'workerd.mjs']) copyFileSync(src(f), join(dist, f === 'node.mjs' ? 'index.mjs' : f));
// The declarations: index.d.ts and each gateway's types/<name>.d.ts, with .d.cts twins for require() whose
// relative imports name the .d.cts side (a CommonJS declaration cannot import an ESM one).
const cts = (text) => text.replace(/(from |module )'(\.{1,2}\/[^']*)\.d\.ts'/g, "$1'$2.d.cts'");
copyFileSync(src('index.d.ts'), join(dist, 'index.d.ts'));
writeFileSync(join(dist, 'index.d.cts'), cts(readFileSync(src('index.d.ts'), 'utf8')));
mkdirSync(join(dist, 'types'));
for (const f of readdirSync(join(pkg, 'src/types')).filter((n) => n.endsWith('.d.ts'))) {
  const text = readFileSync(join(pkg, 'src/types', f), 'utf8');
  writeFileSync(join(dist, 'types', f), text);
  writeFileSync(join(dist, 'types', f.replace(/\.d\.ts$/, '.d.cts')), cts(text));
}
copyFileSync(src('slim.d.ts'), join(dist, 'slim.d.ts'));
// aggpay/emulator and the `aggpay` command (Node only): the repository's emulator as it is (its modules, not its
// tests or README) in dist/emulator/, the typed wrapper and the CLI beside it. They import it relatively.
const emulator = join(root, 'js-examples/emulator');
mkdirSync(join(dist, 'emulator'));
for (const f of readdirSync(emulator).filter((n) => n.endsWith('.mjs') && !n.endsWith('.test.mjs'))) {
  copyFileSync(join(emulator, f), join(dist, 'emulator', f));
}
for (const f of ['emulator.mjs', 'emulator.d.ts', 'cli.mjs']) copyFileSync(src(f), join(dist, f));
chmodSync(join(dist, 'cli.mjs'), 0o755);
console.log(`pkg/dist built: aggpay_bg.wasm ${statSync(wasm).size} bytes (${statSync(br).size} brotli)`);
