// Lakala (拉卡拉) open platform v3 "labs" (aggregated scan) gateway emulator, mounted under /lakala.
// Wire format: /work/shared/protocols/lakala.md and seed 003 (trade query). Field names per operation come from
// Lakala's official SDKs (sources cited at each handler):
//   [JSDK] lkl-java-sdk 1.0.6, com.lkl.laop.sdk.request.* (stored copy: github.com/zkmio/lakala-sdk)
//   [PSDK] Lakala\OpenAPISDK\V3 PHP SDK, Model/*Response.php, Api/LakalaNotifyApi.php
//          (stored copy: github.com/zg-626/wodian, extend/Lakala/v3/src)
//   [DOC]  Lakala doc pages as mirrored on hlakala.com (query = seed 003, close = post/5261)
//   [AGPAY] agoodays/agpayplus, Channel/LklPay/* (a production integration: in-progress codes, notice fields)
//   [RFD]  the unified refund (统一退货) docs o.lakala.com/open/document/1826 (refund) and 1827 (refund query),
//          as transcribed by public clients: sleep-go/lakala-pay model/order_refund.go (RfdRefund*), and the
//          labs refund page's note that it is no longer developed (hlakala.com/post/5263.html)
//   [RC]   a public Lakala client's return-code enum (cn.cc.lkl.dto.ReturnCode): BBS11000 参数校验失败 …
//   [1009] the notification example of Lakala's notification-security document (a camelCase cashier notice)
// Requests carry `Authorization: LKLAPI-SHA256withRSA appid=…,serial_no=…,timestamp=…,nonce_str=…,signature=…`
// signed with the merchant key; every answer is signed with the platform key (Lklapi-* headers). Keys and
// certificates are generated at start (x509.mjs). Error codes other than BBS00000/BBS10000/BBS11112/BBS11000 and
// the unified refund's 000000/RFD11112 are the emulator's own (EMU…), because Lakala's real ones for these
// cases were not found in public material.
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeCertificate, certificateSerialHex } from './x509.mjs';
import { ControlError, controlRoutes, postNotification } from './control.mjs';
import { FORGED_AMOUNT, JSON_TYPE, freeze, jsonOf } from './adversary.mjs';

export const PREFIX = '/lakala';
const API = '/api/v3/labs';
const RFD = '/api/v3/rfd/refund_front'; // [RFD] the unified refund

const DEFAULTS = {
  appId: 'OP00000003',
  merchantNo: '822290070111135', // the doc samples' merchant/terminal numbers
  termNo: '29034705',
  merchantSerialHex: undefined, // default: 8 random bytes with the high bit set → "00xxxxxxxxxxxxxxxx"
  merchantPrivateKeyPem: undefined, // fixed keys instead of fresh RSA-2048 ones
  platformPrivateKeyPem: undefined,
  inProgressQueries: 2, // a 9100… payment answers DEAL to this many queries, then SUCCESS
  refundInProgressQueries: 0, // > 0: refunds answer BBS11112 and stay DEAL for this many queries of the refund
  // How a unified refund still in progress is answered: '000000' with trade_state PROCESSING ([RFD]
  // "交易已受理"), or one of its "交易未知" codes ('RFD11112' / 'RFD11105') with no resp_data.
  unifiedRefundPendingCode: '000000',
  noticeFormat: 'snake', // 'snake': the trade notice (doc 1112 names); 'camel': doc 1009's example's names
  timestampToleranceSec: 300, // request Authorization timestamp vs. the emulator clock
  now: undefined, // emulator clock: a number (fixed ms) or a function returning ms; default Date.now
  notifyRetryDelays: [200, 500, 1000], // ms between notification attempts; 1 + length attempts in all
  notifyTimeoutMs: 3000,
};

/** Response codes. BBS… are Lakala's; EMU… are the emulator's own (no public source for the real ones). */
export const CODES = {
  OK: 'BBS00000', // [PSDK] ModelResponse: 成功
  IN_PROGRESS: 'BBS10000', // [PSDK] ModelResponse: 交易状态为支付中
  REFUND_IN_PROGRESS: 'BBS11112', // [AGPAY] treated as waiting; a Lakala DTO comment: "LABS退款中 (Labs返回BBS11112、BBS11105)"
  PARAM: 'BBS11000', // [RC] 参数校验失败 (the request refused as sent)
  SIGN: 'BBS11200', // [RC] 验签失败: Authorization missing/malformed, unknown appid or serial_no, bad signature
  TIMESTAMP: 'EMU40101', // 请求时间戳超出允许范围 (replay window)
  MERCHANT: 'EMU40300', // 商户号或终端号不存在
  NOT_FOUND: 'EMU40400', // 交易不存在
  DUPLICATE: 'EMU40900', // 商户交易流水号重复
  STATE: 'EMU42200', // 交易状态不允许此操作
  REFUND_EXCEEDED: 'EMU42201', // 退款金额超过可退金额
  PAY_FAILED: 'EMU42202', // 支付失败 (9200… barcode)
  SYSTEM: 'EMU50000', // 系统异常
  MAINTENANCE: 'EMU50300', // 系统维护中: the `maintenance` fault (a code no client knows)
  RFD_OK: '000000', // [RFD] 通讯成功 (the refund's own state is resp_data.trade_state)
  RFD_UNKNOWN: 'RFD11112', // [RFD] 交易未知 (网络请求超时): query the refund
};

/** auth_code prefix → what the buyer's wallet does. Anything else pays at once. */
const AUTH_CODE = { 9100: 'in-progress', 9300: 'stuck', 9200: 'fail' };

const STATE_DESC = {
  INIT: '初始化', CREATE: '下单成功', DEAL: '交易处理中', SUCCESS: '交易成功', FAIL: '交易失败', UNKNOWN: '未知状态',
  CLOSE: '订单关闭', REVOKED: '订单已撤销', PART_REFUND: '部分退款', REFUND: '全部退款',
};

const ACCOUNT_TYPES = ['WECHAT', 'ALIPAY', 'UQRCODEPAY', 'BESTPAY', 'SUNING', 'LKLACC', 'NUCSPAY', 'DCPAY'];

/**
 * Preorder trans_type → the wallets it takes and what acc_busi_fields must carry for each ([JSDK]
 * V3LabsTransPreorderRequest.trans_type; V3LabsTradePreorderAlipayBus / WechatBus / UnionPayBus field comments).
 * 41 NATIVE: "ALIPAY，云闪付支持" (WeChat: "41:NATIVE(WECHAT暂不支持)", [DOC] post/5296); 51 JSAPI: 微信公众号, 支付宝服务窗,
 * 银联JS (user_id required "JS获取用户标识返回码不为34时" only, which the emulator cannot see: optional), 翼支付, 拉卡拉钱包;
 * 71: 微信小程序 only. 61 (APP, direct WeChat only) is not emulated.
 */
const PREORDER_KINDS = {
  41: { name: 'NATIVE', wallets: ['ALIPAY', 'UQRCODEPAY'], requires: {} },
  51: {
    name: 'JSAPI',
    wallets: ['WECHAT', 'ALIPAY', 'UQRCODEPAY', 'BESTPAY', 'LKLACC'],
    requires: {
      WECHAT: { sub_appid: '微信公众号支付-51必传', user_id: '用户在子商户sub_appid下的唯一标识sub_openid,公众号支付-51必传' },
      ALIPAY: { user_id: '支付宝的buyer_user_id,trans_type为51情况下必须传入' },
    },
  },
  71: {
    name: '微信小程序支付',
    wallets: ['WECHAT'],
    requires: { WECHAT: { sub_appid: '微信小程序支付-71必传', user_id: '用户在子商户sub_appid下的唯一标识sub_openid,小程序支付-71必传' } },
  },
};

// ---- helpers (exported so demos can sign the same way; the tests use their own) ----

/** The Lakala signing message: every part followed by "\n". Parts are strings or Buffers (raw body bytes). */
export const lklMessage = (...parts) => Buffer.concat(parts.flatMap((p) => [Buffer.from(p), Buffer.from('\n')]));

/** `LKLAPI-SHA256withRSA k="v",…` → { k: v }, or null when the scheme or the pairs do not parse. */
export function parseLklAuthorization(header) {
  const m = /^\s*LKLAPI-SHA256withRSA\s+(.*?)\s*$/is.exec(header ?? '');
  if (!m) return null;
  const params = {};
  const re = /\s*([A-Za-z_]+)\s*=\s*"([^"]*)"\s*(,|$)/y;
  let last = 0;
  for (let hit; (hit = re.exec(m[1])); ) {
    params[hit[1]] = hit[2];
    last = re.lastIndex;
    if (hit[3] === '') break;
  }
  return last === m[1].length && last > 0 ? params : null;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const nonce = (n = 32) => Array.from({ length: n }, () => ALNUM[crypto.randomInt(ALNUM.length)]).join('');
const digits = (n) => Array.from({ length: n }, () => crypto.randomInt(10)).join('');

/** yyyyMMddHHmmss in Beijing time. */
const beijing = (ms) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace(/[-T:]/g, '');

class LklError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
const paramError = (message) => new LklError(CODES.PARAM, message);


// ---- req_data field readers: strings only; empty means absent ----

function optional(data, field, max) {
  const value = data[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw paramError(`${field}必须是字符串`);
  if ([...value].length > max) throw paramError(`${field}长度不能超过${max}`);
  return value;
}

function required(data, field, max) {
  const value = optional(data, field, max);
  if (value === undefined) throw paramError(`${field}不能为空`);
  return value;
}

/** Fen as an integer string, 1..12 digits, > 0. */
function amount(data, field) {
  const value = required(data, field, 12);
  if (!/^\d{1,12}$/.test(value) || Number(value) <= 0) throw paramError(`${field}单位分,整数数字型字符,且大于0`);
  return Number(value);
}

/** location_info.request_ip is required by risk control on micropay, preorder, refund, close and revoked. */
function locationInfo(data) {
  const info = data.location_info;
  if (!info || typeof info !== 'object' || Array.isArray(info)) throw paramError('location_info不能为空(风控要求必送)');
  if (typeof info.request_ip !== 'string' || info.request_ip.trim() === '') throw paramError('location_info.request_ip不能为空');
  return info;
}

function wallet(authCode) {
  const p2 = Number(authCode.slice(0, 2));
  if (p2 >= 10 && p2 <= 15) return 'WECHAT';
  if (p2 >= 25 && p2 <= 30) return 'ALIPAY';
  if (p2 === 62) return 'UQRCODEPAY';
  if (p2 === 1) return 'DCPAY';
  if (p2 === 51) return 'BESTPAY';
  if (p2 === 83) return 'SUNING';
  return 'WECHAT'; // magic 91xx/92xx/93xx codes and anything unknown
}

export async function createLakala(options = {}, hooks = {}) {
  const cfg = { ...DEFAULTS, ...options };
  const generate = () => promisify(crypto.generateKeyPair)('rsa', { modulusLength: 2048 });
  const keyPair = async (pem) => {
    if (!pem) return generate();
    const privateKey = crypto.createPrivateKey(pem);
    return { privateKey, publicKey: crypto.createPublicKey(privateKey) };
  };
  const [platform, merchantKeys] = await Promise.all([keyPair(cfg.platformPrivateKeyPem), keyPair(cfg.merchantPrivateKeyPem)]);

  const platformCertificatePem = makeCertificate({
    ...platform, commonName: 'APIGW.LAKALA.COM', serialHex: `01${crypto.randomBytes(5).toString('hex')}`,
  });
  const platformSerialNo = certificateSerialHex(platformCertificatePem);
  const serialBytes = crypto.randomBytes(8);
  serialBytes[0] |= 0x80; // high bit set: serial_no keeps a leading 00
  const merchantCertificatePem = makeCertificate({
    ...merchantKeys, commonName: cfg.appId, serialHex: cfg.merchantSerialHex ?? serialBytes,
  });
  const merchant = {
    appId: cfg.appId,
    serialNo: certificateSerialHex(merchantCertificatePem),
    privateKeyPem: merchantKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    certificatePem: merchantCertificatePem,
    merchantNo: cfg.merchantNo,
    termNo: cfg.termNo,
  };

  // appid → serial_no → merchant public key. Survives reset().
  const merchants = new Map([[cfg.appId, new Map([[merchant.serialNo, merchantKeys.publicKey]])]]);

  const clockFrom = (v) => (typeof v === 'function' ? v : typeof v === 'number' ? () => v : () => Date.now());
  let clock = clockFrom(cfg.now);
  const now = () => clock();

  // Rewrites answers before they are signed (stale, other-app, replayed or self-contradicting answers).
  let rewrite = null;

  let trades = new Map(); // out_trade_no → trade (payments, refunds and revokes share the namespace)
  let byTradeNo = new Map();
  let byLogNo = new Map();
  let notifications = [];
  let stopping = new AbortController();
  const inflight = new Set();

  // ---- trades ----

  function newTrade(fields) {
    const t = now();
    let tradeNo;
    do tradeNo = `${beijing(t).slice(0, 8)}66210${digits(9)}`; while (byTradeNo.has(tradeNo));
    const trade = {
      ...fields, trade_no: tradeNo, log_no: tradeNo.slice(-14), created: t, trade_req_date: beijing(t).slice(0, 8),
      refunded: 0, pendingRefund: 0, pendingQueries: null, paid: false, events: [],
    };
    trades.set(trade.out_trade_no, trade);
    byTradeNo.set(trade.trade_no, trade);
    byLogNo.set(trade.log_no, trade);
    return trade;
  }

  const event = (trade, type, extra = {}) => trade.events.push({ type, ...extra, at: now() });

  function accTradeNo(accountType) {
    if (accountType === 'ALIPAY') return `${beijing(now()).slice(0, 8)}22001${digits(15)}`;
    if (accountType === 'UQRCODEPAY') return digits(21);
    return `4200${digits(24)}`;
  }

  function payerIds(accountType) {
    if (accountType === 'ALIPAY') return { user_id1: 'emu***@example.com', user_id2: `2088${digits(12)}` };
    if (accountType === 'WECHAT') {
      const id = () => `o${crypto.randomBytes(20).toString('base64url').slice(0, 27)}`;
      return { user_id1: id(), user_id2: id() };
    }
    return { user_id1: '', user_id2: `emu${digits(12)}` };
  }

  function markPaid(trade) {
    Object.assign(trade, {
      trade_state: 'SUCCESS', paid: true, pendingQueries: null, trade_time: now(),
      acc_trade_no: trade.acc_trade_no || accTradeNo(trade.account_type),
      ...(trade.user_id2 ? {} : payerIds(trade.account_type)),
      bank_type: trade.account_type === 'WECHAT' ? 'OTHERS' : '', card_type: '99',
    });
    event(trade, 'paid', { amount: trade.total });
    notify(trade);
  }

  /** Lakala looks a trade up by trade_no first, then log_no, then out_trade_no. */
  function lookup({ tradeNo, logNo, outTradeNo }) {
    return (tradeNo && byTradeNo.get(tradeNo)) || (logNo && byLogNo.get(logNo)) || (outTradeNo && trades.get(outTradeNo)) || undefined;
  }

  const isPayment = (t) => t.trade_main_type === 'MICROPAY' || t.trade_main_type === 'PREORDER';

  function ledger(t) {
    return structuredClone({
      out_trade_no: t.out_trade_no, trade_no: t.trade_no, log_no: t.log_no, trade_main_type: t.trade_main_type,
      trade_state: t.trade_state, account_type: t.account_type, total: t.total, refunded: t.refunded,
      net: isPayment(t) && t.paid ? t.total - t.refunded : 0, paid: t.paid,
      ...(t.origin && { origin_out_trade_no: t.origin.out_trade_no }), notify_url: t.notify_url, events: t.events,
    });
  }

  // ---- responses ----

  const reply = (code, msg, respData) => ({ code, msg, resp_time: beijing(now()), ...(respData && { resp_data: respData }) });

  /** Full trade view: the query response's resp_data (seed 003 / [PSDK] QueryTradequeryResponse). */
  function tradeView(t) {
    const paidLike = ['SUCCESS', 'PART_REFUND', 'REFUND', 'REVOKED'].includes(t.trade_state) && t.trade_time;
    const amt = String(t.total);
    // A merchant discount (buyerPays(id, { discount })): the buyer pays and the wallet settles the rest (seed 003:
    // payer_amount 付款人实付金额, acc_settle_amount 账户端应结订单金额, acc_mdiscount_amount 商户优惠金额).
    const rest = String(t.total - (t.discount ?? 0));
    return {
      merchant_no: cfg.merchantNo, out_trade_no: t.out_trade_no, trade_no: t.trade_no, log_no: t.log_no,
      trade_main_type: t.trade_main_type, acc_trade_no: t.acc_trade_no ?? '', account_type: t.account_type ?? '',
      trade_state: t.trade_state, trade_state_desc: STATE_DESC[t.trade_state] ?? '', total_amount: amt,
      payer_amount: paidLike ? rest : '', acc_settle_amount: paidLike ? rest : '', acc_mdiscount_amount: paidLike ? String(t.discount ?? 0) : '',
      acc_discount_amount: '', acc_other_discount_amount: '', trade_time: t.trade_time ? beijing(t.trade_time) : '',
      user_id1: t.user_id1 ?? '', user_id2: t.user_id2 ?? '', bank_type: t.bank_type ?? '', card_type: t.card_type ?? '',
      acc_activity_id: '', trade_req_date: t.trade_req_date, acc_resp_fields: t.acc_resp_fields ?? {},
    };
  }

  /** micropay's resp_data ([PSDK] TransMicropayResponse). */
  function micropayView(t) {
    const v = tradeView(t);
    return {
      need_query: t.trade_state === 'DEAL' ? '1' : '0', merchant_no: v.merchant_no, out_trade_no: v.out_trade_no,
      trade_no: v.trade_no, log_no: v.log_no, acc_trade_no: v.acc_trade_no, account_type: v.account_type,
      total_amount: v.total_amount, payer_amount: v.payer_amount, acc_settle_amount: v.acc_settle_amount,
      acc_mdiscount_amount: v.acc_mdiscount_amount, acc_discount_amount: '', acc_other_discount_amount: '',
      trade_time: v.trade_time, bank_type: v.bank_type, card_type: v.card_type, remark: t.remark ?? '',
      acc_resp_fields: t.trade_state === 'SUCCESS' ? { user_id: t.user_id2 } : {},
    };
  }

  // ---- operations: (req_data) → reply(...) ----

  function merchantAndTerminal(data) {
    const merchantNo = required(data, 'merchant_no', 32);
    const termNo = required(data, 'term_no', 32);
    if (merchantNo !== cfg.merchantNo || termNo !== cfg.termNo) {
      throw new LklError(CODES.MERCHANT, '商户号或终端号不存在');
    }
  }

  function notifyUrl(data) {
    const url = optional(data, 'notify_url', 128);
    if (url !== undefined && !/^https?:\/\/\S+$/.test(url)) throw paramError('notify_url必须是http或https地址');
    return url;
  }

  // micropay — [JSDK] V3LabsTransMicropayRequest: merchant_no, term_no, out_trade_no, auth_code, total_amount,
  // location_info{request_ip, base_station, location} (M); busi_mode, subject, pay_order_no, notify_url, settle_type,
  // remark, scan_type, identity_info, promo_info, acc_busi_fields (C). Response: [PSDK] TransMicropayResponse.
  function micropay(data, req) {
    const outTradeNo = required(data, 'out_trade_no', 32);
    const authCode = required(data, 'auth_code', 32);
    const total = amount(data, 'total_amount');
    locationInfo(data);
    const fields = {
      subject: optional(data, 'subject', 42), remark: optional(data, 'remark', 128), notify_url: notifyUrl(data),
    };
    if (trades.has(outTradeNo)) return reply(CODES.DUPLICATE, '商户交易流水号重复');
    const t = newTrade({
      out_trade_no: outTradeNo, trade_main_type: 'MICROPAY', account_type: wallet(authCode), total, auth_code: authCode,
      trade_state: 'DEAL', ...fields,
    });
    event(t, 'created', { amount: total });
    switch (req?.chaosStuck ? 'stuck' : AUTH_CODE[authCode.slice(0, 4)]) { // chaos `stuck` = a 9300… code
      case 'in-progress':
        t.pendingQueries = cfg.inProgressQueries;
        return reply(CODES.IN_PROGRESS, '交易处理中,请查询', micropayView(t));
      case 'stuck':
        return reply(CODES.IN_PROGRESS, '交易处理中,请查询', micropayView(t));
      case 'fail':
        t.trade_state = 'FAIL';
        event(t, 'pay_failed');
        return reply(CODES.PAY_FAILED, '支付失败:付款码已过期', micropayView(t));
      default:
        markPaid(t);
        return reply(CODES.OK, '成功', micropayView(t));
    }
  }

  // preorder — [JSDK] V3LabsTransPreorderRequest: merchant_no, term_no, out_trade_no, account_type (WECHAT, ALIPAY,
  // UQRCODEPAY, BESTPAY, SUNING, LKLACC, NUCSPAY), trans_type, total_amount, location_info (M); busi_mode, subject
  // ("微信支付必送"; [PSDK] TransPreorderRequest refuses WECHAT without it), pay_order_no, notify_url, settle_type,
  // remark, identity_info, promo_info, acc_busi_fields (C). Response: [PSDK] TransPreorderResponse merchant_no,
  // out_trade_no, trade_no, log_no, settle_merchant_no, settle_term_no, acc_resp_fields (see payInfo).
  // Which wallet takes which trans_type, and what acc_busi_fields must carry: PREORDER_KINDS.
  function preorder(data) {
    const outTradeNo = required(data, 'out_trade_no', 32);
    const accountType = required(data, 'account_type', 32);
    if (!ACCOUNT_TYPES.includes(accountType)) throw paramError(`account_type不支持: ${accountType}`);
    const transType = required(data, 'trans_type', 2);
    const kind = PREORDER_KINDS[transType];
    if (!kind) throw paramError('trans_type只能是41(NATIVE)、51(JSAPI)或71(微信小程序支付)');
    if (!kind.wallets.includes(accountType)) throw paramError(`trans_type ${transType}(${kind.name})不支持account_type ${accountType}`);
    const total = amount(data, 'total_amount');
    locationInfo(data);
    const busi = data.acc_busi_fields ?? {};
    if (busi === null || typeof busi !== 'object' || Array.isArray(busi)) throw paramError('acc_busi_fields必须是对象');
    const busiText = (field, max) => optional(busi, field, max);
    const userId = busiText('user_id', 128);
    const subAppid = busiText('sub_appid', 32);
    for (const [field, value] of [['user_id', userId], ['sub_appid', subAppid]]) {
      const why = kind.requires[accountType]?.[field];
      if (why && value === undefined) throw paramError(`acc_busi_fields.${field}不能为空(${why})`);
    }
    const fields = {
      subject: optional(data, 'subject', 42), remark: optional(data, 'remark', 128), notify_url: notifyUrl(data),
    };
    if (accountType === 'WECHAT' && fields.subject === undefined) throw paramError('微信支付必需上送订单标题字段[subject]');
    if (trades.has(outTradeNo)) return reply(CODES.DUPLICATE, '商户交易流水号重复');
    const t = newTrade({
      out_trade_no: outTradeNo, trade_main_type: 'PREORDER', account_type: accountType, trans_type: transType, total,
      trade_state: 'CREATE', ...fields, ...(userId && { user_id2: userId }), ...(subAppid && { sub_appid: subAppid }),
    });
    t.acc_resp_fields = payInfo(t);
    event(t, 'created', { amount: total });
    return reply(CODES.OK, '成功', {
      merchant_no: cfg.merchantNo, out_trade_no: t.out_trade_no, trade_no: t.trade_no, log_no: t.log_no,
      settle_merchant_no: cfg.merchantNo, settle_term_no: cfg.termNo, acc_resp_fields: t.acc_resp_fields,
    });
  }

  // acc_resp_fields per Lakala doc 110 (聚合主扫) as transcribed in public integrations (a Lakala client's
  // V3LabsTransPreorderResponse DTO; [AGPAY] PayWay/WxLite.cs, AliQr.cs): 41 → code, code_image; WECHAT 51/71 →
  // prepay_id, app_id, time_stamp, nonce_str, package ("prepay_id=…"), sign_type, pay_sign, sub_mch_id; ALIPAY 51 →
  // prepay_id (the Alipay trade_no), sub_mch_id; UQRCODEPAY 51 → redirect_url (the key is unconfirmed in public
  // material). Not for another wallet's JSAPI (BESTPAY…): the library makes none, so the emulator answers a link.
  function payInfo(t) {
    if (t.trans_type === '41') {
      const code = {
        ALIPAY: `https://qr.alipay.com/bax0${digits(4)}emu${t.log_no}`, UQRCODEPAY: `https://qr.95516.com/00010000/emu${t.log_no}`,
      }[t.account_type] ?? `https://q.lakala.com/emu/${t.log_no}`;
      return { code, code_image: '' };
    }
    const subMchId = digits(9);
    if (t.account_type === 'WECHAT') {
      const prepayId = `wx${beijing(now()).slice(2, 14)}${crypto.randomBytes(12).toString('hex')}`;
      const pay = { app_id: t.sub_appid, time_stamp: String(Math.floor(now() / 1000)), nonce_str: nonce(32), package: `prepay_id=${prepayId}` };
      // paySign: RSA over appId\ntimeStamp\nnonceStr\npackage\n, as WeChat signs for the sub-merchant (a key of the emulator's own).
      const message = `${pay.app_id}\n${pay.time_stamp}\n${pay.nonce_str}\n${pay.package}\n`;
      return {
        prepay_id: prepayId, ...pay, sign_type: 'RSA',
        pay_sign: crypto.sign('sha256', Buffer.from(message), platform.privateKey).toString('base64'), sub_mch_id: subMchId,
      };
    }
    if (t.account_type === 'ALIPAY') return { prepay_id: `${beijing(now()).slice(0, 8)}22001${digits(15)}`, sub_mch_id: `2088${digits(12)}` };
    if (t.account_type === 'UQRCODEPAY') {
      return { redirect_url: `https://qr.95516.com/qrcGtwWeb-web/api/pay?orderNo=${t.log_no}&emu=${nonce(16)}` };
    }
    return { redirect_url: `https://q.lakala.com/emu/jsapi/${t.log_no}` };
  }

  // tradequery — [JSDK] V3LabsQueryTradequeryRequest / seed 003: merchant_no, term_no (M); out_trade_no or trade_no
  // (trade_no wins). Response: seed 003 / [PSDK] QueryTradequeryResponse (see tradeView). Refund and revoke
  // requests can be queried by their own out_trade_no too (trade_main_type REFUND / CANCEL), as [AGPAY] does.
  function tradequery(data) {
    const tradeNo = optional(data, 'trade_no', 32);
    const outTradeNo = optional(data, 'out_trade_no', 32);
    if (!tradeNo && !outTradeNo) throw paramError('out_trade_no与trade_no必有其一');
    const t = lookup({ tradeNo, outTradeNo: tradeNo ? undefined : outTradeNo });
    if (!t) return reply(CODES.NOT_FOUND, '交易不存在');
    if (t.trade_state === 'DEAL' && t.pendingQueries !== null) {
      if (t.pendingQueries > 0) t.pendingQueries -= 1;
      else if (isPayment(t)) markPaid(t);
      else settleRefund(t);
    }
    return reply(CODES.OK, '成功', tradeView(t));
  }

  /** The origin trade of refund/close/revoked: origin_trade_no, then origin_log_no, then origin_out_trade_no. */
  function origin(data, { logNo = false } = {}) {
    const ref = {
      tradeNo: optional(data, 'origin_trade_no', 32),
      logNo: logNo ? optional(data, 'origin_log_no', 14) : undefined,
      outTradeNo: optional(data, 'origin_out_trade_no', 64),
    };
    if (!ref.tradeNo && !ref.logNo && !ref.outTradeNo) {
      throw paramError(`origin_out_trade_no${logNo ? '、origin_log_no' : ''}、origin_trade_no必有其一`);
    }
    const t = lookup(ref);
    return { ref, trade: t && isPayment(t) ? t : undefined };
  }

  const echoOrigin = (ref) => ({
    ...(ref.tradeNo && { origin_trade_no: ref.tradeNo }), ...(ref.logNo && { origin_log_no: ref.logNo }),
    ...(ref.outTradeNo && { origin_out_trade_no: ref.outTradeNo }),
  });

  function refundState(o) {
    o.trade_state = o.refunded === 0 ? 'SUCCESS' : o.refunded >= o.total ? 'REFUND' : 'PART_REFUND';
    o.paid = o.refunded < o.total;
  }

  function settleRefund(r) {
    const o = r.origin;
    Object.assign(r, { trade_state: 'SUCCESS', pendingQueries: null, trade_time: now() });
    o.pendingRefund -= r.total;
    o.refunded += r.total;
    refundState(o);
    event(o, 'refunded', { amount: r.total, out_trade_no: r.out_trade_no });
  }

  // refund — [JSDK] V3LabsRelationRefundRequest: merchant_no, term_no, out_trade_no (this refund's own number),
  // refund_amount, refund_reason, location_info (M); origin_out_trade_no / origin_trade_no / origin_log_no (one at
  // least; priority trade_no, log_no, out_trade_no). Response: [PSDK] RelationRefundResponse merchant_no,
  // out_trade_no, trade_no, log_no, acc_trade_no, account_type, total_amount, refund_amount, payer_amount, trade_time,
  // origin_trade_no / origin_out_trade_no (echoed when sent).
  function refund(data) {
    const outTradeNo = required(data, 'out_trade_no', 32);
    const refundAmount = amount(data, 'refund_amount');
    const reason = required(data, 'refund_reason', 64);
    locationInfo(data);
    const { replay, ref, o } = refundable(data, outTradeNo, refundAmount, 'labs');
    if (replay) return replay;
    const pending = cfg.refundInProgressQueries > 0;
    const r = newTrade({
      out_trade_no: outTradeNo, trade_main_type: 'REFUND', api: 'labs', account_type: o.account_type, total: refundAmount,
      trade_state: 'DEAL', origin: o, refund_reason: reason, acc_trade_no: accTradeNo(o.account_type),
    });
    o.pendingRefund += refundAmount;
    if (pending) r.pendingQueries = cfg.refundInProgressQueries;
    else settleRefund(r);
    r.reply = reply(pending ? CODES.REFUND_IN_PROGRESS : CODES.OK, pending ? '退款处理中,请查询' : '成功', {
      merchant_no: cfg.merchantNo, out_trade_no: r.out_trade_no, trade_no: r.trade_no, log_no: r.log_no,
      acc_trade_no: r.acc_trade_no, account_type: r.account_type, total_amount: String(o.total),
      refund_amount: String(refundAmount), payer_amount: pending ? '' : String(refundAmount),
      trade_time: r.trade_time ? beijing(r.trade_time) : '', ...echoOrigin(ref),
    });
    return r.reply;
  }

  /** The checks every refund shares (labs and unified): the origin payment, a retry, the refundable rest. */
  function refundable(data, outTradeNo, refundAmount, type) {
    const { ref, trade: o } = origin(data, { logNo: true });
    const previous = trades.get(outTradeNo);
    if (previous) {
      // A retry of the same refund gets the first answer; anything else reusing the number is a duplicate.
      if (previous.trade_main_type === 'REFUND' && previous.api === type && previous.origin === o && previous.total === refundAmount) {
        return { replay: previous.reply };
      }
      return { replay: reply(CODES.DUPLICATE, '商户交易流水号重复') };
    }
    if (!o) return { replay: reply(CODES.NOT_FOUND, '原交易不存在') };
    if (o.trade_state !== 'SUCCESS' && o.trade_state !== 'PART_REFUND') {
      return { replay: reply(CODES.STATE, `原交易状态${o.trade_state}不允许退款`) };
    }
    if (refundAmount > o.total - o.refunded - o.pendingRefund) return { replay: reply(CODES.REFUND_EXCEEDED, '退款金额超过可退金额') };
    return { ref, o };
  }

  // unified refund — [RFD] RfdRefundRequest: merchant_no, term_no, out_trade_no (this refund's own number),
  // refund_amount, location_info (M); refund_reason (O, ≤32); origin_log_no / origin_out_trade_no / origin_trade_no
  // (one at least; priority trade_no, log_no, out_trade_no); refund_acc_mode (00 退货账户余额, 05 商户余额, 06 终端余额),
  // notify_url, refund_amt_sts (00 分账前, 01 分账后) (O). Answer: code 000000 with resp_data RfdRefundData
  // (trade_state INIT/SUCCESS/FAIL/DEAL/PROCESSING/TIMEOUT/EXCEPTION, refund_type, merchant_no, out_trade_no,
  // trade_no, log_no, acc_trade_no, account_type, total_amount, refund_amount, payer_amount (实际退款金额),
  // trade_time, origin_* as sent, channel_ret_desc "code#msg"); RFD11105/RFD11112: 交易未知, query it.
  function unifiedRefund(data) {
    const outTradeNo = required(data, 'out_trade_no', 32);
    const refundAmount = amount(data, 'refund_amount');
    const reason = optional(data, 'refund_reason', 32);
    locationInfo(data);
    const accMode = optional(data, 'refund_acc_mode', 2);
    if (accMode !== undefined && !['00', '05', '06'].includes(accMode)) throw paramError('refund_acc_mode只能是00、05或06');
    const amtSts = optional(data, 'refund_amt_sts', 2);
    if (amtSts !== undefined && !['00', '01'].includes(amtSts)) throw paramError('refund_amt_sts只能是00或01');
    const url = notifyUrl(data);
    const { replay, ref, o } = refundable(data, outTradeNo, refundAmount, 'unified');
    if (replay) return replay;
    const pending = cfg.refundInProgressQueries > 0;
    const r = newTrade({
      out_trade_no: outTradeNo, trade_main_type: 'REFUND', api: 'unified', account_type: o.account_type, total: refundAmount,
      trade_state: 'DEAL', origin: o, refund_reason: reason, acc_trade_no: accTradeNo(o.account_type), notify_url: url,
    });
    o.pendingRefund += refundAmount;
    if (pending) r.pendingQueries = cfg.refundInProgressQueries;
    else settleRefund(r);
    if (pending && cfg.unifiedRefundPendingCode !== CODES.RFD_OK) {
      r.reply = reply(cfg.unifiedRefundPendingCode, '交易未知,请查询');
      return r.reply;
    }
    r.reply = reply(CODES.RFD_OK, '成功', {
      trade_state: pending ? 'PROCESSING' : 'SUCCESS', refund_type: accMode ?? '00', merchant_no: cfg.merchantNo,
      out_trade_no: r.out_trade_no, trade_no: r.trade_no, log_no: r.log_no, acc_trade_no: r.acc_trade_no,
      account_type: r.account_type, total_amount: String(o.total), refund_amount: String(refundAmount),
      payer_amount: pending ? '' : String(refundAmount), trade_time: r.trade_time ? beijing(r.trade_time) : '',
      ...echoOrigin(ref), channel_ret_desc: pending ? 'RFD11112#交易已受理' : 'RFD00000#成功',
    });
    return r.reply;
  }

  // unified refund query — [RFD] RfdRefundQueryRequest: merchant_no, term_no (M); out_trade_no (the refund's own
  // number) or trade_no (O, one at least; trade_no first). Answer: 000000 with RfdRefundQueryItem: out_trade_no,
  // trade_time, trade_state (INIT/SUCCESS/FAIL/DEAL/TIMEOUT/EXCEPTION), trade_no, log_no, acc_trade_no,
  // refund_amount, account_type, payer_amount, acc_settle_amount, channel_ret_desc, origin_log_no,
  // origin_out_trade_no, origin_trade_no, origin_total_amount, refund_type.
  function unifiedRefundQuery(data) {
    const tradeNo = optional(data, 'trade_no', 32);
    const outTradeNo = optional(data, 'out_trade_no', 32);
    if (!tradeNo && !outTradeNo) throw paramError('out_trade_no与trade_no必有其一');
    const r = lookup({ tradeNo, outTradeNo: tradeNo ? undefined : outTradeNo });
    if (!r || r.trade_main_type !== 'REFUND') return reply(CODES.NOT_FOUND, '退货交易不存在');
    if (r.trade_state === 'DEAL' && r.pendingQueries !== null) {
      if (r.pendingQueries > 0) r.pendingQueries -= 1;
      else settleRefund(r);
    }
    const o = r.origin;
    const done = r.trade_state === 'SUCCESS';
    return reply(CODES.RFD_OK, '成功', {
      out_trade_no: r.out_trade_no, trade_time: r.trade_time ? beijing(r.trade_time) : '', trade_state: r.trade_state,
      trade_no: r.trade_no, log_no: r.log_no, acc_trade_no: r.acc_trade_no ?? '', refund_amount: String(r.total),
      account_type: r.account_type ?? '', payer_amount: done ? String(r.total) : '', acc_settle_amount: done ? String(r.total) : '',
      acc_mdiscount_amount: '', acc_discount_amount: '', channel_ret_desc: done ? 'RFD00000#成功' : 'RFD11112#交易处理中',
      origin_log_no: o.log_no, origin_out_trade_no: o.out_trade_no, origin_trade_no: o.trade_no,
      origin_total_amount: String(o.total), refund_type: '00',
    });
  }

  // close — [JSDK] V3LabsRelationCloseRequest: merchant_no, term_no, location_info (M); origin_out_trade_no /
  // origin_trade_no (one at least). Only unpaid C-scans-B (PREORDER) trades. Response per [DOC] post/5261:
  // origin_trade_no, origin_out_trade_no, trade_time.
  function close(data) {
    locationInfo(data);
    const { trade: o } = origin(data);
    if (!o) return reply(CODES.NOT_FOUND, '原交易不存在');
    if (o.trade_main_type !== 'PREORDER') return reply(CODES.STATE, '关单只能对主扫交易进行');
    if (o.trade_state !== 'CLOSE') {
      if (!['INIT', 'CREATE', 'DEAL'].includes(o.trade_state)) return reply(CODES.STATE, `原交易状态${o.trade_state}不允许关单`);
      Object.assign(o, { trade_state: 'CLOSE', pendingQueries: null, closed_time: now() });
      event(o, 'closed');
    }
    return reply(CODES.OK, '成功', {
      origin_trade_no: o.trade_no, origin_out_trade_no: o.out_trade_no, trade_time: beijing(o.closed_time),
    });
  }

  // revoked — [JSDK] V3LabsRelationRevokedRequest: merchant_no, term_no, out_trade_no (this revoke's own number),
  // location_info (M); origin_out_trade_no / origin_trade_no (one at least). Reverses a paid trade with no refunds,
  // or a barcode (MICROPAY) payment still in progress. Response fields are the emulator's choice (no source found):
  // merchant_no, out_trade_no, trade_no, log_no, origin_trade_no, origin_out_trade_no, total_amount, trade_time.
  function revoked(data) {
    const outTradeNo = required(data, 'out_trade_no', 32);
    locationInfo(data);
    const { ref, trade: o } = origin(data);
    const previous = trades.get(outTradeNo);
    if (previous) {
      if (previous.trade_main_type === 'CANCEL' && previous.origin === o) return previous.reply;
      return reply(CODES.DUPLICATE, '商户交易流水号重复');
    }
    if (!o) return reply(CODES.NOT_FOUND, '原交易不存在');
    const inProgressBarcode = o.trade_main_type === 'MICROPAY' && o.trade_state === 'DEAL';
    if (!(o.trade_state === 'SUCCESS' && o.refunded === 0 && o.pendingRefund === 0) && !inProgressBarcode) {
      return reply(CODES.STATE, `原交易状态${o.trade_state}不允许撤销`);
    }
    const returned = o.paid ? o.total : 0;
    Object.assign(o, { trade_state: 'REVOKED', paid: false, pendingQueries: null });
    event(o, 'revoked', { amount: returned, out_trade_no: outTradeNo });
    const c = newTrade({
      out_trade_no: outTradeNo, trade_main_type: 'CANCEL', account_type: o.account_type, total: o.total,
      trade_state: 'SUCCESS', origin: o, trade_time: now(),
    });
    c.reply = reply(CODES.OK, '成功', {
      merchant_no: cfg.merchantNo, out_trade_no: c.out_trade_no, trade_no: c.trade_no, log_no: c.log_no,
      origin_trade_no: o.trade_no, origin_out_trade_no: o.out_trade_no, total_amount: String(o.total),
      trade_time: beijing(c.trade_time), ...echoOrigin(ref),
    });
    return c.reply;
  }

  const HANDLERS = {
    [`${API}/trans/micropay`]: micropay,
    [`${API}/trans/preorder`]: preorder,
    [`${API}/query/tradequery`]: tradequery,
    [`${API}/relation/refund`]: refund,
    [`${API}/relation/close`]: close,
    [`${API}/relation/revoked`]: revoked,
    [`${RFD}/refund`]: unifiedRefund,
    [`${RFD}/refund_query`]: unifiedRefundQuery,
  };

  // ---- authentication and the signed envelope ----

  /** Verifies the request Authorization over the raw body bytes; returns the appid. */
  function authenticate(req) {
    const header = req.headers.authorization;
    if (!header) throw new LklError(CODES.SIGN, '验签失败:缺少Authorization');
    const p = parseLklAuthorization(header);
    if (!p) throw new LklError(CODES.SIGN, '验签失败:Authorization格式错误');
    for (const k of ['appid', 'serial_no', 'timestamp', 'nonce_str', 'signature']) {
      if (!p[k]) throw new LklError(CODES.SIGN, `验签失败:Authorization缺少${k}`);
    }
    const certs = merchants.get(p.appid);
    if (!certs) throw new LklError(CODES.SIGN, '验签失败:appid不存在');
    const key = certs.get(p.serial_no.toLowerCase());
    if (!key) throw new LklError(CODES.SIGN, '验签失败:证书序列号serial_no不存在');
    if (!/^\d{1,12}$/.test(p.timestamp)) throw new LklError(CODES.SIGN, '验签失败:timestamp必须是秒级时间戳');
    if (Math.abs(Math.floor(now() / 1000) - Number(p.timestamp)) > cfg.timestampToleranceSec) {
      throw new LklError(CODES.TIMESTAMP, `请求时间戳超出允许范围(±${cfg.timestampToleranceSec}秒)`);
    }
    const message = lklMessage(p.appid, p.serial_no, p.timestamp, p.nonce_str, req.body);
    let ok = false;
    try {
      ok = crypto.verify('sha256', message, key, Buffer.from(p.signature, 'base64'));
    } catch { /* malformed signature */ }
    if (!ok) throw new LklError(CODES.SIGN, '验签失败:签名错误');
    return p.appid;
  }

  function parseEnvelope(body) {
    let env;
    try {
      env = JSON.parse(body.toString('utf8'));
    } catch {
      throw paramError('请求报文不是合法的JSON');
    }
    if (!env || typeof env !== 'object' || Array.isArray(env)) throw paramError('请求报文必须是JSON对象');
    if (typeof env.req_time !== 'string' || !/^\d{14}$/.test(env.req_time)) throw paramError('req_time格式为yyyyMMddHHmmss');
    if (env.version !== '3.0') throw paramError('version必须是3.0');
    if (env.out_org_code !== undefined && typeof env.out_org_code !== 'string') throw paramError('out_org_code必须是字符串');
    const data = env.req_data;
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw paramError('req_data不能为空');
    return data;
  }

  /**
   * The signed HTTP 200 answer: Lklapi-* headers over appid\nserial\ntimestamp\nnonce\nbody\n. Lakala signs every
   * app's answers with its one platform key, so whatever `rewrite` returns is signed just as genuinely.
   */
  function signed(payload, appid, path = '') {
    let timestamp = Math.floor(now() / 1000);
    const changed = rewrite?.({ path, payload: structuredClone(payload), appid, timestamp });
    if (changed) ({ payload = payload, appid = appid, timestamp = timestamp } = changed);
    const body = JSON.stringify(payload);
    timestamp = String(timestamp);
    const nonceStr = nonce(32);
    const signature = crypto.sign('sha256', lklMessage(appid, platformSerialNo, timestamp, nonceStr, body), platform.privateKey);
    return {
      jsonText: body,
      headers: {
        'Lklapi-Appid': appid, 'Lklapi-Serial': platformSerialNo, 'Lklapi-Timestamp': timestamp,
        'Lklapi-Nonce': nonceStr, 'Lklapi-Signature': signature.toString('base64'),
        'Lklapi-Traceid': crypto.randomBytes(16).toString('hex'),
      },
    };
  }

  function handleApi(req) {
    const path = req.pathname.slice(PREFIX.length);
    let appid = cfg.appId;
    let payload;
    try {
      appid = authenticate(req);
      const data = parseEnvelope(req.body);
      merchantAndTerminal(data);
      payload = HANDLERS[path](data, req);
    } catch (err) {
      if (!(err instanceof LklError)) console.error('lakala emulator:', err);
      payload = err instanceof LklError ? reply(err.code, err.message) : reply(CODES.SYSTEM, '系统异常');
    }
    return signed(payload, appid, path);
  }

  // ---- notifications ----

  /**
   * The trade notice body. Names follow the query's; both trade_status (spec / doc 1112) and trade_state ([AGPAY]).
   * merchant_no and term_no name the merchant it is for: Lakala signs every merchant's notices with one key.
   * `changes` replace fields (undefined removes one): a notice for another merchant is still genuinely signed.
   */
  function notice(t, changes = {}, format = cfg.noticeFormat) {
    const v = tradeView(t);
    const body = format === 'camel' ? camelNotice(t, v) : {
      merchant_no: v.merchant_no, term_no: cfg.termNo, out_trade_no: v.out_trade_no, trade_no: v.trade_no,
      log_no: v.log_no, acc_trade_no: v.acc_trade_no, account_type: v.account_type, trade_status: v.trade_state,
      trade_state: v.trade_state, trade_state_desc: v.trade_state_desc, total_amount: v.total_amount,
      payer_amount: v.payer_amount, acc_settle_amount: v.acc_settle_amount, acc_mdiscount_amount: v.acc_mdiscount_amount,
      acc_discount_amount: v.acc_discount_amount, trade_time: v.trade_time, user_id1: v.user_id1, user_id2: v.user_id2,
      bank_type: v.bank_type, card_type: v.card_type, remark: t.remark ?? '',
    };
    for (const [k, value] of Object.entries(changes)) {
      if (value === undefined) delete body[k];
      else body[k] = value;
    }
    return body;
  }

  /**
   * [1009] The camelCase notice, field for field as the example Lakala signs in its notification-security
   * document: amounts in fen as JSON numbers, payStatus "S" for a paid order (the only value that example
   * shows; the emulator notifies paid orders only), times as ISO (UTC) and tradeTime yyyyMMddHHmmss (Beijing),
   * payInfo "1#1#<wallet>#0#<wallet order no>", lklOrderNo the trade_no, logNo its last 14 digits.
   */
  function camelNotice(t, v) {
    const iso = (ms) => (ms ? new Date(ms).toISOString().replace('Z', '+00:00') : null);
    return {
      payOrderNo: `${beijing(t.created).slice(2, 8)}${digits(23)}`.slice(0, 29), merchantOrderNo: v.out_trade_no,
      orderInfo: null, merchantNo: v.merchant_no, termId: cfg.termNo, tradeMerchantNo: v.merchant_no,
      tradeTermId: cfg.termNo, channelId: '10000038', currency: '156', amount: t.total, tradeType: 'PAY',
      payStatus: t.paid ? 'S' : '', notifyStatus: 0, orderCreateTime: iso(t.created), orderEfficientTime: iso(t.created),
      extendField: null, payTime: iso(t.trade_time), remark: t.remark ?? '', noticeNum: 1, sign: null, notifyUrl: null,
      notifyMode: '2', payInfo: `1#1#${v.account_type}#0#${v.acc_trade_no}`, lklOrderNo: v.trade_no, crdFlg: '92',
      payerId1: v.user_id2, payerId2: v.user_id1, smCrdFlg: '01', tradeTime: v.trade_time,
      accountChannelOrderNo: v.acc_trade_no, actualPayAmount: t.paid ? t.total : 0, logNo: v.log_no,
    };
  }

  /** Authorization for a notification: timestamp\nnonce_str\nbody\n signed with the platform key. */
  function notifyAuthorization(body) {
    const timestamp = String(Math.floor(now() / 1000));
    const nonceStr = nonce(12);
    const signature = crypto.sign('sha256', lklMessage(timestamp, nonceStr, body), platform.privateKey).toString('base64');
    return `LKLAPI-SHA256withRSA timestamp="${timestamp}",nonce_str="${nonceStr}",signature="${signature}"`;
  }

  async function deliver(t, url, body, attempt) {
    const authorization = notifyAuthorization(body);
    const entry = { out_trade_no: t.out_trade_no, trade_no: t.trade_no, url, body, authorization, attempt, at: now(), status: null, reply: null };
    notifications.push(entry);
    const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(cfg.notifyTimeoutMs)]);
    return postNotification(entry, url, { 'content-type': 'application/json', authorization }, body, signal);
  }

  /** The merchant acknowledges with {"code":"SUCCESS","message":"执行成功"} ([PSDK] LakalaNotifyApi::success). */
  function acknowledged(entry) {
    try {
      return entry.status >= 200 && entry.status < 300 && JSON.parse(entry.reply).code === 'SUCCESS';
    } catch {
      return false;
    }
  }

  function notify(t) {
    if (!t.notify_url) return;
    const body = JSON.stringify(notice(t)); // every retry sends the same bytes (freshly signed)
    const copies = hooks.duplicateNotify?.() ? 2 : 1; // chaos: the whole delivery a second time
    const { signal } = stopping;
    const run = (async () => {
      for (let copy = 1; copy <= copies && !signal.aborted; copy++) {
        for (let attempt = 0; !signal.aborted; attempt++) {
          const entry = await deliver(t, t.notify_url, body, attempt + 1);
          if (copy > 1) entry.duplicate = true;
          if (acknowledged(entry) || attempt >= cfg.notifyRetryDelays.length) break;
          await sleep(cfg.notifyRetryDelays[attempt], undefined, { signal });
        }
      }
    })().catch(() => {});
    inflight.add(run);
    run.finally(() => inflight.delete(run));
  }

  // ---- controller and control routes ----

  function find(id) {
    const t = trades.get(id) ?? byTradeNo.get(id);
    if (!t) throw new ControlError(404, `no trade ${id}`);
    return t;
  }

  const controller = {
    platformCertificatePem,
    platformSerialNo,
    merchant,
    get credentials() {
      return { ...merchant, platformCertificatePem, platformSerialNo };
    },
    /** Accepts requests signed by another key: registers `certificatePem` (its serial) for `appId`. Returns serial_no. */
    registerMerchantCertificate(appId, certificatePem) {
      const serialNo = certificateSerialHex(certificatePem);
      const key = new crypto.X509Certificate(certificatePem).publicKey;
      if (!merchants.has(appId)) merchants.set(appId, new Map());
      merchants.get(appId).set(serialNo, key);
      return serialNo;
    },
    /** The buyer pays a CREATE/DEAL payment (scanned the QR / entered the password). Returns the query view. */
    buyerPays(id, { discount = 0 } = {}) {
      const t = find(id);
      if (!isPayment(t) || !['INIT', 'CREATE', 'DEAL'].includes(t.trade_state)) {
        throw new ControlError(409, `trade ${id} is ${t.trade_main_type} ${t.trade_state}, not an unpaid payment`);
      }
      if (!Number.isSafeInteger(discount) || discount < 0 || discount >= t.total) throw new ControlError(400, 'discount: 0 ≤ fen < total');
      t.discount = discount;
      markPaid(t);
      return tradeView(t);
    },
    order(id) {
      const t = trades.get(id) ?? byTradeNo.get(id);
      return t && ledger(t);
    },
    orders: () => [...trades.values()].map(ledger),
    /** Uniform money truth for a reliability checker (see index.mjs): payments only (no refund/revoke trades). */
    ledger: () => [...trades.values()].filter(isPayment).map((t) => ({
      provider: 'lakala', merchantOrderNo: t.out_trade_no, providerOrderNo: t.trade_no, paid: t.paid, state: t.trade_state,
      total: t.total, held: t.paid ? t.total - t.refunded : 0,
    })),
    /**
     * Sends the trade notice once, now, to `url` or the trade's notify_url. Resolves to { status, body, error? }.
     * `changes` replace notice fields before signing, e.g. { merchant_no: '…' } for a notice meant for another
     * merchant (undefined removes a field); `format` 'camel' sends doc 1009's camelCase notice instead (default: noticeFormat).
     */
    async sendNotification(id, url, { changes, format } = {}) {
      const t = find(id);
      const target = url ?? t.notify_url;
      if (!target) throw new ControlError(409, `trade ${id} has no notify_url and no url was given`);
      const entry = await deliver(t, target, JSON.stringify(notice(t, changes, format)), 1);
      return { status: entry.status, body: entry.reply, ...(entry.error && { error: entry.error }) };
    },
    /** The notice for a trade as the emulator would send it now: { headers: { authorization, … }, body } (a string). */
    signedNotice(id, { changes, format } = {}) {
      const body = JSON.stringify(notice(find(id), changes, format));
      return { headers: { 'content-type': 'application/json', authorization: notifyAuthorization(body) }, body };
    },
    /**
     * `fn({ path, payload, appid, timestamp })` sees every answer before it is signed and may return
     * { payload?, appid?, timestamp? } to change it (timestamp in seconds); null stops. The platform key signs
     * the result, as Lakala's would: a stale answer (timestamp - 3600), one for another app, a replayed one
     * (an earlier payload) or one whose code and trade_state disagree. `path` is the API path (e.g.
     * '/api/v3/labs/trans/micropay'). Cleared by reset().
     */
    rewriteAnswers(fn) {
      if (fn !== null && typeof fn !== 'function') throw new TypeError('rewriteAnswers takes a function or null');
      rewrite = fn;
    },
    get notifications() {
      return notifications.map((n) => ({ ...n }));
    },
    async flushNotifications() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
    /** The emulator clock: `setNow(ms)` freezes it, `setNow(fn)` uses fn(), `setNow(null)` goes back to Date.now. */
    setNow(value) {
      clock = clockFrom(value ?? undefined);
    },
    now,
  };

  const control = (req) => controlRoutes(req, controller, {
    noun: 'trade',
    idOf: (b) => {
      const v = b.out_trade_no ?? b.trade_no;
      if (typeof v !== 'string' || !v) throw new ControlError(400, 'out_trade_no (or trade_no) is required');
      return v;
    },
  });

  // ---- the core's adversarial faults and conformance description (the interface in registry.mjs) ----

  const OPS = {
    '/trans/micropay': 'pay', '/trans/preorder': 'precreate', '/query/tradequery': 'query', '/relation/refund': 'refund',
    '/relation/close': 'close', '/relation/revoked': 'reverse',
  };
  /** Another merchant on the platform: the one platform key signs its notices too. */
  const OTHER = { merchantNo: '822290070166666', termNo: '29036666' };
  const REVERSED = ['REVOKED', 'CLOSE', 'REFUND', 'FAIL'];
  const reqData = (req) => jsonOf(req.body.toString('utf8'))?.req_data ?? {};

  /** Platform signature headers for an answer the adversary writes (not passed through rewriteAnswers). */
  function platformHeaders(text, appid) {
    const timestamp = String(Math.floor(now() / 1000));
    const nonceStr = crypto.randomBytes(16).toString('hex');
    const message = lklMessage(appid, platformSerialNo, timestamp, nonceStr, text);
    return {
      'Lklapi-Appid': appid, 'Lklapi-Serial': platformSerialNo, 'Lklapi-Timestamp': timestamp, 'Lklapi-Nonce': nonceStr,
      'Lklapi-Signature': crypto.sign('sha256', message, platform.privateKey).toString('base64'),
      'Lklapi-Traceid': crypto.randomBytes(16).toString('hex'),
    };
  }
  const platformAnswer = (payload, appid) => {
    const text = JSON.stringify(payload);
    return { status: 200, headers: platformHeaders(text, appid), raw: { type: JSON_TYPE, body: text } };
  };
  const appidOf = (req) => parseLklAuthorization(req.headers.authorization)?.appid ?? merchant.appId;

  const adversary = {
    operation(req) {
      const path = req.pathname.slice(PREFIX.length);
      const op = path.startsWith(`${API}/`) ? OPS[path.slice(API.length)] ?? null
        : path === `${RFD}/refund` ? 'refund' : null;
      return { op, notifyUrl: op ? reqData(req).notify_url || undefined : undefined };
    },
    contradictPay(frozen, req) {
      const p = jsonOf(frozen.raw.body);
      if (!p?.resp_data) return null;
      if (p.code === CODES.OK) Object.assign(p, { code: CODES.PAY_FAILED, msg: '支付失败' }, { resp_data: { ...p.resp_data, trade_state: 'SUCCESS' } });
      else if (p.code === CODES.IN_PROGRESS) Object.assign(p, { code: CODES.OK, msg: '成功' }, { resp_data: { ...p.resp_data, need_query: '0', trade_state: 'DEAL' } });
      else if (p.code === CODES.PAY_FAILED) Object.assign(p, { code: CODES.OK, msg: '成功' }, { resp_data: { ...p.resp_data, need_query: '0', trade_state: 'FAIL' } });
      else return null;
      return platformAnswer(p, appidOf(req));
    },
    contradictUnprocessed(req, info) {
      const o = info.orderNo === undefined ? undefined : controller.order(info.orderNo);
      if (!o || REVERSED.includes(o.trade_state)) return null;
      const t = beijing(now());
      const d = reqData(req);
      const resp = info.op === 'reverse'
        ? {
          merchant_no: merchant.merchantNo, out_trade_no: d.out_trade_no ?? '', trade_no: `${t.slice(0, 8)}66210${digits(9)}`,
          origin_trade_no: o.trade_no, origin_out_trade_no: o.out_trade_no, total_amount: String(o.total), trade_time: t,
          trade_state: o.trade_state,
        }
        : { origin_trade_no: o.trade_no, origin_out_trade_no: o.out_trade_no, trade_time: t, trade_state: o.trade_state };
      return platformAnswer({ code: CODES.OK, msg: '成功', resp_time: t, resp_data: resp }, appidOf(req));
    },
    forgeNotice(info) {
      const t = now();
      const tradeNo = `${beijing(t).slice(0, 8)}66210${digits(9)}`;
      const amt = String(FORGED_AMOUNT);
      const text = JSON.stringify({
        merchant_no: OTHER.merchantNo, term_no: OTHER.termNo, out_trade_no: info.orderNo, trade_no: tradeNo, log_no: tradeNo.slice(-14),
        acc_trade_no: `4200${digits(24)}`, account_type: 'WECHAT', trade_status: 'SUCCESS', trade_state: 'SUCCESS',
        trade_state_desc: '交易成功', total_amount: amt, payer_amount: amt, acc_settle_amount: amt, acc_mdiscount_amount: '0',
        acc_discount_amount: '', trade_time: beijing(t), user_id1: 'fraud', user_id2: 'fraud', bank_type: 'OTHERS',
        card_type: '99', remark: '',
      });
      const timestamp = String(Math.floor(t / 1000));
      const nonceStr = crypto.randomBytes(6).toString('hex');
      const signature = crypto.sign('sha256', lklMessage(timestamp, nonceStr, text), platform.privateKey).toString('base64');
      const authorization = `LKLAPI-SHA256withRSA timestamp="${timestamp}",nonce_str="${nonceStr}",signature="${signature}"`;
      return { url: info.notifyUrl, headers: { 'content-type': 'application/json', authorization }, body: text };
    },
    /** The same answer signed afresh (a new timestamp and nonce), as if the gateway had just given it. */
    refresh(frozen) {
      if (!frozen.headers['Lklapi-Signature']) return freeze(frozen);
      return { ...freeze(frozen), headers: platformHeaders(frozen.raw.body, frozen.headers['Lklapi-Appid']) };
    },
  };

  /** GET /__emulator/conformance: how a client of this gateway is configured and driven against the emulator. */
  const conformance = () => ({
    basePath: PREFIX,
    credentials: {
      appId: merchant.appId, serialNo: merchant.serialNo, privateKey: merchant.privateKeyPem,
      platformCertificate: platformCertificatePem, merchantNo: merchant.merchantNo, termNo: merchant.termNo,
    },
    signs: 'rsa', // requests are RSA-signed: the client picks a signer (node, webcrypto, wasm)
    secrets: [merchant.privateKeyPem.split('\n')[2]], // one full line of the merchant key's PEM
    pay: { clientIp: '127.0.0.1' },
    precreate: { channel: 'ALIPAY', clientIp: '127.0.0.1' }, // no WeChat NATIVE on Lakala (PREORDER_KINDS)
    query: { clientIp: '127.0.0.1' },
    refund: { clientIp: '127.0.0.1' },
    barcodes: { success: '130000000000000001', paying: '910000000000000001', stuck: '930000000000000001', declined: '920000000000000001' },
    queryFault: { path: `${PREFIX}${API}/query/tradequery` }, // where a queued fault hits this client's query (POST /__emulator/faults)
    orderKey: 'out_trade_no',
    notification: { signed: true, headers: ['authorization'] },
  });

  return {
    name: 'lakala',
    adversary,
    conformance,
    handles: (method, pathname) =>
      method === 'POST' && pathname.startsWith(`${PREFIX}/`) && Object.hasOwn(HANDLERS, pathname.slice(PREFIX.length)),
    handle: async (req) => handleApi(req),
    isBarcodePay: (req) => req.pathname === `${PREFIX}${API}/trans/micropay`,
    /** The payment a request is about: origin_* for refund/close/revoked, else out_trade_no / trade_no. */
    orderNo(req) {
      const d = JSON.parse(req.body.toString('utf8'))?.req_data ?? {};
      const t = lookup({ tradeNo: d.origin_trade_no, logNo: d.origin_log_no, outTradeNo: d.origin_out_trade_no })
        ?? lookup({ tradeNo: d.trade_no, outTradeNo: d.out_trade_no });
      const payment = t && !isPayment(t) ? t.origin : t;
      const id = payment?.out_trade_no ?? d.origin_out_trade_no ?? d.out_trade_no;
      return typeof id === 'string' ? id : undefined;
    },
    control,
    /** The `maintenance` fault: a signed answer with a code no client knows (Lakala's real one was not found). */
    maintenance(req) {
      const appid = parseLklAuthorization(req?.headers?.authorization)?.appid;
      const path = req?.pathname?.slice(PREFIX.length) ?? '';
      return signed(reply(CODES.MAINTENANCE, '系统维护中,请稍后重试'), merchants.has(appid) ? appid : cfg.appId, path);
    },
    /** Faults on the response signature: `bad-signature` corrupts it, `no-signature` drops the header. */
    tamper(kind, response) {
      const sig = response.headers?.['Lklapi-Signature'];
      if (!sig) return response;
      const headers = { ...response.headers };
      if (kind === 'no-signature') delete headers['Lklapi-Signature'];
      if (kind === 'bad-signature') {
        const bytes = Buffer.from(sig, 'base64');
        bytes[bytes.length - 1] ^= 0x01;
        headers['Lklapi-Signature'] = bytes.toString('base64');
      }
      return { ...response, headers };
    },
    reset() {
      stopping.abort();
      stopping = new AbortController();
      trades = new Map();
      byTradeNo = new Map();
      byLogNo = new Map();
      notifications = [];
      clock = clockFrom(cfg.now);
      rewrite = null;
    },
    close() {
      stopping.abort();
    },
    controller,
  };
}
