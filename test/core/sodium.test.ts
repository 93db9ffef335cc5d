import { installSodiumStandIn, loadSodium, sodium } from '../../client/core/sodium.js';

// First in this file: libsodium is loaded once per module registry and never unloaded.
describe('before libsodium is loaded', () => {
  test('sodium() throws without a stand-in', () => {
    expect(() => sodium()).toThrow('libsodium is not loaded');
  });

  test('an installed stand-in serves its functions and fails closed on any other', () => {
    const memcmp = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
    installSodiumStandIn({ memcmp });
    expect(sodium().memcmp(new Uint8Array([1]), new Uint8Array([1]))).toBe(true);
    expect(() => Reflect.get(sodium(), 'crypto_scalarmult')).toThrow('crypto_scalarmult has no stand-in');
    expect(() => sodium().randombytes_buf(8)).toThrow('await loadSodium() first');
  });

  test('installing again replaces the stand-in', () => {
    installSodiumStandIn({ randombytes_buf: (length: number) => new Uint8Array(length) });
    expect(sodium().randombytes_buf(3)).toEqual(new Uint8Array(3));
    expect(() => Reflect.get(sodium(), 'memcmp')).toThrow('memcmp has no stand-in');
  });

  test('once loaded, libsodium itself is served, whatever stand-in is installed', async () => {
    const loaded = await loadSodium();
    expect(sodium()).toBe(loaded);
    expect(sodium().crypto_scalarmult_base(new Uint8Array(32).fill(9))).toHaveLength(32);
    installSodiumStandIn({});
    expect(sodium()).toBe(loaded);
  });
});

describe('libsodium loader', () => {
  test('loads and runs ChaCha20-Poly1305 in this environment', async () => {
    const s = await loadSodium();
    const key = new Uint8Array(32).fill(7);
    const nonce = new Uint8Array(12);
    const sealed = s.crypto_aead_chacha20poly1305_ietf_encrypt(new Uint8Array([1, 2, 3]), null, null, nonce, key);
    expect(s.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, null, nonce, key)).toEqual(
      new Uint8Array([1, 2, 3]),
    );
  });

  // `npm run test:jitless` sets SEALDROP_EXPECT_NO_WASM so this proves the
  // second run really executes without WebAssembly (Tor Browser Safer).
  test('WebAssembly presence matches the run mode', () => {
    const expectNoWasm = process.env.SEALDROP_EXPECT_NO_WASM === '1';
    expect(typeof WebAssembly === 'undefined').toBe(expectNoWasm);
  });
});
