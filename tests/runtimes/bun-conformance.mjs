// The conformance cases in Bun (run by tests/js/bun.test.mjs): `aggpay` imported by name as ESM and loaded with
// require(), as Bun users do both; Bun resolves each through the exports map's `bun` condition.
//   bun tests/runtimes/bun-conformance.mjs <emulator URL>
// Prints one JSON line: { runtime, resolved: { import, require }, sameInstance, results: { esm|cjs: { signer, report } } }.
import * as esm from 'aggpay';
import { rsaSigner, runConformance } from '../conformance/cases.mjs';

const cjs = require('aggpay');
const [emulatorUrl] = process.argv.slice(2);
const out = {
  runtime: `bun ${Bun.version}`,
  resolved: { import: import.meta.resolve('aggpay'), require: require.resolve('aggpay') },
  sameInstance: esm.AggpayError === cjs.AggpayError && esm.createClient === cjs.createClient,
  results: {},
};
for (const [which, aggpay] of [['esm', esm], ['cjs', cjs]]) {
  const report = await runConformance({ aggpay, emulatorUrl, tag: `bn${which[0]}` });
  // Which signer an RSA gateway's client picks here on its own ('auto').
  const signer = await rsaSigner({ aggpay, emulatorUrl });
  out.results[which] = { signer, report };
}
console.log(JSON.stringify(out));
