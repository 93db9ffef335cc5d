// Shared helpers for the age test suites: byte streams in and out, hashing,
// and cheap deterministic plaintext (randombytes_buf is too slow without
// WebAssembly to fill megabytes).
import { createHash } from 'node:crypto';

/** True under `node --jitless` (Tor Browser Safer simulation): scale sizes down there. */
export const JITLESS = typeof WebAssembly === 'undefined';

/** Yield `bytes` in pieces of `pieceSize` (or the given sequence of sizes, cycled). */
export async function* streamOf(bytes: Uint8Array, pieceSizes: number | readonly number[] = 65536): AsyncGenerator<Uint8Array> {
  const sizes = typeof pieceSizes === 'number' ? [pieceSizes] : pieceSizes;
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    await Promise.resolve();
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const part of stream) {
    parts.push(part.slice());
    length += part.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
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
