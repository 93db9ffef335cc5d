// Memory stays flat as the payload grows: encrypting and decrypting 32 MiB
// streamed from a generator retains no more than an 8 MiB run does. Retained
// memory (V8 heap plus ArrayBuffers, after a forced collection) is sampled
// every 2 MiB of output, so garbage that is merely waiting to be collected
// does not count. Skipped without WebAssembly: 64 MiB of pure-JS ChaCha20
// would take minutes, and nothing about buffering differs there.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decrypt, encrypt } from '../../client/core/age.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { JITLESS } from '../support/age-helpers.js';
import { runOnlyIf } from '../support/required-tools.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MiB = 1024 * 1024;

/** Live bytes: ArrayBuffer backing stores are released after a collection, so collect twice around a turn of the event loop. */
async function retained(): Promise<number> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

async function* generated(total: number): AsyncGenerator<Uint8Array> {
  // Fresh pieces of an odd size, never aligned with chunks.
  for (let sent = 0; sent < total;) {
    const piece = new Uint8Array(Math.min(100_003, total - sent)).fill(sent & 0xff);
    sent += piece.length;
    await Promise.resolve();
    yield piece;
  }
}

/** Peak retained memory above the starting point during a full round trip. */
async function peakGrowth(total: number): Promise<number> {
  const identity = X25519Identity.generate();
  const baseline = await retained();
  let peak = 0;
  let received = 0;
  let nextSample = 0;
  const { plaintext } = await decrypt([identity], encrypt([identity.recipient()], generated(total)));
  for await (const chunk of plaintext) {
    received += chunk.length;
    if (received >= nextSample) {
      peak = Math.max(peak, (await retained()) - baseline);
      nextSample += 2 * MiB;
    }
  }
  expect(received).toBe(total);
  return peak;
}

const withWebAssembly = runOnlyIf(
  !JITLESS,
  'bounded memory',
  'without WebAssembly 64 MiB of pure-JS ChaCha20 would take minutes',
);

withWebAssembly.describe('bounded memory', () => {
  beforeAll(async () => {
    await loadSodium();
  });

  test('a 32 MiB round trip retains no more than an 8 MiB one', async () => {
    await peakGrowth(2 * MiB); // warm up code paths and libsodium's heap
    const small = await peakGrowth(8 * MiB);
    const large = await peakGrowth(32 * MiB);
    console.log(
      `peak retained growth: 8 MiB run ${(small / MiB).toFixed(2)} MiB, 32 MiB run ${(large / MiB).toFixed(2)} MiB`,
    );
    // Buffering the input would retain at least 32 MiB more; a few chunks is all we allow.
    expect(large).toBeLessThan(4 * MiB);
    expect(large - small).toBeLessThan(2 * MiB);
  });
});
