import { mnemonicToEntropy } from '@scure/bip39';
import { wordlist as englishWords } from '@scure/bip39/wordlists/english.js';
import { wordlist as koreanWords } from '@scure/bip39/wordlists/korean.js';
import { KOREAN_ALIASES, listWordForAlias } from '../../client/core/korean-spelling.js';
import { loadSodium } from '../../client/core/sodium.js';
import { mnemonicToSecret, secretToMnemonic, SourceSecretError } from '../../client/core/source-secret.js';
import { thrownBy } from '../support/coded-errors.js';

const koreanList = new Set(koreanWords);
const nfkd = (word: string): string => word.normalize('NFKD');

/** A secret whose word at `place` (0..10) is `word`, the others fixed by `seed`. */
function secretWith(word: string, place: number, seed: number): Uint8Array {
  const indexes = Array.from({ length: 11 }, (_, i) => (seed * 131 + i * 977) % 2048);
  indexes[place] = koreanWords.indexOf(nfkd(word));
  const bits = indexes.map((index) => index.toString(2).padStart(11, '0')).join('') + '1010101';
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(bits.slice(i * 8, i * 8 + 8), 2));
}

function errorOf(run: () => unknown): SourceSecretError {
  return thrownBy(run, SourceSecretError);
}

beforeAll(async () => {
  await loadSodium();
});

describe('the alias table', () => {
  test('every list word is a word of the Korean BIP39 list (compared NFKD)', () => {
    expect(KOREAN_ALIASES.filter(({ word }) => !koreanList.has(nfkd(word)))).toEqual([]);
  });

  test('no alias is itself a list word, in either list: it would mean another secret', () => {
    expect(KOREAN_ALIASES.filter(({ alias }) => koreanList.has(nfkd(alias)) || englishWords.includes(alias))).toEqual(
      [],
    );
  });

  test('no alias names two words, and no word has two aliases', () => {
    const aliases = KOREAN_ALIASES.map(({ alias }) => nfkd(alias));
    expect(new Set(aliases).size).toBe(aliases.length);
    const words = KOREAN_ALIASES.map(({ word }) => nfkd(word));
    expect(new Set(words).size).toBe(words.length);
  });

  test('entries are precomposed Hangul syllables, alias and word different', () => {
    for (const { word, alias } of KOREAN_ALIASES) {
      expect(alias).toMatch(/^[\uac00-\ud7a3]{2,5}$/u);
      expect(word).toBe(word.normalize('NFC'));
      expect(alias).not.toBe(word);
    }
  });

  test("the review's 114 pairs and the two sai-siot words it missed", () => {
    expect(KOREAN_ALIASES).toHaveLength(116);
    const count = (rule: string): number => KOREAN_ALIASES.filter((entry) => entry.rule === rule).length;
    expect([count('initial-sound'), count('ryul'), count('sai-siot'), count('loanword')]).toEqual([67, 3, 25, 21]);
  });

  test('listWordForAlias works on NFKD and knows nothing else', () => {
    expect(listWordForAlias(nfkd('래일'))).toBe(nfkd('내일'));
    expect(listWordForAlias('래일'.normalize('NFC'))).toBeUndefined();
    expect(listWordForAlias(nfkd('내일'))).toBeUndefined();
    expect(listWordForAlias('')).toBeUndefined();
  });
});

describe('reading words back in North Korean spelling', () => {
  test.each(KOREAN_ALIASES.map((entry, i) => [entry.alias, entry.word, i] as const))(
    '%s for %s gives the same secret',
    (alias, word, i) => {
      const place = i % 11;
      const secret = secretWith(word, place, i);
      const words = secretToMnemonic(secret, 'ko').split(' ');
      expect(words[place]).toBe(word);
      words[place] = alias;
      expect(mnemonicToSecret(words.join(' '))).toEqual({ secret, language: 'ko' });
      // Decomposed input (as some keyboards send it) too.
      expect(mnemonicToSecret(words.join(' ').normalize('NFD')).secret).toEqual(secret);
      // The alias is not BIP39: standard tools need the list word, which is what the page shows.
      expect(() => mnemonicToEntropy(nfkd(words.join(' ')), koreanWords)).toThrow();
    },
  );

  test('several aliases in one secret, and aliases with list words mixed freely', () => {
    const secret = secretWith('내일', 0, 7);
    const words = secretToMnemonic(secret, 'ko').split(' ');
    words[0] = '래일';
    const second = KOREAN_ALIASES.find(({ word }) => words.slice(1).includes(word));
    if (second !== undefined) words[words.indexOf(second.word)] = second.alias;
    expect(mnemonicToSecret(words.join(' ')).secret).toEqual(secret);
  });

  test('an alias counts as Korean when detecting the language', () => {
    const words = secretToMnemonic(secretWith('숫자', 3, 1), 'ko').split(' ');
    words[3] = '수자';
    words[5] = 'abandon';
    expect(errorOf(() => mnemonicToSecret(words.join(' '))).code).toBe('mixed-language');
  });

  test('a wrong alias-like word is still an unknown word at its place', () => {
    const words = secretToMnemonic(secretWith('노동', 4, 2), 'ko').split(' ');
    words[4] = '로둥';
    const error = errorOf(() => mnemonicToSecret(words.join(' ')));
    expect([error.code, error.wordNumber, error.language]).toEqual(['unknown-word', 5, 'ko']);
  });
});
