// Shouqianba (收钱吧): its client options and its inputs per operation. Registered by one line in ../index.d.ts.
import type {
  Extra, HostOptions, NotificationRequest, OrderId, OrderInput, RefundFields, ReversalInput, Unsupported, Verifier,
  WalletOrderFields,
} from '../index.d.ts';

export interface ShouqianbaCredentials {
  terminalSn?: string;
  terminalKey?: string;
  /** Shouqianba's RSA public key (PEM or Base64; SPKI or PKCS#1), to verify notifications. */
  notifyPublicKey?: string;
}

export interface ShouqianbaClientOptions extends HostOptions {
  provider: 'shouqianba';
  /** Default https://vsi-api.shouqianba.com */
  baseUrl?: string;
  /** WAP cashier gateway; default https://qr.shouqianba.com/gateway */
  wapBaseUrl?: string;
  credentials?: ShouqianbaCredentials;
  /** Verifies notifications with notifyPublicKey (see Verifier). */
  verifier?: Verifier;
}

/** Shouqianba terminal activation (once per device). */
export interface ActivateInput {
  vendorSn: string;
  vendorKey: string;
  appId: string;
  /** The activation code. */
  code: string;
  deviceId: string;
  /** Sent as client_sn: your own number for the terminal. */
  merchantOrderNo?: string;
  name?: string;
  osInfo?: string;
  sdkVersion?: string;
  extra?: Extra;
}

/** Shouqianba daily check-in. */
export interface CheckinInput {
  deviceId: string;
  osInfo?: string;
  sdkVersion?: string;
  extra?: Extra;
}

/** Shouqianba pay and precreate. */
export interface ShouqianbaOrderInput extends OrderInput {
  subject: string;
  operator: string;
  /** Both or neither. */
  longitude?: string;
  latitude?: string;
  deviceId?: string;
  /** Echoed back in the answer and the notification. */
  reflect?: string;
}
export interface ShouqianbaPayInput extends ShouqianbaOrderInput {
  /** The buyer's barcode (dynamic_id). */
  authCode: string;
  /** Digits: "2" Alipay, "3" WeChat, …; optional (the barcode tells the wallet). */
  payway?: string;
}
/**
 * Shouqianba precreate: QR for ALIPAY, WECHAT and UNIONPAY; JSAPI and MINI_PROGRAM for ALIPAY and WECHAT
 * (payerId: the WeChat openid or the Alipay user id). No H5 (use wapPayUrl), no subAppId (Shouqianba binds
 * the official account or mini-program to the merchant at onboarding).
 */
export type ShouqianbaPrecreateInput = ShouqianbaOrderInput & Omit<WalletOrderFields, 'subAppId'> & {
  /** "2" QR, "3" WAP (JSAPI), "4" mini-program: the gateway's numbers, still accepted; prefer `kind`. */
  subPayway?: string;
} & (
  | {
      channel: 'ALIPAY' | 'WECHAT' | 'UNIONPAY';
      /** Digits: "2" (or "1") Alipay, "3" WeChat, "17" UnionPay: still accepted; must agree with `channel`. */
      payway?: string;
    }
  | { channel?: 'ALIPAY' | 'WECHAT' | 'UNIONPAY'; payway: string }
);
/** Shouqianba's WAP cashier URL. */
export interface ShouqianbaWapPayInput extends OrderInput {
  subject: string;
  operator: string;
  returnUrl: string;
  payway?: string;
  longitude?: string;
  latitude?: string;
  reflect?: string;
}
export type ShouqianbaQueryInput = OrderId & {
  /** Ask about one refund of the order too (result.refund). */
  refundNo?: string;
  extra?: Extra;
};
export type ShouqianbaRefundInput = OrderId & RefundFields & { operator: string };

export interface ShouqianbaInputs {
  activate: ActivateInput;
  checkin: CheckinInput;
  pay: ShouqianbaPayInput;
  precreate: ShouqianbaPrecreateInput;
  query: ShouqianbaQueryInput;
  refund: ShouqianbaRefundInput;
  cancel: ReversalInput;
  revoke: ReversalInput;
  close: Unsupported<'Shouqianba has no close: use cancel'>;
  refundQuery: Unsupported<'Shouqianba has no refundQuery: use query with refundNo'>;
}

/** What the registry needs of a gateway (see `ProviderTypes` in ../index.d.ts). */
export interface ShouqianbaTypes {
  options: ShouqianbaClientOptions;
  inputs: ShouqianbaInputs;
  versions: never;
  defaultVersion: never;
  wait: { clientIp?: string };
  wapPay: ShouqianbaWapPayInput;
  notification: NotificationRequest;
  signer: null;
  verifier: 'node' | 'webcrypto' | 'wasm' | 'custom' | null;
}

declare module '../index.d.ts' {
  interface ProviderTypes<V> {
    shouqianba: ShouqianbaTypes;
  }
}
