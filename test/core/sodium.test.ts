import { loadSodium } from '../../client/core/sodium.js';

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
