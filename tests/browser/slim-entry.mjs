// (c) aggpay/slim: nothing loads until the page calls init, here with a fetch of the .wasm (a Response promise,
// compiled while it streams in).
import * as aggpay from 'aggpay/slim';
import { check, report } from './in-page.mjs';

report((async () => {
  await aggpay.init(fetch(new URL('/pkg/dist/aggpay_bg.wasm', location.href)));
  return check(aggpay, 'slim');
})());
