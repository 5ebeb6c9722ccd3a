// The JS/wasm boundary (issue 9 item 4): the prepared request stays in wasm until it is complete, errors
// cross as real Error objects, and results are exactly what JSON.parse would make of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { createClient, AggpayError } from 'aggpay';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaCredentials = {
  appId: 'OP00000003', serialNo: '00dfba8194c41b84cf', merchantNo: '822290070111135', termNo: '29034705',
  privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
  platformCertificate: publicKey.export({ type: 'spki', format: 'pem' }),
};
const rsaClient = (signer) => createClient({ provider: 'lakala', baseUrl: 'http://127.0.0.1:9', credentials: rsaCredentials, signer });

test('the signer signs the bytes the core prepared, and the request carries exactly that signature', async () => {
  let signed;
  const client = rsaClient(async (bytes) => {
    assert.ok(bytes instanceof Uint8Array, 'toSign arrives as bytes, not Base64 text');
    signed = Buffer.from(bytes);
    return new Uint8Array(nodeSign('sha256', bytes, privateKey));
  });
  const request = await client.buildRequest('query', { merchantOrderNo: 'A1' });
  assert.equal(typeof request.body, 'string');
  // The message ends with the body that is sent, byte for byte.
  assert.ok(signed.toString('utf8').endsWith(`\n${request.body}\n`));
  const signature = /signature="([^"]+)"/.exec(request.headers.authorization)[1];
  assert.ok(nodeVerify('sha256', signed, publicKey, Buffer.from(signature, 'base64')));
  // The request is a plain object the caller owns: changing it changes nothing for the next build.
  request.body = 'tampered';
  const again = await client.buildRequest('query', { merchantOrderNo: 'A1' });
  assert.notEqual(again.body, 'tampered');
});

test('a signer that fails or returns no bytes rejects buildRequest, and later builds still work', async () => {
  let mode = 'throw';
  const client = rsaClient(async (bytes) => {
    if (mode === 'throw') throw new TypeError('hsm down');
    if (mode === 'empty') return new Uint8Array(0);
    return new Uint8Array(nodeSign('sha256', bytes, privateKey));
  });
  // A host error is not ours: it arrives unchanged, not as an AggpayError.
  const hostError = await client.buildRequest('query', { merchantOrderNo: 'A1' }).catch((e) => e);
  assert.ok(hostError instanceof TypeError && !(hostError instanceof AggpayError));
  assert.equal(hostError.message, 'hsm down');
  mode = 'empty';
  const empty = await client.buildRequest('query', { merchantOrderNo: 'A1' }).catch((e) => e);
  assert.ok(empty instanceof AggpayError);
  assert.equal(empty.code, 'INVALID_CONFIG');
  assert.equal(empty.field, 'signer');
  mode = 'ok';
  // Many builds after failures: each prepared request is freed, on error paths too.
  for (let i = 0; i < 200; i++) {
    mode = i % 3 === 0 ? 'throw' : 'ok';
    await client.buildRequest('query', { merchantOrderNo: `A${i}` }).catch((e) => assert.equal(e.message, 'hsm down'));
  }
});

test('errors from the core are real Errors, turned into AggpayError with every field', async () => {
  const e = (() => {
    try {
      createClient({ provider: 'lakala', credentials: { ...rsaCredentials, privateKey: 'not a key' } });
    } catch (err) {
      return err;
    }
  })();
  assert.ok(e instanceof AggpayError && e instanceof Error);
  assert.equal(e.name, 'AggpayError');
  assert.equal(e.code, 'INVALID_KEY');
  assert.equal(e.field, 'credentials.privateKey');
  assert.equal(e.retryable, false);
  assert.equal(typeof e.message, 'string');
  assert.equal(typeof e.stack, 'string');
  const input = await rsaClient('node').buildRequest('pay', { merchantOrderNo: 'A1', amount: 0, authCode: '1', clientIp: '192.0.2.1' }).catch((x) => x);
  assert.ok(input instanceof AggpayError);
  assert.equal(input.code, 'INVALID_INPUT');
  assert.equal(input.field, 'amount');
  // A rejected notification carries its reason.
  const notice = await createClient({ provider: 'fubei', credentials: { appId: 'app', appSecret: 'secret' } })
    .verifyNotification({ headers: {}, body: '{}' })
    .catch((x) => x);
  assert.ok(notice instanceof AggpayError);
  assert.equal(notice.code, 'NOTIFICATION_INVALID');
  assert.equal(typeof notice.reason, 'string');
});

test('a host error that looks like JSON or carries a code is still not mistaken for ours', async () => {
  for (const thrown of ['{"code":"INVALID_INPUT","message":"x"}', Object.assign(new Error('x'), { code: 'INVALID_INPUT' })]) {
    const client = rsaClient(async () => {
      throw thrown;
    });
    const e = await client.buildRequest('query', { merchantOrderNo: 'A1' }).catch((x) => x);
    assert.equal(e, thrown);
    assert.ok(!(e instanceof AggpayError));
  }
});

test('raw is exactly what JSON.parse makes of the answer: yuan amounts like 9.80 stay numbers', async () => {
  const client = createClient({ provider: 'fubei', baseUrl: 'http://127.0.0.1:9', credentials: { appId: 'app', appSecret: 'secret' } });
  const body = '{"result_code":200,"result_message":"ok","data":{"merchant_order_sn":"A1","order_sn":"F1","order_status":"SUCCESS","total_amount":9.80,"fee":1e2,"neg":-0.5,"big":12345678901234567890,"list":[0.10,2]}}';
  const r = await client.parseResponse('query', { status: 200, headers: {}, body }, { merchantOrderNo: 'A1' });
  assert.deepEqual(r.raw, JSON.parse(body));
  assert.equal(r.raw.data.total_amount, 9.8);
  assert.equal(typeof r.raw.data.total_amount, 'number');
});

test('raw keeps the answer as JSON.parse reads it, key order too; secret fields are redacted; a body that is not JSON is null', async () => {
  const client = createClient({ provider: 'shouqianba', baseUrl: 'http://127.0.0.1:9', credentials: { terminalSn: 'T1', terminalKey: 'K1' } });
  const parse = (op, body, input = { merchantOrderNo: 'A1' }) => client.parseResponse(op, { status: 200, headers: {}, body }, input);
  const body = '{"result_code":"200","biz_response":{"result_code":"SUCCESS","data":{"sn":"7894259244061958","client_sn":"A1","status":"SUCCESS","order_status":"PAID","total_amount":"980","net_amount":"980","subject":"咖啡 \\"x\\"","payway":"3","z":1,"a":[0.10,{"y":2,"b":3}]}}}';
  const r = await parse('query', body);
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(JSON.stringify(r.raw), JSON.stringify(JSON.parse(body)), 'the same keys in the same order');

  const secret = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const activated = await parse('checkin', `{"result_code":"200","biz_response":{"terminal_sn":"T2","terminal_key":"${secret}"}}`, {});
  assert.equal(activated.credentials.terminalKey, secret);
  assert.equal(activated.raw.biz_response.terminal_key, '<redacted>');
  assert.ok(!JSON.stringify(activated.raw).includes(secret));

  const html = await client.parseResponse('query', { status: 502, headers: {}, body: '<html>{"a":1}</html>' }, { merchantOrderNo: 'A1' });
  assert.equal(html.raw, null);
});

test('a built request crosses as a plain object {method, url, headers, body}, the body exactly the text signed', async () => {
  const terminalKey = 'K1';
  const client = createClient({ provider: 'shouqianba', baseUrl: 'http://127.0.0.1:9', credentials: { terminalSn: 'T1', terminalKey } });
  // Text that JSON escapes twice over once the body is itself a string in the request's JSON.
  const subject = 'a"b\\c/d 咖啡 \u2028 </script>';
  const request = await client.buildRequest('precreate', { merchantOrderNo: 'A1', amount: 980, subject, payway: '3', operator: 'op01' });
  assert.equal(JSON.parse(request.body).subject, subject);
  assert.equal(Object.getPrototypeOf(request), Object.prototype);
  assert.deepEqual(Object.keys(request), ['method', 'url', 'headers', 'body']);
  assert.equal(request.method, 'POST');
  assert.equal(typeof request.body, 'string');
  for (const v of Object.values(request.headers)) assert.equal(typeof v, 'string');
  assert.equal(request.headers.authorization, `T1 ${createHash('md5').update(request.body + terminalKey).digest('hex')}`);
});
