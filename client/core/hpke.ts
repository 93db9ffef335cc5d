/**
 * HPKE (RFC 9180) base mode, single shot, as age's mlkem768x25519 recipient
 * type uses it: one `SealBase`/`OpenBase` per stanza, empty associated data,
 * sequence number 0 only. The KDF is HKDF-SHA256 and the AEAD
 * ChaCha20Poly1305 (ids 0x0001 and 0x0003); the KEM is pluggable, and
 * {@link XWING_KEM} (MLKEM768-X25519, id 0x647a) is the one age specifies.
 *
 * Nothing here keeps a context: with one message per encapsulation the
 * nonce is always `base_nonce`, so the sequence counter (and its overflow
 * rule) never comes into play.
 */
import { libsodiumAead, AEAD_KEY_SIZE, AEAD_NONCE_SIZE } from './aead.js';
import { concatBytes, utf8, wipe } from './bytes.js';
import { hmacSha256 } from './hkdf.js';
import { KemUnavailableError } from './kem-unavailable.js';
import { sodium } from './sodium.js';

export { KemUnavailableError };

/** A KEM as HPKE uses it (RFC 9180 §4): its id and the two operations. */
export interface HpkeKem {
  /** The two-byte KEM id of the HPKE registry. */
  readonly id: number;
  /** Bytes of `enc`. */
  readonly encapsulationSize: number;
  /**
   * @returns a fresh shared secret and its encapsulation to `publicKey`.
   * @throws TypeError if the public key is malformed,
   *   KemUnavailableError if the KEM's implementation cannot be loaded.
   */
  encapsulate(publicKey: Uint8Array): { enc: Uint8Array; sharedSecret: Uint8Array };
  /**
   * @returns the shared secret, or `null` if `enc` is refused (for X-Wing:
   *   its X25519 part is a low-order point).
   * @throws TypeError on a wrong `enc` or secret key length,
   *   KemUnavailableError if the KEM's implementation cannot be loaded.
   */
  decapsulate(enc: Uint8Array, secretKey: Uint8Array): Uint8Array | null;
}

/** HKDF-SHA256 in the HPKE KDF registry. */
const KDF_HKDF_SHA256 = 0x0001;
/** ChaCha20Poly1305 in the HPKE AEAD registry. */
const AEAD_CHACHA20POLY1305 = 0x0003;
const MODE_BASE = 0x00;
const VERSION_LABEL = utf8('HPKE-v1');
const HASH_SIZE = 32;
const EMPTY = new Uint8Array(0);

/** X-Wing's sizes (draft-connolly-cfrg-xwing-kem), which libsodium and noble share. */
export const XWING_SEED_SIZE = 32;
export const XWING_PUBLIC_KEY_SIZE = 1216;
export const XWING_ENCAPSULATION_SIZE = 1120;

/**
 * MLKEM768-X25519, that is X-Wing (KEM id 0x647a), through libsodium's
 * `crypto_kem_xwing_*`; the secret key is the 32-byte seed. Without
 * WebAssembly the page's worker runs the same calls on @noble/post-quantum
 * (client/app/sodium-noble.ts). Requires libsodium loaded.
 */
export const XWING_KEM: HpkeKem = {
  id: 0x647a,
  encapsulationSize: XWING_ENCAPSULATION_SIZE,
  encapsulate(publicKey) {
    if (publicKey.length !== XWING_PUBLIC_KEY_SIZE) throw new TypeError('invalid X-Wing public key length');
    // Obtained outside the try: libsodium not loaded is its own error, not a refused key.
    const { crypto_kem_xwing_enc } = sodium();
    let encapsulation: { ciphertext: Uint8Array; sharedSecret: Uint8Array };
    try {
      encapsulation = crypto_kem_xwing_enc(publicKey);
    } catch (error) {
      if (error instanceof KemUnavailableError) throw error;
      // Refused by libsodium (and noble): an ML-KEM key that fails FIPS 203's
      // modulus check, or an X25519 key of low order.
      throw new TypeError('invalid X-Wing public key', { cause: error });
    }
    return { enc: encapsulation.ciphertext, sharedSecret: encapsulation.sharedSecret };
  },
  decapsulate(enc, secretKey) {
    if (enc.length !== XWING_ENCAPSULATION_SIZE) throw new TypeError('invalid X-Wing encapsulation length');
    if (secretKey.length !== XWING_SEED_SIZE) throw new TypeError('invalid X-Wing secret key length');
    const { crypto_kem_xwing_dec } = sodium();
    try {
      return crypto_kem_xwing_dec(enc, secretKey);
    } catch (error) {
      if (error instanceof KemUnavailableError) throw error;
      // ML-KEM decapsulation cannot fail (implicit rejection) and the sizes
      // are checked above: libsodium (and noble) refuse only an X25519 share
      // of low order, whose shared secret would be all zero.
      return null;
    }
  },
};

function twoBytes(value: number): Uint8Array {
  return Uint8Array.of((value >>> 8) & 0xff, value & 0xff);
}

/** `suite_id = "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2)` (RFC 9180 §5.1). */
function suiteId(kemId: number): Uint8Array {
  return concatBytes(utf8('HPKE'), twoBytes(kemId), twoBytes(KDF_HKDF_SHA256), twoBytes(AEAD_CHACHA20POLY1305));
}

/**
 * HKDF-Extract (RFC 5869 §2.2) is HMAC keyed with the salt; an empty salt
 * equals HashLen zero bytes there, because HMAC zero-pads its key anyway.
 */
function labeledExtract(suite: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  return hmacSha256(salt, VERSION_LABEL, suite, utf8(label), ikm);
}

/** HKDF-Expand (RFC 5869 §2.3) for at most one hash block: every HPKE output here is 32 bytes or less. */
function labeledExpand(
  suite: Uint8Array,
  prk: Uint8Array,
  label: string,
  info: Uint8Array,
  length: number,
): Uint8Array {
  if (length > HASH_SIZE) throw new RangeError('HPKE output longer than one block');
  const block = hmacSha256(prk, twoBytes(length), VERSION_LABEL, suite, utf8(label), info, Uint8Array.of(1));
  const out = block.slice(0, length);
  wipe(block);
  return out;
}

/**
 * The base-mode key schedule (RFC 9180 §5.1, `KeySchedule<ROLE>` with
 * mode_base, empty psk and psk_id): the AEAD key and base nonce for one
 * shared secret and info. Exported for the RFC 9180 vectors (which are for
 * DHKEM suites: the schedule depends on the KEM only through its id).
 */
export function hpkeBaseKeySchedule(
  kemId: number,
  sharedSecret: Uint8Array,
  info: Uint8Array,
): { key: Uint8Array; baseNonce: Uint8Array } {
  const suite = suiteId(kemId);
  const pskIdHash = labeledExtract(suite, EMPTY, 'psk_id_hash', EMPTY);
  const infoHash = labeledExtract(suite, EMPTY, 'info_hash', info);
  const context = concatBytes(Uint8Array.of(MODE_BASE), pskIdHash, infoHash);
  const secret = labeledExtract(suite, sharedSecret, 'secret', EMPTY);
  const key = labeledExpand(suite, secret, 'key', context, AEAD_KEY_SIZE);
  const baseNonce = labeledExpand(suite, secret, 'base_nonce', context, AEAD_NONCE_SIZE);
  wipe(secret);
  return { key, baseNonce };
}

/**
 * `SealBase(pkR, info, aad = "", pt)` (RFC 9180 §6.1), single shot.
 * Requires libsodium loaded.
 * @returns the encapsulation `enc` and the ciphertext `ct` (plaintext || 16-byte tag).
 * @throws TypeError if the KEM refuses the public key, KemUnavailableError if
 *   the KEM's implementation cannot be loaded.
 */
export function sealBase(
  kem: HpkeKem,
  publicKey: Uint8Array,
  info: Uint8Array,
  plaintext: Uint8Array,
): { enc: Uint8Array; ciphertext: Uint8Array } {
  const { enc, sharedSecret } = kem.encapsulate(publicKey);
  const { key, baseNonce } = hpkeBaseKeySchedule(kem.id, sharedSecret, info);
  wipe(sharedSecret);
  const ciphertext = libsodiumAead.seal(key, baseNonce, plaintext);
  wipe(key);
  return { enc, ciphertext };
}

/**
 * `OpenBase(enc, skR, info, aad = "", ct)` (RFC 9180 §6.1), single shot.
 * Requires libsodium loaded.
 * @returns the plaintext, or `null` if the ciphertext does not authenticate
 *   (not for this key, or altered).
 * @throws HpkeDecapsulationError if the KEM refuses `enc` (a malformed
 *   encapsulation, which age treats as a header failure, not as "not for me").
 * @throws TypeError on a wrong `enc` or secret key length.
 * @throws KemUnavailableError if the KEM's implementation cannot be loaded.
 */
export function openBase(
  kem: HpkeKem,
  enc: Uint8Array,
  secretKey: Uint8Array,
  info: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | null {
  const sharedSecret = kem.decapsulate(enc, secretKey);
  if (sharedSecret === null) throw new HpkeDecapsulationError();
  const { key, baseNonce } = hpkeBaseKeySchedule(kem.id, sharedSecret, info);
  wipe(sharedSecret);
  const plaintext = libsodiumAead.open(key, baseNonce, ciphertext);
  wipe(key);
  return plaintext;
}

/** The KEM refused the encapsulation (RFC 9180's `DecapError`). */
export class HpkeDecapsulationError extends Error {
  override name = 'HpkeDecapsulationError';

  constructor() {
    super('invalid HPKE encapsulation');
  }
}
