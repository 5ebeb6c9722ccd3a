// End to end over real HTTP: the package, loaded by name, against the Lakala (拉卡拉) v3 "labs" emulator.
// Requests are signed by the library and checked by the emulator's own code; every answer is signed by the
// emulator's platform key and must verify with the platform certificate the client was given.
//
// The emulator's error codes (EMU…) are its own inventions: Lakala publishes no list of codes that prove
// nothing happened, so the library leaves every code other than BBS00000 / BBS10000 / BBS11112 as
// outcome UNKNOWN (with providerCode and providerMessage kept). The tests below expect exactly that.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { createClient, AggpayError } from 'aggpay';
import { startEmulator } from '../../js-examples/emulator/index.mjs';
import { makeCertificate } from '../../js-examples/emulator/x509.mjs';
import { startMerchant, verifying } from './kit.mjs';

const T = { timeout: 10_000 };
const IP = '127.0.0.1';
const ACK = '{"code":"SUCCESS","message":"执行成功"}';
const QUERY_PATH = '/lakala/api/v3/labs/query/tradequery';

let emu;
let merchant; // the merchant's notify server: { url, received[], close }
const notifyClients = {}; // /notify/<name> → the client that verifies it

before(async () => {
  [emu, merchant] = await Promise.all([
    startEmulator({ port: 0, lakala: { notifyRetryDelays: [50, 50] } }),
    startMerchant({ path: '', answer: verifying((e) => notifyClients[e.path.split('/')[2]],
    { status: 400, headers: { 'content-type': 'application/json' }, body: '{"code":"FAIL","message":"rejected"}' }) }),
  ]);
  notifyClients.main = client();
});
after(async () => {
  await Promise.all([emu?.close(), merchant?.close()]);
});

let seq = 0;
/** A fresh out_trade_no (≤ 32 chars), unique per run. */
const no = (tag) => `${tag}${process.pid}x${++seq}`;

/** The emulator's merchant key in the three accepted private-key forms. */
function keyForms() {
  const key = crypto.createPrivateKey(emu.lakala.merchant.privateKeyPem);
  return {
    'PKCS#8 PEM': emu.lakala.merchant.privateKeyPem,
    'PKCS#1 PEM': key.export({ type: 'pkcs1', format: 'pem' }),
    'bare Base64 PKCS#8': key.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
  };
}

/** Credentials for the emulator's merchant; `identity` 'serialNo' or 'merchantCertificate'. */
function credentials({ identity = 'serialNo', privateKey, ...more } = {}) {
  const m = emu.lakala.merchant;
  return {
    appId: m.appId,
    ...(identity === 'serialNo' ? { serialNo: m.serialNo } : { merchantCertificate: m.certificatePem }),
    privateKey: privateKey ?? m.privateKeyPem,
    platformCertificate: emu.lakala.platformCertificatePem,
    merchantNo: m.merchantNo,
    termNo: m.termNo,
    ...more,
  };
}

function client({ identity, privateKey, credentials: extraCreds, ...options } = {}) {
  return createClient({
    provider: 'lakala',
    baseUrl: `${emu.url}/lakala`,
    credentials: credentials({ identity, privateKey, ...extraCreds }),
    ...options,
  });
}

const order = (merchantOrderNo, amount = 1000) => ({ merchantOrderNo, amount, subject: '咖啡', operator: 'cashier-1', clientIp: IP });
/** A WeChat order Lakala makes (it has no WeChat NATIVE): a mini-program one (trans_type 71). */
const WECHAT_MINI_PROGRAM = { channel: 'WECHAT', kind: 'MINI_PROGRAM', payerId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', subAppId: 'wx8888888888888888' };

/** A paid barcode order of `amount`. */
async function paid(c, tag, amount = 1000, authCode = '280000000000000001') {
  const merchantOrderNo = no(tag);
  const r = await c.pay({ ...order(merchantOrderNo, amount), authCode });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  return merchantOrderNo;
}

/** BBS11200 验签失败: the gateway refused the request as signed, so nothing happened: FAILED, AUTH_FAILED. */
function authRefused(r, what) {
  const detail = `${what} ${JSON.stringify({ outcome: r.outcome, next: r.next, error: r.error })}`;
  assert.equal(r.outcome, 'FAILED', detail);
  assert.equal(r.error.code, 'AUTH_FAILED', detail);
  assert.equal(r.error.providerCode, 'BBS11200', detail);
}

function refused(r, providerCode, what = '') {
  const detail = `${what} ${JSON.stringify({ outcome: r.outcome, next: r.next, error: r.error })}`;
  assert.notEqual(r.outcome, 'SUCCEEDED', detail);
  // EMU… codes are unknown to the library: UNKNOWN (never FAILED on a guess), the code kept for support.
  assert.equal(r.outcome, 'UNKNOWN', detail);
  assert.equal(r.error.code, 'PROVIDER_ERROR', detail);
  assert.equal(r.error.providerCode, providerCode, detail);
  assert.equal(typeof r.error.providerMessage, 'string', detail);
}

// ---------------------------------------------------------------- every operation, per key form and identity

const CONFIGS = [
  { label: 'PKCS#8 PEM key, serialNo', key: 'PKCS#8 PEM', identity: 'serialNo' },
  { label: 'PKCS#8 PEM key, merchantCertificate', key: 'PKCS#8 PEM', identity: 'merchantCertificate' },
  { label: 'PKCS#1 PEM key, serialNo', key: 'PKCS#1 PEM', identity: 'serialNo' },
  { label: 'bare Base64 PKCS#8 key, merchantCertificate', key: 'bare Base64 PKCS#8', identity: 'merchantCertificate' },
  { label: 'PKCS#1 PEM key, merchantCertificate, wasm signer', key: 'PKCS#1 PEM', identity: 'merchantCertificate', signer: 'wasm' },
];

for (const cfg of CONFIGS) {
  describe(`operations (${cfg.label})`, () => {
    let c;
    before(() => {
      c = client({ identity: cfg.identity, privateKey: keyForms()[cfg.key], ...(cfg.signer && { signer: cfg.signer }) });
      assert.equal(c.signer, cfg.signer ?? 'node');
    });

    test('pay success: SUCCEEDED, order SUCCESS, amounts, channel from the barcode', T, async () => {
      for (const [authCode, channel] of [['280000000000000001', 'ALIPAY'], ['130000000000000001', 'WECHAT'], ['620000000000000001', 'UNIONPAY']]) {
        const merchantOrderNo = no('pay');
        const r = await c.pay({ ...order(merchantOrderNo, 1234), authCode });
        assert.equal(r.provider, 'lakala');
        assert.equal(r.operation, 'pay');
        assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
        assert.equal(r.next, 'NONE');
        assert.equal(r.error, undefined);
        assert.equal(r.order.state, 'SUCCESS');
        assert.equal(r.order.final, true);
        assert.equal(r.order.merchantOrderNo, merchantOrderNo);
        assert.equal(r.order.channel, channel, authCode);
        assert.equal(r.order.amounts.total, 1234);
        assert.equal(r.order.amounts.paid, 1234);
        assert.equal(r.order.amounts.refunded, 0);
        assert.equal(typeof r.order.paidAt, 'number');
        assert.ok(Math.abs(r.order.paidAt - Date.now()) < 60_000, 'trade_time read as Beijing time');
        assert.ok(r.order.channelOrderNo);
        const ledger = emu.lakala.order(merchantOrderNo);
        assert.equal(r.order.providerOrderNo, ledger.trade_no);
        assert.equal(ledger.trade_state, 'SUCCESS');
        assert.equal(ledger.total, 1234);
        assert.equal(ledger.paid, true);
      }
    });

    test('pay in progress (9100…): IN_PROGRESS/POLL, then query until SUCCESS', T, async () => {
      const merchantOrderNo = no('inprog');
      const r = await c.pay({ ...order(merchantOrderNo, 500), authCode: '9100000000000001' });
      assert.equal(r.outcome, 'IN_PROGRESS', JSON.stringify(r.error));
      assert.equal(r.next, 'POLL');
      assert.equal(r.order.state, 'PENDING');
      assert.equal(r.order.final, false);
      assert.equal(r.order.merchantOrderNo, merchantOrderNo);
      const seen = [];
      let q;
      for (let i = 0; i < 10; i++) {
        q = await c.query({ merchantOrderNo });
        assert.equal(q.outcome, 'SUCCEEDED', JSON.stringify(q.error));
        seen.push(`${q.order.state}/${q.next}`);
        if (q.order.state !== 'PENDING') break;
      }
      // The emulator answers DEAL to inProgressQueries (2) queries, then SUCCESS.
      assert.deepEqual(seen, ['PENDING/POLL', 'PENDING/POLL', 'SUCCESS/NONE']);
      assert.equal(q.order.final, true);
      assert.equal(q.order.amounts.paid, 500);
      assert.equal(q.order.providerState, 'SUCCESS');
      assert.equal(emu.lakala.order(merchantOrderNo).paid, true);
    });

    test('pay failed (9200…): not SUCCEEDED — UNKNOWN with the EMU code kept; a query then shows FAILED', T, async () => {
      const merchantOrderNo = no('payfail');
      const r = await c.pay({ ...order(merchantOrderNo), authCode: '9200000000000001' });
      refused(r, 'EMU42202');
      assert.notEqual(r.next, 'NONE', 'an unknown outcome asks the caller to find out');
      assert.equal(r.order, undefined, 'nothing from a refusal is presented as the order');
      assert.equal(emu.lakala.order(merchantOrderNo).paid, false);
      const q = await c.query({ merchantOrderNo });
      assert.equal(q.outcome, 'SUCCEEDED');
      assert.equal(q.order.state, 'FAILED');
      assert.equal(q.order.final, true);
      assert.equal(q.order.amounts.paid, 0);
      assert.equal(q.next, 'NONE');
    });

    test('precreate (UNIONPAY, ALIPAY): SUCCEEDED, PENDING, qrCode; the buyer pays; query SUCCESS', T, async () => {
      // No WeChat NATIVE on Lakala: 41 is ALIPAY and 云闪付 only (lakala.wallet.e2e.test.mjs has WeChat's orders).
      for (const [channel, qr, accountType] of [['UNIONPAY', /^https:\/\/qr\.95516\.com\//, 'UQRCODEPAY'], ['ALIPAY', /^https:\/\/qr\.alipay\.com\//, 'ALIPAY']]) {
        const merchantOrderNo = no('qr');
        const r = await c.precreate({ ...order(merchantOrderNo, 880), channel });
        assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
        assert.equal(r.next, 'POLL');
        assert.equal(r.order.state, 'PENDING');
        assert.equal(r.order.final, false);
        assert.equal(typeof r.order.qrCode, 'string');
        assert.match(r.order.qrCode, qr);
        assert.equal(r.order.merchantOrderNo, merchantOrderNo);
        const ledger = emu.lakala.order(merchantOrderNo);
        assert.equal(r.order.providerOrderNo, ledger.trade_no);
        assert.equal(ledger.account_type, accountType);
        assert.equal(ledger.trade_state, 'CREATE');

        const before = await c.query({ merchantOrderNo });
        assert.equal(before.outcome, 'SUCCEEDED');
        assert.equal(before.order.state, 'PENDING');
        assert.equal(before.next, 'POLL');

        emu.lakala.buyerPays(merchantOrderNo);
        const q = await c.query({ merchantOrderNo });
        assert.equal(q.outcome, 'SUCCEEDED', JSON.stringify(q.error));
        assert.equal(q.next, 'NONE');
        assert.equal(q.order.state, 'SUCCESS');
        assert.equal(q.order.channel, channel);
        assert.equal(q.order.amounts.total, 880);
        assert.equal(q.order.amounts.paid, 880);
        assert.equal(q.order.providerOrderNo, r.order.providerOrderNo);
      }
    });

    test('refund: partial SUCCEEDED; over the remainder not SUCCEEDED; the rest; refundQuery', T, async () => {
      const merchantOrderNo = await paid(c, 'refund', 1000);
      const r1No = no('r');
      const r1 = await c.refund({ merchantOrderNo, refundNo: r1No, amount: 300, clientIp: IP, description: '退一杯' });
      assert.equal(r1.outcome, 'SUCCEEDED', JSON.stringify(r1.error));
      assert.equal(r1.next, 'NONE');
      assert.equal(r1.refund.state, 'SUCCESS');
      assert.equal(r1.refund.amount, 300);
      assert.equal(r1.refund.refundNo, r1No);
      assert.equal(emu.lakala.order(merchantOrderNo).refunded, 300);

      const partly = await c.query({ merchantOrderNo });
      assert.equal(partly.order.state, 'PARTIALLY_REFUNDED');
      assert.equal(partly.order.amounts.total, 1000);

      const over = await c.refund({ merchantOrderNo, refundNo: no('r'), amount: 701, clientIp: IP });
      refused(over, 'EMU42201', 'over the remainder');
      assert.notEqual(over.refund?.state, 'SUCCESS');
      assert.equal(emu.lakala.order(merchantOrderNo).refunded, 300, 'nothing refunded by the refused refund');

      const rq = await c.refundQuery({ refundNo: r1No });
      assert.equal(rq.outcome, 'SUCCEEDED', JSON.stringify(rq.error));
      assert.equal(rq.refund.state, 'SUCCESS');
      assert.equal(rq.refund.refundNo, r1No);
      assert.equal(rq.refund.amount, 300);
      assert.equal(rq.next, 'NONE');

      const rest = await c.refund({ merchantOrderNo, refundNo: no('r'), amount: 700, clientIp: IP });
      assert.equal(rest.outcome, 'SUCCEEDED', JSON.stringify(rest.error));
      const q = await c.query({ merchantOrderNo });
      assert.equal(q.order.state, 'REFUNDED');
      assert.equal(q.order.amounts.refunded, 1000);
      const ledger = emu.lakala.order(merchantOrderNo);
      assert.equal(ledger.refunded, 1000);
      assert.equal(ledger.paid, false);
    });

    test('close: an unpaid preorder closes (SUCCEEDED, query CLOSED); a paid order does not', T, async () => {
      const merchantOrderNo = no('close');
      const p = await c.precreate({ ...order(merchantOrderNo, 450), channel: 'ALIPAY' });
      assert.equal(p.outcome, 'SUCCEEDED');
      const r = await c.close({ merchantOrderNo, clientIp: IP });
      assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
      assert.equal(r.next, 'NONE');
      const q = await c.query({ merchantOrderNo });
      assert.equal(q.order.state, 'CLOSED');
      assert.equal(q.order.final, true);
      assert.equal(q.order.amounts.paid, 0);
      assert.equal(q.order.providerState, 'CLOSE');
      assert.throws(() => emu.lakala.buyerPays(merchantOrderNo), /not an unpaid payment/, 'a closed order cannot be paid');
      // By providerOrderNo too, and closing twice is fine.
      const again = await c.close({ providerOrderNo: p.order.providerOrderNo, clientIp: IP });
      assert.equal(again.outcome, 'SUCCEEDED', JSON.stringify(again.error));

      const paidNo = no('close-paid');
      const pp = await c.precreate({ ...order(paidNo, 450), channel: 'ALIPAY' });
      assert.equal(pp.outcome, 'SUCCEEDED');
      emu.lakala.buyerPays(paidNo);
      refused(await c.close({ merchantOrderNo: paidNo, clientIp: IP }), 'EMU42200', 'close of a paid order');
      assert.equal(emu.lakala.order(paidNo).paid, true);
    });

    test('revoke / cancel (撤销) of a paid micropay: SUCCEEDED, the order ends CLOSED (REVOKED)', T, async () => {
      // cancel with its own number (refundNo), revoke with the nonce as its number.
      for (const [op, withNo] of [['cancel', true], ['revoke', false]]) {
        const merchantOrderNo = await paid(c, op, 660);
        const own = no('rv');
        const r = await c[op]({ merchantOrderNo, clientIp: IP, ...(withNo && { refundNo: own }) });
        assert.equal(r.outcome, 'SUCCEEDED', `${op}: ${JSON.stringify(r.error)}`);
        assert.equal(r.next, 'NONE');
        const ledger = emu.lakala.order(merchantOrderNo);
        assert.equal(ledger.trade_state, 'REVOKED');
        assert.equal(ledger.paid, false);
        if (withNo) assert.equal(emu.lakala.order(own).trade_main_type, 'CANCEL');
        const q = await c.query({ merchantOrderNo });
        assert.equal(q.order.state, 'CLOSED');
        assert.equal(q.order.providerState, 'REVOKED');
        assert.equal(q.order.final, true);
      }
      // An in-progress barcode payment (9300… never settles) can be revoked too.
      const stuck = no('stuck');
      const s = await c.pay({ ...order(stuck, 990), authCode: '9300000000000001' });
      assert.equal(s.outcome, 'IN_PROGRESS');
      const rv = await c.cancel({ merchantOrderNo: stuck, clientIp: IP, refundNo: no('rv') });
      assert.equal(rv.outcome, 'SUCCEEDED', JSON.stringify(rv.error));
      assert.equal((await c.query({ merchantOrderNo: stuck })).order.state, 'CLOSED');
    });

    test('query by merchantOrderNo and by providerOrderNo; an unknown order is not SUCCEEDED', T, async () => {
      const merchantOrderNo = await paid(c, 'query', 321);
      const a = await c.query({ merchantOrderNo });
      const b = await c.query({ providerOrderNo: a.order.providerOrderNo });
      for (const q of [a, b]) {
        assert.equal(q.outcome, 'SUCCEEDED', JSON.stringify(q.error));
        assert.equal(q.order.state, 'SUCCESS');
        assert.equal(q.order.merchantOrderNo, merchantOrderNo);
        assert.equal(q.order.amounts.total, 321);
        assert.equal(q.order.amounts.paid, 321);
        assert.equal(q.order.channel, 'ALIPAY');
        assert.equal(q.raw.resp_data.out_trade_no, merchantOrderNo);
      }
      assert.equal(b.order.providerOrderNo, a.order.providerOrderNo);
      const missing = await c.query({ merchantOrderNo: no('nosuch') });
      refused(missing, 'EMU40400', 'unknown order');
      assert.equal(missing.order, undefined);
    });
  });
}

test('refund in progress (the unified refund, as by default): IN_PROGRESS/POLL and PENDING, then refundQuery until SUCCESS', T, async () => {
  const slow = await startEmulator({ port: 0, lakala: { refundInProgressQueries: 1 } });
  try {
    const m = slow.lakala.merchant;
    const c = createClient({
      provider: 'lakala', baseUrl: `${slow.url}/lakala`,
      credentials: { appId: m.appId, serialNo: m.serialNo, privateKey: m.privateKeyPem, platformCertificate: slow.lakala.platformCertificatePem, merchantNo: m.merchantNo, termNo: m.termNo },
    });
    const merchantOrderNo = await paid(c, 'slowref', 800);
    const refundNo = no('r');
    const r = await c.refund({ merchantOrderNo, refundNo, amount: 200, clientIp: IP });
    assert.equal(r.outcome, 'IN_PROGRESS', JSON.stringify(r.error));
    assert.equal(r.next, 'POLL');
    assert.equal(r.refund.state, 'PENDING');
    assert.equal(r.refund.amount, 200);
    assert.equal(r.refund.refundNo, refundNo);
    const seen = [];
    for (let i = 0; i < 5; i++) {
      const q = await c.refundQuery({ refundNo });
      assert.equal(q.outcome, 'SUCCEEDED', JSON.stringify(q.error));
      seen.push(`${q.refund.state}/${q.next}`);
      if (q.refund.state !== 'PENDING') break;
    }
    assert.deepEqual(seen, ['PENDING/POLL', 'SUCCESS/NONE']);
    assert.equal(slow.lakala.order(merchantOrderNo).refunded, 200);
    assert.equal((await c.query({ merchantOrderNo })).order.state, 'PARTIALLY_REFUNDED');
  } finally {
    await slow.close();
  }
});

test('querying a refund\'s own number as an order is not reported as a paid order', {
  ...T,
}, async () => {
  const c = client();
  const merchantOrderNo = await paid(c, 'rq-as-order', 1000);
  const refundNo = no('r');
  assert.equal((await c.refund({ merchantOrderNo, refundNo, amount: 100, clientIp: IP })).outcome, 'SUCCEEDED');
  const q = await c.query({ merchantOrderNo: refundNo });
  assert.equal(q.raw.resp_data.trade_main_type, 'REFUND');
  assert.notEqual(q.order?.state, 'SUCCESS', `a refund trade presented as a paid order: ${JSON.stringify(q.order)}`);
});

test('barcode payments and plain queries carry no payParams (wallet-invocation parameters)', {
  ...T,
}, async () => {
  const c = client();
  const merchantOrderNo = no('pp');
  const p = await c.pay({ ...order(merchantOrderNo), authCode: '130000000000000001' });
  assert.equal(p.outcome, 'SUCCEEDED');
  assert.equal(p.order.payParams, undefined, `pay: ${JSON.stringify(p.order.payParams)}`);
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.order.payParams, undefined, `query: ${JSON.stringify(q.order.payParams)}`);
});

// ---------------------------------------------------------------- response signatures

test('faults bad-signature / no-signature on tradequery: UNKNOWN, RESPONSE_SIGNATURE_INVALID, no order', T, async () => {
  const c = client();
  const merchantOrderNo = await paid(c, 'sig', 700);
  for (const kind of ['bad-signature', 'no-signature']) {
    emu.faults.add({ path: QUERY_PATH, kind });
    const r = await c.query({ merchantOrderNo });
    assert.equal(r.outcome, 'UNKNOWN', kind);
    assert.equal(r.error.code, 'RESPONSE_SIGNATURE_INVALID', kind);
    assert.equal(r.order, undefined, `${kind}: nothing from an unverified answer is trusted`);
    assert.notEqual(r.next, 'NONE', kind);
    assert.deepEqual(emu.faults.list(), [], `${kind}: the fault was consumed`);
    // The very next answer is signed again and trusted.
    const ok = await c.query({ merchantOrderNo });
    assert.equal(ok.outcome, 'SUCCEEDED', `${kind}: ${JSON.stringify(ok.error)}`);
    assert.equal(ok.order.state, 'SUCCESS');
  }
});

test('a client configured with another platform certificate trusts no answer', T, async () => {
  const good = client();
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const otherCert = makeCertificate({ privateKey, commonName: 'APIGW.LAKALA.COM', serialHex: '01a2b3c4d5' });
  const c = client({ credentials: { platformCertificate: otherCert } });
  const paidNo = await paid(good, 'op-paid', 900);
  const unpaidNo = no('op-unpaid');
  assert.equal((await good.precreate({ ...order(unpaidNo), channel: 'ALIPAY' })).outcome, 'SUCCEEDED');
  const calls = [
    ['pay', { ...order(no('op-pay')), authCode: '130000000000000001' }],
    ['pay', { ...order(no('op-pay')), authCode: '9200000000000001' }],
    ['precreate', { ...order(no('op-pre')), channel: 'ALIPAY' }],
    ['query', { merchantOrderNo: paidNo }],
    ['query', { merchantOrderNo: no('nosuch') }],
    ['refund', { merchantOrderNo: paidNo, refundNo: no('op-r'), amount: 100, clientIp: IP }],
    ['refundQuery', { refundNo: no('nosuch') }],
    ['close', { merchantOrderNo: unpaidNo, clientIp: IP }],
    ['revoke', { merchantOrderNo: paidNo, clientIp: IP, refundNo: no('op-rv') }],
  ];
  for (const [op, input] of calls) {
    const r = await c[op](input);
    const what = `${op} ${JSON.stringify(input)}: ${JSON.stringify({ outcome: r.outcome, error: r.error })}`;
    assert.equal(r.outcome, 'UNKNOWN', what);
    assert.equal(r.error.code, 'RESPONSE_SIGNATURE_INVALID', what);
    assert.equal(r.order, undefined, what);
    assert.equal(r.refund, undefined, what);
  }
});

// ---------------------------------------------------------------- request signatures

test('a client with a wrong private key is refused by the gateway; nothing happens', T, async () => {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const c = client({ privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) });
  const merchantOrderNo = no('wrongkey');
  const r = await c.pay({ ...order(merchantOrderNo), authCode: '130000000000000001' });
  authRefused(r, 'wrong key');
  assert.equal(emu.lakala.order(merchantOrderNo), undefined, 'no trade was created');
  const p = await c.precreate({ ...order(no('wrongkey')), channel: 'ALIPAY' });
  authRefused(p, 'wrong key, precreate');
});

test('a wrong serialNo, and a client clock 400 s off, are refused', T, async () => {
  const wrongSerial = client({ credentials: { serialNo: '00aabbccddeeff0011' } });
  const a = no('serial');
  authRefused(await wrongSerial.pay({ ...order(a), authCode: '130000000000000001' }), 'wrong serial');
  assert.equal(emu.lakala.order(a), undefined);

  // The gateway refuses the request (EMU40101), and its answer, signed 400 s after the client's clock, is not
  // trusted either: the message points at the clock.
  const skewed = client({ now: () => Date.now() - 400_000 });
  const b = no('skew');
  const r = await skewed.pay({ ...order(b), authCode: '130000000000000001' });
  assert.equal(r.outcome, 'UNKNOWN', JSON.stringify(r.error));
  assert.equal(r.next, 'POLL');
  assert.equal(r.error.code, 'RESPONSE_SIGNATURE_INVALID');
  assert.match(r.error.message, /signed 40\d s after it arrived.*wrong clock/);
  assert.equal(r.raw.code, 'EMU40101', 'raw keeps what the gateway said, for support');
  assert.equal(emu.lakala.order(b), undefined);
});

/** `LKLAPI-SHA256withRSA k="v",…` → { k: v } (the test's own parser). */
function authPairs(header) {
  const m = /^LKLAPI-SHA256withRSA (.*)$/.exec(header);
  assert.ok(m, `scheme: ${header}`);
  return Object.fromEntries(m[1].split(',').map((p) => {
    const hit = /^\s*([a-z_]+)="([^"]*)"\s*$/.exec(p);
    assert.ok(hit, `pair ${p}`);
    return [hit[1], hit[2]];
  }));
}

test('buildRequest: Authorization carries appid, serial_no, timestamp = now()/1000 s, the nonce, and a signature that verifies', T, async () => {
  const m = emu.lakala.merchant;
  const nowMs = 1_700_000_000_999; // 2023-11-14T22:13:20.999Z = 2023-11-15 06:13:20 Beijing
  for (const identity of ['serialNo', 'merchantCertificate']) {
    const c = client({ identity, now: () => nowMs, nonce: () => 'abcNONCE123xyz' });
    const req = await c.buildRequest('query', { merchantOrderNo: 'order-1' });
    assert.equal(req.method, 'POST');
    assert.equal(req.url, `${emu.url}${QUERY_PATH}`);
    assert.equal(req.headers['content-type'], 'application/json');
    const p = authPairs(req.headers.authorization);
    assert.deepEqual(Object.keys(p).sort(), ['appid', 'nonce_str', 'serial_no', 'signature', 'timestamp']);
    assert.equal(p.appid, m.appId);
    assert.equal(p.serial_no, m.serialNo, identity);
    assert.match(p.serial_no, /^00[0-9a-f]{16}$/, 'the leading 00 of a high-bit serial is kept');
    assert.equal(p.timestamp, '1700000000', 'seconds, rounded down');
    assert.equal(p.nonce_str, 'abcNONCE123xyz');
    const message = Buffer.from(`${p.appid}\n${p.serial_no}\n${p.timestamp}\n${p.nonce_str}\n${req.body}\n`, 'utf8');
    const publicKey = new crypto.X509Certificate(m.certificatePem).publicKey;
    assert.ok(crypto.verify('sha256', message, publicKey, Buffer.from(p.signature, 'base64')), 'signature verifies with the merchant certificate');
    const body = JSON.parse(req.body);
    assert.equal(body.version, '3.0');
    assert.equal(body.req_time, '20231115061320', 'req_time is Beijing time');
    assert.deepEqual(body.req_data, { merchant_no: m.merchantNo, term_no: m.termNo, out_trade_no: 'order-1' });
  }
  // Taken per request: a later clock gives a later timestamp.
  let t = nowMs;
  const c = client({ now: () => t });
  const first = authPairs((await c.buildRequest('query', { merchantOrderNo: 'o' })).headers.authorization);
  t += 61_000;
  const second = authPairs((await c.buildRequest('query', { merchantOrderNo: 'o' })).headers.authorization);
  assert.equal(Number(second.timestamp) - Number(first.timestamp), 61);
  assert.notEqual(first.nonce_str, second.nonce_str, 'a fresh default nonce per request');
  assert.match(first.nonce_str, /^[A-Za-z0-9]{1,64}$/);
});

test('a request built with an injected clock is accepted by the gateway at that time', T, async () => {
  const at = Date.now() - 3_600_000; // an hour ago, on both sides
  emu.lakala.setNow(at);
  try {
    const c = client({ now: () => at, nonce: () => 'fixedNonce42' });
    const merchantOrderNo = no('clock');
    const req = await c.buildRequest('pay', { ...order(merchantOrderNo, 150), authCode: '130000000000000001' });
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
    const r = await c.parseResponse('pay', { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) });
    assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
    assert.equal(r.order.amounts.paid, 150);
  } finally {
    emu.lakala.setNow(null);
  }
});

// ---------------------------------------------------------------- notifications

/** Precreate with notifyUrl → the buyer pays → deliveries settle. Returns what both sides saw. */
async function paidWithNotification(name, amount = 990) {
  const merchantOrderNo = no('ntf');
  const r = await notifyClients.main.precreate({
    ...order(merchantOrderNo, amount), ...WECHAT_MINI_PROGRAM, notifyUrl: `${merchant.url}/notify/${name}`,
  });
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  emu.lakala.buyerPays(merchantOrderNo);
  await emu.lakala.flushNotifications();
  const log = emu.lakala.notifications.filter((n) => n.out_trade_no === merchantOrderNo);
  const got = merchant.received.filter((x) => x.body.includes(`"out_trade_no":"${merchantOrderNo}"`));
  return { merchantOrderNo, log, got };
}

let genuineCache;
/** One genuine delivered notification: { headers, body (Buffer), merchantOrderNo, timestamp (s) }. */
async function genuine() {
  if (!genuineCache) {
    const { merchantOrderNo, got } = await paidWithNotification('main', 1500);
    assert.equal(got.length, 1);
    const { headers, body } = got[0];
    genuineCache = { headers: { authorization: headers.authorization, 'content-type': headers['content-type'] }, body, merchantOrderNo };
    genuineCache.timestamp = Number(authPairs(headers.authorization).timestamp);
  }
  return genuineCache;
}

async function rejection(promise, code, reason) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, 'expected a rejection');
  assert.ok(error instanceof AggpayError, String(error));
  assert.equal(error.code, code, error.message);
  if (reason) assert.equal(error.reason, reason, error.message);
  return error;
}

test('notification: the merchant verifies the paid notice and acks; the emulator logs it acknowledged', T, async () => {
  const { merchantOrderNo, log, got } = await paidWithNotification('main', 990);
  assert.equal(got.length, 1, 'delivered once');
  assert.equal(got[0].error, undefined, String(got[0].error));
  const v = got[0].verified;
  assert.equal(v.order.state, 'SUCCESS');
  assert.equal(v.order.final, true);
  assert.equal(v.order.merchantOrderNo, merchantOrderNo);
  assert.equal(v.order.providerOrderNo, emu.lakala.order(merchantOrderNo).trade_no);
  assert.equal(v.order.channel, 'WECHAT');
  assert.equal(v.order.amounts.total, 990);
  assert.equal(v.order.amounts.paid, 990);
  assert.equal(typeof v.order.paidAt, 'number');
  assert.equal(v.raw.out_trade_no, merchantOrderNo);
  assert.equal(v.ack.status, 200);
  assert.equal(v.ack.body, ACK, 'exactly the PHP SDK LakalaNotifyApi::success() body');
  assert.match(v.ack.headers['content-type'], /^application\/json/);
  assert.equal(log.length, 1, 'acknowledged at the first attempt: no retries');
  assert.equal(log[0].status, 200);
  assert.equal(log[0].reply, ACK);
  assert.match(log[0].authorization, /^LKLAPI-SHA256withRSA timestamp="\d+",nonce_str="\w+",signature="[^"]+"$/);
});

test('notification: raw body as Buffer, string, Uint8Array, ArrayBuffer; headers as object, Headers, entries, any case', T, async () => {
  const { headers, body, merchantOrderNo } = await genuine();
  const c = notifyClients.main;
  const variants = [
    { headers, body },
    { headers, body: body.toString('utf8') },
    { headers, body: new Uint8Array(body) },
    { headers, body: body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) },
    { headers: new Headers(headers), body },
    { headers: Object.entries(headers), body },
    { headers: { Authorization: headers.authorization }, body },
  ];
  for (const [i, v] of variants.entries()) {
    const r = await c.verifyNotification(v);
    assert.equal(r.order.state, 'SUCCESS', `variant ${i}`);
    assert.equal(r.order.merchantOrderNo, merchantOrderNo, `variant ${i}`);
    assert.equal(r.ack.body, ACK);
  }
});

test('notification rejections: tampered body, another key, re-serialized JSON → BAD_SIGNATURE', T, async () => {
  const { headers, body } = await genuine();
  const c = notifyClients.main;
  const text = body.toString('utf8');
  assert.match(text, /"total_amount":"1500"/);
  await rejection(c.verifyNotification({ headers, body: text.replace('"total_amount":"1500"', '"total_amount":"1"') }), 'NOTIFICATION_INVALID', 'BAD_SIGNATURE');
  await rejection(c.verifyNotification({ headers, body: JSON.stringify(JSON.parse(text), null, 1) }), 'NOTIFICATION_INVALID', 'BAD_SIGNATURE');

  // The same body and header form, signed by a key that is not the platform's.
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = crypto.sign('sha256', Buffer.from(`${ts}\nforged12345\n${text}\n`), privateKey).toString('base64');
  const forged = { authorization: `LKLAPI-SHA256withRSA timestamp="${ts}",nonce_str="forged12345",signature="${sig}"` };
  await rejection(c.verifyNotification({ headers: forged, body }), 'NOTIFICATION_INVALID', 'BAD_SIGNATURE');

  // A genuine signature moved to another timestamp no longer verifies.
  const moved = headers.authorization.replace(/timestamp="(\d+)"/, (_, t) => `timestamp="${Number(t) + 1}"`);
  await rejection(c.verifyNotification({ headers: { authorization: moved }, body }), 'NOTIFICATION_INVALID', 'BAD_SIGNATURE');
});

test('notification rejections: a timestamp outside the window is EXPIRED (default 300 s, and notificationToleranceSeconds)', T, async () => {
  const { headers, body, timestamp } = await genuine();
  const at = (ms) => client({ now: () => ms });
  // Exactly at the edge of the default 300 s window, either side: accepted.
  for (const ms of [(timestamp + 300) * 1000 + 999, (timestamp - 300) * 1000]) {
    assert.equal((await at(ms).verifyNotification({ headers, body })).order.state, 'SUCCESS', `now=${ms}`);
  }
  // The client clock moved 301 s, forward or back: a replay (or a wrong clock).
  for (const ms of [(timestamp + 301) * 1000, (timestamp - 301) * 1000]) {
    const e = await rejection(at(ms).verifyNotification({ headers, body }), 'NOTIFICATION_INVALID', 'EXPIRED');
    assert.match(e.message, /301/);
  }
  // Real time moved 301 s on: Date.now() + 301 s.
  await rejection(client({ now: () => Date.now() + 301_000 }).verifyNotification({ headers, body }), 'NOTIFICATION_INVALID', 'EXPIRED');

  const narrow = (ms) => client({ now: () => ms, notificationToleranceSeconds: 10 });
  assert.equal((await narrow((timestamp + 10) * 1000).verifyNotification({ headers, body })).order.state, 'SUCCESS');
  await rejection(narrow((timestamp + 11) * 1000).verifyNotification({ headers, body }), 'NOTIFICATION_INVALID', 'EXPIRED');
  await rejection(narrow((timestamp - 11) * 1000).verifyNotification({ headers, body }), 'NOTIFICATION_INVALID', 'EXPIRED');
  const wide = client({ now: () => (timestamp + 3600) * 1000, notificationToleranceSeconds: 3600 });
  assert.equal((await wide.verifyNotification({ headers, body })).order.state, 'SUCCESS');

  // At most an hour: a wider window lets a replay count for longer than any clock needs. The message names the
  // field and the rule, not the value given.
  for (const bad of [0, -5, 3601, 7200, 86_400 * 365]) {
    assert.throws(() => client({ notificationToleranceSeconds: bad }), (e) => e instanceof AggpayError && e.code === 'INVALID_CONFIG'
      && e.field === 'notificationToleranceSeconds' && (bad <= 0 || !e.message.includes(String(bad))), String(bad));
  }
});

test('notification rejections: missing or unparsable Authorization → MISSING_SIGNATURE; bad input → INVALID_INPUT', T, async () => {
  const { headers, body } = await genuine();
  const c = notifyClients.main;
  for (const h of [{}, { 'content-type': 'application/json' }, { authorization: '' }, { authorization: '   ' }, { authorization: 'Bearer abc' }]) {
    await rejection(c.verifyNotification({ headers: h, body }), 'NOTIFICATION_INVALID', 'MISSING_SIGNATURE');
  }
  const noSig = headers.authorization.replace(/,signature="[^"]*"/, '');
  await rejection(c.verifyNotification({ headers: { authorization: noSig }, body }), 'NOTIFICATION_INVALID', 'MISSING_SIGNATURE');
  await rejection(c.verifyNotification({ headers, body: JSON.parse(body.toString('utf8')) }), 'INVALID_INPUT');
  await rejection(c.verifyNotification(null), 'INVALID_INPUT');
});

test('notification: a merchant whose client has the wrong notify certificate rejects every attempt; retries are bounded', T, async () => {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  notifyClients.wrong = client({ credentials: { notifyCertificate: makeCertificate({ privateKey, commonName: 'X', serialHex: '0a0b' }) } });
  const { log, got } = await paidWithNotification('wrong', 100);
  assert.equal(log.length, 3, '1 + notifyRetryDelays.length attempts');
  assert.ok(log.every((n) => n.status === 400), JSON.stringify(log.map((n) => n.status)));
  assert.equal(got.length, 3);
  assert.ok(got.every((x) => x.error?.code === 'NOTIFICATION_INVALID' && x.error.reason === 'BAD_SIGNATURE'));
  // The platform certificate given as notifyCertificate verifies the same deliveries.
  const right = client({ credentials: { notifyCertificate: emu.lakala.platformCertificatePem } });
  const v = await right.verifyNotification({ headers: got[0].headers, body: got[0].body });
  assert.equal(v.order.state, 'SUCCESS');
});

// ---------------------------------------------------------------- answers and notices tied to the request and merchant
// Lakala signs every app's and merchant's answers and notices with one platform key: a genuine signature alone says
// nothing about which request, order or merchant they belong to. The emulator's rewriteAnswers() produces answers
// exactly as genuinely signed as Lakala's; the gateway acts on each request as usual.

/** Runs `fn` with the emulator rewriting answers by `rewrite`, then stops rewriting. */
async function rewriting(rewrite, fn) {
  emu.lakala.rewriteAnswers(rewrite);
  try {
    return await fn();
  } finally {
    emu.lakala.rewriteAnswers(null);
  }
}

test('a stale signed answer (an hour old) is UNKNOWN + POLL, never trusted, while the gateway did take the money', T, async () => {
  const c = client();
  const merchantOrderNo = no('stale');
  const r = await rewriting(({ timestamp }) => ({ timestamp: timestamp - 3600 }),
    () => c.pay({ ...order(merchantOrderNo, 700), authCode: '130000000000000001' }));
  assert.equal(r.outcome, 'UNKNOWN', JSON.stringify(r.error));
  assert.equal(r.next, 'POLL');
  assert.equal(r.error.code, 'RESPONSE_SIGNATURE_INVALID');
  assert.match(r.error.message, /stale by 360\d s/);
  assert.equal(r.order, undefined, 'nothing from an untrusted answer');
  assert.equal(emu.lakala.order(merchantOrderNo).paid, true, 'the pay itself went through');
  // A fresh answer tells the truth.
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.order.state, 'SUCCESS', JSON.stringify(q.error));
  // Inside the window (4 minutes old) it is trusted.
  const ok = await rewriting(({ timestamp }) => ({ timestamp: timestamp - 240 }), () => c.query({ merchantOrderNo }));
  assert.equal(ok.outcome, 'SUCCEEDED', JSON.stringify(ok.error));
});

test('an answer signed for another app is not trusted', T, async () => {
  const c = client();
  const merchantOrderNo = await paid(c, 'otherapp', 300);
  const r = await rewriting(() => ({ appid: 'OP00000099' }), () => c.query({ merchantOrderNo }));
  assert.equal(r.outcome, 'UNKNOWN');
  assert.equal(r.error.code, 'RESPONSE_SIGNATURE_INVALID');
  assert.match(r.error.message, /another app/);
  assert.equal(r.order, undefined);
});

test('a replayed close answer given to a new micropay is not PAID', T, async () => {
  const c = client();
  const closed = no('cl');
  assert.equal((await c.precreate({ ...order(closed), channel: 'ALIPAY' })).outcome, 'SUCCEEDED');
  let closeAnswer;
  const cl = await rewriting(({ path, payload }) => { if (path.endsWith('/close')) closeAnswer = payload; },
    () => c.close({ merchantOrderNo: closed, clientIp: IP }));
  assert.equal(cl.outcome, 'SUCCEEDED', JSON.stringify(cl.error));
  assert.equal(closeAnswer.code, 'BBS00000');
  // A new micropay whose buyer's wallet is still deciding (9300…): the replayed close answer stands in for its answer.
  const fresh = no('replay-pay');
  const r = await rewriting(({ path }) => (path.endsWith('/micropay') ? { payload: closeAnswer } : undefined),
    () => c.pay({ ...order(fresh, 990), authCode: '9300000000000001' }));
  assert.notEqual(r.outcome, 'SUCCEEDED', JSON.stringify(r));
  assert.equal(r.outcome, 'UNKNOWN');
  assert.equal(r.next, 'POLL');
  assert.equal(emu.lakala.order(fresh).paid, false, 'nothing was paid');
  // The same answer given to the close of another order is not a close of that order.
  const other = no('cl2');
  assert.equal((await c.precreate({ ...order(other), channel: 'ALIPAY' })).outcome, 'SUCCEEDED');
  const r2 = await rewriting(({ path }) => (path.endsWith('/close') ? { payload: closeAnswer } : undefined),
    () => c.close({ merchantOrderNo: other, clientIp: IP }));
  assert.equal(r2.outcome, 'UNKNOWN', JSON.stringify(r2));
  assert.equal(r2.error.code, 'MALFORMED_RESPONSE');
});

test('a replayed revoke answer for another order is not a reversal while the money is held', T, async () => {
  const c = client();
  const first = await paid(c, 'rv-a', 500);
  let revokeAnswer;
  const rv = await rewriting(({ path, payload }) => { if (path.endsWith('/revoked')) revokeAnswer = payload; },
    () => c.revoke({ merchantOrderNo: first, clientIp: IP }));
  assert.equal(rv.outcome, 'SUCCEEDED', JSON.stringify(rv.error));
  // A second paid order, partly refunded, so the gateway refuses to revoke it: the money stays with the merchant.
  const second = await paid(c, 'rv-b', 500);
  assert.equal((await c.refund({ merchantOrderNo: second, refundNo: no('r'), amount: 100, clientIp: IP })).outcome, 'SUCCEEDED');
  for (const op of ['revoke', 'cancel']) {
    const r = await rewriting(({ path }) => (path.endsWith('/revoked') ? { payload: revokeAnswer } : undefined),
      () => c[op]({ merchantOrderNo: second, clientIp: IP, ...(op === 'cancel' && { refundNo: no('rv') }) }));
    assert.notEqual(r.outcome, 'SUCCEEDED', `${op}: ${JSON.stringify(r)}`);
    assert.equal(r.outcome, 'UNKNOWN', op);
    assert.equal(r.error.code, 'MALFORMED_RESPONSE', op);
  }
  assert.equal(emu.lakala.order(second).paid, true, 'held');
});

test('a micropay answer BBS00000 whose trade_state is FAIL is UNKNOWN + POLL, not SUCCEEDED', T, async () => {
  const c = client();
  const merchantOrderNo = no('contra');
  const r = await rewriting(
    ({ path, payload }) => (path.endsWith('/micropay') ? { payload: { ...payload, resp_data: { ...payload.resp_data, trade_state: 'FAIL' } } } : undefined),
    () => c.pay({ ...order(merchantOrderNo, 400), authCode: '130000000000000001' }));
  assert.equal(r.outcome, 'UNKNOWN', JSON.stringify(r));
  assert.equal(r.next, 'POLL');
  assert.equal(r.order, undefined);
  assert.equal((await c.query({ merchantOrderNo })).order.state, 'SUCCESS', 'the truth is one query away');
});

test('notification: a genuinely signed notice for another merchant or terminal is rejected with WRONG_MERCHANT', T, async () => {
  // The order exists for our merchant; a fraudster's notice carries our order number under their merchant.
  const r = await notifyClients.main.precreate({
    ...order(no('wm'), 990), ...WECHAT_MINI_PROGRAM, notifyUrl: `${merchant.url}/notify/main`,
  });
  assert.equal(r.outcome, 'SUCCEEDED');
  const id = r.order.merchantOrderNo;
  emu.lakala.buyerPays(id);
  await emu.lakala.flushNotifications();
  const url = `${merchant.url}/notify/main`;
  const cases = [
    ['another merchant', { merchant_no: '822290070119999' }, /merchant_no/],
    ['another terminal', { term_no: '29039999' }, /term_no/],
    ['no merchant_no', { merchant_no: undefined }, /merchant_no/],
  ];
  for (const [what, changes, field] of cases) {
    const before = merchant.received.length;
    const sent = await emu.lakala.sendNotification(id, url, { changes });
    assert.equal(sent.status, 400, what);
    const got = merchant.received.slice(before);
    assert.equal(got.length, 1, what);
    const e = got[0].error;
    assert.ok(e instanceof AggpayError, `${what}: ${e}`);
    assert.equal(e.code, 'NOTIFICATION_INVALID', what);
    assert.equal(e.reason, 'WRONG_MERCHANT', `${what}: ${e.message}`);
    assert.match(e.message, field, what);
    assert.ok(!e.message.includes(emu.lakala.merchant.merchantNo) && !e.message.includes(emu.lakala.merchant.termNo), e.message);
  }
  // A notice without term_no still names our merchant: accepted (public integrations read notices without it).
  const plain = await emu.lakala.sendNotification(id, url, { changes: { term_no: undefined } });
  assert.equal(plain.status, 200, 'no term_no');
  // Our own notice for the same order, sent the same way, is accepted.
  const before = merchant.received.length;
  assert.equal((await emu.lakala.sendNotification(id, url)).status, 200);
  assert.equal(merchant.received[before].verified.order.state, 'SUCCESS');
  // The same bytes verified directly give the same answer.
  const n = emu.lakala.signedNotice(id, { changes: { merchant_no: '822290070119999' } });
  await rejection(notifyClients.main.verifyNotification(n), 'NOTIFICATION_INVALID', 'WRONG_MERCHANT');
});
