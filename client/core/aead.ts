/**
 * ChaCha20-Poly1305 (RFC 8439, IETF variant: 32-byte key, 12-byte nonce,
 * 16-byte tag appended), with no associated data: the only AEAD age uses.
 *
 * It sits behind an interface so the bulk cipher is pluggable: the browser
 * uses libsodium (with its pure-JS fallback when WebAssembly is off), while the
 * offline decryptor can use Node's native OpenSSL implementation, which is
 * much faster on multi-gigabyte files.
 */
import { sodium } from './sodium.js';

/** Size of a ChaCha20-Poly1305 key in bytes. */
export const AEAD_KEY_SIZE = 32;
/** Size of a ChaCha20-Poly1305 IETF nonce in bytes. */
export const AEAD_NONCE_SIZE = 12;
/** Size of the Poly1305 authentication tag in bytes. */
export const AEAD_TAG_SIZE = 16;

/** An implementation of ChaCha20-Poly1305 IETF without associated data. */
export interface Aead {
  /**
   * Encrypt and authenticate; returns ciphertext || tag.
   * @throws TypeError if the key or nonce has the wrong length.
   */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /**
   * Verify and decrypt ciphertext || tag.
   * @returns the plaintext, or `null` if authentication fails (including
   *   input shorter than a tag).
   * @throws TypeError if the key or nonce has the wrong length.
   */
  open(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
}

/**
 * Check key and nonce sizes up front: misuse is a programming error and must
 * throw, so that {@link Aead.open} can map every remaining failure to `null`.
 * @throws TypeError on a wrong key or nonce length.
 */
export function checkAeadArguments(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== AEAD_KEY_SIZE) throw new TypeError('invalid ChaCha20-Poly1305 key length');
  if (nonce.length !== AEAD_NONCE_SIZE) throw new TypeError('invalid ChaCha20-Poly1305 nonce length');
}

/**
 * ChaCha20-Poly1305 from libsodium-wrappers. Requires `await loadSodium()`.
 * Callers keep each message small (age uses at most 64 KiB + 16): the pure-JS
 * fallback's heap is 16 MiB.
 */
export const libsodiumAead: Aead = {
  seal(key, nonce, plaintext) {
    checkAeadArguments(key, nonce);
    return sodium().crypto_aead_chacha20poly1305_ietf_encrypt(plaintext, null, null, nonce, key);
  },
  open(key, nonce, ciphertext) {
    checkAeadArguments(key, nonce);
    if (ciphertext.length < AEAD_TAG_SIZE) return null;
    try {
      return sodium().crypto_aead_chacha20poly1305_ietf_decrypt(null, ciphertext, null, nonce, key);
    } catch {
      // libsodium-wrappers signals a failed tag check by throwing; the
      // arguments were validated above, so this can only be that.
      return null;
    }
  },
};
