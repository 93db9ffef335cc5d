/**
 * STREAM decryption on worker threads, for the offline decryptor: age's
 * payload chunks each have their own nonce, so they can be opened in any
 * order on any core, as long as the plaintext comes out in order.
 *
 * This thread reads the sealed payload, cuts it into batches of whole
 * chunks (copied into a buffer of their own, transferred to a worker and
 * back without further copies), decides every chunk's nonce and last-chunk
 * flag, and yields each batch's plaintext in order once its worker has
 * authenticated it. The workers only run the cipher (aead-batch-worker.ts).
 * A bounded number of batches is in flight, so memory stays flat whatever
 * the size. The refusals are {@link openStream}'s, from the same functions
 * in the core, in the same order: everything yielded before an error is
 * authentic, and the same error ends the stream at the same point.
 */
import type { Worker } from 'node:worker_threads';
import { AEAD_NONCE_SIZE, AEAD_TAG_SIZE } from '../core/aead.js';
import { ByteReader } from '../core/byte-reader.js';
import { wipe } from '../core/bytes.js';
import { AgePayloadError } from '../core/errors.js';
import {
  CHUNK_SIZE,
  checkOpenedChunk,
  checkSealedChunk,
  chunkNonce,
  chunkTamperedError,
  SEALED_CHUNK_SIZE,
  type PayloadOpener,
} from '../core/stream.js';
import {
  AEAD_BATCH_WORKER_SOURCE,
  type BatchResponse,
  type BatchWorkerData,
  type WorkerRequest,
} from './aead-batch-worker.js';

/** Worker threads started for a stream when none are given. */
export const DEFAULT_WORKERS = 2;
/** Sealed chunks per batch: 1 MiB of plaintext, few enough messages, little held. */
export const DEFAULT_BATCH_CHUNKS = 16;

export interface ParallelOpenOptions {
  /**
   * Worker threads to start for this stream (default {@link DEFAULT_WORKERS}),
   * or running ones to use (left running).
   */
  readonly workers?: number | PayloadWorkers;
  /** Sealed chunks per batch (default {@link DEFAULT_BATCH_CHUNKS}). */
  readonly batchChunks?: number;
  /**
   * Batches read ahead and being opened at once (default: the workers plus
   * 2, so that while the consumer holds one piece and the next waits, every
   * worker still has a batch to open: one worker on 2 cores is the slowest
   * stage and must never idle).
   */
  readonly batchesInFlight?: number;
  /**
   * Reuse a yielded piece's buffer for a later batch once this many more
   * pieces have been pulled (0, the default: a fresh buffer per batch).
   * Fresh buffers cost a page fault per 4 KiB and garbage the collector
   * reclaims late (measured: +110 MiB peak RSS at 512 MiB); reuse keeps
   * memory flat. Only for consumers that, while holding a piece (or any view
   * into it), pull at most this many more: the buffer is overwritten with
   * ciphertext when the one after those is pulled.
   */
  readonly reuseAfter?: number;
}

/**
 * Worker threads that open STREAM batches, one stream at a time. Start them
 * early (they take tens of milliseconds to boot, while this thread can open
 * identity files and read headers) and reuse them for every input.
 */
export class PayloadWorkers {
  readonly #workers: Worker[];
  /** Settles when each worker has exited. */
  readonly #exits: Promise<void>[];
  readonly #waiting = new Map<number, { resolve: (r: BatchResponse) => void; reject: (e: Error) => void }>();
  #failure: Error | null = null;
  #nextId = 0;
  #busy = false;

  /** @throws RangeError if `count` is not a positive integer. */
  constructor(count: number) {
    if (!Number.isSafeInteger(count) || count < 1) throw new RangeError('invalid worker count');
    // Loaded here, not imported: node:worker_threads costs every `sealdrop decrypt` about 1 ms of
    // start-up, and only large inputs on 3 or more cores start workers (scripts/cli/decrypt.ts).
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    const workerData: BatchWorkerData = {
      sealedChunkSize: SEALED_CHUNK_SIZE,
      tagSize: AEAD_TAG_SIZE,
      nonceSize: AEAD_NONCE_SIZE,
    };
    this.#workers = Array.from({ length: count }, () => {
      const worker = new Worker(AEAD_BATCH_WORKER_SOURCE, { eval: true, workerData });
      worker.on('message', (response: BatchResponse) => {
        const waiting = this.#waiting.get(response.id);
        this.#waiting.delete(response.id);
        waiting?.resolve(response);
      });
      worker.on('error', (error: Error) => {
        this.#fail(error);
      });
      worker.on('exit', () => {
        this.#fail(new Error('decryption worker stopped'));
      });
      return worker;
    });
    // Listened for from the start: a worker that crashes before close() has
    // exited already, and a listener added then would wait for ever.
    this.#exits = this.#workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          worker.once('exit', () => {
            resolve();
          });
        }),
    );
  }

  get size(): number {
    return this.#workers.length;
  }

  #fail(error: Error): void {
    const failure = (this.#failure ??= error);
    for (const waiting of this.#waiting.values()) waiting.reject(failure);
    this.#waiting.clear();
  }

  #post(request: WorkerRequest, worker: Worker, transfer: ArrayBuffer[] = []): void {
    worker.postMessage(request, transfer);
  }

  /**
   * Hand every worker (a copy of) the payload key for the stream that starts.
   * @throws Error if another stream is using the workers.
   */
  begin(payloadKey: Uint8Array): void {
    if (this.#busy) throw new Error('payload workers are already opening a stream');
    this.#busy = true;
    for (const worker of this.#workers) this.#post({ kind: 'key', key: payloadKey }, worker);
  }

  /** Let every worker wipe the key: the stream is over (batches still queued are opened first). */
  end(): void {
    for (const worker of this.#workers) this.#post({ kind: 'wipe' }, worker);
    this.#busy = false;
  }

  /** Open one batch on the next worker in turn; answers come back in any order, matched by id. */
  open(buffer: ArrayBuffer, length: number, nonces: Uint8Array): Promise<BatchResponse> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    const answer = new Promise<BatchResponse>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
    });
    this.#post({ kind: 'batch', id, buffer, length, nonces }, this.#workers[id % this.#workers.length]!, [buffer]);
    return answer;
  }

  /** Let every worker wipe its key and end; resolves once all have exited (also those that crashed). */
  async close(): Promise<void> {
    for (const worker of this.#workers) this.#post(null, worker);
    await Promise.all(this.#exits);
  }
}

/** The AgePayloadError a check throws, or null if it passes. */
function refusalOf(check: () => void): AgePayloadError | null {
  try {
    check();
    return null;
  } catch (error) {
    if (error instanceof AgePayloadError) return error;
    throw error;
  }
}

/** A batch being opened, in stream order. */
interface Batch {
  readonly firstCounter: number;
  /** Chunks sent to the worker. */
  readonly count: number;
  /** Whether its last chunk is the payload's final chunk. */
  readonly last: boolean;
  readonly answer: Promise<BatchResponse> | null;
  /** A refusal found while cutting the batch, raised after its authentic chunks. */
  readonly error: AgePayloadError | null;
}

/**
 * Read up to `batchChunks` sealed chunks into a fresh buffer and start
 * opening them. The nonces and checks are exactly {@link openStream}'s: a
 * chunk is final when the payload ends with it.
 */
async function startBatch(
  reader: ByteReader,
  workers: PayloadWorkers,
  firstCounter: number,
  batchChunks: number,
  free: ArrayBuffer[],
): Promise<Batch> {
  const capacity = batchChunks * SEALED_CHUNK_SIZE;
  // Not Node's shared pool (it is transferred) and not zeroed: only the bytes read are sent.
  const reused = free.pop();
  const buffer = reused === undefined ? Buffer.allocUnsafeSlow(capacity) : Buffer.from(reused);
  let length = 0;
  while (length < capacity) {
    const piece = await reader.readUpTo(capacity - length);
    if (piece === null) break;
    buffer.set(piece, length);
    length += piece.length;
  }
  const last = length < capacity || (await reader.atEnd());
  let count = Math.max(1, Math.ceil(length / SEALED_CHUNK_SIZE));
  const error = refusalOf(() => {
    checkSealedChunk(length - (count - 1) * SEALED_CHUNK_SIZE);
  });
  if (error !== null) {
    // The chunks before the unusable one are opened (and yielded) first, as openStream would.
    count -= 1;
    length = count * SEALED_CHUNK_SIZE;
  }
  if (count === 0) return { firstCounter, count, last, answer: null, error };
  const nonces = new Uint8Array(count * AEAD_NONCE_SIZE);
  for (let i = 0; i < count; i++) {
    nonces.set(chunkNonce(firstCounter + i, last && error === null && i === count - 1), i * AEAD_NONCE_SIZE);
  }
  const answer = workers.open(buffer.buffer, length, nonces);
  // Awaited in order later; a stream abandoned early must not leave an unhandled rejection.
  answer.catch(() => undefined);
  return { firstCounter, count, last, answer, error };
}

/**
 * Open STREAM chunks on worker threads: the same contract as
 * {@link openStream} (plaintext in order, each piece only once authentic,
 * the key wiped at the end, the same refusals at the same points), with
 * at most `batchesInFlight` batches of about `batchChunks * 64 KiB` held.
 * @throws AgePayloadError as {@link openStream}.
 * @throws Error if a worker thread fails or stops.
 */
export async function* openStreamInParallel(
  payloadKey: Uint8Array,
  sealed: AsyncIterable<Uint8Array>,
  options: ParallelOpenOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  let inFlight: number;
  const { workers: given = DEFAULT_WORKERS, batchChunks = DEFAULT_BATCH_CHUNKS, reuseAfter = 0 } = options;
  let workers: PayloadWorkers;
  let reader: ByteReader;
  try {
    const workerCount = typeof given === 'number' ? given : given.size;
    const batchesInFlight = options.batchesInFlight ?? workerCount + 2;
    if (!Number.isSafeInteger(batchChunks) || batchChunks < 1) throw new RangeError('invalid batch size');
    if (!Number.isSafeInteger(batchesInFlight) || batchesInFlight < 1) {
      throw new RangeError('invalid batches in flight');
    }
    if (!Number.isSafeInteger(reuseAfter) || reuseAfter < 0) throw new RangeError('invalid reuse distance');
    workers = typeof given === 'number' ? new PayloadWorkers(given) : given;
    workers.begin(payloadKey);
    reader = new ByteReader(sealed);
    inFlight = batchesInFlight;
  } finally {
    wipe(payloadKey); // The workers hold their own copies.
  }
  const queue: Batch[] = [];
  try {
    /** Buffers of the pieces yielded, oldest first, until they may be reused. */
    const yielded: ArrayBuffer[] = [];
    const free: ArrayBuffer[] = [];
    let counter = 0;
    let ended = false;
    for (;;) {
      while (!ended && queue.length < inFlight) {
        const batch = await startBatch(reader, workers, counter, batchChunks, free);
        queue.push(batch);
        counter += batch.count;
        ended = batch.last || batch.error !== null;
      }
      const batch = queue.shift();
      if (batch === undefined) return;
      if (batch.answer !== null) {
        const { buffer, plaintextLength, failedAt } = await batch.answer;
        const plaintext = new Uint8Array(buffer, 0, plaintextLength);
        let refusal = batch.error;
        if (failedAt >= 0) {
          refusal = chunkTamperedError(batch.last && batch.error === null && failedAt === batch.count - 1);
        } else if (batch.last && batch.error === null) {
          refusal = refusalOf(() => {
            checkOpenedChunk(
              plaintextLength - (batch.count - 1) * CHUNK_SIZE,
              batch.firstCounter + batch.count - 1,
              true,
            );
          });
        }
        if (plaintext.length > 0 || (refusal === null && batch.last && batch.firstCounter === 0)) {
          yield plaintext;
          if (reuseAfter > 0) {
            yielded.push(buffer);
            if (yielded.length > reuseAfter) free.push(yielded.shift()!);
          }
        }
        if (refusal !== null) throw refusal;
      } else if (batch.error !== null) {
        throw batch.error;
      }
      if (batch.last) return;
    }
  } finally {
    // Batches still being opened (a stream stopped early) come back before the key is wiped.
    await Promise.allSettled(queue.flatMap((batch) => (batch.answer === null ? [] : [batch.answer])));
    workers.end();
    if (typeof given === 'number') await workers.close();
    await reader.close();
  }
}

/** {@link openStreamInParallel} as the core's pluggable payload opener (`decrypt`'s `openPayload`). */
export function parallelPayloadOpener(options: ParallelOpenOptions = {}): PayloadOpener {
  return (payloadKey, sealed) => openStreamInParallel(payloadKey, sealed, options);
}
