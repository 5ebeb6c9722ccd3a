// This device's till: its own Shouqianba terminal (terminal_sn + terminal_key), kept in the mini-program's
// storage. A till may hold its own per-device terminal key — that is how Shouqianba terminals work: the key
// signs this terminal's requests only, and a daily check-in rotates it. Provision it from your merchant
// server, which activates the terminal with the vendor key. Never ship vendor keys, RSA merchant private
// keys (Lakala, Tingyihui) or app secrets (Fubei) in a mini-program: anyone can unpack one.
const KEY = 'aggpay.till';

function provisioned() {
  const t = wx.getStorageSync(KEY);
  return Boolean(t && t.terminalSn && t.terminalKey && t.baseUrl);
}

function load() {
  if (!provisioned()) throw new Error('this till has no terminal yet: provision it from the merchant server');
  return wx.getStorageSync(KEY);
}

function save(t) {
  wx.setStorageSync(KEY, t);
}

// Check in once a day: Shouqianba rotates the terminal key; the client adopts the new one at once and
// the till keeps it. A failed check-in keeps the old key (try again with the next sale).
async function checkinIfDue(client, t) {
  const today = new Date().toISOString().slice(0, 10);
  if (t.checkedIn === today) return;
  const r = await client.checkin({ deviceId: t.deviceId });
  if (r.outcome === 'SUCCEEDED' && r.credentials) {
    save(Object.assign({}, t, r.credentials, { checkedIn: today }));
  }
}

// Unique per till and sale: the terminal number's tail, the time, a counter.
let seq = 0;
function orderNo(t) {
  seq += 1;
  return `MP${t.terminalSn.slice(-6)}${Date.now().toString(36)}${seq.toString(36)}`.toUpperCase().slice(0, 32);
}

module.exports = { provisioned, load, save, checkinIfDue, orderNo };
