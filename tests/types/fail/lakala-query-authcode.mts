// Must not compile: a barcode means nothing to a query (the runtime would ignore it silently).
import { createClient } from 'aggpay';

declare const privateKey: string;
declare const platformCertificate: string;
const client = createClient({
  provider: 'lakala',
  credentials: { appId: 'OP00000003', serialNo: '00dfba8194c41b84cf', privateKey, platformCertificate, merchantNo: '822', termNo: '29' },
});
await client.query({ merchantOrderNo: 'L1', authCode: '134567890123456789' }); // error TS2353: 'authCode' does not exist in type 'LakalaQueryInput'
