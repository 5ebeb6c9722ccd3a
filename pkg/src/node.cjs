// Node CommonJS entry: the same facade, bundled to CJS by pkg/build.mjs.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { init, AggpayError, createClient, fenToYuan, yuanToFen } = require('./facade.js');

init(readFileSync(join(__dirname, 'aggpay_bg.wasm')));
module.exports = { AggpayError, createClient, fenToYuan, yuanToFen };
