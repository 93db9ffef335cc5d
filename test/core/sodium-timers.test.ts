import { loadSodium } from '../../client/core/sodium.js';

// Regression: without WebAssembly, libsodium's stray rejection used to land
// while a test waited on a timer and fail the whole suite.
describe('libsodium loader and asynchronous tests', () => {
  test('a test that waits on timers after loading passes', async () => {
    const s = await loadSodium();
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    // libsodium still works once the stray rejection has been dealt with.
    expect(s.crypto_scalarmult_base(new Uint8Array(32).fill(1))).toHaveLength(32);
  });
});
