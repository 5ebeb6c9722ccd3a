// The reliability run: many orders per provider through payAndConfirm and waitForPayment while the
// emulator injects seeded faults — the unreliable ones (lost, slow or refused requests) and the hostile
// ones (late delivery, replayed and other-order answers, self-contradicting answers, notices signed for
// another merchant) — and every verdict and every accepted notification is checked against the emulator's
// own ledger of money once the last late request has landed.
// Must be zero: contradictions (verdicts or accepted notices the ledger refutes) and orders left paid but
// unreported. NEEDS_ATTENTION is never a contradiction (a person is told to look), but it is counted.
//
// Run: make reliability   (or: node tests/reliability.mjs [orders] [seed] [rate])
// Environment: RELIABILITY_KINDS=late,replay,…  draw only these fault kinds (default: all of them)
//              RELIABILITY_FLOW=naive           barcode orders use a naive flow that takes one "order not
//                                               found" for FAILED (the defect of issue 8): proves the checks
//                                               see contradictions (see RELIABILITY.md)
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createClient } from 'aggpay';
import { startEmulator } from '../js-examples/emulator/index.mjs';
import { GATEWAYS } from '../js-examples/emulator/registry.mjs';

const IP = '127.0.0.1';
/** Every gateway of the emulator's registry, in its order: the run names none. */
const PROVIDERS = GATEWAYS;
/** Verdicts that say no money was kept: the ledger must hold nothing for the order. */
const saysNoMoney = (v) => v === 'FAILED' || v.startsWith('TIMED_OUT_');
/** Verdicts a checker cannot hold against the ledger: NEEDS_ATTENTION, and anything it does not know. */
const handedToPerson = (v) => v !== 'PAID' && !saysNoMoney(v);
/** Notice states that say the money is not (or no longer) held. */
const NOTICE_NO_MONEY = ['FAILED', 'CLOSED', 'REFUNDED'];
/**
 * Chaos weights: the kinds that apply only to pays, reversals and closes (a few requests of each order, against
 * many queries) are drawn more often when they apply, so that a run meets them often enough.
 */
const WEIGHTS = { late: 6, contradict: 6, 'foreign-notify': 3, stuck: 2 };

// A small seeded PRNG for the run's own choices (the emulator has its own for faults).
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One client per notify route, from what the emulator says of each gateway (GET /__emulator/conformance): its
 * client configuration, and each further variant as another route (`<name>2`, …: a second API generation, say).
 * Returns { clients: { route → client }, routes: { name → [route…] }, spec: { name → description } }.
 */
function clients(emu) {
  const host = { timeoutMs: 120 }; // shorter than the emulator's delay and late faults (300 ms)
  const out = { clients: {}, routes: {}, spec: {} };
  for (const g of emu.conformance()) {
    const base = { ...host, provider: g.provider, baseUrl: `${emu.url}${g.basePath}`, credentials: g.credentials };
    out.spec[g.provider] = g;
    out.routes[g.provider] = [g.provider];
    out.clients[g.provider] = createClient(base);
    (g.variants ?? []).forEach((variant, k) => {
      const route = `${g.provider}${k + 2}`;
      out.routes[g.provider].push(route);
      out.clients[route] = createClient({ ...base, ...variant });
    });
  }
  return out;
}

/**
 * The naive barcode flow of issue 8's first finding: pay, then poll, and take the first "order not found"
 * for FAILED. Used only to prove that the run's checks see what it does (RELIABILITY_FLOW=naive).
 */
async function naivePayAndConfirm(client, input, ref, { sleep }) {
  const { amount: _, ...order } = ref; // a query names the order only
  const pay = await client.pay(input);
  if (pay.outcome === 'SUCCEEDED') return { verdict: 'PAID' };
  if (pay.outcome === 'FAILED') return { verdict: 'FAILED' };
  for (let i = 0; i < 8; i++) {
    await sleep(5000);
    const q = await client.query(order);
    if (q.error?.code === 'ORDER_NOT_FOUND') return { verdict: 'FAILED' }; // the defect: absence taken for "no money"
    if (q.order?.state === 'SUCCESS') return { verdict: 'PAID' };
    if (q.order?.state === 'FAILED' || q.order?.state === 'CLOSED') return { verdict: 'FAILED' };
  }
  return { verdict: 'NEEDS_ATTENTION' };
}

/**
 * Runs `orders` orders round-robin over the providers; returns the report.
 * - `reuse`: the share of orders that reuse an earlier order number of the same client with another amount
 * - `lateBuyer`: the share of QR orders not reported PAID whose buyer still tries to pay after the wait
 * - `kinds`: the chaos fault kinds (default: all); `flow`: 'library' or 'naive' (barcode orders only)
 */
export async function run({
  orders = 1000, seed = 1, rate = 0.25, kinds, reuse = 0.05, lateBuyer = 0.25, flow = 'library', log = () => {},
} = {}) {
  const random = rng(seed);
  const emu = await startEmulator({ port: 0, chaos: { seed, rate, delayMs: 300, lateMs: 300, weights: WEIGHTS, ...(kinds && { kinds }) } });
  // The merchant's notification endpoint: every notice is verified, and kept with what the library said.
  const notices = [];
  const { clients: c, routes, spec } = clients(emu);
  const merchant = createServer((req, res) => {
    const chunks = [];
    req.on('data', (x) => chunks.push(x));
    req.on('end', async () => {
      const route = req.url.split('/').pop();
      const body = Buffer.concat(chunks);
      const entry = { route, provider: c[route]?.provider ?? route, body: body.toString('utf8'), accepted: false };
      notices.push(entry);
      try {
        const { order, ack } = await c[route].verifyNotification({ headers: req.headers, body });
        Object.assign(entry, { accepted: true, order });
        res.writeHead(ack.status, ack.headers).end(ack.body);
      } catch (e) {
        entry.error = e?.code ?? String(e);
        res.writeHead(400).end();
      }
    });
  });
  await new Promise((r) => merchant.listen(0, IP, r));
  const notifyUrl = (route) => `http://${IP}:${merchant.address().port}/notify/${route}`;

  const attempts = []; // one per flow: { provider, route, merchantOrderNo, amount, kind, reused, verdict, lateBuyerPaid? }
  const made = new Map(PROVIDERS.map((p) => [p, []])); // earlier attempts per provider, for reuse
  const runId = `${seed.toString(36)}${Date.now().toString(36)}`.toUpperCase();
  let report;
  try {
    for (let i = 0; i < orders; i++) {
      const provider = PROVIDERS[i % PROVIDERS.length];
      const g = spec[provider];
      const route = routes[provider][Math.floor(i / PROVIDERS.length) % routes[provider].length];
      const client = c[route];
      let amount = 1 + Math.floor(random() * 99_999);
      // Now and then an order number is used again, for another amount: never PAID for money that is not this.
      const earlier = made.get(provider).filter((a) => a.route === route);
      const reused = earlier.length > 0 && random() < reuse ? earlier[Math.floor(random() * earlier.length)] : null;
      const merchantOrderNo = reused ? reused.merchantOrderNo : `R${runId}${i}`.slice(0, 32);
      if (reused && amount === reused.amount) amount += 1;
      const barcode = Boolean(g.pay) && random() < 0.5;
      // Virtual time for the flow: waiting costs nothing, cadence and timeouts are the real ones.
      let t = 0;
      let sleeps = 0;
      const buyerPaysAfter = random() < 0.35 ? 0 : random() < 0.5 ? 1 + Math.floor(random() * 6) : Infinity;
      const buyerPays = () => {
        try {
          emu[provider].buyerPays(merchantOrderNo);
          return true;
        } catch {
          return false; // not payable (closed, unknown, already paid): the buyer is too late
        }
      };
      const sleep = async (ms) => {
        t += ms;
        sleeps++;
        if (!barcode && sleeps === buyerPaysAfter) buyerPays();
      };
      const flowOptions = { sleep, now: () => t };
      const ref = { merchantOrderNo, amount, ...g.query };
      const attempt = { provider, route, merchantOrderNo, amount, kind: barcode ? 'barcode' : 'qr', reused: Boolean(reused) };
      let outcome;
      let shown = false; // the QR code reached the till: a buyer can scan it
      try {
        if (barcode) {
          const r = random();
          const prefix = r < 0.55 ? '13' : r < 0.75 ? '9100' : r < 0.85 ? '9300' : r < 0.95 ? '9200' : '9400';
          const authCode = (prefix + String(Math.floor(random() * 1e16)).padStart(16, '0')).slice(0, 18);
          const input = { merchantOrderNo, amount, authCode, subject: 'reliability', notifyUrl: notifyUrl(route), ...g.pay };
          outcome = flow === 'naive'
            ? await naivePayAndConfirm(client, input, ref, flowOptions)
            : await client.payAndConfirm(input, flowOptions);
        } else {
          const input = { merchantOrderNo, amount, subject: 'reliability', notifyUrl: notifyUrl(route), ...g.precreate };
          const pre = await client.precreate(input);
          shown = pre.outcome === 'SUCCEEDED';
          if (pre.outcome === 'FAILED') {
            outcome = { verdict: 'FAILED', message: 'precreate refused' };
          } else {
            if (buyerPaysAfter === 0) buyerPays();
            outcome = await client.waitForPayment(ref, flowOptions);
          }
        }
        attempt.verdict = String(outcome.verdict);
      } catch (e) {
        // Nothing that can happen after sending may throw: counted, and held against nothing.
        attempt.verdict = 'THREW';
        attempt.error = `${e?.code ?? e?.name ?? 'Error'}: ${e?.message ?? e}`;
      }
      // The buyer who scans the code after the till gave up: only a closed order keeps the money out.
      if (!barcode && shown && attempt.verdict !== 'PAID' && random() < lateBuyer) attempt.lateBuyerPaid = buyerPays();
      attempts.push(attempt);
      made.get(provider).push(attempt);
      if ((i + 1) % 100 === 0) log(`${i + 1}/${orders} orders`);
    }
    // Every late request lands, every notification (and its retries) is delivered, before anything is judged.
    await emu.settle();
    report = judge({
      orders, seed, rate, kinds: kinds ?? 'all', flow, attempts, notices, stats: emu.chaos.stats(), ledger: emu.ledger(),
      late: emu.lateDeliveries, forged: emu.forgedNotices,
      genuine: new Set(PROVIDERS.flatMap((p) => emu[p].notifications.map((n) => n.body))),
    });
  } finally {
    await new Promise((r) => { merchant.closeAllConnections?.(); merchant.close(r); });
    await emu.close();
  }
  return report;
}

/** Every verdict and every accepted notification against the ledger. */
export function judge({ orders, seed, rate, kinds, flow, attempts, notices, stats, ledger, late, forged, genuine }) {
  const key = (provider, no) => `${provider}\u0000${no}`;
  const book = new Map(ledger.map((e) => [key(e.provider, e.merchantOrderNo), e]));
  // What was done to an order: its injected faults, in order (for reading a contradiction).
  const faultsOf = (provider, no) => (stats.log ?? []).filter((f) => f.provider === provider && f.merchantOrderNo === no)
    .map((f) => [f.op ?? f.operation, f.kind, f.replayed?.op ?? f.answeredFor ?? f.contradiction ?? ''].filter(Boolean).join(' '));
  const report = {
    orders, seed, rate, kinds, flow, faults: stats.injected, faultsByKind: stats.byKind,
    late: { held: late.length, landed: late.filter((e) => e.processedAt !== null).length },
    reused: attempts.filter((a) => a.reused).length, lateBuyers: attempts.filter((a) => a.lateBuyerPaid !== undefined).length,
    lateBuyersPaid: attempts.filter((a) => a.lateBuyerPaid).length,
    byProvider: {}, contradictions: [], unreported: [], needsAttention: 0, needsAttentionPaid: 0, otherVerdicts: {}, threw: [],
    notices: { received: notices.length, accepted: notices.filter((n) => n.accepted).length, forged: forged.length, forgedRejected: 0 },
  };

  // Verdicts. PAID needs exactly the asked amount held; FAILED / TIMED_OUT_* need nothing held. The ledger
  // holds each order number's final state, so only the last attempt on a number is judged against it: an
  // earlier one was about a state a later reuse of the number may have changed (counted as superseded).
  const last = new Map(attempts.map((a, i) => [key(a.provider, a.merchantOrderNo), i]));
  report.superseded = 0;
  for (const [i, a] of attempts.entries()) {
    const e = book.get(key(a.provider, a.merchantOrderNo)) ?? null;
    const row = (report.byProvider[a.provider] ??= { orders: 0, faults: stats.byProvider[a.provider]?.injected ?? 0, verdicts: {} });
    row.orders++;
    row.verdicts[a.verdict] = (row.verdicts[a.verdict] ?? 0) + 1;
    if (last.get(key(a.provider, a.merchantOrderNo)) !== i) {
      report.superseded++;
      continue;
    }
    const held = e?.paid ? e.held : 0;
    if (a.verdict === 'PAID' && !(held === a.amount && e.total === a.amount)) {
      report.contradictions.push({ why: held ? 'PAID, but another amount is held' : 'PAID, but no money is held', ...a, ledger: e,
        faults: faultsOf(a.provider, a.merchantOrderNo) });
    } else if (saysNoMoney(a.verdict) && held > 0) {
      report.contradictions.push({ why: `${a.verdict}, but money is held`, ...a, ledger: e, faults: faultsOf(a.provider, a.merchantOrderNo) });
    } else if (handedToPerson(a.verdict)) {
      if (a.verdict === 'NEEDS_ATTENTION') {
        report.needsAttention++;
        if (held > 0) report.needsAttentionPaid++; // handed to a person, not lost
      } else if (a.verdict === 'THREW') report.threw.push(a);
      else report.otherVerdicts[a.verdict] = (report.otherVerdicts[a.verdict] ?? 0) + 1;
    }
  }
  // Money held must have been reported: PAID, or handed to a person. Held for an order the run never made
  // (a second pay) is unreported too.
  // A throw is no report: the merchant got an exception, not a verdict.
  const reported = new Set(attempts.filter((a) => a.verdict === 'PAID' || (handedToPerson(a.verdict) && a.verdict !== 'THREW'))
    .map((a) => key(a.provider, a.merchantOrderNo)));
  for (const e of ledger) {
    if (e.paid && !reported.has(key(e.provider, e.merchantOrderNo))) {
      const tried = attempts.filter((a) => a.provider === e.provider && a.merchantOrderNo === e.merchantOrderNo);
      report.unreported.push({ provider: e.provider, merchantOrderNo: e.merchantOrderNo, verdicts: tried.map((a) => a.verdict), ledger: e });
    }
  }

  // Notifications. Every accepted one must be a notice the gateway sent for our merchant (never a forged one),
  // and what it says must be true of the ledger: SUCCESS means the buyer paid exactly that amount.
  const forgedBodies = new Set(forged.map((f) => f.body));
  for (const n of notices.filter((x) => x.accepted)) {
    const o = n.order ?? {};
    const e = book.get(key(n.provider, o.merchantOrderNo)) ?? null;
    const bad = (why) => report.contradictions.push({ why, notice: { route: n.route, order: o, body: n.body.slice(0, 600) }, ledger: e });
    if (forgedBodies.has(n.body)) bad('accepted a notice signed for another merchant');
    else if (!genuine.has(n.body)) bad('accepted a notice the gateway never sent for this merchant');
    else if (!e) bad('accepted a notice for an order the gateway does not have');
    else if (o.state === 'SUCCESS' && !(e.everPaid && e.paidAmount === o.amounts?.total && (o.amounts?.paid ?? o.amounts?.total) === e.paidAmount)) {
      bad(`accepted notice says paid ${o.amounts?.total}, the ledger ${e.everPaid ? `took ${e.paidAmount}` : 'took nothing'}`);
    } else if (NOTICE_NO_MONEY.includes(o.state) && e.paid) bad(`accepted notice says ${o.state}, but money is held`);
  }
  // Every notice forged for another merchant must have been refused by the library.
  for (const f of forged) {
    const received = notices.filter((n) => n.body === f.body);
    if (received.length && received.every((n) => !n.accepted)) report.notices.forgedRejected++;
    else if (received.some((n) => n.accepted)) { /* counted above as a contradiction */ } else if (f.error) {
      report.notices.forgedLost = (report.notices.forgedLost ?? 0) + 1; // never arrived: nothing to judge
    }
  }
  return report;
}

export function format(r) {
  const base = ['PAID', 'FAILED', 'TIMED_OUT_REVERSED', 'NEEDS_ATTENTION'];
  const seen = new Set(Object.values(r.byProvider).flatMap((row) => Object.keys(row.verdicts)));
  const kinds = [...base, ...[...seen].filter((v) => !base.includes(v)).sort()];
  const lines = [];
  lines.push(`orders ${r.orders}, seed ${r.seed}, fault rate ${r.rate}, kinds ${Array.isArray(r.kinds) ? r.kinds.join(',') : r.kinds}`
    + `${r.flow === 'naive' ? ', NAIVE barcode flow (trusts "not found")' : ''}: ${r.faults} faults injected`);
  lines.push(`faults by kind: ${Object.entries(r.faultsByKind).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push(`late deliveries: ${r.late.held} held, ${r.late.landed} landed after the client gave up or was answered late`);
  lines.push(`order numbers reused for another amount: ${r.reused} (earlier verdicts superseded by a reuse, not judged: ${r.superseded}); `
    + `late buyers: ${r.lateBuyers} tried, ${r.lateBuyersPaid} could pay`);
  lines.push(`notifications: ${r.notices.received} received, ${r.notices.accepted} accepted; forged for another merchant: `
    + `${r.notices.forged} sent, ${r.notices.forgedRejected} rejected${r.notices.forgedLost ? `, ${r.notices.forgedLost} lost` : ''}`);
  lines.push('');
  lines.push(`| provider | orders | faults | ${kinds.join(' | ')} |`);
  lines.push(`|---|---:|---:|${kinds.map(() => '---:').join('|')}|`);
  for (const [p, row] of Object.entries(r.byProvider)) {
    lines.push(`| ${p} | ${row.orders} | ${row.faults} | ${kinds.map((k) => row.verdicts[k] ?? 0).join(' | ')} |`);
  }
  lines.push('');
  const why = {};
  for (const x of r.contradictions) why[x.why.replace(/-?\d+/g, 'N')] = (why[x.why.replace(/-?\d+/g, 'N')] ?? 0) + 1;
  lines.push(`contradictions (verdicts and accepted notices vs ledger): ${r.contradictions.length}`
    + `${r.contradictions.length ? ` (${Object.entries(why).map(([k, v]) => `${k}: ${v}`).join('; ')})` : ''}`);
  lines.push(`orders left paid but unreported:                          ${r.unreported.length}`);
  lines.push(`needs attention: ${r.needsAttention} (of which the buyer had paid: ${r.needsAttentionPaid}; handed to a person, never reported failed)`);
  const other = Object.entries(r.otherVerdicts);
  if (other.length) lines.push(`other verdicts (treated as handed to a person): ${other.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push(`threw instead of answering: ${r.threw.length}`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [orders = 1000, seed = 1, rate = 0.25] = process.argv.slice(2).map(Number);
  const kinds = process.env.RELIABILITY_KINDS ? process.env.RELIABILITY_KINDS.split(',').map((k) => k.trim()).filter(Boolean) : undefined;
  const flow = process.env.RELIABILITY_FLOW === 'naive' ? 'naive' : 'library';
  const started = Date.now();
  const r = await run({ orders, seed, rate, kinds, flow, log: (m) => console.error(m) });
  console.log(format(r));
  console.log(`\n${((Date.now() - started) / 1000).toFixed(1)} s, Node ${process.version}`);
  for (const x of [...r.contradictions, ...r.unreported, ...r.threw].slice(0, 10)) console.log(JSON.stringify(x));
  if (r.contradictions.length || r.unreported.length || r.threw.length) process.exitCode = 1;
}
