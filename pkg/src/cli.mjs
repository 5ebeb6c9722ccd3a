#!/usr/bin/env node
// The `aggpay` command (package.json "bin"): the emulator, and three questions a merchant's engineer asks of a
// live gateway without writing code. docs/cli.md. Credentials come from a file (--config) or the environment
// (AGGPAY_CONFIG_JSON), never from arguments (shell history, `ps`). Nothing it prints shows a secret: what came
// from or went to a gateway is printed from the client's own onExchange record, which is already scrubbed.
// Names no gateway: the provider is whatever the config or --provider says, checked by the library.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AggpayError, createClient, fenToYuan } from './index.mjs';

/** Exit codes (docs/cli.md): scripts branch on these. */
export const EXIT = { OK: 0, NEGATIVE: 1, USAGE: 2, UNCERTAIN: 3, INTERNAL: 4 };

class Usage extends Error {}

const COMMON = `Credentials: --config FILE (JSON), or the environment variable AGGPAY_CONFIG_JSON (the same JSON).
Never on the command line. The JSON is what createClient takes: {"provider", "baseUrl", "credentials": {…}, …},
or an object of such configurations keyed by provider name (then --provider picks one).`;

const HELP = {
  main: `usage: aggpay <command> [options]

Commands:
  emulator              start the gateway emulator on 127.0.0.1; print base URLs and test credentials
  query                 ask a gateway what state an order (or a refund) is in
  verify-notification   say whether a captured notification verifies, and why not
  build                 print the exact request an operation would send (nothing is sent)

aggpay <command> --help   for a command's options.

Exit codes: 0 ok; 1 a negative answer (the gateway said no / FAILED, a notification that does not verify);
2 usage or configuration error (nothing was sent); 3 no trustworthy answer (network, timeout, a bad answer:
the outcome is UNKNOWN — look again before acting); 4 a bug in aggpay.`,
  emulator: `usage: aggpay emulator [--port N] [--host ADDR] [--providers a,b] [--write-configs DIR] [--json]
                        [--chaos-seed S --chaos-rate R]

Starts the gateway emulator and prints, per gateway, its base URL, test credentials (a --config JSON for the
other commands), and its magic barcodes. Runs until Ctrl-C (SIGINT) or SIGTERM.

  --port N            port (default 0: a free one)
  --host ADDR         listen address (default 127.0.0.1; anything else exposes the emulator beyond this machine)
  --providers LIST    only these gateways (comma-separated; default all)
  --write-configs DIR write DIR/<provider>.json, a --config file per gateway
  --chaos-seed S, --chaos-rate R   seeded random faults (R in 0..1)
  --json              print one JSON line {url, providers: {name: {config, barcodes, orderKey}}} instead of text`,
  query: `usage: aggpay query [--provider P] (--config FILE | $AGGPAY_CONFIG_JSON) (--order NO | --provider-order NO)
                     [--refund NO] [--input FILE] [--json] [--verbose] [--timeout MS]

Asks the gateway for the order's state and prints the normalized result as a table (--json: the result as JSON).
--refund NO asks for that refund (refundQuery, or the order query where the gateway reports refunds there). --input FILE adds input fields some gateways need
(e.g. {"clientIp": "…"}). --verbose also prints the exchange (request and answer, secrets scrubbed) on stderr.

Exit: 0 the gateway answered (outcome SUCCEEDED); 1 it answered no (FAILED, e.g. ORDER_NOT_FOUND, AUTH_FAILED);
3 no trustworthy answer (UNKNOWN: network, timeout, bad signature); 2 usage/config error.

${COMMON}`,
  'verify-notification': `usage: aggpay verify-notification [--provider P] (--config FILE | $AGGPAY_CONFIG_JSON)
                                   [--file FILE] [--expect-order NO] [--expect-amount FEN] [--json]

Reads a captured notification on stdin (or --file) and says whether it verifies with these credentials, and if
not, why (the library's reason: BAD_SIGNATURE, MISSING_SIGNATURE, WRONG_MERCHANT, EXPIRED, MALFORMED, …).
The capture is either
  - the raw HTTP request: a request line (optional), headers, a blank line, the body exactly as received; or
  - JSON: {"headers": {"name": "value", …}, "body": "…"} (or "bodyBase64" for bytes that are not UTF-8).
--expect-order / --expect-amount: refuse a genuine notice about another order or amount.

Exit: 0 it verifies (a signature vouched for it); 1 it does not (refused, or the gateway signs none: confirm
with \`aggpay query\`); 2 usage/config error or a capture that cannot be read.

${COMMON}`,
  build: `usage: aggpay build [--provider P] (--config FILE | $AGGPAY_CONFIG_JSON) --op OP [--input FILE] [--json]

Prints the exact request the operation would send — method, URL, headers, body — with signatures and secrets
replaced by [SCRUBBED]. Nothing is sent. OP: pay, precreate, query, refund, refundQuery, cancel, revoke, close,
activate, checkin. --input FILE is the operation's input as JSON (default {}).

Exit: 0 printed; 2 usage/config error or an input the library refuses (the field and the rule are named).

${COMMON}`,
};

const SPECS = {
  emulator: {
    port: { type: 'string' }, host: { type: 'string' }, providers: { type: 'string' }, 'write-configs': { type: 'string' },
    'chaos-seed': { type: 'string' }, 'chaos-rate': { type: 'string' }, json: { type: 'boolean' },
  },
  query: {
    provider: { type: 'string' }, config: { type: 'string' }, order: { type: 'string' }, 'provider-order': { type: 'string' },
    refund: { type: 'string' }, input: { type: 'string' }, json: { type: 'boolean' }, verbose: { type: 'boolean' },
    timeout: { type: 'string' },
  },
  'verify-notification': {
    provider: { type: 'string' }, config: { type: 'string' }, file: { type: 'string' }, 'expect-order': { type: 'string' },
    'expect-amount': { type: 'string' }, json: { type: 'boolean' },
  },
  build: { provider: { type: 'string' }, config: { type: 'string' }, op: { type: 'string' }, input: { type: 'string' }, json: { type: 'boolean' } },
};

// ---------------------------------------------------------------- configuration

/** The client options: from --config FILE or AGGPAY_CONFIG_JSON; the file's text is never echoed. */
function loadConfig(values, env) {
  let text;
  let from;
  if (values.config !== undefined) {
    from = values.config;
    try {
      text = readFileSync(values.config, 'utf8');
    } catch (err) {
      throw new Usage(`cannot read the config file ${values.config}: ${err.code ?? err.message}`);
    }
  } else if (env.AGGPAY_CONFIG_JSON) {
    from = 'AGGPAY_CONFIG_JSON';
    text = env.AGGPAY_CONFIG_JSON;
  } else {
    throw new Usage('no credentials: give --config FILE or set AGGPAY_CONFIG_JSON (never on the command line)');
  }
  let config;
  try {
    config = JSON.parse(text);
  } catch (err) {
    // The parser's message quotes the text around the error: it could be a secret, so only the position is kept.
    const at = /position (\d+)/.exec(err.message)?.[1];
    throw new Usage(`${from} is not valid JSON${at ? ` (at position ${at})` : ''}`);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new Usage(`${from} must hold a JSON object`);
  let provider = values.provider;
  // An object of configurations keyed by provider: --provider picks one.
  if (config.provider === undefined && config.credentials === undefined) {
    const names = Object.keys(config);
    if (provider === undefined && names.length === 1) [provider] = names;
    if (provider === undefined) throw new Usage(`${from} holds configurations for ${names.join(', ')}: pick one with --provider`);
    if (!config[provider] || typeof config[provider] !== 'object') throw new Usage(`${from} has no configuration for ${provider}`);
    config = { provider, ...config[provider] };
  }
  if (provider !== undefined && config.provider !== undefined && config.provider !== provider) {
    throw new Usage(`--provider ${provider} but ${from} is for ${config.provider}`);
  }
  return { ...config, provider: provider ?? config.provider };
}

/** A client, or a usage error naming what is wrong with the configuration (the library's own message). */
function client(config, host = {}) {
  if (config.provider === undefined) throw new Usage('which gateway? give --provider or "provider" in the config');
  try {
    return createClient({ ...config, ...host });
  } catch (err) {
    if (err instanceof AggpayError) throw new Usage(`configuration refused: ${err.code}${err.field ? ` ${err.field}` : ''}: ${err.message}`);
    throw err;
  }
}

function readJsonFile(path, what) {
  if (path === undefined) return {};
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Usage(`cannot read the ${what} file ${path}: ${err.code ?? err.message}`);
  }
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch { /* below */ }
  throw new Usage(`the ${what} file ${path} must hold a JSON object`);
}

// ---------------------------------------------------------------- output

/** [path, value] rows of a result, depth first; `raw` is left to --json. */
function rows(value, prefix = '', out = []) {
  for (const [k, v] of Object.entries(value ?? {})) {
    if (prefix === '' && k === 'raw') continue;
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) rows(v, key, out);
    else if (v !== undefined) out.push([key, v]);
  }
  return out;
}

const AMOUNT = /(^|\.)(amounts\.[a-z]+|amount)$/;
const TIME = /(At|Time)$/;

function cell(key, v) {
  if (v === null) return '-';
  if (typeof v === 'number' && AMOUNT.test(key) && Number.isSafeInteger(v)) return `${v} fen (${fenToYuan(v)} yuan)`;
  if (typeof v === 'number' && TIME.test(key)) return `${v} (${new Date(v).toISOString()})`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function table(value) {
  const r = rows(value);
  const width = Math.max(...r.map(([k]) => k.length));
  return r.map(([k, v]) => `${k.padEnd(width)}  ${cell(k, v)}`).join('\n');
}

/** A request or answer as HTTP text. */
function http({ method, url, status, headers, body }) {
  const head = method ? `${method} ${url}` : `HTTP ${status}`;
  return [head, ...Object.entries(headers ?? {}).map(([k, v]) => `${k}: ${v}`), '', body ?? ''].join('\n');
}

// ---------------------------------------------------------------- commands

async function query(values, io) {
  const config = loadConfig(values, io.env);
  if (values.order !== undefined && values['provider-order'] !== undefined) throw new Usage('name the order once: --order or --provider-order');
  if (values.order === undefined && values['provider-order'] === undefined && values.refund === undefined) {
    throw new Usage('name the order: --order NO (yours) or --provider-order NO (the gateway\'s); or a refund: --refund NO');
  }
  let timeoutMs;
  if (values.timeout !== undefined) {
    timeoutMs = Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Usage('--timeout must be a positive integer of milliseconds');
  }
  const extra = readJsonFile(values.input, 'input');
  const order = {
    ...(values.order !== undefined && { merchantOrderNo: values.order }),
    ...(values['provider-order'] !== undefined && { providerOrderNo: values['provider-order'] }),
  };
  const refund = values.refund !== undefined ? { refundNo: values.refund } : {};
  // What to ask, in turn: a gateway refuses an input or an operation before anything is sent, so the next way is
  // tried only then. A refund: the refund query (with the order, or without it where the gateway names a refund
  // alone), else the order query where the gateway reports refunds there.
  const ways = values.refund === undefined
    ? [['query', { ...extra, ...order }]]
    : [['refundQuery', { ...extra, ...order, ...refund }], ['refundQuery', { ...extra, ...refund }], ['query', { ...extra, ...order, ...refund }]];
  let record = null;
  const c = client(config, { onExchange: (e) => { record = e; }, ...(timeoutMs && { timeoutMs }) });
  for (const [i, [op, input]] of ways.entries()) {
    try {
      await c[op](input);
      break;
    } catch (err) {
      if (!(err instanceof AggpayError)) throw err;
      const another = err.code === 'UNSUPPORTED_OPERATION' || (err.code === 'INVALID_INPUT' && /OrderNo$/.test(err.field ?? ''));
      if (!another || i === ways.length - 1) {
        throw new Usage(`input refused: ${err.code}${err.field ? ` ${err.field}` : ''}: ${err.message}`);
      }
    }
  }
  if (!record) throw new Error('the client reported no exchange');
  // The scrubbed copy of the result, never the caller's own object.
  const result = record.result;
  if (values.verbose) io.err(`${http(record.request)}\n\n${record.response ? http(record.response) : '(no answer)'}\n`);
  io.out(values.json ? JSON.stringify(result, null, 2) : table(result));
  if (result.outcome === 'FAILED') return EXIT.NEGATIVE;
  if (result.outcome === 'UNKNOWN') return EXIT.UNCERTAIN;
  return EXIT.OK;
}

/** { headers, body: Buffer } from a capture: JSON {headers, body|bodyBase64}, or raw HTTP request text. */
export function parseCapture(bytes) {
  const text = bytes.toString('utf8');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    let v;
    try {
      v = JSON.parse(trimmed);
    } catch {
      v = null;
    }
    if (v && typeof v === 'object' && !Array.isArray(v) && ('body' in v || 'bodyBase64' in v)) {
      if (v.headers !== undefined && (typeof v.headers !== 'object' || v.headers === null || Array.isArray(v.headers))) {
        throw new Usage('the capture\'s "headers" must be an object of name → value');
      }
      let body;
      if (typeof v.bodyBase64 === 'string') body = Buffer.from(v.bodyBase64, 'base64');
      else if (typeof v.body === 'string') body = Buffer.from(v.body, 'utf8');
      else throw new Usage('the capture\'s "body" must be the body as received, a string (or "bodyBase64")');
      return { headers: v.headers ?? {}, body };
    }
    throw new Usage('a JSON capture is {"headers": {…}, "body": "…"}; a bare body is not enough (the signature may be in a header)');
  }
  // Raw HTTP: the blank line ends the head; the body's bytes are kept exactly.
  let at = bytes.indexOf('\r\n\r\n');
  let sep = 4;
  const lf = bytes.indexOf('\n\n');
  if (at < 0 || (lf >= 0 && lf < at)) { at = lf; sep = 2; }
  if (at < 0) throw new Usage('the capture is neither JSON {headers, body} nor an HTTP request (headers, a blank line, the body)');
  const lines = bytes.subarray(0, at).toString('utf8').split(/\r?\n/);
  if (/^[A-Z]+ \S+ HTTP\/\d(\.\d)?$/.test(lines[0])) lines.shift();
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Usage(`the capture's header line "${line.slice(0, 40)}" is not "Name: value"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) throw new Usage('the capture is chunked: give the de-chunked body');
  let body = bytes.subarray(at + sep);
  const length = headers['content-length'];
  if (length !== undefined) {
    const n = Number(length);
    if (!Number.isInteger(n) || n < 0 || n > body.length) throw new Usage(`the capture's content-length ${length} does not match its ${body.length}-byte body`);
    body = body.subarray(0, n);
  }
  return { headers, body };
}

async function verifyNotification(values, io) {
  const config = loadConfig(values, io.env);
  const c = client(config);
  let bytes;
  if (values.file !== undefined) {
    try {
      bytes = readFileSync(values.file);
    } catch (err) {
      throw new Usage(`cannot read the capture ${values.file}: ${err.code ?? err.message}`);
    }
  } else bytes = await io.stdin();
  if (!bytes.length) throw new Usage('no capture: give the captured request on stdin or with --file (aggpay verify-notification --help)');
  const capture = parseCapture(bytes);
  let expect;
  if (values['expect-order'] !== undefined || values['expect-amount'] !== undefined) {
    expect = {};
    if (values['expect-order'] !== undefined) expect.merchantOrderNo = values['expect-order'];
    if (values['expect-amount'] !== undefined) {
      const n = Number(values['expect-amount']);
      if (!Number.isSafeInteger(n) || n <= 0) throw new Usage('--expect-amount is integer fen (980 for 9.80 yuan)');
      expect.amount = n;
    }
  }
  let notice;
  try {
    notice = await c.verifyNotification(capture, expect);
  } catch (err) {
    if (!(err instanceof AggpayError)) throw err;
    if (err.code === 'UNSUPPORTED_OPERATION' || err.reason === 'UNVERIFIABLE') {
      // A gateway that signs nothing (and whose client says so rather than read it): nothing can vouch for it.
      const why = { verifies: false, code: err.code, reason: null, message: err.message };
      io.out(values.json ? JSON.stringify(why, null, 2) : `does not verify: this gateway signs no notification\n${err.message}`);
      return EXIT.NEGATIVE;
    }
    if (err.code !== 'NOTIFICATION_INVALID') throw new Usage(`refused before checking: ${err.code}${err.field ? ` ${err.field}` : ''}: ${err.message}`);
    const why = { verifies: false, code: err.code, reason: err.reason ?? null, message: err.message };
    io.out(values.json ? JSON.stringify(why, null, 2) : `does not verify: ${err.reason ?? err.code}\n${err.message}`);
    return EXIT.NEGATIVE;
  }
  const verdict = notice.verified
    ? 'verifies: the signature vouches for it, for this merchant'
    : 'read, but NOT verified: this gateway signs no notification; confirm the order with `aggpay query` before acting';
  if (values.json) io.out(JSON.stringify({ verifies: notice.verified, ...notice }, null, 2));
  else io.out(`${verdict}\n\n${table({ order: notice.order, ...(notice.refund && { refund: notice.refund }), ack: notice.ack })}`);
  return notice.verified ? EXIT.OK : EXIT.NEGATIVE;
}

async function build(values, io) {
  const config = loadConfig(values, io.env);
  if (!values.op) throw new Usage('which operation? --op pay|precreate|query|refund|refundQuery|cancel|revoke|close|activate|checkin');
  const input = readJsonFile(values.input, 'input');
  let record = null;
  // The transport refuses to send: the client builds and signs as it would, hands the exchange (scrubbed) to
  // onExchange, and nothing leaves this machine.
  const c = client(config, {
    fetch: async () => { throw new Error('not sent (aggpay build)'); },
    onExchange: (e) => { record = e; },
  });
  if (typeof c[values.op] !== 'function' || ['payAndConfirm', 'waitForPayment', 'buildRequest', 'parseResponse', 'verifyNotification', 'wapPayUrl'].includes(values.op)) {
    throw new Usage(`--op ${values.op} is not an operation (aggpay build --help)`);
  }
  try {
    await c[values.op](input);
  } catch (err) {
    if (err instanceof AggpayError) throw new Usage(`input refused: ${err.code}${err.field ? ` ${err.field}` : ''}: ${err.message}`);
    throw err;
  }
  if (!record) throw new Error('the client reported no exchange');
  io.out(values.json ? JSON.stringify(record.request, null, 2) : http(record.request));
  return EXIT.OK;
}

async function emulator(values, io) {
  const { startEmulator } = await import('./emulator.mjs');
  const options = {};
  if (values.port !== undefined) {
    options.port = Number(values.port);
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new Usage(`--port ${values.port} is not a port`);
  }
  if (values.host !== undefined) {
    options.host = values.host;
    if (!['127.0.0.1', '::1', 'localhost'].includes(values.host)) io.err(`warning: listening on ${values.host}, beyond this machine's loopback`);
  }
  if (values.providers !== undefined) options.providers = values.providers.split(',').map((p) => p.trim()).filter(Boolean);
  if ((values['chaos-seed'] === undefined) !== (values['chaos-rate'] === undefined)) throw new Usage('--chaos-seed and --chaos-rate go together');
  if (values['chaos-seed'] !== undefined) {
    const seed = /^\d+$/.test(values['chaos-seed']) ? Number(values['chaos-seed']) : values['chaos-seed'];
    options.chaos = { seed, rate: Number(values['chaos-rate']) };
  }
  let emu;
  try {
    emu = await startEmulator(options);
  } catch (err) {
    if (err instanceof TypeError || /chaos|providers|host/.test(err.message)) throw new Usage(err.message);
    throw err;
  }
  const described = Object.fromEntries(emu.providers.map((p) => [p, {
    config: emu.clientOptions(p), barcodes: emu.barcodes(p), orderKey: emu.orderKey(p), notificationsSigned: emu.notificationsSigned(p),
  }]));
  if (values['write-configs'] !== undefined) {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    mkdirSync(values['write-configs'], { recursive: true });
    for (const [p, d] of Object.entries(described)) {
      writeFileSync(join(values['write-configs'], `${p}.json`), `${JSON.stringify(d.config, null, 2)}\n`, { mode: 0o600 });
    }
  }
  if (values.json) io.out(JSON.stringify({ url: emu.url, providers: described }));
  else {
    io.out(`aggpay emulator listening on ${emu.url} (test credentials only; Ctrl-C stops it)`);
    for (const [p, d] of Object.entries(described)) {
      const codes = Object.entries(d.barcodes).map(([k, v]) => `${k} ${v}`).join(', ');
      io.out(`\n${p}\n  baseUrl   ${d.config.baseUrl}\n  config    ${JSON.stringify(d.config)}`
        + `${codes ? `\n  barcodes  ${codes}` : ''}\n  buyer pays: POST ${emu.url}/__emulator/${p}/buyer-pays {"${d.orderKey}":"<order no>"}`);
    }
    if (values['write-configs'] !== undefined) io.out(`\nconfigs written to ${values['write-configs']}/<provider>.json`);
    io.out(`\nfaults: POST ${emu.url}/__emulator/faults {"provider","operation","kind"}; every gateway: GET ${emu.url}/__emulator/conformance`);
  }
  await io.untilStopped();
  await emu.stop();
  return EXIT.OK;
}

const COMMANDS = { emulator, query, 'verify-notification': verifyNotification, build };

/** Runs one command line; resolves to the exit code. `io` is injectable for tests (the defaults are the process's). */
export async function main(argv, io = {}) {
  const out = io.out ?? ((s) => process.stdout.write(`${s}\n`));
  const err = io.err ?? ((s) => process.stderr.write(`${s}\n`));
  const full = {
    out, err, env: io.env ?? process.env,
    stdin: io.stdin ?? (async () => {
      if (process.stdin.isTTY) return Buffer.alloc(0);
      const chunks = [];
      for await (const c of process.stdin) chunks.push(c);
      return Buffer.concat(chunks);
    }),
    untilStopped: io.untilStopped ?? (() => new Promise((resolve) => {
      for (const s of ['SIGINT', 'SIGTERM']) process.once(s, resolve);
    })),
  };
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' && rest[0] in HELP ? rest[0] : 'main';
    (command === undefined ? err : out)(HELP[topic]);
    return command === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (!(command in COMMANDS)) {
    err(`aggpay: unknown command ${command}\n\n${HELP.main}`);
    return EXIT.USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(HELP[command]);
    return EXIT.OK;
  }
  try {
    let values;
    try {
      ({ values } = parseArgs({ args: rest, options: SPECS[command], strict: true, allowPositionals: false }));
    } catch (e) {
      // Not parseArgs' own message: it repeats the argument, which could be a secret typed where it must not go.
      if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
        const name = /'(-[^'=\s]*)/.exec(e.message)?.[1] ?? 'an option';
        throw new Usage(`unknown option ${name} (credentials are never options: --config FILE or AGGPAY_CONFIG_JSON)`);
      }
      if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new Usage('unexpected argument: this command takes options only');
      throw new Usage(e.message.split('.')[0]);
    }
    return await COMMANDS[command](values, full);
  } catch (e) {
    if (e instanceof Usage) {
      err(`aggpay ${command}: ${e.message}\n(aggpay ${command} --help)`);
      return EXIT.USAGE;
    }
    err(`aggpay ${command}: internal error: ${e?.message ?? e}`);
    return EXIT.INTERNAL;
  }
}

// Run when executed (the bin), not when imported (tests).
let invoked = null;
try {
  invoked = process.argv[1] && (await import('node:fs')).realpathSync(process.argv[1]);
} catch { /* not a file (node -e): imported */ }
if (invoked && invoked === (await import('node:url')).fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
