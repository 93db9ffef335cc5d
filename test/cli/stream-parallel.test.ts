// STREAM opened on worker threads (client/core-node/parallel-stream.ts) must
// be indistinguishable from openStream: the same plaintext, and for every
// malformed payload the same error, raised after exactly the same authentic
// bytes. Batches are kept tiny (1 to 3 chunks) so that tampering, truncation
// and trailing data land in the middle of a batch and on batch boundaries.
// Under test/cli, not test/core: worker threads are Node's, and the browser
// run takes every test/core suite.
import fc from 'fast-check';
import { libsodiumAead } from '../../client/core/aead.js';
import { AgePayloadError } from '../../client/core/errors.js';
import { loadSodium } from '../../client/core/sodium.js';
import { CHUNK_SIZE, chunkNonce, openStream, SEALED_CHUNK_SIZE, sealStream } from '../../client/core/stream.js';
import { nodeAead } from '../../client/core-node/node-aead.js';
import {
  openStreamInParallel,
  PayloadWorkers,
  type ParallelOpenOptions,
} from '../../client/core-node/parallel-stream.js';
import { collect, patternBytes, sameBytes, streamOf } from '../support/age-helpers.js';

const runs = { numRuns: Number(process.env.SLOW) ? 200 : 12 };
const KEY = new Uint8Array(32).fill(9);

beforeAll(async () => {
  await loadSodium();
});

interface Outcome {
  readonly plaintext: Uint8Array;
  readonly error: { name: string; code: string; message: string } | null;
}

/** Everything a reader sees: the bytes yielded before the end, and how it ended. */
async function outcome(stream: AsyncGenerator<Uint8Array, void, undefined>): Promise<Outcome> {
  const pieces: Uint8Array[] = [];
  try {
    for await (const piece of stream) pieces.push(piece.slice());
    return { plaintext: new Uint8Array(Buffer.concat(pieces)), error: null };
  } catch (error) {
    const { name, code, message } = error as AgePayloadError;
    return { plaintext: new Uint8Array(Buffer.concat(pieces)), error: { name, code, message } };
  }
}

function sequential(sealed: Uint8Array, key = KEY): Promise<Outcome> {
  return outcome(openStream(key.slice(), streamOf(sealed, 5000), nodeAead));
}

function parallel(sealed: Uint8Array, options: ParallelOpenOptions, key = KEY): Promise<Outcome> {
  return outcome(openStreamInParallel(key.slice(), streamOf(sealed, 7000), options));
}

async function expectSameOutcome(sealed: Uint8Array, options: ParallelOpenOptions): Promise<Outcome> {
  const expected = await sequential(sealed);
  const actual = await parallel(sealed, options);
  expect(actual.error).toEqual(expected.error);
  expect(actual.plaintext.length).toBe(expected.plaintext.length);
  expect(sameBytes(actual.plaintext, expected.plaintext)).toBe(true);
  return actual;
}

async function sealedPayload(plaintext: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    Buffer.concat(await collectPieces(sealStream(KEY.slice(), streamOf(plaintext, 9000), nodeAead))),
  );
}

async function collectPieces(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const piece of stream) out.push(piece.slice());
  return out;
}

/** Hand-sealed chunks, for sequences our encoder never writes. */
function chunk(counter: number, last: boolean, length: number): Uint8Array {
  return libsodiumAead.seal(KEY, chunkNonce(counter, last), patternBytes(length, counter + 1));
}

const joined = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

describe('parallel STREAM opening', () => {
  test('byte-identical plaintext around chunk and batch boundaries', async () => {
    const sizes = [
      0,
      1,
      CHUNK_SIZE - 1,
      CHUNK_SIZE,
      CHUNK_SIZE + 1,
      2 * CHUNK_SIZE,
      3 * CHUNK_SIZE,
      7 * CHUNK_SIZE + 5,
    ];
    for (const size of sizes) {
      const plaintext = patternBytes(size, size);
      const sealed = await sealedPayload(plaintext);
      for (const batchChunks of [1, 2, 3]) {
        const result = await expectSameOutcome(sealed, { workers: 2, batchChunks, batchesInFlight: 2 });
        expect(result.error).toBeNull();
        expect(sameBytes(result.plaintext, plaintext)).toBe(true);
      }
    }
  });

  test('one worker, many batches in flight, reused buffers: still identical', async () => {
    const plaintext = patternBytes(40 * CHUNK_SIZE + 123, 5);
    const sealed = await sealedPayload(plaintext);
    const result = await parallel(sealed, { workers: 1, batchChunks: 2, batchesInFlight: 6, reuseAfter: 1 });
    expect(result.error).toBeNull();
    expect(sameBytes(result.plaintext, plaintext)).toBe(true);
  });

  test('a tampered chunk in the middle of a batch: the chunks before it, then the same error', async () => {
    const sealed = await sealedPayload(patternBytes(9 * CHUNK_SIZE, 3));
    const tampered = sealed.slice();
    tampered[4 * SEALED_CHUNK_SIZE + 100]! ^= 1; // chunk 4: the middle of the second batch of three
    const result = await expectSameOutcome(tampered, { workers: 2, batchChunks: 3 });
    expect(result.error).toMatchObject({ code: 'payload-tampered', message: 'payload chunk tampered with' });
    expect(result.plaintext.length).toBe(4 * CHUNK_SIZE);
  });

  test('truncated at a batch boundary: refused as truncation after the authentic batches', async () => {
    const sealed = await sealedPayload(patternBytes(8 * CHUNK_SIZE + 10, 4));
    const cut = sealed.subarray(0, 4 * SEALED_CHUNK_SIZE); // batches of two: ends exactly after the second
    const result = await expectSameOutcome(cut, { workers: 2, batchChunks: 2 });
    expect(result.error).toMatchObject({ code: 'payload-tampered', message: 'payload truncated or tampered with' });
    expect(result.plaintext.length).toBe(3 * CHUNK_SIZE);
  });

  test('trailing data after the final chunk is refused', async () => {
    const sealed = await sealedPayload(patternBytes(3 * CHUNK_SIZE + 7, 6));
    for (const extra of [1, 17, SEALED_CHUNK_SIZE]) {
      const result = await expectSameOutcome(joined(sealed, new Uint8Array(extra)), { workers: 2, batchChunks: 2 });
      expect(result.error?.code).toBe('payload-tampered');
    }
  });

  test('a wrong last-chunk flag is refused, in either direction', async () => {
    // A final chunk sealed as non-final: looks complete, but is a truncation.
    const unflagged = joined(chunk(0, false, CHUNK_SIZE), chunk(1, false, CHUNK_SIZE), chunk(2, false, 100));
    expect((await expectSameOutcome(unflagged, { workers: 2, batchChunks: 2 })).error).toMatchObject({
      code: 'payload-tampered',
      message: 'payload truncated or tampered with',
    });
    // A full chunk flagged final, followed by more: data appended after the end.
    const early = joined(chunk(0, false, CHUNK_SIZE), chunk(1, true, CHUNK_SIZE), chunk(2, true, 100));
    expect((await expectSameOutcome(early, { workers: 2, batchChunks: 3 })).error).toMatchObject({
      code: 'payload-tampered',
      message: 'payload chunk tampered with',
    });
  });

  test('no chunk, a final chunk shorter than its tag, an empty final chunk after others', async () => {
    const cases = [
      new Uint8Array(0),
      joined(chunk(0, false, CHUNK_SIZE), chunk(1, false, CHUNK_SIZE), new Uint8Array(15)),
      joined(chunk(0, false, CHUNK_SIZE), chunk(1, false, CHUNK_SIZE), chunk(2, true, 0)),
    ];
    const messages = ['payload has no chunks', 'truncated payload chunk', 'empty final chunk'];
    for (const [index, sealed] of cases.entries()) {
      const result = await expectSameOutcome(sealed, { workers: 2, batchChunks: 2 });
      expect(result.error).toMatchObject({ code: 'invalid-payload', message: messages[index] });
    }
  });

  test('the wrong key opens nothing', async () => {
    const sealed = await sealedPayload(patternBytes(5 * CHUNK_SIZE, 8));
    const wrong = new Uint8Array(32).fill(1);
    const expected = await sequential(sealed, wrong);
    const actual = await parallel(sealed, { workers: 2, batchChunks: 2 }, wrong);
    expect(actual).toEqual(expected);
    expect(actual.plaintext.length).toBe(0);
    expect(actual.error?.code).toBe('payload-tampered');
  });

  test('property: any single-byte change, cut or extension gives the same outcome as openStream', async () => {
    const plaintext = patternBytes(6 * CHUNK_SIZE + 999, 2);
    const sealed = await sealedPayload(plaintext);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ kind: fc.constant('flip' as const), at: fc.nat(sealed.length - 1) }),
          fc.record({ kind: fc.constant('cut' as const), at: fc.nat(sealed.length - 1) }),
          fc.record({ kind: fc.constant('extend' as const), at: fc.integer({ min: 1, max: 2 * SEALED_CHUNK_SIZE }) }),
        ),
        fc.integer({ min: 1, max: 3 }),
        async (change, batchChunks) => {
          let changed: Uint8Array;
          if (change.kind === 'flip') {
            changed = sealed.slice();
            changed[change.at]! ^= 0x80;
          } else if (change.kind === 'cut') {
            changed = sealed.subarray(0, change.at);
          } else {
            changed = joined(sealed, patternBytes(change.at, 3));
          }
          const result = await expectSameOutcome(changed, { workers: 2, batchChunks });
          expect(result.error).not.toBeNull();
        },
      ),
      runs,
    );
  });

  test('the caller may stop early; the key is wiped either way', async () => {
    const sealed = await sealedPayload(patternBytes(10 * CHUNK_SIZE, 1));
    const key = KEY.slice();
    const stream = openStreamInParallel(key, streamOf(sealed, 4096), { workers: 2, batchChunks: 1 });
    const first = await stream.next();
    expect(first.done).toBe(false);
    await stream.return();
    expect(key.every((byte) => byte === 0)).toBe(true);
  });

  test('a worker that crashes fails its batch, and close() still returns', async () => {
    const workers = new PayloadWorkers(1);
    // A key of the wrong length makes the worker's cipher throw outside any catch: it dies.
    workers.begin(new Uint8Array(5));
    const buffer = new ArrayBuffer(SEALED_CHUNK_SIZE);
    await expect(workers.open(buffer, SEALED_CHUNK_SIZE, chunkNonce(0, true))).rejects.toThrow();
    // Long enough for the thread to have exited before close() is called.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await workers.close();
  });

  test('running workers serve stream after stream: after a refusal, after an early stop, under another key', async () => {
    const workers = new PayloadWorkers(2);
    try {
      const plaintext = patternBytes(5 * CHUNK_SIZE + 3, 12);
      const sealed = await sealedPayload(plaintext);
      const tampered = sealed.slice();
      tampered[2 * SEALED_CHUNK_SIZE + 5]! ^= 1;
      expect((await parallel(tampered, { workers, batchChunks: 2 })).error?.code).toBe('payload-tampered');

      const stopped = openStreamInParallel(KEY.slice(), streamOf(sealed, 3000), { workers, batchChunks: 1 });
      await stopped.next();
      await stopped.return();

      const other = new Uint8Array(32).fill(4);
      const otherSealed = new Uint8Array(
        Buffer.concat(await collectPieces(sealStream(other.slice(), streamOf(plaintext, 9000), nodeAead))),
      );
      const again = await parallel(otherSealed, { workers, batchChunks: 2 }, other);
      expect(again.error).toBeNull();
      expect(sameBytes(again.plaintext, plaintext)).toBe(true);

      // One stream at a time: a second one while the first is open is a programming error.
      const first = openStreamInParallel(KEY.slice(), streamOf(sealed, 3000), { workers, batchChunks: 1 });
      await first.next();
      await expect(collect(openStreamInParallel(KEY.slice(), streamOf(sealed), { workers }))).rejects.toThrow(
        'already opening a stream',
      );
      await first.return();
    } finally {
      await workers.close();
    }
  });

  test('refuses nonsensical options', async () => {
    for (const options of [{ workers: 0 }, { batchChunks: 0 }, { batchesInFlight: 0 }, { reuseAfter: -1 }]) {
      await expect(collect(openStreamInParallel(KEY.slice(), streamOf(new Uint8Array(0)), options))).rejects.toThrow(
        RangeError,
      );
    }
  });
});
