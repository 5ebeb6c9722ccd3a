// Node and Bun ESM entry: re-exports the CommonJS build so that ESM and CJS users share one module instance.
import aggpay from './index.cjs';

export const { AggpayError, createClient, fenToYuan, yuanToFen } = aggpay;
export default { AggpayError, createClient, fenToYuan, yuanToFen };
