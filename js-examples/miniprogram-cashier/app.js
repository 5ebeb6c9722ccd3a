// The cashier mini-program. The WebAssembly module starts loading at launch; pages await the same promise.
const aggpay = require('aggpay/miniprogram');
const till = require('./till.js');

// Development only: a till with no terminal of its own talks to a local emulator
// (node js-examples/emulator/server.mjs --port 8787) with the emulator's pre-activated terminal.
const DEV_TILL = {
  baseUrl: 'http://127.0.0.1:8787',
  terminalSn: '10298371039',
  terminalKey: '68d499beda5f72116592f5c527465656',
  deviceId: 'devtools-till',
  operator: 'cashier-1',
};

App({
  onLaunch() {
    if (!till.provisioned()) till.save(DEV_TILL);
    // Default path: /miniprogram_npm/aggpay/aggpay_bg.wasm.br, where "Build npm" puts it.
    aggpay.init().catch((e) => console.error('aggpay could not load:', e.message));
  },
});
