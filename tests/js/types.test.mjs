// The TypeScript declarations match the runtime. Three checks, one tsc run:
// - tests/types/pass/*.mts (one per provider, every operation; Client for any provider; HeadersLike) compile
//   under --strict, every `@ts-expect-error` in them firing;
// - tests/types/fail/*.mts each fail exactly where their `// error TSnnnn` comment says;
// - the table of tests/types/inputs.mjs, turned into TypeScript: each typed input has exactly the table's
//   keys, refuses each required one missing and every other runtime input field.
// Then the same table against the built package: buildRequest refuses each required field missing,
// each optional field changes the request, every field the type refuses leaves it unchanged (it would be
// ignored), and an operation typed Unsupported throws UNSUPPORTED_OPERATION.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, AggpayError } from 'aggpay';
import { makeCertificate } from '../../js-examples/emulator/x509.mjs';
import { CLIENTS, OPERATIONS, VALUES, keysOf, minimal, withKeys } from '../types/inputs.mjs';
import { root, scratch, show, typecheck } from '../types/tsc.mjs';
import { TEST_KEYS } from './kit.mjs';

const typesDir = join(root, 'tests/types');
const listed = (sub) => readdirSync(join(typesDir, sub)).filter((f) => f.endsWith('.mts')).sort().map((f) => join(typesDir, sub, f));
const passFiles = listed('pass');
const failFiles = listed('fail');

/** The runtime's input fields: the wire names of src/providers/input.rs `struct Input` (`field: T = "name"`). */
const INPUT_FIELDS = (() => {
  const rust = readFileSync(join(root, 'src/providers/input.rs'), 'utf8');
  const body = /pub struct Input \{([\s\S]*?)\n\s*\}/.exec(rust)[1];
  // Fields after `;` (`given`) are bookkeeping, not on the wire: they have no name there.
  return [...body.matchAll(/^\s*pub \w+: [^=\n]*= "(\w+)",/gm)].map((m) => m[1]);
})();

const METHOD = { wapPayUrl: 'wapPayUrl', waitForPayment: 'waitForPayment' };
const literal = (o) => JSON.stringify(o);
const without = (o, keys) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

/** The table as TypeScript; `notes[line]` says what a line checks. */
function tableSource() {
  const lines = [
    "import type { Client, OperationInputs, Unsupported } from 'aggpay';",
    'type AllKeys<T> = T extends unknown ? keyof T : never;',
    'type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false;',
    'declare function of<T>(): T;',
    'declare function accepts<T>(input: T): void;',
  ];
  const notes = {};
  const add = (note, ...code) => {
    for (const c of code) {
      lines.push(c);
      notes[lines.length] = note;
    }
  };
  for (const c of CLIENTS) {
    const ops = [...Object.keys(c.ops), 'payAndConfirm'];
    for (const op of ops) {
      const spec = op === 'payAndConfirm' ? c.ops.pay : c.ops[op];
      const what = `${c.name} ${op}`;
      const type = `Parameters<Client<${c.typeArgs}>['${METHOD[op] ?? op}']>[0]`;
      if (OPERATIONS.includes(op)) {
        add(`${what}: the method takes OperationInputs<${c.typeArgs}>['${op}']`,
          `{ const same: Equal<${type}, OperationInputs<${c.typeArgs}>['${op}']> = true; }`);
      }
      if (spec === 'unsupported') {
        add(`${what} is Unsupported`, `{ const unsupported: [${type}] extends [Unsupported<string>] ? true : false = true; }`);
        add(`${what} accepts no input`, '// @ts-expect-error', `accepts<${type}>({ merchantOrderNo: 'A1001' });`);
        continue;
      }
      const keys = keysOf(spec);
      // Keys of the type's other variants (a kind of order with fields of its own), tested by the gateway's own tests.
      const union = [...keys, ...(spec.variantKeys ?? [])].map((k) => `'${k}'`).join(' | ');
      add(`${what}: keys the type has and the table does not`, `{ const extra: never = of<Exclude<AllKeys<${type}>, ${union}>>(); }`);
      add(`${what}: keys the table has and the type does not`, `{ const missing: never = of<Exclude<${union}, AllKeys<${type}>>>(); }`);
      const min = minimal(spec);
      add(`${what}: the required fields alone compile`, `accepts<${type}>(${literal(min)});`);
      add(`${what}: every field of the table compiles`, `accepts<${type}>(${literal(withKeys(min, keys))});`);
      for (const group of spec.oneOf ?? []) {
        for (const other of group.slice(1)) {
          add(`${what}: ${other} instead of ${group[0]} compiles`, `accepts<${type}>(${literal(withKeys(without(min, [group[0]]), [other]))});`);
        }
        add(`${what}: without any of ${group.join(', ')} it must not compile`, '// @ts-expect-error', `accepts<${type}>(${literal(without(min, group))});`);
      }
      for (const r of spec.required ?? []) {
        add(`${what}: without ${r} it must not compile`, '// @ts-expect-error', `accepts<${type}>(${literal(without(min, [r]))});`);
      }
      for (const f of INPUT_FIELDS.filter((f) => !keys.includes(f) && !spec.variantKeys?.includes(f))) {
        add(`${what}: ${f} must not compile`, '// @ts-expect-error', `accepts<${type}>(${literal(withKeys(min, [f]))});`);
      }
    }
  }
  return { source: `${lines.join('\n')}\nexport {};\n`, notes };
}

let run;
let work;
let table;

before(() => {
  work = scratch('aggpay-types-');
  table = { ...tableSource(), file: join(work.dir, 'table.mts') };
  writeFileSync(table.file, table.source);
  run = typecheck([join(typesDir, 'node-http.d.ts'), ...passFiles, ...failFiles, table.file], { cwd: work.dir });
});

after(() => work?.remove());

test('the table covers every runtime input field and every operation', () => {
  assert.ok(INPUT_FIELDS.length > 20 && INPUT_FIELDS.includes('clientIp'), INPUT_FIELDS.join(','));
  for (const f of INPUT_FIELDS) assert.ok(f in VALUES, `tests/types/inputs.mjs VALUES has no value for the input field ${f}`);
  for (const c of CLIENTS) {
    assert.deepEqual(Object.keys(c.ops).sort(), [...OPERATIONS, 'wapPayUrl', 'waitForPayment'].sort(), c.name);
  }
  const stray = run.diagnostics.filter((d) => ![...passFiles, ...failFiles, table.file].includes(d.file));
  assert.deepEqual(stray.map(show), [], 'errors outside the checked files (the package types, tsc itself)');
});

test('tests/types/pass: one file per provider, every operation, compiles under tsc --strict', () => {
  assert.ok(passFiles.length >= 5);
  const errors = run.diagnostics.filter((d) => passFiles.includes(d.file)).map(show);
  assert.deepEqual(errors, [], `must compile (TS2578: an expected error that did not happen):\n${errors.join('\n')}`);
});

test('tests/types/fail: each file fails exactly where it says', () => {
  assert.ok(failFiles.length >= 3);
  for (const file of failFiles) {
    const expected = readFileSync(file, 'utf8').split('\n')
      .map((l, i) => [i + 1, /\/\/ error (TS\d+)/.exec(l)?.[1]])
      .filter(([, code]) => code);
    assert.ok(expected.length > 0, `${file} names the error it must give`);
    const got = run.diagnostics.filter((d) => d.file === file);
    assert.deepEqual(got.map((d) => [d.line, d.code]), expected, `${file}:\n${got.map(show).join('\n') || 'it compiled'}`);
  }
  const [authCode] = run.diagnostics.filter((d) => d.file.endsWith('lakala-query-authcode.mts'));
  assert.match(authCode.message, /'authCode' does not exist in type 'LakalaQueryInput'/);
  const [clientIp] = run.diagnostics.filter((d) => d.file.endsWith('lakala-pay-without-clientip.mts'));
  assert.match(clientIp.message, /Property 'clientIp' is missing .* 'LakalaPayInput'/s);
  const [amount] = run.diagnostics.filter((d) => d.file.endsWith('wait-without-amount.mts'));
  assert.match(amount.message, /Property 'amount' is missing/);
});

test('the typed inputs have exactly the fields of tests/types/inputs.mjs', () => {
  const errors = run.diagnostics.filter((d) => d.file === table.file).map((d) => `${table.notes[d.line] ?? '?'}\n    ${show(d)}`);
  assert.deepEqual(errors, [], errors.join('\n'));
});

// ---------------------------------------------------------------- the same table, at run time

const NOW = 1_700_000_000_000;
const rsa = TEST_KEYS;
const pem = rsa.privateKeyPem;
const CREDENTIALS = {
  shouqianba: { terminalSn: '100000000001', terminalKey: 'terminal-key' },
  fubei: { appId: '20170000001', appSecret: 'app-secret' },
  lakala: {
    appId: 'OP00000003', serialNo: '01', privateKey: pem, merchantNo: '8221210594300JY', termNo: 'A0073841',
    platformCertificate: makeCertificate({ privateKey: rsa.privateKey, commonName: 'lkl-apigw', serialHex: '02' }),
  },
  tingyihui: { accessId: '17000000000000001', privateKey: pem, merchantCode: 'M0001' },
};

function runtimeClient(c) {
  const fetch = async () => {
    throw new Error('building a request must not send it');
  };
  const options = { provider: c.provider, credentials: CREDENTIALS[c.provider], fetch, now: () => NOW, nonce: () => 'n0nce0123456789abcdef' };
  if (c.apiVersion) options.apiVersion = c.apiVersion;
  return createClient(options);
}

/** The built request as text (deterministic: fixed clock and nonce; PKCS#1 v1.5 signatures too). */
async function built(client, op, input) {
  return op === 'wapPayUrl' ? client.wapPayUrl(input) : JSON.stringify(await client.buildRequest(op, input));
}

async function refusal(fn) {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof AggpayError, `not an AggpayError: ${e}`);
    return e;
  }
  return null;
}

for (const c of CLIENTS) {
  test(`${c.name}: the runtime requires, uses and ignores the fields the types say`, async () => {
    const client = runtimeClient(c);
    for (const [op, spec] of Object.entries(c.ops)) {
      if (op === 'waitForPayment') continue;
      const what = `${c.name} ${op}`;
      if (spec === 'unsupported') {
        const e = await refusal(() => built(client, op, { merchantOrderNo: 'A1001' }));
        assert.equal(e?.code, 'UNSUPPORTED_OPERATION', `${what} is typed Unsupported: ${e?.message ?? 'it built'}`);
        continue;
      }
      const min = minimal(spec);
      const base = await built(client, op, min);
      for (const r of spec.required ?? []) {
        const e = await refusal(() => built(client, op, without(min, [r])));
        assert.equal(e?.code, 'INVALID_INPUT', `${what} without ${r}: typed required, ${e ? e.message : 'but it built'}`);
        assert.equal(e.field, r, `${what} without ${r}: ${e.message}`);
      }
      for (const group of spec.oneOf ?? []) {
        const e = await refusal(() => built(client, op, without(min, group)));
        assert.equal(e?.code, 'INVALID_INPUT', `${what} without ${group}: ${e ? e.message : 'it built'}`);
        assert.ok(group.includes(e.field), `${what}: ${e.message}`);
        for (const other of group.slice(1)) await built(client, op, withKeys(without(min, [group[0]]), [other]));
      }
      for (const set of spec.optional ?? []) {
        const keys = [set].flat();
        assert.notEqual(await built(client, op, withKeys(min, keys, spec.values)), base, `${what}: ${keys} is typed optional, but the request ignores it`);
      }
      for (const p of spec.portable ?? []) {
        assert.equal(await built(client, op, withKeys(min, [p])), base, `${what}: ${p} changes the request: list it as optional`);
      }
      await built(client, op, withKeys(min, keysOf(spec), spec.values));
      // A field the type refuses is ignored by the runtime (or refused there too).
      for (const f of INPUT_FIELDS.filter((f) => !keysOf(spec).includes(f) && !spec.variantKeys?.includes(f))) {
        let text;
        const e = await refusal(async () => {
          text = await built(client, op, withKeys(min, [f]));
        });
        if (e) assert.equal(e.code, 'INVALID_INPUT', `${what} with ${f}: ${e.message}`);
        else assert.equal(text, base, `${what}: ${f} changes the request, but the type refuses it`);
      }
    }
    // waitForPayment: the amount is required before anything is sent.
    const wait = c.ops.waitForPayment;
    const e = await refusal(() => client.waitForPayment(without(minimal(wait), ['amount'])));
    assert.equal(e?.code, 'INVALID_INPUT');
    assert.equal(e.field, 'amount');
    if (c.provider === 'tingyihui') {
      const n = await refusal(() => client.verifyNotification({ headers: {}, body: '{}' }));
      assert.deepEqual([n?.code, n?.reason], ['NOTIFICATION_INVALID', 'UNVERIFIABLE'], 'Tingyihui callbacks are refused unless the client reads unsigned ones');
    }
  });
}

// ---------------------------------------------------------------- HeadersLike, as the facade reads it

test('every HeadersLike shape reaches the verifier: undefined values are absent, arrays joined', async () => {
  const { terminalSn } = CREDENTIALS.shouqianba;
  const client = createClient({
    provider: 'shouqianba', fetch: async () => { throw new Error('no sending'); },
    credentials: { ...CREDENTIALS.shouqianba, notifyPublicKey: rsa.publicKey.export({ type: 'spki', format: 'pem' }) },
  });
  const body = JSON.stringify({ terminal_sn: terminalSn, sn: '7894259244', client_sn: 'A1002', status: 'SUCCESS', order_status: 'PAID', total_amount: '2580', net_amount: '2580' });
  const sig = crypto.sign('sha256', Buffer.from(body), rsa.privateKey).toString('base64');
  const shapes = {
    'IncomingHttpHeaders (undefined values, arrays)': { authorization: sig, 'content-type': 'application/json', host: undefined, 'set-cookie': ['a=1', 'b=2'] },
    Headers: new Headers({ Authorization: sig }),
    Map: new Map([['authorization', sig]]),
    'pairs': [['Authorization', sig], ['content-type', 'application/json']],
    'a one-element array value': { authorization: [sig] },
  };
  for (const [name, headers] of Object.entries(shapes)) {
    const n = await client.verifyNotification({ headers, body: Buffer.from(body) }, { merchantOrderNo: 'A1002', amount: 2580 });
    assert.equal(n.order.state, 'SUCCESS', name);
    assert.equal(n.ack.body, 'success', name);
  }
  // An absent header is absent, not the text "undefined" (which would be a BAD_SIGNATURE).
  const e = await refusal(() => client.verifyNotification({ headers: { authorization: undefined }, body }));
  assert.equal(e?.reason, 'MISSING_SIGNATURE', e?.message);
});
