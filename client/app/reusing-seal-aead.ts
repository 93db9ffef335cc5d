/**
 * libsodium's ChaCha20-Poly1305 for the page's upload, sealing every chunk
 * through one fixed area of libsodium's heap into one output buffer used
 * again for the next chunk, instead of libsodium-wrappers' fresh array per
 * call.
 *
 * Why: the wrappers copy each sealed 64 KiB chunk out into a new array,
 * 16,384 dead arrays per GiB; with the dead batch buffers (batch-buffers.ts)
 * that garbage, collected late, kept the worker and the renderer tens of
 * megabytes above the live ciphertext (docs/BENCHMARKS.md, the page's memory).
 *
 * The sealed bytes are valid only until the next `seal` of the same
 * instance: the upload's batcher (upload.ts, rebatch) copies each chunk into
 * its batch before it asks for the next one, and nothing else holds them.
 * Opening is libsodium-wrappers' own. Only for the page's WebAssembly
 * worker (libsodium loaded); the no-WebAssembly worker uses noble. One
 * instance per worker: its area is never freed.
 */
import {
  AEAD_KEY_SIZE,
  AEAD_NONCE_SIZE,
  AEAD_TAG_SIZE,
  checkAeadArguments,
  libsodiumAead,
  type Aead,
} from '../core/aead.js';
import { sodium } from '../core/sodium.js';
import { CHUNK_SIZE } from '../core/stream.js';

/** The part of libsodium's Emscripten module used here (libsodium-wrappers exposes it as `libsodium`). */
interface LibsodiumModule {
  /** The heap; replaced when it grows, so read it again for every use. */
  readonly HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _crypto_aead_chacha20poly1305_ietf_encrypt(
    ciphertext: number,
    ciphertextLength: number,
    message: number,
    messageLengthLow: number,
    messageLengthHigh: number,
    additionalData: number,
    additionalDataLengthLow: number,
    additionalDataLengthHigh: number,
    secretNonce: number,
    publicNonce: number,
    key: number,
  ): number;
}

/** Where the key, nonce, chunk and sealed chunk live in libsodium's heap, and the JavaScript copy handed out. */
interface Scratch {
  readonly module: LibsodiumModule;
  readonly key: number;
  readonly nonce: number;
  readonly message: number;
  readonly sealed: number;
  readonly output: Uint8Array;
}

function allocate(): Scratch {
  const module = (sodium() as unknown as { libsodium: LibsodiumModule }).libsodium;
  // Allocated once for the page's life; the heap's copies of key and plaintext are wiped after each use.
  const area = module._malloc(AEAD_KEY_SIZE + AEAD_NONCE_SIZE + CHUNK_SIZE + CHUNK_SIZE + AEAD_TAG_SIZE);
  if (area === 0) throw new Error('libsodium could not allocate its sealing area');
  const key = area;
  const nonce = key + AEAD_KEY_SIZE;
  const message = nonce + AEAD_NONCE_SIZE;
  const sealed = message + CHUNK_SIZE;
  return { module, key, nonce, message, sealed, output: new Uint8Array(CHUNK_SIZE + AEAD_TAG_SIZE) };
}

/**
 * An Aead whose `seal` returns a view valid until its next `seal` (see
 * above); a message longer than a chunk is sealed by libsodium-wrappers
 * into a fresh array. Requires libsodium loaded.
 */
export function reusingSealAead(): Aead {
  let scratch: Scratch | null = null;
  return {
    seal(key, nonce, plaintext) {
      checkAeadArguments(key, nonce);
      if (plaintext.length > CHUNK_SIZE) return libsodiumAead.seal(key, nonce, plaintext);
      scratch ??= allocate();
      const { module } = scratch;
      let heap = module.HEAPU8;
      heap.set(key, scratch.key);
      heap.set(nonce, scratch.nonce);
      heap.set(plaintext, scratch.message);
      const status = module._crypto_aead_chacha20poly1305_ietf_encrypt(
        scratch.sealed,
        0,
        scratch.message,
        plaintext.length,
        0,
        0,
        0,
        0,
        0,
        scratch.nonce,
        scratch.key,
      );
      heap = module.HEAPU8;
      heap.fill(0, scratch.key, scratch.key + AEAD_KEY_SIZE);
      heap.fill(0, scratch.message, scratch.message + plaintext.length);
      if (status !== 0) throw new Error('ChaCha20-Poly1305 sealing failed');
      const length = plaintext.length + AEAD_TAG_SIZE;
      // The sealed area holds ciphertext, which is public: no wipe on this hot path.
      scratch.output.set(heap.subarray(scratch.sealed, scratch.sealed + length));
      return scratch.output.subarray(0, length);
    },
    open: (key, nonce, ciphertext) => libsodiumAead.open(key, nonce, ciphertext),
  };
}
