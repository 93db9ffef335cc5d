/**
 * HMAC-SHA-256 and HKDF-SHA-256 (RFC 5869), as age uses them.
 *
 * The standard libsodium-wrappers build declares crypto_auth_hmacsha256_* and
 * crypto_kdf_hkdf_sha256_* in its types but does not ship them at run time
 * (only HMAC-SHA-512-256 is there). These come from @noble/hashes instead:
 * audited, dependency-free, and already in the tree as @scure/bip39's only
 * dependency. They only ever touch short inputs (keys, headers), so speed is
 * irrelevant; the bulk cipher stays libsodium's ChaCha20-Poly1305. A shell
 * whose platform has both natively may install them instead
 * ({@link installHashFunctions}): in `sealdrop decrypt` of a small
 * submission, noble's first, unoptimized calls were a few milliseconds of a
 * start-up that is measured against Node's own (docs/BENCHMARKS.md).
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

const MAX_OUTPUT = 255 * 32;

/**
 * The two functions, computed elsewhere: each must return exactly what
 * these return (a plain Uint8Array), for arguments already checked here,
 * or null for arguments it does not take (these then compute them).
 */
export interface HashFunctions {
  hmacSha256(key: Uint8Array, messages: readonly Uint8Array[]): Uint8Array;
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array | null;
}

let installed: HashFunctions | null = null;

/** Compute both with `functions` from now on (client/core-node/native-hashes.ts). */
export function installHashFunctions(functions: HashFunctions): void {
  installed = functions;
}

export function hmacSha256(key: Uint8Array, ...messages: Uint8Array[]): Uint8Array {
  if (installed !== null) return installed.hmacSha256(key, messages);
  const mac = hmac.create(sha256, key);
  for (const message of messages) mac.update(message);
  return mac.digest();
}

/**
 * Derive `length` bytes from input keying material; an empty salt means
 * 32 zero bytes, as RFC 5869 §2.2 specifies.
 * @throws RangeError if more than 255 blocks (8160 bytes) are requested.
 */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > MAX_OUTPUT) {
    throw new RangeError('invalid HKDF output length');
  }
  if (length === 0) return new Uint8Array(0);
  return installed?.hkdfSha256(ikm, salt, info, length) ?? hkdf(sha256, ikm, salt, info, length);
}
