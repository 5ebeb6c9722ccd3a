// aggpay/slim: the same API, with no automatic loading: `await init(...)` before the first call.
export * from './index.js';
import type aggpay from './index.js';
export default aggpay;

/** Bytes of aggpay_bg.wasm, a compiled WebAssembly.Module, a Response (or a promise of one), or a URL to fetch. */
export type WasmSource = BufferSource | WebAssembly.Module | Response | Promise<Response> | URL | string;

export interface Host {
  /** node:crypto, where the runtime has it: the 'auto' signer uses it. */
  nodeCrypto?: unknown;
  /** The default transport where the runtime has no global fetch. */
  fetch?: (url: string, init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal }) => Promise<unknown>;
}

/** Loads the module; with no source, fetches the aggpay_bg.wasm beside this file. Once per process. */
export function init(source?: WasmSource, host?: Host): Promise<void>;
/** Loads the module synchronously from bytes or a compiled module (Node, Workers). */
export function initSync(source: BufferSource | WebAssembly.Module, host?: Host): void;
