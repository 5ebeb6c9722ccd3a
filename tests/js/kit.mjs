// What the package tests share: a client for each gateway of a running emulator, configured as a merchant
// would configure it. (Not a test file: node --test runs only *.test.mjs.)
import { createClient } from 'aggpay';

/** A client of `provider` pointed at the emulator `emu`, with its credentials; `options` are added as they are. */
export function clientFor(emu, provider, options = {}) {
  switch (provider) {
    case 'shouqianba': {
      const { terminalSn, terminalKey } = emu.shouqianba.credentials;
      return createClient({ provider, baseUrl: emu.url, credentials: { terminalSn, terminalKey }, ...options });
    }
    case 'fubei': {
      const { appId, appSecret } = emu.fubei.credentials;
      return createClient({ provider, baseUrl: `${emu.url}/fubei`, credentials: { appId, appSecret }, ...options });
    }
    case 'lakala': {
      const m = emu.lakala.merchant;
      return createClient({
        provider,
        baseUrl: `${emu.url}/lakala`,
        credentials: {
          appId: m.appId, serialNo: m.serialNo, privateKey: m.privateKeyPem,
          platformCertificate: emu.lakala.platformCertificatePem, merchantNo: m.merchantNo, termNo: m.termNo,
        },
        ...options,
      });
    }
    case 'tingyihui': {
      const m = emu.tingyihui.merchant;
      return createClient({
        provider,
        baseUrl: `${emu.url}/tingyihui`,
        credentials: { accessId: m.accessId, privateKey: m.privateKeyBase64, merchantCode: m.osMerchantCode },
        ...options,
      });
    }
    default:
      throw new Error(`no such provider: ${provider}`);
  }
}
