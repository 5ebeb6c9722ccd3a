// Shouqianba, every operation as a till or merchant server writes it. Must compile under --strict. Each
// expected error below is a mistake the runtime would throw on (or silently ignore), caught by the types.
import { createClient, AggpayError, type Client, type FlowOutcome, type HttpRequest, type OperationResult } from 'aggpay';

declare const terminalSn: string;
declare const terminalKey: string;
declare const notifyPublicKey: string;
declare const signal: AbortSignal;

const client = createClient({ provider: 'shouqianba', credentials: { terminalSn, terminalKey, notifyPublicKey }, verifier: 'webcrypto' });
const typed: Client<'shouqianba'> = client;
const any: Client = client;
const sig: null = client.signer;
const verifierKind: 'node' | 'webcrypto' | 'wasm' | 'custom' | null = client.verifier;
console.log(verifierKind);

const act = await client.activate({ vendorSn: 'v', vendorKey: 'k', appId: 'a', code: 'c', deviceId: 'till-01', name: 'till' });
const fresh = act.credentials?.terminalKey;
await client.checkin({ deviceId: 'till-01', osInfo: 'linux' });
const r: OperationResult = await client.pay({
  merchantOrderNo: 'A1001', amount: 980, authCode: '134567890123456789', subject: 'Latte', operator: 'alice',
  payway: '3', description: 'oat', longitude: '121.47', latitude: '31.23', deviceId: 'till-01', reflect: 'r',
  notifyUrl: 'https://shop.example/n', storeId: 'S1', clientIp: '203.0.113.9', extra: { goods_details: [{ id: 1 }] },
});
await client.precreate({ merchantOrderNo: 'A1002', amount: 2580, subject: 'Beans', operator: 'alice', payway: '3', subPayway: '4', payerId: 'o-1' });
await client.precreate({ merchantOrderNo: 'A1005', amount: 2580, subject: 'Beans', operator: 'alice', kind: 'JSAPI', channel: 'ALIPAY', payerId: '2088102146225135' });
await client.query({ merchantOrderNo: 'A1001' });
await client.query({ providerOrderNo: '789', refundNo: 'A1001-R1' });
await client.refund({ merchantOrderNo: 'A1001', refundNo: 'A1001-R1', amount: 300, operator: 'alice', description: 'broken cup' });
await client.cancel({ merchantOrderNo: 'A1001' });
await client.revoke({ providerOrderNo: '789', clientIp: '203.0.113.9' });
const url: string = client.wapPayUrl({ merchantOrderNo: 'A1003', amount: 100, subject: 'Tea', operator: 'alice', returnUrl: 'https://shop.example/done' });
const flow: FlowOutcome = await client.payAndConfirm(
  { merchantOrderNo: 'A1004', amount: 980, authCode: '134567890123456789', subject: 'Latte', operator: 'alice' },
  { timeoutMs: 45_000, signal, sleep: async () => {}, now: () => 0 },
);
await client.waitForPayment({ merchantOrderNo: 'A1002', amount: 2580 }, { signal });
const req: HttpRequest = await client.buildRequest('query', { merchantOrderNo: 'A1001' });
await client.parseResponse('refund', { status: 200, headers: new Headers(), body: '{}' }, { merchantOrderNo: 'A1001', refundNo: 'R', amount: 1, operator: 'a' });
const n = await client.verifyNotification({ headers: { authorization: 'sig' }, body: new Uint8Array() }, { merchantOrderNo: 'A1002', amount: 2580 });
try {
  await client.query({ merchantOrderNo: 'A1001' });
} catch (e) {
  if (e instanceof AggpayError) console.log(e.code, e.field);
}

// @ts-expect-error Shouqianba has no close: use cancel
await client.close({ merchantOrderNo: 'A1001' });
// @ts-expect-error Shouqianba has no refundQuery: query with refundNo
await client.refundQuery({ refundNo: 'A1001-R1' });
// @ts-expect-error operator is required by Shouqianba
await client.pay({ merchantOrderNo: 'A1', amount: 980, authCode: '1345', subject: 'Latte' });
// @ts-expect-error channel (or payway) is required on a Shouqianba precreate
await client.precreate({ merchantOrderNo: 'A1', amount: 980, subject: 'Latte', operator: 'alice' });
// @ts-expect-error operator is required on a Shouqianba refund
await client.refund({ merchantOrderNo: 'A1', refundNo: 'R', amount: 1 });
// @ts-expect-error a query names an order
await client.query({ refundNo: 'R' });
// @ts-expect-error authCode means nothing to a query
await client.query({ merchantOrderNo: 'A1', authCode: '1345' });
// @ts-expect-error Shouqianba has no place for subAppId (the app is bound to the merchant at onboarding)
await client.precreate({ merchantOrderNo: 'A1', amount: 980, subject: 'Latte', operator: 'alice', channel: 'WECHAT', kind: 'MINI_PROGRAM', payerId: 'o-1', subAppId: 'wx1' });
// @ts-expect-error amount is integer fen, not yuan text
await client.refund({ merchantOrderNo: 'A1', refundNo: 'R', amount: '3.00', operator: 'alice' });
// @ts-expect-error waitForPayment needs the amount it confirms
await client.waitForPayment({ merchantOrderNo: 'A1002' });
// @ts-expect-error returnUrl is required for the WAP cashier
client.wapPayUrl({ merchantOrderNo: 'A1003', amount: 100, subject: 'Tea', operator: 'alice' });
// @ts-expect-error Shouqianba signs with MD5: there is no RSA signer
const rsa: 'node' | 'wasm' = client.signer;

declare const console: { log(...a: unknown[]): void };
console.log(typed, any, sig, fresh, r, url, flow, req, n, rsa);
