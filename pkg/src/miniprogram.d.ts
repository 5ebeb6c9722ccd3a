// aggpay/miniprogram: the same API for WeChat mini-programs, plus `await init()` before the first call
// (as with aggpay/slim) and the wx.request transport the clients use by default.
export * from './index.js';
import type { AggpayError, createClient, fenToYuan, yuanToFen, FetchResponseLike } from './index.js';

/**
 * Loads the WebAssembly module with `WXWebAssembly.instantiate(wasmPath)`. Await it once before the first
 * call; later calls return the same promise (a failed load may be retried). `wasmPath` is the absolute path
 * of aggpay_bg.wasm.br inside the mini-program's code package; the default,
 * '/miniprogram_npm/aggpay/aggpay_bg.wasm.br', is where WeChat DevTools' "Build npm" copies it.
 */
export declare function init(wasmPath?: string): Promise<void>;

export interface WxFetchInit {
  method?: string;
  headers?: Record<string, string> | Iterable<[string, string]>;
  /** Sent as its exact bytes (a string as UTF-8). */
  body?: string | ArrayBuffer | ArrayBufferView | null;
  signal?: AbortSignal;
}

export interface WxFetchResponse extends FetchResponseLike {
  status: number;
  ok: boolean;
  statusText: string;
  url: string;
  /** Names lower-cased; repeated headers joined with ", ". */
  headers: {
    get(name: string): string | null;
    has(name: string): boolean;
    entries(): IterableIterator<[string, string]>;
    forEach(fn: (value: string, name: string) => void): void;
    [Symbol.iterator](): IterableIterator<[string, string]>;
  };
  body: null;
  readonly bodyUsed: boolean;
  /** The body's bytes exactly as received. */
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/** fetch over wx.request (responseType 'arraybuffer'): every client's default transport in a mini-program. */
export declare function wxFetch(url: string, init?: WxFetchInit): Promise<WxFetchResponse>;

/** The same API as one object: `const aggpay = require('aggpay/miniprogram')`. */
declare const aggpay: {
  AggpayError: typeof AggpayError;
  createClient: typeof createClient;
  yuanToFen: typeof yuanToFen;
  fenToYuan: typeof fenToYuan;
  init: typeof init;
  wxFetch: typeof wxFetch;
};
export default aggpay;
