// The reliability run inside make test: a small run under seeded faults (the unreliable and the hostile kinds),
// every verdict and accepted notification checked against the emulator's ledger; a naive flow that trusts
// "order not found" must be caught; and the checks themselves on made-up evidence, one class at a time.
// The full runs are `make reliability` and RELIABILITY.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { format, judge, run } from '../reliability.mjs';
import { GATEWAYS } from '../../js-examples/emulator/registry.mjs';

test('reliability: 48 orders under seeded faults, nothing the library says contradicts the ledger', { timeout: 120_000 }, async () => {
  const r = await run({ orders: 48, seed: 20261122, rate: 0.3 });
  const summary = format(r);
  assert.ok(r.faults > 20, `faults were injected\n${summary}`);
  const drawn = Object.entries(r.faultsByKind).filter(([, n]) => n > 0).map(([k]) => k);
  assert.ok(drawn.length >= 8, `many fault kinds\n${summary}`);
  for (const k of ['late', 'replay', 'other-order']) assert.ok(drawn.includes(k), `${k} was drawn\n${summary}`);
  assert.ok(r.late.held > 0 && r.late.landed === r.late.held, `every late request landed before the verdicts were judged\n${summary}`);
  assert.ok(r.notices.accepted > 0, summary);
  assert.equal(r.contradictions.length, 0, `${summary}\n${JSON.stringify(r.contradictions, null, 1)}`);
  assert.equal(r.unreported.length, 0, `${summary}\n${JSON.stringify(r.unreported, null, 1)}`);
  assert.equal(r.threw.length, 0, `${summary}\n${JSON.stringify(r.threw, null, 1)}`);
  // Round-robin over every gateway of the emulator's registry.
  assert.deepEqual(Object.keys(r.byProvider).sort(), [...GATEWAYS].sort(), summary);
  for (const p of GATEWAYS) assert.equal(r.byProvider[p].orders, 48 / GATEWAYS.length);
  assert.ok((r.byProvider.shouqianba.verdicts.PAID ?? 0) > 0, summary);
});

test('the run sees a flow that takes "order not found" for FAILED while a late pay is on its way', { timeout: 120_000 }, async () => {
  const r = await run({ orders: 48, seed: 7, rate: 0.5, kinds: ['late'], flow: 'naive' });
  const summary = format(r);
  assert.ok(r.late.held > 0, summary);
  const failedButHeld = r.contradictions.filter((x) => x.why === 'FAILED, but money is held');
  assert.ok(failedButHeld.length > 0, `the naive flow's FAILED verdicts are refuted by the ledger\n${summary}`);
  for (const x of failedButHeld) assert.equal(x.kind, 'barcode');
});

// ---- the checks on made-up evidence: each class of issue 8 is seen ----

const entry = (merchantOrderNo, { paid = false, total = 100, held = paid ? total : 0, everPaid = paid, provider = 'shouqianba' } = {}) => ({
  provider, merchantOrderNo, providerOrderNo: `p-${merchantOrderNo}`, paid, state: paid ? 'PAID' : 'CANCELED', total, held,
  everPaid, paidAmount: everPaid ? total : 0,
});
const attempt = (merchantOrderNo, verdict, amount = 100, provider = 'shouqianba') => ({
  provider, route: provider, merchantOrderNo, amount, kind: 'barcode', reused: false, verdict,
});
const stats = { injected: 0, byKind: {}, byProvider: {} };
const check = (x) => judge({
  orders: x.attempts.length, seed: 1, rate: 0, kinds: 'all', flow: 'library', stats, late: [], forged: [], notices: [],
  genuine: new Set(), ...x,
});

test('checks: PAID needs exactly the asked amount held; FAILED / TIMED_OUT_* need nothing held', () => {
  const r = check({
    attempts: [
      attempt('ok-paid', 'PAID'), attempt('ok-failed', 'FAILED'), attempt('ok-reversed', 'TIMED_OUT_REVERSED'),
      attempt('paid-nothing', 'PAID'), attempt('paid-other-amount', 'PAID', 999), attempt('failed-held', 'FAILED'),
      attempt('reversed-held', 'TIMED_OUT_REVERSED'), attempt('nothing-to-reverse-held', 'TIMED_OUT_NOTHING_TO_REVERSE'),
    ],
    ledger: [
      entry('ok-paid', { paid: true }), entry('ok-failed'), entry('ok-reversed', { everPaid: true }), entry('paid-nothing'),
      entry('paid-other-amount', { paid: true }), entry('failed-held', { paid: true }), entry('reversed-held', { paid: true }),
      entry('nothing-to-reverse-held', { paid: true }),
    ],
  });
  assert.deepEqual(r.contradictions.map((c) => [c.merchantOrderNo, c.why]), [
    ['paid-nothing', 'PAID, but no money is held'],
    ['paid-other-amount', 'PAID, but another amount is held'],
    ['failed-held', 'FAILED, but money is held'],
    ['reversed-held', 'TIMED_OUT_REVERSED, but money is held'],
    ['nothing-to-reverse-held', 'TIMED_OUT_NOTHING_TO_REVERSE, but money is held'],
  ]);
  // the money held for the last three was reported by nobody
  assert.deepEqual(r.unreported.map((u) => u.merchantOrderNo), ['failed-held', 'reversed-held', 'nothing-to-reverse-held']);
});

test('checks: NEEDS_ATTENTION and unknown verdicts are never contradictions but are counted; throws and second pays are unreported money', () => {
  const r = check({
    attempts: [attempt('na', 'NEEDS_ATTENTION'), attempt('na-held', 'NEEDS_ATTENTION'), attempt('new-verdict', 'SOMETHING_NEW'),
      attempt('threw', 'THREW'), attempt('reuse', 'PAID', 100), attempt('reuse', 'NEEDS_ATTENTION', 250)],
    ledger: [entry('na'), entry('na-held', { paid: true }), entry('new-verdict', { paid: true }), entry('threw', { paid: true }),
      entry('reuse', { paid: true }), entry('never-made', { paid: true })],
  });
  assert.deepEqual(r.contradictions, []);
  assert.deepEqual([r.needsAttention, r.needsAttentionPaid, r.otherVerdicts, r.threw.length], [3, 2, { SOMETHING_NEW: 1 }, 1]);
  assert.deepEqual(r.unreported.map((u) => u.merchantOrderNo), ['threw', 'never-made']);
});

test('checks: an accepted notification must be one the gateway sent for our merchant, and true of the ledger; forged ones must be refused', () => {
  const genuine = ['{"g":1}', '{"g":2}', '{"g":3}', '{"g":4}', '{"g":5}'];
  const forged = [{ provider: 'shouqianba', merchantOrderNo: 'n1', body: '{"forged":1}', status: 200 },
    { provider: 'lakala', merchantOrderNo: 'n1', body: '{"forged":2}', status: 400 }];
  const notice = (body, order, accepted = true, provider = 'shouqianba') => ({ route: provider, provider, body, accepted, ...(accepted && { order }) });
  const paidNotice = (no, total) => ({ merchantOrderNo: no, state: 'SUCCESS', amounts: { total, paid: total } });
  const r = check({
    attempts: [attempt('n1', 'PAID'), attempt('n2', 'TIMED_OUT_REVERSED'), attempt('n3', 'PAID')],
    ledger: [entry('n1', { paid: true }), entry('n2', { everPaid: true }), entry('n3', { paid: true })],
    genuine: new Set(genuine),
    forged,
    notices: [
      notice(genuine[0], paidNotice('n1', 100)), // true: paid 100
      notice(genuine[1], paidNotice('n2', 100)), // true at the time: paid, since reversed
      notice(genuine[2], { merchantOrderNo: 'n2', state: 'CLOSED', amounts: { total: 100 } }), // true: nothing held now
      notice('{"forged":1}', paidNotice('n1', 1)), // a notice for another merchant, accepted
      notice('{"forged":2}', undefined, false, 'lakala'), // refused, as it must be
      notice('{"never-sent":1}', paidNotice('n1', 100)), // not a notice the gateway sent for us
      notice(genuine[3], paidNotice('n3', 7)), // says paid 7, 100 was taken
      notice(genuine[4], { merchantOrderNo: 'n3', state: 'CLOSED', amounts: { total: 100 } }), // says closed, money held
    ],
  });
  assert.deepEqual(r.contradictions.map((c) => c.why), [
    'accepted a notice signed for another merchant',
    'accepted a notice the gateway never sent for this merchant',
    'accepted notice says paid 7, the ledger took 100',
    'accepted notice says CLOSED, but money is held',
  ]);
  assert.deepEqual([r.notices.received, r.notices.accepted, r.notices.forged, r.notices.forgedRejected], [8, 7, 2, 1]);
});
