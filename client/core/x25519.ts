/**
 * The X25519 recipient type (age-encryption.org/v1, "The X25519 recipient
 * type"): `age1...` recipients and `AGE-SECRET-KEY-1...` identities.
 *
 * Sealdrop's editor keys are of this type: one stanza per active editor.
 */
import { libsodiumAead, AEAD_NONCE_SIZE } from './aead.js';
import type { Identity, Recipient } from './age.js';
import { decodeAgeKey, isAgeKey, type AgeKeyForm } from './age-keys.js';
import { Base64Error, decodeBase64, encodeBase64 } from './base64.js';
import { encodeBech32 } from './bech32.js';
import { concatBytes, utf8, wipe } from './bytes.js';
import { AgeHeaderError } from './errors.js';
import { WRAPPED_FILE_KEY_SIZE, type Stanza } from './header.js';
import { hkdfSha256 } from './hkdf.js';
import { sodium } from './sodium.js';

/** The stanza type, and the first argument of every X25519 stanza. */
export const X25519_STANZA_TYPE = 'X25519';
const RECIPIENT_PREFIX = 'age';
const IDENTITY_PREFIX = 'AGE-SECRET-KEY-';
const KEY_SIZE = 32;
const RECIPIENT_FORM: AgeKeyForm = {
  kind: 'recipient',
  prefix: RECIPIENT_PREFIX,
  size: KEY_SIZE,
  message: 'invalid X25519 recipient',
};
const IDENTITY_FORM: AgeKeyForm = {
  kind: 'identity',
  prefix: IDENTITY_PREFIX,
  size: KEY_SIZE,
  message: 'invalid X25519 identity',
};
/** Bytes of the ephemeral share an X25519 stanza's argument encodes (an X25519 public key). */
export const X25519_SHARE_SIZE = KEY_SIZE;
const WRAP_INFO = utf8('age-encryption.org/v1/X25519');
/** Each wrap key is used exactly once, so a fixed nonce is safe (and specified). */
const ZERO_NONCE = new Uint8Array(AEAD_NONCE_SIZE);

function isAllZero(bytes: Uint8Array): boolean {
  let accumulator = 0;
  for (const byte of bytes) accumulator |= byte;
  return accumulator === 0;
}

/**
 * X25519(scalar, point), refusing an all-zero result (a low-order point),
 * which would make the wrap key public.
 * @returns the shared secret, or `null` if it is all zero.
 */
function sharedSecret(scalar: Uint8Array, point: Uint8Array): Uint8Array | null {
  let shared: Uint8Array;
  try {
    shared = sodium().crypto_scalarmult(scalar, point);
  } catch {
    // libsodium itself refuses points whose product is all zero.
    return null;
  }
  if (isAllZero(shared)) return null;
  return shared;
}

function wrapKey(shared: Uint8Array, share: Uint8Array, recipient: Uint8Array): Uint8Array {
  return hkdfSha256(shared, concatBytes(share, recipient), WRAP_INFO, 32);
}

/**
 * Whether `text` is an X25519 recipient in its one canonical spelling:
 * lowercase Bech32 `age1...` of a 32-byte key. Every caller that accepts a
 * recipient from a document (the key manifest, submission.json's reply
 * address) asks this, so the rule is the one {@link X25519Recipient.parse}
 * enforces and duplicates cannot hide behind case.
 */
export function isX25519Recipient(text: string): boolean {
  return isAgeKey(text, RECIPIENT_FORM);
}

/** An `age1...` public key: anyone can encrypt to it. */
export class X25519Recipient implements Recipient {
  readonly #publicKey: Uint8Array;

  private constructor(publicKey: Uint8Array) {
    this.#publicKey = publicKey;
  }

  /**
   * @throws TypeError if the key is not 32 bytes.
   */
  static fromPublicKey(publicKey: Uint8Array): X25519Recipient {
    if (publicKey.length !== KEY_SIZE) throw new TypeError('invalid X25519 public key length');
    // new Uint8Array, not slice(): a Buffer's slice() is a view of the same bytes.
    return new X25519Recipient(new Uint8Array(publicKey));
  }

  /**
   * Parse the lowercase Bech32 `age1...` form. The Bech32 decoder refuses
   * non-zero padding bits, so a lowercase string that parses is the only
   * encoding of its key (`format()` gives it back unchanged).
   * @throws AgeKeyError `invalid-recipient` if it is not a valid X25519 recipient.
   */
  static parse(text: string): X25519Recipient {
    return new X25519Recipient(decodeAgeKey(text, RECIPIENT_FORM));
  }

  /** A copy of the 32-byte Curve25519 public key. */
  get publicKey(): Uint8Array {
    return this.#publicKey.slice();
  }

  /** The `age1...` encoding. */
  format(): string {
    return encodeBech32(RECIPIENT_PREFIX, this.#publicKey);
  }

  toString(): string {
    return this.format();
  }

  /**
   * Wrap the file key under a fresh ephemeral key pair. Requires libsodium loaded.
   * @throws TypeError if the recipient is a low-order point (no shared secret).
   */
  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    const s = sodium();
    const ephemeralSecret = s.randombytes_buf(KEY_SIZE);
    const share = s.crypto_scalarmult_base(ephemeralSecret);
    const shared = sharedSecret(ephemeralSecret, this.#publicKey);
    wipe(ephemeralSecret);
    if (shared === null) throw new TypeError('invalid X25519 recipient');
    const key = wrapKey(shared, share, this.#publicKey);
    wipe(shared);
    const body = libsodiumAead.seal(key, ZERO_NONCE, fileKey);
    wipe(key);
    return [{ type: X25519_STANZA_TYPE, args: [encodeBase64(share, false)], body }];
  }
}

/** An `AGE-SECRET-KEY-1...` private key. */
export class X25519Identity implements Identity {
  readonly #secretKey: Uint8Array;
  readonly #publicKey: Uint8Array;

  private constructor(secretKey: Uint8Array) {
    this.#secretKey = secretKey;
    this.#publicKey = sodium().crypto_scalarmult_base(secretKey);
  }

  /** A new identity from the CSPRNG. Requires libsodium loaded. */
  static generate(): X25519Identity {
    return new X25519Identity(sodium().randombytes_buf(KEY_SIZE));
  }

  /**
   * An identity from 32 secret bytes (copied). Requires libsodium loaded.
   * @throws TypeError if the key is not 32 bytes.
   */
  static fromSecretKey(secretKey: Uint8Array): X25519Identity {
    if (secretKey.length !== KEY_SIZE) throw new TypeError('invalid X25519 secret key length');
    // new Uint8Array, not slice(): a Buffer's slice() is a view, which the caller's wipe would zero.
    return new X25519Identity(new Uint8Array(secretKey));
  }

  /**
   * Parse the uppercase Bech32 `AGE-SECRET-KEY-1...` form. Requires libsodium loaded.
   * @throws AgeKeyError `invalid-identity` if it is not a valid X25519 identity (the message
   *   never includes the input).
   */
  static parse(text: string): X25519Identity {
    return new X25519Identity(decodeAgeKey(text, IDENTITY_FORM));
  }

  /**
   * The `AGE-SECRET-KEY-1...` encoding. Deliberately not `toString`, so the
   * secret never ends up in a log line through string interpolation.
   */
  format(): string {
    return encodeBech32(IDENTITY_PREFIX, this.#secretKey).toUpperCase();
  }

  /** The matching recipient. */
  recipient(): X25519Recipient {
    return X25519Recipient.fromPublicKey(this.#publicKey);
  }

  /**
   * Find and open the stanza addressed to this identity.
   * @returns the file key, or `null` if no X25519 stanza opens with this key
   *   (the file is for someone else).
   * @throws AgeHeaderError `invalid-stanza` if an X25519 stanza is malformed (wrong argument
   *   count, non-canonical or wrong-size share, wrong body size) or its share
   *   gives an all-zero shared secret: the spec requires aborting, not skipping.
   */
  unwrapFileKey(stanzas: readonly Stanza[]): Uint8Array | null {
    for (const stanza of stanzas) {
      if (stanza.type !== X25519_STANZA_TYPE) continue;
      const [shareText, ...extra] = stanza.args;
      if (shareText === undefined || extra.length > 0)
        throw new AgeHeaderError('invalid-stanza', 'invalid X25519 stanza');
      let share: Uint8Array;
      try {
        share = decodeBase64(shareText, false);
      } catch (error) {
        if (error instanceof Base64Error) throw new AgeHeaderError('invalid-stanza', 'invalid X25519 stanza');
        throw error;
      }
      // Sizes are checked before any decryption, against partitioning oracles.
      if (share.length !== X25519_SHARE_SIZE || stanza.body.length !== WRAPPED_FILE_KEY_SIZE) {
        throw new AgeHeaderError('invalid-stanza', 'invalid X25519 stanza');
      }
      const shared = sharedSecret(this.#secretKey, share);
      if (shared === null) throw new AgeHeaderError('invalid-stanza', 'invalid X25519 stanza');
      const key = wrapKey(shared, share, this.#publicKey);
      wipe(shared);
      const fileKey = libsodiumAead.open(key, ZERO_NONCE, stanza.body);
      wipe(key);
      if (fileKey !== null) return fileKey;
    }
    return null;
  }

  /** Overwrite the secret key; the identity is unusable afterwards. */
  wipe(): void {
    wipe(this.#secretKey);
  }
}
