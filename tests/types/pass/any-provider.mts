// Code that handles any provider: `Client` takes what at least one provider takes; a generic over the
// provider keeps each call exact.
import {
  createClient, type Client, type ClientOptions, type ProviderName, type RefundInput, type WaitInput, type OperationInputs,
} from 'aggpay';

declare const options: ClientOptions;
const client: Client = createClient(options);
const p: ProviderName = client.provider;

await client.pay({ merchantOrderNo: 'A1', amount: 980, authCode: '1345', subject: 'Latte', operator: 'alice', clientIp: '203.0.113.9' });
await client.query({ merchantOrderNo: 'A1' });
await client.refund({ merchantOrderNo: 'A1', refundNo: 'R1', amount: 1, operator: 'alice', clientIp: '203.0.113.9' });
await client.waitForPayment({ merchantOrderNo: 'A1', amount: 980, clientIp: '203.0.113.9' });
const signer: 'node' | 'webcrypto' | 'wasm' | 'custom' | null = client.signer;

// One refund path for every gateway, exact per provider.
async function refund<P extends ProviderName>(c: Client<P>, input: RefundInput<P>) {
  return c.refund(input);
}
const lakala = createClient({ provider: 'lakala', credentials: { appId: 'a', serialNo: '01', privateKey: 'k', platformCertificate: 'c', merchantNo: 'm', termNo: 't' } });
await refund(lakala, { merchantOrderNo: 'A1', refundNo: 'R1', amount: 1, clientIp: '203.0.113.9' });
// @ts-expect-error the Lakala client's refund needs clientIp
await refund(lakala, { merchantOrderNo: 'A1', refundNo: 'R1', amount: 1 });

// Every typed client is a Client; the typed inputs are the provider's.
const clients: Client[] = [lakala, createClient({ provider: 'shouqianba' }), createClient({ provider: 'fubei', apiVersion: '2.0' })];
const input: OperationInputs<'lakala'>['query'] = { providerOrderNo: 'P1' };
const wait: WaitInput = { merchantOrderNo: 'A1', amount: 1 };

// @ts-expect-error no provider's query takes an authCode
await client.query({ merchantOrderNo: 'A1', authCode: '1345' });
// @ts-expect-error no provider's pay goes without the barcode
await client.pay({ merchantOrderNo: 'A1', amount: 980 });
// @ts-expect-error not a provider
createClient({ provider: 'paypal' });
// @ts-expect-error Lakala needs termNo
createClient({ provider: 'lakala', credentials: { appId: 'a', privateKey: 'k', platformCertificate: 'c', merchantNo: 'm' } });
// @ts-expect-error apiVersion is Fubei's
createClient({ provider: 'tingyihui', apiVersion: '2.0', credentials: { accessId: 'a', privateKey: 'k' } });
// @ts-expect-error a typo in the options is caught
createClient({ provider: 'shouqianba', credentails: {} });

declare const console: { log(...a: unknown[]): void };
console.log(p, signer, clients, input, wait);
