// The conformance cases inside a Cloudflare Worker (run by tests/js/workerd.test.mjs): `aggpay` is imported by
// name, as a Worker author would, and the bundler picks the package's `workerd` entry.
// GET /?import=named|default → { runtime, signer, report }
import * as named from 'aggpay';
import aggpayDefault from 'aggpay';
import { rsaSigner, runConformance } from '../conformance/cases.mjs';

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const which = url.searchParams.get('import') ?? 'named';
    const aggpay = which === 'default' ? aggpayDefault : named;
    const emulatorUrl = env.EMULATOR_URL;
    const report = await runConformance({ aggpay, emulatorUrl, tag: `wd${which[0]}` });
    // Which signer an RSA gateway's client picks here on its own ('auto').
    const signer = await rsaSigner({ aggpay, emulatorUrl });
    return Response.json({ runtime: navigator.userAgent, signer, report });
  },
};
