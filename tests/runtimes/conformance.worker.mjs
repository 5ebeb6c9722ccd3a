// The conformance cases inside a Cloudflare Worker (run by tests/js/workerd.test.mjs): `aggpay` is imported by
// name, as a Worker author would, and the bundler picks the package's `workerd` entry.
// GET /?import=named|default → { runtime, signer, report }
import * as named from 'aggpay';
import aggpayDefault from 'aggpay';
import { runConformance } from '../conformance/cases.mjs';

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const which = url.searchParams.get('import') ?? 'named';
    const aggpay = which === 'default' ? aggpayDefault : named;
    const emulatorUrl = env.EMULATOR_URL;
    const report = await runConformance({ aggpay, emulatorUrl, tag: `wd${which[0]}` });
    // Which signer a Lakala (RSA) client picks here on its own ('auto').
    const lk = await (await fetch(`${emulatorUrl}/__emulator/lakala/credentials`)).json();
    const { signer } = aggpay.createClient({
      provider: 'lakala', baseUrl: `${emulatorUrl}/lakala`,
      credentials: { appId: lk.appId, serialNo: lk.serialNo, privateKey: lk.privateKeyPem,
        platformCertificate: lk.platformCertificatePem, merchantNo: lk.merchantNo, termNo: lk.termNo },
    });
    return Response.json({ runtime: navigator.userAgent, signer, report });
  },
};
