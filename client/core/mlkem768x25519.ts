/**
 * The MLKEM768-X25519 (X-Wing) hybrid post-quantum recipient type
 * (C2SP age.md, "The MLKEM768-X25519 hybrid post-quantum recipient type"):
 * `age1pq1...` recipients, `AGE-SECRET-KEY-PQ-1...` identities, and
 * `mlkem768x25519` stanzas, each the HPKE SealBase (./hpke.ts) of the file key.
 *
 * A file encrypted only to recipients of this type stays confidential
 * against a future quantum computer; the spec says a file SHOULD NOT mix
 * it with classic types (Sealdrop's manifest.ts enforces that).
 */
import type { Identity, Recipient } from './age.js';
import { decodeAgeKey, isAgeKey, type AgeKeyForm } from './age-keys.js';
import { Base64Error, decodeBase64, encodeBase64 } from './base64.js';
import { encodeBech32 } from './bech32.js';
import { utf8, wipe } from './bytes.js';
import { AgeHeaderError } from './errors.js';
import { WRAPPED_FILE_KEY_SIZE, type Stanza } from './header.js';
import {
  HpkeDecapsulationError,
  openBase,
  sealBase,
  XWING_ENCAPSULATION_SIZE,
  XWING_KEM,
  XWING_PUBLIC_KEY_SIZE,
  XWING_SEED_SIZE,
} from './hpke.js';
import { sodium } from './sodium.js';

/** The stanza type: the first argument of every hybrid stanza. */
export const HYBRID_STANZA_TYPE = 'mlkem768x25519';
/** Bytes of the stanza's one argument after the type, base64 decoded: the X-Wing encapsulation. */
export const HYBRID_ENCAPSULATION_SIZE = XWING_ENCAPSULATION_SIZE;
/** Bytes of an `age1pq1...` recipient's key: the X-Wing public key. */
export const HYBRID_PUBLIC_KEY_SIZE = XWING_PUBLIC_KEY_SIZE;
/** Bytes of an `AGE-SECRET-KEY-PQ-1...` identity: the X-Wing seed. */
export const HYBRID_SEED_SIZE = XWING_SEED_SIZE;

const RECIPIENT_PREFIX = 'age1pq';
/** The Bech32 prefix of an identity's encoding, as age writes it (uppercase); the one home of this spelling. */
export const HYBRID_IDENTITY_PREFIX = 'AGE-SECRET-KEY-PQ-';
const HPKE_INFO = utf8('age-encryption.org/mlkem768x25519');
// The key-string rule is age's, as for X25519 (./age-keys.ts): one spelling per key.
const RECIPIENT_FORM: AgeKeyForm = {
  kind: 'recipient',
  prefix: RECIPIENT_PREFIX,
  size: HYBRID_PUBLIC_KEY_SIZE,
  message: 'invalid mlkem768x25519 recipient',
};
const IDENTITY_FORM: AgeKeyForm = {
  kind: 'identity',
  prefix: HYBRID_IDENTITY_PREFIX,
  size: HYBRID_SEED_SIZE,
  message: 'invalid mlkem768x25519 identity',
};

function invalidStanza(): AgeHeaderError {
  return new AgeHeaderError('invalid-stanza', 'invalid mlkem768x25519 stanza');
}

/**
 * Whether `text` is a hybrid recipient in its one canonical spelling:
 * lowercase Bech32 `age1pq1...` of a 1216-byte key (the rule
 * {@link HybridRecipient.parse} enforces).
 */
export function isHybridRecipient(text: string): boolean {
  return isAgeKey(text, RECIPIENT_FORM);
}

/** An `age1pq1...` public key: anyone can encrypt to it. */
export class HybridRecipient implements Recipient {
  readonly #publicKey: Uint8Array;

  private constructor(publicKey: Uint8Array) {
    this.#publicKey = publicKey;
  }

  /**
   * @throws TypeError if the key is not 1216 bytes.
   */
  static fromPublicKey(publicKey: Uint8Array): HybridRecipient {
    if (publicKey.length !== HYBRID_PUBLIC_KEY_SIZE) throw new TypeError('invalid mlkem768x25519 public key length');
    // new Uint8Array, not slice(): a Buffer's slice() is a view of the same bytes.
    return new HybridRecipient(new Uint8Array(publicKey));
  }

  /**
   * Parse the lowercase Bech32 `age1pq1...` form (Bech32 without BIP 173's
   * 90-character limit, as age.md specifies: the key is 1216 bytes).
   * @throws AgeKeyError `invalid-recipient` if it is not a valid hybrid recipient.
   */
  static parse(text: string): HybridRecipient {
    return new HybridRecipient(decodeAgeKey(text, RECIPIENT_FORM));
  }

  /** A copy of the 1216-byte X-Wing public key (ML-KEM-768 key || X25519 key). */
  get publicKey(): Uint8Array {
    return this.#publicKey.slice();
  }

  /** The `age1pq1...` encoding. */
  format(): string {
    return encodeBech32(RECIPIENT_PREFIX, this.#publicKey);
  }

  toString(): string {
    return this.format();
  }

  /**
   * One `mlkem768x25519` stanza: HPKE SealBase of the file key under a fresh
   * encapsulation. Requires libsodium loaded.
   * @throws TypeError if the key is refused (an X25519 part of low order, or an
   *   ML-KEM part that fails the modulus check): well-formed Bech32 says nothing of that.
   *   KemUnavailableError (./hpke.ts) if the KEM cannot be loaded (the no-WebAssembly page).
   */
  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    const { enc, ciphertext } = sealBase(XWING_KEM, this.#publicKey, HPKE_INFO, fileKey);
    return [{ type: HYBRID_STANZA_TYPE, args: [encodeBase64(enc, false)], body: ciphertext }];
  }
}

/** An `AGE-SECRET-KEY-PQ-1...` private key: a 32-byte X-Wing seed. */
export class HybridIdentity implements Identity {
  readonly #seed: Uint8Array;
  #recipient: HybridRecipient | undefined;

  private constructor(seed: Uint8Array) {
    this.#seed = seed;
  }

  /** A new identity from the CSPRNG. Requires libsodium loaded. */
  static generate(): HybridIdentity {
    return new HybridIdentity(sodium().randombytes_buf(HYBRID_SEED_SIZE));
  }

  /**
   * An identity from its 32-byte seed (copied).
   * @throws TypeError if the seed is not 32 bytes.
   */
  static fromSeed(seed: Uint8Array): HybridIdentity {
    if (seed.length !== HYBRID_SEED_SIZE) throw new TypeError('invalid mlkem768x25519 seed length');
    // new Uint8Array, not slice(): a Buffer's slice() is a view, which the caller's wipe would zero.
    return new HybridIdentity(new Uint8Array(seed));
  }

  /**
   * Parse the uppercase Bech32 `AGE-SECRET-KEY-PQ-1...` form.
   * @throws AgeKeyError `invalid-identity` if it is not a valid hybrid identity (the message
   *   never includes the input).
   */
  static parse(text: string): HybridIdentity {
    return new HybridIdentity(decodeAgeKey(text, IDENTITY_FORM));
  }

  /** The `AGE-SECRET-KEY-PQ-1...` encoding (uppercase, as age writes it). */
  format(): string {
    return encodeBech32(HYBRID_IDENTITY_PREFIX, this.#seed).toUpperCase();
  }

  /**
   * The same as {@link format}: the shared contract names it so. Mind that
   * string interpolation of the identity therefore prints the secret.
   */
  toString(): string {
    return this.format();
  }

  /**
   * The matching recipient, computed once (key generation from the seed is
   * the costly step of this type, so parsing an identity does not do it).
   * Requires libsodium loaded.
   */
  recipient(): HybridRecipient {
    if (this.#recipient === undefined) {
      const { publicKey, privateKey } = sodium().crypto_kem_xwing_seed_keypair(this.#seed);
      // The private key is a copy of the seed: not left behind on the heap.
      wipe(privateKey);
      this.#recipient = HybridRecipient.fromPublicKey(publicKey);
    }
    return this.#recipient;
  }

  /**
   * Find and open the stanza addressed to this identity. Stanzas of other
   * types, including a differently cased `MLKEM768X25519`, are skipped.
   * Requires libsodium loaded.
   * @returns the file key, or `null` if no hybrid stanza opens with this key.
   * @throws AgeHeaderError `invalid-stanza` if a hybrid stanza is malformed (not exactly one
   *   argument after the type, not canonical base64, an encapsulation other than 1120 bytes,
   *   a body other than 32 bytes) or its encapsulation is refused (a low-order X25519 share):
   *   the spec requires aborting, not skipping. KemUnavailableError (./hpke.ts) if
   *   the KEM cannot be loaded (the no-WebAssembly page): never taken for "not for me".
   */
  unwrapFileKey(stanzas: readonly Stanza[]): Uint8Array | null {
    for (const stanza of stanzas) {
      if (stanza.type !== HYBRID_STANZA_TYPE) continue;
      const [encText, ...extra] = stanza.args;
      if (encText === undefined || extra.length > 0) throw invalidStanza();
      let enc: Uint8Array;
      try {
        enc = decodeBase64(encText, false);
      } catch (error) {
        if (error instanceof Base64Error) throw invalidStanza();
        throw error;
      }
      // Sizes are checked before any decryption, against partitioning oracles.
      if (enc.length !== HYBRID_ENCAPSULATION_SIZE || stanza.body.length !== WRAPPED_FILE_KEY_SIZE) {
        throw invalidStanza();
      }
      let fileKey: Uint8Array | null;
      try {
        fileKey = openBase(XWING_KEM, enc, this.#seed, HPKE_INFO, stanza.body);
      } catch (error) {
        if (error instanceof HpkeDecapsulationError) throw invalidStanza();
        throw error;
      }
      if (fileKey !== null) return fileKey;
    }
    return null;
  }

  /** Overwrite the seed; the identity is unusable afterwards. */
  wipe(): void {
    wipe(this.#seed);
  }
}
