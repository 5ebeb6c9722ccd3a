// The cashier page: asks the merchant server for an order and shows its live status, polling the merchant server
// until the order is PAID (or otherwise final). Outside a wallet it draws the order's QR code (the `qrcode`
// package); inside WeChat or Alipay it asks for a JSAPI order for this buyer and opens the wallet's pay sheet
// with the order's payParams. It holds no secret and talks to no gateway: everything goes through the merchant
// server's /api (the page's Content-Security-Policy lets it talk to nothing else). Bundled by serve.mjs.
import QRCode from 'qrcode';

const $ = (id) => document.getElementById(id);
const FINAL = new Set(['PAID', 'CLOSED', 'FAILED', 'REFUNDED', 'PARTIALLY_REFUNDED']);
const TEXT = { WAITING: 'WAITING — scan to pay', PAID: 'PAID', CLOSED: 'CLOSED — not paid', FAILED: 'FAILED — not paid' };
// ?poll=<ms> sets the polling interval (the tests poll fast); 1 s by default.
const pollMs = Math.max(100, Number(new URLSearchParams(location.search).get('poll')) || 1000);
let current = 0; // a new order stops the polling of the previous one

// Inside a wallet the page is a JSAPI cashier. `payer` is the buyer's openid / Alipay user id, which your
// server's OAuth step (WeChat snsapi_base, Alipay auth_base) puts in the page's URL before the buyer lands here.
const ua = navigator.userAgent;
const wallet = /MicroMessenger/i.test(ua) ? 'WECHAT' : /AlipayClient/i.test(ua) ? 'ALIPAY' : undefined;
const payerId = new URLSearchParams(location.search).get('payer') ?? undefined;

// Inside a wallet the buyer pays on this phone: the button opens the wallet's pay sheet, not a QR code.
if (wallet) $('create').textContent = 'Pay';

/** Opens the wallet's own pay sheet. Its answer only says what the buyer did on screen, never that money moved. */
function payInWallet(params) {
  if (wallet === 'WECHAT') {
    const invoke = () => window.WeixinJSBridge.invoke('getBrandWCPayRequest', params, (res) => done(res?.err_msg));
    let done;
    return new Promise((resolve) => {
      done = resolve;
      if (window.WeixinJSBridge) invoke();
      else document.addEventListener('WeixinJSBridgeReady', invoke, { once: true });
    });
  }
  return new Promise((resolve) => {
    const call = () => window.AlipayJSBridge.call('tradePay', params, (res) => resolve(res?.resultCode));
    if (window.AlipayJSBridge) call();
    else document.addEventListener('AlipayJSBridgeReady', call, { once: true });
  });
}

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
      body: JSON.stringify({ amount: $('amount').value.trim(), subject: $('subject').value, wallet, payerId }),
    });
    if (order.payParams) {
      $('qr').hidden = true;
      payInWallet(order.payParams).then((said) => {
        // "cancel" or "fail" on screen: the order stays open until it is paid or closed; the status says which.
        if (generation === current && said && !/:ok$|^9000$/.test(said)) $('note').textContent = `the wallet said ${said}`;
      });
    } else {
      $('qr').hidden = false;
      await QRCode.toCanvas($('qr'), order.qrCode, { width: 256, margin: 2, errorCorrectionLevel: 'M' });
    }
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
