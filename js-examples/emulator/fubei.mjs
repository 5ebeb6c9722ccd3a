// Fubei (付呗) open-API gateway emulator, mounted under /fubei:
//   POST /fubei/gateway        1.0 merchant API ("openapi.payment.order.*"), app_id + app_secret
//   POST /fubei/gateway/agent  2.0 API ("fbpay.order.*"), vendor_sn + vendor_secret (merchant_id in biz_content)
//                              or app_id + app_secret
// Wire formats follow /work/shared/protocols/fubei.md, seed 001 (openapi.payment.order.query) and Fubei's official
// SDKs; every handler below names the SDK file its field names come from. Amounts travel as yuan (JSON numbers);
// inside, everything is integer fen, and the yuan text is written by hand (see toJsonText) so 980 fen is `9.8`
// ('short') or `9.80` ('fixed'), never a float artefact. Incoming amounts are read from the raw JSON text.
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControlError, controlRoutes, postNotification } from './control.mjs';
import { FORGED_AMOUNT, JSON_TYPE, freeze, jsonOf } from './adversary.mjs';

export const GATEWAY_V1 = '/fubei/gateway';
export const GATEWAY_V2 = '/fubei/gateway/agent';

const DEFAULTS = {
  appId: '20260301120000123456', // merchant-level 1.0 (and 2.0) credentials
  appSecret: '3f9c2b7a61d84e0fa5b1c7d2e8f40a96',
  vendorSn: '2026030100000088', // service-provider-level 2.0 credentials
  vendorSecret: 'b7e1d2c3a4f5061728394a5b6c7d8e9f',
  merchantId: 1688001, // the one merchant behind both; 2.0 vendor calls must name it in biz_content
  storeId: 145827, // default store_id when a request leaves it out
  inProgressQueries: 2, // a 9100… order answers USERPAYING to this many queries, then SUCCESS
  refundInProgressQueries: 0, // > 0: refunds answer REFUND_PROCESSING until this many refund queries have seen it
  feeRateBp: 38, // handling fee in basis points of the total (0.38%), rounded half up to the fen
  amountStyle: 'short', // 'short' → 9.8, 10, 0.07 ; 'fixed' → 9.80, 10.00, 0.07
  maxRefundsPerOrder: 10, // "单笔订单退款次数不可超过10次" (java-sdk MerchantOrderApi.java)
  notifyRetryDelays: [200, 500, 1000], // ms between attempts; 1 + length attempts in all
  notifyTimeoutMs: 3000,
  // The mini-program a 1.0 merchant has bound at Fubei: openapi.payment.order.mina takes no appid, so the sign
  // package Fubei returns is for this one.
  minaAppId: 'wx5c3a9d7e2b1f4a68',
};

/** auth_code prefix → what the buyer's wallet does. Anything else pays at once. */
const AUTH_CODE = {
  9100: 'in-progress', // USERPAYING, SUCCESS after `inProgressQueries` queries
  9300: 'stuck', // USERPAYING until closed/reversed (or the buyer-pays control route)
  9200: 'expired', // 400 AUTH_CODE_EXPIRED, order CLOSED
  9400: 'insufficient', // 400 INSUFFICIENT_BALANCE, order CLOSED
};

// 1.0 `type` (int) ↔ 2.0 `pay_type` (string)
const TYPE_OF = { wxpay: 1, alipay: 2, unionpay: 5 };
const PAY_TYPE_OF = { 1: 'wxpay', 2: 'alipay', 5: 'unionpay' };

function payTypeFromAuthCode(code) {
  const p = Number(code.slice(0, 2));
  if (p >= 10 && p <= 15) return 'wxpay';
  if (p >= 25 && p <= 30) return 'alipay';
  if (p === 62) return 'unionpay';
  return 'wxpay';
}

// ---- signing (exported so tests and demos can sign the same way) ----

export const md5Hex = (data) => crypto.createHash('md5').update(data, 'utf8').digest('hex');

/**
 * Fubei sign: every parameter but `sign` whose value is not empty, sorted by name, `k=v` joined by `&`, the secret
 * appended with no separator, MD5, uppercase hex. Used for requests and for notifications.
 */
export function fubeiSign(params, secret) {
  const base = Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] != null && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return md5Hex(base + secret).toUpperCase();
}

function signMatches(given, expected) {
  const a = Buffer.from(String(given).toUpperCase());
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

// ---- JSON with exact numbers ----

/** A JSON number kept as its literal text. */
class Num {
  constructor(text) { this.text = text; }
}

/** Integer fen written as yuan. */
class Yuan {
  constructor(fen) { this.fen = fen; }
}

const NUM_KEY = '\u0000num';

/** JSON.parse, except every number becomes a Num holding its literal text (no binary float ever sees it). */
export function parseJsonExact(text) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i;
      while (j < text.length && /[-+0-9.eE]/.test(text[j])) j++;
      const literal = text.slice(i, j);
      if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(literal)) throw new SyntaxError(`bad number ${literal}`);
      out += `{"\\u0000num":${JSON.stringify(literal)}}`;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && Object.hasOwn(v, NUM_KEY)
      ? new Num(v[NUM_KEY])
      : v);
}

export function yuanText(fen, style = 'short') {
  const whole = Math.trunc(fen / 100);
  const cents = String(fen % 100).padStart(2, '0');
  if (style === 'fixed') return `${whole}.${cents}`;
  if (cents === '00') return String(whole);
  return `${whole}.${cents.endsWith('0') ? cents[0] : cents}`;
}

/** JSON text where Yuan values are written as exact decimal numbers; undefined members are left out. */
function toJsonText(value, style) {
  if (value instanceof Yuan) return yuanText(value.fen, style);
  if (Array.isArray(value)) return `[${value.map((v) => toJsonText(v, style)).join(',')}]`;
  if (value && typeof value === 'object') {
    const members = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v, style)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * sub_code values. Fubei publishes no sub_code list of its own: sub_code is "平台方返回错误码" (seed 001), the payment
 * platform's code passed through. So the emulator answers with real WeChat Pay v2 / Alipay ACQ.* codes, each chosen
 * from the client's table (src/providers/fubei.rs, fn sub_code) so that it reads as the intended error code.
 */
export const SUB = {
  SIGN: 'SIGNERROR', // AUTH_FAILED: the signature does not match
  APP: 'APPID_NOT_EXIST', // AUTH_FAILED: unknown app_id / vendor_sn
  MERCHANT: 'MCHID_NOT_EXIST', // AUTH_FAILED: merchant_id is not the emulator's merchant
  PARAM: 'PARAM_ERROR', // INVALID_REQUEST: missing or malformed field, bad JSON, bad amount
  REQUEST: 'INVALID_REQUEST', // INVALID_REQUEST: unknown method, too many refunds ("不符合业务规则")
  NOT_FOUND: 'ORDERNOTEXIST', // ORDER_NOT_FOUND: order or refund not found
  DUPLICATE: 'OUT_TRADE_NO_USED', // DUPLICATE_ORDER (outcome unknown: the first order may stand)
  EXPIRED: 'AUTHCODEEXPIRE', // BARCODE_INVALID: 9200… barcode
  FUNDS: 'NOTENOUGH', // INSUFFICIENT_FUNDS: 9400… barcode
  REFUND_AMOUNT: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', // REFUND_CONFLICT: more than the amount left to refund
  REFUND_REPEAT: 'ACQ.DISCORDANT_REPEAT_REQUEST', // DUPLICATE_ORDER (unknown, poll): merchant_refund_sn reused differently
  CLOSED: 'ORDERCLOSED', // INVALID_ORDER_STATE: refund / reverse of a CLOSED order
  REVERSED: 'ORDERREVERSED', // INVALID_ORDER_STATE: refund / close of a REVOKED order
  PAID: 'ORDERPAID', // INVALID_ORDER_STATE (for close): close of a paid order
  STATE: 'TRADE_STATE_ERROR', // INVALID_ORDER_STATE: refund of an unpaid order, reverse of a refunded one
  SYSTEM: 'SYSTEMERROR', // result_code 500: maintenance fault, emulator bug
};

/** A platform error: {"result_code":400,"result_message","sub_code"}. */
class ApiError extends Error {
  constructor(subCode, message) {
    super(message);
    this.subCode = subCode;
  }
}
const missing = (field) => new ApiError(SUB.PARAM, `缺少参数${field}`);
const invalid = (message) => new ApiError(SUB.PARAM, message);
const notExist = () => new ApiError(SUB.NOT_FOUND, '订单不存在');
const refundNotExist = () => new ApiError(SUB.NOT_FOUND, '退款单不存在');

/** An error of a control call, with its HTTP status. */

// ---- biz_content field readers: empty string / null mean absent ----

function present(biz, field) {
  const v = Object.hasOwn(biz, field) ? biz[field] : undefined;
  return v === undefined || v === null || v === '' ? undefined : v;
}

function str(biz, field, max, required = false) {
  let v = present(biz, field);
  if (v === undefined) {
    if (required) throw missing(field);
    return undefined;
  }
  if (v instanceof Num) v = v.text;
  if (typeof v !== 'string') throw invalid(`${field}必须是字符串`);
  if ([...v].length > max) throw invalid(`${field}长度不能超过${max}`);
  return v;
}

function int(biz, field, required = false) {
  const v = present(biz, field);
  if (v === undefined) {
    if (required) throw missing(field);
    return undefined;
  }
  const text = v instanceof Num ? v.text : v;
  if (typeof text !== 'string' || !/^(0|[1-9]\d{0,9})$/.test(text)) throw invalid(`${field}必须是整数`);
  return Number(text);
}

/** A yuan amount (JSON number or string) as integer fen: > 0, at most 2 decimals, at most 10,000,000 yuan. */
function yuan(biz, field, required = true) {
  const v = present(biz, field);
  if (v === undefined) {
    if (required) throw missing(field);
    return undefined;
  }
  const text = v instanceof Num ? v.text : v;
  if (typeof text !== 'string') throw new ApiError(SUB.PARAM, `${field}必须是金额(元)`);
  const m = /^(0|[1-9]\d{0,7})(?:\.(\d+))?$/.exec(text);
  if (!m) throw new ApiError(SUB.PARAM, `${field}金额格式错误: ${text}`);
  if (m[2] && m[2].length > 2) throw new ApiError(SUB.PARAM, `${field}金额最多两位小数: ${text}`);
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  if (fen <= 0) throw new ApiError(SUB.PARAM, `${field}必须大于0`);
  if (fen > 1_000_000_000) throw new ApiError(SUB.PARAM, `${field}不能超过10000000元`);
  return fen;
}

function url(biz, field) {
  const v = str(biz, field, 255);
  if (v !== undefined && !/^https?:\/\/\S+$/.test(v)) throw invalid(`${field}不是合法的URL`);
  return v;
}

// ---- identifiers and times ----

const digits = (n) => Array.from({ length: n }, () => crypto.randomInt(10)).join('');

/** Beijing wall-clock parts of an epoch-ms instant. */
function beijing(ms) {
  const iso = new Date(ms + 8 * 3600_000).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 19) };
}
const stamp = (ms) => { const b = beijing(ms); return (b.date + b.time).replace(/\D/g, ''); }; // yyyyMMddHHmmss
const finishTime = (ms) => { const b = beijing(ms); return `${b.date} ${b.time}`; }; // "yyyy-MM-dd HH:mm:ss"

function fakeUserId(payType) {
  if (payType === 'alipay') return `2088${digits(12)}`;
  if (payType === 'wxpay') return `o${crypto.randomBytes(20).toString('base64url').slice(0, 27)}`;
  return `emu-${digits(12)}`;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const alnum = (n) => Array.from({ length: n }, () => ALNUM[crypto.randomInt(ALNUM.length)]).join('');

/** A WeChat prepay id as WeChat Pay issues them: "wx" + yyyyMMddHHmmss + 20 more characters. */
const wechatPrepayId = (now) => `wx${stamp(now)}${crypto.randomBytes(10).toString('hex')}`;
/** An Alipay trade number (tradeNO): yyyyMMdd + "22" + 18 digits. */
const alipayTradeNo = (now) => `${stamp(now).slice(0, 8)}22${digits(18)}`;

/**
 * The package wx.requestPayment / getBrandWCPayRequest takes, under WeChat's own names (java-sdk
 * …/merchant/model/entity/PaymentH5PaySignParamsModel.java: appId, timeStamp "自1970年以来的秒数" as a string,
 * nonceStr "不长于32位", package "prepay_id=…", signType, paySign). Fubei signs it with the sub-merchant's WeChat
 * key, which no merchant holds ("请务必使用我司提供的签名包"); here paySign is an MD5 (1.0) or an RSA-sized
 * base64 value (2.0, signType RSA per the 2.0 docs' "签名类型，默认为RSA"), never checked by anyone.
 */
function signPackage(appId, prepayId, signType) {
  const p = { appId, timeStamp: String(Math.floor(Date.now() / 1000)), nonceStr: alnum(32), package: `prepay_id=${prepayId}`, signType };
  p.paySign = signType === 'MD5'
    ? md5Hex(`appId=${p.appId}&nonceStr=${p.nonceStr}&package=${p.package}&signType=MD5&timeStamp=${p.timeStamp}&key=${alnum(32)}`).toUpperCase()
    : crypto.randomBytes(256).toString('base64');
  return p;
}

// ---- the provider ----

export function createFubei(options = {}, hooks = {}) {
  const cfg = { ...DEFAULTS, ...options };
  if (!['short', 'fixed'].includes(cfg.amountStyle)) throw new Error("fubei amountStyle must be 'short' or 'fixed'");
  const json = (value) => toJsonText(value, cfg.amountStyle);

  let orders = new Map(); // order_sn → order
  let byMerchantSn = new Map(); // merchant_order_sn → order
  let byInsSn = new Map(); // trade_no (1.0) = ins_order_sn (2.0) → order
  let refunds = new Map(); // merchant_refund_sn → refund
  let byRefundSn = new Map(); // refund_sn → refund
  let notifications = [];
  let stopping = new AbortController();
  const inflight = new Set();

  const uniqueSn = (taken, make) => { let sn; do sn = make(); while (taken.has(sn)); return sn; };

  // ---- orders ----

  function newOrder(ctx, method, f) {
    const now = Date.now();
    const o = {
      order_sn: uniqueSn(orders, () => `${stamp(now)}${digits(6)}`),
      ins_sn: uniqueSn(byInsSn, () => `${stamp(now)}${digits(14)}`),
      api: ctx.api, method, notifySecret: ctx.secret,
      state: 'USERPAYING', pendingQueries: null, paid: false, refunded: 0, fee: 0,
      refunds: new Map(), events: [{ type: 'created', amount: f.total, at: now }],
      ...f,
    };
    orders.set(o.order_sn, o);
    byMerchantSn.set(o.merchant_order_sn, o);
    byInsSn.set(o.ins_sn, o);
    return o;
  }

  /**
   * The buyer pays. `discount` (fen) is a merchant discount ("商家折扣", FUBEI_DISCOUNT) taken off the order: the
   * buyer pays and the merchant receives total − discount, and the fee is on what was received.
   */
  function markPaid(o, payType, discount = 0) {
    const now = Date.now();
    o.payType ??= payType ?? 'wxpay';
    const received = o.total - discount;
    Object.assign(o, {
      state: 'SUCCESS', paid: true, pendingQueries: null, paidAt: now, discount, received,
      fee: Math.floor((received * cfg.feeRateBp + 5000) / 10000),
      channel_sn: `${o.payType === 'alipay' ? '2026' : '4200'}${digits(24)}`,
      // A wallet order's buyer is the one it named.
      user_id: o.buyer ?? fakeUserId(o.payType),
      user_logon_id: o.payType === 'alipay' ? `138****${digits(4)}` : undefined,
    });
    o.events.push({ type: 'paid', amount: received, at: now });
    notify(o);
  }

  function markFailed(o, subCode) {
    o.state = 'CLOSED';
    o.pendingQueries = null;
    o.events.push({ type: 'pay_failed', sub_code: subCode, at: Date.now() });
  }

  /** A 9100… payment: the first `inProgressQueries` queries still see it USERPAYING. */
  function advance(o) {
    if (o.state !== 'USERPAYING' || o.pendingQueries === null) return;
    if (o.pendingQueries > 0) o.pendingQueries -= 1;
    else markPaid(o);
  }

  /** Look-up by the first of `fields` given (order_sn, merchant_order_sn, trade_no / ins_order_sn). */
  function findOrder(biz, fields) {
    const ids = fields.map((f) => [f, str(biz, f, 64)]).filter(([, v]) => v !== undefined);
    if (!ids.length) throw new ApiError(SUB.PARAM, `${fields.join('、')}不能同时为空`);
    for (const [field, id] of ids) {
      const map = field === 'order_sn' ? orders : field === 'merchant_order_sn' ? byMerchantSn : byInsSn;
      const o = map.get(id);
      if (o) return o;
    }
    throw notExist();
  }

  /** 2.0: a vendor call must name the merchant; a merchant_id that is given must be ours. */
  function checkMerchant(biz, ctx) {
    const id = int(biz, 'merchant_id', ctx.kind === 'vendor');
    if (id !== undefined && id !== cfg.merchantId) throw new ApiError(SUB.MERCHANT, `商户${id}不存在`);
  }

  function ensureNew(merchantSn) {
    if (byMerchantSn.has(merchantSn)) throw new ApiError(SUB.DUPLICATE, '商户订单号重复');
  }

  /** Runs the barcode behaviour of a freshly created pay order; throws for the failing codes. */
  function barcode(o, authCode, ctx) {
    switch (ctx.stuck ? 'stuck' : AUTH_CODE[authCode.slice(0, 4)]) { // chaos `stuck` = a 9300… code
      case 'in-progress':
        o.pendingQueries = cfg.inProgressQueries;
        return;
      case 'stuck':
        return;
      case 'expired':
        markFailed(o, SUB.EXPIRED);
        throw new ApiError(SUB.EXPIRED, '支付失败: 付款码已过期,请刷新后重试');
      case 'insufficient':
        markFailed(o, SUB.FUNDS);
        throw new ApiError(SUB.FUNDS, '支付失败: 用户余额不足');
      default:
        markPaid(o);
    }
  }

  // ---- response views ----

  const paidView = (o) => o.paidAt !== undefined;

  /** 1.0 order as openapi.payment.order.query answers it (and as 1.0 notifications carry it). */
  function v1Order(o) {
    const p = paidView(o);
    return {
      merchant_order_sn: o.merchant_order_sn, order_sn: o.order_sn,
      trade_no: p ? o.ins_sn : undefined, platform_order_no: p ? o.channel_sn : undefined,
      // seed 001: total_fee 实收金额, order_price 订单金额, net_money 净收金额 = 实收金额 − 手续费,
      // discount_money 商家折扣减的金额, buyer_pay_amount 买家实际支付的金额.
      trade_state: o.state, total_fee: new Yuan(p ? o.received : o.total), order_price: new Yuan(o.total),
      fee: p ? new Yuan(o.fee) : undefined, net_money: p ? new Yuan(o.received - o.fee) : undefined,
      pay_time: p ? Math.floor(o.paidAt / 1000) : undefined,
      store_id: o.store_id, cashier_id: o.cashier_id, device_no: o.device_no, body: o.body,
      type: o.payType ? TYPE_OF[o.payType] : undefined,
      discount_money: p ? new Yuan(o.discount) : undefined, buyer_pay_amount: p ? new Yuan(o.received) : undefined,
      attach: o.attach, user_id: p ? o.user_id : undefined, user_logon_id: p ? o.user_logon_id : undefined,
      cash_coupon_fee: p ? new Yuan(0) : undefined, no_cash_coupon_fee: p ? new Yuan(0) : undefined,
    };
  }

  /** 2.0 order as fbpay.order.pay / fbpay.order.query answer it (and as 2.0 notifications carry it). */
  function v2Order(o) {
    const p = paidView(o);
    return {
      order_sn: o.order_sn, merchant_order_sn: o.merchant_order_sn, ins_order_sn: o.ins_sn,
      channel_order_sn: p ? o.channel_sn : undefined, merchant_id: cfg.merchantId, cashier_id: o.cashier_id,
      order_status: o.state, pay_type: o.payType, total_amount: new Yuan(o.total),
      // net_amount is 实收金额, the amount received before the fee (as 1.0's total_fee); the net after the fee is
      // net_amount − fee. A merchant discount is listed in payment_list ("活动优惠列表", dotnet-sdk
      // AOrderQueryResultEntity.PaymentList of APaymentItemEntity {type, amount}; FUBEI_DISCOUNT 付呗折扣).
      net_amount: p ? new Yuan(o.received) : undefined, buyer_pay_amount: p ? new Yuan(o.received) : undefined,
      payment_list: p && o.discount > 0 ? [{ type: 'FUBEI_DISCOUNT', amount: new Yuan(o.discount) }] : undefined,
      fee: p ? new Yuan(o.fee) : undefined, store_id: o.store_id, user_id: p ? o.user_id : undefined,
      finish_time: p ? finishTime(o.paidAt) : undefined, device_no: o.device_no, attach: o.attach,
    };
  }

  // ---- refunds (shared by both generations) ----

  function refundOrder(o, merchantRefundSn, amount, handler) {
    // merchant_refund_sn is the idempotency key: a retry gets the first answer, never a second refund.
    const previous = refunds.get(merchantRefundSn);
    if (previous) {
      if (previous.order !== o || (amount !== undefined && amount !== previous.amount)) {
        throw new ApiError(SUB.REFUND_REPEAT, '退款单号已存在且与本次请求不一致');
      }
      return previous;
    }
    if (o.state === 'CLOSED') throw new ApiError(SUB.CLOSED, '订单已关闭');
    if (o.state === 'REVOKED' || o.state === 'REVOKING') throw new ApiError(SUB.REVERSED, '订单已撤销');
    if (o.state !== 'SUCCESS') throw new ApiError(SUB.STATE, `订单状态${o.state}不可退款`);
    const remaining = o.received - o.refunded; // what the merchant took: a discount was never received
    if (remaining <= 0) throw new ApiError(SUB.REFUND_AMOUNT, '订单已全额退款,可退金额为0');
    if (o.refunds.size >= cfg.maxRefundsPerOrder) throw new ApiError(SUB.REQUEST, '单笔订单退款次数不可超过10次');
    const amt = amount ?? remaining; // "退款金额，为空时默认为全额退款"
    if (amt > remaining) throw new ApiError(SUB.REFUND_AMOUNT, '退款金额超过订单可退金额');
    const now = Date.now();
    const r = {
      order: o, merchant_refund_sn: merchantRefundSn, amount: amt, handler, at: now,
      refund_sn: uniqueSn(byRefundSn, () => `${stamp(now)}${digits(8)}`),
      pendingQueries: cfg.refundInProgressQueries > 0 ? cfg.refundInProgressQueries : null,
    };
    o.refunded += amt;
    if (o.refunded === o.received) o.paid = false;
    o.refunds.set(merchantRefundSn, r);
    refunds.set(merchantRefundSn, r);
    byRefundSn.set(r.refund_sn, r);
    o.events.push({ type: 'refunded', amount: amt, merchant_refund_sn: merchantRefundSn, at: now });
    return r;
  }

  const refundDone = (r) => r.pendingQueries === null;

  function findRefund(biz) {
    const refundSn = str(biz, 'refund_sn', 64);
    const merchantRefundSn = str(biz, 'merchant_refund_sn', 64);
    if (refundSn === undefined && merchantRefundSn === undefined) {
      throw new ApiError(SUB.PARAM, 'refund_sn、merchant_refund_sn不能同时为空');
    }
    const r = (refundSn !== undefined && byRefundSn.get(refundSn)) || (merchantRefundSn !== undefined && refunds.get(merchantRefundSn));
    if (!r) throw refundNotExist();
    // A REFUND_PROCESSING refund (option refundInProgressQueries) is still processing for the first
    // `refundInProgressQueries` refund queries and REFUND_SUCCESS from the next one on.
    if (r.pendingQueries !== null) {
      if (r.pendingQueries > 0) r.pendingQueries -= 1;
      else r.pendingQueries = null;
    }
    return r;
  }

  /** Close: only an unpaid order. Reverse/cancel: a paying or paid order (money goes back to the buyer). */
  function closeOrder(o) {
    if (o.state === 'USERPAYING') {
      o.state = 'CLOSED';
      o.pendingQueries = null;
      o.events.push({ type: 'closed', amount: 0, at: Date.now() });
    } else if (o.state === 'SUCCESS') {
      throw new ApiError(SUB.PAID, '订单已支付,不能关闭,请使用撤销或退款');
    } else if (o.state === 'REVOKED' || o.state === 'REVOKING') {
      throw new ApiError(SUB.REVERSED, '订单已撤销');
    } // CLOSED: closing again is a no-op success
  }

  function reverseOrder(o) {
    if (o.state === 'CLOSED') throw new ApiError(SUB.CLOSED, '订单已关闭');
    if (o.state === 'REVOKED') return; // already reversed
    if (o.refunded > 0) throw new ApiError(SUB.STATE, '订单已发生退款,不能撤销');
    const returned = o.paid ? o.received : 0;
    Object.assign(o, { state: 'REVOKED', paid: false, pendingQueries: null });
    o.events.push({ type: 'revoked', amount: returned, at: Date.now() });
  }

  // ---- 1.0 merchant API handlers: (biz, ctx) → data ----

  /**
   * openapi.payment.order.swipe — java-sdk openapi/src/main/java/com/fshows/fubei/biz/merchant/model/param/
   * ParamPaymentOrderSwipe.java (request) and …/model/entity/PaymentSwipeOrderModel.java (response).
   */
  function swipe(biz, ctx) {
    const f = v1OrderFields(biz);
    const authCode = str(biz, 'auth_code', 32, true);
    const type = int(biz, 'type');
    if (type !== undefined && !PAY_TYPE_OF[type]) throw invalid('type只能是1(微信)、2(支付宝)或5(银联)');
    ensureNew(f.merchant_order_sn);
    const o = newOrder(ctx, 'openapi.payment.order.swipe', { ...f, payType: PAY_TYPE_OF[type] ?? payTypeFromAuthCode(authCode) });
    barcode(o, authCode, ctx);
    const d = v1Order(o);
    return {
      merchant_order_sn: d.merchant_order_sn, order_sn: d.order_sn, trade_state: d.trade_state, total_fee: d.total_fee,
      pay_time: d.pay_time, type: d.type, discount_money: d.discount_money, buyer_pay_amount: d.buyer_pay_amount,
      attach: d.attach, store_id: d.store_id, cashier_id: d.cashier_id, device_no: d.device_no, body: d.body,
      user_id: d.user_id, user_logon_id: d.user_logon_id,
    };
  }

  /**
   * openapi.payment.order.scan — java-sdk …/merchant/model/param/ParamPaymentOrderScan.java (request),
   * …/merchant/model/entity/PaymentScanOrderModel.java (response).
   */
  function scan(biz, ctx) {
    const f = v1OrderFields(biz);
    const type = int(biz, 'type', true);
    if (!PAY_TYPE_OF[type]) throw invalid('type只能是1(微信)、2(支付宝)或5(银联)');
    ensureNew(f.merchant_order_sn);
    const o = newOrder(ctx, 'openapi.payment.order.scan', { ...f, payType: PAY_TYPE_OF[type] });
    o.qr_code = {
      1: `weixin://wxpay/bizpayurl?pr=emu${o.order_sn}`, 2: `https://qr.alipay.com/emu${o.order_sn}`,
      5: `https://qr.95516.com/00010000/emu${o.order_sn}`,
    }[type];
    return {
      merchant_order_sn: o.merchant_order_sn, type, total_fee: new Yuan(o.total), qr_code: o.qr_code,
      store_id: o.store_id, cashier_id: o.cashier_id, device_no: o.device_no, body: o.body, attach: o.attach,
    };
  }

  /** A wallet order (paid inside WeChat or Alipay by the buyer it names): waits for the buyer to confirm. */
  function walletOrder(ctx, method, f, payType, buyer) {
    ensureNew(f.merchant_order_sn);
    const now = Date.now();
    const o = newOrder(ctx, method, { ...f, payType, buyer });
    o.prepay_id = payType === 'wxpay' ? wechatPrepayId(now) : alipayTradeNo(now);
    return o;
  }

  /**
   * openapi.payment.order.h5pay "微信公众号支付" — java-sdk …/merchant/model/param/ParamPaymentOrderH5Pay.java
   * (open_id and sub_open_id, both "授权接口返回的" ids of Fubei's own authorisation, required per
   * docs.51fubei.com …/methods/H5Pay.html) and …/entity/PaymentH5PayOrderModel.java: only a prepay_id comes back.
   */
  function h5pay(biz, ctx) {
    const f = v1OrderFields(biz);
    const openId = str(biz, 'open_id', 32, true);
    str(biz, 'sub_open_id', 32, true);
    const o = walletOrder(ctx, 'openapi.payment.order.h5pay', f, 'wxpay', openId);
    return {
      prepay_id: o.prepay_id, order_sn: o.order_sn, merchant_order_sn: o.merchant_order_sn, store_id: o.store_id,
      cashier_id: o.cashier_id,
    };
  }

  /**
   * openapi.payment.order.mina "微信小程序支付" — java-sdk …/merchant/model/param/ParamPaymentOrderMina.java
   * (sub_openid "小程序授权接口返回的sub_openid", required: docs.51fubei.com/open-api/business/methods/minaPay.html)
   * and …/entity/PaymentMinaOrderModel.java (prepay_id, order_sn, merchant_order_sn, sign_params — json in the
   * docs —, cashier_id, user_id).
   */
  function mina(biz, ctx) {
    const f = v1OrderFields(biz);
    const openId = str(biz, 'sub_openid', 32, true);
    const o = walletOrder(ctx, 'openapi.payment.order.mina', f, 'wxpay', openId);
    return {
      prepay_id: o.prepay_id, order_sn: o.order_sn, merchant_order_sn: o.merchant_order_sn,
      sign_params: signPackage(cfg.minaAppId, o.prepay_id, 'MD5'), cashier_id: o.cashier_id, user_id: openId,
    };
  }

  /**
   * openapi.payment.Alipay.H5 "支付宝统一下单" — java-sdk …/merchant/model/param/ParamPaymentAlipayH5.java
   * (buyer_id "支付宝用户ID,2088开头") and …/entity/PaymentH5AlipayModel.java (order_sn, prepay_id "支付宝预支付订单号",
   * store_id, cashier_id, user_id, user_logon_id).
   */
  function alipayH5(biz, ctx) {
    const f = v1OrderFields(biz);
    const buyerId = str(biz, 'buyer_id', 32, true);
    if (!/^2088\d{12}$/.test(buyerId)) throw invalid('buyer_id必须是2088开头的支付宝用户ID');
    const o = walletOrder(ctx, 'openapi.payment.Alipay.H5', f, 'alipay', buyerId);
    return {
      order_sn: o.order_sn, prepay_id: o.prepay_id, store_id: o.store_id, cashier_id: o.cashier_id, user_id: buyerId,
    };
  }

  /** Fields common to swipe and scan (call_back_url is the 1.0 name of the notification URL). */
  function v1OrderFields(biz) {
    return {
      merchant_order_sn: str(biz, 'merchant_order_sn', 32, true),
      total: yuan(biz, 'total_fee'),
      store_id: int(biz, 'store_id') ?? cfg.storeId,
      cashier_id: int(biz, 'cashier_id') ?? 0,
      device_no: str(biz, 'device_no', 32),
      body: str(biz, 'body', 128),
      attach: str(biz, 'attach', 127),
      notify_url: url(biz, 'call_back_url'),
    };
  }

  /**
   * openapi.payment.order.query — seed 001 and java-sdk …/merchant/model/param/ParamPaymentOrderQuery.java,
   * …/merchant/model/entity/PaymentQueryOrderModel.java.
   */
  function query(biz) {
    str(biz, 'device_no', 32);
    const o = findOrder(biz, ['order_sn', 'merchant_order_sn', 'trade_no']);
    advance(o);
    return v1Order(o);
  }

  /**
   * openapi.payment.order.refund — java-sdk …/merchant/model/param/ParamPaymentOrderRefund.java,
   * …/merchant/model/entity/PaymentRefundOrderModel.java (+ refund_money, refund_status: emulator extras).
   */
  function refund1(biz) {
    const merchantRefundSn = str(biz, 'merchant_refund_sn', 32, true);
    const amount = yuan(biz, 'refund_money', false);
    const o = findOrder(biz, ['order_sn', 'merchant_order_sn', 'trade_no']);
    return v1Refund(refundOrder(o, merchantRefundSn, amount));
  }

  function v1Refund(r) {
    return {
      refund_sn: r.refund_sn, merchant_refund_sn: r.merchant_refund_sn, trade_no: r.order.ins_sn,
      order_sn: r.order.order_sn, merchant_order_sn: r.order.merchant_order_sn,
      refund_money: new Yuan(r.amount), refund_status: refundDone(r) ? 'REFUND_SUCCESS' : 'REFUND_PROCESSING',
    };
  }

  /**
   * openapi.payment.order.refund.query — java-sdk …/merchant/model/param/ParamPaymentOrderRefundQuery.java,
   * …/merchant/model/entity/PaymentQueryRefundOrderModel.java (refund_status REFUND_PROCESSING | REFUND_SUCCESS |
   * REFUND_FAILER; + refund_money: emulator extra).
   */
  function refundQuery1(biz) {
    const r = findRefund(biz);
    const o = orderGiven(biz, ['order_sn', 'merchant_order_sn', 'trade_no']);
    if (o && o !== r.order) throw refundNotExist();
    return v1Refund(r);
  }

  /** The order named in a refund query, if any was named. */
  function orderGiven(biz, fields) {
    return fields.some((f) => str(biz, f, 64) !== undefined) ? findOrder(biz, fields) : undefined;
  }

  /**
   * openapi.payment.order.close — java-sdk …/merchant/model/param/ParamPaymentOrderClose.java,
   * …/merchant/model/entity/PaymentCloseOrderModel.java.
   */
  function close1(biz) {
    const o = findOrder(biz, ['order_sn', 'merchant_order_sn']);
    closeOrder(o);
    return { merchant_order_sn: o.merchant_order_sn, order_sn: o.order_sn };
  }

  /**
   * openapi.payment.order.reverse — java-sdk …/merchant/model/param/ParamPaymentOrderReverse.java,
   * …/merchant/model/entity/PaymentReverseOrderModel.java.
   */
  function reverse1(biz) {
    const o = findOrder(biz, ['order_sn', 'merchant_order_sn']);
    reverseOrder(o);
    return { merchant_order_sn: o.merchant_order_sn, order_sn: o.order_sn };
  }

  // ---- 2.0 ("fbpay") handlers ----

  /** Fields common to fbpay.order.pay and fbpay.order.precreate (notify_url is the 2.0 name). */
  function v2OrderFields(biz, ctx) {
    checkMerchant(biz, ctx);
    return {
      merchant_order_sn: str(biz, 'merchant_order_sn', 32, true),
      total: yuan(biz, 'total_amount'),
      store_id: int(biz, 'store_id') ?? cfg.storeId,
      cashier_id: int(biz, 'cashier_id') ?? 0,
      device_no: str(biz, 'device_no', 32),
      body: str(biz, 'body', 128),
      attach: str(biz, 'attach', 127),
      notify_url: url(biz, 'notify_url'),
    };
  }

  function payTypeField(biz) {
    const payType = str(biz, 'pay_type', 16);
    if (payType !== undefined && !TYPE_OF[payType]) throw invalid('pay_type只能是wxpay、alipay或unionpay');
    return payType;
  }

  /**
   * fbpay.order.pay — java-sdk openapi/src/main/java/com/fshows/fubei/biz/agent/model/param/ParamOrderPay.java,
   * …/agent/model/entity/OrderPayModel.java; dotnet-sdk Com.Fubei.Api.OpenApi/Biz/AgentApi/Model/Request/
   * AOrderPayParam.cs, …/Response/AOrderPayResultEntity.cs.
   */
  function pay2(biz, ctx) {
    const f = v2OrderFields(biz, ctx);
    const authCode = str(biz, 'auth_code', 32, true);
    ensureNew(f.merchant_order_sn);
    const o = newOrder(ctx, 'fbpay.order.pay', { ...f, payType: payTypeFromAuthCode(authCode) });
    barcode(o, authCode, ctx);
    return v2Order(o);
  }

  /**
   * fbpay.order.precreate — no official SDK models it by that name; the fields follow java-sdk
   * …/agent/model/param/pay/ParamOrderQrcode.java (request: merchant_order_sn, total_amount, pay_type, store_id,
   * cashier_id, device_no, body, attach, notify_url) and …/agent/model/entity/pay/OrderQrcodeModel.java
   * (response: order_sn, trade_no, qr_code, store_id, cashier_id). pay_type is optional: without it the QR is an
   * aggregate code and the wallet is chosen when the buyer pays.
   */
  function precreate2(biz, ctx) {
    const f = v2OrderFields(biz, ctx);
    const payType = payTypeField(biz);
    ensureNew(f.merchant_order_sn);
    const o = newOrder(ctx, 'fbpay.order.precreate', { ...f, payType });
    o.qr_code = `https://shq-api.51fubei.com/emu/qr/${o.order_sn}`;
    return {
      order_sn: o.order_sn, trade_no: o.merchant_order_sn, qr_code: o.qr_code, store_id: o.store_id,
      cashier_id: o.cashier_id,
    };
  }

  /**
   * fbpay.order.create "统一下单" — java-sdk …/agent/api/legacy/AgentPaymentApi.java, …/agent/model/param/
   * ParamOrderCreate.java, …/agent/model/entity/OrderCreateModel.java; dotnet-sdk Com.Fubei.OpenApi.Vb/Biz/AgentApi/
   * Model/Request/AOrderCreateParam.vb ("支付方式，wxpay 微信，alipay 支付宝"; sub_appid "公众号appid。当微信支付时，
   * 该字段必填"; user_id "用户标识（微信openid，支付宝userid）") and …/Response/AOrderCreateResultEntity.vb
   * (prepay_id "微信预支付订单号prepay_id、支付宝交易号tradeNO"; sign_package "当pay_type为wxpay时才返回").
   */
  function create2(biz, ctx) {
    const f = v2OrderFields(biz, ctx);
    const payType = str(biz, 'pay_type', 16, true);
    if (payType !== 'wxpay' && payType !== 'alipay') throw invalid('pay_type只能是wxpay或alipay');
    const userId = str(biz, 'user_id', 64, true);
    const subAppId = str(biz, 'sub_appid', 32, payType === 'wxpay');
    if (payType === 'wxpay' && !/^wx[0-9a-f]{16}$/.test(subAppId)) throw invalid('sub_appid不是合法的公众号appid');
    const o = walletOrder(ctx, 'fbpay.order.create', f, payType, userId);
    return {
      order_sn: o.order_sn, merchant_order_sn: o.merchant_order_sn, prepay_id: o.prepay_id, merchant_id: cfg.merchantId,
      pay_type: payType, total_amount: new Yuan(o.total), store_id: o.store_id, cashier_id: o.cashier_id,
      device_no: o.device_no, attach: o.attach,
      sign_package: payType === 'wxpay' ? signPackage(subAppId, o.prepay_id, 'RSA') : undefined,
    };
  }

  /**
   * fbpay.order.query — dotnet-sdk Com.Fubei.Api.OpenApi/Biz/AgentApi/Model/Request/AOrderQueryParam.cs,
   * …/Response/AOrderQueryResultEntity.cs.
   */
  function query2(biz, ctx) {
    checkMerchant(biz, ctx);
    const o = findOrder(biz, ['order_sn', 'merchant_order_sn', 'ins_order_sn']);
    advance(o);
    return v2Order(o);
  }

  /**
   * fbpay.order.refund — dotnet-sdk Com.Fubei.Api.OpenApi/Biz/AgentApi/Model/Request/ARefundOrderParam.cs,
   * …/Response/ARefundOrderEntity.cs (refund_status REFUND_PROCESSING | REFUND_SUCCESS | REFUND_FAIL).
   */
  function refund2(biz, ctx) {
    checkMerchant(biz, ctx);
    const merchantRefundSn = str(biz, 'merchant_refund_sn', 32, true);
    const amount = yuan(biz, 'refund_amount', false);
    const handler = int(biz, 'handler');
    const o = findOrder(biz, ['order_sn', 'merchant_order_sn', 'ins_order_sn']);
    return v2Refund(refundOrder(o, merchantRefundSn, amount, handler));
  }

  function v2Refund(r) {
    return {
      order_sn: r.order.order_sn, refund_sn: r.refund_sn, merchant_order_sn: r.order.merchant_order_sn,
      merchant_refund_sn: r.merchant_refund_sn, refund_amount: new Yuan(r.amount),
      refund_status: refundDone(r) ? 'REFUND_SUCCESS' : 'REFUND_PROCESSING',
      finish_time: refundDone(r) ? finishTime(r.at) : undefined, handler: r.handler,
    };
  }

  /**
   * fbpay.order.refund.query — dotnet-sdk Com.Fubei.Api.OpenApi/Biz/AgentApi/Model/Request/AQueryRefundParam.cs
   * (merchant_id, refund_sn | merchant_refund_sn); answer as fbpay.order.refund (ARefundOrderResultEntity.vb).
   */
  function refundQuery2(biz, ctx) {
    checkMerchant(biz, ctx);
    return v2Refund(findRefund(biz));
  }

  /**
   * fbpay.order.close / fbpay.order.cancel — dotnet-sdk Com.Fubei.OpenApi.Vb/Biz/AgentApi/IFubeiAgentApi.vb,
   * …/Model/Request/AOrderClosureParam.vb (merchant_id, order_sn | merchant_order_sn),
   * …/Model/Response/AOrderClosureResultEntity.vb (merchant_id, merchant_order_sn, order_status).
   */
  function close2(biz, ctx) {
    checkMerchant(biz, ctx);
    const o = findOrder(biz, ['order_sn', 'merchant_order_sn']);
    closeOrder(o);
    return { merchant_id: cfg.merchantId, merchant_order_sn: o.merchant_order_sn, order_status: o.state };
  }

  function cancel2(biz, ctx) {
    checkMerchant(biz, ctx);
    const o = findOrder(biz, ['order_sn', 'merchant_order_sn']);
    reverseOrder(o);
    return { merchant_id: cfg.merchantId, merchant_order_sn: o.merchant_order_sn, order_status: o.state };
  }

  const METHODS = {
    '1.0': {
      'openapi.payment.order.swipe': swipe, 'openapi.payment.order.scan': scan, 'openapi.payment.order.query': query,
      'openapi.payment.order.h5pay': h5pay, 'openapi.payment.order.mina': mina, 'openapi.payment.Alipay.H5': alipayH5,
      'openapi.payment.order.refund': refund1, 'openapi.payment.order.refund.query': refundQuery1,
      'openapi.payment.order.close': close1, 'openapi.payment.order.reverse': reverse1,
    },
    '2.0': {
      'fbpay.order.pay': pay2, 'fbpay.order.precreate': precreate2, 'fbpay.order.create': create2, 'fbpay.order.query': query2,
      'fbpay.order.refund': refund2, 'fbpay.order.refund.query': refundQuery2,
      'fbpay.order.close': close2, 'fbpay.order.cancel': cancel2,
    },
  };

  // ---- envelope ----

  function parseEnvelope(buffer) {
    let env;
    try {
      env = JSON.parse(buffer.toString('utf8'));
    } catch {
      throw invalid('请求体不是合法的JSON');
    }
    if (!env || typeof env !== 'object' || Array.isArray(env)) throw invalid('请求体必须是JSON对象');
    for (const [k, v] of Object.entries(env)) {
      if (typeof v !== 'string') throw invalid(`${k}必须是字符串${k === 'biz_content' ? '(JSON文本)' : ''}`);
    }
    return env;
  }

  /** Checks identity and sign; returns { api, kind, secret }. */
  function authenticate(env, api) {
    let kind;
    let secret;
    if (api === '2.0' && env.vendor_sn) {
      kind = 'vendor';
      if (env.vendor_sn !== cfg.vendorSn) throw new ApiError(SUB.APP, `服务商${env.vendor_sn}不存在`);
      secret = cfg.vendorSecret;
    } else if (env.app_id) {
      kind = 'app';
      if (env.app_id !== cfg.appId) throw new ApiError(SUB.APP, `app_id ${env.app_id}不存在`);
      secret = cfg.appSecret;
    } else {
      throw missing(api === '2.0' ? 'vendor_sn或app_id' : 'app_id');
    }
    for (const field of ['method', 'nonce', 'biz_content', 'sign']) if (!env[field]) throw missing(field);
    if (env.nonce.length > 64) throw invalid('nonce长度不能超过64');
    if (!signMatches(env.sign, fubeiSign(env, secret))) throw new ApiError(SUB.SIGN, '签名错误');
    if (env.format && env.format.toLowerCase() !== 'json') throw invalid('format只支持json');
    if (env.sign_method && env.sign_method.toLowerCase() !== 'md5') throw invalid('sign_method只支持md5');
    return { api, kind, secret };
  }

  function handleApi(req) {
    const api = req.pathname === GATEWAY_V2 ? '2.0' : '1.0';
    try {
      const env = parseEnvelope(req.body);
      const ctx = authenticate(env, api);
      ctx.stuck = req.chaosStuck === true;
      const handler = Object.hasOwn(METHODS[api], env.method) ? METHODS[api][env.method] : undefined;
      if (!handler) throw new ApiError(SUB.REQUEST, `${api === '2.0' ? GATEWAY_V2 : GATEWAY_V1}不支持接口${env.method}`);
      let biz;
      try {
        biz = parseJsonExact(env.biz_content);
      } catch {
        throw invalid('biz_content不是合法的JSON');
      }
      if (!biz || typeof biz !== 'object' || Array.isArray(biz)) throw invalid('biz_content必须是JSON对象');
      const data = handler(biz, ctx);
      return { jsonText: json({ result_code: 200, result_message: '成功', data }) };
    } catch (err) {
      if (err instanceof ApiError) {
        return { jsonText: json({ result_code: 400, result_message: err.message, sub_code: err.subCode }) };
      }
      console.error('fubei emulator:', err);
      return { jsonText: json({ result_code: 500, result_message: '系统错误', sub_code: SUB.SYSTEM }) };
    }
  }

  // ---- notifications ----

  /** The form fields of an order's notification: result_code, result_message, data (JSON text), sign. */
  function notificationFields(o, overrides = {}) {
    const d = { ...(o.api === '1.0' ? v1Order(o) : v2Order(o)), ...overrides };
    for (const k of Object.keys(d)) if (d[k] === undefined) delete d[k];
    const fields = { result_code: '200', result_message: '成功', data: json(d) };
    fields.sign = fubeiSign(fields, o.notifySecret);
    return fields;
  }

  async function deliver(o, target, fields, attempt) {
    const body = new URLSearchParams(fields).toString();
    const entry = {
      merchant_order_sn: o.merchant_order_sn, order_sn: o.order_sn, url: target, body, fields: { ...fields },
      attempt, at: Date.now(), status: null, reply: null,
    };
    notifications.push(entry);
    const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(cfg.notifyTimeoutMs)]);
    return postNotification(entry, target, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body, signal);
  }

  const acknowledged = (entry) => entry.reply?.trim().toLowerCase() === 'success';

  /** When an order with a notify URL becomes SUCCESS: POST in the background, retrying a bounded number of times. */
  function notify(o) {
    if (!o.notify_url) return;
    const fields = notificationFields(o); // every retry sends the same bytes
    const copies = hooks.duplicateNotify?.() ? 2 : 1; // chaos: the whole delivery a second time
    const { signal } = stopping;
    const run = (async () => {
      for (let copy = 1; copy <= copies && !signal.aborted; copy++) {
        for (let attempt = 0; !signal.aborted; attempt++) {
          const entry = await deliver(o, o.notify_url, fields, attempt + 1);
          if (copy > 1) entry.duplicate = true;
          if (acknowledged(entry) || attempt >= cfg.notifyRetryDelays.length) break;
          await sleep(cfg.notifyRetryDelays[attempt], undefined, { signal });
        }
      }
    })().catch(() => {}); // aborted by close/reset
    inflight.add(run);
    run.finally(() => inflight.delete(run));
  }

  // ---- controller (JS API) and control routes ----

  function lookup(id) {
    const o = byMerchantSn.get(id) ?? orders.get(id);
    if (!o) throw new ControlError(404, `no order ${id}`);
    return o;
  }

  function ledger(o) {
    return structuredClone({
      order_sn: o.order_sn, merchant_order_sn: o.merchant_order_sn, api: o.api, method: o.method, state: o.state,
      pay_type: o.payType ?? null, total: o.total, fee: o.fee, refunded: o.refunded,
      net: o.paid ? o.received - o.refunded : 0, paid: o.paid, discount: o.discount ?? 0,
      refunds: [...o.refunds.values()].map((r) => ({
        merchant_refund_sn: r.merchant_refund_sn, refund_sn: r.refund_sn, amount: r.amount,
        status: refundDone(r) ? 'REFUND_SUCCESS' : 'REFUND_PROCESSING',
      })),
      events: o.events,
    });
  }

  /** The order as its own API generation's query would answer it, as a plain object (amounts as numbers). */
  const orderData = (o) => JSON.parse(json(o.api === '1.0' ? v1Order(o) : v2Order(o)));

  const controller = {
    get credentials() {
      return {
        appId: cfg.appId, appSecret: cfg.appSecret, vendorSn: cfg.vendorSn, vendorSecret: cfg.vendorSecret,
        merchantId: cfg.merchantId, storeId: cfg.storeId, minaAppId: cfg.minaAppId,
      };
    },
    /**
     * The buyer pays a USERPAYING order (scanned the QR / confirmed in the wallet). payType picks the wallet (a
     * wallet order's is fixed); `discount` (fen) is a merchant discount taken off the order.
     */
    buyerPays(id, payType, { discount = 0 } = {}) {
      const o = lookup(id);
      if (o.state !== 'USERPAYING') throw new ControlError(409, `order ${id} is ${o.state}, not USERPAYING`);
      if (payType !== undefined && !TYPE_OF[payType]) throw new ControlError(400, 'pay_type must be wxpay, alipay or unionpay');
      if (o.buyer !== undefined && payType !== undefined && payType !== o.payType) {
        throw new ControlError(409, `order ${id} is a ${o.payType} wallet order`);
      }
      if (!Number.isInteger(discount) || discount < 0 || discount >= o.total) {
        throw new ControlError(400, 'discount must be an integer number of fen, 0 ≤ discount < the order total');
      }
      markPaid(o, payType, discount);
      return orderData(o);
    },
    /** Ledger entry by merchant_order_sn (or order_sn), or undefined. Amounts in fen. */
    order(id) {
      const o = byMerchantSn.get(id) ?? orders.get(id);
      return o && ledger(o);
    },
    orders: () => [...orders.values()].map(ledger),
    /** Uniform money truth for a reliability checker (see index.mjs): one entry per order. */
    ledger: () => [...orders.values()].map((o) => ({
      provider: 'fubei', merchantOrderNo: o.merchant_order_sn, providerOrderNo: o.order_sn, paid: o.paid, state: o.state,
      total: o.total, held: o.paid ? o.received - o.refunded : 0,
    })),
    /**
     * Sends the order's signed notification once, now; resolves to { status, body, error? } of the reply.
     * `fields` replaces data fields before signing (undefined removes one): e.g. { merchant_id: 1688002 }
     * is another merchant's notice, genuinely signed with the vendor secret every merchant shares.
     */
    async sendNotification(id, target, { fields } = {}) {
      const o = lookup(id);
      const to = target ?? o.notify_url;
      if (!to) throw new ControlError(409, `order ${id} has no notify URL and no url was given`);
      const entry = await deliver(o, to, notificationFields(o, fields), 1);
      return { status: entry.status, body: entry.reply, ...(entry.error && { error: entry.error }) };
    },
    /**
     * Sends a 2.0 refund's signed "退款回调" once, now, to `target`: data as zhangming1994/fubei (Go)
     * callback.RefundCallBackData — handler, buyer_refund_amount, refund_fee, refund_amount, finish_time, order_sn,
     * merchant_order_sn, refund_sn, merchant_refund_sn, refund_status, device_no; no merchant_id. Fubei posts it to
     * the refund_callback_url configured with fbpay.pay.callback.config. 1.0 documents no refund notification.
     */
    async sendRefundNotification(merchantRefundSn, target) {
      const r = refunds.get(merchantRefundSn);
      if (!r) throw new ControlError(404, `no refund ${merchantRefundSn}`);
      if (r.order.api !== '2.0') throw new ControlError(409, 'Fubei 1.0 documents no refund notification');
      if (!target) throw new ControlError(400, 'url is required');
      const d = {
        handler: r.handler ?? 0, buyer_refund_amount: new Yuan(r.amount), refund_fee: new Yuan(0),
        refund_amount: new Yuan(r.amount), finish_time: stamp(r.at), order_sn: r.order.order_sn,
        merchant_order_sn: r.order.merchant_order_sn, refund_sn: r.refund_sn, merchant_refund_sn: r.merchant_refund_sn,
        refund_status: refundDone(r) ? 'REFUND_SUCCESS' : 'REFUND_PROCESSING', device_no: r.order.device_no,
      };
      for (const k of Object.keys(d)) if (d[k] === undefined) delete d[k];
      const fields = { result_code: '200', result_message: '成功', data: json(d) };
      fields.sign = fubeiSign(fields, r.order.notifySecret);
      const entry = await deliver(r.order, target, fields, 1);
      return { status: entry.status, body: entry.reply, ...(entry.error && { error: entry.error }) };
    },
    get notifications() {
      return notifications.map((n) => ({ ...n, fields: { ...n.fields } }));
    },
    /** Resolves when no notification delivery or retry is pending. */
    async flushNotifications() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
  };

  const id = (b) => {
    const v = b.merchant_order_sn ?? b.order_sn;
    if (typeof v !== 'string' || !v) throw new ControlError(400, 'merchant_order_sn or order_sn (a string) is required');
    return v;
  };
  const control = (req) => controlRoutes(req, controller, {
    idOf: id,
    // buyer-pays may pick the wallet (pay_type, or the 1.0 `type` number) and a discount in fen.
    extra: async (method, subpath, body) => {
      if (method === 'POST' && subpath === 'refund-notify') {
        const b = body();
        return { json: await controller.sendRefundNotification(b.merchant_refund_sn, b.url) };
      }
      if (method !== 'POST' || subpath !== 'buyer-pays') return undefined;
      const b = body();
      let payType = b.pay_type;
      if (payType === undefined && b.type !== undefined) payType = PAY_TYPE_OF[b.type] ?? '';
      return { json: controller.buyerPays(id(b), payType, { discount: b.discount }) };
    },
  });

  /** The `method` field of a request, for method-filtered faults (both gateways share one path each). */
  function methodOf(req) {
    try {
      const env = JSON.parse(req.body.toString('utf8'));
      return typeof env?.method === 'string' ? env.method : undefined;
    } catch {
      return undefined;
    }
  }

  // ---- the core's adversarial faults and conformance description (the interface in registry.mjs) ----

  const OPS = {
    'openapi.payment.order.swipe': 'pay', 'fbpay.order.pay': 'pay',
    'openapi.payment.order.scan': 'precreate', 'fbpay.order.precreate': 'precreate',
    'openapi.payment.order.h5pay': 'precreate', 'openapi.payment.order.mina': 'precreate',
    'openapi.payment.Alipay.H5': 'precreate', 'fbpay.order.create': 'precreate',
    'openapi.payment.order.query': 'query', 'fbpay.order.query': 'query',
    'openapi.payment.order.refund': 'refund', 'fbpay.order.refund': 'refund',
    'openapi.payment.order.refund.query': 'refundQuery', 'fbpay.order.refund.query': 'refundQuery',
    'openapi.payment.order.close': 'close', 'fbpay.order.close': 'close',
    'openapi.payment.order.reverse': 'reverse', 'fbpay.order.cancel': 'reverse',
  };
  /** Another merchant of the same service provider: the vendor secret signs its notices too. */
  const OTHER_MERCHANT_ID = 1688666;
  const REVERSED = ['REVOKED', 'CLOSED'];

  const adversary = {
    operation(req) {
      const env = jsonOf(req.body.toString('utf8')) ?? {};
      const biz = jsonOf(env.biz_content ?? '') ?? {};
      // 1.0 and app-level notices are signed with the merchant's own app secret (another merchant's would not
      // verify); a service provider's vendor secret signs the notices of all its merchants.
      return { op: OPS[env.method] ?? null, notifyUrl: biz.call_back_url || biz.notify_url || undefined, forgeable: Boolean(env.vendor_sn) };
    },
    /**
     * Only "refused, yet the order in the same answer is paid (or paying)": result_code 200 means the call worked,
     * so 200 with a CLOSED order is no contradiction. The data text is kept byte for byte.
     */
    contradictPay(frozen) {
      const m = /^\{"result_code":200,"result_message":"[^"]*","data":(\{[\s\S]*\})\}$/.exec(frozen.raw.body);
      const data = m && jsonOf(m[1]);
      const state = data?.trade_state ?? data?.order_status;
      if (state !== 'SUCCESS' && state !== 'USERPAYING') return null;
      const text = `{"result_code":400,"result_message":"支付失败: 用户余额不足","sub_code":"NOTENOUGH","data":${m[1]}}`;
      return { ...frozen, raw: { type: JSON_TYPE, body: text } };
    },
    contradictUnprocessed(req, info) {
      const o = info.orderNo === undefined ? undefined : controller.order(info.orderNo);
      if (!o || REVERSED.includes(o.state)) return null;
      const data = req.pathname === GATEWAY_V2
        ? { merchant_id: cfg.merchantId, merchant_order_sn: o.merchant_order_sn, order_status: o.state }
        : { merchant_order_sn: o.merchant_order_sn, order_sn: o.order_sn, trade_state: o.state };
      return freeze({ json: { result_code: 200, result_message: '成功', data } });
    },
    forgeNotice(info) {
      const now = Date.now();
      const at = stamp(now);
      const data = `{"order_sn":"${at}${digits(6)}","merchant_order_sn":${JSON.stringify(info.orderNo)},"ins_order_sn":"${at}${digits(14)}",`
        + `"channel_order_sn":"4200${digits(24)}","merchant_id":${OTHER_MERCHANT_ID},"order_status":"SUCCESS","pay_type":"wxpay",`
        + `"total_amount":${FORGED_AMOUNT / 100},"net_amount":${FORGED_AMOUNT / 100},"buyer_pay_amount":${FORGED_AMOUNT / 100},"fee":0,"store_id":1,"user_id":"fraud",`
        + `"finish_time":"${finishTime(now)}"}`;
      const fields = { result_code: '200', result_message: '成功', data };
      fields.sign = fubeiSign(fields, cfg.vendorSecret);
      return {
        url: info.notifyUrl, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(fields).toString(),
      };
    },
  };

  /** GET /__emulator/conformance: how a client of this gateway is configured and driven against the emulator. */
  const conformance = () => ({
    basePath: '/fubei',
    credentials: { appId: cfg.appId, appSecret: cfg.appSecret },
    // The 2.0 API as a service provider (vendor secret) sees it: a second client of the same merchant.
    variants: [{ apiVersion: '2.0', credentials: { vendorSn: cfg.vendorSn, vendorSecret: cfg.vendorSecret, merchantId: cfg.merchantId } }],
    secrets: [cfg.appSecret, cfg.vendorSecret],
    pay: {},
    precreate: { channel: 'ALIPAY' },
    query: {},
    refund: {},
    barcodes: { success: '130000000000000001', paying: '910000000000000001', stuck: '930000000000000001', declined: '920000000000000001' },
    queryFault: { path: GATEWAY_V1, method: 'openapi.payment.order.query' }, // where a queued fault hits this client's query (POST /__emulator/faults)
    orderKey: 'merchant_order_sn',
    notification: { signed: true, headers: [] },
  });

  return {
    name: 'fubei',
    adversary,
    conformance,
    handles: (method, pathname) => method === 'POST' && (pathname === GATEWAY_V1 || pathname === GATEWAY_V2),
    handle: async (req) => handleApi(req),
    faultMethod: methodOf,
    /** Barcode pays (the chaos `stuck` fault applies only to them). */
    isBarcodePay: (req) => ['openapi.payment.order.swipe', 'fbpay.order.pay'].includes(methodOf(req)),
    orderNo(req) {
      const biz = JSON.parse(JSON.parse(req.body.toString('utf8')).biz_content);
      const id = biz?.merchant_order_sn || orders.get(biz?.order_sn)?.merchant_order_sn
        || byInsSn.get(biz?.trade_no ?? biz?.ins_order_sn)?.merchant_order_sn
        || refunds.get(biz?.merchant_refund_sn)?.order.merchant_order_sn;
      return typeof id === 'string' ? id : undefined;
    },
    control,
    maintenance: () => ({
      jsonText: json({ result_code: 500, result_message: '系统繁忙,请稍后再试', sub_code: SUB.SYSTEM }),
    }),
    reset() {
      stopping.abort();
      stopping = new AbortController();
      orders = new Map();
      byMerchantSn = new Map();
      byInsSn = new Map();
      refunds = new Map();
      byRefundSn = new Map();
      notifications = [];
    },
    close() {
      stopping.abort();
    },
    controller,
  };
}
