// What the benchmarks share: the fixtures, the hand-written node:crypto references, and the interleaved timing
// (bench/boundary.mjs and bench/run.mjs, which is `make bench`). A reference is the same operation written
// directly against node:crypto: JSON body, signature, headers; for a parse, signature check, JSON.parse and the
// field mapping. Every result is read as a ratio to its reference measured in the same run.
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';

// ---------------------------------------------------------------- fixtures
export const terminalSn = '10298371039';
export const terminalKey = '68d499beda5f72116592f5c527465656';
export const orderNo = '7654321132';
export const sqbAnswer = JSON.stringify({
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
export const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const lakala = {
  appId: 'OP00000003', serialNo: '00dfba8194c41b84cf', merchantNo: '822290070111135', termNo: '29034705',
  privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
  platformCertificate: publicKey.export({ type: 'spki', format: 'pem' }),
};
export const lakalaOrder = 'FD660E1FAA3A4470933CDEDAE1EC1D8E';
export const now = () => 1_630_910_000_000;
export const nonce = () => 'a1b2c3d4e5f6';

// ---------------------------------------------------------------- hand-written references (node:crypto)
export function refShouqianbaBuild() {
  const body = JSON.stringify({ client_sn: orderNo, terminal_sn: terminalSn });
  const sign = createHash('md5').update(body + terminalKey).digest('hex');
  return { method: 'POST', url: 'https://vsi-api.shouqianba.com/upay/v2/query', headers: { 'content-type': 'application/json', authorization: `${terminalSn} ${sign}` }, body };
}
export function refShouqianbaParse(text = sqbAnswer) {
  const a = JSON.parse(text);
  const d = a.biz_response.data;
  const paid = a.result_code === '200' && a.biz_response.result_code === 'SUCCESS' && d.order_status === 'PAID';
  return {
    outcome: paid ? 'SUCCEEDED' : 'UNKNOWN', next: 'NONE',
    order: { state: paid ? 'SUCCESS' : 'UNKNOWN', merchantOrderNo: d.client_sn, providerOrderNo: d.sn, channelOrderNo: d.trade_no, amounts: { total: Number(d.total_amount), net: Number(d.net_amount) }, paidAt: Number(d.finish_time) },
    raw: a,
  };
}
export const refShouqianba = () => [refShouqianbaBuild(), refShouqianbaParse()];
/** Fubei's query, built by hand: sorted parameters, MD5 with the app secret, uppercase (its nonce fixed). */
export const fubeiNonce = () => 'bf9aa7d177a5d2724934f1eaaf323548';
export function refFubeiBuild({ appId, appSecret }) {
  const params = {
    app_id: appId, biz_content: JSON.stringify({ merchant_order_sn: orderNo }), format: 'json',
    method: 'openapi.payment.order.query', nonce: fubeiNonce(), sign_method: 'md5', version: '1.0',
  };
  const base = Object.keys(params).filter((k) => params[k] !== '').sort().map((k) => `${k}=${params[k]}`).join('&');
  params.sign = createHash('md5').update(base + appSecret).digest('hex').toUpperCase();
  return { method: 'POST', url: 'http://127.0.0.1:9/fubei/gateway', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(params) };
}
export function refLakala() {
  const t = now();
  const body = JSON.stringify({ req_time: '20210907173330', version: '3.0', req_data: { merchant_no: lakala.merchantNo, term_no: lakala.termNo, out_trade_no: lakalaOrder } });
  const message = `${lakala.appId}\n${lakala.serialNo}\n${Math.floor(t / 1000)}\n${nonce()}\n${body}\n`;
  const signature = nodeSign('sha256', Buffer.from(message), privateKey).toString('base64');
  const authorization = `LKLAPI-SHA256withRSA appid="${lakala.appId}",serial_no="${lakala.serialNo}",timestamp="${Math.floor(t / 1000)}",nonce_str="${nonce()}",signature="${signature}"`;
  return { method: 'POST', url: 'https://s2.lakala.com/api/v3/labs/query/tradequery', headers: { 'content-type': 'application/json', authorization }, body };
}

// ---------------------------------------------------------------- timing
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** µs per call of `c.run()` over `n` calls. */
export async function timeOnce(c, n) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await c.run();
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

/**
 * Runs every case `rounds` times, interleaved, the order rotating each round (so drift in the machine hits every
 * case alike), after `warmup` calls each. `perRound(c)` is the number of calls per sample. Returns Map case → µs samples.
 */
export async function interleaved(cases, { rounds, perRound, warmup = 50 }) {
  for (const c of cases) for (let i = 0; i < warmup; i++) await c.run();
  const samples = new Map(cases.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    const order = cases.map((_, i) => cases[(i + r) % cases.length]);
    for (const c of order) samples.get(c).push(await timeOnce(c, perRound(c)));
  }
  return samples;
}
