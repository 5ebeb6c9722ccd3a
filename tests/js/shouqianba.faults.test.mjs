// Transport failures and gateway faults: the outcome is UNKNOWN (never FAILED) whenever the gateway may
// have acted, with POLL for operations that change money and RETRY for reads.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'aggpay';
import { useEmulator } from './kit.mjs';

const T = { timeout: 10_000 };
const emu = useEmulator();
beforeEach(() => emu.faults.clear());

let seq = 0;
const no = (tag) => `${tag}-${process.pid}-${++seq}`;

function client(extra = {}) {
  const { terminalSn, terminalKey } = emu.shouqianba.credentials;
  return createClient({ provider: 'shouqianba', baseUrl: emu.url, credentials: { terminalSn, terminalKey }, ...extra });
}

const payInput = (merchantOrderNo, amount = 1000) => ({
  merchantOrderNo, amount, subject: 's', operator: 'op', authCode: '130000000000000001',
});

/** A fetch that always fails like a refused connection, counting its calls. */
function rejectingFetch() {
  const f = async (url) => {
    f.calls += 1;
    throw new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ECONNREFUSED ${new URL(url).host}`), { code: 'ECONNREFUSED' }) });
  };
  f.calls = 0;
  return f;
}

function assertUnknown(r, next, code) {
  const what = JSON.stringify({ outcome: r.outcome, next: r.next, error: r.error });
  assert.equal(r.outcome, 'UNKNOWN', what);
  assert.equal(r.next, next, what);
  assert.equal(r.error?.code, code, what);
}

test('a fetch that rejects: pay is UNKNOWN/POLL with NETWORK, not to be sent again', T, async () => {
  const fetch = rejectingFetch();
  const merchantOrderNo = no('netfail');
  const r = await client({ fetch }).pay(payInput(merchantOrderNo));
  assertUnknown(r, 'POLL', 'NETWORK');
  assert.equal(r.error.retryable, false, 'retryable agrees with next: POLL, never pay again');
  assert.equal(r.operation, 'pay');
  assert.equal(r.order, undefined);
  assert.equal(fetch.calls, 1, 'sent once, never re-sent by the library');
  assert.equal(emu.shouqianba.order(merchantOrderNo), undefined);
});

test('a fetch that rejects: query is UNKNOWN/RETRY; refund and cancel are UNKNOWN/POLL', T, async () => {
  const c = client({ fetch: rejectingFetch() });
  assertUnknown(await c.query({ merchantOrderNo: 'q-1' }), 'RETRY', 'NETWORK');
  assertUnknown(await c.refund({ merchantOrderNo: 'q-1', refundNo: 'r1', amount: 1, operator: 'op' }), 'POLL', 'NETWORK');
  assertUnknown(await c.cancel({ merchantOrderNo: 'q-1' }), 'POLL', 'NETWORK');
});

test('a fetch that throws synchronously is still an UNKNOWN result, not a thrown error', T, async () => {
  const r = await client({ fetch: () => { throw new Error('boom'); } }).pay(payInput(no('sync')));
  assertUnknown(r, 'POLL', 'NETWORK');
});

test('drop-after on pay: UNKNOWN/POLL, and a query shows the gateway did take the money', T, async () => {
  emu.faults.add({ path: '/upay/v2/pay', kind: 'drop-after' });
  const c = client();
  const merchantOrderNo = no('dropafter');
  const r = await c.pay(payInput(merchantOrderNo, 555));
  assertUnknown(r, 'POLL', 'NETWORK');
  assert.equal(emu.faults.list().length, 0, 'the fault was consumed');
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.outcome, 'SUCCEEDED', JSON.stringify(q.error));
  assert.equal(q.order.state, 'SUCCESS');
  assert.equal(q.order.amounts.paid, 555);
  assert.equal(emu.shouqianba.order(merchantOrderNo).paid, true);
});

test('drop-before on pay: UNKNOWN/POLL, and a query shows no order', T, async () => {
  emu.faults.add({ path: '/upay/v2/pay', kind: 'drop-before' });
  const c = client();
  const merchantOrderNo = no('dropbefore');
  assertUnknown(await c.pay(payInput(merchantOrderNo)), 'POLL', 'NETWORK');
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.outcome, 'UNKNOWN'); // no order yet: the dropped pay could still arrive
  assert.equal(q.error.code, 'ORDER_NOT_FOUND');
});

test('HTTP 500 on pay: UNKNOWN PROVIDER_UNAVAILABLE, next POLL', T, async () => {
  emu.faults.add({ path: '/upay/v2/pay', kind: 'http500' });
  const merchantOrderNo = no('h500');
  const r = await client().pay(payInput(merchantOrderNo));
  assertUnknown(r, 'POLL', 'PROVIDER_UNAVAILABLE');
  assert.equal(r.raw, null, 'the text body is not JSON');
  assert.equal(emu.shouqianba.order(merchantOrderNo), undefined);
});

test('maintenance on pay: UNKNOWN PROVIDER_UNAVAILABLE with the provider code', T, async () => {
  emu.faults.add({ path: '/upay/v2/pay', kind: 'maintenance' });
  const r = await client().pay(payInput(no('maint')));
  assertUnknown(r, 'POLL', 'PROVIDER_UNAVAILABLE');
  assert.equal(r.error.providerCode, 'MAINTENANCE_INPROGRESS');
  assert.equal(r.raw.error_code, 'MAINTENANCE_INPROGRESS');
});

test('an answer slower than timeoutMs: UNKNOWN NETWORK, next POLL, without waiting for it', T, async () => {
  emu.faults.add({ path: '/upay/v2/pay', kind: 'delay', ms: 3000 });
  const merchantOrderNo = no('slow');
  const started = performance.now();
  const r = await client({ timeoutMs: 200 }).pay(payInput(merchantOrderNo));
  const elapsed = performance.now() - started;
  assertUnknown(r, 'POLL', 'NETWORK');
  assert.match(r.error.message, /200 ms/);
  assert.ok(elapsed >= 150 && elapsed < 2000, `gave up after ${Math.round(elapsed)} ms`);
  // The gateway acted although the answer never arrived in time.
  assert.equal(emu.shouqianba.order(merchantOrderNo).paid, true);
});

test('query transport failure (dropped, HTTP 500) is UNKNOWN with next RETRY', T, async () => {
  const c = client();
  const merchantOrderNo = no('qfail');
  assert.equal((await c.pay(payInput(merchantOrderNo))).outcome, 'SUCCEEDED');
  emu.faults.add({ path: '/upay/v2/query', kind: 'drop-before' });
  assertUnknown(await c.query({ merchantOrderNo }), 'RETRY', 'NETWORK');
  emu.faults.add({ path: '/upay/v2/query', kind: 'http500' });
  assertUnknown(await c.query({ merchantOrderNo }), 'RETRY', 'PROVIDER_UNAVAILABLE');
  const ok = await c.query({ merchantOrderNo });
  assert.equal(ok.outcome, 'SUCCEEDED', 'the retry works');
  assert.equal(ok.order.state, 'SUCCESS');
});

test('refund answer lost (drop-after): UNKNOWN/POLL; retrying the same refundNo does not refund twice', T, async () => {
  const c = client();
  const merchantOrderNo = no('rfdrop');
  assert.equal((await c.pay(payInput(merchantOrderNo, 800))).outcome, 'SUCCEEDED');
  emu.faults.add({ path: '/upay/v2/refund', kind: 'drop-after' });
  const input = { merchantOrderNo, refundNo: 'rfdrop-1', amount: 300, operator: 'op' };
  const lost = await c.refund(input);
  assertUnknown(lost, 'POLL', 'NETWORK');
  assert.equal(lost.refund?.state ?? 'UNKNOWN', 'UNKNOWN');
  const retry = await c.refund(input);
  assert.equal(retry.outcome, 'SUCCEEDED', JSON.stringify(retry.error));
  assert.equal(emu.shouqianba.order(merchantOrderNo).refunded, 300);
});

/** A fetch that forwards to the emulator and rewrites the answer's body text with `edit`. */
function rewritingFetch(edit) {
  return async (url, init) => {
    const res = await fetch(url, init);
    const text = edit(await res.text());
    return { status: res.status, headers: res.headers, text: async () => text };
  };
}

test('a 200 answer that is not the JSON envelope: UNKNOWN MALFORMED_RESPONSE, next POLL (the gateway acted)', T, async () => {
  const merchantOrderNo = no('garbled');
  const r = await client({ fetch: rewritingFetch(() => '<html>proxy error</html>') }).pay(payInput(merchantOrderNo));
  assertUnknown(r, 'POLL', 'MALFORMED_RESPONSE');
  assert.equal(r.raw, null);
  assert.equal(emu.shouqianba.order(merchantOrderNo).paid, true, 'so FAILED would have been wrong');
});

test('an answer about another order is not an answer: UNKNOWN MALFORMED_RESPONSE', T, async () => {
  const merchantOrderNo = no('swap');
  const r = await client({ fetch: rewritingFetch((t) => t.replaceAll(merchantOrderNo, 'someone-else')) }).pay(payInput(merchantOrderNo));
  assertUnknown(r, 'POLL', 'MALFORMED_RESPONSE');
  assert.match(r.error.message, /someone-else/);
});

test('timeoutMs holds even when a custom fetch ignores the abort signal', T, async () => {
  const c = client({ timeoutMs: 200, fetch: () => new Promise(() => {}) });
  const guard = new Promise((resolve) => setTimeout(resolve, 1000, 'still pending after 1000 ms')).then((why) => ({ hung: why }));
  const r = await Promise.race([c.pay(payInput(no('ignores-signal'))), guard]);
  assert.equal(r.hung, undefined, r.hung);
  assertUnknown(r, 'POLL', 'NETWORK');
});

test('a custom fetch that honours the signal is cut off at timeoutMs', T, async () => {
  const fetch = (url, init) => new Promise((resolve, reject) => {
    init.signal.addEventListener('abort', () => reject(init.signal.reason));
  });
  const started = performance.now();
  const r = await client({ timeoutMs: 150, fetch }).query({ merchantOrderNo: 'x' });
  assertUnknown(r, 'RETRY', 'NETWORK');
  assert.match(r.error.message, /150 ms/);
  assert.ok(performance.now() - started < 1500);
});
