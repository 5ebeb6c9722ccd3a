// RSA verification paths: node:crypto ('node'), WebCrypto ('webcrypto'), the Rust verifier in wasm ('wasm') and a
// caller's own function agree on every vector — valid, tampered body, wrong key, malformed / empty / short /
// overlong / out-of-range signature — for Lakala answers, Lakala notifications and Shouqianba notifications. And a
// host verifier that answers anything but a boolean `true` (a truthy string or number, undefined, a throw, a
// rejection, silence) never lets a signed answer or notice through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createClient, AggpayError } from 'aggpay';
import { TEST_KEYS } from './kit.mjs';

const T = { timeout: 30_000 };
const NOW = 1_700_000_000_000;
const TS = String(NOW / 1000);
const { privateKey, publicKey, privateKeyPem } = TEST_KEYS;
const platformPem = publicKey.export({ type: 'spki', format: 'pem' });
const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

const nodeVerify = (message, signature, spki) => crypto.verify('sha256', message, crypto.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }), signature);
const KINDS = { node: 'node', webcrypto: 'webcrypto', wasm: 'wasm', custom: nodeVerify };

const LAKALA = { appId: 'OP00000003', serialNo: '00dfba8194c41b84cf', merchantNo: '822290070111135', termNo: '29034705' };
const lakala = (verifier, extra = {}) => createClient({
  provider: 'lakala', baseUrl: 'http://127.0.0.1:9/lakala', verifier, now: () => NOW,
  credentials: { ...LAKALA, privateKey: privateKeyPem, platformCertificate: platformPem },
  ...extra,
});
const SQB = { terminalSn: '100000330001', terminalKey: 'k'.repeat(32) };
const shouqianba = (verifier, extra = {}) => createClient({
  provider: 'shouqianba', baseUrl: 'http://127.0.0.1:9', verifier, now: () => NOW,
  credentials: { ...SQB, notifyPublicKey: platformPem }, ...extra,
});

const sign = (bytes, key = privateKey) => crypto.sign('sha256', Buffer.from(bytes), key).toString('base64');
const b64 = (bytes) => Buffer.from(bytes).toString('base64');

/** The signatures every vector set tries, each a function of the signed message. */
const SIGNATURES = {
  valid: (m) => sign(m),
  'wrong key': (m) => sign(m, other),
  'one bit flipped': (m) => { const s = Buffer.from(sign(m), 'base64'); s[100] ^= 1; return b64(s); },
  'not Base64': () => '!!!not-base64!!!',
  empty: () => '',
  'short (255 bytes)': (m) => b64(Buffer.from(sign(m), 'base64').subarray(1)),
  'overlong (257 bytes)': (m) => b64(Buffer.concat([Buffer.from(sign(m), 'base64'), Buffer.from([0])])),
  'twice as long': (m) => b64(Buffer.concat([Buffer.from(sign(m), 'base64'), Buffer.from(sign(m), 'base64')])),
  'all 0xff (not below the modulus)': () => b64(Buffer.alloc(256, 0xff)),
  zeros: () => b64(Buffer.alloc(256)),
};

// ---------------------------------------------------------------- Lakala answers

const answerBody = (no = 'A1') => JSON.stringify({
  code: 'BBS00000', msg: '成功', resp_time: '20231115062000',
  resp_data: { merchant_no: LAKALA.merchantNo, out_trade_no: no, trade_no: '2023111566210000000001', trade_state: 'SUCCESS', total_amount: '100', account_type: 'WECHAT' },
});
const lklMessage = (...parts) => Buffer.from(parts.map((p) => `${p}\n`).join(''));

function answer(sigFn, { body = answerBody(), signedBody = body } = {}) {
  const nonce = 'n0nce12chars';
  const signature = sigFn(lklMessage(LAKALA.appId, LAKALA.serialNo, TS, nonce, signedBody));
  return {
    status: 200, body,
    headers: { 'Lklapi-Appid': LAKALA.appId, 'Lklapi-Serial': LAKALA.serialNo, 'Lklapi-Timestamp': TS, 'Lklapi-Nonce': nonce, 'Lklapi-Signature': signature },
  };
}

function answerVectors() {
  const out = {};
  for (const [name, sigFn] of Object.entries(SIGNATURES)) out[name] = answer(sigFn);
  out['tampered body'] = answer(SIGNATURES.valid, { signedBody: answerBody(), body: answerBody().replace('"100"', '"1"') });
  out['signature of another answer'] = answer(SIGNATURES.valid, { signedBody: answerBody('A2') });
  return out;
}

test('Lakala answers: node, webcrypto, wasm and a custom verifier give identical results on every vector', T, async () => {
  const clients = Object.fromEntries(Object.entries(KINDS).map(([k, v]) => [k, lakala(v)]));
  for (const [k, c] of Object.entries(clients)) assert.equal(c.verifier, k === 'custom' ? 'custom' : k);
  for (const [name, response] of Object.entries(answerVectors())) {
    const results = {};
    for (const [kind, c] of Object.entries(clients)) results[kind] = await c.parseResponse('query', response, { merchantOrderNo: 'A1' });
    for (const [kind, r] of Object.entries(results)) assert.deepEqual(r, results.wasm, `${name}: ${kind} vs wasm`);
    const r = results.node;
    if (name === 'valid') {
      assert.equal(r.outcome, 'SUCCEEDED', `${name}: ${JSON.stringify(r.error)}`);
      assert.equal(r.order.amounts.total, 100);
    } else {
      assert.equal(r.outcome, 'UNKNOWN', name);
      assert.equal(r.error.code, 'RESPONSE_SIGNATURE_INVALID', `${name}: ${r.error.code}`);
      assert.equal(r.order, undefined, `${name}: nothing of an unverified answer is used`);
    }
  }
});

test("Lakala: a verified answer still counts only for our appId and inside the window (the core's checks)", T, async () => {
  for (const kind of Object.keys(KINDS)) {
    const late = await lakala(KINDS[kind], { now: () => NOW + 3_600_000 }).parseResponse('query', answer(SIGNATURES.valid), { merchantOrderNo: 'A1' });
    assert.equal(late.error?.code, 'RESPONSE_SIGNATURE_INVALID', `${kind}: stale`);
    assert.match(late.error.message, /stale/);
    const nonce = 'n0nce12chars';
    const foreign = { ...answer(SIGNATURES.valid) };
    foreign.headers = { ...foreign.headers, 'Lklapi-Appid': 'OP99999999', 'Lklapi-Signature': sign(lklMessage('OP99999999', LAKALA.serialNo, TS, nonce, foreign.body)) };
    const r = await lakala(KINDS[kind]).parseResponse('query', foreign, { merchantOrderNo: 'A1' });
    assert.equal(r.error?.code, 'RESPONSE_SIGNATURE_INVALID', `${kind}: another app`);
    assert.match(r.error.message, /another app/);
  }
});

// ---------------------------------------------------------------- notifications

/** `{ verified | refused reason }` of a verifyNotification call. */
async function outcome(p) {
  try {
    const n = await p;
    return { verified: n };
  } catch (e) {
    assert.ok(e instanceof AggpayError, String(e));
    return { refused: `${e.code} ${e.reason}` };
  }
}

const lakalaNotice = (no = 'N1') => JSON.stringify({
  merchant_no: LAKALA.merchantNo, term_no: LAKALA.termNo, out_trade_no: no, trade_no: '2023111566210000000009',
  trade_status: 'SUCCESS', total_amount: '880', account_type: 'ALIPAY', trade_time: '20231115062000',
});
function lakalaNotification(sigFn, { body = lakalaNotice(), signedBody = body } = {}) {
  const nonce = 'abcdef123456';
  const signature = sigFn(lklMessage(TS, nonce, signedBody));
  return { headers: { Authorization: `LKLAPI-SHA256withRSA timestamp="${TS}",nonce_str="${nonce}",signature="${signature}"` }, body };
}

const sqbNotice = (no = 'S1') => JSON.stringify({
  terminal_sn: SQB.terminalSn, sn: '7894259244096169', client_sn: no, trade_no: '2023111500001', status: 'SUCCESS',
  order_status: 'PAID', payway: '3', total_amount: '880', net_amount: '880', finish_time: '1700000000000',
});
function sqbNotification(sigFn, { body = sqbNotice(), signedBody = body, sn = false } = {}) {
  const sig = sigFn(Buffer.from(signedBody));
  return { headers: { authorization: sn ? `${SQB.terminalSn} ${sig}` : sig }, body };
}

function noticeVectors(make, tamper) {
  const out = {};
  for (const [name, sigFn] of Object.entries(SIGNATURES)) out[name] = make(sigFn);
  out['tampered body'] = make(SIGNATURES.valid, { signedBody: tamper.body, body: tamper.body.replace('"880"', '"1"') });
  out['signature of another notice'] = make(SIGNATURES.valid, { signedBody: tamper.other });
  return out;
}

const NOTICES = {
  'Lakala notification': {
    client: lakala,
    vectors: () => noticeVectors(lakalaNotification, { body: lakalaNotice(), other: lakalaNotice('N2') }),
  },
  'Shouqianba notification': {
    client: shouqianba,
    vectors: () => {
      const v = noticeVectors(sqbNotification, { body: sqbNotice(), other: sqbNotice('S2') });
      for (const [name, sigFn] of Object.entries(SIGNATURES)) v[`"<sn> <signature>", ${name}`] = sqbNotification(sigFn, { sn: true });
      return v;
    },
  },
};

for (const [label, { client, vectors }] of Object.entries(NOTICES)) {
  test(`${label}s: node, webcrypto, wasm and a custom verifier agree on every vector`, T, async () => {
    const clients = Object.fromEntries(Object.entries(KINDS).map(([k, v]) => [k, client(v)]));
    for (const [name, notification] of Object.entries(vectors())) {
      const results = {};
      for (const [kind, c] of Object.entries(clients)) results[kind] = await outcome(c.verifyNotification(notification));
      for (const [kind, r] of Object.entries(results)) assert.deepEqual(r, results.wasm, `${name}: ${kind} vs wasm`);
      const r = results.node;
      if (/(^|, )valid$/.test(name)) {
        assert.ok(r.verified, `${name}: ${r.refused}`);
        assert.equal(r.verified.order.state, 'SUCCESS');
        assert.equal(r.verified.order.amounts.total, 880);
      } else if (name.endsWith('empty') && label.startsWith('Shouqianba') && !name.startsWith('"')) {
        assert.equal(r.refused, 'NOTIFICATION_INVALID MISSING_SIGNATURE', name);
      } else {
        assert.match(r.refused ?? 'verified', /^NOTIFICATION_INVALID (BAD_SIGNATURE|MISSING_SIGNATURE)$/, name);
      }
    }
  });
}

// ---------------------------------------------------------------- a host verifier that does not say `true`

test("a verifier answering 'true', 1, undefined, null, an object, a truthy promise value, throwing, rejecting or hanging never passes", T, async () => {
  const calls = [];
  const liars = {
    "'true'": () => 'true',
    1: () => 1,
    undefined: () => undefined,
    null: () => null,
    '{}': () => ({}),
    '[true]': () => [true],
    "Promise of 'yes'": async () => 'yes',
    'new Boolean(true)': () => new Boolean(true), // eslint-disable-line no-new-wrappers
    throws: () => { throw new Error('verifier broke'); },
    rejects: async () => { throw new Error('verifier broke'); },
    hangs: () => new Promise(() => {}),
  };
  for (const [name, fn] of Object.entries(liars)) {
    const verifier = (...args) => {
      calls.push(name);
      return fn(...args);
    };
    const r = await lakala(verifier, { timeoutMs: 200 }).parseResponse('query', answer(SIGNATURES.valid), { merchantOrderNo: 'A1' });
    assert.equal(r.outcome, 'UNKNOWN', `${name}: answer`);
    assert.equal(r.error.code, 'RESPONSE_SIGNATURE_INVALID', `${name}: answer`);
    for (const [c, n] of [[lakala(verifier, { timeoutMs: 200 }), lakalaNotification(SIGNATURES.valid)], [shouqianba(verifier, { timeoutMs: 200 }), sqbNotification(SIGNATURES.valid)]]) {
      const v = await outcome(c.verifyNotification(n));
      assert.equal(v.refused, 'NOTIFICATION_INVALID BAD_SIGNATURE', `${name}: notification`);
    }
  }
  assert.equal(new Set(calls).size, Object.keys(liars).length, 'every verifier was asked');
  // The same verifier answering a boolean true passes: the failures above are the answers, not the plumbing.
  const honest = await lakala(() => true).parseResponse('query', answer(SIGNATURES.valid), { merchantOrderNo: 'A1' });
  assert.equal(honest.outcome, 'SUCCEEDED');
});

test('a custom verifier is shown the exact signed bytes, the signature and the SPKI of the configured key', T, async () => {
  const seen = [];
  const c = lakala((message, signature, spki, use) => {
    seen.push({ message: Buffer.from(message).toString(), signature: Buffer.from(signature).toString('base64'), spki: Buffer.from(spki), use });
    return nodeVerify(message, signature, spki);
  });
  const response = answer(SIGNATURES.valid);
  await c.parseResponse('query', response, { merchantOrderNo: 'A1' });
  const n = lakalaNotification(SIGNATURES.valid);
  await c.verifyNotification(n);
  assert.equal(seen.length, 2);
  assert.equal(seen[0].message, `${LAKALA.appId}\n${LAKALA.serialNo}\n${TS}\nn0nce12chars\n${response.body}\n`);
  assert.equal(seen[0].signature, response.headers['Lklapi-Signature']);
  assert.equal(seen[0].use, 'platform');
  assert.equal(seen[1].use, 'notify');
  assert.deepEqual(seen[0].spki, publicKey.export({ type: 'spki', format: 'der' }));
  // A signature that cannot be one of this key's (wrong length) is refused without asking anyone.
  await c.parseResponse('query', answer(SIGNATURES['short (255 bytes)']), { merchantOrderNo: 'A1' });
  assert.equal(seen.length, 2);
});

test('client.verifier: auto is node in Node; forced kinds as asked; null without an RSA public key; bogus → INVALID_CONFIG', T, () => {
  assert.equal(lakala(undefined).verifier, 'node');
  assert.equal(lakala('auto').verifier, 'node');
  for (const kind of ['wasm', 'node', 'webcrypto']) assert.equal(lakala(kind).verifier, kind);
  assert.equal(shouqianba('auto').verifier, 'node');
  assert.equal(createClient({ provider: 'shouqianba', credentials: SQB }).verifier, null, 'no notifyPublicKey');
  assert.equal(createClient({ provider: 'fubei', credentials: { appId: 'a', appSecret: 's' } }).verifier, null);
  for (const bogus of ['bogus', 'NODE', '', 42, null, {}, ['node']]) {
    assert.throws(() => lakala(bogus), (e) => e instanceof AggpayError && e.code === 'INVALID_CONFIG' && e.field === 'verifier', JSON.stringify(bogus));
  }
});

test('public keys are imported once per client (node path)', T, async () => {
  const created = [];
  const original = crypto.createPublicKey;
  // The package's node:crypto is this module's (one instance per process): count its key imports.
  crypto.createPublicKey = (...args) => {
    created.push(args);
    return original(...args);
  };
  try {
    const c = lakala('node');
    for (let i = 0; i < 5; i++) await c.parseResponse('query', answer(SIGNATURES.valid), { merchantOrderNo: 'A1' });
    for (let i = 0; i < 3; i++) await c.verifyNotification(lakalaNotification(SIGNATURES.valid));
  } finally {
    crypto.createPublicKey = original;
  }
  assert.ok(created.length >= 1 && created.length <= 2, `${created.length} imports for 8 verifications (one per key use at most)`);
});
