// Fubei, both APIs: 1.0 (the default) needs the wallet for a QR order; 2.0 makes an aggregated code without one.
import { createClient, type Client } from 'aggpay';

declare const appSecret: string;
declare const vendorSecret: string;

const v1 = createClient({ provider: 'fubei', credentials: { appId: '2017', appSecret } });
const explicit: Client<'fubei', '1.0'> = createClient({ provider: 'fubei', apiVersion: '1.0', credentials: { appId: '2017', appSecret } });
const v2 = createClient({ provider: 'fubei', apiVersion: '2.0', credentials: { vendorSn: 'V1', vendorSecret, merchantId: 1234 } });
const typed: Client<'fubei'> = v1;
const typed2: Client<'fubei', '2.0'> = v2;
const any: Client = v2;
const none: null = v1.signer;

await v1.pay({ merchantOrderNo: 'F1', amount: 980, authCode: '1345', channel: 'ALIPAY', storeId: '1234', cashierId: '7', deviceId: 'd', reflect: 'r', subject: 'Latte' });
await v1.precreate({ merchantOrderNo: 'F2', amount: 2580, channel: 'WECHAT', notifyUrl: 'https://shop.example/n' });
await v2.pay({ merchantOrderNo: 'F1', amount: 980, authCode: '1345', operator: 'alice' });
await v2.precreate({ merchantOrderNo: 'F2', amount: 2580 });
await v2.precreate({ merchantOrderNo: 'F2', amount: 2580, channel: 'UNIONPAY' });
for (const c of [v1, v2]) {
  await c.query({ merchantOrderNo: 'F1', deviceId: 'd' });
  await c.refund({ merchantOrderNo: 'F1', refundNo: 'F1R1', amount: 300 });
  await c.refundQuery({ refundNo: 'F1R1', merchantOrderNo: 'F1' });
  await c.refundQuery({ providerRefundNo: '99' });
  await c.close({ merchantOrderNo: 'F2' });
  await c.cancel({ merchantOrderNo: 'F1' });
  await c.revoke({ providerOrderNo: '77' });
  await c.waitForPayment({ merchantOrderNo: 'F2', amount: 2580 });
  await c.verifyNotification({ headers: {}, body: 'a=1&sign=x' }, { merchantOrderNo: 'F2' });
}
await v1.payAndConfirm({ merchantOrderNo: 'F3', amount: 980, authCode: '1345' });

// @ts-expect-error a 1.0 QR order needs the wallet
await v1.precreate({ merchantOrderNo: 'F2', amount: 2580 });
// @ts-expect-error the 2.0 pay takes no wallet: the barcode tells it
await v2.pay({ merchantOrderNo: 'F1', amount: 980, authCode: '1345', channel: 'ALIPAY' });
// @ts-expect-error a refund query names the refund
await v1.refundQuery({ merchantOrderNo: 'F1' });
// @ts-expect-error refundNo means nothing to a Fubei query (Shouqianba's query takes it)
await v1.query({ merchantOrderNo: 'F1', refundNo: 'R' });
// @ts-expect-error Fubei has no terminal check-in
await v2.checkin({ deviceId: 'd' });
// @ts-expect-error payerUid is not a Fubei field
await v2.precreate({ merchantOrderNo: 'F2', amount: 2580, payerUid: 'o-1' });
// @ts-expect-error only Shouqianba has a WAP cashier URL
v1.wapPayUrl({ merchantOrderNo: 'F4', amount: 1, subject: 's', operator: 'o', returnUrl: 'https://r' });

declare const console: { log(...a: unknown[]): void };
console.log(explicit, typed, typed2, any, none);
