/**
 * client/app/reusing-seal-aead.ts against libsodium-wrappers: the same
 * sealed bytes for any chunk, each valid until the next seal (one output
 * buffer), longer messages sealed into fresh arrays, opening unchanged, no
 * copy of a key or plaintext left in libsodium's heap after a seal, and a
 * whole submission through the upload's batcher opening as it was sealed.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { rebatch } from '../../client/app/upload.js';
import { reusingSealAead } from '../../client/app/reusing-seal-aead.js';
import { decrypt, encrypt } from '../../client/core/age.js';
import { libsodiumAead } from '../../client/core/aead.js';
import { loadSodium, sodium } from '../../client/core/sodium.js';
import { CHUNK_SIZE } from '../../client/core/stream.js';
import { X25519Identity } from '../../client/core/x25519.js';

const bytes = (min: number, max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: min, maxLength: max });

beforeAll(async () => {
  await loadSodium();
});

test('seals exactly what libsodium-wrappers seals, up to a whole chunk', () => {
  const aead = reusingSealAead();
  fc.assert(
    fc.property(bytes(32, 32), bytes(12, 12), bytes(0, CHUNK_SIZE), (key, nonce, plaintext) => {
      expect(aead.seal(key, nonce, plaintext)).toEqual(libsodiumAead.seal(key, nonce, plaintext));
    }),
    { numRuns: 50 },
  );
  const full = sodium().randombytes_buf(CHUNK_SIZE);
  const key = sodium().randombytes_buf(32);
  const nonce = sodium().randombytes_buf(12);
  expect(aead.seal(key, nonce, full)).toEqual(libsodiumAead.seal(key, nonce, full));
});

test('each sealed chunk is valid until the next seal; a longer message gets a fresh array', () => {
  const aead = reusingSealAead();
  const key = sodium().randombytes_buf(32);
  const nonce = new Uint8Array(12);
  const first = aead.seal(key, nonce, new Uint8Array(100).fill(1));
  const expected = first.slice();
  const second = aead.seal(key, nonce, new Uint8Array(100).fill(2));
  expect(second.buffer).toBe(first.buffer);
  expect(first).not.toEqual(expected);
  const long = aead.seal(key, nonce, new Uint8Array(CHUNK_SIZE + 1));
  expect(long.buffer).not.toBe(second.buffer);
  expect(aead.open(key, nonce, long)).toEqual(new Uint8Array(CHUNK_SIZE + 1));
});

test('no copy of the key or the plaintext stays in libsodium heap after a seal', () => {
  const aead = reusingSealAead();
  // Made outside libsodium, so that the only copies its heap can hold are the seal's own.
  const key = new Uint8Array(randomBytes(32));
  const plaintext = new Uint8Array(randomBytes(CHUNK_SIZE));
  aead.seal(key, new Uint8Array(12), plaintext);
  const heap = Buffer.from((sodium() as unknown as { libsodium: { HEAPU8: Uint8Array } }).libsodium.HEAPU8);
  expect(heap.indexOf(Buffer.from(key))).toBe(-1);
  expect(heap.indexOf(Buffer.from(plaintext.subarray(1000, 1064)))).toBe(-1);
});

test('a submission sealed with it and regrouped by the upload batcher opens as it was sealed', async () => {
  const identity = X25519Identity.generate();
  const plaintext = sodium().randombytes_buf(5 * CHUNK_SIZE + 123);
  async function* source(): AsyncGenerator<Uint8Array> {
    await Promise.resolve();
    for (let offset = 0; offset < plaintext.length; offset += 10_000) yield plaintext.subarray(offset, offset + 10_000);
  }
  const batches: Uint8Array[] = [];
  const sealed = encrypt([identity.recipient()], source(), { aead: reusingSealAead() });
  for await (const batch of rebatch(sealed, () => 100_000)) batches.push(batch);
  async function* stored(): AsyncGenerator<Uint8Array> {
    await Promise.resolve();
    yield* batches;
  }
  const opened = await decrypt([identity], stored());
  const parts: Uint8Array[] = [];
  for await (const part of opened.plaintext) parts.push(part.slice());
  expect(Buffer.concat(parts).equals(Buffer.from(plaintext))).toBe(true);
});
