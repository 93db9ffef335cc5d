import { wordlist as koreanWords } from '@scure/bip39/wordlists/korean.js';
import fc from 'fast-check';
import { KOREAN_ALIASES } from '../../client/core/korean-spelling.js';
import { loadSodium } from '../../client/core/sodium.js';
import { mnemonicToSecret, secretToMnemonic, SourceSecretError } from '../../client/core/source-secret.js';
import { joinPieces, MAX_PIECES_PER_WORD } from '../../client/core/word-joining.js';
import { JITLESS } from '../support/age-helpers.js';
import { thrownBy } from '../support/coded-errors.js';

/** A toy vocabulary: the value is the word's index. */
function lookupIn(...words: string[]): (word: string) => number | undefined {
  const index = new Map(words.map((word, i) => [word, i]));
  return (word) => index.get(word);
}

function errorOf(run: () => unknown): SourceSecretError {
  return thrownBy(run, SourceSecretError);
}

/** A secret whose word at `place` (0..10) is `word`, the others fixed by `seed`. */
function secretWith(word: string, place: number, seed: number): Uint8Array {
  const indexes = Array.from({ length: 11 }, (_, i) => (seed * 131 + i * 977 + 5) % 2048);
  indexes[place] = koreanWords.indexOf(word.normalize('NFKD'));
  const bits = indexes.map((index) => index.toString(2).padStart(11, '0')).join('') + '0110011';
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(bits.slice(i * 8, i * 8 + 8), 2));
}

beforeAll(async () => {
  await loadSodium();
});

describe('joinPieces (the rule, on a toy vocabulary)', () => {
  const lookup = lookupIn('a', 'b', 'c', 'd', 'bb', 'qrs', 'pq', 'qr', 'p', 'st', 's', 't');

  test('exactly the number of words: one piece each, no joining', () => {
    expect(joinPieces(['a', 'b', 'c'], lookup, 3)).toEqual({ kind: 'words', indexes: [0, 1, 2] });
    // "bb" is a word, but 3 pieces are 3 words.
    expect(joinPieces(['a', 'b', 'b'], lookup, 3)).toEqual({ kind: 'words', indexes: [0, 1, 1] });
    expect(joinPieces(['a', 'x', 'y'], lookup, 3)).toEqual({ kind: 'unknown', wordNumber: 2 });
  });

  test('a word split in two or three pieces is joined back', () => {
    expect(joinPieces(['a', 'b', 'b', 'c'], lookup, 3)).toEqual({ kind: 'words', indexes: [0, 4, 2] });
    expect(joinPieces(['a', 'q', 'r', 's', 'c'], lookup, 3)).toEqual({ kind: 'words', indexes: [0, 5, 2] });
    expect(joinPieces(['b', 'b', 'q', 'r', 's'], lookup, 2)).toEqual({ kind: 'words', indexes: [4, 5] });
  });

  test('pieces that join into the words in two ways are refused, at the first piece where the ways differ', () => {
    const pieces = ['a', 'p', 'q', 'r', 'c'];
    // a | pq | r | c  or  a | p | qr | c
    expect(joinPieces(pieces, lookupIn('a', 'c', 'pq', 'r', 'p', 'qr'), 4)).toEqual({
      kind: 'ambiguous',
      pieceNumber: 2,
    });
    // Without qr, one way only.
    expect(joinPieces(pieces, lookupIn('a', 'c', 'pq', 'r', 'p'), 4)).toEqual({ kind: 'words', indexes: [0, 2, 3, 1] });
  });

  test('too few pieces, or too many that join into no fewer words', () => {
    expect(joinPieces(['a', 'b'], lookup, 3)).toEqual({ kind: 'count' });
    expect(joinPieces([], lookup, 3)).toEqual({ kind: 'count' });
    expect(joinPieces(['a', 'b', 'c', 'd'], lookup, 3)).toEqual({ kind: 'count' });
    // More pieces than the longest possible words can be made of: not even looked at.
    const many = new Array<string>(3 * MAX_PIECES_PER_WORD + 1).fill('b');
    const seen: string[] = [];
    expect(
      joinPieces(
        many,
        (word) => {
          seen.push(word);
          return 0;
        },
        3,
      ),
    ).toEqual({ kind: 'count' });
    expect(seen).toEqual([]);
  });

  test('a word that is no word, among split ones, is named by its place among the words', () => {
    // a | bb | x | c: x is word 3.
    expect(joinPieces(['a', 'b', 'b', 'x', 'c'], lookup, 4)).toEqual({ kind: 'unknown', wordNumber: 3 });
    // Several unknown pieces: the first is named, the later ones count as a word each.
    expect(joinPieces(['x', 'b', 'b', 'y', 'c'], lookup, 4)).toEqual({ kind: 'unknown', wordNumber: 1 });
    // A piece joining no neighbour into a word counts, even if it is a word's first piece elsewhere.
    expect(joinPieces(['a', 'q', 'b', 'b', 'c'], lookup, 4)).toEqual({ kind: 'unknown', wordNumber: 2 });
  });

  test('when its place among the words cannot be told, the typed piece is named', () => {
    // Too many pieces around it: a | x | b | c | d cannot be 3 words with x one of them.
    expect(joinPieces(['a', 'x', 'b', 'c', 'd'], lookup, 3)).toEqual({ kind: 'unknown-piece', pieceNumber: 2 });
    // Two places fit: p|q|x|st or pq|x|s|t.
    expect(joinPieces(['p', 'q', 'x', 's', 't'], lookupIn('p', 'q', 'pq', 's', 't', 'st'), 4)).toEqual({
      kind: 'unknown-piece',
      pieceNumber: 3,
    });
  });
});

describe('the Korean list and aliases, as the join rule relies on them', () => {
  const words = [...koreanWords.map((word) => word.normalize('NFC')), ...KOREAN_ALIASES.map(({ alias }) => alias)];
  const known = new Set(words);

  test('no word is two words run together: two correct neighbours never join into a word', () => {
    const compounds: string[] = [];
    for (const word of words) {
      // Precomposed Hangul: one code point per syllable.
      const syllables = Array.from(word);
      for (let cut = 1; cut < syllables.length; cut++) {
        const [head, tail] = [syllables.slice(0, cut).join(''), syllables.slice(cut).join('')];
        if (known.has(head) && known.has(tail)) compounds.push(`${head}+${tail}`);
      }
    }
    expect(compounds).toEqual([]);
  });

  test('list words have at most MAX_PIECES_PER_WORD syllables', () => {
    expect(Math.max(...koreanWords.map((word) => Array.from(word.normalize('NFC')).length))).toBe(MAX_PIECES_PER_WORD);
  });
});

describe('reading split Korean words back', () => {
  // The compounds KOREAN-REVIEW.md §4 expects writers to split, and where.
  test.each([
    ['한번', '한 번'],
    ['그날', '그 날'],
    ['이것', '이 것'],
    ['저것', '저 것'],
    ['이곳', '이 곳'],
    ['큰길', '큰 길'],
    ['큰일', '큰 일'],
    ['큰소리', '큰 소리'],
    ['큰어머니', '큰 어머니'],
    ['작은딸', '작은 딸'],
    ['한마디', '한 마디'],
    ['고등학생', '고등 학생'],
    ['김포공항', '김포 공항'],
    ['세종대왕', '세종 대왕'],
    ['중계방송', '중계 방송'],
    // A North Korean spelling, split: 고추 가루 for 고춧가루 (alias 고추가루).
    ['고춧가루', '고추 가루'],
  ])('%s written as "%s"', (word, split) => {
    const place = (word.length * 3) % 11;
    const secret = secretWith(word, place, word.charCodeAt(0));
    const words = secretToMnemonic(secret, 'ko').split(' ');
    expect(words[place]).toBe(word);
    words[place] = split;
    expect(mnemonicToSecret(words.join(' '))).toEqual({ secret, language: 'ko' });
    // With two words split, and in decomposed form.
    const other = (place + 5) % 11;
    const otherWord = words[other]!;
    words[other] = `${otherWord.slice(0, 1)} ${otherWord.slice(1)}`;
    expect(mnemonicToSecret(words.join(' ').normalize('NFD')).secret).toEqual(secret);
  });

  test('splitting words anywhere never reads as another secret: the same secret or ambiguous-join', () => {
    const outcomes = { same: 0, ambiguous: 0 };
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.array(fc.tuple(fc.nat(11), fc.nat(3)), { minLength: 1, maxLength: 4 }),
        (secret, splits) => {
          const words = secretToMnemonic(secret, 'ko').split(' ');
          for (const [place, at] of splits) {
            // Precomposed Hangul: one code point per syllable.
            const syllables = Array.from(words[place]!);
            // Split at a syllable boundary (a word already split stays as it is).
            if (syllables.length < 2 || words[place]!.includes(' ')) continue;
            const cut = 1 + (at % (syllables.length - 1));
            words[place] = `${syllables.slice(0, cut).join('')} ${syllables.slice(cut).join('')}`;
          }
          try {
            expect(mnemonicToSecret(words.join(' ')).secret).toEqual(secret);
            outcomes.same++;
          } catch (error) {
            expect(error).toBeInstanceOf(SourceSecretError);
            expect((error as SourceSecretError).code).toBe('ambiguous-join');
            outcomes.ambiguous++;
          }
        },
      ),
      { numRuns: JITLESS ? 50 : 1000 },
    );
    // Ambiguity needs a half that is a word and a neighbour it joins into another: rare.
    expect(outcomes.same).toBeGreaterThan(outcomes.ambiguous * 10);
  });

  test('a typo beside a split word is named by its place among the 12 words', () => {
    const secret = secretWith('한번', 2, 11);
    const words = secretToMnemonic(secret, 'ko').split(' ');
    words[2] = '한 번';
    words[7] = '가갸';
    const error = errorOf(() => mnemonicToSecret(words.join(' ')));
    expect([error.code, error.wordNumber, error.language]).toEqual(['unknown-word', 8, 'ko']);
    expect(error.message).toBe('word 8 is not in the korean word list');
  });

  test('a 13th piece that is no word is named as a typed word', () => {
    const words = `legal winner thank year wave sausage worth useful legal winner thank yellow wavy`;
    const error = errorOf(() => mnemonicToSecret(words));
    expect([error.code, error.wordNumber, error.language]).toEqual(['unknown-typed-word', 13, 'en']);
    expect(error.message).not.toContain('wavy');
  });

  test('13 list words that join into nothing are the wrong number of words', () => {
    const words = `${secretToMnemonic(new Uint8Array(16).fill(3), 'ko')} 가격`;
    expect(errorOf(() => mnemonicToSecret(words)).code).toBe('word-count');
  });
});
