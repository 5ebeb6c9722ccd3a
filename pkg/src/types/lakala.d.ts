// Lakala (拉卡拉): its client options and its inputs per operation. Registered by one line in ../index.d.ts.
import type {
  Extra, HostOptions, NotificationRequest, OrderId, OrderInput, RefundFields, Signer, Unsupported, Verifier, WalletChannel,
  WalletOrderFields,
} from '../index.d.ts';

export interface LakalaCredentials {
  appId: string;
  /** The merchant certificate's serial as hex (e.g. 00dfba8194c41b84cf); or give merchantCertificate. */
  serialNo?: string;
  merchantCertificate?: string;
  /** PEM or Base64 DER, PKCS#8 or PKCS#1. */
  privateKey: string;
  /** Lakala's platform certificate (lkl-apigw-v2.cer), verifies every response. */
  platformCertificate: string;
  /** Verifies notifications when it is not the platform certificate. */
  notifyCertificate?: string;
  merchantNo: string;
  termNo: string;
}

export interface LakalaClientOptions extends HostOptions {
  provider: 'lakala';
  /** Default https://s2.lakala.com (test: https://test.wsmsd.cn/sit). */
  baseUrl?: string;
  credentials: LakalaCredentials;
  /** Replay window for notifications and for signed answers (Lklapi-Timestamp), seconds either side of now().
   * Default 300, at most 3600. */
  notificationToleranceSeconds?: number;
  /** Which refund API refund / refundQuery use. 'unified' (default): 统一退货, /api/v3/rfd/refund_front/refund and
   * …/refund_query, the one Lakala advises. 'labs': /api/v3/labs/relation/refund, refunds queried through
   * tradequery (no longer developed by Lakala; kept for merchants still on it). */
  refundApi?: 'unified' | 'labs';
  signer?: Signer;
  verifier?: Verifier;
}

/** Lakala: clientIp (location_info.request_ip) is required on every money-moving call; nonce is 1–64 letters and digits. */
export interface LakalaPayInput extends OrderInput {
  authCode: string;
  clientIp: string;
}
/**
 * Lakala preorder (聚合主扫), as its SDK defines trans_type: `kind` QR (41) on ALIPAY or UNIONPAY (no WeChat
 * NATIVE); JSAPI (51) on WECHAT (payerId = openid and subAppId required), ALIPAY (payerId = buyer_user_id
 * required) or UNIONPAY (payerId = userId when UnionPay's user auth gave one); MINI_PROGRAM (71) on WECHAT
 * (payerId and subAppId = the mini-program's appid required). No H5. A WECHAT order needs `subject`.
 * Anything else is refused (INVALID_INPUT) before sending.
 */
export interface LakalaPrecreateInput extends OrderInput, WalletOrderFields {
  channel: WalletChannel;
  clientIp: string;
}
export type LakalaQueryInput = OrderId & { extra?: Extra };
export type LakalaRefundInput = OrderId & RefundFields & { clientIp: string };
export type LakalaCloseInput = OrderId & { clientIp: string; extra?: Extra };
/** A Lakala reversal is a trade of its own: its out_trade_no is `refundNo` when given. */
export type LakalaReversalInput = OrderId & { clientIp: string; refundNo?: string; extra?: Extra };
/** A Lakala refund is a trade of its own: asked about by its number. */
export interface LakalaRefundQueryInput {
  refundNo: string;
  extra?: Extra;
}

type LakalaHasNo = 'activate and checkin are terminal operations Lakala does not have';

export interface LakalaInputs {
  activate: Unsupported<LakalaHasNo>;
  checkin: Unsupported<LakalaHasNo>;
  pay: LakalaPayInput;
  precreate: LakalaPrecreateInput;
  query: LakalaQueryInput;
  refund: LakalaRefundInput;
  cancel: LakalaReversalInput;
  revoke: LakalaReversalInput;
  close: LakalaCloseInput;
  refundQuery: LakalaRefundQueryInput;
}

/** What the registry needs of a gateway (see `ProviderTypes` in ../index.d.ts). */
export interface LakalaTypes {
  options: LakalaClientOptions;
  inputs: LakalaInputs;
  versions: never;
  defaultVersion: never;
  /** The order a waitForPayment watches is closed or cancelled with the client's IP. */
  wait: { clientIp: string };
  wapPay: Unsupported<'Lakala has no WAP cashier URL'>;
  notification: NotificationRequest;
  signer: 'node' | 'webcrypto' | 'wasm' | 'custom';
  verifier: 'node' | 'webcrypto' | 'wasm' | 'custom';
}

declare module '../index.d.ts' {
  interface ProviderTypes<V> {
    lakala: LakalaTypes;
  }
}
