// RSA signing paths: the blinded Rust signer ('wasm'), node:crypto ('node'), WebCrypto ('webcrypto') and a
// caller's own function all produce the same bytes (SHA256withRSA PKCS#1 v1.5 is deterministic), each signature
// verifies with node:crypto, and key ingestion accepts the documented forms and refuses the rest before
// anything is sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createClient, AggpayError } from 'aggpay';
import { startEmulator } from '../../js-examples/emulator/index.mjs';
import { makeCertificate } from '../../js-examples/emulator/x509.mjs';
import { spyFetch, TEST_KEYS } from './kit.mjs';

const T = { timeout: 10_000 };
const NOW = 1_700_000_000_000;
const NONCE = 'fixedNonce0123456789';

let emu;
// A key of the test's own, with a certificate for it (to verify against and to use as "platform" key).
const { privateKey, publicKey, privateKeyPem: PKCS8_PEM } = TEST_KEYS;
const CERT = makeCertificate({ privateKey, commonName: 'signer-test', serialHex: '00c0ffee0123456789' });

before(async () => {
  emu = await startEmulator({ port: 0 });
});
after(async () => {
  await emu?.close();
});

/** A Lakala client on the test's own key; buildRequest never sends, so the base URL is never reached. */
function lakala(options = {}, credentials = {}) {
  return createClient({
    provider: 'lakala',
    baseUrl: 'http://127.0.0.1:9/lakala',
    credentials: {
      appId: 'OP00000003',
      merchantCertificate: CERT,
      privateKey: PKCS8_PEM,
      platformCertificate: CERT,
      merchantNo: '822290070111135',
      termNo: '29034705',
      ...credentials,
    },
    now: () => NOW,
    nonce: () => NONCE,
    ...options,
  });
}

/** The caller's own signer: node:crypto over the bytes it is handed. */
const nodeSign = async (bytes) => new Uint8Array(crypto.sign('sha256', bytes, privateKey));

const SIGNERS = { wasm: 'wasm', node: 'node', webcrypto: 'webcrypto', custom: nodeSign };

/** Five-plus requests with different operations, sizes and characters. */
const INPUTS = [
  ['query', { merchantOrderNo: 'A1' }],
  ['query', { providerOrderNo: '2026112266210000000001' }],
  ['pay', { merchantOrderNo: 'P-2', amount: 1, subject: '咖啡 ☕ "quoted" \\ back\\slash', operator: 'op', authCode: '130000000000000001', clientIp: '10.0.0.1' }],
  ['precreate', { merchantOrderNo: 'Q-3', amount: 999_999_999_999, subject: 'x'.repeat(42), operator: 'op', channel: 'ALIPAY', clientIp: '::1', notifyUrl: 'https://m.example/n?a=1&b=2' }],
  ['refund', { merchantOrderNo: 'P-2', refundNo: 'R-4', amount: 250, clientIp: '10.0.0.1', description: '退款原因：测试' }],
  ['close', { providerOrderNo: '2026112266210000000002', clientIp: '10.0.0.1' }],
  ['revoke', { merchantOrderNo: 'P-2', refundNo: 'RV-6', clientIp: '10.0.0.1', extra: { remark: '多字节 emoji 🧪', nested: { a: [1, 2, 3] } } }],
  ['refundQuery', { refundNo: 'R-4' }],
];

const authPairs = (header) => Object.fromEntries([...header.matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));

test('wasm, node, webcrypto and a custom signer build byte-identical requests; every signature verifies', T, async () => {
  const clients = Object.fromEntries(Object.entries(SIGNERS).map(([k, s]) => [k, lakala({ signer: s })]));
  for (const [op, input] of INPUTS) {
    const built = {};
    for (const [kind, c] of Object.entries(clients)) built[kind] = await c.buildRequest(op, input);
    const reference = built.node;
    for (const [kind, req] of Object.entries(built)) {
      assert.deepEqual(req, reference, `${op} ${kind} vs node`);
      assert.equal(JSON.stringify(req.headers), JSON.stringify(reference.headers), `${op} ${kind}: headers byte-identical`);
      assert.equal(req.body, reference.body, `${op} ${kind}: body byte-identical`);
    }
    const p = authPairs(reference.headers.authorization);
    assert.equal(p.timestamp, String(NOW / 1000));
    assert.equal(p.nonce_str, NONCE);
    assert.equal(p.serial_no, '00c0ffee0123456789', 'serial from the merchant certificate, leading 00 kept');
    const message = Buffer.from(`${p.appid}\n${p.serial_no}\n${p.timestamp}\n${p.nonce_str}\n${reference.body}\n`, 'utf8');
    const signature = Buffer.from(p.signature, 'base64');
    assert.equal(signature.length, 256, 'RSA-2048');
    assert.ok(crypto.verify('sha256', message, publicKey, signature), `${op}: verifies with node:crypto`);
    assert.ok(crypto.verify('sha256', message, new crypto.X509Certificate(CERT).publicKey, signature), `${op}: and with the certificate`);
    assert.equal(p.signature, crypto.sign('sha256', message, privateKey).toString('base64'), `${op}: what node:crypto itself computes`);
  }
  // Different messages, different signatures (the signer is not returning a constant).
  const sigs = new Set();
  for (const [op, input] of INPUTS) sigs.add(authPairs((await clients.wasm.buildRequest(op, input)).headers.authorization).signature);
  assert.equal(sigs.size, INPUTS.length);
});

test('Tingyihui requests are byte-identical across the signers too', T, async () => {
  const key = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
  const make = (signer) => createClient({
    provider: 'tingyihui', baseUrl: 'http://127.0.0.1:9', credentials: { accessId: '17000000000000001', privateKey: key, merchantCode: '2260000000000001' },
    now: () => NOW, signer,
  });
  const inputs = [
    ['query', { merchantOrderNo: 'T-1' }],
    ['precreate', { merchantOrderNo: 'T-2', amount: 300, subject: '停车费', operator: 'op', channel: 'ALIPAY' }],
    ['refund', { merchantOrderNo: 'T-2', refundNo: 'TR-1', amount: 100 }],
    ['close', { providerOrderNo: 'trade_00000000000000001' }],
    ['refundQuery', { providerRefundNo: 'refund_00000000000000001' }],
  ];
  for (const [op, input] of inputs) {
    const built = await Promise.all(Object.values(SIGNERS).map((s) => make(s).buildRequest(op, input)));
    for (const req of built) assert.equal(req.body, built[0].body, op);
    const env = JSON.parse(built[0].body);
    assert.ok(crypto.verify('sha256', Buffer.from(`${env.access_id}${env.data}${env.sign_type}${env.time_stamp}`), publicKey, Buffer.from(env.sign, 'base64')), op);
  }
});

test('client.signer: auto is node in Node; forced kinds as asked; custom for a function; null for Shouqianba', T, () => {
  assert.equal(lakala().signer, 'node', 'default is auto');
  assert.equal(lakala({ signer: 'auto' }).signer, 'node');
  for (const kind of ['wasm', 'node', 'webcrypto']) assert.equal(lakala({ signer: kind }).signer, kind);
  assert.equal(lakala({ signer: nodeSign }).signer, 'custom');
  const sqb = createClient({ provider: 'shouqianba', baseUrl: emu.url, credentials: { terminalSn: '1', terminalKey: 'k' } });
  assert.equal(sqb.signer, null);
  assert.equal(createClient({ provider: 'shouqianba' }).signer, null);
});

test("signer 'bogus' (and other non-signers) → INVALID_CONFIG at createClient", T, () => {
  for (const bogus of ['bogus', 'NODE', '', 42, null, {}, ['node']]) {
    assert.throws(() => lakala({ signer: bogus }), (e) => {
      assert.ok(e instanceof AggpayError, String(e));
      assert.equal(e.code, 'INVALID_CONFIG', `${JSON.stringify(bogus)}: ${e.message}`);
      assert.equal(e.field, 'signer');
      assert.match(e.message, /signer/);
      return true;
    }, JSON.stringify(bogus));
  }
});

test('a custom signer returning something other than bytes → INVALID_CONFIG, nothing sent', T, async () => {
  for (const value of ['c2lnbmF0dXJl', [1, 2, 3], undefined, null, 42, { length: 256 }]) {
    const fetch = spyFetch();
    const c = lakala({ signer: async () => value, fetch });
    await assert.rejects(c.buildRequest('query', { merchantOrderNo: 'A1' }), (e) => {
      assert.ok(e instanceof AggpayError, String(e));
      assert.equal(e.code, 'INVALID_CONFIG', `${JSON.stringify(value)}: ${e.message}`);
      assert.equal(e.field, 'signer');
      return true;
    }, JSON.stringify(value));
    await assert.rejects(c.query({ merchantOrderNo: 'A1' }), (e) => e instanceof AggpayError && e.code === 'INVALID_CONFIG');
    assert.equal(fetch.calls.length, 0);
  }
  // Bytes in any view are fine: Buffer, ArrayBuffer, DataView.
  const expected = await lakala({ signer: 'node' }).buildRequest('query', { merchantOrderNo: 'A1' });
  for (const wrap of [(b) => Buffer.from(b), (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength), (b) => new DataView(b.buffer, b.byteOffset, b.byteLength)]) {
    const req = await lakala({ signer: async (m) => wrap(await nodeSign(m)) }).buildRequest('query', { merchantOrderNo: 'A1' });
    assert.deepEqual(req, expected);
  }
});

test('a custom signer that throws: the error propagates from buildRequest and the operation, nothing sent', T, async () => {
  class HsmDown extends Error {}
  const boom = new HsmDown('HSM unreachable');
  for (const signer of [async () => { throw boom; }, () => { throw boom; }, () => Promise.reject(boom)]) {
    const fetch = spyFetch();
    const c = lakala({ signer, fetch });
    await assert.rejects(c.buildRequest('query', { merchantOrderNo: 'A1' }), (e) => e === boom);
    await assert.rejects(c.pay(INPUTS[2][1]), (e) => e === boom, 'not turned into an outcome: nothing was sent');
    assert.equal(fetch.calls.length, 0, 'spy fetch sees no call');
  }
});

test('a custom signer is called exactly once per request, with the exact message to sign', T, async () => {
  const seen = [];
  const c = lakala({ signer: async (bytes) => { seen.push(Buffer.from(bytes)); return nodeSign(bytes); } });
  for (const [op, input] of INPUTS) {
    const before = seen.length;
    const req = await c.buildRequest(op, input);
    assert.equal(seen.length, before + 1, op);
    const p = authPairs(req.headers.authorization);
    assert.equal(seen.at(-1).toString('utf8'), `${p.appid}\n${p.serial_no}\n${p.timestamp}\n${p.nonce_str}\n${req.body}\n`, op);
  }
  assert.equal(seen.length, INPUTS.length);
  // Reading client.signer signs nothing.
  assert.equal(c.signer, 'custom');
  assert.equal(seen.length, INPUTS.length);
});

test('the platform key is imported once per client (node: createPrivateKey, webcrypto: importKey)', T, async () => {
  const originalCreate = crypto.createPrivateKey;
  const subtle = globalThis.crypto.subtle;
  const originalImport = subtle.importKey;
  let creates = 0;
  let imports = 0;
  crypto.createPrivateKey = (...args) => { creates++; return originalCreate.apply(crypto, args); };
  subtle.importKey = function (...args) { imports++; return originalImport.apply(this, args); };
  try {
    const node = lakala({ signer: 'node' });
    const web = lakala({ signer: 'webcrypto' });
    const wasm = lakala({ signer: 'wasm' });
    assert.equal(creates + imports, 0, 'nothing imported before first use');
    for (const [op, input] of INPUTS) {
      await node.buildRequest(op, input);
      await web.buildRequest(op, input);
      await wasm.buildRequest(op, input);
    }
    void node.signer;
    void web.signer;
    assert.equal(creates, 1, 'node: one createPrivateKey for all requests');
    assert.equal(imports, 1, 'webcrypto: one importKey for all requests');
    // A second client imports its own key, once.
    const other = lakala({ signer: 'node' });
    await other.buildRequest('query', { merchantOrderNo: 'A1' });
    await other.buildRequest('query', { merchantOrderNo: 'A2' });
    assert.equal(creates, 2);
  } finally {
    crypto.createPrivateKey = originalCreate;
    delete subtle.importKey;
    if (subtle.importKey !== originalImport) subtle.importKey = originalImport;
  }
});

// ---------------------------------------------------------------- key ingestion through createClient

/** Credentials for the emulator's Lakala merchant, with overrides. */
function emuLakala(credentials = {}, options = {}) {
  const m = emu.lakala.merchant;
  return createClient({
    provider: 'lakala',
    baseUrl: `${emu.url}/lakala`,
    credentials: {
      appId: m.appId, serialNo: m.serialNo, privateKey: m.privateKeyPem, platformCertificate: emu.lakala.platformCertificatePem,
      merchantNo: m.merchantNo, termNo: m.termNo, ...credentials,
    },
    ...options,
  });
}

let seq = 0;
const no = (tag) => `${tag}${process.pid}x${++seq}`;
const pay = (c) => c.pay({ merchantOrderNo: no('key'), amount: 100, subject: 's', operator: 'op', authCode: '130000000000000001', clientIp: '127.0.0.1' });

test('private key forms that work end to end: PKCS#1 PEM, PKCS#8 PEM, bare Base64 PKCS#8 and PKCS#1, CRLF and indented PEM', T, async () => {
  const key = crypto.createPrivateKey(emu.lakala.merchant.privateKeyPem);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'pem' });
  const forms = {
    'PKCS#1 PEM': key.export({ type: 'pkcs1', format: 'pem' }),
    'PKCS#8 PEM': pkcs8,
    'bare Base64 PKCS#8': key.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    'bare Base64 PKCS#1': key.export({ type: 'pkcs1', format: 'der' }).toString('base64'),
    'PKCS#8 PEM with CRLF': pkcs8.replace(/\n/g, '\r\n'),
    'PKCS#8 PEM with surrounding whitespace': `\n   ${pkcs8}   \n`,
  };
  for (const [form, privateKey] of Object.entries(forms)) {
    for (const signer of ['auto', 'wasm']) {
      const r = await pay(emuLakala({ privateKey }, { signer }));
      assert.equal(r.outcome, 'SUCCEEDED', `${form} (${signer}): ${JSON.stringify(r.error)}`);
    }
  }
});

test('platform certificate forms that verify answers: certificate PEM, SPKI PEM, PKCS#1 public PEM, bare Base64 SPKI', T, async () => {
  const pub = new crypto.X509Certificate(emu.lakala.platformCertificatePem).publicKey;
  const forms = {
    'certificate PEM': emu.lakala.platformCertificatePem,
    'SPKI PEM': pub.export({ type: 'spki', format: 'pem' }),
    'PKCS#1 public PEM': pub.export({ type: 'pkcs1', format: 'pem' }),
    'bare Base64 SPKI': pub.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
  for (const [form, platformCertificate] of Object.entries(forms)) {
    const r = await pay(emuLakala({ platformCertificate }));
    assert.equal(r.outcome, 'SUCCEEDED', `${form}: ${JSON.stringify(r.error)}`);
  }
});

/** Asserts createClient throws AggpayError `code` about the private key, and that nothing was sent. */
function refusesKey(make, code, what) {
  const fetch = spyFetch();
  let error;
  try {
    make(fetch);
  } catch (e) {
    error = e;
  }
  assert.ok(error, `${what}: createClient did not throw`);
  assert.ok(error instanceof AggpayError, `${what}: ${error}`);
  assert.equal(error.code, code, `${what}: ${error.code} ${error.message}`);
  assert.equal(error.field, 'credentials.privateKey', `${what}: ${error.message}`);
  assert.match(error.message, /private ?key/i, `${what}: the message says it is about the private key: ${error.message}`);
  assert.equal(fetch.calls.length, 0);
  return error;
}

const WRONG_PRIVATE_KEYS = () => {
  const pub = crypto.createPublicKey(privateKey);
  return {
    'SPKI public key PEM': [pub.export({ type: 'spki', format: 'pem' }), /public key.*private key/],
    'PKCS#1 public key PEM': [pub.export({ type: 'pkcs1', format: 'pem' }), /public key.*private key/],
    'bare Base64 SPKI public key': [pub.export({ type: 'spki', format: 'der' }).toString('base64'), /public key.*private key/],
    'a certificate': [CERT, /certificate.*private key/],
    garbage: ['this is not a key at all', /PEM|Base64/],
    'Base64 that is no key': [Buffer.from('hello world, not DER').toString('base64'), /private key/],
    'PEM with a broken body': ['-----BEGIN PRIVATE KEY-----\nnot base64 !!\n-----END PRIVATE KEY-----\n', /Base64/],
    'PEM with no END line': [PKCS8_PEM.replace(/-----END[^]*$/, ''), /END/],
    'encrypted PKCS#8': [privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }), /encrypted/],
  };
};

test('a public key, certificate or garbage as privateKey → INVALID_KEY naming the private key, nothing sent (Lakala and Tingyihui)', T, () => {
  for (const [what, [key, message]] of Object.entries(WRONG_PRIVATE_KEYS())) {
    const e1 = refusesKey((fetch) => lakala({ fetch }, { privateKey: key }), 'INVALID_KEY', `lakala ${what}`);
    assert.match(e1.message, message, `lakala ${what}`);
    const e2 = refusesKey((fetch) => createClient({
      provider: 'tingyihui', baseUrl: emu.url, credentials: { accessId: '1', privateKey: key }, fetch,
    }), 'INVALID_KEY', `tingyihui ${what}`);
    assert.match(e2.message, message, `tingyihui ${what}`);
    assert.ok(!e1.message.includes(key.trim().slice(30, 60)) || key.length < 60, 'the key text is not echoed');
  }
});

test('an empty privateKey → INVALID_KEY (Tingyihui)', T, () => {
  for (const empty of ['', '   ', '\n']) {
    refusesKey((fetch) => createClient({
      provider: 'tingyihui', baseUrl: emu.url, credentials: { accessId: '1', privateKey: empty }, fetch,
    }), 'INVALID_KEY', `tingyihui ${JSON.stringify(empty)}`);
  }
});

test('an empty privateKey → INVALID_KEY (Lakala)', {
  ...T,
}, () => {
  for (const empty of ['', '   ', '\n']) {
    refusesKey((fetch) => lakala({ fetch }, { privateKey: empty }), 'INVALID_KEY', `lakala ${JSON.stringify(empty)}`);
  }
});

test('a missing or wrong platform certificate → thrown at createClient, never a silent unverified client', T, () => {
  const cases = {
    'a private key': [PKCS8_PEM, 'INVALID_KEY'],
    garbage: ['not a certificate', 'INVALID_KEY'],
  };
  for (const [what, [platformCertificate, code]] of Object.entries(cases)) {
    assert.throws(() => lakala({}, { platformCertificate }), (e) => e instanceof AggpayError && e.code === code && e.field === 'credentials.platformCertificate', what);
  }
  for (const platformCertificate of [undefined, '']) {
    assert.throws(() => lakala({}, { platformCertificate }), (e) => e instanceof AggpayError && ['INVALID_CONFIG', 'INVALID_KEY'].includes(e.code) && /platformCertificate/.test(e.message));
  }
});
