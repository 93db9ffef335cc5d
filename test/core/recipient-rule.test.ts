/**
 * One rule for "is this an X25519 recipient" (client/core/x25519.ts,
 * `isX25519Recipient`): the key manifest and submission.json's reply address
 * accept exactly what `X25519Recipient.parse` accepts.
 */
import { encodeBech32 } from '../../client/core/bech32.js';
import { checkManifestEditor, ManifestError } from '../../client/core/manifest.js';
import { parseSubmissionManifest, SubmissionError } from '../../client/core/submission.js';
import { isX25519Recipient, X25519Recipient } from '../../client/core/x25519.js';

const KEY = new Uint8Array(32).map((_, i) => i * 7);
const VALID = encodeBech32('age', KEY);

const CASES: [string, string, boolean][] = [
  ['the canonical lowercase form', VALID, true],
  ['the uppercase form', VALID.toUpperCase(), false],
  ['mixed case', VALID.slice(0, 10) + VALID.slice(10).toUpperCase(), false],
  ['another prefix', encodeBech32('agx', KEY), false],
  ['a 31-byte key', encodeBech32('age', KEY.subarray(1)), false],
  ['a 33-byte key', encodeBech32('age', new Uint8Array(33)), false],
  ['a broken checksum', VALID.slice(0, -1) + (VALID.endsWith('q') ? 'p' : 'q'), false],
  ['an identity', encodeBech32('AGE-SECRET-KEY-', KEY).toUpperCase(), false],
  ['surrounding space', ` ${VALID}`, false],
  ['nothing', '', false],
];

function manifestAccepts(recipient: string): boolean {
  const entry = { name: 'Alice', recipient, accessKey: 'A'.repeat(43) + '=', status: 'active' };
  try {
    checkManifestEditor(entry);
    return true;
  } catch (error) {
    if (error instanceof ManifestError) return false;
    throw error;
  }
}

function submissionAccepts(recipient: string): boolean {
  const json = { format: 'sealdrop-submission', version: 1, message: 'message.txt', files: [], reply: { recipient } };
  try {
    parseSubmissionManifest(new TextEncoder().encode(JSON.stringify(json)));
    return true;
  } catch (error) {
    if (error instanceof SubmissionError) return false;
    throw error;
  }
}

describe.each(CASES)('%s', (_what, text, valid) => {
  it(`is ${valid ? 'accepted' : 'refused'} by isX25519Recipient, as by X25519Recipient.parse`, () => {
    expect(isX25519Recipient(text)).toBe(valid);
    if (valid) expect(X25519Recipient.parse(text).format()).toBe(text);
    else expect(() => X25519Recipient.parse(text)).toThrow();
  });

  it('gets the same answer from the manifest and from submission.json', () => {
    expect(manifestAccepts(text)).toBe(valid);
    expect(submissionAccepts(text)).toBe(valid);
  });
});
