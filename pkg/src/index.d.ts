// Public types of the aggpay package. Amounts are integer fen; times are epoch milliseconds.

export type ProviderName = 'shouqianba' | 'fubei' | 'lakala' | 'tingyihui';

export type OperationName =
  | 'activate'
  | 'checkin'
  | 'pay'
  | 'precreate'
  | 'query'
  | 'refund'
  | 'refundQuery'
  | 'cancel'
  | 'revoke'
  | 'close';

/** What happened to this operation. */
export type Outcome = 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS' | 'UNKNOWN';

/** What the caller should do now. */
export type Next = 'NONE' | 'POLL' | 'CANCEL' | 'CONTACT_SUPPORT' | 'RETRY';

export type OrderState = 'PENDING' | 'SUCCESS' | 'FAILED' | 'CLOSED' | 'REFUNDING' | 'PARTIALLY_REFUNDED' | 'REFUNDED' | 'UNKNOWN';

export type Channel = 'ALIPAY' | 'WECHAT' | 'UNIONPAY' | 'OTHER';

export type RefundState = 'PENDING' | 'SUCCESS' | 'FAILED' | 'UNKNOWN';

export type ErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_CONFIG'
  | 'INVALID_KEY'
  | 'UNSUPPORTED_OPERATION'
  | 'NETWORK'
  | 'RESPONSE_SIGNATURE_INVALID'
  | 'NOTIFICATION_INVALID'
  | 'MALFORMED_RESPONSE'
  | 'AUTH_FAILED'
  | 'INVALID_REQUEST'
  | 'ORDER_NOT_FOUND'
  | 'DUPLICATE_ORDER'
  | 'INVALID_ORDER_STATE'
  | 'INSUFFICIENT_FUNDS'
  | 'BARCODE_INVALID'
  | 'LIMIT_EXCEEDED'
  | 'REFUND_CONFLICT'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_ERROR';

/** TOO_LARGE: over the 1 MiB limit. WRONG_MERCHANT: genuinely signed, but for another merchant, terminal or app.
 * WRONG_ORDER / WRONG_AMOUNT: genuine, but not about the order given as `expect`. */
export type NotificationRejection =
  | 'MISSING_SIGNATURE' | 'BAD_SIGNATURE' | 'EXPIRED' | 'MALFORMED' | 'TOO_LARGE' | 'WRONG_MERCHANT' | 'WRONG_ORDER' | 'WRONG_AMOUNT';

/** JSON as a provider sent it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  field?: string;
  reason?: NotificationRejection;
  providerCode?: string;
  providerMessage?: string;
}

/** Thrown for programmer mistakes (bad input, config or key) before anything is sent, and for rejected notifications. */
export declare class AggpayError extends Error implements ErrorInfo {
  readonly name: 'AggpayError';
  code: ErrorCode;
  retryable: boolean;
  field?: string;
  reason?: NotificationRejection;
  providerCode?: string;
  providerMessage?: string;
}

export interface Amounts {
  total: number | null;
  paid: number | null;
  refunded: number | null;
  net: number | null;
  fee: number | null;
  discount: number | null;
}

export interface Order {
  state: OrderState;
  /** True when the payment is settled (a later refund can still move it). */
  final: boolean;
  merchantOrderNo: string | null;
  providerOrderNo: string | null;
  channelOrderNo: string | null;
  channel: Channel | null;
  amounts: Amounts;
  paidAt: number | null;
  qrCode?: string;
  payParams?: Json;
  /** The provider's own state value, as sent. */
  providerState: string | null;
}

export interface Refund {
  refundNo: string | null;
  providerRefundNo: string | null;
  amount: number | null;
  state: RefundState;
  providerState: string | null;
}

/** New Shouqianba terminal credentials (activate, checkin). The key is a secret: store it safely. */
export interface TerminalCredentials {
  terminalSn: string;
  terminalKey: string;
}

export interface OperationResult {
  provider: ProviderName;
  operation: OperationName;
  outcome: Outcome;
  next: Next;
  error?: ErrorInfo;
  order?: Order;
  refund?: Refund;
  credentials?: TerminalCredentials;
  /** The provider's parsed body, secrets redacted; null when the body was not JSON. */
  raw: Json;
}

export interface HttpRequest {
  method: 'POST' | 'GET';
  url: string;
  headers: Record<string, string>;
  /** Exactly the bytes that were signed. */
  body: string;
}

/** Request or response headers as a runtime hands them over: a `Headers` (or a Map), an array of
 * [name, value] pairs, or a plain record such as Node's `req.headers` (`IncomingHttpHeaders`: a repeated
 * header is an array, joined with ", "; an absent one is undefined and skipped). Names are case-insensitive. */
export type HeadersLike =
  | { entries(): Iterable<readonly [string, string]> }
  | Iterable<readonly [string, string]>
  | { readonly [name: string]: string | readonly string[] | undefined };

export type BodyLike = string | Uint8Array | ArrayBuffer | ArrayBufferView;

export interface HttpResponseLike {
  status: number;
  headers?: HeadersLike;
  body: BodyLike;
}

export interface NotificationRequest {
  headers: HeadersLike;
  /** The raw body exactly as received — never re-serialized JSON. */
  body: BodyLike;
}

export interface Ack {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface VerifiedNotification {
  order: Order;
  /** Send this back to the gateway. */
  ack: Ack;
  raw: Json;
}

export interface FetchResponseLike {
  status: number;
  headers: HeadersLike;
  arrayBuffer?(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<FetchResponseLike>;

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
}

/** RSA signing: platform crypto where there is one ('auto'), the blinded Rust signer ('wasm'), a forced
 * platform ('node', 'webcrypto'), or your own (e.g. an HSM or KMS): bytes in, signature bytes out. */
export type Signer = 'auto' | 'wasm' | 'node' | 'webcrypto' | ((message: Uint8Array) => Promise<Uint8Array>);

export interface HostOptions {
  fetch?: FetchLike;
  /** Epoch milliseconds; default Date.now. */
  now?: () => number;
  /** A fresh random string per request; default crypto.getRandomValues (32 hex digits). Lakala needs
   * 1–64 letters and digits, Fubei 16–32. */
  nonce?: () => string;
  /** Per-request transport timeout; a timeout is outcome UNKNOWN, never FAILED. Default 30000, at most 2^31-1. */
  timeoutMs?: number;
  /** Called once per gateway exchange this client makes (every operation, and each request of payAndConfirm /
   * waitForPayment), with secrets and signatures already scrubbed: safe to log. Not awaited; whatever it
   * throws or rejects with is ignored and never changes what the caller gets. */
  onExchange?: (e: Exchange) => void;
}

/** One gateway exchange, for logging. Every text is scrubbed: signatures (Authorization's signature part,
 * Lklapi-Signature, body `sign`/`signature`), keys (`terminal_key`, `vendor_key`, activate's `code`), and every
 * occurrence of a secret the client knows become `[SCRUBBED]`. No text exceeds the body limit (1 MiB): a longer
 * one is cut and marked. */
export interface Exchange {
  operation: OperationName;
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  /** null when no answer came (network failure, timeout); an answer over the limit has a marker for its body. */
  response: { status: number; headers: Record<string, string>; body: string } | null;
  /** A scrubbed copy of the result the caller got (credentials.terminalKey and raw `sign` fields scrubbed). */
  result: OperationResult;
  /** Milliseconds from sending to the result. */
  ms: number;
}

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
  signer?: Signer;
}

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

export interface FubeiClientOptions extends HostOptions {
  provider: 'fubei';
  /** Default https://shq-api.51fubei.com; /gateway (1.0) or /gateway/agent (2.0) is appended. */
  baseUrl?: string;
  /** '1.0' merchant API (default) or '2.0' agent API ("fbpay"); vendor credentials need '2.0'. */
  apiVersion?: '1.0' | '2.0';
  /** The reply to notifications; default 'success'. */
  notifyAck?: string;
  credentials?: FubeiAppCredentials | FubeiVendorCredentials;
}

export type ClientOptions = ShouqianbaClientOptions | FubeiClientOptions | LakalaClientOptions | TingyihuiClientOptions;

/** How a pay-and-confirm or wait-for-payment ended. PAID: paid for exactly the asked amount, nothing refunded since. FAILED: the gateway said no money was taken
 * (never inferred from "order not found" alone). TIMED_OUT_REVERSED: a query confirmed the reversal. Anything
 * uncertain — paid for another amount, a cancel/revoke still in flight, a reversal the query contradicts: NEEDS_ATTENTION. */
export type Verdict = 'PAID' | 'FAILED' | 'TIMED_OUT_REVERSED' | 'NEEDS_ATTENTION';

export interface FlowOutcome {
  /** FAILED only when the gateway said no money was taken; an uncertain end is NEEDS_ATTENTION. */
  verdict: Verdict;
  /** What happened, in words a cashier can act on. */
  message: string;
  /** The last OperationResult (null if stopped before anything was sent). */
  result: OperationResult | null;
}

export interface FlowOptions {
  /** How long to wait for the buyer before reversing; default the provider's documented cadence (45–240 s); at most 2^31-1. */
  timeoutMs?: number;
  /** Stops polling; resolves NEEDS_ATTENTION with the last known state (rejects if nothing was sent yet). */
  signal?: AbortSignal;
  /** The timer between queries; inject one (with `now`) to compress time in tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The flow's clock (elapsed time only; signing keeps the client's now). Default the client's now. */
  now?: () => number;
}

/** Provider fields added to the request as they are. */
export type Extra = Record<string, Json>;

// ---------------------------------------------------------------- inputs, per provider and operation
//
// Each operation's input is typed for the client's provider: a field that provider requires for that
// operation is required, a field it has no use for there is a type error, and an operation it does not
// have takes an `Unsupported<why>` that nothing satisfies. The portable descriptive fields (operator,
// subject, description, storeId, clientIp, notifyUrl) are accepted by every provider's money-moving
// inputs, so code written for one gateway compiles for another; a provider with no use for one leaves
// it out of the request. `Client` without a provider accepts what at least one provider accepts.

/** Fubei's API: '1.0' merchant API (the default) or '2.0' agent API ("fbpay"). */
export type FubeiApiVersion = '1.0' | '2.0';

/** The wallet a QR order is for (Lakala, Fubei 1.0, Tingyihui). */
export type WalletChannel = 'ALIPAY' | 'WECHAT' | 'UNIONPAY';

/** An operation the provider does not have: nothing is assignable to it, and the error names why. */
export type Unsupported<Why extends string> = { readonly [K in Why]: never };

/** Names an order: merchantOrderNo, providerOrderNo, or both (at least one). */
export type OrderId =
  | { merchantOrderNo?: string; providerOrderNo: string }
  | { merchantOrderNo: string; providerOrderNo?: string };

/** Names a refund: refundNo (yours), providerRefundNo (the gateway's), or both (at least one). */
export type RefundId =
  | { refundNo?: string; providerRefundNo: string }
  | { refundNo: string; providerRefundNo?: string };

/** Accepted by every provider's money-moving inputs; required where noted. */
export interface DescriptiveFields {
  /** The cashier (Shouqianba: required on pay, precreate, refund and the WAP URL). */
  operator?: string;
  /** What is sold (Shouqianba and Tingyihui: required on orders). */
  subject?: string;
  /** A longer description; the refund reason on refunds (Lakala, Tingyihui). */
  description?: string;
  /** The store (Fubei: its numeric store_id, digits; Lakala: store_id; Tingyihui: osStoreCode). */
  storeId?: string;
  /** The buyer's or till's IP (Lakala's location_info.request_ip: required on every money-moving call). */
  clientIp?: string;
  /** Where the gateway sends its notification. */
  notifyUrl?: string;
}

/** What every order (pay, precreate) has. */
export interface OrderInput extends DescriptiveFields {
  merchantOrderNo: string;
  /** Integer fen, > 0. */
  amount: number;
  extra?: Extra;
}

/** What every refund has. */
export interface RefundFields extends DescriptiveFields {
  /** The idempotency key: reuse it when retrying, a new one per partial refund. */
  refundNo: string;
  /** Integer fen, > 0. */
  amount: number;
  extra?: Extra;
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
export interface ShouqianbaPrecreateInput extends ShouqianbaOrderInput {
  /** Digits: "2" Alipay, "3" WeChat, … */
  payway: string;
  /** "2" QR (default), "3" WAP, "4" mini-program (the last two need payerUid). */
  subPayway?: string;
  payerUid?: string;
}
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

export interface LakalaPayInput extends OrderInput {
  authCode: string;
  clientIp: string;
}
export interface LakalaPrecreateInput extends OrderInput {
  channel: WalletChannel;
  clientIp: string;
  /** The buyer's id: a JSAPI order (trans_type 51) instead of a QR (41). */
  payerUid?: string;
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

export interface TingyihuiPrecreateInput extends OrderInput {
  subject: string;
  channel: 'ALIPAY' | 'WECHAT';
  /** The buyer's id: a mini-program payment instead of a QR. */
  payerUid?: string;
  /** Sent as remark. */
  reflect?: string;
}
export type TingyihuiQueryInput = OrderId & { extra?: Extra };
export type TingyihuiRefundInput = OrderId & RefundFields;
export type TingyihuiRefundQueryInput = RefundId & { extra?: Extra };

/** cancel / revoke / close where nothing more is needed. */
export type ReversalInput = OrderId & { clientIp?: string; extra?: Extra };

/** An order reference for cancel / revoke / close (the name before inputs were typed per provider). */
export type OrderRef = ReversalInput;

type ShouqianbaOnly = 'activate and checkin are Shouqianba terminal operations';
type TingyihuiHas = 'Tingyihui supports precreate, query, close, refund and refundQuery';

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
export interface FubeiInputs<A extends FubeiApiVersion = FubeiApiVersion> {
  activate: Unsupported<ShouqianbaOnly>;
  checkin: Unsupported<ShouqianbaOnly>;
  pay: A extends '2.0' ? FubeiAgentPayInput : FubeiPayInput;
  precreate: A extends '2.0' ? FubeiAgentPrecreateInput : FubeiPrecreateInput;
  query: FubeiQueryInput;
  refund: FubeiRefundInput;
  cancel: ReversalInput;
  revoke: ReversalInput;
  close: ReversalInput;
  refundQuery: FubeiRefundQueryInput;
}
export interface LakalaInputs {
  activate: Unsupported<ShouqianbaOnly>;
  checkin: Unsupported<ShouqianbaOnly>;
  pay: LakalaPayInput;
  precreate: LakalaPrecreateInput;
  query: LakalaQueryInput;
  refund: LakalaRefundInput;
  cancel: LakalaReversalInput;
  revoke: LakalaReversalInput;
  close: LakalaCloseInput;
  refundQuery: LakalaRefundQueryInput;
}
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
export interface InputsByProvider<A extends FubeiApiVersion = FubeiApiVersion> {
  shouqianba: ShouqianbaInputs;
  fubei: FubeiInputs<A>;
  lakala: LakalaInputs;
  tingyihui: TingyihuiInputs;
}

/** Each operation's input for provider P (a union of providers: what any of them accepts). */
export type OperationInputs<P extends ProviderName = ProviderName, A extends FubeiApiVersion = FubeiApiVersion> =
  InputsByProvider<A>[P];

export type PayInput<P extends ProviderName = ProviderName, A extends FubeiApiVersion = FubeiApiVersion> = OperationInputs<P, A>['pay'];
export type PrecreateInput<P extends ProviderName = ProviderName, A extends FubeiApiVersion = FubeiApiVersion> = OperationInputs<P, A>['precreate'];
export type QueryInput<P extends ProviderName = ProviderName> = OperationInputs<P>['query'];
export type RefundInput<P extends ProviderName = ProviderName> = OperationInputs<P>['refund'];
export type RefundQueryInput<P extends ProviderName = ProviderName> = OperationInputs<P>['refundQuery'];

/** Shouqianba's WAP cashier URL; no other provider has one. */
export type WapPayInput<P extends ProviderName = ProviderName> = P extends 'shouqianba'
  ? ShouqianbaWapPayInput
  : Unsupported<'only Shouqianba has a WAP cashier URL'>;

/** The order a waitForPayment watches: polled, then closed or cancelled on timeout (Lakala: with clientIp). */
export type WaitInput<P extends ProviderName = ProviderName> = OrderId & {
  /** Integer fen: PAID only for exactly this amount. */
  amount: number;
} & (P extends 'lakala' ? { clientIp: string } : { clientIp?: string });

/** What a notification may be verified as: Tingyihui's callbacks are unsigned. */
export type NotificationInput<P extends ProviderName = ProviderName> = P extends 'tingyihui'
  ? Unsupported<'Tingyihui callbacks are unsigned: treat one as a hint and confirm with query'>
  : NotificationRequest;

/** Which signer signs requests; providers that do not sign with RSA have none. */
export type SignerKind<P extends ProviderName = ProviderName> = P extends 'lakala' | 'tingyihui'
  ? 'node' | 'webcrypto' | 'wasm' | 'custom'
  : null;

/** The order a merchant holds, to check a notification against. */
export interface NotificationExpectation {
  merchantOrderNo?: string;
  providerOrderNo?: string;
  /** Integer fen: the notice must report exactly this order total. */
  amount?: number;
}

/**
 * A client for provider P (from `createClient({ provider })`; `A` is Fubei's API version). `Client`
 * alone is the client of any provider: its inputs accept what at least one provider accepts.
 */
export interface Client<P extends ProviderName = ProviderName, A extends FubeiApiVersion = FubeiApiVersion> {
  readonly provider: P;
  activate(input: OperationInputs<P, A>['activate']): Promise<OperationResult>;
  checkin(input: OperationInputs<P, A>['checkin']): Promise<OperationResult>;
  pay(input: OperationInputs<P, A>['pay']): Promise<OperationResult>;
  precreate(input: OperationInputs<P, A>['precreate']): Promise<OperationResult>;
  query(input: OperationInputs<P, A>['query']): Promise<OperationResult>;
  refund(input: OperationInputs<P, A>['refund']): Promise<OperationResult>;
  cancel(input: OperationInputs<P, A>['cancel']): Promise<OperationResult>;
  revoke(input: OperationInputs<P, A>['revoke']): Promise<OperationResult>;
  close(input: OperationInputs<P, A>['close']): Promise<OperationResult>;
  refundQuery(input: OperationInputs<P, A>['refundQuery']): Promise<OperationResult>;
  /** Which signer signs requests: null for providers that do not sign with RSA. */
  readonly signer: SignerKind<P>;
  /** A barcode payment, confirmed: pay, poll while the buyer confirms, reverse on timeout. Never pays twice. */
  payAndConfirm(input: OperationInputs<P, A>['pay'], options?: FlowOptions): Promise<FlowOutcome>;
  /** Waits for the buyer of a precreate/QR order: poll, then close/cancel on timeout. */
  waitForPayment(input: WaitInput<P>, options?: FlowOptions): Promise<FlowOutcome>;
  /** The signed request, without sending it. */
  buildRequest<K extends OperationName>(operation: K, input: OperationInputs<P, A>[K]): Promise<HttpRequest>;
  /** Maps a response you fetched yourself; pass the input to check the answer is about your order. */
  parseResponse<K extends OperationName>(operation: K, response: HttpResponseLike, input?: OperationInputs<P, A>[K]): Promise<OperationResult>;
  /**
   * Verifies a notification over its raw bytes, for this client's merchant/terminal/app only; throws
   * AggpayError (NOTIFICATION_INVALID) when it is not genuine. Give `expect` (the order you hold) and a
   * genuine notice about another order or amount is refused too (reason WRONG_ORDER / WRONG_AMOUNT);
   * without it, compare merchantOrderNo and amounts.total yourself.
   */
  verifyNotification(notification: NotificationInput<P>, expect?: NotificationExpectation): Promise<VerifiedNotification>;
  /** Shouqianba's signed WAP cashier URL (redirect the buyer's browser to it). */
  wapPayUrl(input: WapPayInput<P>): string;
}

/**
 * A client for one gateway, typed by `provider` (and Fubei's `apiVersion`): `createClient({ provider:
 * 'lakala', … })` is a `Client<'lakala'>`, whose inputs are Lakala's. Options typed as the union
 * `ClientOptions` give a `Client`.
 */
export declare function createClient<P extends ProviderName, A extends FubeiApiVersion = '1.0'>(
  options: ClientOptions & { provider: P } & (P extends 'fubei' ? { apiVersion?: A } : unknown),
): Client<P, A>;

/** Yuan decimal text → integer fen, exactly ("9.80" → 980). Throws AggpayError INVALID_INPUT otherwise. */
export declare function yuanToFen(yuan: string): number;

/** Integer fen → yuan text with two decimals (980 → "9.80"). */
export declare function fenToYuan(fen: number): string;

/** The same API as one object: `import aggpay from 'aggpay'`. */
declare const aggpay: {
  AggpayError: typeof AggpayError;
  createClient: typeof createClient;
  yuanToFen: typeof yuanToFen;
  fenToYuan: typeof fenToYuan;
};
export default aggpay;
