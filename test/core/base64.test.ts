import fc from 'fast-check';
import { decodeBase64, encodeBase64, Base64Error } from '../../client/core/base64.js';
import { Buffer } from 'node:buffer';

describe('base64', () => {
  test('matches Node for every length, padded and unpadded', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const node = Buffer.from(bytes).toString('base64');
        expect(encodeBase64(bytes, true)).toBe(node);
        expect(encodeBase64(bytes, false)).toBe(node.replace(/=+$/, ''));
        expect(decodeBase64(node, true)).toEqual(bytes);
        expect(decodeBase64(node.replace(/=+$/, ''), false)).toEqual(bytes);
      }),
    );
  });

  test.each([
    ['padding where none is allowed', 'YQ==', false],
    ['missing padding', 'YQ', true],
    ['non-zero trailing bits', 'YR', false],
    ['whitespace', 'YW Jj', false],
    ['url-safe alphabet', 'a-_b', false],
    ['impossible length', 'YWJjZ', false],
  ])('refuses %s', (_name, text, padded) => {
    expect(() => decodeBase64(text, padded)).toThrow(Base64Error);
  });
});
