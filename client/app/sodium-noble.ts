/**
 * The libsodium functions the page uses, implemented with the audited noble
 * libraries, for browsers without WebAssembly (Tor Browser's Safer level).
 *
 * The no-WebAssembly worker bundle is built with `libsodium-wrappers`
 * aliased to this module (scripts/build-client.ts), so the protocol core
 * runs unchanged. Why: libsodium's only pure-JavaScript fallback lives in
 * its CommonJS build (306 KB gzipped, on top of nothing else usable); these
 * noble modules weigh a fraction of that and, measured without JIT, are
 * faster at every operation the page needs (docs/BENCHMARKS.md).
 *
 * The X-Wing KEM (hybrid post-quantum manifests only) is the exception to
 * "bundled here": it loads on first use, from its own file.
 *
 * Only what the encryption worker calls is here: an unlisted function is
 * `undefined`, so calling it throws and the page fails closed.
 * test/client/sodium-noble.test.ts checks every function against libsodium.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { XWING_ENCAPSULATION_SIZE, XWING_PUBLIC_KEY_SIZE, XWING_SEED_SIZE } from '../core/hpke.js';
import { loadNobleXWing } from './noble-xwing-loader.js';
import type { XWingKem } from './noble-xwing.js';

/** A running BLAKE2b, standing in for libsodium's generichash state. */
interface GenericHashState {
  readonly hash: ReturnType<typeof blake2b.create>;
  readonly outputLength: number;
}

/** crypto.getRandomValues fills at most 64 KiB per call. */
const MAX_RANDOM_PER_CALL = 65536;

function requireLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) throw new TypeError(`invalid ${what} length`);
}

/**
 * The page only verifies Ed25519 (the manifest's two minisign signatures,
 * once per load): noble's default window table for the base point (6 bits
 * in @noble/curves 2.4)
 * costs more to build without JIT (about 0.1-0.2 s, measured under
 * `node --jitless`) than the two verifications take without it. Window 1
 * builds no table; verification handles no secret, so timing is no concern.
 */
ed25519.Point.BASE.precompute(1, true);

const nobleSodium = {
  /** Nothing to initialise: pure JavaScript. */
  ready: Promise.resolve(),

  randombytes_buf(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += MAX_RANDOM_PER_CALL) {
      crypto.getRandomValues(out.subarray(offset, offset + MAX_RANDOM_PER_CALL));
    }
    return out;
  },

  /** Constant-time equality; like libsodium, unequal lengths are a misuse. */
  memcmp(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) throw new TypeError('arguments must be of equal length');
    let difference = 0;
    for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
    return difference === 0;
  },

  crypto_scalarmult_base(secretKey: Uint8Array): Uint8Array {
    requireLength(secretKey, 32, 'X25519 secret key');
    return x25519.getPublicKey(secretKey);
  },

  /** Throws on an all-zero result (a low-order point), as libsodium does. */
  crypto_scalarmult(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    requireLength(secretKey, 32, 'X25519 secret key');
    requireLength(publicKey, 32, 'X25519 public key');
    const shared = x25519.getSharedSecret(secretKey, publicKey);
    let any = 0;
    for (const byte of shared) any |= byte;
    if (any === 0) throw new Error('weak public key');
    return shared;
  },

  crypto_aead_chacha20poly1305_ietf_encrypt(
    message: Uint8Array,
    additionalData: Uint8Array | null,
    _secretNonce: null,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array {
    requireLength(key, 32, 'key');
    requireLength(nonce, 12, 'nonce');
    return chacha20poly1305(key, nonce, additionalData ?? undefined).encrypt(message);
  },

  /** Throws if the tag does not verify, as libsodium-wrappers does. */
  crypto_aead_chacha20poly1305_ietf_decrypt(
    _secretNonce: null,
    ciphertext: Uint8Array,
    additionalData: Uint8Array | null,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array {
    requireLength(key, 32, 'key');
    requireLength(nonce, 12, 'nonce');
    return chacha20poly1305(key, nonce, additionalData ?? undefined).decrypt(ciphertext);
  },

  crypto_generichash(outputLength: number, message: Uint8Array, key: Uint8Array | null = null): Uint8Array {
    return blake2b(message, { dkLen: outputLength, ...(key === null ? {} : { key }) });
  },

  crypto_generichash_init(key: Uint8Array | null, outputLength: number): GenericHashState {
    return { hash: blake2b.create({ dkLen: outputLength, ...(key === null ? {} : { key }) }), outputLength };
  },

  crypto_generichash_update(state: GenericHashState, message: Uint8Array): void {
    state.hash.update(message);
  },

  crypto_generichash_final(state: GenericHashState, outputLength: number): Uint8Array {
    if (outputLength !== state.outputLength) throw new TypeError('output length differs from init');
    return state.hash.digest();
  },

  crypto_kem_xwing_PUBLICKEYBYTES: XWING_PUBLIC_KEY_SIZE,
  crypto_kem_xwing_CIPHERTEXTBYTES: XWING_ENCAPSULATION_SIZE,
  crypto_kem_xwing_SEEDBYTES: XWING_SEED_SIZE,
  crypto_kem_xwing_SECRETKEYBYTES: XWING_SEED_SIZE,
  crypto_kem_xwing_SHAREDSECRETBYTES: 32,

  /** X-Wing's secret key is its seed, in libsodium as in the draft. */
  crypto_kem_xwing_seed_keypair(seed: Uint8Array): { publicKey: Uint8Array; privateKey: Uint8Array; keyType: string } {
    requireLength(seed, XWING_SEED_SIZE, 'X-Wing seed');
    return { publicKey: xwing().publicKey(seed), privateKey: seed.slice(), keyType: 'xwing' };
  },

  crypto_kem_xwing_enc(publicKey: Uint8Array): { ciphertext: Uint8Array; sharedSecret: Uint8Array } {
    requireLength(publicKey, XWING_PUBLIC_KEY_SIZE, 'X-Wing public key');
    const eseed = nobleSodium.randombytes_buf(64);
    try {
      return xwing().encapsulate(publicKey, eseed);
    } finally {
      eseed.fill(0);
    }
  },

  /** Throws if the X25519 share is of low order (an all-zero X25519 secret), as libsodium does. */
  crypto_kem_xwing_dec(ciphertext: Uint8Array, privateKey: Uint8Array): Uint8Array {
    requireLength(ciphertext, XWING_ENCAPSULATION_SIZE, 'X-Wing ciphertext');
    requireLength(privateKey, XWING_SEED_SIZE, 'X-Wing secret key');
    return xwing().decapsulate(ciphertext, privateKey);
  },

  /**
   * Strict RFC 8032 verification (not ZIP-215), like libsodium: refuses
   * non-canonical encodings and S >= L.
   */
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    requireLength(signature, 64, 'signature');
    requireLength(publicKey, 32, 'public key');
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
};

let loadedXWing: XWingKem | undefined;

/** X-Wing on this module's X25519, loaded on first use (client/app/noble-xwing-loader.ts). */
function xwing(): XWingKem {
  loadedXWing ??= loadNobleXWing()(nobleSodium);
  return loadedXWing;
}

export type NobleSodium = typeof nobleSodium;
export default nobleSodium;
