// What a hostile or broken world does to a client, per provider: the knowledge behind the emulator's adversarial
// fault kinds (index.mjs applies them; the provider modules know nothing of them):
//
//   late            the request is held, unanswered, and processed `ms` later (after the client gave up)
//   replay          an earlier genuine answer (bytes and signature headers) given for another order; not processed
//   other-order     processed, but answered with a freshly signed answer of the same operation about another order
//   contradict      an answer whose result code and order state disagree (the state tells the truth)
//   foreign-notify  processed, then a genuinely signed notice for another merchant, carrying this order number,
//                   is POSTed to this request's notify URL
//
// For each provider this file names the operation a request is (`describe`), rewrites answers so their code
// contradicts their state, builds another merchant's notice, and re-signs Lakala answers with the platform key.
// The keys come from index.mjs, which makes them and hands them to the provider modules as options.
import crypto from 'node:crypto';
import { fubeiSign } from './fubei.mjs';
import { lklMessage, parseLklAuthorization } from './lakala.mjs';

/** Operations that change the gateway's state: the `late` fault applies to these. */
export const MUTATING = new Set(['pay', 'precreate', 'refund', 'reverse', 'close']);

const OPS = {
  shouqianba: {
    '/upay/v2/pay': 'pay', '/upay/v2/precreate': 'precreate', '/upay/v2/query': 'query', '/upay/v2/refund': 'refund',
    '/upay/v2/cancel': 'reverse', '/upay/v2/revoke': 'reverse',
  },
  fubei: {
    'openapi.payment.order.swipe': 'pay', 'fbpay.order.pay': 'pay',
    'openapi.payment.order.scan': 'precreate', 'fbpay.order.precreate': 'precreate',
    'openapi.payment.order.query': 'query', 'fbpay.order.query': 'query',
    'openapi.payment.order.refund': 'refund', 'fbpay.order.refund': 'refund',
    'openapi.payment.order.refund.query': 'refundQuery', 'fbpay.order.refund.query': 'refundQuery',
    'openapi.payment.order.close': 'close', 'fbpay.order.close': 'close',
    'openapi.payment.order.reverse': 'reverse', 'fbpay.order.cancel': 'reverse',
  },
  lakala: {
    '/lakala/api/v3/labs/trans/micropay': 'pay', '/lakala/api/v3/labs/trans/preorder': 'precreate',
    '/lakala/api/v3/labs/query/tradequery': 'query', '/lakala/api/v3/labs/relation/refund': 'refund',
    '/lakala/api/v3/labs/relation/close': 'close', '/lakala/api/v3/labs/relation/revoked': 'reverse',
  },
  tingyihui: {
    '/tingyihui/os-base/trade/v2/open': 'precreate', '/tingyihui/os-base/trade/close/v1/open': 'close',
    '/tingyihui/os-base/query/trade/v1/open': 'query', '/tingyihui/os-base/refund/v1/open': 'refund',
    '/tingyihui/os-base/query/refund/v1/open': 'refundQuery',
  },
};

/** The merchant a forged notice is for: someone else on the same platform (the fraudster's own account). */
export const OTHER_MERCHANT = {
  shouqianba: { terminalSn: '10000000666' },
  fubei: { merchantId: 1688666 },
  lakala: { merchantNo: '822290070166666', termNo: '29036666' },
  tingyihui: { osMerchantCode: '2260000000006666' },
};
/** The amount (fen) a forged notice carries: the fraudster paid 0.01 yuan into their own account. */
export const FORGED_AMOUNT = 1;

const digits = (n) => Array.from({ length: n }, () => crypto.randomInt(10)).join('');
const beijing = (ms) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace(/[-T:]/g, '');
const jsonOf = (text) => {
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
};

/** A response as the exact bytes and headers sent: { status, headers, raw: { type, body } }. */
export function freeze(r) {
  if (r.raw) return { status: r.status ?? 200, headers: { ...r.headers }, raw: { ...r.raw } };
  let type = 'text/plain; charset=utf-8';
  let body = r.text ?? '';
  if (r.json !== undefined) { type = 'application/json; charset=utf-8'; body = JSON.stringify(r.json); }
  else if (r.jsonText !== undefined) { type = 'application/json; charset=utf-8'; body = r.jsonText; }
  else if (r.html !== undefined) { type = 'text/html; charset=utf-8'; body = r.html; }
  return { status: r.status ?? 200, headers: { ...r.headers }, raw: { type, body } };
}

const JSON_TYPE = 'application/json; charset=utf-8';
const STATE_KEYS = new Set(['result_code', 'code', 'sub_code', 'error_code', 'order_status', 'trade_state', 'tradeStatus', 'status']);

/** What an answer says, in a few words (its codes and states): used to pick a replacement that says otherwise. */
export function gist(frozen) {
  const parts = [];
  const walk = (v, depth) => {
    if (!v || typeof v !== 'object' || depth > 3) return;
    for (const [k, x] of Object.entries(v)) {
      if (STATE_KEYS.has(k) && (typeof x === 'string' || typeof x === 'number')) parts.push(`${k}=${x}`);
      else walk(x, depth + 1);
    }
  };
  walk(jsonOf(frozen.raw.body), 0);
  return `${frozen.status} ${parts.join(' ')}`;
}

/**
 * Per-provider adversary. `ctx` = { providers: { name → module }, keys: { shouqianbaNotify, lakalaPlatform }
 * (KeyObjects), options }.
 */
export function createAdversary(ctx) {
  const mod = (name) => ctx.providers[name];
  const ctl = (name) => mod(name).controller;

  // ---- request description ----

  function body(req) {
    return jsonOf(req.body.toString('utf8')) ?? {};
  }

  /** { op, orderNo?, notifyUrl?, vendor? } for a gateway request (op null when it is not an order operation). */
  function describe(provider, req) {
    const name = provider.name;
    let op = null;
    let notifyUrl;
    let vendor = false;
    try {
      if (name === 'fubei') {
        const env = body(req);
        op = OPS.fubei[env.method] ?? null;
        const biz = jsonOf(env.biz_content ?? '') ?? {};
        notifyUrl = biz.call_back_url || biz.notify_url || undefined;
        vendor = Boolean(env.vendor_sn);
      } else {
        op = OPS[name]?.[req.pathname] ?? null;
        if (op && name === 'shouqianba') notifyUrl = body(req).notify_url || undefined;
        if (op && name === 'lakala') notifyUrl = body(req).req_data?.notify_url || undefined;
        if (op && name === 'tingyihui') {
          notifyUrl = jsonOf(Buffer.from(body(req).data ?? '', 'base64').toString('utf8'))?.notifyUrl || undefined;
        }
      }
    } catch { /* a malformed request: the provider will refuse it */ }
    let orderNo;
    try { orderNo = provider.orderNo?.(req); } catch { /* best effort */ }
    return { op, ...(orderNo !== undefined && { orderNo }), ...(typeof notifyUrl === 'string' && { notifyUrl }), vendor };
  }

  // ---- Lakala's platform signature ----

  function lakalaHeaders(text, appid) {
    const lk = ctl('lakala');
    const timestamp = String(Math.floor(lk.now() / 1000));
    const nonceStr = crypto.randomBytes(16).toString('hex');
    const message = lklMessage(appid, lk.platformSerialNo, timestamp, nonceStr, text);
    return {
      'Lklapi-Appid': appid, 'Lklapi-Serial': lk.platformSerialNo, 'Lklapi-Timestamp': timestamp, 'Lklapi-Nonce': nonceStr,
      'Lklapi-Signature': crypto.sign('sha256', message, ctx.keys.lakalaPlatform).toString('base64'),
      'Lklapi-Traceid': crypto.randomBytes(16).toString('hex'),
    };
  }

  const lakalaAnswer = (payload, appid) => {
    const text = JSON.stringify(payload);
    return { status: 200, headers: lakalaHeaders(text, appid), raw: { type: JSON_TYPE, body: text } };
  };
  const appidOf = (req) => parseLklAuthorization(req.headers.authorization)?.appid ?? ctl('lakala').merchant.appId;

  /** The same answer signed afresh (a new timestamp and nonce), as if the gateway had just given it. */
  function refresh(providerName, frozen) {
    if (providerName !== 'lakala' || !frozen.headers['Lklapi-Signature']) return freeze(frozen);
    return { ...freeze(frozen), headers: lakalaHeaders(frozen.raw.body, frozen.headers['Lklapi-Appid']) };
  }

  // ---- contradict: a pay is processed, then its code is turned against its (true) state ----

  const contradictPay = {
    shouqianba(frozen) {
      const j = jsonOf(frozen.raw.body);
      const b = j?.biz_response;
      const state = b?.data?.order_status;
      if (j?.result_code !== '200' || !state) return null;
      if (state === 'PAID') Object.assign(b, { result_code: 'PAY_FAIL', error_code: 'EXPIRED_BARCODE', error_message: '过期的支付条码' });
      else {
        b.result_code = 'PAY_SUCCESS';
        delete b.error_code;
        delete b.error_message;
      }
      return { ...frozen, raw: { type: JSON_TYPE, body: JSON.stringify(j) } };
    },
    fubei(frozen) {
      // Only "refused, yet the order in the same answer is paid (or paying)": for Fubei, result_code 200 means
      // the call worked, so 200 with a CLOSED order is no contradiction. The data text is kept byte for byte.
      const m = /^\{"result_code":200,"result_message":"[^"]*","data":(\{[\s\S]*\})\}$/.exec(frozen.raw.body);
      const data = m && jsonOf(m[1]);
      const state = data?.trade_state ?? data?.order_status;
      if (state !== 'SUCCESS' && state !== 'USERPAYING') return null;
      const text = `{"result_code":400,"result_message":"支付失败: 用户余额不足","sub_code":"NOTENOUGH","data":${m[1]}}`;
      return { ...frozen, raw: { type: JSON_TYPE, body: text } };
    },
    lakala(frozen, req) {
      const p = jsonOf(frozen.raw.body);
      if (!p?.resp_data) return null;
      if (p.code === 'BBS00000') Object.assign(p, { code: 'EMU42202', msg: '支付失败' }, { resp_data: { ...p.resp_data, trade_state: 'SUCCESS' } });
      else if (p.code === 'BBS10000') Object.assign(p, { code: 'BBS00000', msg: '成功' }, { resp_data: { ...p.resp_data, need_query: '0', trade_state: 'DEAL' } });
      else if (p.code === 'EMU42202') Object.assign(p, { code: 'BBS00000', msg: '成功' }, { resp_data: { ...p.resp_data, need_query: '0', trade_state: 'FAIL' } });
      else return null;
      return lakalaAnswer(p, appidOf(req));
    },
  };

  // ---- contradict: a reversal or close is NOT processed; the answer says it succeeded, with the true state ----

  const REVERSED = {
    shouqianba: ['CANCELED', 'PAY_CANCELED', 'REFUNDED'], fubei: ['REVOKED', 'CLOSED'], lakala: ['REVOKED', 'CLOSE', 'REFUND', 'FAIL'],
    tingyihui: ['CLOSED', 'FAILURE', 'SUCCESS_FULL_REFUND'],
  };

  function current(providerName, orderNo) {
    if (orderNo === undefined) return null;
    const o = ctl(providerName).order(orderNo);
    if (!o) return null;
    const state = { shouqianba: o.order_status, fubei: o.state, lakala: o.trade_state, tingyihui: o.tradeStatus }[providerName];
    return REVERSED[providerName].includes(state) ? null : { o, state };
  }

  const contradictReversal = {
    shouqianba(req, info) {
      const cur = current('shouqianba', info.orderNo);
      if (!cur) return null;
      const { o } = cur;
      const data = {
        terminal_sn: String(body(req).terminal_sn ?? ''), sn: o.sn, client_sn: o.client_sn, status: 'SUCCESS',
        order_status: o.order_status, total_amount: String(o.total), net_amount: String(o.net), finish_time: String(Date.now()),
      };
      return freeze({ json: { result_code: '200', biz_response: { result_code: 'CANCEL_SUCCESS', data } } });
    },
    fubei(req, info) {
      const cur = current('fubei', info.orderNo);
      if (!cur) return null;
      const { o } = cur;
      const v2 = req.pathname.endsWith('/agent');
      const data = v2
        ? { merchant_id: ctl('fubei').credentials.merchantId, merchant_order_sn: o.merchant_order_sn, order_status: o.state }
        : { merchant_order_sn: o.merchant_order_sn, order_sn: o.order_sn, trade_state: o.state };
      return freeze({ json: { result_code: 200, result_message: '成功', data } });
    },
    lakala(req, info) {
      const cur = current('lakala', info.orderNo);
      if (!cur) return null;
      const { o } = cur;
      const lk = ctl('lakala');
      const t = beijing(lk.now());
      const d = body(req).req_data ?? {};
      const resp = info.op === 'reverse'
        ? {
          merchant_no: lk.merchant.merchantNo, out_trade_no: d.out_trade_no ?? '', trade_no: `${t.slice(0, 8)}66210${digits(9)}`,
          origin_trade_no: o.trade_no, origin_out_trade_no: o.out_trade_no, total_amount: String(o.total), trade_time: t,
          trade_state: o.trade_state,
        }
        : { origin_trade_no: o.trade_no, origin_out_trade_no: o.out_trade_no, trade_time: t, trade_state: o.trade_state };
      return lakalaAnswer({ code: 'BBS00000', msg: '成功', resp_time: t, resp_data: resp }, appidOf(req));
    },
    tingyihui(req, info) {
      const cur = current('tingyihui', info.orderNo);
      if (!cur) return null;
      const { o } = cur;
      return freeze({ json: { code: 8888, msg: '处理成功', data: { ownerTradeNo: o.ownerTradeNo, osTradeNo: o.osTradeNo, tradeStatus: o.tradeStatus }, error: null } });
    },
  };

  /** Whether `contradict` can act on this request (known before it is processed). */
  function canContradict(providerName, info) {
    if (info.op === 'pay') return Boolean(contradictPay[providerName]);
    if (info.op === 'reverse' || info.op === 'close') return current(providerName, info.orderNo) !== null;
    return false;
  }

  /** `contradict` before processing: the answer that replaces processing a reversal/close, or null. */
  const contradictUnprocessed = (providerName, req, info) =>
    (info.op === 'reverse' || info.op === 'close' ? contradictReversal[providerName]?.(req, info) ?? null : null);

  /** `contradict` after processing a pay: the rewritten answer, or null. */
  const contradictProcessed = (providerName, frozen, req, info) =>
    (info.op === 'pay' ? contradictPay[providerName]?.(frozen, req) ?? null : null);

  // ---- foreign-notify: another merchant's genuinely signed notice carrying our order number ----

  /** Whether a notice for another merchant would verify with this request's order's key. */
  function canForge(providerName, info) {
    if (!info.notifyUrl || (info.op !== 'pay' && info.op !== 'precreate') || info.orderNo === undefined) return false;
    // Fubei: 1.0 and app-level notices are signed with the merchant's own app secret (another merchant's would not
    // verify); a service provider's vendor secret signs the notices of all its merchants.
    if (providerName === 'fubei') return info.vendor;
    return true;
  }

  /** { url, headers, body } of a notice for another merchant that carries `info.orderNo` and says it was paid. */
  function forgeNotice(providerName, info) {
    const now = Date.now();
    const no = info.orderNo;
    const other = OTHER_MERCHANT[providerName];
    if (providerName === 'shouqianba') {
      const data = {
        terminal_sn: other.terminalSn, sn: `78${digits(14)}`, client_sn: no, trade_no: `4200${digits(24)}`,
        status: 'SUCCESS', order_status: 'PAID', payway: '3', payway_name: '微信', sub_payway: '1',
        payer_uid: `o${crypto.randomBytes(20).toString('base64url').slice(0, 27)}`, total_amount: String(FORGED_AMOUNT),
        net_amount: String(FORGED_AMOUNT), settlement_amount: String(FORGED_AMOUNT), finish_time: String(now),
        channel_finish_time: String(now - 40), subject: 'fraud', operator: 'fraud', ctime: String(now - 1000), store_id: 'fraud-store',
      };
      const text = JSON.stringify(data);
      const sig = crypto.sign('sha256', Buffer.from(text), ctx.keys.shouqianbaNotify).toString('base64');
      const authorization = ctx.options.shouqianba?.notifyHeaderForm === 'sn' ? `${other.terminalSn} ${sig}` : sig;
      return { url: info.notifyUrl, headers: { 'content-type': 'application/json', authorization }, body: text };
    }
    if (providerName === 'lakala') {
      const lk = ctl('lakala');
      const t = lk.now();
      const tradeNo = `${beijing(t).slice(0, 8)}66210${digits(9)}`;
      const amt = String(FORGED_AMOUNT);
      const notice = {
        merchant_no: other.merchantNo, term_no: other.termNo, out_trade_no: no, trade_no: tradeNo, log_no: tradeNo.slice(-14),
        acc_trade_no: `4200${digits(24)}`, account_type: 'WECHAT', trade_status: 'SUCCESS', trade_state: 'SUCCESS',
        trade_state_desc: '交易成功', total_amount: amt, payer_amount: amt, acc_settle_amount: amt, acc_mdiscount_amount: '0',
        acc_discount_amount: '', trade_time: beijing(t), user_id1: 'fraud', user_id2: 'fraud', bank_type: 'OTHERS',
        card_type: '99', remark: '',
      };
      const text = JSON.stringify(notice);
      const timestamp = String(Math.floor(t / 1000));
      const nonceStr = crypto.randomBytes(6).toString('hex');
      const signature = crypto.sign('sha256', lklMessage(timestamp, nonceStr, text), ctx.keys.lakalaPlatform).toString('base64');
      const authorization = `LKLAPI-SHA256withRSA timestamp="${timestamp}",nonce_str="${nonceStr}",signature="${signature}"`;
      return { url: info.notifyUrl, headers: { 'content-type': 'application/json', authorization }, body: text };
    }
    if (providerName === 'fubei') {
      const c = ctl('fubei').credentials;
      const stamp = beijing(now).slice(0, 14);
      const data = `{"order_sn":"${stamp}${digits(6)}","merchant_order_sn":${JSON.stringify(no)},"ins_order_sn":"${stamp}${digits(14)}",`
        + `"channel_order_sn":"4200${digits(24)}","merchant_id":${other.merchantId},"order_status":"SUCCESS","pay_type":"wxpay",`
        + `"total_amount":0.01,"net_amount":0.01,"buyer_pay_amount":0.01,"fee":0,"store_id":1,"user_id":"fraud",`
        + `"finish_time":"${new Date(now + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ')}"}`;
      const fields = { result_code: '200', result_message: '成功', data };
      fields.sign = fubeiSign(fields, c.vendorSecret);
      return {
        url: info.notifyUrl, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(fields).toString(),
      };
    }
    if (providerName === 'tingyihui') {
      const view = {
        ownerTradeNo: no, tpTradeNo: `4200${digits(24)}`, osTradeNo: `trade_${digits(17)}`, tradeStatus: 'SUCCESS',
        orderFee: FORGED_AMOUNT, paymentFee: FORGED_AMOUNT, tpDiscountFee: 0, remark: null, osMerchantCode: other.osMerchantCode,
        osStoreCode: null, createdTime: now - 1000, payTime: now, payChannel: 'WX_PAY', payProduct: 'USER_QR', title: 'fraud',
        callbackUrl: info.notifyUrl, refundFee: 0,
      };
      return { url: info.notifyUrl, headers: { 'content-type': 'application/json' }, body: JSON.stringify(view) };
    }
    return null;
  }

  return { describe, refresh, canContradict, contradictUnprocessed, contradictProcessed, canForge, forgeNotice };
}
