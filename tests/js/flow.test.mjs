// payAndConfirm / waitForPayment end to end: the built package, loaded by name, drives the core's
// pay / poll / reverse state machine over real HTTP against the emulator. Time is virtual: the
// injected `sleep` resolves at once and advances the clock the injected `now` reads, so the documented
// cadences (tens of seconds to minutes) run in milliseconds and every wait is recorded exactly.
// Every verdict is checked against the emulator's own money ledger.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, AggpayError } from 'aggpay';
import { clientFor, spyFetch, useEmulator } from './kit.mjs';

const T = { timeout: 20_000 };
const IP = '127.0.0.1';

const emu = useEmulator();
beforeEach(() => emu.faults.clear());

let seq = 0;
/** A fresh merchant order number: letters and digits only, ≤ 32 chars (fits every provider). */
const no = (tag) => `${tag}${process.pid}x${++seq}`;

const BARCODE = ['shouqianba', 'fubei', 'lakala'];
const ALL = [...BARCODE, 'tingyihui'];

// Magic barcodes (emulator README): the prefix decides what the gateway does.
const CODE = {
  success: '130000000000000001',
  paying: '910000000000000001', // in progress; paid on the 3rd query (inProgressQueries 2)
  refused: '920000000000000001', // expired barcode: refused, no money taken
  stuck: '930000000000000001', // in progress until reversed or paid via buyer-pays
  error: '960000000000000001', // Shouqianba PAY_FAIL_ERROR
};

const repeat = (n, ms) => Array(n).fill(ms);
/** The documented barcode cadences, up to the timeout (45 s; Lakala 60 s). */
const STUCK_SLEEPS = {
  shouqianba: [...repeat(11, 4000), 1000],
  fubei: [...repeat(11, 4000), 1000],
  lakala: [5000, 5000, 5000, 5000, 10_000, 10_000, 20_000],
};
const EVERY = { shouqianba: 4000, fubei: 4000, lakala: 5000 };
/** QR: every 2 s for 30 s, then every 5 s up to 240 s. */
const QR_SLEEPS = [...repeat(15, 2000), ...repeat(42, 5000)];

/**
 * At the deadline the flow sends the reversal; one it cannot be sure of (no answer, 5xx, in progress) is sent again
 * (a reversal by order number is idempotent), this many in all; then one query confirms what happened (src/flow.rs).
 */
const MAX_REVERSALS = 3;
/**
 * How many reversals are sent when the gateway refuses them. Lakala publishes no code that proves a refusal (the
 * emulator's EMU4xxxx "no such trade" / "state does not allow it" read as UNKNOWN), so a refused Lakala reversal is
 * sent again like an unanswered one; the other gateways' refusals are definite.
 */
const REFUSED_REVERSALS = { shouqianba: 1, fubei: 1, lakala: MAX_REVERSALS, tingyihui: 1 };

/** The reversal on timeout: [library operation, wire name]. */
const REVERSAL = {
  barcode: {
    shouqianba: ['cancel', 'cancel'], // /upay/v2/cancel
    fubei: ['cancel', 'openapi.payment.order.reverse'],
    lakala: ['revoke', 'revoked'], // /relation/revoked
  },
  qr: {
    shouqianba: ['cancel', 'cancel'],
    fubei: ['close', 'openapi.payment.order.close'],
    lakala: ['close', 'close'],
    tingyihui: ['close', 'close'],
  },
};

// ---- the wire: which operation each request was ----

const TINGYIHUI_PATHS = {
  '/tingyihui/os-base/trade/v2/open': 'create',
  '/tingyihui/os-base/trade/close/v1/open': 'close',
  '/tingyihui/os-base/query/trade/v1/open': 'query',
  '/tingyihui/os-base/refund/v1/open': 'refund',
};
/** The provider's own name for a request: Fubei's `method`, else the path's last segment. */
function wireOf(url, body) {
  const path = new URL(url).pathname;
  if (path.startsWith('/fubei/')) {
    try {
      return JSON.parse(body).method;
    } catch {
      return path;
    }
  }
  if (path.startsWith('/tingyihui/')) return TINGYIHUI_PATHS[path] ?? path;
  return path.split('/').pop();
}
/** What a call is: its wire operation and the library operation it carries out. */
const callOf = (url, init) => {
  const wire = wireOf(url, init?.body);
  return { wire, op: OP_OF_WIRE[wire] ?? wire };
};
const OP_OF_WIRE = {
  pay: 'pay', precreate: 'precreate', query: 'query', cancel: 'cancel', revoke: 'revoke', close: 'close', // shouqianba
  micropay: 'pay', preorder: 'precreate', tradequery: 'query', revoked: 'revoke', // lakala
  create: 'precreate', // tingyihui
  'openapi.payment.order.swipe': 'pay',
  'openapi.payment.order.scan': 'precreate',
  'openapi.payment.order.query': 'query',
  'openapi.payment.order.reverse': 'cancel',
  'openapi.payment.order.close': 'close',
  'fbpay.order.pay': 'pay',
  'fbpay.order.precreate': 'precreate',
  'fbpay.order.query': 'query',
  'fbpay.order.cancel': 'cancel',
  'fbpay.order.close': 'close',
};

/** The flow's virtual time: `sleep` records the wait, advances the clock, and then runs `onSleep(n)`. */
function virtualClock(onSleep) {
  const clock = { t: 1_000_000, sleeps: [] };
  clock.now = () => clock.t;
  clock.sleep = async (ms, signal) => {
    assert.ok(Number.isFinite(ms) && ms > 0, `sleep(${ms})`);
    clock.sleeps.push(ms);
    clock.t += ms;
    await onSleep?.(clock.sleeps.length, clock);
    if (signal?.aborted) throw signal.reason; // as the default timer does
  };
  return clock;
}

// ---- clients and inputs ----

const client = (provider, options) => clientFor(emu, provider, options);

const payInput = (provider, merchantOrderNo, authCode, amount = 1234) => ({
  merchantOrderNo, amount, subject: 'flow', authCode,
  ...(provider === 'shouqianba' && { operator: 'op-1' }),
  ...(provider === 'lakala' && { clientIp: IP }),
});

const QR_EXTRA = {
  shouqianba: { payway: '3', operator: 'op-1' },
  fubei: { channel: 'ALIPAY' },
  lakala: { channel: 'ALIPAY', clientIp: IP }, // no WeChat NATIVE on Lakala
  tingyihui: { channel: 'ALIPAY' },
};
const refOf = (provider, merchantOrderNo) => ({ merchantOrderNo, amount: 880, ...(provider === 'lakala' && { clientIp: IP }) });

/** A QR order the buyer has not paid yet (created with a client that is not spied on). */
async function precreate(provider, tag) {
  const merchantOrderNo = no(tag);
  const r = await client(provider).precreate({ merchantOrderNo, amount: 880, subject: 'flow', ...QR_EXTRA[provider] });
  assert.equal(r.outcome, 'SUCCEEDED', `precreate: ${JSON.stringify(r.error)}`);
  return merchantOrderNo;
}

/** A queued fault on one operation of one provider (Fubei's share a path and are told apart by method). */
const FAULT_TARGET = {
  shouqianba: { pay: '/upay/v2/pay', query: '/upay/v2/query', cancel: '/upay/v2/cancel' },
  fubei: {
    pay: { path: '/fubei/gateway', method: 'openapi.payment.order.swipe' },
    query: { path: '/fubei/gateway', method: 'openapi.payment.order.query' },
    cancel: { path: '/fubei/gateway', method: 'openapi.payment.order.reverse' },
  },
  lakala: {
    pay: '/lakala/api/v3/labs/trans/micropay',
    query: '/lakala/api/v3/labs/query/tradequery',
    revoke: '/lakala/api/v3/labs/relation/revoked',
  },
};
// The QR reversals: closes (Shouqianba cancels a QR order too).
FAULT_TARGET.fubei.close = { path: '/fubei/gateway', method: 'openapi.payment.order.close' };
FAULT_TARGET.lakala.close = '/lakala/api/v3/labs/relation/close';
FAULT_TARGET.tingyihui = { close: '/tingyihui/os-base/trade/close/v1/open' };
function fault(provider, op, kind, more = {}) {
  const target = FAULT_TARGET[provider][op];
  assert.ok(target, `${provider} ${op}`);
  emu.faults.add({ ...(typeof target === 'string' ? { path: target } : target), kind, ...more });
}

/** Runs one flow with a spied fetch and a virtual clock. */
async function run(provider, kind, input, { onSleep, beforeSend, refuse, clientOptions, flow = {} } = {}) {
  const spy = spyFetch({ describe: callOf, beforeSend, refuse });
  const clock = virtualClock(onSleep);
  const c = client(provider, { fetch: spy, ...clientOptions });
  const options = { sleep: clock.sleep, now: clock.now, ...flow };
  const out = await (kind === 'barcode' ? c.payAndConfirm(input, options) : c.waitForPayment(input, options));
  return { out, spy, ops: spy.ops(), wires: spy.calls.map((x) => x.wire), sleeps: clock.sleeps };
}

function brief(out) {
  const r = out.result;
  return JSON.stringify({
    verdict: out.verdict, message: out.message,
    result: r && { operation: r.operation, outcome: r.outcome, next: r.next, error: r.error?.code, state: r.order?.state },
  });
}

/** Verdict, a non-empty message, and `result` = the answer to the last request sent. */
function assertOutcome(provider, { out, spy }, verdict) {
  assert.equal(out.verdict, verdict, brief(out));
  assert.equal(typeof out.message, 'string');
  assert.ok(out.message.trim().length > 0, 'a message a cashier can act on');
  assert.ok(out.result && typeof out.result === 'object', brief(out));
  assert.equal(out.result.provider, provider);
  const last = spy.calls.at(-1);
  assert.ok(last, 'something was sent');
  assert.equal(out.result.operation, last.op, `result is the last OperationResult ${brief(out)}`);
}

const ledgerEntry = (merchantOrderNo) => emu.ledger().find((e) => e.merchantOrderNo === merchantOrderNo);
function assertLedger(merchantOrderNo, { paid, exists = true }) {
  const e = ledgerEntry(merchantOrderNo);
  if (!exists) {
    assert.equal(e, undefined, `no order at the gateway: ${JSON.stringify(e)}`);
    return;
  }
  assert.ok(e, `the gateway has the order ${merchantOrderNo}`);
  assert.equal(e.paid, paid, `ledger ${JSON.stringify(e)}`);
}

const buyerPays = (provider, merchantOrderNo) => emu[provider].buyerPays(merchantOrderNo);

/** The gateway's own state of an order that is still waiting for the buyer (never reversed, never closed). */
const OPEN_STATE = { shouqianba: 'CREATED', fubei: 'USERPAYING', lakala: ['DEAL', 'CREATE'], tingyihui: 'WAIT' };
function assertStillOpen(provider, merchantOrderNo) {
  const e = ledgerEntry(merchantOrderNo);
  assert.ok(e, `the gateway has the order ${merchantOrderNo}`);
  assert.equal(e.paid, false, `ledger ${JSON.stringify(e)}`);
  assert.ok([OPEN_STATE[provider]].flat().includes(e.state), `never reversed: ${JSON.stringify(e)}`);
  // Proof that nothing was reversed: the buyer can still pay it.
  buyerPays(provider, merchantOrderNo);
  assertLedger(merchantOrderNo, { paid: true });
}

/** What a verdict promises, against the ledger: PAID holds exactly the amount; FAILED / TIMED_OUT_REVERSED hold nothing. */
function assertVerdictTrue(out, merchantOrderNo, amount) {
  const e = ledgerEntry(merchantOrderNo);
  if (out.verdict === 'PAID') {
    assert.ok(e?.paid && e.held === amount, `PAID, but the ledger says ${JSON.stringify(e)}: ${brief(out)}`);
  }
  if (out.verdict === 'FAILED' || out.verdict === 'TIMED_OUT_REVERSED') {
    assert.ok(!e?.paid, `${out.verdict}, but money is held: ${JSON.stringify(e)}: ${brief(out)}`);
  }
}

/** The reversal of another order, done just now, so its genuine "done" answer is the newest one a `replay` can give. */
async function reversedDecoy(provider, kind) {
  const c = client(provider);
  const d = kind === 'qr' ? await precreate(provider, 'decoy') : no('decoy');
  if (kind === 'barcode') assert.equal((await c.pay(payInput(provider, d, CODE.stuck))).outcome, 'IN_PROGRESS');
  const { amount: _, ...ref } = refOf(provider, d); // a reversal takes no amount
  const r = await c[REVERSAL[kind][provider][0]](ref);
  assert.equal(r.outcome, 'SUCCEEDED', `the decoy's reversal: ${JSON.stringify(r.error)}`);
  return d;
}

// ---- 1. barcode: the happy and the plain unhappy paths ----

for (const provider of BARCODE) {
  describe(`payAndConfirm (${provider})`, () => {
    const [revOp, revWire] = REVERSAL.barcode[provider];

    test('immediate success: PAID after exactly one request, no wait', T, async () => {
      const n = no('ok');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.success));
      assertOutcome(provider, r, 'PAID');
      assert.deepEqual(r.ops, ['pay']);
      assert.deepEqual(r.sleeps, []);
      assert.equal(r.out.result.outcome, 'SUCCEEDED');
      assert.equal(r.out.result.order.state, 'SUCCESS');
      assert.equal(r.out.result.order.amounts.total ?? r.out.result.order.amounts.paid, 1234);
      assertLedger(n, { paid: true });
    });

    test('the buyer confirms on the phone (9100): PAID after queries at the provider cadence', T, async () => {
      const n = no('paying');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.paying));
      assertOutcome(provider, r, 'PAID');
      assert.deepEqual(r.ops, ['pay', 'query', 'query', 'query'], 'two in-progress answers, then paid');
      assert.deepEqual(r.sleeps, repeat(3, EVERY[provider]));
      assert.equal(r.out.result.order.state, 'SUCCESS');
      assertLedger(n, { paid: true });
    });

    test('a slow buyer: the wait follows the documented cadence until they pay', T, async () => {
      const n = no('slow');
      const paysAfter = provider === 'lakala' ? 6 : 5;
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.stuck), {
        onSleep: (k) => k === paysAfter && buyerPays(provider, n),
      });
      assertOutcome(provider, r, 'PAID');
      assert.deepEqual(r.sleeps, STUCK_SLEEPS[provider].slice(0, paysAfter));
      if (provider === 'lakala') assert.deepEqual(r.sleeps, [5000, 5000, 5000, 5000, 10_000, 10_000]);
      assert.deepEqual(r.ops, ['pay', ...repeat(paysAfter, 'query')]);
      assertLedger(n, { paid: true });
    });

    test('refused (9200): one query confirms the refusal → FAILED, nothing reversed', T, async () => {
      const n = no('refused');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.refused));
      assertOutcome(provider, r, 'FAILED');
      // One query, and nothing more: the order it shows has no money in it.
      assert.deepEqual(r.ops, ['pay', 'query']);
      if (provider === 'lakala') {
        // Lakala publishes no code that proves a refusal (the emulator's EMU42202 reads as UNKNOWN), so the
        // flow polls at its cadence: the trade is FAIL.
        assert.deepEqual(r.sleeps, [5000]);
      } else {
        // A refusal often names no order, so it could be another request's answer: a query at once confirms it.
        assert.deepEqual(r.sleeps, []);
      }
      assert.equal(r.out.result.operation, 'query');
      assert.ok(['FAILED', 'CLOSED'].includes(r.out.result.order?.state), brief(r.out));
      assert.equal(ledgerEntry(n)?.paid ?? false, false, 'no money taken');
    });

    test(`stuck (9300): after the timeout the reversal (${revWire}) is sent, a query confirms it → TIMED_OUT_REVERSED`, T, async () => {
      const n = no('stuck');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.stuck));
      assertOutcome(provider, r, 'TIMED_OUT_REVERSED');
      assert.deepEqual(r.sleeps, STUCK_SLEEPS[provider], 'the confirming query is sent at once');
      assert.equal(r.sleeps.reduce((a, b) => a + b, 0), provider === 'lakala' ? 60_000 : 45_000);
      // The reversal's own "done" is not believed alone (answers can be replayed or lie): one query confirms it.
      assert.deepEqual(r.ops, ['pay', ...repeat(STUCK_SLEEPS[provider].length, 'query'), revOp, 'query']);
      assert.equal(r.wires.at(-2), revWire);
      assert.equal(r.spy.count('pay'), 1, 'never a second pay');
      assert.equal(r.out.result.operation, 'query');
      assert.equal(r.out.result.outcome, 'SUCCEEDED');
      assert.equal(r.out.result.order.state, 'CLOSED');
      assertLedger(n, { paid: false });
      assert.throws(() => buyerPays(provider, n), 'a reversed order can no longer be paid');
    });

    // ---- 2. transport faults on the pay request ----

    test('pay answer lost after the gateway acted (drop-after): polls, PAID, the pay sent once', T, async () => {
      fault(provider, 'pay', 'drop-after');
      const n = no('dropa');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.success));
      assertOutcome(provider, r, 'PAID');
      assert.deepEqual(r.ops, ['pay', 'query']);
      assert.deepEqual(r.sleeps, [EVERY[provider]]);
      assert.equal(r.spy.count('pay'), 1);
      assertLedger(n, { paid: true });
    });

    test('pay dropped before the gateway saw it (drop-before): never PAID, never a second pay, no order', T, async () => {
      fault(provider, 'pay', 'drop-before');
      const n = no('dropb');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.success));
      assert.equal(r.spy.count('pay'), 1);
      assert.equal(r.ops[1], 'query', 'it polls');
      assertLedger(n, { exists: false });
      // "Not found" is no proof that no money moved: a pay still in the network may land later (issue 8).
      // The flow waits, tries the reversal, looks once more, and hands the order to a person.
      assertOutcome(provider, r, 'NEEDS_ATTENTION');
      assert.deepEqual(r.ops, ['pay', ...repeat(STUCK_SLEEPS[provider].length, 'query'), ...repeat(REFUSED_REVERSALS[provider], revOp), 'query']);
    });

    test("pay answer slower than the client's timeoutMs (delay): PAID via polling", T, async () => {
      fault(provider, 'pay', 'delay', { ms: 1500 });
      const n = no('delay');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.success), { clientOptions: { timeoutMs: 150 } });
      assertOutcome(provider, r, 'PAID');
      assert.deepEqual(r.ops, ['pay', 'query']);
      assertLedger(n, { paid: true });
    });

    for (const kind of ['http500', 'maintenance']) {
      test(`pay answered ${kind} (not processed): polls, no second pay, never PAID`, T, async () => {
        fault(provider, 'pay', kind);
        const n = no(kind === 'http500' ? 'h500' : 'maint');
        const r = await run(provider, 'barcode', payInput(provider, n, CODE.success));
        assert.equal(r.spy.count('pay'), 1, 'never a second pay');
        assert.equal(r.ops[1], 'query', 'it polls');
        assertLedger(n, { exists: false });
        assertOutcome(provider, r, 'NEEDS_ATTENTION'); // not found is never proof: see drop-before
      });
    }

    test('a query answered http500 while polling: just one more poll, then PAID', T, async () => {
      fault(provider, 'query', 'http500');
      const n = no('q500');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.paying));
      assertOutcome(provider, r, 'PAID');
      assert.equal(r.spy.count('pay'), 1);
      assert.deepEqual(r.ops, ['pay', 'query', 'query', 'query', 'query'], 'the failed query is just one more poll');
      assertLedger(n, { paid: true });
    });

    test('connection refused on every call: one pay, queries, three unanswered reversals, a query → NEEDS_ATTENTION (never FAILED)', T, async () => {
      const n = no('refuse');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.success), { refuse: true });
      assertOutcome(provider, r, 'NEEDS_ATTENTION');
      assert.equal(r.spy.count('pay'), 1);
      assert.deepEqual(r.ops, ['pay', ...repeat(STUCK_SLEEPS[provider].length, 'query'), ...repeat(MAX_REVERSALS, revOp), 'query']);
      assert.deepEqual(r.sleeps, STUCK_SLEEPS[provider]);
      assert.equal(r.out.result.outcome, 'UNKNOWN');
      assert.equal(r.out.result.error.code, 'NETWORK');
      assertLedger(n, { exists: false });
    });

    // ---- 3. faults on the reversal ----

    test(`reversal answer lost (drop-after on ${revWire}): sent again, the confirming query shows it closed → TIMED_OUT_REVERSED`, T, async () => {
      fault(provider, revOp, 'drop-after');
      const n = no('revdrop');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.stuck));
      assertOutcome(provider, r, 'TIMED_OUT_REVERSED');
      // The first reversal acted but its answer was lost, so it is sent again; the gateway finds the order already
      // reversed (Lakala refuses a second revoke with a code that proves nothing, so it is tried to the limit).
      const reversals = Math.min(MAX_REVERSALS, 1 + REFUSED_REVERSALS[provider]);
      assert.deepEqual(r.ops, ['pay', ...repeat(STUCK_SLEEPS[provider].length, 'query'), ...repeat(reversals, revOp), 'query']);
      assert.equal(r.out.result.operation, 'query');
      assert.equal(r.out.result.order.state, 'CLOSED');
      assertLedger(n, { paid: false });
    });

    test('reversal answered http500 once, the buyer having paid at the last moment: it is sent again and returns the money → TIMED_OUT_REVERSED', T, async () => {
      fault(provider, revOp, 'http500');
      const n = no('revlate');
      let paidNow = false;
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.stuck), {
        beforeSend: (call) => call.op === revOp && !paidNow && (paidNow = true, buyerPays(provider, n)), // the buyer confirms just now
      });
      assertOutcome(provider, r, 'TIMED_OUT_REVERSED');
      assert.deepEqual(r.ops, ['pay', ...repeat(STUCK_SLEEPS[provider].length, 'query'), revOp, revOp, 'query']);
      assert.equal(r.out.result.order.state, 'CLOSED');
      assert.equal(ledgerEntry(n).everPaid, true, 'the buyer did pay');
      assertLedger(n, { paid: false }); // and the second reversal gave it back
    });

    test('reversal answered http500 every time, the buyer having paid at the last moment → NEEDS_ATTENTION (never FAILED; not PAID while a reversal may still land)', T, async () => {
      // The flow cannot know that a 500 was not acted on: any of the three may still land and return the money.
      fault(provider, revOp, 'http500', { count: MAX_REVERSALS });
      const n = no('revlate3');
      let paidNow = false;
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.stuck), {
        beforeSend: (call) => call.op === revOp && !paidNow && (paidNow = true, buyerPays(provider, n)),
      });
      assertOutcome(provider, r, 'NEEDS_ATTENTION');
      assert.deepEqual(r.ops, ['pay', ...repeat(STUCK_SLEEPS[provider].length, 'query'), ...repeat(MAX_REVERSALS, revOp), 'query']);
      assert.equal(r.out.result.order.state, 'SUCCESS', 'the confirming query saw it paid');
      assertLedger(n, { paid: true }); // none of the 500s acted: the buyer's money is held, for a person to settle
    });

    test('the buyer pays right before the deadline but the last query is lost: the reversal returns the money', T, async () => {
      const n = no('revpaid');
      const last = STUCK_SLEEPS[provider].length;
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.stuck), {
        onSleep: (k) => {
          if (k !== last) return;
          buyerPays(provider, n);
          fault(provider, 'query', 'http500');
        },
      });
      assertOutcome(provider, r, 'TIMED_OUT_REVERSED');
      assert.deepEqual(r.ops.slice(-2), [revOp, 'query'], 'the reversal, then the query that confirms it');
      assert.equal(r.out.result.order.state, 'CLOSED');
      assert.equal(ledgerEntry(n).everPaid, true, 'the buyer did pay');
      assertLedger(n, { paid: false }); // paid, then reversed: the buyer has the money back
    });

    test('reversal answered http500 once and the buyer never paid: sent again → TIMED_OUT_REVERSED, the order closed', T, async () => {
      fault(provider, revOp, 'http500');
      const n = no('revfail1');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.stuck));
      assertOutcome(provider, r, 'TIMED_OUT_REVERSED');
      assert.deepEqual(r.ops.slice(-3), [revOp, revOp, 'query']);
      assert.equal(r.out.result.order.state, 'CLOSED');
      assertLedger(n, { paid: false });
      assert.throws(() => buyerPays(provider, n), 'a reversed order can no longer be paid');
    });

    test('reversal answered http500 every time and the buyer never paid → NEEDS_ATTENTION, the order still open', T, async () => {
      fault(provider, revOp, 'http500', { count: MAX_REVERSALS });
      const n = no('revfail');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.stuck));
      assertOutcome(provider, r, 'NEEDS_ATTENTION');
      assert.deepEqual(r.ops.slice(-(MAX_REVERSALS + 2)), ['query', ...repeat(MAX_REVERSALS, revOp), 'query']);
      assert.equal(r.out.result.order.state, 'PENDING');
      assertStillOpen(provider, n);
    });

    // ---- 3b. a reversal's own "done" is not proof (issue 8): the confirming query decides ----

    test(`every ${revWire} answered "done" but not acted on (contradict): the query sees the order open → NEEDS_ATTENTION, never TIMED_OUT_REVERSED`, T, async () => {
      fault(provider, revOp, 'contradict', { count: MAX_REVERSALS });
      const n = no('revlie');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.stuck));
      assertOutcome(provider, r, 'NEEDS_ATTENTION');
      // Some gateways' parsers see the lie (a "done" whose state is not reversed: uncertain, so sent again), some
      // believe it; either way the query after the reversal decides.
      const reversals = r.ops.slice(STUCK_SLEEPS[provider].length + 1, -1);
      assert.ok(reversals.length >= 1 && reversals.length <= MAX_REVERSALS && reversals.every((op) => op === revOp), r.ops.join());
      assert.equal(r.out.result.operation, 'query');
      assert.equal(r.out.result.order.state, 'PENDING');
      assertStillOpen(provider, n); // TIMED_OUT_REVERSED would have been a lie: the buyer can still pay
    });

    test(`the buyer pays at the deadline and every ${revWire} is answered "done" but not acted on (contradict) → NEEDS_ATTENTION, the money held`, T, async () => {
      fault(provider, revOp, 'contradict', { count: MAX_REVERSALS });
      const n = no('revliep');
      let paidNow = false;
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.stuck), {
        beforeSend: (call) => call.op === revOp && !paidNow && (paidNow = true, buyerPays(provider, n)),
      });
      assertOutcome(provider, r, 'NEEDS_ATTENTION');
      assert.equal(r.ops.at(-1), 'query');
      assert.equal(r.out.result.order.state, 'SUCCESS');
      assertLedger(n, { paid: true }); // "reversed" was a lie: the money was never returned
    });

    test(`every ${revWire} answered with another order's genuine "done" (replay): never TIMED_OUT_REVERSED, the order still open`, T, async () => {
      await reversedDecoy(provider, 'barcode');
      fault(provider, revOp, 'replay', { count: MAX_REVERSALS });
      const n = no('revreplay');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.stuck));
      assertOutcome(provider, r, 'NEEDS_ATTENTION');
      assert.equal(r.ops.at(-1), 'query');
      assert.equal(r.out.result.order.state, 'PENDING');
      assertStillOpen(provider, n);
    });

    // ---- 5. abort, invalid input, timeoutMs ----

    test('a signal aborted before starting: rejects, nothing is sent', T, async () => {
      const ac = new AbortController();
      ac.abort();
      const spy = spyFetch({ describe: callOf });
      const clock = virtualClock();
      await assert.rejects(
        client(provider, { fetch: spy }).payAndConfirm(payInput(provider, no('abort0'), CODE.success), { signal: ac.signal, sleep: clock.sleep, now: clock.now }),
        (e) => e?.name === 'AbortError',
      );
      assert.equal(spy.calls.length, 0);
    });

    test('aborted while polling: NEEDS_ATTENTION with the last query, no reversal, the order untouched', T, async () => {
      const ac = new AbortController();
      const n = no('abort');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.stuck), {
        flow: { signal: ac.signal },
        onSleep: (k) => k === 2 && ac.abort(),
      });
      assertOutcome(provider, r, 'NEEDS_ATTENTION');
      assert.deepEqual(r.ops, ['pay', 'query'], 'stopped in the second wait; no reversal');
      assert.deepEqual(r.sleeps, repeat(2, EVERY[provider]));
      assert.equal(r.out.result.operation, 'query');
      assert.equal(r.out.result.order.state, 'PENDING', 'the order state as last seen');
      const e = ledgerEntry(n);
      assert.equal(e.paid, false);
      assert.equal(e.state, { shouqianba: 'CREATED', fubei: 'USERPAYING', lakala: 'DEAL' }[provider], 'still in progress');
      // The order is still open at the gateway: the buyer can still pay it.
      buyerPays(provider, n);
      assertLedger(n, { paid: true });
    });

    test('invalid input (no merchantOrderNo): AggpayError INVALID_INPUT, nothing sent', T, async () => {
      const spy = spyFetch({ describe: callOf });
      const clock = virtualClock();
      const { merchantOrderNo, ...input } = payInput(provider, 'x', CODE.success);
      await assert.rejects(
        client(provider, { fetch: spy }).payAndConfirm(input, { sleep: clock.sleep, now: clock.now }),
        (e) => e instanceof AggpayError && e.code === 'INVALID_INPUT',
      );
      await assert.rejects(client(provider, { fetch: spy }).payAndConfirm(null), (e) => e instanceof AggpayError && e.code === 'INVALID_INPUT');
      for (const timeoutMs of [0, -1]) {
        await assert.rejects(
          client(provider, { fetch: spy }).payAndConfirm(payInput(provider, no('badt'), CODE.success), { timeoutMs }),
          (e) => e instanceof AggpayError && e.code === 'INVALID_INPUT' && e.field === 'timeoutMs',
        );
      }
      assert.equal(spy.calls.length, 0);
      assert.deepEqual(clock.sleeps, []);
    });

    test('timeoutMs shortens the wait', T, async () => {
      const n = no('short');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.stuck), { flow: { timeoutMs: 10_000 } });
      assertOutcome(provider, r, 'TIMED_OUT_REVERSED');
      const every = EVERY[provider];
      assert.deepEqual(r.sleeps, every === 4000 ? [4000, 4000, 2000] : [5000, 5000]);
      assert.equal(r.spy.count('query'), r.sleeps.length + 1, 'one per wait, and the one that confirms the reversal');
      assert.deepEqual(r.ops.slice(-2), [revOp, 'query']);
      assertLedger(n, { paid: false });
    });

    test('timeoutMs shorter than one interval: one short wait, one query, then the reversal', T, async () => {
      const n = no('tiny');
      const r = await run(provider, 'barcode', payInput(provider, n, CODE.stuck), { flow: { timeoutMs: 1 } });
      assertOutcome(provider, r, 'TIMED_OUT_REVERSED');
      assert.deepEqual(r.sleeps, [1]);
      assert.deepEqual(r.ops, ['pay', 'query', revOp, 'query']);
      assertLedger(n, { paid: false });
    });

    test('payAndConfirm again with an order number that is already paid: never FAILED, one pay, nothing reversed', T, async () => {
      const n = no('again');
      const first = await client(provider).pay(payInput(provider, n, CODE.success));
      assert.equal(first.outcome, 'SUCCEEDED', JSON.stringify(first.error));
      assertLedger(n, { paid: true });
      // The cashier lost the first answer and scans again with the same order number.
      const r = await run(provider, 'barcode', payInput(provider, n, '130000000000000002'));
      assertLedger(n, { paid: true });
      assert.equal(emu.ledger().filter((e) => e.merchantOrderNo === n).length, 1, 'no second order');
      assert.equal(r.spy.count('pay'), 1);
      assert.notEqual(r.out.verdict, 'FAILED', `the buyer's money for ${n} is held: ${brief(r.out)}`);
      assertOutcome(provider, r, 'PAID');
    });
  });
}

describe('payAndConfirm (shouqianba only)', () => {
  test('PAY_FAIL_ERROR (9600): NEEDS_ATTENTION, nothing more is sent', T, async () => {
    const n = no('payerr');
    const r = await run('shouqianba', 'barcode', payInput('shouqianba', n, CODE.error));
    assertOutcome('shouqianba', r, 'NEEDS_ATTENTION');
    assert.deepEqual(r.ops, ['pay']);
    assert.deepEqual(r.sleeps, []);
    assert.equal(r.out.result.outcome, 'UNKNOWN');
    assert.equal(r.out.result.next, 'CONTACT_SUPPORT');
    assert.ok(ledgerEntry(n), 'the order exists (PAY_ERROR)');
  });

  test('insufficient funds (9400): a query confirms the refusal → FAILED', T, async () => {
    const n = no('nofunds');
    const r = await run('shouqianba', 'barcode', payInput('shouqianba', n, '940000000000000001'));
    assertOutcome('shouqianba', r, 'FAILED');
    assert.deepEqual(r.ops, ['pay', 'query']);
    assert.deepEqual(r.sleeps, []);
    assert.ok(['FAILED', 'CLOSED'].includes(r.out.result.order?.state), brief(r.out));
    assertLedger(n, { paid: false });
  });

  test('the default sleep is not used when one is injected, and it is given the signal', T, async () => {
    const ac = new AbortController();
    const seen = [];
    const c = client('shouqianba');
    let t = 0;
    const out = await c.payAndConfirm(payInput('shouqianba', no('sig'), CODE.paying), {
      signal: ac.signal,
      now: () => t,
      sleep: async (ms, signal) => {
        seen.push(signal);
        t += ms;
      },
    });
    assert.equal(out.verdict, 'PAID', brief(out));
    assert.equal(seen.length, 3);
    assert.ok(seen.every((s) => s === ac.signal));
  });

  test('aborted in a sleep that resolves anyway: the query in flight is kept as the result, then it stops', T, async () => {
    const ac = new AbortController();
    const n = no('abortres');
    let t = 0;
    let sleeps = 0;
    const spy = spyFetch({ describe: callOf });
    const out = await client('shouqianba', { fetch: spy }).payAndConfirm(payInput('shouqianba', n, CODE.stuck), {
      signal: ac.signal,
      now: () => t,
      sleep: async (ms) => {
        t += ms;
        if (++sleeps === 2) ac.abort();
      },
    });
    assert.equal(out.verdict, 'NEEDS_ATTENTION', brief(out));
    assert.deepEqual(spy.ops(), ['pay', 'query', 'query']);
    assert.equal(out.result.operation, 'query');
    assert.equal(out.result.order.state, 'PENDING');
    assert.equal(emu.shouqianba.order(n).order_status, 'CREATED', 'untouched');
  });

  test('an abort that lands while the final answer is in flight does not override the decided verdict', T, async () => {
    const ac = new AbortController();
    const n = no('abortrace');
    const r = await run('shouqianba', 'barcode', payInput('shouqianba', n, CODE.success), {
      flow: { signal: ac.signal },
      beforeSend: (call) => call.op === 'pay' && ac.abort(), // the cashier presses stop as the pay goes out
    });
    assert.deepEqual(r.ops, ['pay']);
    assert.equal(r.out.result.outcome, 'SUCCEEDED');
    assertLedger(n, { paid: true });
    assertOutcome('shouqianba', r, 'PAID');
  });
});

describe('payAndConfirm (fubei 2.0 agent API)', () => {
  const vendor = () => {
    const { vendorSn, vendorSecret, merchantId } = emu.fubei.credentials;
    return { apiVersion: '2.0', credentials: { vendorSn, vendorSecret, merchantId } };
  };

  test('stuck: the reversal is fbpay.order.cancel, confirmed by fbpay.order.query → TIMED_OUT_REVERSED', T, async () => {
    const n = no('fb2stuck');
    const r = await run('fubei', 'barcode', payInput('fubei', n, CODE.stuck), { clientOptions: vendor() });
    assertOutcome('fubei', r, 'TIMED_OUT_REVERSED');
    assert.deepEqual(r.wires, ['fbpay.order.pay', ...repeat(STUCK_SLEEPS.fubei.length, 'fbpay.order.query'), 'fbpay.order.cancel', 'fbpay.order.query']);
    assert.equal(r.out.result.order.state, 'CLOSED');
    assert.deepEqual(r.sleeps, STUCK_SLEEPS.fubei);
    assertLedger(n, { paid: false });
  });

  test('9100: PAID after three queries', T, async () => {
    const n = no('fb2pay');
    const r = await run('fubei', 'barcode', payInput('fubei', n, CODE.paying), { clientOptions: vendor() });
    assertOutcome('fubei', r, 'PAID');
    assert.deepEqual(r.wires, ['fbpay.order.pay', ...repeat(3, 'fbpay.order.query')]);
    assertLedger(n, { paid: true });
  });

  test('QR never paid: the reversal is fbpay.order.close, confirmed by fbpay.order.query → TIMED_OUT_REVERSED', T, async () => {
    const n = no('fb2qr');
    const c = client('fubei', vendor());
    const pre = await c.precreate({ merchantOrderNo: n, amount: 500, subject: 'flow' });
    assert.equal(pre.outcome, 'SUCCEEDED', JSON.stringify(pre.error));
    const r = await run('fubei', 'qr', { merchantOrderNo: n, amount: 500 }, { clientOptions: vendor() });
    assertOutcome('fubei', r, 'TIMED_OUT_REVERSED');
    assert.deepEqual(r.wires.slice(-2), ['fbpay.order.close', 'fbpay.order.query']);
    assert.equal(r.out.result.order.state, 'CLOSED');
    assert.deepEqual(r.sleeps, QR_SLEEPS);
    assertLedger(n, { paid: false });
  });
});

// ---- 4. waitForPayment (QR / precreate) ----

for (const provider of ALL) {
  describe(`waitForPayment (${provider})`, () => {
    const [revOp, revWire] = REVERSAL.qr[provider];

    test('the buyer pays during the wait: PAID, polled at the QR cadence (2 s for 30 s, then 5 s)', T, async () => {
      const n = await precreate(provider, 'qrpay');
      const r = await run(provider, 'qr', refOf(provider, n), { onSleep: (k) => k === 17 && buyerPays(provider, n) });
      assertOutcome(provider, r, 'PAID');
      assert.deepEqual(r.sleeps, [...repeat(15, 2000), 5000, 5000]);
      assert.deepEqual(r.ops, repeat(18, 'query'), 'a first query at once, then one per wait; nothing else');
      assert.equal(r.out.result.order.state, 'SUCCESS');
      assertLedger(n, { paid: true });
    });

    test('already paid when the wait starts: PAID after one query, no wait', T, async () => {
      const n = await precreate(provider, 'qrpre');
      buyerPays(provider, n);
      const r = await run(provider, 'qr', refOf(provider, n));
      assertOutcome(provider, r, 'PAID');
      assert.deepEqual(r.ops, ['query']);
      assert.deepEqual(r.sleeps, []);
      assertLedger(n, { paid: true });
    });

    test(`the buyer never pays: after 240 s the order is reversed (${revWire}), a query confirms it → TIMED_OUT_REVERSED`, T, async () => {
      const n = await precreate(provider, 'qrnever');
      const r = await run(provider, 'qr', refOf(provider, n));
      assertOutcome(provider, r, 'TIMED_OUT_REVERSED');
      assert.deepEqual(r.sleeps, QR_SLEEPS);
      assert.equal(r.sleeps.reduce((a, b) => a + b, 0), 240_000);
      assert.deepEqual(r.ops, [...repeat(QR_SLEEPS.length + 1, 'query'), revOp, 'query']);
      assert.equal(r.wires.at(-2), revWire);
      assert.equal(r.out.result.operation, 'query');
      assert.equal(r.out.result.order.state, 'CLOSED');
      assertLedger(n, { paid: false });
      assert.throws(() => buyerPays(provider, n), 'a reversed order can no longer be paid');
      assertLedger(n, { paid: false });
    });

    test('aborted during the wait: NEEDS_ATTENTION with the last query, nothing reversed', T, async () => {
      const ac = new AbortController();
      const n = await precreate(provider, 'qrabort');
      const r = await run(provider, 'qr', refOf(provider, n), { flow: { signal: ac.signal }, onSleep: (k) => k === 2 && ac.abort() });
      assertOutcome(provider, r, 'NEEDS_ATTENTION');
      assert.deepEqual(r.ops, ['query', 'query']);
      assert.equal(r.out.result.order.state, 'PENDING');
      buyerPays(provider, n); // still open
      assertLedger(n, { paid: true });
    });

    test('the buyer pays after the last query, just before the reversal: the ledger decides, never FAILED', T, async () => {
      const n = await precreate(provider, 'qrlate');
      let paidNow = false;
      const r = await run(provider, 'qr', refOf(provider, n), {
        beforeSend: (call) => call.op === revOp && !paidNow && (paidNow = true, buyerPays(provider, n)),
      });
      if (provider === 'shouqianba') {
        // cancel works on a paid order too: it returns the money, and the query confirms it.
        assertOutcome(provider, r, 'TIMED_OUT_REVERSED');
        assert.deepEqual(r.ops.slice(-3), ['query', 'cancel', 'query']);
        assert.equal(r.out.result.order.state, 'CLOSED');
        assert.equal(ledgerEntry(n).everPaid, true);
        assertLedger(n, { paid: false });
      } else if (REFUSED_REVERSALS[provider] > 1) {
        // Lakala: close is refused on a paid order, but with no code that proves a refusal, so it is uncertain and
        // sent again; the query then finds the order paid. A close cannot take money back, so that is PAID.
        assertOutcome(provider, r, 'PAID');
        assert.deepEqual(r.ops.slice(-(MAX_REVERSALS + 1)), [...repeat(MAX_REVERSALS, revOp), 'query']);
        assert.equal(r.out.result.order.state, 'SUCCESS');
        assertLedger(n, { paid: true });
      } else {
        // close is refused on a paid order (a definite answer); the confirming query finds it paid.
        assertOutcome(provider, r, 'PAID');
        assert.deepEqual(r.ops.slice(-2), [revOp, 'query']);
        assert.equal(r.out.result.order.state, 'SUCCESS');
        assertLedger(n, { paid: true });
      }
    });

    test(`every ${revWire} answered "done" but not acted on (contradict): the query sees the order open → NEEDS_ATTENTION, never TIMED_OUT_REVERSED`, T, async () => {
      const n = await precreate(provider, 'qrlie');
      fault(provider, revOp, 'contradict', { count: MAX_REVERSALS });
      const r = await run(provider, 'qr', refOf(provider, n));
      assertOutcome(provider, r, 'NEEDS_ATTENTION');
      const reversals = r.ops.slice(QR_SLEEPS.length + 1, -1);
      assert.ok(reversals.length >= 1 && reversals.length <= MAX_REVERSALS && reversals.every((op) => op === revOp), r.ops.join());
      assert.equal(r.out.result.operation, 'query');
      assert.equal(r.out.result.order.state, 'PENDING');
      assertStillOpen(provider, n); // "closed" was a lie: a late buyer can still pay it
    });

    test(`every ${revWire} answered with another order's genuine "done" (replay): never TIMED_OUT_REVERSED, the order still open`, T, async () => {
      await reversedDecoy(provider, 'qr');
      const n = await precreate(provider, 'qrreplay');
      fault(provider, revOp, 'replay', { count: MAX_REVERSALS });
      const r = await run(provider, 'qr', refOf(provider, n));
      assertOutcome(provider, r, 'NEEDS_ATTENTION');
      assert.equal(r.ops.at(-1), 'query');
      assert.equal(r.out.result.order.state, 'PENDING');
      assertStillOpen(provider, n);
    });

    test('an order the gateway does not have: polled to the end, reversal tried, then a person decides', T, async () => {
      const n = no('qrnone');
      const r = await run(provider, 'qr', refOf(provider, n));
      assert.deepEqual(r.sleeps, QR_SLEEPS, 'a QR order that is not found yet is not proof of anything: keep polling');
      assertLedger(n, { exists: false });
      // Absence of evidence is not evidence: never "nothing to reverse", never FAILED.
      assertOutcome(provider, r, 'NEEDS_ATTENTION');
      assert.deepEqual(r.ops.slice(-2), [revOp, 'query']);
    });

    test('invalid input (no order reference): AggpayError INVALID_INPUT, nothing sent', T, async () => {
      const spy = spyFetch({ describe: callOf });
      const clock = virtualClock();
      const ref = provider === 'lakala' ? { clientIp: IP } : {};
      await assert.rejects(
        client(provider, { fetch: spy }).waitForPayment(ref, { sleep: clock.sleep, now: clock.now }),
        (e) => e instanceof AggpayError && e.code === 'INVALID_INPUT',
      );
      assert.equal(spy.calls.length, 0);
    });
  });
}

// ---- 5b. a reversal that lands late (issue 8): never PAID while one may still land ----

describe('a reversal delivered late, the buyer paying at the last second', () => {
  // Every reversal is held unanswered by the gateway and acted on LATE_MS after receipt; the client gives up after
  // CLIENT_MS, so all of them (three) are still pending when the confirming query sees the order paid. Then they land.
  // Real time, not virtual: the providers run side by side (each its own order and fault path) to keep this short.
  const CLIENT_MS = 100;
  const LATE_MS = 700;

  for (const kind of ['barcode', 'qr']) {
    const providers = kind === 'barcode' ? BARCODE : ALL;
    // What a late reversal does to a paid order: cancel / reverse / revoke give the money back; a close is refused.
    const returnsMoney = (provider) => kind === 'barcode' || REVERSAL.qr[provider][0] === 'cancel';

    test(`${kind}: the query sees it paid while the reversals are pending → NEEDS_ATTENTION, never PAID; the ledger after they land`, T, async () => {
      const runs = await Promise.all(providers.map(async (provider) => {
        const revOp = REVERSAL[kind][provider][0];
        const n = kind === 'qr' ? await precreate(provider, 'qrlate') : no('revlate');
        const input = kind === 'qr' ? refOf(provider, n) : payInput(provider, n, CODE.stuck);
        fault(provider, revOp, 'late', { count: MAX_REVERSALS, ms: LATE_MS });
        let paidNow = false;
        const r = await run(provider, kind, input, {
          clientOptions: { timeoutMs: CLIENT_MS },
          beforeSend: (call) => call.op === revOp && !paidNow && (paidNow = true, buyerPays(provider, n)),
        });
        // At the verdict: the buyer's money is held, and every reversal is still on its way.
        const atVerdict = { entry: ledgerEntry(n), late: emu.lateDeliveries.filter((e) => e.merchantOrderNo === n) };
        return { provider, revOp, n, r, atVerdict };
      }));
      await emu.settle(); // every late reversal has landed

      for (const { provider, revOp, n, r, atVerdict } of runs) {
        const say = (what) => `${provider}: ${what} ${brief(r.out)}`;
        // A late cancel/revoke can take the money back: never PAID. A late close cannot (it acts only on
        // unpaid orders), so a paid order behind it is PAID — and the ledger below still holds the money.
        assertOutcome(provider, r, returnsMoney(provider) ? 'NEEDS_ATTENTION' : 'PAID');
        assert.deepEqual(r.ops.slice(-(MAX_REVERSALS + 1)), [...repeat(MAX_REVERSALS, revOp), 'query'], say('three unanswered reversals, then the query'));
        assert.equal(r.out.result.order.state, 'SUCCESS', say('the confirming query saw it paid'));
        assert.equal(atVerdict.entry.paid, true, say('paid when the verdict was given'));
        assert.equal(atVerdict.late.length, MAX_REVERSALS, say('every reversal was held'));
        assert.ok(atVerdict.late.every((e) => e.processedAt === null), say('none had landed at the verdict'));
        const late = emu.lateDeliveries.filter((e) => e.merchantOrderNo === n);
        assert.ok(late.length === MAX_REVERSALS && late.every((e) => e.processedAt !== null), say('all landed'));
        assert.equal(ledgerEntry(n).everPaid, true, say('the buyer paid'));
        if (returnsMoney(provider)) {
          // Had the flow said PAID, the merchant would have served a buyer whose money went back.
          assertLedger(n, { paid: false });
        } else {
          // A close cannot undo a payment: the money is held, and a person confirms it before serving.
          assertLedger(n, { paid: true });
        }
        assertVerdictTrue(r.out, n, kind === 'qr' ? 880 : 1234);
      }
    });
  }
});

// ---- 6. Lakala: a response whose signature does not verify is no answer at all ----

describe('Lakala signatures during the flow', () => {
  test('bad-signature on a query while polling: that answer is ignored, polling continues to PAID', T, async () => {
    const n = no('lkbadsig');
    fault('lakala', 'query', 'bad-signature');
    // The buyer pays during the first wait, so the first (tampered) answer says SUCCESS — and must not count.
    const r = await run('lakala', 'barcode', payInput('lakala', n, CODE.stuck), { onSleep: (k) => k === 1 && buyerPays('lakala', n) });
    assertOutcome('lakala', r, 'PAID');
    assert.deepEqual(r.ops, ['pay', 'query', 'query']);
    assert.deepEqual(r.sleeps, [5000, 5000]);
    assertLedger(n, { paid: true });
  });

  test('bad-signature on every query: an unverified SUCCESS never counts; the revoke returns the money', T, async () => {
    const n = no('lkallbad');
    fault('lakala', 'query', 'bad-signature', { count: 50 });
    const r = await run('lakala', 'barcode', payInput('lakala', n, CODE.stuck), { onSleep: (k) => k === 1 && buyerPays('lakala', n) });
    // Every query said SUCCESS under a broken signature, so the flow waited out its minute and revoked. The query
    // that would confirm the revoke is unverifiable too, so the flow cannot claim TIMED_OUT_REVERSED: a person looks.
    assertOutcome('lakala', r, 'NEEDS_ATTENTION');
    assert.deepEqual(r.ops, ['pay', ...repeat(STUCK_SLEEPS.lakala.length, 'query'), 'revoke', 'query']);
    assert.equal(r.out.result.outcome, 'UNKNOWN');
    assert.equal(ledgerEntry(n).everPaid, true);
    assertLedger(n, { paid: false });
  });

  test('bad-signature on every polling query only: the revoke returns the money and the verified query confirms it', T, async () => {
    const n = no('lkpollbad');
    fault('lakala', 'query', 'bad-signature', { count: STUCK_SLEEPS.lakala.length });
    const r = await run('lakala', 'barcode', payInput('lakala', n, CODE.stuck), { onSleep: (k) => k === 1 && buyerPays('lakala', n) });
    assertOutcome('lakala', r, 'TIMED_OUT_REVERSED');
    assert.deepEqual(r.ops, ['pay', ...repeat(STUCK_SLEEPS.lakala.length, 'query'), 'revoke', 'query']);
    assert.equal(r.out.result.order.state, 'CLOSED');
    assertLedger(n, { paid: false });
  });

  test('bad-signature on the pay answer: UNKNOWN, so it polls (one pay) and ends PAID', T, async () => {
    const n = no('lkpaybad');
    fault('lakala', 'pay', 'bad-signature');
    const r = await run('lakala', 'barcode', payInput('lakala', n, CODE.success));
    assertOutcome('lakala', r, 'PAID');
    assert.deepEqual(r.ops, ['pay', 'query']);
    assertLedger(n, { paid: true });
  });
});
