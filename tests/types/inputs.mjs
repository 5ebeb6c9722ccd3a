// What each provider's operation takes, as the Rust core builds its request (src/providers/*.rs) — the
// single table that tests/js/types.test.mjs checks twice: against the declarations (tsc: the typed input
// has exactly these keys, each required one is required) and against the runtime (buildRequest: each
// required one is refused when missing, each optional one changes the request, every other input field
// leaves it unchanged — so the types refuse only what would be ignored).
//
// required: must be given. oneOf: at least one of each group. optional: changes the request when given.
// portable: the descriptive fields every money-moving input accepts (operator, subject, description,
// storeId, clientIp, notifyUrl) where this provider has no use for them: accepted, and ignored.
// A nested array in optional is a set given together (longitude and latitude: both or neither). values: this row's
// own values for some fields. variantKeys: fields of the type's other variants (a kind of order with fields of
// its own), which the gateway's own tests cover.

/** A valid value for every runtime input field (src/providers/mod.rs `Input`, camelCase). */
export const VALUES = {
  merchantOrderNo: 'A1001',
  providerOrderNo: 'P1001',
  amount: 980,
  authCode: '134567890123456789',
  subject: 'Latte',
  description: 'oat milk',
  operator: 'alice',
  refundNo: 'A1001R1',
  providerRefundNo: 'PR1001',
  payway: '2',
  subPayway: '3',
  payerId: 'buyer-1',
  subAppId: 'wx8888888888888888',
  kind: 'JSAPI',
  notifyUrl: 'https://shop.example/notify',
  returnUrl: 'https://shop.example/done',
  reflect: 'till-7',
  longitude: '121.47',
  latitude: '31.23',
  deviceId: 'dev-1',
  channel: 'ALIPAY',
  clientIp: '203.0.113.9',
  storeId: '1234',
  cashierId: '77',
  vendorSn: 'vendor-1',
  vendorKey: 'vendor-key',
  appId: 'app-1',
  code: 'activation-1',
  name: 'till',
  osInfo: 'linux',
  sdkVersion: '1.0',
  extra: { x_extra: 'e' },
};

const ORDER = ['merchantOrderNo', 'providerOrderNo'];
const REFUND = ['refundNo', 'providerRefundNo'];
const unsupported = 'unsupported';

const shouqianba = {
  activate: { required: ['vendorSn', 'vendorKey', 'appId', 'code', 'deviceId'], optional: ['merchantOrderNo', 'name', 'osInfo', 'sdkVersion', 'extra'] },
  checkin: { required: ['deviceId'], optional: ['osInfo', 'sdkVersion', 'extra'] },
  pay: {
    required: ['merchantOrderNo', 'amount', 'subject', 'operator', 'authCode'],
    optional: ['payway', 'description', ['longitude', 'latitude'], 'deviceId', 'reflect', 'notifyUrl', 'extra'],
    portable: ['storeId', 'clientIp'],
  },
  precreate: {
    required: ['merchantOrderNo', 'amount', 'subject', 'operator'],
    // channel or the numeric payway (kept for compatibility; the two must agree when both are given).
    oneOf: [['channel', 'payway']],
    // payerId only inside the wallet (JSAPI, MINI_PROGRAM): given with the kind (subPayway must agree).
    optional: [['kind', 'subPayway', 'payerId'], 'description', ['longitude', 'latitude'], 'deviceId', 'reflect', 'notifyUrl', 'extra'],
    portable: ['storeId', 'clientIp'],
  },
  query: { oneOf: [ORDER], optional: ['refundNo', 'extra'] },
  refund: {
    oneOf: [ORDER], required: ['refundNo', 'amount', 'operator'], optional: ['extra'],
    portable: ['subject', 'description', 'storeId', 'clientIp', 'notifyUrl'],
  },
  cancel: { oneOf: [ORDER], optional: ['extra'], portable: ['clientIp'] },
  revoke: { oneOf: [ORDER], optional: ['extra'], portable: ['clientIp'] },
  close: unsupported,
  refundQuery: unsupported,
  wapPayUrl: {
    required: ['merchantOrderNo', 'amount', 'subject', 'operator', 'returnUrl'],
    optional: ['payway', 'description', ['longitude', 'latitude'], 'reflect', 'notifyUrl', 'extra'],
    portable: ['storeId', 'clientIp'],
  },
  waitForPayment: { oneOf: [ORDER], required: ['amount'], portable: ['clientIp'] },
};

const fubeiCommon = {
  activate: unsupported,
  checkin: unsupported,
  query: { oneOf: [ORDER], optional: ['deviceId', 'extra'] },
  refund: {
    oneOf: [ORDER], required: ['refundNo', 'amount'], optional: ['deviceId', 'extra'],
    portable: ['operator', 'subject', 'description', 'storeId', 'clientIp', 'notifyUrl'],
  },
  refundQuery: { oneOf: [REFUND], optional: ['merchantOrderNo', 'providerOrderNo', 'extra'] },
  cancel: { oneOf: [ORDER], optional: ['extra'], portable: ['clientIp'] },
  revoke: { oneOf: [ORDER], optional: ['extra'], portable: ['clientIp'] },
  close: { oneOf: [ORDER], optional: ['extra'], portable: ['clientIp'] },
  wapPayUrl: unsupported,
  waitForPayment: { oneOf: [ORDER], required: ['amount'], portable: ['clientIp'] },
};
const fubeiOrder = ['reflect', 'deviceId', 'cashierId', 'storeId', 'subject', 'notifyUrl', 'extra'];

const fubei = {
  ...fubeiCommon,
  pay: {
    required: ['merchantOrderNo', 'amount', 'authCode'], optional: ['channel', ...fubeiOrder],
    portable: ['operator', 'description', 'clientIp'],
  },
  // A wallet order names its kind and buyer together (JSAPI with the ALIPAY of VALUES: openapi.payment.Alipay.H5).
  precreate: {
    required: ['merchantOrderNo', 'amount', 'channel'], optional: [...fubeiOrder, ['kind', 'payerId']],
    portable: ['operator', 'description', 'clientIp'],
  },
};

/** Fubei's 2.0 agent API: the barcode tells the wallet; a QR order without one is an aggregated code. */
const fubeiAgent = {
  ...fubeiCommon,
  pay: {
    required: ['merchantOrderNo', 'amount', 'authCode'], optional: fubeiOrder,
    portable: ['operator', 'description', 'clientIp'],
  },
  // A JSAPI order (fbpay.order.create) names its wallet and buyer; sub_appid is sent when given.
  precreate: {
    required: ['merchantOrderNo', 'amount'],
    optional: ['channel', ...fubeiOrder, ['kind', 'channel', 'payerId'], ['kind', 'channel', 'payerId', 'subAppId']],
    portable: ['operator', 'description', 'clientIp'],
  },
};

const lakala = {
  activate: unsupported,
  checkin: unsupported,
  pay: {
    required: ['merchantOrderNo', 'amount', 'authCode', 'clientIp'], optional: ['subject', 'notifyUrl', 'storeId', 'extra'],
    portable: ['operator', 'description'],
  },
  precreate: {
    // kind JSAPI on ALIPAY takes payerId; subAppId only on WECHAT JSAPI / MINI_PROGRAM, which also needs a subject
    // (LakalaPrecreateInput). `values`: what a set (and the all-fields input) gives instead of VALUES.
    required: ['merchantOrderNo', 'amount', 'channel', 'clientIp'],
    optional: [['kind', 'payerId'], ['kind', 'channel', 'payerId', 'subAppId', 'subject'], 'subject', 'notifyUrl', 'extra'],
    values: { channel: 'WECHAT' },
    portable: ['operator', 'description', 'storeId'],
  },
  query: { oneOf: [ORDER], optional: ['extra'] },
  refund: {
    oneOf: [ORDER], required: ['refundNo', 'amount', 'clientIp'], optional: ['description', 'notifyUrl', 'extra'],
    portable: ['operator', 'subject', 'storeId'],
  },
  close: { oneOf: [ORDER], required: ['clientIp'], optional: ['extra'] },
  cancel: { oneOf: [ORDER], required: ['clientIp'], optional: ['refundNo', 'extra'] },
  revoke: { oneOf: [ORDER], required: ['clientIp'], optional: ['refundNo', 'extra'] },
  refundQuery: { required: ['refundNo'], optional: ['extra'] },
  wapPayUrl: unsupported,
  waitForPayment: { oneOf: [ORDER], required: ['amount', 'clientIp'] },
};

const tingyihui = {
  activate: unsupported,
  checkin: unsupported,
  pay: unsupported,
  // The QR form (kind absent). kind/payerId/subAppId/returnUrl belong to the MINI_PROGRAM and H5 variants of
  // TingyihuiPrecreateInput (each refused alone on a QR order): variantKeys, tested in tingyihui.wallet.test.mjs.
  precreate: {
    required: ['merchantOrderNo', 'amount', 'subject', 'channel'], optional: ['storeId', 'reflect', 'notifyUrl', 'extra'],
    portable: ['operator', 'description', 'clientIp'], variantKeys: ['kind', 'payerId', 'subAppId', 'returnUrl'],
  },
  query: { oneOf: [ORDER], optional: ['extra'] },
  refund: {
    oneOf: [ORDER], required: ['refundNo', 'amount'], optional: ['description', 'notifyUrl', 'extra'],
    portable: ['operator', 'subject', 'storeId', 'clientIp'],
  },
  refundQuery: { oneOf: [REFUND], optional: ['extra'] },
  close: { oneOf: [ORDER], optional: ['extra'], portable: ['clientIp'] },
  cancel: unsupported,
  revoke: unsupported,
  wapPayUrl: unsupported,
  waitForPayment: { oneOf: [ORDER], required: ['amount'], portable: ['clientIp'] },
};

/**
 * One entry per typed client: the provider, the type arguments that name it, and its table. Operations
 * are the ten of buildRequest plus wapPayUrl and waitForPayment (payAndConfirm takes pay's input).
 */
export const CLIENTS = [
  { name: 'shouqianba', provider: 'shouqianba', typeArgs: "'shouqianba'", ops: shouqianba },
  { name: 'fubei 1.0', provider: 'fubei', apiVersion: '1.0', typeArgs: "'fubei', '1.0'", ops: fubei },
  { name: 'fubei 2.0', provider: 'fubei', apiVersion: '2.0', typeArgs: "'fubei', '2.0'", ops: fubeiAgent },
  { name: 'lakala', provider: 'lakala', typeArgs: "'lakala'", ops: lakala },
  { name: 'tingyihui', provider: 'tingyihui', typeArgs: "'tingyihui'", ops: tingyihui },
];

export const OPERATIONS = ['activate', 'checkin', 'pay', 'precreate', 'query', 'refund', 'refundQuery', 'cancel', 'revoke', 'close'];

/** Every key the typed input has. */
export function keysOf(spec) {
  return [...new Set([...(spec.required ?? []), ...(spec.oneOf ?? []).flat(), ...(spec.optional ?? []).flat(), ...(spec.portable ?? [])])];
}

/** The smallest valid input: the required fields and the first of each oneOf group. */
export function minimal(spec) {
  const keys = [...(spec.required ?? []), ...(spec.oneOf ?? []).map((g) => g[0])];
  return Object.fromEntries(keys.map((k) => [k, VALUES[k]]));
}

export function withKeys(input, keys, values = {}) {
  return { ...input, ...Object.fromEntries(keys.map((k) => [k, k in values ? values[k] : VALUES[k]])) };
}
