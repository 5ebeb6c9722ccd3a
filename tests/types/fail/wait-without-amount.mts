// Must not compile: PAID is reported only for the amount asked, so waitForPayment needs it (the runtime
// throws INVALID_INPUT amount before sending).
import { createClient } from 'aggpay';

const client = createClient({ provider: 'shouqianba', credentials: { terminalSn: '100', terminalKey: 'k' } });
await client.waitForPayment({ merchantOrderNo: 'A1002' }, { timeoutMs: 240_000 }); // error TS2345: Property 'amount' is missing
