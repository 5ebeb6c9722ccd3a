// Tingyihui (停易汇): its client options and its inputs per operation. Registered by one line in ../index.d.ts.
import type { Extra, HostOptions, OrderId, OrderInput, RefundFields, RefundId, ReversalInput, Signer, Unsupported } from '../index.d.ts';

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
}

export interface TingyihuiPrecreateInput extends OrderInput {
  subject: string;
  channel: 'ALIPAY' | 'WECHAT';
  /** The buyer's id: a mini-program payment instead of a QR. */
  payerId?: string;
  /** Sent as remark. */
  reflect?: string;
}
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
  notification: Unsupported<'Tingyihui callbacks are unsigned: treat one as a hint and confirm with query'>;
  signer: 'node' | 'webcrypto' | 'wasm' | 'custom';
  verifier: null;
}

declare module '../index.d.ts' {
  interface ProviderTypes<V> {
    tingyihui: TingyihuiTypes;
  }
}
