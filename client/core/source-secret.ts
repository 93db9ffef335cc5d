/**
 * The source's secret: 128 random bits the source writes down as 12 BIP39
 * words (English or Korean, with BIP39's checksum to catch typos), from which
 * the reply key pairs and the mailbox credentials derive with HKDF-SHA-256:
 * a classic X25519 reply identity, and a hybrid post-quantum one
 * (ML-KEM-768 + X25519) used when the newsroom's manifest is hybrid.
 *
 * No slow KDF: the secret is uniformly random with over 127 bits of entropy, so
 * stretching adds nothing, and Argon2 is neither in the standard libsodium
 * build nor usable without WebAssembly. Format and labels are documented in
 * docs/PROTOCOL.md ("Keys").
 *
 * Secrets are drawn so that no word dangerous to carry in the DPRK is shown
 * (word-safety.ts), and words are read back in North Korean spelling
 * (korean-spelling.ts) and with split compounds joined (word-joining.ts).
 */
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39';
import type { Identity } from './age.js';
import { encodeBech32 } from './bech32.js';
import { toHex, utf8, wipe } from './bytes.js';
import { CodedError } from './coded-error.js';
import { hkdfSha256 } from './hkdf.js';
import { listWordForAlias } from './korean-spelling.js';
import { HybridIdentity } from './mlkem768x25519.js';
import type { RecipientKind } from './recipients.js';
import { sodium } from './sodium.js';
import { joinPieces } from './word-joining.js';
import { bip39WordLists } from './word-lists.js';
import { drawSafeSecret } from './word-safety.js';
import { X25519Identity } from './x25519.js';

export type MnemonicLanguage = 'en' | 'ko';

/** Why words are not a valid source secret ({@link SourceSecretError}). */
export type SourceSecretErrorCode =
  /** Not 12 words, and not more pieces that join into 12 words. */
  | 'word-count'
  /** A word not in the detected language's list nor an accepted spelling of one (see `wordNumber`, 1..12). */
  | 'unknown-word'
  /**
   * More than 12 pieces were typed and one is no word and joins with no
   * neighbour into one, at a place among the 12 words that cannot be told:
   * `wordNumber` counts the typed pieces instead.
   */
  | 'unknown-typed-word'
  /** More than 12 pieces join into 12 words in more than one way; `wordNumber` is the typed piece where they first differ. */
  | 'ambiguous-join'
  /** Every word is valid but the BIP39 checksum fails: a wrong word or order. */
  | 'checksum'
  /** Words from both the English and the Korean list. */
  | 'mixed-language';

/**
 * The words are not a valid secret. Messages name a word's position, never
 * the word itself: the words are the secret.
 */
export class SourceSecretError extends CodedError<SourceSecretErrorCode> {
  override name = 'SourceSecretError';
  /**
   * 1-based position of the offending word: among the 12 words for
   * `unknown-word`, among the typed pieces for `unknown-typed-word` and
   * `ambiguous-join`.
   */
  readonly wordNumber: number | undefined;
  /** The word list the words were read against, for every code but `word-count` and `mixed-language`. */
  readonly language: MnemonicLanguage | undefined;

  constructor(code: SourceSecretErrorCode, message: string, wordNumber?: number, language?: MnemonicLanguage) {
    super(code, message);
    this.wordNumber = wordNumber;
    this.language = language;
  }
}

/** Keys and credentials derived from a source secret. */
export interface SourceKeys {
  /** age X25519 identity, `AGE-SECRET-KEY-1...`: decrypts replies. */
  readonly replyIdentity: string;
  /** age X25519 recipient, `age1...`: sent with a submission so editors can reply. */
  readonly replyRecipient: string;
  /** Names the source's reply mailbox: 32 lowercase hex digits. */
  readonly mailboxId: string;
  /** 32 bytes that prove the right to read the mailbox; the server keeps only mailboxId. */
  readonly mailboxCapability: Uint8Array;
}

const SECRET_BYTES = 16;
const WORD_COUNT = 12;
const LABEL_REPLY_IDENTITY = 'sealdrop/v1/reply-identity';
// A new label, not a new use of the old one: the classic identity of existing
// words stays exactly what it was, so replies already sent to it still open.
const LABEL_HYBRID_REPLY_IDENTITY = 'sealdrop/v2/reply-identity-mlkem768x25519';
const LABEL_MAILBOX_CAPABILITY = 'sealdrop/v1/mailbox-capability';
const LABEL_MAILBOX_ID = 'sealdrop/v1/mailbox-id';

const LANGUAGE_NAMES: Record<MnemonicLanguage, string> = { en: 'english', ko: 'korean' };
let indexes: Record<MnemonicLanguage, ReadonlyMap<string, number>> | null = null;

/**
 * Each list's words to their indexes, built on first use: the page loads
 * the lists only when words are drawn or read (word-lists.ts).
 * @throws Error if the lists cannot be loaded (the page's words.js).
 */
function wordIndexesByLanguage(): Record<MnemonicLanguage, ReadonlyMap<string, number>> {
  if (indexes === null) {
    const lists = bip39WordLists();
    // scure's lists are NFKD (BIP39 normalises mnemonics that way); so is all lookup here.
    indexes = {
      en: new Map(lists.en.map((word, i) => [word, i])),
      ko: new Map(lists.ko.map((word, i) => [word, i])),
    };
  }
  return indexes;
}

/**
 * Build the word indexes now rather than on the first words read (the page
 * does it while the source types them).
 * @throws Error if the lists cannot be loaded (the page's words.js).
 */
export function prepareWordLookup(): void {
  wordIndexesByLanguage();
}

/** The list index of a word (NFKD), or of the list word a North Korean spelling stands for. */
function lookupWord(language: MnemonicLanguage, word: string): number | undefined {
  const index = wordIndexesByLanguage()[language];
  const direct = index.get(word);
  if (direct !== undefined || language !== 'ko') return direct;
  const listWord = listWordForAlias(word);
  return listWord === undefined ? undefined : index.get(listWord);
}

function checkSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== SECRET_BYTES) {
    throw new TypeError('source secret must be 16 bytes');
  }
}

/**
 * 128 random bits from libsodium's CSPRNG, drawn afresh until none of the 12
 * words is on the avoid-list (word-safety.ts) in either language: uniform
 * over the secrets that show no avoided word. About 1 draw in 3 is refused;
 * the entropy left is in docs/PROTOCOL.md (Keys §3.1).
 * @throws Error if the word lists cannot be loaded (word-lists.ts).
 */
export function generateSourceSecret(): Uint8Array {
  const s = sodium();
  return drawSafeSecret((length) => s.randombytes_buf(length));
}

/**
 * The secret as 12 BIP39 words separated by single spaces. Korean words are
 * returned precomposed (NFC), the form people read and type.
 * @throws TypeError if the secret is not 16 bytes; Error if the word lists
 *   cannot be loaded (word-lists.ts).
 */
export function secretToMnemonic(secret: Uint8Array, language: MnemonicLanguage): string {
  checkSecret(secret);
  return entropyToMnemonic(secret, bip39WordLists()[language] as string[]).normalize('NFC');
}

/**
 * Split typed or pasted words: any Unicode whitespace separates, case and
 * normalisation form (NFC or NFD Hangul, compatibility forms) do not matter.
 */
function normaliseWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .split(/\s+/u)
    .filter((word) => word.length > 0);
}

function detectLanguage(words: readonly string[]): MnemonicLanguage {
  const known = (language: MnemonicLanguage): number =>
    words.filter((word) => lookupWord(language, word) !== undefined).length;
  const english = known('en');
  const korean = known('ko');
  // Hangul and ASCII never overlap, so a word is in at most one list.
  if (english > 0 && korean > 0) {
    throw new SourceSecretError('mixed-language', 'the words mix english and korean');
  }
  if (korean > 0) return 'ko';
  if (english > 0) return 'en';
  // No word matched: guess from the script so the error can point at word 1.
  return /[\u1100-\u11ff\uac00-\ud7af]/u.test(words.join('')) ? 'ko' : 'en';
}

/**
 * Read 12 words back into the secret, detecting the language. A Korean word
 * may be in North Korean spelling (korean-spelling.ts); more than 12 pieces
 * are joined back into 12 words where split words make that possible, one
 * way only (word-joining.ts).
 * @throws SourceSecretError `word-count` for anything but 12 words,
 *   `unknown-word` (with `wordNumber` among the 12) for a word not in the
 *   list, `unknown-typed-word` (with `wordNumber` among the typed pieces)
 *   when more pieces arrive and one is no word at an untold place,
 *   `ambiguous-join` when the pieces join into 12 words in several ways,
 *   `checksum` when every word is valid but the checksum does not match
 *   (a wrong word or a changed order), `mixed-language`; Error if the word
 *   lists cannot be loaded (word-lists.ts).
 */
export function mnemonicToSecret(text: string): { secret: Uint8Array; language: MnemonicLanguage } {
  const pieces = normaliseWords(text);
  const countError = (): SourceSecretError =>
    new SourceSecretError('word-count', `expected ${WORD_COUNT} words, got ${pieces.length}`);
  if (pieces.length < WORD_COUNT) throw countError();
  const language = detectLanguage(pieces);
  const list = LANGUAGE_NAMES[language];
  const read = joinPieces(pieces, (word) => lookupWord(language, word), WORD_COUNT);
  switch (read.kind) {
    case 'count':
      throw countError();
    case 'unknown':
      throw new SourceSecretError(
        'unknown-word',
        `word ${read.wordNumber} is not in the ${list} word list`,
        read.wordNumber,
        language,
      );
    case 'unknown-piece':
      throw new SourceSecretError(
        'unknown-typed-word',
        `typed word ${read.pieceNumber} is not in the ${list} word list and joins no neighbour into a word`,
        read.pieceNumber,
        language,
      );
    case 'ambiguous':
      throw new SourceSecretError(
        'ambiguous-join',
        `the typed words from word ${read.pieceNumber} on join into 12 ${list} words in more than one way`,
        read.pieceNumber,
        language,
      );
    case 'words':
      break;
  }
  const wordList = bip39WordLists()[language];
  const words = read.indexes.map((i) => wordList[i]!);
  let secret: Uint8Array;
  try {
    secret = mnemonicToEntropy(words.join(' '), wordList as string[]);
  } catch {
    // Every word is in the list, so only the checksum can have failed.
    throw new SourceSecretError(
      'checksum',
      'the words do not fit together: check for a wrong word or order',
      undefined,
      language,
    );
  }
  return { secret, language };
}

function derive(secret: Uint8Array, label: string, length: number): Uint8Array {
  // The secret is already uniform: no salt needed (RFC 5869 §3.1); the
  // versioned labels separate every use.
  return hkdfSha256(secret, new Uint8Array(0), utf8(label), length);
}

/**
 * Derive the reply key pair and mailbox credentials. Deterministic: the same
 * words give the same keys on any device.
 * @throws TypeError if the secret is not 16 bytes.
 */
export function deriveSourceKeys(secret: Uint8Array): SourceKeys {
  checkSecret(secret);
  const scalar = derive(secret, LABEL_REPLY_IDENTITY, 32);
  // age identities are the raw 32-byte X25519 scalar; clamping happens in scalarmult.
  const replyIdentity = encodeBech32('AGE-SECRET-KEY-', scalar).toUpperCase();
  const replyRecipient = encodeBech32('age', sodium().crypto_scalarmult_base(scalar));
  wipe(scalar);
  const mailboxCapability = derive(secret, LABEL_MAILBOX_CAPABILITY, 32);
  // The id is a one-way function of the capability, so a server that stores
  // only ids can check a presented capability without storing any secret.
  const mailboxId = mailboxIdFor(mailboxCapability);
  return { replyIdentity, replyRecipient, mailboxId, mailboxCapability };
}

/**
 * The source's hybrid post-quantum reply identity: the X-Wing seed is
 * HKDF-SHA-256(secret, info `sealdrop/v2/reply-identity-mlkem768x25519`,
 * 32 bytes). Deterministic, like {@link deriveSourceKeys}. Requires
 * libsodium loaded for its `recipient()` and for decryption.
 * @throws TypeError if the secret is not 16 bytes.
 */
export function deriveHybridReplyIdentity(secret: Uint8Array): HybridIdentity {
  checkSecret(secret);
  const seed = derive(secret, LABEL_HYBRID_REPLY_IDENTITY, 32);
  try {
    return HybridIdentity.fromSeed(seed);
  } finally {
    wipe(seed);
  }
}

/**
 * The reply recipient a submission carries, of the kind of the manifest it
 * is encrypted to: the hybrid one (`age1pq1...`) for a hybrid newsroom, so
 * replies are as safe from a quantum computer as the submission, else the
 * classic `age1...` one, which every existing conversation uses.
 * Requires libsodium loaded.
 * @throws TypeError if the secret is not 16 bytes.
 */
export function replyRecipientFor(secret: Uint8Array, kind: RecipientKind): string {
  if (kind === 'x25519') {
    const keys = deriveSourceKeys(secret);
    wipe(keys.mailboxCapability);
    return keys.replyRecipient;
  }
  const identity = deriveHybridReplyIdentity(secret);
  try {
    return identity.recipient().format();
  } finally {
    identity.wipe();
  }
}

/**
 * Every identity that may open a reply to these words: the classic one and
 * the hybrid one, since a conversation's reply recipient is the one the
 * submission carried, which follows the manifest of its day. The caller
 * wipes them (`wipe()`) when done. Requires libsodium loaded.
 * @throws TypeError if the secret is not 16 bytes.
 */
export function deriveReplyIdentities(secret: Uint8Array): (Identity & { wipe(): void })[] {
  checkSecret(secret);
  const scalar = derive(secret, LABEL_REPLY_IDENTITY, 32);
  try {
    return [X25519Identity.fromSecretKey(scalar), deriveHybridReplyIdentity(secret)];
  } finally {
    wipe(scalar);
  }
}

/**
 * The mailbox id a capability opens: HKDF-SHA-256(capability, info
 * `sealdrop/v1/mailbox-id`), 16 bytes as lowercase hex. What a server
 * computes to check a capability it is shown.
 * @throws TypeError if the capability is not 32 bytes.
 */
export function mailboxIdFor(capability: Uint8Array): string {
  if (capability.length !== 32) throw new TypeError('mailbox capability must be 32 bytes');
  return toHex(hkdfSha256(capability, new Uint8Array(0), utf8(LABEL_MAILBOX_ID), 16));
}
