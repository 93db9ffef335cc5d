/**
 * Reading typed pieces back into a fixed number of words when a writer has
 * split some words in two: 한 번 for 한번, 김포 공항 for 김포공항, 고등 학생
 * for 고등학생. Korean spacing rules differ between the two Koreas and between
 * writers, so a compound copied by hand often comes back as two pieces; the
 * rule below joins them back, deterministically, and refuses what it cannot
 * read one way only. The rule is specified in docs/PROTOCOL.md (Keys §3.1).
 *
 * Pure and language-neutral: `lookup` says whether a string is a word (a list
 * word or an accepted spelling of one) and which.
 */

/** A word is at most this many typed pieces: the longest list words have four syllables. */
export const MAX_PIECES_PER_WORD = 4;

export type JoinResult =
  /** The pieces read as exactly `count` words, one way only: their indexes. */
  | { readonly kind: 'words'; readonly indexes: readonly number[] }
  /** Too few pieces, or too many that cannot be joined into `count` words. */
  | { readonly kind: 'count' }
  /** A piece is no word and joins into none; `wordNumber` is its 1-based place among the `count` words. */
  | { readonly kind: 'unknown'; readonly wordNumber: number }
  /** As `unknown`, but its place among the words cannot be told: `pieceNumber` is its 1-based place among the typed pieces. */
  | { readonly kind: 'unknown-piece'; readonly pieceNumber: number }
  /** The pieces join into `count` words in more than one way, first differing at typed piece `pieceNumber` (1-based). */
  | { readonly kind: 'ambiguous'; readonly pieceNumber: number };

/**
 * Read `pieces` (already normalised and split on whitespace) as `count` words.
 *
 * - Exactly `count` pieces: each piece is one word; the first that is not a
 *   word is `unknown` at its position. No joining.
 * - Fewer pieces, or more than `count × MAX_PIECES_PER_WORD`: `count`.
 * - More pieces: every way of cutting the pieces, in order, into `count`
 *   runs of 1 to 4 neighbours whose concatenation is a word. One way: the
 *   words. Several: `ambiguous`, at the first piece where the ways differ.
 *   None: the first piece that is in no such run is reported, as `unknown`
 *   at its place among the words if the pieces before it can be read as
 *   words and the pieces after it as the rest (other such pieces counting
 *   as one word each) in exactly one count, else as `unknown-piece`; if
 *   every piece is in some run, `count`.
 */
export function joinPieces(
  pieces: readonly string[],
  lookup: (word: string) => number | undefined,
  count: number,
): JoinResult {
  const n = pieces.length;
  if (n === count) {
    const indexes = pieces.map(lookup);
    const missing = indexes.indexOf(undefined);
    if (missing >= 0) return { kind: 'unknown', wordNumber: missing + 1 };
    return { kind: 'words', indexes: indexes as number[] };
  }
  if (n < count || n > count * MAX_PIECES_PER_WORD) return { kind: 'count' };

  // run[i][len - 1]: the word pieces i..i+len-1 make together, if any.
  const run = pieces.map((_, i) => {
    const words: (number | undefined)[] = [];
    for (let len = 1; len <= MAX_PIECES_PER_WORD; len++) {
      words.push(i + len <= n ? lookup(pieces.slice(i, i + len).join('')) : undefined);
    }
    return words;
  });
  const wordAt = (i: number, len: number): number | undefined => run[i]![len - 1];

  // ways[i][g]: in how many ways pieces i.. make g words (0, 1 or "2 or more").
  const ways = Array.from({ length: n + 1 }, () => new Array<number>(count + 1).fill(0));
  ways[n]![0] = 1;
  for (let i = n - 1; i >= 0; i--) {
    for (let g = 1; g <= count; g++) {
      let total = 0;
      for (let len = 1; len <= MAX_PIECES_PER_WORD && i + len <= n; len++) {
        if (wordAt(i, len) !== undefined) total += ways[i + len]![g - 1]!;
      }
      ways[i]![g] = Math.min(total, 2);
    }
  }

  if (ways[0]![count]! > 0) {
    const indexes: number[] = [];
    for (let i = 0, g = count; g > 0; g--) {
      const lens: number[] = [];
      for (let len = 1; len <= MAX_PIECES_PER_WORD && i + len <= n; len++) {
        if (wordAt(i, len) !== undefined && ways[i + len]![g - 1]! > 0) lens.push(len);
      }
      if (lens.length > 1) return { kind: 'ambiguous', pieceNumber: i + 1 };
      indexes.push(wordAt(i, lens[0]!)!);
      i += lens[0]!;
    }
    return { kind: 'words', indexes };
  }

  const covered = new Array<boolean>(n).fill(false);
  for (let i = 0; i < n; i++) {
    for (let len = 1; len <= MAX_PIECES_PER_WORD && i + len <= n; len++) {
      if (wordAt(i, len) !== undefined) covered.fill(true, i, i + len);
    }
  }
  const bad = covered.indexOf(false);
  if (bad < 0) return { kind: 'count' };
  const place = placeAmongWords(bad, covered, wordAt, count);
  return place === undefined ? { kind: 'unknown-piece', pieceNumber: bad + 1 } : { kind: 'unknown', wordNumber: place };
}

/**
 * The one 1-based place among `count` words the uncovered piece `bad` can
 * take, or undefined if none or several: the pieces before it read as g words
 * and the pieces after it (uncovered ones as a word each) as count − 1 − g.
 */
function placeAmongWords(
  bad: number,
  covered: readonly boolean[],
  wordAt: (i: number, len: number) => number | undefined,
  count: number,
): number | undefined {
  const n = covered.length;
  // before[j][g]: pieces 0..j-1 read as g words (all of them are covered).
  const before = Array.from({ length: bad + 1 }, () => new Array<boolean>(count + 1).fill(false));
  before[0]![0] = true;
  for (let j = 0; j < bad; j++) {
    for (let len = 1; len <= MAX_PIECES_PER_WORD && j + len <= bad; len++) {
      if (wordAt(j, len) === undefined) continue;
      for (let g = 0; g < count; g++) if (before[j]![g]) before[j + len]![g + 1] = true;
    }
  }
  // after[i][h]: pieces i..n-1 read as h words, an uncovered piece being one.
  const after = Array.from({ length: n + 1 }, () => new Array<boolean>(count + 1).fill(false));
  after[n]![0] = true;
  for (let i = n - 1; i > bad; i--) {
    for (let len = 1; len <= MAX_PIECES_PER_WORD && i + len <= n; len++) {
      if (wordAt(i, len) === undefined && !(len === 1 && !covered[i])) continue;
      for (let h = 1; h <= count; h++) if (after[i + len]![h - 1]) after[i]![h] = true;
    }
  }
  const places: number[] = [];
  for (let g = 0; g < count; g++) if (before[bad]![g] && after[bad + 1]![count - 1 - g]) places.push(g + 1);
  return places.length === 1 ? places[0] : undefined;
}
