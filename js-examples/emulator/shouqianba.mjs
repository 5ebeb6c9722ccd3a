// Shouqianba (收钱吧) Upay v2 gateway emulator. Wire formats follow /work/shared/protocols/shouqianba.md and
// the gateway 2.0 / query seeds. Orders live in memory; the buyer's behaviour for barcode payments is chosen
// by a magic dynamic_id prefix (see BARCODE below); notifications are signed with a key pair made at start.
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControlError, controlRoutes, postNotification } from './control.mjs';
import { FORGED_AMOUNT, JSON_TYPE, freeze, jsonOf } from './adversary.mjs';

const DEFAULTS = {
  vendorSn: '91800000001',
  vendorKey: 'emu-vendor-key-0123456789abcdef',
  appId: '2026000001',
  activationCode: '12345678',
  terminalSn: '10298371039', // the doc's sample terminal, pre-activated
  terminalKey: '68d499beda5f72116592f5c527465656',
  storeId: 'emu-store-0001',
  inProgressQueries: 2, // a 9100… order answers CREATED to this many queries, then PAID
  notifyHeaderForm: 'bare', // 'bare' → "<sig>", 'sn' → "<terminal_sn> <sig>"
  notifyRetryDelays: [200, 500, 1000], // ms between attempts; 1 + length attempts in all
  notifyTimeoutMs: 3000,
  notifyPrivateKeyPem: undefined, // PKCS#8 PEM to keep a stable notification key across restarts
};

/** dynamic_id prefix → what the buyer's wallet does. Anything else pays at once. */
const BARCODE = {
  9100: 'in-progress', // CREATED, turns PAID after `inProgressQueries` queries
  9300: 'stuck', // CREATED until cancelled (or buyer-pays)
  9200: 'expired', // PAY_FAIL EXPIRED_BARCODE
  9400: 'insufficient', // PAY_FAIL INSUFFICIENT_FUND
  9500: 'invalid', // 400 INVALID_BARCODE, no order
  9600: 'error', // PAY_FAIL_ERROR, order PAY_ERROR
};

const PAYWAY_NAMES = {
  1: '支付宝', 2: '支付宝', 3: '微信', 4: '百付宝', 5: '京东', 6: 'QQ钱包', 7: 'NFC支付', 8: '拉卡拉钱包',
  15: '拉卡拉微信', 16: '招商银行', 17: '银联云闪付', 18: '翼支付',
};

// ---- signing helpers (exported so tests and demos can sign the same way) ----

export const md5Hex = (data) => crypto.createHash('md5').update(data).digest('hex');

/** Upay request signature: md5_hex(body bytes ++ key bytes), lowercase. */
export const signBody = (body, key) => md5Hex(Buffer.concat([Buffer.from(body), Buffer.from(key)]));

/** WAP API PRO cashier sign: MD5 UPPERCASE of sorted raw `k=v&…&key=<key>`, without sign/sign_type/empty values. */
export function wapSign(params, key) {
  const base = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && params[k] != null && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return md5Hex(`${base}&key=${key}`).toUpperCase();
}

/** A communication-level error: {"result_code":"400"|"500","error_code","error_message"}. */
class GatewayError extends Error {
  constructor(resultCode, code, message) {
    super(message);
    this.resultCode = resultCode;
    this.code = code;
  }
}
const paramError = (message) => new GatewayError('400', 'INVALID_PARAMS', message);

/** An error of a control call, with its HTTP status. */

const biz = (result_code, data, error_code, error_message) => ({
  json: { result_code: '200', biz_response: { result_code, ...(error_code && { error_code, error_message }), ...(data && { data }) } },
});
const fail = (error_code, error_message) => biz('FAIL', undefined, error_code, error_message);
const notExists = () => fail('UPAY_ORDER_NOT_EXISTS', '订单不存在');

// ---- request field helpers: every value is a string; empty means absent ----

const get = (body, field) => (Object.hasOwn(body, field) && body[field] !== '' ? body[field] : undefined);

function optional(body, field, max) {
  const value = get(body, field);
  if (value !== undefined && [...value].length > max) throw paramError(`${field}长度不能超过${max}`);
  return value;
}

function required(body, field, max) {
  const value = optional(body, field, max);
  if (value === undefined) throw paramError(`${field}不可以为空`);
  return value;
}

/** A positive amount in fen: digits only, at most 10 of them. */
function amount(body, field) {
  const value = required(body, field, 10);
  if (!/^\d{1,10}$/.test(value)) throw paramError(`${field}金额为整数,长度不超过10位,以分为单位`);
  if (Number(value) <= 0) throw paramError(`${field}必须大于0`);
  return Number(value);
}

/** The JSON body, checked to be an object of strings (extended/goods_details may be structured). */
function parseBody(buffer) {
  let body;
  try {
    body = JSON.parse(buffer.toString('utf8'));
  } catch {
    throw paramError('请求体不是合法的JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw paramError('请求体必须是JSON对象');
  for (const [field, value] of Object.entries(body)) {
    if (typeof value === 'string') continue;
    if ((field === 'extended' || field === 'goods_details') && value && typeof value === 'object') continue;
    throw paramError(`${field}必须是字符串`);
  }
  return body;
}

// ---- random identifiers ----

const digits = (n) => Array.from({ length: n }, () => crypto.randomInt(10)).join('');
const hex = (bytes) => crypto.randomBytes(bytes).toString('hex');

function fakePayerUid(payway) {
  if (payway === '2') return `2088${digits(12)}`;
  if (payway === '3') return `o${crypto.randomBytes(20).toString('base64url').slice(0, 27)}`;
  return `emu-${hex(8)}`;
}

function paywayFromBarcode(code) {
  const p = Number(code.slice(0, 2));
  if (p >= 10 && p <= 15) return '3';
  if (p >= 25 && p <= 30) return '2';
  if (p === 62) return '17';
  return '3';
}

export async function createShouqianba(options = {}, hooks = {}) {
  const cfg = { ...DEFAULTS, ...options };
  const keys = cfg.notifyPrivateKeyPem
    ? { privateKey: crypto.createPrivateKey(cfg.notifyPrivateKeyPem) }
    : await promisify(crypto.generateKeyPair)('rsa', { modulusLength: 2048 });
  const privateKey = keys.privateKey;
  const publicKeyPem = crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'pem' });

  // Terminals survive reset(); a pre-activated terminal has no bound device.
  const terminals = new Map([[cfg.terminalSn, { key: cfg.terminalKey, deviceId: null }]]);
  let orders = new Map(); // sn → order
  let byClientSn = new Map(); // client_sn → order
  let notifications = [];
  let stopping = new AbortController(); // aborts notification deliveries and retry waits
  const inflight = new Set();

  // ---- orders ----

  function newOrder(terminal_sn, fields, extra) {
    let sn;
    do sn = `78${digits(14)}`; while (orders.has(sn));
    const now = Date.now();
    const order = {
      sn, terminal_sn, ...fields, ...extra,
      status: 'IN_PROG', order_status: 'CREATED', net: fields.total, ctime: now,
      pendingQueries: null, refunds: new Map(),
      paid: false, refunded: 0, events: [{ type: 'created', amount: fields.total, at: now }],
    };
    orders.set(sn, order);
    byClientSn.set(order.client_sn, order);
    return order;
  }

  /** The order's `data` object: all values strings, absent ones left out. */
  function data(o, overrides = {}) {
    const d = {
      terminal_sn: o.terminal_sn, sn: o.sn, client_sn: o.client_sn, trade_no: o.trade_no,
      status: o.status, order_status: o.order_status, payway: o.payway, payway_name: PAYWAY_NAMES[o.payway],
      sub_payway: o.sub_payway, payer_uid: o.payer_uid, total_amount: o.total, net_amount: o.net,
      settlement_amount: o.settlement, finish_time: o.finish_time, channel_finish_time: o.channel_finish_time,
      subject: o.subject, operator: o.operator, reflect: o.reflect, ctime: o.ctime, store_id: cfg.storeId,
      ...overrides,
    };
    for (const [k, v] of Object.entries(d)) {
      if (v === undefined) delete d[k];
      else d[k] = String(v);
    }
    if (o.qr_code) d.qr_code = o.qr_code;
    if (o.wap_pay_request) d.wap_pay_request = { ...o.wap_pay_request };
    if (o.payment_list) d.payment_list = o.payment_list.map((e) => ({ ...e }));
    return d;
  }

  function finish(o, fields, event) {
    const now = Date.now();
    Object.assign(o, { status: 'SUCCESS', finish_time: now, channel_finish_time: now - 40, ...fields });
    o.events.push({ ...event, at: now });
  }

  /**
   * The buyer pays; `discount` fen of the total is a channel merchant discount. Then payment_list (pay.md,
   * "Details of payment_list", an optional field) says what the buyer paid with and the discount, adding up
   * to the total; a payment without a discount carries none, like the doc's other examples.
   */
  function markPaid(o, { discount = 0 } = {}) {
    const funds = { 1: 'WALLET_ALIPAY', 2: 'WALLET_ALIPAY', 3: 'WALLET_WEIXIN' }[o.payway] ?? 'BANKCARD_DEBIT';
    const payment_list = discount > 0
      ? [{ type: funds, amount_total: String(o.total - discount) }, { type: 'DISCOUNT_CHANNEL_MCH', amount_total: String(discount) }]
      : undefined;
    finish(o, {
      order_status: 'PAID', paid: true, pendingQueries: null, settlement: o.total, payment_list,
      trade_no: o.trade_no ?? `${o.payway === '2' ? '2026' : '4200'}${digits(24)}`, payer_uid: o.payer_uid ?? fakePayerUid(o.payway),
    }, { type: 'paid', amount: o.total });
    notify(o);
  }

  function markPayFailed(o, order_status, status, error_code) {
    o.order_status = order_status;
    o.status = status;
    o.finish_time = Date.now();
    o.events.push({ type: order_status === 'PAY_ERROR' ? 'pay_error' : 'pay_failed', error_code, at: o.finish_time });
  }

  /** Cancel/revoke: the order ends CANCELED and any money held goes back to the buyer. */
  function reverse(o, type) {
    const returned = o.paid ? o.net : 0;
    finish(o, { order_status: 'CANCELED', paid: false, net: 0, pendingQueries: null, settlement: o.total },
      { type, amount: returned });
    notify(o);
  }

  /** query/refund/cancel/revoke look-up: by sn first, then by client_sn. */
  function findOrder(body) {
    const sn = optional(body, 'sn', 32);
    const clientSn = optional(body, 'client_sn', 32);
    if (sn === undefined && clientSn === undefined) throw paramError('sn与client_sn不能同时为空');
    return (sn !== undefined && orders.get(sn)) || (clientSn !== undefined && byClientSn.get(clientSn)) || undefined;
  }

  function ledger(o) {
    return structuredClone({
      sn: o.sn, client_sn: o.client_sn, order_status: o.order_status, total: o.total, net: o.net,
      paid: o.paid, refunded: o.refunded, events: o.events,
    });
  }

  // ---- API handlers: (body, headerSn) → response ----

  function orderFields(body) {
    const f = {
      client_sn: required(body, 'client_sn', 32),
      total: amount(body, 'total_amount'),
      subject: required(body, 'subject', 64),
      operator: required(body, 'operator', 32),
      payway: optional(body, 'payway', 4),
      reflect: optional(body, 'reflect', 64),
      description: optional(body, 'description', 256),
      notify_url: optional(body, 'notify_url', 512),
    };
    if (f.payway !== undefined && !/^\d+$/.test(f.payway)) throw paramError('payway必须是数字字符串');
    if ((get(body, 'longitude') === undefined) !== (get(body, 'latitude') === undefined)) {
      throw paramError('longitude和latitude必须同时出现');
    }
    if (f.notify_url !== undefined && !/^https?:\/\/[^\s]+$/.test(f.notify_url)) throw paramError('notify_url不是合法的URL');
    return f;
  }

  const conflict = () => fail('CLIENT_SN_CONFLICT', 'client_sn在系统中已存在');

  function activate(body) {
    const appId = required(body, 'app_id', 64);
    const code = required(body, 'code', 64);
    const deviceId = required(body, 'device_id', 128);
    if (appId !== cfg.appId || code !== cfg.activationCode) return fail('INVALID_ACTIVATION_CODE', '激活码或app_id无效');
    let terminal_sn;
    do terminal_sn = `1${digits(10)}`; while (terminals.has(terminal_sn));
    const terminal_key = hex(16);
    terminals.set(terminal_sn, { key: terminal_key, deviceId });
    return { json: { result_code: '200', biz_response: { terminal_sn, terminal_key } } };
  }

  function checkin(body, terminal_sn) {
    const deviceId = required(body, 'device_id', 128);
    const terminal = terminals.get(terminal_sn);
    if (terminal.deviceId !== null && terminal.deviceId !== deviceId) {
      throw new GatewayError('400', 'INVALID_TERMINAL', 'device_id与激活时的设备不一致');
    }
    terminal.key = hex(16); // the old key stops working at once
    return { json: { result_code: '200', biz_response: { terminal_sn, terminal_key: terminal.key } } };
  }

  function pay(body, terminal_sn, req) {
    const f = orderFields(body);
    const dynamicId = required(body, 'dynamic_id', 32);
    const behaviour = req?.chaosStuck ? 'stuck' : BARCODE[dynamicId.slice(0, 4)]; // chaos `stuck` = a 9300… code
    if (behaviour === 'invalid') throw new GatewayError('400', 'INVALID_BARCODE', '支付条码错误');
    if (byClientSn.has(f.client_sn)) return conflict();
    const o = newOrder(terminal_sn, f, { payway: f.payway ?? paywayFromBarcode(dynamicId), sub_payway: '1' });
    switch (behaviour) {
      case 'in-progress':
        o.pendingQueries = cfg.inProgressQueries;
        return biz('PAY_IN_PROGRESS', data(o));
      case 'stuck':
        return biz('PAY_IN_PROGRESS', data(o));
      case 'expired':
        markPayFailed(o, 'PAY_CANCELED', 'FAIL_CANCELED', 'EXPIRED_BARCODE');
        return biz('PAY_FAIL', data(o), 'EXPIRED_BARCODE', '过期的支付条码');
      case 'insufficient':
        markPayFailed(o, 'PAY_CANCELED', 'FAIL_CANCELED', 'INSUFFICIENT_FUND');
        return biz('PAY_FAIL', data(o), 'INSUFFICIENT_FUND', '账户金额不足');
      case 'error':
        markPayFailed(o, 'PAY_ERROR', 'FAIL_ERROR');
        return biz('PAY_FAIL_ERROR', data(o));
      default:
        markPaid(o);
        return biz('PAY_SUCCESS', data(o));
    }
  }

  // zh-cn/api/annex/payway.md: sub_payway 2 二维码, 3 wap, 4 小程序. precreate.md: WAP needs payer_uid
  // (WeChat open_id, Alipay userId); 小程序 is "4". Wallet orders are made for Alipay (1, 2) and WeChat (3).
  const WALLET_PAYWAYS = ['1', '2', '3'];

  function precreate(body, terminal_sn) {
    const f = orderFields(body);
    if (f.payway === undefined) throw paramError('payway不可以为空');
    const subPayway = optional(body, 'sub_payway', 2) ?? '2';
    if (!['2', '3', '4'].includes(subPayway)) throw paramError('sub_payway只能是2、3或4');
    const payerUid = optional(body, 'payer_uid', 64);
    if (subPayway !== '2' && payerUid === undefined) throw paramError('payer_uid不可以为空(sub_payway为3或4时必填)');
    if (byClientSn.has(f.client_sn)) return conflict();
    if (f.payway === '6') return biz('PRECREATE_FAIL', undefined, 'UNEXPECTED_PROVIDER_ERROR', 'qq钱包不支持预下单');
    if (subPayway !== '2' && !WALLET_PAYWAYS.includes(f.payway)) {
      return biz('PRECREATE_FAIL', undefined, 'UNEXPECTED_PROVIDER_ERROR', '不认识的支付通道');
    }
    const o = newOrder(terminal_sn, f, { sub_payway: subPayway, payer_uid: payerUid });
    if (subPayway === '2') {
      o.qr_code = `https://qr.shouqianba.com/emu/${o.sn}`;
    } else if (f.payway === '3') {
      // What WeixinJSBridge getBrandWCPayRequest / wx.requestPayment take, under WeChat's names.
      o.wap_pay_request = {
        appId: 'wxemu0000000000001', timeStamp: String(Math.floor(Date.now() / 1000)), nonceStr: hex(16),
        package: `prepay_id=wx${digits(26)}`, signType: 'RSA', paySign: crypto.randomBytes(256).toString('base64'),
      };
    } else {
      // Alipay's trade (alipay.trade.create) exists at once: its trade_no is what tradePay takes.
      o.trade_no = `2026${digits(24)}`;
      o.wap_pay_request = { tradeNO: o.trade_no };
    }
    return biz('PRECREATE_SUCCESS', data(o));
  }

  function query(body) {
    const o = findOrder(body);
    const refundNo = optional(body, 'refund_request_no', 20);
    if (!o) return notExists();
    if (refundNo !== undefined) {
      const r = o.refunds.get(refundNo);
      if (!r) return fail('UPAY_ORDER_NOT_EXISTS', '退款不存在');
      return biz('SUCCESS', data(o, {
        status: 'SUCCESS', settlement_amount: r.amount, finish_time: r.finish_time,
        channel_finish_time: r.channel_finish_time, operator: r.operator,
      }));
    }
    // A 9100… payment: the first `inProgressQueries` queries still see it in progress.
    if (o.order_status === 'CREATED' && o.pendingQueries !== null) {
      if (o.pendingQueries > 0) o.pendingQueries -= 1;
      else markPaid(o);
    }
    return biz('SUCCESS', data(o));
  }

  function refund(body) {
    const refundNo = required(body, 'refund_request_no', 20);
    const refundAmount = required(body, 'refund_amount', 10);
    if (!/^\d{1,10}$/.test(refundAmount)) throw paramError('refund_amount金额为整数,长度不超过10位,以分为单位');
    const operator = required(body, 'operator', 64);
    const o = findOrder(body);
    if (!o) return notExists();
    const amt = Number(refundAmount);
    // refund_request_no is the idempotency key: a retry gets the first answer, never a second refund.
    const previous = o.refunds.get(refundNo);
    if (previous) {
      return previous.amount === amt ? biz('REFUND_SUCCESS', previous.data) : fail('REFUND_REQUEST_CONFLICT', '重复的退款请求');
    }
    if (o.order_status !== 'PAID' && o.order_status !== 'PARTIAL_REFUNDED') {
      return fail('UPAY_REFUND_INVALID_ORDER_STATE', '无法对错误的订单状态执行退款操作');
    }
    if (amt <= 0 || amt > o.net) return fail('REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额无效');
    const net = o.net - amt;
    finish(o, {
      net, refunded: o.refunded + amt, settlement: amt, operator, paid: net > 0,
      order_status: net === 0 ? 'REFUNDED' : 'PARTIAL_REFUNDED',
    }, { type: 'refunded', amount: amt, refund_request_no: refundNo });
    const d = data(o);
    o.refunds.set(refundNo, { amount: amt, operator, finish_time: o.finish_time, channel_finish_time: o.channel_finish_time, data: d });
    notify(o);
    return biz('REFUND_SUCCESS', d);
  }

  function cancel(body) {
    const o = findOrder(body);
    if (!o) return notExists();
    switch (o.order_status) {
      case 'CREATED':
        reverse(o, 'cancelled');
        return biz('CANCEL_ABORT_SUCCESS', data(o));
      case 'PAID':
      case 'PAY_ERROR':
        reverse(o, 'cancelled');
        return biz('CANCEL_SUCCESS', data(o));
      case 'CANCELED':
      case 'PAY_CANCELED':
        return biz('CANCEL_SUCCESS', data(o)); // nothing left to reverse
      default:
        return fail('UPAY_CANCEL_INVALID_ORDER_STATE', `当前的订单状态是${o.order_status}`);
    }
  }

  function revoke(body) {
    const o = findOrder(body);
    if (!o) return notExists();
    if (o.order_status !== 'PAID') return fail('UPAY_CANCEL_INVALID_ORDER_STATE', `当前的订单状态是${o.order_status}`);
    reverse(o, 'revoked');
    return biz('CANCEL_SUCCESS', data(o));
  }

  const HANDLERS = {
    '/terminal/activate': activate, '/terminal/checkin': checkin, '/upay/v2/pay': pay,
    '/upay/v2/precreate': precreate, '/upay/v2/query': query, '/upay/v2/refund': refund,
    '/upay/v2/cancel': cancel, '/upay/v2/revoke': revoke,
  };

  /** Checks `Authorization: <sn> <md5>` over the raw bytes; returns the sn. */
  function authenticate(req, isActivate) {
    const header = req.headers.authorization;
    if (!header) throw new GatewayError('400', 'ILLEGAL_SIGN', '缺少Authorization签名');
    const match = /^(\S+) (\S+)$/.exec(header);
    if (!match) throw new GatewayError('400', 'ILLEGAL_SIGN', 'Authorization格式应为"<sn> <sign>"');
    const [, sn, sign] = match;
    const key = isActivate ? (sn === cfg.vendorSn ? cfg.vendorKey : undefined) : terminals.get(sn)?.key;
    if (key === undefined) throw new GatewayError('400', 'INVALID_TERMINAL', isActivate ? '不存在这个服务商' : '不存在这个终端');
    if (sign.toLowerCase() !== signBody(req.body, key)) throw new GatewayError('400', 'ILLEGAL_SIGN', '签名错误');
    return sn;
  }

  function handleApi(req) {
    const handler = HANDLERS[req.pathname];
    try {
      const sn = authenticate(req, handler === activate);
      const body = parseBody(req.body);
      if (handler !== activate) {
        const terminalSn = required(body, 'terminal_sn', 32);
        if (terminalSn !== sn) throw new GatewayError('400', 'INVALID_TERMINAL', 'terminal_sn与签名终端不一致');
      }
      return handler(body, sn, req);
    } catch (err) {
      if (err instanceof GatewayError) {
        return { json: { result_code: err.resultCode, error_code: err.code, error_message: err.message } };
      }
      console.error('shouqianba emulator:', err);
      return { json: { result_code: '500', error_code: 'UNKNOWN_SYSTEM_ERROR', error_message: '未知的系统错误' } };
    }
  }

  // ---- WAP API PRO cashier: GET /gateway?… ----

  function wapGateway(req) {
    const p = Object.fromEntries(req.query);
    const missing = ['terminal_sn', 'client_sn', 'total_amount', 'subject', 'operator', 'return_url', 'sign'].filter((k) => !p[k]);
    if (missing.length) return { status: 400, text: `INVALID_PARAMS: missing ${missing.join(', ')}` };
    const terminal = terminals.get(p.terminal_sn);
    if (!terminal) return { status: 400, text: 'INVALID_TERMINAL: unknown terminal_sn' };
    if (p.sign !== wapSign(p, terminal.key)) return { status: 400, text: 'ILLEGAL_SIGN: sign does not match' };
    if (!/^\d{1,10}$/.test(p.total_amount) || Number(p.total_amount) <= 0) {
      return { status: 400, text: 'INVALID_PARAMS: total_amount must be 1-10 digits and > 0' };
    }
    const o = byClientSn.get(p.client_sn) ?? newOrder(p.terminal_sn, {
      client_sn: p.client_sn, total: Number(p.total_amount), subject: p.subject, operator: p.operator,
      reflect: p.reflect, description: p.description, notify_url: p.notify_url,
    }, { payway: p.payway || '3', sub_payway: '3' });
    o.return_url ??= p.return_url;
    return { html: cashierPage(o) };
  }

  /**
   * Where the cashier sends the buyer back: return_url with the page-return parameters of wap2.md
   * (页面同步跳转参数说明), signed by its 《签名规则》 with the order's terminal key. A page that saw no
   * payment reports status FAIL with WeChat's own result (the buyer closed the pay sheet).
   */
  function returnUrl(o) {
    const paid = o.order_status === 'PAID';
    const p = {
      is_success: 'T', terminal_sn: o.terminal_sn, sn: o.sn, trade_no: o.trade_no, client_sn: o.client_sn,
      status: paid ? 'SUCCESS' : 'FAIL', total_amount: String(o.total), subject: o.subject, operator: o.operator,
      reflect: o.reflect,
      ...(!paid && { result_code: 'get_brand_wcpay_request:cancel', result_message: 'get_brand_wcpay_request:cancel' }),
    };
    for (const k of Object.keys(p)) if (p[k] === undefined || p[k] === '') delete p[k];
    if (!/^https?:\/\//i.test(o.return_url)) throw new ControlError(409, 'return_url is not an http(s) URL');
    const url = new URL(o.return_url);
    for (const [k, v] of Object.entries(p)) url.searchParams.append(k, v);
    url.searchParams.append('sign', wapSign(p, terminals.get(o.terminal_sn).key));
    return url.href;
  }

  // ---- notifications ----

  function authorizationFor(o, body) {
    const sig = crypto.sign('sha256', Buffer.from(body), privateKey).toString('base64');
    return cfg.notifyHeaderForm === 'sn' ? `${o.terminal_sn} ${sig}` : sig;
  }

  /** One signed POST of `body` to `url`; logged and returned as { status, reply, error? }. */
  async function deliver(o, url, body, attempt) {
    const authorization = authorizationFor(o, body);
    const entry = { client_sn: o.client_sn, sn: o.sn, url, body, authorization, attempt, at: Date.now(), status: null, reply: null };
    notifications.push(entry);
    const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(cfg.notifyTimeoutMs)]);
    return postNotification(entry, url, { 'content-type': 'application/json', authorization }, body, signal);
  }

  /**
   * Sends the order's current data to its notify_url in the background, retrying a bounded number of times.
   * When the chaos hook says so, the whole delivery (with its retries) happens a second time afterwards.
   */
  function notify(o) {
    if (!o.notify_url) return;
    const body = JSON.stringify(data(o)); // every retry sends the same bytes
    const copies = hooks.duplicateNotify?.() ? 2 : 1;
    const { signal } = stopping;
    const run = (async () => {
      for (let copy = 1; copy <= copies && !signal.aborted; copy++) {
        for (let attempt = 0; !signal.aborted; attempt++) {
          const entry = await deliver(o, o.notify_url, body, attempt + 1);
          if (copy > 1) entry.duplicate = true;
          if (entry.reply?.trim() === 'success' || attempt >= cfg.notifyRetryDelays.length) break;
          await sleep(cfg.notifyRetryDelays[attempt], undefined, { signal });
        }
      }
    })().catch(() => {}); // aborted by close/reset
    inflight.add(run);
    run.finally(() => inflight.delete(run));
  }

  // ---- controller (JS API) and control routes ----

  function lookup(id) {
    const o = byClientSn.get(id) ?? orders.get(id);
    if (!o) throw new ControlError(404, `no order ${id}`);
    return o;
  }

  const controller = {
    get credentials() {
      return {
        vendorSn: cfg.vendorSn, vendorKey: cfg.vendorKey, appId: cfg.appId, activationCode: cfg.activationCode,
        terminalSn: cfg.terminalSn, terminalKey: terminals.get(cfg.terminalSn).key, // current key (check-in rotates it)
      };
    },
    publicKeyPem,
    /**
     * The buyer pays a CREATED order (scanned the QR / confirmed in the wallet). Returns its data.
     * `discount`: fen of the total covered by a channel merchant discount (payment_list says so).
     */
    buyerPays(id, { discount = 0 } = {}) {
      const o = lookup(id);
      if (o.order_status !== 'CREATED') throw new ControlError(409, `order ${id} is ${o.order_status}, not CREATED`);
      if (!Number.isInteger(discount) || discount < 0 || discount >= o.total) throw new ControlError(400, 'discount must be whole fen below the total');
      markPaid(o, { discount });
      return data(o);
    },
    /** The WAP cashier's return URL for an order it showed, signed as the gateway signs it (wap2.md). */
    returnUrl(id) {
      const o = lookup(id);
      if (!o.return_url) throw new ControlError(409, `order ${id} was not made by the WAP cashier`);
      return returnUrl(o);
    },
    /** Ledger entry by client_sn (or sn), or undefined. */
    order(id) {
      const o = byClientSn.get(id) ?? orders.get(id);
      return o && ledger(o);
    },
    orders: () => [...orders.values()].map(ledger),
    /** Uniform money truth for a reliability checker (see index.mjs): one entry per order. */
    ledger: () => [...orders.values()].map((o) => ({
      provider: 'shouqianba', merchantOrderNo: o.client_sn, providerOrderNo: o.sn, paid: o.paid, state: o.order_status,
      total: o.total, held: o.paid ? o.net : 0,
    })),
    /**
     * Sends the order's signed notification once, now; resolves to { status, body, error? } of the reply.
     * `fields` replaces data fields before signing (undefined removes one): e.g. { terminal_sn: 'other' }
     * is what a fraudster's own terminal would get, genuinely signed with the one platform key.
     */
    async sendNotification(id, url, { fields } = {}) {
      const o = lookup(id);
      const target = url ?? o.notify_url;
      if (!target) throw new ControlError(409, `order ${id} has no notify_url and no url was given`);
      const d = data(o);
      for (const [k, v] of Object.entries(fields ?? {})) {
        if (v === undefined) delete d[k];
        else d[k] = v;
      }
      const entry = await deliver(o, target, JSON.stringify(d), 1);
      return { status: entry.status, body: entry.reply, ...(entry.error && { error: entry.error }) };
    },
    get notifications() {
      return notifications.map((n) => ({ ...n }));
    },
    /** Resolves when no notification delivery or retry is pending. */
    async flushNotifications() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
  };

  const control = (req) => controlRoutes(req, controller, {
    idOf: (b) => String(b.client_sn ?? b.sn),
    extra: (method, subpath, body) => {
      if (method === 'GET' && subpath === 'public-key') return { json: { pem: publicKeyPem } };
      // The cashier page's pay button: the buyer pays, and the page learns where to send them back.
      if (method === 'POST' && subpath === 'wap-pay') {
        const id = String(body().sn);
        controller.buyerPays(id);
        return { json: { return_url: controller.returnUrl(id) } };
      }
      return undefined;
    },
  });

  // ---- the core's adversarial faults and conformance description (the interface in registry.mjs) ----

  const OPS = {
    '/upay/v2/pay': 'pay', '/upay/v2/precreate': 'precreate', '/upay/v2/query': 'query', '/upay/v2/refund': 'refund',
    '/upay/v2/cancel': 'reverse', '/upay/v2/revoke': 'reverse',
  };
  /** Another merchant on the platform (the fraudster's own terminal): its notices are signed with the one platform key. */
  const OTHER_TERMINAL = '10000000666';
  const REVERSED = ['CANCELED', 'PAY_CANCELED', 'REFUNDED'];
  const bodyOf = (req) => jsonOf(req.body.toString('utf8')) ?? {};

  const adversary = {
    operation(req) {
      const op = OPS[req.pathname] ?? null;
      return { op, notifyUrl: op ? bodyOf(req).notify_url || undefined : undefined };
    },
    /** A pay answer whose code is turned against its (true) order state. */
    contradictPay(frozen) {
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
    /** A cancel that is not processed, answered CANCEL_SUCCESS with the order's true state; null if already reversed. */
    contradictUnprocessed(req, info) {
      const o = info.orderNo === undefined ? undefined : controller.order(info.orderNo);
      if (!o || REVERSED.includes(o.order_status)) return null;
      const data = {
        terminal_sn: String(bodyOf(req).terminal_sn ?? ''), sn: o.sn, client_sn: o.client_sn, status: 'SUCCESS',
        order_status: o.order_status, total_amount: String(o.total), net_amount: String(o.net), finish_time: String(Date.now()),
      };
      return freeze({ json: { result_code: '200', biz_response: { result_code: 'CANCEL_SUCCESS', data } } });
    },
    /** Another terminal's genuinely signed notice, carrying our order number: paid FORGED_AMOUNT. */
    forgeNotice(info) {
      const now = Date.now();
      const data = {
        terminal_sn: OTHER_TERMINAL, sn: `78${digits(14)}`, client_sn: info.orderNo, trade_no: `4200${digits(24)}`,
        status: 'SUCCESS', order_status: 'PAID', payway: '3', payway_name: '微信', sub_payway: '1',
        payer_uid: `o${crypto.randomBytes(20).toString('base64url').slice(0, 27)}`, total_amount: String(FORGED_AMOUNT),
        net_amount: String(FORGED_AMOUNT), settlement_amount: String(FORGED_AMOUNT), finish_time: String(now),
        channel_finish_time: String(now - 40), subject: 'fraud', operator: 'fraud', ctime: String(now - 1000), store_id: 'fraud-store',
      };
      const text = JSON.stringify(data);
      const sig = crypto.sign('sha256', Buffer.from(text), privateKey).toString('base64');
      const authorization = cfg.notifyHeaderForm === 'sn' ? `${OTHER_TERMINAL} ${sig}` : sig;
      return { url: info.notifyUrl, headers: { 'content-type': 'application/json', authorization }, body: text };
    },
  };

  /** GET /__emulator/conformance: how a client of this gateway is configured and driven against the emulator. */
  const conformance = () => ({
    basePath: '',
    credentials: { terminalSn: cfg.terminalSn, terminalKey: terminals.get(cfg.terminalSn).key, notifyPublicKey: publicKeyPem },
    secrets: [terminals.get(cfg.terminalSn).key, cfg.vendorKey],
    pay: { operator: 'conformance' },
    precreate: { operator: 'conformance', payway: '3' },
    query: {},
    refund: { operator: 'conformance' },
    barcodes: { success: '130000000000000001', paying: '910000000000000001', stuck: '930000000000000001', declined: '920000000000000001' },
    queryFault: { path: '/upay/v2/query' }, // where a queued fault hits this client's query (POST /__emulator/faults)
    orderKey: 'client_sn',
    notification: { signed: true, headers: ['authorization'] },
  });

  const banner = (url) => {
    const c = controller.credentials;
    return `shouqianba (收钱吧) api_domain: ${url}
  vendor_sn=${c.vendorSn} vendor_key=${c.vendorKey}
  app_id=${c.appId} activation code=${c.activationCode}
  terminal_sn=${c.terminalSn} terminal_key=${c.terminalKey}
  notification public key: GET ${url}/__emulator/shouqianba/public-key`;
  };

  return {
    name: 'shouqianba',
    adversary,
    conformance,
    banner,
    handles: (method, pathname) =>
      (method === 'POST' && Object.hasOwn(HANDLERS, pathname)) || (method === 'GET' && pathname === '/gateway'),
    handle: async (req) => (req.pathname === '/gateway' ? wapGateway(req) : handleApi(req)),
    isBarcodePay: (req) => req.method === 'POST' && req.pathname === '/upay/v2/pay',
    orderNo(req) {
      if (req.pathname === '/gateway') return req.query.get('client_sn') ?? undefined;
      const body = JSON.parse(req.body.toString('utf8'));
      const id = body?.client_sn || orders.get(body?.sn)?.client_sn;
      return typeof id === 'string' ? id : undefined;
    },
    control,
    maintenance: () => ({
      json: { result_code: '500', error_code: 'MAINTENANCE_INPROGRESS', error_message: '服务端正在升级维护,稍候5分钟' },
    }),
    reset() {
      stopping.abort();
      stopping = new AbortController();
      orders = new Map();
      byClientSn = new Map();
      notifications = [];
    },
    close() {
      stopping.abort();
    },
    controller,
  };
}

// ---- the WAP cashier page ----

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const scriptJson = (v) => JSON.stringify(v).replace(/</g, '\\u003c');

function cashierPage(o) {
  const yuan = (o.total / 100).toFixed(2);
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>收钱吧收银台 (emulator)</title></head>
<body style="font-family:sans-serif;max-width:24rem;margin:2rem auto;text-align:center">
<p>${escapeHtml(o.subject)}</p>
<h1 id="amount">¥${yuan}</h1>
<p>订单号 ${escapeHtml(o.client_sn)} · <span id="status">${escapeHtml(o.order_status)}</span></p>
<button id="pay" ${o.order_status === 'CREATED' ? '' : 'disabled'}>确认支付 (emulated buyer)</button>
<script>
document.getElementById('pay').onclick = async () => {
  const res = await fetch('/__emulator/shouqianba/wap-pay', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sn: ${scriptJson(o.sn)} }),
  });
  document.getElementById('status').textContent = res.ok ? 'PAID' : 'error ' + res.status;
  const back = res.ok ? (await res.json()).return_url : null;
  if (back && /^https?:\/\//i.test(back)) location.href = back; // never follow javascript: etc.
};
</script>
</body></html>
`;
}
