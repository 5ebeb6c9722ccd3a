// `make bench`: the whole table of issue 13 in one run, every timing a ratio to a hand-written node:crypto
// reference measured in the same run (interleaved rounds, medians), then the .wasm sizes.
//
//   node bench/run.mjs [rounds=15] [--no-each] [--no-workerd]
//
// Rows:
// - per call, through the built package (`aggpay` = pkg/dist): the Shouqianba query build + parse, the Fubei query
//   build, the Lakala query build (signer 'node'), the Lakala query parse (an answer the emulator signed), and the
//   verification of a signed notification from each gateway that signs them (Shouqianba, Lakala: RSA; Fubei: MD5);
// - payAndConfirm CPU per order against the emulator, in-process, in virtual time (the buyer pays after the third
//   wait): the process's CPU time minus the CPU spent while a request was out (which is the emulator's and the HTTP
//   stack's), against the same flow written by hand with node:crypto (same requests, same number of exchanges);
// - cold start: import + first Shouqianba build in a fresh Node process running a module file (split into import,
//   createClient and first build; require() from CommonJS too), median of >= 15, against importing node:crypto and
//   the hand-written build in a fresh process;
// - the per-call cost in workerd (tests/runtimes/workerd.mjs): the Shouqianba build + parse N times in one request,
//   timed from outside (workerd's clock stands still while a request computes), minus an empty request, against
//   the hand-written build + parse with WebCrypto's MD5 in the same Worker;
// - the .wasm: raw, gzip -9, brotli 11, all gateways (the shipped file) and, unless --no-each, each one alone
//   (scripts/wasm-size.mjs; built first, so the cargo builds do not disturb the timings).
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'aggpay';
import { startEmulator } from '../js-examples/emulator/index.mjs';
import { clientFor, startMerchant } from '../tests/js/kit.mjs';
import { sizeRows } from '../scripts/wasm-size.mjs';
import {
  fubeiNonce, interleaved, lakala, lakalaOrder, median, nonce, now, orderNo, refFubeiBuild, refLakala, refShouqianbaBuild,
  refShouqianbaParse, sqbAnswer, terminalKey, terminalSn,
} from './lib.mjs';

const args = process.argv.slice(2);
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 15);
const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const log = (m) => process.stderr.write(`bench: ${m}\n`);

// ---------------------------------------------------------------- sizes first (cargo builds)
log(args.includes('--no-each') ? 'sizes (the shipped .wasm)' : 'sizes (building each gateway alone; cached after the first run)');
const sizes = sizeRows({ each: !args.includes('--no-each') });

// ---------------------------------------------------------------- what the emulator signs
// One order per gateway through payAndConfirm, recording the exchanges, with a merchant endpoint for the notices.
log('recording signed answers and notices from the emulator');
const emu = await startEmulator({ port: 0 });
const merchant = await startMerchant({ text: true });
const recorded = [];
const recordingFetch = async (url, init) => {
  const r = await fetch(url, init);
  const body = await r.text();
  recorded.push({ url: String(url), request: init, response: { status: r.status, headers: Object.fromEntries(r.headers), body } });
  return new Response(body, { status: r.status, headers: r.headers });
};
const sqbNotifyKey = emu.shouqianba.publicKeyPem;
const clientOf = (p, options = {}) => (p === 'shouqianba'
  ? createClient({ provider: p, baseUrl: emu.url, credentials: { terminalSn: emu.shouqianba.credentials.terminalSn, terminalKey: emu.shouqianba.credentials.terminalKey, notifyPublicKey: sqbNotifyKey }, ...options })
  : clientFor(emu, p, options));
const lklMessage = (...parts) => Buffer.from(parts.map((p) => `${p}\n`).join(''));
const PAY_EXTRA = { operator: 'op01', clientIp: '127.0.0.1' };
const BUYER_PAYS_AFTER = 3; // waits: pay, then queries until the buyer pays
let seq = 0;
async function onePay(p, client, { notify = false } = {}) {
  const merchantOrderNo = `BENCH${p.slice(0, 3).toUpperCase()}${Date.now()}${seq++}`;
  let waits = 0;
  let t = 0;
  const flow = {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
      if (++waits === BUYER_PAYS_AFTER) emu[p].buyerPays(merchantOrderNo);
    },
  };
  const input = { merchantOrderNo, amount: 980, authCode: '930012345678901234', subject: 'bench', ...PAY_EXTRA,
    ...(notify && { notifyUrl: merchant.url.replace(/\/notify$/, `/notify/${p}`) }) };
  const out = await client.payAndConfirm(input, flow);
  if (out.verdict !== 'PAID') throw new Error(`${p}: payAndConfirm said ${out.verdict}: ${out.message} ${JSON.stringify(out).slice(0, 1500)}`);
  return merchantOrderNo;
}
const SIGNED_NOTICES = ['shouqianba', 'lakala', 'fubei'];
const lakalaRecordedAt = Date.now();
const lklOrder = await onePay('lakala', clientOf('lakala', { fetch: recordingFetch }), { notify: true });
const lklQuery = recorded.filter((e) => e.url.endsWith('/tradequery')).at(-1);
await onePay('shouqianba', clientOf('shouqianba'), { notify: true });
await onePay('fubei', clientOf('fubei'), { notify: true });
for (let i = 0; i < 100 && !SIGNED_NOTICES.every((p) => merchant.received.some((n) => n.path.endsWith(`/${p}`))); i++) {
  await new Promise((r) => setTimeout(r, 50));
}
const notice = Object.fromEntries(SIGNED_NOTICES.map((p) => {
  const n = merchant.received.find((x) => x.path.endsWith(`/${p}`));
  if (!n) throw new Error(`no ${p} notice reached the merchant endpoint`);
  return [p, { headers: n.headers, body: n.body }];
}));

// ---------------------------------------------------------------- payAndConfirm CPU per order
log('payAndConfirm against the emulator');
const cpuUs = ({ user, system }) => user + system;
// The same flow written by hand against node:crypto: pay, then a query after each wait until the order is PAID,
// each request signed and each answer checked (Lakala: its signature verified) and read with JSON.parse.
const md5hex = (text) => createHash('md5').update(text).digest('hex');
async function refFlowShouqianba(fetchFn, merchantOrderNo, sleep) {
  const { terminalSn: sn, terminalKey: key } = emu.shouqianba.credentials;
  const send = async (path, fields) => {
    const body = JSON.stringify(fields);
    const r = await fetchFn(`${emu.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `${sn} ${md5hex(body + key)}` }, body });
    const a = JSON.parse(await r.text());
    return a.result_code === '200' ? a.biz_response : null;
  };
  let b = await send('/upay/v2/pay', { client_sn: merchantOrderNo, dynamic_id: '930012345678901234', operator: 'op01', subject: 'bench', terminal_sn: sn, total_amount: '980' });
  while (b?.data?.order_status !== 'PAID') {
    await sleep(3000);
    b = await send('/upay/v2/query', { client_sn: merchantOrderNo, terminal_sn: sn });
  }
  if (b.data.total_amount !== '980' || b.data.client_sn !== merchantOrderNo) throw new Error('reference flow: not this order');
}
const lklPlatform = createPublicKey(emu.lakala.platformCertificatePem);
let lklMerchantKey;
async function refFlowLakala(fetchFn, merchantOrderNo, sleep) {
  const m = emu.lakala.merchant;
  lklMerchantKey ??= createPrivateKey(m.privateKeyPem);
  const send = async (path, reqData) => {
    const body = JSON.stringify({ out_org_code: m.appId, req_data: reqData, req_time: '20261202044926', version: '3.0' });
    const ts = String(Math.floor(Date.now() / 1000));
    const nonceStr = randomBytes(16).toString('hex');
    const signature = nodeSign('sha256', lklMessage(m.appId, m.serialNo, ts, nonceStr, body), lklMerchantKey).toString('base64');
    const authorization = `LKLAPI-SHA256withRSA appid="${m.appId}",serial_no="${m.serialNo}",timestamp="${ts}",nonce_str="${nonceStr}",signature="${signature}"`;
    const r = await fetchFn(`${emu.url}/lakala${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
    const text = await r.text();
    const h = Object.fromEntries(r.headers);
    if (!nodeVerify('sha256', lklMessage(h['lklapi-appid'], h['lklapi-serial'], h['lklapi-timestamp'], h['lklapi-nonce'], text), lklPlatform, Buffer.from(h['lklapi-signature'], 'base64'))) {
      throw new Error('reference flow: bad answer signature');
    }
    return JSON.parse(text);
  };
  const ids = { merchant_no: m.merchantNo, out_trade_no: merchantOrderNo, term_no: m.termNo };
  let a = await send('/api/v3/labs/trans/micropay', { auth_code: '930012345678901234', location_info: { request_ip: '127.0.0.1' }, ...ids, subject: 'bench', total_amount: '980' });
  while (!(a.code === 'BBS00000' && a.resp_data?.trade_state === 'SUCCESS')) {
    await sleep(3000);
    a = await send('/api/v3/labs/query/tradequery', ids);
  }
  if (a.resp_data.total_amount !== '980' || a.resp_data.out_trade_no !== merchantOrderNo) throw new Error('reference flow: not this order');
}
const REF_FLOW = { shouqianba: refFlowShouqianba, lakala: refFlowLakala };

/**
 * CPU per order of `orders` flows of gateway `p`, by the package (`side` 'pkg') or by hand ('ref'): the process's CPU
 * time minus the CPU spent while a request was out (the emulator's and the HTTP stack's), so what remains is the
 * client's own work, plus whatever of the emulator's or undici's runs between requests (the same for both sides).
 */
async function flowCpu(p, side, orders) {
  let out = 0;
  let exchanges = 0;
  const fetchTimed = async (url, init) => {
    exchanges++;
    const at = process.cpuUsage();
    try {
      const r = await fetch(url, init);
      const body = await r.arrayBuffer(); // the whole answer is in before the clock restarts
      return new Response(body, { status: r.status, headers: r.headers });
    } finally {
      out += cpuUs(process.cpuUsage(at));
    }
  };
  const client = side === 'pkg' ? clientOf(p, { fetch: fetchTimed }) : null;
  const one = async () => {
    if (client) return onePay(p, client);
    const merchantOrderNo = `BENCH${p.slice(0, 3).toUpperCase()}${Date.now()}${seq++}`;
    let waits = 0;
    return REF_FLOW[p](fetchTimed, merchantOrderNo, async () => {
      if (++waits === BUYER_PAYS_AFTER) emu[p].buyerPays(merchantOrderNo);
    });
  };
  for (let i = 0; i < 3; i++) await one(); // warm-up
  out = 0;
  exchanges = 0;
  const at = process.cpuUsage();
  for (let i = 0; i < orders; i++) await one();
  return { us: (cpuUs(process.cpuUsage(at)) - out) / orders, exchanges: exchanges / orders };
}
// Run now, while the emulator's connections are warm (an idle keep-alive socket the server closes under a POST
// turns a pay into an unknown outcome). Package and reference alternate, 7 rounds of 15 orders each.
const flowRows = [];
for (const p of ['shouqianba', 'lakala']) {
  const runs = { pkg: [], ref: [] };
  for (let r = 0; r < 7; r++) for (const side of r % 2 ? ['ref', 'pkg'] : ['pkg', 'ref']) runs[side].push(await flowCpu(p, side, 15));
  const exchanges = runs.pkg[0].exchanges;
  if (runs.ref[0].exchanges !== exchanges) throw new Error(`${p}: the reference flow made ${runs.ref[0].exchanges} exchanges, the package ${exchanges}`);
  flowRows.push({ what: `${p[0].toUpperCase()}${p.slice(1)} payAndConfirm, CPU per order against the emulator (${exchanges} exchanges: pay + ${exchanges - 1} queries)`,
    pkg: median(runs.pkg.map((x) => x.us)), ref: median(runs.ref.map((x) => x.us)) });
}
await emu.close();
await merchant.close?.();


// ---------------------------------------------------------------- the per-call cases
const fixedNow = () => lakalaRecordedAt;
const sqb = createClient({ provider: 'shouqianba', baseUrl: 'http://127.0.0.1:9', credentials: { terminalSn, terminalKey }, now, nonce });
const fubeiCreds = emu.fubei.credentials;
const fubei = createClient({ provider: 'fubei', baseUrl: 'http://127.0.0.1:9/fubei', credentials: { appId: fubeiCreds.appId, appSecret: fubeiCreds.appSecret }, now, nonce: fubeiNonce });
const lklBuild = createClient({ provider: 'lakala', baseUrl: 'http://127.0.0.1:9', credentials: lakala, now, nonce, signer: 'node' });
const lklEmu = clientOf('lakala', { now: fixedNow });
const noticeClients = Object.fromEntries(SIGNED_NOTICES.map((p) => [p, clientOf(p, { now: fixedNow })]));

// Hand-written references of the same operations.
const platformKey = createPublicKey(emu.lakala.platformCertificatePem);
function refLakalaParse({ headers, body }) {
  const h = headers;
  const ok = nodeVerify('sha256', lklMessage(h['lklapi-appid'], h['lklapi-serial'], h['lklapi-timestamp'], h['lklapi-nonce'], body),
    platformKey, Buffer.from(h['lklapi-signature'], 'base64'));
  if (!ok) throw new Error('reference: bad signature');
  const a = JSON.parse(body);
  const d = a.resp_data;
  const paid = a.code === 'BBS00000' && d.trade_state === 'SUCCESS';
  return { outcome: paid ? 'SUCCEEDED' : 'UNKNOWN', order: { state: paid ? 'SUCCESS' : 'UNKNOWN', merchantOrderNo: d.out_trade_no, providerOrderNo: d.trade_no, channelOrderNo: d.acc_trade_no, amounts: { total: Number(d.total_amount) } }, raw: a };
}
const sqbNoticeKey = createPublicKey(sqbNotifyKey);
const REF_NOTICE = {
  shouqianba: ({ headers, body }) => {
    const auth = headers.authorization;
    const sig = auth.includes(' ') ? auth.slice(auth.indexOf(' ') + 1) : auth;
    if (!nodeVerify('sha256', Buffer.from(body), sqbNoticeKey, Buffer.from(sig, 'base64'))) throw new Error('reference: bad signature');
    const d = JSON.parse(body);
    return { state: d.order_status === 'PAID' ? 'SUCCESS' : 'UNKNOWN', merchantOrderNo: d.client_sn, total: Number(d.total_amount) };
  },
  lakala: ({ headers, body }) => {
    const p = Object.fromEntries([...headers.authorization.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!nodeVerify('sha256', lklMessage(p.timestamp, p.nonce_str, body), platformKey, Buffer.from(p.signature, 'base64'))) throw new Error('reference: bad signature');
    const d = JSON.parse(body);
    return { state: d.trade_state === 'SUCCESS' ? 'SUCCESS' : 'UNKNOWN', merchantOrderNo: d.out_trade_no, total: Number(d.total_amount) };
  },
  fubei: ({ body }) => {
    const params = Object.fromEntries(new URLSearchParams(body));
    const base = Object.keys(params).filter((k) => k !== 'sign' && params[k] !== '').sort().map((k) => `${k}=${params[k]}`).join('&');
    if (createHash('md5').update(base + fubeiCreds.appSecret).digest('hex').toUpperCase() !== String(params.sign).toUpperCase()) throw new Error('reference: bad sign');
    const d = JSON.parse(params.data);
    return { state: d.trade_state === 'SUCCESS' ? 'SUCCESS' : 'UNKNOWN', merchantOrderNo: d.merchant_order_sn, total: d.total_fee };
  },
};

// Both sides must agree before anything is timed.
const sqbInput = { merchantOrderNo: orderNo };
const lklQueryInput = { merchantOrderNo: lklOrder };
const mine = await sqb.buildRequest('query', sqbInput);
if (mine.headers.authorization !== refShouqianbaBuild().headers.authorization) throw new Error('Shouqianba: the reference signs differently');
const fb = await fubei.buildRequest('query', sqbInput);
if (JSON.parse(fb.body).sign !== JSON.parse(refFubeiBuild(fubeiCreds).body).sign) throw new Error(`Fubei: the reference signs differently: ${fb.body}`);
const parsed = await lklEmu.parseResponse('query', lklQuery.response, lklQueryInput);
if (parsed.outcome !== 'SUCCEEDED' || refLakalaParse(lklQuery.response).outcome !== 'SUCCEEDED') throw new Error(`Lakala parse: ${JSON.stringify(parsed).slice(0, 300)}`);
for (const p of SIGNED_NOTICES) {
  const v = await noticeClients[p].verifyNotification(notice[p]);
  if (v.order?.state !== 'SUCCESS' || REF_NOTICE[p](notice[p]).state !== 'SUCCESS') throw new Error(`${p} notice: ${JSON.stringify(v).slice(0, 300)}`);
}

const rows = [
  { what: "Shouqianba query build + parse (MD5)", n: 400,
    ref: async () => [refShouqianbaBuild(), refShouqianbaParse()],
    pkg: async () => [await sqb.buildRequest('query', sqbInput), await sqb.parseResponse('query', { status: 200, headers: {}, body: sqbAnswer }, sqbInput)] },
  { what: 'Fubei query build (sorted MD5)', n: 400, ref: async () => refFubeiBuild(fubeiCreds), pkg: () => fubei.buildRequest('query', sqbInput) },
  { what: "Lakala query build (RSA sign, signer 'node')", n: 100, ref: async () => refLakala(), pkg: () => lklBuild.buildRequest('query', { merchantOrderNo: lakalaOrder }) },
  { what: 'Lakala query parse (RSA verify)', n: 100, ref: async () => refLakalaParse(lklQuery.response), pkg: () => lklEmu.parseResponse('query', lklQuery.response, lklQueryInput) },
  ...SIGNED_NOTICES.map((p) => ({
    what: `${p[0].toUpperCase()}${p.slice(1)} notification verification (${p === 'fubei' ? 'MD5' : 'RSA'})`, n: p === 'fubei' ? 400 : 100,
    ref: async () => REF_NOTICE[p](notice[p]), pkg: () => noticeClients[p].verifyNotification(notice[p]),
  })),
];
log(`per-call cases: ${rounds} interleaved rounds`);
const cases = rows.flatMap((r) => [{ row: r, side: 'ref', run: r.ref }, { row: r, side: 'pkg', run: r.pkg }]);
const samples = await interleaved(cases, { rounds, perRound: (c) => c.row.n, warmup: 30 });
for (const c of cases) c.row[c.side] = median(samples.get(c));

// ---------------------------------------------------------------- cold start
// Each run is a fresh `node` on a module file, as an app starts (from `node -e`, the first import of any file also
// pays Node's ESM file loader setup, ~4 ms, which an app has paid for its own main file and the reference, importing
// a builtin, never does). It prints the import, createClient and first build separately; the CommonJS side
// require()s the package. The sides alternate, the order rotating each round.
const coldRuns = Math.max(rounds, 15);
log(`cold start (fresh Node processes, ${coldRuns} rounds)`);
const CLIENT = `{ provider: 'shouqianba', baseUrl: 'http://127.0.0.1:9', credentials: { terminalSn: '${terminalSn}', terminalKey: '${terminalKey}' } }`;
const coldScript = (load) => `const t0 = performance.now();
const { createClient } = ${load};
const t1 = performance.now();
const c = createClient(${CLIENT});
const t2 = performance.now();
Promise.resolve(c.buildRequest('query', { merchantOrderNo: '${orderNo}' })).then(() => {
  const t3 = performance.now();
  console.log(JSON.stringify({ import: t1 - t0, create: t2 - t1, build: t3 - t2, total: t3 - t0 }));
});`;
const COLD = {
  ref: ['ref.mjs', `const t0 = performance.now();
const { createHash } = await import('node:crypto');
const t1 = performance.now();
const body = JSON.stringify({ client_sn: '${orderNo}', terminal_sn: '${terminalSn}' });
const request = { method: 'POST', headers: { 'content-type': 'application/json', authorization: '${terminalSn} ' + createHash('md5').update(body + '${terminalKey}').digest('hex') }, body };
const t2 = performance.now();
console.log(JSON.stringify({ import: t1 - t0, create: 0, build: t2 - t1, total: t2 - t0 }));`],
  esm: ['esm.mjs', coldScript("await import('aggpay')")],
  cjs: ['cjs.cjs', coldScript("require('aggpay')")],
};
const { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } = await import('node:fs');
const coldDir = mkdtempSync(join((await import('node:os')).tmpdir(), 'aggpay-cold-'));
const cold = { ref: [], esm: [], cjs: [] };
try {
  // `aggpay` resolves by name from there as from the repository: node_modules/aggpay is a link to pkg/.
  mkdirSync(join(coldDir, 'node_modules'));
  symlinkSync(join(ROOT, 'pkg'), join(coldDir, 'node_modules/aggpay'), 'dir');
  for (const [file, code] of Object.values(COLD)) writeFileSync(join(coldDir, file), code);
  const sides = Object.keys(COLD);
  for (let r = 0; r < coldRuns; r++) {
    for (const side of sides.map((_, i) => sides[(i + r) % sides.length])) {
      cold[side].push(JSON.parse(execFileSync(process.execPath, [join(coldDir, COLD[side][0])], { cwd: coldDir, encoding: 'utf8' })));
    }
  }
} finally {
  rmSync(coldDir, { recursive: true, force: true });
}
const coldMs = (side, part) => median(cold[side].map((x) => x[part]));
const coldRow = { what: `Cold start: import + first build (Shouqianba query), fresh Node process on a module file, median of ${coldRuns}`,
  ref: 1000 * coldMs('ref', 'total'), pkg: 1000 * coldMs('esm', 'total'),
  note: `import ${coldMs('esm', 'import').toFixed(1)} ms + createClient ${coldMs('esm', 'create').toFixed(1)} ms + first build ${coldMs('esm', 'build').toFixed(1)} ms`
    + ` (node:crypto import ${coldMs('ref', 'import').toFixed(1)} ms); from CommonJS, require ${coldMs('cjs', 'import').toFixed(1)} ms, in all ${coldMs('cjs', 'total').toFixed(1)} ms` };

// ---------------------------------------------------------------- workerd
let workerdRow;
if (!args.includes('--no-workerd')) {
  log('workerd');
  try {
    const { startWorker } = await import('../tests/runtimes/workerd.mjs');
    const worker = await startWorker({ entry: join(ROOT, 'bench/workerd.worker.mjs') });
    try {
      const N = 200;
      const time = async (c, n) => {
        const t = process.hrtime.bigint();
        const res = await fetch(`${worker.url}/?case=${c}&n=${n}`);
        const text = await res.text();
        if (res.status !== 200) throw new Error(`${c}: ${res.status} ${text}`);
        return Number(process.hrtime.bigint() - t) / 1000;
      };
      for (const c of ['ref', 'pkg', 'none']) await time(c, 50); // warm-up, and the answers agree (the Worker checks)
      const s = { ref: [], pkg: [], none: [] };
      for (let r = 0; r < rounds; r++) for (const c of ['none', 'ref', 'pkg'].map((_, i, a) => a[(i + r) % 3])) s[c].push(await time(c, c === 'none' ? 0 : N));
      const none = median(s.none);
      workerdRow = { what: `workerd: Shouqianba query build + parse (${N} per request, minus an empty request)`,
        ref: (median(s.ref) - none) / N, pkg: (median(s.pkg) - none) / N, note: "reference: WebCrypto's MD5 (crypto.subtle.digest), JSON.parse" };
    } finally {
      await worker.dispose();
    }
  } catch (e) {
    workerdRow = { what: 'workerd', failed: `not measured: ${e.message.split('\n')[0]}` };
  }
}

// ---------------------------------------------------------------- the table
const fmt = (us) => (us >= 10_000 ? `${(us / 1000).toFixed(1)} ms` : us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);
const n = (x) => x.toLocaleString('en-US');
console.log(`aggpay benchmarks, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${rounds} interleaved rounds, medians (load average at the end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')})`);
console.log('');
console.log('| measurement | hand-written reference | aggpay | ratio |');
console.log('|---|---:|---:|---:|');
for (const r of [...rows, ...flowRows, coldRow, ...(workerdRow ? [workerdRow] : [])]) {
  if (r.failed) console.log(`| ${r.what} | — | ${r.failed} | — |`);
  else console.log(`| ${r.what}${r.note ? ` (${r.note})` : ''} | ${fmt(r.ref)} | ${fmt(r.pkg)} | ${(r.pkg / r.ref).toFixed(2)}× |`);
}
for (const s of sizes) console.log(`| .wasm, ${s.what}: raw / gzip -9 / brotli 11 | — | ${n(s.raw)} / ${n(s.gzip)} / ${n(s.brotli)} bytes | — |`);
