// onExchange: the redacted exchange log. For every provider and every operation it has (plus the
// payAndConfirm / waitForPayment flows), no secret the client knows and no signature it actually sent or
// received survives into the records; each record says what happened; a hook cannot hurt the caller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggpayError, createClient } from 'aggpay';
import { clientFor, useEmulator } from './kit.mjs';

const T = { timeout: 20_000 };
const IP = '203.0.113.9';
// Not the emulator's activation code (12345678) inside it: a buyer's barcode is no secret.
const OPERATIONS = ['activate', 'checkin', 'pay', 'precreate', 'query', 'refund', 'refundQuery', 'cancel', 'revoke', 'close'];
const BARCODE = '130000000000000001';
const fast = { sleep: async () => {}, timeoutMs: 60_000 }; // flows without real waiting
const emu = useEmulator();

let seq = 0;
const no = (tag) => `xl-${tag}-${process.pid % 100000}-${++seq}`;

/**
 * A transport that forwards to the emulator and keeps every signature that crossed it: the Authorization
 * header's signature part, a body's `sign`, Lakala's Lklapi-Signature, a signed answer's `sign`.
 */
function spyingFetch(signatures, { responseSign = true } = {}) {
  return async (url, init) => {
    const auth = init.headers.authorization;
    if (auth) signatures.add(/signature="([^"]+)"/.exec(auth)?.[1] ?? auth.split(' ').pop());
    const sent = JSON.parse(init.body);
    if (sent.sign) signatures.add(sent.sign);
    const res = await fetch(url, init);
    const sig = res.headers.get('lklapi-signature');
    if (sig) signatures.add(sig);
    if (responseSign) {
      try {
        const got = JSON.parse(await res.clone().text());
        if (typeof got?.sign === 'string') signatures.add(got.sign);
      } catch {
        // not JSON: nothing to collect
      }
    }
    return res;
  };
}

/** Every form of a secret a log could show: as given, and for a PEM its Base64 joined and line by line. */
function forms(secret) {
  const out = [secret];
  if (secret.includes('-----BEGIN')) {
    out.push(secret.replace(/-----[^-]*-----/g, '').replace(/\s+/g, ''));
    for (const line of secret.split('\n')) if (line.trim().length >= 16 && !line.includes('-----')) out.push(line.trim());
  }
  return out;
}

function assertNothingLeaks(records, secrets, signatures) {
  const text = JSON.stringify(records);
  for (const s of secrets) {
    assert.ok(typeof s === 'string' && s.length >= 8, `a real secret to look for: ${s}`);
    for (const f of forms(s)) {
      const at = text.indexOf(f);
      assert.ok(at < 0, `a secret survives into the log: ${f.slice(0, 12)}… in …${text.slice(at - 80, at + 40)}`);
    }
  }
  if (signatures === null) return; // no signed exchange to look for
  assert.ok(signatures.size > 0, 'the spy saw signatures');
  for (const s of signatures) assert.ok(!text.includes(s), `a signature survives into the log: ${s.slice(0, 12)}…`);
}

/** What every record has: its operation, the status, the time, the caller's result (scrubbed), the markers. */
/** `provider:operation` of every record checked in this file (the coverage test at the end reads it). */
const covered = new Set();

function assertRecords(records, ops, marker) {
  assert.deepEqual(records.map((r) => r.operation), ops);
  for (const r of records) {
    covered.add(`${r.result.provider}:${r.operation}`);
    assert.equal(r.result.operation, r.operation);
    assert.ok(Number.isInteger(r.ms) && r.ms >= 0, `ms: ${r.ms}`);
    assert.equal(r.request.method, 'POST');
    assert.match(r.request.url, /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.equal(typeof r.request.body, 'string');
    assert.equal(r.response.status, 200, `${r.operation}: ${r.response.body}`);
    assert.equal(typeof r.response.body, 'string');
    marker(r);
  }
}

/** A client of the emulator whose hook collects records and whose fetch collects signatures. */
function logged(provider, options = {}) {
  const records = [];
  const signatures = new Set();
  const client = clientFor(emu, provider, {
    fetch: spyingFetch(signatures, { responseSign: provider !== 'tingyihui' }),
    onExchange: (e) => records.push(e),
    ...options,
  });
  return { client, records, signatures };
}

// Tingyihui's answer `sign` is the pay URL (qrCode), not a signature: scrubbed in the log, but the caller's
// order.qrCode keeps it, so it is not collected as a signature.

const sqbMarker = (r) => {
  assert.match(r.request.headers.authorization, /^\d+ \[SCRUBBED\]$/, 'the sn stays, the MD5 goes');
};

async function shouqianbaOps(client, tag) {
  const order = (n, amount = 500) => ({ merchantOrderNo: n, amount, subject: 'Latte', operator: 'alice' });
  const paid = no(`${tag}p`);
  const ops = [];
  const run = async (op, input, flow) => {
    const r = await (flow ? client[op](input, fast) : client[op](input));
    ops.push(...(flow ?? [op]));
    return r;
  };
  assert.equal((await run('pay', { ...order(paid), authCode: BARCODE })).outcome, 'SUCCEEDED');
  await run('query', { merchantOrderNo: paid });
  await run('refund', { merchantOrderNo: paid, refundNo: `${paid}R`, amount: 100, operator: 'alice' });
  await run('query', { merchantOrderNo: paid, refundNo: `${paid}R` });
  const qr = no(`${tag}q`);
  assert.equal((await run('precreate', { ...order(qr), payway: '3' })).outcome, 'SUCCEEDED');
  await run('cancel', { merchantOrderNo: qr });
  const rv = no(`${tag}r`);
  await run('pay', { ...order(rv), authCode: BARCODE });
  await run('revoke', { merchantOrderNo: rv });
  const f = await run('payAndConfirm', { ...order(no(`${tag}f`)), authCode: BARCODE }, ['pay']);
  assert.equal(f.verdict, 'PAID', f.message);
  const w = no(`${tag}w`);
  await run('precreate', { ...order(w, 300), payway: '3' });
  emu.shouqianba.buyerPays(w);
  const wr = await run('waitForPayment', { merchantOrderNo: w, amount: 300 }, ['query']);
  assert.equal(wr.verdict, 'PAID', wr.message);
  return ops;
}

test('Shouqianba: activate, check-in and every operation; no key, code or signature in the log', T, async () => {
  const c = emu.shouqianba.credentials;
  const configuredKey = c.terminalKey;
  const records = [];
  const signatures = new Set();
  const fresh = createClient({
    provider: 'shouqianba', baseUrl: emu.url, fetch: spyingFetch(signatures), onExchange: (e) => records.push(e),
  });
  const act = await fresh.activate({ vendorSn: c.vendorSn, vendorKey: c.vendorKey, appId: c.appId, code: c.activationCode, deviceId: 'xl-1' });
  assert.equal(act.outcome, 'SUCCEEDED', JSON.stringify(act.error));
  const activatedKey = act.credentials.terminalKey;
  assert.match(activatedKey, /^[0-9a-f]{32}$/, 'the caller still gets the real key');
  const chk = await fresh.checkin({ deviceId: 'xl-1' });
  assert.equal(chk.outcome, 'SUCCEEDED', JSON.stringify(chk.error));
  const checkedInKey = chk.credentials.terminalKey;
  assert.notEqual(checkedInKey, activatedKey);
  const ops = ['activate', 'checkin', ...(await shouqianbaOps(fresh, 'sa'))];

  // The pre-activated terminal, configured with its key: the key from the credentials is known too.
  const kit = logged('shouqianba');
  const rotated = await kit.client.checkin({ deviceId: 'xl-2' });
  assert.equal(rotated.outcome, 'SUCCEEDED', JSON.stringify(rotated.error));
  assert.notEqual(rotated.credentials.terminalKey, configuredKey);
  const kitOps = ['checkin', ...(await shouqianbaOps(kit.client, 'sk'))];

  assertNothingLeaks([...records, ...kit.records],
    [c.vendorKey, c.activationCode, activatedKey, checkedInKey, configuredKey, rotated.credentials.terminalKey],
    new Set([...signatures, ...kit.signatures]));
  assertRecords(records, ops, sqbMarker);
  assertRecords(kit.records, kitOps, sqbMarker);
  assert.equal(kit.records[0].result.credentials.terminalKey, '[SCRUBBED]');
  const [a, k] = records;
  assert.match(a.request.body, /"code":"\[SCRUBBED\]"/, 'the activation code');
  assert.equal(a.request.headers.authorization, `${c.vendorSn} [SCRUBBED]`, 'activate is signed by the vendor');
  for (const r of [a, k]) {
    assert.match(r.response.body, /"terminal_key":"\[SCRUBBED\]"/);
    assert.equal(r.result.credentials.terminalKey, '[SCRUBBED]');
    assert.equal(r.result.credentials.terminalSn, act.credentials.terminalSn);
  }
  assert.equal(act.credentials.terminalKey, activatedKey, "the caller's result is not touched");
});

const fubeiMarker = (r) => assert.match(r.request.body, /"sign":"\[SCRUBBED\]"/);

async function fubeiOps(client, tag, v2) {
  const order = (n, amount = 500) => ({ merchantOrderNo: n, amount, ...(v2 ? {} : { channel: 'WECHAT' }) });
  const ops = [];
  const run = async (op, input, flow) => {
    const r = await (flow ? client[op](input, fast) : client[op](input));
    ops.push(...(flow ?? [op]));
    return r;
  };
  const paid = no(`${tag}p`);
  const p = await run('pay', { merchantOrderNo: paid, amount: 500, authCode: '134567890123456789' });
  assert.equal(p.outcome, 'SUCCEEDED', JSON.stringify(p.error));
  await run('query', { merchantOrderNo: paid });
  await run('refund', { merchantOrderNo: paid, refundNo: `${paid}R`, amount: 100 });
  await run('refundQuery', { refundNo: `${paid}R`, merchantOrderNo: paid });
  const qr = no(`${tag}q`);
  assert.equal((await run('precreate', order(qr))).outcome, 'SUCCEEDED');
  await run('close', { merchantOrderNo: qr });
  const cq = no(`${tag}c`);
  await run('pay', { merchantOrderNo: cq, amount: 200, authCode: '134567890123456789' });
  await run('cancel', { merchantOrderNo: cq });
  const rv = no(`${tag}r`);
  await run('pay', { merchantOrderNo: rv, amount: 200, authCode: '134567890123456789' });
  await run('revoke', { merchantOrderNo: rv });
  const f = await run('payAndConfirm', { merchantOrderNo: no(`${tag}f`), amount: 300, authCode: '134567890123456789' }, ['pay']);
  assert.equal(f.verdict, 'PAID', f.message);
  const w = no(`${tag}w`);
  await run('precreate', order(w, 300));
  emu.fubei.buyerPays(w);
  const wr = await run('waitForPayment', { merchantOrderNo: w, amount: 300 }, ['query']);
  assert.equal(wr.verdict, 'PAID', wr.message);
  return ops;
}

test('Fubei 1.0 (appId) and 2.0 (vendor): every operation; no secret or sign in the log', T, async () => {
  const c = emu.fubei.credentials;
  const v1 = logged('fubei');
  const ops1 = await fubeiOps(v1.client, 'f1', false);
  assertNothingLeaks(v1.records, [c.appSecret], v1.signatures);
  assertRecords(v1.records, ops1, fubeiMarker);

  const records = [];
  const signatures = new Set();
  const v2 = createClient({
    provider: 'fubei', baseUrl: `${emu.url}/fubei`, apiVersion: '2.0',
    credentials: { vendorSn: c.vendorSn, vendorSecret: c.vendorSecret, merchantId: c.merchantId },
    fetch: spyingFetch(signatures), onExchange: (e) => records.push(e),
  });
  const ops2 = await fubeiOps(v2, 'f2', true);
  assertNothingLeaks(records, [c.vendorSecret], signatures);
  assertRecords(records, ops2, fubeiMarker);
  assert.match(records[0].request.url, /\/gateway\/agent$/);
});

test('Lakala: every operation; no private key, Authorization signature or Lklapi-Signature in the log', T, async () => {
  const { client, records, signatures } = logged('lakala');
  const ops = [];
  const run = async (op, input, flow) => {
    const r = await (flow ? client[op](input, fast) : client[op](input));
    ops.push(...(flow ?? [op]));
    return r;
  };
  const paid = no('lp');
  assert.equal((await run('pay', { merchantOrderNo: paid, amount: 500, authCode: '134567890123456789', clientIp: IP })).outcome, 'SUCCEEDED');
  await run('query', { merchantOrderNo: paid });
  await run('refund', { merchantOrderNo: paid, refundNo: `${paid}R`, amount: 100, clientIp: IP });
  await run('refundQuery', { refundNo: `${paid}R` });
  const qr = no('lq');
  assert.equal((await run('precreate', { merchantOrderNo: qr, amount: 500, channel: 'ALIPAY', clientIp: IP })).outcome, 'SUCCEEDED');
  await run('close', { merchantOrderNo: qr, clientIp: IP });
  const cq = no('lc');
  await run('pay', { merchantOrderNo: cq, amount: 200, authCode: '134567890123456789', clientIp: IP });
  await run('cancel', { merchantOrderNo: cq, clientIp: IP });
  const rv = no('lr');
  await run('pay', { merchantOrderNo: rv, amount: 200, authCode: '134567890123456789', clientIp: IP });
  await run('revoke', { merchantOrderNo: rv, clientIp: IP });
  const f = await run('payAndConfirm', { merchantOrderNo: no('lf'), amount: 300, authCode: '134567890123456789', clientIp: IP }, ['pay']);
  assert.equal(f.verdict, 'PAID', f.message);
  const w = no('lw');
  await run('precreate', { merchantOrderNo: w, amount: 300, channel: 'ALIPAY', clientIp: IP });
  emu.lakala.buyerPays(w);
  const wr = await run('waitForPayment', { merchantOrderNo: w, amount: 300, clientIp: IP }, ['query']);
  assert.equal(wr.verdict, 'PAID', wr.message);

  assertNothingLeaks(records, [emu.lakala.merchant.privateKeyPem], signatures);
  assertRecords(records, ops, (r) => {
    assert.match(r.request.headers.authorization, /^LKLAPI-SHA256withRSA appid="[^"]+",serial_no="[^"]+",.*signature="\[SCRUBBED\]"$/);
    assert.equal(r.response.headers['lklapi-signature'], '[SCRUBBED]');
  });
});

test('Tingyihui: every operation; no private key or sign in the log', T, async () => {
  const { client, records, signatures } = logged('tingyihui');
  const ops = [];
  const run = async (op, input, flow) => {
    const r = await (flow ? client[op](input, fast) : client[op](input));
    ops.push(...(flow ?? [op]));
    return r;
  };
  const trade = (n, amount = 500) => ({ merchantOrderNo: n, amount, subject: 'Latte', channel: 'ALIPAY' });
  const paid = no('tp');
  const pre = await run('precreate', trade(paid));
  assert.equal(pre.outcome, 'SUCCEEDED', JSON.stringify(pre.error));
  emu.tingyihui.buyerPays(paid);
  await run('query', { merchantOrderNo: paid });
  await run('refund', { merchantOrderNo: paid, refundNo: `${paid}R`, amount: 100 });
  await run('refundQuery', { refundNo: `${paid}R` });
  const qr = no('tq');
  await run('precreate', trade(qr));
  await run('close', { merchantOrderNo: qr });
  const w = no('tw');
  await run('precreate', trade(w, 300));
  emu.tingyihui.buyerPays(w);
  const wr = await run('waitForPayment', { merchantOrderNo: w, amount: 300 }, ['query']);
  assert.equal(wr.verdict, 'PAID', wr.message);

  assertNothingLeaks(records, [emu.tingyihui.merchant.privateKeyBase64], signatures);
  assertRecords(records, ops, (r) => assert.match(r.request.body, /"sign":"\[SCRUBBED\]"/));
  assert.ok(pre.order.qrCode, "the caller's qrCode is untouched");
});

test('a network failure is recorded with response: null and the uncertain result', T, async () => {
  const records = [];
  let sent;
  const client = clientFor(emu, 'fubei', {
    fetch: async (url, init) => {
      sent = init.body;
      throw new TypeError('fetch failed: connection refused');
    },
    onExchange: (e) => records.push(e),
  });
  const r = await client.query({ merchantOrderNo: no('net') });
  assert.equal(r.outcome, 'UNKNOWN');
  assert.equal(records.length, 1);
  const [e] = records;
  assert.equal(e.operation, 'query');
  assert.equal(e.response, null);
  assert.ok(!JSON.stringify(records).includes(emu.fubei.credentials.appSecret));
  assert.ok(!JSON.stringify(records).includes(JSON.parse(sent).sign), 'the sign sent');
  assert.deepEqual(e.result, r);
  assert.match(e.request.body, /"sign":"\[SCRUBBED\]"/);
});

test('an answer over the body limit reaches the hook as a marker, not its bytes', T, async () => {
  const records = [];
  const big = 'x'.repeat((1 << 20) + 10);
  const client = clientFor(emu, 'shouqianba', {
    fetch: async () => new Response(big, { status: 200, headers: { 'content-type': 'application/json' } }),
    onExchange: (e) => records.push(e),
  });
  const r = await client.query({ merchantOrderNo: no('big') });
  assert.equal(r.outcome, 'UNKNOWN');
  assert.equal(records.length, 1);
  assert.match(records[0].response.body, /^\[NOT READ: \d+ bytes, over the \d+-byte limit\]$/);
  assert.ok(JSON.stringify(records).length < 1 << 20);
});

test('a hook that throws, rejects, never settles or mutates its record changes nothing for the caller', T, async () => {
  const merchantOrderNo = no('hook');
  const pay = await clientFor(emu, 'shouqianba').pay({ merchantOrderNo, amount: 100, subject: 'Tea', operator: 'alice', authCode: '134567890123456789' });
  assert.equal(pay.outcome, 'SUCCEEDED');
  const plain = await clientFor(emu, 'shouqianba').query({ merchantOrderNo });
  const hooks = {
    throws: () => {
      throw new Error('logger down');
    },
    rejects: async () => {
      throw new Error('logger down, later');
    },
    hangs: () => new Promise(() => {}),
    mutates: (e) => {
      e.result.outcome = 'FAILED';
      e.result.order.state = 'FAILED';
      delete e.result.raw;
    },
  };
  for (const [name, onExchange] of Object.entries(hooks)) {
    const client = clientFor(emu, 'shouqianba', { onExchange });
    assert.deepEqual(await client.query({ merchantOrderNo }), plain, name);
    const flow = await client.payAndConfirm({ merchantOrderNo: no(`h${name}`), amount: 100, subject: 'Tea', operator: 'alice', authCode: '134567890123456789' }, fast);
    assert.equal(flow.verdict, 'PAID', `${name}: ${flow.message}`);
    assert.equal(flow.result.outcome, 'SUCCEEDED', name);
  }
  assert.throws(() => clientFor(emu, 'shouqianba', { onExchange: 'console.log' }),
    (e) => e instanceof AggpayError && e.code === 'INVALID_CONFIG' && e.field === 'onExchange');
});

test('the backstop: a secret a gateway echoes where no field rule looks is still scrubbed', T, async () => {
  const records = [];
  const { appSecret } = emu.fubei.credentials;
  const pem = emu.lakala.merchant.privateKeyPem;
  const echo = (secret) => async () => new Response(JSON.stringify({ result_code: 500, result_message: `bad secret: ${secret}` }),
    { status: 500, headers: { 'content-type': 'application/json', 'x-echo': JSON.stringify(secret).slice(1, -1) } });
  const fubei = clientFor(emu, 'fubei', { fetch: echo(appSecret), onExchange: (e) => records.push(e) });
  const lakala = clientFor(emu, 'lakala', { fetch: echo(pem), onExchange: (e) => records.push(e) });
  assert.equal((await fubei.query({ merchantOrderNo: no('echo') })).outcome, 'UNKNOWN');
  assert.equal((await lakala.query({ merchantOrderNo: no('echo') })).outcome, 'UNKNOWN');
  assert.equal(records.length, 2);
  for (const r of records) {
    assert.equal(r.response.status, 500);
    assert.match(r.response.body, /bad secret: \[SCRUBBED\]/);
    assert.equal(r.response.headers['x-echo'], '[SCRUBBED]');
  }
  assertNothingLeaks(records, [appSecret, pem], null);
  assert.ok(!JSON.stringify(records).includes(JSON.stringify(pem).slice(1, -1)), 'nor the PEM as JSON escapes it');
});

// ---------------------------------------------------------------- every gateway, every operation, from the registry
//
// The tests above know each gateway; this one knows none. It walks the emulator's conformance descriptions (one per
// gateway of its registry, with every client variant it describes) and runs every operation the client has, with the
// extra input each description gives, through a logging client; then no secret and no signature may be in the log.
// An operation the gateway does not have must be refused before anything is sent (UNSUPPORTED_OPERATION).
// activate / checkin need inputs no description gives: where a gateway has them, a test above must cover them.

/** Every signature a request or answer carried: Authorization's signature part, a `sign` field, *-Signature headers. */
function collectingFetch(signatures) {
  return async (url, init) => {
    const auth = init.headers.authorization ?? init.headers.Authorization;
    if (auth) signatures.add(/signature="([^"]+)"/.exec(auth)?.[1] ?? auth.split(' ').pop());
    const body = String(init.body ?? '');
    let sign;
    try {
      sign = JSON.parse(body)?.sign;
    } catch {
      sign = new URLSearchParams(body).get('sign') ?? undefined;
    }
    if (typeof sign === 'string' && sign.length >= 16) signatures.add(sign);
    const res = await fetch(url, init);
    for (const [k, v] of res.headers) if (k.includes('signature')) signatures.add(v);
    return res;
  };
}

/** The secrets a gateway's description knows: its `secrets`, and every key / secret among its credentials. */
function secretsOf(g) {
  const out = new Set(g.secrets);
  for (const creds of [g.credentials, ...(g.variants ?? []).map((v) => v.credentials ?? {})]) {
    for (const [k, v] of Object.entries(creds)) if (/key|secret/i.test(k) && !/public|cert/i.test(k) && typeof v === 'string') out.add(v);
  }
  return [...out];
}

test('every gateway of the registry, every variant, every operation: no secret or signature in the log', { timeout: 60_000 }, async (t) => {
  const descriptions = emu.conformance();
  assert.ok(descriptions.length > 0);
  const unsupported = new Set();
  for (const g of descriptions) {
    const p = g.provider;
    const variants = [{}, ...(g.variants ?? [])];
    for (const [vi, variant] of variants.entries()) {
      const records = [];
      const signatures = new Set();
      const client = createClient({
        provider: p, baseUrl: `${emu.url}${g.basePath}`, credentials: g.credentials, ...variant,
        fetch: collectingFetch(signatures), onExchange: (e) => records.push(e),
      });
      const tag = `g${vi}`;
      const ops = [];
      /** Runs `op`; an operation this gateway does not have is refused before sending. */
      const run = async (op, input, flow) => {
        try {
          const r = await (flow ? client[op](input, fast) : client[op](input));
          ops.push(...(flow ?? [op]));
          return r;
        } catch (e) {
          assert.ok(e instanceof AggpayError && e.code === 'UNSUPPORTED_OPERATION', `${p} ${op}: ${e.code} ${e.message}`);
          unsupported.add(`${p}:${op}`);
          return null;
        }
      };
      const canPay = Boolean(g.pay && g.barcodes?.success);
      const order = (no, amount = 500) => ({ merchantOrderNo: no, amount, subject: 'Latte' });
      /** A paid order: a barcode pay where the gateway has one, else a QR order its buyer pays. */
      const paid = async (no) => {
        if (canPay) await run('pay', { ...order(no), authCode: g.barcodes.success, ...g.pay });
        else {
          await run('precreate', { ...order(no), ...g.precreate });
          emu[p].buyerPays(no);
        }
      };
      const a = no(`${tag}a`);
      await paid(a);
      await run('query', { merchantOrderNo: a, ...g.query });
      await run('refund', { merchantOrderNo: a, refundNo: `${a}R`, amount: 100, ...g.refund });
      await run('refundQuery', { refundNo: `${a}R`, ...g.query });
      const q = no(`${tag}q`);
      await run('precreate', { ...order(q), ...g.precreate });
      await run('close', { merchantOrderNo: q, ...g.query });
      for (const op of ['cancel', 'revoke']) {
        const r = no(`${tag}${op[0]}`);
        await paid(r);
        await run(op, { merchantOrderNo: r, ...g.query });
      }
      // A gateway the emulator gives no barcode: its client's pay still builds (logged, whatever the answer) or is refused.
      const noBarcode = canPay ? null : await run('pay', { ...order(no(`${tag}n`)), authCode: BARCODE, ...g.pay });
      if (canPay) {
        const f = await run('payAndConfirm', { ...order(no(`${tag}f`), 300), authCode: g.barcodes.success, ...g.pay }, ['pay']);
        assert.equal(f.verdict, 'PAID', `${p}: ${f.message}`);
      }
      const w = no(`${tag}w`);
      await run('precreate', { ...order(w, 300), ...g.precreate });
      emu[p].buyerPays(w);
      const wr = await run('waitForPayment', { merchantOrderNo: w, amount: 300, ...g.query }, ['query']);
      assert.equal(wr.verdict, 'PAID', `${p}: ${wr.message}`);
      for (const op of ['activate', 'checkin']) {
        // Refused before sending where the gateway has no such operation; otherwise a test above covers it.
        try {
          await client[op]({});
        } catch (e) {
          if (e.code === 'UNSUPPORTED_OPERATION') unsupported.add(`${p}:${op}`);
        }
      }

      assertNothingLeaks(records, secretsOf(g), signatures);
      assert.deepEqual(records.map((r) => r.operation), ops, `${p}: one record per exchange`);
      for (const r of records) {
        covered.add(`${p}:${r.operation}`);
        assert.equal(r.result.provider, p);
        assert.equal(r.result.operation, r.operation);
        if (!(noBarcode && r.operation === 'pay')) assert.ok(r.response?.status === 200, `${p} ${r.operation}: ${r.response?.status}`);
      }
    }
  }
  // Coverage: every gateway × every operation is logged and checked somewhere in this file, or is not the gateway's.
  const missing = descriptions.flatMap((g) => OPERATIONS.map((op) => `${g.provider}:${op}`))
    .filter((k) => !covered.has(k) && !unsupported.has(k));
  assert.deepEqual(missing, [], 'operations no test checks for secrets');
  t.diagnostic(`not the gateway's (refused before sending): ${[...unsupported].sort().join(', ')}`);
});
