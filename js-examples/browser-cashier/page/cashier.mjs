// The cashier page: asks the merchant server for a QR order, draws the QR code (the `qrcode` package) and shows
// the order's live status, polling the merchant server until the order is PAID (or otherwise final). It holds no
// secret and talks to no gateway: everything goes through the merchant server's /api (the page's
// Content-Security-Policy lets it talk to nothing else). Bundled by serve.mjs with esbuild.
import QRCode from 'qrcode';

const $ = (id) => document.getElementById(id);
const FINAL = new Set(['PAID', 'CLOSED', 'FAILED', 'REFUNDED', 'PARTIALLY_REFUNDED']);
const TEXT = { WAITING: 'WAITING — scan to pay', PAID: 'PAID', CLOSED: 'CLOSED — not paid', FAILED: 'FAILED — not paid' };
// ?poll=<ms> sets the polling interval (the tests poll fast); 1 s by default.
const pollMs = Math.max(100, Number(new URLSearchParams(location.search).get('poll')) || 1000);
let current = 0; // a new order stops the polling of the previous one

function setStatus(state, note = '') {
  $('status').dataset.state = state;
  $('status').textContent = TEXT[state] ?? state;
  $('note').textContent = note;
}

async function api(path, init) {
  const res = await fetch(path, init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

async function poll(order, generation) {
  for (;;) {
    await new Promise((r) => setTimeout(r, pollMs));
    if (generation !== current) return;
    try {
      const status = await api(`/api/orders/${encodeURIComponent(order.merchantOrderNo)}`);
      if (generation !== current) return;
      setStatus(status.state);
      if (FINAL.has(status.state)) return;
    } catch (e) {
      // The merchant server is unreachable for now: keep the last state on screen and keep asking.
      if (generation === current) $('note').textContent = `status unavailable (${e.message}); retrying…`;
    }
  }
}

$('new-order').addEventListener('submit', async (event) => {
  event.preventDefault();
  const generation = ++current;
  $('create').disabled = true;
  $('note').textContent = '';
  try {
    const order = await api('/api/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: $('amount').value.trim(), subject: $('subject').value }),
    });
    await QRCode.toCanvas($('qr'), order.qrCode, { width: 256, margin: 2, errorCorrectionLevel: 'M' });
    $('total').textContent = `¥${order.amountYuan}`;
    $('order-no').textContent = order.merchantOrderNo;
    $('order').dataset.orderNo = order.merchantOrderNo;
    $('order').hidden = false;
    setStatus(order.state);
    if (!FINAL.has(order.state)) poll(order, generation);
  } catch (e) {
    $('note').textContent = `Could not create the order: ${e.message}`;
  } finally {
    $('create').disabled = false;
  }
});
