// Tingyihui (停宜慧, os.hfcsbc.com) open platform "os-base" payment emulator, mounted under /tingyihui.
// Wire format: /work/shared/protocols/tingyihui.md and seed 002 (trade query). Business field names come from the
// platform's Java SDK tyhOS/parking-upload-sdk (cited at each handler as [SDK] <class>):
//   service/TyhPaymentService (paths: TRADE_PATH = /os-base/trade/v2/open, …), service/TyhRestConnection (signing,
//   response parsing), client/command/trade/* (requests), client/dto/trade/* (responses), constants/Code (codes),
//   constants/PayConstant (TradeStatus, RefundStatus, PayChannel, PayProduct).
// Envelope {"access_id","data":base64(JSON),"sign","sign_type":"RSA2","time_stamp":<ms>}; sign is SHA256withRSA
// (Base64) over access_id + data + sign_type + time_stamp. Answers are {"code":8888,"msg","data","error":null},
// unsigned. The merchant key pair is generated at start.
// Callbacks: [SDK] client/model/TyhRequest — the same envelope, `data` the Base64 JSON of the trade
// (TradeQueryResultDto, "查询、回调单笔交易结果") or refund (TradeRefundResultDto), which TyhRequest.decode reads.
// The SDK publishes no platform key (TyhRequest.isSign: "暂时未实现"), so what `sign` covers is this emulator's
// assumption (the request scheme, with a platform key of its own that no merchant is given).
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControlError, controlRoutes, postNotification } from './control.mjs';
import { FORGED_AMOUNT, freeze, jsonOf } from './adversary.mjs';

export const PREFIX = '/tingyihui';

const DEFAULTS = {
  accessId: '17000000000000001',
  osMerchantCode: '2260000000000001',
  osStoreCode: '3260000000000001',
  merchantPrivateKeyPem: undefined, // a fixed merchant key (PEM or bare Base64 PKCS#8) instead of a fresh one
  refundPendingQueries: 0, // > 0: refunds stay WAIT (trade REFUNDING) for this many refund queries, then SUCCESS
  timestampToleranceMs: 300_000, // time_stamp vs. the emulator clock
  now: undefined, // emulator clock: a number (fixed ms) or a function returning ms; default Date.now
  notifyRetryDelays: [200, 500, 1000],
  notifyTimeoutMs: 3000,
};

/** Response codes, from [SDK] constants/Code. */
export const CODES = {
  SUCCESS: [8888, '处理成功'],
  FAILURE: [0, '处理失败'], // Code.FAILURE(0000): business rule refused (refund exceeds, wrong state, …)
  NULL: [1000, '参数为空'],
  TYPE: [1002, '参数类型错误'],
  EXPIRED: [1006, '请求已过期'], // time_stamp outside the tolerance window
  INVALID: [1007, '参数异常'],
  ACCESS: [1012, '该access_id无请求权限'],
  SIGN: [1013, '签名计算错误'],
  CONFLICT: [4000, '资源已存在'], // duplicate ownerTradeNo
  REPEAT: [4002, '重复提交'], // ownerRefundNo reused for a different refund
  NOT_FOUND: [4004, '资源不存在'],
  SERVER: [5000, '服务器内部错误'],
};

const PAY_CHANNELS = ['ALI_PAY', 'WX_PAY', 'CCB', 'CMB', 'ICBC'];
const PAY_PRODUCTS = ['APP', 'MINI_APP', 'M_WEB', 'PC_WEB', 'USER_QR', 'MCH_QR', 'FACE', 'H5', 'CREDIT'];

// ---- signing helpers (exported for demos; the tests use their own) ----

/** The string to sign: the four values concatenated, time_stamp as decimal digits. */
export const stringToSign = ({ access_id, data, sign_type, time_stamp }) => `${access_id}${data}${sign_type}${time_stamp}`;

/** data = standard padded Base64 of the UTF-8 JSON of the business object. */
export const encodeData = (business) => Buffer.from(JSON.stringify(business), 'utf8').toString('base64');

/** A merchant private key from PEM or bare Base64 PKCS#8 DER. */
export function privateKeyFrom(text) {
  const s = String(text).trim();
  if (s.startsWith('-----')) return crypto.createPrivateKey(s);
  return crypto.createPrivateKey({ key: Buffer.from(s, 'base64'), format: 'der', type: 'pkcs8' });
}

class TyhError extends Error {
  constructor([code, msg], detail) {
    super(detail ? `${msg}: ${detail}` : msg);
    this.code = code;
  }
}


const digits = (n) => Array.from({ length: n }, () => crypto.randomInt(10)).join('');

// ---- business field readers ----

function optionalString(b, field, max = 256) {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new TyhError(CODES.TYPE, `${field}必须是字符串`);
  if (v === '') return undefined;
  if ([...v].length > max) throw new TyhError(CODES.INVALID, `${field}长度不能超过${max}`);
  return v;
}

function requiredString(b, field, max) {
  const v = optionalString(b, field, max);
  if (v === undefined) throw new TyhError(CODES.NULL, field);
  return v;
}

function fen(b, field, { required = true, max = 1_000_000_000 } = {}) {
  const v = b[field];
  if (v === undefined || v === null) {
    if (required) throw new TyhError(CODES.NULL, field);
    return undefined;
  }
  if (!Number.isInteger(v)) throw new TyhError(CODES.TYPE, `${field}必须是整数(单位分)`);
  if (v < 1 || v > max) throw new TyhError(CODES.INVALID, `${field}范围1~${max}`);
  return v;
}

export async function createTingyihui(options = {}, hooks = {}) {
  const cfg = { ...DEFAULTS, ...options };
  const privateKey = cfg.merchantPrivateKeyPem
    ? privateKeyFrom(cfg.merchantPrivateKeyPem)
    : (await promisify(crypto.generateKeyPair)('rsa', { modulusLength: 2048 })).privateKey;
  const publicKey = crypto.createPublicKey(privateKey);
  // Signs callbacks; never handed to the merchant (no public material gives one).
  const platformKey = (await promisify(crypto.generateKeyPair)('rsa', { modulusLength: 2048 })).privateKey;
  const merchant = {
    accessId: cfg.accessId,
    privateKeyBase64: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }),
    osMerchantCode: cfg.osMerchantCode,
    osStoreCode: cfg.osStoreCode,
  };
  const accessKeys = new Map([[cfg.accessId, publicKey]]); // survives reset()

  const clockFrom = (v) => (typeof v === 'function' ? v : typeof v === 'number' ? () => v : () => Date.now());
  let clock = clockFrom(cfg.now);
  const now = () => clock();

  let trades = new Map(); // osTradeNo → trade
  let byOwnerTradeNo = new Map();
  let byTpTradeNo = new Map();
  let refunds = new Map(); // osRefundNo → refund
  let byOwnerRefundNo = new Map();
  let notifications = [];
  let stopping = new AbortController();
  const inflight = new Set();

  // ---- trades ----

  const event = (t, type, extra = {}) => t.events.push({ type, ...extra, at: now() });

  function tradeStatus(t) {
    if (t.status !== 'SUCCESS') return t.status; // WAIT, FAILURE, CLOSED
    if ([...t.refunds].some((r) => r.refundStatus === 'WAIT')) return 'REFUNDING';
    if (t.refundFee === 0) return 'SUCCESS';
    return t.refundFee >= t.paymentFee ? 'SUCCESS_FULL_REFUND' : 'SUCCESS_PART_REFUND';
  }

  /** A WAIT trade past its timeExpire is CLOSED. */
  function expire(t) {
    if (t.status === 'WAIT' && t.timeExpire && now() > t.timeExpire) {
      t.status = 'CLOSED';
      event(t, 'expired');
    }
  }

  /** Query / callback view: [SDK] TradeQueryResultDto and seed 002 (absent values are null). */
  function view(t) {
    return {
      ownerTradeNo: t.ownerTradeNo ?? null, tpTradeNo: t.tpTradeNo ?? null, osTradeNo: t.osTradeNo,
      tradeStatus: tradeStatus(t), orderFee: t.orderFee, paymentFee: t.status === 'SUCCESS' ? t.paymentFee : 0,
      tpDiscountFee: t.status === 'SUCCESS' ? t.tpDiscountFee ?? 0 : 0, remark: t.remark ?? null, osMerchantCode: cfg.osMerchantCode, osStoreCode: t.osStoreCode ?? null,
      createdTime: t.createdTime, payTime: t.payTime ?? null, payChannel: t.payChannel, payProduct: t.payProduct,
      title: t.title, callbackUrl: t.notifyUrl ?? null, refundFee: t.refundFee, payBusiness: t.payBusiness ?? null,
      ownerBusinessNo: t.ownerBusinessNo ?? null, ownerPayTerminal: t.ownerPayTerminal ?? null,
      ownerAppBuyerId: t.ownerAppBuyerId ?? null, buyerLoginId: t.buyerLoginId ?? null, tpMerchantId: null,
      tempId: t.tempId,
    };
  }

  /** Refund view: [SDK] TradeRefundResultDto. */
  function refundView(r) {
    const t = r.trade;
    return {
      refundStatus: r.refundStatus, osTradeNo: t.osTradeNo, tpTradeNo: t.tpTradeNo ?? null, osRefundNo: r.osRefundNo,
      tpRefundNo: r.refundStatus === 'SUCCESS' ? r.tpRefundNo : null, ownerRefundNo: r.ownerRefundNo ?? null,
      refundFee: r.refundFee, realRefundFee: r.refundStatus === 'SUCCESS' ? r.refundFee : 0, tpDiscountRefundFee: 0,
      createdTime: r.createdTime, refundTime: r.refundTime ?? null, orderFee: t.orderFee, paymentFee: t.paymentFee,
      refundReason: r.refundReason ?? null, ownerBusinessNo: r.ownerBusinessNo ?? t.ownerBusinessNo ?? null,
      ownerPayTerminal: r.ownerPayTerminal ?? t.ownerPayTerminal ?? null,
    };
  }

  function ledger(t) {
    return structuredClone({
      osTradeNo: t.osTradeNo, ownerTradeNo: t.ownerTradeNo ?? null, tradeStatus: tradeStatus(t), orderFee: t.orderFee,
      refundFee: t.refundFee, net: t.status === 'SUCCESS' ? t.paymentFee - t.refundFee : 0,
      paid: t.status === 'SUCCESS' && t.refundFee < t.paymentFee,
      refunds: [...t.refunds].map((r) => ({ osRefundNo: r.osRefundNo, ownerRefundNo: r.ownerRefundNo ?? null, refundFee: r.refundFee, refundStatus: r.refundStatus })),
      events: t.events,
    });
  }

  const alipayTradeNo = () => `${new Date(now()).toISOString().slice(0, 10).replace(/-/g, '')}22001${digits(15)}`;

  // A discount from the wallet's side (tpDiscountFee): TradeNotifyDto "orderFee = paymentFee + tpDiscountFee + osDiscountFee".
  function markPaid(t, discount = 0) {
    Object.assign(t, {
      status: 'SUCCESS', payTime: now(), paymentFee: t.orderFee - discount, tpDiscountFee: discount,
      tpTradeNo: t.tpTradeNo ?? (t.payChannel === 'ALI_PAY' ? alipayTradeNo() : `4200${digits(24)}`),
      buyerLoginId: t.payChannel === 'ALI_PAY' ? `1${digits(2)}****${digits(4)}` : null,
    });
    byTpTradeNo.set(t.tpTradeNo, t);
    event(t, 'paid', { amount: t.orderFee });
    callback(t, t.notifyUrl, () => view(t), 'trade');
  }

  function settleRefund(r) {
    Object.assign(r, { refundStatus: 'SUCCESS', refundTime: now(), tpRefundNo: r.trade.tpTradeNo, pendingQueries: null });
    r.trade.refundFee += r.refundFee;
    event(r.trade, 'refunded', { amount: r.refundFee, osRefundNo: r.osRefundNo });
    callback(r.trade, r.callbackUrl, () => refundView(r), 'refund');
  }

  function findTrade(b) {
    const osTradeNo = optionalString(b, 'osTradeNo', 64);
    const ownerTradeNo = optionalString(b, 'ownerTradeNo', 64);
    const tpTradeNo = optionalString(b, 'tpTradeNo', 64);
    if (!osTradeNo && !ownerTradeNo && !tpTradeNo) throw new TyhError(CODES.NULL, 'ownerTradeNo/osTradeNo/tpTradeNo不能同时为空');
    const t = (osTradeNo && trades.get(osTradeNo)) || (ownerTradeNo && byOwnerTradeNo.get(ownerTradeNo))
      || (tpTradeNo && byTpTradeNo.get(tpTradeNo));
    if (!t) throw new TyhError(CODES.NOT_FOUND, '交易订单不存在');
    expire(t);
    return t;
  }

  // ---- operations: business object → data ----

  // create trade — [SDK] TradeCmd (the TRADE_PATH /os-base/trade/v2/open generation): osMerchantCode (M), osStoreCode,
  // ownerTradeNo, payChannel (M), payProduct (M), payBusiness, title (M, ≤256), remark, orderFee (M, 1..1e9 fen),
  // notifyUrl, timeExpire (epoch ms), quitUrl, ownerBusinessNo, ownerPayTerminal, ownerAppId, ownerAppBuyerId
  // (mini-program: required), superTePartnerCode. Answer: [SDK] TradePayDto osTradeNo, ownerTradeNo, orderFee,
  // timestamp, sign (the pay URL for QR products, wallet parameters otherwise), tempId.
  function createTrade(b) {
    const osMerchantCode = requiredString(b, 'osMerchantCode', 64);
    if (osMerchantCode !== cfg.osMerchantCode) throw new TyhError(CODES.NOT_FOUND, '商户不存在');
    const osStoreCode = optionalString(b, 'osStoreCode', 64);
    if (osStoreCode !== undefined && osStoreCode !== cfg.osStoreCode) throw new TyhError(CODES.NOT_FOUND, '门店不存在');
    const payChannel = requiredString(b, 'payChannel', 16);
    if (!PAY_CHANNELS.includes(payChannel)) throw new TyhError(CODES.INVALID, `payChannel不支持: ${payChannel}`);
    const payProduct = requiredString(b, 'payProduct', 16);
    if (!PAY_PRODUCTS.includes(payProduct)) throw new TyhError(CODES.INVALID, `payProduct不支持: ${payProduct}`);
    const t = {
      ownerTradeNo: optionalString(b, 'ownerTradeNo', 64), payChannel, payProduct, osStoreCode,
      payBusiness: optionalString(b, 'payBusiness', 64), title: requiredString(b, 'title', 256),
      remark: optionalString(b, 'remark', 256), orderFee: fen(b, 'orderFee'), notifyUrl: optionalString(b, 'notifyUrl', 512),
      quitUrl: optionalString(b, 'quitUrl', 512), ownerBusinessNo: optionalString(b, 'ownerBusinessNo', 64),
      ownerPayTerminal: optionalString(b, 'ownerPayTerminal', 64), ownerAppId: optionalString(b, 'ownerAppId', 64),
      ownerAppBuyerId: optionalString(b, 'ownerAppBuyerId', 128),
    };
    if (t.notifyUrl !== undefined && !/^https?:\/\/[^\s?]+$/.test(t.notifyUrl)) {
      throw new TyhError(CODES.INVALID, 'notifyUrl必须是可直接访问的http(s)地址,不能带查询串');
    }
    if (b.timeExpire !== undefined && b.timeExpire !== null) {
      if (!Number.isInteger(b.timeExpire)) throw new TyhError(CODES.TYPE, 'timeExpire必须是毫秒时间戳');
      if (b.timeExpire <= now()) throw new TyhError(CODES.INVALID, 'timeExpire已过期');
      t.timeExpire = b.timeExpire;
    }
    // [SDK] TradeCmd.ownerAppBuyerId "支付宝或微信应用的买家id，小程序必传"; TradeCmd.quitUrl "支付宝手机网页支付必传".
    if (payProduct === 'MINI_APP' && !t.ownerAppBuyerId) throw new TyhError(CODES.NULL, 'ownerAppBuyerId(小程序必传)');
    if (payProduct === 'M_WEB' && payChannel === 'ALI_PAY' && !t.quitUrl) throw new TyhError(CODES.NULL, 'quitUrl(支付宝手机网页支付必传)');
    if (t.quitUrl !== undefined && !/^https?:\/\/\S+$/.test(t.quitUrl)) throw new TyhError(CODES.INVALID, 'quitUrl必须是http(s)地址');
    if (t.ownerTradeNo && byOwnerTradeNo.has(t.ownerTradeNo)) throw new TyhError(CODES.CONFLICT, 'ownerTradeNo重复');
    let osTradeNo;
    do osTradeNo = `trade_${digits(17)}`; while (trades.has(osTradeNo));
    Object.assign(t, {
      osTradeNo, status: 'WAIT', createdTime: now(), paymentFee: 0, refundFee: 0, refunds: new Set(), events: [],
      tempId: Number(digits(15)),
    });
    trades.set(osTradeNo, t);
    if (t.ownerTradeNo) byOwnerTradeNo.set(t.ownerTradeNo, t);
    event(t, 'created', { amount: t.orderFee });
    return {
      osTradeNo, ownerTradeNo: t.ownerTradeNo ?? null, orderFee: t.orderFee, timestamp: t.createdTime,
      sign: paySign(t), tempId: t.tempId,
    };
  }

  // [SDK] TradePayDto.sign "调起支付的签名信息（扫码支付时直接返回url链接）": a URL for the QR and web products; for a
  // mini-program, what the wallet's pay call takes — WeChat's wx.requestPayment parameters as a JSON object under
  // WeChat's own names (signed RSA with a key of the emulator's, as WeChat Pay v3 does), Alipay's trade number
  // for my.tradePay (the emulator's reading: the SDK types sign as a String only).
  function paySign(t) {
    const alipay = t.payChannel === 'ALI_PAY';
    if (t.payProduct === 'USER_QR' || t.payProduct === 'MCH_QR' || t.payProduct === 'FACE' || t.payProduct === 'CREDIT') {
      return `${alipay ? 'https://qr.alipay.com' : 'https://os.hfcsbc.com/emu/pay'}/${t.osTradeNo}`;
    }
    if (t.payProduct === 'M_WEB' || t.payProduct === 'H5' || t.payProduct === 'PC_WEB') {
      return alipay
        ? `https://openapi.alipay.com/gateway.do?method=alipay.trade.wap.pay&out_trade_no=${t.osTradeNo}&return_url=${encodeURIComponent(t.quitUrl ?? '')}`
        : `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx${digits(26)}&package=${digits(10)}`;
    }
    if (alipay) {
      t.tpTradeNo = alipayTradeNo(); // alipay.trade.create's trade_no: the trade the wallet pays
      byTpTradeNo.set(t.tpTradeNo, t);
      return t.tpTradeNo;
    }
    const appId = t.ownerAppId ?? 'wx8888888888888888';
    const timeStamp = String(Math.floor(now() / 1000));
    const nonceStr = crypto.randomBytes(16).toString('hex');
    const pkg = `prepay_id=wx${digits(26)}`;
    const paySign = crypto.sign('sha256', Buffer.from(`${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`), platformKey).toString('base64');
    return JSON.stringify({ appId, timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign });
  }

  // close — [SDK] TradeCloseCmd: ownerTradeNo or osTradeNo, superTePartnerCode. Answer data: null
  // (TyhPaymentClient.closeTrade returns Results<String>). Only a WAIT trade closes; closing a CLOSED one again is fine.
  function closeTrade(b) {
    const t = findTrade(b);
    if (t.status === 'CLOSED') return null;
    if (t.status !== 'WAIT') throw new TyhError(CODES.FAILURE, `交易状态${tradeStatus(t)}不能关闭`);
    t.status = 'CLOSED';
    event(t, 'closed');
    return null;
  }

  // query — [SDK] TradeQuery / seed 002: ownerTradeNo, osTradeNo, tpTradeNo (one at least), ownerBusinessNo,
  // superTePartnerCode. Answer: [SDK] TradeQueryResultDto (see view()).
  function queryTrade(b) {
    return view(findTrade(b));
  }

  // refund — [SDK] TradeRefundCmd: ownerTradeNo / osTradeNo / tpTradeNo (one at least), ownerRefundNo (checked for
  // repeats), refundFee (M, fen), refundReason, callbackUrl, ownerBusinessNo, ownerPayTerminal, superTePartnerCode.
  // Answer: [SDK] TradeRefundDto { osRefundNo }.
  function refundTrade(b) {
    const refundFee = fen(b, 'refundFee');
    const ownerRefundNo = optionalString(b, 'ownerRefundNo', 64);
    const callbackUrl = optionalString(b, 'callbackUrl', 512);
    if (callbackUrl !== undefined && !/^https?:\/\/\S+$/.test(callbackUrl)) throw new TyhError(CODES.INVALID, 'callbackUrl必须是http(s)地址');
    const t = findTrade(b);
    if (ownerRefundNo && byOwnerRefundNo.has(ownerRefundNo)) {
      const previous = byOwnerRefundNo.get(ownerRefundNo);
      if (previous.trade === t && previous.refundFee === refundFee) return { osRefundNo: previous.osRefundNo };
      throw new TyhError(CODES.REPEAT, 'ownerRefundNo重复');
    }
    if (t.status !== 'SUCCESS') throw new TyhError(CODES.FAILURE, `交易状态${tradeStatus(t)}不能退款`);
    const reserved = [...t.refunds].filter((r) => r.refundStatus === 'WAIT').reduce((s, r) => s + r.refundFee, 0);
    if (refundFee > t.paymentFee - t.refundFee - reserved) throw new TyhError(CODES.FAILURE, '退款金额超过可退金额');
    let osRefundNo;
    do osRefundNo = `refund_${digits(17)}`; while (refunds.has(osRefundNo));
    const r = {
      osRefundNo, ownerRefundNo, refundFee, trade: t, refundStatus: 'WAIT', createdTime: now(), callbackUrl,
      refundReason: optionalString(b, 'refundReason', 256), ownerBusinessNo: optionalString(b, 'ownerBusinessNo', 64),
      ownerPayTerminal: optionalString(b, 'ownerPayTerminal', 64), pendingQueries: null,
    };
    refunds.set(osRefundNo, r);
    if (ownerRefundNo) byOwnerRefundNo.set(ownerRefundNo, r);
    t.refunds.add(r);
    event(t, 'refund_requested', { amount: refundFee, osRefundNo });
    if (cfg.refundPendingQueries > 0) r.pendingQueries = cfg.refundPendingQueries;
    else settleRefund(r);
    return { osRefundNo };
  }

  // refund query — [SDK] TradeRefundQuery: osRefundNo (@NotEmpty), ownerRefundNo, superTePartnerCode (one of the
  // two numbers is accepted here). Answer: [SDK] TradeRefundResultDto (see refundView()).
  function queryRefund(b) {
    const osRefundNo = optionalString(b, 'osRefundNo', 64);
    const ownerRefundNo = optionalString(b, 'ownerRefundNo', 64);
    if (!osRefundNo && !ownerRefundNo) throw new TyhError(CODES.NULL, 'osRefundNo');
    const r = (osRefundNo && refunds.get(osRefundNo)) || (ownerRefundNo && byOwnerRefundNo.get(ownerRefundNo));
    if (!r) throw new TyhError(CODES.NOT_FOUND, '退款单不存在');
    if (r.refundStatus === 'WAIT' && r.pendingQueries !== null) {
      if (r.pendingQueries > 0) r.pendingQueries -= 1;
      else settleRefund(r);
    }
    return refundView(r);
  }

  const HANDLERS = {
    '/os-base/trade/v2/open': createTrade,
    '/os-base/trade/close/v1/open': closeTrade,
    '/os-base/query/trade/v1/open': queryTrade,
    '/os-base/refund/v1/open': refundTrade,
    '/os-base/query/refund/v1/open': queryRefund,
  };

  // ---- envelope ----

  /** Checks the envelope and its signature; returns the decoded business object. */
  function open(buffer) {
    let env;
    try {
      env = JSON.parse(buffer.toString('utf8'));
    } catch {
      throw new TyhError(CODES.INVALID, '请求体不是合法的JSON');
    }
    if (!env || typeof env !== 'object' || Array.isArray(env)) throw new TyhError(CODES.INVALID, '请求体必须是JSON对象');
    for (const k of ['access_id', 'data', 'sign', 'sign_type', 'time_stamp']) {
      if (env[k] === undefined || env[k] === null || env[k] === '') throw new TyhError(CODES.NULL, k);
    }
    for (const k of ['access_id', 'data', 'sign', 'sign_type']) {
      if (typeof env[k] !== 'string') throw new TyhError(CODES.TYPE, `${k}必须是字符串`);
    }
    if (!Number.isSafeInteger(env.time_stamp) || env.time_stamp <= 0) throw new TyhError(CODES.TYPE, 'time_stamp必须是毫秒时间戳(数字)');
    if (env.sign_type !== 'RSA2') throw new TyhError(CODES.INVALID, 'sign_type固定传RSA2');
    const key = accessKeys.get(env.access_id);
    if (!key) throw new TyhError(CODES.ACCESS);
    if (Math.abs(now() - env.time_stamp) > cfg.timestampToleranceMs) throw new TyhError(CODES.EXPIRED);
    let ok = false;
    try {
      ok = crypto.verify('sha256', Buffer.from(stringToSign(env), 'utf8'), key, Buffer.from(env.sign, 'base64'));
    } catch { /* malformed */ }
    if (!ok) throw new TyhError(CODES.SIGN);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(env.data) || env.data.length % 4 !== 0) throw new TyhError(CODES.INVALID, 'data不是合法的Base64');
    let business;
    try {
      business = JSON.parse(Buffer.from(env.data, 'base64').toString('utf8'));
    } catch {
      throw new TyhError(CODES.INVALID, 'data不是Base64编码的JSON');
    }
    if (!business || typeof business !== 'object' || Array.isArray(business)) throw new TyhError(CODES.INVALID, 'data必须是JSON对象');
    return business;
  }

  const answer = ([code, msg], data = null) => ({ json: { code, msg, data, error: null } });

  function handleApi(req) {
    try {
      const business = open(req.body);
      return answer(CODES.SUCCESS, HANDLERS[req.pathname.slice(PREFIX.length)](business));
    } catch (err) {
      if (err instanceof TyhError) return { json: { code: err.code, msg: err.message, data: null, error: null } };
      console.error('tingyihui emulator:', err);
      return answer(CODES.SERVER);
    }
  }

  // ---- callbacks ([SDK] TyhRequest envelope; any 2xx answer counts as delivered: no documented ack) ----

  /** The callback body: the query (or refund) view in TyhRequest's envelope, Base64 `data`. */
  function callbackBody(view, accessId = cfg.accessId) {
    const data = encodeData(view);
    const env = { access_id: accessId, data, sign: '', sign_type: 'RSA2', time_stamp: now() };
    env.sign = crypto.sign('sha256', Buffer.from(stringToSign(env), 'utf8'), platformKey).toString('base64');
    return JSON.stringify(env);
  }

  async function deliver(t, kind, url, body, attempt) {
    const entry = { kind, osTradeNo: t.osTradeNo, ownerTradeNo: t.ownerTradeNo ?? null, url, body, attempt, at: now(), status: null, reply: null };
    notifications.push(entry);
    const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(cfg.notifyTimeoutMs)]);
    return postNotification(entry, url, { 'content-type': 'application/json' }, body, signal);
  }

  function callback(t, url, bodyOf, kind) {
    if (!url) return;
    const body = callbackBody(bodyOf());
    const copies = hooks.duplicateNotify?.() ? 2 : 1; // chaos: the whole delivery a second time
    const { signal } = stopping;
    const run = (async () => {
      for (let copy = 1; copy <= copies && !signal.aborted; copy++) {
        for (let attempt = 0; !signal.aborted; attempt++) {
          const entry = await deliver(t, kind, url, body, attempt + 1);
          if (copy > 1) entry.duplicate = true;
          if ((entry.status >= 200 && entry.status < 300) || attempt >= cfg.notifyRetryDelays.length) break;
          await sleep(cfg.notifyRetryDelays[attempt], undefined, { signal });
        }
      }
    })().catch(() => {});
    inflight.add(run);
    run.finally(() => inflight.delete(run));
  }

  // ---- controller and control routes ----

  function lookup(id) {
    const t = trades.get(id) ?? byOwnerTradeNo.get(id);
    if (!t) throw new ControlError(404, `no trade ${id}`);
    return t;
  }

  const controller = {
    merchant,
    get credentials() {
      return { ...merchant };
    },
    /** The buyer pays a WAIT trade (scanned the QR / confirmed in the wallet). Returns the query view. */
    buyerPays(id, { discount = 0 } = {}) {
      const t = lookup(id);
      expire(t);
      if (t.status !== 'WAIT') throw new ControlError(409, `trade ${id} is ${tradeStatus(t)}, not WAIT`);
      if (!Number.isSafeInteger(discount) || discount < 0 || discount >= t.orderFee) throw new ControlError(400, 'discount: 0 ≤ fen < orderFee');
      markPaid(t, discount);
      return view(t);
    },
    /** The buyer gives up / the wallet refuses: a WAIT trade becomes FAILURE. */
    buyerFails(id) {
      const t = lookup(id);
      if (t.status !== 'WAIT') throw new ControlError(409, `trade ${id} is ${tradeStatus(t)}, not WAIT`);
      t.status = 'FAILURE';
      event(t, 'pay_failed');
      return view(t);
    },
    order(id) {
      const t = trades.get(id) ?? byOwnerTradeNo.get(id);
      return t && ledger(t);
    },
    orders: () => [...trades.values()].map(ledger),
    /** Uniform money truth for a reliability checker (see index.mjs): one entry per trade. */
    ledger: () => [...trades.values()].map((t) => {
      expire(t);
      const held = t.status === 'SUCCESS' ? t.paymentFee - t.refundFee : 0;
      return {
        provider: 'tingyihui', merchantOrderNo: t.ownerTradeNo ?? null, providerOrderNo: t.osTradeNo, paid: held > 0,
        state: tradeStatus(t), total: t.orderFee, held,
      };
    }),
    /** POSTs the trade's query view once, now, to `url` or its notifyUrl; resolves to { status, body, error? }. */
    async sendNotification(id, url) {
      const t = lookup(id);
      const target = url ?? t.notifyUrl;
      if (!target) throw new ControlError(409, `trade ${id} has no notifyUrl and no url was given`);
      const entry = await deliver(t, 'trade', target, callbackBody(view(t)), 1);
      return { status: entry.status, body: entry.reply, ...(entry.error && { error: entry.error }) };
    },
    get notifications() {
      return notifications.map((n) => ({ ...n }));
    },
    async flushNotifications() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
    setNow(value) {
      clock = clockFrom(value ?? undefined);
    },
    now,
  };

  const id = (b) => {
    const v = b.osTradeNo ?? b.ownerTradeNo;
    if (typeof v !== 'string' || !v) throw new ControlError(400, 'osTradeNo or ownerTradeNo is required');
    return v;
  };
  const control = (req) => controlRoutes(req, controller, {
    noun: 'trade',
    idOf: id,
    extra: (method, subpath, body) =>
      method === 'POST' && subpath === 'buyer-fails' ? { json: controller.buyerFails(id(body())) } : undefined,
  });

  // ---- the core's adversarial faults and conformance description (the interface in registry.mjs) ----

  const OPS = {
    '/os-base/trade/v2/open': 'precreate', '/os-base/trade/close/v1/open': 'close', '/os-base/query/trade/v1/open': 'query',
    '/os-base/refund/v1/open': 'refund', '/os-base/query/refund/v1/open': 'refundQuery',
  };
  /** Another merchant on the platform. Nothing a merchant can check vouches for a callback: anyone can write one. */
  const OTHER_MERCHANT_CODE = '2260000000006666';
  const REVERSED = ['CLOSED', 'FAILURE', 'SUCCESS_FULL_REFUND'];

  const adversary = {
    operation(req) {
      const op = req.pathname.startsWith(`${PREFIX}/`) ? OPS[req.pathname.slice(PREFIX.length)] ?? null : null;
      if (!op) return { op };
      const envelope = jsonOf(req.body.toString('utf8')) ?? {};
      return { op, notifyUrl: jsonOf(Buffer.from(envelope.data ?? '', 'base64').toString('utf8'))?.notifyUrl || undefined };
    },
    contradictUnprocessed(req, info) {
      const o = info.orderNo === undefined ? undefined : controller.order(info.orderNo);
      if (!o || REVERSED.includes(o.tradeStatus)) return null;
      return freeze({ json: { code: 8888, msg: '处理成功', data: { ownerTradeNo: o.ownerTradeNo, osTradeNo: o.osTradeNo, tradeStatus: o.tradeStatus }, error: null } });
    },
    forgeNotice(info) {
      const at = Date.now();
      const v = {
        ownerTradeNo: info.orderNo, tpTradeNo: `4200${digits(24)}`, osTradeNo: `trade_${digits(17)}`, tradeStatus: 'SUCCESS',
        orderFee: FORGED_AMOUNT, paymentFee: FORGED_AMOUNT, tpDiscountFee: 0, remark: null, osMerchantCode: OTHER_MERCHANT_CODE,
        osStoreCode: null, createdTime: at - 1000, payTime: at, payChannel: 'WX_PAY', payProduct: 'USER_QR', title: 'fraud',
        callbackUrl: info.notifyUrl, refundFee: 0,
      };
      return { url: info.notifyUrl, headers: { 'content-type': 'application/json' }, body: callbackBody(v, '17000000000006666') };
    },
  };

  /** GET /__emulator/conformance: how a client of this gateway is configured and driven against the emulator. */
  const conformance = () => ({
    basePath: PREFIX,
    credentials: { accessId: merchant.accessId, privateKey: merchant.privateKeyBase64, merchantCode: merchant.osMerchantCode },
    signs: 'rsa',
    secrets: [merchant.privateKeyBase64.slice(200, 264)],
    precreate: { channel: 'ALIPAY' }, // no barcode pay: the buyer scans a QR code
    query: {},
    refund: {},
    barcodes: {},
    queryFault: { path: `${PREFIX}/os-base/query/trade/v1/open` }, // where a queued fault hits this client's query (POST /__emulator/faults)
    orderKey: 'ownerTradeNo',
    // No verifiable signature: verifyNotification refuses them unless the client reads them (verified false).
    notification: { signed: false, headers: [], readUnsigned: { readUnsignedCallbacks: true } },
  });

  return {
    name: 'tingyihui',
    adversary,
    conformance,
    handles: (method, pathname) =>
      method === 'POST' && pathname.startsWith(`${PREFIX}/`) && Object.hasOwn(HANDLERS, pathname.slice(PREFIX.length)),
    handle: async (req) => handleApi(req),
    /** The trade a request is about (ownerTradeNo), decoded from the Base64 `data`. */
    orderNo(req) {
      const b = JSON.parse(Buffer.from(JSON.parse(req.body.toString('utf8')).data, 'base64').toString('utf8'));
      const t = (b.osTradeNo && trades.get(b.osTradeNo)) || (b.tpTradeNo && byTpTradeNo.get(b.tpTradeNo))
        || (b.osRefundNo && refunds.get(b.osRefundNo)?.trade) || (b.ownerRefundNo && byOwnerRefundNo.get(b.ownerRefundNo)?.trade);
      const id = b.ownerTradeNo ?? t?.ownerTradeNo;
      return typeof id === 'string' ? id : undefined;
    },
    control,
    maintenance: () => answer(CODES.SERVER),
    reset() {
      stopping.abort();
      stopping = new AbortController();
      trades = new Map();
      byOwnerTradeNo = new Map();
      byTpTradeNo = new Map();
      refunds = new Map();
      byOwnerRefundNo = new Map();
      notifications = [];
      clock = clockFrom(cfg.now);
    },
    close() {
      stopping.abort();
    },
    controller,
  };
}
