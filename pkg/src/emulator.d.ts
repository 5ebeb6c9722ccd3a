// Types of `aggpay/emulator`: the gateway emulator for merchants' own tests (Node only). docs/testing.md.
import type { ClientOptions, ProviderName } from './index.d.ts';

/** The gateways the emulator speaks (every gateway of the package). */
export declare const PROVIDERS: readonly ProviderName[];

/**
 * What a fault does to the request it hits:
 * - `http500` HTTP 500, not processed; `maintenance` the gateway's own "busy" answer, not processed;
 * - `drop-before` the connection is cut, not processed; `drop-after` processed (money moved), then cut;
 * - `delay` processed, answered `ms` later; `bad-signature` / `no-signature` a signed answer tampered with;
 * - `stuck` a barcode pay that stays in progress until reversed or paid;
 * - adversarial: `late` (processed `ms` after your timeout), `replay` (another order's earlier answer),
 *   `other-order`, `contradict` (code and state disagree), `foreign-notify` (another merchant's notice).
 * The same kinds the repository's reliability run draws from (RELIABILITY.md).
 */
export type FaultKind =
  | 'http500' | 'maintenance' | 'drop-before' | 'drop-after' | 'delay' | 'bad-signature' | 'no-signature' | 'stuck'
  | 'late' | 'replay' | 'other-order' | 'contradict' | 'foreign-notify';

/** The kinds chaos draws from (per request), plus `duplicate-notify` (a notification delivered twice). */
export type ChaosKind = Exclude<FaultKind, 'no-signature'> | 'duplicate-notify';

/** What a request does at the gateway. `reverse` is cancel / revoke (and a gateway's own reversal). */
export type FaultOperation = 'pay' | 'precreate' | 'query' | 'refund' | 'refundQuery' | 'reverse' | 'close';

export declare const FAULT_KINDS: readonly FaultKind[];
export declare const CHAOS_KINDS: readonly Exclude<ChaosKind, 'duplicate-notify'>[];
export declare const ADVERSARIAL_KINDS: readonly ('late' | 'replay' | 'other-order' | 'contradict' | 'foreign-notify')[];
export declare const FAULT_OPERATIONS: readonly FaultOperation[];

/** One queued fault: the next `count` matching requests get it. Name the gateway (and the operation), or a wire path. */
export interface FaultSpec {
  kind: FaultKind;
  provider?: ProviderName;
  operation?: FaultOperation;
  /** A wire path (e.g. '/upay/v2/query'), for faults on a path the operations do not name. */
  path?: string;
  /** The gateway API method, where one path serves several (a gateway with a `method` field). */
  method?: string;
  /** Default 1, at most 1000. */
  count?: number;
  /** `delay` and `late`: how long (default 2000, and 300 for `late`), 0..60000. */
  ms?: number;
}

/** Seeded random faults: the same seed and the same sequence of requests give the same faults. */
export interface ChaosOptions {
  seed: number | string;
  /** 0..1: the probability that a gateway request gets a fault. */
  rate: number;
  kinds?: ChaosKind[];
  weights?: Partial<Record<Exclude<ChaosKind, 'duplicate-notify'>, number>>;
  delayMs?: number;
  lateMs?: number;
  /** 0..1: the probability that a notification is delivered twice. */
  duplicateNotify?: number;
  providers?: ProviderName[];
}

export interface EmulatorOptions {
  /** The gateways to run (default: all). */
  providers?: ProviderName[];
  /** Default 0: a free port (read it from `url` / `port`). */
  port?: number;
  /** Default '127.0.0.1'. The emulator never listens beyond the loopback unless you set this. */
  host?: string;
  /** Faults queued from the start. */
  faults?: FaultSpec[];
  /** Seeded random faults from the start. */
  chaos?: ChaosOptions;
  /** Each gateway's own knobs (fixed keys, poll cadences, retry delays…): js-examples/emulator/README.md. */
  gateways?: Partial<Record<ProviderName, Record<string, unknown>>>;
}

/** The barcodes with a known outcome (absent where the gateway has no barcode payment). */
export interface MagicBarcodes {
  /** Paid at once. */
  success?: string;
  /** In progress: paid after a few queries (the buyer confirms on the phone). */
  paying?: string;
  /** In progress until the order is reversed or `buyerPays` is called. */
  stuck?: string;
  /** Refused (an expired barcode): no money taken. */
  declined?: string;
}

/** A notification the emulator delivered (or tried to), as the merchant's server received it. */
export interface DeliveredNotification {
  url: string;
  /** The headers that carry the gateway's signature, if any (lower-case names). */
  headers: Record<string, string>;
  /** The exact body bytes, as text. */
  body: string;
  attempt: number;
  /** The merchant's HTTP status, null when no answer came. */
  status: number | null;
  reply: string | null;
  error?: string;
  duplicate?: true;
}

/** The gateway's ledger entry: the money truth, whatever any client was told. */
export interface LedgerEntry {
  provider: ProviderName;
  merchantOrderNo: string | null;
  providerOrderNo: string;
  /** The buyer's money is held now (taken, not fully returned). */
  paid: boolean;
  /** The gateway's own state value. */
  state: string;
  /** Fen. */
  total: number;
  /** Fen still held. */
  held: number;
  everPaid: boolean;
  paidAmount: number;
}

export interface Emulator {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** The gateways running here. */
  readonly providers: ProviderName[];
  /**
   * What to pass to `createClient` (add your own host options): provider, baseUrl, and test credentials that
   * work here (for a gateway with several API versions, `variant` 1.. gives the others).
   */
  clientOptions<P extends ProviderName>(provider: P, variant?: number): Extract<ClientOptions, { provider: P }>;
  credentials<P extends ProviderName>(provider: P): Extract<ClientOptions, { provider: P }>['credentials'];
  barcodes(provider: ProviderName): MagicBarcodes;
  /** The JSON key that names an order in the HTTP control routes (POST <url>/__emulator/<provider>/buyer-pays). */
  orderKey(provider: ProviderName): string;
  /** Whether the gateway signs its notifications (one that does not: confirm by query). */
  notificationsSigned(provider: ProviderName): boolean;
  /** The buyer scans / confirms: a waiting order is paid, and its notification is sent. Throws (with `status` 404/409) otherwise. */
  buyerPays(provider: ProviderName, orderNo: string): unknown;
  /** The buyer declines a waiting order, where the gateway has such a state; elsewhere throws (use the `declined` barcode). */
  buyerDeclines(provider: ProviderName, orderNo: string): unknown;
  /** The gateway's own record of an order (its shape is the gateway's), or undefined. */
  order(provider: ProviderName, orderNo: string): unknown;
  ledger(provider?: ProviderName): LedgerEntry[];
  /** Sends the order's signed notification once, now, to `url` (default: the order's notify URL). */
  sendNotification(provider: ProviderName, orderNo: string, url?: string): Promise<{ status?: number; body?: string; error?: string }>;
  /** Every delivery attempt so far (the emulator retries until the merchant acknowledges). */
  notifications(provider: ProviderName): DeliveredNotification[];
  injectFault(spec: FaultSpec): FaultSpec & { count: number; ms: number };
  faults(): (FaultSpec & { count: number; ms: number })[];
  clearFaults(): void;
  chaos: {
    set(options: ChaosOptions): unknown;
    clear(): void;
    stats(): { enabled: boolean; requests: number; injected: number; byKind: Record<string, number>; [k: string]: unknown };
  };
  /** Resolves when no late request, forged notice or notification delivery (with its retries) is pending. */
  settle(): Promise<void>;
  /** Forgets orders, faults, notifications and chaos; keys and credentials stay. */
  reset(): Promise<void>;
  lateDeliveries(): unknown[];
  forgedNotices(): unknown[];
  /** What `aggpay emulator` prints per gateway. */
  banners(): string[];
  /** Stops listening and cancels pending deliveries. */
  stop(): Promise<void>;
}

export declare function startEmulator(options?: EmulatorOptions): Promise<Emulator>;
