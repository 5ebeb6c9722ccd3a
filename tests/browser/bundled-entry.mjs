// (a) The package through a bundler: esbuild, platform browser, `aggpay` resolved by the package's exports map
// (the `browser` condition: dist/web.mjs), the .wasm copied beside the bundle.
import * as aggpay from 'aggpay';
import { check, report } from './in-page.mjs';

report(check(aggpay, 'bnd'));
