// Issue 8, through the built package over real HTTP against the emulator: what bad luck and an
// attacker do to a payment flow. Each test names the finding it covers. Every verdict is checked
// against the emulator's ledger (the money truth), not against what the library said.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createClient, AggpayError } from 'aggpay';
import { clientFor, useEmulator } from './kit.mjs';

const T = { timeout: 60_000 };
const IP = '127.0.0.1';
const MAX = 1 << 20; // the documented body limit

const emu = useEmulator();
beforeEach(() => emu.faults.clear());

let seq = 0;
const no = (tag) => `${tag}${process.pid}x${++seq}`;
const BARCODE = ['shouqianba', 'fubei', 'lakala'];
const SUCCESS = '130000000000000001';

const client = (provider, options) => clientFor(emu, provider, options);

const payInput = (provider, merchantOrderNo, amount = 1234, authCode = SUCCESS) => ({
  merchantOrderNo, amount, subject: 'adversity', authCode,
  ...(provider === 'shouqianba' && { operator: 'op-1' }),
  ...(provider === 'lakala' && { clientIp: IP }),
});

/** Virtual time: sleeps return at once and advance the clock the flow reads. */
function virtualClock() {
  const clock = { t: 1_000_000 };
  clock.now = () => clock.t;
  clock.sleep = async (ms) => {
    clock.t += ms;
    await new Promise((r) => setTimeout(r, 5));
  };
  return clock;
}

const ledger = (provider, merchantOrderNo) =>
  emu.ledger().find((e) => e.provider === provider && e.merchantOrderNo === merchantOrderNo);

/** The operation a request is, by its path or (Fubei) its method. */
function isPay(url, body) {
  const path = new URL(url).pathname;
  if (path.startsWith('/fubei/')) return /order\.(swipe|pay)"/.test(body);
  return /\/(pay|micropay)$/.test(path);
}

// Finding 1: a pay lost in the network, "order not found" on the first queries, then the pay lands and
// the buyer is charged. FAILED would be a lie; the flow must end PAID (or NEEDS_ATTENTION), never FAILED.
for (const provider of BARCODE) {
  for (const landsAfterQueries of [1, 3, 1000]) {
    test(`${provider}: a pay delivered late (after ${landsAfterQueries} queries) is never reported FAILED`, T, async () => {
      const merchantOrderNo = no('late');
      let parked;
      let queries = 0;
      const lossy = async (url, init) => {
        if (isPay(url, init.body)) {
          parked = () => fetch(url, { ...init, signal: undefined });
          throw new TypeError('fetch failed'); // the client sees no answer; the request is still on its way
        }
        if (!isPay(url, init.body) && parked && ++queries >= landsAfterQueries) {
          const deliver = parked;
          parked = undefined;
          await deliver(); // the late pay reaches the gateway: money moves
        }
        return fetch(url, init);
      };
      const clock = virtualClock();
      const c = client(provider, { fetch: lossy });
      const out = await c.payAndConfirm(payInput(provider, merchantOrderNo), { sleep: clock.sleep, now: clock.now });
      if (parked) await parked(); // it lands after the flow ended
      const entry = ledger(provider, merchantOrderNo);
      assert.notEqual(out.verdict, 'FAILED', out.message);
      if (entry?.paid) {
        assert.ok(['PAID', 'NEEDS_ATTENTION'].includes(out.verdict), `${out.verdict} while ${entry.held} fen are held`);
      }
      if (out.verdict === 'PAID') assert.equal(entry?.held, 1234);
      if (out.verdict === 'TIMED_OUT_REVERSED') assert.ok(!entry?.paid, 'reversed, yet money is held');
    });
  }
}

// Finding 5: an order number reused for another amount is not PAID; two flows for one number on one client.
for (const provider of BARCODE) {
  test(`${provider}: PAID needs the asked amount; a reused order number for another amount is NEEDS_ATTENTION`, T, async () => {
    const merchantOrderNo = no('amt');
    const clock = virtualClock();
    const c = client(provider);
    const first = await c.payAndConfirm(payInput(provider, merchantOrderNo, 1), { sleep: clock.sleep, now: clock.now });
    assert.equal(first.verdict, 'PAID', first.message);
    const second = await c.payAndConfirm(payInput(provider, merchantOrderNo, 99_999), { sleep: clock.sleep, now: clock.now });
    assert.equal(second.verdict, 'NEEDS_ATTENTION', second.message);
    assert.match(second.message, /1 fen/);
    assert.match(second.message, /99999 fen/);
    assert.equal(ledger(provider, merchantOrderNo).held, 1);
  });

  test(`${provider}: a second flow for an order number in flight on the same client is refused before sending`, T, async () => {
    const merchantOrderNo = no('twice');
    let pays = 0;
    const counting = async (url, init) => {
      if (isPay(url, init.body)) pays++;
      return fetch(url, init);
    };
    const c = client(provider, { fetch: counting });
    const clock = virtualClock();
    const a = c.payAndConfirm(payInput(provider, merchantOrderNo), { sleep: clock.sleep, now: clock.now });
    await assert.rejects(
      c.payAndConfirm(payInput(provider, merchantOrderNo), { sleep: clock.sleep, now: clock.now }),
      (e) => e instanceof AggpayError && e.code === 'INVALID_INPUT' && e.field === 'merchantOrderNo',
    );
    assert.equal((await a).verdict, 'PAID');
    assert.equal(pays, 1);
    // Once the first has ended, the number may be confirmed again (the gateway then speaks for it).
    assert.equal((await c.waitForPayment({ merchantOrderNo, amount: 1234, ...(provider === 'lakala' && { clientIp: IP }) },
      { sleep: clock.sleep, now: clock.now })).verdict, 'PAID');
  });
}

// Finding 7: a transport adapter that answers garbage after the pay was sent must not make the flow throw.
for (const provider of BARCODE) {
  for (const [name, answer] of [
    ['null', null],
    ['a status that is not a number', { status: 'teapot', headers: {}, text: async () => '{}' }],
    ['a body that throws', { status: 200, headers: {}, text: async () => { throw new Error('stream reset'); } }],
    ['headers that throw', { status: 200, get headers() { throw new Error('bad headers'); }, text: async () => '{}' }],
  ]) {
    test(`${provider}: a transport answering ${name} after the pay is sent is a result, never a throw`, T, async () => {
      const merchantOrderNo = no('garb');
      let sentPay = false;
      const broken = async (url, init) => {
        if (isPay(url, init.body) && !sentPay) {
          sentPay = true;
          await fetch(url, init); // the gateway takes the money...
          return answer; // ...and the adapter hands back garbage
        }
        return fetch(url, init);
      };
      const clock = virtualClock();
      const out = await client(provider, { fetch: broken }).payAndConfirm(payInput(provider, merchantOrderNo), { sleep: clock.sleep, now: clock.now });
      assert.equal(out.verdict, 'PAID', out.message); // the queries found the money
      assert.equal(ledger(provider, merchantOrderNo).held, 1234);
    });
  }
}

// Finding 8: timers and clocks.
test('timeoutMs beyond what a JavaScript timer holds is INVALID_CONFIG; a flow timeout too', T, async () => {
  assert.throws(() => client('fubei', { timeoutMs: 2 ** 31 }), (e) => e.code === 'INVALID_CONFIG' && e.field === 'timeoutMs');
  assert.throws(() => client('fubei', { timeoutMs: Infinity }), (e) => e.code === 'INVALID_CONFIG');
  await assert.rejects(
    client('fubei').payAndConfirm(payInput('fubei', no('tmo')), { timeoutMs: 2 ** 31 }),
    (e) => e.code === 'INVALID_INPUT' && e.field === 'timeoutMs',
  );
});

test('a frozen clock still ends: the flow reverses after a bounded number of queries', T, async () => {
  const merchantOrderNo = no('frozen');
  let sleeps = 0;
  const out = await client('shouqianba').payAndConfirm(payInput('shouqianba', merchantOrderNo, 1234, '930000000000000001'), {
    sleep: async () => { sleeps++; },
    now: () => 5, // never moves
  });
  assert.equal(out.verdict, 'TIMED_OUT_REVERSED', out.message);
  assert.ok(sleeps < 40, `${sleeps} sleeps`);
  assert.equal(ledger('shouqianba', merchantOrderNo).paid, false);
});

test('a reused abort signal does not collect listeners across polls', T, async () => {
  const controller = new AbortController();
  let added = 0;
  let removed = 0;
  const { signal } = controller;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = (...a) => { added++; return add(...a); };
  signal.removeEventListener = (...a) => { removed++; return remove(...a); };
  const merchantOrderNo = no('sig');
  const out = await client('shouqianba').payAndConfirm(payInput('shouqianba', merchantOrderNo, 1234, '910000000000000001'), {
    signal, timeoutMs: 60_000,
  });
  assert.equal(out.verdict, 'PAID');
  assert.ok(added >= 2, `${added} listeners added`);
  assert.equal(added, removed, 'every listener added for a sleep is removed when it ends');
});

test('a BigInt amount, a cycle or a too-deep input is an AggpayError naming the field, before sending', T, async () => {
  let sent = 0;
  const c = client('fubei', { fetch: async () => { sent++; throw new Error('must not send'); } });
  const base = payInput('fubei', no('big'));
  await assert.rejects(c.pay({ ...base, amount: 100n }), (e) => e instanceof AggpayError && e.code === 'INVALID_INPUT' && e.field === 'amount');
  await assert.rejects(c.payAndConfirm({ ...base, amount: 100n }), (e) => e instanceof AggpayError && e.field === 'amount');
  const cycle = {};
  cycle.self = cycle;
  await assert.rejects(c.pay({ ...base, extra: cycle }), (e) => e instanceof AggpayError && e.code === 'INVALID_INPUT');
  let deep = {};
  for (let i = 0; i < 200_000; i++) deep = { d: deep };
  await assert.rejects(c.pay({ ...base, extra: deep }), (e) => e instanceof AggpayError && e.code === 'INVALID_INPUT');
  let medium = {};
  for (let i = 0; i < 500; i++) medium = { d: medium };
  await assert.rejects(c.pay({ ...base, extra: medium }), (e) => e instanceof AggpayError && e.code === 'INVALID_INPUT');
  await assert.rejects(c.pay({ ...base, extra: { big: 'x'.repeat(MAX) } }), (e) => e instanceof AggpayError && e.field === 'input');
  assert.equal(sent, 0);
});

// Finding 6: bodies are bounded before they enter wasm, and the module survives every limit.
test('oversized answers, notifications and inputs are refused at the limit, and the module keeps serving', { timeout: 120_000 }, async () => {
  const c = client('shouqianba');
  const big = new Uint8Array(MAX + 1).fill(0x20);
  const atLimit = new Uint8Array(MAX).fill(0x5b); // a megabyte of '[': nesting far beyond any parser's limit

  // parseResponse: an UNKNOWN result, never a throw, at and beyond the limit.
  for (const body of [big, atLimit, new Uint8Array(64 << 20), 'x'.repeat(MAX + 1)]) {
    const r = await c.parseResponse('pay', { status: 200, headers: {}, body }, payInput('shouqianba', 'o1'));
    assert.equal(r.outcome, 'UNKNOWN');
    assert.equal(r.next, 'POLL');
  }
  // verifyNotification: TOO_LARGE, thrown before the bytes are copied in (300 MB once exhausted wasm memory).
  for (const body of [big, new Uint8Array(300 * 1024 * 1024)]) {
    await assert.rejects(c.verifyNotification({ headers: { authorization: 'x' }, body }),
      (e) => e instanceof AggpayError && e.code === 'NOTIFICATION_INVALID' && e.reason === 'TOO_LARGE');
  }
  await assert.rejects(c.verifyNotification({ headers: { authorization: 'x'.repeat(MAX + 1) }, body: '{}' }),
    (e) => e instanceof AggpayError && e.reason === 'TOO_LARGE');

  // A gateway streaming 128 MB (declared, and undeclared): reading stops at the limit; UNKNOWN + POLL.
  const server = createServer((req, res) => {
    req.resume();
    const declared = req.url.includes('declared');
    res.writeHead(200, declared ? { 'content-length': String(128 << 20) } : {});
    const chunk = Buffer.alloc(1 << 16, 0x20);
    let sentBytes = 0;
    const pump = () => {
      while (sentBytes < (128 << 20)) {
        sentBytes += chunk.length;
        if (!res.write(chunk)) return res.once('drain', pump);
      }
      res.end();
    };
    res.on('error', () => {});
    pump();
  });
  await new Promise((r) => server.listen(0, IP, r));
  try {
    for (const path of ['/declared', '/streamed']) {
      const flood = createClient({ provider: 'shouqianba', baseUrl: `http://${IP}:${server.address().port}${path}`,
        credentials: { terminalSn: emu.shouqianba.credentials.terminalSn, terminalKey: emu.shouqianba.credentials.terminalKey } });
      const r = await flood.pay(payInput('shouqianba', no('flood')));
      assert.equal(r.outcome, 'UNKNOWN', path);
      assert.equal(r.next, 'POLL');
      assert.equal(r.error.code, 'MALFORMED_RESPONSE');
    }
  } finally {
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
  }

  // The one shared module still serves the same client and a brand-new one, end to end.
  for (const k of [c, client('lakala')]) {
    const merchantOrderNo = no('alive');
    const clock = virtualClock();
    const out = await k.payAndConfirm(payInput(k.provider, merchantOrderNo), { sleep: clock.sleep, now: clock.now });
    assert.equal(out.verdict, 'PAID', out.message);
    assert.equal(ledger(k.provider, merchantOrderNo).held, 1234);
  }
});

// Issue 10 §7, the first hour of a new user.
test('compressing only sleep (the client clock left real) does not wait in real time', T, async () => {
  const merchantOrderNo = no('onlysleep');
  const started = Date.now();
  const out = await client('shouqianba').payAndConfirm(payInput('shouqianba', merchantOrderNo, 1234, '930000000000000001'), {
    sleep: async () => {},
  });
  assert.equal(out.verdict, 'TIMED_OUT_REVERSED', out.message);
  assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms for a 45 s flow`);
});

test('a declined Lakala barcode ends FAILED with words for the cashier in result.error', T, async () => {
  const clock = virtualClock();
  const out = await client('lakala').payAndConfirm(payInput('lakala', no('declined'), 1234, '920000000000000001'),
    { sleep: clock.sleep, now: clock.now });
  assert.equal(out.verdict, 'FAILED', out.message);
  assert.ok(out.result.error?.message, JSON.stringify(out.result));
  assert.equal(out.result.error.retryable, false);
});

test('an unknown credentials field is named with its path; a read that may be retried says so', T, async () => {
  assert.throws(
    () => createClient({ provider: 'shouqianba', credentials: { terminalSn: 'T', terminalKey: 'K', activationCode: 'x' } }),
    (e) => e.code === 'INVALID_CONFIG' && e.field === 'credentials.activationCode' && /credentials\.activationCode/.test(e.message),
  );
  const down = client('fubei', { fetch: async () => new Response('busy', { status: 503 }) });
  const r = await down.query({ merchantOrderNo: 'x1' });
  assert.equal(r.next, 'RETRY');
  assert.equal(r.error.retryable, true, 'next RETRY and retryable agree');
});

test('a flow whose reversal could not be built is refused before anything is sent (Lakala QR without clientIp)', T, async () => {
  let sent = 0;
  const c = client('lakala', { fetch: async () => { sent++; throw new Error('must not send'); } });
  await assert.rejects(c.waitForPayment({ merchantOrderNo: no('noip'), amount: 100 }),
    (e) => e instanceof AggpayError && e.code === 'INVALID_INPUT' && e.field === 'clientIp');
  assert.equal(sent, 0);
});

// The attacker review (findings 7–9).
test('the in-flight guard holds when the same order is named by its provider number', T, async () => {
  const merchantOrderNo = no('guard');
  const c = client('shouqianba');
  const pre = await c.precreate({ merchantOrderNo, amount: 500, subject: 'g', operator: 'op', payway: '3' });
  const providerOrderNo = pre.order.providerOrderNo;
  const clock = virtualClock();
  const first = c.waitForPayment({ merchantOrderNo, providerOrderNo, amount: 500 }, { sleep: clock.sleep, now: clock.now, timeoutMs: 4000 });
  await assert.rejects(c.waitForPayment({ providerOrderNo, amount: 500 }, { sleep: clock.sleep, now: clock.now }),
    (e) => e instanceof AggpayError && e.field === 'providerOrderNo');
  await first;
});

test('a host signer that never answers after the pay was sent cannot hang the flow; an abort ends it at once', T, async () => {
  const m = emu.lakala.merchant;
  let calls = 0;
  const signer = async (bytes) => {
    calls++;
    if (calls > 3) return new Promise(() => {}); // pay, query and reversal were signed up front; then silence
    const { createPrivateKey, sign } = await import('node:crypto');
    return new Uint8Array(sign('sha256', bytes, createPrivateKey(m.privateKeyPem)));
  };
  const c = client('lakala', { signer, timeoutMs: 300 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 1500);
  const started = Date.now();
  const out = await c.payAndConfirm(payInput('lakala', no('hang'), 1234, '930000000000000001'), {
    signal: controller.signal, sleep: async () => {}, now: () => 0,
  });
  assert.ok(['NEEDS_ATTENTION', 'TIMED_OUT_REVERSED'].includes(out.verdict), out.message);
  assert.notEqual(out.verdict, 'PAID');
  assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
});

test('a transport error of hundreds of megabytes is cut before it enters wasm', T, async () => {
  const huge = 'é'.repeat(64 << 20);
  const c = client('fubei', { fetch: async () => { throw new Error(huge); } });
  const r = await c.query({ merchantOrderNo: 'x1' });
  assert.equal(r.outcome, 'UNKNOWN');
  assert.ok(r.error.message.length < 1024, `${r.error.message.length} characters`);
});
