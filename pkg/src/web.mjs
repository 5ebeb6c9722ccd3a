// Browsers, Deno and any runtime with WebAssembly + fetch: fetches the .wasm beside this file (streaming
// compile where the runtime can) before the first call, through a top-level await.
import { init, AggpayError, createClient, fenToYuan, yuanToFen } from './core.mjs';

await init(new URL('./aggpay_bg.wasm', import.meta.url));

export { AggpayError, createClient, fenToYuan, yuanToFen };
export default { AggpayError, createClient, fenToYuan, yuanToFen };
