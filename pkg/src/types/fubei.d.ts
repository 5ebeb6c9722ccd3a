// Fubei (付呗): its client options and its inputs per operation, for both APIs. Registered by one line in
// ../index.d.ts.
import type {
  Extra, HostOptions, NotificationRequest, OrderId, OrderInput, RefundFields, RefundId, ReversalInput, Unsupported, WalletChannel,
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
/** Fubei 1.0 QR order: the wallet is required. */
export interface FubeiPrecreateInput extends OrderInput {
  channel: WalletChannel;
  reflect?: string;
  deviceId?: string;
  cashierId?: string;
}
/** Fubei 2.0 QR order: without `channel`, an aggregated code any wallet can scan. */
export interface FubeiAgentPrecreateInput extends OrderInput {
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
