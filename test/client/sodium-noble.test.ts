/**
 * The no-WebAssembly stand-in for libsodium (client/app/sodium-noble.ts)
 * against libsodium itself, function by function, on random inputs: the
 * no-WebAssembly worker must compute exactly what the WebAssembly one does.
 * Also the noble AEAD behind the core's Aead interface, through an age round
 * trip decrypted with libsodium.
 */
import fc from 'fast-check';
import { libsodiumAead } from '../../client/core/aead.js';
import { decrypt, encrypt } from '../../client/core/age.js';
import { loadSodium, sodium } from '../../client/core/sodium.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { nobleAead } from '../../client/app/noble-aead.js';
import noble from '../../client/app/sodium-noble.js';

const runs = { numRuns: Number(process.env.SLOW) ? 200 : 10 };
const bytes = (length: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: length, maxLength: length });

beforeAll(async () => {
  await loadSodium();
});

test('X25519 matches libsodium', () => {
  fc.assert(
    fc.property(bytes(32), bytes(32), (a, b) => {
      const s = sodium();
      expect(noble.crypto_scalarmult_base(a)).toEqual(s.crypto_scalarmult_base(a));
      const pointB = s.crypto_scalarmult_base(b);
      expect(noble.crypto_scalarmult(a, pointB)).toEqual(s.crypto_scalarmult(a, pointB));
    }),
    runs,
  );
});

test('X25519 refuses a low-order point, as libsodium does', () => {
  const zeroPoint = new Uint8Array(32);
  expect(() => sodium().crypto_scalarmult(new Uint8Array(32).fill(1), zeroPoint)).toThrow();
  expect(() => noble.crypto_scalarmult(new Uint8Array(32).fill(1), zeroPoint)).toThrow();
});

test('ChaCha20-Poly1305 matches libsodium both ways, and a bad tag throws', () => {
  fc.assert(
    fc.property(bytes(32), bytes(12), fc.uint8Array({ maxLength: 300 }), (key, nonce, message) => {
      const s = sodium();
      const sealed = noble.crypto_aead_chacha20poly1305_ietf_encrypt(message, null, null, nonce, key);
      expect(sealed).toEqual(s.crypto_aead_chacha20poly1305_ietf_encrypt(message, null, null, nonce, key));
      expect(noble.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, null, nonce, key)).toEqual(message);
      sealed[0] = sealed[0]! ^ 1;
      expect(() => noble.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, null, nonce, key)).toThrow();
    }),
    runs,
  );
});

test('BLAKE2b matches libsodium, one-shot and streamed', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 500 }),
      fc.integer({ min: 16, max: 64 }),
      fc.integer({ min: 0, max: 500 }),
      (message, length, cut) => {
        const s = sodium();
        expect(noble.crypto_generichash(length, message, null)).toEqual(s.crypto_generichash(length, message, null));
        const state = noble.crypto_generichash_init(null, 64);
        noble.crypto_generichash_update(state, message.subarray(0, cut));
        noble.crypto_generichash_update(state, message.subarray(cut));
        expect(noble.crypto_generichash_final(state, 64)).toEqual(s.crypto_generichash(64, message, null));
      },
    ),
    runs,
  );
});

test('Ed25519 verification agrees with libsodium on valid and altered signatures', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (message, flip) => {
      const s = sodium();
      const { publicKey, privateKey } = s.crypto_sign_keypair();
      const signature = s.crypto_sign_detached(message, privateKey);
      expect(noble.crypto_sign_verify_detached(signature, message, publicKey)).toBe(true);
      const altered = signature.slice();
      altered[flip % 64] = altered[flip % 64]! ^ 0x10;
      expect(noble.crypto_sign_verify_detached(altered, message, publicKey)).toBe(
        s.crypto_sign_verify_detached(altered, message, publicKey),
      );
    }),
    runs,
  );
});

test('Ed25519 refuses a signature with S >= L (non-canonical), like libsodium', () => {
  const s = sodium();
  const { publicKey, privateKey } = s.crypto_sign_keypair();
  const message = new Uint8Array([1, 2, 3]);
  const signature = s.crypto_sign_detached(message, privateKey);
  // Add L to S (little-endian): the same scalar, a non-canonical encoding.
  const L = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0x10,
  ];
  const altered = signature.slice();
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const sum = altered[32 + i]! + L[i]! + carry;
    altered[32 + i] = sum & 0xff;
    carry = sum >> 8;
  }
  expect(s.crypto_sign_verify_detached(altered, message, publicKey)).toBe(false);
  expect(noble.crypto_sign_verify_detached(altered, message, publicKey)).toBe(false);
});

test('memcmp and randombytes behave like libsodium', () => {
  expect(noble.memcmp(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
  expect(noble.memcmp(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
  expect(() => noble.memcmp(new Uint8Array(1), new Uint8Array(2))).toThrow(TypeError);
  const random = noble.randombytes_buf(100_000);
  expect(random).toHaveLength(100_000);
  expect(random.subarray(70_000).some((byte) => byte !== 0)).toBe(true);
});

test('an age payload sealed with the noble AEAD opens with libsodium, and back', async () => {
  const identity = X25519Identity.generate();
  const plaintext = new Uint8Array(200_000).map((_, i) => i % 251);
  async function* source(): AsyncGenerator<Uint8Array> {
    yield plaintext;
    await Promise.resolve();
  }
  async function roundTrip(sealWith: typeof nobleAead, openWith: typeof nobleAead): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const part of encrypt([identity.recipient()], source(), { aead: sealWith })) parts.push(part);
    async function* replay(): AsyncGenerator<Uint8Array> {
      yield* parts;
      await Promise.resolve();
    }
    const opened = await decrypt([identity], replay(), { aead: openWith });
    const out: Uint8Array[] = [];
    for await (const part of opened.plaintext) out.push(part);
    return Buffer.concat(out);
  }
  expect(Buffer.from(await roundTrip(nobleAead, libsodiumAead)).equals(plaintext)).toBe(true);
  expect(Buffer.from(await roundTrip(libsodiumAead, nobleAead)).equals(plaintext)).toBe(true);
  expect(nobleAead.open(new Uint8Array(32), new Uint8Array(12), new Uint8Array(15))).toBeNull();
  expect(() => nobleAead.seal(new Uint8Array(31), new Uint8Array(12), new Uint8Array(1))).toThrow(TypeError);
});
