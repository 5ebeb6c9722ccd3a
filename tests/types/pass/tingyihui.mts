// Tingyihui: QR, mini-program and H5 trades (precreate, query, close, refund, refundQuery); its callbacks are
// read but unsigned (verified false).
import { createClient, type Client } from 'aggpay';

declare const privateKey: string;

const client = createClient({ provider: 'tingyihui', credentials: { accessId: '17000000000000001', privateKey, merchantCode: 'M1' }, signer: 'wasm' });
const typed: Client<'tingyihui'> = client;
const any: Client = client;
const signer: 'node' | 'webcrypto' | 'wasm' | 'custom' = client.signer;

await client.precreate({ merchantOrderNo: 'T1', amount: 2580, subject: 'Parking', channel: 'ALIPAY', storeId: 'S1', reflect: 'bay 7' });
await client.query({ merchantOrderNo: 'T1' });
await client.close({ providerOrderNo: 'OS1' });
await client.refund({ merchantOrderNo: 'T1', refundNo: 'T1R1', amount: 100, description: 'overstay refund' });
await client.refundQuery({ providerRefundNo: 'OSR1' });
await client.waitForPayment({ merchantOrderNo: 'T1', amount: 2580 });
await client.precreate({ merchantOrderNo: 'T3', amount: 2580, subject: 'Parking', channel: 'WECHAT', kind: 'MINI_PROGRAM', payerId: 'oUpF8u', subAppId: 'wx1' });
await client.precreate({ merchantOrderNo: 'T4', amount: 2580, subject: 'Parking', channel: 'ALIPAY', kind: 'H5', returnUrl: 'https://m.example/back' });
await client.precreate({ merchantOrderNo: 'T5', amount: 2580, subject: 'Parking', channel: 'WECHAT', kind: 'WAP' });
const notice = await client.verifyNotification({ headers: {}, body: '{}' });
const verified: boolean = notice.verified;

// @ts-expect-error Tingyihui has no barcode pay
await client.pay({ merchantOrderNo: 'T2', amount: 1, authCode: '1345' });
// @ts-expect-error ... so no payAndConfirm either
await client.payAndConfirm({ merchantOrderNo: 'T2', amount: 1, authCode: '1345' });
// @ts-expect-error Tingyihui has no cancel: close the trade
await client.cancel({ merchantOrderNo: 'T1' });
// @ts-expect-error subject (the trade title) is required
await client.precreate({ merchantOrderNo: 'T1', amount: 2580, channel: 'WECHAT' });
// @ts-expect-error Tingyihui takes ALIPAY or WECHAT
await client.precreate({ merchantOrderNo: 'T1', amount: 2580, subject: 'Parking', channel: 'UNIONPAY' });
// @ts-expect-error no JSAPI (official-account) payment on Tingyihui
await client.precreate({ merchantOrderNo: 'T1', amount: 2580, subject: 'Parking', channel: 'WECHAT', kind: 'JSAPI', payerId: 'o' });
// @ts-expect-error a mini-program payment names the buyer
await client.precreate({ merchantOrderNo: 'T1', amount: 2580, subject: 'Parking', channel: 'WECHAT', kind: 'MINI_PROGRAM' });
// @ts-expect-error a QR order has no buyer
await client.precreate({ merchantOrderNo: 'T1', amount: 2580, subject: 'Parking', channel: 'WECHAT', payerId: 'o' });
// @ts-expect-error an Alipay H5 order needs returnUrl (quitUrl)
await client.precreate({ merchantOrderNo: 'T1', amount: 2580, subject: 'Parking', channel: 'ALIPAY', kind: 'H5' });
// @ts-expect-error a refund query names the refund, not the order
await client.refundQuery({ merchantOrderNo: 'T1' });

declare const console: { log(...a: unknown[]): void };
console.log(typed, any, signer, verified);
