// The conformance cases in Deno (run by tests/js/deno.test.mjs), importing `aggpay` by name as a Deno user with
// the package in node_modules would: Deno resolves it through the package's exports map with its `deno` condition.
//   deno run --allow-net=127.0.0.1 --allow-read=<package dir> tests/runtimes/deno-conformance.mjs <emulator URL>
// Prints one JSON line: { runtime, resolved, results: { named|default: { signer, report } } }.
import * as named from 'aggpay';
import aggpayDefault from 'aggpay';
import { rsaSigner, runConformance } from '../conformance/cases.mjs';

const [emulatorUrl] = Deno.args;
const out = { runtime: `deno ${Deno.version.deno}`, resolved: import.meta.resolve('aggpay'), results: {} };
for (const [which, aggpay] of [['named', named], ['default', aggpayDefault]]) {
  const report = await runConformance({ aggpay, emulatorUrl, tag: `dn${which[0]}` });
  // Which signer an RSA gateway's client picks here on its own ('auto').
  const signer = await rsaSigner({ aggpay, emulatorUrl });
  out.results[which] = { signer, report };
}
console.log(JSON.stringify(out));
