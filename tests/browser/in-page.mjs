// Runs in the page: the conformance cases against the emulator (forwarded under /emu on this origin) with the
// module the page loaded, plus what only a browser can tell — which signer 'auto' picked for an RSA provider.
// The verdict goes to window.__outcome, which the Node side waits for.
import { runConformance } from '../conformance/cases.mjs';

export async function check(aggpay, tag) {
  const emulatorUrl = new URL('/emu', location.href).href;
  const lk = await (await fetch(`${emulatorUrl}/__emulator/lakala/credentials`)).json();
  const lakala = aggpay.createClient({
    provider: 'lakala', baseUrl: `${emulatorUrl}/lakala`,
    credentials: { appId: lk.appId, serialNo: lk.serialNo, privateKey: lk.privateKeyPem,
      platformCertificate: lk.platformCertificatePem, merchantNo: lk.merchantNo, termNo: lk.termNo },
  });
  const report = await runConformance({ aggpay, emulatorUrl, tag });
  return { signer: lakala.signer, secureContext: window.isSecureContext, report };
}

export function report(promise) {
  promise.then(
    (result) => { window.__outcome = { ok: true, ...result }; },
    (e) => { window.__outcome = { ok: false, error: String(e?.stack ?? e) }; },
  ).finally(() => {
    document.getElementById('log').textContent = JSON.stringify(window.__outcome, null, 2);
  });
}
