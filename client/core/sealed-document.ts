/**
 * Small documents sealed under a passphrase: an editor's identity file and
 * access key document. A sealed document is an ordinary age file with a
 * single scrypt stanza (what `age -p` writes), so the standard `age -d`
 * opens it after asking for the passphrase. Both directions hold the whole
 * document in memory, so both are bounded by {@link MAX_SEALED_DOCUMENT_BYTES}.
 */
import { decrypt, encrypt } from './age.js';
import { concatBytes, utf8, wipe } from './bytes.js';
import { CodedError } from './coded-error.js';
import { DEFAULT_MAX_SCRYPT_LOG_N, DEFAULT_SCRYPT_LOG_N, ScryptIdentity, ScryptRecipient } from './scrypt.js';
import type { ScryptFunction } from './scrypt-function.js';

/** Identity and access key documents are a few lines; anything larger is refused unread. */
export const MAX_SEALED_DOCUMENT_BYTES = 64 * 1024;

/** The binary age header's first bytes: how a sealed document is told from a plain one. */
const AGE_MAGIC = utf8('age-encryption.org/');

export type SealedDocumentErrorCode =
  /** The sealed file, or what it holds, is over {@link MAX_SEALED_DOCUMENT_BYTES}. */
  'too-large';

/** A document that cannot be sealed or opened within the limit. */
export class SealedDocumentError extends CodedError<SealedDocumentErrorCode> {
  override name = 'SealedDocumentError';
}

function tooLarge(): SealedDocumentError {
  return new SealedDocumentError('too-large', 'sealed document too large');
}

/** Whether `bytes` start like a binary age file, rather than a plain-text document. */
export function isSealedDocument(bytes: Uint8Array): boolean {
  return bytes.length >= AGE_MAGIC.length && AGE_MAGIC.every((byte, i) => bytes[i] === byte);
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  await Promise.resolve();
  yield bytes;
}

/** Concatenate a stream, refusing (and wiping what was read) past `limit` bytes. */
async function collectBounded(stream: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  try {
    for await (const part of stream) {
      length += part.length;
      if (length > limit) throw tooLarge();
      parts.push(part);
    }
    return concatBytes(...parts);
  } finally {
    // The parts may be plaintext secrets; the result is a fresh copy.
    for (const part of parts) wipe(part);
  }
}

/**
 * Seal a document under a passphrase. Requires libsodium loaded.
 * @param logN - scrypt work factor; age's default 18 unless testing.
 * @throws SealedDocumentError('too-large') if the sealed file would be over
 *   the limit (so that everything sealed here can be opened here).
 * @throws TypeError if the passphrase is empty; RangeError on a bad logN.
 */
export async function sealDocument(
  plaintext: Uint8Array,
  passphrase: string,
  scrypt: ScryptFunction,
  logN = DEFAULT_SCRYPT_LOG_N,
): Promise<Uint8Array> {
  if (plaintext.length > MAX_SEALED_DOCUMENT_BYTES) throw tooLarge();
  const recipient = new ScryptRecipient(passphrase, scrypt, logN);
  return collectBounded(encrypt([recipient], once(plaintext)), MAX_SEALED_DOCUMENT_BYTES);
}

/**
 * Open a sealed document (see {@link isSealedDocument}). Requires libsodium loaded.
 * @param maxLogN - the highest scrypt work factor accepted.
 * @returns the plaintext, a fresh copy the caller should wipe after use.
 * @throws SealedDocumentError('too-large') if the file or its plaintext is over the limit.
 * @throws NoIdentityMatchError if the passphrase is wrong (or the file is
 *   encrypted to something other than a passphrase).
 * @throws AgeHeaderError, AgeMacError, AgePayloadError if the file is
 *   malformed or tampered with.
 */
export async function openSealedDocument(
  bytes: Uint8Array,
  passphrase: string,
  scrypt: ScryptFunction,
  maxLogN = DEFAULT_MAX_SCRYPT_LOG_N,
): Promise<Uint8Array> {
  if (bytes.length > MAX_SEALED_DOCUMENT_BYTES) throw tooLarge();
  const identity = new ScryptIdentity(passphrase, scrypt, maxLogN);
  const { plaintext } = await decrypt([identity], once(bytes));
  return collectBounded(plaintext, MAX_SEALED_DOCUMENT_BYTES);
}
