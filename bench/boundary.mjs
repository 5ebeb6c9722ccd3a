// The cost of the JS/wasm boundary: one Shouqianba build + parse (MD5 signing, a JSON answer mapped to
// an OperationResult), one Fubei build (its body holds JSON inside JSON), one Lakala build (RSA signing with the default signer) and one Lakala query parse (a
// signed answer, verifier 'node': the reference verifies with node:crypto too), each through a built
// package, as ratios to a hand-written node:crypto implementation of the same operation, measured in one
// run. Packages are given as directories holding index.mjs (pkg/dist by default), so a build of an
// earlier commit can be compared in the same run. Rounds are interleaved and the median per call is kept.
// Run: make bench-boundary   (or: node bench/boundary.mjs [rounds] [label=dist-dir ...])
import { sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fubeiNonce, interleaved, lakala, lakalaOrder, median, nonce, now, orderNo, privateKey, publicKey, refFubeiBuild, refLakala, refShouqianba, refShouqianbaBuild, sqbAnswer, terminalKey, terminalSn } from './lib.mjs';

const args = process.argv.slice(2);
const rounds = Number(args[0] ?? 15);
const packages = (args.length > 1 ? args.slice(1) : ['this=pkg/dist']).map((a) => {
  const [label, dir] = a.includes('=') ? a.split('=') : [a, a];
  return { label, dir: resolve(dir) };
});
const PER_ROUND = { shouqianba: 400, 'shouqianba-build': 400, 'fubei-build': 400, lakala: 150, 'lakala-parse': 200, 'lakala-parse-none': 200 };

// A Lakala query answer signed with the fixture's key (its platformCertificate), at the fixture's clock.
const lines = (...parts) => Buffer.from(parts.map((p) => `${p}\n`).join(''));
const lklBody = JSON.stringify({ code: 'BBS00000', msg: '成功', resp_time: '20210906173330', resp_data: {
  merchant_no: lakala.merchantNo, out_trade_no: lakalaOrder, trade_no: '2021090666210311394012', acc_trade_no: '4200001140202109065458327812',
  account_type: 'WECHAT', trade_state: 'SUCCESS', total_amount: '100', payer_amount: '100', acc_mdiscount_amount: '0',
  acc_discount_amount: '0', trade_time: '20210906173330', trade_main_type: 'MICROPAY' } });
const TS = String(Math.floor(now() / 1000));
const lklAnswer = { status: 200, body: lklBody, headers: { 'lklapi-appid': lakala.appId, 'lklapi-serial': lakala.serialNo, 'lklapi-timestamp': TS,
  'lklapi-nonce': 'n0nce12chars', 'lklapi-signature': nodeSign('sha256', lines(lakala.appId, lakala.serialNo, TS, 'n0nce12chars', lklBody), privateKey).toString('base64') } };
function refLakalaParse() {
  const h = lklAnswer.headers;
  const ok = nodeVerify('sha256', lines(h['lklapi-appid'], h['lklapi-serial'], h['lklapi-timestamp'], h['lklapi-nonce'], lklAnswer.body), publicKey, Buffer.from(h['lklapi-signature'], 'base64'));
  if (!ok || h['lklapi-appid'] !== lakala.appId || Math.abs(Number(h['lklapi-timestamp']) - now() / 1000) > 300) throw new Error('bad');
  const a = JSON.parse(lklAnswer.body);
  const d = a.resp_data;
  return { outcome: a.code === 'BBS00000' ? 'SUCCEEDED' : 'UNKNOWN', order: { state: d.trade_state, merchantOrderNo: d.out_trade_no, providerOrderNo: d.trade_no, amounts: { total: Number(d.total_amount), paid: Number(d.payer_amount) } }, raw: a };
}

// ---------------------------------------------------------------- the packages
const cases = [];
cases.push({ pkg: 'node:crypto', op: 'shouqianba', run: async () => refShouqianba() });
cases.push({ pkg: 'node:crypto', op: 'shouqianba-build', run: async () => refShouqianbaBuild() });
const fubeiCreds = { appId: '20190101123', appSecret: 'b3e2a1f0c9d8e7f6a5b4c3d2e1f0a9b8' };
cases.push({ pkg: 'node:crypto', op: 'fubei-build', run: async () => refFubeiBuild(fubeiCreds) });
cases.push({ pkg: 'node:crypto', op: 'lakala', run: async () => refLakala() });
cases.push({ pkg: 'node:crypto', op: 'lakala-parse', run: async () => refLakalaParse() });
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
  const fb = aggpay.createClient({ provider: 'fubei', baseUrl: 'http://127.0.0.1:9/fubei', credentials: fubeiCreds, now, nonce: fubeiNonce });
  if (JSON.parse((await fb.buildRequest('query', input)).body).sign !== JSON.parse(refFubeiBuild(fubeiCreds).body).sign) throw new Error(`${p.label}: the Fubei reference signs differently`);
  cases.push({ pkg: p.label, op: 'fubei-build', run: () => fb.buildRequest('query', input) });
  cases.push({ pkg: p.label, op: 'lakala', run: () => lkl.buildRequest('query', { merchantOrderNo: lakalaOrder }) });
  const lklInput = { merchantOrderNo: lakalaOrder };
  const lklCheck = await lkl.parseResponse('query', lklAnswer, lklInput);
  if (lklCheck.outcome !== 'SUCCEEDED') throw new Error(`${p.label}: the Lakala answer did not map: ${JSON.stringify(lklCheck)}`);
  cases.push({ pkg: p.label, op: 'lakala-parse', run: () => lkl.parseResponse('query', lklAnswer, lklInput) });
  // The same with a verifier answering true without any cryptography: the package's own per-call cost.
  const lklNone = aggpay.createClient({ provider: 'lakala', baseUrl: 'http://127.0.0.1:9', credentials: lakala, now, nonce, verifier: () => true });
  cases.push({ pkg: p.label, op: 'lakala-parse-none', run: () => lklNone.parseResponse('query', lklAnswer, lklInput) });
}

const samples = await interleaved(cases, { rounds, perRound: (c) => PER_ROUND[c.op] });

console.log(`Boundary cost, ${rounds} interleaved rounds (${PER_ROUND.shouqianba} Shouqianba / ${PER_ROUND.lakala} Lakala build / ${PER_ROUND['lakala-parse']} Lakala parse calls per case), medians, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log('| operation | implementation | µs per call | ratio to node:crypto |');
console.log('|---|---|---:|---:|');
const WHAT = {
  shouqianba: "Shouqianba buildRequest('query') + parseResponse",
  'shouqianba-build': "Shouqianba buildRequest('query') alone",
  'fubei-build': "Fubei buildRequest('query') alone",
  lakala: "Lakala buildRequest('query'), default signer",
  'lakala-parse': "Lakala parseResponse('query'), default verifier",
  'lakala-parse-none': "Lakala parseResponse('query'), verifier answering true (reference: with node:crypto verify)",
};
for (const op of Object.keys(WHAT)) {
  const ref = median(samples.get(cases.find((c) => c.op === (op === 'lakala-parse-none' ? 'lakala-parse' : op) && c.pkg === 'node:crypto')));
  for (const c of cases.filter((x) => x.op === op)) {
    const us = median(samples.get(c));
    console.log(`| ${WHAT[op]} | ${c.pkg === 'node:crypto' ? 'hand-written node:crypto (reference)' : c.pkg} | ${us.toFixed(1)} | ${(us / ref).toFixed(2)}× |`);
  }
}
