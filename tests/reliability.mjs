// The reliability run: many orders per provider through payAndConfirm and waitForPayment while the
// emulator injects seeded faults, every verdict checked against the emulator's own ledger of money.
// Two numbers must be zero: verdicts that contradict the ledger, and orders left paid but unreported.
// Run: make reliability   (or: node tests/reliability.mjs [orders] [seed] [rate])
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createClient } from 'aggpay';
import { startEmulator } from '../js-examples/emulator/index.mjs';

const IP = '127.0.0.1';

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

function clients(emu, notifyBase) {
  const sqb = emu.shouqianba.credentials;
  const fb = emu.fubei.credentials;
  const lk = emu.lakala.merchant;
  const ty = emu.tingyihui.merchant;
  const host = { timeoutMs: 120 }; // shorter than the emulator's delay fault
  return {
    shouqianba: createClient({ ...host, provider: 'shouqianba', baseUrl: emu.url,
      credentials: { terminalSn: sqb.terminalSn, terminalKey: sqb.terminalKey, notifyPublicKey: emu.shouqianba.publicKeyPem } }),
    fubei: createClient({ ...host, provider: 'fubei', baseUrl: `${emu.url}/fubei`, credentials: { appId: fb.appId, appSecret: fb.appSecret } }),
    lakala: createClient({ ...host, provider: 'lakala', baseUrl: `${emu.url}/lakala`, credentials: {
      appId: lk.appId, serialNo: lk.serialNo, privateKey: lk.privateKeyPem, platformCertificate: emu.lakala.platformCertificatePem,
      merchantNo: lk.merchantNo, termNo: lk.termNo } }),
    tingyihui: createClient({ ...host, provider: 'tingyihui', baseUrl: `${emu.url}/tingyihui`,
      credentials: { accessId: ty.accessId, privateKey: ty.privateKeyBase64, merchantCode: ty.osMerchantCode } }),
    notifyUrl: (p) => `${notifyBase}/${p}`,
  };
}

const QR_INPUT = {
  shouqianba: { payway: '3', operator: 'rel' },
  fubei: { channel: 'ALIPAY' },
  lakala: { channel: 'WECHAT', clientIp: IP },
  tingyihui: { channel: 'ALIPAY' },
};
const PAY_INPUT = { shouqianba: { operator: 'rel' }, fubei: {}, lakala: { clientIp: IP } };

/** Runs `orders` orders round-robin over the providers; returns the report. */
export async function run({ orders = 1000, seed = 1, rate = 0.25, log = () => {} } = {}) {
  const random = rng(seed);
  const emu = await startEmulator({ port: 0, chaos: { seed, rate, delayMs: 300 } });
  // The merchant's notification endpoint: verified notices are compared with the ledger too.
  const notices = [];
  let c;
  const merchant = createServer((req, res) => {
    const chunks = [];
    req.on('data', (x) => chunks.push(x));
    req.on('end', async () => {
      const provider = req.url.split('/').pop();
      try {
        const { order, ack } = await c[provider].verifyNotification({ headers: req.headers, body: Buffer.concat(chunks) });
        notices.push({ provider, order });
        res.writeHead(ack.status, ack.headers).end(ack.body);
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise((r) => merchant.listen(0, IP, r));
  c = clients(emu, `http://${IP}:${merchant.address().port}/notify`);

  const providers = ['shouqianba', 'fubei', 'lakala', 'tingyihui'];
  const outcomes = [];
  const runId = `${seed.toString(36)}${Date.now().toString(36)}`.toUpperCase();
  try {
    for (let i = 0; i < orders; i++) {
      const provider = providers[i % providers.length];
      const client = c[provider];
      const merchantOrderNo = `R${runId}${i}`.slice(0, 32);
      const amount = 1 + Math.floor(random() * 99_999);
      const barcode = provider !== 'tingyihui' && random() < 0.5;
      // Virtual time for the flow: waiting costs nothing, cadence and timeouts are the real ones.
      let t = 0;
      let sleeps = 0;
      const buyerPaysAfter = random() < 0.35 ? 0 : random() < 0.5 ? 1 + Math.floor(random() * 6) : Infinity;
      const sleep = async (ms) => {
        t += ms;
        sleeps++;
        if (!barcode && sleeps === buyerPaysAfter) {
          try {
            emu[provider].buyerPays(merchantOrderNo);
          } catch {} // not payable (closed, unknown): the buyer is too late
        }
      };
      const flowOptions = { sleep, now: () => t };
      let outcome;
      if (barcode) {
        const r = random();
        const prefix = r < 0.55 ? '13' : r < 0.75 ? '9100' : r < 0.85 ? '9300' : r < 0.95 ? '9200' : '9400';
        const authCode = (prefix + String(Math.floor(random() * 1e16)).padStart(16, '0')).slice(0, 18);
        const input = { merchantOrderNo, amount, authCode, subject: 'reliability', ...PAY_INPUT[provider] };
        outcome = await client.payAndConfirm(input, flowOptions);
      } else {
        const input = { merchantOrderNo, amount, subject: 'reliability', notifyUrl: c.notifyUrl(provider), ...QR_INPUT[provider] };
        const pre = await client.precreate(input);
        if (pre.outcome === 'FAILED') {
          outcome = { verdict: 'FAILED', message: 'precreate refused', result: pre };
        } else {
          if (buyerPaysAfter === 0) {
            try {
              emu[provider].buyerPays(merchantOrderNo);
            } catch {}
          }
          const ref = { merchantOrderNo, ...(provider === 'lakala' ? { clientIp: IP } : {}) };
          outcome = await client.waitForPayment(ref, flowOptions);
        }
      }
      outcomes.push({ provider, merchantOrderNo, kind: barcode ? 'barcode' : 'qr', verdict: outcome.verdict });
      if ((i + 1) % 100 === 0) log(`${i + 1}/${orders} orders`);
    }
    for (const p of providers) await emu[p].flushNotifications?.();
  } finally {
    await new Promise((r) => merchant.close(r));
  }
  const stats = emu.chaos.stats();
  const ledger = new Map(emu.ledger().map((e) => [e.merchantOrderNo, e]));
  await emu.close();

  const ours = new Set(outcomes.map((o) => o.merchantOrderNo));
  const report = { orders, seed, rate, faults: stats.injected, faultsByKind: stats.byKind, notices: notices.length,
    byProvider: {}, contradictions: [], unreported: [], needsAttention: 0, needsAttentionPaid: 0 };
  for (const o of outcomes) {
    const entry = ledger.get(o.merchantOrderNo);
    const paid = Boolean(entry?.paid);
    const row = (report.byProvider[o.provider] ??= { orders: 0, faults: stats.byProvider[o.provider]?.injected ?? 0, verdicts: {} });
    row.orders++;
    row.verdicts[o.verdict] = (row.verdicts[o.verdict] ?? 0) + 1;
    const saysNoMoney = ['FAILED', 'TIMED_OUT_REVERSED', 'TIMED_OUT_NOTHING_TO_REVERSE'].includes(o.verdict);
    if ((o.verdict === 'PAID' && !paid) || (saysNoMoney && paid)) report.contradictions.push({ ...o, ledger: entry ?? null });
    if (o.verdict === 'NEEDS_ATTENTION') {
      report.needsAttention++;
      if (paid) report.needsAttentionPaid++; // handed to a person, not lost
    } else if (paid && o.verdict !== 'PAID') {
      report.unreported.push({ ...o, ledger: entry });
    }
  }
  // A paid order the run never made (a second pay) is unreported money too.
  for (const [no, e] of ledger) if (e.paid && !ours.has(no)) report.unreported.push({ merchantOrderNo: no, ledger: e });
  // A verified notification that says paid must agree with the ledger.
  for (const n of notices) {
    const e = ledger.get(n.order.merchantOrderNo);
    if (n.order.state === 'SUCCESS' && !e?.paid && !e) report.contradictions.push({ notification: n, ledger: e ?? null });
  }
  return report;
}

export function format(r) {
  const lines = [];
  const kinds = ['PAID', 'FAILED', 'TIMED_OUT_REVERSED', 'TIMED_OUT_NOTHING_TO_REVERSE', 'NEEDS_ATTENTION'];
  lines.push(`orders ${r.orders}, seed ${r.seed}, fault rate ${r.rate}: ${r.faults} faults injected, ${r.notices} notifications verified`);
  lines.push(`faults by kind: ${Object.entries(r.faultsByKind).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push('');
  lines.push(`| provider | orders | faults | ${kinds.join(' | ')} |`);
  lines.push(`|---|---:|---:|${kinds.map(() => '---:').join('|')}|`);
  for (const [p, row] of Object.entries(r.byProvider)) {
    lines.push(`| ${p} | ${row.orders} | ${row.faults} | ${kinds.map((k) => row.verdicts[k] ?? 0).join(' | ')} |`);
  }
  lines.push('');
  lines.push(`contradictions (verdict vs ledger): ${r.contradictions.length}`);
  lines.push(`orders left paid but unreported:    ${r.unreported.length}`);
  lines.push(`needs attention: ${r.needsAttention} (of which the buyer had paid: ${r.needsAttentionPaid}; handed to a person, never reported failed)`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [orders = 1000, seed = 1, rate = 0.25] = process.argv.slice(2).map(Number);
  const started = Date.now();
  const r = await run({ orders, seed, rate, log: (m) => console.error(m) });
  console.log(format(r));
  console.log(`\n${((Date.now() - started) / 1000).toFixed(1)} s, Node ${process.version}`);
  for (const x of [...r.contradictions, ...r.unreported].slice(0, 10)) console.log(JSON.stringify(x));
  if (r.contradictions.length || r.unreported.length) process.exitCode = 1;
}
