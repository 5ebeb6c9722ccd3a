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

export type HeadersLike = Record<string, string | string[]> | Iterable<[string, string]> | { entries(): Iterable<[string, string]> };

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

/** How a pay-and-confirm or wait-for-payment ended. */
/** PAID: paid for exactly the asked amount. FAILED: the gateway said no money was taken (never inferred
 * from "order not found"). TIMED_OUT_REVERSED: the gateway confirmed the reversal. Anything uncertain,
 * or paid for another amount: NEEDS_ATTENTION. */
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

export interface OrderRef {
  merchantOrderNo?: string;
  providerOrderNo?: string;
  /** The buyer's or till's IP (Lakala's location_info.request_ip; required there for money-moving calls). */
  clientIp?: string;
  extra?: Extra;
}

export interface OrderInput {
  merchantOrderNo: string;
  /** Integer fen, > 0. */
  amount: number;
  subject: string;
  operator: string;
  description?: string;
  longitude?: string;
  latitude?: string;
  deviceId?: string;
  reflect?: string;
  notifyUrl?: string;
  storeId?: string;
  /** Lakala: required (location_info.request_ip). */
  clientIp?: string;
  extra?: Extra;
}

export interface PayInput extends OrderInput {
  /** The buyer's barcode (dynamic_id). */
  authCode: string;
  payway?: string;
}

export interface PrecreateInput extends OrderInput {
  /** Shouqianba's payway (required there): "2" Alipay, "3" WeChat, … */
  payway?: string;
  /** The wallet, for Lakala and Tingyihui (required there). */
  channel?: Channel;
  /** "2" QR (default), "3" WAP, "4" mini-program. */
  subPayway?: string;
  payerUid?: string;
}

export interface QueryInput extends OrderRef {
  /** Ask about one refund of the order. */
  refundNo?: string;
}

export interface RefundQueryInput {
  refundNo?: string;
  providerRefundNo?: string;
  /** The refunded order, for gateways that want it too (Fubei 1.0 per its Java SDK). */
  merchantOrderNo?: string;
  providerOrderNo?: string;
  extra?: Extra;
}

export interface RefundInput extends OrderRef {
  /** The idempotency key: reuse it when retrying, a new one per partial refund. */
  refundNo: string;
  amount: number;
  /** Shouqianba: required. */
  operator?: string;
  /** The refund reason where the provider takes one. */
  description?: string;
  notifyUrl?: string;
}

export interface ActivateInput {
  vendorSn: string;
  vendorKey: string;
  appId: string;
  code: string;
  deviceId: string;
  name?: string;
  osInfo?: string;
  sdkVersion?: string;
  extra?: Extra;
}

export interface CheckinInput {
  deviceId: string;
  osInfo?: string;
  sdkVersion?: string;
  extra?: Extra;
}

export interface WapPayInput extends OrderInput {
  returnUrl: string;
  payway?: string;
}

export interface OperationInputs {
  activate: ActivateInput;
  checkin: CheckinInput;
  pay: PayInput;
  precreate: PrecreateInput;
  query: QueryInput;
  refund: RefundInput;
  cancel: OrderRef;
  revoke: OrderRef;
  close: OrderRef;
  refundQuery: RefundQueryInput;
}

/** The order a merchant holds, to check a notification against. */
export interface NotificationExpectation {
  merchantOrderNo?: string;
  providerOrderNo?: string;
  /** Integer fen: the notice must report exactly this order total. */
  amount?: number;
}

export interface Client {
  readonly provider: ProviderName;
  activate(input: ActivateInput): Promise<OperationResult>;
  checkin(input: CheckinInput): Promise<OperationResult>;
  pay(input: PayInput): Promise<OperationResult>;
  precreate(input: PrecreateInput): Promise<OperationResult>;
  query(input: QueryInput): Promise<OperationResult>;
  refund(input: RefundInput): Promise<OperationResult>;
  cancel(input: OrderRef): Promise<OperationResult>;
  revoke(input: OrderRef): Promise<OperationResult>;
  close(input: OrderRef): Promise<OperationResult>;
  refundQuery(input: RefundQueryInput): Promise<OperationResult>;
  /** Which signer signs requests: null for providers that do not sign with RSA. */
  readonly signer: 'node' | 'webcrypto' | 'wasm' | 'custom' | null;
  /** A barcode payment, confirmed: pay, poll while the buyer confirms, reverse on timeout. Never pays twice. */
  payAndConfirm(input: PayInput, options?: FlowOptions): Promise<FlowOutcome>;
  /** Waits for the buyer of a precreate/QR order: poll, then close/cancel on timeout. */
  waitForPayment(input: OrderRef & { amount: number }, options?: FlowOptions): Promise<FlowOutcome>;
  /** The signed request, without sending it. */
  buildRequest<K extends OperationName>(operation: K, input: OperationInputs[K]): Promise<HttpRequest>;
  /** Maps a response you fetched yourself; pass the input to check the answer is about your order. */
  parseResponse<K extends OperationName>(operation: K, response: HttpResponseLike, input?: OperationInputs[K]): Promise<OperationResult>;
  /** Verifies a gateway notification over its raw bytes; throws AggpayError (NOTIFICATION_INVALID) when it is not genuine. */
  /**
   * Verifies a notification over its raw bytes, for this client's merchant/terminal/app only. Give
   * `expect` (the order you hold) and a genuine notice about another order or amount is refused too
   * (reason WRONG_ORDER / WRONG_AMOUNT); without it, compare merchantOrderNo and amounts.total yourself.
   */
  verifyNotification(notification: NotificationRequest, expect?: NotificationExpectation): Promise<VerifiedNotification>;
  /** Shouqianba's signed WAP cashier URL (redirect the buyer's browser to it). */
  wapPayUrl(input: WapPayInput): string;
}

export declare function createClient(options: ClientOptions): Client;

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
