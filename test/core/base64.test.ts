import fc from 'fast-check';
import { decodeBase64, encodeBase64, Base64Error } from '../../client/core/base64.js';
import { Buffer } from 'node:buffer';
import { withCode } from '../support/coded-errors.js';

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
    ['padding where none is allowed', 'YQ==', false, 'invalid-character'],
    ['missing padding', 'YQ', true, 'invalid-length'],
    ['non-zero trailing bits', 'YR', false, 'non-canonical'],
    ['non-zero trailing bits before padding', 'YR==', true, 'non-canonical'],
    // Four characters, so that the space (not the length) is what is refused.
    ['whitespace', 'YW J', false, 'invalid-character'],
    ['url-safe alphabet', 'a-_b', false, 'invalid-character'],
    ['impossible length', 'YWJjZ', false, 'invalid-length'],
  ])('refuses %s', (_name, text, padded, code) => {
    expect(() => decodeBase64(text, padded)).toThrow(Base64Error);
    expect(() => decodeBase64(text, padded)).toThrow(withCode(code));
  });
});
