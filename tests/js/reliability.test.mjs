// A small reliability run inside make test: seeded faults on, every verdict checked against the
// emulator's ledger. The full 1,000-order run is `make reliability` (RELIABILITY.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { format, run } from '../reliability.mjs';

test('reliability: 48 orders under seeded faults, no verdict contradicts the ledger', { timeout: 120_000 }, async () => {
  const r = await run({ orders: 48, seed: 20261122, rate: 0.25 });
  const summary = format(r);
  assert.ok(r.faults > 20, `faults were injected\n${summary}`);
  assert.ok(Object.keys(r.faultsByKind).length >= 5, `several fault kinds\n${summary}`);
  assert.equal(r.contradictions.length, 0, `${summary}\n${JSON.stringify(r.contradictions, null, 1)}`);
  assert.equal(r.unreported.length, 0, `${summary}\n${JSON.stringify(r.unreported, null, 1)}`);
  for (const p of ['shouqianba', 'fubei', 'lakala', 'tingyihui']) assert.equal(r.byProvider[p].orders, 12);
  assert.ok((r.byProvider.shouqianba.verdicts.PAID ?? 0) > 0, summary);
});
