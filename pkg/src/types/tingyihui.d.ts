// Tingyihui (停宜慧): its client options and its inputs per operation. Registered by one line in ../index.d.ts.
import type { Extra, HostOptions, NotificationRequest, OrderId, OrderInput, RefundFields, RefundId, ReversalInput, Signer, Unsupported, WalletOrderFields } from '../index.d.ts';

export interface TingyihuiCredentials {
  accessId: string;
  /** The secretKey: bare Base64 PKCS#8 DER as handed out, or PEM. */
  privateKey: string;
  /** osMerchantCode, needed to create trades. */
  merchantCode?: string;
}

export interface TingyihuiClientOptions extends HostOptions {
  provider: 'tingyihui';
  /** Default https://os.hfcsbc.com */
  baseUrl?: string;
  credentials: TingyihuiCredentials;
  signer?: Signer;
  /** Read callbacks (verified: false) although no signature anyone can check vouches for them; off (the default),
   * verifyNotification refuses them as UNVERIFIABLE. Either way, confirm the order with query before acting. */
  readUnsignedCallbacks?: boolean;
}

/** What every Tingyihui trade has (SDK TradeCmd): one wallet per trade (payChannel). */
interface TingyihuiTradeInput extends OrderInput {
  subject: string;
  channel: 'ALIPAY' | 'WECHAT';
  /** Sent as remark. */
  reflect?: string;
}

/** A code the buyer scans (payProduct USER_QR): order.qrCode. */
export interface TingyihuiQrInput extends TingyihuiTradeInput {
  kind?: 'QR';
  payerId?: never;
  subAppId?: never;
  returnUrl?: never;
}

/** A mini-program payment (payProduct MINI_APP): order.payParams is WechatPayParams or AlipayPayParams.
 * Tingyihui documents no official-account / life-page (JSAPI) payment: JSAPI is refused. */
export interface TingyihuiMiniProgramInput extends TingyihuiTradeInput, WalletOrderFields {
  kind: 'MINI_PROGRAM';
  /** The buyer in the wallet (ownerAppBuyerId, "小程序必传"): WeChat openid or Alipay user id. */
  payerId: string;
  /** The merchant's own mini-program app id, if it has one (ownerAppId). */
  subAppId?: string;
  returnUrl?: never;
}

/** A phone browser sent to the wallet (payProduct M_WEB): order.payParams is RedirectPayParams. */
export type TingyihuiH5Input = TingyihuiTradeInput & { kind: 'H5' | 'WAP'; payerId?: never; subAppId?: never } & (
  | {
      channel: 'ALIPAY';
      /** Where the buyer returns if they leave the payment (quitUrl, "支付宝手机网页支付必传"). */
      returnUrl: string;
    }
  | { channel: 'WECHAT'; returnUrl?: never }
);

export type TingyihuiPrecreateInput = TingyihuiQrInput | TingyihuiMiniProgramInput | TingyihuiH5Input;
export type TingyihuiQueryInput = OrderId & { extra?: Extra };
export type TingyihuiRefundInput = OrderId & RefundFields;
export type TingyihuiRefundQueryInput = RefundId & { extra?: Extra };

type TingyihuiHas = 'Tingyihui supports precreate, query, close, refund and refundQuery';

export interface TingyihuiInputs {
  activate: Unsupported<TingyihuiHas>;
  checkin: Unsupported<TingyihuiHas>;
  pay: Unsupported<TingyihuiHas>;
  precreate: TingyihuiPrecreateInput;
  query: TingyihuiQueryInput;
  refund: TingyihuiRefundInput;
  cancel: Unsupported<TingyihuiHas>;
  revoke: Unsupported<TingyihuiHas>;
  close: ReversalInput;
  refundQuery: TingyihuiRefundQueryInput;
}

/** What the registry needs of a gateway (see `ProviderTypes` in ../index.d.ts). */
export interface TingyihuiTypes {
  options: TingyihuiClientOptions;
  inputs: TingyihuiInputs;
  versions: never;
  defaultVersion: never;
  wait: { clientIp?: string };
  wapPay: Unsupported<'Tingyihui has no WAP cashier URL'>;
  /** Callbacks are read, never vouched for (no published signature): `verified` is false; confirm by query. */
  notification: NotificationRequest;
  signer: 'node' | 'webcrypto' | 'wasm' | 'custom';
  verifier: null;
}

declare module '../index.d.ts' {
  interface ProviderTypes<V> {
    tingyihui: TingyihuiTypes;
  }
}
