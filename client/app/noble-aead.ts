/**
 * ChaCha20-Poly1305 from @noble/ciphers, for browsers without WebAssembly
 * (Tor Browser's Safer level). Measured without JIT it is about twice as fast
 * as libsodium's pure-JavaScript fallback and has no heap limit; with
 * WebAssembly, libsodium is faster, so this is only used without it.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { AEAD_TAG_SIZE, checkAeadArguments, type Aead } from '../core/aead.js';

export const nobleAead: Aead = {
  seal(key, nonce, plaintext) {
    checkAeadArguments(key, nonce);
    return chacha20poly1305(key, nonce).encrypt(plaintext);
  },
  open(key, nonce, ciphertext) {
    checkAeadArguments(key, nonce);
    if (ciphertext.length < AEAD_TAG_SIZE) return null;
    try {
      return chacha20poly1305(key, nonce).decrypt(ciphertext);
    } catch {
      // Arguments were checked above: only a failed tag check remains.
      return null;
    }
  },
};
