/**
 * The keyless envelope check: what anyone can verify about an age file
 * without its key, so the server refuses junk when an upload is finalized and
 * `sealdrop pull` verifies a download before keeping it, by the same rules.
 * The header is well formed and within its limits, every stanza has the
 * shape of an X25519 stanza (one per expected recipient, when the caller
 * knows how many), and the payload length is one STREAM framing can produce.
 * The header MAC and the payload need the file key: they are checked when the
 * file is opened.
 */
import { Base64Error, decodeBase64 } from './base64.js';
import { CodedError } from './coded-error.js';
import { AgeHeaderError, AgeHeaderIncompleteError, AgePayloadError } from './errors.js';
import { MAX_HEADER_BYTES, parseHeader, WRAPPED_FILE_KEY_SIZE, type Stanza } from './header.js';
import { plaintextSize } from './stream.js';
import { X25519_SHARE_SIZE, X25519_STANZA_TYPE } from './x25519.js';

/** Why an envelope was refused ({@link EnvelopeError}). */
export type EnvelopeErrorCode =
  /** The header is malformed or non-canonical, or the file ends inside it. */
  | 'invalid-header'
  /** The header runs past `MAX_HEADER_BYTES` or has more than `MAX_STANZAS` stanzas. */
  | 'header-too-large'
  /** A stanza that is not X25519-shaped, or not one stanza per expected recipient. */
  | 'wrong-recipients'
  /** No plaintext length encrypts to the payload length that follows the header. */
  | 'invalid-payload-length'
  /** The prefix given ends inside a header that may still be valid: call again with more. */
  | 'need-more-bytes';

/** An age file whose envelope breaks a rule that needs no key. */
export class EnvelopeError extends CodedError<EnvelopeErrorCode> {
  override name = 'EnvelopeError';
}

/** What the check learned about an envelope it accepted. */
export interface Envelope {
  /** Bytes of the header, MAC line included; the payload starts there. */
  readonly headerLength: number;
  /** Number of (X25519) stanzas. */
  readonly recipients: number;
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

/** The shape every X25519 stanza has: one argument, a base64 share, a wrapped file key. */
function isX25519Stanza(stanza: Stanza): boolean {
  const [share, ...extra] = stanza.args;
  if (stanza.type !== X25519_STANZA_TYPE || share === undefined || extra.length > 0) return false;
  if (stanza.body.length !== WRAPPED_FILE_KEY_SIZE) return false;
  try {
    return decodeBase64(share, false).length === X25519_SHARE_SIZE;
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
 *   server: one per active editor key), or `undefined` for any number.
 * @returns the header length, the number of recipients and the plaintext size.
 * @throws EnvelopeError with the {@link EnvelopeErrorCode} of the first rule
 *   broken, or `need-more-bytes` if `prefix` is shorter than needed.
 * @throws RangeError if `fileSize` or `expectedRecipients` is not a
 *   non-negative safe integer, or `prefix` is longer than the file.
 */
export function checkEnvelopeWithoutKey(prefix: Uint8Array, fileSize: number, expectedRecipients?: number): Envelope {
  checkFileSize(fileSize);
  if (prefix.length > fileSize) throw new RangeError('prefix longer than the file');
  if (expectedRecipients !== undefined && (!Number.isSafeInteger(expectedRecipients) || expectedRecipients < 0)) {
    throw new RangeError('invalid number of recipients');
  }
  const { header, headerLength } = parseEnvelopeHeader(prefix, fileSize);
  if (!header.stanzas.every(isX25519Stanza)) throw new EnvelopeError('wrong-recipients', 'not an X25519 stanza');
  if (expectedRecipients !== undefined && header.stanzas.length !== expectedRecipients) {
    throw new EnvelopeError('wrong-recipients', 'wrong number of recipients');
  }
  try {
    return { headerLength, recipients: header.stanzas.length, plaintextSize: plaintextSize(fileSize - headerLength) };
  } catch (error) {
    if (error instanceof AgePayloadError) throw new EnvelopeError('invalid-payload-length', error.message);
    throw error;
  }
}
