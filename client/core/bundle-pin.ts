/**
 * The bundle's rollback pin: the lowest key-manifest version the built page
 * accepts, written by the client build beside `root.pub` as `pin.json` and
 * hashed into SHA256SUMS with every other served file. The page checks the
 * served manifest against it (client/app/trust.ts) and the server refuses to
 * start if it would serve an older manifest (server/manifest/bundle-pin.ts).
 * Rebuilding the bundle with a higher pin after each rotation raises the
 * floor; a server that can change the bundle can change the pin too (the
 * threat model's known limit, docs/KEYS.md).
 */
import { fromUtf8, utf8 } from './bytes.js';
import { isRecord, keySetMismatch } from './json-shape.js';

/** The pin's file name in the bundle, beside `root.pub`. */
export const BUNDLE_PIN_FILE_NAME = 'pin.json';

/** Far above the few dozen bytes a pin takes; bounds parsing of hostile input. */
export const MAX_BUNDLE_PIN_BYTES = 1024;

/** A pin file that is not exactly what the build writes. */
export class BundlePinError extends Error {
  override name = 'BundlePinError';
}

function checkVersion(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new BundlePinError('minimumManifestVersion must be a positive safe integer');
  }
  return value;
}

/**
 * The bytes of `pin.json` for a minimum manifest version: one line of JSON.
 * @throws BundlePinError if the version is not a positive safe integer.
 */
export function serializeBundlePin(minimumManifestVersion: number): Uint8Array {
  return utf8(`${JSON.stringify({ minimumManifestVersion: checkVersion(minimumManifestVersion) })}\n`);
}

/**
 * The minimum manifest version a `pin.json` names. Strict: exactly the bytes
 * {@link serializeBundlePin} writes, so one file cannot mean two things.
 * @throws BundlePinError if it is anything else.
 */
export function parseBundlePin(bytes: Uint8Array): number {
  if (bytes.length > MAX_BUNDLE_PIN_BYTES) throw new BundlePinError('pin file too large');
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new BundlePinError('pin file is not UTF-8 JSON');
  }
  if (!isRecord(value) || keySetMismatch(value, ['minimumManifestVersion']) !== null) {
    throw new BundlePinError('pin file must hold exactly minimumManifestVersion');
  }
  const version = checkVersion(value.minimumManifestVersion);
  const canonical = serializeBundlePin(version);
  if (canonical.length !== bytes.length || !canonical.every((byte, i) => byte === bytes[i])) {
    throw new BundlePinError('pin file is not in canonical form');
  }
  return version;
}
