// RSA verification through the built package, per verifier path, against a hand-written node:crypto
// reference of the same operation in the same run: a Lakala query answer parsed (verify the Lklapi-* signature,
// JSON.parse, map the fields) and a Lakala notification verified (verify, JSON.parse, map). Cases are
// interleaved and rotate each round; the table gives the median µs per call over the rounds.
// Run: node bench/verifiers.mjs [rounds] [per-round]      (after make build)
import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify, createPublicKey } from 'node:crypto';
import { createClient } from 'aggpay';

const rounds = Number(process.argv[2] ?? 15);
const perRound = Number(process.argv[3] ?? 200);
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const NOW = 1_630_910_000_000;
const TS = String(NOW / 1000);
const creds = {
  appId: 'OP00000003', serialNo: '00dfba8194c41b84cf', merchantNo: '822290070111135', termNo: '29034705',
  privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
  platformCertificate: publicKey.export({ type: 'spki', format: 'pem' }),
};
const orderNo = 'FD660E1FAA3A4470933CDEDAE1EC1D8E';
const lines = (...parts) => Buffer.from(parts.map((p) => `${p}\n`).join(''));

const answerBody = JSON.stringify({
  code: 'BBS00000', msg: '成功', resp_time: '20210906173330',
  resp_data: {
    merchant_no: creds.merchantNo, out_trade_no: orderNo, trade_no: '2021090666210311394012', acc_trade_no: '4200001140202109065458327812',
    account_type: 'WECHAT', trade_state: 'SUCCESS', total_amount: '100', payer_amount: '100', acc_mdiscount_amount: '0',
    acc_discount_amount: '0', trade_time: '20210906173330', trade_main_type: 'MICROPAY',
  },
});
const answer = {
  status: 200, body: answerBody,
  headers: {
    'lklapi-appid': creds.appId, 'lklapi-serial': creds.serialNo, 'lklapi-timestamp': TS, 'lklapi-nonce': 'n0nce12chars',
    'lklapi-signature': nodeSign('sha256', lines(creds.appId, creds.serialNo, TS, 'n0nce12chars', answerBody), privateKey).toString('base64'),
  },
};
const noticeBody = JSON.stringify({
  merchant_no: creds.merchantNo, term_no: creds.termNo, out_trade_no: orderNo, trade_no: '2021090666210311394012',
  acc_trade_no: '4200001140202109065458327812', account_type: 'WECHAT', trade_status: 'SUCCESS', total_amount: '100',
  payer_amount: '100', trade_time: '20210906173330',
});
const notice = {
  headers: { authorization: `LKLAPI-SHA256withRSA timestamp="${TS}",nonce_str="abcdef123456",signature="${nodeSign('sha256', lines(TS, 'abcdef123456', noticeBody), privateKey).toString('base64')}"` },
  body: noticeBody,
};

// ---------------------------------------------------------------- hand-written references (node:crypto)
const key = createPublicKey(creds.platformCertificate);
function refParse() {
  const h = answer.headers;
  const ok = nodeVerify('sha256', lines(h['lklapi-appid'], h['lklapi-serial'], h['lklapi-timestamp'], h['lklapi-nonce'], answer.body), key, Buffer.from(h['lklapi-signature'], 'base64'));
  if (!ok || h['lklapi-appid'] !== creds.appId || Math.abs(Number(h['lklapi-timestamp']) - NOW / 1000) > 300) throw new Error('bad');
  const a = JSON.parse(answer.body);
  const d = a.resp_data;
  return {
    outcome: a.code === 'BBS00000' ? 'SUCCEEDED' : 'UNKNOWN', next: 'NONE',
    order: { state: d.trade_state === 'SUCCESS' ? 'SUCCESS' : 'UNKNOWN', merchantOrderNo: d.out_trade_no, providerOrderNo: d.trade_no, channelOrderNo: d.acc_trade_no, amounts: { total: Number(d.total_amount), paid: Number(d.payer_amount) } },
    raw: a,
  };
}
function refNotice() {
  const m = /timestamp="([^"]*)",nonce_str="([^"]*)",signature="([^"]*)"/.exec(notice.headers.authorization);
  if (!nodeVerify('sha256', lines(m[1], m[2], notice.body), key, Buffer.from(m[3], 'base64'))) throw new Error('bad');
  const d = JSON.parse(notice.body);
  if (d.merchant_no !== creds.merchantNo) throw new Error('not ours');
  return { order: { state: d.trade_status === 'SUCCESS' ? 'SUCCESS' : 'UNKNOWN', merchantOrderNo: d.out_trade_no, amounts: { total: Number(d.total_amount) } }, raw: d };
}

// ---------------------------------------------------------------- cases
// 'none' is not a verifier anyone should use: a function answering true without checking, to show what the package
// costs around the signature check (the bound on the ratio: BENCHMARKS.md).
const kinds = { node: 'node', webcrypto: 'webcrypto', wasm: 'wasm', 'none (a function answering true)': () => true };
const clients = Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, createClient({ provider: 'lakala', baseUrl: 'http://127.0.0.1:9', credentials: creds, now: () => NOW, verifier: v })]));
const input = { merchantOrderNo: orderNo };
const cases = [
  ['Lakala query parse', 'hand-written node:crypto verify + JSON.parse (reference)', async () => refParse()],
  ...Object.entries(clients).map(([v, c]) => ['Lakala query parse', `parseResponse('query'), verifier ${v.startsWith('none') ? v : `'${v}'`}`, () => c.parseResponse('query', answer, input)]),
  ['Lakala notification verify', 'hand-written node:crypto verify + JSON.parse (reference)', async () => refNotice()],
  ...Object.entries(clients).map(([v, c]) => ['Lakala notification verify', `verifyNotification, verifier ${v.startsWith('none') ? v : `'${v}'`}`, () => c.verifyNotification(notice)]),
];
for (const [, , fn] of cases) {
  const r = await fn();
  if (r.outcome !== undefined && r.outcome !== 'SUCCEEDED') throw new Error(`the answer did not verify: ${JSON.stringify(r.error)}`);
  if (r.order?.state !== 'SUCCESS') throw new Error('not verified');
}
const samples = cases.map(() => []);
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < cases.length; k++) {
    const i = (k + round) % cases.length;
    const fn = cases[i][2];
    const per = cases[i][1].includes("'wasm'") ? Math.max(5, Math.floor(perRound / 20)) : perRound;
    for (let w = 0; w < 3; w++) await fn();
    const start = process.hrtime.bigint();
    for (let j = 0; j < per; j++) await fn();
    samples[i].push(Number(process.hrtime.bigint() - start) / 1000 / per);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`RSA-2048 verification, ${rounds} interleaved rounds, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log('| operation | implementation | µs per call (median) | ratio to reference |');
console.log('|---|---|---:|---:|');
let ref;
let last;
for (let i = 0; i < cases.length; i++) {
  const [op, label] = cases[i];
  const us = median(samples[i]);
  if (label.includes('reference')) ref = us;
  console.log(`| ${op === last ? '' : op} | ${label} | ${us.toFixed(1)} | ${(us / ref).toFixed(2)}× |`);
  last = op;
}
