// The emulator's gateways: ONE line per gateway, `name: factory`. Everything else in the emulator (index.mjs,
// server.mjs, control.mjs, adversary.mjs) and the tests that loop over gateways (the reliability run, the
// conformance suite in every runtime) iterate this map; none of them names a gateway. The name is the one the
// library knows (`createClient({ provider: name })`), the Rust registry's name (src/providers/mod.rs).
//
// The factory interface (what a gateway module exports and every gateway implements alike):
//
//   factory(options, hooks) → gateway | Promise<gateway>
//     options  startEmulator(options)[name]: the gateway's own knobs (credentials, keys, cadences, …)
//     hooks    { duplicateNotify() }: asked once per notification when it is first scheduled; true → the gateway
//              delivers that notification a second time after the first delivery (with its retries) is over
//
//   gateway = {
//     name, controller,                       the registry name; the JS test API (emu[name] is this controller):
//                                             credentials, buyerPays(id), order(id), orders(), ledger(),
//                                             sendNotification(id, url?), notifications, flushNotifications()
//     handles(method, pathname) → boolean     whether a gateway API request is this gateway's
//     handle(req) → response                  answers it (req = { method, pathname, query, headers, body: Buffer })
//     control(req) → response | null          /__emulator/<name>/<subpath> (req.subpath); null → 404 (control.mjs)
//     reset(), close()
//     conformance() → description             GET /__emulator/conformance: how a client is configured and driven here
//       { basePath, credentials, variants?: [client options…], signs?: 'rsa', secrets: [text…],
//         pay?: input, precreate?: input, query: input, refund: input     the extra input each operation needs,
//         barcodes: { success?, paying?, stuck?, declined? }, orderKey     (control-route body key for an order),
//         notification: { signed, headers: [log-entry keys sent as headers] } }
//     banner?(url) → text                     what server.mjs prints about this gateway at start
//     maintenance?(req) → response            the gateway's own "down for maintenance" (the `maintenance` fault)
//     tamper?(kind, response) → response      `bad-signature` / `no-signature` on a signed answer (omit if unsigned)
//     faultMethod?(req) → string              the API method of a request, for method-filtered faults
//     isBarcodePay?(req) → boolean            the requests the chaos `stuck` fault applies to (req.chaosStuck)
//     orderNo?(req) → string                  the merchant order number a request is about (best effort)
//     adversary?: {                           the adversarial faults (adversary.mjs):
//       operation(req) → { op, notifyUrl?, forgeable? }   op: pay|precreate|query|refund|refundQuery|reverse|close
//       contradictPay?(frozen, req), contradictUnprocessed?(req, info), forgeNotice?(info), refresh?(frozen) }
//   }
//   response = { status = 200, json } | { status, jsonText } | { status, text } | { status, html }, with `headers`?
//
// A fifth gateway: docs/adding-a-gateway.md.
export const registry = {
  shouqianba: (await import('./shouqianba.mjs')).createShouqianba,
  fubei: (await import('./fubei.mjs')).createFubei,
  lakala: (await import('./lakala.mjs')).createLakala,
  tingyihui: (await import('./tingyihui.mjs')).createTingyihui,
};

/** The registered gateway names, in registry order. */
export const GATEWAYS = Object.keys(registry);
