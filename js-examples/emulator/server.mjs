#!/usr/bin/env node
// Starts the aggpay gateway emulator: node js-examples/emulator/server.mjs [--port N]
import { parseArgs } from 'node:util';
import { startEmulator } from './index.mjs';

let port = 0;
try {
  const { values } = parseArgs({ options: { port: { type: 'string', short: 'p' } } });
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  }
} catch (err) {
  console.error(`${err.message}\nusage: node js-examples/emulator/server.mjs [--port N]`);
  process.exit(2);
}

// Installed before start-up so an early Ctrl-C still exits cleanly.
let emu = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await emu?.close();
    process.exit(0);
  });
}

emu = await startEmulator({ port }).catch((err) => {
  console.error(`cannot start the emulator: ${err.message}`);
  process.exit(1);
});
const c = emu.shouqianba.credentials;
console.log(`aggpay emulator listening on ${emu.url}`);
console.log(`shouqianba (收钱吧) api_domain: ${emu.url}
  vendor_sn=${c.vendorSn} vendor_key=${c.vendorKey}
  app_id=${c.appId} activation code=${c.activationCode}
  terminal_sn=${c.terminalSn} terminal_key=${c.terminalKey}
  notification public key: GET ${emu.url}/__emulator/shouqianba/public-key`);
