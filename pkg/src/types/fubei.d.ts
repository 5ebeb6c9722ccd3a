// Fubei (付呗): its client options and its inputs per operation, for both APIs. Registered by one line in
// ../index.d.ts.
import type {
  Extra, HostOptions, NotificationRequest, OrderId, OrderInput, RefundFields, RefundId, ReversalInput, Unsupported, WalletChannel,
  WalletOrderFields,
} from '../index.d.ts';

/** Fubei's API: '1.0' merchant API (the default) or '2.0' agent API ("fbpay"). */
export type FubeiApiVersion = '1.0' | '2.0';

export interface FubeiAppCredentials {
  appId: string;
  appSecret: string;
}

export interface FubeiVendorCredentials {
  vendorSn: string;
  vendorSecret: string;
  /** merchant_id, sent inside biz_content. */
  merchantId: number | string;
}

/** Fubei's nonce is 16–32 characters (the default's 32 hex digits fit). */
export interface FubeiClientOptions extends HostOptions {
  provider: 'fubei';
  /** Default https://shq-api.51fubei.com; /gateway (1.0) or /gateway/agent (2.0) is appended. */
  baseUrl?: string;
  /** '1.0' merchant API (default) or '2.0' agent API ("fbpay"); vendor credentials need '2.0'. */
  apiVersion?: FubeiApiVersion;
  /** The reply to notifications; default 'success'. */
  notifyAck?: string;
  credentials?: FubeiAppCredentials | FubeiVendorCredentials;
}

/** Fubei pay (1.0: `channel` is sent as `type` when given; the barcode tells the wallet otherwise). */
export interface FubeiPayInput extends OrderInput {
  authCode: string;
  channel?: WalletChannel;
  /** Sent as attach. */
  reflect?: string;
  /** device_no (1.0: at most 18 characters). */
  deviceId?: string;
  /** Fubei's numeric cashier_id, digits. */
  cashierId?: string;
}
/** Fubei 2.0 (agent API) pay: the barcode tells the wallet. */
export interface FubeiAgentPayInput extends OrderInput {
  authCode: string;
  reflect?: string;
  deviceId?: string;
  cashierId?: string;
}
/**
 * Fubei 1.0 precreate. The wallet is always named. `kind`: QR (default, openapi.payment.order.scan);
 * MINI_PROGRAM with WECHAT (openapi.payment.order.mina: payerId is the mini-program openid, `sub_openid`; the
 * app is the mini-program bound at Fubei); JSAPI with ALIPAY (openapi.payment.Alipay.H5: payerId is the Alipay
 * user id, `buyer_id`). No WeChat JSAPI, no H5, and no app id (subAppId) in 1.0.
 */
export interface FubeiPrecreateInput extends OrderInput, Omit<WalletOrderFields, 'subAppId'> {
  channel: WalletChannel;
  reflect?: string;
  deviceId?: string;
  cashierId?: string;
}
/**
 * Fubei 2.0 precreate. `kind`: QR (default, fbpay.order.precreate; without `channel`, an aggregated code any
 * wallet can scan); JSAPI with WECHAT or ALIPAY (fbpay.order.create: payerId is the openid or Alipay user id,
 * `user_id`; subAppId, `sub_appid`, the official account's appid, required for WECHAT). No MINI_PROGRAM or H5.
 */
export interface FubeiAgentPrecreateInput extends OrderInput, WalletOrderFields {
  channel?: WalletChannel;
  reflect?: string;
  deviceId?: string;
  cashierId?: string;
}
export type FubeiQueryInput = OrderId & { deviceId?: string; extra?: Extra };
export type FubeiRefundInput = OrderId & RefundFields & { deviceId?: string };
export type FubeiRefundQueryInput = RefundId & {
  /** The refunded order, sent when given (Fubei 1.0's Java SDK asks for it). */
  merchantOrderNo?: string;
  providerOrderNo?: string;
  extra?: Extra;
};

type FubeiHasNo = 'activate and checkin are terminal operations Fubei does not have';

export interface FubeiInputs<A extends FubeiApiVersion = FubeiApiVersion> {
  activate: Unsupported<FubeiHasNo>;
  checkin: Unsupported<FubeiHasNo>;
  pay: A extends '2.0' ? FubeiAgentPayInput : FubeiPayInput;
  precreate: A extends '2.0' ? FubeiAgentPrecreateInput : FubeiPrecreateInput;
  query: FubeiQueryInput;
  refund: FubeiRefundInput;
  cancel: ReversalInput;
  revoke: ReversalInput;
  close: ReversalInput;
  refundQuery: FubeiRefundQueryInput;
}

/** What the registry needs of a gateway (see `ProviderTypes` in ../index.d.ts); `V` is the API version. */
export interface FubeiTypes<V> {
  options: FubeiClientOptions;
  inputs: FubeiInputs<Extract<V, FubeiApiVersion>>;
  versions: FubeiApiVersion;
  defaultVersion: '1.0';
  wait: { clientIp?: string };
  wapPay: Unsupported<'Fubei has no WAP cashier URL'>;
  notification: NotificationRequest;
  signer: null;
  verifier: null;
}

declare module '../index.d.ts' {
  interface ProviderTypes<V> {
    fubei: FubeiTypes<V>;
  }
}
