// Tingyihui: QR trades only (precreate, query, close, refund, refundQuery); its callbacks are unsigned.
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
// @ts-expect-error its callbacks are unsigned: confirm with query instead
await client.verifyNotification({ headers: {}, body: '{}' });
// @ts-expect-error a refund query names the refund, not the order
await client.refundQuery({ merchantOrderNo: 'T1' });

declare const console: { log(...a: unknown[]): void };
console.log(typed, any, signer);
