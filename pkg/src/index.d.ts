// Public types of the aggpay package. Amounts are integer fen; times are epoch milliseconds.

/**
 * The gateways. Each registry line below brings one gateway's types from pkg/src/types/<name>.d.ts (its
 * client options and its inputs per operation, exported from here too) and adds the gateway to this
 * interface under its name, with what differs per gateway. `V` is the API version, for a gateway that has
 * more than one. (The lines name `.d.ts` files: Deno resolves a specifier as written.)
 */
export interface ProviderTypes<V> {}

// registry: begin
export type * from './types/shouqianba.d.ts';
export type * from './types/fubei.d.ts';
export type * from './types/lakala.d.ts';
export type * from './types/tingyihui.d.ts';
// registry: end

export type ProviderName = keyof ProviderTypes<never>;

/** The API versions of the gateways that have several (never for one that has one). */
export type ApiVersion = ProviderTypes<never>[ProviderName]['versions'];

/** A gateway's default API version (never for one that has only one). */
export type DefaultApiVersion<P extends ProviderName> = ProviderTypes<never>[P]['defaultVersion'];

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
 * WRONG_ORDER / WRONG_AMOUNT: genuine, but not about the order given as `expect`. UNREADABLE: genuine, but naming
 * no order or no state the library can read (refused, so the gateway sends it again). UNVERIFIABLE: the gateway's
 * notices carry no signature anyone can check, and the client was not told to read them anyway. */
export type NotificationRejection =
  | 'MISSING_SIGNATURE' | 'BAD_SIGNATURE' | 'EXPIRED' | 'MALFORMED' | 'TOO_LARGE' | 'WRONG_MERCHANT' | 'WRONG_ORDER' | 'WRONG_AMOUNT'
  | 'UNREADABLE' | 'UNVERIFIABLE';

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
  /** What the cashier page pays with, one shape per wallet (a wallet order's precreate). */
  payParams?: PayParams;
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

/** New terminal credentials (activate, checkin). The key is a secret: store it safely. */
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
  /** True when a signature vouched for it. A gateway whose notices carry none says false: confirm the
   * order by query before acting on it. */
  verified: boolean;
  /** A refund notice's refund (the order's own state may not be in it). */
  refund?: Refund;
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

/** RSA signing: platform crypto where there is one ('auto'), the blinded Rust signer ('wasm'), a forced
 * platform ('node', 'webcrypto'), or your own (e.g. an HSM or KMS): bytes in, signature bytes out. */
export type Signer = 'auto' | 'wasm' | 'node' | 'webcrypto' | ((message: Uint8Array) => Promise<Uint8Array>);

/** RSA verification of signed answers and notifications, chosen like the signer: platform crypto where there is
 * one ('auto'), the Rust verifier ('wasm'), a forced platform ('node', 'webcrypto'), or your own: it gets the exact
 * signed bytes, the signature, the configured public key as SPKI DER and which key it is ('platform' for answers,
 * 'notify' for notifications). Only a boolean `true` passes; anything else, a throw, a rejection or no answer
 * within `timeoutMs` fails the check (an answer is UNKNOWN, a notification refused BAD_SIGNATURE). */
export type Verifier =
  | 'auto'
  | 'wasm'
  | 'node'
  | 'webcrypto'
  | ((message: Uint8Array, signature: Uint8Array, publicKeySpki: Uint8Array, keyUse: 'platform' | 'notify') => boolean | Promise<boolean>);

export interface HostOptions {
  fetch?: FetchLike;
  /** Epoch milliseconds; default Date.now. */
  now?: () => number;
  /** A fresh random string per request; default crypto.getRandomValues (32 hex digits). Each gateway has its
   * own rule for its length and alphabet (see its client options). */
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

/** Every gateway's client options. */
export type ClientOptions = ProviderTypes<never>[ProviderName]['options'];

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

/** The wallet a QR order is for, where the gateway asks for it. */
export type WalletChannel = 'ALIPAY' | 'WECHAT' | 'UNIONPAY';

/** A precreated order's kind: a code to scan (QR, the default), or paid inside the buyer's wallet
 * (JSAPI: an official-account / life page; MINI_PROGRAM), or H5: a phone browser sent to the wallet
 * ('WAP' is accepted for H5). What each gateway makes is in the README's cashier-pages table. */
export type OrderKind = 'QR' | 'JSAPI' | 'MINI_PROGRAM' | 'H5' | 'WAP';

/** The fields of a wallet order (JSAPI, MINI_PROGRAM): the buyer inside the wallet. */
export interface WalletOrderFields {
  kind?: OrderKind;
  /** WeChat openid (under subAppId) or Alipay buyer/user id. `payerUid` is its old name, still accepted. */
  payerId?: string;
  /** The WeChat official-account or mini-program app id the openid belongs to. */
  subAppId?: string;
}

/** Exactly what `wx.requestPayment` and `getBrandWCPayRequest` take, all strings. */
export interface WechatPayParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: string;
  paySign: string;
}

/** What `my.tradePay` takes. */
export interface AlipayPayParams {
  tradeNO: string;
}

/** Where an H5 page sends the buyer. */
export interface RedirectPayParams {
  url: string;
}

/** An incomplete set (a key the gateway did not send) comes with outcome UNKNOWN and
 * `error.field` = `payParams.<key>`; the key is never invented. */
export type PayParams = WechatPayParams | AlipayPayParams | RedirectPayParams;

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
  /** The cashier (required by some gateways: see their inputs). */
  operator?: string;
  /** What is sold (required on orders by some gateways). */
  subject?: string;
  /** A longer description; the refund reason on refunds where the gateway has one. */
  description?: string;
  /** The store, in the gateway's own form (a numeric id, a store code). */
  storeId?: string;
  /** The buyer's or till's IP (required on every money-moving call by some gateways). */
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

/** cancel / revoke / close where nothing more is needed. */
export type ReversalInput = OrderId & { clientIp?: string; extra?: Extra };

/** An order reference for cancel / revoke / close (the name before inputs were typed per provider). */
export type OrderRef = ReversalInput;

/** Each operation's input for provider P (a union of providers: what any of them accepts). */
export type OperationInputs<P extends ProviderName = ProviderName, A extends ApiVersion = ApiVersion> =
  ProviderTypes<A>[P]['inputs'];

/** Each gateway's inputs per operation. */
export type InputsByProvider<A extends ApiVersion = ApiVersion> = { [P in ProviderName]: ProviderTypes<A>[P]['inputs'] };

export type PayInput<P extends ProviderName = ProviderName, A extends ApiVersion = ApiVersion> = OperationInputs<P, A>['pay'];
export type PrecreateInput<P extends ProviderName = ProviderName, A extends ApiVersion = ApiVersion> = OperationInputs<P, A>['precreate'];
export type QueryInput<P extends ProviderName = ProviderName> = OperationInputs<P>['query'];
export type RefundInput<P extends ProviderName = ProviderName> = OperationInputs<P>['refund'];
export type RefundQueryInput<P extends ProviderName = ProviderName> = OperationInputs<P>['refundQuery'];

/** A gateway's WAP cashier URL, where it has one. */
export type WapPayInput<P extends ProviderName = ProviderName> = ProviderTypes<never>[P]['wapPay'];

/** The order a waitForPayment watches: polled, then closed or cancelled on timeout (with clientIp where the gateway needs it). */
export type WaitInput<P extends ProviderName = ProviderName> = OrderId & {
  /** Integer fen: PAID only for exactly this amount. */
  amount: number;
} & ProviderTypes<never>[P]['wait'];

/** What a notification may be verified as (Unsupported where the gateway's callbacks are unsigned). */
export type NotificationInput<P extends ProviderName = ProviderName> = ProviderTypes<never>[P]['notification'];

/** Which signer signs requests; providers that do not sign with RSA have none. */
export type SignerKind<P extends ProviderName = ProviderName> = ProviderTypes<never>[P]['signer'];

/** Which verifier checks RSA-signed answers and notifications; null where the client has no RSA public key. */
export type VerifierKind<P extends ProviderName = ProviderName> = ProviderTypes<never>[P]['verifier'];

/** The order a merchant holds, to check a notification against. */
export interface NotificationExpectation {
  merchantOrderNo?: string;
  providerOrderNo?: string;
  /** Integer fen: the notice must report exactly this order total. */
  amount?: number;
}

/**
 * A client for provider P (from `createClient({ provider })`; `A` is its API version, if it has several). `Client`
 * alone is the client of any provider: its inputs accept what at least one provider accepts.
 */
export interface Client<P extends ProviderName = ProviderName, A extends ApiVersion = ApiVersion> {
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
  /** Which verifier checks RSA-signed answers and notifications: null where the client has no RSA public key. */
  readonly verifier: VerifierKind<P>;
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
  /** The signed WAP cashier URL, where the gateway has one (redirect the buyer's browser to it). */
  wapPayUrl(input: WapPayInput<P>): string;
  /**
   * Verifies the parameters the WAP cashier appended to your return URL (pass the whole URL or its query):
   * the order they name. Advisory only — the buyer's browser brought them: confirm the order by query or
   * notification before acting. A missing or bad signature throws AggpayError (NOTIFICATION_INVALID,
   * reason MISSING_SIGNATURE / BAD_SIGNATURE); a gateway whose return URL is unsigned throws UNSUPPORTED_OPERATION.
   */
  verifyReturn(urlOrQuery: string | URL): { order: Order; verified: true; raw: Record<string, string> };
}

/**
 * A client for one gateway, typed by `provider` (and `apiVersion` where the gateway has several):
 * `createClient({ provider: 'x', … })` is a `Client<'x'>`, whose inputs are that gateway's. Options typed
 * as the union `ClientOptions` give a `Client`.
 */
export declare function createClient<P extends ProviderName, A extends ApiVersion = DefaultApiVersion<P>>(
  options: ClientOptions & { provider: P } & ([DefaultApiVersion<P>] extends [never] ? unknown : { apiVersion?: A }),
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
