// The one way a cargo-built aggpay.wasm becomes the shipped .wasm: wasm-bindgen (its JS glue and the
// bindgen'ed module), then wasm-opt from the npm package `binaryen`. pkg/build.mjs uses it for the package,
// scripts/wasm-size.mjs for the per-feature builds it measures, so both are optimized alike.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

// -Oz: size first. The enabled features are what every supported runtime has had for years (wasm-bindgen's own
// output uses them). Debug info, the name section, the producers and target-features sections are dropped: the
// shipped file carries code and data only.
export const WASM_OPT_ARGS = ['-Oz', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--strip-debug', '--strip-producers', '--strip-target-features'];

/** wasm-bindgen `input` into `glueDir` (aggpay.js + aggpay_bg.wasm); then wasm-opt that module to `output`. */
export function bindgenAndOptimize(input, glueDir, output, { stdio = 'inherit' } = {}) {
  rmSync(glueDir, { recursive: true, force: true });
  execFileSync('wasm-bindgen', ['--target', 'web', '--out-dir', glueDir, '--out-name', 'aggpay', input], { stdio });
  execFileSync(join(root, 'node_modules/.bin/wasm-opt'), [...WASM_OPT_ARGS, join(glueDir, 'aggpay_bg.wasm'), '-o', output], { stdio });
}
