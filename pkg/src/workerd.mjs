// Cloudflare Workers (workerd): Workers refuse to compile Wasm from bytes at run time, so the .wasm is
// imported as a module, which wrangler/workerd compile at deploy time.
import wasm from './aggpay_bg.wasm';
import { initSync, AggpayError, createClient, fenToYuan, yuanToFen } from './core.mjs';

initSync(wasm);

export { AggpayError, createClient, fenToYuan, yuanToFen };
export default { AggpayError, createClient, fenToYuan, yuanToFen };
