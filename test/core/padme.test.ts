import fc from 'fast-check';
import { PADDING_CHUNK_SIZE, padmeLength, zeroPadding } from '../../client/core/padme.js';

const numRuns = Number(process.env.SLOW) ? 1000 : 50;

/** Padmé on BigInt, straight from the paper's pseudocode: an independent reference. */
function referencePadme(length: bigint): bigint {
  if (length < 2n) return length;
  const exponent = BigInt(length.toString(2).length - 1);
  const significantBits = BigInt(exponent.toString(2).length);
  const lowBits = exponent - significantBits;
  if (lowBits <= 0n) return length;
  const mask = (1n << lowBits) - 1n;
  return (length + mask) & ~mask;
}

describe('padmeLength', () => {
  test('leaves lengths 0 to 8 unchanged', () => {
    for (let length = 0; length <= 8; length++) expect(padmeLength(length)).toBe(length);
  });

  test('matches values worked out by hand', () => {
    // 9: E = 3, S = 2, one low bit cleared -> 10.
    expect(padmeLength(9)).toBe(10);
    expect(padmeLength(10)).toBe(10);
    expect(padmeLength(11)).toBe(12);
    // 1000: E = 9, S = 4, 5 low bits -> multiple of 32 -> 1024.
    expect(padmeLength(1000)).toBe(1024);
    // 1025: E = 10, S = 4, 6 low bits -> multiple of 64 -> 1088.
    expect(padmeLength(1025)).toBe(1088);
    // 2^20 + 1: E = 20, S = 5, 15 low bits -> 33 * 2^15.
    expect(padmeLength(2 ** 20 + 1)).toBe(33 * 2 ** 15);
    // 2^32 + 1: E = 32, S = 6, 26 low bits -> 65 * 2^26 (past any 32-bit trick).
    expect(padmeLength(2 ** 32 + 1)).toBe(65 * 2 ** 26);
    // 2^53 - 1: E = 52, S = 6, 46 low bits -> 2^53.
    expect(padmeLength(Number.MAX_SAFE_INTEGER)).toBe(2 ** 53);
  });

  test('agrees with a BigInt reference up to MAX_SAFE_INTEGER', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 1 << 20 }), fc.maxSafeNat()), (length) => {
        expect(BigInt(padmeLength(length))).toBe(referencePadme(BigInt(length)));
      }),
      { numRuns },
    );
  });

  test('is monotonic, never smaller, idempotent, and at most 12% larger, the bound in the paper', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(padmeLength(low)).toBeLessThanOrEqual(padmeLength(high));
        const padded = padmeLength(high);
        expect(padded).toBeGreaterThanOrEqual(high);
        if (high > 0) expect((padded - high) / high).toBeLessThanOrEqual(0.12);
        if (padded <= Number.MAX_SAFE_INTEGER) expect(padmeLength(padded)).toBe(padded);
      }),
      { numRuns },
    );
    let worst = 0;
    for (let length = 1; length < 5000; length++) {
      expect(padmeLength(length + 1)).toBeGreaterThanOrEqual(padmeLength(length));
      worst = Math.max(worst, (padmeLength(length) - length) / length);
    }
    // The worst case is 129 -> 144 (E = 7, S = 3: multiples of 16).
    expect(padmeLength(129)).toBe(144);
    expect(worst).toBeCloseTo(15 / 129, 10);
  });

  test('overhead shrinks for large lengths', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2 ** 30, max: Number.MAX_SAFE_INTEGER }), (length) => {
        // E >= 30 so S >= 5: overhead below 2^-5.
        expect((padmeLength(length) - length) / length).toBeLessThan(1 / 32);
      }),
      { numRuns },
    );
  });

  test('refuses lengths that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 53]) expect(() => padmeLength(bad)).toThrow(RangeError);
  });
});

describe('zeroPadding', () => {
  test('yields exactly count zero bytes in fresh chunks of at most 64 KiB', () => {
    for (const count of [0, 1, 511, PADDING_CHUNK_SIZE, PADDING_CHUNK_SIZE + 1, 200_000]) {
      const chunks = [...zeroPadding(count)];
      expect(chunks.reduce((sum, chunk) => sum + chunk.length, 0)).toBe(count);
      for (const chunk of chunks) {
        expect(chunk.length).toBeGreaterThan(0);
        expect(chunk.length).toBeLessThanOrEqual(PADDING_CHUNK_SIZE);
        expect(chunk.every((byte) => byte === 0)).toBe(true);
      }
      if (chunks.length > 1) expect(chunks[0]!.buffer).not.toBe(chunks[1]!.buffer);
    }
  });

  test('refuses a bad count at the call', () => {
    expect(() => zeroPadding(-1)).toThrow(RangeError);
    expect(() => zeroPadding(0.5)).toThrow(RangeError);
  });
});
