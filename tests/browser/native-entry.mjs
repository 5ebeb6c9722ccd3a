// (b) The package as native ES modules: the page's import map points `aggpay` at dist/web.mjs; no build step.
// The default import, as a user copying `import aggpay from 'aggpay'` would write it.
import aggpay from 'aggpay';
import { check, report } from './in-page.mjs';

report(check(aggpay, 'nat'));
