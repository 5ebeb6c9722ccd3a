// The Worker bench/run.mjs times in workerd (tests/runtimes/workerd.mjs bundles it as wrangler would):
// GET /?case=pkg|ref|none&n=N runs N Shouqianba query builds + parses through the package, or through a
// hand-written WebCrypto version (MD5 by crypto.subtle.digest, which workerd offers), or nothing. The time is taken
// outside: workerd's clock does not move while a request computes.
import { createClient } from 'aggpay';

const terminalSn = '10298371039';
const terminalKey = '68d499beda5f72116592f5c527465656';
const orderNo = '7654321132';
const answer = JSON.stringify({
  result_code: '200',
  biz_response: { result_code: 'SUCCESS', data: { sn: '7894259244061958', client_sn: orderNo, trade_no: '2016031521001004530200000000', status: 'SUCCESS', order_status: 'PAID', payway: '3', sub_payway: '1', total_amount: '980', net_amount: '980', finish_time: '1449567020000', channel_finish_time: '1449567020000', subject: 'goods', operator: 'op01', payer_uid: 'oGFfks1n2IAT4n2FPHK8S9Hm8eRE' } },
});
const enc = new TextEncoder();
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
async function ref() {
  const body = JSON.stringify({ client_sn: orderNo, terminal_sn: terminalSn });
  const sign = hex(await crypto.subtle.digest('MD5', enc.encode(body + terminalKey)));
  const request = { method: 'POST', url: 'https://vsi-api.shouqianba.com/upay/v2/query', headers: { 'content-type': 'application/json', authorization: `${terminalSn} ${sign}` }, body };
  const a = JSON.parse(answer);
  const d = a.biz_response.data;
  const paid = a.result_code === '200' && a.biz_response.result_code === 'SUCCESS' && d.order_status === 'PAID';
  return [request, { outcome: paid ? 'SUCCEEDED' : 'UNKNOWN', order: { state: paid ? 'SUCCESS' : 'UNKNOWN', merchantOrderNo: d.client_sn, amounts: { total: Number(d.total_amount) } }, raw: a }];
}
let client;
async function pkg() {
  client ??= createClient({ provider: 'shouqianba', baseUrl: 'http://127.0.0.1:9', credentials: { terminalSn, terminalKey }, now: () => 1_630_910_000_000, nonce: () => 'a1b2c3d4e5f6' });
  const input = { merchantOrderNo: orderNo };
  return [await client.buildRequest('query', input), await client.parseResponse('query', { status: 200, headers: {}, body: answer }, input)];
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get('n') ?? 0);
    const run = { pkg, ref, none: null }[url.searchParams.get('case')];
    if (run === undefined) return new Response('case must be pkg, ref or none', { status: 400 });
    let last;
    for (let i = 0; run && i < n; i++) last = await run();
    if (last && (last[1].outcome !== 'SUCCEEDED' || !last[0].headers.authorization.startsWith(terminalSn))) {
      return new Response(`unexpected: ${JSON.stringify(last).slice(0, 300)}`, { status: 500 });
    }
    if (url.searchParams.get('case') === 'pkg' && last) {
      const [r] = await ref();
      if (r.headers.authorization !== last[0].headers.authorization) return new Response('the reference signs differently', { status: 500 });
    }
    return new Response('ok');
  },
};
