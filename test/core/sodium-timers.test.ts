import { loadSodium } from '../../client/core/sodium.js';

// Regression: without WebAssembly, libsodium's stray rejection used to land
// while a test waited on a timer and fail the whole suite.
describe('libsodium loader and asynchronous tests', () => {
  test('a test that waits on timers after loading passes', async () => {
    await loadSodium();
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(true).toBe(true);
  });
});
