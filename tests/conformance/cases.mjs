// The conformance cases every runtime runs (Node ESM/CJS/default import, Chromium, workerd, Deno, Bun and the
// mini-program sandbox): the same calls against the emulator over HTTP, using only what every runtime has —
// the `aggpay` module under test and a fetch. No Node APIs here, so any runtime can import this file.
//
//   const report = await runConformance({ aggpay, emulatorUrl, fetch });
//   report.failed.length === 0   // report.passed / report.failed: [{ name, error? }]; report.verifiers: { [provider]: kind }
//
// The gateways come from the emulator (GET /__emulator/conformance, one entry per gateway of its registry:
// the client configuration to use against it, the extra input each operation needs, its magic barcodes, how its
// buyer pays and how its notifications are signed), and every gateway runs the same cases: this file names none.
//
// `fetch` is the transport the runner uses for control routes; the clients use the runtime's default
// transport unless `clientFetch` is given (a mini-program's wx.request adapter, say).

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const PORTABLE = {
  operator: 'op1', subject: 'conformance', description: 'portable fields', storeId: '1001', clientIp: '127.0.0.1',
  notifyUrl: 'http://127.0.0.1:9/notify',
};
// Nothing listens on port 9: the gateway logs the signed notice it tried to deliver.
const NOWHERE = 'http://127.0.0.1:9/notify';

/** The gateways the emulator at `emulatorUrl` describes: [{ provider, basePath, credentials, … }]. */
export async function gateways({ emulatorUrl, fetch: runnerFetch = globalThis.fetch }) {
  const res = await runnerFetch(`${emulatorUrl.replace(/\/$/, '')}/__emulator/conformance`, { method: 'GET' });
  const text = await res.text();
  check(res.status === 200, `GET /__emulator/conformance: HTTP ${res.status} ${text}`);
  return JSON.parse(text);
}

/** The client configuration of gateway `g` against the emulator at `base` (its first variant unless `variant`). */
export const clientConfig = (g, base, variant = {}) => ({
  provider: g.provider, baseUrl: `${base.replace(/\/$/, '')}${g.basePath}`, credentials: g.credentials, ...variant,
});

/** Which signer an RSA gateway's client picks in this runtime on its own ('auto'), or null if none signs with RSA. */
export async function rsaSigner({ aggpay, emulatorUrl, fetch }) {
  const g = (await gateways({ emulatorUrl, fetch })).find((x) => x.signs === 'rsa');
  return g ? aggpay.createClient(clientConfig(g, emulatorUrl)).signer : null;
}

export async function runConformance({ aggpay, emulatorUrl, fetch: runnerFetch = globalThis.fetch, clientFetch, tag = 'rt' }) {
  const base = emulatorUrl.replace(/\/$/, '');
  const control = async (path, body, method = body === undefined ? 'GET' : 'POST') => {
    const res = await runnerFetch(`${base}/__emulator/${path}`, method === 'GET' || method === 'DELETE'
      ? { method }
      : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    check(res.status === 200, `control ${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const unique = `${tag}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  let n = 0;
  const orderNo = (p) => `${p}${unique}${++n}`.slice(0, 32);
  const host = clientFetch ? { fetch: clientFetch } : {};
  // Virtual time for the flows: the clock moves with every sleep, so documented cadences run at once.
  const virtual = () => {
    let t = 1_000_000;
    return { now: () => t, sleep: async (ms) => { t += ms; } };
  };
  const thrown = async (fn) => {
    try {
      await fn();
    } catch (e) {
      return e;
    }
    return null;
  };
  /** A transport that records what would be sent and fails: the outcome is UNKNOWN (NETWORK), nothing is refused. */
  const spy = () => {
    const sent = [];
    return { sent, fetch: async (url) => { sent.push(String(url)); throw new Error('not sent (conformance spy)'); } };
  };
  /** One queued fault of `kind` on gateway `g`'s next query (the emulator's fault queue, consumed by one request). */
  const queryFault = (g, kind) => control('faults', { ...g.queryFault, kind, count: 1 });

  const all = await gateways({ emulatorUrl: base, fetch: runnerFetch });
  check(Array.isArray(all) && all.length > 0, 'the emulator describes its gateways');

  const cases = {
    'money helpers are exact': async () => {
      check(aggpay.yuanToFen('0.29') === 29, 'yuanToFen("0.29")');
      check(aggpay.fenToYuan(980) === '9.80', 'fenToYuan(980)');
    },
    'an unknown provider is INVALID_CONFIG': async () => {
      const cfg = await thrown(() => aggpay.createClient({ provider: 'nope' }));
      check(cfg instanceof aggpay.AggpayError && cfg.code === 'INVALID_CONFIG', `INVALID_CONFIG: ${cfg?.code}`);
    },
  };

  // Which verifier each gateway's client picks here on its own ('auto'; null: no RSA public key), for the runner.
  const verifiers = {};
  // A host verifier that answers something truthy but not `true`: it must never let a signed answer or notice pass.
  const liar = () => 'true';

  for (const g of all) {
    const p = g.provider;
    const client = (extra = {}) => aggpay.createClient({ ...clientConfig(g, base), ...host, ...extra });
    verifiers[p] = client().verifier;
    const canPay = Boolean(g.pay && g.barcodes?.success);
    const buyerPays = (no) => control(`${p}/buyer-pays`, { [g.orderKey]: no });
    /** A paid order of `amount`: a barcode pay where the gateway has one, else a QR order the buyer pays. */
    const paidOrder = async (c, merchantOrderNo, amount, extra = {}) => {
      if (canPay) {
        const pay = await c.pay({ merchantOrderNo, amount, subject: 'conformance', authCode: g.barcodes.success, ...g.pay, ...extra });
        check(pay.outcome === 'SUCCEEDED' && pay.order.state === 'SUCCESS', `pay: ${JSON.stringify(pay.error ?? pay.order)}`);
        return pay;
      }
      const pre = await c.precreate({ merchantOrderNo, amount, subject: 'conformance', ...g.precreate, ...extra });
      check(pre.outcome === 'SUCCEEDED', `precreate: ${JSON.stringify(pre.error ?? pre.order)}`);
      await buyerPays(merchantOrderNo);
      return pre;
    };
    /** An order waiting for its buyer: a barcode the buyer never confirms, or a QR code nobody scans. */
    const pendingOrder = async (c, merchantOrderNo, amount) => {
      const r = canPay && g.barcodes.stuck
        ? await c.pay({ merchantOrderNo, amount, subject: 'conformance', authCode: g.barcodes.stuck, ...g.pay })
        : await c.precreate({ merchantOrderNo, amount, subject: 'conformance', ...g.precreate });
      check(r.outcome !== 'FAILED', `order: ${JSON.stringify(r.error)}`);
      return r;
    };
    const seen = []; // every result and error of this gateway's cases, for the secrets check
    const keep = (x) => {
      seen.push(x instanceof Error ? `${x.message} ${JSON.stringify(x)}` : JSON.stringify(x));
      return x;
    };

    cases[`${p}: ${canPay ? 'pay' : 'precreate, the buyer pays'} → query → refund, over HTTP through the built package`] = async () => {
      const c = client();
      const merchantOrderNo = orderNo('P');
      keep(await paidOrder(c, merchantOrderNo, 1234));
      const q = keep(await c.query({ merchantOrderNo, ...g.query }));
      check(q.outcome === 'SUCCEEDED' && q.order.state === 'SUCCESS', `query: ${JSON.stringify(q.error ?? q.order)}`);
      check(q.order.amounts.total === 1234, `amount ${q.order.amounts.total}`);
      const refundNo = `R${unique}${n}`.slice(0, 32);
      let r = keep(await c.refund({ merchantOrderNo, refundNo, amount: 234, ...g.refund }));
      if (r.outcome === 'IN_PROGRESS' && r.next === 'POLL') r = keep(await c.refundQuery({ refundNo, ...g.query })); // accepted, under way
      check(r.outcome === 'SUCCEEDED' && r.refund.state === 'SUCCESS', `refund query: ${JSON.stringify(r.error ?? r.refund)}`);
      const after = keep(await c.query({ merchantOrderNo, ...g.query }));
      // The order itself: partly refunded, or still paid where the gateway reports refunds apart from the order.
      check(['PARTIALLY_REFUNDED', 'SUCCESS'].includes(after.order?.state), `after refund: ${JSON.stringify(after.error ?? after.order)}`);
    };

    if (g.signs === 'rsa') {
      cases[`${p}: the signed request verifies at the gateway; a wrong signature is refused there`] = async () => {
        const c = client();
        check(['node', 'webcrypto', 'wasm'].includes(c.signer), `signer ${c.signer}`);
        const merchantOrderNo = orderNo('S');
        await paidOrder(c, merchantOrderNo, 321);
        const q = keep(await c.query({ merchantOrderNo, ...g.query }));
        check(q.outcome === 'SUCCEEDED' && q.order.amounts.total === 321, `query (${c.signer}): ${JSON.stringify(q.error ?? q.order)}`);
        if (c.verifier !== null) {
          // The signed answer, verified by the verifier in use and by the Rust one: the same result; a liar's UNKNOWN.
          check(['node', 'webcrypto', 'wasm'].includes(c.verifier), `verifier ${c.verifier}`);
          const rust = await client({ verifier: 'wasm' }).query({ merchantOrderNo, ...g.query });
          // A second query, so a second answer: its raw body may differ (a gateway's response time), the reading not.
          const reading = ({ raw, ...r }) => JSON.stringify(r);
          check(reading(rust) === reading(q), `verifier ${c.verifier} and wasm disagree: ${reading(rust)} vs ${reading(q)}`);
          const lied = keep(await client({ verifier: liar }).query({ merchantOrderNo, ...g.query }));
          check(lied.outcome === 'UNKNOWN' && lied.error?.code === 'RESPONSE_SIGNATURE_INVALID', `a verifier answering 'true' passed: ${lied.outcome}`);
        }
        const bad = client({ signer: async (bytes) => new Uint8Array(256).fill(bytes.length % 251) });
        const refused = keep(await bad.query({ merchantOrderNo, ...g.query }));
        check(refused.outcome !== 'SUCCEEDED', 'a wrong signature must not be accepted by the gateway');
      };
    }

    if (canPay && g.barcodes.paying) {
      cases[`${p}: payAndConfirm ends PAID for exactly the asked amount (buyer confirming on the phone)`] = async () => {
        const c = client();
        const { now, sleep } = virtual();
        const out = await c.payAndConfirm({ merchantOrderNo: orderNo('F'), amount: 990, subject: 'conformance', authCode: g.barcodes.paying, ...g.pay },
          { now, sleep });
        check(out.verdict === 'PAID', `verdict ${out.verdict}: ${out.message}`);
        check(out.result.order.amounts.total === 990, 'paid amount');
      };
    }

    cases[`${p}: a non-200 answer is UNKNOWN`] = async () => {
      const c = client();
      const merchantOrderNo = orderNo('H');
      await paidOrder(c, merchantOrderNo, 500);
      await queryFault(g, 'http500');
      const q = keep(await c.query({ merchantOrderNo, ...g.query }));
      check(q.outcome === 'UNKNOWN', `HTTP 500 answered ${q.outcome}: ${JSON.stringify(q.error)}`);
    };

    cases[`${p}: an answer about another order is UNKNOWN`] = async () => {
      const c = client();
      const a = orderNo('A');
      const b = orderNo('B');
      await pendingOrder(c, a, 700);
      await paidOrder(c, b, 800);
      // The emulator's `other-order` fault answers B's query with the newest earlier query answer that says
      // something else: A's, just given (A waits for its buyer, B is paid).
      const genuine = await c.query({ merchantOrderNo: a, ...g.query });
      check(genuine.outcome !== 'FAILED' && genuine.order?.state !== 'SUCCESS', `query ${a}: ${genuine.outcome} ${genuine.order?.state}`);
      await queryFault(g, 'other-order');
      const q = keep(await c.query({ merchantOrderNo: b, ...g.query }));
      check(q.outcome === 'UNKNOWN', `an answer about ${a} for ${b} gave ${q.outcome} ${JSON.stringify(q.order ?? q.error)}`);
    };

    cases[`${p}: a duplicate order number is UNKNOWN and POLL, never FAILED`] = async () => {
      const c = client();
      const merchantOrderNo = orderNo('D');
      await paidOrder(c, merchantOrderNo, 600);
      const again = keep(canPay
        ? await c.pay({ merchantOrderNo, amount: 601, subject: 'conformance', authCode: g.barcodes.success, ...g.pay })
        : await c.precreate({ merchantOrderNo, amount: 601, subject: 'conformance', ...g.precreate }));
      check(again.outcome === 'UNKNOWN' && again.next === 'POLL',
        `a reused order number gave ${again.outcome} / ${again.next}: ${JSON.stringify(again.error)}`);
    };

    cases[`${p}: a field with no meaning is refused naming it (authCode on a query, amount on a close)`] = async () => {
      const s = spy();
      const c = client({ fetch: s.fetch });
      const merchantOrderNo = orderNo('V');
      const onQuery = keep(await thrown(() => c.query({ merchantOrderNo, authCode: '130000000000000001', ...g.query })));
      check(onQuery instanceof aggpay.AggpayError && onQuery.code === 'INVALID_INPUT' && onQuery.field === 'authCode',
        `authCode on a query: ${onQuery ? `${onQuery.code} ${onQuery.field}` : 'accepted'}`);
      const onClose = keep(await thrown(() => c.close({ merchantOrderNo, amount: 100, ...g.query })));
      const unsupported = onClose?.code === 'UNSUPPORTED_OPERATION'; // a gateway without close refuses it whole
      check(onClose instanceof aggpay.AggpayError && (unsupported || (onClose.code === 'INVALID_INPUT' && onClose.field === 'amount')),
        `amount on a close: ${onClose ? `${onClose.code} ${onClose.field}` : 'accepted'}`);
      check(s.sent.length === 0, `nothing is sent (${s.sent.length} sent)`);
    };

    cases[`${p}: the portable fields are accepted (${Object.keys(PORTABLE).join(', ')})`] = async () => {
      const s = spy();
      const c = client({ fetch: s.fetch });
      const merchantOrderNo = orderNo('W');
      const inputs = [
        ['query', { merchantOrderNo, ...g.query, ...PORTABLE }],
        ['refund', { merchantOrderNo, refundNo: `R${unique}`.slice(0, 32), amount: 1, ...g.refund, ...PORTABLE }],
        canPay ? ['pay', { merchantOrderNo, amount: 1, authCode: g.barcodes.success, ...g.pay, ...PORTABLE }]
          : ['precreate', { merchantOrderNo, amount: 1, ...g.precreate, ...PORTABLE }],
      ];
      for (const [op, input] of inputs) {
        const before = s.sent.length;
        const e = keep(await thrown(() => c[op](input)));
        check(!e, `${op} refused a portable field: ${e?.code} ${e?.field} ${e?.message}`);
        check(s.sent.length > before, `${op} was sent`);
      }
    };

    cases[`${p}: a notification that is not genuine is refused with a reason`] = async () => {
      const c = client();
      const merchantOrderNo = orderNo('N');
      const amount = 880;
      const pre = canPay && !g.precreate
        ? await c.pay({ merchantOrderNo, amount, subject: 'conformance', authCode: g.barcodes.stuck, notifyUrl: NOWHERE, ...g.pay })
        : await c.precreate({ merchantOrderNo, amount, subject: 'conformance', notifyUrl: NOWHERE, ...g.precreate });
      check(pre.outcome !== 'FAILED', `order: ${JSON.stringify(pre.error)}`);
      await buyerPays(merchantOrderNo);
      let notice;
      for (let i = 0; i < 100 && !notice; i++) {
        notice = (await control(`${p}/notifications`)).find((e) => e[g.orderKey] === merchantOrderNo);
        if (!notice) await new Promise((r) => setTimeout(r, 20));
      }
      check(notice, 'the gateway sent a notification');
      const headers = Object.fromEntries(g.notification.headers.filter((k) => notice[k] !== undefined).map((k) => [k, notice[k]]));
      if (g.notification.signed) {
        const v = keep(await c.verifyNotification({ headers, body: notice.body }, { merchantOrderNo, amount }));
        check(v.order.state === 'SUCCESS' && v.ack, `verified: ${JSON.stringify(v.order)}`);
        if (c.verifier !== null) {
          // RSA-signed: the Rust verifier gives the same notification; a verifier answering 'true' is refused.
          const rust = await client({ verifier: 'wasm' }).verifyNotification({ headers, body: notice.body }, { merchantOrderNo, amount });
          check(JSON.stringify(rust) === JSON.stringify(v), `verifier ${c.verifier} and wasm disagree on the notification`);
          const lied = keep(await thrown(() => client({ verifier: liar }).verifyNotification({ headers, body: notice.body })));
          check(lied?.code === 'NOTIFICATION_INVALID' && lied.reason === 'BAD_SIGNATURE', `a verifier answering 'true' passed: ${lied?.code} ${lied?.reason}`);
        }
      }
      if (!g.notification.signed) {
        // Unsigned (no published signature): refused unless the client reads such notices; then read, never vouched
        // for, and only the merchant's own order refuses a notice about another one (the body may not name the order
        // in clear: Base64 data).
        const unread = keep(await thrown(() => c.verifyNotification({ headers, body: notice.body }, { merchantOrderNo, amount })));
        check(unread?.code === 'NOTIFICATION_INVALID' && unread.reason === 'UNVERIFIABLE', `unsigned, not asked to read: ${unread?.code} ${unread?.reason}`);
        const reader = client(g.notification.readUnsigned);
        const v = keep(await reader.verifyNotification({ headers, body: notice.body }, { merchantOrderNo, amount }));
        check(v.verified === false && v.order.state === 'SUCCESS', `read unverified: ${JSON.stringify(v.order)} ${v.verified}`);
        const other = keep(await thrown(() => reader.verifyNotification({ headers, body: notice.body }, { merchantOrderNo: orderNo('N'), amount })));
        check(other?.code === 'NOTIFICATION_INVALID' && other.reason === 'WRONG_ORDER', `another order: ${other?.code} ${other?.reason}`);
        return;
      }
      // The same notice about another order: its signature no longer matches.
      const last = merchantOrderNo.slice(-1) === 'X' ? 'Y' : 'X';
      const tampered = notice.body.split(merchantOrderNo).join(`${merchantOrderNo.slice(0, -1)}${last}`);
      check(tampered !== notice.body, 'the notice names the order');
      const refused = keep(await thrown(() => c.verifyNotification({ headers, body: tampered })));
      check(refused instanceof aggpay.AggpayError, `a tampered notice is refused: ${refused}`);
      if (g.notification.signed) {
        check(refused.code === 'NOTIFICATION_INVALID' && typeof refused.reason === 'string' && refused.reason.length > 0,
          `refused with a reason: ${refused.code} ${refused.reason}`);
      } else {
        check(typeof refused.code === 'string' && refused.code.length > 0, 'refused with a code');
      }
    };

    cases[`${p}: raw answers and errors never contain a credential secret`] = async () => {
      const c = client();
      const merchantOrderNo = orderNo('K');
      keep(await paidOrder(c, merchantOrderNo, 300));
      await queryFault(g, 'http500');
      keep(await c.query({ merchantOrderNo, ...g.query }));
      keep(await c.query({ merchantOrderNo: orderNo('K'), ...g.query })); // not found
      keep(await thrown(() => c.query({ merchantOrderNo: '', ...g.query })));
      keep(await thrown(() => aggpay.createClient({ ...clientConfig(g, base), credentials: { ...g.credentials, unexpected: g.secrets[0] } })));
      check(g.secrets.length > 0 && g.secrets.every((x) => typeof x === 'string' && x.length >= 8), 'the emulator names the secrets');
      const leaks = g.secrets.filter((secret) => seen.some((text) => text.includes(secret)));
      check(leaks.length === 0, `a secret appears in ${seen.filter((t) => leaks.some((x) => t.includes(x))).map((t) => t.slice(0, 200)).join(' | ')}`);
      check(seen.length >= 5, `${seen.length} results and errors looked at`);
    };
  }

  cases['bad input is the same AggpayError before anything is sent'] = async () => {
    const g = all[0];
    const s = spy();
    const c = aggpay.createClient({ ...clientConfig(g, base), fetch: s.fetch });
    const e = await thrown(() => c.query({ merchantOrderNo: '', ...g.query }));
    check(e instanceof aggpay.AggpayError && e instanceof Error, 'an AggpayError');
    check(e.code === 'INVALID_INPUT' && e.field === 'merchantOrderNo', `${e?.code} ${e?.field}`);
    const neg = await thrown(() => c.refund({ merchantOrderNo: orderNo('B'), refundNo: 'R1', amount: -1, ...g.refund }));
    check(neg instanceof aggpay.AggpayError && neg.code === 'INVALID_INPUT' && neg.field === 'amount', `${neg?.code} ${neg?.field}`);
    check(s.sent.length === 0, 'nothing was sent');
  };

  const report = { passed: [], failed: [], verifiers };
  for (const [name, run] of Object.entries(cases)) {
    try {
      await run();
      report.passed.push({ name });
    } catch (e) {
      report.failed.push({ name, error: String(e?.stack ?? e) });
    }
  }
  return report;
}
