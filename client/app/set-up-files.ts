/**
 * The files the worker's set-up fetches (trust.ts), relative to the page, and
 * how they are asked for. Their own module, importing nothing, because the
 * page's bundle (main.js) fetches them early for the worker (early-fetch.ts)
 * and must carry none of the core (test/client/build.test.ts): importing the
 * core's names would bring its module-level tables along.
 * test/client/set-up-files.test.ts checks them against the core's names.
 */

export const ROOT_KEY_PATH = 'root.pub';
/** The bundle's rollback pin (core/bundle-pin.ts `BUNDLE_PIN_FILE_NAME`). */
export const PIN_PATH = 'pin.json';
/** The signed manifest (core/manifest.ts `MANIFEST_FILE_NAME`) and its signature (+ `SIGNATURE_SUFFIX`). */
export const MANIFEST_PATH = 'manifest.json';
export const SIGNATURE_PATH = 'manifest.json.minisig';
/** Every file set-up fetches, in the order trust.ts asks for them. */
export const SET_UP_FILES: readonly string[] = [ROOT_KEY_PATH, PIN_PATH, MANIFEST_PATH, SIGNATURE_PATH];
/** How they are asked for, by the page and by the worker: no cookies, no cache. */
export const SET_UP_REQUEST: Readonly<RequestInit> = Object.freeze({ credentials: 'omit', cache: 'no-store' });
