// Runs server.ts in Deno against the gateway emulator, with the least permissions it needs: the network on
// 127.0.0.1 only, its own LAKALA_* / HOST / PORT / PUBLIC_URL variables, and reading the aggpay package directory
// (the deno entry fetches its .wasm from there).
//
//   node js-examples/deno-server/dev.mjs [--port 8000] [--emulator http://127.0.0.1:PORT]
//
// Without --emulator it starts one in this process. The emulator's Lakala credentials become the server's LAKALA_*.
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmulator } from '../emulator/index.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const localDeno = join(here, '../../node_modules/.bin/deno'); // the `deno` npm package of this repository
const DENO = existsSync(localDeno) ? localDeno : 'deno';
const ENV_NAMES = ['LAKALA_BASE_URL', 'LAKALA_APP_ID', 'LAKALA_SERIAL_NO', 'LAKALA_PRIVATE_KEY', 'LAKALA_PLATFORM_CERTIFICATE',
  'LAKALA_MERCHANT_NO', 'LAKALA_TERM_NO', 'HOST', 'PORT', 'PUBLIC_URL'];
/** The directory Deno must be allowed to read: the package's real location (npm links and file: deps are symlinks). */
export const packageDir = realpathSync(dirname(createRequire(join(here, 'server.ts')).resolve('aggpay/package.json')));

/** Starts the emulator (unless `emulatorUrl`) and the Deno server. Resolves to { url, emulatorUrl, output(), close() }. */
export async function startDev({ port = 8000, emulatorUrl, timeoutMs = 20_000 } = {}) {
  const emu = emulatorUrl ? null : await startEmulator({ port: 0 });
  const gateway = emulatorUrl ?? emu.url;
  let child;
  let log = '';
  // deno may run behind a wrapper (the npm package's bin.cjs): signal the whole process group, not just the wrapper.
  const stopGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      child.kill(signal);
    }
  };
  const close = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      stopGroup('SIGTERM');
      const timer = setTimeout(() => stopGroup('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await emu?.close();
  };
  try {
    const res = await fetch(`${gateway}/__emulator/lakala/credentials`);
    if (res.status !== 200) throw new Error(`${gateway} is not the aggpay emulator (HTTP ${res.status})`);
    const lk = await res.json();
    const env = {
      PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1',
      ...(process.env.DENO_DIR && { DENO_DIR: process.env.DENO_DIR }),
      HOST: '127.0.0.1',
      PORT: String(port),
      LAKALA_BASE_URL: `${gateway}/lakala`,
      LAKALA_APP_ID: lk.appId,
      LAKALA_SERIAL_NO: lk.serialNo,
      LAKALA_PRIVATE_KEY: lk.privateKeyPem,
      LAKALA_PLATFORM_CERTIFICATE: lk.platformCertificatePem,
      LAKALA_MERCHANT_NO: lk.merchantNo,
      LAKALA_TERM_NO: lk.termNo,
    };
    child = spawn(DENO, ['run', '--no-prompt', '--allow-net=127.0.0.1', `--allow-env=${ENV_NAMES.join(',')}`,
      `--allow-read=${packageDir}`, join(here, 'server.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killOnExit = () => stopGroup('SIGKILL'); // never leave the server behind this process
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    const url = await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`deno-server did not start in ${timeoutMs} ms:\n${log}`)), timeoutMs);
      const onData = (chunk) => {
        log += chunk;
        const m = log.match(/listening on (http:\/\/[\d.]+:\d+)/);
        if (m) {
          clearTimeout(timer);
          ok(m[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('error', (e) => { clearTimeout(timer); fail(e); });
      child.once('exit', (code, signal) => { clearTimeout(timer); fail(new Error(`deno exited (${code ?? signal}):\n${log}`)); });
    });
    return { url, emulatorUrl: gateway, output: () => log, close };
  } catch (e) {
    await close();
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8000' }, emulator: { type: 'string' } } });
  const dev = await startDev({ port: Number(values.port), emulatorUrl: values.emulator });
  let shown = dev.output().length;
  setInterval(() => {
    const out = dev.output();
    if (out.length > shown) process.stdout.write(out.slice(shown));
    shown = out.length;
  }, 200).unref();
  process.stdout.write(dev.output());
  console.log(`Deno server on ${dev.url}, gateway emulator on ${dev.emulatorUrl}. Try:
  curl -s -X POST ${dev.url}/orders -d '{"amount":1999,"subject":"Coffee","channel":"ALIPAY"}'
  curl -s -X POST ${dev.emulatorUrl}/__emulator/lakala/buyer-pays -d '{"out_trade_no":"<merchantOrderNo>"}'
  curl -s ${dev.url}/orders/<merchantOrderNo>
Ctrl-C stops both.`);
  const stop = async () => {
    await dev.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
