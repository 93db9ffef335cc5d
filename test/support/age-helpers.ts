// Shared helpers for the age test suites: byte streams in and out, hashing,
// and cheap deterministic plaintext (randombytes_buf is too slow without
// WebAssembly to fill megabytes). They run in Node and in the browser run.

/** True under `node --jitless` (Tor Browser Safer simulation): scale sizes down there. */
export const JITLESS = typeof WebAssembly === 'undefined';

/** Yield `bytes` in pieces of `pieceSize` (or the given sequence of sizes, cycled). */
export async function* streamOf(
  bytes: Uint8Array,
  pieceSizes: number | readonly number[] = 65536,
): AsyncGenerator<Uint8Array> {
  const sizes = typeof pieceSizes === 'number' ? [pieceSizes] : pieceSizes;
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    await Promise.resolve();
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

/** Concatenate a stream (copying each piece, in case the producer reuses buffers). */
export { collectBytes as collect } from './streams.js';

/**
 * SHA-256 in hex, by Web Crypto: native in Node and in browsers alike, so
 * hashing megabytes stays fast in the browser run without JIT too.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes.slice()));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Deterministic, incompressible-looking bytes (xorshift32), fast in any mode. */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

/** Byte equality that stays fast on MiB-sized arrays (jest's toEqual walks them element by element). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
