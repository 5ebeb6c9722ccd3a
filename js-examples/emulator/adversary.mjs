// What a hostile or broken world does to a client: the adversarial fault kinds (index.mjs applies them):
//
//   late            the request is held, unanswered, and processed `ms` later (after the client gave up)
//   replay          an earlier genuine answer (bytes and signature headers) given for another order; not processed
//   other-order     processed, but answered with a freshly signed answer of the same operation about another order
//   contradict      an answer whose result code and order state disagree (the state tells the truth)
//   foreign-notify  processed, then a genuinely signed notice for another merchant, carrying this order number,
//                   is POSTed to this request's notify URL
//
// This file is the same for every gateway: what a request is, how an answer is made to contradict itself, how
// another merchant's notice is written and how an answer is signed afresh are each gateway's own `adversary`
// hooks (see registry.mjs), which know the wire format and hold the platform keys. The helpers below are shared.

/** Operations that change the gateway's state: the `late` fault applies to these. */
export const MUTATING = new Set(['pay', 'precreate', 'refund', 'reverse', 'close']);

/** The amount (fen) a forged notice carries: the fraudster paid 0.01 yuan into their own account. */
export const FORGED_AMOUNT = 1;

/** A JSON object from text, or null when it is not one. */
export const jsonOf = (text) => {
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
};

/** A response as the exact bytes and headers sent: { status, headers, raw: { type, body } }. */
export function freeze(r) {
  if (r.raw) return { status: r.status ?? 200, headers: { ...r.headers }, raw: { ...r.raw } };
  let type = 'text/plain; charset=utf-8';
  let body = r.text ?? '';
  if (r.json !== undefined) { type = 'application/json; charset=utf-8'; body = JSON.stringify(r.json); }
  else if (r.jsonText !== undefined) { type = 'application/json; charset=utf-8'; body = r.jsonText; }
  else if (r.html !== undefined) { type = 'text/html; charset=utf-8'; body = r.html; }
  return { status: r.status ?? 200, headers: { ...r.headers }, raw: { type, body } };
}

export const JSON_TYPE = 'application/json; charset=utf-8';
const STATE_KEYS = new Set(['result_code', 'code', 'sub_code', 'error_code', 'order_status', 'trade_state', 'tradeStatus', 'status']);

/** What an answer says, in a few words (its codes and states): used to pick a replacement that says otherwise. */
export function gist(frozen) {
  const parts = [];
  const walk = (v, depth) => {
    if (!v || typeof v !== 'object' || depth > 3) return;
    for (const [k, x] of Object.entries(v)) {
      if (STATE_KEYS.has(k) && (typeof x === 'string' || typeof x === 'number')) parts.push(`${k}=${x}`);
      else walk(x, depth + 1);
    }
  };
  walk(jsonOf(frozen.raw.body), 0);
  return `${frozen.status} ${parts.join(' ')}`;
}

/**
 * The adversary over the registered gateways. `gateways` = { name → gateway }; each may offer `adversary` =
 * { operation(req), contradictPay?(frozen, req), contradictUnprocessed?(req, info), forgeNotice?(info), refresh?(frozen) }.
 */
export function createAdversary({ gateways }) {
  const hooks = (name) => gateways[name]?.adversary ?? {};

  /** { op, orderNo?, notifyUrl?, forgeable } for a gateway request (op null when it is not an order operation). */
  function describe(gateway, req) {
    let op = null;
    let notifyUrl;
    let forgeable = true;
    try {
      const d = gateway.adversary?.operation(req) ?? {};
      op = d.op ?? null;
      notifyUrl = d.notifyUrl;
      if (d.forgeable !== undefined) forgeable = d.forgeable;
    } catch { /* a malformed request: the gateway will refuse it */ }
    let orderNo;
    try { orderNo = gateway.orderNo?.(req); } catch { /* best effort */ }
    return { op, ...(orderNo !== undefined && { orderNo }), ...(typeof notifyUrl === 'string' && { notifyUrl }), forgeable };
  }

  /** The same answer signed afresh (a new timestamp and nonce), as if the gateway had just given it. */
  const refresh = (name, frozen) => hooks(name).refresh?.(frozen) ?? freeze(frozen);

  /** Whether `contradict` can act on this request (known before it is processed). */
  function canContradict(name, info, req) {
    if (info.op === 'pay') return typeof hooks(name).contradictPay === 'function';
    if (info.op === 'reverse' || info.op === 'close') return hooks(name).contradictUnprocessed?.(req, info) != null;
    return false;
  }

  /** `contradict` before processing: the answer that replaces processing a reversal/close, or null. */
  const contradictUnprocessed = (name, req, info) =>
    (info.op === 'reverse' || info.op === 'close' ? hooks(name).contradictUnprocessed?.(req, info) ?? null : null);

  /** `contradict` after processing a pay: the rewritten answer, or null. */
  const contradictProcessed = (name, frozen, req, info) =>
    (info.op === 'pay' ? hooks(name).contradictPay?.(frozen, req) ?? null : null);

  /** Whether a notice for another merchant would verify with this request's order's key. */
  const canForge = (name, info) => Boolean(info.notifyUrl && (info.op === 'pay' || info.op === 'precreate')
    && info.orderNo !== undefined && info.forgeable && typeof hooks(name).forgeNotice === 'function');

  /** { url, headers, body } of a notice for another merchant that carries `info.orderNo` and says it was paid. */
  const forgeNotice = (name, info) => (canForge(name, info) ? hooks(name).forgeNotice(info) : null);

  return { describe, refresh, canContradict, contradictUnprocessed, contradictProcessed, canForge, forgeNotice };
}
