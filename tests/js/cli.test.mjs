// The `aggpay` command end to end, as installed: the package's bin run by Node against the emulator over HTTP,
// every command for every gateway of the emulator's registry (this file names none), the exit codes scripts rely
// on, configuration mistakes, and that no secret ever reaches its output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createClient } from 'aggpay';
import { startEmulator } from 'aggpay/emulator';
import { startMerchant } from './kit.mjs';

const require = createRequire(import.meta.url);
const pkgJson = require.resolve('aggpay/package.json');
const BIN = join(dirname(pkgJson), JSON.parse(readFileSync(pkgJson, 'utf8')).bin.aggpay);
const T = { timeout: 60_000 };

let emu;
let described; // GET /__emulator/conformance: per gateway, the extra input each operation needs
let dir;
const outputs = []; // everything the command printed, for the secrets check at the end
const secrets = new Set();

/** Runs the bin; resolves { code, stdout, stderr }. The environment's AGGPAY_CONFIG_JSON is never inherited. */
function run(args, { input, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const { AGGPAY_CONFIG_JSON, ...clean } = process.env;
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...clean, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    child.on('error', reject);
    child.on('close', (code) => {
      outputs.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

let n = 0;
const orderNo = (p) => `cli${p}${process.pid % 10000}${Date.now() % 100000}${++n}`.slice(0, 32);
const file = (name, content) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content));
  return path;
};
const configFile = (p) => file(`${p}.json`, emu.clientOptions(p));

/** A paid order at gateway `g`: a barcode pay where it has one, else a QR order its buyer pays. */
async function paidOrder(g, amount = 1234) {
  const client = createClient(emu.clientOptions(g.provider));
  const merchantOrderNo = orderNo('p');
  const barcode = emu.barcodes(g.provider).success;
  const r = barcode && g.pay
    ? await client.pay({ merchantOrderNo, amount, subject: 'cli', authCode: barcode, ...g.pay })
    : await client.precreate({ merchantOrderNo, amount, subject: 'cli', ...g.precreate });
  assert.notEqual(r.outcome, 'FAILED', JSON.stringify(r.error));
  if (!(barcode && g.pay)) emu.buyerPays(g.provider, merchantOrderNo);
  return merchantOrderNo;
}

before(async () => {
  emu = await startEmulator();
  described = await (await fetch(`${emu.url}/__emulator/conformance`)).json();
  for (const g of described) {
    for (const s of g.secrets) secrets.add(s);
    for (const creds of [g.credentials, ...(g.variants ?? []).map((v) => v.credentials ?? {})]) {
      for (const [k, v] of Object.entries(creds)) if (/key|secret/i.test(k) && !/public|cert/i.test(k) && typeof v === 'string') secrets.add(v);
    }
  }
  dir = mkdtempSync(join(tmpdir(), 'aggpay-cli-'));
});
after(async () => {
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('--help for the command and each subcommand; no command or an unknown one is a usage error', T, async () => {
  const main = await run(['--help']);
  assert.equal(main.code, 0);
  assert.match(main.stdout, /usage: aggpay <command>/);
  for (const cmd of ['emulator', 'query', 'verify-notification', 'build']) {
    const r = await run([cmd, '--help']);
    assert.equal(r.code, 0, cmd);
    assert.match(r.stdout, new RegExp(`usage: aggpay ${cmd}`));
    assert.match(r.stdout, /Exit|Runs until/);
  }
  assert.equal((await run([])).code, 2);
  const unknown = await run(['refund-everything']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command/);
});

test('emulator: prints the base URL and working credentials of every gateway, on 127.0.0.1; stops on SIGTERM', T, async () => {
  const configs = join(dir, 'emu-configs');
  const child = spawn(process.execPath, [BIN, 'emulator', '--json', '--write-configs', configs]);
  const line = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (c) => {
      text += c;
      if (text.includes('\n')) resolve(text.split('\n')[0]);
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`exited ${code} before printing`)));
  });
  const printed = JSON.parse(line);
  assert.match(printed.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(Object.keys(printed.providers), emu.providers);
  for (const [p, d] of Object.entries(printed.providers)) {
    assert.equal(d.config.provider, p);
    assert.ok(d.config.baseUrl.startsWith(printed.url));
    assert.deepEqual(JSON.parse(readFileSync(join(configs, `${p}.json`), 'utf8')), d.config);
  }
  // The printed configuration works: a query against that emulator gets the gateway's answer.
  const [p] = emu.providers;
  const g = described.find((x) => x.provider === p);
  const q = await run(['query', '--config', join(configs, `${p}.json`), '--order', orderNo('e'), '--input', file('eq.json', g.query), '--json']);
  const result = JSON.parse(q.stdout);
  assert.equal(result.provider, p);
  assert.ok(result.error?.code === 'ORDER_NOT_FOUND' || result.outcome !== 'SUCCEEDED', q.stdout);
  const closed = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await closed, 0);
  // The text form, with a bad option: a usage error.
  const bad = await run(['emulator', '--port', 'eighty']);
  assert.equal(bad.code, 2);
});

test('query: every gateway, a paid order as a table and as JSON (exit 0)', T, async () => {
  for (const g of described) {
    const p = g.provider;
    const no = await paidOrder(g, 1234);
    const input = file(`${p}-q.json`, g.query);
    const text = await run(['query', '--provider', p, '--config', configFile(p), '--order', no, '--input', input]);
    assert.equal(text.code, 0, `${p}: ${text.stdout}${text.stderr}`);
    assert.match(text.stdout, /^outcome\s+SUCCEEDED$/m, p);
    assert.match(text.stdout, /^order\.state\s+SUCCESS$/m, p);
    assert.match(text.stdout, /^order\.amounts\.total\s+1234 fen \(12\.34 yuan\)$/m, p);
    assert.match(text.stdout, new RegExp(`^order\\.merchantOrderNo\\s+${no}$`, 'm'), p);
    const json = await run(['query', '--config', configFile(p), '--order', no, '--input', input, '--json', '--verbose']);
    assert.equal(json.code, 0, p);
    const r = JSON.parse(json.stdout);
    assert.equal(r.outcome, 'SUCCEEDED');
    assert.equal(r.order.amounts.total, 1234);
    assert.ok('raw' in r, '--json keeps the raw answer');
    assert.match(json.stderr, /^POST http:\/\/127\.0\.0\.1:\d+\//, `${p}: --verbose shows the exchange`);
    assert.match(json.stderr, /\[SCRUBBED\]/, `${p}: with its signature scrubbed`);
    // A refund of it: --refund asks the gateway about that refund, wherever the gateway reports it.
    const refundNo = `${no}R`.slice(-32);
    const refunded = await createClient(emu.clientOptions(p)).refund({ merchantOrderNo: no, refundNo, amount: 234, ...g.refund });
    assert.notEqual(refunded.outcome, 'FAILED', `${p}: ${JSON.stringify(refunded.error)}`);
    const rq = await run(['query', '--config', configFile(p), '--order', no, '--refund', refundNo, '--input', input]);
    assert.equal(rq.code, 0, `${p}: ${rq.stdout}${rq.stderr}`);
    assert.match(rq.stdout, /^refund\.amount\s+234 fen \(2\.34 yuan\)$/m, `${p}: ${rq.stdout}`);
  }
});

test('query: no trustworthy answer is exit 3; a gateway that refuses is exit 1', T, async () => {
  const [g] = described;
  const p = g.provider;
  const nowhere = file('nowhere.json', { ...emu.clientOptions(p), baseUrl: 'http://127.0.0.1:9' });
  const net = await run(['query', '--config', nowhere, '--order', orderNo('n'), '--input', file('nq.json', g.query)]);
  assert.equal(net.code, 3, net.stdout + net.stderr);
  assert.match(net.stdout, /^outcome\s+UNKNOWN$/m);
  assert.match(net.stdout, /^error\.code\s+NETWORK$/m);

  // Every gateway refuses a request signed with the wrong secret: each gateway's answer maps to a code; FAILED → 1.
  let refused = 0;
  for (const x of described) {
    const opts = emu.clientOptions(x.provider);
    const wrong = Object.fromEntries(Object.entries(opts.credentials).map(([k, v]) =>
      [k, /secret|terminalKey/i.test(k) && typeof v === 'string' ? v.replace(/[0-9a-f]/, (c) => (c === '0' ? '1' : '0')) : v]));
    if (JSON.stringify(wrong) === JSON.stringify(opts.credentials)) continue; // an RSA gateway: no shared secret to spoil
    const r = await run(['query', '--config', file(`${x.provider}-wrong.json`, { ...opts, credentials: wrong }), '--order', orderNo('w'),
      '--input', file('wq.json', x.query), '--json']);
    const result = JSON.parse(r.stdout);
    assert.equal(r.code, { SUCCEEDED: 0, FAILED: 1, UNKNOWN: 3, IN_PROGRESS: 0 }[result.outcome], `${x.provider}: ${r.stdout}`);
    if (result.outcome === 'FAILED') refused += 1;
  }
  assert.ok(refused > 0, 'at least one gateway answers a wrong secret with a definite refusal');
});

test('verify-notification: every gateway, a delivered notice as JSON and as raw HTTP; a tampered one does not verify', T, async () => {
  const merchant = await startMerchant({ answer: () => ({ status: 500, body: 'not now' }) });
  try {
    for (const g of described) {
      const p = g.provider;
      const no = await paidOrder(g, 2345);
      await emu.sendNotification(p, no, merchant.url);
      const got = merchant.received.at(-1); // exactly what a merchant's server received
      const headers = Object.fromEntries(Object.entries(got.headers).filter(([k]) => !['host', 'connection', 'transfer-encoding'].includes(k)));
      const asJson = file(`${p}-cap.json`, { headers, body: got.body.toString('utf8') });
      const asHttp = file(`${p}-cap.http`, Buffer.concat([
        Buffer.from(`POST /notify HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`), got.body]));
      const signed = emu.notificationsSigned(p);
      for (const capture of [asJson, asHttp]) {
        const r = await run(['verify-notification', '--config', configFile(p)], { input: readFileSync(capture) });
        assert.equal(r.code, signed ? 0 : 1, `${p} ${capture}: ${r.stdout}${r.stderr}`);
        // A gateway that signs nothing: read but not verified, or refused as unverifiable, by the client's choice.
        assert.match(r.stdout, signed ? /^verifies/ : /NOT verified|^does not verify: this gateway signs no notification/);
        if (signed) {
          assert.match(r.stdout, new RegExp(`^order\\.merchantOrderNo\\s+${no}$`, 'm'));
          assert.match(r.stdout, /^order\.amounts\.total\s+2345 fen/m);
        }
      }
      const file2 = await run(['verify-notification', '--config', configFile(p), '--file', asJson, '--expect-order', no, '--expect-amount', '2345', '--json']);
      assert.equal(file2.code, signed ? 0 : 1);
      assert.equal(JSON.parse(file2.stdout).verifies, signed);
      if (signed) {
        const wrongAmount = await run(['verify-notification', '--config', configFile(p), '--file', asJson, '--expect-amount', '2344']);
        assert.equal(wrongAmount.code, 1, `${p}: ${wrongAmount.stdout}`);
        assert.match(wrongAmount.stdout, /^does not verify: WRONG_AMOUNT/);
        // One byte of the amount changed after signing: the signature no longer matches.
        const body = got.body.toString('utf8');
        const tampered = body.replace(/2345|23\.45/, (m) => (m === '2345' ? '2346' : '23.46'));
        assert.notEqual(tampered, body, `${p}: the amount is in the body`);
        const r = await run(['verify-notification', '--config', configFile(p)], { input: JSON.stringify({ headers, body: tampered }) });
        assert.equal(r.code, 1, `${p}: ${r.stdout}`);
        assert.match(r.stdout, /^does not verify: (BAD_SIGNATURE|MISSING_SIGNATURE)/, p);
      }
    }
  } finally {
    await merchant.close();
  }
  const [g] = described;
  // Captures the command cannot read, and no capture at all: usage errors.
  for (const input of ['{"headers":{}}', 'just some text', '{"body": 5}']) {
    const r = await run(['verify-notification', '--config', configFile(g.provider)], { input });
    assert.equal(r.code, 2, `${input}: ${r.stderr}`);
  }
  assert.equal((await run(['verify-notification', '--config', configFile(g.provider)])).code, 2);
});

test('build: every gateway, the exact request with signatures scrubbed, and nothing sent', T, async () => {
  for (const g of described) {
    const p = g.provider;
    const no = orderNo('b');
    const barcode = emu.barcodes(p).success;
    const [op, input] = barcode && g.pay
      ? ['pay', { merchantOrderNo: no, amount: 100, subject: 'cli', authCode: barcode, ...g.pay }]
      : ['precreate', { merchantOrderNo: no, amount: 100, subject: 'cli', ...g.precreate }];
    const r = await run(['build', '--config', configFile(p), '--op', op, '--input', file(`${p}-b.json`, input)]);
    assert.equal(r.code, 0, `${p}: ${r.stderr}`);
    assert.match(r.stdout, /^POST http:\/\/127\.0\.0\.1:\d+\/\S*$/m, p);
    assert.ok(r.stdout.split('\n\n')[1]?.length > 0, `${p}: the body`);
    assert.match(r.stdout, /\[SCRUBBED\]/, `${p}: the signature is scrubbed`);
    assert.equal(emu.order(p, no), undefined, `${p}: nothing reached the gateway`);
    const json = await run(['build', '--config', configFile(p), '--op', 'query', '--input', file(`${p}-bq.json`, { merchantOrderNo: no, ...g.query }), '--json']);
    assert.equal(json.code, 0, json.stderr);
    const req = JSON.parse(json.stdout);
    assert.deepEqual(Object.keys(req), ['method', 'url', 'headers', 'body']);
  }
  const [g] = described;
  const bad = await run(['build', '--config', configFile(g.provider), '--op', 'pay', '--input', file('bad-in.json', { merchantOrderNo: 'x' })]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /INVALID_INPUT/);
  const noOp = await run(['build', '--config', configFile(g.provider), '--op', 'payAndConfirm']);
  assert.equal(noOp.code, 2);
});

test('configuration: a bad config file, a missing credential, a mismatch, the environment, and no secret in arguments', T, async () => {
  const [g] = described;
  const p = g.provider;
  const secret = [...secrets][0];
  const q = ['--order', orderNo('c'), '--input', file('cq.json', g.query)];
  // Not JSON (cut short right after a secret): the error gives the position, never the text.
  const broken = file('broken.json', `{"provider":"${p}","credentials":{"x":"${secret}`);
  let r = await run(['query', '--config', broken, ...q]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /broken\.json is not valid JSON/);
  assert.ok(!r.stderr.includes(secret));
  r = await run(['query', '--config', join(dir, 'absent.json'), ...q]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot read the config file .*ENOENT/);
  r = await run(['query', '--config', file('array.json', '[1]'), ...q]);
  assert.equal(r.code, 2);
  // A credential left out: the library names it, nothing is sent.
  const opts = emu.clientOptions(p);
  const [dropped] = Object.keys(opts.credentials);
  const { [dropped]: _, ...fewer } = opts.credentials;
  r = await run(['query', '--config', file('missing.json', { ...opts, credentials: fewer }), ...q]);
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /configuration refused: INVALID_CONFIG/);
  // --provider must agree with the file.
  const other = described.find((x) => x.provider !== p);
  if (other) {
    r = await run(['query', '--provider', other.provider, '--config', configFile(p), ...q]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is for/);
  }
  // No credentials at all.
  r = await run(['query', ...q]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /AGGPAY_CONFIG_JSON/);
  // The environment, a single config or one keyed by provider.
  const no = await paidOrder(g, 777);
  r = await run(['query', '--order', no, '--input', file('eq2.json', g.query)], { env: { AGGPAY_CONFIG_JSON: JSON.stringify(opts) } });
  assert.equal(r.code, 0, r.stderr);
  const keyed = Object.fromEntries(described.map((x) => [x.provider, emu.clientOptions(x.provider)]));
  r = await run(['query', '--provider', p, '--order', no, '--input', file('eq3.json', g.query)], { env: { AGGPAY_CONFIG_JSON: JSON.stringify(keyed) } });
  assert.equal(r.code, 0, r.stderr);
  if (other) {
    r = await run(['query', '--order', no], { env: { AGGPAY_CONFIG_JSON: JSON.stringify(keyed) } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pick one with --provider/);
  }
  // A secret typed as an option is refused and not repeated back.
  r = await run(['query', '--config', configFile(p), `--secret=${secret}`, ...q]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option --secret/);
  assert.ok(!r.stderr.includes(secret));
  r = await run(['query', '--config', configFile(p), secret, ...q]);
  assert.equal(r.code, 2);
  assert.ok(!r.stderr.includes(secret));
});

test('no secret of any gateway appears in anything the command printed (emulator output aside)', T, () => {
  assert.ok(outputs.length > 20);
  assert.ok(secrets.size >= described.length);
  const text = outputs.join('\n');
  for (const s of secrets) assert.ok(!text.includes(s), `a secret in the output: ${s.slice(0, 8)}…`);
  assert.ok(existsSync(BIN));
});
