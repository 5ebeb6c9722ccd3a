// Node ESM entry: load the one .wasm beside this file, then expose the public API.
import { readFileSync } from 'node:fs';
import { init } from './facade.js';

init(readFileSync(new URL('./aggpay_bg.wasm', import.meta.url)));
export { AggpayError, createClient, fenToYuan, yuanToFen } from './facade.js';
