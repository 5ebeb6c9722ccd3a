// The cost of the JS/wasm boundary: one Shouqianba build + parse (MD5 signing, a JSON answer mapped to
// an OperationResult) and one Lakala build (RSA signing with the default signer), each through a built
// package, as ratios to a hand-written node:crypto implementation of the same operation, measured in one
// run. Packages are given as directories holding index.mjs (pkg/dist by default), so a build of an
// earlier commit can be compared in the same run. Rounds are interleaved and the median per call is kept.
// Run: make bench-boundary   (or: node bench/boundary.mjs [rounds] [label=dist-dir ...])
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const rounds = Number(args[0] ?? 15);
const packages = (args.length > 1 ? args.slice(1) : ['this=pkg/dist']).map((a) => {
  const [label, dir] = a.includes('=') ? a.split('=') : [a, a];
  return { label, dir: resolve(dir) };
});
const PER_ROUND = { shouqianba: 400, 'shouqianba-build': 400, lakala: 150 };

// ---------------------------------------------------------------- fixtures
const terminalSn = '10298371039';
const terminalKey = '68d499beda5f72116592f5c527465656';
const orderNo = '7654321132';
const sqbAnswer = JSON.stringify({
  result_code: '200',
  biz_response: {
    result_code: 'SUCCESS',
    data: {
      sn: '7894259244061958', client_sn: orderNo, trade_no: '2016031521001004530200000000', status: 'SUCCESS',
      order_status: 'PAID', payway: '3', sub_payway: '1', total_amount: '980', net_amount: '980',
      finish_time: '1449567020000', channel_finish_time: '1449567020000', subject: 'goods', operator: 'op01',
      payer_uid: 'oGFfks1n2IAT4n2FPHK8S9Hm8eRE',
    },
  },
});
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const lakala = {
  appId: 'OP00000003', serialNo: '00dfba8194c41b84cf', merchantNo: '822290070111135', termNo: '29034705',
  privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
  platformCertificate: publicKey.export({ type: 'spki', format: 'pem' }),
};
const lakalaOrder = 'FD660E1FAA3A4470933CDEDAE1EC1D8E';
const now = () => 1_630_910_000_000;
const nonce = () => 'a1b2c3d4e5f6';

// ---------------------------------------------------------------- hand-written references (node:crypto)
// The same operations written directly: JSON body, signature, headers; JSON.parse and field mapping.
function refShouqianba() {
  const body = JSON.stringify({ terminal_sn: terminalSn, client_sn: orderNo });
  const sign = createHash('md5').update(body + terminalKey).digest('hex');
  const request = { method: 'POST', url: 'https://vsi-api.shouqianba.com/upay/v2/query', headers: { 'content-type': 'application/json', authorization: `${terminalSn} ${sign}` }, body };
  const a = JSON.parse(sqbAnswer);
  const d = a.biz_response.data;
  const paid = a.result_code === '200' && a.biz_response.result_code === 'SUCCESS' && d.order_status === 'PAID';
  const result = {
    outcome: paid ? 'SUCCEEDED' : 'UNKNOWN', next: 'NONE',
    order: { state: paid ? 'SUCCESS' : 'UNKNOWN', merchantOrderNo: d.client_sn, providerOrderNo: d.sn, channelOrderNo: d.trade_no, amounts: { total: Number(d.total_amount), net: Number(d.net_amount) }, paidAt: Number(d.finish_time) },
    raw: a,
  };
  return [request, result];
}
function refLakala() {
  const t = now();
  const body = JSON.stringify({ req_time: '20210907173330', version: '3.0', req_data: { merchant_no: lakala.merchantNo, term_no: lakala.termNo, out_trade_no: lakalaOrder } });
  const message = `${lakala.appId}\n${lakala.serialNo}\n${Math.floor(t / 1000)}\n${nonce()}\n${body}\n`;
  const signature = nodeSign('sha256', Buffer.from(message), privateKey).toString('base64');
  const authorization = `LKLAPI-SHA256withRSA appid="${lakala.appId}",serial_no="${lakala.serialNo}",timestamp="${Math.floor(t / 1000)}",nonce_str="${nonce()}",signature="${signature}"`;
  return { method: 'POST', url: 'https://s2.lakala.com/api/v3/labs/query/tradequery', headers: { 'content-type': 'application/json', authorization }, body };
}

// ---------------------------------------------------------------- the packages
const cases = [];
cases.push({ pkg: 'node:crypto', op: 'shouqianba', run: async () => refShouqianba() });
cases.push({ pkg: 'node:crypto', op: 'shouqianba-build', run: async () => refShouqianba()[0] });
cases.push({ pkg: 'node:crypto', op: 'lakala', run: async () => refLakala() });
for (const p of packages) {
  const aggpay = await import(pathToFileURL(`${p.dir}/index.mjs`).href);
  const sqb = aggpay.createClient({ provider: 'shouqianba', baseUrl: 'http://127.0.0.1:9', credentials: { terminalSn, terminalKey }, now, nonce });
  const lkl = aggpay.createClient({ provider: 'lakala', baseUrl: 'http://127.0.0.1:9', credentials: lakala, now, nonce });
  const input = { merchantOrderNo: orderNo };
  const check = await sqb.parseResponse('query', { status: 200, headers: {}, body: sqbAnswer }, input);
  if (check.outcome !== 'SUCCEEDED' || check.order.amounts.total !== 980) throw new Error(`${p.label}: the Shouqianba answer did not map: ${JSON.stringify(check)}`);
  if (!(await lkl.buildRequest('query', { merchantOrderNo: lakalaOrder })).headers.authorization.includes('signature="')) throw new Error(`${p.label}: no Lakala signature`);
  cases.push({ pkg: p.label, op: 'shouqianba', run: async () => {
    const request = await sqb.buildRequest('query', input);
    return [request, await sqb.parseResponse('query', { status: 200, headers: {}, body: sqbAnswer }, input)];
  } });
  // The build alone: the input crossing in and the request crossing out, no answer to map.
  cases.push({ pkg: p.label, op: 'shouqianba-build', run: () => sqb.buildRequest('query', input) });
  cases.push({ pkg: p.label, op: 'lakala', run: () => lkl.buildRequest('query', { merchantOrderNo: lakalaOrder }) });
}

async function timeOnce(c) {
  const n = PER_ROUND[c.op];
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await c.run();
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

for (const c of cases) for (let i = 0; i < 50; i++) await c.run(); // warm-up: JIT, key import
const samples = new Map(cases.map((c) => [c, []]));
for (let r = 0; r < rounds; r++) {
  // Interleaved, and the order rotates each round, so drift in the machine hits every case alike.
  const order = cases.map((_, i) => cases[(i + r) % cases.length]);
  for (const c of order) samples.get(c).push(await timeOnce(c));
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(`Boundary cost, ${rounds} interleaved rounds (${PER_ROUND.shouqianba} Shouqianba / ${PER_ROUND.lakala} Lakala calls per case), medians, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log('| operation | implementation | µs per call | ratio to node:crypto |');
console.log('|---|---|---:|---:|');
const WHAT = {
  shouqianba: "Shouqianba buildRequest('query') + parseResponse",
  'shouqianba-build': "Shouqianba buildRequest('query') alone",
  lakala: "Lakala buildRequest('query'), default signer",
};
for (const op of Object.keys(WHAT)) {
  const ref = median(samples.get(cases.find((c) => c.op === op && c.pkg === 'node:crypto')));
  for (const c of cases.filter((x) => x.op === op)) {
    const us = median(samples.get(c));
    console.log(`| ${WHAT[op]} | ${c.pkg === 'node:crypto' ? 'hand-written node:crypto (reference)' : c.pkg} | ${us.toFixed(1)} | ${(us / ref).toFixed(2)}× |`);
  }
}
