/**
 * node:crypto (OpenSSL) stand-ins for the libsodium functions that opening
 * an age file with X25519 identities calls: `sealdrop decrypt` of a classic
 * submission then never loads libsodium, whose WebAssembly costs about half
 * of Node's own start-up again (docs/BENCHMARKS.md, "Offline decryption").
 *
 * The list is what that path looks up (found by running `sealdrop decrypt`
 * with every libsodium function logged, plain and passphrase-sealed identity
 * files): X25519 for the identity's public key and the stanza's shared
 * secret, ChaCha20-Poly1305 for the wrapped file key, constant-time
 * comparison for the header MAC; plus the CSPRNG and the AEAD's sealing
 * half, which round trips and generated keys need. HMAC and HKDF come from
 * @noble/hashes (client/core/hkdf.ts), not libsodium. Anything else throws
 * (see installSodiumStandIn), and test/cli/native-sodium.test.ts checks
 * each function against libsodium itself.
 */
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  randomFillSync,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { installSodiumStandIn, type SodiumStandIn } from '../core/sodium.js';
import { nodeAead } from './node-aead.js';

const X25519_KEY_SIZE = 32;
/** DER (PKCS #8) of an X25519 private key, before its 32 raw bytes (RFC 8410). */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
/** DER (SubjectPublicKeyInfo) of an X25519 public key, before its 32 raw bytes (RFC 8410). */
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

function requireBytes(bytes: unknown, length: number, what: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) throw new TypeError(`invalid ${what} length`);
}

/** A plain Uint8Array copy: libsodium never returns a Buffer (whose slice() is a view, not a copy). */
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function privateKey(secretKey: Uint8Array): KeyObject {
  requireBytes(secretKey, X25519_KEY_SIZE, 'privateKey');
  const der = Buffer.concat([PKCS8_X25519_PREFIX, secretKey]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

function isAllZero(bytes: Uint8Array): boolean {
  let accumulator = 0;
  for (const byte of bytes) accumulator |= byte;
  return accumulator === 0;
}

/** The stand-ins, by libsodium name; arguments and errors as libsodium-wrappers has them. */
export const nativeSodium = {
  memcmp(a: Uint8Array, b: Uint8Array): boolean {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array))
      throw new TypeError('Only Uint8Array instances can be compared');
    if (a.length !== b.length) throw new TypeError('Only instances of identical length can be compared');
    return timingSafeEqual(a, b);
  },

  randombytes_buf(length: number): Uint8Array {
    if (!Number.isSafeInteger(length) || length < 0) throw new TypeError('length must be an unsigned integer');
    return randomFillSync(new Uint8Array(length));
  },

  /** The X25519 public key of a (clamped) secret key. */
  crypto_scalarmult_base(secretKey: Uint8Array): Uint8Array {
    const spki = createPublicKey(privateKey(secretKey)).export({ format: 'der', type: 'spki' });
    return plain(spki.subarray(SPKI_X25519_PREFIX.length));
  },

  /** X25519; throws on an all-zero result (a low-order point), as libsodium does. */
  crypto_scalarmult(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    const ours = privateKey(secretKey);
    requireBytes(publicKey, X25519_KEY_SIZE, 'publicKey');
    let shared: Buffer;
    try {
      const theirs = createPublicKey({
        key: Buffer.concat([SPKI_X25519_PREFIX, publicKey]),
        format: 'der',
        type: 'spki',
      });
      shared = diffieHellman({ privateKey: ours, publicKey: theirs });
    } catch {
      // OpenSSL itself refuses an all-zero result.
      throw new Error('weak public key');
    }
    const out = plain(shared);
    shared.fill(0);
    if (isAllZero(out)) throw new Error('weak public key');
    return out;
  },

  crypto_aead_chacha20poly1305_ietf_encrypt(
    message: Uint8Array,
    additionalData: unknown,
    secretNonce: unknown,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array {
    if (!(message instanceof Uint8Array) || additionalData !== null || secretNonce !== null)
      throw new TypeError('unsupported ChaCha20-Poly1305 arguments: Uint8Array message, no additional data');
    requireBytes(nonce, 12, 'public_nonce');
    requireBytes(key, 32, 'key');
    return nodeAead.seal(key, nonce, message);
  },

  /** Throws when the tag does not verify, as libsodium-wrappers does. */
  crypto_aead_chacha20poly1305_ietf_decrypt(
    secretNonce: unknown,
    ciphertext: Uint8Array,
    additionalData: unknown,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array {
    if (secretNonce !== null || !(ciphertext instanceof Uint8Array) || additionalData !== null)
      throw new TypeError('unsupported ChaCha20-Poly1305 arguments: Uint8Array ciphertext, no additional data');
    requireBytes(nonce, 12, 'public_nonce');
    requireBytes(key, 32, 'key');
    const opened = nodeAead.open(key, nonce, ciphertext);
    if (opened === null) throw new Error('ciphertext cannot be decrypted using that key');
    return opened;
  },
} satisfies SodiumStandIn;

/**
 * Serve the core's sodium() from {@link nativeSodium} until libsodium is
 * loaded (a hybrid identity loads it: client/core/identity-file.ts).
 */
export function installNativeSodium(): void {
  installSodiumStandIn(nativeSodium);
}
