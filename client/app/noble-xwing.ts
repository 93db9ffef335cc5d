/**
 * The X-Wing KEM (draft-connolly-cfrg-xwing-kem: MLKEM768-X25519, as age's
 * mlkem768x25519 type and libsodium's crypto_kem_xwing_* use it) in pure
 * JavaScript, for the page's worker without WebAssembly.
 *
 * ML-KEM-768 is @noble/post-quantum's; X25519 is passed in (the worker's own
 * noble X25519, client/app/sodium-noble.ts), and only the draft's few lines
 * of combiner are written here. Why not noble's ready-made `XWing`: its
 * module also builds the P-256 and P-384 hybrids and carries its own copies
 * of @noble/curves and @noble/hashes, 22 kB gzipped against about 6 kB for
 * this file's bundle (client/app/noble-xwing-entry.ts, loaded only for a
 * hybrid manifest). test/client/sodium-noble.test.ts checks it byte for byte
 * against libsodium (key generation, deterministic encapsulation, both
 * decapsulations) and noble's `XWing`.
 */
import { sha3_256, shake256 } from '@noble/hashes/sha3.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

/** The X25519 functions X-Wing needs, with libsodium's semantics (scalarmult throws on an all-zero result). */
export interface X25519Functions {
  crypto_scalarmult_base(secretKey: Uint8Array): Uint8Array;
  crypto_scalarmult(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
}

/** The X-Wing operations, in the shapes of libsodium's crypto_kem_xwing_*. */
export interface XWingKem {
  /** The public key of a 32-byte seed (the seed is the secret key). */
  publicKey(seed: Uint8Array): Uint8Array;
  /**
   * Encapsulate with 64 bytes of randomness `eseed` (ML-KEM's message, then the X25519 ephemeral key).
   * @throws Error if the ML-KEM key fails FIPS 203's modulus check or the X25519 key is of low order.
   */
  encapsulate(publicKey: Uint8Array, eseed: Uint8Array): { ciphertext: Uint8Array; sharedSecret: Uint8Array };
  /** @throws Error if the X25519 share is of low order. */
  decapsulate(ciphertext: Uint8Array, seed: Uint8Array): Uint8Array;
}

const ML_KEM_PUBLIC_KEY_SIZE = ml_kem768.lengths.publicKey!;
const ML_KEM_CIPHERTEXT_SIZE = ml_kem768.lengths.cipherText!;
/** `XWingLabel`, the ASCII art `\.//^\`. */
const LABEL = Uint8Array.of(0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c);

/** ML-KEM's modulus q, and the bytes of the key's encoded vector t: all of it but the 32-byte seed rho at its end. */
const ML_KEM_Q = 3329;
const ML_KEM_T_SIZE = ML_KEM_PUBLIC_KEY_SIZE - 32;

/**
 * FIPS 203's encapsulation key check (§7.2, the "modulus check"): every
 * 12-bit coefficient of t is below q. @noble/post-quantum 0.5 skips it (it
 * reduces instead), libsodium performs it: without it, this worker would
 * encrypt to a key the WebAssembly one refuses.
 */
function hasReducedCoefficients(pkM: Uint8Array): boolean {
  for (let i = 0; i < ML_KEM_T_SIZE; i += 3) {
    const b0 = pkM[i]!;
    const b1 = pkM[i + 1]!;
    const b2 = pkM[i + 2]!;
    if ((b0 | ((b1 & 0x0f) << 8)) >= ML_KEM_Q || ((b1 >> 4) | (b2 << 4)) >= ML_KEM_Q) return false;
  }
  return true;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Builds X-Wing on the given X25519 (the draft's `Combiner`, `expandDecapsulationKey`, `Encapsulate`, `Decapsulate`). */
export function nobleXWing(x25519: X25519Functions): XWingKem {
  const combine = (ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array): Uint8Array =>
    sha3_256(concat(ssM, ssX, ctX, pkX, LABEL));

  function expand(seed: Uint8Array): { skM: Uint8Array; skX: Uint8Array; pkM: Uint8Array; pkX: Uint8Array } {
    const expanded = shake256(seed, { dkLen: 96 });
    const { publicKey, secretKey } = ml_kem768.keygen(expanded.subarray(0, 64));
    const skX = expanded.slice(64, 96);
    expanded.fill(0);
    return { skM: secretKey, skX, pkM: publicKey, pkX: x25519.crypto_scalarmult_base(skX) };
  }

  return {
    publicKey(seed) {
      const { skM, skX, pkM, pkX } = expand(seed);
      skM.fill(0);
      skX.fill(0);
      return concat(pkM, pkX);
    },
    encapsulate(publicKey, eseed) {
      const pkM = publicKey.subarray(0, ML_KEM_PUBLIC_KEY_SIZE);
      if (!hasReducedCoefficients(pkM)) throw new Error('invalid ML-KEM public key');
      const pkX = publicKey.subarray(ML_KEM_PUBLIC_KEY_SIZE);
      const ekX = eseed.subarray(32, 64);
      const ctX = x25519.crypto_scalarmult_base(ekX);
      const ssX = x25519.crypto_scalarmult(ekX, pkX);
      try {
        const { cipherText: ctM, sharedSecret: ssM } = ml_kem768.encapsulate(pkM, eseed.subarray(0, 32));
        const sharedSecret = combine(ssM, ssX, ctX, pkX);
        ssM.fill(0);
        return { ciphertext: concat(ctM, ctX), sharedSecret };
      } finally {
        // ML-KEM refuses an over-modulus key by throwing: the X25519 secret goes either way.
        ssX.fill(0);
      }
    },
    decapsulate(ciphertext, seed) {
      const { skM, skX, pkX } = expand(seed);
      const ctX = ciphertext.subarray(ML_KEM_CIPHERTEXT_SIZE);
      try {
        const ssX = x25519.crypto_scalarmult(skX, ctX);
        try {
          const ssM = ml_kem768.decapsulate(ciphertext.subarray(0, ML_KEM_CIPHERTEXT_SIZE), skM);
          const sharedSecret = combine(ssM, ssX, ctX, pkX);
          ssM.fill(0);
          return sharedSecret;
        } finally {
          ssX.fill(0);
        }
      } finally {
        skM.fill(0);
        skX.fill(0);
      }
    },
  };
}
