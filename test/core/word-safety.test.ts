import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39';
import { wordlist as englishWords } from '@scure/bip39/wordlists/english.js';
import { wordlist as koreanWords } from '@scure/bip39/wordlists/korean.js';
import fc from 'fast-check';
import { loadSodium } from '../../client/core/sodium.js';
import { generateSourceSecret, secretToMnemonic } from '../../client/core/source-secret.js';
import {
  AVOIDED_ENGLISH_WORDS,
  AVOIDED_KOREAN_WORDS,
  avoidedWordIndexes,
  drawSafeSecret,
  hasAvoidedWord,
  wordIndexes,
} from '../../client/core/word-safety.js';
import { JITLESS } from '../support/age-helpers.js';

/**
 * Secrets drawn by the sampler generateSourceSecret uses, fed by Web Crypto:
 * libsodium's randombytes_buf fetches 4 bytes per call into JavaScript and
 * costs a fraction of a millisecond per secret, too slow for 100,000. Fewer
 * without JIT (node --jitless, Chromium's no-WebAssembly run), where SHA-256
 * in JavaScript is some twenty times slower.
 */
const SAMPLES = JITLESS ? 6_000 : 100_000;
/** Through generateSourceSecret itself, libsodium and all. */
const SODIUM_SAMPLES = JITLESS ? 100 : 500;

const webCrypto = (length: number): Uint8Array => crypto.getRandomValues(new Uint8Array(length));
const koreanWords_: readonly string[] = Object.values(AVOIDED_KOREAN_WORDS).flat();
const englishWords_: readonly string[] = Object.values(AVOIDED_ENGLISH_WORDS).flat();
const allowed = 2048 - avoidedWordIndexes().size;

let samples: Uint8Array[];
/** The 12 word indexes of each sample, computed once. */
let sampleIndexes: number[][];
/** How many draws the samples took, refused ones included. */
let draws = 0;

beforeAll(async () => {
  await loadSodium();
  const counting = (length: number): Uint8Array => {
    draws++;
    return webCrypto(length);
  };
  samples = Array.from({ length: SAMPLES }, () => drawSafeSecret(counting));
  sampleIndexes = samples.map(wordIndexes);
});

/**
 * The chi-square value a statistic with `df` degrees of freedom exceeds with
 * probability 1e-6 (Wilson–Hilferty): a correct sampler fails a test about
 * once in a million runs.
 */
function chiSquareLimit(df: number): number {
  const z = 4.7534;
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

function chiSquare(observed: readonly number[], expected: readonly number[]): number {
  return observed.reduce((sum, o, i) => sum + (o - expected[i]!) ** 2 / expected[i]!, 0);
}

describe('the avoid-list', () => {
  test('every Korean entry is a word of the Korean BIP39 list (compared NFKD, as the list is stored)', () => {
    const list = new Set(koreanWords);
    expect(koreanWords_.filter((word) => !list.has(word.normalize('NFKD')))).toEqual([]);
    // Written precomposed in the source, as a reviewer reads them.
    for (const word of koreanWords_) expect(word).toBe(word.normalize('NFC'));
  });

  test('every English entry is a word of the English BIP39 list', () => {
    const list = new Set(englishWords);
    expect(englishWords_.filter((word) => !list.has(word))).toEqual([]);
  });

  test('no entry is listed twice, and every entry is one avoided index', () => {
    expect(new Set(koreanWords_).size).toBe(koreanWords_.length);
    expect(new Set(englishWords_).size).toBe(englishWords_.length);
    const indexes = [
      ...koreanWords_.map((word) => koreanWords.indexOf(word.normalize('NFKD'))),
      ...englishWords_.map((word) => englishWords.indexOf(word)),
    ];
    expect(new Set(indexes)).toEqual(avoidedWordIndexes());
    // The review's 51 Korean words and 19 English ones, on 69 distinct
    // indexes: "suspect" is at the index of 충청도.
    expect(koreanWords_).toHaveLength(51);
    expect(englishWords_).toHaveLength(19);
    expect(englishWords.indexOf('suspect')).toBe(koreanWords.indexOf('충청도'.normalize('NFKD')));
    expect(avoidedWordIndexes().size).toBe(69);
  });

  test('the avoided indexes cover the examples the issue names, in both lists', () => {
    for (const word of ['대한민국', '북한', '서울', '기독교', '하느님', '쿠데타', '마약', '경찰']) {
      expect(avoidedWordIndexes().has(koreanWords.indexOf(word.normalize('NFKD')))).toBe(true);
    }
    expect(avoidedWordIndexes().has(englishWords.indexOf('police'))).toBe(true);
  });
});

describe('word indexes', () => {
  test('are the indexes of the words @scure/bip39 writes for the secret', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (secret) => {
        const words = entropyToMnemonic(secret, englishWords).split(' ');
        expect(wordIndexes(secret)).toEqual(words.map((word) => englishWords.indexOf(word)));
      }),
      { numRuns: JITLESS ? 50 : 500 },
    );
  });

  test('the BIP39 all-zero and all-ones vectors', () => {
    expect(wordIndexes(new Uint8Array(16))).toEqual([...new Array<number>(11).fill(0), 3]);
    // ffff…ff: "zoo" × 11 and "wrong" (index 2037).
    expect(wordIndexes(new Uint8Array(16).fill(0xff))).toEqual([...new Array<number>(11).fill(2047), 2037]);
  });

  test('hasAvoidedWord sees an avoided word at any of the 12 places, the checksum word included', () => {
    const avoided = [...avoidedWordIndexes()][0]!;
    for (let place = 0; place < 11; place++) {
      const indexes = new Array<number>(11).fill(1000);
      indexes[place] = avoided;
      expect(hasAvoidedWord(secretFromIndexes(indexes))).toBe(true);
    }
    // The checksum word: search for a secret whose 12th word is avoided, and only that one.
    let secret: Uint8Array;
    do secret = webCrypto(16);
    while (!avoidedWordIndexes().has(wordIndexes(secret)[11]!) || wordIndexes(secret).slice(0, 11).some(isAvoided));
    expect(hasAvoidedWord(secret)).toBe(true);
  });
});

const isAvoided = (index: number): boolean => avoidedWordIndexes().has(index);

/** The secret whose first 11 words have these indexes (the last 7 bits zero). */
function secretFromIndexes(indexes: readonly number[]): Uint8Array {
  const bits = indexes.map((index) => index.toString(2).padStart(11, '0')).join('') + '0000000';
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(bits.slice(i * 8, i * 8 + 8), 2));
}

describe('drawing secrets', () => {
  test(`no avoided word in ${SAMPLES} drawn secrets, in either language`, () => {
    const koreanAvoided = new Set(koreanWords_.map((word) => word.normalize('NFKD')));
    const englishAvoided = new Set(englishWords_);
    // Counted, not asserted one by one: 100,000 jest assertions take seconds.
    let avoidedIndexes = 0;
    let avoidedWords = 0;
    for (const indexes of sampleIndexes) {
      if (indexes.some(isAvoided)) avoidedIndexes++;
      // The words each list shows for those indexes, against the words as written in the list.
      if (indexes.some((i) => koreanAvoided.has(koreanWords[i]!) || englishAvoided.has(englishWords[i]!))) {
        avoidedWords++;
      }
    }
    expect({ avoidedIndexes, avoidedWords }).toEqual({ avoidedIndexes: 0, avoidedWords: 0 });
    expect(sampleIndexes).toHaveLength(SAMPLES);
  });

  test(`generateSourceSecret: no avoided word in ${SODIUM_SAMPLES} secrets as the page shows them`, () => {
    const shown = new Set([...koreanWords_, ...englishWords_]);
    for (let i = 0; i < SODIUM_SAMPLES; i++) {
      const secret = generateSourceSecret();
      expect(secret).toHaveLength(16);
      for (const language of ['ko', 'en'] as const) {
        expect(
          secretToMnemonic(secret, language)
            .split(' ')
            .filter((word) => shown.has(word)),
        ).toEqual([]);
      }
    }
  });

  test('drawn secrets stay ordinary BIP39: @scure/bip39 reads the words back in both lists', () => {
    for (const secret of samples.slice(0, JITLESS ? 30 : 200)) {
      for (const list of [englishWords, koreanWords]) {
        expect(mnemonicToEntropy(entropyToMnemonic(secret, list), list)).toEqual(secret);
      }
    }
  });

  test('refused draws are wiped and the first acceptable draw is returned', () => {
    const avoided = secretFromIndexes([...new Array<number>(10).fill(1000), [...avoidedWordIndexes()][5]!]);
    const fine = secretFromIndexes(new Array<number>(11).fill(1000));
    expect(hasAvoidedWord(fine)).toBe(false);
    const draws = [avoided, avoided.slice(), fine];
    const handed: Uint8Array[] = [];
    const result = drawSafeSecret(() => {
      const next = draws[handed.length]!;
      handed.push(next);
      return next;
    });
    expect(result).toBe(fine);
    expect(handed).toHaveLength(3);
    expect(handed[0]).toEqual(new Uint8Array(16));
    expect(handed[1]).toEqual(new Uint8Array(16));
  });

  test('a random source that returns the wrong length is misuse', () => {
    expect(() => drawSafeSecret(() => new Uint8Array(15))).toThrow(TypeError);
  });

  test('words are uniform over the allowed words, all places together (chi-square)', () => {
    const counts = new Array<number>(2048).fill(0);
    for (const indexes of sampleIndexes) for (const index of indexes) counts[index]!++;
    const observed = counts.filter((_, i) => !isAvoided(i));
    const expected = new Array<number>(allowed).fill((12 * samples.length) / allowed);
    expect(chiSquare(observed, expected)).toBeLessThan(chiSquareLimit(allowed - 1));
  });

  test('each of the 12 places is uniform over the allowed words (chi-square over 16 index ranges)', () => {
    // Ranges of 128 indexes, each expected in proportion to its allowed words:
    // coarse enough for the smaller sample without JIT, fine enough to see a skew.
    const allowedPerRange = Array.from(
      { length: 16 },
      (_, r) => Array.from({ length: 128 }, (_, j) => r * 128 + j).filter((i) => !isAvoided(i)).length,
    );
    for (let place = 0; place < 12; place++) {
      const observed = new Array<number>(16).fill(0);
      for (const indexes of sampleIndexes) observed[indexes[place]! >> 7]!++;
      const expected = allowedPerRange.map((n) => (n / allowed) * samples.length);
      expect(chiSquare(observed, expected)).toBeLessThan(chiSquareLimit(15));
    }
  });

  test('the test detects a skew: an unrejected sample fails the per-place check', () => {
    // The first word's top bit forced to 0 (indexes 0..1023 only).
    const observed = new Array<number>(16).fill(0);
    for (const indexes of sampleIndexes) observed[(indexes[0]! & 0x3ff) >> 7]!++;
    const expected = new Array<number>(16).fill(samples.length / 16);
    expect(chiSquare(observed, expected)).toBeGreaterThan(chiSquareLimit(15));
  });
});

describe('the entropy left (docs/PROTOCOL.md, Keys §3.1)', () => {
  const k = avoidedWordIndexes().size;
  /** Words 1 to 11 are 11 bits each of the secret: exactly (1 − k/2048)^11 of prefixes pass. */
  const first11 = 11 * Math.log2(1 - k / 2048);
  /**
   * Word 12 is 7 secret bits (its upper bits, choosing one of 128 ranges of
   * 16 indexes) and 4 checksum bits (the place within the range). Taking
   * SHA-256's bits as uniform, a range with a_r avoided indexes passes with
   * probability (16 − a_r)/16, which averages to 1 − k/2048. Whatever the
   * checksum does, every range with no avoided index passes: a bound that
   * does not depend on SHA-256.
   */
  const freeRanges = Array.from({ length: 128 }, (_, r) =>
    Array.from({ length: 16 }, (_, j) => r * 16 + j).some(isAvoided),
  ).filter((hit) => !hit).length;

  test('expected: 128 + 12·log2(1 − k/2048) bits, at least 126', () => {
    const bits = 128 + first11 + Math.log2(1 - k / 2048);
    expect(bits.toFixed(2)).toBe('127.41');
    expect(bits).toBeGreaterThanOrEqual(126);
    // About 1 draw in 3 is refused.
    expect((1 - (1 - k / 2048) ** 12).toFixed(3)).toBe('0.337');
  });

  test('without any assumption about SHA-256: 128 + 11·log2(1 − k/2048) + log2(free ranges/128), at least 126', () => {
    expect(freeRanges).toBe(81);
    const bits = 128 + first11 + Math.log2(freeRanges / 128);
    expect(bits.toFixed(2)).toBe('126.80');
    expect(bits).toBeGreaterThanOrEqual(126);
  });

  test('the sampler refused about the expected share of draws', () => {
    const refused = 1 - SAMPLES / draws;
    // The binomial standard deviation is under 0.005 for 6,000 samples: 6 of them.
    expect(Math.abs(refused - (1 - (1 - k / 2048) ** 12))).toBeLessThan(0.03);
  });
});
