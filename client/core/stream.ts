/**
 * The age v1 payload: STREAM over ChaCha20-Poly1305 (age-encryption.org/v1,
 * "Payload").
 *
 * The plaintext is cut into 64 KiB chunks, each sealed under the payload key
 * with a nonce made of an 11-byte big-endian chunk counter and a last-chunk
 * flag byte. The counter stops reordering and dropping chunks; the flag stops
 * truncation at a chunk boundary and appending. Both directions hold about one
 * chunk in memory whatever the size of the file.
 *
 * Sizes are plain numbers (exact up to 2^53) and are never put through 32-bit
 * bitwise operators: payloads over 4 GiB are expected.
 */
import { AEAD_NONCE_SIZE, AEAD_TAG_SIZE, libsodiumAead, type Aead } from './aead.js';
import { ByteReader } from './byte-reader.js';
import { utf8, wipe } from './bytes.js';
import { AgePayloadError } from './errors.js';
import { hkdfSha256 } from './hkdf.js';

/** Plaintext bytes per chunk; only the final chunk may be shorter. */
export const CHUNK_SIZE = 64 * 1024;
/** Bytes of a full chunk once sealed (plaintext plus Poly1305 tag). */
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + AEAD_TAG_SIZE;
/** The random nonce that starts the payload and salts the payload key. */
export const PAYLOAD_NONCE_SIZE = 16;

const COUNTER_SIZE = AEAD_NONCE_SIZE - 1;

/**
 * payload key = HKDF-SHA-256(ikm = file key, salt = payload nonce, info = "payload").
 * @throws TypeError if the nonce is not 16 bytes.
 */
export function derivePayloadKey(fileKey: Uint8Array, nonce: Uint8Array): Uint8Array {
  if (nonce.length !== PAYLOAD_NONCE_SIZE) throw new TypeError('invalid payload nonce length');
  return hkdfSha256(fileKey, nonce, utf8('payload'), 32);
}

/** The 12-byte AEAD nonce of chunk number `counter`. */
export function chunkNonce(counter: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(AEAD_NONCE_SIZE);
  let rest = counter;
  for (let i = COUNTER_SIZE - 1; i >= 0 && rest > 0; i--) {
    nonce[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  nonce[COUNTER_SIZE] = last ? 1 : 0;
  return nonce;
}

/**
 * Seal a plaintext stream into STREAM chunks (without the payload nonce,
 * which the caller writes first). Buffers at most one chunk of plaintext: a
 * chunk is sealed as non-final only once a byte beyond it has arrived.
 * The key is wiped when the stream ends.
 * @throws TypeError if the key is not 32 bytes; whatever the source throws.
 */
export async function* sealStream(
  payloadKey: Uint8Array,
  plaintext: AsyncIterable<Uint8Array>,
  aead: Aead = libsodiumAead,
): AsyncGenerator<Uint8Array, void, undefined> {
  const buffer = new Uint8Array(CHUNK_SIZE);
  let filled = 0;
  let counter = 0;
  try {
    for await (const piece of plaintext) {
      let offset = 0;
      while (offset < piece.length) {
        if (filled === CHUNK_SIZE) {
          yield aead.seal(payloadKey, chunkNonce(counter, false), buffer);
          counter++;
          filled = 0;
        }
        if (filled === 0 && piece.length - offset > CHUNK_SIZE) {
          // A whole chunk with more bytes after it in the same piece is
          // certainly not final: seal it in place, without a copy.
          yield aead.seal(payloadKey, chunkNonce(counter, false), piece.subarray(offset, offset + CHUNK_SIZE));
          counter++;
          offset += CHUNK_SIZE;
          continue;
        }
        const count = Math.min(CHUNK_SIZE - filled, piece.length - offset);
        buffer.set(piece.subarray(offset, offset + count), filled);
        filled += count;
        offset += count;
      }
    }
    // The final chunk: empty only if the whole plaintext is.
    yield aead.seal(payloadKey, chunkNonce(counter, true), buffer.subarray(0, filled));
  } finally {
    wipe(buffer);
    wipe(payloadKey);
  }
}

/**
 * Refuse a sealed chunk that cannot be opened at all: checked before any
 * decryption, by {@link openStream} and by any other opener of the payload
 * (the offline decryptor's parallel one), so the rules live here once.
 * @throws AgePayloadError `invalid-payload` if there is no chunk at all
 *   (`length` 0) or it is shorter than its tag.
 */
export function checkSealedChunk(length: number): void {
  if (length === 0) throw new AgePayloadError('invalid-payload', 'payload has no chunks');
  if (length < AEAD_TAG_SIZE) throw new AgePayloadError('invalid-payload', 'truncated payload chunk');
}

/**
 * The error for a chunk that failed authentication: if it was taken as the
 * final chunk, the payload was cut short there (or tampered with).
 */
export function chunkTamperedError(last: boolean): AgePayloadError {
  return new AgePayloadError(
    'payload-tampered',
    last ? 'payload truncated or tampered with' : 'payload chunk tampered with',
  );
}

/**
 * Refuse an authentic final chunk that is empty after others: the spec
 * allows an empty final chunk only for an empty plaintext.
 * @throws AgePayloadError `invalid-payload`.
 */
export function checkOpenedChunk(plaintextLength: number, counter: number, last: boolean): void {
  if (last && plaintextLength === 0 && counter > 0) throw new AgePayloadError('invalid-payload', 'empty final chunk');
}

/** A function that opens the payload's STREAM chunks: {@link openStream} or an equivalent. */
export type PayloadOpener = (
  payloadKey: Uint8Array,
  sealed: AsyncIterable<Uint8Array>,
) => AsyncGenerator<Uint8Array, void, undefined>;

/**
 * Open STREAM chunks (the payload after its nonce), yielding each chunk's
 * plaintext only once it is authenticated. The key is wiped when the stream
 * ends.
 * @throws AgePayloadError `payload-tampered` if a chunk fails authentication
 *   (tampered, reordered, dropped), a non-final chunk is followed by nothing
 *   (truncated) or data follows the final chunk; `invalid-payload` if there is
 *   no chunk, one shorter than its tag, or an empty final chunk after others. The error surfaces at the point of the stream where it is
 *   detected; everything yielded before it was authentic.
 */
export async function* openStream(
  payloadKey: Uint8Array,
  sealed: AsyncIterable<Uint8Array>,
  aead: Aead = libsodiumAead,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = new ByteReader(sealed);
  try {
    for (let counter = 0; ; counter++) {
      const chunk = await reader.read(SEALED_CHUNK_SIZE);
      // A chunk is final when the payload ends with it; a full chunk sealed
      // as final but followed by more data then fails to open as non-final.
      const last = chunk.length < SEALED_CHUNK_SIZE || (await reader.atEnd());
      checkSealedChunk(chunk.length);
      const plaintext = aead.open(payloadKey, chunkNonce(counter, last), chunk);
      if (plaintext === null) throw chunkTamperedError(last);
      checkOpenedChunk(plaintext.length, counter, last);
      yield plaintext;
      if (last) return;
    }
  } finally {
    wipe(payloadKey);
    await reader.close();
  }
}

/**
 * The payload length (16-byte nonce plus sealed chunks) for a plaintext
 * length, so the server can check framing without any key.
 * @throws RangeError if the size is negative, not an integer, or the result
 *   exceeds 2^53.
 */
export function payloadSize(plaintextSize: number): number {
  if (!Number.isSafeInteger(plaintextSize) || plaintextSize < 0) throw new RangeError('invalid plaintext size');
  const chunks = plaintextSize === 0 ? 1 : Math.ceil(plaintextSize / CHUNK_SIZE);
  const size = PAYLOAD_NONCE_SIZE + plaintextSize + chunks * AEAD_TAG_SIZE;
  if (!Number.isSafeInteger(size)) throw new RangeError('invalid plaintext size');
  return size;
}

/**
 * The plaintext length for a payload length: the inverse of {@link payloadSize}.
 * @throws RangeError if the size is negative or not a safe integer.
 * @throws AgePayloadError `invalid-payload-length` if no plaintext length encrypts to this payload
 *   length (too short, or a final chunk that would be empty or partial tag).
 */
export function plaintextSize(payloadSize: number): number {
  if (!Number.isSafeInteger(payloadSize) || payloadSize < 0) throw new RangeError('invalid payload size');
  const sealed = payloadSize - PAYLOAD_NONCE_SIZE;
  if (sealed < AEAD_TAG_SIZE) throw new AgePayloadError('invalid-payload-length', 'invalid payload size');
  const fullChunks = Math.floor(sealed / SEALED_CHUNK_SIZE);
  const rest = sealed - fullChunks * SEALED_CHUNK_SIZE;
  if (rest === 0) return fullChunks * CHUNK_SIZE;
  if (rest < AEAD_TAG_SIZE || (rest === AEAD_TAG_SIZE && fullChunks > 0)) {
    throw new AgePayloadError('invalid-payload-length', 'invalid payload size');
  }
  return fullChunks * CHUNK_SIZE + rest - AEAD_TAG_SIZE;
}
