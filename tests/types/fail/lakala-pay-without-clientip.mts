// Must not compile: Lakala's risk control requires location_info.request_ip on every money-moving call
// (the runtime throws INVALID_INPUT clientIp before sending).
import { createClient } from 'aggpay';

declare const privateKey: string;
declare const platformCertificate: string;
const client = createClient({
  provider: 'lakala',
  credentials: { appId: 'OP00000003', serialNo: '00dfba8194c41b84cf', privateKey, platformCertificate, merchantNo: '822', termNo: '29' },
});
await client.pay({ merchantOrderNo: 'L1', amount: 980, authCode: '134567890123456789', subject: 'Latte' }); // error TS2345: Property 'clientIp' is missing
