// The WAP cashier's return URL, end to end over real HTTP: the built package against the Shouqianba emulator,
// whose cashier appends the page-return parameters of wap2.md (页面同步跳转参数说明), signed by its 《签名规则》.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggpayError } from 'aggpay';
import { clientFor, useEmulator } from './kit.mjs';

const T = { timeout: 10_000 };
const emu = useEmulator();

let seq = 0;
const no = (tag) => `${tag}-${process.pid}-${++seq}`;
const client = () => clientFor(emu, 'shouqianba', { wapBaseUrl: `${emu.url}/gateway` });

/** The buyer opens the cashier, pays, and is sent back: the URL the merchant's return page receives. */
async function payAtCashier(c, merchantOrderNo, returnUrl = 'https://shop.example/done?o=1') {
  const page = await fetch(c.wapPayUrl({ merchantOrderNo, amount: 1250, subject: '咖啡 & 蛋糕', operator: 'op', returnUrl }));
  assert.equal(page.status, 200, await page.text());
  const { sn } = emu.shouqianba.order(merchantOrderNo);
  const res = await fetch(`${emu.url}/__emulator/shouqianba/wap-pay`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sn }),
  });
  assert.equal(res.status, 200);
  return (await res.json()).return_url;
}

const refusal = (fn) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AggpayError, String(e));
    return e;
  }
  assert.fail('it was accepted');
};

test('a genuine return URL reads as the order it names, verified and advisory; query confirms it', T, async () => {
  const c = client();
  const merchantOrderNo = no('ret');
  const back = await payAtCashier(c, merchantOrderNo);
  assert.ok(back.startsWith('https://shop.example/done?o=1&'), back);
  for (const given of [back, new URL(back), new URL(back).search, new URL(back).search.slice(1)]) {
    const r = c.verifyReturn(given);
    assert.equal(r.verified, true);
    assert.equal(r.order.state, 'SUCCESS');
    assert.equal(r.order.final, false, 'the page is advisory: never final');
    assert.equal(r.order.merchantOrderNo, merchantOrderNo);
    assert.equal(r.order.amounts.total, 1250);
    assert.equal(r.raw.subject, '咖啡 & 蛋糕');
  }
  const q = await c.query({ merchantOrderNo });
  assert.equal(q.order.state, 'SUCCESS');
});

test('an altered, unsigned or foreign return URL is refused', T, async () => {
  const c = client();
  const back = new URL(await payAtCashier(c, no('ret-bad')));
  const altered = new URL(back);
  altered.searchParams.set('total_amount', '1');
  let e = refusal(() => c.verifyReturn(altered));
  assert.deepEqual([e.code, e.reason], ['NOTIFICATION_INVALID', 'BAD_SIGNATURE']);
  const unsigned = new URL(back);
  unsigned.searchParams.delete('sign');
  e = refusal(() => c.verifyReturn(unsigned));
  assert.deepEqual([e.code, e.reason], ['NOTIFICATION_INVALID', 'MISSING_SIGNATURE']);
  // Another terminal's key: the emulator's terminal, but the client holds another key.
  const { terminalSn } = emu.shouqianba.credentials;
  const other = clientFor(emu, 'shouqianba', { credentials: { terminalSn, terminalKey: '0'.repeat(32) } });
  e = refusal(() => other.verifyReturn(back));
  assert.equal(e.reason, 'BAD_SIGNATURE');
  e = refusal(() => c.verifyReturn(42));
  assert.equal(e.code, 'INVALID_INPUT');
  // A gateway without a signed return URL.
  e = refusal(() => clientFor(emu, 'fubei').verifyReturn(back));
  assert.equal(e.code, 'UNSUPPORTED_OPERATION');
});

test('a page that saw no payment says nothing about the money (UNKNOWN, never FAILED)', T, async () => {
  const c = client();
  const merchantOrderNo = no('ret-none');
  await fetch(c.wapPayUrl({ merchantOrderNo, amount: 300, subject: 's', operator: 'op', returnUrl: 'https://shop.example/r' }));
  const r = c.verifyReturn(emu.shouqianba.returnUrl(merchantOrderNo));
  assert.equal(r.order.state, 'UNKNOWN');
  assert.equal(r.raw.status, 'FAIL');
});
