// Lakala, every operation. clientIp (location_info.request_ip) is required on each money-moving call.
import { createClient, type Client, type WaitInput } from 'aggpay';

declare const privateKey: string;
declare const platformCertificate: string;

const client = createClient({
  provider: 'lakala',
  credentials: { appId: 'OP00000003', serialNo: '00dfba8194c41b84cf', privateKey, platformCertificate, merchantNo: '822', termNo: '29' },
  signer: 'auto',
  verifier: 'auto',
  notificationToleranceSeconds: 300,
});
const typed: Client<'lakala'> = client;
const any: Client = client;
const signer: 'node' | 'webcrypto' | 'wasm' | 'custom' = client.signer;
const verifierKind: 'node' | 'webcrypto' | 'wasm' | 'custom' = client.verifier;
// A verifier of your own: the exact signed bytes, the signature, the configured key (SPKI DER) and its use.
const own = createClient({
  provider: 'lakala',
  credentials: { appId: 'OP00000003', serialNo: '00dfba8194c41b84cf', privateKey, platformCertificate, merchantNo: '822', termNo: '29' },
  verifier: async (message: Uint8Array, signature: Uint8Array, spki: Uint8Array, use: 'platform' | 'notify') => message.length > 0 && signature.length === 256 && spki.length > 0 && use === 'platform',
});
const clientIp = '203.0.113.9';

await client.pay({ merchantOrderNo: 'L1', amount: 980, authCode: '134567890123456789', clientIp, subject: 'Latte', storeId: 'S1' });
// The portable descriptive fields compile for Lakala too (it has no use for operator or description).
await client.pay({ merchantOrderNo: 'L1', amount: 980, authCode: '1345', clientIp, operator: 'alice', description: 'd', notifyUrl: 'https://n' });
await client.precreate({ merchantOrderNo: 'L2', amount: 2580, channel: 'ALIPAY', clientIp });
await client.precreate({ merchantOrderNo: 'L4', amount: 2580, kind: 'MINI_PROGRAM', channel: 'WECHAT', payerId: 'o-1', subAppId: 'wx8888888888888888', subject: 'Latte', clientIp });
await client.query({ merchantOrderNo: 'L1' });
await client.refund({ merchantOrderNo: 'L1', refundNo: 'L1R1', amount: 300, clientIp, description: 'broken cup' });
await client.refundQuery({ refundNo: 'L1R1' });
await client.close({ merchantOrderNo: 'L2', clientIp });
await client.cancel({ merchantOrderNo: 'L1', clientIp, refundNo: 'L1C1' });
await client.revoke({ providerOrderNo: '2024', clientIp });
await client.payAndConfirm({ merchantOrderNo: 'L3', amount: 980, authCode: '1345', clientIp });
const wait: WaitInput<'lakala'> = { merchantOrderNo: 'L2', amount: 2580, clientIp };
await client.waitForPayment(wait);
await client.buildRequest('close', { merchantOrderNo: 'L2', clientIp });
await client.verifyNotification({ headers: [['authorization', 'x']], body: '{}' });

// @ts-expect-error clientIp is required on a Lakala pay
await client.pay({ merchantOrderNo: 'L1', amount: 980, authCode: '1345' });
// @ts-expect-error channel is required on a Lakala preorder
await client.precreate({ merchantOrderNo: 'L2', amount: 2580, clientIp });
// @ts-expect-error a preorder's channel is a wallet Lakala knows
await client.precreate({ merchantOrderNo: 'L2', amount: 2580, clientIp, channel: 'OTHER' });
// @ts-expect-error authCode means nothing to a query
await client.query({ merchantOrderNo: 'L1', authCode: '1345' });
// @ts-expect-error clientIp is required on a Lakala refund
await client.refund({ merchantOrderNo: 'L1', refundNo: 'R', amount: 1 });
// @ts-expect-error clientIp is required on a Lakala close
await client.close({ merchantOrderNo: 'L2' });
// @ts-expect-error clientIp is required on a Lakala revoke
await client.revoke({ merchantOrderNo: 'L1' });
// @ts-expect-error a Lakala refund is asked about by its own number only
await client.refundQuery({ merchantOrderNo: 'L1', refundNo: 'R' });
// @ts-expect-error the flow's reversal (close) needs clientIp on Lakala
await client.waitForPayment({ merchantOrderNo: 'L2', amount: 2580 });
// @ts-expect-error Lakala has no terminal activation
await client.activate({ vendorSn: 'v', vendorKey: 'k', appId: 'a', code: 'c', deviceId: 'd' });
// @ts-expect-error only Shouqianba has a WAP cashier URL
client.wapPayUrl({ merchantOrderNo: 'L4', amount: 1, subject: 's', operator: 'o', returnUrl: 'https://r' });
// @ts-expect-error payway is Shouqianba's
await client.pay({ merchantOrderNo: 'L1', amount: 980, authCode: '1345', clientIp, payway: '3' });

declare const console: { log(...a: unknown[]): void };
console.log(typed, any, signer, verifierKind, own.verifier);
