/**
 * The page's copy of the set-up file names (client/app/set-up-files.ts, kept
 * free of imports for the page's bundle) names the files the core defines.
 */
import { MANIFEST_PATH, PIN_PATH, SIGNATURE_PATH } from '../../client/app/set-up-files.js';
import { BUNDLE_PIN_FILE_NAME } from '../../client/core/bundle-pin.js';
import { MANIFEST_FILE_NAME, SIGNATURE_SUFFIX } from '../../client/core/manifest.js';

test('the set-up file names are the core’s', () => {
  expect(PIN_PATH).toBe(BUNDLE_PIN_FILE_NAME);
  expect(MANIFEST_PATH).toBe(MANIFEST_FILE_NAME);
  expect(SIGNATURE_PATH).toBe(MANIFEST_FILE_NAME + SIGNATURE_SUFFIX);
});
