/**
 * node:crypto's HMAC-SHA-256 and HKDF-SHA-256 for the core
 * (client/core/hkdf.ts, installHashFunctions), in place of @noble/hashes on
 * the path of `sealdrop decrypt`, whose start-up is measured against Node's
 * own: noble's first calls run unoptimized (test/cli/native-hashes.test.ts
 * checks both against noble).
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { installHashFunctions, type HashFunctions } from '../core/hkdf.js';

/** node:crypto refuses an HKDF info longer than this; the core's own function serves those (no age label is). */
const NODE_MAX_HKDF_INFO = 1024;

export const nativeHashes: HashFunctions = {
  hmacSha256(key, messages) {
    const mac = createHmac('sha256', key);
    for (const message of messages) mac.update(message);
    return new Uint8Array(mac.digest());
  },
  hkdfSha256(ikm, salt, info, length) {
    if (info.length > NODE_MAX_HKDF_INFO) return null;
    return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
  },
};

/** Serve the core's HMAC and HKDF from {@link nativeHashes}. */
export function installNativeHashes(): void {
  installHashFunctions(nativeHashes);
}
