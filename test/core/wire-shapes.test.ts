/**
 * The wire shapes of ids, challenges and tokens (client/core/wire-shapes.ts)
 * and the editor login message (client/core/editor-login.ts), shared by the
 * server, the command line and the page.
 */
import { CHALLENGE_BYTES, CHALLENGE_CONTEXT, challengeMessage } from '../../client/core/editor-login.js';
import { encodeBase64 } from '../../client/core/base64.js';
import {
  isBearerToken,
  isLoginChallenge,
  isSubmissionId,
  RANDOM_TOKEN_BYTES,
  SUBMISSION_ID_BYTES,
} from '../../client/core/wire-shapes.js';

const hex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
const base64url = (bytes: Uint8Array): string => encodeBase64(bytes, false).replace(/\+/g, '-').replace(/\//g, '_');

describe('isSubmissionId', () => {
  it('accepts 16 random bytes as lowercase hex', () => {
    expect(isSubmissionId(hex(new Uint8Array(SUBMISSION_ID_BYTES).fill(0xab)))).toBe(true);
    expect(isSubmissionId('0123456789abcdef0123456789abcdef')).toBe(true);
  });

  it.each([
    ['uppercase hex', '0123456789ABCDEF0123456789ABCDEF'],
    ['31 digits', '0123456789abcdef0123456789abcde'],
    ['33 digits', '0123456789abcdef0123456789abcdef0'],
    ['a path', '../3456789abcdef0123456789abcdef'],
    ['a trailing newline', '0123456789abcdef0123456789abcdef\n'],
    ['a number', 123],
    ['nothing', undefined],
  ])('refuses %s', (_what, value) => {
    expect(isSubmissionId(value)).toBe(false);
  });
});

describe('isLoginChallenge and isBearerToken', () => {
  const token = base64url(new Uint8Array(RANDOM_TOKEN_BYTES).fill(0xfb));

  it('accept 32 random bytes as unpadded base64url', () => {
    expect(token).toHaveLength(43);
    expect(isLoginChallenge(token)).toBe(true);
    expect(isBearerToken(token)).toBe(true);
  });

  it.each([
    ['padding', `${token}=`],
    ['the standard alphabet', `${token.slice(0, 41)}+/`],
    ['42 characters', token.slice(1)],
    ['44 characters', `${token}A`],
    ['a space', `${token.slice(0, 42)} `],
    ['a non-string', 42],
  ])('refuse %s', (_what, value) => {
    expect(isLoginChallenge(value)).toBe(false);
    expect(isBearerToken(value)).toBe(false);
  });
});

describe('challengeMessage', () => {
  it('is the login context followed by the raw challenge bytes', () => {
    const challenge = new Uint8Array(CHALLENGE_BYTES).map((_, i) => i);
    const message = challengeMessage(challenge);
    const context = new TextEncoder().encode(CHALLENGE_CONTEXT);
    expect(CHALLENGE_CONTEXT).toBe('sealdrop editor login v1\n');
    expect(message).toEqual(new Uint8Array([...context, ...challenge]));
  });

  it('refuses a challenge of the wrong length', () => {
    expect(() => challengeMessage(new Uint8Array(CHALLENGE_BYTES - 1))).toThrow(TypeError);
    expect(() => challengeMessage(new Uint8Array(CHALLENGE_BYTES + 1))).toThrow(TypeError);
  });
});
