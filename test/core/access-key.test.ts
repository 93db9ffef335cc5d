// The editor's access key document (client/core/access-key.ts): it round
// trips, and every refusal carries the code that says whether the file is
// not an access key at all or an access key that is damaged.
import {
  AccessKeyError,
  formatAccessKey,
  generateAccessKey,
  parseAccessKey,
  type AccessKeyErrorCode,
} from '../../client/core/access-key.js';
import { encodeBase64 } from '../../client/core/base64.js';
import { fromUtf8, utf8 } from '../../client/core/bytes.js';
import { loadSodium } from '../../client/core/sodium.js';
import { withCode } from '../support/coded-errors.js';

beforeAll(async () => {
  await loadSodium();
});

function documentOf(edit: (value: Record<string, unknown>) => unknown): Uint8Array {
  const value = JSON.parse(fromUtf8(formatAccessKey(generateAccessKey('Alice Kim')))) as Record<string, unknown>;
  return utf8(JSON.stringify(edit(value)));
}

test('round trips, the secret key derived from the seed', () => {
  const key = generateAccessKey('Alice Kim');
  const parsed = parseAccessKey(formatAccessKey(key));
  expect(parsed).toEqual(key);
});

test.each<[AccessKeyErrorCode, string, () => Uint8Array]>([
  ['not-access-key', 'not JSON', () => utf8('{"format"')],
  ['not-access-key', 'an array', () => utf8('[]')],
  ['not-access-key', 'an extra field', () => documentOf((value) => ({ ...value, note: 'x' }))],
  ['not-access-key', 'another format', () => documentOf((value) => ({ ...value, format: 'other' }))],
  ['not-access-key', 'version 2', () => documentOf((value) => ({ ...value, formatVersion: 2 }))],
  ['not-access-key', 'a numeric name', () => documentOf((value) => ({ ...value, name: 5 }))],
  [
    'corrupted',
    'unpadded base64',
    () => documentOf((value) => ({ ...value, seed: (value.seed as string).replace(/=+$/u, '') })),
  ],
  [
    'corrupted',
    'a short seed',
    () => documentOf((value) => ({ ...value, seed: encodeBase64(new Uint8Array(31), true) })),
  ],
  [
    'corrupted',
    'a seed of another key',
    () => documentOf((value) => ({ ...value, seed: encodeBase64(new Uint8Array(32).fill(1), true) })),
  ],
])('refuses with %s: %s', (code, _label, bytes) => {
  expect(() => parseAccessKey(bytes())).toThrow(AccessKeyError);
  expect(() => parseAccessKey(bytes())).toThrow(withCode(code));
});
