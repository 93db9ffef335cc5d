/**
 * age v1 encryption and decryption (age-encryption.org/v1): the composition
 * of the header ({@link ./header.ts}), the recipient types and STREAM
 * ({@link ./stream.ts}). Both directions are streaming, with memory bounded
 * by about one 64 KiB chunk whatever the file size.
 */
import { libsodiumAead, type Aead } from './aead.js';
import { ByteReader } from './byte-reader.js';
import { wipe } from './bytes.js';
import { AgeHeaderError, AgeMacError, NoIdentityMatchError } from './errors.js';
import {
  encodeHeader,
  encodeHeaderWithoutMac,
  FILE_KEY_SIZE,
  headerMac,
  readHeader,
  verifyHeaderMac,
  type Stanza,
} from './header.js';
import { SCRYPT_STANZA_TYPE } from './scrypt.js';
import { sodium } from './sodium.js';
import { derivePayloadKey, openStream, PAYLOAD_NONCE_SIZE, sealStream, type PayloadOpener } from './stream.js';

export {
  AgeError,
  AgeHeaderError,
  AgeHeaderIncompleteError,
  AgeMacError,
  AgePayloadError,
  NoIdentityMatchError,
} from './errors.js';

/** Something a file key can be encrypted to: produces the header stanzas. */
export interface Recipient {
  /** Wrap the file key; must not keep or modify it. */
  wrapFileKey(fileKey: Uint8Array): Stanza[] | Promise<Stanza[]>;
}

/** Something that may be able to unwrap a file key from a header's stanzas. */
export interface Identity {
  /**
   * @returns the 16-byte file key, or `null` if no stanza is for this identity.
   * @throws AgeHeaderError if a stanza of this identity's type is malformed.
   */
  unwrapFileKey(stanzas: readonly Stanza[]): Uint8Array | null | Promise<Uint8Array | null>;
}

export interface AgeOptions {
  /** The ChaCha20-Poly1305 implementation for the payload (default: libsodium). */
  readonly aead?: Aead;
  /**
   * Opens the payload when decrypting (default: {@link openStream} with
   * `aead`, on the calling thread). It owns the payload key and must wipe it,
   * and must refuse exactly what `openStream` refuses: the offline decryptor
   * passes one that opens chunks on worker threads.
   */
  readonly openPayload?: PayloadOpener;
}

/**
 * Encrypt a plaintext stream to one or more recipients. Yields the header,
 * then the payload nonce, then one sealed chunk at a time. Requires libsodium
 * loaded.
 *
 * @throws TypeError (from the first `next()`) if there are no recipients,
 *   or a passphrase (scrypt) recipient is mixed with others.
 * @throws whatever a recipient or the plaintext source throws.
 */
export async function* encrypt(
  recipients: readonly Recipient[],
  plaintext: AsyncIterable<Uint8Array>,
  options: AgeOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  if (recipients.length === 0) throw new TypeError('no recipients');
  const s = sodium();
  const fileKey = s.randombytes_buf(FILE_KEY_SIZE);
  let payloadKey: Uint8Array;
  let header: Uint8Array;
  let nonce: Uint8Array;
  try {
    const stanzas: Stanza[] = [];
    for (const recipient of recipients) stanzas.push(...(await recipient.wrapFileKey(fileKey)));
    if (stanzas.length > 1 && stanzas.some((stanza) => stanza.type === SCRYPT_STANZA_TYPE)) {
      throw new TypeError('a passphrase recipient must be the only recipient');
    }
    header = encodeHeader(stanzas, headerMac(fileKey, encodeHeaderWithoutMac(stanzas)));
    nonce = s.randombytes_buf(PAYLOAD_NONCE_SIZE);
    payloadKey = derivePayloadKey(fileKey, nonce);
  } finally {
    wipe(fileKey);
  }
  yield header;
  yield nonce;
  // sealStream owns and wipes the payload key.
  yield* sealStream(payloadKey, plaintext, options.aead ?? libsodiumAead);
}

/**
 * Open an age file: reads the header, finds an identity that unwraps the file
 * key, verifies the header MAC and reads the payload nonce, all before
 * resolving. The payload is then authenticated chunk by chunk as the returned
 * generator is consumed; consume it to the end, since truncation and trailing
 * data are only detectable there. Requires libsodium loaded.
 *
 * @returns the identity that matched and the plaintext stream, which throws
 *   AgePayloadError on tampering, truncation or trailing data.
 * @throws TypeError if there are no identities.
 * @throws AgeHeaderError with a code as `readHeader`, `invalid-stanza` if it
 *   mixes an scrypt stanza with others or a stanza for one of the identities is
 *   invalid, `work-factor-too-high` past an scrypt identity's limit, or
 *   `truncated` if the file ends before the payload nonce.
 * @throws NoIdentityMatchError (`no-identity-match`) if no identity unwraps the file key.
 * @throws AgeMacError (`invalid-mac`) if the header MAC does not verify.
 */
export async function decrypt(
  identities: readonly Identity[],
  ciphertext: AsyncIterable<Uint8Array>,
  options: AgeOptions = {},
): Promise<{ identity: Identity; plaintext: AsyncGenerator<Uint8Array, void, undefined> }> {
  if (identities.length === 0) throw new TypeError('no identities');
  const { header, rest } = await readHeader(ciphertext);
  const reader = new ByteReader(rest);
  try {
    // Checked here as well as in the scrypt identity, so that no other
    // identity can accept a header whose scrypt stanza has company.
    if (header.stanzas.length > 1 && header.stanzas.some((stanza) => stanza.type === SCRYPT_STANZA_TYPE)) {
      throw new AgeHeaderError('invalid-stanza', 'scrypt stanza must be alone in the header');
    }
    for (const identity of identities) {
      const fileKey = await identity.unwrapFileKey(header.stanzas);
      if (fileKey === null) continue;
      try {
        if (fileKey.length !== FILE_KEY_SIZE) throw new AgeHeaderError('invalid-stanza', 'invalid file key length');
        if (!verifyHeaderMac(fileKey, header)) throw new AgeMacError();
        const nonce = await reader.read(PAYLOAD_NONCE_SIZE);
        if (nonce.length !== PAYLOAD_NONCE_SIZE) throw new AgeHeaderError('truncated', 'missing payload nonce');
        const payloadKey = derivePayloadKey(fileKey, nonce);
        const open = options.openPayload ?? ((key, sealed) => openStream(key, sealed, options.aead ?? libsodiumAead));
        return { identity, plaintext: open(payloadKey, reader.remaining()) };
      } finally {
        wipe(fileKey);
      }
    }
    throw new NoIdentityMatchError();
  } catch (error) {
    await reader.close();
    throw error;
  }
}
