// What every provider module shares: the test-control routes (/__emulator/<provider>/…: buyer-pays,
// notify, orders[/<id>], notifications, credentials, clock) and the POST that delivers a notification.
// A module passes how a body names an order, its own extra routes, and its own signed headers.

/** A control request the emulator refuses, with the HTTP status to answer. */
export class ControlError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * Answers a control request, or null when no route matches.
 * - `idOf(body)`: the order a JSON body names (throw ControlError 400 when it names none).
 * - `extra(method, subpath, body)`: the module's own routes; return undefined to fall through.
 * - `noun`: what a missing order is called in the 404 ("order", "trade").
 */
export async function controlRoutes(req, controller, { idOf, extra, noun = 'order' }) {
  const { method, subpath } = req;
  const body = () => {
    try {
      const v = JSON.parse(req.body.toString('utf8'));
      if (v && typeof v === 'object' && !Array.isArray(v)) return v;
    } catch { /* fall through */ }
    throw new ControlError(400, 'body must be a JSON object');
  };
  try {
    const own = extra ? await extra(method, subpath, body) : undefined;
    if (own !== undefined) return own;
    if (method === 'POST' && subpath === 'buyer-pays') return { json: controller.buyerPays(idOf(body())) };
    if (method === 'POST' && subpath === 'notify') {
      const b = body();
      if (b.url !== undefined && typeof b.url !== 'string') throw new ControlError(400, 'url must be a string');
      return { json: await controller.sendNotification(idOf(b), b.url) };
    }
    if (method === 'GET' && subpath === 'orders') return { json: controller.orders() };
    if (method === 'GET' && subpath.startsWith('orders/')) {
      let key;
      try { key = decodeURIComponent(subpath.slice('orders/'.length)); } catch { key = ''; }
      const entry = controller.order(key);
      return entry ? { json: entry } : { status: 404, json: { error: `no ${noun} ${key}` } };
    }
    if (method === 'GET' && subpath === 'notifications') return { json: controller.notifications };
    if (method === 'GET' && subpath === 'credentials') return { json: controller.credentials };
    if (subpath === 'clock' && controller.setNow) {
      if (method === 'POST') {
        const { now: value } = body();
        if (value !== null && !Number.isFinite(value)) throw new ControlError(400, 'now must be epoch ms or null');
        controller.setNow(value);
      }
      if (method === 'POST' || method === 'GET') return { json: { now: controller.now() } };
    }
    return null;
  } catch (err) {
    if (err instanceof ControlError) return { status: err.status, json: { error: err.message } };
    throw err;
  }
}

/** POSTs a notification and records the merchant's answer on `entry` (status, reply, or error). */
export async function postNotification(entry, url, headers, body, signal) {
  try {
    const res = await fetch(url, { method: 'POST', headers, body, signal });
    entry.status = res.status;
    entry.reply = (await res.text()).slice(0, 2000);
  } catch (err) {
    entry.error = err.cause?.message ?? err.message;
  }
  return entry;
}
