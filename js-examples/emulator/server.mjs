#!/usr/bin/env node
// Starts the aggpay gateway emulator: node js-examples/emulator/server.mjs [--port N] [--host ADDR]
// (127.0.0.1 unless --host says otherwise). The package's `aggpay emulator` command starts the same emulator.
import { parseArgs } from 'node:util';
import { startEmulator } from './index.mjs';

let port = 0;
let host;
try {
  const { values } = parseArgs({ options: { port: { type: 'string', short: 'p' }, host: { type: 'string' } } });
  host = values.host;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  }
} catch (err) {
  console.error(`${err.message}\nusage: node js-examples/emulator/server.mjs [--port N] [--host ADDR]`);
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

emu = await startEmulator({ port, ...(host && { host }) }).catch((err) => {
  console.error(`cannot start the emulator: ${err.message}`);
  process.exit(1);
});
console.log(`aggpay emulator listening on ${emu.url}`);
for (const text of emu.banners()) console.log(text);
console.log(`every gateway's client configuration: GET ${emu.url}/__emulator/conformance`);
