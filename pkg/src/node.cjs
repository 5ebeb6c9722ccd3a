// Node and Bun entry (CommonJS; the ESM entry re-exports this one, so both share one instance and one
// AggpayError class). Loads the one .wasm beside this file and hands the core node:crypto.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const nodeCrypto = require('node:crypto');
const { initSync, AggpayError, createClient, fenToYuan, yuanToFen } = require('./facade.js');

initSync(readFileSync(join(__dirname, 'aggpay_bg.wasm')), { nodeCrypto });
module.exports = { AggpayError, createClient, fenToYuan, yuanToFen };
module.exports.default = module.exports;
