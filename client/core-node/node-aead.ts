/**
 * The core's {@link Aead} over node:crypto's native (OpenSSL) ChaCha20-Poly1305,
 * for the offline decryptor where throughput on large files matters.
 *
 * client/core-node/ holds Node.js implementations of the core's pluggable
 * primitives, for the CLI and the tests; it is never bundled into the page.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AEAD_TAG_SIZE, checkAeadArguments, type Aead } from '../core/aead.js';

function toUint8Array(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

export const nodeAead: Aead = {
  seal(key, nonce, plaintext) {
    checkAeadArguments(key, nonce);
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: AEAD_TAG_SIZE });
    const body = cipher.update(plaintext);
    const final = cipher.final();
    const out = new Uint8Array(body.length + final.length + AEAD_TAG_SIZE);
    out.set(body, 0);
    out.set(final, body.length);
    out.set(cipher.getAuthTag(), body.length + final.length);
    return out;
  },
  open(key, nonce, ciphertext) {
    checkAeadArguments(key, nonce);
    if (ciphertext.length < AEAD_TAG_SIZE) return null;
    const split = ciphertext.length - AEAD_TAG_SIZE;
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: AEAD_TAG_SIZE });
    decipher.setAuthTag(ciphertext.subarray(split));
    const body = decipher.update(ciphertext.subarray(0, split));
    try {
      const final = decipher.final();
      return final.length === 0 ? toUint8Array(body) : toUint8Array(Buffer.concat([body, final]));
    } catch {
      // final() throws only when the tag does not verify.
      return null;
    }
  },
};
