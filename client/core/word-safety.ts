/**
 * Words a source must never be shown: BIP39 words that are dangerous on a
 * scrap of paper found in a search inside the DPRK or at its border.
 *
 * The list is kept as word *indexes* (0..2047), applied whichever language is
 * shown: the page can switch between Korean and English, and the same secret
 * is then shown in the other list's words (docs/PROTOCOL.md, Keys §3.1), so a
 * secret is only drawn when none of its 12 indexes is avoided in either list.
 * The BIP39 lists and checksum are untouched: every secret drawn is an
 * ordinary BIP39 mnemonic; only which secrets are drawn changes.
 *
 * Where the categories come from: ../shared/KOREAN-REVIEW.md §4 b (51 Korean
 * words), completed where the review wrote "…", and the English words judged
 * dangerous on their own. The borders are a judgement call; each category
 * says why it is there.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { wipe } from './bytes.js';
import { bip39WordLists } from './word-lists.js';

/** Korean list words to avoid, by category (precomposed, as people read them). */
export const AVOIDED_KOREAN_WORDS = {
  /**
   * The South Korean state, its institutions and places in the South. Only
   * someone who listens to Southern media, or plans to go there, writes these
   * down; 북한 is the South's own name for the North. Northern places
   * (평양, 백두산, 금강산) and shared history (고구려, 세종대왕) are not here.
   */
  southKorea: [
    '대한민국',
    '북한',
    '국회',
    '대통령',
    '서울',
    '강남',
    '강북',
    '남산',
    '종로',
    '남대문',
    '경복궁',
    '김포공항',
    '인천',
    '부산',
    '대전',
    '광주',
    '울산',
    '경주',
    '안동',
    '전주',
    '경상도',
    '전라도',
    '충청도',
    '제주도',
    '영남',
    '호남',
    '한라산',
    '설악산',
    '지리산',
    '오피스텔',
    '탤런트',
    '월드컵',
  ],
  /** Religion: possessing religious material is severely punished in the DPRK. */
  religion: ['기독교', '하느님', '목사', '성당', '불교', '스님', '천국', '종교'],
  /** Crime, flight and the security services: a note that reads like a plan or a confession. */
  crimeAndSecurity: ['쿠데타', '미사일', '마약', '살인', '범인', '범죄', '도망', '경찰', '형사', '파출소', '비밀'],
} as const;

/**
 * English list words to avoid on their own account (the English words at the
 * Korean words' indexes are avoided anyway, being the same indexes). An
 * English note is unusual in the DPRK already; words of escape, policing,
 * weapons and revolt make it a danger. Everyday words that merely touch these
 * themes (north, south, army, soldier, faith, spirit) are left in.
 */
export const AVOIDED_ENGLISH_WORDS = {
  crimeAndSecurity: [
    'arrest',
    'bomb',
    'border',
    'crime',
    'escape',
    'exile',
    'flee',
    'gun',
    'illegal',
    'pistol',
    'police',
    'prison',
    'rebel',
    'rifle',
    'riot',
    'secret',
    'spy',
    'suspect',
    'weapon',
  ],
} as const;

function indexesOf(words: readonly string[], list: readonly string[]): number[] {
  // scure's lists are NFKD, as BIP39 normalises mnemonics.
  const positions = new Map(list.map((word, index) => [word, index]));
  return words.map((word) => {
    const index = positions.get(word.normalize('NFKD'));
    // A constant of this file: fail loudly rather than silently avoid less.
    if (index === undefined) throw new Error(`word-safety: "${word}" is not a BIP39 list word`);
    return index;
  });
}

let avoided: ReadonlySet<number> | null = null;

/**
 * Every avoided word index (0..2047), in either list. Computed on first use,
 * not at module load: the page loads the lists only when words are drawn
 * (word-lists.ts).
 * @throws Error if the word lists cannot be loaded, or (a bug of this file)
 *   an avoided word is in neither list.
 */
export function avoidedWordIndexes(): ReadonlySet<number> {
  if (avoided === null) {
    const lists = bip39WordLists();
    avoided = new Set([
      ...indexesOf(Object.values(AVOIDED_KOREAN_WORDS).flat(), lists.ko),
      ...indexesOf(Object.values(AVOIDED_ENGLISH_WORDS).flat(), lists.en),
    ]);
  }
  return avoided;
}

/**
 * The 12 BIP39 word indexes of a 16-byte secret: the 128 bits followed by
 * the first 4 bits of SHA-256(secret) (the checksum), read as twelve 11-bit
 * numbers, most significant bit first (BIP39).
 */
export function wordIndexes(secret: Uint8Array): number[] {
  const indexes: number[] = [];
  let pending = 0;
  let pendingBits = 0;
  const take = (byte: number): void => {
    pending = (pending << 8) | byte;
    pendingBits += 8;
    if (pendingBits >= 11) {
      pendingBits -= 11;
      indexes.push((pending >>> pendingBits) & 0x7ff);
      pending &= (1 << pendingBits) - 1;
    }
  };
  for (const byte of secret) take(byte);
  // 128 bits leave 7 pending; the checksum byte's top 4 complete word 12.
  take(sha256(secret)[0]!);
  return indexes;
}

/**
 * Whether any of the secret's 12 words, in either language, is avoided.
 * @throws Error if the word lists cannot be loaded.
 */
export function hasAvoidedWord(secret: Uint8Array): boolean {
  const indexes = avoidedWordIndexes();
  return wordIndexes(secret).some((index) => indexes.has(index));
}

/**
 * Rejection sampling: fresh 16-byte secrets from `randomBytes` until one has
 * no avoided word. Each draw is uniform and independent, so the result is
 * uniform over the secrets without an avoided word; refused draws are wiped.
 * `randomBytes` must be a CSPRNG (generateSourceSecret passes libsodium's);
 * it is a parameter so tests can feed the same sampler a faster source.
 * @throws TypeError if `randomBytes` returns another length; Error if the
 *   word lists cannot be loaded (then before any secret is drawn).
 */
export function drawSafeSecret(randomBytes: (length: number) => Uint8Array): Uint8Array {
  // The lists first: a load that fails must not leave a drawn secret unwiped.
  avoidedWordIndexes();
  for (;;) {
    const secret = randomBytes(16);
    if (secret.length !== 16) throw new TypeError('randomBytes must return the length asked for');
    if (!hasAvoidedWord(secret)) return secret;
    wipe(secret);
  }
}
