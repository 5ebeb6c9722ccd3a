// The cost of the JS/wasm boundary: one Shouqianba build + parse (MD5 signing, a JSON answer mapped to
// an OperationResult) and one Lakala build (RSA signing with the default signer), each through a built
// package, as ratios to a hand-written node:crypto implementation of the same operation, measured in one
// run. Packages are given as directories holding index.mjs (pkg/dist by default), so a build of an
// earlier commit can be compared in the same run. Rounds are interleaved and the median per call is kept.
// Run: make bench-boundary   (or: node bench/boundary.mjs [rounds] [label=dist-dir ...])
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { interleaved, lakala, lakalaOrder, median, nonce, now, orderNo, refLakala, refShouqianba, refShouqianbaBuild, sqbAnswer, terminalKey, terminalSn } from './lib.mjs';

const args = process.argv.slice(2);
const rounds = Number(args[0] ?? 15);
const packages = (args.length > 1 ? args.slice(1) : ['this=pkg/dist']).map((a) => {
  const [label, dir] = a.includes('=') ? a.split('=') : [a, a];
  return { label, dir: resolve(dir) };
});
const PER_ROUND = { shouqianba: 400, 'shouqianba-build': 400, lakala: 150 };

// ---------------------------------------------------------------- the packages
const cases = [];
cases.push({ pkg: 'node:crypto', op: 'shouqianba', run: async () => refShouqianba() });
cases.push({ pkg: 'node:crypto', op: 'shouqianba-build', run: async () => refShouqianbaBuild() });
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

const samples = await interleaved(cases, { rounds, perRound: (c) => PER_ROUND[c.op] });

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
