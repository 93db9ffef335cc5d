// STREAM: the payload's chunking rules, enforced against hand-crafted chunk
// sequences (which our encoder would never produce), size arithmetic beyond
// 2^32, bounded buffering, and the two interchangeable AEAD backends.
import fc from 'fast-check';
import { libsodiumAead, type Aead } from '../../client/core/aead.js';
import { AgePayloadError } from '../../client/core/errors.js';
import { loadSodium, sodium } from '../../client/core/sodium.js';
import {
  CHUNK_SIZE,
  chunkNonce,
  derivePayloadKey,
  openStream,
  payloadSize,
  plaintextSize,
  SEALED_CHUNK_SIZE,
  sealStream,
} from '../../client/core/stream.js';
import { nodeAead } from '../../client/core-node/node-aead.js';
import { collect, patternBytes, sameBytes, streamOf } from '../support/age-helpers.js';
import { withCode } from '../support/coded-errors.js';

const runs = { numRuns: Number(process.env.SLOW) ? 1000 : 50 };
const KEY = new Uint8Array(32).fill(7);
const key = (): Uint8Array => KEY.slice();

beforeAll(async () => {
  await loadSodium();
});

function seal(counter: number, last: boolean, plaintext: Uint8Array): Uint8Array {
  return libsodiumAead.seal(KEY, chunkNonce(counter, last), plaintext);
}

async function open(chunks: Uint8Array[], pieceSize = 1000): Promise<Uint8Array> {
  const joined = Buffer.concat(chunks);
  return collect(openStream(key(), streamOf(new Uint8Array(joined), pieceSize)));
}

const full = (seed: number): Uint8Array => patternBytes(CHUNK_SIZE, seed);

describe('chunk nonces', () => {
  test('11-byte big-endian counter then the last-chunk flag, beyond 32 bits', () => {
    expect(chunkNonce(0, false)).toEqual(new Uint8Array(12));
    expect(chunkNonce(1, true)).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]));
    expect(chunkNonce(2 ** 40 + 258, false)).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 2, 0]));
    expect(chunkNonce(Number.MAX_SAFE_INTEGER, true)).toEqual(
      Uint8Array.from([0, 0, 0, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1]),
    );
  });

  test('payload key is HKDF-SHA-256(file key, nonce, "payload") and needs a 16-byte nonce', () => {
    const a = derivePayloadKey(new Uint8Array(16), new Uint8Array(16));
    expect(a).toHaveLength(32);
    expect(derivePayloadKey(new Uint8Array(16), new Uint8Array(16).fill(1))).not.toEqual(a);
    expect(() => derivePayloadKey(new Uint8Array(16), new Uint8Array(15))).toThrow(TypeError);
  });
});

describe('STREAM rules', () => {
  test('round trip at and around chunk boundaries, any input chunking', async () => {
    for (const size of [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 2 * CHUNK_SIZE + 1]) {
      const plaintext = patternBytes(size, size);
      const sealed = await collect(sealStream(key(), streamOf(plaintext, [1000, 1, 70_000])));
      expect(sealed.length).toBe(payloadSize(size) - 16);
      expect(sameBytes(await collect(openStream(key(), streamOf(sealed, [3, 65_552, 9999]))), plaintext)).toBe(true);
    }
  });

  test('an empty plaintext is one empty final chunk', async () => {
    expect(await open([seal(0, true, new Uint8Array(0))])).toEqual(new Uint8Array(0));
  });

  test('no chunk at all is refused', async () => {
    await expect(open([])).rejects.toThrow(AgePayloadError);
    await expect(open([])).rejects.toThrow(withCode('invalid-payload'));
  });

  test('an empty final chunk after full chunks is refused even though it authenticates', async () => {
    await expect(open([seal(0, false, full(1)), seal(1, true, new Uint8Array(0))])).rejects.toThrow(AgePayloadError);
    await expect(open([seal(0, false, full(1)), seal(1, true, new Uint8Array(0))])).rejects.toThrow(
      withCode('invalid-payload'),
    );
  });

  test('a final chunk may be full', async () => {
    expect(
      sameBytes(
        await open([seal(0, false, full(1)), seal(1, true, full(2))]),
        new Uint8Array([...full(1), ...full(2)]),
      ),
    ).toBe(true);
  });

  test('a short non-final chunk is refused', async () => {
    await expect(open([seal(0, false, new Uint8Array(10)), seal(1, true, new Uint8Array(10))])).rejects.toThrow(
      AgePayloadError,
    );
  });

  test('a missing final chunk (truncation at a chunk boundary) is refused', async () => {
    await expect(open([seal(0, false, full(1))])).rejects.toThrow(AgePayloadError);
    await expect(open([seal(0, false, full(1))])).rejects.toThrow(withCode('payload-tampered'));
    await expect(open([seal(0, false, full(1)), seal(1, false, full(2))])).rejects.toThrow(AgePayloadError);
  });

  test('data after the final chunk is refused', async () => {
    await expect(open([seal(0, true, new Uint8Array(10)), new Uint8Array(1)])).rejects.toThrow(AgePayloadError);
    await expect(open([seal(0, true, full(1)), seal(1, true, new Uint8Array(5))])).rejects.toThrow(AgePayloadError);
    await expect(open([seal(0, false, full(1)), seal(1, true, full(1)), new Uint8Array(17)])).rejects.toThrow(
      AgePayloadError,
    );
  });

  test('reordered, dropped and duplicated chunks are refused', async () => {
    const c0 = seal(0, false, full(1));
    const c1 = seal(1, false, full(2));
    const c2 = seal(2, true, new Uint8Array(100));
    expect(await open([c0, c1, c2])).toHaveLength(2 * CHUNK_SIZE + 100);
    await expect(open([c1, c0, c2])).rejects.toThrow(AgePayloadError);
    await expect(open([c1, c0, c2])).rejects.toThrow(withCode('payload-tampered'));
    await expect(open([c0, c2])).rejects.toThrow(AgePayloadError);
    await expect(open([c0, c0, c1, c2])).rejects.toThrow(AgePayloadError);
    await expect(open([c0, c1, c1, c2])).rejects.toThrow(AgePayloadError);
  });

  test('a chunk shorter than a tag is refused', async () => {
    await expect(open([seal(0, false, full(1)), new Uint8Array(15)])).rejects.toThrow(AgePayloadError);
    await expect(open([seal(0, false, full(1)), new Uint8Array(15)])).rejects.toThrow(withCode('invalid-payload'));
  });

  test('authentic chunks are released before a later failure is found', async () => {
    const chunks = [seal(0, false, full(1)), seal(1, false, full(2))];
    const received: number[] = [];
    const failure = (async () => {
      for await (const plaintext of openStream(key(), streamOf(new Uint8Array(Buffer.concat(chunks)), 4096)))
        received.push(plaintext.length);
    })();
    await expect(failure).rejects.toThrow(AgePayloadError);
    expect(received).toEqual([CHUNK_SIZE]);
  });
});

describe('bounded buffering', () => {
  test('sealStream emits a chunk as soon as one byte beyond it arrives', async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 40; i++) {
        await Promise.resolve();
        pulled += 10_000;
        yield patternBytes(10_000, i);
      }
    }
    const pulledAtEachChunk: number[] = [];
    for await (const chunk of sealStream(key(), source())) {
      pulledAtEachChunk.push(pulled);
      expect(chunk.length).toBeLessThanOrEqual(SEALED_CHUNK_SIZE);
    }
    // Chunk n is emitted once (n+1)·64 KiB + 1 bytes were read, within one 10 kB piece.
    pulledAtEachChunk.slice(0, -1).forEach((count, n) => {
      expect(count).toBeGreaterThan((n + 1) * CHUNK_SIZE);
      expect(count).toBeLessThanOrEqual((n + 1) * CHUNK_SIZE + 10_000);
    });
  });

  test('openStream yields chunk n after reading at most chunk n+1 plus one piece', async () => {
    const sealed = await collect(sealStream(key(), streamOf(patternBytes(5 * CHUNK_SIZE + 3), 65536)));
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      for await (const piece of streamOf(sealed, 1000)) {
        pulled += piece.length;
        yield piece;
      }
    }
    let n = 0;
    for await (const chunk of openStream(key(), source())) {
      expect(chunk.length).toBeLessThanOrEqual(CHUNK_SIZE);
      expect(pulled).toBeLessThanOrEqual((n + 1) * SEALED_CHUNK_SIZE + 1000);
      n++;
    }
    expect(n).toBe(6);
  });
});

describe('sizes', () => {
  test('known values, including beyond 2^32', () => {
    expect(payloadSize(0)).toBe(32);
    expect(payloadSize(1)).toBe(33);
    expect(payloadSize(CHUNK_SIZE)).toBe(16 + SEALED_CHUNK_SIZE);
    expect(payloadSize(CHUNK_SIZE + 1)).toBe(16 + SEALED_CHUNK_SIZE + 17);
    const fiveGiB = 5 * 2 ** 30 + 3;
    expect(payloadSize(fiveGiB)).toBe(16 + fiveGiB + 16 * (Math.floor(fiveGiB / CHUNK_SIZE) + 1));
    expect(plaintextSize(payloadSize(fiveGiB))).toBe(fiveGiB);
    expect(plaintextSize(32)).toBe(0);
  });

  test('impossible payload sizes are refused', () => {
    for (const size of [
      0,
      16,
      31,
      16 + SEALED_CHUNK_SIZE + 1,
      16 + SEALED_CHUNK_SIZE + 16,
      16 + 2 * SEALED_CHUNK_SIZE + 15,
    ]) {
      expect(() => plaintextSize(size)).toThrow(AgePayloadError);
      expect(() => plaintextSize(size)).toThrow(withCode('invalid-payload-length'));
    }
    expect(() => plaintextSize(-1)).toThrow(RangeError);
    expect(() => plaintextSize(1.5)).toThrow(RangeError);
    expect(() => payloadSize(-1)).toThrow(RangeError);
    expect(() => payloadSize(2 ** 53)).toThrow(RangeError);
  });

  test('property: the two helpers are inverse, and every valid payload size has exactly one preimage', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat({ max: 4 * CHUNK_SIZE }), fc.integer({ min: 0, max: 2 ** 45 })), (plain) => {
        expect(plaintextSize(payloadSize(plain))).toBe(plain);
      }),
      runs,
    );
    fc.assert(
      fc.property(fc.oneof(fc.nat({ max: 4 * SEALED_CHUNK_SIZE }), fc.integer({ min: 0, max: 2 ** 45 })), (payload) => {
        let plain: number;
        try {
          plain = plaintextSize(payload);
        } catch (error) {
          expect(error).toBeInstanceOf(AgePayloadError);
          return;
        }
        expect(payloadSize(plain)).toBe(payload);
      }),
      runs,
    );
  });
});

describe('AEAD backends', () => {
  const backends: [string, Aead][] = [
    ['libsodium', libsodiumAead],
    ['node:crypto', nodeAead],
  ];

  test('libsodium and node:crypto produce identical ciphertexts and open each other', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 300 }),
        (k, nonce, plaintext) => {
          const a = libsodiumAead.seal(k, nonce, plaintext);
          expect(nodeAead.seal(k, nonce, plaintext)).toEqual(a);
          expect(nodeAead.open(k, nonce, a)).toEqual(plaintext);
          expect(libsodiumAead.open(k, nonce, a)).toEqual(plaintext);
        },
      ),
      runs,
    );
    const big = patternBytes(SEALED_CHUNK_SIZE);
    expect(
      sameBytes(nodeAead.seal(KEY, chunkNonce(3, false), big), libsodiumAead.seal(KEY, chunkNonce(3, false), big)),
    ).toBe(true);
  });

  test.each(backends)('%s: open returns null on any failure, throws on misuse', (_name, aead) => {
    const nonce = new Uint8Array(12);
    const sealed = aead.seal(KEY, nonce, new Uint8Array([1, 2, 3]));
    for (let i = 0; i < sealed.length; i++) {
      const tampered = sealed.slice();
      tampered[i] = tampered[i]! ^ 1;
      expect(aead.open(KEY, nonce, tampered)).toBeNull();
    }
    expect(aead.open(KEY, nonce, sealed.subarray(0, 15))).toBeNull();
    expect(aead.open(new Uint8Array(32), nonce, sealed)).toBeNull();
    expect(() => aead.seal(new Uint8Array(16), nonce, sealed)).toThrow(TypeError);
    expect(() => aead.open(KEY, new Uint8Array(8), sealed)).toThrow(TypeError);
  });

  test('the payload can be sealed with one backend and opened with the other', async () => {
    const plaintext = patternBytes(2 * CHUNK_SIZE + 5);
    const sealed = await collect(sealStream(key(), streamOf(plaintext), nodeAead));
    expect(sameBytes(await collect(openStream(key(), streamOf(sealed), libsodiumAead)), plaintext)).toBe(true);
    // Interchangeable means byte for byte: the same key and plaintext seal to the same payload.
    const sealedByLibsodium = await collect(sealStream(key(), streamOf(plaintext), libsodiumAead));
    expect(sameBytes(sealedByLibsodium, sealed)).toBe(true);
    expect(sameBytes(await collect(openStream(key(), streamOf(sealedByLibsodium), nodeAead)), plaintext)).toBe(true);
  });
});

describe('libsodium is only ever handed small inputs', () => {
  // Without WebAssembly (node --jitless, Tor Browser Safer) libsodium is pure
  // JavaScript over a 16 MiB heap: one call with several MiB would abort.
  // STREAM is what keeps every call to one sealed chunk, whatever the size
  // of the pieces the file arrives in.
  test('sealing and opening call libsodium once per chunk, far below 8 MiB, with one huge piece', async () => {
    const s = sodium();
    const sizes: number[] = [];
    const encrypt = s.crypto_aead_chacha20poly1305_ietf_encrypt;
    const decrypt = s.crypto_aead_chacha20poly1305_ietf_decrypt;
    s.crypto_aead_chacha20poly1305_ietf_encrypt = ((message: Uint8Array, ...rest: unknown[]) => {
      sizes.push(message.length);
      return (encrypt as (...args: unknown[]) => Uint8Array)(message, ...rest);
    }) as typeof encrypt;
    s.crypto_aead_chacha20poly1305_ietf_decrypt = ((nsec: null, ciphertext: Uint8Array, ...rest: unknown[]) => {
      sizes.push(ciphertext.length);
      return (decrypt as (...args: unknown[]) => Uint8Array)(nsec, ciphertext, ...rest);
    }) as typeof decrypt;
    try {
      const plaintext = patternBytes(3 * CHUNK_SIZE + 11, 4);
      // The whole payload in one piece each way: the chunking, not the source, bounds each call.
      const sealed = await collect(sealStream(key(), streamOf(plaintext, plaintext.length), libsodiumAead));
      const opened = await collect(openStream(key(), streamOf(sealed, sealed.length), libsodiumAead));
      expect(sameBytes(opened, plaintext)).toBe(true);
    } finally {
      s.crypto_aead_chacha20poly1305_ietf_encrypt = encrypt;
      s.crypto_aead_chacha20poly1305_ietf_decrypt = decrypt;
    }
    expect(sizes).toHaveLength(8);
    expect(Math.max(...sizes)).toBe(SEALED_CHUNK_SIZE);
    expect(Math.max(...sizes)).toBeLessThan(8 * 1024 * 1024);
  });
});
