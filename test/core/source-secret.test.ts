import { spawnSync } from 'node:child_process';
import { hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { loadSodium } from '../../client/core/sodium.js';
import {
  deriveSourceKeys,
  generateSourceSecret,
  mailboxIdFor,
  mnemonicToSecret,
  secretToMnemonic,
  SourceSecretError,
  type MnemonicLanguage,
} from '../../client/core/source-secret.js';
import { Scratch } from '../support/minisign-cli.js';
import { requireTools } from '../support/required-tools.js';

const numRuns = Number(process.env.SLOW) ? 1000 : 50;
const withAge = requireTools(['age', 'age-keygen'], 'the reply identity against the age binary');
const secretArb = fc.uint8Array({ minLength: 16, maxLength: 16 });
const languageArb = fc.constantFrom<MnemonicLanguage>('en', 'ko');

let scratch: Scratch;

beforeAll(async () => {
  await loadSodium();
  scratch = new Scratch();
});

afterAll(() => {
  scratch.remove();
});

function expectReason(run: () => unknown, reason: SourceSecretError['code'], wordNumber?: number): SourceSecretError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SourceSecretError);
    expect((error as SourceSecretError).code).toBe(reason);
    if (wordNumber !== undefined) expect((error as SourceSecretError).wordNumber).toBe(wordNumber);
    return error as SourceSecretError;
  }
  throw new Error(`expected SourceSecretError ${reason}`);
}

describe('mnemonics', () => {
  // BIP39 reference vectors (trezor/python-mnemonic vectors.json).
  test.each([
    [
      '00000000000000000000000000000000',
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
    ],
    ['7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f', 'legal winner thank year wave sausage worth useful legal winner thank yellow'],
    [
      '80808080808080808080808080808080',
      'letter advice cage absurd amount doctor acoustic avoid letter advice cage above',
    ],
    ['ffffffffffffffffffffffffffffffff', 'zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong'],
  ])('English vector %s', (hex, words) => {
    const secret = Uint8Array.from(Buffer.from(hex, 'hex'));
    expect(secretToMnemonic(secret, 'en')).toBe(words);
    expect(mnemonicToSecret(words)).toEqual({ secret, language: 'en' });
  });

  test('Korean words come out precomposed (NFC) and read back in NFC or NFD', () => {
    const secret = new Uint8Array(16);
    // Eleven words of index 0 and the checksum word of index 3, as in English.
    const words = `${'가격 '.repeat(11)}가능`;
    expect(secretToMnemonic(secret, 'ko')).toBe(words);
    expect(mnemonicToSecret(words)).toEqual({ secret, language: 'ko' });
    expect(mnemonicToSecret(words.normalize('NFD'))).toEqual({ secret, language: 'ko' });
  });

  test('extra whitespace, ideographic spaces, line breaks and case do not matter', () => {
    const secret = Uint8Array.from(Buffer.from('7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f', 'hex'));
    expect(
      mnemonicToSecret('  Legal WINNER thank\tyear\n wave  sausage worth useful legal winner thank yellow \n').secret,
    ).toEqual(secret);
    const korean = secretToMnemonic(secret, 'ko');
    expect(mnemonicToSecret(`\u3000${korean.replaceAll(' ', '\u3000\u3000')}\n`).secret).toEqual(secret);
  });

  test('round-trips any secret in both languages, in any normalisation form', () => {
    fc.assert(
      fc.property(secretArb, languageArb, fc.constantFrom('NFC', 'NFD', 'NFKC', 'NFKD'), (secret, language, form) => {
        const words = secretToMnemonic(secret, language);
        expect(words.split(' ')).toHaveLength(12);
        expect(words).toBe(words.normalize('NFC'));
        expect(mnemonicToSecret(words.normalize(form))).toEqual({ secret, language });
      }),
      { numRuns },
    );
  });

  test('a one-word typo names the word by position, never by content', () => {
    const words = 'legal winner thank year wave sausage worth useful legal winner thank yellow'.split(' ');
    words[4] = 'wavy';
    const error = expectReason(() => mnemonicToSecret(words.join(' ')), 'unknown-word', 5);
    expect(error.message).toBe('word 5 is not in the english word list');
    expect(error.language).toBe('en');
    expect(error.message).not.toContain('wavy');
  });

  test('a Korean typo is reported against the Korean list', () => {
    const words = secretToMnemonic(new Uint8Array(16).fill(9), 'ko').split(' ');
    words[11] = '가갸';
    const error = expectReason(() => mnemonicToSecret(words.join(' ')), 'unknown-word', 12);
    expect(error.message).toBe('word 12 is not in the korean word list');
    expect(error.language).toBe('ko');
  });

  test('valid words with a wrong checksum (a wrong word or a swapped order)', () => {
    expect(expectReason(() => mnemonicToSecret(`${'abandon '.repeat(11)}abandon`), 'checksum').language).toBe('en');
    expectReason(
      () => mnemonicToSecret('winner legal thank year wave sausage worth useful legal winner thank yellow'),
      'checksum',
    );
  });

  test('the wrong number of words', () => {
    expectReason(
      () => mnemonicToSecret('legal winner thank year wave sausage worth useful legal winner thank'),
      'word-count',
    );
    expectReason(() => mnemonicToSecret(''), 'word-count');
    expectReason(() => mnemonicToSecret(`${'abandon '.repeat(14)}about`), 'word-count');
  });

  test('mixed languages', () => {
    expectReason(() => mnemonicToSecret(`가격 ${'abandon '.repeat(10)}about`), 'mixed-language');
  });

  test('generated secrets are 16 fresh random bytes', () => {
    const a = generateSourceSecret();
    expect(a).toHaveLength(16);
    expect(generateSourceSecret()).not.toEqual(a);
  });

  test('secrets of the wrong size are misuse', () => {
    expect(() => secretToMnemonic(new Uint8Array(32), 'en')).toThrow(TypeError);
    expect(() => deriveSourceKeys(new Uint8Array(15))).toThrow(TypeError);
  });
});

describe('derived keys', () => {
  withAge.test('the reply identity is what age-keygen -y and age agree with', () => {
    const keys = deriveSourceKeys(generateSourceSecret());
    expect(keys.replyIdentity).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    expect(keys.replyRecipient).toMatch(/^age1[0-9a-z]{58}$/);
    const identity = scratch.write('reply.key', `${keys.replyIdentity}\n`);
    const derived = spawnSync('age-keygen', ['-y', identity], { encoding: 'utf8' });
    expect(derived.stderr).toBe('');
    expect(derived.stdout.trim()).toBe(keys.replyRecipient);
    // And a reply encrypted to the recipient opens with the identity.
    const sealed = spawnSync('age', ['-r', keys.replyRecipient], { input: 'a reply' });
    const opened = spawnSync('age', ['-d', '-i', identity], { input: sealed.stdout, encoding: 'utf8' });
    expect(opened.stdout).toBe('a reply');
  });

  test('derivations match the documented HKDF-SHA-256 labels (node:crypto as the independent implementation)', () => {
    fc.assert(
      fc.property(secretArb, (secret) => {
        const keys = deriveSourceKeys(secret);
        const capability = new Uint8Array(
          hkdfSync('sha256', secret, new Uint8Array(0), 'sealdrop/v1/mailbox-capability', 32),
        );
        expect(keys.mailboxCapability).toEqual(capability);
        const id = Buffer.from(
          hkdfSync('sha256', capability, new Uint8Array(0), 'sealdrop/v1/mailbox-id', 16),
        ).toString('hex');
        expect(keys.mailboxId).toBe(id);
        expect(mailboxIdFor(keys.mailboxCapability)).toBe(id);
      }),
      { numRuns },
    );
  });

  test('are deterministic, distinct per label and per secret', () => {
    fc.assert(
      fc.property(secretArb, secretArb, (a, b) => {
        fc.pre(!a.every((byte, i) => byte === b[i]));
        const keysA = deriveSourceKeys(a);
        expect(deriveSourceKeys(a.slice())).toEqual(keysA);
        const keysB = deriveSourceKeys(b);
        expect(keysB.replyIdentity).not.toBe(keysA.replyIdentity);
        expect(keysB.mailboxId).not.toBe(keysA.mailboxId);
        expect(keysB.mailboxCapability).not.toEqual(keysA.mailboxCapability);
        // The identity scalar, the capability and the id are unrelated byte strings.
        const identityHex = Buffer.from(
          hkdfSync('sha256', a, new Uint8Array(0), 'sealdrop/v1/reply-identity', 32),
        ).toString('hex');
        expect(Buffer.from(keysA.mailboxCapability).toString('hex')).not.toBe(identityHex);
        expect(identityHex.startsWith(keysA.mailboxId)).toBe(false);
      }),
      { numRuns },
    );
  });

  test('the words and the secret give the same keys', () => {
    const secret = generateSourceSecret();
    const fromWords = mnemonicToSecret(secretToMnemonic(secret, 'ko').normalize('NFD')).secret;
    expect(deriveSourceKeys(fromWords)).toEqual(deriveSourceKeys(secret));
  });
});
