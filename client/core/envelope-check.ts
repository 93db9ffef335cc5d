/**
 * The keyless envelope check: what anyone can verify about an age file
 * without its key, so the server refuses junk when an upload is finalized and
 * `sealdrop pull` verifies a download before keeping it, by the same rules.
 * The header is well formed and within its limits, every stanza has the
 * shape of an X25519 stanza or every one that of a hybrid `mlkem768x25519`
 * stanza (never a mix: age's spec says a file SHOULD NOT mix them, and the
 * manifest never does), one per expected recipient when the caller knows how
 * many, and the payload length is one STREAM framing can produce.
 * The header MAC and the payload need the file key: they are checked when the
 * file is opened.
 */
import { Base64Error, decodeBase64 } from './base64.js';
import { CodedError } from './coded-error.js';
import { AgeHeaderError, AgeHeaderIncompleteError, AgePayloadError } from './errors.js';
import { MAX_HEADER_BYTES, parseHeader, WRAPPED_FILE_KEY_SIZE, type Stanza } from './header.js';
import { plaintextSize } from './stream.js';
import { HYBRID_ENCAPSULATION_SIZE, HYBRID_STANZA_TYPE } from './mlkem768x25519.js';
import { X25519_SHARE_SIZE, X25519_STANZA_TYPE } from './x25519.js';

/** Why an envelope was refused ({@link EnvelopeError}). */
export type EnvelopeErrorCode =
  /** The header is malformed or non-canonical, or the file ends inside it. */
  | 'invalid-header'
  /** The header runs past `MAX_HEADER_BYTES` or has more than `MAX_STANZAS` stanzas. */
  | 'header-too-large'
  /**
   * A stanza that is neither X25519- nor mlkem768x25519-shaped, stanzas of
   * both types, or not one stanza per expected recipient.
   */
  | 'wrong-recipients'
  /** No plaintext length encrypts to the payload length that follows the header. */
  | 'invalid-payload-length'
  /** The prefix given ends inside a header that may still be valid: call again with more. */
  | 'need-more-bytes';

/** An age file whose envelope breaks a rule that needs no key. */
export class EnvelopeError extends CodedError<EnvelopeErrorCode> {
  override name = 'EnvelopeError';
}

/** The stanza types an envelope may carry (all its stanzas one of them). */
export type EnvelopeStanzaType = typeof X25519_STANZA_TYPE | typeof HYBRID_STANZA_TYPE;

/**
 * Bytes of the one argument of each stanza type, base64 decoded: the
 * X25519 ephemeral share, or the X-Wing encapsulation (ML-KEM-768
 * ciphertext and X25519 share). Both types wrap the file key into a 32-byte
 * body (16-byte key, 16-byte tag).
 */
const ARGUMENT_SIZES: Record<EnvelopeStanzaType, number> = {
  [X25519_STANZA_TYPE]: X25519_SHARE_SIZE,
  [HYBRID_STANZA_TYPE]: HYBRID_ENCAPSULATION_SIZE,
};

/** What else the caller knows about the envelope it expects. */
export interface EnvelopeOptions {
  /**
   * The type the (editors') stanzas must have: the manifest's kind, so a
   * newsroom that moved to hybrid keys stores nothing encrypted only
   * classically. Without it, the first stanza's type is the one.
   */
  readonly stanzaType?: EnvelopeStanzaType | undefined;
  /**
   * A reply: its first stanza is the source's reply recipient, which may be
   * of the other type (a conversation begun before the newsroom moved to
   * hybrid keys keeps the classic recipient its submission carried; such a
   * reply is only as strong as that stanza, which the one-type rule cannot
   * change, and it must still reach the editors' hybrid keys).
   */
  readonly sourceStanza?: boolean | undefined;
}

/** What the check learned about an envelope it accepted. */
export interface Envelope {
  /** Bytes of the header, MAC line included; the payload starts there. */
  readonly headerLength: number;
  /** Number of stanzas (all of one type). */
  readonly recipients: number;
  /**
   * Their type: `X25519` (classic) or `mlkem768x25519` (hybrid post-quantum);
   * for a reply, that of the editors' stanzas (the source's first stanza aside).
   */
  readonly stanzaType: EnvelopeStanzaType;
  /** Bytes of plaintext the payload holds. */
  readonly plaintextSize: number;
}

function checkFileSize(fileSize: number): void {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) throw new RangeError('invalid file size');
}

/**
 * How many bytes from the start of a file of `fileSize` bytes the check
 * reads at most: the whole header fits in them, or it is too large.
 * @throws RangeError if `fileSize` is not a non-negative safe integer.
 */
export function envelopePrefixLength(fileSize: number): number {
  checkFileSize(fileSize);
  return Math.min(fileSize, MAX_HEADER_BYTES);
}

function isEnvelopeStanzaType(type: string): type is EnvelopeStanzaType {
  return Object.hasOwn(ARGUMENT_SIZES, type);
}

/** The refusal of a stanza that lacks `type`'s shape, with the article English reads it with. */
function notAStanza(type: EnvelopeStanzaType): string {
  return `not ${type === X25519_STANZA_TYPE ? 'an' : 'a'} ${type} stanza`;
}

/**
 * The shape every stanza of `type` has: exactly one argument, canonical
 * unpadded base64 of the type's size, and a wrapped file key as the body.
 */
function hasStanzaShape(stanza: Stanza, type: EnvelopeStanzaType): boolean {
  const [argument, ...extra] = stanza.args;
  if (stanza.type !== type || argument === undefined || extra.length > 0) return false;
  if (stanza.body.length !== WRAPPED_FILE_KEY_SIZE) return false;
  try {
    return decodeBase64(argument, false).length === ARGUMENT_SIZES[type];
  } catch (error) {
    if (error instanceof Base64Error) return false;
    throw error;
  }
}

function parseEnvelopeHeader(prefix: Uint8Array, fileSize: number): ReturnType<typeof parseHeader> {
  try {
    return parseHeader(prefix);
  } catch (error) {
    if (error instanceof AgeHeaderIncompleteError) {
      // A header longer than the limit is refused by parseHeader itself; one
      // that has not ended within a complete prefix is cut off by the file's end.
      if (prefix.length < envelopePrefixLength(fileSize)) throw new EnvelopeError('need-more-bytes', error.message);
      throw new EnvelopeError('invalid-header', 'truncated header');
    }
    if (error instanceof AgeHeaderError) {
      const tooLarge = error.code === 'header-too-long' || error.code === 'too-many-stanzas';
      throw new EnvelopeError(tooLarge ? 'header-too-large' : 'invalid-header', error.message);
    }
    throw error;
  }
}

/**
 * Check the envelope of an age file of `fileSize` bytes from its first bytes.
 *
 * @param prefix - the file's first bytes: {@link envelopePrefixLength} of them
 *   (fewer if the header ends within them; more are not looked at).
 * @param expectedRecipients - how many stanzas the header must hold (the
 *   server: one per active editor key, one more for a reply), or `undefined`
 *   for any number.
 * @param options - the type the stanzas must have, and whether the first is a reply's source stanza.
 * @returns the header length, the number and type of the stanzas and the plaintext size.
 * @throws EnvelopeError with the {@link EnvelopeErrorCode} of the first rule
 *   broken, or `need-more-bytes` if `prefix` is shorter than needed.
 * @throws RangeError if `fileSize` or `expectedRecipients` is not a
 *   non-negative safe integer, or `prefix` is longer than the file.
 */
export function checkEnvelopeWithoutKey(
  prefix: Uint8Array,
  fileSize: number,
  expectedRecipients?: number,
  options: EnvelopeOptions = {},
): Envelope {
  checkFileSize(fileSize);
  if (prefix.length > fileSize) throw new RangeError('prefix longer than the file');
  if (expectedRecipients !== undefined && (!Number.isSafeInteger(expectedRecipients) || expectedRecipients < 0)) {
    throw new RangeError('invalid number of recipients');
  }
  const { header, headerLength } = parseEnvelopeHeader(prefix, fileSize);
  const [first, ...rest] = header.stanzas;
  if (first === undefined || !isEnvelopeStanzaType(first.type)) {
    throw new EnvelopeError('wrong-recipients', 'not an X25519 or mlkem768x25519 stanza');
  }
  const sourceStanza = options.sourceStanza === true;
  if (sourceStanza && !hasStanzaShape(first, first.type)) {
    throw new EnvelopeError('wrong-recipients', notAStanza(first.type));
  }
  const stanzas = sourceStanza ? rest : header.stanzas;
  // The caller's type, else the first (editors') stanza's: every one must have it.
  const stanzaType = options.stanzaType ?? stanzas[0]?.type ?? first.type;
  if (!isEnvelopeStanzaType(stanzaType)) {
    throw new EnvelopeError('wrong-recipients', 'not an X25519 or mlkem768x25519 stanza');
  }
  for (const stanza of stanzas) {
    if (stanza.type !== stanzaType && isEnvelopeStanzaType(stanza.type)) {
      throw new EnvelopeError(
        'wrong-recipients',
        options.stanzaType === undefined ? 'stanzas mix X25519 and mlkem768x25519' : notAStanza(stanzaType),
      );
    }
    if (!hasStanzaShape(stanza, stanzaType)) throw new EnvelopeError('wrong-recipients', notAStanza(stanzaType));
  }
  if (expectedRecipients !== undefined && header.stanzas.length !== expectedRecipients) {
    throw new EnvelopeError('wrong-recipients', 'wrong number of recipients');
  }
  try {
    return {
      headerLength,
      recipients: header.stanzas.length,
      stanzaType,
      plaintextSize: plaintextSize(fileSize - headerLength),
    };
  } catch (error) {
    if (error instanceof AgePayloadError) throw new EnvelopeError('invalid-payload-length', error.message);
    throw error;
  }
}
