// Lakala wallet orders end to end: the package, loaded by name, against the emulator over real HTTP.
// Every kind × wallet Lakala's preorder makes (the SDK's trans_type 41 / 51 / 71), what is refused before
// sending, what the emulator itself refuses (written from the same documents), the pay parameters read into
// the wallet's shape, and a JSAPI order the buyer pays while waitForPayment polls it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { AggpayError } from 'aggpay';
import { lklMessage } from '../../js-examples/emulator/lakala.mjs';
import { clientFor, spyFetch, useEmulator } from './kit.mjs';

const T = { timeout: 10_000 };
const IP = '127.0.0.1';
const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
const SUB_APPID = 'wx8888888888888888';
const WECHAT_KEYS = ['appId', 'nonceStr', 'package', 'paySign', 'signType', 'timeStamp'];

const emu = useEmulator();

let seq = 0;
const no = (tag) => `${tag}${process.pid}w${++seq}`;

/** A client whose requests are recorded: `spy.calls[i].data` is the req_data sent. */
function spied() {
  const spy = spyFetch({ describe: (url, init) => ({ data: JSON.parse(init.body).req_data }) });
  return { c: clientFor(emu, 'lakala', { fetch: spy }), spy };
}

const order = (extra) => ({ merchantOrderNo: no('wo'), amount: 1280, subject: '燕麦拿铁', clientIp: IP, ...extra });

// What Lakala's SDK sends for each (lkl-java-sdk V3LabsTransPreorderRequest, V3LabsTradePreorder*Bus).
const SUPPORTED = [
  { what: 'QR ALIPAY', input: { channel: 'ALIPAY' }, wire: ['ALIPAY', '41', undefined], shape: 'qr' },
  { what: 'QR UNIONPAY', input: { kind: 'QR', channel: 'UNIONPAY' }, wire: ['UQRCODEPAY', '41', undefined], shape: 'qr' },
  {
    what: 'JSAPI WECHAT', input: { kind: 'JSAPI', channel: 'WECHAT', payerId: OPENID, subAppId: SUB_APPID },
    wire: ['WECHAT', '51', { user_id: OPENID, sub_appid: SUB_APPID }], shape: 'wechat',
  },
  {
    what: 'MINI_PROGRAM WECHAT', input: { kind: 'MINI_PROGRAM', channel: 'WECHAT', payerId: OPENID, subAppId: SUB_APPID },
    wire: ['WECHAT', '71', { user_id: OPENID, sub_appid: SUB_APPID }], shape: 'wechat',
  },
  {
    what: 'JSAPI ALIPAY', input: { kind: 'JSAPI', channel: 'ALIPAY', payerId: '2088102146225135' },
    wire: ['ALIPAY', '51', { user_id: '2088102146225135' }], shape: 'alipay',
  },
  {
    what: 'JSAPI UNIONPAY', input: { kind: 'JSAPI', channel: 'UNIONPAY', payerId: 'up-user-1' },
    wire: ['UQRCODEPAY', '51', { user_id: 'up-user-1' }], shape: 'redirect',
  },
  { what: 'JSAPI UNIONPAY, no userId', input: { kind: 'JSAPI', channel: 'UNIONPAY' }, wire: ['UQRCODEPAY', '51', undefined], shape: 'redirect' },
];

for (const { what, input, wire, shape } of SUPPORTED) {
  test(`${what}: sent as the SDK sends it, SUCCEEDED, PENDING, payParams in the wallet's shape`, T, async () => {
    const { c, spy } = spied();
    const r = await c.precreate(order(input));
    assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
    assert.equal(r.next, 'POLL');
    assert.equal(r.order.state, 'PENDING');
    assert.equal(spy.calls.length, 1);
    const d = spy.calls[0].data;
    assert.deepEqual([d.account_type, d.trans_type, d.acc_busi_fields], wire);
    const sent = r.raw.resp_data.acc_resp_fields; // raw keeps what the gateway sent
    const ledger = emu.lakala.order(r.order.merchantOrderNo);
    assert.equal(ledger.trade_state, 'CREATE');
    assert.equal(r.order.providerOrderNo, ledger.trade_no);
    switch (shape) {
      case 'qr':
        assert.match(r.order.qrCode, /^https:\/\/qr\.(alipay|95516)\.com\//);
        assert.equal(r.order.qrCode, sent.code);
        assert.equal(r.order.payParams ?? null, null);
        break;
      case 'wechat': {
        const p = r.order.payParams;
        assert.deepEqual(Object.keys(p).sort(), WECHAT_KEYS, 'exactly the six wx.requestPayment keys');
        for (const k of WECHAT_KEYS) assert.equal(typeof p[k], 'string', k);
        assert.deepEqual(p, {
          appId: sent.app_id, timeStamp: sent.time_stamp, nonceStr: sent.nonce_str, package: sent.package,
          signType: sent.sign_type, paySign: sent.pay_sign,
        });
        assert.equal(p.appId, SUB_APPID);
        assert.equal(p.package, `prepay_id=${sent.prepay_id}`);
        assert.match(p.timeStamp, /^\d{10}$/);
        assert.equal(r.order.qrCode ?? null, null);
        break;
      }
      case 'alipay':
        assert.deepEqual(r.order.payParams, { tradeNO: sent.prepay_id });
        assert.match(sent.prepay_id, /^\d{8}22001\d{15}$/);
        break;
      case 'redirect':
        assert.deepEqual(r.order.payParams, { url: sent.redirect_url });
        assert.match(sent.redirect_url, /^https:\/\//);
        break;
      default:
        assert.fail(shape);
    }
  });
}

// Refused before anything is sent: INVALID_INPUT naming the field and what Lakala takes.
const REFUSED = [
  ['QR WECHAT (no WeChat NATIVE on Lakala)', { channel: 'WECHAT' }, 'channel', /ALIPAY, UNIONPAY/],
  ['QR without a wallet', {}, 'channel', /required/],
  ['MINI_PROGRAM ALIPAY', { kind: 'MINI_PROGRAM', channel: 'ALIPAY', payerId: '2088' }, 'channel', /WECHAT/],
  ['MINI_PROGRAM UNIONPAY', { kind: 'MINI_PROGRAM', channel: 'UNIONPAY', payerId: 'u' }, 'channel', /WECHAT/],
  ['H5 ALIPAY', { kind: 'H5', channel: 'ALIPAY' }, 'kind', /QR, JSAPI, MINI_PROGRAM/],
  ['H5 WECHAT', { kind: 'H5', channel: 'WECHAT' }, 'kind', /H5/],
  ['H5 UNIONPAY', { kind: 'H5', channel: 'UNIONPAY' }, 'kind', /H5/],
  ['WAP', { kind: 'WAP', channel: 'ALIPAY' }, 'kind', /H5/],
  ['JSAPI WECHAT without subAppId', { kind: 'JSAPI', channel: 'WECHAT', payerId: OPENID }, 'subAppId', /sub_appid/],
  ['JSAPI WECHAT without payerId', { kind: 'JSAPI', channel: 'WECHAT', subAppId: SUB_APPID }, 'payerId', /required/],
  ['MINI_PROGRAM WECHAT without subAppId', { kind: 'MINI_PROGRAM', channel: 'WECHAT', payerId: OPENID }, 'subAppId', /required/],
  ['MINI_PROGRAM WECHAT without payerId', { kind: 'MINI_PROGRAM', channel: 'WECHAT', subAppId: SUB_APPID }, 'payerId', /required/],
  ['JSAPI ALIPAY without payerId', { kind: 'JSAPI', channel: 'ALIPAY' }, 'payerId', /required/],
  ['JSAPI ALIPAY with subAppId', { kind: 'JSAPI', channel: 'ALIPAY', payerId: '2088', subAppId: SUB_APPID }, 'subAppId', /WECHAT JSAPI, WECHAT MINI_PROGRAM/],
  ['QR ALIPAY with payerId', { channel: 'ALIPAY', payerId: '2088' }, 'payerId', /JSAPI/],
  ['a WeChat order without subject', { kind: 'JSAPI', channel: 'WECHAT', payerId: OPENID, subAppId: SUB_APPID, subject: undefined }, 'subject', /WECHAT/],
];

test('refused combinations: INVALID_INPUT naming the field and what Lakala takes, nothing sent', T, async () => {
  for (const [what, input, field, words] of REFUSED) {
    const { c, spy } = spied();
    await assert.rejects(c.precreate(order(input)), (e) => {
      assert.ok(e instanceof AggpayError, `${what}: ${e}`);
      assert.equal(e.code, 'INVALID_INPUT', `${what}: ${e.message}`);
      assert.equal(e.field, field, `${what}: ${e.message}`);
      assert.match(e.message, words, what);
      return true;
    });
    assert.equal(spy.calls.length, 0, `${what}: nothing sent`);
  }
});

/** A preorder sent straight to the emulator, signed with the merchant key (what another client might send). */
async function rawPreorder(data) {
  const m = emu.lakala.merchant;
  const body = JSON.stringify({
    req_time: '20261201120000', version: '3.0', out_org_code: m.appId,
    req_data: {
      merchant_no: m.merchantNo, term_no: m.termNo, out_trade_no: no('raw'), total_amount: '100',
      location_info: { request_ip: IP }, subject: '停车费', ...data,
    },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = crypto.randomBytes(8).toString('hex');
  const signature = crypto.sign('sha256', lklMessage(m.appId, m.serialNo, timestamp, nonce, body), m.privateKeyPem).toString('base64');
  const res = await fetch(`${emu.url}/lakala/api/v3/labs/trans/preorder`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `LKLAPI-SHA256withRSA appid="${m.appId}",serial_no="${m.serialNo}",timestamp="${timestamp}",nonce_str="${nonce}",signature="${signature}"`,
    },
    body,
  });
  return res.json();
}

test('the emulator refuses what Lakala documents it refuses (a request the library would never send)', T, async () => {
  const wx = (extra) => ({ account_type: 'WECHAT', ...extra });
  for (const [what, data, words] of [
    ['WECHAT 41', wx({ trans_type: '41' }), /41.*WECHAT/],
    ['WECHAT 71 without sub_appid', wx({ trans_type: '71', acc_busi_fields: { user_id: OPENID } }), /sub_appid/],
    ['WECHAT 51 without user_id', wx({ trans_type: '51', acc_busi_fields: { sub_appid: SUB_APPID } }), /user_id/],
    ['WECHAT 51 without acc_busi_fields', wx({ trans_type: '51' }), /acc_busi_fields/],
    ['WECHAT without subject', wx({ trans_type: '71', subject: '', acc_busi_fields: { user_id: OPENID, sub_appid: SUB_APPID } }), /subject/],
    ['ALIPAY 71', { account_type: 'ALIPAY', trans_type: '71', acc_busi_fields: { user_id: '2088' } }, /71/],
    ['ALIPAY 51 without user_id', { account_type: 'ALIPAY', trans_type: '51' }, /user_id/],
    ['an H5 trans_type', { account_type: 'ALIPAY', trans_type: '81' }, /trans_type/],
  ]) {
    const r = await rawPreorder(data);
    assert.notEqual(r.code, 'BBS00000', what);
    assert.equal(r.code, 'BBS11000', `${what}: ${JSON.stringify(r)}`);
    assert.match(r.msg, words, what);
  }
  const ok = await rawPreorder({ account_type: 'UQRCODEPAY', trans_type: '51' });
  assert.equal(ok.code, 'BBS00000', 'UnionPay JS without a userId (its user auth answered 34)');
});

test('a JSAPI order the buyer pays while waitForPayment polls: PAID, the WeChat order SUCCESS', T, async () => {
  const { c, spy } = spied();
  const input = order({ kind: 'JSAPI', channel: 'WECHAT', payerId: OPENID, subAppId: SUB_APPID });
  const r = await c.precreate(input);
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  let t = 0;
  let slept = 0;
  const out = await c.waitForPayment(
    { merchantOrderNo: input.merchantOrderNo, amount: input.amount, clientIp: IP },
    {
      now: () => t,
      sleep: async (ms) => {
        t += ms;
        // The buyer confirms in WeChat after the page has polled once.
        if (++slept === 2) emu.lakala.buyerPays(input.merchantOrderNo);
      },
    },
  );
  assert.equal(out.verdict, 'PAID', out.message);
  assert.equal(out.result.order.state, 'SUCCESS');
  assert.equal(out.result.order.channel, 'WECHAT');
  assert.equal(out.result.order.amounts.paid, input.amount);
  assert.ok(slept >= 2);
  const queries = spy.calls.filter((x) => x.url.endsWith('/query/tradequery'));
  assert.ok(queries.length >= 2, `polled: ${queries.length}`);
  assert.equal(emu.lakala.order(input.merchantOrderNo).trade_state, 'SUCCESS');
});
