/**
 * Padmé padding (Nikitin et al., "Reducing Metadata Leakage from Encrypted
 * Files and Communication with PURBs", PETS 2019).
 *
 * A submission's plaintext is padded to the Padmé length before encryption
 * so that its ciphertext size reveals only about log log of the real size,
 * for at most ~12% overhead (less as sizes grow).
 */

/** Largest chunk {@link zeroPadding} yields: the age STREAM chunk size. */
export const PADDING_CHUNK_SIZE = 64 * 1024;

/**
 * The Padmé length for `length` bytes: with E = floor(log2 L) and
 * S = floor(log2 E) + 1, round L up so that its low E - S bits are zero.
 * Lengths 0 to 8 are unchanged.
 *
 * Computed with exact double arithmetic on powers of two (no 32-bit bitwise
 * operators), so it is correct up to `Number.MAX_SAFE_INTEGER`; the result for
 * the largest inputs may be 2^53, which is still exactly representable.
 *
 * @throws RangeError if `length` is not a non-negative safe integer.
 */
export function padmeLength(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError('invalid length');
  if (length < 2) return length;
  const exponent = floorLog2(length);
  const significantBits = floorLog2(exponent) + 1;
  const lowBits = exponent - significantBits;
  if (lowBits <= 0) return length;
  // unit is a power of two, so division, ceil and product are all exact.
  const unit = 2 ** lowBits;
  return Math.ceil(length / unit) * unit;
}

/** floor(log2(n)) for a positive safe integer, exact (Math.log2 can round up near powers of two). */
function floorLog2(n: number): number {
  let exponent = 0;
  let power = 2;
  while (power <= n) {
    power *= 2;
    exponent += 1;
  }
  return exponent;
}

/**
 * `count` zero bytes, in fresh chunks of at most {@link PADDING_CHUNK_SIZE}.
 *
 * Padding is zeros, not random bytes: age already makes every ciphertext byte
 * indistinguishable from random, libsodium's pure-JS CSPRNG (no WebAssembly)
 * is far too slow for bulk output, and zeros after the ustar end-of-archive
 * marker are exactly what `tar` expects to find there. Each chunk is a new
 * array so a consumer that encrypts or wipes in place cannot corrupt the next.
 *
 * @throws RangeError if `count` is not a non-negative safe integer.
 */
export function zeroPadding(count: number): Generator<Uint8Array, void, undefined> {
  // Checked here, not inside the generator, so a bad count throws at the call.
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('invalid padding length');
  return zeroChunks(count);
}

function* zeroChunks(count: number): Generator<Uint8Array, void, undefined> {
  let remaining = count;
  while (remaining > 0) {
    const size = Math.min(remaining, PADDING_CHUNK_SIZE);
    remaining -= size;
    yield new Uint8Array(size);
  }
}
