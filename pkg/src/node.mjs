// Node and Bun ESM entry: loads the CommonJS build through require, so that ESM and CJS users share one module
// instance (one wasm instance, one AggpayError class). require() rather than `import … from './index.cjs'`:
// importing CommonJS makes Node scan the whole bundle for named exports (cjs-module-lexer), ~10 ms of a cold import.
import { createRequire } from 'node:module';

// A bundler writing CommonJS leaves import.meta empty: there its own require takes index.cjs into the bundle.
const aggpay = import.meta.url ? createRequire(import.meta.url)('./index.cjs') : require('./index.cjs');

export const { AggpayError, createClient, fenToYuan, yuanToFen } = aggpay;
export default { AggpayError, createClient, fenToYuan, yuanToFen };
