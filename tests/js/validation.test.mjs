// Programmer mistakes are thrown as AggpayError before anything is sent, naming the field; config mistakes
// are INVALID_CONFIG; and no secret ever shows up in an error, a result's raw/error, or the client object.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { createClient, AggpayError } from 'aggpay';
import { startEmulator } from '../../js-examples/emulator/index.mjs';
import { spyFetch } from './kit.mjs';

const T = { timeout: 10_000 };
const TERMINAL_KEY = 'SECRET-TERMINAL-KEY-123';
const VENDOR_KEY = 'SECRET-VENDOR-KEY-789';
const SECRETS = [TERMINAL_KEY, VENDOR_KEY];

let emu;
before(async () => {
  // The emulator uses the secrets as its real keys, so calls made with them succeed.
  emu = await startEmulator({ port: 0, shouqianba: { terminalKey: TERMINAL_KEY, vendorKey: VENDOR_KEY } });
});
after(async () => {
  await emu?.close();
});

function client(fetchImpl) {
  return createClient({
    provider: 'shouqianba',
    baseUrl: emu.url,
    wapBaseUrl: `${emu.url}/gateway`,
    credentials: { terminalSn: emu.shouqianba.credentials.terminalSn, terminalKey: TERMINAL_KEY },
    fetch: fetchImpl,
  });
}

let seq = 0;
const no = (tag) => `${tag}-${process.pid}-${++seq}`;
const valid = () => ({ merchantOrderNo: no('v'), amount: 100, subject: 's', operator: 'op', authCode: '130000000000000001' });

function without(obj, key) {
  const copy = { ...obj };
  delete copy[key];
  return copy;
}

/** Asserts `promiseOrFn` rejects/throws AggpayError `code` whose field and message name `field`. */
async function rejectsWith(promiseOrFn, code, field, what) {
  let error;
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    error = e;
  }
  assert.ok(error, `${what}: did not throw`);
  assert.ok(error instanceof AggpayError, `${what}: ${error}`);
  assert.equal(error.name, 'AggpayError');
  assert.equal(error.code, code, `${what}: ${error.message}`);
  assert.equal(error.retryable, false);
  if (field) {
    assert.equal(error.field, field, `${what}: field of ${error.message}`);
    assert.ok(error.message.includes(field), `${what}: message "${error.message}" names ${field}`);
  }
  return error;
}

const INVALID_PAY_INPUTS = [
  ['missing merchantOrderNo', () => without(valid(), 'merchantOrderNo'), 'merchantOrderNo'],
  ['empty merchantOrderNo', () => ({ ...valid(), merchantOrderNo: '' }), 'merchantOrderNo'],
  ['merchantOrderNo of 33 chars', () => ({ ...valid(), merchantOrderNo: 'x'.repeat(33) }), 'merchantOrderNo'],
  ['missing amount', () => without(valid(), 'amount'), 'amount'],
  ['amount 0', () => ({ ...valid(), amount: 0 }), 'amount'],
  ['negative amount', () => ({ ...valid(), amount: -100 }), 'amount'],
  ['fractional amount 9.5', () => ({ ...valid(), amount: 9.5 }), 'amount'],
  ['amount as a string', () => ({ ...valid(), amount: '100' }), 'amount'],
  ['amount of 11 digits', () => ({ ...valid(), amount: 12345678901 }), 'amount'],
  ['amount NaN', () => ({ ...valid(), amount: NaN }), 'amount'],
  ['subject of 65 chars', () => ({ ...valid(), subject: '商'.repeat(65) }), 'subject'],
  ['missing subject', () => without(valid(), 'subject'), 'subject'],
  ['missing operator', () => without(valid(), 'operator'), 'operator'],
  ['missing authCode', () => without(valid(), 'authCode'), 'authCode'],
  ['latitude without longitude', () => ({ ...valid(), latitude: '31.2' }), 'longitude'],
  ['longitude without latitude', () => ({ ...valid(), longitude: '121.4' }), 'latitude'],
  ['unknown field', () => ({ ...valid(), totalAmount: 100 }), 'totalAmount'],
  ['extra overriding a named field', () => ({ ...valid(), extra: { total_amount: '1' } }), 'extra.total_amount'],
];

test('invalid pay inputs throw INVALID_INPUT naming the field, and nothing is sent', T, async () => {
  const fetch = spyFetch();
  const c = client(fetch);
  for (const [what, make, field] of INVALID_PAY_INPUTS) {
    const e = await rejectsWith(c.pay(make()), 'INVALID_INPUT', field, what);
    if (what.startsWith('latitude') || what.startsWith('longitude')) assert.match(e.message, /latitude/);
  }
  assert.equal(fetch.calls.length, 0, `requests sent: ${fetch.calls.map((x) => x.url).join(', ')}`);
  assert.equal(emu.shouqianba.orders().length, 0);
});

test('non-object inputs throw INVALID_INPUT and nothing is sent', T, async () => {
  const fetch = spyFetch();
  const c = client(fetch);
  for (const input of [null, 'abc', 42, [valid()], true]) {
    const e = await rejectsWith(c.pay(input), 'INVALID_INPUT', 'input', JSON.stringify(input));
    assert.match(e.message, /object/);
  }
  // No input at all is an empty object: the first required field is named.
  await rejectsWith(c.pay(), 'INVALID_INPUT', 'merchantOrderNo', 'undefined input');
  assert.equal(fetch.calls.length, 0);
});

test('other operations validate before sending too', T, async () => {
  const fetch = spyFetch();
  const c = client(fetch);
  const cases = [
    ['query without an order ref', () => c.query({}), 'merchantOrderNo'],
    ['refund without refundNo', () => c.refund({ merchantOrderNo: 'o', amount: 1, operator: 'op' }), 'refundNo'],
    ['refund of 0', () => c.refund({ merchantOrderNo: 'o', refundNo: 'r', amount: 0, operator: 'op' }), 'amount'],
    ['refund of a float', () => c.refund({ merchantOrderNo: 'o', refundNo: 'r', amount: 1.5, operator: 'op' }), 'amount'],
    ['refundNo of 21 chars', () => c.refund({ merchantOrderNo: 'o', refundNo: 'r'.repeat(21), amount: 1, operator: 'op' }), 'refundNo'],
    ['precreate without a wallet', () => c.precreate(without(valid(), 'authCode')), 'channel'],
    ['WAP precreate without payerId', () => c.precreate({ ...without(valid(), 'authCode'), payway: '3', subPayway: '3' }), 'payerId'],
    ['cancel of nothing', () => c.cancel({}), 'merchantOrderNo'],
    ['revoke with unknown field', () => c.revoke({ orderNo: 'x' }), 'orderNo'],
    ['checkin without deviceId', () => c.checkin({}), 'deviceId'],
    ['activate without vendorKey', () => c.activate({ vendorSn: '1', appId: '1', code: '1', deviceId: 'd' }), 'vendorKey'],
    ['wapPayUrl without returnUrl', () => c.wapPayUrl(without(valid(), 'authCode')), 'returnUrl'],
    ['wapPayUrl with string amount', () => c.wapPayUrl({ ...without(valid(), 'authCode'), amount: '1', returnUrl: 'https://x' }), 'amount'],
  ];
  for (const [what, run, field] of cases) await rejectsWith(run, 'INVALID_INPUT', field, what);
  assert.equal(fetch.calls.length, 0);
});

test('boundary values are accepted and sent (the spy does see requests)', T, async () => {
  const fetch = spyFetch();
  const c = client(fetch);
  const input = { ...valid(), subject: '商'.repeat(64), amount: 9_999_999_999, merchantOrderNo: `b${'0'.repeat(30)}${seq++ % 10}` };
  const r = await c.pay(input);
  assert.equal(fetch.calls.length, 1);
  assert.equal(r.outcome, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(r.order.amounts.total, 9_999_999_999);
  const sent = JSON.parse(fetch.calls[0].init.body);
  assert.equal(sent.total_amount, '9999999999', 'amounts go out as fen strings');
  assert.equal(sent.subject, input.subject);
  const both = await c.pay({ ...valid(), longitude: '121.4', latitude: '31.2' });
  assert.equal(both.outcome, 'SUCCEEDED', JSON.stringify(both.error));
  assert.equal(fetch.calls.length, 2);
});

test('config errors are INVALID_CONFIG', T, () => {
  const base = { provider: 'shouqianba', baseUrl: 'http://127.0.0.1:1' };
  const cases = [
    ['unknown provider', { ...base, provider: 'paypal' }, 'provider'],
    ['missing provider', { baseUrl: base.baseUrl }, 'provider'],
    ['terminalSn without terminalKey', { ...base, credentials: { terminalSn: '100' } }, 'credentials'],
    ['terminalKey without terminalSn', { ...base, credentials: { terminalKey: TERMINAL_KEY } }, 'credentials'],
    ['fetch not a function', { ...base, fetch: 'fetch' }, 'fetch'],
    ['now not a function', { ...base, now: 5 }, 'now'],
    ['timeoutMs 0', { ...base, timeoutMs: 0 }, 'timeoutMs'],
    ['baseUrl not http(s)', { ...base, baseUrl: 'ftp://x' }, 'baseUrl'],
    ['unknown option', { ...base, baseURL: 'https://x' }, 'baseURL'],
    ['bad notifyPublicKey', { ...base, credentials: { notifyPublicKey: 'not a key' } }, null],
  ];
  for (const [what, options, field] of cases) {
    assert.throws(() => createClient(options), (e) => {
      assert.ok(e instanceof AggpayError, `${what}: ${e}`);
      if (what === 'bad notifyPublicKey') assert.ok(['INVALID_CONFIG', 'INVALID_KEY'].includes(e.code), `${what}: ${e.code}`);
      else assert.equal(e.code, 'INVALID_CONFIG', `${what}: ${e.code} ${e.message}`);
      if (field) {
        assert.equal(e.field, field, what);
        assert.ok(e.message.includes(field), `${what}: "${e.message}"`);
      }
      return true;
    }, what);
  }
  for (const bad of [undefined, null, 'shouqianba']) {
    assert.throws(() => createClient(bad), (e) => e instanceof AggpayError && e.code === 'INVALID_CONFIG');
  }
  // An operation needing a terminal on a client without one is a config error, thrown before sending.
  const fetch = spyFetch();
  return rejectsWith(createClient({ ...base, fetch }).pay(valid()), 'INVALID_CONFIG', 'credentials', 'no terminal')
    .then(() => assert.equal(fetch.calls.length, 0));
});

test('no secret leaks into errors, results or the client', { timeout: 15_000 }, async () => {
  const texts = []; // [where, text]
  const collectError = (where, e) => {
    assert.ok(e instanceof Error, where);
    texts.push([`${where} message`, e.message], [`${where} props`, JSON.stringify(e)], [`${where} String`, String(e)],
      [`${where} stack`, String(e.stack)], [`${where} inspect`, inspect(e, { depth: 10 })]);
  };
  const catching = async (where, run) => {
    try {
      await run();
    } catch (e) {
      collectError(where, e);
      return;
    }
    assert.fail(`${where}: expected a throw`);
  };
  const results = [];
  const collectResult = (where, r) => {
    results.push([where, r]);
    texts.push([`${where} raw`, JSON.stringify(r.raw)], [`${where} error`, JSON.stringify(r.error ?? null)]);
    return r;
  };

  const c = client(spyFetch());
  const creds = emu.shouqianba.credentials;

  // Thrown: input, config and notification mistakes on a client holding the secrets.
  await catching('pay bad amount', () => c.pay({ ...valid(), amount: '1.00' }));
  await catching('pay unknown field', () => c.pay({ ...valid(), terminalKey: TERMINAL_KEY }));
  await catching('wapPayUrl bad', () => c.wapPayUrl({ merchantOrderNo: 'x' }));
  await catching('verifyNotification without key', () => c.verifyNotification({ headers: {}, body: '{}' }));
  await catching('activate missing deviceId', () => c.activate({ vendorSn: creds.vendorSn, vendorKey: VENDOR_KEY, appId: creds.appId, code: creds.activationCode }));
  await catching('activate unknown field', () => c.activate({ vendorSn: creds.vendorSn, vendorKey: VENDOR_KEY, appId: creds.appId, code: creds.activationCode, deviceId: 'd', vendorKeyy: VENDOR_KEY }));
  await catching('activate long code', () => c.activate({ vendorSn: creds.vendorSn, vendorKey: VENDOR_KEY, appId: creds.appId, code: 'c'.repeat(40), deviceId: 'd' }));
  await catching('config misplaced key', () => createClient({ provider: 'shouqianba', terminalSn: '1', terminalKey: TERMINAL_KEY }));
  await catching('config key without sn', () => createClient({ provider: 'shouqianba', credentials: { terminalKey: TERMINAL_KEY } }));
  await catching('config bad baseUrl', () => createClient({ provider: 'shouqianba', baseUrl: 'nope', credentials: { terminalSn: '1', terminalKey: TERMINAL_KEY } }));

  // Results from the emulator: successes and failures of every kind.
  const orderNo = no('leak');
  collectResult('pay', await c.pay({ ...valid(), merchantOrderNo: orderNo }));
  assert.equal(results.at(-1)[1].outcome, 'SUCCEEDED', 'the secret terminal key is the real one');
  collectResult('pay failed', await c.pay({ ...valid(), authCode: '9400000000000001' }));
  collectResult('pay 400', await c.pay({ ...valid(), authCode: '9500000000000001' }));
  collectResult('query', await c.query({ merchantOrderNo: orderNo }));
  collectResult('query missing', await c.query({ merchantOrderNo: 'nope' }));
  collectResult('refund', await c.refund({ merchantOrderNo: orderNo, refundNo: 'lk-1', amount: 10, operator: 'op' }));
  collectResult('revoke refused', await c.revoke({ merchantOrderNo: orderNo }));
  emu.faults.add({ path: '/upay/v2/pay', kind: 'http500' });
  collectResult('pay http500', await c.pay(valid()));
  emu.faults.add({ path: '/upay/v2/pay', kind: 'drop-before' });
  collectResult('pay dropped', await c.pay(valid()));
  const wrongKey = createClient({ provider: 'shouqianba', baseUrl: emu.url, credentials: { terminalSn: creds.terminalSn, terminalKey: 'wrong' } });
  collectResult('pay bad sign', await wrongKey.pay(valid()));
  const wrongVendor = await createClient({ provider: 'shouqianba', baseUrl: emu.url })
    .activate({ vendorSn: creds.vendorSn, vendorKey: `${VENDOR_KEY}x`, appId: creds.appId, code: creds.activationCode, deviceId: 'd' });
  collectResult('activate bad vendor key', wrongVendor);

  // From a failing fetch, including activate (vendor key) and one whose error mentions the request.
  const failing = createClient({
    provider: 'shouqianba', baseUrl: emu.url,
    credentials: { terminalSn: creds.terminalSn, terminalKey: TERMINAL_KEY },
    fetch: async (url, init) => { throw new Error(`connect ECONNREFUSED while posting to ${url} (${init.method})`); },
  });
  collectResult('failing pay', await failing.pay(valid()));
  collectResult('failing activate', await failing.activate({ vendorSn: creds.vendorSn, vendorKey: VENDOR_KEY, appId: creds.appId, code: creds.activationCode, deviceId: 'd' }));
  collectResult('failing checkin', await failing.checkin({ deviceId: 'd' }));

  // The signed request carries a signature, never the key.
  texts.push(['buildRequest', JSON.stringify(await c.buildRequest('pay', valid()))]);
  texts.push(['buildRequest activate', JSON.stringify(await c.buildRequest('activate', { vendorSn: creds.vendorSn, vendorKey: VENDOR_KEY, appId: creds.appId, code: creds.activationCode, deviceId: 'd' }))]);
  texts.push(['wapPayUrl', c.wapPayUrl({ ...without(valid(), 'authCode'), returnUrl: 'https://x' })]);

  // Activate (vendor key) on a fresh client, then check in on the new terminal (rotates its key).
  const fresh = createClient({ provider: 'shouqianba', baseUrl: emu.url });
  const act = collectResult('activate', await fresh.activate({
    vendorSn: creds.vendorSn, vendorKey: VENDOR_KEY, appId: creds.appId, code: creds.activationCode, deviceId: 'leak-device',
  }));
  assert.equal(act.outcome, 'SUCCEEDED', JSON.stringify(act.error));
  const chk = collectResult('checkin', await fresh.checkin({ deviceId: 'leak-device' }));
  assert.equal(chk.outcome, 'SUCCEEDED', JSON.stringify(chk.error));
  for (const [where, r] of [['activate', act], ['checkin', chk]]) {
    const key = r.credentials.terminalKey;
    assert.ok(key && key !== '<redacted>', `${where} returns the new key to the caller`);
    assert.ok(!JSON.stringify(r.raw).includes(key), `${where}: new key only in result.credentials, not raw`);
    assert.ok(!JSON.stringify(r.error ?? null).includes(key), `${where}: new key not in error`);
    assert.ok(!inspect(fresh, { depth: 10 }).includes(key), `${where}: new key not visible on the client`);
  }
  assert.notEqual(act.credentials.terminalKey, chk.credentials.terminalKey, 'checkin rotated the key');

  texts.push(['inspect client', inspect(c, { depth: 10, showHidden: true })]);
  texts.push(['inspect failing client', inspect(failing, { depth: 10, showHidden: true })]);
  texts.push(['inspect fresh client', inspect(fresh, { depth: 10, showHidden: true })]);
  texts.push(['JSON client', JSON.stringify(c) ?? '']);

  assert.ok(texts.length > 60, `collected ${texts.length} texts`);
  for (const [where, text] of texts) {
    for (const secret of SECRETS) assert.ok(!String(text).includes(secret), `${where} contains ${secret}:\n${text}`);
  }
  // The collection itself is not vacuous: the failing fetch's message did reach the result.
  assert.ok(texts.some(([w, t]) => w === 'failing pay error' && t.includes('ECONNREFUSED')));
});
