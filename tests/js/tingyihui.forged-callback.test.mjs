// A forged Tingyihui callback (nothing anyone can check signs them; the order number and amount are known to any
// buyer) is refused as UNVERIFIABLE unless the client reads unsigned callbacks, and then it says verified: false;
// the node-merchant example never records one as the order's state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../../js-examples/emulator/index.mjs';
import { clientFor } from './kit.mjs';

const forged = (merchantOrderNo, amount) => Buffer.from(JSON.stringify({
  access_id: 'x', sign: 'AAAA', sign_type: 'RSA2', time_stamp: Date.now(),
  data: Buffer.from(JSON.stringify({ ownerTradeNo: merchantOrderNo, osTradeNo: 'forged', tradeStatus: 'SUCCESS',
    orderFee: amount, paymentFee: amount, payTime: Date.now() })).toString('base64') }));

test('library: a forged Tingyihui callback is refused unless the client reads unsigned ones, then says verified: false', async () => {
  const emu = await startEmulator({ port: 0 });
  try {
    const notice = { headers: { 'content-type': 'application/json' }, body: forged('A1002', 2580) };
    const expect = { merchantOrderNo: 'A1002', amount: 2580 };
    await assert.rejects(clientFor(emu, 'tingyihui').verifyNotification(notice, expect),
      (e) => e.code === 'NOTIFICATION_INVALID' && e.reason === 'UNVERIFIABLE');
    const n = await clientFor(emu, 'tingyihui', { readUnsignedCallbacks: true }).verifyNotification(notice, expect);
    assert.equal(n.verified, false, 'read, never vouched for');
  } finally {
    await emu.close();
  }
});

test('node-merchant example: a forged Tingyihui callback is recorded as notified SUCCESS', { timeout: 30_000 }, async () => {
  const server = fileURLToPath(new URL('../../js-examples/node-merchant/server.mjs', import.meta.url));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SHOUQIANBA|FUBEI|LAKALA|TINGYIHUI)_|^PUBLIC_URL$/.test(k)));
  const child = spawn(process.execPath, [server, '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    const self = await new Promise((resolve) => { const on = (d) => { out += d; const m = out.match(/listening on (http:\/\/[\d.]+:\d+)/); if (m) resolve(m[1]); }; child.stdout.on('data', on); child.stderr.on('data', on); });
    const made = await (await fetch(`${self}/orders`, { method: 'POST', body: JSON.stringify({ provider: 'tingyihui', amount: 1999, subject: 'Coffee' }) })).json();
    const no = made.merchantOrderNo;
    const res = await fetch(`${self}/notify/tingyihui?order=${no}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: forged(no, 1999) });
    const ack = await res.text();
    const view = await (await fetch(`${self}/orders/${no}?provider=tingyihui`)).json();
    assert.notEqual(res.status, 200, `refused, not acked: ${ack}`);
    assert.notEqual(view.notified?.state, 'SUCCESS', 'a forged unsigned callback must not be recorded as SUCCESS');
  } finally { child.kill('SIGTERM'); }
});
