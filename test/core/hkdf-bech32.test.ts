import { createHmac, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { decodeBech32, encodeBech32, Bech32Error } from '../../client/core/bech32.js';
import { hkdfSha256, hmacSha256 } from '../../client/core/hkdf.js';
import { loadSodium } from '../../client/core/sodium.js';
import { withCode } from '../support/coded-errors.js';

beforeAll(async () => {
  await loadSodium();
});

describe('HKDF-SHA-256', () => {
  test('matches node:crypto (an independent implementation) for any inputs', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: 0, max: 200 }),
        (ikm, salt, info, length) => {
          const expected = new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
          expect(hkdfSha256(ikm, salt, info, length)).toEqual(expected);
        },
      ),
    );
  });

  test('HMAC accepts keys of any length', () => {
    for (const keyLength of [0, 16, 32, 64, 100]) {
      const key = new Uint8Array(keyLength).fill(3);
      const expected = new Uint8Array(createHmac('sha256', key).update('age').digest());
      expect(hmacSha256(key, new TextEncoder().encode('age'))).toEqual(expected);
    }
  });

  test('refuses impossible lengths', () => {
    expect(() => hkdfSha256(new Uint8Array(1), new Uint8Array(0), new Uint8Array(0), 255 * 32 + 1)).toThrow(RangeError);
  });
});

describe('bech32', () => {
  // BIP 173 valid test vectors and the age spec's example key pair.
  test.each([
    'A12UEL5L',
    'an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs',
    'abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw',
    'age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj',
  ])('accepts %s and re-encodes it', (text) => {
    const { prefix, data } = decodeBech32(text);
    expect(encodeBech32(prefix, data)).toBe(text.toLowerCase());
  });

  test.each([
    ['mixed case', 'A1g7SGD8'],
    ['bad checksum', 'age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwk'],
    ['no separator', 'pzry9x0s0muk'],
    ['empty prefix', '1pzry9x0s0muk'],
    ['invalid character', 'x1b4n0q5v'],
    ['checksum too short', 'li1dgmt3'],
  ])('refuses %s', (_name, text) => {
    expect(() => decodeBech32(text)).toThrow(Bech32Error);
  });

  test.each([
    ['mixed-case', 'A1g7SGD8'],
    ['invalid-checksum', 'age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwk'],
    ['invalid-separator', 'pzry9x0s0muk'],
    ['invalid-separator', 'li1dgmt3'],
    ['invalid-character', 'x1b4n0q5v'],
    ['invalid-prefix', '\x7f1qqqqqqq'],
    // BIP 173's "non-zero padding" vector: a valid checksum over words whose bytes leave bits over.
    ['invalid-padding', 'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv'],
  ])('refuses with code %s: %j', (code, text) => {
    expect(() => decodeBech32(text)).toThrow(withCode(code));
  });

  test('round-trips any data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (data) => {
        const decoded = decodeBech32(encodeBech32('age', data));
        expect(decoded.prefix).toBe('age');
        expect(decoded.data).toEqual(data);
      }),
    );
  });
});
