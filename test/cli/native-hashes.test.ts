/**
 * node:crypto's HMAC-SHA-256 and HKDF-SHA-256 (client/core-node/native-hashes.ts)
 * against @noble/hashes, the core's own, on random inputs and at the edges
 * (empty salt, key and info; output lengths up to the RFC 5869 maximum;
 * an info too long for node:crypto, which the core's own function serves).
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { hkdfSha256, hmacSha256, installHashFunctions } from '../../client/core/hkdf.js';
import { installNativeHashes, nativeHashes } from '../../client/core-node/native-hashes.js';

const runs = { numRuns: Number(process.env.SLOW) ? 500 : 100 };
const bytes = (maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });

beforeAll(() => {
  installNativeHashes();
});

test('HMAC-SHA-256 is byte for byte noble', () => {
  fc.assert(
    fc.property(bytes(100), fc.array(bytes(300), { maxLength: 4 }), (key, messages) => {
      const expected = hmac.create(sha256, key);
      for (const message of messages) expected.update(message);
      const got = hmacSha256(key, ...messages);
      expect(got.constructor).toBe(Uint8Array);
      expect(got).toEqual(expected.digest());
    }),
    runs,
  );
});

test('HKDF-SHA-256 is byte for byte noble, empty salt included', () => {
  fc.assert(
    fc.property(bytes(64), bytes(64), bytes(200), fc.integer({ min: 1, max: 255 * 32 }), (ikm, salt, info, length) => {
      const got = hkdfSha256(ikm, salt, info, length);
      expect(got.constructor).toBe(Uint8Array);
      expect(got).toEqual(hkdf(sha256, ikm, salt, info, length));
    }),
    runs,
  );
});

test("an info longer than node:crypto takes is left to the core's own function", () => {
  const info = new Uint8Array(1025).fill(7);
  expect(nativeHashes.hkdfSha256(new Uint8Array(32), new Uint8Array(0), info, 32)).toBeNull();
  expect(hkdfSha256(new Uint8Array(32), new Uint8Array(0), info, 32)).toEqual(
    hkdf(sha256, new Uint8Array(32), new Uint8Array(0), info, 32),
  );
});

test('the core still checks the length before any implementation runs', () => {
  installHashFunctions({
    hmacSha256: () => {
      throw new Error('not reached');
    },
    hkdfSha256: () => {
      throw new Error('not reached');
    },
  });
  try {
    expect(() => hkdfSha256(new Uint8Array(1), new Uint8Array(0), new Uint8Array(0), 255 * 32 + 1)).toThrow(RangeError);
    expect(hkdfSha256(new Uint8Array(1), new Uint8Array(0), new Uint8Array(0), 0)).toEqual(new Uint8Array(0));
  } finally {
    installNativeHashes();
  }
});
