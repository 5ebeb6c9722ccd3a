// The conformance cases every runtime runs (Node ESM/CJS/default import, Chromium, workerd, Deno, Bun and the
// mini-program sandbox): the same calls against the emulator over HTTP, using only what every runtime has —
// the `aggpay` module under test and a fetch. No Node APIs here, so any runtime can import this file.
//
//   const report = await runConformance({ aggpay, emulatorUrl, fetch });
//   report.failed.length === 0   // report.passed / report.failed: [{ name, error? }]
//
// `fetch` is the transport the runner uses for control routes; the clients use the runtime's default
// transport unless `clientFetch` is given (a mini-program's wx.request adapter, say).

const SUCCESS_BARCODE = '130000000000000001';
const PAYING_BARCODE = '910000000000000001'; // in progress, paid after two queries

function check(condition, message) {
  if (!condition) throw new Error(message);
}

export async function runConformance({ aggpay, emulatorUrl, fetch: runnerFetch = globalThis.fetch, clientFetch, tag = 'rt' }) {
  const base = emulatorUrl.replace(/\/$/, '');
  const control = async (path, body) => {
    const res = await runnerFetch(`${base}/__emulator/${path}`, body === undefined
      ? { method: 'GET' }
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    check(res.status === 200, `control ${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const unique = `${tag}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  let n = 0;
  const orderNo = (p) => `${p}${unique}${++n}`.slice(0, 32);
  const host = clientFetch ? { fetch: clientFetch } : {};
  // Virtual time for the flows: the clock moves with every sleep, so documented cadences run at once.
  const virtual = () => {
    let t = 1_000_000;
    return { now: () => t, sleep: async (ms) => { t += ms; } };
  };

  const sqb = await control('shouqianba/credentials');
  const sqbClient = (extra = {}) => aggpay.createClient({
    provider: 'shouqianba', baseUrl: base, ...host,
    credentials: { terminalSn: sqb.terminalSn, terminalKey: sqb.terminalKey, ...extra },
  });

  const cases = {
    'money helpers are exact': async () => {
      check(aggpay.yuanToFen('0.29') === 29, 'yuanToFen("0.29")');
      check(aggpay.fenToYuan(980) === '9.80', 'fenToYuan(980)');
    },

    'an MD5 provider: pay → query → refund over HTTP (Shouqianba)': async () => {
      const c = sqbClient();
      const merchantOrderNo = orderNo('P');
      const pay = await c.pay({ merchantOrderNo, amount: 1234, subject: 'conformance', operator: 'op', authCode: SUCCESS_BARCODE });
      check(pay.outcome === 'SUCCEEDED' && pay.order.state === 'SUCCESS', `pay: ${JSON.stringify(pay.error ?? pay.order)}`);
      check(pay.order.amounts.total === 1234, 'pay amount');
      const q = await c.query({ merchantOrderNo });
      check(q.outcome === 'SUCCEEDED' && q.order.state === 'SUCCESS', `query: ${q.outcome}`);
      const r = await c.refund({ merchantOrderNo, refundNo: `R${n}`, amount: 234, operator: 'op' });
      check(r.outcome === 'SUCCEEDED' && r.refund.state === 'SUCCESS', `refund: ${JSON.stringify(r.error ?? r.refund)}`);
      const after = await c.query({ merchantOrderNo });
      check(after.order.state === 'PARTIALLY_REFUNDED', `after refund: ${after.order.state}`);
    },

    'an RSA provider: the signed request verifies at the gateway, the signed answer verifies here (Lakala)': async () => {
      const lk = await control('lakala/credentials');
      const m = lk; // the merchant's credentials and the platform certificate, flat
      const c = aggpay.createClient({
        provider: 'lakala', baseUrl: `${base}/lakala`, ...host,
        credentials: { appId: m.appId, serialNo: m.serialNo, privateKey: m.privateKeyPem,
          platformCertificate: lk.platformCertificatePem, merchantNo: m.merchantNo, termNo: m.termNo },
      });
      check(['node', 'webcrypto', 'wasm'].includes(c.signer), `signer ${c.signer}`);
      const merchantOrderNo = orderNo('L');
      const pay = await c.pay({ merchantOrderNo, amount: 321, subject: 'conformance', authCode: SUCCESS_BARCODE, clientIp: '127.0.0.1' });
      check(pay.outcome === 'SUCCEEDED', `lakala pay (${c.signer}): ${JSON.stringify(pay.error)}`);
      const q = await c.query({ merchantOrderNo, clientIp: '127.0.0.1' });
      check(q.outcome === 'SUCCEEDED' && q.order.state === 'SUCCESS' && q.order.amounts.total === 321, `lakala query: ${JSON.stringify(q.error ?? q.order)}`);
      // The same request with a broken signature is refused by the gateway's own verifier.
      const bad = aggpay.createClient({
        provider: 'lakala', baseUrl: `${base}/lakala`, ...host,
        signer: async (bytes) => new Uint8Array(256).fill(bytes.length % 251),
        credentials: { appId: m.appId, serialNo: m.serialNo, privateKey: m.privateKeyPem,
          platformCertificate: lk.platformCertificatePem, merchantNo: m.merchantNo, termNo: m.termNo },
      });
      const refused = await bad.query({ merchantOrderNo, clientIp: '127.0.0.1' });
      check(refused.outcome !== 'SUCCEEDED', 'a wrong signature must not be accepted by the gateway');
    },

    'a genuinely signed notification verifies; a tampered one is refused': async () => {
      const { pem } = await control('shouqianba/public-key');
      const c = sqbClient({ notifyPublicKey: pem });
      const merchantOrderNo = orderNo('N');
      // Nothing listens on port 9: the gateway logs the signed notice it tried to deliver.
      const pre = await c.precreate({ merchantOrderNo, amount: 880, subject: 'conformance', operator: 'op', payway: '3',
        notifyUrl: 'http://127.0.0.1:9/notify' });
      check(pre.outcome === 'SUCCEEDED', `precreate: ${JSON.stringify(pre.error)}`);
      await control('shouqianba/buyer-pays', { client_sn: merchantOrderNo });
      let notice;
      for (let i = 0; i < 100 && !notice; i++) {
        const log = await control('shouqianba/notifications');
        notice = log.find((e) => e.client_sn === merchantOrderNo);
        if (!notice) await new Promise((r) => setTimeout(r, 20));
      }
      check(notice, 'the gateway sent a notification');
      const v = await c.verifyNotification({ headers: { authorization: notice.authorization }, body: notice.body },
        { merchantOrderNo, amount: 880 });
      check(v.order.state === 'SUCCESS' && v.ack.body === 'success', `verified: ${JSON.stringify(v.order)}`);
      let refused;
      try {
        await c.verifyNotification({ headers: { authorization: notice.authorization }, body: notice.body.replace('880', '881') });
      } catch (e) {
        refused = e;
      }
      check(refused instanceof aggpay.AggpayError && refused.code === 'NOTIFICATION_INVALID', 'a tampered notice is refused');
    },

    'payAndConfirm ends PAID for exactly the asked amount (Fubei, buyer confirming on the phone)': async () => {
      const fb = await control('fubei/credentials');
      const c = aggpay.createClient({ provider: 'fubei', baseUrl: `${base}/fubei`, ...host,
        credentials: { appId: fb.appId, appSecret: fb.appSecret } });
      const merchantOrderNo = orderNo('F');
      const { now, sleep } = virtual();
      const out = await c.payAndConfirm({ merchantOrderNo, amount: 990, subject: 'conformance', authCode: PAYING_BARCODE }, { now, sleep });
      check(out.verdict === 'PAID', `verdict ${out.verdict}: ${out.message}`);
      check(out.result.order.amounts.total === 990, 'paid amount');
    },

    'bad input is the same AggpayError before anything is sent': async () => {
      let sent = 0;
      const c = aggpay.createClient({ provider: 'shouqianba', baseUrl: base, fetch: async () => { sent++; throw new Error('sent'); },
        credentials: { terminalSn: sqb.terminalSn, terminalKey: sqb.terminalKey } });
      let e;
      try {
        await c.pay({ merchantOrderNo: orderNo('B'), amount: -1, subject: 's', operator: 'o', authCode: SUCCESS_BARCODE });
      } catch (err) {
        e = err;
      }
      check(e instanceof aggpay.AggpayError && e instanceof Error, 'an AggpayError');
      check(e.code === 'INVALID_INPUT' && e.field === 'amount', `${e?.code} ${e?.field}`);
      check(sent === 0, 'nothing was sent');
      let cfg;
      try {
        aggpay.createClient({ provider: 'nope' });
      } catch (err) {
        cfg = err;
      }
      check(cfg instanceof aggpay.AggpayError && cfg.code === 'INVALID_CONFIG', 'INVALID_CONFIG');
    },
  };

  const report = { passed: [], failed: [] };
  for (const [name, run] of Object.entries(cases)) {
    try {
      await run();
      report.passed.push({ name });
    } catch (e) {
      report.failed.push({ name, error: String(e?.stack ?? e) });
    }
  }
  return report;
}
