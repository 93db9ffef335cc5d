/**
 * The entry of `xwing-nowasm.js` (scripts/build-client.ts): hands the noble
 * X-Wing factory to the no-WebAssembly worker that loads this file
 * (client/app/noble-xwing-loader.ts). Nothing else runs.
 */
import { NOBLE_XWING_GLOBAL } from './noble-xwing-loader.js';
import { nobleXWing } from './noble-xwing.js';

(globalThis as Record<string, unknown>)[NOBLE_XWING_GLOBAL] = nobleXWing;
